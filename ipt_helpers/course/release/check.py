"""``ipt-course check``: an assignment's item definitions are consistent before release.

Each problem names the notebook, the form and the question, and says what is wrong:
a key or feedback entry for an option the question does not offer, a question with no
key, a rule kind the scorer does not know, a form id used twice, a test cell whose points
are not the sum of its questions' points, feedback or an explanation that no answer can
ever show, a condition (``when``) on a question or answer that does not exist, a key
whose best answer does not earn full marks, and a form the assignment view could not draw
(its key-free description against ``form-description.schema.json``).
"""

from __future__ import annotations

from pathlib import Path

from ipt_helpers.course.assignment import AssignmentInfo
from ipt_helpers.forms.items import DefinitionError, FormDefinition, notebook_items, rule_kind_of
from ipt_helpers.forms.scoring import COMMON_FIELDS, RULES, conditions, full_marks, score_answers


def _option_keys(q) -> set[str]:
    return set(q.keys()) if hasattr(q, "keys") else set()


def _chosen_values(q) -> set[str]:
    """Every value a student can choose in ``q`` (what ``feedback`` can be keyed on)."""
    if hasattr(q, "category_keys"):
        return set(q.category_keys())
    return _option_keys(q)


def _key_problems(q, kind, key) -> list[str]:
    """Keys in ``key`` (of rule ``kind``) that the question does not offer."""
    bad: list[str] = []
    if kind.field == "accept":
        names = list(key) if isinstance(key, (dict, list, tuple)) else []
        bad += [f"accepts {k!r}, which is not one of the options" for k in names
                if k not in _option_keys(q)]
        if isinstance(key, dict):
            bad += [f"gives {k!r} a credit of {v!r}, not a number from 0 to 1"
                    for k, v in key.items() if not (isinstance(v, (int, float)) and 0 <= v <= 1)]
    elif kind.field == "correct":
        for name in ("correct", "neutral"):
            bad += [f"lists {k!r} as {name}, which is not one of the options"
                    for k in (getattr(q, name) or []) if k not in _option_keys(q)]
    elif kind.field == "order":
        orders = key if key and not isinstance(key[0], str) else [key]
        for order in orders:
            if sorted(order) != sorted(_option_keys(q)):
                bad.append(f"has an order {list(order)!r} that is not the question's items "
                           "each once")
    else:  # placement / tags: {item: category or [categories]}
        items, cats = set(q.item_keys()), set(q.category_keys())
        for item, accepted in (key or {}).items():
            if item not in items:
                bad.append(f"places {item!r}, which is not one of the items")
            for c in [accepted] if isinstance(accepted, str) else list(accepted):
                if c not in cats:
                    bad.append(f"accepts {c!r} for {item!r}, which is not one of the categories")
    return bad


def question_problems(q, definition: FormDefinition) -> list[str]:
    problems = []
    kind = rule_kind_of(q)
    if kind is None:
        return problems  # a written answer: marked by hand
    key = getattr(q, kind.field, None)
    if key is None:
        problems.append(f"has no key ({kind.field}=): it would never be scored")
        return problems
    problems += _key_problems(q, kind, key)
    for option in q.feedback:
        if option not in _chosen_values(q):
            problems.append(f"has feedback for {option!r}, which no student can choose: it "
                            "is not one of the options")
    rubric = definition.rubric()
    rule = rubric[q.id]
    if rule.get("explain") and kind.field == "accept" and isinstance(key, dict) and \
            set(key) >= _option_keys(q) and all(v >= 1 for v in key.values()):
        problems.append("has an explanation that can never be shown: every option earns "
                        "full credit")
    ids = [other.id for other in definition.questions]
    for target, answers in conditions(rule).items():
        if target not in ids or target == q.id:
            problems.append(f"applies when {target!r} is answered, but the form has no such "
                            "other question")
            continue
        depended = definition.questions[ids.index(target)]
        for a in answers:
            if a not in _option_keys(depended):
                problems.append(f"applies when {target!r} is {a!r}, which is not one of its "
                                "options: it could never apply")
        if ids.index(target) > ids.index(q.id):
            problems.append(f"depends on {target!r}, which comes after it")
    if not isinstance(q.points, (int, float)) or q.points <= 0:
        problems.append(f"has points={q.points!r}; give it a positive number")
    return problems


def unknown_keywords(source: str) -> list[str]:
    """Keywords of question calls that their question type does not take: a misspelt or
    unknown rule kind (the scorer's kinds are ``RULES``)."""
    import ast
    import dataclasses

    from ipt_helpers.forms.items import NAMESPACE
    from ipt_helpers.forms.cellsource import calls, parse_cell

    problems = []
    try:
        tree = parse_cell(source)
    except SyntaxError:
        return problems
    for form_call in calls(tree, "form"):
        for node in ast.walk(form_call):
            cls = NAMESPACE.get(getattr(node.func, "id", None)) if isinstance(node, ast.Call) else None
            if not isinstance(cls, type):
                continue
            fields = {f.name for f in dataclasses.fields(cls)}
            qid = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else "?"
            for kw in node.keywords:
                if kw.arg not in fields:
                    kinds = [r.field for r in RULES.values() if r.question == cls.__name__]
                    problems.append(
                        f"form {form_call.args[0].value!r}, question {qid!r}: {kw.arg}= is not a "
                        f"rule kind the scorer knows for a {cls.__name__} question (its kinds: "
                        f"{', '.join(k + '=' for k in kinds)}; all kinds: {', '.join(RULES)})")
    return problems


