/* SPDX-License-Identifier: MIT */
/*
 * GPU usage per DRM client from /proc/PID/fdinfo, as the kernel's DRM client usage stats
 * define it (Documentation/gpu/drm-usage-stats.rst; i915: i915-usage-stats, busy time in ns
 * per engine class; xe: xe-drm-usage-stats, busy and total GPU cycles per class), and the pod
 * each client's process is in, from /proc/PID/cgroup. The same sources intel_gpu_top and
 * gputop read; nothing here needs the PMU or a privilege beyond reading the processes' fds.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "vaprobe/common/read.h"

static const char *const i915_class[VP_ENGINE__MAX] = {"render", "copy", "video", "video-enhance",
                                                       "compute"};
static const char *const xe_class[VP_ENGINE__MAX] = {"rcs", "bcs", "vcs", "vecs", "ccs"};

const char *vp_engine_str(enum vp_engine e)
{
        return vpi_str_of(i915_class, VP_ENGINE__MAX, (int)e, "unknown");
}

static int engine_of(const char *name)
{
        int i = vpi_str_find(i915_class, VP_ENGINE__MAX, name);
        return i >= 0 ? i : vpi_str_find(xe_class, VP_ENGINE__MAX, name);
}

/* "123", "123 ns", "12 KiB": the number in the unit's base (bytes, ns). -EINVAL for a value
 * that does not fit or a unit this code does not know. */
static int value_of(const char *v, bool memory, uint64_t *ret)
{
        char num[32];
        size_t n = strspn(v, "0123456789");
        const char *unit = v + n;
        uint64_t x, mul = 1;

        if (n == 0 || n >= sizeof(num))
                return -EINVAL;
        memcpy(num, v, n);
        num[n] = '\0';
        if (vpi_parse_u64(num, 10, &x) < 0)
                return -EINVAL;
        unit += strspn(unit, " \t");
        if (!*unit)
                mul = 1;
        else if (!memory && strcmp(unit, "ns") == 0)
                mul = 1;
        else if (memory && strcmp(unit, "KiB") == 0)
                mul = 1024;
        else if (memory && strcmp(unit, "MiB") == 0)
                mul = 1024 * 1024;
        else if (memory && strcmp(unit, "GiB") == 0)
                mul = 1024ull * 1024 * 1024;
        else
                return -EINVAL;
        if (x > UINT64_MAX / mul)
                return -EINVAL;
        *ret = x * mul;
        return 0;
}

static bool take(const char *key, const char *prefix, const char **rest)
{
        size_t l = strlen(prefix);
        if (strncmp(key, prefix, l) != 0)
                return false;
        *rest = key + l;
        return true;
}

static void add_sat(uint64_t *a, uint64_t b)
{
        *a = *a > UINT64_MAX - b ? UINT64_MAX : *a + b;
}

static void parse_line(char *line, struct vp_drm_client *c, bool *have_id)
{
        char *colon = strchr(line, ':');
        const char *key = line, *v, *cls;
        uint64_t x;
        int e;

        if (!colon)
                return;
        *colon = '\0';
        v = vpi_trim(colon + 1);
        if (strncmp(key, "drm-", 4) != 0)
                return;
        if (strcmp(key, "drm-driver") == 0) {
                vpi_strlcpy(c->driver, v, sizeof(c->driver));
        } else if (strcmp(key, "drm-pdev") == 0) {
                vpi_strlcpy(c->pdev, v, sizeof(c->pdev));
        } else if (strcmp(key, "drm-client-id") == 0) {
                *have_id = vpi_parse_u64(v, 10, &c->id) == 0;
        } else if (take(key, "drm-engine-capacity-", &cls)) {
                if ((e = engine_of(cls)) >= 0 && value_of(v, false, &x) == 0 && x >= 1 && x <= 64)
                        c->capacity[e] = (uint32_t)x;
        } else if (take(key, "drm-engine-", &cls) || take(key, "drm-cycles-", &cls)) {
                if ((e = engine_of(cls)) >= 0 && value_of(v, false, &x) == 0) {
                        c->busy[e] = x;
                        c->has[e] = true;
                }
        } else if (take(key, "drm-total-cycles-", &cls)) {
                if ((e = engine_of(cls)) >= 0 && value_of(v, false, &x) == 0)
                        c->total[e] = x;
        } else if (take(key, "drm-total-", &cls) || take(key, "drm-memory-", &cls)) {
                if (value_of(v, true, &x) == 0)
                        add_sat(&c->mem_total, x);
        } else if (take(key, "drm-resident-", &cls)) {
                if (value_of(v, true, &x) == 0)
                        add_sat(&c->mem_resident, x);
        }
}

