"""Parity: ``ipt-course grade`` grades a plain nbgrader course exactly as ``nbgrader autograde``.

The course is made, at test time, from nbgrader's own autograde test notebooks and
situations (``nbgrader/tests/apps/files`` and ``test_nbgrader_autograde.py`` in the installed
package; none of nbgrader's files is kept in this repository): late submissions with
timestamp.txt and a late-penalty plugin in the course folder, changed locked and grade
cells, a cell time limit and an infinite loop, a notebook not handed in, extra files and an
extra notebook, a student not in the gradebook, a non-ASCII student id, an excluded student,
an empty submission folder, a module the student handed in (and one kept theirs by
c.Autograde.exclude_overwriting), a file the notebook writes, and submissions nbgrader
cannot grade (a corrupt notebook, an unreadable timestamp, a notebook under another name).
Both tools grade identical copies; every gradebook row (auto and manual score, late
penalty, lateness), every comment and the listing of autograded files must be the same for
each student, after a first run, a rerun, a resubmission with a later timestamp and a
forced rerun of one student. Where ipt-course differs on purpose (README: "Where `grade`
differs from `nbgrader autograde`") the comparison leaves that out: its completion marker,
autograded/STUDENT/.ps1.graded, lies outside the folders compared.
"""

import json
import shutil
from pathlib import Path

import nbgrader
import pytest
from nbgrader.api import Gradebook
from nbgrader.utils import parse_utc

from conftest import run

pytestmark = pytest.mark.slow

FILES = Path(nbgrader.__file__).parent / "tests" / "apps" / "files"
A = "ps1"
DUE = "2015-02-02 14:58:23.948203 America/Los_Angeles"


def hours_late(hours: int) -> str:
    return f"2015-02-02 {14 + hours}:58:23.948203 America/Los_Angeles"


# nbgrader's test_late_submission_penalty_plugin: one point per hour late
LATE_PLUGIN = """\
from nbgrader.plugins import BasePlugin


class Blarg(BasePlugin):
    def late_submission_penalty(self, student_id, score, total_seconds_late):
        return int(total_seconds_late / 3600)
"""

CONFIG = """\
c = get_config()
c.AssignLatePenalties.plugin_class = "late_plugin.Blarg"
c.CourseDirectory.student_id_exclude = "excluded"
c.Execute.timeout = 2
c.Autograde.exclude_overwriting = {"ps1": ["helper.py"]}
"""


def looping():
    """timeout.ipynb with an infinite loop where the student's answer goes."""
    nb = json.loads((FILES / "timeout.ipynb").read_text())
    nb["cells"][0]["source"] = "while True:\n    pass\n"
    return json.dumps(nb)


def answered(code: str) -> str:
    """submitted-changed.ipynb with ``code`` as the student's first answer (it sets ``a``,
    which a graded cell checks is 1)."""
    nb = json.loads((FILES / "submitted-changed.ipynb").read_text())
    nb["cells"][0]["source"] = "# YOUR CODE HERE\n" + code
    return json.dumps(nb)


def nbg(name: str) -> Path:
    """One of nbgrader's test files."""
    return FILES / name


