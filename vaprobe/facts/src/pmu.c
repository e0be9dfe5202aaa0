/* SPDX-License-Identifier: MIT */
/*
 * Node-wide engine busyness, GPU frequency and RC6 from the i915 and xe PMUs, as intel_gpu_top
 * reads them: perf_event_open() of the uncore events the driver registers under
 * /sys/bus/event_source/devices/{i915,i915_<pci>,xe_<pci>}/.
 *   i915: events/<engine>-busy (ns), actual-frequency (MHz x s), rc6-residency (ns); each
 *         events/ file is "config=0x..." (drivers/gpu/drm/i915/i915_pmu.c).
 *   xe:   events/engine-active-ticks and engine-total-ticks with the format terms gt,
 *         engine_class and engine_instance ("config:12-19"), busy = active / total
 *         (drivers/gpu/drm/xe/xe_pmu.c, Documentation/gpu/xe/xe-pmu.rst).
 * Under GVT-g and in SR-IOV VFs i915 registers no PMU ("PMU not supported for this GPU"):
 * there the caller falls back to the sum of the DRM fdinfo clients. The system call goes
 * through vp_pmu_ops so that tests feed known counter sequences.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "vaprobe/common/read.h"

#define PMU_DIR "/sys/bus/event_source/devices"

enum { K_BUSY_NS, K_ACTIVE, K_TOTAL, K_FREQ, K_RC6 };

static int sys_open(void *ctx, uint32_t type, uint64_t config, int cpu)
{
        struct perf_event_attr attr;
        long fd;

        (void)ctx;
        memset(&attr, 0, sizeof(attr));
        attr.size = sizeof(attr);
        attr.type = type;
        attr.config = config;
        /* An uncore PMU: no task, one CPU (its cpumask), as intel_gpu_top opens it. */
        fd = syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
        return fd < 0 ? -errno : (int)fd;
}

static int sys_read(void *ctx, int fd, uint64_t *val)
{
        ssize_t n;

        (void)ctx;
        do
                n = read(fd, val, sizeof(*val));
        while (n < 0 && errno == EINTR);
        return n == (ssize_t)sizeof(*val) ? 0 : n < 0 ? -errno : -EIO;
}

static void sys_close(void *ctx, int fd)
{
        (void)ctx;
        close(fd);
}

static const struct vp_pmu_ops sys_ops = {sys_open, sys_read, sys_close, NULL};

/* i915's engine names: rcs0, bcs0, vcs0, vcs1, vecs0, ccs0 ("<class><instance>-busy"). */
static int engine_of_i915(const char *name, size_t len)
{
        static const char *const cls[VP_ENGINE__MAX] = {"rcs", "bcs", "vcs", "vecs", "ccs"};
        size_t l = strspn(name, "abcdefghijklmnopqrstuvwxyz");

        if (l == 0 || l >= len || strspn(name + l, "0123456789") != len - l)
                return -1;
        for (int e = 0; e < VP_ENGINE__MAX; e++)
                if (strlen(cls[e]) == l && strncmp(name, cls[e], l) == 0)
                        return e;
        return -1;
}

/* A format term ("config:12-19", "config:60-63", "config:5") into shift and width. */
static int format_bits(const char *root, const char *pmu, const char *term, unsigned *shift,
                       unsigned *width)
{
        char path[512], text[64];
        unsigned lo, hi;

        vpi_pathf(path, sizeof(path), PMU_DIR "/%s/format/%s", pmu, term);
        if (vpi_read_line(root, path, text, sizeof(text)) < 0)
                return -ENOENT;
        if (sscanf(text, "config:%u-%u", &lo, &hi) == 2 && lo <= hi && hi < 64) {
        } else if (sscanf(text, "config:%u", &lo) == 1 && lo < 64) {
                hi = lo;
        } else {
                return -EINVAL;
        }
        *shift = lo;
        *width = hi - lo + 1;
        return 0;
}

/* An event's config: its events/ file ("config=0x..." or "event=0x02", terms joined by ',')
 * with the extra terms (xe: "gt=0,engine_class=2,engine_instance=0") placed by format/. */
static int event_config(const char *root, const char *pmu, const char *event, const char *extra,
                        uint64_t *ret)
{
        char path[512], spec[256];
        uint64_t config = 0;

        vpi_pathf(path, sizeof(path), PMU_DIR "/%s/events/%s", pmu, event);
        if (vpi_read_line(root, path, spec, sizeof(spec) - 64) < 0)
                return -ENOENT;
        if (extra && *extra) {
                size_t l = strlen(spec);
                snprintf(spec + l, sizeof(spec) - l, ",%s", extra);
        }
        for (char *save = NULL, *t = strtok_r(spec, ",", &save); t;
             t = strtok_r(NULL, ",", &save)) {
                char *eq = strchr(t, '=');
                unsigned shift, width;
                uint64_t v;

                if (!eq)
                        return -EINVAL;
                *eq = '\0';
                if (vpi_parse_u64(eq + 1, 0, &v) < 0)
                        return -EINVAL;
                if (strcmp(t, "config") == 0) {
                        config |= v;
                        continue;
                }
                if (format_bits(root, pmu, t, &shift, &width) < 0)
                        return -EINVAL;
                if (width < 64 && v >> width)
                        return -EINVAL;
                config |= v << shift;
        }
        *ret = config;
        return 0;
}

