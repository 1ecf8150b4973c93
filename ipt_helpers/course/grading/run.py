"""``ipt-course grade``: a grading run, from refusing early to reporting each outcome.

The run checks what can refuse (the release, the sandbox) and decides what needs grading
(``autograde.plan_grading``) before a worker starts; only when something does, it starts a
local Dask cluster (or connects to ``--scheduler``), grades through
``autograde.grade_assignment`` and prints one line per skipped, resumed, failed or ignored
submission. Its defaults come from the course's ``c.GradeOptions`` (``grade_defaults``).
"""

from __future__ import annotations

import os
import sys

from traitlets import Float, Integer, Unicode
from traitlets.config import Config, Configurable

from ipt_helpers.course.folder import Course, CourseError


class GradeOptions(Configurable):
    """Course policy for ``ipt-course grade`` (set in nbgrader_config.py, e.g.
    ``c.GradeOptions.notebook_timeout = 120``; the command's options override it)."""

    notebook_timeout = Float(300.0, help="Seconds one whole notebook may run before it is "
                             "stopped (each cell also has nbgrader's ExecutePreprocessor.timeout)."
                             ).tag(config=True)
    workers = Integer(0, help="Worker processes on this machine (0: one per core).").tag(config=True)
    # 3: a notebook waits for its kernel to start and to answer for about half of its time,
    # so three per core keep the cores busy (benchmarks/grading.py at 100: 15-20 % faster
    # than 2; 4 is no faster)
    threads = Integer(3, help="Notebooks executed at once per worker.").tag(config=True)
    sandbox_python = Unicode("", help="Python, readable by all users, for kernels run as "
                             "unprivileged users when grading as root (empty: "
                             "$IPT_SANDBOX_PYTHON).").tag(config=True)


#: What every local worker imports, once, in the process the workers are forked from.
WORKER_PRELOAD = ["ipt_helpers.course.grading.lighter", "distributed",
                  "ipt_helpers.course.grading.autograde"]


def _local_cluster(workers, threads):
    """A LocalCluster whose worker processes are forked from one process that has imported
    the grading code once (Dask's forkserver method), instead of each importing it."""
    import dask
    from dask.distributed import LocalCluster
    from distributed.utils import get_mp_context

    with dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"}):
        get_mp_context().set_forkserver_preload(WORKER_PRELOAD)  # unless start_workers_early
        # ":0": the scheduler's HTTP server takes any free port (with None it asks for 8787
        # and warns "Port 8787 is already in use" when another cluster has it)
        return LocalCluster(n_workers=workers, threads_per_worker=threads, processes=True,
                            dashboard_address=":0")


def likely_to_grade(course: Course, assignment: str, force: bool = False,
                    students=None) -> bool:
    """A guess made from the folders alone, before nbgrader is imported (a second): some
    submission of ``assignment`` has no completion marker, or changed after it was graded.
    It only decides whether ``start_workers_early`` is worth it; ``plan_grading`` decides
    what is graded."""
    for student in course.submitted_students(assignment):
        if students and student not in students:
            continue
        marker = course.graded_marker(assignment, student)
        if force or not marker.is_file():
            return True
        done = marker.stat().st_mtime
        if any(p.stat().st_mtime > done
               for p in (course.root / "submitted" / student / assignment).iterdir()):
            return True
    return False


def start_workers_early(course: Course) -> None:
    """Start, in the background, the process local workers are forked from, so that its
    imports (``WORKER_PRELOAD``: nbgrader, Dask; about a second of CPU) run on the other core
    while this process imports nbgrader, reads the configuration and plans, instead of
    after. Workers inherit ``sys.path`` from it, so the course folder goes there first, as
    ``Course.config`` puts it (a course's own steps and late-penalty plugin)."""
    import multiprocessing
    import multiprocessing.forkserver

    if str(course.root) not in sys.path:
        sys.path.append(str(course.root))
    multiprocessing.get_context("forkserver").set_forkserver_preload(WORKER_PRELOAD)
    multiprocessing.forkserver.ensure_running()


def progress_bar(done: int, of: int, width: int = 20) -> str:
    """A text progress bar with its percentage, readable in a terminal and in a log."""
    filled = round(width * done / of) if of else width
    return f"{'#' * filled}{'.' * (width - filled)} {100 * done // of if of else 100:3d}%"


