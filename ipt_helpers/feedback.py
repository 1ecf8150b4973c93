"""An nbgrader feedback step: students' written answers are shown as text, never as HTML.

nbgrader's feedback template renders a markdown answer cell as markdown, raw HTML included,
so a student who types ``<script>`` into a written answer would put a script into the
feedback page. This step escapes HTML in student answer cells before the page is made.
Enable it in nbgrader_config.py::

    c.GenerateFeedback.preprocessors.append("ipt_helpers.feedback.EscapeStudentHTML")
"""

from __future__ import annotations

import html

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool


def is_student_text(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.cell_type == "markdown" and bool(meta.get("solution"))


class EscapeStudentHTML(Preprocessor):
    """Escape <, > and & in the markdown cells students write."""

    enabled = Bool(True).tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if is_student_text(cell):
            cell.source = html.escape(cell.source, quote=False)
        return cell, resources
