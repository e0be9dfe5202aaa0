/* SPDX-License-Identifier: MIT */
/*
 * Run the VA-API part of a probe in a child process. Media drivers crash (SIGSEGV in
 * vaInitialize on an unknown id) and hang (waiting on a wedged GPU); the long-running agent
 * must survive both and say which it was. The child writes its struct vp_va as JSON to a
 * pipe and exits; the parent waits with a deadline and kills it when the time is up.
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

#define CHILD_REPLY_CAP (512 * 1024)

static long long now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void write_all(int fd, const char *buf, size_t len)
{
        while (len > 0) {
                ssize_t k = write(fd, buf, len);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return;
                }
                buf += k;
                len -= (size_t)k;
        }
}

static __attribute__((noreturn)) void child_main(int wfd, const char *node)
{
        struct vp_va *va = calloc(1, sizeof(*va));
        char *json = NULL;
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
        if (!va || vp_va_probe_node(node, va) < 0 || vp_va_to_json(va, &json) < 0)
                _exit(3);
        write_all(wfd, json, strlen(json));
        free(json);
        free(va);
        close(wfd);
        _exit(0);
}

int na_va_isolated(void *userdata, const char *node, struct vp_va *ret)
{
        const struct na_isolate *iso = userdata;
        int timeout = iso && iso->timeout_ms > 0 ? iso->timeout_ms : 10000;
        int fds[2], status = 0, r = 0;
        char *buf = NULL;
        size_t used = 0;
        long long deadline;
        bool timed_out = false;
        pid_t pid;

        memset(ret, 0, sizeof(*ret));
        buf = malloc(CHILD_REPLY_CAP + 1);
        if (!buf)
                return -ENOMEM;
        if (pipe2(fds, O_CLOEXEC) < 0) {
                r = -errno;
                goto out;
        }
        fflush(NULL); /* the child must not flush our buffered output a second time */
        pid = fork();
        if (pid < 0) {
                r = -errno;
                close(fds[0]);
                close(fds[1]);
                goto out;
        }
        if (pid == 0) {
                close(fds[0]);
                child_main(fds[1], node);
        }
        close(fds[1]);

        deadline = now_ms() + timeout;
        for (;;) {
                struct pollfd p = {.fd = fds[0], .events = POLLIN};
                long long left = deadline - now_ms();
                ssize_t k;
                int pr;

                if (left <= 0) {
                        timed_out = true;
                        break;
                }
                pr = poll(&p, 1, (int)left);
                if (pr < 0 && errno == EINTR)
                        continue;
                if (pr == 0) {
                        timed_out = true;
                        break;
                }
                if (used >= CHILD_REPLY_CAP) /* an oversized reply is garbage */
                        break;
                k = read(fds[0], buf + used, CHILD_REPLY_CAP - used);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                used += (size_t)k;
        }
        close(fds[0]);
        if (timed_out)
                kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        buf[used] = '\0';

        if (timed_out) {
                ret->outcome = VP_VA_TIMED_OUT;
        } else if (WIFSIGNALED(status)) {
                ret->outcome = VP_VA_CRASHED;
                ret->child_signal = WTERMSIG(status);
        } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
                   vp_va_from_json(buf, used, ret) < 0) {
                memset(ret, 0, sizeof(*ret));
                ret->outcome = VP_VA_CHILD_FAILED;
        }
out:
        free(buf);
        return r;
}
