"""Sending submissions to Dask workers and getting their executed notebooks back.

Every worker receives once a ``Job`` (the course configuration, nbgrader's sanitising steps
as Autograde runs them, a copy of an sqlite gradebook, the assignment's other files). For
each submission, ``grade_notebook`` runs on a worker: nbgrader's sanitising steps, then the
sandboxed execution (``ipt_helpers.course.grading.kernels``). The coordinator's ``Dispatcher`` submits
without waiting and hands back each result, checking it was made from exactly that
submission (else it sends it again).
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from sqlalchemy.exc import SAWarning

from ipt_helpers.course.grading.kernels import execute_notebook
from ipt_helpers.course.grading.lighter import check_schema_once
from ipt_helpers.course.grading.sandbox import lease_uid

# nbgrader's gradebook code triggers SQLAlchemy autoflush warnings ("Object of type
# <SubmittedAssignment> not in session"), harmless and meaningless to a grader; workers run
# several notebooks at once, so the filter is the process's (catch_warnings is not thread-safe)
warnings.filterwarnings("ignore", category=SAWarning, module=r"nbgrader\.")


@dataclass
class Job:
    """What every notebook of one grading run needs; sent once to each worker."""

    assignment: str
    config: object                 # the course's nbgrader configuration
    steps: list                    # nbgrader's sanitising preprocessors, as Autograde runs them
    db_url: str                    # the gradebook, when it is not a snapshot
    snapshot: bytes | None         # an sqlite gradebook, copied before grading starts
    files: dict[str, bytes]        # the assignment's other files, put beside each notebook
                                   # (over the student's own, but for c.Autograde.exclude_overwriting)
    settings: dict                 # nbgrader's Execute settings
    notebook_timeout: float
    python: str                    # the Python sandboxed kernels run ("" for the default)


def sanitise(nb, student: str, notebook: str, job: Job):
    """Apply nbgrader's own sanitising steps (restore locked and test cells from the
    gradebook, clear outputs, ...) to a submitted notebook, as Autograde does."""
    check_schema_once()  # the same checks, the schema checked once per worker (see lighter)
    scratch = tempfile.mkdtemp(prefix="ipt-gradebook-")  # private to this (trusted) process
    try:
        db_url = job.db_url
        if job.snapshot is not None:
            Path(scratch, "gradebook.db").write_bytes(job.snapshot)
            db_url = f"sqlite:///{scratch}/gradebook.db"
        resources = {"nbgrader": {"student": student, "assignment": job.assignment,
                                  "notebook": notebook, "db_url": db_url},
                     "unique_key": notebook, "metadata": {}}
        for cls in job.steps:
            nb, resources = cls(config=job.config)(nb, resources)
        return nb
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def grade_notebook(submitted: bytes, student: str, notebook: str, sandboxed: bool, job: Job,
                   own: dict[str, bytes] | None = None) -> dict:
    """On a worker: sanitise a submitted notebook, then execute it (see execute_notebook),
    as a user id leased on the worker's machine when ``sandboxed``, beside the files nbgrader
    puts beside it: the student's ``own`` (handed in with the notebook), then the
    assignment's over them."""
    try:
        nb = nbformat.reads(submitted.decode("utf-8"), as_version=4)
        nb = sanitise(nb, student, notebook, job)
    except Exception as err:  # a broken submission costs this notebook, never the run
        return {"error": f"{type(err).__name__}: {err}"}
    files = {**(own or {}), **job.files}
    if not sandboxed:
        return execute_notebook(nb, files, job.settings, None, job.notebook_timeout, job.python)
    with lease_uid() as uid:
        return execute_notebook(nb, files, job.settings, uid, job.notebook_timeout, job.python)


def notebook_digest(nb) -> str:
    """A fingerprint of what is executed: the cells' types and sources, in order."""
    h = hashlib.sha256()
    for cell in nb.cells:
        h.update(cell.cell_type.encode())
        h.update(b"\0")
        h.update(cell.source.encode("utf-8"))
        h.update(b"\1")
    return h.hexdigest()


@dataclass
class Dispatcher:
    """Sends submitted notebooks to Dask and hands back their sanitised, executed versions."""

    client: object
    job: object                  # the Job, as a future every worker can fetch or recompute
    sandboxed: bool              # each kernel runs as its own unprivileged user
    progress: object = None      # called as progress(key, outcome, done, of)
    done: int = 0
    futures: dict = field(default_factory=dict)
    digests: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    own: dict = field(default_factory=dict)      # student -> the files they handed in
    written: dict = field(default_factory=dict)  # key -> what the notebook wrote (execute_notebook)
    _count: int = 0

    def submit(self, key, submitted: bytes, digest: str):
        """Grade ``submitted`` (the notebook as handed in) for ``key`` = (student, notebook)."""
        self._count += 1
        self.digests[key] = digest
        self.futures[key] = self.client.submit(
            grade_notebook, submitted, key[0], key[1], self.sandboxed, self.job,
            self.own.get(key[0], {}),
            key=f"ipt-grade-{self._count}-{hashlib.sha1(repr(key).encode()).hexdigest()[:8]}",
            pure=False)

    def result(self, key, submitted):
        """The executed notebook for ``key``; ``submitted`` is the notebook as nbgrader read it.
        What the notebook wrote is kept in ``written[key]``."""
        if key not in self.futures or self.digests.get(key) != notebook_digest(submitted):
            # not dispatched, or changed since: send this version now
            self.submit(key, nbformat.writes(submitted).encode("utf-8"), notebook_digest(submitted))
        outcome = self.futures.pop(key).result()
        self.done += 1
        if self.progress:
            self.progress(key, outcome, self.done, len(self.digests))
        if "error" in outcome:
            self.errors[key] = outcome["error"]
            raise RuntimeError(f"could not execute {key[1]} for {key[0]}: {outcome['error']}")
        self.written[key] = {k: outcome.get(k) for k in ("written", "deleted", "too_large")}
        return outcome["notebook"]



def dispatch_all(course, assignment, students, dispatcher, own_files):
    """Send every submitted notebook to the workers, without waiting; ``own_files(student)``
    gives the files the student handed in besides notebooks."""
    known = set(course.notebooks(assignment))
    for student in students:
        dispatcher.own[student] = own_files(student)
        for path in sorted((course.root / "submitted" / student / assignment).glob("*.ipynb")):
            if path.stem not in known:
                continue  # nbgrader skips notebooks that are not part of the assignment
            try:
                data = path.read_bytes()
                digest = notebook_digest(nbformat.reads(data.decode("utf-8"), as_version=4))
            except Exception:
                continue  # the collect pass meets the same problem and reports it
            dispatcher.submit((student, path.stem), data, digest)
