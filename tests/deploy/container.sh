#!/bin/sh
# SPDX-License-Identifier: MIT
# Build the Containerfile and run the image, with no Docker engine and no registry: podman
# (buildah inside) with the vfs storage driver and chroot isolation, on a local Debian 12 base
# made by debootstrap --variant=minbase and imported, --pull=never. Then, as the image's
# non-root user:
#   nodeprobe --version                      the project version
#   nodeprobe --report                       a clear no-GPU result (exit 0, the text says so)
#   nodeprobe agent --tier discover --no-api --features-file /out/nodeprobe
#                                            the file appears in the mounted directory,
#                                            well-formed NFD local-source lines
# and report the image size. The base tarball is cached in $NODEPROBE_DEPLOY_CACHE (default
# build-deploy/ in the tree); podman's storage is a temporary directory, removed at the end
# (vfs keeps a full copy of every layer: a few GiB).
# Usage: tests/deploy/container.sh   (as root; exit 0 ok, 1 a check failed, 2 set-up error)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${NODEPROBE_DEPLOY_CACHE:-$top/build-deploy}
mirror=${NODEPROBE_FRESH_MIRROR:-http://deb.debian.org/debian}
version=$(sed -n 's/^project(nodeprobe VERSION \([0-9.]*\).*/\1/p' "$top/CMakeLists.txt")
image=ghcr.io/nodeprobe/nodeprobe:$version
base=localhost/nodeprobe-base:bookworm
fail=0

say() { echo "container: $*" >&2; }
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; fail=1; }

[ "$(id -u)" = 0 ] || { say "run as root (podman with chroot isolation and runc)"; exit 2; }
for c in podman runc debootstrap; do
    command -v "$c" >/dev/null 2>&1 || { say "$c is missing (scripts/install-deps.sh --test)"; exit 2; }
done
# podman applies layers with a pivot and a remount of /, which a chroot (scripts/fresh-check.sh)
# cannot do: there the image is not buildable, say so and skip instead of failing.
# (In a chroot, / is not a mount point; /proc/1/root may not be readable there.)
if command -v mountpoint >/dev/null 2>&1 && ! mountpoint -q /; then
    echo "skip - running in a chroot: podman cannot apply image layers here (run on the machine itself)"
    exit 0
fi
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

if [ ! -s "$cache/bookworm-minbase.tar" ]; then
    say "debootstrap --variant=minbase bookworm (once, cached in $cache)"
    rm -rf "$cache/boot"
    debootstrap --variant=minbase bookworm "$cache/boot" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
        { tail -20 "$cache/debootstrap.log" >&2; exit 2; }
    rm -rf "$cache/boot/var/cache/apt/archives/"*.deb "$cache/boot/var/lib/apt/lists/"*
    tar -C "$cache/boot" -cf "$cache/bookworm-minbase.tar.part" .
    mv "$cache/bookworm-minbase.tar.part" "$cache/bookworm-minbase.tar"
    rm -rf "$cache/boot"
fi

# Storage and configuration of our own: nothing of the machine's podman setup is used.
# The run root holds sockets and podman refuses one longer than 50 characters, which a
# checkout under a deep path (CI's /check/work/main/build-deploy/...) exceeds: it goes to a
# short directory under /tmp, the image storage (hundreds of MiB) stays in the cache.
mkdir -p "$cache/tmp"
work=$(mktemp -d "$cache/tmp/podman.XXXXXX")
runroot=$(mktemp -d /tmp/nprun.XXXXXX)
cleanup() {
    podman --storage-driver vfs --root "$work/storage" --runroot "$runroot" rm -af >/dev/null 2>&1 || true
    rm -rf "$work" "$runroot"
}
trap cleanup EXIT INT TERM
mkdir -p "$work/storage" "$work/tmp" "$work/config/containers"
cat >"$work/config/containers/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$work/storage"
runroot = "$runroot"
EOF
cat >"$work/config/containers/containers.conf" <<EOF
[engine]
runtime = "runc"
events_logger = "file"
cgroup_manager = "cgroupfs"
EOF
export CONTAINERS_STORAGE_CONF="$work/config/containers/storage.conf"
export CONTAINERS_CONF="$work/config/containers/containers.conf"
export TMPDIR="$work/tmp"
pm() { podman --storage-driver vfs --root "$work/storage" --runroot "$runroot" "$@"; }
run() {
    pm run --rm --runtime runc --network none --ulimit nofile=1024:1024 \
        --ulimit nproc=1024:1024 "$@"
}

say "podman import the base"
pm import --change 'CMD ["/bin/bash"]' "$cache/bookworm-minbase.tar" "$base" >/dev/null

