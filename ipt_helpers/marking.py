"""Marking written answers by question, stored in the nbgrader gradebook (issue 15, item 1).

The part every marking front end needs, with no web server in it:

- ``written_questions``: the manually graded cells of an assignment, with their points and
  the mark scheme (the solution region of the source cell);
- ``answers_for``: every graded student's answer to one question, anonymous (a token, never
  the student id) and in a shuffled order that is the same for one marker every time;
- ``set_mark``: points (whole or half) and a comment for one answer, written to the
  gradebook as nbgrader's manual score and comment (so formgrader, ``feedback`` and
  ``export`` see them), refused with ``MarkConflict`` when the answer's mark changed since
  the marker read it: one conditional UPDATE, so two markers at once on PostgreSQL never
  lose an update (a second writer waits for the first and then finds the row changed).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from pathlib import Path

from .course import CourseError


class MarkConflict(CourseError):
    """The answer's mark changed since it was read: reload before marking it."""


@dataclass
class WrittenQuestion:
    notebook: str
    grade_id: str
    points: float
    prompt: str
    scheme: str


@dataclass
class Answer:
    token: str              # stands for the student in the marking page
    text: str               # what the student wrote (plain text: escape it to show it)
    points: float | None    # the manual score, None until marked
    comment: str
    grade_row: str          # nbgrader's Grade.id
    comment_row: str        # nbgrader's Comment.id


def written_questions(course, assignment: str) -> list[WrittenQuestion]:
    import nbformat

    found = []
    folder = course.root / "source" / course.check_assignment(assignment)
    for path in sorted(folder.glob("*.ipynb")):
        cells = nbformat.read(path, as_version=4).cells
        for i, cell in enumerate(cells):
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if cell.cell_type != "markdown" or not (meta.get("grade") and meta.get("solution")):
                continue
            source = cell.source
            scheme = source
            if "### BEGIN SOLUTION" in source:
                scheme = source.split("### BEGIN SOLUTION", 1)[1].split("### END SOLUTION", 1)[0]
            prompt = cells[i - 1].source if i and cells[i - 1].cell_type == "markdown" else ""
            found.append(WrittenQuestion(path.stem, meta["grade_id"], float(meta.get("points", 0)),
                                         prompt.strip(), scheme.strip()))
    return found


def token(student: str, assignment: str, grade_id: str, secret: str) -> str:
    """An opaque name for one answer: the same for a marker every time, no student id in it."""
    return hashlib.sha256(f"{secret}\0{assignment}\0{grade_id}\0{student}".encode()).hexdigest()[:12]


def answers_for(gb, course, assignment: str, question: WrittenQuestion, secret: str,
                shuffle: bool = True) -> list[Answer]:
    """Every submission's answer to ``question``, anonymous, shuffled by ``secret``."""
    import nbformat

    out = []
    for sub in gb.find_assignment(assignment).submissions:
        student = sub.student.id
        grade = gb.find_grade(question.grade_id, question.notebook, assignment, student)
        comment = gb.find_comment(question.grade_id, question.notebook, assignment, student)
        path = Path(course.root, "autograded", student, assignment, f"{question.notebook}.ipynb")
        text = ""
        if path.is_file():
            for cell in nbformat.read(path, as_version=4).cells:
                if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == question.grade_id:
                    text = cell.source
        out.append(Answer(token(student, assignment, question.grade_id, secret), text,
                          grade.manual_score, comment.manual_comment or "", grade.id, comment.id))
    out.sort(key=lambda a: a.token)
    if shuffle:
        random.Random(secret).shuffle(out)
    return out


def check_points(points: float, max_points: float) -> float:
    points = float(points)
    if not 0 <= points <= max_points or (points * 2) % 1:
        raise CourseError(f"{points:g} is not a mark for this question: give 0 to "
                          f"{max_points:g} in whole or half points")
    return points


def set_mark(gb, answer: Answer, points: float | None, comment: str | None, *,
             expected: float | None, max_points: float) -> None:
    """Write one answer's mark if it is still ``expected`` (what the marker saw)."""
    from nbgrader.api import Comment, Grade
    from sqlalchemy import update

    value = None if points is None else check_points(points, max_points)
    grade_row = answer.grade_row
    stmt = update(Grade).where(Grade.id == grade_row)
    stmt = stmt.where(Grade.manual_score.is_(None) if expected is None
                      else Grade.manual_score == float(expected))
    stmt = stmt.values(manual_score=value, needs_manual_grade=value is None)
    try:
        done = gb.db.execute(stmt).rowcount
        if done != 1:
            gb.db.rollback()
            now = gb.db.get(Grade, grade_row)
            current = "no mark" if now is None or now.manual_score is None else f"{now.manual_score:g}"
            raise MarkConflict("another marker changed this answer's mark since you opened it "
                               f"(it is now {current}); nothing was written: reload and mark it "
                               "again")
        if comment is not None:
            gb.db.execute(update(Comment).where(Comment.id == answer.comment_row)
                          .values(manual_comment=comment))
        gb.db.commit()
    except MarkConflict:
        raise
    except Exception:
        gb.db.rollback()
        raise


# --- second marking -----------------------------------------------------------------------------

def second_marks_path(course, assignment: str, grade_id: str) -> Path:
    return course.root / "marking" / assignment / f"{grade_id}.second.json"


def load_second_marks(course, assignment: str, grade_id: str) -> dict[str, float]:
    """{nbgrader Grade.id: the second marker's points} for one question."""
    import json

    path = second_marks_path(course, assignment, grade_id)
    return json.loads(path.read_text()) if path.is_file() else {}


def save_second_mark(course, assignment: str, grade_id: str, grade_row: str,
                     points: float | None) -> None:
    import json
    import os

    marks = load_second_marks(course, assignment, grade_id)
    if points is None:
        marks.pop(grade_row, None)
    else:
        marks[grade_row] = float(points)
    path = second_marks_path(course, assignment, grade_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(marks, indent=1, sort_keys=True))
    os.replace(tmp, path)


def second_sample(answers: list[Answer], fraction: float = 0.2) -> list[Answer]:
    """A blind sample for second marking: the same answers every time (by their gradebook
    row, not by who wrote them), at least one, about ``fraction`` of them."""
    import math

    if not answers:
        return []
    count = max(1, math.ceil(len(answers) * fraction))
    ranked = sorted(answers, key=lambda a: hashlib.sha256(a.grade_row.encode()).hexdigest())
    return ranked[:count]


def second_marking(gb, course, assignment: str) -> list[dict]:
    """Per written question with second marks: the agreement figures (exact, within one point,
    weighted kappa) of first against second marks, and the answers more than a point apart."""
    from .agreement import agreement

    out = []
    for q in written_questions(course, assignment):
        second = load_second_marks(course, assignment, q.grade_id)
        if not second:
            continue
        pairs, who = [], []
        for sub in gb.find_assignment(assignment).submissions:
            grade = gb.find_grade(q.grade_id, q.notebook, assignment, sub.student.id)
            if grade.id in second and grade.manual_score is not None:
                pairs.append((float(grade.manual_score), second[grade.id]))
                who.append(sub.student.id)
        found = agreement(pairs)
        out.append({"question": q, "agreement": found,
                    "apart": [(who[i], a, b) for i, a, b in found.apart]})
    return out
