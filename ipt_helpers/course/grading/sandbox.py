"""Isolation of student code on the grading machine (operating-system side).

When ``ipt-course grade`` runs as root on Linux, each grading kernel runs as its own
unprivileged user id (leased from ``SANDBOX_UID_BASE`` upwards by ``lease_uid``: no passwd
entry needed, and never the same as a kernel of another run on this machine), in a
private folder, with a Python other users can read. Student code then reads neither the
course folder (keys, the gradebook, other students' work) nor another kernel's memory.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
from pathlib import Path

SANDBOX_UID_BASE = 200_000  # per-kernel user ids, leased (no passwd entry needed)
SANDBOX_UIDS = 50_000       # how many: more than kernels can run at once on one machine
#: one lock file per leased user id, shared by every grading run on this machine
LEASES = Path("/run/ipt-curriculum/kernel-uids")


@contextlib.contextmanager
def lease_uid(leases: Path = LEASES):
    """A user id no other kernel on this machine holds while the ``with`` block runs.

    Each id is a file under ``leases`` locked with ``flock``: the lock is this machine's
    record that the id is in use, by any grading run or worker (two courses graded at once,
    two test workers), and the kernel drops it when the lease ends, or when its process
    dies, so a crash never keeps an id.
    """
    leases.mkdir(mode=0o700, parents=True, exist_ok=True)
    start = SANDBOX_UID_BASE + (os.getpid() * 7919) % SANDBOX_UIDS  # spread runs apart
    for n in range(SANDBOX_UIDS):
        uid = SANDBOX_UID_BASE + (start - SANDBOX_UID_BASE + n) % SANDBOX_UIDS
        fd = os.open(leases / str(uid), os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        try:
            yield uid
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        return
    raise RuntimeError(f"no free kernel user id in {leases}: {SANDBOX_UIDS} kernels run at once")


def open_to_others(path: str | os.PathLike) -> bool:
    """True when another (unprivileged) user can reach and read/run ``path``."""
    path = Path(os.path.realpath(path))
    for parent in list(path.parents)[::-1]:
        if not parent.stat().st_mode & 0o001:
            return False
    return bool(path.stat().st_mode & 0o004 or path.is_dir() and path.stat().st_mode & 0o001)


def kernel_venvs() -> list[Path]:
    """Where ``make`` builds the kernels' Python for this checkout (see the Makefile's KVENV):
    ``.venv-kernel`` beside the package, or, when other users cannot reach the checkout, a
    copy under /var/lib/ipt-curriculum named after the checkout's path."""
    import hashlib

    checkout = Path(__file__).resolve().parents[3]  # ipt_helpers/course/grading/ -> the checkout
    digest = hashlib.sha1(f"{checkout}\n".encode()).hexdigest()[:12]  # as `echo DIR | sha1sum`
    return [checkout / ".venv-kernel" / "bin" / "python",
            Path("/var/lib/ipt-curriculum") / f"venv-kernel-{digest}" / "bin" / "python"]


def needs_sandbox() -> bool:
    """True when grading would otherwise run student code as root."""
    return sys.platform.startswith("linux") and os.geteuid() == 0


def usable_by_others(python: str) -> str:
    """"" when ``python`` can run kernels as another user, else why not."""
    import subprocess

    if not Path(python).exists():
        return "it does not exist"
    found = subprocess.run([python, "-c", "import sys; print(sys.prefix); print(sys.base_prefix)"],
                           capture_output=True, text=True).stdout.split("\n")
    prefix, base = (found + ["", ""])[:2]
    # the interpreter, its environment (a venv's packages) and its standard library
    if not base:
        return "it does not run"
    if not all(open_to_others(p) for p in (python, prefix, Path(base) / "lib")):
        return "other users cannot read it (a Python under /root, such as pyenv's, is private)"
    return ""


def sandbox_python(requested: str | None = None) -> tuple[str | None, str]:
    """The Python that sandboxed kernels run, or None, with a note saying why.

    Kernels run as separate unprivileged users only when this process is root (on Linux) and
    the interpreter and its standard library are readable by other users (a Python under
    /root, such as pyenv's, is not). A Python asked for (``requested``, else
    $IPT_SANDBOX_PYTHON) is used or refused, never silently replaced; otherwise the one
    ``make book`` prepares (``kernel_venvs``), then this process's own.
    """
    if not needs_sandbox():
        return None, "kernels run as this user, each in a private temporary folder"
    asked = requested or os.environ.get("IPT_SANDBOX_PYTHON") or ""
    if asked:
        why = usable_by_others(asked)
        if why:
            origin = "--sandbox-python" if requested else "IPT_SANDBOX_PYTHON"
            return None, f"the sandbox Python {asked} ({origin}) cannot be used: {why}"
        return asked, f"each kernel runs as its own unprivileged user, with {asked}"
    for python in [*(str(p) for p in kernel_venvs() if p.exists()), sys.executable]:
        if not usable_by_others(python):
            return python, f"each kernel runs as its own unprivileged user, with {python}"
    return None, "no Python readable by other users was found (`make book` builds one)"
