/* SPDX-License-Identifier: MIT */
/*
 * kubeconfig (client-go tools/clientcmd/api/v1/types.go) read with libyaml, merged across a
 * KUBECONFIG list as client-go's loader.go does, and the in-cluster service-account config
 * (client-go rest/config.go InClusterConfig).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "labeler/labeler.h"
#include "lbl_internal.h"

#define KUBECONFIG_CAP (1024 * 1024)
#define SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

/* RFC 4648 base64 (the *-data fields). Whitespace ignored. -EINVAL bad input, -E2BIG when the
 * decoded bytes do not fit in cap-1. */
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
                                return -E2BIG;
                        out[n++] = (char)((acc >> bits) & 0xff);
                }
        }
        out[n] = '\0';
        return n ? 0 : -EINVAL;
}

/* One parsed file of a (merged) kubeconfig. */
struct kfile {
        yaml_document_t doc;
        bool loaded;
        char dir[PATH_MAX]; /* relative paths of entries from this file resolve here */
};

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

/* A YAML boolean as Go's YAML decoder sees it: a plain (unquoted) true or false. The string
 * "true" is not a bool, and kubectl refuses such a file; so do we. -EINVAL otherwise. */
static int yaml_bool(yaml_node_t *n, bool *ret)
{
        const char *v = scalar(n);

        if (!v || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
                return -EINVAL;
        if (!strcmp(v, "true") || !strcmp(v, "True") || !strcmp(v, "TRUE"))
                *ret = true;
        else if (!strcmp(v, "false") || !strcmp(v, "False") || !strcmp(v, "FALSE"))
                *ret = false;
        else
                return -EINVAL;
        return 0;
}

/* The entry of a named list (clusters/users/contexts) whose name matches, from the first file
 * that has one (client-go: "the first file to set a particular map key wins"); its inner map
 * and the file it came from. */
static yaml_node_t *named(struct kfile *files, int n, const char *list, const char *name,
                          const char *inner, struct kfile **from)
{
        if (!name)
                return NULL;
        for (int f = 0; f < n; f++) {
                yaml_document_t *d = &files[f].doc;
                yaml_node_t *seq = map_get(d, yaml_document_get_root_node(d), list);

                if (!seq || seq->type != YAML_SEQUENCE_NODE)
                        continue;
                for (yaml_node_item_t *i = seq->data.sequence.items.start;
                     i < seq->data.sequence.items.top; i++) {
                        yaml_node_t *e = yaml_document_get_node(d, *i);
                        const char *nm = scalar(map_get(d, e, "name"));
                        if (nm && strcmp(nm, name) == 0) {
                                *from = &files[f];
                                return map_get(d, e, inner);
                        }
                }
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

static int decode_field(const char *what, const char *v, char *out, size_t cap,
                        struct lbl_error *err)
{
        int r = base64_decode(v, out, cap);

        if (r == -E2BIG)
                lbl_seterr(err, 0, "",
                           "kubeconfig: %s decodes to more than %zu bytes (the limit); put it in a "
                           "file and name the file instead",
                           what, cap - 1);
        else if (r < 0)
                lbl_seterr(err, 0, "", "kubeconfig: %s is not base64", what);
        return r < 0 ? -EINVAL : 0;
}

static int parse_cluster(yaml_document_t *d, yaml_node_t *cl, const char *dir,
                         struct lbl_kubeconfig *k, struct lbl_error *err)
{
        yaml_node_t *ins;
        const char *v;
        int r = 0;

        v = scalar(map_get(d, cl, "server"));
        if (!v || strncmp(v, "https://", 8) != 0) {
                lbl_seterr(err, 0, "",
                           "kubeconfig: cluster server must be an https:// URL (got '%s')",
                           v ? v : "");
                return -EINVAL;
        }
        r |= copy_str(k->server, sizeof(k->server), v);
        /* "https://host:6443/" and proxied "https://host/k8s/clusters/c-1/" get API paths
         * appended: no trailing slash. */
        for (size_t n = strlen(k->server); n > 8 && k->server[n - 1] == '/'; n--)
                k->server[n - 1] = '\0';
        if ((v = scalar(map_get(d, cl, "certificate-authority-data"))) &&
            decode_field("certificate-authority-data", v, k->ca_pem, sizeof(k->ca_pem), err) < 0)
                return -EINVAL;
        if ((v = scalar(map_get(d, cl, "certificate-authority"))))
                r |= set_path(k->ca_file, sizeof(k->ca_file), dir, v);
        if ((v = scalar(map_get(d, cl, "tls-server-name"))))
                r |= copy_str(k->tls_server_name, sizeof(k->tls_server_name), v);
        if ((v = scalar(map_get(d, cl, "proxy-url")))) {
                if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8) &&
                    strncmp(v, "socks5://", 9)) {
                        lbl_seterr(err, 0, "",
                                   "kubeconfig: proxy-url must be http://, https:// or socks5://");
                        return -EINVAL;
                }
                r |= copy_str(k->proxy_url, sizeof(k->proxy_url), v);
        }
        if ((ins = map_get(d, cl, "insecure-skip-tls-verify")) &&
            yaml_bool(ins, &k->insecure) < 0) {
                lbl_seterr(err, 0, "",
                           "kubeconfig: insecure-skip-tls-verify must be true or false (a YAML "
                           "boolean, not a string), line %zu",
                           ins->start_mark.line + 1);
                return -EINVAL;
        }
        if (k->insecure && (k->ca_file[0] || k->ca_pem[0])) {
                /* client-go transport.go refuses the same combination. */
                lbl_seterr(err, 0, "",
                           "kubeconfig: specifying a root certificates file with the insecure flag "
                           "is not allowed");
                return -EINVAL;
        }
        return r ? -E2BIG : 0;
}

static int parse_user(yaml_document_t *d, yaml_node_t *us, const char *dir,
                      struct lbl_kubeconfig *k, struct lbl_error *err)
{
        const char *v;
        int r = 0;

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
            decode_field("client-certificate-data", v, k->cert_pem, sizeof(k->cert_pem), err) < 0)
                return -EINVAL;
        if ((v = scalar(map_get(d, us, "client-key-data"))) &&
            decode_field("client-key-data", v, k->key_pem, sizeof(k->key_pem), err) < 0)
                return -EINVAL;
        if (r)
                return -E2BIG;
        if (k->token[0] && !lbl_token_ok(k->token)) {
                lbl_seterr(err, 0, "",
                           "kubeconfig: the user's token has spaces or control characters");
                return -EINVAL;
        }
        return 0;
}

