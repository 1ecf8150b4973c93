"""A course through a real JupyterHub, end to end (issue 23, "Tests", first bullet).

One hub configured from ``deploy/jupyterhub/jupyterhub_config.py`` as the README documents it
(PAM login, ``LocalProcessSpawner``, the instructor's panels and marking page), with only its
paths and ports set: by the environment variables the config reads and a small overlay
(``overlay`` below). The parts of ``deploy/jupyterhub/setup.sh`` that a course needs run for
real, without touching /etc, /srv or /opt: the course's Python is a venv made from Debian's
``python3.11`` with the pinned packages (built once and kept under /var/lib/ipt-curriculum,
like ``make``'s kernel venv; the package itself is reinstalled whenever it changes), three
local users are made with ``useradd`` and ``chpasswd`` (removed with ``userdel -r`` at the
end), the exchange is a folder of mode 1777 and the global nbgrader config is the deploy's
file, its exchange path changed, on the users' ``JUPYTER_CONFIG_PATH``.

The cycle, in chromium, by keyboard where a person types: the instructor releases ps1 to the
exchange; two students log in with their passwords, open *Assignments* from the command
palette, fetch, open the notebook from the panel (it opens in the assignment view), answer
(``answer_ps1``), save and submit from the panel; the instructor collects, grades as root
(``sudo ipt-course grade``: each kernel its own unprivileged user), marks the written answers
on the hub's marking page, returns feedback; each student fetches feedback from the panel and
reads their own page, with no key in it, and reaches neither the other's server nor their
files; the Canvas export has the two totals. Student code cannot read the keys: neither code
run as a student nor the grading kernel (a cell added to a submission) reads the course's
gradebook or source notebook. The hub, its proxy and every user's processes are gone at the
end (asserted), and the users and folders are removed even when the test fails (screenshots
and the hub's log are kept in pytest's tmp folder then).
"""

import contextlib
import csv
import fcntl
import hashlib
import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from nbgrader.api import Gradebook
from playwright.sync_api import TimeoutError as PlaywrightTimeout, expect

from browser import chromium, free_port, wait_until_up
from conftest import ROOT
from ipt_helpers import Multi, Single, Sort
from ipt_helpers.forms.cellsource import notebook_answers
from ipt_helpers.forms.items import notebook_items
from ipt_helpers.forms.scoring import applies
from submissions import key_answers, partial_case

# infra/ is the second stage (`full`, tests/conftest.py); `browser` puts it with the browser
# tests that `make test-all` runs one at a time, so no grading next door starves the keys
pytestmark = [pytest.mark.slow, pytest.mark.browser]

A = "ps1-problem-areas"
NOTEBOOK = "problem-areas"
DEPLOY = ROOT / "deploy" / "jupyterhub"
SOURCE = ROOT / "exercises" / "source" / A / f"{NOTEBOOK}.ipynb"
DEBIAN_PY = Path("/usr/bin/python3.11")
#: where the course's venv is kept between runs (the Makefile keeps the kernels' venv there)
VENVS = Path("/var/lib/ipt-curriculum")
PANEL = "#nbgrader-assignment-list"
NB = "window.jupyterapp.shell.currentWidget"
#: what only instructors hold: nbgrader's markers of hidden tests, solutions, mark schemes
MARKERS = ["BEGIN HIDDEN TESTS", "BEGIN SOLUTION", "BEGIN MARK SCHEME", "Mark scheme (",
           "Model answer", "from ipt_helpers.forms.recording import score"]
SPAWN = 180_000  # ms: a user's server (generous: CI's two cores are shared)


# --- the course's Python, as setup.sh makes it ------------------------------------------------

def _digest(paths) -> str:
    h = hashlib.sha1()
    for path in paths:
        h.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:12]


