"""One SQLite transaction per student (ipt_helpers.course.grading.transactions): every
Gradebook nbgrader opens meanwhile shares it, nothing is visible to another connection or
kept before the commit, and other threads are left to nbgrader's own engines."""

import sqlite3
import threading

from nbgrader.api import Gradebook

from ipt_helpers.course.grading.transactions import one_transaction


def students(path):
    """What another connection (another process, the marking page) sees now."""
    with sqlite3.connect(path) as db:
        return sorted(r[0] for r in db.execute("select id from student"))


def test_gradebooks_share_one_transaction_committed_once(tmp_path):
    path = tmp_path / "gradebook.db"
    url = f"sqlite:///{path}"
    Gradebook(url).close()
    with one_transaction(url) as shared:
        with Gradebook(url) as gb:   # as nbgrader's steps do, one after another
            gb.add_student("amy")
        with Gradebook(url) as gb:
            assert gb.find_student("amy").id == "amy", "the next step sees it"
            gb.add_student("ben")
        assert students(path) == [], "nothing is visible before the student's commit"
        shared.commit()
        assert students(path) == ["amy", "ben"]
        with Gradebook(url) as gb:
            gb.add_student("cal")
        # left without a commit (a run killed mid-student): cal is not kept
    assert students(path) == ["amy", "ben"]
    with Gradebook(url) as gb:   # afterwards, nbgrader's own engines again
        gb.add_student("dee")
    assert students(path) == ["amy", "ben", "dee"]


def test_another_thread_gets_its_own_connection(tmp_path):
    path = tmp_path / "gradebook.db"
    url = f"sqlite:///{path}"
    Gradebook(url).close()
    seen = {}

    def other():
        with Gradebook(url) as gb:
            seen["students"] = [s.id for s in gb.students]

    with one_transaction(url) as shared:
        with Gradebook(url) as gb:
            gb.add_student("amy")
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        shared.commit()
    assert seen["students"] == [], "another thread does not read the open transaction"
    assert students(path) == ["amy"]


def test_other_databases_are_left_alone():
    with one_transaction("postgresql+psycopg2://nobody@localhost/none") as shared:
        assert shared is None
