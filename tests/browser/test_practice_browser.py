"""The book's practice forms in chromium, offline: answered by keyboard alone, checked, feedback
and points as ipt_helpers.forms.scoring gives them, a wrong attempt then a right one, the history
kept over a reload and listed on the Your practice page, and axe with the feedback shown at
375 px and on a desktop, light and dark. Also the book fixes of issue 12: the phone's menu
button, one search box on a desktop, the timeline without its plotting code.

Run against `_build/html` or, with IPT_BOOK_HTML, against a book built elsewhere.
"""

import re
import sys
from pathlib import Path

import pytest

from bookcheck import (AXE, AXE_TAGS, BLOCKING, BUILT, DESKTOP, PHONE, ROOT, describe,
                       offline_context)
from ipt_helpers.forms import items
from ipt_helpers.forms.scoring import full_marks, score_answers

sys.path.insert(0, str(ROOT / "book" / "_ext"))
import practice  # noqa: E402

from conftest import first_stage  # noqa: E402

pytestmark = [pytest.mark.browser]

DEFS = {}
for _page, _block in practice.book_blocks(ROOT / "book"):
    _qs, _models = practice.parse_block(_block["source"], _block["convention"])
    DEFS[_block["id"]] = (_qs, items.FormDefinition(_block["id"], _qs).rubric())

MARK = re.compile(r'data-practice-form="([^"]+)"')
PRACTICE_PAGES = sorted(p.relative_to(BUILT).as_posix() for p in BUILT.rglob("*.html")
                        if "_static" not in p.parts and "data-practice-form=" in p.read_text()) \
    if BUILT.is_dir() else []


def forms_on(page_name):
    return MARK.findall((BUILT / page_name).read_text())


def kinds_on(page_name):
    """The kinds of question on a page: Single, Multi, Order, Sort (dropdowns or ticks)."""
    return {type(q).__name__ + ("-ticks" if getattr(q, "multiple", False) else "")
            for form_id in forms_on(page_name) for q in DEFS[form_id][0]}


def covering(pages):
    """The first stage's pages: few, together holding every kind of question."""
    keep, seen = [], set()
    for name in sorted(pages, key=lambda p: (-len(kinds_on(p)), p)):
        if kinds_on(name) - seen:
            keep.append(name)
            seen |= kinds_on(name)
    return keep


# ---------------------------------------------------------------- answers

def right_answers(questions, rubric):
    answers = full_marks(rubric)
    for q in questions:
        if type(q).__name__ == "Text":
            answers[q.id] = "My own answer."
    return answers


def wrong_answers(questions, rubric):
    """Answers that earn little or nothing: each question answered, but wrongly where it can be."""
    answers = {}
    for q in questions:
        rule, kind = rubric.get(q.id), type(q).__name__
        if kind == "Single":
            accept = rule["accept"]
            accept = {a: 1 for a in accept} if isinstance(accept, list) else accept
            zero = [k for k in q.keys() if not accept.get(k)]
            answers[q.id] = zero[0] if zero else None
        elif kind == "Multi":
            answers[q.id] = [k for k in q.keys() if k not in rule["correct"]
                             and k not in rule.get("neutral", [])]
        elif kind == "Order":
            order = rule["order"]
            order = order if isinstance(order[0], str) else order[0]
            answers[q.id] = list(reversed(order))
        elif kind == "Sort" and not q.multiple:
            out = {}
            for item in q.item_keys():
                accepted = rule["placement"].get(item, [])
                accepted = [accepted] if isinstance(accepted, str) else accepted
                out[item] = next((c for c in q.category_keys() if c not in accepted), None)
            answers[q.id] = out
        elif kind == "Sort":
            answers[q.id] = {i: [c for c in q.category_keys() if c not in rule["tags"].get(i, [])]
                             for i in q.item_keys()}
        else:
            answers[q.id] = ""
    for q in questions:  # a question that does not apply to these answers is not answered
        if q.id in rubric and not _applies(rubric[q.id], answers):
            answers[q.id] = None
    return answers


def _applies(rule, answers):
    from ipt_helpers.forms.scoring import applies
    return applies(rule, answers)