@pytest.fixture
def setup_sh(people, place):
    """deploy/jupyterhub/setup.sh, run for real as the README says, with this test's folders
    (its IPT_* variables): the course's venv from Debian's python3.11 with the checkout's
    package, the proxy from npm, the users (made already by ``people``, with the same flags),
    the exchange, the hub's state and the global nbgrader config. The venv's folder is kept
    between runs under the digest of what it installs (setup.sh is idempotent: it reinstalls
    the package, so changes reach it) and held by a lock while the test runs."""
    assert DEBIAN_PY.exists(), "Debian's python3.11 is missing (the hub's users cannot run pyenv's)"
    setup = (DEPLOY / "setup.sh").read_text()
    hub_packages = re.findall(r'"((?:jupyterhub|jupyterlab|notebook)[<>=][^"]*)"', setup)
    assert len(hub_packages) == 3, hub_packages
    deps = hashlib.sha1((ROOT / "constraints.txt").read_bytes() + (ROOT / "pyproject.toml").read_bytes()
                        + "\n".join(hub_packages).encode()).hexdigest()[:12]
    opt = VENVS / f"hub-{deps}"
    VENVS.mkdir(mode=0o755, parents=True, exist_ok=True)
    folders = {"IPT_OPT": opt, "IPT_EXCHANGE": place / "exchange",
               "IPT_HUB_STATE": place / "state", "IPT_JUPYTER_ETC": place / "etc-jupyter"}
    env = {**{k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")},
           **{k: str(v) for k, v in folders.items()}}
    names, _ = people
    with open(VENVS / f"hub-{deps}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = subprocess.run(["bash", str(DEPLOY / "setup.sh"), str(ROOT), names["instructor"],
                               names["amara"], names["bo"]], env=env, capture_output=True,
                              text=True, timeout=1800)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        assert "start the hub" in done.stdout
        yield {"venv": opt / "venv", **{k: Path(v) for k, v in folders.items()}}


# --- users and processes ----------------------------------------------------------------------

