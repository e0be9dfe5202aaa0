/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <drm.h>
#include <glib.h>
#include <i915_drm.h>
#include <umockdev.h>

#include "na.h"
#include "testbed.h"

/* Fixture errors are bugs in the test tree: say what is wrong and stop (a Criterion test shows
 * this as a crash with the message; np-testbed-run exits). */
__attribute__((format(printf, 1, 2), noreturn)) static void tb_fail(const char *fmt, ...)
{
        va_list ap;
        fputs("testbed: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        abort();
}
#define TB_REQUIRE(cond, ...)                                                                      \
        do {                                                                                       \
                if (!(cond))                                                                       \
                        tb_fail(__VA_ARGS__);                                                      \
        } while (0)

struct np_testbed {
        UMockdevTestbed *tb;
        UMockdevIoctlBase *handler;
        GKeyFile *ini;
        char *root;
        char *fixture_dir;
        char *drivers_dir;
        char *dmesg;
};

char *np_slurp(const char *path)
{
        gchar *text = NULL;
        if (!g_file_get_contents(path, &text, NULL, NULL))
                return NULL;
        char *copy = strdup(text);
        g_free(text);
        return copy;
}

/* Copy a string into a client buffer the ioctl caller supplied (drm_version's name/date/desc):
 * as the kernel does, write at most the caller's length and report the full length. */
static void put_string(UMockdevIoctlData *d, size_t ptr_off, __kernel_size_t *len, const char *s)
{
        size_t want = strlen(s);

        if (*len > 0) {
                UMockdevIoctlData *buf = umockdev_ioctl_data_resolve(d, ptr_off, *len, NULL);
                if (buf) {
                        memcpy(buf->data, s, MIN(want, (size_t)*len));
                        umockdev_ioctl_data_unref(buf);
                }
        }
        *len = want;
}

static gboolean on_ioctl(UMockdevIoctlBase *base, UMockdevIoctlClient *client, gpointer user)
{
        struct np_testbed *t = user;
        const char *devnode = umockdev_ioctl_client_get_devnode(client);
        const char *node = strrchr(devnode, '/') ? strrchr(devnode, '/') + 1 : devnode;
        gulong req = umockdev_ioctl_client_get_request(client);
        UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(client);
        g_autofree char *name = g_key_file_get_string(t->ini, node, "name", NULL);

        if (!name) {
                umockdev_ioctl_client_complete(client, -1, ENOTTY);
                return TRUE;
        }
        if (req == DRM_IOCTL_VERSION) {
                UMockdevIoctlData *d =
                    umockdev_ioctl_data_resolve(arg, 0, sizeof(struct drm_version), NULL);
                g_autofree char *desc = g_key_file_get_string(t->ini, node, "desc", NULL);
                g_autofree char *ver = g_key_file_get_string(t->ini, node, "version", NULL);
                struct drm_version *v = (struct drm_version *)d->data;
                int a = 1, b = 0, c = 0;

                if (ver)
                        sscanf(ver, "%d.%d.%d", &a, &b, &c);
                v->version_major = a;
                v->version_minor = b;
                v->version_patchlevel = c;
                put_string(d, offsetof(struct drm_version, name), &v->name_len, name);
                put_string(d, offsetof(struct drm_version, date), &v->date_len, "0");
                put_string(d, offsetof(struct drm_version, desc), &v->desc_len, desc ? desc : "");
                umockdev_ioctl_data_unref(d);
                umockdev_ioctl_client_complete(client, 0, 0);
                return TRUE;
        }
        if (strcmp(name, "i915") == 0 && req == DRM_IOCTL_I915_GETPARAM) {
                UMockdevIoctlData *d =
                    umockdev_ioctl_data_resolve(arg, 0, sizeof(struct drm_i915_getparam), NULL);
                struct drm_i915_getparam *gp = (struct drm_i915_getparam *)d->data;
                const char *key = gp->param == I915_PARAM_CHIPSET_ID         ? "chipset_id"
                                  : gp->param == I915_PARAM_NUM_FENCES_AVAIL ? "num_fences"
                                  : gp->param == I915_PARAM_HUC_STATUS       ? "huc_status"
                                  : gp->param == I915_PARAM_REVISION         ? "revision"
                                                                             : NULL;
                g_autofree char *val = key ? g_key_file_get_string(t->ini, node, key, NULL) : NULL;

                if (!val) {
                        umockdev_ioctl_data_unref(d);
                        umockdev_ioctl_client_complete(client, -1, EINVAL);
                        return TRUE;
                }
                UMockdevIoctlData *out = umockdev_ioctl_data_resolve(
                    d, offsetof(struct drm_i915_getparam, value), sizeof(int), NULL);
                if (!out) { /* the client's pointer could not be read (it went away) */
                        umockdev_ioctl_data_unref(d);
                        umockdev_ioctl_client_complete(client, -1, EFAULT);
                        return TRUE;
                }
                *(int *)out->data = (int)strtol(val, NULL, 0);
                umockdev_ioctl_data_unref(out);
                umockdev_ioctl_data_unref(d);
                umockdev_ioctl_client_complete(client, 0, 0);
                return TRUE;
        }
        if (strcmp(name, "i915") == 0 && req == DRM_IOCTL_I915_GEM_GET_APERTURE) {
                g_autofree char *size = g_key_file_get_string(t->ini, node, "aperture_size", NULL);
                g_autofree char *avail =
                    g_key_file_get_string(t->ini, node, "aperture_available", NULL);
                if (!size || !avail) {
                        umockdev_ioctl_client_complete(client, -1, EINVAL);
                        return TRUE;
                }
                UMockdevIoctlData *d = umockdev_ioctl_data_resolve(
                    arg, 0, sizeof(struct drm_i915_gem_get_aperture), NULL);
                struct drm_i915_gem_get_aperture *ap = (void *)d->data;
                ap->aper_size = strtoull(size, NULL, 0);
                ap->aper_available_size = strtoull(avail, NULL, 0);
                umockdev_ioctl_data_unref(d);
                umockdev_ioctl_client_complete(client, 0, 0);
                return TRUE;
        }
        umockdev_ioctl_client_complete(client, -1, ENOTTY);
        return TRUE;
}

static void run(char **argv)
{
        gint status = 0;
        GError *err = NULL;
        gboolean ok = g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                                   &status, &err);
        TB_REQUIRE(ok && g_spawn_check_wait_status(status, NULL), "running %s failed: %s", argv[0],
                   err ? err->message : "non-zero exit");
}

