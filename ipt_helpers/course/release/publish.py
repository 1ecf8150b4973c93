"""Releasing assignments: item definitions checked, student versions made, one zip each.

``check_assignments`` is ``ipt-course check``; ``release`` is ``ipt-course release``, which runs
the same check first and releases nothing while a definition has a problem.
"""

from __future__ import annotations

import sys
import zipfile

from ipt_helpers.course.folder import Course, CourseError


def problems(course: Course, assignments: list[str]) -> list[str]:
    """Every problem in the item definitions of ``assignments``, in words."""
    from ipt_helpers.course.release.check import check_assignment

    found = []
    for a in assignments:
        found += check_assignment(course.root / "source" / course.check_assignment(a))
    return found


def check_assignments(course: Course, assignments: list[str]) -> int:
    """Print each problem (exit 1) or that every item is consistent (exit 0)."""
    assignments = assignments or course.assignments()
    found = problems(course, assignments)
    for line in found:
        print(line, file=sys.stderr)
    if found:
        print(f"ipt-course check: {len(found)} problem(s); fix them in the source notebooks",
              file=sys.stderr)
        return 1
    print(f"checked {', '.join(assignments)}: every item is consistent")
    return 0


def release(course: Course, assignments: list[str], force: bool = False) -> int:
    """Student versions of ``assignments`` (default: all) in release/, and a zip of each for
    an LMS; an existing release is replaced only with ``force``."""
    from nbgrader.converters import GenerateAssignment

    assignments = assignments or course.assignments()
    found = problems(course, assignments)
    if found:
        for line in found:
            print(line, file=sys.stderr)
        raise CourseError(f"nothing released: {len(found)} problem(s) in the item "
                          "definitions (see above; `ipt-course check` lists them)")
    for a in assignments:
        out = course.root / "release" / a
        if out.exists() and not force:
            raise CourseError(f"{out} exists; use --force to make it again")
        converter = course.converter(GenerateAssignment, a)
        with course.inside():
            converter.start()
        archive = course.root / "release" / f"{a}.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in sorted(out.rglob("*")):
                if f.is_file():
                    zf.write(f, f"{a}/{f.relative_to(out)}")
        print(f"released {a}: {out} and {archive}")
    protect_keys(course)
    return 0


def protect_keys(course: Course) -> list[str]:
    """Keep the keys from every other user of the machine: the course folder itself (what
    students submitted is there too), the instructor's notebooks (``source/``), the gradebook
    (it holds every hidden test) and the config (it may hold a database password) get no
    permissions for group and others. On a shared JupyterHub, students are other users, and
    a home folder is often readable by all (Debian's 0755); grading refuses to run student
    code while the folder is open. Says what it changed; returns those paths."""
    import stat

    changed = []
    targets = [course.root, course.root / "source", course.root / "nbgrader_config.py"]
    if course.gradebook_file:
        targets.append(course.gradebook_file)
    for path in targets:
        if not path.exists():
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            path.chmod(mode & ~0o077)
            changed.append(str(path))
    if changed:
        print(f"kept the keys from other users: chmod go-rwx {' '.join(changed)}")
    return changed
