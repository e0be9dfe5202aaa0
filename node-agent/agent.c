/* SPDX-License-Identifier: MIT */
/*
 * nodeprobe agent: the long-running DaemonSet mode, in the style of node-feature-discovery.
 *
 * The parent is small and quiet: it holds the last settled and the last applied labels, the
 * timers, an inotify watch on /dev/dri and a signalfd. Everything heavy runs in short-lived
 * children (child.c) that hand back plain structs: the probe (libdrm, libva in its own
 * grandchild, the evaluation) and the API sync (libcurl, loaded only there).
 *
 * - A fingerprint of the GPU state (vp_fingerprint: sysfs and /dev/dri, no libva, no API
 *   request) is taken every rescan interval and at once on inotify events on /dev/dri. A full
 *   probe runs only when it changes, on the resync timer (with jitter, to catch driver
 *   upgrades) and on SIGHUP.
 * - After a change the agent re-probes with short delays until two probes agree, so a
 *   driver that is still binding is never published as "no-gpu" and labels do not flap.
 * - It writes only on change: an unchanged probe costs no API request. A failed sync keeps
 *   the desired state and is retried with capped backoff and jitter; a 401/403 or a missing
 *   Node is logged once (again once an hour) and retried every 5 minutes, so a fixed RBAC
 *   heals without a restart.
 * - SIGTERM/SIGINT end an in-flight request at once (the child is killed; a server-side apply
 *   is atomic, so no label is half-written) and exit 0 with the labels kept.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "labeler/labeler.h"
#include "na.h"
#include "nodeprobe_version.h"
#include "vaprobe/common/strings.h"

#define RETRY_AUTH_MS (5 * 60 * 1000) /* 401/403/404: RBAC or the node name needs fixing */
#define RETRY_CAP_MS (60 * 1000)      /* transient failures back off up to a minute */
#define LOG_AGAIN_MS (60 * 60 * 1000) /* a standing error is logged again once an hour */
#define SYNC_TIMEOUT_MS (45 * 1000)   /* the sync child: a whole GET + apply with retries */

/* ---- what the children hand back ---- */

struct probe_msg {
        int32_t node_status;
        uint32_t n_gpus;
        struct lbl_summary sum; /* the state, typed: the metrics render it */
        struct lbl_set labels;  /* the tier's labels, rendered from sum */
        char summary[256];      /* "check: summary" of the first failing check, or "" */
        char reason[32];        /* the condition's reason, CamelCase */
        char message[1024];     /* the condition's message: summary and fix */
        bool exercised;         /* this probe ran the exercise: ex is new */
        char ex_node[32];       /* the render node it is about (the primary GPU's) */
        struct vp_exercise ex;
};

struct sync_msg {
        int32_t rc;        /* 0, or the negative errno of the failure */
        int32_t exit_code; /* NA_EXIT_* of a configuration failure, 0 otherwise */
        int64_t http_status;
        int32_t changed;
        int32_t cond_changed;
        int32_t event_posted;
        int32_t admission; /* refused by an admission policy (403 or 422): needs a person */
        uint32_t requests, gets, patches;
        struct lbl_set live; /* what this manager owns on the Node after the sync */
        char message[512];
};

struct agent {
        const struct na_config *cfg;
        const char *manager;
        enum lbl_tier tier;
        int sfd, ifd, wd_dri, wd_dev;
        bool stop;

        uint64_t fp;
        bool fp_known;
        /* The exercise runs at start and after a change, never on the resync timer; the
         * probes in between carry its last result so that labels and status do not flap. */
        bool ex_due, ex_known;
        char ex_node[32];
        struct vp_exercise ex;
        struct lbl_set desired; /* last settled probe */
        int32_t node_status;    /* of the last settled probe */
        char cond_reason[32], cond_message[1024];
        char applied_cond[1100];  /* "status|reason|message" the API last took, or "" */
        long long event_times[4]; /* the last Events posted (ring) */
        unsigned n_events;
        bool allow_event; /* rate limit: at most 4 Events in 10 minutes (a flapping GPU) */
        bool heartbeat_due;
        long long next_heartbeat;
        bool desired_known;
        struct lbl_set applied; /* what the API server last said we own */
        bool applied_known;

        /* settling */
        bool settling;
        unsigned settle_step;
        struct lbl_set candidate;
        int32_t candidate_status;
        long long next_settle;

        long long next_rescan, next_resync, next_sync, next_features, next_usage;
        bool sync_due;
        unsigned sync_failures;
        long long last_error_log;
        char last_error[512];

