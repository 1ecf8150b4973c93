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

The page gets the form's key-free description as JSON (``ipt_helpers.forms.description``'s,
the document the assignment view draws from, without ``record``), the block's key as JSON, and
the form's frame (title, buttons, result line). The questions are drawn in the browser by the
one renderer of the book and the assignment view, ``labextension/src/render.ts``
(``RenderedForm``, class prefix ``practice``: fieldsets and legends, native radios, checkboxes
and selects); the book ships its compiled ``labextension/lib/render.js`` as
``_static/ipt-render.js`` (``render_script``: a classic script, as module scripts do not load
from file:// pages), which ``make book`` builds first. Practice keys are public by design, and
must never be a graded item's (tests/test_practice_keys.py). ``book/_static/practice.js`` draws
each form with it and scores answers in the browser with the same rules as
``ipt_helpers.forms.scoring`` (tests/test_practice_scorer.py); ``practice.css`` lays the form
out. They are added only to pages that need them. A question says the points the scorer counts
it out of, by the scorer's own rule (a conditional question that does not apply is hidden and
its points count with the question it depends on), and only the questions shown are numbered;
the page redoes both as answers change (tests/browser/test_practice_render.py).
"""

from __future__ import annotations

import ast
import html
import json
import re
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from ipt_helpers.forms import items, model
from ipt_helpers.forms.description import VERSION, question_description

logger = logging.getLogger(__name__)

MARK = "data-practice-form"
HISTORY_MARK = "data-practice-history"
#: the renderer the assignment view uses, compiled (`make book` builds it: `npm run build`)
RENDER_JS = Path(__file__).resolve().parents[2] / "labextension" / "lib" / "render.js"
#: what the book calls it in _static (practice.js finds it as ``window.iptRender``)
RENDER_STATIC = "ipt-render.js"
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


def description(form_id, title, questions) -> dict:
    """The form as the page draws it: ``ipt_helpers.forms.description``'s key-free document
    (the assignment view's), without ``record`` (nothing is written back into a cell here)."""
    return {"version": VERSION, "id": form_id, "title": title,
            "questions": [question_description(q) for q in questions]}


def _json_script(cls, data) -> str:
    text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/").replace("<!--", "<\\!--")
    return f'<script type="application/json" class="{cls}">{text}</script>'


def render(form_id, title, questions, models, convention=None) -> str:
    """The practice block's HTML: its frame, its description and its key. ``practice.js``
    draws the questions into the form (with ``RenderedForm``, as the assignment view does) and
    shows the form; without JavaScript only the title and a sentence saying so are seen."""
    fid = "practice-" + _slug(form_id)
    out = [f'<section class="practice" id="{fid}" {MARK}="{_e(form_id)}" '
           f'aria-labelledby="{fid}-title">',
           f'<p class="practice-title" id="{fid}-title"><span class="practice-tag">Practice</span> '
           f'{_e(title)}</p>']
    if convention:
        out.append(f'<p class="practice-convention">Problem areas as in the convention: '
                   f'{_e(model.CONVENTIONS[convention].label)}.</p>')
    out.append('<form class="practice-form" novalidate hidden>')
    out.append('<div class="practice-actions">'
               '<button type="submit" class="practice-check">Check</button>'
               '<button type="button" class="practice-retry">Try again</button>'
               '<button type="button" class="practice-show">Show the model answer</button>'
               '</div>')
    out.append('<div class="practice-result" role="status" aria-live="polite" '
               'aria-atomic="true"></div>')
    out.append('<p class="practice-history-line"></p>')
    out.append('</form>')
    out.append(_json_script("practice-description", description(form_id, title, questions)))
    out.append(_json_script("practice-key", key_json(form_id, title, questions, models)))
    out.append('<noscript><p>These practice questions need JavaScript; the self-check answers '
               'above work without it.</p></noscript>')
    out.append('</section>')
    return "\n".join(out)


_EXPORT = re.compile(r"^export (?=(?:async )?(?:function|class|const|let|var)\b)", re.M)
_EXPORTED = re.compile(r"^export (?:async )?(?:function\*?|class|const|let|var) +([A-Za-z_$][\w$]*)",
                       re.M)


def render_script(source: str) -> str:
    """``labextension/lib/render.js`` (an ES module, as the assignment view imports it) as the
    classic script the book loads: the same code in a function, its exports on
    ``window.iptRender``. Chromium will not load a module script into a page opened from the
    folder (file://), and the book works from there. The module must import nothing at run
    time (render.ts imports types only); anything else that is not a plain export stops the
    build."""
    names = _EXPORTED.findall(source)
    body = _EXPORT.sub("", source)
    body = re.sub(r"^//# sourceMappingURL=.*$", "", body, flags=re.M)
    left = re.findall(r"^\s*(?:import|export)\b.*$", body, re.M)
    if left or not names:
        raise PracticeError(f"{RENDER_JS} is not the import-free module practice.py can wrap "
                            f"for the book: {left[:1] or 'it exports nothing'}")
    return ("// labextension/src/render.ts (the assignment view's renderer), compiled, for the\n"
            "// book's practice forms; written by book/_ext/practice.py. Do not edit.\n"
            "(function (root) {\n\"use strict\";\n" + body.rstrip() + "\n"
            f"root.iptRender = {{{', '.join(names)}}};\n}})(this);\n")


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
    # added for this page only: Sphinx restores its lists of files after each page. Deferred
    # scripts run in document order: the renderer before practice.js, which draws with it.
    app.add_css_file("practice.css")
    if MARK in body:
        app.add_js_file(RENDER_STATIC, defer="defer")
    app.add_js_file("practice.js", defer="defer")


def _ship_renderer(app, env):
    """Write ``_static/ipt-render.js`` from the compiled renderer when a page has a form: after
    reading, before the pages are written, so that Sphinx gives it its ``?v=`` checksum as it
    does the files it copies (a new renderer is fetched anew, not taken from a cache)."""
    if app.builder.format != "html" or not getattr(env, "practice_ids", None):
        return
    if not RENDER_JS.is_file():
        raise PracticeError(f"{RENDER_JS} is missing: the practice forms are drawn by the "
                            "assignment view's renderer; build it first (`make book`, or "
                            "`cd labextension && npm run build`)")
    text = render_script(RENDER_JS.read_text(encoding="utf-8"))
    source_ts = RENDER_JS.parents[1] / "src" / "render.ts"
    if source_ts.is_file() and source_ts.stat().st_mtime > RENDER_JS.stat().st_mtime:
        logger.warning(f"{RENDER_JS} is older than {source_ts}: rebuild it "
                       "(`cd labextension && npm run build`)")
    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    (static / RENDER_STATIC).write_text(text, encoding="utf-8")


def setup(app):
    app.add_directive("practice", PracticeDirective)
    app.add_directive("practice-history", PracticeHistoryDirective)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("html-page-context", _assets, priority=800)
    app.connect("env-updated", _ship_renderer)
    # env_version: a build environment from before the renderer (forms written in Python) is
    # read anew, not reused
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "2",
            "env_version": 2}
