#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Seed corpora for the fuzz targets, from the repository's fixtures: make-seeds.py SRC OUT.

Trees (guest roots and Proxmox host trees) are written in the record format np_fuzz_tree()
reads: b"<type><relative path>\\n<content>\\0", type f (file), l (symlink) or d (directory).
"""
import json
import os
import sys


def tree_record(top):
    out = bytearray()
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            p = os.path.join(dirpath, name)
            rel = os.path.relpath(p, top).encode()
            if os.path.islink(p):
                target = os.readlink(p).encode()
                if not target.startswith(b"/"):
                    out += b"l" + rel + b"\n" + target + b"\0"
            elif os.path.isdir(p):
                if not os.listdir(p):
                    out += b"d" + rel + b"\n\0"
            elif os.path.isfile(p) and os.path.getsize(p) < 65536:
                data = open(p, "rb").read().replace(b"\0", b"")
                out += b"f" + rel + b"\n" + data + b"\0"
    return bytes(out)


def write(out, target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    src, out = sys.argv[1], sys.argv[2]
    fx = os.path.join(src, "tests", "fixtures")
    for name in sorted(os.listdir(os.path.join(fx, "vainfo"))):
        data = open(os.path.join(fx, "vainfo", name), "rb").read()
        write(out, "vainfo", name, b"\0" + data)
        write(out, "vainfo", name + ".xe", b"\x0c" + data)
    for d in ("examples",):
        for name in sorted(os.listdir(os.path.join(src, d))):
            write(out, "snapshot", name, open(os.path.join(src, d, name), "rb").read())
    golden = os.path.join(fx, "vainfo-golden")
    for machine in sorted(os.listdir(fx)):
        root = os.path.join(fx, machine, "root")
        if os.path.isdir(root):
            rec = tree_record(root)
            dm = os.path.join(fx, machine, "dmesg.txt")
            if os.path.isfile(dm):
                rec += b"fdmesg.txt\n" + open(dm, "rb").read().replace(b"\0", b"") + b"\0"
            write(out, "sysfs", machine, rec)
    for host in sorted(os.listdir(os.path.join(fx, "host"))):
        write(out, "host", host, tree_record(os.path.join(fx, "host", host)))
    kc = (b"apiVersion: v1\nkind: Config\ncurrent-context: ctx\ncontexts:\n- name: ctx\n"
          b"  context: {cluster: c1, user: u1}\nclusters:\n- name: c1\n  cluster:\n"
          b"    server: https://10.0.0.1:6443\n    certificate-authority-data: aGVsbG8=\n"
          b"    tls-server-name: api.internal\n    proxy-url: http://proxy:3128\n"
          b"users:\n- name: u1\n  user:\n    token: abc\n    tokenFile: tok\n")
    write(out, "kubeconfig", "token", kc)
    write(out, "kubeconfig", "cert", kc.replace(b"    token: abc\n", b"    client-certificate-data: Y2VydA==\n    client-key-data: a2V5\n"))
    write(out, "kubeconfig", "insecure", kc.replace(b"    certificate-authority-data: aGVsbG8=\n", b"    insecure-skip-tls-verify: true\n"))
    write(out, "kubeconfig", "exec", kc.replace(b"    token: abc\n", b"    exec: {command: aws}\n"))
    node = (b'{"kind":"Node","metadata":{"name":"n1","labels":{"intel.feature.node.kubernetes.io/gpu":'
            b'"true","nodeprobe.io/a":"1"},"annotations":{"nfd.node.kubernetes.io/feature-labels":'
            b'"gpu"},"managedFields":[{"manager":"nodeprobe","operation":"Apply","fieldsV1":'
            b'{"f:metadata":{"f:labels":{"f:nodeprobe.io/a":{}}}}},{"manager":"kubectl-label",'
            b'"operation":"Update","fieldsV1":{"f:metadata":{"f:labels":'
            b'{"f:intel.feature.node.kubernetes.io/gpu":{}}}}}]}}')
    write(out, "api_reply", "node", node)
    write(out, "api_reply", "retry", b"Retry-After: 3\r\n")
    write(out, "api_reply", "pods", json.dumps({"kind": "PodList", "items": [
        {"metadata": {"name": "jellyfin-0", "namespace": "media", "uid": "u1"},
         "spec": {"nodeName": "vm1", "volumes": [{"name": "dri", "hostPath": {"path": "/dev/dri"}}],
                  "containers": [{"name": "jellyfin", "resources": {"limits": {"gpu.intel.com/i915": "1"}},
                                  "volumeMounts": [{"name": "dri", "mountPath": "/dev/dri"}]}]},
         "status": {"containerStatuses": [{"name": "jellyfin", "containerID": "containerd://ab"}]}}]}).encode())
    write(out, "api_reply", "status", b'{"kind":"Status","code":409,"details":{"causes":'
          b'[{"reason":"FieldManagerConflict","field":".metadata.labels.x"}]}}')
    i915 = (b"pos:\t0\nflags:\t02100002\ndrm-driver:\ti915\ndrm-pdev:\t0000:00:02.0\n"
            b"drm-client-id:\t7\ndrm-engine-render:\t9288864723 ns\ndrm-engine-video:\t5000 ns\n"
            b"drm-engine-capacity-video:\t2\ndrm-total-system0:\t12 MiB\ndrm-resident-system0:\t8 MiB\n")
    xe = (b"drm-driver:\txe\ndrm-client-id:\t3\ndrm-pdev:\t0000:03:00.0\ndrm-total-vram0:\t23992 KiB\n"
          b"drm-cycles-vcs:\t10\ndrm-total-cycles-vcs:\t7655183225\ndrm-engine-capacity-vcs:\t2\n")
    write(out, "usage", "i915", i915 + b"\f" + i915.replace(b"5000 ns", b"9000000 ns"))
    write(out, "usage", "xe", xe + b"\f" + xe.replace(b"\t10\n", b"\t5000\n").replace(b"7655183225", b"7655193225"))
    write(out, "usage", "cgroup-systemd", b"0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-"
          b"pod8c1f3c2e_6f4b_4d2a_9c1e_0b6f2f6a9d11.slice/cri-containerd-" + b"ab" * 32 + b".scope\n")
    write(out, "usage", "cgroup-v1", b"11:memory:/kubepods/besteffort/pod8c1f3c2e-6f4b-4d2a-9c1e-0b6f2f6a9d11/"
          + b"cd" * 32 + b"\n1:name=systemd:/\n")
    del golden


if __name__ == "__main__":
    main()
