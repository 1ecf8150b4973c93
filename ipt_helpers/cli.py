"""ipt-course: the instructor's command line over an nbgrader course directory.

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
                      [--format canvas]     submitted; or a Canvas gradebook import file
    ipt-course report ASSIGNMENT            class analytics (HTML + PNG figures)
    ipt-course mark ASSIGNMENT              mark written answers by question (a local page)

Every command takes --course DIR (default: the current folder). Problems are reported in
words with a non-zero exit; nothing existing is overwritten without --force.
"""

from __future__ import annotations

import argparse
import os
import sys
import zipfile
from pathlib import Path

from .course import Course, CourseError


def _problems(course: Course, assignments: list[str]) -> list[str]:
    from .check import check_assignment

    problems = []
    for a in assignments:
        problems += check_assignment(course.root / "source" / course.check_assignment(a))
    return problems


def _check(course: Course, args) -> int:
    assignments = args.assignments or course.assignments()
    problems = _problems(course, assignments)
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        print(f"ipt-course check: {len(problems)} problem(s); fix them in the source notebooks",
              file=sys.stderr)
        return 1
    print(f"checked {', '.join(assignments)}: every item is consistent")
    return 0


def _release(course: Course, args) -> int:
    from nbgrader.converters import GenerateAssignment

    assignments = args.assignments or course.assignments()
    problems = _problems(course, assignments)
    if problems:
        for line in problems:
            print(line, file=sys.stderr)
        raise CourseError(f"nothing released: {len(problems)} problem(s) in the item "
                          "definitions (see above; `ipt-course check` lists them)")
    for a in assignments:
        out = course.root / "release" / a
        if out.exists() and not args.force:
            raise CourseError(f"{out} exists; use --force to make it again")
        converter = course.converter(GenerateAssignment, a)
        with course.inside():
            converter.start()
        archive = course.root / "release" / f"{a}.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in sorted(out.rglob("*")):
                if f.is_file():
                    zf.write(f, f"{a}/{f.relative_to(out)}")
        print(f"released {a}: {out} and {archive}")
    return 0


def _local_cluster(workers, threads):
    """A LocalCluster whose worker processes are forked from one process that has imported
    the grading code once (Dask's forkserver method), instead of each importing it."""
    import dask
    from dask.distributed import LocalCluster
    from distributed.utils import get_mp_context

    with dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"}):
        get_mp_context().set_forkserver_preload(["distributed", "ipt_helpers.autograde"])
        # ":0": the scheduler's HTTP server takes any free port (with None it asks for 8787
        # and warns "Port 8787 is already in use" when another cluster has it)
        return LocalCluster(n_workers=workers, threads_per_worker=threads, processes=True,
                            dashboard_address=":0")


def progress_bar(done: int, of: int, width: int = 20) -> str:
    """A text progress bar with its percentage, readable in a terminal and in a log."""
    filled = round(width * done / of) if of else width
    return f"{'#' * filled}{'.' * (width - filled)} {100 * done // of if of else 100:3d}%"


class Progress:
    """One progress bar: redrawn in place on a terminal, one line per notebook in a log."""

    def __init__(self, stream=sys.stderr):
        self.stream = stream
        self.live = stream.isatty()

    def __call__(self, key, outcome, done, of):
        state = "error" if "error" in outcome else "executed"
        line = f"[{done}/{of}] {progress_bar(done, of)} {key[0]} / {key[1]}: {state}"
        if self.live:
            end = "\n" if done == of else ""
            print(f"\r{line[:self._width()]}\x1b[K", end=end, file=self.stream, flush=True)
        else:
            print(line, file=self.stream, flush=True)

    def _width(self):
        import shutil
        return max(shutil.get_terminal_size().columns - 1, 20)


