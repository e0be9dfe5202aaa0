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

#include "vaprobe/vaprobe.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LBL_DEFAULT_PREFIX "nodeprobe.io"
/* The nodeSelector of Intel's GPU device plugin DaemonSet. */
#define LBL_INTEL_GPU_KEY "intel.feature.node.kubernetes.io/gpu"
/* Intel's device plugin owns this namespace: never written. */
#define LBL_INTEL_PLUGIN_NS "gpu.intel.com"

#define LBL_MAX_LABELS 64
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

struct lbl_options {
        const char *prefix;      /* NULL = LBL_DEFAULT_PREFIX */
        bool no_intel_gpu_label; /* never write LBL_INTEL_GPU_KEY */
        /* The Node's nfd.node.kubernetes.io/feature-labels annotation (comma-separated keys
         * NFD owns), or NULL. A key listed there is NFD's: not written. */
        const char *nfd_feature_labels;
};

/* Compute the label set. Pure. Unknown facts produce no label (never "false" for something
 * not probed). Keys or values that fail the API server's rules are counted in n_rejected
 * and left out. Returns 0, or -EINVAL for a prefix that is not a DNS subdomain. */
int lbl_compute(const struct vp_facts *facts, const struct vp_eval *eval,
                const struct lbl_options *opts, struct lbl_set *ret);

/* Validation exactly as the API server does it (apimachinery validation.IsQualifiedName and
 * IsValidLabelValue). 0 when valid, -EINVAL otherwise. */
int lbl_validate_key(const char *key);
int lbl_validate_value(const char *value);

/* Value of a key in a set, or NULL. */
const char *lbl_get(const struct lbl_set *set, const char *key);

/* Does this key belong to nodeprobe (prefix, or the Intel GPU key)? */
bool lbl_owned_key(const char *key, const char *prefix);

/* ---- Kubernetes API ---- */

/* Detail for a failed API operation (the return value stays a negative errno). */
struct lbl_error {
        long http_status;  /* 0 when no HTTP answer */
        char reason[64];   /* metav1.Status reason, e.g. "Forbidden" */
        char message[512]; /* one line: the API's message, or what went wrong locally */
};

/* Where and how to reach the API server. Plain value; owns no handles. */
struct lbl_kubeconfig {
        char server[512];      /* https://host:port */
        char ca_file[1024];    /* certificate-authority path, or "" */
        char ca_pem[16384];    /* certificate-authority-data decoded, or "" */
        char cert_file[1024];  /* client-certificate path */
        char cert_pem[16384];  /* client-certificate-data decoded */
        char key_file[1024];   /* client-key path */
        char key_pem[16384];   /* client-key-data decoded */
        char token[8192];      /* bearer token (token:, or read from token_file) */
        char token_file[1024]; /* re-read at most every 60 s and after a 401 */
        char tls_server_name[256];
        bool insecure; /* insecure-skip-tls-verify: true */
        bool in_cluster;
};

/*
 * Load a kubeconfig: path, else $KUBECONFIG (first entry), else ~/.kube/config. Only the
 * current context is used. exec and auth-provider users are refused with a clear message
 * (-ENOTSUP). -ENOENT no file, -EINVAL malformed. Relative paths resolve against the file's
 * directory.
 */
int lbl_kubeconfig_load(const char *path, struct lbl_kubeconfig *ret, struct lbl_error *err);

/* In-cluster config from KUBERNETES_SERVICE_HOST/PORT and the service-account files under
 * sa_dir (NULL = /var/run/secrets/kubernetes.io/serviceaccount). -ENOENT when not in a
 * cluster. */
int lbl_incluster_load(const char *sa_dir, struct lbl_kubeconfig *ret, struct lbl_error *err);

struct lbl_client;

struct lbl_client_options {
        const char *field_manager; /* NULL = "nodeprobe" */
        long connect_timeout_ms;   /* 0 = 5000 */
        long timeout_ms;           /* whole request; 0 = 15000 */
        int max_attempts;          /* for 429/5xx/timeouts; 0 = 5 */
        long backoff_base_ms;      /* first retry delay; 0 = 500; doubles, with jitter */
        long backoff_cap_ms;       /* 0 = 30000; also caps Retry-After */
        long token_reload_ms;      /* 0 = 60000 */
        size_t max_response;       /* bytes; 0 = 4 MiB */
};

/* The client keeps a copy of cfg. Caller frees with lbl_client_free (NULL-safe). */
int lbl_client_new(const struct lbl_kubeconfig *cfg, const struct lbl_client_options *opts,
                   struct lbl_client **ret);
struct lbl_client *lbl_client_free(struct lbl_client *c);

/* Request counters, for tests and the agent's log. */
struct lbl_stats {
        unsigned requests, gets, patches, retries, token_reloads;
};
void lbl_client_stats(const struct lbl_client *c, struct lbl_stats *ret);

/* What the Node says about our labels. */
struct lbl_node_view {
        struct lbl_set owned; /* labels this field manager last applied, with live values */
        char nfd_feature_labels[4096]; /* nfd.node.kubernetes.io/feature-labels, or "" */
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
};

/*
 * Server-side apply of desired (the complete set this manager wants; labels it applied before
 * and omits now are removed by the server, other managers' labels are never touched). Sends
 * nothing when desired equals what the node shows for this manager, unless LBL_APPLY_ALWAYS
 * or a dry run. known: the node as just read by lbl_node_get (saves a GET), or NULL.
 * 0 or a negative errno as for lbl_node_get (-EINVAL for 422, -EBUSY for 409).
 */
int lbl_apply(struct lbl_client *c, const char *node, const struct lbl_set *desired, unsigned flags,
              const struct lbl_node_view *known, struct lbl_apply_result *ret,
              struct lbl_error *err);

#ifdef __cplusplus
}
#endif
#endif
