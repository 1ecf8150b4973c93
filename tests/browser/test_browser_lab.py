"""The notebook view of an assignment (Open With ▸ Notebook; what instructors see, and where
students land in a client without the assignment view), end to end in a real browser: students
answer assignments in JupyterLab 4 and Notebook 7 by keyboard alone, and nbgrader grades the
saved files exactly. (Students normally answer in the assignment view:
tests/browser/test_assignment_view.py.)

With the package's ``ipt-forms`` extension nothing but the controls is
touched: every answer records itself into its cell, Ctrl+S saves, the notebook is closed and
reopened and its kernel restarted, and the forms come back filled. Keys typed into any kind of
form control, or after a click anywhere in a form's output, change no cell; a radio question's
arrows stay in it, one Tab stop each; long option labels wrap. With the extension disabled,
Shift+Enter in each form cell records, as in any other front end. axe-core checks the rendered
forms. Every host but 127.0.0.1 is cut off.
"""

import json
import re
import shutil
import time

import nbformat
import pytest
from playwright.sync_api import expect
from nbgrader.api import Gradebook

from conftest import ROOT, first_stage, release_nb, released_course, run, source_nb
from bookcheck import offline_context
from browser import chromium, jupyter_lab
from ipt_helpers import Multi, Order, Single, Sort, Text, options
from ipt_helpers.forms.items import notebook_items
from ipt_helpers.forms.cellsource import heading_of, notebook_answers
from ipt_helpers.forms.recording import css_name
from ipt_helpers.forms.scoring import applies
from ipt_helpers.course.release.student_version import FORM_HEADER, StudentForms
from submissions import key_answers, partial_case

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ASSIGNMENTS = ["ps1-problem-areas", "ps4-phases"]
WRITTEN = "My answer, typed by keyboard: the onset followed a loss."
STEP = "ipt_helpers.course.release.student_version.StudentForms"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
NB = "window.jupyterapp.shell.currentWidget"
#: the notebook's single-key shortcuts (cell type, cut/copy/paste, delete, insert, merge,
#: undo) and the arrows that move the selected cell
KEYS = ["r", "m", "y", "x", "c", "v", "d", "d", "a", "b", "Shift+M", "z", "ArrowDown", "ArrowUp"]


# --- the course: student versions with the release step, and grading ------------------------

@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A copy of the course with its student versions (the course's release runs
    ``StudentForms``)."""
    assert STEP in (ROOT / "exercises" / "nbgrader_config.py").read_text(), \
        "the course's release titles, imports and collapses form cells"
    return released_course(tmp_path_factory.mktemp("course"), ASSIGNMENTS)


def questions_of(nb) -> dict:
    """{form id: [questions]} of an instructor's notebook, from its definitions."""
    return {item.form_id: item.definition.questions for item in notebook_items(nb).items}


def expected_answers(questions, answers):
    """What the forms record for ``answers``: normalised, and nothing for a question that does
    not apply (its controls are disabled)."""
    out = {}
    for fid, qs in questions.items():
        got = answers[fid]
        out[fid] = {q.id: (q.check(got.get(q.id)) if applies({"when": q.when}, got)
                           else q.check(None)) for q in qs}
    return out


def grade_ids(nb) -> dict:
    """{grade id: points} of the autograded test cells."""
    return {c.metadata.nbgrader["grade_id"]: float(c.metadata.nbgrader["points"])
            for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")}


def autograde(course, assignment, students) -> dict:
    """{student: {grade id: auto score}} after nbgrader autogrades their submitted files."""
    for student in students:
        run(["nbgrader", "autograde", assignment, "--create", "--student", student], cwd=course)
    name = release_nb(course, assignment).stem
    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in students:
            sub = gb.find_submission_notebook(name, assignment, student)
            scores[student] = {g.name: g.auto_score for g in sub.grades if g.auto_score is not None}
    return scores


def submit(course, assignment, student, path):
    target = course / "submitted" / student / assignment / path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, target)


# --- the browser -----------------------------------------------------------------------------

