/* SPDX-License-Identifier: MIT */
/*
 * vaprobe facts: what a Linux machine (usually a VM) can see of its GPUs, read through libdrm
 * and libva, plus the machine signals that tell bare metal, passthrough, GVT-g and SR-IOV VF
 * apart; snapshot JSON and the pasted-vainfo import. Nothing here judges: that is
 * vaprobe/verdict.h.
 *
 * Error currency: every function that can fail returns 0 or a negative errno. Nothing here
 * prints, logs or exits. All result structs are plain values (fixed-size arrays, no
 * pointers), so they can be copied with memcpy, sent through a pipe and freed with free().
 * "Unknown" is always distinct from "no": see enum vp_tri and struct vp_opt. Every string
 * fact is valid UTF-8.
 */
#ifndef VAPROBE_FACTS_H
#define VAPROBE_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vaprobe/common/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Version of the JSON facts schema (vp_facts_to_json). Bump on incompatible change. */
#define VP_FACTS_SCHEMA 2 /* 2: "host" became "machine" (1 is still read) */

#define VP_MAX_GPUS 16
#define VP_MAX_VA_CONFIGS 192
#define VP_MAX_GROUPS 32

/* enum vp_tri and struct vp_opt: vaprobe/common/types.h. */

/* How the VA-API part of a probe ended. Append-only: the values appear in JSON. */
enum vp_va_outcome {
        VP_VA_NOT_RUN = 0,      /* not attempted (not an Intel GPU, no render node, ...) */
        VP_VA_OK = 1,           /* vaInitialize succeeded, capabilities listed */
        VP_VA_OPEN_FAILED = 2,  /* open() of the render node failed: see open_errno */
        VP_VA_NO_DISPLAY = 3,   /* vaGetDisplayDRM returned NULL */
        VP_VA_INIT_FAILED = 4,  /* vaInitialize failed: see init_status */
        VP_VA_CRASHED = 5,      /* the isolated child died on a signal: see child_signal */
        VP_VA_TIMED_OUT = 6,    /* the isolated child did not answer in time and was killed */
        VP_VA_CHILD_FAILED = 7, /* the isolated child could not be run or answered garbage */
        _VP_VA_OUTCOME_MAX,
};

/* One VA profile x entrypoint pair the driver advertises. */
struct vp_va_config {
        int32_t profile;       /* VAProfile */
        int32_t entrypoint;    /* VAEntrypoint */
        uint32_t rt_format;    /* VA_RT_FORMAT_* bitmask; 0 = not reported */
        uint32_t rate_control; /* VA_RC_* bitmask for encode entrypoints; 0 = not reported */
        uint32_t max_width;    /* pixels; 0 = not reported */
        uint32_t max_height;   /* pixels; 0 = not reported */
};

/*
 * --exercise: one real job per engine, in the VA child (exercise.c). What the driver advertises
 * is not proof that it runs: a vGPU without HuC or a wedged GuC lists every profile and hangs
 * or returns garbage on the first job.
 */
enum vp_ex_outcome {
        VP_EX_NOT_RUN = 0,
        VP_EX_OK,
        VP_EX_SKIPPED,   /* nothing to run it on (not listed, or what it needs failed) */
        VP_EX_REFUSED,   /* a VA call returned an error (call, va_status) */
        VP_EX_GARBAGE,   /* it ran; the output is not what was put in */
        VP_EX_HUNG,      /* its deadline passed: the child was killed in this step */
        VP_EX_CRASHED,   /* the child died in this step (child_signal of the vp_va) */
        VP_EX_GPU_RESET, /* it failed and the kernel log shows a GPU hang or reset since */
        _VP_EX_OUTCOME_MAX,
};
/* A step that went wrong: refused, garbage, hung, crashed or a GPU reset. */
static inline bool vp_ex_failed(enum vp_ex_outcome o)
{
        return o > VP_EX_SKIPPED;
}
#define VP_MAX_EX_STEPS 8
#define VP_EX_STEP_SECONDS 5 /* each step's own deadline in the isolated child */
struct vp_ex_step {
        char kind[8];   /* "vpp", "encode", "decode" */
        char codec[16]; /* "h264", "hevc", "hevc-10bit"; "nv12-bgra" for vpp */
        int32_t profile, entrypoint;
        enum vp_ex_outcome outcome;
        char call[24];        /* the VA call that failed or hung, e.g. "vaSyncSurface" */
        int32_t va_status;    /* its VAStatus */
        uint32_t ms;          /* wall time of the step */
        uint32_t frames;      /* frames processed */
        uint32_t fps_x10;     /* frames per second, times 10 */
        uint32_t bytes;       /* encode: coded size of all frames */
        int32_t quality_x100; /* decode: luma PSNR (dB) against the source; vpp: mean absolute
                               * error per channel; times 100 */
        char detail[160];
};
struct vp_exercise {
        bool requested;
        int32_t running; /* while the child runs: the step in progress, -1 none */
        uint32_t n_steps;
        struct vp_ex_step steps[VP_MAX_EX_STEPS];
};

