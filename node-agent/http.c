/* SPDX-License-Identifier: MIT */
/*
 * The agent's /healthz and /metrics, served by libmicrohttpd in a short-lived child per
 * connection. The parent only owns the listening socket: it accepts, forks, and the child
 * dlopen()s libmicrohttpd (and the GnuTLS, nettle, gmp and p11-kit it links, 3 MiB resident
 * that never unload), hands it the connection with MHD_add_connection() on a daemon without
 * a listening socket, answers from the snapshot it inherited, and exits when the client
 * closes or after 15 s. So the long-running parent stays at its own size and has no threads.
 * Scrapes and liveness probes come every 10-30 s; a fork and a dlopen cost a few ms.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "na.h"

static struct {
        struct MHD_Daemon *(*start)(unsigned int, uint16_t, MHD_AcceptPolicyCallback, void *,
                                    MHD_AccessHandlerCallback, void *, ...);
        void (*stop)(struct MHD_Daemon *);
        struct MHD_Response *(*from_buffer)(size_t, void *, enum MHD_ResponseMemoryMode);
        enum MHD_Result (*add_header)(struct MHD_Response *, const char *, const char *);
        enum MHD_Result (*queue)(struct MHD_Connection *, unsigned int, struct MHD_Response *);
        void (*destroy)(struct MHD_Response *);
        enum MHD_Result (*add_connection)(struct MHD_Daemon *, MHD_socket, const struct sockaddr *,
                                          socklen_t);
        enum MHD_Result (*run_wait)(struct MHD_Daemon *, int32_t);
} mhd;

/* At most this many connections are served at once; more are closed at accept. */
#define MAX_KIDS 8
/* A child serves its connection (keep-alive included) for at most this long. */
#define KID_SECONDS 15

struct na_http {
        int lfd;
        pid_t kids[MAX_KIDS];
        struct na_http_snapshot snap;
};

static long long mono_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int load(void)
{
        void *h = dlopen("libmicrohttpd.so.12", RTLD_NOW | RTLD_LOCAL);
        if (!h)
                return -ENOENT;
#define SYM(field, name)                                                                           \
        do {                                                                                       \
                union {                                                                            \
                        void *p;                                                                   \
                        __typeof__(mhd.field) f;                                                   \
                } u = {.p = dlsym(h, name)};                                                       \
                if (!u.p)                                                                          \
                        return -ENOENT;                                                            \
                mhd.field = u.f;                                                                   \
        } while (0)
        SYM(start, "MHD_start_daemon");
        SYM(stop, "MHD_stop_daemon");
        SYM(from_buffer, "MHD_create_response_from_buffer");
        SYM(add_header, "MHD_add_response_header");
        SYM(queue, "MHD_queue_response");
        SYM(destroy, "MHD_destroy_response");
        SYM(add_connection, "MHD_add_connection");
        SYM(run_wait, "MHD_run_wait"); /* since 0.9.72; Debian 12 has 0.9.75 */
#undef SYM
        return 0;
}

struct buf {
        char *p;
        size_t len, cap;
};

__attribute__((format(printf, 2, 3))) static void bprintf(struct buf *b, const char *fmt, ...)
{
        va_list ap;
        int n;

        for (;;) {
                va_start(ap, fmt);
                n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
                va_end(ap);
                if (n < 0)
                        return;
                if (b->p && b->len + (size_t)n < b->cap) {
                        b->len += (size_t)n;
                        return;
                }
                size_t cap = b->cap ? b->cap * 2 : 8192;
                while (cap < b->len + (size_t)n + 1)
                        cap *= 2;
                char *np = realloc(b->p, cap);
                if (!np)
                        return;
                b->p = np;
                b->cap = cap;
        }
}

