"""ipt-course check: each fault of an item definition is rejected with a message naming the
notebook, the form and the question; every real assignment passes.

Each fault is one small change to tests/fixtures/items/source.ipynb (which passes as is).
"""

import nbformat
import pytest

from conftest import ASSIGNMENTS, COURSE, ROOT, run
from ipt_helpers.course.release.check import check_notebook

SOURCE = ROOT / "tests" / "fixtures" / "items" / "source.ipynb"
FORM, TEST = 2, 3  # the fixture's form cell and its test cell

FAULTS = {
    "a key that is not an option": (
        FORM, 'accept={"role_transition": 1, "role_dispute": 1}',
        'accept={"role_transition": 1, "interpersonal_sensitivity": 1}',
        "form 'case-b', question 'focus': accepts 'interpersonal_sensitivity', which is not one of the options"),
    "feedback no student can see": (
        FORM, 'feedback={"grief": "No one has died."}',
        'feedback={"interpersonal_sensitivity": "Not her history."}',
        "question 'focus': has feedback for 'interpersonal_sensitivity', which no student can choose"),
    "a question without a rule": (
        FORM, 'points=1, correct=["move"]', 'points=1',
        "question 'clues': has no key (correct=): it would never be scored"),
    "a rule kind the scorer does not know": (
        FORM, 'points=1, correct=["move"]', 'points=1, guess=["move"]',
        "form 'case-b', question 'clues': guess= is not a rule kind the scorer knows"),
    "a rule kind of another question type": (
        FORM, 'points=1, correct=["move"]', 'points=1, order=["move", "city"]',
        "question 'clues': order= is not a rule kind the scorer knows for a Multi question (its kinds: correct="),
    "an unknown kind in a hand-written rubric": (
        TEST, 'score("case-b")', 'score("case-b", {"focus": {"points": 4, "guess": ["grief"]}})',
        "test cell 4 (score('case-b')): question 'focus': 'guess' is not a rule kind the scorer knows"),
    "points that do not add up": (
        FORM, 'points=1, correct=["move"]', 'points=2, correct=["move"]',
        "form 'case-b': its test cell 'case-b-test' is worth 4 points, but its questions add up to 5"),
    "a condition that can never hold": (
        FORM, 'when={"focus": "role_dispute"}', 'when={"focus": "dispute"}',
        "question 'stage': applies when 'focus' is 'dispute', which is not one of its options"),
    "an explanation that can never be shown": (
        FORM, 'accept={"renegotiation": 1}',
        'accept={"renegotiation": 1, "impasse": 1, "dissolution": 1}',
        "question 'stage': has an explanation that can never be shown"),
}


def fixture_with(cell, old, new):
    nb = nbformat.read(SOURCE, as_version=4)
    assert old in nb.cells[cell].source, "the fault's anchor is in the fixture"
    nb.cells[cell].source = nb.cells[cell].source.replace(old, new)
    return nb


def test_the_fixture_itself_passes():
    assert check_notebook(nbformat.read(SOURCE, as_version=4), "tiny/tiny.ipynb") == []


@pytest.mark.parametrize("fault", FAULTS)
def test_each_fault_is_rejected_by_name(fault):
    cell, old, new, message = FAULTS[fault]
    problems = check_notebook(fixture_with(cell, old, new), "tiny/tiny.ipynb")
    assert any(p.startswith("tiny/tiny.ipynb: ") and message in p for p in problems), problems


def test_a_form_id_used_twice_is_rejected():
    nb = nbformat.read(SOURCE, as_version=4)
    nb.cells.insert(FORM + 2, nbformat.from_dict(dict(nb.cells[FORM])))
    problems = check_notebook(nb, "tiny/tiny.ipynb")
    assert any("form 'case-b': the form id is used twice (cells 3 and 5)" in p for p in problems)


def test_a_form_without_a_test_cell_and_a_test_without_a_form_are_rejected():
    nb = fixture_with(TEST, 'score("case-b")', 'score("case-c")')
    problems = check_notebook(nb, "tiny/tiny.ipynb")
    assert any("form 'case-b': no graded test cell scores it" in p for p in problems)
    assert any("score('case-c')): no form with that id is defined" in p for p in problems)


def test_a_definition_that_cannot_be_read_is_rejected():
    nb = fixture_with(FORM, 'options("problem_area")', 'open("/etc/passwd")')
    assert any("cell 3: the form call cannot be read" in p for p in check_notebook(nb, "t"))


@pytest.mark.slow
def test_cli_check_passes_every_real_assignment_and_release_refuses_a_faulty_one(course):
    out = run(["ipt-course", "--course", COURSE, "check"], cwd=ROOT).stdout
    assert all(a in out for a in ASSIGNMENTS) and "every item is consistent" in out

    cell, old, new, message = FAULTS["a key that is not an option"]
    (course / "source" / "tiny").mkdir()
    nbformat.write(fixture_with(cell, old, new), course / "source" / "tiny" / "tiny.ipynb")
    proc = run(["ipt-course", "--course", course, "check", "tiny"], cwd=ROOT, check=False)
    assert proc.returncode == 1 and message in proc.stderr
    proc = run(["ipt-course", "--course", course, "release", "tiny"], cwd=ROOT, check=False)
    assert proc.returncode == 2 and "nothing released" in proc.stderr and message in proc.stderr
    assert not (course / "release" / "tiny").exists(), "nothing was written"
