/* SPDX-License-Identifier: MIT */
/*
 * nodeprobe agent, the real binary: change detection and settling on a generated sysfs tree,
 * the NFD features file (atomic, never half-written), the discover tier as nobody without
 * /dev, write-only-on-change against the API test server over hundreds of loops, SIGTERM in
 * the middle of a request, a crashing VA driver, and a Forbidden API.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "kubeserver.h"
#include "na.h"
#include "testbed.h"

static struct np_testbed *tb;
static struct np_kube *kube;
static char *dir;

static void teardown(void)
{
        np_testbed_free(tb);
        tb = NULL;
        np_kube_stop(kube);
        kube = NULL;
        if (dir) {
                char *argv[] = {"rm", "-rf", dir, NULL};
                g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                             NULL);
                g_free(dir);
                dir = NULL;
        }
}

TestSuite(agent, .fini = teardown, .timeout = 120);

struct run {
        GPid pid;
        int err_fd;
};

static bool as_nobody;

/* Dropping to nobody: the binary is opened while still root and run with fexecve(), because
 * nobody may not be able to reach it by path (a checkout under root's 0700 home). */
struct nobody_exec {
        int fd;
        char **argv, **envp;
};

static void child_setup(gpointer data)
{
        const struct nobody_exec *x = data;
        if (!x)
                return;
        if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
                _exit(99);
        fexecve(x->fd, x->argv, x->envp);
        _exit(98);
}

static struct run start(const char *const *args)
{
        char *argv[40] = {NP_NODEPROBE_BIN, "agent"};
        int n = 2;
        struct run r = {0};
        g_auto(GStrv) env = g_get_environ();

        for (; args && *args && n < 39; args++)
                argv[n++] = g_strdup(*args); /* freed with the test process */
        argv[n] = NULL;
        if (tb) {
                env = g_environ_setenv(env, "NODEPROBE_ROOT", np_testbed_root(tb), TRUE);
                env = g_environ_setenv(env, "NODEPROBE_DMESG", np_testbed_dmesg(tb), TRUE);
        } else {
                env = g_environ_unsetenv(env, "NODEPROBE_ROOT");
        }
        env = g_environ_unsetenv(env, "KUBERNETES_SERVICE_HOST");
        struct nobody_exec x = {.fd = -1, .argv = argv, .envp = env};
        if (as_nobody) {
                x.fd = open(NP_NODEPROBE_BIN, O_RDONLY | O_CLOEXEC);
                cr_assert_geq(x.fd, 0, "%s: %s", NP_NODEPROBE_BIN, strerror(errno));
        }
        cr_assert(g_spawn_async_with_pipes(NULL, argv, env, G_SPAWN_DO_NOT_REAP_CHILD, child_setup,
                                           as_nobody ? &x : NULL, &r.pid, NULL, NULL, &r.err_fd,
                                           NULL));
        if (x.fd >= 0)
                close(x.fd);
        fcntl(r.err_fd, F_SETFL, O_NONBLOCK);
        return r;
}