/* A label value in a Prometheus label: escape \ " and newline (exposition format). */
static void esc(const char *in, char *out, size_t n)
{
        size_t o = 0;
        for (; *in && o + 3 < n; in++) {
                if (*in == '\\' || *in == '"')
                        out[o++] = '\\';
                if (*in == '\n') {
                        out[o++] = '\\';
                        out[o++] = 'n';
                        continue;
                }
                out[o++] = *in;
        }
        out[o] = '\0';
}

/* A client's identity as labels: its process, its pod by UID and, when the API named them,
 * namespace, pod and container. */
static void client_labels(const struct na_http_snapshot *s, uint32_t i, char *out, size_t n)
{
        const struct vp_drm_client *c = &s->usage_cur.clients[i];
        const struct na_client_names *nm = &s->names[i];
        char comm[40], uid[48], cid[80], ns[136], pod[512], ctr[136];

        esc(c->comm, comm, sizeof(comm));
        esc(c->pod_uid, uid, sizeof(uid));
        esc(c->container_id, cid, sizeof(cid));
        esc(nm->ns, ns, sizeof(ns));
        esc(nm->pod, pod, sizeof(pod));
        esc(nm->container, ctr, sizeof(ctr));
        snprintf(out, n,
                 "pid=\"%d\",comm=\"%s\",namespace=\"%s\",pod=\"%s\",container=\"%s\","
                 "pod_uid=\"%s\",container_id=\"%s\"",
                 c->pid, comm, ns, pod, ctr, uid, cid);
}

static const struct na_pmu_figures *pmu_of(const struct na_http_snapshot *s, const char *pdev)
{
        for (uint32_t i = 0; i < s->n_pmu; i++)
                if (strcmp(s->pmu[i].pdev, pdev) == 0)
                        return &s->pmu[i];
        return NULL;
}

/* --usage: per client and engine class (DRM fdinfo); per device and engine class from the
 * PMU where it gives figures (source="pmu"), else the sum of the device's clients
 * (source="fdinfo"); the PMU's frequency and RC6; each client's GPU memory. */
