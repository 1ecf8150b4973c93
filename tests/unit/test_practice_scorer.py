"""The book's in-page scorer (book/_static/practice.js) gives exactly what ipt_helpers.forms.scoring
gives: for every practice item of the book, hypothesis draws thousands of answers (well-formed,
partial, blank, malformed, and both sides of every conditional question) and the points and
every feedback line (verdicts included) must be identical.

One node process scores all the batches (a line of JSON in, a line out), so the test stays fast.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipt_helpers.forms import items
from ipt_helpers.forms.scoring import score_answers

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
import practice  # noqa: E402

JS = ROOT / "book" / "_static" / "practice.js"
BLOCKS = practice.book_blocks(ROOT / "book")
BATCH = 50       # answers per node round trip (one hypothesis example)
EXAMPLES = 40    # examples per item: 2,000 answers per practice item

SERVER = r"""
const scorer = require(process.argv[1]);
const rl = require("readline").createInterface({input: process.stdin});
rl.on("line", (line) => {
  const req = JSON.parse(line);
  let out;
  if (req.numbers) out = req.numbers.map(x => [scorer.round2(x), scorer.fmtG(x)]);
  else out = req.answers.map(a => { const r = scorer.scoreAnswers(a, req.rubric);
                                     return [r.points, r.lines]; });
  process.stdout.write(JSON.stringify(out) + "\n");
});
"""


@pytest.fixture(scope="module")
def node():
    proc = subprocess.Popen(["node", "-e", SERVER, str(JS)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, bufsize=1)

    def ask(request):
        proc.stdin.write(json.dumps(request) + "\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        assert line, "the node scorer stopped"
        return json.loads(line)

    yield ask
    proc.stdin.close()
    proc.wait(timeout=10)


# JavaScript orders an object's array-index keys ("0", "17") first; the book's ids and option
# keys are never such strings (book/_ext/practice.py refuses them), so answers do not use them.
NAMES = st.text(max_size=6).filter(lambda s: not re.fullmatch(r"0|[1-9][0-9]*", s))
SCALARS = (st.none() | st.booleans() | st.integers(-3, 3)
           | st.floats(allow_nan=False, allow_infinity=False, width=32) | NAMES)
SMALL = SCALARS | st.lists(SCALARS, max_size=2)
JUNK = SCALARS | st.lists(SMALL, max_size=3) | st.dictionaries(NAMES, SMALL, max_size=2)


def _keys(q, attr):
    return [k for _, k in getattr(q, attr, None) or []]


def answer_for(q):
    """Answers to one question: what its controls can give, near misses, and junk."""
    kind = type(q).__name__
    if kind in ("Single", "Multi"):
        choice = st.sampled_from(_keys(q, "options")) | NAMES | st.none()
        if kind == "Single":
            return choice | choice | JUNK
        return st.lists(choice, max_size=len(q.options) + 2) | JUNK
    if kind == "Order":
        keys = _keys(q, "items")
        slot = st.sampled_from(keys) | st.none() | (NAMES if len(keys) < 3 else st.sampled_from(keys))
        return (st.permutations(keys) | st.lists(slot, min_size=len(keys), max_size=len(keys))
                | st.lists(slot, max_size=len(keys) + 2) | JUNK)
    if kind == "Sort":
        item_keys, cats = _keys(q, "items"), _keys(q, "categories")
        cat = st.sampled_from(cats) | st.none()
        one = st.lists(cat, max_size=len(cats) + 1) if q.multiple else cat
        return (st.fixed_dictionaries({i: one for i in item_keys})
                | st.dictionaries(st.sampled_from(item_keys) | NAMES, one | JUNK, max_size=4) | JUNK)
    return st.text(max_size=8) | JUNK


def answers_for(questions):
    form = {q.id: answer_for(q) for q in questions}
    whole = st.fixed_dictionaries({}, optional=form)
    return whole | whole | whole | JUNK


ITEMS = []
for page, block in BLOCKS:
    questions, _ = practice.parse_block(block["source"], block["convention"])
    rubric = items.FormDefinition(block["id"], questions).rubric()
    if rubric:
        ITEMS.append(pytest.param(questions, rubric, id=block["id"]))


def test_the_book_has_practice_items():
    assert len(BLOCKS) >= 40, len(BLOCKS)
    assert any(r.get("when") for p in ITEMS for r in p.values[1].values()), \
        "no conditional question: the differential test would not reach `when`"


@pytest.mark.parametrize("questions, rubric", ITEMS)
def test_browser_scorer_equals_python_scorer(questions, rubric, node):
    pairs = [[qid, rule] for qid, rule in rubric.items()]

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.lists(answers_for(questions), min_size=BATCH, max_size=BATCH))
    def check(batch):
        batch = json.loads(json.dumps(batch))  # what the page and node see
        got = node({"rubric": pairs, "answers": batch})
        for answers, (points, lines) in zip(batch, got):
            want_points, want_lines = score_answers(answers, rubric)
            assert (points, lines) == (want_points, want_lines), answers

    check()


def test_full_marks_and_the_conditional_branches_agree(node):
    """Beyond random answers: each item's full-marks answer, and for a conditional question each
    answer of the question it depends on."""
    from ipt_helpers.forms.scoring import conditions, full_marks
    for param in ITEMS:
        questions, rubric = param.values
        cases = [full_marks(rubric), {}]
        for qid, rule in rubric.items():
            for target in conditions(rule):
                other = next(q for q in questions if q.id == target)
                for key in _keys(other, "options"):
                    cases.append({**full_marks(rubric), target: key})
        got = node({"rubric": [[q, r] for q, r in rubric.items()], "answers": cases})
        for answers, (points, lines) in zip(cases, got):
            assert [points, lines] == list(score_answers(answers, rubric)), (param.id, answers)
        assert got[0][0] == sum(float(r.get("points", 1)) for r in rubric.values())


TIES = [0.125, 0.375, 0.625, 0.875, 1.125, 2.675, 1.005, 0.005, 0.015, 0.045, 2.5, 0.335,
        1 / 3, 2 / 3, 0.1 + 0.2, 1e-7, 123456.785, 1234567.0, 0.0, -0.125, 99.995, 1.0049999999]


@settings(max_examples=30, deadline=None, database=None)
@given(numbers=st.lists(st.floats(0, 20, allow_nan=False) | st.integers(0, 160).map(lambda n: n / 8)
                | st.tuples(st.integers(1, 6), st.integers(0, 12), st.integers(1, 12)).map(
                    lambda t: t[0] * (t[1] / t[2])), min_size=100, max_size=100))
def test_rounding_and_number_format_are_pythons(numbers, node):
    """round(x, 2) (ties to even, on the exact binary value) and format(x, "g")."""
    for x, (rounded, shown) in zip(TIES + numbers, node({"numbers": TIES + numbers})):
        assert (rounded, shown) == (round(x, 2), format(x, "g")), x