static int resolve(struct kfile *files, int n, struct lbl_kubeconfig *k, struct lbl_error *err)
{
        yaml_node_t *ctx = NULL, *cl, *us;
        struct kfile *from = NULL;
        const char *cc = NULL;
        int r;

        for (int f = 0; f < n && !cc; f++) {
                yaml_node_t *root = yaml_document_get_root_node(&files[f].doc);
                if (!root || root->type != YAML_MAPPING_NODE) {
                        lbl_seterr(err, 0, "", "kubeconfig is not a YAML mapping");
                        return -EINVAL;
                }
                cc = scalar(map_get(&files[f].doc, root, "current-context"));
                if (cc && !*cc)
                        cc = NULL;
        }
        if (!cc) {
                lbl_seterr(err, 0, "", "kubeconfig has no current-context");
                return -EINVAL;
        }
        ctx = named(files, n, "contexts", cc, "context", &from);
        if (!ctx) {
                lbl_seterr(err, 0, "", "kubeconfig: context '%s' not found", cc);
                return -EINVAL;
        }
        cl = named(files, n, "clusters", scalar(map_get(&from->doc, ctx, "cluster")), "cluster",
                   &from);
        if (!cl) {
                lbl_seterr(err, 0, "", "kubeconfig: cluster of context '%s' not found", cc);
                return -EINVAL;
        }
        r = parse_cluster(&from->doc, cl, from->dir, k, err);
        if (r == -E2BIG)
                lbl_seterr(err, 0, "", "kubeconfig: a value is too long");
        if (r < 0)
                return -EINVAL;
        ctx = named(files, n, "contexts", cc, "context", &from);
        us = named(files, n, "users", scalar(map_get(&from->doc, ctx, "user")), "user", &from);
        if (!us) {
                lbl_seterr(err, 0, "", "kubeconfig: user of context '%s' not found", cc);
                return -EINVAL;
        }
        r = parse_user(&from->doc, us, from->dir, k, err);
        if (r == -E2BIG)
                lbl_seterr(err, 0, "", "kubeconfig: a value is too long");
        if (r < 0)
                return r == -ENOTSUP ? r : -EINVAL;
        if ((k->cert_file[0] || k->cert_pem[0]) != (k->key_file[0] || k->key_pem[0])) {
                lbl_seterr(err, 0, "",
                           "kubeconfig: a client certificate needs its key (and the other way "
                           "round)");
                return -EINVAL;
        }
        if (!k->token[0] && !k->token_file[0] && !k->cert_file[0] && !k->cert_pem[0]) {
                lbl_seterr(err, 0, "",
                           "kubeconfig user has no credentials: use a token or a client "
                           "certificate");
                return -EINVAL;
        }
        return 0;
}

