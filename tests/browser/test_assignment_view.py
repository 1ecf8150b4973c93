"""The assignment view (labextension/src/view.ts) in a real browser, as a student uses it.

A student double-clicks an assignment in the file browser; it opens as a page of questions,
with no kernel. Every question type and every written answer is answered by keyboard alone,
from a click on the page's heading: Tab to a question, arrows within a radio group, Space on a
checkbox, arrows in a drop-down, typing in a text box. Ctrl+S saves; the page is closed and
opened again and shows every answer; the saved file is graded by nbgrader to the exact
expected total, equal to the grade of the same answers written by the widgets' rule
(``rewrite_answer``). Then: keys pressed after a click on each region of the page change no
cell; arrows in a radio group never change another question; no two option labels overlap and
nothing runs past the right edge; axe finds no serious or critical violation, in the light
and the dark theme. JupyterLab and Notebook 7, at 1280 × 800 and 375 × 667, offline.
"""

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from bookcheck import offline_context
from browser import chromium, jupyter_lab
from conftest import ROOT, first_stage, release_nb, released_course, run, source_nb
from ipt_helpers.forms.cellsource import notebook_answers
from ipt_helpers.forms.items import notebook_items
from ipt_helpers.forms.scoring import clear_inapplicable
from submissions import key_answers, partial_case, with_answers, with_written_answer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 667}
WRITTEN = "Typed in the page: the onset followed the move.\nA second line, with “quotes”."
VIEW = ".ipt-AssignmentView"
DOC = "window.jupyterapp.shell.currentWidget"
#: the notebook's single-key shortcuts, the arrows, Escape and Enter
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
KEYS = ["m", "a", "b", "d", "d", "x", "c", "v", "z", "y", "r", "Shift+M", "ArrowDown",
        "ArrowUp", "Escape", "Enter"]

#: What has focus, in the view's terms.
FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || !e.closest('.ipt-AssignmentView')) return null;
  const form = e.closest('[data-form]'), q = e.closest('fieldset.ipt-view-q');
  const item = e.closest('[data-item]');
  const steps = e.closest('.ipt-view-steps');
  return {tag: e.tagName.toLowerCase(), type: e.type || '', value: e.value, checked: !!e.checked,
          form: form && form.dataset.form, q: q && q.dataset.q, kind: q && q.dataset.kind,
          item: item && item.dataset.item,
          pos: steps ? [...steps.querySelectorAll('select')].indexOf(e) : -1,
          written: e.classList.contains('ipt-view-written-box'), text: e.textContent,
          options: e.tagName === 'SELECT' ? [...e.options].map(o => o.value) : null,
          index: e.tagName === 'SELECT' ? e.selectedIndex : -1};
}"""

#: Every form's answers as the page shows them (hidden questions left out).
SHOWN = """() => {
  const out = {};
  document.querySelectorAll('.ipt-AssignmentView [data-form]').forEach(f => {
    const a = out[f.dataset.form] = {};
    f.querySelectorAll('fieldset.ipt-view-q').forEach(q => {
      if (q.hidden) return;
      const k = q.dataset.kind;
      if (k === 'Single') { const c = q.querySelector('input:checked'); a[q.dataset.q] = c ? c.value : null; }
      else if (k === 'Multi') a[q.dataset.q] = [...q.querySelectorAll('input:checked')].map(i => i.value);
      else if (k === 'Order') a[q.dataset.q] = [...q.querySelectorAll('select')].map(s => s.value || null);
      else if (k === 'Sort' && q.querySelector('select')) {
        const v = {}; q.querySelectorAll('select').forEach(s => v[s.dataset.item] = s.value || null); a[q.dataset.q] = v; }
      else if (k === 'Sort') {
        const v = {}; q.querySelectorAll('fieldset.ipt-view-item').forEach(i =>
          v[i.dataset.item] = [...i.querySelectorAll('input:checked')].map(b => b.value)); a[q.dataset.q] = v; }
      else a[q.dataset.q] = q.querySelector('textarea').value;
    });
  });
  return out;
}"""


# --- the course ------------------------------------------------------------------------------

ASSIGNMENTS = ["ps1-problem-areas", "ps9-measurement-fidelity"]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return released_course(tmp_path_factory.mktemp("course"), ASSIGNMENTS)


def wanted(assignment, kind):
    """({form id: answer to give}, {form id: the answer recorded}, {grade id: points})."""
    source = source_nb(assignment)
    items = {i.form_id: i for i in notebook_items(source).items}
    answers = key_answers(source)
    points = {i.grade_id: i.points for i in items.values()}
    if kind == "partial":
        case = partial_case(assignment)
        answers.update(case["answers"])
        points.update(case["expected"])
    recorded = {}
    for form_id, answer in answers.items():
        qs = items[form_id].definition.questions
        clean = {q.id: q.check(answer.get(q.id)) for q in qs}
        recorded[form_id] = clear_inapplicable(qs, clean)
    return answers, recorded, points


# --- the page, by keyboard ---------------------------------------------------------------------

def doc(page, expr):
    return page.evaluate(f"() => {{ const w = {DOC}; return {expr}; }}")


def wait_view(page):
    page.wait_for_selector(f"{VIEW} .ipt-view-form", timeout=120_000)
    page.wait_for_function(f"() => {DOC} && {DOC}.context.isReady")


def open_from_file_browser(page, context, url, token, name, app):
    """Double-click the file in the file browser, as a student does; return the view's page."""
    if app == "lab":
        page.goto(f"{url}/lab?reset&token={token}")
        item = page.locator(".jp-DirListing-item", has_text=name)
        item.dblclick(timeout=120_000)
        wait_view(page)
        return page
    page.goto(f"{url}/tree?token={token}")
    item = page.locator(".jp-DirListing-item", has_text=name)
    with context.expect_page() as opened:
        if page.viewport_size["width"] < 700:
            # on a phone a file is tapped, then opened with the Open button (Notebook 7's
            # file page does not open a file on a double tap at this width)
            item.click(timeout=120_000)
            page.get_by_role("button", name="Open", exact=True).click()
        else:
            item.dblclick(timeout=120_000)
    view = opened.value
    wait_view(view)
    return view