        unsigned long loops, probes, syncs, api_requests, label_changes;
        struct na_http *http;
        struct na_http_snapshot *snap;
        struct na_watch *watch; /* --usage */
        unsigned seed;
};

static long long now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One line per event: text ("nodeprobe: ...") or JSON ({"time","level","msg"}). */
__attribute__((format(printf, 3, 4))) static void alog(const struct agent *a, const char *level,
                                                       const char *fmt, ...)
{
        char msg[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (a->cfg->log_json) {
                char ts[32];
                time_t t = time(NULL);
                struct tm tm;
                json_t *o;
                char *line;

                gmtime_r(&t, &tm);
                strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
                o = json_pack("{s:s, s:s, s:s, s:s}", "time", ts, "level", level, "tier",
                              a->tier == LBL_TIER_DISCOVER ? "discover" : "verify", "msg", msg);
                line = o ? json_dumps(o, JSON_COMPACT) : NULL;
                if (line)
                        fprintf(stderr, "%s\n", line);
                free(line);
                json_decref(o);
        } else {
                fprintf(stderr, "nodeprobe: %s%s%s\n", strcmp(level, "info") ? level : "",
                        strcmp(level, "info") ? ": " : "", msg);
        }
        fflush(stderr);
}

static long jitter(struct agent *a, long ms, int percent)
{
        long span = ms * percent / 100;
        if (span <= 0)
                return ms;
        return ms - span + (long)(rand_r(&a->seed) % (unsigned)(2 * span + 1));
}

/* The condition's reason, CamelCase from the node status (the label's value). */
VPI_STR_TABLE(reasons, _VP_NODE_STATUS_MAX, "GPUReady", "Degraded", "NoGPU", "NoKernelDriver",
              "NoRenderNode", "RenderNodeDenied", "VAFailed");

static const char *condition_reason(enum vp_node_status s)
{
        return vpi_str_of(reasons, _VP_NODE_STATUS_MAX, (int)s, "Unknown");
}

static void cond_key(const struct agent *a, char *buf, size_t n)
{
        snprintf(buf, n, "%s|%s|%.900s", a->node_status == VP_NODE_OK ? "True" : "False",
                 a->cond_reason, a->cond_message);
}

static bool same_labels(const struct lbl_set *x, const struct lbl_set *y)
{
        if (x->n != y->n)
                return false;
        for (uint32_t i = 0; i < x->n; i++) {
                const char *v = lbl_get(y, x->labels[i].key);
                if (!v || strcmp(v, x->labels[i].value) != 0)
                        return false;
        }
        return true;
}

/* ---- the probe, in a child ---- */

static int probe_child(int wfd, void *arg)
{
        const struct agent *a = arg;
        const struct na_config *cfg = a->cfg;
        struct na_isolate iso = {.timeout_ms = cfg->va_timeout_ms};
        struct vp_va_runner runner = NA_VA_RUNNER(&iso);
        struct vp_options o = {.root = cfg->root,
                               .device = cfg->device,
                               .dmesg_file = cfg->dmesg_file,
                               .skip_va = a->tier == LBL_TIER_DISCOVER,
                               .exercise = a->ex_due,
                               .va_runner = &runner};
        struct lbl_options lo = {.prefix = cfg->label_prefix,
                                 .tier = a->tier,
                                 .no_intel_gpu_label = cfg->no_intel_gpu_label};
        struct probe_msg *m = calloc(1, sizeof(*m));
        struct vp_facts *f = NULL;
        struct vp_eval *e = NULL;
        int r;

        if (!m)
                return 3;
        na_va_isolated_prefork(&iso, &o);
        r = vp_probe(&o, &f);
        na_va_isolated_release(&iso);
        if (r < 0)
                return 3;
        if (!a->ex_due && a->ex_known)
                for (uint32_t i = 0; i < f->n_gpus; i++)
                        if (strcmp(f->gpus[i].render_node, a->ex_node) == 0 &&
                            f->gpus[i].va.outcome == VP_VA_OK)
                                f->gpus[i].va.exercise = a->ex;
        if (vp_evaluate(f, &e) < 0 || lbl_summarize(f, e, &m->sum) < 0 ||
            lbl_render(&m->sum, &lo, &m->labels) < 0)
                return 3;
        if (a->ex_due && e->primary >= 0) {
                const struct vp_gpu *g = &f->gpus[e->gpus[e->primary].gpu];
                m->exercised = true;
                m->ex = g->va.exercise;
                snprintf(m->ex_node, sizeof(m->ex_node), "%s", g->render_node);
        }
        m->node_status = (int32_t)e->node_status;
        m->n_gpus = e->n_gpus;
        snprintf(m->reason, sizeof(m->reason), "%s", condition_reason(e->node_status));
        snprintf(m->message, sizeof(m->message), "VA-API works on %u Intel GPU(s)", e->n_gpus);
        for (uint32_t i = 0; i < e->n_checks; i++) {
                const struct vp_check *c = &e->checks[i];
                if (c->status == VP_STATUS_FAIL) {
                        snprintf(m->summary, sizeof(m->summary), "%.60s: %.190s", c->id,
                                 c->summary);
                        /* The first failing check's summary and fix, at most 1 KiB. */
                        snprintf(m->message, sizeof(m->message), "%.120s: %.250s. Fix: %.600s",
                                 c->id, c->summary, c->fix);
                        break;
                }
        }
        if (e->node_status == VP_NODE_NO_GPU)
                snprintf(m->message, sizeof(m->message), "no Intel GPU in this node");
        na_write_all(wfd, m, sizeof(*m));
        return 0;
}

static bool probe_run(struct agent *a, struct probe_msg *m);

static bool probe(struct agent *a, struct probe_msg *m)
{
        long long t0 = now_ms();
        bool ok = probe_run(a, m);

        if (ok && a->ex_due) {
                a->ex_due = false;
                a->ex_known = m->exercised;
                if (m->exercised) {
                        a->ex = m->ex;
                        snprintf(a->ex_node, sizeof(a->ex_node), "%s", m->ex_node);
                        alog(a, "info", "exercise on %s: %s", a->ex_node,
                             lbl_exercise_value(&a->ex));
                }
        }
        if (a->snap) {
                a->snap->probe_ms = now_ms() - t0;
                if (ok)
                        a->snap->probes_ok++;
                else
                        a->snap->probes_failed++;
        }
        return ok;
}

static bool probe_run(struct agent *a, struct probe_msg *m)
{
        struct na_child_end end;
        int timeout = a->cfg->va_timeout_ms * 2 + 10000; /* the VA grandchild has its own */

        if (a->ex_due)
                timeout += VP_VA_PARALLEL * VP_MAX_EX_STEPS * VP_EX_STEP_SECONDS * 1000;

        a->probes++;
        if (na_child_call(probe_child, a, timeout, a->sfd, m, sizeof(*m), &end) < 0) {
                alog(a, "error", "cannot start the probe: %s", strerror(errno));
                return false;
        }
        if (end.aborted)
                return false; /* a signal: the loop reads it next */
        if (!end.complete) {
                alog(a, "error", "the probe %s; keeping the last result",
                     end.timed_out ? "timed out"
                     : end.signal  ? "crashed"
                                   : "failed");
                return false;
        }
        return true;
}

/* ---- the API sync, in a child ---- */

static int sync_child(int wfd, void *arg)
{
        struct agent *a = arg;
        static const struct lbl_client_options co = {
            .retry_budget_ms = 8000, .timeout_ms = 10000, .connect_timeout_ms = 5000};
        struct sync_msg *m = calloc(1, sizeof(*m));
        struct lbl_node_view *view = calloc(1, sizeof(*view));
        struct lbl_apply_result *res = calloc(1, sizeof(*res));
        struct lbl_set *want = calloc(1, sizeof(*want));
        struct lbl_client *c = NULL;
        struct lbl_error err = {0};
        struct lbl_stats st;
        char node[256];
        int rc;

        if (!m || !view || !res || !want)
                return 3;
        rc = na_kube_open(a->cfg, a->manager, &co, &c, node, sizeof(node));
        if (rc != NA_EXIT_OK) {
                m->rc = -EINVAL;
                m->exit_code = rc;
                snprintf(m->message, sizeof(m->message), "no usable API configuration");
                goto out;
        }
        *want = a->desired;
        m->rc = lbl_node_get(c, node, view, &err);
        if (m->rc == 0) {
                /* NFD owns the Intel key when its annotation lists it. */
                for (uint32_t i = 0; i < want->n; i++) {
                        if (strcmp(want->labels[i].key, LBL_INTEL_GPU_KEY) == 0 &&
                            lbl_nfd_owns(view->nfd_feature_labels, LBL_INTEL_GPU_KEY)) {
                                want->labels[i] = want->labels[--want->n];
                                break;
                        }
                }
                m->rc = lbl_apply(c, node, want, 0, view, res, &err);
        }
        if (m->rc == 0 && a->tier == LBL_TIER_VERIFY) {
                /* The condition, and an Event on each transition (one Warning into not-ok,
                 * one Normal on recovery), judged against what the Node says now. */
                bool ok = a->node_status == VP_NODE_OK, changed = false;
                struct lbl_condition want_cond = {.ok = ok,
                                                  .reason = a->cond_reason,
                                                  .message = a->cond_message,
                                                  .heartbeat = a->heartbeat_due};
                const char *was = view->cond.known ? view->cond.status : "";
                bool transition = ok ? strcmp(was, "False") == 0 : strcmp(was, "False") != 0;

                m->rc = lbl_condition_apply(c, node, &want_cond, view, &changed, &err);
                m->cond_changed = changed;
                if (m->rc == 0 && transition && a->allow_event) {
                        m->rc = lbl_event_post(c, node, view->uid, !ok, a->cond_reason,
                                               a->cond_message, &err);
                        m->event_posted = m->rc == 0;
                }
        }
        if (m->rc == 0) {
                m->changed = res->changed;
                m->live = res->live;
        } else {
                m->http_status = err.http_status;
                m->admission = lbl_error_is_admission(&err);
                snprintf(m->message, sizeof(m->message), "node %.64s: %.400s", node, err.message);
        }
        lbl_client_stats(c, &st);
        m->requests = st.requests;
        m->gets = st.gets;
        m->patches = st.patches;
out:
        na_write_all(wfd, m, sizeof(*m));
        lbl_client_free(c);
        return 0;
}

static void sync_api(struct agent *a, long long now)
{
        struct sync_msg *m = calloc(1, sizeof(*m));
        struct na_child_end end;
        bool auth;

        if (!m)
                return;
        a->syncs++;
        a->allow_event = a->n_events < 4 || now - a->event_times[a->n_events % 4] >= 600 * 1000;
        if (na_child_call(sync_child, a, SYNC_TIMEOUT_MS, a->sfd, m, sizeof(*m), &end) < 0 ||
            !end.complete) {
                if (!end.aborted)
                        alog(a, "error", "the API sync %s; will retry",
                             end.timed_out ? "timed out" : "failed");
                m->rc = -EIO;
                snprintf(m->message, sizeof(m->message), "the sync child failed");
        }
        if (end.aborted) {
                free(m);
                return; /* SIGTERM: the loop stops next */
        }
        a->api_requests += m->requests;
        if (a->snap) {
                a->snap->api_gets += m->gets;
                a->snap->api_patches += m->patches;
                a->snap->api_posts += (unsigned long)m->event_posted;
        }
        if (m->rc == 0) {
                if (m->changed) {
                        a->label_changes++;
                        alog(a, "info", "labels applied (%u)", m->live.n);
                }
                if (a->last_error[0])
                        alog(a, "info", "API sync works again");
                if (m->cond_changed)
                        alog(a, "info", "condition %s: %s", LBL_CONDITION_TYPE, a->cond_reason);
                if (m->event_posted) {
                        a->event_times[a->n_events++ % 4] = now;
                        alog(a, "info", "event %s posted", a->cond_reason);
                }
                if (a->tier == LBL_TIER_VERIFY)
                        cond_key(a, a->applied_cond, sizeof(a->applied_cond));
                a->applied = m->live;
                a->applied_known = true;
                a->heartbeat_due = false;
                a->sync_due = false;
                a->sync_failures = 0;
                a->last_error[0] = '\0';
                if (a->snap) {
                        a->snap->config_error[0] = '\0';
                        a->snap->last_success = time(NULL);
                        a->snap->label_changes = a->label_changes;
                }
                free(m);
                return;
        }
        /* Keep the desired state and retry: a 401/403/404 needs a person (RBAC, the node's
         * name) and is retried every 5 minutes; the rest backs off, capped. */
        auth = m->http_status == 401 || m->http_status == 403 || m->http_status == 404 ||
               m->admission || m->exit_code == NA_EXIT_KUBE_CONFIG || m->exit_code == NA_EXIT_USAGE;
        a->sync_failures++;
        if (a->snap) {
                struct na_http_snapshot *sn = a->snap;
                unsigned i;
                for (i = 0; i < sn->n_codes && sn->codes[i] != (long)m->http_status; i++)
                        ;
                if (i == sn->n_codes && sn->n_codes < 8)
                        sn->codes[sn->n_codes++] = (long)m->http_status;
                if (i < 8)
                        sn->code_counts[i]++;
                if (auth)
                        snprintf(sn->config_error, sizeof(sn->config_error), "API: %.240s",
                                 m->message);
        }
        if (auth) {
                a->next_sync = now + RETRY_AUTH_MS;
        } else {
                long delay = 1000;
                for (unsigned i = 1; i < a->sync_failures && delay < RETRY_CAP_MS; i++)
                        delay *= 2;
                a->next_sync = now + jitter(a, delay > RETRY_CAP_MS ? RETRY_CAP_MS : delay, 20);
        }
        if (strcmp(a->last_error, m->message) != 0 || now - a->last_error_log >= LOG_AGAIN_MS) {
                alog(a, "error", "%s%s", m->message,
                     m->admission            ? " (refused by an admission policy)"
                     : m->http_status == 403 ? " (RBAC: nodes get, patch)"
                                             : "");
                snprintf(a->last_error, sizeof(a->last_error), "%s", m->message);
                a->last_error_log = now;
        }
        free(m);
}

/* ---- NFD local-source features file ---- */

static int write_features(struct agent *a, long long now)
{
        const char *path = a->cfg->features_file;
        char dir[PATH_MAX], tmp[PATH_MAX + 32], stamp[32];
        const char *slash = strrchr(path, '/');
        time_t expiry = time(NULL) + (time_t)(3 * (a->cfg->resync_ms / 1000 + 1));
        struct tm tm;
        FILE *f;
        int fd, dfd;

        snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
        if (!dir[0])
                snprintf(dir, sizeof(dir), "/");
        /* A hidden name in the same directory: NFD ignores dot files, and rename() within one
         * file system is atomic, so a reader never sees half a file. */
        snprintf(tmp, sizeof(tmp), "%s/.nodeprobe-XXXXXX", dir);
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        f = fdopen(fd, "w");
        if (!f) {
                close(fd);
                unlink(tmp);
                return -ENOMEM;
        }
        gmtime_r(&expiry, &tm);
        strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
        fprintf(f, "# +expiry-time=%s\n# written by nodeprobe %s (%s tier)\n", stamp,
                NODEPROBE_VERSION, a->tier == LBL_TIER_DISCOVER ? "discover" : "verify");
        for (uint32_t i = 0; i < a->desired.n; i++)
                fprintf(f, "%s=%s\n", a->desired.labels[i].key, a->desired.labels[i].value);
        if (fflush(f) != 0 || fsync(fd) != 0 || fchmod(fd, 0644) != 0) {
                fclose(f);
                unlink(tmp);
                return -EIO;
        }
        fclose(f);
        if (rename(tmp, path) < 0) {
                int e = errno;
                unlink(tmp);
                return -e;
        }
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
                fsync(dfd);
                close(dfd);
        }
        /* Rewrite before the expiry nears: after one resync interval. */
        a->next_features = now + a->cfg->resync_ms;
        return 0;
}

