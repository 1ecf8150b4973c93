"""ipt-course grade: parallel, isolated, and graded exactly as sequential nbgrader autograde."""

import contextlib
import os
import shutil
import subprocess
import sys
import time

import nbformat
import pytest
from nbgrader.api import Gradebook

from conftest import make_submissions, run
from browser import free_port
from ipt_helpers.course.grading.sandbox import sandbox_python

ASSIGNMENT = "ps1-problem-areas"
pytestmark = pytest.mark.slow

SNOOP = """import os
course = os.path.realpath('{course}')
for top in ('../../..', course):  # where plain nbgrader puts the course; its real path
    hits, seen = [], 0
    for folder, dirs, files in os.walk(top):
        seen += 1
        paths = [os.path.abspath(os.path.join(folder, f)) for f in files]
        hits += [p for p in paths if p.startswith(course + os.sep) and p.endswith(('.ipynb', '.db'))]
        if seen > 5000:
            break
    # keys, other students' work, the gradebook: near the notebook, then by absolute path
    print('NEARBY' if top == '../../..' else 'FOUND', len(hits))
for target in ('../../../gradebook.db', '{course}/gradebook.db', '{course}/planted.txt'):
    try:
        with open(target, 'a') as fh:
            fh.write('x')
        print('WROTE', target)
    except OSError as err:
        print('REFUSED', type(err).__name__)
"""
HOSTILE = {
    "looper": ("perfect", "while True:\n    pass"),
    "crasher": ("perfect", "import os\nos._exit(1)"),
    "flooder": ("partial", "for i in range(200000):\n    print('spam', i)"),
}


def scores(course):
    out = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for sub in gb.find_assignment(ASSIGNMENT).submissions:
            for nb in sub.notebooks:
                for g in nb.grades:
                    out[(sub.student.id, nb.name, g.name)] = g.auto_score
    return out


def outputs(course, student, nb_name):
    path = course / "autograded" / student / ASSIGNMENT / f"{nb_name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    def stable(output):  # widget model ids are random in any two runs
        output = {k: v for k, v in output.items() if k != "execution_count"}
        data = dict(output.get("data", {}))
        data.pop("application/vnd.jupyter.widget-view+json", None)
        return {**output, "data": data} if "data" in output else output

    def merged(outs):  # how a kernel splits printed text into messages depends on timing
        result = []
        for o in outs:
            if result and o.get("output_type") == "stream" and result[-1].get("output_type") == "stream" \
                    and result[-1]["name"] == o["name"]:
                result[-1] = {**result[-1], "text": result[-1]["text"] + o["text"]}
            else:
                result.append(o)
        return result

    return [merged([stable(o) for o in c.get("outputs", [])]) for c in nb.cells]


def course_copy(course, name, timeout=8):
    other = course.parent / name
    shutil.copytree(course, other)
    with open(other / "nbgrader_config.py", "a") as fh:
        fh.write(f"\nc.ExecutePreprocessor.timeout = {timeout}\n")
    other.chmod(0o700)
    return other


def ipt_course(*args, cwd, check=True):
    return run(["ipt-course", *args], cwd=cwd, check=check, timeout=900)


