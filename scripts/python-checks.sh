#!/usr/bin/env bash
# Builds the Python wheel of crates/svcgraph-py with maturin, installs it into a fresh virtual
# environment with the pinned test dependencies, and runs its tests (pytest, including the
# notebook on a real Jupyter kernel and a real Prometheus), `mypy --strict` on a usage file and
# `mypy.stubtest` against the built module. Installs python3-venv and prometheus when missing,
# so it works on a bare Debian machine; running it again installs nothing new.
#
#   SVCGRAPH_WHEEL_PROFILE=release bash scripts/python-checks.sh   # an optimised wheel (slow)
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
step() { echo "python-checks.sh: $* ($((SECONDS))s)" >&2; }

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
python=${PYTHON:-python3}
work=$PWD/target/python       # everything generated stays under target/ (git-ignored)
maturin_version=1.16.0
# The dev profile reuses what `cargo test` compiled; a release wheel (fat LTO) takes minutes.
profile=${SVCGRAPH_WHEEL_PROFILE:-dev}
mkdir -p "$work"

apt_missing=()
# Debian's own python3 can only create a venv with python3-venv installed.
"$python" -c 'import ensurepip, venv' >/dev/null 2>&1 || apt_missing+=(python3-venv)
# The tests start their own `prometheus` on a free loopback port, fed by `promtool`.
{ command -v prometheus && command -v promtool; } >/dev/null 2>&1 || apt_missing+=(prometheus)
if [ "${#apt_missing[@]}" -gt 0 ]; then
  step "installing ${apt_missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
fi

step "build environment (maturin $maturin_version)"
build_venv=$work/build-venv
if ! "$build_venv/bin/maturin" --version 2>/dev/null | grep -qx "maturin $maturin_version"; then
  "$python" -m venv --clear "$build_venv"
  "$build_venv/bin/python" -m pip install --quiet "maturin==$maturin_version"
fi

step "building the wheel ($profile profile)"
rm -rf "$work/wheels"
"$build_venv/bin/maturin" build --quiet --profile "$profile" --interpreter "$python" \
  --manifest-path crates/svcgraph-py/Cargo.toml --out "$work/wheels"
wheel=$(ls "$work"/wheels/svcgraph-*.whl)
# The tests compare with the command line's output.
cargo build --quiet -p svcgraph-cli

step "fresh test environment"
venv=$work/test-venv
"$python" -m venv --clear "$venv"
"$venv/bin/python" -m pip install --quiet "$wheel" -r crates/svcgraph-py/tests/requirements.txt
# The notebook test runs on this kernel, i.e. this venv's interpreter.
"$venv/bin/python" -m ipykernel install --sys-prefix --name svcgraph-test \
  --display-name "svcgraph tests" >/dev/null

step "pytest"
SVCGRAPH_TEST_KERNEL=svcgraph-test "$venv/bin/python" -m pytest -q -p no:cacheprovider -rs \
  crates/svcgraph-py/tests

# From target/python, so that only the installed package (not crates/svcgraph-py/python) is
# found.
tests=$PWD/crates/svcgraph-py/tests
step "mypy --strict on the usage file"
(cd "$work" && "$venv/bin/python" -m mypy --strict --cache-dir mypy-cache "$tests/typing_usage.py")
step "stubtest"
(cd "$work" && "$venv/bin/python" -m mypy.stubtest svcgraph._svcgraph)
step "done"
