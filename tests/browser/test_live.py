"""The live page against a stand-in for `svcgraph serve` on a loopback port: it polls
`api/view` (relative to itself), swaps the drawing keeping the focus, shows the time it
shows, the failures of a refresh, and asks for other moments and comparisons.

The page and the replies are written by examples/live_page.rs (built by scripts/browser-
checks.sh), the same calls a server makes.
"""

from __future__ import annotations

import json
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, Iterator, List, Optional
from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

import pages

SHOP = pages.ROOT / "crates" / "svcgraph-cli" / "data" / "shop.snapshot.json"
YESTERDAY = pages.ROOT / "examples" / "data" / "shop-yesterday.snapshot.json"
NOW = 1795539600  # the shop sample's moment, 2026-11-24 17:00 UTC


def live_page(*args: str) -> None:
    example = Path(pages.svcgraph_binary()).parent / "examples" / "live_page"
    subprocess.run([str(example), *args], check=True)


class Stand:
    """What the server answers: the page at /live/, and `api/view` replies in turn."""

    def __init__(self, page: bytes) -> None:
        self.page = page
        self.reply: Optional[bytes] = None
        # When set, the answer to requests for a past moment (a non-empty `at`).
        self.past: Optional[bytes] = None
        self.fail = False
        self.queries: List[Dict[str, List[str]]] = []
        self.lock = threading.Lock()