def close_document(page, app):
    if app == "lab":
        page.evaluate(f"() => {DOC}.close()")
        page.wait_for_selector(VIEW, state="detached")
    else:
        page.close()


def answer_by_keyboard(page, answers, written):
    """Tab through the page from its first heading and answer each control by keyboard."""
    page.locator(f"{VIEW} h1").first.click()
    seen_save = False
    for _ in range(3000):
        page.keyboard.press("Tab")
        f = page.evaluate(FOCUSED)
        if f is None:
            continue
        if f["tag"] == "button" and f["text"] == "Save now":
            seen_save = True
            break
        if f["written"]:
            page.keyboard.type(written)
            continue
        if not f["form"] or not f["q"]:
            continue
        want = answers.get(f["form"], {}).get(f["q"])
        if f["type"] == "radio":
            if want is None:
                continue
            for _ in range(40):
                f = page.evaluate(FOCUSED)
                if f["value"] == want:
                    if not f["checked"]:
                        page.keyboard.press("Space")
                    break
                page.keyboard.press("ArrowDown")
            assert page.evaluate(FOCUSED)["checked"] and page.evaluate(FOCUSED)["value"] == want
        elif f["type"] == "checkbox":
            chosen = want.get(f["item"], []) if f["kind"] == "Sort" else want
            if (f["value"] in (chosen or [])) != f["checked"]:
                page.keyboard.press("Space")
        elif f["tag"] == "select":
            target = want[f["pos"]] if f["kind"] == "Order" else (want or {}).get(f["item"])
            index = f["options"].index(target or "")
            for _ in range(abs(index - f["index"])):
                page.keyboard.press("ArrowDown" if index > f["index"] else "ArrowUp")
            assert page.evaluate(FOCUSED)["value"] == (target or "")
        elif f["tag"] == "textarea":
            page.keyboard.type(want or "")
    assert seen_save, "Tab reaches the hand-in panel"


