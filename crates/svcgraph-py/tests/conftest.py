"""Shared fixtures: paths in the repository, a real Prometheus loaded with known data, and
small loopback HTTP servers that answer the way broken or unfriendly stores do."""

from __future__ import annotations

import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, List, Optional, Tuple

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import openmetrics  # noqa: E402

REPO = Path(__file__).resolve().parents[3]
DATA = REPO / "examples" / "data"
# The bundled samples live in the crates that use them (so the published crates are whole).
SHOP = REPO / "crates" / "svcgraph-cli" / "data" / "shop.snapshot.json"
SEED = REPO / "crates" / "svcgraph-core" / "tests" / "fixtures" / "seed.json"


def in_ci() -> bool:
    return os.environ.get("CI", "") not in ("", "0", "false")


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def cli() -> Optional[Path]:
    """The debug `svcgraph` binary, when it has been built (`cargo build -p svcgraph`)."""
    binary = REPO / "target" / "debug" / "svcgraph"
    return binary if binary.is_file() else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Prometheus:
    url: str
    dataset: openmetrics.Dataset
    edges: List[openmetrics.EdgeSpec]


@pytest.fixture(scope="session")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prometheus]:
    """A real Prometheus on a free loopback port serving the known `servicegraph` data,
    killed at the end of the session."""
    missing = [b for b in ("prometheus", "promtool") if shutil.which(b) is None]
    if missing:
        message = f"{' and '.join(missing)} not installed (apt-get install prometheus)"
        if in_ci():
            pytest.fail(message + ", and CI is set")
        pytest.skip(message)
    directory = tmp_path_factory.mktemp("prometheus")
    edges = openmetrics.standard_edges()
    end = int(time.time()) // openmetrics.STEP * openmetrics.STEP - 300
    dataset = openmetrics.servicegraph_dataset(edges, end)
    source = directory / "data.om"
    source.write_text(dataset.text)
    tsdb = directory / "tsdb"
    subprocess.run(
        ["promtool", "tsdb", "create-blocks-from", "openmetrics", str(source), str(tsdb)],
        check=True, capture_output=True,
    )
    config = directory / "prometheus.yml"
    # No scrape jobs: the only data is what promtool wrote.
    config.write_text("global:\n  evaluation_interval: 1m\nscrape_configs: []\n")
    port = free_port()
    log = open(directory / "prometheus.log", "wb")
    process = subprocess.Popen(
        [
            "prometheus",
            f"--config.file={config}",
            f"--storage.tsdb.path={tsdb}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--storage.tsdb.retention.time=30d",
        ],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"prometheus exited: {(directory / 'prometheus.log').read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/-/ready", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail("prometheus not ready within 60 s")
            time.sleep(0.05)  # polling for readiness, not timing anything
        yield Prometheus(url=url, dataset=dataset, edges=edges)
    finally:
        process.kill()
        process.wait()
        log.close()


Handler = Callable[[http.server.BaseHTTPRequestHandler], Tuple[int, str]]


@pytest.fixture
def http_server() -> Iterator[Callable[[Handler], str]]:
    """Starts loopback HTTP servers that answer every request with `handler(request)`:
    (status, body). Returns the base URL; servers stop after the test."""
    servers: List[http.server.ThreadingHTTPServer] = []

    def start(handler: Handler) -> str:
        class Answer(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                status, body = handler(self)
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = _answer
            do_POST = _answer

            def log_message(self, format: str, *args: object) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answer)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
