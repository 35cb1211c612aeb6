#!/usr/bin/env bash
# The interactive page in a real browser: headless Chromium (Debian's `chromium` and
# `chromium-driver`) driven by selenium from tests/browser/. Installs both packages and a
# virtual environment with the pinned packages (target/browser-venv) when missing, so it works
# on a bare Debian machine; running it again installs nothing. The Mermaid output is drawn
# there by the real `mermaid` npm package (pinned below, installed into target/mermaid with
# Node.js' npm, from Debian if missing), and the Markdown rendered by markdown-it-py.
#
#   bash scripts/browser-checks.sh            # the tests (also run by scripts/test.sh)
#   bash scripts/browser-checks.sh --bench    # the page benchmark (BENCHMARKS.md)
#
# The tests write a screenshot of the demo to target/browser/view.png, and to docs/view.png
# when SVCGRAPH_UPDATE_SCREENSHOT=1 (or when there is none yet); the same for the Mermaid
# drawing of a comparison (mermaid.png).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

apt_missing=()
command -v chromium >/dev/null 2>&1 || apt_missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || apt_missing+=(chromium-driver)
command -v python3 >/dev/null 2>&1 || apt_missing+=(python3)
command -v npm >/dev/null 2>&1 || apt_missing+=(nodejs npm)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || apt_missing+=(python3-venv)
if [ "${#apt_missing[@]}" -gt 0 ]; then
  echo "browser-checks.sh: installing ${apt_missing[*]}" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
fi

venv=target/browser-venv
requirements=tests/browser/requirements.txt
if ! cmp -s "$requirements" "$venv/installed.txt" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r "$requirements"
  cp "$requirements" "$venv/installed.txt"
fi

# Mermaid, the version GitHub's renderer follows (the 11 line), as a browser bundle.
mermaid_version=11.17.2
mermaid_dir=target/mermaid
if [ "$(node -p 'require(process.argv[1]).version' "$PWD/$mermaid_dir/node_modules/mermaid/package.json" 2>/dev/null)" != "$mermaid_version" ]; then
  npm install --silent --no-audit --no-fund --prefix "$mermaid_dir" "mermaid@$mermaid_version"
fi
export SVCGRAPH_MERMAID=$mermaid_dir/node_modules/mermaid/dist/mermaid.min.js

# The debug build writes the same bytes as a release build, and only the browser is timed.
cargo build --locked -p svcgraph
# The live page and its replies, as a server writes them (tests/browser/test_live.py).
cargo build --locked -p svcgraph-examples --example live_page
export SVCGRAPH=target/debug/svcgraph
if [ "${1:-}" = "--bench" ]; then
  shift
  "$venv/bin/python" tests/browser/bench_view.py "$@"
else
  "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/browser "$@"
fi
