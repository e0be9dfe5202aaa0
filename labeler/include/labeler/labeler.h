/* SPDX-License-Identifier: MIT */
/*
 * labeler: Node labels from nodeprobe's facts and evaluation, and (lbl_apply*) applying them
 * to the node's own Node object through the Kubernetes API with server-side apply.
 *
 * Error currency: 0 or a negative errno; richer detail (HTTP status, the API's message) goes
 * into a struct lbl_error. Nothing here prints or exits. Label computation is pure.
 */
#ifndef LABELER_LABELER_H
#define LABELER_LABELER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vaprobe/facts.h"
#include "vaprobe/verdict.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LBL_DEFAULT_PREFIX "nodeprobe.io"
/* The nodeSelector of Intel's GPU device plugin DaemonSet. */
#define LBL_INTEL_GPU_KEY "intel.feature.node.kubernetes.io/gpu"
/* Intel's device plugin owns this namespace: never written. */
#define LBL_INTEL_PLUGIN_NS "gpu.intel.com"

#define LBL_MAX_LABELS 96
#define LBL_KEY_MAX 317  /* 253 prefix + '/' + 63 name */
#define LBL_VALUE_MAX 64 /* 63 characters + NUL */

struct lbl_label {
        char key[LBL_KEY_MAX + 1];
        char value[LBL_VALUE_MAX];
};

struct lbl_set {
        uint32_t n;
        struct lbl_label labels[LBL_MAX_LABELS];
        uint32_t n_rejected;               /* keys that failed validation, not in labels */
        char rejected[4][LBL_KEY_MAX + 1]; /* the first few, for the log */
};

/* Which labels a computation is for. The agent's two tiers own disjoint sets, applied with
 * different field managers, so the two appliers never fight:
 *   discover (sysfs only): gpu.present, gpu.count, gpu.device-id, gpu.platform,
 *     gpu.generation, gpu.kernel-driver, gpu.virtualization, gpu.vgpu-type, and
 *     LBL_INTEL_GPU_KEY when an Intel GPU is bound to i915/xe with a render node;
 *   verify (libva): status, exercise, va.*, decode.*, encode.*. */
enum lbl_tier {
        LBL_TIER_ALL = 0, /* nodeprobe label: everything (LBL_INTEL_GPU_KEY needs VA working) */
        LBL_TIER_DISCOVER,
        LBL_TIER_VERIFY,
};
#define LBL_MANAGER_DISCOVER "nodeprobe-discover"
#define LBL_MANAGER_VERIFY "nodeprobe"

struct lbl_options {
        const char *prefix; /* NULL = LBL_DEFAULT_PREFIX */
        enum lbl_tier tier;
        bool no_intel_gpu_label; /* never write LBL_INTEL_GPU_KEY */
        /* The Node's nfd.node.kubernetes.io/feature-labels annotation (comma-separated keys
         * NFD owns), or NULL. A key listed there is NFD's: not written. */
        const char *nfd_feature_labels;
};

/* One node's GPU state, typed: the Node labels, NFD's features file and the agent's metrics
 * are all rendered from it, so none of them re-parses another's strings. Plain fixed-size
 * data (it crosses the agent's probe pipe as is). Strings are "" when unknown. */
struct lbl_summary {
        uint32_t n_gpus;
        enum vp_node_status status;
        bool bound_with_node;  /* a GPU bound to i915/xe with a render node (discover tier) */
        bool va_works_on_node; /* a render node libva works on (verify tier) */
        bool has_primary;      /* the fields below describe the primary GPU */
        uint16_t device_id;    /* 0: unknown */
        char platform[32];     /* label spelling ("alderlake-s"); "" when unknown or guessed */
        char generation[8];
        char kernel_driver[8]; /* "i915", "xe", "none"; "" when nothing says */
        enum vp_virt virt;
        char vgpu_type[16];
        char exercise[8];     /* "passed", "failed", "skipped"; "" when no exercise was asked */
        char va_driver[32];   /* the driver libva loaded, "" if none */
        enum vp_tri va_ready; /* unknown: libva was not run */
        enum vp_tri caps[VP_N_CAPS]; /* the driver's list: actual, per vp_cap_key(i) */
};