/* ---- GPU usage (--usage): two fdinfo scans for /metrics, in the parent (no libva) ---- */

static void usage_sample(struct agent *a, long long now)
{
        struct na_http_snapshot *s = a->snap;
        char note[512];
        int r;

        if (!a->watch && na_watch_new(a->cfg, NULL, &a->watch) < 0)
                return;
        r = na_watch_sample(a->watch, now, s, note, sizeof(note));
        if (r < 0) { /* no /proc under the root: say so once and stop sampling */
                alog(a, "warning", "--usage: cannot read /proc: %s", strerror(-r));
                s->usage_scans = 0;
                a->next_usage = LLONG_MAX;
                return;
        }
        if (note[0])
                alog(a, "info", "%s", note);
        if (s->usage_scans == 1 && s->usage_cur.n_unreadable)
                alog(a, "info",
                     "--usage: %u of %u processes' descriptors are not readable (the host's "
                     "/proc and CAP_SYS_PTRACE show them all)",
                     s->usage_cur.n_unreadable, s->usage_cur.n_procs);
        if (!a->cfg->no_api && na_watch_api_due(a->watch)) {
                unsigned posted = 0;
                char msg[512];
                unsigned long gets = na_watch_gets(a->watch);
                r = na_watch_api(a->watch, &s->usage_cur, a->manager, now, a->sfd, msg, sizeof(msg),
                                 &posted);
                s->api_gets += na_watch_gets(a->watch) - gets;
                s->api_posts += posted;
                s->idle_events += posted;
                a->api_requests += posted + (na_watch_gets(a->watch) - gets);
                if (posted)
                        alog(a, "warning", "posted %u GPUAllocatedButIdle Event%s", posted,
                             posted == 1 ? "" : "s");
                if (r < 0)
                        alog(a, "warning", "--usage: the pods of this node: %s", msg);
        }
        na_http_update(a->http, s);
}