#: student -> {file in submitted/STUDENT/ps1: one of nbgrader's test files, or its text}
SUBMISSIONS = {
    "foo": {"p1.ipynb": nbg("submitted-unchanged.ipynb"), "timestamp.txt": hours_late(0)},
    "bar": {"p1.ipynb": nbg("submitted-changed.ipynb"), "timestamp.txt": hours_late(1)},
    "late4": {"p1.ipynb": nbg("submitted-unchanged.ipynb"), "timestamp.txt": hours_late(4)},
    "emptystamp": {"p1.ipynb": nbg("submitted-changed.ipynb"), "timestamp.txt": ""},
    "locked": {"p1.ipynb": nbg("submitted-locked-cell-changed.ipynb")},
    "gradecell": {"p1.ipynb": nbg("submitted-grade-cell-changed.ipynb")},
    "sleeper": {"p1.ipynb": nbg("submitted-changed.ipynb"), "p2.ipynb": nbg("timeout.ipynb")},
    "looper": {"p1.ipynb": nbg("submitted-changed.ipynb"), "p2.ipynb": looping()},
    "extra": {"p1.ipynb": nbg("submitted-changed.ipynb"),
              "p1 copy.ipynb": nbg("submitted-unchanged.ipynb"), "notes.txt": "my notes\n"},
    "newcomer": {"p1.ipynb": nbg("submitted-changed.ipynb")},  # not in the gradebook
    "josé": {"p1.ipynb": nbg("submitted-changed.ipynb")},      # item 3: a non-ASCII id
    "excluded": {"p1.ipynb": nbg("submitted-changed.ipynb")},  # item 2: student_id_exclude
    # item 7: what nbgrader cannot grade, each said with its cause
    "corrupt": {"p1.ipynb": "{ this is not a notebook"},
    "badtime": {"p1.ipynb": nbg("submitted-changed.ipynb"),
                "timestamp.txt": "But I want to be a timestamp string :("},
    "wrongname": {"problem1.ipynb": nbg("submitted-changed.ipynb")},
    "empty": {},
    # item 4: a module the student handed in, and one kept theirs by exclude_overwriting
    "ownmodule": {"p1.ipynb": answered("from mine import a"), "mine.py": "a = 1\n"},
    "keeps": {"p1.ipynb": answered("from helper import a"), "helper.py": "a = 1\n"},
    # item 5: a file the notebook writes, kept in autograded/ (nbgrader's test_side_effects)
    "sider": {"p1.ipynb": answered("a = 1\nwith open('side-effect.txt', 'w') as fh:\n"
                                   "    fh.write('a side effect')")},
}
IN_GRADEBOOK = [s for s in SUBMISSIONS if s != "newcomer"]


def plain_course(root: Path) -> Path:
    """A plain nbgrader course: nbgrader's test notebooks as the source of ps1 (p1 graded
    and written cells, p2 a cell that sleeps longer than the cell time limit), a data file,
    a late-penalty plugin beside the configuration, released by nbgrader."""
    root.mkdir()
    (root / "nbgrader_config.py").write_text(CONFIG)
    (root / "late_plugin.py").write_text(LATE_PLUGIN)
    source = root / "source" / A
    source.mkdir(parents=True)
    shutil.copy(FILES / "submitted-unchanged.ipynb", source / "p1.ipynb")
    shutil.copy(FILES / "timeout.ipynb", source / "p2.ipynb")
    shutil.copy(FILES / "data.txt", source / "data.txt")
    (source / "helper.py").write_text("a = 0\n")  # the students' copy is kept (exclude_overwriting)
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        gb.update_or_create_assignment(A, duedate=parse_utc(DUE))
        for student in IN_GRADEBOOK:
            gb.update_or_create_student(student)
    run(["nbgrader", "generate_assignment", A], cwd=root)
    for student, files in SUBMISSIONS.items():
        folder = root / "submitted" / student / A
        folder.mkdir(parents=True)
        for name, what in files.items():
            if isinstance(what, Path):
                shutil.copy(what, folder / name)
            else:
                (folder / name).write_text(what)
    return root


def copies(base: Path):
    """Identical copies, private to their owner, one per tool."""
    made = []
    for name in ("nbgrader", "ipt"):
        shutil.copytree(base, base.parent / name)
        (base.parent / name).chmod(0o700)
        made.append(base.parent / name)
    return made


def situation(course: Path) -> dict:
    """Per student: the gradebook's rows for ps1 and the listing of autograded/STUDENT/ps1
    (ipt-course's completion marker, autograded/STUDENT/.ps1.graded, sits outside it)."""
    out = {s: {"gradebook": None, "autograded": None} for s in SUBMISSIONS}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in gb.students:
            out.setdefault(student.id, {"gradebook": None, "autograded": None})
            out[student.id]["in gradebook"] = True
        for sub in gb.find_assignment(A).submissions:
            rows = {"timestamp": str(sub.timestamp), "seconds late": sub.total_seconds_late}
            for nb in sub.notebooks:
                rows[nb.name] = {
                    "late penalty": nb.late_submission_penalty,
                    "grades": {g.name: (g.auto_score, g.manual_score, g.needs_manual_grade)
                               for g in nb.grades},
                    "comments": {c.name: (c.auto_comment, c.manual_comment) for c in nb.comments},
                }
            out[sub.student.id]["gradebook"] = rows
    for student in out:
        folder = course / "autograded" / student / A
        if folder.is_dir():
            out[student]["autograded"] = sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))
    return out


