/* SPDX-License-Identifier: MIT */
/*
 * The Proxmox VE host side of the guide, read from files: the iGPU on the PCI bus, the
 * kernel command line now and at next boot, modules, IOMMU groups, GVT-g mdev types and
 * instances, SR-IOV VFs, i915 parameters and the VM configs. Everything goes through the
 * sysroot so a copied tree can be inspected (shared/reference/guest-detection.md section 4).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nodeprobe_version.h"
#include "vaprobe/common/read.h"
#include "vaprobe/pve.h"

static void read_pcidev(const char *root, const char *slot, struct vp_pve_pcidev *d)
{
        struct vpi_pcidev pd;

        vpi_read_pcidev(root, slot, &pd);
        vpi_strlcpy(d->slot, slot, sizeof(d->slot));
        d->vendor = pd.vendor.known ? (uint16_t)pd.vendor.value : 0;
        d->device = pd.device.known ? (uint16_t)pd.device.value : 0;
        d->pci_class = pd.pci_class;
        vpi_strlcpy(d->driver, pd.driver, sizeof(d->driver));
        d->physfn = pd.physfn;
}

static void find_gpu(const char *root, const char *dir, const char *name, void *ud)
{
        struct vp_pve *h = ud;
        struct vp_pve_pcidev d = {0};

        (void)dir;
        read_pcidev(root, name, &d);
        if (d.vendor != 0x8086 || !d.pci_class.known || (d.pci_class.value >> 16) != 0x03)
                return;
        /* A VF (physfn link) is not the GPU; the integrated GPU is 00:02.0 (nvtop's heuristic,
         * named as one) and wins over any other Intel display device. */
        if (d.physfn == VP_YES)
                return;
        if (!h->gpu_found || strcmp(name, "0000:00:02.0") == 0) {
                h->gpu = d;
                h->gpu_found = true;
        }
}

/* GRUB_CMDLINE_LINUX_DEFAULT and GRUB_CMDLINE_LINUX from /etc/default/grub, unquoted. */
static void grub_cmdline(const char *root, char *out, size_t n)
{
        char *buf = malloc(VPI_READ_CAP), *line, *save = NULL;

        out[0] = '\0';
        if (!buf || vpi_read(root, "/etc/default/grub", buf, VPI_READ_CAP) <= 0) {
                free(buf);
                return;
        }
        for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *l = vpi_trim(line), *v, *end;
                if (strncmp(l, "GRUB_CMDLINE_LINUX_DEFAULT=", 27) == 0)
                        v = l + 27;
                else if (strncmp(l, "GRUB_CMDLINE_LINUX=", 19) == 0)
                        v = l + 19;
                else
                        continue;
                if (*v == '"' || *v == '\'') {
                        end = strrchr(v + 1, *v);
                        if (end)
                                *end = '\0';
                        v++;
                }
                vpi_appendf(out, n, "%s%s", out[0] && *v ? " " : "", v);
        }
        free(buf);
}

static void read_modlines(const char *root, const char *file, struct vp_pve *h)
{
        char *buf = malloc(VPI_READ_CAP), *line, *save = NULL;

        if (!buf || vpi_read(root, file, buf, VPI_READ_CAP) <= 0) {
                free(buf);
                return;
        }
        for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *l = vpi_trim(line), *sp;
                if (!*l || *l == '#' || *l == ';')
                        continue;
                if (h->n_modlines >= VP_PVE_MAX_MODLINES) {
                        h->partial |= VP_PVE_PARTIAL_MODLINES;
                        continue;
                }
                sp = strpbrk(l, " \t"); /* /etc/modules lines may carry parameters */
                if (sp)
                        *sp = '\0';
                vpi_strlcpy(h->modlines[h->n_modlines].module, l, sizeof(h->modlines[0].module));
                vpi_strlcpy(h->modlines[h->n_modlines].file, file, sizeof(h->modlines[0].file));
                h->n_modlines++;
        }
        free(buf);
}

static void modules_load_d(const char *root, const char *dir, const char *name, void *ud)
{
        char p[PATH_MAX];
        size_t l = strlen(name);

        if (l < 6 || strcmp(name + l - 5, ".conf") != 0)
                return;
        vpi_pathf(p, sizeof(p), "%s/%s", dir, name);
        read_modlines(root, p, ud);
}

