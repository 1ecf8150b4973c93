"""The ipt-forms extension as installed: prebuilt (no rebuild), enabled, and hiding
nbgrader's instructor panels from students unless the instructor switch is on."""

import os
import re
import subprocess

from conftest import ROOT

PANELS = ["@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:course-list",
          "@jupyter/nbgrader:menu"]


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
    env = {**os.environ, "JUPYTER_CONFIG_PATH": str(ROOT / "labextension" / "instructor")}
    text = listing(env)
    assert not any(panel in disabled(text) for panel in PANELS), text
