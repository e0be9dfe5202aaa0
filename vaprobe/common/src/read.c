/* SPDX-License-Identifier: MIT */
/* Bounded reads of sysfs and procfs under a root, one parser per file
 * (vaprobe/common/read.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "vaprobe/common/read.h"

int vpi_pathf(char *buf, size_t n, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vsnprintf(buf, n, fmt, ap);
        va_end(ap);
        return r;
}

int vpi_path(char *buf, size_t n, const char *root, const char *path)
{
        int r;

        if (!root || !*root || (root[0] == '/' && root[1] == '\0'))
                r = snprintf(buf, n, "%s", path);
        else
                r = snprintf(buf, n, "%s%s", root, path);
        if (r < 0 || (size_t)r >= n)
                return -ENAMETOOLONG;
        return 0;
}

long vpi_read(const char *root, const char *path, char *buf, size_t cap)
{
        char p[PATH_MAX];
        size_t total = 0;
        int fd, r;

        if (cap == 0)
                return -EINVAL;
        buf[0] = '\0';
        r = vpi_path(p, sizeof(p), root, path);
        if (r < 0)
                return r;
        /* O_NONBLOCK: a FIFO or device planted in a fixture tree must not hang the probe. */
        fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        while (total < cap - 1) {
                ssize_t k = read(fd, buf + total, cap - 1 - total);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        close(fd);
                        buf[0] = '\0';
                        return r;
                }
                if (k == 0)
                        break;
                total += (size_t)k;
        }
        close(fd);
        buf[total] = '\0';
        return (long)total;
}

FILE *vpi_fopen_regular(const char *root, const char *path)
{
        char p[PATH_MAX];
        struct stat st;
        FILE *f;
        int fd;

        if (vpi_path(p, sizeof(p), root, path) < 0) {
                errno = ENAMETOOLONG;
                return NULL;
        }
        /* Never block on a FIFO or device planted where a file belongs. */
        fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return NULL;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                int e = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
                close(fd);
                errno = e;
                return NULL;
        }
        f = fdopen(fd, "r");
        if (!f)
                close(fd);
        return f;
}

int vpi_read_line(const char *root, const char *path, char *buf, size_t cap)
{
        char tmp[4096];
        long n = vpi_read(root, path, tmp, sizeof(tmp));
        char *nl, *t;

        if (n < 0) {
                if (cap)
                        buf[0] = '\0';
                return (int)n;
        }
        if (memchr(tmp, '\0', (size_t)n)) /* binary garbage is not a line */
                return -EINVAL;
        nl = strchr(tmp, '\n');
        if (nl)
                *nl = '\0';
        t = vpi_trim(tmp);
        vpi_strlcpy(buf, t, cap);
        return 0;
}

#define KERNEL_LOG_CAP (4 * 1024 * 1024)

long vpi_read_kernel_log(const char *file, char **ret)
{
        char *buf;
        long n;

        *ret = NULL;
        if (file) {
                buf = malloc(KERNEL_LOG_CAP);
                if (!buf)
                        return -ENOMEM;
                n = vpi_read(NULL, file, buf, KERNEL_LOG_CAP);
        } else {
                /* SYSLOG_ACTION_SIZE_BUFFER (10), then SYSLOG_ACTION_READ_ALL (3). */
                int size = klogctl(10, NULL, 0);
                if (size < 0)
                        return -errno;
                if (size == 0)
                        return -ENODATA;
                if (size > KERNEL_LOG_CAP - 1)
                        size = KERNEL_LOG_CAP - 1;
                buf = malloc((size_t)size + 1);
                if (!buf)
                        return -ENOMEM;
                n = klogctl(3, buf, size);
                if (n < 0)
                        n = -errno;
                else
                        buf[n] = '\0';
        }
        if (n < 0) {
                free(buf);
                return n;
        }
        *ret = buf;
        return n;
}

struct vp_opt vpi_read_num(const char *root, const char *path, int base)
{
        struct vp_opt o = {0};
        char line[64];
        uint64_t v;

        if (vpi_read_line(root, path, line, sizeof(line)) < 0)
                return o;
        if (vpi_parse_u64(line, base, &v) < 0 || v > INT64_MAX)
                return o;
        o.known = true;
        o.value = (int64_t)v;
        return o;
}

int vpi_readlink_base(const char *root, const char *path, char *buf, size_t cap)
{
        char p[PATH_MAX], target[PATH_MAX];
        ssize_t n;
        const char *b;
        int r;

        buf[0] = '\0';
        r = vpi_path(p, sizeof(p), root, path);
        if (r < 0)
                return r;
        n = readlink(p, target, sizeof(target) - 1);
        if (n < 0)
                return -errno;
        target[n] = '\0';
        b = strrchr(target, '/');
        vpi_strlcpy(buf, b ? b + 1 : target, cap);
        return 0;
}

