#!/usr/bin/env bash
# Compare openapi.yaml with its version at a git ref and fail on a breaking
# change that is not acknowledged in spec-breaking-ack.txt.
#
#   internal/tools/specdiff.sh [REF]
#
# REF defaults to the previous commit that changed openapi.yaml: with local
# edits to openapi.yaml that is the last commit touching it, otherwise the
# one before. oasdiff runs with `go run pkg@version`, so it never enters this
# module's dependency graph.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"

OASDIFF="github.com/oasdiff/oasdiff@v1.37.0"
ref="${1:-}"
if [ -z "$ref" ]; then
  if git diff --quiet HEAD -- openapi.yaml 2>/dev/null; then
    ref=$(git log --format=%H -n 2 -- openapi.yaml | sed -n 2p)
  else
    ref=$(git log --format=%H -n 1 -- openapi.yaml)
  fi
fi
if [ -z "$ref" ]; then
  echo "spec-diff: no earlier version of openapi.yaml in history: nothing to compare"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! git show "$ref:openapi.yaml" > "$tmp/base.yaml" 2>/dev/null; then
  echo "spec-diff: openapi.yaml does not exist at $ref: nothing to compare"
  exit 0
fi

echo "spec-diff: openapi.yaml against $(git rev-parse --short "$ref")"
ack=()
[ -f spec-breaking-ack.txt ] && ack=(--err-ignore spec-breaking-ack.txt)
go run "$OASDIFF" changelog "$tmp/base.yaml" openapi.yaml --color never || true
if ! go run "$OASDIFF" breaking "$tmp/base.yaml" openapi.yaml --fail-on ERR --color never "${ack[@]}"; then
  echo "spec-diff: breaking change. If it is intended, acknowledge it in spec-breaking-ack.txt (see README)." >&2
  exit 1
fi
echo "spec-diff: no unacknowledged breaking change"
