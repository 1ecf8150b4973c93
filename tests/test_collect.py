"""ipt_helpers.collect: an LMS zip of submissions filed into submitted/, as nbgrader zip_collect
would, without overwriting or deleting anything and naming every file it cannot use."""

import io
import zipfile

import nbformat
import pytest

from ipt_helpers import collect as collect_module
from ipt_helpers.collect import NAMED_REGEXP, collect, read_zip
from ipt_helpers.course import Course, CourseError

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
