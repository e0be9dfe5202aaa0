/* SPDX-License-Identifier: MIT */
/* kubeconfig and in-cluster configuration parsing (files only, no server). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