def save_by_keyboard(page):
    page.keyboard.press("Control+s")
    page.wait_for_function(f"() => !{DOC}.context.model.dirty", timeout=30_000)
    assert "Saved" in page.locator(".ipt-view-save").inner_text()


def grade(course, assignment, files) -> dict:
    """{student: {grade id: auto score}} by nbgrader autograde, for {student: file}."""
    for student, path in files.items():
        target = course / "submitted" / student / assignment / release_nb(course, assignment).name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
        run(["nbgrader", "autograde", assignment, "--create", "--force", "--student", student],
            cwd=course)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        out = {}
        for student in files:
            sub = gb.find_submission_notebook(release_nb(course, assignment).stem, assignment, student)
            out[student] = {g.name: g.auto_score for g in sub.grades if g.auto_score is not None}
        return out


def cells_and_forms(path):
    """What no key may change: each cell's type and id, and each form's definition (its
    description and its cell around the recorded answer)."""
    nb = json.loads(Path(path).read_text())
    out = []
    for cell in nb["cells"]:
        form = cell["metadata"].get("ipt", {}).get("form")
        out.append((cell["cell_type"], cell.get("id"), json.dumps(form, sort_keys=True),
                    "".join(cell["source"]) if cell["cell_type"] == "code" and not form else ""))
    return out


# --- tests -------------------------------------------------------------------------------------

#: every front end, width and assignment (the first stage answers one; the rest run in the
#: second), each with the key's answers or the hand-computed partial ones
CASES = [("lab", "ps9-measurement-fidelity", "perfect", DESKTOP),
         ("lab", "ps1-problem-areas", "partial", PHONE),
         ("notebook", "ps1-problem-areas", "perfect", DESKTOP),
         ("notebook", "ps9-measurement-fidelity", "partial", PHONE),
         ("lab", "ps1-problem-areas", "perfect", DESKTOP),
         ("lab", "ps9-measurement-fidelity", "partial", PHONE),
         ("notebook", "ps9-measurement-fidelity", "perfect", DESKTOP),
         ("notebook", "ps1-problem-areas", "partial", PHONE)]


@pytest.mark.parametrize("app,assignment,kind,viewport", [
    case if case in CASES[1:2] else pytest.param(*case, marks=pytest.mark.full) for case in CASES],
    ids=lambda v: v if isinstance(v, str) else f"{v['width']}px")
def test_a_student_answers_in_the_view_by_keyboard_and_the_file_grades_exactly(
        course, tmp_path, app, assignment, kind, viewport):
    home = tmp_path / "home"
    home.mkdir()
    path = home / release_nb(course, assignment).name
    shutil.copy(release_nb(course, assignment), path)
    answers, recorded, points = wanted(assignment, kind)
    with jupyter_lab(home, app=app) as (url, token), chromium() as browser, \
            offline_context(browser, viewport=viewport) as (context, blocked):
        page = context.new_page()
        view = open_from_file_browser(page, context, url, token, path.name, app)
        assert not doc(view, "w.context.model.dirty"), "opening changes nothing"
        sessions = view.evaluate("async () => (await window.jupyterapp.serviceManager.sessions"
                                 ".refreshRunning(), [...window.jupyterapp.serviceManager.sessions"
                                 ".running()].length)")
        assert sessions == 0, "the view starts no kernel"
        assert view.locator(f"{VIEW} .jp-InputArea, {VIEW} .jp-Cell").count() == 0
        text = view.locator(VIEW).inner_text()
        assert "from ipt_helpers" not in text and "form(" not in text and "Hidden tests" not in text
        if viewport is PHONE and app == "lab":
            box = view.locator(VIEW).bounding_box()
            assert box["x"] < 80 and box["width"] > 250, "no side panel covers the page on open"

        answer_by_keyboard(view, answers, WRITTEN)
        assert doc(view, "w.context.model.dirty") or "Saved" in view.locator(".ipt-view-save").inner_text()
        save_by_keyboard(view)
        on_disk = nbformat.read(path, 4)
        assert notebook_answers(on_disk) == recorded
        written = [c.source for c in on_disk.cells if c.cell_type == "markdown"
                   and c.metadata.get("nbgrader", {}).get("solution")]
        assert written and all(w == WRITTEN for w in written)
        handin = view.locator(".ipt-view-handin").inner_text()
        assert "Every question and written answer is done." in handin, handin

        # closed and opened again: every answer is shown
        close_document(view, app)
        page = page if app == "lab" else context.new_page()
        view = open_from_file_browser(page, context, url, token, path.name, app)
        shown = view.evaluate(SHOWN)
        for form_id, answer in recorded.items():
            for qid, value in shown[form_id].items():
                assert value == answer[qid], (form_id, qid)
        assert [b.input_value() for b in view.locator(".ipt-view-written-box").all()] == \
            [WRITTEN] * len(written)
        assert not blocked, f"requests to other hosts: {blocked}"

    # graded: the exact total, equal to the same answers written by the widgets' rule
    widget_path = tmp_path / "widgets.ipynb"
    nbformat.write(with_written_answer(with_answers(nbformat.read(release_nb(course, assignment), 4),
                                                    recorded), WRITTEN), widget_path)
    scores = grade(course, assignment, {f"view-{app}-{kind}": path, f"widgets-{app}-{kind}": widget_path})
    got, widgets = scores[f"view-{app}-{kind}"], scores[f"widgets-{app}-{kind}"]
    assert {g: got[g] for g in points} == pytest.approx(points)
    assert got == widgets


