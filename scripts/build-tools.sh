#!/bin/sh
# SPDX-License-Identifier: MIT
# The test suite's Kubernetes tools, built from pinned Go modules with the Go module proxy:
# kube-apiserver and kubectl (k8s.io/kubernetes), etcd (go.etcd.io/etcd/server/v3), kustomize
# (sigs.k8s.io/kustomize/kustomize/v5) and helm (helm.sh/helm/v3). Each lands in a directory
# named after its version under $NODEPROBE_TOOLS (default ~/.cache/nodeprobe-tools), so a
# second run builds nothing and a version bump builds only what changed.
# Usage: scripts/build-tools.sh [--print-dir]   (--print-dir: print the bin directory only)
set -eu

K8S=v1.36.3
# The etcd release whose client libraries k8s.io/kubernetes $K8S requires (its go.mod).
ETCD=v3.6.8
KUSTOMIZE=v5.8.1
HELM=v3.21.4

tools=${NODEPROBE_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/nodeprobe-tools}
# REV: the build recipe's revision (flags), so a changed recipe builds into a new directory.
REV=2
bin="$tools/bin-k8s-$K8S-etcd-$ETCD-kustomize-$KUSTOMIZE-helm-$HELM-r$REV"
if [ "${1:-}" = "--print-dir" ]; then
    echo "$bin"
    exit 0
fi

# Go: the machine's (PATH or /usr/local/go), at least the release these modules ask for.
PATH=$PATH:/usr/local/go/bin
export PATH
if ! command -v go >/dev/null 2>&1; then
    echo "build-tools: Go 1.26 or newer is needed to build kube-apiserver, etcd, kubectl, kustomize and helm (not found in PATH or /usr/local/go)" >&2
    exit 1
fi
gov=$(go env GOVERSION | sed 's/^go//')
case $gov in
1.2[6-9]* | 1.[3-9]* | [2-9].*) ;;
*)
    echo "build-tools: Go $gov is too old; these modules need Go 1.26 or newer" >&2
    exit 1
    ;;
esac
# Never fetch another toolchain behind our back; build static binaries without VCS stamps.
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false"

work="$tools/src"
mkdir -p "$bin" "$work"

have() { [ -x "$bin/$1" ]; }

# One throwaway module per upstream: $1 directory, $2 module path and version, then "replace"
# lines on stdin.
module() {
    d="$work/$1"
    rm -rf "$d"
    mkdir -p "$d"
    {
        echo "module nodeprobe.test/tools/$1"
        echo
        echo "go 1.26"
        echo
        echo "require $2"
        cat
    } >"$d/go.mod"
}

build() { # $1 directory, $2 output name, $3 package, then extra flags
    d=$1 out=$2 pkg=$3
    shift 3
    t0=$(date +%s)
    echo "build-tools: building $out ($pkg)" >&2
    (cd "$work/$d" && go build -trimpath "$@" -o "$bin/$out.part" "$pkg")
    mv "$bin/$out.part" "$bin/$out"
    echo "build-tools: $out built in $(($(date +%s) - t0)) s" >&2
}

start=$(date +%s)
built=0

if ! have kube-apiserver || ! have kubectl; then
    # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with
    # ./staging/src/...; a module that depends on it gives the same replacements with the
    # published versions of the same release (v1.x.y -> v0.x.y).
    staging=v0.${K8S#v1.}
    (cd "$work" && go mod download -json "k8s.io/kubernetes@$K8S" >"$work/k8s.json")
    gomod=$(sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p' "$work/k8s.json")
    sed -n 's#^[[:space:]]*\(k8s.io/[^ ]*\) => ./staging/src/.*#replace \1 => \1 '"$staging"'#p' "$gomod" |
        module kubernetes "k8s.io/kubernetes $K8S"
    v=${K8S#v}
    ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$K8S \
-X k8s.io/component-base/version.gitMajor=${v%%.*} \
-X k8s.io/component-base/version.gitMinor=$(echo "$v" | cut -d. -f2) \
-X k8s.io/component-base/version.gitTreeState=clean \
-X k8s.io/client-go/pkg/version.gitVersion=$K8S"
    have kube-apiserver || build kubernetes kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver -ldflags "$ldflags"
    have kubectl || build kubernetes kubectl k8s.io/kubernetes/cmd/kubectl -ldflags "$ldflags"
    built=1
fi
if ! have etcd; then
    # go.etcd.io/etcd/server/v3 carries replace lines of its own, so it cannot be go-installed
    # by version; as a dependency its requirements are the published modules.
    module etcd "go.etcd.io/etcd/server/v3 $ETCD" </dev/null
    build etcd etcd go.etcd.io/etcd/server/v3 -ldflags "-s -w"
    built=1
fi
if ! have kustomize; then
    module kustomize "sigs.k8s.io/kustomize/kustomize/v5 $KUSTOMIZE" </dev/null
    build kustomize kustomize sigs.k8s.io/kustomize/kustomize/v5 \
        -ldflags "-s -w -X sigs.k8s.io/kustomize/api/provenance.version=$KUSTOMIZE"
    built=1
fi
if ! have helm; then
    module helm "helm.sh/helm/v3 $HELM" </dev/null
    # Helm's Makefile stamps the Kubernetes release of its client-go (1.36 for v3.21) as the
    # default of `helm template` and lint; without it .Capabilities says v1.20.0 and a chart's
    # kubeVersion >= 1.30 refuses to render.
    hk="helm.sh/helm/v3/pkg"
    build helm helm helm.sh/helm/v3/cmd/helm -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM -X $hk/chartutil.k8sVersionMajor=1 -X $hk/chartutil.k8sVersionMinor=36 -X $hk/lint/rules.k8sVersionMajor=1 -X $hk/lint/rules.k8sVersionMinor=36"
    built=1
fi
if [ $built = 1 ]; then
    echo "build-tools: tools built in $(($(date +%s) - start)) s into $bin" >&2
fi
