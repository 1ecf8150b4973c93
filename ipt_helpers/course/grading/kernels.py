"""Executing one notebook in a sandboxed kernel, with a time limit (runs on a Dask worker).

``SandboxKernelManager`` starts the kernel in a private folder, as another user when a uid
is given (``ipt_helpers.course.grading.sandbox``), forked from a fork server when ``fork`` is set
(``ipt_helpers.course.grading.kernel_forkserver``); ``SandboxExecute`` is nbgrader's Execute step using it;
``execute_notebook`` runs a sanitised notebook and never raises for a student's notebook.
The private folder holds the kernel's own files (its home, connection file and sockets) apart
from ``work/``, the folder the notebook runs in, so that what the notebook writes there can be
handed back (``files_written``) as nbgrader, which runs it in autograded/, keeps it.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import stat
import tempfile
import threading
import uuid
from pathlib import Path

from distributed import WorkerPlugin
from jupyter_client.manager import AsyncKernelManager
from nbgrader.preprocessors import Execute
from traitlets import Any, Bool, Integer, Unicode

from ipt_helpers.course.grading.kernel_forkserver import ForkServer, ForkServerProvisioner

#: Set in every grading kernel: forms then show the recorded answers in words.
EXECUTION_ENV = {"NBGRADER_EXECUTION": "autograde"}
#: Also set in grading kernels: the debugger ipykernel loads would otherwise print a note on
#: frozen modules to the grader's terminal for every kernel (nobody debugs a grading kernel).
QUIET_ENV = {"PYDEVD_DISABLE_FILE_VALIDATION": "1"}
#: At most this many bytes of files a notebook writes are handed back per notebook: they
#: travel to the coordinating process, and a student's loop may write without end.
MAX_WRITTEN = 50 * 2**20


def kernel_environment(base, home: str) -> dict:
    """The environment of a grading kernel: ``base`` (the worker's) with its own home, the
    grading markers, and no runtime folder of the worker's."""
    env = dict(base)
    env.update(HOME=home, **EXECUTION_ENV, **QUIET_ENV)
    env.pop("JUPYTER_RUNTIME_DIR", None)
    return env


class KernelServerEarly(WorkerPlugin):
    """Starts each worker's kernel fork server (``python``'s) as the worker starts, so that
    its imports (about 0.3 s of CPU) run while the coordinating process reads the course and
    sends the work, not while the first notebook waits for its kernel. Its environment is a
    kernel's, with a home of its own (each kernel gets its own again when it is forked). A
    server that cannot start here is started, or refused, as before, when the first kernel
    asks."""

    name = "ipt-kernel-fork-server"

    def __init__(self, python: str):
        self.python = python
        self.home = None

    def setup(self, worker=None):
        server = ForkServer.for_python(self.python)
        if not hasattr(os, "pidfd_open") or server.running:
            return
        try:
            self.home = tempfile.mkdtemp(prefix="ipt-kernel-server-")
            server.start(kernel_environment(os.environ, self.home))
        except Exception as err:  # the first kernel tries again, and says why
            logging.getLogger(__name__).warning("kernel fork server not started early: %s", err)

    def teardown(self, worker=None):
        if self.home:
            shutil.rmtree(self.home, ignore_errors=True)


class SandboxKernelManager(AsyncKernelManager):
    """Starts the kernel in a private folder, as another user when ``uid`` is set, forked
    from a fork server when ``fork`` is set (see kernel_forkserver)."""

    sandbox = Unicode("")
    workdir = Unicode("")  # where the notebook runs (default: the sandbox)
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
            # Unix sockets in the private folder instead of TCP ports on 127.0.0.1: no other
            # kernel's user can even connect (and the kernel has no reason to warn that it is
            # "running over TCP without encryption")
            self.transport = "ipc"
            self.ip = os.path.join(self.sandbox, "kernel")
        super().write_connection_file(**kwargs)
        if self.uid is not None:
            os.chown(self.connection_file, self.uid, self.uid)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        kw["env"] = kernel_environment(kw.get("env") or os.environ, self.sandbox)
        kw["cwd"] = self.workdir or self.sandbox
        if self.uid is not None:
            kw.update(user=self.uid, group=self.uid, extra_groups=[])
        await super()._async_launch_kernel(kernel_cmd, **kw)
        self.kernel_pid = self.provisioner.pid or 0


class SandboxExecute(Execute):
    """nbgrader's Execute, with the kernel in the sandbox."""

    sandbox = Unicode("")
    workdir = Unicode("")
    uid = Any(None)
    python = Unicode("")
    fork = Bool(False)

    def create_kernel_manager(self):
        self.kernel_manager_class = SandboxKernelManager
        km = super().create_kernel_manager()
        km.sandbox = self.sandbox
        km.workdir = self.workdir
        km.uid = self.uid
        km.python = self.python
        km.fork = self.fork
        return km


def execute_notebook(nb, files: dict[str, bytes], settings: dict,
                     uid: int | None, notebook_timeout: float, python: str = "",
                     fork: bool = hasattr(os, "pidfd_open")) -> dict:
    """Execute one sanitised notebook (a NotebookNode, executed in place) in a private
    folder, beside ``files``; runs on a Dask worker.

    Returns {"notebook": NotebookNode, "written": {path: bytes}, "deleted": [path],
    "too_large": [path]} (what the notebook wrote, deleted, or wrote beyond MAX_WRITTEN, in
    its folder), or {"error": message}. Never raises for a student's notebook. The notebook
    travels as an object (Dask pickles it): writing and reading it as JSON on each side cost
    more than the pickle, and nbgrader validates it where it writes it.
    """
    sandbox = tempfile.mkdtemp(prefix="ipt-grade-")
    work = os.path.join(sandbox, "work")
    try:
        os.mkdir(work)
        for rel, data in files.items():
            target = Path(work, rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        if uid is not None:
            for path in [sandbox, *(str(p) for p in Path(sandbox).rglob("*"))]:
                os.chown(path, uid, uid)
            os.chmod(sandbox, 0o700)
        ep = SandboxExecute(sandbox=sandbox, workdir=work, uid=uid, python=python, fork=fork,
                            **settings)
        killer = _Deadline(ep, notebook_timeout)
        try:
            nb, _ = ep.preprocess(nb, {"metadata": {"path": work}})
        except Exception:
            if not killer.fired:  # else the kernel died because the time limit stopped it
                raise
        finally:
            killer.cancel()
        if killer.fired:
            return {"error": f"the notebook ran for longer than {notebook_timeout:g} s and was stopped"}
        written, deleted, too_large = files_written(work, files)
        return {"notebook": nb, "written": written,
                "deleted": deleted, "too_large": too_large}
    except Exception as err:  # a crash costs this notebook, never the run
        return {"error": f"{type(err).__name__}: {err}"}
    finally:
        shutil.rmtree(sandbox, ignore_errors=True)


def files_written(folder: str, before: dict[str, bytes], limit: int = MAX_WRITTEN):
    """What a notebook did to the files of ``folder``, which held ``before``: the regular
    files it created or changed ({relative path: bytes}, at most ``limit`` bytes in all),
    those of ``before`` it deleted, and those left out for the limit.

    Student code owns the folder, so nothing is followed: not a link (to a file only the
    grader could read), not a directory swapped for one while this reads (os.fwalk and
    O_NOFOLLOW), not a pipe.
    """
    written, seen, too_large, total = {}, set(), [], 0
    for top, _dirs, names, dir_fd in os.fwalk(folder, follow_symlinks=False):
        for name in sorted(names):
            rel = os.path.normpath(os.path.join(os.path.relpath(top, folder), name))
            try:
                fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
            except OSError:
                continue  # a link
            try:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    continue  # a pipe, a socket, a device
                seen.add(rel)
                with os.fdopen(os.dup(fd), "rb") as fh:  # enough to compare, or one too many
                    data = fh.read(max(limit - total, len(before.get(rel, b""))) + 1)
            finally:
                os.close(fd)
            if before.get(rel) == data:
                continue
            if total + len(data) > limit:
                too_large.append(rel)
                continue
            total += len(data)
            written[rel] = data
    return written, sorted(set(before) - seen), too_large


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
