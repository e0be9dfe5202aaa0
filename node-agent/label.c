/* SPDX-License-Identifier: MIT */
/*
 * nodeprobe label: the node's GPU labels applied to its own Node with server-side apply.
 * --dry-run asks the API server to validate without persisting; --cleanup removes every
 * label nodeprobe applied, under both tiers' field managers, and the IntelGPUReady condition
 * (uninstall).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "labeler/labeler.h"
#include "na.h"

/* --node-name -> NODE_NAME (downward API) -> hostname, with a warning for the last. */
static int node_name(const struct na_config *cfg, char *buf, size_t n)
{
        const char *env = getenv("NODE_NAME");

        if (cfg->node_name) {
                snprintf(buf, n, "%s", cfg->node_name);
                return 0;
        }
        if (env && *env) {
                snprintf(buf, n, "%s", env);
                return 0;
        }
        if (gethostname(buf, n) < 0 || !buf[0])
                return -errno;
        buf[n - 1] = '\0';
        na_logf("warning: NODE_NAME and --node-name unset; using the hostname '%s' as the node "
                "name",
                buf);
        return 0;
}

/* As client-go's loading rules: --kubeconfig, then $KUBECONFIG, then the in-cluster service
 * account, then ~/.kube/config. */
static int load_config(const struct na_config *cfg, struct lbl_kubeconfig *k, struct lbl_error *e)
{
        const char *host = getenv("KUBERNETES_SERVICE_HOST"), *env = getenv("KUBECONFIG");

        if (!cfg->kubeconfig && !(env && *env) && host && *host)
                return lbl_incluster_load(getenv("NODEPROBE_SA_DIR"), k, e);
        return lbl_kubeconfig_load(cfg->kubeconfig, k, e);
}

/* One line for an API failure, with the likely fix for the usual ones. */
static void api_error(const char *node, const struct lbl_error *err)
{
        const char *hint = lbl_error_is_admission(err)
                               ? " (an admission policy refused it; "
                                 "manifests/base/rbac/policy.yaml says what nodeprobe may change)"
                           : err->http_status == 403 ? " (RBAC: nodeprobe needs nodes get, patch)"
                           : err->http_status == 401 ? " (the token was rejected)"
                           : err->http_status == 404 ? " (check NODE_NAME / --node-name)"
                                                     : "";
        na_logf("node %s: %s%s", node, err->message, hint);
}

/* before: what we owned; after: what we own now; remaining: our keys still on the Node
 * (whoever holds them). all: also list unchanged labels (dry run). */
static void print_changes(FILE *out, const struct lbl_set *before, const struct lbl_set *after,
                          const struct lbl_set *remaining, bool all)
{
        for (uint32_t i = 0; i < after->n; i++) {
                const char *old = lbl_get(before, after->labels[i].key);
                if (!old)
                        fprintf(out, "  + %s=%s\n", after->labels[i].key, after->labels[i].value);
                else if (strcmp(old, after->labels[i].value) != 0)
                        fprintf(out, "  ~ %s=%s (was %s)\n", after->labels[i].key,
                                after->labels[i].value, old);
                else if (all)
                        fprintf(out, "  = %s=%s\n", after->labels[i].key, after->labels[i].value);
        }
        for (uint32_t i = 0; i < before->n; i++) {
                const char *key = before->labels[i].key, *still;
                if (lbl_get(after, key))
                        continue;
                still = remaining ? lbl_get(remaining, key) : NULL;
                if (still)
                        fprintf(out, "  . %s=%s stays: another manager set it too\n", key, still);
                else
                        fprintf(out, "  - %s\n", key);
        }
}

int na_kube_open(const struct na_config *cfg, const char *field_manager,
                 const struct lbl_client_options *base, struct lbl_client **ret, char *node,
                 size_t node_len)
{
        struct lbl_kubeconfig *k = calloc(1, sizeof(*k));
        struct lbl_client_options co = base ? *base : (struct lbl_client_options){0};
        struct lbl_error err = {0};
        int rc = NA_EXIT_INTERNAL, r;

        *ret = NULL;
        if (!k)
                goto out;
        if (node_name(cfg, node, node_len) < 0) {
                na_logf("cannot tell the node name: set NODE_NAME or --node-name");
                rc = NA_EXIT_USAGE;
                goto out;
        }
        r = load_config(cfg, k, &err);
        if (r < 0) {
                na_logf("%s", err.message[0] ? err.message : strerror(-r));
                rc = r == -ENOMEM ? NA_EXIT_INTERNAL : NA_EXIT_KUBE_CONFIG;
                goto out;
        }
        if (k->insecure && !cfg->insecure_skip_tls_verify) {
                na_logf("the kubeconfig sets insecure-skip-tls-verify: refusing to send a token "
                        "that can patch Nodes to an unverified server (add its CA, or pass "
                        "--insecure-skip-tls-verify)");
                rc = NA_EXIT_KUBE_CONFIG;
                goto out;
        }
        if (k->insecure)
                na_logf("warning: insecure-skip-tls-verify: the API server's certificate is not "
                        "checked");
        co.allow_insecure = cfg->insecure_skip_tls_verify;
        co.prefix = cfg->label_prefix;
        co.field_manager = field_manager;
        r = lbl_client_new(k, &co, ret);
        if (r == -ELIBACC) {
                na_logf("cannot load libcurl (libcurl.so.4): install libcurl4");
                rc = NA_EXIT_INTERNAL;
                goto out;
        }
        if (r == -EINVAL) {
                na_logf("the token has spaces or control characters");
                rc = NA_EXIT_KUBE_CONFIG;
                goto out;
        }
        if (r < 0) {
                na_logf("cannot set up the API client: %s", strerror(-r));
                rc = r == -ENOMEM ? NA_EXIT_INTERNAL : NA_EXIT_KUBE_CONFIG;
                goto out;
        }
        rc = NA_EXIT_OK;
out:
        lbl_kubeconfig_free(k); /* wipes the token */
        return rc;
}

