/* SPDX-License-Identifier: MIT */
/*
 * The Kubernetes API client: libcurl for HTTPS, jansson for JSON. Behaviour follows client-go
 * where it matters (shared/reference/kube-api-and-anchors.md section 3): retry 429 and 5xx
 * with capped exponential backoff and jitter, honouring an integer Retry-After; re-read the
 * token file at most every minute and right after a 401; metav1.Status bodies give the error
 * message, but a 429 from max-in-flight is plain text.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "labeler/labeler.h"
#include "lbl_internal.h"

#define NFD_ANNOTATION "nfd.node.kubernetes.io/feature-labels"

struct lbl_client {
        struct lbl_kubeconfig cfg;
        struct lbl_client_options o;
        CURL *curl;
        long long token_read_ms; /* monotonic time of the last token file read */
        struct lbl_stats stats;
        unsigned seed;
};

struct resp {
        char *buf;
        size_t len, max;
        bool too_big;
        long status;
        long retry_after; /* seconds, -1 when absent */
        bool json;
};

static void reload_token(struct lbl_client *c);

static long long now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static size_t on_body(char *data, size_t size, size_t n, void *user)
{
        struct resp *r = user;
        size_t add = size * n;
        char *nb;

        if (r->len + add > r->max) {
                r->too_big = true;
                return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
        }
        nb = realloc(r->buf, r->len + add + 1);
        if (!nb)
                return 0;
        r->buf = nb;
        memcpy(r->buf + r->len, data, add);
        r->len += add;
        r->buf[r->len] = '\0';
        return add;
}

static size_t on_header(char *data, size_t size, size_t n, void *user)
{
        struct resp *r = user;
        size_t len = size * n;

        if (len > 12 && strncasecmp(data, "Retry-After:", 12) == 0) {
                char *end = NULL;
                long v = strtol(data + 12, &end, 10);
                /* Integer seconds only, like client-go; an HTTP date is ignored. */
                if (end != data + 12 && v >= 0)
                        r->retry_after = v;
        }
        if (len > 13 && strncasecmp(data, "Content-Type:", 13) == 0) {
                char ct[64];
                snprintf(ct, sizeof(ct), "%.*s", (int)(len - 13), data + 13);
                r->json = strstr(ct, "application/json") != NULL;
        }
        return len;
}

int lbl_client_new(const struct lbl_kubeconfig *cfg, const struct lbl_client_options *opts,
                   struct lbl_client **ret)
{
        static const struct lbl_client_options defaults = {0};
        struct lbl_client *c;

