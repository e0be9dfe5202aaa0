/* SPDX-License-Identifier: MIT */
/*
 * measure RUNS -- COMMAND [ARGS...]
 * Run a command RUNS times; print median and max wall time (ms) and the largest peak resident
 * set of the command's own process (KiB, from wait4's rusage: children it forks, such as
 * nodeprobe's libva child, are not counted, which is the point: the parent is what stays up).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
        int runs = argc > 1 ? atoi(argv[1]) : 0;
        double *ms;
        long max_rss = 0;

        if (runs < 1 || argc < 4 || argv[2][0] != '-' || argv[2][1] != '-') {
                fprintf(stderr, "usage: measure RUNS -- COMMAND [ARGS...]\n");
                return 2;
        }
        ms = calloc((size_t)runs, sizeof(*ms));
        if (!ms)
                return 1;
        for (int i = 0; i < runs; i++) {
                struct timespec a, b;
                struct rusage ru;
                int status = 0;
                pid_t pid;

                clock_gettime(CLOCK_MONOTONIC, &a);
                pid = fork();
                if (pid == 0) {
                        int null = open("/dev/null", O_WRONLY);
                        dup2(null, 1);
                        dup2(null, 2);
                        execvp(argv[3], argv + 3);
                        _exit(127);
                }
                if (pid < 0 || wait4(pid, &status, 0, &ru) < 0)
                        return 1;
                clock_gettime(CLOCK_MONOTONIC, &b);
                if (!WIFEXITED(status) || WEXITSTATUS(status) == 127) {
                        fprintf(stderr, "measure: %s failed\n", argv[3]);
                        return 1;
                }
                ms[i] = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
                if (ru.ru_maxrss > max_rss)
                        max_rss = ru.ru_maxrss;
        }
        qsort(ms, (size_t)runs, sizeof(*ms), cmp);
        printf("median_ms=%.1f max_ms=%.1f peak_rss_kib=%ld runs=%d\n", ms[runs / 2], ms[runs - 1],
               max_rss, runs);
        free(ms);
        return 0;
}
