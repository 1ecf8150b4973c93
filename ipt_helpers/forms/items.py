"""Items defined once: a form cell in the instructor's notebook is the whole definition.

A form cell such as::

    form("case-b", [
        Single("focus", "Which focus would you propose first?", options("problem_area"),
               points=2, accept={"role_transition": 1, "role_dispute": 1},
               explain="Both readings are defensible ..."),
        Single("stage", "If you chose a role dispute, at which stage ...?",
               options("dispute_stage"), when={"focus": "role_dispute"},
               points=1, accept={"renegotiation": 1}),
    ])

holds the questions with their key, partial credit, feedback and explanation. Its graded
test cell, in the source, is only ``score("case-b")``. From the definition this module
derives what nbgrader needs (``ipt_helpers.course.release.student_version`` applies it at release time):

- the student's form cell: the same call with the key fields removed and ``answer=None``;
- the hidden test: ``score("case-b", {rubric})``, which reaches only the instructor's and
  the autograded files (nbgrader keeps it in the gradebook and strips it from the release);
- the answers that earn full marks (what ``nbgrader validate`` runs in the source);
- the concepts each item tests (for the report).

Definitions are evaluated with the question types and the domain model only; this module
reads instructors' source notebooks, never a student's file (which is read as literals,
``recording.notebook_answers``).
"""

from __future__ import annotations

import ast
import json
import pprint
from dataclasses import dataclass, field
from typing import Any

from ipt_helpers.forms import model
from ipt_helpers.forms import questions as widgets
from ipt_helpers.forms.cellsource import calls, parse_cell, rewrite_answer
from ipt_helpers.forms.scoring import KEY_FIELDS, RULES, Rule

#: What a form definition may use.
NAMESPACE = {name: getattr(widgets, name) for name in ("Single", "Multi", "Order", "Sort", "Text")}
NAMESPACE.update(options=model.options, label=model.label, term=model.term)

TEST_HEADER = "# Hidden tests grade form {form_id} when your work is graded."


class DefinitionError(ValueError):
    """A form cell that cannot be read as a definition."""


@dataclass
class FormDefinition:
    form_id: str
    questions: list
    title: str | None = None
    answer: Any = None

    def rubric(self) -> dict[str, dict]:
        """{question id: rule} for the questions that carry a key."""
        out = {}
        for q in self.questions:
            rule = rule_of(q)
            if rule is not None:
                out[q.id] = rule
        return out

    def points(self) -> float:
        return sum(float(r.get("points", 1)) for r in self.rubric().values())


def rule_kind_of(question) -> Rule | None:
    """The kind of rule that scores ``question`` (None for written answers)."""
    for rule in RULES.values():
        if rule.question == type(question).__name__ and (
                rule.multiple is None or rule.multiple == getattr(question, "multiple", None)):
            return rule
    return None


def rule_of(question) -> dict | None:
    """The rubric rule for one question, or None when it carries no key."""
    kind = rule_kind_of(question)
    if kind is None or getattr(question, kind.field, None) is None:
        return None
    rule: dict[str, Any] = {"points": question.points, kind.field: getattr(question, kind.field)}
    for extra in kind.extra:
        if getattr(question, extra, None):
            rule[extra] = getattr(question, extra)
    for name in ("feedback", "explain", "when"):
        if getattr(question, name, None):
            rule[name] = getattr(question, name)
    return rule



# --- reading definitions ----------------------------------------------------------------------

def _evaluate(call: ast.Call, source: str) -> FormDefinition:
    captured = {}

    def form(form_id, questions, *, answer=None, title=None):
        captured.update(form_id=form_id, questions=list(questions), answer=answer, title=title)

    try:
        code = compile(ast.Expression(body=call), "<form cell>", "eval")
        eval(code, {"__builtins__": {}, **NAMESPACE, "form": form})  # noqa: S307 (instructor's source)
    except Exception as err:
        raise DefinitionError(f"the form call cannot be read ({type(err).__name__}: {err})") from err
    return FormDefinition(**captured)


def definitions_in(source: str) -> list[FormDefinition]:
    """The form definitions of one code cell (an empty list when it has none)."""
    try:
        tree = parse_cell(source)
    except SyntaxError:
        return []
    return [_evaluate(call, source) for call in calls(tree, "form")]


def scored_form(source: str) -> tuple[str, dict | None] | None:
    """For a test cell: (form id, explicit rubric or None) of its ``score(...)`` call."""
    try:
        tree = parse_cell(source)
    except SyntaxError:
        return None
    for call in calls(tree, "score"):
        rubric = None
        if len(call.args) > 1:
            try:
                rubric = ast.literal_eval(call.args[1])
            except (ValueError, TypeError, SyntaxError, RecursionError):
                rubric = None
        return call.args[0].value, rubric
    return None


