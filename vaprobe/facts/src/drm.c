/* SPDX-License-Identifier: MIT */
/*
 * DRM devices through libdrm: drmGetDevices2 lists every device with a /dev/dri node (Intel
 * or not: a virtio-gpu or QEMU VGA card in the same VM is evidence, libva may pick it),
 * then sysfs and a few render-allowed ioctls add what tells a vGPU from a real GPU.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <i915_drm.h>
#include <xf86drm.h>

#include "internal.h"
#include "vaprobe/common/read.h"

#define MAX_DRM_DEVICES 64
#define IORESOURCE_IO 0x00000100 /* include/linux/ioport.h */

static void set_opt(struct vp_opt *o, int64_t v)
{
        o->known = true;
        o->value = v;
}

/* I915_GETPARAM is DRM_RENDER_ALLOW (i915_driver.c ioctl table), so the render node suffices. */
static void i915_getparam(int fd, int param, struct vp_opt *out)
{
        int value = 0;
        struct drm_i915_getparam gp = {.param = param, .value = &value};

        if (drmIoctl(fd, DRM_IOCTL_I915_GETPARAM, &gp) == 0)
                set_opt(out, value);
}

static void read_drm_identity(int fd, struct vp_gpu *g)
{
        drmVersionPtr v = drmGetVersion(fd);

        if (v) {
                vpi_strlcpy(g->drm_name, v->name, sizeof(g->drm_name));
                vpi_strlcpy(g->drm_desc, v->desc, sizeof(g->drm_desc));
                set_opt(&g->drm_major, v->version_major);
                set_opt(&g->drm_minor, v->version_minor);
                set_opt(&g->drm_patch, v->version_patchlevel);
                drmFreeVersion(v);
        }
        if (strcmp(g->drm_name, "i915") == 0) {
                struct drm_i915_gem_get_aperture ap = {0};

                /* Not CHIPSET_ID or REVISION: the PCI ids from sysfs are the same values
                 * (i915_getparam_ioctl in i915_getparam.c). */
                i915_getparam(fd, I915_PARAM_NUM_FENCES_AVAIL, &g->num_fences);
                i915_getparam(fd, I915_PARAM_HUC_STATUS, &g->huc_status);
                if (drmIoctl(fd, DRM_IOCTL_I915_GEM_GET_APERTURE, &ap) == 0) {
                        set_opt(&g->aperture_size, (int64_t)ap.aper_size);
                        set_opt(&g->aperture_available, (int64_t)ap.aper_available_size);
                }
        }
}

static void read_render_access(struct vp_gpu *g)
{
        struct stat st;
        int fd;

        g->render_open_errno = -1;
        if (!g->render_node[0])
                return;
        if (stat(g->render_node, &st) == 0) {
                struct group gr, *res = NULL;
                char buf[1024];

                g->render_stat_ok = true;
                g->render_mode = st.st_mode & 07777;
                g->render_uid = st.st_uid;
                g->render_gid = st.st_gid;
                if (getgrgid_r(st.st_gid, &gr, buf, sizeof(buf), &res) == 0 && res)
                        vpi_strlcpy(g->render_group, res->gr_name, sizeof(g->render_group));
        }
        fd = open(g->render_node, O_RDWR | O_CLOEXEC);
        if (fd < 0) {
                g->render_open_errno = errno;
                return;
        }
        g->render_open_errno = 0;
        read_drm_identity(fd, g);
        close(fd);
}

/* GVT-g's virtual DP monitor (gvt/display.c virtual_dp_monitor_edid[]): manufacturer "HWP",
 * product 0x2954, name "HP ZR2440w", serial "CN43040DXQ". A real HP ZR2440w matches the name
 * and product but not that serial, so all four must match. */
bool vp_edid_is_gvt(const uint8_t *e, size_t len)
{
        bool name = false, serial = false;

        if (!e || len < 128)
                return false;
        if (e[8] != 0x22 || e[9] != 0xf0 || e[10] != 0x54 || e[11] != 0x29)
                return false;
        for (size_t d = 54; d + 18 <= 126; d += 18) {
                char text[14];
                if (e[d] || e[d + 1] || e[d + 2])
                        continue; /* a detailed timing, not a display descriptor */
                memcpy(text, e + d + 5, 13);
                text[13] = '\0';
                if (e[d + 3] == 0xfc && strncmp(text, "HP ZR2440w", 10) == 0)
                        name = true;
                if (e[d + 3] == 0xff && strncmp(text, "CN43040DXQ", 10) == 0)
                        serial = true;
        }
        return name && serial;
}

