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


def test_mark_a_class_by_keyboard_with_a_rubric_comment(course):
    nb_name = make_submissions(course, A, ["perfect"])
    perfect = nbformat.read(course / "submitted" / "perfect" / A / f"{nb_name}.ipynb", 4)
    for i, student in enumerate(STUDENTS):
        target = course / "submitted" / student / A / f"{nb_name}.ipynb"
        target.parent.mkdir(parents=True)
        nbformat.write(with_written_answer(perfect, f"Answer {i}: <img src=x onerror=alert(1)>"),
                       target)
    run(["ipt-course", "grade", A, "--workers", "1",
         *[a for s in STUDENTS for a in ("--student", s)]], cwd=course, timeout=900)
    port = free_port()
    server = subprocess.Popen(["ipt-course", "mark", A, "--port", str(port)], cwd=course,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = server.stdout.readline()
        url = line.split("open ", 1)[1].split()[0]
        assert url.startswith(f"http://127.0.0.1:{port}/ipt-marking/{A}/problem-areas/justify?token=")
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(url, timeout=5)
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "the page never came up"
                time.sleep(0.5)
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
                page.click("button[data-rubric]")
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
            assert alerts == []
            from bookcheck import axe_violations, describe
            assert [describe(v) for v in axe_violations(page)] == [], "axe: serious or critical"
    finally:
        server.terminate()
        server.wait(timeout=30)
    got = marks(course)
    run(["ipt-course", "feedback", A], cwd=course)  # every answer marked: no refusal
    for student in STUDENTS:
        page = next((course / "feedback" / student / A).glob("*.html")).read_text()
        assert f"{got[student]:g} of 4 points" in page and "awaiting marking" not in page
    run(["ipt-course", "export"], cwd=course)
    with open(course / "grades.csv", newline="") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        auto = {s: gb.find_submission(A, s).score - got[s] for s in STUDENTS}
    for student in STUDENTS:
        assert rows[student]["status"] == "scored"
        assert float(rows[student]["score"]) == pytest.approx(auto[student] + got[student])


def test_second_marking_is_blind_and_kept_apart(course):
    """--second-marker: a sample of the answers without their first marks; its marks go to
    marking/ (the report compares them), never over the gradebook's."""
    import json

    nb_name = make_submissions(course, A, ["perfect"])
    perfect = nbformat.read(course / "submitted" / "perfect" / A / f"{nb_name}.ipynb", 4)
    for i, student in enumerate(STUDENTS):
        target = course / "submitted" / student / A / f"{nb_name}.ipynb"
        target.parent.mkdir(parents=True)
        nbformat.write(with_written_answer(perfect, f"Answer {i}"), target)
    run(["ipt-course", "grade", A, "--workers", "1",
         *[a for s in STUDENTS for a in ("--student", s)]], cwd=course, timeout=900)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for s in STUDENTS:
            gb.find_grade("justify", "problem-areas", A, s).manual_score = 3
        gb.db.commit()
    port = free_port()
    server = subprocess.Popen(["ipt-course", "mark", A, "--port", str(port), "--second-marker",
                               "--sample", "50"], cwd=course, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        url = server.stdout.readline().split("open ", 1)[1].split()[0]
        token = url.split("token=")[1]
        api = f"http://127.0.0.1:{port}/ipt-marking/api/"
        headers = {"Authorization": f"token {token}", "Content-Type": "application/json"}
        deadline = time.monotonic() + 90
        while True:
            try:
                req = urllib.request.Request(f"{api}state/{A}/problem-areas/justify", headers=headers)
                state = json.load(urllib.request.urlopen(req, timeout=5))
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "never came up"
                time.sleep(0.5)
        assert state["second"] and len(state["answers"]) == 3, "a 50 % sample of 6"
        assert all(a["points"] is None for a in state["answers"]), "first marks are hidden"
        body = {"assignment": A, "notebook": "problem-areas", "grade_id": "justify",
                "token": state["answers"][0]["token"], "points": 1, "expected": None}
        req = urllib.request.Request(f"{api}mark", data=json.dumps(body).encode(), headers=headers)
        after = json.load(urllib.request.urlopen(req, timeout=30))
        assert after["answers"][0]["points"] == 1
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert set(marks(course).values()) == {3.0}, "the gradebook's marks are unchanged"
    second = json.loads((course / "marking" / A / "justify.second.json").read_text())
    assert list(second.values()) == [1.0]