/* The summary of a probe and its evaluation. Pure; 0 or -EINVAL. */
int lbl_summarize(const struct vp_facts *facts, const struct vp_eval *eval,
                  struct lbl_summary *ret);

/* The label set of a summary. Pure. Unknown facts produce no label (never "false" for
 * something not probed). Keys or values that fail the API server's rules are counted in
 * n_rejected and left out. 0, or -EINVAL for a prefix that is not a DNS subdomain or is
 * reserved (lbl_reserved_prefix). */
int lbl_render(const struct lbl_summary *sum, const struct lbl_options *opts, struct lbl_set *ret);

/* lbl_summarize then lbl_render: compute the label set. Pure. Unknown facts produce no label (never
 * "false" for something not probed). Keys or values that fail the API server's rules are counted in
 * n_rejected and left out. Returns 0, or -EINVAL for a prefix that is not a DNS subdomain or is
 * reserved (lbl_reserved_prefix). */
int lbl_compute(const struct vp_facts *facts, const struct vp_eval *eval,
                const struct lbl_options *opts, struct lbl_set *ret);

/* Validation exactly as the API server does it (apimachinery validation.IsQualifiedName and
 * IsValidLabelValue). 0 when valid, -EINVAL otherwise. */
int lbl_validate_key(const char *key);
/* The nodeprobe.io/exercise value: "failed" when a step failed, "passed" when one ran and none
 * failed, "skipped" when nothing could be run. Pure. */
const char *lbl_exercise_value(const struct vp_exercise *x);
int lbl_validate_value(const char *value);

/* Is this prefix one nodeprobe must never write under (gpu.intel.com and its subdomains)? */
bool lbl_reserved_prefix(const char *prefix);

/* Value of a key in a set, or NULL. */
const char *lbl_get(const struct lbl_set *set, const char *key);

/* Does NFD's feature-labels annotation (comma-separated) list this key? */
bool lbl_nfd_owns(const char *nfd_feature_labels, const char *key);

/* Does this key belong to nodeprobe (prefix, or the Intel GPU key)? */
bool lbl_owned_key(const char *key, const char *prefix);

/* ---- Kubernetes API ---- */

/* Detail for a failed API operation (the return value stays a negative errno). */
struct lbl_error {
        long http_status;  /* 0 when no HTTP answer */
        char reason[64];   /* metav1.Status reason, e.g. "Forbidden" */
        char message[512]; /* one line: the API's message, or what went wrong locally */
};

/* Whether the API server refused the request in admission (a ValidatingAdmissionPolicy or an
 * admission webhook) rather than in RBAC, whatever the status code: a policy validation
 * without a `reason` answers 422 Invalid, one with `reason: Forbidden` 403 (seen against
 * kube-apiserver 1.36; staging/src/k8s.io/apiserver/pkg/admission/plugin/policy/validating/
 * dispatcher.go). Pure; NULL-safe. */
bool lbl_error_is_admission(const struct lbl_error *err);

/* Where and how to reach the API server. Plain value; owns no handles. */
struct lbl_kubeconfig {
        char server[512];          /* https://host:port */
        char ca_file[1024];        /* certificate-authority path, or "" */
        char ca_pem[65536];        /* certificate-authority-data decoded, or "" (LBL_PEM_MAX) */
        char cert_file[1024];      /* client-certificate path */
        char cert_pem[16384];      /* client-certificate-data decoded */
        char key_file[1024];       /* client-key path */
        char key_pem[16384];       /* client-key-data decoded */
        char token[8192];          /* bearer token (token:, or read from token_file) */
        char token_file[1024];     /* re-read at most every 60 s and after a 401 */
        char tls_server_name[256]; /* verify the server's certificate for this name */
        char proxy_url[512];       /* proxy-url: http(s):// or socks5://, or "" */
        bool insecure;             /* insecure-skip-tls-verify: true (refused by lbl_client_new
                                    * unless the caller allows it explicitly) */
        bool in_cluster;
};

