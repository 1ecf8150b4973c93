"""The course's nbgrader_config.py loads cleanly and adds each project step exactly once.

nbgrader logs (and ignores) an exception in the config file: a broken config would silently
release the instructor's answers, so this is checked directly.
"""

from traitlets.config.loader import PyFileConfigLoader

from conftest import COURSE


def load_twice():
    """As nbgrader does when the working directory is the course root."""
    config = PyFileConfigLoader("nbgrader_config.py", path=str(COURSE)).load_config()
    config.merge(PyFileConfigLoader("nbgrader_config.py", path=str(COURSE)).load_config())
    return config


def test_student_versions_derive_items_once_before_the_gradebook_saves_cells():
    steps = load_twice().GenerateAssignment.preprocessors
    names = [s if isinstance(s, str) else s.__name__ for s in steps]
    assert names.count("ipt_helpers.course.release.student_version.DeriveItems") == 1
    assert names.index("ipt_helpers.course.release.student_version.DeriveItems") < names.index("SaveCells")
    assert names.count("ipt_helpers.course.release.student_version.DeriveIntro") == 1
    assert names.count("ipt_helpers.course.release.student_version.StudentForms") == 1
    assert names.index("ipt_helpers.course.release.student_version.DeriveIntro") < names.index("SaveCells")
    assert "ClearHiddenTests" in names and "ClearSolutions" in names


def test_feedback_escapes_student_html_once():
    steps = load_twice().GenerateFeedback.preprocessors
    names = [s if isinstance(s, str) else s.__name__ for s in steps]
    assert names.count("ipt_helpers.course.results.feedback.EscapeStudentHTML") == 1
    assert "GetGrades" in names


def test_every_feedback_tool_gets_the_key_free_steps_and_template_once():
    config = load_twice()
    names = [s if isinstance(s, str) else s.__name__ for s in config.GenerateFeedback.preprocessors]
    assert names.count("ipt_helpers.course.results.feedback.ReadableFeedback") == 1
    assert names.index("ipt_helpers.course.results.feedback.EscapeStudentHTML") < \
        names.index("ipt_helpers.course.results.feedback.ReadableFeedback")
    assert config.GenerateFeedback.exporter_class.endswith("feedback.FeedbackExporter")
    assert config.FeedbackExporter.template_name == "ipt_feedback"
    assert "template_name" not in config.HTMLExporter, "formgrader's own views keep their template"


def test_late_penalties_are_computed_again_by_feedback_and_export_once():
    """nbgrader fixes a late penalty while autograding; feedback (before GetGrades reads the
    score) and nbgrader export compute it again from the total with the written marks."""
    config = load_twice()
    names = [s if isinstance(s, str) else s.__name__ for s in config.GenerateFeedback.preprocessors]
    step = "nbgrader.preprocessors.AssignLatePenalties"
    assert names.count(step) == 1 and names.index(step) == names.index("GetGrades") - 1
    assert config.ExportApp.plugin_class == \
        "ipt_helpers.course.grading.penalties.PenalisedCsvExport"