/* VA profile values newer than some libva headers nodeprobe builds against. They are ABI (the
 * enum values in intel/libva va/va.h, VVC joined in libva 2.22 / VA-API 1.22), so a driver can
 * list them and a vainfo text can name them whatever libva this binary was built with. */
#define VP_PROFILE_H264_HIGH10 36
#define VP_PROFILE_VVC_MAIN10 37
#define VP_PROFILE_VVC_MULTILAYER_MAIN10 38

/* What libva said about one render node. */
struct vp_va {
        enum vp_va_outcome outcome;
        int32_t open_errno;   /* errno of open() when outcome == VP_VA_OPEN_FAILED */
        int32_t init_status;  /* VAStatus of vaInitialize (0 = success) */
        char init_error[96];  /* vaErrorStr(init_status) */
        int32_t child_signal; /* signal that ended the isolated child, VP_VA_CRASHED */
        int32_t api_major;    /* VA-API version of the libva in use */
        int32_t api_minor;
        char vendor[192];        /* vaQueryVendorString */
        char driver[32];         /* driver libva opened ("iHD", "i965", ...); "" if none */
        char drivers_tried[128]; /* comma-separated, in libva's order */
        char driver_env[32];     /* LIBVA_DRIVER_NAME at probe time, "" if unset */
        char log[1536];          /* libva's own info/error lines, newline separated, capped */
        bool configs_partial;    /* the list may be cut short (truncated text): absent = unknown */
        uint32_t n_configs;
        struct vp_va_config configs[VP_MAX_VA_CONFIGS];
        struct vp_exercise exercise;
};

/* One DRM device as libdrm enumerates it (Intel or not). */
struct vp_gpu {
        char pci_slot[16]; /* "0000:00:02.0"; "" when not a PCI device */
        uint16_t vendor_id;
        uint16_t device_id;
        uint16_t subsys_vendor_id;
        uint16_t subsys_device_id;
        struct vp_opt revision;  /* unknown when libdrm could not read it */
        struct vp_opt pci_class; /* 24-bit PCI class, e.g. 0x030000 */
        char kernel_driver[32];  /* bound driver (sysfs "driver" link); "" = none bound */
        char card_node[32];      /* "/dev/dri/card0" or "" */
        char render_node[32];    /* "/dev/dri/renderD128" or "" */
        char sysfs_render[16];   /* "renderD128" when sysfs shows one (even without /dev/dri) */

        /* Render node access, as this process sees it. */
        bool render_stat_ok;
        uint32_t render_mode; /* st_mode & 07777 */
        uint32_t render_uid;
        uint32_t render_gid;
        char render_group[32];     /* group name of render_gid when resolvable */
        int32_t render_open_errno; /* 0 = open(O_RDWR) worked; -1 = not tried */

        /* drmGetVersion (never the date: it is "0" since the driver date removal). */
        char drm_name[32];
        char drm_desc[64];
        struct vp_opt drm_major, drm_minor, drm_patch;

        /* i915 GETPARAMs and aperture: unknown on xe or when the ioctl fails. chipset_id and
         * i915_revision are only read from older snapshots: i915 answers them from the PCI
         * device (pdev->device, pdev->revision), which device_id and revision already hold,
         * so the probe no longer spends two ioctls on them. */
        struct vp_opt chipset_id;
        struct vp_opt num_fences; /* 4 on every GVT-g vGPU type, 32 on real gen8+ */
        struct vp_opt huc_status; /* >0 loaded/authenticated, 0 not loaded, <0 error */
        struct vp_opt i915_revision;
        struct vp_opt aperture_size;      /* bytes */
        struct vp_opt aperture_available; /* bytes */

