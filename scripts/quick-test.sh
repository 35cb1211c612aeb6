#!/usr/bin/env bash
# The contributors' loop: formatting, clippy, every crate's Rust tests and the library
# documentation, in a few minutes once built. Needs no root, no browser and no venv, and
# installs nothing but rustup components (rustfmt, clippy). Tests that drive Prometheus,
# Graphviz, rsvg-convert or groff run when those programs are installed and print a NOTICE
# and skip that part otherwise. The full suite (browser, Python wheel, manifests, MSRV,
# packaging, supply chain, fuzzing) is `bash scripts/test.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/stages.sh

rust_components
# A machine with the tools installed may still lack some; the quick loop never fails on that.
unset SVCGRAPH_REQUIRE_TOOLS

rust_stages
