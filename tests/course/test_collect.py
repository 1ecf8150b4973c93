"""ipt_helpers.course.collect.submissions: an LMS zip of submissions filed into submitted/, as nbgrader zip_collect
would, without overwriting or deleting anything and naming every file it cannot use."""

import io
import zipfile

import nbformat
import pytest

from ipt_helpers.course.collect import submissions as collect_module
from ipt_helpers.course.collect.submissions import NAMED_REGEXP, collect, read_zip
from ipt_helpers.course.folder import Course, CourseError

from conftest import make_zip

A = "ps1-problem-areas"
NB = "problem-areas"
STAMP = "2026-01-31-09-15-00"


def notebook(text="hello"):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_markdown_cell(text)
    cell.id = "answer"  # fixed, so that two calls give the same bytes
    nb.cells.append(cell)
    return nbformat.writes(nb).encode()


def nested_zip(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def submitted(course):
    return sorted(str(p.relative_to(course / "submitted")) for p in (course / "submitted").rglob("*")
                  if p.is_file()) if (course / "submitted").exists() else []


def test_lms_file_names_follow_nbgraders_pattern(course, tmp_path, capsys):
    z = make_zip(tmp_path / "lms.zip", {
        f"alice_attempt_{STAMP}_{NB}.ipynb": notebook("alice"),
        f"{A}_bob_smith_attempt_{STAMP}_{NB}.ipynb": notebook("bob"),  # prefix; "_" in the id
    })
    assert collect(Course.open(course), A, z) == 0
    assert submitted(course) == [f"alice/{A}/{NB}.ipynb", f"alice/{A}/timestamp.txt",
                                 f"bob_smith/{A}/{NB}.ipynb", f"bob_smith/{A}/timestamp.txt"]
    assert (course / "submitted" / "alice" / A / f"{NB}.ipynb").read_bytes() == notebook("alice")
    # nbgrader's timestamp.txt format; its parse_utc alone would misread the last fields as a
    # UTC offset (2026-01-31 09:15:00 -> 2026-01-31 09:00:00 + 15 h)
    assert (course / "submitted" / "alice" / A / "timestamp.txt").read_text() == "2026-01-31 09:15:00"
    out = capsys.readouterr().out
    assert f"collected alice / {NB}: submitted/alice/{A}/{NB}.ipynb" in out
    assert "2 submission(s) collected, 0 skipped as already collected, 0 file(s) not collected" in out


def test_a_folder_per_student_and_zips_inside_the_zip(course, tmp_path):
    z = make_zip(tmp_path / "folders.zip", {
        f"alice/{NB}.ipynb": notebook("a"),
        f"export/bob/{NB}.ipynb": notebook("b"),           # a wrapper folder
        f"carol/{A}/{NB}.ipynb": notebook("c"),            # nbgrader's submitted/ layout
        "dave.zip": nested_zip({f"{NB}.ipynb": notebook("d")}),   # one zip per student
        f"erin\\{NB}.ipynb": notebook("e"),                  # made on Windows
        "__MACOSX/alice/._problem-areas.ipynb": b"\x00junk",       # archive litter: ignored
        ".DS_Store": b"junk",
    })
    assert collect(Course.open(course), A, z) == 0
    assert submitted(course) == [f"{s}/{A}/{NB}.ipynb" for s in ("alice", "bob", "carol", "dave", "erin")]
    assert (course / "submitted" / "dave" / A / f"{NB}.ipynb").read_bytes() == notebook("d")


def test_every_unusable_file_is_named_and_the_rest_is_filed(course, tmp_path, capsys):
    z = make_zip(tmp_path / "mixed.zip", {
        f"alice/{NB}.ipynb": notebook(),
        f"bob/{NB}.ipynb": b"{this is not json",
        f"carol/{NB}.ipynb": b'{"cells": 5, "nbformat": 4}',
        f"dan/{NB}.ipynb": b"\xff\xfe\x00binary",
        f"erin/{NB}.ipynb.pdf": b"%PDF-1.4",
        "erin/scratch.ipynb": notebook(),
        f"{NB}.ipynb": notebook(),
        f"bad student!/{NB}.ipynb": notebook(),
        f"../{NB}.ipynb": notebook(),                     # the id would be ".."
    })
    assert collect(Course.open(course), A, z) == 1
    out = capsys.readouterr().out
    assert f"NOT COLLECTED bob/{NB}.ipynb: not a valid notebook: the file is not JSON" in out
    assert f"NOT COLLECTED carol/{NB}.ipynb: not a valid notebook: the JSON is not in Jupyter's notebook format" in out
    assert f"NOT COLLECTED dan/{NB}.ipynb: not a valid notebook: the file is not UTF-8" in out
    assert f"NOT COLLECTED erin/{NB}.ipynb.pdf: not a notebook (only .ipynb files are collected)" in out
    assert (f"NOT COLLECTED erin/scratch.ipynb: 'scratch' is not a notebook of {A} "
            f"(expected: {NB}.ipynb)") in out
    assert f"NOT COLLECTED {NB}.ipynb: cannot tell which student it belongs to" in out
    assert (f"NOT COLLECTED bad student!/{NB}.ipynb: skipped, student id 'bad student!' is not "
            "usable") in out
    assert f"NOT COLLECTED ../{NB}.ipynb: skipped, student id '..' is not usable" in out
    assert "1 submission(s) collected, 0 skipped as already collected, 8 file(s) not collected" in out
    assert submitted(course) == [f"alice/{A}/{NB}.ipynb"]
    assert not (course / "submitted" / A).exists() and not (course / A).exists()


def test_an_existing_submission_is_kept_without_force(course, tmp_path, capsys):
    mine = course / "submitted" / "alice" / A
    mine.mkdir(parents=True)
    (mine / f"{NB}.ipynb").write_bytes(notebook("first"))
    (mine / "notes.txt").write_text("the instructor's own file")
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in mine.iterdir()}
    z = make_zip(tmp_path / "again.zip", {f"alice/{NB}.ipynb": notebook("second"),
                                          f"bob/{NB}.ipynb": notebook("bob")})
    assert collect(Course.open(course), A, z) == 0
    out = capsys.readouterr().out
    assert (f"skipped alice: already submitted (submitted/alice/{A}/{NB}.ipynb); use --force "
            "to replace") in out
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in mine.iterdir()} == before
    assert (course / "submitted" / "bob" / A / f"{NB}.ipynb").exists()

    assert collect(Course.open(course), A, z, force=True) == 0
    assert (mine / f"{NB}.ipynb").read_bytes() == notebook("second")
    assert (mine / "notes.txt").read_text() == "the instructor's own file", "never deleted"
    assert not [p for p in course.rglob("*.part")], "no temporary file is left behind"