REGIONS = {
    "a control": ".ipt-view-form input[type=radio]",
    "a question's text": ".ipt-view-q legend",
    "a form's heading": ".ipt-view-form-title",
    "the case text": ".ipt-view-text p",
    "a form's status line": ".ipt-view-form-status",
    "the hand-in panel": ".ipt-view-handin h2",
    "a written answer's label": ".ipt-view-written-label",
}


@pytest.mark.parametrize("app", first_stage(["lab", "notebook"], keep=["lab"]))
def test_no_key_pressed_anywhere_in_the_page_changes_a_cell(course, tmp_path, app):
    home = tmp_path / "home"
    home.mkdir()
    path = home / release_nb(course, "ps9-measurement-fidelity").name
    shutil.copy(release_nb(course, "ps9-measurement-fidelity"), path)
    before = cells_and_forms(path)
    with jupyter_lab(home, app=app) as (url, token), chromium() as browser, \
            offline_context(browser, viewport=DESKTOP) as (context, _):
        page = context.new_page()
        view = open_from_file_browser(page, context, url, token, path.name, app)
        targets = dict(REGIONS)
        for name, selector in targets.items():
            view.locator(selector).first.scroll_into_view_if_needed()
            view.locator(selector).first.click()
            for key in KEYS:
                view.keyboard.press(key)
            assert view.locator(VIEW).count() == 1, f"the page is still there after {name}"
        # a blank area: the page's margin beside the column
        box = view.locator(".ipt-view-page").bounding_box()
        view.mouse.click(box["x"] + 3, box["y"] + 40)
        for key in KEYS:
            view.keyboard.press(key)

        # in a radio question, arrows never change another question
        first = view.locator(".ipt-view-form").first
        shown = view.evaluate(SHOWN)
        form_id = first.get_attribute("data-form")
        radio = first.locator("fieldset.ipt-view-q[data-kind=Single] input").first
        qid = radio.evaluate("r => r.closest('fieldset').dataset.q")
        radio.focus()
        for key in ["ArrowDown"] * 9 + ["ArrowUp"] * 4 + ["ArrowRight"] * 3:
            view.keyboard.press(key)
            assert view.evaluate(FOCUSED)["q"] == qid, "the arrows stay in their question"
        after = view.evaluate(SHOWN)
        changed = {q for q in after[form_id] if after[form_id][q] != shown[form_id].get(q)}
        assert changed <= {qid}
        assert {f: a for f, a in after.items() if f != form_id} == \
            {f: a for f, a in shown.items() if f != form_id}
        save_by_keyboard(view)
    assert cells_and_forms(path) == before, "no key changed a cell, its type or a form"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "375px"])
