"""Isolation of student code on the grading machine (operating-system side).

When ``ipt-course grade`` runs as root on Linux, each grading kernel runs as its own
unprivileged user id (``SANDBOX_UID_BASE`` + a task number, no passwd entry needed), in a
private folder, with a Python other users can read. Student code then reads neither the
course folder (keys, the gradebook, other students' work) nor another kernel's memory.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SANDBOX_UID_BASE = 200_000  # per-kernel user ids: base + task number (no passwd entry needed)


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
