/* SPDX-License-Identifier: MIT */
/*
 * np-testbed-run FIXTURE [--hotplug-after MS] -- COMMAND [ARGS...]
 * Build a fixture's testbed and run a command inside it (Debian's vainfo, nodeprobe, a
 * benchmark), for people without an Intel GPU and for bench/. Needs the same LD_PRELOAD as
 * the tests; the child inherits it with UMOCKDEV_DIR and the fake VA driver's settings.
 * --hotplug-after MS starts the machine with its render nodes hidden (/dev/dri/renderD* and
 * /sys/class/drm/renderD* moved aside, as before the driver registered them) and moves them
 * back MS ms after the command started, printing "hotplug MONOTONIC_MS" on stderr (bench/:
 * how soon the agent notices a render node appearing).
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Move root/DIR/renderD* to root/DIR/.hidden-renderD* (hide) or back. */
static void render_nodes(const char *root, const char *dir, bool hide)
{
        char path[2048], from[4400], to[4400];
        const char *want = hide ? "renderD" : ".hidden-renderD";
        struct dirent *e;
        DIR *d;

        snprintf(path, sizeof(path), "%s/%s", root, dir);
        d = opendir(path);
        if (!d)
                return;
        while ((e = readdir(d)))
                if (strncmp(e->d_name, want, strlen(want)) == 0) {
                        snprintf(from, sizeof(from), "%s/%s", path, e->d_name);
                        snprintf(to, sizeof(to), "%s/%s%s", path, hide ? ".hidden-" : "",
                                 e->d_name + (hide ? 0 : strlen(".hidden-")));
                        if (rename(from, to) < 0)
                                perror(from);
                }
        closedir(d);
}
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testbed.h"

static volatile pid_t child;

/* SIGTERM, SIGINT and SIGHUP are for the command (bench/ stops the agent this way): passed
 * on, and the testbed is torn down when it has exited. */
static void forward(int sig)
{
        if (child > 0)
                kill(child, sig);
}

int main(int argc, char **argv)
{
        struct sigaction sa = {.sa_handler = forward};
        struct np_testbed *t;
        int status = 0, cmd = 3;
        long hotplug = -1;
        pid_t pid;

        if (argc > 4 && strcmp(argv[2], "--hotplug-after") == 0) {
                hotplug = atol(argv[3]);
                cmd = 5;
                if (strcmp(argv[4], "--") != 0)
                        argc = 0;
        } else if (argc < 4 || strcmp(argv[2], "--") != 0) {
                argc = 0;
        }
        if (argc < cmd + 1) {
                fprintf(stderr, "usage: np-testbed-run FIXTURE [--hotplug-after MS] -- COMMAND "
                                "[ARGS...]\n");
                return 2;
        }
        t = np_testbed_new(strcmp(argv[1], "empty") == 0 ? NULL : argv[1]);
        if (hotplug >= 0) {
                render_nodes(np_testbed_root(t), "dev/dri", true);
                render_nodes(np_testbed_root(t), "sys/class/drm", true);
        }
        /* nodeprobe reads /proc, /sys and /lib/modules of the fixture, not of this machine. */
        setenv("NODEPROBE_ROOT", np_testbed_root(t), 1);
        setenv("NODEPROBE_DMESG", np_testbed_dmesg(t), 1);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
        pid = fork();
        child = pid;
        if (pid == 0) {
                signal(SIGTERM, SIG_DFL);
                signal(SIGINT, SIG_DFL);
                signal(SIGHUP, SIG_DFL);
                execvp(argv[cmd], argv + cmd);
                perror(argv[cmd]);
                _exit(127);
        }
        if (pid > 0 && hotplug >= 0) {
                struct timespec ts;
                usleep((useconds_t)hotplug * 1000);
                render_nodes(np_testbed_root(t), "sys/class/drm", false);
                render_nodes(np_testbed_root(t), "dev/dri", false);
                clock_gettime(CLOCK_MONOTONIC, &ts);
                fprintf(stderr, "hotplug %lld\n",
                        (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
        }
        while (pid > 0 && waitpid(pid, &status, 0) < 0)
                ;
        np_testbed_free(t);
        if (pid < 0)
                return 1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
