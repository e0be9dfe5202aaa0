/* SPDX-License-Identifier: MIT */
/*
 * np-measure RUNS -- COMMAND [ARGS...] [-- COMMAND [ARGS...]]...
 * Run each command RUNS times, interleaved (A B A B ...: both see the same machine state);
 * print one line per command, in order: median and max wall time (ms) and the largest peak
 * resident set of the command's own process (KiB, from wait4's rusage: children it forks,
 * such as nodeprobe's libva child, are not counted: the parent is what stays up). A command
 * that exits with 127 or a signal is a failure (exit 1).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CMDS 8

static int cmp(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
}

static int run_once(char **argv, double *ms, long *rss)
{
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
                execvp(argv[0], argv);
                _exit(127);
        }
        if (pid < 0 || wait4(pid, &status, 0, &ru) < 0)
                return -1;
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (!WIFEXITED(status) || WEXITSTATUS(status) == 127)
                return -1;
        *ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
        if (ru.ru_maxrss > *rss)
                *rss = ru.ru_maxrss;
        return 0;
}

int main(int argc, char **argv)
{
        int runs = argc > 1 ? atoi(argv[1]) : 0, n = 0;
        char **cmds[MAX_CMDS];
        double *ms[MAX_CMDS];
        long rss[MAX_CMDS] = {0};

        for (int i = 2; i < argc; i++)
                if (strcmp(argv[i], "--") == 0) {
                        argv[i] = NULL; /* ends the previous command */
                        if (i + 1 < argc && n < MAX_CMDS)
                                cmds[n++] = argv + i + 1;
                }
        if (runs < 1 || n < 1 || argc < 4 || argv[2] != NULL) {
                fprintf(stderr, "usage: np-measure RUNS -- COMMAND [ARGS...] [-- COMMAND ...]\n");
                return 2;
        }
        for (int c = 0; c < n; c++) {
                ms[c] = calloc((size_t)runs, sizeof(double));
                if (!ms[c])
                        return 1;
        }
        for (int i = 0; i < runs; i++)
                for (int c = 0; c < n; c++)
                        if (run_once(cmds[c], &ms[c][i], &rss[c]) < 0) {
                                fprintf(stderr, "np-measure: %s failed\n", cmds[c][0]);
                                return 1;
                        }
        for (int c = 0; c < n; c++) {
                qsort(ms[c], (size_t)runs, sizeof(double), cmp);
                printf("median_ms=%.2f max_ms=%.2f peak_rss_kib=%ld runs=%d\n", ms[c][runs / 2],
                       ms[c][runs - 1], rss[c], runs);
                free(ms[c]);
        }
        return 0;
}