/* Node access keys (mode/uid/gid) apply to what the /dev node stands for: umockdev backs
 * emulated nodes with a pty, and its stat() reports that pty's owner and mode. */
static void apply_node_access(struct np_testbed *t, const char *node)
{
        char link[4096], target[4096];
        g_autofree char *mode = g_key_file_get_string(t->ini, node, "mode", NULL);
        gint uid = g_key_file_has_key(t->ini, node, "uid", NULL)
                       ? g_key_file_get_integer(t->ini, node, "uid", NULL)
                       : -1;
        gint gid = g_key_file_has_key(t->ini, node, "gid", NULL)
                       ? g_key_file_get_integer(t->ini, node, "gid", NULL)
                       : -1;
        ssize_t n;

        snprintf(link, sizeof(link), "%s/dev/dri/%s", t->root, node);
        n = readlink(link, target, sizeof(target) - 1);
        TB_REQUIRE(n > 0, "fixture node %s has no backing device", node);
        target[n] = '\0';
        /* umockdev's ioctl socket must stay reachable for any uid, or its preload exits the
         * process instead of letting open() fail the way the kernel would. */
        if (mode || uid >= 0 || gid >= 0) {
                char *argv[] = {"chmod", "-R", "a+rwX", NULL, NULL};
                g_autofree char *dir = g_strdup_printf("%s/ioctl", t->root);
                argv[3] = dir;
                run(argv);
        }
        if (mode)
                TB_REQUIRE(chmod(target, (mode_t)strtol(mode, NULL, 8)) == 0, "chmod %s", target);
        if (uid >= 0 || gid >= 0)
                TB_REQUIRE(chown(target, (uid_t)uid, (gid_t)gid) == 0, "chown %s", target);
}

