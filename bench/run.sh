#!/bin/sh
# SPDX-License-Identifier: MIT
# Speed and memory of nodeprobe on the fixture machines (no GPU needed), against Debian's
# vainfo on the same fake device. Usage: bench/run.sh [BUILD_DIR] (default build-test, built
# by scripts/test.sh). Prints one line per measurement; bench/README.md records the figures.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
b=${1:-$top/build-test}
runs=${RUNS:-30}
tb="$b/tests/np-testbed"
np="$b/node-agent/nodeprobe"
m="$b/bench/np-measure"
[ -x "$m" ] || { echo "bench: build first (scripts/test.sh)" >&2; exit 1; }

row() { printf '%-46s %s\n' "$1" "$2"; }
row "nodeprobe --version (process floor)" "$("$m" "$runs" -- "$np" --version)"
for f in cfl-gvtg-v54 adl-sriov-vf; do
    row "vainfo, $f" "$("$tb" "$f" -- "$m" "$runs" -- vainfo --display drm --device /dev/dri/renderD128)"
    row "nodeprobe snapshot (libva child), $f" "$("$tb" "$f" -- "$m" "$runs" -- "$np" snapshot)"
    row "nodeprobe snapshot --in-process, $f" "$("$tb" "$f" -- "$m" "$runs" -- "$np" snapshot --in-process)"
    row "nodeprobe --report (libva child), $f" "$("$tb" "$f" -- "$m" "$runs" -- "$np" --report)"
done
row "nodeprobe --report --facts (offline)" "$("$m" "$runs" -- "$np" --report --facts "$top/examples/sriov-vf-with-problems.json")"
row "nodeprobe --report --from-vainfo" "$("$m" "$runs" -- "$np" --report --from-vainfo "$top/tests/fixtures/vainfo/kabylake-uhd620-i965.txt" --device-id 5917)"
