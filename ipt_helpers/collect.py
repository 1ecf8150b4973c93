"""ipt-course collect: file a zip of submissions downloaded from an LMS into submitted/.

Follows the conventions of ``nbgrader zip_collect``: each file name is read by nbgrader's
``FileNameCollectorPlugin`` with a named regular expression that gives the ``student_id``,
the ``file_id`` (the notebook) and optionally the ``timestamp``; the notebooks are filed as
``submitted/<student_id>/<assignment>/<notebook>.ipynb`` with a ``timestamp.txt`` beside them
when the name carries a time; a zip inside the zip is read as a folder named after it (as
nbgrader's ``ExtractorPlugin`` extracts it). Two layouts are understood:

- LMS file names, nbgrader's documented pattern
  ``[<prefix>_]<student>_attempt_<YYYY-MM-DD-HH-MM-SS>_<notebook>.ipynb``, e.g.
  ``alice_attempt_2026-01-01-10-00-00_problem-areas.ipynb`` (set
  ``c.FileNameCollectorPlugin.named_regexp`` in nbgrader_config.py for another LMS; it is
  applied to the path inside the zip);
- a folder per student: ``alice/problem-areas.ipynb`` (also ``<any folder>/alice/...`` and
  ``alice/<assignment>/...``).

Unlike ``nbgrader zip_collect`` nothing is extracted to disk first, nothing is ever deleted,
an existing submission is replaced only with ``force`` (file by file, never cleared), and
every file that cannot be filed is named with the reason.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

from .course import Course, CourseError

# nbgrader's documented example named_regexp (FileNameCollectorPlugin help), with the notebook
# name widened to allow hyphens, the student id ending at the first "_attempt_" (ids may
# contain "_"), and an optional "<assignment>_" prefix. ``{assignment}`` is filled in.
NAMED_REGEXP = (r"^(?:.*/)?(?:{assignment}_)?(?P<student_id>[^/]+?)_attempt_"
                r"(?P<timestamp>[0-9][0-9\-]*)_(?P<file_id>[^/]+)$")
NBGRADER_TIME = re.compile(r"^(\d{4}-\d\d-\d\d)-(\d\d)-(\d\d)-(\d\d)$")
JUNK = re.compile(r"(^|/)(__MACOSX|\.ipynb_checkpoints)(/|$)|(^|/)(\.DS_Store|Thumbs\.db|desktop\.ini)$")
MAX_BYTES = 64 * 1024 * 1024   # one notebook; larger members are refused, not read
MAX_DEPTH = 2                  # zips inside zips


@dataclass
class Found:
    """One notebook read from the zip and assigned to a student."""

    member: str
    student: str
    notebook: str
    data: bytes
    timestamp: datetime | None = None


@dataclass
class Outcome:
    filed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _quiet_logger() -> logging.Logger:
    """nbgrader's plugin warns on every unmatched name; we report those ourselves."""
    log = logging.getLogger("ipt_helpers.collect.nbgrader")
    log.setLevel(logging.ERROR)
    return log


def _collector(course: Course, assignment: str):
    from nbgrader.plugins import FileNameCollectorPlugin

    plugin = FileNameCollectorPlugin(config=course.config())
    plugin.log = _quiet_logger()
    if not plugin.named_regexp:  # nbgrader's default is empty: the instructor must supply one
        plugin.named_regexp = NAMED_REGEXP.format(assignment=re.escape(assignment))
    return plugin


def _members(archive: zipfile.ZipFile, prefix: str, depth: int, out: Outcome):
    """(path inside the zip, ZipInfo, the ZipFile it is in) for each file, nested zips opened."""
    for info in archive.infolist():
        if info.is_dir():
            continue
        name = prefix + info.filename.replace("\\", "/")  # zips made on Windows
        if JUNK.search(name):
            continue
        if name.lower().endswith(".zip") and depth < MAX_DEPTH:
            if info.file_size > 8 * MAX_BYTES:
                out.problems.append(f"{name}: a zip inside the zip too large to open "
                                    f"({info.file_size // 2**20} MiB)")
                continue
            try:
                inner = zipfile.ZipFile(io.BytesIO(archive.read(info)))
            except (zipfile.BadZipFile, OSError, RuntimeError) as err:
                out.problems.append(f"{name}: not a readable zip file ({err})")
                continue
            with inner:
                # as nbgrader's ExtractorPlugin: a zip's content goes in a folder named after it
                yield from _members(inner, name[:-4] + "/", depth + 1, out)
            continue
        yield name, info, archive