static void read_edid(const char *root, struct vp_gpu *g)
{
        char dir[PATH_MAX], card[32];
        const char *base;
        DIR *d;
        struct dirent *e;

        if (!g->card_node[0])
                return;
        base = strrchr(g->card_node, '/');
        vpi_strlcpy(card, base ? base + 1 : g->card_node, sizeof(card));
        if (vpi_path(dir, sizeof(dir), root, "/sys/class/drm") < 0)
                return;
        d = opendir(dir);
        if (!d)
                return;
        g->gvt_edid = VP_NO;
        while ((e = readdir(d))) {
                char path[PATH_MAX], blob[512];
                size_t cl = strlen(card);
                long n;

                /* Connectors are named <card>-<type>-<n>; GVT-g emulates a DP monitor. */
                if (strncmp(e->d_name, card, cl) != 0 || strncmp(e->d_name + cl, "-DP-", 4) != 0)
                        continue;
                vpi_pathf(path, sizeof(path), "/sys/class/drm/%s/edid", e->d_name);
                n = vpi_read(root, path, blob, sizeof(blob));
                if (n > 0 && vp_edid_is_gvt((const uint8_t *)blob, (size_t)n)) {
                        g->gvt_edid = VP_YES;
                        vpi_strlcpy(g->gvt_edid_connector, e->d_name,
                                    sizeof(g->gvt_edid_connector));
                        break;
                }
        }
        closedir(d);
}

static void find_render(const char *root, const char *dir, const char *name, void *ud)
{
        struct vp_gpu *g = ud;

        (void)root;
        (void)dir;
        if (!g->sysfs_render[0] && strncmp(name, "renderD", 7) == 0)
                vpi_strlcpy(g->sysfs_render, name, sizeof(g->sysfs_render));
}

static void read_pci_sysfs(const char *root, struct vp_gpu *g)
{
        char p[PATH_MAX], buf[4096];
        long n;

        struct vpi_pcidev d;

        if (!g->pci_slot[0])
                return;
        vpi_read_pcidev(root, g->pci_slot, &d);
        vpi_strlcpy(g->kernel_driver, d.driver, sizeof(g->kernel_driver));
        /* The render node as the kernel made it: /sys/bus/pci/devices/SLOT/drm/renderD*. A
         * container without /dev/dri (the discover tier) still sees it here. */
        vpi_pathf(p, sizeof(p), "/sys/bus/pci/devices/%s/drm", g->pci_slot);
        vpi_each_entry(root, p, find_render, g);
        g->pci_class = d.pci_class;
        g->physfn = d.physfn;
        g->sriov_totalvfs = d.sriov_totalvfs;

        /* "resource": one "start end flags" line per BAR; an I/O BAR has IORESOURCE_IO. GVT-g
         * zeroes BAR4 (gvt/cfg_space.c) and VFs have none. */
        vpi_pathf(p, sizeof(p), "/sys/bus/pci/devices/%s/resource", g->pci_slot);
        n = vpi_read(root, p, buf, sizeof(buf));
        if (n > 0) {
                char *line, *save = NULL;
                int lines = 0;
                enum vp_tri io = VP_NO;

                for (line = strtok_r(buf, "\n", &save); line && lines < 17;
                     line = strtok_r(NULL, "\n", &save), lines++) {
                        unsigned long long start, end, flags;
                        if (sscanf(line, "%llx %llx %llx", &start, &end, &flags) != 3) {
                                io = VP_UNKNOWN; /* garbage: do not claim either way */
                                break;
                        }
                        /* Only the six standard BARs: line 6 is the ROM, 7+ bridge windows. */
                        if (lines < 6 && (flags & IORESOURCE_IO) && end > start)
                                io = VP_YES;
                }
                g->io_bar = lines ? io : VP_UNKNOWN;
        }
        read_edid(root, g);
}

