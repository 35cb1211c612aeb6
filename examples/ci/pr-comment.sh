#!/usr/bin/env bash
# Posts one comment on a pull request with what the PR changes in the service graph (a
# Mermaid drawing and the tables of new, gone and changed calls) and `svcgraph check`'s
# report on those calls, or updates the comment it posted before (found by a hidden marker).
# When nothing changed (the two snapshots give the same graph within the thresholds, and the
# check finds no violation among changed calls) it posts nothing; a comment posted earlier
# is then edited to say so, since the PR no longer changes the graph (edits notify nobody).
#
# The comparison is the base branch's snapshot against the PR's: the PR carries the snapshot
# of the graph it produces (fetched from the environment it was deployed to, e.g. with
# `svcgraph fetch -o service-graph/snapshot.json`), so reviewers see the runtime change next
# to the code change. The check runs on the PR's snapshot with the PR's rules file.
#
#   SNAPSHOT       the PR's snapshot (default service-graph/snapshot.json)
#   BASE_SNAPSHOT  the base branch's snapshot; missing or empty: nothing to compare with
#   RULES          the rules file (default service-graph/rules.toml); missing: no check
#   PR_NUMBER      the pull request, and GH_REPO (owner/name) and GH_TOKEN for `gh api`
#   DRY_RUN=1      print the comment instead of posting it
#   OUT            where the report files go (default service-graph-pr)
#   SVCGRAPH       the svcgraph binary (default: svcgraph on PATH)
#
# Exit status: 1 when the check found violations (after posting), else 0.
set -euo pipefail

snapshot="${SNAPSHOT:-service-graph/snapshot.json}"
base="${BASE_SNAPSHOT:-}"
rules="${RULES:-service-graph/rules.toml}"
out="${OUT:-service-graph-pr}"
svcgraph="${SVCGRAPH:-svcgraph}"
marker="<!-- svcgraph pull request -->"
mkdir -p "$out"

compare=()
if [ -n "$base" ] && [ -s "$base" ]; then
  compare=(--baseline "$base")
else
  echo "pr-comment.sh: no base snapshot; the comment lists the busiest calls instead" >&2
fi

# What changed: nodes and calls marked new, gone or changed.
"$svcgraph" render -q -i "$snapshot" "${compare[@]}" -o "$out/graph.json"
changes=$(jq '[.nodes[] | select(.diff != null)] + [.edges[] | select(.diff.change != "same")] | length' "$out/graph.json")
if [ "${#compare[@]}" -eq 0 ]; then changes=1; fi

violations=0
if [ -f "$rules" ]; then
  # With a baseline the check reports only the calls that changed.
  status=0
  "$svcgraph" check -q -i "$snapshot" "${compare[@]}" --rules "$rules" -o "$out/check.md" || status=$?
  [ "$status" -le 1 ] || exit "$status"
  [ "$status" -eq 0 ] || violations=1
  "$svcgraph" check -q -i "$snapshot" "${compare[@]}" --rules "$rules" -o "$out/check.xml" || true
fi

comment="$out/comment.md"
if [ "$changes" -eq 0 ] && [ "$violations" -eq 0 ]; then
  silent=1
  printf '%s\nThe service graph no longer changes in this pull request (last looked at %s).\n' \
    "$marker" "${GITHUB_SHA:-this commit}" >"$comment"
else
  silent=0
  {
    echo "$marker"
    echo "## Service graph"
    echo
    "$svcgraph" render -q -i "$snapshot" "${compare[@]}" -f markdown
    # GitHub draws a mermaid block; a diagram beyond Mermaid's limits is left out.
    "$svcgraph" render -q -i "$snapshot" "${compare[@]}" --group namespace -o "$out/graph.mmd"
    if [ "$(wc -c <"$out/graph.mmd")" -le 50000 ]; then
      printf '\n<details><summary>Drawing</summary>\n\n```mermaid\n'
      cat "$out/graph.mmd"
      printf '```\n\n</details>\n'
    fi
    if [ -f "$out/check.md" ]; then
      echo
      cat "$out/check.md"
    fi
  } >"$comment"
fi

if [ "${DRY_RUN:-}" = 1 ]; then
  [ "$silent" -eq 1 ] || cat "$comment"
  exit "$violations"
fi

: "${PR_NUMBER:?set PR_NUMBER (and GH_REPO, GH_TOKEN) or DRY_RUN=1}"
existing=$(gh api --paginate "repos/$GH_REPO/issues/$PR_NUMBER/comments" \
  --jq ".[] | select(.body | startswith(\"$marker\")) | .id" | head -n 1)
if [ -n "$existing" ]; then
  gh api --silent --method PATCH "repos/$GH_REPO/issues/comments/$existing" -F "body=@$comment"
elif [ "$silent" -eq 0 ]; then
  gh api --silent --method POST "repos/$GH_REPO/issues/$PR_NUMBER/comments" -F "body=@$comment"
fi
exit "$violations"