        if (!cfg || !ret)
                return -EINVAL;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->cfg = *cfg;
        c->o = opts ? *opts : defaults;
        if (!c->o.field_manager)
                c->o.field_manager = "nodeprobe";
        if (c->o.connect_timeout_ms <= 0)
                c->o.connect_timeout_ms = 5000;
        if (c->o.timeout_ms <= 0)
                c->o.timeout_ms = 15000;
        if (c->o.max_attempts <= 0)
                c->o.max_attempts = 5;
        if (c->o.backoff_base_ms <= 0)
                c->o.backoff_base_ms = 500;
        if (c->o.backoff_cap_ms <= 0)
                c->o.backoff_cap_ms = 30000;
        if (c->o.token_reload_ms <= 0)
                c->o.token_reload_ms = 60000;
        if (c->o.max_response == 0)
                c->o.max_response = 4u << 20;
        c->seed = (unsigned)now_ms();
        /* tokenFile: "the last successfully read value takes precedence over Token". */
        reload_token(c);
        c->stats.token_reloads = 0;
        c->curl = curl_easy_init();
        if (!c->curl) {
                free(c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

struct lbl_client *lbl_client_free(struct lbl_client *c)
{
        if (c) {
                curl_easy_cleanup(c->curl);
                /* The struct holds the token: do not leave it in freed memory. */
                memset(&c->cfg, 0, sizeof(c->cfg));
                free(c);
        }
        return NULL;
}

void lbl_client_stats(const struct lbl_client *c, struct lbl_stats *ret)
{
        if (c && ret)
                *ret = c->stats;
}

static void reload_token(struct lbl_client *c)
{
        char tok[sizeof(c->cfg.token)];

        c->token_read_ms = now_ms();
        if (!c->cfg.token_file[0])
                return;
        /* On a read error keep the old token (client-go: "Unable to rotate token"). */
        if (lbl_read_file(c->cfg.token_file, tok, sizeof(tok), NULL) == 0) {
                lbl_trim_token(tok);
                if (tok[0])
                        memcpy(c->cfg.token, tok, sizeof(tok));
        }
        c->stats.token_reloads++;
}

/* Inline PEM (the kubeconfig's *-data, decoded) wins over a file path, as in client-go.
 * type_opt 0: the option has no type to set (the CA bundle). */
static void pem_or_file(CURL *h, CURLoption blob_opt, CURLoption file_opt, CURLoption type_opt,
                        const char *pem, const char *file)
{
        if (pem[0]) {
                struct curl_blob b = {
                    .data = (void *)(uintptr_t)pem, .len = strlen(pem), .flags = CURL_BLOB_COPY};
                curl_easy_setopt(h, blob_opt, &b);
                if (type_opt)
                        curl_easy_setopt(h, type_opt, "PEM");
        } else if (file[0]) {
                curl_easy_setopt(h, file_opt, file);
        }
}

static void setup_tls(struct lbl_client *c)
{
        CURL *h = c->curl;
        const struct lbl_kubeconfig *k = &c->cfg;

        if (k->insecure) {
                curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
                curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
        }
        pem_or_file(h, CURLOPT_CAINFO_BLOB, CURLOPT_CAINFO, 0, k->ca_pem, k->ca_file);
        pem_or_file(h, CURLOPT_SSLCERT_BLOB, CURLOPT_SSLCERT, CURLOPT_SSLCERTTYPE, k->cert_pem,
                    k->cert_file);
        pem_or_file(h, CURLOPT_SSLKEY_BLOB, CURLOPT_SSLKEY, CURLOPT_SSLKEYTYPE, k->key_pem,
                    k->key_file);
}

/* The API's message for a failed request: metav1.Status when the body is JSON, else the
 * first line of the body, else the HTTP status. */
static void status_error(const struct resp *r, struct lbl_error *err)
{
        json_t *o = r->json && r->buf ? json_loadb(r->buf, r->len, 0, NULL) : NULL;
        const char *msg = json_string_value(json_object_get(o, "message"));
        const char *reason = json_string_value(json_object_get(o, "reason"));

        if (msg)
                lbl_seterr(err, r->status, reason, "%s", msg);
        else if (r->buf && r->len)
                lbl_seterr(err, r->status, reason, "HTTP %ld: %.200s", r->status, r->buf);
        else
                lbl_seterr(err, r->status, reason, "HTTP %ld", r->status);
        json_decref(o);
}

static int errno_for_status(long s)
{
        switch (s) {
        case 401:
        case 403:
                return -EACCES;
        case 404:
                return -ENOENT;
        case 409:
                return -EBUSY;
        case 400:
        case 415:
        case 422:
                return -EINVAL;
        default:
                return s == 429 || s >= 500 ? -EAGAIN : -EPROTO;
        }
}

static bool retryable_curl(CURLcode cc)
{
        return cc == CURLE_OPERATION_TIMEDOUT || cc == CURLE_COULDNT_CONNECT ||
               cc == CURLE_RECV_ERROR || cc == CURLE_SEND_ERROR || cc == CURLE_GOT_NOTHING ||
               cc == CURLE_PARTIAL_FILE;
}

static int errno_for_curl(CURLcode cc)
{
        switch (cc) {
        case CURLE_OPERATION_TIMEDOUT:
                return -ETIMEDOUT;
        case CURLE_COULDNT_CONNECT:
        case CURLE_COULDNT_RESOLVE_HOST:
                return -ECONNREFUSED;
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CERTPROBLEM:
                return -EKEYREJECTED;
        default:
                return -EIO;
        }
}

static long backoff(struct lbl_client *c, int attempt, long retry_after_s)
{
        long ms = c->o.backoff_base_ms;

        for (int i = 1; i < attempt && ms < c->o.backoff_cap_ms; i++)
                ms *= 2;
        /* +-20% jitter so a DaemonSet's pods do not retry in step. */
        ms += (long)((double)ms * 0.4 * ((double)(rand_r(&c->seed) % 1000) / 1000.0 - 0.5));
        if (retry_after_s >= 0 && retry_after_s * 1000 > ms)
                ms = retry_after_s * 1000;
        return ms > c->o.backoff_cap_ms ? c->o.backoff_cap_ms : ms;
}

/* One API call with retries. On success (2xx) r holds the body. */
static int request(struct lbl_client *c, const char *method, const char *path,
                   const char *content_type, const char *body, struct resp *r,
                   struct lbl_error *err)
{
        char url[2048], errbuf[CURL_ERROR_SIZE];
        bool reloaded_after_401 = false;
        int rc = -EIO;

        if (snprintf(url, sizeof(url), "%s%s", c->cfg.server, path) >= (int)sizeof(url))
                return -ENAMETOOLONG;
        for (int attempt = 1;; attempt++) {
                struct curl_slist *hdrs = NULL;
                char auth[sizeof(c->cfg.token) + 32];
                CURLcode cc;

                if (c->cfg.token_file[0] && now_ms() - c->token_read_ms >= c->o.token_reload_ms)
                        reload_token(c);
                free(r->buf);
                *r = (struct resp){.max = c->o.max_response, .retry_after = -1};
                curl_easy_reset(c->curl);
                errbuf[0] = '\0';
                curl_easy_setopt(c->curl, CURLOPT_URL, url);
                curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "https");
                curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
                curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, c->o.connect_timeout_ms);
                curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, c->o.timeout_ms);
                curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, errbuf);
                curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
                curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, r);
                curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, on_header);
                curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, r);
                curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "nodeprobe/" NODEPROBE_VERSION);
                curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
                setup_tls(c);
                hdrs = curl_slist_append(hdrs, "Accept: application/json");
                if (c->cfg.token[0]) {
                        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", c->cfg.token);
                        hdrs = curl_slist_append(hdrs, auth);
                }
                if (content_type) {
                        char ct[128];
                        snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
                        hdrs = curl_slist_append(hdrs, ct);
                }
                curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdrs);
                if (body) {
                        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
                        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
                }
                c->stats.requests++;
                cc = curl_easy_perform(c->curl);
                curl_slist_free_all(hdrs);
                memset(auth, 0, sizeof(auth));
                curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &r->status);

                if (r->too_big) {
                        lbl_seterr(err, r->status, "", "reply from %s is larger than %zu bytes",
                                   c->cfg.server, c->o.max_response);
                        return -EPROTO;
                }
                if (cc != CURLE_OK) {
                        rc = errno_for_curl(cc);
                        lbl_seterr(err, 0, "", "%s %s: %s", method, url,
                                   errbuf[0] ? errbuf : curl_easy_strerror(cc));
                        if (!retryable_curl(cc) || attempt >= c->o.max_attempts)
                                return rc;
                        c->stats.retries++;
                        sleep_ms(backoff(c, attempt, -1));
                        continue;
                }
                if (r->status >= 200 && r->status < 300)
                        return 0;
                status_error(r, err);
                rc = errno_for_status(r->status);
                if (r->status == 401 && c->cfg.token_file[0] && !reloaded_after_401) {
                        /* A rotated token: re-read now and try once more (client-go resets its
                         * cached token on 401). */
                        reloaded_after_401 = true;
                        reload_token(c);
                        c->stats.retries++;
                        attempt--;
                        continue;
                }
                if (rc != -EAGAIN || attempt >= c->o.max_attempts)
                        return rc == -EAGAIN ? -EIO : rc;
                c->stats.retries++;
                sleep_ms(backoff(c, attempt, r->retry_after));
        }
}