def test_grades_identical_to_sequential_nbgrader_autograde(course):
    nb_name = make_submissions(course, ASSIGNMENT, ["perfect", "blank", "partial"], HOSTILE)
    tampered = nbformat.read(course / "submitted" / "perfect" / ASSIGNMENT / f"{nb_name}.ipynb", 4)
    tampered.cells.append(nbformat.v4.new_code_cell("print('full marks')", metadata={
        "nbgrader": {"grade": True, "solution": False, "locked": False, "schema_version": 3}}))
    target = course / "submitted" / "tamperer" / ASSIGNMENT / f"{nb_name}.ipynb"
    target.parent.mkdir(parents=True)
    nbformat.write(tampered, target)
    sequential = course_copy(course, "sequential")
    parallel = course_copy(course, "parallel")
    run(["nbgrader", "autograde", ASSIGNMENT], cwd=sequential, check=False)
    result = ipt_course("grade", ASSIGNMENT, "--workers", "2", "--timeout", "60",
                        cwd=parallel, check=False)
    assert result.returncode == 1, "the crashed notebook is reported"
    assert "FAILED crasher" in result.stdout
    assert "FAILED tamperer" in result.stdout, "invalid nbgrader metadata is refused"
    assert "[1/7] " in result.stderr and "[7/7] #################### 100%" in result.stderr, \
        "progress, counted"
    assert scores(parallel) == scores(sequential)
    for noise in ("SAWarning", "without encryption", "Debugger warning", "8787", "Traceback"):
        assert noise not in result.stdout + result.stderr, f"known-harmless noise: {noise}"
    graded = {s: sum(v or 0 for (st, _, _), v in scores(parallel).items() if st == s)
              for s in ("perfect", "blank", "partial", "looper", "flooder")}
    assert graded["blank"] == 0 and graded["perfect"] == graded["looper"] > graded["partial"] > 0
    for student in ("perfect", "blank", "partial"):
        assert outputs(parallel, student, nb_name) == outputs(sequential, student, nb_name)
    # a flood's text is cut per output message, and how a kernel splits printed text into
    # messages depends on timing (two sequential runs differ too): compare the graded cells
    # and check the flood was cut
    flood = outputs(parallel, "flooder", nb_name)
    assert flood[:-1] == outputs(sequential, "flooder", nb_name)[:-1]
    assert sum(len(o.get("text", "")) for o in flood[-1]) < 200000 * len("spam 100000\n")


def test_student_code_cannot_reach_keys_or_gradebook(course):
    course.chmod(0o700)
    contrast = course_copy(course, "plain")
    for root in (course, contrast):  # each snoops on its own real path
        make_submissions(root, ASSIGNMENT, ["perfect"],
                         {"snoop": ("perfect", SNOOP.replace("{course}", str(root)))})
    run(["nbgrader", "autograde", ASSIGNMENT, "--student", "snoop"], cwd=contrast)
    assert (contrast / "planted.txt").exists(), "plain nbgrader: student code writes in the course"
    before = {p: p.stat().st_mtime_ns for p in course.rglob("*") if p.is_file()}
    result = ipt_course("grade", ASSIGNMENT, cwd=course)
    cores = os.cpu_count()
    assert f"workers: {cores}, executing {3 * cores} notebooks at a time" in result.stdout, \
        "by default one worker per core, each running --threads (3) notebooks"
    nb_name = next((course / "source" / ASSIGNMENT).glob("*.ipynb")).stem

    def snoop_output(root):
        nb = nbformat.read(root / "autograded" / "snoop" / ASSIGNMENT / f"{nb_name}.ipynb", 4)
        return "".join(o.get("text", "") for o in nb.cells[-1].outputs)

    plain = snoop_output(contrast)
    assert "NEARBY 0" not in plain and "FOUND 0" not in plain, \
        "plain nbgrader lets student code find the keys (the hazard)"
    ours = snoop_output(course)
    isolated_users = sandbox_python()[0] is not None
    if os.environ.get("CI"):
        assert isolated_users, "CI runs as root with .venv-kernel: kernels must be sandboxed"
    assert "NEARBY 0" in ours, "the notebook runs in a private folder, away from the course"
    if isolated_users:
        assert "FOUND 0" in ours and "WROTE" not in ours and ours.count("REFUSED") == 3, ours
        assert "each kernel runs as its own unprivileged user" in result.stdout
        assert not (course / "planted.txt").exists()
    else:  # kernels run as the grader's own user: only the private folder keeps them apart
        assert os.geteuid() != 0, "as root, grade refuses without a sandbox Python"
    after = {p: p.stat().st_mtime_ns for p in before}
    changed = [p for p in before if after[p] != before[p] and p.name != "gradebook.db"]
    assert not changed, f"grading changed {changed}"
    assert "graded 2 notebook(s)" in result.stdout


