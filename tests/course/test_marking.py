"""Marking written answers by question in the browser (ipt-course mark; issue 15, item 1).

A class of 6 marked by keyboard in chromium, a rubric comment applied to three answers and
its points changed (all three re-scored); the gradebook holds the marks, feedback shows
them, export totals them.
"""

import csv
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest
from nbgrader.api import Gradebook

from browser import chromium, free_port
from conftest import make_submissions, run
from submissions import with_written_answer

A = "ps1-problem-areas"
STUDENTS = [f"s{i}" for i in range(1, 7)]
pytestmark = pytest.mark.slow


def marks(course):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {s: gb.find_grade("justify", "problem-areas", A, s).manual_score for s in STUDENTS}


def graded_class(course, answer):
    """The class of 6, each with the written answer ``answer`` (``{i}``: their number), graded."""
    nb_name = make_submissions(course, A, ["perfect"])
    perfect = nbformat.read(course / "submitted" / "perfect" / A / f"{nb_name}.ipynb", 4)
    for i, student in enumerate(STUDENTS):
        target = course / "submitted" / student / A / f"{nb_name}.ipynb"
        target.parent.mkdir(parents=True)
        nbformat.write(with_written_answer(perfect, answer.format(i=i)), target)
    run(["ipt-course", "grade", A, "--workers", "1",
         *[a for s in STUDENTS for a in ("--student", s)]], cwd=course, timeout=900)


def start_marking(course, *options):
    """``ipt-course mark`` on a free port: the server, and the URL it prints once it answers."""
    port = free_port()
    server = subprocess.Popen(["ipt-course", "mark", A, "--port", str(port), *options],
                              cwd=course, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True)
    url = server.stdout.readline().split("open ", 1)[1].split()[0]
    assert url.startswith(f"http://127.0.0.1:{port}/ipt-marking/{A}/problem-areas/justify?token=")
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(url, timeout=5)
            return server, url
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.terminate()
                raise AssertionError("the marking page never came up") from None
            time.sleep(0.5)


def test_mark_a_class_by_keyboard_with_a_rubric_comment(course):
    graded_class(course, "Answer {i}: <img src=x onerror=alert(1)>")
    server, url = start_marking(course)
    try:
        with chromium() as browser:
            page = browser.new_page()
            alerts = []
            page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
            page.goto(url)
            assert page.text_content("#progress") == "0 of 6 marked"
            text = page.text_content("#answer")
            assert text.startswith("Answer ") and "<img" in text, "the student's HTML is text"
            assert not any(f'"{s}"' in page.content() for s in STUDENTS), "anonymous"
            for n in range(1, 7):  # every answer by keyboard: 3 points, next
                page.locator("#answer").focus()
                page.keyboard.press("3")
                page.wait_for_function(f"document.getElementById('progress').textContent === '{n} of 6 marked'")
                page.keyboard.press("j")
            assert set(marks(course).values()) == {3.0}
            page.fill("#rtext", "Names the trigger")
            page.fill("#rpoints", "2")
            page.click("#radd")
            page.wait_for_selector("button[data-rubric]")
            for _ in range(6):
                page.keyboard.press("k")
            for n in range(3):  # the rubric comment on the first three answers
                if n == 0:
                    page.click("button[data-rubric]")
                else:  # by keyboard: focus the comment's button, Enter
                    page.focus("button[data-rubric]")
                    page.keyboard.press("Enter")
                page.wait_for_selector("button[data-rubric][aria-pressed=true]")
                page.locator("#answer").focus()
                page.keyboard.press("j")
            assert sorted(marks(course).values()) == [2, 2, 2, 3, 3, 3]
            page.fill("input[data-rubric-points]", "1")
            page.dispatch_event("input[data-rubric-points]", "change")
            deadline = time.monotonic() + 30
            while sorted(marks(course).values()) != [1, 1, 1, 3, 3, 3]:
                assert time.monotonic() < deadline, marks(course)
                time.sleep(0.3)
            page.wait_for_function(  # the page shows the new points too
                "document.querySelector('button[data-rubric]').textContent.endsWith('(1)')")
            page.locator("#answer").focus()
            page.keyboard.press("k")  # back to the third answer, which has the comment
            page.keyboard.press("4")  # points by hand on an answer with the comment: taken off
            page.wait_for_function("document.getElementById('status').textContent.includes('taken off')")
            assert sorted(marks(course).values()) == [1, 1, 3, 3, 3, 4]
            assert alerts == []
            from bookcheck import axe_violations, describe
            for width, height in ((1280, 900), (375, 740)):  # desktop and phone
                page.set_viewport_size({"width": width, "height": height})
                assert [describe(v) for v in axe_violations(page)] == [], f"axe at {width} px"
                assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), \
                    f"the page is wider than {width} px"
    finally:
        server.terminate()
        server.wait(timeout=30)
    got = marks(course)
    run(["ipt-course", "feedback", A], cwd=course)  # every answer marked: no refusal
    for student in STUDENTS:
        page = next((course / "feedback" / student / A).glob("*.html")).read_text()
        assert f"{got[student]:g} of 4 points" in page and "awaiting marking" not in page
        assert ("Names the trigger" in page) == (got[student] == 1), "the rubric comment's text"
    run(["ipt-course", "export"], cwd=course)
    with open(course / "grades.csv", newline="") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        auto = {s: gb.find_submission(A, s).score - got[s] for s in STUDENTS}
    for student in STUDENTS:
        assert rows[student]["status"] == "scored"
        assert float(rows[student]["score"]) == pytest.approx(auto[student] + got[student])


