/* SPDX-License-Identifier: MIT */
/*
 * np-usage-scan ROOT SCANS: run vaprobe's GPU usage scan of ROOT/proc SCANS times in one
 * process; print the median and the maximum scan time, the clients found, and the anonymous
 * resident memory after the first and after the last scan (growth over many scans is a leak).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vaprobe/vaprobe.h"

static double now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static long rss_kib(void)
{
        FILE *f = fopen("/proc/self/status", "r");
        char line[256];
        long v = -1;
        while (f && fgets(line, sizeof(line), f))
                if (strncmp(line, "RssAnon:", 8) == 0)
                        v = atol(line + 8);
        if (f)
                fclose(f);
        return v;
}

static int cmp(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
        struct vp_usage *u = calloc(1, sizeof(*u));
        int n = argc > 2 ? atoi(argv[2]) : 0;
        double *ms = n > 0 ? calloc((size_t)n, sizeof(double)) : NULL;
        long rss_first = 0;

        if (argc != 3 || !u || !ms) {
                fprintf(stderr, "usage: np-usage-scan ROOT SCANS\n");
                return 2;
        }
        for (int i = 0; i < n; i++) /* touch the timings' pages: they are not growth */
                ms[i] = -1;
        for (int i = 0; i < n; i++) {
                double t = now_ms();
                if (vp_usage_scan(argv[1], NULL, u) < 0) {
                        fprintf(stderr, "np-usage-scan: cannot scan %s/proc\n", argv[1]);
                        return 1;
                }
                ms[i] = now_ms() - t;
                if (i == 0)
                        rss_first = rss_kib();
        }
        long rss_last = rss_kib(); /* before qsort, whose scratch buffer is not growth */
        printf("clients=%u\nprocs=%u\n", u->n_clients, u->n_procs);
        qsort(ms, (size_t)n, sizeof(double), cmp);
        printf("scan_median_ms=%.3f\nscan_max_ms=%.3f\n", ms[n / 2], ms[n - 1]);
        printf("rss_first_kib=%ld\nrss_last_kib=%ld\n", rss_first, rss_last);
        free(ms);
        free(u);
        return 0;
}
