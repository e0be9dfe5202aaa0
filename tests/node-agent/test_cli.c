/* SPDX-License-Identifier: MIT */
/*
 * The nodeprobe command line: argument parsing (pure), and the binary's documented exit codes
 * and outputs on fixture machines, saved snapshots and pasted vainfo text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <glib.h>
#include <jansson.h>
#include <yaml.h>

#include "kubeserver.h"
#include "na.h"
#include "testbed.h"

static struct np_testbed *tb;

static void teardown(void)
{
        np_testbed_free(tb);
        tb = NULL;
}

TestSuite(cli, .fini = teardown, .timeout = 60);

/* cfg borrows from argv (as from main's), so argv lives until the next call. */
static int parse(struct na_config *cfg, const char *line)
{
        static GStrv argv;
        int argc = 0;
        char buf[512];

        snprintf(buf, sizeof(buf), "nodeprobe %s", line);
        g_strfreev(argv);
        argv = NULL;
        cr_assert(g_shell_parse_argv(buf, &argc, &argv, NULL));
        return na_parse_args(argc, argv, cfg);
}

Test(cli, parse_modes_and_options)
{
        struct na_config c;

        cr_expect_eq(parse(&c, "--report"), 0);
        cr_expect_eq(c.mode, NA_MODE_REPORT);
        cr_expect_eq(parse(&c, "report -o json --strict"), 0);
        cr_expect(c.mode == NA_MODE_REPORT && c.format == NA_FORMAT_JSON && c.strict);
        cr_expect_eq(parse(&c, "-o yaml snapshot --device /dev/dri/renderD129"), 0);
        cr_expect(c.mode == NA_MODE_SNAPSHOT && c.format == NA_FORMAT_YAML);
        cr_expect_eq(parse(&c, "check --require decode.hevc-10bit --require encode.h264"), 0);
        cr_expect(c.mode == NA_MODE_CHECK && c.n_require == 2);
        cr_expect_str_eq(c.require[1], "encode.h264");
        cr_expect_eq(parse(&c, "--va-timeout 3"), 0);
        cr_expect_eq(c.va_timeout_ms, 3000);
        cr_expect_eq(parse(&c, "--help"), 0);
        cr_expect(c.show_help);
        cr_expect_eq(parse(&c, "-v --report"), 0);
        cr_expect(c.verbose);
}