static void setup_va(struct np_testbed *t)
{
        g_autofree char *drivers = g_key_file_get_string(t->ini, "va", "drivers", NULL);
        g_autofree char *mode = g_key_file_get_string(t->ini, "va", "mode", NULL);
        g_autofree char *vendor = g_key_file_get_string(t->ini, "va", "vendor", NULL);
        g_autofree char *forced = g_key_file_get_string(t->ini, "va", "env_driver", NULL);
        g_auto(GStrv) names = g_strsplit(drivers ? drivers : "iHD,i965", ",", -1);
        g_auto(GStrv) keys = g_key_file_get_keys(t->ini, "va", NULL, NULL);
        char caps[4096];

        t->drivers_dir = g_dir_make_tmp("np-vadrv-XXXXXX", NULL);
        TB_REQUIRE(t->drivers_dir, "cannot make a temporary directory");
        for (char **n = names; *n; n++) {
                g_auto(GStrv) parts = g_strsplit(g_strstrip(*n), ":", 2);
                g_autofree char *link = NULL;
                bool noinit = parts[1] && strcmp(parts[1], "noinit") == 0;

                if (!parts[0] || !*parts[0])
                        continue;
                link = g_strdup_printf("%s/%s_drv_video.so", t->drivers_dir, parts[0]);
                /* A copy, not a link: dlopen() of a second name for the same file returns the
                 * first handle, and each copy must know the name it was loaded as. */
                char *argv[] = {"cp", noinit ? NP_FAKEVA_NOINIT_SO : NP_FAKEVA_SO, link, NULL};
                run(argv);
        }
        setenv("LIBVA_DRIVERS_PATH", t->drivers_dir, 1);
        unsetenv("LIBVA_MESSAGING_LEVEL");
        if (forced)
                setenv("LIBVA_DRIVER_NAME", forced, 1);
        else
                unsetenv("LIBVA_DRIVER_NAME");
        snprintf(caps, sizeof(caps), "%s/va.caps", t->fixture_dir);
        setenv("NP_FAKEVA_CAPS", caps, 1);
        if (mode)
                setenv("NP_FAKEVA_MODE", mode, 1);
        else
                unsetenv("NP_FAKEVA_MODE");
        if (vendor)
                setenv("NP_FAKEVA_VENDOR", vendor, 1);
        for (char **k = keys; k && *k; k++) {
                if (strncmp(*k, "mode.", 5) == 0) {
                        g_autofree char *env = g_strdup_printf("NP_FAKEVA_MODE_%s", *k + 5);
                        g_autofree char *v = g_key_file_get_string(t->ini, "va", *k, NULL);
                        setenv(env, v, 1);
                }
        }
}

static gint deeper_first(gconstpointer a, gconstpointer b)
{
        return (gint)strlen(*(char *const *)b) - (gint)strlen(*(char *const *)a);
}

void np_testbed_remove_gpus(struct np_testbed *t)
{
        g_autofree char *path = g_strdup_printf("%s/devices.umockdev", t->fixture_dir);
        g_autofree char *text = NULL;
        g_auto(GStrv) lines = NULL;
        g_autoptr(GPtrArray) devs = g_ptr_array_new_with_free_func(g_free);

        if (!g_file_get_contents(path, &text, NULL, NULL))
                return;
        lines = g_strsplit(text, "\n", -1);
        for (char **l = lines; *l; l++)
                if (g_str_has_prefix(*l, "P: "))
                        g_ptr_array_add(devs, g_strdup_printf("/sys%s", *l + 3));
        g_ptr_array_sort(devs, deeper_first);
        for (guint i = 0; i < devs->len; i++)
                umockdev_testbed_remove_device(t->tb, g_ptr_array_index(devs, i));
}

struct np_testbed *np_testbed_new(const char *fixture)
{
        struct np_testbed *t = calloc(1, sizeof(*t));
        GError *err = NULL;
        char path[4096];

        /* umockdev answers the DRM ioctls of the programs under test from a thread of this
         * process. The agent kills its probe children by design (SIGTERM mid-probe, deadlines),
         * and a reply written to a client that is gone must not end the test with SIGPIPE. */
        signal(SIGPIPE, SIG_IGN);

        TB_REQUIRE(t, "out of memory");
        TB_REQUIRE(
            getenv("LD_PRELOAD") && strstr(getenv("LD_PRELOAD"), "libumockdev-preload"),
            "tests must run under LD_PRELOAD=libumockdev-preload.so (see tests/CMakeLists.txt)");
        t->tb = umockdev_testbed_new();
        t->root = umockdev_testbed_get_root_dir(t->tb);
        /* Readable by every uid: the access tests probe as nobody. */
        chmod(t->root, 0755);
        t->ini = g_key_file_new();
        /* A name under tests/fixtures, or an absolute path (bench/ generates machines). */
        t->fixture_dir =
            fixture && fixture[0] == '/'
                ? g_strdup(fixture)
                : g_strdup_printf("%s/%s", NP_FIXTURES_DIR, fixture ? fixture : "empty");
        t->dmesg = g_strdup_printf("%s/dmesg.txt", t->fixture_dir);

