#!/usr/bin/env bash
# Keeps the declared minimum Rust version true: checks the whole workspace (every target) with
# the toolchain that Cargo.toml's `rust-version` names, and checks that the toolchain one minor
# version older is refused with cargo's own "requires rustc" message rather than compiler
# errors. Installs both toolchains with rustup (minimal profile) when missing; running it again
# installs nothing. Builds into target/msrv, apart from the stable toolchain's builds.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { echo "msrv-check.sh: $* ($((SECONDS))s)" >&2; }
msrv=$(sed -n 's/^rust-version = "\([0-9.]*\)"$/\1/p' Cargo.toml)
[[ $msrv =~ ^1\.[0-9]+$ ]] || { echo "msrv-check.sh: no rust-version = \"1.N\" in Cargo.toml" >&2; exit 1; }
older=1.$(( ${msrv#1.} - 1 ))
command -v rustup >/dev/null 2>&1 || { echo "msrv-check.sh: needs rustup to install Rust $msrv and $older" >&2; exit 1; }

for toolchain in "$msrv" "$older"; do
  if ! rustup run "$toolchain" cargo --version >/dev/null 2>&1; then
    step "installing Rust $toolchain"
    rustup toolchain install "$toolchain" --profile minimal --no-self-update >/dev/null
  fi
done

step "cargo +$msrv check --workspace --all-targets --locked"
CARGO_TARGET_DIR=target/msrv cargo "+$msrv" check --quiet --workspace --all-targets --locked

step "Rust $older is refused with cargo's message"
if refused=$(CARGO_TARGET_DIR=target/msrv cargo "+$older" check --quiet -p svcgraph-core --locked 2>&1); then
  echo "msrv-check.sh: Rust $older built svcgraph-core: lower rust-version to $older, or use what $msrv brought" >&2
  exit 1
fi
if ! grep -q "requires rustc $msrv" <<<"$refused"; then
  echo "$refused" >&2
  echo "msrv-check.sh: Rust $older failed without cargo's \"requires rustc $msrv\" message" >&2
  exit 1
fi
step "done: Rust $msrv builds everything, $older is told it needs $msrv"
