"""Kernels forked by the fork server behave like freshly started ones and cannot reach it."""

import json
import os
import sys

import nbformat
import pytest

from ipt_helpers.course.grading.kernels import KernelServerEarly, execute_notebook
from ipt_helpers.course.grading.sandbox import SANDBOX_UID_BASE, sandbox_python
from ipt_helpers.course.grading.kernel_forkserver import ForkServer, is_ipykernel

pytestmark = pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="the fork server needs Linux")

PYTHON, _ = sandbox_python()
UID = SANDBOX_UID_BASE + 999 if PYTHON else None
SETTINGS = {"timeout": 30, "allow_errors": True, "kernel_name": "", "interrupt_on_timeout": True}

PROBE = """import json, os, random, sys
from ipykernel.kernelapp import IPKernelApp
fds = {}
for fd in os.listdir('/proc/self/fd'):
    try:
        fds[fd] = os.fstat(int(fd)).st_ino
    except OSError:
        pass
print(json.dumps({"uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(), "ppid": os.getppid(),
                  "cwd": os.getcwd(), "path": sys.path, "argv": sys.argv[1:2], "home": os.environ.get("HOME"),
                  "execution": os.environ.get("NBGRADER_EXECUTION"), "python": sys.executable,
                  "random": random.random(), "parent": IPKernelApp.instance().parent_handle,
                  "fd_inodes": sorted(fds.values())}))
"""


def probe(fork, source=PROBE, notebook_timeout=60):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source)]
    out = execute_notebook(nb, {"data.txt": b"x"}, SETTINGS, UID,
                           notebook_timeout, PYTHON or "", fork)
    assert "notebook" in out, out
    cell = out["notebook"].cells[0]
    text = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
    return json.loads(text) if source is PROBE else cell.outputs


def test_a_forked_kernel_sees_what_a_freshly_started_one_sees():
    started, forked = probe(fork=False), probe(fork=True)
    for key in ("uid", "gid", "groups", "python", "execution", "path", "argv", "parent"):
        assert forked[key] == started[key], key
    assert forked["execution"] == "autograde" and forked["parent"] == os.getpid()
    for info in (started, forked):
        # the notebook runs in work/ of the private folder, apart from the kernel's own files
        assert info["home"].startswith("/tmp/ipt-grade-") and info["cwd"] == info["home"] + "/work"
    if UID is not None:
        assert forked["uid"] == UID and forked["groups"] == []


def test_each_forked_kernel_has_its_own_random_state():
    assert probe(fork=True)["random"] != probe(fork=True)["random"]


def test_a_forked_kernel_holds_no_channel_to_the_fork_server():
    info = probe(fork=True)
    server = ForkServer._servers[PYTHON or sys.executable].proc
    pipes = {os.fstat(server.stdin.fileno()).st_ino, os.fstat(server.stdout.fileno()).st_ino}
    assert not pipes & set(info["fd_inodes"])


def test_the_fork_server_is_restarted_when_it_has_died():
    probe(fork=True)
    server = ForkServer._servers[PYTHON or sys.executable]
    server.proc.kill()
    server.proc.wait()
    assert probe(fork=True)["execution"] == "autograde"


def test_a_forked_kernel_is_stopped_at_the_notebook_time_limit():
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("while True:\n    pass")]
    out = execute_notebook(nb, {}, {**SETTINGS, "timeout": 300}, UID,
                           3, PYTHON or "", True)
    assert "longer than 3 s" in out["error"]


def test_only_ipykernel_commands_are_forked():
    assert is_ipykernel(["/usr/bin/python3", "-m", "ipykernel_launcher", "-f", "k.json"])
    assert not is_ipykernel(["/usr/bin/R", "--slave", "-e", "IRkernel::main()"])


def test_kernels_start_the_usual_way_when_the_fork_server_fails(monkeypatch):
    def broken(self, *args):
        raise RuntimeError("the kernel fork server stopped")

    monkeypatch.setattr(ForkServer, "launch", broken)
    assert probe(fork=True)["execution"] == "autograde"


def test_a_fork_server_that_cannot_start_is_not_retried_for_every_kernel(tmp_path):
    python = tmp_path / "python"
    python.write_text("#!/bin/sh\nexit 3\n")
    python.chmod(0o755)
    server = ForkServer(str(python))
    cmd = [str(python), "-m", "ipykernel_launcher", "-f", "k.json"]
    with pytest.raises(RuntimeError, match="stopped"):
        server.launch(cmd, {}, str(tmp_path), None)
    first = server.proc
    assert first.wait() == 3
    with pytest.raises(RuntimeError, match="stopped as it started"):
        server.launch(cmd, {}, str(tmp_path), None)
    assert server.proc is first, "no new server was started"


def test_the_worker_plugin_starts_the_fork_server_before_the_first_kernel_asks():
    """KernelServerEarly (registered on every Dask worker): the server imports while the
    work is sent; the first kernel is forked from that same server, with a home of its own."""
    python = PYTHON or sys.executable
    earlier = ForkServer._servers.pop(python, None)
    plugin = KernelServerEarly(python)
    try:
        plugin.setup()
        server = ForkServer._servers[python].proc
        assert server.poll() is None, "running before any kernel asked for it"
        info = probe(fork=True)
        assert info["ppid"] == server.pid and ForkServer._servers[python].proc is server
        assert info["home"].startswith("/tmp/ipt-grade-") and info["execution"] == "autograde"
        plugin.teardown()
        assert not os.path.exists(plugin.home)
    finally:
        ForkServer._servers[python].proc.kill()
        if earlier is not None:
            ForkServer._servers[python] = earlier