        snprintf(path, sizeof(path), "%s/devices.umockdev", t->fixture_dir);
        if (g_file_test(path, G_FILE_TEST_EXISTS))
                TB_REQUIRE(umockdev_testbed_add_from_file(t->tb, path, &err), "%s: %s", path,
                           err ? err->message : "?");
        snprintf(path, sizeof(path), "%s/root", t->fixture_dir);
        if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
                g_autofree char *src = g_strdup_printf("%s/.", path);
                char *argv[] = {"cp", "-a", src, t->root, NULL};
                run(argv);
        }
        snprintf(path, sizeof(path), "%s/drm.ini", t->fixture_dir);
        if (g_file_test(path, G_FILE_TEST_EXISTS))
                TB_REQUIRE(g_key_file_load_from_file(t->ini, path, G_KEY_FILE_NONE, &err), "%s: %s",
                           path, err ? err->message : "?");

        t->handler = umockdev_ioctl_base_new();
        g_signal_connect(t->handler, "handle-ioctl", G_CALLBACK(on_ioctl), t);
        g_auto(GStrv) groups = g_key_file_get_groups(t->ini, NULL);
        for (char **g = groups; g && *g; g++) {
                g_autofree char *dev = NULL;
                if (strcmp(*g, "va") == 0)
                        continue;
                dev = g_strdup_printf("/dev/dri/%s", *g);
                TB_REQUIRE(umockdev_testbed_attach_ioctl(t->tb, dev, t->handler, &err),
                           "attach %s: %s", dev, err ? err->message : "?");
                apply_node_access(t, *g);
        }
        setup_va(t);
        return t;
}

const char *np_testbed_root(const struct np_testbed *t)
{
        return t->root;
}

const char *np_testbed_dmesg(const struct np_testbed *t)
{
        return t->dmesg;
}

struct vp_facts *np_testbed_probe(struct np_testbed *t, bool isolated)
{
        return np_testbed_probe_ex(t, isolated, false);
}

struct vp_facts *np_testbed_probe_ex(struct np_testbed *t, bool isolated, bool exercise)
{
        struct na_isolate iso = {.timeout_ms = 3000};
        struct vp_va_runner runner = NA_VA_RUNNER(&iso);
        struct vp_options o = {.root = t->root, .dmesg_file = t->dmesg, .exercise = exercise};
        struct vp_facts *f = NULL;

        if (isolated)
                o.va_runner = &runner;
        TB_REQUIRE(vp_probe(&o, &f) == 0, "probe failed");
        return f;
}

struct vp_facts *np_testbed_probe_as_nobody(struct np_testbed *t)
{
        struct vp_facts *f = NULL;
        GString *json = g_string_new(NULL);
        int fds[2], status = 0;
        char buf[4096];
        ssize_t n;
        pid_t pid;

        TB_REQUIRE(pipe(fds) == 0, "pipe");
        pid = fork();
        TB_REQUIRE(pid >= 0, "fork");
        if (pid == 0) {
                struct vp_options o = {.root = t->root, .dmesg_file = t->dmesg};
                struct vp_facts *cf = NULL;
                char *out = NULL;
                close(fds[0]);
                if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
                        _exit(2);
                if (vp_probe(&o, &cf) || vp_facts_to_json(cf, 0, &out))
                        _exit(3);
                _exit(write(fds[1], out, strlen(out)) < 0 ? 4 : 0);
        }
        close(fds[1]);
        while ((n = read(fds[0], buf, sizeof(buf))) > 0)
                g_string_append_len(json, buf, n);
        close(fds[0]);
        waitpid(pid, &status, 0);
        TB_REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0, "probe as nobody: status %d",
                   status);
        TB_REQUIRE(vp_facts_from_json(json->str, json->len, &f, NULL, 0) == 0,
                   "probe as nobody: bad JSON");
        g_string_free(json, TRUE);
        return f;
}

void np_testbed_free(struct np_testbed *t)
{
        if (!t)
                return;
        if (t->drivers_dir) {
                char *argv[] = {"rm", "-rf", t->drivers_dir, NULL};
                run(argv);
        }
        g_clear_object(&t->handler);
        g_clear_object(&t->tb);
        g_key_file_unref(t->ini);
        g_free(t->root);
        g_free(t->fixture_dir);
        g_free(t->drivers_dir);
        g_free(t->dmesg);
        free(t);
}
