"""A form's key-free description: what the assignment view draws, with no kernel and no Python.

Release writes one into each student form cell's metadata (``metadata.ipt.form``); the
``ipt-forms`` extension renders the form from it as native HTML controls and writes the
student's answers back into the cell's ``answer=`` literal (``cellsource.to_literal``'s rule).
It holds what the student sees anyway (ids, prompts, options, points, conditions) and never a
key field (``scoring.KEY_FIELDS``): it is made from the student's source, after the keys are
removed, and ``form-description.schema.json`` (which ``ipt-course check`` applies to every
form before release) admits no other field.

``record`` is the cell's source around its answer literal as release leaves it: the view
checks the cell still starts and ends with it before writing, so an answer lands only where
``rewrite_answer`` would put it.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from ipt_helpers.forms.cellsource import answer_span
from ipt_helpers.forms.scoring import conditions

VERSION = 1
SCHEMA_FILE = Path(__file__).with_name("form-description.schema.json")


@cache
def schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def _pairs(options) -> list[dict]:
    return [{"label": str(label), "key": key} for label, key in options]


def question_description(q) -> dict:
    """One question as the view draws it."""
    kind = type(q).__name__
    out = {"id": q.id, "kind": kind, "prompt": q.prompt, "points": q.points}
    if q.when:
        out["when"] = conditions({"when": q.when})
    if kind in ("Single", "Multi"):
        out["options"] = _pairs(q.options)
    elif kind == "Order":
        out["items"] = _pairs(q.items)
    elif kind == "Sort":
        out.update(items=_pairs(q.items), categories=_pairs(q.categories),
                   multiple=bool(q.multiple))
    elif kind == "Text":
        out["placeholder"] = q.placeholder
    return out


def describe(definition, source: str) -> dict:
    """The description of one form (a ``FormDefinition`` read from ``source``, the student's
    cell, which has ``answer=`` already)."""
    span = answer_span(source, definition.form_id)
    if span is None:
        raise ValueError(f"form {definition.form_id!r} has no answer= to record into")
    start, end = span
    return {
        "version": VERSION,
        "id": definition.form_id,
        "title": definition.title or f"Form {definition.form_id}",
        "questions": [question_description(q) for q in definition.questions],
        "record": {"before": source[:start], "after": source[end:]},
    }


def cell_descriptions(source: str) -> list[dict]:
    """The descriptions of a student form cell's forms (one in every course notebook)."""
    from ipt_helpers.forms.items import definitions_in

    return [describe(d, source) for d in definitions_in(source)]


def problems(description: dict) -> list[str]:
    """What is wrong with a description, by the schema and by what the schema cannot say
    (ids unique, conditions naming earlier questions and their options)."""
    import jsonschema

    found = [f"{'/'.join(map(str, e.absolute_path)) or 'description'}: {e.message}"
             for e in jsonschema.Draft202012Validator(schema()).iter_errors(description)]
    if found:
        return found
    seen: dict[str, dict] = {}
    for q in description["questions"]:
        if q["id"] in seen:
            found.append(f"question {q['id']!r}: the id is used twice")
        for target, allowed in q.get("when", {}).items():
            other = seen.get(target)
            if other is None:
                found.append(f"question {q['id']!r}: its condition names {target!r}, which is "
                             "not a question before it")
                continue
            keys = {o["key"] for o in other.get("options", [])}
            bad = [a for a in allowed if keys and a not in keys]
            if bad:
                found.append(f"question {q['id']!r}: its condition accepts {bad[0]!r}, which is "
                             f"not an option of {target!r}")
        for field in ("options", "items", "categories"):
            keys = [o["key"] for o in q.get(field, [])]
            if len(keys) != len(set(keys)):
                found.append(f"question {q['id']!r}: a key is used twice in its {field}")
        seen[q["id"]] = q
    return found
