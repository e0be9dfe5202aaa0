/* SPDX-License-Identifier: MIT */
/*
 * nodeprobe host: the Proxmox side of the guide, step by step, each check with evidence, the
 * cause and the exact command. Sources: guest-detection.md section 4 (cmdline, modules, mdev
 * sysfs and Proxmox's naming), intel-capabilities.md section 3 (GVT-g platforms, SR-IOV).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "vaprobe/common/strings.h"
#include "vaprobe/pve.h"

#define STEP_HCPU "1. CPU and GPU"
#define STEP_HBOOT "2. Kernel command line and modules"
#define STEP_HIOMMU "3. IOMMU"
#define STEP_HSPLIT "4. Splitting the GPU"
#define STEP_HVM "5. VM configuration"

/* Is this exact parameter (name or name=value) on the command line? */
static bool has_param(const char *cmdline, const char *param)
{
        size_t l = strlen(param);
        for (const char *p = cmdline; (p = strstr(p, param)); p += l) {
                bool start = p == cmdline || p[-1] == ' ';
                bool end = p[l] == '\0' || p[l] == ' ' || (!strchr(param, '=') && p[l] == '=');
                if (start && end)
                        return true;
        }
        return false;
}

/* The value of name= on the command line into buf, or false. */
static bool param_value(const char *cmdline, const char *name, char *buf, size_t n)
{
        size_t l = strlen(name);
        for (const char *p = cmdline; (p = strstr(p, name)); p += l) {
                if ((p == cmdline || p[-1] == ' ') && p[l] == '=') {
                        size_t len = strcspn(p + l + 1, " ");
                        snprintf(buf, n, "%.*s", (int)len, p + l + 1);
                        return true;
                }
        }
        return false;
}

/* What every host check sees. */
struct hctx {
        const struct vp_pve *h;
        struct vp_platform p;
        enum vpi_split s;
        enum vpi_sriov via; /* who makes the VFs with the driver bound now (split.c) */
        char xe_since[40];  /* "Linux 6.17 or newer" when split.c names xe's release, or "" */
        struct vpi_vars base;
};

static void check_cpu(struct vp_check *c, const void *arg)
{
        const struct hctx *x = arg;
        const struct vp_pve *h = x->h;
        const struct vp_platform *p = &x->p;
        struct vpi_vars v;
        vpi_vars_copy(&v, &x->base);

        if (h->cpu_model[0])
                EVID(c, "cpu: %s\n", h->cpu_model);
        if (!h->gpu_found) {
                SUMMARY(c, "not an Intel GPU host: no Intel display device on the PCI bus");
                vpi_cause(c, VPC_NOT_INTEL_GPU_HOST, &v);
                return;
        }
        EVID(c, "gpu: %s 8086:%04x %s (driver %s)\n", h->gpu.slot, h->gpu.device,
             p->name[0] ? p->name : "", h->gpu.driver[0] ? h->gpu.driver : "none");
        EVID(c, "platform: %s, gen %s\n", p->platform[0] ? p->platform : "unknown",
             p->gen[0] ? p->gen : "?");
        vpi_var(&v, "device_id", "%04x", h->gpu.device);
        vpi_var(&v, "platform", "%s", p->platform);
        vpi_var(&v, "slot", "%s", h->gpu.slot);
        switch (x->s) {
        case VPI_SPLIT_GVTG:
                vpi_check_set(c, VP_STATUS_OK);
                SUMMARY(c, "%s: GVT-g (mediated vGPUs, i915-GVTg_%s_*) can split this GPU",
                        p->platform, strtod(p->gen, NULL) < 9 ? "V4" : "V5");
                break;
        case VPI_SPLIT_SRIOV:
                vpi_check_set(c, VP_STATUS_OK);
                SUMMARY(c, "%s (gen %s): SR-IOV virtual functions can split this GPU", p->platform,
                        p->gen);
                if (x->via == VPI_SRIOV_XE) {
                        EVID(c,
                             "SR-IOV through xe (upstream, no dkms%s%s): xe.max_vfs=N on the "
                             "kernel command line, then sriov_numvfs\n",
                             x->xe_since[0] ? "; " : "", x->xe_since);
                } else {
                        EVID(c, "SR-IOV needs the out-of-tree i915-sriov-dkms module on the host "
                                "and in every guest\n");
                }
                break;
        case VPI_SPLIT_NONE:
                SUMMARY(c, "%s (gen %s) cannot be split: neither GVT-g nor SR-IOV", p->platform,
                        p->gen);
                vpi_cause(c, VPC_CANNOT_SPLIT, &v);
                break;
        default:
                SUMMARY(c, "unknown Intel GPU 0x%04x", h->gpu.device);
                vpi_cause(c, VPC_HOST_UNKNOWN_DEVICE, &v);
        }
}

