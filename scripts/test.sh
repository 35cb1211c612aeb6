#!/usr/bin/env bash
# The full test command (the README's; .ci/run calls it): every check and test of the
# workspace. Installs what the tests need when it is missing (Graphviz, rsvg-convert,
# Prometheus, openssl, groff, rustfmt, clippy, the MSRV toolchains, the Windows target and
# MinGW-w64, cargo-deny, cargo-fuzz, Python venvs with maturin, zig and the test packages,
# actionlint, Chromium and chromedriver, the MCP Python SDK, Node.js, the Rust toolchain and
# wasm32 target of the page's engine), so it works on a bare machine; running it again
# installs nothing. Prints the time of each stage at the end. The contributors' quick loop,
# without root or browser, is scripts/quick-test.sh; its stages are the first ones here.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/stages.sh

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

install() {
  local apt_missing=()
  command -v dot >/dev/null 2>&1 || apt_missing+=(graphviz)
  command -v rsvg-convert >/dev/null 2>&1 || apt_missing+=(librsvg2-bin)
  # svcgraph-prometheus tests run their own `prometheus` on a free loopback port, fed by
  # `promtool`; the package's own service (if the init system starts it) is never used.
  { command -v prometheus && command -v promtool; } >/dev/null 2>&1 || apt_missing+=(prometheus)
  # svcgraph-gcp tests make service-account keys and check JWT signatures with openssl.
  command -v openssl >/dev/null 2>&1 || apt_missing+=(openssl)
  # The CLI tests check that every `svcgraph man` page renders.
  command -v groff >/dev/null 2>&1 || apt_missing+=(groff-base)
  # The progress line is tested on a terminal that `script` provides.
  command -v script >/dev/null 2>&1 || apt_missing+=(util-linux)
  # `svcgraph check`'s JUnit reports are validated against docs/check-junit.xsd by xmllint.
  command -v xmllint >/dev/null 2>&1 || apt_missing+=(libxml2-utils)
  # examples/ci/pr-comment.sh reads the comparison's graph JSON with jq.
  command -v jq >/dev/null 2>&1 || apt_missing+=(jq)
  if [ "${#apt_missing[@]}" -gt 0 ]; then
    echo "test.sh: installing ${apt_missing[*]}" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
  fi
  rust_components
}

stage "install test tools" install
# Everything is installed now: a test that finds a program missing fails instead of skipping.
export SVCGRAPH_REQUIRE_TOOLS=1
rust_stages
# The declared rust-version builds everything; one older is refused by cargo.
stage "MSRV" bash scripts/msrv-check.sh
# Windows code paths compile (a cross-check; the CI workflow runs the tests on Windows).
stage "Windows build" bash scripts/windows-check.sh
# Packaging, the packaged crates built once, actionlint on the workflows.
stage "release checks" bash scripts/release-checks.sh
# cargo deny: licences, duplicate versions, sources (advisories on GitHub Actions).
stage "supply chain" bash scripts/supply-chain.sh
# Fuzz targets (fuzz/, outside the workspace) for about 30 s in all; installs cargo-fuzz.
stage "fuzz" bash scripts/fuzz.sh 30
stage "deploy manifests" bash scripts/deploy-checks.sh
# The page's WebAssembly engine: the committed module is not stale, and draws what the
# command draws (Node.js); installs the wasm32 target with rustup.
stage "wasm engine" bash scripts/wasm-checks.sh
# The interactive HTML page in headless Chromium; installs chromium and chromium-driver.
stage "browser" bash scripts/browser-checks.sh
# `svcgraph mcp` through the official MCP Python SDK's client; installs it in a venv.
stage "mcp" bash scripts/mcp-checks.sh
stage "python" bash scripts/python-checks.sh