static int node_path(struct lbl_client *c, const char *node, const char *query, char *buf, size_t n)
{
        char *esc;
        int r;

        if (!node || !*node || strlen(node) > 253)
                return -EINVAL;
        esc = curl_easy_escape(c->curl, node, 0);
        if (!esc)
                return -ENOMEM;
        r = snprintf(buf, n, "/api/v1/nodes/%s%s", esc, query ? query : "");
        curl_free(esc);
        return r < 0 || (size_t)r >= n ? -ENAMETOOLONG : 0;
}

/* Labels this manager applied (managedFields: manager + operation Apply, main resource),
 * with their live values. */
static int owned_labels(struct lbl_client *c, json_t *meta, struct lbl_set *out)
{
        json_t *labels = json_object_get(meta, "labels"),
               *mf = json_object_get(meta, "managedFields");
        json_t *e;
        size_t i;

        memset(out, 0, sizeof(*out));
        if (mf && !json_is_array(mf))
                return -EPROTO;
        json_array_foreach(mf, i, e)
        {
                const char *mgr = json_string_value(json_object_get(e, "manager"));
                const char *op = json_string_value(json_object_get(e, "operation"));
                const char *sub = json_string_value(json_object_get(e, "subresource"));
                json_t *fl = json_object_get(
                    json_object_get(json_object_get(e, "fieldsV1"), "f:metadata"), "f:labels");
                const char *k;
                json_t *unused;

                if (!mgr || strcmp(mgr, c->o.field_manager) != 0 || !op ||
                    strcmp(op, "Apply") != 0 || (sub && *sub) || !json_is_object(fl))
                        continue;
                json_object_foreach(fl, k, unused)
                {
                        const char *v;
                        if (strncmp(k, "f:", 2) != 0 || out->n >= LBL_MAX_LABELS)
                                continue;
                        v = json_string_value(json_object_get(labels, k + 2));
                        if (!v || strlen(k + 2) > LBL_KEY_MAX || strlen(v) >= LBL_VALUE_MAX)
                                continue;
                        snprintf(out->labels[out->n].key, sizeof(out->labels[0].key), "%s", k + 2);
                        snprintf(out->labels[out->n].value, sizeof(out->labels[0].value), "%s", v);
                        out->n++;
                }
        }
        return 0;
}