static void usage_metrics(const struct na_http_snapshot *s, struct buf *b)
{
        const struct vp_usage *p = &s->usage_prev, *u = &s->usage_cur;
        double dev[VP_MAX_CLIENTS][VP_ENGINE__MAX];
        char who[1200], pdev[40];

        if (s->usage_scans < 2)
                return;
        bprintf(b, "# HELP nodeprobe_gpu_client_engine_busy_ratio A DRM client's share of an "
                   "engine class's time between the last two scans.\n"
                   "# TYPE nodeprobe_gpu_client_engine_busy_ratio gauge\n");
        for (uint32_t i = 0; i < u->n_clients; i++) {
                const struct vp_drm_client *c = &u->clients[i];
                double r[VP_ENGINE__MAX];
                uint32_t first = i; /* the device's first client holds its sums */
                for (uint32_t k = 0; k < i && first == i; k++)
                        if (strcmp(u->clients[k].pdev, c->pdev) == 0)
                                first = k;
                if (first == i)
                        for (int e = 0; e < VP_ENGINE__MAX; e++)
                                dev[i][e] = -1;
                vp_usage_busy(p, u, i, r);
                esc(c->pdev, pdev, sizeof(pdev));
                client_labels(s, i, who, sizeof(who));
                for (int e = 0; e < VP_ENGINE__MAX; e++) {
                        if (r[e] < 0)
                                continue;
                        dev[first][e] = (dev[first][e] < 0 ? 0 : dev[first][e]) + r[e];
                        bprintf(b,
                                "nodeprobe_gpu_client_engine_busy_ratio{device=\"%s\",engine="
                                "\"%s\",%s,source=\"fdinfo\"} %.4f\n",
                                pdev, vp_engine_str((enum vp_engine)e), who, r[e]);
                }
        }
        bprintf(b, "# HELP nodeprobe_gpu_engine_busy_ratio An engine class's busy share on a "
                   "device: from the PMU (source=pmu), else the sum of its DRM clients' "
                   "(source=fdinfo).\n"
                   "# TYPE nodeprobe_gpu_engine_busy_ratio gauge\n");
        for (uint32_t i = 0; i < s->n_pmu; i++) {
                esc(s->pmu[i].pdev, pdev, sizeof(pdev));
                for (int e = 0; e < VP_ENGINE__MAX; e++)
                        if (s->pmu[i].busy[e] >= 0)
                                bprintf(b,
                                        "nodeprobe_gpu_engine_busy_ratio{device=\"%s\",engine="
                                        "\"%s\",source=\"pmu\"} %.4f\n",
                                        pdev, vp_engine_str((enum vp_engine)e), s->pmu[i].busy[e]);
        }
        for (uint32_t i = 0; i < u->n_clients; i++) {
                bool first = true;
                for (uint32_t k = 0; k < i && first; k++)
                        first = strcmp(u->clients[k].pdev, u->clients[i].pdev) != 0;
                if (!first || pmu_of(s, u->clients[i].pdev))
                        continue;
                esc(u->clients[i].pdev, pdev, sizeof(pdev));
                for (int e = 0; e < VP_ENGINE__MAX; e++)
                        if (dev[i][e] >= 0)
                                bprintf(b,
                                        "nodeprobe_gpu_engine_busy_ratio{device=\"%s\",engine="
                                        "\"%s\",source=\"fdinfo\"} %.4f\n",
                                        pdev, vp_engine_str((enum vp_engine)e),
                                        dev[i][e] > 1 ? 1 : dev[i][e]);
        }
        bprintf(b, "# HELP nodeprobe_gpu_frequency_hertz The GPU's actual frequency over the "
                   "last interval (PMU).\n# TYPE nodeprobe_gpu_frequency_hertz gauge\n");
        for (uint32_t i = 0; i < s->n_pmu; i++)
                if (s->pmu[i].freq_hz >= 0) {
                        esc(s->pmu[i].pdev, pdev, sizeof(pdev));
                        bprintf(
                            b, "nodeprobe_gpu_frequency_hertz{device=\"%s\",source=\"pmu\"} %.0f\n",
                            pdev, s->pmu[i].freq_hz);
                }
        bprintf(b, "# HELP nodeprobe_gpu_rc6_ratio Share of the last interval the GPU spent in "
                   "RC6 (PMU).\n# TYPE nodeprobe_gpu_rc6_ratio gauge\n");
        for (uint32_t i = 0; i < s->n_pmu; i++)
                if (s->pmu[i].rc6 >= 0) {
                        esc(s->pmu[i].pdev, pdev, sizeof(pdev));
                        bprintf(b, "nodeprobe_gpu_rc6_ratio{device=\"%s\",source=\"pmu\"} %.4f\n",
                                pdev, s->pmu[i].rc6);
                }
        bprintf(b, "# HELP nodeprobe_gpu_client_memory_bytes GPU memory a DRM client holds, "
                   "every region.\n# TYPE nodeprobe_gpu_client_memory_bytes gauge\n");
        for (uint32_t i = 0; i < u->n_clients; i++) {
                esc(u->clients[i].pdev, pdev, sizeof(pdev));
                client_labels(s, i, who, sizeof(who));
                bprintf(b, "nodeprobe_gpu_client_memory_bytes{device=\"%s\",%s} %llu\n", pdev, who,
                        (unsigned long long)u->clients[i].mem_total);
        }
        bprintf(b,
                "# HELP nodeprobe_gpu_usage_unreadable_processes Processes whose descriptors "
                "the last scan could not read.\n"
                "# TYPE nodeprobe_gpu_usage_unreadable_processes gauge\n"
                "nodeprobe_gpu_usage_unreadable_processes %u\n"
                "# HELP nodeprobe_gpu_idle_events_total GPUAllocatedButIdle Events posted.\n"
                "# TYPE nodeprobe_gpu_idle_events_total counter\n"
                "nodeprobe_gpu_idle_events_total %lu\n",
                u->n_unreadable, s->idle_events);
}

