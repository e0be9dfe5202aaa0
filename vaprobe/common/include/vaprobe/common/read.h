/* SPDX-License-Identifier: MIT */
/*
 * The machine-reading layer the guest probe (facts) and the Proxmox host probe (pve) both
 * use, so that no file is parsed two ways: bounded, never-blocking reads of sysfs and procfs
 * under a root, and one structured reader per file. Not installed, not public.
 */
#ifndef VAPROBE_COMMON_READ_H
#define VAPROBE_COMMON_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vaprobe/common/strings.h"
#include "vaprobe/common/types.h"

/* Cap for any single sysfs/procfs read: a garbage or huge file never costs more. */
#define VPI_READ_CAP (64 * 1024)

/* printf into a path buffer; truncation leaves a shorter path that simply will not exist.
 * Returns what vsnprintf returns. */
__attribute__((format(printf, 3, 4))) int vpi_pathf(char *buf, size_t n, const char *fmt, ...);

/* Join root (NULL or "/" = none) and an absolute path into buf. -ENAMETOOLONG on overflow. */
int vpi_path(char *buf, size_t n, const char *root, const char *path);

/* Read at most cap-1 bytes of root+path into buf, NUL-terminate. Returns bytes read or -errno.
 * Binary-safe: *buf holds the raw bytes, the return value their count. */
long vpi_read(const char *root, const char *path, char *buf, size_t cap);

/* fopen() of root+path for reading, only when it is a regular file (errno EISDIR or EINVAL
 * otherwise); never blocks on a FIFO. */
FILE *vpi_fopen_regular(const char *root, const char *path);

/* Read the first line of a small text file, trimmed of whitespace. 0 or -errno. */
int vpi_read_line(const char *root, const char *path, char *buf, size_t cap);

/* The kernel log: from file when given, else through klogctl() (EPERM without CAP_SYSLOG
 * when kernel.dmesg_restrict=1). Capped at 4 MiB. On success *ret is a NUL-terminated buffer
 * the caller frees and the length is returned; otherwise -errno. */
long vpi_read_kernel_log(const char *file, char **ret);

/* Read a number from a sysfs attribute (e.g. "0x8086\n"). Unknown on any error. */
struct vp_opt vpi_read_num(const char *root, const char *path, int base);

/* Basename of the target of a symlink at root+path ("" on error). 0 or -errno. */
int vpi_readlink_base(const char *root, const char *path, char *buf, size_t cap);

/* Call fn for each entry of root+dir but the dot files, sorted by name (stable output).
 * fn may be NULL to only count. Returns the number of entries, or -errno when the directory
 * cannot be read. */
typedef void (*vpi_entry_fn)(const char *root, const char *dir, const char *name, void *ud);
int vpi_each_entry(const char *root, const char *dir, vpi_entry_fn fn, void *ud);

/* Does root+path exist? */
enum vp_tri vpi_exists(const char *root, const char *path);

/* ---- structured readers (one parser per file) ---- */

/* /proc/cpuinfo: the first "model name" and whether the first "flags" has "hypervisor". */
struct vpi_cpuinfo {
        char model[96];
        enum vp_tri hypervisor; /* unknown when there is no flags line */
};
void vpi_read_cpuinfo(const char *root, struct vpi_cpuinfo *ret);

/* /proc/sys/kernel/osrelease (uname() when root is "/" and the file is unreadable). */
int vpi_read_kernel_release(const char *root, char *buf, size_t n);

/* /proc/cmdline, first line, trimmed. -errno when unreadable (unknown, not empty). */
int vpi_read_cmdline(const char *root, char *buf, size_t n);

/* One PCI device's sysfs attributes (/sys/bus/pci/devices/SLOT). Unknown when unreadable. */
struct vpi_pcidev {
        struct vp_opt vendor, device, pci_class, subsys_vendor, subsys_device, revision;
        struct vp_opt sriov_totalvfs, sriov_numvfs;
        char driver[32]; /* bound driver, "" when none */
        enum vp_tri physfn;
};
void vpi_read_pcidev(const char *root, const char *slot, struct vpi_pcidev *ret);

#endif
