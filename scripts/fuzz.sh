#!/usr/bin/env bash
# Runs every fuzz target of fuzz/ for a share of SECONDS (default 30 in all), on stable Rust
# (RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its instrumentation flags). Installs cargo-fuzz
# when it is missing. The corpus grows in target/fuzz-corpus/; crashes land in
# fuzz/artifacts/ and fail the run.
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."

total="${1:-30}"
shift || true
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(input schema transforms render)
each=$((total / ${#targets[@]}))
[ "$each" -ge 1 ] || each=1

command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1

# Seeds: the examples, the core fixtures and fuzz/seeds; the transforms and render targets
# read option bytes first, so their seeds get a few prefixes.
seeds=target/fuzz-seeds
rm -rf "$seeds"
mkdir -p "$seeds"/input "$seeds"/schema "$seeds"/transforms "$seeds"/render
for file in examples/data/*.json crates/svcgraph-cli/data/*.json crates/svcgraph-core/tests/fixtures/*.json fuzz/seeds/input/*; do
  name=$(basename "$file")
  cp "$file" "$seeds/input/$name"
  { printf '\000\001'; cat "$file"; } >"$seeds/transforms/a-$name"
  { printf '\023\202'; cat "$file"; } >"$seeds/transforms/b-$name"
  { printf '\000'; cat "$file"; } >"$seeds/render/a-$name"
  { printf '\027'; cat "$file"; } >"$seeds/render/b-$name"
done
cp fuzz/seeds/schema/* "$seeds/schema/"

cargo fuzz build -s none
for target in "${targets[@]}"; do
  corpus="target/fuzz-corpus/$target"
  mkdir -p "$corpus"
  echo "fuzz.sh: $target for ${each}s" >&2
  cargo fuzz run -s none "$target" "$corpus" "$seeds/$target" -- \
    -max_total_time="$each" -timeout=10 -print_final_stats=1
done