def open_notebook(page, url, token, name, app):
    """Open ``name`` in the notebook editor, as Open With ▸ Notebook does (an assignment opens
    in the assignment view by default: tests/browser/test_assignment_view.py)."""
    if app == "lab":
        # ?reset: no tabs of an earlier visit
        page.goto(f"{url}/lab?reset&token={token}")
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.docRegistry"
                               ".getWidgetFactory('Notebook')", timeout=120_000)
        page.evaluate("async path => { const app = window.jupyterapp; await app.restored;"
                      " const w = await app.commands.execute('docmanager:open',"
                      " {path, factory: 'Notebook'}); app.shell.activateById(w.id); }", name)
    else:
        page.goto(f"{url}/notebooks/{name}?factory=Notebook&token={token}")
    page.wait_for_function(
        f"() => {{ const w = window.jupyterapp && {NB};"
        " const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;"
        " return k && k.status === 'idle' && w.context.isReady; }", timeout=120_000)
    page.wait_for_timeout(1000)  # the kernel's language_info arrives after idle


def command(page, name):
    """Run a front-end command without waiting for it (a dialog would wait for a click)."""
    page.evaluate(f"() => {{ window.jupyterapp.commands.execute('{name}'); }}")


def wait_idle(page):
    page.wait_for_timeout(500)
    page.wait_for_function(f"() => {NB}.sessionContext.session.kernel.status === 'idle'",
                           timeout=120_000)


def dirty(page) -> bool:
    return page.evaluate(f"() => {NB}.context.model.dirty")


def sources(page) -> list:
    return page.evaluate(f"() => Array.from({NB}.content.model.cells)"
                         ".map(c => ({cell_type: c.type, source: c.sharedModel.getSource()}))")


def notebook_state(page):
    """What a stray shortcut would change: the cells, their types and the selected cell."""
    return page.evaluate(
        f"() => {{ const nb = {NB}.content; return {{active: nb.activeCellIndex,"
        " cells: nb.widgets.map(c => c.model.type + ':' + c.model.id)}; }")


def wait_recorded(page, expected, timeout=60):
    """Wait until the notebook model's form cells hold ``expected`` ({form id: answer})."""
    deadline = time.monotonic() + timeout
    while True:
        got = notebook_answers({"cells": sources(page)})
        got = {k: v for k, v in got.items() if k in expected}
        if got == expected or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert got == expected, "every choice is recorded in its cell, with no Shift+Enter"


def choose(page, select, label, arrows=True):
    """Choose ``label`` in a dropdown with the arrow keys, as in any web form (or, without
    the extension, where arrows move the selected cell instead, by picking it)."""
    if not arrows:
        select.select_option(label=label.replace(" ", "\xa0"))
        return
    texts = select.evaluate("s => [...s.options].map(o => o.text.replace(/\\u00a0/g, ' '))")
    target = texts.index(label)
    select.focus()
    current = select.evaluate("s => s.selectedIndex")
    for _ in range(abs(target - max(current, 0)) + (1 if current < 0 else 0)):
        page.keyboard.press("ArrowDown" if target > current else "ArrowUp")
    assert select.evaluate("s => s.options[s.selectedIndex].text").replace("\xa0", " ") == label


def tick(page, box, checked):
    if box.is_checked() != checked:
        box.focus()
        page.keyboard.press("Space")
    assert box.is_checked() == checked


def answer_by_keyboard(page, form_id, questions, answer, arrows=True):
    """Answer one form with the keyboard only: Space on radios and checkboxes, arrows in
    dropdowns, typing in text boxes; a question that does not apply is left alone."""
    box = page.locator(f".ipt-form-{css_name(form_id)}")
    box.scroll_into_view_if_needed()
    for q in questions:
        value = answer.get(q.id)
        block = box.locator(f".ipt-q-{css_name(q.id)}")
        if not applies({"when": q.when}, answer):
            assert block.locator("input").first.is_disabled(), "a question that does not apply is disabled"
            assert "Not applicable" in block.inner_text()
            continue
        if isinstance(q, Multi):
            for label, key in q.options:
                tick(page, block.get_by_role("checkbox", name=label, exact=True), key in (value or []))
        elif isinstance(q, Single):
            if value is not None:
                radio = block.get_by_role("radio", name=q.label_of(value), exact=True)
                # a conditional question is enabled by the kernel once the answer it depends
                # on arrives: wait for that before pressing a key in it
                expect(radio).to_be_enabled(timeout=15_000)
                radio.focus()
                page.keyboard.press("Space")
                assert radio.is_checked()
        elif isinstance(q, Order):
            for i, key in enumerate(value):
                choose(page, block.locator("select").nth(i), q.label_of(key) if key else "choose…", arrows)
        elif isinstance(q, Sort) and q.multiple:
            for label, item in q.items:
                for clabel, cat in q.categories:
                    tick(page, block.get_by_role("checkbox", name=f"{clabel} ({label})", exact=True),
                         cat in value[item])
        elif isinstance(q, Sort):
            for i, (_, item) in enumerate(q.items):
                got = value.get(item)
                choose(page, block.locator("select").nth(i), q.category_label(got) if got else "choose…",
                       arrows)
        elif isinstance(q, Text):
            block.locator("textarea").focus()
            page.keyboard.press("Control+a")
            page.keyboard.type(value or "")


