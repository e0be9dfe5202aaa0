// SPDX-License-Identifier: MIT
// Offline validation of manifests/: every kustomization rendered by kustomize v5 and kubectl, every
// object checked against the Kubernetes OpenAPI schemas (kubernetes-models), RBAC and Pod
// Security asserted, the ValidatingAdmissionPolicy evaluated with a CEL evaluator
// (@bufbuild/cel) on admission requests built as the API server builds them, and one image
// tag everywhere; the Grafana dashboard's queries parsed with Prometheus' PromQL grammar and
// checked against the metrics the agent exports. Each check first proves it can fail.
//
//   node validate.mjs --modules DIR --manifests DIR --version X.Y.Z [--kubectl PATH] [--kustomize PATH] [--readme F] [--source DIR]
//
// Prints one line per check ("ok ..." / "not ok ..."); exit 0 when all pass, 1 otherwise,
// 2 on a usage or set-up error.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { tmpdir } from "node:os";

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
if (!args.modules || !args.manifests || !args.version) {
  console.error("usage: validate.mjs --modules DIR --manifests DIR --version X.Y.Z [--kubectl PATH] [--kustomize PATH] [--readme FILE]");
  process.exit(2);
}
const require = createRequire(join(args.modules, "node_modules", "index.js"));
const YAML = require("yaml");
const cel = require("@bufbuild/cel");
const kubectl = args.kubectl || "kubectl";
const kustomize = args.kustomize || "kustomize";

let failures = 0;
function check(name, ok, detail) {
  console.log(`${ok ? "ok" : "not ok"} - ${name}${ok || !detail ? "" : `: ${detail}`}`);
  if (!ok) failures++;
}