def test_second_marking_is_blind_and_kept_apart(course):
    """--second-marker in the browser, by keyboard: a sample of the answers without their
    first marks or comments; its marks are kept apart (never over the gradebook's) and the
    report compares them and lists the answers more than a point apart."""
    from ipt_helpers.course.marking.store import second_marks

    graded_class(course, "Answer {i}")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for s in STUDENTS:
            gb.find_grade("justify", "problem-areas", A, s).manual_score = 3
            gb.find_comment("justify", "problem-areas", A, s).manual_comment = "FIRST-MARKER-NOTE"
        gb.db.commit()
    server, url = start_marking(course, "--second-marker", "--sample", "50")
    try:
        with chromium() as browser:
            page = browser.new_page(viewport={"width": 375, "height": 740})
            page.goto(url)
            assert page.text_content("h1").startswith("Second marking ")
            assert page.text_content("#progress") == "0 of 3 marked", "a 50 % sample of 6"
            assert "FIRST-MARKER-NOTE" not in page.content(), "first comments are hidden"
            assert not page.is_visible("#rtext"), "no rubric comments in blind marking"
            assert not page.locator("#points button[aria-pressed=true]").count(), "nor first marks"
            page.locator("#answer").focus()
            pressed = "document.querySelector('#points button[aria-pressed=true]')?.textContent"
            for n, keys in enumerate(([("1", "1")], [("2", "2")], [("2", "2"), (".", "2.5")]), 1):
                for key, points in keys:  # each key's mark is shown before the next key
                    page.keyboard.press(key)
                    page.wait_for_function(f"{pressed} === '{points}'")
                page.wait_for_function(f"document.getElementById('progress').textContent === '{n} of 3 marked'")
                page.keyboard.press("ArrowRight")
            from bookcheck import axe_violations, describe
            assert [describe(v) for v in axe_violations(page)] == [], "axe at 375 px"
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert set(marks(course).values()) == {3.0}, "the gradebook's marks are unchanged"
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        assert sorted(second_marks(gb, A, "justify").values()) == [1, 2, 2.5]
    run(["ipt-course", "report", A], cwd=course)
    page = (course / "reports" / A / "index.html").read_text().split('id="second-marking"')[1]
    assert "<tr><td>justify</td><td" in page and "Marks more than one point apart" in page
    apart = page.split("Marks more than one point apart")[1].split("</table>")[0]
    assert apart.count("<tr><td>justify</td>") == 1, "only the answer marked 3 and then 1"