static int pmu_add(struct vp_pmu *p, const struct vp_pmu_ops *ops, uint32_t type, int cpu,
                   uint64_t config, int kind, int engine)
{
        int fd;

        if (p->n >= VP_PMU_MAX_COUNTERS)
                return -ENOSPC;
        fd = ops->open(ops->ctx, type, config, cpu);
        if (fd < 0)
                return fd;
        p->c[p->n++] =
            (struct vp_pmu_counter){.fd = fd, .kind = (uint8_t)kind, .engine = (uint8_t)engine};
        return 0;
}

struct open_walk {
        struct vp_pmu *p;
        const struct vp_pmu_ops *ops;
        uint32_t type;
        int cpu;
        int err; /* the first perf_event_open error */
};

static void i915_event(const char *root, const char *dir, const char *name, void *ud)
{
        struct open_walk *w = ud;
        size_t l = strlen(name);
        uint64_t config;
        int e, r, kind;

        (void)dir;
        if (l > 5 && strcmp(name + l - 5, "-busy") == 0 && (e = engine_of_i915(name, l - 5)) >= 0)
                kind = K_BUSY_NS;
        else if (strcmp(name, "actual-frequency") == 0 || strcmp(name, "actual-frequency-gt0") == 0)
                kind = K_FREQ, e = 0;
        else if (strcmp(name, "rc6-residency") == 0 || strcmp(name, "rc6-residency-gt0") == 0)
                kind = K_RC6, e = 0;
        else
                return; /* .unit/.scale files, waits, semaphores, interrupts; -gtN twins */
        if (event_config(root, w->p->name, name, NULL, &config) < 0)
                return;
        r = pmu_add(w->p, w->ops, w->type, w->cpu, config, kind, e);
        if (r < 0 && !w->err)
                w->err = r;
}

/* xe: engine-active-ticks/engine-total-ticks for instance 0 of each class on gt 0 (the
 * classes' numbers are DRM_XE_ENGINE_CLASS_*: render 0, copy 1, video decode 2, video
 * enhance 3, compute 4), and gt-actual-frequency / gt-c6-residency when offered. */
static void xe_events(const char *root, struct open_walk *w)
{
        static const int xe_class[VP_ENGINE__MAX] = {0, 1, 2, 3, 4};
        uint64_t config;
        char extra[96];
        int r;

        for (int e = 0; e < VP_ENGINE__MAX; e++) {
                uint64_t active, total;
                snprintf(extra, sizeof(extra), "gt=0,engine_class=%d,engine_instance=0",
                         xe_class[e]);
                if (event_config(root, w->p->name, "engine-active-ticks", extra, &active) < 0 ||
                    event_config(root, w->p->name, "engine-total-ticks", extra, &total) < 0)
                        continue;
                r = pmu_add(w->p, w->ops, w->type, w->cpu, active, K_ACTIVE, e);
                if (r == 0)
                        r = pmu_add(w->p, w->ops, w->type, w->cpu, total, K_TOTAL, e);
                if (r < 0 && !w->err)
                        w->err = r;
        }
        if (event_config(root, w->p->name, "gt-actual-frequency", "gt=0", &config) == 0 &&
            (r = pmu_add(w->p, w->ops, w->type, w->cpu, config, K_FREQ, 0)) < 0 && !w->err)
                w->err = r;
        if (event_config(root, w->p->name, "gt-c6-residency", "gt=0", &config) == 0 &&
            (r = pmu_add(w->p, w->ops, w->type, w->cpu, config, K_RC6, 0)) < 0 && !w->err)
                w->err = r;
}

/* "i915_0000_03_00.0" / "xe_0000_00_02.0": the device's PCI address ("0000:03:00.0"). */
static void pdev_of(const char *name, char *pdev, size_t n)
{
        const char *u = strchr(name, '_');

        pdev[0] = '\0';
        if (!u || strlen(u + 1) != 12 || n < 13)
                return;
        vpi_strlcpy(pdev, u + 1, n);
        if (pdev[4] == '_' && pdev[7] == '_') {
                pdev[4] = ':';
                pdev[7] = ':';
        } else {
                pdev[0] = '\0';
        }
}

