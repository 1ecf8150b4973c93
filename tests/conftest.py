import atexit
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
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


# The layers of the suite, one folder each (README: "Tests"). infra/ (JupyterHub, PostgreSQL)
# runs only in the second stage, `make test-all`, with everything marked `full`.
LAYERS = {"unit", "course", "browser", "infra"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        layer = Path(str(item.fspath)).parent.name
        if layer in LAYERS:
            item.add_marker(layer)
        if layer == "infra":
            item.add_marker("full")


def first_stage(values, keep):
    """``values`` as test parameters; those not in ``keep`` run in the second stage only
    (marked ``full``: `make test-all`), so `make test` checks a sample of each kind."""
    return [v if v in keep else pytest.param(v, marks=pytest.mark.full) for v in values]


def ipt_course_in_process(args, cwd):
    """``ipt-course ARGS`` run in this process (``cli.main``), as a finished subprocess would
    report it: exit code, stdout and stderr. Saves each call Python's and nbgrader's start-up;
    tests/course/test_cli.py keeps a real subprocess per command."""
    import contextlib
    import io
    import traceback

    from ipt_helpers import cli

    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main([str(a) for a in args])
            except SystemExit as stop:
                code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
            except Exception:  # as the console script would: a traceback and exit 1
                traceback.print_exc()
                code = 1
    finally:
        os.chdir(here)
    return subprocess.CompletedProcess(["ipt-course", *args], code, out.getvalue(), err.getvalue())


def run(args, cwd, check=True, timeout=600):
    """Run a command; on failure show its output in the test report. ``ipt-course`` runs in
    this process (except ``mark``, which becomes a server)."""
    args = [str(a) for a in args]
    if args[0] == "ipt-course" and "mark" not in args:
        proc = ipt_course_in_process(args[1:], cwd)
    else:
        proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)
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


_RELEASES = Path(tempfile.mkdtemp(prefix="ipt-releases-"))
atexit.register(shutil.rmtree, _RELEASES, True)


def _fingerprint(course, assignment) -> str:
    h = hashlib.sha1((course / "nbgrader_config.py").read_bytes())
    for path in sorted((course / "source" / assignment).rglob("*")):
        if path.is_file():
            h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()[:16]


def release_once(course, assignment):
    """``nbgrader generate_assignment`` in ``course``, made once per test session (and worker)
    for each distinct source and config, then copied: its release folder and gradebook. A
    course that already has a gradebook, or keeps it in a database server, is released for
    real."""
    config = (course / "nbgrader_config.py").read_text()
    if (course / "gradebook.db").exists() or "db_url" in config:  # a gradebook of its own
        run(["nbgrader", "generate_assignment", assignment, "--force"], cwd=course)
        return
    made = _RELEASES / _fingerprint(course, assignment)
    if not made.exists():
        work = made.with_suffix(".part")
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(course, work, ignore=shutil.ignore_patterns("submitted", "autograded",
                                                                      "feedback", "release"))
        with open(work / "nbgrader_config.py", "a") as fh:  # the copy's own root
            fh.write(f"\nc.CourseDirectory.root = {str(work)!r}\n")
        run(["nbgrader", "generate_assignment", assignment, "--force"], cwd=work)
        work.rename(made)
    shutil.copytree(made / "release" / assignment, course / "release" / assignment)
    shutil.copy(made / "gradebook.db", course / "gradebook.db")


def make_submissions(course, assignment, kinds, extra_cells=None):
    """Release ``assignment`` in ``course`` and file one submission per kind:
    "perfect" (the instructor's answers), "blank", "partial" (the fixture). ``extra_cells``
    maps a student name to (base kind, code of a cell the student added at the end)."""
    import nbformat
    from submissions import key_answers, partial_case, with_answers

    release_once(course, assignment)
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


def released_course(folder: Path, assignments) -> Path:
    """A copy of the course in ``folder`` with the student versions of ``assignments``, made by
    the course's own release steps (``nbgrader generate_assignment``)."""
    shutil.copy(COURSE / "nbgrader_config.py", folder)
    shutil.copytree(COURSE / "source", folder / "source")
    for assignment in assignments:
        run(["nbgrader", "generate_assignment", assignment, "--force"], cwd=folder)
    return folder


def release_nb(course: Path, assignment: str) -> Path:
    """The student version of an assignment's notebook in a released course."""
    return next((course / "release" / assignment).glob("*.ipynb"))


def source_nb(assignment: str):
    """The instructor's notebook of an assignment, read."""
    import nbformat

    return nbformat.read(next((COURSE / "source" / assignment).glob("*.ipynb")), 4)
