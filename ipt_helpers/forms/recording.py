"""Answer recording: a form cell writes the student's choices into its own source.

A form cell looks like::

    form("focus-1", [Single("area", "Which problem area?", options("problem_area"))],
         answer=None)

Two ways an answer reaches the cell's source; both write the same ``rewrite_answer`` text:

- **Automatic** (JupyterLab 4 / Notebook 7 with the package's ``ipt-forms`` extension): on
  every change of a control the kernel composes the cell's new source and puts it, hidden,
  into the form (``.ipt-record``); the extension writes it into the cell whose output shows
  that form, through the notebook model, and the notebook is marked modified.
- **Shift+Enter** (any other front end): when the student re-runs the cell after changing the
  controls, ``form`` asks the front end (``set_next_input(..., replace=True)``) to replace the
  cell's source with the same source whose ``answer=`` literal holds the current choices.

In both, a conditional question (``when=``) that stops applying is recorded as its empty
value and its controls are cleared; a value left in one in a file (saved before this rule,
or edited by hand) counts as unanswered when the cell runs, and a live run rewrites the
cell without it (``ipt_helpers.forms.scoring.clear_inapplicable``, the one rule).

The form shows the text of both modes; without the extension the automatic one stays hidden
(its inline style), the extension's stylesheet swaps them. The saved .ipynb then carries the
answer, and any headless run (nbgrader autograde) rebuilds the form from that literal. See
../shared/DESIGN.md, "How a widget answer survives grading".

``set_next_input`` is only ever called while the form cell itself executes, never from a
widget callback, and ``form`` never raises.
"""

from __future__ import annotations

import ast
import html
import json
import os
import re
from typing import Any

import ipywidgets as w
from IPython import get_ipython

from ipt_helpers.forms.cellsource import (calls, heading_of, notebook_answers, parse_cell, read_answers,  # noqa: F401
                         rewrite_answer, to_literal)
from ipt_helpers.forms.questions import BadValue, Question, controls_of, prompt_widget
from ipt_helpers.forms.scoring import clear_inapplicable

#: form id -> the answers recorded in its cell (what grading sees), for this kernel.
RECORDED: dict[str, dict] = {}
#: form id -> the rubric of its definition, when this kernel ran an instructor's form cell.
DEFINED: dict[str, dict] = {}
#: form id -> the live Form shown by the latest run of its cell, for this kernel.
_LIVE: dict[str, "Form"] = {}

PENDING = "Not recorded yet — press Shift+Enter in this cell to record your choices."
#: What each mode's line says (shown at the top of every form).
MODE_AUTO = ("Your answers are recorded in this notebook as you choose them; save it "
             "(Ctrl+S) before you hand in.")
MODE_MANUAL = ("After you change an answer, press Shift+Enter in this cell to record it "
               "(this notebook app does not record forms by itself).")
#: Text of a written answer that nbgrader's release leaves for the student to replace.
STUB_MARKS = ("YOUR ANSWER HERE", "YOUR CODE HERE")


def modes_html(auto: str, manual: str) -> str:
    """The same message in both recording modes: the automatic text is hidden unless the
    front-end extension (which marks the form ``ipt-auto``) shows it."""
    return (f'<span class="ipt-mode-auto" style="display:none">{auto}</span>'
            f'<span class="ipt-mode-manual">{manual}</span>')


# --- the literal in the cell's source -------------------------------------------------------

def _current_cell_source() -> str | None:
    ip = get_ipython()
    if ip is None:
        return None
    try:
        return ip.kernel.get_parent()["content"]["code"]
    except Exception:
        hist = getattr(ip.history_manager, "input_hist_raw", None)
        return hist[-1] if hist else None


# --- the form -------------------------------------------------------------------------------