static void check_cmdline(struct vp_check *c, const void *arg)
{
        const struct hctx *x = arg;
        const struct vp_pve *h = x->h;
        enum vpi_split s = x->s;
        struct vpi_vars v;
        vpi_vars_copy(&v, &x->base);
        const char *need_gvt[] = {"intel_iommu=on", "iommu=pt", "i915.enable_gvt=1", NULL};
        const char *need_sriov[] = {"intel_iommu=on", "iommu=pt", "i915.enable_guc=3", NULL};
        const char *need_pt[] = {"intel_iommu=on", "iommu=pt", NULL};
        /* xe: GuC submission is xe's only mode (no enable_guc); the VFs come from xe.max_vfs. */
        bool xe = s == VPI_SPLIT_SRIOV && x->via == VPI_SRIOV_XE;
        const char **need = s == VPI_SPLIT_GVTG           ? need_gvt
                            : s == VPI_SPLIT_SRIOV && !xe ? need_sriov
                                                          : need_pt;
        char missing[256] = "", in_boot[256] = "", val[32];
        bool max_vfs =
            param_value(h->cmdline, xe ? "xe.max_vfs" : "i915.max_vfs", val, sizeof(val));
        bool kernel_cmdline = strcmp(h->boot_source, "/etc/kernel/cmdline") == 0;

        vpi_var(&v, "boot_source", "%s", h->boot_source);
        if (h->cmdline_unreadable) {
                /* Unknown is not no: without the running command line nothing can be said
                 * about missing parameters or a pending reboot. */
                SUMMARY(c, "the running kernel command line could not be read");
                if (h->boot_source[0])
                        EVID(c, "next boot (%s): %s\n", h->boot_source, h->boot_cmdline);
                vpi_cause(c, VPC_CMDLINE_UNREADABLE, &v);
                return;
        }
        EVID(c, "running: %s\n", h->cmdline[0] ? h->cmdline : "?");
        if (h->boot_source[0])
                EVID(c, "next boot (%s): %s\n", h->boot_source, h->boot_cmdline);
        for (const char **n = need; *n; n++) {
                if (has_param(h->cmdline, *n))
                        continue;
                vpi_appendf(missing, sizeof(missing), "%s%s", missing[0] ? " " : "", *n);
                if (has_param(h->boot_cmdline, *n))
                        vpi_appendf(in_boot, sizeof(in_boot), "%s%s", in_boot[0] ? " " : "", *n);
        }
        if (s == VPI_SPLIT_SRIOV && !max_vfs)
                vpi_appendf(missing, sizeof(missing), "%s%s.max_vfs=7", missing[0] ? " " : "",
                            xe ? "xe" : "i915");
        if (s == VPI_SPLIT_GVTG && param_value(h->cmdline, "i915.enable_guc", val, sizeof(val)) &&
            (atoi(val) & 1))
                EVID(c, "i915.enable_guc=%s turns GuC submission on: GVT-g refuses to start\n",
                     val);
        if (has_param(h->cmdline, "pcie_acs_override"))
                EVID(c, "pcie_acs_override is set: devices the hardware groups together are "
                        "split anyway; a VM can then reach memory of devices it shares a real "
                        "group with (isolation traded for convenience)\n");
        if (!missing[0]) {
                vpi_check_set(c, VP_STATUS_OK);
                SUMMARY(c, "has what %s needs",
                        s == VPI_SPLIT_GVTG    ? "GVT-g"
                        : s == VPI_SPLIT_SRIOV ? "SR-IOV"
                                               : "passthrough");
                if (h->boot_source[0] && strcmp(h->boot_cmdline, h->cmdline) != 0 &&
                    !strstr(h->cmdline, h->boot_cmdline))
                        vpi_cause(c, VPC_BOOT_CONFIG_DIFFERS, &v);
                return;
        }
        SUMMARY(c, "missing: %s", missing);
        vpi_var(&v, "missing", "%s", missing);
        vpi_var(&v, "in_boot", "%s", in_boot);
        vpi_var(&v, "refresh", "%s", kernel_cmdline ? "proxmox-boot-tool refresh" : "update-grub");
        if (in_boot[0] && strcmp(in_boot, missing) == 0) {
                vpi_cause(c, VPC_REBOOT_PENDING, &v);
                return;
        }
        vpi_var(&v, "split_word", "%s",
                s == VPI_SPLIT_GVTG    ? " or GVT-g"
                : s == VPI_SPLIT_SRIOV ? " or SR-IOV"
                                       : "");
        if (kernel_cmdline)
                vpi_var(&v, "add_params",
                        "Append '%s' to the single line in /etc/kernel/cmdline, then:\n"
                        "proxmox-boot-tool refresh\nreboot",
                        missing);
        else
                vpi_var(&v, "add_params",
                        "Add '%s' to GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub, then:\n"
                        "update-grub\nreboot",
                        missing);
        vpi_cause(c, VPC_MISSING_PARAMETERS, &v);
}

