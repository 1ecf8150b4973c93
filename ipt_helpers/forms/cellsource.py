"""A form cell's source as Python: the one walker over ``form(...)`` and ``score(...)`` calls.

Everything that reads or rewrites cells uses this module: the kernel (recording a student's
answer into its own cell's ``answer=`` literal), release (``items``: definitions, the student
version), the check, the report and the tests. Reading a student's file uses literals only
(``read_answers``, ``notebook_answers``); nothing here runs the code it reads.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any


def _value_literal(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_value_literal(k)}: {_value_literal(v)}"
                               for k, v in value.items()) + "}"
    raise TypeError(f"an answer cannot hold {type(value).__name__}")


def to_literal(answer: dict) -> str:
    """A readable Python literal that ``ast.literal_eval`` turns back into ``answer``: one
    question per line, each value written as JSON writes it but with ``None``.

    The rule is this simple on purpose: the assignment view (labextension/src/record.ts)
    writes answers into the same cells in the browser, with no Python, and must compose
    exactly this text (tests/unit/test_record_literal.py compares the two on generated
    answers). A JSON string is a Python string literal with the same value.
    """
    if not isinstance(answer, dict):
        return _value_literal(answer)  # not a form's answer (a test writing an odd one)
    if not answer:
        return "{}"
    lines = [f"    {_value_literal(k)}: {_value_literal(v)},\n" for k, v in answer.items()]
    return "{\n" + "".join(lines) + "}"


def calls(tree: ast.AST, name: str):
    """Every call of ``name(...)`` or ``x.name(...)`` in ``tree`` whose first argument is a
    string constant (a form id): the one walker over form and score calls."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            called = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if (called == name and node.args and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                yield node


def parse_cell(source: str) -> ast.AST:
    """A code cell's syntax tree; IPython magic lines (``%``, ``!``) are read as comments."""
    try:
        return ast.parse(source)
    except SyntaxError:
        lines = ["#" + ln if ln.lstrip().startswith(("%", "!")) else ln
                 for ln in source.splitlines()]
        return ast.parse("\n".join(lines))


def _form_calls(tree: ast.AST):
    return calls(tree, "form")


def offset(lines: list[bytes], lineno: int, col: int) -> int:
    """Character offset in the source of an ast (line, utf-8 byte column) position."""
    before = b"".join(lines[: lineno - 1])
    return len(before.decode("utf-8")) + len(lines[lineno - 1][:col].decode("utf-8"))


def _form_call(source: str, form_id: str):
    """The source's lines (bytes) and the form call ``form_id`` with its ``answer=`` keyword
    (None when it has none). Raises ValueError when the source is not plain Python or has
    no such form call."""
    for call in _form_calls(ast.parse(source)):
        if call.args[0].value == form_id:
            answer = next((kw for kw in call.keywords if kw.arg == "answer"), None)
            return source.encode("utf-8").splitlines(keepends=True), call, answer
    raise ValueError(f"no form({form_id!r}, ...) call in this cell")


def answer_span(source: str, form_id: str) -> tuple[int, int] | None:
    """Where the ``answer=`` value of the form call ``form_id`` is in ``source`` (start, end),
    or None when the call has no ``answer=``.

    Raises ValueError when the source is not plain Python or has no such form call.
    """
    lines, _, kw = _form_call(source, form_id)
    return None if kw is None else _value_span(lines, kw)


def _value_span(lines: list[bytes], kw: ast.keyword) -> tuple[int, int]:
    return (offset(lines, kw.value.lineno, kw.value.col_offset),
            offset(lines, kw.value.end_lineno, kw.value.end_col_offset))


def rewrite_answer(source: str, form_id: str, answer: dict | None) -> str:
    """Return ``source`` with the ``answer=`` of the form call ``form_id`` set to ``answer``.

    Raises ValueError when the source is not plain Python or has no such form call.
    """
    literal = "None" if answer is None else to_literal(answer)
    lines, call, kw = _form_call(source, form_id)
    if kw is not None:
        start, end = _value_span(lines, kw)
        return source[:start] + literal + source[end:]
    end = offset(lines, call.end_lineno, call.end_col_offset) - 1  # before ")"
    head = source[:end].rstrip()
    sep = " " if head.endswith(",") else ", "
    return head + sep + "answer=" + literal + source[end:]


def read_answers(source: str) -> dict[str, Any]:
    """Every form id in ``source`` with the literal value of its ``answer=`` (None if absent
    or not a literal)."""
    found = {}
    for call in _form_calls(ast.parse(source)):
        value = None
        for kw in call.keywords:
            if kw.arg == "answer":
                try:
                    value = ast.literal_eval(kw.value)
                except ValueError:
                    value = None
        found[call.args[0].value] = value
    return found


def notebook_answers(nb) -> dict[str, Any]:
    """{form id: recorded answer} for every form cell of a notebook (literals only: safe on
    a student's file)."""
    found = {}
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            src = cell.get("source", "")
            try:
                found.update(read_answers("".join(src) if isinstance(src, list) else src))
            except SyntaxError:
                continue
    return found


def heading_of(text: str) -> str | None:
    """The first Markdown heading of a cell's text, without its emphasis marks (a case's
    name: what a form is titled with and what its hand-in check lists)."""
    for line in text.splitlines():
        m = re.match(r"\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", line)
        if m:
            return re.sub(r"[*_`]", "", m.group(1)).strip()
    return None