/* One field manager's labels: computed and applied, or (cleanup) all given up; with
 * cleanup and the verify manager, the condition too. quiet: print nothing when unchanged. */
static int label_as(const struct na_config *cfg, const struct vp_facts *f, const struct vp_eval *e,
                    const char *manager, bool quiet, FILE *out)
{
        struct lbl_set *desired = calloc(1, sizeof(*desired));
        struct lbl_node_view *view = calloc(1, sizeof(*view));
        struct lbl_apply_result *res = calloc(1, sizeof(*res));
        struct lbl_client *c = NULL;
        struct lbl_error err = {0};
        struct lbl_options lo = {.prefix = cfg->label_prefix,
                                 .no_intel_gpu_label = cfg->no_intel_gpu_label};
        char node[256];
        unsigned flags = cfg->dry_run ? LBL_APPLY_DRY_RUN : 0;
        bool cond_removed = false;
        int rc = NA_EXIT_INTERNAL, r;

        if (!desired || !view || !res)
                goto out;
        rc = na_kube_open(cfg, manager, NULL, &c, node, sizeof(node));
        if (rc != NA_EXIT_OK)
                goto out;
        rc = NA_EXIT_INTERNAL;
        r = lbl_node_get(c, node, view, &err);
        if (r < 0) {
                api_error(node, &err);
                rc = NA_EXIT_KUBE_API;
                goto out;
        }
        if (!cfg->cleanup) {
                lo.nfd_feature_labels = view->nfd_feature_labels;
                if (lbl_compute(f, e, &lo, desired) < 0) {
                        na_logf("--label-prefix %s is not a DNS subdomain",
                                cfg->label_prefix ? cfg->label_prefix : "");
                        rc = NA_EXIT_USAGE;
                        goto out;
                }
                for (uint32_t i = 0; i < desired->n_rejected && i < 4; i++)
                        na_logf("label %s left out: not a valid Kubernetes label",
                                desired->rejected[i]);
        }
        r = lbl_apply(c, node, desired, flags, view, res, &err);
        if (r < 0) {
                api_error(node, &err);
                rc = NA_EXIT_KUBE_API;
                goto out;
        }
        if (cfg->cleanup && !cfg->dry_run && strcmp(manager, LBL_MANAGER_VERIFY) == 0) {
                r = lbl_condition_remove(c, node, view, &cond_removed, &err);
                if (r < 0) {
                        api_error(node, &err);
                        rc = NA_EXIT_KUBE_API;
                        goto out;
                }
        }
        for (uint32_t i = 0; i < res->n_skipped; i++)
                na_logf("label %s left to '%s', which set it%s%s%s", res->skipped[i].key,
                        res->skipped[i].manager, res->skipped[i].value[0] ? " to '" : "",
                        res->skipped[i].value, res->skipped[i].value[0] ? "'" : "");
        if (cfg->dry_run) {
                fprintf(out, "dry run on node %s (validated by the API server, not saved):\n",
                        node);
                print_changes(out, &view->owned, &res->live, &res->remaining, true);
        } else if (!res->changed) {
                if (!quiet)
                        fprintf(out, "node %s: %u labels, unchanged\n", node, res->live.n);
        } else {
                fprintf(out, "node %s: %s\n", node,
                        !cfg->cleanup ? "labels updated"
                        : strcmp(manager, LBL_MANAGER_DISCOVER) == 0
                            ? "removed the discover tier's labels"
                            : "removed nodeprobe's labels");
                print_changes(out, &view->owned, &res->live, &res->remaining, false);
        }
        if (cond_removed)
                fprintf(out, "node %s: removed the %s condition\n", node, LBL_CONDITION_TYPE);
        rc = NA_EXIT_OK;
out:
        lbl_client_free(c);
        free(desired);
        free(view);
        free(res);
        return rc;
}

int na_cmd_label(const struct na_config *cfg, const struct vp_facts *f, const struct vp_eval *e,
                 FILE *out)
{
        const char *prefix = cfg->label_prefix ? cfg->label_prefix : LBL_DEFAULT_PREFIX;
        int rc;

        if (lbl_reserved_prefix(prefix)) {
                na_logf("--label-prefix %s: that namespace belongs to Intel's device plugin",
                        prefix);
                return NA_EXIT_USAGE;
        }
        rc = label_as(cfg, f, e, LBL_MANAGER_VERIFY, false, out);
        /* Uninstall: the agent's discover tier applies under its own field manager; its
         * labels go too (quietly when it never ran here). */
        if (rc == NA_EXIT_OK && cfg->cleanup)
                rc = label_as(cfg, f, e, LBL_MANAGER_DISCOVER, true, out);
        return rc;
}
