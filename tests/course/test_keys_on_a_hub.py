"""Keys stay with the instructor on a shared machine (a JupyterHub): after `ipt-course release`
another user (a student) can read neither the instructor's notebooks nor the gradebook, even
where the course folder itself is open to all, as home folders are on Debian (0755)."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import COURSE, run

A = "ps1-problem-areas"
pytestmark = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                                reason="reading as another user needs root to switch to it")


def as_student(*command):
    """``command`` run as the unprivileged user nobody (a student, to the file system)."""
    return subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                           *map(str, command)], capture_output=True, text=True, timeout=60)


@pytest.fixture
def open_course():
    home = Path(tempfile.mkdtemp(prefix="ipt-hub-home-", dir="/tmp"))
    home.chmod(0o755)  # like /home/instructor on Debian
    root = home / "course"
    root.mkdir(mode=0o755)
    shutil.copy(COURSE / "nbgrader_config.py", root)
    shutil.copytree(COURSE / "source", root / "source")
    for path in [root / "nbgrader_config.py", *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    yield root
    shutil.rmtree(home, ignore_errors=True)


def test_plain_nbgrader_leaves_the_keys_readable_by_students(open_course):
    run(["nbgrader", "generate_assignment", A], cwd=open_course)
    assert as_student("head", "-c", "16", open_course / "gradebook.db").stdout == "SQLite format 3\x00", \
        "the hazard"
    assert as_student("ls", open_course / "source" / A).returncode == 0


def test_after_release_a_student_reads_no_key(open_course):
    proc = run(["ipt-course", "release", A], cwd=open_course)
    assert "kept the keys from other users: chmod go-rwx" in proc.stdout
    source = next((open_course / "source" / A).glob("*.ipynb"))
    for path in (open_course / "gradebook.db", source, open_course / "nbgrader_config.py"):
        got = as_student("cat", path)
        assert got.returncode != 0 and "Permission denied" in got.stderr, path
    assert as_student("ls", open_course / "source").returncode != 0
    assert as_student("ls", open_course).returncode != 0, "nor what students submitted"
    assert open_course.stat().st_mode & 0o077 == 0, "students get releases through the exchange"
    again = run(["ipt-course", "release", A, "--force"], cwd=open_course)
    assert "kept the keys" not in again.stdout, "nothing to change the second time"
