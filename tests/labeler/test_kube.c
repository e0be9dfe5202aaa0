/* SPDX-License-Identifier: MIT */
/*
 * The labeler against the Kubernetes API test server over TLS on loopback: server-side apply
 * semantics, write-only-on-change, dry run, cleanup, retries, token rotation, hostile replies,
 * and the real kubectl on the same server.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <glib.h>
#include <jansson.h>

#include "kubeserver.h"
#include "labeler/labeler.h"

static struct np_kube *kube;
static struct lbl_client *client;
static struct lbl_kubeconfig *kc;

static void teardown(void)
{
        client = lbl_client_free(client);
        free(kc);
        kc = NULL;
        np_kube_stop(kube);
        kube = NULL;
}

TestSuite(kube, .fini = teardown, .timeout = 120);

/* A node with a kubelet label and an admin's label (applied with kubectl label). */
static const char *const N1 = "{\"name\":\"n1\",\"labels\":{\"kubernetes.io/hostname\":\"n1\","
                              "\"admin/owner\":\"alice\"},\"managed\":[{\"manager\":"
                              "\"kubectl-label\",\"operation\":\"Update\",\"keys\":"
                              "[\"admin/owner\"]}]}";

static void start_with(const struct lbl_client_options *o)
{
        struct lbl_error err = {0};

        kube = np_kube_start();
        free(np_kube_ctl(kube, "node", N1));
        kc = calloc(1, sizeof(*kc));
        cr_assert(kc);
        cr_assert_eq(lbl_kubeconfig_load(kube->kubeconfig, kc, &err), 0, "%s", err.message);
        cr_assert_eq(lbl_client_new(kc, o, &client), 0);
}

/* Fast retries for tests. */
static void start(void)
{
        static const struct lbl_client_options fast = {
            .max_attempts = 4, .backoff_base_ms = 20, .backoff_cap_ms = 3000, .timeout_ms = 3000};
        start_with(&fast);
}

static struct lbl_set set_of(const char *const *kv)
{
        struct lbl_set s = {0};
        for (; kv && kv[0]; kv += 2) {
                snprintf(s.labels[s.n].key, sizeof(s.labels[0].key), "%s", kv[0]);
                snprintf(s.labels[s.n].value, sizeof(s.labels[0].value), "%s", kv[1]);
                s.n++;
        }
        return s;
}

static int apply(const char *const *kv, unsigned flags, struct lbl_apply_result *res,
                 struct lbl_error *err)
{
        struct lbl_set s = set_of(kv);
        return lbl_apply(client, "n1", &s, flags, NULL, res, err);
}

/* The label value on the server (read over the control API, not the client under test). */
static char *server_label(const char *key)
{
        char *node = np_kube_ctl(kube, "get", "{\"name\":\"n1\"}");
        json_t *o = json_loads(node, 0, NULL);
        const char *v = json_string_value(
            json_object_get(json_object_get(json_object_get(o, "metadata"), "labels"), key));
        char *r = v ? strdup(v) : NULL;
        json_decref(o);
        free(node);
        return r;
}

static void script(const char *json)
{
        free(np_kube_ctl(kube, "script", json));
}

#define WANT(...) ((const char *const[]){__VA_ARGS__, NULL})

Test(kube, apply_is_server_side_apply)
{
        struct lbl_apply_result res;
        struct lbl_error err = {0};

        start();
        cr_assert_eq(apply(WANT("nodeprobe.io/gpu.present", "true", "nodeprobe.io/gpu.count", "1"),
                           0, &res, &err),
                     0, "%s", err.message);
        cr_expect(res.changed);
        cr_expect_eq(res.live.n, 2);
        cr_expect_str_eq(lbl_get(&res.live, "nodeprobe.io/gpu.count"), "1");
        char *v = server_label("nodeprobe.io/gpu.present");
        cr_expect_str_eq(v, "true");
        free(v);
        char *log = np_kube_ctl(kube, "log", NULL);
        cr_expect(strstr(log, "application/apply-patch+yaml"), "%s", log);
        cr_expect(strstr(log, "fieldManager=nodeprobe&force=true"), "%s", log);
        cr_expect(strstr(log, "Bearer tok1"), "%s", log);
        cr_expect_null(strstr(log, "dryRun"), "%s", log);
        free(log);
}