def css_name(key: str) -> str:
    """A CSS class fragment for a form or question id (used by browser tests and styles)."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", str(key))


def check_answer(questions: list[Question], answer: Any) -> tuple[dict, list[str]]:
    """Normalise a recorded answer. Bad parts count as unanswered and produce a message."""
    problems = []
    if answer is None:
        answer = {}
    if not isinstance(answer, dict):
        problems.append("The recorded answer is not in the expected form; it counts as "
                        "unanswered. Choose again and press Shift+Enter.")
        answer = {}
    clean = {}
    for q in questions:
        try:
            clean[q.id] = q.check(answer.get(q.id))
        except BadValue as err:
            problems.append(f"Question “{q.prompt}”: the recorded answer could not be read "
                            f"({err}); it counts as unanswered. Answer again and press "
                            "Shift+Enter.")
            clean[q.id] = q.check(None)
    unknown = [k for k in answer if k not in {q.id for q in questions}]
    if unknown:
        problems.append(f"The recorded answer names unknown questions ({', '.join(map(str, unknown))}); "
                        "they are ignored.")
    return clean, problems


def _compact(questions, answers: dict) -> dict:
    """The recorded form of answers: every question id, in question order."""
    return {q.id: answers.get(q.id) for q in questions}


class RecordedForm:
    """A form as grading and feedback see it: the recorded answers in words, no controls.

    While nbgrader autogrades nobody can use the controls, and its feedback pages cannot
    show widgets, so ``form`` shows this instead of a ``Form`` there.
    """

    def __init__(self, form_id, questions, recorded, title=None, problems=()):
        self.form_id = form_id
        self.title = title or f"Form {form_id}"
        self.questions = questions
        self.recorded = recorded
        self.problems = list(problems)

    def state(self) -> str:
        """'recorded' or 'empty'."""
        if all(q.is_empty(self.recorded.get(q.id)) for q in self.questions):
            return "empty"
        return "recorded"

    @property
    def answers(self) -> dict:
        return dict(self.recorded)

    def summary(self) -> str:
        """The recorded answers in words."""
        lines = [f"Form {self.form_id}: {self.state()}"]
        for number, q in enumerate(self.questions, start=1):
            lines.append(f"  {number}. {q.prompt}\n     {q.describe(self.recorded.get(q.id))}")
        lines.extend(f"  Note: {p}" for p in self.problems)
        return "\n".join(lines)

    def summary_html(self) -> str:
        """The recorded answers in words, as escaped HTML."""
        items = "".join(f"<li>{html.escape(q.prompt)}<br>Your answer: "
                        f"<b>{html.escape(q.describe(self.recorded.get(q.id)))}</b></li>"
                        for q in self.questions)
        notes = "".join(f"<p>Note: {html.escape(p)}</p>" for p in self.problems)
        return (f'<div class="ipt-form-summary ipt-form-{css_name(self.form_id)}">'
                f"<h4>{html.escape(self.title)} — {self.state()}</h4><ol>{items}</ol>{notes}</div>")

    def _repr_mimebundle_(self, **kwargs):
        return {"text/plain": self.summary(), "text/html": self.summary_html()}


class Form(RecordedForm):
    """A case-formulation form: a heading, a line saying how answers are recorded, labelled
    questions (conditional ones disabled while they do not apply), a status line, a hidden
    record of the cell's new source for the front-end extension, and a text summary."""

    def __init__(self, form_id, questions, recorded, shown, title=None, problems=(), source=None):
        super().__init__(form_id, questions, recorded, title=title, problems=problems)
        #: the cell's source as it ran (what the next answer= rewrite starts from)
        self.source = source
        self.status = w.HTML()
        self.record = w.HTML(layout=w.Layout(display="none"))
        self.record.add_class("ipt-record")
        self._seq = 0
        self._resetting = False
        self._controls = []
        self._notes = {}
        mode = w.HTML(f'<p class="ipt-mode"><b>How to answer:</b> '
                      f'{modes_html(html.escape(MODE_AUTO), html.escape(MODE_MANUAL))}</p>')
        children = [w.HTML(f'<h3 class="ipt-form-title">{html.escape(self.title)}</h3>'), mode]
        for number, q in enumerate(questions, start=1):
            rows, control = q.build(shown.get(q.id))
            self._controls.append(control)
            parts = [prompt_widget(number, q)] + rows
            if q.when:
                note = w.HTML()
                note.add_class("ipt-when")
                self._notes[q.id] = note
                parts.append(note)
            block = w.VBox(parts)
            block.add_class("ipt-question")
            block.add_class(f"ipt-q-{css_name(q.id)}")
            children.append(block)
            for widget in controls_of(control):
                widget.observe(self._changed, names="value")
        self.status.add_class("ipt-status")
        children += [self.status, self.record]
        self.box = w.VBox(children, layout=w.Layout(border="1px solid #767676", padding="8px"))
        self.box.add_class("ipt-form")
        self.box.add_class(f"ipt-form-{css_name(form_id)}")
        self._update_status()

    def live(self) -> dict:
        """The choices currently shown in the controls; a question that does not apply
        holds its empty value (``ipt_helpers.forms.scoring.clear_inapplicable``)."""
        shown = {q.id: q.read(c) for q, c in zip(self.questions, self._controls)}
        return clear_inapplicable(self.questions, shown)

    def state(self) -> str:
        """'pending' (live differs from recorded), 'recorded' or 'empty'."""
        if self.live() != self.recorded:
            return "pending"
        return super().state()

    def applicable(self, answers: dict | None = None) -> dict[str, bool]:
        """{question id: whether it applies}: a question with ``when`` applies only after
        one of the answers it names, given to a question that applies itself
        (``ipt_helpers.forms.scoring.applicable``)."""
        from ipt_helpers.forms.scoring import applicable

        answers = self.live() if answers is None else answers
        return applicable({q.id: q.when for q in self.questions}, answers)

    def unanswered(self, answers: dict | None = None) -> list[int]:
        """Numbers (1-based) of the questions that apply and are not answered."""
        answers = self.live() if answers is None else answers
        apply = self.applicable(answers)
        return [n for n, q in enumerate(self.questions, start=1)
                if apply[q.id] and q.is_empty(answers.get(q.id))]

    def _changed(self, change=None):
        if self._resetting:  # a control cleared by _update_conditions, not by the student
            return
        self._update_status()
        self._send_record()

    def _send_record(self):
        """Compose the cell's new source (the one rewrite) and hand it to the front-end
        extension, which writes it into the cell showing this form."""
        if self.source is None:
            return
        try:
            new = rewrite_answer(self.source, self.form_id, _compact(self.questions, self.live()))
        except Exception:  # not plain Python: Shift+Enter reports it
            return
        self._seq += 1
        self.record.value = (f'<pre data-ipt-form="{html.escape(self.form_id)}" '
                             f'data-ipt-seq="{self._seq}">{html.escape(new)}</pre>')

    def _update_conditions(self, live):
        apply = self.applicable(live)
        for number, (q, control) in enumerate(zip(self.questions, self._controls), start=1):
            if not q.when:
                continue
            for widget in controls_of(control):
                widget.disabled = not apply[q.id]
            if not apply[q.id]:
                self._reset(control)
            self._notes[q.id].value = "" if apply[q.id] else (
                f"<i>Not applicable with your answers so far: {html.escape(self._condition_words(q))}"
                " Until then it is not required, not scored, and kept empty.</i>")

    def _reset(self, control):
        """Show a question that stopped applying as unanswered, so the controls never hold
        a choice that is not recorded (``live`` already reads it as empty)."""
        self._resetting = True
        try:
            for widget in controls_of(control):
                if isinstance(widget, w.RadioButtons):
                    empty = None
                elif isinstance(widget, w.Checkbox):
                    empty = False
                else:  # a dropdown ("" is its first entry, choose…) or a text box
                    empty = ""
                if widget.value != empty:
                    widget.value = empty
        finally:
            self._resetting = False

    def _condition_words(self, q) -> str:
        from ipt_helpers.forms.scoring import conditions

        parts = []
        for qid, allowed in conditions({"when": q.when}).items():
            other = next(((n, o) for n, o in enumerate(self.questions, start=1) if o.id == qid), None)
            if other is None:
                continue
            n, o = other
            words = " or ".join(f"“{o.label_of(a) if hasattr(o, 'label_of') else a}”" for a in allowed)
            parts.append(f"answer it only if your answer to question {n} is {words}.")
        return " ".join(parts) or "it applies only after another answer."

    def _update_status(self, change=None):
        live = self.live()
        self._update_conditions(live)
        state = self.state()
        notes = []
        if state == "pending":
            notes.append(modes_html("<b>Status: recorded in the notebook.</b> Save it (Ctrl+S) "
                                    "before you hand in.", f"<b>Status: {PENDING}</b>"))
        elif state == "empty":
            notes.append(modes_html(
                "<b>Status: nothing answered yet.</b> Your choices are recorded as you make them.",
                "<b>Status: nothing recorded yet.</b> Answer the questions, then press "
                "Shift+Enter in this cell."))
        else:
            notes.append("<b>Status: recorded.</b> Save the notebook (Ctrl+S) before you hand in.")
        missing = self.unanswered(live)
        if missing and state != "empty":
            notes.append("Not answered yet: question" + ("s " if len(missing) > 1 else " ")
                         + ", ".join(map(str, missing)) + ".")
        for q, c in zip(self.questions, self._controls):
            warn = getattr(q, "problems", lambda v: "")(q.read(c))
            if warn:
                notes.append(f"Check question “{html.escape(q.prompt)}”: {warn}.")
        notes.extend(f"Note: {html.escape(p)}" for p in self.problems)
        self.status.value = "<br>".join(notes)

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.box._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = self.summary()
        return bundle


