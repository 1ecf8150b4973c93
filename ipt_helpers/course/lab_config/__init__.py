"""The instructor's switch for JupyterLab and Notebook 7: a Jupyter config folder whose
``labconfig/page_config.json`` turns nbgrader's instructor panels (Create Assignment, the course
list, the Nbgrader menu) back on, which the ipt-forms extension hides from students.

It ships inside the package, so it works wherever ``ipt-helpers`` is installed::

    JUPYTER_CONFIG_PATH=$(python -m ipt_helpers.course.lab_config) jupyter lab
"""

from pathlib import Path

#: the folder to put on JUPYTER_CONFIG_PATH
INSTRUCTOR = Path(__file__).resolve().parent