def test_the_latest_attempt_wins_and_undated_duplicates_are_refused(course, tmp_path, capsys):
    z = make_zip(tmp_path / "attempts.zip", {
        f"alice_attempt_2026-01-30-10-00-00_{NB}.ipynb": notebook("old"),
        f"alice_attempt_2026-01-31-10-00-00_{NB}.ipynb": notebook("new"),
        f"x/bob/{NB}.ipynb": notebook("one"),
        f"y/bob/{NB}.ipynb": notebook("two"),
    })
    assert collect(Course.open(course), A, z) == 1
    out = capsys.readouterr().out
    assert (course / "submitted" / "alice" / A / f"{NB}.ipynb").read_bytes() == notebook("new")
    assert (course / "submitted" / "alice" / A / "timestamp.txt").read_text() == "2026-01-31 10:00:00"
    assert f"note: alice / {NB}: 2 attempts; filed the latest" in out
    assert (f"NOT COLLECTED bob / {NB}: 2 files (x/bob/{NB}.ipynb, y/bob/{NB}.ipynb) and no "
            "times to tell which is the latest; none filed") in out
    assert not (course / "submitted" / "bob").exists()


def test_the_course_can_configure_nbgraders_named_regexp(course, tmp_path):
    with open(course / "nbgrader_config.py", "a") as fh:
        fh.write('\nc.FileNameCollectorPlugin.named_regexp = '
                 'r"^(?P<student_id>[a-z]+)--(?P<file_id>.+)$"\n')
    z = make_zip(tmp_path / "canvas.zip", {f"alice--{NB}.ipynb": notebook()})
    assert collect(Course.open(course), A, z) == 0
    assert submitted(course) == [f"alice/{A}/{NB}.ipynb"]