def write_answers_by_keyboard(page, text):
    """Type ``text`` into every written answer (Enter to edit, Escape to leave: no Shift+Enter)."""
    cells = page.evaluate(
        f"() => {NB}.content.widgets.map((c, i) => [i, c.model.type,"
        " !!(c.model.getMetadata('nbgrader') || {}).solution])")
    for index, kind, solution in cells:
        if kind == "markdown" and solution:
            page.evaluate(f"() => {{ const nb = {NB}.content; nb.mode = 'command';"
                          f" nb.activeCellIndex = {index}; nb.activeCell.node.focus(); }}")
            page.keyboard.press("Enter")
            page.keyboard.press("Control+a")
            page.keyboard.type(text)
            page.keyboard.press("Escape")


def check_filled(page, questions, answer):
    """The controls of every form show ``answer``."""
    for form_id, qs in questions.items():
        box = page.locator(f".ipt-form-{css_name(form_id)}")
        box.scroll_into_view_if_needed()
        for q in qs:
            value = answer[form_id].get(q.id)
            block = box.locator(f".ipt-q-{css_name(q.id)}")
            if isinstance(q, Multi):
                for label, key in q.options:
                    assert block.get_by_role("checkbox", name=label, exact=True).is_checked() == (key in value)
            elif isinstance(q, Single) and value is not None:
                assert block.get_by_role("radio", name=q.label_of(value), exact=True).is_checked()
            elif isinstance(q, (Order, Sort)) and not getattr(q, "multiple", False):
                shown = block.locator("select").evaluate_all(
                    "ss => ss.map(s => s.options[s.selectedIndex].text.replace(/\\u00a0/g, ' '))")
                want = ([q.label_of(k) if k else "choose…" for k in value] if isinstance(q, Order)
                        else [q.category_label(value[i]) if value[i] else "choose…" for _, i in q.items])
                assert shown == want, f"{form_id}/{q.id} comes back filled"


def check_no_code_and_titles(page, nb_path):
    """Form cells show the form, not Python; each form is headed by the case heading."""
    nb = nbformat.read(nb_path, 4)
    titles, heading = [], None
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            heading = heading_of(cell.source) or heading
        elif "form(" in cell.source and not cell.metadata.get("nbgrader", {}).get("grade"):
            titles.append(heading)
    shown = page.locator(".ipt-form-title").all_text_contents()
    assert shown == titles and all(titles), "every form is headed by its case's title"
    visible_code = page.evaluate(
        "() => [...document.querySelectorAll('.jp-CodeCell')]"
        ".filter(c => c.querySelector('.ipt-form'))"
        ".map(c => c.querySelector('.jp-InputArea-editor'))"
        ".filter(e => e && e.offsetParent !== null).length")
    assert visible_code == 0, "no form cell shows its code"
    assert "form(" not in page.locator(".jp-Notebook").inner_text()


