"""Grading kernels forked from one process that has already imported the kernel.

Starting an IPython kernel costs about half a second of CPU, most of it importing ipykernel,
IPython and the course's widgets; on a 2-core grading machine that, not the notebooks, is
what limits how many submissions are graded per second. A fork server (one per Dask worker,
run by the kernel's Python) imports them once. Each kernel is a fork of it that, before it
runs anything else, starts a new session, drops every open file except the standard streams,
becomes its own unprivileged user (when one is given), moves into its private folder and
takes the environment it was given; then it runs ``ipykernel_launcher`` as
``python -m ipykernel_launcher -f CONNECTION_FILE`` would.

Protocol (fork server side): one JSON request per line on stdin,
``{"argv": [...], "env": {...}, "cwd": "...", "uid": int | null}``; one JSON answer per line
on stdout, ``{"pid": N}`` or ``{"error": "..."}``. Children are reaped automatically.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import traceback

from jupyter_client.provisioning import LocalProvisioner

#: What a kernel imports as it starts (ipykernel.kernelapp and what initialising it pulls in)
#: and what the course's notebooks import. A module missing here is imported by the kernel.
PRELOAD = ["ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.debugger", "psutil",
           "sqlite3", "IPython.core.completerlib", "IPython.core.debugger", "IPython.core.oinspect",
           "tornado.platform.asyncio", "ipywidgets", "ipt_helpers.forms.questions",
           "ipt_helpers.forms.recording", "ipt_helpers.forms.scoring", "ipt_helpers.forms.model",
           "ipt_helpers.forms.items"]


def is_ipykernel(cmd: list[str]) -> bool:
    """True for the usual ``python -m ipykernel_launcher -f FILE`` kernel command."""
    return len(cmd) >= 3 and cmd[1:3] == ["-m", "ipykernel_launcher"]


# --- the fork server (runs in the kernel's Python) ------------------------------------------

def main() -> None:
    import importlib

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass  # the kernel imports it itself, if it needs it
    if threading.active_count() > 1:  # only a single-threaded process can be forked safely
        sys.exit("kernel fork server: a preloaded module started a thread; not forking")
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # the worker that started us stops us
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the system
    replies = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # nothing else may write to the reply pipe
    for line in sys.stdin:
        try:
            request = json.loads(line)
            pid = os.fork()
            if pid == 0:
                _become_kernel(request)
            answer = {"pid": pid}
        except Exception as err:
            answer = {"error": f"{type(err).__name__}: {err}"}
        replies.write(json.dumps(answer) + "\n")
        replies.flush()


def _become_kernel(request: dict) -> None:
    """In the forked child: turn into the requested kernel; never returns."""
    code = 1
    try:
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.closerange(3, 1 << 20)  # the fork server's pipes are 0 and 1, already replaced
        sys.stdin = open(0, closefd=False)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        uid = request.get("uid")
        if uid is not None:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        import tempfile
        tempfile.tempdir = None
        import runpy
        sys.argv = [request["argv"][0], *request["argv"][3:]]
        sys.path[0] = os.getcwd()  # as `python -m` sets it (we were started with -m too)
        runpy.run_module("ipykernel_launcher", run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(code)


# --- in the Dask worker ---------------------------------------------------------------------

class ForkedKernel:
    """A kernel forked by the fork server, with the parts of Popen that jupyter_client uses.

    The kernel is the fork server's child, not ours, so it is watched and signalled through
    a pidfd (which cannot be confused with a later process given the same pid); its exit
    status is not known here, so an ended kernel reports 0.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode = None
        try:
            self._pidfd = os.pidfd_open(pid)
        except ProcessLookupError:
            self._pidfd = None
            self.returncode = 0

    def poll(self):
        if self.returncode is None:
            import select
            if select.select([self._pidfd], [], [], 0)[0]:
                self._ended()
        return self.returncode

    def wait(self, timeout=None):
        if self.returncode is None:
            import select
            if not select.select([self._pidfd], [], [], timeout)[0]:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            self._ended()
        return self.returncode

    def send_signal(self, signum):
        if self.returncode is None:
            signal.pidfd_send_signal(self._pidfd, signum)

    def kill(self):
        self.send_signal(signal.SIGKILL)

    def terminate(self):
        self.send_signal(signal.SIGTERM)

    def _ended(self):
        self.returncode = 0
        os.close(self._pidfd)
        self._pidfd = None


class ForkServer:
    """One fork server per kernel Python, started early (``start``) or on first use, and
    restarted if it died (but not again if it stops as it starts)."""

    _servers: dict[str, "ForkServer"] = {}
    _lock = threading.Lock()

    def __init__(self, python: str):
        self.python = python
        self.proc = None
        self.failed = ""
        self.lock = threading.Lock()

    @classmethod
    def for_python(cls, python: str) -> "ForkServer":
        with cls._lock:
            return cls._servers.setdefault(python, cls(python))

    def start(self, env: dict) -> None:
        """Start the server now, with ``env``, if it is not running (it imports PRELOAD in
        the background; the first kernel's request waits for that)."""
        with self.lock:
            self._start_locked({**env, "JPY_PARENT_PID": str(os.getpid())})

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _start_locked(self, env: dict) -> bool:
        """Start the server unless it runs; True when it was started now."""
        if self.running:
            return False
        if self.failed:
            raise RuntimeError(self.failed)
        self.proc = subprocess.Popen(
            [self.python, "-m", "ipt_helpers.course.grading.kernel_forkserver"], cwd="/", env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, close_fds=True)
        return True

    def launch(self, cmd: list[str], env: dict, cwd: str, uid: int | None) -> ForkedKernel:
        """Fork a kernel running ``cmd`` (a ``python -m ipykernel_launcher`` command).

        The server itself starts with the first kernel's environment, so that what modules
        read from the environment as they are imported is what a kernel started anew reads.
        """
        env = {**env, "JPY_PARENT_PID": str(os.getpid())}  # as jupyter_client's launcher sets
        request = json.dumps({"argv": cmd, "env": env, "cwd": cwd, "uid": uid}) + "\n"
        with self.lock:
            fresh = self._start_locked(env)
            try:
                self.proc.stdin.write(request)
                self.proc.stdin.flush()
                line = self.proc.stdout.readline()
            except BrokenPipeError:
                line = ""
        if not line:
            message = f"the kernel fork server ({self.python}) stopped"
            if fresh:  # it cannot start here: do not try again for every kernel
                self.failed = message + " as it started"
            raise RuntimeError(message)
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"the kernel fork server could not start a kernel: {answer['error']}")
        return ForkedKernel(answer["pid"])


class ForkServerProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, with ipykernel kernels forked by a ForkServer."""

    async def launch_kernel(self, cmd, **kwargs):
        if not is_ipykernel(cmd):
            return await super().launch_kernel(cmd, **kwargs)
        try:
            self.process = ForkServer.for_python(cmd[0]).launch(
                cmd, kwargs["env"], kwargs["cwd"], kwargs.get("user"))
        except (OSError, RuntimeError, ValueError) as err:
            self.log.warning("%s; starting the kernel the usual way", err)
            return await super().launch_kernel(cmd, **kwargs)
        self.pid = self.pgid = self.process.pid
        return self.connection_info


if __name__ == "__main__":
    main()