Test(kube, unchanged_reapply_sends_no_patch)
{
        struct lbl_apply_result res;
        struct lbl_error err = {0};

        start();
        cr_assert_eq(apply(WANT("nodeprobe.io/gpu.present", "true"), 0, &res, &err), 0, "%s",
                     err.message);
        for (int i = 0; i < 3; i++) {
                cr_assert_eq(apply(WANT("nodeprobe.io/gpu.present", "true"), 0, &res, &err), 0);
                cr_expect_not(res.changed);
        }
        cr_expect_eq(np_kube_count(kube, "PATCH", NULL), 1,
                     "a re-apply with nothing changed makes zero PATCH requests");
        /* A changed value is written. */
        cr_assert_eq(apply(WANT("nodeprobe.io/gpu.present", "false"), 0, &res, &err), 0);
        cr_expect(res.changed);
        cr_expect_eq(np_kube_count(kube, "PATCH", NULL), 2);
}

Test(kube, omission_removes_only_labels_we_alone_own)
{
        struct lbl_apply_result res;
        struct lbl_error err = {0};
        char *v;

        start();
        cr_assert_eq(
            apply(WANT("nodeprobe.io/a", "1", "nodeprobe.io/b", "2", "admin/owner", "alice"), 0,
                  &res, &err),
            0, "%s", err.message);
        cr_assert_eq(apply(WANT("nodeprobe.io/a", "1"), 0, &res, &err), 0, "%s", err.message);
        cr_expect(res.changed);
        v = server_label("nodeprobe.io/b");
        cr_expect_null(v, "b was ours alone: removed by omission");
        free(v);
        v = server_label("admin/owner");
        cr_expect_str_eq(v, "alice", "shared with kubectl-label: stays");
        free(v);
        v = server_label("kubernetes.io/hostname");
        cr_expect_str_eq(v, "n1", "another manager's label is never touched");
        free(v);
}

Test(kube, dry_run_persists_nothing)
{
        struct lbl_apply_result res;
        struct lbl_error err = {0};

        start();
        cr_assert_eq(apply(WANT("nodeprobe.io/gpu.present", "true"), LBL_APPLY_DRY_RUN, &res, &err),
                     0, "%s", err.message);
        cr_expect(res.changed);
        cr_expect_str_eq(lbl_get(&res.live, "nodeprobe.io/gpu.present"), "true");
        char *v = server_label("nodeprobe.io/gpu.present");
        cr_expect_null(v, "dryRun=All must not persist");
        free(v);
        char *log = np_kube_ctl(kube, "log", NULL);
        cr_expect(strstr(log, "dryRun=All"), "%s", log);
        free(log);
}

Test(kube, cleanup_removes_everything_we_applied)
{
        struct lbl_apply_result res;
        struct lbl_error err = {0};
        struct lbl_set empty = {0};
        char *v;

        start();
        cr_assert_eq(apply(WANT("nodeprobe.io/a", "1", "nodeprobe.io/b", "2"), 0, &res, &err), 0);
        cr_assert_eq(lbl_apply(client, "n1", &empty, 0, NULL, &res, &err), 0, "%s", err.message);
        cr_expect(res.changed);
        cr_expect_eq(res.live.n, 0);
        v = server_label("nodeprobe.io/a");
        cr_expect_null(v);
        free(v);
        v = server_label("admin/owner");
        cr_expect_str_eq(v, "alice");
        free(v);
}

Test(kube, retries_503_three_times_then_succeeds)
{
        struct lbl_apply_result res;
        struct lbl_error err = {0};
        struct lbl_stats st;

        start();
        script("[{\"status\":503},{\"status\":503},{\"status\":503}]");
        cr_assert_eq(apply(WANT("nodeprobe.io/x", "1"), 0, &res, &err), 0, "%s", err.message);
        lbl_client_stats(client, &st);
        cr_expect_eq(st.retries, 3, "retries %u", st.retries);
        char *v = server_label("nodeprobe.io/x");
        cr_expect_str_eq(v, "1");
        free(v);
}

Test(kube, honours_retry_after_on_429)
{
        struct lbl_apply_result res;
        struct lbl_error err = {0};
        struct timespec a, b;

        start();
        /* Plain text, as max-in-flight answers it (not a Status). */
        script("[{\"status\":429,\"raw\":\"Too many requests, please try again later.\","
               "\"content_type\":\"text/plain\",\"headers\":{\"Retry-After\":\"1\"}}]");
        clock_gettime(CLOCK_MONOTONIC, &a);
        cr_assert_eq(apply(WANT("nodeprobe.io/x", "1"), 0, &res, &err), 0, "%s", err.message);
        clock_gettime(CLOCK_MONOTONIC, &b);
        double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
        cr_expect_geq(s, 0.9, "waited %.2fs, Retry-After said 1s", s);
}

Test(kube, gives_up_after_max_attempts)
{
        struct lbl_apply_result res;
        struct lbl_error err = {0};

        start();
        script("[{\"status\":500},{\"status\":500},{\"status\":500},{\"status\":500},"
               "{\"status\":500}]");
        cr_expect_eq(apply(WANT("nodeprobe.io/x", "1"), 0, &res, &err), -EIO);
        cr_expect_eq(err.http_status, 500);
        cr_expect(err.message[0]);
}