Test(cli, parse_errors)
{
        struct na_config c;
        static const char *const bad[] = {
            "--bogus",
            "frobnicate",
            "--va-timeout 0",
            "--va-timeout 3x",
            "--va-timeout",
            "-o xml",
            "snapshot check",
            "snapshot --report",
            "--facts a --from-vainfo b",
            "--device-id 3e92",
            "--require decode.h264",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                cr_expect_eq(parse(&c, bad[i]), -EINVAL, "'%s' must be a usage error", bad[i]);
}

/* Run the real binary; returns its exit code. */
static int np(char **out, char **err, const char *const *args)
{
        char *argv[32] = {NP_NODEPROBE_BIN};
        gint status = 0;
        int n = 1;
        g_auto(GStrv) env = g_get_environ();

        for (; args && *args && n < 31; args++)
                argv[n++] = g_strdup(*args);
        argv[n] = NULL;
        env = g_environ_setenv(env, "NO_COLOR", "1", TRUE);
        if (tb) {
                env = g_environ_setenv(env, "NODEPROBE_ROOT", np_testbed_root(tb), TRUE);
                env = g_environ_setenv(env, "NODEPROBE_DMESG", np_testbed_dmesg(tb), TRUE);
        } else {
                env = g_environ_unsetenv(env, "NODEPROBE_ROOT");
        }
        gboolean ok = g_spawn_sync(NULL, argv, env, 0, NULL, NULL, out, err, &status, NULL);
        for (int i = 1; i < n; i++)
                g_free(argv[i]);
        cr_assert(ok);
        cr_assert(WIFEXITED(status), "nodeprobe died: status %d", status);
        return WEXITSTATUS(status);
}

#define NP(out, err, ...) np(out, err, (const char *const[]){__VA_ARGS__, NULL})

/* ---- the option table (node-agent/cli.c) ---- */

/* A value the option's kind accepts ("" for none); for --config a file that parses. */
static const char *sample(const struct na_opt *o)
{
        static char first[32];
        static char yaml[64];

        if (!o->arg)
                return "";
        if (strcmp(o->name, "config") == 0) {
                snprintf(yaml, sizeof(yaml), "%s/np-cli-config-XXXXXX", g_get_tmp_dir());
                int fd = g_mkstemp(yaml);
                cr_assert(fd >= 0);
                cr_assert(write(fd, "tier: verify\n", 13) == 13);
                close(fd);
                return yaml;
        }
        switch (o->kind) {
        case NA_OPT_LIST:
                return "decode.h264";
        case NA_OPT_CHOICE:
                snprintf(first, sizeof(first), "%.*s", (int)strcspn(o->choices, " "), o->choices);
                return first;
        case NA_OPT_SECONDS:
        case NA_OPT_WHOLE_SECONDS:
                return "1";
        case NA_OPT_MS_LIST:
                return "100";
        default:
                return "/";
        }
}

/* "MODE --name VALUE", with the option it requires. */
static int parse_with(struct na_config *c, const char *mode, const struct na_opt *o)
{
        char line[512];
        snprintf(line, sizeof(line), "%s --%s %s%s%s", mode, o->name, sample(o),
                 o->requires ? " --" : "", o->requires ? o->requires : "");
        if (o->requires) /* its own sample value */
                snprintf(line + strlen(line), sizeof(line) - strlen(line), " %s",
                         sample(na_opt_find(o->requires)));
        return parse(c, line);
}

/* Every "goes with" rule, from the table: accepted with each command it names, a usage error
 * with every other, and without the option it requires or with one it excludes. */
Test(cli, every_goes_with_rule)
{
        size_t n;
        const struct na_opt *t = na_opts(&n);
        struct na_config c;
        unsigned rules = 0;

        cr_assert_gt(n, 30);
        for (size_t i = 0; i < n; i++) {
                const struct na_opt *o = &t[i];
                if (o->kind == NA_OPT_COMMAND)
                        continue; /* --report against the commands: parse_errors */
                for (int m = 0; m < _NA_MODE_MAX; m++) {
                        const char *mode = na_mode_to_string((enum na_mode)m);
                        int r = parse_with(&c, mode, o);
                        if (o->modes & NA_MODE_BIT(m)) {
                                cr_expect_eq(r, 0, "%s --%s must be accepted", mode, o->name);
                                cr_expect(r != 0 || na_given(&c, o->name), "--%s given", o->name);
                        } else {
                                cr_expect_eq(r, -EINVAL, "%s --%s must be a usage error", mode,
                                             o->name);
                                rules++;
                        }
                }
                if (o->requires) {
                        char line[256];
                        snprintf(line, sizeof(line), "--%s %s", o->name, sample(o));
                        cr_expect_eq(parse(&c, line), -EINVAL, "--%s without --%s", o->name,
                                     o->requires);
                        rules++;
                }
                for (const char *x = o->excludes; x && *x; rules++) {
                        char name[32], line[256];
                        size_t l = strcspn(x, " ");
                        snprintf(name, sizeof(name), "%.*s", (int)l, x);
                        snprintf(line, sizeof(line), "--%s %s --%s %s", o->name, sample(o), name,
                                 sample(na_opt_find(name)));
                        cr_expect_eq(parse(&c, line), -EINVAL, "'%s' must be a usage error", line);
                        x += l + (x[l] == ' ');
                }
        }
        cr_expect_geq(rules, 80, "the table states the rules (%u)", rules);
}

/* "Given" is recorded, not guessed from defaults: a default value given is still given. */
Test(cli, given_is_recorded)
{
        struct na_config c;

        cr_expect_eq(parse(&c, "agent"), 0);
        cr_expect_not(na_given(&c, "tier"));
        cr_expect_not(na_given(&c, "rescan-interval"));
        cr_expect_eq(parse(&c, "agent --tier verify --rescan-interval 10"), 0);
        cr_expect(na_given(&c, "tier") && na_given(&c, "rescan-interval"));
        cr_expect_not(c.tier_discover);
        cr_expect_eq(parse(&c, "report --rescan-interval 10"), -EINVAL);
        cr_expect_eq(parse(&c, "report --log-format text"), -EINVAL);
        cr_expect_eq(parse(&c, "report --tier verify"), -EINVAL);
        cr_expect_eq(parse(&c, "agent --tier discover --log-format json"), 0);
        cr_expect(c.tier_discover && c.log_json);
        cr_expect_eq(parse(&c, "-o yaml"), 0);
        cr_expect_eq(c.format, NA_FORMAT_YAML);
        cr_expect_eq(parse(&c, "agent --settle-delays 100,200"), 0);
        cr_expect(c.n_settle == 2 && c.settle_ms[1] == 200);
        cr_expect_eq(parse(&c, "--kernel-driver xe"), -EINVAL, "needs --from-vainfo");
        cr_expect_null(na_opt_find("no-such-option"));
}

/* Every option is in --help and the man page; the ones the table marks yaml are --config keys
 * of the kind's type, and no other option is. */
Test(cli, every_option_in_help_man_and_config)
{
        size_t n;
        const struct na_opt *t = na_opts(&n);
        g_autofree char *out = NULL, *err = NULL, *man = NULL;
        unsigned yaml = 0;

        cr_assert_eq(NP(&out, &err, "--help"), NA_EXIT_OK);
#ifdef NP_MAN_PAGE
        man = np_slurp(NP_MAN_PAGE);
        cr_assert(man, "no %s", NP_MAN_PAGE);
#endif
        for (size_t i = 0; i < n; i++) {
                const struct na_opt *o = &t[i];
                g_autofree char *flag = g_strdup_printf("--%s", o->name);
                /* help2man writes every '-' as roff's "\-" */
                g_auto(GStrv) parts = g_strsplit(flag, "-", -1);
                g_autofree char *roff = g_strjoinv("\\-", parts);
                cr_expect(strstr(out, flag), "--help lacks %s", flag);
                cr_expect(!man || strstr(man, roff), "the man page lacks %s", flag);

                char path[] = "/tmp/np-cli-yaml-XXXXXX", msg[256] = "";
                int fd = mkstemp(path);
                cr_assert(fd >= 0);
                const char *v = o->kind == NA_OPT_FLAG      ? "true"
                                : o->kind == NA_OPT_MS_LIST ? "[100, 200]"
                                                            : sample(o);
                g_autofree char *doc = g_strdup_printf("%s: %s\n", o->name, *v ? v : "x");
                cr_assert(write(fd, doc, strlen(doc)) == (ssize_t)strlen(doc));
                close(fd);
                char **args = NULL;
                int nargs = 0;
                int r = na_config_load(path, &args, &nargs, msg, sizeof(msg));
                unlink(path);
                if (o->yaml) {
                        yaml++;
                        cr_expect_eq(r, 0, "config key %s: %s", o->name, msg);
                        cr_expect(nargs >= 1 && strcmp(args[0], flag) == 0, "%s -> %s", o->name,
                                  nargs ? args[0] : "nothing");
                } else {
                        cr_expect_eq(r, -EINVAL, "%s must not be a config key", o->name);
                        cr_expect(strstr(msg, "unknown key"), "%s", msg);
                }
                for (int k = 0; k < nargs; k++)
                        free(args[k]);
                free(args);
        }
        cr_expect_geq(yaml, 18, "the agent's keys");
#ifndef NP_MAN_PAGE
        cr_log_warn("help2man was not found at configure time: the man page is not checked");
#endif
}

static int count_lines(const char *s)
{
        int n = 0;
        for (; s && *s; s++)
                n += *s == '\n';
        return n;
}

Test(cli, help_version_usage)
{
        g_autofree char *out = NULL, *err = NULL;

        cr_expect_eq(NP(&out, &err, "--help"), NA_EXIT_OK);
        cr_expect(strstr(out, "report") && strstr(out, "snapshot") && strstr(out, "check") &&
                      strstr(out, "--va-timeout") && strstr(out, "Exit codes"),
                  "%s", out);
        g_free(out);
        g_free(err);
        cr_expect_eq(NP(&out, &err, "--version"), NA_EXIT_OK);
        cr_expect(g_str_has_prefix(out, "nodeprobe "), "%s", out);
        g_free(out);
        g_free(err);
        cr_expect_eq(NP(&out, &err, "--bogus"), NA_EXIT_USAGE);
        cr_expect_eq(count_lines(err), 1, "one line: %s", err);
        cr_expect(strstr(err, "--bogus"), "%s", err);
        cr_expect_str_eq(out, "");
}

Test(cli, this_machine_has_no_intel_gpu)
{
        g_autofree char *out = NULL, *err = NULL;

        tb = np_testbed_new(NULL);
        cr_expect_eq(NP(&out, &err, "--report"), NA_EXIT_OK, "report exits 0: %s", err);
        cr_expect(strstr(out, "no Intel GPU"), "%s", out);
        cr_expect(strstr(out, "2. VM settings") && strstr(out, "secure-boot"),
                  "the VM steps are checked before a GPU is there: %s", out);
        cr_expect_lt(count_lines(out), 40, "short: %s", out);
        cr_expect_null(strchr(out, '\033'), "no colour when not a terminal");
        g_free(out);
        g_free(err);
        cr_expect_eq(NP(&out, &err, "check"), NA_EXIT_NO_GPU);
        g_free(out);
        g_free(err);
        cr_expect_eq(NP(&out, &err, "--report", "--strict"), NA_EXIT_NO_GPU);
}

Test(cli, check_requirements)
{
        g_autofree char *out = NULL, *err = NULL;

        tb = np_testbed_new("cfl-gvtg-v54");
        cr_expect_eq(NP(&out, &err, "check", "--require", "decode.hevc-10bit"), NA_EXIT_OK, "%s",
                     err);
        g_free(out);
        g_free(err);
        cr_expect_eq(NP(&out, &err, "check", "--require", "encode.vp9"), NA_EXIT_DEGRADED);
        cr_expect(strstr(err, "encode.vp9"), "%s", err);
        g_free(out);
        g_free(err);
        cr_expect_eq(NP(&out, &err, "check", "--require", "decode.bogus"), NA_EXIT_USAGE);
}

/* An init container that demands a real encode: listed is not enough with --exercise. */
Test(cli, check_requires_a_real_encode)
{
        g_autofree char *out = NULL, *err = NULL;

        tb = np_testbed_new("cfl-gvtg-v54");
        cr_expect_eq(NP(&out, &err, "check", "--exercise", "--require", "encode.h264"), NA_EXIT_OK,
                     "%s", err);
        g_free(out);
        g_free(err);
        setenv("NP_FAKEVA_MODE", "refuse-context", 1);
        cr_expect_eq(NP(&out, &err, "check", "--require", "encode.h264"), NA_EXIT_OK,
                     "without --exercise the listing is trusted: %s", err);
        g_free(out);
        g_free(err);
        cr_expect_eq(NP(&out, &err, "check", "--exercise", "--require", "encode.h264"),
                     NA_EXIT_DEGRADED);
        unsetenv("NP_FAKEVA_MODE");
        cr_expect(strstr(err, "required encode.h264: listed, but the real job refused"), "%s", err);
        g_free(out);
        g_free(err);
        cr_expect_eq(NP(&out, &err, "label", "--exercise"), NA_EXIT_USAGE);
        cr_expect(strstr(err, "--exercise goes with"), "%s", err);
        g_free(out);
        g_free(err);
        cr_expect_eq(NP(&out, &err, "--report", "--exercise", "--no-va"), NA_EXIT_USAGE);
        g_free(out);
        g_free(err);
        cr_expect_eq(NP(&out, &err, "--report", "--no-exercise"), NA_EXIT_USAGE);
}

Test(cli, degraded_exit_code_only_with_strict)
{
        g_autofree char *out = NULL, *err = NULL;
        char path[4096];

        snprintf(path, sizeof(path), "%s/vainfo/icelake-irisplus-g7-iHD-no-codec-profiles.txt",
                 NP_FIXTURES_DIR);
        cr_expect_eq(NP(&out, &err, "--report", "--from-vainfo", path), NA_EXIT_OK);
        cr_expect(strstr(out, "✗ codecs"), "%s", out);
        g_free(out);
        g_free(err);
        cr_expect_eq(NP(&out, &err, "--report", "--strict", "--from-vainfo", path),
                     NA_EXIT_DEGRADED);
        g_free(out);
        g_free(err);
        cr_expect_eq(NP(&out, &err, "--report", "-v", "--from-vainfo", path), NA_EXIT_OK);
        cr_expect(strstr(out, "Raw facts:") && strstr(out, "VideoProc"), "%s", out);
}

Test(cli, bad_inputs)
{
        g_autofree char *out = NULL, *err = NULL;
        g_autofree char *dir = g_dir_make_tmp("np-cli-XXXXXX", NULL);
        g_autofree char *junk = g_build_filename(dir, "junk.json", NULL);
        g_autofree char *notvainfo = g_build_filename(dir, "x.txt", NULL);

        cr_assert(g_file_set_contents(junk, "{\"gpus\": [1,2", -1, NULL));
        cr_assert(g_file_set_contents(notvainfo, "hello\nworld\n", -1, NULL));
        cr_expect_eq(NP(&out, &err, "--report", "--facts", "/nonexistent.json"), NA_EXIT_INPUT);
        cr_expect_eq(count_lines(err), 1, "%s", err);
        g_free(out);
        g_free(err);
        cr_expect_eq(NP(&out, &err, "--report", "--facts", junk), NA_EXIT_INPUT);
        cr_expect_eq(count_lines(err), 1, "%s", err);
        g_free(out);
        g_free(err);
        cr_expect_eq(NP(&out, &err, "--report", "--from-vainfo", notvainfo), NA_EXIT_INPUT);
        g_free(out);
        g_free(err);
        cr_expect_eq(NP(&out, &err, "--report", "--from-vainfo", notvainfo, "--device-id", "zz"),
                     NA_EXIT_USAGE);
        g_free(out);
        g_free(err);
        /* Not a regular file: said so at once, never waited on. */
        g_autofree char *fifo = g_build_filename(dir, "fifo", NULL);
        cr_assert_eq(mkfifo(fifo, 0600), 0);
        cr_expect_eq(NP(&out, &err, "--report", "--facts", fifo), NA_EXIT_INPUT);
        cr_expect(strstr(err, "not a regular file") && count_lines(err) == 1, "%s", err);
        g_free(out);
        g_free(err);
        cr_expect_eq(NP(&out, &err, "--report", "--from-vainfo", dir), NA_EXIT_INPUT);
        cr_expect(strstr(err, "Is a directory"), "%s", err);
        g_free(out);
        g_free(err);
        /* A tree that is not there is a usage error, not "no GPU". */
        cr_expect_eq(NP(&out, &err, "--report", "--root", "/nonexistent/root"), NA_EXIT_USAGE);
        cr_expect(strstr(err, "not a directory"), "%s", err);
        g_free(out);
        g_free(err);
        cr_expect_eq(NP(&out, &err, "host", "--sysroot", "/nonexistent/root"), NA_EXIT_USAGE);
        g_free(out);
        g_free(err);
        /* Bytes that are not UTF-8 in a pasted vainfo: JSON and YAML still come out whole. */
        g_autofree char *latin1 = g_build_filename(dir, "latin1.txt", NULL);
        cr_assert(g_file_set_contents(
            latin1,
            "libva info: VA-API version 1.17.0\nlibva info: Trying to open "
            "/usr/lib/x86_64-linux-gnu/dri/iHD_drv_video.so\nlibva info: Found init function "
            "__vaDriverInit_1_17\nlibva info: va_openDriver() returns 0\nvainfo: VA-API version: "
            "1.17 (libva 2.12.0)\nvainfo: Driver version: Intel iHD driver \xe9t\xe9 \xff - "
            "23.1.1\n"
            "vainfo: Supported profile and entrypoints\n      VAProfileH264Main               :	"
            "VAEntrypointVLD\n",
            -1, NULL));
        for (int i = 0; i < 2; i++) {
                cr_expect_eq(NP(&out, &err, "--report", "--from-vainfo", latin1, "--device-id",
                                "3e92", "-o", i ? "yaml" : "json"),
                             NA_EXIT_OK, "%s", err);
                cr_expect(g_utf8_validate(out, -1, NULL) && strlen(out) > 100, "%s", out);
                if (!i) {
                        json_t *o = json_loads(out, 0, NULL);
                        cr_expect(o, "whole JSON");
                        json_decref(o);
                }
                g_free(out);
                g_free(err);
        }
        out = err = NULL;
        unlink(latin1);
        unlink(fifo);
        unlink(junk);
        unlink(notvainfo);
        rmdir(dir);
}

Test(cli, snapshot_then_offline_report_agree)
{
        g_autofree char *snap = NULL, *err = NULL, *live = NULL, *offline = NULL;
        g_autofree char *dir = g_dir_make_tmp("np-cli-XXXXXX", NULL);
        g_autofree char *file = g_build_filename(dir, "facts.json", NULL);

        tb = np_testbed_new("kbl-passthrough");
        cr_assert_eq(NP(&snap, &err, "snapshot"), NA_EXIT_OK, "%s", err);
        cr_assert(g_file_set_contents(file, snap, -1, NULL));
        g_free(err);
        cr_assert_eq(NP(&live, &err, "--report", "-o", "json"), NA_EXIT_OK);
        g_free(err);
        np_testbed_free(tb);
        tb = NULL; /* the offline report must not need the machine */
        cr_assert_eq(NP(&offline, &err, "--report", "-o", "json", "--facts", file), NA_EXIT_OK,
                     "%s", err);
        /* Same document but for where the facts came from. */
        char *a = strstr(live, "\"status\""), *b = strstr(offline, "\"status\"");
        cr_assert(a && b);
        cr_expect_str_eq(a, b);
        unlink(file);
        rmdir(dir);
}

Test(cli, yaml_output_is_yaml)
{
        g_autofree char *out = NULL, *err = NULL;
        yaml_parser_t p;
        yaml_document_t doc;

        tb = np_testbed_new("cfl-gvtg-v54");
        cr_assert_eq(NP(&out, &err, "--report", "-o", "yaml"), NA_EXIT_OK, "%s", err);
        cr_assert(yaml_parser_initialize(&p));
        yaml_parser_set_input_string(&p, (const unsigned char *)out, strlen(out));
        cr_assert(yaml_parser_load(&p, &doc), "not YAML: %s", out);
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        cr_assert(root && root->type == YAML_MAPPING_NODE);
        bool checks = false;
        for (yaml_node_pair_t *pair = root->data.mapping.pairs.start;
             pair < root->data.mapping.pairs.top; pair++) {
                yaml_node_t *k = yaml_document_get_node(&doc, pair->key);
                checks |= strcmp((char *)k->data.scalar.value, "checks") == 0;
        }
        cr_expect(checks, "%s", out);
        cr_expect(strstr(out, "nodeprobe.io/gpu.generation: '9.5'") ||
                      strstr(out, "nodeprobe.io/gpu.generation: \"9.5\""),
                  "a version-like string stays a string: %s", out);
        yaml_document_delete(&doc);
        yaml_parser_delete(&p);
}

/* nodeprobe label end to end: fixture machine -> labels -> API test server. */
Test(cli, label_dry_run_apply_unchanged_cleanup)
{
        g_autofree char *out = NULL, *err = NULL;
        struct np_kube *k;

        tb = np_testbed_new("cfl-gvtg-v54");
        k = np_kube_start();
        free(np_kube_ctl(k, "node", "{\"name\":\"vm1\",\"labels\":{\"team\":\"media\"}}"));
        unsetenv("KUBERNETES_SERVICE_HOST");
        setenv("NODE_NAME", "vm1", 1);

        cr_expect_eq(NP(&out, &err, "label", "--dry-run", "--kubeconfig", k->kubeconfig),
                     NA_EXIT_OK, "%s", err);
        cr_expect(strstr(out, "nodeprobe.io/gpu.platform=coffeelake") &&
                      strstr(out, "intel.feature.node.kubernetes.io/gpu=true"),
                  "%s", out);
        cr_expect_eq(np_kube_count(k, "PATCH", NULL), 1);
        g_free(out);
        g_free(err);
        cr_expect_eq(NP(&out, &err, "label", "--kubeconfig", k->kubeconfig), NA_EXIT_OK, "%s", err);
        cr_expect(strstr(out, "labels updated") &&
                      strstr(out, "+ nodeprobe.io/decode.hevc-10bit=true"),
                  "%s", out);
        g_free(out);
        g_free(err);
        cr_expect_eq(NP(&out, &err, "label", "--kubeconfig", k->kubeconfig), NA_EXIT_OK, "%s", err);
        cr_expect(strstr(out, "unchanged"), "%s", out);
        cr_expect_eq(np_kube_count(k, "PATCH", NULL), 2, "unchanged: no PATCH");
        g_free(out);
        g_free(err);
        cr_expect_eq(NP(&out, &err, "label", "--cleanup", "--kubeconfig", k->kubeconfig),
                     NA_EXIT_OK, "%s", err);
        char *node = np_kube_ctl(k, "get", "{\"name\":\"vm1\"}");
        cr_expect_null(strstr(node, "nodeprobe.io/"), "%s", node);
        cr_expect(strstr(node, "\"team\": \"media\""), "%s", node);
        free(node);
        g_free(out);
        g_free(err);

        /* Errors: a missing node and a refused request give exit 7 with one line. */
        setenv("NODE_NAME", "nope", 1);
        cr_expect_eq(NP(&out, &err, "label", "--kubeconfig", k->kubeconfig), NA_EXIT_KUBE_API);
        cr_expect_eq(count_lines(err), 1, "%s", err);
        g_free(out);
        g_free(err);
        setenv("NODE_NAME", "vm1", 1);
        free(np_kube_ctl(k, "script",
                         "[{\"status\":403,\"reason\":\"Forbidden\",\"method\":\"GET\","
                         "\"message\":\"nodes \\\"vm1\\\" is forbidden: User cannot get\"}]"));
        cr_expect_eq(NP(&out, &err, "label", "--kubeconfig", k->kubeconfig), NA_EXIT_KUBE_API);
        cr_expect(strstr(err, "forbidden") && strstr(err, "RBAC"), "%s", err);
        g_free(out);
        g_free(err);
        cr_expect_eq(NP(&out, &err, "label", "--kubeconfig", "/nonexistent"), NA_EXIT_KUBE_CONFIG);
        cr_expect_eq(count_lines(err), 1, "%s", err);
        unsetenv("NODE_NAME");
        np_kube_stop(k);
}

/* The label command at the trust boundary: which configuration and node name win, refusals
 * before anything is sent, and what --cleanup says of a label another manager also set. */
Test(cli, label_trust_boundary)
{
        g_autofree char *out = NULL, *err = NULL;
        struct np_kube *k;

        tb = np_testbed_new("cfl-gvtg-v54");
        k = np_kube_start();
        free(np_kube_ctl(k, "node", "{\"name\":\"vm1\"}"));
        free(np_kube_ctl(k, "node", "{\"name\":\"vm2\"}"));
        unsetenv("KUBERNETES_SERVICE_HOST");

        /* --node-name wins over NODE_NAME, as --help says. */
        setenv("NODE_NAME", "vm2", 1);
        cr_expect_eq(NP(&out, &err, "label", "--kubeconfig", k->kubeconfig, "--node-name", "vm1"),
                     NA_EXIT_OK, "%s", err);
        cr_expect(strstr(out, "node vm1"), "%s", out);
        g_free(out);
        g_free(err);

        /* Intel's plugin namespace as prefix: a usage error, nothing sent. */
        int patches = np_kube_count(k, "PATCH", NULL);
        cr_expect_eq(NP(&out, &err, "label", "--kubeconfig", k->kubeconfig, "--label-prefix",
                        "gpu.intel.com"),
                     NA_EXIT_USAGE, "%s", err);
        cr_expect(strstr(err, "Intel's device plugin"), "%s", err);
        cr_expect_eq(np_kube_count(k, "PATCH", NULL), patches);
        g_free(out);
        g_free(err);

        /* An explicit $KUBECONFIG wins over the in-cluster service account. */
        setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
        setenv("KUBERNETES_SERVICE_PORT", "443", 1);
        setenv("KUBECONFIG", k->kubeconfig, 1);
        cr_expect_eq(NP(&out, &err, "label", "--dry-run"), NA_EXIT_OK, "%s", err);
        g_free(out);
        g_free(err);
        unsetenv("KUBECONFIG");
        unsetenv("KUBERNETES_SERVICE_HOST");
        unsetenv("KUBERNETES_SERVICE_PORT");

        /* insecure-skip-tls-verify needs the flag. */
        g_autofree char *insecure = g_strdup_printf("%s/insecure", k->dir);
        g_autofree char *cfg = g_strdup_printf(
            "apiVersion: v1\nkind: Config\ncurrent-context: t\ncontexts:\n- name: t\n"
            "  context: {cluster: c, user: u}\nclusters:\n- name: c\n  cluster:\n"
            "    server: https://127.0.0.1:%d\n    insecure-skip-tls-verify: true\n"
            "users:\n- name: u\n  user:\n    tokenFile: token\n",
            k->port);
        np_write(insecure, cfg);
        cr_expect_eq(NP(&out, &err, "label", "--kubeconfig", insecure), NA_EXIT_KUBE_CONFIG);
        cr_expect(strstr(err, "--insecure-skip-tls-verify") && count_lines(err) == 1, "%s", err);
        g_free(out);
        g_free(err);
        cr_expect_eq(
            NP(&out, &err, "label", "--kubeconfig", insecure, "--insecure-skip-tls-verify"),
            NA_EXIT_OK, "%s", err);
        g_free(out);
        g_free(err);

        /* A kubeconfig that is a FIFO: refused at once, not waited on. */
        g_autofree char *fifo = g_strdup_printf("%s/fifo", k->dir);
        cr_assert_eq(mkfifo(fifo, 0600), 0);
        cr_expect_eq(NP(&out, &err, "label", "--kubeconfig", fifo), NA_EXIT_KUBE_CONFIG);
        cr_expect(strstr(err, "not a regular file"), "%s", err);
        g_free(out);
        g_free(err);
        out = err = NULL;

        /* An admin labels the Intel key too (same value: shared ownership). Cleanup says it
         * stays instead of listing it as removed. The pinned kubectl (scripts/build-tools.sh),
         * never whatever is in PATH: without it this part is not skipped, it fails. */
        char *kubectl = NP_KUBECTL;
        cr_assert(g_file_test(kubectl, G_FILE_TEST_IS_EXECUTABLE),
                  "%s is missing: scripts/install-deps.sh --test builds it", kubectl);
        {
                g_autofree char *ko = NULL, *ke = NULL;
                gint st = 0;
                free(np_kube_ctl(k, "node", "{\"name\":\"vm3\"}"));
                char *argv[] = {kubectl,
                                "--kubeconfig",
                                k->kubeconfig,
                                "label",
                                "node",
                                "vm3",
                                "intel.feature.node.kubernetes.io/gpu=true",
                                NULL};
                cr_assert(g_spawn_sync(NULL, argv, NULL, 0, NULL, NULL, &ko, &ke, &st, NULL));
                cr_assert(g_spawn_check_wait_status(st, NULL), "kubectl label: %s", ke);
                cr_expect_eq(
                    NP(&out, &err, "label", "--kubeconfig", k->kubeconfig, "--node-name", "vm3"),
                    NA_EXIT_OK, "%s", err);
                g_free(out);
                g_free(err);
                cr_expect_eq(NP(&out, &err, "label", "--cleanup", "--kubeconfig", k->kubeconfig,
                                "--node-name", "vm3"),
                             NA_EXIT_OK, "%s", err);
                cr_expect(strstr(out, ". intel.feature.node.kubernetes.io/gpu=true stays"), "%s",
                          out);
                cr_expect_null(strstr(out, "- intel.feature.node.kubernetes.io/gpu"), "%s", out);
                cr_expect(strstr(out, "- nodeprobe.io/status"), "%s", out);
                g_free(out);
                g_free(err);
                out = err = NULL;
        }
        unsetenv("NODE_NAME");
        np_kube_stop(k);
}

/* The manifests are validated by tests/deploy (kustomize, OpenAPI schemas, CEL policy). */

Test(cli, host_mode)
{
        g_autofree char *out = NULL, *err = NULL;
        char root[4096];

        cr_expect_eq(NP(&out, &err, "host"), NA_EXIT_NO_GPU, "this machine is no GPU host");
        cr_expect(strstr(out, "not an Intel GPU host"), "%s", out);
        cr_expect_lt(count_lines(out), 12, "short: %s", out);
        g_free(out);
        g_free(err);
        snprintf(root, sizeof(root), "%s/host/cfl-gvtg-ok", NP_FIXTURES_DIR);
        cr_expect_eq(NP(&out, &err, "host", "--sysroot", root), NA_EXIT_OK, "%s", out);
        g_free(out);
        g_free(err);
        snprintf(root, sizeof(root), "%s/host/cfl-no-iommu", NP_FIXTURES_DIR);
        cr_expect_eq(NP(&out, &err, "host", "--sysroot", root, "-o", "json"), NA_EXIT_DEGRADED);
        cr_expect(strstr(out, "\"iommu-off\""), "%s", out);
        g_free(out);
        g_free(err);
        cr_expect_eq(NP(&out, &err, "--sysroot", root), NA_EXIT_USAGE);
}

/* The README's sample outputs are what the commands print today (the version line aside). */
static char *readme_block(const char *readme, int n)
{
        const char *p = readme;
        for (int i = 0; i <= n; i++) {
                p = strstr(p, "```text\n");
                cr_assert(p, "README has fewer than %d text blocks", n + 1);
                p += strlen("```text\n");
        }
        const char *end = strstr(p, "```");
        cr_assert(end);
        return g_strndup(p, (gsize)(end - p));
}

/* From the second line on: the first names the version and the input's path. */
static char *without_version(const char *text)
{
        const char *nl = strchr(text, '\n');
        cr_assert(nl && g_str_has_prefix(text, "nodeprobe "));
        return g_strdup(nl);
}

Test(cli, readme_samples_match_the_commands)
{
        g_autofree char *readme_path = g_strdup_printf("%s/README.md", NP_SOURCE_DIR);
        g_autofree char *readme = np_slurp(readme_path);
        g_autofree char *ex =
            g_strdup_printf("%s/examples/gvtg-coffeelake-healthy.json", NP_SOURCE_DIR);
        g_autofree char *host = g_strdup_printf("%s/host/cfl-instances-taken", NP_FIXTURES_DIR);
        g_autofree char *out = NULL, *err = NULL;

        cr_assert(readme);
        cr_expect_eq(NP(&out, &err, "--report", "--facts", ex), NA_EXIT_OK, "%s", err);
        g_autofree char *b0 = readme_block(readme, 0);
        g_autofree char *want0 = without_version(b0), *have0 = without_version(out);
        cr_expect_str_eq(have0, want0, "README report sample is stale");
        g_free(out);
        g_free(err);
        NP(&out, &err, "host", "--sysroot", host);
        g_autofree char *b1 = readme_block(readme, 1);
        g_autofree char *want1 = without_version(b1), *have1 = without_version(out);
        cr_expect_str_eq(have1, want1, "README host sample is stale");
}

/* libcurl and its 30 libraries are loaded only by the paths that talk to the API: a report, a
 * check or the agent's parent never map them (see labeler/src/curl_dl.h). */
Test(cli, binary_does_not_link_libcurl)
{
        g_autofree char *out = NULL;
        gint st = 0;
        char *argv[] = {"readelf", "-d", NP_NODEPROBE_BIN, NULL};
        if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                          NULL, &out, NULL, &st, NULL))
                cr_skip_test("readelf is not installed");
        cr_assert(strstr(out, "NEEDED"), "%s", out);
        cr_expect_null(strstr(out, "libcurl"), "nodeprobe links libcurl: %s", out);
}