/* Largest decoded certificate-authority-data; client certificate and key: 16 KiB. */
#define LBL_PEM_MAX 65535
/* Files merged from a KUBECONFIG list, at most. */
#define LBL_KUBECONFIG_MAX_FILES 16
/* Nesting depth a kubeconfig may have (a real one has 5); deeper is refused while reading,
 * before libyaml's cost, which grows with the square of the depth, matters. */
#define LBL_YAML_MAX_DEPTH 32

/*
 * Load a kubeconfig: path (must exist), else $KUBECONFIG, else ~/.kube/config. A KUBECONFIG
 * list (a:b) is merged as kubectl merges it (client-go clientcmd loader.go): files that do not
 * exist are skipped, the first file to set current-context wins, and a context, cluster or user
 * is taken from the first file that names it; relative paths resolve against the directory of
 * the file the entry came from. Only the current context is used. exec and auth-provider users
 * are refused with a clear message (-ENOTSUP). -ENOENT no file, -EINVAL malformed or not a
 * regular file, -EISDIR a directory.
 */
int lbl_kubeconfig_load(const char *path, struct lbl_kubeconfig *ret, struct lbl_error *err);

/* In-cluster config from KUBERNETES_SERVICE_HOST/PORT and the service-account files under
 * sa_dir (NULL = /var/run/secrets/kubernetes.io/serviceaccount). -ENOENT when not in a
 * cluster. */
int lbl_incluster_load(const char *sa_dir, struct lbl_kubeconfig *ret, struct lbl_error *err);

struct lbl_client;

struct lbl_client_options {
        const char *field_manager; /* NULL = "nodeprobe" */
        /* Labels under this prefix are nodeprobe's alone: an apply takes them over from another
         * manager (force). Any other key (LBL_INTEL_GPU_KEY) is shared: on a conflict it is left
         * to its owner. NULL = LBL_DEFAULT_PREFIX. */
        const char *prefix;
        long connect_timeout_ms; /* 0 = 5000 */
        long timeout_ms;         /* one attempt; 0 = 15000 */
        /* Retries (429, 5xx, timeouts, resets, TLS handshake failures) go on while the next
         * attempt would start within this many milliseconds of the first; 0 = 20000. A caller
         * with a loop of its own (the agent) keeps this short and retries later itself. */
        long retry_budget_ms;
        int max_attempts;     /* a cap on attempts as well; 0 = none (the budget decides) */
        long backoff_base_ms; /* first retry delay; 0 = 500; doubles, with +-20 % jitter */
        long backoff_cap_ms;  /* 0 = 30000; also caps Retry-After */
        long token_reload_ms; /* 0 = 60000 */
        size_t max_response;  /* bytes; 0 = 4 MiB */
        /* insecure-skip-tls-verify is refused (-EPERM) unless this is set: a token that can
         * patch Nodes is not sent to an unverified server by accident. */
        bool allow_insecure;
};

/* The client keeps a copy of cfg. Caller frees with lbl_client_free (NULL-safe).
 * -EINVAL: a token that is not a valid header value (control characters);
 * -ELIBACC: libcurl cannot be loaded (it is dlopen()ed here, not linked);
 * -EPERM: cfg->insecure without opts->allow_insecure. */
int lbl_client_new(const struct lbl_kubeconfig *cfg, const struct lbl_client_options *opts,
                   struct lbl_client **ret);
struct lbl_client *lbl_client_free(struct lbl_client *c);

/* Request counters, for tests and the agent's log. */
struct lbl_stats {
        unsigned requests, gets, patches, retries, token_reloads;
};
void lbl_client_stats(const struct lbl_client *c, struct lbl_stats *ret);

/* A label another field manager holds on the Node (only keys lbl_owned_key() accepts). */
struct lbl_foreign {
        char key[LBL_KEY_MAX + 1];
        char value[LBL_VALUE_MAX]; /* live value; "" when absent */
        char manager[128];
};

#define LBL_CONDITION_TYPE "IntelGPUReady"