static void metrics(const struct na_http_snapshot *s, struct buf *b)
{
        const struct lbl_summary *sum = &s->sum;
        char v2[96], v3[96], v5[96];

        bprintf(b,
                "# HELP nodeprobe_probe_duration_seconds How long the last full probe took.\n"
                "# TYPE nodeprobe_probe_duration_seconds gauge\n"
                "nodeprobe_probe_duration_seconds %.3f\n",
                s->probe_ms / 1000.0);
        bprintf(b,
                "# HELP nodeprobe_loops_total Main loop iterations (fingerprints, events).\n"
                "# TYPE nodeprobe_loops_total counter\n"
                "nodeprobe_loops_total %lu\n",
                s->loops);
        bprintf(b,
                "# HELP nodeprobe_probes_total Full probes by result.\n"
                "# TYPE nodeprobe_probes_total counter\n"
                "nodeprobe_probes_total{result=\"ok\"} %lu\n"
                "nodeprobe_probes_total{result=\"failed\"} %lu\n",
                s->probes_ok, s->probes_failed);
        bprintf(b,
                "# HELP nodeprobe_api_requests_total Kubernetes API requests by verb.\n"
                "# TYPE nodeprobe_api_requests_total counter\n"
                "nodeprobe_api_requests_total{verb=\"GET\"} %lu\n"
                "nodeprobe_api_requests_total{verb=\"PATCH\"} %lu\n"
                "nodeprobe_api_requests_total{verb=\"POST\"} %lu\n",
                s->api_gets, s->api_patches, s->api_posts);
        bprintf(b, "# HELP nodeprobe_api_sync_failures_total Failed API syncs by HTTP status "
                   "(0: no answer).\n# TYPE nodeprobe_api_sync_failures_total counter\n");
        for (unsigned i = 0; i < s->n_codes; i++)
                bprintf(b, "nodeprobe_api_sync_failures_total{code=\"%ld\"} %lu\n", s->codes[i],
                        s->code_counts[i]);
        bprintf(b,
                "# HELP nodeprobe_label_changes_total Label writes that changed the Node.\n"
                "# TYPE nodeprobe_label_changes_total counter\n"
                "nodeprobe_label_changes_total %lu\n",
                s->label_changes);
        bprintf(b,
                "# HELP nodeprobe_last_success_timestamp_seconds When the Node (or the "
                "features file) last matched the probe.\n"
                "# TYPE nodeprobe_last_success_timestamp_seconds gauge\n"
                "nodeprobe_last_success_timestamp_seconds %lld\n",
                (long long)s->last_success);
        usage_metrics(s, b);
        if (!s->probed)
                return;
        bprintf(b, "# HELP nodeprobe_gpu_info The node's Intel GPU.\n"
                   "# TYPE nodeprobe_gpu_info gauge\n");
        if (s->n_gpus) {
                char id[8] = "";
                if (sum->device_id)
                        snprintf(id, sizeof(id), "%04x", sum->device_id);
                esc(sum->platform, v2, sizeof(v2));
                esc(sum->kernel_driver, v3, sizeof(v3));
                esc(sum->va_driver, v5, sizeof(v5));
                bprintf(b,
                        "nodeprobe_gpu_info{device_id=\"%s\",platform=\"%s\",kernel_driver=\"%s\","
                        "virtualization=\"%s\",va_driver=\"%s\"} 1\n",
                        id, v2, v3, sum->has_primary ? vp_virt_str(sum->virt) : "", v5);
        }
        bprintf(b, "# HELP nodeprobe_capability A capability the driver advertises (1) or "
                   "lacks (0); absent when unknown.\n# TYPE nodeprobe_capability gauge\n");
        for (unsigned i = 0; sum->has_primary && i < VP_N_CAPS; i++)
                if (sum->caps[i] != VP_UNKNOWN)
                        bprintf(b, "nodeprobe_capability{capability=\"%s\"} %d\n", vp_cap_key(i),
                                sum->caps[i] == VP_YES);
        bprintf(b, "# HELP nodeprobe_node_status The node's status, one-hot.\n"
                   "# TYPE nodeprobe_node_status gauge\n");
        for (int i = VP_NODE_OK; i <= VP_NODE_VA_FAILED; i++)
                bprintf(b, "nodeprobe_node_status{status=\"%s\"} %d\n",
                        vp_node_status_str((enum vp_node_status)i), s->node_status == i);
}

