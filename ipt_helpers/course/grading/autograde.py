"""Parallel autograding: nbgrader's own grading steps, with the per-notebook work on Dask.

``grade_assignment`` runs nbgrader's ``Autograde`` converter in this process, rewired so that
its sanitising steps and its execution ran on the workers (``ipt_helpers.course.grading.dispatch``): its
Execute step is replaced by ``FromWorkers``, which waits for the worker's executed notebook.
Scoring, late penalties and the gradebook stay nbgrader's own, written by this process only.

Course policy for grading (time limit, workers, notebooks at a time, sandbox Python) is
configured like the rest of nbgrader, in ``nbgrader_config.py``, on ``GradeOptions``
(``ipt_helpers.course.grading.run``).
"""

from __future__ import annotations

import glob
import logging
import os
import shutil
import sqlite3
import sys
import time
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from nbgrader.converters import Autograde
from nbgrader.preprocessors import CheckCellMetadata, Execute, NbGraderPreprocessor
from traitlets import Any, Dict

from ipt_helpers.course.grading.dispatch import Dispatcher, Job, dispatch_all
from ipt_helpers.course.grading.kernels import MAX_WRITTEN, KernelServerEarly


def _key(resources):
    info = resources["nbgrader"]
    return info["student"], info["notebook"]


class FromWorkers(NbGraderPreprocessor):
    """Stands in for Execute in the collect pass: the worker's executed notebook.

    The collect pass runs with no sanitising steps of its own: the notebook it receives is
    the submission as handed in, and the one it returns was sanitised (by the same steps,
    on the worker) and executed. What the notebook did to the files of its folder on the
    worker is done in autograded/STUDENT/ASSIGNMENT, where nbgrader would have run it.
    """

    dispatcher = Any()
    coursedir = Any()   # the converter's, for the autograded folder
    notes = Dict()      # (student, notebook) -> a note for the instructor

    def preprocess(self, nb, resources):
        key = _key(resources)
        nb = self.dispatcher.result(key, nb)
        done = self.dispatcher.written.pop(key, {})
        dest = self.coursedir.format_path(self.coursedir.autograded_directory, key[0],
                                          resources["nbgrader"]["assignment"])
        put_back(Path(dest), done.get("written") or {}, done.get("deleted") or [])
        if done.get("too_large"):
            self.notes[key] = (f"files the notebook wrote were not copied into {dest}, more "
                               f"than {MAX_WRITTEN // 2**20} MiB in all: "
                               + ", ".join(done["too_large"]))
        return nb, resources


def put_back(dest: Path, written: dict[str, bytes], deleted: list[str]) -> None:
    """Write and delete in ``dest`` what a notebook wrote and deleted in its folder. The
    paths come from student code: only relative ones that stay inside ``dest`` are used."""
    def inside(rel):
        parts = PurePosixPath(rel).parts
        if not parts or PurePosixPath(rel).is_absolute() or ".." in parts:
            return None
        return dest.joinpath(*parts)

    for rel, data in written.items():
        target = inside(rel)
        if target is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.unlink(missing_ok=True)  # a new file, never through a link
            target.write_bytes(data)
    for rel in deleted:
        target = inside(rel)
        if target is not None and (target.is_file() or target.is_symlink()):
            target.unlink()


def execute_settings(config) -> dict:
    """nbgrader's Execute settings from the course configuration, to rebuild it on a worker."""
    probe = Execute(config=config)
    names = ["timeout", "interrupt_on_timeout", "allow_errors", "raise_on_iopub_timeout",
             "error_on_timeout", "extra_arguments", "execute_retries", "startup_timeout",
             "iopub_timeout", "kernel_name", "store_widget_state", "record_timing"]
    return {n: getattr(probe, n) for n in names if hasattr(probe, n)}


def assignment_files(source_dir: Path, ignore: list[str]) -> dict[str, bytes]:
    """A folder's files other than notebooks, which nbgrader copies beside each notebook it
    grades: the assignment's in source/, and a student's own in submitted/."""
    from nbgrader import utils
    found = utils.find_all_files(str(source_dir), list(ignore) + ["*.ipynb"])
    return {os.path.relpath(f, source_dir): Path(f).read_bytes() for f in found}