def test_markdown_is_rendered_and_its_html_escaped():
    from ipt_helpers.course.marking.app import markdown_html
    html = markdown_html("## Written answer\n\n**Model answer.** <img src=x onerror=alert(1)>\n\n"
                         "- a [link](javascript:alert(1))\n")
    assert "<h2>Written answer</h2>" in html and "<strong>Model answer.</strong>" in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'href="javascript' not in html


def test_the_seams_of_marking_by_keyboard(course):
    """Issue 23: a comment typed but not saved survives ``j``; after a rubric button the focus
    stays on it; an answer left blank (nbgrader scored it 0) counts as marked and can be
    marked again; the prompt and the mark scheme are Markdown, shown as HTML."""
    nb_name = make_submissions(course, A, ["blank"])
    blank = nbformat.read(course / "submitted" / "blank" / A / f"{nb_name}.ipynb", 4)
    for student in ("w1", "w2"):
        target = course / "submitted" / student / A / f"{nb_name}.ipynb"
        target.parent.mkdir(parents=True)
        nbformat.write(with_written_answer(blank, f"The answer of {student}"), target)
    run(["ipt-course", "grade", A, "--workers", "1"], cwd=course, timeout=900)

    def stored():
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            return {s: (gb.find_grade("justify", "problem-areas", A, s).manual_score,
                        gb.find_comment("justify", "problem-areas", A, s).manual_comment)
                    for s in ("blank", "w1", "w2")}

    assert stored()["blank"][0] is None, "nbgrader scored the blank answer itself"
    server, url = start_marking(course)
    try:
        with chromium() as browser:
            page = browser.new_page()
            page.goto(url)
            assert page.text_content("#progress") == "1 of 3 marked", "the blank one is marked"
            assert page.text_content("#scheme strong") == "Model answer."
            assert "**" not in page.text_content("#scheme")
            assert page.text_content("#prompt h2") == "Written answer"
            # to the blank answer: its 0 is shown pressed, and a mark by keyboard replaces it
            for _ in range(3):
                if "Left blank" in (page.text_content("#blank") or "") and page.is_visible("#blank"):
                    break
                page.locator("#answer").focus()
                page.keyboard.press("j")
            assert page.is_visible("#blank")
            assert page.text_content("#points button[aria-pressed=true]") == "0"
            page.locator("#answer").focus()
            page.keyboard.press("1")
            page.wait_for_function("document.querySelector('#points button[aria-pressed=true]')"
                                   "?.textContent === '1'")
            assert stored()["blank"][0] == 1 and not page.is_visible("#blank")
            assert page.text_content("#progress") == "1 of 3 marked"
            # a rubric comment by keyboard: the focus stays on its button
            page.fill("#rtext", "Names the trigger")
            page.fill("#rpoints", "2")
            page.click("#radd")
            page.wait_for_selector("button[data-rubric]")
            page.focus("button[data-rubric]")
            page.keyboard.press("Enter")
            page.wait_for_selector("button[data-rubric][aria-pressed=true]")
            assert page.evaluate("document.activeElement.dataset.rubric") is not None, \
                "focus on the rubric button, not the page body"
            page.keyboard.press("Enter")  # again, without reaching for the mouse: taken off
            page.wait_for_selector("button[data-rubric][aria-pressed=false]")
            assert page.evaluate("document.activeElement.dataset.rubric") is not None
            # a comment typed, not saved, then j (or k): saved, not thrown away
            page.fill("#comment", "Typed, never saved by hand")
            page.locator("#answer").focus()
            before = page.text_content("#position")
            page.keyboard.press("k" if before == "Answer 3 of 3" else "j")
            page.wait_for_function(f"document.getElementById('position').textContent !== {before!r}")
            assert "Typed, never saved by hand" in [c for _, c in stored().values()]
    finally:
        server.terminate()
        server.wait(timeout=30)
