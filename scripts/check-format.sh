#!/bin/sh
# SPDX-License-Identifier: MIT
# Fail when a C file differs from .clang-format (skipped with a note when clang-format is absent).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v clang-format >/dev/null 2>&1; then
    echo "check-format: clang-format not installed, skipped" >&2
    exit 0
fi
cd "$top"
bad=0
files=$(git ls-files --cached --others --exclude-standard '*.c' '*.h' 2>/dev/null) ||
    files=$(find . -name '*.[ch]' -not -path './build*' | sed 's|^\./||')
for f in $files; do
    case "$f" in tests/support/fakeva_stubs.h) continue ;; esac  # generated
    if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
        echo "check-format: $f is not formatted (clang-format -i $f)" >&2
        bad=1
    fi
done
exit $bad
