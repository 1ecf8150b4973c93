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


def test_two_markers_at_once_keep_both_marks_and_a_conflicting_write_is_refused(course):
    """Marking by question (ipt_helpers.course.marking.questions) on PostgreSQL: marks go to the gradebook as
    nbgrader's manual scores; a write over a mark the marker did not see is refused."""
    import threading

    import nbformat

    from ipt_helpers.course.folder import Course
    from ipt_helpers.course.marking.questions import answers_for, written_questions
    from ipt_helpers.course.marking.store import MarkConflict, set_mark
    from ipt_helpers.course.results.states import SCORED, results
    from submissions import with_written_answer

    with postgres_server() as db_url:
        with open(course / "nbgrader_config.py", "a") as fh:
            fh.write(f"\nc.CourseDirectory.db_url = {db_url!r}\n")
        nb_name = make_submissions(course, ASSIGNMENT, ["perfect"])
        perfect = nbformat.read(course / "submitted" / "perfect" / ASSIGNMENT / f"{nb_name}.ipynb", 4)
        for student in ("amy", "ben", "cal"):
            target = course / "submitted" / student / ASSIGNMENT / f"{nb_name}.ipynb"
            target.parent.mkdir(parents=True)
            nbformat.write(with_written_answer(perfect, f"{student}'s <b>answer</b>"), target)
        run(["ipt-course", "grade", ASSIGNMENT, "--workers", "1", "--student", "amy",
             "--student", "ben", "--student", "cal"], cwd=course)
        c = Course.open(course)
        [question] = written_questions(c, ASSIGNMENT)
        with Gradebook(db_url) as one, Gradebook(db_url) as two:
            mine = answers_for(one, c, ASSIGNMENT, question, secret="marker-1")
            theirs = {a.token: a for a in answers_for(two, c, ASSIGNMENT, question, secret="marker-1")}
            assert sorted(a.text for a in mine) == sorted(f"{s}'s <b>answer</b>" for s in ("amy", "ben", "cal"))
            assert not any(s in a.token for a in mine for s in ("amy", "ben", "cal"))
            set_mark(one, mine[0], 3.5, "clear clues", expected=None, max_points=question.points)
            set_mark(two, theirs[mine[1].token], 2, "", expected=None, max_points=question.points)
            with pytest.raises(MarkConflict, match="another marker changed this answer's mark"):
                set_mark(two, theirs[mine[0].token], 1, "", expected=None, max_points=question.points)
            with pytest.raises(Exception, match="whole or half points"):
                set_mark(one, mine[2], 2.25, "", expected=None, max_points=question.points)
        # both at the same moment on the last answer: exactly one write wins
        outcomes = []
        start = threading.Barrier(2)

        def mark(points):
            with Gradebook(db_url) as gb:
                [answer] = [a for a in answers_for(gb, c, ASSIGNMENT, question, "marker-1")
                            if a.token == mine[2].token]
                start.wait()
                try:
                    set_mark(gb, answer, points, "", expected=None, max_points=question.points)
                    outcomes.append(points)
                except MarkConflict:
                    outcomes.append("refused")
        threads = [threading.Thread(target=mark, args=(p,)) for p in (1, 4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert outcomes.count("refused") == 1 and len(outcomes) == 2, outcomes
        winner = next(o for o in outcomes if o != "refused")
        with Gradebook(db_url) as gb:
            marks = {a.token: (a.points, a.comment) for a in answers_for(gb, c, ASSIGNMENT, question, "marker-1")}
            assert marks[mine[0].token] == (3.5, "clear clues") and marks[mine[1].token][0] == 2
            assert marks[mine[2].token][0] == winner
            states = {r.student: r.state for r in results(gb, [ASSIGNMENT])}
        assert {states[s] for s in ("amy", "ben", "cal")} == {SCORED}, "export sees the marks"


def test_two_markers_share_the_rubric_and_a_comment_changed_while_applied_scores_right(course):
    """Rubric comments live in the gradebook database: one marker's comment is the other's;
    changing its points at the very moment another marker applies it never leaves a stale
    score; a change over points the marker did not see is refused."""
    import threading

    import nbformat

    from ipt_helpers.course.folder import Course
    from ipt_helpers.course.marking.questions import answers_for, written_questions
    from ipt_helpers.course.marking.store import (MarkConflict, add_comment, applied,
                                           change_comment_points, rubric, set_mark)
    from submissions import with_written_answer

    with postgres_server() as db_url:
        with open(course / "nbgrader_config.py", "a") as fh:
            fh.write(f"\nc.CourseDirectory.db_url = {db_url!r}\n")
        nb_name = make_submissions(course, ASSIGNMENT, ["perfect"])
        perfect = nbformat.read(course / "submitted" / "perfect" / ASSIGNMENT / f"{nb_name}.ipynb", 4)
        students = ("amy", "ben", "cal")
        for student in students:
            target = course / "submitted" / student / ASSIGNMENT / f"{nb_name}.ipynb"
            target.parent.mkdir(parents=True)
            nbformat.write(with_written_answer(perfect, f"{student} writes"), target)
        run(["ipt-course", "grade", ASSIGNMENT, "--workers", "1",
             *[a for s in students for a in ("--student", s)]], cwd=course)
        c = Course.open(course)
        [q] = written_questions(c, ASSIGNMENT)
        where = (ASSIGNMENT, q.notebook, q.grade_id)
        with Gradebook(db_url) as one, Gradebook(db_url) as two:
            cid = add_comment(one, *where, "Names the trigger", 0.5, q.points)
            assert rubric(two, *where) == [{"id": cid, "text": "Names the trigger", "points": 0.5}]
            with pytest.raises(MarkConflict, match="this rubric comment's points"):
                change_comment_points(two, cid, 3, expected=1, max_points=q.points)
        errors = []
        for round_ in range(6):  # points 0.5 -> 1 -> ... while the comment goes on an answer
            with Gradebook(db_url) as gb:  # the answer starts without it (else its score moves)
                answer = sorted(answers_for(gb, c, ASSIGNMENT, q, "s", "m"), key=lambda a: a.token)[round_ % 3]
                set_mark(gb, answer, 2, None, expected=answer.points, max_points=q.points,
                         rubric_ids=[], question=where)
            start = threading.Barrier(2)

            def change(now=0.5 + round_ * 0.5):
                with Gradebook(db_url) as gb:
                    start.wait()
                    try:
                        change_comment_points(gb, cid, now + 0.5, expected=now, max_points=q.points)
                    except Exception as err:  # noqa: BLE001 (reported below)
                        errors.append(err)

            def apply(k=round_ % 3):
                with Gradebook(db_url) as gb:
                    answer = sorted(answers_for(gb, c, ASSIGNMENT, q, "s", "m"), key=lambda a: a.token)[k]
                    start.wait()
                    try:
                        set_mark(gb, answer, answer.points, None, expected=answer.points,
                                 max_points=q.points, rubric_ids=[cid], question=where)
                    except Exception as err:  # noqa: BLE001
                        errors.append(err)

            threads = [threading.Thread(target=change), threading.Thread(target=apply)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            assert errors == [], errors
            with Gradebook(db_url) as gb:
                [points] = [r["points"] for r in rubric(gb, *where)]
                answers = answers_for(gb, c, ASSIGNMENT, q, "s", "m")
                on = applied(gb, [a.grade_row for a in answers])
                scores = [a.points for a in answers if cid in on.get(a.grade_row, [])]
            assert points == 1 + round_ * 0.5
            assert scores and set(scores) == {points}, (round_, points, scores)
        with Gradebook(db_url) as gb:
            comments = {a.comment for a in answers_for(gb, c, ASSIGNMENT, q, "s", "m")}
        assert comments == {"Names the trigger"}, "the student reads the rubric comment"
