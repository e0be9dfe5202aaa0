/* SPDX-License-Identifier: MIT */
/* The guest probe's machine readers from a generated root (/proc, /sys, /lib/modules, the
 * kernel log file): then evaluation, labels and every output format. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *root = np_fuzz_tree(data, size);
        char dmesg[128];
        struct vp_facts *f = NULL;

        snprintf(dmesg, sizeof(dmesg), "%s/dmesg.txt", root);
        struct vp_options o = {.root = root, .skip_va = true, .dmesg_file = dmesg};
        if (vp_probe(&o, &f) < 0)
                abort();
        np_fuzz_outputs(f);
        free(f);
        return 0;
}
