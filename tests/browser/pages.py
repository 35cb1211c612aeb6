"""What the browser tests and the benchmark share: headless Chromium, pages written by the
real `svcgraph` binary, and generated graphs.

The generated graphs are the layout benchmark's `service N` shapes (crates/svcgraph-core/
benches/layout.rs), through the faithful Python port in crates/svcgraph-py/bench/
render_1000.py, with the benchmark's twenty namespaces over consecutive node numbers.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import types
from pathlib import Path
from typing import Dict, List, Optional

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[2]


def svcgraph_binary() -> Path:
    """The binary under test: $SVCGRAPH, else the debug build."""
    return Path(os.environ.get("SVCGRAPH", ROOT / "target" / "debug" / "svcgraph"))


def render(args: List[str], out: Path) -> Path:
    """Runs `svcgraph render ARGS -f html -o OUT` and returns OUT."""
    subprocess.run(
        [str(svcgraph_binary()), "render", "-q", *args, "-f", "html", "-o", str(out)],
        check=True,
    )
    return out


def chromium(width: int = 1400, height: int = 900) -> webdriver.Chrome:
    """Headless Chromium with its console and DevTools network events recorded."""
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for arg in (
        "--headless=new",
        "--no-sandbox",  # the tests may run as root in a container
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--window-size={width},{height}",
        "--force-device-scale-factor=1",
        "--lang=en-US",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver_path = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
    return webdriver.Chrome(service=Service(driver_path), options=options)


def open_page(driver: webdriver.Chrome, path: Path, fragment: str = "", timeout: float = 60) -> float:
    """Loads the page and waits (polling) until it reports being drawn; returns that moment
    in milliseconds from navigation start."""
    driver.get(path.resolve().as_uri() + fragment)
    return float(WebDriverWait(driver, timeout, poll_frequency=0.02).until(
        lambda d: d.execute_script("return window.svcgraphReady || false")
    ))


def network_requests(driver: webdriver.Chrome) -> List[str]:
    """URLs the page asked for since the last call (from DevTools performance entries)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def _generator() -> types.ModuleType:
    # render_1000 imports the wheel at the top for its own timings; its generator functions
    # do not use it, so a placeholder module stands in when the wheel is not installed.
    path = ROOT / "crates" / "svcgraph-py" / "bench" / "render_1000.py"
    sys.modules.setdefault("svcgraph", types.ModuleType("svcgraph"))
    spec = importlib.util.spec_from_file_location("svcgraph_bench_render_1000", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def service_graph(n: int, namespaces: int = 20, seed: int = 3) -> Dict[str, object]:
    """The benchmark's `service N` graph document, its nodes spread over `namespaces`
    namespaces by consecutive numbers (`ns-0/svc-0` …)."""
    gen = _generator()
    doc = gen.graph_document(n, gen.service_shaped(n, seed))
    ns_of = {f"svc-{i}": f"ns-{i * namespaces // n}" for i in range(n)}
    for node in doc["nodes"]:
        ns = ns_of[node["id"]]
        node["id"] = f"{ns}/{node['id']}"
        node["namespace"] = ns
    for edge in doc["edges"]:
        edge["source"] = f"{ns_of[edge['source']]}/{edge['source']}"
        edge["target"] = f"{ns_of[edge['target']]}/{edge['target']}"
    doc["nodes"].sort(key=lambda node: node["id"])
    return doc


def flat_graph(n: int, seed: int = 3) -> Dict[str, object]:
    """The benchmark's `service N` graph document as it comes, with no namespaces."""
    gen = _generator()
    return gen.graph_document(n, gen.service_shaped(n, seed))


def write_json(doc: object, path: Path) -> Path:
    path.write_text(json.dumps(doc))
    return path


def hostile_graph(names: Optional[List[str]] = None) -> Dict[str, object]:
    """Services whose names are markup, in a namespace whose name is markup too."""
    names = names or [
        "<img src=x onerror=window.pwned=1>",
        "</script><script>window.pwned=2</script>",
    ]
    ns = "ns<b onmouseover=window.pwned=3>"
    nodes = [{"id": "web", "name": "web", "namespace": "front", "kind": "service"}]
    nodes += [{"id": f"{ns}/{name}", "name": name, "namespace": ns, "kind": "service"} for name in names]
    edges = [
        {"source": "web", "target": f"{ns}/{name}", "requests_per_second": 1.0 + i,
         "failures_per_second": 0.0}
        for i, name in enumerate(names)
    ]
    return {"format": "svcgraph-graph", "version": 1, "nodes": nodes, "edges": edges}


# Names on the names layer: where each shown one is on screen, and each service's box.
NAMES = """
const stage = document.getElementById('stage').getBoundingClientRect();
const shown = [...document.querySelectorAll('#stage > .names > .name:not(.hover)')].map((n) => {
  const r = n.getBoundingClientRect();
  return { id: n.dataset.id, text: n.textContent, rect: [r.left, r.top, r.right, r.bottom] };
});
const nodes = [...document.querySelectorAll('#stage > svg:first-child g.nodes > g.node')].map((g) => {
  const r = g.querySelector('rect, path').getBoundingClientRect();
  return { id: g.dataset.id, name: g.dataset.name, x: (r.left + r.right) / 2, y: (r.top + r.bottom) / 2 };
});
return { stage: [stage.left, stage.top, stage.right, stage.bottom], shown, nodes };
"""


def overlap(a: List[float], b: List[float], margin: float = 0.0) -> bool:
    return a[0] - margin < b[2] and b[0] - margin < a[2] and a[1] - margin < b[3] and b[1] - margin < a[3]


def legible_names(driver: webdriver.Chrome) -> Dict[str, object]:
    """The page's names as a reader sees them: `legible` ids (at least 10 pixels tall, whole
    on the stage, overlapping no other shown name), plus what NAMES returns."""
    seen = driver.execute_script(NAMES)
    stage = seen["stage"]
    legible = set()
    for i, name in enumerate(seen["shown"]):
        r = name["rect"]
        inside = r[0] >= stage[0] and r[1] >= stage[1] and r[2] <= stage[2] and r[3] <= stage[3]
        alone = not any(overlap(r, o["rect"]) for j, o in enumerate(seen["shown"]) if j != i)
        if r[3] - r[1] >= 10 and inside and alone:
            legible.add(name["id"])
    seen["legible"] = legible
    return seen
