#!/usr/bin/env bash
# Renders the service graph as build artifacts: what was fetched (snapshot.json, which
# `svcgraph render --input` draws again offline), the picture (service-graph.svg), the graph
# as JSON, and, when the previous build's snapshot is given, a picture of what changed.
#
#   SVCGRAPH_PROMETHEUS_URL   the Prometheus-compatible API to ask (required)
#   SVCGRAPH_PROMETHEUS_TOKEN a bearer token, if the server wants one
#   SCHEMA                    a preset or schema file (default: detected from the server)
#   NAMESPACE                 only edges touching this namespace
#   WINDOW, AT                the rate window (default 5m) and the time (default now)
#   BASELINE                  a snapshot.json of an earlier build, to compare with
#   OUT                       output directory (default service-graph)
#   SVCGRAPH                  the svcgraph binary (default: svcgraph on PATH)
set -euo pipefail

out="${OUT:-service-graph}"
svcgraph="${SVCGRAPH:-svcgraph}"
mkdir -p "$out"

ask=()
[ -n "${SCHEMA:-}" ] && ask+=(--schema "$SCHEMA")
[ -n "${NAMESPACE:-}" ] && ask+=(--namespace "$NAMESPACE")
[ -n "${WINDOW:-}" ] && ask+=(--window "$WINDOW")
[ -n "${AT:-}" ] && ask+=(--at "$AT")

"$svcgraph" fetch "${ask[@]}" -o "$out/snapshot.json"
"$svcgraph" render -i "$out/snapshot.json" --group namespace -o "$out/service-graph.svg"
"$svcgraph" render -i "$out/snapshot.json" -o "$out/service-graph.json"
if [ -n "${BASELINE:-}" ]; then
  if [ -f "$BASELINE" ]; then
    "$svcgraph" render -i "$out/snapshot.json" --baseline "$BASELINE" --group namespace \
      -o "$out/changes.svg"
  else
    echo "service-graph.sh: no baseline at $BASELINE yet; skipping the comparison" >&2
  fi
fi
