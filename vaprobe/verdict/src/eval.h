/* SPDX-License-Identifier: MIT */
/* Internal pieces of the evaluation (eval.c, eval_caps.c). */
#ifndef VAPROBE_EVAL_H
#define VAPROBE_EVAL_H

#include "vaprobe/verdict.h"

/* Index of a platform name in the generated table, -1 when absent. */
int vpi_platform_index(const char *name);

/* How a platform's GPU can be shared between VMs. */
enum vpi_split { VPI_SPLIT_UNKNOWN, VPI_SPLIT_NONE, VPI_SPLIT_GVTG, VPI_SPLIT_SRIOV };
/* GVT-g: i915 intel_gvt.c is_supported_device() (BDW, SKL, BXT, KBL, CFL, CML). SR-IOV: the
 * 12th gen Core parts on (Alder Lake and later, with i915-sriov-dkms or xe); 11th gen (Ice,
 * Tiger, Rocket Lake, Jasper/Elkhart Lake), Gemini Lake and DG1 have neither. */
enum vpi_split vpi_split_method(const char *platform, const char *gen);

/* Label spelling and generation of a platform index. */
const char *vpi_platform_label(int index);
const char *vpi_platform_gen(int index);

/* Fill ge->caps from the matrix and g->va; needs ge->platform, va_driver, nonfree, huc. */
void vpi_eval_caps(const struct vp_gpu *g, struct vp_gpu_eval *ge);

/* Append a check to e (NULL when full) and set its status and cause category. */
struct vp_check *vpi_add_check(struct vp_eval *e, const char *id, const char *step);
void vpi_check_set(struct vp_check *c, enum vp_status s, const char *cause_id);

#define SUMMARY(c, ...) vpi_appendf((c)->summary, sizeof((c)->summary), __VA_ARGS__)
#define EVID(c, ...) vpi_appendf((c)->evidence, sizeof((c)->evidence), __VA_ARGS__)
#define CAUSE(c, ...) vpi_appendf((c)->cause, sizeof((c)->cause), __VA_ARGS__)
#define FIX(c, ...) vpi_appendf((c)->fix, sizeof((c)->fix), __VA_ARGS__)

/* Does the driver list one of these profiles with this entrypoint? */
bool vpi_has(const struct vp_va *va, const int32_t *profiles, int n, int32_t ep);

#endif