/* ---- publishing ---- */

static void publish(struct agent *a, long long now, bool changed)
{
        if (a->cfg->features_file && (changed || now >= a->next_features)) {
                int r = write_features(a, now);
                if (r < 0)
                        alog(a, "error", "cannot write %s: %s", a->cfg->features_file,
                             strerror(-r));
        }
        if (a->cfg->no_api)
                return;
        /* Write only on change: the applied set is what the server last said we own, and the
         * condition what it last took. */
        char key[sizeof(a->applied_cond)];
        cond_key(a, key, sizeof(key));
        if (!a->applied_known || !same_labels(&a->desired, &a->applied) ||
            (a->tier == LBL_TIER_VERIFY && strcmp(key, a->applied_cond) != 0)) {
                if (!a->sync_due)
                        a->next_sync = now;
                a->sync_due = true;
        }
}

static void settled(struct agent *a, const struct probe_msg *m, long long now)
{
        bool changed = !a->desired_known || !same_labels(&a->desired, &m->labels) ||
                       strcmp(a->cond_message, m->message) != 0;

        if (changed)
                alog(a, "info", "%s: %u Intel GPU(s), status %s%s%s",
                     a->desired_known ? "GPU state changed" : "first probe", m->n_gpus,
                     vp_node_status_str((enum vp_node_status)m->node_status),
                     m->summary[0] ? "; " : "", m->summary);
        a->desired = m->labels;
        a->desired_known = true;
        if (a->snap) {
                a->snap->probed = true;
                a->snap->sum = m->sum;
                a->snap->node_status = m->node_status;
                a->snap->n_gpus = m->n_gpus;
                if (a->cfg->no_api)
                        a->snap->last_success = time(NULL);
        }
        a->node_status = m->node_status;
        snprintf(a->cond_reason, sizeof(a->cond_reason), "%s", m->reason);
        snprintf(a->cond_message, sizeof(a->cond_message), "%s", m->message);
        a->settling = false;
        publish(a, now, changed);
}