static void group_dev(const char *root, const char *dir, const char *name, void *ud)
{
        struct vp_pve *h = ud;

        (void)dir;
        if (h->n_group_devs < VP_PVE_MAX_GROUP)
                read_pcidev(root, name, &h->group_devs[h->n_group_devs++]);
        else
                h->partial |= VP_PVE_PARTIAL_GROUP;
}

static void iommu_unit(const char *root, const char *dir, const char *name, void *ud)
{
        struct vp_pve *h = ud;
        size_t used = strlen(h->iommu_names);

        (void)root;
        (void)dir;
        snprintf(h->iommu_names + used, sizeof(h->iommu_names) - used, "%s%s", used ? "," : "",
                 name);
}

/* "low_gm_size: 128MB\nhigh_gm_size: 512MB\nfence: 4\nresolution: 1920x1200\nweight: 4"
 * (kvmgt.c description_show). */
static void parse_description(char *text, struct vp_pve_mdev_type *t)
{
        char *line, *save = NULL;

        for (line = strtok_r(text, "\n,", &save); line; line = strtok_r(NULL, "\n,", &save)) {
                char key[32];
                long v;
                char res[16];
                if (sscanf(line, " %31[a-z_]: %ld", key, &v) == 2) {
                        struct vp_opt o = {.known = true, .value = v};
                        if (strcmp(key, "low_gm_size") == 0)
                                t->low_gm_mb = o;
                        else if (strcmp(key, "high_gm_size") == 0)
                                t->high_gm_mb = o;
                        else if (strcmp(key, "fence") == 0)
                                t->fences = o;
                        else if (strcmp(key, "weight") == 0)
                                t->weight = o;
                }
                if (sscanf(line, " resolution: %15s", res) == 1)
                        vpi_strlcpy(t->resolution, res, sizeof(t->resolution));
        }
}

static void mdev_type(const char *root, const char *dir, const char *name, void *ud)
{
        struct vp_pve *h = ud;
        struct vp_pve_mdev_type *t;
        char p[PATH_MAX], desc[1024];

        if (h->n_types >= VP_PVE_MAX_TYPES) {
                h->partial |= VP_PVE_PARTIAL_TYPES;
                return;
        }
        t = &h->types[h->n_types++];
        vpi_strlcpy(t->id, name, sizeof(t->id));
        vpi_pathf(p, sizeof(p), "%s/%s/name", dir, name);
        vpi_read_line(root, p, t->name, sizeof(t->name));
        vpi_pathf(p, sizeof(p), "%s/%s/available_instances", dir, name);
        t->available = vpi_read_num(root, p, 10);
        vpi_pathf(p, sizeof(p), "%s/%s/description", dir, name);
        if (vpi_read(root, p, desc, sizeof(desc)) > 0)
                parse_description(desc, t);
}

static void mdev_instance(const char *root, const char *dir, const char *name, void *ud)
{
        struct vp_pve *h = ud;
        struct vp_pve_mdev *m;
        char p[PATH_MAX];
        unsigned idx;
        unsigned long long vmid;
        char tail;

        if (h->n_mdevs >= VP_PVE_MAX_MDEVS) {
                h->partial |= VP_PVE_PARTIAL_MDEVS;
                return;
        }
        m = &h->mdevs[h->n_mdevs++];
        vpi_strlcpy(m->uuid, name, sizeof(m->uuid));
        vpi_pathf(p, sizeof(p), "%s/%s/mdev_type", dir, name);
        vpi_readlink_base(root, p, m->type, sizeof(m->type));
        m->vmid = -1;
        m->index = -1;
        /* PVE/QemuServer/PCI.pm generate_mdev_uuid: sprintf("%08d-0000-0000-0000-%012d",
         * $index, $vmid). */
        if (strlen(name) == 36 &&
            sscanf(name, "%8u-0000-0000-0000-%12llu%c", &idx, &vmid, &tail) == 2 &&
            vmid < 1000000000ULL) {
                m->index = (int32_t)idx;
                m->vmid = (int32_t)vmid;
        }
}

