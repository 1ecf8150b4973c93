"""The scale path: a PostgreSQL gradebook (nbgrader's db_url), graded in parallel.

Starts a real PostgreSQL server from Debian's package on 127.0.0.1 (installed by
`make system-deps`) as the unprivileged `postgres` user, in a throwaway data folder.
"""

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile

import pytest
from nbgrader.api import Gradebook

from browser import free_port
from conftest import make_submissions, run

ASSIGNMENT = "ps1-problem-areas"
pytestmark = pytest.mark.slow


def pg_bin(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    assert found, "PostgreSQL is missing: `make system-deps` installs Debian's postgresql"
    return found[-1]


def as_postgres(args, **kw):
    """Run a PostgreSQL tool as the postgres user (the server refuses to run as root)."""
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw)


@contextlib.contextmanager
def postgres_server():
    data = tempfile.mkdtemp(prefix="ipt-pg-")
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(data, pw.pw_uid, pw.pw_gid)
    port = free_port()
    as_postgres([pg_bin("initdb"), "-D", f"{data}/db", "-A", "trust", "-U", "postgres"])
    as_postgres([pg_bin("pg_ctl"), "-D", f"{data}/db", "-w", "-l", f"{data}/log",
                 "-o", f"-h 127.0.0.1 -p {port} -k {data}", "start"])
    try:
        as_postgres([pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                     "gradebook"])
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/gradebook"
    finally:
        as_postgres([pg_bin("pg_ctl"), "-D", f"{data}/db", "-m", "immediate", "stop"])
        shutil.rmtree(data, ignore_errors=True)


def test_parallel_grade_into_a_postgresql_gradebook(course):
    with postgres_server() as db_url:
        with open(course / "nbgrader_config.py", "a") as fh:
            fh.write(f"\nc.CourseDirectory.db_url = {db_url!r}\n")
        make_submissions(course, ASSIGNMENT, ["perfect", "blank", "partial"])
        result = run(["ipt-course", "grade", ASSIGNMENT, "--workers", "2"], cwd=course)
        assert "graded 3 notebook(s)" in result.stdout
        assert not (course / "gradebook.db").exists(), "nothing went to sqlite"
        with Gradebook(db_url) as gb:
            totals = {s: gb.find_submission(ASSIGNMENT, s).score
                      for s in ("perfect", "blank", "partial")}
        assert totals["blank"] == 0 < totals["partial"] < totals["perfect"]
        exported = run(["ipt-course", "export", "--to", "grades.csv"], cwd=course)
        assert "grades written" in exported.stdout
        assert "perfect" in (course / "grades.csv").read_text()
