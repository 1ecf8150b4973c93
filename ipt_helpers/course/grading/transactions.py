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
import threading


class Shared:
    """The one connection, handed to nbgrader's ``Gradebook`` in place of an engine."""

    def __init__(self, connection, nested: bool = False):
        self.connection = connection
        self.nested = nested  # the outer one commits

    def commit(self) -> None:
        """Make what nbgrader wrote durable, and open the next transaction."""
        if self.nested:
            return
        if self.connection.in_transaction():
            self.connection.commit()
        self.connection.begin()


_SHARED = threading.local()   # this thread's {db_url: connection}
_INSTALLED: list = []          # nbgrader.api.create_engine as nbgrader had it


def _install() -> None:
    """Put, once, a ``create_engine`` in nbgrader.api that hands a thread its shared
    connection for a URL it is sharing, and otherwise does what nbgrader's does."""
    import nbgrader.api as api

    if _INSTALLED:
        return
    original = api.create_engine

    def create_engine(url, *args, **kwargs):
        shared = getattr(_SHARED, "connections", {}).get(str(url))
        return shared if shared is not None else original(url, *args, **kwargs)

    _INSTALLED.append(original)
    api.create_engine = create_engine


@contextlib.contextmanager
def one_transaction(db_url: str):
    """While inside: every ``nbgrader.api.Gradebook`` this thread makes for ``db_url``
    shares one connection and transaction; ``Shared.commit()`` commits it. SQLite only (other
    databases do not sync a file per commit; their gradebooks are left as they are). Other
    threads, and other databases, get nbgrader's own engines."""
    if not db_url.startswith("sqlite"):
        yield None
        return
    from sqlalchemy import create_engine

    _install()
    connections = getattr(_SHARED, "connections", None)
    if connections is None:
        connections = _SHARED.connections = {}
    if db_url in connections:  # already inside one for this database: that one commits
        yield Shared(connections[db_url], nested=True)
        return
    # another writer (a second grading run, the marking page) waits for a student's commit,
    # and this one for theirs: longer than pysqlite's 5 s, for a machine under load
    engine = create_engine(db_url, future=True, connect_args={"timeout": 60})
    connection = engine.connect()
    connection.dispose = lambda: None  # Gradebook.close() disposes "its engine": not this one
    connection.begin()
    connections[db_url] = connection
    try:
        yield Shared(connection)
    finally:
        del connections[db_url]
        try:
            if connection.in_transaction():
                connection.rollback()  # what no commit confirmed: an unfinished student
        finally:
            connection.close()
            engine.dispose()
