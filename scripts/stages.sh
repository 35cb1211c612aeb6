# Sourced by the two test commands (scripts/test.sh, scripts/quick-test.sh): `stage NAME
# COMMAND...` runs one stage and records its wall time (a command, not a function, is stopped
# after SVCGRAPH_STAGE_LIMIT seconds, 1800 by default); at exit (success or failure) a summary
# lists every stage's time and the total, and names the stage that failed. `rust_stages` are
# the stages both commands run.
stage_names=()
stage_times=()
stage_failed=""
stage_script=$(basename "$0")

stage() {
  local name=$1 start=$SECONDS status
  shift
  echo "$stage_script: == $name" >&2
  # In a subshell with errexit of its own: as the condition of an `if` (or in `||`), a
  # function's failing commands would not stop it.
  set +e
  if declare -F "$1" >/dev/null; then
    (set -e; "$@")
  else
    # A stage that hangs (a test waiting on a pipe) fails here, named, instead of using up
    # CI's whole budget. timeout signals the stage's whole process group.
    timeout --kill-after=30 "${SVCGRAPH_STAGE_LIMIT:-1800}" "$@"
  fi
  status=$?
  set -e
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    echo "$stage_script: stage '$name' ran out of its ${SVCGRAPH_STAGE_LIMIT:-1800} s" >&2
  fi
  stage_times+=($((SECONDS - start)))
  if [ "$status" -eq 0 ]; then
    stage_names+=("$name")
  else
    stage_names+=("$name (FAILED)")
    stage_failed=$name
    exit "$status"
  fi
}

stage_summary() {
  local status=$? i
  {
    echo
    echo "$stage_script: time per stage"
    for i in "${!stage_names[@]}"; do
      printf '  %-28s %4d:%02d\n' "${stage_names[$i]}" $((stage_times[i] / 60)) $((stage_times[i] % 60))
    done
    printf '  %-28s %4d:%02d\n' "total" $((SECONDS / 60)) $((SECONDS % 60))
    if [ -n "$stage_failed" ]; then
      echo "$stage_script: failed in stage: $stage_failed"
    elif [ "$status" -ne 0 ]; then
      echo "$stage_script: failed (exit status $status)"
    fi
  } >&2
}
trap stage_summary EXIT

# rustfmt and clippy, when rustup can add them.
rust_components() {
  if command -v rustup >/dev/null 2>&1; then
    cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
    cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
  fi
}

# Formatting, lints, every crate's tests, and the libraries' documentation.
rust_stages() {
  stage "cargo fmt" cargo fmt --all --check
  stage "cargo clippy" cargo clippy --workspace --all-targets --locked -- -D warnings
  stage "cargo test" cargo test --workspace --locked
  stage "rustdoc" env RUSTDOCFLAGS="-D warnings" cargo doc --quiet --no-deps --locked \
    -p svcgraph-core -p svcgraph-prometheus -p svcgraph-gcp
}