def as_user(user, args, venv, jupyter_config, cwd=None, check=True, timeout=600):
    """``args`` run as ``user`` (``runuser``), in the course's environment as the hub gives it
    (its venv first on PATH, the global nbgrader config)."""
    home = os.path.expanduser(f"~{user}")
    env = {"HOME": home, "USER": user, "LOGNAME": user, "LANG": "C.UTF-8",
           "PATH": f"{venv}/bin:/usr/local/bin:/usr/bin:/bin", "JUPYTER_CONFIG_PATH": str(jupyter_config)}
    done = subprocess.run(["runuser", "-u", user, "--", "env", "-i",
                           *[f"{k}={v}" for k, v in env.items()], *map(str, args)],
                          cwd=cwd or home, capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(f"{user}: {args} exited {done.returncode}\n{done.stdout}\n{done.stderr}")
    return done


def processes_of(users) -> list:
    found = []
    for p in psutil.process_iter(["username"]):
        if p.info["username"] in users:
            found.append(p)
    return found


def cmdline(p) -> str:
    try:
        return " ".join(p.cmdline())
    except psutil.Error:
        return ""


def stop(procs: list, timeout: float = 20) -> None:
    """SIGTERM, then SIGKILL what is left (each process by its id)."""
    alive = [p for p in procs if p.is_running()]
    for p in alive:
        with contextlib.suppress(psutil.Error):
            p.terminate()
    _, left = psutil.wait_procs(alive, timeout=timeout)
    for p in left:
        with contextlib.suppress(psutil.Error):
            p.kill()
    psutil.wait_procs(left, timeout=10)


@pytest.fixture
def people():
    """The instructor and two students, local users with a password each, homes private to
    each (setup.sh's ``useradd -m -K HOME_MODE=0700``); removed with their homes at the end,
    after any process of theirs is stopped."""
    assert os.geteuid() == 0, "the hub course needs root: useradd, PAM login, servers run as users"
    tag = secrets.token_hex(3)
    names = {"instructor": f"ipti{tag}", "amara": f"ipta{tag}", "bo": f"iptb{tag}"}
    passwords = {name: "pw-" + secrets.token_urlsafe(12) for name in names.values()}
    made = []
    try:
        for name in names.values():
            subprocess.run(["useradd", "-m", "-K", "HOME_MODE=0700", "-s", "/bin/bash", name],
                           check=True, capture_output=True)
            made.append(name)
        subprocess.run(["chpasswd"], input="".join(f"{n}:{p}\n" for n, p in passwords.items()),
                       text=True, check=True)
        yield names, passwords
    finally:
        stop(processes_of(made))
        for name in made:
            subprocess.run(["userdel", "-r", name], capture_output=True)
        left = [n for n in made if subprocess.run(["id", n], capture_output=True).returncode == 0
                or Path(f"/home/{n}").exists()]
        assert not left, f"users not removed: {left}"


@pytest.fixture
def place():
    """A folder every user can reach (pytest's tmp folders are private to root) for the
    exchange, the global nbgrader config and the hub's state; removed at the end."""
    root = Path(tempfile.mkdtemp(prefix="ipt-hub-course-"))
    root.chmod(0o755)
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


# --- the hub ----------------------------------------------------------------------------------

def overlay(state: Path, jupyter_config: Path, port: int) -> str:
    """The deploy's jupyterhub_config.py, loaded whole, then only ports, pid files and the
    global nbgrader config's folder set (``expose_app_in_browser`` lets the test read
    JupyterLab's state)."""
    return "\n".join([
        "c = get_config()  # noqa: F821",
        f"load_subconfig({str(state / 'jupyterhub_config.py')!r})  # noqa: F821 (setup.sh's copy)",
        "c.JupyterHub.hub_ip = '127.0.0.1'",
        f"c.JupyterHub.hub_port = {free_port()}",
        f"c.JupyterHub.pid_file = {str(state / 'jupyterhub.pid')!r}",
        f"c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{free_port()}'",
        f"c.ConfigurableHTTPProxy.pid_file = {str(state / 'jupyterhub-proxy.pid')!r}",
        f"c.Spawner.environment = {{**c.Spawner.environment, 'JUPYTER_CONFIG_PATH': {str(jupyter_config)!r}}}",
        "c.Spawner.args = ['--LabApp.expose_app_in_browser=True']",
        "c.Spawner.start_timeout = 180",
        "c.Spawner.http_timeout = 180",
    ]) + "\n"


@contextlib.contextmanager
def hub(venv, state, jupyter_config, instructor, students):
    """The hub as setup.sh says to start it, as root, from the course's venv; stopped by
    SIGTERM at the end, which must leave no process of it or of its users."""
    (state / "students.txt").write_text("".join(f"{s}\n" for s in students))
    port = free_port()
    (state / "overlay_config.py").write_text(overlay(state, jupyter_config, port))
    env = {**os.environ, "IPT_VENV": str(venv), "IPT_HUB_STATE": str(state),
           "IPT_HUB_URL": f"http://127.0.0.1:{port}", "IPT_INSTRUCTOR": instructor}
    for key in ("IPT_SANDBOX_PYTHON", "JUPYTER_CONFIG_PATH", "PYTHONPATH", "VIRTUAL_ENV"):
        env.pop(key, None)
    log_path = state / "jupyterhub.log"
    url = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([str(venv / "bin" / "jupyterhub"), "-f", str(state / "overlay_config.py")],
                                cwd=state, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        seen = []
        users = [instructor, *students]
        try:
            wait_until_up(f"{url}/hub/api", proc, log_path, "the hub", 120)
            yield url, log_path, lambda: seen.extend(descendants(proc))
            seen.extend(descendants(proc))
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=60) == 0, log_path.read_text()[-4000:]
            _, left = psutil.wait_procs(seen, timeout=30)
            left += [p for p in processes_of(users) if p not in left]
            assert not left, f"left running after the hub stopped: {[cmdline(p) for p in left]}"
        finally:
            seen.extend(descendants(proc))
            stop([*seen, *([psutil.Process(proc.pid)] if proc.poll() is None else [])])
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=30)


