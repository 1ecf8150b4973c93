import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "exercises"
BIN = Path(sys.executable).parent
# nbgrader, nbval and JupyterLab start kernels by name: make "python3" this venv's python.
os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ['PATH']}"

ASSIGNMENTS = sorted(p.name for p in (COURSE / "source").iterdir() if p.is_dir())


def run(args, cwd, check=True, timeout=600):
    """Run a command; on failure show its output in the test report."""
    proc = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"{args} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture
def course(tmp_path):
    """A private copy of the course root (config + source only), so tests never dirty the repo."""
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(COURSE / "nbgrader_config.py", root)
    shutil.copytree(COURSE / "source", root / "source",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return root