def check_rubric_literal(rubric) -> list[str]:
    """Problems of a hand-written rubric (``score(id, {...})`` in a test cell)."""
    if not isinstance(rubric, dict):
        return ["the rubric is not a {question: rule} mapping"]
    problems = []
    for qid, rule in rubric.items():
        if not isinstance(rule, dict):
            problems.append(f"question {qid!r}: the rule is not a mapping")
            continue
        kinds = [k for k in rule if k in RULES]
        unknown = [k for k in rule if k not in RULES and k not in COMMON_FIELDS
                   and not any(k in r.extra for r in RULES.values())]
        if unknown:
            problems.append(f"question {qid!r}: {unknown[0]!r} is not a rule kind the scorer "
                            f"knows ({', '.join(RULES)})")
        if len(kinds) != 1:
            problems.append(f"question {qid!r}: a rule needs exactly one of {', '.join(RULES)}")
    return problems


def view_problems(source: str, form_id: str) -> list[str]:
    """What the assignment view could not draw of a form: its key-free description, made from
    the student's version of the cell as release makes it, checked against the schema."""
    from ipt_helpers.course.release.student_version import student_form_cell
    from ipt_helpers.forms import description
    from ipt_helpers.forms.items import student_source

    try:
        described = description.cell_descriptions(student_form_cell(student_source(source), None))
    except (DefinitionError, ValueError, SyntaxError) as err:
        return [str(err)]
    if len(described) != 1:
        return [f"the cell holds {len(described)} forms; the view needs one form per cell"]
    return description.problems(described[0])


def check_notebook(nb, name: str) -> list[str]:
    """Every problem of one instructor notebook, each starting with ``name``."""
    found = notebook_items(nb)
    problems = []
    for i, msg in found.errors:
        unknown = unknown_keywords(nb.cells[i].source)
        problems += [f"{name}: {p}" for p in unknown] or [f"{name}: cell {i + 1}: {msg}"]
    seen: dict[str, int] = {}
    for item in found.items:
        d, where = item.definition, f"{name}: form {item.form_id!r}"
        if d.form_id in seen:
            problems.append(f"{where}: the form id is used twice (cells {seen[d.form_id] + 1} "
                            f"and {item.form_cell + 1})")
            continue
        seen[d.form_id] = item.form_cell
        qids = [q.id for q in d.questions]
        for q in d.questions:
            if qids.count(q.id) > 1:
                problems.append(f"{where}, question {q.id!r}: the question id is used twice")
            problems += [f"{where}, question {q.id!r}: {p}" for p in question_problems(q, d)]
        problems += [f"{where}: its description for the assignment view: {p}"
                     for p in view_problems(nb.cells[item.form_cell].source, item.form_id)]
        rubric = d.rubric()
        if not rubric:
            problems.append(f"{where}: no question carries a key, so nothing can be graded")
            continue
        if item.test_cell is None:
            problems.append(f"{where}: no graded test cell scores it (add one holding "
                            f"score({item.form_id!r}))")
        elif abs(item.points - d.points()) > 1e-9:
            problems.append(f"{where}: its test cell {item.grade_id!r} is worth {item.points:g} "
                            f"points, but its questions add up to {d.points():g}")
        try:
            best = full_marks(rubric)
            earned, _ = score_answers(best, rubric)
            if abs(earned - d.points()) > 1e-9:
                problems.append(f"{where}: the best answer the key allows earns {earned:g} of "
                                f"{d.points():g} points")
        except Exception as err:  # a key the scorer cannot read
            problems.append(f"{where}: the key cannot be scored ({type(err).__name__}: {err})")
    for index, form_id, rubric in found.tests:
        where = f"{name}: test cell {index + 1} (score({form_id!r}))"
        if rubric is not None:
            problems += [f"{where}: {p}" for p in check_rubric_literal(rubric)]
        elif form_id not in seen:
            problems.append(f"{where}: no form with that id is defined in this notebook")
    return problems


def check_assignment(source_dir: Path) -> list[str]:
    """Every problem of the notebooks in one assignment's source folder."""
    import nbformat

    problems = []
    notebooks = sorted(Path(source_dir).glob("*.ipynb"))
    if not notebooks:
        return [f"{Path(source_dir).name}: no notebook in {source_dir}"]
    for path in notebooks:
        label = f"{Path(source_dir).name}/{path.name}"
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception as err:
            problems.append(f"{label}: cannot be read as a notebook ({err})")
            continue
        try:
            AssignmentInfo.from_notebook(nb).intro_markdown()
        except ValueError as err:
            problems.append(f"{label}: {err}")
        try:
            problems += check_notebook(nb, label)
        except DefinitionError as err:
            problems.append(f"{label}: {err}")
    return problems
