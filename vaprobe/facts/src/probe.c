/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "nodeprobe_version.h"
#include "util.h"

static int run_in_process(void *userdata, const char *node, struct vp_va *ret)
{
        (void)userdata;
        return vp_va_probe_node(node, ret);
}

static const struct vp_va_runner in_process = {.run = run_in_process};

/* libva is run on Intel devices that have a render node and a bound driver; other vendors
 * only on request (their drivers are not what nodeprobe is about, and they may hang). */
static bool wants_va(const struct vp_options *o, const struct vp_gpu *g)
{
        if (o->skip_va || !g->render_node[0])
                return false;
        return o->va_all || o->device || vp_is_intel(g);
}

int vp_probe(const struct vp_options *opts, struct vp_facts **ret_facts)
{
        static const struct vp_options defaults = {0};
        const struct vp_options *o = opts ? opts : &defaults;
        const struct vp_va_runner *runner = o->va_runner ? o->va_runner : &in_process;
        struct vp_facts *f;
        int r;

        if (!ret_facts)
                return -EINVAL;
        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        f->schema = VP_FACTS_SCHEMA;
        vpi_strlcpy(f->probe_version, NODEPROBE_VERSION, sizeof(f->probe_version));
        vpi_strlcpy(f->source, "probe", sizeof(f->source));
        vpi_strlcpy(f->device, o->device, sizeof(f->device));

        vpi_probe_machine(o, &f->machine);
        r = vpi_probe_gpus(o, f);
        if (r < 0) {
                free(f);
                return r;
        }
        for (uint32_t i = 0; i < f->n_gpus; i++) {
                struct vp_gpu *g = &f->gpus[i];

                if (!wants_va(o, g))
                        continue;
                memset(&g->va, 0, sizeof(g->va));
                r = runner->run(runner->userdata, g->render_node, &g->va);
                if (r < 0 && g->va.outcome == VP_VA_NOT_RUN)
                        g->va.outcome = VP_VA_CHILD_FAILED;
        }
        vpi_facts_sanitize(f);
        *ret_facts = f;
        return 0;
}
