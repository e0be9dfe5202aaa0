/* SPDX-License-Identifier: MIT */
/* GPU usage inputs: /proc/PID/fdinfo/FD text (two of them, for the busy ratio of a client
 * read twice) and /proc/PID/cgroup text. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct vp_usage *a, *b;
        char *text, *second, uid[40], cid[72];
        double r[VP_ENGINE__MAX];

        text = np_fuzz_text(data, size);
        vp_cgroup_pod(text, uid, sizeof(uid), cid, sizeof(cid));
        a = calloc(1, sizeof(*a));
        b = calloc(1, sizeof(*b));
        if (!a || !b)
                goto out;
        /* A form feed splits the earlier and the later reading of the same fd. */
        second = strchr(text, '\f');
        if (second)
                *second++ = '\0';
        a->t_ns = 1;
        b->t_ns = 1 + (size % 7) * 1000000000ull;
        a->n_clients = vp_fdinfo_parse(text, &a->clients[0]) == 0;
        b->n_clients = vp_fdinfo_parse(second ? second : text, &b->clients[0]) == 0;
        for (uint32_t i = 0; i <= b->n_clients; i++) {
                vp_usage_busy(a, b, i, r);
                for (int e = 0; e < VP_ENGINE__MAX; e++)
                        if (!(r[e] == -1 || (r[e] >= 0 && r[e] <= 1)))
                                abort(); /* a ratio is unknown or a share */
        }
out:
        free(a);
        free(b);
        free(text);
        return 0;
}
