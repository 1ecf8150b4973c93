"""Practice forms in the book: a ``practice`` directive and a ``practice-history`` directive.

A practice block holds question definitions in the item format of the graded forms
(``ipt_helpers.forms.items``), one call per line or statement, evaluated at build time with
``ipt_helpers.forms.items.NAMESPACE``::

    :::{practice}
    :id: emrys-focus
    :title: Emrys: choose a focus
    :convention: four_areas

    Single("focus", "Which focus would you propose first?", options("problem_area"),
           points=2, accept={"role_dispute": 1, "interpersonal_deficits": 0.5},
           feedback={"grief": "No one has died."}, explain="The onset follows the call.")
    Text("why", "In two sentences, why?",
         model="The low mood began after the phone call ...")
    :::

``convention`` (optional) is the list of problem areas ``options("problem_area")`` gives in
this block, and is named above the form. ``Text`` takes ``model=``, a model answer to compare
with (practice only: written answers are never scored).

The page gets an accessible HTML form (fieldsets and legends, native radios, checkboxes and
selects) and the block's key as JSON: practice keys are public by design, and must never be a
graded item's (tests/test_practice_keys.py). ``book/_static/practice.js`` scores answers in the
browser with the same rules as ``ipt_helpers.forms.scoring`` (tests/test_practice_scorer.py), and
``practice.css`` lays the form out. Both are added only to pages that need them. A question
says the points the scorer counts it out of, by the scorer's own rule (``shown``; a conditional
question that does not apply is hidden and its points count with the question it depends on),
and only the questions shown are numbered; the page redoes both as answers change.
"""

from __future__ import annotations

import ast
import html
import json
import re

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from ipt_helpers.forms import items, model, scoring

logger = logging.getLogger(__name__)

MARK = "data-practice-form"
HISTORY_MARK = "data-practice-history"
#: JSON object keys that JavaScript would reorder (array indices) cannot be ids or keys.
_INDEX_LIKE = re.compile(r"^(0|[1-9][0-9]*)$")


class PracticeError(ValueError):
    pass


def namespace(convention: str | None, models: dict):
    """The names a practice block may use: the item format's, with ``options`` defaulting to
    the block's convention and ``Text(..., model=...)`` keeping its model answer."""
    ns = dict(items.NAMESPACE)
    base_options, base_text = ns["options"], ns["Text"]

    def options(group, **kwargs):
        if group == "problem_area" and convention and "convention" not in kwargs:
            kwargs["convention"] = convention
        return base_options(group, **kwargs)

    def Text(id, prompt, *args, model=None, **kwargs):  # noqa: N802 - the item format's name
        question = base_text(id, prompt, *args, **kwargs)
        if model:
            models[id] = model
        return question

    ns.update(options=options, Text=Text)
    return ns


def parse_block(source: str, convention: str | None = None):
    """(questions, {question id: model answer}) of a practice block's body."""
    models: dict[str, str] = {}
    try:
        tree = ast.parse(source, mode="exec")
    except SyntaxError as err:
        raise PracticeError(f"the block is not Python: {err}") from err
    ns = namespace(convention, models)
    questions = []
    for stmt in tree.body:
        if not isinstance(stmt, ast.Expr):
            raise PracticeError(f"line {stmt.lineno}: only question calls may appear")
        code = compile(ast.Expression(body=stmt.value), "<practice>", "eval")
        try:
            value = eval(code, {"__builtins__": {}, **ns})  # noqa: S307 - the book's own source
        except Exception as err:
            raise PracticeError(f"line {stmt.lineno}: {type(err).__name__}: {err}") from err
        questions.extend(value if isinstance(value, list) else [value])
    return questions, models


def _problems(questions, form_id) -> list[str]:
    definition = items.FormDefinition(form_id, questions)
    problems = []
    try:
        from ipt_helpers.course.release.check import question_problems
    except ImportError:  # pragma: no cover - the checker moved: keep building
        question_problems = None
    ids = [q.id for q in questions]
    if len(ids) != len(set(ids)):
        problems.append("a question id is used twice")
    for q in questions:
        if question_problems is not None:
            problems += [f"question {q.id!r} {p}" for p in question_problems(q, definition)]
        names = [q.id] + [k for k in _keys(q)]
        problems += [f"question {q.id!r}: {n!r} looks like a number (JavaScript would reorder it)"
                     for n in names if _INDEX_LIKE.match(n)]
    if not definition.rubric() and not any(type(q).__name__ == "Text" for q in questions):
        problems.append("no question carries a key")
    return problems


