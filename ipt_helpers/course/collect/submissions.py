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

Two more layouts are the LMS's own downloads (``--from canvas`` / ``--from moodle``, or
detected when the notebooks' names fit one layout and no other; names that fit two are
refused with a request for ``--from``); the naming, and where it was checked, is described
in ``ipt_helpers.course.collect.lms``:

- Canvas "Download Submissions": ``smithjohn[_LATE]_<canvas user id>_<file id>_<notebook>``;
  the Canvas user id is looked up in the gradebook's students (``lms_user_id``, filled by
  ``ipt-course roster import --from canvas``), else the name; a re-upload named
  ``problem-areas-1.ipynb`` is the notebook ``problem-areas`` (the highest file id wins when a
  student has several). ``LATE`` becomes a ``timestamp.txt`` one second after the
  assignment's due date in the gradebook, so nbgrader's ``LateSubmissionPlugin`` (or the
  course's own plugin) applies its penalty; Canvas's download has no submission time, so how
  late is not known.
- Moodle "Download all submissions", flat or in folders:
  ``John Smith_<participant id>_assignsubmission_file_<notebook>`` or
  ``John Smith_<participant id>_assignsubmission_file/<notebook>``; the name is looked up in
  the gradebook's students (first and last name, either order, ignoring case, spaces and
  punctuation; accents too when that is the only match). Moodle's download has no times:
  ``times`` (Moodle's grading worksheet of the same assignment) gives each participant's
  e-mail, matched first, and the submission time, written to ``timestamp.txt``.

A notebook of another assignment of the course (a student who uploaded the wrong one) is
skipped and named, like every other file that cannot be filed (empty, damaged, not a notebook,
a student not in the roster): the rest of the zip is filed, and the exit status is 1. Only a
zip that holds nothing but another assignment's notebooks is refused as a whole: it is the
wrong download.

Unlike ``nbgrader zip_collect`` nothing is extracted to disk first, nothing is ever deleted,
an existing submission is replaced only with ``force`` (file by file, never cleared), and
every file that cannot be filed is named with the reason.
"""

from __future__ import annotations

import io
import logging
import os
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path, PurePosixPath

from ipt_helpers.course.collect import lms
from ipt_helpers.course.files import write_atomic
from ipt_helpers.course.folder import Course, CourseError

# nbgrader's documented example named_regexp (FileNameCollectorPlugin help), with the notebook
# name widened to allow hyphens, the student id ending at the first "_attempt_" (ids may
# contain "_"), and an optional "<assignment>_" prefix. ``{assignment}`` is filled in.
NAMED_REGEXP = (r"^(?:.*/)?(?:{assignment}_)?(?P<student_id>[^/]+?)_attempt_"
                r"(?P<timestamp>[0-9][0-9\-]*)_(?P<file_id>[^/]+)$")
NBGRADER_TIME = re.compile(r"^(\d{4}-\d\d-\d\d)-(\d\d)-(\d\d)-(\d\d)$")
JUNK = re.compile(r"(^|/)(__MACOSX|\.ipynb_checkpoints)(/|$)|(^|/)(\.DS_Store|Thumbs\.db|desktop\.ini)$")
MAX_BYTES = 64 * 1024 * 1024   # one notebook; larger members are refused, not read
MAX_DEPTH = 2                  # zips inside zips
SOURCES = ("auto", "canvas", "moodle", "attempt", "folders")


@dataclass
class Found:
    """One notebook read from the zip and assigned to a student."""

    member: str
    student: str
    notebook: str
    data: bytes
    timestamp: datetime | None = None
    order: int | None = None      # the LMS's file id: a higher one was uploaded later
    late: bool = False            # the LMS said late (Canvas's LATE)


@dataclass
class Outcome:
    filed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    layout: str = ""


def _quiet_logger() -> logging.Logger:
    """nbgrader's plugin warns on every unmatched name; we report those ourselves."""
    log = logging.getLogger("ipt_helpers.course.collect.submissions.nbgrader")
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
            # as nbgrader's ExtractorPlugin: a zip's content goes in a folder named after it
            # (the inner zip is in memory and stays open: its members are read later)
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
    (str) why it cannot be filed. ``plugin`` None: folders only, no file-name pattern."""
    path = PurePosixPath(name)
    info = plugin.collect(name) if plugin is not None else None
    valid_ext = plugin.valid_ext if plugin is not None else [".ipynb"]
    if info:
        for key in ("student_id", "file_id"):
            if not isinstance(info.get(key), str) or not info[key]:
                return (f"the file-name pattern gave no {key} (check "
                        "c.FileNameCollectorPlugin.named_regexp in nbgrader_config.py)")
        notebook = os.path.splitext(PurePosixPath(info["file_id"]).name)[0]
        return info["student_id"], notebook, info.get("timestamp")
    if path.suffix not in valid_ext:
        return f"not a notebook (only {', '.join(valid_ext)} files are collected)"
    folders = [p for p in path.parent.parts if p not in (assignment, "submitted")]
    if folders:  # a folder per student; the notebook name is checked by the caller
        return folders[-1], path.stem, None
    if plugin is None:
        return ("not in a folder named after a student (--from folders expects "
                f"<student>/{path.name})")
    if path.stem in notebooks:
        return ("cannot tell which student it belongs to: put it in a folder named after the "
                "student (alice/" + path.name + ") or name it like "
                f"alice_attempt_2026-01-31-09-00-00_{path.name}")
    return ("does not match a student: expected <student>_attempt_<YYYY-MM-DD-HH-MM-SS>_"
            "<notebook>.ipynb or <student>/<notebook>.ipynb")


class _Roster:
    """The gradebook's students, looked up by LMS user id and by name."""

    def __init__(self, course: Course):
        from ipt_helpers.course.collect.roster import course_roster

        self.people = course_roster(course)
        self.by_lms = {p.lms_user_id: p for p in self.people if p.lms_user_id}
        self.by_key: dict[tuple[bool, str], list] = {}
        for p in self.people:
            for accents in (True, False):
                for key in {lms.name_key(p.first_name + p.last_name, accents),
                            lms.name_key(p.last_name + p.first_name, accents)}:
                    if key:
                        self.by_key.setdefault((accents, key), []).append(p)

    def by_name(self, text: str):
        """(student id, None) or (None, reason) for a name as the LMS wrote it."""
        for accents in (True, False):
            hits = {p.id: p for p in self.by_key.get((accents, lms.name_key(text, accents)), [])}
            if len(hits) == 1:
                return next(iter(hits)), None
            if len(hits) > 1:
                return None, (f"{len(hits)} students in the roster have this name "
                              f"({', '.join(sorted(hits))}): file it by hand as "
                              "<student id>/<notebook>.ipynb")
        return None, None


def _notebook_of(stem: str, notebooks: list[str]) -> str:
    """The notebook a file name stands for: itself, or the original of a re-upload."""
    if stem in notebooks:
        return stem
    original = lms.reupload_stem(stem)
    return original if original in notebooks else stem


def _canvas(name: str, roster: _Roster):
    """(student id, file name, late, file id) for a file of a Canvas download, or a reason."""
    m = lms.CANVAS_FILE.match(name)
    if not m:
        return ("not named as Canvas names a submission (<name>[_LATE]_<user id>_<file id>_"
                "<file>); is this a Canvas \"Download Submissions\" zip? (see --from)")
    canvas_id, who = m.group("canvas_id"), m.group("name") or ""
    if canvas_id.startswith("anon_"):
        return ("Canvas hid the student (anonymous grading): download the submissions after "
                "the anonymity is lifted")
    if not m.group("file").lower().endswith(".ipynb"):
        return "not a notebook (only .ipynb files are collected)"
    person = roster.by_lms.get(canvas_id)
    if person is not None:
        return person.id, m.group("file"), bool(m.group("late")), int(m.group("attachment_id"))
    student, why = roster.by_name(who)
    if student is None:
        return why or (f"Canvas user {canvas_id} ({who or 'no name'}) is not in the roster: "
                       "import the Canvas gradebook export first (ipt-course roster import "
                       "FILE --from canvas)")
    return student, m.group("file"), bool(m.group("late")), int(m.group("attachment_id"))


def read_worksheet(path: Path, timezone: str | None = None) -> dict[str, tuple[str, datetime | None]]:
    """{participant number: (e-mail, submission time in UTC or None)} from Moodle's grading
    worksheet. Its times are read in ``timezone`` (an IANA name such as Europe/Berlin;
    default: this computer's), as Moodle shows them in the downloading user's time zone."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from ipt_helpers.course.collect.roster import column, read_rows

    header, rows = read_rows(Path(path))
    ident = column(header, lms.MOODLE_WORKSHEET_ID)
    when = column(header, lms.MOODLE_WORKSHEET_TIME)
    email = column(header, lms.MOODLE_EMAIL)
    if ident is None or when is None:
        raise CourseError(f"{path} does not look like Moodle's grading worksheet: it has no "
                          "'Identifier' and 'Last modified (submission)' columns (its columns: "
                          f"{', '.join(header)})")
    try:
        zone = ZoneInfo(timezone) if timezone else None
    except (ZoneInfoNotFoundError, ValueError):
        raise CourseError(f"unknown time zone {timezone!r}: use a name like Europe/Berlin or "
                          "America/Toronto") from None
    out = {}
    for row in rows:
        m = lms.MOODLE_WORKSHEET_PARTICIPANT.search(row.get(ident, ""))
        if not m:
            continue
        text, stamp = row.get(when, "").strip(), None
        for fmt in lms.MOODLE_TIME_FORMATS:
            try:
                stamp = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if stamp is not None:
            local = stamp.replace(tzinfo=zone) if zone else stamp.astimezone()
            stamp = local.astimezone(dt_timezone.utc).replace(tzinfo=None)
        out[m.group(1)] = (row.get(email, "") if email else "", stamp)
    return out


def _moodle(name: str, roster: _Roster, worksheet: dict | None = None):
    """(student id, file name, time or None) for a file of a Moodle download, or a reason."""
    m = lms.MOODLE_FILE.match(name)
    if not m:
        return ("not named as Moodle names a submission (<full name>_<participant id>_"
                "assignsubmission_file_<file>, or a folder of that name); is this a Moodle "
                "\"Download all submissions\" zip? (see --from)")
    if m.group("plugin") != "file":
        return f"not a notebook (Moodle's {m.group('plugin')} submission, not a file)"
    if not m.group("file").lower().endswith(".ipynb"):
        return "not a notebook (only .ipynb files are collected)"
    who = m.group("name").split("-", 1)[-1] if "-" in m.group("name") else m.group("name")
    if (who.strip() == lms.MOODLE_BLIND or m.group("name").strip() == lms.MOODLE_BLIND) and \
            m.group("participant") not in (worksheet or {}):
        return ("Moodle hid the student (blind marking): reveal student identities in the "
                "assignment, then download again")
    email, stamp = (worksheet or {}).get(m.group("participant"), ("", None))
    by_email = [p.id for p in roster.people if email and p.email.lower() == email.lower()]
    if len(by_email) == 1:
        return by_email[0], m.group("file"), stamp
    student, why = roster.by_name(m.group("name"))
    if student is None and who != m.group("name"):   # "<group name>-<full name>"
        student, why = roster.by_name(who)
    if student is None:
        return why or (f"no student named {m.group('name')!r} in the roster: import Moodle's "
                       "participants list first (ipt-course roster import FILE --from moodle)")
    return student, m.group("file"), stamp


def detect(names: list[str], plugin) -> str:
    """The layout of a zip from its file names: canvas, moodle or attempt (with folders)."""
    nbs = [n for n in names if n.lower().endswith(".ipynb")] or names
    kinds = []
    if any(lms.CANVAS_FILE.match(n) for n in nbs):
        kinds.append("canvas")
    if any(lms.MOODLE_FILE.match(n) for n in nbs):
        kinds.append("moodle")
    if any(plugin.collect(n) for n in nbs):
        kinds.append("attempt")
    if len(kinds) > 1:
        raise CourseError(f"the file names in the zip fit more than one layout ({', '.join(kinds)}"
                          "): say which with --from canvas|moodle|attempt|folders")
    return kinds[0] if kinds else "attempt"


def _due_date(course: Course, assignment: str) -> datetime | None:
    from nbgrader.api import Gradebook, MissingEntry

    if course.db_url.startswith("sqlite:///") and not (course.root / "gradebook.db").exists():
        return None
    with Gradebook(course.db_url) as gb:
        try:
            return gb.find_assignment(assignment).duedate
        except MissingEntry:
            return None


def _check_notebook(data: bytes) -> str | None:
    """None if ``data`` is a valid Jupyter notebook, else the reason it is not."""
    import nbformat

    if not data.strip():
        return (("the file holds only blank space" if data else "the file is empty (0 bytes)")
                + ": the upload failed or the student handed in an empty notebook; ask them "
                "to upload it again")
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




def read_zip(course: Course, assignment: str, zip_path: Path, source: str = "auto",
             times: Path | None = None, timezone: str | None = None
             ) -> tuple[list[Found], Outcome]:
    """The notebooks in ``zip_path`` assigned to students, and what could not be assigned.
    ``source``: the layout of the names (canvas, moodle, attempt, folders), or auto;
    ``times``: Moodle's grading worksheet, for the submission times (see read_worksheet)."""
    worksheet = read_worksheet(times, timezone) if times else None
    if source not in SOURCES:
        raise CourseError(f"unknown layout {source!r}: use --from "
                          f"{'|'.join(s for s in SOURCES if s != 'auto')} (or leave it out)")
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
    others = {nb: a for a in course.assignments() if a != assignment
              for nb in course.notebooks(a) if nb not in notebooks}
    plugin = _collector(course, assignment)
    out = Outcome()
    found: list[Found] = []
    foreign: dict[str, list[str]] = {}
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as err:
        raise CourseError(f"{zip_path} cannot be read as a zip file: {err}") from None
    with archive:
        members = list(_members(archive, "", 0, out))
        if not members and not out.problems:
            raise CourseError(f"{zip_path} is empty: no files to collect")
        layout = detect([m[0] for m in members], plugin) if source == "auto" else source
        if worksheet is not None and layout != "moodle":
            raise CourseError(f"--times reads Moodle's grading worksheet, but the zip is read as "
                              f"{layout} (use --from moodle for a Moodle download)")
        out.layout = layout
        roster = _Roster(course) if layout in ("canvas", "moodle") else None
        if roster is not None and not roster.people:
            raise CourseError(
                f"the gradebook has no students yet, so the {layout.capitalize()} names cannot "
                f"be matched to course ids: import the class list first (ipt-course roster "
                f"import FILE --from {layout}); nothing collected")
        due = _due_date(course, assignment) if layout in ("canvas", "moodle") else None
        for name, info, holder in members:
            late, order, stamp, moodle_time = False, None, None, None
            if layout == "canvas":
                who = _canvas(name, roster)
                if not isinstance(who, str):
                    student, file, late, order = who
                    who = student, os.path.splitext(file)[0], None
            elif layout == "moodle":
                who = _moodle(name, roster, worksheet)
                if not isinstance(who, str):
                    who, moodle_time = (who[0], os.path.splitext(who[1])[0], None), who[2]
            else:
                who = _who(name, plugin if layout == "attempt" else None, assignment, notebooks)
            # a notebook of another assignment (a student uploaded the wrong one): skipped
            stem = who[1] if not isinstance(who, str) else PurePosixPath(name).stem
            if name.lower().endswith(".ipynb") and _notebook_of(stem, notebooks) not in notebooks:
                other = others.get(stem) or others.get(lms.reupload_stem(stem) or "")
                if other:
                    foreign.setdefault(other, []).append(name)
                    whose = f" ({who[0]})" if not isinstance(who, str) else ""
                    out.problems.append(
                        f"{name}: a notebook of {other}, not of {assignment}: the student"
                        f"{whose} handed in the wrong assignment's notebook; ask them to upload "
                        f"{' or '.join(n + '.ipynb' for n in notebooks)}")
                    continue
            if isinstance(who, str):
                out.problems.append(f"{name}: {who}")
                continue
            student, notebook, stamp = who
            notebook = _notebook_of(notebook, notebooks)
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
            if late and due is not None:
                when = due + timedelta(seconds=1)
            if moodle_time is not None:
                when, late = moodle_time, due is not None and moodle_time > due
            found.append(Found(name, student, notebook, data, when, order, late))
    if foreign and len(out.problems) == sum(len(v) for v in foreign.values()) and not found:
        # nothing in the zip but another assignment's notebooks: the wrong download
        parts = "; ".join(f"{len(v)} of {a} (e.g. {v[0]})" for a, v in sorted(foreign.items()))
        raise CourseError(f"{zip_path} holds submissions of {', '.join(sorted(foreign))}, not "
                          f"of {assignment} ({parts}); nothing collected")
    late_undated = sorted({f.student for f in found if f.late and f.timestamp is None})
    if late_undated:
        out.notes.append(
            f"Canvas marks {', '.join(late_undated)} LATE, but {assignment} has no due date in "
            "the gradebook, so no late penalty can apply: set one (nbgrader db assignment add "
            f"{assignment} --duedate=\"YYYY-MM-DD HH:MM:SS\") and collect again with --force")
    if not members:
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
        elif all(f.timestamp for f in items) or all(f.order is not None for f in items):
            # by time; the LMS's file ids (uploaded later = higher) when the times are equal
            items.sort(key=lambda f: (f.timestamp or datetime.min, f.order or 0))
            keep.append(items[-1])
            older = ", ".join(f.member for f in items[:-1])
            out.notes.append(f"{student} / {notebook}: {len(items)} attempts; filed the latest "
                             f"({items[-1].member}), not {older}")
        else:
            names = ", ".join(f.member for f in items)
            out.problems.append(f"{student} / {notebook}: {len(items)} files ({names}) and no "
                                "times to tell which is the latest; none filed")
    return keep


def collect(course: Course, assignment: str, zip_path: Path, force: bool = False,
            source: str = "auto", times: Path | None = None, timezone: str | None = None) -> int:
    """File the submissions in ``zip_path`` into ``submitted/``; 0 if every file was filed
    (or skipped because it exists), 1 if some files were not usable. Raises CourseError when
    the zip is missing, unreadable or holds no submission of ``assignment`` at all.
    ``source``: canvas, moodle, attempt, folders, or auto (from the names)."""
    found, out = read_zip(course, assignment, zip_path, source, times, timezone)
    for note in out.problems:
        print(f"NOT COLLECTED {note}")
    if not found:
        nb = course.notebooks(assignment)[0]
        expected = {
            "canvas": f"Canvas's names (smithjohn_12345_67890_{nb}.ipynb) of students in the "
                      "roster (ipt-course roster list)",
            "moodle": f"Moodle's names (John Smith_123456_assignsubmission_file_{nb}.ipynb) of "
                      "students in the roster (ipt-course roster list)",
            "folders": f"a folder per student (alice/{nb}.ipynb)",
        }.get(out.layout, f"files named like alice_attempt_2026-01-31-09-00-00_{nb}.ipynb or "
                          f"a folder per student (alice/{nb}.ipynb)")
        raise CourseError(f"no submissions of {assignment} found in {zip_path}: expected "
                          f"{expected}")
    if source == "auto" and out.layout in ("canvas", "moodle"):
        print(f"names read as a {out.layout.capitalize()} download (--from {out.layout})")
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
            write_atomic(target, f.data)
            print(f"collected {student} / {f.notebook}: {target.relative_to(course.root)}"
                  f"  (from {f.member})" + ("  LATE" if f.late else ""))
        if stamps:
            write_atomic(stamp_file, max(stamps).isoformat(" ").encode())
            if any(f.late for f in files):
                how = ("one second after the due date: Canvas gives no time"
                       if out.layout == "canvas" else "from Moodle's grading worksheet, UTC")
                print(f"  {student}: submitted late; timestamp.txt {max(stamps).isoformat(' ')} "
                      f"({how})")
        out.filed.append(student)
    for note in out.notes:
        print(f"note: {note}")
    print(f"{len(out.filed)} submission(s) collected, {len(out.skipped)} skipped as already "
          f"collected, {len(out.problems)} file(s) not collected"
          + (" (each listed above as NOT COLLECTED, with the reason)" if out.problems else ""))
    return 1 if out.problems else 0
