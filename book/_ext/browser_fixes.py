"""Fixes of what the book's stack writes into pages, found by tests/test_book_browser.py.

- Sphinx 7.4 writes an inline <script> twice when an extension adds it after the builder has
  started: sphinx-thebe's ``const THEBE_JS_URL = ...`` then throws "Identifier 'THEBE_JS_URL'
  has already been declared" on every page. Each page keeps the first copy of such a script.
- docutils 0.19 writes the bibliography as <div role="list"> whose entries have the role
  doc-biblioentry, which DPUB-ARIA 1.1 deprecates: a list without list items for assistive
  technology (axe: aria-required-children, critical). The entries become list items.
"""


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
    body = context.get("body")
    if body and 'role="doc-biblioentry"' in body:
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


def setup(app):
    app.connect("html-page-context", _fix_page, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