// ---- Rendering ---------------------------------------------------------------------------
// Each kustomization is rendered by kustomize v5 and by kubectl's embedded kustomize (the two
// tools users run), both pinned (scripts/build-tools.sh). They must agree byte for byte and
// neither may print anything on stderr (a deprecated field is a warning there).
const targets = ["", "base", "overlays/privileged", "overlays/nfd", "overlays/talos", "overlays/usage"];
const rendered = {};
function render(tool, argv, t) {
  const r = spawnSync(tool, argv, { encoding: "utf8" });
  const what = `${[tool.split("/").pop(), ...argv.slice(0, -1)].join(" ")} manifests/${t}`;
  if (r.error || r.status !== 0) {
    check(what, false, String(r.stderr || r.error).split("\n")[0]);
    return null;
  }
  check(`${what}: no warnings`, r.stderr.trim() === "", r.stderr.trim().split("\n")[0]);
  return r.stdout;
}
for (const t of targets) {
  const dir = join(args.manifests, t);
  const byKubectl = render(kubectl, ["kustomize", dir], t);
  const byKustomize = render(kustomize, ["build", dir], t);
  if (byKubectl === null || byKustomize === null) continue;
  check(`manifests/${t}: kustomize and kubectl kustomize render the same`, byKubectl === byKustomize);
  const docs = YAML.parseAllDocuments(byKustomize).map((d) => d.toJSON()).filter((d) => d !== null);
  check(`manifests/${t} renders ${docs.length} objects`, docs.length > 0);
  rendered[t || "."] = docs;
}
// The no-warnings check can fail: the old dialect (`bases`) makes both tools warn.
{
  const d = mkdtempSync(join(tmpdir(), "np-kustomize-"));
  writeFileSync(join(d, "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n");
  writeFileSync(join(d, "kustomization.yaml"), "bases: [cm.yaml]\n");
  for (const [tool, argv] of [[kubectl, ["kustomize", d]], [kustomize, ["build", d]]]) {
    const r = spawnSync(tool, argv, { encoding: "utf8" });
    check(`${tool.split("/").pop()} warns about a deprecated field (the check can fail)`, /deprecated/i.test(r.stderr || ""), r.stderr);
  }
  rmSync(d, { recursive: true, force: true });
}
// The kubectl-1.20 dialect is gone for good: no kustomization may use it again.
for (const t of targets) {
  const k = YAML.parse(readFileSync(join(args.manifests, t, "kustomization.yaml"), "utf8"));
  const old = ["bases", "patchesStrategicMerge", "patchesJson6902", "vars", "commonLabels"].filter((f) => f in k);
  check(`manifests/${t}/kustomization.yaml uses no deprecated field`, old.length === 0, old.join(", "));
}
const examples = {};
for (const f of readdirSync(join(args.manifests, "examples")).filter((f) => f.endsWith(".yaml")).sort()) {
  examples[f] = YAML.parseAllDocuments(readFileSync(join(args.manifests, "examples", f), "utf8"))
    .map((d) => d.toJSON())
    .filter((d) => d !== null);
}

// ---- OpenAPI schemas -----------------------------------------------------------------------
// kubernetes-models has one module per group/version/kind, generated from the Kubernetes
// OpenAPI document; validate() runs the schema (types, required fields, enums, formats).
function modelFor(obj) {
  if (!obj || typeof obj.apiVersion !== "string" || typeof obj.kind !== "string") return null;
  const [group, version] = obj.apiVersion.includes("/") ? obj.apiVersion.split("/") : ["", obj.apiVersion];
  if (!/^[A-Za-z0-9]+$/.test(obj.kind)) return null;
  try {
    const mod = require(`kubernetes-models/${group ? `${group}/` : ""}${version}/${obj.kind}`);
    return mod[obj.kind] || null;
  } catch {
    return null;
  }
}
function schemaErrors(obj) {
  const Model = modelFor(obj);
  if (!Model) return `unknown kind ${obj && obj.apiVersion}/${obj && obj.kind}`;
  try {
    new Model(obj).validate();
    return null;
  } catch (e) {
    return String(e.message).split("\n")[0];
  }
}
const goodDs = {
  apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "x" },
  spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } } },
};
check("schema: a well-formed DaemonSet passes", schemaErrors(goodDs) === null, schemaErrors(goodDs));
{
  const wrongType = structuredClone(goodDs);
  wrongType.spec.template.spec.containers[0].ports = [{ containerPort: "8080" }];
  const missing = structuredClone(goodDs);
  delete missing.spec.selector;
  const unknownKind = { ...structuredClone(goodDs), kind: "DaemonSett" };
  const badPolicy = { apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicy", metadata: { name: "p" }, spec: { validations: [{ message: "no expression" }] } };
  check("schema: a wrong type is refused", schemaErrors(wrongType) !== null);
  check("schema: a missing required field is refused", schemaErrors(missing) !== null);
  check("schema: an unknown kind is refused", schemaErrors(unknownKind) !== null);
  check("schema: a ValidatingAdmissionPolicy without an expression is refused", schemaErrors(badPolicy) !== null);
}
for (const [where, docs] of [...Object.entries(rendered), ...Object.entries(examples).map(([f, d]) => [`examples/${f}`, d])]) {
  for (const o of docs) {
    const err = schemaErrors(o);
    check(`schema: ${where}: ${o && o.kind}/${o && o.metadata && o.metadata.name}`, err === null, err);
  }
}

// ---- RBAC ----------------------------------------------------------------------------------
const sa = { kind: "ServiceAccount", name: "nodeprobe", namespace: "nodeprobe" };
function rbacOf(docs) {
  return docs.filter((o) => /^(Cluster)?Role(Binding)?$/.test(o.kind));
}
function rulesText(role) {
  return JSON.stringify((role.rules || []).map((r) => ({ g: r.apiGroups, r: r.resources, v: [...r.verbs].sort(), n: r.resourceNames })));
}
for (const t of [".", "base", "overlays/talos", "overlays/privileged", "overlays/usage"]) {
  const docs = rendered[t];
  if (!docs) continue;
  const rbac = rbacOf(docs);
  // --usage (overlays/usage only): pods list (this node's, by field selector) and events
  // create (GPUAllocatedButIdle in the pods' namespaces), nothing else.
  const usage = rbac.filter((o) => o.kind === "ClusterRole" && o.metadata.name === "nodeprobe-usage");
  check(`rbac ${t}: the usage ClusterRole only where --usage runs`, usage.length === (t === "overlays/usage" ? 1 : 0), usage.length);
  if (usage.length)
    check(`rbac ${t}: the usage ClusterRole is pods list and events create, nothing else`,
      rulesText(usage[0]) === JSON.stringify([{ g: [""], r: ["pods"], v: ["list"] }, { g: [""], r: ["events"], v: ["create"] }]), rulesText(usage[0]));
  const cr = rbac.filter((o) => o.kind === "ClusterRole" && o.metadata.name !== "nodeprobe-usage");
  const roles = rbac.filter((o) => o.kind === "Role");
  check(`rbac ${t}: one ClusterRole, one Role`, cr.length === 1 && roles.length === 1, rbac.map((o) => o.kind).join(","));
  check(`rbac ${t}: ClusterRole is nodes get,patch and nodes/status patch, nothing else`,
    cr[0] && rulesText(cr[0]) === JSON.stringify([{ g: [""], r: ["nodes"], v: ["get", "patch"] }, { g: [""], r: ["nodes/status"], v: ["patch"] }]),
    cr[0] && rulesText(cr[0]));
  check(`rbac ${t}: Role in default is events create,patch, nothing else`,
    roles[0] && roles[0].metadata.namespace === "default" && rulesText(roles[0]) === JSON.stringify([{ g: [""], r: ["events"], v: ["create", "patch"] }]),
    roles[0] && rulesText(roles[0]));
  for (const b of rbac.filter((o) => o.kind.endsWith("Binding"))) {
    const subj = JSON.stringify(b.subjects);
    check(`rbac ${t}: ${b.kind} ${b.metadata.name} binds only the nodeprobe service account`, subj === JSON.stringify([sa]), subj);
    const target = rbac.find((o) => o.kind === b.roleRef.kind && o.metadata.name === b.roleRef.name);
    check(`rbac ${t}: ${b.kind} ${b.metadata.name} refers to a role that is shipped`, !!target, `${b.roleRef.kind}/${b.roleRef.name}`);
  }
}
{
  const nfd = rendered["overlays/nfd"] || [];
  check("rbac overlays/nfd: no service account, role, binding or policy at all",
    nfd.length > 0 && nfd.every((o) => ["Namespace", "DaemonSet"].includes(o.kind)), nfd.map((o) => o.kind).join(","));
  for (const ds of nfd.filter((o) => o.kind === "DaemonSet")) {
    const spec = ds.spec.template.spec;
    check(`nfd: ${ds.metadata.name} mounts no token and talks to no API`,
      spec.automountServiceAccountToken === false && spec.containers.every((c) => c.args.includes("--no-api") && c.args.includes("--features-file")));
    const v = (spec.volumes || []).find((x) => x.hostPath);
    check(`nfd: ${ds.metadata.name} writes features.d through a DirectoryOrCreate hostPath`,
      v && v.hostPath.path === "/etc/kubernetes/node-feature-discovery/features.d" && v.hostPath.type === "DirectoryOrCreate");
  }
}

// ---- Pod Security Standards -------------------------------------------------------------
// The field rules of https://kubernetes.io/docs/concepts/security/pod-security-standards/
// (v1.30), as a table: each returns the violations of one control for a pod spec.
const allContainers = (s) => [...(s.initContainers || []), ...(s.containers || []), ...(s.ephemeralContainers || [])];
const baselineCaps = ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"];
const safeSysctls = ["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"];
const restrictedVolumes = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];
const PSS = [
  { level: "baseline", control: "HostProcess", test: (s) => [s.securityContext, ...allContainers(s).map((c) => c.securityContext)].some((x) => x && x.windowsOptions && x.windowsOptions.hostProcess) ? ["hostProcess"] : [] },
  { level: "baseline", control: "Host Namespaces", test: (s) => ["hostNetwork", "hostPID", "hostIPC"].filter((f) => s[f]) },
  { level: "baseline", control: "Privileged Containers", test: (s) => allContainers(s).filter((c) => c.securityContext && c.securityContext.privileged).map((c) => `${c.name} privileged`) },
  { level: "baseline", control: "Capabilities", test: (s) => allContainers(s).flatMap((c) => ((c.securityContext && c.securityContext.capabilities && c.securityContext.capabilities.add) || []).filter((x) => !baselineCaps.includes(x)).map((x) => `${c.name} adds ${x}`)) },
  { level: "baseline", control: "HostPath Volumes", test: (s) => (s.volumes || []).filter((v) => v.hostPath).map((v) => `hostPath ${v.name}`) },
  { level: "baseline", control: "Host Ports", test: (s) => allContainers(s).flatMap((c) => (c.ports || []).filter((p) => p.hostPort)).map((p) => `hostPort ${p.hostPort}`) },
  { level: "baseline", control: "AppArmor", test: (s) => [s.securityContext, ...allContainers(s).map((c) => c.securityContext)].filter((x) => x && x.appArmorProfile && !["RuntimeDefault", "Localhost"].includes(x.appArmorProfile.type)).map(() => "appArmorProfile") },
  { level: "baseline", control: "SELinux", test: (s) => [s.securityContext, ...allContainers(s).map((c) => c.securityContext)].filter((x) => x && x.seLinuxOptions && ((x.seLinuxOptions.type && !["container_t", "container_init_t", "container_kvm_t", "container_engine_t"].includes(x.seLinuxOptions.type)) || x.seLinuxOptions.user || x.seLinuxOptions.role)).map(() => "seLinuxOptions") },
  { level: "baseline", control: "/proc Mount Type", test: (s) => allContainers(s).filter((c) => c.securityContext && c.securityContext.procMount && c.securityContext.procMount !== "Default").map((c) => `${c.name} procMount`) },
  { level: "baseline", control: "Seccomp", test: (s) => [s.securityContext, ...allContainers(s).map((c) => c.securityContext)].filter((x) => x && x.seccompProfile && x.seccompProfile.type === "Unconfined").map(() => "seccomp Unconfined") },
  { level: "baseline", control: "Sysctls", test: (s) => ((s.securityContext && s.securityContext.sysctls) || []).filter((x) => !safeSysctls.includes(x.name)).map((x) => `sysctl ${x.name}`) },
  { level: "restricted", control: "Volume Types", test: (s) => (s.volumes || []).filter((v) => !Object.keys(v).some((k) => restrictedVolumes.includes(k))).map((v) => `volume ${v.name}`) },
  { level: "restricted", control: "Privilege Escalation", test: (s) => allContainers(s).filter((c) => !(c.securityContext && c.securityContext.allowPrivilegeEscalation === false)).map((c) => `${c.name} may escalate`) },
  { level: "restricted", control: "Running as Non-root", test: (s) => allContainers(s).filter((c) => { const v = c.securityContext && c.securityContext.runAsNonRoot !== undefined ? c.securityContext.runAsNonRoot : s.securityContext && s.securityContext.runAsNonRoot; return v !== true; }).map((c) => `${c.name} runAsNonRoot not true`) },
  { level: "restricted", control: "Running as Non-root user", test: (s) => [s.securityContext, ...allContainers(s).map((c) => c.securityContext)].filter((x) => x && x.runAsUser === 0).map(() => "runAsUser 0") },
  { level: "restricted", control: "Seccomp (restricted)", test: (s) => allContainers(s).filter((c) => { const p = (c.securityContext && c.securityContext.seccompProfile) || (s.securityContext && s.securityContext.seccompProfile); return !p || !["RuntimeDefault", "Localhost"].includes(p.type); }).map((c) => `${c.name} seccomp unset`) },
  { level: "restricted", control: "Capabilities (restricted)", test: (s) => allContainers(s).filter((c) => { const k = (c.securityContext && c.securityContext.capabilities) || {}; return !(k.drop || []).includes("ALL") || (k.add || []).some((x) => x !== "NET_BIND_SERVICE"); }).map((c) => `${c.name} does not drop ALL`) },
];
const levels = { privileged: 0, baseline: 1, restricted: 2 };
function pssViolations(spec, level) {
  return PSS.filter((r) => levels[r.level] <= levels[level]).flatMap((r) => r.test(spec).map((v) => `${r.control}: ${v}`));
}
{
  const s = structuredClone(goodDs.spec.template.spec);
  s.volumes = [{ name: "dri", hostPath: { path: "/dev/dri" } }];
  s.containers[0].securityContext = { privileged: true };
  check("pss: the table flags hostPath and privileged at baseline", pssViolations(s, "baseline").length === 2, pssViolations(s, "baseline").join("; "));
  check("pss: and allows them at privileged", pssViolations(s, "privileged").length === 0);
  check("pss: a bare pod is not restricted", pssViolations(goodDs.spec.template.spec, "restricted").length > 0);
}
function podsOf(docs) {
  return docs.filter((o) => ["DaemonSet", "Deployment", "StatefulSet", "Job"].includes(o.kind)).map((o) => ({ o, spec: o.spec.template.spec }));
}
function nsLevel(docs, ns) {
  const n = docs.find((o) => o.kind === "Namespace" && o.metadata.name === ns);
  return n && n.metadata.labels && n.metadata.labels["pod-security.kubernetes.io/enforce"];
}
for (const [where, docs] of [...Object.entries(rendered), ...Object.entries(examples).map(([f, d]) => [`examples/${f}`, d])]) {
  for (const { o, spec } of podsOf(docs)) {
    const level = nsLevel(docs, o.metadata.namespace);
    check(`pss ${where}: namespace ${o.metadata.namespace} declares an enforce level`, !!level);
    if (!level) continue;
    const v = pssViolations(spec, level);
    check(`pss ${where}: ${o.kind} ${o.metadata.name} meets "${level}"`, v.length === 0, v.join("; "));
  }
}
{
  const base = rendered.base || [];
  const ds = (n) => base.find((o) => o.kind === "DaemonSet" && o.metadata.name === n);
  const d = ds("nodeprobe-discover"), v = ds("nodeprobe-verify");
  check("pss base: the discover tier meets restricted", d && pssViolations(d.spec.template.spec, "restricted").length === 0, d && pssViolations(d.spec.template.spec, "restricted").join("; "));
  check("pss base: the verify tier is baseline, and not restricted only because of uid 0",
    v && pssViolations(v.spec.template.spec, "baseline").length === 0 &&
    pssViolations(v.spec.template.spec, "restricted").every((x) => /Non-root/.test(x)), v && pssViolations(v.spec.template.spec, "restricted").join("; "));
  check("base: discover has no volumes beyond the token, no /dev", d && !(d.spec.template.spec.volumes || []).length);
  check("base: no tier reads other processes (no hostPID, no --usage)",
    [d, v].every((x) => x && !x.spec.template.spec.hostPID && !x.spec.template.spec.containers[0].args.includes("--usage")));
  check("base: verify gets /dev/dri from the device plugin's monitoring resource",
    v && v.spec.template.spec.containers[0].resources.limits["gpu.intel.com/monitoring"] == 1 &&
    v.spec.template.spec.nodeSelector["intel.feature.node.kubernetes.io/gpu"] === "true");
  for (const x of [d, v].filter(Boolean)) {
    const c = x.spec.template.spec.containers[0];
    check(`base: ${x.metadata.name} has NODE_NAME from the downward API, /healthz liveness, a metrics port, requests and limits`,
      c.env.some((e) => e.name === "NODE_NAME" && e.valueFrom.fieldRef.fieldPath === "spec.nodeName") &&
      c.livenessProbe.httpGet.path === "/healthz" && c.ports.some((p) => p.name === "metrics") &&
      c.resources.requests.memory && c.resources.limits.memory && c.securityContext.readOnlyRootFilesystem === true);
  }
}

