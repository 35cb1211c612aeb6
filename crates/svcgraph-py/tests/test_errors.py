"""Every error class, raised by hostile inputs and unfriendly servers, with a clear message;
and Ctrl-C interrupting a slow fetch."""

from __future__ import annotations

import _thread
import errno
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Iterator, Tuple

import pytest

import svcgraph

from conftest import SEED, SHOP, Handler, free_port


def test_the_exception_tree() -> None:
    assert issubclass(svcgraph.SourceError, svcgraph.SvcgraphError)
    assert issubclass(svcgraph.AuthError, svcgraph.SourceError)
    assert issubclass(svcgraph.QueryError, svcgraph.SvcgraphError)
    assert issubclass(svcgraph.InputError, svcgraph.SvcgraphError)
    assert issubclass(svcgraph.InputError, ValueError)
    assert issubclass(svcgraph.OutputError, svcgraph.SvcgraphError)
    assert issubclass(svcgraph.OutputError, OSError)
    assert issubclass(svcgraph.SvcgraphError, Exception)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (b"", "the input is empty"),
        ("   ", "the input is empty"),
        (b"[1, 2]", "not an object"),
        ('{"hello": 1}', "neither a Prometheus API response"),
        ('{"format": "x"}', 'unknown document format "x"'),
        ('{"status": ', "ends early"),
        (b"\xff\xfe", "not UTF-8"),
        ('{"format": "svcgraph-snapshot", "version": 1, "schema": {}}', "missing field"),
        ('{"format": "svcgraph-graph", "version": 9, "nodes": [], "edges": []}', "version 9"),
        ('{"status": "success", "data": {"resultType": "scalar", "result": [1, "2"]}}',
         "got a scalar result"),
        ('{"status": "success", "data": {"resultType": "vector", "result": '
         '[{"metric": {"pod": "x"}, "value": [1, "1"]}]}}', "no schema preset fits"),
    ],
)
def test_hostile_inputs_raise_input_error(source: object, message: str) -> None:
    with pytest.raises(svcgraph.InputError) as err:
        svcgraph.load(source)  # type: ignore[arg-type]
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_a_missing_file_is_file_not_found_like_open(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    for source in (str(missing), missing):
        with pytest.raises(FileNotFoundError) as err:
            svcgraph.load(source)
        assert err.value.filename == str(missing)
        assert err.value.errno == 2
    with pytest.raises(IsADirectoryError):
        svcgraph.load(tmp_path)


def leftovers(directory: Path) -> list[str]:
    """Temporary files a save left behind."""
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(".svcgraph-"))


def test_saving_into_a_missing_directory_is_file_not_found_naming_the_path(tmp_path: Path) -> None:
    g = svcgraph.load(SEED)
    target = tmp_path / "missing" / "g.svg"
    for path in (target, str(target)):
        with pytest.raises(FileNotFoundError) as err:
            g.save(path)
        # Also svcgraph's own error, for `except svcgraph.SvcgraphError`.
        assert isinstance(err.value, svcgraph.OutputError)
        assert err.value.errno == errno.ENOENT
        assert err.value.strerror == os.strerror(errno.ENOENT)
        assert err.value.filename == str(target), "the path asked for, not the temporary file"
        message = str(err.value)
        assert message.startswith(f"cannot save to {target}: ")
        assert f"the directory {tmp_path / 'missing'} does not exist" in message
        assert "create it" in message
        assert ".svcgraph-" not in message
    assert not (tmp_path / "missing").exists()


def test_saving_to_a_directory_is_a_directory_error(tmp_path: Path) -> None:
    g = svcgraph.load(SEED)
    directory = tmp_path / "out.svg"
    directory.mkdir()
    for path, kwargs in ((directory, {}), (str(directory), {"format": "json"})):
        with pytest.raises(IsADirectoryError) as err:
            g.save(path, **kwargs)  # type: ignore[arg-type]
        assert isinstance(err.value, svcgraph.OutputError)
        assert err.value.errno == errno.EISDIR
        assert err.value.filename == str(directory)
        assert f"cannot save to {directory}: it is a directory" in str(err.value)
    assert directory.is_dir() and not any(directory.iterdir())
    assert leftovers(tmp_path) == []


def test_saving_under_a_file_is_not_a_directory_error(tmp_path: Path) -> None:
    g = svcgraph.load(SEED)
    (tmp_path / "notes.txt").write_text("notes")
    target = tmp_path / "notes.txt" / "g.svg"
    with pytest.raises(NotADirectoryError) as err:
        g.save(target)
    assert isinstance(err.value, svcgraph.OutputError)
    assert err.value.errno == errno.ENOTDIR
    assert err.value.filename == str(target)
    assert f"{tmp_path / 'notes.txt'} is a file, not a directory" in str(err.value)
    assert (tmp_path / "notes.txt").read_text() == "notes"


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="root may write into a read-only directory",
)
def test_saving_into_a_read_only_directory_is_a_permission_error(tmp_path: Path) -> None:
    g = svcgraph.load(SEED)
    directory = tmp_path / "read-only"
    directory.mkdir()
    existing = directory / "g.svg"
    existing.write_text("old")
    directory.chmod(0o555)
    try:
        with pytest.raises(PermissionError) as err:
            g.save(existing)
        assert isinstance(err.value, svcgraph.OutputError)
        assert err.value.errno in (errno.EACCES, errno.EPERM)
        assert err.value.filename == str(existing)
        assert f"permission denied in the directory {directory}" in str(err.value)
        assert existing.read_text() == "old"
        assert leftovers(directory) == []
    finally:
        directory.chmod(0o755)