static double mono(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void slurp_fd(int fd, GString *g)
{
        char buf[4096];
        ssize_t k;
        while ((k = read(fd, buf, sizeof(buf))) > 0)
                g_string_append_len(g, buf, k);
}

/* SIGTERM, and wait: returns the log; *secs how long the agent took to exit. */
static char *stop(struct run *r, int *exit_code, double *secs)
{
        GString *log = g_string_new(NULL);
        int status = 0;
        double t0 = mono();

        kill(r->pid, SIGTERM);
        for (;;) {
                pid_t w = waitpid(r->pid, &status, WNOHANG);
                slurp_fd(r->err_fd, log);
                if (w == r->pid)
                        break;
                cr_assert_lt(mono() - t0, 10.0, "the agent does not stop: %s", log->str);
                usleep(10000);
        }
        if (secs)
                *secs = mono() - t0;
        slurp_fd(r->err_fd, log);
        close(r->err_fd);
        cr_assert(WIFEXITED(status), "the agent died on signal %d: %s",
                  WIFSIGNALED(status) ? WTERMSIG(status) : 0, log->str);
        *exit_code = WEXITSTATUS(status);
        return g_string_free(log, FALSE);
}

static bool wait_for_file_with(const char *path, const char *text, double timeout)
{
        double t0 = mono();
        while (mono() - t0 < timeout) {
                g_autofree char *s = NULL;
                if (g_file_get_contents(path, &s, NULL, NULL) && strstr(s, text))
                        return true;
                usleep(20000);
        }
        return false;
}

static void put(const char *root, const char *rel, const char *text)
{
        g_autofree char *p = g_build_filename(root, rel, NULL);
        g_autofree char *d = g_path_get_dirname(p);
        cr_assert_eq(g_mkdir_with_parents(d, 0755), 0);
        np_write(p, text);
}

static void link_to(const char *root, const char *rel, const char *target)
{
        g_autofree char *p = g_build_filename(root, rel, NULL);
        g_autofree char *d = g_path_get_dirname(p);
        cr_assert_eq(g_mkdir_with_parents(d, 0755), 0);
        cr_assert_eq(symlink(target, p), 0, "%s", p);
}

/* The GPU as sysfs shows it once i915 has bound it. */
static void add_gpu(const char *root)
{
        put(root, "sys/bus/pci/devices/0000:00:02.0/vendor", "0x8086\n");
        put(root, "sys/bus/pci/devices/0000:00:02.0/device", "0x3e92\n");
        put(root, "sys/bus/pci/devices/0000:00:02.0/class", "0x030000\n");
        g_autofree char *drv = g_build_filename(root, "sys/bus/pci/drivers/i915", NULL);
        cr_assert_eq(g_mkdir_with_parents(drv, 0755), 0);
        g_autofree char *rn =
            g_build_filename(root, "sys/bus/pci/devices/0000:00:02.0/drm/renderD128", NULL);
        cr_assert_eq(g_mkdir_with_parents(rn, 0755), 0);
        link_to(root, "sys/bus/pci/devices/0000:00:02.0/driver", "../../drivers/i915");
        link_to(root, "sys/class/drm/renderD128/device", "../../../bus/pci/devices/0000:00:02.0");
}

struct reader {
        const char *path;
        volatile bool stop;
        unsigned reads, bad;
};

/* A concurrent NFD: every read must be a whole file (expiry line first, ending in a newline). */
static void *reader_main(void *arg)
{
        struct reader *rd = arg;
        while (!rd->stop) {
                g_autofree char *s = NULL;
                gsize len = 0;
                if (g_file_get_contents(rd->path, &s, &len, NULL)) {
                        rd->reads++;
                        if (!g_str_has_prefix(s, "# +expiry-time=") || !len || s[len - 1] != '\n')
                                rd->bad++;
                }
        }
        return NULL;
}

Test(agent, discover_tier_follows_sysfs_and_writes_whole_files)
{
        dir = g_dir_make_tmp("np-agent-XXXXXX", NULL);
        g_autofree char *root = g_build_filename(dir, "root", NULL);
        g_autofree char *features = g_build_filename(dir, "features.d", NULL);
        g_autofree char *file = g_build_filename(features, "nodeprobe", NULL);
        cr_assert_eq(g_mkdir_with_parents(root, 0755), 0);
        cr_assert_eq(g_mkdir_with_parents(features, 0755), 0);
        put(root, "proc/cpuinfo",
            "model name\t: Intel(R) Core(TM) i5-8500\nflags\t: fpu hypervisor\n");
        /* readable by nobody: the discover tier runs unprivileged, with no /dev at all; the
         * features directory is its own (a hostPath it may write) */
        chmod(dir, 0755);
        if (getuid() == 0)
                cr_assert_eq(chown(features, 65534, 65534), 0);
        as_nobody = getuid() == 0;
        struct run r = start((const char *const[]){
            "--tier", "discover", "--no-api", "--features-file", file, "--root", root,
            "--rescan-interval", "0.05", "--settle-delays", "50,100", NULL});
        as_nobody = false;
        cr_expect(wait_for_file_with(file, "nodeprobe.io/gpu.present=false", 10),
                  "no GPU yet: present=false");

        struct reader rd = {.path = file};
        pthread_t th;
        cr_assert_eq(pthread_create(&th, NULL, reader_main, &rd), 0);
        add_gpu(root); /* i915 binds a GPU after boot */
        cr_expect(wait_for_file_with(file, "intel.feature.node.kubernetes.io/gpu=true", 10),
                  "the GPU appeared: the device plugin's label follows");
        rd.stop = true;
        pthread_join(th, NULL);
        cr_expect_gt(rd.reads, 10);
        cr_expect_eq(rd.bad, 0, "%u of %u reads saw a partial file", rd.bad, rd.reads);

        g_autofree char *content = NULL;
        cr_assert(g_file_get_contents(file, &content, NULL, NULL));
        cr_expect(strstr(content, "nodeprobe.io/gpu.device-id=3e92") &&
                      strstr(content, "nodeprobe.io/gpu.kernel-driver=i915"),
                  "%s", content);
        cr_expect_null(strstr(content, "nodeprobe.io/va."), "discover owns no VA labels");
        cr_expect_null(strstr(content, "nodeprobe.io/status"), "status is the verify tier's");
        int code = -1;
        double secs = 0;
        g_autofree char *log = stop(&r, &code, &secs);
        cr_expect_eq(code, 0, "%s", log);
        cr_expect_lt(secs, 2.0);
        cr_expect(strstr(log, "GPU state changed"), "%s", log);
        /* No hidden temp files left behind. */
        GDir *gd = g_dir_open(features, 0, NULL);
        const char *name;
        unsigned files = 0;
        while ((name = g_dir_read_name(gd)))
                files++;
        g_dir_close(gd);
        cr_expect_eq(files, 1);
}

static unsigned long stat_of(const char *log, const char *what)
{
        const char *p = strstr(log, "stopped after ");
        unsigned long loops = 0, probes = 0, syncs = 0, requests = 0;
        cr_assert(p, "%s", log);
        cr_assert_eq(sscanf(p, "stopped after %lu loops: %lu probes, %lu syncs, %lu API requests",
                            &loops, &probes, &syncs, &requests),
                     4, "%s", p);
        return strcmp(what, "loops") == 0    ? loops
               : strcmp(what, "probes") == 0 ? probes
               : strcmp(what, "syncs") == 0  ? syncs
                                             : requests;
}

static struct run start_verify(const char *const *extra)
{
        const char *args[32] = {"--kubeconfig",      kube->kubeconfig, "--node-name",     "vm1",
                                "--rescan-interval", "0.01",           "--settle-delays", "50"};
        int n = 8;
        for (; extra && *extra; extra++)
                args[n++] = *extra;
        args[n] = NULL;
        return start(args);
}

/* The verify tier's bed: the fixture machine, the API test server with Node vm1, a
 * scratch dir; the port for --listen (salted so that tests in parallel differ) in *listen. */
static int verify_bed(int salt, char **listen)
{
        int port = 20000 + (int)((getpid() + salt) % 20000);
        *listen = g_strdup_printf("127.0.0.1:%d", port);
        tb = np_testbed_new("cfl-gvtg-v54");
        kube = np_kube_start();
        dir = g_dir_make_tmp("np-agent-XXXXXX", NULL);
        free(np_kube_ctl(kube, "node", "{\"name\":\"vm1\"}"));
        return port;
}

static bool wait_for_label(const char *key, const char *value, double timeout)
{
        double t0 = mono();
        while (mono() - t0 < timeout) {
                char *node = np_kube_ctl(kube, "get", "{\"name\":\"vm1\"}");
                g_autofree char *want = g_strdup_printf("\"%s\": \"%s\"", key, value);
                bool ok = strstr(node, want) != NULL;
                free(node);
                if (ok)
                        return true;
                usleep(50000);
        }
        return false;
}

Test(agent, verify_tier_writes_once_over_hundreds_of_loops)
{
        tb = np_testbed_new("cfl-gvtg-v54");
        kube = np_kube_start();
        free(np_kube_ctl(kube, "node", "{\"name\":\"vm1\"}"));
        struct run r = start_verify(NULL);
        cr_expect(wait_for_label("nodeprobe.io/status", "ok", 20), "labelled");
        usleep(1500 * 1000); /* nothing changes: 10 ms rescans */
        int code = -1;
        double secs = 0;
        g_autofree char *log = stop(&r, &code, &secs);
        cr_expect_eq(code, 0, "%s", log);
        cr_expect_lt(secs, 2.0);
        cr_expect_geq(stat_of(log, "loops"), 100, "%s", log);
        cr_expect_eq(np_kube_count(kube, "PATCH", "/api/v1/nodes/vm1"), 2,
                     "one PATCH for the labels, one for the condition: %s", log);
        cr_expect_eq(np_kube_count(kube, "PATCH", "/api/v1/nodes/vm1/status"), 1, "%s", log);
        cr_expect_eq(np_kube_count(kube, "GET", NULL), 1, "one GET at start");
        cr_expect_eq(stat_of(log, "probes"), 2, "two probes that agree, then nothing: %s", log);
        /* The verify tier's field manager and labels. */
        char *l = np_kube_ctl(kube, "log", NULL);
        cr_expect(strstr(l, "fieldManager=nodeprobe\""), "%s", l);
        free(l);
}

Test(agent, sigterm_mid_request_keeps_the_labels)
{
        tb = np_testbed_new("cfl-gvtg-v54");
        kube = np_kube_start();
        free(np_kube_ctl(kube, "node",
                         "{\"name\":\"vm1\",\"labels\":{\"nodeprobe.io/status\":\"degraded\"},"
                         "\"managed\":[{\"manager\":\"nodeprobe\",\"operation\":\"Apply\","
                         "\"keys\":[\"nodeprobe.io/status\"]}]}"));
        /* The PATCH hangs in the server for 8 s. */
        free(np_kube_ctl(kube, "script", "[{\"pass\":true,\"delay\":8,\"method\":\"PATCH\"}]"));
        struct run r = start_verify(NULL);
        double t0 = mono();
        bool patching = false;
        while (mono() - t0 < 15 && !patching) {
                patching = np_kube_count(kube, "PATCH", NULL) > 0;
                usleep(20000);
        }
        cr_assert(patching, "the agent never sent its PATCH");
        int code = -1;
        double secs = 0;
        g_autofree char *log = stop(&r, &code, &secs);
        cr_expect_eq(code, 0, "%s", log);
        cr_expect_lt(secs, 2.0, "stopped within 2 s of SIGTERM (%.2f s)", secs);
        cr_expect(wait_for_label("nodeprobe.io/status", "degraded", 0.5) ||
                      wait_for_label("nodeprobe.io/status", "ok", 10),
                  "the Node's labels are whole: the old ones or the new ones");
}

Test(agent, api_failures_converge_after_recovery)
{
        tb = np_testbed_new("cfl-gvtg-v54");
        kube = np_kube_start();
        free(np_kube_ctl(kube, "node", "{\"name\":\"vm1\"}"));
        free(np_kube_ctl(
            kube, "script",
            "[{\"status\":503,\"method\":\"PATCH\"},{\"status\":503,\"method\":\"PATCH\"},"
            "{\"status\":503,\"method\":\"PATCH\"},{\"status\":503,\"method\":\"PATCH\"},"
            "{\"status\":503,\"method\":\"PATCH\"},{\"status\":503,\"method\":\"PATCH\"},"
            "{\"status\":503,\"method\":\"PATCH\"},{\"status\":503,\"method\":\"PATCH\"}]"));
        struct run r = start_verify(NULL);
        cr_expect(wait_for_label("nodeprobe.io/status", "ok", 40), "converged after the 503s");
        int code = -1;
        g_autofree char *log = stop(&r, &code, NULL);
        cr_expect_eq(code, 0, "%s", log);
}

Test(agent, forbidden_is_logged_once_and_the_agent_lives)
{
        tb = np_testbed_new("cfl-gvtg-v54");
        kube = np_kube_start();
        free(np_kube_ctl(kube, "node", "{\"name\":\"vm1\"}"));
        free(np_kube_ctl(kube, "script",
                         "[{\"status\":403,\"reason\":\"Forbidden\",\"method\":\"GET\","
                         "\"message\":\"nodes \\\"vm1\\\" is forbidden\"}]"));
        struct run r = start_verify(NULL);
        usleep(2500 * 1000);
        int code = -1;
        g_autofree char *log = stop(&r, &code, NULL);
        cr_expect_eq(code, 0, "%s", log);
        const char *first = strstr(log, "forbidden");
        cr_assert(first, "the 403 is logged: %s", log);
        cr_expect_null(strstr(first + 1, "is forbidden"), "logged once: %s", log);
        cr_expect(strstr(log, "RBAC"), "%s", log);
}

Test(agent, crashing_va_driver_is_reported_not_fatal)
{
        tb = np_testbed_new("cfl-gvtg-v54");
        setenv("NP_FAKEVA_MODE", "crash", 1); /* after the testbed, which sets the mode */
        dir = g_dir_make_tmp("np-agent-XXXXXX", NULL);
        g_autofree char *file = g_build_filename(dir, "nodeprobe", NULL);
        struct run r =
            start((const char *const[]){"--no-api", "--features-file", file, "--rescan-interval",
                                        "0.05", "--settle-delays", "50", NULL});
        cr_expect(wait_for_file_with(file, "nodeprobe.io/status=va-failed", 20),
                  "the crash is a status");
        int code = -1;
        g_autofree char *log = stop(&r, &code, NULL);
        unsetenv("NP_FAKEVA_MODE");
        cr_expect_eq(code, 0, "the agent lives: %s", log);
        cr_expect(strstr(log, "status va-failed"), "%s", log);
}

static char *http_get(int port, const char *path, long *code)
{
        g_autofree char *url = g_strdup_printf("http://127.0.0.1:%d%s", port, path);
        g_autofree char *out = NULL;
        gint st = 0;
        char *argv[] = {"curl", "-s", "--noproxy",      "*", "-o",
                        "-",    "-w", "\n%{http_code}", url, NULL};
        cr_assert(
            g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL, &st, NULL));
        char *nl = strrchr(out, '\n');
        cr_assert(nl, "%s", out);
        *code = strtol(nl + 1, NULL, 10);
        return g_strndup(out, (gsize)(nl - out));
}