int vp_fdinfo_parse(const char *text, struct vp_drm_client *c)
{
        char line[256];
        bool have_id = false;

        memset(c, 0, sizeof(*c));
        for (int i = 0; i < VP_ENGINE__MAX; i++)
                c->capacity[i] = 1;
        for (const char *p = text; p && *p;) {
                const char *nl = strchr(p, '\n');
                size_t len = nl ? (size_t)(nl - p) : strlen(p);
                if (len < sizeof(line)) { /* longer lines are not fdinfo keys */
                        memcpy(line, p, len);
                        line[len] = '\0';
                        parse_line(line, c, &have_id);
                }
                p = nl ? nl + 1 : NULL;
        }
        return c->driver[0] && have_id ? 0 : -ENOENT;
}

/* The pod UID in one cgroup path segment: "pod<uid>" (cgroupfs) or
 * "kubepods-<qos>-pod<uid_with_underscores>.slice" (systemd). */
static bool pod_segment(const char *seg, size_t len, char *uid, size_t n)
{
        const char *p = NULL;
        size_t ul;

        for (size_t i = 0; i + 3 <= len; i++)
                if (strncmp(seg + i, "pod", 3) == 0 && (i == 0 || seg[i - 1] == '-'))
                        p = seg + i + 3;
        if (!p)
                return false;
        ul = (size_t)(seg + len - p);
        if (ul > 6 && strncmp(seg + len - 6, ".slice", 6) == 0)
                ul -= 6;
        if (ul != 36 || ul >= n)
                return false;
        for (size_t i = 0; i < ul; i++) {
                char ch = p[i] == '_' ? '-' : p[i];
                bool hex = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
                if (!(hex || ((i == 8 || i == 13 || i == 18 || i == 23) && ch == '-')))
                        return false;
                uid[i] = ch;
        }
        uid[ul] = '\0';
        return true;
}

/* The container id in the segment after the pod's: "<id>", "cri-containerd-<id>.scope",
 * "crio-<id>.scope", "docker-<id>.scope". */
static void container_segment(const char *seg, size_t len, char *cid, size_t n)
{
        static const char *const prefixes[] = {"cri-containerd-", "crio-", "docker-",
                                               "containerd-"};
        if (len > 6 && strncmp(seg + len - 6, ".scope", 6) == 0)
                len -= 6;
        for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
                size_t pl = strlen(prefixes[i]);
                if (len > pl && strncmp(seg, prefixes[i], pl) == 0) {
                        seg += pl;
                        len -= pl;
                        break;
                }
        }
        if (len < 12 || len >= n || strspn(seg, "0123456789abcdef") < len)
                return; /* not an id ("crio-conmon-...", a sandbox name) */
        memcpy(cid, seg, len);
        cid[len] = '\0';
}

int vp_cgroup_pod(const char *text, char *uid, size_t uid_n, char *cid, size_t cid_n)
{
        if (uid_n)
                uid[0] = '\0';
        if (cid_n)
                cid[0] = '\0';
        for (const char *line = text; line && *line;) {
                const char *nl = strchr(line, '\n');
                const char *end = nl ? nl : line + strlen(line);
                /* "hierarchy-ID:controllers:path" */
                const char *c1 = memchr(line, ':', (size_t)(end - line));
                const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
                bool found = false;

                for (const char *s = c2 ? c2 + 1 : end; s < end;) {
                        const char *slash = memchr(s, '/', (size_t)(end - s));
                        const char *se = slash ? slash : end;
                        if (found) {
                                if (se > s)
                                        container_segment(s, (size_t)(se - s), cid, cid_n);
                                break;
                        }
                        found = se > s && pod_segment(s, (size_t)(se - s), uid, uid_n);
                        s = slash ? slash + 1 : end;
                }
                if (found)
                        return 0;
                line = nl ? nl + 1 : NULL;
        }
        return -ENOENT;
}

static long read_at(int dirfd, const char *name, char *buf, size_t cap)
{
        int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        long n = 0;

        if (fd < 0)
                return -errno;
        while ((size_t)n < cap - 1) {
                ssize_t r = read(fd, buf + n, cap - 1 - (size_t)n);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        break;
                n += r;
        }
        close(fd);
        buf[n] = '\0';
        return n;
}

#define MAX_FDS_PER_PROC 4096

/* One DRM descriptor of a process: its client, added unless already counted. */
static void one_fd(int procfd, const char *pid, const char *fd, const char *pdev,
                   struct vp_usage *u, char *comm, size_t comm_n)
{
        char path[600], text[8192];
        struct vp_drm_client c;
        uint32_t k;

