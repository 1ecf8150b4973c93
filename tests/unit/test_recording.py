"""Recording: the form writes the live choices into its own cell's source as a literal."""

import ast

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ipt_helpers import Multi, Order, Single, Sort, Text, options
from ipt_helpers.forms import recording
from ipt_helpers.forms.recording import (PENDING, RECORDED, form, handin_report, read_answers,
                                   rewrite_answer, to_literal)

QUESTIONS = [
    Single("area", "Which problem area?", options("problem_area")),
    Multi("clues", "Which clues?", [("Death", "death"), ("Move", "move"), ("Job", "job")]),
    Order("steps", "Order the steps.", [("Inventory", "inv"), ("Focus", "focus"), ("Contract", "contract")]),
    Sort("rings", "Place the people.", items=["Ana", "Ben"], categories=options("ring")),
    Sort("quality", "Mark the relationships.", items=["Ana", "Ben"],
         categories=options("quality"), multiple=True),
    Text("why", "Why?"),
]
CELL = 'form("f1", QUESTIONS, answer=None)'


class FakeShell:
    """Stands in for the kernel: knows the running cell's source, captures set_next_input."""

    def __init__(self, source):
        self.source = source
        self.next_inputs = []
        self.kernel = self

    def get_parent(self):
        return {"content": {"code": self.source}}

    def set_next_input(self, text, replace=False):
        assert replace, "the form must replace its own cell, not add a new one"
        self.next_inputs.append(text)


@pytest.fixture(autouse=True)
def fresh_kernel(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    RECORDED.clear()
    recording._LIVE.clear()
    shell = FakeShell(CELL)
    monkeypatch.setattr(recording, "get_ipython", lambda: shell)
    return shell


def run_cell(shell, source):
    """Execute a form cell as the kernel would, then apply the front end's rewrite."""
    shell.source = source
    shell.next_inputs.clear()
    result = eval(compile(source, "<cell>", "eval"), {"form": form, "QUESTIONS": QUESTIONS})
    new_source = shell.next_inputs[-1] if shell.next_inputs else source
    return result, new_source


def set_controls(f, answer):
    """Click the widgets: put `answer` into the live controls of form `f`."""
    for q, control in zip(f.questions, f._controls):
        value = answer.get(q.id)
        if isinstance(q, Multi):
            for (_, key), box in zip(q.options, control):
                box.value = key in value
        elif isinstance(q, Order):
            for drop, v in zip(control, value):
                drop.value = v
        elif isinstance(q, Sort):
            for (_, item), c in zip(q.items, control):
                if q.multiple:
                    for (_, cat), box in zip(q.categories, c):
                        box.value = cat in value[item]
                else:
                    c.value = value[item]
        else:
            control.value = value


ANSWER = {
    "area": "role_transition",
    "clues": ["death", "job"],
    "steps": ["inv", "focus", "contract"],
    "rings": {"Ana": "inner", "Ben": "outer"},
    "quality": {"Ana": ["supportive"], "Ben": ["conflictual", "changed_near_onset"]},
    "why": 'He said "I\'m useless" — <b>not</b> code.\nSecond line.',
}


def test_rerun_records_live_choices_into_the_cell_source(fresh_kernel):
    f, source = run_cell(fresh_kernel, CELL)
    assert source == CELL and f.state() == "empty"
    set_controls(f, ANSWER)
    assert f.state() == "pending" and PENDING in f.status.value
    f2, source = run_cell(fresh_kernel, source)
    assert read_answers(source)["f1"] == ANSWER
    assert f2.state() == "recorded" and RECORDED["f1"] == ANSWER
    # a third run with nothing changed does not touch the source again
    _, again = run_cell(fresh_kernel, source)
    assert again == source and not fresh_kernel.next_inputs


def test_form_is_rebuilt_from_the_literal_after_a_restart(fresh_kernel):
    f, source = run_cell(fresh_kernel, CELL)
    set_controls(f, ANSWER)
    _, source = run_cell(fresh_kernel, source)
    RECORDED.clear()
    recording._LIVE.clear()  # kernel restart
    f3, same = run_cell(fresh_kernel, source)
    assert same == source and f3.live() == ANSWER and f3.state() == "recorded"
    assert "Form f1: recorded" in f3._repr_mimebundle_()["text/plain"]


def test_while_autograding_the_form_shows_the_recorded_answers_in_words(fresh_kernel, monkeypatch):
    cell = f"form(\"f1\", QUESTIONS, answer={ANSWER!r})"
    live, _ = run_cell(fresh_kernel, cell)
    RECORDED.clear()
    recording._LIVE.clear()
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    graded, same = run_cell(fresh_kernel, cell)
    assert same == cell and not fresh_kernel.next_inputs
    assert RECORDED["f1"] == live.answers == ANSWER, "grading sees what the student recorded"
    bundle = graded._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}, "no widgets: feedback pages can show it"
    page = bundle["text/html"]
    assert "Role transition" in page and "Which clues?" in page
    assert "<b>not</b>" not in page and "&lt;b&gt;not&lt;/b&gt;" in page, "student text is escaped"
    assert handin_report() == [("f1", "recorded")]
    blank, _ = run_cell(fresh_kernel, 'form("f2", QUESTIONS, answer=None)')
    assert "f2 — empty" in blank._repr_mimebundle_()["text/html"]