def test_grade_on_a_separately_started_dask_cluster(course, tmp_path):
    make_submissions(course, ASSIGNMENT, ["perfect", "blank"])
    port = free_port()
    env = dict(os.environ)
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler",
                                  "--host", "127.0.0.1", "--port", str(port),
                                  "--dashboard-address", ":0"], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker",
                               f"tcp://127.0.0.1:{port}", "--nthreads", "2", "--no-dashboard"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(3)
        result = ipt_course("grade", ASSIGNMENT, "--scheduler", f"tcp://127.0.0.1:{port}", cwd=course)
        assert "graded 2 notebook(s)" in result.stdout
        got = scores(course)
        assert sum(v for (s, _, _), v in got.items() if s == "blank") == 0
        assert sum(v for (s, _, _), v in got.items() if s == "perfect") > 0
    finally:
        for proc in (worker, scheduler):
            proc.terminate()
            proc.wait(timeout=30)


COURSE_STEP = """from nbgrader.preprocessors import NbGraderPreprocessor


class Mark(NbGraderPreprocessor):
    \"\"\"The course's own sanitising step: it marks the notebook it ran on.\"\"\"

    def preprocess(self, nb, resources):
        nb.metadata["course_step"] = "ran on " + resources["nbgrader"]["student"]
        return nb, resources
"""


def test_a_course_preprocessor_runs_on_a_remote_cluster(course, tmp_path):
    """A sanitising step in the course folder, named in nbgrader_config.py, runs on workers
    that cannot see the course folder (another machine's, here another folder's)."""
    from nbgrader.converters import Autograde

    make_submissions(course, ASSIGNMENT, ["perfect", "blank"])
    (course / "course_steps.py").write_text(COURSE_STEP)
    steps = [f"{c.__module__}.{c.__name__}"
             for c in Autograde.class_traits()["sanitize_preprocessors"].default()]
    with open(course / "nbgrader_config.py", "a") as fh:
        fh.write(f"\nc.Autograde.sanitize_preprocessors = {steps + ['course_steps.Mark']!r}\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    port = free_port()
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler",
                                  "--host", "127.0.0.1", "--port", str(port),
                                  "--dashboard-address", ":0"], cwd=elsewhere,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker",
                               f"tcp://127.0.0.1:{port}", "--nthreads", "2", "--no-dashboard"],
                              cwd=elsewhere, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(3)
        result = ipt_course("grade", ASSIGNMENT, "--scheduler", f"tcp://127.0.0.1:{port}",
                            cwd=course, check=False)
        assert result.returncode == 0 and "graded 2 notebook(s)" in result.stdout, result.stdout
        for student in ("perfect", "blank"):
            nb = next((course / "autograded" / student / ASSIGNMENT).glob("*.ipynb"))
            assert nbformat.read(nb, 4).metadata.get("course_step") == f"ran on {student}"
    finally:
        for proc in (worker, scheduler):
            proc.terminate()
            proc.wait(timeout=30)


def test_already_graded_students_are_not_graded_again_without_force(course):
    make_submissions(course, ASSIGNMENT, ["perfect"])
    ipt_course("grade", ASSIGNMENT, "--workers", "1", cwd=course)
    graded = course / "autograded" / "perfect" / ASSIGNMENT
    stamp = {p: p.stat().st_mtime_ns for p in graded.rglob("*")}
    again = ipt_course("grade", ASSIGNMENT, "--workers", "1", cwd=course)
    assert "skipped perfect: already graded" in again.stdout
    assert {p: p.stat().st_mtime_ns for p in graded.rglob("*")} == stamp
    # nothing new: no worker, no cluster, no kernel is started (issue 22, item 6: a rerun
    # costs what deciding costs); watched from outside, every process the run starts
    started, proc = watch_children(["ipt-course", "grade", ASSIGNMENT], cwd=course)
    assert proc.returncode == 0 and "skipped perfect: already graded" in proc.stdout, proc.stdout
    # (the quick look at the sandbox Python's prefix, which refusing as root needs, is the
    # one process it may start; a fork not yet exec'd shows the parent's command line)
    workers = {c for c in started if "print(sys.prefix)" not in c and any(w in c for w in (
        "multiprocessing", "distributed", "dask", "kernel_forkserver", "ipykernel", "nanny"))}
    assert workers == set(), f"a rerun with nothing new started {workers}"
    # nor does it connect to a cluster it is given (nothing listens there)
    nobody = ipt_course("grade", ASSIGNMENT, "--scheduler", f"tcp://127.0.0.1:{free_port()}",
                        cwd=course)
    assert "skipped perfect: already graded" in nobody.stdout and "workers:" not in nobody.stdout


