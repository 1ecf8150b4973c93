"""One SQLite transaction per student while nbgrader writes their grades.

nbgrader's Autograde opens a new ``Gradebook`` for each step (about ten per notebook), and
every one commits at least once (``check_course`` on opening, then each change): about 27
commits a notebook. On SQLite each commit is synced to disk, 7-16 ms on this project's
machines, so a notebook cost 0.2-0.4 s of the coordinating process's serial time in syncs
alone: the largest part of ``ipt-course grade``'s time per notebook (measured: commits
against ``PRAGMA synchronous``; cProfile of the coordinator).

``one_transaction`` makes every ``Gradebook`` that nbgrader opens meanwhile use one
connection in one open transaction (SQLAlchemy's Session joined to a Connection that is in a
transaction commits nothing itself: its ``commit`` flushes). The caller commits once per
student. Nothing about durability is given up (that commit is a full, synced SQLite
commit), a student's grades become visible together, and a run killed before the commit
leaves none of that student's rows (the completion marker was never written either, so the
rerun grades them, as before). A session that rolls back (nbgrader does so only on a
database error) rolls back that student's transaction; what follows is committed as
nbgrader commits it.
"""

from __future__ import annotations

import contextlib


class Shared:
    """The one connection, handed to nbgrader's ``Gradebook`` in place of an engine."""

    def __init__(self, connection):
        self.connection = connection

    def commit(self) -> None:
        """Make what nbgrader wrote durable, and open the next transaction."""
        if self.connection.in_transaction():
            self.connection.commit()
        self.connection.begin()


@contextlib.contextmanager
def one_transaction(db_url: str):
    """While inside: every ``nbgrader.api.Gradebook`` made in this thread shares one
    connection and transaction; ``Shared.commit()`` commits it. SQLite only (other
    databases do not sync a file per commit; their gradebooks are left as they are)."""
    if not db_url.startswith("sqlite"):
        yield None
        return
    import threading

    import nbgrader.api as api
    from sqlalchemy import create_engine

    # another writer (a second grading run, the marking page) waits for a student's commit,
    # and this one for theirs: longer than pysqlite's 5 s, for a machine under load
    engine = create_engine(db_url, future=True, connect_args={"timeout": 60})
    connection = engine.connect()
    connection.dispose = lambda: None  # Gradebook.close() disposes "its engine": not this one
    connection.begin()
    original = api.create_engine
    owner = threading.get_ident()

    def shared_or_new(url, *args, **kwargs):
        if threading.get_ident() == owner and url == db_url:
            return connection
        return original(url, *args, **kwargs)

    api.create_engine = shared_or_new
    try:
        yield Shared(connection)
    finally:
        api.create_engine = original
        try:
            if connection.in_transaction():
                connection.rollback()  # what no commit confirmed: an unfinished student
        finally:
            connection.close()
            engine.dispose()