@pytest.mark.parametrize("app", first_stage(["lab", "notebook"], keep=["lab"]))
def test_the_page_fits_and_is_accessible(course, tmp_path, app, viewport):
    home = tmp_path / "home"
    home.mkdir()
    for assignment in ASSIGNMENTS:
        shutil.copy(release_nb(course, assignment), home)
    with jupyter_lab(home, app=app) as (url, token), chromium() as browser, \
            offline_context(browser, viewport=viewport) as (context, _):
        page = context.new_page()
        for assignment in ASSIGNMENTS:
            view = open_from_file_browser(page, context, url, token,
                                          release_nb(course, assignment).name, app)
            overlaps = view.evaluate("""() => {
              const out = [], right = document.documentElement.clientWidth;
              const page = document.querySelector('.ipt-AssignmentView').getBoundingClientRect();
              document.querySelectorAll('.ipt-view-q').forEach(q => {
                const labels = [...q.querySelectorAll('.ipt-view-option, .ipt-view-row')]
                  .map(l => l.getBoundingClientRect()).filter(r => r.height > 0);
                for (let i = 0; i < labels.length; i++)
                  for (let j = i + 1; j < labels.length; j++) {
                    const a = labels[i], b = labels[j];
                    if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1)
                      out.push('overlap in ' + q.dataset.q);
                  }
              });
              document.querySelectorAll('.ipt-AssignmentView *').forEach(e => {
                const r = e.getBoundingClientRect();
                if (r.width && (r.right > Math.min(right, page.right) + 1))
                  out.push('past the right edge: ' + e.tagName + ' ' + e.className);
              });
              return out;
            }""")
            assert overlaps == [], overlaps[:5]
            for theme in ["JupyterLab Light", "JupyterLab Dark"]:
                view.evaluate("t => window.jupyterapp.commands.execute('apputils:change-theme',"
                              " {theme: t})", theme)
                view.wait_for_function(
                    "t => document.body.dataset.jpThemeName === t", arg=theme, timeout=30_000)
                view.add_script_tag(path=str(AXE))
                bad = view.evaluate(
                    "async el => { const r = await axe.run(el, {resultTypes: ['violations']});"
                    " return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))"
                    ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')); }",
                    view.locator(VIEW).element_handle())
                assert bad == [], (assignment, theme, bad)
            # every control's accessible name is its visible label
            names = view.locator(VIEW).evaluate(
                "el => { axe.setup(el); const out = [...el.querySelectorAll('input, select, textarea')]"
                ".filter(c => c.offsetParent !== null).map(c => { const label = c.id && document.querySelector('label[for=\"' + c.id + '\"]');"
                " return [axe.commons.text.accessibleTextVirtual(axe.utils.getNodeFromTree(c)).trim(),"
                " label ? label.textContent.trim() : null]; }); axe.teardown(); return out; }")
            assert names and all(visible and accessible == visible for accessible, visible in names), \
                [n for n in names if n[0] != n[1]][:5]


