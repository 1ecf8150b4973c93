"""Returning results: feedback pages for students and grade files for the LMS.

Both refuse while a written answer has no mark (``refuse_unmarked``), so that a student is
never shown 0 for an answer nobody has read yet; ``--allow-unmarked`` shows "awaiting
marking" instead.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ipt_helpers.course.folder import Course, CourseError
from ipt_helpers.course.results.feedback import readable_feedback


def write_feedback(course: Course, assignment: str, force: bool = False,
                   allow_unmarked: bool = False) -> int:
    """``ipt-course feedback``: a key-free feedback page for each graded student; refuses
    while written answers are unmarked (unless ``allow_unmarked``); exit 1 when a student's
    grading did not finish."""
    from nbgrader.converters import GenerateFeedback

    from ipt_helpers.course.grading.autograde import is_graded

    course.check_assignment(assignment)
    graded = sorted(p.name for p in (course.root / "autograded").glob("*")
                    if (p / assignment).is_dir())
    if not graded:
        raise CourseError(f"nothing graded for {assignment} yet: run `ipt-course grade` first")
    from nbgrader.api import Gradebook, MissingEntry

    from ipt_helpers.course.results.states import unmarked_answers

    if course.gradebook_file is None or course.gradebook_file.is_file():
        with Gradebook(course.db_url) as gb:
            try:
                waiting = [u for u in unmarked_answers(gb, assignment) if u.student in graded]
            except MissingEntry:
                waiting = []
        refuse_unmarked(waiting, "no feedback written", allow_unmarked)
    config = course.config()
    readable_feedback(config)
    unfinished = 0
    for student in graded:
        out = course.root / "feedback" / student / assignment
        if out.exists() and not force:
            print(f"skipped {student}: feedback exists (use --force to make it again)")
            continue
        if not is_graded(course, assignment, student):
            print(f"NOT GRADED {student}: its grading did not finish; run `ipt-course grade "
                  f"{assignment}` again (it grades what is unfinished)")
            unfinished += 1
            continue
        converter = course.converter(GenerateFeedback, assignment, student, config)
        with course.inside():
            converter.start()
        print(f"feedback for {student}: {out}")
    return 1 if unfinished else 0


def refuse_unmarked(items, what: str, allow: bool) -> None:
    """List written answers with no mark; refuse ``what`` unless ``allow`` (--allow-unmarked)."""
    from ipt_helpers.course.results.states import describe_unmarked

    if not items:
        return
    print(f"{len(items)} written answer(s) not marked yet:", file=sys.stderr)
    for line in describe_unmarked(items):
        print(line, file=sys.stderr)
    if not allow:
        raise CourseError(f"{what}: {len(items)} written answer(s) have no mark yet (listed "
                          "above). Mark them (nbgrader's formgrader), or pass --allow-unmarked "
                          "to go ahead: they are then shown as \"awaiting marking\", never as 0")


def export(course: Course, to: str | None = None, format: str = "csv", force: bool = False,
           canvas_id: list[str] | None = None, allow_unmarked: bool = False,
           assignments: list[str] | None = None, moodle_user: str = "email") -> int:
    """``ipt-course export``: every student's grade per assignment (all, or those named in
    ``assignments``) as CSV, or Canvas's or Moodle's gradebook import file; refuses while
    written answers are unmarked (unless ``allow_unmarked``) and never overwrites a file
    without ``force``. Exit 1 when a student had to be left out of a Moodle file."""
    from nbgrader.api import Gradebook

    from ipt_helpers.course.grading.penalties import late_submissions, recompute
    from ipt_helpers.course.results.states import (AWAITING, MOODLE_USER, NOT_SUBMITTED, results,
                                                   write_canvas, write_csv, write_moodle)

    names = {"canvas": "grades-canvas.csv", "moodle": "grades-moodle.csv"}
    target = Path(to).resolve() if to else course.root / names.get(format, "grades.csv")
    if target.exists() and not force:
        raise CourseError(f"{target} exists; use --force to overwrite it")
    if not (course.root / "gradebook.db").exists() and course.db_url.startswith("sqlite"):
        raise CourseError("no gradebook yet: release and grade an assignment first")
    if moodle_user not in MOODLE_USER:
        raise CourseError(f"--moodle-user {moodle_user!r}: use {' or '.join(MOODLE_USER)}")
    canvas_ids = {}
    for pair in canvas_id or []:
        assignment, _, number = pair.partition("=")
        if not number.strip().isdigit():
            raise CourseError(f"--canvas-id {pair!r}: write ASSIGNMENT=NUMBER, the number "
                              "from the assignment's Canvas address (.../assignments/NUMBER)")
        canvas_ids[assignment] = number.strip()
    chosen = list(dict.fromkeys(assignments or []))   # in the order given, once each
    with Gradebook(course.db_url) as gb:
        known = [a.name for a in gb.assignments]
        # late penalties of the totals as they are now (a mark given in formgrader since)
        if any(late_submissions(gb, a) for a in (chosen or known) if a in known):
            config = course.config()
            for a in (chosen or known):
                if a in known:
                    recompute(gb, config, a)
        unknown = [a for a in chosen if a not in known]
        if unknown:
            raise CourseError(f"--assignment {', '.join(unknown)}: not in the gradebook (it has: "
                              f"{', '.join(sorted(known)) or 'none'}); nothing exported")
        rows = results(gb, chosen or None)
    stray = sorted(set(canvas_ids) - {r.assignment for r in rows})
    if stray:
        raise CourseError(f"--canvas-id names {', '.join(stray)}, which is not exported "
                          "(add --assignment for it, or leave the --canvas-id out)")
    refuse_unmarked([u for r in rows for u in r.unmarked], "nothing exported",
                     allow_unmarked)
    left_out: list[str] = []
    if format == "canvas":
        write_canvas(rows, target, canvas_ids)
        for a in sorted({r.assignment for r in rows} - set(canvas_ids)):
            print(f"note: {a} has no --canvas-id {a}=NUMBER: Canvas will offer to create a new "
                  "assignment for its column instead of updating the existing one")
    elif format == "moodle":
        left_out = write_moodle(rows, target, moodle_user)
    else:
        write_csv(rows, target)
    count = {state: sum(r.state == state for r in rows) for state in (NOT_SUBMITTED, AWAITING)}
    print(f"grades written to {target}: {len(rows) - sum(count.values())} scored, "
          f"{count[AWAITING]} awaiting marking, {count[NOT_SUBMITTED]} not submitted"
          + (f" ({', '.join(sorted({r.assignment for r in rows}))})" if chosen else ""))
    if left_out:
        heading = MOODLE_USER[moodle_user][0]
        print(f"NOT EXPORTED {len(left_out)} student(s) with no {heading} in the gradebook "
              f"(Moodle could not tell who they are): {', '.join(left_out)}. Import the "
              "participants list with it (ipt-course roster import FILE --from moodle), or "
              "use --moodle-user " + ("idnumber" if moodle_user == "email" else "email"),
              file=sys.stderr)
        return 1
    return 0
