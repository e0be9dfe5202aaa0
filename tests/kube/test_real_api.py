#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""nodeprobe against a real kube-apiserver (and etcd) on loopback: the judge of every claim
about server-side apply, managedFields, nodes/status, Events, RBAC and the admission policy.

manifests/ is applied with the pinned kubectl (server-side, so the server validates every
object); nodeprobe runs on fixture machines (tests/np-testbed) with the manifests' own
service account, through a pod-bound token from `kubectl create token` (the node name in its
extra, as the kubelet's projected tokens have it), in a kubeconfig or the in-cluster layout.
Request counts come from the API server's audit log, never from nodeprobe's own counters.

    test_real_api.py --tools DIR --testbed FILE --nodeprobe FILE --source DIR [unittest args]
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from controlplane import SA_USER, ControlPlane  # noqa: E402

ARGS = None
CP = None
WORK = None
FIXTURE = "cfl-gvtg-v54"   # a Coffee Lake GVT-g guest with a working iHD: status ok
PREFIX = "nodeprobe.io/"
SHARED = "intel.feature.node.kubernetes.io/gpu"
EXIT_KUBE_API = 7


def setUpModule():
    global CP, WORK
    WORK = tempfile.mkdtemp(prefix="np-real-api-")
    CP = ControlPlane(ARGS.tools, os.path.join(WORK, "cp")).start()
    # Server-side: the API server validates every object of the base (and owns the result).
    CP.kubectl("apply", "--server-side", "-k", os.path.join(ARGS.source, "manifests"))
    CP.kubectl("wait", "--for=condition=established", "--timeout=60s", "crd", "--all",
               check=False)


def tearDownModule():
    if CP:
        CP.stop()


# ---- helpers ---------------------------------------------------------------------------------
def make_node(name, capacity=True):
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
            "spec": {"taints": [{"key": "example.com/gpu-node", "effect": "PreferNoSchedule"}]}}
    CP.kubectl("create", "-f", "-", input=json.dumps(node))
    if capacity:
        status = {"status": {"capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"},
                             "allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"},
                             "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                                             "message": "kubelet is posting ready status"}]}}
        CP.kubectl("patch", "node", name, "--subresource=status", "--type=strategic", "-p",
                   json.dumps(status))


def make_pod(node, name=None):
    name = name or f"nodeprobe-{node}"
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "nodeprobe"},
           "spec": {"nodeName": node, "serviceAccountName": "nodeprobe",
                    "containers": [{"name": "verify", "image": "ghcr.io/nodeprobe/nodeprobe:test"}]}}
    return json.loads(CP.kubectl("create", "-o", "json", "-f", "-", input=json.dumps(pod)))


def bound_token(pod, duration="1h"):
    """A token bound to POD (as the kubelet's projected token): the node name is in its extra."""
    return CP.kubectl("create", "token", "nodeprobe", "-n", "nodeprobe", "--duration", duration,
                      "--bound-object-kind", "Pod", "--bound-object-name", pod["metadata"]["name"],
                      "--bound-object-uid", pod["metadata"]["uid"]).strip()


def sa_kubeconfig(node, pod=None):
    pod = pod or make_pod(node)
    path = os.path.join(WORK, f"{node}.kubeconfig")
    return CP.write_kubeconfig(path, token=bound_token(pod), user="nodeprobe"), pod


def incluster(node, pod=None):
    """The in-cluster layout: a service-account directory and the environment a pod has."""
    pod = pod or make_pod(node)
    d = os.path.join(WORK, f"sa-{node}")
    os.makedirs(d, exist_ok=True)
    write_token(d, bound_token(pod))
    with open(os.path.join(CP.ca)) as f, open(os.path.join(d, "ca.crt"), "w") as g:
        g.write(f.read())
    with open(os.path.join(d, "namespace"), "w") as f:
        f.write("nodeprobe")
    env = {"KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": str(CP.port),
           "NODEPROBE_SA_DIR": d, "NODE_NAME": node}
    return env, pod, d


def write_token(d, token):
    """In place, as the issue's rotation does (not a symlink swap)."""
    with open(os.path.join(d, "token"), "w") as f:
        f.write(token)


def np_env(extra=None):
    env = {k: v for k, v in os.environ.items()
           if k not in ("KUBECONFIG", "KUBERNETES_SERVICE_HOST", "NODE_NAME")}
    env.update(extra or {})
    return env


