/* SPDX-License-Identifier: MIT */
/*
 * vaprobe pve: the Proxmox VE host side (nodeprobe host): the host's facts under a sysroot and
 * the checks of the guide's host steps. Same error currency as vaprobe/facts.h.
 */
#ifndef VAPROBE_PVE_H
#define VAPROBE_PVE_H

#include "vaprobe/verdict.h"

#ifdef __cplusplus
extern "C" {
#endif

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
        enum vp_tri physfn; /* a VF of another device */
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
        char probe_version[32];
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

#ifdef __cplusplus
}
#endif
#endif
