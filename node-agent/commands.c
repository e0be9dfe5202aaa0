/* SPDX-License-Identifier: MIT */
/* What each mode does with the facts. */
#include <stdio.h>
#include <stdlib.h>

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

static bool usable_intel_gpu(const struct vp_facts *f)
{
        for (uint32_t i = 0; i < f->n_gpus; i++)
                if (vp_is_intel(&f->gpus[i]) && f->gpus[i].va.outcome == VP_VA_OK)
                        return true;
        return false;
}

int na_run_mode(const struct na_config *cfg, const struct vp_facts *f, FILE *out)
{
        switch (cfg->mode) {
        case NA_MODE_SNAPSHOT:
                return cmd_snapshot(f, out);
        case NA_MODE_CHECK:
                return usable_intel_gpu(f) ? NA_EXIT_OK : NA_EXIT_NO_GPU;
        case NA_MODE_REPORT:
        default:
                na_print_facts_text(out, f);
                if (fflush(out) != 0)
                        return NA_EXIT_INTERNAL;
                if (cfg->strict && !usable_intel_gpu(f))
                        return NA_EXIT_NO_GPU;
                return NA_EXIT_OK;
        }
}
