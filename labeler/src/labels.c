/* SPDX-License-Identifier: MIT */
/* Label computation and validation (pure). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "labeler/labeler.h"

/* DNS-1123 subdomain: lowercase alphanumerics, '-' and '.', alphanumeric at both ends of each
 * label, at most 253 characters (apimachinery validation.IsDNS1123Subdomain). */
static bool dns_subdomain(const char *s, size_t len)
{
        if (len == 0 || len > 253)
                return false;
        for (size_t i = 0; i < len; i++) {
                char ch = s[i];
                bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
                bool edge = i == 0 || i == len - 1 || s[i - 1] == '.' || s[i + 1] == '.';

                if (!alnum && ch != '-' && ch != '.')
                        return false;
                if (edge && !alnum)
                        return false;
        }
        return true;
}

/* Name part: at most 63 of [A-Za-z0-9_.-], alphanumeric at both ends (IsQualifiedName). */
static bool qualified_name(const char *s, size_t len)
{
        if (len == 0 || len > 63)
                return false;
        for (size_t i = 0; i < len; i++) {
                unsigned char ch = (unsigned char)s[i];
                if (!isalnum(ch) && ch != '-' && ch != '_' && ch != '.')
                        return false;
        }
        return isalnum((unsigned char)s[0]) && isalnum((unsigned char)s[len - 1]);
}

int lbl_validate_key(const char *key)
{
        const char *slash;

        if (!key)
                return -EINVAL;
        slash = strchr(key, '/');
        if (!slash)
                return qualified_name(key, strlen(key)) ? 0 : -EINVAL;
        if (strchr(slash + 1, '/'))
                return -EINVAL;
        if (!dns_subdomain(key, (size_t)(slash - key)))
                return -EINVAL;
        return qualified_name(slash + 1, strlen(slash + 1)) ? 0 : -EINVAL;
}

int lbl_validate_value(const char *v)
{
        size_t len;

        if (!v)
                return -EINVAL;
        len = strlen(v);
        if (len == 0)
                return 0; /* an empty value is valid */
        return qualified_name(v, len) ? 0 : -EINVAL;
}

const char *lbl_get(const struct lbl_set *set, const char *key)
{
        for (uint32_t i = 0; set && i < set->n; i++)
                if (strcmp(set->labels[i].key, key) == 0)
                        return set->labels[i].value;
        return NULL;
}

bool lbl_owned_key(const char *key, const char *prefix)
{
        size_t pl;

        if (!prefix)
                prefix = LBL_DEFAULT_PREFIX;
        pl = strlen(prefix);
        if (strcmp(key, LBL_INTEL_GPU_KEY) == 0)
                return true;
        return strncmp(key, prefix, pl) == 0 && key[pl] == '/';
}

bool lbl_reserved_prefix(const char *prefix)
{
        static const char ns[] = LBL_INTEL_PLUGIN_NS;
        size_t pl = strlen(prefix), nl = sizeof(ns) - 1;

        /* Intel's device plugin namespace and its subdomains: every label would be left out,
         * and an apply of the empty rest would remove all of ours. */
        return strcmp(prefix, ns) == 0 ||
               (pl > nl && prefix[pl - nl - 1] == '.' && strcmp(prefix + pl - nl, ns) == 0);
}

bool lbl_nfd_owns(const char *list, const char *key)
{
        size_t kl = strlen(key);

        for (const char *p = list; p && *p;) {
                const char *comma = strchr(p, ',');
                size_t len = comma ? (size_t)(comma - p) : strlen(p);

                while (len && *p == ' ') {
                        p++;
                        len--;
                }
                while (len && p[len - 1] == ' ')
                        len--;
                if (len == kl && strncmp(p, key, kl) == 0)
                        return true;
                /* NFD lists its own-namespace labels without the prefix. */
                if (len && strncmp(key, "feature.node.kubernetes.io/", 27) == 0 && len == kl - 27 &&
                    strncmp(p, key + 27, len) == 0)
                        return true;
                p = comma ? comma + 1 : p + len;
        }
        return false;
}

