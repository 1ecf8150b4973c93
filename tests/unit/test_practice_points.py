"""What a practice question says it is worth is what Check scores it out of (issue 21, item 9).

A student saw Daichi's focus question say "(2 points)" and its feedback say "3 of 3": the page
took the points from the question's definition, the scorer from ``effective_points`` (a
conditional question that does not apply moves its points to the question it depends on).
For every practice item of the book, in every state a student can reach by the answers that
decide which questions apply (nothing answered, as the page loads; full marks; each answer of
a question another one depends on), the page ``book/_ext/practice.py`` renders shows, numbered
1, 2, 3 ..., exactly the questions the scorer scores, each with the points the scorer counts it
out of; with full marks each earns all of them. ``practice.js`` redoes the same on every change
(the browser test checks it against the feedback on every practice page).
"""

import re
import sys

import pytest

from bookcheck import ROOT
from ipt_helpers.forms import items
from ipt_helpers.forms.scoring import conditions, full_marks, score_answers

sys.path.insert(0, str(ROOT / "book" / "_ext"))
import practice  # noqa: E402

FIELDSET = re.compile(r'<fieldset class="practice-q" data-q="([^"]+)"[^>]*?( hidden)?>\n'
                      r'<legend><span class="practice-n">([^<]*)</span>.*?'
                      r'(?:<span class="practice-points"> \((\S+) points?\)</span>)?</legend>', re.S)
LINE = re.compile(r"\[(.+?)\] (\S+): (?:(\S+) of (\S+) points|asked only)")

ITEMS = []
for _page, _block in practice.book_blocks(ROOT / "book"):
    _questions, _models = practice.parse_block(_block["source"], _block["convention"])
    ITEMS.append(pytest.param(_block, _questions, _models, id=_block["id"]))


def reachable(questions, rubric):
    """Answers that decide every question's points: none, full marks, and full marks with each
    answer of a question that a conditional question depends on."""
    states = [{}, full_marks(rubric)]
    for rule in rubric.values():
        for target in conditions(rule):
            other = next(q for q in questions if q.id == target)
            states += [{**full_marks(rubric), target: key} for _, key in other.options]
    return states


def on_page(html):
    """{question id: (hidden, number shown, points shown or None)} of a rendered block."""
    return {qid: (bool(hidden), number, float(points) if points else None)
            for qid, hidden, number, points in FIELDSET.findall(html)}


def scored(answers, rubric):
    """{question id: (earned, out of)} as the scorer's feedback lines say; None if moved."""
    _, lines = score_answers(answers, rubric)
    out = {}
    for line in lines:
        m = LINE.match(line)
        if m:
            verdict, qid, earned, of = m.groups()
            out[qid] = None if verdict == "Does not apply" else (float(earned), float(of))
    return out


def test_the_book_has_conditional_practice_questions():
    assert len(ITEMS) >= 40
    assert sum(any(r.get("when") for r in items.FormDefinition(p.values[0]["id"], p.values[1])
                   .rubric().values()) for p in ITEMS) >= 3


@pytest.mark.parametrize("block, questions, models", ITEMS)
def test_points_shown_are_the_points_scored(block, questions, models):
    rubric = items.FormDefinition(block["id"], questions).rubric()
    total = sum(float(r.get("points", 1)) for r in rubric.values())
    for answers in reachable(questions, rubric):
        html = practice.render(block["id"], block["title"] or block["id"], questions, models,
                               block["convention"], answers=answers)
        page, score = on_page(html), scored(answers, rubric)
        assert list(page) == [q.id for q in questions], "every question is parsed"
        visible = [qid for qid, (hidden, _, _) in page.items() if not hidden]
        assert [page[qid][1] for qid in visible] == [f"{n}. " for n in range(1, len(visible) + 1)], \
            f"{block['id']} {answers}: only the questions shown are numbered, 1, 2, 3 ..."
        assert all(page[qid][1] == "" for qid in page if qid not in visible)
        for qid, (hidden, _, points) in page.items():
            if qid not in rubric:
                assert points is None and not hidden, "a written answer has no points"
            elif score[qid] is None:
                assert hidden, f"{block['id']}/{qid} does not apply to {answers}: hidden"
            else:
                assert not hidden and points == score[qid][1], (
                    f"{block['id']}/{qid} says {points:g} points; Check scores it out of "
                    f"{score[qid][1]:g} for {answers}")
        assert sum(page[qid][2] for qid in visible if qid in rubric) == pytest.approx(total), \
            "the points shown add up to the form's total"
        if answers == full_marks(rubric):
            for qid in visible:
                if qid in rubric:
                    assert score[qid] == (page[qid][2], page[qid][2]), \
                        f"{block['id']}/{qid}: full marks earn the points shown"


def test_daichis_focus_says_what_it_scores():
    """The student's report: the focus question, with the stage question not asked."""
    block = next(p for p in ITEMS if p.values[0]["id"] == "practice-daichi").values
    html = practice.render(block[0]["id"], "Daichi", block[1], block[2], block[0]["convention"])
    page = on_page(html)
    assert page["focus"] == (False, "1. ", 3.0)
    assert page["stage"] == (True, "", 1.0)
    assert page["first"][1] == "2. "
    assert "otherwise its 1 point counts with that question" in html
