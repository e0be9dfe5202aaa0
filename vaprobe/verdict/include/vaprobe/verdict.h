/* SPDX-License-Identifier: MIT */
/*
 * vaprobe verdict: what the platform should do (PCI id -> platform -> generation -> expected
 * codecs, by driver and build) against what the facts say it does, as checks with a cause
 * and a fix. Pure: no I/O. Same error currency as vaprobe/facts.h.
 */
#ifndef VAPROBE_VERDICT_H
#define VAPROBE_VERDICT_H

#include "vaprobe/facts.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- evaluation: what the platform should do against what it does (pure) ---- */

enum vp_status {
        VP_STATUS_SKIP = 0, /* not applicable, or nothing known to judge by */
        VP_STATUS_OK = 1,
        VP_STATUS_WARN = 2, /* works, with a caveat or a fixable limitation */
        VP_STATUS_FAIL = 3,
        _VP_STATUS_MAX,
};

enum vp_virt {
        VP_VIRT_UNKNOWN = 0,
        VP_VIRT_BARE_METAL,
        VP_VIRT_PASSTHROUGH,
        VP_VIRT_GVTG,
        VP_VIRT_SRIOV_VF,
        _VP_VIRT_MAX,
};

/* The node's one-word status (label value). Append-only. */
enum vp_node_status {
        VP_NODE_OK = 0,
        VP_NODE_DEGRADED,
        VP_NODE_NO_GPU,
        VP_NODE_NO_KERNEL_DRIVER,
        VP_NODE_NO_RENDER_NODE,
        VP_NODE_RENDER_DENIED,
        VP_NODE_VA_FAILED,
        _VP_NODE_STATUS_MAX,
};

/* What the PCI id says (intel-pci-ids.csv). */
struct vp_platform {
        bool known;          /* the id is in the table */
        bool guessed;        /* not in the table; family guessed from neighbouring ids */
        char platform[24];   /* "COFFEELAKE" */
        char label[24];      /* "coffeelake" */
        char gen[8];         /* graphics generation, "9.5" */
        char gt[8];          /* "GT2" */
        char name[64];       /* "Intel(R) UHD Graphics 630" */
        char default_kmd[8]; /* "i915", "xe" or "none" */
        char xe_force_probe[48];
        bool in_kernel, in_ihd, in_i965;
};

/* Look up a device id. 0 when known; -ENOENT when not (ret then holds a guess when one is
 * possible: guessed = true, or platform "" when not even that). */
int vp_platform_lookup(uint16_t device_id, struct vp_platform *ret);

/* Capability keys, in report order: decode.* then encode.* for h264 hevc hevc-10bit
 * hevc-12bit vp8 vp9 vp9-10bit av1 av1-10bit mpeg2 vc1 jpeg hevc-422-10bit hevc-444
 * hevc-444-10bit vp9-444 vp9-444-10bit, and decode.vvc (decode only). */
#define VP_N_CAPS 35
const char *vp_cap_key(unsigned i);

struct vp_cap {
        enum vp_tri expected; /* per the matrix for this platform and driver, full build */
        enum vp_tri actual;   /* per the driver's list; unknown when not probed */
        bool low_confidence;  /* the reference sources disagree: never a failure */
        char cause[24];       /* for expected-but-absent: va-api-too-old, free-build, huc,
                                 low-confidence, missing */
};

struct vp_gpu_eval {
        uint32_t gpu; /* index into facts->gpus */
        struct vp_platform platform;
        enum vp_virt virt;
        char vgpu_type[16];  /* "GVTg_V5_4" when known */
        char va_driver[16];  /* driver the expectations are for: "iHD" or "i965" */
        enum vp_tri nonfree; /* iHD build: YES non-free, NO free */
        enum vp_tri huc;     /* HuC loaded */
        struct vp_cap caps[VP_N_CAPS];
};

#define VP_MAX_CHECKS 20
struct vp_check {
        const char *id;   /* stable id, e.g. "render-node-access" (static string) */
        const char *step; /* the guide step it belongs to (static string) */
        enum vp_status status;
        char summary[256];
        char evidence[1024]; /* "what: value" lines */
        char cause_id[32];   /* stable cause category, e.g. "no-kernel-module" */
        char cause[512];
        char fix[1024]; /* copy-paste commands or settings, lines */
};

struct vp_eval {
        enum vp_node_status node_status;
        int32_t primary; /* index into gpus[] the checks are about; -1 when no Intel GPU */
        uint32_t n_gpus; /* Intel GPUs, in facts order */
        struct vp_gpu_eval gpus[VP_MAX_GPUS];
        uint32_t n_checks;
        struct vp_check checks[VP_MAX_CHECKS];
};

/* Evaluate facts. Pure. On success *ret is owned by the caller (free()). */
int vp_evaluate(const struct vp_facts *facts, struct vp_eval **ret);

/* The cause catalogue: every cause_id a check can carry, with its status and its cause and fix
 * texts as templates ({name} stands for what the check fills in). */
struct vp_cause_info {
        const char *id;
        enum vp_status status;
        const char *cause;
        const char *fix;
};
unsigned vp_cause_count(void);
const struct vp_cause_info *vp_cause_get(unsigned i);      /* NULL past the end */
const struct vp_cause_info *vp_cause_find(const char *id); /* NULL when not in the catalogue */

/* The guest checks in report order (every evaluation has each of them, status skip with the
 * reason when it cannot apply); NULL past the end. */
const char *vp_check_id(unsigned i);
/* How the exercise went for one capability key ("encode.h264", "decode.h264", "encode.hevc",
 * "encode.hevc-10bit"): VP_EX_NOT_RUN when no step covers it (not asked, not listed, or a
 * capability the exercise has no job for), else the worst outcome of its steps. Pure. */
enum vp_ex_outcome vp_exercise_of_cap(const struct vp_facts *f, const struct vp_eval *e,
                                      const char *cap);

/* The check with this id, or NULL. */
const struct vp_check *vp_eval_check(const struct vp_eval *e, const char *id);

const char *vp_status_str(enum vp_status s);           /* "skip", "ok", "warn", "fail" */
const char *vp_virt_str(enum vp_virt v);               /* "bare-metal", "gvt-g", ... */
const char *vp_node_status_str(enum vp_node_status s); /* "ok", "degraded", ... */

#ifdef __cplusplus
}
#endif
#endif
