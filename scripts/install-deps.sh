#!/bin/sh
# SPDX-License-Identifier: MIT
# Install what nodeprobe needs on Debian 12 (run as root). --test adds the test suite's needs.
# Installs only what is missing, so a second run costs nothing.
set -eu

BUILD="build-essential cmake pkg-config python3 help2man libdrm-dev libva-dev libjansson-dev libyaml-dev libcurl4-openssl-dev libmicrohttpd-dev"
# ca-certificates: Go reaches the module proxy over TLS (scripts/build-tools.sh).
TEST="ca-certificates libcriterion-dev libumockdev-dev umockdev libglib2.0-dev vainfo python3 openssl curl clang-format git python3-prometheus-client ffmpeg"
# tests/deploy: the image is built with podman (vfs, chroot isolation) on a debootstrap base
# and run with runc; the manifests are validated with npm packages on Node.js.
DEPLOY="podman runc debootstrap"
# bench/run: valgrind for instruction counts (callgrind) and the agent's leak check (memcheck).
BENCH="valgrind"
# libFuzzer: clang and its runtime (libclang-rt-14-dev has libclang_rt.fuzzer).
FUZZ="clang libclang-rt-14-dev python3"

want="$BUILD"
[ "${1:-}" = "--test" ] && want="$BUILD $TEST $FUZZ $DEPLOY $BENCH"
[ "${1:-}" = "--fuzz" ] && want="$BUILD $FUZZ"

missing=""
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# Node.js and npm: Debian's, unless the machine has its own (e.g. NodeSource's nodejs, which
# bundles npm and conflicts with Debian's npm package).
if [ "${1:-}" = "--test" ] && ! command -v npm >/dev/null 2>&1; then
    command -v node >/dev/null 2>&1 || missing="$missing nodejs"
    missing="$missing npm"
fi

if [ -n "$missing" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "install-deps: missing Debian packages:$missing (run as root)" >&2
        exit 1
    fi
    echo "install-deps: installing$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# The real control plane and the tools users deploy with (kube-apiserver, etcd, kubectl,
# kustomize, helm) are built from Go modules at pinned versions into a versioned cache; a
# warm cache builds nothing. Go itself is not a Debian package here (Debian 12's is 1.19).
if [ "${1:-}" = "--test" ]; then
    "$(dirname "$0")/build-tools.sh"
fi
