"""The kernel side of the package installs and works without the instructor's tools.

A student's kernel (and each sandboxed grading kernel) needs the model, the forms, the
recording and the scorer; nbgrader, Dask and matplotlib are the instructor's extra.
"""

import subprocess
import sys
import tomllib

from conftest import ROOT

INSTRUCTOR_ONLY = ("nbgrader", "dask", "distributed", "matplotlib", "nbclient", "nbconvert")


def test_the_core_dependencies_leave_out_the_instructor_tools():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = " ".join(project["dependencies"])
    assert not [name for name in INSTRUCTOR_ONLY if name in core]
    assert "nbgrader==0.9.6" in project["optional-dependencies"]["instructor"]


def test_forms_and_scoring_work_when_the_instructor_tools_cannot_be_imported():
    code = f"""
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {INSTRUCTOR_ONLY!r}:
            raise ImportError('blocked: ' + name)
sys.meta_path.insert(0, Block())
from ipt_helpers import Single, form, options, score
from ipt_helpers.forms.items import definitions_in, hidden_test
f = form("f", [Single("focus", "Which?", options("problem_area"), points=2, accept={{"grief": 1}})])
assert f.answers == {{"focus": "grief"}}, f.answers
print("points", score("f"))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert "points 2.0" in out.stdout