char *na_http_metrics(const struct na_http_snapshot *s, size_t *len)
{
        struct buf b = {0};
        metrics(s, &b);
        if (len)
                *len = b.len;
        return b.p;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
        const struct na_http_snapshot *s = cls;
        struct buf b = {0};
        unsigned code = 200;
        const char *type = "text/plain; charset=utf-8";
        struct MHD_Response *resp;
        enum MHD_Result r;

        (void)version;
        (void)upload;
        (void)upload_size;
        (void)con_cls;
        if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
                code = 405;
                bprintf(&b, "method not allowed\n");
        } else if (strcmp(url, "/healthz") == 0) {
                long long late = mono_ms() - s->last_loop_ms;
                if (s->config_error[0]) {
                        code = 503;
                        bprintf(&b, "%s\n", s->config_error);
                } else if (late > s->loop_deadline_ms) {
                        code = 503;
                        bprintf(&b, "the main loop has not run for %lld ms\n", late);
                } else {
                        bprintf(&b, "ok\n");
                }
        } else if (strcmp(url, "/metrics") == 0) {
                type = "text/plain; version=0.0.4; charset=utf-8";
                metrics(s, &b);
        } else {
                code = 404;
                bprintf(&b, "not found: /healthz and /metrics are served\n");
        }
        resp = mhd.from_buffer(b.len, b.p ? b.p : (char *)"", MHD_RESPMEM_MUST_COPY);
        free(b.p);
        if (!resp)
                return MHD_NO;
        mhd.add_header(resp, "Content-Type", type);
        r = mhd.queue(conn, code, resp);
        mhd.destroy(resp);
        return r;
}

static void closed(void *cls, struct MHD_Connection *conn, void **socket_context,
                   enum MHD_ConnectionNotificationCode toe)
{
        (void)conn;
        (void)socket_context;
        if (toe == MHD_CONNECTION_NOTIFY_CLOSED)
                *(bool *)cls = true;
}

/* In the forked child: serve one accepted connection until it closes. Never returns. */
static void serve(struct na_http *h, int conn, const struct sockaddr_in *peer)
{
        struct MHD_Daemon *d;
        bool done = false;
        long long deadline = mono_ms() + KID_SECONDS * 1000LL;
        sigset_t all;

        sigfillset(&all);
        sigprocmask(SIG_UNBLOCK, &all, NULL); /* the agent blocks its signals for signalfd */
        alarm(KID_SECONDS + 5);               /* whatever happens below, this child ends */
        close(h->lfd);
        if (load() < 0)
                _exit(1);
        d = mhd.start(MHD_USE_NO_LISTEN_SOCKET, 0, /* select(): our fds are few */ NULL, NULL,
                      handle, &h->snap, MHD_OPTION_CONNECTION_TIMEOUT, 10U,
                      MHD_OPTION_NOTIFY_CONNECTION, closed, &done, MHD_OPTION_END);
        if (!d ||
            mhd.add_connection(d, conn, (const struct sockaddr *)peer, sizeof(*peer)) != MHD_YES)
                _exit(1);
        while (!done && mono_ms() < deadline)
                if (mhd.run_wait(d, 500) != MHD_YES)
                        break;
        mhd.stop(d);
        _exit(0);
}

