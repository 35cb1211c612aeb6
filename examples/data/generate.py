#!/usr/bin/env python3
"""Writes the bundled sample inputs. Deterministic: no randomness, no clock.

Each file lives in the crate that uses it, so that the published crates are self-contained:
the demo in `crates/svcgraph-cli/data/`, the preset fixtures in
`crates/svcgraph-core/tests/fixtures/`, the comparison baseline here in `examples/data/`.

    python3 examples/data/generate.py      (needs the svcgraph binary: cargo build)

* shop.snapshot.json — a shop of 19 services and stores as the OpenTelemetry `servicegraph`
  connector reports them: request, failure and latency (p50/p95/p99) query responses, saved
  as a svcgraph snapshot. `svcgraph render --demo` draws it.
* shop-yesterday.snapshot.json — the same shop a day earlier, for comparisons
  (`svcgraph render --demo --baseline examples/data/shop-yesterday.snapshot.json`): fraud
  detection did not exist yet, checkout still called a tax service, the ad service was
  healthy, payment was faster and recommendations were called less.
* gke-pods.json — the same shop one level down, as the seed recipe (Beyla + spanmetrics +
  Google Managed Prometheus) reports it: one series per pod pair, pods keyed by IP, a caller
  without a pod (a node IP) known only by its address.
* seed.json — the seed tool's own test vector: 4 pods, 3 edges, 9.7341795580096 req/s each.
"""

import datetime
import json
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
EVAL_TIME = 1795539600  # 2026-11-24T17:00:00Z
SVCGRAPH = [str(ROOT / "target" / "debug" / "svcgraph")]

# (client, client namespace, server, server namespace, connection type,
#  requests/s, failure ratio, p50 s, p95 s, p99 s)
SHOP = [
    ("user", "", "frontend", "shop", "virtual_node", 42.0, 0.002, 0.031, 0.120, 0.310),
    ("load-generator", "tools", "frontend", "shop", "", 18.5, 0.0, 0.029, 0.110, 0.280),
    ("frontend", "shop", "product-catalog", "shop", "", 61.2, 0.0, 0.004, 0.012, 0.025),
    ("frontend", "shop", "cart", "shop", "", 24.8, 0.004, 0.006, 0.021, 0.048),
    ("frontend", "shop", "checkout", "shop", "", 3.9, 0.013, 0.180, 0.520, 1.400),
    ("frontend", "shop", "recommendation", "shop", "", 21.7, 0.0, 0.011, 0.034, 0.070),
    ("frontend", "shop", "ad", "shop", "", 19.9, 0.061, 0.008, 0.045, 0.210),
    ("frontend", "shop", "currency", "shop", "", 55.3, 0.0, 0.001, 0.003, 0.006),
    ("recommendation", "shop", "product-catalog", "shop", "", 21.7, 0.0, 0.003, 0.010, 0.022),
    ("checkout", "shop", "cart", "shop", "", 3.9, 0.0, 0.005, 0.018, 0.040),
    ("checkout", "shop", "product-catalog", "shop", "", 7.6, 0.0, 0.004, 0.011, 0.020),
    ("checkout", "shop", "currency", "shop", "", 11.4, 0.0, 0.001, 0.003, 0.005),
    ("checkout", "shop", "payment", "payments", "", 3.9, 0.021, 0.095, 0.310, 0.900),
    ("checkout", "shop", "shipping", "shop", "", 7.7, 0.003, 0.014, 0.040, 0.090),
    ("checkout", "shop", "email", "shop", "", 3.8, 0.0, 0.022, 0.060, 0.150),
    ("checkout", "shop", "accounting", "shop", "messaging_system", 3.8, 0.0, 0.002, 0.006, 0.011),
    ("payment", "payments", "fraud-detection", "payments", "", 3.9, 0.0, 0.030, 0.085, 0.160),
    ("payment", "payments", "card-gateway.example.net", "", "virtual_node", 3.9, 0.018, 0.060, 0.240, 0.750),
    ("shipping", "shop", "quote", "shop", "", 7.7, 0.0, 0.003, 0.009, 0.015),
    ("email", "shop", "smtp.example.net", "", "virtual_node", 3.8, 0.0, 0.015, 0.045, 0.120),
    ("cart", "shop", "valkey", "", "database", 28.7, 0.0, 0.0006, 0.0021, 0.0045),
    ("product-catalog", "shop", "postgres", "", "database", 48.1, 0.0009, 0.0018, 0.0062, 0.015),
    ("accounting", "shop", "postgres", "", "database", 3.8, 0.0, 0.0022, 0.0070, 0.016),
]


def response(series, at=EVAL_TIME):
    """A Prometheus /api/v1/query response holding (labels, value) pairs."""
    return {
        "status": "success",
        "data": {
            "resultType": "vector",
            "result": [
                {"metric": labels, "value": [at, repr(float(value))]}
                for labels, value in series
            ],
        },
    }


def yesterday():
    """SHOP a day earlier: one edge less, one more, some numbers elsewhere."""
    rows = []
    for row in SHOP:
        client, _, server = row[:3]
        if (client, server) == ("payment", "fraud-detection"):
            continue
        row = list(row)
        if (client, server) == ("frontend", "ad"):
            row[6] = 0.002  # errors: 0.2 % yesterday, 6.1 % now
        if (client, server) == ("checkout", "payment"):
            row[7:10] = [0.040, 0.120, 0.300]  # p95 120 ms yesterday, 310 ms now
        if (client, server) == ("frontend", "recommendation"):
            row[5] = 8.0  # 8 req/s yesterday, 21.7 now
        rows.append(tuple(row))
    rows.append(("checkout", "shop", "tax", "shop", "", 3.8, 0.0, 0.004, 0.012, 0.030))
    return rows


