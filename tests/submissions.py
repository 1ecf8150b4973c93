"""Simulated student submissions: a release notebook with chosen answers recorded in its forms."""

import json
from pathlib import Path

import nbformat

from ipt_helpers.forms.items import notebook_items
from ipt_helpers.forms.cellsource import notebook_answers as form_answers  # noqa: F401 (re-export)
from ipt_helpers.forms.cellsource import read_answers, rewrite_answer
from ipt_helpers.forms.scoring import full_marks

FIXTURES = Path(__file__).parent / "fixtures"


def key_answers(source_nb) -> dict:
    """{form id: the answer that earns full marks} from an instructor notebook's definitions."""
    return {item.form_id: full_marks(item.definition.rubric())
            for item in notebook_items(source_nb).items}


def with_answers(nb, answers: dict):
    """A copy of ``nb`` whose form cells record ``answers`` ({form id: answer})."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            ids = read_answers(cell.source)
        except SyntaxError:
            continue
        for form_id in ids:
            if form_id in answers:
                cell.source = rewrite_answer(cell.source, form_id, answers[form_id])
    return nb


def with_written_answer(nb, text: str):
    """A copy of ``nb`` with ``text`` typed into every manually graded written answer."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown" and meta.get("solution") and meta.get("grade"):
            cell.source = text
    return nb


def partial_case(assignment: str) -> dict:
    """The assignment's hand-computed partly-right submission: tests/fixtures/partial/<a>.json.

    {"notebook": name, "answers": {form id: answer}, "expected": {grade id: points}}; forms not
    listed take the instructor's answers.
    """
    return json.loads((FIXTURES / "partial" / f"{assignment}.json").read_text())
