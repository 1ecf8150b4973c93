"""How fast the assignment view opens and records, against the notebook editor, in one run.

Serves a released ps9 (the longest assignment: three forms, 16 questions, a written answer)
with JupyterLab on 127.0.0.1 and, in Debian's chromium, opens it several times each way:

- the view: from the open command to the first form drawn and visible (nothing to run);
- the notebook editor (the baseline, Open With ▸ Notebook): from the open command, through
  *Run All Cells*, to the first form's widgets visible (what a student waits for there);
- in the view, from a key pressed on a radio button to the answer written in the notebook
  model (the cell's source changed), for a keyboard choice and a click;
- the kernels each way (the view must start none).

Prints the medians, the ratio notebook / view, and ends with
``first form ms: <n>`` and ``record ms: <n>``.

    python benchmarks/assignment_view.py [--runs 5]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser import chromium, jupyter_lab  # noqa: E402

ASSIGNMENT = "ps9-measurement-fidelity"

OPEN = """async ([path, factory]) => {
  const app = window.jupyterapp;
  await app.restored;
  const t0 = performance.now();
  const w = await app.commands.execute('docmanager:open', factory ? {path, factory} : {path});
  app.shell.activateById(w.id);
  const selector = factory ? '.ipt-form input' : '.ipt-view-form input';
  if (factory) {
    await w.context.ready;
    await w.sessionContext.ready;
    await app.commands.execute('notebook:run-all-cells');
  }
  return await new Promise(resolve => {
    const check = () => {
      const e = w.node.querySelector(selector);
      if (e && e.offsetParent !== null) resolve(performance.now() - t0);
      else requestAnimationFrame(check);
    };
    check();
  });
}"""

RECORD = """async (how) => {
  const w = window.jupyterapp.shell.currentWidget;
  const radios = [...w.node.querySelectorAll('.ipt-view-form input[type=radio]')];
  const target = radios[how === 'key' ? 0 : 2];
  target.focus();
  let t0 = 0;
  const changed = new Promise(resolve =>
    w.context.model.contentChanged.connect(function done() {
      w.context.model.contentChanged.disconnect(done);
      resolve(performance.now() - t0);
    }));
  if (how === 'key') {
    // what the browser does for Space on a radio: the keydown, then a click on it
    t0 = performance.now();
    target.dispatchEvent(new KeyboardEvent('keydown', {key: ' ', bubbles: true}));
    target.click();
  } else {
    t0 = performance.now();
    target.click();
  }
  return await changed;
}"""

KERNELS = """async () => { const s = window.jupyterapp.serviceManager.sessions;
  await s.refreshRunning(); return [...s.running()].length; }"""


def release(course: Path) -> Path:
    shutil.copy(ROOT / "exercises" / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "exercises" / "source" / ASSIGNMENT, course / "source" / ASSIGNMENT)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", ASSIGNMENT,
                    "--force"], cwd=course, check=True, capture_output=True, env=env)
    return next((course / "release" / ASSIGNMENT).glob("*.ipynb"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "course").mkdir()
        (tmp / "home").mkdir()
        nb = release(tmp / "course")
        times = {"view": [], "notebook": [], "key": [], "click": []}
        kernels = {"view": [], "notebook": []}
        with jupyter_lab(tmp / "home") as (url, token), chromium() as browser:
            for run in range(args.runs):
                for way in ("view", "notebook"):
                    name = f"{way}-{run}.ipynb"
                    shutil.copy(nb, tmp / "home" / name)
                    context = browser.new_context(viewport={"width": 1280, "height": 800})
                    page = context.new_page()
                    page.goto(f"{url}/lab?reset&token={token}")
                    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.docRegistry"
                                           ".getWidgetFactory('Assignment')", timeout=120_000)
                    times[way].append(page.evaluate(OPEN, [name, None if way == "view" else "Notebook"]))
                    kernels[way].append(page.evaluate(KERNELS))
                    if way == "view":
                        times["key"].append(page.evaluate(RECORD, "key"))
                        times["click"].append(page.evaluate(RECORD, "click"))
                    # shut the notebook's kernel down, so the next run starts from none
                    page.evaluate("async () => { await window.jupyterapp.serviceManager.sessions"
                                  ".shutdownAll(); }")
                    context.close()
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"{ASSIGNMENT}, {args.runs} runs each, medians (ms):")
    print(f"  view: first form visible         {med['view']:8.0f}   kernels started: {max(kernels['view'])}")
    print(f"  notebook (Run All): first form   {med['notebook']:8.0f}   kernels started: {max(kernels['notebook'])}")
    print(f"  ratio notebook / view            {med['notebook'] / med['view']:8.1f}x")
    print(f"  view: Space on a radio → model   {med['key']:8.1f}")
    print(f"  view: click on a radio → model   {med['click']:8.1f}")
    print(f"first form ms: {med['view']:.0f}")
    print(f"record ms: {max(med['key'], med['click']):.1f}")


if __name__ == "__main__":
    main()
