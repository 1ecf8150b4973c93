"""Regression tests for keys a trainer corrected (issue 13): each reads the real definition
from the instructor's source notebook and scores the disputed answer."""

import nbformat
import pytest

from conftest import COURSE
from ipt_helpers.course.assignment import AssignmentInfo
from ipt_helpers.forms.items import notebook_items
from ipt_helpers.forms.scoring import full_marks, score_answers


def source(assignment):
    return nbformat.read(next((COURSE / "source" / assignment).glob("*.ipynb")), as_version=4)


def rubric(assignment, form_id):
    for item in notebook_items(source(assignment)).items:
        if item.form_id == form_id:
            return item.definition.rubric()
    raise KeyError(form_id)


def earned(assignment, form_id, **answers):
    """Points for ``answers``, the form's other questions answered as the key does."""
    key = rubric(assignment, form_id)
    points, lines = score_answers({**full_marks(key), **answers}, key)
    return points, "\n".join(lines)


def maximum(assignment, form_id):
    return sum(float(r.get("points", 1)) for r in rubric(assignment, form_id).values())


# --- ps1 -----------------------------------------------------------------------------------

def test_ps1_oskar_transition_earns_full_credit_like_the_dispute():
    top = maximum("ps1-problem-areas", "case-h")
    for focus in ("role_transition", "role_dispute"):
        got, lines = earned("ps1-problem-areas", "case-h", focus=focus)
        assert got == top, lines
    got, lines = earned("ps1-problem-areas", "case-h", focus="role_transition")
    assert "Full credit" in lines and "co-owner" in lines
    # grief and loss is Stuart and Robertson's reading: half, as for Tendai (case E)
    assert earned("ps1-problem-areas", "case-h", focus="grief")[0] == top - 1
    assert earned("ps1-problem-areas", "case-h", focus="interpersonal_deficits")[0] == top - 2


@pytest.mark.parametrize("form_id", ["case-a", "case-f"])
def test_ps1_ngozi_and_hiroshi_are_asked_about_risk(form_id):
    key = rubric("ps1-problem-areas", form_id)
    assert "risk" in key
    got, lines = earned("ps1-problem-areas", form_id, risk=None)
    assert got == maximum("ps1-problem-areas", form_id) - key["risk"]["points"]


def test_ps1_ngozi_the_direct_question_is_the_only_right_answer():
    top = maximum("ps1-problem-areas", "case-a")
    assert earned("ps1-problem-areas", "case-a", risk="ask")[0] == top
    for wrong in ("avoid", "reassure", "wait_score"):
        assert earned("ps1-problem-areas", "case-a", risk=wrong)[0] == top - 1


def test_ps1_hiroshi_moving_on_after_a_yes_costs_points():
    top = maximum("ps1-problem-areas", "case-f")
    full = ["explore", "means", "safety_plan", "supervisor"]
    assert earned("ps1-problem-areas", "case-f", risk=full)[0] == top
    got, lines = earned("ps1-problem-areas", "case-f", risk=full + ["move_on"])
    assert got == top - 0.5 and "No plan today" in lines


def test_ps1_no_text_says_stuart_and_robertson_lack_a_sensitivity_area():
    nb = source("ps1-problem-areas")
    texts = [AssignmentInfo.from_notebook(nb).convention]
    for item in notebook_items(nb).items:
        for rule in item.definition.rubric().values():
            texts += list(rule.get("feedback", {}).values()) + [rule.get("explain", "")]
    text = " ".join(" ".join(texts).split())
    for wrong in ("no deficits area", "have no interpersonal deficits area",
                  "no such area"):
        assert wrong not in text
    assert "interpersonal sensitivity" in AssignmentInfo.from_notebook(nb).convention
    feedback = rubric("ps1-problem-areas", "case-d")["focus"]["feedback"]["interpersonal_deficits"]
    assert "interpersonal sensitivity" in " ".join(feedback.split())


# --- ps2 -----------------------------------------------------------------------------------

@pytest.mark.parametrize("reading", ["supportive", "not_yet"])
def test_ps2_elin_either_reading_earns_the_mark_with_feedback_saying_why(reading):
    top = maximum("ps2-inventory", "quality")
    got, lines = earned("ps2-inventory", "quality", elin=reading)
    assert got == top and "Accepted." in lines


