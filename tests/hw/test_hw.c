/* SPDX-License-Identifier: MIT */
/*
 * On real Intel hardware only (ctest label "hw"): the probe of this machine agrees with the
 * kernel's own view. Skips cleanly where there is no Intel render node (CI, most VMs).
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "vaprobe/vaprobe.h"

static const struct vp_gpu *intel_render(const struct vp_facts *f)
{
        for (uint32_t i = 0; i < f->n_gpus; i++)
                if (vp_is_intel(&f->gpus[i]) && f->gpus[i].render_node[0])
                        return &f->gpus[i];
        return NULL;
}

Test(hw, real_intel_gpu)
{
        struct vp_facts *f = NULL;
        struct vp_options o = {0};

        cr_assert_eq(vp_probe(&o, &f), 0);
        const struct vp_gpu *g = intel_render(f);
        if (!g) {
                free(f);
                cr_skip_test("no Intel render node on this machine");
        }
        cr_expect(strcmp(g->kernel_driver, "i915") == 0 || strcmp(g->kernel_driver, "xe") == 0);
        cr_expect_str_eq(g->drm_name, g->kernel_driver);
        if (strcmp(g->drm_name, "i915") == 0)
                cr_expect(g->num_fences.known && g->huc_status.known,
                          "i915 GETPARAMs answered on the render node");
        if (g->render_open_errno == 0)
                cr_expect_neq(g->va.outcome, VP_VA_NOT_RUN);
        free(f);
}
