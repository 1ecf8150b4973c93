"""What a practice question says it is worth is what Check scores it out of (issue 21, item 9).

A student saw Daichi's focus question say "(2 points)" and its feedback say "3 of 3": the page
took the points from the question's definition, the scorer from ``effective_points`` (a
conditional question that does not apply moves its points to the question it depends on).

The page draws each form in the browser (the assignment view's renderer, ``RenderedForm``, from
the form's description) and says each question's points by the scorer's rule from the key
(``practice.js``): tests/browser/test_practice_render.py checks, for every practice item in
every state a student can reach by the answers that decide which questions apply, that the
questions shown, their numbers and their points are those the scorer scores. Here: the two
documents the page gets for a form agree on what the browser reads from each (the description
hides a conditional question by its ``when``, the key moves its points by the rule's), and the
Python scorer moves the points as the page is required to show them.
"""

import sys

import pytest

from bookcheck import ROOT, reachable
from ipt_helpers.forms import items
from ipt_helpers.forms.scoring import (applies, conditions, effective_points, full_marks,
                                       score_answers)

sys.path.insert(0, str(ROOT / "book" / "_ext"))
import practice  # noqa: E402

ITEMS = []
for _page, _block in practice.book_blocks(ROOT / "book"):
    _questions, _models = practice.parse_block(_block["source"], _block["convention"])
    ITEMS.append(pytest.param(_block, _questions, _models, id=_block["id"]))


def test_the_book_has_conditional_practice_questions():
    assert len(ITEMS) >= 40
    assert sum(any(r.get("when") for r in items.FormDefinition(p.values[0]["id"], p.values[1])
                   .rubric().values()) for p in ITEMS) >= 3


@pytest.mark.parametrize("block, questions, models", ITEMS)
def test_description_and_key_agree(block, questions, models):
    """Each question's points and condition are the same in the description (what is drawn)
    and in the key (what is scored); a written answer has no rule, so no points shown."""
    form = practice.description(block["id"], block["title"], questions)
    key = practice.key_json(block["id"], block["title"], questions, models)
    rubric = dict(key["rubric"])
    assert [q["id"] for q in form["questions"]] == [q["id"] for q in key["questions"]]
    for q in form["questions"]:
        rule = rubric.get(q["id"])
        if rule is None:
            assert q["kind"] == "Text", f"{block['id']}/{q['id']}: a scored question has a rule"
            continue
        assert q["points"] == float(rule.get("points", 1)), f"{block['id']}/{q['id']}"
        assert q.get("when", {}) == conditions(rule), f"{block['id']}/{q['id']}"


@pytest.mark.parametrize("block, questions, models", ITEMS)
def test_the_points_shown_add_up_to_the_total(block, questions, models):
    """The rule the page shows points by (effective points where a question applies): in every
    reachable state the questions shown are worth the form's total, and full marks earn it."""
    rubric = items.FormDefinition(block["id"], questions).rubric()
    total = sum(float(r.get("points", 1)) for r in rubric.values())
    for answers in reachable(questions, rubric):
        points, _ = effective_points(rubric, answers)
        shown = [qid for qid, rule in rubric.items() if applies(rule, answers)]
        assert sum(points[qid] for qid in shown) == pytest.approx(total), (block["id"], answers)
    assert score_answers(full_marks(rubric), rubric)[0] == pytest.approx(total)


def test_daichis_conditional_question_moves_its_point():
    """The student's report: the stage question, not asked, gives its point to the focus."""
    block, questions, _ = next(p for p in ITEMS if p.values[0]["id"] == "practice-daichi").values
    rubric = items.FormDefinition(block["id"], questions).rubric()
    points, moved = effective_points(rubric, {})
    assert (points["focus"], points["stage"], moved) == (3.0, 0, {"stage": "focus"})
    described = {q["id"]: q for q in practice.description(block["id"], "", questions)["questions"]}
    assert described["focus"]["points"] == 2 and described["stage"]["when"] == {
        "focus": ["role_dispute"]}