static bool configured(const struct vp_pve *h, const char *m)
{
        for (uint32_t i = 0; i < h->n_modlines; i++)
                if (strcmp(h->modlines[i].module, m) == 0)
                        return true;
        return false;
}

static void check_modules(struct vp_check *c, const void *arg)
{
        const struct hctx *x = arg;
        const struct vp_pve *h = x->h;
        struct vpi_vars v;
        vpi_vars_copy(&v, &x->base);
        static const char *const gvt[] = {"vfio", "vfio_iommu_type1", "vfio_pci", "kvmgt"};
        const enum vp_tri loaded[] = {h->loaded_vfio, h->loaded_vfio_iommu_type1,
                                      h->loaded_vfio_pci, h->loaded_kvmgt};
        char missing[128] = "", stale[160] = "", not_loaded[128] = "";

        if (h->partial & VP_PVE_PARTIAL_MODLINES)
                EVID(c, "more module lines than this check reads (%d)\n", VP_PVE_MAX_MODLINES);
        for (uint32_t i = 0; i < h->n_modlines; i++) {
                const char *m = h->modlines[i].module;
                EVID(c, "%s: %s\n", h->modlines[i].file, m);
                /* vfio_virqfd is built into vfio since 6.2 (PVE 8); vfio_mdev was folded into
                 * mdev in 5.16: systemd-modules-load fails on both. */
                if (strcmp(m, "vfio_virqfd") == 0 || strcmp(m, "vfio_mdev") == 0)
                        vpi_appendf(stale, sizeof(stale), "%s%s (%s)", stale[0] ? ", " : "", m,
                                    h->modlines[i].file);
        }
        if (x->s == VPI_SPLIT_GVTG) {
                for (size_t i = 0; i < 4; i++) {
                        if (!configured(h, gvt[i]))
                                vpi_appendf(missing, sizeof(missing), "%s%s", missing[0] ? " " : "",
                                            gvt[i]);
                        if (loaded[i] == VP_NO)
                                vpi_appendf(not_loaded, sizeof(not_loaded), "%s%s",
                                            not_loaded[0] ? " " : "", gvt[i]);
                }
        }
        if (not_loaded[0])
                EVID(c, "not loaded now: %s\n", not_loaded);
        vpi_check_set(c, VP_STATUS_OK);
        if (!missing[0] && !stale[0] && !not_loaded[0]) {
                SUMMARY(c, x->s == VPI_SPLIT_GVTG
                               ? "vfio, vfio_iommu_type1, vfio_pci and kvmgt configured "
                                 "and loaded"
                               : "nothing extra needed");
                return;
        }
        vpi_var(&v, "missing", "%s", missing);
        vpi_var(&v, "not_loaded", "%s", not_loaded);
        vpi_var(&v, "kvmgt_note", "%s",
                strstr(not_loaded, "kvmgt") ? "; kvmgt loads only with i915.enable_gvt=1 on a "
                                              "supported GPU ('could not insert kvmgt: No such "
                                              "device')"
                                            : "");
        if (missing[0]) {
                SUMMARY(c, "GVT-g modules not configured: %s", missing);
                vpi_cause(c, VPC_MODULES_MISSING, &v);
        } else if (not_loaded[0]) {
                SUMMARY(c, "configured but not loaded: %s", not_loaded);
                vpi_cause(c, VPC_MODULES_NOT_LOADED, &v);
        }
        if (stale[0]) {
                enum vp_status keep = c->status;
                SUMMARY(c, "%sobsolete module lines: %s", c->summary[0] ? "; " : "", stale);
                vpi_cause(c, VPC_STALE_MODULE_LINES, &v);
                if (keep == VP_STATUS_FAIL) { /* the worse cause stays the check's cause */
                        c->status = keep;
                        vpi_strlcpy(c->cause_id,
                                    missing[0] ? "modules-missing" : "modules-not-loaded",
                                    sizeof(c->cause_id));
                }
        }
}