/* ---- report --usage ---- */

static void put_file(const char *root, const char *rel, const char *text)
{
        g_autofree char *p = g_build_filename(root, rel, NULL);
        g_autofree char *d = g_path_get_dirname(p);
        cr_assert_eq(g_mkdir_with_parents(d, 0755), 0);
        cr_assert(g_file_set_contents(p, text, -1, NULL), "%s", p);
}

#define POD_UID "8c1f3c2e-6f4b-4d2a-9c1e-0b6f2f6a9d11"

/* The table as intel_gpu_top's client view: per process, per engine class, and per device. */
Test(cli, usage_table)
{
        struct vp_usage *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
        char *text = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&text, &len);

        cr_assert(a && b && out);
        cr_assert_eq(vp_fdinfo_parse("drm-driver: i915\ndrm-pdev: 0000:00:02.0\ndrm-client-id: 4\n"
                                     "drm-engine-video: 0 ns\ndrm-engine-capacity-video: 2\n"
                                     "drm-total-system0: 120 MiB\n",
                                     &a->clients[0]),
                     0);
        b->clients[0] = a->clients[0];
        b->clients[0].busy[VP_ENGINE_VIDEO] = 1000000000ull; /* 1 s of 2 engines' 2 s */
        snprintf(b->clients[0].comm, sizeof(b->clients[0].comm), "ffmpeg");
        snprintf(b->clients[0].pod_uid, sizeof(b->clients[0].pod_uid), POD_UID);
        b->clients[0].pid = 4242;
        a->n_clients = b->n_clients = 1;
        a->t_ns = 1000000000ull;
        b->t_ns = 3000000000ull;
        b->n_procs = 10;
        b->n_unreadable = 3;
        cr_assert_eq(na_usage_print(a, b, out), 0);
        fclose(out);
        cr_expect(strstr(text, "over 2.0 s"), "%s", text);
        cr_expect(strstr(text, "4242  ffmpeg"), "%s", text);
        cr_expect(strstr(text, " 25.0%"), "%s", text);
        cr_expect(strstr(text, "120 MiB"), "%s", text);
        cr_expect(strstr(text, POD_UID), "%s", text);
        cr_expect(strstr(text, "all clients"), "%s", text);
        cr_expect(strstr(text, "3 of 10 processes"), "%s", text);
        free(text);
        free(a);
        free(b);
}

