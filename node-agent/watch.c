/* SPDX-License-Identifier: MIT */
/*
 * The agent's --usage: what intel_gpu_top shows, continuously and per pod.
 *   - DRM fdinfo per client (vp_usage_scan) every --usage seconds, in the parent (no libva,
 *     no libcurl: a few directory reads);
 *   - the i915/xe PMU (vp_pmu_*) for node-wide busyness, frequency and RC6 where the driver
 *     registers one and we may open it; the clients' sum where not (GVT-g, SR-IOV VFs);
 *   - the kubelet's pod cgroups (vp_pods_scan): which pods run here and their CPU time;
 *   - the pods' names from the API (one GET of this node's pods when the set of pods changes
 *     or a client's pod is unknown), in a child as every API call of the agent;
 *   - the idle check: a pod that holds the GPU, uses CPU and no video engine for --idle-warn
 *     gets one Warning Event GPUAllocatedButIdle (na_idle_step, pure).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "na.h"

/* A pod "uses CPU" at a quarter of a core on average over the window: a software transcode
 * of one 1080p stream takes several cores, an idle media server a few percent of one. */
#define IDLE_MIN_CORES 0.25
/* One Event per pod per 6 hours at most: a reminder, not a stream. */
#define IDLE_REWARN_MS (6LL * 3600 * 1000)
/* A pods GET at most this often when a client's pod is unknown (a pod being created). */
#define PODS_MIN_GAP_MS 10000
#define WATCH_PODS 48

/* ---- the idle check (pure) ---- */

size_t na_idle_step(struct na_idle *st, const struct na_idle_obs *obs, size_t n, long long now,
                    long long window_ms, struct na_idle_warn *out, size_t out_n)
{
        struct na_idle next = {0};
        size_t warned = 0;

        for (size_t i = 0; i < n && next.n < NA_IDLE_PODS; i++) {
                const struct na_idle_obs *o = &obs[i];
                struct na_idle_pod *p = &next.pods[next.n], *was = NULL;

                if (!o->holds_gpu || !o->uid || !*o->uid)
                        continue;
                for (uint32_t k = 0; k < st->n && !was; k++)
                        if (strcmp(st->pods[k].uid, o->uid) == 0)
                                was = &st->pods[k];
                next.n++;
                if (was) {
                        *p = *was;
                } else {
                        memset(p, 0, sizeof(*p));
                        snprintf(p->uid, sizeof(p->uid), "%s", o->uid);
                        p->since_ms = now;
                        p->cpu_at = o->cpu_usec;
                        p->cpu_known = o->cpu_known;
                        continue;
                }
                /* The window restarts when the video engine was used, or when the CPU time
                 * cannot be compared (unknown, or reset: a restarted pod sandbox). */
                if (o->video_used || !o->cpu_known || !p->cpu_known || o->cpu_usec < p->cpu_at) {
                        p->since_ms = now;
                        p->cpu_at = o->cpu_usec;
                        p->cpu_known = o->cpu_known;
                        continue;
                }
                if (window_ms <= 0 || now - p->since_ms < window_ms)
                        continue;
                {
                        double cores = (double)(o->cpu_usec - p->cpu_at) / 1000.0 /
                                       (double)(now - p->since_ms);
                        if (cores >= IDLE_MIN_CORES &&
                            (!p->warned_ms || now - p->warned_ms >= IDLE_REWARN_MS) &&
                            warned < out_n) {
                                struct na_idle_warn *w = &out[warned++];
                                snprintf(w->uid, sizeof(w->uid), "%s", o->uid);
                                w->idle_ms = now - p->since_ms;
                                w->cores = cores;
                                p->warned_ms = now;
                        }
                }
                p->since_ms = now;
                p->cpu_at = o->cpu_usec;
        }
        *st = next; /* pods gone, or no longer holding the GPU, are forgotten */
        return warned;
}

/* ---- the state ---- */

struct na_watch {
        const struct na_config *cfg;
        struct vp_pmus pmus;
        bool pmu_open;
        int pmu_err;
        struct vp_pods cg; /* the kubelet's pod cgroups at the last scan */
        bool cg_ok;
        uint64_t cg_fp;       /* the pod set the names were fetched for */
        long long pods_at_ms; /* the last pods GET (0: never) */
        bool pods_due;
        uint32_t n_pods;
        struct lbl_pod pods[WATCH_PODS]; /* the GPU-holding pods and the clients' pods */
        struct na_idle idle;
        uint32_t n_warn;
        struct na_idle_warn warn[4];
        unsigned long events_posted, pods_gets;
        bool told_no_cgroups, told_no_pmu;
};

