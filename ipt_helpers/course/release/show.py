"""``ipt-course show ASSIGNMENT ITEM``: everything about one item, in the order it flows.

The definition (the instructor's form cell), the form cell the student receives, the hidden
test that release derives and grading runs, and the answer that earns full marks: where a
newcomer, or an instructor changing a key, sees one question whole.
"""

from __future__ import annotations

import pprint

import nbformat

from ipt_helpers.course.folder import Course, CourseError
from ipt_helpers.forms.items import hidden_test, notebook_items, student_source
from ipt_helpers.forms.scoring import full_marks


def find_item(course: Course, assignment: str, form_id: str):
    """(notebook path, cell source, Item) of ``form_id`` in ``assignment``'s source notebooks."""
    folder = course.root / "source" / course.check_assignment(assignment)
    known = []
    for path in sorted(folder.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for item in notebook_items(nb).items:
            if item.form_id == form_id:
                return path, nb.cells[item.form_cell].source, item
            known.append(item.form_id)
    raise CourseError(f"{assignment} has no item {form_id!r}; its items: {', '.join(known) or 'none'}")


def show_item(course: Course, assignment: str, form_id: str) -> int:
    path, source, item = find_item(course, assignment, form_id)
    rubric = item.definition.rubric()
    where = f"{path.relative_to(course.root)}, cell {item.form_cell}"
    graded = (f"graded as {item.grade_id} ({item.points:g} points), cell {item.test_cell}"
              if item.grade_id else "no graded test cell yet (release derives it)")
    sections = [
        (f"Definition ({where})", source),
        ("The student's form cell", student_source(source)),
        (f"Hidden test ({graded})", hidden_test(form_id, rubric)),
        (f"Full-mark answer ({item.definition.points():g} points)", pprint.pformat(full_marks(rubric))),
    ]
    for title, text in sections:
        print(f"== {title}\n{text.rstrip()}\n")
    return 0