def test_ps2_elin_is_no_longer_in_the_tick_grid():
    key = rubric("ps2-inventory", "quality")
    assert "elin" not in key["quality"]["tags"]
    assert earned("ps2-inventory", "quality", elin="conflictual")[0] == maximum("ps2-inventory", "quality") - 0.5


# --- ps3 -----------------------------------------------------------------------------------

def test_ps3_sung_ho_form_and_mark_scheme_agree_that_a_transition_is_the_weaker_reading():
    top = maximum("ps3-formulation", "focus")
    assert earned("ps3-formulation", "focus", area="role_dispute")[0] == top
    assert earned("ps3-formulation", "focus", area="role_transition", stage=None)[0] == top / 2
    nb = source("ps3-formulation")
    scheme = next(c.source for c in nb.cells
                  if c.metadata.get("nbgrader", {}).get("grade_id") == "formulation")
    scheme = " ".join(scheme.split())
    assert "can earn full marks" not in scheme
    assert "weaker reading" in scheme and "at most 5 of the 6 points" in scheme


# --- ps5 -----------------------------------------------------------------------------------

def test_ps5_line_2_is_a_full_mark_choice_point_like_line_6():
    top = maximum("ps5-communication", "imelda-exchange")
    for line in ("2", "6"):
        got, lines = earned("ps5-communication", "imelda-exchange", turning=line)
        assert got == top and "Full marks" in lines
    assert earned("ps5-communication", "imelda-exchange", turning="4")[0] == top - 1
    assert earned("ps5-communication", "imelda-exchange", turning="11")[0] == top - 2


def test_ps5_imelda_is_asked_about_violence_before_the_dispute_is_reopened():
    """Issue 24: the rehearsal brings an impasse back into the open at home, so the case says
    that she was asked, on her own, about violence, fear and control first (book/safety/risk.md)."""
    case = " ".join(next(c.source for c in source("ps5-communication").cells
                         if c.metadata.get("nbgrader", {}).get("grade_id") == "case").split())
    assert "asked Imelda on her own" in case
    assert "physical or frightening" in case and "never been afraid of him" in case
    assert case.index("never been afraid of him") < case.index("In session 5")


# --- ps7 -----------------------------------------------------------------------------------

def test_ps7_wei_ming_continuing_treatment_is_the_keyed_triage():
    key = rubric("ps7-suitability", "weiming")
    assert key["triage"]["accept"]["continue"] == 1
    top = maximum("ps7-suitability", "weiming")
    assert earned("ps7-suitability", "weiming", triage="continue")[0] == top
    got, lines = earned("ps7-suitability", "weiming", triage="adaptation")
    assert got == top - 1 and "Half credit" in lines
    assert earned("ps7-suitability", "weiming", triage="ipt_now")[0] == top - 2


def test_ps7_every_referral_offers_the_same_four_triage_options():
    """The new option is not a give-away: every referral offers it, and only Wei-ming earns
    credit for it."""
    for item in notebook_items(source("ps7-suitability")).items:
        triage = next(q for q in item.definition.questions if q.id == "triage")
        assert "continue" in triage.keys(), item.form_id
        credit = item.definition.rubric()["triage"]["accept"].get("continue", 0)
        assert credit == (1 if item.form_id == "weiming" else 0), item.form_id


def test_ps7_the_102_week_figure_is_credited_to_the_1991_analysis():
    text = " ".join(rubric("ps7-suitability", "weiming")["adaptation"]["explain"].split())
    assert "102 weeks when the sessions kept a strong interpersonal focus (Frank et al. 1991)" in text
    assert "in Frank et al. 1990 the median time to recurrence was 54 weeks with monthly IPT and 102" not in text


