#!/usr/bin/env bash
# Validates the manifests under deploy/ (deploy/tests): YAML, Kubernetes schemas, kustomize
# structure and builds, Collector pipelines, and metric/label names against svcgraph's schemas.
# Sets up what it needs on a bare Debian machine; running it again installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

venv=.venv-deploy
# Debian's own python3 can only create a venv with python3-venv installed.
if [ ! -x "$venv/bin/python" ] && ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  echo "deploy-checks.sh: installing python3-venv" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
fi
[ -x "$venv/bin/python" ] || python3 -m venv --clear "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
  -r deploy/tests/requirements.txt

# kustomize is not packaged by Debian; the kustomize build checks run when `kustomize` or a
# `kubectl` with kustomize v5 is on PATH, and are reported as skipped otherwise.
"$venv/bin/python" -m pytest -q -p no:cacheprovider -rs deploy/tests
