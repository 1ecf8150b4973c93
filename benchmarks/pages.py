"""Page weight and load time of the built book in Debian's chromium.

Serves the built HTML (default `_build/html`; `make book` first) on 127.0.0.1 and loads every
page several times, each time in a fresh browser context (cold cache, no other host reachable).
Per page: bytes transferred (the page and everything it fetched, headers included, as the
browser's Resource Timing reports them; the test server does not compress) and the median time
to the load event. Prints the heaviest pages and ends with ``max page bytes: <n>``. On pages
with practice forms it also measures, for each form, the time from pressing *Check* (a click)
to the feedback being painted (the next animation frame after the result is written), and
prints the slowest as ``max feedback ms: <n>``.

    python benchmarks/pages.py [--runs 5] [--html _build/html] [--top 10]
"""

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from bookcheck import BUILT, DESKTOP, offline_context, pages, scan, serve, settle  # noqa: E402
from browser import chromium  # noqa: E402

MEASURE = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  const files = res.map(r => [r.name, r.transferSize]);
  return {bytes: nav.transferSize + res.reduce((n, r) => n + r.transferSize, 0),
          load_ms: nav.loadEventEnd - nav.startTime, files};
}"""


FEEDBACK = """async () => {
  const out = [];
  for (const s of document.querySelectorAll('section[data-practice-form]')) {
    const first = s.querySelector('input[type=radio], input[type=checkbox]');
    if (first) first.checked = true;
    const result = s.querySelector('.practice-result');
    const t0 = performance.now();
    s.querySelector('button.practice-check').click();
    await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
    out.push([s.dataset.practiceForm, performance.now() - t0, result.textContent.length > 0]);
  }
  return out;
}"""


def measure(browser, url: str) -> dict:
    """One cold load of ``url``: bytes transferred, ms to the load event, the files fetched."""
    with offline_context(browser, DESKTOP) as (context, blocked):
        page = context.new_page()
        pending = set()
        page.on("request", lambda r: pending.add(r))
        page.on("requestfinished", lambda r: pending.discard(r))
        page.on("requestfailed", lambda r: pending.discard(r))
        page.goto(url, wait_until="load")
        settle(page, pending)
        result = page.evaluate(MEASURE)
        result["feedback"] = page.evaluate(FEEDBACK)
        result["blocked"] = list(blocked)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=BUILT, help="the built book (_build/html)")
    parser.add_argument("--runs", type=int, default=5, help="loads per page (median reported)")
    parser.add_argument("--top", type=int, default=10, help="how many of the heaviest to list")
    args = parser.parse_args(argv)
    root = args.html.resolve()
    names = [p for p in pages(root) if not scan(root / p).redirect]
    if not names:
        sys.exit(f"no pages in {root}: run `make book` first")

    rows = []
    with serve(root) as base, chromium() as browser:
        for name in names:
            runs = [measure(browser, base + name) for _ in range(args.runs)]
            heaviest_file = max(runs[0]["files"], key=lambda f: f[1], default=("", 0))
            rows.append({
                "page": name,
                "bytes": int(statistics.median(r["bytes"] for r in runs)),
                "load_ms": statistics.median(r["load_ms"] for r in runs),
                "requests": len(runs[0]["files"]) + 1,
                "heaviest": (heaviest_file[0].replace(base, ""), heaviest_file[1]),
                "blocked": sorted({u for r in runs for u in r["blocked"]}),
                "feedback_ms": max((ms for r in runs for _, ms, shown in r["feedback"] if shown),
                                   default=None),
                "forms": len(runs[0]["feedback"]),
            })

    rows.sort(key=lambda r: r["bytes"], reverse=True)
    total = [r["bytes"] for r in rows]
    times = [r["load_ms"] for r in rows]
    print(f"{len(rows)} pages of {root}, {args.runs} cold loads each (median), "
          f"{DESKTOP['width']}x{DESKTOP['height']}, served uncompressed on 127.0.0.1")
    print(f"bytes per page: median {statistics.median(total):,.0f}, max {max(total):,}; "
          f"load event: median {statistics.median(times):.0f} ms, max {max(times):.0f} ms")
    print(f"\nheaviest {min(args.top, len(rows))} pages:")
    print(f"{'bytes':>10} {'load ms':>8} {'req':>4}  page (largest file)")
    for r in rows[:args.top]:
        path, size = r["heaviest"]
        print(f"{r['bytes']:>10,} {r['load_ms']:>8.0f} {r['requests']:>4}  {r['page']}"
              f"  ({path.split('?')[0]}: {size:,})")
    blocked = sorted({u for r in rows for u in r["blocked"]})
    if blocked:
        print(f"\nrequests to other hosts (blocked, not counted): {len(blocked)}")
        for u in blocked[:10]:
            print(f"  {u}")
    practice = [r for r in rows if r["forms"]]
    if practice:
        slow = max(practice, key=lambda r: r["feedback_ms"] or 0)
        print(f"\npractice: {sum(r['forms'] for r in practice)} forms on {len(practice)} pages; "
              f"Check to feedback painted: max {slow['feedback_ms']:.1f} ms ({slow['page']}), "
              f"median {statistics.median(r['feedback_ms'] for r in practice):.1f} ms")
        print(f"max feedback ms: {slow['feedback_ms']:.1f}")
    print(f"requests to other hosts: {len(blocked)}")
    print(f"max page bytes: {max(total)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