static void reap(struct na_http *h)
{
        for (int i = 0; i < MAX_KIDS; i++)
                if (h->kids[i] > 0 && waitpid(h->kids[i], NULL, WNOHANG) == h->kids[i])
                        h->kids[i] = 0;
}

int na_http_fd(const struct na_http *h)
{
        return h ? h->lfd : -1;
}

void na_http_accept(void *arg)
{
        struct na_http *h = arg;

        if (!h)
                return;
        reap(h);
        for (;;) {
                struct sockaddr_in peer;
                socklen_t len = sizeof(peer);
                int slot = -1, conn;
                pid_t pid;

                conn = accept4(h->lfd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
                if (conn < 0)
                        return; /* EAGAIN: nothing more; anything else: next time */
                for (int i = 0; i < MAX_KIDS && slot < 0; i++)
                        if (h->kids[i] == 0)
                                slot = i;
                if (slot < 0) {
                        close(conn); /* more than MAX_KIDS at once: not a scraper */
                        continue;
                }
                fflush(NULL); /* the child must not flush our buffered output again */
                pid = fork();
                if (pid == 0)
                        serve(h, conn, &peer);
                close(conn);
                if (pid > 0)
                        h->kids[slot] = pid;
        }
}

/* Whether libmicrohttpd loads, found out in a child so the parent never maps it. */
static int probe_load(int wfd, void *arg)
{
        int ok = load() == 0;
        (void)arg;
        na_write_all(wfd, &ok, sizeof(ok));
        return 0;
}

int na_http_start(const char *listen_addr, struct na_http **ret, char *err, size_t errlen)
{
        struct sockaddr_in sa = {.sin_family = AF_INET};
        char host[64];
        const char *colon = strrchr(listen_addr, ':');
        long port;
        char *end = NULL;
        struct na_http *h;
        struct na_child_end ce;
        int ok = 0, one = 1, e;

        *ret = NULL;
        if (!colon || (size_t)(colon - listen_addr) >= sizeof(host)) {
                snprintf(err, errlen, "--listen takes ADDR:PORT, e.g. 0.0.0.0:8080");
                return -EINVAL;
        }
        snprintf(host, sizeof(host), "%.*s", (int)(colon - listen_addr), listen_addr);
        port = strtol(colon + 1, &end, 10);
        if (!*(colon + 1) || *end || port < 0 || port > 65535 ||
            inet_pton(AF_INET, host[0] ? host : "0.0.0.0", &sa.sin_addr) != 1) {
                snprintf(err, errlen, "--listen takes ADDR:PORT with an IPv4 address, not '%s'",
                         listen_addr);
                return -EINVAL;
        }
        sa.sin_port = htons((uint16_t)port);
        if (na_child_call(probe_load, NULL, 5000, -1, &ok, sizeof(ok), &ce) < 0 || !ce.complete ||
            !ok) {
                snprintf(err, errlen, "cannot load libmicrohttpd (install libmicrohttpd12)");
                return -ENOENT;
        }
        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        h->snap.last_loop_ms = mono_ms();
        h->snap.loop_deadline_ms = 60000;
        h->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (h->lfd < 0 || setsockopt(h->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
            bind(h->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(h->lfd, 16) < 0) {
                e = errno;
                snprintf(err, errlen, "cannot listen on %s: %s", listen_addr, strerror(e));
                if (h->lfd >= 0)
                        close(h->lfd);
                free(h);
                return -e;
        }
        *ret = h;
        return 0;
}

void na_http_update(struct na_http *h, const struct na_http_snapshot *s)
{
        if (!h)
                return;
        h->snap = *s;
        reap(h);
}

void na_http_stop(struct na_http *h)
{
        if (!h)
                return;
        close(h->lfd);
        for (int i = 0; i < MAX_KIDS; i++)
                if (h->kids[i] > 0) {
                        kill(h->kids[i], SIGKILL);
                        while (waitpid(h->kids[i], NULL, 0) < 0 && errno == EINTR)
                                ;
                }
        free(h);
}