/* Refuse nesting deeper than LBL_YAML_MAX_DEPTH while reading events, before libyaml builds a
 * document: its cost grows with the square of the depth (a 400 KB file of nested flow
 * sequences takes minutes). The first pass stops at the first event too deep. */
static int check_depth(const char *name, const char *text, size_t len, struct lbl_error *err)
{
        yaml_parser_t p;
        yaml_event_t ev;
        int depth = 0, r = 0;

        if (!yaml_parser_initialize(&p))
                return -ENOMEM;
        yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
        for (;;) {
                if (!yaml_parser_parse(&p, &ev)) {
                        lbl_seterr(err, 0, "", "kubeconfig %s is not valid YAML: %s at line %zu",
                                   name, p.problem ? p.problem : "error", p.problem_mark.line + 1);
                        r = -EINVAL;
                        break;
                }
                if (ev.type == YAML_MAPPING_START_EVENT || ev.type == YAML_SEQUENCE_START_EVENT)
                        depth++;
                else if (ev.type == YAML_MAPPING_END_EVENT || ev.type == YAML_SEQUENCE_END_EVENT)
                        depth--;
                if (depth > LBL_YAML_MAX_DEPTH) {
                        lbl_seterr(err, 0, "",
                                   "kubeconfig %s nests deeper than %d levels at line %zu", name,
                                   LBL_YAML_MAX_DEPTH, ev.start_mark.line + 1);
                        r = -EINVAL;
                }
                bool end = ev.type == YAML_STREAM_END_EVENT;
                yaml_event_delete(&ev);
                if (end || r < 0)
                        break;
        }
        yaml_parser_delete(&p);
        return r;
}

static int load_doc(const char *name, const char *text, size_t len, struct kfile *kf,
                    struct lbl_error *err)
{
        yaml_parser_t parser;
        int r = check_depth(name, text, len, err);

        if (r < 0)
                return r;
        if (!yaml_parser_initialize(&parser))
                return -ENOMEM;
        yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
        if (!yaml_parser_load(&parser, &kf->doc)) {
                lbl_seterr(err, 0, "", "kubeconfig %s is not valid YAML: %s at line %zu", name,
                           parser.problem ? parser.problem : "error", parser.problem_mark.line + 1);
                r = -EINVAL;
        } else if (!yaml_document_get_root_node(&kf->doc)) {
                /* An empty file: client-go treats it as an empty config. */
                yaml_document_delete(&kf->doc);
                if (!yaml_document_initialize(&kf->doc, NULL, NULL, NULL, 1, 1) ||
                    !yaml_document_add_mapping(&kf->doc, NULL, YAML_ANY_MAPPING_STYLE)) {
                        r = -ENOMEM;
                } else {
                        kf->loaded = true;
                }
        } else {
                kf->loaded = true;
        }
        yaml_parser_delete(&parser);
        return r;
}

static void free_files(struct kfile *files, int n)
{
        for (int i = 0; i < n; i++)
                if (files[i].loaded)
                        yaml_document_delete(&files[i].doc);
}

int lbl_kubeconfig_parse(const char *text, size_t len, const char *dir, struct lbl_kubeconfig *k,
                         struct lbl_error *err)
{
        struct kfile *kf;
        int r;

