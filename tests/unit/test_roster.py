"""ipt-course roster: an LMS's class list (Canvas gradebook export, Moodle participants CSV,
nbgrader's own CSV) in nbgrader's students table: idempotent, a dry run writes nothing, and a
file without the expected columns is refused with a message."""

import pytest

from ipt_helpers.course.folder import Course, CourseError
from ipt_helpers.course.collect.roster import course_roster, import_roster, read_roster

from conftest import run

from lms_files import CANVAS_CSV, MOODLE_CSV  # noqa: E402

PLAIN_CSV = ("id,first_name,last_name,email\n"
             "alice,Alice,Ng,alice@uni.example\n"
             "bob,Bob,Tane,\n")


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def students(course):
    return [(p.id, p.first_name, p.last_name, p.email, p.lms_user_id)
            for p in course_roster(Course.open(course))]


def test_canvas_gradebook_export_twice_is_idempotent(course, tmp_path, capsys):
    path = write(tmp_path, "canvas.csv", CANVAS_CSV)
    assert import_roster(Course.open(course), path, "canvas") == 0
    out = capsys.readouterr().out
    assert "left out row 6: Canvas's test student" in out
    assert "3 student(s) added, 0 updated, 0 unchanged, 1 row(s) left out, 0 not imported" in out
    expected = [("jgarcia@uni.example", "José", "García Márquez", "jgarcia@uni.example", "12346"),
                ("sobrien", "Seán", "O'Brien", "", "12347"),
                ("jsmith@uni.example", "John", "Smith", "jsmith@uni.example", "12345")]
    assert students(course) == expected
    before = (course / "gradebook.db").read_bytes()
    import_roster(Course.open(course), path, "canvas")
    assert "0 student(s) added, 0 updated, 3 unchanged" in capsys.readouterr().out
    assert students(course) == expected
    assert (course / "gradebook.db").read_bytes() == before, "a second import writes nothing"


def test_moodle_participants_twice_and_a_dry_run(course, tmp_path, capsys):
    path = write(tmp_path, "participants.csv", MOODLE_CSV)
    assert import_roster(Course.open(course), path, "moodle", dry_run=True) == 0
    out = capsys.readouterr().out
    assert "would add john.smith@uni.example (first_name: 'John'; last_name: 'Smith'; " in out
    assert "3 student(s) would be added" in out and "dry run: nothing written" in out
    assert "left out row 5 (Ada Lovelace): role Teacher, not a student" in out
    assert not (course / "gradebook.db").exists(), "a dry run creates no gradebook"

    import_roster(Course.open(course), path, "moodle")
    assert [s[0] for s in students(course)] == [
        "jose.garcia@uni.example", "sean.obrien@uni.example", "john.smith@uni.example"]
    capsys.readouterr()
    before = (course / "gradebook.db").read_bytes()
    import_roster(Course.open(course), path, "moodle")
    assert "0 student(s) added, 0 updated, 3 unchanged" in capsys.readouterr().out
    assert (course / "gradebook.db").read_bytes() == before

    # a changed e-mail is an update, shown by a dry run and written only without it
    write(tmp_path, "participants.csv", MOODLE_CSV.replace("sean.obrien@uni.example,Student",
                                                           "sean.obrien@uni.example,Student")
          .replace("O'Brien", "O’Brien"))
    import_roster(Course.open(course), path, "moodle", dry_run=True)
    assert ("would update sean.obrien@uni.example (last_name: \"O'Brien\" -> 'O’Brien')"
            in capsys.readouterr().out)
    assert (course / "gradebook.db").read_bytes() == before


def test_plain_csv_and_the_lms_id_kept_across_formats(course, tmp_path, capsys):
    import_roster(Course.open(course), write(tmp_path, "s.csv", PLAIN_CSV), "csv")
    assert students(course) == [("alice", "Alice", "Ng", "alice@uni.example", ""),
                                ("bob", "Bob", "Tane", "", "")]
    # Canvas later: the same Canvas user keeps the course id it was first given
    first = write(tmp_path, "c1.csv", CANVAS_CSV)
    import_roster(Course.open(course), first, "canvas", id_column="SIS User ID")
    assert "S001" in [s[0] for s in students(course)]
    import_roster(Course.open(course), write(tmp_path, "c2.csv", CANVAS_CSV), "canvas")
    ids = [s[0] for s in students(course)]
    assert "S001" in ids and "jsmith@uni.example" not in ids


