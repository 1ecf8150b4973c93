"""Print the instructor's Jupyter config folder (for JUPYTER_CONFIG_PATH)."""

from ipt_helpers.course.lab_config import INSTRUCTOR

print(INSTRUCTOR)
