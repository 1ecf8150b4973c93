"""Late penalties on the final score: nbgrader's own penalty, computed again when a mark changes.

nbgrader's ``AssignLatePenalties`` step runs once, while autograding: it asks the configured
``LateSubmissionPlugin`` (``c.LateSubmissionPlugin.penalty_method``, ``'none'`` or ``'zero'``,
or a course's own ``c.AssignLatePenalties.plugin_class``) for the penalty of each late
notebook's score *as it is then*, and stores it in ``SubmittedNotebook.late_submission_penalty``.
A written answer marked later (in the marking page or in formgrader) raises the score but not
the penalty: with ``'zero'`` a late student kept the points of every mark given after grading.

``recompute`` asks the same plugin, through the same step (its ``init_plugin`` and
``_check_late_penalty``, so the same limits: never below 0, never above the notebook's
score), with each late notebook's score now, and stores the result in the same column. The
gradebook then holds the penalty of the final score, and everything that reads it (formgrader's
feedback button, ``nbgrader export``, ``ipt-course feedback``, ``export`` and ``report``)
agrees. It runs in the transaction that changes a mark (``follow_marks``: formgrader's mark,
the marking page's, any program's that loads the course's nbgrader_config.py), and again in
``feedback``, ``export`` and ``report`` before they read (a mark written by a process that did
not load the course's configuration).
"""

from __future__ import annotations

import logging
import os
import sys
import traceback

from nbgrader.plugins import CsvExportPlugin

from ipt_helpers.course.folder import CourseError, gradebook_url

#: where nbgrader's and the plugin's messages go (nowhere visible: ipt-course says what matters)
_LOG = logging.getLogger("ipt_helpers.course.grading.penalties")
_LOG.propagate = False


def _late(sub) -> bool:
    return sub.timestamp is not None and sub.total_seconds_late > 0


def _concerned(sub, notebooks) -> bool:
    """Whether these notebooks of ``sub`` need their penalty computed: the submission is
    late, or one still carries a penalty (an extension or a new due date since grading)."""
    return _late(sub) or any(nb.late_submission_penalty for nb in notebooks)


def late_submissions(gb, assignment: str, students=None) -> list:
    """The submissions of ``assignment`` whose penalty is to be computed: those handed in
    after their due date (with any extension), and those still carrying a penalty though
    they are no longer late (an extension or a new due date since grading; nbgrader's step
    then stores none)."""
    from nbgrader.api import Assignment, SubmittedAssignment
    from sqlalchemy.orm import selectinload

    # three queries, whatever the class size: the marking page asks after every mark
    subs = (gb.db.query(SubmittedAssignment).join(Assignment)
            .filter(Assignment.name == assignment)
            .options(selectinload(SubmittedAssignment.notebooks),
                     selectinload(SubmittedAssignment.student)).all())
    return [s for s in subs if (students is None or s.student.id in students)
            and _concerned(s, s.notebooks)]


def recompute(gb, config, assignment: str, students=None) -> list[tuple[str, str, float | None]]:
    """Store, for every late notebook of ``assignment`` (of ``students``, or everyone's), the
    penalty nbgrader's configured plugin gives for its score now, manual marks included.
    Returns what changed: (student, notebook, new penalty). A plugin that fails is refused in
    words naming its file and line; nothing is written then."""
    late = late_submissions(gb, assignment, students)
    if not late:
        return []
    step = _late_step(config)
    changed = []
    try:
        for sub in late:
            for nb in sub.notebooks:
                penalty = _penalty(step, config, sub, nb)
                if nb.late_submission_penalty != penalty:
                    nb.late_submission_penalty = penalty
                    changed.append((sub.student.id, nb.name, penalty))
        gb.db.commit()
    except BaseException:
        gb.db.rollback()
        raise
    return changed


def _late_step(config):
    """nbgrader's late-penalty step with the course's plugin made (refused in words)."""
    from nbgrader.preprocessors import AssignLatePenalties

    step = AssignLatePenalties(config=config)
    step.log = _LOG
    try:
        step.init_plugin()
    except Exception as err:
        raise CourseError(f"the late-penalty plugin ({_name(config)}) could not be made: "
                          f"{_cause(err)}") from None
    step.plugin_inst.log = _LOG
    return step


def _penalty(step, config, sub, nb) -> float | None:
    """The penalty notebook ``nb`` of submission ``sub`` carries at its score now: none when
    it is not late (as nbgrader's step: an extension since grading takes it off), else the
    plugin's, within nbgrader's limits."""
    if not _late(sub):
        return None
    try:
        penalty = step.plugin_inst.late_submission_penalty(
            sub.student.id, nb.score, sub.total_seconds_late)
    except Exception as err:
        raise CourseError(
            f"the late-penalty plugin ({_name(config)}) failed for "
            f"{sub.student.id} / {nb.name}: {_cause(err)}; no penalty was changed") from None
    return None if penalty is None else float(step._check_late_penalty(nb, penalty))


def recompute_course(course, assignments) -> None:
    """``recompute`` for ``assignments`` in ``course``'s gradebook (with the course's
    configuration, read only when some submission is late)."""
    from nbgrader.api import Gradebook

    if course.gradebook_file is not None and not course.gradebook_file.is_file():
        return
    with Gradebook(course.db_url) as gb:
        names = {a.name for a in gb.assignments}
        todo = [a for a in assignments if a in names and late_submissions(gb, a)]
        if todo:
            config = course.config()
            for assignment in todo:
                recompute(gb, config, assignment)


