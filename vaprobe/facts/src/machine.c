/* SPDX-License-Identifier: MIT */
/*
 * Host signals: everything about the machine (not one GPU) that tells bare metal from a VM
 * and explains driver problems. All of it is readable without root; see
 * shared/reference/guest-detection.md. Every read goes through the root prefix so fixture
 * trees can stand in for /proc and /sys.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "internal.h"
#include "vaprobe/common/read.h"

/* efivarfs names: https://docs.kernel.org/filesystems/efivarfs.html; the first 4 bytes are the
 * variable's attributes, the value follows. */
#define EFI_GLOBAL_GUID "8be4df61-93ca-11d2-aa0d-00e098032b8c"

static enum vp_tri read_efi_bool(const char *root, const char *name)
{
        char path[PATH_MAX], buf[16];
        long n;

        vpi_pathf(path, sizeof(path), "/sys/firmware/efi/efivars/%s-%s", name, EFI_GLOBAL_GUID);
        n = vpi_read(root, path, buf, sizeof(buf));
        if (n == -ENOENT)
                return VP_NO; /* variable absent: not set */
        if (n < 5)
                return VP_UNKNOWN; /* unreadable or truncated */
        return buf[4] == 1 ? VP_YES : VP_NO;
}

/* Directory entries joined with ',' (skipping dot files). VP_NO when empty, VP_UNKNOWN when the
 * directory cannot be read. */
struct listing {
        const char *prefix;
        char *out;
        size_t outlen;
        bool found;
};

static void add_listed(const char *root, const char *dir, const char *name, void *ud)
{
        struct listing *l = ud;

        (void)root;
        (void)dir;
        if (l->prefix && strncmp(name, l->prefix, strlen(l->prefix)) != 0)
                return;
        l->found = true;
        if (l->out && l->outlen)
                vpi_appendf(l->out, l->outlen, "%s%s", l->out[0] ? "," : "", name);
}

static enum vp_tri list_dir(const char *root, const char *path, const char *prefix, char *out,
                            size_t outlen)
{
        struct listing l = {.prefix = prefix, .out = out, .outlen = outlen};
        int n;

        if (out && outlen)
                out[0] = '\0';
        n = vpi_each_entry(root, path, add_listed, &l);
        if (n < 0)
                return n == -ENOENT ? VP_NO : VP_UNKNOWN;
        return l.found ? VP_YES : VP_NO;
}

/* Stream a modules.dep/modules.builtin style file looking for ".../<mod>.ko" entries. */
static void scan_module_list(const char *root, const char *path, enum vp_tri *i915, enum vp_tri *xe)
{
        char line[512];
        FILE *f = vpi_fopen_regular(root, path);
        unsigned lines = 0;

        if (!f)
                return;
        /* Cap the work: a real modules.dep has ~6000 lines. */
        while (lines++ < 200000 && fgets(line, sizeof(line), f)) {
                char *colon = strchr(line, ':');
                if (colon)
                        *colon = '\0';
                vpi_trim(line);
                if (strstr(line, "/i915.ko"))
                        *i915 = VP_YES;
                if (strstr(line, "/xe.ko"))
                        *xe = VP_YES;
        }
        fclose(f);
}

static void read_modules(const char *root, struct vp_machine *h)
{
        char dir[sizeof(h->kernel_release) + 16], p[PATH_MAX];

        if (!h->kernel_release[0] || strchr(h->kernel_release, '/'))
                return;
        vpi_pathf(dir, sizeof(dir), "/lib/modules/%s", h->kernel_release);
        /* A container often has no /lib/modules at all: that says nothing about the node. */
        if (vpi_exists(root, dir) != VP_YES)
                return;
        h->mod_i915 = VP_NO;
        h->mod_xe = VP_NO;
        vpi_pathf(p, sizeof(p), "%s/modules.dep", dir);
        scan_module_list(root, p, &h->mod_i915, &h->mod_xe);
        vpi_pathf(p, sizeof(p), "%s/modules.builtin", dir);
        scan_module_list(root, p, &h->mod_i915, &h->mod_xe);
        /* No modules.dep (depmod not run): fall back to the usual file locations. */
        static const char *const exts[] = {"", ".zst", ".xz", ".gz"};
        for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
                vpi_pathf(p, sizeof(p), "%s/kernel/drivers/gpu/drm/i915/i915.ko%s", dir, exts[i]);
                if (vpi_exists(root, p) == VP_YES)
                        h->mod_i915 = VP_YES;
                vpi_pathf(p, sizeof(p), "%s/kernel/drivers/gpu/drm/xe/xe.ko%s", dir, exts[i]);
                if (vpi_exists(root, p) == VP_YES)
                        h->mod_xe = VP_YES;
        }
}