        /* PCI and display signals from sysfs (guest-detection.md section 1.2). */
        enum vp_tri io_bar;   /* an I/O port BAR exists (missing on GVT-g vGPUs and VFs) */
        enum vp_tri gvt_edid; /* a DP connector carries GVT-g's virtual monitor EDID */
        char gvt_edid_connector[48];
        enum vp_tri physfn; /* a "physfn" link exists: this is a VF seen from its host */
        struct vp_opt sriov_totalvfs;

        struct vp_va va;
};

/* Signals about the machine the probe runs on (the guest VM, or bare metal). "Host" means
 * the Proxmox host only (vaprobe/pve.h). */
struct vp_machine {
        char kernel_release[64];
        char cmdline[1024];
        char cpu_model[96];
        enum vp_tri hypervisor;   /* "hypervisor" flag in /proc/cpuinfo */
        char os_id[32];           /* os-release ID: "debian", "ubuntu", "talos", ... ("" unknown) */
        char os_id_like[64];      /* ID_LIKE */
        char os_version_id[32];   /* VERSION_ID */
        char os_name[64];         /* PRETTY_NAME */
        enum vp_tri in_container; /* /.dockerenv, /run/.containerenv or a pod's service account */
        char dmi_sys_vendor[64];
        char dmi_product[96];
        enum vp_tri efi;         /* booted through UEFI (/sys/firmware/efi exists) */
        enum vp_tri secure_boot; /* efivarfs SecureBoot byte */
        enum vp_tri setup_mode;  /* efivarfs SetupMode byte */
        enum vp_tri iommu;       /* /sys/class/iommu has entries: a vIOMMU inside a guest */
        char iommu_names[64];
        enum vp_tri i915_pmu; /* /sys/bus/event_source/devices/i915 */
        enum vp_tri xe_pmu;   /* /sys/bus/event_source/devices/xe_* */
        enum vp_tri mod_i915; /* i915 in /lib/modules/$(uname -r) (file or builtin) */
        enum vp_tri mod_xe;
        enum vp_tri loaded_i915; /* /sys/module/i915 exists */
        enum vp_tri loaded_xe;

        /* This process, for render-node access advice. */
        uint32_t uid;
        uint32_t gid;
        uint32_t n_groups;
        uint32_t groups[VP_MAX_GROUPS];

        /* Kernel log, only when readable (CAP_SYSLOG, or a file given to the probe). */
        enum vp_tri dmesg_readable;
        enum vp_tri dmesg_gvt;      /* "Virtual GPU for Intel GVT-g detected." */
        enum vp_tri dmesg_sriov_vf; /* "Running in SR-IOV VF mode" */
        enum vp_tri dmesg_huc;      /* HuC loaded/authenticated line seen */
        char dmesg_vgpu_type[16];   /* "GVTg_V5_8" from ballooning sizes, "" unknown */
        char dmesg_notes[1024];     /* other notable lines, newline separated */
        uint32_t dmesg_resets;      /* GPU hang and reset lines ("GPU HANG", "Resetting ...") */
};

struct vp_facts {
        int32_t schema;         /* VP_FACTS_SCHEMA */
        char probe_version[32]; /* nodeprobe version that produced the facts */
        char source[16];        /* "probe", "vainfo" (parsed text), "json" */
        struct vp_machine machine;
        uint32_t n_gpus;
        struct vp_gpu gpus[VP_MAX_GPUS];
        bool gpus_partial; /* more than VP_MAX_GPUS were there: the rest was not examined */
        char device[32];   /* the probe was limited to this node (--device), "" = all */
};

/*
 * How the VA-API part is run for one render node. The default runs it in-process; the
 * agent plugs in a runner that forks a child with a timeout, because drivers crash and
 * hang. The callback fills *ret (already zeroed) and returns 0 or -errno.
 */
struct vp_va_runner {
        /* flags: VP_VA_EXERCISE when vp_options.exercise; pass them to vp_va_probe_node_ex */
        int (*run)(void *userdata, const char *render_node, unsigned flags, struct vp_va *ret);
        /* Optional, both or neither: start the run for a node and return at once (*ret_job
         * is the runner's own), then collect it into *ret (zeroed first); finish is called
         * exactly once for every job start returned 0 for. vp_probe starts the runs (at most
         * VP_VA_PARALLEL at a time) before its own sysfs and ioctl work and collects them
         * after, so the two overlap instead of adding up. */
        int (*start)(void *userdata, const char *render_node, unsigned flags, void **ret_job);
        int (*finish)(void *userdata, void *job, struct vp_va *ret);
        void *userdata;
};
/* Concurrent VA runs: two use both cores of a small VM; more would multiply the drivers'
 * memory (tens of MiB each) against the pod's limit. */
