/* SPDX-License-Identifier: MIT */
/*
 * Work in a forked child with a deadline: what can crash, hang or load heavy libraries (libva
 * and its drivers; libcurl for the API) runs there, and the parent gets back a plain struct
 * through a pipe (both ends are the same binary: no encoding needed). The parent stays small
 * and survives whatever the child does.
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

static long long mono_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A descriptor the parent keeps serving while it waits on a child (the agent's listener). */
static struct {
        int fd;
        void (*fn)(void *);
        void *arg;
} side = {.fd = -1};

void na_child_side(int fd, void (*fn)(void *), void *arg)
{
        side.fd = fn ? fd : -1;
        side.fn = fn;
        side.arg = arg;
}

void na_write_all(int fd, const void *data, size_t len)
{
        const char *p = data;
        while (len > 0) {
                ssize_t k = write(fd, p, len);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return;
                p += k;
                len -= (size_t)k;
        }
}

int na_child_start(na_child_fn fn, void *arg, int timeout_ms, struct na_child *ret)
{
        int fds[2];
        pid_t pid;

        ret->pid = -1;
        ret->fd = -1;
        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        fflush(NULL); /* the child must not flush our buffered output a second time */
        pid = fork();
        if (pid < 0) {
                int e = errno;
                close(fds[0]);
                close(fds[1]);
                return -e;
        }
        if (pid == 0) {
                sigset_t all;
                /* The agent blocks its signals for signalfd; the child takes them normally. */
                sigfillset(&all);
                sigprocmask(SIG_UNBLOCK, &all, NULL);
                close(fds[0]);
                side.fd = -1; /* the listener belongs to the parent */
                _exit(fn(fds[1], arg));
        }
        close(fds[1]);
        ret->pid = pid;
        ret->fd = fds[0];
        ret->deadline_ms = mono_ms() + timeout_ms;
        return 0;
}

void na_child_set_deadline(struct na_child *c, int timeout_ms)
{
        c->deadline_ms = mono_ms() + timeout_ms;
}

int na_child_wait(struct na_child *c, int abort_fd, void *reply, size_t reply_len,
                  struct na_child_end *end)
{
        int status = 0;
        size_t used = 0;

        memset(end, 0, sizeof(*end));
        if (c->pid <= 0 || c->fd < 0)
                return -EINVAL;
        for (;;) {
                /* poll() skips negative descriptors: absent ones are -1. */
                struct pollfd p[3] = {{.fd = c->fd, .events = POLLIN},
                                      {.fd = abort_fd, .events = POLLIN},
                                      {.fd = side.fd, .events = POLLIN}};
                long long left = c->deadline_ms - mono_ms();
                ssize_t k;
                int pr;

                if (left <= 0) {
                        end->timed_out = true;
                        break;
                }
                pr = poll(p, 3, (int)left);
                if (pr < 0 && errno == EINTR)
                        continue;
                if (pr == 0) {
                        end->timed_out = true;
                        break;
                }
                if (abort_fd >= 0 && (p[1].revents & POLLIN)) {
                        end->aborted = true;
                        break;
                }
                if (side.fd >= 0 && (p[2].revents & POLLIN)) {
                        side.fn(side.arg);
                        if (!(p[0].revents & (POLLIN | POLLHUP)))
                                continue;
                }
                if (used >= reply_len) {
                        char extra;
                        if (read(c->fd, &extra, 1) > 0)
                                end->oversized = true; /* more than the struct: garbage */
                        break;
                }
                k = read(c->fd, (char *)reply + used, reply_len - used);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                used += (size_t)k;
        }
        close(c->fd);
        c->fd = -1;
        if (end->timed_out || end->aborted || end->oversized)
                kill(c->pid, SIGKILL);
        while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
                ;
        c->pid = -1;
        if (WIFSIGNALED(status) && !end->timed_out && !end->aborted)
                end->signal = WTERMSIG(status);
        end->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        end->complete = !end->timed_out && !end->aborted && !end->oversized && !end->signal &&
                        end->exit_code == 0 && used == reply_len;
        return 0;
}

int na_child_call(na_child_fn fn, void *arg, int timeout_ms, int abort_fd, void *reply,
                  size_t reply_len, struct na_child_end *end)
{
        struct na_child c;
        int r;

        memset(end, 0, sizeof(*end));
        r = na_child_start(fn, arg, timeout_ms, &c);
        if (r < 0)
                return r;
        return na_child_wait(&c, abort_fd, reply, reply_len, end);
}