static void read_dmesg(const struct vp_options *o, struct vp_machine *h)
{
        char *buf = NULL;

        if (vpi_read_kernel_log(o->dmesg_file, &buf) < 0) {
                h->dmesg_readable = VP_NO;
                return;
        }
        h->dmesg_readable = VP_YES;
        vp_dmesg_scan(buf, h);
        free(buf);
}

/* One KEY=value of os-release (freedesktop os-release(5)): unquoted, first match. */
static void os_release_value(const char *text, const char *key, char *out, size_t n)
{
        size_t kl = strlen(key);

        for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
                if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
                        const char *v = p + kl + 1;
                        size_t len = strcspn(v, "\n");
                        char buf[128];
                        if (len && (v[0] == '"' || v[0] == '\'')) {
                                v++;
                                len = len >= 2 && (v[len - 2] == '"' || v[len - 2] == '\'')
                                          ? len - 2
                                          : len - 1;
                        }
                        if (len >= sizeof(buf))
                                len = sizeof(buf) - 1;
                        memcpy(buf, v, len);
                        buf[len] = '\0';
                        vpi_strlcpy(out, buf, n);
                        return;
                }
        }
}

static void read_os_release(const char *root, struct vp_machine *h)
{
        char buf[4096];

        /* /etc/os-release, else /usr/lib/os-release (os-release(5)). */
        if (vpi_read(root, "/etc/os-release", buf, sizeof(buf)) <= 0 &&
            vpi_read(root, "/usr/lib/os-release", buf, sizeof(buf)) <= 0)
                return;
        os_release_value(buf, "ID", h->os_id, sizeof(h->os_id));
        os_release_value(buf, "ID_LIKE", h->os_id_like, sizeof(h->os_id_like));
        os_release_value(buf, "VERSION_ID", h->os_version_id, sizeof(h->os_version_id));
        os_release_value(buf, "PRETTY_NAME", h->os_name, sizeof(h->os_name));
}

void vpi_probe_machine(const struct vp_options *o, struct vp_machine *h)
{
        const char *root = o->root;
        char buf[64];
        gid_t groups[VP_MAX_GROUPS];
        int ng;

        struct vpi_cpuinfo ci;

        vpi_read_kernel_release(root, h->kernel_release, sizeof(h->kernel_release));
        vpi_read_cmdline(root, h->cmdline, sizeof(h->cmdline));
        vpi_read_cpuinfo(root, &ci);
        vpi_strlcpy(h->cpu_model, ci.model, sizeof(h->cpu_model));
        h->hypervisor = ci.hypervisor;
        read_os_release(root, h);
        /* In a container the fix is the image's package, not the node's. */
        h->in_container = vpi_exists(root, "/.dockerenv") == VP_YES ||
                                  vpi_exists(root, "/run/.containerenv") == VP_YES ||
                                  vpi_exists(root, "/var/run/secrets/kubernetes.io") == VP_YES
                              ? VP_YES
                              : VP_NO;
        vpi_read_line(root, "/sys/class/dmi/id/sys_vendor", h->dmi_sys_vendor,
                      sizeof(h->dmi_sys_vendor));
        vpi_read_line(root, "/sys/class/dmi/id/product_name", h->dmi_product,
                      sizeof(h->dmi_product));

        h->efi = vpi_exists(root, "/sys/firmware/efi");
        if (h->efi == VP_YES) {
                /* efivarfs not mounted (common in containers) leaves both unknown. */
                if (vpi_exists(root, "/sys/firmware/efi/efivars") == VP_YES) {
                        h->secure_boot = read_efi_bool(root, "SecureBoot");
                        h->setup_mode = read_efi_bool(root, "SetupMode");
                }
        } else if (h->efi == VP_NO) {
                /* Legacy BIOS boot: there is no Secure Boot. */
                h->secure_boot = VP_NO;
                h->setup_mode = VP_NO;
        }

        h->iommu = list_dir(root, "/sys/class/iommu", NULL, h->iommu_names, sizeof(h->iommu_names));
        if (vpi_exists(root, "/sys/bus/event_source/devices") == VP_YES) {
                h->i915_pmu =
                    list_dir(root, "/sys/bus/event_source/devices", "i915", buf, sizeof(buf));
                h->xe_pmu = list_dir(root, "/sys/bus/event_source/devices", "xe", buf, sizeof(buf));
        }
        read_modules(root, h);
        if (vpi_exists(root, "/sys/module") == VP_YES) {
                h->loaded_i915 = vpi_exists(root, "/sys/module/i915");
                h->loaded_xe = vpi_exists(root, "/sys/module/xe");
        }

        h->uid = (uint32_t)geteuid();
        h->gid = (uint32_t)getegid();
        ng = getgroups(VP_MAX_GROUPS, groups);
        if (ng > 0) {
                for (int i = 0; i < ng; i++)
                        h->groups[i] = (uint32_t)groups[i];
                h->n_groups = (uint32_t)ng;
        }
        read_dmesg(o, h);
}

