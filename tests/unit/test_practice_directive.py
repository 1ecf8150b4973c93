"""The practice directive (book/_ext/practice.py) on small blocks: what it refuses, what it
writes into the page."""

import json
import re
import sys
from html.parser import HTMLParser

from bookcheck import ROOT

sys.path.insert(0, str(ROOT / "book" / "_ext"))
import practice  # noqa: E402

BLOCK = '''
Single("focus", "Which focus?", options("problem_area"), points=2,
       accept={"grief": 1, "role_transition": 0.5}, feedback={"role_dispute": "No </script> here."},
       explain="Because.")
Single("stage", "Which stage?", options("dispute_stage"), when={"focus": "role_dispute"},
       accept={"impasse": 1})
Sort("who", "Sort them.", items=[("Ana", "ana"), ("Ben", "ben")], categories=options("ring"),
     placement={"ana": "inner", "ben": ["middle", "outer"]})
Text("why", "Why?", model="A model answer.")
'''


def problems(source, convention=None):
    questions, _ = practice.parse_block(source, convention)
    return practice._problems(questions, "practice-test")


def test_a_good_block_has_no_problems_and_keeps_its_model_answer():
    questions, models = practice.parse_block(BLOCK, "three_areas")
    assert [q.id for q in questions] == ["focus", "stage", "who", "why"]
    assert [k for _, k in questions[0].options] == ["grief", "role_dispute", "role_transition"]
    assert models == {"why": "A model answer."}
    assert practice._problems(questions, "practice-test") == []


def test_keys_the_question_does_not_offer_and_numeric_keys_are_refused():
    assert any("not one of the options" in p for p in problems(
        'Single("a", "A?", [("x", "x"), ("y", "y")], accept={"z": 1})'))
    assert any("looks like a number" in p for p in problems(
        'Single("a", "A?", [("One", "1"), ("Two", "2")], accept={"1": 1})'))
    assert problems('Single("a", "A?", [("x", "x")], accept={"x": 1})\n'
                    'Single("a", "B?", [("x", "x")], accept={"x": 1})') == ["a question id is used twice"]


def test_only_question_calls_are_allowed():
    for bad in ('import os', 'x = 1', 'open("/etc/passwd")'):
        try:
            practice.parse_block(bad)
        except practice.PracticeError:
            continue
        raise AssertionError(f"accepted {bad!r}")


class _Controls(HTMLParser):
    def __init__(self):
        super().__init__()
        self.labels, self.ids, self.tags = {}, set(), []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "label":
            self.labels[a.get("for")] = True


def test_the_form_is_labelled_and_its_key_is_safe_json():
    questions, models = practice.parse_block(BLOCK, "three_areas")
    html = practice.render("practice-test", "A test", questions, models, "three_areas")
    parsed = _Controls()
    parsed.feed(html)
    controls = re.findall(r'<(?:input|select|textarea)[^>]*id="([^"]+)"', html)
    assert controls and all(c in parsed.labels for c in controls), "every control has a label"
    assert parsed.tags.count("fieldset") == 4 and parsed.tags.count("legend") == 4
    assert 'role="status" aria-live="polite"' in html
    raw = re.search(r'<script type="application/json" class="practice-key">(.*?)</script>', html, re.S)
    key = json.loads(raw.group(1))
    assert [qid for qid, _ in key["rubric"]] == ["focus", "stage", "who"]
    assert key["total"] == 4 and key["questions"][3]["model"] == "A model answer."
    assert "</script> here" not in raw.group(1)  # escaped as <\/script>


def test_every_self_check_and_every_case_has_practice_of_every_kind():
    blocks = practice.book_blocks(ROOT / "book")
    pages = {page for page, _ in blocks}
    sources = [p for p in (ROOT / "book").rglob("*") if p.suffix in (".md", ".ipynb")
               and ".ipynb_checkpoints" not in p.parts]
    wanted = {p.relative_to(ROOT / "book").as_posix() for p in sources
              if "## Self-check" in p.read_text(encoding="utf-8")
              or p.name.startswith("case-")}
    assert wanted - pages == set()
    kinds = set()
    for _, block in blocks:
        for q in practice.parse_block(block["source"], block["convention"])[0]:
            kinds.add(type(q).__name__ + ("+tags" if getattr(q, "multiple", False) else ""))
    assert kinds == {"Single", "Multi", "Order", "Sort", "Sort+tags", "Text"}
    assert len(blocks) >= 40