@pytest.fixture(scope="module")
def stand(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    work = tmp_path_factory.mktemp("live")
    live_page("page", str(SHOP), str(work / "live.html"), "1")
    live_page("view", str(YESTERDAY), str(work / "yesterday.json"), str(NOW - 86400))
    live_page("view", str(SHOP), str(work / "compared.json"), str(NOW), str(YESTERDAY))
    # Part of the shop, the calls of its checkout: other services, other totals.
    live_page("view", str(SHOP), str(work / "today.json"), str(NOW))
    today = json.loads((work / "today.json").read_bytes())["graph"]
    part = dict(today, edges=[e for e in today["edges"] if e["source"] == "shop/checkout"])
    kept = {e["source"] for e in part["edges"]} | {e["target"] for e in part["edges"]}
    part["nodes"] = [n for n in today["nodes"] if n["id"] in kept]
    (work / "checkout.graph.json").write_text(json.dumps(part))
    live_page("view", str(work / "checkout.graph.json"), str(work / "checkout.json"), str(NOW))
    state = Stand((work / "live.html").read_bytes())
    replies = {name: (work / f"{name}.json").read_bytes() for name in ("yesterday", "compared", "checkout")}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            url = urlsplit(self.path)
            with state.lock:
                if url.path == "/live/":
                    body, status, kind = state.page, 200, "text/html; charset=utf-8"
                elif url.path == "/live/api/view":
                    query = parse_qs(url.query, keep_blank_values=True)
                    state.queries.append(query)
                    reply = state.past if state.past is not None and query.get("at", [""])[0] else state.reply
                    if state.fail or reply is None:
                        body, status, kind = b"upstream unavailable", 503, "text/plain"
                    else:
                        body, status, kind = reply, 200, "application/json"
                else:
                    body, status, kind = b"not found", 404, "text/plain"
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, replies, f"http://127.0.0.1:{server.server_address[1]}/live/"
    server.shutdown()
    server.server_close()


def wait(driver, condition, timeout: float = 15):  # type: ignore[no-untyped-def]
    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(condition)


def drawn(driver) -> set:  # type: ignore[no-untyped-def]
    return set(driver.execute_script(
        "return [...document.querySelectorAll('#stage > svg:first-child g.nodes > g.node:not(.leaving)')]"
        ".filter(n => getComputedStyle(n).display !== 'none').map(n => n.dataset.id)"))


def test_the_live_page_refreshes_and_keeps_the_view(stand) -> None:  # type: ignore[no-untyped-def]
    state, replies, url = stand
    state.reply = replies["yesterday"]
    driver = pages.chromium()
    try:
        driver.get(url + "#focus=checkout")
        wait(driver, lambda d: d.execute_script("return window.svcgraphReady || false"))
        assert driver.find_element(By.ID, "live-state").text == "live"
        assert "payments/fraud-detection" not in drawn(driver)  # focus: checkout ± 1
        # The next refresh brings yesterday's shop: tax is there, payment's callee is not.
        status = wait(driver, lambda d: "showing 2026-11-23 17:00:00 UTC" in d.find_element(By.ID, "status").text)
        assert status
        assert "shop/tax" in drawn(driver)
        assert "focus-root" in driver.find_element(
            By.CSS_SELECTOR, 'g.nodes > g.node[data-id="shop/checkout"]').get_attribute("class")
        assert "#focus=shop%2Fcheckout" in driver.current_url
        assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []
        origin = url.rsplit("/live/", 1)[0]
        for request in pages.network_requests(driver):
            assert request.startswith(origin + "/live/"), request
        assert state.queries[0] == {"at": [""], "compare": [""]}

        # A failed refresh is reported, and the last drawing stays.
        state.fail = True
        wait(driver, lambda d: "refresh failed (HTTP 503: upstream unavailable)" in d.find_element(By.ID, "status").text)
        assert "error" in driver.find_element(By.ID, "status").get_attribute("class")
        assert "shop/tax" in drawn(driver)
        state.fail = False

        # Another moment: the slider asks for it and the page stops polling.
        state.reply = replies["compared"]
        asked = len(state.queries)
        driver.execute_script(
            "const t = document.getElementById('time'); t.value = -3600;"
            "t.dispatchEvent(new Event('input')); t.dispatchEvent(new Event('change'));")
        wait(driver, lambda d: len(state.queries) > asked)
        at = int(state.queries[asked]["at"][0])
        assert abs(at - (driver.execute_script("return Date.now() / 1000") - 3600)) < 60
        assert driver.find_element(By.ID, "live-state").text == "paused"
        assert f"at={at}" in driver.current_url
        # A comparison: the reply's diff shows, with before and after.
        asked = len(state.queries)
        Select(driver.find_element(By.ID, "compare")).select_by_value("86400")
        wait(driver, lambda d: len(state.queries) > asked and d.find_elements(By.CSS_SELECTOR, "g.edge.diff-new"))
        assert state.queries[asked]["compare"] == ["86400"]
        assert "compare=86400" in driver.current_url
        # Back to live.
        asked = len(state.queries)
        driver.find_element(By.ID, "go-live").click()
        wait(driver, lambda d: len(state.queries) > asked)
        assert state.queries[asked]["at"] == [""]
        assert driver.find_element(By.ID, "live-state").text == "live"
    finally:
        driver.quit()


def test_the_data_quality_section_follows_the_view(stand) -> None:  # type: ignore[no-untyped-def]
    state, replies, url = stand
    state.reply = replies["yesterday"]
    driver = pages.chromium()
    try:
        driver.get(url)
        wait(driver, lambda d: "showing 2026-11-23 17:00:00 UTC" in d.find_element(By.ID, "status").text)
        summary = driver.find_element(By.CSS_SELECTOR, "#quality > summary")
        # Yesterday's shop has its uninstrumented caller `user`: a virtual peer.
        assert summary.text == "Data quality: 1 finding"
        summary.click()
        assert driver.find_element(By.ID, "quality").get_attribute("open") is not None
        assert "Virtual peers" in driver.find_element(By.CSS_SELECTOR, "#quality .quality-body").text
        # The checkout's calls alone have none: the section says so, and stays open.
        state.reply = replies["checkout"]
        wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "#quality > summary").text
             == "Data quality: nothing found")
        assert driver.find_element(By.ID, "quality").get_attribute("open") is not None
        body = driver.find_element(By.CSS_SELECTOR, "#quality .quality-body").text
        assert "Virtual peers" not in body and "Not measured" in body
        assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []
    finally:
        driver.quit()


def panel_rows(driver) -> Dict[str, str]:  # type: ignore[no-untyped-def]
    return dict(driver.execute_script(
        "return [...document.querySelectorAll('#panel tr')]"
        ".map(tr => [tr.querySelector('th').textContent, tr.querySelector('td').textContent])"))


def totals_of(driver, reply: bytes) -> Dict[str, str]:  # type: ignore[no-untyped-def]
    """The side panel's totals for the graph of an `api/view` reply, in the page's words."""
    graph = json.loads(reply)["graph"]
    rps = sum(e["requests_per_second"] for e in graph["edges"])
    fps = sum(e.get("failures_per_second", 0) for e in graph["edges"])
    view = "window.svcgraphView"
    return {
        "services": f"{len(graph['nodes']):,}",
        "calls": f"{len(graph['edges']):,}",
        "requests/s": driver.execute_script(f"return {view}.formatRate(arguments[0])", rps),
        "error ratio": driver.execute_script(
            f"return {view}.formatPercent(arguments[0])", min(1, fps / rps) if rps else 0),
    }