def watch_children(args, cwd):
    """Run ``args`` and note every process it starts (polled until it exits): their names."""
    import psutil

    seen = set()
    with subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as proc:
        watched = psutil.Process(proc.pid)
        while proc.poll() is None:
            try:
                seen |= {" ".join(c.cmdline()) for c in watched.children(recursive=True)}
            except psutil.Error:
                pass
            time.sleep(0.01)
        out, err = proc.communicate()
    return seen, subprocess.CompletedProcess(args, proc.returncode, out, err)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="sandboxing needs root")
def test_a_python_in_a_private_folder_is_not_used_for_sandboxed_kernels(tmp_path, monkeypatch):
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(private / "venv")], check=True)
    monkeypatch.delenv("IPT_SANDBOX_PYTHON", raising=False)
    python, _ = sandbox_python(str(private / "venv" / "bin" / "python"))
    assert python != str(private / "venv" / "bin" / "python"), "other users cannot reach that venv"


def snapshot(root):
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="the refusal is for root")
def test_grade_as_root_without_a_sandbox_python_refuses(course):
    make_submissions(course, ASSIGNMENT, ["perfect"])
    before = snapshot(course)
    env = {**os.environ, "IPT_SANDBOX_PYTHON": str(course / "no-such-python")}
    proc = subprocess.run(["ipt-course", "grade", ASSIGNMENT], cwd=course, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "not grading: this runs as root" in proc.stderr and "--no-sandbox" in proc.stderr
    assert "no-such-python (IPT_SANDBOX_PYTHON) cannot be used: it does not exist" in proc.stderr
    assert snapshot(course) == before and not (course / "autograded").exists(), "nothing written"
    assert course.stat().st_mode & 0o077, "not even the course folder's mode changed"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="kernels run as other users only when grading as root")
def test_grade_refuses_a_course_other_users_can_read_and_never_changes_its_mode(course):
    if sandbox_python()[0] is None:
        pytest.skip("no sandbox Python (make builds .venv-kernel)")
    import tempfile
    from pathlib import Path
    shared = Path(tempfile.mkdtemp(prefix="ipt-open-", dir="/tmp"))
    try:
        shared.chmod(0o755)  # as a course kept in a checkout or a shared folder
        root = shared / "course"
        shutil.copytree(course, root)
        root.chmod(0o755)
        make_submissions(root, ASSIGNMENT, ["perfect"])
        (root / "gradebook.db").chmod(0o644)
        before = snapshot(root)
        proc = ipt_course("grade", ASSIGNMENT, cwd=root, check=False)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert (f"not grading: student code runs as other users, and other users can read "
                f"{root} and {root / 'gradebook.db'}") in proc.stderr
        assert f"chmod go-rwx {root} {root / 'gradebook.db'}" in proc.stderr, "how to fix it"
        assert root.stat().st_mode & 0o777 == 0o755, "the instructor's folder keeps its mode"
        assert snapshot(root) == before and not (root / "autograded").exists()
    finally:
        shutil.rmtree(shared, ignore_errors=True)