int vpi_each_entry(const char *root, const char *dir, vpi_entry_fn fn, void *ud)
{
        char p[PATH_MAX];
        struct dirent **list = NULL;
        int n, visited = 0;

        if (vpi_path(p, sizeof(p), root, dir) < 0)
                return -ENAMETOOLONG;
        n = scandir(p, &list, NULL, alphasort);
        if (n < 0)
                return -errno;
        for (int i = 0; i < n; i++) {
                if (list[i]->d_name[0] != '.') {
                        if (fn)
                                fn(root, dir, list[i]->d_name, ud);
                        visited++;
                }
                free(list[i]);
        }
        free(list);
        return visited;
}

enum vp_tri vpi_exists(const char *root, const char *path)
{
        char p[PATH_MAX];
        int fd;

        if (vpi_path(p, sizeof(p), root, path) < 0)
                return VP_UNKNOWN;
        /* O_PATH|O_NOFOLLOW rather than lstat(): it sees a dangling symlink as present, needs
         * no permission on the file itself, and goes through the same open() path as every
         * other read (umockdev's stat wrappers rewrite paths under its testbed). */
        fd = open(p, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) {
                close(fd);
                return VP_YES;
        }
        return errno == ENOENT || errno == ENOTDIR ? VP_NO : VP_UNKNOWN;
}

/* ---- the machine-reading layer shared by the guest and Proxmox probes ---- */

void vpi_read_cpuinfo(const char *root, struct vpi_cpuinfo *ci)
{
        char *buf = malloc(VPI_READ_CAP * 4);
        char *line, *save = NULL;
        bool saw_flags = false;

        *ci = (struct vpi_cpuinfo){0};
        if (!buf)
                return;
        /* 256 KiB: the first CPU's lines are all that matter, and a huge file costs no more. */
        if (vpi_read(root, "/proc/cpuinfo", buf, VPI_READ_CAP * 4) <= 0)
                goto out;
        for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *colon = strchr(line, ':');
                char *key, *val;

                if (!colon)
                        continue;
                *colon = '\0';
                key = vpi_trim(line);
                val = vpi_trim(colon + 1);
                if (!ci->model[0] && strcmp(key, "model name") == 0)
                        vpi_strlcpy(ci->model, val, sizeof(ci->model));
                if (!saw_flags && strcmp(key, "flags") == 0) {
                        char *tok, *s2 = NULL;
                        saw_flags = true;
                        ci->hypervisor = VP_NO;
                        for (tok = strtok_r(val, " ", &s2); tok; tok = strtok_r(NULL, " ", &s2))
                                if (strcmp(tok, "hypervisor") == 0)
                                        ci->hypervisor = VP_YES;
                }
        }
out:
        free(buf);
}

int vpi_read_kernel_release(const char *root, char *buf, size_t n)
{
        int r = vpi_read_line(root, "/proc/sys/kernel/osrelease", buf, n);

        if (r < 0 && (!root || !*root || strcmp(root, "/") == 0)) {
                struct utsname u;
                if (uname(&u) == 0) {
                        vpi_strlcpy(buf, u.release, n);
                        return 0;
                }
        }
        return r;
}

int vpi_read_cmdline(const char *root, char *buf, size_t n)
{
        return vpi_read_line(root, "/proc/cmdline", buf, n);
}

void vpi_read_pcidev(const char *root, const char *slot, struct vpi_pcidev *d)
{
        char p[PATH_MAX];

        *d = (struct vpi_pcidev){0};
#define PCI_ATTR(attr) vpi_pathf(p, sizeof(p), "/sys/bus/pci/devices/%s/" attr, slot)
        PCI_ATTR("vendor");
        d->vendor = vpi_read_num(root, p, 16);
        PCI_ATTR("device");
        d->device = vpi_read_num(root, p, 16);
        PCI_ATTR("class");
        d->pci_class = vpi_read_num(root, p, 16);
        PCI_ATTR("subsystem_vendor");
        d->subsys_vendor = vpi_read_num(root, p, 16);
        PCI_ATTR("subsystem_device");
        d->subsys_device = vpi_read_num(root, p, 16);
        PCI_ATTR("revision");
        d->revision = vpi_read_num(root, p, 16);
        PCI_ATTR("driver");
        vpi_readlink_base(root, p, d->driver, sizeof(d->driver));
        PCI_ATTR("physfn");
        d->physfn = vpi_exists(root, p);
        PCI_ATTR("sriov_totalvfs");
        d->sriov_totalvfs = vpi_read_num(root, p, 10);
        PCI_ATTR("sriov_numvfs");
        d->sriov_numvfs = vpi_read_num(root, p, 10);
#undef PCI_ATTR
        /* 16-bit ids: anything else is garbage, and unknown. */
        if (d->vendor.known && (d->vendor.value < 0 || d->vendor.value > 0xffff))
                d->vendor.known = false;
        if (d->device.known && (d->device.value < 0 || d->device.value > 0xffff))
                d->device.known = false;
}
