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

/* A real job on every engine the driver lists: what --exercise proves on a GPU that is there
 * (vpp, H.264/HEVC encode, H.264 decode back). A refusal, garbage or hang here is the finding
 * the exercise exists for; the evidence says which job and why. */
Test(hw, exercise_on_the_real_gpu, .timeout = 120)
{
        struct vp_facts *f = NULL;
        struct vp_eval *e = NULL;
        struct vp_options o = {.exercise = true};

        cr_assert_eq(vp_probe(&o, &f), 0);
        const struct vp_gpu *g = intel_render(f);
        if (!g || g->va.outcome != VP_VA_OK) {
                free(f);
                cr_skip_test("no Intel render node with a working VA driver on this machine");
        }
        cr_assert_eq(vp_evaluate(f, &e), 0);
        const struct vp_check *c = vp_eval_check(e, "exercise");
        cr_assert(c);
        cr_expect(g->va.exercise.n_steps > 0, "the driver lists something to run");
        cr_expect_neq(c->status, VP_STATUS_FAIL, "%s\n%s\n%s", c->summary, c->evidence, c->cause);
        free(e);
        free(f);
}