# --- the grade command ----------------------------------------------------------------------

def check_released(course, assignment) -> None:
    """Refuse, in words, an assignment the gradebook does not know (it was never released in
    this course folder): nbgrader would fail every notebook with a traceback it never shows."""
    from nbgrader.api import Gradebook, MissingEntry

    from ipt_helpers.course.folder import CourseError

    how = (f"release it here first (`ipt-course --course {course.root} release {assignment}`, "
           "with --force if release/ already has it), then grade again")
    db_url = course.db_url
    if course.gradebook_file and not course.gradebook_file.is_file():
        raise CourseError(f"{assignment} is not in this course's gradebook (there is no "
                          f"gradebook yet): {how}")
    with Gradebook(db_url) as gb:
        try:
            known = {nb.name for nb in gb.find_assignment(assignment).notebooks}
        except MissingEntry:
            raise CourseError(f"{assignment} is not in this course's gradebook ({db_url}): "
                              f"it was never released in this course folder; {how}") from None
    missing = sorted(set(course.notebooks(assignment)) - known)
    if missing:
        raise CourseError(f"the gradebook's {assignment} has no notebook {', '.join(missing)} "
                          f"(the source changed since it was released): {how}")


@dataclass
class GradeReport:
    graded: list = field(default_factory=list)     # (student, notebook)
    failed: dict = field(default_factory=dict)     # (student, notebook) -> message
    skipped: list = field(default_factory=list)    # students already graded (no --force)
    resumed: list = field(default_factory=list)    # students whose last grading did not finish
    resubmitted: list = field(default_factory=list)  # graded, then handed in again later
    notes: dict = field(default_factory=dict)      # (student, notebook) -> a note
    excluded: list = field(default_factory=list)   # c.CourseDirectory.student_id_exclude
    empty: list = field(default_factory=list)      # a submission folder with no notebook
    seconds: float = 0.0


def excluded_students(config) -> set[str]:
    """The students nbgrader leaves out of every run: ``c.CourseDirectory.student_id_exclude``,
    split at commas exactly as nbgrader splits it (``init_destination``)."""
    from nbgrader.coursedir import CourseDirectory

    listed = CourseDirectory(config=config).student_id_exclude
    return set(listed.split(",")) if listed else set()


def resubmitted(course, config, assignment, student) -> bool:
    """nbgrader's rule (``init_destination``): a submission whose timestamp.txt is later
    than the one in its autograded folder was handed in again, and is graded again without
    --force. (An unreadable timestamp counts as no timestamp here; grading reports it.)"""
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=config)
    try:
        new = coursedir.get_existing_timestamp(str(course.root / "submitted" / student / assignment))
        old = coursedir.get_existing_timestamp(str(course.root / "autograded" / student / assignment))
    except Exception:  # nbgrader fails on an unreadable one (CourseDirectory has no .fail)
        return False
    return new is not None and old is not None and new > old


def handed_in(course, assignment, student) -> list[str]:
    """The notebooks in a student's submission folder, found as nbgrader finds them (glob:
    no hidden files)."""
    folder = course.root / "submitted" / student / assignment
    found = glob.glob(os.path.join(glob.escape(str(folder)), "*.ipynb"))
    return sorted(os.path.basename(p) for p in found)


def known_problem(course, assignment, student) -> str | None:
    """Why nbgrader will fail ``student``'s submission, in words the instructor can act on,
    when the reason is one nbgrader itself words badly: a timestamp.txt it cannot read
    (nbgrader then fails on its own AttributeError) or no notebook of the assignment among
    the files handed in ("did you forget to run 'nbgrader generate_assignment'?")."""
    from nbgrader.utils import parse_utc

    folder = Path("submitted", student, assignment)
    stamp = course.root / folder / "timestamp.txt"
    text = stamp.read_text(errors="replace").strip() if stamp.is_file() else ""
    if text:
        try:
            parse_utc(text)
        except Exception:
            return (f"{folder / 'timestamp.txt'} is not a time nbgrader can read ({text[:60]!r}): "
                    "correct it (for example 2026-02-01 17:00:00 UTC) or delete it, then grade again")
    notebooks = handed_in(course, assignment, student)
    expected = course.notebooks(assignment)
    if notebooks and not {os.path.splitext(n)[0] for n in notebooks} & set(expected):
        return (f"{folder} holds no notebook of {assignment} (found {', '.join(notebooks)}; "
                f"expected {', '.join(n + '.ipynb' for n in expected)}): rename the student's "
                "notebook, then grade again")
    return None


