"""Writing marks: nbgrader's manual scores and comments, and the marking tables kept beside
nbgrader's in the same gradebook database (so every marker and every marking server of a
course, on SQLite or PostgreSQL, shares them):

- ``ipt_marking_secret``: the course's secret, made once, behind the answers' anonymous
  tokens and each marker's shuffled order;
- ``ipt_rubric_comment`` / ``ipt_rubric_applied``: rubric comments written once per question
  and the answers they are on. An answer with rubric comments scores the sum of their points
  (between 0 and the question's points), so changing a comment's points re-scores every
  answer it is on;
- ``ipt_second_mark``: a second marker's points, never written over the gradebook's.

No lost update with two markers at once: every write is one transaction that checks the value
the marker saw (``expected``) and refuses with ``MarkConflict`` when it changed. Scores that
depend on rubric comments are computed inside the UPDATE itself, after the question's comment
rows are locked (PostgreSQL) or the database's write lock is held (SQLite), so a comment's
points changed at the same moment as it is applied can never leave a stale score.
"""

from __future__ import annotations

import contextlib
import secrets

from sqlalchemy import (Column, Float, Integer, MetaData, String, Table, Text, and_, case, delete,
                        exc, func, insert, select, update)

from ipt_helpers.course.folder import CourseError

META = MetaData()
SECRET = Table("ipt_marking_secret", META,
               Column("id", Integer, primary_key=True),
               Column("secret", String(64), nullable=False))
COMMENT = Table("ipt_rubric_comment", META,
                Column("id", String(16), primary_key=True),
                Column("assignment", String(128), nullable=False, index=True),
                Column("notebook", String(128), nullable=False),
                Column("grade_id", String(128), nullable=False),
                Column("text", Text, nullable=False),
                Column("points", Float, nullable=False),
                Column("position", Integer, nullable=False))
APPLIED = Table("ipt_rubric_applied", META,
                Column("grade_row", String(32), primary_key=True),   # nbgrader's Grade.id
                Column("comment_id", String(16), primary_key=True))
SECOND = Table("ipt_second_mark", META,
               Column("grade_row", String(32), primary_key=True),
               Column("assignment", String(128), nullable=False, index=True),
               Column("grade_id", String(128), nullable=False),
               Column("points", Float, nullable=False),
               Column("marker", String(128), nullable=False))


class MarkConflict(CourseError):
    """What the marker saw changed since it was read: reload before marking again."""


def _conflict(what: str, now) -> MarkConflict:
    current = "no mark" if now is None else f"{now:g}"
    return MarkConflict(f"another marker changed {what} since you opened it (it is now "
                        f"{current}); nothing was written: reload and mark it again")


@contextlib.contextmanager
def _transaction(gb):
    """Commit what the block wrote, or roll all of it back (a refusal included)."""
    try:
        yield
        gb.db.commit()
    except BaseException:
        gb.db.rollback()
        raise


_READY: set[str] = set()  # databases whose marking tables this process has made or found


def ensure_tables(gb) -> None:
    """Create the marking tables if this gradebook has none yet (two servers may race);
    once per database and process, not on every request."""
    bind = gb.db.get_bind()
    url = bind.url.render_as_string(hide_password=False)
    if url in _READY:
        return
    try:
        META.create_all(bind, checkfirst=True)
    except exc.DatabaseError:  # the other server created them between the check and ours
        META.create_all(bind, checkfirst=True)
    _READY.add(url)


def course_secret(gb) -> str:
    ensure_tables(gb)
    found = gb.db.execute(select(SECRET.c.secret).where(SECRET.c.id == 1)).scalar()
    if found:
        return found
    try:
        gb.db.execute(insert(SECRET).values(id=1, secret=secrets.token_hex(32)))
        gb.db.commit()
    except exc.IntegrityError:  # another server made it first: use theirs
        gb.db.rollback()
    return gb.db.execute(select(SECRET.c.secret).where(SECRET.c.id == 1)).scalar_one()


def _seen(expected) -> float | None:
    """The points the marker saw (None: no mark), as a number, or a clear refusal."""
    if expected is None:
        return None
    try:
        return float(expected)
    except (TypeError, ValueError):
        raise CourseError(f"{expected!r} is not the points you saw: reload the page") from None


