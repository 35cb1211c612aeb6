"""Google Cloud sources against loopback fakes of their wire formats: the GMP PromQL endpoint
(the seed test vector, as the seed recipe's cluster would answer) and Cloud Monitoring's
`timeSeries.list`, with a service-account key made at test time."""

from __future__ import annotations

import base64
import http.server
import json
import shutil
import subprocess
from pathlib import Path
from typing import Callable, List, Tuple
from urllib.parse import parse_qs, urlsplit

import pytest

import svcgraph
from conftest import SEED, Handler

PROJECT = "test-proj"
GMP_PATH = f"/v1/projects/{PROJECT}/location/global/prometheus/api/v1/query"


@pytest.fixture(scope="module")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A service-account key file with a fresh RSA key (openssl; the test command installs it)."""
    if shutil.which("openssl") is None:
        pytest.fail("these tests need the openssl command (scripts/test.sh installs it)")
    tmp = tmp_path_factory.mktemp("google")
    private = tmp / "private.pem"
    subprocess.run(
        ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
         "-out", str(private)],
        check=True,
        capture_output=True,
    )
    key = {
        "type": "service_account",
        "project_id": PROJECT,
        "private_key_id": "key-1",
        "private_key": private.read_text(),
        "client_email": "svcgraph-test@test-proj.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    path = tmp / "key.json"
    path.write_text(json.dumps(key))
    return path


def jwt_claims(authorization: str) -> dict:
    assert authorization.startswith("Bearer ")
    payload = authorization[len("Bearer "):].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_from_gmp_draws_the_seed_vector_like_the_file(
    http_server: Callable[[Handler], str], key_file: Path
) -> None:
    seen: List[Tuple[str, dict, dict]] = []
    seed = (SEED).read_text()

    def answer(request: http.server.BaseHTTPRequestHandler) -> Tuple[int, str]:
        url = urlsplit(request.path)
        seen.append((url.path, parse_qs(url.query), jwt_claims(request.headers["Authorization"])))
        if url.path != GMP_PATH:
            return 404, '{"error":{"code":404,"message":"no such path","status":"NOT_FOUND"}}'
        # The request query only; the other purposes have no series in the seed recipe.
        query = parse_qs(url.query)["query"][0]
        if "traces_service_graph_request_total" in query and "__name__" not in query:
            return 200, seed
        return 200, '{"status":"success","data":{"resultType":"vector","result":[]}}'

    endpoint = http_server(answer)
    g = svcgraph.from_gmp(
        PROJECT,
        schema="gmp-beyla",
        cluster="prod",
        at="2026-11-24T17:00:00Z",
        credentials_file=key_file,
        endpoint=endpoint,
        timeout=10,
    )
    from_file = svcgraph.load(SEED, schema="gmp-beyla")
    assert g.to_json() == from_file.to_json()
    assert sorted(n["name"] for n in g.nodes) == ["child1", "leaf1", "leaf2", "root"]
    assert len(g.edges) == 3
    assert g.snapshot is not None and '"svcgraph-snapshot"' in g.snapshot
    path, params, claims = seen[0]
    assert path == GMP_PATH
    assert 'cluster="prod"' in params["query"][0]
    assert params["time"] == ["1795539600"]
    assert claims["scope"] == "https://www.googleapis.com/auth/monitoring.read"
    assert claims["iss"] == "svcgraph-test@test-proj.iam.gserviceaccount.com"


@pytest.mark.parametrize(
    "status,reason,error,message",
    [
        (403, "PERMISSION_DENIED", svcgraph.AuthError, "roles/monitoring.viewer"),
        (401, "UNAUTHENTICATED", svcgraph.AuthError, "gcloud auth application-default login"),
        (404, "NOT_FOUND", svcgraph.SourceError, PROJECT),
    ],
)
def test_google_refusals_say_what_to_do(
    http_server: Callable[[Handler], str],
    key_file: Path,
    status: int,
    reason: str,
    error: type[Exception],
    message: str,
) -> None:
    body = json.dumps({"error": {"code": status, "message": "refused", "status": reason}})
    endpoint = http_server(lambda request: (status, body))
    for source in (svcgraph.from_gmp, svcgraph.from_cloud_monitoring):
        with pytest.raises(error) as err:
            source(PROJECT, schema="gmp-beyla", credentials_file=key_file, endpoint=endpoint,
                   timeout=10)
        assert message in str(err.value), (source, str(err.value))


def test_from_cloud_monitoring_reads_time_series(
    http_server: Callable[[Handler], str], key_file: Path
) -> None:
    series = {
        "timeSeries": [
            {
                "metric": {
                    "type": "prometheus.googleapis.com/traces_service_graph_request_total/counter",
                    "labels": {
                        "client": "frontend", "client_address": "10.0.0.1",
                        "server": "cart", "server_address": "10.0.0.2",
                    },
                },
                "resource": {"type": "prometheus_target", "labels": {"cluster": "prod"}},
                "metricKind": "GAUGE",
                "valueType": "DOUBLE",
                "points": [
                    {
                        "interval": {"startTime": "2026-11-24T16:55:00Z",
                                     "endTime": "2026-11-24T17:00:00Z"},
                        "value": {"doubleValue": 2.5},
                    }
                ],
            }
        ]
    }
    paths: List[str] = []

    def answer(request: http.server.BaseHTTPRequestHandler) -> Tuple[int, str]:
        paths.append(urlsplit(request.path).path)
        return 200, json.dumps(series)

    endpoint = http_server(answer)
    g = svcgraph.from_cloud_monitoring(
        PROJECT, credentials_file=key_file, endpoint=endpoint, at="2026-11-24T17:00:00Z",
        timeout=10,
    )
    assert g.schema == "gmp-beyla"
    assert [(e["requests_per_second"]) for e in g.edges] == [2.5]
    assert paths and all(p == f"/v3/projects/{PROJECT}/timeSeries" for p in paths)


def test_missing_credentials_and_bad_projects_are_refused(tmp_path: Path) -> None:
    with pytest.raises(svcgraph.AuthError):
        svcgraph.from_gmp(PROJECT, credentials_file=tmp_path / "missing.json",
                          endpoint="http://127.0.0.1:9", timeout=5)
    with pytest.raises(svcgraph.InputError, match="not a Google Cloud project ID"):
        svcgraph.from_gmp("../other", endpoint="http://127.0.0.1:9", timeout=5)
    with pytest.raises(svcgraph.InputError, match="timeout"):
        svcgraph.from_cloud_monitoring(PROJECT, timeout=0)