static bool wait_http(int port, const char *path, long want, double timeout)
{
        double t0 = mono();
        while (mono() - t0 < timeout) {
                long code = 0;
                g_autofree char *b = http_get(port, path, &code);
                if (code == want)
                        return true;
                usleep(50000);
        }
        return false;
}

/* A VA driver that hangs: the probe child is killed at --va-timeout, the agent lives on and
 * says va-failed, and /healthz keeps answering while the parent waits on the hung child (the
 * listener is served from inside the wait, not only between loops). */
Test(agent, hanging_va_driver_is_killed_and_healthz_answers_meanwhile)
{
        int port = 20000 + (int)((getpid() + 7) % 20000);
        g_autofree char *listen = g_strdup_printf("127.0.0.1:%d", port);
        tb = np_testbed_new("cfl-gvtg-v54");
        setenv("NP_FAKEVA_MODE", "hang", 1);
        dir = g_dir_make_tmp("np-agent-XXXXXX", NULL);
        g_autofree char *file = g_build_filename(dir, "nodeprobe", NULL);
        double t0 = mono();
        struct run r = start((const char *const[]){
            "--no-api", "--features-file", file, "--rescan-interval", "0.05", "--settle-delays",
            "50", "--va-timeout", "2", "--listen", listen, NULL});
        cr_expect(wait_http(port, "/healthz", 200, 1.5), "served during the first, hung probe");
        cr_expect_lt(mono() - t0, 2.0, "before the VA deadline");
        cr_expect(wait_for_file_with(file, "nodeprobe.io/status=va-failed", 20),
                  "the hang is a status");
        cr_expect(wait_http(port, "/healthz", 200, 2), "and after it");
        int code = -1;
        g_autofree char *log = stop(&r, &code, NULL);
        unsetenv("NP_FAKEVA_MODE");
        cr_expect_eq(code, 0, "the agent lives: %s", log);
        cr_expect(strstr(log, "status va-failed"), "%s", log);
}

Test(agent, usage_errors)
{
        g_autofree char *out = NULL, *err = NULL;
        gint st = 0;
        char *argv[] = {NP_NODEPROBE_BIN, "agent", "--no-api", NULL};
        cr_assert(g_spawn_sync(NULL, argv, NULL, 0, NULL, NULL, &out, &err, &st, NULL));
        cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == NA_EXIT_USAGE, "%s", err);
        cr_expect(strstr(err, "--features-file"), "%s", err);
        char *argv2[] = {NP_NODEPROBE_BIN, "report", "--tier", "discover", NULL};
        g_free(out);
        g_free(err);
        cr_assert(g_spawn_sync(NULL, argv2, NULL, 0, NULL, NULL, &out, &err, &st, NULL));
        cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == NA_EXIT_USAGE, "%s", err);
}

static char *events(void)
{
        return np_kube_ctl(kube, "events", NULL);
}

static unsigned count_of(const char *hay, const char *needle)
{
        unsigned n = 0;
        for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
                n++;
        return n;
}

/* IntelGPUReady follows the node's status: False with the cause when the VA driver crashes,
 * True again when it works; exactly one Warning and one Normal Event; no writes between. */
Test(agent, condition_and_events_on_transitions)
{
        tb = np_testbed_new("cfl-gvtg-v54");
        kube = np_kube_start();
        free(np_kube_ctl(kube, "node", "{\"name\":\"vm1\"}"));
        dir = g_dir_make_tmp("np-agent-XXXXXX", NULL);
        g_autofree char *mode = g_build_filename(dir, "mode", NULL);
        np_write(mode, "crash\n");
        setenv("NP_FAKEVA_MODE_FILE", mode, 1);
        struct run r = start_verify(NULL);
        cr_expect(wait_for_label("nodeprobe.io/status", "va-failed", 20), "degraded first");
        double t0 = mono();
        bool cond = false;
        while (!cond && mono() - t0 < 10) {
                char *node = np_kube_ctl(kube, "get", "{\"name\":\"vm1\"}");
                cond = strstr(node, "\"type\": \"IntelGPUReady\"") &&
                       strstr(node, "\"status\": \"False\"") && strstr(node, "VAFailed");
                free(node);
                usleep(50000);
        }
        cr_expect(cond, "condition False, reason VAFailed");
        usleep(300 * 1000);
        /* The driver is fixed (a package upgrade); SIGHUP makes the agent look again. */
        np_write(mode, "ok\n");
        kill(r.pid, SIGHUP);
        cr_expect(wait_for_label("nodeprobe.io/status", "ok", 20), "recovered");
        t0 = mono();
        bool normal = false;
        while (!normal && mono() - t0 < 10) {
                char *ev = events();
                normal = strstr(ev, "\"Normal\"") != NULL;
                free(ev);
                usleep(50000);
        }
        int code = -1;
        g_autofree char *log = stop(&r, &code, NULL);
        unsetenv("NP_FAKEVA_MODE_FILE");
        cr_expect_eq(code, 0, "%s", log);
        char *ev = events();
        cr_expect_eq(count_of(ev, "\"Warning\""), 1, "one Warning: %s", ev);
        cr_expect_eq(count_of(ev, "\"Normal\""), 1, "one Normal: %s", ev);
        cr_expect(strstr(ev, "\"reportingComponent\": \"nodeprobe.io/agent\"") &&
                      strstr(ev, "\"uid\": \"uid-vm1\""),
                  "%s", ev);
        free(ev);
        char *node = np_kube_ctl(kube, "get", "{\"name\":\"vm1\"}");
        cr_expect(strstr(node, "\"status\": \"True\"") && strstr(node, "GPUReady"), "%s", node);
        free(node);
        /* Two transitions: two label PATCHes and two condition PATCHes, nothing more. */
        cr_expect_eq(np_kube_count(kube, "PATCH", NULL), 4, "%s", log);
}

