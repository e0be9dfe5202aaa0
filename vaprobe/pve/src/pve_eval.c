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
#include "vaprobe/pve.h"
#include "util.h"

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

static void check_cpu(struct vp_eval *e, const struct vp_pve *h, const struct vp_platform *p,
                      enum vpi_split s)
{
        struct vp_check *c = vpi_add_check(e, "host-cpu", STEP_HCPU);
        if (!c)
                return;
        if (h->cpu_model[0])
                EVID(c, "cpu: %s\n", h->cpu_model);
        EVID(c, "gpu: %s 8086:%04x %s (driver %s)\n", h->gpu.slot, h->gpu.device,
             p->name[0] ? p->name : "", h->gpu.driver[0] ? h->gpu.driver : "none");
        EVID(c, "platform: %s, gen %s\n", p->platform[0] ? p->platform : "unknown",
             p->gen[0] ? p->gen : "?");
        switch (s) {
        case VPI_SPLIT_GVTG:
                vpi_check_set(c, VP_STATUS_OK, "");
                SUMMARY(c, "%s: GVT-g (mediated vGPUs, i915-GVTg_%s_*) can split this GPU",
                        p->platform, strtod(p->gen, NULL) < 9 ? "V4" : "V5");
                break;
        case VPI_SPLIT_SRIOV:
                vpi_check_set(c, VP_STATUS_OK, "");
                SUMMARY(c, "%s (gen %s): SR-IOV virtual functions can split this GPU", p->platform,
                        p->gen);
                CAUSE(c, "SR-IOV needs the out-of-tree i915-sriov-dkms module on the host and in "
                         "every guest, or xe with SR-IOV support.");
                break;
        case VPI_SPLIT_NONE:
                vpi_check_set(c, VP_STATUS_FAIL, "cannot-split");
                SUMMARY(c, "%s (gen %s) cannot be split: neither GVT-g nor SR-IOV", p->platform,
                        p->gen);
                CAUSE(c, "GVT-g ends with Comet Lake (10th gen) and SR-IOV starts with Alder Lake "
                         "(12th gen); 11th gen (Ice/Tiger/Rocket Lake) and Gemini Lake have "
                         "neither. Only one VM can have this GPU, by full passthrough.");
                FIX(c, "Pass the whole GPU to one VM: qm set <vmid> --hostpci0 0000:00:02.0 "
                       "(the host then loses it), or use a 12th gen or later host for sharing.");
                break;
        default:
                vpi_check_set(c, VP_STATUS_WARN, "unknown-device");
                SUMMARY(c, "unknown Intel GPU 0x%04x", h->gpu.device);
                CAUSE(c, "The id is not in this build's tables; whether it can be split is "
                         "unknown.");
                FIX(c, "Update nodeprobe.");
        }
}

