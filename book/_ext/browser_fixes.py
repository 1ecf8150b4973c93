"""Fixes of what the book's stack writes into pages, found by tests/test_book_browser.py.

- Sphinx 7.4 writes an inline <script> twice when an extension adds it after the builder has
  started: sphinx-thebe's ``const THEBE_JS_URL = ...`` then throws "Identifier 'THEBE_JS_URL'
  has already been declared" on every page. Each page keeps the first copy of such a script.
- docutils 0.19 writes the bibliography as <div role="list"> whose entries have the role
  doc-biblioentry, which DPUB-ARIA 1.1 deprecates: a list without list items for assistive
  technology (axe: aria-required-children, critical). The entries become list items.
- Two menu buttons (.primary-toggle) of which the themes bind only the first: theme-fixes.js.
- Page weight (every page <= 1 MB, benchmarks/pages.py): Jupyter Book's extensions add their
  files to every page; a page that has nothing for one of them does not load its files
  (``_UNUSED``): code-copy buttons without code, toggle buttons without toggles, tabs without
  tab sets, sphinx-design without its components, Thebe without its launch button,
  highlighting without highlighted code, notebook styles on the search and index pages.
"""

import re

_CLASSES = re.compile(r'class="([^"]*)"')


def _class_tokens(body):
    return {token for m in _CLASSES.finditer(body) for token in m.group(1).split()}


#: (files, does this page need them?) given (body, class tokens, page name, app)
_UNUSED = [
    (("clipboard.min.js", "copybutton.js", "copybutton.css"), lambda b, c, n, a: "<pre" in b),
    (("togglebutton.js", "togglebutton.css"),
     lambda b, c, n, a: "toggle" in c or {"admonition", "dropdown"} <= c),
    (("design-tabs.js",), lambda b, c, n, a: "sd-tab-set" in c),
    (("sphinx-design.min.css",), lambda b, c, n, a: any(t.startswith("sd-") for t in c)),
    (("sphinx-thebe.js", "sphinx-thebe.css"),
     lambda b, c, n, a: bool((a.config.html_theme_options or {}).get("launch_buttons", {}).get("thebe"))),
    (("pygments.css",), lambda b, c, n, a: "highlight" in c),
    (("mystnb.",), lambda b, c, n, a: n not in ("search", "genindex")),
]


def _drop_unused(app, pagename, context):
    body = context.get("body") or ""
    tokens = _class_tokens(body)
    drop = [files for files, needed in _UNUSED if not needed(body, tokens, pagename, app)]
    if not drop:
        return
    def unused(asset):
        name = str(getattr(asset, "filename", asset) or "").rsplit("/", 1)[-1]
        return any(name == f or (f.endswith(".") and name.startswith(f)) for files in drop
                   for f in files)
    for key in ("script_files", "css_files"):
        if context.get(key):
            context[key][:] = [a for a in context[key] if not unused(a)]


def _key(script):
    return (getattr(script, "filename", script) or "", getattr(script, "priority", 500),
            tuple(sorted(getattr(script, "attributes", {}).items())))


def _fix_page(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if scripts:
        seen, unique = set(), []
        for script in scripts:
            if _key(script) not in seen:
                seen.add(_key(script))
                unique.append(script)
        scripts[:] = unique
    _drop_unused(app, pagename, context)
    body = context.get("body")
    if body and 'role="doc-biblioentry"' in body:
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


def setup(app):
    app.connect("html-page-context", _fix_page, priority=900)
    # the phone's menu button: see book/_static/theme-fixes.js
    app.add_js_file("theme-fixes.js", loading_method="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