static int parse_node(struct lbl_client *c, const struct resp *r, const char *node,
                      struct lbl_node_view *view, struct lbl_set *live, struct lbl_error *err)
{
        json_error_t je;
        json_t *o = json_loadb(r->buf ? r->buf : "", r->len, 0, &je), *meta;
        const char *name, *nfd;
        int rc = 0;

        meta = json_object_get(o, "metadata");
        name = json_string_value(json_object_get(meta, "name"));
        if (!json_is_object(o) || !json_is_object(meta) || !name || strcmp(name, node) != 0) {
                lbl_seterr(err, r->status, "", "the API server's reply is not Node %s (%s)", node,
                           o ? "unexpected JSON" : je.text);
                rc = -EPROTO;
                goto out;
        }
        if (json_object_get(meta, "labels") && !json_is_object(json_object_get(meta, "labels"))) {
                lbl_seterr(err, r->status, "", "Node %s has malformed labels", node);
                rc = -EPROTO;
                goto out;
        }
        rc = owned_labels(c, meta, view ? &view->owned : live);
        if (rc < 0) {
                lbl_seterr(err, r->status, "", "Node %s has malformed managedFields", node);
                goto out;
        }
        if (view) {
                nfd = json_string_value(
                    json_object_get(json_object_get(meta, "annotations"), NFD_ANNOTATION));
                snprintf(view->nfd_feature_labels, sizeof(view->nfd_feature_labels), "%s",
                         nfd ? nfd : "");
        }
out:
        json_decref(o);
        return rc;
}