def test_rewrite_keeps_the_rest_of_the_cell():
    src = '# a comment\nx = 1\nform("a", Q,\n     answer={"q": "old"},  # keep me\n     title="T")\n'
    out = rewrite_answer(src, "a", {"q": "new"})
    assert out == src.replace("{\"q\": \"old\"}", '{\n    "q": "new",\n}')
    assert rewrite_answer('form("a", Q)', "a", {"q": 1}) == 'form("a", Q, answer={\n    "q": 1,\n})'


def test_rewrite_refuses_a_cell_without_that_form():
    with pytest.raises(ValueError):
        rewrite_answer('form("other", Q, answer=None)', "a", {})


@pytest.mark.parametrize("bad", [
    "not a dict", {"area": "banana"}, {"clues": "death"}, {"steps": ["inv"]},
    {"rings": {"Zed": "inner"}}, {"quality": {"Ana": "supportive"}}, {"why": 42}, {"nope": 1},
])
def test_malformed_recorded_value_is_reported_and_counts_as_unanswered(fresh_kernel, bad):
    cell = f"form(\"f1\", QUESTIONS, answer={bad!r})"
    f, _ = run_cell(fresh_kernel, cell)
    text = f._repr_mimebundle_()["text/plain"]
    assert "Note:" in text
    assert "Note:" in f.status.value
    for q in QUESTIONS:
        if isinstance(bad, dict) and q.id in bad:
            assert q.is_empty(RECORDED["f1"][q.id])


def test_a_cell_that_is_not_plain_python_keeps_the_old_answer_and_says_so(fresh_kernel):
    f, _ = run_cell(fresh_kernel, CELL)
    set_controls(f, ANSWER)
    fresh_kernel.source = "%%time\n" + CELL
    fresh_kernel.next_inputs.clear()
    f2 = form("f1", QUESTIONS, answer=None)
    assert not fresh_kernel.next_inputs
    assert "Could not record" in f2.status.value
    assert f2.state() == "pending"


class ExplodingQuestion(Single):
    def build(self, value):
        raise RuntimeError("boom")


def test_a_broken_form_definition_never_raises():
    f = form("broken", [ExplodingQuestion("q", "Q", options=["a"])], answer=None)
    assert "could not be shown" in f._repr_mimebundle_()["text/plain"]
    assert RECORDED["broken"] == {}


def test_handin_report_lists_recorded_pending_and_empty(fresh_kernel):
    a, src_a = run_cell(fresh_kernel, 'form("a", QUESTIONS, answer=None)')
    run_cell(fresh_kernel, 'form("b", QUESTIONS, answer=None)')
    c, _ = run_cell(fresh_kernel, 'form("c", QUESTIONS, answer=None)')
    set_controls(a, ANSWER)
    run_cell(fresh_kernel, src_a)
    set_controls(c, ANSWER)
    report = dict(handin_report())
    assert report["a"] == "recorded"
    assert report["b"].startswith("empty")
    assert report["c"].startswith("NOT RECORDED")


# --- property: any answer the widgets can produce survives literal -> source -> re-run -----

names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=8)


