#!/bin/sh
# SPDX-License-Identifier: MIT
# Validate manifests/ offline: kustomize v5 and kubectl kustomize render each kustomization, kubernetes-models
# checks every object against the Kubernetes OpenAPI schemas, the RBAC and Pod Security
# levels are asserted, the ValidatingAdmissionPolicy is evaluated with @bufbuild/cel, and the
# image tag is the project version (validate.mjs). The npm packages are pinned by
# package-lock.json and installed once into $NODEPROBE_DEPLOY_CACHE/node (build-deploy/).
# Usage: tests/deploy/manifests.sh   (exit 0 ok, 1 a check failed, 2 set-up error)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${NODEPROBE_DEPLOY_CACHE:-$top/build-deploy}
version=$(sed -n 's/^project(nodeprobe VERSION \([0-9.]*\).*/\1/p' "$top/CMakeLists.txt")
# The pinned kubectl and kustomize (scripts/build-tools.sh), never whatever is in PATH.
tools=$("$top/scripts/build-tools.sh" --print-dir)
for t in kubectl kustomize; do
    [ -x "$tools/$t" ] || { echo "manifests: $tools/$t is missing (scripts/install-deps.sh --test builds it)" >&2; exit 2; }
done
for c in node npm; do
    command -v "$c" >/dev/null 2>&1 || { echo "manifests: $c is missing (scripts/install-deps.sh --test)" >&2; exit 2; }
done
mods="$cache/node"
mkdir -p "$mods"
# Reinstall only when the lock file changed.
if ! cmp -s "$here/package-lock.json" "$mods/package-lock.json" || [ ! -d "$mods/node_modules" ]; then
    cp "$here/package.json" "$here/package-lock.json" "$mods/"
    (cd "$mods" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) ||
        { echo "manifests: npm ci failed" >&2; exit 2; }
fi
echo "manifests: kubectl $("$tools/kubectl" version --client 2>/dev/null | head -1), kustomize $("$tools/kustomize" version), node $(node --version)" >&2
exec node "$here/validate.mjs" --modules "$mods" --manifests "$top/manifests" \
    --version "$version" --readme "$top/README.md" --kubectl "$tools/kubectl" \
    --kustomize "$tools/kustomize" --source "$top"