int lbl_node_get(struct lbl_client *c, const char *node, struct lbl_node_view *view,
                 struct lbl_error *err)
{
        struct resp r = {0};
        char path[512];
        int rc;

        if (!c || !view)
                return -EINVAL;
        memset(view, 0, sizeof(*view));
        rc = node_path(c, node, NULL, path, sizeof(path));
        if (rc < 0) {
                lbl_seterr(err, 0, "", "invalid node name");
                return rc;
        }
        c->stats.gets++;
        rc = request(c, "GET", path, NULL, NULL, &r, err);
        if (rc == 0)
                rc = parse_node(c, &r, node, view, NULL, err);
        free(r.buf);
        return rc;
}

static bool same_set(const struct lbl_set *a, const struct lbl_set *b)
{
        if (a->n != b->n)
                return false;
        for (uint32_t i = 0; i < a->n; i++) {
                const char *v = lbl_get(b, a->labels[i].key);
                if (!v || strcmp(v, a->labels[i].value) != 0)
                        return false;
        }
        return true;
}

int lbl_apply(struct lbl_client *c, const char *node, const struct lbl_set *desired, unsigned flags,
              const struct lbl_node_view *known, struct lbl_apply_result *res,
              struct lbl_error *err)
{
        struct lbl_node_view *view = NULL;
        json_t *doc = NULL, *labels = NULL;
        struct resp r = {0};
        char path[640], *body = NULL;
        int rc = 0;

        if (!c || !desired || !res)
                return -EINVAL;
        memset(res, 0, sizeof(*res));
        for (uint32_t i = 0; i < desired->n; i++) {
                /* Never send what the API server would refuse. */
                if (lbl_validate_key(desired->labels[i].key) < 0 ||
                    lbl_validate_value(desired->labels[i].value) < 0) {
                        lbl_seterr(err, 0, "", "invalid label %s=%s", desired->labels[i].key,
                                   desired->labels[i].value);
                        return -EINVAL;
                }
        }
        view = calloc(1, sizeof(*view));
        if (!view)
                return -ENOMEM;
        if (known)
                *view = *known;
        else if ((rc = lbl_node_get(c, node, view, err)) < 0)
                goto out;
        if (!(flags & (LBL_APPLY_ALWAYS | LBL_APPLY_DRY_RUN)) && same_set(desired, &view->owned)) {
                res->live = view->owned;
                goto out; /* write only on change */
        }
        doc = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind", "Node", "metadata",
                        "name", node);
        labels = json_object();
        if (!doc || !labels) {
                rc = -ENOMEM;
                goto out;
        }
        for (uint32_t i = 0; i < desired->n; i++)
                json_object_set_new(labels, desired->labels[i].key,
                                    json_string(desired->labels[i].value));
        /* An empty intent (cleanup) omits the map: SSA then removes everything we applied. */
        if (desired->n)
                json_object_set(json_object_get(doc, "metadata"), "labels", labels);
        body = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
        if (!body) {
                rc = -ENOMEM;
                goto out;
        }
        rc = node_path(c, node, NULL, path, sizeof(path) - 128);
        if (rc < 0)
                goto out;
        {
                char *mgr = curl_easy_escape(c->curl, c->o.field_manager, 0);
                size_t used = strlen(path);
                if (!mgr) {
                        rc = -ENOMEM;
                        goto out;
                }
                snprintf(path + used, sizeof(path) - used, "?fieldManager=%.60s&force=true%s", mgr,
                         flags & LBL_APPLY_DRY_RUN ? "&dryRun=All" : "");
                curl_free(mgr);
        }
        c->stats.patches++;
        rc = request(c, "PATCH", path, "application/apply-patch+yaml", body, &r, err);
        if (rc == 0) {
                res->changed = true;
                rc = parse_node(c, &r, node, NULL, &res->live, err);
        }
out:
        free(body);
        free(r.buf);
        json_decref(labels);
        json_decref(doc);
        free(view);
        return rc;
}
