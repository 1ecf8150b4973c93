"""What this course knows about Canvas's and Moodle's files, written down once.

Used by ``ipt-course collect`` (the submission downloads), ``ipt-course roster import``
(the class lists) and meant for the Canvas gradebook CSV written for grade import.

Where the knowledge comes from, and how sure it is:

- **Canvas "Download Submissions"** (``lib/content_zipper.rb`` in instructure/canvas-lms):
  each uploaded file is named ``<name>[_LATE]_<user id>_<attachment id>_<file name>``, where
  ``<name>`` is the student's *sortable name* ("Smith, John") lower-cased with every
  character that is not a letter, digit or ``_`` removed (``smithjohn``; accents are kept,
  apostrophes and spaces dropped), ``LATE`` is present when Canvas counts the submission as
  late, ``<user id>`` is the student's Canvas user id (``anon_<id>`` under anonymous
  grading) and ``<file name>`` is the name of the file as uploaded (a second upload of the
  same name arrives as ``problem-areas-1.ipynb``, as issue 14 reports; not checked in Canvas's
  source, and `` (1)`` is accepted too). The download carries no submission time.
- **Canvas gradebook export** (``Grades ▸ Export``; ``gradebook_to_csv`` in canvas-lms, read in
  an older version of its source; the current docs were not checked):
  the columns ``Student`` (sortable name, "Smith, John"), ``ID`` (Canvas user id),
  ``SIS User ID``, ``SIS Login ID`` (these two only when the exporting user may see SIS
  data; newer versions may add ``Integration ID``), then ``Section``, one column per assignment
  named ``<title> (<assignment id>)`` and totals. The first row under the header is
  ``Points Possible`` (a row of ``Muted``/``Manual Posting`` flags may come first); the
  course's "Test Student" appears as ``Student, Test``. No e-mail column.
- **Moodle "Download all submissions"** (``download_submissions`` in moodle's
  ``mod/assign/locallib.php``, read in its source): one file per submitted file named
  ``<full name>_<participant id>_assignsubmission_file_<file name>``, or (the default since
  Moodle 3.1, "Download submissions in folders") a folder per participant
  ``<full name>_<participant id>_assignsubmission_file/<file name>`` (older versions end the
  folder name in ``_``). Underscores in the name become spaces and characters not allowed in
  file names (``' " & < > : / \\ |`` ...) are removed. ``<participant id>`` is Moodle's
  per-assignment participant number, not the user id; under blind marking the name is
  ``Participant``. The download carries no lateness.
- **Moodle grading worksheet** (``View all submissions ▸ Download grading worksheet``):
  ``Identifier`` ("Participant 123456", the number in the download's names), ``Full name``,
  ``Email address``, ``Status``, ``Last modified (submission)`` ("Wednesday, 10 June 2026,
  2:14 PM", in the downloading user's language and time zone), ... (as third-party tools
  read it; not confirmed from Moodle's documentation). ``collect --times`` reads it.
- **Moodle participants CSV** (``Participants ▸ select all ▸ Download table data as CSV``)
  and the grader report export: ``First name``, ``Last name`` (older versions
  ``Surname``), ``Email address``, with ``ID number`` and ``Username`` when the site shows
  them as identity fields, and ``Roles``, ``Groups``, ``Last access to course``.
  The exact headings depend on the Moodle version and language and were **not** confirmed
  from Moodle's documentation; the common variants below are accepted, and ``--id-column``
  names another column.
"""

from __future__ import annotations

import re
import unicodedata

# --- Canvas ---------------------------------------------------------------------------------

CANVAS_STUDENT = "Student"
CANVAS_ID = "ID"
CANVAS_SIS_USER_ID = "SIS User ID"
CANVAS_SIS_LOGIN_ID = "SIS Login ID"
CANVAS_SECTION = "Section"
#: the columns before the assignment columns, in Canvas's order (an import CSV needs these)
CANVAS_IDENTITY_COLUMNS = [CANVAS_STUDENT, CANVAS_ID, CANVAS_SIS_USER_ID, CANVAS_SIS_LOGIN_ID,
                           CANVAS_SECTION]
CANVAS_POINTS_POSSIBLE = "Points Possible"
CANVAS_FLAG_ROWS = ("Points Possible", "Muted", "Manual Posting")
CANVAS_TEST_STUDENT = "Student, Test"