static void check_cmdline(struct vp_eval *e, const struct vp_pve *h, enum vpi_split s,
                          bool *pending)
{
        struct vp_check *c = vpi_add_check(e, "host-cmdline", STEP_HBOOT);
        const char *need_gvt[] = {"intel_iommu=on", "iommu=pt", "i915.enable_gvt=1", NULL};
        const char *need_sriov[] = {"intel_iommu=on", "iommu=pt", "i915.enable_guc=3", NULL};
        const char *need_pt[] = {"intel_iommu=on", "iommu=pt", NULL};
        const char **need = s == VPI_SPLIT_GVTG    ? need_gvt
                            : s == VPI_SPLIT_SRIOV ? need_sriov
                                                   : need_pt;
        char missing[256] = "", in_boot[256] = "", v[32];
        bool max_vfs = param_value(h->cmdline, "i915.max_vfs", v, sizeof(v));

        if (!c)
                return;
        if (h->cmdline_unreadable) {
                /* Unknown is not no: without the running command line nothing can be said
                 * about missing parameters or a pending reboot. */
                vpi_check_set(c, VP_STATUS_WARN, "cmdline-unreadable");
                SUMMARY(c, "the running kernel command line could not be read");
                if (h->boot_source[0])
                        EVID(c, "next boot (%s): %s\n", h->boot_source, h->boot_cmdline);
                CAUSE(c, "/proc/cmdline is not readable here, so what the running kernel was "
                         "booted with is unknown.");
                FIX(c, "Run on the Proxmox host itself, or copy /proc/cmdline into the sysroot.");
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
                vpi_appendf(missing, sizeof(missing), "%si915.max_vfs=7", missing[0] ? " " : "");
        if (s == VPI_SPLIT_GVTG && param_value(h->cmdline, "i915.enable_guc", v, sizeof(v)) &&
            (atoi(v) & 1))
                EVID(c, "i915.enable_guc=%s turns GuC submission on: GVT-g refuses to start\n", v);
        if (has_param(h->cmdline, "pcie_acs_override"))
                EVID(c, "pcie_acs_override is set: devices the hardware groups together are "
                        "split anyway; a VM can then reach memory of devices it shares a real "
                        "group with (isolation traded for convenience)\n");
        *pending = in_boot[0] && strcmp(in_boot, missing) == 0;
        if (!missing[0]) {
                vpi_check_set(c, VP_STATUS_OK, "");
                SUMMARY(c, "has what %s needs",
                        s == VPI_SPLIT_GVTG    ? "GVT-g"
                        : s == VPI_SPLIT_SRIOV ? "SR-IOV"
                                               : "passthrough");
                if (h->boot_source[0] && strcmp(h->boot_cmdline, h->cmdline) != 0 &&
                    !strstr(h->cmdline, h->boot_cmdline)) {
                        vpi_check_set(c, VP_STATUS_WARN, "boot-config-differs");
                        CAUSE(c, "The boot configuration differs from the running command line: "
                                 "the next reboot changes it.");
                        FIX(c, "Compare %s with /proc/cmdline before rebooting.", h->boot_source);
                }
                return;
        }
        SUMMARY(c, "missing: %s", missing);
        if (*pending) {
                vpi_check_set(c, VP_STATUS_FAIL, "reboot-pending");
                CAUSE(c,
                      "%s has %s, but the running kernel was booted without: the boot "
                      "configuration was changed and not applied.",
                      h->boot_source, in_boot);
                FIX(c, "%s\nreboot",
                    strcmp(h->boot_source, "/etc/kernel/cmdline") == 0 ? "proxmox-boot-tool refresh"
                                                                       : "update-grub");
                return;
        }
        vpi_check_set(c, VP_STATUS_FAIL, "missing-parameters");
        CAUSE(c, "Without %s the IOMMU%s is off.", missing,
              s == VPI_SPLIT_GVTG    ? " or GVT-g"
              : s == VPI_SPLIT_SRIOV ? " or SR-IOV"
                                     : "");
        if (strcmp(h->boot_source, "/etc/kernel/cmdline") == 0)
                FIX(c,
                    "Append '%s' to the single line in /etc/kernel/cmdline, then:\n"
                    "proxmox-boot-tool refresh\nreboot",
                    missing);
        else
                FIX(c,
                    "Add '%s' to GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub, then:\n"
                    "update-grub\nreboot",
                    missing);
}

static bool configured(const struct vp_pve *h, const char *m)
{
        for (uint32_t i = 0; i < h->n_modlines; i++)
                if (strcmp(h->modlines[i].module, m) == 0)
                        return true;
        return false;
}

static void check_modules(struct vp_eval *e, const struct vp_pve *h, enum vpi_split s)
{
        struct vp_check *c = vpi_add_check(e, "host-modules", STEP_HBOOT);
        static const char *const gvt[] = {"vfio", "vfio_iommu_type1", "vfio_pci", "kvmgt"};
        const enum vp_tri loaded[] = {h->loaded_vfio, h->loaded_vfio_iommu_type1,
                                      h->loaded_vfio_pci, h->loaded_kvmgt};
        char missing[128] = "", stale[160] = "", not_loaded[128] = "";

        if (!c)
                return;
        for (uint32_t i = 0; i < h->n_modlines; i++) {
                const char *m = h->modlines[i].module;
                EVID(c, "%s: %s\n", h->modlines[i].file, m);
                /* vfio_virqfd is built into vfio since 6.2 (PVE 8); vfio_mdev was folded into
                 * mdev in 5.16: systemd-modules-load fails on both. */
                if (strcmp(m, "vfio_virqfd") == 0 || strcmp(m, "vfio_mdev") == 0)
                        vpi_appendf(stale, sizeof(stale), "%s%s (%s)", stale[0] ? ", " : "", m,
                                    h->modlines[i].file);
        }
        if (s == VPI_SPLIT_GVTG) {
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
        if (!missing[0] && !stale[0] && !not_loaded[0]) {
                vpi_check_set(c, VP_STATUS_OK, "");
                SUMMARY(c, s == VPI_SPLIT_GVTG
                               ? "vfio, vfio_iommu_type1, vfio_pci and kvmgt configured "
                                 "and loaded"
                               : "nothing extra needed");
                return;
        }
        if (missing[0]) {
                vpi_check_set(c, VP_STATUS_FAIL, "modules-missing");
                SUMMARY(c, "GVT-g modules not configured: %s", missing);
                CAUSE(c, "GVT-g needs %s loaded at boot.", missing);
                FIX(c, "printf '%%s\\n' %s >> /etc/modules\nupdate-initramfs -u -k all\nreboot\n",
                    missing);
        } else if (not_loaded[0]) {
                vpi_check_set(c, VP_STATUS_FAIL, "modules-not-loaded");
                SUMMARY(c, "configured but not loaded: %s", not_loaded);
                CAUSE(c, "The modules are listed but not loaded%s.",
                      strstr(not_loaded, "kvmgt") ? "; kvmgt loads only with i915.enable_gvt=1 on "
                                                    "a supported GPU ('could not insert kvmgt: "
                                                    "No such device')"
                                                  : "");
                FIX(c, "modprobe %s; check host-cmdline first\n", not_loaded);
        }
        if (stale[0]) {
                if (c->status != VP_STATUS_FAIL)
                        vpi_check_set(c, VP_STATUS_WARN, "stale-module-lines");
                SUMMARY(c, "%sobsolete module lines: %s", c->summary[0] ? "; " : "", stale);
                CAUSE(c,
                      "%sOn current kernels vfio_virqfd is part of vfio and vfio_mdev part of "
                      "mdev: 'modprobe: FATAL: Module vfio_virqfd not found' makes "
                      "systemd-modules-load fail at every boot.",
                      c->cause[0] ? " " : "");
                FIX(c, "sed -i -e '/^vfio_virqfd/d' -e '/^vfio_mdev/d' /etc/modules "
                       "/etc/modules-load.d/*.conf\nsystemctl restart systemd-modules-load");
        }
}

static void check_iommu(struct vp_eval *e, const struct vp_pve *h)
{
        struct vp_check *c = vpi_add_check(e, "host-iommu", STEP_HIOMMU);
        if (!c)
                return;
        EVID(c, "iommu units: %s\n",
             h->iommu == VP_YES ? h->iommu_names[0] ? h->iommu_names : "yes"
                                : vp_tri_str(h->iommu));
        if (h->n_groups.known)
                EVID(c, "iommu groups: %lld\n", (long long)h->n_groups.value);
        if (h->iommu != VP_YES || !h->n_groups.known || h->n_groups.value == 0) {
                vpi_check_set(c, VP_STATUS_FAIL, "iommu-off");
                SUMMARY(c, "the IOMMU is off: no VM can get a PCI device or vGPU");
                CAUSE(c, "No IOMMU units or groups: VT-d is disabled in the firmware, or "
                         "intel_iommu=on is missing (see host-cmdline).");
                FIX(c, "Enable VT-d in the BIOS/UEFI setup, add intel_iommu=on iommu=pt to the "
                       "kernel command line (host-cmdline) and reboot.");
                return;
        }
        if (!h->gpu_group.known) {
                vpi_check_set(c, VP_STATUS_WARN, "gpu-no-group");
                SUMMARY(c, "IOMMU on, but %s has no IOMMU group", h->gpu.slot);
                CAUSE(c, "The GPU is not in any IOMMU group.");
                FIX(c, "Check dmesg | grep -i -e DMAR -e IOMMU.");
                return;
        }
        EVID(c, "%s is in group %lld with:\n", h->gpu.slot, (long long)h->gpu_group.value);
        for (uint32_t i = 0; i < h->n_group_devs; i++) {
                const struct vp_pve_pcidev *d = &h->group_devs[i];
                EVID(c, "  %s %04x:%04x class %06llx driver %s\n", d->slot, d->vendor, d->device,
                     (unsigned long long)d->pci_class.value, d->driver[0] ? d->driver : "none");
        }
        vpi_check_set(c, VP_STATUS_OK, "");
        SUMMARY(c, "IOMMU on; %s in group %lld%s", h->gpu.slot, (long long)h->gpu_group.value,
                h->n_group_devs > 1 ? " (shared)" : " alone");
        if (h->n_group_devs > 1) {
                vpi_check_set(c, VP_STATUS_WARN, "shared-group");
                CAUSE(c, "Full passthrough moves the whole group: every device listed goes to the "
                         "VM with the GPU (mediated vGPUs and VFs are not affected).");
                FIX(c, "For full passthrough pass the whole group, or move the other devices; "
                       "pcie_acs_override splits groups at the cost of isolation.");
        }
}

static const struct vp_pve_mdev_type *find_type(const struct vp_pve *h, const char *id)
{
        for (uint32_t i = 0; i < h->n_types; i++)
                if (strcmp(h->types[i].id, id) == 0 || strcmp(h->types[i].name, id) == 0)
                        return &h->types[i];
        return NULL;
}

static void check_mdev(struct vp_eval *e, const struct vp_pve *h, enum vpi_split s)
{
        struct vp_check *c = vpi_add_check(e, "host-mdev", STEP_HSPLIT);
        int64_t total = 0;

        if (!c)
                return;
        if (s != VPI_SPLIT_GVTG) {
                vpi_check_set(c, VP_STATUS_SKIP, "");
                SUMMARY(c, "not a GVT-g platform");
                return;
        }
        if (h->n_types == 0) {
                vpi_check_set(c, VP_STATUS_FAIL, "no-mdev-types");
                SUMMARY(c, "no mdev types: GVT-g is not running on %s", h->gpu.slot);
                CAUSE(c, "%s",
                      h->dmesg_gvt_guc == VP_YES
                          ? "The kernel refused GVT-g because GuC submission is on."
                          : "i915 did not start GVT-g: i915.enable_gvt=1 or kvmgt is missing, "
                            "or GuC submission is on (see host-cmdline, host-modules, "
                            "host-guc).");
                FIX(c,
                    "Fix host-cmdline and host-modules, reboot, then: ls "
                    "/sys/bus/pci/devices/%s/mdev_supported_types",
                    h->gpu.slot);
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
        for (uint32_t i = 0; i < h->n_mdevs; i++) {
                const struct vp_pve_mdev *m = &h->mdevs[i];
                if (m->vmid >= 0)
                        EVID(c, "instance %s (%s): VM %d, hostpci%d\n", m->uuid, m->type, m->vmid,
                             m->index);
                else
                        EVID(c, "instance %s (%s): not created by Proxmox\n", m->uuid, m->type);
        }
        if (total > 0) {
                vpi_check_set(c, VP_STATUS_OK, "");
                SUMMARY(c, "%u types, %lld instances available, %u in use", h->n_types,
                        (long long)total, h->n_mdevs);
                return;
        }
        vpi_check_set(c, VP_STATUS_WARN, "no-instances-left");
        SUMMARY(c, "every vGPU instance is taken (%u in use)", h->n_mdevs);
        CAUSE(c, "The aperture is shared out: a new VM gets 'write error: No space left on "
                 "device' when Proxmox creates its instance.");
        FIX(c, "Stop a VM that holds one");
        for (uint32_t i = 0, n = 0; i < h->n_mdevs; i++)
                if (h->mdevs[i].vmid >= 0)
                        FIX(c, "%s %d", n++ ? "," : ":", h->mdevs[i].vmid);
        FIX(c, ", use a smaller type (V5_8 fits twice where V5_4 fits once), or raise the "
               "DVMT/aperture size in the firmware setup.");
}

static void check_sriov(struct vp_eval *e, const struct vp_pve *h, enum vpi_split s)
{
        struct vp_check *c = vpi_add_check(e, "host-sriov", STEP_HSPLIT);
        if (!c)
                return;
        if (s != VPI_SPLIT_SRIOV) {
                vpi_check_set(c, VP_STATUS_SKIP, "");
                SUMMARY(c, "not an SR-IOV platform");
                return;
        }
        EVID(c, "sriov_totalvfs: %s%lld, sriov_numvfs: %s%lld\n",
             h->sriov_totalvfs.known ? "" : "unknown ", (long long)h->sriov_totalvfs.value,
             h->sriov_numvfs.known ? "" : "unknown ", (long long)h->sriov_numvfs.value);
        for (uint32_t i = 0; i < h->n_vfs; i++)
                EVID(c, "VF %s driver %s\n", h->vfs[i].slot,
                     h->vfs[i].driver[0] ? h->vfs[i].driver : "none");
        if (!h->sriov_totalvfs.known || h->sriov_totalvfs.value == 0) {
                vpi_check_set(c, VP_STATUS_FAIL, "no-sriov-driver");
                SUMMARY(c, "%s offers no virtual functions", h->gpu.slot);
                CAUSE(c, "The i915 in use has no SR-IOV support (upstream i915 has none); the "
                         "out-of-tree i915-sriov-dkms (or xe with SR-IOV) is needed.");
                FIX(c,
                    "Install i915-sriov-dkms (strongtz/i915-sriov-dkms), boot with "
                    "intel_iommu=on iommu=pt i915.enable_guc=3 i915.max_vfs=7, then check "
                    "cat /sys/bus/pci/devices/%s/sriov_totalvfs",
                    h->gpu.slot);
                return;
        }
        if (!h->sriov_numvfs.known || h->sriov_numvfs.value == 0) {
                vpi_check_set(c, VP_STATUS_FAIL, "no-vfs");
                SUMMARY(c, "SR-IOV available (%lld VFs) but none created",
                        (long long)h->sriov_totalvfs.value);
                CAUSE(c, "sriov_numvfs is 0: the virtual functions are not enabled.");
                FIX(c,
                    "echo %lld > /sys/bus/pci/devices/%s/sriov_numvfs\nand to keep it: apt "
                    "install sysfsutils; echo 'bus/pci/devices/%s/sriov_numvfs = %lld' >> "
                    "/etc/sysfs.conf",
                    (long long)h->sriov_totalvfs.value, h->gpu.slot, h->gpu.slot,
                    (long long)h->sriov_totalvfs.value);
                return;
        }
        vpi_check_set(c, VP_STATUS_OK, "");
        SUMMARY(c, "%lld of %lld VFs enabled", (long long)h->sriov_numvfs.value,
                (long long)h->sriov_totalvfs.value);
}

static void check_guc(struct vp_eval *e, const struct vp_pve *h, enum vpi_split s)
{
        struct vp_check *c = vpi_add_check(e, "host-guc", STEP_HSPLIT);
        char v[16];
        int64_t guc = -1;

        if (!c)
                return;
        if (h->enable_guc.known)
                guc = h->enable_guc.value;
        else if (param_value(h->cmdline, "i915.enable_guc", v, sizeof(v)))
                guc = atoi(v);
        EVID(c, "i915 enable_guc: %s\n",
             h->enable_guc.known ? "read from /sys/module/i915/parameters"
             : guc >= 0          ? "from the command line (parameters are root-only)"
                                 : "unknown (root-only; not on the command line)");
        if (guc >= 0)
                EVID(c, "value: %lld\n", (long long)guc);
        if (h->dmesg_gvt_guc == VP_YES)
                EVID(c, "kernel log: Graphics virtualization is not yet supported with GuC "
                        "submission\n");
        if (s == VPI_SPLIT_SRIOV) {
                vpi_check_set(c,
                              guc == 3 || guc < 0 ? (guc < 0 ? VP_STATUS_SKIP : VP_STATUS_OK)
                                                  : VP_STATUS_FAIL,
                              guc == 3 || guc < 0 ? "" : "sriov-needs-guc");
                SUMMARY(c, guc == 3  ? "GuC submission and HuC on (enable_guc=3), as SR-IOV needs"
                           : guc < 0 ? "unknown"
                                     : "SR-IOV needs i915.enable_guc=3");
                if (c->status == VP_STATUS_FAIL)
                        FIX(c, "Set i915.enable_guc=3 on the kernel command line (host-cmdline) "
                               "and reboot.");
                return;
        }
        if (s != VPI_SPLIT_GVTG) {
                vpi_check_set(c, VP_STATUS_SKIP, "");
                SUMMARY(c, "not needed for this platform");
                return;
        }
        if (h->dmesg_gvt_guc == VP_YES || (guc >= 0 && (guc & 1))) {
                vpi_check_set(c, VP_STATUS_FAIL, "guc-submission-on");
                SUMMARY(c, "GuC submission is on: GVT-g refuses to start");
                CAUSE(c, "i915 disables GVT-g with GuC submission (\"Graphics virtualization is "
                         "not yet supported with GuC submission\").");
                FIX(c, "Use i915.enable_guc=0 (or 2: HuC only) on the host command line, then "
                       "refresh the boot config and reboot.");
                return;
        }
        vpi_check_set(c, guc < 0 ? VP_STATUS_SKIP : VP_STATUS_OK, "");
        SUMMARY(c, guc < 0 ? "unknown (run as root to read it)"
                           : "GuC submission off, as GVT-g "
                             "needs");
}

static void check_vms(struct vp_eval *e, const struct vp_pve *h)
{
        struct vp_check *c = vpi_add_check(e, "host-vm-config", STEP_HVM);
        unsigned problems = 0, gpu_vms = 0;

        if (!c)
                return;
        if (h->vm_configs_readable != VP_YES) {
                vpi_check_set(c, VP_STATUS_SKIP, "");
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
                                        FIX(c,
                                            "VM %d: %s is not an mdev type of this GPU; use "
                                            "one of:",
                                            vm->vmid, type);
                                        for (uint32_t t = 0; t < h->n_types; t++)
                                                FIX(c, " %s", h->types[t].id);
                                        FIX(c, " (qm set %d --hostpci%d 0000:00:02.0,mdev=...)\n",
                                            vm->vmid, k);
                                }
                        }
                }
                if (!uses_gpu)
                        continue;
                gpu_vms++;
                if (strstr(vm->machine, "viommu=")) {
                        problems++;
                        FIX(c, "VM %d has a vIOMMU (machine: %s): qm set %d --machine q35\n",
                            vm->vmid, vm->machine, vm->vmid);
                }
                if (vm->efidisk[0] && !strstr(vm->efidisk, "pre-enrolled-keys=0")) {
                        problems++;
                        FIX(c,
                            "VM %d's EFI disk has Microsoft keys enrolled (Secure Boot on): "
                            "recreate it with pre-enrolled-keys=0 (qm set %d --efidisk0 "
                            "<storage>:1,efitype=4m,pre-enrolled-keys=0)\n",
                            vm->vmid, vm->vmid);
                }
        }
        if (!gpu_vms) {
                vpi_check_set(c, VP_STATUS_SKIP, "");
                SUMMARY(c, "no VM uses the GPU yet (%u VM configs)", h->n_vms);
                return;
        }
        if (problems) {
                vpi_check_set(c, VP_STATUS_FAIL, "vm-config");
                SUMMARY(c, "%u problem(s) in %u VM(s) using the GPU", problems, gpu_vms);
                CAUSE(c, "The guide's VM-side settings: an existing mdev type, vIOMMU None, "
                         "and Secure Boot off (an EFI disk without pre-enrolled keys).");
                return;
        }
        vpi_check_set(c, VP_STATUS_OK, "");
        SUMMARY(c, "%u VM(s) use the GPU, configured as the guide says", gpu_vms);
}

