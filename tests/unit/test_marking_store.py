"""Writing marks (ipt_helpers.course.marking.store) on a small SQLite gradebook: rubric comments
score the sum of their points and follow a change of points; points given by hand take them
off; a write over what the marker did not see is refused; second marks stay apart."""

import shutil

import pytest
from nbgrader.api import Gradebook

from ipt_helpers.course.marking.questions import Answer
from ipt_helpers.course.marking.store import (MarkConflict, add_comment, applied, change_comment_points,
                                       course_secret, rubric, second_marks, set_mark,
                                       set_second_mark)

Q = ("ps1", "nb", "justify")
STUDENTS = ("amy", "ben", "cal")


@pytest.fixture(scope="module")
def empty(tmp_path_factory):
    """One written question worth 4 points, three submissions, nothing marked."""
    path = tmp_path_factory.mktemp("gradebook") / "gradebook.db"
    with Gradebook(f"sqlite:///{path}") as gb:
        gb.add_assignment("ps1")
        gb.add_notebook("nb", "ps1")
        gb.add_grade_cell("justify", "nb", "ps1", max_score=4, cell_type="markdown")
        gb.add_solution_cell("justify", "nb", "ps1")
        for student in STUDENTS:
            gb.add_student(student)
            gb.add_submission("ps1", student)
    return path


@pytest.fixture
def gb(empty, tmp_path):
    shutil.copy(empty, tmp_path / "gradebook.db")
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gb:
        yield gb


def answer(gb, student) -> Answer:
    grade = gb.find_grade("justify", "nb", "ps1", student)
    comment = gb.find_comment("justify", "nb", "ps1", student)
    gb.db.refresh(grade)
    gb.db.refresh(comment)
    return Answer(student, "", grade.manual_score, comment.manual_comment or "", grade.id, comment.id)


def test_rubric_comments_add_up_and_a_change_of_points_rescores_every_answer(gb):
    trigger = add_comment(gb, *Q, "Names the trigger", 2, 4)
    clues = add_comment(gb, *Q, "Cites two clues", 1.5, 4)
    assert [c["text"] for c in rubric(gb, *Q)] == ["Names the trigger", "Cites two clues"]
    for student, ids in (("amy", [trigger]), ("ben", [trigger, clues]), ("cal", [clues])):
        set_mark(gb, answer(gb, student), None, "", expected=None, max_points=4,
                 rubric_ids=ids, question=Q)
    assert [answer(gb, s).points for s in STUDENTS] == [2, 3.5, 1.5]
    assert answer(gb, "ben").comment == "Names the trigger\nCites two clues"
    change_comment_points(gb, trigger, 3, expected=2, max_points=4)
    assert [answer(gb, s).points for s in STUDENTS] == [3, 4, 1.5], "ben's 4.5 stops at 4"
    assert not gb.find_grade("justify", "nb", "ps1", "amy").needs_manual_grade


def test_points_given_by_hand_take_the_rubric_comments_off(gb):
    trigger = add_comment(gb, *Q, "Names the trigger", 2, 4)
    set_mark(gb, answer(gb, "amy"), None, "Good start.", expected=None, max_points=4,
             rubric_ids=[trigger], question=Q)
    assert answer(gb, "amy").comment == "Good start.\nNames the trigger"
    set_mark(gb, answer(gb, "amy"), 4, None, expected=2, max_points=4, question=Q)
    assert answer(gb, "amy").points == 4 and answer(gb, "amy").comment == "Good start."
    assert applied(gb, [answer(gb, "amy").grade_row]) == {}
    change_comment_points(gb, trigger, 1, expected=2, max_points=4)
    assert answer(gb, "amy").points == 4, "a comment taken off no longer scores the answer"


