"""The marking page under a real JupyterHub (issue 15, item 1): ``ipt_helpers.course.marking.app``
is a Jupyter Server extension, so it runs in a hub user's single-user server.

One hub (the pinned ``jupyterhub`` with the npm package ``configurable-http-proxy`` as its
proxy, a shared-password authenticator, ``SimpleLocalProcessSpawner``; all its state in the
test's tmp folder) whose single-user server is this venv's ``jupyterhub-singleuser`` in the
course folder with the marking extension enabled. In chromium the instructor logs in by
keyboard, the server spawns, and a class of 3 is marked by keyboard on
``/user/<name>/ipt-marking/...``; the gradebook holds the marks. Without logging in, the page
sends the browser to the hub's login and the marking API refuses a POST, as it does a
logged-in POST without the XSRF token. The hub, its proxy and the single-user server are
stopped at the end, and none of them is left running.
"""

import json
import os
import secrets
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import jupyterhub
import nbformat
import psutil
import pytest
from nbgrader.api import Gradebook

from browser import chromium, free_port, wait_until_up
from conftest import ROOT, make_submissions, run
from submissions import with_written_answer

A = "ps1-problem-areas"
QUESTION = f"ipt-marking/{A}/problem-areas/justify"
STUDENTS = ["s1", "s2", "s3"]
USER = "marker"
PASSWORD = "ipt-" + secrets.token_hex(8)
BIN = Path(sys.executable).parent
PROXY = ROOT / "node_modules" / ".bin" / "configurable-http-proxy"
pytestmark = pytest.mark.slow


def manual_scores(course):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {s: gb.find_grade("justify", "problem-areas", A, s).manual_score for s in STUDENTS}


def hub_config(state: Path, course: Path, port: int) -> str:
    """jupyterhub_config.py: everything the hub keeps (database, cookie secret, pid files,
    the user's home) under ``state``."""
    # (the JSON form '{"ipt_helpers.course.marking.app": true}' is refused on a command line:
    # "expected a dict, not the list")
    args = ["--ServerApp.jpserver_extensions=ipt_helpers.course.marking.app=True"]
    if os.geteuid() == 0:  # CI runs as root; the spawner runs the server as the hub's user
        args.append("--allow-root")
    settings = {
        "JupyterHub.bind_url": f"http://127.0.0.1:{port}",
        "JupyterHub.hub_ip": "127.0.0.1",
        "JupyterHub.hub_port": free_port(),
        "JupyterHub.db_url": f"sqlite:///{state / 'jupyterhub.sqlite'}",
        "JupyterHub.cookie_secret_file": str(state / "jupyterhub_cookie_secret"),
        "JupyterHub.pid_file": str(state / "jupyterhub.pid"),
        "JupyterHub.authenticator_class":
            "jupyterhub.authenticators.shared.SharedPasswordAuthenticator",
        "SharedPasswordAuthenticator.user_password": PASSWORD,
        "Authenticator.allowed_users": [USER],
        "JupyterHub.spawner_class": "jupyterhub.spawner.SimpleLocalProcessSpawner",
        "SimpleLocalProcessSpawner.home_dir_template": str(state / "home" / "{username}"),
        "Spawner.cmd": [str(BIN / "jupyterhub-singleuser")],
        "Spawner.args": args,
        "Spawner.notebook_dir": str(course),
        "Spawner.default_url": "/ipt-marking/",
        "Spawner.start_timeout": 180,
        "Spawner.http_timeout": 180,
        "ConfigurableHTTPProxy.command": [str(PROXY)],
        "ConfigurableHTTPProxy.api_url": f"http://127.0.0.1:{free_port()}",
        "ConfigurableHTTPProxy.auth_token": secrets.token_hex(16),
        "ConfigurableHTTPProxy.pid_file": str(state / "jupyterhub-proxy.pid"),
    }
    lines = ["c = get_config()  # noqa: F821"]
    for key, value in settings.items():
        cls, trait = key.split(".")
        lines.append(f"c.{cls}.{trait} = {value!r}")
    lines.append("c.Authenticator.allowed_users = set(c.Authenticator.allowed_users)")
    return "\n".join(lines) + "\n"


def descendants(proc) -> list:
    try:
        return psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def cmdline(p) -> str:
    try:
        return " ".join(p.cmdline())
    except psutil.Error:
        return ""