# A limit on the size of files this process writes makes the write itself fail (EFBIG), after
# the temporary file was created: the failure a full disk causes, and one root cannot bypass.
# In a child process, so that pytest's own files are not limited.
FULL_DISK = r"""
import resource, signal, sys
import svcgraph
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (1000, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
graph = svcgraph.load(sys.argv[1])
try:
    graph.save(sys.argv[2])
except svcgraph.OutputError as err:
    print(type(err).__name__, err.errno, err.filename, str(err), sep="\n")
else:
    print("saved")
"""


@pytest.mark.skipif(sys.platform == "win32", reason="needs resource.RLIMIT_FSIZE")
def test_a_failed_save_leaves_the_existing_file_untouched(tmp_path: Path) -> None:
    existing = tmp_path / "g.svg"
    existing.write_text("old")
    existing.chmod(0o640)
    run = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(SHOP), str(existing)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert run.returncode == 0, run.stderr
    kind, number, filename, message = run.stdout.rstrip("\n").split("\n")
    assert kind == "OutputError"
    assert int(number) == errno.EFBIG
    assert filename == str(existing)
    assert message.startswith(f"cannot save to {existing}: ")
    assert "an existing file there is unchanged" in message
    assert existing.read_text() == "old"
    assert oct(existing.stat().st_mode & 0o777) == oct(0o640)
    assert leftovers(tmp_path) == [], "the temporary file is removed"


@pytest.mark.parametrize(
    ("source", "kwargs", "message"),
    [
        ('{"status": "success", "data": {"resultType": "vector", "result": '
         '[{"metric": {"pod": "x"}, "value": [1, "1"]}]}}', {}, "pass schema="),
        ('{"status": "success", "data": {"resultType": "vector", "result": '
         '[{"metric": {"client": "x"}, "value": [1, "1"]}]}}', {"schema": "servicegraph"},
         "choose the schema with schema="),
    ],
)
def test_messages_name_python_arguments_not_command_line_flags(
    source: str, kwargs: dict[str, str], message: str
) -> None:
    with pytest.raises(svcgraph.InputError) as err:
        svcgraph.load(source, **kwargs)  # type: ignore[arg-type]
    assert message in str(err.value)
    assert "--" not in str(err.value), str(err.value)


def test_a_failed_query_in_a_saved_response_is_a_query_error() -> None:
    failed = {"status": "error", "errorType": "bad_data", "error": "parse error at char 3"}
    with pytest.raises(svcgraph.QueryError, match=r"the query failed on the server \(bad_data\)"):
        svcgraph.load(json.dumps(failed))


def test_bad_arguments_raise_input_error_or_type_error() -> None:
    seed = SEED
    with pytest.raises(svcgraph.InputError, match="unknown schema `nope`; presets are"):
        svcgraph.load(seed, schema="nope")
    with pytest.raises(svcgraph.InputError, match="filter"):
        svcgraph.load(seed, filters="not a matcher")
    with pytest.raises(svcgraph.InputError, match="filters must map"):
        svcgraph.load(seed, filters={"client": 1})  # type: ignore[dict-item]
    with pytest.raises(svcgraph.InputError, match="use Graph.filter"):
        svcgraph.load(svcgraph.load(seed).to_json(), filters="client=root")
    with pytest.raises(svcgraph.InputError, match="cluster"):
        svcgraph.load(seed, cluster="prod")
    with pytest.raises(TypeError, match="takes a path"):
        svcgraph.load(42)  # type: ignore[arg-type]


def test_a_label_value_with_quotes_stays_a_value() -> None:
    hostile = 'a"} or vector(1) #'
    g = svcgraph.load(SEED, filters={"client": hostile})
    assert len(g) == 0


def unreachable_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


def test_connection_refused_is_a_source_error() -> None:
    url = unreachable_url()
    with pytest.raises(svcgraph.SourceError, match=f"cannot connect to {url}"):
        svcgraph.from_prometheus(url, schema="servicegraph", timeout=5)


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (401, "", svcgraph.AuthError, "HTTP 401"),
        (403, '{"status":"error","error":"denied"}', svcgraph.AuthError, "HTTP 403"),
        (404, "not here", svcgraph.SourceError, "HTTP 404"),
        (400, '{"status":"error","errorType":"bad_data","error":"parse error"}',
         svcgraph.QueryError, "bad_data"),
        (200, "<html>hello</html>", svcgraph.SourceError, "cannot use"),
    ],
)
def test_unfriendly_servers_raise_the_right_class(
    http_server: Callable[[Handler], str],
    status: int,
    body: str,
    error: type[Exception],
    message: str,
) -> None:
    url = http_server(lambda request: (status, body))
    with pytest.raises(error) as err:
        svcgraph.from_prometheus(url, schema="servicegraph", timeout=5)
    assert message in str(err.value)
    if error is svcgraph.SourceError:
        assert not isinstance(err.value, svcgraph.AuthError)


