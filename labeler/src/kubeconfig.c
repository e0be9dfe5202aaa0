/* SPDX-License-Identifier: MIT */
/*
 * kubeconfig (client-go tools/clientcmd/api/v1/types.go) read with libyaml, and the
 * in-cluster service-account config (client-go rest/config.go InClusterConfig).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "labeler/labeler.h"
#include "lbl_internal.h"

#define KUBECONFIG_CAP (1024 * 1024)
#define SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

void lbl_seterr(struct lbl_error *err, long http, const char *reason, const char *fmt, ...)
{
        va_list ap;

        if (!err)
                return;
        err->http_status = http;
        snprintf(err->reason, sizeof(err->reason), "%s", reason ? reason : "");
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof(err->message), fmt, ap);
        va_end(ap);
        /* One line: the message goes into a log line. */
        for (char *p = err->message; *p; p++)
                if (*p == '\n' || *p == '\r')
                        *p = ' ';
}

int lbl_read_file(const char *path, char *buf, size_t cap, size_t *ret_len)
{
        FILE *f = fopen(path, "re");
        size_t n;

        if (!f)
                return -errno;
        n = fread(buf, 1, cap - 1, f);
        if (ferror(f)) {
                fclose(f);
                return -EIO;
        }
        if (n == cap - 1 && fgetc(f) != EOF) {
                fclose(f);
                return -EFBIG;
        }
        fclose(f);
        buf[n] = '\0';
        if (ret_len)
                *ret_len = n;
        return 0;
}

/* RFC 4648 base64 (the *-data fields). Whitespace ignored. -EINVAL on bad input/overflow. */
static int base64_decode(const char *in, char *out, size_t cap)
{
        unsigned acc = 0;
        int bits = 0;
        size_t n = 0;

        for (const char *p = in; *p; p++) {
                int v;
                char ch = *p;
                if (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t')
                        continue;
                if (ch == '=')
                        break;
                if (ch >= 'A' && ch <= 'Z')
                        v = ch - 'A';
                else if (ch >= 'a' && ch <= 'z')
                        v = ch - 'a' + 26;
                else if (ch >= '0' && ch <= '9')
                        v = ch - '0' + 52;
                else if (ch == '+')
                        v = 62;
                else if (ch == '/')
                        v = 63;
                else
                        return -EINVAL;
                acc = (acc << 6) | (unsigned)v;
                bits += 6;
                if (bits >= 8) {
                        bits -= 8;
                        if (n + 1 >= cap)
                                return -EINVAL;
                        out[n++] = (char)((acc >> bits) & 0xff);
                }
        }
        out[n] = '\0';
        return n ? 0 : -EINVAL;
}

static yaml_node_t *map_get(yaml_document_t *d, yaml_node_t *map, const char *key)
{
        if (!map || map->type != YAML_MAPPING_NODE)
                return NULL;
        for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
             p++) {
                yaml_node_t *k = yaml_document_get_node(d, p->key);
                if (k && k->type == YAML_SCALAR_NODE &&
                    strcmp((const char *)k->data.scalar.value, key) == 0)
                        return yaml_document_get_node(d, p->value);
        }
        return NULL;
}