/* A probe during settling: publish once two in a row agree. */
static void settle_probe(struct agent *a, long long now)
{
        /* The first confirmation comes quickly (a render node appears once i915 has bound:
         * labels within a second); while probes disagree, back off to 1, 3 and 10 s. */
        static const long defaults[] = {250, 1000, 3000, 10000};
        const long *delays = a->cfg->n_settle ? a->cfg->settle_ms : defaults;
        unsigned n = a->cfg->n_settle ? (unsigned)a->cfg->n_settle : 4;
        struct probe_msg *m = calloc(1, sizeof(*m));

        if (!m)
                return;
        if (!probe(a, m)) {
                /* keep settling: try again after the next delay */
        } else if (a->settling && a->settle_step > 0 && same_labels(&a->candidate, &m->labels) &&
                   a->candidate_status == m->node_status) {
                settled(a, m, now);
                free(m);
                return;
        } else {
                a->candidate = m->labels;
                a->candidate_status = m->node_status;
        }
        a->settling = true;
        a->next_settle = now + delays[a->settle_step < n ? a->settle_step : n - 1];
        if (a->settle_step < n)
                a->settle_step++;
        free(m);
}

static void start_settle(struct agent *a, long long now, const char *why)
{
        if (a->tier == LBL_TIER_VERIFY && !a->cfg->no_exercise && strcmp(why, "resync") != 0)
                a->ex_due = true;
        if (a->settling)
                return;
        if (a->desired_known)
                alog(a, "info", "%s: probing", why);
        a->settle_step = 0;
        settle_probe(a, now);
}