@pytest.mark.parametrize("fmt, text, message", [
    ("canvas", MOODLE_CSV, "does not look like a Canvas gradebook export: it has no 'Student' "
                           "and 'ID' column"),
    ("moodle", CANVAS_CSV, "does not look like a Moodle participants list: it has no "
                           "'First name' and 'Last name' column"),
    ("csv", "name,mail\nx,y\n", "does not look like a student list: it has no 'id' column"),
    ("csv", "", "is empty"),
    ("csv", "id,first_name\nalice,A\nalice,B\n", r"the id\(s\) alice appear more than once"),
])
def test_a_roster_without_the_expected_columns_is_refused(course, tmp_path, fmt, text, message):
    with pytest.raises(CourseError, match=message):
        import_roster(Course.open(course), write(tmp_path, "r.csv", text), fmt)
    assert not (course / "gradebook.db").exists()


def test_unusable_ids_are_named_and_not_imported(course, tmp_path, capsys):
    path = write(tmp_path, "r.csv", "id,first_name\nJane Doe,Jane\nok,O\n")
    people, skipped, _ = read_roster(path, "csv")
    assert [p.id for p in people] == ["ok"]
    assert "the id 'Jane Doe' is not usable as a course id" in skipped[0]
    assert import_roster(Course.open(course), path, "csv") == 1
    out = capsys.readouterr().out
    assert "NOT IMPORTED Jane: the id 'Jane Doe' is not usable" in out
    assert "1 student(s) added, 0 updated, 0 unchanged, 0 row(s) left out, 1 not imported" in out


def test_ids_in_any_alphabet_are_usable_as_nbgrader_takes_them(tmp_path):
    """nbgrader grades a folder named josé; so do grade, collect and roster import."""
    import unicodedata

    from ipt_helpers.course.folder import is_student_id
    nfd = unicodedata.normalize("NFD", "josé")  # as a Mac's unzip may write it
    assert nfd != "josé" and is_student_id(nfd)
    path = write(tmp_path, "r.csv", "id,first_name\njosé,José\nप्रिया,Priya\nzoë.k@uni.example,Zoë\n"
                                    "José García,J\n..,Dots\n-x,X\na/b,A\n")
    people, skipped, _ = read_roster(path, "csv")
    assert [p.id for p in people] == ["josé", "प्रिया", "zoë.k@uni.example"]
    assert len(skipped) == 4, skipped


# --- the command line ---------------------------------------------------------------------------


def ipt_course(*args, cwd):
    return run(["ipt-course", *args], cwd=cwd, check=False, timeout=120)


def test_roster_import_and_list_on_the_command_line(course, tmp_path):
    path = write(tmp_path, "canvas.csv", CANVAS_CSV)
    proc = ipt_course("roster", "import", path, "--from", "canvas", cwd=course)
    assert proc.returncode == 0, proc.stderr
    assert "3 student(s) added" in proc.stdout
    proc = ipt_course("roster", "list", cwd=course)
    assert proc.returncode == 0
    assert "jsmith@uni.example   John Smith  jsmith@uni.example  LMS id 12345" in proc.stdout
    assert "3 student(s)" in proc.stdout


def test_roster_bad_input_on_the_command_line(course, tmp_path):
    path = write(tmp_path, "moodle.csv", MOODLE_CSV)
    proc = ipt_course("roster", "import", path, "--from", "blackboard", cwd=course)
    assert proc.returncode == 2
    assert "invalid choice: 'blackboard' (choose from 'canvas', 'moodle', 'csv')" in proc.stderr
    proc = ipt_course("roster", "import", path, "--from", "canvas", cwd=course)
    assert proc.returncode == 2
    assert "ipt-course: " in proc.stderr and "does not look like a Canvas gradebook export" in proc.stderr
    assert not (course / "gradebook.db").exists()
    with pytest.raises(CourseError, match="roster file .*none.csv does not exist"):
        import_roster(Course.open(course), tmp_path / "none.csv", "csv")
