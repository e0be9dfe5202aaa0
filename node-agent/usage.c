/* SPDX-License-Identifier: MIT */
/*
 * nodeprobe report --usage SECONDS: what intel_gpu_top's client list shows, from two DRM
 * fdinfo scans (vaprobe's vp_usage_scan) SECONDS apart: per process, each engine class's busy
 * share, its GPU memory and, in Kubernetes, its pod; then the same per device. No PMU, no
 * intel-gpu-tools; a GVT-g vGPU or an SR-IOV VF (where the PMU is absent) shows it too.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "na.h"

static void pct(FILE *out, double r, int width)
{
        if (r < 0)
                fprintf(out, " %*s", width, "-");
        else
                fprintf(out, " %*.1f%%", width - 1, r * 100);
}

static void mem(FILE *out, uint64_t b)
{
        if (b >= 10ull * 1024 * 1024)
                fprintf(out, " %6llu MiB", (unsigned long long)(b >> 20));
        else
                fprintf(out, " %6llu KiB", (unsigned long long)(b >> 10));
}

/* The per-class sums of every client of one device (node-wide as fdinfo sees it). */
static void device_sum(const struct vp_usage *a, const struct vp_usage *b, const char *pdev,
                       double sum[VP_ENGINE__MAX])
{
        for (int e = 0; e < VP_ENGINE__MAX; e++)
                sum[e] = -1;
        for (uint32_t i = 0; i < b->n_clients; i++) {
                double r[VP_ENGINE__MAX];
                if (strcmp(b->clients[i].pdev, pdev) != 0)
                        continue;
                vp_usage_busy(a, b, i, r);
                for (int e = 0; e < VP_ENGINE__MAX; e++) {
                        double s;
                        if (r[e] < 0)
                                continue;
                        s = (sum[e] < 0 ? 0 : sum[e]) + r[e];
                        sum[e] = s > 1 ? 1 : s; /* shares of the same engines add up */
                }
        }
}

int na_usage_print(const struct vp_usage *a, const struct vp_usage *b, FILE *out)
{
        static const char *const heads[VP_ENGINE__MAX] = {"RENDER", "COPY", "VIDEO", "VENHANCE",
                                                          "COMPUTE"};
        static const int widths[VP_ENGINE__MAX] = {7, 6, 7, 9, 8};

        fprintf(out, "\nGPU usage over %.1f s, per DRM client (from /proc/*/fdinfo):\n",
                (double)(b->t_ns - a->t_ns) / 1e9);
        if (!b->n_clients) {
                fprintf(out, "  no process has an Intel GPU open%s\n",
                        b->n_unreadable ? "" : " (a transcode on the CPU shows nothing here)");
        } else {
                fprintf(out, "  %7s  %-15s %-13s", "PID", "NAME", "DEVICE");
                for (int e = 0; e < VP_ENGINE__MAX; e++)
                        fprintf(out, " %*s", widths[e], heads[e]);
                fprintf(out, " %10s  %s\n", "MEMORY", "POD");
                for (uint32_t i = 0; i < b->n_clients; i++) {
                        const struct vp_drm_client *c = &b->clients[i];
                        double r[VP_ENGINE__MAX];
                        vp_usage_busy(a, b, i, r);
                        fprintf(out, "  %7d  %-15.15s %-13.13s", c->pid, c->comm, c->pdev);
                        for (int e = 0; e < VP_ENGINE__MAX; e++)
                                pct(out, r[e], widths[e]);
                        mem(out, c->mem_total);
                        if (c->pod_uid[0])
                                fprintf(out, "  %s%s%.12s\n", c->pod_uid,
                                        c->container_id[0] ? " container " : "", c->container_id);
                        else
                                fprintf(out, "  -\n");
                }
                for (uint32_t i = 0; i < b->n_clients; i++) {
                        const char *pdev = b->clients[i].pdev;
                        double sum[VP_ENGINE__MAX];
                        bool first = true;
                        for (uint32_t k = 0; k < i && first; k++)
                                first = strcmp(b->clients[k].pdev, pdev) != 0;
                        if (!first)
                                continue;
                        device_sum(a, b, pdev, sum);
                        fprintf(out, "  %7s  %-15s %-13.13s", "", "all clients",
                                pdev[0] ? pdev : "?");
                        for (int e = 0; e < VP_ENGINE__MAX; e++)
                                pct(out, sum[e], widths[e]);
                        fprintf(out, "\n");
                }
        }
        if (b->truncated)
                fprintf(out, "  more than %d clients: the rest are not listed\n", VP_MAX_CLIENTS);
        if (b->n_unreadable)
                fprintf(out,
                        "  %u of %u processes' descriptors could not be read: run as root (in a "
                        "pod: the host's /proc and CAP_SYS_PTRACE) to see every process\n",
                        b->n_unreadable, b->n_procs);
        return 0;
}

/* The PMU's node-wide figures per device, or why there are none (intel_gpu_top's header
 * line: frequency, RC6, and each engine class busy). */
void na_usage_print_pmu(const struct vp_pmus *ps, int err, FILE *out)
{
        static const char *const heads[VP_ENGINE__MAX] = {"render", "copy", "video",
                                                          "video-enhance", "compute"};
        if (err < 0 || !ps || !ps->n) {
                fprintf(out, "  PMU: %s\n", na_watch_pmu_why(err < 0 ? err : -ENOENT));
                return;
        }
        for (uint32_t i = 0; i < ps->n; i++) {
                double r[VP_ENGINE__MAX], hz, rc6;
                vp_pmu_figures(&ps->pmus[i], r, &hz, &rc6);
                fprintf(out, "  PMU %s:", ps->pmus[i].name);
                if (hz >= 0)
                        fprintf(out, " %.0f MHz", hz / 1e6);
                if (rc6 >= 0)
                        fprintf(out, ", RC6 %.0f%%", rc6 * 100);
                for (int e = 0; e < VP_ENGINE__MAX; e++)
                        if (r[e] >= 0)
                                fprintf(out, ", %s %.1f%%", heads[e], r[e] * 100);
                fprintf(out, "\n");
        }
}

int na_usage_report(const struct na_config *cfg, FILE *out)
{
        struct vp_usage *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
        struct vp_pmus *pmu = calloc(1, sizeof(*pmu));
        int pmu_err = -ENOMEM;
        struct timespec ts = {.tv_sec = cfg->usage_ms / 1000,
                              .tv_nsec = (cfg->usage_ms % 1000) * 1000000L};
        int r = -ENOMEM;

        if (!a || !b || !pmu)
                goto out;
        pmu_err = vp_pmu_open(cfg->root, NULL, pmu);
        if (pmu_err == 0)
                vp_pmu_sample(pmu);
        r = vp_usage_scan(cfg->root, NULL, a);
        if (r < 0) {
                na_logf("--usage: cannot read %s/proc: %s", cfg->root ? cfg->root : "",
                        strerror(-r));
                goto out;
        }
        fflush(out);
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
        if (pmu_err == 0)
                vp_pmu_sample(pmu);
        r = vp_usage_scan(cfg->root, NULL, b);
        if (r == 0)
                r = na_usage_print(a, b, out);
        if (r == 0)
                na_usage_print_pmu(pmu, pmu_err, out);
out:
        vp_pmu_close(pmu);
        free(pmu);
        free(a);
        free(b);
        return r;
}
