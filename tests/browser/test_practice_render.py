"""One renderer for the book and the assignment view (issue 21, item 3), in chromium.

The book's practice forms are drawn in the browser by ``practice.js`` with ``RenderedForm``
(labextension/src/render.ts, compiled, shipped as ``_static/ipt-render.js`` by
book/_ext/practice.py) from each form's key-free description. A page of every practice item of
the book, written by ``practice.render`` with the book's own scripts (no book build needed: the
extension's compiled renderer is), shows:

- for every item, in every state a student can reach by the answers that decide which questions
  apply, exactly the questions the scorer scores, numbered 1, 2, 3 ..., each with the points
  the scorer counts it out of (the Daichi report: "(2 points)" said, "3 of 3" scored);
- every control labelled;
- each question drawn as the assignment view draws it: the same elements, attributes and
  texts, class names aside from their prefix (``practice`` and ``ipt-view``), for every
  question of every item (all kinds), the view's drawing made by the module the view bundles
  (labextension/lib/render.js, imported as an ES module) with the view's options.
"""

import re
import shutil
import sys

import pytest

from bookcheck import DESKTOP, ROOT, offline_context, reachable, serve
from ipt_helpers.forms import items
from ipt_helpers.forms.scoring import full_marks, score_answers

sys.path.insert(0, str(ROOT / "book" / "_ext"))
import practice  # noqa: E402

pytestmark = [pytest.mark.browser]

BLOCKS = []
for _page, _block in practice.book_blocks(ROOT / "book"):
    _questions, _models = practice.parse_block(_block["source"], _block["convention"])
    BLOCKS.append((_block, _questions, _models))
