/* SPDX-License-Identifier: MIT */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <glib.h>
#include <jansson.h>

#include "kubeserver.h"

void np_write(const char *path, const char *text)
{
        cr_assert(g_file_set_contents(path, text, -1, NULL), "cannot write %s", path);
}

struct np_kube *np_kube_start(void)
{
        return np_kube_start_cert("server");
}

struct np_kube *np_kube_start_cert(const char *cert_base)
{
        struct np_kube *k = calloc(1, sizeof(*k));
        char *argv[] = {"python3", NP_KUBE_SERVER, "--cert", NULL, "--key",
                        NULL,      "--tokens",     NULL,     NULL};
        g_autofree char *cert = NULL, *key = NULL;
        gint in_fd = -1, out_fd = -1;
        GPid pid;
        char line[64] = "";
        FILE *out;

        cr_assert(k);
        snprintf(k->certs, sizeof(k->certs), "%s", NP_CERTS_DIR);
        g_autofree char *dir = g_dir_make_tmp("np-kube-XXXXXX", NULL);
        cr_assert(dir);
        snprintf(k->dir, sizeof(k->dir), "%s", dir);
        snprintf(k->tokens, sizeof(k->tokens), "%s/server-tokens", k->dir);
        snprintf(k->token_file, sizeof(k->token_file), "%s/token", k->dir);
        snprintf(k->kubeconfig, sizeof(k->kubeconfig), "%s/kubeconfig", k->dir);
        np_write(k->tokens, "tok1\n");
        np_write(k->token_file, "tok1\n");
        cert = g_strdup_printf("%s/%s.crt", k->certs, cert_base);
        key = g_strdup_printf("%s/%s.key", k->certs, cert_base);
        argv[3] = cert;
        argv[5] = key;
        argv[7] = k->tokens;
        cr_assert(g_spawn_async_with_pipes(NULL, argv, NULL,
                                           G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                           NULL, &pid, &in_fd, &out_fd, NULL, NULL),
                  "cannot start the API test server (python3)");
        k->pid = pid;
        k->stdin_fd = in_fd;
        out = fdopen(out_fd, "r");
        cr_assert(out && fgets(line, sizeof(line), out) && sscanf(line, "PORT %d", &k->port) == 1,
                  "API test server did not start: '%s'", line);
        fclose(out);
        g_autofree char *cfg =
            g_strdup_printf("apiVersion: v1\nkind: Config\ncurrent-context: test\n"
                            "contexts:\n- name: test\n  context: {cluster: c, user: u}\n"
                            "clusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:%d\n"
                            "    certificate-authority: %s/ca.crt\n"
                            "users:\n- name: u\n  user:\n    tokenFile: token\n",
                            k->port, k->certs);
        np_write(k->kubeconfig, cfg);
        return k;
}

void np_kube_stop(struct np_kube *k)
{
        if (!k)
                return;
        close(k->stdin_fd);
        kill(k->pid, SIGTERM);
        waitpid(k->pid, NULL, 0);
        g_autofree char *cmd = NULL;
        char *argv[] = {"rm", "-rf", k->dir, NULL};
        g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
        free(k);
}

static size_t collect(char *d, size_t s, size_t n, void *u)
{
        g_string_append_len(u, d, (gssize)(s * n));
        return s * n;
}

char *np_kube_ctl(struct np_kube *k, const char *endpoint, const char *json)
{
        CURL *c = curl_easy_init();
        GString *body = g_string_new(NULL);
        char url[256], ca[300];
        CURLcode cc;

        snprintf(url, sizeof(url), "https://127.0.0.1:%d/_test/%s", k->port, endpoint);
        snprintf(ca, sizeof(ca), "%s/ca.crt", k->certs);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_CAINFO, ca);
        /* The control channel of a test harness: the name-only certificate has no IP. */
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
        curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, json ? json : "null");
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
        cc = curl_easy_perform(c);
        curl_easy_cleanup(c);
        cr_assert_eq(cc, CURLE_OK, "control %s: %s", endpoint, curl_easy_strerror(cc));
        return g_string_free(body, FALSE);
}

int np_kube_count(struct np_kube *k, const char *method, const char *prefix)
{
        char *log = np_kube_ctl(k, "log", NULL);
        json_t *a = json_loads(log, 0, NULL), *e;
        size_t i;
        int n = 0;

        json_array_foreach(a, i, e)
        {
                const char *m = json_string_value(json_object_get(e, "method"));
                const char *p = json_string_value(json_object_get(e, "path"));
                if (m && strcmp(m, method) == 0 && (!prefix || (p && g_str_has_prefix(p, prefix))))
                        n++;
        }
        json_decref(a);
        g_free(log);
        return n;
}
