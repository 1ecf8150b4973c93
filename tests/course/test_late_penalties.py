"""Late penalties on the final score (issue 22, item 5).

nbgrader computes a late penalty once, while autograding, from the score of that moment; a
written answer marked later was never penalised. Here a class of two (one late, one on time,
both with a written answer) is graded once with ``penalty_method = "zero"``; each test takes a
copy, sets the course's late-penalty rule (nbgrader's ``zero`` or ``none``, or a plugin in
the course folder), marks the written answers in the marking page (the real server, over
HTTP) and checks the penalty and the total in the gradebook, the export CSV, the feedback
page and the report. A mark saved in formgrader is penalised as it is saved; one written by a
program that did not load the course's configuration, by whatever reads the totals next.
"""

import csv
import json
import re
import shutil
import urllib.request

import nbformat
import pytest
from nbgrader.api import Gradebook

from conftest import COURSE, make_submissions, run
from submissions import with_written_answer
from test_marking import start_marking

A = "ps1-problem-areas"
NB = "problem-areas"
DUE = "2026-02-01 17:00:00 UTC"
STAMPS = {"late": "2026-02-02 17:00:00 UTC", "ontime": "2026-02-01 09:00:00 UTC"}
pytestmark = pytest.mark.slow

PLUGIN = '''
from nbgrader.plugins import LateSubmissionPlugin


class HalfOff(LateSubmissionPlugin):
    """Half of the notebook's score, taken off a late notebook."""

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        return score / 2
'''


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("late") / "course"
    root.mkdir()
    shutil.copy(COURSE / "nbgrader_config.py", root)
    with open(root / "nbgrader_config.py", "a") as fh:
        fh.write('\nc.LateSubmissionPlugin.penalty_method = "zero"\n')
    shutil.copytree(COURSE / "source", root / "source",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    name = make_submissions(root, A, ["perfect"])
    perfect = nbformat.read(root / "submitted" / "perfect" / A / f"{name}.ipynb", 4)
    shutil.rmtree(root / "submitted" / "perfect")
    for student, stamp in STAMPS.items():
        folder = root / "submitted" / student / A
        folder.mkdir(parents=True)
        nbformat.write(with_written_answer(perfect, f"The answer of the {student} student."),
                       folder / f"{name}.ipynb")
        (folder / "timestamp.txt").write_text(stamp)
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        gb.update_or_create_assignment(A, duedate=DUE)
    run(["ipt-course", "grade", A, "--workers", "1"], cwd=root, timeout=900)
    return root


@pytest.fixture
def course(graded, tmp_path):
    copy = tmp_path / "course"
    shutil.copytree(graded, copy)
    return copy


def gradebook(course):
    """{student: (raw score, late penalty)} of the one notebook, as nbgrader stores them."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        out = {}
        for student in STAMPS:
            nb = gb.find_submission_notebook(NB, A, student)
            out[student] = (nb.score, nb.late_submission_penalty)
        return out


def set_rule(course, rule):
    """The course's late-penalty rule: nbgrader's 'zero' or 'none', or 'plugin' (HalfOff,
    in a module beside nbgrader_config.py, as nbgrader's documentation shows)."""
    with open(course / "nbgrader_config.py", "a") as fh:
        if rule == "plugin":
            # a name of its own: ipt-course runs inside the test process, where another
            # test's late_plugin (test_parity's) may already be imported
            (course / "half_off_plugin.py").write_text(PLUGIN)
            fh.write('\nc.AssignLatePenalties.plugin_class = "half_off_plugin.HalfOff"\n')
        else:
            fh.write(f'\nc.LateSubmissionPlugin.penalty_method = "{rule}"\n')


def api(url, token, method="GET", body=None):
    """One call to a server's JSON API as its page makes it (the server's token for the
    login): the marking page's or formgrader's."""
    req = urllib.request.Request(
        url, method=method, data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as res:
        assert res.status == 200
        return json.load(res)


def mark_in_the_marking_page(course, points):
    """Give each student's written answer ``points[student]`` in ``ipt-course mark``."""
    server, url = start_marking(course)
    try:
        base, token = url.split("/ipt-marking/")[0], url.split("token=")[1]
        state = api(f"{base}/ipt-marking/api/state/{A}/{NB}/justify", token)
        for student, value in points.items():
            answer = next(a for a in state["answers"] if f"the {student} student" in a["text"])
            api(f"{base}/ipt-marking/api/mark", token, "POST",
                {"assignment": A, "notebook": NB, "grade_id": "justify", "token": answer["token"],
                 "points": value, "comment": "", "expected": answer["points"]})
    finally:
        server.terminate()
        server.wait(timeout=30)


def exported(course):
    run(["ipt-course", "export", "--force"], cwd=course)
    with open(course / "grades.csv", newline="") as fh:
        return {r["student_id"]: r for r in csv.DictReader(fh)}


def feedback_penalty(course, student, tool="ipt-course"):
    """The late penalty and the total a student's feedback page states."""
    if tool == "ipt-course":
        run(["ipt-course", "feedback", A, "--force"], cwd=course)
    else:
        run(["nbgrader", "generate_feedback", A, "--student", student, "--force"], cwd=course)
    page = (course / "feedback" / student / A / f"{NB}.html").read_text()
    found = re.search(r"Late submission penalty: −([\d.]+) points", page)
    return float(found.group(1)) if found else 0.0, page


def report_totals(course):
    from ipt_helpers.course.folder import Course
    from ipt_helpers.course.report import class_stats

    stats = class_stats(Course.open(course), A)
    return dict(stats.totals), {s: p for s, _, p in stats.late}


@pytest.mark.parametrize("rule", ["zero", "none", "plugin"])
def test_a_mark_given_after_grading_is_penalised_everywhere(course, rule):
    before = gradebook(course)
    auto = before["late"][0]
    assert auto > 0 and before["late"][1] == auto, "zero while grading: all of the score"
    assert before["ontime"][1] in (None, 0)
    set_rule(course, rule)
    mark_in_the_marking_page(course, {"late": 3, "ontime": 2})

    total = auto + 3
    penalty = {"zero": total, "none": None, "plugin": total / 2}[rule]
    final = total - (penalty or 0)
    after = gradebook(course)
    assert after["late"] == (pytest.approx(total), pytest.approx(penalty) if penalty else None)
    assert after["ontime"][0] == pytest.approx(before["ontime"][0] + 2)
    assert after["ontime"][1] in (None, 0), "on time: never a penalty"

    rows = exported(course)
    assert float(rows["late"]["raw_score"]) == pytest.approx(total)
    assert float(rows["late"]["late_submission_penalty"] or 0) == pytest.approx(penalty or 0)
    assert float(rows["late"]["score"]) == pytest.approx(final)
    assert float(rows["ontime"]["score"]) == pytest.approx(after["ontime"][0])

    shown, page = feedback_penalty(course, "late")
    assert shown == pytest.approx(penalty or 0)
    assert f"{final:g}" in page

    totals, late = report_totals(course)
    assert totals == {"late": pytest.approx(final), "ontime": pytest.approx(after["ontime"][0])}
    assert late["late"] == pytest.approx(penalty or 0)


def formgrader(base, token, method, path, body=None):
    return api(f"{base}/formgrader/api/{path}", token, method, body)


def test_a_mark_saved_in_formgrader_is_penalised_as_it_is_saved(course):
    """formgrader (the real server, the course's configuration as formgrader loads it) saves a
    mark with nbgrader's API: the late penalty in the gradebook follows at once, and
    formgrader's *Generate feedback* button shows the penalty of the new total and no key."""
    from browser import jupyter_lab

    auto = gradebook(course)["late"][0]
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        ids = {s: gb.find_grade("justify", NB, A, s).id for s in STAMPS}
    with jupyter_lab(course) as (base, token):
        saved = formgrader(base, token, "PUT", f"grade/{ids['late']}",
                           {"manual_score": 4, "extra_credit": 0})
        assert saved["manual_score"] == 4
        assert gradebook(course)["late"] == (pytest.approx(auto + 4), pytest.approx(auto + 4))
        formgrader(base, token, "PUT", f"grade/{ids['ontime']}", {"manual_score": 1})
        assert gradebook(course)["ontime"][1] in (None, 0), "on time: never a penalty"
        # a mark taken back: the penalty follows down too
        formgrader(base, token, "PUT", f"grade/{ids['late']}", {"manual_score": 1, "extra_credit": 0})
        assert gradebook(course)["late"] == (pytest.approx(auto + 1), pytest.approx(auto + 1))
        made = formgrader(base, token, "POST", f"assignment/{A}/late/generate_feedback")
        assert made["success"], made
    page = (course / "feedback" / "late" / A / f"{NB}.html").read_text()
    assert re.search(r"Late submission penalty: −([\d.]+) points", page).group(1) == f"{auto + 1:g}"
    for key in ("BEGIN HIDDEN TESTS", 'score("case-', "'accept':", "'points':", "'explain':"):
        assert key not in page, key


def test_loading_a_courses_configuration_follows_marks_in_its_gradebook_only(graded, tmp_path):
    """nbgrader_config.py's ``penalties_on_final_score(c)`` makes this process penalise a mark
    as it is written in that course's gradebook, and in no other course's."""
    from ipt_helpers.course.folder import Course

    ours, other = tmp_path / "ours", tmp_path / "other"
    shutil.copytree(graded, ours)
    shutil.copytree(graded, other)
    auto = gradebook(ours)["late"][0]
    Course.open(ours).config()  # what formgrader, nbgrader and ipt-course do when they start
    for course in (ours, other):
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            gb.find_grade("justify", NB, A, "late").manual_score = 2
            gb.db.commit()
    assert gradebook(ours)["late"] == (pytest.approx(auto + 2), pytest.approx(auto + 2))
    assert gradebook(other)["late"] == (pytest.approx(auto + 2), pytest.approx(auto)), \
        "a course whose configuration this process never loaded keeps its stored penalty"


def test_a_mark_written_without_the_courses_configuration_is_penalised_by_what_reads_next(course):
    """A program that writes nbgrader's manual score without loading the course's
    nbgrader_config.py (so without ``follow_marks``): nbgrader's own feedback (the config's
    feedback steps), nbgrader's export (the config's exporter), ipt-course export and the
    report penalise the new total."""
    auto = gradebook(course)["late"][0]
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        grade = gb.find_grade("justify", NB, A, "late")
        grade.manual_score = 4
        gb.find_grade("justify", NB, A, "ontime").manual_score = 1
        gb.db.commit()
    assert gradebook(course)["late"][1] == auto, "still the penalty of the score at grading"
    shown, _ = feedback_penalty(course, "late", tool="nbgrader")
    assert shown == pytest.approx(auto + 4), "nbgrader generate_feedback"
    assert gradebook(course)["late"] == (pytest.approx(auto + 4), pytest.approx(auto + 4))

    for points, export in ((2, "nbgrader"), (3, "ipt-course")):
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            gb.find_grade("justify", NB, A, "late").manual_score = points
            gb.db.commit()
        if export == "nbgrader":  # nbgrader's own CSV (configured by penalties_on_final_score)
            run(["nbgrader", "export", "--to", "nbgrader-grades.csv"], cwd=course)
            with open(course / "nbgrader-grades.csv", newline="") as fh:
                row = next(r for r in csv.DictReader(fh) if r["student_id"] == "late")
            assert float(row["late_submission_penalty"]) == pytest.approx(auto + points)
            assert float(row["score"]) == 0
        else:
            assert float(exported(course)["late"]["score"]) == 0
        assert gradebook(course)["late"][1] == pytest.approx(auto + points)
    totals, _ = report_totals(course)
    assert totals["late"] == 0


def test_an_extension_granted_after_grading_takes_the_penalty_off(course):
    """As nbgrader's own step does when it runs again: no longer late, no penalty."""
    auto = gradebook(course)["late"][0]
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.find_grade("justify", NB, A, "late").manual_score = 4
        gb.find_grade("justify", NB, A, "ontime").manual_score = 1
        gb.find_submission(A, "late").extension = __import__("datetime").timedelta(days=2)
        gb.db.commit()
    assert float(exported(course)["late"]["score"]) == pytest.approx(auto + 4)
    assert gradebook(course)["late"] == (pytest.approx(auto + 4), None)


def test_a_failing_plugin_is_named_and_changes_nothing(course):
    # a module of its own name: ipt-course runs in this process in tests, and Python keeps
    # the first late_plugin it imported
    (course / "broken_plugin.py").write_text(PLUGIN.replace("return score / 2", "return 1 / 0"))
    with open(course / "nbgrader_config.py", "a") as fh:
        fh.write('\nc.AssignLatePenalties.plugin_class = "broken_plugin.HalfOff"\n')
    before = gradebook(course)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.find_grade("justify", NB, A, "late").manual_score = 4
        gb.find_grade("justify", NB, A, "ontime").manual_score = 1
        gb.db.commit()
    proc = run(["ipt-course", "export"], cwd=course, check=False)
    assert proc.returncode != 0
    assert "broken_plugin.HalfOff" in proc.stderr and "ZeroDivisionError" in proc.stderr
    assert "broken_plugin.py, line" in proc.stderr
    assert not (course / "grades.csv").exists()
    assert gradebook(course)["late"][1] == before["late"][1]