static void vf_link(const char *root, const char *dir, const char *name, void *ud)
{
        struct vp_pve *h = ud;
        char p[PATH_MAX], slot[32];

        if (strncmp(name, "virtfn", 6) != 0)
                return;
        if (h->n_vfs >= VP_PVE_MAX_VFS) {
                h->partial |= VP_PVE_PARTIAL_VFS;
                return;
        }
        vpi_pathf(p, sizeof(p), "%s/%s", dir, name);
        if (vpi_readlink_base(root, p, slot, sizeof(slot)) < 0)
                return;
        read_pcidev(root, slot, &h->vfs[h->n_vfs++]);
}

static void vm_config(const char *root, const char *dir, const char *name, void *ud)
{
        struct vp_pve *h = ud;
        struct vp_pve_vm *vm;
        char p[PATH_MAX], *buf, *line, *save = NULL;
        size_t l = strlen(name);
        char *end = NULL;
        long id;

        if (l < 6 || strcmp(name + l - 5, ".conf") != 0)
                return;
        if (h->n_vms >= VP_PVE_MAX_VMS) {
                h->partial |= VP_PVE_PARTIAL_VMS;
                return;
        }
        id = strtol(name, &end, 10);
        if (end != name + l - 5 || id <= 0)
                return;
        buf = malloc(VPI_READ_CAP);
        vpi_pathf(p, sizeof(p), "%s/%s", dir, name);
        if (!buf || vpi_read(root, p, buf, VPI_READ_CAP) < 0) {
                free(buf);
                return;
        }
        vm = &h->vms[h->n_vms++];
        vm->vmid = (int32_t)id;
        for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *colon, *key, *val;
                int n;
                if (line[0] == '[')
                        break; /* snapshot sections follow the current config */
                colon = strchr(line, ':');
                if (!colon || line[0] == '#')
                        continue;
                *colon = '\0';
                key = vpi_trim(line);
                val = vpi_trim(colon + 1);
                if (sscanf(key, "hostpci%d", &n) == 1 && n >= 0 && n < 4)
                        vpi_strlcpy(vm->hostpci[n], val, sizeof(vm->hostpci[0]));
                else if (strcmp(key, "name") == 0)
                        vpi_strlcpy(vm->name, val, sizeof(vm->name));
                else if (strcmp(key, "machine") == 0)
                        vpi_strlcpy(vm->machine, val, sizeof(vm->machine));
                else if (strcmp(key, "efidisk0") == 0)
                        vpi_strlcpy(vm->efidisk, val, sizeof(vm->efidisk));
                else if (strcmp(key, "bios") == 0)
                        vpi_strlcpy(vm->bios, val, sizeof(vm->bios));
        }
        free(buf);
}

static void read_log(const char *root, const char *dmesg_file, struct vp_pve *h)
{
        bool live = !root || strcmp(root, "/") == 0;
        char *buf = NULL;

        /* A copied tree has no kernel log of its own unless one is given. */
        if ((!dmesg_file && !live) || vpi_read_kernel_log(dmesg_file, &buf) < 0) {
                h->dmesg_readable = dmesg_file || live ? VP_NO : VP_UNKNOWN;
                return;
        }
        h->dmesg_readable = VP_YES;
        h->dmesg_gvt_guc = strstr(buf, "not yet supported with GuC submission") ? VP_YES : VP_NO;
        h->dmesg_gvt_unsupported =
            strstr(buf, "Unsupported device. GVT-g is disabled") ? VP_YES : VP_NO;
        free(buf);
}