/* ---- events: signals and inotify ---- */

static void watch_dri(struct agent *a)
{
        if (a->ifd < 0)
                return;
        if (a->wd_dri < 0)
                a->wd_dri = inotify_add_watch(a->ifd, "/dev/dri",
                                              IN_CREATE | IN_DELETE | IN_ATTRIB | IN_MOVED_FROM |
                                                  IN_MOVED_TO | IN_DELETE_SELF);
        /* No /dev/dri yet (no GPU, or no driver): watch /dev for it to appear. */
        if (a->wd_dri < 0 && a->wd_dev < 0)
                a->wd_dev = inotify_add_watch(a->ifd, "/dev", IN_CREATE | IN_MOVED_TO);
}

static bool drain_inotify(struct agent *a)
{
        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
        bool any = false;

        for (;;) {
                ssize_t n = read(a->ifd, buf, sizeof(buf));
                if (n <= 0)
                        break;
                for (char *p = buf; p < buf + n;) {
                        const struct inotify_event *ev = (const struct inotify_event *)p;
                        if (ev->wd == a->wd_dri && (ev->mask & (IN_DELETE_SELF | IN_IGNORED)))
                                a->wd_dri = -1;
                        any = true;
                        p += sizeof(*ev) + ev->len;
                }
        }
        watch_dri(a);
        return any;
}

