#!/usr/bin/env bash
# Compiles the workspace for Windows (x86_64-pc-windows-gnu) and lints it with clippy, every
# target (the Python module against the abi3 API of CPython 3.9, unlinked), so that code
# behind cfg(unix) / cfg(windows) (signals, file modes, paths) cannot break the Windows build
# unnoticed between runs of the Windows CI job. Nothing runs: this is a cross-compilation
# check. Installs the rustup target and Debian's MinGW-w64 C compiler (ring compiles C) when
# missing; running it again installs nothing. Builds into target/windows.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
target=x86_64-pc-windows-gnu

command -v rustup >/dev/null 2>&1 || { echo "windows-check.sh: needs rustup to add $target" >&2; exit 1; }
rustup target list --installed | grep -qx "$target" || rustup target add "$target"
if ! command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1; then
  echo "windows-check.sh: installing gcc-mingw-w64-x86-64" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gcc-mingw-w64-x86-64 >/dev/null
fi
# pyo3 needs no Windows Python to check an abi3 module, only the version to target.
PYO3_CROSS_PYTHON_VERSION=3.9 CARGO_TARGET_DIR=target/windows cargo clippy --quiet --locked \
  --target "$target" --workspace --all-targets -- -D warnings
echo "windows-check.sh: the workspace compiles for $target without a clippy warning" >&2