def _grade(course: Course, args) -> int:
    from concurrent.futures import ThreadPoolExecutor

    from .autograde import check_released
    from .sandbox import needs_sandbox, open_to_others, sandbox_python

    course.check_assignment(args.assignment)
    # everything that can refuse is checked before a worker starts or a file is touched
    check_released(course, args.assignment)
    if args.no_sandbox:
        python, note = None, ("--no-sandbox: kernels run as this user" +
                              (" (root)" if needs_sandbox() else "") + ", each in a private folder")
    else:
        python, note = sandbox_python(args.sandbox_python or None)
        if python is None and needs_sandbox():
            raise CourseError(
                f"not grading: this runs as root and {note.rstrip('.')}, so student code would run "
                "as root. `make book` (or `make test`) builds the sandbox Python for this "
                "checkout; or give one readable by all users with --sandbox-python PYTHON or "
                "IPT_SANDBOX_PYTHON; or, to run student code as root anyway, --no-sandbox")
    from dask.distributed import Client

    with ThreadPoolExecutor(1) as pool:  # local workers start while this process imports
        starting = None if args.scheduler else pool.submit(
            _local_cluster, args.workers or os.cpu_count() or 1, args.threads)
        from .autograde import grade_assignment
        cluster = starting.result() if starting else None
    client = Client(args.scheduler or cluster)
    try:
        workers = client.scheduler_info()["workers"].values()
        print(f"workers: {len(workers)}, executing "
              f"{sum(w.get('nthreads', 0) for w in workers)} notebooks at a time")
        print(f"isolation: {note}")
        if python and open_to_others(course.root):
            course.root.chmod(course.root.stat().st_mode & ~0o077)
            print(f"made {course.root} private to its owner (chmod go-rwx), so that student code "
                  "cannot read the keys or the gradebook")
        odd = [p.name for p in (course.root / "submitted").glob("*")
               if (p / args.assignment).is_dir() and p.name not in course.submitted_students(args.assignment)]
        report = grade_assignment(course, args.assignment, client=client, students=args.student or None,
                       force=args.force, notebook_timeout=args.timeout, progress=Progress(),
                       python=python)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    for student in report.skipped:
        print(f"skipped {student}: already graded (use --force to grade again)")
    for student in report.resumed:
        print(f"graded {student} again: an earlier run stopped before all of its grades were written")
    for (student, notebook), message in sorted(report.failed.items()):
        print(f"FAILED {student} / {notebook}: {message}")
    for name in odd:
        print(f"IGNORED submitted/{name}: not a usable student id (letters, digits, . _ @ - only)")
    n = len(report.graded)
    print(f"graded {n} notebook(s) in {report.seconds:.1f} s"
          + (f" ({report.seconds / n:.2f} s per notebook)" if n else ""))
    return 1 if report.failed or odd else 0


def readable_feedback(config):
    """Feedback pages a student can read (ipt_helpers.feedback): this course's template, and
    the step that turns each hidden test's output into points and feedback, hiding its source."""
    import os as _os

    import nbgrader
    from .feedback import TEMPLATE_DIR, TEMPLATE_NAME

    nbgrader_templates = _os.path.join(_os.path.dirname(nbgrader.__file__), "server_extensions",
                                       "formgrader", "templates")
    config.HTMLExporter.template_name = TEMPLATE_NAME
    config.HTMLExporter.extra_template_basedirs = [TEMPLATE_DIR, nbgrader_templates]
    steps = list(config.GenerateFeedback.get("preprocessors") or [])
    if not steps:
        from nbgrader.converters import GenerateFeedback
        steps = GenerateFeedback.class_traits()["preprocessors"].default()
    readable = "ipt_helpers.feedback.ReadableFeedback"
    config.GenerateFeedback.preprocessors = [s for s in steps if s != readable] + [readable]
    return config


def _feedback(course: Course, args) -> int:
    from nbgrader.converters import GenerateFeedback

    from .autograde import is_graded

    course.check_assignment(args.assignment)
    graded = sorted(p.name for p in (course.root / "autograded").glob("*")
                    if (p / args.assignment).is_dir())
    if not graded:
        raise CourseError(f"nothing graded for {args.assignment} yet: run `ipt-course grade` first")
    from nbgrader.api import Gradebook, MissingEntry

    from .results import unmarked_answers

    if Path(course.db_url.removeprefix("sqlite:///")).is_file() or not course.db_url.startswith("sqlite"):
        with Gradebook(course.db_url) as gb:
            try:
                waiting = [u for u in unmarked_answers(gb, args.assignment) if u.student in graded]
            except MissingEntry:
                waiting = []
        _refuse_unmarked(waiting, "no feedback written", args.allow_unmarked)
    config = course.config()
    readable_feedback(config)
    unfinished = 0
    for student in graded:
        out = course.root / "feedback" / student / args.assignment
        if out.exists() and not args.force:
            print(f"skipped {student}: feedback exists (use --force to make it again)")
            continue
        if not is_graded(course, args.assignment, student):
            print(f"NOT GRADED {student}: its grading did not finish; run `ipt-course grade "
                  f"{args.assignment}` again (it grades what is unfinished)")
            unfinished += 1
            continue
        converter = course.converter(GenerateFeedback, args.assignment, student, config)
        with course.inside():
            converter.start()
        print(f"feedback for {student}: {out}")
    return 1 if unfinished else 0