class _Causes(logging.Handler):
    """What went wrong while nbgrader graded one student, in words.

    nbgrader catches each failure, logs its traceback and raises only "Please see the above
    traceback"; ipt-course does not print nbgrader's log, so this handler keeps, for every
    error nbgrader logs while an exception is being handled, that exception, with the
    notebook being converted then.
    """

    def __init__(self, course_root: Path):
        super().__init__(logging.INFO)
        self.root = str(course_root)
        self.notebook = None
        self.causes: list[str] = []

    def emit(self, record):
        if record.msg == "Converting notebook %s" and record.args:
            self.notebook = os.path.basename(str(record.args[0]))
            return
        err = sys.exc_info()[1]  # the handler runs inside nbgrader's `except` block
        if record.levelno < logging.ERROR or err is None:
            return
        text = f"{type(err).__name__}: {err}"
        frames = traceback.extract_tb(err.__traceback__)
        own = [f for f in frames if f.filename.startswith(self.root + os.sep)]
        if own:  # the course's own code (a plugin named in nbgrader_config.py): say where
            text += f" ({os.path.relpath(own[-1].filename, self.root)}, line {own[-1].lineno})"
        if self.notebook:
            text = f"{self.notebook}: {text}"
        if text not in self.causes:
            self.causes.append(text)


def is_graded(course, assignment, student) -> bool:
    return course.graded_marker(assignment, student).is_file()


def _mark_complete(course, assignment, student):
    import hashlib
    import json

    submitted = course.root / "submitted" / student / assignment
    digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
               for p in sorted(submitted.glob("*.ipynb"))}
    marker = course.graded_marker(assignment, student)
    partial = marker.with_name(marker.name + ".tmp")
    partial.write_text(json.dumps({"graded": time.strftime("%Y-%m-%d %H:%M:%S"),
                                   "submitted": digests}, indent=1))
    os.replace(partial, marker)  # atomic: the marker is there whole, or not at all


class CollectPass(Autograde):
    """nbgrader's Autograde as the coordinating process runs it, with two costs left out
    that change nothing there:

    - nbgrader reads, copies, validates and writes each notebook twice: a sanitising pass,
      whose output the autograding pass reads. Here the sanitising steps ran on the workers
      (``sanitize_preprocessors`` is empty) and ``FromWorkers`` replaces the notebook by the
      worker's, so the first pass would only copy the submission into autograded/, where the
      second reads it (nbgrader finds the student and notebook from that path) and writes
      over it: the file is copied as it is instead.
    - nbconvert's exporter validates the whole notebook after each step unless told to be
      optimistic (``optimistic_validation``): five times a notebook here. Once, after the
      last step, refuses the same invalid notebook.
    """

    def convert_single_notebook(self, notebook_filename: str) -> None:
        if self.sanitize_preprocessors:
            return super().convert_single_notebook(notebook_filename)
        from nbgrader import utils
        from nbgrader.converters.base import BaseConverter

        # where nbgrader's first pass writes (its write_single_notebook): this student's folder
        build = self._format_dest(self.coursedir.assignment_id, self.coursedir.student_id)
        os.makedirs(build, exist_ok=True)
        notebook_filename = shutil.copyfile(
            notebook_filename, os.path.join(build, os.path.basename(notebook_filename)))
        self.log.info("Autograding %s", notebook_filename)
        self._sanitizing = False
        self._init_preprocessors()
        try:
            with utils.setenv(NBGRADER_EXECUTION="autograde"):
                BaseConverter.convert_single_notebook(self, notebook_filename)
        finally:
            self._sanitizing = True

    def _init_preprocessors(self) -> None:
        super()._init_preprocessors()
        self.exporter.optimistic_validation = bool(self.exporter._preprocessors)