/* /metrics parsed by the real Prometheus text parser (python3-prometheus-client). */
static char *parse_metrics(const char *text)
{
        g_autofree char *file = g_build_filename(dir, "metrics.txt", NULL);
        g_autofree char *out = NULL, *err = NULL;
        gint st = 0;
        np_write(file, text);
        /* Debian's python3, where python3-prometheus-client is installed. */
        char *py = g_file_test("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE) ? "/usr/bin/python3"
                                                                              : "python3";
        char *argv[] = {py, "-c",
                        "import sys\n"
                        "from prometheus_client.parser import text_string_to_metric_families\n"
                        "for f in text_string_to_metric_families(open(sys.argv[1]).read()):\n"
                        "    for s in f.samples:\n"
                        "        print(f.type, s.name, sorted(s.labels.items()), s.value)\n",
                        file, NULL};
        cr_assert(
            g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &st, NULL));
        cr_assert(g_spawn_check_wait_status(st, NULL), "the Prometheus parser refused it: %s\n%s",
                  err, text);
        return g_steal_pointer(&out);
}

Test(agent, healthz_and_metrics)
{
        int port = 20000 + (int)(getpid() % 20000);
        g_autofree char *listen = g_strdup_printf("127.0.0.1:%d", port);
        tb = np_testbed_new("cfl-gvtg-v54");
        kube = np_kube_start();
        dir = g_dir_make_tmp("np-agent-XXXXXX", NULL);
        free(np_kube_ctl(kube, "node", "{\"name\":\"vm1\"}"));
        struct run r = start_verify((const char *const[]){"--listen", listen, NULL});
        cr_expect(wait_for_label("nodeprobe.io/status", "ok", 20));
        cr_expect(wait_http(port, "/healthz", 200, 10), "healthy");
        long code = 0;
        /* The server holds the label before the agent has counted its PATCH, and the
         * condition PATCH follows the label's: scrape until both are counted. */
        char *m = NULL;
        for (int i = 0; i < 100; i++) {
                free(m);
                m = http_get(port, "/metrics", &code);
                if (m && strstr(m, "nodeprobe_api_requests_total{verb=\"PATCH\"} 2"))
                        break;
                g_usleep(100 * 1000);
        }
        cr_expect_eq(code, 200);
        g_autofree char *parsed = parse_metrics(m);
        cr_expect(strstr(parsed, "gauge nodeprobe_gpu_info [('device_id', '3e92'), "
                                 "('kernel_driver', 'i915'), ('platform', 'coffeelake')"),
                  "%s", parsed);
        cr_expect(strstr(parsed, "nodeprobe_node_status [('status', 'ok')] 1.0"), "%s", parsed);
        cr_expect(strstr(parsed, "nodeprobe_capability [('capability', 'decode.hevc-10bit')] 1.0"),
                  "%s", parsed);
        cr_expect(strstr(parsed, "counter nodeprobe_api_requests_total [('verb', 'PATCH')] 2.0"),
                  "%s", parsed);
        cr_expect(strstr(parsed, "nodeprobe_probes_total"), "%s", parsed);
        free(m);
        g_autofree char *nf = http_get(port, "/nope", &code);
        cr_expect_eq(code, 404);
        int ec = -1;
        g_autofree char *log = stop(&r, &ec, NULL);
        cr_expect_eq(ec, 0, "%s", log);

        /* A Forbidden API: /healthz says so (503 with the reason), and heals on its own. */
        free(np_kube_ctl(kube, "node", "{\"name\":\"vm2\"}"));
        free(np_kube_ctl(kube, "script",
                         "[{\"status\":403,\"reason\":\"Forbidden\",\"method\":\"GET\","
                         "\"message\":\"nodes \\\"vm2\\\" is forbidden\"}]"));
        struct run r2 = start((const char *const[]){
            "--kubeconfig", kube->kubeconfig, "--node-name", "vm2", "--rescan-interval", "0.05",
            "--settle-delays", "50", "--listen", listen, NULL});
        cr_expect(wait_http(port, "/healthz", 503, 15), "unhealthy while Forbidden");
        g_autofree char *why = http_get(port, "/healthz", &code);
        cr_expect(strstr(why, "forbidden"), "%s", why);
        g_autofree char *log2 = stop(&r2, &ec, NULL);
        cr_expect_eq(ec, 0, "%s", log2);
}

/* The real kube-apiserver answers a ValidatingAdmissionPolicy denial without a `reason` with
 * 422 Invalid (tests/kube/test_real_api.py saw it): the agent treats it as RBAC's 403, a
 * standing refusal for a person to fix (/healthz 503, the slow retry), not as a request
 * to back off from and resend every minute. */
Test(agent, an_admission_denial_is_a_standing_refusal)
{
        g_autofree char *listen = NULL;
        int port = verify_bed(7, &listen);
        GString *script = g_string_new("[");
        for (int i = 0; i < 8; i++)
                g_string_append_printf(
                    script,
                    "%s{\"status\":422,\"reason\":\"Invalid\",\"method\":\"PATCH\","
                    "\"message\":\"nodes \\\"vm1\\\" is forbidden: ValidatingAdmissionPolicy "
                    "'nodeprobe-own-node' with binding 'nodeprobe-own-node' denied request: "
                    "nodeprobe may only add or change its own labels\"}",
                    i ? "," : "");
        g_string_append(script, "]");
        free(np_kube_ctl(kube, "script", script->str));
        g_string_free(script, TRUE);
        struct run r = start_verify((const char *const[]){"--listen", listen, NULL});
        cr_expect(wait_http(port, "/healthz", 503, 15), "unhealthy while refused");
        long code = 0;
        g_autofree char *why = http_get(port, "/healthz", &code);
        cr_expect(strstr(why, "denied request"), "%s", why);
        /* A backoff of 1 s, 2 s would have sent two more PATCHes by now. */
        g_usleep(3500 * 1000);
        int ec = -1;
        g_autofree char *log = stop(&r, &ec, NULL);
        cr_expect_eq(ec, 0, "%s", log);
        cr_expect_eq(np_kube_count(kube, "PATCH", NULL), 1, "one PATCH: %s", log);
        cr_expect(strstr(log, "(refused by an admission policy)"), "%s", log);
}

