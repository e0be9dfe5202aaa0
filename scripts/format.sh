#!/bin/sh
# SPDX-License-Identifier: MIT
# Format every C file in place with .clang-format (generated files excluded).
set -eu
cd "$(dirname "$0")/.."
git ls-files --cached --others --exclude-standard '*.c' '*.h' | grep -v -e '^tests/support/fakeva_stubs.h$' |
    xargs clang-format -i