def stop(procs: list, timeout: float = 20) -> list:
    """SIGTERM each process's group (the hub, the proxy and the single-user server each lead
    their own), then SIGKILL what is left; returns the processes that needed the SIGKILL."""
    def signal_group(p, sig):
        try:
            os.killpg(os.getpgid(p.pid), sig)
        except (ProcessLookupError, PermissionError):
            pass
    alive = [p for p in procs if p.is_running()]
    for p in alive:
        signal_group(p, signal.SIGTERM)
    _, left = psutil.wait_procs(alive, timeout=timeout)
    for p in left:
        signal_group(p, signal.SIGKILL)
    psutil.wait_procs(left, timeout=10)
    return left


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_marking_page_under_jupyterhub(course, tmp_path):
    assert PROXY.exists(), "configurable-http-proxy is missing: `make` runs npm ci (package.json)"
    assert (BIN / "jupyterhub-singleuser").exists(), "jupyterhub is missing: pip install -e '.[dev]'"
    nb_name = make_submissions(course, A, ["perfect"])
    perfect = nbformat.read(course / "submitted" / "perfect" / A / f"{nb_name}.ipynb", 4)
    for i, student in enumerate(STUDENTS):
        target = course / "submitted" / student / A / f"{nb_name}.ipynb"
        target.parent.mkdir(parents=True)
        nbformat.write(with_written_answer(perfect, f"Answer {i}: {student} writes"), target)
    run(["ipt-course", "grade", A, "--workers", "1",
         *[a for s in STUDENTS for a in ("--student", s)]], cwd=course, timeout=900)
    assert set(manual_scores(course).values()) == {None}, "nothing is marked yet"

    state = tmp_path / "hub"
    state.mkdir()
    port = free_port()
    (state / "jupyterhub_config.py").write_text(hub_config(state, course, port))
    url = f"http://127.0.0.1:{port}"
    log_path = state / "jupyterhub.log"
    log = open(log_path, "w")
    hub = subprocess.Popen([str(BIN / "jupyterhub"), "-f", str(state / "jupyterhub_config.py")],
                           cwd=state, stdout=log, stderr=subprocess.STDOUT,
                           start_new_session=True)
    seen = []  # every process the hub started (proxy, single-user server), for the cleanup
    try:
        info = json.load(wait_until_up(f"{url}/hub/api", hub, log_path, "the hub", 120))
        assert info["version"] == jupyterhub.__version__, info
        seen += descendants(hub)
        user_url = f"{url}/user/{USER}"
        page_url = f"{user_url}/{QUESTION}"
        with chromium() as browser:
            # Logging in by keyboard; the hub then spawns the server and opens its default URL.
            context = browser.new_context()
            page = context.new_page()
            page.goto(f"{url}/hub/login")
            page.wait_for_selector("#username_input:focus")
            page.keyboard.type(USER)
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.id") == "password_input"
            page.keyboard.type(PASSWORD)
            page.keyboard.press("Enter")
            try:
                page.wait_for_url(f"{user_url}/ipt-marking/", timeout=180_000)
            except Exception as err:
                raise AssertionError(f"no server: {err}\n{log_path.read_text()[-6000:]}") from err
            assert f"{A}: justify" in page.text_content("main"), "the index lists the question"
            seen += descendants(hub)
            assert any(str(BIN / "jupyterhub-singleuser") in cmdline(p) for p in seen), \
                "the single-user server is this venv's jupyterhub-singleuser"

            page.goto(page_url)
            assert page.text_content("#progress") == "0 of 3 marked"
            given = {}  # the answer's text -> the points pressed
            for n in range(1, 4):
                page.locator("#answer").focus()
                given[page.text_content("#answer").strip()] = n
                page.keyboard.press(str(n))
                page.wait_for_function(
                    f"document.getElementById('progress').textContent === '{n} of 3 marked'")
                page.keyboard.press("j")
            expected = {s: float(pts) for text, pts in given.items()
                        for i, s in enumerate(STUDENTS) if text.startswith(f"Answer {i}:")}
            assert sorted(expected) == STUDENTS, given
            assert manual_scores(course) == expected

            # The logged-in marker's own API, without the XSRF token: refused.
            api_state = context.request.get(f"{user_url}/ipt-marking/api/state/{A}/problem-areas/justify")
            assert api_state.ok, api_state.status
            answer = api_state.json()["answers"][0]
            body = {"assignment": A, "notebook": "problem-areas", "grade_id": "justify",
                    "token": answer["token"], "points": 0, "expected": answer["points"]}
            refused = context.request.post(f"{user_url}/ipt-marking/api/mark", data=json.dumps(body),
                                           headers={"Content-Type": "application/json"})
            assert refused.status == 403, (refused.status, refused.text())

            # Not logged in: a fresh browser is sent to the hub's login page.
            stranger = browser.new_context().new_page()
            stranger.goto(page_url)
            assert stranger.url.startswith(f"{url}/hub/login"), stranger.url
            assert stranger.locator("#username_input").is_visible()
            assert "Answer 0" not in stranger.content()
            stranger.context.close()
            context.close()

        # Nor without a browser: a GET ends at the login, a POST to the API is refused.
        response = urllib.request.urlopen(page_url, timeout=30)
        assert response.geturl().startswith(f"{url}/hub/login"), response.geturl()
        assert "Answer 0" not in response.read().decode()
        direct = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as err:
            direct.open(urllib.request.Request(f"{user_url}/ipt-marking/api/mark",
                                               data=json.dumps(body).encode(),
                                               headers={"Content-Type": "application/json"}),
                        timeout=30)
        assert err.value.code == 403, err.value
        assert manual_scores(course) == expected, "the refused POSTs changed no mark"

        # A clean stop: SIGTERM to the hub stops its single-user server and its proxy.
        seen += descendants(hub)
        hub.send_signal(signal.SIGTERM)
        assert hub.wait(timeout=60) == 0, log_path.read_text()[-4000:]
        _, left = psutil.wait_procs(seen, timeout=30)
        assert left == [], f"left running after the hub stopped: {[cmdline(p) for p in left]}"
    finally:
        seen += descendants(hub)
        stop([*seen, psutil.Process(hub.pid)] if hub.poll() is None else seen)
        hub.wait(timeout=30)
        log.close()