def _refuse_unmarked(items, what: str, allow: bool) -> None:
    """List written answers with no mark; refuse ``what`` unless ``allow`` (--allow-unmarked)."""
    from .results import describe_unmarked

    if not items:
        return
    print(f"{len(items)} written answer(s) not marked yet:", file=sys.stderr)
    for line in describe_unmarked(items):
        print(line, file=sys.stderr)
    if not allow:
        raise CourseError(f"{what}: {len(items)} written answer(s) have no mark yet (listed "
                          "above). Mark them (nbgrader's formgrader), or pass --allow-unmarked "
                          "to go ahead: they are then shown as \"awaiting marking\", never as 0")


def _export(course: Course, args) -> int:
    from nbgrader.api import Gradebook

    from .results import AWAITING, NOT_SUBMITTED, results, write_canvas, write_csv

    name = "grades-canvas.csv" if args.format == "canvas" else "grades.csv"
    target = Path(args.to).resolve() if args.to else course.root / name
    if target.exists() and not args.force:
        raise CourseError(f"{target} exists; use --force to overwrite it")
    if not (course.root / "gradebook.db").exists() and course.db_url.startswith("sqlite"):
        raise CourseError("no gradebook yet: release and grade an assignment first")
    canvas_ids = {}
    for pair in args.canvas_id or []:
        assignment, _, number = pair.partition("=")
        if not number.strip().isdigit():
            raise CourseError(f"--canvas-id {pair!r}: write ASSIGNMENT=NUMBER, the number "
                              "from the assignment's Canvas address (.../assignments/NUMBER)")
        canvas_ids[assignment] = number.strip()
    with Gradebook(course.db_url) as gb:
        rows = results(gb)
    _refuse_unmarked([u for r in rows for u in r.unmarked], "nothing exported",
                     args.allow_unmarked)
    if args.format == "canvas":
        write_canvas(rows, target, canvas_ids)
    else:
        write_csv(rows, target)
    count = {state: sum(r.state == state for r in rows) for state in (NOT_SUBMITTED, AWAITING)}
    print(f"grades written to {target}: {len(rows) - sum(count.values())} scored, "
          f"{count[AWAITING]} awaiting marking, {count[NOT_SUBMITTED]} not submitted")
    return 0


def _collect(course: Course, args) -> int:
    from .collect import collect
    return collect(course, args.assignment, Path(args.zip), force=args.force,
                   source=args.source, times=Path(args.times) if args.times else None,
                   timezone=args.timezone)


def _roster(course: Course, args) -> int:
    from .roster import import_roster, list_roster
    if args.action == "list":
        return list_roster(course)
    return import_roster(course, Path(args.file), args.source, dry_run=args.dry_run,
                         id_column=args.id_column)


def _report(course: Course, args) -> int:
    from .report import write_report
    out = write_report(course, args.assignment, Path(args.out) if args.out else None)
    print(f"report: {out}")
    return 0