@dataclass
class Item:
    """One autograded item of a notebook: a form definition and its graded test cell."""

    definition: FormDefinition
    form_cell: int
    test_cell: int | None = None
    grade_id: str | None = None
    points: float | None = None

    @property
    def form_id(self) -> str:
        return self.definition.form_id


@dataclass
class NotebookItems:
    items: list[Item] = field(default_factory=list)
    #: (cell index, form id, explicit rubric or None) of every test cell with a score() call
    tests: list[tuple[int, str, dict | None]] = field(default_factory=list)
    #: (cell index, message) of form cells that could not be read
    errors: list[tuple[int, str]] = field(default_factory=list)


def notebook_items(nb) -> NotebookItems:
    """Every form definition of a notebook, each with the graded test cell that scores it."""
    found = NotebookItems()
    by_id: dict[str, Item] = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {})
        scored = scored_form(cell.source) if meta.get("grade") else None
        if scored:
            form_id, rubric = scored
            found.tests.append((index, form_id, rubric))
            item = by_id.get(form_id)
            if item is not None and item.test_cell is None:
                item.test_cell, item.grade_id = index, meta.get("grade_id")
                item.points = float(meta.get("points", 0))
            continue
        try:
            defs = definitions_in(cell.source)
        except DefinitionError as err:
            found.errors.append((index, str(err)))
            continue
        for definition in defs:
            item = Item(definition, index)
            found.items.append(item)
            by_id.setdefault(definition.form_id, item)
    return found


# --- what is derived --------------------------------------------------------------------------

def _segment(source: str, node: ast.AST) -> str:
    return ast.get_source_segment(source, node, padded=False)


def student_source(source: str) -> str:
    """A form cell as the student receives it: every question call without its key fields
    (``KEY_FIELDS``), every form's ``answer=None``. Unchanged when the cell has no form."""
    try:
        tree = parse_cell(source)
    except SyntaxError:
        return source
    lines = source.encode("utf-8").splitlines(keepends=True)

    def offset(lineno, col):
        return len(b"".join(lines[: lineno - 1]).decode("utf-8")) + len(lines[lineno - 1][:col].decode("utf-8"))

    edits = []
    for form_call in calls(tree, "form"):
        for node in ast.walk(form_call):
            if not (isinstance(node, ast.Call) and any(kw.arg in KEY_FIELDS for kw in node.keywords)):
                continue
            parts = [_segment(source, a) for a in node.args]
            parts += [f"{kw.arg}={_segment(source, kw.value)}" for kw in node.keywords
                      if kw.arg not in KEY_FIELDS]
            head = f"{_segment(source, node.func)}("
            text = head + ", ".join(parts) + ")"
            if max(len(line) for line in text.splitlines()) + node.col_offset > 96:
                text = head + (",\n" + " " * (node.col_offset + len(head))).join(parts) + ")"
            edits.append((offset(node.lineno, node.col_offset),
                          offset(node.end_lineno, node.end_col_offset), text))
    for start, end, text in sorted(edits, reverse=True):
        source = source[:start] + text + source[end:]
    for definition_call in calls(parse_cell(source), "form"):
        source = rewrite_answer(source, definition_call.args[0].value, None)
    return source


def hidden_test(form_id: str, rubric: dict[str, dict]) -> str:
    """The hidden test cell that scores ``form_id`` with its key."""
    return (f"{TEST_HEADER.format(form_id=form_id)}\n"
            "### BEGIN HIDDEN TESTS\n"
            "from ipt_helpers.forms.recording import score\n"
            f"score({json.dumps(form_id)}, {pprint.pformat(rubric, width=88, sort_dicts=False)})\n"
            "### END HIDDEN TESTS")


def concepts(rubric: dict[str, dict]) -> list[str]:
    """The domain-model keys an item tests (its keys worth credit), in first-seen order."""
    found: list[str] = []
    for rule in rubric.values():
        found += [k for k in rule_concepts(rule) if k not in found]
    return found


def rule_concepts(rule: dict) -> list[str]:
    """The domain-model keys one rule tests, in first-seen order; ``accept`` options worth
    no credit are not counted."""
    found: list[str] = []

    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for k, v in value.items():
                yield from strings(k)
                yield from strings(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                yield from strings(v)

    for name in RULES:
        value = rule.get(name)
        if name == "accept" and isinstance(value, dict):
            value = [k for k, credit in value.items() if credit > 0]
        for s in strings(value):
            if s not in found and _is_term(s):
                found.append(s)
    return found


def _is_term(key: str) -> bool:
    try:
        model.term(key)
    except KeyError:
        return False
    return True