def test_the_panel_describes_the_drawing_shown_after_the_slider_moves(stand) -> None:  # type: ignore[no-untyped-def]
    """The side panel's totals are those of the graph drawn, not of the one drawn before it:
    after each refresh and after the time slider asks for another moment."""
    state, replies, url = stand
    # The present is yesterday's shop, every moment of the past checkout's calls: each refresh of
    # the present redraws the same graph, and a moment of the past is asked for once.
    state.reply = replies["yesterday"]
    state.past = replies["checkout"]
    driver = pages.chromium()
    try:
        driver.get(url)
        wait(driver, lambda d: d.execute_script("return window.svcgraphReady || false"))
        wait(driver, lambda d: "showing 2026-11-23 17:00:00 UTC" in d.find_element(By.ID, "status").text)
        yesterday = totals_of(driver, replies["yesterday"])
        checkout = totals_of(driver, replies["checkout"])
        assert yesterday["services"] != checkout["services"], "the two moments must differ"
        assert panel_rows(driver) == yesterday

        asked = len(state.queries)
        driver.execute_script(
            "const t = document.getElementById('time'); t.value = -7200;"
            "t.dispatchEvent(new Event('input')); t.dispatchEvent(new Event('change'));")
        wait(driver, lambda d: len(state.queries) > asked
             and "showing 2026-11-24 17:00:00 UTC" in d.find_element(By.ID, "status").text)
        assert panel_rows(driver) == checkout
        shown = len(driver.find_elements(By.CSS_SELECTOR, "#stage > svg:first-child g.nodes > g.node:not(.leaving)"))
        assert panel_rows(driver)["services"] == f"{shown:,}"

        # And back to the present, yesterday's graph again.
        asked = len(state.queries)
        driver.find_element(By.ID, "go-live").click()
        wait(driver, lambda d: len(state.queries) > asked
             and "showing 2026-11-23 17:00:00 UTC" in d.find_element(By.ID, "status").text)
        assert panel_rows(driver) == yesterday
        assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []
    finally:
        state.past = None
        driver.quit()


def test_services_that_moved_glide_to_their_new_place(stand) -> None:  # type: ignore[no-untyped-def]
    """A refresh that moves services shows them leaving their old place for the new one (a
    transition of their transform), and leaves nothing transformed once there."""
    state, replies, url = stand
    state.reply = None
    driver = pages.chromium()
    try:
        driver.get(url)
        wait(driver, lambda d: d.execute_script("return window.svcgraphReady || false"))
        before = driver.execute_script(
            "const out = {}; for (const n of document.querySelectorAll('#stage g.nodes > g.node')) {"
            " const r = n.querySelector('rect'); if (r) out[n.dataset.id] = [r.getAttribute('x'), r.getAttribute('y')]; }"
            " return out;")
        # Record every node that starts to glide.
        driver.execute_script(
            "window.glided = new Set(); new MutationObserver((changes) => {"
            " for (const c of changes) if (c.target.classList && c.target.classList.contains('gliding'))"
            "   window.glided.add(c.target.dataset.id); })"
            ".observe(document.getElementById('stage'), {subtree: true, attributes: true, attributeFilter: ['class']});")
        state.reply = replies["checkout"]
        wait(driver, lambda d: d.execute_script("return window.glided.size") > 0)
        after = driver.execute_script(
            "const out = {}; for (const n of document.querySelectorAll('#stage g.nodes > g.node:not(.leaving)')) {"
            " const r = n.querySelector('rect'); if (r) out[n.dataset.id] = [r.getAttribute('x'), r.getAttribute('y')]; }"
            " return out;")
        moved = {i for i in after if i in before and after[i] != before[i]}
        assert moved, "the checkout drawing must move some services"
        glided = set(driver.execute_script("return [...window.glided]"))
        assert glided <= moved, glided - moved
        assert glided, moved
        # Once there, nothing is left transformed.
        wait(driver, lambda d: d.execute_script(
            "return [...document.querySelectorAll('#stage g.node')].every(n => !n.style.transform)"))
        assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []
    finally:
        driver.quit()


