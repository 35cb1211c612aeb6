#!/usr/bin/env bash
# Checks the dependency tree against deny.toml with cargo-deny: licences, duplicate versions
# and bans, and sources (crates.io only). Installs cargo-deny (pinned below, built from
# crates.io with `cargo install --locked`) when it is missing or another version; running it
# again installs nothing.
#
# Security advisories need the RustSec database, a git clone from GitHub, which a machine
# with no internet access beyond the package registries cannot fetch. So they are checked
# here only on GitHub Actions (GITHUB_ACTIONS=true) or with SVCGRAPH_DENY_ADVISORIES=1; the
# `deny` job of .github/workflows/ci.yml checks them on every push and pull request.
#
#   bash scripts/supply-chain.sh
#   SVCGRAPH_DENY_ADVISORIES=1 bash scripts/supply-chain.sh   # advisories too (needs github.com)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { echo "supply-chain.sh: $* ($((SECONDS))s)" >&2; }
# The newest release at the time of writing; needs Rust 1.88 or newer.
cargo_deny_version=0.20.2

if [ "$(cargo deny --version 2>/dev/null)" != "cargo-deny $cargo_deny_version" ]; then
  step "installing cargo-deny $cargo_deny_version"
  cargo install --quiet --locked "cargo-deny@$cargo_deny_version"
fi

checks=(bans licenses sources)
if [ "${GITHUB_ACTIONS:-}" = true ] || [ "${SVCGRAPH_DENY_ADVISORIES:-}" = 1 ]; then
  checks=(advisories "${checks[@]}")
else
  step "advisories not checked here (the RustSec database is fetched from GitHub): the deny job of .github/workflows/ci.yml checks them; SVCGRAPH_DENY_ADVISORIES=1 checks them here"
fi

step "cargo deny check ${checks[*]}"
cargo deny --locked check "${checks[@]}"
step "done"