def _autograde(course, assignment, students, *, execute_step, checked_on_workers=False):
    """Run nbgrader's Autograde converter in this process for ``students``.

    Its sanitising steps ran on the workers, and its Execute step is ``execute_step``. When
    the workers also checked the cells' nbgrader metadata (CheckCellMetadata), the same check
    is not repeated here: no later step changes that metadata.
    """
    converter = course.converter(CollectPass, assignment)  # students to skip are filtered out
    converter.sanitize_preprocessors = []
    converter.autograde_preprocessors = [
        execute_step if step is Execute else step for step in converter.autograde_preprocessors
        if not (checked_on_workers and step is CheckCellMetadata)]
    # nbgrader's log goes to a logger of its own, read by _Causes and printed nowhere
    log = logging.getLogger("ipt_helpers.course.grading.nbgrader")
    log.propagate = False
    log.setLevel(logging.INFO)
    converter.log = log
    execute_step.coursedir = converter.coursedir
    failures = {}
    from ipt_helpers.course.grading.transactions import one_transaction

    # (nbgrader's SQLAlchemy warnings are filtered: see dispatch)
    with course.inside(), one_transaction(converter.coursedir.db_url) as shared:
        for student in students:
            course.graded_marker(assignment, student).unlink(missing_ok=True)
            converter.coursedir.student_id = student
            causes = _Causes(course.root)
            log.addHandler(causes)
            try:
                converter.start()
            except Exception as err:  # it costs this student only; say why
                if shared:  # what nbgrader wrote before failing stays, as with nbgrader
                    shared.commit()
                failures[student] = (known_problem(course, assignment, student)
                                     or "; ".join(causes.causes) or f"{type(err).__name__}: {err}")
            else:
                if shared:  # one synced commit for all of this student's rows
                    shared.commit()
                # every grade of this student is committed: only now is it "graded"
                if (course.root / "autograded" / student / assignment).is_dir():
                    _mark_complete(course, assignment, student)
                else:  # nbgrader chose not to grade it: never call that "graded"
                    failures[student] = "nbgrader graded nothing of this submission"
            finally:
                log.removeHandler(causes)
    return failures


def ship_course_modules(client, course, steps) -> list[str]:
    """Send the course's own sanitising steps to every worker (Dask's ``upload_file``).

    A step named in nbgrader_config.py may live in the course folder (nbgrader puts that
    folder on ``sys.path``, and so does ``Course.config``). Local workers see the folder, but
    the workers of a cluster given with ``--scheduler`` may run on other machines: without the
    module, unpickling the Job fails there and every notebook with it. Each such module file
    (beside nbgrader_config.py) is uploaded and imported again on every worker, those that join
    later included, so a worker that imported an earlier version is brought up to date.
    Returns the files sent."""
    root = course.root.resolve()
    files = set()
    for step in steps:
        module = sys.modules.get(getattr(step, "__module__", ""))
        path = getattr(module, "__file__", None)
        if path and Path(path).resolve().parent == root:
            files.add(str(Path(path).resolve()))
    for path in sorted(files):
        client.upload_file(path, load=True)
    return sorted(files)


def _the_job(job: Job) -> Job:
    return job


def make_job(course, config, assignment, notebook_timeout, python) -> Job:
    """The Job for grading ``assignment``: nbgrader's sanitising steps and what they need."""
    autograde = course.converter(Autograde, assignment, config=config)
    db_url = autograde.coursedir.db_url
    snapshot = None
    path = Path(course.root, db_url.removeprefix("sqlite:///"))
    if db_url.startswith("sqlite:///") and path.is_file():  # workers may be on other machines
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            snapshot = source.serialize()
        finally:
            source.close()
    # a file in c.Autograde.exclude_overwriting stays the student's (nbgrader's init_assignment)
    theirs = {os.path.normpath(f) for f in autograde.exclude_overwriting.get(assignment, [])}
    files = {rel: data for rel, data in assignment_files(course.root / "source" / assignment,
                                                         autograde.coursedir.ignore).items()
             if os.path.normpath(rel) not in theirs}
    # a step named in the configuration is a string (nbconvert imports it when it registers
    # it): import it here, where the course folder is on sys.path, as nbconvert would
    from traitlets.utils.importstring import import_item
    steps = [import_item(s) if isinstance(s, str) else s for s in autograde.sanitize_preprocessors]
    return Job(assignment=assignment, config=config, steps=steps,
               db_url=db_url, snapshot=snapshot, files=files,
               settings=execute_settings(config), notebook_timeout=notebook_timeout,
               python=python or "")