static int run_sync(const char *const *args, char **err)
{
        char *argv[16] = {NP_NODEPROBE_BIN, "agent"};
        int n = 2;
        gint st = 0;
        for (; *args; args++)
                argv[n++] = g_strdup(*args);
        argv[n] = NULL;
        cr_assert(g_spawn_sync(NULL, argv, NULL, 0, NULL, NULL, NULL, err, &st, NULL));
        return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(agent, config_file_errors_name_the_line_and_flags_win)
{
        static const struct {
                const char *text, *want;
        } bad[] = {
            {"tier: discover\nbogus: 1\n", ":2: unknown key 'bogus'"},
            {"tier: nope\n", ":1: tier is one of discover verify"},
            {"no-api: \"true\"\n", ":1: no-api takes true or false"},
            {"rescan-interval: soon\n", ":1: rescan-interval takes a number"},
            {"settle-delays: [100, x]\n", ":1: settle-delays takes whole milliseconds"},
            {"tier: [a]\n", ":1: tier does not take a list"},
            {"- a\n- b\n", ":1: expected a mapping"},
            {"tier: {a: b}\n", ":1: tier takes a value, not a mapping"},
            {"tier: discover\n\tlisten: x\n", "not valid YAML"},
        };
        dir = g_dir_make_tmp("np-agent-XXXXXX", NULL);
        g_autofree char *cf = g_build_filename(dir, "agent.yaml", NULL);
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                g_autofree char *err = NULL;
                np_write(cf, bad[i].text);
                cr_expect_eq(run_sync((const char *const[]){"--config", cf, NULL}, &err),
                             NA_EXIT_USAGE, "case %zu", i);
                cr_expect(strstr(err, bad[i].want), "case %zu: '%s' lacks '%s'", i, err,
                          bad[i].want);
                cr_expect(g_str_has_prefix(err, "nodeprobe: ") && strstr(err, "agent.yaml"),
                          "file named: %s", err);
        }
        /* A good file; the flag's rescan interval wins over the file's. */
        g_autofree char *root = g_build_filename(dir, "root", NULL);
        g_autofree char *file = g_build_filename(dir, "features", NULL);
        g_mkdir_with_parents(root, 0755);
        g_autofree char *good = g_strdup_printf(
            "tier: discover\nno-api: true\nfeatures-file: %s\nroot: %s\nrescan-interval: 5\n"
            "settle-delays: [50, 100]\nlog-format: json\n",
            file, root);
        np_write(cf, good);
        struct run r =
            start((const char *const[]){"--config", cf, "--rescan-interval", "0.05", NULL});
        cr_expect(wait_for_file_with(file, "gpu.present=false", 10));
        /* SIGHUP with a broken file: refused, the agent keeps running. */
        np_write(cf, "tier: discover\nbogus: 1\n");
        kill(r.pid, SIGHUP);
        usleep(300 * 1000);
        /* SIGHUP with a valid file: reloaded in place (same pid). */
        np_write(cf, good);
        kill(r.pid, SIGHUP);
        usleep(500 * 1000);
        cr_expect_eq(kill(r.pid, 0), 0, "still running");
        int code = -1;
        g_autofree char *log = stop(&r, &code, NULL);
        cr_expect_eq(code, 0, "%s", log);
        cr_expect(strstr(log, "\"msg\":\"agent ") && strstr(log, "rescan 50 ms"),
                  "JSON logs from the file, the flag's interval: %s", log);
        cr_expect(strstr(log, "agent.yaml:2: unknown key 'bogus'; keeping the running "
                              "configuration"),
                  "%s", log);
        cr_expect(strstr(log, "SIGHUP: reloading"), "%s", log);
        cr_expect_eq(count_of(log, "starting"), 2, "started again by the reload: %s", log);
}

/* The GPU fixture, the API test server with Node vm1 (node_json), and both tiers against it,
 * once the discover tier has brought the device plugin's label. */
static void start_both_tiers(const char *node_json, struct run *d, struct run *v)
{
        tb = np_testbed_new("cfl-gvtg-v54");
        kube = np_kube_start();
        free(np_kube_ctl(kube, "node", node_json));
        *d = start_verify((const char *const[]){"--tier", "discover", NULL});
        *v = start_verify(NULL);
        cr_expect(wait_for_label("intel.feature.node.kubernetes.io/gpu", "true", 20));
}

/* The two tiers on one Node: disjoint labels under two field managers, never fighting; the
 * union is what the Node shows, and each tier's writes stay its own. */
Test(agent, two_tiers_share_a_node)
{
        struct run d, v;
        start_both_tiers("{\"name\":\"vm1\"}", &d, &v);
        cr_expect(wait_for_label("nodeprobe.io/gpu.device-id", "3e92", 20));
        cr_expect(wait_for_label("nodeprobe.io/decode.hevc-10bit", "true", 20));
        cr_expect(wait_for_label("nodeprobe.io/status", "ok", 20));
        usleep(500 * 1000);
        int code = -1;
        g_autofree char *dlog = stop(&d, &code, NULL);
        cr_expect_eq(code, 0, "%s", dlog);
        g_autofree char *vlog = stop(&v, &code, NULL);
        cr_expect_eq(code, 0, "%s", vlog);
        char *node = np_kube_ctl(kube, "get", "{\"name\":\"vm1\"}");
        cr_expect(strstr(node, "\"manager\": \"nodeprobe-discover\"") &&
                      strstr(node, "\"manager\": \"nodeprobe\""),
                  "%s", node);
        free(node);
        /* One label PATCH each, one condition PATCH (verify): no fight over a key. */
        cr_expect_eq(np_kube_count(kube, "PATCH", "/api/v1/nodes/vm1"), 3, "%s\n%s", dlog, vlog);

        /* Uninstall: label --cleanup removes both tiers' labels and the condition. */
        g_autofree char *out = NULL, *err = NULL;
        gint st = 0;
        char *argv[] = {NP_NODEPROBE_BIN, "label",       "--cleanup", "--kubeconfig",
                        kube->kubeconfig, "--node-name", "vm1",       NULL};
        cr_assert(g_spawn_sync(NULL, argv, NULL, 0, NULL, NULL, &out, &err, &st, NULL));
        cr_expect(g_spawn_check_wait_status(st, NULL), "%s%s", out, err);
        cr_expect(strstr(out, "removed nodeprobe's labels") &&
                      strstr(out, "removed the discover tier's labels") &&
                      strstr(out, "removed the IntelGPUReady condition"),
                  "%s", out);
        node = np_kube_ctl(kube, "get", "{\"name\":\"vm1\"}");
        cr_expect_null(strstr(node, "nodeprobe.io/"), "%s", node);
        cr_expect_null(strstr(node, "intel.feature.node.kubernetes.io/gpu"), "%s", node);
        cr_expect_null(strstr(node, "IntelGPUReady"), "%s", node);
        free(node);
}

static bool node_has(const char *text)
{
        char *node = np_kube_ctl(kube, "get", "{\"name\":\"vm1\"}");
        bool has = strstr(node, text) != NULL;
        free(node);
        return has;
}

/* The GPU goes away under both tiers (a VF removed, i915 unbound): each removes its own set.
 * The device plugin's label goes, so the plugin leaves the node; va.*, decode.* and encode.*
 * go; the status says no-gpu. Labels of other managers stay. */
