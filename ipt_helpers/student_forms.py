"""The release step that makes the student's form cells stand on their own.

Run after ``ipt_helpers.student_version.DeriveItems`` (which removes the keys) in
``GenerateAssignment``, this step changes what the student receives, never what is graded:

- every form cell gets the case heading above it as its title (``title="Case A: Ngozi"``),
  so the form is headed by the case, not by its id;
- every form cell, and the hand-in check cell, starts with its own import, so it runs even
  when it is the first cell run after a kernel restart (no ``NameError``);
- every form cell's code is collapsed (``{"jupyter": {"source_hidden": true}}``): it stays
  in the file, runs and records as before, but the student sees the form, not Python.

Enable it in nbgrader_config.py, right after DeriveItems::

    c.GenerateAssignment.preprocessors = [
        "ipt_helpers.student_version.DeriveItems",
        "ipt_helpers.student_forms.StudentForms",
    ] + default_steps(GenerateAssignment)
"""

from __future__ import annotations

import ast
import json

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from .recording import _heading, _offset, calls, parse_cell

#: The first lines of a student's form cell (the first line is what a collapsed cell shows).
FORM_HEADER = ("# The form below records your answers in this cell; you never need to edit it.\n"
               "from ipt_helpers import *\n")
HANDIN_HEADER = "from ipt_helpers import handin_check\n"


def with_title(source: str, title: str) -> str:
    """``source`` with ``title=...`` added to every form call that has none."""
    tree = parse_cell(source)
    lines = source.encode("utf-8").splitlines(keepends=True)
    literal = "title=" + json.dumps(title, ensure_ascii=False)
    edits = []
    for call in calls(tree, "form"):
        if any(kw.arg == "title" for kw in call.keywords):
            continue
        answer = next((kw for kw in call.keywords if kw.arg == "answer"), None)
        if answer is not None:
            at = _offset(lines, answer.lineno, answer.col_offset)
            edits.append((at, literal + ", "))
        else:
            end = _offset(lines, call.end_lineno, call.end_col_offset) - 1
            head = source[:end].rstrip()
            edits.append((len(head), ("" if head.endswith(",") else ",") + " " + literal))
    for at, text in sorted(edits, reverse=True):
        source = source[:at] + text + source[at:]
    return source


def student_form_cell(source: str, title: str | None) -> str:
    """A key-free form cell as the student receives it: titled, with its own import."""
    if title:
        source = with_title(source, title)
    return source if source.startswith(FORM_HEADER) else FORM_HEADER + source


def _calls_handin(source: str) -> bool:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    return any(isinstance(n, ast.Call) and getattr(n.func, "id", None) == "handin_check"
               for n in ast.walk(tree))


class StudentForms(Preprocessor):
    """Title, import and collapse every form cell of a student version."""

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        heading = None
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                heading = _heading(cell.source) or heading
                continue
            if cell.cell_type != "code" or cell.get("metadata", {}).get("nbgrader", {}).get("grade"):
                continue
            try:
                has_form = any(True for _ in calls(parse_cell(cell.source), "form"))
            except SyntaxError:
                continue
            if has_form:
                cell.source = student_form_cell(cell.source, heading)
                cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
            elif _calls_handin(cell.source) and HANDIN_HEADER not in cell.source:
                cell.source = HANDIN_HEADER + cell.source
        return nb, resources