def _keys(q):
    for attr in ("options", "items", "categories"):
        for _, key in getattr(q, attr, None) or []:
            yield key


# --- reading the book's sources (for the tests) ------------------------------------------------

_FENCE = re.compile(r"^(?P<fence>:{3,}|`{3,})\{practice\}[^\n]*\n(?P<body>.*?)^(?P=fence)[ \t]*$",
                    re.S | re.M)


def blocks_in(text: str) -> list[dict]:
    """The practice blocks of a MyST text: [{"id", "title", "convention", "source"}]."""
    found = []
    for m in _FENCE.finditer(text):
        opts, body, lines = {}, [], m.group("body").splitlines()
        i = 0
        while i < len(lines) and re.match(r"^:[\w-]+:", lines[i]):
            name, _, value = lines[i][1:].partition(":")
            opts[name] = value.strip()
            i += 1
        body = "\n".join(lines[i:])
        found.append({"id": opts.get("id"), "title": opts.get("title"),
                      "convention": opts.get("convention"), "source": body})
    return found


def book_blocks(book_dir) -> list[tuple[str, dict]]:
    """(page path, block) of every practice block under ``book_dir`` (.md and .ipynb)."""
    from pathlib import Path

    out = []
    for path in sorted(Path(book_dir).rglob("*")):
        if path.suffix == ".md":
            text = path.read_text(encoding="utf-8")
        elif path.suffix == ".ipynb" and ".ipynb_checkpoints" not in path.parts:
            nb = json.loads(path.read_text(encoding="utf-8"))
            text = "\n".join("".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                             for c in nb.get("cells", []) if c.get("cell_type") == "markdown")
        else:
            continue
        out += [(path.relative_to(book_dir).as_posix(), b) for b in blocks_in(text)]
    return out


# --- what the page gets -----------------------------------------------------------------------

def _words(value) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def _credit(x) -> str:
    return "full credit" if x >= 1 else f"{x:.0%} credit"


def model_answer(q, rule) -> str:
    """The model answer of a keyed question in words (what *Show the model answer* shows)."""
    kind = items.rule_kind_of(q)
    if rule is None or kind is None:
        return ""
    field = kind.field
    if field == "accept":
        accept = rule["accept"]
        accept = {a: 1 for a in accept} if isinstance(accept, (list, tuple)) else accept
        ranked = sorted(((c, k) for k, c in accept.items() if c > 0), key=lambda p: -p[0])
        return "; ".join(f"{q.label_of(k)} ({_credit(c)})" for c, k in ranked)
    if field == "correct":
        text = "Tick: " + "; ".join(q.label_of(k) for k in q.keys() if k in rule["correct"])
        if rule.get("neutral"):
            text += ". Either way (no credit, no cost): " + "; ".join(
                q.label_of(k) for k in q.keys() if k in rule["neutral"])
        return text
    if field == "order":
        orders = rule["order"]
        orders = [orders] if orders and isinstance(orders[0], str) else orders
        shown = [" → ".join(q.label_of(k) for k in order) for order in orders]
        return shown[0] + ("".join(f"; also accepted: {s}" for s in shown[1:]))
    if field == "placement":
        parts = []
        for label, key in q.items:
            accepted = rule["placement"].get(key)
            if accepted is None:
                continue
            accepted = [accepted] if isinstance(accepted, str) else list(accepted)
            parts.append(f"{label}: " + " or ".join(q.category_label(c) for c in accepted))
        return "; ".join(parts)
    if field == "tags":
        return "; ".join(f"{label}: " + (", ".join(q.category_label(c) for c in q.category_keys()
                                                    if c in rule["tags"].get(key, [])) or "none")
                         for label, key in q.items)
    return ""


def key_json(form_id, title, questions, models) -> dict:
    """The public practice key the page embeds: the rubric (in order) and what to show."""
    rubric = items.FormDefinition(form_id, questions).rubric()
    described = []
    for q in questions:
        rule = rubric.get(q.id)
        # no points here: the page takes them from the rubric, by the scorer's rule
        d = {"id": q.id, "kind": type(q).__name__, "model": models.get(q.id) or model_answer(q, rule)}
        if rule and rule.get("explain") and type(q).__name__ != "Text":
            d["explain"] = rule["explain"]
        described.append(d)
    return {"id": form_id, "title": title, "rubric": [[qid, rule] for qid, rule in rubric.items()],
            "questions": described,
            "total": sum(float(r.get("points", 1)) for r in rubric.values())}


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "x"


