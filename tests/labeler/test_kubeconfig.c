/* SPDX-License-Identifier: MIT */
/* kubeconfig and in-cluster configuration parsing (files only, no server). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <glib.h>

#include "kubeserver.h"
#include "labeler/labeler.h"

static char *dir;
static struct lbl_kubeconfig *k;

static void setup(void)
{
        dir = g_dir_make_tmp("np-kc-XXXXXX", NULL);
        k = calloc(1, sizeof(*k));
}

static void teardown(void)
{
        char *argv[] = {"rm", "-rf", dir, NULL};
        g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
        g_free(dir);
        free(k);
}

TestSuite(kubeconfig, .init = setup, .fini = teardown);

#define HEAD                                                                                       \
        "apiVersion: v1\nkind: Config\ncurrent-context: ctx\n"                                     \
        "contexts:\n- name: ctx\n  context: {cluster: c1, user: u1}\n"
#define CLUSTER "clusters:\n- name: c1\n  cluster:\n    server: https://10.0.0.1:6443\n"

static int load(const char *text, struct lbl_error *err)
{
        g_autofree char *p = g_build_filename(dir, "config", NULL);
        np_write(p, text);
        return lbl_kubeconfig_load(p, k, err);
}

Test(kubeconfig, token_and_relative_paths)
{
        struct lbl_error err = {0};
        cr_assert_eq(load(HEAD CLUSTER "    certificate-authority: ca.crt\n"
                                       "users:\n- name: u1\n  user:\n    tokenFile: tok\n"
                                       "    token: abc\n",
                          &err),
                     0, "%s", err.message);
        cr_expect_str_eq(k->server, "https://10.0.0.1:6443");
        g_autofree char *ca = g_build_filename(dir, "ca.crt", NULL);
        g_autofree char *tok = g_build_filename(dir, "tok", NULL);
        cr_expect_str_eq(k->ca_file, ca, "relative to the kubeconfig's directory");
        cr_expect_str_eq(k->token_file, tok);
        cr_expect_str_eq(k->token, "abc");
        cr_assert_eq(load(HEAD "clusters:\n- name: c1\n  cluster:\n    server: "
                               "https://rancher.example/k8s/clusters/c-1/\n"
                               "users:\n- name: u1\n  user: {token: t}\n",
                          &err),
                     0, "%s", err.message);
        cr_expect_str_eq(k->server, "https://rancher.example/k8s/clusters/c-1");
}

Test(kubeconfig, inline_data_is_decoded)
{
        struct lbl_error err = {0};
        /* base64 of "-----BEGIN CERTIFICATE-----\n" etc. is not needed: any bytes decode. */
        cr_assert_eq(load(HEAD CLUSTER "    certificate-authority-data: aGVsbG8gQ0E=\n"
                                       "users:\n- name: u1\n  user:\n"
                                       "    client-certificate-data: Y2VydA==\n"
                                       "    client-key-data: a2V5\n",
                          &err),
                     0, "%s", err.message);
        cr_expect_str_eq(k->ca_pem, "hello CA");
        cr_expect_str_eq(k->cert_pem, "cert");
        cr_expect_str_eq(k->key_pem, "key");
}

