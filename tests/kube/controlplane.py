#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A real Kubernetes control plane on loopback: etcd and kube-apiserver, for the tests.

Both are the pinned builds of scripts/build-tools.sh. kube-apiserver runs with TLS,
--authorization-mode=Node,RBAC, service-account token signing, the default admission plugins
(ValidatingAdmissionPolicy among them) plus NodeRestriction, and an audit log of every
request the nodeprobe service account makes (the judge of "how many requests did it send").
Nothing outside the working directory is touched; both processes die with this one
(PR_SET_PDEATHSIG) and on stop().

As a module: ControlPlane(tools_dir, work_dir).start(); .kubectl(...); .stop().
As a command, for people:
    tests/kube/controlplane.py --tools DIR [--dir DIR] -- COMMAND [ARGS...]
starts both, runs COMMAND with KUBECONFIG set to an admin kubeconfig, and stops both
(exit status: COMMAND's; 2 when the control plane did not come up).
"""
import argparse
import ctypes
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

SA_USER = "system:serviceaccount:nodeprobe:nodeprobe"
ADMIN_TOKEN = "nodeprobe-test-admin-token"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent():
    # prctl(PR_SET_PDEATHSIG, SIGKILL): a killed test (ctest's timeout) leaves nothing running.
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


class ControlPlaneError(RuntimeError):
    pass


class ControlPlane:
    def __init__(self, tools, work=None):
        self.tools = tools
        self.own_work = work is None
        self.work = work or tempfile.mkdtemp(prefix="np-controlplane-")
        os.makedirs(self.work, exist_ok=True)
        self.etcd = self.apiserver = None
        self.etcd_port = self.etcd_peer = self.port = None
        self.audit_log = os.path.join(self.work, "audit.log")
        self.kubeconfig = os.path.join(self.work, "admin.kubeconfig")
        self.ca = os.path.join(self.work, "ca.crt")

    # ---- set-up ----------------------------------------------------------------------------
    def _certs(self):
        w = self.work
        if os.path.exists(os.path.join(w, "sa.pub")):
            return
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
                 "ca.crt", "-days", "30", "-subj", "/CN=nodeprobe-controlplane-ca", cwd=w)
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "apiserver.key", "-out",
                 "apiserver.csr", "-subj", "/CN=kube-apiserver", cwd=w)
        with open(os.path.join(w, "ext.cnf"), "w") as f:
            f.write("subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\n"
                    "extendedKeyUsage=serverAuth\n")
        _openssl("x509", "-req", "-in", "apiserver.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                 "-CAcreateserial", "-out", "apiserver.crt", "-days", "30", "-extfile", "ext.cnf",
                 cwd=w)
        _openssl("genrsa", "-out", "sa.key", "2048", cwd=w)
        _openssl("rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub", cwd=w)
        with open(os.path.join(w, "tokens.csv"), "w") as f:
            f.write(f'{ADMIN_TOKEN},admin,admin-uid,"system:masters"\n')
        # Metadata for everything nodeprobe's service account does; nothing else is logged.
        with open(os.path.join(w, "audit-policy.yaml"), "w") as f:
            f.write("apiVersion: audit.k8s.io/v1\nkind: Policy\n"
                    "omitStages: [RequestReceived]\nrules:\n"
                    f"  - level: Metadata\n    users: ['{SA_USER}']\n"
                    "  - level: None\n")

    def write_kubeconfig(self, path, token=None, token_file=None, user="admin"):
        """A kubeconfig for this server with a token (or a tokenFile)."""
        cred = f"    token: {token}\n" if token else f"    tokenFile: {token_file}\n"
        with open(path, "w") as f:
            f.write("apiVersion: v1\nkind: Config\n"
                    f"clusters:\n- name: test\n  cluster:\n    server: https://127.0.0.1:{self.port or 0}\n"
                    f"    certificate-authority: {self.ca}\n"
                    f"users:\n- name: {user}\n  user:\n{cred}"
                    f"contexts:\n- name: test\n  context:\n    cluster: test\n    user: {user}\n"
                    "current-context: test\n")
        return path

    def start(self, timeout=180):
        self._certs()
        self.etcd_port, self.etcd_peer, self.port = _free_port(), _free_port(), _free_port()
        self.write_kubeconfig(self.kubeconfig, token=ADMIN_TOKEN)
        # A new cluster each time; start_etcd() alone (a restart) keeps the data.
        shutil.rmtree(os.path.join(self.work, "etcd"), ignore_errors=True)
        self.start_etcd()
        self.start_apiserver(timeout)
        return self

    def _spawn(self, name, argv):
        log = open(os.path.join(self.work, name + ".log"), "ab")
        try:
            return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                    preexec_fn=_die_with_parent)
        finally:
            log.close()

    def start_etcd(self, timeout=60):
        peer = f"http://127.0.0.1:{self.etcd_peer}"
        client = f"http://127.0.0.1:{self.etcd_port}"
        self.etcd = self._spawn("etcd", [
            os.path.join(self.tools, "etcd"), "--name", "np", "--data-dir",
            os.path.join(self.work, "etcd"), "--listen-client-urls", client,
            "--advertise-client-urls", client, "--listen-peer-urls", peer,
            "--initial-advertise-peer-urls", peer, "--initial-cluster", f"np={peer}",
            "--unsafe-no-fsync", "--log-level", "warn"])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.etcd.poll() is not None:
                raise ControlPlaneError("etcd exited: " + self.tail("etcd"))
            try:
                with urllib.request.urlopen(client + "/health", timeout=2) as r:
                    if json.load(r).get("health") == "true":
                        return
            except (OSError, ValueError):
                pass
            time.sleep(0.2)
        raise ControlPlaneError("etcd did not become healthy: " + self.tail("etcd"))

    def start_apiserver(self, timeout=180):
        w = self.work
        self.apiserver = self._spawn("kube-apiserver", [
            os.path.join(self.tools, "kube-apiserver"),
            f"--etcd-servers=http://127.0.0.1:{self.etcd_port}",
            "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
            f"--secure-port={self.port}",
            f"--tls-cert-file={w}/apiserver.crt", f"--tls-private-key-file={w}/apiserver.key",
            f"--client-ca-file={w}/ca.crt", f"--token-auth-file={w}/tokens.csv",
            "--authorization-mode=Node,RBAC",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={w}/sa.pub",
            f"--service-account-signing-key-file={w}/sa.key",
            "--service-cluster-ip-range=10.96.0.0/24",
            # As every real cluster (kubeadm, K3s, Talos): privileged containers are allowed
            # by the API server, and Pod Security decides per namespace.
            "--allow-privileged=true",
            # The defaults (ValidatingAdmissionPolicy, ServiceAccount, ...) plus NodeRestriction.
            "--enable-admission-plugins=NodeRestriction",
            # No kubelet answers 127.0.0.1 as the `kubernetes` Service's endpoint.
            "--endpoint-reconciler-type=none",
            f"--audit-policy-file={w}/audit-policy.yaml", f"--audit-log-path={self.audit_log}",
            "--audit-log-mode=blocking", f"--cert-dir={w}/cert-dir", "--profiling=false",
            "-v=1"])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.apiserver.poll() is not None:
                raise ControlPlaneError("kube-apiserver exited: " + self.tail("kube-apiserver"))
            if self.get("/readyz")[0] == 200:
                return
            time.sleep(0.3)
        raise ControlPlaneError("kube-apiserver not ready after %d s: %s" %
                                (timeout, self.tail("kube-apiserver")))

    def tail(self, name, n=5):
        try:
            with open(os.path.join(self.work, name + ".log"), errors="replace") as f:
                return " | ".join(f.read().strip().splitlines()[-n:])
        except OSError:
            return "(no log)"

    # ---- use -------------------------------------------------------------------------------
    def get(self, path, token=ADMIN_TOKEN):
        return self.request("GET", path, token=token)

    def request(self, method, path, body=None, token=ADMIN_TOKEN,
                content_type="application/strategic-merge-patch+json"):
        """One request, as a client without kubectl's extra GETs would send it: (code, body)."""
        ctx = ssl.create_default_context(cafile=self.ca)
        headers = {"Authorization": f"Bearer {token}"}
        if body is not None:
            headers["Content-Type"] = content_type
            body = body.encode() if isinstance(body, str) else body
        req = urllib.request.Request(f"https://127.0.0.1:{self.port}{path}", data=body,
                                     method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, context=ctx, timeout=5) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(errors="replace")
        except OSError as e:
            return 0, str(e)

    def kubectl(self, *args, input=None, check=True, kubeconfig=None):
        """kubectl (the pinned one) as admin; returns stdout, raises on failure if check."""
        r = subprocess.run([os.path.join(self.tools, "kubectl"),
                            "--kubeconfig", kubeconfig or self.kubeconfig, *args],
                           input=input, capture_output=True, text=True, timeout=120)
        if check and r.returncode != 0:
            raise ControlPlaneError(f"kubectl {' '.join(args)}: {r.stderr.strip()}")
        return r.stdout if check else r

    def node(self, name):
        return json.loads(self.kubectl("get", "node", name, "-o", "json"))

    def audit(self, user=SA_USER):
        """The audit log's ResponseComplete events of USER, oldest first."""
        out = []
        try:
            with open(self.audit_log) as f:
                for line in f:
                    try:
                        e = json.loads(line)
                    except ValueError:
                        continue
                    if e.get("stage") == "ResponseComplete" and e["user"]["username"] == user:
                        out.append(e)
        except FileNotFoundError:
            pass
        return out

    # ---- faults and tear-down --------------------------------------------------------------
    @staticmethod
    def _kill(p, sig=signal.SIGTERM):
        if p is None or p.poll() is not None:
            return
        p.send_signal(sig)
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

    def stop_apiserver(self, sig=signal.SIGKILL):
        self._kill(self.apiserver, sig)

    def stop_etcd(self, sig=signal.SIGKILL):
        self._kill(self.etcd, sig)

    def stop(self):
        self._kill(self.apiserver)
        self._kill(self.etcd)
        if self.own_work:
            shutil.rmtree(self.work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tools", required=True, help="scripts/build-tools.sh --print-dir")
    ap.add_argument("--dir", help="working directory (default: a temporary one, removed)")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.command[1:] if a.command[:1] == ["--"] else a.command
    cp = ControlPlane(a.tools, a.dir)
    # A signal stops both processes too (the trap of a shell version).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        try:
            cp.start()
        except (ControlPlaneError, subprocess.CalledProcessError, OSError) as e:
            print(f"controlplane: {e}", file=sys.stderr)
            return 2
        print(f"controlplane: https://127.0.0.1:{cp.port} ready, KUBECONFIG={cp.kubeconfig}",
              file=sys.stderr)
        if not cmd:
            return 0
        return subprocess.call(cmd, env={**os.environ, "KUBECONFIG": cp.kubeconfig})
    finally:
        cp.stop()


if __name__ == "__main__":
    sys.exit(main())
