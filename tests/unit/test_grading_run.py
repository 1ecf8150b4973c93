"""``likely_to_grade``: the guess, from the folders alone, that decides whether the workers'
forkserver starts before nbgrader is imported (grading/run.py)."""

import os

from ipt_helpers.course.folder import Course
from ipt_helpers.course.grading.run import likely_to_grade

A = "ps1-problem-areas"


def course_with(tmp_path, students):
    (tmp_path / "nbgrader_config.py").write_text("")
    for student in students:
        folder = tmp_path / "submitted" / student / A
        folder.mkdir(parents=True)
        (folder / "problem-areas.ipynb").write_text("{}")
    return Course.open(tmp_path)


def graded(course, student, after=0.0):
    marker = course.graded_marker(A, student)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text("{}")
    newest = max(p.stat().st_mtime for p in (course.root / "submitted" / student / A).iterdir())
    os.utime(marker, (newest + after, newest + after))


def test_a_submission_never_graded_is_likely_work(tmp_path):
    course = course_with(tmp_path, ["amara", "bo"])
    graded(course, "amara", after=5)
    assert likely_to_grade(course, A)
    assert not likely_to_grade(course, A, students=["amara"])


def test_everyone_graded_and_unchanged_is_not(tmp_path):
    course = course_with(tmp_path, ["amara", "bo"])
    for student in ("amara", "bo"):
        graded(course, student, after=5)
    assert not likely_to_grade(course, A)
    assert likely_to_grade(course, A, force=True)
    assert not likely_to_grade(course, "ps2-other")


def test_a_file_changed_after_grading_is_likely_work(tmp_path):
    course = course_with(tmp_path, ["amara"])
    graded(course, "amara", after=-5)  # the submission is newer than its marker: handed in again
    assert likely_to_grade(course, A)