Test(cli, report_usage_on_a_fixture_proc)
{
        g_autofree char *root = g_dir_make_tmp("np-cli-usage-XXXXXX", NULL);
        g_autofree char *out = NULL, *err = NULL;
        g_autofree char *link = g_build_filename(root, "proc/77/fd/3", NULL);

        cr_assert(root);
        put_file(root, "proc/77/comm", "jellyfin-ffmpeg\n");
        put_file(root, "proc/77/cgroup",
                 "0::/kubepods/burstable/pod" POD_UID "/abcdef0123456789\n");
        put_file(root, "proc/77/fdinfo/3",
                 "drm-driver:\ti915\ndrm-pdev:\t0000:00:02.0\ndrm-client-id:\t12\n"
                 "drm-engine-video:\t5 ns\n");
        g_autofree char *fd_dir = g_path_get_dirname(link);
        cr_assert_eq(g_mkdir_with_parents(fd_dir, 0755), 0);
        cr_assert_eq(symlink("/dev/dri/renderD128", link), 0);
        cr_expect_eq(NP(&out, &err, "--report", "--no-va", "--usage", "0.2", "--root", root),
                     NA_EXIT_OK, "%s", err);
        cr_expect(strstr(out, "jellyfin-ffmpe"), "%s", out);
        cr_expect(strstr(out, "   0.0%"), "%s", out);
        cr_expect(strstr(out, POD_UID " container abcdef012345"), "%s", out);
        cr_expect(strstr(out, "PMU: no i915 or xe PMU (PMU not supported for this GPU"),
                  "no PMU in the fixture: the figures are fdinfo's, and it says so: %s", out);
        g_free(out);
        g_free(err);
        cr_expect_eq(NP(&out, &err, "--report", "--usage", "1", "-o", "json"), NA_EXIT_USAGE);
        g_free(out);
        g_free(err);
        cr_expect_eq(NP(&out, &err, "check", "--usage", "1"), NA_EXIT_USAGE);
        cr_expect(strstr(err, "--usage goes with the report and agent commands"), "%s", err);
        g_free(out);
        g_free(err);
        cr_expect_eq(NP(&out, &err, "--usage", "0"), NA_EXIT_USAGE);
        g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", root);
        cr_expect_eq(system(cmd), 0);
}

