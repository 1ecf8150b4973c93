"""Scoring recorded answers against a key, for nbgrader's hidden test cells.

A hidden test cell ends with ``score(form_id, rubric)`` (``ipt_helpers.forms.recording``, which
holds the recorded answers). The cell's value is the points
earned (nbgrader's numeric partial credit); feedback goes to stdout, never stderr (which
would zero the cell). The rubric maps question ids to one rule each; ``RULES`` below is the
one table of rule kinds (the question type each scores, the field holding its key, how an
answer earns its fraction, and the answer that earns full marks). Instructors do not write
rubrics by hand: each question's key is part of its definition in the form cell
(``Single(..., accept={...})``) and ``ipt_helpers.forms.items`` derives the rubric from it.

- ``accept`` (Single): ``{"grief": 1, "role_transition": 0.5}`` — each defensible answer
  earns its fraction of the points.
- ``correct`` (Multi), optional ``neutral``: (right ticks − wrong ticks) / number right,
  floored at 0; ``neutral`` options neither earn nor cost.
- ``order`` (Order): one order or several accepted ones; the share of pairs in the right
  relative order (best over the accepted orders); exact order = full.
- ``placement`` (Sort): ``{item: category or [categories]}`` — the share of items placed in
  an accepted category.
- ``tags`` (Sort with ``multiple=True``): ``{item: [categories]}`` — (right ticks − wrong
  ticks) / number right, floored at 0.

Any rule may carry ``points`` (default 1), ``feedback`` ({option: text}, shown when the
student chose that option), ``explain`` (shown whenever the answer is not fully right) and
``when`` ({question id: answer or [answers]}): the question applies only after one of those
answers; when it does not apply it is not scored and its points count with the question
it depends on, and an answer left in it counts as none (``applicable``; the widgets and the
front ends record it as the question's empty value, ``clear_inapplicable``).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any, Callable



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


def _best_single(rule):
    accept = rule["accept"]
    if isinstance(accept, (list, tuple)):
        return accept[0] if accept else None
    return max(accept, key=lambda k: accept[k]) if accept else None


def _best_placement(rule):
    return {item: accepted if isinstance(accepted, str) else list(accepted)[0]
            for item, accepted in rule["placement"].items()}


def _best_order(rule):
    orders = rule["order"]
    return list(orders if orders and isinstance(orders[0], str) else orders[0])


@dataclass(frozen=True)
class Rule:
    """One kind of scoring rule."""

    field: str                         # the rule's key field, also the question's attribute
    question: str                      # the question type it scores (ipt_helpers.forms.questions)
    fraction: Callable[[dict, Any], float]  # (rule, recorded value) -> share of the points
    best: Callable[[dict], Any]        # rule -> a recorded value that earns full marks
    extra: tuple[str, ...] = ()        # other key fields this kind may carry
    multiple: bool | None = None       # Sort only: which kind of sorting question


RULES: dict[str, Rule] = {r.field: r for r in (
    Rule("accept", "Single", _fraction_single, _best_single),
    Rule("correct", "Multi", _fraction_multi, lambda r: list(r["correct"]), extra=("neutral",)),
    Rule("order", "Order", _fraction_order, _best_order),
    Rule("placement", "Sort", _fraction_placement, _best_placement, multiple=False),
    Rule("tags", "Sort", _fraction_tags, lambda r: {k: list(v) for k, v in r["tags"].items()},
         multiple=True),
)}
#: Fields any rule may carry besides its kind's own.
COMMON_FIELDS = ("points", "feedback", "explain", "when")
#: Everything of a rule a student must not see: the key fields, the feedback and explanation.
KEY_FIELDS = tuple(f for r in RULES.values() for f in (r.field, *r.extra)) + ("feedback", "explain")


def rule_kind(rule: dict) -> str:
    kinds = [k for k in RULES if k in rule]
    if len(kinds) != 1:
        raise ValueError(f"a rubric rule needs exactly one of {sorted(RULES)}: {rule!r}")
    return kinds[0]


def conditions(rule: dict) -> dict[str, list]:
    """A rule's ``when`` as {question id: [answers after which it applies]}."""
    when = rule.get("when") or {}
    return {q: list(v) if isinstance(v, (list, tuple)) else [v] for q, v in when.items()}


def applies(rule: dict, answers: dict) -> bool:
    """Whether every condition of the rule's ``when`` holds for these answers, one level
    deep (the questions it names are not asked whether they apply: see ``applicable``)."""
    return all(answers.get(q) in allowed for q, allowed in conditions(rule).items())