def test_a_write_over_what_the_marker_did_not_see_is_refused_and_writes_nothing(gb):
    seen = answer(gb, "amy")
    set_mark(gb, seen, 3, "mine", expected=None, max_points=4)
    with pytest.raises(MarkConflict, match=r"this answer's mark .*it is now 3.*nothing was written"):
        set_mark(gb, seen, 1, "theirs", expected=None, max_points=4)
    assert (answer(gb, "amy").points, answer(gb, "amy").comment) == (3, "mine")
    trigger = add_comment(gb, *Q, "Names the trigger", 2, 4)
    with pytest.raises(MarkConflict, match="this rubric comment's points"):
        change_comment_points(gb, trigger, 1, expected=1.5, max_points=4)
    assert rubric(gb, *Q)[0]["points"] == 2
    for seen in (None, "two"):  # a request without the points the marker saw: a clear refusal
        with pytest.raises(Exception, match="the points you saw"):
            change_comment_points(gb, trigger, 1, expected=seen, max_points=4)
    with pytest.raises(Exception, match="the points you saw"):
        set_mark(gb, answer(gb, "ben"), 1, "", expected="three", max_points=4)


@pytest.mark.parametrize("points", [4.5, 2.25, -1, "two"])
def test_a_mark_that_is_not_whole_or_half_points_within_the_question_is_refused(gb, points):
    with pytest.raises(Exception, match="is not a"):
        set_mark(gb, answer(gb, "amy"), points, "", expected=None, max_points=4)
    assert answer(gb, "amy").points is None


def test_a_rubric_comment_may_take_points_off_but_never_below_zero(gb):
    vague = add_comment(gb, *Q, "Too vague", -1, 4)
    trigger = add_comment(gb, *Q, "Names the trigger", 2, 4)
    set_mark(gb, answer(gb, "amy"), None, "", expected=None, max_points=4,
             rubric_ids=[vague, trigger], question=Q)
    set_mark(gb, answer(gb, "ben"), None, "", expected=None, max_points=4,
             rubric_ids=[vague], question=Q)
    assert (answer(gb, "amy").points, answer(gb, "ben").points) == (1, 0)
    with pytest.raises(Exception, match="needs some text"):
        add_comment(gb, *Q, "   ", 1, 4)


def test_second_marks_stay_apart_and_refuse_a_conflicting_write(gb):
    row = answer(gb, "amy").grade_row
    set_second_mark(gb, "ps1", "justify", row, 2, expected=None, max_points=4, marker="m2")
    with pytest.raises(MarkConflict, match="second mark"):
        set_second_mark(gb, "ps1", "justify", row, 3, expected=None, max_points=4)
    set_second_mark(gb, "ps1", "justify", row, 3.5, expected=2, max_points=4)
    assert second_marks(gb, "ps1", "justify") == {row: 3.5}
    assert answer(gb, "amy").points is None, "the gradebook's mark is untouched"
    set_second_mark(gb, "ps1", "justify", row, None, expected=3.5, max_points=4)
    assert second_marks(gb, "ps1", "justify") == {}


def test_the_course_secret_is_made_once_and_shared(gb, tmp_path):
    first = course_secret(gb)
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as other:
        assert course_secret(other) == first and len(first) == 64


def test_each_marker_meets_the_answers_in_an_order_of_their_own_the_same_every_time(gb, tmp_path):
    from types import SimpleNamespace

    from ipt_helpers.course.marking.questions import WrittenQuestion, answers_for

    course = SimpleNamespace(root=tmp_path)
    q = WrittenQuestion("nb", "justify", 4, "", "")
    secret = course_secret(gb)
    order = {m: [a.grade_row for a in answers_for(gb, course, "ps1", q, secret, m)]
             for m in ("ana", "bo", "chen", "dee")}
    assert len({tuple(o) for o in order.values()}) > 1, "not one order for everybody"
    assert order["ana"] == [a.grade_row for a in answers_for(gb, course, "ps1", q, secret, "ana")]
    tokens = [a.token for a in answers_for(gb, course, "ps1", q, secret, "ana")]
    assert not any(s in t for t in tokens for s in STUDENTS) and len(set(tokens)) == 3