@st.composite
def question_and_answer(draw):
    keys = draw(st.lists(names, min_size=2, max_size=5, unique=True))
    opts = [(f"label {k}", k) for k in keys]
    kind = draw(st.sampled_from(["single", "multi", "order", "sort", "tags", "text"]))
    if kind == "single":
        return Single("q", "?", opts), {"q": draw(st.sampled_from(keys + [None]))}
    if kind == "multi":
        return Multi("q", "?", opts), {"q": [k for k in keys if draw(st.booleans())]}
    if kind == "order":
        perm = draw(st.permutations(keys))
        return Order("q", "?", opts), {"q": [draw(st.sampled_from([k, None])) for k in perm]}
    cats = [("Inner", "inner"), ("Outer", "outer")]
    if kind == "sort":
        return (Sort("q", "?", items=opts, categories=cats),
                {"q": {k: draw(st.sampled_from(["inner", "outer", None])) for k in keys}})
    if kind == "tags":
        return (Sort("q", "?", items=opts, categories=cats, multiple=True),
                {"q": {k: [c for _, c in cats if draw(st.booleans())] for k in keys}})
    return Text("q", "?"), {"q": draw(st.text(max_size=40))}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(question_and_answer())
def test_any_widget_answer_survives_literal_source_and_rerun(fresh_kernel, qa):
    question, answer = qa
    RECORDED.clear()
    recording._LIVE.clear()
    ns = {"form": form, "QS": [question]}
    cell = 'form("p", QS, answer=None)'
    fresh_kernel.source = cell
    f = eval(cell, ns)
    set_controls(f, answer)
    live = f.live()
    assert live == answer
    fresh_kernel.next_inputs.clear()
    eval(cell, ns)  # Shift+Enter: records into the source
    recorded_source = fresh_kernel.next_inputs[-1] if fresh_kernel.next_inputs else cell
    assert ast.literal_eval(to_literal(live)) == live
    RECORDED.clear()
    recording._LIVE.clear()  # headless re-execution, e.g. nbgrader autograde
    fresh_kernel.source = recorded_source
    rebuilt = eval(recorded_source, ns)
    assert RECORDED["p"] == answer
    assert rebuilt.live() == answer


# --- a conditional question that stops applying is cleared (issue 21, item 8) ----------------

COND = [
    Single("focus", "Which focus?", options("problem_area")),
    Single("stage", "At which stage?", options("dispute_stage"), when={"focus": "role_dispute"}),
    # applies only after an answer to a question that is itself conditional
    Multi("signs", "Which signs of an impasse?", [("Silence", "silence"), ("Threats", "threats")],
          when={"stage": "impasse"}),
    Order("plan", "Order the plan.", [("Clarify", "clarify"), ("Options", "options"), ("Act", "act")],
          when={"focus": "role_dispute"}),
    Sort("rings", "Place the people.", items=["Ana", "Ben"], categories=options("ring"),
         when={"focus": "role_dispute"}),
    Sort("quality", "Mark the relationships.", items=["Ana", "Ben"], categories=options("quality"),
         multiple=True, when={"focus": "role_dispute"}),
    Text("why", "Why this stage?", when={"focus": "role_dispute"}),
]
DISPUTE = {
    "focus": "role_dispute", "stage": "impasse", "signs": ["silence", "threats"],
    "plan": ["clarify", "options", "act"], "rings": {"Ana": "inner", "Ben": "outer"},
    "quality": {"Ana": ["supportive"], "Ben": ["conflictual"]}, "why": "They stopped talking.",
}
#: every conditional question with its empty value (Question.check(None))
EMPTY = {"stage": None, "signs": [], "plan": [None, None, None], "rings": {"Ana": None, "Ben": None},
         "quality": {"Ana": [], "Ben": []}, "why": ""}


def run_cond(shell, source):
    shell.source = source
    shell.next_inputs.clear()
    result = eval(compile(source, "<cell>", "eval"), {"form": form, "COND": COND})
    return result, (shell.next_inputs[-1] if shell.next_inputs else source)


def shown(f):
    """What the controls show, read without the clearing rule."""
    return {q.id: q.read(c) for q, c in zip(f.questions, f._controls)}


def sent(f):
    """The answers in the source the form hands to the extension (the automatic path)."""
    import html
    import re

    new = html.unescape(re.search(r"<pre[^>]*>(.*)</pre>", f.record.value, re.S).group(1))
    return read_answers(new)[f.form_id]


