#!/usr/bin/env python3
"""Writes a svcgraph graph document of N services in twelve equal tiers, three calls per
service, 97 % to the next tier and 3 % back up to an earlier one (the layout benchmark's
`tiers` family), for timing the whole command on it:

    python3 scripts/tiers-graph.py 100000 > /tmp/tiers.json
    farm-bench ... svcgraph render -i /tmp/tiers.json -o /tmp/tiers.svg
"""
import json
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
rng = random.Random(7)
per = n // 12
calls = set()
while len(calls) < 3 * n:
    v = rng.randrange(12 * per)
    tier = v // per
    if rng.random() < 0.03 and tier > 0:
        calls.add((v, rng.randrange(tier * per)))
    elif tier + 1 < 12:
        calls.add((v, (tier + 1) * per + rng.randrange(per)))


def node(i):
    return f"ns{i % 40}/svc-{i}"


document = {
    "format": "svcgraph-graph",
    "version": 1,
    "nodes": [{"id": node(i), "name": f"svc-{i}", "kind": "service"} for i in range(n)],
    "edges": [
        {
            "source": node(s),
            "target": node(t),
            "requests_per_second": round(rng.uniform(0.1, 50), 2),
            "failures_per_second": 0.01,
            "error_ratio": 0.001,
            "latency_seconds": {"p50": 0.01, "p95": 0.05, "p99": 0.1},
        }
        for s, t in sorted(calls)
    ],
}
json.dump(document, sys.stdout)
