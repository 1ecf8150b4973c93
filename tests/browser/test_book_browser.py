"""The built book in a real browser: offline, accessible, no overflow on a phone, working links
and search; launch buttons and a widget page in a throwaway book built with the book's config.

Every page of `_build/html` (built by `make book`) is served on 127.0.0.1 and opened in Debian's
chromium (tests/browser.py); any request to another host is recorded and aborted, never sent.
The checking functions (tests/bookcheck.py) are first shown to catch what they must catch, on
tiny synthetic pages.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from conftest import first_stage
from bookcheck import (AXE, BUILT, PHONE, ROOT, link_problems, page_problems, pages, scan, serve)

pytestmark = [pytest.mark.browser]

PAGES = pages() if BUILT.is_dir() else []
REDIRECTS = [p for p in PAGES if scan(BUILT / p).redirect]
READABLE = [p for p in PAGES if p not in REDIRECTS]


def page(tmp_path, name, body, head=""):
    """A minimal valid page, so that axe has nothing to say unless ``body`` gives it a reason."""
    (tmp_path / name).write_text(
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{name}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">{head}</head>'
        f"<body><main><h1>Test page</h1>{body}</main></body></html>")
    return name


# ---------------------------------------------------------------- the checks catch problems

def test_checks_pass_a_clean_page(tmp_path, browser):
    page(tmp_path, "other.html", '<h2 id="there">There</h2>')
    name = page(tmp_path, "ok.html",
                '<p style="color:#595959;background:#fff">Readable grey.</p>'
                '<p><a href="other.html#there">Another page</a> <a href="#top">top</a>'
                ' <a href="https://example.org/">a site elsewhere</a></p><p id="top">x</p>')
    assert link_problems(tmp_path, name) == []
    with serve(tmp_path) as url:
        assert page_problems(browser, url + name) == []


def test_checks_catch_a_contrast_error(tmp_path, browser):
    name = page(tmp_path, "grey.html", '<p style="color:#aaa;background:#fff">Too light.</p>')
    with serve(tmp_path) as url:
        problems = page_problems(browser, url + name)
    assert len(problems) == 2, problems  # at each viewport
    assert all(p.startswith(("at 375x667: axe serious color-contrast",
                             "at 1280x800: axe serious color-contrast")) for p in problems)


def test_checks_catch_the_themes_unnamed_and_misnamed_controls(tmp_path, browser):
    """What the theme got wrong before book/_templates fixed it: a button named "Search" that
    shows "Search Ctrl+K", and a sidebar toggle with only an icon."""
    name = page(tmp_path, "theme.html", '<button aria-label="Search">Search Ctrl+K</button>'
                '<details><summary><span role="presentation"></span></summary><p>x</p></details>')
    with serve(tmp_path) as url:
        problems = page_problems(browser, url + name, viewports=(PHONE,))
    assert [p.split(" (")[0] for p in problems] == [
        "at 375x667: axe serious label-content-name-mismatch",
        "at 375x667: axe serious summary-name"], problems


def test_checks_catch_broken_links_and_anchors(tmp_path):
    page(tmp_path, "other.html", '<h2 id="there">There</h2>')
    name = page(tmp_path, "links.html",
                '<p><a href="missing.html">gone</a> <a href="other.html#nowhere">no anchor</a>'
                ' <a href="#nope">no local anchor</a> <a href="other.html#there">fine</a>'
                ' <img src="img/missing.png" alt="a picture"></p>')
    problems = link_problems(tmp_path, name)
    assert len(problems) == 4, problems
    assert "missing.html" in problems[0] and "'nowhere'" in problems[1]
    assert "'nope'" in problems[2] and "img/missing.png" in problems[3]


def test_checks_catch_a_cdn_request_without_sending_it(tmp_path, browser):
    name = page(tmp_path, "cdn.html", '<img src="https://cdn.example.org/x.png" alt="x">'
                '<script>setTimeout(() => fetch("https://cdn.example.org/late.json")'
                '.catch(() => {}), 300)</script>',
                head='<script src="https://cdn.example.org/lib.js"></script>')
    assert len(link_problems(tmp_path, name)) == 2
    with serve(tmp_path) as url:
        problems = page_problems(browser, url + name)
    blocked = [p for p in problems if p.startswith("request to another host (blocked)")]
    assert sorted(blocked) == [f"request to another host (blocked): https://cdn.example.org/{f}"
                               for f in ("late.json", "lib.js", "x.png")]
    assert len(problems) == 3, problems  # aborted by us: never reached the network


def test_checks_catch_overflow_console_errors_and_missing_files(tmp_path, browser):
    name = page(tmp_path, "bad.html", '<div style="width:900px">wide</div>'
                '<script>console.error("boom")</script><img src="nothere.png" alt="x">')
    with serve(tmp_path) as url:
        problems = page_problems(browser, url + name, viewports=(PHONE,))
    assert any(p.startswith("at 375x667: overflows") for p in problems), problems
    assert any("console error: boom" in p for p in problems), problems
    assert any(p.startswith("HTTP 404") and "nothere.png" in p for p in problems), problems


# ---------------------------------------------------------------- every page of the book

def test_book_is_built():
    assert PAGES, f"no book in {BUILT}: run `make book` first"
    assert AXE.is_file(), "axe-core is missing: `make book` installs it from npm"
    assert len(READABLE) >= 40 and "book/model/sick-role.html" in READABLE


@pytest.mark.parametrize("name", PAGES)
def test_links_and_anchors_resolve(name):
    assert link_problems(BUILT, name) == []


#: the first stage's sample of pages, one of each kind: the landing page, a chapter with a
#: figure, computed pages (notebooks), a casebook page, a worked session, the practice
#: summary, the instructor guide's tables, the bibliography and the search page.
SAMPLE = ["book/intro.html", "book/model/closeness-circle.html", "book/history/timeline.html",
          "book/evidence/meta-analyses.html", "book/glossary.html", "book/casebook/case-wadih.html",
          "book/phases/initial-session-worked.html", "book/practice.html",
          "book/instructor-guide.html", "book/references.html", "search.html"]


@pytest.mark.parametrize("name", first_stage(READABLE, SAMPLE))
def test_page_offline_accessible_fits_a_phone(name, browser, book_url):
    """Loaded at 375x667 then widened to 1280x800: no overflow, no serious axe violation at
    either size nor in the dark theme, no request to another host, no HTTP or console error."""
    assert page_problems(browser, book_url + name, dark=True) == []


def test_search_finds_a_term_of_the_book(browser, book_url):
    pg = browser.new_page()
    pg.goto(book_url + "search.html?q=sick+role")
    pg.wait_for_function("() => /Search finished|did not match/.test("
                         "document.querySelector('#search-results')?.textContent || '')",
                         timeout=30_000)
    hrefs = pg.eval_on_selector_all("#search-results ul.search a", "a => a.map(x => x.href)")
    pg.close()
    assert any(h.split("?")[0].endswith("book/model/sick-role.html") for h in hrefs), hrefs


# ---------------------------------------------------------------- a throwaway book

def documented_launch_config() -> dict:
    """The launch-button configuration that _config.yml documents in comments, uncommented."""
    lines = (ROOT / "_config.yml").read_text().splitlines()
    block = []
    for line in lines[lines.index("# launch_buttons:"):]:
        text = line[2:]
        if not line.startswith("# ") or not (text.startswith("  ") or re.fullmatch(r"\w+:\s*", text)):
            break
        block.append(text)
    return yaml.safe_load("\n".join(block))


LAUNCH = documented_launch_config()
HUB = LAUNCH["launch_buttons"]["jupyterhub_url"]
REPO = LAUNCH["repository"]["url"]


def widget_notebook():
    """A notebook page holding a real case-formulation form, its widget state stored as an
    executed notebook stores it (so the build does not need a kernel)."""
    from ipywidgets.embed import embed_data

    from ipt_helpers import Multi, Single, Text, form
    from ipt_helpers.forms import recording

    f = form("browser-demo", [Single("area", "Which problem area?", options=[
        ("Grief", "grief"), ("Role dispute", "dispute"), ("Role transition", "transition")]),
        Multi("signs", "Which signs are present?", options=[("Low mood", "mood"), ("Sleep", "sleep")]),
        Text("why", "Why?")], title="Demo form")
    recording.RECORDED.pop("browser-demo", None)  # leave no trace in this test process
    recording._LIVE.pop("browser-demo", None)
    data = embed_data(views=[f.box])
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": data["manager_state"]}
    cell = nbformat.v4.new_code_cell('form("browser-demo", ...)')
    cell.outputs = [nbformat.v4.new_output("display_data", data={
        "application/vnd.jupyter.widget-view+json": data["view_specs"][0],
        "text/plain": f.summary()})]
    nb.cells = [nbformat.v4.new_markdown_cell("# A form\n\nA form as a book page shows it."), cell]
    nbformat.validate(nb)
    return nb


@pytest.fixture(scope="module")
def tiny_book(tmp_path_factory):
    """One page of the book and one widget page, built with the book's own Sphinx settings
    (templates, self-hosted widget manager) and launch buttons pointing at a JupyterHub."""
    assert (ROOT / "book/_static/vendor/require.js").is_file(), "run `make book` first"
    root = tmp_path_factory.mktemp("tinybook")
    (root / "book").mkdir()
    shutil.copy(ROOT / "book/glossary.ipynb", root / "book/glossary.ipynb")
    nbformat.write(widget_notebook(), root / "book/widget.ipynb")
    main = yaml.safe_load((ROOT / "_config.yml").read_text())
    sphinx = dict(main["sphinx"]["config"])
    for key in ("templates_path", "html_static_path"):
        sphinx[key] = [str(ROOT / p) for p in sphinx.get(key, [])]
    html = dict(main.get("html", {}))
    if "favicon" in html:
        html["favicon"] = str(ROOT / html["favicon"])
    config = {
        "title": "Tiny", "only_build_toc_files": True,
        "execute": {"execute_notebooks": "off"},
        "bibtex_bibfiles": [str(ROOT / b) for b in main.get("bibtex_bibfiles", [])],
        "parse": main.get("parse", {}), "html": html,
        **LAUNCH,
        "sphinx": {"config": sphinx, "local_extensions": {
            name: str(ROOT / path) for name, path in main["sphinx"].get("local_extensions", {}).items()}},
    }
    (root / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    (root / "_toc.yml").write_text("format: jb-book\nroot: book/widget\n"
                                   "chapters:\n  - file: book/glossary\n")
    proc = subprocess.run([Path(sys.executable).parent / "jupyter-book", "build", str(root)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return root / "_build" / "html"


def test_launch_button_opens_the_notebook_on_the_jupyterhub(tiny_book):
    hrefs = [url for tag, _, url in scan(tiny_book / "book/glossary.html").refs if tag == "a"]
    launch = [h for h in hrefs if h.startswith(HUB)]
    repo = REPO.replace("://", "%3A//")
    name = REPO.rstrip("/").rsplit("/", 1)[1]
    branch = LAUNCH["repository"]["branch"]
    assert launch == [f"{HUB}/hub/user-redirect/git-pull?repo={repo}"
                      f"&urlpath=lab/tree/{name}/book/glossary.ipynb&branch={branch}"]


@pytest.mark.parametrize("name, ready", [("book/widget.html", ".widget-radio-box input"),
                                         ("book/glossary.html", None)])
def test_widget_and_launch_pages_work_offline(tiny_book, browser, name, ready):
    if ready:
        assert "_static/vendor/html-manager/embed-amd.js" in (tiny_book / name).read_text()
    assert link_problems(tiny_book, name) == []
    with serve(tiny_book) as url:
        assert page_problems(browser, url + name, ready=ready, dark=True) == []
