"""An nbgrader preprocessor that removes the instructor's answers from form cells.

In an instructor's source notebook each form cell carries the instructor's answer
(``answer={...}``) so that ``nbgrader validate`` proves the key earns full marks. When the
student version is generated this step resets every ``answer=`` to ``None`` and drops any
saved widget state (which could hold the same values). Enable it in nbgrader_config.py::

    c.GenerateAssignment.preprocessors.append("ipt_helpers.student_version.ClearFormAnswers")
"""

from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from .recording import read_answers, rewrite_answer


def clear_form_answers(source: str) -> str:
    """``source`` with every form call's ``answer=`` set to None (unchanged if not Python)."""
    try:
        form_ids = list(read_answers(source))
    except SyntaxError:
        return source
    for form_id in form_ids:
        source = rewrite_answer(source, form_id, None)
    return source


class ClearFormAnswers(Preprocessor):
    """Reset form answers to None and drop widget state from the student version."""

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        nb.metadata.pop("widgets", None)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            cell.source = clear_form_answers(cell.source)
            cell.metadata.pop("widgets", None)
        return cell, resources
