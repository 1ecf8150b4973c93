"""ipt-course on bad input: every problem is a message in words with a non-zero exit, and
nothing existing is changed or deleted. Most calls run in process (conftest.run); the first
tests run the installed command as a real subprocess, once per command."""

import subprocess
import sys

import nbformat
import pytest

from conftest import make_zip, run

A = "ps1-problem-areas"
NB = "problem-areas"
COMMANDS = {  # subcommand: arguments that are valid apart from the course / assignment
    "release": [A],
    "collect": [A, "missing.zip"],
    "grade": [A],
    "feedback": [A],
    "export": [],
    "report": [A],
}


def ipt_course(*args, cwd):
    return run(["ipt-course", *args], cwd=cwd, check=False, timeout=300)


ALL_COMMANDS = ["init", "check", "release", "collect", "roster", "grade", "feedback", "export",
                "mark", "report", "show"]


@pytest.mark.parametrize("command", ALL_COMMANDS)
def test_each_command_runs_as_the_installed_program(command, course):
    proc = subprocess.run(["ipt-course", "--course", course, command, "--help"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert f"usage: ipt-course {command}" in proc.stdout


def test_the_installed_program_checks_and_shows_for_real(course):
    proc = subprocess.run(["ipt-course", "--course", course, "check", A],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and f"checked {A}: every item is consistent" in proc.stdout
    proc = subprocess.run(["ipt-course", "--course", course, "show", A, "nope"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and f"{A} has no item 'nope'; its items: case-a" in proc.stderr


def test_help_imports_neither_nbgrader_nor_ipywidgets():
    code = ("import sys\nfrom ipt_helpers import cli\ntry:\n    cli.main(['--help'])\n"
            "except SystemExit:\n    pass\n"
            "print('LOADED', 'nbgrader' in sys.modules, 'ipywidgets' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert "LOADED False False" in out, out


def test_show_prints_one_item_whole(course):
    proc = ipt_course("show", A, "case-a", cwd=course)
    assert proc.returncode == 0, proc.stderr
    parts = proc.stdout.split("\n== ")
    titles = [p.split("\n", 1)[0].lstrip("= ") for p in parts]
    assert [t.split(" (")[0] for t in titles] == [
        "Definition", "The student's form cell", "Hidden test", "Full-mark answer"]
    definition, student, hidden, full = (p.split("\n", 1)[1] for p in parts)
    assert "accept={'grief': 1}" in definition and "problem-areas.ipynb" in titles[0]
    assert 'form("case-a"' in student and "accept" not in student and "explain" not in student
    assert "### BEGIN HIDDEN TESTS" in hidden and 'score("case-a", {' in hidden
    assert "'accept': {'grief': 1}" in hidden
    assert "'focus': 'grief'" in full and "'risk': 'ask'" in full


def snapshot(root):
    """Every file under ``root`` with its bytes and modification time."""
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


def notebook():
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("answer"))
    return nbformat.writes(nb)


# --- help ---------------------------------------------------------------------------------------


def test_help_on_the_command_and_every_subcommand(tmp_path):
    top = ipt_course("--help", cwd=tmp_path)
    assert top.returncode == 0
    assert "the instructor's command line over an nbgrader course directory" in top.stdout
    for command in COMMANDS:
        assert command in top.stdout
    expected = {"release": "--force", "collect": "the zip file downloaded from the LMS",
                "grade": "--scheduler", "feedback": "replace existing feedback",
                "export": "--to", "report": "--out"}
    for command, text in expected.items():
        proc = ipt_course(command, "--help", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith(f"usage: ipt-course {command}")
        assert text in proc.stdout
        assert proc.stderr == ""


def test_grade_help_shows_the_course_configs_policy(course):
    """Grading policy is nbgrader-style config (c.GradeOptions); --help shows what applies."""
    with open(course / "nbgrader_config.py", "a") as fh:
        fh.write("\nc.GradeOptions.notebook_timeout = 123\nc.GradeOptions.threads = 3\n")
    proc = ipt_course("--course", course, "grade", "--help", cwd=course)
    assert proc.returncode == 0, proc.stderr
    text = " ".join(proc.stdout.split())
    assert "(default: 123" in text and "per worker (default: 3)" in text
    assert "c.GradeOptions" in text


def test_a_missing_argument_is_a_usage_error(tmp_path):
    proc = ipt_course("collect", A, cwd=tmp_path)
    assert proc.returncode == 2
    assert "the following arguments are required: zip" in proc.stderr


# --- the course and the assignment --------------------------------------------------------------


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_missing_course_directory(tmp_path, command):
    proc = ipt_course("--course", tmp_path / "nowhere", command, *COMMANDS[command], cwd=tmp_path)
    assert proc.returncode == 2
    assert f"ipt-course: course directory {tmp_path / 'nowhere'} does not exist" in proc.stderr
    assert not (tmp_path / "nowhere").exists()


def test_a_folder_that_is_not_a_course(tmp_path):
    (tmp_path / "notes").mkdir()
    proc = ipt_course("--course", tmp_path / "notes", "report", A, cwd=tmp_path)
    assert proc.returncode == 2
    assert "is not an nbgrader course directory (no nbgrader_config.py)" in proc.stderr
    assert list((tmp_path / "notes").iterdir()) == []


# (grade and feedback run the same Course.check_assignment first; left out to keep this fast)
@pytest.mark.parametrize("command", ["release", "collect", "report"])
def test_an_unknown_assignment(course, command):
    args = ["ps99-nope", *COMMANDS[command][1:]]
    before = snapshot(course)
    proc = ipt_course(command, *args, cwd=course)
    assert proc.returncode == 2
    assert "ipt-course: unknown assignment 'ps99-nope' (known: ps1-problem-areas, " in proc.stderr
    assert snapshot(course) == before


# --- collect --------------------------------------------------------------------------------------


def test_collect_names_a_corrupt_and_a_non_notebook_file(course):
    zip_path = make_zip(course.parent / "lms.zip", {
        f"alice_attempt_2026-01-31-09-00-00_{NB}.ipynb": notebook(),
        f"bob/{NB}.ipynb": '{"cells": [ broken',
        f"carol/{NB}.ipynb": "%PDF-1.4 a PDF renamed to .ipynb",
        f"dan/{NB}.docx": "not a notebook at all",
    })
    proc = ipt_course("collect", A, zip_path, cwd=course)
    assert proc.returncode == 1
    assert f"NOT COLLECTED bob/{NB}.ipynb: not a valid notebook: the file is not JSON" in proc.stdout
    assert f"NOT COLLECTED carol/{NB}.ipynb: not a valid notebook: the file is not JSON" in proc.stdout
    assert (f"NOT COLLECTED dan/{NB}.docx: not a notebook (only .ipynb files are collected)"
            in proc.stdout)
    assert "1 submission(s) collected" in proc.stdout
    assert sorted(p.name for p in (course / "submitted").iterdir()) == ["alice"]


def test_collect_a_zip_with_an_unexpected_layout(course):
    zip_path = make_zip(course.parent / "flat.zip", {f"{NB}.ipynb": notebook(),
                                                     "README.txt": "files from the LMS"})
    proc = ipt_course("collect", A, zip_path, cwd=course)
    assert proc.returncode == 2
    assert f"ipt-course: no submissions of {A} found in {zip_path}" in proc.stderr
    assert f"NOT COLLECTED {NB}.ipynb: cannot tell which student it belongs to" in proc.stdout
    assert not (course / "submitted").exists()


def test_collect_a_file_that_is_not_a_zip_or_is_missing(course):
    (course.parent / "grades.zip").write_text("id,score\n")
    proc = ipt_course("collect", A, course.parent / "grades.zip", cwd=course)
    assert proc.returncode == 2
    assert f"ipt-course: {course.parent / 'grades.zip'} is not a zip file" in proc.stderr
    proc = ipt_course("collect", A, course.parent / "gone.zip", cwd=course)
    assert proc.returncode == 2
    assert f"ipt-course: zip file {course.parent / 'gone.zip'} does not exist" in proc.stderr


def test_collect_a_student_id_with_odd_characters(course):
    zip_path = make_zip(course.parent / "ids.zip", {
        f"alice/{NB}.ipynb": notebook(),
        f"Jane Doe (2)/{NB}.ipynb": notebook(),
        f".hidden/{NB}.ipynb": notebook(),
    })
    proc = ipt_course("collect", A, zip_path, cwd=course)
    assert proc.returncode == 1
    assert (f"NOT COLLECTED Jane Doe (2)/{NB}.ipynb: skipped, student id 'Jane Doe (2)' is not "
            "usable: use letters, digits and . _ @ - only") in proc.stdout
    assert "student id '.hidden' is not usable" in proc.stdout
    assert sorted(p.name for p in (course / "submitted").iterdir()) == ["alice"]


def test_collect_refuses_to_overwrite_without_force(course):
    mine = course / "submitted" / "alice" / A
    mine.mkdir(parents=True)
    (mine / f"{NB}.ipynb").write_text(notebook())
    (mine / "timestamp.txt").write_text("2026-01-01 00:00:00")
    before = snapshot(course)
    zip_path = make_zip(course.parent / "again.zip", {
        f"alice_attempt_2026-01-31-09-00-00_{NB}.ipynb": notebook().replace("answer", "changed")})
    proc = ipt_course("collect", A, zip_path, cwd=course)
    assert "skipped alice: already submitted" in proc.stdout and "use --force" in proc.stdout
    assert proc.returncode == 0
    assert snapshot(course) == before
    proc = ipt_course("collect", A, zip_path, "--force", cwd=course)
    assert proc.returncode == 0
    assert "changed" in (mine / f"{NB}.ipynb").read_text()
    assert (mine / "timestamp.txt").read_text() == "2026-01-31 09:00:00"


# --- release, export, feedback: nothing existing is overwritten without --force -------------------


def test_release_refuses_to_overwrite_without_force(course):
    out = course / "release" / A
    out.mkdir(parents=True)
    (out / f"{NB}.ipynb").write_text("an earlier release, maybe edited by hand")
    before = snapshot(course)
    proc = ipt_course("release", A, cwd=course)
    assert proc.returncode == 2
    assert f"ipt-course: {out} exists; use --force to make it again" in proc.stderr
    assert snapshot(course) == before
    assert not (course / "release" / f"{A}.zip").exists()


def test_export_refuses_to_overwrite_without_force(course, tmp_path):
    target = tmp_path / "grades.csv"
    target.write_text("student,score\nalice,10\n")
    before = snapshot(tmp_path)
    proc = ipt_course("export", "--to", target, cwd=course)
    assert proc.returncode == 2
    assert f"ipt-course: {target} exists; use --force to overwrite it" in proc.stderr
    assert snapshot(tmp_path) == before


def test_export_without_a_gradebook(course):
    proc = ipt_course("export", cwd=course)
    assert proc.returncode == 2
    assert "ipt-course: no gradebook yet: release and grade an assignment first" in proc.stderr
    assert not (course / "grades.csv").exists() and not (course / "gradebook.db").exists()


def test_feedback_keeps_existing_feedback_without_force(course):
    (course / "autograded" / "alice" / A).mkdir(parents=True)
    (course / "autograded" / "alice" / A / f"{NB}.ipynb").write_text(notebook())
    fb = course / "feedback" / "alice" / A
    fb.mkdir(parents=True)
    (fb / f"{NB}.html").write_text("<p>feedback the instructor already sent</p>")
    before = snapshot(course)
    proc = ipt_course("feedback", A, cwd=course)
    assert "skipped alice: feedback exists (use --force to make it again)" in proc.stdout
    # cli.py reports a skipped student and carries on (exit 0), as `grade` does for graded ones
    assert proc.returncode == 0
    assert snapshot(course) == before


def test_feedback_with_nothing_graded(course):
    proc = ipt_course("feedback", A, cwd=course)
    assert proc.returncode == 2
    assert f"ipt-course: nothing graded for {A} yet: run `ipt-course grade` first" in proc.stderr
    assert not (course / "feedback").exists()


def test_report_without_a_gradebook(course):
    proc = ipt_course("report", A, cwd=course)
    assert proc.returncode == 2
    assert "ipt-course: no gradebook yet" in proc.stderr
    assert not (course / "reports").exists() and not (course / "gradebook.db").exists()


def test_the_grade_progress_bar_fills_with_the_notebooks_done():
    from ipt_helpers.course.grading.run import progress_bar
    assert progress_bar(0, 40) == "....................   0%"
    assert progress_bar(10, 40) == "#####...............  25%"
    assert progress_bar(40, 40) == "#################### 100%"


def test_one_progress_bar_redrawn_in_place_on_a_terminal_and_lines_in_a_log():
    import io

    from ipt_helpers.course.grading.run import Progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    term, log = Terminal(), io.StringIO()
    for stream in (term, log):
        bar = Progress(stream)
        for done in (1, 2):
            bar(("s1", "nb"), {"notebook": b""}, done, 2)
    assert term.getvalue().count("\n") == 1 and term.getvalue().count("\r") == 2, \
        "one line, redrawn, ended once"
    assert log.getvalue().splitlines() == [
        "[1/2] ##########..........  50% s1 / nb: executed",
        "[2/2] #################### 100% s1 / nb: executed"]


def test_mark_on_a_busy_port_refuses_and_prints_no_token(course):
    """The busy port's owner must not receive the marking page's token."""
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.run(["ipt-course", "--course", course, "mark", A, "--port", str(port)],
                              capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"port {port} on 127.0.0.1 is in use" in proc.stderr
    assert "token=" not in proc.stdout + proc.stderr