def autograding() -> bool:
    """True while nbgrader autogrades this kernel (it sets NBGRADER_EXECUTION)."""
    return os.environ.get("NBGRADER_EXECUTION") == "autograde"


def form(form_id: str, questions: list[Question], *, answer: Any = None, title: str | None = None):
    """Show a form; record live choices into this cell's source when the cell is re-run.

    Returns the Form (its ``answers`` are what grading sees); while nbgrader autogrades, a
    RecordedForm (the answers in words, for the feedback). Never raises on bad input:
    problems are shown in the form and the affected questions count as unanswered.
    """
    try:
        answer = _instructor_view(form_id, questions, answer)
        written, problems = check_answer(questions, answer)
        written = _compact(questions, written)
        # a conditional question that does not apply counts as unanswered, whatever the
        # literal holds (a file saved before this rule, or edited by hand)
        recorded = clear_inapplicable(questions, written)
        if autograding():
            result = RecordedForm(form_id, questions, recorded, title=title, problems=problems)
        else:
            result = _live_form(form_id, questions, recorded, problems, title, written)
    except Exception as err:  # a broken form must never stop the notebook or grading
        result = _BrokenForm(form_id, err)
    RECORDED[form_id] = result.answers
    if isinstance(result, RecordedForm):
        _LIVE[form_id] = result
    return result


