/* SPDX-License-Identifier: MIT */
/*
 * Verdicts on the fixture machines, through the whole path: umockdev testbed -> real libdrm
 * and libva -> facts -> evaluation.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <grp.h>

#include "testbed.h"

static struct np_testbed *tb;
static struct vp_facts *facts;
static struct vp_eval *ev;

static void teardown(void)
{
        free(ev);
        free(facts);
        ev = NULL;
        facts = NULL;
        np_testbed_free(tb);
        tb = NULL;
}

TestSuite(verdicts, .fini = teardown, .timeout = 60);

static void run(const char *fixture)
{
        tb = np_testbed_new(fixture);
        facts = np_testbed_probe(tb, true);
        cr_assert_eq(vp_evaluate(facts, &ev), 0);
}

static void expect_check(const char *id, enum vp_status st, const char *cause_id)
{
        const struct vp_check *c = vp_eval_check(ev, id);
        cr_assert(c, "no check %s", id);
        cr_expect_eq(c->status, st, "%s: %s, wanted %s (%s)", id, vp_status_str(c->status),
                     vp_status_str(st), c->summary);
        if (cause_id)
                cr_expect_str_eq(c->cause_id, cause_id, "%s cause %s", id, c->cause_id);
        if (st == VP_STATUS_FAIL)
                cr_expect(c->cause[0] && c->fix[0], "%s fails without cause and fix", id);
}

/* A capability as the real libva reported it from the test driver's list. */
static const struct vp_cap *cap(const char *key)
{
        for (unsigned i = 0; i < VP_N_CAPS; i++)
                if (strcmp(vp_cap_key(i), key) == 0)
                        return &ev->gpus[0].caps[i];
        cr_assert_fail("no capability %s", key);
        return NULL;
}

static void expect_all_ok_but(const char *const *allowed)
{
        for (uint32_t i = 0; i < ev->n_checks; i++) {
                const struct vp_check *c = &ev->checks[i];
                bool listed = false;
                for (const char *const *a = allowed; a && *a; a++)
                        listed |= strcmp(*a, c->id) == 0;
                if (!listed)
                        cr_expect(c->status == VP_STATUS_OK || c->status == VP_STATUS_SKIP,
                                  "%s is %s: %s", c->id, vp_status_str(c->status), c->summary);
        }
}

Test(verdicts, healthy_gvtg_coffeelake)
{
        static const char *const allowed[] = {"huc", NULL};
        run("cfl-gvtg-v54");
        cr_expect_eq(ev->node_status, VP_NODE_OK);
        cr_expect_eq(ev->gpus[0].virt, VP_VIRT_GVTG);
        cr_expect_str_eq(ev->gpus[0].vgpu_type, "GVTg_V5_4");
        cr_expect_str_eq(ev->gpus[0].platform.platform, "COFFEELAKE");
        expect_check("huc", VP_STATUS_WARN, "huc-gvtg");
        expect_check("encoder-build", VP_STATUS_OK, "");
        expect_all_ok_but(allowed);
}

Test(verdicts, gvtg_type_from_kernel_log)
{
        run("kbl-gvtg-v58-dmesg");
        cr_expect_eq(ev->gpus[0].virt, VP_VIRT_GVTG);
        cr_expect_str_eq(ev->gpus[0].vgpu_type, "GVTg_V5_8");
        const struct vp_check *c = vp_eval_check(ev, "virtualization");
        cr_assert(c);
        cr_expect(strstr(c->evidence, "Virtual GPU for Intel GVT-g detected"), "%s", c->evidence);
}

Test(verdicts, kabylake_passthrough_free_build_no_huc)
{
        run("kbl-passthrough");
        cr_expect_eq(ev->gpus[0].virt, VP_VIRT_PASSTHROUGH);
        cr_expect_eq(ev->gpus[0].nonfree, VP_NO);
        expect_check("encoder-build", VP_STATUS_WARN, "free-build");
        expect_check("huc", VP_STATUS_WARN, "huc-off");
        expect_check("codecs", VP_STATUS_WARN, "explained-gaps");
        const struct vp_check *h = vp_eval_check(ev, "huc");
        cr_expect(strstr(h->fix, "i915.enable_guc=2"), "%s", h->fix);
        const struct vp_check *b = vp_eval_check(ev, "encoder-build");
        cr_expect(strstr(b->fix, "intel-media-va-driver-non-free"), "%s", b->fix);
}

