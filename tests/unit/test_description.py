"""ipt_helpers.forms.description: the key-free description each student form cell carries for
the assignment view (cell metadata ``ipt.form``), made at release and checked by the schema.
"""

import copy
import json

import nbformat
import pytest

from conftest import COURSE
from ipt_helpers.course.release.check import check_notebook
from ipt_helpers.course.release.student_version import DeriveItems, StudentForms
from ipt_helpers.forms import description
from ipt_helpers.forms.cellsource import read_answers, rewrite_answer, to_literal
from ipt_helpers.forms.scoring import KEY_FIELDS

SOURCES = sorted(COURSE.glob("source/*/*.ipynb"))


def student_version(path):
    nb = nbformat.read(path, as_version=4)
    nb, _ = DeriveItems().preprocess(nb, {})
    nb, _ = StudentForms().preprocess(nb, {})
    return nb


def form_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and "form" in c.metadata.get("ipt", {})]


def keys_anywhere(value, found=None):
    found = set() if found is None else found
    if isinstance(value, dict):
        found.update(value)
        for v in value.values():
            keys_anywhere(v, found)
    elif isinstance(value, list):
        for v in value:
            keys_anywhere(v, found)
    return found


@pytest.fixture(scope="module")
def released():
    return {p.parent.name: student_version(p) for p in SOURCES}


def test_every_student_form_cell_carries_a_valid_key_free_description(released):
    total = 0
    for name, nb in released.items():
        cells = form_cells(nb)
        assert cells, f"{name}: no form cell got a description"
        for cell in cells:
            desc = cell.metadata["ipt"]["form"]
            assert description.problems(desc) == [], name
            assert not keys_anywhere(desc) & set(KEY_FIELDS), f"{name}: a key field in {desc['id']}"
            # the description is the cell's own form, and nothing graded is in it
            assert desc["id"] in read_answers(cell.source)
            total += 1
    assert total >= 20


def test_the_record_span_is_where_rewrite_answer_writes(released):
    """The view writes before + literal + after: exactly rewrite_answer's cell, for any answer."""
    nb = released["ps9-measurement-fidelity"]
    for cell in form_cells(nb):
        desc = cell.metadata["ipt"]["form"]
        rec = desc["record"]
        assert cell.source == rec["before"] + "None" + rec["after"]
        answer = {q["id"]: None for q in desc["questions"]}
        answer[desc["questions"][0]["id"]] = "é \"q\" \\ ' \n\t\u2028"
        expected = rewrite_answer(cell.source, desc["id"], answer)
        assert expected == rec["before"] + to_literal(answer) + rec["after"]
        assert read_answers(expected)[desc["id"]] == answer


def test_the_schema_refuses_a_key_field_and_a_broken_form():
    nb = student_version(COURSE / "source/ps1-problem-areas/problem-areas.ipynb")
    desc = form_cells(nb)[0].metadata["ipt"]["form"]
    leaked = copy.deepcopy(desc)
    leaked["questions"][0]["accept"] = {"grief": 1}
    assert any("accept" in p for p in description.problems(leaked))
    empty = copy.deepcopy(desc)
    empty["questions"][0]["options"] = []
    assert description.problems(empty)
    twice = copy.deepcopy(desc)
    twice["questions"].append(copy.deepcopy(twice["questions"][0]))
    assert any("used twice" in p for p in description.problems(twice))
    later = copy.deepcopy(desc)
    later["questions"][0]["when"] = {"nowhere": ["x"]}
    assert any("not a question before it" in p for p in description.problems(later))


def test_check_names_a_form_the_view_could_not_draw():
    nb = nbformat.read(COURSE / "source/ps1-problem-areas/problem-areas.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code" and "form(" in c.source
                and not c.metadata.get("nbgrader", {}).get("grade"))
    cell.source = cell.source.replace("form(", 'form("extra", [Text("t", "Why?")])\nform(', 1)
    problems = check_notebook(nb, "ps1")
    assert any("one form per cell" in p for p in problems), problems


def test_release_refuses_two_forms_in_one_cell():
    nb = nbformat.read(COURSE / "source/ps1-problem-areas/problem-areas.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code" and "form(" in c.source
                and not c.metadata.get("nbgrader", {}).get("grade"))
    cell.source = cell.source + '\nform("extra", [Text("t", "Why?")])\n'
    nb, _ = DeriveItems().preprocess(nb, {})
    with pytest.raises(ValueError, match="one per cell"):
        StudentForms().preprocess(nb, {"unique_key": "ps1"})


def test_the_schema_file_is_json_schema():
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(description.schema())
    assert json.loads(description.SCHEMA_FILE.read_text())["$defs"]["question"]
