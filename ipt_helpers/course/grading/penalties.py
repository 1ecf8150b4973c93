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
agrees. It is called after every mark the marking page writes, and by ``feedback``, ``export``
and ``report`` before they read (which also covers a mark given in formgrader).
"""

from __future__ import annotations

import logging
import os
import traceback

from nbgrader.plugins import CsvExportPlugin

from ipt_helpers.course.folder import CourseError

#: where nbgrader's and the plugin's messages go (nowhere visible: ipt-course says what matters)
_LOG = logging.getLogger("ipt_helpers.course.grading.penalties")
_LOG.propagate = False


def _late(sub) -> bool:
    return sub.timestamp is not None and sub.total_seconds_late > 0


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
            and (_late(s) or any(nb.late_submission_penalty for nb in s.notebooks))]


def recompute(gb, config, assignment: str, students=None) -> list[tuple[str, str, float | None]]:
    """Store, for every late notebook of ``assignment`` (of ``students``, or everyone's), the
    penalty nbgrader's configured plugin gives for its score now, manual marks included.
    Returns what changed: (student, notebook, new penalty). A plugin that fails is refused in
    words naming its file and line; nothing is written then."""
    late = late_submissions(gb, assignment, students)
    if not late:
        return []
    from nbgrader.preprocessors import AssignLatePenalties

    step = AssignLatePenalties(config=config)
    step.log = _LOG
    try:
        step.init_plugin()
    except Exception as err:
        raise CourseError(f"the late-penalty plugin ({_name(config)}) could not be made: "
                          f"{_cause(err)}") from None
    step.plugin_inst.log = _LOG
    changed = []
    try:
        for sub in late:
            for nb in sub.notebooks:
                if not _late(sub):  # as nbgrader's step: no longer late, no penalty
                    if nb.late_submission_penalty is not None:
                        nb.late_submission_penalty = None
                        changed.append((sub.student.id, nb.name, None))
                    continue
                try:
                    penalty = step.plugin_inst.late_submission_penalty(
                        sub.student.id, nb.score, sub.total_seconds_late)
                except Exception as err:
                    raise CourseError(
                        f"the late-penalty plugin ({_name(config)}) failed for "
                        f"{sub.student.id} / {nb.name}: {_cause(err)}; no penalty was "
                        "changed") from None
                if penalty is not None:
                    penalty = float(step._check_late_penalty(nb, penalty))
                if nb.late_submission_penalty != penalty:
                    nb.late_submission_penalty = penalty
                    changed.append((sub.student.id, nb.name, penalty))
        gb.db.commit()
    except BaseException:
        gb.db.rollback()
        raise
    return changed


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


def penalties_on_final_score(config):
    """Configure ``nbgrader export`` to compute each late penalty again before it writes
    (a course's nbgrader_config.py calls this with ``c``; feedback does it through
    ``readable_feedback``, the ipt-course commands by themselves). Leaves a course's own
    exporter alone."""
    if "plugin_class" not in config.get("ExportApp", {}):
        config.ExportApp.plugin_class = f"{__name__}.PenalisedCsvExport"
    return config
