/* SPDX-License-Identifier: MIT */
/* The Proxmox host side from a generated sysroot: cmdline, grub, modules, IOMMU groups, mdev
 * types and instances, SR-IOV, VM configs; then the checks and their JSON. */
#include <stdlib.h>

#include <jansson.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *root = np_fuzz_tree(data, size);
        struct vp_pve *h = NULL;
        struct vp_eval *e = NULL;
        json_t *checks;

        if (vp_pve_probe(root, "/nonexistent", &h) < 0 || vp_pve_evaluate(h, &e) < 0)
                abort();
        checks = na_checks_json(e);
        if (!checks)
                abort(); /* valid UTF-8 everywhere, or this is NULL */
        json_decref(checks);
        free(e);
        free(h);
        return 0;
}