Test(verdicts, sriov_vf_with_virtio_first)
{
        run("adl-sriov-vf");
        cr_expect_eq(ev->gpus[0].virt, VP_VIRT_SRIOV_VF);
        cr_expect_eq(ev->node_status, VP_NODE_OK);
        /* The range extensions come through libva with their RT formats: 4:4:4 10-bit decode
         * and VDEnc, VP9 profile 3; VVC is not Alder Lake's. */
        static const char *const yes[] = {"decode.hevc-422-10bit", "decode.hevc-444-10bit",
                                          "decode.vp9-444-10bit",  "encode.hevc-444",
                                          "encode.vp9-444-10bit",  "encode.hevc-422-10bit"};
        for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
                cr_expect_eq(cap(yes[i])->actual, VP_YES, "%s", yes[i]);
                cr_expect_eq(cap(yes[i])->expected, VP_YES, "%s expected", yes[i]);
        }
        cr_expect_eq(cap("decode.vvc")->actual, VP_NO);
        cr_expect_eq(cap("decode.vvc")->expected, VP_NO);
        expect_check("va-driver", VP_STATUS_WARN, "non-intel-first");
        expect_check("gpu-top", VP_STATUS_WARN, "no-pmu-vf");
        expect_check("cpu-generation", VP_STATUS_OK, "");
        const struct vp_check *c = vp_eval_check(ev, "va-driver");
        cr_expect(strstr(c->fix, "/dev/dri/renderD129"), "%s", c->fix);
}

Test(verdicts, cloud_kernel_without_i915)
{
        run("cloud-kernel-no-i915");
        cr_expect_eq(ev->node_status, VP_NODE_NO_KERNEL_DRIVER);
        expect_check("kernel-driver", VP_STATUS_FAIL, "no-kernel-module");
        const struct vp_check *c = vp_eval_check(ev, "kernel-driver");
        cr_expect(strstr(c->fix, "linux-generic") && strstr(c->fix, "siderolabs/i915"), "%s",
                  c->fix);
        cr_expect(strstr(c->cause, "6.8.0-1015-kvm"), "%s", c->cause);
        expect_check("render-node", VP_STATUS_FAIL, "no-driver");
}

Test(verdicts, secure_boot_on)
{
        run("secure-boot-on");
        expect_check("secure-boot", VP_STATUS_FAIL, "secure-boot-on");
        const struct vp_check *c = vp_eval_check(ev, "secure-boot");
        cr_expect(strstr(c->fix, "pre-enrolled-keys=0") && strstr(c->fix, "mokutil --import"),
                  "both fixes from the guide: %s", c->fix);
        expect_check("kernel-driver", VP_STATUS_FAIL, "module-refused");
}

Test(verdicts, render_node_without_group)
{
        if (geteuid() != 0)
                cr_skip_test(
                    "needs root: the fixture chowns the node and the probe drops to nobody");
        tb = np_testbed_new("render-denied");
        facts = np_testbed_probe_as_nobody(tb);
        cr_assert_eq(vp_evaluate(facts, &ev), 0);
        cr_expect_eq(ev->node_status, VP_NODE_RENDER_DENIED);
        expect_check("render-node-access", VP_STATUS_FAIL, "render-node-denied");
        const struct vp_check *c = vp_eval_check(ev, "render-node-access");
        cr_expect(strstr(c->fix, "supplementalGroups: [4242]"), "%s", c->fix);
        cr_expect(strstr(c->cause, "0660"), "%s", c->cause);
}

Test(verdicts, xe_without_mapping)
{
        run("adl-xe");
        cr_expect_eq(ev->node_status, VP_NODE_VA_FAILED);
        expect_check("va-driver", VP_STATUS_FAIL, "xe-no-mapping");
        const struct vp_check *c = vp_eval_check(ev, "va-driver");
        cr_expect(strstr(c->fix, "LIBVA_DRIVER_NAME=iHD"), "%s", c->fix);
}

Test(verdicts, no_gpu_machine)
{
        run(NULL);
        cr_expect_eq(ev->node_status, VP_NODE_NO_GPU);
        expect_check("gpu", VP_STATUS_FAIL, "no-intel-gpu");
        cr_expect_str_eq(ev->checks[ev->n_checks - 1].id, "gpu-top", "every check is there");
}

Test(verdicts, crashing_driver)
{
        tb = np_testbed_new("cfl-baremetal");
        setenv("NP_FAKEVA_MODE", "crash", 1);
        facts = np_testbed_probe(tb, true);
        cr_assert_eq(vp_evaluate(facts, &ev), 0);
        cr_expect_eq(ev->node_status, VP_NODE_VA_FAILED);
        expect_check("va-init", VP_STATUS_FAIL, "driver-crashed");
}