static void pmu_entry(const char *root, const char *dir, const char *name, void *ud)
{
        struct vp_pmus *ps = ud;
        struct vp_pmu *p;
        struct open_walk w = {0};
        char path[512], text[64];
        struct vp_opt type;
        bool xe;

        (void)dir;
        xe = strncmp(name, "xe_", 3) == 0;
        if (!xe && strcmp(name, "i915") != 0 && strncmp(name, "i915_", 5) != 0)
                return;
        if (ps->n >= VP_MAX_PMUS)
                return;
        p = &ps->pmus[ps->n];
        memset(p, 0, sizeof(*p));
        vpi_strlcpy(p->name, name, sizeof(p->name));
        vpi_strlcpy(p->driver, xe ? "xe" : "i915", sizeof(p->driver));
        pdev_of(name, p->pdev, sizeof(p->pdev));
        vpi_pathf(path, sizeof(path), PMU_DIR "/%s/type", name);
        type = vpi_read_num(root, path, 10);
        if (!type.known || type.value > UINT32_MAX)
                return;
        /* cpumask: "0" or "0-3"; the first CPU is the one the driver counts on. */
        vpi_pathf(path, sizeof(path), PMU_DIR "/%s/cpumask", name);
        w.cpu = vpi_read_line(root, path, text, sizeof(text)) == 0 ? atoi(text) : 0;
        w.p = p;
        w.ops = ps->ops;
        w.type = (uint32_t)type.value;
        if (xe) {
                xe_events(root, &w);
        } else {
                vpi_pathf(path, sizeof(path), PMU_DIR "/%s/events", name);
                vpi_each_entry(root, path, i915_event, &w);
        }
        if (w.err && !ps->err)
                ps->err = w.err;
        if (p->n == 0)
                return;
        for (uint32_t i = 0; i < p->n; i++) {
                if (p->c[i].kind == K_BUSY_NS || p->c[i].kind == K_ACTIVE)
                        p->instances[p->c[i].engine]++;
                p->has_freq |= p->c[i].kind == K_FREQ;
                p->has_rc6 |= p->c[i].kind == K_RC6;
        }
        ps->n++;
}

int vp_pmu_open(const char *root, const struct vp_pmu_ops *ops, struct vp_pmus *ret)
{
        int n;

        if (!ret)
                return -EINVAL;
        memset(ret, 0, sizeof(*ret));
        ret->ops = ops ? ops : &sys_ops;
        n = vpi_each_entry(root, PMU_DIR, pmu_entry, ret);
        if (ret->n)
                return 0;
        if (ret->err)
                return ret->err;
        return n < 0 ? n : -ENOENT;
}

int vp_pmu_sample(struct vp_pmus *ps)
{
        struct timespec ts;
        int err = 0;

        if (!ps)
                return -EINVAL;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        for (uint32_t k = 0; k < ps->n; k++) {
                struct vp_pmu *p = &ps->pmus[k];
                p->prev_t_ns = p->t_ns;
                p->t_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
                for (uint32_t i = 0; i < p->n; i++) {
                        uint64_t v;
                        int r = ps->ops->read(ps->ops->ctx, p->c[i].fd, &v);
                        p->c[i].prev = p->c[i].val;
                        p->c[i].prev_ok = p->c[i].ok;
                        p->c[i].ok = r == 0;
                        if (r == 0)
                                p->c[i].val = v;
                        else if (!err)
                                err = r;
                }
                if (p->samples < 2)
                        p->samples++;
        }
        return err;
}

void vp_pmu_figures(const struct vp_pmu *p, double ratio[VP_ENGINE__MAX], double *freq_hz,
                    double *rc6)
{
        double busy[VP_ENGINE__MAX] = {0}, active[VP_ENGINE__MAX] = {0},
               total[VP_ENGINE__MAX] = {0};
        bool seen[VP_ENGINE__MAX] = {false};
        double span;

        for (int e = 0; e < VP_ENGINE__MAX; e++)
                ratio[e] = -1;
        *freq_hz = *rc6 = -1;
        if (!p || p->samples < 2 || p->t_ns <= p->prev_t_ns)
                return;
        span = (double)(p->t_ns - p->prev_t_ns);
        for (uint32_t i = 0; i < p->n; i++) {
                const struct vp_pmu_counter *c = &p->c[i];
                double d;
                if (!c->ok || !c->prev_ok || c->val < c->prev)
                        continue; /* unread, or reset since */
                d = (double)(c->val - c->prev);
                switch (c->kind) {
                case K_BUSY_NS:
                        busy[c->engine] += d / span;
                        seen[c->engine] = true;
                        break;
                case K_ACTIVE:
                        active[c->engine] += d;
                        break;
                case K_TOTAL:
                        total[c->engine] += d;
                        seen[c->engine] = true;
                        break;
                case K_FREQ: /* MHz x s accumulated: MHz over the span */
                        *freq_hz = d / (span / 1e9) * 1e6;
                        break;
                case K_RC6:
                        *rc6 = d / span > 1 ? 1 : d / span;
                        break;
                }
        }
        for (int e = 0; e < VP_ENGINE__MAX; e++) {
                double r;
                if (!seen[e] || !p->instances[e])
                        continue;
                r = total[e] > 0 ? active[e] / total[e] : busy[e] / p->instances[e];
                if (total[e] <= 0 && p->driver[0] == 'x')
                        continue; /* no ticks passed */
                ratio[e] = r > 1 ? 1 : r;
        }
}

void vp_pmu_close(struct vp_pmus *ps)
{
        if (!ps || !ps->ops)
                return;
        for (uint32_t k = 0; k < ps->n; k++)
                for (uint32_t i = 0; i < ps->pmus[k].n; i++)
                        ps->ops->close(ps->ops->ctx, ps->pmus[k].c[i].fd);
        ps->n = 0;
}
