"""An nbgrader feedback step: students' written answers are shown as text, never as HTML.

nbgrader's feedback template renders a markdown answer cell as markdown, raw HTML included,
so a student who types ``<script>`` into a written answer would put a script into the
feedback page. This step escapes HTML in student answer cells before the page is made.
Enable it in nbgrader_config.py::

    c.GenerateFeedback.preprocessors.append("ipt_helpers.course.results.feedback.EscapeStudentHTML")
"""

from __future__ import annotations

import html

from nbconvert.exporters import HTMLExporter
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


# --- feedback a student can read --------------------------------------------------------------

#: the template ``ipt-course feedback`` renders with (ipt_helpers/templates/ipt_feedback)
TEMPLATE_DIR = str(__import__("pathlib").Path(__file__).parent / "templates")
TEMPLATE_NAME = "ipt_feedback"

AWAITING = "awaiting marking"


def _outcome(line: str) -> str:
    """The CSS class of a scoring line: "[Correct] ...", "[Partly correct] ...", ..."""
    head = line.strip().lower()
    for word, name in (("[correct]", "correct"), ("[partly correct]", "partial"),
                       ("[not correct]", "wrong"), ("[not answered]", "wrong")):
        if head.startswith(word):
            return name
    return "other" if head.startswith("[") else ""


def readable_lines(text: str) -> list[dict]:
    """A hidden test's printed result as entries: {"text", "outcome", "notes": [...]}.

    The scoring rules print one line per question ("[Correct] focus: 2 of 2 points") and
    indented lines under it (the teaching feedback, "Why: ..."); anything else is kept as it
    is, so nothing the test prints is lost.
    """
    entries: list[dict] = []
    for raw in text.splitlines():
        if not raw.strip():
            continue
        if raw[:1].isspace() and entries:
            entries[-1]["notes"].append(raw.strip())
        else:
            entries.append({"text": raw.strip(), "outcome": _outcome(raw), "notes": []})
    return entries


class ReadableFeedback(Preprocessor):
    """Prepare a graded notebook for a student (runs after nbgrader's GetGrades).

    - A hidden test cell loses its source (its rubric, with the keys, is Python) unless
      ``show_keys`` is set; what it printed (points per question and the teaching feedback)
      becomes ``metadata.ipt.entries``, its returned number is dropped.
    - Other code cells (setup, the forms) show their output only: a form's output is the
      student's recorded answers in words; widget views, which a static page cannot show,
      are dropped where the same output has a text or HTML version.
    - A grade cell with no score yet is marked ``awaiting``; ``resources["ipt"]`` lists
      every graded item with its score, for the page's summary.
    """

    enabled = Bool(True).tag(config=True)
    show_keys = Bool(False, help="Show each hidden test's source (its rubric and keys) in "
                     "the feedback. Off: students see their answers, points and feedback "
                     "only.").tag(config=True)

    def _unmarked(self, resources) -> set:
        """The grade ids of this notebook with neither a manual nor an automatic score
        (nbgrader reports their score as 0)."""
        from nbgrader.api import Gradebook, MissingEntry

        info = resources.get("nbgrader", {})
        try:
            with Gradebook(info["db_url"]) as gb:
                sub = gb.find_submission_notebook(info["notebook"], info["assignment"],
                                                  info["student"])
                return {g.name for g in sub.grades
                        if g.manual_score is None and g.auto_score is None}
        except (KeyError, MissingEntry):
            return set()

    def preprocess(self, nb, resources):
        items, awaiting = [], 0
        unmarked = self._unmarked(resources)
        for cell in nb.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            ipt = cell.setdefault("metadata", {}).setdefault("ipt", {})
            test = bool(meta.get("grade")) and not meta.get("solution") and cell.cell_type == "code"
            if cell.cell_type == "code":
                self._outputs(cell, ipt, test)
            if meta.get("grade"):
                waiting = meta.get("grade_id") in unmarked
                score = None if waiting else meta.get("score")
                awaiting += waiting
                ipt["awaiting"] = waiting
                title = (ipt.get("entries") or [{}])[0].get("text", "") if test else ""
                items.append({"id": meta.get("grade_id", ""), "awaiting": waiting,
                              "kind": "Form" if test else "Written answer"
                              if cell.cell_type == "markdown" else "Answer",
                              "title": title.split(":")[0].removeprefix("Form ") if title else meta.get("grade_id", ""),
                              "score": score, "points": meta.get("points")})
        info = resources.get("nbgrader", {})
        resources["ipt"] = {"items": items, "awaiting": awaiting,
                            "score": info.get("score"), "max_score": info.get("max_score"),
                            "late_penalty": info.get("late_penalty") or 0}
        return nb, resources

    def _outputs(self, cell, ipt, test):
        if test:
            text = "".join(o.get("text", "") for o in cell.get("outputs", [])
                           if o.get("output_type") == "stream" and o.get("name") == "stdout")
            ipt["entries"] = readable_lines(text)
            ipt["errors"] = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            cell.outputs = []
            if not self.show_keys:
                cell.source = ""
            ipt["show_source"] = self.show_keys
            return
        meta = cell.get("metadata", {}).get("nbgrader", {})
        ipt["hide_input"] = not meta.get("solution")  # an autograded answer's code is the student's
        for out in cell.get("outputs", []):
            data = out.get("data")
            if data and "application/vnd.jupyter.widget-view+json" in data and len(data) > 1:
                data.pop("application/vnd.jupyter.widget-view+json")


class FeedbackExporter(HTMLExporter):
    """nbgrader's HTML exporter under its own name, so that this course's feedback template is
    configured for feedback pages only (``c.FeedbackExporter``), never for formgrader's views,
    which use ``HTMLExporter`` with their own template."""


def readable_feedback(config):
    """Configure key-free feedback pages on ``config`` (a course's ``nbgrader_config.py`` calls
    this with ``c``, so ``nbgrader generate_feedback``, formgrader's *Generate feedback* button
    and ``ipt-course feedback`` all make the same page): this course's template, and the step
    that turns each hidden test's output into points and feedback, hiding its source (which
    holds the key); and nbgrader's ``AssignLatePenalties`` before ``GetGrades``, so a late
    penalty applies to the score with every mark given since grading. Idempotent: nbgrader
    may read the config file twice."""
    import os

    import nbgrader

    nbgrader_templates = os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions",
                                      "formgrader", "templates")
    config.GenerateFeedback.exporter_class = f"{__name__}.FeedbackExporter"
    config.FeedbackExporter.template_name = TEMPLATE_NAME
    config.FeedbackExporter.extra_template_basedirs = [TEMPLATE_DIR, nbgrader_templates]
    steps = list(config.GenerateFeedback.get("preprocessors") or [])
    if not steps:
        from nbgrader.converters import GenerateFeedback
        steps = GenerateFeedback.class_traits()["preprocessors"].default()
    readable = f"{__name__}.ReadableFeedback"
    steps = [s for s in steps if s not in (readable, PENALTY)]
    # the late penalty of the score as it is now, manual marks included (nbgrader fixed it
    # while autograding, before any written answer was marked): nbgrader's own step again
    at = next((i for i, s in enumerate(steps) if _step_name(s) == "GetGrades"), 0)
    config.GenerateFeedback.preprocessors = steps[:at] + [PENALTY] + steps[at:] + [readable]
    return config


#: nbgrader's late-penalty step, run again in every feedback tool before GetGrades reads the score
PENALTY = "nbgrader.preprocessors.AssignLatePenalties"


def _step_name(step) -> str:
    return step.rsplit(".", 1)[-1] if isinstance(step, str) else step.__name__