static void check_iommu(struct vp_check *c, const void *arg)
{
        const struct hctx *x = arg;
        const struct vp_pve *h = x->h;
        struct vpi_vars v;
        vpi_vars_copy(&v, &x->base);

        EVID(c, "iommu units: %s\n",
             h->iommu == VP_YES ? h->iommu_names[0] ? h->iommu_names : "yes"
                                : vp_tri_str(h->iommu));
        if (h->n_groups.known)
                EVID(c, "iommu groups: %lld\n", (long long)h->n_groups.value);
        if (h->iommu != VP_YES || !h->n_groups.known || h->n_groups.value == 0) {
                SUMMARY(c, "the IOMMU is off: no VM can get a PCI device or vGPU");
                vpi_cause(c, VPC_IOMMU_OFF, &v);
                return;
        }
        if (!h->gpu_group.known) {
                SUMMARY(c, "IOMMU on, but %s has no IOMMU group", h->gpu.slot);
                vpi_cause(c, VPC_GPU_NO_GROUP, &v);
                return;
        }
        EVID(c, "%s is in group %lld with:\n", h->gpu.slot, (long long)h->gpu_group.value);
        for (uint32_t i = 0; i < h->n_group_devs; i++) {
                const struct vp_pve_pcidev *d = &h->group_devs[i];
                EVID(c, "  %s %04x:%04x class %06llx driver %s\n", d->slot, d->vendor, d->device,
                     (unsigned long long)d->pci_class.value, d->driver[0] ? d->driver : "none");
        }
        if (h->partial & VP_PVE_PARTIAL_GROUP)
                EVID(c, "  (more: the group has over %d devices)\n", VP_PVE_MAX_GROUP);
        vpi_check_set(c, VP_STATUS_OK);
        SUMMARY(c, "IOMMU on; %s in group %lld%s", h->gpu.slot, (long long)h->gpu_group.value,
                h->n_group_devs > 1 ? " (shared)" : " alone");
        if (h->n_group_devs > 1)
                vpi_cause(c, VPC_SHARED_GROUP, &v);
}