int na_watch_new(const struct na_config *cfg, const struct vp_pmu_ops *ops, struct na_watch **ret)
{
        struct na_watch *w = calloc(1, sizeof(*w));

        if (!w)
                return -ENOMEM;
        w->cfg = cfg;
        w->pmu_err = vp_pmu_open(cfg->root, ops, &w->pmus);
        w->pmu_open = w->pmu_err == 0;
        if (!w->pmu_open)
                vp_pmu_close(&w->pmus);
        *ret = w;
        return 0;
}

void na_watch_free(struct na_watch *w)
{
        if (!w)
                return;
        vp_pmu_close(&w->pmus);
        free(w);
}

const char *na_watch_pmu_why(int err)
{
        switch (err) {
        case 0:
                return "";
        case -ENOENT:
                return "no i915 or xe PMU (PMU not supported for this GPU: none under GVT-g or in "
                       "an SR-IOV VF): engine figures are the sum of the DRM clients";
        case -EACCES:
        case -EPERM:
                return "the PMU is there but perf_event_open was refused (it needs CAP_PERFMON or "
                       "kernel.perf_event_paranoid <= 0): engine figures are the sum of the DRM "
                       "clients";
        default:
                return "the PMU could not be opened: engine figures are the sum of the DRM clients";
        }
}

static uint64_t pods_fp(const struct vp_pods *p)
{
        uint64_t h = 1469598103934665603ull; /* FNV-1a over the sorted UIDs (scandir order) */
        for (uint32_t i = 0; i < p->n; i++)
                for (const char *s = p->pods[i].uid; *s; s++)
                        h = (h ^ (unsigned char)*s) * 1099511628211ull;
        return h ^ p->n;
}

const struct lbl_pod *na_watch_pod(const struct na_watch *w, const char *uid)
{
        for (uint32_t i = 0; w && uid && *uid && i < w->n_pods; i++)
                if (strcmp(w->pods[i].uid, uid) == 0)
                        return &w->pods[i];
        return NULL;
}

/* The container a client runs in: by runtime id, else the pod's only container. */
static const struct lbl_pod_container *container_of(const struct lbl_pod *p, const char *cid)
{
        for (uint32_t i = 0; p && cid && *cid && i < p->n_containers; i++)
                if (strcmp(p->containers[i].id, cid) == 0)
                        return &p->containers[i];
        return p && p->n_containers == 1 ? &p->containers[0] : NULL;
}

static bool holds_gpu(const struct lbl_pod *p, const char **what, const char **container)
{
        for (uint32_t i = 0; i < p->n_containers; i++)
                if (p->containers[i].gpu[0]) {
                        *what = p->containers[i].gpu;
                        *container = p->containers[i].name;
                        return true;
                }
        return false;
}

static void fmt_duration(long long ms, char *buf, size_t n)
{
        long long s = ms / 1000;
        if (s >= 3600 && s % 3600 == 0)
                snprintf(buf, n, "%lld h", s / 3600);
        else if (s >= 60)
                snprintf(buf, n, "%lld min", s / 60);
        else
                snprintf(buf, n, "%lld s", s);
}

void na_watch_warning(const struct na_watch *w, const struct na_idle_warn *iw, char *msg, size_t n)
{
        const struct lbl_pod *p = na_watch_pod(w, iw->uid);
        const char *what = "the GPU", *container = NULL;
        char dur[32];

        fmt_duration(iw->idle_ms, dur, sizeof(dur));
        if (p)
                holds_gpu(p, &what, &container);
        snprintf(msg, n,
                 "%s holds the GPU (%s) but used no video engine for %s while using %.1f CPU: it "
                 "decodes in software: check hardware acceleration settings",
                 container && *container ? container
                 : p                     ? p->name
                                         : iw->uid,
                 what, dur, iw->cores);
}

