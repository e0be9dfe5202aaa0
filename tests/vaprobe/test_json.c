/* SPDX-License-Identifier: MIT */
/*
 * Facts JSON: round trip, and hostile snapshots (--facts is user input). Garbage sysfs: any
 * unreadable, binary or huge file becomes "unknown" for that fact, never a crash.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "testbed.h"

static struct np_testbed *tb;

static void teardown(void)
{
        np_testbed_free(tb);
        tb = NULL;
}

TestSuite(json, .fini = teardown, .timeout = 60);

Test(json, round_trip_is_lossless)
{
        static const char *const fixtures[] = {"cfl-baremetal", "adl-sriov-vf", "render-denied",
                                               "cloud-kernel-no-i915"};
        for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
                struct vp_facts *f, *g = NULL;
                char *a = NULL, *b = NULL, err[128];

                tb = np_testbed_new(fixtures[i]);
                f = np_testbed_probe(tb, false);
                cr_assert_eq(vp_facts_to_json(f, 1, &a), 0);
                cr_assert_eq(vp_facts_from_json(a, strlen(a), &g, err, sizeof(err)), 0, "%s", err);
                cr_assert_eq(vp_facts_to_json(g, 1, &b), 0);
                /* Only "source" differs: the reloaded facts say they came from JSON. */
                cr_expect_str_eq(strstr(a, "\"machine\""), strstr(b, "\"machine\""), "%s",
                                 fixtures[i]);
                cr_expect_str_eq(g->source, "json");
                free(a);
                free(b);
                free(f);
                free(g);
                np_testbed_free(tb);
                tb = NULL;
        }
}

Test(json, hostile_snapshots)
{
        static const char *const bad[] = {
            "",
            "null",
            "[]",
            "{}",
            "{\"schema\":1,\"host\":[],\"gpus\":[]}",
            "{\"schema\":99,\"host\":{},\"gpus\":[]}",
            "{\"schema\":\"1\",\"host\":{},\"gpus\":[]}",
            "{\"schema\":1,\"host\":{},\"gpus\":{}}",
            "{\"schema\":1,\"schema\":1,\"host\":{},\"gpus\":[]}",
            "{\"schema\":1,\"host\":{},\"gpus\":[] garbage",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct vp_facts *f = NULL;
                char err[128];
                cr_expect_eq(vp_facts_from_json(bad[i], strlen(bad[i]), &f, err, sizeof(err)),
                             -EINVAL, "accepted: %s", bad[i]);
                cr_expect(err[0], "no reason given for %s", bad[i]);
                cr_expect_null(f);
        }
}

Test(json, wrong_types_and_sizes_are_ignored)
{
        /* Wrong types, out-of-range numbers, oversized strings, unknown profile names, too
         * many GPUs: all loaded as "unknown" or clamped, never out of bounds. */
        GString *s = g_string_new("{\"schema\":1,\"host\":{\"uid\":-5,\"hypervisor\":\"yes\","
                                  "\"cmdline\":\"");
        for (int i = 0; i < 5000; i++)
                g_string_append_c(s, 'x');
        g_string_append(s, "\",\"groups\":[1,\"a\",-1,99999999999]},\"gpus\":[");
        for (int i = 0; i < 20; i++)
                g_string_append_printf(
                    s,
                    "%s{\"vendor_id\":\"8086\",\"device_id\":\"zzzz\",\"revision\":\"x\","
                    "\"va\":{\"outcome\":\"ok\",\"configs\":[{\"profile\":\"NoSuch\","
                    "\"entrypoint\":\"VLD\"},{\"profile\":\"HEVCMain10\",\"entrypoint\":"
                    "\"VLD\",\"rt_format\":-1}]}}",
                    i ? "," : "");
        g_string_append(s, "]}");
        struct vp_facts *f = NULL;
        struct vp_eval *e = NULL;
        cr_assert_eq(vp_facts_from_json(s->str, s->len, &f, NULL, 0), 0);
        cr_expect_eq(f->n_gpus, VP_MAX_GPUS);
        cr_expect_eq(f->machine.uid, 0, "negative uid ignored");
        cr_expect_eq(f->machine.hypervisor, VP_UNKNOWN, "a string is not a boolean");
        cr_expect_eq(strlen(f->machine.cmdline), sizeof(f->machine.cmdline) - 1);
        cr_expect_eq(f->machine.n_groups, 1);
        cr_expect_eq(f->gpus[0].device_id, 0);
        cr_expect_not(f->gpus[0].revision.known);
        cr_expect_eq(f->gpus[0].va.n_configs, 1, "the unknown profile is skipped");
        cr_expect_eq(vp_evaluate(f, &e), 0);
        free(e);
        free(f);
        g_string_free(s, TRUE);
}

static void write_file(const char *root, const char *path, const void *data, size_t len)
{
        g_autofree char *p = g_build_filename(root, path, NULL);
        g_autofree char *dir = g_path_get_dirname(p);
        g_mkdir_with_parents(dir, 0755);
        unlink(p);
        cr_assert(g_file_set_contents(p, data, (gssize)len, NULL), "%s", p);
}

