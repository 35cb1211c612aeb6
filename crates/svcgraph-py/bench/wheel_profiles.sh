#!/usr/bin/env bash
# Builds the wheel from its sdist the way `pip install svcgraph` does on a machine without a
# matching wheel (a clean build in pip's own temporary directory), once per Cargo profile,
# and reports build time, wheel and extension size, and the in-process time to draw the
# 1,000-node benchmark graph (`svcgraph.load(path).to_svg()`, median of 15 runs).
#
#   bash crates/svcgraph-py/bench/wheel_profiles.sh [PROFILE...]    # default: release
#
# To compare another profile, add it to the workspace Cargo.toml first (the sdist carries it).
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=$PWD/target/wheel-profiles
python=${PYTHON:-python3}
mkdir -p "$out"
[ -x "$out/venv/bin/maturin" ] || { "$python" -m venv "$out/venv"; "$out/venv/bin/pip" install -q maturin==1.16.0; }
rm -f "$out"/sdist/*.tar.gz
"$out/venv/bin/maturin" sdist --manifest-path crates/svcgraph-py/Cargo.toml --out "$out/sdist" >/dev/null
sdist=$(ls "$out"/sdist/svcgraph-*.tar.gz)
for profile in "${@:-release}"; do
  for p in $profile; do
    rm -rf "$out/$p" && mkdir -p "$out/$p"
    # A clean build: pip unpacks the sdist into a fresh directory, so nothing is reused.
    # Wall time is what a user waits; CPU time (user + system) does not depend on what else
    # the machine is doing.
    TIMEFORMAT='%R %U %S'
    { time MATURIN_PEP517_ARGS="--profile $p" "$out/venv/bin/pip" wheel -q --no-deps \
        --no-cache-dir -w "$out/$p" "$sdist" 2>"$out/$p/build.log"; } 2>"$out/$p/time"
    read -r wall user system <"$out/$p/time"
    seconds="${wall%.*} s wall, $(( ${user%.*} + ${system%.*} )) s CPU"
    wheel=$(ls "$out/$p"/svcgraph-*.whl)
    "$python" -m venv --clear "$out/$p/venv" && "$out/$p/venv/bin/pip" install -q "$wheel"
    so=$(cd "$out/$p" && unzip -o -q "$wheel" 'svcgraph/_svcgraph*.so' && stat -c %s svcgraph/_svcgraph*.so)
    median=$("$out/$p/venv/bin/python" - <<'PY'
import json, statistics, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, "crates/svcgraph-py/bench")
import render_1000 as bench
import svcgraph
path = Path(tempfile.mkdtemp()) / "service-1000.json"
path.write_text(json.dumps(bench.graph_document(1000, bench.service_shaped(1000, 3))))
svcgraph.load(path).to_svg()
times = []
for _ in range(15):
    start = time.perf_counter()
    svcgraph.load(path).to_svg()
    times.append(time.perf_counter() - start)
print(f"{statistics.median(times) * 1000:.1f}")
PY
)
    echo "$p: build ${seconds}, wheel $(stat -c %s "$wheel") bytes, extension $so bytes, draw 1000 nodes ${median} ms"
  done
done
