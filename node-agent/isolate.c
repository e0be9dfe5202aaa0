/* SPDX-License-Identifier: MIT */
/*
 * Run the VA-API part of a probe in a child process. Media drivers crash (SIGSEGV in
 * vaInitialize on an unknown id) and hang (waiting on a wedged GPU); the long-running agent
 * must survive both and say which it was. The child writes its struct vp_va as is to a
 * pipe and exits (child.c); the parent waits with a deadline and kills it when the time is
 * up.
 * With the exercise, the child also works in a struct vp_va shared with the parent
 * (MAP_SHARED), which the library fills as it goes: when a job hangs or crashes, the parent
 * still has the listing and every step done, and knows which step it was in. Each step has
 * its own deadline, an alarm() in the child whose default action ends it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "na.h"

struct va_job {
        struct na_child child;
        const char *node;
        int cmd[2]; /* a pre-forked worker's orders: node and flags; -1 when forked for one */
        unsigned flags;
        int init_s;           /* with the exercise: the listing's own deadline, seconds */
        struct vp_va *shared; /* MAP_SHARED, with the exercise; NULL otherwise */
};

static void step_alarm(void *userdata, int step)
{
        (void)userdata;
        alarm(step >= 0 ? VP_EX_STEP_SECONDS : 0);
}

/* The child: libva on one node, the answer as the plain struct. */
static int va_child(int wfd, void *arg)
{
        const struct va_job *j = arg;
        const struct vp_va_hooks hooks = {.step = step_alarm};
        struct vp_va *va = j->shared ? j->shared : calloc(1, sizeof(*va));
        int devnull;

        signal(SIGALRM, SIG_DFL);
        /* With the exercise the parent waits longer; the listing keeps its own deadline. */
        if (j->init_s)
                alarm((unsigned)j->init_s);
        /* Drivers print; stdout may be carrying a JSON document for the user. */
        if (!getenv("NODEPROBE_DEBUG")) {
                devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
                if (devnull >= 0) {
                        dup2(devnull, STDOUT_FILENO);
                        dup2(devnull, STDERR_FILENO);
                        close(devnull);
                }
        }
        if (!va || vp_va_probe_node_ex(j->node, j->flags, &hooks, va) < 0)
                return 3;
        na_write_all(wfd, va, sizeof(*va));
        return 0;
}

/* What a pre-forked worker is told once the probe knows its node (its flags and deadline it
 * has from the fork: a spare is only used for the flags it was made with). */
struct va_order {
        char node[64];
};

/* A worker forked before the probe listed the GPUs: on a small VM the new process takes one
 * or two milliseconds to be scheduled, which then passes while libdrm lists the devices. It
 * waits for its order, and works as va_child; end of file without one: not needed. */
static int va_worker(int wfd, void *arg)
{
        struct va_job *j = arg; /* this process's own copy */
        struct va_order o;
        size_t got = 0;

        close(j->cmd[1]);
        while (got < sizeof(o)) {
                ssize_t k = read(j->cmd[0], (char *)&o + got, sizeof(o) - got);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return 0;
                got += (size_t)k;
        }
        o.node[sizeof(o.node) - 1] = '\0';
        j->node = o.node;
        return va_child(wfd, j);
}

static int timeout_of(const struct na_isolate *iso, unsigned flags)
{
        int t = iso && iso->timeout_ms > 0 ? iso->timeout_ms : 10000;
        /* The exercise's steps have their own deadlines on top of the listing's. */
        return flags & VP_VA_EXERCISE ? t + VP_MAX_EX_STEPS * VP_EX_STEP_SECONDS * 1000 : t;
}

/* How the child ended, as the probe's outcome. A child that listed the configs and then
 * hung or died in an exercise step keeps the listing; the step says what happened. */
