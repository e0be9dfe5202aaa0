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

#ifdef __cplusplus
}
#endif
#endif
