"""End to end in a real browser: a student answers an assignment in JupyterLab by clicking and
typing only; the saved .ipynb alone carries the answers; nbgrader grades it as the rubric says.
"""

import shutil
import time

import nbformat
import pytest
from nbgrader.api import Gradebook

import ipt_helpers
from conftest import ROOT, run
from browser import chromium, jupyter_lab
from ipt_helpers import Multi, Order, Single, Sort, Text
from ipt_helpers.recording import css_name
from submissions import form_answers, key_answers, partial_case

ASSIGNMENT = "ps1-problem-areas"
pytestmark = [pytest.mark.browser, pytest.mark.slow]


def form_questions(nb) -> dict:
    """{form id: [questions]} from the notebook's form cells, evaluated in this process."""
    found = {}

    def capture(form_id, questions, **kwargs):
        found[form_id] = questions

    ns = {name: getattr(ipt_helpers, name) for name in ipt_helpers.__all__}
    ns["form"] = capture
    for cell in nb.cells:
        if cell.cell_type == "code" and "form(" in cell.source:
            exec(cell.source, ns)
    return found


def normalised(questions, answers):
    """Answers as the forms record them (e.g. ticked options in the order shown)."""
    return {fid: {q.id: q.check(answers[fid].get(q.id)) for q in qs} for fid, qs in questions.items()}


def set_box(page, box, checked, keyboard):
    if keyboard:  # focus it and press Space, as a keyboard user would
        if box.is_checked() != checked:
            box.focus()
            page.keyboard.press("Space")
        assert box.is_checked() == checked
    else:
        box.set_checked(checked)


def answer_by_clicking(page, form_id, questions, answer, keyboard=False):
    """Answer one form through its controls, as a student would (or by keyboard alone for
    radio buttons and checkboxes)."""
    box = page.locator(f".ipt-form-{css_name(form_id)}")
    box.scroll_into_view_if_needed()
    for q in questions:
        value = answer.get(q.id)
        block = box.locator(f".ipt-q-{css_name(q.id)}")
        if isinstance(q, Multi):
            for label, key in q.options:
                set_box(page, block.get_by_role("checkbox", name=label, exact=True),
                        key in value, keyboard)
        elif isinstance(q, Single):
            if value is not None:
                set_box(page, block.get_by_role("radio", name=q.label_of(value), exact=True),
                        True, keyboard)
        elif isinstance(q, Order):
            for i, key in enumerate(value):
                block.locator("select").nth(i).select_option(label=q.label_of(key) if key else "—")
        elif isinstance(q, Sort) and q.multiple:
            for label, item in q.items:
                for clabel, cat in q.categories:
                    set_box(page, block.get_by_role("checkbox", name=f"{clabel} ({label})", exact=True),
                            cat in value[item], keyboard)
        elif isinstance(q, Sort):
            for i, (_, item) in enumerate(q.items):
                got = value.get(item)
                block.locator("select").nth(i).select_option(label=q.category_label(got) if got else "—")
        elif isinstance(q, Text):
            block.locator("textarea").fill(value or "")


def open_notebook(page, url, token, name):
    page.goto(f"{url}/lab/tree/{name}?token={token}")
    page.wait_for_function(
        "() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
        " const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;"
        " return k && k.status === 'idle'; }", timeout=120_000)


def command(page, name):
    """Run a JupyterLab command without waiting for it (a dialog would wait for a click)."""
    page.evaluate(f"() => {{ window.jupyterapp.commands.execute('{name}'); }}")


def wait_idle(page):
    page.wait_for_timeout(500)
    page.wait_for_function(
        "() => { const w = window.jupyterapp.shell.currentWidget;"
        " return w.sessionContext.session.kernel.status === 'idle'; }", timeout=120_000)


def statuses(page):
    return page.locator(".ipt-status").all_text_contents()