/* ---- the idle-GPU check (na_idle_step, pure): a table of observations over time ---- */

struct idle_obs_row {
        long long t_ms;
        const char *uid;
        bool gpu, video, cpu_known;
        uint64_t cpu_usec;
        int warn; /* warnings expected at this step */
};

static const struct {
        const char *label;
        long long window_ms;
        struct idle_obs_row rows[8];
} idle_cases[] = {
    {"one core, no video for the window: one warning, not a second one",
     1000,
     {{0, "a", true, false, true, 0, 0},
      {500, "a", true, false, true, 500000, 0},
      {1000, "a", true, false, true, 1000000, 1},
      {2000, "a", true, false, true, 2000000, 0},
      {3000, "a", true, false, true, 3000000, 0}}},
    {"the video engine resets the window",
     1000,
     {{0, "a", true, false, true, 0, 0},
      {900, "a", true, true, true, 900000, 0},
      {1500, "a", true, false, true, 1500000, 0},
      {1950, "a", true, false, true, 1950000, 1}}},
    {"an idle server (little CPU) is not decoding in software",
     1000,
     {{0, "a", true, false, true, 0, 0},
      {1000, "a", true, false, true, 100000, 0},
      {2000, "a", true, false, true, 200000, 0}}},
    {"no GPU held: never",
     1000,
     {{0, "a", false, false, true, 0, 0}, {5000, "a", false, false, true, 5000000, 0}}},
    {"CPU unknown: never",
     1000,
     {{0, "a", true, false, false, 0, 0}, {5000, "a", true, false, false, 0, 0}}},
    {"CPU counter went back (a new sandbox): the window restarts",
     1000,
     {{0, "a", true, false, true, 5000000, 0},
      {1000, "a", true, false, true, 10, 0},
      {2000, "a", true, false, true, 1000010, 1}}},
    {"a pod that went away and came back starts a new window",
     1000,
     {{0, "a", true, false, true, 0, 0},
      {900, "b", true, false, true, 0, 0},
      {1500, "a", true, false, true, 1500000, 0},
      {2500, "a", true, false, true, 2500000, 1}}},
    {"window 0 is off",
     0,
     {{0, "a", true, false, true, 0, 0}, {99000, "a", true, false, true, 99000000, 0}}},
};

