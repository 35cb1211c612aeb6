"""How fast the interactive page is in headless Chromium (BENCHMARKS.md, "Interactive page").

For the layout benchmark's `service N` graphs (pages.service_graph, twenty namespaces):

* the page's size at 1,000, 5,000 and 20,000 services;
* time until drawn and interactive, from navigation start: to `window.svcgraphReady`, which
  the page sets in the second animation frame after its script has indexed the drawing,
  applied the URL fragment and fitted the view; and to the frame after a hover dispatched at
  that moment on a node (its neighbourhood highlighted and its numbers in the side panel:
  the browser finishes rastering a big drawing only after that frame, so this is when the
  page has answered a user); for the page as written (a namespace overview: both graphs have
  more than 400 services), for the same page opened on its full drawing (`#full=1`, laid out
  by the page's engine), and for the graph in one namespace (an overview of groups computed
  from the calls, since it has nothing else to group by);
* expanding a namespace on the overview (the engine lays out the overview with that
  namespace's services drawn in full), on a fresh page once the engine has warmed up and
  right at `svcgraphReady`: from the call until two frames later, and until the frame after a
  hover in it was dispatched then (and the screenshots docs/page-5000.png, the overview at
  fit, and docs/page-5000-expanded.png, namespace ns-7 expanded); the same for a computed
  group of the graph in one namespace (the engine computes the groups from the document too);
* a focus (depth 1) on several services of the 1,000- and 5,000-service pages, the busiest
  among them, with neighbourhoods of up to 200 services: from the call until two frames later;
* hover latency on the full 5,000-service drawing, once drawn: a `mouseover` dispatched on a
  node, until the next animation frame after the page has put the highlight up (style and
  layout forced in that frame), and until the frame after it (paint included).

With `--frames`, only pan and zoom on the full drawing (`#full=1`) of 5,000 and 20,000
services: a key pressed in every animation frame (arrow keys, then `+` and `-`) through the
page's own keyboard handler, and the time between consecutive frames (requestAnimationFrame
timestamps, the names layer placed in each), median, 95th percentile and max (SCENES); zoomed
in past the whole drawing's bitmap, also how many of the tile squares the frames showed were
not painted yet at the view's scale (shown stretched from another scale or the bitmap).

With `--names`, only the service names (view.js, "Service names"): the share of names legible
at fit (at least 10 pixels tall, whole on the stage, overlapping no other: pages.legible_names)
for 50, 300 and 1,000 services, as written and drawn without edge-label rows; and the time of
one placing of the names (svcgraphView.placeNames) on the full 1,000- and 5,000-service
drawings, at fit and zoomed in 2, 4 and 8 times. It saves docs/page-50.png and
docs/page-300.png, those pages at fit as they open.

    bash scripts/browser-checks.sh --bench [--runs 7] [--names | --frames]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Dict, List

from selenium.webdriver.support.ui import WebDriverWait

import pages

HOVER = """
const [index, done] = [arguments[0], arguments[arguments.length - 1]];
const nodes = document.querySelectorAll('#stage > svg:first-child g.nodes > g.node');
const node = nodes[(index * 7919) % nodes.length];
const t0 = performance.now();
node.dispatchEvent(new MouseEvent('mouseover', { bubbles: true }));
requestAnimationFrame(() => {
  document.querySelector('svg.hover-overlay').getBBox();  // style and layout of that frame
  const styled = performance.now() - t0;
  requestAnimationFrame(() => done([styled, performance.now() - t0, performance.now()]));
});
"""


EXPAND = """
const [ns, done] = [arguments[0], arguments[arguments.length - 1]];
const t0 = performance.now();
window.svcgraphView.showExpanded(ns);
requestAnimationFrame(() => requestAnimationFrame(() => {
  const shown = performance.now() - t0;
  const node = [...document.querySelectorAll('#stage > svg:first-child g.nodes > g.node')]
    .find((n) => n.dataset.namespace === ns && n.dataset.kind !== 'namespace');
  node.dispatchEvent(new MouseEvent('mouseover', { bubbles: true }));
  requestAnimationFrame(() => requestAnimationFrame(() => done([shown, performance.now() - t0,
    document.querySelectorAll('#stage > svg:first-child g.nodes > g.node').length])));
}));
"""

FOCUS = """
const [id, done] = [arguments[0], arguments[arguments.length - 1]];
window.svcgraphView.clearFocus();
const t0 = performance.now();
window.svcgraphView.focus(id);
const drawn = window.svcgraphView.focusText() !== '';
requestAnimationFrame(() => requestAnimationFrame(() => done([performance.now() - t0, drawn])));
"""

# One key per animation frame for `count` frames; the intervals between frames, in ms.
FRAMES = """
const [keys, count, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
const intervals = [];
let last = null, i = 0, tiles = 0, stretched = 0;
function step(now) {
  if (last !== null) {
    intervals.push(now - last);
    const p = window.svcgraphView.painted();  // the frame just drawn
    tiles += p.tiles + p.missing; stretched += p.missing;
  }
  last = now;
  if (i === count) { done([intervals, tiles, stretched]); return; }
  const key = keys[i++ % keys.length];
  document.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));
  requestAnimationFrame(step);
}
requestAnimationFrame(step);
"""
PAN_KEYS = ["ArrowRight"] * 6 + ["ArrowDown"] * 6 + ["ArrowLeft"] * 6 + ["ArrowUp"] * 6
# What is measured: keys pressed, after so many `+` from fit (each zooms in 1.25 times, on the
# middle of the stage): panning at fit, at 6 and 19 steps in (3.8 and 69 times), zooming in
# and out 8 steps from fit, and 24 steps (to 211 times fit and back).
SCENES = [
    ("pan at fit", PAN_KEYS, 0),
    ("pan zoomed in 3.8x", PAN_KEYS, 6),
    ("pan zoomed in 69x", PAN_KEYS, 19),
    ("zoom in and out 8 steps", ["+"] * 8 + ["-"] * 8, 0),
    ("zoom in and out 24 steps", ["+"] * 24 + ["-"] * 24, 0),
]

WARM = "return window.svcgraphWarm || false"


def spread(values: List[float]) -> str:
    """Median (min-max), in ms."""
    return f"{statistics.median(values):.0f} ({min(values):.0f}-{max(values):.0f})"


def focus_roots(doc: Dict[str, object]) -> List[List[object]]:
    """Services to focus on (depth 1, callers and callees): the busiest (requests/s in and
    out), and those whose neighbourhoods come nearest 10, 30, 60, 120 and 200 services."""
    rate: Dict[str, float] = {}
    around: Dict[str, set] = {}
    for e in doc["edges"]:  # type: ignore[union-attr]
        for a, b in ((e["source"], e["target"]), (e["target"], e["source"])):
            rate[a] = rate.get(a, 0.0) + e["requests_per_second"]
            around.setdefault(a, {a}).add(b)
    busiest = max(rate, key=lambda k: (rate[k], k))
    roots = [busiest]
    for size in (10, 30, 60, 120, 200):
        best = min((k for k in around if k not in roots), key=lambda k: (abs(len(around[k]) - size), k))
        if len(around[best]) <= 200:
            roots.append(best)
    return [[r, len(around[r])] for r in roots]


def load_times(driver, path: Path, fragment: str, runs: int) -> List[List[float]]:  # type: ignore[no-untyped-def]
    """Per load: when the page said it was ready, and when a hover dispatched right then had
    been drawn (the drawing's first raster finishes only then), from navigation start."""
    times = []
    pages.open_page(driver, path, fragment)  # warm-up: file cache, compiled script
    for i in range(runs):
        driver.get("about:blank")
        ready = pages.open_page(driver, path, fragment)
        answered = driver.execute_async_script(HOVER, i)[2]
        times.append([ready, answered])
    return times


def percentiles(values: List[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):.1f}, p95 {p95:.1f}, max {ordered[-1]:.1f} ms"


def frames(driver, directory: Path, runs: int) -> Dict[str, object]:  # type: ignore[no-untyped-def]
    results: Dict[str, object] = {}
    for n in (5000, 20000):
        doc = pages.service_graph(n)
        path = pages.render(["-i", str(pages.write_json(doc, directory / f"service-{n}.json"))],
                            directory / f"service-{n}.html")
        driver.get("about:blank")
        pages.open_page(driver, path, "#full=1", timeout=300)
        driver.set_script_timeout(600)
        driver.execute_async_script(HOVER, 0)  # waits out the first raster
        for label, keys, at in SCENES:
            driver.execute_script("window.svcgraphView.fit()")
            if at:
                driver.execute_async_script(FRAMES, ["+"], at)
            intervals, tiles, stretched = driver.execute_async_script(FRAMES, keys, runs * len(keys))
            shown = f"; {stretched} of {tiles} tile squares shown stretched" if tiles else ""
            print(f"service {n} full drawing ({len(doc['edges'])} calls), {label}: {percentiles(intervals)} "
                  f"({len(intervals)} frames{shown})")
            results[f"frames {n} {label}"] = intervals
    return results


def names(driver, directory: Path, runs: int) -> Dict[str, object]:  # type: ignore[no-untyped-def]
    results: Dict[str, object] = {}
    for n in (50, 300, 1000):
        doc = pages.service_graph(n)
        source = pages.write_json(doc, directory / f"names-{n}.json")
        for label, extra in (("as written", []), ("without edge-label rows", ["--edge-labels", "never"])):
            path = pages.render(["-i", str(source), *extra], directory / f"names-{n}-{len(extra)}.html")
            for fragment in ("", "#full=1") if n > 400 else ("",):
                driver.get("about:blank")
                pages.open_page(driver, path, fragment)
                seen = pages.legible_names(driver)
                drawn = len(seen["nodes"])  # type: ignore[arg-type]
                legible = len(seen["legible"])  # type: ignore[arg-type]
                what = "the namespace overview" if n > 400 and not fragment else f"{drawn} services"
                print(f"names at fit, service {n} {label}, {what}: {legible} of {drawn} legible "
                      f"({100 * legible / drawn:.0f} %)")
                results[f"names {n} {label} {fragment}"] = [legible, drawn]
                if n < 1000 and not extra:  # the screenshots in docs/, of the pages as they open
                    driver.save_screenshot(str(pages.ROOT / "docs" / f"page-{n}.png"))
    for n in (1000, 5000):
        doc = pages.service_graph(n)
        path = pages.render(["-i", str(pages.write_json(doc, directory / f"names-{n}.json"))],
                            directory / f"names-{n}-0.html")
        driver.get("about:blank")
        pages.open_page(driver, path, "#full=1")
        for zoom in (1, 2, 4, 8):
            driver.execute_script("window.svcgraphView.fit()")
            for _ in range(zoom.bit_length() - 1):
                driver.find_element("tag name", "body").send_keys("+++")  # 1.25^3, about twice
            passes = [driver.execute_script("return window.svcgraphView.placeNames()") for _ in range(runs * 3)]
            ms = sorted(p["ms"] for p in passes)
            print(f"placing the names, service {n} full drawing, zoomed {zoom}x from fit: median "
                  f"{statistics.median(ms):.1f} ms (max {ms[-1]:.1f}); {passes[0]['considered']} services "
                  f"in view, {passes[0]['shown']} names shown")
            results[f"place {n} {zoom}"] = passes
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--hovers", type=int, default=25)
    parser.add_argument("--out", type=Path, help="where to keep the pages (default: a temp dir)")
    parser.add_argument("--names", action="store_true", help="only the service names' figures")
    parser.add_argument("--frames", action="store_true", help="only pan and zoom frame times")
    args = parser.parse_args()
    directory = args.out or Path(tempfile.mkdtemp(prefix="svcgraph-page-bench-"))
    directory.mkdir(parents=True, exist_ok=True)
    version = subprocess.run(["chromium", "--version"], capture_output=True, text=True).stdout.strip()
    print(f"{version}; {args.runs} loads per page after a warm-up, medians (min-max) in ms")

    driver = pages.chromium()
    results: Dict[str, object] = {}
    try:
        if args.names:
            results.update(names(driver, directory, args.runs))
        if args.frames:
            results.update(frames(driver, directory, args.runs))
        for n in () if args.names or args.frames else (1000, 5000, 20000):
            doc = pages.service_graph(n)
            boxed = pages.render(["-i", str(pages.write_json(doc, directory / f"service-{n}.json"))],
                                 directory / f"service-{n}.html")
            size = boxed.stat().st_size
            print(f"service {n} ({len(doc['edges'])} edges): page {size / 1e6:.2f} MB")
            results[f"{n} size"] = size
            if n == 20000:
                continue
            for node in doc["nodes"]:
                node["namespace"] = "default"
            single = pages.render(["-i", str(pages.write_json(doc, directory / f"service-{n}-one.json"))],
                                  directory / f"service-{n}-one.html")
            for node in doc["nodes"]:
                node["namespace"] = node["id"].split("/")[0]
            for label, path, fragment in (
                ("overview (as written)", boxed, ""),
                ("full drawing (#full=1)", boxed, "#full=1"),
                ("one namespace (computed groups)", single, ""),
            ):
                times = load_times(driver, path, fragment, args.runs)
                ready = [t[0] for t in times]
                answered = [t[1] for t in times]
                print(f"service {n} {label}: ready {spread(ready)}, first hover drawn {spread(answered)}; "
                      f"page {path.stat().st_size / 1e6:.2f} MB")
                results[f"{n} {label}"] = times
            driver.get("about:blank")
            pages.open_page(driver, single)
            groups = sorted(driver.execute_script(
                "return JSON.parse(document.getElementById('svcgraph-config').textContent).members"))
            for what, path, among in (("a namespace", boxed, [f"ns-{i}" for i in range(20)]),
                                      ("a computed group", single, groups)):
                for when in ("warm", "at ready"):
                    expand = []
                    for i in range(args.runs):
                        driver.get("about:blank")
                        pages.open_page(driver, path)
                        if when == "warm":
                            WebDriverWait(driver, 30, poll_frequency=0.02).until(lambda d: d.execute_script(WARM))
                        expand.append(driver.execute_async_script(EXPAND, among[(i * 7) % len(among)]))
                    shown = [e[0] for e in expand]
                    answered = [e[1] for e in expand]
                    print(f"service {n}: {what} expanded on the overview ({when}; {expand[0][2]} nodes drawn): "
                          f"shown {spread(shown)}, a hover in it drawn {spread(answered)}")
                    results[f"{n} expand {what} {when}"] = expand
            driver.get("about:blank")
            pages.open_page(driver, boxed)
            WebDriverWait(driver, 30, poll_frequency=0.02).until(lambda d: d.execute_script(WARM))
            for root, around in focus_roots(doc):
                times = [driver.execute_async_script(FOCUS, root) for _ in range(args.runs)]
                assert all(t[1] for t in times), f"the engine drew the focus on {root}"
                ms = [t[0] for t in times]
                print(f"service {n}: focus on {root} ({around} services in the neighbourhood): {spread(ms)}")
                results[f"{n} focus {root}"] = [around, ms]
            if n == 5000:  # the screenshots in docs/: the overview at fit, a namespace expanded
                driver.get("about:blank")
                pages.open_page(driver, boxed)
                driver.save_screenshot(str(pages.ROOT / "docs" / "page-5000.png"))
                driver.execute_async_script(EXPAND, "ns-7")
                driver.execute_script(  # the mouse leaves: no hover highlight in the picture
                    "document.getElementById('stage').dispatchEvent(new MouseEvent('mouseleave'))")
                # The expanded services travel out of the namespace's node: the picture once
                # they have arrived, not halfway faded in.
                WebDriverWait(driver, 30, poll_frequency=0.05).until(lambda d: d.execute_script(
                    "return document.getAnimations().every(a => a.playState !== 'running')"))
                driver.save_screenshot(str(pages.ROOT / "docs" / "page-5000-expanded.png"))
                for label, path, fragment in (("full drawing (#full=1)", boxed, "#full=1"),
                                              ("one namespace, full drawing (#full=1)", single, "#full=1")):
                    pages.open_page(driver, path, fragment)
                    driver.execute_async_script(HOVER, args.hovers)  # waits out the first raster
                    samples = [driver.execute_async_script(HOVER, i) for i in range(args.hovers)]
                    styled = [s[0] for s in samples]
                    painted = [s[1] for s in samples]
                    print(f"hover on service 5000 {label}: to the highlighted frame's style "
                          f"{statistics.median(styled):.1f} ({min(styled):.1f}-{max(styled):.1f}), "
                          f"to the next frame {statistics.median(painted):.1f} "
                          f"({min(painted):.1f}-{max(painted):.1f}); {args.hovers} hovers")
                    results[f"hover {label}"] = samples
    finally:
        driver.quit()
    (directory / "results.json").write_text(json.dumps(results, indent=1))
    print(f"pages and results in {directory}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