/* Copy with truncation (callers have checked the length already). */
static void copy(char *dst, size_t n, const char *src)
{
        size_t l = strnlen(src, n - 1);
        memcpy(dst, src, l);
        dst[l] = '\0';
}

static void add(struct lbl_set *s, const char *prefix, const char *name, const char *value)
{
        char key[LBL_KEY_MAX + 8];

        if (prefix)
                snprintf(key, sizeof(key), "%s/%s", prefix, name);
        else
                snprintf(key, sizeof(key), "%s", name);
        if (strncmp(key, LBL_INTEL_PLUGIN_NS "/", strlen(LBL_INTEL_PLUGIN_NS) + 1) == 0 ||
            lbl_validate_key(key) < 0 || lbl_validate_value(value) < 0 ||
            strlen(key) > LBL_KEY_MAX || s->n >= LBL_MAX_LABELS) {
                if (s->n_rejected < 4)
                        copy(s->rejected[s->n_rejected], sizeof(s->rejected[0]), key);
                s->n_rejected++;
                return;
        }
        copy(s->labels[s->n].key, sizeof(s->labels[0].key), key);
        copy(s->labels[s->n].value, sizeof(s->labels[0].value), value);
        s->n++;
}

static const char *truth(bool b)
{
        return b ? "true" : "false";
}

const char *lbl_exercise_value(const struct vp_exercise *x)
{
        bool ok = false;

        for (uint32_t i = 0; x && i < x->n_steps && i < VP_MAX_EX_STEPS; i++) {
                if (vp_ex_failed(x->steps[i].outcome))
                        return "failed";
                ok |= x->steps[i].outcome == VP_EX_OK;
        }
        return ok ? "passed" : "skipped";
}

int lbl_summarize(const struct vp_facts *f, const struct vp_eval *e, struct lbl_summary *sum)
{
        const struct vp_gpu_eval *ge;
        const struct vp_gpu *g;

        if (!f || !e || !sum)
                return -EINVAL;
        memset(sum, 0, sizeof(*sum));
        sum->n_gpus = e->n_gpus;
        sum->status = e->node_status;
        for (uint32_t i = 0; i < e->n_gpus; i++) {
                const struct vp_gpu *gi = &f->gpus[e->gpus[i].gpu];
                bool bound =
                    strcmp(gi->kernel_driver, "i915") == 0 || strcmp(gi->kernel_driver, "xe") == 0;
                /* What brings Intel's device plugin: bound, with a render node. */
                sum->bound_with_node |= bound && (gi->render_node[0] || gi->sysfs_render[0]);
                sum->va_works_on_node |=
                    gi->render_node[0] && gi->render_open_errno <= 0 && gi->va.outcome == VP_VA_OK;
        }
        if (e->primary < 0)
                return 0;
        ge = &e->gpus[e->primary];
        g = &f->gpus[ge->gpu];
        sum->has_primary = true;
        sum->device_id = g->device_id;
        if (!ge->platform.guessed) {
                copy(sum->platform, sizeof(sum->platform), ge->platform.label);
                copy(sum->generation, sizeof(sum->generation), ge->platform.gen);
        }
        if (g->pci_slot[0] || g->kernel_driver[0])
                copy(sum->kernel_driver, sizeof(sum->kernel_driver),
                     g->kernel_driver[0] ? g->kernel_driver : "none");
        sum->virt = ge->virt;
        copy(sum->vgpu_type, sizeof(sum->vgpu_type), ge->vgpu_type);
        /* One summary of the exercise, only when it was asked for (never "skipped" for a probe
         * that did not try). */
        if (g->va.exercise.requested)
                copy(sum->exercise, sizeof(sum->exercise), lbl_exercise_value(&g->va.exercise));
        copy(sum->va_driver, sizeof(sum->va_driver), g->va.driver);
        sum->va_ready = g->va.outcome == VP_VA_NOT_RUN && g->render_open_errno <= 0 ? VP_UNKNOWN
                        : g->va.outcome == VP_VA_OK                                 ? VP_YES
                                                                                    : VP_NO;
        for (unsigned i = 0; i < VP_N_CAPS; i++)
                sum->caps[i] = ge->caps[i].actual;
        return 0;
}