def _points(value) -> str:
    return f"{_words(value)} point{'s' if value != 1 else ''}"


def shown(questions, rubric, answers) -> list[tuple[object, bool, float | None]]:
    """(question, shown, points shown) of each question once ``answers`` are given: a
    conditional question is shown only where it applies, and each keyed question shows the
    points ``ipt_helpers.forms.scoring.effective_points`` gives it for these answers, which are
    the points its feedback counts (a question that does not apply moves its points to the
    question it depends on). ``practice.js`` redoes this with its twin of the rule on every
    change, so what a question says it is worth is what Check scores it out of."""
    points, _ = scoring.effective_points(rubric, answers)
    out = []
    for q in questions:
        rule = rubric.get(q.id)
        applies = rule is None or scoring.applies(rule, answers)
        # a hidden question keeps its own points, for when it is shown
        worth = None if rule is None else points[q.id] if applies else float(rule.get("points", 1))
        out.append((q, applies, worth))
    return out


def render(form_id, title, questions, models, convention=None, answers=None) -> str:
    """The practice block's HTML. Which questions show, their numbers (visible ones only) and
    their points are those ``answers`` give (the book passes none: the page as it loads)."""
    fid = "practice-" + _slug(form_id)
    rubric = items.FormDefinition(form_id, questions).rubric()
    out = [f'<section class="practice" id="{fid}" {MARK}="{_e(form_id)}" '
           f'aria-labelledby="{fid}-title">',
           f'<p class="practice-title" id="{fid}-title"><span class="practice-tag">Practice</span> '
           f'{_e(title)}</p>']
    if convention:
        out.append(f'<p class="practice-convention">Problem areas as in the convention: '
                   f'{_e(model.CONVENTIONS[convention].label)}.</p>')
    out.append(f'<form class="practice-form" novalidate>')
    n = 0
    for q, visible, points in shown(questions, rubric, answers or {}):
        qid = f"{fid}-{_slug(q.id)}"
        kind = type(q).__name__
        rule = rubric.get(q.id)
        n += visible
        number = f"{n}. " if visible else ""
        pts = f'<span class="practice-points"> ({_points(points)})</span>' if rule else ""
        when = ""
        if rule and rule.get("when"):
            when = f' data-when="{_e(json.dumps(scoring.conditions(rule)))}"'
        out.append(f'<fieldset class="practice-q" data-q="{_e(q.id)}" data-kind="{kind}"{when}'
                   f'{"" if visible else " hidden"}>')
        out.append(f'<legend><span class="practice-n">{number}</span>{_e(q.prompt)}{pts}</legend>')
        if rule and rule.get("when"):
            parts = []
            for target, chosen in scoring.conditions(rule).items():
                other = next(o for o in questions if o.id == target)
                parts.append(" or ".join(f"“{other.label_of(a)}”" for a in chosen))
            # every condition must hold (scoring.applies); when one fails, the points move to
            # the question of the first condition (scoring.effective_points)
            own = float(rule.get("points", 1))
            where = "that question" if len(parts) == 1 else "the first of those questions"
            out.append(f'<p class="practice-when">Asked only if you chose {" and ".join(parts)} '
                       f'above; otherwise its {_points(own)} count{"s" if own == 1 else ""} with '
                       f'{where}.</p>')
        if kind in ("Single", "Multi"):
            typ = "radio" if kind == "Single" else "checkbox"
            out.append('<div class="practice-options">')
            for i, (label, key) in enumerate(q.options):
                cid = f"{qid}-{i}"
                out.append(f'<div class="practice-option"><input type="{typ}" id="{cid}" '
                           f'name="{qid}" value="{_e(key)}"><label for="{cid}">{_e(label)}</label>'
                           f'</div>')
            out.append('</div>')
        elif kind == "Order":
            out.append('<div class="practice-steps">')
            for i in range(len(q.items)):
                cid = f"{qid}-{i}"
                opts = "".join(f'<option value="{_e(k)}">{_e(lab)}</option>' for lab, k in q.items)
                out.append(f'<div class="practice-row"><label for="{cid}">Step {i + 1}</label>'
                           f'<select id="{cid}" data-pos="{i}"><option value="">—</option>{opts}'
                           f'</select></div>')
            out.append('</div>')
        elif kind == "Sort" and not q.multiple:
            out.append('<div class="practice-steps">')
            for i, (label, key) in enumerate(q.items):
                cid = f"{qid}-{i}"
                opts = "".join(f'<option value="{_e(k)}">{_e(lab)}</option>'
                               for lab, k in q.categories)
                out.append(f'<div class="practice-row"><label for="{cid}">{_e(label)}</label>'
                           f'<select id="{cid}" data-item="{_e(key)}"><option value="">—</option>'
                           f'{opts}</select></div>')
            out.append('</div>')
        elif kind == "Sort":
            for i, (label, key) in enumerate(q.items):
                out.append(f'<fieldset class="practice-item" data-item="{_e(key)}">'
                           f'<legend>{_e(label)}</legend><div class="practice-options">')
                for j, (clabel, c) in enumerate(q.categories):
                    cid = f"{qid}-{i}-{j}"
                    out.append(f'<div class="practice-option"><input type="checkbox" id="{cid}" '
                               f'value="{_e(c)}"><label for="{cid}">{_e(clabel)}</label></div>')
                out.append('</div></fieldset>')
        elif kind == "Text":
            cid = f"{qid}-text"
            out.append(f'<label class="practice-text-label" for="{cid}">Your answer (not scored: '
                       f'compare it with the model answer)</label>'
                       f'<textarea id="{cid}" rows="4"></textarea>')
        out.append(f'<div class="practice-feedback" hidden></div>')
        out.append('</fieldset>')
    out.append('<div class="practice-actions">'
               '<button type="submit" class="practice-check">Check</button>'
               '<button type="button" class="practice-retry">Try again</button>'
               '<button type="button" class="practice-show">Show the model answer</button>'
               '</div>')
    out.append(f'<div class="practice-result" role="status" aria-live="polite" '
               f'aria-atomic="true"></div>')
    out.append('<p class="practice-history-line"></p>')
    out.append('</form>')
    key = json.dumps(key_json(form_id, title, questions, models), ensure_ascii=False)
    key = key.replace("</", "<\\/").replace("<!--", "<\\!--")
    out.append(f'<script type="application/json" class="practice-key">{key}</script>')
    out.append('<noscript><p>These practice questions need JavaScript; the self-check answers '
               'above work without it.</p></noscript>')
    out.append('</section>')
    return "\n".join(out)


