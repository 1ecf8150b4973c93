"""ps10 (the middle phase when it stalls): its keys follow book/phases/middle-stalls.md and the
four tiers of book/safety/risk.md. Each test reads the real definition from the instructor's
source notebook and scores the answer a trainer might dispute."""

import re

import nbformat
import pytest

from conftest import COURSE, ROOT
from ipt_helpers.forms.items import notebook_items
from ipt_helpers.forms.scoring import full_marks, score_answers

A = "ps10-middle-phase"


def source():
    return nbformat.read(next((COURSE / "source" / A).glob("*.ipynb")), as_version=4)


def rubric(form_id):
    for item in notebook_items(source()).items:
        if item.form_id == form_id:
            return item.definition.rubric()
    raise KeyError(form_id)


def earned(form_id, **answers):
    key = rubric(form_id)
    points, lines = score_answers({**full_marks(key), **answers}, key)
    return points, "\n".join(lines)


def maximum(form_id):
    return sum(float(r.get("points", 1)) for r in rubric(form_id).values())


def questions(form_id):
    for item in notebook_items(source()).items:
        if item.form_id == form_id:
            return item.definition.questions
    raise KeyError(form_id)


def markdown(grade_id):
    cell = next(c for c in source().cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    return " ".join(cell.source.split())


def test_ps10_the_tiers_follow_the_books_risk_page():
    tiers = rubric("disclosures")["tiers"]["placement"]
    assert tiers == {"leilani": "t1", "hiwot": "t2", "caridad": "t3", "kwame": "t4",
                     "gwilym": "t1"}
    key = rubric("disclosures")
    assert key["caridad"]["accept"] == {"crisis": 1}      # same-day crisis care before any IPT
    assert key["kwame"]["accept"] == {"tier4": 1}         # a past attempt is not a bar
    assert key["hiwot"]["accept"] == {"tier2": 1}         # supervisor the same day, IPT may go on


def test_ps10_a_locked_gun_with_passive_thoughts_is_not_the_third_tier():
    """'Means in the home are not a plan' (risk.md): made safer within tier 1."""
    top = maximum("disclosures")
    full = full_marks(rubric("disclosures"))["tiers"]
    got, lines = earned("disclosures", tiers={**full, "gwilym": "t3"}, gwilym="crisis")
    assert got == top - 0.5 - 1, lines
    assert "Means in the home are not a plan" in lines


def test_ps10_every_case_with_serious_depression_is_asked_the_risk_question():
    case = markdown("case")
    assert "thoughts that she would be better off dead, or of ending her life" in case
    assert "whether anyone controlled her money, her phone or whom she saw" in case  # before reopening
    extension = markdown("extension-md")
    assert "Asked plainly about thoughts of death and of ending his life" in extension
    assert "the question was asked at every session" in extension
    assert "ask again about thoughts of death" in " ".join(
        str(o) for o in next(q for q in questions("extension") if q.id == "none").options)


@pytest.mark.parametrize("first", [["thank", "explore"], ["explore", "thank"]])
@pytest.mark.parametrize("middle", [["her_words", "offer"], ["offer", "her_words"]])
def test_ps10_either_defensible_order_of_the_response_to_the_objection_earns_full_marks(first, middle):
    got, lines = earned("rejected", steps=first + middle + ["continue"])
    assert got == maximum("rejected"), lines


def test_ps10_an_objection_to_the_wording_is_not_a_new_focus():
    got, lines = earned("rejected", move="new_focus")
    assert got == maximum("rejected") - 2 and "A new focus is proposed when" in lines


def test_ps10_brief_information_is_ipt_and_reassurance_is_support_drift():
    key = rubric("drift")["lines"]["placement"]
    assert key["i"] == "ipt" and key["g"] == "support" and key["h"] == "directive"
    assert sorted(key.values()).count("ipt") == 5


def test_ps10_a_partial_responder_is_reviewed_not_extended_by_default():
    assert rubric("extension")["partial"]["accept"] == {"review": 1}
    assert rubric("extension")["none"]["accept"] == {"change": 1}


def test_ps10_the_cases_use_no_name_from_the_book():
    names = ["Ayesha", "Rukhsana", "Bashir", "Tariq", "Danyal", "Zubair", "Owain", "Tomasz",
             "Jadwiga", "Leilani", "Hiwot", "Caridad", "Kwame", "Gwilym"]
    for path in sorted((ROOT / "book").rglob("*")):
        if path.suffix in (".md", ".ipynb") and ".ipynb_checkpoints" not in path.parts:
            text = path.read_text(encoding="utf-8")
            used = [n for n in names if re.search(rf"\b{n}\b", text)]
            assert used == [], f"{path.relative_to(ROOT)} uses {used}"
