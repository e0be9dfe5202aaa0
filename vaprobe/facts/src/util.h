/* SPDX-License-Identifier: MIT */
/*
 * Internal helpers shared by vaprobe's three libraries (prefix vpi_): bounded strings that are
 * always valid UTF-8, and the machine-reading layer the guest probe (facts) and the Proxmox
 * host probe (pve) both use, so that no file is parsed two ways. Not installed, not public.
 */
#ifndef VAPROBE_UTIL_H
#define VAPROBE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vaprobe/facts.h"

/* Cap for any single sysfs/procfs read: a garbage or huge file never costs more. */
#define VPI_READ_CAP (64 * 1024)

/* Replace every byte that is not part of valid UTF-8 (including a sequence cut at the end)
 * with '?', in place. Returns s. */
char *vpi_utf8_sanitize(char *s);

/* Copy src into dst (size n), always NUL-terminated, truncating, valid UTF-8. Returns dst. */
char *vpi_strlcpy(char *dst, const char *src, size_t n);

/* Append "line" plus '\n' to a NUL-terminated buffer of size n, dropping what does not fit. */
void vpi_append_line(char *buf, size_t n, const char *line);

/* Append printf-style text to a NUL-terminated buffer of size n, truncating. */
__attribute__((format(printf, 3, 4))) void vpi_appendf(char *buf, size_t n, const char *fmt, ...);

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

/* Parse a whole string as an unsigned number (0x prefix or base given). 0 or -EINVAL. */
int vpi_parse_u64(const char *s, int base, uint64_t *ret);

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

/* Trim leading/trailing whitespace in place; returns s. */
char *vpi_trim(char *s);

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