Test(json, garbage_sysfs_is_unknown_not_a_crash)
{
        static const unsigned char binary[] = {0xff, 0x00, 0xfe, 0x80, 0x0a, 0x00, 0x01};
        char *huge = malloc(1 << 20);
        struct vp_facts *f;

        cr_assert(huge);
        memset(huge, 'A', 1 << 20);
        tb = np_testbed_new("cfl-baremetal");
        const char *root = np_testbed_root(tb);
        write_file(root, "proc/cpuinfo", huge, 1 << 20);
        write_file(root, "proc/cmdline", binary, sizeof(binary));
        write_file(root, "proc/sys/kernel/osrelease", "../../../etc\n", 13);
        write_file(root, "sys/class/dmi/id/sys_vendor", binary, sizeof(binary));
        write_file(root, "sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c",
                   "\x06\x00", 2);
        write_file(root, "sys/devices/pci0000:00/0000:00:02.0/resource", "garbage here\n", 13);
        write_file(root, "sys/devices/pci0000:00/0000:00:02.0/class", "0xZZZZ\n", 7);
        free(huge);
        /* A FIFO where a file should be must not block the probe. */
        g_autofree char *fifo = g_build_filename(root, "sys/class/dmi/id/product_name", NULL);
        unlink(fifo);
        cr_assert_eq(mkfifo(fifo, 0644), 0);
        /* Not UTF-8, cut mid-character by the field size: the facts are valid UTF-8 anyway. */
        write_file(root, "sys/class/dmi/id/sys_vendor", "Caf\xc3\xa9 \xff\xfeQEMU\n", 13);

        f = np_testbed_probe(tb, true);
        cr_expect_str_eq(f->machine.dmi_sys_vendor, "Caf\xc3\xa9 ??QEMU");
        cr_expect_eq(f->machine.hypervisor, VP_UNKNOWN, "no flags line in the first 256 KiB");
        cr_expect_eq(f->machine.secure_boot, VP_UNKNOWN, "a truncated efivar is unknown");
        cr_expect_eq(f->machine.mod_i915, VP_UNKNOWN, "a release with a path in it is refused");
        cr_assert_eq(f->n_gpus, 1);
        cr_expect_eq(f->gpus[0].io_bar, VP_UNKNOWN);
        cr_expect_not(f->gpus[0].pci_class.known);
        cr_expect_eq(f->gpus[0].va.outcome, VP_VA_OK, "the GPU itself still works");
        char *json = NULL;
        cr_expect_eq(vp_facts_to_json(f, 0, &json), 0, "binary strings still serialise");
        cr_expect(json && strstr(json, "Caf\xc3\xa9 ??QEMU"), "kept, made valid: %s", json);
        free(json);
        free(f);
}

Test(json, modules_dep_fifo_does_not_hang)
{
        struct vp_facts *f;

        tb = np_testbed_new("cfl-baremetal");
        const char *root = np_testbed_root(tb);
        g_autofree char *rel = NULL;
        g_autofree char *osr = g_build_filename(root, "proc/sys/kernel/osrelease", NULL);
        cr_assert(g_file_get_contents(osr, &rel, NULL, NULL));
        g_strstrip(rel);
        g_autofree char *dep = g_build_filename(root, "lib/modules", rel, "modules.dep", NULL);
        g_autofree char *dir = g_path_get_dirname(dep);
        g_mkdir_with_parents(dir, 0755);
        unlink(dep);
        cr_assert_eq(mkfifo(dep, 0644), 0);
        f = np_testbed_probe(tb, true);
        cr_expect_eq(f->n_gpus, 1, "the probe finished");
        free(f);
}

Test(json, hostile_numbers_do_not_overflow)
{
        static const char *const apertures[] = {"-9223372036854775808", "9223372036854775807", "-1",
                                                "0"};
        for (size_t i = 0; i < sizeof(apertures) / sizeof(apertures[0]); i++) {
                g_autofree char *text = g_strdup_printf(
                    "{\"schema\":1,\"host\":{\"dmesg_gvt\":true},\"gpus\":[{\"vendor_id\":"
                    "\"8086\",\"device_id\":\"3e92\",\"kernel_driver\":\"i915\","
                    "\"aperture_size\":%s,\"aperture_available\":%s,\"io_bar\":false}]}",
                    apertures[i], apertures[i]);
                struct vp_facts *f = NULL;
                struct vp_eval *e = NULL;
                cr_assert_eq(vp_facts_from_json(text, strlen(text), &f, NULL, 0), 0);
                /* UBSan (the sanitizer run) fails this test on any signed overflow. */
                cr_expect_eq(vp_evaluate(f, &e), 0);
                cr_expect_eq(e->gpus[0].vgpu_type[0], '\0', "no type from a nonsense size");
                free(e);
                free(f);
        }
}

Test(json, more_gpus_than_the_cap_are_said)
{
        GString *s = g_string_new("{\"schema\":1,\"host\":{},\"gpus\":[");
        for (int i = 0; i < VP_MAX_GPUS + 3; i++)
                g_string_append_printf(s, "%s{\"vendor_id\":\"8086\",\"device_id\":\"3e92\"}",
                                       i ? "," : "");
        g_string_append(s, "]}");
        struct vp_facts *f = NULL, *back = NULL;
        struct vp_eval *e = NULL;
        char *json = NULL;
        cr_assert_eq(vp_facts_from_json(s->str, s->len, &f, NULL, 0), 0);
        g_string_free(s, TRUE);
        cr_expect(f->gpus_partial);
        cr_assert_eq(vp_facts_to_json(f, 0, &json), 0);
        cr_assert_eq(vp_facts_from_json(json, strlen(json), &back, NULL, 0), 0);
        cr_expect(back->gpus_partial, "kept in the snapshot");
        cr_assert_eq(vp_evaluate(f, &e), 0);
        const struct vp_check *c = vp_eval_check(e, "render-node");
        cr_assert(c);
        cr_expect(strstr(c->evidence, "only the first 16"), "%s", c->evidence);
        free(json);
        free(back);
        free(e);
        free(f);
}