# ---------------------------------------------------------------- the keyboard

def type_answers(page, section, questions, answers):
    """Answer the form with the keyboard only; focus is on the form's first control."""
    kb = page.keyboard
    for q in questions:
        fs = section.locator(f'fieldset.practice-q[data-q="{q.id}"]')
        if fs.evaluate("f => f.hidden"):
            continue
        kind, value = type(q).__name__, answers.get(q.id)
        if kind == "Single":
            if value is not None:
                kb.press("Space")  # checks the first option
                for _ in range(q.keys().index(value)):
                    kb.press("ArrowDown")
            kb.press("Tab")
        elif kind == "Multi":
            for key in q.keys():
                if key in (value or []):
                    kb.press("Space")
                kb.press("Tab")
        elif kind == "Order":
            for step in range(len(q.items)):
                key = value[step] if value else None
                for _ in range(q.keys().index(key) + 1 if key else 0):
                    kb.press("ArrowDown")
                kb.press("Tab")
        elif kind == "Sort" and not q.multiple:
            for item in q.item_keys():
                cat = (value or {}).get(item)
                for _ in range(q.category_keys().index(cat) + 1 if cat else 0):
                    kb.press("ArrowDown")
                kb.press("Tab")
        elif kind == "Sort":
            for item in q.item_keys():
                for cat in q.category_keys():
                    if cat in (value or {}).get(item, []):
                        kb.press("Space")
                    kb.press("Tab")
        else:
            if value:
                kb.type(value)
            kb.press("Tab")
    assert page.evaluate("document.activeElement.className") == "practice-check", \
        "Tab did not reach the Check button after the last question"
    kb.press("Enter")


def assert_feedback(section, questions, rubric, answers):
    """The page shows what ipt_helpers.forms.scoring says about ``answers``."""
    keyed = {qid: answers.get(qid) for qid in rubric}
    total, lines = score_answers(keyed, rubric)
    got = section.evaluate("""s => [...s.querySelectorAll('fieldset.practice-q')].map(f =>
        [f.dataset.q, f.hidden, f.querySelector('.practice-feedback').hidden,
         f.querySelector('.practice-feedback').innerText])""")
    shown = {qid: (hidden, box_hidden, text) for qid, hidden, box_hidden, text in got}
    legends = legends_of(section)
    visible = [qid for qid, (hidden, _, _) in legends.items() if not hidden]
    assert [legends[q][1] for q in visible] == [f"{n}. " for n in range(1, len(visible) + 1)], \
        f"only the questions shown are numbered: {legends}"
    i = 0
    while i < len(lines):
        m = re.match(r"\[(.+?)\] (\S+): (.*)$", lines[i])
        verdict, qid, rest = m.groups()
        notes = []
        i += 1
        while i < len(lines) and lines[i].startswith("    "):
            notes.append(lines[i][4:])
            i += 1
        fs_hidden, box_hidden, text = shown[qid]
        if verdict == "Does not apply":
            assert fs_hidden, f"{qid} should be hidden: {lines}"
            continue
        earned, points = re.match(r"(\S+) of (\S+) points", rest).groups()
        assert not box_hidden, (qid, lines)
        assert legends[qid][2] == f"({points} point{'' if points == '1' else 's'})", \
            f"{qid} says it is worth {legends[qid][2]}; Check scored it out of {points}"
        assert f"{verdict}: {earned} of {points} point" in text, (qid, text, lines)
        for note in notes:
            assert note.replace("Why: ", "") in text, (qid, note, text)
        assert ("Why:" in text) == any(n.startswith("Why: ") for n in notes), (qid, text, notes)
    for q in questions:
        if q.id not in rubric and not shown[q.id][0]:
            assert "Model answer:" in shown[q.id][2] or not shown[q.id][2], shown[q.id]
    maximum = sum(float(r.get("points", 1)) for r in rubric.values())
    result = section.locator(".practice-result").inner_text()
    assert result.startswith(f"Result: {total:g} of {maximum:g} point"), (result, total)
    return total, maximum