def test_default_pattern_is_nbgraders_example_widened():
    import re

    rx = re.compile(NAMED_REGEXP.format(assignment=re.escape("ps1")))
    m = rx.match("ps1_bitdiddle_attempt_2016-01-30-15-00-00_problem1.ipynb")  # nbgrader's example
    assert m.group("student_id", "timestamp", "file_id") == (
        "bitdiddle", "2016-01-30-15-00-00", "problem1.ipynb")
    assert rx.match(f"in/a.b@x-y_attempt_{STAMP}_{NB}.ipynb").group("student_id") == "a.b@x-y"


@pytest.mark.parametrize("files, message", [
    ({}, "is empty: no files to collect"),
    ({"readme.txt": b"hi", "__MACOSX/x": b""}, f"no submissions of {A} found in"),
    ({f"{NB}.ipynb": notebook()}, f"no submissions of {A} found in"),
    ({f"alice/{NB}.ipynb": b"not json"}, f"no submissions of {A} found in"),
])
def test_a_zip_with_nothing_to_file_is_an_error(course, tmp_path, files, message):
    z = make_zip(tmp_path / "odd.zip", files)
    with pytest.raises(CourseError, match=message):
        collect(Course.open(course), A, z)
    assert not (course / "submitted").exists()


def test_missing_or_not_a_zip_or_unknown_assignment(course, tmp_path):
    c = Course.open(course)
    with pytest.raises(CourseError, match="does not exist"):
        collect(c, A, tmp_path / "nope.zip")
    (tmp_path / "fake.zip").write_text("not a zip")
    with pytest.raises(CourseError, match="is not a zip file"):
        collect(c, A, tmp_path / "fake.zip")
    with pytest.raises(CourseError, match="unknown assignment 'ps99'"):
        collect(c, "ps99", tmp_path / "fake.zip")