int vp_pve_evaluate(const struct vp_pve *h, struct vp_eval **ret)
{
        struct vp_eval *e;
        struct vp_platform p;
        enum vpi_split s;
        bool pending = false;

        if (!h || !ret)
                return -EINVAL;
        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        e->primary = -1;
        if (!h->gpu_found) {
                struct vp_check *c = vpi_add_check(e, "host-cpu", STEP_HCPU);
                if (!c) {
                        free(e);
                        return -ENOBUFS;
                }
                vpi_check_set(c, VP_STATUS_FAIL, "not-intel-gpu-host");
                SUMMARY(c, "not an Intel GPU host: no Intel display device on the PCI bus");
                if (h->cpu_model[0])
                        EVID(c, "cpu: %s\n", h->cpu_model);
                CAUSE(c, "nodeprobe host checks a Proxmox host whose Intel iGPU is shared with "
                         "VMs; this machine has none (or the iGPU is disabled in the firmware).");
                FIX(c, "Run nodeprobe host on the Proxmox host itself; inside a VM use nodeprobe "
                       "--report.");
                e->node_status = VP_NODE_NO_GPU;
                *ret = e;
                return 0;
        }
        vp_platform_lookup(h->gpu.device, &p);
        s = vpi_split_method(p.platform, p.gen);
        check_cpu(e, h, &p, s);
        check_cmdline(e, h, s, &pending);
        check_modules(e, h, s);
        check_iommu(e, h);
        check_mdev(e, h, s);
        check_sriov(e, h, s);
        check_guc(e, h, s);
        check_vms(e, h);
        e->node_status = VP_NODE_OK;
        for (uint32_t i = 0; i < e->n_checks; i++)
                if (e->checks[i].status == VP_STATUS_FAIL)
                        e->node_status = VP_NODE_DEGRADED;
        *ret = e;
        return 0;
}