def _instructor_view(form_id, questions, answer):
    """In an instructor's notebook (questions with keys) register the key for ``score`` and,
    when nothing is recorded, show the answers that earn full marks."""
    from ipt_helpers.forms.items import FormDefinition  # items builds on this module
    from ipt_helpers.forms.scoring import full_marks

    rubric = FormDefinition(form_id, list(questions)).rubric()
    if not rubric:
        return answer
    DEFINED[form_id] = rubric
    return full_marks(rubric) if answer is None else answer


def _live_form(form_id, questions, recorded, problems, title, written=None) -> Form:
    """The form with controls; records the live choices of its previous run, if they changed
    (the Shift+Enter mode: with the extension the cell already holds them). ``written`` is
    the answer as the cell's literal holds it; when it kept a value in a question that does
    not apply (``recorded`` holds the empty value there), the cell is rewritten without it."""
    previous = _LIVE.get(form_id)
    shown = recorded
    source = _current_cell_source()
    written = recorded if written is None else written
    rerun = isinstance(previous, Form) and [q.id for q in previous.questions] == [q.id for q in questions]
    if not rerun and written != recorded and source is not None:
        try:
            source = rewrite_answer(source, form_id, recorded)
            get_ipython().set_next_input(source, replace=True)
        except Exception:  # not plain Python: the stale value counts as unanswered anyway
            pass
    if rerun:
        live = _compact(questions, previous.live())
        if live != written:
            try:
                source = rewrite_answer(source or "", form_id, live)
                get_ipython().set_next_input(source, replace=True)
                recorded, problems = live, []
            except Exception as err:  # not plain Python: tell the student, keep the old answer
                problems = [*problems, f"Could not record the new choices ({err}). Make sure "
                            "this cell contains only the form call, then press Shift+Enter."]
            shown = live
    return Form(form_id, questions, recorded, shown, title=title, problems=problems, source=source)