static void fill_from_drm(const drmDevicePtr d, struct vp_gpu *g)
{
        if (d->bustype == DRM_BUS_PCI && d->businfo.pci && d->deviceinfo.pci) {
                const drmPciBusInfo *b = d->businfo.pci;
                const drmPciDeviceInfo *i = d->deviceinfo.pci;

                snprintf(g->pci_slot, sizeof(g->pci_slot), "%04x:%02x:%02x.%u", b->domain, b->bus,
                         b->dev, b->func);
                g->vendor_id = i->vendor_id;
                g->device_id = i->device_id;
                g->subsys_vendor_id = i->subvendor_id;
                g->subsys_device_id = i->subdevice_id;
                /* libdrm reports 0xff when it could not read the revision. */
                if (i->revision_id != 0xff)
                        set_opt(&g->revision, i->revision_id);
        }
        if (d->available_nodes & (1 << DRM_NODE_PRIMARY))
                vpi_strlcpy(g->card_node, d->nodes[DRM_NODE_PRIMARY], sizeof(g->card_node));
        if (d->available_nodes & (1 << DRM_NODE_RENDER))
                vpi_strlcpy(g->render_node, d->nodes[DRM_NODE_RENDER], sizeof(g->render_node));
}

static bool slot_known(const struct vp_facts *f, const char *slot)
{
        for (uint32_t i = 0; i < f->n_gpus; i++)
                if (strcmp(f->gpus[i].pci_slot, slot) == 0)
                        return true;
        return false;
}

/* Display-class PCI devices that libdrm cannot list because no driver made a DRM node: the
 * "Intel GPU on the bus but no i915/xe bound" case. */
static void add_unbound_pci_gpus(const char *root, struct vp_facts *f)
{
        char dir[PATH_MAX];
        DIR *d;
        struct dirent *e;

        if (vpi_path(dir, sizeof(dir), root, "/sys/bus/pci/devices") < 0)
                return;
        d = opendir(dir);
        if (!d)
                return;
        while ((e = readdir(d))) {
                struct vpi_pcidev pd;
                struct vp_gpu *g;

                if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof(g->pci_slot) ||
                    slot_known(f, e->d_name))
                        continue;
                vpi_read_pcidev(root, e->d_name, &pd);
                if (!pd.pci_class.known || (pd.pci_class.value >> 16) != 0x03 || !pd.vendor.known ||
                    !pd.device.known)
                        continue;
                if (f->n_gpus >= VP_MAX_GPUS) {
                        f->gpus_partial = true; /* said in the report, never silent */
                        break;
                }
                g = &f->gpus[f->n_gpus++];
                memset(g, 0, sizeof(*g)); /* vp_probe leaves the unused entries as they are */
                vpi_strlcpy(g->pci_slot, e->d_name, sizeof(g->pci_slot));
                g->vendor_id = (uint16_t)pd.vendor.value;
                g->device_id = (uint16_t)pd.device.value;
                g->subsys_vendor_id = pd.subsys_vendor.known && pd.subsys_vendor.value <= 0xffff
                                          ? (uint16_t)pd.subsys_vendor.value
                                          : 0;
                g->subsys_device_id = pd.subsys_device.known && pd.subsys_device.value <= 0xffff
                                          ? (uint16_t)pd.subsys_device.value
                                          : 0;
                g->revision = pd.revision;
                g->render_open_errno = -1;
                read_pci_sysfs(root, g);
        }
        closedir(d);
}

int vpi_list_gpus(const struct vp_options *o, struct vp_facts *f)
{
        drmDevicePtr devs[MAX_DRM_DEVICES];
        int n = drmGetDevices2(DRM_DEVICE_GET_PCI_REVISION, devs, MAX_DRM_DEVICES);
        bool matched = false;

        if (n < 0)
                n = 0; /* no /dev/dri at all: a machine without GPUs */
        for (int i = 0; i < n; i++) {
                struct vp_gpu spare, *g = f->n_gpus < VP_MAX_GPUS ? &f->gpus[f->n_gpus] : &spare;

                memset(g, 0, sizeof(*g)); /* vp_probe leaves the unused entries as they are */
                fill_from_drm(devs[i], g);
                if (o->device && strcmp(o->device, g->render_node) != 0 &&
                    strcmp(o->device, g->card_node) != 0)
                        continue;
                if (g == &spare) {
                        f->gpus_partial = true;
                        break;
                }
                matched = true;
                f->n_gpus++;
        }
        if (n > 0)
                drmFreeDevices(devs, n);
        if (o->device)
                return matched ? 0 : -ENOENT;
        return 0;
}

void vpi_detail_gpus(const struct vp_options *o, struct vp_facts *f)
{
        for (uint32_t i = 0; i < f->n_gpus; i++) {
                read_pci_sysfs(o->root, &f->gpus[i]);
                read_render_access(&f->gpus[i]);
        }
        if (!o->device)
                add_unbound_pci_gpus(o->root, f);
}