def descendants(proc) -> list:
    try:
        return psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


# --- in the browser ---------------------------------------------------------------------------

def log_in(browser, url, user, password):
    """The hub's login form, by keyboard; returns the page (the server spawns meanwhile)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{url}/hub/login")
    page.wait_for_selector("#username_input:focus")
    page.keyboard.type(user)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    return page


def wait_lab(page, url, user, log_path):
    try:
        page.wait_for_url(f"{url}/user/{user}/lab**", timeout=SPAWN)
        page.wait_for_function(
            "() => window.jupyterapp && window.jupyterapp.commands"
            " && window.jupyterapp.commands.hasCommand('ipt-forms:open-assignments')", timeout=SPAWN)
    except Exception as err:
        raise AssertionError(f"{user}: no JupyterLab: {err}\n{log_path.read_text()[-6000:]}") from err
    page.evaluate("() => window.jupyterapp.restored")


def open_assignments(page):
    """The command palette, by keyboard: "Assignments (fetch and submit)" (ipt-forms). The
    student's window comes to the front and they click a blank part of the page first; a
    palette that does not open, or loses the focus while the page settles, is opened again."""
    item = page.locator(".lm-CommandPalette-item", has_text="Assignments (fetch and submit)")
    page.bring_to_front()
    for _ in range(3):
        page.mouse.click(640, 880)  # the status bar's blank middle
        page.keyboard.press("Control+Shift+C")
        try:
            page.wait_for_function("() => document.activeElement"
                                   " && document.activeElement.matches('.lm-CommandPalette-input')",
                                   timeout=10_000)
            page.keyboard.press("Control+a")
            page.keyboard.type("fetch and submit")
            item.first.wait_for(timeout=10_000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    else:
        raise AssertionError("the command palette did not offer the Assignments panel")
    page.keyboard.press("Enter")
    panel = page.locator(PANEL)
    panel.wait_for(state="visible", timeout=30_000)
    return panel


def press(page, control, key="Enter"):
    """Focus a control and press a key on it, as Tab would reach it."""
    control.focus()
    page.keyboard.press(key)


def choose(page, select, label):
    """A dropdown's option by the arrow keys."""
    texts = select.evaluate("s => [...s.options].map(o => o.text.replace(/\\u00a0/g, ' '))")
    target, current = texts.index(label), select.evaluate("s => s.selectedIndex")
    select.focus()
    for _ in range(abs(target - max(current, 0)) + (1 if current < 0 else 0)):
        page.keyboard.press("ArrowDown" if target > current else "ArrowUp")
    assert select.evaluate("s => s.options[s.selectedIndex].text").replace("\xa0", " ") == label


