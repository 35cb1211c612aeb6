"""`svcgraph mcp` through the official MCP Python SDK's stdio client, as an assistant's host
runs it: the tools it lists, answers checked against the graph `svcgraph render -f json`
writes (paths against a search written here), bad arguments answered with MCP errors while
the server keeps serving, and a server source asked at the moment a client names.

Run by scripts/mcp-checks.sh (SVCGRAPH names the binary).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import threading
from collections.abc import Awaitable, Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import MCPError

ROOT = Path(__file__).resolve().parents[2]
SVCGRAPH = os.environ.get("SVCGRAPH", str(ROOT / "target/debug/svcgraph"))
YESTERDAY = ROOT / "examples/data/shop-yesterday.snapshot.json"
TOOLS = {"graph", "neighbours", "paths", "compare", "check", "quality"}
FIXTURES = ROOT / "crates/svcgraph-core/tests/fixtures"
SHOP_RULES = ROOT / "examples/data/rules/shop.toml"
SOCK_SHOP_RULES = ROOT / "examples/data/rules/sock-shop.yaml"


def with_session(args: list[str], body: Callable[[ClientSession], Awaitable[None]]) -> None:
    """Starts `svcgraph mcp ARGS`, initialises a session and runs `body` in it."""

    async def main() -> None:
        params = StdioServerParameters(command=SVCGRAPH, args=["mcp", "-q", *args])
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                await body(session)

    asyncio.run(main())


async def call(session: ClientSession, tool: str, **arguments: Any) -> dict[str, Any]:
    result = await session.call_tool(tool, arguments)
    assert not result.is_error, result
    (content,) = result.content
    return json.loads(content.text)  # type: ignore[union-attr]


async def refused(session: ClientSession, tool: str, **arguments: Any) -> str:
    """The message of the MCP error a call gets (a tool error result counts too)."""
    try:
        result = await session.call_tool(tool, arguments)
    except MCPError as error:
        return error.message
    assert result.is_error, f"{tool}({arguments}) was answered: {result}"
    return " ".join(getattr(c, "text", "") for c in result.content)


def cli_graph(*args: str) -> dict[str, Any]:
    out = subprocess.run([SVCGRAPH, "render", "-q", "-f", "json", *args], check=True, capture_output=True)
    return json.loads(out.stdout)


def calls_of(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(e["source"], e["target"]): e for e in doc["edges"]}


def simple_paths(calls: set[tuple[str, str]], start: str, end: str, max_hops: int) -> list[list[str]]:
    """Every simple path of at most `max_hops` calls, by brute force."""
    out: list[list[str]] = []

    def extend(path: list[str]) -> None:
        if len(path) > 1 and path[-1] == end:
            out.append(path)
            return
        if len(path) - 1 == max_hops:
            return
        for client, server in sorted(calls):
            if client == path[-1] and (server not in path or server == end):
                extend([*path, server])

    extend([start])
    return out


def test_the_tools_answer_what_the_graph_says() -> None:
    doc = cli_graph("--demo")
    calls = calls_of(doc)
    ids = {n["id"] for n in doc["nodes"]}
    by_name = {n["name"]: n["id"] for n in doc["nodes"]}

    async def body(session: ClientSession) -> None:
        listed = await session.list_tools()
        assert {t.name for t in listed.tools} == TOOLS
        for tool in listed.tools:
            assert tool.description and len(tool.description) > 40, tool.name
            assert tool.input_schema["type"] == "object"

        graph = await call(session, "graph")
        assert graph["service_count"] == len(doc["nodes"])
        assert graph["call_count"] == len(calls)
        assert {s["id"] for s in graph["services"]} == ids
        listed_calls = {(c["client"], c["server"]): c for c in graph["calls"]}
        assert listed_calls.keys() == calls.keys()
        for key, c in listed_calls.items():
            assert c["requests_per_second"] == pytest.approx(calls[key]["requests_per_second"])
        rates = [c["requests_per_second"] for c in graph["calls"]]
        assert rates == sorted(rates, reverse=True), "busiest first"
        top = await call(session, "graph", limit=3)
        assert len(top["calls"]) == 3 and top["calls_left_out"] == len(calls) - 3

        checkout = by_name["checkout"]
        near = await call(session, "neighbours", service="checkout", direction="callers")
        callers = {c for (c, s) in calls if s == checkout}
        assert {s["id"] for s in near["services"]} == callers | {checkout}
        down = await call(session, "neighbours", service="checkout", direction="callees", depth=2)
        first = {s for (c, s) in calls if c == checkout}
        second = {s for (c, s) in calls if c in first}
        assert {s["id"] for s in down["services"]} == {checkout} | first | second

        frontend, postgres = by_name["frontend"], by_name["postgres"]
        for max_hops in (2, 3, 6):
            answer = await call(session, "paths", **{"from": "frontend", "to": "postgres", "max_hops": max_hops, "limit": 100})
            expected = simple_paths(set(calls), frontend, postgres, max_hops)
            got = [p["services"] for p in answer["paths"]]
            assert sorted(got) == sorted(expected), max_hops
            assert [len(p) for p in got] == sorted(len(p) for p in got), "shortest first"
            for p in answer["paths"]:
                assert [(c["client"], c["server"]) for c in p["calls"]] == list(zip(p["services"], p["services"][1:]))

    with_session(["--demo"], body)


def test_a_comparison_lists_what_the_cli_marks() -> None:
    doc = cli_graph("--demo", "--baseline", str(YESTERDAY))
    marked: dict[str, set[tuple[str, str]]] = {"new": set(), "gone": set(), "changed": set()}
    for e in doc["edges"]:
        change = (e.get("diff") or {}).get("change")
        if change in marked:
            marked[change].add((e["source"], e["target"]))
    assert any(marked.values()), "the sample pair differs"

    async def body(session: ClientSession) -> None:
        answer = await call(session, "compare")
        for change, expected in marked.items():
            got = {(c["client"], c["server"]) for c in answer[change]}
            assert got == expected, change
            assert answer["summary"][change] == len(expected)
        for c in answer["changed"] + answer["gone"]:
            assert c["before"]["requests_per_second"] is not None
        assert all(c["before"] is None for c in answer["new"])

    with_session(["--demo", "--baseline", str(YESTERDAY)], body)


def test_bad_arguments_get_mcp_errors_and_the_server_keeps_serving() -> None:
    async def body(session: ClientSession) -> None:
        cases = [
            ("neighbours", {"service": "chekout"}, "checkout"),
            ("neighbours", {"service": "checkout", "depth": 0}, "from 1 to 10"),
            ("neighbours", {"service": "checkout", "direction": "sideways"}, ""),
            ("neighbours", {}, ""),
            ("paths", {"from": "frontend", "to": "nowhere\"}<script>\n"}, "no node"),
            ("paths", {"from": "frontend", "to": "postgres", "max_hops": 99}, "from 1 to 12"),
            ("graph", {"at": "1h"}, "saved file"),
            ("graph", {"limit": -1}, ""),
            ("compare", {}, "--baseline"),
            ("no_such_tool", {}, ""),
        ]
        for tool, arguments, says in cases:
            message = await refused(session, tool, **arguments)
            assert says.lower() in message.lower(), (tool, arguments, message)
            assert "<script>" not in message or tool == "paths", message
        # Still serving, and still right.
        graph = await call(session, "graph", limit=1)
        assert graph["service_count"] > 0

    with_session(["--demo"], body)


def cli_check(*args: str) -> dict[str, Any]:
    out = subprocess.run([SVCGRAPH, "check", "-q", "-f", "json", *args], capture_output=True)
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def violations(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    return sorted((v["kind"], v["client"]["id"], v["server"]["id"]) for v in report["violations"])


def test_the_check_reports_what_svcgraph_check_reports() -> None:
    expected = cli_check("--demo", "--rules", str(SHOP_RULES))
    assert expected["violations"], "the shop's rules seed violations"
    sock = ROOT / "examples/data/topologies/sock-shop.json"
    sock_expected = cli_check("-i", str(sock), "--rules", str(SOCK_SHOP_RULES))

    async def body(session: ClientSession) -> None:
        # The server's own declaration (--rules), then the same rules given as text.
        own = await call(session, "check")
        assert violations(own) == violations(expected)
        given = await call(session, "check", rules=SHOP_RULES.read_text())
        assert violations(given) == violations(expected)
        message = await refused(session, "check", rules="[[allow]]\nfrom = 3\n")
        assert "rules" in message
        message = await refused(session, "check", rules="allow: [", syntax="yaml")
        assert "rules" in message

    with_session(["--demo", "--rules", str(SHOP_RULES)], body)

    async def yaml_body(session: ClientSession) -> None:
        got = await call(session, "check", rules=SOCK_SHOP_RULES.read_text(), syntax="yaml")
        assert violations(got) == violations(sock_expected)
        message = await refused(session, "check")
        assert "--rules" in message

    with_session(["-i", str(sock)], yaml_body)


def cli_json(command: str, *args: str) -> dict[str, Any]:
    out = subprocess.run([SVCGRAPH, command, "-q", "-f", "json", *args], check=True, capture_output=True)
    return json.loads(out.stdout)


def findings(report: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return sorted((f["kind"], sorted(x["name"] for x in f["subjects"])) for f in report["findings"])


def test_the_quality_report_and_naming_rules_apply_as_on_the_command_line() -> None:
    connector = FIXTURES / "quality-connector.snapshot.json"
    expected = cli_json("doctor", "-i", str(connector))
    assert len(expected["findings"]) >= 5, "the fixture shows every artefact"
    clean = cli_json("doctor", "-i", str(FIXTURES / "quality-connector-clean.snapshot.json"))
    assert clean["findings"] == []

    async def body(session: ClientSession) -> None:
        report = await call(session, "quality")
        assert findings(report) == findings(expected)
        assert report["not_measured"] == expected["not_measured"]

    with_session(["-i", str(connector)], body)

    # Pod IPs named and collapsed by the naming rules, traffic kept: as `render --naming`.
    ips = FIXTURES / "beyla-pod-ips.json"
    rules = FIXTURES / "beyla-pod-ips.naming.toml"
    raw = cli_graph("-i", str(ips))
    named = cli_graph("-i", str(ips), "--naming", str(rules))
    assert len(named["nodes"]) < len(raw["nodes"])

    async def named_body(session: ClientSession) -> None:
        graph = await call(session, "graph", limit=MAX)
        assert {s["id"] for s in graph["services"]} == {n["id"] for n in named["nodes"]}
        total = sum(c["requests_per_second"] for c in graph["calls"])
        assert total == pytest.approx(sum(e["requests_per_second"] for e in raw["edges"]))

    with_session(["-i", str(ips), "--naming", str(rules)], named_body)


MAX = 5000


class Prometheus(BaseHTTPRequestHandler):
    """A Prometheus API answering every query with one call, and recording `time`."""

    times: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (the handler's name)
        query = parse_qs(urlparse(self.path).query)
        Prometheus.times.append(query.get("time", [""])[0])
        promql = query.get("query", [""])[0]
        result = []
        if "request_total" in promql and "failed" not in promql:
            result = [{"metric": {"client": "web", "server": "api"}, "value": [0, "7.5"]}]
        body = json.dumps({"status": "success", "data": {"resultType": "vector", "result": result}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:
        pass


def test_a_server_source_is_asked_at_the_moment_named() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Prometheus)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:

        async def body(session: ClientSession) -> None:
            Prometheus.times.clear()
            graph = await call(session, "graph", at="1795539600")
            assert graph["call_count"] == 1
            assert graph["calls"][0]["requests_per_second"] == 7.5
            assert set(Prometheus.times) == {"1795539600"}
            assert graph["window"]["to_unix_ms"] == 1795539600000
            compared = await call(session, "compare", before="1795536000", at="1795539600")
            assert compared["summary"] == {"new": 0, "gone": 0, "changed": 0, "same": 1}
            message = await refused(session, "compare", before="yesterday-ish")
            assert "before" in message

        with_session(["--url", url, "--schema", "servicegraph"], body)
    finally:
        server.shutdown()