def test_credentials_and_headers_are_sent(http_server: Callable[[Handler], str]) -> None:
    seen: list[Tuple[str, str]] = []

    def answer(request: http.server.BaseHTTPRequestHandler) -> Tuple[int, str]:
        seen.append((request.headers["Authorization"], request.headers["X-Scope-OrgID"]))
        return 200, '{"status":"success","data":{"resultType":"vector","result":[]}}'

    url = http_server(answer)
    g = svcgraph.from_prometheus(
        url, schema="servicegraph", bearer_token="s3cret", headers={"X-Scope-OrgID": "team-a"}
    )
    assert len(g) == 0
    assert seen and all(s == ("Bearer s3cret", "team-a") for s in seen)
    assert g.snapshot is not None and '"svcgraph-snapshot"' in g.snapshot


def test_basic_auth_and_attempts_are_used(http_server: Callable[[Handler], str]) -> None:
    seen: list[str] = []

    def answer(request: http.server.BaseHTTPRequestHandler) -> Tuple[int, str]:
        seen.append(request.headers["Authorization"])
        # The first request of each query fails with a 503 and is retried.
        if len(seen) == 1:
            return 503, "busy"
        return 200, '{"status":"success","data":{"resultType":"vector","result":[]}}'

    url = http_server(answer)
    g = svcgraph.from_prometheus(
        url, schema="servicegraph", basic_auth=("ann", "pw"), attempts=2, timeout=5
    )
    assert len(g) == 0
    # "ann:pw" in base64.
    assert seen and all(s == "Basic YW5uOnB3" for s in seen)
    seen.clear()
    with pytest.raises(svcgraph.SourceError, match="503"):
        svcgraph.from_prometheus(url, schema="servicegraph", attempts=1, timeout=5)


def test_tls_and_retry_arguments_are_checked(tmp_path: Path) -> None:
    with pytest.raises(svcgraph.InputError, match="attempts must be 1 or more"):
        svcgraph.from_prometheus("http://127.0.0.1:1", attempts=0)
    with pytest.raises(svcgraph.InputError, match="not both"):
        svcgraph.from_prometheus("http://127.0.0.1:1", bearer_token="t", basic_auth=("a", "b"))
    with pytest.raises(svcgraph.SvcgraphError, match="nope.pem"):
        svcgraph.from_prometheus("https://127.0.0.1:1", ca_file=tmp_path / "nope.pem")


def test_a_server_without_known_metrics_is_a_source_error(http_server: Callable[[Handler], str]) -> None:
    url = http_server(lambda request: (200, '{"status":"success","data":{"resultType":"vector","result":[]}}'))
    with pytest.raises(svcgraph.SourceError, match="holds no service-graph metrics"):
        svcgraph.from_prometheus(url)


def test_bad_client_arguments_raise_input_error() -> None:
    with pytest.raises(svcgraph.InputError, match="timeout"):
        svcgraph.from_prometheus("http://127.0.0.1:1", timeout=0)
    with pytest.raises(svcgraph.InputError):
        svcgraph.from_prometheus("not a url", schema="servicegraph")
    with pytest.raises(svcgraph.InputError, match="window"):
        svcgraph.from_prometheus("http://127.0.0.1:1", window="5 minutes")
    with pytest.raises(svcgraph.InputError, match="is not a time"):
        svcgraph.from_prometheus("http://127.0.0.1:1", at="yesterday-ish")
    with pytest.raises(svcgraph.InputError, match="header"):
        svcgraph.from_prometheus("http://127.0.0.1:1", schema="servicegraph", headers={"bad name": "x"})


@pytest.fixture
def silent_server() -> Iterator[Tuple[str, threading.Event]]:
    """A server that reads a request and never answers; the event is set once a request
    has arrived."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    arrived = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            held.append(conn)
            conn.recv(65536)
            arrived.set()

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", arrived
    listener.close()
    for conn in held:
        conn.close()


def test_ctrl_c_interrupts_a_slow_fetch(silent_server: Tuple[str, threading.Event]) -> None:
    url, arrived = silent_server

    def interrupt_once_the_request_is_waiting() -> None:
        arrived.wait(30)
        _thread.interrupt_main()

    threading.Thread(target=interrupt_once_the_request_is_waiting, daemon=True).start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        svcgraph.from_prometheus(url, schema="servicegraph", timeout=60)
    assert arrived.is_set()
    # Not a timing test: the bound only tells an interrupted wait from a timed-out one.
    assert time.monotonic() - started < 60
