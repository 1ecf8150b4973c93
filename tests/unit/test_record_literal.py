"""The assignment view writes answers into form cells in the browser, with no Python: its
rule (labextension/src/record.ts, render.ts) must give exactly the cell Python gives.

Node runs the extension's compiled modules on generated answers for every released form of
the course: the cell it composes equals ``cellsource.rewrite_answer``'s, Python reads back the
same answer, the view reads back what Python wrote (also pprint's older style), a
conditional question that does not apply is cleared as ``scoring.clear_inapplicable`` clears it,
and the points shown beside each question are ``scoring.effective_points``'.
"""

import json
import pprint
import random
import shutil
import subprocess

import nbformat
import pytest

from conftest import COURSE, ROOT
from ipt_helpers.course.release.student_version import DeriveItems, StudentForms
from ipt_helpers.forms.cellsource import read_answers, rewrite_answer
from ipt_helpers.forms.items import definitions_in
from ipt_helpers.forms.scoring import clear_inapplicable, effective_points

LIB = ROOT / "labextension" / "lib"
#: text a student may type: quotes, backslashes, line breaks, tabs, control characters,
#: accents, right-to-left script, emoji (outside the BMP), and Python-looking text
TEXTS = ["", "plain", 'she said "no"', "it's", "back\\slash \\n", "two\nlines\r\nand\ttab",
         "\x00\x01\x1f\x7f", "Zoë, Łódź, Ağrı", "مرحبا", "😀 👩🏽‍⚕️", "answer={'x': None})",
         "\u2028\u2029", "None", "    indented"]


def forms():
    out = []
    for path in sorted(COURSE.glob("source/*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        nb, _ = DeriveItems().preprocess(nb, {})
        nb, _ = StudentForms().preprocess(nb, {})
        for cell in nb.cells:
            if "form" in cell.metadata.get("ipt", {}):
                out.append((cell.source, cell.metadata["ipt"]["form"]))
    return out


def random_value(q, rng):
    kind = q["kind"]
    if kind == "Single":
        return rng.choice([None] + [o["key"] for o in q["options"]])
    if kind == "Multi":
        return [o["key"] for o in q["options"] if rng.random() < 0.4]
    if kind == "Order":
        keys = [i["key"] for i in q["items"]]
        return [rng.choice([None] + keys) for _ in keys]
    if kind == "Sort":
        cats = [c["key"] for c in q["categories"]]
        if q["multiple"]:
            return {i["key"]: [c for c in cats if rng.random() < 0.3] for i in q["items"]}
        return {i["key"]: rng.choice([None] + cats) for i in q["items"]}
    return rng.choice(TEXTS)


def node(script: str, payload):
    return json.loads(subprocess.run(["node", "--input-type=module", "-e", script],
                                     input=json.dumps(payload), capture_output=True, text=True,
                                     check=True, timeout=60).stdout)


@pytest.fixture(scope="module")
def modules(tmp_path_factory):
    if not (LIB / "record.js").exists():
        pytest.fail("labextension/lib is not built: make builds it (npm run build)")
    folder = tmp_path_factory.mktemp("js")
    for name in ("record", "render"):
        shutil.copy(LIB / f"{name}.js", folder / f"{name}.mjs")
    return folder


def test_the_view_composes_exactly_the_cell_python_writes(modules):
    rng = random.Random(20261207)
    cases = []
    for source, desc in forms():
        for _ in range(12):
            raw = {q["id"]: random_value(q, rng) for q in desc["questions"]}
            cases.append({"source": source, "desc": desc, "raw": raw})
    assert len(cases) > 200
    script = f"""
import {{ toLiteral, withLiteral, readAnswer }} from '{modules}/record.mjs';
import {{ clearInapplicable, effectivePoints }} from '{modules}/render.mjs';
let input = ''; process.stdin.on('data', d => input += d); process.stdin.on('end', () => {{
  const out = JSON.parse(input).map(c => {{
    const answer = clearInapplicable(c.desc.questions, c.raw);
    const order = c.desc.questions.map(q => q.id);
    const source = withLiteral(c.desc.record, toLiteral(answer, order));
    return {{ answer, source, back: readAnswer(source, c.desc.record),
              points: effectivePoints(c.desc.questions, c.raw) }};
  }});
  process.stdout.write(JSON.stringify(out));
}});"""
    results = node(script, cases)
    for case, got in zip(cases, results):
        desc = case["desc"]
        definition = definitions_in(case["source"])[0]
        questions = definition.questions
        expected = clear_inapplicable(questions, case["raw"])
        assert got["answer"] == expected, desc["id"]
        python_cell = rewrite_answer(case["source"], desc["id"], expected)
        assert got["source"] == python_cell, desc["id"]
        assert read_answers(got["source"])[desc["id"]] == expected
        assert got["back"] == {"answer": expected, "ok": True}
        # the points the view shows beside each question are the ones grading counts
        rubric = {q.id: {"points": q.points, **({"when": q.when} if q.when else {})}
                  for q in questions if type(q).__name__ != "Text"}
        assert got["points"] == pytest.approx(effective_points(rubric, case["raw"])[0]), desc["id"]


def test_the_view_reads_what_python_and_older_files_recorded(modules):
    """Answers recorded by the widgets (to_literal) and by older releases (pprint's style:
    single quotes, long strings split over lines in parentheses, tuples) read back the same."""
    rng = random.Random(7)
    values = []
    for _, desc in forms()[:6]:
        for _ in range(6):
            answer = {q["id"]: random_value(q, rng) for q in desc["questions"]}
            answer["long"] = " ".join(rng.choice(TEXTS[1:]) for _ in range(30))
            values.append(answer)
    literals = [pprint.pformat(v, width=60, sort_dicts=False) for v in values]
    literals.append("{'t': ('a', 'b'), 's': u'x' 'y', 'n': 1.5, 'b': True}  # note")
    script = f"""
import {{ parseLiteral }} from '{modules}/record.mjs';
let input = ''; process.stdin.on('data', d => input += d); process.stdin.on('end', () => {{
  process.stdout.write(JSON.stringify(JSON.parse(input).map(t => parseLiteral(t))));
}});"""
    got = node(script, literals)
    assert got[:-1] == values
    assert got[-1] == {"t": ["a", "b"], "s": "xy", "n": 1.5, "b": True}


def test_a_changed_cell_is_not_written(modules):
    source, desc = forms()[0]
    script = f"""
import {{ readAnswer }} from '{modules}/record.mjs';
let input = ''; process.stdin.on('data', d => input += d); process.stdin.on('end', () => {{
  const [source, record] = JSON.parse(input);
  process.stdout.write(JSON.stringify([readAnswer(source, record),
    readAnswer(source.replace('form(', 'print(1)\\nform('), record),
    readAnswer(source.replace('answer=None', 'answer=[1, 2'), record)]));
}});"""
    ok, edited, broken = node(script, [source, desc["record"]])
    assert ok == {"answer": None, "ok": True}
    assert edited["ok"] is False and broken["ok"] is False
