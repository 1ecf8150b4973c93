"""Grading speed: `ipt-course grade` against plain sequential `nbgrader autograde`, one run.

Makes a synthetic class (reproducible seed): N submissions of one assignment whose forms are
each answered right, partly right (the assignment's fixture) or left blank at random. Grades
two identical copies of the course, one with each tool, checks that the gradebooks agree,
and prints seconds per notebook, the time of a rerun with nothing new (each tool again on
its graded copy) and the speed-up. Last line: `speedup: <ratio>`.

    python benchmarks/grading.py [--students 40] [--assignment ps1-problem-areas] [--seed 7]
"""

import argparse
import compileall
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from submissions import key_answers, partial_case, with_answers  # noqa: E402

os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"


def sh(*args, cwd):
    proc = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        sys.exit(f"{args[0]} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def synthetic_class(course: Path, assignment: str, students: int, seed: int) -> None:
    sh("nbgrader", "generate_assignment", assignment, "--force", cwd=course)
    src = next((course / "source" / assignment).glob("*.ipynb"))
    release = nbformat.read(course / "release" / assignment / src.name, as_version=4)
    key = key_answers(nbformat.read(src, as_version=4))
    partial = partial_case(assignment)["answers"]
    rng = random.Random(seed)
    for i in range(students):
        answers = {}
        for form_id in key:
            kind = rng.choice(["right", "right", "partial", "blank"])
            if kind == "right":
                answers[form_id] = key[form_id]
            elif kind == "partial" and form_id in partial:
                answers[form_id] = partial[form_id]
        target = course / "submitted" / f"student{i:03d}" / assignment / src.name
        target.parent.mkdir(parents=True)
        nbformat.write(with_answers(release, answers), target)


def gradebook(course: Path, assignment: str) -> dict:
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {(s.student.id, nb.name, g.name): g.auto_score
                for s in gb.find_assignment(assignment).submissions
                for nb in s.notebooks for g in nb.grades}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--assignment", default="ps1-problem-areas")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, help="as ipt-course grade (default: one per core)")
    parser.add_argument("--threads", type=int, help="as ipt-course grade (default: its default)")
    args = parser.parse_args()
    # as an installed package is (pip compiles it): a checkout run with PYTHONDONTWRITEBYTECODE
    # would otherwise compile ipt_helpers again in every process of the run
    compileall.compile_dir(str(ROOT / "ipt_helpers"), quiet=1)

    work = Path(tempfile.mkdtemp(prefix="ipt-bench-"))
    os.chmod(work, 0o700)
    try:
        base = work / "base"
        base.mkdir()
        shutil.copy(ROOT / "exercises" / "nbgrader_config.py", base)
        shutil.copytree(ROOT / "exercises" / "source", base / "source")
        print(f"synthetic class: {args.students} submissions of {args.assignment}, seed {args.seed}")
        synthetic_class(base, args.assignment, args.students, args.seed)
        plain, ours = work / "plain", work / "ours"
        shutil.copytree(base, plain)
        shutil.copytree(base, ours)

        t0 = time.monotonic()
        sh("nbgrader", "autograde", args.assignment, cwd=plain)
        t_plain = time.monotonic() - t0
        print(f"nbgrader autograde:  {t_plain:7.1f} s  ({t_plain / args.students:.2f} s per notebook)")

        t0 = time.monotonic()
        options = [*(["--workers", args.workers] if args.workers else []),
                   *(["--threads", args.threads] if args.threads else [])]
        sh("ipt-course", "grade", args.assignment, *options, cwd=ours)
        t_ours = time.monotonic() - t0
        print(f"ipt-course grade:    {t_ours:7.1f} s  ({t_ours / args.students:.2f} s per notebook; "
              f"options {' '.join(map(str, options)) or 'default'}; {os.cpu_count()} cores)")

        same = gradebook(plain, args.assignment) == gradebook(ours, args.assignment)
        print(f"grades identical: {'yes' if same else 'NO'}")
        if not same:
            sys.exit(1)

        # a rerun with nothing new, each tool on its own graded copy
        t0 = time.monotonic()
        sh("nbgrader", "autograde", args.assignment, cwd=plain)
        r_plain = time.monotonic() - t0
        t0 = time.monotonic()
        sh("ipt-course", "grade", args.assignment, *options, cwd=ours)
        r_ours = time.monotonic() - t0
        print(f"rerun, nothing new:  nbgrader autograde {r_plain:.1f} s, ipt-course grade {r_ours:.1f} s")
        print(f"speedup: {t_plain / t_ours:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