static void outcome(const struct na_child_end *end, const struct vp_va *shared, struct vp_va *ret)
{
        struct na_child_end e = *end;

        if (e.complete)
                return;
        if (e.signal == SIGALRM) { /* the child's own deadline */
                e.signal = 0;
                e.timed_out = true;
        }
        end = &e;
        if (shared && shared->outcome == VP_VA_OK && shared->exercise.running >= 0 &&
            shared->exercise.running < VP_MAX_EX_STEPS) {
                struct vp_ex_step *s;

                *ret = *shared;
                s = &ret->exercise.steps[ret->exercise.running];
                ret->exercise.running = -1;
                if (end->timed_out) {
                        s->outcome = VP_EX_HUNG;
                        s->ms = VP_EX_STEP_SECONDS * 1000;
                        snprintf(s->detail, sizeof(s->detail), "%s did not return within %d s",
                                 s->call[0] ? s->call : "the job", VP_EX_STEP_SECONDS);
                } else {
                        s->outcome = VP_EX_CRASHED;
                        ret->child_signal = end->signal;
                        snprintf(s->detail, sizeof(s->detail), "the driver died in %s (%s)",
                                 s->call[0] ? s->call : "the job",
                                 end->signal ? strsignal(end->signal) : "no reply");
                }
                return;
        }
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

static void job_free(struct va_job *j)
{
        if (!j)
                return;
        if (j->cmd[0] >= 0)
                close(j->cmd[0]);
        if (j->cmd[1] >= 0)
                close(j->cmd[1]);
        if (j->shared)
                munmap(j->shared, sizeof(*j->shared));
        free(j);
}

static struct va_job *new_job(const struct na_isolate *iso, unsigned flags, int *err)
{
        struct va_job *j = calloc(1, sizeof(*j));

        *err = -ENOMEM;
        if (!j)
                return NULL;
        j->cmd[0] = j->cmd[1] = -1;
        j->flags = flags;
        if (flags & VP_VA_EXERCISE) {
                void *m = mmap(NULL, sizeof(*j->shared), PROT_READ | PROT_WRITE,
                               MAP_SHARED | MAP_ANONYMOUS, -1, 0);
                if (m == MAP_FAILED) {
                        *err = -errno;
                        free(j);
                        return NULL;
                }
                j->shared = m;
                /* The parent waits for the steps too; the listing keeps its own deadline. */
                j->init_s = (timeout_of(iso, 0) + 999) / 1000;
        }
        *err = 0;
        return j;
}

int na_va_isolated_prefork(struct na_isolate *iso, const struct vp_options *o)
{
        unsigned flags = o->exercise ? VP_VA_EXERCISE : 0;
        struct va_job *j;
        int r;

        if (!iso || iso->spare || o->skip_va || !o->va_runner)
                return 0;
        j = new_job(iso, flags, &r);
        if (!j)
                return r;
        if (pipe2(j->cmd, O_CLOEXEC) < 0) {
                r = -errno;
                j->cmd[0] = j->cmd[1] = -1;
                job_free(j);
                return r;
        }
        r = na_child_start(va_worker, j, timeout_of(iso, flags), &j->child);
        if (r < 0) {
                job_free(j);
                return r;
        }
        close(j->cmd[0]);
        j->cmd[0] = -1;
        iso->spare = j;
        return 0;
}

void na_va_isolated_release(struct na_isolate *iso)
{
        struct va_job *j = iso ? iso->spare : NULL;
        struct na_child_end end;

        if (!j)
                return;
        iso->spare = NULL;
        close(j->cmd[1]); /* end of file: the worker exits */
        j->cmd[1] = -1;
        na_child_wait(&j->child, -1, NULL, 0, &end);
        job_free(j);
}

/* Hand the node to the spare worker; false when there is none for these flags. */
static bool use_spare(struct na_isolate *iso, const char *node, unsigned flags, struct va_job **ret)
{
        struct va_job *j = iso ? iso->spare : NULL;
        struct va_order o = {{0}};
        ssize_t k;

        if (!j || j->flags != flags || strlen(node) >= sizeof(o.node))
                return false;
        iso->spare = NULL;
        snprintf(o.node, sizeof(o.node), "%s", node);
        do
                k = write(j->cmd[1], &o, sizeof(o));
        while (k < 0 && errno == EINTR);
        close(j->cmd[1]);
        j->cmd[1] = -1;
        if (k != (ssize_t)sizeof(o)) { /* it died waiting: reap it, fork one */
                struct na_child_end end;
                na_child_wait(&j->child, -1, NULL, 0, &end);
                job_free(j);
                return false;
        }
        j->node = node;
        na_child_set_deadline(&j->child, timeout_of(iso, flags));
        *ret = j;
        return true;
}

int na_va_isolated_start(void *userdata, const char *node, unsigned flags, void **ret_job)
{
        struct va_job *j = NULL;
        int r;

        *ret_job = NULL;
        if (use_spare(userdata, node, flags, &j)) {
                *ret_job = j;
                return 0;
        }
        j = new_job(userdata, flags, &r);
        if (!j)
                return r;
        j->node = node;
        r = na_child_start(va_child, j, timeout_of(userdata, flags), &j->child);
        if (r < 0) {
                job_free(j);
                return r;
        }
        *ret_job = j;
        return 0;
}

int na_va_isolated_finish(void *userdata, void *job, struct vp_va *ret)
{
        struct va_job *j = job;
        struct na_child_end end;
        int r;

        (void)userdata;
        memset(ret, 0, sizeof(*ret));
        if (!j)
                return -EINVAL;
        r = na_child_wait(&j->child, -1, ret, sizeof(*ret), &end);
        if (r == 0)
                outcome(&end, j->shared, ret);
        job_free(j);
        return r;
}

int na_va_isolated(void *userdata, const char *node, unsigned flags, struct vp_va *ret)
{
        void *job = NULL;
        int r = na_va_isolated_start(userdata, node, flags, &job);

        memset(ret, 0, sizeof(*ret));
        if (r < 0)
                return r;
        return na_va_isolated_finish(userdata, job, ret);
}
