"""The nbgrader step that derives student versions from the instructor's form definitions.

In an instructor's source notebook each form cell is the whole definition of its item
(questions, key, partial credit, feedback; ``ipt_helpers.items``) and its graded test cell
is only ``score(form_id)``. Run first in ``GenerateAssignment`` (before nbgrader saves the
cells to the gradebook), this step

- rewrites each graded test cell as the hidden test ``score(form_id, {rubric})``, which
  nbgrader keeps in the gradebook for autograding and strips from the release; and
- removes the key fields and any recorded answer from each form cell, and drops saved
  widget state (which could hold the same values).

``DeriveIntro`` writes the student's first cell from the notebook's assignment metadata
(``ipt_helpers.assignment``). Enable both in nbgrader_config.py, before nbgrader's own steps::

    c.GenerateAssignment.preprocessors = ["ipt_helpers.student_version.DeriveItems",
                                          "ipt_helpers.student_version.DeriveIntro", ...]
"""

from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from .assignment import AssignmentInfo
from .items import DefinitionError, definitions_in, hidden_test, scored_form, student_source


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