def test_clear_inapplicable_gives_each_question_type_its_empty_value():
    from ipt_helpers.forms.scoring import clear_inapplicable

    grief = {**DISPUTE, "focus": "grief", "extra": 1}
    assert clear_inapplicable(COND, grief) == {"focus": "grief", **EMPTY, "extra": 1}
    assert clear_inapplicable(COND, DISPUTE) == DISPUTE
    # the chain: "signs" needs "stage" to be impasse, and "stage" applies only to a dispute
    other_stage = {**DISPUTE, "stage": "renegotiation"}
    assert clear_inapplicable(COND, other_stage) == {**other_stage, "signs": []}
    assert {q.id: q.check(None) for q in COND if q.when} == EMPTY


def test_a_question_that_stops_applying_is_cleared_in_the_controls_and_the_record(fresh_kernel):
    cell = 'form("c", COND, answer=None)'
    f, _ = run_cond(fresh_kernel, cell)
    set_controls(f, DISPUTE)
    assert f.live() == DISPUTE and sent(f) == DISPUTE
    _, source = run_cond(fresh_kernel, cell)  # Shift+Enter: recorded in the literal
    assert read_answers(source)["c"] == DISPUTE
    f, source = run_cond(fresh_kernel, source)
    assert f.state() == "recorded"

    f._controls[0].value = "grief"
    cleared = {"focus": "grief", **EMPTY}
    assert f.live() == cleared
    assert shown(f) == cleared, "the controls are reset, not only disabled"
    assert sent(f) == cleared, "the automatic path records the empty values"
    assert f.unanswered() == [] and f.state() == "pending"
    _, source = run_cond(fresh_kernel, source)  # the Shift+Enter path
    assert read_answers(source)["c"] == cleared and RECORDED["c"] == cleared

    # choosing the dispute again does not bring the old answers back
    f = recording._LIVE["c"]
    f._controls[0].value = "role_dispute"
    assert f.live() == {"focus": "role_dispute", **EMPTY}
    assert f.unanswered() == [2, 4, 5, 6, 7], "signs (3) waits for the stage"


def test_a_question_behind_a_cleared_one_is_cleared_too(fresh_kernel):
    f, _ = run_cond(fresh_kernel, 'form("c", COND, answer=None)')
    set_controls(f, DISPUTE)
    f._controls[1].value = "renegotiation"
    assert f.live()["signs"] == [] and shown(f)["signs"] == []
    set_controls(f, DISPUTE)
    f._controls[0].value = "grief"  # "stage" stops applying, and with it "signs"
    assert shown(f) == {"focus": "grief", **EMPTY} and sent(f) == {"focus": "grief", **EMPTY}


def test_a_stale_value_read_back_from_the_file_does_not_count_and_is_rewritten(fresh_kernel):
    stale = {**DISPUTE, "focus": "grief"}
    cell = f'form("c", COND, answer={stale!r})'
    f, source = run_cond(fresh_kernel, cell)
    cleared = {"focus": "grief", **EMPTY}
    assert RECORDED["c"] == cleared and f.answers == cleared
    assert shown(f) == cleared and f.state() == "recorded"
    assert read_answers(source)["c"] == cleared, "the cell is rewritten without the stale values"
    # an unchanged re-run leaves the cleaned cell alone
    _, again = run_cond(fresh_kernel, source)
    assert again == source and not fresh_kernel.next_inputs


def test_while_autograding_a_stale_value_counts_as_unanswered(fresh_kernel, monkeypatch):
    from ipt_helpers.forms.items import FormDefinition

    keyed = [Single("focus", "Which focus?", options("problem_area"), accept={"grief": 1}),
             Single("stage", "At which stage?", options("dispute_stage"), points=2,
                    when={"focus": "role_dispute"}, accept={"impasse": 1}),
             Multi("signs", "Which signs?", [("Silence", "silence"), ("Threats", "threats")],
                   when={"stage": "impasse"}, correct=["silence"])]
    rubric = FormDefinition("k", keyed).rubric()
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    students = [Single("focus", "Which focus?", options("problem_area")),
                Single("stage", "At which stage?", options("dispute_stage"), points=2,
                       when={"focus": "role_dispute"}),
                Multi("signs", "Which signs?", [("Silence", "silence"), ("Threats", "threats")],
                      when={"stage": "impasse"})]
    stale = {"focus": "grief", "stage": "impasse", "signs": ["silence"]}
    fresh_kernel.source = f'form("k", QS, answer={stale!r})'
    form("k", students, answer=stale)
    assert not fresh_kernel.next_inputs, "grading never rewrites a cell"
    assert RECORDED["k"] == {"focus": "grief", "stage": None, "signs": []}
    assert recording.score("k", rubric) == 4.0, "focus right; the others' points count with it"