Test(kubeconfig, refusals)
{
        static const struct {
                const char *text;
                int want;
                const char *msg;
        } cases[] = {
            {"clusters: [unclosed\n", -EINVAL, "not valid YAML"},
            {"- a\n- b\n", -EINVAL, "mapping"},
            {"apiVersion: v1\n", -EINVAL, "current-context"},
            {HEAD "clusters: []\n", -EINVAL, "cluster"},
            {HEAD CLUSTER "users: []\n", -EINVAL, "user"},
            {HEAD "clusters:\n- name: c1\n  cluster:\n    server: http://x\n"
                  "users:\n- name: u1\n  user: {token: t}\n",
             -EINVAL, "https://"},
            {HEAD CLUSTER "users:\n- name: u1\n  user: {}\n", -EINVAL, "no credentials"},
            {HEAD CLUSTER "users:\n- name: u1\n  user:\n    exec: {command: aws}\n", -ENOTSUP,
             "exec plugin"},
            {HEAD CLUSTER "users:\n- name: u1\n  user:\n    auth-provider: {name: gcp}\n", -ENOTSUP,
             "auth-provider"},
            {HEAD CLUSTER "    insecure-skip-tls-verify: true\n"
                          "    certificate-authority: ca.crt\n"
                          "users:\n- name: u1\n  user: {token: t}\n",
             -EINVAL, "insecure"},
            {HEAD CLUSTER "users:\n- name: u1\n  user: {client-certificate: c.crt}\n", -EINVAL,
             "key"},
            {HEAD CLUSTER "    certificate-authority-data: '!!!'\n"
                          "users:\n- name: u1\n  user: {token: t}\n",
             -EINVAL, "base64"},
            /* kubectl refuses a string where a bool belongs, and so do we. */
            {HEAD CLUSTER "    insecure-skip-tls-verify: \"true\"\n"
                          "users:\n- name: u1\n  user: {token: t}\n",
             -EINVAL, "YAML boolean"},
            {HEAD CLUSTER "    insecure-skip-tls-verify: maybe\n"
                          "users:\n- name: u1\n  user: {token: t}\n",
             -EINVAL, "true or false"},
            {HEAD CLUSTER "users:\n- name: u1\n  user: {token: \"t\\r\\nX-Evil: 1\"}\n", -EINVAL,
             "control characters"},
            {HEAD CLUSTER "    proxy-url: ftp://proxy\n"
                          "users:\n- name: u1\n  user: {token: t}\n",
             -EINVAL, "proxy-url"},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct lbl_error err = {0};
                cr_expect_eq(load(cases[i].text, &err), cases[i].want, "case %zu", i);
                cr_expect(strstr(err.message, cases[i].msg), "case %zu: '%s' lacks '%s'", i,
                          err.message, cases[i].msg);
                cr_expect_null(strchr(err.message, '\n'), "one line");
        }
}

Test(kubeconfig, missing_file_and_env)
{
        struct lbl_error err = {0};
        cr_expect_eq(lbl_kubeconfig_load("/nonexistent/config", k, &err), -ENOENT);
        g_autofree char *p = g_build_filename(dir, "viaenv", NULL);
        np_write(p, HEAD CLUSTER "users:\n- name: u1\n  user: {token: t}\n");
        g_autofree char *list = g_strdup_printf("%s:/other", p);
        setenv("KUBECONFIG", list, 1);
        cr_expect_eq(lbl_kubeconfig_load(NULL, k, &err), 0, "%s", err.message);
        cr_expect_str_eq(k->token, "t");
}

Test(kubeconfig, in_cluster)
{
        struct lbl_error err = {0};
        g_autofree char *tok = g_build_filename(dir, "token", NULL);
        np_write(tok, "sa-token\n");
        unsetenv("KUBERNETES_SERVICE_HOST");
        cr_expect_eq(lbl_incluster_load(dir, k, &err), -ENOENT);
        setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
        setenv("KUBERNETES_SERVICE_PORT", "443", 1);
        cr_assert_eq(lbl_incluster_load(dir, k, &err), 0, "%s", err.message);
        cr_expect_str_eq(k->server, "https://10.96.0.1:443");
        cr_expect_str_eq(k->token, "sa-token", "newline trimmed");
        cr_expect(k->in_cluster);
        setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
        cr_assert_eq(lbl_incluster_load(dir, k, &err), 0);
        cr_expect_str_eq(k->server, "https://[fd00::1]:443");
}

Test(kubeconfig, insecure_and_proxy_are_read)
{
        struct lbl_error err = {0};
        cr_assert_eq(load(HEAD CLUSTER "    insecure-skip-tls-verify: true\n"
                                       "    proxy-url: http://proxy.lan:3128\n"
                                       "    tls-server-name: api.internal\n"
                                       "users:\n- name: u1\n  user: {token: t}\n",
                          &err),
                     0, "%s", err.message);
        cr_expect(k->insecure);
        cr_expect_str_eq(k->proxy_url, "http://proxy.lan:3128");
        cr_expect_str_eq(k->tls_server_name, "api.internal");
        cr_assert_eq(load(HEAD CLUSTER "    insecure-skip-tls-verify: false\n"
                                       "users:\n- name: u1\n  user: {token: t}\n",
                          &err),
                     0, "%s", err.message);
        cr_expect_not(k->insecure);
}