        snprintf(path, sizeof(path), "%s/fdinfo/%s", pid, fd);
        if (read_at(procfd, path, text, sizeof(text)) <= 0 || vp_fdinfo_parse(text, &c) < 0)
                return;
        if (pdev && strcmp(c.pdev, pdev) != 0)
                return;
        for (k = 0; k < u->n_clients; k++)
                if (u->clients[k].id == c.id && strcmp(u->clients[k].pdev, c.pdev) == 0)
                        return; /* a shared fd: counted once, for its first holder */
        if (u->n_clients >= VP_MAX_CLIENTS) {
                u->truncated = true;
                return;
        }
        c.pid = atoi(pid);
        if (!comm[0]) { /* once per process, only when it holds a DRM client */
                snprintf(path, sizeof(path), "%s/comm", pid);
                if (read_at(procfd, path, comm, comm_n) < 0)
                        comm[0] = '\0';
                vpi_trim(comm);
                if (!comm[0])
                        vpi_strlcpy(comm, "?", comm_n);
        }
        vpi_strlcpy(c.comm, comm, sizeof(c.comm));
        snprintf(path, sizeof(path), "%s/cgroup", pid);
        if (read_at(procfd, path, text, sizeof(text)) > 0)
                vp_cgroup_pod(text, c.pod_uid, sizeof(c.pod_uid), c.container_id,
                              sizeof(c.container_id));
        u->clients[u->n_clients++] = c;
}

/* One process: its DRM fds' clients, new ones appended. The descriptors are listed with
 * getdents64 on /proc/PID/fd itself (no fdopendir: its fcntl and fstat are a fifth of a
 * scan's system calls), and fdinfo, comm and cgroup are opened only for a DRM descriptor:
 * most processes cost one open, two getdents and a readlink per descriptor. */
static void scan_pid(int procfd, const char *pid, const char *pdev, struct vp_usage *u)
{
        char path[300], target[64], comm[64] = "";
        char buf[4096] __attribute__((aligned(8)));
        unsigned seen = 0;
        int fdfd;

        snprintf(path, sizeof(path), "%s/fd", pid);
        fdfd = openat(procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fdfd < 0) {
                /* EACCES: another user's, without CAP_SYS_PTRACE; ENOENT: gone since readdir,
                 * unless the process is still there (a kernel thread's or a zombie's). */
                if (errno != ENOENT || faccessat(procfd, pid, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
                        u->n_procs++;
                        u->n_unreadable++;
                }
                return;
        }
        u->n_procs++;
        for (;;) {
                ssize_t n = getdents64(fdfd, buf, sizeof(buf));
                if (n <= 0)
                        break;
                for (ssize_t off = 0; off < n && seen < MAX_FDS_PER_PROC;) {
                        const struct dirent64 *de = (const struct dirent64 *)(buf + off);
                        ssize_t l;

                        off += de->d_reclen;
                        if (de->d_reclen == 0)
                                break;
                        if (de->d_name[0] == '.')
                                continue;
                        seen++;
                        l = readlinkat(fdfd, de->d_name, target, sizeof(target) - 1);
                        if (l <= 0)
                                continue;
                        target[l] = '\0';
                        if (strncmp(target, "/dev/dri/", 9) == 0)
                                one_fd(procfd, pid, de->d_name, pdev, u, comm, sizeof(comm));
                }
                /* getdents fills the buffer until the next entry does not fit (procfs'
                 * proc_readfd_common, as every local filesystem): room left for the longest
                 * entry means the list ended, and the call that would say so is saved. */
                if (seen >= MAX_FDS_PER_PROC || (size_t)n + sizeof(struct dirent64) < sizeof(buf))
                        break;
        }
        close(fdfd);
}

int vp_usage_scan(const char *root, const char *pdev, struct vp_usage *u)
{
        char path[4096];
        struct timespec ts;
        DIR *d;
        struct dirent *de;
        int procfd;

        if (!u)
                return -EINVAL;
        u->n_clients = 0;
        u->truncated = false;
        u->n_procs = u->n_unreadable = 0;
        if (vpi_path(path, sizeof(path), root, "/proc") < 0)
                return -ENAMETOOLONG;
        d = opendir(path);
        if (!d)
                return -errno;
        procfd = dirfd(d);
        while ((de = readdir(d))) {
                if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
                    strspn(de->d_name, "0123456789") != strlen(de->d_name))
                        continue;
                scan_pid(procfd, de->d_name, pdev, u);
        }
        closedir(d);
        clock_gettime(CLOCK_MONOTONIC, &ts);
        u->t_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
        return 0;
}