Test(agent, removing_the_gpu_removes_both_sets)
{
        struct run d, v;
        start_both_tiers("{\"name\":\"vm1\",\"labels\":{\"team\":\"media\"}}", &d, &v);
        cr_expect(wait_for_label("nodeprobe.io/status", "ok", 20));
        cr_expect(wait_for_label("nodeprobe.io/decode.h264", "true", 20));

        np_testbed_remove_gpus(tb);
        cr_expect(wait_for_label("nodeprobe.io/status", "no-gpu", 20), "verify sees it go");
        double t0 = mono();
        while (mono() - t0 < 20 &&
               (node_has("intel.feature.node.kubernetes.io/gpu") ||
                node_has("nodeprobe.io/gpu.device-id") || node_has("nodeprobe.io/decode.") ||
                node_has("nodeprobe.io/encode.") || node_has("nodeprobe.io/va.")))
                usleep(50000);
        int code = -1;
        g_autofree char *dlog = stop(&d, &code, NULL);
        cr_expect_eq(code, 0, "%s", dlog);
        g_autofree char *vlog = stop(&v, &code, NULL);
        cr_expect_eq(code, 0, "%s", vlog);
        char *node = np_kube_ctl(kube, "get", "{\"name\":\"vm1\"}");
        cr_expect_null(strstr(node, "intel.feature.node.kubernetes.io/gpu"), "%s", node);
        cr_expect_null(strstr(node, "nodeprobe.io/gpu.device-id"), "%s", node);
        cr_expect_null(strstr(node, "nodeprobe.io/gpu.platform"), "%s", node);
        cr_expect_null(strstr(node, "nodeprobe.io/decode."), "%s", node);
        cr_expect_null(strstr(node, "nodeprobe.io/encode."), "%s", node);
        cr_expect_null(strstr(node, "nodeprobe.io/va."), "%s", node);
        cr_expect(strstr(node, "\"team\": \"media\""), "another owner's label stays: %s", node);
        cr_expect(strstr(dlog, "GPU state changed") && strstr(vlog, "GPU state changed"), "%s\n%s",
                  dlog, vlog);
        free(node);
}

Test(agent, heartbeat_is_opt_in)
{
        tb = np_testbed_new("cfl-gvtg-v54");
        kube = np_kube_start();
        free(np_kube_ctl(kube, "node", "{\"name\":\"vm1\"}"));
        struct run r = start_verify((const char *const[]){"--heartbeat-interval", "0.3", NULL});
        cr_expect(wait_for_label("nodeprobe.io/status", "ok", 20));
        usleep(1500 * 1000);
        int code = -1;
        g_autofree char *log = stop(&r, &code, NULL);
        cr_expect_eq(code, 0, "%s", log);
        cr_expect_geq(np_kube_count(kube, "PATCH", "/api/v1/nodes/vm1/status"), 3,
                      "the condition is re-sent every 0.3 s");
        cr_expect_eq(np_kube_count(kube, "PATCH", "/api/v1/nodes/vm1") -
                         np_kube_count(kube, "PATCH", "/api/v1/nodes/vm1/status"),
                     1, "but the labels only once");
}

/* The verify tier runs the exercise at start and after a change, never on the resync timer;
 * the probes in between keep its result (no flapping label), --no-exercise turns it off. */
Test(agent, exercise_at_start_not_on_the_timer)
{
        tb = np_testbed_new("cfl-gvtg-v54");
        dir = g_dir_make_tmp("np-agent-XXXXXX", NULL);
        g_autofree char *file = g_build_filename(dir, "nodeprobe", NULL);
        struct run r = start((const char *const[]){"--no-api", "--features-file", file,
                                                   "--rescan-interval", "0.05", "--resync-interval",
                                                   "0.3", "--settle-delays", "50", NULL});
        cr_expect(wait_for_file_with(file, "nodeprobe.io/exercise=passed", 20), "labelled");
        usleep(1500 * 1000); /* several resyncs */
        int code = -1;
        g_autofree char *log = stop(&r, &code, NULL);
        cr_expect_eq(code, 0, "%s", log);
        const char *first = strstr(log, "exercise on /dev/dri/renderD128: passed");
        cr_expect(first, "%s", log);
        cr_expect(first && !strstr(first + 1, "exercise on"), "once, not per resync: %s", log);
        cr_expect_geq(stat_of(log, "probes"), 4, "the resyncs did probe: %s", log);
        g_autofree char *text = np_slurp(file);
        cr_expect(text && strstr(text, "nodeprobe.io/exercise=passed"), "kept: %s", text);
}

Test(agent, no_exercise_means_no_job_and_no_label)
{
        tb = np_testbed_new("cfl-gvtg-v54");
        dir = g_dir_make_tmp("np-agent-XXXXXX", NULL);
        g_autofree char *file = g_build_filename(dir, "nodeprobe", NULL);
        struct run r =
            start((const char *const[]){"--no-api", "--features-file", file, "--rescan-interval",
                                        "0.05", "--settle-delays", "50", "--no-exercise", NULL});
        cr_expect(wait_for_file_with(file, "nodeprobe.io/status=ok", 20), "labelled");
        int code = -1;
        g_autofree char *log = stop(&r, &code, NULL);
        g_autofree char *text = np_slurp(file);
        cr_expect(text && !strstr(text, "exercise"), "%s", text);
        cr_expect_null(strstr(log, "exercise on"), "%s", log);
}

/* A GPU that lists everything and runs nothing: the agent says so in the status. */
Test(agent, a_refusing_gpu_is_degraded)
{
        tb = np_testbed_new("cfl-gvtg-v54");
        setenv("NP_FAKEVA_MODE", "refuse-context", 1);
        dir = g_dir_make_tmp("np-agent-XXXXXX", NULL);
        g_autofree char *file = g_build_filename(dir, "nodeprobe", NULL);
        struct run r =
            start((const char *const[]){"--no-api", "--features-file", file, "--rescan-interval",
                                        "0.05", "--settle-delays", "50", NULL});
        cr_expect(wait_for_file_with(file, "nodeprobe.io/exercise=failed", 20), "labelled");
        int code = -1;
        g_autofree char *log = stop(&r, &code, NULL);
        unsetenv("NP_FAKEVA_MODE");
        g_autofree char *text = np_slurp(file);
        cr_expect(text && strstr(text, "nodeprobe.io/status=degraded"), "%s", text);
        cr_expect(strstr(log, "exercise"), "%s", log);
}

/* --usage: the agent samples DRM fdinfo and /metrics has each client's engine shares (with
 * its pod), the device's sum and the client's memory, as the Prometheus parser reads them. */