def nodeprobe(*args, env=None, fixture=FIXTURE, timeout=120):
    r = subprocess.run([ARGS.testbed, fixture, "--", ARGS.nodeprobe, *args], env=np_env(env),
                       capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stdout, r.stderr


class Agent:
    """nodeprobe agent on a fixture machine; stop() sends SIGTERM and returns its log."""

    def __init__(self, *args, env=None, fixture=FIXTURE, hotplug_ms=None):
        argv = [ARGS.testbed, fixture]
        if hotplug_ms is not None:
            argv += ["--hotplug-after", str(hotplug_ms)]
        self.log = tempfile.TemporaryFile(mode="w+", dir=WORK)
        self.p = subprocess.Popen(argv + ["--", ARGS.nodeprobe, "agent", *args], env=np_env(env),
                                  stdout=self.log, stderr=subprocess.STDOUT, text=True)

    def text(self):
        self.log.seek(0)
        return self.log.read()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.rc, self.log_text = self.stop()
        return False

    def stop(self):
        if self.log.closed:
            return self.rc, self.log_text
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(30)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.rc, self.log_text = self.p.returncode, self.text()
        self.log.close()
        return self.rc, self.log_text


def labels(node):
    return CP.node(node)["metadata"].get("labels", {})


def ours(node):
    return {k: v for k, v in labels(node).items() if k.startswith(PREFIX) or k == SHARED}


def managed(node):
    """{manager: (operation, set of label keys)} from the server's managedFields."""
    out = {}
    meta = json.loads(CP.kubectl("get", "node", node, "-o", "json", "--show-managed-fields"))["metadata"]
    for m in meta.get("managedFields", []):
        keys = {k[2:] for k in m.get("fieldsV1", {}).get("f:metadata", {}).get("f:labels", {})}
        status = m.get("subresource", "")
        out.setdefault((m["manager"], m["operation"], status), set()).update(keys)
    return out


def condition(node, ctype="IntelGPUReady"):
    conds = CP.node(node).get("status", {}).get("conditions", [])
    found = [c for c in conds if c["type"] == ctype]
    return found


def requests(node=None, since=0):
    """The nodeprobe service account's requests (audit log) after index SINCE."""
    ev = CP.audit()[since:]
    if node:
        ev = [e for e in ev if f"/nodes/{node}" in e["requestURI"] or "/events" in e["requestURI"]]
    return ev


def writes(evs):
    return [e for e in evs if e["verb"] in ("patch", "create", "update", "delete")]


def wait_for(what, fn, timeout=60, every=0.2):
    t0 = time.monotonic()
    last = None
    while time.monotonic() - t0 < timeout:
        try:
            last = fn()
            if last:
                return last
        except Exception as e:  # the server may be restarting
            last = e
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what} (last: {last})")


def events(node):
    return json.loads(CP.kubectl("get", "events", "-n", "default", "-o", "json",
                                 "--field-selector", f"involvedObject.name={node}"))["items"]


def nonblank_lines(text):
    return [ln for ln in text.splitlines() if ln.strip()]


FAST = ["--rescan-interval", "0.05", "--settle-delays", "50", "--no-exercise"]


# ---- nodeprobe label ---------------------------------------------------------------------------
class Label(unittest.TestCase):
    def test_labels_land_then_a_second_run_sends_no_write(self):
        make_node("lbl-1")
        kc, _ = sa_kubeconfig("lbl-1")
        n0 = len(CP.audit())
        rc, out, err = nodeprobe("label", "--kubeconfig", kc, "--node-name", "lbl-1")
        self.assertEqual(rc, 0, err)
        got = ours("lbl-1")
        self.assertEqual(got.get(PREFIX + "status"), "ok")
        self.assertEqual(got.get(SHARED), "true")
        self.assertEqual(got.get(PREFIX + "gpu.platform"), "coffeelake")
        self.assertEqual(got.get(PREFIX + "gpu.virtualization"), "gvt-g")
        # Server-side apply, field manager nodeprobe: exactly our keys, nothing else of the Node.
        m = managed("lbl-1")
        self.assertEqual(m.get(("nodeprobe", "Apply", "")), set(got), m)
        first = requests("lbl-1", n0)
        self.assertEqual([e["verb"] for e in writes(first)], ["patch"], first)
        self.assertIn("fieldManager=nodeprobe", writes(first)[0]["requestURI"])
        # The Node's spec and status are untouched by the apply.
        node = CP.node("lbl-1")
        self.assertEqual(node["spec"]["taints"][0]["key"], "example.com/gpu-node")
        self.assertEqual(node["status"]["capacity"]["cpu"], "4")

        n1 = len(CP.audit())
        rc, out, err = nodeprobe("label", "--kubeconfig", kc, "--node-name", "lbl-1")
        self.assertEqual(rc, 0, err)
        self.assertIn("unchanged", out + err)
        second = requests("lbl-1", n1)
        self.assertEqual(writes(second), [], second)
        self.assertEqual([e["verb"] for e in second], ["get"])

    def test_dry_run_saves_nothing(self):
        make_node("lbl-dry")
        kc, _ = sa_kubeconfig("lbl-dry")
        n0 = len(CP.audit())
        rc, out, err = nodeprobe("label", "--dry-run", "--kubeconfig", kc, "--node-name", "lbl-dry")
        self.assertEqual(rc, 0, err)
        self.assertEqual(ours("lbl-dry"), {})
        w = writes(requests("lbl-dry", n0))
        # The server validated the apply (admission included) and stored nothing.
        self.assertEqual(len(w), 1, w)
        self.assertIn("dryRun=All", w[0]["requestURI"])
        self.assertEqual(w[0]["responseStatus"]["code"], 200)
        self.assertNotIn(("nodeprobe", "Apply", ""), managed("lbl-dry"))

    def test_cleanup_removes_exactly_ours(self):
        make_node("lbl-clean")
        CP.kubectl("label", "node", "lbl-clean", "topology.kubernetes.io/zone=rack-1")
        kc, _ = sa_kubeconfig("lbl-clean")
        rc, _, err = nodeprobe("label", "--kubeconfig", kc, "--node-name", "lbl-clean")
        self.assertEqual(rc, 0, err)
        self.assertGreater(len(ours("lbl-clean")), 10)
        rc, out, err = nodeprobe("label", "--cleanup", "--kubeconfig", kc, "--node-name", "lbl-clean")
        self.assertEqual(rc, 0, err)
        left = labels("lbl-clean")
        self.assertEqual(ours("lbl-clean"), {}, left)
        self.assertEqual(left.get("topology.kubernetes.io/zone"), "rack-1")
        self.assertNotIn(("nodeprobe", "Apply", ""),
                         {k for k, v in managed("lbl-clean").items() if v})

    def test_a_shared_key_of_another_manager_is_shared_or_left_and_ours_are_taken_over(self):
        # The guide's manual step (the same value nodeprobe wants), a stale nodeprobe.io/ label
        # someone set by hand, and on a second Node an admin's different value.
        make_node("lbl-shared")
        make_node("lbl-shared-2")
        CP.kubectl("label", "node", "lbl-shared", f"{SHARED}=true", f"{PREFIX}status=stale")
        CP.kubectl("label", "node", "lbl-shared-2", f"{SHARED}=false")
        kc, _ = sa_kubeconfig("lbl-shared")
        rc, out, err = nodeprobe("label", "--kubeconfig", kc, "--node-name", "lbl-shared")
        self.assertEqual(rc, 0, err)
        got = labels("lbl-shared")
        self.assertEqual(got[SHARED], "true")
        self.assertEqual(got[PREFIX + "status"], "ok")
        m = managed("lbl-shared")
        mine = m.get(("nodeprobe", "Apply", ""), set())
        by_kubectl = set().union(*[v for (mgr, op, _), v in m.items() if mgr.startswith("kubectl")])
        # The same value: server-side apply makes the key co-owned (no conflict), so it
        # outlives our --cleanup as long as the person's manager holds it.
        self.assertIn(SHARED, mine, m)
        self.assertIn(SHARED, by_kubectl, m)
        # Our own prefix: taken over (force), the other manager loses it.
        self.assertIn(PREFIX + "status", mine, m)
        self.assertNotIn(PREFIX + "status", by_kubectl, m)
        rc, out, err = nodeprobe("label", "--cleanup", "--kubeconfig", kc, "--node-name", "lbl-shared")
        self.assertEqual(rc, 0, err)
        self.assertEqual(ours("lbl-shared"), {SHARED: "true"})
        self.assertIn(f"{SHARED}=true stays: another manager set it too", out)

        # A different value on the shared key: left alone (never forced) and said so.
        kc2, _ = sa_kubeconfig("lbl-shared-2")
        rc, out, err = nodeprobe("label", "--kubeconfig", kc2, "--node-name", "lbl-shared-2")
        self.assertEqual(rc, 0, err)
        self.assertEqual(labels("lbl-shared-2")[SHARED], "false")
        self.assertIn(SHARED, out + err)
        self.assertIn("kubectl-label", out + err, "the manager holding it is named")
        self.assertNotIn(SHARED, managed("lbl-shared-2").get(("nodeprobe", "Apply", ""), set()))
        self.assertEqual(labels("lbl-shared-2")[PREFIX + "status"], "ok")

    def test_in_cluster_layout(self):
        make_node("lbl-pod")
        env, _, _ = incluster("lbl-pod")
        rc, out, err = nodeprobe("label", env=env)
        self.assertEqual(rc, 0, err)
        self.assertEqual(ours("lbl-pod").get(PREFIX + "status"), "ok")
        ev = CP.audit()[-1]
        self.assertEqual(ev["user"]["extra"]["authentication.kubernetes.io/node-name"], ["lbl-pod"])


