/* SPDX-License-Identifier: MIT */
/*
 * vaprobe: the facts about every GPU a Linux machine (usually a VM) can see, read through
 * libdrm and libva, plus the host signals that tell bare metal, passthrough, GVT-g and
 * SR-IOV VF apart, and the evaluation of those facts against what the platform should do.
 *
 * Error currency: every function that can fail returns 0 or a negative errno. Nothing here
 * prints, logs or exits. All result structs are plain values (fixed-size arrays, no
 * pointers), so they can be copied with memcpy, sent through a pipe and freed with free().
 * "Unknown" is always distinct from "no": see enum vp_tri and struct vp_opt.
 */
#ifndef VAPROBE_VAPROBE_H
#define VAPROBE_VAPROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of the JSON facts schema (vp_facts_to_json). Bump on incompatible change. */
#define VP_FACTS_SCHEMA 1

#define VP_MAX_GPUS 8
#define VP_MAX_VA_CONFIGS 192
#define VP_MAX_GROUPS 32

/* A fact that may be unknown. Zero-initialised means unknown. */
enum vp_tri {
        VP_UNKNOWN = 0,
        VP_NO = 1,
        VP_YES = 2,
};

/* An integer fact that may be unknown. */
struct vp_opt {
        bool known;
        int64_t value;
};

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

        /* i915 GETPARAMs and aperture: unknown on xe or when the ioctl fails. */
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

/* Signals about the machine itself. */
struct vp_host {
        char kernel_release[64];
        char cmdline[1024];
        char cpu_model[96];
        enum vp_tri hypervisor; /* "hypervisor" flag in /proc/cpuinfo */
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
};

struct vp_facts {
        int32_t schema;         /* VP_FACTS_SCHEMA */
        char probe_version[16]; /* nodeprobe version that produced the facts */
        char source[16];        /* "probe", "vainfo" (parsed text), "json" */
        struct vp_host host;
        uint32_t n_gpus;
        struct vp_gpu gpus[VP_MAX_GPUS];
        bool gpus_partial; /* more than VP_MAX_GPUS were there: the rest was not examined */
};

/*
 * How the VA-API part is run for one render node. The default runs it in-process; the
 * agent plugs in a runner that forks a child with a timeout, because drivers crash and
 * hang. The callback fills *ret (already zeroed) and returns 0 or -errno.
 */
struct vp_va_runner {
        int (*run)(void *userdata, const char *render_node, struct vp_va *ret);
        void *userdata;
};

struct vp_options {
        const char *root;       /* prefix for /proc, /sys, /lib/modules; NULL = "/" */
        const char *device;     /* only probe this render node (e.g. "/dev/dri/renderD129") */
        const char *dmesg_file; /* read the kernel log from here instead of klogctl() */
        bool skip_va;           /* do not touch libva at all */
        bool va_all;            /* also run libva on non-Intel render nodes */
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

/* Scan kernel log text for the virtualization lines (pure). Fills the dmesg_* fields. */
void vp_dmesg_scan(const char *text, struct vp_host *host);

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

/* ---- evaluation: what the platform should do against what it does (pure) ---- */

enum vp_status {
        VP_STATUS_SKIP = 0, /* not applicable, or nothing known to judge by */
        VP_STATUS_OK = 1,
        VP_STATUS_WARN = 2, /* works, with a caveat or a fixable limitation */
        VP_STATUS_FAIL = 3,
};

enum vp_virt {
        VP_VIRT_UNKNOWN = 0,
        VP_VIRT_BARE_METAL,
        VP_VIRT_PASSTHROUGH,
        VP_VIRT_GVTG,
        VP_VIRT_SRIOV_VF,
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
 * hevc-12bit vp8 vp9 vp9-10bit av1 av1-10bit mpeg2 vc1 jpeg. */
#define VP_N_CAPS 24
const char *vp_cap_key(unsigned i);

struct vp_cap {
        enum vp_tri expected; /* per the matrix for this platform and driver, full build */
        enum vp_tri actual;   /* per the driver's list; unknown when not probed */
        bool low_confidence;  /* the reference sources disagree: never a failure */
        char cause[24]; /* for expected-but-absent: free-build, huc, low-confidence, missing */
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

/* The check with this id, or NULL. */
const struct vp_check *vp_eval_check(const struct vp_eval *e, const char *id);

const char *vp_status_str(enum vp_status s);           /* "skip", "ok", "warn", "fail" */
const char *vp_virt_str(enum vp_virt v);               /* "bare-metal", "gvt-g", ... */
const char *vp_node_status_str(enum vp_node_status s); /* "ok", "degraded", ... */

/* ---- the Proxmox VE host side (nodeprobe host) ---- */

#define VP_PVE_MAX_TYPES 8
#define VP_PVE_MAX_MDEVS 16
#define VP_PVE_MAX_VMS 32
#define VP_PVE_MAX_GROUP 16
#define VP_PVE_MAX_VFS 16
#define VP_PVE_MAX_MODLINES 48

struct vp_pve_mdev_type {
        char id[40];   /* sysfs directory, e.g. "i915-GVTg_V5_4" */
        char name[32]; /* "name" file, e.g. "GVTg_V5_4" */
        struct vp_opt available;
        struct vp_opt low_gm_mb, high_gm_mb, fences, weight; /* parsed "description" */
        char resolution[16];
};

struct vp_pve_mdev {
        char uuid[40];
        char type[40]; /* mdev type id (mdev_type link) */
        int32_t vmid;  /* from Proxmox's %08d-0000-0000-0000-%012d naming; -1 otherwise */
        int32_t index; /* hostpciN index */
};

struct vp_pve_pcidev {
        char slot[16];
        uint16_t vendor, device;
        struct vp_opt pci_class;
        char driver[32];
};

struct vp_pve_modline {
        char module[32];
        char file[64]; /* /etc/modules or /etc/modules-load.d/x.conf */
};

struct vp_pve_vm {
        int32_t vmid;
        char name[64];
        char hostpci[4][160]; /* hostpci0..3 values */
        char machine[64];
        char efidisk[160];
        char bios[16];
};

struct vp_pve {
        char probe_version[16];
        char kernel_release[64];
        char cpu_model[96];
        char cmdline[1024];
        bool cmdline_unreadable; /* /proc/cmdline could not be read: cmdline is unknown */
        char boot_cmdline[1024]; /* what the next boot will use */
        char boot_source[40];    /* "/etc/kernel/cmdline", "/etc/default/grub" or "" */
        enum vp_tri proxmox;     /* /etc/pve exists */