def test_ps7_joaquin_a_plan_means_and_a_day_get_same_day_crisis_care():
    """Issue 24 (safety taught one way): a plan, the means and a chosen day are the third tier,
    an immediate crisis response with same-day crisis care before IPT. The keyed 'escalate' step
    called emergency services only 'if he cannot keep himself safe', and a safety plan with a
    follow-up next week lost nothing."""
    key = rubric("ps7-suitability", "joaquin")["first_steps"]
    assert "escalate" in key["correct"] and "next_week" not in key["correct"]
    q = next(q for item in notebook_items(source("ps7-suitability")).items
             if item.form_id == "joaquin" for q in item.definition.questions if q.id == "first_steps")
    labels = dict((k, " ".join(label.split())) for label, k in q.options)
    assert "same-day crisis or emergency care" in labels["escalate"]
    assert "if he cannot keep himself safe" not in labels["escalate"]
    top = maximum("ps7-suitability", "joaquin")
    full = ["risk_assessment", "safety_plan", "escalate", "medication_review"]
    assert earned("ps7-suitability", "joaquin", first_steps=full)[0] == top
    # the disputed answer: a safety plan and next week instead of crisis care today
    got, lines = earned("ps7-suitability", "joaquin",
                        first_steps=["risk_assessment", "safety_plan", "medication_review",
                                     "next_week"])
    assert got == top - 2 and "crisis care today" in lines
    assert "same-day crisis or emergency care" in " ".join(key["explain"].split())


# --- ps8 -----------------------------------------------------------------------------------

def test_ps8_convention_names_interpersonal_sensitivity():
    convention = " ".join(AssignmentInfo.from_notebook(source("ps8-capstone")).convention.split())
    assert "no deficits area" not in convention and "interpersonal sensitivity" in convention