static const struct vp_pve_mdev_type *find_type(const struct vp_pve *h, const char *id)
{
        for (uint32_t i = 0; i < h->n_types; i++)
                if (strcmp(h->types[i].id, id) == 0 || strcmp(h->types[i].name, id) == 0)
                        return &h->types[i];
        return NULL;
}

static void check_mdev(struct vp_check *c, const void *arg)
{
        const struct hctx *x = arg;
        const struct vp_pve *h = x->h;
        struct vpi_vars v;
        vpi_vars_copy(&v, &x->base);
        char holders[160] = "";
        int64_t total = 0;

        if (x->s != VPI_SPLIT_GVTG) {
                vpi_check_set(c, VP_STATUS_SKIP);
                SUMMARY(c, "not a GVT-g platform");
                return;
        }
        vpi_var(&v, "slot", "%s", h->gpu.slot);
        if (h->n_types == 0) {
                SUMMARY(c, "no mdev types: GVT-g is not running on %s", h->gpu.slot);
                vpi_var(&v, "mdev_why", "%s",
                        h->dmesg_gvt_guc == VP_YES
                            ? "The kernel refused GVT-g because GuC submission is on."
                            : "i915 did not start GVT-g: i915.enable_gvt=1 or kvmgt is missing, "
                              "or GuC submission is on (see host-cmdline, host-modules, "
                              "host-guc).");
                vpi_cause(c, VPC_NO_MDEV_TYPES, &v);
                return;
        }
        if (h->partial & (VP_PVE_PARTIAL_TYPES | VP_PVE_PARTIAL_MDEVS))
                EVID(c,
                     "more mdev types or instances than this check reads (%d, %d): the rest "
                     "is unknown\n",
                     VP_PVE_MAX_TYPES, VP_PVE_MAX_MDEVS);
        for (uint32_t i = 0; i < h->n_types; i++) {
                const struct vp_pve_mdev_type *t = &h->types[i];
                EVID(c,
                     "%s: %lld available; %lld MB aperture + %lld MB hidden, %lld fences, %s, "
                     "weight %lld\n",
                     t->id, (long long)t->available.value, (long long)t->low_gm_mb.value,
                     (long long)t->high_gm_mb.value, (long long)t->fences.value,
                     t->resolution[0] ? t->resolution : "?", (long long)t->weight.value);
                /* Saturating: hostile sysfs values must not wrap the sum negative (which would
                 * read as "every instance taken"). */
                if (t->available.known && t->available.value > 0)
                        total = t->available.value > INT64_MAX - total ? INT64_MAX
                                                                       : total + t->available.value;
        }
        for (uint32_t i = 0, n = 0; i < h->n_mdevs; i++) {
                const struct vp_pve_mdev *m = &h->mdevs[i];
                if (m->vmid >= 0) {
                        EVID(c, "instance %s (%s): VM %d, hostpci%d\n", m->uuid, m->type, m->vmid,
                             m->index);
                        vpi_appendf(holders, sizeof(holders), "%s %d", n++ ? "," : ":", m->vmid);
                } else {
                        EVID(c, "instance %s (%s): not created by Proxmox\n", m->uuid, m->type);
                }
        }
        if (total > 0 || (h->partial & VP_PVE_PARTIAL_TYPES)) {
                vpi_check_set(c, VP_STATUS_OK);
                SUMMARY(c, "%u types, %lld instances available, %u in use", h->n_types,
                        (long long)total, h->n_mdevs);
                return;
        }
        SUMMARY(c, "every vGPU instance is taken (%u in use)", h->n_mdevs);
        vpi_var(&v, "holders", "%s", holders);
        vpi_cause(c, VPC_NO_INSTANCES_LEFT, &v);
}