@dataclass
class Plan:
    """What a grading run has to do, decided before any worker or kernel starts."""

    report: GradeReport
    todo: list          # students to grade
    config: object      # the course's nbgrader configuration


def plan_grading(course, assignment, *, students=None, force=False) -> Plan:
    """Which submissions of ``assignment`` need grading (nbgrader's rules: excluded ids,
    empty folders, already graded, handed in again later) and which are skipped, reading
    only the folders and the configuration: a run with nothing new starts nothing."""
    from ipt_helpers.course.folder import CourseError

    course.check_assignment(assignment)
    report = GradeReport()
    submitted = course.submitted_students(assignment)
    if students:
        missing = [s for s in students if s not in submitted]
        if missing:
            raise CourseError(f"no submission of {assignment} from: {', '.join(missing)}")
        submitted = [s for s in submitted if s in students]
    if not submitted:
        raise CourseError(f"no submissions of {assignment} in {course.root / 'submitted'}")
    config = course.config()
    excluded = excluded_students(config)
    todo = []
    for student in submitted:
        if student in excluded:  # as nbgrader: not graded, nothing written
            report.excluded.append(student)
        elif not handed_in(course, assignment, student):  # nbgrader finds nothing to grade
            report.empty.append(student)
        elif is_graded(course, assignment, student) and not force:
            if resubmitted(course, config, assignment, student):
                report.resubmitted.append(student)
                todo.append(student)
            else:
                report.skipped.append(student)
        else:
            if (course.root / "autograded" / student / assignment).exists() and not force:
                report.resumed.append(student)  # begun, never finished (a crash, a kill)
            todo.append(student)
    return Plan(report, todo, config)


def grade_assignment(course, assignment, *, client, students=None, force=False,
          notebook_timeout=300.0, progress=None, python=None, plan=None) -> GradeReport:
    """Autograde every submission of ``assignment`` with executions on ``client``'s workers
    (``plan``: what ``plan_grading`` decided, else it is decided here)."""
    start = time.monotonic()
    if plan is None:
        plan = plan_grading(course, assignment, students=students, force=force)
    report, todo, config = plan.report, plan.todo, plan.config
    if not todo:
        report.seconds = time.monotonic() - start
        return report

    if python:  # each worker's kernel fork server imports while the job is made and sent
        client.register_plugin(KernelServerEarly(python))
    job = make_job(course, config, assignment, notebook_timeout, python)
    ship_course_modules(client, course, job.steps)
    # A task, not scattered data: when the worker holding it dies, the scheduler computes it
    # again on another one (scattered data is lost with its worker, and every notebook with it).
    job_future = client.submit(_the_job, job, key=f"ipt-job-{uuid.uuid4().hex}", pure=False)
    dispatcher = Dispatcher(client=client, job=job_future, sandboxed=python is not None,
                            progress=progress)
    from nbgrader.coursedir import CourseDirectory
    ignore = CourseDirectory(config=config).ignore
    dispatch_all(course, assignment, todo, dispatcher, lambda student: assignment_files(
        course.root / "submitted" / student / assignment, ignore))
    execute_step = FromWorkers(dispatcher=dispatcher)
    failures = _autograde(course, assignment, todo, execute_step=execute_step,
                          checked_on_workers=CheckCellMetadata in job.steps)
    report.notes.update(execute_step.notes)
    for (student, notebook) in dispatcher.digests:
        if (student, notebook) in dispatcher.errors:
            report.failed[(student, notebook)] = dispatcher.errors[(student, notebook)]
        elif student in failures:
            report.failed[(student, notebook)] = failures[student]
        else:
            report.graded.append((student, notebook))
    for student, message in failures.items():
        if not any(s == student for s, _ in report.failed):
            report.failed[(student, "*")] = message
    report.seconds = time.monotonic() - start
    return report