def check_points(points: float, max_points: float, *, signed: bool = False) -> float:
    """Whole or half points from 0 to ``max_points`` (or down to ``-max_points``: a rubric
    comment may take points off)."""
    try:
        points = float(points)
    except (TypeError, ValueError):
        raise CourseError(f"{points!r} is not a number of points") from None
    low = -max_points if signed else 0
    if not low <= points <= max_points or (points * 2) % 1:
        raise CourseError(f"{points:g} is not a mark for this question: give {low:g} to "
                          f"{max_points:g} in whole or half points")
    return points


# --- rubric comments --------------------------------------------------------------------------

def rubric(gb, assignment: str, notebook: str, grade_id: str) -> list[dict]:
    """The question's rubric comments, in the order they were written."""
    ensure_tables(gb)
    rows = gb.db.execute(select(COMMENT).where(_of(assignment, notebook, grade_id))
                         .order_by(COMMENT.c.position)).mappings()
    return [{"id": r["id"], "text": r["text"], "points": r["points"]} for r in rows]


def applied(gb, grade_rows) -> dict[str, list[str]]:
    """{Grade.id: the rubric comments on that answer}."""
    ensure_tables(gb)
    out: dict[str, list[str]] = {}
    rows = gb.db.execute(select(APPLIED).where(APPLIED.c.grade_row.in_(list(grade_rows)))
                         .order_by(APPLIED.c.comment_id))
    for grade_row, comment_id in rows:
        out.setdefault(grade_row, []).append(comment_id)
    return out


def add_comment(gb, assignment: str, notebook: str, grade_id: str, text: str, points: float,
                max_points: float) -> str:
    text = " ".join(str(text).split())
    if not text:
        raise CourseError("a rubric comment needs some text")
    points = check_points(points, max_points, signed=True)
    ensure_tables(gb)
    new = secrets.token_hex(4)
    position = gb.db.execute(select(func.count()).select_from(COMMENT)
                             .where(_of(assignment, notebook, grade_id))).scalar_one()
    gb.db.execute(insert(COMMENT).values(id=new, assignment=assignment, notebook=notebook,
                                         grade_id=grade_id, text=text, points=points,
                                         position=position))
    gb.db.commit()
    return new


def change_comment_points(gb, comment_id: str, points: float, *, expected: float,
                          max_points: float) -> None:
    """New points for one rubric comment, and every answer it is on re-scored, at once."""
    from nbgrader.api import Grade

    points = check_points(points, max_points, signed=True)
    seen = _seen(expected)
    if seen is None:
        raise CourseError("a change of a rubric comment's points needs the points you saw")
    ensure_tables(gb)
    with _transaction(gb):
        done = gb.db.execute(update(COMMENT).where(COMMENT.c.id == comment_id,
                                                   COMMENT.c.points == seen)
                             .values(points=points)).rowcount
        if done != 1:
            gb.db.rollback()
            now = gb.db.execute(select(COMMENT.c.points).where(COMMENT.c.id == comment_id)).scalar()
            raise _conflict("this rubric comment's points", now)
        on_it = select(APPLIED.c.grade_row).where(APPLIED.c.comment_id == comment_id)
        gb.db.execute(update(Grade).where(Grade.id.in_(on_it))
                      .values(manual_score=_rubric_score(Grade, max_points),
                              needs_manual_grade=False))


# --- one answer's mark ------------------------------------------------------------------------