Test(agent, usage_metrics_from_fdinfo)
{
        g_autofree char *listen = NULL;
        int port = verify_bed(7, &listen);
        /* The pod the process is in, as the API has it: the metrics name it. */
        free(np_kube_ctl(
            kube, "pod",
            "{\"metadata\":{\"name\":\"jellyfin-0\",\"namespace\":\"media\",\"uid\":"
            "\"8c1f3c2e-6f4b-4d2a-9c1e-0b6f2f6a9d11\"},\"spec\":{\"nodeName\":\"vm1\","
            "\"containers\":[{\"name\":\"sidecar\"},{\"name\":\"jellyfin\",\"resources\":"
            "{\"limits\":{\"gpu.intel.com/i915\":\"1\"}}}]},\"status\":{\"containerStatuses\":"
            "[{\"name\":\"sidecar\",\"containerID\":\"containerd://0123456789abcdef\"},"
            "{\"name\":\"jellyfin\",\"containerID\":\"containerd://4f3c2b1a0e9d8c7b6a5f4e3"
            "d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b\"}]}}"));
        free(np_kube_ctl(kube, "pod",
                         "{\"metadata\":{\"name\":\"elsewhere\",\"namespace\":\"media\","
                         "\"uid\":\"11111111-2222-3333-4444-555555555555\"},\"spec\":{"
                         "\"nodeName\":\"vm2\",\"containers\":[{\"name\":\"x\"}]}}"));
        const char *root = np_testbed_root(tb);
        g_autofree char *pd = g_build_filename(root, "proc", "4242", NULL);
        g_autofree char *fdd = g_build_filename(pd, "fd", NULL);
        g_autofree char *infod = g_build_filename(pd, "fdinfo", NULL);
        g_autofree char *link = g_build_filename(fdd, "5", NULL);
        g_autofree char *info = g_build_filename(infod, "5", NULL);
        g_autofree char *comm = g_build_filename(pd, "comm", NULL);
        g_autofree char *cg = g_build_filename(pd, "cgroup", NULL);
        cr_assert_eq(g_mkdir_with_parents(fdd, 0755), 0);
        cr_assert_eq(g_mkdir_with_parents(infod, 0755), 0);
        cr_assert_eq(symlink("/dev/dri/renderD128", link), 0);
        np_write(comm, "jellyfin-ffmpeg\n");
        np_write(cg, "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
                     "8c1f3c2e_6f4b_4d2a_9c1e_0b6f2f6a9d11.slice/cri-containerd-"
                     "4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b.scope\n");
        struct run r =
            start_verify((const char *const[]){"--listen", listen, "--usage", "0.1", NULL});
        cr_expect(wait_http(port, "/healthz", 200, 10), "healthy");
        /* The video engines busy all the time: 20 ms of busy time every 20 ms, on one of its
         * two engines (a share of 0.5). */
        char *m = NULL;
        long code = 0;
        uint64_t busy = 0;
        for (int i = 0; i < 150; i++) {
                g_autofree char *text = g_strdup_printf(
                    "pos:\t0\nflags:\t02100002\ndrm-driver:\ti915\ndrm-pdev:\t0000:00:02.0\n"
                    "drm-client-id:\t17\ndrm-engine-render:\t0 ns\ndrm-engine-video:\t%llu ns\n"
                    "drm-engine-capacity-video:\t2\ndrm-total-system0:\t64 MiB\n",
                    (unsigned long long)busy);
                np_write(info, text);
                g_usleep(20 * 1000);
                busy += 20 * 1000 * 1000;
                if (i > 30 && i % 10 == 0) {
                        free(m);
                        m = http_get(port, "/metrics", &code);
                        if (m && strstr(m, "engine=\"video\"") && !strstr(m, "} 0.0000\n"))
                                break;
                }
        }
        cr_assert(m, "no metrics");
        g_autofree char *parsed = parse_metrics(m);
        const char *line = strstr(parsed, "gauge nodeprobe_gpu_client_engine_busy_ratio [('comm', "
                                          "'jellyfin-ffmpeg'), ('container', 'jellyfin'), "
                                          "('container_id', '4f3c2b1a0e9d");
        cr_expect(line, "%s", parsed);
        const char *video = strstr(parsed, "('engine', 'video'), ('namespace', 'media'), ('pid', "
                                           "'4242'), ('pod', 'jellyfin-0'), ('pod_uid', "
                                           "'8c1f3c2e-6f4b-4d2a-9c1e-0b6f2f6a9d11'), ('source', "
                                           "'fdinfo')] ");
        cr_expect(video, "%s", parsed);
        if (video) {
                double v = atof(strstr(video, "] ") + 2);
                cr_expect(v > 0.2 && v <= 0.8, "a share near 0.5, not %f", v);
        }
        cr_expect(strstr(parsed,
                         "gauge nodeprobe_gpu_engine_busy_ratio [('device', '0000:00:02.0'), "
                         "('engine', 'video'), ('source', 'fdinfo')]"),
                  "%s", parsed);
        cr_expect(strstr(parsed,
                         "nodeprobe_gpu_client_memory_bytes [('comm', 'jellyfin-ffmpeg'), "
                         "('container', 'jellyfin'), ('container_id', '4f3c2b1a0e9d8c7b6a5f4e3d2c1"
                         "b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b'), ('device', '0000:00:02.0'), "
                         "('namespace', 'media'), ('pid', '4242'), ('pod', 'jellyfin-0'), "
                         "('pod_uid', '8c1f3c2e-6f4b-4d2a-9c1e-0b6f2f6a9d11')] 67108864.0"),
                  "%s", parsed);
        /* No PMU in the fixture: the device's figure is the clients' sum, and says so. */
        cr_expect(!strstr(parsed, "'source', 'pmu'"), "%s", parsed);
        free(m);
        int ec = -1;
        g_autofree char *log = stop(&r, &ec, NULL);
        cr_expect_eq(ec, 0, "%s", log);
        cr_expect(strstr(log, "PMU not supported for this GPU"), "%s", log);
        /* One GET of this node's pods (the client's pod was unknown), none per scan. */
        cr_expect_eq(np_kube_count(kube, "GET", "/api/v1/pods"), 1, "%s", log);
        g_autofree char *reqs = np_kube_ctl(kube, "log", NULL);
        cr_expect(strstr(reqs, "fieldSelector=spec.nodeName%3Dvm1"), "%s", reqs);
}

/* A fixture process in a pod: its GPU descriptor, its cgroup line. */
static void fixture_client(const char *root, const char *pid, const char *comm, const char *uid_,
                           const char *cid)
{
        g_autofree char *pd = g_build_filename(root, "proc", pid, NULL);
        g_autofree char *fdd = g_build_filename(pd, "fd", NULL);
        g_autofree char *infod = g_build_filename(pd, "fdinfo", NULL);
        g_autofree char *link = g_build_filename(fdd, "5", NULL);
        g_autofree char *cpath = g_build_filename(pd, "comm", NULL);
        g_autofree char *cg = g_build_filename(pd, "cgroup", NULL);
        g_autofree char *cgtext = g_strdup_printf(
            "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod%s.slice/"
            "cri-containerd-%s.scope\n",
            uid_, cid);
        g_autofree char *ctext = g_strdup_printf("%s\n", comm);
        cr_assert_eq(g_mkdir_with_parents(fdd, 0755), 0);
        cr_assert_eq(g_mkdir_with_parents(infod, 0755), 0);
        cr_assert_eq(symlink("/dev/dri/renderD128", link), 0);
        np_write(cpath, ctext);
        np_write(cg, cgtext);
}

static void fixture_step(const char *root, const char *pid, unsigned id, unsigned long long video)
{
        g_autofree char *info = g_build_filename(root, "proc", pid, "fdinfo", "5", NULL);
        g_autofree char *text =
            g_strdup_printf("drm-driver:\ti915\ndrm-pdev:\t0000:00:02.0\ndrm-client-id:\t%u\n"
                            "drm-engine-render:\t0 ns\ndrm-engine-video:\t%llu ns\n",
                            id, video);
        np_write(info, text);
}

static void fixture_cpu(const char *root, const char *uid_, unsigned long long usec)
{
        g_autofree char *cgdir =
            g_strdup_printf("%s/sys/fs/cgroup/kubepods.slice/kubepods-burstable.slice/"
                            "kubepods-burstable-pod%s.slice",
                            root, uid_);
        g_autofree char *file = g_build_filename(cgdir, "cpu.stat", NULL);
        g_autofree char *text =
            g_strdup_printf("usage_usec %llu\nuser_usec %llu\nsystem_usec 0\n", usec, usec);
        cr_assert_eq(g_mkdir_with_parents(cgdir, 0755), 0);
        np_write(file, text);
}

static void add_pod(const char *name, const char *uid, const char *cid, const char *resources)
{
        g_autofree char *json = g_strdup_printf(
            "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"media\",\"uid\":\"%s\"},"
            "\"spec\":{\"nodeName\":\"vm1\",\"containers\":[{\"name\":\"%s\",\"resources\":%s}]},"
            "\"status\":{\"containerStatuses\":[{\"name\":\"%s\",\"containerID\":"
            "\"containerd://%s\"}]}}",
            name, uid, name, resources, name, cid);
        free(np_kube_ctl(kube, "pod", json));
}

/* --idle-warn: a pod that holds gpu.intel.com/i915 and burns a core without the video engine
 * gets one Warning Event GPUAllocatedButIdle (in its namespace, about the Pod); a pod that
 * decodes on the GPU, and one that holds no GPU, get none; no second Event within the window. */