#define VP_VA_PARALLEL 2

struct vp_options {
        const char *root;       /* prefix for /proc, /sys, /lib/modules; NULL = "/" */
        const char *device;     /* only probe this render node (e.g. "/dev/dri/renderD129") */
        const char *dmesg_file; /* read the kernel log from here instead of klogctl() */
        bool skip_va;           /* do not touch libva at all */
        bool va_all;            /* also run libva on non-Intel render nodes */
        bool exercise;          /* also run a real job per engine (VP_VA_EXERCISE) */
        const struct vp_va_runner *va_runner; /* NULL = vp_va_probe_node in-process */
};

/*
 * Probe the machine. On success *ret_facts is a new struct owned by the caller (free()).
 * A machine without a GPU is a success with n_gpus == 0. Fails only on -ENOMEM, or
 * -ENOENT when opts->device names a node libdrm does not list.
 */
int vp_probe(const struct vp_options *opts, struct vp_facts **ret_facts);

/* Run libva on one render node in this process and fill *ret (zeroed first). Returns 0
 * whenever *ret describes what happened (including init failures). */
int vp_va_probe_node(const char *render_node, struct vp_va *ret);
/* The same with flags: VP_VA_EXERCISE also runs the exercise after the listing. hooks (may be
 * NULL) is told when each exercise step starts (step >= 0) and ends (-1): the isolated child
 * arms its per-step deadline there. *ret is written as the work goes, so a caller that shares
 * it with a child it killed still sees the step that was running (ret->exercise.running). */
#define VP_VA_EXERCISE 1u
struct vp_va_hooks {
        void (*step)(void *userdata, int step);
        void *userdata;
};
int vp_va_probe_node_ex(const char *render_node, unsigned flags, const struct vp_va_hooks *hooks,
                        struct vp_va *ret);
/* After an exercise with failed steps: mark those the kernel log explains. resets_before and
 * resets_after are vp_machine.dmesg_resets from before the VA run and from a fresh scan. */
void vp_exercise_note_resets(struct vp_exercise *x, uint32_t resets_before, uint32_t resets_after);
const char *vp_ex_outcome_str(enum vp_ex_outcome o); /* "not-run", "ok", "skipped", ... */

/*
 * A fingerprint of the GPU state as sysfs and /dev/dri show it, cheap enough to take every few
 * seconds (no libdrm, no libva, a few small reads): the /sys/class/drm entries, each card's
 * and render node's PCI slot, ids and bound driver, and the /dev/dri entries with their mode,
 * owner and device number. Equal fingerprints: nothing a probe would see has changed (short of
 * a driver package upgrade, which the agent's resync catches). root as vp_options.root.
 */
int vp_fingerprint(const char *root, uint64_t *ret);

/* Scan kernel log text for the virtualization lines (pure). Fills the dmesg_* fields. */
void vp_dmesg_scan(const char *text, struct vp_machine *machine);

/* Decode a 128-byte+ EDID blob: true when it is GVT-g's virtual DP monitor (pure). */
bool vp_edid_is_gvt(const uint8_t *edid, size_t len);

/*
 * Parse pasted `vainfo` output (the form people post in forums and bug reports) into facts
 * with one Intel GPU: libva and driver versions, the driver files libva tried, the failure
 * lines, and the profile/entrypoint list. device_id 0 = unknown (a "device id: 0x...."
 * annotation in a leading '#' comment line is used then); kernel_driver NULL = infer from the
 * driver names libva tried. What the text cannot tell stays unknown. Pure. On success
 * *ret_facts is owned by the caller (free()). -EINVAL when the text is not vainfo output.
 */
int vp_vainfo_parse(const char *text, uint16_t device_id, const char *kernel_driver,
                    struct vp_facts **ret_facts);

/* ---- JSON (jansson) ---- */

/* Serialise facts. On success *ret_json is a NUL-terminated string the caller frees with
 * free(). flags: 0 = compact, 1 = indented. */
int vp_facts_to_json(const struct vp_facts *facts, int indent, char **ret_json);

