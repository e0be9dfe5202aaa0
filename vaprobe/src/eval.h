/* SPDX-License-Identifier: MIT */
/* Internal pieces of the evaluation (eval.c, eval_caps.c). */
#ifndef VAPROBE_EVAL_H
#define VAPROBE_EVAL_H

#include "vaprobe/vaprobe.h"

/* Index of a platform name in the generated table, -1 when absent. */
int vpi_platform_index(const char *name);

/* Label spelling and generation of a platform index. */
const char *vpi_platform_label(int index);
const char *vpi_platform_gen(int index);

/* Fill ge->caps from the matrix and g->va; needs ge->platform, va_driver, nonfree, huc. */
void vpi_eval_caps(const struct vp_gpu *g, struct vp_gpu_eval *ge);

/* Does the driver list one of these profiles with this entrypoint? */
bool vpi_has(const struct vp_va *va, const int32_t *profiles, int n, int32_t ep);

#endif