static void check_sriov(struct vp_check *c, const void *arg)
{
        const struct hctx *x = arg;
        const struct vp_pve *h = x->h;
        struct vpi_vars v;
        vpi_vars_copy(&v, &x->base);

        if (x->s != VPI_SPLIT_SRIOV) {
                vpi_check_set(c, VP_STATUS_SKIP);
                SUMMARY(c, "not an SR-IOV platform");
                return;
        }
        EVID(c, "sriov_totalvfs: %s%lld, sriov_numvfs: %s%lld\n",
             h->sriov_totalvfs.known ? "" : "unknown ", (long long)h->sriov_totalvfs.value,
             h->sriov_numvfs.known ? "" : "unknown ", (long long)h->sriov_numvfs.value);
        for (uint32_t i = 0; i < h->n_vfs; i++)
                EVID(c, "VF %s driver %s\n", h->vfs[i].slot,
                     h->vfs[i].driver[0] ? h->vfs[i].driver : "none");
        if (h->partial & VP_PVE_PARTIAL_VFS)
                EVID(c, "(more VFs than this check lists: %d)\n", VP_PVE_MAX_VFS);
        vpi_var(&v, "slot", "%s", h->gpu.slot);
        vpi_var(&v, "total", "%lld", (long long)h->sriov_totalvfs.value);
        if (!h->sriov_totalvfs.known || h->sriov_totalvfs.value == 0) {
                SUMMARY(c, "%s offers no virtual functions", h->gpu.slot);
                if (x->via == VPI_SRIOV_XE) {
                        vpi_var(&v, "sriov_why", "%s",
                                "The xe driver in use offers no virtual functions for this GPU: "
                                "its kernel predates xe's SR-IOV support for it, or SR-IOV is off "
                                "in the firmware setup.");
                        vpi_var(&v, "sriov_fix",
                                "Boot a kernel whose xe has SR-IOV for it%s%s%s, with "
                                "intel_iommu=on iommu=pt xe.max_vfs=7 (and SR-IOV enabled in the "
                                "firmware setup), then check cat "
                                "/sys/bus/pci/devices/%s/sriov_totalvfs",
                                x->xe_since[0] ? " (" : "", x->xe_since, x->xe_since[0] ? ")" : "",
                                h->gpu.slot);
                } else {
                        vpi_var(&v, "sriov_why", "%s",
                                "The i915 in use has no SR-IOV support (upstream i915 has none); "
                                "the out-of-tree i915-sriov-dkms is needed on the host and in "
                                "every guest.");
                        vpi_var(&v, "sriov_fix",
                                "Install i915-sriov-dkms (strongtz/i915-sriov-dkms), boot with "
                                "intel_iommu=on iommu=pt i915.enable_guc=3 i915.max_vfs=7, then "
                                "check cat /sys/bus/pci/devices/%s/sriov_totalvfs",
                                h->gpu.slot);
                }
                vpi_cause(c, VPC_NO_SRIOV_DRIVER, &v);
                return;
        }
        if (!h->sriov_numvfs.known || h->sriov_numvfs.value == 0) {
                SUMMARY(c, "SR-IOV available (%lld VFs) but none created",
                        (long long)h->sriov_totalvfs.value);
                vpi_cause(c, VPC_NO_VFS, &v);
                return;
        }
        vpi_check_set(c, VP_STATUS_OK);
        SUMMARY(c, "%lld of %lld VFs enabled", (long long)h->sriov_numvfs.value,
                (long long)h->sriov_totalvfs.value);
}