static const char *scalar(yaml_node_t *n)
{
        return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* The entry of a named list (clusters/users/contexts) whose name matches; its inner map. */
static yaml_node_t *named(yaml_document_t *d, yaml_node_t *root, const char *list, const char *name,
                          const char *inner)
{
        yaml_node_t *seq = map_get(d, root, list);

        if (!seq || seq->type != YAML_SEQUENCE_NODE || !name)
                return NULL;
        for (yaml_node_item_t *i = seq->data.sequence.items.start; i < seq->data.sequence.items.top;
             i++) {
                yaml_node_t *e = yaml_document_get_node(d, *i);
                const char *n = scalar(map_get(d, e, "name"));
                if (n && strcmp(n, name) == 0)
                        return map_get(d, e, inner);
        }
        return NULL;
}

static int set_path(char *dst, size_t n, const char *dir, const char *value)
{
        int r = value[0] == '/' || !dir[0] ? snprintf(dst, n, "%s", value)
                                           : snprintf(dst, n, "%s/%s", dir, value);
        return r < 0 || (size_t)r >= n ? -ENAMETOOLONG : 0;
}

static int copy_str(char *dst, size_t n, const char *v)
{
        int r = snprintf(dst, n, "%s", v);
        return r < 0 || (size_t)r >= n ? -E2BIG : 0;
}

static int parse(yaml_document_t *d, const char *dir, struct lbl_kubeconfig *k,
                 struct lbl_error *err)
{
        yaml_node_t *root = yaml_document_get_root_node(d), *ctx, *cl, *us;
        const char *cc, *v;
        int r = 0;

        if (!root || root->type != YAML_MAPPING_NODE) {
                lbl_seterr(err, 0, "", "kubeconfig is not a YAML mapping");
                return -EINVAL;
        }
        cc = scalar(map_get(d, root, "current-context"));
        if (!cc || !*cc) {
                lbl_seterr(err, 0, "", "kubeconfig has no current-context");
                return -EINVAL;
        }
        ctx = named(d, root, "contexts", cc, "context");
        if (!ctx) {
                lbl_seterr(err, 0, "", "kubeconfig: context '%s' not found", cc);
                return -EINVAL;
        }
        cl = named(d, root, "clusters", scalar(map_get(d, ctx, "cluster")), "cluster");
        if (!cl) {
                lbl_seterr(err, 0, "", "kubeconfig: cluster of context '%s' not found", cc);
                return -EINVAL;
        }
        v = scalar(map_get(d, cl, "server"));
        if (!v || strncmp(v, "https://", 8) != 0) {
                lbl_seterr(err, 0, "",
                           "kubeconfig: cluster server must be an https:// URL (got "
                           "'%s')",
                           v ? v : "");
                return -EINVAL;
        }
        r |= copy_str(k->server, sizeof(k->server), v);
        /* "https://host:6443/" and proxied "https://host/k8s/clusters/c-1/" get API paths
         * appended: no trailing slash. */
        for (size_t n = strlen(k->server); n > 8 && k->server[n - 1] == '/'; n--)
                k->server[n - 1] = '\0';
        if ((v = scalar(map_get(d, cl, "certificate-authority-data"))) &&
            base64_decode(v, k->ca_pem, sizeof(k->ca_pem)) < 0) {
                lbl_seterr(err, 0, "", "kubeconfig: certificate-authority-data is not base64");
                return -EINVAL;
        }
        if ((v = scalar(map_get(d, cl, "certificate-authority"))))
                r |= set_path(k->ca_file, sizeof(k->ca_file), dir, v);
        if ((v = scalar(map_get(d, cl, "tls-server-name"))))
                r |= copy_str(k->tls_server_name, sizeof(k->tls_server_name), v);
        if ((v = scalar(map_get(d, cl, "insecure-skip-tls-verify"))))
                k->insecure = strcmp(v, "true") == 0;
        if (k->insecure && (k->ca_file[0] || k->ca_pem[0])) {
                /* client-go transport.go refuses the same combination. */
                lbl_seterr(err, 0, "",
                           "kubeconfig: specifying a root certificates file with the "
                           "insecure flag is not allowed");
                return -EINVAL;
        }

        us = named(d, root, "users", scalar(map_get(d, ctx, "user")), "user");
        if (!us) {
                lbl_seterr(err, 0, "", "kubeconfig: user of context '%s' not found", cc);
                return -EINVAL;
        }
        if (map_get(d, us, "exec") || map_get(d, us, "auth-provider")) {
                lbl_seterr(err, 0, "",
                           "kubeconfig user uses %s, which nodeprobe does not support: use a "
                           "token or a client certificate",
                           map_get(d, us, "exec") ? "an exec plugin" : "an auth-provider");
                return -ENOTSUP;
        }
        if ((v = scalar(map_get(d, us, "token"))))
                r |= copy_str(k->token, sizeof(k->token), v);
        if ((v = scalar(map_get(d, us, "tokenFile"))))
                r |= set_path(k->token_file, sizeof(k->token_file), dir, v);
        if ((v = scalar(map_get(d, us, "client-certificate"))))
                r |= set_path(k->cert_file, sizeof(k->cert_file), dir, v);
        if ((v = scalar(map_get(d, us, "client-key"))))
                r |= set_path(k->key_file, sizeof(k->key_file), dir, v);
        if ((v = scalar(map_get(d, us, "client-certificate-data"))) &&
            base64_decode(v, k->cert_pem, sizeof(k->cert_pem)) < 0) {
                lbl_seterr(err, 0, "", "kubeconfig: client-certificate-data is not base64");
                return -EINVAL;
        }
        if ((v = scalar(map_get(d, us, "client-key-data"))) &&
            base64_decode(v, k->key_pem, sizeof(k->key_pem)) < 0) {
                lbl_seterr(err, 0, "", "kubeconfig: client-key-data is not base64");
                return -EINVAL;
        }
        if (r) {
                lbl_seterr(err, 0, "", "kubeconfig: a value is too long");
                return -EINVAL;
        }
        if ((k->cert_file[0] || k->cert_pem[0]) != (k->key_file[0] || k->key_pem[0])) {
                lbl_seterr(err, 0, "",
                           "kubeconfig: a client certificate needs its key (and "
                           "the other way round)");
                return -EINVAL;
        }
        if (!k->token[0] && !k->token_file[0] && !k->cert_file[0] && !k->cert_pem[0]) {
                lbl_seterr(err, 0, "",
                           "kubeconfig user has no credentials: use a token or a "
                           "client certificate");
                return -EINVAL;
        }
        return 0;
}

int lbl_kubeconfig_load(const char *path, struct lbl_kubeconfig *k, struct lbl_error *err)
{
        char p[PATH_MAX], dir[PATH_MAX], *text = NULL, *slash;
        yaml_parser_t parser;
        yaml_document_t doc;
        bool parser_ok = false, doc_ok = false;
        size_t len = 0;
        int r;

        memset(k, 0, sizeof(*k));
        if (!path || !*path) {
                const char *env = getenv("KUBECONFIG"), *home = getenv("HOME");
                if (env && *env) {
                        /* A path list: the first entry (merging is not supported). */
                        snprintf(p, sizeof(p), "%.*s", (int)strcspn(env, ":"), env);
                } else if (home && *home) {
                        snprintf(p, sizeof(p), "%s/.kube/config", home);
                } else {
                        lbl_seterr(err, 0, "", "no kubeconfig: set --kubeconfig or KUBECONFIG");
                        return -ENOENT;
                }
        } else {
                snprintf(p, sizeof(p), "%s", path);
        }
        snprintf(dir, sizeof(dir), "%s", p);
        slash = strrchr(dir, '/');
        if (slash)
                *slash = '\0';
        else
                dir[0] = '\0';

        text = malloc(KUBECONFIG_CAP);
        if (!text)
                return -ENOMEM;
        r = lbl_read_file(p, text, KUBECONFIG_CAP, &len);
        if (r < 0) {
                lbl_seterr(err, 0, "", "cannot read kubeconfig %s: %s", p, strerror(-r));
                goto out;
        }
        if (!yaml_parser_initialize(&parser)) {
                r = -ENOMEM;
                goto out;
        }
        parser_ok = true;
        yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
        if (!yaml_parser_load(&parser, &doc)) {
                lbl_seterr(err, 0, "", "kubeconfig %s is not valid YAML: %s at line %zu", p,
                           parser.problem ? parser.problem : "error", parser.problem_mark.line + 1);
                r = -EINVAL;
                goto out;
        }
        doc_ok = true;
        r = parse(&doc, dir, k, err);
out:
        if (doc_ok)
                yaml_document_delete(&doc);
        if (parser_ok)
                yaml_parser_delete(&parser);
        free(text);
        return r;
}

int lbl_incluster_load(const char *sa_dir, struct lbl_kubeconfig *k, struct lbl_error *err)
{
        const char *host = getenv("KUBERNETES_SERVICE_HOST"),
                   *port = getenv("KUBERNETES_SERVICE_PORT");
        char path[PATH_MAX];
        int r;

        memset(k, 0, sizeof(*k));
        if (!sa_dir)
                sa_dir = SA_DIR;
        if (!host || !*host || !port || !*port) {
                lbl_seterr(err, 0, "", "not in a cluster (KUBERNETES_SERVICE_HOST/PORT unset)");
                return -ENOENT;
        }
        /* net.JoinHostPort: an IPv6 address gets brackets. */
        r = snprintf(k->server, sizeof(k->server),
                     strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s", host, port);
        if (r < 0 || (size_t)r >= sizeof(k->server))
                return -EINVAL;
        snprintf(k->ca_file, sizeof(k->ca_file), "%s/ca.crt", sa_dir);
        snprintf(k->token_file, sizeof(k->token_file), "%s/token", sa_dir);
        snprintf(path, sizeof(path), "%s/token", sa_dir);
        r = lbl_read_file(path, k->token, sizeof(k->token), NULL);
        if (r < 0) {
                lbl_seterr(err, 0, "", "cannot read the service-account token %s: %s", path,
                           strerror(-r));
                return r;
        }
        lbl_trim_token(k->token);
        k->in_cluster = true;
        return 0;
}

void lbl_trim_token(char *t)
{
        size_t n = strlen(t);
        while (n && (t[n - 1] == '\n' || t[n - 1] == '\r' || t[n - 1] == ' ' || t[n - 1] == '\t'))
                t[--n] = '\0';
}