def test_a_failed_write_leaves_neither_a_partial_file_nor_a_temporary_one(course, tmp_path, monkeypatch):
    z = make_zip(tmp_path / "one.zip", {f"alice/{NB}.ipynb": notebook()})

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(collect_module.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        collect(Course.open(course), A, z)
    folder = course / "submitted" / "alice" / A
    assert list(folder.iterdir()) == []


def test_read_zip_reports_without_writing(course, tmp_path):
    z = make_zip(tmp_path / "r.zip", {f"alice/{NB}.ipynb": notebook(), "x/y.txt": b""})
    found, outcome = read_zip(Course.open(course), A, z)
    assert [(f.student, f.notebook) for f in found] == [("alice", NB)]
    assert outcome.problems == ["x/y.txt: not a notebook (only .ipynb files are collected)"]
    assert not (course / "submitted").exists()


# --- Canvas and Moodle downloads (issue 14) -----------------------------------------------------

import unicodedata  # noqa: E402
from datetime import datetime  # noqa: E402

from conftest import run  # noqa: E402
from lms_files import CANVAS_CSV, MOODLE_CSV  # noqa: E402

from ipt_helpers.course.collect.roster import import_roster  # noqa: E402

DUE = datetime(2026, 2, 1, 12, 0, 0)


def roster(course, tmp_path, fmt, text):
    path = tmp_path / f"roster-{fmt}.csv"
    path.write_text(text, encoding="utf-8")
    import_roster(Course.open(course), path, fmt)


def set_due(course, assignment=A, due=DUE):
    from nbgrader.api import Gradebook
    with Gradebook(Course.open(course).db_url) as gb:
        gb.update_or_create_assignment(assignment, duedate=due)


def test_a_canvas_download_normal_late_and_reuploaded(course, tmp_path, capsys):
    roster(course, tmp_path, "canvas", CANVAS_CSV)
    set_due(course)
    capsys.readouterr()
    z = make_zip(tmp_path / "submissions.zip", {
        f"smithjohn_12345_70001_{NB}.ipynb": notebook("john"),
        f"garcíamárquezjosé_LATE_12346_70002_{NB}.ipynb": notebook("josé, late"),
        f"obrienseán_12347_70000_{NB}.ipynb": notebook("first upload"),
        f"obrienseán_12347_70003_{NB}-1.ipynb": notebook("second upload"),  # Canvas's re-upload
        "smithjohn_12345_70004_notes.txt": b"my notes",
        f"doejane_55555_70005_{NB}.ipynb": notebook("not in the roster"),
    })
    assert collect(Course.open(course), A, z) == 1
    out = capsys.readouterr().out
    assert "names read as a Canvas download (--from canvas)" in out
    assert submitted(course) == [f"jgarcia@uni.example/{A}/{NB}.ipynb",
                                 f"jgarcia@uni.example/{A}/timestamp.txt",
                                 f"jsmith@uni.example/{A}/{NB}.ipynb",
                                 f"sobrien/{A}/{NB}.ipynb"]
    sub = course / "submitted"
    assert (sub / "jgarcia@uni.example" / A / "timestamp.txt").read_text() == "2026-02-01 12:00:01"
    assert (sub / "sobrien" / A / f"{NB}.ipynb").read_bytes() == notebook("second upload")
    assert f"from garcíamárquezjosé_LATE_12346_70002_{NB}.ipynb)  LATE" in out
    assert "jgarcia@uni.example: submitted late; timestamp.txt 2026-02-01 12:00:01" in out
    assert f"note: sobrien / {NB}: 2 attempts; filed the latest (obrienseán_12347_70003_{NB}-1" in out
    assert ("NOT COLLECTED smithjohn_12345_70004_notes.txt: not a notebook (only .ipynb files "
            "are collected)") in out
    assert (f"NOT COLLECTED doejane_55555_70005_{NB}.ipynb: Canvas user 55555 (doejane) is not "
            "in the roster: import the Canvas gradebook export first") in out
    assert "3 submission(s) collected, 0 skipped as already collected, 2 file(s) not collected" in out

    # again: nothing is overwritten without --force, the timestamp included
    before = {p: p.read_bytes() for p in sub.rglob("*") if p.is_file()}
    collect(Course.open(course), A, z)
    assert "skipped jgarcia@uni.example: already submitted" in capsys.readouterr().out
    assert {p: p.read_bytes() for p in sub.rglob("*") if p.is_file()} == before


def test_canvas_late_without_a_due_date_says_so(course, tmp_path, capsys):
    roster(course, tmp_path, "canvas", CANVAS_CSV)
    z = make_zip(tmp_path / "s.zip", {f"smithjohn_LATE_12345_70001_{NB}.ipynb": notebook()})
    assert collect(Course.open(course), A, z, source="canvas") == 0
    out = capsys.readouterr().out
    assert (f"note: Canvas marks jsmith@uni.example LATE, but {A} has no due date in the "
            "gradebook, so no late penalty can apply") in out
    assert submitted(course) == [f"jsmith@uni.example/{A}/{NB}.ipynb"]


def test_canvas_names_are_matched_when_the_roster_has_no_canvas_ids(course, tmp_path, capsys):
    roster(course, tmp_path, "csv", "id,first_name,last_name\n"
                                    "jose,José,García Márquez\n"   # the roster has the accents
                                    "sean,Sean,O'Brien\n"          # the roster has none
                                    "js1,John,Smith\njs2,John,Smith\n")
    capsys.readouterr()
    nfd = unicodedata.normalize("NFD", "garcíamárquezjosé")   # as a Mac's unzip may give it
    z = make_zip(tmp_path / "s.zip", {
        f"{nfd}_12346_70002_{NB}.ipynb": notebook("josé"),
        f"obrienseán_12347_70003_{NB}.ipynb": notebook("seán"),
        f"smithjohn_12345_70001_{NB}.ipynb": notebook("which john?"),
    })
    assert collect(Course.open(course), A, z, source="canvas") == 1
    out = capsys.readouterr().out
    assert submitted(course) == [f"jose/{A}/{NB}.ipynb", f"sean/{A}/{NB}.ipynb"]
    assert ("smithjohn_12345_70001_problem-areas.ipynb: 2 students in the roster have this name "
            "(js1, js2): file it by hand") in out


@pytest.mark.parametrize("layout", ["flat", "folders", "folders before Moodle 3.x"])
def test_a_moodle_download_flat_or_in_folders(course, tmp_path, capsys, layout):
    roster(course, tmp_path, "moodle", MOODLE_CSV)
    capsys.readouterr()
    sep = {"flat": "_", "folders": "/", "folders before Moodle 3.x": "_/"}[layout]
    names = {"John Smith_101": "john", "José García Márquez_102": "josé",
             "Seán OBrien_103": "seán"}   # Moodle drops the apostrophe from file names
    files = {f"{who}_assignsubmission_file{sep}{NB}.ipynb": notebook(text)
             for who, text in names.items()}
    files["John Smith_101_assignsubmission_onlinetext_onlinetext.html"] = b"<p>hi</p>"
    files[f"Participant_104_assignsubmission_file{sep}{NB}.ipynb"] = notebook("blind")
    z = make_zip(tmp_path / "moodle.zip", files)
    assert collect(Course.open(course), A, z) == 1
    out = capsys.readouterr().out
    assert "names read as a Moodle download (--from moodle)" in out
    assert submitted(course) == [f"{s}/{A}/{NB}.ipynb" for s in (
        "john.smith@uni.example", "jose.garcia@uni.example", "sean.obrien@uni.example")]
    assert (course / "submitted" / "jose.garcia@uni.example" / A / f"{NB}.ipynb").read_bytes() \
        == notebook("josé")
    assert "onlinetext.html: not a notebook (Moodle's onlinetext submission, not a file)" in out
    assert "Moodle hid the student (blind marking)" in out


def test_an_lms_zip_with_no_roster_is_refused(course, tmp_path):
    z = make_zip(tmp_path / "s.zip", {f"smithjohn_12345_70001_{NB}.ipynb": notebook()})
    with pytest.raises(CourseError, match="the gradebook has no students yet, so the Canvas "
                                          "names cannot be matched"):
        collect(Course.open(course), A, z)
    assert not (course / "submitted").exists()


def test_another_assignments_notebook_is_skipped_and_named_and_the_rest_filed(course, tmp_path,
                                                                            capsys):
    """Issue 23: one of twelve students uploaded ps2's notebook to ps1; the zip is one
    assignment's download, so the others are filed and that one file is named with why."""
    roster(course, tmp_path, "canvas", CANVAS_CSV)
    capsys.readouterr()
    z = make_zip(tmp_path / "ps1.zip", {
        f"garcíamárquezjosé_12346_70001_{NB}.ipynb": notebook("josé"),
        f"obrienseán_12347_70003_{NB}.ipynb": notebook("seán"),
        "smithjohn_12345_70002_inventory.ipynb": notebook("john's ps2"),
    })
    assert collect(Course.open(course), A, z) == 1
    out = capsys.readouterr().out
    assert submitted(course) == [f"jgarcia@uni.example/{A}/{NB}.ipynb", f"sobrien/{A}/{NB}.ipynb"]
    assert ("NOT COLLECTED smithjohn_12345_70002_inventory.ipynb: a notebook of ps2-inventory, "
            f"not of {A}: the student (jsmith@uni.example) handed in the wrong assignment's "
            f"notebook; ask them to upload {NB}.ipynb") in out
    assert "mixes assignments" not in out and "separately" not in out
    assert "2 submission(s) collected, 0 skipped as already collected, 1 file(s) not collected" in out


def test_a_zip_of_only_another_assignment_is_refused(course, tmp_path):
    with pytest.raises(CourseError, match="holds submissions of ps2-inventory, not of "
                                          "ps1-problem-areas"):
        collect(Course.open(course), A, make_zip(tmp_path / "ps2.zip",
                                                 {"alice/inventory.ipynb": notebook()}))
    assert not (course / "submitted").exists()


def test_an_empty_file_is_named_as_empty_not_as_damaged_json(course, tmp_path, capsys):
    z = make_zip(tmp_path / "e.zip", {f"alice/{NB}.ipynb": notebook(), f"bob/{NB}.ipynb": b"",
                                      f"carol/{NB}.ipynb": b"\n  \n"})
    assert collect(Course.open(course), A, z) == 1
    out = capsys.readouterr().out
    assert f"NOT COLLECTED bob/{NB}.ipynb: the file is empty (0 bytes): the upload failed" in out
    assert f"NOT COLLECTED carol/{NB}.ipynb: the file holds only blank space: the upload" in out
    assert "not JSON" not in out
    assert submitted(course) == [f"alice/{A}/{NB}.ipynb"]


def test_names_of_two_layouts_or_an_unknown_layout_are_refused(course, tmp_path):
    z = make_zip(tmp_path / "both.zip", {
        f"smithjohn_12345_70001_{NB}.ipynb": notebook(),
        f"John Smith_101_assignsubmission_file_{NB}.ipynb": notebook()})
    with pytest.raises(CourseError, match=r"fit more than one layout \(canvas, moodle\): say "
                                          "which with --from"):
        collect(Course.open(course), A, z)
    with pytest.raises(CourseError, match="unknown layout 'blackboard'"):
        collect(Course.open(course), A, z, source="blackboard")
    assert not (course / "submitted").exists()


def test_from_folders_ignores_the_file_name_pattern(course, tmp_path, capsys):
    z = make_zip(tmp_path / "f.zip", {f"alice/{NB}.ipynb": notebook(),
                                      f"bob_attempt_{STAMP}_{NB}.ipynb": notebook()})
    assert collect(Course.open(course), A, z, source="folders") == 1
    assert submitted(course) == [f"alice/{A}/{NB}.ipynb"]
    assert (f"NOT COLLECTED bob_attempt_{STAMP}_{NB}.ipynb: not in a folder named after a "
            "student (--from folders expects <student>/") in capsys.readouterr().out


def test_collect_from_on_the_command_line(course, tmp_path):
    (course / "mixed.zip").write_bytes(make_zip(tmp_path / "m.zip", {
        f"alice/{NB}.ipynb": notebook(), "bob/inventory.ipynb": notebook()}).read_bytes())
    proc = run(["ipt-course", "collect", A, "mixed.zip", "--from", "blackboard"], cwd=course,
               check=False)
    assert proc.returncode == 2 and "invalid choice: 'blackboard'" in proc.stderr
    proc = run(["ipt-course", "collect", A, "mixed.zip", "--from", "folders"], cwd=course,
               check=False)
    assert proc.returncode == 1, "a file skipped: not a success"
    assert (f"NOT COLLECTED bob/inventory.ipynb: a notebook of ps2-inventory, not of {A}: the "
            "student (bob) handed in the wrong assignment's notebook") in proc.stdout
    assert submitted(course) == [f"alice/{A}/{NB}.ipynb"]


# --- a graded run: Canvas's LATE becomes nbgrader's late penalty -----------------------------------


def tiny_assignment(course):
    """source/tiny/tiny.ipynb: one hidden test worth one point, which always passes."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    cell = nbformat.v4.new_code_cell("assert True")
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "t1", "locked": True, "points": 1,
                                 "schema_version": 3, "solution": False, "task": False}
    nb.cells.append(cell)
    (course / "source" / "tiny").mkdir()
    nbformat.write(nb, course / "source" / "tiny" / "tiny.ipynb")


def test_a_graded_run_applies_the_late_penalty_the_config_sets(course, tmp_path):
    import csv

    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin

    tiny_assignment(course)
    with open(course / "nbgrader_config.py", "a") as fh:
        fh.write('\nc.LateSubmissionPlugin.penalty_method = "zero"\n')
    roster(course, tmp_path, "canvas", CANVAS_CSV)
    run(["nbgrader", "generate_assignment", "tiny", "--force"], cwd=course)
    set_due(course, "tiny")
    released = (course / "release" / "tiny" / "tiny.ipynb").read_bytes()
    z = make_zip(tmp_path / "tiny.zip", {"smithjohn_12345_80001_tiny.ipynb": released,
                                         "obrienseán_LATE_12347_80002_tiny.ipynb": released})
    assert collect(Course.open(course), "tiny", z) == 0
    run(["nbgrader", "autograde", "tiny"], cwd=course)
    with Gradebook(Course.open(course).db_url) as gb:
        late = gb.find_submission("tiny", "sobrien")
        on_time = gb.find_submission("tiny", "jsmith@uni.example")
        assert (late.timestamp, late.total_seconds_late) == (datetime(2026, 2, 1, 12, 0, 1), 1)
        # nbgrader keeps the raw score and the penalty apart; the export subtracts it
        assert (late.score, late.late_submission_penalty) == (1, 1)
        assert (on_time.score, on_time.late_submission_penalty, on_time.timestamp) == (1, 0, None)
        plugin = CsvExportPlugin()
        plugin.to = str(tmp_path / "grades.csv")
        plugin.export(gb)
    rows = {r["student_id"]: r for r in csv.DictReader(open(tmp_path / "grades.csv"))
            if r["assignment"] == "tiny"}
    assert rows["sobrien"]["timestamp"] == "2026-02-01 12:00:01"
    assert float(rows["sobrien"]["late_submission_penalty"]) == 1.0
    assert float(rows["sobrien"]["score"]) == 0.0
    assert float(rows["jsmith@uni.example"]["score"]) == 1.0

    # the class report lists the late submission with nbgrader's penalty
    from ipt_helpers.course.report import class_stats, render
    stats = class_stats(Course.open(course), "tiny")
    assert stats.late == [("sobrien", 1.0, 1.0)]
    page = render(stats, {"scores": b"", "items": b"", "concepts": b""})
    assert "Submitted late" in page
    assert "<td>sobrien</td>" in page.split("Submitted after the due date")[1]


# Moodle's grading worksheet (View all submissions > Download grading worksheet)
MOODLE_WORKSHEET = (
    "Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,"
    "Last modified (submission),Online text,Last modified (grade),Feedback comments\n"
    'Participant 101,John Smith,john.smith@uni.example,Submitted for grading,,10.00,Yes,'
    '"Sunday, 1 February 2026, 11:30 AM",,-,\n'
    'Participant 102,José García Márquez,jose.garcia@uni.example,Submitted for grading - '
    '2 hours 15 mins late,,10.00,Yes,"Sunday, 1 February 2026, 2:15 PM",,-,\n'
    "Participant 104,Seán O'Brien,sean.obrien@uni.example,Submitted for grading,,10.00,Yes,"
    '"Sunday, 1 February 2026, 9:00 AM",,-,\n')


def test_moodle_times_from_the_grading_worksheet(course, tmp_path, capsys):
    roster(course, tmp_path, "moodle", MOODLE_CSV)
    set_due(course)
    (tmp_path / "worksheet.csv").write_text(MOODLE_WORKSHEET, encoding="utf-8")
    capsys.readouterr()
    z = make_zip(tmp_path / "moodle.zip", {
        f"John Smith_101_assignsubmission_file/{NB}.ipynb": notebook("john"),
        f"José García Márquez_102_assignsubmission_file/{NB}.ipynb": notebook("josé"),
        # blind marking: the worksheet's e-mail says who participant 104 is
        f"Participant_104_assignsubmission_file/{NB}.ipynb": notebook("seán"),
    })
    assert collect(Course.open(course), A, z, source="moodle", times=tmp_path / "worksheet.csv",
                   timezone="UTC") == 0
    out = capsys.readouterr().out
    sub = course / "submitted"
    stamps = {s: (sub / s / A / "timestamp.txt").read_text() for s in (
        "john.smith@uni.example", "jose.garcia@uni.example", "sean.obrien@uni.example")}
    assert stamps == {"john.smith@uni.example": "2026-02-01 11:30:00",
                      "jose.garcia@uni.example": "2026-02-01 14:15:00",
                      "sean.obrien@uni.example": "2026-02-01 09:00:00"}
    assert "jose.garcia@uni.example: submitted late; timestamp.txt 2026-02-01 14:15:00" in out
    assert out.count("submitted late") == 1

    from ipt_helpers.course.collect.submissions import read_worksheet
    berlin = read_worksheet(tmp_path / "worksheet.csv", "Europe/Berlin")
    assert berlin["101"] == ("john.smith@uni.example", datetime(2026, 2, 1, 10, 30))
    with pytest.raises(CourseError, match="unknown time zone 'Mars/Base'"):
        read_worksheet(tmp_path / "worksheet.csv", "Mars/Base")
    with pytest.raises(CourseError, match="does not look like Moodle's grading worksheet"):
        read_worksheet(tmp_path / "roster-moodle.csv")
