/* SPDX-License-Identifier: MIT */
/* What each mode does with the facts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labeler/labeler.h"
#include "na.h"

static int cmd_snapshot(const struct vp_facts *f, FILE *out)
{
        char *json = NULL;

        if (vp_facts_to_json(f, 1, &json) < 0) {
                na_logf("out of memory while writing JSON");
                return NA_EXIT_INTERNAL;
        }
        fprintf(out, "%s\n", json);
        free(json);
        return fflush(out) == 0 ? NA_EXIT_OK : NA_EXIT_INTERNAL;
}

static int cap_index(const char *key)
{
        for (unsigned i = 0; i < VP_N_CAPS; i++)
                if (strcmp(vp_cap_key(i), key) == 0)
                        return (int)i;
        return -1;
}

/* The verdict as an exit code; with quiet == false, one line per reason on stderr. */
static int verdict(const struct na_config *cfg, const struct vp_facts *f, const struct vp_eval *e,
                   bool quiet)
{
        int rc = NA_EXIT_OK;

        if (e->node_status == VP_NODE_NO_GPU) {
                if (!quiet)
                        na_logf("no Intel GPU");
                return NA_EXIT_NO_GPU;
        }
        if (e->node_status != VP_NODE_OK) {
                if (!quiet)
                        for (uint32_t i = 0; i < e->n_checks; i++)
                                if (e->checks[i].status == VP_STATUS_FAIL)
                                        na_logf("%s: %s", e->checks[i].id, e->checks[i].summary);
                rc = NA_EXIT_DEGRADED;
        }
        for (int i = 0; i < cfg->n_require; i++) {
                int k = cap_index(cfg->require[i]);
                const struct vp_cap *c = e->primary >= 0 ? &e->gpus[e->primary].caps[k] : NULL;
                enum vp_ex_outcome ex;
                if (!c || c->actual != VP_YES) {
                        if (!quiet)
                                na_logf("required %s: %s", cfg->require[i],
                                        !c || c->actual == VP_UNKNOWN ? "unknown"
                                                                      : "not available");
                        rc = NA_EXIT_DEGRADED;
                        continue;
                }
                /* With the exercise, a required capability that has a job must have passed it:
                 * listed is not enough. */
                ex = vp_exercise_of_cap(f, e, cfg->require[i]);
                if (cfg->exercise && ex != VP_EX_OK && ex != VP_EX_NOT_RUN) {
                        if (!quiet)
                                na_logf("required %s: listed, but the real job %s", cfg->require[i],
                                        vp_ex_outcome_str(ex));
                        rc = NA_EXIT_DEGRADED;
                }
        }
        return rc;
}

int na_run_mode(const struct na_config *cfg, const struct vp_facts *f, FILE *out)
{
        struct vp_eval *e = NULL;
        struct lbl_set *labels = NULL;
        int rc = NA_EXIT_OK;

        if (cfg->mode == NA_MODE_SNAPSHOT)
                return cmd_snapshot(f, out);
        if (cfg->usage_ms && cfg->format != NA_FORMAT_TEXT) {
                na_logf("--usage prints a table: not with -o json or yaml");
                return NA_EXIT_USAGE;
        }
        for (int i = 0; i < cfg->n_require; i++) {
                if (cap_index(cfg->require[i]) < 0) {
                        na_logf("--require %s: not a capability (e.g. decode.hevc-10bit, "
                                "encode.h264)",
                                cfg->require[i]);
                        return NA_EXIT_USAGE;
                }
        }
        labels = calloc(1, sizeof(*labels));
        if (!labels || vp_evaluate(f, &e) < 0 || lbl_compute(f, e, NULL, labels) < 0) {
                na_logf("out of memory");
                rc = NA_EXIT_INTERNAL;
                goto out;
        }
        if (cfg->mode == NA_MODE_LABEL) {
                rc = na_cmd_label(cfg, f, e, out);
                goto out;
        }
        if (cfg->mode == NA_MODE_CHECK) {
                rc = verdict(cfg, f, e, false);
                if (rc == NA_EXIT_OK) {
                        fprintf(out, "nodeprobe: ");
                        na_print_status_line(out, e);
                        fprintf(out, "\n");
                }
                goto out;
        }
        if (na_report(cfg, f, e, labels, out) < 0 || fflush(out) != 0) {
                na_logf("cannot write the report");
                rc = NA_EXIT_INTERNAL;
                goto out;
        }
        if (cfg->usage_ms && na_usage_report(cfg, out) < 0) {
                rc = NA_EXIT_INTERNAL;
                goto out;
        }
        if (cfg->verbose && cfg->format == NA_FORMAT_TEXT) {
                fprintf(out, "\nRaw facts:\n");
                na_print_facts_text(out, f);
        }
        if (cfg->strict)
                rc = verdict(cfg, f, e, true);
out:
        free(labels);
        free(e);
        return rc;
}
