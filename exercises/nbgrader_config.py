"""nbgrader configuration for the IPT curriculum course (this folder is the course root)."""

import os

from nbgrader.converters import GenerateAssignment, GenerateFeedback

from ipt_helpers.course.grading.penalties import penalties_on_final_score
from ipt_helpers.course.results.feedback import readable_feedback

c = get_config()  # noqa: F821 (provided by nbgrader)


def default_steps(converter):
    """nbgrader's own preprocessors for ``converter``. Lists are assigned whole, never
    appended to: nbgrader may read this file twice, and an append would run a step twice."""
    return converter.class_traits()["preprocessors"].default()


c.CourseDirectory.course_id = "ipt-curriculum"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))

# Student versions: first derive, from each form's definition, the hidden test (saved to the
# gradebook, stripped from the release) and the key-free form cell (ipt_helpers.forms.items).
# The first cell is written from the notebook's assignment metadata (ipt_helpers.course.assignment).
# Each form cell is then titled with its case heading, given its own import and collapsed.
c.GenerateAssignment.preprocessors = [
    "ipt_helpers.course.release.student_version.DeriveItems",
    "ipt_helpers.course.release.student_version.StudentForms",
    "ipt_helpers.course.release.student_version.DeriveIntro"] + default_steps(GenerateAssignment)

# Grading: a notebook that loops or floods output costs its own items, not the run.
# ExecutePreprocessor.timeout limits each cell; GradeOptions are ipt-course grade's policy
# (see `ipt-course grade --help`; its options override them).
c.ExecutePreprocessor.timeout = 60
c.GradeOptions.notebook_timeout = 300  # seconds for a whole notebook
c.GradeOptions.threads = 3             # notebooks at once per worker (workers: one per core)
c.ExecutePreprocessor.interrupt_on_timeout = True
c.LimitOutput.max_lines = 500
c.LimitOutput.max_traceback = 50

# Written answers: the text students see in an empty manually graded cell.
c.ClearSolutions.text_stub = "YOUR ANSWER HERE (select this cell, press Enter, then type)"

# Feedback pages show what students typed as text (their HTML is escaped, never run), and each
# hidden test as points and feedback in words, never its source, which holds the whole key.
# Configured here, so `nbgrader generate_feedback`, formgrader's "Generate feedback" button and
# `ipt-course feedback` make the same key-free page.
c.GenerateFeedback.preprocessors = default_steps(GenerateFeedback) + [
    "ipt_helpers.course.results.feedback.EscapeStudentHTML"]
readable_feedback(c)

# Late penalties apply to the final score, written marks included: nbgrader computes them
# while autograding only. From here on a mark saved in formgrader (or by any program that
# loads this file) has its penalty computed again as it is saved, and feedback (above) and
# `nbgrader export` compute every penalty again first, as every ipt-course command that reads
# totals does.
penalties_on_final_score(c)