def _parse_time(text: str | None) -> datetime | None:
    """An LMS time as nbgrader reads it. nbgrader's own example format (2016-01-30-15-00-00)
    would be misread by its parse_utc (the last fields look like a UTC offset), so it is
    rewritten to 2016-01-30 15:00:00 first."""
    from nbgrader.utils import parse_utc

    if not text:
        return None
    m = NBGRADER_TIME.match(text)
    if m:
        text = f"{m.group(1)} {m.group(2)}:{m.group(3)}:{m.group(4)}"
    return parse_utc(text)


def _who(name: str, plugin, assignment: str, notebooks: list[str]):
    """(student id, notebook name, timestamp text) for a path inside the zip, or a reason
    (str) why it cannot be filed."""
    path = PurePosixPath(name)
    info = plugin.collect(name)
    if info:
        for key in ("student_id", "file_id"):
            if not isinstance(info.get(key), str) or not info[key]:
                return (f"the file-name pattern gave no {key} (check "
                        "c.FileNameCollectorPlugin.named_regexp in nbgrader_config.py)")
        notebook = os.path.splitext(PurePosixPath(info["file_id"]).name)[0]
        return info["student_id"], notebook, info.get("timestamp")
    if path.suffix not in plugin.valid_ext:
        return f"not a notebook (only {', '.join(plugin.valid_ext)} files are collected)"
    folders = [p for p in path.parent.parts if p not in (assignment, "submitted")]
    if folders:  # a folder per student; the notebook name is checked by the caller
        return folders[-1], path.stem, None
    if path.stem in notebooks:
        return ("cannot tell which student it belongs to: put it in a folder named after the "
                "student (alice/" + path.name + ") or name it like "
                f"alice_attempt_2026-01-31-09-00-00_{path.name}")
    return ("does not match a student: expected <student>_attempt_<YYYY-MM-DD-HH-MM-SS>_"
            "<notebook>.ipynb or <student>/<notebook>.ipynb")


