"""The ipt-forms extension as installed: prebuilt (no rebuild), enabled, and hiding
nbgrader's instructor panels from students unless the instructor switch is on."""

import os
import re
import subprocess
import sys

from conftest import ROOT

#: nbgrader's instructor panels, and its Validate button, which would tell a student "Success"
#: about answers it does not check (the assignment view's hand-in panel checks them instead)
PANELS = ["@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:course-list",
          "@jupyter/nbgrader:menu", "@jupyter/nbgrader:validate-assignment"]


def listing(env=None):
    out = subprocess.run(["jupyter", "labextension", "list"], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    return re.sub(r"\x1b\[[0-9;]*m", "", out.stdout + out.stderr)


def disabled(text):
    return text.partition("Disabled extensions:")[2]


def test_the_extension_is_prebuilt_and_enabled_and_the_instructor_panels_are_hidden():
    text = listing()
    assert re.search(r"ipt-forms v\S+ enabled OK \(python, ipt-helpers\)", text), text
    assert all(panel in disabled(text) for panel in PANELS), text


def test_the_instructor_switch_shows_the_panels_again():
    """The switch ships in the package (README: JUPYTER_CONFIG_PATH=$(python -m ...))."""
    folder = subprocess.run([sys.executable, "-m", "ipt_helpers.course.lab_config"],
                            capture_output=True, text=True, cwd="/", check=True).stdout.strip()
    assert folder.startswith(str(ROOT / "ipt_helpers")) or "site-packages" in folder
    env = {**os.environ, "JUPYTER_CONFIG_PATH": folder}
    text = listing(env)
    assert not any(panel in disabled(text) for panel in PANELS), text


def test_enable_does_not_switch_them_on():
    """Why the README documents the config folder, not `jupyter labextension enable`: an
    extension's own disabledExtensions list wins over a user's enable."""
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(ROOT / ".pytest-jupyter-config")}
    try:
        subprocess.run(["jupyter", "labextension", "enable", "--level=user", PANELS[0]],
                       capture_output=True, text=True, timeout=120, env=env)
        assert PANELS[0] in disabled(listing(env))
    finally:
        import shutil
        shutil.rmtree(ROOT / ".pytest-jupyter-config", ignore_errors=True)
