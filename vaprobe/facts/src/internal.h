/* SPDX-License-Identifier: MIT */
/* Internal entry points between vaprobe's files (prefix vpi_). */
#ifndef VAPROBE_INTERNAL_H
#define VAPROBE_INTERNAL_H

#include "vaprobe/facts.h"

/* host.c: fill the machine-wide signals. */
void vpi_probe_machine(const struct vp_options *o, struct vp_machine *h);
/* GPU hang/reset lines in the kernel log now (0 when it is not readable). */
uint32_t vpi_dmesg_resets(const struct vp_options *o);
/* exercise.c: the jobs, on an initialised display whose configs are listed in va. */
#include <va/va.h>
void vpi_va_exercise(VADisplay dpy, struct vp_va *va, const struct vp_va_hooks *hooks);
int vpi_ex_outcome_from_str(const char *s, enum vp_ex_outcome *ret);
bool vpi_is_reset_line(const char *msg);

/* drm.c, in two steps so that vp_probe can start the VA runs in between. The DRM devices libdrm
 * lists (identity and nodes only): 0, or -ENOENT when opts->device names none of them. */
int vpi_list_gpus(const struct vp_options *o, struct vp_facts *f);
/* Then for each: sysfs, render node access and the kernel driver's ioctls; and the display
 * devices no driver made a DRM node for (not with opts->device). */
void vpi_detail_gpus(const struct vp_options *o, struct vp_facts *f);

/* names.c: inverse of vp_va_outcome_str. 0 or -EINVAL. */
int vpi_outcome_from_str(const char *s, enum vp_va_outcome *ret);

/* json.c: make every string fact valid UTF-8 (the field tables name them all). */
void vpi_facts_sanitize(struct vp_facts *f);

#endif
