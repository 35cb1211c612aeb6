#!/usr/bin/env bash
# Runs every check and test of the workspace. Installs what the tests need when it is missing
# (Graphviz, rsvg-convert, Prometheus, openssl, groff, rustfmt, clippy, cargo-fuzz, Python
# venvs with maturin, zig and the test packages, actionlint, Chromium and chromedriver), so it
# works on a bare machine; running it again installs nothing. Release checks (rustdoc, `cargo publish --dry-run`,
# actionlint): scripts/release-checks.sh; the wheel on CPython 3.9 and 3.13:
# scripts/python-checks.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_missing=()
command -v dot >/dev/null 2>&1 || apt_missing+=(graphviz)
command -v rsvg-convert >/dev/null 2>&1 || apt_missing+=(librsvg2-bin)
# svcgraph-prometheus tests run their own `prometheus` on a free loopback port, fed by
# `promtool`; the package's own service (if the init system starts it) is never used.
{ command -v prometheus && command -v promtool; } >/dev/null 2>&1 || apt_missing+=(prometheus)
# svcgraph-gcp tests make service-account keys and check JWT signatures with openssl.
command -v openssl >/dev/null 2>&1 || apt_missing+=(openssl)
# The CLI tests check that `svcgraph man` renders.
command -v groff >/dev/null 2>&1 || apt_missing+=(groff-base)
if [ "${#apt_missing[@]}" -gt 0 ]; then
  echo "test.sh: installing ${apt_missing[*]}" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
fi
if command -v rustup >/dev/null 2>&1; then
  cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
  cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
fi

cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
bash scripts/release-checks.sh
# Fuzz targets (fuzz/, outside the workspace) for about 30 s in all; installs cargo-fuzz.
bash scripts/fuzz.sh 30
bash scripts/deploy-checks.sh
# The interactive HTML page in headless Chromium; installs chromium and chromium-driver.
bash scripts/browser-checks.sh
bash scripts/python-checks.sh