def student_session(browser, url, token, home, app, work, extension=True):
    """One student per assignment of ``work`` ({assignment: (answers, questions)}): open,
    answer, save, close, reopen, restart; return {assignment: saved path}."""
    saved = {}
    for assignment, (answers, questions, name) in work.items():
        path = home / name
        expected = expected_answers(questions, answers)
        with offline_context(browser, viewport={"width": 1280, "height": 900}) as (context, blocked):
            page = context.new_page()
            open_notebook(page, url, token, name, app)
            if extension:  # (without it, JupyterLab marks it modified when the kernel connects)
                assert not dirty(page), "opening a notebook does not mark it modified"
            command(page, "notebook:run-all-cells")
            wait_idle(page)
            page.wait_for_function(f"document.querySelectorAll('.ipt-form').length === {len(questions)}")
            mode = page.evaluate(
                "() => [...document.querySelectorAll('.ipt-mode')].map(m => [...m.querySelectorAll("
                "'span')].filter(s => getComputedStyle(s).display !== 'none').map(s => s.textContent)"
                ".join(' '))")
            assert len(set(mode)) == 1, mode
            mode = mode[0]
            if extension:
                assert "recorded in this notebook as you choose" in mode
                check_no_code_and_titles(page, path)
            else:
                assert "press Shift+Enter" in mode
            for form_id, qs in questions.items():
                answer_by_keyboard(page, form_id, qs, answers[form_id], arrows=extension)
            if extension:
                wait_recorded(page, expected)
                assert dirty(page), "a recorded answer marks the notebook modified"
            else:
                # the fallback: Shift+Enter in each form cell records its choices
                page.wait_for_function(
                    "() => [...document.querySelectorAll('.ipt-status')].some("
                    "s => s.textContent.includes('Not recorded yet'))", timeout=30_000)
                for index, cell in enumerate(sources(page)):
                    if cell["source"].startswith(FORM_HEADER):
                        page.evaluate(f"() => {{ const nb = {NB}.content; nb.mode = 'command';"
                                      f" nb.activeCellIndex = {index}; nb.activeCell.node.focus(); }}")
                        page.keyboard.press("Shift+Enter")
                        wait_idle(page)
                wait_recorded(page, expected)
            write_answers_by_keyboard(page, WRITTEN)
            # Ctrl+S with the focus in a form control saves (shortcuts stop at the control)
            page.locator(".ipt-form input").first.focus()
            page.keyboard.press("Control+s")
            page.wait_for_function(f"() => !{NB}.context.model.dirty", timeout=30_000)
            on_disk = nbformat.read(path, 4)
            assert {k: v for k, v in notebook_answers(on_disk).items() if k in expected} == expected
            assert sum(WRITTEN in c.source for c in on_disk.cells if c.cell_type == "markdown") >= 1
            page.close()

            # reopen (the kernel lives on), then restart it: the forms come back filled
            page = context.new_page()
            open_notebook(page, url, token, name, app)
            if extension:
                assert not dirty(page), "reopening does not mark the notebook modified"
            command(page, "notebook:restart-run-all")
            page.locator(".jp-Dialog .jp-mod-accept").click()
            wait_idle(page)
            page.wait_for_function(f"document.querySelectorAll('.ipt-form').length === {len(questions)}")
            page.wait_for_function(
                "() => [...document.querySelectorAll('.ipt-status')].every(s => s.textContent.includes("
                "'Status: recorded.') || s.textContent.includes('Status: nothing'))", timeout=60_000)
            assert not any("Not recorded yet" in s for s in page.locator(".ipt-status").all_text_contents())
            check_filled(page, questions, expected)
            if extension:
                # Shift+Enter on the last cell runs it and adds no empty cell
                count = len(sources(page))
                page.evaluate(f"() => {{ const nb = {NB}.content; nb.mode = 'command';"
                              " nb.activeCellIndex = nb.widgets.length - 1; nb.activeCell.node.focus(); }")
                page.keyboard.press("Shift+Enter")
                wait_idle(page)
                assert len(sources(page)) == count, "Shift+Enter on the last cell adds no cell"
                report = page.locator(".jp-Cell").last.locator(".jp-OutputArea").inner_text()
                assert "Before you hand in (the notebook as last saved)" in report, report
                assert "changed since" not in report and "written answer" not in report, report
            page.close()
            assert not blocked, f"requests to other hosts: {blocked}"
        saved[assignment] = path
    return saved


def grade_and_check(course, runs):
    """runs: [(student, assignment, saved path, answers)]; every total is exactly as computed
    from the rubric (the key: full marks; the partial fixture: its hand-computed points)."""
    for student, assignment, path, _ in runs:
        submit(course, assignment, student, path)
    for assignment in {a for _, a, _, _ in runs}:
        students = [s for s, a, _, _ in runs if a == assignment]
        scores = autograde(course, assignment, students)
        full = grade_ids(source_nb(assignment))
        for student, a, _, kind in runs:
            if a != assignment:
                continue
            want = dict(full)
            if kind == "partial":
                want.update(partial_case(assignment)["expected"])
            got = {g: scores[student][g] for g in full}
            assert got == pytest.approx(want), f"{student} {assignment}"
            assert sum(got.values()) == pytest.approx(sum(want.values()))


