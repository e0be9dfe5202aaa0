/* SPDX-License-Identifier: MIT */
/* Internal pieces of the evaluation (eval.c, eval_caps.c). */
#ifndef VAPROBE_EVAL_H
#define VAPROBE_EVAL_H

#include "causes.h"
#include "vaprobe/verdict.h"

/* Index of a platform name in the generated table, -1 when absent. */
int vpi_platform_index(const char *name);

/* How a platform's GPU can be shared between VMs. */
enum vpi_split { VPI_SPLIT_UNKNOWN, VPI_SPLIT_NONE, VPI_SPLIT_GVTG, VPI_SPLIT_SRIOV };
/* Which driver makes the virtual functions of an SR-IOV platform. */
enum vpi_sriov {
        VPI_SRIOV_NO,
        VPI_SRIOV_DKMS,       /* the out-of-tree i915-sriov-dkms, in host and guests */
        VPI_SRIOV_XE,         /* upstream xe: xe.max_vfs and sriov_numvfs */
        VPI_SRIOV_DKMS_OR_XE, /* whichever drives the PF (TGL/ADL/RPL) */
};
/* One platform's row of split.c (sources named there); static storage. */
struct vpi_split_row {
        const char *platform; /* CSV spelling, e.g. "DG2" */
        enum vpi_split split;
        enum vpi_sriov sriov;
        const char *xe_since; /* the Linux release whose xe has SR-IOV PF for it, or NULL */
};
/* The row of PLATFORM, or NULL for a platform split.c does not list (never guessed). */
const struct vpi_split_row *vpi_split_row(const char *platform);
/* How PLATFORM's GPU can be split; VPI_SPLIT_UNKNOWN when it has no row. */
enum vpi_split vpi_split_method(const char *platform);
/* For an SR-IOV platform, the driver that makes its VFs when PF_DRIVER ("i915", "xe" or
 * NULL) drives the physical function; VPI_SRIOV_NO when the platform cannot. */
enum vpi_sriov vpi_sriov_driver(const char *platform, const char *pf_driver);
/* Whether xe on kernel RELEASE (uname -r, e.g. "6.17.2-1-pve"; "" unknown) still needs
 * xe.force_probe for PLATFORM, for the platforms whose requirement ended in a known release
 * (split.c); true when the release is unknown or the platform has no such release. Pure. */
bool vpi_needs_force_probe(const char *platform, const char *release);

/* Label spelling and generation of a platform index. */
const char *vpi_platform_label(int index);
const char *vpi_platform_gen(int index);

/* Fill ge->caps from the matrix and g->va; needs ge->platform, va_driver, nonfree, huc. */
void vpi_eval_caps(const struct vp_gpu *g, struct vp_gpu_eval *ge);

/* Append a check to e (NULL when full) and set its status (no cause: ok, skip). */
struct vp_check *vpi_add_check(struct vp_eval *e, const char *id, const char *step);
void vpi_check_set(struct vp_check *c, enum vp_status s);

/* Template variables for the cause catalogue ({name} in causes.h). A plain value: checks copy
 * the evaluation's base set (the distribution's commands) and add their own. */
#define VPI_MAX_VARS 32
struct vpi_vars {
        uint32_t n;
        struct {
                const char *name; /* static string */
                char value[320];
        } v[VPI_MAX_VARS];
};
/* Set (or replace) a variable; printf-style value, truncated to valid UTF-8. */
__attribute__((format(printf, 3, 4))) void vpi_var(struct vpi_vars *v, const char *name,
                                                   const char *fmt, ...);
/* Copy the n variables in use (a whole struct is 10 KiB, copied once per check). */
void vpi_vars_copy(struct vpi_vars *dst, const struct vpi_vars *src);
/* The catalogue's commands for the machine's distribution (distro.c). */
void vpi_distro_vars(const struct vp_machine *m, struct vpi_vars *v);

/* Give the check a cause from the catalogue: its status, id, and the rendered cause and fix
 * (appended, so a check may add specifics after). vpi_cause_as overrides the status (a
 * cause that is a warning in one situation and a failure in another). */
void vpi_cause(struct vp_check *c, enum vpi_cause id, const struct vpi_vars *v);
void vpi_cause_as(struct vp_check *c, enum vpi_cause id, enum vp_status s,
                  const struct vpi_vars *v);

/* The check registry: each evaluation is a table of {id, step, function}; the runner adds
 * each check (the one prologue) and calls its function with the evaluation's context. */
typedef void (*vpi_check_fn)(struct vp_check *c, const void *ctx);
struct vpi_check_def {
        const char *id;
        const char *step;
        vpi_check_fn fn;
};
/* -ENOBUFS when e has no room (VP_MAX_CHECKS). */
int vpi_run_checks(struct vp_eval *e, const struct vpi_check_def *defs, size_t n, const void *ctx);

#define SUMMARY(c, ...) vpi_appendf((c)->summary, sizeof((c)->summary), __VA_ARGS__)
#define EVID(c, ...) vpi_appendf((c)->evidence, sizeof((c)->evidence), __VA_ARGS__)
#define CAUSE(c, ...) vpi_appendf((c)->cause, sizeof((c)->cause), __VA_ARGS__)
#define FIX(c, ...) vpi_appendf((c)->fix, sizeof((c)->fix), __VA_ARGS__)

/* Does the driver list one of these profiles with this entrypoint? */
bool vpi_has(const struct vp_va *va, const int32_t *profiles, int n, int32_t ep);

#endif