def _name(config) -> str:
    if "AssignLatePenalties" in config and "plugin_class" in config.AssignLatePenalties:
        cls = config.AssignLatePenalties.plugin_class
        return cls if isinstance(cls, str) else f"{cls.__module__}.{cls.__qualname__}"
    method = (config.LateSubmissionPlugin.get("penalty_method", "none")
              if "LateSubmissionPlugin" in config else "none")
    return f"nbgrader's LateSubmissionPlugin, penalty_method {method!r}"


def _cause(err: BaseException) -> str:
    """The error and, when it comes from a course's own file, where in it."""
    frames = traceback.extract_tb(err.__traceback__)
    text = f"{type(err).__name__}: {err}"
    if frames:
        last = frames[-1]
        text += f" ({os.path.basename(last.filename)}, line {last.lineno})"
    return text


class PenalisedCsvExport(CsvExportPlugin):
    """``nbgrader export`` (nbgrader's CSV) with each late penalty computed again first, so a
    mark given in formgrader since grading is penalised there too. Configured by
    ``penalties_on_final_score(c)`` in nbgrader_config.py."""

    def export(self, gradebook) -> None:
        wanted = set(self.assignment or [])
        for assignment in gradebook.assignments:
            name = assignment.name
            if (not wanted or name in wanted) and late_submissions(gradebook, name):
                recompute(gradebook, self.config, name)
        super().export(gradebook)


def penalties_on_final_score(config, course_root=None):
    """Late penalties on the final score in every tool that loads the course's configuration
    (a course's nbgrader_config.py calls this with ``c``): a mark changed in the course's
    gradebook has its penalty computed again in the same transaction (``follow_marks``:
    formgrader's marks above all), and ``nbgrader export`` computes every penalty again before
    it writes (feedback does it through ``readable_feedback``, the ipt-course commands by
    themselves). Leaves a course's own exporter alone. ``course_root``: the folder of the
    nbgrader_config.py calling this, unless given."""
    if "plugin_class" not in config.get("ExportApp", {}):
        config.ExportApp.plugin_class = f"{__name__}.PenalisedCsvExport"
    if course_root is None:
        course_root = os.path.dirname(sys._getframe(1).f_globals.get("__file__") or "nbgrader_config.py")
    follow_marks(config, course_root)
    return config


# --- a changed mark, penalised in its own transaction ----------------------------------------

#: course root -> its configuration (read when a mark changes, so settings made after the
#: call in nbgrader_config.py count)
_FOLLOWED: dict[str, object] = {}


def follow_marks(config, course_root) -> None:
    """From now on, in this process, a change of a manual mark or extra credit in the
    gradebook of the course at ``course_root`` makes its notebook's late penalty be computed
    again (``_penalty``, the course's plugin) in the same flush, so it is committed with the
    mark. formgrader saves a mark with nothing but ``grade.manual_score = ...; commit()``:
    SQLAlchemy's session events are the one place every writer passes. Gradebooks of other
    courses (another URL) are left alone; a plugin that fails leaves the penalty as it was
    and says why in the log (the mark is saved; export and feedback then refuse, naming it)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    _FOLLOWED[os.path.realpath(course_root)] = config
    if not event.contains(Session, "before_flush", _note_changed_marks):
        event.listen(Session, "before_flush", _note_changed_marks)
        event.listen(Session, "after_flush_postexec", _penalise_changed_marks)


def _gradebook_key(url) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return "sqlite:" + os.path.realpath(url.database)
    return url.render_as_string(hide_password=False)


def _followed_config(session):
    """The configuration of the followed course whose gradebook ``session`` writes, or None."""
    if not _FOLLOWED:
        return None
    try:
        key = _gradebook_key(session.get_bind().url)
    except Exception:  # no single bind: not a gradebook
        return None
    for root, config in list(_FOLLOWED.items()):
        course = config.get("CourseDirectory", {}).get("root")
        if _gradebook_key(gradebook_url(config, course if isinstance(course, str) else root)) == key:
            return config
    return None


def _note_changed_marks(session, flush_context, instances) -> None:
    from nbgrader.api import Grade
    from sqlalchemy import inspect

    changed = session.info.setdefault("ipt_marked_notebooks", set())
    for obj in session.dirty:
        if isinstance(obj, Grade):
            state = inspect(obj)
            if any(state.attrs[name].history.has_changes() for name in ("manual_score", "extra_credit")):
                changed.add(obj.notebook_id)


def _penalise_changed_marks(session, flush_context) -> None:
    ids = session.info.pop("ipt_marked_notebooks", None)
    if not ids:
        return
    config = _followed_config(session)
    if config is None:
        return
    from nbgrader.api import SubmittedNotebook

    notebooks = [nb for nb in (session.get(SubmittedNotebook, i) for i in ids) if nb is not None]
    todo = [nb for nb in notebooks if _concerned(nb.assignment, [nb])]
    if not todo:
        return
    try:
        step = _late_step(config)
        for nb in todo:
            session.expire(nb, ["score"])  # the total with the new mark
            penalty = _penalty(step, config, nb.assignment, nb)
            if nb.late_submission_penalty != penalty:
                nb.late_submission_penalty = penalty  # flushed by the same commit
    except CourseError as err:
        logging.getLogger("nbgrader").error("The late penalty was not computed again: %s", err)

