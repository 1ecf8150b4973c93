"""Keys stay with instructors: nothing a student receives holds instructor-only material.

Checked: the student (release) notebooks, every page of the built HTML book, and every file
of the built ipt_helpers wheel.
"""

import re
import zipfile

import nbformat
import pytest

from conftest import ASSIGNMENTS, ROOT, run
from ipt_helpers.forms.items import notebook_items
from ipt_helpers.forms.cellsource import calls, parse_cell
from ipt_helpers.forms.scoring import KEY_FIELDS
from submissions import form_answers

MARKERS = ["BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "BEGIN SOLUTION", "BEGIN MARK SCHEME",
           "Mark scheme (", "Model answer", "from ipt_helpers.forms.recording import score"]


def instructor_lines(nb) -> set[str]:
    """Distinctive lines of hidden tests and solution regions (model answers, mark schemes)."""
    lines = set()
    for cell in nb.cells:
        inside = False
        for line in cell.source.splitlines():
            if re.search(r"BEGIN (HIDDEN TESTS|SOLUTION|MARK SCHEME)", line):
                inside = True
            elif re.search(r"END (HIDDEN TESTS|SOLUTION|MARK SCHEME)", line):
                inside = False
            elif inside and len(line.strip()) >= 30:
                lines.add(line.strip())
    return lines


def key_texts(nb) -> set[str]:
    """The feedback and explanation texts of every form definition (as they appear in a
    file's JSON or HTML, the first 60 characters of each suffice and avoid line breaks)."""
    found = set()
    for item in notebook_items(nb).items:
        for rule in item.definition.rubric().values():
            texts = list(rule.get("feedback", {}).values()) + [rule.get("explain", "")]
            found |= {t[:60] for t in texts if len(t) >= 30}
    return found


def keys():
    found = set()
    for path in (ROOT / "exercises" / "source").glob("*/*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        found |= instructor_lines(nb) | key_texts(nb)
    assert found, "the source notebooks hold keys and mark schemes"
    return found


def leaks(text: str, secret_lines: set[str], markers=MARKERS) -> list[str]:
    hits = [m for m in markers if m in text]
    hits += [line for line in secret_lines if line in text]
    return hits


def keyed_questions(nb) -> list[str]:
    """Question calls in form cells that still carry a key field."""
    import ast
    found = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for call in calls(parse_cell(cell.source), "form"):
            for node in ast.walk(call):
                if isinstance(node, ast.Call) and any(k.arg in KEY_FIELDS for k in node.keywords):
                    found.append(ast.get_source_segment(cell.source, node)[:60])
    return found


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    """What students receive: exercises/release as `make book` (which `make test` runs first)
    has just released it; released anew in a copy when a source, the config or the package
    changed since."""
    import shutil
    course = ROOT / "exercises"
    sources = sorted((course / "source").glob("*/*.ipynb"))
    made = [course / "release" / p.parent.name / p.name for p in sources]
    inputs = sources + [course / "nbgrader_config.py"] + list((ROOT / "ipt_helpers").rglob("*.py"))
    newest = max(p.stat().st_mtime for p in inputs)
    if all(m.exists() and m.stat().st_mtime >= newest for m in made):
        return made
    root = tmp_path_factory.mktemp("course")
    shutil.copy(course / "nbgrader_config.py", root)
    shutil.copytree(course / "source", root / "source")
    for assignment in ASSIGNMENTS:
        run(["nbgrader", "generate_assignment", assignment, "--force"], cwd=root)
    return sorted((root / "release").glob("*/*.ipynb"))


@pytest.mark.slow
def test_release_notebooks_hold_no_key(releases):
    secret = keys()
    assert len(releases) == len(list((ROOT / "exercises" / "source").glob("*/*.ipynb")))
    for path in releases:
        text = path.read_text()
        assert not leaks(text, secret), path
        nb = nbformat.read(path, as_version=4)
        assert all(v is None for v in form_answers(nb).values()), f"{path}: form answers left"
        assert not keyed_questions(nb), f"{path}: a question keeps its key"
        assert "widgets" not in nb.metadata


def test_built_book_holds_no_key():
    html_dir = ROOT / "_build" / "html"
    pages = list(html_dir.rglob("*.html"))
    assert pages, "build the book first (make book); make test does"
    secret = keys()
    for page in pages:
        assert not leaks(page.read_text(errors="replace"), secret), page


@pytest.mark.slow
def test_wheel_holds_no_key(tmp_path):
    import shutil
    src = tmp_path / "src"  # build from a copy so the repo is never dirtied
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src)
    shutil.copytree(ROOT / "ipt_helpers", src / "ipt_helpers",
                    ignore=shutil.ignore_patterns("__pycache__"))
    run(["python", "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", tmp_path, src],
        cwd=tmp_path)
    wheel = next(tmp_path.glob("ipt_helpers-*.whl"))
    secret = keys()
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        assert any(n.endswith("scoring.py") for n in names)
        assert not [n for n in names if n.endswith(".ipynb")]
        for name in names:  # the code names nbgrader's markers to write tests; keys it never holds
            assert not leaks(zf.read(name).decode("utf-8", "replace"), secret, markers=()), name


def test_the_leak_check_finds_a_planted_key():
    """The checks above would fail if a key slipped through."""
    nb = nbformat.read(next((ROOT / "exercises" / "source").glob("*/*.ipynb")), as_version=4)
    secret = instructor_lines(nb) | key_texts(nb)
    some_line = sorted(key_texts(nb))[0]
    assert leaks(f"<p>{some_line} and more</p>", secret)
    assert keyed_questions(nbformat.from_dict({"cells": [nbformat.v4.new_code_cell(
        'form("f", [Single("q", "Which?", ["a", "b"], accept={"a": 1})])')]}))
    assert leaks("### BEGIN HIDDEN TESTS", set())
