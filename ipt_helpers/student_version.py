"""Old path of ``ipt_helpers.course.release.student_version``, kept because courses'
``nbgrader_config.py`` files name its steps (``ipt_helpers.student_version.DeriveItems``...)."""

from ipt_helpers.course.release.student_version import DeriveIntro, DeriveItems, StudentForms  # noqa: F401