def test_the_page_of_svcgraph_serve_draws_and_refreshes(tmp_path: Path) -> None:
    """The real server (`svcgraph serve --snapshots`), not a stand-in: its page draws the
    graph, polls its own `api/view`, asks nothing of any other origin and logs no error."""
    snapshots = tmp_path / "snapshots"
    snapshots.mkdir()
    (snapshots / "shop.json").write_bytes(SHOP.read_bytes())
    server = subprocess.Popen(
        [str(pages.svcgraph_binary()), "serve", "--snapshots", str(snapshots),
         "--listen", "127.0.0.1:0", "--refresh", "1s"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    driver = None
    try:
        url = None
        assert server.stderr is not None
        for line in server.stderr:  # the address line comes before any request is served
            if "serving http://" in line:
                url = line.split("serving ", 1)[1].split()[0]
                break
        assert url, "svcgraph serve printed no address"
        driver = pages.chromium()
        driver.get(url)
        wait(driver, lambda d: d.execute_script("return window.svcgraphReady || false"))
        assert "shop/checkout" in drawn(driver)
        assert driver.find_element(By.ID, "live-state").text == "live"
        wait(driver, lambda d: "showing 2026-11-24 17:00:00 UTC" in d.find_element(By.ID, "status").text)
        assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []
        # Nothing changes in the snapshot directory: later polls are answered 304 Not Modified
        # and the drawing in the page is kept, not drawn again.
        driver.execute_script("window.drawnBefore = document.querySelector('#stage > svg')")
        wait(driver, lambda d: d.execute_script(
            "return performance.getEntriesByType('resource')"
            ".filter(e => e.name.includes('/api/view?') && e.responseStatus === 304).length >= 2"))
        assert driver.execute_script(
            "return window.drawnBefore !== null"
            " && window.drawnBefore === document.querySelector('#stage > svg')")
        assert "showing 2026-11-24 17:00:00 UTC" in driver.find_element(By.ID, "status").text
        requests = pages.network_requests(driver)
        assert any("/api/view?" in r for r in requests), requests
        for request in requests:
            assert request.startswith(url.rstrip("/")), request
    finally:
        if driver is not None:
            driver.quit()
        server.terminate()
        server.wait(timeout=30)


def start_serve(snapshots: Path, *flags: str) -> tuple:
    """`svcgraph serve --snapshots DIR` on a free loopback port, refreshing every second:
    the process and the page's URL."""
    server = subprocess.Popen(
        [str(pages.svcgraph_binary()), "serve", "--snapshots", str(snapshots),
         "--listen", "127.0.0.1:0", "--refresh", "1s", *flags],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    assert server.stderr is not None
    for line in server.stderr:  # the address line comes before any request is served
        if "serving http://" in line:
            return server, line.split("serving ", 1)[1].split()[0]
    server.kill()
    raise AssertionError("svcgraph serve printed no address")


def test_a_failing_source_and_a_server_gone_are_shown_loudly(tmp_path: Path) -> None:
    """The badge turns amber when the server shows its last good view because the source
    fails (with the server's reason, as text), back to live when the source is back, and red
    when the server cannot be reached at all."""
    # A directory whose name is markup: the reason that names it stays text.
    snapshots = tmp_path / "<img src=x onerror=window.pwned=1>"
    snapshots.mkdir()
    (snapshots / "shop.json").write_bytes(SHOP.read_bytes())
    server, url = start_serve(snapshots)
    driver = None
    try:
        driver = pages.chromium()
        driver.get(url)
        wait(driver, lambda d: d.execute_script("return window.svcgraphReady || false"))
        badge = lambda d: d.find_element(By.ID, "live-state")  # noqa: E731
        wait(driver, lambda d: "showing 2026-11-24 17:00:00 UTC" in d.find_element(By.ID, "status").text)
        assert badge(driver).text == "live"

        # The source fails.
        away = tmp_path / "away"
        snapshots.rename(away)
        wait(driver, lambda d: "stale" in badge(d).get_attribute("class"), timeout=30)
        text = badge(driver).get_attribute("textContent")
        clock = driver.execute_script(
            "return new Date(arguments[0] * 1000).toLocaleTimeString([], {hour: '2-digit', minute: '2-digit'})",
            NOW)
        assert text.startswith(f"stale — last good view {clock}, source failing since "), text
        assert f"cannot read the directory {snapshots}" in text, text
        assert driver.find_elements(By.CSS_SELECTOR, "#live-state *") == []
        assert driver.execute_script("return window.pwned === undefined")
        colour = driver.execute_script("return getComputedStyle(arguments[0]).backgroundColor", badge(driver))
        assert colour == "rgb(180, 83, 9)", colour
        assert "shop/checkout" in drawn(driver), "the last good view stays"

        # The directory comes back: live again.
        away.rename(snapshots)
        wait(driver, lambda d: badge(d).text == "live", timeout=30)
        assert badge(driver).get_attribute("class") == "badge"

        # The server goes away.
        server.terminate()
        server.wait(timeout=30)
        wait(driver, lambda d: "down" in badge(d).get_attribute("class"), timeout=30)
        assert badge(driver).text.startswith("cannot reach the server since "), badge(driver).text
        assert "refresh failed" in driver.find_element(By.ID, "status").text
        assert "shop/checkout" in drawn(driver)
    finally:
        if driver is not None:
            driver.quit()
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=30)
