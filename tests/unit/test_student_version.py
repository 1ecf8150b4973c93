"""ipt_helpers.course.release.student_version (DeriveItems) and ipt_helpers.forms.items: one definition per item.

Golden files, in nbgrader's style: tests/fixtures/items/source.ipynb (an instructor's
notebook) -> release.ipynb (what the student receives) and autograded.ipynb (what grading
runs), compared whole. Regenerate them after a deliberate change with IPT_GOLDEN=write.
"""

import json
import os
import shutil

import nbformat
import pytest
from nbgrader.api import Gradebook

from conftest import COURSE, run
from ipt_helpers.forms.items import hidden_test, notebook_items, student_source
from ipt_helpers.forms.scoring import score_answers
from ipt_helpers.course.release.student_version import DeriveItems
from submissions import with_answers

FIXTURES = COURSE.parent / "tests" / "fixtures" / "items"


def comparable(nb) -> dict:
    """A notebook as the golden files hold it: cells' type, source, nbgrader metadata and
    whether the code is collapsed."""
    return {"cells": [{"cell_type": c.cell_type, "source": c.source,
                       "nbgrader": {k: v for k, v in c.metadata.get("nbgrader", {}).items()
                                    if k != "checksum"},
                       "collapsed": c.metadata.get("jupyter", {}).get("source_hidden", False)}
                      for c in nb.cells]}


def golden(name: str, nb) -> None:
    path = FIXTURES / name
    got = comparable(nb)
    if os.environ.get("IPT_GOLDEN") == "write":
        path.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n")
    assert got == json.loads(path.read_text()), f"{name} differs from the golden file"


@pytest.fixture
def tiny(tmp_path):
    root = tmp_path / "course"
    (root / "source" / "tiny").mkdir(parents=True)
    shutil.copy(COURSE / "nbgrader_config.py", root)
    shutil.copy(FIXTURES / "source.ipynb", root / "source" / "tiny" / "tiny.ipynb")
    return root


def test_student_source_drops_keys_and_answers_and_keeps_the_rest():
    src = ('form("f", [\n    Single("q", "Which?", ["a", "b"], points=2, accept={"a": 1},\n'
           '           feedback={"b": "No."}, explain="Because."),\n'
           '    Single("r", "Then?", ["x"], when={"q": "a"}, accept=["x"]),\n'
           '], answer={"q": "a"})')
    assert student_source(src) == ('form("f", [\n    Single("q", "Which?", ["a", "b"], points=2),\n'
                                   '    Single("r", "Then?", ["x"], when={"q": "a"}),\n'
                                   '], answer=None)')
    assert student_source("%%bash\necho hi") == "%%bash\necho hi"


def test_derive_items_writes_the_hidden_test_and_drops_widget_state():
    nb = nbformat.read(FIXTURES / "source.ipynb", as_version=4)
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    rubric = notebook_items(nb).items[0].definition.rubric()
    out, _ = DeriveItems().preprocess(nb, {})
    assert "widgets" not in out.metadata
    assert out.cells[3].source == hidden_test("case-b", rubric)
    assert "accept" not in out.cells[2].source and "explain" not in out.cells[2].source


def test_conditional_question_not_applying_gives_its_points_to_the_question_it_depends_on():
    nb = nbformat.read(FIXTURES / "source.ipynb", as_version=4)
    rubric = notebook_items(nb).items[0].definition.rubric()
    total, lines = score_answers({"focus": "role_transition", "stage": None, "clues": ["move"]}, rubric)
    assert total == 4
    assert "[Correct] focus: 3 of 3 points" in lines
    assert not any("Not answered" in line for line in lines)
    total, _ = score_answers({"focus": "role_dispute", "stage": None, "clues": ["move"]}, rubric)
    assert total == 3, "when it applies, the stage is scored"
    total, _ = score_answers({"focus": "grief", "stage": "renegotiation", "clues": ["move"]}, rubric)
    assert total == 1, "an answer to a question that does not apply earns nothing"


def test_real_ps1_case_b_transition_with_the_stage_blank_earns_full_marks():
    nb = nbformat.read(COURSE / "source" / "ps1-problem-areas" / "problem-areas.ipynb", as_version=4)
    item = next(i for i in notebook_items(nb).items if i.form_id == "case-b")
    total, _ = score_answers({"focus": "role_transition", "stage": None}, item.definition.rubric())
    assert total == item.points == 3


@pytest.mark.slow
def test_release_and_autograded_versions_match_the_golden_files(tiny):
    run(["nbgrader", "generate_assignment", "tiny", "--force"], cwd=tiny)
    release = nbformat.read(tiny / "release" / "tiny" / "tiny.ipynb", as_version=4)
    golden("release.ipynb.json", release)

    answered = with_answers(release, {"case-b": {"focus": "role_transition", "stage": None,
                                                 "clues": ["move"]}})
    target = tiny / "submitted" / "amara" / "tiny" / "tiny.ipynb"
    target.parent.mkdir(parents=True)
    nbformat.write(answered, target)
    run(["nbgrader", "autograde", "tiny", "--create"], cwd=tiny)
    autograded = nbformat.read(tiny / "autograded" / "amara" / "tiny" / "tiny.ipynb", as_version=4)
    golden("autograded.ipynb.json", autograded)
    with Gradebook(f"sqlite:///{tiny / 'gradebook.db'}") as gb:
        grade = gb.find_grade("case-b-test", "tiny", "tiny", "amara")
        assert grade.auto_score == 4, "a transition with the stage blank earns full marks"


@pytest.mark.slow
def test_the_source_notebook_passes_nbgrader_validate(tiny):
    out = run(["nbgrader", "validate", tiny / "source" / "tiny" / "tiny.ipynb"], cwd=tiny).stdout
    assert "Success! Your notebook passes all the tests." in out, out