def student_pass(browser, tmp_path, release_nb, nb_name, questions, answers, keyboard=False):
    """Open the student version, answer every form, re-run, save, restart; return the saved nb."""
    home = tmp_path / "student-home"
    home.mkdir(parents=True)
    shutil.copy(release_nb, home / nb_name)
    with jupyter_lab(home) as (url, token):
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        open_notebook(page, url, token, nb_name)
        command(page, "notebook:run-all-cells")
        wait_idle(page)
        page.wait_for_function(f"document.querySelectorAll('.ipt-form').length === {len(questions)}")
        for form_id, qs in questions.items():
            answer_by_clicking(page, form_id, qs, answers[form_id], keyboard=keyboard)
        # the kernel answers each click; the form then says its choices are not recorded yet
        page.wait_for_function(
            "() => [...document.querySelectorAll('.ipt-status')].every("
            "s => s.textContent.includes('Not recorded yet'))", timeout=30_000)
        command(page, "notebook:run-all-cells")  # re-run: every form records into its cell
        wait_idle(page)
        page.wait_for_function(
            "() => [...document.querySelectorAll('.ipt-status')].every("
            "s => !s.textContent.includes('Not recorded'))", timeout=60_000)
        # the front end applies each rewrite when its cell's reply arrives: wait for all
        page.wait_for_function(
            "() => Array.from(window.jupyterapp.shell.currentWidget.content.model.cells)"
            ".map(c => c.sharedModel.getSource()).filter(s => s.includes('form('))"
            ".every(s => !s.includes('answer=None'))", timeout=60_000)
        command(page, "docmanager:save")
        expected = normalised(questions, answers)
        deadline = time.monotonic() + 30
        while True:
            saved = nbformat.read(home / nb_name, as_version=4)
            if form_answers(saved) == expected or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert form_answers(saved) == expected, "the saved file carries every answer"

        # restart the kernel: the forms come back filled from the recorded literals
        command(page, "notebook:restart-run-all")
        page.locator(".jp-Dialog .jp-mod-accept").click()
        wait_idle(page)
        page.wait_for_function(f"document.querySelectorAll('.ipt-form').length === {len(questions)}")
        for form_id, qs in questions.items():
            box = page.locator(f".ipt-form-{css_name(form_id)}")
            for q in qs:
                value = answers[form_id].get(q.id)
                if isinstance(q, Single) and not isinstance(q, Multi) and value:
                    assert box.locator(f".ipt-q-{css_name(q.id)}").get_by_role(
                        "radio", name=q.label_of(value), exact=True).is_checked()
        assert not any("Not recorded" in s for s in statuses(page))
        page.close()
    return saved


def autograde(tmp_path, nb, nb_name, student):
    course = tmp_path / "course"
    if not course.exists():
        course.mkdir()
        shutil.copy(ROOT / "exercises" / "nbgrader_config.py", course)
        shutil.copytree(ROOT / "exercises" / "source", course / "source")
        run(["nbgrader", "generate_assignment", ASSIGNMENT, "--force"], cwd=course)
    target = course / "submitted" / student / ASSIGNMENT / nb_name
    target.parent.mkdir(parents=True)
    nbformat.write(nb, target)
    run(["nbgrader", "autograde", ASSIGNMENT, "--create", "--student", student], cwd=course)
    run(["nbgrader", "generate_feedback", ASSIGNMENT, "--student", student], cwd=course)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        sub = gb.find_submission_notebook(nb_name[:-6], ASSIGNMENT, student)
        scores = {g.name: g.auto_score for g in sub.grades if g.auto_score is not None}
    feedback = (course / "feedback" / student / ASSIGNMENT / f"{nb_name[:-6]}.html").read_text()
    return scores, feedback


def test_student_answers_by_clicking_and_nbgrader_grades_it(tmp_path):
    source_path = next((ROOT / "exercises" / "source" / ASSIGNMENT).glob("*.ipynb"))
    nb_name = source_path.name
    source = nbformat.read(source_path, as_version=4)
    questions = form_questions(source)
    key = key_answers(source)
    course = tmp_path / "release"
    course.mkdir()
    shutil.copy(ROOT / "exercises" / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "exercises" / "source", course / "source")
    run(["nbgrader", "generate_assignment", ASSIGNMENT, "--force"], cwd=course)
    release_nb = course / "release" / ASSIGNMENT / nb_name
    full = {c.metadata.nbgrader["grade_id"]: float(c.metadata.nbgrader["points"])
            for c in source.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")}

    with chromium() as browser:
        # pass 1: every answer right, radio buttons and checkboxes by keyboard alone
        saved = student_pass(browser, tmp_path / "p1", release_nb, nb_name, questions, key,
                             keyboard=True)
        scores, _ = autograde(tmp_path, saved, nb_name, "alice")
        assert {g: scores[g] for g in full} == pytest.approx(full)

        # pass 2: partly right, as in the hand-computed fixture
        case = partial_case(ASSIGNMENT)
        answers = {**key, **case["answers"]}
        saved = student_pass(browser, tmp_path / "p2", release_nb, nb_name, questions, answers)
        scores, feedback = autograde(tmp_path, saved, nb_name, "bob")
        assert {g: scores[g] for g in full} == pytest.approx({**full, **case["expected"]})
        assert "Partly correct" in feedback or "Not correct" in feedback
        assert "Why:" in feedback