        if (!text || !k)
                return -EINVAL;
        memset(k, 0, sizeof(*k));
        kf = calloc(1, sizeof(*kf));
        if (!kf)
                return -ENOMEM;
        snprintf(kf->dir, sizeof(kf->dir), "%s", dir ? dir : "");
        r = load_doc("(memory)", text, len, kf, err);
        if (r == 0)
                r = resolve(kf, 1, k, err);
        free_files(kf, 1);
        free(kf);
        if (r < 0)
                lbl_kubeconfig_free_secrets(k);
        return r;
}

static void dir_of(const char *path, char *dir, size_t n)
{
        size_t l = strnlen(path, n - 1);
        char *slash;

        memcpy(dir, path, l);
        dir[l] = '\0';
        slash = strrchr(dir, '/');
        if (slash == dir)
                dir[1] = '\0';
        else if (slash)
                *slash = '\0';
        else
                dir[0] = '\0';
}

int lbl_kubeconfig_load(const char *path, struct lbl_kubeconfig *k, struct lbl_error *err)
{
        char paths[LBL_KUBECONFIG_MAX_FILES][PATH_MAX];
        struct kfile *files = NULL;
        char *text = NULL;
        int n_paths = 0, n = 0, r = 0;

        if (!k)
                return -EINVAL;
        memset(k, 0, sizeof(*k));
        if (path && *path) {
                snprintf(paths[0], sizeof(paths[0]), "%s", path);
                n_paths = 1;
        } else {
                const char *env = getenv("KUBECONFIG"), *home = getenv("HOME");
                if (env && *env) {
                        for (const char *p = env; *p && n_paths < LBL_KUBECONFIG_MAX_FILES;) {
                                size_t l = strcspn(p, ":");
                                if (l && l < PATH_MAX)
                                        snprintf(paths[n_paths++], PATH_MAX, "%.*s", (int)l, p);
                                p += l + (p[l] == ':');
                        }
                } else if (home && *home) {
                        snprintf(paths[0], sizeof(paths[0]), "%s/.kube/config", home);
                        n_paths = 1;
                }
                if (!n_paths) {
                        lbl_seterr(err, 0, "", "no kubeconfig: set --kubeconfig or KUBECONFIG");
                        return -ENOENT;
                }
        }
        files = calloc((size_t)n_paths, sizeof(*files));
        text = malloc(KUBECONFIG_CAP);
        if (!files || !text) {
                r = -ENOMEM;
                goto out;
        }
        for (int i = 0; i < n_paths; i++) {
                size_t len = 0;
                r = lbl_read_file(paths[i], text, KUBECONFIG_CAP, &len);
                /* client-go skips files of a KUBECONFIG list that do not exist; an explicit
                 * path must exist. */
                if (r == -ENOENT && n_paths > 1) {
                        r = 0;
                        continue;
                }
                if (r < 0) {
                        lbl_seterr(err, 0, "", "cannot read kubeconfig %s: %s", paths[i],
                                   lbl_read_strerror(r));
                        goto out;
                }
                dir_of(paths[i], files[n].dir, sizeof(files[n].dir));
                r = load_doc(paths[i], text, len, &files[n], err);
                explicit_bzero(text, len); /* it may hold a token or a key */
                if (r < 0)
                        goto out;
                n++;
        }
        if (n == 0) {
                lbl_seterr(err, 0, "", "none of the KUBECONFIG files exist");
                r = -ENOENT;
                goto out;
        }
        r = resolve(files, n, k, err);
out:
        if (files)
                free_files(files, n);
        free(files);
        free(text);
        if (r < 0)
                lbl_kubeconfig_free_secrets(k);
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
                           lbl_read_strerror(r));
                return r;
        }
        lbl_trim_token(k->token);
        if (!lbl_token_ok(k->token)) {
                lbl_seterr(err, 0, "", "the service-account token %s has control characters", path);
                lbl_kubeconfig_free_secrets(k);
                return -EINVAL;
        }
        k->in_cluster = true;
        return 0;
}

void lbl_kubeconfig_free_secrets(struct lbl_kubeconfig *k)
{
        /* explicit_bzero: a memset before free() is a dead store the compiler may drop. */
        if (k)
                explicit_bzero(k, sizeof(*k));
}

void lbl_kubeconfig_free(struct lbl_kubeconfig *k)
{
        lbl_kubeconfig_free_secrets(k);
        free(k);
}
