import json
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


@pytest.fixture(scope="module")
def browser():
    """One headless chromium for a module's browser tests."""
    from browser import chromium

    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def book_url():
    """The built book (``IPT_BOOK_HTML`` or _build/html) served on 127.0.0.1."""
    from bookcheck import BUILT, serve

    with serve(BUILT) as url:
        yield url


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

# `make test` exports this; set it too when pytest is run by hand.
if (ROOT / ".venv-kernel" / "bin" / "python").exists():
    os.environ.setdefault("IPT_SANDBOX_PYTHON", str(ROOT / ".venv-kernel" / "bin" / "python"))


def make_submissions(course, assignment, kinds, extra_cells=None):
    """Release ``assignment`` in ``course`` and file one submission per kind:
    "perfect" (the instructor's answers), "blank", "partial" (the fixture). ``extra_cells``
    maps a student name to (base kind, code of a cell the student added at the end)."""
    import nbformat
    from submissions import key_answers, partial_case, with_answers

    run(["nbgrader", "generate_assignment", assignment, "--force"], cwd=course)
    src = next((course / "source" / assignment).glob("*.ipynb"))
    release = nbformat.read(course / "release" / assignment / src.name, as_version=4)
    key = key_answers(nbformat.read(src, as_version=4))
    case = partial_case(assignment)
    versions = {"perfect": with_answers(release, key), "blank": release,
                "partial": with_answers(release, {**key, **case["answers"]})}
    plan = {k: (k, None) for k in kinds}
    plan.update(extra_cells or {})
    for student, (base, code) in plan.items():
        nb = nbformat.from_dict(json.loads(json.dumps(versions[base])))
        if code:
            nb.cells.append(nbformat.v4.new_code_cell(code))
        target = course / "submitted" / student / assignment / src.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
    return src.stem


def make_zip(path, files):
    """A zip at ``path`` holding ``files`` ({name inside the zip: bytes or text})."""
    import zipfile
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path
