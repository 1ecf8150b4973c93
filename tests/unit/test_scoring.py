"""Scoring: partial credit, several defensible answers, order-sensitive items, no crashes."""

import pytest
from hypothesis import given, settings, strategies as st

from ipt_helpers.forms.recording import RECORDED, score
from ipt_helpers.forms.scoring import score_answers

RUBRIC = {
    "focus": {"points": 2, "accept": {"grief": 1, "role_transition": 0.5},
              "feedback": {"role_dispute": "No conflict is described."},
              "explain": "The onset followed a death."},
    "clues": {"points": 2, "correct": ["death", "withdrawal"], "neutral": ["sleep"]},
    "steps": {"points": 3, "order": ["a", "b", "c", "d"]},
    "rings": {"points": 2, "placement": {"Ana": "inner", "Ben": ["middle", "outer"]}},
    "quality": {"points": 2, "tags": {"Ana": ["supportive"], "Ben": ["conflictual", "changed_near_onset"]}},
}
PERFECT = {
    "focus": "grief", "clues": ["death", "withdrawal"], "steps": ["a", "b", "c", "d"],
    "rings": {"Ana": "inner", "Ben": "outer"},
    "quality": {"Ana": ["supportive"], "Ben": ["conflictual", "changed_near_onset"]},
}


def test_perfect_answer_earns_every_point():
    total, lines = score_answers(PERFECT, RUBRIC)
    assert total == 11
    assert all(line.startswith("[Correct]") for line in lines if line.startswith("["))


def test_blank_answer_earns_nothing_and_says_not_answered():
    total, lines = score_answers({}, RUBRIC)
    assert total == 0
    assert sum("[Not answered]" in line for line in lines) == 5


def test_second_defensible_answer_earns_its_fraction():
    total, lines = score_answers({"focus": "role_transition"}, {"focus": RUBRIC["focus"]})
    assert total == 1.0
    assert "[Partly correct] focus: 1 of 2 points" in lines
    assert any("Why: The onset followed a death." in line for line in lines)


def test_feedback_for_the_chosen_option_is_printed():
    _, lines = score_answers({"focus": "role_dispute"}, {"focus": RUBRIC["focus"]})
    assert "    No conflict is described." in lines
    assert lines[0].startswith("[Not correct]")


def test_multi_choice_wrong_ticks_cost_and_neutral_ticks_do_not():
    rule = {"clues": RUBRIC["clues"]}
    assert score_answers({"clues": ["death"]}, rule)[0] == 1.0
    assert score_answers({"clues": ["death", "sleep"]}, rule)[0] == 1.0
    assert score_answers({"clues": ["death", "job"]}, rule)[0] == 0.0
    assert score_answers({"clues": ["death", "withdrawal", "job"]}, rule)[0] == 1.0


def test_near_correct_order_earns_more_than_a_reversed_one():
    rule = {"steps": RUBRIC["steps"]}
    swapped = score_answers({"steps": ["a", "c", "b", "d"]}, rule)[0]
    reversed_ = score_answers({"steps": ["d", "c", "b", "a"]}, rule)[0]
    assert swapped == 2.5  # 5 of 6 pairs in order
    assert reversed_ == 0.0
    assert score_answers({"steps": ["a", "b", None, None]}, rule)[0] == 0.5  # 1 of 6 pairs


def test_order_accepts_alternative_sequences():
    rule = {"steps": {"points": 1, "order": [["a", "b", "c"], ["b", "a", "c"]]}}
    assert score_answers({"steps": ["b", "a", "c"]}, rule)[0] == 1.0


def test_duplicate_items_in_an_order_do_not_earn_extra():
    rule = {"steps": {"points": 1, "order": ["a", "b", "c"]}}
    assert score_answers({"steps": ["a", "a", "a"]}, rule)[0] == 0.0


def test_placement_with_several_accepted_rings():
    rule = {"rings": RUBRIC["rings"]}
    assert score_answers({"rings": {"Ana": "inner", "Ben": "middle"}}, rule)[0] == 2.0
    assert score_answers({"rings": {"Ana": "outer", "Ben": "middle"}}, rule)[0] == 1.0


def test_tags_penalise_wrong_ticks():
    rule = {"quality": RUBRIC["quality"]}
    assert score_answers({"quality": {"Ana": ["supportive"], "Ben": []}}, rule)[0] == pytest.approx(0.67)
    assert score_answers({"quality": {"Ana": ["supportive", "conflictual"], "Ben": []}}, rule)[0] == 0.0


def test_score_reads_the_recorded_form_and_prints_to_stdout_only(capsys):
    RECORDED["demo"] = {"focus": "grief"}
    points = score("demo", {"focus": RUBRIC["focus"]})
    out, err = capsys.readouterr()
    assert points == 2.0 and err == ""
    assert "Form demo: 2 of 2 points" in out


def test_score_of_a_missing_form_is_zero_with_a_message(capsys):
    RECORDED.pop("never-run", None)
    assert score("never-run", RUBRIC) == 0.0
    assert "no recorded answers" in capsys.readouterr().out


def test_a_rubric_rule_must_name_one_kind():
    with pytest.raises(ValueError):
        from ipt_helpers.forms.scoring import rule_kind
        rule_kind({"points": 1})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=5),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(RUBRIC) + ["other"]), json_values) | json_values)
def test_scoring_never_raises_and_stays_within_the_points(answers):
    total, lines = score_answers(answers, RUBRIC)
    assert 0 <= total <= 11
    assert len([line for line in lines if line.startswith("[")]) == len(RUBRIC)


def test_an_answer_left_in_a_question_that_does_not_apply_never_makes_another_apply():
    rubric = {"focus": {"accept": {"grief": 1}},
              "stage": {"points": 2, "accept": {"impasse": 1}, "when": {"focus": "role_dispute"}},
              "signs": {"correct": ["silence"], "when": {"stage": "impasse"}}}
    stale = {"focus": "grief", "stage": "impasse", "signs": ["silence"]}
    total, lines = score_answers(stale, rubric)
    assert total == 4.0, "focus right, and the points of both others count with it"
    assert "[Correct] focus: 4 of 4 points" in lines
    assert sum(line.startswith("[Does not apply]") for line in lines) == 2
    assert score_answers({"focus": "grief", "stage": None, "signs": []}, rubric) == (total, lines)
