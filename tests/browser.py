"""Real-browser helpers: Debian's chromium driven by Playwright, and a JupyterLab server."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def chromium():
    """A headless Debian chromium (never a downloaded browser)."""
    assert Path(CHROMIUM).exists(), "chromium is missing: `make system-deps` installs it"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def wait_until_up(url: str, proc, log_path: Path, what: str, seconds: float = 90):
    """Wait until ``url`` answers and return its response; fail with the end of the server's
    log if ``proc`` exits or ``seconds`` pass first (JupyterLab, a hub)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return urllib.request.urlopen(url, timeout=5)
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not start:\n{log_path.read_text()[-6000:]}")
            time.sleep(0.5)


@contextlib.contextmanager
def jupyter_lab(root: Path, token: str = "ipt-test-token", app: str = "lab",
                config_path: Path | None = None):
    """JupyterLab (``app="lab"``) or Notebook 7 (``app="notebook"``) on 127.0.0.1 serving
    ``root``; yields its base URL. ``config_path`` is put first on JUPYTER_CONFIG_PATH (e.g. a
    labconfig/page_config.json that disables an extension). Stopped afterwards."""
    port = free_port()
    log = open(root.parent / f"{app}-{port}.log", "w")
    module, cls = {"lab": ("jupyterlab", "LabApp"), "notebook": ("notebook", "JupyterNotebookApp")}[app]
    args = [sys.executable, "-m", module, "--no-browser", "--ip=127.0.0.1", f"--port={port}",
            f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
            f"--{cls}.expose_app_in_browser=True", "--ServerApp.open_browser=False",
            # settings and workspaces of this server alone (a test that changes the theme
            # must not change the next test's)
            f"--{cls}.user_settings_dir={root.parent / f'{app}-{port}-settings'}",
            f"--{cls}.workspaces_dir={root.parent / f'{app}-{port}-workspaces'}"]
    if os.geteuid() == 0:
        args.append("--allow-root")
    env = dict(os.environ)
    if config_path is not None:
        env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
            p for p in (str(config_path), env.get("JUPYTER_CONFIG_PATH")) if p)
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=root, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/api/status?token={token}", proc, Path(log.name), "JupyterLab", 90)
        yield url, token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
