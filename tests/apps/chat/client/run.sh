#!/usr/bin/env bash
# Runs one end-to-end test file of the chat with Node's test runner:
#   run.sh FILE.test.mjs
# The 1,000-connection test needs more descriptors than a default soft
# limit of 1024: raise it (within the hard limit) for node and the
# cafe-chat nodes it starts.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../../.." && pwd)
command -v node >/dev/null 2>&1 \
  || { echo "FAIL: node not found (Debian package: nodejs)" >&2; exit 1; }
for p in phoenix ws playwright-core; do
  [[ -d $repo/node_modules/$p ]] || {
    echo "FAIL: $repo/node_modules/$p missing: run npm ci in $repo" \
      "(scripts/test.sh does)" >&2
    exit 1
  }
done
hard=$(ulimit -Hn)
if [[ $hard == unlimited ]] || ((hard >= 8192)); then
  ulimit -n 8192
else
  ulimit -n "$hard"
fi
# Run directly (node:test reports and sets the exit status): the process
# a test runner kills is the one whose children the harness tracks.
exec node "$here/$1"