def legends_of(section):
    """{question id: (hidden, number shown, points shown)} of a practice form, in order."""
    got = section.evaluate("""s => [...s.querySelectorAll('fieldset.practice-q')].map(f => {
        const n = f.querySelector(':scope > legend > .practice-n'),
              p = f.querySelector(':scope > legend > .practice-points');
        return [f.dataset.q, f.hidden, n ? n.textContent : null, p ? p.textContent.trim() : null]; })""")
    return {qid: (hidden, number, points) for qid, hidden, number, points in got}


def axe_on_forms(page, selector="section.practice"):
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async ([tags, selector]) => {
      const r = await axe.run({include: [...document.querySelectorAll(selector)]},
          {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
      return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
          nodes: v.nodes.map(n => ({target: n.target.join(' '), impact: n.impact,
                                    html: n.html.slice(0, 160)}))}));
    }""", [AXE_TAGS, selector])
    return [describe(v) for v in found if v["impact"] in BLOCKING]


# ---------------------------------------------------------------- every page with practice

def test_every_practice_item_is_on_a_page():
    assert len(PRACTICE_PAGES) >= 40, f"no built book with practice in {BUILT}"
    on_pages = {f for p in PRACTICE_PAGES for f in forms_on(p)}
    assert on_pages == set(DEFS)
    cases = sorted(p.stem for p in (ROOT / "book/casebook").glob("case-*.md"))
    assert all(f"book/casebook/{c}.html" in PRACTICE_PAGES for c in cases)


@pytest.fixture(scope="module")
def reader(browser):
    """One browser tab, offline, reused for every page with practice (its history grows)."""
    problems = []
    with offline_context(browser, PHONE) as (context, blocked):
        page = context.new_page()
        page.on("pageerror", lambda e: problems.append(f"uncaught exception: {e}"))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        yield page, problems, blocked


@pytest.mark.parametrize("name", first_stage(PRACTICE_PAGES, covering(PRACTICE_PAGES)))
def test_practice_by_keyboard_feedback_history_and_axe(name, reader, book_url):
    page, problems, blocked = reader
    problems.clear()
    page.set_viewport_size(PHONE)
    page.emulate_media(color_scheme="light")
    page.goto(book_url + name, wait_until="load")
    forms = forms_on(name)
    for form_id in forms:
        questions, rubric = DEFS[form_id]
        section = page.locator(f'section[data-practice-form="{form_id}"]')
        section.locator("input, select, textarea").first.focus()  # as if tabbed to
        wrong = wrong_answers(questions, rubric)
        type_answers(page, section, questions, wrong)
        got, maximum = assert_feedback(section, questions, rubric, wrong)
        assert got < maximum, (form_id, wrong)
        page.keyboard.press("Tab")  # Check -> Try again
        page.keyboard.press("Enter")
        assert section.locator(".practice-feedback:not([hidden])").count() == 0
        right = right_answers(questions, rubric)
        type_answers(page, section, questions, right)  # Try again focused the first control
        assert assert_feedback(section, questions, rubric, right)[0] == maximum
    # feedback is shown: axe at both sizes, light and dark
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            page.wait_for_function(f"document.documentElement.dataset.theme === '{scheme}'")
            page.wait_for_timeout(50)
            problems += [f"{viewport['width']}px {scheme}: {p}" for p in axe_on_forms(page)]
    page.reload(wait_until="load")
    titles = {}
    for form_id in forms:
        line = page.locator(f'section[data-practice-form="{form_id}"] .practice-history-line')
        maximum = sum(float(r.get("points", 1)) for r in DEFS[form_id][1].values())
        assert line.inner_text().startswith(
            f"Your attempts in this browser: 2; last {maximum:g} of {maximum:g}"), line.inner_text()
        titles[form_id] = page.locator(f'section[data-practice-form="{form_id}"] .practice-title') \
            .inner_text().removeprefix("PRACTICE").removeprefix("Practice").strip()
    page.goto(book_url + "book/practice.html", wait_until="load")
    for form_id, title in titles.items():
        row = page.locator(".practice-table tbody tr", has=page.locator("th a", has_text=title))
        assert row.count() == 1 and row.locator("td").first.inner_text() == "2", title
    assert problems == [] and blocked == []


def test_your_practice_page_clears_the_history(browser, book_url):
    name = "book/casebook/case-wadih.html"
    with offline_context(browser, DESKTOP) as (context, blocked):
        page = context.new_page()
        page.goto(book_url + "book/practice.html")
        assert "No practice attempts in this browser yet" in page.inner_text(".practice-history")
        page.goto(book_url + name)
        page.click("section.practice button.practice-check")
        page.goto(book_url + "book/practice.html")
        link = page.locator(".practice-table tbody tr th a")
        assert link.inner_text() == "Wadih: state your convention"
        assert link.get_attribute("href").endswith(name + "#practice-practice-wadih")
        rows = page.locator(".practice-table tbody tr")
        assert "local storage" not in page.inner_text("body").lower(), "said in plain words"
        clear = page.locator("button.practice-clear")
        clear.focus()
        page.keyboard.press("Enter")
        # asked first, in the page: the focus is on "Keep them", so a stray Enter keeps them
        confirm = page.locator(".practice-confirm")
        assert confirm.get_attribute("role") == "group"
        assert confirm.locator("p").inner_text() == ("Delete the practice attempts saved in this "
                                                     "browser? They cannot be brought back.")
        assert page.evaluate("document.activeElement.textContent") == "Keep them"
        assert axe_on_forms(page, ".practice-history") == []
        page.keyboard.press("Enter")
        assert confirm.count() == 0 and rows.count() == 1, "Keep them deletes nothing"
        assert page.inner_text("[role=status]") == "Nothing was deleted."
        assert page.evaluate("document.activeElement.className") == "practice-clear"
        page.keyboard.press("Enter")
        page.keyboard.press("Escape")
        assert confirm.count() == 0 and rows.count() == 1, "Escape deletes nothing"
        page.reload()
        assert rows.count() == 1
        clear.focus()
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Delete them"
        page.keyboard.press("Enter")
        assert page.inner_text("[role=status]") == \
            "The practice attempts saved in this browser were deleted."
        assert "No practice attempts in this browser yet" in page.inner_text(".practice-history")
        page.reload()
        assert "No practice attempts in this browser yet" in page.inner_text(".practice-history")
    assert blocked == []


def _radio_by_keyboard(page, fieldset, index):
    """Check a question's option ``index`` with the keyboard (from its first radio)."""
    fieldset.locator("input").first.focus()
    page.keyboard.press("Space")
    for _ in range(index):
        page.keyboard.press("ArrowDown")


