/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "nodeprobe_version.h"
#include "vaprobe/common/strings.h"

static int run_in_process(void *userdata, const char *node, unsigned flags, struct vp_va *ret)
{
        (void)userdata;
        return vp_va_probe_node_ex(node, flags, NULL, ret);
}

/* libva is run on Intel devices that have a render node and a bound driver; other vendors
 * only on request (their drivers are not what nodeprobe is about, and they may hang). */
static bool wants_va(const struct vp_options *o, const struct vp_gpu *g)
{
        if (o->skip_va || !g->render_node[0])
                return false;
        return o->va_all || o->device || vp_is_intel(g);
}

/* Start one VA run; a node whose run cannot start gets its outcome now (jobs[i] stays NULL). */
static void start_va(const struct vp_va_runner *runner, struct vp_facts *f, uint32_t i,
                     unsigned flags, void **jobs)
{
        struct vp_gpu *g = &f->gpus[i];

        memset(&g->va, 0, sizeof(g->va));
        if (runner->start(runner->userdata, g->render_node, flags, &jobs[i]) < 0) {
                jobs[i] = NULL;
                g->va.outcome = VP_VA_CHILD_FAILED;
        }
}

int vp_probe(const struct vp_options *opts, struct vp_facts **ret_facts)
{
        static const struct vp_options defaults = {0};
        const struct vp_options *o = opts ? opts : &defaults;
        const struct vp_va_runner in_process = {.run = run_in_process};
        const struct vp_va_runner *runner = o->va_runner ? o->va_runner : &in_process;
        unsigned flags = o->exercise ? VP_VA_EXERCISE : 0;
        uint32_t resets_before = 0;
        bool ex_failed = false;
        void *jobs[VP_MAX_GPUS] = {0};
        uint32_t va_idx[VP_MAX_GPUS], n_va = 0, started = 0;
        struct vp_facts *f;
        int r;

        if (!ret_facts)
                return -EINVAL;
        /* Everything but the GPU entries is zeroed; each entry is set whole when it is taken
         * (vpi_probe_gpus) and nothing reads past n_gpus. Zeroing 16 entries of 7 KiB that a
         * one-GPU VM never uses was the largest single cost of --report in instructions. */
        f = malloc(sizeof(*f));
        if (!f)
                return -ENOMEM;
        memset(f, 0, offsetof(struct vp_facts, gpus));
        memset(&f->gpus_partial, 0, sizeof(*f) - offsetof(struct vp_facts, gpus_partial));
        f->schema = VP_FACTS_SCHEMA;
        vpi_strlcpy(f->probe_version, NODEPROBE_VERSION, sizeof(f->probe_version));
        vpi_strlcpy(f->source, "probe", sizeof(f->source));
        vpi_strlcpy(f->device, o->device, sizeof(f->device));

        r = vpi_list_gpus(o, f);
        if (r < 0) {
                free(f);
                return r;
        }
        for (uint32_t i = 0; i < f->n_gpus; i++)
                if (wants_va(o, &f->gpus[i]))
                        va_idx[n_va++] = i;
        /* The VA runs first, so that the children load libva and initialise their drivers
         * while this process reads sysfs, asks the kernel driver and scans the kernel log. */
        /* A GPU reset the exercise causes shows in the kernel log: count what is there now. */
        if (flags && n_va)
                resets_before = vpi_dmesg_resets(o);
        if (runner->start)
                while (started < n_va && started < VP_VA_PARALLEL)
                        start_va(runner, f, va_idx[started++], flags, jobs);
        vpi_detail_gpus(o, f);
        vpi_probe_machine(o, &f->machine);
        for (uint32_t k = 0; k < n_va; k++) {
                struct vp_gpu *g = &f->gpus[va_idx[k]];

                if (runner->start) {
                        while (started < n_va && started < k + VP_VA_PARALLEL)
                                start_va(runner, f, va_idx[started++], flags, jobs);
                        if (jobs[va_idx[k]]) {
                                r = runner->finish(runner->userdata, jobs[va_idx[k]], &g->va);
                                if (r < 0 && g->va.outcome == VP_VA_NOT_RUN)
                                        g->va.outcome = VP_VA_CHILD_FAILED;
                        }
                        continue;
                }
                memset(&g->va, 0, sizeof(g->va));
                r = runner->run(runner->userdata, g->render_node, flags, &g->va);
                if (r < 0 && g->va.outcome == VP_VA_NOT_RUN)
                        g->va.outcome = VP_VA_CHILD_FAILED;
        }
        for (uint32_t k = 0; k < n_va; k++) {
                const struct vp_exercise *x = &f->gpus[va_idx[k]].va.exercise;
                for (uint32_t i = 0; i < x->n_steps && i < VP_MAX_EX_STEPS; i++)
                        ex_failed |= vp_ex_failed(x->steps[i].outcome);
        }
        if (ex_failed) {
                uint32_t after = vpi_dmesg_resets(o);
                for (uint32_t k = 0; k < n_va; k++)
                        vp_exercise_note_resets(&f->gpus[va_idx[k]].va.exercise, resets_before,
                                                after);
        }
        vpi_facts_sanitize(f);
        *ret_facts = f;
        return 0;
}
