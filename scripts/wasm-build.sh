#!/usr/bin/env bash
# Builds the page's WebAssembly engine (crates/svcgraph-wasm) for wasm32-unknown-unknown and
# writes it, gzipped, to crates/svcgraph-core/assets/engine.wasm.gz, where it is committed: the
# page embeds those bytes, so installing svcgraph (cargo or pip) never needs a wasm toolchain.
#
#   scripts/wasm-build.sh          build and write the module (commit the result)
#   scripts/wasm-build.sh --check  build into a temporary directory and fail when the
#                                  committed module differs (it is stale: run the script)
#
# The bytes are reproducible: one named compiler (a new stable compiler would give other
# bytes, so the version is fixed here and moved on purpose, with a rebuilt module), the
# locked dependencies, the `wasm` profile (Cargo.toml), paths of the checkout and of cargo's
# registry remapped out of the module, and `gzip -n` (no name or time in the header). The
# check compares the uncompressed module, so another gzip cannot fail it. Installs the
# toolchain and the target with rustup when missing; running it again installs nothing.
# Builds in target/wasm, apart from the other builds.
set -euo pipefail
cd "$(dirname "$0")/.."

toolchain=1.95.0
target=wasm32-unknown-unknown
module=crates/svcgraph-core/assets/engine.wasm.gz

say() { echo "wasm-build.sh: $*" >&2; }
check=false
case "${1:-}" in
  "") ;;
  --check) check=true ;;
  *) say "unknown argument \`$1\`; use no argument to build, or --check"; exit 2 ;;
esac

command -v rustup >/dev/null 2>&1 || { say "needs rustup to install Rust $toolchain and the $target target"; exit 1; }
if ! rustup run "$toolchain" rustc --version >/dev/null 2>&1; then
  say "installing Rust $toolchain"
  rustup toolchain install "$toolchain" --profile minimal --no-self-update >/dev/null
fi
if ! rustup target list --toolchain "$toolchain" --installed | grep -qx "$target"; then
  say "adding the $target target to Rust $toolchain"
  rustup target add --toolchain "$toolchain" "$target" >/dev/null
fi

# Flags from the environment would change the bytes: these replace them. The separator of
# CARGO_ENCODED_RUSTFLAGS (0x1f) keeps paths with spaces whole.
registry=${CARGO_HOME:-$HOME/.cargo}/registry/src
sep=$'\x1f'
export CARGO_ENCODED_RUSTFLAGS="--remap-path-prefix=$PWD=/svcgraph$sep--remap-path-prefix=$registry=/cargo/registry/src"
unset RUSTFLAGS CARGO_BUILD_RUSTFLAGS RUSTC_WRAPPER CARGO_BUILD_RUSTC_WRAPPER
export CARGO_TARGET_DIR=$PWD/target/wasm

say "cargo +$toolchain build -p svcgraph-wasm --target $target --profile wasm"
cargo "+$toolchain" build --quiet --locked -p svcgraph-wasm --target "$target" --profile wasm
built=$CARGO_TARGET_DIR/$target/wasm/svcgraph_wasm.wasm

size() { wc -c <"$1" | tr -d ' '; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gzip -9 -n -c "$built" >"$work/engine.wasm.gz"
say "module: $(size "$built") bytes, $(size "$work/engine.wasm.gz") gzipped"

if $check; then
  if [ ! -f "$module" ]; then
    say "$module is missing: run scripts/wasm-build.sh and commit it"
    exit 1
  fi
  gzip -d -c "$module" >"$work/committed.wasm"
  if ! cmp -s "$work/committed.wasm" "$built"; then
    say "$module is stale: it differs from a build of the current sources ($(size "$work/committed.wasm") bytes committed, $(size "$built") built); run scripts/wasm-build.sh and commit the result"
    exit 1
  fi
  say "$module is up to date"
else
  cp "$work/engine.wasm.gz" "$module"
  say "wrote $module"
fi
