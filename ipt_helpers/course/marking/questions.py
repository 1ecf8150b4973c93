"""What there is to mark, by question (issue 15, items 1 and 2), with no web server in it:

- ``written_questions``: the manually graded cells of an assignment, with their points and
  the mark scheme (the solution region of the source cell);
- ``answers_for``: every graded student's answer to one question, anonymous (a token, never
  the student id) and in a shuffled order of each marker's own, the same for them every time;
- ``second_sample`` and ``second_marking``: the blind sample a second marker sees, and the
  agreement of first and second marks the report shows.

Writing marks (nbgrader's manual scores, rubric comments, second marks) is
``ipt_helpers.course.marking.store``.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from pathlib import Path

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
    #: nbgrader's own score when no one has marked it: 0 for an answer left blank (nbgrader
    #: scores an unchanged answer cell itself). It counts as marked; a marker may still mark it
    auto_points: float | None = None


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
                marker: str = "", shuffle: bool = True) -> list[Answer]:
    """Every submission's answer to ``question``, anonymous (tokens made with the course's
    ``secret``), in ``marker``'s own shuffled order: two markers do not meet the answers in
    the same order, and nobody's order follows the roster."""
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
                          grade.manual_score, comment.manual_comment or "", grade.id, comment.id,
                          grade.auto_score if grade.manual_score is None else None))
    out.sort(key=lambda a: a.token)
    if shuffle:
        random.Random(f"{secret}\0{marker}").shuffle(out)
    return out


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
    from ipt_helpers.course.agreement import agreement
    from ipt_helpers.course.marking.store import second_marks

    out = []
    for q in written_questions(course, assignment):
        second = second_marks(gb, assignment, q.grade_id)
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