def test_a_question_says_what_check_scores_and_hidden_ones_take_no_number(browser, book_url):
    """Daichi (issue 21, item 9): the focus question said "(2 points)" and its feedback "3 of 3"
    (the stage question, not asked, moves its point to it). The points shown follow the
    answers, by the scorer's rule; only the questions shown are numbered."""
    questions, _ = DEFS["practice-daichi"]
    focus = next(q for q in questions if q.id == "focus")
    with offline_context(browser, DESKTOP) as (context, blocked):
        page = context.new_page()
        page.goto(book_url + "book/casebook/case-daichi.html", wait_until="load")
        section = page.locator('section[data-practice-form="practice-daichi"]')
        fieldset = lambda qid: section.locator(f'fieldset.practice-q[data-q="{qid}"]')  # noqa: E731
        legends = legends_of(section)
        assert legends["focus"] == (False, "1. ", "(3 points)")
        assert legends["stage"][:2] == (True, "")
        assert legends["first"][1] == "2. "
        _radio_by_keyboard(page, fieldset("focus"), focus.keys().index("role_dispute"))
        legends = legends_of(section)
        assert legends["focus"] == (False, "1. ", "(2 points)")
        assert legends["stage"] == (False, "2. ", "(1 point)")
        assert legends["first"][1] == "3. "
        section.locator("button.practice-check").focus()
        page.keyboard.press("Enter")
        assert "Partly correct: 1 of 2 points." in fieldset("focus").inner_text()
        _radio_by_keyboard(page, fieldset("focus"), focus.keys().index("role_transition"))
        legends = legends_of(section)
        assert legends["focus"] == (False, "1. ", "(3 points)")
        assert legends["stage"][:2] == (True, "") and legends["first"][1] == "2. "
        section.locator("button.practice-check").focus()
        page.keyboard.press("Enter")
        assert "Correct: 3 of 3 points." in fieldset("focus").inner_text()
    assert blocked == []


