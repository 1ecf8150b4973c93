"""The nbgrader step that derives student versions from the instructor's form definitions.

In an instructor's source notebook each form cell is the whole definition of its item
(questions, key, partial credit, feedback; ``ipt_helpers.forms.items``) and its graded test cell
is only ``score(form_id)``. Run first in ``GenerateAssignment`` (before nbgrader saves the
cells to the gradebook), this step

- rewrites each graded test cell as the hidden test ``score(form_id, {rubric})``, which
  nbgrader keeps in the gradebook for autograding and strips from the release; and
- removes the key fields and any recorded answer from each form cell, and drops saved
  widget state (which could hold the same values).

``StudentForms`` then makes each form cell stand on its own for the student: titled with the
case heading above it, with its own import (so it runs first after a kernel restart), its
code collapsed (it stays in the file and records as before), and with the form's key-free
description in its metadata (``ipt.form``, ``ipt_helpers.forms.description``), from which the
assignment view draws it. ``DeriveIntro`` writes the
student's first cell from the notebook's assignment metadata
(``ipt_helpers.course.assignment``). Enable both in nbgrader_config.py, before nbgrader's own steps::

    c.GenerateAssignment.preprocessors = ["ipt_helpers.course.release.student_version.DeriveItems",
                                          "ipt_helpers.course.release.student_version.StudentForms",
                                          "ipt_helpers.course.release.student_version.DeriveIntro", ...]
"""

from __future__ import annotations

import ast
import json

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from ipt_helpers.course.assignment import AssignmentInfo
from ipt_helpers.forms.cellsource import offset, calls, heading_of, parse_cell
from ipt_helpers.forms.description import cell_descriptions
from ipt_helpers.forms.items import DefinitionError, definitions_in, hidden_test, scored_form, student_source


class DeriveItems(Preprocessor):
    """Derive hidden tests and key-free form cells from the form definitions."""

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        nb.metadata.pop("widgets", None)
        rubrics = {}
        for cell in nb.cells:
            if cell.cell_type != "code" or cell.get("metadata", {}).get("nbgrader", {}).get("grade"):
                continue
            try:
                for definition in definitions_in(cell.source):
                    rubrics[definition.form_id] = definition.rubric()
            except DefinitionError as err:
                raise DefinitionError(f"{resources.get('unique_key', 'notebook')}: {err}") from err
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            cell.metadata.pop("widgets", None)
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade"):
                scored = scored_form(cell.source)
                if scored and scored[1] is None and scored[0] in rubrics:
                    cell.source = hidden_test(scored[0], rubrics[scored[0]])
            else:
                cell.source = student_source(cell.source)
        return nb, resources


class DeriveIntro(Preprocessor):
    """Write the first cell (grade id ``intro``) from ``metadata.ipt``."""

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        if "ipt" not in nb.metadata:
            return nb, resources
        intro = AssignmentInfo.from_notebook(nb).intro_markdown()
        for cell in nb.cells:
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "intro":
                cell.source = intro
                break
        else:
            raise ValueError("the notebook has assignment metadata but no cell with grade id 'intro'")
        return nb, resources


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
            at = offset(lines, answer.lineno, answer.col_offset)
            edits.append((at, literal + ", "))
        else:
            end = offset(lines, call.end_lineno, call.end_col_offset) - 1
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
                heading = heading_of(cell.source) or heading
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
                forms = cell_descriptions(cell.source)
                if len(forms) != 1:
                    raise ValueError(f"{resources.get('unique_key', 'notebook')}: a cell holds "
                                     f"{len(forms)} forms; the assignment view needs one per cell")
                cell.metadata["ipt"] = {"form": forms[0]}
            elif _calls_handin(cell.source) and HANDIN_HEADER not in cell.source:
                cell.source = HANDIN_HEADER + cell.source
        return nb, resources
