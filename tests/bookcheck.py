"""Checks of a built HTML book in a real browser, shared by the browser tests and the benchmark.

Every page is served on 127.0.0.1 and opened in Debian's chromium with all other hosts cut off:
a request to another host is recorded and aborted, never sent.
"""

import contextlib
import functools
import os
import http.server
import threading
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
# IPT_BOOK_HTML: check a book built elsewhere (jupyter-book build . --path-output DIR: DIR/_build/html)
BUILT = Path(os.environ.get("IPT_BOOK_HTML") or ROOT / "_build" / "html")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 667}
LOCAL_HOSTS = ("127.0.0.1",)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a page fetches ~25 files
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(directory: Path):
    """A static file server for ``directory`` on 127.0.0.1; yields its base URL (with /)."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def pages(root: Path = BUILT) -> list[str]:
    """Every HTML page of a built book, relative to ``root`` (theme files in _static/ are not)."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.html")
                  if p.relative_to(root).parts[0] != "_static")


# ---------------------------------------------------------------- links (static HTML)

ASSET_TAGS = {"img", "script", "iframe", "source", "video", "audio", "embed", "track"}


class _Scan(HTMLParser):
    """The ids and the references (tag, attribute, URL) of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.refs: list[tuple[str, str, str]] = []
        self.redirect: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("name"):
            self.ids.add(a["name"])
        if tag in ("a", "area", "link") and "href" in a:
            self.refs.append((tag, a.get("rel", ""), a["href"]))
        if tag in ASSET_TAGS and a.get("src"):
            self.refs.append((tag, "", a["src"]))
        if tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            _, _, url = a.get("content", "").partition("=")
            if url.strip():
                self.redirect = url.strip()
                self.refs.append(("meta", "refresh", self.redirect))


@functools.lru_cache(maxsize=None)
def scan(path: Path) -> _Scan:
    s = _Scan()
    s.feed(path.read_text(encoding="utf-8", errors="replace"))
    return s


def is_remote(url: str) -> bool:
    return url.startswith("//") or bool(urlsplit(url).scheme)


def link_problems(root: Path, page: str) -> list[str]:
    """Broken internal links and anchors of one page, and assets it would fetch from elsewhere.

    An internal href must name a file in the book; its #fragment must be an id in that file.
    Links to other sites (<a href="https://...">) are fine; a script, image, stylesheet, font
    or icon from another host is not: the book must work offline.
    """
    root = root.resolve()
    here = root / page
    problems = []
    for tag, rel, url in scan(here).refs:
        if is_remote(url):
            scheme = urlsplit(url).scheme
            loads = tag in ASSET_TAGS or (tag == "link" and rel not in ("", "canonical", "alternate"))
            if loads and scheme not in ("data", "blob"):
                problems.append(f"<{tag}> loads {url} from another host")
            continue
        parts = urlsplit(url)
        if parts.path:
            target = (here.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
        else:
            target = here
        if root not in target.parents and target != root:
            problems.append(f"<{tag}> {url} points outside the book")
            continue
        if not target.is_file():
            problems.append(f"<{tag}> {url}: no such file {target.relative_to(root)}")
            continue
        fragment = unquote(parts.fragment)
        if fragment and target.suffix == ".html" and fragment not in scan(target).ids:
            problems.append(f"<{tag}> {url}: no id '{fragment}' in {target.relative_to(root)}")
    return problems


# ---------------------------------------------------------------- one page in the browser

AXE_RUN = """async (tags) => {
  const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                     resultTypes: ['violations']});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map(n => ({target: n.target.join(' '), impact: n.impact,
                                html: n.html.slice(0, 160)}))}));
}"""

OVERFLOW = """() => {
  const w = window.innerWidth, over = document.documentElement.scrollWidth - w;
  if (over <= 0) return null;
  const clipped = e => { for (let a = e.parentElement; a && a !== document.body; a = a.parentElement)
      if (getComputedStyle(a).overflowX !== 'visible') return true; return false; };
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > w + 1 && !clipped(e))
    .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
              (typeof e.className === 'string' && e.className.trim()
               ? '.' + e.className.trim().split(/\\s+/).join('.') : ''));
  return {over, wide: wide.slice(0, 5)};
}"""


@contextlib.contextmanager
def offline_context(browser, viewport=DESKTOP, **kwargs):
    """A browser context that cuts off every host but 127.0.0.1; yields (context, blocked)."""
    context = browser.new_context(viewport=viewport, **kwargs)
    blocked: list[str] = []

    def route(route):
        url = route.request.url
        if urlsplit(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            blocked.append(url)
            route.abort("blockedbyclient")

    context.route("**/*", route)
    try:
        yield context, blocked
    finally:
        context.close()


def axe_violations(page, impacts=BLOCKING) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations of the open page with one of ``impacts``."""
    assert AXE.is_file(), f"{AXE} is missing: `make book` installs it (npm ci)"
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))  # inlined: not a request
    found = page.evaluate(AXE_RUN, AXE_TAGS)
    return [v for v in found if v["impact"] in impacts]


