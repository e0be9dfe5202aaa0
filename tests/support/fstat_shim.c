/* SPDX-License-Identifier: MIT */
/*
 * LD_PRELOAD shim for umockdev < 0.19.2, which wraps stat() but not fstat(): a /dev/dri node
 * opened inside the testbed is a pty, so libdrm's drmGetNodeTypeFromFd() and libva's
 * vaGetDisplayDRM() reject the fd. We remember, per fd, the device number umockdev's stat()
 * reports for the path that was opened, and patch it into fstat() results. Listed before
 * libumockdev-preload.so in LD_PRELOAD so our open() sees the original path.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FDS 4096

static dev_t tracked[MAX_FDS];

static void track(const char *path, int fd)
{
        struct stat st;

        if (fd < 0 || fd >= MAX_FDS)
                return;
        tracked[fd] = 0;
        if (path && strncmp(path, "/dev/dri/", 9) == 0 && stat(path, &st) == 0 &&
            S_ISCHR(st.st_mode))
                tracked[fd] = st.st_rdev;
}

static void patch(int fd, struct stat *st)
{
        if (fd >= 0 && fd < MAX_FDS && tracked[fd]) {
                st->st_mode = (st->st_mode & ~(mode_t)S_IFMT) | S_IFCHR;
                st->st_rdev = tracked[fd];
        }
}

#define NEXT(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

static mode_t mode_arg(int flags, va_list ap)
{
        return ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) ? (mode_t)va_arg(ap, int)
                                                                       : 0;
}

int open(const char *path, int flags, ...)
{
        va_list ap;
        va_start(ap, flags);
        mode_t m = mode_arg(flags, ap);
        va_end(ap);
        int fd = NEXT(open)(path, flags, m);
        track(path, fd);
        return fd;
}

int open64(const char *path, int flags, ...)
{
        va_list ap;
        va_start(ap, flags);
        mode_t m = mode_arg(flags, ap);
        va_end(ap);
        int fd = NEXT(open64)(path, flags, m);
        track(path, fd);
        return fd;
}

int openat(int dirfd, const char *path, int flags, ...)
{
        va_list ap;
        va_start(ap, flags);
        mode_t m = mode_arg(flags, ap);
        va_end(ap);
        int fd = NEXT(openat)(dirfd, path, flags, m);
        track(path, fd);
        return fd;
}

int openat64(int dirfd, const char *path, int flags, ...)
{
        va_list ap;
        va_start(ap, flags);
        mode_t m = mode_arg(flags, ap);
        va_end(ap);
        int fd = NEXT(openat64)(dirfd, path, flags, m);
        track(path, fd);
        return fd;
}

int close(int fd)
{
        if (fd >= 0 && fd < MAX_FDS)
                tracked[fd] = 0;
        return NEXT(close)(fd);
}

int fstat(int fd, struct stat *st)
{
        int r = NEXT(fstat)(fd, st);
        if (r == 0)
                patch(fd, st);
        return r;
}

int fstat64(int fd, struct stat64 *st)
{
        int r = NEXT(fstat64)(fd, st);
        if (r == 0)
                patch(fd, (struct stat *)st); /* same layout on 64-bit glibc */
        return r;
}