static void handle_signals(struct agent *a, long long now)
{
        struct signalfd_siginfo si;

        while (read(a->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                if (si.ssi_signo == SIGHUP && a->cfg->config_file && a->cfg->argv) {
                        char **extra = NULL, err[512];
                        int n = 0;
                        /* Reload: a valid file restarts the agent in place (same pid, the
                         * state is read back from the Node); a broken one is refused. */
                        if (na_config_load(a->cfg->config_file, &extra, &n, err, sizeof(err)) < 0) {
                                alog(a, "error", "SIGHUP: %s; keeping the running configuration",
                                     err);
                        } else {
                                for (int i = 0; i < n; i++)
                                        free(extra[i]);
                                free(extra);
                                alog(a, "info", "SIGHUP: reloading %s", a->cfg->config_file);
                                sigprocmask(SIG_UNBLOCK, &(sigset_t){0}, NULL);
                                na_child_side(-1, NULL, NULL);
                                na_http_stop(a->http);
                                a->http = NULL;
                                execv("/proc/self/exe", a->cfg->argv);
                                alog(a, "error", "cannot re-execute: %s", strerror(errno));
                        }
                        continue;
                }
                if (si.ssi_signo == SIGHUP) {
                        alog(a, "info", "SIGHUP: probing again");
                        a->settling = false;
                        start_settle(a, now, "SIGHUP");
                } else {
                        alog(a, "info", "%s: stopping, labels kept",
                             si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
                        a->stop = true;
                }
        }
}

static long long min_ll(long long x, long long y)
{
        return x < y ? x : y;
}

int na_cmd_agent(const struct na_config *cfg)
{
        struct agent *a = calloc(1, sizeof(*a));
        sigset_t mask;
        int rc = NA_EXIT_OK;
        long long now;

        if (!a) {
                na_logf("out of memory");
                return NA_EXIT_INTERNAL;
        }
        a->cfg = cfg;
        a->tier = cfg->tier_discover ? LBL_TIER_DISCOVER : LBL_TIER_VERIFY;
        a->manager = cfg->tier_discover ? LBL_MANAGER_DISCOVER : LBL_MANAGER_VERIFY;
        a->wd_dri = a->wd_dev = -1;
        a->seed = (unsigned)getpid() ^ (unsigned)now_ms();
        if (cfg->no_api && !cfg->features_file) {
                na_logf("--no-api needs --features-file: there would be nowhere to publish");
                free(a);
                return NA_EXIT_USAGE;
        }
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        a->sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
        if (a->sfd < 0) {
                na_logf("signalfd: %s", strerror(errno));
                free(a);
                return NA_EXIT_INTERNAL;
        }
        a->snap = calloc(1, sizeof(*a->snap));
        if (!a->snap) {
                free(a);
                return NA_EXIT_INTERNAL;
        }
        /* A loop can wait on a probe or a sync child: allow for the longest of them. */
        a->snap->loop_deadline_ms = 3 * cfg->rescan_ms > 60000 + 2L * cfg->va_timeout_ms
                                        ? 3 * cfg->rescan_ms
                                        : 60000 + 2L * cfg->va_timeout_ms;
        if (cfg->listen) {
                char err[256];
                if (na_http_start(cfg->listen, &a->http, err, sizeof(err)) < 0) {
                        na_logf("%s", err);
                        free(a->snap);
                        free(a);
                        return NA_EXIT_USAGE;
                }
                na_child_side(na_http_fd(a->http), na_http_accept, a->http);
        }
        a->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        watch_dri(a);
        alog(a, "info",
             "agent %s starting: %s tier, field manager %s, rescan %ld ms, resync %ld ms%s%s%s",
             NODEPROBE_VERSION, a->tier == LBL_TIER_DISCOVER ? "discover" : "verify", a->manager,
             cfg->rescan_ms, cfg->resync_ms, cfg->features_file ? ", features file " : "",
             cfg->features_file ? cfg->features_file : "", cfg->no_api ? ", no API" : "");

        now = now_ms();
        a->next_rescan = now + cfg->rescan_ms;
        a->next_resync = now + jitter(a, cfg->resync_ms, 10);
        a->next_features = LLONG_MAX;
        a->next_sync = LLONG_MAX;
        a->next_heartbeat = now + cfg->heartbeat_ms;
        /* GPU usage is for /metrics: without --listen there is no one to read it. */
        a->next_usage = cfg->usage_ms && a->http ? now : LLONG_MAX;
        if (cfg->usage_ms && !a->http)
                alog(a, "warning", "--usage samples for /metrics: give --listen too");
        if (vp_fingerprint(cfg->root, &a->fp) == 0)
                a->fp_known = true;
        start_settle(a, now, "start");

        while (!a->stop) {
                struct pollfd p[3] = {{.fd = a->sfd, .events = POLLIN},
                                      {.fd = a->ifd, .events = POLLIN},
                                      {.fd = na_http_fd(a->http), .events = POLLIN}};
                long long wake = min_ll(a->next_rescan, a->next_resync);
                int timeout;

                if (a->settling)
                        wake = min_ll(wake, a->next_settle);
                if (a->sync_due)
                        wake = min_ll(wake, a->next_sync);
                if (cfg->heartbeat_ms && a->desired_known && !cfg->no_api)
                        wake = min_ll(wake, a->next_heartbeat);
                if (a->cfg->features_file && a->desired_known)
                        wake = min_ll(wake, a->next_features);
                wake = min_ll(wake, a->next_usage);
                now = now_ms();
                timeout = wake <= now ? 0 : wake - now > INT_MAX ? INT_MAX : (int)(wake - now);
                if (poll(p, 3, timeout) < 0 && errno != EINTR) { /* -1 entries are skipped */
                        alog(a, "error", "poll: %s", strerror(errno));
                        rc = NA_EXIT_INTERNAL;
                        break;
                }
                a->loops++;
                now = now_ms();
                if (a->http) {
                        a->snap->last_loop_ms = now;
                        a->snap->loops = a->loops;
                        na_http_update(a->http, a->snap);
                }
                if (p[2].revents & POLLIN)
                        na_http_accept(a->http);
                if (p[0].revents & POLLIN) {
                        handle_signals(a, now);
                        if (a->stop)
                                break;
                }
                if (a->ifd >= 0 && (p[1].revents & POLLIN) && drain_inotify(a))
                        a->next_rescan = now; /* look at once */
                if (now >= a->next_rescan) {
                        uint64_t fp;
                        a->next_rescan = now + cfg->rescan_ms;
                        if (vp_fingerprint(cfg->root, &fp) == 0 && (!a->fp_known || fp != a->fp)) {
                                a->fp = fp;
                                a->fp_known = true;
                                a->settling = false;
                                start_settle(a, now, "GPU state changed");
                        }
                }
                if (now >= a->next_usage) {
                        a->next_usage = now + cfg->usage_ms;
                        usage_sample(a, now);
                }
                if (now >= a->next_resync) {
                        a->next_resync = now + jitter(a, cfg->resync_ms, 10);
                        start_settle(a, now, "resync");
                }
                if (a->settling && now >= a->next_settle)
                        settle_probe(a, now);
                if (!a->settling && a->desired_known && a->cfg->features_file &&
                    now >= a->next_features)
                        publish(a, now, false);
                if (cfg->heartbeat_ms && a->tier == LBL_TIER_VERIFY && !cfg->no_api &&
                    a->desired_known && now >= a->next_heartbeat) {
                        a->next_heartbeat = now + cfg->heartbeat_ms;
                        a->heartbeat_due = true;
                        if (!a->sync_due)
                                a->next_sync = now;
                        a->sync_due = true;
                }
                if (a->sync_due && now >= a->next_sync && !a->stop)
                        sync_api(a, now_ms());
        }
        alog(a, "info",
             "stopped after %lu loops: %lu probes, %lu syncs, %lu API requests, %lu "
             "label changes",
             a->loops, a->probes, a->syncs, a->api_requests, a->label_changes);
        na_child_side(-1, NULL, NULL);
        na_http_stop(a->http);
        na_watch_free(a->watch);
        close(a->sfd);
        if (a->ifd >= 0)
                close(a->ifd);
        free(a->snap);
        free(a);
        return rc;
}