def differences(ours: dict, theirs: dict) -> list[str]:
    return [f"{s}:\n  ipt-course: {ours.get(s)}\n  nbgrader:   {theirs.get(s)}"
            for s in sorted(set(ours) | set(theirs)) if ours.get(s) != theirs.get(s)]


def both(tmp_path, *extra):
    """Run both tools with the same arguments; ipt-course's run is returned."""
    run(["nbgrader", "autograde", A, *extra], cwd=tmp_path / "nbgrader", check=False)
    return run(["ipt-course", "grade", A, "--workers", "2", *extra], cwd=tmp_path / "ipt",
               check=False, timeout=900)


def test_grade_matches_nbgrader_autograde_in_every_situation(tmp_path):
    plain_course(tmp_path / "base")
    nbgrader_course, ipt_course = copies(tmp_path / "base")

    proc = both(tmp_path)
    out = proc.stdout + proc.stderr
    assert differences(situation(ipt_course), situation(nbgrader_course)) == []
    theirs = situation(nbgrader_course)
    assert theirs["bar"]["gradebook"]["p1"]["late penalty"] == 1, "the plugin's penalty"
    assert theirs["josé"]["gradebook"] is not None and theirs["excluded"]["gradebook"] is None

    # every submission that cannot be graded is named with its cause, the rest is graded
    assert proc.returncode == 1
    assert "Please see" not in out and "Traceback" not in out
    assert "FAILED corrupt / *: p1.ipynb: NotJSONError: Notebook does not appear to be JSON" in out
    assert ("FAILED badtime / p1: submitted/badtime/ps1/timestamp.txt is not a time nbgrader can "
            "read ('But I want to be a timestamp string :('): correct it") in out
    assert ("FAILED wrongname / *: submitted/wrongname/ps1 holds no notebook of ps1 (found "
            "problem1.ipynb; expected p1.ipynb, p2.ipynb): rename the student's notebook") in out
    assert sorted(line.split(" / ")[0] for line in proc.stdout.splitlines()
                  if line.startswith("FAILED")) == ["FAILED badtime", "FAILED corrupt",
                                                    "FAILED wrongname"]
    assert "excluded excluded: c.CourseDirectory.student_id_exclude lists them" in out
    assert "nothing to grade for empty: submitted/empty/ps1 holds no notebook" in out
    assert "IGNORED" not in out, "josé is a student id like any other"

    for student in ("ownmodule", "keeps", "sider"):
        assert theirs[student]["gradebook"]["p1"]["grades"]["bar"][0] == 1, student
    assert "side-effect.txt" in theirs["sider"]["autograded"]

    # a rerun grades nothing again
    both(tmp_path)
    assert differences(situation(ipt_course), situation(nbgrader_course)) == []
    # a submission handed in again, later, is graded again (nbgrader's test_update_newer)
    for course in (nbgrader_course, ipt_course):
        shutil.copy(FILES / "submitted-changed.ipynb", course / "submitted" / "foo" / A / "p1.ipynb")
        (course / "submitted" / "foo" / A / "timestamp.txt").write_text(hours_late(2))
    proc = both(tmp_path)
    assert "graded foo again: handed in again since it was graded" in proc.stdout
    assert differences(situation(ipt_course), situation(nbgrader_course)) == []
    assert situation(nbgrader_course)["foo"]["gradebook"]["seconds late"] == 7200

    # a forced rerun of one student, now on time, drops the penalty
    for course in (nbgrader_course, ipt_course):
        (course / "submitted" / "bar" / A / "timestamp.txt").write_text(hours_late(0))
    proc = both(tmp_path, "--force", "--student", "bar")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert differences(situation(ipt_course), situation(nbgrader_course)) == []
    assert situation(nbgrader_course)["bar"]["gradebook"]["p1"]["late penalty"] is None