def _mark(course: Course, args) -> int:
    """Start the marking page (ipt_helpers.marking_app) on 127.0.0.1 with a token."""
    import getpass
    import secrets
    import socket

    from .marking import written_questions

    questions = written_questions(course, course.check_assignment(args.assignment))
    if not questions:
        raise CourseError(f"{args.assignment} has no written answers to mark")
    if args.port:
        port = args.port
    else:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
    token = secrets.token_hex(16)
    cmd = [sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1",
           f"--port={port}", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={course.root}",
           "--ServerApp.jpserver_extensions=ipt_helpers.marking_app=True"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    q = questions[0]
    print(f"marking {args.assignment}: open http://127.0.0.1:{port}/ipt-marking/{args.assignment}/"
          f"{q.notebook}/{q.grade_id}?token={token}  (Ctrl+C stops it)", flush=True)
    env = {**os.environ, "IPT_MARKING_COURSE": str(course.root),
           "IPT_MARKING_MARKER": args.marker or getpass.getuser(),
           "IPT_MARKING_SECOND": str(args.sample / 100) if args.second_marker else ""}
    if args.second_marker:
        print(f"second marking: a blind {args.sample:g} % sample; first marks are hidden and "
              "not changed (ipt-course report shows the agreement)", flush=True)
    os.chdir(course.root)
    sys.stdout.flush()
    os.execve(sys.executable, cmd, env)  # this process becomes the server: stopping it stops it


def grade_defaults(course_dir: str) -> dict:
    """``grade``'s defaults: the course's GradeOptions (nbgrader_config.py), else the built-in
    ones. Read before parsing, so that ``--help`` shows what a run would use."""
    from traitlets.config import Config

    try:
        from .autograde import GradeOptions
    except ImportError:  # the kernel side only: no grading here
        return {"notebook_timeout": 300.0, "workers": 0, "threads": 2, "sandbox_python": ""}
    try:
        config = Course.open(course_dir).config()
    except Exception:  # not a course folder: main() reports that
        config = Config()
    options = GradeOptions(config=config)
    found = {name: getattr(options, name) for name in options.trait_names(config=True)}
    cell = config.ExecutePreprocessor.get("timeout") if "ExecutePreprocessor" in config else None
    found["cell_timeout"] = cell if isinstance(cell, (int, float)) else None
    return found


def parser(course_dir: str = ".") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ipt-course", description=__doc__.split("\n\n")[0])
    p.add_argument("--course", default=".", help="the nbgrader course directory (default: .)")
    sub = p.add_subparsers(dest="command", required=True)

    k = sub.add_parser("check", help="check the item definitions of assignments")
    k.add_argument("assignments", nargs="*", help="assignment ids (default: all in source/)")
    k.set_defaults(run=_check)

    r = sub.add_parser("release", help="make student versions and a zip per assignment")
    r.add_argument("assignments", nargs="*", help="assignment ids (default: all in source/)")
    r.add_argument("--force", action="store_true", help="replace existing student versions")
    r.set_defaults(run=_release)

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

    d = grade_defaults(course_dir)
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
    g.set_defaults(run=_grade)

    f = sub.add_parser("feedback", help="feedback HTML for every graded student")
    f.add_argument("assignment")
    f.add_argument("--force", action="store_true", help="replace existing feedback")
    f.add_argument("--allow-unmarked", action="store_true",
                   help="write feedback although written answers are unmarked (they show "
                        "\"awaiting marking\"); without this, feedback lists them and refuses")
    f.set_defaults(run=_feedback)

    e = sub.add_parser("export", help="write all grades to a CSV file")
    e.add_argument("--to", default=None, help="output file (default: COURSE/grades.csv)")
    e.add_argument("--force", action="store_true", help="overwrite an existing file")
    e.add_argument("--format", choices=["csv", "canvas"], default="csv",
                   help="csv: one row per student and assignment with its status (scored, "
                        "awaiting marking, not submitted); canvas: a file Canvas's Gradebook "
                        "Import reads (default file grades-canvas.csv; see README)")
    e.add_argument("--canvas-id", action="append", metavar="ASSIGNMENT=NUMBER",
                   help="the Canvas assignment id of an assignment, so that its column "
                        "updates that assignment (repeatable; else Canvas offers a new one)")
    e.add_argument("--allow-unmarked", action="store_true",
                   help="export although written answers are unmarked (their rows say "
                        "\"awaiting marking\", with no score); without this, export refuses")
    e.set_defaults(run=_export)

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
    m.set_defaults(run=_mark)

    a = sub.add_parser("report", help="class analytics for one assignment (HTML + PNG)")
    a.add_argument("assignment")
    a.add_argument("--out", default=None, help="output folder (default: COURSE/reports/ASSIGNMENT)")
    a.set_defaults(run=_report)
    return p


def main(argv=None) -> int:
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--course", default=".")
    known, _ = pre.parse_known_args(argv)
    args = parser(known.course).parse_args(argv)
    try:
        course = Course.open(args.course)
        return args.run(course, args)
    except CourseError as err:
        print(f"ipt-course: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