int vp_pve_probe(const char *root, const char *dmesg_file, struct vp_pve **ret)
{
        struct vp_pve *h;
        struct vpi_cpuinfo ci;
        char p[PATH_MAX];

        if (!ret)
                return -EINVAL;
        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        vpi_strlcpy(h->probe_version, NODEPROBE_VERSION, sizeof(h->probe_version));
        vpi_read_kernel_release(root, h->kernel_release, sizeof(h->kernel_release));
        h->cmdline_unreadable = vpi_read_cmdline(root, h->cmdline, sizeof(h->cmdline)) < 0;
        vpi_read_cpuinfo(root, &ci);
        vpi_strlcpy(h->cpu_model, ci.model, sizeof(h->cpu_model));
        /* systemd-boot hosts (ZFS root, UEFI) take /etc/kernel/cmdline via proxmox-boot-tool;
         * GRUB hosts /etc/default/grub. */
        if (vpi_read_line(root, "/etc/kernel/cmdline", h->boot_cmdline, sizeof(h->boot_cmdline)) ==
            0) {
                vpi_strlcpy(h->boot_source, "/etc/kernel/cmdline", sizeof(h->boot_source));
        } else {
                grub_cmdline(root, h->boot_cmdline, sizeof(h->boot_cmdline));
                if (vpi_exists(root, "/etc/default/grub") == VP_YES)
                        vpi_strlcpy(h->boot_source, "/etc/default/grub", sizeof(h->boot_source));
        }
        h->proxmox = vpi_exists(root, "/etc/pve");

        vpi_each_entry(root, "/sys/bus/pci/devices", find_gpu, h);
        h->enable_guc = vpi_read_num(root, "/sys/module/i915/parameters/enable_guc", 10);
        {
                char v[8];
                if (vpi_read_line(root, "/sys/module/i915/parameters/enable_gvt", v, sizeof(v)) ==
                    0)
                        h->enable_gvt = v[0] == 'Y' || v[0] == '1' ? VP_YES : VP_NO;
        }

        h->iommu = vpi_exists(root, "/sys/class/iommu");
        if (h->iommu == VP_YES) {
                vpi_each_entry(root, "/sys/class/iommu", iommu_unit, h);
                h->iommu = h->iommu_names[0] ? VP_YES : VP_NO;
        }
        if (vpi_exists(root, "/sys/kernel/iommu_groups") == VP_YES) {
                int n = vpi_each_entry(root, "/sys/kernel/iommu_groups", NULL, NULL);
                if (n >= 0)
                        h->n_groups = (struct vp_opt){.known = true, .value = n};
        }
        if (h->gpu_found) {
                char grp[16];
                vpi_pathf(p, sizeof(p), "/sys/bus/pci/devices/%s/iommu_group", h->gpu.slot);
                if (vpi_readlink_base(root, p, grp, sizeof(grp)) == 0) {
                        uint64_t g;
                        if (vpi_parse_u64(grp, 10, &g) == 0) {
                                h->gpu_group = (struct vp_opt){.known = true, .value = (int64_t)g};
                                vpi_pathf(p, sizeof(p), "/sys/kernel/iommu_groups/%s/devices", grp);
                                vpi_each_entry(root, p, group_dev, h);
                        }
                }
                vpi_pathf(p, sizeof(p), "/sys/bus/pci/devices/%s/mdev_supported_types",
                          h->gpu.slot);
                vpi_each_entry(root, p, mdev_type, h);
                vpi_pathf(p, sizeof(p), "/sys/bus/pci/devices/%s/sriov_totalvfs", h->gpu.slot);
                h->sriov_totalvfs = vpi_read_num(root, p, 10);
                vpi_pathf(p, sizeof(p), "/sys/bus/pci/devices/%s/sriov_numvfs", h->gpu.slot);
                h->sriov_numvfs = vpi_read_num(root, p, 10);
                vpi_pathf(p, sizeof(p), "/sys/bus/pci/devices/%s", h->gpu.slot);
                vpi_each_entry(root, p, vf_link, h);
        }
        vpi_each_entry(root, "/sys/bus/mdev/devices", mdev_instance, h);

        read_modlines(root, "/etc/modules", h);
        vpi_each_entry(root, "/etc/modules-load.d", modules_load_d, h);
        if (vpi_exists(root, "/sys/module") == VP_YES) {
                h->loaded_vfio = vpi_exists(root, "/sys/module/vfio");
                h->loaded_vfio_iommu_type1 = vpi_exists(root, "/sys/module/vfio_iommu_type1");
                h->loaded_vfio_pci = vpi_exists(root, "/sys/module/vfio_pci");
                h->loaded_kvmgt = vpi_exists(root, "/sys/module/kvmgt");
                h->loaded_mdev = vpi_exists(root, "/sys/module/mdev");
                h->loaded_i915 = vpi_exists(root, "/sys/module/i915");
                h->loaded_xe = vpi_exists(root, "/sys/module/xe");
        }
        h->vm_configs_readable = vpi_exists(root, "/etc/pve/qemu-server");
        if (h->vm_configs_readable == VP_YES)
                vpi_each_entry(root, "/etc/pve/qemu-server", vm_config, h);
        read_log(root, dmesg_file, h);
        *ret = h;
        return 0;
}