def test_order_feedback_says_which_steps_are_in_place(browser, book_url):
    """A partly right order (issue 21, item 9) says, in words, which steps are in the right
    place and which are not."""
    questions, rubric = DEFS["practice-initial"]
    steps = next(q for q in questions if q.id == "steps")
    answer = ["diagnose", "formulate", "inventory", "contract"]  # the middle two swapped
    assert rubric["steps"]["order"] == ["diagnose", "inventory", "formulate", "contract"]
    with offline_context(browser, DESKTOP) as (context, blocked):
        page = context.new_page()
        page.goto(book_url + "book/phases/initial.html", wait_until="load")
        section = page.locator('section[data-practice-form="practice-initial"]')
        fieldset = section.locator('fieldset.practice-q[data-q="steps"]')
        for i, key in enumerate(answer):
            fieldset.locator("select").nth(i).focus()
            for _ in range(steps.keys().index(key) + 1):
                page.keyboard.press("ArrowDown")
        section.locator("button.practice-check").focus()
        page.keyboard.press("Enter")
        text = fieldset.locator(".practice-places").inner_text()
        label = steps.label_of
        assert text.startswith(
            f"In the right place: step 1 ({label('diagnose')}); step 4 ({label('contract')}). "
            f"Not in the right place: step 2 ({label('formulate')}); step 3 ({label('inventory')}).")
        assert "Partly correct" in fieldset.locator(".practice-verdict").inner_text()
    assert blocked == []


def test_practice_works_from_file_urls(browser):
    """Opened from the folder (file://): the form scores, the attempt is kept, Show the model
    answer shows it."""
    url = (BUILT / "book/model/sick-role.html").as_uri()
    page = browser.new_page()
    try:
        page.goto(url)
        section = page.locator("section.practice")
        section.locator("input[type=checkbox]").first.check()
        section.locator("button.practice-check").click()
        assert section.locator(".practice-result").inner_text().startswith("Result: 0.5 of 3 points")
        section.locator("button.practice-show").click()
        assert "Model answer: Tick: Being excused" in section.inner_text()
        page.reload()
        assert "Your attempts in this browser: 1" in section.locator(".practice-history-line").inner_text()
    finally:
        page.close()


# ---------------------------------------------------------------- book fixes of issue 12

def test_phone_menu_button_opens_the_table_of_contents(browser, book_url):
    with offline_context(browser, PHONE, has_touch=True) as (context, blocked):
        page = context.new_page()
        page.goto(book_url + "book/model/sick-role.html", wait_until="load")
        toc = page.locator("#pst-primary-sidebar-modal a.reference", has_text="The mood timeline")
        assert not toc.is_visible()
        buttons = page.locator(".primary-toggle")
        visible = [i for i in range(buttons.count()) if buttons.nth(i).is_visible()]
        assert len(visible) == 1
        buttons.nth(visible[0]).tap()
        page.wait_for_function("document.querySelector('#pst-primary-sidebar-modal').open")
        assert toc.is_visible()
        page.keyboard.press("Escape")
        page.wait_for_function("!document.querySelector('#pst-primary-sidebar-modal').open")
    assert blocked == []


def test_one_search_box_on_a_desktop(browser, book_url):
    with offline_context(browser, DESKTOP) as (context, blocked):
        page = context.new_page()
        page.goto(book_url + "book/model/sick-role.html", wait_until="load")
        visible = page.evaluate("""() => [...document.querySelectorAll(
            '.search-button-field, .search-button, input[type=search]')].filter(e => {
              const r = e.getBoundingClientRect();
              return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'; }).length""")
        assert visible == 1


def test_timeline_page_hides_its_plotting_code():
    html = (BUILT / "book/history/timeline.html").read_text()
    assert "import matplotlib" not in html and "<img" in html
    source = (ROOT / "book/history/timeline.ipynb").read_text()
    assert "import matplotlib" in source and '"remove-input"' in source