class Progress:
    """One progress bar: redrawn in place on a terminal, one line per notebook in a log."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr  # where stderr is when the run starts
        self.live = self.stream.isatty()

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


def check_private(course: Course) -> None:
    """Refuse to run student code, as other users, where those users could read the course
    folder (the keys in source/, the gradebook, other students' work) or a gradebook kept
    elsewhere, and say how to make them private. A folder's mode is the instructor's to
    change: grading never changes it."""
    from ipt_helpers.course.grading.sandbox import open_to_others

    places = [course.root] + ([course.gradebook_file] if course.gradebook_file else [])
    exposed = [str(p) for p in places if p.exists() and open_to_others(p)]
    if exposed:
        raise CourseError(
            f"not grading: student code runs as other users, and other users can read "
            f"{' and '.join(exposed)} (the keys in source/, the gradebook, other students' "
            f"work). Make it private to you first: chmod go-rwx {' '.join(exposed)}")


def grade(course: Course, args) -> int:
    """``ipt-course grade``: everything that can refuse is checked first; then the submissions
    are graded on Dask workers (a local cluster, or ``args.scheduler``) and each outcome is
    reported in words (exit 1 when a notebook failed or a folder was ignored)."""
    from ipt_helpers.course.grading.autograde import check_released
    from ipt_helpers.course.grading.sandbox import needs_sandbox, sandbox_python

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
        if python is None:  # not root: every kernel would run as this user
            raise CourseError(
                "not grading: this does not run as root, so student code would run as you and "
                "could read everything you can, the keys and the gradebook included. On a "
                "shared machine (a JupyterHub) grade as root, e.g. `sudo ipt-course grade ...`: "
                "each kernel then runs as its own unprivileged user. To run student code as "
                "yourself anyway (your own machine, submissions you trust), --no-sandbox")
    if python:
        check_private(course)
    from ipt_helpers.course.grading.autograde import plan_grading

    # what needs grading is decided from the folders before any worker starts: a rerun with
    # nothing new starts no cluster and no kernel
    plan = plan_grading(course, args.assignment, students=args.student or None, force=args.force)
    usable = set(course.submitted_students(args.assignment))  # once: a class of 300 took 7 s
    odd = [p.name for p in (course.root / "submitted").glob("*")
           if (p / args.assignment).is_dir() and p.name not in usable]
    if plan.todo:
        report = _grade_on_dask(course, args, plan, python, note)
    else:
        report = plan.report
    for student in report.skipped:
        print(f"skipped {student}: already graded (use --force to grade again)")
    for student in report.excluded:
        print(f"excluded {student}: c.CourseDirectory.student_id_exclude lists them (not graded)")
    for student in report.empty:
        print(f"nothing to grade for {student}: submitted/{student}/{args.assignment} holds no notebook")
    for student in report.resubmitted:
        print(f"graded {student} again: handed in again since it was graded (a later timestamp.txt)")
    for (student, notebook), message in sorted(report.notes.items()):
        print(f"note {student} / {notebook}: {message}")
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


def _grade_on_dask(course: Course, args, plan, python, note):
    """Grade what ``plan`` says on Dask workers: a local cluster, or ``args.scheduler``."""
    from dask.distributed import Client

    from ipt_helpers.course.grading.autograde import grade_assignment

    cluster = None if args.scheduler else _local_cluster(args.workers or os.cpu_count() or 1,
                                                         args.threads)
    client = Client(args.scheduler or cluster)
    try:
        workers = client.scheduler_info()["workers"].values()
        print(f"workers: {len(workers)}, executing "
              f"{sum(w.get('nthreads', 0) for w in workers)} notebooks at a time")
        print(f"isolation: {note}")
        return grade_assignment(course, args.assignment, client=client, force=args.force,
                                notebook_timeout=args.timeout, progress=Progress(),
                                python=python, plan=plan)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()



def grade_defaults(course_dir: str | None) -> dict:
    """``grade``'s defaults: the course's GradeOptions (nbgrader_config.py), else the built-in
    ones (also for ``course_dir=None``: the help of the other commands, which does not read
    the course). Read before parsing, so that ``--help`` shows what a run would use."""
    from ipt_helpers.course.grading.lighter import skip_unused_imports

    skip_unused_imports()  # before the course's configuration imports nbgrader
    config = Config()
    if course_dir is not None:
        try:
            config = Course.open(course_dir).config()
        except Exception:  # not a course folder (main() reports that), or no nbgrader here
            pass
    options = GradeOptions(config=config)
    found = {name: getattr(options, name) for name in options.trait_names(config=True)}
    cell = config.ExecutePreprocessor.get("timeout") if "ExecutePreprocessor" in config else None
    found["cell_timeout"] = cell if isinstance(cell, (int, float)) else None
    return found