#: a file in Canvas's "Download Submissions" zip (anywhere in the zip)
CANVAS_FILE = re.compile(
    r"^(?:.*/)?(?:(?P<name>[^/]*?)_)??(?:(?P<late>LATE)_)?"
    r"(?P<canvas_id>\d+|anon_[A-Za-z0-9]+)_(?P<attachment_id>\d+)_(?P<file>[^/]+)$")


def canvas_assignment_column(title: str, canvas_assignment_id: int | str) -> str:
    """The gradebook column of an assignment: ``<title> (<assignment id>)``."""
    return f"{title} ({canvas_assignment_id})"


def canvas_sortable_name(first: str, last: str) -> str:
    """Canvas's sortable name, "Last, First"."""
    return ", ".join(p for p in (last.strip(), first.strip()) if p)


def split_sortable_name(sortable: str) -> tuple[str, str]:
    """(first name, last name) from Canvas's "Last, First" (or a plain "First Last")."""
    if "," in sortable:
        last, first = sortable.split(",", 1)
        return first.strip(), last.strip()
    parts = sortable.split()
    return (" ".join(parts[:-1]), parts[-1]) if len(parts) > 1 else ("", sortable.strip())



# --- Moodle ---------------------------------------------------------------------------------

MOODLE_FIRST = ("First name", "Firstname", "First Name", "firstname", "Given name")
MOODLE_LAST = ("Last name", "Surname", "Lastname", "Last Name", "lastname", "Family name")
MOODLE_EMAIL = ("Email address", "Email", "E-mail address", "email")
MOODLE_ID_NUMBER = ("ID number", "ID Number", "idnumber")
MOODLE_USERNAME = ("Username", "username")
MOODLE_ROLES = ("Roles", "Role")
MOODLE_BLIND = "Participant"

#: Moodle's grading worksheet (View all submissions > Download grading worksheet): the
#: participant number of the download's file names, the e-mail, and the submission time as
#: Moodle displays it in the downloading user's language and time zone. Columns as several
#: third-party tools read them; not confirmed from Moodle's documentation.
MOODLE_WORKSHEET_ID = ("Identifier",)
MOODLE_WORKSHEET_TIME = ("Last modified (submission)",)
MOODLE_WORKSHEET_PARTICIPANT = re.compile(r"(\d+)\s*$")
#: "Wednesday, 10 June 2026, 2:14 PM" (English), "Wednesday, June 10, 2026, 2:14 PM" (US)
MOODLE_TIME_FORMATS = ("%A, %d %B %Y, %I:%M %p", "%A, %B %d, %Y, %I:%M %p",
                       "%A, %d %B %Y, %H:%M", "%d %B %Y, %I:%M %p", "%d %B %Y, %H:%M",
                       "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")

#: a file in Moodle's "Download all submissions" zip, flat or a folder per participant
MOODLE_FILE = re.compile(
    r"^(?:.*/)?(?P<name>[^/]*?)_(?P<participant>\d+)_assignsubmission_(?P<plugin>[a-z]+)"
    r"(?:_/|/|_)(?:[^/]+/)*(?P<file>[^/]+)$")


# --- generic CSV (nbgrader's ``nbgrader db student import`` columns) -------------------------

CSV_ID = ("id", "student_id", "Student ID")
CSV_FIRST = ("first_name", "First name", "firstname")
CSV_LAST = ("last_name", "Last name", "lastname", "Surname")
CSV_EMAIL = ("email", "Email", "Email address")
CSV_LMS_ID = ("lms_user_id", "LMS user id")


# --- names ----------------------------------------------------------------------------------

def name_key(text: str, accents: bool = True) -> str:
    """A name reduced for comparison: Unicode-normalised, case-folded, letters and digits only
    (``"O'Brien, Seán"`` -> ``"obrienseán"``); without ``accents`` also ``"obriensean"``."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    if not accents:
        text = "".join(c for c in unicodedata.normalize("NFKD", text)
                       if not unicodedata.combining(c))
    return "".join(c for c in text if c.isalnum())


REUPLOAD = re.compile(r"^(?P<stem>.+?)(?:-\d+| ?\(\d+\))$")


def reupload_stem(stem: str) -> str | None:
    """``problem-areas`` for a re-upload named ``problem-areas-1`` (Canvas) or
    ``problem-areas (1)`` (a browser's second download), else None."""
    m = REUPLOAD.match(stem)
    return m.group("stem") if m else None
