"""The practice directive (book/_ext/practice.py) on small blocks: what it refuses, what it
writes into the page."""

import json
import re
import sys

from bookcheck import ROOT
from ipt_helpers.forms import description, scoring

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


def test_the_page_gets_a_key_free_description_and_the_key_as_safe_json():
    """The questions are drawn in the browser (tests/browser/test_practice_render.py checks
    they are labelled): the page gets their description, the view's document without
    ``record``, which holds no key field, and the key; neither can end its script early."""
    questions, models = practice.parse_block(BLOCK, "three_areas")
    html = practice.render("practice-test", "A test", questions, models, "three_areas")
    assert "<fieldset" not in html and "<input" not in html, "drawn by practice.js, not here"
    assert '<form class="practice-form" novalidate hidden>' in html, "shown once drawn"
    assert 'role="status" aria-live="polite"' in html
    assert re.search(r"<noscript><p>These practice questions need JavaScript", html)

    def script(cls):
        raw = re.search(rf'<script type="application/json" class="{cls}">(.*?)</script>', html, re.S)
        assert "</script> here" not in raw.group(1)  # escaped as <\/script>
        return json.loads(raw.group(1))

    form = script("practice-description")
    assert form == practice.description("practice-test", "A test", questions)
    assert [q["id"] for q in form["questions"]] == ["focus", "stage", "who", "why"]
    assert description.problems({**form, "record": {"before": "answer=", "after": ")"}}) == []
    fields = {k for q in form["questions"] for k in q}
    assert not fields & set(scoring.KEY_FIELDS) and "model" not in fields
    assert "Because." not in json.dumps(form) and "No </script>" not in json.dumps(form)
    key = script("practice-key")
    assert [qid for qid, _ in key["rubric"]] == ["focus", "stage", "who"]
    assert key["total"] == 4 and key["questions"][3]["model"] == "A model answer."


MODULE = """/** doc */
export function formatNumber(x) {
    return String(x);
}
const helper = 1;
export class RenderedForm {
    constructor() { this.n = helper; }
}
"""


def test_the_renderer_becomes_a_classic_script_for_the_book():
    """labextension/lib/render.js is an ES module; the book loads it as a classic script (a
    page opened from the folder cannot load a module script) that sets window.iptRender."""
    script = practice.render_script(MODULE)
    assert "export" not in script.split("\n", 2)[2]
    assert script.rstrip().endswith("root.iptRender = {formatNumber, RenderedForm};\n})(this);")
    for bad in ('import { x } from "./record";\n' + MODULE, MODULE + "export default 1;\n",
                "const a = 1;\n"):
        try:
            practice.render_script(bad)
        except practice.PracticeError:
            continue
        raise AssertionError(f"wrapped {bad!r}")


def test_the_compiled_renderer_can_be_wrapped():
    assert practice.RENDER_JS.is_file(), "build the extension first: make book"
    script = practice.render_script(practice.RENDER_JS.read_text(encoding="utf-8"))
    assert "RenderedForm" in script.rsplit("root.iptRender = {", 1)[1]


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