        bool gpu_found;
        struct vp_pve_pcidev gpu; /* the Intel iGPU (PF), 00:02.0 when present */
        struct vp_opt enable_guc; /* /sys/module/i915/parameters (root only) */
        enum vp_tri enable_gvt;

        enum vp_tri iommu; /* /sys/class/iommu has entries */
        char iommu_names[64];
        struct vp_opt n_groups; /* /sys/kernel/iommu_groups entries */
        struct vp_opt gpu_group;
        uint32_t n_group_devs;
        struct vp_pve_pcidev group_devs[VP_PVE_MAX_GROUP];

        uint32_t n_modlines;
        struct vp_pve_modline modlines[VP_PVE_MAX_MODLINES];
        enum vp_tri loaded_vfio, loaded_vfio_iommu_type1, loaded_vfio_pci, loaded_kvmgt,
            loaded_mdev, loaded_i915, loaded_xe;

        uint32_t n_types;
        struct vp_pve_mdev_type types[VP_PVE_MAX_TYPES];
        uint32_t n_mdevs;
        struct vp_pve_mdev mdevs[VP_PVE_MAX_MDEVS];

        struct vp_opt sriov_totalvfs, sriov_numvfs;
        uint32_t n_vfs;
        struct vp_pve_pcidev vfs[VP_PVE_MAX_VFS];

        enum vp_tri dmesg_readable;
        enum vp_tri dmesg_gvt_guc;         /* "not yet supported with GuC submission" */
        enum vp_tri dmesg_gvt_unsupported; /* "Unsupported device. GVT-g is disabled" */

        enum vp_tri vm_configs_readable; /* /etc/pve/qemu-server readable */
        uint32_t n_vms;
        struct vp_pve_vm vms[VP_PVE_MAX_VMS];

        /* Lists cut at their cap (enum vp_pve_partial bits): what was not read is unknown. */
        unsigned partial;
};

enum vp_pve_partial {
        VP_PVE_PARTIAL_GROUP = 1 << 0,
        VP_PVE_PARTIAL_MODLINES = 1 << 1,
        VP_PVE_PARTIAL_TYPES = 1 << 2,
        VP_PVE_PARTIAL_MDEVS = 1 << 3,
        VP_PVE_PARTIAL_VFS = 1 << 4,
        VP_PVE_PARTIAL_VMS = 1 << 5,
};

/* Read the host facts under sysroot (NULL = "/"): /proc, /sys, /etc. dmesg_file NULL = the
 * kernel log when sysroot is "/", none otherwise. *ret is the caller's (free()). */
int vp_pve_probe(const char *sysroot, const char *dmesg_file, struct vp_pve **ret);

/* The host checks (host-cpu ... host-vm-config) into an evaluation (checks only; node_status
 * VP_NODE_NO_GPU when there is no Intel GPU). Pure. *ret is the caller's (free()). */
int vp_pve_evaluate(const struct vp_pve *h, struct vp_eval **ret);

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

#ifdef __cplusplus
}
#endif
#endif