Test(agent, idle_gpu_pod_gets_one_warning_event)
{
        g_autofree char *listen = NULL;
        int port = verify_bed(11, &listen);
        static const char *idle_uid = "aaaaaaaa-0000-4000-8000-000000000001",
                          *idle_ = "aaaaaaaa_0000_4000_8000_000000000001",
                          *busy_uid = "bbbbbbbb-0000-4000-8000-000000000002",
                          *busy_ = "bbbbbbbb_0000_4000_8000_000000000002",
                          *cpu_uid = "cccccccc-0000-4000-8000-000000000003",
                          *cpu_ = "cccccccc_0000_4000_8000_000000000003",
                          *cid1 =
                              "1111111111111111111111111111111111111111111111111111111111111111",
                          *cid2 =
                              "2222222222222222222222222222222222222222222222222222222222222222",
                          *cid3 =
                              "3333333333333333333333333333333333333333333333333333333333333333";
        add_pod("jellyfin", idle_uid, cid1, "{\"limits\":{\"gpu.intel.com/i915\":\"1\"}}");
        add_pod("plex", busy_uid, cid2, "{\"limits\":{\"gpu.intel.com/i915\":\"1\"}}");
        add_pod("web", cpu_uid, cid3, "{}");
        const char *root = np_testbed_root(tb);
        fixture_client(root, "4301", "jellyfin", idle_, cid1);
        fixture_client(root, "4302", "Plex Transcoder", busy_, cid2);
        unsigned long long cpu = 0, video = 0;
        fixture_step(root, "4301", 31, 0);
        fixture_step(root, "4302", 32, 0);
        fixture_cpu(root, idle_, 0);
        fixture_cpu(root, busy_, 0);
        fixture_cpu(root, cpu_, 0);
        struct run r = start_verify(
            (const char *const[]){"--listen", listen, "--usage", "0.1", "--idle-warn", "1", NULL});
        cr_expect(wait_http(port, "/healthz", 200, 10), "healthy");
        char *ev = NULL;
        double t0 = mono();
        /* Every pod burns a core; only plex's video counter runs. */
        while (mono() - t0 < 8) {
                g_usleep(20 * 1000);
                cpu = (unsigned long long)((mono() - t0) * 1e6); /* one core, all the time */
                video += 10 * 1000 * 1000;
                fixture_cpu(root, idle_, cpu);
                fixture_cpu(root, busy_, cpu);
                fixture_cpu(root, cpu_, cpu);
                fixture_step(root, "4302", 32, video);
                free(ev);
                ev = events();
                if (strstr(ev, "GPUAllocatedButIdle") && mono() - t0 > 4)
                        break;
        }
        long hc = 0;
        g_autofree char *m = http_get(port, "/metrics", &hc);
        int ec = -1;
        g_autofree char *log = stop(&r, &ec, NULL);
        cr_assert(ev);
        cr_expect_eq(count_of(ev, "GPUAllocatedButIdle"), 1, "one Event: %s\n%s", ev, log);
        cr_expect(strstr(ev, "\"kind\": \"Pod\"") || strstr(ev, "\"kind\":\"Pod\""), "%s", ev);
        cr_expect(strstr(ev, idle_uid), "about jellyfin: %s", ev);
        cr_expect(!strstr(ev, busy_uid) && !strstr(ev, cpu_uid), "%s", ev);
        const char *msg = strstr(ev, "jellyfin holds the GPU (gpu.intel.com/i915) but used no "
                                     "video engine for 1 s while using ");
        cr_expect(msg, "%s", ev);
        if (msg) {
                double cores = atof(strstr(msg, "using ") + 6);
                cr_expect(cores > 0.6 && cores < 1.4, "about one core, not %f: %s", cores, ev);
                cr_expect(strstr(msg, " CPU: it decodes in software: check hardware "
                                      "acceleration settings"),
                          "%s", ev);
        }
        cr_expect(strstr(ev, "\"type\": \"Warning\"") || strstr(ev, "\"type\":\"Warning\""), "%s",
                  ev);
        g_autofree char *reqs = np_kube_ctl(kube, "log", NULL);
        cr_expect(strstr(reqs, "/api/v1/namespaces/media/events"), "%s", reqs);
        cr_expect(m && strstr(m, "nodeprobe_gpu_idle_events_total 1\n"), "%s", m);
        free(ev);
        cr_expect_eq(ec, 0, "%s", log);
}

/* /metrics from a snapshot with PMU figures (na_http_metrics, pure): the device's engine
 * figures are the PMU's (source pmu) and not also the clients' sum; frequency and RC6 are
 * there; a client carries its pod's names; hostile names stay one valid sample each. */
Test(agent, usage_metrics_prefer_the_pmu)
{
        struct na_http_snapshot *s = calloc(1, sizeof(*s));
        cr_assert(s);
        dir = g_dir_make_tmp("np-agent-XXXXXX", NULL);
        cr_assert_eq(vp_fdinfo_parse("drm-driver: i915\ndrm-pdev: 0000:00:02.0\ndrm-client-id: 4\n"
                                     "drm-engine-video: 0 ns\n",
                                     &s->usage_prev.clients[0]),
                     0);
        s->usage_cur.clients[0] = s->usage_prev.clients[0];
        s->usage_cur.clients[0].busy[VP_ENGINE_VIDEO] = 500000000ull;
        s->usage_cur.clients[0].pid = 7;
        snprintf(s->usage_cur.clients[0].comm, 16, "ffmpeg\"\n");
        s->usage_prev.n_clients = s->usage_cur.n_clients = 1;
        s->usage_prev.t_ns = 1000000000ull;
        s->usage_cur.t_ns = 2000000000ull;
        s->usage_scans = 2;
        snprintf(s->names[0].ns, sizeof(s->names[0].ns), "media");
        snprintf(s->names[0].pod, sizeof(s->names[0].pod), "plex-0");
        snprintf(s->names[0].container, sizeof(s->names[0].container), "plex\\x");
        s->n_pmu = 1;
        snprintf(s->pmu[0].pdev, sizeof(s->pmu[0].pdev), "0000:00:02.0");
        for (int e = 0; e < VP_ENGINE__MAX; e++)
                s->pmu[0].busy[e] = -1;
        s->pmu[0].busy[VP_ENGINE_VIDEO] = 0.52;
        s->pmu[0].busy[VP_ENGINE_RENDER] = 0.01;
        s->pmu[0].freq_hz = 1.1e9;
        s->pmu[0].rc6 = 0.3;
        size_t len = 0;
        g_autofree char *text = na_http_metrics(s, &len);
        cr_assert(text && len == strlen(text));
        g_autofree char *parsed = parse_metrics(text);
        cr_expect(strstr(parsed,
                         "gauge nodeprobe_gpu_engine_busy_ratio [('device', '0000:00:02.0'), "
                         "('engine', 'video'), ('source', 'pmu')] 0.52"),
                  "%s", parsed);
        cr_expect(!strstr(parsed, "nodeprobe_gpu_engine_busy_ratio [('device', '0000:00:02.0'), "
                                  "('engine', 'video'), ('source', 'fdinfo')]"),
                  "one figure per device and engine: %s", parsed);
        cr_expect(strstr(parsed, "gauge nodeprobe_gpu_frequency_hertz [('device', '0000:00:02.0'), "
                                 "('source', 'pmu')] 1100000000.0"),
                  "%s", parsed);
        cr_expect(strstr(parsed, "gauge nodeprobe_gpu_rc6_ratio [('device', '0000:00:02.0'), "
                                 "('source', 'pmu')] 0.3"),
                  "%s", parsed);
        cr_expect(strstr(parsed, "('comm', 'ffmpeg\"\\n'), ('container', 'plex\\\\x')"), "%s",
                  parsed);
        cr_expect(strstr(parsed, "('namespace', 'media'), ('pid', '7'), ('pod', 'plex-0')"), "%s",
                  parsed);
        cr_expect(strstr(parsed, "('source', 'fdinfo')] 0.5"), "the client's own share: %s",
                  parsed);
        free(s);
}