static void check_guc(struct vp_check *c, const void *arg)
{
        const struct hctx *x = arg;
        const struct vp_pve *h = x->h;
        struct vpi_vars v;
        vpi_vars_copy(&v, &x->base);
        char val[16];
        int64_t guc = -1;

        if (h->enable_guc.known)
                guc = h->enable_guc.value;
        else if (param_value(h->cmdline, "i915.enable_guc", val, sizeof(val)))
                guc = atoi(val);
        EVID(c, "i915 enable_guc: %s\n",
             h->enable_guc.known ? "read from /sys/module/i915/parameters"
             : guc >= 0          ? "from the command line (parameters are root-only)"
                                 : "unknown (root-only; not on the command line)");
        if (guc >= 0)
                EVID(c, "value: %lld\n", (long long)guc);
        if (h->dmesg_gvt_guc == VP_YES)
                EVID(c, "kernel log: Graphics virtualization is not yet supported with GuC "
                        "submission\n");
        if (x->s == VPI_SPLIT_SRIOV && x->via == VPI_SRIOV_XE) {
                vpi_check_set(c, VP_STATUS_SKIP);
                SUMMARY(c, "not an i915 setting: xe always uses GuC submission");
                return;
        }
        if (x->s == VPI_SPLIT_SRIOV) {
                if (guc < 0) {
                        vpi_check_set(c, VP_STATUS_SKIP);
                        SUMMARY(c, "unknown");
                } else if (guc == 3) {
                        vpi_check_set(c, VP_STATUS_OK);
                        SUMMARY(c, "GuC submission and HuC on (enable_guc=3), as SR-IOV needs");
                } else {
                        SUMMARY(c, "SR-IOV needs i915.enable_guc=3");
                        vpi_var(&v, "guc", "%lld", (long long)guc);
                        vpi_cause(c, VPC_SRIOV_NEEDS_GUC, &v);
                }
                return;
        }
        if (x->s != VPI_SPLIT_GVTG) {
                vpi_check_set(c, VP_STATUS_SKIP);
                SUMMARY(c, "not needed for this platform");
                return;
        }
        if (h->dmesg_gvt_guc == VP_YES || (guc >= 0 && (guc & 1))) {
                SUMMARY(c, "GuC submission is on: GVT-g refuses to start");
                vpi_cause(c, VPC_GUC_SUBMISSION_ON, &v);
                return;
        }
        vpi_check_set(c, guc < 0 ? VP_STATUS_SKIP : VP_STATUS_OK);
        SUMMARY(c, guc < 0 ? "unknown (run as root to read it)"
                           : "GuC submission off, as GVT-g needs");
}

static void check_vms(struct vp_check *c, const void *arg)
{
        const struct hctx *x = arg;
        const struct vp_pve *h = x->h;
        struct vpi_vars v;
        vpi_vars_copy(&v, &x->base);
        unsigned problems = 0, gpu_vms = 0;
        char fixes[1024] = "";

        if (h->vm_configs_readable != VP_YES) {
                vpi_check_set(c, VP_STATUS_SKIP);
                SUMMARY(c, "/etc/pve/qemu-server not readable here");
                return;
        }
        if (h->partial & VP_PVE_PARTIAL_VMS)
                EVID(c,
                     "more than %d VM configs: only the first %d were read (the rest is "
                     "unknown)\n",
                     VP_PVE_MAX_VMS, VP_PVE_MAX_VMS);
        for (uint32_t i = 0; i < h->n_vms; i++) {
                const struct vp_pve_vm *vm = &h->vms[i];
                bool uses_gpu = false;
                for (int k = 0; k < 4; k++) {
                        const char *hp = vm->hostpci[k], *md;
                        char type[48];
                        if (!hp[0] || !strstr(hp, "00:02."))
                                continue;
                        uses_gpu = true;
                        EVID(c, "VM %d%s%s: hostpci%d %s\n", vm->vmid, vm->name[0] ? " " : "",
                             vm->name, k, hp);
                        md = strstr(hp, "mdev=");
                        if (md && h->n_types) { /* no types at all: host-mdev says why */
                                snprintf(type, sizeof(type), "%.*s", (int)strcspn(md + 5, ","),
                                         md + 5);
                                if (!find_type(h, type)) {
                                        problems++;
                                        vpi_appendf(fixes, sizeof(fixes),
                                                    "VM %d: %s is not an mdev type of this GPU; "
                                                    "use one of:",
                                                    vm->vmid, type);
                                        for (uint32_t t = 0; t < h->n_types; t++)
                                                vpi_appendf(fixes, sizeof(fixes), " %s",
                                                            h->types[t].id);
                                        vpi_appendf(
                                            fixes, sizeof(fixes),
                                            " (qm set %d --hostpci%d 0000:00:02.0,mdev=...)\n",
                                            vm->vmid, k);
                                }
                        }
                }
                if (!uses_gpu)
                        continue;
                gpu_vms++;
                if (strstr(vm->machine, "viommu=")) {
                        problems++;
                        vpi_appendf(fixes, sizeof(fixes),
                                    "VM %d has a vIOMMU (machine: %s): qm set %d --machine q35\n",
                                    vm->vmid, vm->machine, vm->vmid);
                }
                if (vm->efidisk[0] && !strstr(vm->efidisk, "pre-enrolled-keys=0")) {
                        problems++;
                        vpi_appendf(fixes, sizeof(fixes),
                                    "VM %d's EFI disk has Microsoft keys enrolled (Secure Boot "
                                    "on): recreate it with pre-enrolled-keys=0 (qm set %d "
                                    "--efidisk0 <storage>:1,efitype=4m,pre-enrolled-keys=0)\n",
                                    vm->vmid, vm->vmid);
                }
        }
        if (!gpu_vms) {
                vpi_check_set(c, VP_STATUS_SKIP);
                SUMMARY(c, "no VM uses the GPU yet (%u VM configs)", h->n_vms);
                return;
        }
        if (problems) {
                SUMMARY(c, "%u problem(s) in %u VM(s) using the GPU", problems, gpu_vms);
                vpi_cause(c, VPC_VM_CONFIG, &v);
                FIX(c, "%s", fixes); /* one line per problem, after the catalogue's text */
                return;
        }
        vpi_check_set(c, VP_STATUS_OK);
        SUMMARY(c, "%u VM(s) use the GPU, configured as the guide says", gpu_vms);
}

