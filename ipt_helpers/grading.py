"""Parallel autograding: nbgrader's own grading steps, with the per-notebook work on Dask workers.

1. *dispatch* (coordinator): each submitted notebook is sent, as bytes, to a Dask worker,
   without waiting. Every worker receives once a Job: the course configuration, nbgrader's
   sanitising steps as Autograde runs them, and a copy of an sqlite gradebook (which these
   steps read the locked and test cells from; a PostgreSQL gradebook is read directly).
2. *on a worker*: the notebook is sanitised with those steps, then executed in a private
   temporary folder holding only the assignment's non-notebook files, with a time limit for
   the whole notebook. When the worker runs as root, each kernel runs as its own
   unprivileged user id, so student code can read neither the course directory (which must
   not be open to other users) nor another kernel's memory. Kernels are forked from a fork
   server that has imported ipykernel once (see kernel_forkserver).
3. *collect* (coordinator): nbgrader's ``Autograde`` converter runs as usual, except that
   the steps the worker ran are skipped and its ``Execute`` step is replaced by ``Collect``,
   which waits for the worker's executed notebook (checking that it was made from exactly
   this submission, else sending it again). Scoring, late penalties and the gradebook are
   nbgrader's own, written by this process only.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbgrader.preprocessors import CheckCellMetadata, Execute, NbGraderPreprocessor
from traitlets import Any, Bool, Integer, Unicode

from .kernel_forkserver import ForkServerProvisioner

SANDBOX_UID_BASE = 200_000  # per-kernel user ids: base + task number (no passwd entry needed)
EXECUTION_ENV = {"NBGRADER_EXECUTION": "autograde"}


# --- in the worker --------------------------------------------------------------------------

class SandboxKernelManager(AsyncKernelManager):
    """Starts the kernel in a private folder, as another user when ``uid`` is set, forked
    from a fork server when ``fork`` is set (see kernel_forkserver)."""

    sandbox = Unicode("")
    uid = Any(None)
    python = Unicode("")
    fork = Bool(False)
    kernel_pid = Integer(0)

    async def _async_pre_start_kernel(self, **kw):
        if self.fork and self.provisioner is None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", None) or str(uuid.uuid4())
            self.provisioner = ForkServerProvisioner(
                kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        if self.python and cmd and Path(cmd[0]).name.startswith("python"):
            cmd[0] = self.python
        return cmd

    def write_connection_file(self, **kwargs):
        if self.sandbox and not self._connection_file_written:
            self.connection_file = os.path.join(self.sandbox, f"kernel-{self.kernel_id}.json")
        super().write_connection_file(**kwargs)
        if self.uid is not None:
            os.chown(self.connection_file, self.uid, self.uid)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        env = dict(kw.get("env") or os.environ)
        env.update(HOME=self.sandbox, **EXECUTION_ENV)
        env.pop("JUPYTER_RUNTIME_DIR", None)
        kw["env"] = env
        kw["cwd"] = self.sandbox
        if self.uid is not None:
            kw.update(user=self.uid, group=self.uid, extra_groups=[])
        await super()._async_launch_kernel(kernel_cmd, **kw)
        self.kernel_pid = self.provisioner.pid or 0


class SandboxExecute(Execute):
    """nbgrader's Execute, with the kernel in the sandbox."""

    sandbox = Unicode("")
    uid = Any(None)
    python = Unicode("")
    fork = Bool(False)

    def create_kernel_manager(self):
        self.kernel_manager_class = SandboxKernelManager
        km = super().create_kernel_manager()
        km.sandbox = self.sandbox
        km.uid = self.uid
        km.python = self.python
        km.fork = self.fork
        return km