class _BrokenForm:
    def __init__(self, form_id, err):
        self.form_id = form_id
        self.answers = {}
        self.message = (f"Form {form_id} could not be shown ({type(err).__name__}: {err}). "
                        "It counts as unanswered. Ask your instructor.")

    def _repr_mimebundle_(self, **kwargs):
        return {"text/plain": self.message, "text/html": f"<p>{html.escape(self.message)}</p>"}


# --- before you hand in ---------------------------------------------------------------------

def _saved_notebook() -> dict | None:
    """The notebook file as last saved, when the kernel knows the file (Jupyter's server sets
    JPY_SESSION_NAME to its path, relative to the server's root or absolute)."""
    path = os.environ.get("JPY_SESSION_NAME")
    if not path:
        return None
    for candidate in (path, os.path.basename(path)):
        if os.path.isfile(candidate):
            try:
                with open(candidate, encoding="utf-8") as fh:
                    return json.load(fh)
            except Exception:
                return None
    return None


def _text(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def written_answers(nb) -> list[tuple[str, str]]:
    """(name, state in words) of every written answer (an nbgrader solution cell) that is
    still empty or unchanged from the text the release left in it; its name is the heading
    above it."""
    rows, heading = [], None
    for cell in nb.get("cells", []):
        text = _text(cell)
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "markdown" and not meta.get("solution"):
            heading = heading_of(text) or heading
        if not meta.get("solution"):
            continue
        name = heading or meta.get("grade_id", "a written answer")
        body = text.strip()
        if cell.get("cell_type") == "code":
            body = "\n".join(ln for ln in body.splitlines()
                             if ln.strip() not in ("# YOUR CODE HERE", "raise NotImplementedError()"))
        if not body.strip():
            rows.append((name, "written answer still empty"))
        elif any(mark in body for mark in STUB_MARKS):
            if all(ln.strip() == "" or any(m in ln for m in STUB_MARKS) for ln in body.splitlines()):
                rows.append((name, "written answer not written yet (it still shows the "
                                   "placeholder YOUR ANSWER HERE)"))
            else:
                rows.append((name, "written answer still contains the placeholder YOUR ANSWER "
                                   "HERE: delete that line"))
    return rows


def _saved_titles(nb) -> dict[str, str]:
    titles = {}
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        try:
            for call in calls(parse_cell(_text(cell)), "form"):
                for kw in call.keywords:
                    if kw.arg == "title" and isinstance(kw.value, ast.Constant):
                        titles[call.args[0].value] = str(kw.value.value)
        except (SyntaxError, ValueError):
            continue
    return titles


def _live_words(form_id, f) -> str:
    """The state of a form run in this kernel, when the saved file is not known."""
    state = f.state()
    if state == "recorded":
        return "recorded"
    if state == "pending":
        return "NOT RECORDED — changed since last run; press Shift+Enter in its cell"
    return "empty — not answered yet"


def handin_report() -> list[tuple[str, str]]:
    """(form or written answer, state in words) for the whole notebook.

    When the kernel knows the notebook file, that file as last saved is what is checked (it
    is what is handed in): every form in it, compared with the form on screen, and every
    written answer. Otherwise, every form run in this kernel."""
    nb = _saved_notebook()
    if nb is None:
        return [(form_id, _live_words(form_id, f)) for form_id, f in _LIVE.items()]
    try:
        saved = notebook_answers(nb)
    except Exception:
        saved = {}
    titles = _saved_titles(nb)
    rows = []
    for form_id in list(saved) + [k for k in _LIVE if k not in saved]:
        f = _LIVE.get(form_id)
        name = titles.get(form_id) or getattr(f, "title", None) or form_id
        if form_id not in saved:
            rows.append((name, "not in the saved notebook — save it (Ctrl+S)"))
            continue
        if not isinstance(f, Form):
            value = saved[form_id]
            words = ("empty — not answered yet" if not isinstance(value, dict) or all(
                v in (None, "", [], {}) or (isinstance(v, (list, dict)) and not any(
                    (v.values() if isinstance(v, dict) else v))) for v in value.values())
                else "recorded (its cell has not run since the kernel started)")
            rows.append((name, words))
            continue
        on_file, _ = check_answer(f.questions, saved[form_id])
        on_file = _compact(f.questions, on_file)
        live = _compact(f.questions, f.live())
        missing = f.unanswered(live)
        if live != on_file:
            words = ("changed since the notebook was saved — save it (Ctrl+S); if the form "
                     "says to press Shift+Enter, do that in its cell first")
        elif len(missing) == len([q for q in f.questions if f.applicable(live)[q.id]]):
            words = "empty — not answered yet"
        elif missing:
            words = ("recorded and saved, but question" + ("s " if len(missing) > 1 else " ")
                     + ", ".join(map(str, missing)) + " not answered")
        else:
            words = "recorded and saved"
        rows.append((name, words))
    rows += written_answers(nb)
    return rows


def handin_check():
    """Print, for the whole notebook, which forms are recorded and saved, and which written
    answers are still empty."""
    rows = handin_report()
    if not rows:
        print("No forms have been run in this session. Run every cell (Run ▸ Run All Cells) "
              "and check again.")
        return
    width = min(48, max(len(r[0]) for r in rows))
    known = _saved_notebook() is not None
    print("Before you hand in" + (" (the notebook as last saved):" if known else ":"))
    for name, words in rows:
        print(f"  {name.ljust(width)}  {words}")
    good = ("recorded and saved",) if known else ("recorded",)
    done = sum(1 for _, words in rows if words in good)
    todo = len(rows) - done
    if known:
        print("Everything is answered and saved." if not todo else
              f"{todo} item{'s' if todo > 1 else ''} still to do (listed above).")
    else:
        print(f"{done} of {len(rows)} forms recorded.")


# --- the test cell --------------------------------------------------------------------------

def score(form_id: str, rubric: dict[str, dict] | None = None) -> float:
    """Grade the answers recorded for ``form_id``, print feedback, return the points.

    Use as the last line of an nbgrader test cell so the cell earns partial credit. In the
    instructor's notebook ``score(form_id)`` uses the key of the form's own definition; the
    hidden test that release derives from it passes the rubric explicitly.
    """
    rubric = rubric if rubric is not None else DEFINED.get(form_id)
    if rubric is None:
        print(f"Form {form_id}: no key was found for this form. 0 points.")
        return 0.0
    answers = RECORDED.get(form_id)
    if answers is None:
        print(f"Form {form_id}: no recorded answers were found (was the form cell deleted or "
              "changed?). 0 points.")
        return 0.0
    from ipt_helpers.forms.scoring import score_answers

    total, lines = score_answers(answers, rubric)
    maximum = sum(float(rule.get("points", 1)) for rule in rubric.values())
    print(f"Form {form_id}: {total:g} of {maximum:g} points")
    print("\n".join(lines))
    return total