void vp_usage_busy(const struct vp_usage *prev, const struct vp_usage *cur, uint32_t client,
                   double ratio[VP_ENGINE__MAX])
{
        const struct vp_drm_client *c, *p = NULL;

        for (int e = 0; e < VP_ENGINE__MAX; e++)
                ratio[e] = -1;
        if (!prev || !cur || client >= cur->n_clients || cur->t_ns <= prev->t_ns)
                return;
        c = &cur->clients[client];
        for (uint32_t k = 0; k < prev->n_clients && !p; k++)
                if (prev->clients[k].id == c->id && strcmp(prev->clients[k].pdev, c->pdev) == 0)
                        p = &prev->clients[k];
        if (!p)
                return;
        for (int e = 0; e < VP_ENGINE__MAX; e++) {
                double span, r;
                if (!c->has[e] || !p->has[e] || c->busy[e] < p->busy[e])
                        continue;                 /* absent, or reset since */
                if (c->total[e] || p->total[e]) { /* xe: cycles of cycles */
                        if (c->total[e] <= p->total[e])
                                continue;
                        span = (double)(c->total[e] - p->total[e]);
                } else {
                        span = (double)(cur->t_ns - prev->t_ns);
                }
                r = (double)(c->busy[e] - p->busy[e]) /
                    (span * (c->capacity[e] ? c->capacity[e] : 1));
                ratio[e] = r > 1 ? 1 : r;
        }
}

/* ---- the kubelet's pod cgroups: which pods run here and how much CPU each used ---- */

/* Where the kubelet puts pods, cgroup v2 first: the systemd driver's slices, then cgroupfs
 * (kubeadm's default before 1.22, K3s, Talos), then the v1 cpuacct hierarchies.
 * https://kubernetes.io/docs/concepts/architecture/cgroups/ */
static const char *const pod_bases[] = {
    "/sys/fs/cgroup/kubepods.slice",
    "/sys/fs/cgroup/kubepods",
    "/sys/fs/cgroup/cpu,cpuacct/kubepods.slice",
    "/sys/fs/cgroup/cpu,cpuacct/kubepods",
    "/sys/fs/cgroup/cpuacct/kubepods.slice",
    "/sys/fs/cgroup/cpuacct/kubepods",
};

/* CPU time a pod cgroup used, in microseconds: v2 cpu.stat's usage_usec, v1 cpuacct.usage
 * (ns). */
static bool pod_cpu(const char *root, const char *dir, uint64_t *usec)
{
        char path[4096], text[2048];
        const char *p;
        uint64_t v;

        vpi_pathf(path, sizeof(path), "%s/cpu.stat", dir);
        if (vpi_read(root, path, text, sizeof(text)) > 0 && (p = strstr(text, "usage_usec ")) &&
            (p == text || p[-1] == '\n')) {
                char num[24];
                size_t n = strspn(p + 11, "0123456789");
                if (n && n < sizeof(num)) {
                        memcpy(num, p + 11, n);
                        num[n] = '\0';
                        if (vpi_parse_u64(num, 10, &v) == 0) {
                                *usec = v;
                                return true;
                        }
                }
        }
        vpi_pathf(path, sizeof(path), "%s/cpuacct.usage", dir);
        if (vpi_read_line(root, path, text, sizeof(text)) == 0 &&
            vpi_parse_u64(text, 10, &v) == 0) {
                *usec = v / 1000;
                return true;
        }
        return false;
}

struct pods_walk {
        struct vp_pods *out;
        const char *base;
        bool qos; /* inside a QoS level: no deeper */
};

static void pods_entry(const char *root, const char *dir, const char *name, void *ud)
{
        struct pods_walk *w = ud;
        char uid[40], path[4096];

        vpi_pathf(path, sizeof(path), "%s/%s", dir, name);
        if (pod_segment(name, strlen(name), uid, sizeof(uid))) {
                struct vp_pod_cpu *p;
                if (w->out->n >= VP_MAX_PODS) {
                        w->out->truncated = true;
                        return;
                }
                p = &w->out->pods[w->out->n++];
                memset(p, 0, sizeof(*p));
                vpi_strlcpy(p->uid, uid, sizeof(p->uid));
                p->cpu_known = pod_cpu(root, path, &p->cpu_usec);
        } else if (!w->qos && (strstr(name, "burstable") || strstr(name, "besteffort"))) {
                struct pods_walk inner = {w->out, w->base, true};
                vpi_each_entry(root, path, pods_entry, &inner);
        }
}

int vp_pods_scan(const char *root, struct vp_pods *ret)
{
        if (!ret)
                return -EINVAL;
        ret->n = 0;
        ret->truncated = false;
        ret->base[0] = '\0';
        for (size_t i = 0; i < sizeof(pod_bases) / sizeof(pod_bases[0]); i++) {
                struct pods_walk w = {ret, pod_bases[i], false};
                if (vpi_each_entry(root, pod_bases[i], pods_entry, &w) < 0)
                        continue;
                vpi_strlcpy(ret->base, pod_bases[i], sizeof(ret->base));
                return 0;
        }
        return -ENOENT;
}

const struct vp_pod_cpu *vp_pods_find(const struct vp_pods *p, const char *uid)
{
        for (uint32_t i = 0; p && uid && i < p->n; i++)
                if (strcmp(p->pods[i].uid, uid) == 0)
                        return &p->pods[i];
        return NULL;
}