def execute_notebook(nb_bytes: bytes, files: dict[str, bytes], settings: dict,
                     uid: int | None, notebook_timeout: float, python: str = "",
                     fork: bool = hasattr(os, "pidfd_open")) -> dict:
    """Execute one sanitised notebook in a private folder; runs on a Dask worker.

    Returns {"notebook": bytes} or {"error": message}. Never raises for a student's notebook.
    """
    sandbox = tempfile.mkdtemp(prefix="ipt-grade-")
    try:
        for rel, data in files.items():
            target = Path(sandbox, rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        if uid is not None:
            for path in [sandbox, *(str(p) for p in Path(sandbox).rglob("*"))]:
                os.chown(path, uid, uid)
            os.chmod(sandbox, 0o700)
        nb = nbformat.reads(nb_bytes.decode("utf-8"), as_version=nbformat.NO_CONVERT)
        ep = SandboxExecute(sandbox=sandbox, uid=uid, python=python, fork=fork, **settings)
        killer = _Deadline(ep, notebook_timeout)
        try:
            nb, _ = ep.preprocess(nb, {"metadata": {"path": sandbox}})
        except Exception:
            if not killer.fired:  # else the kernel died because the time limit stopped it
                raise
        finally:
            killer.cancel()
        if killer.fired:
            return {"error": f"the notebook ran for longer than {notebook_timeout:g} s and was stopped"}
        return {"notebook": nbformat.writes(nb).encode("utf-8")}
    except Exception as err:  # a crash costs this notebook, never the run
        return {"error": f"{type(err).__name__}: {err}"}
    finally:
        shutil.rmtree(sandbox, ignore_errors=True)


class _Deadline:
    """Kills the kernel when the whole notebook takes longer than the limit."""

    def __init__(self, ep, seconds):
        self.fired = False
        self.timer = threading.Timer(seconds, self._kill, args=(ep,))
        self.timer.daemon = True
        self.timer.start()

    def _kill(self, ep):
        km = getattr(ep, "km", None)
        pid = getattr(km, "kernel_pid", 0)
        if pid:
            self.fired = True
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def cancel(self):
        self.timer.cancel()


# --- sanitising, on a worker ---------------------------------------------------------------

@dataclass
class Job:
    """What every notebook of one grading run needs; sent once to each worker."""

    assignment: str
    config: object                 # the course's nbgrader configuration
    steps: list                    # nbgrader's sanitising preprocessors, as Autograde runs them
    db_url: str                    # the gradebook, when it is not a snapshot
    snapshot: bytes | None         # an sqlite gradebook, copied before grading starts
    files: dict[str, bytes]        # the assignment's other files, put beside each notebook
    settings: dict                 # nbgrader's Execute settings
    notebook_timeout: float
    python: str                    # the Python sandboxed kernels run ("" for the default)


def sanitise(nb, student: str, notebook: str, job: Job):
    """Apply nbgrader's own sanitising steps (restore locked and test cells from the
    gradebook, clear outputs, ...) to a submitted notebook, as Autograde does."""
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


def grade_notebook(submitted: bytes, student: str, notebook: str, uid: int | None, job: Job) -> dict:
    """On a worker: sanitise a submitted notebook, then execute it (see execute_notebook)."""
    try:
        nb = nbformat.reads(submitted.decode("utf-8"), as_version=4)
        nb = sanitise(nb, student, notebook, job)
        data = nbformat.writes(nb).encode("utf-8")
    except Exception as err:  # a broken submission costs this notebook, never the run
        return {"error": f"{type(err).__name__}: {err}"}
    return execute_notebook(data, job.files, job.settings, uid, job.notebook_timeout, job.python)


# --- in the coordinator ---------------------------------------------------------------------

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
    job: object                  # the Job, scattered to the workers
    sandboxed: bool              # each kernel runs as its own unprivileged user
    progress: object = None      # called as progress(key, outcome, done, of)
    done: int = 0
    futures: dict = field(default_factory=dict)
    digests: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    _count: int = 0

    def submit(self, key, submitted: bytes, digest: str):
        """Grade ``submitted`` (the notebook as handed in) for ``key`` = (student, notebook)."""
        self._count += 1
        uid = SANDBOX_UID_BASE + self._count if self.sandboxed else None
        self.digests[key] = digest
        self.futures[key] = self.client.submit(
            grade_notebook, submitted, key[0], key[1], uid, self.job,
            key=f"ipt-grade-{self._count}-{hashlib.sha1(repr(key).encode()).hexdigest()[:8]}",
            pure=False)

    def result(self, key, submitted):
        """The executed notebook for ``key``; ``submitted`` is the notebook as nbgrader read it."""
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
        return nbformat.reads(outcome["notebook"].decode("utf-8"), as_version=nbformat.NO_CONVERT)


def _key(resources):
    info = resources["nbgrader"]
    return info["student"], info["notebook"]


class Collect(NbGraderPreprocessor):
    """Stands in for Execute in the collect pass: the worker's executed notebook.

    The collect pass runs with no sanitising steps of its own: the notebook it receives is
    the submission as handed in, and the one it returns was sanitised (by the same steps,
    on the worker) and executed.
    """

    dispatcher = Any()

    def preprocess(self, nb, resources):
        return self.dispatcher.result(_key(resources), nb), resources


def execute_settings(config) -> dict:
    """nbgrader's Execute settings from the course configuration, to rebuild it on a worker."""
    probe = Execute(config=config)
    names = ["timeout", "interrupt_on_timeout", "allow_errors", "raise_on_iopub_timeout",
             "error_on_timeout", "extra_arguments", "execute_retries", "startup_timeout",
             "iopub_timeout", "kernel_name", "store_widget_state", "record_timing"]
    return {n: getattr(probe, n) for n in names if hasattr(probe, n)}


def assignment_files(source_dir: Path, ignore: list[str]) -> dict[str, bytes]:
    """The assignment's non-notebook files, which nbgrader copies beside each submission."""
    from nbgrader import utils
    found = utils.find_all_files(str(source_dir), list(ignore) + ["*.ipynb"])
    return {os.path.relpath(f, source_dir): Path(f).read_bytes() for f in found}


def open_to_others(path: str | os.PathLike) -> bool:
    """True when another (unprivileged) user can reach and read/run ``path``."""
    path = Path(os.path.realpath(path))
    for parent in list(path.parents)[::-1]:
        if not parent.stat().st_mode & 0o001:
            return False
    return bool(path.stat().st_mode & 0o004 or path.is_dir() and path.stat().st_mode & 0o001)


def sandbox_python(requested: str | None = None) -> tuple[str | None, str]:
    """The Python that sandboxed kernels run, or None, with a note saying why.

    Kernels run as separate unprivileged users only when this process is root (on Linux) and
    the interpreter and its standard library are readable by other users (a Python under
    /root, such as pyenv's, is not: give a system one with --sandbox-python or
    IPT_SANDBOX_PYTHON; `make` prepares .venv-kernel for this).
    """
    if not (sys.platform.startswith("linux") and os.geteuid() == 0):
        return None, "kernels run as this user, each in a private temporary folder"
    candidates = [requested, os.environ.get("IPT_SANDBOX_PYTHON"), sys.executable]
    for python in [c for c in candidates if c]:
        if not Path(python).exists():
            continue
        import subprocess
        found = subprocess.run([python, "-c", "import sys; print(sys.prefix); print(sys.base_prefix)"],
                               capture_output=True, text=True).stdout.split("\n")
        prefix, base = (found + ["", ""])[:2]
        # the interpreter, its environment (a venv's packages) and its standard library
        if base and all(open_to_others(p) for p in (python, prefix, Path(base) / "lib")):
            return python, f"each kernel runs as its own unprivileged user, with {python}"
    return None, ("WARNING: running as root but no Python readable by other users was found, "
                  "so kernels run as root in private folders; set IPT_SANDBOX_PYTHON")


# --- the grade command ----------------------------------------------------------------------

@dataclass
class GradeReport:
    graded: list = field(default_factory=list)     # (student, notebook)
    failed: dict = field(default_factory=dict)     # (student, notebook) -> message
    skipped: list = field(default_factory=list)    # students already graded (no --force)
    seconds: float = 0.0


def _autograde(course, assignment, students, *, execute_step, checked_on_workers=False):
    """Run nbgrader's Autograde converter in this process for ``students``.

    Its sanitising steps ran on the workers, and its Execute step is ``execute_step``. When
    the workers also checked the cells' nbgrader metadata (CheckCellMetadata), the same check
    is not repeated here: no later step changes that metadata.
    """
    from nbgrader.converters import Autograde

    converter = course.converter(Autograde, assignment)  # students to skip are filtered out
    converter.sanitize_preprocessors = []
    converter.autograde_preprocessors = [
        execute_step if step is Execute else step for step in converter.autograde_preprocessors
        if not (checked_on_workers and step is CheckCellMetadata)]
    failures = {}
    with course.inside():
        for student in students:
            converter.coursedir.student_id = student
            try:
                converter.start()
            except Exception as err:  # nbgrader has logged it; it costs this student only
                failures[student] = str(err)
    return failures


def make_job(course, config, assignment, notebook_timeout, python) -> Job:
    """The Job for grading ``assignment``: nbgrader's sanitising steps and what they need."""
    from nbgrader.converters import Autograde

    autograde = course.converter(Autograde, assignment, config=config)
    db_url = autograde.coursedir.db_url
    snapshot = None
    path = Path(course.root, db_url.removeprefix("sqlite:///"))
    if db_url.startswith("sqlite:///") and path.is_file():  # workers may be on other machines
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            snapshot = source.serialize()
        finally:
            source.close()
    return Job(assignment=assignment, config=config, steps=list(autograde.sanitize_preprocessors),
               db_url=db_url, snapshot=snapshot,
               files=assignment_files(course.root / "source" / assignment,
                                      autograde.coursedir.ignore),
               settings=execute_settings(config), notebook_timeout=notebook_timeout,
               python=python or "")


def dispatch_all(course, assignment, students, dispatcher):
    """Send every submitted notebook to the workers, without waiting."""
    known = set(course.notebooks(assignment))
    for student in students:
        for path in sorted((course.root / "submitted" / student / assignment).glob("*.ipynb")):
            if path.stem not in known:
                continue  # nbgrader skips notebooks that are not part of the assignment
            try:
                data = path.read_bytes()
                digest = notebook_digest(nbformat.reads(data.decode("utf-8"), as_version=4))
            except Exception:
                continue  # the collect pass meets the same problem and reports it
            dispatcher.submit((student, path.stem), data, digest)


def grade(course, assignment, *, client, students=None, force=False,
          notebook_timeout=300.0, progress=None, python=None) -> GradeReport:
    """Autograde every submission of ``assignment`` with executions on ``client``'s workers."""
    from .course import CourseError

    course.check_assignment(assignment)
    start = time.monotonic()
    report = GradeReport()
    submitted = course.submitted_students(assignment)
    if students:
        missing = [s for s in students if s not in submitted]
        if missing:
            raise CourseError(f"no submission of {assignment} from: {', '.join(missing)}")
        submitted = [s for s in submitted if s in students]
    if not submitted:
        raise CourseError(f"no submissions of {assignment} in {course.root / 'submitted'}")
    todo = []
    for student in submitted:
        done = course.root / "autograded" / student / assignment
        if done.exists() and not force:
            report.skipped.append(student)
        else:
            todo.append(student)
    if not todo:
        report.seconds = time.monotonic() - start
        return report

    config = course.config()
    job = make_job(course, config, assignment, notebook_timeout, python)
    [job_future] = client.scatter([job], broadcast=True, hash=False)
    dispatcher = Dispatcher(client=client, job=job_future, sandboxed=python is not None,
                            progress=progress)
    dispatch_all(course, assignment, todo, dispatcher)
    failures = _autograde(course, assignment, todo, execute_step=Collect(dispatcher=dispatcher),
                          checked_on_workers=CheckCellMetadata in job.steps)
    for (student, notebook) in dispatcher.digests:
        if (student, notebook) in dispatcher.errors:
            report.failed[(student, notebook)] = dispatcher.errors[(student, notebook)]
        elif student in failures:
            report.failed[(student, notebook)] = failures[student]
        else:
            report.graded.append((student, notebook))
    for student, message in failures.items():
        if not any(s == student for s, _ in report.failed):
            report.failed[(student, "*")] = message
    report.seconds = time.monotonic() - start
    return report
