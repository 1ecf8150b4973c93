"""ipt_helpers.course.assignment: each assignment's facts live once, in its notebook's metadata;
the student's first cell and the instructor guide's tables are made from them."""

import html
import re

import nbformat
import pytest

from conftest import ASSIGNMENTS, COURSE, ROOT, run
from ipt_helpers.course.assignment import HOW_TO_ANSWER, AssignmentInfo, course_assignments


def test_every_assignment_has_complete_metadata():
    infos = course_assignments(COURSE / "source")
    assert list(infos) == ASSIGNMENTS
    for aid, info in infos.items():
        assert info.title and info.topic and info.convention and info.minutes > 0, aid
        assert len(info.objectives) >= 3 and "main" in info.assesses.values(), aid


def test_the_first_cell_says_what_to_do_when_the_forms_are_not_shown():
    info = course_assignments(COURSE / "source")["ps1-problem-areas"]
    how = next(p for p in info.intro_markdown().split("\n\n") if p.startswith("**How to answer.**"))
    assert "If you see code where the questions should be, choose **Run ▸ Run All Cells**" in how


def test_malformed_metadata_is_a_clear_error():
    nb = nbformat.v4.new_notebook()
    with pytest.raises(ValueError, match="no assignment metadata"):
        AssignmentInfo.from_notebook(nb)
    nb.metadata["ipt"] = {"title": "T"}
    with pytest.raises(ValueError, match="malformed"):
        AssignmentInfo.from_notebook(nb)


@pytest.mark.slow
def test_release_writes_the_first_cell_from_the_metadata(course):
    run(["nbgrader", "generate_assignment", "ps2-inventory", "--force"], cwd=course)
    source = nbformat.read(course / "source" / "ps2-inventory" / "inventory.ipynb", as_version=4)
    release = nbformat.read(course / "release" / "ps2-inventory" / "inventory.ipynb", as_version=4)
    info = AssignmentInfo.from_notebook(source)
    intro = release.cells[0].source
    assert intro == info.intro_markdown()
    assert intro.startswith(f"# {info.title}\n") and HOW_TO_ANSWER in intro
    assert info.convention in intro and all(o in intro for o in info.objectives)
    assert f"*About {info.minutes} minutes.*" in intro


def test_the_built_instructor_guide_shows_every_assignments_facts():
    page = ROOT / "_build" / "html" / "book" / "instructor-guide.html"
    assert page.exists(), "build the book first (make book); make test does"
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.read_text())).split())
    text = text.translate(str.maketrans("‘’“”", "''\"\""))  # Sphinx's smart quotes
    for aid, info in course_assignments(COURSE / "source").items():
        assert aid in text and " ".join(info.topic.split()) in text, aid
        assert " ".join(re.sub(r"[*`]", "", info.convention).split()) in text, aid  # emphasis rendered
        assert f"about {info.minutes} min" in text, aid
