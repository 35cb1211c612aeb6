#!/usr/bin/env python3
"""What `svcgraph serve` costs under load, against a real Prometheus on loopback:

1. 400 requests for distinct moments, 100 at a time, on a graph of SERVICES services
   (3,000 by default, three calls each, two hours of history loaded with promtool): the
   answers by status, the queries Prometheus answered beyond the refreshes', serve's peak
   and settled memory against its idle level, and how long /healthz took meanwhile.
2. The live view of that graph: bytes on the wire for an unchanged refresh (304) and for a
   whole view, gzipped.
3. A source that answers with an endless body (3 GB, chunked), as a Prometheus server and as
   the Cloud Monitoring API: refused, and serve's peak memory.

    cargo build --release -p svcgraph
    python3 scripts/serve-load.py [SERVICES] [--svcgraph target/release/svcgraph]

Needs `prometheus` and `promtool` (Debian's prometheus package). Prints figures only; the
behaviour is tested in crates/svcgraph-cli/tests/serve.rs.
"""
import argparse
import concurrent.futures
import gzip
import http.client
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

STEP = 60  # seconds between samples of the loaded history
HISTORY = 2 * 3600


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"{url} did not answer within {seconds} s")


def openmetrics(services, now):
    """Three calls per service, tiered, as the servicegraph connector counts them."""
    rng = random.Random(11)
    tiers = 8
    per = max(1, services // tiers)
    calls = set()
    while len(calls) < 3 * services:
        v = rng.randrange(services)
        tier = min(v // per, tiers - 1)
        if tier + 1 >= tiers:
            continue
        w = min(services - 1, (tier + 1) * per + rng.randrange(per))
        calls.add((v, w))
    lines = ["# TYPE traces_service_graph_request_total counter"]
    start = now - HISTORY
    for c, s in sorted(calls):
        rate = rng.uniform(0.5, 20)
        labels = (
            f'client="svc-{c}",server="svc-{s}",client_service_namespace="ns{c % 20}",'
            f'server_service_namespace="ns{s % 20}",connection_type=""'
        )
        # Half an hour ahead too, so that the live view stays full however long this runs.
        for t in range(start, now + 1800 + 1, STEP):
            lines.append(
                f"traces_service_graph_request_total{{{labels}}} {1000 + rate * (t - start):.1f} {t}"
            )
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


def start_prometheus(work, services, now):
    data = os.path.join(work, "om")
    with open(data, "w") as f:
        f.write(openmetrics(services, now))
    tsdb = os.path.join(work, "tsdb")
    subprocess.run(
        ["promtool", "tsdb", "create-blocks-from", "openmetrics", data, tsdb],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    config = os.path.join(work, "prometheus.yml")
    with open(config, "w") as f:
        f.write("global:\n  evaluation_interval: 1m\nscrape_configs: []\n")
    port = free_port()
    proc = subprocess.Popen(
        [
            "prometheus",
            f"--config.file={config}",
            f"--storage.tsdb.path={tsdb}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--storage.tsdb.retention.time=30d",
        ],
        stdout=subprocess.DEVNULL,
        stderr=open(os.path.join(work, "prometheus.log"), "w"),
    )
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/-/ready")
    return proc, url


def start_serve(svcgraph, url, *extra, env=None):
    """serve on a free port; `url` is a Prometheus URL, or the source's arguments."""
    port = free_port()
    source = ["--url", url] if isinstance(url, str) else list(url)
    proc = subprocess.Popen(
        [svcgraph, "serve", *source, "--schema", "servicegraph", "--listen",
         f"127.0.0.1:{port}", "-q", *extra],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    threading.Thread(target=proc.stderr.read, daemon=True).start()
    return proc, port


def memory(pid):
    """(resident, peak resident) in MB, from /proc."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            name, _, value = line.partition(":")
            fields[name] = value
    mb = lambda name: int(fields[name].split()[0]) / 1024
    return mb("VmRSS"), mb("VmHWM")


def memory_level(pid, seconds=30):
    """The most resident memory (MB) over `seconds` (two refreshes of 15 s): a refresh
    allocates and frees megabytes, so one reading depends on where in the cycle it falls."""
    most = 0.0
    deadline = time.time() + seconds
    while time.time() < deadline:
        most = max(most, memory(pid)[0])
        time.sleep(0.2)
    return most


def get(port, path, headers=None, timeout=300, client=1):
    # Each client from an address of its own (all of 127/8 is this machine's).
    conn = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=timeout, source_address=(f"127.0.0.{client}", 0)
    )
    conn.request("GET", path, headers=headers or {})
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, dict(r.getheaders()), body


def queries_answered(prometheus_url):
    with urllib.request.urlopen(prometheus_url + "/metrics") as r:
        text = r.read().decode()
    return int(sum(
        float(l.rsplit(" ", 1)[1])
        for l in text.splitlines()
        if l.startswith("prometheus_http_requests_total{") and 'handler="/api/v1/query"' in l
    ))


def view_ready(port, timeout=600, statuses=("ok", "degraded")):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            status, _, body = get(port, "/healthz")
        except OSError:
            status, body = 0, b""
        if status == 200 and json.loads(body)["status"] in statuses:
            return json.loads(body)
        time.sleep(0.5)
    sys.exit("serve had no view in time")


def load(svcgraph, prometheus_url, services, now):
    serve, port = start_serve(svcgraph, prometheus_url, "--refresh", "15s", "--history", "3h")
    health = view_ready(port)
    # Idle: the live view drawn and asked for, after a minute of refreshes, over two more.
    get(port, "/api/view")
    time.sleep(60)
    get(port, "/api/view")
    idle = memory_level(serve.pid)
    health = json.loads(get(port, "/healthz")[2])
    before = queries_answered(prometheus_url)
    refreshes_before = health["refreshes"]
    moments = [now - 300 - 15 * i for i in range(400)]
    stop = threading.Event()
    health_times = []

    def watch_health():
        while not stop.is_set():
            t = time.time()
            status, _, _ = get(port, "/healthz", timeout=60)
            health_times.append((time.time() - t, status))
            time.sleep(0.25)

    watcher = threading.Thread(target=watch_health)
    watcher.start()
    started = time.time()
    with concurrent.futures.ThreadPoolExecutor(100) as pool:
        statuses = list(pool.map(
            lambda i: get(port, f"/api/view?at={moments[i]}", client=2 + i % 100)[0],
            range(len(moments)),
        ))
    took = time.time() - started
    stop.set()
    watcher.join()
    _, peak = memory(serve.pid)
    health = json.loads(get(port, "/healthz")[2])
    queries = queries_answered(prometheus_url) - before
    refresh_queries = 5 * (health["refreshes"] - refreshes_before)
    # Other moments are dropped two minutes after their last use, at a refresh.
    time.sleep(150)
    settled = memory_level(serve.pid)
    counts = {s: statuses.count(s) for s in sorted(set(statuses))}
    worst_health = max(t for t, _ in health_times)
    print(f"## 400 requests for distinct moments, 100 at a time, {services} services")
    print(f"answers by status: {counts} in {took:.1f} s")
    print(f"upstream queries beyond refreshes: {queries - refresh_queries} "
          f"(5 per fetched moment: {counts.get(200, 0)} answered 200)")
    print(f"memory (most over 30 s): idle {idle:.0f} MB, peak {peak:.0f} MB, "
          f"150 s later {settled:.0f} MB ({settled / idle:.2f}x idle)")
    print(f"/healthz during the load: {len(health_times)} answers, "
          f"all 200: {all(s == 200 for _, s in health_times)}, slowest {worst_health * 1000:.0f} ms")
    later = json.loads(get(port, "/healthz")[2])
    print(f"cache: {health.get('cache_bytes', 0) / 2**20:.1f} MiB after the load, "
          f"{later.get('cache_bytes', 0) / 2**20:.1f} MiB 150 s later")

    status, headers, body = get(port, "/api/view", {"Accept-Encoding": "gzip"})
    tag = headers.get("etag") or headers.get("ETag")
    plain = len(gzip.decompress(body)) if headers.get("content-encoding") == "gzip" else len(body)
    # An unchanged refresh, as the page asks it: the raw bytes on the wire.
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(
            f"GET /api/view HTTP/1.1\r\nHost: 127.0.0.1\r\nIf-None-Match: {tag}\r\n"
            "Accept-Encoding: gzip\r\nConnection: close\r\n\r\n".encode()
        )
        raw = b""
        while chunk := s.recv(65536):
            raw += chunk
    print(f"## the live view of {services} services")
    print(f"whole view: {plain / 1024:.0f} KiB, gzipped on the wire {len(body) / 1024:.0f} KiB")
    print(f"unchanged refresh: {raw.split(b' ')[1].decode()} in {len(raw)} bytes")
    serve.terminate()
    serve.wait()


def endless_source(svcgraph, source):
    """An answer that never ends (up to 3 GB), from a Prometheus server or from the Cloud
    Monitoring API (whose Google token then comes from a metadata server on the same port)."""
    port = free_port()
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(16)
    sent = [0]

    def answer(conn):
        try:
            request = conn.recv(65536)
            if request.split(b" ")[1].startswith(b"/computeMetadata/"):
                token = b'{"access_token":"t","expires_in":3600,"token_type":"Bearer"}'
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Metadata-Flavor: Google\r\nContent-Length: %d\r\n"
                             b"Connection: close\r\n\r\n%s" % (len(token), token))
                return
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n")
            chunk = b" " * (1 << 20)
            framed = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
            conn.sendall(b'6\r\n{"a":"\r\n')
            while sent[0] < 3 << 30:
                conn.sendall(framed)
                sent[0] += len(chunk)
        except OSError:
            pass
        finally:
            conn.close()

    def accept():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    env = None
    if source == "cloud-monitoring":
        url = ["--source", "cloud-monitoring", "--project-id", "load-test", "--endpoint", url]
        env = dict(os.environ, GCE_METADATA_HOST=f"127.0.0.1:{port}",
                   GOOGLE_APPLICATION_CREDENTIALS="", HOME="/nonexistent")
        env.pop("GOOGLE_APPLICATION_CREDENTIALS")
    serve, sport = start_serve(svcgraph, url, "--refresh", "5s", env=env)
    view_ready(sport, statuses=("starting", "ok", "degraded"))
    deadline = time.time() + 300
    health = {}
    while time.time() < deadline:
        health = json.loads(get(sport, "/healthz")[2])
        if health["failed_refreshes"] >= 2:
            break
        time.sleep(0.5)
    _, peak = memory(serve.pid)
    print(f"## a {source} source answering 3 GB, chunked")
    print(f"refused: {health.get('error')!r}")
    print(f"sent before serve stopped reading: {sent[0] / 2**20:.0f} MiB over "
          f"{health.get('failed_refreshes')} refreshes; serve's peak memory {peak:.0f} MB")
    serve.terminate()
    serve.wait()
    server.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("services", nargs="?", type=int, default=3000)
    parser.add_argument("--svcgraph", default="target/release/svcgraph")
    parser.add_argument("--only-endless", action="store_true")
    args = parser.parse_args()
    if args.only_endless:
        endless_source(args.svcgraph, "prometheus")
        endless_source(args.svcgraph, "cloud-monitoring")
        return
    for tool in ("prometheus", "promtool"):
        if not shutil.which(tool):
            sys.exit(f"serve-load.py needs {tool} (apt-get install prometheus)")
    now = int(time.time())
    with tempfile.TemporaryDirectory() as work:
        prometheus, url = start_prometheus(work, args.services, now)
        try:
            load(args.svcgraph, url, args.services, now)
        finally:
            prometheus.terminate()
            prometheus.wait()
    endless_source(args.svcgraph, "prometheus")
    endless_source(args.svcgraph, "cloud-monitoring")


if __name__ == "__main__":
    main()
