#!/bin/sh
# SPDX-License-Identifier: MIT
# Build the libFuzzer targets (clang, ASan + UBSan) and run each for SECONDS (default 30;
# NODEPROBE_FUZZ_SECONDS or the first argument), seeded from the repository's fixtures.
# Exit 1 when a target finds a crash, a leak, a hang or undefined behaviour; the input is in
# build-fuzz/crashes/ and becomes a regression test. Longer by hand: scripts/fuzz.sh 600.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-${NODEPROBE_FUZZ_SECONDS:-30}}
b="$top/build-fuzz"
"$top/scripts/install-deps.sh" --fuzz
echo "== build-fuzz: configure and build (clang, libFuzzer)" >&2
CC=clang cmake -S "$top" -B "$b" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNODEPROBE_FUZZ=ON >/dev/null
cmake --build "$b" -j"$(nproc)" >/dev/null
python3 "$top/tests/fuzz/make-seeds.py" "$top" "$b/seeds"
mkdir -p "$b/crashes"
failed=""
targets="vainfo snapshot kubeconfig api_reply host sysfs usage"
for t in $targets; do
    mkdir -p "$b/corpus/$t"
    echo "== fuzz_$t: ${secs}s" >&2
    # Every run starts from the seeds and what earlier runs found (kept in the build tree).
    if ! "$b/tests/fuzz/fuzz_$t" "$b/corpus/$t" "$b/seeds/$t" -max_total_time="$secs" \
        -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=0 \
        -artifact_prefix="$b/crashes/$t-" >"$b/fuzz_$t.log" 2>&1; then
        failed="$failed $t"
        tail -40 "$b/fuzz_$t.log" >&2
    else
        grep -E "^#[0-9]+ *DONE" "$b/fuzz_$t.log" | tail -1 >&2 || true
    fi
done
rm -rf /tmp/np-fuzz-tree-*
if [ -n "$failed" ]; then
    echo "fuzz: findings in:$failed (inputs in $b/crashes/)" >&2
    exit 1
fi
echo "fuzz: $(echo $targets | wc -w) targets, ${secs}s each, no findings" >&2
