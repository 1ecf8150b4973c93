"""Atomic writes (course/files.py): a reader sees the old file or the new one, never a part."""

import os

import pytest

from ipt_helpers.course import files


def test_a_write_replaces_the_file_whole_with_the_usual_permissions(tmp_path):
    target = tmp_path / "deep" / "report.html"
    files.write_atomic(target, b"first")
    files.write_atomic(target, b"second")
    assert target.read_bytes() == b"second"
    assert oct(target.stat().st_mode & 0o777) == oct(0o666 & ~files.umask())
    assert [p.name for p in target.parent.iterdir()] == ["report.html"], "no temporary file left"


def test_a_failed_write_keeps_the_old_file_and_leaves_no_part(tmp_path, monkeypatch):
    target = tmp_path / "grades.csv"
    target.write_bytes(b"old")

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError):
        files.write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["grades.csv"]