say "podman build $image (offline: --pull=never, on $base)"
start=$(date +%s)
if pm build --isolation chroot --pull=never --build-arg "BASE=$base" \
    --build-arg "DEBIAN_MIRROR=$mirror" -t "$image" -f "$top/Containerfile" "$top" \
    >"$cache/build.log" 2>&1; then
    ok "podman build ($(($(date +%s) - start)) s)"
else
    tail -30 "$cache/build.log" >&2
    notok "podman build: see $cache/build.log"
    exit 1
fi

size=$(pm image inspect --format '{{.Size}}' "$image")
basesize=$(pm image inspect --format '{{.Size}}' "$base")
ok "image size $((size / 1024 / 1024)) MiB: $(((size - basesize) / 1024 / 1024)) MiB over the $((basesize / 1024 / 1024)) MiB minbase base"
printf '{"image_bytes": %s, "base_bytes": %s}\n' "$size" "$basesize" >"$cache/image-size.json"

user=$(pm image inspect --format '{{.Config.User}}' "$image")
[ "$user" = "65534:65534" ] && ok "USER is $user (non-root)" || notok "USER is '$user'"
entry=$(pm image inspect --format '{{json .Config.Entrypoint}}' "$image")
[ "$entry" = '["nodeprobe"]' ] && ok "ENTRYPOINT $entry" || notok "ENTRYPOINT is $entry"

out=$(run "$image" --version 2>&1) || true
[ "$out" = "nodeprobe $version" ] && ok "--version: $out" || notok "--version: '$out', want 'nodeprobe $version'"

out=$(run "$image" --report 2>&1) && rc=0 || rc=$?
if [ "$rc" = 0 ] && echo "$out" | grep -q "no Intel GPU"; then
    ok "--report: a clear no-GPU result ($(echo "$out" | grep -m1 -i "status"))"
else
    echo "$out" >&2
    notok "--report: exit $rc"
fi

# One container for the rest (vfs copies the whole image for each): who we are, and the
# libraries nodeprobe dlopen()s and the VA drivers it loads are there.
out=$(run --entrypoint sh "$image" -c 'id -u; cd /usr/lib/x86_64-linux-gnu &&
    ls libcurl.so.4 libmicrohttpd.so.12 dri/iHD_drv_video.so dri/i965_drv_video.so' 2>&1) || true
[ "$(echo "$out" | head -1)" = 65534 ] && ok "runs as uid 65534" || notok "id -u: $out"
for lib in libcurl.so.4 libmicrohttpd.so.12 dri/iHD_drv_video.so dri/i965_drv_video.so; do
    echo "$out" | grep -qx "$lib" && ok "the image has $lib" || notok "the image lacks $lib: $out"
done

# The discover tier, NFD only: no API, no /dev; the features file lands in a mounted directory.
out_dir=$(mktemp -d "$work/features.XXXXXX")
chmod 1777 "$out_dir"
name=nodeprobe-discover-$$
pm run -d --name "$name" --runtime runc --network none --ulimit nofile=1024:1024 \
    --ulimit nproc=1024:1024 --read-only --cap-drop ALL --security-opt no-new-privileges \
    -v "$out_dir:/out" "$image" agent --tier discover --no-api \
    --features-file /out/nodeprobe --rescan-interval 1 >/dev/null
i=0
while [ ! -s "$out_dir/nodeprobe" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
logs=$(pm logs "$name" 2>&1 || true)
pm stop -t 5 "$name" >/dev/null 2>&1 || true
code=$(pm inspect --format '{{.State.ExitCode}}' "$name" 2>/dev/null || echo "?")
pm rm -f "$name" >/dev/null 2>&1 || true
if [ -s "$out_dir/nodeprobe" ]; then
    f="$out_dir/nodeprobe"
    first=$(head -1 "$f")
    # After the expiry directive: comments (not directives) and key=value lines only.
    bad=$(sed 1d "$f" | grep -v '^# [^+]' | grep -cvE '^[a-z0-9.-]+(/[A-Za-z0-9._-]+)?=[A-Za-z0-9._-]*$' || true)
    if echo "$first" | grep -qE '^# \+expiry-time=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' &&
        [ "$bad" = 0 ] && grep -qx 'nodeprobe.io/gpu.present=false' "$f" &&
        [ "$(tail -c1 "$f" | od -An -c | tr -d ' ')" = '\n' ]; then
        ok "agent --tier discover --no-api wrote a well-formed features file ($(wc -l <"$f") lines)"
    else
        cat "$f" >&2
        notok "the features file is not well-formed"
    fi
    owner=$(stat -c %u "$f")
    [ "$owner" = 65534 ] && ok "written as uid 65534" || notok "written as uid $owner"
else
    echo "$logs" >&2
    notok "no features file after 10 s"
fi
[ "$code" = 0 ] && ok "the agent stopped on SIGTERM with exit 0" || notok "the agent's exit code: $code"
echo "$logs" | grep -q "starting: discover tier" && ok "the agent logged its start" || notok "no start line: $logs"

exit $fail