def describe(violation: dict) -> str:
    nodes = "; ".join(f"{n['target']} {n['html']}" for n in violation["nodes"][:4])
    return f"axe {violation['impact']} {violation['id']} ({violation['help']}): {nodes}"


SETTLE = """async () => {
  await document.fonts.ready;
  await new Promise(r => requestAnimationFrame(() => setTimeout(r, 50)));
  const finite = document.getAnimations().filter(a => a.effect &&
      a.effect.getComputedTiming().iterations !== Infinity);
  await Promise.race([Promise.allSettled(finite.map(a => a.finished)),
                      new Promise(r => setTimeout(r, 3000))]);
}"""


def settle(page, pending: set, timeout=10.0):
    """Wait until fonts are loaded, CSS transitions (e.g. of a colour change) have ended and no
    request of the page is in flight (a quicker networkidle: that waits for 500 ms of silence)."""
    page.evaluate(SETTLE)
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        page.wait_for_timeout(25)


def page_problems(browser, url: str, *, viewports=(PHONE, DESKTOP), run_axe=True,
                  ready: str | None = None, dark=False) -> list[str]:
    """Everything wrong with one page as a reader's browser sees it, offline.

    The page is loaded once at the first viewport and then resized to the others; at each:
    horizontal overflow, and (``run_axe``) serious or critical WCAG 2.1 A/AA violations;
    ``dark``: axe again once the system asks for a dark colour scheme (the book's theme
    follows it). Over the whole visit: requests to other hosts (blocked), HTTP errors,
    console errors, uncaught exceptions. ``ready``: a selector to wait for (e.g. a rendered
    widget) before checking.
    """
    problems = []
    with offline_context(browser, viewports[0]) as (context, blocked):
        page = context.new_page()
        page.on("console", lambda m: problems.append(f"console error: {m.text}")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(f"uncaught exception: {e}"))
        page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}")
                if r.status >= 400 else None)
        pending = set()
        page.on("request", lambda r: pending.add(r))
        page.on("requestfinished", lambda r: pending.discard(r))
        page.on("requestfailed", lambda r: pending.discard(r))
        page.goto(url, wait_until="load")
        if ready:
            try:
                page.wait_for_selector(ready, state="attached", timeout=15_000)
            except Exception:  # noqa: BLE001 - reported as a problem of the page
                problems.append(f"never showed {ready!r}")
        settle(page, pending)
        for i, viewport in enumerate(viewports):
            if i:
                page.set_viewport_size(viewport)
                settle(page, pending)
            at = f"at {viewport['width']}x{viewport['height']}"
            overflow = page.evaluate(OVERFLOW)
            if overflow:
                problems.append(f"{at}: overflows the viewport by {overflow['over']}px: "
                                f"{', '.join(overflow['wide'])}")
            if run_axe:
                problems += [f"{at}: {describe(v)}" for v in axe_violations(page)]
        if dark:
            page.emulate_media(color_scheme="dark")
            try:
                page.wait_for_function("document.documentElement.dataset.theme === 'dark'",
                                       timeout=5_000)
            except Exception:  # noqa: BLE001 - reported as a problem of the page
                problems.append("did not switch to its dark theme")
            else:
                settle(page, pending)
                problems += [f"dark theme: {describe(v)}" for v in axe_violations(page)]
        settle(page, pending)
        # chromium also logs each blocked request as a console error: report it once, below
        problems = [p for p in problems if "ERR_BLOCKED_BY_CLIENT" not in p]
        problems += [f"request to another host (blocked): {u}" for u in blocked]
    return problems


def reachable(questions, rubric):
    """A practice form's answers that decide every question's points: none, full marks, and
    full marks with each answer of a question that a conditional question depends on."""
    from ipt_helpers.forms.scoring import conditions, full_marks

    states = [{}, full_marks(rubric)]
    for rule in rubric.values():
        for target in conditions(rule):
            other = next(q for q in questions if q.id == target)
            states += [{**full_marks(rubric), target: key} for _, key in other.options]
    return states