# ---- the policy and RBAC, with the service account's own token ---------------------------------
class Denied(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        make_node("den-1")
        make_node("den-2")
        cls.kc, _ = sa_kubeconfig("den-1")

    def denied_by_nodeprobe(self, args, want):
        rc, out, err = nodeprobe("label", "--kubeconfig", self.kc, *args)
        lines = nonblank_lines(err)
        self.assertEqual(rc, EXIT_KUBE_API, err)
        self.assertTrue(any(want in ln for ln in lines), err)
        # One line says it: the error is not spread over several.
        self.assertEqual(len([ln for ln in lines if want in ln]), 1, err)
        # The policy refused it, not RBAC: the hint says so (a 403 from a policy with
        # reason Forbidden must not send people to fix their RBAC).
        self.assertIn("an admission policy refused it", err)
        self.assertNotIn("RBAC", err)
        return err

    def test_another_node(self):
        before = labels("den-2")
        err = self.denied_by_nodeprobe(["--node-name", "den-2"],
                                       "nodeprobe on den-1 may not modify node den-2")
        self.assertEqual(labels("den-2"), before)

    def test_a_label_outside_the_prefixes(self):
        self.denied_by_nodeprobe(["--node-name", "den-1", "--label-prefix", "example.com"],
                                 "nodeprobe may only add or change its own labels")
        self.assertFalse(any(k.startswith("example.com/") for k in labels("den-1")))

    def kubectl_as_sa(self, *args):
        return CP.kubectl(*args, kubeconfig=self.kc, check=False)

    def test_spec_annotations_conditions_and_status_fields(self):
        # (The server's TaintNodesByCondition admission added not-ready to the new Node.)
        taints = CP.node("den-1")["spec"]["taints"]
        cases = [
            (["patch", "node", "den-1", "-p", '{"spec":{"unschedulable":true}}'],
             "may not change spec (taints, unschedulable) or annotations"),
            (["taint", "node", "den-1", "dedicated=gpu:NoSchedule"],
             "may not change spec (taints, unschedulable) or annotations"),
            (["annotate", "node", "den-1", "example.com/a=b"],
             "may not change spec (taints, unschedulable) or annotations"),
            (["label", "node", "den-1", "topology.kubernetes.io/zone=x"],
             "may only add or change its own labels"),
        ]
        for argv, want in cases:
            with self.subTest(argv=" ".join(argv[:3])):
                r = self.kubectl_as_sa(*argv)
                self.assertNotEqual(r.returncode, 0, r.stdout)
                self.assertIn(want, r.stderr)
        # nodes/status: a PATCH as nodeprobe sends it (kubectl patch would first GET
        # nodes/status, which the role does not grant: RBAC says no before the policy).
        tok = self.kc_token()
        status = [
            ("den-1", '{"status":{"conditions":[{"type":"Ready","status":"False","reason":"x"}]}}',
             "may only set its own condition, IntelGPUReady"),
            ("den-1", '{"status":{"capacity":{"gpu.intel.com/i915":"100"}}}',
             "may only change the IntelGPUReady condition in a Node's status"),
            ("den-2", '{"status":{"conditions":[{"type":"IntelGPUReady","status":"True","reason":"x"}]}}',
             "nodeprobe on den-1 may not modify node den-2"),
        ]
        for node, body, want in status:
            with self.subTest(status=body[:40]):
                code, text = CP.request("PATCH", f"/api/v1/nodes/{node}/status", body, token=tok)
                self.assertEqual(code, 403, text)
                self.assertIn(want, json.loads(text)["message"])
        # RBAC: no create, delete, list or watch, and no GET of nodes/status.
        for argv, want in [(["delete", "node", "den-1"], "cannot delete resource"),
                           (["get", "nodes"], "cannot list resource"),
                           (["patch", "node", "den-1", "--subresource=status", "-p", "{}"],
                            'cannot get resource "nodes/status"')]:
            with self.subTest(argv=" ".join(argv)):
                r = self.kubectl_as_sa(*argv)
                self.assertNotEqual(r.returncode, 0)
                self.assertIn(want, r.stderr)
        r = CP.kubectl("create", "-f", "-", kubeconfig=self.kc, check=False,
                       input='{"apiVersion":"v1","kind":"Node","metadata":{"name":"den-3"}}')
        self.assertIn("cannot create resource", r.stderr)
        # The positive control: the same token may set its own condition on its own Node.
        code, text = CP.request("PATCH", "/api/v1/nodes/den-1/status",
                                '{"status":{"conditions":[{"type":"IntelGPUReady","status":"False",'
                                '"reason":"Probing","message":"x"}]}}', token=tok)
        self.assertEqual(code, 200, text)
        node = CP.node("den-1")
        self.assertEqual(node["spec"].get("unschedulable"), None)
        self.assertEqual(node["spec"]["taints"], taints)
        self.assertNotIn("annotations", node["metadata"])
        self.assertEqual(node["status"]["capacity"].get("gpu.intel.com/i915"), None)
        self.assertEqual([c["status"] for c in node["status"]["conditions"] if c["type"] == "Ready"], ["True"])

    def kc_token(self):
        with open(self.kc) as f:
            return re.search(r"token: (\S+)", f.read()).group(1)

    def test_a_token_without_a_node(self):
        # A token not bound to a pod carries no node name: the policy refuses every write.
        tok = CP.kubectl("create", "token", "nodeprobe", "-n", "nodeprobe").strip()
        kc = CP.write_kubeconfig(os.path.join(WORK, "unbound.kubeconfig"), token=tok, user="np")
        rc, _, err = nodeprobe("label", "--kubeconfig", kc, "--node-name", "den-1")
        self.assertEqual(rc, EXIT_KUBE_API, err)
        self.assertIn("the token is not bound to a node", err)


# ---- nodeprobe agent ---------------------------------------------------------------------------
class AgentTiers(unittest.TestCase):
    def test_both_tiers_on_one_node_then_no_requests_while_unchanged(self):
        make_node("ag-1")
        env, pod, _ = incluster("ag-1")
        n0 = len(CP.audit())
        verify = Agent("--tier", "verify", *FAST, env=env)
        discover = Agent("--tier", "discover", *FAST, env=env)
        try:
            wait_for("verify labels", lambda: ours("ag-1").get(PREFIX + "va.ready") == "true")
            wait_for("discover labels", lambda: ours("ag-1").get(PREFIX + "gpu.present") == "true")
            wait_for("the condition", lambda: condition("ag-1"))
            c = condition("ag-1")
            self.assertEqual(len(c), 1)
            self.assertEqual(c[0]["status"], "True", c)
            first_transition = c[0]["lastTransitionTime"]
            # Each tier is its own field manager; the shared key has one owner.
            m = managed("ag-1")
            managers = {mgr for (mgr, op, sub), keys in m.items() if keys and op == "Apply"}
            self.assertEqual(len(managers), 2, m)
            # Ready from the start: no transition, so no Event.
            self.assertEqual(events("ag-1"), [])
            # Settled: the audit log sees nothing over some 40 unchanged loops of each tier.
            time.sleep(1.0)
            n1 = len(CP.audit())
            time.sleep(2.5)
            quiet = CP.audit()[n1:]
            self.assertEqual(quiet, [], [(e["verb"], e["requestURI"]) for e in quiet])
            self.assertEqual(condition("ag-1")[0]["lastTransitionTime"], first_transition)
        finally:
            rc_v, log_v = verify.stop()
            rc_d, log_d = discover.stop()
        self.assertEqual(rc_v, 0, log_v)
        self.assertEqual(rc_d, 0, log_d)
        # Every request either tier made succeeded.
        bad = [(e["verb"], e["requestURI"], e["responseStatus"]["code"])
               for e in requests("ag-1", n0) if e["responseStatus"]["code"] >= 300]
        self.assertEqual(bad, [])

    def test_heartbeat_keeps_the_transition_time(self):
        make_node("ag-hb")
        env, _, _ = incluster("ag-hb")
        with Agent("--tier", "verify", *FAST, "--heartbeat-interval", "0.5", env=env) as a:
            wait_for("the condition", lambda: condition("ag-hb"))
            t = condition("ag-hb")[0]
            n1 = len(CP.audit())
            wait_for("two heartbeats", lambda: len([e for e in CP.audit()[n1:]
                                                    if "/status" in e["requestURI"]]) >= 2, 20)
            t2 = condition("ag-hb")[0]
            self.assertEqual(t2["lastTransitionTime"], t["lastTransitionTime"])
            self.assertGreaterEqual(t2["lastHeartbeatTime"], t["lastHeartbeatTime"])
        self.assertEqual(a.rc, 0, a.log_text)

    def test_hotplug_converges(self):
        make_node("ag-hot")
        env, _, _ = incluster("ag-hot")
        with Agent("--tier", "verify", *FAST, env=env, hotplug_ms=2500) as a:
            wait_for("a first, GPU-less state", lambda: ours("ag-hot").get(PREFIX + "status")
                     not in (None, "ok"), 30)
            before = condition("ag-hot")[0]
            self.assertNotEqual(before["status"], "True")
            wait_for("status ok after the render node appears",
                     lambda: ours("ag-hot").get(PREFIX + "status") == "ok", 60)
            wait_for("the condition True", lambda: condition("ag-hot")[0]["status"] == "True")
            after = condition("ag-hot")
            self.assertEqual(len(after), 1)
            self.assertNotEqual(after[0]["lastTransitionTime"], "")
            # One Warning into the GPU-less state, one Normal on recovery, both accepted by the
            # real server's Event validation and about this Node.
            ev = wait_for("two Events", lambda: len(events("ag-hot")) >= 2 and events("ag-hot"))
            self.assertEqual(sorted(e["type"] for e in ev), ["Normal", "Warning"], ev)
            uid = CP.node("ag-hot")["metadata"]["uid"]
            for e in ev:
                self.assertEqual((e["involvedObject"]["kind"], e["involvedObject"]["uid"]), ("Node", uid))
                self.assertEqual(e["reportingComponent"], "nodeprobe.io/agent")
                self.assertTrue(e["reportingInstance"])
            posts = [e for e in CP.audit()
                     if "/namespaces/default/events" in e["requestURI"] and e["verb"] == "create"]
            self.assertGreaterEqual(len(posts), 2)
            self.assertTrue(all(e["responseStatus"]["code"] == 201 for e in posts), posts)
        self.assertEqual(a.rc, 0, a.log_text)


# ---- --usage: this node's pods named, the idle-GPU Event, on the real server --------------------
def agent_root(agent):
    """The fixture root np-testbed-run gave the agent (its NODEPROBE_ROOT)."""
    def find():
        with open(f"/proc/{agent.p.pid}/task/{agent.p.pid}/children") as f:
            kids = f.read().split()
        for pid in kids:
            with open(f"/proc/{pid}/environ", "rb") as f:
                env = f.read().split(b"\0")
            for kv in env:
                if kv.startswith(b"NODEPROBE_ROOT="):
                    return kv.split(b"=", 1)[1].decode()
        return None
    return wait_for("the agent's fixture root", find, 20)


def put(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


class Usage(unittest.TestCase):
    FILES = ("rbac-usage.yaml", "policy-events.yaml")

    def setUp(self):
        for f in self.FILES:
            CP.kubectl("apply", "--server-side", "-f",
                       os.path.join(ARGS.source, "manifests", "overlays", "usage", f))
        CP.kubectl("create", "namespace", "media", check=False)
        # no controller manager here to create it
        CP.kubectl("create", "serviceaccount", "default", "-n", "media", check=False)

    def tearDown(self):
        for f in self.FILES:
            CP.kubectl("delete", "-f", os.path.join(ARGS.source, "manifests", "overlays", "usage", f))

    def test_pods_named_and_an_idle_gpu_warned_about(self):
        make_node("us-1")
        env, sapod, _ = incluster("us-1")
        cid = "4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b"
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "jellyfin-0", "namespace": "media"},
               "spec": {"nodeName": "us-1", "containers": [
                   {"name": "jellyfin", "image": "jellyfin/jellyfin:10.10",
                    "resources": {"limits": {"gpu.intel.com/i915": "1"}}}]}}
        pod = json.loads(CP.kubectl("create", "-o", "json", "-f", "-", input=json.dumps(pod)))
        uid = pod["metadata"]["uid"]
        # A pod on another node: not listed by the field selector, never named.
        other = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "elsewhere", "namespace": "media"},
                 "spec": {"nodeName": "us-2", "containers": [{"name": "c", "image": "x"}]}}
        CP.kubectl("create", "-f", "-", input=json.dumps(other))
        n0 = len(CP.audit())
        port = 21000 + os.getpid() % 20000
        with Agent("--tier", "verify", *FAST, "--listen", f"127.0.0.1:{port}", "--usage", "0.2",
                   "--idle-warn", "2", env=env) as a:
            root = agent_root(a)
            slice_ = ("sys/fs/cgroup/kubepods.slice/kubepods-burstable.slice/"
                      f"kubepods-burstable-pod{uid.replace('-', '_')}.slice")
            put(root, "proc/4242/comm", "jellyfin\n")
            put(root, "proc/4242/cgroup", f"0::/{slice_[len('sys/fs/cgroup/'):]}/cri-containerd-{cid}.scope\n")
            os.makedirs(os.path.join(root, "proc/4242/fd"), exist_ok=True)
            if not os.path.islink(os.path.join(root, "proc/4242/fd/5")):
                os.symlink("/dev/dri/renderD128", os.path.join(root, "proc/4242/fd/5"))
            t0 = time.monotonic()

            def tick():
                # a core of CPU, the render engine a little, the video engine never
                t = time.monotonic() - t0
                put(root, f"{slice_}/cpu.stat", f"usage_usec {int(t * 1e6)}\n")
                put(root, "proc/4242/fdinfo/5",
                    "drm-driver:\ti915\ndrm-pdev:\t0000:00:02.0\ndrm-client-id:\t9\n"
                    f"drm-engine-render:\t{int(t * 1e7)} ns\ndrm-engine-video:\t0 ns\n")
                return False

            def warned():
                tick()
                ev = json.loads(CP.kubectl("get", "events", "-n", "media", "-o", "json"))["items"]
                return [e for e in ev if e["reason"] == "GPUAllocatedButIdle"]

            ev = wait_for("a GPUAllocatedButIdle Event", warned, 60, 0.1)
            for _ in range(20):   # more idle windows: no second Event
                time.sleep(0.1)
                tick()
            metrics = subprocess.run(["curl", "-s", "--noproxy", "*", f"http://127.0.0.1:{port}/metrics"],
                                     capture_output=True, text=True).stdout
        self.assertEqual(a.rc, 0, a.log_text)
        ev = json.loads(CP.kubectl("get", "events", "-n", "media", "-o", "json"))["items"]
        ev = [e for e in ev if e["reason"] == "GPUAllocatedButIdle"]
        self.assertEqual(len(ev), 1, ev)
        e = ev[0]
        self.assertEqual((e["type"], e["involvedObject"]["kind"], e["involvedObject"]["name"],
                          e["involvedObject"]["namespace"], e["involvedObject"]["uid"]),
                         ("Warning", "Pod", "jellyfin-0", "media", uid))
        self.assertIn("jellyfin holds the GPU (gpu.intel.com/i915) but used no video engine", e["message"])
        self.assertEqual(e["reportingComponent"], "nodeprobe.io/agent")
        self.assertRegex(metrics, r'nodeprobe_gpu_client_engine_busy_ratio\{device="0000:00:02.0",'
                                  r'engine="render",pid="4242",comm="jellyfin",namespace="media",'
                                  r'pod="jellyfin-0",container="jellyfin",pod_uid="' + uid)
        self.assertNotIn("elsewhere", metrics)
        # The server's audit log: this node's pods only, by field selector, each list answered;
        # not one list per scan.
        lists = [x for x in CP.audit()[n0:] if x["verb"] == "list" and "/pods" in x["requestURI"]]
        self.assertGreaterEqual(len(lists), 1)
        self.assertLessEqual(len(lists), 3, [x["requestURI"] for x in lists])
        for x in lists:
            self.assertIn("fieldSelector=spec.nodeName%3Dus-1", x["requestURI"])
            self.assertEqual(x["responseStatus"]["code"], 200, x)
        creates = [x for x in CP.audit()[n0:] if x["verb"] == "create" and "/namespaces/media/events" in x["requestURI"]]
        self.assertEqual([x["responseStatus"]["code"] for x in creates], [201])
        # The events policy, on the real server: what the agent posts passed it (above); with
        # the same token, an Event of another kind, reason or node is refused.
        kc, _ = sa_kubeconfig("us-1", sapod)
        good = {"apiVersion": "v1", "kind": "Event", "metadata": {"generateName": "t-", "namespace": "media"},
                "involvedObject": {"apiVersion": "v1", "kind": "Pod", "namespace": "media", "name": "jellyfin-0", "uid": uid},
                "reason": "GPUAllocatedButIdle", "message": "m", "type": "Warning",
                "reportingComponent": "nodeprobe.io/agent", "reportingInstance": "us-1",
                "source": {"component": "nodeprobe", "host": "us-1"}}
        r = CP.kubectl("create", "-f", "-", input=json.dumps(good), kubeconfig=kc, check=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        for what, change in [("another reason", {"reason": "Killing"}),
                             ("a Normal type", {"type": "Normal"}),
                             ("another node's agent", {"reportingInstance": "us-9"}),
                             ("a Secret", {"involvedObject": {"kind": "Secret", "namespace": "media", "name": "s"}})]:
            with self.subTest(denied=what):
                bad = {**good, **change}
                r = CP.kubectl("create", "-f", "-", input=json.dumps(bad), kubeconfig=kc, check=False)
                self.assertNotEqual(r.returncode, 0, what)
                self.assertIn("nodeprobe", r.stderr)
                self.assertIn("forbidden", r.stderr.lower())

    def test_without_the_usage_role_the_agent_says_so_and_keeps_going(self):
        self.tearDown()
        try:
            make_node("us-2")
            env, _, _ = incluster("us-2")
            with Agent("--tier", "verify", *FAST, "--listen", f"127.0.0.1:{22000 + os.getpid() % 20000}",
                       "--usage", "0.2", env=env) as a:
                root = agent_root(a)
                put(root, "proc/77/comm", "ffmpeg\n")
                put(root, "proc/77/cgroup", "0::/kubepods/besteffort/pod0b6f2f6a-9d11-4d2a-9c1e-8c1f3c2e6f4b/"
                                            "abcdef0123456789\n")
                os.makedirs(os.path.join(root, "proc/77/fd"), exist_ok=True)
                os.symlink("/dev/dri/renderD128", os.path.join(root, "proc/77/fd/3"))
                put(root, "proc/77/fdinfo/3", "drm-driver:\ti915\ndrm-client-id:\t3\n")
                wait_for("the refusal logged", lambda: "the pods of this node" in a.text(), 30)
                wait_for("labels still land", lambda: ours("us-2").get(PREFIX + "va.ready") == "true")
            self.assertEqual(a.rc, 0, a.log_text)
            self.assertIn("forbidden", a.log_text.lower())
        finally:
            self.setUp()


# ---- faults a real server gives ----------------------------------------------------------------
class Faults(unittest.TestCase):
    def test_a_rotated_token_is_reread(self):
        make_node("flt-tok")
        env, pod1, d = incluster("flt-tok")
        with Agent("--tier", "verify", *FAST, "--heartbeat-interval", "0.5", env=env) as a:
            wait_for("the condition", lambda: condition("flt-tok"))
            # The kubelet's rotation: a new token in the file, then the old one stops working
            # (deleting its pod invalidates a pod-bound token at once).
            pod2 = make_pod("flt-tok", "nodeprobe-flt-tok-2")
            write_token(d, bound_token(pod2))
            CP.kubectl("delete", "pod", "-n", "nodeprobe", pod1["metadata"]["name"], "--wait=false")
            n1 = len(CP.audit())

            def by_new_pod():
                return [e for e in CP.audit()[n1:]
                        if e["user"].get("extra", {}).get("authentication.kubernetes.io/pod-name")
                        == ["nodeprobe-flt-tok-2"] and e["responseStatus"]["code"] < 300]
            wait_for("requests with the new token", by_new_pod, 30)
        self.assertEqual(a.rc, 0, a.log_text)

    def test_apiserver_killed_and_restarted_mid_run(self):
        make_node("flt-restart")
        env, _, _ = incluster("flt-restart")
        with Agent("--tier", "verify", *FAST, env=env, hotplug_ms=6000) as a:
            wait_for("a first state", lambda: ours("flt-restart").get(PREFIX + "status"), 30)
            first = ours("flt-restart")[PREFIX + "status"]
            self.assertNotEqual(first, "ok")
            wait_for("the first condition", lambda: condition("flt-restart"))
            CP.stop_apiserver()          # SIGKILL, mid-run; the render node appears meanwhile
            wait_for("the hotplug", lambda: "hotplug" in a.text(), 30)
            wait_for("a failed sync", lambda: "nodeprobe: error" in a.text() or
                     "refused" in a.text(), 30)
            time.sleep(2)                # and a retry or two
            CP.start_apiserver()
            wait_for("status ok after the restart",
                     lambda: ours("flt-restart").get(PREFIX + "status") == "ok", 90)
            wait_for("the condition True",
                     lambda: condition("flt-restart") and condition("flt-restart")[0]["status"] == "True")
            got = ours("flt-restart")
            # Nothing lost (the same label set as a one-shot run), nothing duplicated.
            kc, _ = sa_kubeconfig("flt-restart", make_pod("flt-restart", "np-flt-restart-check"))
            rc, out, err = nodeprobe("label", "--dry-run", "--kubeconfig", kc, "--node-name", "flt-restart")
            self.assertEqual(rc, 0, err)
            # Every label of the verify tier is there with the value a fresh probe gives ("=");
            # the rest ("+") are the discover tier's, not running here.
            for line in out.splitlines():
                key = line[4:].split("=")[0]
                if key.startswith(PREFIX) and key[len(PREFIX):].split(".")[0] in (
                        "va", "decode", "encode", "status"):
                    self.assertTrue(line.startswith("  = "), out)
                    self.assertEqual(got.get(key), line[4:].split("=", 1)[1])
            self.assertEqual(len(condition("flt-restart")), 1)
        self.assertEqual(a.rc, 0, a.log_text)

    def test_etcd_stopped_bounded_retries_labels_intact(self):
        make_node("flt-etcd")
        kc, _ = sa_kubeconfig("flt-etcd")
        rc, _, err = nodeprobe("label", "--kubeconfig", kc, "--node-name", "flt-etcd")
        self.assertEqual(rc, 0, err)
        before = ours("flt-etcd")
        # A label of ours removed by a person, so that the next run has a write to make.
        CP.kubectl("label", "node", "flt-etcd", f"{PREFIX}status-")
        CP.stop_etcd()
        try:
            t0 = time.monotonic()
            rc, out, err = nodeprobe("label", "--kubeconfig", kc, "--node-name", "flt-etcd",
                                     timeout=300)
            took = time.monotonic() - t0
        finally:
            CP.start_etcd()
        self.assertEqual(rc, EXIT_KUBE_API, err)
        self.assertEqual(len(nonblank_lines(err)), 1, err)
        self.assertLess(took, 120, "bounded retries")
        wait_for("the API server back on etcd", lambda: CP.get("/readyz")[0] == 200, 60)
        after = ours("flt-etcd")
        expect = dict(before)
        del expect[PREFIX + "status"]
        self.assertEqual(after, expect, "labels intact: nothing half-written")
        rc, _, err = nodeprobe("label", "--kubeconfig", kc, "--node-name", "flt-etcd")
        self.assertEqual(rc, 0, err)
        self.assertEqual(ours("flt-etcd"), before)


# ---- what users deploy: every rendering, applied with --dry-run=server ---------------------------
class Deploy(unittest.TestCase):
    def render(self, tool, *argv):
        r = subprocess.run([os.path.join(ARGS.tools, tool), *argv], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr.strip(), "", "no warnings")
        return r.stdout

    def objects(self, text):
        """YAML documents as JSON objects by (kind, namespace, name), through kubectl."""
        out = CP.kubectl("create", "--dry-run=client", "-o", "json", "-f", "-", input=text)
        dec, i, objs = json.JSONDecoder(), 0, {}
        while i < len(out):
            if out[i].isspace():
                i += 1
                continue
            o, i = dec.raw_decode(out, i)
            for item in o["items"] if o.get("kind") == "List" else [o]:
                objs[(item["kind"], item["metadata"].get("namespace", ""), item["metadata"]["name"])] = item
        return objs

    def server_dry_run(self, text):
        # A dry run creates no Namespace: the rendering's own Namespaces are applied for real
        # first (as a real apply does, Namespaces first), so Pod Security judges the pods by
        # the level this rendering declares. setUp/tearDown put the base's back.
        for (kind, _, _), o in self.objects(text).items():
            if kind == "Namespace":
                CP.kubectl("apply", "--server-side", "--force-conflicts", "-f", "-", input=json.dumps(o))
        r = CP.kubectl("apply", "--dry-run=server", "--server-side", "--force-conflicts", "-f", "-",
                       input=text, check=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr.strip(), "", r.stderr)
        return r.stdout

    def tearDown(self):
        CP.kubectl("apply", "--server-side", "--force-conflicts", "-k",
                   os.path.join(ARGS.source, "manifests"))

    def test_every_overlay_applies_with_server_dry_run(self):
        m = os.path.join(ARGS.source, "manifests")
        for t in ["", "base", "overlays/privileged", "overlays/nfd", "overlays/talos", "overlays/usage"]:
            with self.subTest(target=t or "."):
                out = self.server_dry_run(self.render("kustomize", "build", os.path.join(m, t)))
                self.assertIn("(server dry run)", out)
        for f in sorted(os.listdir(os.path.join(m, "examples"))):
            with self.subTest(example=f):
                with open(os.path.join(m, "examples", f)) as fh:
                    self.server_dry_run(fh.read())

    def test_helm_defaults_render_the_manifests(self):
        chart = os.path.join(ARGS.source, "charts", "nodeprobe")
        m = os.path.join(ARGS.source, "manifests")
        pairs = [([], ""), (["--set", "mode=privileged"], "overlays/privileged"),
                 (["--set", "mode=nfd"], "overlays/nfd"),
                 (["--set", "usage.enabled=true"], "overlays/usage")]
        for values, overlay in pairs:
            with self.subTest(values=" ".join(values) or "defaults", overlay=overlay or "."):
                h = self.objects(self.render("helm", "template", "nodeprobe", chart, *values))
                k = self.objects(self.render("kustomize", "build", os.path.join(m, overlay)))
                self.assertEqual(sorted(h), sorted(k))
                for key in k:
                    self.assertEqual(h[key], k[key], key)

    def test_helm_chart(self):
        chart = os.path.join(ARGS.source, "charts", "nodeprobe")
        r = subprocess.run([os.path.join(ARGS.tools, "helm"), "lint", "--strict", chart],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        variants = {
            "defaults": [],
            "privileged": ["--set", "mode=privileged"],
            "nfd": ["--set", "mode=nfd"],
            "usage": ["--set", "usage.enabled=true", "--set", "usage.interval=10"],
            "no-policy": ["--set", "admissionPolicy.enabled=false"],
            "metrics": ["--set", "metrics.serviceMonitor.enabled=true",
                        "--api-versions", "monitoring.coreos.com/v1"],
            "tuned": ["--set", "image.tag=9.9.9", "--set", "nodeSelector.kubernetes\\.io/os=linux",
                      "--set", "resources.verify.limits.memory=256Mi"],
        }
        for name, extra in variants.items():
            with self.subTest(values=name):
                text = self.render("helm", "template", "nodeprobe", chart, "--namespace", "nodeprobe",
                                   *extra)
                if name == "metrics":
                    self.assertIn("kind: ServiceMonitor", text)
                    continue   # no CRD on this server: lint and render only
                self.server_dry_run(text)


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--tools", required=True)
    ap.add_argument("--testbed", required=True)
    ap.add_argument("--nodeprobe", required=True)
    ap.add_argument("--source", required=True)
    ARGS, rest = ap.parse_known_args()
    for t in ("kube-apiserver", "etcd", "kubectl", "kustomize", "helm"):
        if not os.access(os.path.join(ARGS.tools, t), os.X_OK):
            print(f"test_real_api: {ARGS.tools}/{t} is missing (scripts/build-tools.sh)", file=sys.stderr)
            return 1
    prog = unittest.main(argv=[sys.argv[0], "-v", *rest], exit=False)
    return 0 if prog.result.wasSuccessful() else 1


if __name__ == "__main__":
    r = main()
    sys.exit(r)