def test_without_a_python_others_can_read_there_is_no_sandbox_python(tmp_path, monkeypatch):
    import ipt_helpers.course.grading.sandbox as sandbox
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(private / "venv")], check=True)
    monkeypatch.delenv("IPT_SANDBOX_PYTHON", raising=False)
    monkeypatch.setattr(sandbox, "needs_sandbox", lambda: True)
    monkeypatch.setattr(sandbox, "kernel_venvs", lambda: [private / "venv" / "bin" / "python"])
    monkeypatch.setattr(sandbox.sys, "executable", str(private / "venv" / "bin" / "python"))
    python, note = sandbox.sandbox_python()
    assert python is None and "`make book` builds one" in note


def test_the_sandbox_python_make_builds_is_found_without_the_environment(monkeypatch):
    import ipt_helpers.course.grading.sandbox as sandbox
    monkeypatch.delenv("IPT_SANDBOX_PYTHON", raising=False)
    built = [p for p in sandbox.kernel_venvs() if p.exists()]
    if os.geteuid() != 0 or not built:
        pytest.skip("needs root and a kernel venv built by make")
    assert sandbox.sandbox_python()[0] == str(built[0])


def test_grading_an_assignment_the_gradebook_does_not_know(course):
    make_submissions(course, ASSIGNMENT, ["perfect"])
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.remove_assignment(ASSIGNMENT)  # as in a course folder where it was never released
    before = snapshot(course)
    proc = ipt_course("grade", ASSIGNMENT, cwd=course, check=False)
    assert proc.returncode == 2
    assert (f"ipt-course: {ASSIGNMENT} is not in this course's gradebook" in proc.stderr
            and "never released in this course folder" in proc.stderr
            and f"release {ASSIGNMENT}" in proc.stderr), proc.stderr
    assert "FAILED" not in proc.stdout and "traceback" not in proc.stdout + proc.stderr
    assert snapshot(course) == before


# --- crash safety: a killed run, rerun without --force, grades everyone once, completely ------


def complete_scores(course):
    """{(student, grade): auto score}, after checking every grade cell of every submission
    has a score (a written answer's is None until marked: only its row must exist)."""
    out = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        assignment = gb.find_assignment(ASSIGNMENT)
        cells = {(nb.name, c.name) for nb in assignment.notebooks for c in nb.grade_cells}
        auto = {(nb.name, c.name) for nb in assignment.notebooks for c in nb.grade_cells
                if c.cell_type == "code"}
        for sub in assignment.submissions:
            got = {(nb.name, g.name): g for nb in sub.notebooks for g in nb.grades}
            assert set(got) == cells, f"{sub.student.id}: grade rows missing"
            for key, g in got.items():
                assert key not in auto or g.auto_score is not None, f"{sub.student.id}: {key} has no score"
                out[(sub.student.id, key[1])] = g.auto_score
    return out


