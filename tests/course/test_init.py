"""ipt-course init: a clean course to start a term from (issue 23: a `cp -r exercises` carried
release/ and a gradebook from `make book`, and `ipt-course release` stopped at "exists")."""

import filecmp

from conftest import COURSE, run
from ipt_helpers.course.release import newcourse

A = "ps1-problem-areas"


def ipt_course(*args, cwd):
    return run(["ipt-course", *args], cwd=cwd, check=False)


def test_init_makes_config_and_source_only_and_release_then_works(tmp_path):
    # the checkout's course holds release/ and gradebook.db once `make book` has run
    proc = ipt_course("init", tmp_path / "term", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    term = tmp_path / "term"
    assert sorted(p.name for p in term.iterdir()) == ["nbgrader_config.py", "source"]
    assert sorted(p.name for p in (term / "source").iterdir()) == sorted(
        p.name for p in (COURSE / "source").iterdir() if p.is_dir())
    assert not filecmp.dircmp(COURSE / "source" / A, term / "source" / A).diff_files
    assert not list(term.rglob(".ipynb_checkpoints")) and not list(term.rglob("gradebook.db"))
    assert f"course made in {term}" in proc.stdout
    proc = ipt_course("release", A, cwd=term)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (term / "release" / A).is_dir() and (term / "gradebook.db").is_file()


def test_init_never_writes_into_a_folder_with_something_in_it(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("kept")
    proc = ipt_course("init", mine, cwd=tmp_path)
    assert proc.returncode == 2
    assert "exists and is not an empty folder; nothing written" in proc.stderr
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".mine.part")]


def test_init_from_another_course_or_a_clear_refusal(tmp_path, monkeypatch):
    other = tmp_path / "other"
    (other / "source" / "week1").mkdir(parents=True)
    (other / "source" / "week1" / "w.ipynb").write_text("{}")
    (other / "nbgrader_config.py").write_text("c = get_config()\n")
    proc = ipt_course("init", tmp_path / "a", "--from", other, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "a" / "source" / "week1" / "w.ipynb").read_text() == "{}"

    proc = ipt_course("init", tmp_path / "b", "--from", tmp_path / "a" / "source", cwd=tmp_path)
    assert proc.returncode == 2 and "not an nbgrader course folder" in proc.stderr

    # installed from the wheel: no checkout beside the package, and no keys in the package
    monkeypatch.setattr(newcourse, "checkout_course", lambda: None)
    proc = ipt_course("init", tmp_path / "c", cwd=tmp_path)
    assert proc.returncode == 2
    assert "no course to copy the assignments from" in proc.stderr and "--from" in proc.stderr
    assert not (tmp_path / "b").exists() and not (tmp_path / "c").exists()


def test_the_checkout_course_is_found_beside_the_package():
    assert newcourse.checkout_course() == COURSE.resolve()