IDS = [b["id"] for b, _, _ in BLOCKS]

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Practice forms</title>
<link rel="stylesheet" href="../_static/practice.css">
<script defer src="../_static/ipt-render.js"></script>
<script defer src="../_static/practice.js"></script>
</head><body><main>
{sections}
</main></body></html>
"""


@pytest.fixture(scope="module")
def forms_page(tmp_path_factory, browser):
    """Every practice item of the book on one page, drawn by the book's scripts; yields the
    open page."""
    assert practice.RENDER_JS.is_file(), "build the extension first (make book)"
    root = tmp_path_factory.mktemp("practice-render")
    (root / "_static").mkdir()
    (root / "book").mkdir()
    (root / "view").mkdir()
    (root / "_static" / practice.RENDER_STATIC).write_text(
        practice.render_script(practice.RENDER_JS.read_text(encoding="utf-8")), encoding="utf-8")
    for name in ("practice.js", "practice.css"):
        shutil.copy(ROOT / "book" / "_static" / name, root / "_static" / name)
    shutil.copy(practice.RENDER_JS, root / "view" / "render.js")  # as the view imports it
    sections = [practice.render(b["id"], b["title"] or b["id"], qs, models, b["convention"])
                for b, qs, models in BLOCKS]
    (root / "book" / "forms.html").write_text(PAGE.format(sections="\n".join(sections)),
                                              encoding="utf-8")
    problems = []
    with serve(root) as url, offline_context(browser, DESKTOP) as (context, blocked):
        page = context.new_page()
        page.on("pageerror", lambda e: problems.append(f"uncaught exception: {e}"))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.goto(url + "book/forms.html", wait_until="load")
        page.wait_for_function("document.querySelectorAll('form.practice-form:not([hidden])')"
                               f".length === {len(BLOCKS)}")
        yield page
        assert problems == [] and blocked == []


def section(form_id):
    return f'section[data-practice-form="{form_id}"]'


# ---------------------------------------------------------------- points and numbers

#: Sets a form's controls to some answers (a question not named: left empty), as a person
#: would, then lets the form react as to a person's change.
SET_ANSWERS = """([selector, answers]) => {
  const s = document.querySelector(selector);
  for (const f of s.querySelectorAll('fieldset.practice-q')) {
    const v = answers[f.dataset.q] ?? null, kind = f.dataset.kind;
    const has = (list, x) => Array.isArray(list) && list.includes(x);
    if (kind === 'Single') f.querySelectorAll('input').forEach(i => { i.checked = i.value === v; });
    else if (kind === 'Multi') f.querySelectorAll('input').forEach(i => { i.checked = has(v, i.value); });
    else if (kind === 'Order') f.querySelectorAll('select').forEach((x, i) => { x.value = (v || [])[i] ?? ''; });
    else if (kind === 'Sort') {
      f.querySelectorAll('select[data-item]').forEach(x => { x.value = (v || {})[x.dataset.item] ?? ''; });
      f.querySelectorAll('fieldset[data-item]').forEach(item => item.querySelectorAll('input')
          .forEach(i => { i.checked = has((v || {})[item.dataset.item], i.value); }));
    } else f.querySelector('textarea').value = v || '';
  }
  s.querySelector('.practice-questions').dispatchEvent(new Event('change', {bubbles: true}));
}"""

LEGENDS = """selector => [...document.querySelectorAll(selector + ' fieldset.practice-q')].map(f => {
  const n = f.querySelector(':scope > legend > .practice-n'),
        p = f.querySelector(':scope > legend > .practice-points');
  return [f.dataset.q, f.hidden, n ? n.textContent : null, p ? p.textContent : null]; })"""

LINE = re.compile(r"\[(.+?)\] (\S+): (?:(\S+) of (\S+) points|asked only)")


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


def on_page(page, form_id):
    """{question id: (hidden, number shown, points shown or None)} of a drawn form."""
    out = {}
    for qid, hidden, number, points in page.evaluate(LEGENDS, section(form_id)):
        m = re.fullmatch(r" \((\S+) points?\)", points) if points else None
        assert points is None or m, (form_id, qid, points)
        out[qid] = (hidden, number, float(m.group(1)) if m else None)
    return out


@pytest.mark.parametrize("block, questions, models", BLOCKS, ids=IDS)
def test_points_shown_are_the_points_scored(block, questions, models, forms_page):
    page = forms_page
    rubric = items.FormDefinition(block["id"], questions).rubric()
    total = sum(float(r.get("points", 1)) for r in rubric.values())
    for answers in reachable(questions, rubric):
        page.evaluate(SET_ANSWERS, [section(block["id"]), answers])
        shown, score = on_page(page, block["id"]), scored(answers, rubric)
        assert list(shown) == [q.id for q in questions], "every question is drawn, in order"
        visible = [qid for qid, (hidden, _, _) in shown.items() if not hidden]
        assert [shown[qid][1] for qid in visible] == [f"{n}. " for n in range(1, len(visible) + 1)], \
            f"{block['id']} {answers}: only the questions shown are numbered, 1, 2, 3 ..."
        assert all(shown[qid][1] == "" for qid in shown if qid not in visible)
        for qid, (hidden, _, points) in shown.items():
            if qid not in rubric:
                assert points is None and not hidden, "a written answer has no points"
            elif score[qid] is None:
                assert hidden, f"{block['id']}/{qid} does not apply to {answers}: hidden"
            else:
                assert not hidden and points == score[qid][1], (
                    f"{block['id']}/{qid} says {points:g} points; Check scores it out of "
                    f"{score[qid][1]:g} for {answers}")
        assert sum(shown[qid][2] for qid in visible if qid in rubric) == pytest.approx(total), \
            "the points shown add up to the form's total"
        if answers == full_marks(rubric):
            for qid in visible:
                if qid in rubric:
                    assert score[qid] == (shown[qid][2], shown[qid][2]), \
                        f"{block['id']}/{qid}: full marks earn the points shown"
    page.evaluate(SET_ANSWERS, [section(block["id"]), {}])


def test_daichis_focus_says_what_it_scores(forms_page):
    """The student's report: the focus question, with the stage question not asked."""
    page = forms_page
    page.evaluate(SET_ANSWERS, [section("practice-daichi"), {}])
    shown = on_page(page, "practice-daichi")
    assert shown["focus"] == (False, "1. ", 3.0)
    assert shown["stage"] == (True, "", 1.0)
    assert shown["first"][1] == "2. "
    note = page.inner_text(section("practice-daichi") + ' fieldset[data-q="stage"] .practice-when')
    assert note == ("Asked only if you chose “Role dispute” above; otherwise its 1 point counts "
                    "with that question.")


def test_every_control_is_labelled(forms_page):
    unlabelled = forms_page.evaluate("""() => [...document.querySelectorAll(
        'section.practice input, section.practice select, section.practice textarea')]
        .filter(c => !c.labels || c.labels.length === 0).map(c => c.id || c.outerHTML)""")
    assert unlabelled == []
    counts = forms_page.evaluate("""() => [...document.querySelectorAll('section.practice')]
        .map(s => [s.querySelectorAll('fieldset.practice-q').length,
                   s.querySelectorAll('fieldset.practice-q > legend').length,
                   s.querySelectorAll('fieldset.practice-q > .practice-feedback[hidden]').length])""")
    assert counts == [[len(qs)] * 3 for _, qs, _ in BLOCKS]