def answer_ps1(page, answers):
    """Answer ps1 in the assignment view just opened, by keyboard, and save it (Ctrl+S).

    ``answers``: {form id: answer} as recorded (``key_answers``), plus "justify": the written
    answer's text. The one place that knows how answering looks: ipt-forms' assignment view,
    where each form is a section (``data-form``) of questions (``fieldset[data-q]``) whose
    controls are found by their accessible names (a radio's or checkbox's label, a
    drop-down's label) and the written answer is the text box labelled "Your written
    answer: ...". (Commit 94b3762 also answered in nbgrader's notebook, by running its cells.)
    """
    questions = {item.form_id: item.definition.questions
                 for item in notebook_items(nbformat.read(SOURCE, 4)).items}
    expect(page.locator("section.ipt-view-form")).to_have_count(len(questions), timeout=60_000)
    for form_id, qs in questions.items():
        answer = answers[form_id]
        box = page.locator(f"section.ipt-view-form[data-form='{form_id}']")
        box.scroll_into_view_if_needed()
        for q in qs:
            value = answer.get(q.id)
            block = box.locator(f"fieldset[data-q='{q.id}']")
            if isinstance(q, Multi):
                for label, key in q.options:
                    tick = block.get_by_role("checkbox", name=label, exact=True)
                    if tick.is_checked() != (key in (value or [])):
                        press(page, tick, "Space")
            elif isinstance(q, Single) and value is not None:
                radio = block.get_by_role("radio", name=q.label_of(value), exact=True)
                expect(radio).to_be_visible(timeout=30_000)  # a conditional question opens
                press(page, radio, "Space")
                expect(radio).to_be_checked()
            elif isinstance(q, Sort):
                for label, item in q.items:
                    choose(page, block.get_by_label(label, exact=True), q.category_label(value[item]))
    page.get_by_label(re.compile("^Your written answer")).focus()
    page.keyboard.press("Control+a")
    page.keyboard.type(answers["justify"])
    wait_recorded(page, questions, answers)
    page.keyboard.press("Control+s")
    page.wait_for_function(f"() => !{NB}.context.model.dirty", timeout=60_000)


def wait_recorded(page, questions, answers, timeout=60):
    """Until the document's model holds every answer as grading will read it (the cells'
    ``answer=``, by the one rule)."""
    want = {fid: {q.id: q.check(answers[fid].get(q.id) if applies({"when": q.when}, answers[fid])
                                else None) for q in qs} for fid, qs in questions.items()}
    deadline = time.monotonic() + timeout
    while True:
        cells = page.evaluate(f"() => {NB}.context.model.sharedModel.cells"
                              ".map(c => ({cell_type: c.cell_type, source: c.getSource()}))")
        got = {k: v for k, v in notebook_answers({"cells": cells}).items() if k in want}
        if got == want:
            return
        assert time.monotonic() < deadline, f"answers not recorded: {got} != {want}"
        page.wait_for_timeout(300)


def keep_evidence(tmp_path, browser, log_path):
    """What each page showed and the hub's log, kept in pytest's tmp folder on a failure."""
    for i, context in enumerate(browser.contexts):
        for j, page in enumerate(context.pages):
            with contextlib.suppress(Exception):
                page.screenshot(path=tmp_path / f"page-{i}-{j}.png")
    with contextlib.suppress(OSError):
        shutil.copy(log_path, tmp_path / "jupyterhub.log")
    print(f"screenshots and the hub's log: {tmp_path}")


# --- the test ---------------------------------------------------------------------------------

def probe(paths) -> str:
    """Student code that tries to read ``paths`` (the course's keys) and says what happened."""
    return ("for _p in %r:\n"
            "    try:\n"
            "        open(_p, 'rb').read(64)\n"
            "        print('PROBE READ', _p)\n"
            "    except OSError as _e:\n"
            "        print('PROBE DENIED', _p, type(_e).__name__)\n" % [str(p) for p in paths])


