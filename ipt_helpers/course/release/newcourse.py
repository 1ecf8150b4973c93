"""ipt-course init: a clean course folder to start a term from.

A new course is ``nbgrader_config.py`` and ``source/`` (the instructor notebooks, keys
included) and nothing else: no ``release/`` and no gradebook. A copy of a working course
(``cp -r exercises``) carries both from the last ``make book``, and ``ipt-course release``
then stops at the existing student versions ("exists; use --force").

The assignments are copied from a course folder (``--from``), by default the ``exercises/``
of the checkout this package runs from. They are not shipped in the wheel: the instructor
notebooks hold the keys, and no file of the built wheel may contain one
(tests/course/test_key_leak.py::test_wheel_holds_no_key). An installed package with no
checkout beside it therefore asks for ``--from``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ipt_helpers.course.folder import Course, CourseError

#: left behind with everything but nbgrader_config.py and source/ (release/, submitted/, ...)
LITTER = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc", ".DS_Store")


def checkout_course() -> Path | None:
    """The checkout's course folder (``exercises/`` beside the package), if this package runs
    from a checkout; None when it is installed (site-packages has no exercises/)."""
    here = Path(__file__).resolve().parents[3] / "exercises"
    return here if (here / "nbgrader_config.py").is_file() else None


def init_course(target: str | os.PathLike, origin: str | os.PathLike | None = None) -> int:
    """Make the course folder ``target`` from the course ``origin`` (default: the checkout's
    exercises/): its nbgrader_config.py and source/ only. ``target`` must not exist or be an
    empty folder: nothing is ever overwritten."""
    if origin is None:
        found = checkout_course()
        if found is None:
            raise CourseError(
                "no course to copy the assignments from: this ipt-course is installed without "
                "them (the instructor notebooks hold the keys, so the package does not ship "
                "them). Give a course folder: ipt-course init DIR --from PATH/TO/exercises "
                "(the exercises/ folder of the curriculum's repository)")
        origin = found
    origin = Path(origin).resolve()
    if not (origin / "nbgrader_config.py").is_file():
        raise CourseError(f"--from {origin}: not an nbgrader course folder (no "
                          "nbgrader_config.py)")
    names = Course(origin).assignments()
    if not names:
        raise CourseError(f"--from {origin}: source/ holds no assignment (a folder of "
                          "instructor notebooks); nothing to copy")
    target = Path(target).resolve()
    if target == origin or origin in target.parents:
        raise CourseError(f"{target} is inside the course {origin}: choose a folder outside it")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise CourseError(f"{target} exists and is not an empty folder; nothing written "
                          "(choose a new folder)")
    if not target.parent.is_dir():
        raise CourseError(f"{target.parent} does not exist")
    work = target.parent / f".{target.name}.part-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    try:
        work.mkdir()
        shutil.copy2(origin / "nbgrader_config.py", work / "nbgrader_config.py")
        shutil.copytree(origin / "source", work / "source", ignore=LITTER)
        os.replace(work, target)  # whole, or not at all (an empty target folder is replaced)
    except OSError as err:
        shutil.rmtree(work, ignore_errors=True)
        raise CourseError(f"cannot make {target}: {err}") from None
    print(f"course made in {target}: nbgrader_config.py and source/ with {len(names)} "
          f"assignment(s) ({', '.join(names)}), from {origin}; no release/ and no gradebook yet")
    print(f"next: cd {target}; ipt-course roster import FILE --from canvas|moodle|csv; "
          "ipt-course release ASSIGNMENT")
    return 0