Test(kubeconfig, merged_like_kubectl)
{
        struct lbl_error err = {0};
        g_autofree char *sub = g_build_filename(dir, "sub", NULL);
        g_autofree char *a = g_build_filename(dir, "a", NULL);
        g_autofree char *b = g_build_filename(sub, "b", NULL);
        g_autofree char *ca = g_build_filename(sub, "ca.crt", NULL);
        cr_assert_eq(mkdir(sub, 0700), 0);
        /* a: the context and a user that b also names (a's wins). b: the cluster, with a
         * relative CA path (relative to b), another current-context (a's wins). */
        np_write(a, HEAD "users:\n- name: u1\n  user: {token: from-a}\n");
        np_write(b, "current-context: other\n"
                    "clusters:\n- name: c1\n  cluster:\n    server: https://10.0.0.9:6443\n"
                    "    certificate-authority: ca.crt\n"
                    "users:\n- name: u1\n  user: {token: from-b}\n");
        g_autofree char *list = g_strdup_printf("/nonexistent/first:%s::%s", a, b);
        setenv("KUBECONFIG", list, 1);
        cr_assert_eq(lbl_kubeconfig_load(NULL, k, &err), 0, "%s", err.message);
        cr_expect_str_eq(k->server, "https://10.0.0.9:6443");
        cr_expect_str_eq(k->token, "from-a", "the first file to name a user wins");
        cr_expect_str_eq(k->ca_file, ca, "relative to the file the cluster came from");
        setenv("KUBECONFIG", "/nonexistent/a:/nonexistent/b", 1);
        cr_expect_eq(lbl_kubeconfig_load(NULL, k, &err), -ENOENT);
        cr_expect(strstr(err.message, "none"), "%s", err.message);
        unsetenv("KUBECONFIG");
}

Test(kubeconfig, deep_nesting_is_refused_fast)
{
        struct lbl_error err = {0};
        size_t depth = 200000;
        GString *g = g_string_new(HEAD CLUSTER "users:\n- name: u1\n  user: {token: t}\nx: ");
        for (size_t i = 0; i < depth; i++)
                g_string_append_c(g, '[');
        for (size_t i = 0; i < depth; i++)
                g_string_append_c(g, ']');
        g_string_append_c(g, '\n');
        g_autofree char *p = g_build_filename(dir, "deep", NULL);
        np_write(p, g->str);
        g_string_free(g, TRUE);
        gint64 t0 = g_get_monotonic_time();
        cr_expect_eq(lbl_kubeconfig_load(p, k, &err), -EINVAL);
        cr_expect(strstr(err.message, "deeper"), "%s", err.message);
        /* A correctness bound, not a benchmark: unbounded, this takes minutes. */
        cr_expect_lt(g_get_monotonic_time() - t0, 10 * G_USEC_PER_SEC);
}

Test(kubeconfig, only_regular_files)
{
        struct lbl_error err = {0};
        g_autofree char *fifo = g_build_filename(dir, "fifo", NULL);
        cr_assert_eq(mkfifo(fifo, 0600), 0);
        gint64 t0 = g_get_monotonic_time();
        cr_expect_eq(lbl_kubeconfig_load(fifo, k, &err), -EINVAL, "a FIFO never blocks");
        cr_expect(strstr(err.message, "not a regular file"), "%s", err.message);
        cr_expect_lt(g_get_monotonic_time() - t0, 2 * G_USEC_PER_SEC);
        cr_expect_eq(lbl_kubeconfig_load(dir, k, &err), -EISDIR);
        cr_expect(strstr(err.message, "directory"), "%s", err.message);
}

Test(kubeconfig, large_ca_data)
{
        struct lbl_error err = {0};
        /* 48 KiB of CA bundle (several intermediates) fits; 80 KiB says the limit. */
        for (int kib = 48; kib <= 80; kib += 32) {
                size_t raw = (size_t)kib * 1024;
                guchar *bytes = g_malloc(raw);
                memset(bytes, 'A', raw);
                g_autofree char *b64 = g_base64_encode(bytes, raw);
                g_free(bytes);
                g_autofree char *text =
                    g_strdup_printf(HEAD CLUSTER "    certificate-authority-data: %s\n"
                                                 "users:\n- name: u1\n  user: {token: t}\n",
                                    b64);
                int r = load(text, &err);
                if (kib == 48) {
                        cr_expect_eq(r, 0, "%s", err.message);
                        cr_expect_eq(strlen(k->ca_pem), raw);
                } else {
                        cr_expect_eq(r, -EINVAL);
                        cr_expect(strstr(err.message, "limit"), "%s", err.message);
                }
        }
}

Test(kubeconfig, parse_from_memory)
{
        struct lbl_error err = {0};
        static const char text[] = HEAD CLUSTER "    certificate-authority: ca.crt\n"
                                                "users:\n- name: u1\n  user: {token: t}\n";
        cr_assert_eq(lbl_kubeconfig_parse(text, sizeof(text) - 1, "/etc/kube", k, &err), 0, "%s",
                     err.message);
        cr_expect_str_eq(k->ca_file, "/etc/kube/ca.crt");
        cr_expect_eq(lbl_kubeconfig_parse("", 0, "", k, &err), -EINVAL);
}