def descendants(pid):
    import psutil
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def grade_until(course, line_start, kill="coordinator"):
    """Start `ipt-course grade`; when a progress line starting ``line_start`` appears,
    SIGKILL the coordinator (or one Dask worker); return the run's exit code and output."""
    import signal
    proc = subprocess.Popen(["ipt-course", "grade", ASSIGNMENT, "--workers", "2", "--threads", "1"],
                            cwd=course, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed = False
    err = []
    try:
        for line in proc.stderr:
            err.append(line)
            if not killed and line.startswith(line_start):
                if kill == "coordinator":
                    family = descendants(proc.pid)
                    proc.send_signal(signal.SIGKILL)
                    proc.wait()
                    for child in family:  # what the killed coordinator leaves behind
                        with contextlib.suppress(Exception):
                            child.kill()
                    return None, "".join(err)
                def forks(p):  # a kernel fork server, or a kernel forked from one
                    return "ipt_helpers.course.grading.kernel_forkserver" in " ".join(p.cmdline())
                workers = {p.parent() for p in descendants(proc.pid)
                           if forks(p) and not forks(p.parent())}
                assert workers, "a worker has a kernel fork server"
                next(iter(workers)).kill()
                killed = True
        out = proc.stdout.read()
        return proc.wait(), out + "".join(err)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.full  # a crash kill: second stage
def test_a_killed_grading_run_rerun_grades_every_submission_once_completely(course):
    students = ["perfect", "blank", "partial", "perfect2"]
    make_submissions(course, ASSIGNMENT, students[:3],
                     {"perfect2": ("perfect", "x = 1")})
    unbroken = course_copy(course, "unbroken", timeout=60)
    ipt_course("grade", ASSIGNMENT, "--workers", "2", "--threads", "1", cwd=unbroken)
    expected = complete_scores(unbroken)
    assert {s for s, _ in expected} == set(students)

    killed = course_copy(course, "killed", timeout=60)
    for point in ("[1/4]", "[1/"):  # the first notebook back, then early in the rerun
        code, out = grade_until(killed, point)
        assert code is None, f"the run ended before it could be killed:\n{out}"
    code, out = grade_until(killed, "never")
    assert code == 0, out
    assert complete_scores(killed) == expected
    again = ipt_course("grade", ASSIGNMENT, cwd=killed)
    assert all(f"skipped {s}: already graded" in again.stdout for s in students), again.stdout
    assert "graded 0 notebook(s)" in again.stdout, "nothing is graded twice"


@pytest.mark.full  # a crash kill: second stage
def test_a_worker_killed_mid_run_loses_nothing(course):
    make_submissions(course, ASSIGNMENT, ["perfect", "blank", "partial"])
    reference = course_copy(course, "reference", timeout=60)
    ipt_course("grade", ASSIGNMENT, "--workers", "2", "--threads", "1", cwd=reference)
    code, out = grade_until(course, "[1/3]", kill="worker")
    assert code == 0 and "graded 3 notebook(s)" in out, out
    assert complete_scores(course) == complete_scores(reference)


@pytest.mark.full  # two whole grading runs: second stage
@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0 or sandbox_python()[0] is None,
                    reason="kernels run as leased user ids only as root, with a sandbox Python")
def test_two_grading_runs_at_once_never_share_a_kernel_user(course):
    """Two courses graded on one machine at the same time: their kernels' user ids differ
    (they came from one per-run counter, so both runs used 200001, 200002, ...)."""
    who = "import os\nprint('UID', os.getuid())"
    nb_name = make_submissions(course, ASSIGNMENT, [], {f"s{i}": ("blank", who) for i in range(4)})
    roots = [course_copy(course, "run-a", timeout=60), course_copy(course, "run-b", timeout=60)]
    runs = [subprocess.Popen(["ipt-course", "grade", ASSIGNMENT, "--workers", "1", "--threads", "2"],
                             cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for root in roots]
    for proc in runs:
        out, err = proc.communicate(timeout=900)
        assert proc.returncode == 0, out + err

    def uids(root):
        found = []
        for i in range(4):
            nb = nbformat.read(root / "autograded" / f"s{i}" / ASSIGNMENT / f"{nb_name}.ipynb", 4)
            text = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
            found.append(int(text.split("UID", 1)[1].split()[0]))
        return found

    first, second = uids(roots[0]), uids(roots[1])
    assert all(u >= 200_000 for u in first + second), "each kernel as an unprivileged user"
    assert not set(first) & set(second), (first, second)


def test_grading_as_an_ordinary_user_refuses_unless_told(course, monkeypatch):
    """A non-root instructor on a hub: kernels would run as the instructor and could read the
    keys and the gradebook, so grade refuses and says how to grade safely (issue 23)."""
    import ipt_helpers.course.grading.sandbox as sandbox

    make_submissions(course, ASSIGNMENT, ["perfect"])
    monkeypatch.setattr(sandbox, "needs_sandbox", lambda: False)  # as if not root
    refused = run(["ipt-course", "grade", ASSIGNMENT], cwd=course, check=False)
    assert refused.returncode == 2
    assert "not grading: this does not run as root" in refused.stderr
    assert "sudo ipt-course grade" in refused.stderr and "--no-sandbox" in refused.stderr
    assert not (course / "autograded").exists(), "nothing graded, nothing written"
