/* SPDX-License-Identifier: MIT */
/* Internal entry points between vaprobe's files (prefix vpi_). */
#ifndef VAPROBE_INTERNAL_H
#define VAPROBE_INTERNAL_H

#include "vaprobe/facts.h"

/* host.c: fill the machine-wide signals. */
void vpi_probe_machine(const struct vp_options *o, struct vp_machine *h);

/* drm.c: enumerate DRM devices (libdrm) and display-class PCI devices without a driver.
 * Fills f->gpus and f->n_gpus. 0 or -errno. */
int vpi_probe_gpus(const struct vp_options *o, struct vp_facts *f);

/* names.c: inverse of vp_va_outcome_str. 0 or -EINVAL. */
int vpi_outcome_from_str(const char *s, enum vp_va_outcome *ret);

/* json.c: make every string fact valid UTF-8 (the field tables name them all). */
void vpi_facts_sanitize(struct vp_facts *f);

#endif
