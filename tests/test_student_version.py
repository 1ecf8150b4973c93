import nbformat

from ipt_helpers.student_version import ClearFormAnswers, clear_form_answers


def test_clear_form_answers_resets_every_form_in_a_cell():
    src = 'form("a", Q, answer={"x": "grief"})\nform("b", Q, answer=["k"])\n'
    assert clear_form_answers(src) == 'form("a", Q, answer=None)\nform("b", Q, answer=None)\n'


def test_cells_that_are_not_python_are_left_alone():
    assert clear_form_answers("%%bash\necho hi") == "%%bash\necho hi"


def test_preprocessor_drops_widget_state_and_answers():
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {"x": "grief"}}}
    nb.cells.append(nbformat.v4.new_code_cell('form("a", Q, answer={"x": "grief"})'))
    nb.cells.append(nbformat.v4.new_markdown_cell('form("a", Q, answer={"x": "grief"})'))
    out, _ = ClearFormAnswers().preprocess(nb, {})
    assert "widgets" not in out.metadata
    assert out.cells[0].source == 'form("a", Q, answer=None)'
    assert out.cells[1].source == 'form("a", Q, answer={"x": "grief"})'  # markdown untouched