{
  const u = rendered["overlays/usage"] || [];
  const v = u.find((o) => o.kind === "DaemonSet" && o.metadata.name === "nodeprobe-verify");
  const d = u.find((o) => o.kind === "DaemonSet" && o.metadata.name === "nodeprobe-discover");
  const c = v && v.spec.template.spec.containers[0];
  check("usage: verify runs --usage with the host's PIDs and cgroups (read-only), SYS_PTRACE and PERFMON, nothing more",
    c && v.spec.template.spec.hostPID === true && c.args.includes("--usage") &&
    JSON.stringify(c.securityContext.capabilities) === JSON.stringify({ add: ["SYS_PTRACE", "PERFMON"], drop: ["ALL"] }) &&
    c.securityContext.allowPrivilegeEscalation === false && !c.securityContext.privileged &&
    (c.volumeMounts || []).every((m) => m.readOnly === true) &&
    (v.spec.template.spec.volumes || []).map((x) => x.hostPath && x.hostPath.path).join() === "/sys/fs/cgroup",
    c && JSON.stringify({ caps: c.securityContext.capabilities, mounts: c.volumeMounts }));
  check("usage: discover is untouched (restricted)", d && pssViolations(d.spec.template.spec, "restricted").length === 0);
}

// ---- The admission policy, evaluated ----------------------------------------------------
// Admission as the API server does it for a ValidatingAdmissionPolicy: match the resource
// rules (resource/subresource, operation), then the matchConditions, then the variables in
// order, then every validation; an expression that errors counts as failurePolicy says.
const toCel = (v) => Array.isArray(v) ? v.map(toCel)
  : v && typeof v === "object" ? new Map(Object.entries(v).map(([k, x]) => [k, toCel(x)]))
  : typeof v === "number" && Number.isInteger(v) ? BigInt(v) : v;
