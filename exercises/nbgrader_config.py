"""nbgrader configuration for the IPT curriculum course (this folder is the course root)."""

import os

from nbgrader.converters import GenerateAssignment, GenerateFeedback

c = get_config()  # noqa: F821 (provided by nbgrader)


def default_steps_plus(converter, step):
    """nbgrader's own preprocessors for ``converter``, then ``step``. Assigned rather than
    appended: nbgrader may read this file twice, and an append would run the step twice."""
    return converter.class_traits()["preprocessors"].default() + [step]


c.CourseDirectory.course_id = "ipt-curriculum"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))

# Student versions: also remove the instructor's answers from form cells (ipt_helpers).
c.GenerateAssignment.preprocessors = default_steps_plus(
    GenerateAssignment, "ipt_helpers.student_version.ClearFormAnswers")

# Grading: a notebook that loops or floods output costs its own items, not the run.
c.ExecutePreprocessor.timeout = 60
c.ExecutePreprocessor.interrupt_on_timeout = True
c.LimitOutput.max_lines = 500
c.LimitOutput.max_traceback = 50

# Written answers: the text students see in an empty manually graded cell.
c.ClearSolutions.text_stub = "YOUR ANSWER HERE (write in this cell; double-click to edit)"

# Feedback pages show what students typed as text: their HTML is escaped, never run.
c.GenerateFeedback.preprocessors = default_steps_plus(
    GenerateFeedback, "ipt_helpers.feedback.EscapeStudentHTML")
