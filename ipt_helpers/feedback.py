"""Old path of ``ipt_helpers.course.results.feedback``, kept because courses'
``nbgrader_config.py`` files name its steps (``ipt_helpers.feedback.EscapeStudentHTML``)."""

from ipt_helpers.course.results.feedback import EscapeStudentHTML, ReadableFeedback  # noqa: F401
