/* SPDX-License-Identifier: MIT */
/*
 * The labeler against the Kubernetes API test server over TLS on loopback: server-side apply
 * semantics, write-only-on-change, dry run, cleanup, retries, token rotation, hostile replies,
 * and the real kubectl on the same server.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
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
        cr_expect(strstr(log, "\"query\": \"fieldManager=nodeprobe\""), "%s", log);
        cr_expect_null(strstr(log, "force=true"), "force only when one of ours conflicts: %s", log);
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
        cr_expect_eq(lbl_client_new(kc, NULL, &c2), -EPERM, "refused unless allowed explicitly");
        cr_expect_null(c2);
        static const struct lbl_client_options allow = {.allow_insecure = true};
        cr_assert_eq(lbl_client_new(kc, &allow, &c2), 0);
        cr_expect_eq(lbl_node_get(c2, "n1", &v, &err), 0, "%s", err.message);
        lbl_client_free(c2);
}

/* The test server speaks the real API: kubectl and nodeprobe agree on the same Node. */
Test(kube, kubectl_agrees)
{
        /* The pinned kubectl (scripts/build-tools.sh), never whatever is in PATH. */
        char *kubectl = NP_KUBECTL;
        g_autofree char *out = NULL, *errs = NULL;
        struct lbl_apply_result res;
        struct lbl_error err = {0};
        gint status = 0;

        cr_assert(g_file_test(kubectl, G_FILE_TEST_IS_EXECUTABLE),
                  "%s is missing: scripts/install-deps.sh --test builds it", kubectl);
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

/* ---- Trust boundary (issue 9) ---- */

static double elapsed_since(const struct timespec *a)
{
        struct timespec b;
        clock_gettime(CLOCK_MONOTONIC, &b);
        return (double)(b.tv_sec - a->tv_sec) + (double)(b.tv_nsec - a->tv_nsec) / 1e9;
}

/* Replace /etc/ssl/certs, in a private mount namespace of this test process only (Criterion
 * runs each test in its own process), with a directory that trusts the test server's CA, as
 * if that CA were a public one in the system store. false when this cannot be done here. */
static bool system_store_trusts_test_ca(void)
{
        g_autofree char *d = g_dir_make_tmp("np-store-XXXXXX", NULL);
        g_autofree char *ca = g_strdup_printf("%s/ca.crt", kube->certs);
        g_autofree char *hash = NULL, *bundle = NULL, *link = NULL, *pem = NULL;
        char *argv[] = {"openssl", "x509", "-hash", "-noout", "-in", ca, NULL};
        gint status = 0;

        if (getuid() != 0 || unshare(CLONE_NEWNS) < 0 ||
            mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return false;
        cr_assert(g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &hash, NULL,
                               &status, NULL));
        g_strstrip(hash);
        cr_assert(g_file_get_contents(ca, &pem, NULL, NULL));
        bundle = g_strdup_printf("%s/ca-certificates.crt", d);
        link = g_strdup_printf("%s/%s.0", d, hash);
        np_write(bundle, pem);
        np_write(link, pem);
        return mount(d, "/etc/ssl/certs", NULL, MS_BIND, NULL) == 0;
}

Test(kube, configured_ca_is_the_only_trust)
{
        struct lbl_node_view v;
        struct lbl_error err = {0};
        struct lbl_client *c2 = NULL;

        start();
        if (!system_store_trusts_test_ca())
                cr_skip_test("needs root and a private mount namespace");
        /* Control: with no CA configured the system store decides, and it now trusts the
         * server (so the check below can fail). */
        kc->ca_file[0] = '\0';
        cr_assert_eq(lbl_client_new(kc, NULL, &c2), 0);
        cr_expect_eq(lbl_node_get(c2, "n1", &v, &err), 0, "system store: %s", err.message);
        c2 = lbl_client_free(c2);
        /* A configured CA that did not sign the server: refused, whatever the store says. */
        snprintf(kc->ca_file, sizeof(kc->ca_file), "%s/other-ca.crt", kube->certs);
        cr_assert_eq(lbl_client_new(kc, NULL, &c2), 0);
        cr_expect_eq(lbl_node_get(c2, "n1", &v, &err), -EKEYREJECTED,
                     "the kubeconfig's CA pins the server: %s", err.message);
        c2 = lbl_client_free(c2);
        /* The same as inline PEM (certificate-authority-data). */
        g_autofree char *other = NULL;
        g_autofree char *other_path = g_strdup_printf("%s/other-ca.crt", kube->certs);
        cr_assert(g_file_get_contents(other_path, &other, NULL, NULL));
        kc->ca_file[0] = '\0';
        snprintf(kc->ca_pem, sizeof(kc->ca_pem), "%s", other);
        cr_assert_eq(lbl_client_new(kc, NULL, &c2), 0);
        cr_expect_eq(lbl_node_get(c2, "n1", &v, &err), -EKEYREJECTED, "inline CA: %s", err.message);
        c2 = lbl_client_free(c2);
}

/* An admin's kubectl label on the shared Intel key. */
static const char *const ADMIN_GPU_FALSE =
    "{\"name\":\"n1\",\"labels\":{\"intel.feature.node.kubernetes.io/gpu\":\"false\","
    "\"nodeprobe.io/status\":\"manual\"},\"managed\":[{\"manager\":\"kubectl-label\","
    "\"operation\":\"Update\",\"keys\":[\"intel.feature.node.kubernetes.io/gpu\","
    "\"nodeprobe.io/status\"]}]}";

Test(kube, shared_key_of_another_manager_is_left_ours_are_taken)
{
        struct lbl_apply_result res;
        struct lbl_error err = {0};
        char *v;

        start();
        free(np_kube_ctl(kube, "node", ADMIN_GPU_FALSE));
        cr_assert_eq(apply(WANT(LBL_INTEL_GPU_KEY, "true", "nodeprobe.io/status", "ok",
                                "nodeprobe.io/gpu.present", "true"),
                           0, &res, &err),
                     0, "%s", err.message);
        v = server_label(LBL_INTEL_GPU_KEY);
        cr_expect_str_eq(v, "false", "the admin's value stays");
        free(v);
        v = server_label("nodeprobe.io/status");
        cr_expect_str_eq(v, "ok", "a key under our prefix is ours: taken over");
        free(v);
        cr_expect_eq(res.n_skipped, 1);
        cr_expect_str_eq(res.skipped[0].key, LBL_INTEL_GPU_KEY);
        cr_expect_str_eq(res.skipped[0].manager, "kubectl-label");
        cr_expect_null(lbl_get(&res.live, LBL_INTEL_GPU_KEY));
        /* Cleanup never removes what the admin set. */
        struct lbl_set empty = {0};
        cr_assert_eq(lbl_apply(client, "n1", &empty, 0, NULL, &res, &err), 0, "%s", err.message);
        v = server_label(LBL_INTEL_GPU_KEY);
        cr_expect_str_eq(v, "false", "cleanup leaves the admin's label");
        free(v);
        v = server_label("nodeprobe.io/status");
        cr_expect_null(v, "ours is removed");
        free(v);
}

Test(kube, conflict_found_only_by_the_server_is_settled)
{
        struct lbl_apply_result res;
        struct lbl_node_view stale = {0};
        struct lbl_error err = {0};
        struct lbl_set want = set_of(WANT(LBL_INTEL_GPU_KEY, "true", "nodeprobe.io/status", "ok"));
        char *v, *log;

        start();
        free(np_kube_ctl(kube, "node", ADMIN_GPU_FALSE));
        /* A view read before the admin's change: the PATCH meets a 409. */
        cr_assert_eq(lbl_apply(client, "n1", &want, 0, &stale, &res, &err), 0, "%s", err.message);
        /* The real server names every conflicting field in one 409 (the test server now
         * does too): one 409, then the settled apply. */
        cr_expect_eq(np_kube_count(kube, "PATCH", NULL), 2, "one 409, then the settled apply");
        v = server_label(LBL_INTEL_GPU_KEY);
        cr_expect_str_eq(v, "false");
        free(v);
        v = server_label("nodeprobe.io/status");
        cr_expect_str_eq(v, "ok");
        free(v);
        log = np_kube_ctl(kube, "log", NULL);
        json_t *a = json_loads(log, 0, NULL), *e;
        size_t i;
        json_array_foreach(a, i, e)
        {
                const char *q = json_string_value(json_object_get(e, "query"));
                const char *b = json_string_value(json_object_get(e, "body"));
                if (q && strstr(q, "force=true"))
                        cr_expect_null(strstr(b, LBL_INTEL_GPU_KEY),
                                       "a forced apply never carries a shared key: %s", b);
        }
        json_decref(a);
        free(log);
}

Test(kube, tls_server_name_is_verified)
{
        struct lbl_node_view v;
        struct lbl_error err = {0};
        struct lbl_client *c2 = NULL;

        kube = np_kube_start_cert("name-only");
        free(np_kube_ctl(kube, "node", N1));
        kc = calloc(1, sizeof(*kc));
        cr_assert_eq(lbl_kubeconfig_load(kube->kubeconfig, kc, &err), 0, "%s", err.message);
        cr_assert_eq(lbl_client_new(kc, NULL, &c2), 0);
        cr_expect_eq(lbl_node_get(c2, "n1", &v, &err), -EKEYREJECTED,
                     "the certificate has no IP: %s", err.message);
        c2 = lbl_client_free(c2);
        snprintf(kc->tls_server_name, sizeof(kc->tls_server_name), "api.nodeprobe.test");
        cr_assert_eq(lbl_client_new(kc, NULL, &c2), 0);
        cr_expect_eq(lbl_node_get(c2, "n1", &v, &err), 0, "tls-server-name: %s", err.message);
        c2 = lbl_client_free(c2);
        snprintf(kc->tls_server_name, sizeof(kc->tls_server_name), "someone.else.test");
        cr_assert_eq(lbl_client_new(kc, NULL, &c2), 0);
        cr_expect_eq(lbl_node_get(c2, "n1", &v, &err), -EKEYREJECTED, "%s", err.message);
        lbl_client_free(c2);
}

Test(kube, proxies_as_kubectl_does)
{
        static const struct lbl_client_options quick = {.retry_budget_ms = 300,
                                                        .backoff_base_ms = 50};
        struct lbl_node_view v;
        struct lbl_error err = {0};
        struct lbl_client *c2 = NULL;

        start();
        /* A proxy that does not exist: a loopback server is reached directly anyway. */
        setenv("HTTPS_PROXY", "http://127.0.0.1:9", 1);
        setenv("https_proxy", "http://127.0.0.1:9", 1);
        cr_assert_eq(lbl_client_new(kc, &quick, &c2), 0);
        cr_expect_eq(lbl_node_get(c2, "n1", &v, &err), 0, "loopback is never proxied: %s",
                     err.message);
        c2 = lbl_client_free(c2);
        unsetenv("HTTPS_PROXY");
        unsetenv("https_proxy");
        /* proxy-url from the kubeconfig is used (and this one refuses the connection). */
        snprintf(kc->proxy_url, sizeof(kc->proxy_url), "http://127.0.0.1:9");
        cr_assert_eq(lbl_client_new(kc, &quick, &c2), 0);
        cr_expect_eq(lbl_node_get(c2, "n1", &v, &err), -ECONNREFUSED, "%s", err.message);
        lbl_client_free(c2);
}

Test(kube, handshake_resets_are_retried_within_the_budget)
{
        static const struct lbl_client_options o = {
            .backoff_base_ms = 50, .backoff_cap_ms = 200, .retry_budget_ms = 5000};
        static const struct lbl_client_options short_budget = {
            .backoff_base_ms = 100, .backoff_cap_ms = 100, .retry_budget_ms = 350};
        struct lbl_node_view v;
        struct lbl_error err = {0};
        struct lbl_stats st;
        struct lbl_client *c2 = NULL;
        struct timespec a;

        start_with(&o);
        free(np_kube_ctl(kube, "resets", "6"));
        cr_expect_eq(lbl_node_get(client, "n1", &v, &err), 0, "a restarting server: %s",
                     err.message);
        lbl_client_stats(client, &st);
        cr_expect_eq(st.retries, 6, "retries %u", st.retries);
        /* The budget is time, not a count: a server still down when it is spent is an error. */
        free(np_kube_ctl(kube, "resets", "1000"));
        cr_assert_eq(lbl_client_new(kc, &short_budget, &c2), 0);
        clock_gettime(CLOCK_MONOTONIC, &a);
        cr_expect_lt(lbl_node_get(c2, "n1", &v, &err), 0);
        double s = elapsed_since(&a);
        cr_expect(s > 0.25 && s < 2.0, "gave up after %.2fs for a 0.35s budget", s);
        lbl_client_free(c2);
        /* (The control channel is reset too from here on: no more control calls.) */
}

Test(kube, hostile_retry_after_is_clamped)
{
        static const struct lbl_client_options o = {
            .backoff_base_ms = 10, .backoff_cap_ms = 200, .retry_budget_ms = 3000};
        struct lbl_apply_result res;
        struct lbl_error err = {0};
        struct timespec a;

        start_with(&o);
        script("[{\"status\":429,\"headers\":{\"Retry-After\":\"99999999999999999\"}},"
               "{\"status\":503,\"headers\":{\"Retry-After\":\"   \"}},"
               "{\"status\":503,\"headers\":{\"Retry-After\":\"-5\"}}]");
        clock_gettime(CLOCK_MONOTONIC, &a);
        cr_assert_eq(apply(WANT("nodeprobe.io/x", "1"), 0, &res, &err), 0, "%s", err.message);
        cr_expect_lt(elapsed_since(&a), 2.0, "capped at backoff_cap_ms");
}

Test(kube, messages_are_safe_one_liners)
{
        struct lbl_apply_result res;
        struct lbl_error err = {0};
        struct lbl_client *c2 = NULL;
        struct lbl_node_view v;
        static const struct lbl_client_options quick = {.retry_budget_ms = 100};

        start();
        script("[{\"status\":403,\"reason\":\"Forbidden\",\"method\":\"PATCH\","
               "\"message\":\"no \\u001b]0;owned\\u0007\\u001b[31mred\\u009b2J\\nsecond line\"}]");
        cr_expect_eq(apply(WANT("nodeprobe.io/x", "1"), LBL_APPLY_ALWAYS, &res, &err), -EACCES);
        for (const unsigned char *p = (const unsigned char *)err.message; *p; p++) {
                cr_expect(*p >= 0x20 && *p != 0x7f, "control byte 0x%02x in '%s'", *p, err.message);
                cr_expect(!(p[0] == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0), "C1 control");
        }
        cr_expect(strstr(err.message, "red") && strstr(err.message, "second line"), "%s",
                  err.message);
        /* A password in the server URL is never shown. */
        snprintf(kc->server, sizeof(kc->server), "https://admin:s3cret@127.0.0.1:9");
        cr_assert_eq(lbl_client_new(kc, &quick, &c2), 0);
        cr_expect_lt(lbl_node_get(c2, "n1", &v, &err), 0);
        cr_expect_null(strstr(err.message, "s3cret"), "%s", err.message);
        cr_expect(strstr(err.message, "127.0.0.1"), "%s", err.message);
        lbl_client_free(c2);
}

Test(kube, token_with_line_breaks_is_never_sent)
{
        struct lbl_node_view v;
        struct lbl_error err = {0};
        struct lbl_client *c2 = NULL;
        struct lbl_stats st;

        start();
        /* In the configuration: refused. */
        struct lbl_kubeconfig *bad = calloc(1, sizeof(*bad));
        *bad = *kc;
        bad->token_file[0] = '\0';
        snprintf(bad->token, sizeof(bad->token), "tok1\r\nX-Injected: 1");
        cr_expect_eq(lbl_client_new(bad, NULL, &c2), -EINVAL);
        free(bad);
        /* A rotated token file with a header inside: the old token is kept. */
        static const struct lbl_client_options o = {.token_reload_ms = 1};
        cr_assert_eq(lbl_client_new(kc, &o, &c2), 0);
        np_write(kube->token_file, "tok1\r\nX-Injected: 1\n");
        usleep(5000);
        cr_expect_eq(lbl_node_get(c2, "n1", &v, &err), 0, "%s", err.message);
        lbl_client_stats(c2, &st);
        cr_expect_geq(st.token_reloads, 1);
        lbl_client_free(c2);
        char *log = np_kube_ctl(kube, "log", NULL);
        cr_expect_null(strstr(log, "X-Injected"), "%s", log);
        free(log);
}

Test(kube, large_reply_is_read_in_time)
{
        struct lbl_node_view v;
        struct lbl_error err = {0};
        struct timespec a;

        start();
        /* 3.9 MB of labels-sized padding within the 4 MiB cap: one reply, no quadratic copy. */
        script("[{\"status\":200,\"size\":3900000,\"method\":\"GET\"}]");
        clock_gettime(CLOCK_MONOTONIC, &a);
        cr_expect_eq(lbl_node_get(client, "n1", &v, &err), -EPROTO, "not a Node: %s", err.message);
        cr_expect_lt(elapsed_since(&a), 10.0);
}
