#!/usr/bin/env bash
# `svcgraph mcp` through a real MCP client: the official MCP Python SDK's stdio client
# (tests/mcp/, pinned in tests/mcp/requirements.txt) drives the debug binary. Makes the
# virtual environment target/mcp-venv when missing or out of date (and python3-venv on a bare
# Debian machine); running it again installs nothing.
#
#   bash scripts/mcp-checks.sh        # also run by scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  echo "mcp-checks.sh: installing python3-venv" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
fi
venv=target/mcp-venv
requirements=tests/mcp/requirements.txt
if ! cmp -s "$requirements" "$venv/installed.txt" 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r "$requirements"
  cp "$requirements" "$venv/installed.txt"
fi

cargo build --locked -p svcgraph
SVCGRAPH=target/debug/svcgraph "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/mcp "$@"
