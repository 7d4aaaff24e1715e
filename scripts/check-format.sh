#!/usr/bin/env bash
# Fails when a tracked C++ file differs from what clang-format makes of it.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.hpp' '*.cpp' '*.h' '*.cc' 2>/dev/null || true)
if [[ -z $files ]]; then
  files=$(find runtime bridge discovery apps tests bench \
    -name '*.hpp' -o -name '*.cpp' 2>/dev/null)
fi
# shellcheck disable=SC2086
if ! clang-format --dry-run --Werror $files; then
  echo "format check failed: run clang-format -i on the files above" >&2
  exit 1
fi
echo "format check: $(echo "$files" | wc -w) files clean"