def ps8_cell(grade_id):
    return next(c.source for c in source("ps8-capstone").cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def test_ps8_the_case_is_not_the_books_nomvula():
    """Issue 24: the capstone repeated the worked initial session's Durban case."""
    text = " ".join(c.source for c in source("ps8-capstone").cells)
    for name in ("Nokuthula", "Nomvula", "Mthunzi", "Sipho", "Gogo", "Durban", "Ayanda", "Lwazi"):
        assert name not in text, name
    assert "Nabil" in text and "Alexandria" in text


@pytest.mark.parametrize("focus", ["grief", "role_transition"])
def test_ps8_nabil_grief_and_transition_are_the_weaker_defensible_foci(focus):
    top = maximum("ps8-capstone", "formulation")
    assert earned("ps8-capstone", "formulation", focus="role_dispute")[0] == top
    # the stage question does not apply, so its point counts with the focus: 0.5 x 3
    got, lines = earned("ps8-capstone", "formulation", focus=focus, stage=None)
    assert got == top - 1.5 and "Half credit" in lines
    assert earned("ps8-capstone", "formulation", focus="interpersonal_deficits",
                  stage=None)[0] == top - 3


def test_ps8_nabil_renegotiation_earns_half_because_they_argued_openly_at_first():
    top = maximum("ps8-capstone", "formulation")
    assert earned("ps8-capstone", "formulation", stage="impasse")[0] == top
    got, lines = earned("ps8-capstone", "formulation", stage="renegotiation")
    assert got == top - 0.5
    assert "Half credit" in lines and "argued loudly and openly in the first weeks" in lines
    assert earned("ps8-capstone", "formulation", stage="dissolution")[0] == top - 1
    scheme = " ".join(ps8_cell("formulation-written").split())
    assert "weaker reading" in scheme and "at most 5 of the 6 points" in scheme


def test_ps8_nabil_the_risk_question_is_asked_answered_and_followed_by_the_first_tier():
    session_1 = " ".join(ps8_cell("session-1").split())
    assert "asked him plainly whether he had felt that life was not worth living" in session_1
    assert "passive thoughts of death, without intent, plan, preparation or a past attempt" in session_1
    assert "asked again at every session" in session_1 and "safety plan" in session_1
    assert "NG225" in session_1
    plan = rubric("ps8-capstone", "plan")["phase_plan"]["placement"]
    assert plan["safety_plan"] == "initial"
    ending = rubric("ps8-capstone", "ending")["plan_elements"]
    assert "safety" in ending["correct"] and "drop_risk" not in ending["correct"]
    got, lines = earned("ps8-capstone", "ending", plan_elements=ending["correct"] + ["drop_risk"])
    assert got == round(maximum("ps8-capstone", "ending") * 5 / 6, 2) and "not a score alone" in lines


def test_ps8_nabil_violence_and_coercion_are_asked_about_before_the_joint_session():
    session_14 = " ".join(ps8_cell("session-14").split())
    asked = session_14.index("asked Nabil alone again whether anyone in the family had ever hit")
    assert asked < session_14.index("In the joint session")
    # and first in the inventory, before he is encouraged to reopen the silent dispute
    assert "Because the work may mean reopening the dispute, the therapist asked whether" in \
        " ".join(ps8_cell("session-3").split())
    assert "saw Rania alone for a few minutes and asked her the same" in session_14
    assert rubric("ps8-capstone", "plan")["phase_plan"]["placement"]["screen_joint"] == "middle"


# --- ps9 -----------------------------------------------------------------------------------

def test_ps9_follows_the_books_definitions_and_models_the_risk_question():
    a = "ps9-measurement-fidelity"
    assert rubric(a, "midpoint")["response_line"]["accept"] == {"half": 1}   # 50% of 18
    assert rubric(a, "midpoint")["change"]["accept"] == {"no_real_change": 1}  # 3 < 5 points
    assert rubric(a, "midpoint")["gad_band"]["accept"] == {"severe": 1}     # GAD-7 15
    assert rubric(a, "midpoint")["risk_item"]["accept"] == {"ask": 1}
    assert rubric(a, "ending")["status16"]["accept"] == {"response_only": 1}  # 7: <= 9, not < 5
    assert rubric(a, "rating")["rate_a3"]["accept"] == {"zero": 1}
    case = " ".join(next(c.source for c in source(a).cells
                         if c.metadata.get("nbgrader", {}).get("grade_id") == "case").split())
    assert "thoughts of ending their life" in case


# --- issue 24: keys a trainer would mark differently ---------------------------------------

def test_ps3_goals_follow_the_focus_the_student_chose():
    """A student who proposed the half-credit transition focus and set transition goals loses
    marks in Part 2 only; the goals are marked for the focus the student restates."""
    top = maximum("ps3-formulation", "goals")
    dispute = earned("ps3-formulation", "goals", focus="role_dispute",
                     goals=["identify", "plan", "modify"], goals_transition=None)
    transition = earned("ps3-formulation", "goals", focus="role_transition", goals=None,
                        goals_transition=["mourn_old", "new_positive", "mastery"])
    assert dispute[0] == transition[0] == top, transition[1]
    assert "Does not apply" in transition[1]
    # dispute goals ticked under a transition focus are not what is marked there
    got, lines = earned("ps3-formulation", "goals", focus="role_transition",
                        goals_transition=["identify", "plan"], goals=None)
    assert got < top
    key = rubric("ps3-formulation", "goals")
    assert key["goals"]["when"] == {"focus": "role_dispute"}
    assert key["goals_transition"]["when"] == {"focus": "role_transition"}


def test_ps3_strategies_follow_the_focus_the_student_chose():
    top = maximum("ps3-formulation", "strategies")
    transition = earned("ps3-formulation", "strategies", focus="role_transition", strategies=None,
                        strategies_transition=["review_old", "feelings", "opportunities",
                                               "supports", "link_mood"])
    assert transition[0] == top, transition[1]
    dispute = earned("ps3-formulation", "strategies", focus="role_dispute",
                     strategies=["stage", "comm", "role_play", "decision", "link_mood"],
                     strategies_transition=None)
    assert dispute[0] == top
    # the techniques IPT avoids cost marks under either focus
    got, lines = earned("ps3-formulation", "strategies", focus="role_transition", strategies=None,
                        strategies_transition=["review_old", "feelings", "opportunities",
                                               "supports", "link_mood", "cbt"])
    assert got == top - 1 and "cognitive therapy" in lines


def test_ps3_a_consistent_transition_answer_is_penalised_once():
    lost = sum(maximum("ps3-formulation", f) for f in ("focus", "goals", "strategies"))
    got = (earned("ps3-formulation", "focus", area="role_transition", stage=None)[0]
           + earned("ps3-formulation", "goals", focus="role_transition", goals=None,
                    goals_transition=["mourn_old", "new_positive", "mastery"])[0]
           + earned("ps3-formulation", "strategies", focus="role_transition", strategies=None,
                    strategies_transition=["review_old", "feelings", "opportunities",
                                           "supports", "link_mood"])[0])
    assert lost - got == maximum("ps3-formulation", "focus") / 2   # the half-credit focus, once


def test_ps4_scoring_a_rating_scale_also_belongs_to_termination():
    top = maximum("ps4-phases", "phase-sort")
    key = full_marks(rubric("ps4-phases", "phase-sort"))["phases"]
    for phase in ("initial", "middle", "termination"):
        got, lines = earned("ps4-phases", "phase-sort", phases={**key, "t4": phase})
        assert got == top, (phase, lines)
    assert "first and latest scores" in " ".join(
        rubric("ps4-phases", "phase-sort")["phases"]["explain"].split())


@pytest.mark.parametrize("line, code", [("g", "A9"), ("g", "A10"), ("d", "A9"), ("d", "A10"),
                                        ("k", "A9"), ("k", "A10")])
def test_ps9_lines_d_g_and_k_accept_a_strategy_or_a_technique(line, code):
    a = "ps9-measurement-fidelity"
    key = full_marks(rubric(a, "rating"))["codes"]
    got, lines = earned(a, "rating", codes={**key, line: code})
    assert got == maximum(a, "rating"), lines


def test_practice_tevita_lesieli_is_not_keyed_supportive_while_they_barely_talk():
    import sys

    from bookcheck import ROOT
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    import practice

    text = (ROOT / "book" / "model" / "inventory.md").read_text(encoding="utf-8")
    block = next(b for b in practice.blocks_in(text) if b["id"] == "practice-inventory")
    questions, _ = practice.parse_block(block["source"], block["convention"])
    qualities = next(q for q in questions if q.id == "qualities")
    assert "supportive" not in qualities.tags["lesieli"]
    assert set(qualities.tags["lesieli"]) == {"conflictual", "changed_near_onset"}
    assert "mostly stopped talking" in " ".join(qualities.explain.split())


# --- issue 24, item 7: the second review -----------------------------------------------------

@pytest.mark.parametrize("assignment, form_id, question", [
    ("ps1-problem-areas", "case-a", "risk"),
    ("ps9-measurement-fidelity", "midpoint", "risk_item"),
])
def test_the_feedback_on_asking_about_suicide_follows_the_four_tiers(assignment, form_id,
                                                                     question):
    """Safety taught one way: a student who asks the risk question is told what each answer
    calls for in the tiers of book/safety/risk.md. The feedback named only two responses
    ('passing thoughts' and 'a plan or intent'), so active thoughts without a plan had no
    answer, and it called for an 'urgent assessment' where the book says same-day crisis care."""
    got, lines = earned(assignment, form_id, **{question: "ask"})
    assert got == maximum(assignment, form_id)
    shown = " ".join(lines.split())
    for tier in ("(tier 1)", "(tier 2)", "(tier 3)"):
        assert tier in shown, tier
    assert "active thoughts without a plan (tier 2)" in shown
    assert "same-day crisis care" in shown and "means made safer" in shown
    assert "urgent assessment that day" not in shown


def test_no_book_case_shares_a_name_with_ps7_joaquin():
    """ps7's Joaquín is keyed to the third tier (a plan, the means and a day: same-day crisis
    care). The eating-disorders page gave a second, different Joaquín a tier-2 answer (IPT goes
    on), which invites a student to carry the wrong tier into the graded item. The book may
    still name ps7's Joaquín where it means him (the instructor guide does)."""
    from bookcheck import ROOT

    assert "Joaquín" in " ".join(c.source for c in source("ps7-suitability").cells)
    for page in (ROOT / "book").rglob("*.md"):
        if page.name == "instructor-guide.md" or "_build" in page.parts:
            continue
        assert "Joaquín" not in page.read_text(encoding="utf-8"), page


def test_ps1_encarna_reopening_the_impasse_comes_after_the_violence_question():
    """Safety taught one way: the keyed aim at Encarna's impasse is to bring the dispute back
    into the open, and the book asks about violence and coercion, on the patient's own, before
    a patient is encouraged to reopen a dispute. The explanation a student reads said nothing
    of it."""
    key = rubric("ps1-problem-areas", "case-c")["aim"]
    assert key["accept"] == {"reopen": 1}
    # the explanation is what a student who chose another aim reads
    got, lines = earned("ps1-problem-areas", "case-c", aim="calm")
    assert got == maximum("ps1-problem-areas", "case-c") - 1
    shown = " ".join(lines.split())
    assert "Before encouraging Encarna to reopen it" in shown
    assert "physical or frightening" in shown and "safety first" in shown
