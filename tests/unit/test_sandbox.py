"""Kernel user ids: leased per machine, so two grading runs at once never share one."""

import multiprocessing
import os
import signal

from ipt_helpers.course.grading.sandbox import SANDBOX_UID_BASE, SANDBOX_UIDS, lease_uid


def _hold(leases, count, ready, release, out):
    """In another process (another grading run): lease ``count`` ids and hold them."""
    import contextlib
    with contextlib.ExitStack() as stack:
        out.put([stack.enter_context(lease_uid(leases)) for _ in range(count)])
        ready.set()
        release.wait(60)


def test_two_runs_at_once_never_share_a_kernel_user_id(tmp_path):
    ctx = multiprocessing.get_context("fork")
    ready = [ctx.Event(), ctx.Event()]
    release, out = ctx.Event(), ctx.Queue()
    runs = [ctx.Process(target=_hold, args=(tmp_path, 20, ready[i], release, out)) for i in range(2)]
    for p in runs:
        p.start()
    try:
        assert all(e.wait(60) for e in ready)
        first, second = out.get(timeout=10), out.get(timeout=10)
        assert len(set(first)) == len(set(second)) == 20, "distinct within a run"
        assert not set(first) & set(second), "and across runs"
        assert all(SANDBOX_UID_BASE <= u < SANDBOX_UID_BASE + SANDBOX_UIDS for u in first + second)
    finally:
        release.set()
        for p in runs:
            p.join(30)


def test_a_lease_ends_with_its_block_or_its_process(tmp_path):
    with lease_uid(tmp_path) as uid:
        with lease_uid(tmp_path) as other:
            assert other != uid
    ctx = multiprocessing.get_context("fork")
    ready, release, out = ctx.Event(), ctx.Event(), ctx.Queue()
    holder = ctx.Process(target=_hold, args=(tmp_path, 1, ready, release, out))
    holder.start()
    assert ready.wait(60)
    held = out.get(timeout=10)[0]
    os.kill(holder.pid, signal.SIGKILL)  # a worker killed mid-run
    holder.join(30)
    # the killed process's id is free again: its lock went with the process
    import fcntl
    fd = os.open(tmp_path / str(held), os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises BlockingIOError while held
    finally:
        os.close(fd)
