"""What a notebook writes while graded is handed back as nbgrader would keep it (issue 22,
item 5), but student code owns the folder it runs in: nothing there is followed or trusted."""

import os

from ipt_helpers.course.grading.autograde import put_back
from ipt_helpers.course.grading.kernels import files_written


def test_what_a_notebook_wrote_is_read_without_following_links_or_pipes(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    secret = tmp_path / "gradebook.db"
    secret.write_text("the keys")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "inside.txt").write_text("the keys")
    (work / "data.txt").write_bytes(b"changed by the notebook")
    (work / "same.txt").write_bytes(b"as it was")
    (work / "link.txt").symlink_to(secret)                   # a link to what only the grader reads
    (work / "folder-link").symlink_to(tmp_path / "elsewhere")
    os.mkfifo(work / "pipe")                                 # reading it would block forever
    (work / "sub").mkdir()
    (work / "sub" / "out.txt").write_bytes(b"new")
    (work / "big.bin").write_bytes(b"x" * 100)

    written, deleted, too_large = files_written(
        str(work), {"data.txt": b"as handed in", "same.txt": b"as it was", "gone.txt": b"g"},
        limit=50)
    assert written == {"data.txt": b"changed by the notebook", "sub/out.txt": b"new"}
    assert deleted == ["gone.txt"]
    assert too_large == ["big.bin"], "beyond the limit: named, not copied"


def test_only_paths_inside_the_autograded_folder_are_written(tmp_path):
    dest = tmp_path / "autograded" / "foo" / "ps1"
    dest.mkdir(parents=True)
    (dest / "data.txt").write_text("the assignment's")
    put_back(dest, {"../../../escaped.txt": b"x", "/tmp/absolute.txt": b"x",
                    "sub/out.txt": b"new", "side-effect.txt": b"a side effect"}, ["data.txt"])
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()) == [
        "autograded/foo/ps1/side-effect.txt", "autograded/foo/ps1/sub/out.txt"]
