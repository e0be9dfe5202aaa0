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

#include <jansson.h>

#include "client_internal.h"
#include "labeler/labeler.h"
#include "lbl_internal.h"
#include "nodeprobe_version.h"

#define NFD_ANNOTATION "nfd.node.kubernetes.io/feature-labels"

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

        if (add > r->max || r->len + add > r->max) {
                r->too_big = true;
                return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
        }
        if (r->len + add + 1 > r->cap) {
                /* Geometric growth: an exact-size realloc per chunk is quadratic (and slow
                 * enough under ASan to time out on a large reply). */
                size_t cap = r->cap ? r->cap : 16384;
                char *nb;
                while (cap < r->len + add + 1)
                        cap *= 2;
                nb = realloc(r->buf, cap);
                if (!nb)
                        return 0;
                r->buf = nb;
                r->cap = cap;
        }
        memcpy(r->buf + r->len, data, add);
        r->len += add;
        r->buf[r->len] = '\0';
        return add;
}

long lbl_parse_retry_after(const char *line, size_t len)
{
        static const char name[] = "Retry-After:";
        size_t i = sizeof(name) - 1;
        long long v = 0;
        bool digits = false;

        if (!line || len < i || strncasecmp(line, name, i) != 0)
                return -1;
        while (i < len && (line[i] == ' ' || line[i] == '\t'))
                i++;
        /* Integer seconds only, like client-go; an HTTP date is ignored. Saturate instead of
         * overflowing, and never read past len (the line is not NUL-terminated). */
        for (; i < len && line[i] >= '0' && line[i] <= '9'; i++) {
                digits = true;
                if (v < 86400)
                        v = v * 10 + (line[i] - '0');
        }
        while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r' || line[i] == '\n'))
                i++;
        if (!digits || i != len)
                return -1;
        return v > 86400 ? 86400 : (long)v;
}

static size_t on_header(char *data, size_t size, size_t n, void *user)
{
        static const char ct_name[] = "Content-Type:";
        struct resp *r = user;
        size_t len = size * n;
        long ra = lbl_parse_retry_after(data, len);

        if (ra >= 0)
                r->retry_after = ra;
        if (len > sizeof(ct_name) - 1 && strncasecmp(data, ct_name, sizeof(ct_name) - 1) == 0) {
                char ct[64];
                size_t l = len - (sizeof(ct_name) - 1);
                if (l >= sizeof(ct))
                        l = sizeof(ct) - 1;
                memcpy(ct, data + sizeof(ct_name) - 1, l);
                ct[l] = '\0';
                r->json = strstr(ct, "application/json") != NULL;
        }
        return len;
}

static bool loopback_host(const char *h)
{
        /* Go's net/http never proxies these (httpproxy: "requests to localhost or loopback
         * addresses are not proxied"); kubectl against a local cluster behaves the same. */
        return strcmp(h, "localhost") == 0 || strncmp(h, "127.", 4) == 0 ||
               strcmp(h, "[::1]") == 0 || strcmp(h, "::1") == 0;
}

/* The server URL split for libcurl: the URL requests go to, the same without credentials for
 * messages, and with tls-server-name the CONNECT_TO mapping that makes libcurl connect to the
 * configured address while it checks the certificate for that name (as client-go's
 * TLSClientConfig.ServerName does). */