def probe_output(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "code" and "PROBE" in cell.source:
            return "".join(o.get("text", "") for o in cell.get("outputs", []))
    raise AssertionError("the student's probe cell is missing")


def test_a_course_through_jupyterhub(setup_sh, people, place, tmp_path):
    laps = [("start", time.monotonic())]

    def lap(name):  # where the time goes, printed at the end
        laps.append((name, time.monotonic()))
    venv = setup_sh["venv"]
    names, passwords = people
    instructor, amara, bo = names["instructor"], names["amara"], names["bo"]
    students = [amara, bo]

    # what setup.sh made: the exchange (nbgrader: 1777), the global nbgrader config pointing
    # at it, the hub's state (private) with the deploy's config
    exchange, jupyter_config, state = (setup_sh[k] for k in ("IPT_EXCHANGE", "IPT_JUPYTER_ETC",
                                                              "IPT_HUB_STATE"))
    assert exchange.stat().st_mode & 0o7777 == 0o1777
    assert state.stat().st_mode & 0o777 == 0o700
    assert repr(str(exchange)).strip("'") in (jupyter_config / "nbgrader_config.py").read_text()
    assert (state / "jupyterhub_config.py").read_text() == (DEPLOY / "jupyterhub_config.py").read_text()
    assert (state / "students.txt").read_text().split() == students
    assert os.access(venv / "bin" / "configurable-http-proxy", os.X_OK)

    # The instructor makes the course from a copy of the checkout's exercises (which a user
    # may not reach), releases ps1 (keys private) and puts it in the exchange.
    exercises = place / "exercises"
    shutil.copytree(ROOT / "exercises" / "source" / A, exercises / "source" / A)
    shutil.copy(ROOT / "exercises" / "nbgrader_config.py", exercises)
    subprocess.run(["chmod", "-R", "go+rX", exercises], check=True)
    home = Path(os.path.expanduser(f"~{instructor}"))
    course = home / "course"
    say = lambda *args, **kw: as_user(instructor, args, venv, jupyter_config, **kw)  # noqa: E731
    say("ipt-course", "init", course, "--from", exercises)
    say("ipt-course", "release", A, cwd=course)
    say("nbgrader", "release_assignment", A, cwd=course)
    assert (exchange / "ipt-curriculum" / "outbound" / A / f"{NOTEBOOK}.ipynb").exists()
    keys = [course / "gradebook.db", course / "source" / A / f"{NOTEBOOK}.ipynb"]
    # release's own protection (README), whatever the home's mode
    for path in (course, course / "source", course / "gradebook.db", course / "nbgrader_config.py"):
        assert path.stat().st_mode & 0o077 == 0, f"{path} is open to others"
    for student in students:
        for key in keys:
            got = as_user(student, ["cat", key], venv, jupyter_config, check=False)
            assert got.returncode != 0 and not got.stdout, f"{student} read {key}"
    lap("users, course, release")

    source = nbformat.read(SOURCE, 4)
    written = {amara: "Amara writes: the onset followed the move, a role transition.",
               bo: "Bo writes: the arguments about the children came first."}
    answers = {amara: {**key_answers(source), "justify": written[amara]},
               bo: {**key_answers(source), **partial_case(A)["answers"], "justify": written[bo]}}

    with hub(venv, state, jupyter_config, instructor, students) as (url, log_path, note), \
            chromium() as browser:
        try:
            # Both students and the instructor log in (their servers spawn side by side), then
            # each student works in turn.
            pages = {s: log_in(browser, url, s, passwords[s]) for s in students}
            marker = log_in(browser, url, instructor, passwords[instructor])
            # PAM checks the password: another user's is refused
            stranger = log_in(browser, url, amara, passwords[bo])
            expect(stranger.get_by_text("Invalid username or password")).to_be_visible(timeout=60_000)
            assert "/hub/login" in stranger.url, stranger.url
            stranger.context.close()
            for student, page in pages.items():
                wait_lab(page, url, student, log_path)
            note()
            lap("log in, 2 servers")
            singleuser = [p for p in psutil.process_iter(["username"]) if p.info["username"] in students
                          and "jupyterhub-singleuser" in cmdline(p)]
            assert {p.info["username"] for p in singleuser} == set(students), "each server runs as its user"
            assert all(str(venv) in cmdline(p) for p in singleuser), "from the course's venv"

            for student, page in pages.items():
                panel = open_assignments(page)
                press(page, panel.get_by_role("button", name="Fetch"))
                fetched = panel.get_by_role("button", name=re.compile(f"^{A}"))  # + a caret
                expect(fetched).to_be_visible(timeout=60_000)
                mine = Path(os.path.expanduser(f"~{student}")) / A / f"{NOTEBOOK}.ipynb"
                if student == bo:
                    # Student code that tries to read the keys: run as the student, and put in
                    # the notebook, where the grading kernel runs it
                    out = as_user(bo, ["python", "-c", probe(keys)], venv, jupyter_config).stdout
                    assert out.count("PROBE DENIED") == 2 and "PROBE READ" not in out, out
                    as_user(bo, ["python", "-c",
                                 "import nbformat, sys; nb = nbformat.read(sys.argv[1], 4); "
                                 "nb.cells.append(nbformat.v4.new_code_cell(sys.argv[2])); "
                                 "nbformat.write(nb, sys.argv[1])", mine, probe(keys)],
                            venv, jupyter_config)
                press(page, fetched)  # expands the assignment: its notebook's link
                link = panel.get_by_role("link", name=NOTEBOOK, exact=True)
                link.wait_for()
                # nbgrader's Validate (it would say "Success" about checks the forms do not
                # have) is hidden by ipt-forms: the view's hand-in panel checks instead
                expect(panel.get_by_role("button", name="Validate")).to_have_count(0)
                press(page, link)
                page.wait_for_function(f"() => {NB} && {NB}.context && {NB}.context.path.endsWith("
                                       f"'{A}/{NOTEBOOK}.ipynb')", timeout=60_000)
                expect(page.locator(".ipt-AssignmentView")).to_be_visible(timeout=60_000)
                answer_ps1(page, answers[student])
                saved = nbformat.read(mine, 4)
                assert any(written[student] in c.source for c in saved.cells)
                # back to the panel (the palette again), Submit
                panel = open_assignments(page)
                press(page, panel.get_by_role("button", name="Submit"))
                expect(panel.get_by_role("button", name="Fetch Feedback")).to_be_visible(timeout=60_000)
            note()
            lap("fetch, answer, submit")

            # The instructor collects; grading runs as root (README: sudo ipt-course grade).
            say("nbgrader", "collect", A, cwd=course)
            for student in students:
                assert (course / "submitted" / student / A / f"{NOTEBOOK}.ipynb").exists()
            env = {k: v for k, v in os.environ.items() if k not in ("IPT_SANDBOX_PYTHON", "VIRTUAL_ENV")}
            env["PATH"] = f"{venv}/bin:/usr/bin:/bin"
            run = subprocess.run([venv / "bin" / "ipt-course", "--course", course, "grade", A,
                                  "--workers", "1"], env=env, capture_output=True, text=True, timeout=900)
            assert run.returncode == 0, run.stdout + run.stderr
            assert "each kernel runs as its own unprivileged user" in run.stdout, run.stdout
            full = grade_points(source)
            auto = {amara: full, bo: {**full, **partial_case(A)["expected"]}}
            with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
                for student in students:
                    graded = {g.name: g.auto_score for g in gb.find_submission_notebook(
                        NOTEBOOK, A, student).grades if g.name in full}
                    assert graded == pytest.approx(auto[student], abs=0.01), student
            lap("collect, grade")
            out = probe_output(nbformat.read(course / "autograded" / bo / A / f"{NOTEBOOK}.ipynb", 4))
            assert out.count("PROBE DENIED") == 2 and "PROBE READ" not in out, out

            # The instructor marks the written answers on the hub's marking page, by keyboard.
            wait_lab(marker, url, instructor, log_path)
            note()
            marker.goto(f"{url}/user/{instructor}/ipt-marking/{A}/{NOTEBOOK}/justify")
            expect(marker.locator("#progress")).to_have_text("0 of 2 marked", timeout=60_000)
            points = {amara: 4, bo: 2}
            text = ""
            for n in (1, 2):
                answer = marker.locator("#answer")
                expect(answer).not_to_have_text(text)  # the next answer is shown
                answer.focus()
                text = answer.text_content()
                student = next(s for s in students if written[s] in text)
                marker.keyboard.press(str(points[student]))
                expect(marker.locator("#progress")).to_have_text(f"{n} of 2 marked")
                marker.keyboard.press("j")
            with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
                assert {s: gb.find_grade("justify", NOTEBOOK, A, s).manual_score for s in students} \
                    == {s: float(p) for s, p in points.items()}

            lap("marking")
            # Feedback returned; each student fetches theirs from the panel and reads it.
            say("ipt-course", "feedback", A, cwd=course)
            say("nbgrader", "release_feedback", A, cwd=course)
            secrets_of_key = [line.strip() for cell in source.cells for line in cell.source.splitlines()
                              if len(line.strip()) >= 30 and cell.metadata.get("nbgrader", {}).get("solution")]
            for student, page in pages.items():
                other = bo if student == amara else amara
                panel = page.locator(PANEL)  # still open from the submission
                # (named by ipt-forms: nbgrader's is an icon alone)
                press(page, panel.get_by_role("button", name="Refresh the list of assignments"))
                expect(panel).to_contain_text("(feedback available to fetch)", timeout=60_000)
                press(page, panel.get_by_role("button", name="Fetch Feedback"))
                # nbgrader's link has no href; ipt-forms makes it a link a keyboard reaches
                view = panel.get_by_role("link", name="(view feedback)")
                view.wait_for(timeout=60_000)
                press(page, view, "Enter")
                item = page.locator(".jp-DirListing-item", has_text=f"{NOTEBOOK}.html")
                item.wait_for(timeout=30_000)
                item.dblclick()
                frame = page.frame_locator(".jp-HTMLViewer iframe")
                expect(frame.locator("body")).to_contain_text(written[student], timeout=60_000)
                shown = frame.locator("body").inner_text()
                assert written[other] not in shown, "only their own page"
                hits = [m for m in MARKERS + secrets_of_key if m in shown]
                assert not hits, f"{student}'s feedback shows the key: {hits[:3]}"
                # the other student's server and files stay closed to them
                theirs = page.context.request.get(f"{url}/user/{other}/api/contents/{A}", max_redirects=0)
                assert theirs.status in (302, 403), theirs.status
                assert written[other] not in theirs.text()
            note()
            for student, other in [(amara, bo), (bo, amara)]:  # nor on disk (homes are 0700)
                theirs = Path(os.path.expanduser(f"~{other}")) / A
                feedback = next((theirs / "feedback").glob(f"*/{NOTEBOOK}.html"))
                for path in (feedback, theirs / f"{NOTEBOOK}.ipynb"):
                    got = as_user(student, ["cat", path], venv, jupyter_config, check=False)
                    assert got.returncode != 0 and not got.stdout, f"{student} read {path}"
            for page in [*pages.values(), marker]:
                page.context.close()
            lap("feedback")
        except BaseException:
            keep_evidence(tmp_path, browser, log_path)
            raise


    # Grades for Canvas: the two students' totals (key: 38 + 4; partial fixture + 2).
    assert sum(full.values()) == 38
    partial = sum(auto[bo].values())
    say("ipt-course", "export", "--format", "canvas", "--assignment", A, "--to", home / "canvas.csv",
        cwd=course)
    with open(home / "canvas.csv", newline="") as fh:
        rows = {row["Student"]: row for row in csv.DictReader(fh)}
    assert rows.pop("Points Possible")[A] == "42", rows
    totals = {row["SIS Login ID"]: float(row[A]) for row in rows.values()}
    assert totals == pytest.approx({amara: 42.0, bo: partial + 2}), rows
    lap("hub stopped, export")
    print(", ".join(f"{name} {t - laps[i][1]:.0f} s" for i, (name, t) in enumerate(laps[1:])),
          f"(in all {laps[-1][1] - laps[0][1]:.0f} s)")


def grade_points(nb) -> dict:
    """{grade id: points} of the autograded tests."""
    return {c.metadata.nbgrader["grade_id"]: float(c.metadata.nbgrader["points"]) for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")}
