#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A Kubernetes API test server over TLS, for the labeler tests.

It implements what nodeprobe and kubectl use on Nodes, with the real semantics:
  - GET /api/v1/nodes[/NAME], discovery (/api, /api/v1, /apis, /version)
  - PATCH /api/v1/nodes/NAME with server-side apply (application/apply-patch+yaml):
    managedFields per field manager, omission removes labels owned only by that manager,
    409 FieldManagerConflict without force, dryRun=All; and merge / strategic merge patches
    (operation Update, what `kubectl label` sends)
  - bearer-token auth (valid tokens re-read from --tokens on every request, so tests rotate
    them by rewriting the file), metav1.Status error bodies, 422 for invalid labels
  - scripted faults through /_test/script: status codes (401/403/404/409/422/429+Retry-After,
    500, 503), slow replies, truncated replies, oversized and malformed JSON; and through
    /_test/resets connections reset during the TLS handshake (an API server restarting)
  - /_test/log lists the requests received; /_test/node creates or replaces a Node.

Prints "PORT <n>" on stdout once listening; stops on SIGTERM or when stdin closes.
"""
import argparse
import copy
import json
import re
import socket
import ssl
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

LOCK = threading.Lock()
NODES = {}      # name -> {"labels": {}, "annotations": {}, "managed": {(manager, op): set(keys)}, "rv": int}
SCRIPT = []     # canned responses, consumed in order
PODS = []       # core/v1 Pods (as given by /_test/pod), listed by GET /api/v1/pods
EVENTS = []     # core/v1 Events created (POST /api/v1/namespaces/NS/events)
LOG = []
ARGS = None
RESETS = [0]    # connections still to reset during the TLS handshake

NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
DNS = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"


def valid_key(k):
    if "/" in k:
        prefix, name = k.split("/", 1)
        if len(prefix) > 253 or not re.fullmatch(DNS, prefix):
            return False
    else:
        name = k
    return len(name) <= 63 and re.fullmatch(NAME, name) is not None


def valid_value(v):
    return v == "" or (len(v) <= 63 and re.fullmatch(NAME, v) is not None)


def status(code, reason, message, details=None):
    return code, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                  "message": message, "reason": reason, "details": details or {}, "code": code}


def node_json(name, n):
    managed = []
    for (mgr, op), keys in sorted(n["managed"].items()):
        if not keys:
            continue
        managed.append({"manager": mgr, "operation": op, "apiVersion": "v1",
                        "time": "2026-11-29T00:00:00Z", "fieldsType": "FieldsV1",
                        "fieldsV1": {"f:metadata": {"f:labels": {"f:" + k: {} for k in sorted(keys)}}}})
    meta = {"name": name, "uid": "uid-" + name, "resourceVersion": str(n["rv"]),
            "labels": dict(n["labels"]), "managedFields": managed}
    if n["annotations"]:
        meta["annotations"] = dict(n["annotations"])
    conds = [dict(c) for _, c in sorted(n.get("conditions", {}).items())]
    return {"kind": "Node", "apiVersion": "v1", "metadata": meta,
            "spec": {}, "status": {"nodeInfo": {"kubeletVersion": "v1.31.0"}, "conditions": conds}}


def apply(name, n, manager, labels, force):
    """Server-side apply of a label map by manager; returns (code, body) on conflict."""
    conflicts = []
    for k, v in labels.items():
        for (mgr, op), keys in n["managed"].items():
            if mgr != manager and k in keys and n["labels"].get(k) != v:
                conflicts.append((mgr, k))
    if conflicts and not force:
        # kube-apiserver 1.36's wording (tests/kube/test_real_api.py saw it): one cause per
        # field, 'conflict with "M" using v1'; the message names one conflict inline and
        # lists several on lines of their own.
        mgr, k = conflicts[0]
        if len(conflicts) == 1:
            msg = f'Apply failed with 1 conflict: conflict with "{mgr}" using v1: .metadata.labels.{k}'
        else:
            msg = (f'Apply failed with {len(conflicts)} conflicts: conflicts with "{mgr}" using v1:\n'
                   + "\n".join(f"- .metadata.labels.{k2}" for _, k2 in conflicts))
        return status(409, "Conflict", msg,
                      {"causes": [{"reason": "FieldManagerConflict",
                                   "message": f'conflict with "{m2}" using v1',
                                   "field": f".metadata.labels.{k2}"} for m2, k2 in conflicts]})
    for mgr, k in conflicts:  # force: take ownership
        for (m2, op), keys in n["managed"].items():
            if m2 == mgr:
                keys.discard(k)
    old = n["managed"].get((manager, "Apply"), set())
    for k, v in labels.items():
        n["labels"][k] = v
    n["managed"][(manager, "Apply")] = set(labels)
    for k in old - set(labels):
        others = any(k in keys for key, keys in n["managed"].items() if key != (manager, "Apply"))
        if not others:
            n["labels"].pop(k, None)
    return None


def update(n, manager, patch_labels):
    """Merge patch (operation Update): null deletes; a changed value moves ownership to the
    updater (an Update never conflicts, it takes the field)."""
    keys = n["managed"].setdefault((manager, "Update"), set())
    for k, v in patch_labels.items():
        if v is None:
            n["labels"].pop(k, None)
            for s in n["managed"].values():
                s.discard(k)
        else:
            if n["labels"].get(k) != v:
                for key, s in n["managed"].items():
                    if key != (manager, "Update"):
                        s.discard(k)
            n["labels"][k] = v
            keys.add(k)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def setup(self):
        # The handshake happens here, not in accept(), so a scripted reset can come first.
        with LOCK:
            reset = RESETS[0] > 0
            if reset:
                RESETS[0] -= 1
        if reset:
            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.request.close()
            raise ConnectionResetError("scripted reset during the TLS handshake")
        self.request.do_handshake()
        super().setup()

    def reply(self, code, body, headers=None, raw=None, content_type="application/json",
              truncate=False, delay=0):
        if delay:
            time.sleep(delay)
        data = raw if raw is not None else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if truncate:
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def handle_any(self, method):
        url = urlsplit(self.path)
        q = parse_qs(url.query)
        body = self.body()
        if url.path.startswith("/_test/"):
            return self.control(method, url.path, body)
        with LOCK:
            LOG.append({"method": method, "path": url.path, "query": url.query,
                        "content_type": self.headers.get("Content-Type", ""),
                        "auth": self.headers.get("Authorization", ""),
                        "user_agent": self.headers.get("User-Agent", ""),
                        "body": body.decode(errors="replace")})
            canned = None
            for i, s in enumerate(SCRIPT):
                if s.get("method") in (None, method):
                    canned = SCRIPT.pop(i)
                    break
        if canned:
            if canned.get("pass"):
                if canned.get("delay"):
                    time.sleep(canned["delay"])
            else:
                code = canned.get("status", 200)
                if "raw" in canned:
                    return self.reply(code, None, canned.get("headers"), raw=canned["raw"].encode(),
                                      content_type=canned.get("content_type", "application/json"),
                                      truncate=canned.get("truncate", False), delay=canned.get("delay", 0))
                if canned.get("size"):
                    big = json.dumps({"kind": "Node", "pad": "x" * canned["size"]}).encode()
                    return self.reply(code, None, canned.get("headers"), raw=big)
                c, b = status(code, canned.get("reason", "Scripted"), canned.get("message", f"scripted {code}"))
                return self.reply(code, b, canned.get("headers"), truncate=canned.get("truncate", False),
                                  delay=canned.get("delay", 0))
        auth = self.headers.get("Authorization", "")
        tokens = set(open(ARGS.tokens).read().split())
        if not auth.startswith("Bearer ") or auth[7:] not in tokens:
            return self.reply(*status(401, "Unauthorized", "Unauthorized"))
        return self.api(method, url.path, q, body)

    def api(self, method, path, q, body):
        if method == "GET" and path == "/version":
            return self.reply(200, {"major": "1", "minor": "31", "gitVersion": "v1.31.0"})
        if method == "GET" and path == "/api":
            return self.reply(200, {"kind": "APIVersions", "versions": ["v1"],
                                    "serverAddressByClientCIDRs": []})
        if method == "GET" and path == "/apis":
            return self.reply(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": []})
        if method == "GET" and path == "/api/v1":
            return self.reply(200, {"kind": "APIResourceList", "groupVersion": "v1", "resources": [
                {"name": "nodes", "singularName": "node", "namespaced": False, "kind": "Node",
                 "verbs": ["get", "list", "patch"], "shortNames": ["no"]}]})
        if path == "/api/v1/pods" and method == "GET":
            # only the fieldSelector the agent sends (spec.nodeName=NODE) is understood
            sel = (q.get("fieldSelector") or [""])[0]
            if sel and not sel.startswith("spec.nodeName="):
                return self.reply(*status(400, "BadRequest", f'"{sel}" is not a known field selector'))
            node = sel[len("spec.nodeName="):] if sel else None
            with LOCK:
                items = [p for p in PODS if node is None or (p.get("spec") or {}).get("nodeName") == node]
            return self.reply(200, {"kind": "PodList", "apiVersion": "v1",
                                    "metadata": {"resourceVersion": "1"}, "items": items})
        ev = re.fullmatch(r"/api/v1/namespaces/([^/]+)/events", path)
        if ev and method == "POST":
            try:
                e = json.loads(body or b"{}")
            except ValueError:
                return self.reply(*status(400, "BadRequest", "not JSON"))
            if e.get("kind") != "Event" or not e.get("involvedObject") or not e.get("reason"):
                return self.reply(*status(422, "Invalid", "Event is invalid: involvedObject, reason required"))
            with LOCK:
                e.setdefault("metadata", {})["name"] = "ev-%d" % len(EVENTS)
                e["metadata"]["namespace"] = ev.group(1)
                EVENTS.append(e)
            return self.reply(201, e)
        st = re.fullmatch(r"/api/v1/nodes/([^/]+)/status", path)
        if st and method == "PATCH":
            name = unquote(st.group(1))
            ct = self.headers.get("Content-Type", "").split(";")[0].strip()
            if ct != "application/apply-patch+yaml" or not (q.get("fieldManager") or [""])[0]:
                return self.reply(*status(415, "UnsupportedMediaType", "status: server-side apply only here"))
            with LOCK:
                n = NODES.get(name)
                if n is None:
                    return self.reply(*status(404, "NotFound", f'nodes "{name}" not found'))
                try:
                    patch = json.loads(body or b"{}")
                except ValueError:
                    return self.reply(*status(400, "BadRequest", "the patch is not valid JSON"))
                if (patch.get("metadata") or {}).get("labels"):
                    return self.reply(*status(422, "Invalid", "the status subresource does not change labels"))
                # conditions are a map keyed by type (+listType=map, +listMapKey=type); an
                # apply owns the types it sends, and a type no manager owns any more goes.
                mgr = (q.get("fieldManager") or [""])[0]
                sent = (patch.get("status") or {}).get("conditions") or []
                for c in sent:
                    if not c.get("type") or c.get("status") not in ("True", "False", "Unknown"):
                        return self.reply(*status(422, "Invalid", "condition needs type and status"))
                owners = n.setdefault("cond_owners", {})
                for t in [t for t, ms in owners.items() if mgr in ms and t not in {c["type"] for c in sent}]:
                    owners[t].discard(mgr)
                    if not owners[t]:
                        del owners[t]
                        n.get("conditions", {}).pop(t, None)
                for c in sent:
                    n.setdefault("conditions", {})[c["type"]] = c
                    owners.setdefault(c["type"], set()).add(mgr)
                n["rv"] += 1
                return self.reply(200, node_json(name, n))
        m = re.fullmatch(r"/api/v1/nodes(?:/([^/]+))?", path)
        if not m:
            return self.reply(*status(404, "NotFound", "the server could not find the requested resource"))
        name = unquote(m.group(1)) if m.group(1) else None
        with LOCK:
            if name is None:
                if method != "GET":
                    return self.reply(*status(405, "MethodNotAllowed", "method not allowed"))
                items = [node_json(k, v) for k, v in sorted(NODES.items())]
                return self.reply(200, {"kind": "NodeList", "apiVersion": "v1",
                                        "metadata": {"resourceVersion": "1"}, "items": items})
            n = NODES.get(name)
            if n is None:
                return self.reply(*status(404, "NotFound", f'nodes "{name}" not found',
                                          {"name": name, "kind": "nodes"}))
            if method == "GET":
                return self.reply(200, node_json(name, n))
            if method != "PATCH":
                return self.reply(*status(405, "MethodNotAllowed", "method not allowed"))
            ct = self.headers.get("Content-Type", "").split(";")[0].strip()
            try:
                patch = json.loads(body or b"{}")
            except ValueError:
                return self.reply(*status(400, "BadRequest", "the patch is not valid JSON"))
            labels = (patch.get("metadata") or {}).get("labels") or {}
            bad = [k for k, v in labels.items() if not valid_key(k) or (v is not None and not valid_value(v))]
            if bad:
                return self.reply(*status(422, "Invalid", f'Node "{name}" is invalid: metadata.labels: Invalid value: "{bad[0]}"',
                                          {"name": name, "kind": "Node",
                                           "causes": [{"reason": "FieldValueInvalid", "field": "metadata.labels"}]}))
            target = copy.deepcopy(n) if q.get("dryRun") == ["All"] else n
            if ct == "application/apply-patch+yaml":
                mgr = (q.get("fieldManager") or [""])[0]
                if not mgr:
                    return self.reply(*status(400, "BadRequest", "fieldManager is required for apply patch"))
                if (patch.get("metadata") or {}).get("name") != name:
                    return self.reply(*status(400, "BadRequest", "the name in the body does not match the URL"))
                err = apply(name, target, mgr, labels, q.get("force") == ["true"])
                if err:
                    return self.reply(*err)
            elif ct in ("application/merge-patch+json", "application/strategic-merge-patch+json"):
                mgr = (q.get("fieldManager") or [self.headers.get("User-Agent", "unknown").split("/")[0]])[0]
                update(target, mgr, labels)
            else:
                return self.reply(*status(415, "UnsupportedMediaType", f"the body of the request was in an unknown format: {ct}"))
            if target is n:
                n["rv"] += 1
            return self.reply(200, node_json(name, target))

    def control(self, method, path, body):
        global SCRIPT
        data = json.loads(body or b"null")
        with LOCK:
            if path == "/_test/resets":
                RESETS[0] = int(data)
                return self.reply(200, {"resets": RESETS[0]})
            if path == "/_test/script":
                SCRIPT.extend(data)
                return self.reply(200, {"queued": len(SCRIPT)})
            if path == "/_test/log":
                return self.reply(200, LOG)
            if path == "/_test/pod":
                PODS.append(data)
                return self.reply(200, data)
            if path == "/_test/events":
                return self.reply(200, EVENTS)
            if path == "/_test/node":
                NODES[data["name"]] = {"labels": data.get("labels", {}),
                                       "annotations": data.get("annotations", {}),
                                       "managed": {(m["manager"], m["operation"]): set(m["keys"])
                                                   for m in data.get("managed", [])},
                                       "rv": 1}
                return self.reply(200, node_json(data["name"], NODES[data["name"]]))
            if path == "/_test/get":
                n = NODES.get(data["name"])
                return self.reply(200 if n else 404, node_json(data["name"], n) if n else {})
            if path == "/_test/reset":
                NODES.clear()
                PODS.clear()
                SCRIPT = []
                LOG.clear()
                return self.reply(200, {})
        return self.reply(404, {})

    def do_GET(self):
        self.handle_any("GET")

    def do_PATCH(self):
        self.handle_any("PATCH")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # resets and refused handshakes are what the tests ask for


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--tokens", required=True)
    p.add_argument("--port", type=int, default=0)
    ARGS = p.parse_args()
    srv = Server(("127.0.0.1", ARGS.port), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(ARGS.cert, ARGS.key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=False)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    print(f"PORT {srv.server_address[1]}", flush=True)
    try:
        sys.stdin.read()  # the test closes our stdin (or dies): stop
    except KeyboardInterrupt:
        pass
    srv.shutdown()


if __name__ == "__main__":
    main()
