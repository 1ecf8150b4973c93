"""The pinned set installs on Debian's own Python 3.11 (3.11.2 on bookworm), not only on the
project's: a hub image or an instructor's machine often has just that one (issue 23)."""

import subprocess
from pathlib import Path

import pytest

from conftest import ROOT

DEBIAN = Path("/usr/bin/python3.11")


@pytest.mark.skipif(not DEBIAN.exists(), reason="no Debian python3.11 here")
def test_the_constraints_resolve_on_debians_python(tmp_path):
    subprocess.run([DEBIAN, "-m", "venv", tmp_path / "venv"], check=True)
    pip = tmp_path / "venv" / "bin" / "pip"
    proc = subprocess.run([pip, "install", "--dry-run", "--ignore-installed", "-q",
                           "-c", ROOT / "constraints.txt", f"{ROOT}[instructor,dev]"],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
