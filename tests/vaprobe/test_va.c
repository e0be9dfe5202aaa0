/* SPDX-License-Identifier: MIT */
/*
 * libva outcomes through the real libva: driver selection, init failures, a driver without
 * an init function, xe without a mapping, and the isolated child surviving a crash and a
 * hang. Plus Debian's own vainfo on the same fake device.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <glib.h>
#include <signal.h>
#include <unistd.h>
#include <va/va.h>

#include "testbed.h"

static struct np_testbed *tb;
static struct vp_facts *facts;

static void teardown(void)
{
        free(facts);
        facts = NULL;
        np_testbed_free(tb);
        tb = NULL;
}

TestSuite(va, .fini = teardown, .timeout = 60);

static const struct vp_va *intel_va(void)
{
        for (uint32_t i = 0; i < facts->n_gpus; i++)
                if (vp_is_intel(&facts->gpus[i]))
                        return &facts->gpus[i].va;
        cr_assert_fail("no Intel GPU in the facts");
        return NULL;
}

Test(va, init_failure_of_every_candidate)
{
        tb = np_testbed_new("cfl-baremetal");
        setenv("NP_FAKEVA_MODE", "fail:1", 1);
        facts = np_testbed_probe(tb, true);
        const struct vp_va *va = intel_va();
        cr_expect_eq(va->outcome, VP_VA_INIT_FAILED);
        cr_expect_eq(va->init_status, VA_STATUS_ERROR_OPERATION_FAILED);
        cr_expect_str_eq(va->init_error, "operation failed");
        cr_expect_str_eq(va->drivers_tried, "iHD,i965", "libva tries iHD then i965 for i915");
        cr_expect_str_eq(va->driver, "");
        cr_expect(strstr(va->log, "init failed"), "%s", va->log);
}

Test(va, falls_back_to_i965_when_ihd_fails)
{
        tb = np_testbed_new("cfl-baremetal");
        setenv("NP_FAKEVA_MODE_iHD", "fail:1", 1);
        setenv("NP_FAKEVA_VENDOR", "Intel i965 driver for Intel(R) Coffee Lake - 2.4.1", 1);
        facts = np_testbed_probe(tb, true);
        const struct vp_va *va = intel_va();
        cr_expect_eq(va->outcome, VP_VA_OK, "%s", va->log);
        cr_expect_str_eq(va->driver, "i965");
        cr_expect_str_eq(va->drivers_tried, "iHD,i965");
}

Test(va, forced_driver_name)
{
        tb = np_testbed_new("cfl-baremetal");
        setenv("LIBVA_DRIVER_NAME", "i965", 1);
        facts = np_testbed_probe(tb, true);
        const struct vp_va *va = intel_va();
        cr_expect_str_eq(va->driver_env, "i965");
        cr_expect_str_eq(va->drivers_tried, "i965");
        cr_expect_str_eq(va->driver, "i965");
}

Test(va, driver_without_init_function)
{
        tb = np_testbed_new("cfl-baremetal");
        /* Replace the driver directory's iHD with the object that has no init symbol. */
        setenv("LIBVA_DRIVER_NAME", "noinit", 1);
        char link[4096];
        snprintf(link, sizeof(link), "%s/noinit_drv_video.so", getenv("LIBVA_DRIVERS_PATH"));
        cr_assert_eq(symlink(NP_FAKEVA_NOINIT_SO_PATH, link), 0, "symlink %s", link);
        facts = np_testbed_probe(tb, true);
        const struct vp_va *va = intel_va();
        cr_expect_eq(va->outcome, VP_VA_INIT_FAILED);
        cr_expect(strstr(va->log, "has no function __vaDriverInit_"), "%s", va->log);
}

Test(va, xe_without_libva_mapping)
{
        tb = np_testbed_new("adl-xe");
        facts = np_testbed_probe(tb, true);
        const struct vp_va *va = intel_va();
        cr_expect_str_eq(facts->gpus[0].drm_name, "xe");
        cr_expect_str_eq(facts->gpus[0].kernel_driver, "xe");
#if VA_CHECK_VERSION(1, 21, 0)
        cr_expect_str_eq(va->driver, "iHD", "this libva maps xe to iHD");
#else
        cr_expect_eq(va->outcome, VP_VA_INIT_FAILED);
        cr_expect_str_eq(va->drivers_tried, "xe", "libva %d.%d uses the KMD name verbatim",
                         VA_MAJOR_VERSION, VA_MINOR_VERSION);
#endif
}

Test(va, crash_is_contained)
{
        tb = np_testbed_new("cfl-baremetal");
        setenv("NP_FAKEVA_MODE", "crash", 1);
        facts = np_testbed_probe(tb, true);
        const struct vp_va *va = intel_va();
        cr_expect_eq(va->outcome, VP_VA_CRASHED, "outcome %s", vp_va_outcome_str(va->outcome));
        cr_expect_eq(va->child_signal, SIGSEGV);
}

Test(va, hang_is_killed)
{
        tb = np_testbed_new("cfl-baremetal");
        setenv("NP_FAKEVA_MODE", "hang", 1);
        facts = np_testbed_probe(tb, true);
        cr_expect_eq(intel_va()->outcome, VP_VA_TIMED_OUT);
}

Test(va, debian_vainfo_runs_on_the_fake_device)
{
        gchar *out = NULL, *err = NULL;
        gint status = 0;
        char *argv[] = {"vainfo", "--display", "drm", "--device", "/dev/dri/renderD128", NULL};

        /* A real peer: scripts/install-deps.sh --test installs it; missing is a failure. */
        g_autofree char *vainfo = g_find_program_in_path("vainfo");
        cr_assert(vainfo, "vainfo is not installed (scripts/install-deps.sh --test)");
        tb = np_testbed_new("cfl-baremetal");
        cr_assert(g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                               &status, NULL));
        cr_expect(g_spawn_check_wait_status(status, NULL), "vainfo failed: %s", err);
        cr_expect(strstr(out, "VAProfileHEVCMain10") && strstr(out, "VAEntrypointEncSliceLP"), "%s",
                  out);
        cr_expect(strstr(out, "Intel iHD driver"), "%s", out);
        g_free(out);
        g_free(err);
}