def work_for(kind, course):
    work = {}
    for assignment in ASSIGNMENTS:
        source = source_nb(assignment)
        answers = key_answers(source)
        if kind == "partial":
            answers = {**answers, **partial_case(assignment)["answers"]}
        work[assignment] = (answers, questions_of(source), release_nb(course, assignment).name)
    return work


def student_home(tmp_path, course, label):
    home = tmp_path / label
    home.mkdir()
    for assignment in ASSIGNMENTS:
        shutil.copy(release_nb(course, assignment), home)
    return home


# Students answer in the assignment view (test_assignment_view.py, first stage); answering in
# the notebook (instructors, Open With > Notebook) is checked in the second stage.
@pytest.mark.parametrize("app", first_stage(["lab", "notebook"], keep=[]))
def test_keyboard_only_students_hand_in_notebooks_that_grade_exactly(course, tmp_path, app):
    """JupyterLab 4 and Notebook 7, extension on: keyboard only, no Shift+Enter."""
    home = student_home(tmp_path, course, f"home-{app}")
    kind = "key" if app == "lab" else "partial"
    work = work_for(kind, course)
    with jupyter_lab(home, app=app) as (url, token), chromium() as browser:
        saved = student_session(browser, url, token, home, app, work)
    grade_and_check(course, [(f"{app}-{kind}", a, p, kind) for a, p in saved.items()])


def test_without_the_extension_shift_enter_records_and_grades_exactly(course, tmp_path):
    """The extension disabled (as in any other front end): the form says so, Shift+Enter in
    each form cell records, and the saved file grades exactly."""
    home = student_home(tmp_path, course, "home-plain")
    config = tmp_path / "config" / "labconfig"
    config.mkdir(parents=True)
    (config / "page_config.json").write_text(json.dumps({"disabledExtensions": {"ipt-forms": True}}))
    work = {a: w for a, w in work_for("partial", course).items() if a == "ps4-phases"}
    with jupyter_lab(home, config_path=config.parent) as (url, token), chromium() as browser:
        saved = student_session(browser, url, token, home, "lab", work, extension=False)
    grade_and_check(course, [("plain", a, p, "partial") for a, p in saved.items()])


# --- every kind of control: keys, accessibility ----------------------------------------------

KINDS_FORM = FORM_HEADER + '''form("kinds", [
    Single("area", "Which problem area?", options("problem_area")),
    Single("plan", "Which plan fits best?", [
        ("Meet once a week for sixteen sessions, give the depression a name and the sick role, "
         "agree at the start which relationship the work will focus on, review the depression "
         "score at every session, and mark the end of treatment in the last three sessions", "weekly"),
        ("Meet when she feels like it", "adhoc"), ("Refer her on", "refer")]),
    Multi("signs", "Which signs are present?", [("Low mood", "mood"), ("Poor sleep", "sleep")]),
    Order("steps", "Put the steps in order.", [("Diagnose", "diagnose"), ("Inventory", "inventory")]),
    Sort("where", "Which phase?", [("Contract", "t1"), ("Goodbye", "t2")],
         [("Initial", "initial"), ("Termination", "termination")]),
    Sort("tags", "What is each relationship like?", [("Mother", "mum")],
         [("Supportive", "sup"), ("Conflictual", "con")], multiple=True),
    Text("why", "Why?"),
    Single("stage", "At which stage is the dispute?", options("dispute_stage"),
           when={"area": "role_dispute"}),
], title="Case K: every kind of question", answer=None)'''


def kinds_notebook(path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# Every kind of question"),
                nbformat.v4.new_markdown_cell("## Case K: every kind of question"),
                nbformat.v4.new_code_cell(KINDS_FORM, metadata={"jupyter": {"source_hidden": True}}),
                nbformat.v4.new_markdown_cell("The end.")]
    nbformat.write(nb, path)


#: keys after a click in a form's output: Enter first (were it to reach the notebook, the
#: letters after it would be typed into the form cell's source), then every shortcut
AREA_KEYS = ["Enter", *KEYS, "Escape", "Enter", "Escape"]


def saved_cells(path):
    return [{"cell_type": c.cell_type, "source": c.source} for c in nbformat.read(path, 4).cells]


def save(page):
    command(page, "docmanager:save")
    page.wait_for_function(f"() => !{NB}.context.model.dirty", timeout=30_000)