/* A Node condition as the API has it (status.conditions, a map keyed by type). */
struct lbl_condition_view {
        bool known;     /* the Node has this condition type */
        char status[8]; /* "True", "False", "Unknown" */
        char reason[64];
        char message[1024];
        char transition[32]; /* lastTransitionTime */
};

/* What the Node says about our labels. */
struct lbl_node_view {
        char uid[64];                   /* metadata.uid (an Event's involvedObject) */
        struct lbl_condition_view cond; /* LBL_CONDITION_TYPE */
        struct lbl_set owned; /* labels this field manager last applied, with live values */
        uint32_t n_foreign;
        struct lbl_foreign foreign[16]; /* our keys that other managers hold too */
        char nfd_feature_labels[4096];  /* nfd.node.kubernetes.io/feature-labels, or "" */
};

/* GET the Node (metadata only). -ENOENT no such node; -EACCES 401/403; -EPROTO bad reply;
 * -ETIMEDOUT/-ECONNREFUSED/-EIO when unreachable after retries. */
int lbl_node_get(struct lbl_client *c, const char *node, struct lbl_node_view *ret,
                 struct lbl_error *err);

enum lbl_apply_flags {
        LBL_APPLY_DRY_RUN = 1 << 0, /* dryRun=All: validated by the server, not persisted */
        LBL_APPLY_ALWAYS = 1 << 1,  /* send even when nothing changed */
};

struct lbl_apply_result {
        bool changed;        /* a PATCH was sent (or would be, for a dry run) */
        struct lbl_set live; /* our labels as the server returned them after the PATCH */
        /* Our keys (by lbl_owned_key) still on the Node after the PATCH, whoever holds them:
         * what --cleanup could not remove because another manager set them too. */
        struct lbl_set remaining;
        /* Shared keys left to the manager that set them to another value (never forced). */
        uint32_t n_skipped;
        struct lbl_foreign skipped[8];
};

/*
 * Server-side apply of desired (the complete set this manager wants; labels it applied before
 * and omits now are removed by the server, other managers' labels are never touched). Sends
 * nothing when desired equals what the node shows for this manager, unless LBL_APPLY_ALWAYS
 * or a dry run. known: the node as just read by lbl_node_get (saves a GET), or NULL.
 * Conflicts (https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts): a key
 * under the client's prefix that another manager set is taken over (force=true); a shared key
 * another manager set to a different value is left out of the apply and listed in skipped.
 * force is sent only when a key under the prefix conflicts.
 * 0 or a negative errno as for lbl_node_get (-EINVAL for 422, -EBUSY for an unresolved 409).
 */
int lbl_apply(struct lbl_client *c, const char *node, const struct lbl_set *desired, unsigned flags,
              const struct lbl_node_view *known, struct lbl_apply_result *ret,
              struct lbl_error *err);

/* The condition to set: ok -> status True. reason: CamelCase; message: at most 1 KiB. */
struct lbl_condition {
        bool ok;
        const char *reason;
        const char *message;
        bool heartbeat; /* send even when unchanged (a new lastHeartbeatTime) */
};

/*
 * Server-side apply of LBL_CONDITION_TYPE on nodes/{node}/status (the condition type is this
 * manager's alone, so it is forced). Sends nothing when known (a view from lbl_node_get)
 * shows the same status, reason and message. lastTransitionTime changes only when the status
 * does (Kubernetes' condition conventions, as node-problem-detector sets them).
 * *ret_changed: a PATCH was sent. 0 or a negative errno as for lbl_apply.
 */
int lbl_condition_apply(struct lbl_client *c, const char *node, const struct lbl_condition *want,
                        const struct lbl_node_view *known, bool *ret_changed,
                        struct lbl_error *err);

/* Give up the condition (uninstall): an apply of nodes/{node}/status without it, so the API
 * server removes it when no other manager holds it. No request when known says the Node has
 * no such condition. 0 or a negative errno (err filled); *ret_changed when one was sent. */
int lbl_condition_remove(struct lbl_client *c, const char *node, const struct lbl_node_view *known,
                         bool *ret_changed, struct lbl_error *err);

