#!/bin/sh
# SPDX-License-Identifier: MIT
# The judge: run both README commands in a new Debian 12 minbase root, as a fresh machine
# would. Bootstraps bookworm once (cached as a tarball in $NODEPROBE_FRESH_CACHE, default
# /var/tmp/nodeprobe-fresh), unpacks a new copy for every run, clones this repository (its
# committed HEAD, like CI) into /root/nodeprobe (root's home is mode 0700 there, as on any
# Debian: a test that drops privileges must still reach its binary) with ../shared beside
# it, and runs, as root inside the chroot:
#     ./scripts/nodeprobe --report
#     ./scripts/test.sh
# Go is not a Debian 12 package at the release the test tools need (bookworm has 1.19): the
# machine's Go (/usr/local/go, 1.26 here) is handed in read-only, as a CI image would carry
# it; its module and build caches start empty, so the tools are built cold.
# Usage: scripts/fresh-check.sh [--keep]   (--keep leaves the root for a look afterwards)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${NODEPROBE_FRESH_CACHE:-/var/tmp/nodeprobe-fresh}
mirror=${NODEPROBE_FRESH_MIRROR:-http://deb.debian.org/debian}
keep=${1:-}
[ "$(id -u)" = 0 ] || { echo "fresh-check: run as root" >&2; exit 2; }
mkdir -p "$cache"
if [ ! -s "$cache/bookworm-minbase.tar" ]; then
    command -v debootstrap >/dev/null 2>&1 || {
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
    }
    echo "fresh-check: debootstrap --variant=minbase bookworm (once)" >&2
    rm -rf "$cache/boot"
    debootstrap --variant=minbase bookworm "$cache/boot" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
        { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
    tar -C "$cache/boot" -cf "$cache/bookworm-minbase.tar.part" .
    mv "$cache/bookworm-minbase.tar.part" "$cache/bookworm-minbase.tar"
    rm -rf "$cache/boot"
fi
root=$(mktemp -d /var/tmp/nodeprobe-fresh-root.XXXXXX)
cleanup() {
    for m in usr/local/go dev/pts dev sys proc; do umount -l "$root/$m" 2>/dev/null || true; done
    [ "$keep" = --keep ] || rm -rf "$root"
}
trap cleanup EXIT INT TERM
tar -C "$root" -xf "$cache/bookworm-minbase.tar"
cat >"$root/etc/apt/sources.list" <<SRC
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SRC
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
# The machine's own trust for its network (a registry reached through a TLS proxy): the same
# extra CA bundle Node.js is told about here, handed to npm in the new root.
extra_ca=""
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
    mkdir -p "$root/etc/ssl"
    cp "$NODE_EXTRA_CA_CERTS" "$root/etc/ssl/host-extra-ca.crt"
    mkdir -p "$root/etc/ssl/host-ca"
    cp "$NODE_EXTRA_CA_CERTS" "$root/etc/ssl/host-ca/host-extra-ca.crt"
    # Go (the module proxy) reads every file of SSL_CERT_DIR, besides Debian's own.
    extra_ca="NODE_EXTRA_CA_CERTS=/etc/ssl/host-extra-ca.crt npm_config_cafile=/etc/ssl/host-extra-ca.crt SSL_CERT_DIR=/etc/ssl/host-ca:/etc/ssl/certs"
fi
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --rbind /dev "$root/dev"
if [ -x /usr/local/go/bin/go ]; then
    mkdir -p "$root/usr/local/go"
    mount --bind /usr/local/go "$root/usr/local/go"
    mount -o remount,bind,ro "$root/usr/local/go"
fi
chmod 0700 "$root/root"
git clone -q "$top" "$root/root/nodeprobe"
if [ -d "$top/../shared" ]; then
    cp -a "$top/../shared" "$root/root/shared"
fi
# The README's two commands, verbatim, in the order a new user runs them.
cmds=$(sed -n '/^```sh$/,/^```$/p' "$top/README.md" | sed -n '2,3p')
echo "fresh-check: running in $root:" >&2
echo "$cmds" | sed 's/^/    /' >&2
start=$(date +%s)
status=0
# shellcheck disable=SC2086
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    CI=true $extra_ca sh -c "cd /root/nodeprobe && set -e && $(echo "$cmds" | tr '\n' ';')" </dev/null ||
    status=$?
end=$(date +%s)
echo "fresh-check: exit $status after $((end - start)) s" >&2
exit $status