static int prepare_server(struct lbl_client *c)
{
        CURLU *u = curl_url();
        char *host = NULL, *port = NULL, *shown = NULL, *url = NULL;
        int rc = -EINVAL;

        if (!u)
                return -ENOMEM;
        if (curl_url_set(u, CURLUPART_URL, c->cfg.server, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
                goto out;
        c->loopback = loopback_host(host);
        curl_url_set(u, CURLUPART_USER, NULL, 0);
        curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
        if (curl_url_get(u, CURLUPART_URL, &shown, 0) != CURLUE_OK)
                goto out;
        snprintf(c->shown, sizeof(c->shown), "%s", shown);
        for (size_t n = strlen(c->shown); n > 8 && c->shown[n - 1] == '/'; n--)
                c->shown[n - 1] = '\0';
        snprintf(c->url_base, sizeof(c->url_base), "%s", c->cfg.server);
        if (c->cfg.tls_server_name[0]) {
                char *orig_host = NULL;
                if (curl_url_get(u, CURLUPART_HOST, &orig_host, 0) != CURLUE_OK)
                        goto out;
                snprintf(c->connect_to, sizeof(c->connect_to), "%s:%s:%s:%s",
                         c->cfg.tls_server_name, port, orig_host, port);
                snprintf(c->host_hdr, sizeof(c->host_hdr), "Host: %s:%s", orig_host, port);
                curl_free(orig_host);
                if (curl_url_set(u, CURLUPART_HOST, c->cfg.tls_server_name, 0) != CURLUE_OK ||
                    curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK)
                        goto out;
                snprintf(c->url_base, sizeof(c->url_base), "%s", url);
                for (size_t n = strlen(c->url_base); n > 8 && c->url_base[n - 1] == '/'; n--)
                        c->url_base[n - 1] = '\0';
        }
        rc = 0;
out:
        curl_free(host);
        curl_free(port);
        curl_free(shown);
        curl_free(url);
        curl_url_cleanup(u);
        return rc;
}

int lbl_client_new(const struct lbl_kubeconfig *cfg, const struct lbl_client_options *opts,
                   struct lbl_client **ret)
{
        static const struct lbl_client_options defaults = {0};
        struct lbl_client *c;
        int r;

        if (!cfg || !ret)
                return -EINVAL;
        *ret = NULL;
        {
                char why[256];
                if (lbl_curl_load(why, sizeof(why)) < 0)
                        return -ELIBACC;
        }
        if (cfg->insecure && !(opts && opts->allow_insecure))
                return -EPERM;
        if (!lbl_token_ok(cfg->token))
                return -EINVAL;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->cfg = *cfg;
        c->o = opts ? *opts : defaults;
        if (!c->o.field_manager)
                c->o.field_manager = "nodeprobe";
        snprintf(c->prefix, sizeof(c->prefix), "%s",
                 c->o.prefix ? c->o.prefix : LBL_DEFAULT_PREFIX);
        c->o.prefix = c->prefix;
        if (c->o.connect_timeout_ms <= 0)
                c->o.connect_timeout_ms = 5000;
        if (c->o.timeout_ms <= 0)
                c->o.timeout_ms = 15000;
        if (c->o.retry_budget_ms <= 0)
                c->o.retry_budget_ms = 20000;
        if (c->o.max_attempts < 0)
                c->o.max_attempts = 0;
        if (c->o.backoff_base_ms <= 0)
                c->o.backoff_base_ms = 500;
        if (c->o.backoff_cap_ms <= 0)
                c->o.backoff_cap_ms = 30000;
        if (c->o.token_reload_ms <= 0)
                c->o.token_reload_ms = 60000;
        if (c->o.max_response == 0)
                c->o.max_response = 4u << 20;
        c->seed = (unsigned)now_ms();
        r = prepare_server(c);
        if (r < 0) {
                lbl_client_free(c);
                return r;
        }
        /* tokenFile: "the last successfully read value takes precedence over Token". */
        reload_token(c);
        c->stats.token_reloads = 0;
        c->curl = curl_easy_init();
        if (!c->curl) {
                lbl_client_free(c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

struct lbl_client *lbl_client_free(struct lbl_client *c)
{
        if (c) {
                curl_easy_cleanup(c->curl);
                /* The struct holds the token: do not leave it in freed memory (explicit_bzero,
                 * which the compiler may not drop as a dead store). */
                lbl_kubeconfig_free_secrets(&c->cfg);
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
                /* A token with CR/LF would add headers: keep the old one instead. */
                if (tok[0] && lbl_token_ok(tok))
                        memcpy(c->cfg.token, tok, sizeof(tok));
        }
        explicit_bzero(tok, sizeof(tok));
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
        if (k->ca_pem[0] || k->ca_file[0]) {
                /* Trust exactly the configured CA, as kubectl does: libcurl's built-in bundle
                 * and CA directory (/etc/ssl/certs on Debian) would otherwise also vouch for
                 * the server, and any certificate from a public CA would get the token. */
                curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
                curl_easy_setopt(h, CURLOPT_CAINFO, NULL);
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
        /* CURLE_SSL_CONNECT_ERROR: a reset or close during the handshake (an API server
         * restarting); a certificate that does not verify is CURLE_PEER_FAILED_VERIFICATION
         * and is final. */
        return cc == CURLE_OPERATION_TIMEDOUT || cc == CURLE_COULDNT_CONNECT ||
               cc == CURLE_RECV_ERROR || cc == CURLE_SEND_ERROR || cc == CURLE_GOT_NOTHING ||
               cc == CURLE_PARTIAL_FILE || cc == CURLE_SSL_CONNECT_ERROR ||
               cc == CURLE_COULDNT_RESOLVE_HOST;
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
        /* retry_after_s is at most 86400 (lbl_parse_retry_after): no overflow here. */
        if (retry_after_s >= 0 && retry_after_s * 1000L > ms)
                ms = retry_after_s * 1000L;
        return ms > c->o.backoff_cap_ms ? c->o.backoff_cap_ms : ms;
}

/* Should another attempt start after waiting delay_ms? (time budget and attempt cap) */
static bool may_retry(const struct lbl_client *c, int attempt, long long start, long delay_ms)
{
        if (c->o.max_attempts && attempt >= c->o.max_attempts)
                return false;
        return now_ms() + delay_ms - start <= c->o.retry_budget_ms;
}

static void set_request_options(struct lbl_client *c, const char *url, const char *method,
                                struct resp *r, char *errbuf)
{
        CURL *h = c->curl;

        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->o.connect_timeout_ms);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->o.timeout_ms);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
        curl_easy_setopt(h, CURLOPT_USERAGENT, "nodeprobe/" NODEPROBE_VERSION);
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
        if (c->cfg.proxy_url[0])
                curl_easy_setopt(h, CURLOPT_PROXY, c->cfg.proxy_url); /* kubeconfig proxy-url */
        else if (c->loopback)
                curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
        /* Otherwise libcurl reads https_proxy/HTTPS_PROXY and NO_PROXY (CIDR too) itself. */
        setup_tls(c);
}

/* One API call with retries. On success (2xx) r holds the body; on an HTTP error too. */
int lbl_request(struct lbl_client *c, const char *method, const char *path,
                const char *content_type, const char *body, struct resp *r, struct lbl_error *err)
{
        char url[2048], errbuf[CURL_ERROR_SIZE];
        bool reloaded_after_401 = false;
        long long start = now_ms();
        struct curl_slist *connect_to = NULL;
        int rc = -EIO;

        if (snprintf(url, sizeof(url), "%s%s", c->url_base, path) >= (int)sizeof(url))
                return -ENAMETOOLONG;
        if (c->connect_to[0]) {
                connect_to = curl_slist_append(NULL, c->connect_to);
                if (!connect_to)
                        return -ENOMEM;
        }
        for (int attempt = 1;; attempt++) {
                struct curl_slist *hdrs = NULL;
                char auth[sizeof(c->cfg.token) + 32];
                CURLcode cc;
                long delay;

                if (c->cfg.token_file[0] && now_ms() - c->token_read_ms >= c->o.token_reload_ms)
                        reload_token(c);
                free(r->buf);
                *r = (struct resp){.max = c->o.max_response, .retry_after = -1};
                curl_easy_reset(c->curl);
                errbuf[0] = '\0';
                set_request_options(c, url, method, r, errbuf);
                if (connect_to) {
                        curl_easy_setopt(c->curl, CURLOPT_CONNECT_TO, connect_to);
                        hdrs = curl_slist_append(hdrs, c->host_hdr);
                }
                hdrs = curl_slist_append(hdrs, "Accept: application/json");
                if (c->cfg.token[0]) {
                        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", c->cfg.token);
                        hdrs = curl_slist_append(hdrs, auth);
                        explicit_bzero(auth, sizeof(auth));
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
                /* The list holds a copy of the Authorization header: wipe it before free. */
                for (struct curl_slist *l = hdrs; l; l = l->next)
                        explicit_bzero(l->data, strlen(l->data));
                curl_slist_free_all(hdrs);
                curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &r->status);

                if (r->too_big) {
                        lbl_seterr(err, r->status, "", "reply from %s is larger than %zu bytes",
                                   c->shown, c->o.max_response);
                        rc = -EPROTO;
                        break;
                }
                if (cc != CURLE_OK) {
                        rc = errno_for_curl(cc);
                        lbl_seterr(err, 0, "", "%s %s%s: %s", method, c->shown, path,
                                   errbuf[0] ? errbuf : curl_easy_strerror(cc));
                        delay = backoff(c, attempt, -1);
                        if (!retryable_curl(cc) || !may_retry(c, attempt, start, delay))
                                break;
                        c->stats.retries++;
                        sleep_ms(delay);
                        continue;
                }
                if (r->status >= 200 && r->status < 300) {
                        rc = 0;
                        break;
                }
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
                delay = backoff(c, attempt, r->retry_after);
                if (rc != -EAGAIN || !may_retry(c, attempt, start, delay)) {
                        if (rc == -EAGAIN)
                                rc = -EIO;
                        break;
                }
                c->stats.retries++;
                sleep_ms(delay);
        }
        curl_slist_free_all(connect_to);
        return rc;
}
