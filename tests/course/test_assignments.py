"""The nbgrader round trip for EVERY assignment in exercises/source/.

source earns full marks (validate) -> student version -> blank, perfect and partly-right
submissions autograded to exactly the expected scores -> feedback HTML -> CSV export.
"""

import csv

import nbformat
import pytest
from nbgrader.api import Gradebook

from conftest import ASSIGNMENTS, run
from submissions import form_answers, key_answers, partial_case, with_answers, with_written_answer

WRITTEN = "He moved for her job and lost his own role. <script>alert('x')</script> I would ask him."


def autograded_cells(nb):
    """{grade id: max points} of the autograded test cells."""
    out = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution") and cell.cell_type == "code":
            out[meta["grade_id"]] = float(meta["points"])
    return out


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_round_trip(course, assignment):
    source_dir = course / "source" / assignment
    notebooks = sorted(source_dir.glob("*.ipynb"))
    assert notebooks, f"{assignment} has no notebook"

    # 1. the instructor's answers earn full marks
    for nb_path in notebooks:
        out = run(["nbgrader", "validate", nb_path], cwd=course).stdout
        assert "Success! Your notebook passes all the tests." in out, out

    # 2. student versions
    run(["nbgrader", "generate_assignment", assignment, "--force"], cwd=course)
    case = partial_case(assignment)
    expected = {}
    for nb_path in notebooks:
        name = nb_path.stem
        source = nbformat.read(nb_path, as_version=4)
        release = nbformat.read(course / "release" / assignment / nb_path.name, as_version=4)
        key = key_answers(source)
        assert key and all(v for v in key.values()), "every form's key gives full-mark answers"
        assert all(v is None for v in form_answers(release).values()), "release has no answers"
        cells = autograded_cells(source)
        partial_answers = dict(key)
        if case["notebook"] == name:
            partial_answers.update(case["answers"])
        subs = {
            "blank": (release, {g: 0.0 for g in cells}),
            "perfect": (with_written_answer(with_answers(release, key), WRITTEN), cells),
            "partial": (with_answers(release, partial_answers),
                        {**cells, **case["expected"]} if case["notebook"] == name else cells),
        }
        for student, (nb, scores) in subs.items():
            target = course / "submitted" / student / assignment / nb_path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, target)
            expected[(student, name)] = scores

    # 3. autograde gives exactly the expected scores
    run(["nbgrader", "autograde", assignment, "--create"], cwd=course)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for (student, name), scores in expected.items():
            sub = gb.find_submission_notebook(name, assignment, student)
            got = {g.name: g.auto_score for g in sub.grades if g.name in scores}
            assert got == pytest.approx(scores), f"{student}/{name}"
            manual = [g for g in sub.grades if g.name not in scores]
            if student == "perfect":
                assert all(g.auto_score is None for g in manual), "written answers await marking"
        totals = {s: gb.find_submission(assignment, s).score for s in ("blank", "perfect", "partial")}
    assert totals["blank"] == 0
    assert totals["blank"] < totals["partial"] < totals["perfect"]

    # 4. feedback for each student; the student's text is escaped, never run
    run(["nbgrader", "generate_feedback", assignment], cwd=course)
    for student in ("blank", "perfect", "partial"):
        pages = list((course / "feedback" / student / assignment).glob("*.html"))
        assert len(pages) == len(notebooks)
        html = pages[0].read_text()
        assert "<script>alert('x')</script>" not in html
    perfect_page = (course / "feedback" / "perfect" / assignment / f"{notebooks[0].stem}.html").read_text()
    assert "Correct" in perfect_page
    assert "&lt;script&gt;" in perfect_page, "the written answer is shown as text"
    assert "Your answer:" in perfect_page, "each form shows the recorded answers in words"

    # 5. CSV export with those scores
    run(["nbgrader", "export", "--to", "grades.csv"], cwd=course)
    with open(course / "grades.csv", newline="") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh) if r["assignment"] == assignment}
    assert {s: float(rows[s]["raw_score"]) for s in totals} == pytest.approx(totals)