def set_mark(gb, answer, points: float | None, comment: str | None, *,
             expected: float | None, max_points: float, rubric_ids: list[str] | None = None,
             question: tuple[str, str, str] | None = None) -> None:
    """Write one answer's mark if it is still ``expected`` (what the marker saw).

    ``rubric_ids`` (with ``question``: assignment, notebook, grade_id) puts exactly those
    rubric comments on the answer: it then scores their sum (or ``points`` when there are
    none), and the comments' texts are lines of the comment the student reads. Points given
    by hand (``rubric_ids`` None) take any rubric comments off the answer.
    """
    from nbgrader.api import Comment, Grade

    value = None if points is None else check_points(points, max_points)
    expected = _seen(expected)
    ensure_tables(gb)
    row = answer.grade_row
    with _transaction(gb):
        texts = {}
        if question is not None:  # lock the question's comments: their points cannot change now
            texts = dict(gb.db.execute(select(COMMENT.c.id, COMMENT.c.text)
                                       .where(_of(*question)).order_by(COMMENT.c.id)
                                       .with_for_update()).all())
        before = [i for (i,) in gb.db.execute(select(APPLIED.c.comment_id)
                                              .where(APPLIED.c.grade_row == row))]
        wanted = [i for i in (rubric_ids or []) if i in texts]
        gb.db.execute(delete(APPLIED).where(APPLIED.c.grade_row == row))
        if wanted:
            gb.db.execute(insert(APPLIED), [{"grade_row": row, "comment_id": i} for i in wanted])
        score = _rubric_score(Grade, max_points) if wanted else value
        stmt = update(Grade).where(Grade.id == row)
        stmt = stmt.where(Grade.manual_score.is_(None) if expected is None
                          else Grade.manual_score == expected)
        stmt = stmt.values(manual_score=score,
                           needs_manual_grade=not wanted and value is None)
        if gb.db.execute(stmt).rowcount != 1:
            gb.db.rollback()
            now = gb.db.get(Grade, row)
            raise _conflict("this answer's mark", None if now is None else now.manual_score)
        if texts and (before or wanted):
            comment = _with_rubric_lines(comment if comment is not None else answer.comment,
                                         [texts[i] for i in before if i in texts],
                                         [texts[i] for i in wanted])
        if comment is not None:
            gb.db.execute(update(Comment).where(Comment.id == answer.comment_row)
                          .values(manual_comment=comment))


def _of(assignment: str, notebook: str, grade_id: str):
    return and_(COMMENT.c.assignment == assignment, COMMENT.c.notebook == notebook,
                COMMENT.c.grade_id == grade_id)


def _rubric_score(Grade, max_points: float):
    """The sum of an answer's rubric comments' points, between 0 and ``max_points``, as SQL
    evaluated by the UPDATE that writes it (correlated to the grade row it updates)."""
    total = (select(func.coalesce(func.sum(COMMENT.c.points), 0.0))
             .select_from(APPLIED.join(COMMENT, APPLIED.c.comment_id == COMMENT.c.id))
             .where(APPLIED.c.grade_row == Grade.id).scalar_subquery())
    return case((total < 0, 0.0), (total > float(max_points), float(max_points)), else_=total)


def _with_rubric_lines(comment: str, old: list[str], new: list[str]) -> str:
    """The comment with the lines of rubric comments taken off removed and new ones added."""
    lines = [line for line in (comment or "").splitlines() if line.strip() not in old]
    lines += [text for text in new if text not in lines]
    return "\n".join(lines).strip()


# --- second marks -----------------------------------------------------------------------------

def second_marks(gb, assignment: str, grade_id: str) -> dict[str, float]:
    """{nbgrader Grade.id: the second marker's points} for one question."""
    ensure_tables(gb)
    rows = gb.db.execute(select(SECOND.c.grade_row, SECOND.c.points)
                         .where(SECOND.c.assignment == assignment, SECOND.c.grade_id == grade_id))
    return {grade_row: points for grade_row, points in rows}


def set_second_mark(gb, assignment: str, grade_id: str, grade_row: str, points: float | None,
                    *, expected: float | None, max_points: float, marker: str = "") -> None:
    """A second marker's points for one answer (None takes them back), if still ``expected``."""
    value = None if points is None else check_points(points, max_points)
    expected = _seen(expected)
    ensure_tables(gb)
    row = SECOND.c.grade_row == grade_row
    try:
        with _transaction(gb):
            if expected is None:  # a new mark: refused if one is there already
                if value is not None:
                    gb.db.execute(insert(SECOND).values(
                        grade_row=grade_row, assignment=assignment, grade_id=grade_id,
                        points=value, marker=marker))
                return
            seen = and_(row, SECOND.c.points == expected)
            stmt = (delete(SECOND).where(seen) if value is None else
                    update(SECOND).where(seen).values(points=value, marker=marker))
            if gb.db.execute(stmt).rowcount != 1:
                raise exc.IntegrityError("", {}, Exception("the second mark changed"))
    except exc.IntegrityError:  # a mark was there already, or it changed since it was read
        now = gb.db.execute(select(SECOND.c.points).where(row)).scalar()
        raise _conflict("this answer's second mark", now) from None