/* GVT-g ballooning sizes identify the vGPU type (i915_vgpu.c intel_vgt_balloon; type table in
 * gvt/vgpu.c): mappable KiB, unmappable KiB. */
static const struct {
        long map_kib, unmap_kib;
        const char *type;
} balloon_types[] = {
    {65536, 393216, "GVTg_V5_8"},
    {131072, 524288, "GVTg_V5_4"},
    {262144, 1048576, "GVTg_V5_2"},
    {524288, 2097152, "GVTg_V5_1"},
};

/* Lines worth showing to a person even though they do not decide anything alone. */
static const char *const note_patterns[] = {
    "module verification failed",
    "PMU not supported",
    "HuC firmware",
    "GuC firmware",
    "Failed to load DMC firmware",
    "GVT-g is disabled",
    "Unsupported device. GVT-g is disabled",
    "VT-d active for gfx access",
    "Hardware name:",
    "force_probe",
    "GPU HANG",
};

static long kib_after(const char *line, const char *key)
{
        const char *p = strstr(line, key);
        if (!p)
                return -1;
        p = strstr(p, "size ");
        if (!p)
                return -1;
        return strtol(p + 5, NULL, 10);
}

/* i915 logs "GPU HANG: ecode ..." and "Resetting rcs0 for ..."/"Resetting chip for ..."
 * (i915_gpu_error.c, intel_reset.c); xe logs "Engine reset" and "GT reset"
 * (xe_guc_submit.c, xe_gt.c). */
bool vpi_is_reset_line(const char *msg)
{
        return strstr(msg, "GPU HANG") || strstr(msg, "Resetting rcs") ||
               strstr(msg, "Resetting vcs") || strstr(msg, "Resetting vecs") ||
               strstr(msg, "Resetting chip") || strstr(msg, "Engine reset") ||
               strstr(msg, "GT reset");
}

uint32_t vpi_dmesg_resets(const struct vp_options *o)
{
        struct vp_machine *h = calloc(1, sizeof(*h));
        uint32_t n = 0;

        if (!h)
                return 0;
        read_dmesg(o, h);
        n = h->dmesg_resets;
        free(h);
        return n;
}