def _check_notebook(data: bytes) -> str | None:
    """None if ``data`` is a valid Jupyter notebook, else the reason it is not."""
    import nbformat

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "not a valid notebook: the file is not UTF-8 text (damaged or not a notebook)"
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except nbformat.reader.NotJSONError:
        return "not a valid notebook: the file is not JSON (damaged or not a notebook)"
    except Exception as err:  # ValidationError, or nbformat tripping over odd JSON
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        return f"not a valid notebook: the JSON is not in Jupyter's notebook format ({first[:160]})"
    return None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` through a temporary file in the same folder, then rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def read_zip(course: Course, assignment: str, zip_path: Path) -> tuple[list[Found], Outcome]:
    """The notebooks in ``zip_path`` assigned to students, and what could not be assigned."""
    course.check_assignment(assignment)
    zip_path = Path(zip_path)
    if not zip_path.is_file():
        raise CourseError(f"zip file {zip_path} does not exist")
    if not zipfile.is_zipfile(zip_path):
        raise CourseError(f"{zip_path} is not a zip file (download the submissions from the LMS "
                          "as one .zip)")
    notebooks = course.notebooks(assignment)
    if not notebooks:
        raise CourseError(f"source/{assignment} has no notebooks: nothing to collect")
    plugin = _collector(course, assignment)
    out = Outcome()
    found: list[Found] = []
    seen_any = False
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as err:
        raise CourseError(f"{zip_path} cannot be read as a zip file: {err}") from None
    with archive:
        for name, info, holder in _members(archive, "", 0, out):
            seen_any = True
            who = _who(name, plugin, assignment, notebooks)
            if isinstance(who, str):
                out.problems.append(f"{name}: {who}")
                continue
            student, notebook, stamp = who
            try:
                Course.check_student_id(student)
            except CourseError as err:
                out.problems.append(f"{name}: skipped, {err}")
                continue
            if notebook not in notebooks:
                out.problems.append(f"{name}: {notebook!r} is not a notebook of {assignment} "
                                    f"(expected: {', '.join(n + '.ipynb' for n in notebooks)})")
                continue
            if info.file_size > MAX_BYTES:
                out.problems.append(f"{name}: too large for a notebook "
                                    f"({info.file_size // 2**20} MiB); not read")
                continue
            try:
                data = holder.read(info)
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as err:
                out.problems.append(f"{name}: cannot be read from the zip ({err})")
                continue
            bad = _check_notebook(data)
            if bad:
                out.problems.append(f"{name}: {bad}")
                continue
            when = None
            if stamp:
                try:
                    when = _parse_time(stamp)
                except (ValueError, OverflowError):
                    out.notes.append(f"{name}: the time {stamp!r} in its name cannot be read; "
                                     "filed without timestamp.txt")
            found.append(Found(name, student, notebook, data, when))
    if not seen_any:
        raise CourseError(f"{zip_path} is empty: no files to collect")
    return found, out


def _one_per_notebook(found: list[Found], out: Outcome) -> list[Found]:
    """Keep one file per (student, notebook): the latest when both carry a time (as nbgrader
    does); when they cannot be compared, neither is filed."""
    groups: dict[tuple[str, str], list[Found]] = {}
    for f in found:
        groups.setdefault((f.student, f.notebook), []).append(f)
    keep = []
    for (student, notebook), items in groups.items():
        if len(items) == 1:
            keep.append(items[0])
        elif all(f.timestamp for f in items):
            items.sort(key=lambda f: f.timestamp)
            keep.append(items[-1])
            older = ", ".join(f.member for f in items[:-1])
            out.notes.append(f"{student} / {notebook}: {len(items)} attempts; filed the latest "
                             f"({items[-1].member}), not {older}")
        else:
            names = ", ".join(f.member for f in items)
            out.problems.append(f"{student} / {notebook}: {len(items)} files ({names}) and no "
                                "times to tell which is the latest; none filed")
    return keep


def collect(course: Course, assignment: str, zip_path: Path, force: bool = False) -> int:
    """File the submissions in ``zip_path`` into ``submitted/``; 0 if every file was filed
    (or skipped because it exists), 1 if some files were not usable. Raises CourseError when
    the zip is missing, unreadable or holds no submission of ``assignment`` at all."""
    found, out = read_zip(course, assignment, zip_path)
    for note in out.problems:
        print(f"NOT COLLECTED {note}")
    if not found:
        raise CourseError(
            f"no submissions of {assignment} found in {zip_path}: expected files named like "
            f"alice_attempt_2026-01-31-09-00-00_{course.notebooks(assignment)[0]}.ipynb or a "
            f"folder per student (alice/{course.notebooks(assignment)[0]}.ipynb)")
    before = len(out.problems)
    found = _one_per_notebook(found, out)
    for note in out.problems[before:]:
        print(f"NOT COLLECTED {note}")

    by_student: dict[str, list[Found]] = {}
    for f in found:
        by_student.setdefault(f.student, []).append(f)
    submitted = course.root / "submitted"
    for student, files in sorted(by_student.items()):
        folder = submitted / student / assignment
        targets = [folder / f"{f.notebook}.ipynb" for f in files]
        stamps = [f.timestamp for f in files if f.timestamp]
        stamp_file = folder / "timestamp.txt"
        existing = [t for t in targets + ([stamp_file] if stamps else []) if t.exists()]
        if existing and not force:
            names = ", ".join(str(t.relative_to(course.root)) for t in existing)
            print(f"skipped {student}: already submitted ({names}); use --force to replace")
            out.skipped.append(student)
            continue
        for f, target in zip(files, targets):
            _write_atomic(target, f.data)
            print(f"collected {student} / {f.notebook}: {target.relative_to(course.root)}"
                  f"  (from {f.member})")
        if stamps:
            _write_atomic(stamp_file, max(stamps).isoformat(" ").encode())
        out.filed.append(student)
    for note in out.notes:
        print(f"note: {note}")
    print(f"{len(out.filed)} submission(s) collected, {len(out.skipped)} skipped as already "
          f"collected, {len(out.problems)} file(s) not collected")
    return 1 if out.problems else 0