def clicks_in_a_form_change_no_cell(page, form, path):
    """Click a form's blank areas, its title and its status line, then press every notebook
    shortcut: no cell changes (issue 21, item 8: the click focuses
    the notebook in command mode, not a control). Ctrl+S still saves."""
    save(page)
    on_disk = saved_cells(path)
    assert on_disk == sources(page)
    box = form.bounding_box()
    spots = {
        "the form's top left corner": lambda: form.click(position={"x": 3, "y": 3}),
        "a blank area at the form's right edge": lambda: form.click(
            position={"x": box["width"] - 4, "y": box["height"] / 2}),
        "the title": lambda: form.locator(".ipt-form-title").click(),
        "the status line": lambda: form.locator(".ipt-status").click(),
    }
    for where, click in spots.items():
        click()
        page.wait_for_timeout(200)
        before, cells = notebook_state(page), sources(page)
        for key in AREA_KEYS:
            page.keyboard.press(key)
        page.wait_for_timeout(700)
        assert notebook_state(page) == before, f"keys after a click on {where} change no cell"
        assert sources(page) == cells, f"keys after a click on {where} change no cell's text"
        assert page.evaluate(f"() => {NB}.content.mode") == "command", where
    save(page)
    assert saved_cells(path) == on_disk, "the saved file's cells, types and sources are unchanged"
    # Ctrl+S after a click on the status line saves the notebook (the key is the form's)
    plan = form.locator(".ipt-q-plan").get_by_role("radio").last
    plan.focus()
    page.keyboard.press("Space")
    page.wait_for_function(f"() => {NB}.context.model.dirty", timeout=30_000)
    form.locator(".ipt-status").click()
    page.keyboard.press("Control+s")
    page.wait_for_function(f"() => !{NB}.context.model.dirty", timeout=30_000)
    deadline = time.monotonic() + 10  # (the file can land a moment after the model is clean)
    while saved_cells(path) != sources(page) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert saved_cells(path) == sources(page), "Ctrl+S saved the answer just recorded"
    assert '"plan": "refer"' in saved_cells(path)[2]["source"]
    assert [c for c in saved_cells(path) if "form(" not in c["source"]] == \
        [c for c in on_disk if "form(" not in c["source"]]


def radios_stay_in_their_question(page, form):
    """Each question's radios are one group: arrows wrap within it and never change the next
    question; one Tab stop per question; a long label wraps instead of running over the next
    option (issue 21, item 8)."""
    area, plan = form.locator(".ipt-q-area"), form.locator(".ipt-q-plan")
    checked = lambda block: block.evaluate(  # noqa: E731
        "b => [...b.querySelectorAll('input[type=radio]')].findIndex(r => r.checked)")
    focused_in = lambda block: block.evaluate("b => b.contains(document.activeElement)")  # noqa: E731
    radios = area.get_by_role("radio")
    count = radios.count()
    plan_before = checked(plan)
    radios.last.focus()
    page.keyboard.press("Space")
    assert checked(area) == count - 1
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert checked(area) == 1, "ArrowDown wraps within the question"
    assert focused_in(area) and checked(plan) == plan_before, "question 2 is never changed"
    # what the arrows check is what the form records
    areas = [key for _, key in options("problem_area")]
    deadline = time.monotonic() + 30
    while notebook_answers({"cells": sources(page)})["kinds"].get("area") != areas[1] \
            and time.monotonic() < deadline:
        time.sleep(0.3)
    recorded = notebook_answers({"cells": sources(page)})["kinds"]
    assert recorded.get("area") == areas[1] and recorded.get("plan") == "refer", recorded
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert checked(area) == count - 1 and checked(plan) == plan_before
    page.keyboard.press("Tab")
    assert focused_in(plan), "one Tab stop per question: Tab goes on to the next question"
    page.keyboard.press("Shift+Tab")
    assert focused_in(area) and area.evaluate("b => document.activeElement.checked")
    labels = plan.locator("label").evaluate_all(
        "ls => ls.filter(l => l.querySelector('input[type=radio]')).map(l => { const r ="
        " l.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, right: r.right,"
        " over: l.scrollHeight > l.clientHeight + 1 || l.scrollWidth > l.clientWidth + 1,"
        " lines: r.height / parseFloat(getComputedStyle(l).lineHeight)}; })")
    right = form.bounding_box()["x"] + form.bounding_box()["width"]
    assert len(labels) == 3 and labels[0]["lines"] >= 1.9, f"the long label wraps: {labels}"
    for one, following in zip(labels, labels[1:]):
        assert one["bottom"] <= following["top"] + 0.5, f"an option runs over the next: {labels}"
    assert not any(label["over"] for label in labels) and all(
        label["right"] <= right for label in labels), labels


