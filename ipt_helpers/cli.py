"""ipt-course: the instructor's command line over an nbgrader course directory.

    ipt-course init DIR [--from COURSE]     a clean course: nbgrader_config.py and source/ only
    ipt-course check [ASSIGNMENT ...]       the item definitions are consistent (release runs it)
    ipt-course release [ASSIGNMENT ...]     student versions (+ a zip each for an LMS)
    ipt-course collect ASSIGNMENT ZIP       submissions exported from an LMS -> submitted/
                      [--from canvas|moodle|attempt|folders]
    ipt-course roster import FILE --from canvas|moodle|csv [--dry-run]
                                            the LMS's class list -> the gradebook's students
    ipt-course roster list                  the students in the gradebook
    ipt-course grade ASSIGNMENT             parallel autograde on Dask workers
    ipt-course feedback ASSIGNMENT          feedback HTML for each graded student
                                            (refuses while written answers are unmarked,
                                            unless --allow-unmarked)
    ipt-course export [--to FILE]           grades as CSV: scored, awaiting marking or not
                      [--format canvas|moodle]  submitted; or Canvas's or Moodle's grade
                      [--assignment NAME]   import file (only the assignments named)
    ipt-course report ASSIGNMENT            class analytics (HTML + PNG figures)
    ipt-course mark ASSIGNMENT              mark written answers by question (a local page)
    ipt-course show ASSIGNMENT ITEM         one item whole: definition, student cell, hidden
                                            test and full-mark answer

Every command but init takes --course DIR (default: the current folder). Problems are
reported in words with a non-zero exit; nothing existing is overwritten without --force.
"""

from __future__ import annotations

import argparse
import sys
from importlib import import_module
from pathlib import Path

from ipt_helpers.course.folder import Course, CourseError


def _stage(name: str):
    """A stage module of ``ipt_helpers.course``, imported when its command runs."""
    return import_module(f"ipt_helpers.course.{name}")


class _Lazy:
    def __init__(self, name):
        self.name = name

    def __getattr__(self, attr):
        return getattr(_stage(self.name), attr)


publish, run, returning, server = (_Lazy("release.publish"), _Lazy("grading.run"),
                                   _Lazy("results.returning"), _Lazy("marking.server"))


def grade_defaults(course_dir: str | None) -> dict:
    """``grade``'s defaults from the course's ``c.GradeOptions`` (see grading/run.py); the
    built-in ones for ``None``."""
    return _stage("grading.run").grade_defaults(course_dir)


def _collect(course: Course, args) -> int:
    return _stage("collect.submissions").collect(
        course, args.assignment, Path(args.zip), force=args.force, source=args.source,
        times=Path(args.times) if args.times else None, timezone=args.timezone)


def _roster(course: Course, args) -> int:
    roster = _stage("collect.roster")
    if args.action == "list":
        return roster.list_roster(course)
    return roster.import_roster(course, Path(args.file), args.source, dry_run=args.dry_run,
                                id_column=args.id_column)


def _report(course: Course, args) -> int:
    out = _stage("report").write_report(course, args.assignment, Path(args.out) if args.out else None)
    print(f"report: {out}")
    return 0


