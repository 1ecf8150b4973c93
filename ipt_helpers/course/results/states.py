"""Results that never mislead: what the gradebook says about each student and assignment.

Every (student, assignment) pair is in exactly one state:

- ``not submitted``: no submission in the gradebook (never collected or graded);
- ``awaiting marking``: graded, but at least one written answer has no score yet (its
  autograded part is known, its total is not);
- ``scored``: every grade cell has a score.

A written answer (a manually graded cell) is "unmarked" while it has neither a manual score
nor an automatic one (nbgrader gives an untouched answer cell 0 by itself).
``ipt-course feedback`` and ``ipt-course export`` use this to refuse, or to say "awaiting
marking" instead of a 0. ``write_canvas`` and ``write_moodle`` write the CSV files that
Canvas's and Moodle's gradebooks import: only final scores, never a 0 for what is not.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from ipt_helpers.course.collect import lms

NOT_SUBMITTED = "not submitted"
AWAITING = "awaiting marking"
SCORED = "scored"


@dataclass
class Unmarked:
    assignment: str
    student: str
    notebook: str
    grade_id: str
    points: float


@dataclass
class Result:
    assignment: str
    student: str
    first_name: str
    last_name: str
    email: str
    lms_user_id: str
    state: str
    max_score: float
    score: float | None = None           # the total, only when state == scored
    auto_score: float | None = None      # what is scored so far (awaiting marking / scored)
    late_penalty: float = 0.0
    timestamp: str = ""
    unmarked: list = field(default_factory=list)
    sis_user_id: str = ""                # Canvas's SIS User ID, from the roster import
    id_number: str = ""                  # Moodle's ID number, from the roster import


def unmarked_answers(gb, assignment: str, student: str | None = None) -> list[Unmarked]:
    """The written answers of ``assignment`` (one student's, or everyone's) with no score."""
    out = []
    for sub in gb.find_assignment(assignment).submissions:
        if student and sub.student.id != student:
            continue
        for nb in sub.notebooks:
            for grade in nb.grades:
                if grade.manual_score is None and grade.auto_score is None:
                    out.append(Unmarked(assignment, sub.student.id, nb.name, grade.name,
                                        float(grade.max_score or 0)))
    return sorted(out, key=lambda u: (u.assignment, u.student, u.notebook, u.grade_id))


def results(gb, assignments: list[str] | None = None) -> list[Result]:
    """One Result per student of the gradebook and assignment (all, or those named)."""
    from nbgrader.api import MissingEntry

    from ipt_helpers.course.collect.roster import lms_ids

    ids = lms_ids(gb)
    rows = []
    names = assignments or [a.name for a in gb.assignments]
    for name in names:
        assignment = gb.find_assignment(name)
        for student in gb.students:
            base = dict(assignment=name, student=student.id,
                        first_name=student.first_name or "", last_name=student.last_name or "",
                        email=student.email or "", lms_user_id=student.lms_user_id or "",
                        max_score=float(assignment.max_score or 0), **ids.get(student.id, {}))
            try:
                sub = gb.find_submission(name, student.id)
            except MissingEntry:
                rows.append(Result(state=NOT_SUBMITTED, **base))
                continue
            missing = unmarked_answers(gb, name, student.id)
            penalty = float(sub.late_submission_penalty or 0)
            partial = float(sub.score or 0)
            rows.append(Result(
                state=AWAITING if missing else SCORED, unmarked=missing,
                score=None if missing else max(partial - penalty, 0.0), auto_score=partial,
                late_penalty=penalty, timestamp=str(sub.timestamp or ""), **base))
    return sorted(rows, key=lambda r: (r.assignment, r.student))


def describe_unmarked(items: list[Unmarked], limit: int = 20) -> list[str]:
    """Lines for the instructor: which answers still need a mark."""
    lines = [f"  {u.assignment} / {u.student} / {u.notebook}: {u.grade_id} "
             f"({u.points:g} point(s)) has no mark" for u in items[:limit]]
    if len(items) > limit:
        lines.append(f"  ... and {len(items) - limit} more")
    return lines


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


#: the columns of ``ipt-course export`` (nbgrader's CSV export's, plus status and unmarked)
CSV_COLUMNS = ["assignment", "student_id", "last_name", "first_name", "email", "status",
               "raw_score", "late_submission_penalty", "score", "max_score", "unmarked",
               "timestamp"]


def write_csv(rows: list[Result], target: Path) -> None:
    """score is empty unless the state is ``scored``; raw_score is what is scored so far."""
    with open(target, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(CSV_COLUMNS)
        for r in rows:
            w.writerow([r.assignment, r.student, r.last_name, r.first_name, r.email, r.state,
                        _num(r.auto_score), _num(r.late_penalty if r.state != NOT_SUBMITTED else None),
                        _num(r.score), _num(r.max_score), len(r.unmarked) or "", r.timestamp])


def write_canvas(rows: list[Result], target: Path, canvas_ids: dict[str, str] | None = None) -> None:
    """A CSV that Canvas's Gradebook ▸ Import reads (see ``ipt_helpers.course.collect.lms``).

    Columns: Student ("Last, First"), ID (the Canvas user id, from the roster's lms_user_id),
    SIS User ID (as the roster import found it, else empty), SIS Login ID (the course's
    student id), Section (empty), then one
    column per assignment named ``<assignment> (<Canvas assignment id>)`` when its Canvas id
    is given (``canvas_ids``), else ``<assignment>`` (Canvas then offers to create a new
    assignment). The second row is ``Points Possible``. A score is written only when it is
    final (state ``scored``); a cell is left empty for ``not submitted`` and ``awaiting
    marking`` — never 0. (Columns as Canvas's guides and the Ohio State CarmenCanvas guide
    describe them: a name, ID or SIS User ID; SIS Login ID; Section; one column per
    assignment, a new column making a new assignment. That an empty cell leaves an existing
    Canvas grade unchanged is how the import preview behaves, not confirmed from Canvas's
    documentation.)
    """
    canvas_ids = canvas_ids or {}
    assignments = sorted({r.assignment for r in rows})
    columns = {a: lms.canvas_assignment_column(a, canvas_ids[a]) if a in canvas_ids else a
               for a in assignments}
    by_student: dict[str, dict[str, Result]] = {}
    for r in rows:
        by_student.setdefault(r.student, {})[r.assignment] = r
    with open(target, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(lms.CANVAS_IDENTITY_COLUMNS + [columns[a] for a in assignments])
        possible = {a: next(r.max_score for r in rows if r.assignment == a) for a in assignments}
        w.writerow([lms.CANVAS_POINTS_POSSIBLE] + [""] * (len(lms.CANVAS_IDENTITY_COLUMNS) - 1)
                   + [_num(possible[a]) for a in assignments])
        for student, mine in sorted(by_student.items()):
            any_row = next(iter(mine.values()))
            identity = {lms.CANVAS_STUDENT: lms.canvas_sortable_name(any_row.first_name,
                                                                   any_row.last_name) or student,
                        lms.CANVAS_ID: any_row.lms_user_id,
                        lms.CANVAS_SIS_USER_ID: any_row.sis_user_id,
                        lms.CANVAS_SIS_LOGIN_ID: student, lms.CANVAS_SECTION: ""}
            w.writerow([identity[c] for c in lms.CANVAS_IDENTITY_COLUMNS]
                       + [_num(mine[a].score) if a in mine and mine[a].state == SCORED else ""
                          for a in assignments])


#: how ``write_moodle`` names a student: the column Moodle's import is told to match
#: ("Identify user by": Map from this column, Map to "email address" or "idnumber")
MOODLE_USER = {"email": (lms.MOODLE_EMAIL[0], "email"), "idnumber": (lms.MOODLE_ID_NUMBER[0], "id_number")}


def write_moodle(rows: list[Result], target: Path, user: str = "email") -> list[str]:
    """A CSV that Moodle's Grades ▸ Import ▸ CSV file reads; returns the students left out.

    Columns: First name, Last name (for the reader; left unmapped in Moodle), the column that
    identifies each student (``user``: Email address, or ID number as the roster import found
    it), then one column per assignment, named after it, which the import page maps to a
    grade item. Moodle's importer (grade/import/csv/classes/load_data.php) reads an empty cell
    or "-" as "no grade" (a null final grade, which may clear a grade already entered in
    Moodle), and gives a row whose
    identifying cell is empty to the student of the row before. So a student with no final
    score in any assignment gets no row, and one without the identifying value is left out
    (and returned, so the caller can say so); a cell that is not final is empty (see README).
    """
    heading, attr = MOODLE_USER[user]
    assignments = sorted({r.assignment for r in rows})
    by_student: dict[str, dict[str, Result]] = {}
    for r in rows:
        by_student.setdefault(r.student, {})[r.assignment] = r
    left_out = []
    with open(target, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow([lms.MOODLE_FIRST[0], lms.MOODLE_LAST[0], heading] + assignments)
        for student, mine in sorted(by_student.items()):
            if not any(r.state == SCORED for r in mine.values()):
                continue
            any_row = next(iter(mine.values()))
            if not getattr(any_row, attr):
                left_out.append(student)
                continue
            w.writerow([any_row.first_name, any_row.last_name, getattr(any_row, attr)]
                       + [_num(mine[a].score) if a in mine and mine[a].state == SCORED else ""
                          for a in assignments])
    return left_out