/* Parse facts written by vp_facts_to_json (any older schema it understands). Unknown keys
 * are ignored; missing keys stay unknown. On failure returns -EINVAL and, when err is
 * non-NULL, a one-line reason in err. */
int vp_facts_from_json(const char *text, size_t len, struct vp_facts **ret_facts, char *err,
                       size_t errlen);

/* Same as vp_facts_to_json/from_json for a single struct vp_va (the isolated child's
 * answer). */
int vp_va_to_json(const struct vp_va *va, char **ret_json);
int vp_va_from_json(const char *text, size_t len, struct vp_va *ret);

/* ---- names ---- */
const char *vp_tri_str(enum vp_tri t);               /* "unknown", "no", "yes" */
const char *vp_va_outcome_str(enum vp_va_outcome o); /* "not-run", "ok", ... */
/* VAProfile / VAEntrypoint names without the libva prefix, e.g. "HEVCMain10", "EncSliceLP";
 * NULL for values this build does not know. Pure (does not need libva loaded). */
const char *vp_profile_name(int32_t profile);
const char *vp_entrypoint_name(int32_t entrypoint);
int vp_profile_from_name(const char *name, int32_t *ret); /* accepts with or without "VAProfile" */
int vp_entrypoint_from_name(const char *name,
                            int32_t *ret); /* accepts with or without "VAEntrypoint" */

/* True for the Intel vendor id. */
static inline bool vp_is_intel(const struct vp_gpu *g)
{
        return g->vendor_id == 0x8086;
}

/* ---- GPU usage: DRM fdinfo per client (Documentation/gpu/drm-usage-stats.rst) ---- */

/* Engine classes as i915 names them (drm-engine-<class>); xe's rcs, bcs, vcs, vecs and ccs
 * map to render, copy, video, video-enhance and compute. */
enum vp_engine {
        VP_ENGINE_RENDER,
        VP_ENGINE_COPY,
        VP_ENGINE_VIDEO,
        VP_ENGINE_VIDEO_ENHANCE,
        VP_ENGINE_COMPUTE,
        VP_ENGINE__MAX,
};
const char *vp_engine_str(enum vp_engine e); /* "render", "copy", "video", ... */

/* One DRM client (an open of a DRM device; dup'd and inherited fds share it). */
struct vp_drm_client {
        char driver[8]; /* drm-driver: "i915", "xe", ... */
        char pdev[16];  /* drm-pdev: "0000:00:02.0" ("" when not given) */
        uint64_t id;    /* drm-client-id */
        bool has[VP_ENGINE__MAX];
        uint64_t busy[VP_ENGINE__MAX];     /* i915: busy ns; xe: busy GPU cycles */
        uint64_t total[VP_ENGINE__MAX];    /* xe: drm-total-cycles-<class>; 0 for i915 */
        uint32_t capacity[VP_ENGINE__MAX]; /* drm-engine-capacity-<class>, default 1 */
        uint64_t mem_total, mem_resident;  /* bytes, every memory region summed */
        /* who holds it (the first process found with it open) */
        int32_t pid;
        char comm[16];
        char pod_uid[40];      /* the kubelet's pod UID, "" outside a pod */
        char container_id[72]; /* the runtime's container id, "" when unknown */
};

/* Parse one /proc/PID/fdinfo/FD text. 0; -ENOENT when it is not a DRM client (no drm-driver
 * or drm-client-id). Values that do not fit 64 bits, or carry an unknown unit, are skipped. */
int vp_fdinfo_parse(const char *text, struct vp_drm_client *ret);

/* The pod a process is in, from /proc/PID/cgroup text (cgroup v1 and v2; the kubelet's
 * systemd and cgroupfs layouts; containerd, CRI-O, Docker; K3s). 0, or -ENOENT outside a pod.
 * pod_uid gets the UID with dashes; container_id the runtime's id ("" when not in the path). */
int vp_cgroup_pod(const char *text, char *pod_uid, size_t uid_n, char *container_id, size_t cid_n);

#define VP_MAX_CLIENTS 128
struct vp_usage {
        uint64_t t_ns; /* CLOCK_MONOTONIC at the scan */
        uint32_t n_clients;
        bool truncated; /* more clients than VP_MAX_CLIENTS: the rest are not counted */
        uint32_t n_procs, n_unreadable; /* processes seen; of them, whose fds could not be read */
        struct vp_drm_client clients[VP_MAX_CLIENTS];
};