def parser(course_dir: str = ".", grading: bool = True) -> argparse.ArgumentParser:
    """The command line; ``grading`` reads ``grade``'s defaults from the course (which
    imports nbgrader), needed only when the command is ``grade``."""
    p = argparse.ArgumentParser(prog="ipt-course", description=__doc__.split("\n\n")[0])
    p.add_argument("--course", default=".", help="the nbgrader course directory (default: .)")
    sub = p.add_subparsers(dest="command", required=True)

    i = sub.add_parser("init", help="make a clean course folder (config and source/ only)")
    i.add_argument("dir", help="the new course folder (must not exist, or be empty)")
    i.add_argument("--from", dest="origin", default=None, metavar="COURSE",
                   help="the course folder to copy nbgrader_config.py and source/ from "
                        "(default: exercises/ of the checkout ipt-course runs from; an "
                        "installed package has no assignments: the notebooks hold the keys)")
    i.set_defaults(run=lambda c, a: _stage("release.newcourse").init_course(a.dir, a.origin),
                   no_course=True)

    k = sub.add_parser("check", help="check the item definitions of assignments")
    k.add_argument("assignments", nargs="*", help="assignment ids (default: all in source/)")
    k.set_defaults(run=lambda c, a: publish.check_assignments(c, a.assignments))

    r = sub.add_parser("release", help="make student versions and a zip per assignment")
    r.add_argument("assignments", nargs="*", help="assignment ids (default: all in source/)")
    r.add_argument("--force", action="store_true", help="replace existing student versions")
    r.set_defaults(run=lambda c, a: publish.release(c, a.assignments, a.force))

    c = sub.add_parser("collect", help="file an LMS zip of submissions into submitted/")
    c.add_argument("assignment")
    c.add_argument("zip", help="the zip file downloaded from the LMS")
    c.add_argument("--force", action="store_true", help="replace existing submissions")
    c.add_argument("--from", dest="source", default="auto",
                   choices=["auto", "canvas", "moodle", "attempt", "folders"],
                   help="how the files are named: Canvas's or Moodle's download, nbgrader's "
                        "<student>_attempt_<time>_<notebook>, or a folder per student "
                        "(default: auto, from the names)")
    c.add_argument("--times", default=None, metavar="WORKSHEET",
                   help="Moodle's grading worksheet (CSV) of the assignment: each participant's "
                        "e-mail and submission time (timestamp.txt, for late penalties)")
    c.add_argument("--timezone", default=None,
                   help="the time zone of the worksheet's times, e.g. Europe/Berlin "
                        "(default: this computer's)")
    c.set_defaults(run=_collect)

    o = sub.add_parser("roster", help="import the LMS's class list into the gradebook, or list it")
    osub = o.add_subparsers(dest="action", required=True)
    oi = osub.add_parser("import", help="add or update students from a class list (CSV)")
    oi.add_argument("file", help="Canvas gradebook export, Moodle participants CSV, or a CSV "
                                 "with id,first_name,last_name,email[,lms_user_id]")
    oi.add_argument("--from", dest="source", required=True, choices=["canvas", "moodle", "csv"],
                    help="which kind of class list FILE is")
    oi.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    oi.add_argument("--id-column", default=None,
                    help="the column that holds each student's course id (default: SIS Login "
                         "ID for Canvas, ID number/Username/Email address for Moodle, id for csv)")
    oi.set_defaults(run=_roster)
    osub.add_parser("list", help="the students in the gradebook").set_defaults(run=_roster)

    d = grade_defaults(course_dir if grading else None)
    g = sub.add_parser("grade", help="autograde all submissions in parallel (Dask)",
                       description="Defaults come from the course's nbgrader_config.py "
                                   "(c.GradeOptions.<option>); an option given here overrides it.")
    g.add_argument("assignment")
    g.add_argument("--workers", type=int, default=d["workers"] or None,
                   help=f"worker processes on this machine (default: {d['workers'] or 'one per core'})")
    g.add_argument("--threads", type=int, default=d["threads"],
                   help=f"notebooks executed at once per worker (default: {d['threads']})")
    g.add_argument("--scheduler", default=None,
                   help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786")
    g.add_argument("--timeout", type=float, default=d["notebook_timeout"],
                   help="seconds one whole notebook may run before it is stopped "
                        f"(default: {d['notebook_timeout']:g}"
                        + (f"; each cell also stops after {d['cell_timeout']:g} s, "
                           "c.ExecutePreprocessor.timeout" if d.get("cell_timeout") else "") + ")")
    g.add_argument("--student", action="append", help="grade only this student (repeatable)")
    g.add_argument("--force", action="store_true", help="grade again students already graded")
    g.add_argument("--sandbox-python", default=d["sandbox_python"] or None,
                   help="Python (readable by all users) for kernels run as unprivileged users "
                        f"when grading as root (default: {d['sandbox_python'] or '$IPT_SANDBOX_PYTHON, else the one make book builds'})")
    g.add_argument("--no-sandbox", action="store_true",
                   help="grade even if kernels cannot run as unprivileged users (as root: "
                        "student code then runs as root; without this, grade refuses)")
    g.set_defaults(run=lambda c, a: run.grade(c, a))

    f = sub.add_parser("feedback", help="feedback HTML for every graded student")
    f.add_argument("assignment")
    f.add_argument("--force", action="store_true", help="replace existing feedback")
    f.add_argument("--allow-unmarked", action="store_true",
                   help="write feedback although written answers are unmarked (they show "
                        "\"awaiting marking\"); without this, feedback lists them and refuses")
    f.set_defaults(run=lambda c, a: returning.write_feedback(
        c, a.assignment, a.force, a.allow_unmarked))

    e = sub.add_parser("export", help="write grades to a CSV file (or an LMS's import file)")
    e.add_argument("--to", default=None, help="output file (default: COURSE/grades.csv)")
    e.add_argument("--force", action="store_true", help="overwrite an existing file")
    e.add_argument("--format", choices=["csv", "canvas", "moodle"], default="csv",
                   help="csv: one row per student and assignment with its status (scored, "
                        "awaiting marking, not submitted); canvas: a file Canvas's Gradebook "
                        "Import reads (default file grades-canvas.csv); moodle: a file "
                        "Moodle's Grades > Import > CSV file reads (default grades-moodle.csv; "
                        "see README)")
    e.add_argument("--assignment", action="append", dest="assignments", metavar="NAME",
                   help="export only this assignment (repeatable; default: every assignment "
                        "in the gradebook): an LMS file then has only its columns")
    e.add_argument("--moodle-user", choices=["email", "idnumber"], default="email",
                   help="--format moodle: identify students by e-mail address or by Moodle's "
                        "ID number, as the roster import found it (default: email)")
    e.add_argument("--canvas-id", action="append", metavar="ASSIGNMENT=NUMBER",
                   help="the Canvas assignment id of an assignment, so that its column "
                        "updates that assignment (repeatable; else Canvas offers a new one)")
    e.add_argument("--allow-unmarked", action="store_true",
                   help="export although written answers are unmarked (their rows say "
                        "\"awaiting marking\", with no score); without this, export refuses")
    e.set_defaults(run=lambda c, a: returning.export(
        c, a.to, a.format, a.force, a.canvas_id, a.allow_unmarked, a.assignments,
        a.moodle_user))

    m = sub.add_parser("mark", help="mark written answers by question in the browser")
    m.add_argument("assignment")
    m.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    m.add_argument("--marker", default="",
                   help="who marks (default: your login name): each marker meets the answers "
                        "in an order of their own, the same every time")
    m.add_argument("--second-marker", action="store_true",
                   help="mark a blind sample a second time (kept apart; see report)")
    m.add_argument("--sample", type=float, default=20.0,
                   help="percentage of answers a second marker sees (default: 20)")
    m.set_defaults(run=lambda c, a: server.serve(
        c, a.assignment, a.port, a.marker, a.second_marker, a.sample))

    a = sub.add_parser("report", help="class analytics for one assignment (HTML + PNG)")
    a.add_argument("assignment")
    a.add_argument("--out", default=None, help="output folder (default: COURSE/reports/ASSIGNMENT)")
    a.set_defaults(run=_report)

    s = sub.add_parser("show", help="one item whole: definition, student cell, hidden test, full marks")
    s.add_argument("assignment")
    s.add_argument("item", help="the form id, e.g. case-a")
    s.set_defaults(run=lambda c, a: _stage("release.show").show_item(c, a.assignment, a.item))
    return p


def _start_grading_early(course_dir: str, argv: list[str]) -> None:
    """For ``grade`` with local workers and likely work: start the workers' forkserver now
    (grading/run.py, ``start_workers_early``), before ``grade``'s defaults are read from the
    course (which imports nbgrader). The command line is read here with the generic
    defaults, quietly: the real reading below reports any mistake."""
    import contextlib
    import io

    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        try:
            early = parser(course_dir, grading=False).parse_args(argv)
        except SystemExit:
            return
    try:
        course = Course.open(course_dir)
        grading = _stage("grading.run")
        if not early.scheduler and grading.likely_to_grade(course, early.assignment, early.force,
                                                           early.student):
            grading.start_workers_early(course)
    except (CourseError, OSError):
        return  # the command itself says what is wrong


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--course", default=".")
    known, rest = pre.parse_known_args(argv)
    if rest[:1] != ["mark"]:  # the marking server's Jupyter packages keep every format check
        _stage("grading.lighter").skip_unused_imports()
    if rest[:1] == ["grade"] and not {"-h", "--help"} & set(rest):
        _start_grading_early(known.course, argv)
    args = parser(known.course, grading="grade" in rest[:1]).parse_args(argv)
    try:
        course = None if getattr(args, "no_course", False) else Course.open(args.course)
        return args.run(course, args)
    except CourseError as err:
        print(f"ipt-course: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