@pytest.mark.parametrize("app", first_stage(["lab", "notebook"], keep=["lab"]))
def test_a_question_that_stops_applying_is_cleared_and_other_notebooks_open_as_notebooks(
        course, tmp_path, app):
    """In the view, a conditional question shows once it applies and, when it stops applying,
    is hidden and recorded empty. A notebook that is not an assignment (an instructor's
    source) opens in the notebook editor, with its kernel; Open With ▸ Notebook still gives
    the notebook of an assignment."""
    home = tmp_path / "home"
    home.mkdir()
    path = home / release_nb(course, "ps1-problem-areas").name
    shutil.copy(release_nb(course, "ps1-problem-areas"), path)
    source = next((ROOT / "exercises" / "source" / "ps1-problem-areas").glob("*.ipynb"))
    shutil.copy(source, home / "instructor-source.ipynb")
    with jupyter_lab(home, app=app) as (url, token), chromium() as browser, \
            offline_context(browser, viewport=DESKTOP) as (context, _):
        page = context.new_page()
        view = open_from_file_browser(page, context, url, token, path.name, app)
        form = view.locator("[data-form='case-b']")
        stage = form.locator("fieldset[data-q='stage']")
        assert stage.is_hidden()
        focus_points = form.locator("fieldset[data-q='focus'] > legend .ipt-view-points")
        # the points grading counts: the stage question's point is the focus question's while
        # the stage is not asked (scoring.effective_points), its own once it is
        assert focus_points.inner_text().strip() == "(3 points)"
        form.get_by_role("radio", name="Role dispute", exact=True).check()
        assert stage.is_visible()
        assert focus_points.inner_text().strip() == "(2 points)"
        stage.get_by_role("radio").nth(1).check()
        save_by_keyboard(view)
        assert notebook_answers(nbformat.read(path, 4))["case-b"]["stage"] == "impasse"
        form.get_by_role("radio", name="Grief", exact=True).check()
        assert stage.is_hidden()
        save_by_keyboard(view)
        recorded = notebook_answers(nbformat.read(path, 4))["case-b"]
        assert recorded["focus"] == "grief" and recorded["stage"] is None
        # the hidden question is neither numbered nor asked for
        visible = form.locator("fieldset.ipt-view-q:visible").count()
        numbers = [int(n) for n in re.findall(r"\d+", form.locator(".ipt-view-form-status").inner_text())]
        assert all(n <= visible for n in numbers), numbers

        # not an assignment: the notebook editor, with a kernel
        other = open_from_file_browser_any(page, context, url, token, "instructor-source.ipynb", app)
        other.wait_for_function(
            "() => { const a = window.jupyterapp, w = a && a.shell.currentWidget;"
            " return w && w.content && w.content.widgets && w.sessionContext"
            " && w.sessionContext.session; }", timeout=120_000)
        assert other.evaluate("() => { const w = window.jupyterapp.shell.currentWidget;"
                              " return [w.context.path, !!w.node.querySelector('.ipt-AssignmentView'),"
                              " w.content.widgets.length]; }") [:2] == ["instructor-source.ipynb", False]
        assert other.locator(".jp-Notebook .jp-Cell").count() > 5
        if app == "lab":
            # Open With ▸ Notebook on the assignment: the notebook, over the same file
            page.evaluate("async path => { const app = window.jupyterapp; const w = await"
                          " app.commands.execute('docmanager:open', {path, factory: 'Notebook'});"
                          " app.shell.activateById(w.id); }", path.name)
            page.wait_for_function(f"() => {DOC}.content && {DOC}.content.widgets &&"
                                   f" {DOC}.context.path === {json.dumps(path.name)}")
            assert page.locator(".jp-Notebook .jp-Cell").count() > 5
            # an answer written in the notebook (the widgets' record) shows in the view at once
            page.evaluate("""() => { const w = window.jupyterapp.shell.currentWidget;
              const cell = w.model.sharedModel.cells.find(c => {
                const m = c.getMetadata('ipt'); return m && m.form && m.form.id === 'case-b'; });
              const r = cell.getMetadata('ipt').form.record;
              cell.setSource(r.before + '{"focus": "role_transition", "stage": None}' + r.after); }""")
            # (the view's tab is behind the notebook's: its controls are read, not seen)
            assert form.locator("fieldset[data-q='focus'] input[value='role_transition']").is_checked()
            assert not form.locator("fieldset[data-q='focus'] input[value='grief']").is_checked()


def open_from_file_browser_any(page, context, url, token, name, app):
    """Double-click a file that may open as a notebook; return the page showing it."""
    if app == "lab":
        page.locator(".jp-DirListing-item", has_text=name).dblclick()
        return page
    page.goto(f"{url}/tree?token={token}")
    with context.expect_page() as opened:
        page.locator(".jp-DirListing-item", has_text=name).dblclick(timeout=120_000)
    other = opened.value
    # Notebook 7 sends a notebook that is not an assignment to its notebook page
    other.wait_for_url("**/notebooks/**", timeout=120_000)
    return other