@pytest.mark.parametrize("app", first_stage(["lab", "notebook"], keep=["lab"]))
def test_keys_in_any_form_control_change_no_cell(tmp_path, app):
    home = tmp_path / "home"
    home.mkdir()
    kinds_notebook(home / "kinds.ipynb")
    with jupyter_lab(home, app=app) as (url, token), chromium() as browser:
        with offline_context(browser, viewport={"width": 1280, "height": 900}) as (context, blocked):
            page = context.new_page()
            open_notebook(page, url, token, "kinds.ipynb", app)
            command(page, "notebook:run-all-cells")
            wait_idle(page)
            page.wait_for_selector(".ipt-form-kinds select")
            form = page.locator(".ipt-form-kinds")
            clicks_in_a_form_change_no_cell(page, form, home / "kinds.ipynb")
            radios_stay_in_their_question(page, form)
            others = lambda: [c for c in sources(page) if "form(" not in c["source"]]  # noqa: E731
            controls = {
                "radio": form.get_by_role("radio").first,
                "checkbox": form.get_by_role("checkbox").first,
                "dropdown": form.locator("select").first,
                "text box": form.locator("textarea"),
            }
            for kind, control in controls.items():
                page.evaluate(f"() => {{ {NB}.content.mode = 'command'; }}")
                control.focus()  # the cell holding the focus becomes the selected cell
                page.wait_for_timeout(200)
                before, cells = notebook_state(page), others()
                for key in KEYS:
                    page.keyboard.press(key)
                page.wait_for_timeout(700)
                assert notebook_state(page) == before, f"keys in a {kind} change no cell"
                assert others() == cells, f"keys in a {kind} change no cell's text"
                assert "form(" in [c for c in sources(page) if c["cell_type"] == "code"][0]["source"]
            # and they did what they do in a web form
            assert page.locator(".ipt-form-kinds textarea").input_value().startswith("rmyxcvdda")
            first = form.locator("select").first
            first.select_option(index=0)
            first.focus()
            page.keyboard.press("ArrowDown")
            assert form.locator("select").first.evaluate("s => s.options[s.selectedIndex].text") == "Diagnose"
            assert not blocked


def test_forms_in_jupyterlab_are_accessible(course, tmp_path):
    """axe-core over rendered forms (every kind of control, and ps1): no serious or critical
    violation; every control's accessible name is its visible label."""
    home = tmp_path / "home"
    home.mkdir()
    kinds_notebook(home / "kinds.ipynb")
    shutil.copy(release_nb(course, "ps1-problem-areas"), home)
    with jupyter_lab(home) as (url, token), chromium() as browser:
        with offline_context(browser, viewport={"width": 1280, "height": 900}) as (context, blocked):
            page = context.new_page()
            for name in ("kinds.ipynb", release_nb(course, "ps1-problem-areas").name):
                open_notebook(page, url, token, name, "lab")
                command(page, "notebook:run-all-cells")
                wait_idle(page)
                page.wait_for_selector(".ipt-form input")
                page.add_script_tag(path=str(AXE))
                for form in page.locator(".ipt-form").all():
                    form.scroll_into_view_if_needed()
                    result = page.evaluate(
                        "async el => { const r = await axe.run(el, {resultTypes: ['violations']});"
                        " return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))"
                        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')); }",
                        form.element_handle())
                    assert result == [], result
                    names = form.evaluate(
                        "el => { axe.setup(el); const out = [...el.querySelectorAll('input, select, textarea')].map(c => {"
                        " const label = c.closest('label') || (c.id && document.querySelector("
                        "   'label[for=\"' + c.id + '\"]'));"
                        " return [axe.commons.text.accessibleTextVirtual(axe.utils.getNodeFromTree(c)).trim(),"
                        "         label ? label.textContent.trim() : null]; }); axe.teardown(); return out; }")
                    for accessible, visible in names:
                        assert visible and re.sub(r"\s+", " ", accessible) == re.sub(r"\s+", " ", visible), (
                            accessible, visible)
            assert not blocked