def applicable(whens: dict[str, dict | None], answers: dict) -> dict[str, bool]:
    """{question id: whether it applies}, for questions given as {id: their ``when``}.

    A question applies when every condition of its ``when`` holds (``applies``) and every
    question its ``when`` names applies itself: an answer left in a question that does not
    apply counts as no answer, so it never makes a question that depends on it apply. (A
    ``when`` names only options of an earlier question, never an empty value, so this is the
    same as clearing each question that does not apply and checking again until nothing
    changes.) A named question that is not among ``whens`` counts as applying."""
    apply = {qid: True for qid in whens}
    changed = True
    while changed:
        changed = False
        for qid, when in whens.items():
            if not apply[qid] or not when:
                continue
            for other, allowed in conditions({"when": when}).items():
                if not apply.get(other, True) or answers.get(other) not in allowed:
                    apply[qid], changed = False, True
                    break
    return apply


def clear_inapplicable(questions, answers: dict) -> dict:
    """The answers with each question that does not apply (``applicable``) holding its empty
    value, the value ``q.check(None)`` gives: Single None, Multi [], Order [None] * number
    of items, Sort {item: None} (with ``multiple=True`` {item: []}), Text "". The other
    answers, and keys that name no question, are kept as they are.

    ``questions`` are question objects (``ipt_helpers.forms.questions``: an ``id``, a
    ``when``, a ``check``). This is the one rule for a conditional question that stops
    applying: the widgets record it, a recorded answer read back from a file is cleaned
    by it, and a front end that records answers must write the same values."""
    apply = applicable({q.id: q.when for q in questions}, answers)
    out = dict(answers)
    for q in questions:
        if not apply[q.id]:
            out[q.id] = q.check(None)
    return out


def _applicable_rules(rubric: dict[str, dict], answers: dict) -> dict[str, bool]:
    return applicable({qid: rule.get("when") for qid, rule in rubric.items()}, answers)


def effective_points(rubric: dict[str, dict], answers: dict) -> tuple[dict[str, float], dict[str, str]]:
    """Each question's points for these answers, and {question: the question its points
    moved to} for conditional questions that do not apply."""
    points = {qid: float(rule.get("points", 1)) for qid, rule in rubric.items()}
    apply = _applicable_rules(rubric, answers)
    moved = {}
    for qid, rule in rubric.items():
        if apply[qid]:
            continue
        target, seen = qid, {qid}
        while target in rubric and not apply[target]:
            nxt = next(iter(conditions(rubric[target])), None)
            if nxt is None or nxt in seen or nxt not in rubric:
                break
            seen.add(nxt)
            target = nxt
        if target != qid and target in rubric:
            points[target] += points[qid]
            moved[qid] = target
        points[qid] = 0.0
    return points, moved


def full_marks(rubric: dict[str, dict]) -> dict:
    """Answers that earn full marks under ``rubric`` (conditional questions answered only
    where they apply)."""
    answers: dict = {}
    for qid, rule in rubric.items():
        answers[qid] = RULES[rule_kind(rule)].best(rule)
    apply = _applicable_rules(rubric, answers)
    for qid in rubric:
        if not apply[qid]:
            answers[qid] = None
    return answers


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


def score_answers(answers: Any, rubric: dict[str, dict]) -> tuple[float, list[str]]:
    """Points earned and feedback lines for one form's answers. Never raises on ``answers``."""
    if not isinstance(answers, dict):
        answers = {}
    points, moved = effective_points(rubric, answers)
    total = 0.0
    lines = []
    for qid, rule in rubric.items():
        if qid in moved:
            lines.append(f"[Does not apply] {qid}: asked only after another answer to "
                         f"{moved[qid]}; its points count with {moved[qid]}")
            continue
        value = answers.get(qid)
        blank = _is_blank(value)
        try:
            fraction = 0.0 if blank else min(1.0, max(0.0, RULES[rule_kind(rule)].fraction(rule, value)))
        except Exception:  # malformed recorded value: unanswered, never a crash
            fraction, blank = 0.0, True
        earned = round(points[qid] * fraction, 2)
        total += earned
        lines.append(f"[{_verdict(fraction, blank)}] {qid}: {earned:g} of {points[qid]:g} points")
        if not blank:
            lines.extend(f"    {note}" for note in _chosen_feedback(rule, value))
        if fraction < 1 and rule.get("explain"):
            lines.append(f"    Why: {rule['explain']}")
    return round(total, 2), lines
