#!/usr/bin/env bash
# The page's WebAssembly engine: the committed module is a build of the current sources
# (scripts/wasm-build.sh --check, which installs the toolchain and target it needs), and in
# Node.js it draws what `svcgraph render` draws, byte for byte, and answers bad input with an
# error instead of a trap (scripts/wasm-checks.mjs). Installs Node.js from Debian when
# missing; running it again installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v node >/dev/null 2>&1; then
  echo "wasm-checks.sh: installing nodejs" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs >/dev/null
fi

bash scripts/wasm-build.sh --check
cargo build --quiet --locked -p svcgraph
node scripts/wasm-checks.mjs target/debug/svcgraph