int na_watch_sample(struct na_watch *w, long long now, struct na_http_snapshot *s, char *note,
                    size_t note_n)
{
        struct na_idle_obs obs[WATCH_PODS];
        size_t n_obs = 0;
        int r;

        note[0] = '\0';
        s->usage_prev = s->usage_cur;
        r = vp_usage_scan(w->cfg->root, NULL, &s->usage_cur);
        if (r < 0)
                return r;
        s->usage_scans++;
        /* PMU: node-wide figures per device. */
        s->n_pmu = 0;
        snprintf(s->pmu_why, sizeof(s->pmu_why), "%s", na_watch_pmu_why(w->pmu_err));
        if (w->pmu_open) {
                vp_pmu_sample(&w->pmus);
                for (uint32_t i = 0; i < w->pmus.n && s->n_pmu < VP_MAX_PMUS; i++) {
                        const struct vp_pmu *p = &w->pmus.pmus[i];
                        struct na_pmu_figures *f = &s->pmu[s->n_pmu];
                        if (p->samples < 2)
                                continue;
                        /* "i915" without an address is the integrated GPU, which Intel
                         * platforms put at 00:02.0. */
                        snprintf(f->pdev, sizeof(f->pdev), "%s",
                                 p->pdev[0] ? p->pdev : "0000:00:02.0");
                        vp_pmu_figures(p, f->busy, &f->freq_hz, &f->rc6);
                        s->n_pmu++;
                }
        } else if (!w->told_no_pmu) {
                w->told_no_pmu = true;
                snprintf(note, note_n, "--usage: %s", s->pmu_why);
        }
        /* The pods: a new set (or a client in a pod we cannot name) means names to fetch,
         * at most every PODS_MIN_GAP_MS; and once an hour anyway (containers restart). */
        w->cg_ok = vp_pods_scan(w->cfg->root, &w->cg) == 0;
        {
                bool want = (w->cg_ok && pods_fp(&w->cg) != w->cg_fp) ||
                            (w->pods_at_ms && now - w->pods_at_ms >= 3600 * 1000);
                for (uint32_t i = 0; i < s->usage_cur.n_clients && !want; i++) {
                        const char *uid = s->usage_cur.clients[i].pod_uid;
                        want = uid[0] && !na_watch_pod(w, uid);
                }
                if (want && (!w->pods_at_ms || now - w->pods_at_ms >= PODS_MIN_GAP_MS))
                        w->pods_due = true;
        }
        if (!w->cg_ok && !w->told_no_cgroups && w->cfg->idle_warn_ms && !note[0]) {
                w->told_no_cgroups = true;
                snprintf(note, note_n,
                         "--idle-warn: no kubelet pod cgroups under %s/sys/fs/cgroup: the pods' "
                         "CPU use is unknown, so no GPUAllocatedButIdle warnings (mount the "
                         "host's /sys/fs/cgroup under the root)",
                         w->cfg->root ? w->cfg->root : "");
        }
        /* Names per client for /metrics. */
        for (uint32_t i = 0; i < s->usage_cur.n_clients; i++) {
                const struct vp_drm_client *c = &s->usage_cur.clients[i];
                const struct lbl_pod *p = na_watch_pod(w, c->pod_uid);
                const struct lbl_pod_container *pc = container_of(p, c->container_id);
                struct na_client_names *nm = &s->names[i];
                snprintf(nm->ns, sizeof(nm->ns), "%s", p ? p->ns : "");
                snprintf(nm->pod, sizeof(nm->pod), "%s", p ? p->name : "");
                snprintf(nm->container, sizeof(nm->container), "%s", pc ? pc->name : "");
        }
        /* The idle check, on the pods whose names we know. */
        for (uint32_t i = 0; i < w->n_pods && n_obs < WATCH_PODS; i++) {
                const struct lbl_pod *p = &w->pods[i];
                const struct vp_pod_cpu *cpu = vp_pods_find(&w->cg, p->uid);
                const char *what, *container;
                struct na_idle_obs *o = &obs[n_obs++];

                *o = (struct na_idle_obs){.uid = p->uid,
                                          .holds_gpu = holds_gpu(p, &what, &container),
                                          .cpu_known = cpu && cpu->cpu_known,
                                          .cpu_usec = cpu ? cpu->cpu_usec : 0};
                for (uint32_t k = 0; k < s->usage_cur.n_clients; k++) {
                        double ratio[VP_ENGINE__MAX];
                        if (strcmp(s->usage_cur.clients[k].pod_uid, p->uid) != 0)
                                continue;
                        vp_usage_busy(&s->usage_prev, &s->usage_cur, k, ratio);
                        if (ratio[VP_ENGINE_VIDEO] > 0 || ratio[VP_ENGINE_VIDEO_ENHANCE] > 0)
                                o->video_used = true;
                }
        }
        if (w->cfg->idle_warn_ms)
                w->n_warn += (uint32_t)na_idle_step(
                    &w->idle, obs, n_obs, now, w->cfg->idle_warn_ms, w->warn + w->n_warn,
                    sizeof(w->warn) / sizeof(w->warn[0]) - w->n_warn);
        return 0;
}

bool na_watch_api_due(const struct na_watch *w)
{
        return w->pods_due || w->n_warn;
}

/* ---- the API part, in a child: post the pending warnings, then GET the pods ---- */

