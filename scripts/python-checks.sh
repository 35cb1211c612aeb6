#!/usr/bin/env bash
# Builds the Python wheel of crates/svcgraph-py with maturin as manylinux2014 (checked with
# `auditwheel show`), installs the one abi3 wheel into a fresh virtual environment on the
# oldest and on the newest CPython it supports (3.9 and 3.13, from pyenv) with the pinned test
# dependencies, and runs its tests on both (pytest, including the notebook on a real Jupyter
# kernel and a real Prometheus); then `mypy --strict` on a usage file and `mypy.stubtest`
# against the built module on the newest. Installs python3-venv and prometheus when missing,
# so it works on a bare Debian machine; running it again installs nothing new.
#
#   SVCGRAPH_WHEEL_PROFILE=release bash scripts/python-checks.sh   # the published wheel's profile
#   PYTHON_OLDEST=/usr/bin/python3.9 PYTHON_NEWEST=/usr/bin/python3.13 bash scripts/python-checks.sh
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
step() { echo "python-checks.sh: $* ($((SECONDS))s)" >&2; }

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
work=$PWD/target/python       # everything generated stays under target/ (git-ignored)
maturin_version=1.16.0
auditwheel_version=6.8.2
ziglang_version=0.15.2
# The dev profile reuses what `cargo test` compiled; the published wheel's profile (`release`,
# see BENCHMARKS.md) takes minutes more.
profile=${SVCGRAPH_WHEEL_PROFILE:-dev}
mkdir -p "$work"

# The newest pyenv CPython of a minor version (3.9 -> .../versions/3.9.18/bin/python3).
pyenv_python() {
  local root found=""
  root=$( (command -v pyenv >/dev/null 2>&1 && pyenv root) || echo "$HOME/.pyenv")
  for dir in "$root"/versions/"$1".*; do
    [[ $dir =~ /$1\.[0-9]+$ && -x $dir/bin/python3 ]] && found=$dir/bin/python3
  done
  [ -n "$found" ] || { echo "python-checks.sh: no CPython $1 in $root/versions (set PYTHON_${2})" >&2; exit 1; }
  echo "$found"
}
oldest=${PYTHON_OLDEST:-$(pyenv_python 3.9 OLDEST)}
newest=${PYTHON_NEWEST:-$(pyenv_python 3.13 NEWEST)}
python=$newest

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

step "build environment (maturin $maturin_version, auditwheel $auditwheel_version, zig $ziglang_version)"
build_venv=$work/build-venv
if ! "$build_venv/bin/maturin" --version 2>/dev/null | grep -qx "maturin $maturin_version" \
  || ! "$build_venv/bin/auditwheel" --version 2>/dev/null | grep -q " $auditwheel_version " \
  || [ "$("$build_venv/bin/python" -m ziglang version 2>/dev/null)" != "$ziglang_version" ]; then
  "$python" -m venv --clear "$build_venv"
  "$build_venv/bin/python" -m pip install --quiet "maturin==$maturin_version" \
    "auditwheel==$auditwheel_version" "ziglang==$ziglang_version"
fi

step "building the wheel ($profile profile, manylinux2014)"
rm -rf "$work/wheels"
# manylinux2014 is glibc 2.17, older than this machine's: zig links against 2.17's symbols (a
# plain build here needs GLIBC_2.34, which maturin refuses to tag manylinux2014). An explicit
# --target keeps these objects (built with zig cc) apart from cargo's own in target/debug.
target=$(uname -m)-unknown-linux-gnu
PATH=$build_venv/bin:$PATH "$build_venv/bin/maturin" build --quiet --profile "$profile" \
  --interpreter "$python" --zig --target "$target" --compatibility manylinux2014 \
  --manifest-path crates/svcgraph-py/Cargo.toml --out "$work/wheels"
wheel=$(ls "$work"/wheels/svcgraph-*.whl)
# One abi3 wheel for CPython 3.9 and newer, tagged manylinux2014 (= manylinux_2_17).
case $wheel in
  *-cp39-abi3-manylinux2014_"$(uname -m)".manylinux_2_17_"$(uname -m)".whl) ;;
  *) echo "python-checks.sh: unexpected wheel name $wheel" >&2; exit 1 ;;
esac
step "auditwheel show"
shown=$("$build_venv/bin/auditwheel" show "$wheel")
echo "$shown" | tr '\n' ' ' | grep -q 'is consistent with the following platform tag: "manylinux_2_17_' \
  || { echo "$shown" >&2; echo "python-checks.sh: auditwheel does not confirm manylinux2014" >&2; exit 1; }
# The tests compare with the command line's output.
cargo build --quiet -p svcgraph

# The one abi3 wheel on the oldest and the newest CPython it supports.
for interpreter in "$oldest" "$newest"; do
  version=$("$interpreter" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  requirements=crates/svcgraph-py/tests/requirements.txt
  [ "$version" = 3.9 ] && requirements=crates/svcgraph-py/tests/requirements-py39.txt
  venv=$work/test-venv-$version
  step "fresh test environment, CPython $version"
  "$interpreter" -m venv --clear "$venv"
  "$venv/bin/python" -m pip install --quiet "$wheel" -r "$requirements"
  # The notebook test runs on this kernel, i.e. this venv's interpreter.
  "$venv/bin/python" -m ipykernel install --sys-prefix --name "svcgraph-test-$version" \
    --display-name "svcgraph tests ($version)" >/dev/null

  step "pytest, CPython $version"
  SVCGRAPH_TEST_KERNEL=svcgraph-test-$version "$venv/bin/python" -m pytest -q \
    -p no:cacheprovider -rs crates/svcgraph-py/tests
done

# On the newest CPython (the loop's last venv), from target/python, so that only the
# installed package (not crates/svcgraph-py/python) is found.
tests=$PWD/crates/svcgraph-py/tests
step "mypy --strict on the usage file"
(cd "$work" && "$venv/bin/python" -m mypy --strict --cache-dir mypy-cache "$tests/typing_usage.py")
step "stubtest"
(cd "$work" && "$venv/bin/python" -m mypy.stubtest svcgraph._svcgraph)
step "done"