/* A core/v1 Event about the Node (namespace "default", involvedObject the Node with its uid,
 * reportingController nodeprobe.io/agent, reportingInstance the node). 0 or a negative errno. */
int lbl_event_post(struct lbl_client *c, const char *node, const char *uid, bool warning,
                   const char *reason, const char *message, struct lbl_error *err);

/* What an Event is about: kind "Pod" with its namespace, name and uid (the Event goes to
 * that namespace), or "Node" (namespace NULL: "default"). */
struct lbl_object {
        const char *kind, *ns, *name, *uid;
};
/* A core/v1 Event about obj, reported by the agent on node. 0 or a negative errno. */
int lbl_event_post_about(struct lbl_client *c, const char *node, const struct lbl_object *obj,
                         bool warning, const char *reason, const char *message,
                         struct lbl_error *err);

/* ---- The pods on this node (GPU usage attribution and the idle-GPU check) ---- */

#define LBL_POD_CONTAINERS 8
#define LBL_MAX_PODS 512
struct lbl_pod_container {
        char name[64];
        char id[72];  /* the runtime's id (containerStatuses[].containerID without scheme) */
        char gpu[64]; /* the GPU it holds: "gpu.intel.com/i915", "hostPath /dev/dri", or "" */
};
struct lbl_pod {
        char uid[40];
        char ns[64];
        char name[254];
        bool truncated; /* more than LBL_POD_CONTAINERS containers */
        uint32_t n_containers;
        struct lbl_pod_container containers[LBL_POD_CONTAINERS]; /* init containers first */
};
/* Owned by the caller: lbl_pods_free. */
struct lbl_pods {
        uint32_t n;
        bool truncated; /* more than LBL_MAX_PODS pods */
        struct lbl_pod *pods;
};
/* GET /api/v1/pods?fieldSelector=spec.nodeName=NODE (RBAC: pods list). 0 or a negative
 * errno as lbl_node_get (err filled). */
int lbl_pods_list(struct lbl_client *c, const char *node, struct lbl_pods *ret,
                  struct lbl_error *err);
/* Parse a PodList reply as lbl_pods_list does (pure). 0, -EPROTO, -ENOMEM. */
int lbl_pods_parse(const char *body, size_t len, struct lbl_pods *ret, struct lbl_error *err);
void lbl_pods_free(struct lbl_pods *p); /* NULL-safe; the struct itself is the caller's */
const struct lbl_pod *lbl_pods_find(const struct lbl_pods *p, const char *uid); /* or NULL */

/* ---- Parsers exposed for tests and fuzzing (pure, bounded by their length argument) ---- */

/* Seconds in a Retry-After header line ("Retry-After: 3\r\n", len bytes, not necessarily
 * NUL-terminated), clamped to [0, 86400]; -1 when absent or not a delay in seconds (an HTTP
 * date is ignored, as client-go does). */
long lbl_parse_retry_after(const char *line, size_t len);

/* Parse a kubeconfig from memory (no file access but for nothing: relative paths resolve
 * against dir, which may be ""). As lbl_kubeconfig_load. */
int lbl_kubeconfig_parse(const char *text, size_t len, const char *dir, struct lbl_kubeconfig *ret,
                         struct lbl_error *err);

/* Parse a Node reply as lbl_node_get does (manager: the field manager whose labels are
 * "owned"; prefix as in lbl_client_options). 0, -EPROTO. */
int lbl_node_parse(const char *body, size_t len, const char *node, const char *manager,
                   const char *prefix, struct lbl_node_view *ret, struct lbl_error *err);

/* Make s (NUL-terminated) safe for one log line in place: control characters (C0, DEL, C1)
 * and bytes that are not UTF-8 become '?', line breaks a space. */
void lbl_sanitize_line(char *s);

/* Wipe and free a kubeconfig value that holds secrets (NULL-safe). */
void lbl_kubeconfig_free(struct lbl_kubeconfig *k);

#ifdef __cplusplus
}
#endif
#endif