struct watch_msg {
        int32_t rc;
        int32_t posted;
        int32_t listed; /* the pods GET succeeded */
        long http_status;
        char message[512];
        uint32_t n_pods;
        struct lbl_pod pods[WATCH_PODS];
};

struct watch_arg {
        struct na_watch *w;
        const struct vp_usage *u;
        const char *manager;
};

static bool relevant(const struct lbl_pod *p, const struct vp_usage *u)
{
        const char *what, *container;
        if (holds_gpu(p, &what, &container))
                return true;
        for (uint32_t i = 0; i < u->n_clients; i++)
                if (strcmp(u->clients[i].pod_uid, p->uid) == 0)
                        return true;
        return false;
}

static int watch_child(int wfd, void *arg)
{
        struct watch_arg *wa = arg;
        struct na_watch *w = wa->w;
        static const struct lbl_client_options co = {
            .retry_budget_ms = 8000, .timeout_ms = 10000, .connect_timeout_ms = 5000};
        struct watch_msg *m = calloc(1, sizeof(*m));
        struct lbl_client *c = NULL;
        struct lbl_error err = {0};
        struct lbl_pods pods = {0};
        char node[256];
        int rc;

        if (!m)
                return 3;
        rc = na_kube_open(w->cfg, wa->manager, &co, &c, node, sizeof(node));
        if (rc != NA_EXIT_OK) {
                m->rc = -EINVAL;
                snprintf(m->message, sizeof(m->message), "no usable API configuration");
                goto out;
        }
        for (uint32_t i = 0; i < w->n_warn && m->rc == 0; i++) {
                const struct lbl_pod *p = na_watch_pod(w, w->warn[i].uid);
                char msg[512];
                if (!p)
                        continue;
                na_watch_warning(w, &w->warn[i], msg, sizeof(msg));
                m->rc = lbl_event_post_about(c, node,
                                             &(struct lbl_object){"Pod", p->ns, p->name, p->uid},
                                             true, "GPUAllocatedButIdle", msg, &err);
                if (m->rc == 0)
                        m->posted++;
        }
        if (w->pods_due && m->rc == 0) {
                m->rc = lbl_pods_list(c, node, &pods, &err);
                if (m->rc == 0) {
                        m->listed = 1;
                        for (uint32_t i = 0; i < pods.n && m->n_pods < WATCH_PODS; i++)
                                if (relevant(&pods.pods[i], wa->u))
                                        m->pods[m->n_pods++] = pods.pods[i];
                }
        }
        if (m->rc < 0) {
                m->http_status = err.http_status;
                snprintf(m->message, sizeof(m->message), "%.500s", err.message);
        }
out:
        na_write_all(wfd, m, sizeof(*m));
        lbl_pods_free(&pods);
        lbl_client_free(c);
        return 0;
}

int na_watch_api(struct na_watch *w, const struct vp_usage *u, const char *manager, long long now,
                 int abort_fd, char *msg, size_t msg_n, unsigned *posted)
{
        struct watch_arg wa = {w, u, manager};
        struct watch_msg *m = calloc(1, sizeof(*m));
        struct na_child_end end;
        int rc;

        *posted = 0;
        msg[0] = '\0';
        if (!m)
                return -ENOMEM;
        if (na_child_call(watch_child, &wa, 30000, abort_fd, m, sizeof(*m), &end) < 0 ||
            !end.complete) {
                snprintf(msg, msg_n, "the usage API child %s",
                         end.timed_out ? "timed out"
                         : end.aborted ? "was stopped"
                                       : "failed");
                rc = -EIO;
                goto out;
        }
        rc = m->rc;
        *posted = (unsigned)m->posted;
        w->events_posted += (unsigned long)m->posted;
        /* Sent or not, the warnings are not retried: the idle window restarted with them. */
        w->n_warn = 0;
        if (m->n_pods >
            WATCH_PODS) /* our own child's, but a reply is never trusted past its array */
                m->n_pods = WATCH_PODS;
        if (m->listed) {
                w->pods_gets++;
                w->n_pods = m->n_pods;
                memcpy(w->pods, m->pods, sizeof(m->pods[0]) * m->n_pods);
                w->cg_fp = w->cg_ok ? pods_fp(&w->cg) : 0;
        }
        if (m->listed || rc < 0) {
                w->pods_due = false; /* a failure is retried on the next change or unknown pod */
                w->pods_at_ms = now;
        }
        if (rc < 0)
                snprintf(msg, msg_n, "%s", m->message);
out:
        free(m);
        return rc;
}

unsigned long na_watch_gets(const struct na_watch *w)
{
        return w ? w->pods_gets : 0;
}