Test(kube, errors_map_to_errno_without_retries)
{
        static const struct {
                int status;
                int want;
                const char *reason;
        } cases[] = {
            {403, -EACCES, "Forbidden"}, {404, -ENOENT, "NotFound"},   {409, -EBUSY, "Conflict"},
            {422, -EINVAL, "Invalid"},   {400, -EINVAL, "BadRequest"},
        };
        struct lbl_apply_result res;
        struct lbl_error err = {0};
        struct lbl_stats st;

        start();
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char s[256];
                snprintf(s, sizeof(s),
                         "[{\"status\":%d,\"reason\":\"%s\",\"message\":\"scripted %s\","
                         "\"method\":\"PATCH\"}]",
                         cases[i].status, cases[i].reason, cases[i].reason);
                script(s);
                cr_expect_eq(apply(WANT("nodeprobe.io/x", "1"), LBL_APPLY_ALWAYS, &res, &err),
                             cases[i].want, "HTTP %d", cases[i].status);
                cr_expect_str_eq(err.reason, cases[i].reason);
                cr_expect(strstr(err.message, "scripted"), "%s", err.message);
        }
        lbl_client_stats(client, &st);
        cr_expect_eq(st.retries, 0, "4xx answers are not retried");
}

Test(kube, missing_node)
{
        struct lbl_node_view v;
        struct lbl_error err = {0};

        start();
        cr_expect_eq(lbl_node_get(client, "no-such-node", &v, &err), -ENOENT);
        cr_expect(strstr(err.message, "not found"), "%s", err.message);
}

Test(kube, token_rotation_mid_run)
{
        struct lbl_apply_result res;
        struct lbl_error err = {0};
        struct lbl_stats st;

        start();
        cr_assert_eq(apply(WANT("nodeprobe.io/x", "1"), 0, &res, &err), 0, "%s", err.message);
        /* The kubelet rotates the projected token: the server accepts only the new one. */
        np_write(kube->tokens, "tok2\n");
        np_write(kube->token_file, "tok2\n");
        cr_assert_eq(apply(WANT("nodeprobe.io/x", "2"), 0, &res, &err), 0, "%s", err.message);
        lbl_client_stats(client, &st);
        cr_expect_geq(st.token_reloads, 1);
        char *log = np_kube_ctl(kube, "log", NULL);
        cr_expect(strstr(log, "Bearer tok2"), "%s", log);
        free(log);
}

Test(kube, token_reread_periodically)
{
        static const struct lbl_client_options o = {
            .max_attempts = 1, .token_reload_ms = 1, .timeout_ms = 3000};
        struct lbl_node_view v;
        struct lbl_error err = {0};
        struct lbl_stats st;

        start_with(&o);
        np_write(kube->token_file, "tok3\n");
        np_write(kube->tokens, "tok1\ntok3\n");
        usleep(5000);
        cr_assert_eq(lbl_node_get(client, "n1", &v, &err), 0, "%s", err.message);
        lbl_client_stats(client, &st);
        cr_expect_geq(st.token_reloads, 1);
        char *log = np_kube_ctl(kube, "log", NULL);
        cr_expect(strstr(log, "Bearer tok3"), "the new token is used without a 401: %s", log);
        free(log);
}

Test(kube, hostile_replies)
{
        static const char *const scripts[] = {
            "[{\"status\":200,\"raw\":\"{not json\",\"method\":\"GET\"}]",
            "[{\"status\":200,\"raw\":\"[]\",\"method\":\"GET\"}]",
            "[{\"status\":200,\"raw\":\"{\\\"metadata\\\":{\\\"name\\\":\\\"other\\\"}}\","
            "\"method\":\"GET\"}]",
            "[{\"status\":200,\"raw\":\"{\\\"metadata\\\":{\\\"name\\\":\\\"n1\\\","
            "\\\"labels\\\":[1,2]}}\",\"method\":\"GET\"}]",
            "[{\"status\":200,\"raw\":\"{\\\"metadata\\\":{\\\"name\\\":\\\"n1\\\","
            "\\\"managedFields\\\":7}}\",\"method\":\"GET\"}]",
            "[{\"status\":200,\"size\":6000000,\"method\":\"GET\"}]",
            "[{\"status\":500,\"raw\":\"\\u0000\\u0001garbage\",\"method\":\"GET\"}]",
        };
        struct lbl_node_view v;
        struct lbl_error err = {0};

        start();
        for (size_t i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++) {
                script(scripts[i]);
                int r = lbl_node_get(client, "n1", &v, &err);
                if (i == 6) { /* a 500 is retried: the retry gets the real node */
                        cr_expect_eq(r, 0, "%s", err.message);
                        continue;
                }
                cr_expect_eq(r, -EPROTO, "script %zu: %d (%s)", i, r, err.message);
                cr_expect(err.message[0] && !strchr(err.message, '\n'), "one line: %s",
                          err.message);
        }
        /* The labels were never touched by any of this. */
        char *owner = server_label("admin/owner");
        cr_expect_str_eq(owner, "alice");
        free(owner);
}

