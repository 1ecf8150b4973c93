"""ipt-course roster: the LMS's class list in nbgrader's students table.

``import_roster`` reads a Canvas gradebook export, a Moodle participants (or grades) CSV, or a
plain CSV with nbgrader's own columns (``id, first_name, last_name, email, lms_user_id``, as
``nbgrader db student import`` reads), and adds or updates each student in the gradebook:
the course id, first and last name, e-mail, and the LMS's own user id (Canvas's ``ID``) in
nbgrader's ``lms_user_id``, which ``collect --from canvas`` uses to file each download.

The course id of a student is, by default: Canvas ``SIS Login ID``, else ``SIS User ID``,
else ``canvas-<ID>``; Moodle ``ID number``, else ``Username``, else ``Email address``;
``--id-column`` chooses another column. A student already in the gradebook under the same
Canvas user id keeps the id it has. The column headings accepted are listed in
``ipt_helpers.course.collect.lms`` (Moodle's were not confirmed from its documentation; common variants
are accepted).

The LMS's other ids, which nbgrader's students table has no column for, are kept beside it in
the same gradebook (table ``ipt_roster_ids``): Canvas's ``SIS User ID`` and Moodle's ``ID
number``, so that ``ipt-course export`` can name each student as the LMS's grade import
expects (``--format canvas``: its SIS User ID column; ``--format moodle --moodle-user
idnumber``).

Importing is idempotent: a second import of the same file changes nothing. Values missing
from the file never blank out what the gradebook has (Canvas's export has no e-mail), and no
student is ever removed. With ``dry_run`` the changes are printed and nothing is written.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Column, MetaData, String, Table, insert, inspect, select, update

from ipt_helpers.course.collect import lms
from ipt_helpers.course.folder import Course, CourseError, is_student_id

FORMATS = ("canvas", "moodle", "csv")
FIELDS = ("first_name", "last_name", "email", "lms_user_id")   # nbgrader's students table
LMS_IDS = ("sis_user_id", "id_number")                         # ipt_roster_ids, beside it


@dataclass
class Person:
    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    lms_user_id: str = ""
    sis_user_id: str = ""    # Canvas's SIS User ID
    id_number: str = ""      # Moodle's ID number

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    path = Path(path)
    if not path.is_file():
        raise CourseError(f"roster file {path} does not exist")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        try:  # Excel on Windows saves CSV in the ANSI code page
            text = path.read_bytes().decode("cp1252")
        except UnicodeDecodeError:
            raise CourseError(f"{path} is not a text file (save the class list as CSV)") from None
    except OSError as err:
        raise CourseError(f"cannot read {path}: {err}") from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        reader = csv.DictReader(io.StringIO(text), dialect=dialect)
        header = [h.strip() for h in reader.fieldnames or []]
        rows = [{(k or "").strip(): (v or "").strip() if isinstance(v, str) else ""
                 for k, v in row.items()} for row in reader]
    except csv.Error as err:
        raise CourseError(f"{path} cannot be read as CSV: {err}") from None
    if not header:
        raise CourseError(f"{path} is empty: expected a CSV file with a header row")
    return header, rows


def column(header: list[str], names) -> str | None:
    """The first of ``names`` in ``header`` (compared without case and spaces)."""
    def norm(s):
        return "".join(s.lower().split())
    have = {norm(h): h for h in header}
    for n in names:
        if norm(n) in have:
            return have[norm(n)]
    return None


def _missing(path, fmt, header, wanted: str) -> CourseError:
    return CourseError(
        f"{path} does not look like {fmt}: it has no {wanted} column (its columns: "
        f"{', '.join(header) or 'none'}); choose the format with --from canvas|moodle|csv")


def read_roster(path: Path, fmt: str, id_column: str | None = None
                ) -> tuple[list[Person], list[str], list[str]]:
    """The students in the class list ``path``, the rows that could not be imported (with
    why), and the rows left out as expected (Canvas's test student, teachers)."""
    if fmt not in FORMATS:
        raise CourseError(f"unknown roster format {fmt!r}: use one of {', '.join(FORMATS)}")
    header, rows = read_rows(path)
    chosen = None
    if id_column:
        chosen = column(header, [id_column])
        if chosen is None:
            raise CourseError(f"{path} has no column {id_column!r} (its columns: "
                              f"{', '.join(header)})")
    people: list[Person] = []
    skipped: list[str] = []
    left_out: list[str] = []

    if fmt == "canvas":
        student = column(header, [lms.CANVAS_STUDENT, "Student Name"])
        canvas_id = column(header, [lms.CANVAS_ID])
        if student is None or canvas_id is None:
            raise _missing(path, "a Canvas gradebook export",
                           header, f"{lms.CANVAS_STUDENT!r} and {lms.CANVAS_ID!r}")
        ids = [c for c in (column(header, [lms.CANVAS_SIS_LOGIN_ID]),
                           column(header, [lms.CANVAS_SIS_USER_ID])) if c]
        sis = column(header, [lms.CANVAS_SIS_USER_ID])
        for n, row in enumerate(rows, 2):
            name = row.get(student, "")
            if not row.get(canvas_id) and (not name or name.strip() in lms.CANVAS_FLAG_ROWS
                                           or name.strip().startswith(lms.CANVAS_FLAG_ROWS)):
                continue  # "Points Possible", "Muted", ... rows
            if name.strip() == lms.CANVAS_TEST_STUDENT:
                left_out.append(f"row {n}: Canvas's test student")
                continue
            if not row.get(canvas_id, "").isdigit():
                skipped.append(f"row {n} ({name or 'no name'}): no Canvas user ID, left out")
                continue
            first, last = lms.split_sortable_name(name)
            cid = (row.get(chosen, "") if chosen else
                   next((row[c] for c in ids if row.get(c)), "") or f"canvas-{row[canvas_id]}")
            login = row.get(ids[0], "") if ids else ""
            people.append(Person(cid, first, last, login if "@" in login else "", row[canvas_id],
                                 sis_user_id=row.get(sis, "") if sis else ""))

    elif fmt == "moodle":
        first = column(header, lms.MOODLE_FIRST)
        last = column(header, lms.MOODLE_LAST)
        email = column(header, lms.MOODLE_EMAIL)
        if first is None or last is None:
            raise _missing(path, "a Moodle participants list", header, "'First name' and 'Last name'")
        id_number = column(header, lms.MOODLE_ID_NUMBER)
        ids = [c for c in (id_number, column(header, lms.MOODLE_USERNAME), email) if c]
        if not chosen and not ids:
            raise _missing(path, "a Moodle participants list", header,
                           "'Email address', 'ID number' or 'Username'")
        roles = column(header, lms.MOODLE_ROLES)
        any_student = roles and any("student" in row.get(roles, "").lower() for row in rows)
        for n, row in enumerate(rows, 2):
            if not any(row.values()):
                continue
            if any_student and "student" not in row.get(roles, "").lower():
                left_out.append(f"row {n} ({row.get(first, '')} {row.get(last, '')}): role "
                                f"{row.get(roles) or 'none'}, not a student")
                continue
            cid = row.get(chosen, "") if chosen else next((row[c] for c in ids if row.get(c)), "")
            people.append(Person(cid, row.get(first, ""), row.get(last, ""),
                                 row.get(email, "") if email else "",
                                 id_number=row.get(id_number, "") if id_number else ""))

    else:
        sid = chosen or column(header, lms.CSV_ID)
        if sid is None:
            raise _missing(path, "a student list", header, "'id'")
        cols = {f: column(header, names) for f, names in (
            ("first_name", lms.CSV_FIRST), ("last_name", lms.CSV_LAST),
            ("email", lms.CSV_EMAIL), ("lms_user_id", lms.CSV_LMS_ID))}
        for row in rows:
            if not any(row.values()):
                continue
            people.append(Person(row.get(sid, ""), **{f: row.get(c, "") if c else ""
                                                       for f, c in cols.items()}))

    good: list[Person] = []
    seen: dict[str, int] = {}
    for p in people:
        if not is_student_id(p.id):
            skipped.append(f"{p.name or 'a row'}: the id {p.id!r} is not usable as a course id "
                           "(letters, digits and . _ @ - only); left out (choose another column "
                           "with --id-column)")
            continue
        seen[p.id] = seen.get(p.id, 0) + 1
        good.append(p)
    twice = sorted(i for i, k in seen.items() if k > 1)
    if twice:
        raise CourseError(f"{path}: the id(s) {', '.join(twice)} appear more than once; "
                          "nothing imported")
    if not good and not skipped:
        raise CourseError(f"{path} lists no students")
    return good, skipped, left_out


def _gradebook(course: Course):
    import os
    import shutil
    import sys

    from nbgrader.api import Gradebook

    # nbgrader runs the `alembic` command when it creates a gradebook: find it beside this
    # Python when the environment is not activated
    here = os.path.dirname(sys.executable)
    if shutil.which("alembic") is None and os.path.exists(os.path.join(here, "alembic")):
        os.environ["PATH"] = here + os.pathsep + os.environ.get("PATH", "")
    return Gradebook(course.db_url)


def _has_gradebook(course: Course) -> bool:
    return not course.db_url.startswith("sqlite:///") or (course.root / "gradebook.db").exists()


IDS_META = MetaData()
IDS = Table("ipt_roster_ids", IDS_META,
            Column("student_id", String(128), primary_key=True),   # nbgrader's Student.id
            Column("sis_user_id", String(255), nullable=False, default=""),
            Column("id_number", String(255), nullable=False, default=""))


def lms_ids(gb) -> dict[str, dict[str, str]]:
    """{student id: {"sis_user_id": ..., "id_number": ...}} as the last roster import found
    them (none for a student imported without them). Reading never changes the gradebook:
    the table is made by the first import that has such ids."""
    if not inspect(gb.db.get_bind()).has_table(IDS.name):
        return {}
    return {r["student_id"]: {f: r[f] or "" for f in LMS_IDS}
            for r in gb.db.execute(select(IDS)).mappings()}


def _store_lms_ids(gb, student: str, values: dict[str, str]) -> None:
    """Write a student's LMS ids (only those given: a file without them keeps the old)."""
    IDS_META.create_all(gb.db.get_bind(), checkfirst=True)
    have = lms_ids(gb).get(student)
    if have is None:
        gb.db.execute(insert(IDS).values(student_id=student,
                                         **{f: values.get(f, "") for f in LMS_IDS}))
    else:
        gb.db.execute(update(IDS).where(IDS.c.student_id == student).values(**values))
    gb.db.commit()


def course_roster(course: Course) -> list[Person]:
    """The students in the course's gradebook (empty when there is no gradebook)."""
    if not _has_gradebook(course):
        return []
    with _gradebook(course) as gb:
        extra = lms_ids(gb)
        return [Person(s.id, s.first_name or "", s.last_name or "", s.email or "",
                       s.lms_user_id or "", **extra.get(s.id, {})) for s in gb.students]


def plan(course: Course, people: list[Person]) -> list[tuple[str, Person, dict]]:
    """(action, person, {field: (old, new)}) for each person: "add", "update", "same"."""
    existing = {p.id: p for p in course_roster(course)}
    by_lms = {p.lms_user_id: p for p in existing.values() if p.lms_user_id}
    out = []
    for p in people:
        old = existing.get(p.id)
        if old is None and p.lms_user_id in by_lms:  # the same LMS user under an earlier id
            old = by_lms[p.lms_user_id]
            p = dataclasses.replace(p, id=old.id)
        if old is None:
            out.append(("add", p, {f: ("", getattr(p, f)) for f in FIELDS + LMS_IDS
                                   if getattr(p, f)}))
            continue
        changes = {f: (getattr(old, f), getattr(p, f)) for f in FIELDS + LMS_IDS
                   if getattr(p, f) and getattr(p, f) != getattr(old, f)}
        out.append(("update" if changes else "same", p, changes))
    return out


def import_roster(course: Course, path: Path, fmt: str, dry_run: bool = False,
                  id_column: str | None = None) -> int:
    people, skipped, left_out = read_roster(path, fmt, id_column)
    steps = plan(course, people)
    for line in left_out:
        print(f"left out {line}")
    for line in skipped:
        print(f"NOT IMPORTED {line}")
    counts = {"add": 0, "update": 0, "same": 0}
    for action, p, changes in steps:
        counts[action] += 1
        if action == "same":
            continue
        what = "; ".join(f"{f}: {old!r} -> {new!r}" if old else f"{f}: {new!r}"
                         for f, (old, new) in changes.items())
        print(f"{'would ' if dry_run else ''}{'add' if action == 'add' else 'update'} "
              f"{p.id}" + (f" ({what})" if what else ""))
    listed = {p.id for _, p, _ in steps}
    others = [p.id for p in course_roster(course) if p.id not in listed]
    if not dry_run and (counts["add"] or counts["update"]):
        with _gradebook(course) as gb:
            for action, p, changes in steps:
                if action != "same":
                    gb.update_or_create_student(p.id, **{f: new for f, (_, new) in changes.items()
                                                         if f in FIELDS})
                    ids = {f: new for f, (_, new) in changes.items() if f in LMS_IDS}
                    if ids:
                        _store_lms_ids(gb, p.id, ids)
    verb = "would be " if dry_run else ""
    print(f"{counts['add']} student(s) {verb}added, {counts['update']} {verb}updated, "
          f"{counts['same']} unchanged, {len(left_out)} row(s) left out, "
          f"{len(skipped)} not imported"
          + (f"; {len(others)} student(s) in the gradebook not in {Path(path).name} (kept)"
             if others else "")
          + ("; dry run: nothing written" if dry_run else ""))
    return 1 if skipped else 0


def list_roster(course: Course) -> int:
    people = course_roster(course)
    if not people:
        print("no students in the gradebook yet: ipt-course roster import FILE --from "
              "canvas|moodle|csv")
        return 0
    w = max(len(p.id) for p in people)
    for p in people:
        extra = "  ".join(x for x in (p.email, f"LMS id {p.lms_user_id}" if p.lms_user_id else "")
                          if x)
        print(f"{p.id:<{w}}  {p.name}" + (f"  {extra}" if extra else ""))
    print(f"{len(people)} student(s)")
    return 0
