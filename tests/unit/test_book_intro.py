"""The book's introduction tells students how the exercises work today (issue 21, item 9):
the assignment page first, the notebook as the fallback for other programs, and no longer
"press Shift+Enter after every change" as the only way."""

import re

from conftest import ROOT

INTRO = (ROOT / "book" / "intro.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", INTRO, re.S | re.M)
    assert match, f"the introduction has no section {title!r}"
    return " ".join(match.group(1).split())


def test_how_the_exercises_work_describes_the_assignment_page():
    text = section("How the exercises work")
    for words in ("Double-click the file", "*Assignments* panel", "assignment page",
                  "radio buttons, checkboxes and drop-down lists", "text box", "hand-in panel",
                  "nothing to run", "saves a moment after each change", "Ctrl+S",
                  "Tab moves", "arrow keys", "Space ticks", "upload the `.ipynb` file",
                  "*Open With ▸ Notebook*"):
        assert words in text, words


def test_shift_enter_is_the_fallback_of_other_programs_only():
    text = section("How the exercises work")
    fallback = text.index("**In other programs.**")
    assert "*Run ▸ Run All Cells*" in text[fallback:]
    assert all(m.start() > fallback for m in re.finditer("Shift\\+Enter", text)), \
        "Shift+Enter is mentioned only for programs without the assignment page"
    assert "VS Code" in text[fallback:] and "Colab" in text[fallback:]


def test_the_safety_framing_is_still_there():
    assert "```{admonition} Educational use only" in INTRO
    assert "```{admonition} If you or someone you know is in crisis" in INTRO
    assert "It is not therapy, and it is not clinical supervision." in INTRO


def test_the_readme_tells_students_the_same():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    students = re.search(r"^## For students\n(.*?)(?=^## )", readme, re.S | re.M).group(1)
    text = " ".join(students.split())
    for words in ("*How the exercises work*", "assignment page", "*Assignments* panel",
                  "nothing to run", "hand-in panel", "Ctrl+S", "Run ▸ Run All Cells",
                  "*Open With ▸ Notebook*"):
        assert words in text, words
    fallback = text.index("Elsewhere (VS Code")
    assert all(m.start() > fallback for m in re.finditer("Shift\\+Enter", text))