function evalExpr(expr, act) {
  try {
    const r = cel.run(expr, act);
    return cel.isCelError(r) ? { error: String(r.message) } : { value: r };
  } catch (e) {
    return { error: String(e.message).split("\n")[0] };
  }
}
function admit(policy, req) {
  const spec = policy.spec;
  const res = req.subResource ? `${req.resource}/${req.subResource}` : req.resource;
  const matched = spec.matchConstraints.resourceRules.some((r) =>
    r.apiGroups.some((g) => g === "" || g === "*") && r.operations.some((o) => o === req.operation || o === "*") &&
    r.resources.some((x) => x === res || x === "*" || x === `${req.resource}/*`));
  if (!matched) return { allowed: true, matched: false };
  const fail = spec.failurePolicy !== "Ignore";
  const request = toCel({ operation: req.operation, subResource: req.subResource || "", resource: { group: "", version: "v1", resource: req.resource }, name: (req.object || req.oldObject).metadata.name, namespace: req.namespace || "", userInfo: req.userInfo });
  const act = { object: req.object ? toCel(req.object) : null, oldObject: req.oldObject ? toCel(req.oldObject) : null, request, params: null };
  for (const m of spec.matchConditions || []) {
    const r = evalExpr(m.expression, { ...act, variables: new Map() });
    if (r.error) return { allowed: !fail, matched: true, message: `matchCondition ${m.name}: ${r.error}` };
    if (r.value !== true) return { allowed: true, matched: false };
  }
  const vars = new Map();
  for (const v of spec.variables || []) {
    const r = evalExpr(v.expression, { ...act, variables: vars });
    if (!r.error) vars.set(v.name, r.value); // an errored variable errors where it is used
  }
  for (const v of spec.validations) {
    const r = evalExpr(v.expression, { ...act, variables: vars });
    if (r.error) { if (fail) return { allowed: false, matched: true, message: `error: ${r.error}` }; continue; }
    if (r.value !== true) {
      let msg = v.message;
      if (v.messageExpression) { const m = evalExpr(v.messageExpression, { ...act, variables: vars }); if (typeof m.value === "string") msg = m.value; }
      return { allowed: false, matched: true, message: msg || v.expression };
    }
  }
  return { allowed: true, matched: true };
}
const policy = (rendered.base || []).find((o) => o.kind === "ValidatingAdmissionPolicy");
const binding = (rendered.base || []).find((o) => o.kind === "ValidatingAdmissionPolicyBinding");
check("policy: shipped with a Deny binding", policy && binding && binding.spec.policyName === policy.metadata.name && binding.spec.validationActions.includes("Deny"));
if (policy) {
  for (const e of [...(policy.spec.matchConditions || []), ...(policy.spec.variables || []), ...policy.spec.validations]) {
    let err = null;
    try { cel.parse(e.expression); } catch (x) { err = String(x.message).split("\n")[0]; }
    check(`policy: parses: ${e.name || e.message || e.messageExpression}`, err === null, err);
  }
  const me = { username: "system:serviceaccount:nodeprobe:nodeprobe", uid: "u1", groups: ["system:serviceaccounts", "system:serviceaccounts:nodeprobe", "system:authenticated"],
    // What a pod-bound projected token carries (ServiceAccountTokenPodNodeInfo, 1.30+).
    extra: { "authentication.kubernetes.io/pod-name": ["nodeprobe-verify-x7k2p"], "authentication.kubernetes.io/pod-uid": ["0c9a"], "authentication.kubernetes.io/node-name": ["vm1"], "authentication.kubernetes.io/node-uid": ["5e1f"], "authentication.kubernetes.io/credential-id": ["JTI=abc"] } };
  const unbound = { ...me, extra: {} };
  const node = (name) => ({
    apiVersion: "v1", kind: "Node",
    metadata: { name, uid: "5e1f", labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", team: "media", "nodeprobe.io/status": "ok", "nodeprobe.io/decode.h264": "true", "intel.feature.node.kubernetes.io/gpu": "true" }, annotations: { "node.alpha.kubernetes.io/ttl": "0" } },
    spec: { podCIDR: "10.42.0.0/24", providerID: "k3s://" + name },
    status: {
      capacity: { cpu: "4", memory: "8Gi", "gpu.intel.com/i915": "1" }, allocatable: { cpu: "4", memory: "8Gi", "gpu.intel.com/i915": "1" },
      addresses: [{ type: "InternalIP", address: "10.0.0.11" }], daemonEndpoints: { kubeletEndpoint: { Port: 10250 } }, nodeInfo: { kubeletVersion: "v1.31.4+k3s1" },
      conditions: [{ type: "Ready", status: "True", reason: "KubeletReady" }, { type: "IntelGPUReady", status: "True", reason: "GPUReady", message: "ok" }],
    },
  });
  const edit = (name, f) => { const o = node(name); f(o); return o; };
  const upd = (name, f, sub = "", who = me) => ({ operation: "UPDATE", resource: "nodes", subResource: sub, userInfo: who, oldObject: node(name), object: edit(name, f) });
  const cases = [
    ["own node: change an own label", true, upd("vm1", (o) => { o.metadata.labels["nodeprobe.io/status"] = "degraded"; })],
    ["own node: add an own label", true, upd("vm1", (o) => { o.metadata.labels["nodeprobe.io/encode.hevc"] = "true"; })],
    ["own node: remove an own label", true, upd("vm1", (o) => { delete o.metadata.labels["nodeprobe.io/decode.h264"]; })],
    ["own node: remove the device plugin's node label", true, upd("vm1", (o) => { delete o.metadata.labels["intel.feature.node.kubernetes.io/gpu"]; })],
    ["own node: nothing changed (an apply that matches)", true, upd("vm1", () => {})],
    ["another node's labels", false, upd("vm2", (o) => { o.metadata.labels["nodeprobe.io/status"] = "degraded"; })],
    ["a foreign label added", false, upd("vm1", (o) => { o.metadata.labels["node-role.kubernetes.io/control-plane"] = "true"; })],
    ["a foreign label changed", false, upd("vm1", (o) => { o.metadata.labels.team = "ops"; })],
    ["a foreign label removed", false, upd("vm1", (o) => { delete o.metadata.labels["kubernetes.io/hostname"]; })],
    ["a label merely prefixed like ours (nodeprobe.io.evil/x)", false, upd("vm1", (o) => { o.metadata.labels["nodeprobe.io.evil/x"] = "1"; })],
    ["a label that only starts like the shared key (intel.feature.node.kubernetes.io/gpu-x)", false, upd("vm1", (o) => { o.metadata.labels["intel.feature.node.kubernetes.io/gpu-x"] = "1"; })],
    ["a taint added", false, upd("vm1", (o) => { o.spec.taints = [{ key: "x", effect: "NoSchedule" }]; })],
    ["the node cordoned", false, upd("vm1", (o) => { o.spec.unschedulable = true; })],
    ["an annotation changed", false, upd("vm1", (o) => { o.metadata.annotations["node.alpha.kubernetes.io/ttl"] = "30"; })],
    ["an annotation added", false, upd("vm1", (o) => { o.metadata.annotations["nfd.node.kubernetes.io/feature-labels"] = "x"; })],
    ["a token without a node binding", false, upd("vm1", (o) => { o.metadata.labels["nodeprobe.io/status"] = "degraded"; }, "", unbound)],
    ["creating a Node", false, { operation: "CREATE", resource: "nodes", subResource: "", userInfo: me, oldObject: null, object: node("vm1") }],
    ["deleting its own Node", false, { operation: "DELETE", resource: "nodes", subResource: "", userInfo: me, oldObject: node("vm1"), object: null }],
    ["status: its own IntelGPUReady condition on its own node", true, upd("vm1", (o) => { o.status.conditions[1] = { type: "IntelGPUReady", status: "False", reason: "VAFailed", message: "vaInitialize failed" }; }, "status")],
    ["status: its condition added for the first time", true, { ...upd("vm1", () => {}, "status"), oldObject: edit("vm1", (o) => { o.status.conditions.pop(); }) }],
    ["status: the Ready condition changed", false, upd("vm1", (o) => { o.status.conditions[0].status = "False"; }, "status")],
    ["status: another condition added", false, upd("vm1", (o) => { o.status.conditions.push({ type: "MemoryPressure", status: "True" }); }, "status")],
    ["status: another node's IntelGPUReady", false, upd("vm2", (o) => { o.status.conditions[1].status = "False"; }, "status")],
    ["status: fake GPU capacity", false, upd("vm1", (o) => { o.status.capacity["gpu.intel.com/i915"] = "100"; }, "status")],
    ["status: fake allocatable", false, upd("vm1", (o) => { o.status.allocatable["gpu.intel.com/i915"] = "100"; }, "status")],
    ["status: node addresses changed", false, upd("vm1", (o) => { o.status.addresses[0].address = "10.6.6.6"; }, "status")],
    ["status: a foreign label through the status subresource", false, upd("vm1", (o) => { o.metadata.labels.team = "ops"; }, "status")],
  ];
  for (const [name, want, req] of cases) {
    const r = admit(policy, req);
    check(`policy: ${name} is ${want ? "allowed" : "denied"}${r.message ? " [" + r.message + "]" : ""}`, r.matched && r.allowed === want, `${r.allowed ? "allowed" : "denied"}${r.message ? ` (${r.message})` : ""}${r.matched ? "" : " (policy did not match)"}`);
  }
  // The policy applies to nodeprobe's service account only: the kubelet is left alone.
  const kubelet = { username: "system:node:vm1", groups: ["system:nodes"], extra: {} };
  const k = admit(policy, upd("vm1", (o) => { o.metadata.labels.team = "ops"; }, "", kubelet));
  check("policy: another user's request is not matched", k.matched === false && k.allowed === true);
  const s = admit(policy, upd("vm1", (o) => { o.status.conditions[0].status = "False"; }, "status"));
  check("policy: the nodes/status subresource is matched", s.matched === true, JSON.stringify(s));

  // overlays/usage: Events anywhere by RBAC, narrowed by nodeprobe-events to what the agent
  // posts (the Event as lbl_event_post_about builds it).
  const evPolicy = (rendered["overlays/usage"] || []).find((o) => o.kind === "ValidatingAdmissionPolicy" && o.metadata.name === "nodeprobe-events");
  const evBinding = (rendered["overlays/usage"] || []).find((o) => o.kind === "ValidatingAdmissionPolicyBinding" && o.metadata.name === "nodeprobe-events");
  check("events policy: shipped with --usage, with a Deny binding", evPolicy && evBinding && evBinding.spec.validationActions.includes("Deny"));
  check("events policy: not in the base (its Events stay in default by RBAC)", !(rendered.base || []).some((o) => o.kind.startsWith("ValidatingAdmissionPolicy") && o.metadata.name === "nodeprobe-events"));
  if (evPolicy) {
    for (const e of [...(evPolicy.spec.matchConditions || []), ...(evPolicy.spec.variables || []), ...evPolicy.spec.validations]) {
      let err = null;
      try { cel.parse(e.expression); } catch (x) { err = String(x.message).split("\n")[0]; }
      check(`events policy: parses: ${e.name || e.message}`, err === null, err);
    }
    const ev = (ns, about, f = () => {}) => {
      const o = { apiVersion: "v1", kind: "Event", metadata: { generateName: "nodeprobe-", namespace: ns }, involvedObject: about,
        reason: about.kind === "Pod" ? "GPUAllocatedButIdle" : "VAFailed", message: "m", type: "Warning",
        source: { component: "nodeprobe", host: "vm1" }, reportingComponent: "nodeprobe.io/agent", reportingInstance: "vm1", count: 1 };
      f(o);
      return { operation: "CREATE", resource: "events", namespace: ns, userInfo: me, oldObject: null, object: o };
    };
    const pod = { apiVersion: "v1", kind: "Pod", namespace: "media", name: "jellyfin-0", uid: "p1" };
    const own = { apiVersion: "v1", kind: "Node", name: "vm1", uid: "5e1f" };
    const evCases = [
      ["idle warning about a pod, in its namespace", true, ev("media", pod)],
      ["a transition about its own Node, in default", true, ev("default", own)],
      ["about another node", false, ev("default", { ...own, name: "vm2" })],
      ["about its own Node outside default", false, ev("media", own)],
      ["about a pod of another namespace", false, ev("kube-system", pod)],
      ["another reason about a pod", false, ev("media", pod, (o) => { o.reason = "Killing"; })],
      ["a Normal idle Event", false, ev("media", pod, (o) => { o.type = "Normal"; })],
      ["as another node's agent", false, ev("media", pod, (o) => { o.reportingInstance = "vm2"; })],
      ["as another component", false, ev("media", pod, (o) => { o.reportingComponent = "kubelet"; })],
      ["about a Secret", false, ev("media", { kind: "Secret", namespace: "media", name: "s" })],
      ["from a token without a node", false, { ...ev("media", pod), userInfo: unbound }],
    ];
    for (const [name, want, req] of evCases) {
      const r = admit(evPolicy, req);
      check(`events policy: ${name} is ${want ? "allowed" : "denied"}${r.message ? " [" + r.message + "]" : ""}`, r.matched && r.allowed === want, `${r.allowed ? "allowed" : "denied"}${r.message ? ` (${r.message})` : ""}${r.matched ? "" : " (policy did not match)"}`);
    }
  }
}

// ---- One image tag, equal to the project version -----------------------------------------
const want = `ghcr.io/nodeprobe/nodeprobe:${args.version}`;
const images = [];
for (const [where, docs] of [...Object.entries(rendered), ...Object.entries(examples).map(([f, d]) => [`examples/${f}`, d])])
  for (const { spec } of podsOf(docs)) for (const c of allContainers(spec)) if (/nodeprobe/.test(c.image)) images.push(`${where}: ${c.image}`);
check(`images: every nodeprobe image is ${want} (${images.length} found)`, images.length > 0 && images.every((i) => i.endsWith(`: ${want}`)), images.filter((i) => !i.endsWith(`: ${want}`)).join(", "));
if (args.readme) {
  const refs = readFileSync(args.readme, "utf8").match(/ghcr\.io\/nodeprobe\/nodeprobe:[^\s`"')]+/g) || [];
  check(`images: the README names ${want} (${refs.length} times) and no other tag`, refs.length > 0 && refs.every((r) => r === want), refs.filter((r) => r !== want).join(", "));
}

// ---- The Grafana dashboard: valid JSON, PromQL that Prometheus' grammar parses, metrics the
// agent exports (the "# TYPE" lines of node-agent/http.c) --------------------------------------
if (args.source) {
  const { parser: promql } = require("@prometheus-io/lezer-promql");
  const parses = (q) => { let bad = false; promql.parse(q).iterate({ enter: (n) => { if (n.type.isError) bad = true; } }); return !bad; };
  check("dashboard: the PromQL parser refuses a broken query", !parses("sum by (( nodeprobe_capability") && parses("sum by (a) (nodeprobe_capability)"));
  const exported = new Set([...readFileSync(join(args.source, "node-agent", "http.c"), "utf8").matchAll(/# TYPE (nodeprobe_[a-z0-9_]+)/g)].map((m) => m[1]));
  check(`dashboard: the agent's metrics are found in http.c (${exported.size})`, exported.has("nodeprobe_gpu_engine_busy_ratio") && exported.has("nodeprobe_node_status"));
  const file = join(args.manifests, "grafana", "nodeprobe-dashboard.json");
  let dash = null;
  try { dash = JSON.parse(readFileSync(file, "utf8")); } catch (e) { check("dashboard: valid JSON", false, String(e)); }
  if (dash) {
    const panels = dash.panels || [];
    const ids = panels.map((p) => p.id);
    check(`dashboard: ${panels.length} panels, unique ids, each placed and typed`, panels.length >= 6 && new Set(ids).size === ids.length &&
      panels.every((p) => p.gridPos && ["timeseries", "stat", "table"].includes(p.type) && (p.targets || []).length > 0));
    check("dashboard: uid, title and a schemaVersion Grafana 10 imports", typeof dash.uid === "string" && dash.title && dash.schemaVersion >= 36);
    const exprs = [...panels.flatMap((p) => p.targets.map((t) => [`panel ${p.id}`, t.expr])),
      ...((dash.templating || {}).list || []).filter((v) => v.type === "query").map((v) => [`variable ${v.name}`, (v.query && v.query.query) || v.query])];
    for (const [where, e] of exprs) {
      const q = String(e).replace(/\$\w+/g, "x"); // template variables stand for a value
      const promqlText = /^label_values\(/.test(q) ? q.replace(/^label_values\((.*),\s*\w+\)$/, "$1") : q;
      check(`dashboard: ${where} parses as PromQL`, parses(promqlText), e);
      const names = [...q.matchAll(/\bnodeprobe_[a-z0-9_]+/g)].map((m) => m[0]);
      check(`dashboard: ${where} uses only metrics the agent exports`, names.length > 0 && names.every((n) => exported.has(n)), names.filter((n) => !exported.has(n)).join(", "));
    }
    check("dashboard: the node and per-pod engine panels are there", exprs.some(([, e]) => /nodeprobe_gpu_engine_busy_ratio/.test(e)) && exprs.some(([, e]) => /nodeprobe_gpu_client_engine_busy_ratio/.test(e) && /pod_uid/.test(e)));
  }
}

console.log(failures ? `${failures} check(s) failed` : "all checks passed");
process.exit(failures ? 1 : 0);