def shop_snapshot(rows=SHOP, at=EVAL_TIME):
    schema_toml = subprocess.run(
        SVCGRAPH + ["schemas", "--show", "servicegraph"], check=True, capture_output=True, text=True
    ).stdout
    import tomllib

    schema = tomllib.loads(schema_toml)
    plan = json.loads(
        subprocess.run(
            SVCGRAPH + ["query", "--schema", "servicegraph", "--at", str(at), "--json"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )

    def labels(row):
        client, cns, server, sns, ctype = row[:5]
        out = {"client": client, "server": server}
        if cns:
            out["client_service_namespace"] = cns
        if sns:
            out["server_service_namespace"] = sns
        if ctype:
            out["connection_type"] = ctype
        return out

    values = {
        "requests": [(labels(r), r[5]) for r in rows],
        "failures": [(labels(r), round(r[5] * r[6], 6)) for r in rows if r[6] > 0],
        "latency_p50": [(labels(r), r[7]) for r in rows],
        "latency_p95": [(labels(r), r[8]) for r in rows],
        "latency_p99": [(labels(r), r[9]) for r in rows],
    }
    stamp = datetime.datetime.fromtimestamp(at, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "format": "svcgraph-snapshot",
        "version": 1,
        "schema": schema,
        "query": {"window": "5m", "at": stamp},
        "results": [
            {"purpose": q["purpose"], "promql": q["promql"], "response": response(values[q["purpose"]], at)}
            for q in plan
        ],
    }


# Pods per service: (generated pod names, first IP). Databases run as StatefulSets.
PODS = {
    "frontend": (["frontend-7d4f8b9c6d-x2k9p", "frontend-7d4f8b9c6d-q8z5w"], "10.4.1.10"),
    "load-generator": (["load-generator-5b7c9d8f4-m2n7q"], "10.4.3.40"),
    "product-catalog": (["product-catalog-6c8d9f7b5-h4j6k", "product-catalog-6c8d9f7b5-t9w2x"], "10.4.2.20"),
    "cart": (["cart-5f6d8c9b7-r5s8v"], "10.4.1.30"),
    "checkout": (["checkout-84c9f6d7b8-z4x7c"], "10.4.2.31"),
    "recommendation": (["recommendation-7b6c5d4f9-k8l2p"], "10.4.1.32"),
    "ad": (["ad-6d7f8c9b5-b3n5m"], "10.4.2.33"),
    "currency": (["currency-9f8d7c6b5-q2w4e"], "10.4.1.34"),
    "payment": (["payment-5c7d9f8b6-v6b8n"], "10.4.2.35"),
    "shipping": (["shipping-8b9c7d6f5-j7h5g"], "10.4.1.36"),
    "email": (["email-7c8d9b6f5-f4d2s"], "10.4.2.37"),
    "accounting": (["accounting-6f7d8c9b4-p9z8x"], "10.4.1.38"),
    "fraud-detection": (["fraud-detection-5d6c7b8f9-l5k4j"], "10.4.2.39"),
    "quote": (["quote-9d8c7b6f5-c3v2b"], "10.4.1.41"),
    "valkey": (["valkey-0"], "10.4.3.50"),
    "postgres": (["postgres-0"], "10.4.3.51"),
}
NODE_IP = "10.128.0.7"  # a GKE node forwarding ingress traffic: no pod behind the caller


def pods_of(service):
    names, first_ip = PODS[service]
    base = first_ip.rsplit(".", 1)
    return [(name, f"{base[0]}.{int(base[1]) + i}") for i, name in enumerate(names)]


def gke_pods():
    series = []
    for client, _cns, server, sns, ctype, rate, *_ in SHOP:
        if server not in PODS:
            continue  # the seed pipeline sees only pods' server spans: no external hosts
        namespace = sns or "shop"
        callers = [("", NODE_IP)] if client == "user" else pods_of(client)
        servers = pods_of(server)
        share = rate / (len(callers) * len(servers))
        for cname, cip in callers:
            for sname, sip in servers:
                labels = {"client_address": cip, "server": sname, "server_address": sip, "namespace": namespace}
                if cname:
                    labels["client"] = cname
                series.append((labels, round(share, 6)))
    return response(series)


def seed():
    rate = 9.7341795580096
    pairs = [
        ("root", "10.4.2.54", "child1", "10.4.1.85"),
        ("root", "10.4.2.54", "leaf1", "10.4.1.86"),
        ("child1", "10.4.1.85", "leaf2", "10.112.0.1"),
    ]
    return {
        "status": "success",
        "data": {
            "resultType": "vector",
            "result": [
                {
                    "metric": {"client": c, "client_address": ca, "server": s, "server_address": sa},
                    "value": [EVAL_TIME, repr(rate)],
                }
                for c, ca, s, sa in pairs
            ],
        },
    }


def write(relative, document):
    path = ROOT / relative
    path.write_text(json.dumps(document, indent=1, sort_keys=False) + "\n")
    print(f"wrote {path.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    write("crates/svcgraph-cli/data/shop.snapshot.json", shop_snapshot())
    write("examples/data/shop-yesterday.snapshot.json", shop_snapshot(yesterday(), EVAL_TIME - 86400))
    write("crates/svcgraph-core/tests/fixtures/gke-pods.json", gke_pods())
    write("crates/svcgraph-core/tests/fixtures/seed.json", seed())
