/* SPDX-License-Identifier: MIT */
/*
 * Run the VA-API part of a probe in a child process. Media drivers crash (SIGSEGV in
 * vaInitialize on an unknown id) and hang (waiting on a wedged GPU); the long-running agent
 * must survive both and say which it was. The child writes its struct vp_va as is to a
 * pipe and exits (child.c); the parent waits with a deadline and kills it when the time is
 * up.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "na.h"

/* The child: libva on one node, the answer as the plain struct. */
static int va_child(int wfd, void *arg)
{
        struct vp_va *va = calloc(1, sizeof(*va));
        int devnull;

        /* Drivers print; stdout may be carrying a JSON document for the user. */
        if (!getenv("NODEPROBE_DEBUG")) {
                devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
                if (devnull >= 0) {
                        dup2(devnull, STDOUT_FILENO);
                        dup2(devnull, STDERR_FILENO);
                        close(devnull);
                }
        }
        if (!va || vp_va_probe_node(arg, va) < 0)
                return 3;
        na_write_all(wfd, va, sizeof(*va));
        return 0;
}

static int timeout_of(const struct na_isolate *iso)
{
        return iso && iso->timeout_ms > 0 ? iso->timeout_ms : 10000;
}

/* How the child ended, as the probe's outcome. */
static void outcome(const struct na_child_end *end, struct vp_va *ret)
{
        if (end->complete)
                return;
        memset(ret, 0, sizeof(*ret));
        if (end->timed_out) {
                ret->outcome = VP_VA_TIMED_OUT;
        } else if (end->signal) {
                ret->outcome = VP_VA_CRASHED;
                ret->child_signal = end->signal;
        } else {
                ret->outcome = VP_VA_CHILD_FAILED;
        }
}

int na_va_isolated(void *userdata, const char *node, struct vp_va *ret)
{
        struct na_child_end end;
        int r;

        memset(ret, 0, sizeof(*ret));
        r = na_child_call(va_child, (void *)(uintptr_t)node, timeout_of(userdata), -1, ret,
                          sizeof(*ret), &end);
        if (r < 0)
                return r;
        outcome(&end, ret);
        return 0;
}

int na_va_isolated_start(void *userdata, const char *node, void **ret_job)
{
        struct na_child *c = malloc(sizeof(*c));
        int r;

        *ret_job = NULL;
        if (!c)
                return -ENOMEM;
        r = na_child_start(va_child, (void *)(uintptr_t)node, timeout_of(userdata), c);
        if (r < 0) {
                free(c);
                return r;
        }
        *ret_job = c;
        return 0;
}

int na_va_isolated_finish(void *userdata, void *job, struct vp_va *ret)
{
        struct na_child *c = job;
        struct na_child_end end;
        int r;

        (void)userdata;
        memset(ret, 0, sizeof(*ret));
        if (!c)
                return -EINVAL;
        r = na_child_wait(c, -1, ret, sizeof(*ret), &end);
        free(c);
        if (r < 0)
                return r;
        outcome(&end, ret);
        return 0;
}