Test(kube, slow_and_truncated_replies)
{
        static const struct lbl_client_options o = {
            .max_attempts = 2, .backoff_base_ms = 10, .timeout_ms = 700};
        struct lbl_node_view v;
        struct lbl_error err = {0};

        start_with(&o);
        script("[{\"pass\":true,\"delay\":2},{\"pass\":true,\"delay\":2}]");
        cr_expect_eq(lbl_node_get(client, "n1", &v, &err), -ETIMEDOUT, "%s", err.message);
        script("[{\"status\":200,\"raw\":\"{\\\"metadata\\\":{\\\"name\\\":\\\"n1\\\"}}\","
               "\"truncate\":true},{\"status\":200,\"raw\":\"{\\\"metadata\\\":{\\\"name\\\":"
               "\\\"n1\\\"}}\",\"truncate\":true}]");
        cr_expect_lt(lbl_node_get(client, "n1", &v, &err), 0, "a truncated reply is an error");
        cr_expect_eq(lbl_node_get(client, "n1", &v, &err), 0, "and the next request works: %s",
                     err.message);
}

Test(kube, tls_is_verified)
{
        struct lbl_node_view v;
        struct lbl_error err = {0};
        struct lbl_client *c2 = NULL;

        start();
        snprintf(kc->ca_file, sizeof(kc->ca_file), "%s/other-ca.crt", kube->certs);
        cr_assert_eq(lbl_client_new(kc, NULL, &c2), 0);
        cr_expect_eq(lbl_node_get(c2, "n1", &v, &err), -EKEYREJECTED, "%s", err.message);
        c2 = lbl_client_free(c2);
        kc->ca_file[0] = '\0';
        kc->insecure = true; /* what insecure-skip-tls-verify: true asks for */
        cr_assert_eq(lbl_client_new(kc, NULL, &c2), 0);
        cr_expect_eq(lbl_node_get(c2, "n1", &v, &err), 0, "%s", err.message);
        lbl_client_free(c2);
}

/* The test server speaks the real API: kubectl and nodeprobe agree on the same Node. */
Test(kube, kubectl_agrees)
{
        g_autofree char *kubectl = g_find_program_in_path("kubectl");
        g_autofree char *out = NULL, *errs = NULL;
        struct lbl_apply_result res;
        struct lbl_error err = {0};
        gint status = 0;

        if (!kubectl)
                cr_skip_test("kubectl is not installed");
        start();
        cr_assert_eq(apply(WANT("nodeprobe.io/gpu.present", "true"), 0, &res, &err), 0);
        char *label_argv[] = {kubectl, "--kubeconfig", kube->kubeconfig, "label",
                              "node",  "n1",           "team=media",     NULL};
        cr_assert(g_spawn_sync(NULL, label_argv, NULL, 0, NULL, NULL, &out, &errs, &status, NULL));
        cr_assert(g_spawn_check_wait_status(status, NULL), "kubectl label: %s", errs);
        g_free(out);
        g_free(errs);
        char *get_argv[] = {kubectl, "--kubeconfig", kube->kubeconfig, "get", "node",
                            "n1",    "-o",           "json",           NULL};
        cr_assert(g_spawn_sync(NULL, get_argv, NULL, 0, NULL, NULL, &out, &errs, &status, NULL));
        cr_assert(g_spawn_check_wait_status(status, NULL), "kubectl get: %s", errs);
        json_t *o = json_loads(out, 0, NULL);
        json_t *labels = json_object_get(json_object_get(o, "metadata"), "labels");
        cr_expect_str_eq(json_string_value(json_object_get(labels, "team")), "media");
        cr_expect_str_eq(json_string_value(json_object_get(labels, "nodeprobe.io/gpu.present")),
                         "true", "kubectl sees what nodeprobe applied");
        json_decref(o);
        /* And nodeprobe sees the node unchanged for itself, kubectl's label left alone. */
        cr_assert_eq(apply(WANT("nodeprobe.io/gpu.present", "true"), 0, &res, &err), 0);
        cr_expect_not(res.changed);
        char *team = server_label("team");
        cr_expect_str_eq(team, "media");
        free(team);
}