Test(cli, idle_step_table)
{
        for (size_t c = 0; c < sizeof(idle_cases) / sizeof(idle_cases[0]); c++) {
                struct na_idle *st = calloc(1, sizeof(*st));
                cr_assert(st);
                for (int i = 0; i < 8 && idle_cases[c].rows[i].uid; i++) {
                        const struct idle_obs_row *r = &idle_cases[c].rows[i];
                        struct na_idle_obs o = {r->uid, r->gpu, r->video, r->cpu_known,
                                                r->cpu_usec};
                        struct na_idle_warn w[2];
                        size_t n = na_idle_step(st, &o, 1, r->t_ms, idle_cases[c].window_ms, w, 2);
                        cr_expect_eq((int)n, r->warn, "%s: step %d at %lld ms: %zu warnings",
                                     idle_cases[c].label, i, r->t_ms, n);
                        if (n) {
                                cr_expect_str_eq(w[0].uid, r->uid);
                                cr_expect_geq(w[0].idle_ms, idle_cases[c].window_ms);
                                cr_expect_gt(w[0].cores, 0.25, "%s", idle_cases[c].label);
                        }
                }
                free(st);
        }
}

Test(cli, idle_step_rewarns_after_six_hours_and_is_bounded)
{
        struct na_idle *st = calloc(1, sizeof(*st));
        struct na_idle_obs obs[NA_IDLE_PODS + 8];
        char uids[NA_IDLE_PODS + 8][8];
        struct na_idle_warn w[4];
        cr_assert(st);
        long long h = 3600 * 1000LL;
        struct na_idle_obs o = {"a", true, false, true, 0};
        cr_expect_eq(na_idle_step(st, &o, 1, 0, 1000, w, 4), 0);
        o.cpu_usec = 1000000;
        cr_expect_eq(na_idle_step(st, &o, 1, 1000, 1000, w, 4), 1);
        int total = 0;
        for (long long t = 2000; t <= 6 * h + 120000; t += 60000) {
                o.cpu_usec = (uint64_t)t * 1000;
                total += (int)na_idle_step(st, &o, 1, t, 1000, w, 4);
        }
        cr_expect_eq(total, 1, "the second warning only after 6 hours");
        /* ...and not one minute before: */
        memset(st, 0, sizeof(*st));
        o.cpu_usec = 0;
        na_idle_step(st, &o, 1, 0, 1000, w, 4);
        o.cpu_usec = 1000000;
        na_idle_step(st, &o, 1, 1000, 1000, w, 4);
        total = 0;
        for (long long t = 2000; t < 6 * h + 1000; t += 60000) {
                o.cpu_usec = (uint64_t)t * 1000;
                total += (int)na_idle_step(st, &o, 1, t, 1000, w, 4);
        }
        cr_expect_eq(total, 0, "none within 6 hours of the first");
        /* More pods than the state holds: no overflow, the rest not tracked. */
        memset(st, 0, sizeof(*st));
        for (int i = 0; i < NA_IDLE_PODS + 8; i++) {
                snprintf(uids[i], sizeof(uids[i]), "p%d", i);
                obs[i] = (struct na_idle_obs){uids[i], true, false, true, 0};
        }
        na_idle_step(st, obs, NA_IDLE_PODS + 8, 0, 1000, w, 4);
        cr_expect_eq(st->n, NA_IDLE_PODS);
        for (int i = 0; i < NA_IDLE_PODS + 8; i++)
                obs[i].cpu_usec = 5000000;
        cr_expect_eq(na_idle_step(st, obs, NA_IDLE_PODS + 8, 5000, 1000, w, 4), 4,
                     "at most out_n warnings per step");
        free(st);
}