int lbl_render(const struct lbl_summary *sum, const struct lbl_options *o, struct lbl_set *s)
{
        static const struct lbl_options defaults = {0};
        const char *prefix;
        char buf[32];
        bool disc, ver, usable;

        if (!sum || !s)
                return -EINVAL;
        if (!o)
                o = &defaults;
        prefix = o->prefix ? o->prefix : LBL_DEFAULT_PREFIX;
        /* The counts only: add() writes each entry whole (25 KiB of unused entries are not
         * worth clearing on every probe). */
        s->n = 0;
        s->n_rejected = 0;
        if (!dns_subdomain(prefix, strlen(prefix)) || lbl_reserved_prefix(prefix))
                return -EINVAL;
        disc = o->tier != LBL_TIER_VERIFY;
        ver = o->tier != LBL_TIER_DISCOVER;
        usable = o->tier == LBL_TIER_DISCOVER ? sum->bound_with_node : sum->va_works_on_node;
        if (disc && usable && !o->no_intel_gpu_label &&
            !lbl_nfd_owns(o->nfd_feature_labels, LBL_INTEL_GPU_KEY))
                add(s, NULL, LBL_INTEL_GPU_KEY, "true");
        if (disc) {
                add(s, prefix, "gpu.present", truth(sum->n_gpus > 0));
                snprintf(buf, sizeof(buf), "%u", sum->n_gpus);
                add(s, prefix, "gpu.count", buf);
        }
        if (ver)
                add(s, prefix, "status", vp_node_status_str(sum->status));
        if (!sum->has_primary)
                return 0;
        if (ver && sum->exercise[0])
                add(s, prefix, "exercise", sum->exercise);
        if (disc) {
                if (sum->device_id) {
                        snprintf(buf, sizeof(buf), "%04x", sum->device_id);
                        add(s, prefix, "gpu.device-id", buf);
                }
                if (sum->platform[0])
                        add(s, prefix, "gpu.platform", sum->platform);
                if (sum->generation[0])
                        add(s, prefix, "gpu.generation", sum->generation);
                if (sum->kernel_driver[0])
                        add(s, prefix, "gpu.kernel-driver", sum->kernel_driver);
                add(s, prefix, "gpu.virtualization", vp_virt_str(sum->virt));
                if (sum->vgpu_type[0])
                        add(s, prefix, "gpu.vgpu-type", sum->vgpu_type);
        }
        if (!ver)
                return 0;
        if (sum->va_driver[0])
                add(s, prefix, "va.driver", sum->va_driver);
        if (sum->va_ready != VP_UNKNOWN)
                add(s, prefix, "va.ready", truth(sum->va_ready == VP_YES));
        for (unsigned i = 0; i < VP_N_CAPS; i++) {
                if (sum->caps[i] == VP_UNKNOWN)
                        continue; /* unknown is omitted, never "false" */
                add(s, prefix, vp_cap_key(i), truth(sum->caps[i] == VP_YES));
        }
        return 0;
}

int lbl_compute(const struct vp_facts *f, const struct vp_eval *e, const struct lbl_options *o,
                struct lbl_set *s)
{
        struct lbl_summary sum;
        int r;

        if (!s)
                return -EINVAL;
        s->n = 0;
        s->n_rejected = 0;
        r = lbl_summarize(f, e, &sum);
        return r < 0 ? r : lbl_render(&sum, o, s);
}
