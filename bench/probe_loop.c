/* SPDX-License-Identifier: MIT */
/*
 * np-probe-loop RUNS
 * The agent's probe without VA, in one process, RUNS times: vp_probe (sysfs, libdrm, the kernel
 * log) with skip_va, vp_evaluate and lbl_compute, as the agent's parent does before it decides
 * whether anything changed; and vp_fingerprint, what the agent pays every rescan. Process start
 * is not in these figures (np-measure has that). Run it inside np-testbed-run (libdrm needs the
 * fake devices). Also the round trip of an empty forked child (fork, one byte back through a
 * pipe, reaped): the floor under every isolated VA run on this machine. Prints one line:
 *   probe_first_ms= probe_median_ms= probe_max_ms= fingerprint_median_us= fork_rtt_median_ms=
 *   gpus= runs=
 * Exit 1 when a probe fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <labeler/labeler.h>
#include <vaprobe/facts.h>
#include <vaprobe/verdict.h>

static double now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
}

/* Fork a child that writes one byte and exits; the time until it is read and reaped. */
static double fork_rtt(void)
{
        double t0 = now_ms();
        int p[2];
        char b;
        pid_t pid;

        if (pipe(p) < 0)
                return -1;
        pid = fork();
        if (pid == 0) {
                (void)!write(p[1], "x", 1);
                _exit(0);
        }
        if (pid > 0) {
                (void)!read(p[0], &b, 1);
                waitpid(pid, NULL, 0);
        }
        close(p[0]);
        close(p[1]);
        return pid > 0 ? now_ms() - t0 : -1;
}

int main(int argc, char **argv)
{
        int runs = argc > 1 ? atoi(argv[1]) : 0;
        struct vp_options o = {.root = getenv("NODEPROBE_ROOT"),
                               .dmesg_file = getenv("NODEPROBE_DMESG"),
                               .skip_va = true};
        struct lbl_options lo = {.tier = LBL_TIER_ALL};
        struct lbl_set *set = calloc(1, sizeof(*set));
        double *probe = NULL, *fp = NULL, *fk = NULL, max = 0;
        unsigned gpus = 0;
        int rc = 1;

        if (runs < 1 || runs > 100000) {
                fprintf(stderr, "usage: np-probe-loop RUNS (1..100000)\n");
                return 2;
        }
        probe = calloc((size_t)runs, sizeof(double));
        fp = calloc((size_t)runs, sizeof(double));
        fk = calloc((size_t)runs, sizeof(double));
        if (!probe || !fp || !fk || !set)
                goto out;
        for (int i = 0; i < runs; i++) {
                struct vp_facts *f = NULL;
                struct vp_eval *e = NULL;
                uint64_t h = 0;
                double t0 = now_ms();
                int r = vp_probe(&o, &f);

                if (r == 0)
                        r = vp_evaluate(f, &e);
                if (r == 0)
                        r = lbl_compute(f, e, &lo, set);
                probe[i] = now_ms() - t0;
                gpus = f ? f->n_gpus : 0;
                free(e);
                free(f);
                if (r < 0) {
                        fprintf(stderr, "np-probe-loop: probe failed: %d\n", r);
                        goto out;
                }
                t0 = now_ms();
                if (vp_fingerprint(o.root, &h) < 0) {
                        fprintf(stderr, "np-probe-loop: fingerprint failed\n");
                        goto out;
                }
                fp[i] = (now_ms() - t0) * 1e3;
                if (probe[i] > max)
                        max = probe[i];
        }
        /* After the probes: a fork leaves every page copy-on-write, and the first write to each
         * afterwards faults, which would be charged to the next probe. */
        for (int i = 0; i < runs; i++)
                fk[i] = fork_rtt();
        printf("probe_first_ms=%.3f ", probe[0]);
        qsort(probe, (size_t)runs, sizeof(double), cmp);
        qsort(fp, (size_t)runs, sizeof(double), cmp);
        qsort(fk, (size_t)runs, sizeof(double), cmp);
        printf("probe_median_ms=%.3f probe_max_ms=%.3f fingerprint_median_us=%.1f "
               "fork_rtt_median_ms=%.3f gpus=%u runs=%d\n",
               probe[runs / 2], max, fp[runs / 2], fk[runs / 2], gpus, runs);
        rc = 0;
out:
        free(probe);
        free(fp);
        free(fk);
        free(set);
        return rc;
}