/* The host checks in the guide's order. Without an Intel GPU only host-cpu runs (it says
 * why); the rest would only repeat it. */
static const struct vpi_check_def host_checks[] = {
    {"host-cpu", STEP_HCPU, check_cpu},          {"host-cmdline", STEP_HBOOT, check_cmdline},
    {"host-modules", STEP_HBOOT, check_modules}, {"host-iommu", STEP_HIOMMU, check_iommu},
    {"host-mdev", STEP_HSPLIT, check_mdev},      {"host-sriov", STEP_HSPLIT, check_sriov},
    {"host-guc", STEP_HSPLIT, check_guc},        {"host-vm-config", STEP_HVM, check_vms},
};

int vp_pve_evaluate(const struct vp_pve *h, struct vp_eval **ret)
{
        struct vp_eval *e;
        struct hctx *x;
        int r;

        if (!h || !ret)
                return -EINVAL;
        e = calloc(1, sizeof(*e));
        x = calloc(1, sizeof(*x));
        if (!e || !x) {
                free(e);
                free(x);
                return -ENOMEM;
        }
        e->primary = -1;
        x->h = h;
        if (h->gpu_found) {
                vp_platform_lookup(h->gpu.device, &x->p);
                x->s = vpi_split_method(x->p.platform);
                x->via = vpi_sriov_driver(x->p.platform, h->gpu.driver);
                const struct vpi_split_row *row = vpi_split_row(x->p.platform);
                if (row && row->xe_since)
                        snprintf(x->xe_since, sizeof(x->xe_since), "Linux %s or newer",
                                 row->xe_since);
        }
        r = vpi_run_checks(e, host_checks,
                           h->gpu_found ? sizeof(host_checks) / sizeof(host_checks[0]) : 1, x);
        free(x);
        if (r < 0) {
                free(e);
                return r;
        }
        e->node_status = h->gpu_found ? VP_NODE_OK : VP_NODE_NO_GPU;
        for (uint32_t i = 0; h->gpu_found && i < e->n_checks; i++)
                if (e->checks[i].status == VP_STATUS_FAIL)
                        e->node_status = VP_NODE_DEGRADED;
        *ret = e;
        return 0;
}
