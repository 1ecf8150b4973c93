"""Scoring recorded answers against a key and rubric, for nbgrader's hidden test cells.

A hidden test cell ends with ``score(form_id, rubric)``. The cell's value is the points
earned (nbgrader's numeric partial credit); feedback goes to stdout, never stderr (which
would zero the cell). The rubric maps question ids to one rule each:

- ``{"points": 2, "accept": {"grief": 1, "role_transition": 0.5}}`` — single choice; each
  defensible answer earns its fraction of the points.
- ``{"points": 2, "correct": [...], "neutral": [...]}`` — multiple choice; (right ticks −
  wrong ticks) / number right, floored at 0; ``neutral`` options neither earn nor cost.
- ``{"points": 2, "order": [...]}`` or ``{"order": [[...], [...]]}`` — ordering; the share
  of pairs in the right relative order (best over the accepted orders); exact order = full.
- ``{"points": 3, "placement": {item: category or [categories]}}`` — sorting; the share of
  items placed in an accepted category.
- ``{"points": 3, "tags": {item: [categories]}}`` — sorting with several categories per item;
  (right ticks − wrong ticks) / number right, floored at 0.

Optional in any rule: ``"feedback": {option: text}`` shown when the student chose that
option, and ``"explain": text`` shown whenever the answer is not fully right.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

from .recording import RECORDED


def _fraction_single(rule, value):
    accept = rule["accept"]
    if isinstance(accept, (list, tuple)):
        accept = {a: 1.0 for a in accept}
    return float(accept.get(value, 0.0)) if isinstance(value, str) else 0.0


def _fraction_multi(rule, value):
    chosen = set(v for v in value if isinstance(v, str)) if isinstance(value, list) else set()
    correct = set(rule["correct"])
    neutral = set(rule.get("neutral", ()))
    right = len(chosen & correct)
    wrong = len(chosen - correct - neutral)
    return max(0.0, (right - wrong) / len(correct)) if correct else float(not (chosen - neutral))


def _pairs_in_order(key, value):
    position = {item: i for i, item in enumerate(value) if isinstance(item, str)}
    if len(position) != len([v for v in value if v is not None]):
        # an item used twice: keep only its first position
        position = {}
        for i, item in enumerate(value):
            if isinstance(item, str) and item not in position:
                position[item] = i
    pairs = list(combinations(key, 2))
    good = sum(1 for a, b in pairs if a in position and b in position and position[a] < position[b])
    return good / len(pairs) if pairs else float(value == list(key))


def _fraction_order(rule, value):
    if not isinstance(value, list) or not any(isinstance(v, str) for v in value):
        return 0.0
    orders = rule["order"]
    if orders and isinstance(orders[0], str):
        orders = [orders]
    return max(_pairs_in_order(list(order), value) for order in orders)


def _fraction_placement(rule, value):
    if not isinstance(value, dict):
        return 0.0
    key = rule["placement"]
    right = 0
    for item, accepted in key.items():
        accepted = [accepted] if isinstance(accepted, str) else list(accepted)
        if value.get(item) in accepted:
            right += 1
    return right / len(key) if key else 0.0


def _fraction_tags(rule, value):
    if not isinstance(value, dict):
        return 0.0
    right = wrong = total = 0
    for item, tags in rule["tags"].items():
        got = value.get(item)
        got = set(g for g in got if isinstance(g, str)) if isinstance(got, list) else set()
        right += len(got & set(tags))
        total += len(tags)
    for item, got in value.items():
        if isinstance(got, list):
            wrong += len(set(g for g in got if isinstance(g, str)) - set(rule["tags"].get(item, ())))
    return max(0.0, (right - wrong) / total) if total else 0.0


RULES = {
    "accept": _fraction_single,
    "correct": _fraction_multi,
    "order": _fraction_order,
    "placement": _fraction_placement,
    "tags": _fraction_tags,
}


def rule_kind(rule: dict) -> str:
    kinds = [k for k in RULES if k in rule]
    if len(kinds) != 1:
        raise ValueError(f"a rubric rule needs exactly one of {sorted(RULES)}: {rule!r}")
    return kinds[0]


def _is_blank(value) -> bool:
    if value in (None, "", [], {}):
        return True
    if isinstance(value, list):
        return all(v is None for v in value)
    if isinstance(value, dict):
        return all(v in (None, []) for v in value.values())
    return False


def _verdict(fraction: float, blank: bool) -> str:
    if blank:
        return "Not answered"
    if fraction >= 1:
        return "Correct"
    return "Partly correct" if fraction > 0 else "Not correct"


def _chosen_feedback(rule, value) -> list[str]:
    notes = rule.get("feedback", {})
    chosen = value if isinstance(value, list) else list(value.values()) if isinstance(value, dict) else [value]
    flat = []
    for c in chosen:
        flat.extend(c if isinstance(c, list) else [c])
    chosen_keys = dict.fromkeys(c for c in flat if isinstance(c, str))
    return [notes[c] for c in chosen_keys if c in notes]


def grade(answers: Any, rubric: dict[str, dict]) -> tuple[float, list[str]]:
    """Points earned and feedback lines for one form's answers. Never raises on ``answers``."""
    if not isinstance(answers, dict):
        answers = {}
    total = 0.0
    lines = []
    for qid, rule in rubric.items():
        points = float(rule.get("points", 1))
        value = answers.get(qid)
        blank = _is_blank(value)
        try:
            fraction = 0.0 if blank else min(1.0, max(0.0, RULES[rule_kind(rule)](rule, value)))
        except Exception:  # malformed recorded value: unanswered, never a crash
            fraction, blank = 0.0, True
        earned = round(points * fraction, 2)
        total += earned
        lines.append(f"[{_verdict(fraction, blank)}] {qid}: {earned:g} of {points:g} points")
        if not blank:
            lines.extend(f"    {note}" for note in _chosen_feedback(rule, value))
        if fraction < 1 and rule.get("explain"):
            lines.append(f"    Why: {rule['explain']}")
    return round(total, 2), lines


def score(form_id: str, rubric: dict[str, dict]) -> float:
    """Grade the answers recorded for ``form_id``, print feedback, return the points.

    Use as the last line of an nbgrader hidden test cell so the cell earns partial credit.
    """
    answers = RECORDED.get(form_id)
    if answers is None:
        print(f"Form {form_id}: no recorded answers were found (was the form cell deleted or "
              "changed?). 0 points.")
        return 0.0
    total, lines = grade(answers, rubric)
    maximum = sum(float(rule.get("points", 1)) for rule in rubric.values())
    print(f"Form {form_id}: {total:g} of {maximum:g} points")
    print("\n".join(lines))
    return total