# ---------------------------------------------------------------- the book draws as the view

#: A drawn form as a tree: each element's tag, attributes and own text; class names without
#: their prefix, ids relative to the form's id base (labels keep pointing at their control).
NORMALISE = """([root, prefix, base]) => {
  const own = p => p.startsWith(prefix + '-') ? '*-' + p.slice(prefix.length + 1) : p;
  const walk = node => {
    if (node.nodeType === Node.TEXT_NODE) return node.textContent;
    const attrs = {};
    for (const a of node.attributes) {
      let v = a.value;
      if (a.name === 'class') v = v.split(/\\s+/).map(own).join(' ');
      if (['id', 'for', 'name'].includes(a.name)) v = v.startsWith(base + '-') ? '#' + v.slice(base.length) : '?' + v;
      attrs[a.name] = v;
    }
    return {tag: node.tagName.toLowerCase(), attrs, value: node.value ?? null,
            children: [...node.childNodes].map(walk)};
  };
  return walk(root);
}"""

#: The view's drawing of the same description: the module the view bundles, its options
#: (labextension/src/view.ts: points as "(n points)" but for written answers; the default
#: written-answer label and condition note).
VIEW_DRAW = """async ([selector, normalise]) => {
  const {RenderedForm, pointsText} = await import('/view/render.js');
  const s = document.querySelector(selector);
  const description = JSON.parse(s.querySelector('script.practice-description').textContent);
  const form = new RenderedForm(description, {prefix: 'ipt-view', idBase: 'ipt-view-x-f0',
      points: q => q.kind === 'Text' ? '' : ` (${pointsText(q.points)})`});
  return (0, eval)(normalise)([form.node, 'ipt-view', 'ipt-view-x-f0']);
}"""


def differences(book, view, path="form"):
    """Where two normalised trees differ, but for what each page says in its own words: the
    book's feedback box (its addition), a question's points (the book's follow the answers),
    a condition's note and a written answer's label (each page's wording)."""
    if isinstance(book, str) or isinstance(view, str):
        return [] if book == view else [f"{path}: {book!r} != {view!r}"]
    out = []
    cls = book["attrs"].get("class", "")
    if book["tag"] != view["tag"] or book["attrs"] != view["attrs"] or book["value"] != view["value"]:
        return [f"{path}: {book['tag']} {book['attrs']} != {view['tag']} {view['attrs']}"]
    if cls in ("*-points", "*-when", "*-text-label"):
        return []
    kids = [k for k in book["children"]
            if isinstance(k, str) or k["attrs"].get("class") != "*-feedback"]
    if len(kids) != len(view["children"]):
        return [f"{path}: {len(kids)} children != {len(view['children'])}"]
    for i, (a, b) in enumerate(zip(kids, view["children"])):
        name = a["tag"] if isinstance(a, dict) else "text"
        out += differences(a, b, f"{path} > {name}[{i}]")
    return out


@pytest.mark.parametrize("block, questions, models", BLOCKS, ids=IDS)
def test_the_book_draws_each_question_as_the_view_does(block, questions, models, forms_page):
    page = forms_page
    page.evaluate(SET_ANSWERS, [section(block["id"]), {}])
    base = "practice-" + practice._slug(block["id"])
    book = page.evaluate("""([selector, normalise, base]) => (0, eval)(normalise)(
        [document.querySelector(selector + ' .practice-questions'), 'practice', base])""",
                         [section(block["id"]), NORMALISE, base])
    view = page.evaluate(VIEW_DRAW, [section(block["id"]), NORMALISE])
    assert book["attrs"]["class"] == view["attrs"]["class"] == "*-questions"
    assert len(book["children"]) == len(questions)
    assert differences(book, view) == []


def test_the_comparison_sees_a_difference(forms_page):
    """The normalised trees do differ where a page draws differently."""
    tree = forms_page.evaluate(VIEW_DRAW, [section(IDS[0]), NORMALISE])
    other = forms_page.evaluate(VIEW_DRAW, [section(IDS[1]), NORMALISE])
    assert differences(tree, tree) == [] and differences(tree, other) != []
