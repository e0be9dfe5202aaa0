/* SPDX-License-Identifier: MIT */
/* PCI id -> platform, from the generated table (intel-pci-ids.csv). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "tables.h"
#include "vaprobe/common/strings.h"

static int cmp_id(const void *key, const void *elem)
{
        uint16_t id = *(const uint16_t *)key;
        const struct vpi_pci_id *e = elem;
        return (int)id - (int)e->id;
}

static const struct vpi_pci_id *pci_find(uint16_t id)
{
        return bsearch(&id, vpi_pci_ids, vpi_n_pci_ids, sizeof(vpi_pci_ids[0]), cmp_id);
}

static const char *kmd_str(enum vpi_kmd k)
{
        return k == VPI_KMD_I915 ? "i915" : k == VPI_KMD_XE ? "xe" : "none";
}

static void fill_platform(const struct vpi_pci_id *e, struct vp_platform *p)
{
        const struct vpi_platform *pl = &vpi_platforms[e->platform];

        vpi_strlcpy(p->platform, pl->name, sizeof(p->platform));
        vpi_strlcpy(p->label, pl->label, sizeof(p->label));
        vpi_strlcpy(p->gen, pl->gen, sizeof(p->gen));
}

int vp_platform_lookup(uint16_t id, struct vp_platform *p)
{
        const struct vpi_pci_id *e = pci_find(id), *best = NULL;

        memset(p, 0, sizeof(*p));
        if (e) {
                p->known = true;
                fill_platform(e, p);
                vpi_strlcpy(p->gt, e->gt, sizeof(p->gt));
                vpi_strlcpy(p->name, e->name, sizeof(p->name));
                vpi_strlcpy(p->default_kmd, kmd_str(e->kmd), sizeof(p->default_kmd));
                vpi_strlcpy(p->xe_force_probe, e->xe_force_probe, sizeof(p->xe_force_probe));
                p->in_kernel = e->in_kernel;
                p->in_ihd = e->in_ihd;
                p->in_i965 = e->in_i965;
                return 0;
        }
        /* Intel numbers a family's ids in blocks sharing the high byte (0x3Exx Coffee Lake,
         * 0x7Dxx Meteor/Arrow Lake, 0xE2xx Battlemage, ...): the nearest known id in the same
         * block names the likely family (intel-capabilities.md section 7). */
        for (size_t i = 0; i < vpi_n_pci_ids; i++) {
                const struct vpi_pci_id *c = &vpi_pci_ids[i];
                if ((c->id >> 8) != (id >> 8))
                        continue;
                if (!best || abs((int)c->id - (int)id) < abs((int)best->id - (int)id))
                        best = c;
        }
        if (best) {
                p->guessed = true;
                fill_platform(best, p);
                vpi_strlcpy(p->default_kmd, kmd_str(best->kmd), sizeof(p->default_kmd));
        }
        return -ENOENT;
}
