"""Question types for case-formulation forms, and the ipywidgets that answer them.

Each question knows its options, how to check a recorded value (``check``), how to build
labelled, keyboard-operable controls (``build``) and how to read their value (``read``).
Values are plain Python data (str, list, dict, None) so they can be written into a cell's
source as a literal and read back with ``ast.literal_eval``.

In an instructor's source notebook a question also carries its key and teaching feedback
(``points``, the key field of its rule kind — ``accept``, ``correct``/``neutral``, ``order``,
``placement`` or ``tags`` — ``feedback``, ``explain``) and, when it only applies after a
given answer to another question, ``when``. Those are keyword-only; the student's version
of the cell keeps only ``points`` and ``when`` (``ipt_helpers.forms.items``).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any



class _Widgets:
    """ipywidgets, imported when a form is first drawn: checking, scoring and deriving items
    (the instructor's commands, the book build) never draw one, so never import it."""

    def __getattr__(self, name):
        import ipywidgets

        return getattr(ipywidgets, name)


w = _Widgets()

Option = tuple[str, str]  # (label shown to the student, key recorded)

#: The first entry of every dropdown: nothing chosen yet (its value "" is read as None; a
#: value of None would show an empty dropdown instead of this hint).
CHOOSE = "choose…"


class BadValue(ValueError):
    """A recorded value that does not fit its question."""


def _as_options(options) -> list[Option]:
    """Accept [(label, key)], [key] or {key: label}; return [(label, key)]."""
    if isinstance(options, dict):
        return [(str(label), str(key)) for key, label in options.items()]
    out = []
    for item in options:
        if isinstance(item, (tuple, list)) and len(item) == 2:
            out.append((str(item[0]), str(item[1])))
        else:
            out.append((str(item), str(item)))
    return out


def _prompt(number: int, text: str) -> w.HTML:
    return w.HTML(f"<b>{number}. {html.escape(text)}</b>")


@dataclass
class Question:
    """Base class: an id (key in the recorded answer) and a prompt shown to the student."""

    id: str
    prompt: str
    points: float = field(default=1, kw_only=True)
    feedback: dict = field(default_factory=dict, kw_only=True)
    explain: str = field(default="", kw_only=True)
    when: dict | None = field(default=None, kw_only=True)

    kind = "question"

    def check(self, value: Any) -> Any:
        """Return the value normalised, or raise BadValue with a message for the student."""
        raise NotImplementedError

    def is_empty(self, value: Any) -> bool:
        return value in (None, "", [], {})

    def describe(self, value: Any) -> str:
        """The answer in words, for the text summary and the feedback."""
        return "(not answered)" if self.is_empty(value) else str(value)


@dataclass
class Choice(Question):
    """A question answered by choosing among options."""

    options: list = field(default_factory=list)

    def __post_init__(self):
        self.options = _as_options(self.options)

    def keys(self) -> list[str]:
        return [key for _, key in self.options]

    def label_of(self, key) -> str:
        return dict((k, lab) for lab, k in self.options).get(key, str(key))


@dataclass
class Single(Choice):
    """Pick exactly one option (radio buttons)."""

    accept: dict | list | None = field(default=None, kw_only=True)
    kind = "single choice"

    def check(self, value):
        if value is None:
            return None
        if not isinstance(value, str) or value not in self.keys():
            raise BadValue(f"{value!r} is not one of the options")
        return value

    def describe(self, value):
        return "(not answered)" if value is None else self.label_of(value)

    def build(self, value):
        control = w.RadioButtons(
            options=self.options, value=value, description="Answer:",
            layout=w.Layout(width="auto"), style={"description_width": "initial"},
        )
        return [control], control

    def read(self, control):
        return control.value


@dataclass
class Multi(Choice):
    """Tick every option that applies (checkboxes)."""

    correct: list | None = field(default=None, kw_only=True)
    neutral: list = field(default_factory=list, kw_only=True)
    kind = "multiple choice"

    def check(self, value):
        if value is None:
            return []
        if not isinstance(value, (list, tuple)):
            raise BadValue("expected a list of options")
        bad = [v for v in value if v not in self.keys()]
        if bad:
            raise BadValue(f"{bad[0]!r} is not one of the options")
        return [k for k in self.keys() if k in value]

    def describe(self, value):
        if not value:
            return "(not answered)"
        return "; ".join(self.label_of(v) for v in value)

    def build(self, value):
        boxes = [
            w.Checkbox(value=key in (value or []), description=label, indent=False,
                       layout=w.Layout(width="auto"))
            for label, key in self.options
        ]
        return boxes, boxes

    def read(self, boxes):
        return [key for (_, key), box in zip(self.options, boxes) if box.value]


@dataclass
class Order(Question):
    """Put items in sequence: one dropdown per position ("Step 1", "Step 2", …)."""

    items: list = field(default_factory=list)
    order: list | None = field(default=None, kw_only=True)
    kind = "ordering"

    def __post_init__(self):
        self.items = _as_options(self.items)

    def keys(self):
        return [key for _, key in self.items]

    def label_of(self, key):
        return dict((k, lab) for lab, k in self.items).get(key, str(key))

    def is_empty(self, value):
        return not value or all(v is None for v in value)

    def check(self, value):
        if value is None:
            return [None] * len(self.items)
        if not isinstance(value, (list, tuple)) or len(value) != len(self.items):
            raise BadValue(f"expected a list of {len(self.items)} positions")
        for v in value:
            if v is not None and v not in self.keys():
                raise BadValue(f"{v!r} is not one of the items")
        return list(value)

    def describe(self, value):
        if self.is_empty(value):
            return "(not answered)"
        return " → ".join(self.label_of(v) if v else "(empty)" for v in value)

    def build(self, value):
        value = value or [None] * len(self.items)
        choices = [(CHOOSE, "")] + self.items
        drops = [
            w.Dropdown(options=choices, value=v or "", description=f"Step {i}:",
                       style={"description_width": "initial"}, layout=w.Layout(width="auto"))
            for i, v in enumerate(value, start=1)
        ]
        return drops, drops

    def read(self, drops):
        return [d.value or None for d in drops]

    def problems(self, value):
        chosen = [v for v in value if v is not None]
        if len(chosen) != len(set(chosen)):
            return "an item is used in more than one step"
        if chosen and len(chosen) < len(self.items):
            return "some steps are still empty"
        return ""


@dataclass
class Sort(Question):
    """Place each item in a category (a dropdown per item), or, with ``multiple=True``,
    tick every category that applies to it (e.g. supportive / conflictual)."""

    items: list = field(default_factory=list)
    categories: list = field(default_factory=list)
    multiple: bool = False
    placement: dict | None = field(default=None, kw_only=True)
    tags: dict | None = field(default=None, kw_only=True)
    kind = "sorting"

    def __post_init__(self):
        self.items = _as_options(self.items)
        self.categories = _as_options(self.categories)

    def item_keys(self):
        return [key for _, key in self.items]

    def category_keys(self):
        return [key for _, key in self.categories]

    def category_label(self, key):
        return dict((k, lab) for lab, k in self.categories).get(key, str(key))

    def is_empty(self, value):
        return not value or all(v in (None, []) for v in value.values())

    def check(self, value):
        empty = [] if self.multiple else None
        if value is None:
            return {k: empty for k in self.item_keys()}
        if not isinstance(value, dict):
            raise BadValue("expected a mapping from items to categories")
        out = {}
        for item in self.item_keys():
            got = value.get(item, empty)
            if self.multiple:
                if got is None:
                    got = []
                if not isinstance(got, (list, tuple)) or any(
                        g not in self.category_keys() for g in got):
                    raise BadValue(f"the entry for {item!r} is not a list of categories")
                got = [c for c in self.category_keys() if c in got]
            elif got is not None and got not in self.category_keys():
                raise BadValue(f"{got!r} is not one of the categories")
            out[item] = got
        unknown = set(value) - set(self.item_keys())
        if unknown:
            raise BadValue(f"{sorted(map(str, unknown))[0]!r} is not one of the items")
        return out

    def describe(self, value):
        if self.is_empty(value):
            return "(not answered)"
        parts = []
        for label, key in self.items:
            got = value.get(key)
            if self.multiple:
                shown = ", ".join(self.category_label(g) for g in got) or "none"
            else:
                shown = self.category_label(got) if got else "(not placed)"
            parts.append(f"{label}: {shown}")
        return "; ".join(parts)

    def build(self, value):
        value = self.check(value)
        rows, controls = [], []
        for label, key in self.items:
            if self.multiple:
                boxes = [
                    w.Checkbox(value=c in value[key], description=f"{clabel} ({label})",
                               indent=False, layout=w.Layout(width="auto"))
                    for clabel, c in self.categories
                ]
                rows.append(w.HBox([w.Label(f"{label}:")] + boxes))
                controls.append(boxes)
            else:
                drop = w.Dropdown(options=[(CHOOSE, "")] + self.categories, value=value[key] or "",
                                  description=f"{label}:", style={"description_width": "initial"},
                                  layout=w.Layout(width="auto"))
                rows.append(drop)
                controls.append(drop)
        return rows, controls

    def read(self, controls):
        out = {}
        for (_, key), control in zip(self.items, controls):
            if self.multiple:
                out[key] = [c for (_, c), box in zip(self.categories, control) if box.value]
            else:
                out[key] = control.value or None
        return out


@dataclass
class Text(Question):
    """A short written answer (marked by hand; never autograded)."""

    placeholder: str = "Type your answer here"
    kind = "short text"

    def check(self, value):
        if value is None:
            return ""
        if not isinstance(value, str):
            raise BadValue("expected text")
        return value

    def build(self, value):
        box = w.Textarea(value=value or "", placeholder=self.placeholder, description="Answer:",
                         style={"description_width": "initial"},
                         layout=w.Layout(width="95%", height="6em"))
        return [box], box

    def read(self, box):
        return box.value


def controls_of(control) -> list:
    """Flatten a question's control structure into the widgets to observe."""
    if isinstance(control, list):
        out = []
        for c in control:
            out.extend(controls_of(c))
        return out
    return [control]


def prompt_widget(number: int, question: Question) -> w.HTML:
    return _prompt(number, question.prompt)