/* Scan root/proc/[pid]/fd for DRM device files and read their fdinfo, one entry per
 * (pdev, client id). pdev: only that device ("0000:00:02.0"), NULL for all. Never follows
 * more than a bounded number of descriptors per process. 0 or -errno (no /proc). */
int vp_usage_scan(const char *root, const char *pdev, struct vp_usage *ret);

/* A client's busy ratio per engine class between two scans (0..1, per engine of the class;
 * -1 when unknown: not in both, a counter went backwards after a reset, or no time passed). */
void vp_usage_busy(const struct vp_usage *prev, const struct vp_usage *cur, uint32_t client,
                   double ratio[VP_ENGINE__MAX]);

/* The pods the kubelet runs on this machine, from its cgroup tree under root (cgroup v2
 * systemd slices or cgroupfs, then v1 cpuacct; QoS levels included), with the CPU time each
 * used so far (v2 cpu.stat usage_usec, v1 cpuacct.usage). In a container this needs the
 * host's /sys/fs/cgroup under root: its own cgroup namespace shows only itself. */
struct vp_pod_cpu {
        char uid[40];
        bool cpu_known;
        uint64_t cpu_usec;
};
#define VP_MAX_PODS 256
struct vp_pods {
        uint32_t n;
        bool truncated; /* more than VP_MAX_PODS pods */
        char base[64];  /* the cgroup directory they were found under */
        struct vp_pod_cpu pods[VP_MAX_PODS];
};
/* 0; -ENOENT when no kubelet cgroup tree is there (not a node, or not the host's cgroups). */
int vp_pods_scan(const char *root, struct vp_pods *ret);
const struct vp_pod_cpu *vp_pods_find(const struct vp_pods *p, const char *uid); /* or NULL */

/* ---- Node-wide engine busyness, frequency and RC6 from the i915/xe PMU (as intel_gpu_top) ---- */

/* The perf_event_open seam: the real system call by default; tests feed counter sequences. */
struct vp_pmu_ops {
        int (*open)(void *ctx, uint32_t type, uint64_t config, int cpu); /* fd or -errno */
        int (*read)(void *ctx, int fd, uint64_t *val);                   /* 0 or -errno */
        void (*close)(void *ctx, int fd);
        void *ctx;
};
struct vp_pmu_counter {
        int fd;
        uint8_t kind, engine;
        bool ok, prev_ok;
        uint64_t val, prev;
};
#define VP_PMU_MAX_COUNTERS 24
struct vp_pmu {
        char name[64];  /* "i915", "i915_0000_03_00.0", "xe_0000_00_02.0" */
        char pdev[16];  /* "0000:03:00.0"; "" for "i915" (the integrated GPU) */
        char driver[8]; /* "i915" or "xe" */
        uint32_t n;
        struct vp_pmu_counter c[VP_PMU_MAX_COUNTERS];
        uint32_t instances[VP_ENGINE__MAX]; /* engines counted per class (0: not offered) */
        bool has_freq, has_rc6;
        uint64_t t_ns, prev_t_ns;
        unsigned samples; /* up to 2: figures need two */
};
#define VP_MAX_PMUS 4
struct vp_pmus {
        uint32_t n;
        int err; /* the first perf_event_open error (-EACCES: CAP_PERFMON or paranoid <= 0) */
        const struct vp_pmu_ops *ops;
        struct vp_pmu pmus[VP_MAX_PMUS];
};
/* Open the busy, frequency and RC6 counters of every i915/xe PMU under
 * root/sys/bus/event_source/devices. ops NULL: the real perf_event_open(). 0 when at least
 * one counter opened; -ENOENT when no PMU is there (GVT-g, SR-IOV VFs, no GPU), or the first
 * open error (-EACCES, -EPERM). Close with vp_pmu_close even on error. */
int vp_pmu_open(const char *root, const struct vp_pmu_ops *ops, struct vp_pmus *ret);
/* Read every counter once (the previous reading is kept). 0, or the first read error. */
int vp_pmu_sample(struct vp_pmus *ps);
/* Between the last two samples: busy ratio per engine class (averaged over its engines),
 * frequency in Hz and the RC6 share; -1 for what is unknown. */
void vp_pmu_figures(const struct vp_pmu *p, double ratio[VP_ENGINE__MAX], double *freq_hz,
                    double *rc6);
void vp_pmu_close(struct vp_pmus *ps); /* NULL-safe */

#ifdef __cplusplus
}
#endif
#endif
