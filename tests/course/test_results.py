"""Results that never mislead, and feedback a student can read (issue 15, items 3 and 4).

One small class is graded once (ps1: a perfect, a blank and a written answer awaiting marking,
plus a student on the roster who never submitted); each test works on its own copy.
"""

import csv
import re
import shutil

import nbformat
import pytest
from nbgrader.api import Gradebook

from conftest import COURSE, make_submissions, run
from submissions import with_written_answer

A = "ps1-problem-areas"
pytestmark = pytest.mark.slow
WRITTEN = ("<script>alert('x')</script> She lost her sister; grief fits. "
           + "Unbrokenwordthatmustwrapatanywidth" * 4)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("results") / "course"
    root.mkdir()
    shutil.copy(COURSE / "nbgrader_config.py", root)
    shutil.copytree(COURSE / "source", root / "source",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    nb_name = make_submissions(root, A, ["perfect", "blank"])
    perfect = root / "submitted" / "perfect" / A / f"{nb_name}.ipynb"
    target = root / "submitted" / "writer" / A / f"{nb_name}.ipynb"
    target.parent.mkdir(parents=True)
    nbformat.write(with_written_answer(nbformat.read(perfect, 4), WRITTEN), target)
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        gb.update_or_create_student("absent", first_name="Ada", last_name="Absent",
                                    lms_user_id="4242")
        gb.update_or_create_student("writer", first_name="Wren", last_name="Writer",
                                    lms_user_id="4343")
    run(["ipt-course", "grade", A, "--workers", "1"], cwd=root, timeout=900)
    return root


@pytest.fixture
def course(graded, tmp_path):
    copy = tmp_path / "course"
    shutil.copytree(graded, copy)
    return copy


def ipt_course(*args, cwd):
    return run(["ipt-course", *args], cwd=cwd, check=False, timeout=600)


def mark(course, student, points):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for nb in gb.find_submission(A, student).notebooks:
            for grade in nb.grades:
                if grade.auto_score is None and grade.manual_score is None:
                    grade.manual_score = points
        gb.db.commit()


def test_feedback_and_export_refuse_while_a_written_answer_is_unmarked(course):
    for args in (["feedback", A], ["export"], ["export", "--format", "canvas"]):
        proc = ipt_course(*args, cwd=course)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert f"{A} / writer / problem-areas: justify (4 point(s)) has no mark" in proc.stderr
        assert "--allow-unmarked" in proc.stderr
    assert not (course / "feedback").exists()
    assert not (course / "grades.csv").exists() and not (course / "grades-canvas.csv").exists()


def test_export_tells_not_submitted_awaiting_marking_and_scored_apart(course):
    proc = ipt_course("export", "--allow-unmarked", cwd=course)
    assert proc.returncode == 0, proc.stderr
    assert "2 scored, 1 awaiting marking, 1 not submitted" in proc.stdout
    with open(course / "grades.csv", newline="") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    assert rows["absent"]["status"] == "not submitted" and rows["absent"]["score"] == ""
    assert rows["writer"]["status"] == "awaiting marking" and rows["writer"]["score"] == ""
    assert rows["writer"]["unmarked"] == "1" and float(rows["writer"]["raw_score"]) > 0
    assert rows["blank"]["status"] == "scored" and float(rows["blank"]["score"]) == 0
    perfect = float(rows["perfect"]["score"])
    mark(course, "writer", 3.5)  # marked: the total is final, and includes the mark
    proc = ipt_course("export", "--force", cwd=course)
    assert proc.returncode == 0, proc.stderr
    with open(course / "grades.csv", newline="") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    assert rows["writer"]["status"] == "scored"
    assert float(rows["writer"]["score"]) == pytest.approx(perfect + 3.5)


def read_canvas_import(path):
    """Canvas's Gradebook Import format, as its documentation describes it: a header with
    Student, ID, SIS User ID, SIS Login ID, Section, then one column per assignment named
    "Title (assignment id)" (a title alone makes a new assignment); an optional
    "Points Possible" row; a score per cell, an empty cell meaning no change."""
    with open(path, newline="", encoding="utf-8") as fh:
        table = list(csv.reader(fh))
    head = table[0]
    assert head[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"], head
    assignments = [re.fullmatch(r"(.+?)(?: \((\d+)\))?", c).groups() for c in head[5:]]
    body = table[1:]
    possible = None
    if body and body[0][0].strip() == "Points Possible":
        possible, body = body[0], body[1:]
    students = {}
    for row in body:
        record = dict(zip(head, row))
        students[record["SIS Login ID"] or record["ID"]] = (record, {
            a: (float(v) if v.strip() else None) for a, v in zip(assignments, row[5:])})
    return assignments, possible, students


def test_the_canvas_csv_reads_back_as_canvas_documents_it(course):
    mark(course, "writer", 2)
    proc = ipt_course("export", "--format", "canvas", "--canvas-id", f"{A}=77", cwd=course)
    assert proc.returncode == 0, proc.stderr
    assignments, possible, students = read_canvas_import(course / "grades-canvas.csv")
    assert assignments == [(A, "77")]
    assert possible is not None and float(possible[5]) == 42
    record, scores = students["writer"]
    assert record["Student"] == "Writer, Wren" and record["ID"] == "4343"
    assert scores[(A, "77")] > 2
    assert students["absent"][1][(A, "77")] is None, "not submitted: no change, never 0"
    assert students["blank"][1][(A, "77")] == 0


def test_feedback_a_student_can_read(course):
    from bookcheck import page_problems, serve
    from browser import chromium

    proc = ipt_course("feedback", A, "--allow-unmarked", cwd=course)
    assert proc.returncode == 0, proc.stderr
    pages = {s: next((course / "feedback" / s / A).glob("*.html")) for s in ("writer", "blank")}
    page = pages["writer"].read_text()
    assert "awaiting marking" in page and "Score: 0" not in page
    assert "BEGIN HIDDEN TESTS" not in page and 'score("case-' not in page, \
        "no rubric source (the hidden test's Python, with every key)"
    assert "'points':" not in page and "'feedback':" not in page
    assert "Your answer:" in page, "the answer in words"
    assert '<li class="wrong">[Not answered] focus: 0 of 2 points' in pages["blank"].read_text()
    assert "of 5 points" in page, "the points of each form"
    assert "<script>alert" not in page and "&lt;script&gt;" in page, "the student's text is escaped"
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "nothing from another host"
    assert "mathjax" not in page.lower()
    with serve(course / "feedback") as url, chromium() as browser:
        for student in pages:
            problems = page_problems(browser, f"{url}{student}/{A}/{pages[student].name}")
            assert problems == [], problems  # wraps at 375 px and 1280 px, axe, offline


def test_feedback_with_every_answer_marked_shows_the_mark(course):
    mark(course, "writer", 3)
    proc = ipt_course("feedback", A, cwd=course)
    assert proc.returncode == 0, proc.stderr
    page = next((course / "feedback" / "writer" / A).glob("*.html")).read_text()
    assert "awaiting marking" not in page and "3 of 4 points" in page


def feedback_pages(course):
    return {p.parent.parent.name: p.read_text() for p in (course / "feedback").glob(f"*/{A}/*.html")}


def test_feedback_holds_no_key_whichever_tool_makes_it(course):
    """`nbgrader generate_feedback` (also formgrader's button), and `ipt-course feedback`: the
    same key-free page, because the feedback steps and template are in nbgrader_config.py."""
    mark(course, "writer", 3)
    made = {}
    for tool in (["nbgrader", "generate_feedback", A, "--force"],
                 ["ipt-course", "feedback", A, "--force"]):
        shutil.rmtree(course / "feedback", ignore_errors=True)
        proc = run(tool, cwd=course, check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        made[tool[0]] = feedback_pages(course)
    for tool, pages in made.items():
        assert set(pages) == {"perfect", "blank", "writer"}, tool
        for student, page in pages.items():
            for key in ("BEGIN HIDDEN TESTS", 'score("case-', "'accept':", "'points':",
                        "'feedback':", "'explain':"):
                assert key not in page, (tool, student, key)
            assert "Your answer:" in page or student == "blank", (tool, student)
    assert made["nbgrader"]["writer"].count("of 5 points") == made["ipt-course"]["writer"].count("of 5 points") > 0


# --- export for the LMS: chosen assignments, SIS ids, Moodle (issue 23) ----------------------------

def roster_import(course, text, *options):
    path = course / "class-list.csv"
    path.write_text(text, encoding="utf-8")
    proc = ipt_course("roster", "import", path, *options, cwd=course)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_export_only_the_assignments_named_with_the_rosters_sis_ids(course):
    """Issue 23: the Canvas file had a column per assignment of the gradebook, id-less ones
    that Canvas offers to create as new assignments, and an empty SIS User ID."""
    import sqlite3

    mark(course, "writer", 2)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.update_or_create_assignment("ps2-inventory")   # released, nothing graded yet
    assert ipt_course("export", "--to", course / "before.csv", cwd=course).returncode == 0

    def tables():
        with sqlite3.connect(course / "gradebook.db") as db:
            return {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "ipt_roster_ids" not in tables(), "reading the roster changes no gradebook"
    roster_import(course, "Student,ID,SIS User ID,SIS Login ID,Section\n"
                          '"Writer, Wren",4343,S-0077,writer,IPT 101\n', "--from", "canvas")
    assert "ipt_roster_ids" in tables()
    proc = ipt_course("export", "--format", "canvas", "--assignment", A,
                      "--canvas-id", f"{A}=77", cwd=course)
    assert proc.returncode == 0, proc.stderr
    assignments, possible, students = read_canvas_import(course / "grades-canvas.csv")
    assert assignments == [(A, "77")], "only the assignment named: no column for ps2"
    record, scores = students["writer"]
    assert record["SIS User ID"] == "S-0077" and record["ID"] == "4343"
    assert students["perfect"][0]["SIS User ID"] == "", "not in the Canvas list: none known"
    assert "note:" not in proc.stdout, "every exported assignment has its Canvas id"

    proc = ipt_course("export", "--format", "canvas", "--force", cwd=course)
    assert [a for a, _ in read_canvas_import(course / "grades-canvas.csv")[0]] == [A, "ps2-inventory"]
    assert "note: ps2-inventory has no --canvas-id" in proc.stdout

    proc = ipt_course("export", "--assignment", "ps9-nope", "--force", cwd=course)
    assert proc.returncode == 2
    assert "--assignment ps9-nope: not in the gradebook (it has: ps1-problem-areas, ps2-inventory)" \
        in proc.stderr
    proc = ipt_course("export", "--format", "canvas", "--assignment", "ps2-inventory",
                      "--canvas-id", f"{A}=77", "--force", cwd=course)
    assert proc.returncode == 2 and f"--canvas-id names {A}, which is not exported" in proc.stderr


def test_a_moodle_grade_import_file(course):
    """Moodle's Grades > Import > CSV: a column that identifies the student (Email address or
    ID number) and one per assignment; Moodle gives a row with an empty identifying cell to
    the student of the row before, so such a student is left out and named (exit 1)."""
    mark(course, "writer", 2)
    roster_import(course, "First name,Last name,Username,ID number,Email address,Roles\n"
                          "Wren,Writer,writer,20261234,wren@uni.example,Student\n"
                          "Per,Fect,perfect,20265555,,Student\n",
                  "--from", "moodle", "--id-column", "Username")
    proc = ipt_course("export", "--format", "moodle", "--assignment", A, cwd=course)
    assert proc.returncode == 1
    assert ("NOT EXPORTED 2 student(s) with no Email address in the gradebook (Moodle could not "
            "tell who they are): blank, perfect") in proc.stderr
    with open(course / "grades-moodle.csv", newline="", encoding="utf-8") as fh:
        table = list(csv.reader(fh))
    assert table[0] == ["First name", "Last name", "Email address", A]
    assert [r[:3] for r in table[1:]] == [["Wren", "Writer", "wren@uni.example"]], \
        "absent has no final score: no row, so nothing in Moodle is cleared"
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        total = gb.find_submission(A, "writer").score
    assert float(table[1][3]) == pytest.approx(total)

    proc = ipt_course("export", "--format", "moodle", "--moodle-user", "idnumber", "--force",
                      cwd=course)
    with open(course / "grades-moodle.csv", newline="", encoding="utf-8") as fh:
        rows = {r["ID number"]: r for r in csv.DictReader(fh)}
    assert set(rows) == {"20261234", "20265555"} and proc.returncode == 1
    assert "blank" in proc.stderr and float(rows["20265555"][A]) > 0
