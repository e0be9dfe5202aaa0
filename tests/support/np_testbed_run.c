/* SPDX-License-Identifier: MIT */
/*
 * np-testbed-run FIXTURE -- COMMAND [ARGS...]
 * Build a fixture's testbed and run a command inside it (Debian's vainfo, nodeprobe, a
 * benchmark), for people without an Intel GPU and for bench/. Needs the same LD_PRELOAD as
 * the tests; the child inherits it with UMOCKDEV_DIR and the fake VA driver's settings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testbed.h"

int main(int argc, char **argv)
{
        struct np_testbed *t;
        int status = 0;
        pid_t pid;

        if (argc < 4 || strcmp(argv[2], "--") != 0) {
                fprintf(stderr, "usage: np-testbed-run FIXTURE -- COMMAND [ARGS...]\n");
                return 2;
        }
        t = np_testbed_new(strcmp(argv[1], "empty") == 0 ? NULL : argv[1]);
        /* nodeprobe reads /proc, /sys and /lib/modules of the fixture, not of this machine. */
        setenv("NODEPROBE_ROOT", np_testbed_root(t), 1);
        setenv("NODEPROBE_DMESG", np_testbed_dmesg(t), 1);
        pid = fork();
        if (pid == 0) {
                execvp(argv[3], argv + 3);
                perror(argv[3]);
                _exit(127);
        }
        while (pid > 0 && waitpid(pid, &status, 0) < 0)
                ;
        np_testbed_free(t);
        if (pid < 0)
                return 1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