class PracticeDirective(SphinxDirective):
    has_content = True
    required_arguments = 0
    option_spec = {
        "id": directives.unchanged_required,
        "title": directives.unchanged,
        "convention": lambda v: directives.choice(v.strip(), tuple(model.CONVENTIONS)),
    }

    def run(self):
        form_id = self.options.get("id")
        if not form_id:
            raise self.error("practice: give the block an :id:")
        seen = self.env.temp_data.setdefault("practice_ids", {})
        all_ids = getattr(self.env, "practice_ids", {})
        other = all_ids.get(form_id)
        if other and other != self.env.docname:
            logger.warning(f"practice id {form_id!r} is also used in {other}",
                           location=self.get_location())
        all_ids[form_id] = self.env.docname
        self.env.practice_ids = all_ids
        seen[form_id] = True
        convention = self.options.get("convention")
        try:
            questions, models = parse_block("\n".join(self.content), convention)
        except PracticeError as err:
            logger.warning(f"practice {form_id}: {err}", location=self.get_location())
            return []
        for problem in _problems(questions, form_id):
            logger.warning(f"practice {form_id}: {problem}", location=self.get_location())
        title = self.options.get("title") or form_id
        return [nodes.raw("", render(form_id, title, questions, models, convention),
                          format="html")]


class PracticeHistoryDirective(SphinxDirective):
    has_content = False

    def run(self):
        return [nodes.raw("", (
            f'<div class="practice-history" {HISTORY_MARK}>'
            '<p>Your practice attempts appear here once you have checked a practice form. '
            'They are kept in this browser only.</p></div>'
            '<noscript><p>This list needs JavaScript.</p></noscript>'), format="html")]


def _purge(app, env, docname):
    ids = getattr(env, "practice_ids", {})
    for key in [k for k, v in ids.items() if v == docname]:
        del ids[key]


def _merge(app, env, docnames, other):
    env.practice_ids = {**getattr(env, "practice_ids", {}), **getattr(other, "practice_ids", {})}


def _assets(app, pagename, templatename, context, doctree):
    body = context.get("body") or ""
    if MARK not in body and HISTORY_MARK not in body:
        return
    # added for this page only: Sphinx restores its lists of files after each page
    app.add_css_file("practice.css")
    app.add_js_file("practice.js", defer="defer")


def setup(app):
    app.add_directive("practice", PracticeDirective)
    app.add_directive("practice-history", PracticeHistoryDirective)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("html-page-context", _assets, priority=800)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