void vp_dmesg_scan(const char *text, struct vp_machine *h)
{
        long map_kib = -1, unmap_kib = -1;
        const char *p = text;

        if (!text)
                return;
        if (h->dmesg_gvt == VP_UNKNOWN)
                h->dmesg_gvt = VP_NO;
        if (h->dmesg_sriov_vf == VP_UNKNOWN)
                h->dmesg_sriov_vf = VP_NO;
        while (*p) {
                char line[512];
                const char *nl = strchr(p, '\n');
                size_t len = nl ? (size_t)(nl - p) : strlen(p);
                const char *msg;

                vpi_strlcpy(line, p, len + 1 < sizeof(line) ? len + 1 : sizeof(line));
                p += len + (nl ? 1 : 0);
                /* Strip a "[   4.18] " timestamp so notes stay short. */
                msg = line;
                if (line[0] == '[') {
                        const char *close = strchr(line, ']');
                        if (close)
                                msg = close + 1 + (close[1] == ' ');
                }
                if (strstr(msg, "Virtual GPU for Intel GVT-g detected"))
                        h->dmesg_gvt = VP_YES;
                if (strstr(msg, "Running in SR-IOV VF mode"))
                        h->dmesg_sriov_vf = VP_YES;
                if (strstr(msg, "HuC") && (strstr(msg, "authenticated") ||
                                           strstr(msg, "PRELOADED") || strstr(msg, "loaded")))
                        h->dmesg_huc = VP_YES;
                if (vpi_is_reset_line(msg))
                        h->dmesg_resets++;
                if (strstr(msg, "Mappable graphic memory:"))
                        map_kib = kib_after(msg, "Mappable graphic memory:");
                if (strstr(msg, "Unmappable graphic memory:"))
                        unmap_kib = kib_after(msg, "Unmappable graphic memory:");
                for (size_t i = 0; i < sizeof(note_patterns) / sizeof(note_patterns[0]); i++) {
                        if (strstr(msg, note_patterns[i])) {
                                vpi_append_line(h->dmesg_notes, sizeof(h->dmesg_notes), msg);
                                break;
                        }
                }
        }
        for (size_t i = 0; i < sizeof(balloon_types) / sizeof(balloon_types[0]); i++)
                if (balloon_types[i].map_kib == map_kib && balloon_types[i].unmap_kib == unmap_kib)
                        vpi_strlcpy(h->dmesg_vgpu_type, balloon_types[i].type,
                                    sizeof(h->dmesg_vgpu_type));
}

/* ---- fingerprint ---- */

struct fp {
        uint64_t h;
        const char *root;
};

static void fp_bytes(struct fp *f, const void *data, size_t n)
{
        const unsigned char *p = data;
        /* FNV-1a, 64 bit: a change detector, not a security boundary. */
        for (size_t i = 0; i < n; i++) {
                f->h ^= p[i];
                f->h *= 0x100000001b3ULL;
        }
}

static void fp_str(struct fp *f, const char *s)
{
        fp_bytes(f, s, strlen(s) + 1);
}

static void fp_drm_entry(const char *root, const char *dir, const char *name, void *ud)
{
        struct fp *f = ud;
        char p[PATH_MAX], buf[64];

        fp_str(f, name);
        if (strncmp(name, "card", 4) != 0 && strncmp(name, "render", 6) != 0)
                return;
        vpi_pathf(p, sizeof(p), "%s/%s/device", dir, name);
        vpi_readlink_base(root, p, buf, sizeof(buf));
        fp_str(f, buf);
        vpi_pathf(p, sizeof(p), "%s/%s/device/vendor", dir, name);
        vpi_read_line(root, p, buf, sizeof(buf));
        fp_str(f, buf);
        vpi_pathf(p, sizeof(p), "%s/%s/device/device", dir, name);
        vpi_read_line(root, p, buf, sizeof(buf));
        fp_str(f, buf);
        vpi_pathf(p, sizeof(p), "%s/%s/device/driver", dir, name);
        vpi_readlink_base(root, p, buf, sizeof(buf));
        fp_str(f, buf);
}

static void fp_dev_entry(const char *root, const char *dir, const char *name, void *ud)
{
        struct fp *f = ud;
        char p[PATH_MAX];
        struct stat st;

        (void)root;
        fp_str(f, name);
        vpi_pathf(p, sizeof(p), "%s/%s", dir, name);
        if (stat(p, &st) == 0) {
                uint64_t v[4] = {st.st_mode, st.st_uid, st.st_gid, st.st_rdev};
                fp_bytes(f, v, sizeof(v));
        }
}

int vp_fingerprint(const char *root, uint64_t *ret)
{
        struct fp f = {.h = 0xcbf29ce484222325ULL, .root = root};
        int n;

        if (!ret)
                return -EINVAL;
        n = vpi_each_entry(root, "/sys/class/drm", fp_drm_entry, &f);
        fp_bytes(&f, &n, sizeof(n));
        /* /dev is not under root: it is what this process (or umockdev) really sees. */
        n = vpi_each_entry(NULL, "/dev/dri", fp_dev_entry, &f);
        fp_bytes(&f, &n, sizeof(n));
        *ret = f.h;
        return 0;
}
