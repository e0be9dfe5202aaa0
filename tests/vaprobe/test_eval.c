/* SPDX-License-Identifier: MIT */
/*
 * Evaluation of real vainfo captures (shared/fixtures/vainfo, copied to tests/fixtures/vainfo):
 * platform, capability table and the failing check with its cause category. Pure: text in,
 * verdicts out.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "testbed.h"

struct vcase {
        const char *file;
        const char *platform; /* expected platform ("" = none) */
        const char *status;   /* node status */
        const char *check;    /* a check that must not be ok ("" = none) */
        const char *check_status;
        const char *cause_id;
        const char *cap_yes; /* a capability that must be actual yes ("" = none) */
        const char *cap_no;  /* a capability expected yes but missing, with cap_cause */
        const char *cap_cause;
        const char *cap_unknown; /* a capability that must stay unknown */
};

static struct vcase cases[] = {
    {"broadwell-hd5500-iHD.txt", "BROADWELL", "ok", "encoder-build", "warn", "free-build",
     "decode.h264", "encode.h264", "free-build", ""},
    {"coffeelake-i965.txt", "COFFEELAKE", "ok", "", "", "", "decode.h264", "", "", "decode.hevc"},
    {"coffeelake-uhd630-iHD-initfail.txt", "COFFEELAKE", "va-failed", "va-init", "fail",
     "driver-init-failed", "", "", "", "decode.h264"},
    {"cometlake-uhd620-iHD.txt", "COMETLAKE", "ok", "", "", "", "encode.h264", "", "",
     "decode.hevc-10bit"},
    {"haswell-iHD-no-init-function.txt", "", "va-failed", "va-init", "fail", "no-init-function", "",
     "", "", "decode.h264"},
    {"icelake-irisplus-g7-iHD-no-codec-profiles.txt", "ICELAKE", "degraded", "codecs", "fail",
     "missing-capabilities", "", "decode.hevc-10bit", "missing", ""},
    {"kabylake-uhd620-i965.txt", "KABYLAKE", "ok", "va-driver", "warn", "i965-fallback",
     "decode.vp9-10bit", "", "", ""},
    {"skylake-hd520-i965.txt", "SKYLAKE", "ok", "va-driver", "warn", "i965-fallback", "encode.h264",
     "", "", "decode.hevc"},
    {"skylake-hd530-iHD.txt", "SKYLAKE", "ok", "", "", "", "decode.h264", "", "", "decode.jpeg"},
    {"sriov-vf-guest-virtio-gpu-picked-fail.txt", "", "va-failed", "va-driver", "fail",
     "non-intel-node", "", "", "", "decode.h264"},
    {"sriov-xe-kmd-no-xe_drv_video-fail.txt", "ALDERLAKE_P", "va-failed", "va-driver", "fail",
     "xe-no-mapping", "", "", "", "decode.h264"},
    /* The classes whose first failing line misleads (issue 20). */
    {"x11-vagetdrivernames-failed.txt", "COFFEELAKE", "va-failed", "va-init", "fail",
     "x11-no-driver-name", "", "", "", "decode.h264"},
    {"x11-fallback-ihd-gmm-symbol-i965-ok.txt", "COFFEELAKE", "ok", "va-driver", "warn",
     "i965-fallback", "decode.hevc-10bit", "", "", ""},
    {"x11-dri2-assertion-i965.txt", "KABYLAKE", "va-failed", "va-init", "fail", "x11-path-crash",
     "", "", "", "decode.h264"},
    {"not-intel-node-get-chip-id-failed.txt", "ALDERLAKE_S", "va-failed", "va-init", "fail",
     "not-i915-node", "", "", "", "decode.h264"},
    {"ihd-init-failed-three-lines.txt", "TIGERLAKE", "va-failed", "va-driver", "fail",
     "driver-init-failed", "", "", "", "decode.h264"},
    {"i965-on-alderlake-no-ihd.txt", "ALDERLAKE_N", "va-failed", "va-init", "fail",
     "i965-unknown-platform", "", "", "", "decode.h264"},
    {"libva-2.4-icelake-i965-only.txt", "ICELAKE", "va-failed", "va-init", "fail",
     "libva-no-ihd-mapping", "", "", "", "decode.h264"},
    /* 4:2:2/4:4:4 and VVC (issue 20): a full gen12 list, and Lunar Lake before and after VVC
     * joined VA-API (1.22). */
    {"tigerlake-iris-xe-iHD-full.txt", "TIGERLAKE", "ok", "", "", "", "encode.hevc-422-10bit", "",
     "", "decode.av1-10bit"},
    {"lunarlake-iHD-libva-2.20-no-vvc.txt", "LUNARLAKE", "ok", "codecs", "warn", "va-api-too-old",
     "decode.hevc-444-10bit", "decode.vvc", "va-api-too-old", ""},
    {"lunarlake-iHD-libva-2.22-vvc.txt", "LUNARLAKE", "ok", "", "", "", "decode.vvc", "", "", ""},
};

/* Criterion runs each parameter in a fresh process: pass indices, not pointers. */
static int case_idx[sizeof(cases) / sizeof(cases[0])];

ParameterizedTestParameters(eval, vainfo_fixture)
{
        for (size_t i = 0; i < sizeof(case_idx) / sizeof(case_idx[0]); i++)
                case_idx[i] = (int)i;
        return cr_make_param_array(int, case_idx, sizeof(case_idx) / sizeof(case_idx[0]));
}

static int cap_index(const char *key)
{
        for (unsigned i = 0; i < VP_N_CAPS; i++)
                if (strcmp(vp_cap_key(i), key) == 0)
                        return (int)i;
        cr_assert_fail("no capability %s", key);
        return -1;
}

ParameterizedTest(int *idx, eval, vainfo_fixture)
{
        const struct vcase *c = &cases[*idx];
        char path[4096];
        struct vp_facts *f = NULL;
        struct vp_eval *e = NULL;

        snprintf(path, sizeof(path), "%s/vainfo/%s", NP_FIXTURES_DIR, c->file);
        char *text = np_slurp(path);
        cr_assert(text, "cannot read %s", path);
        cr_assert_eq(vp_vainfo_parse(text, 0, NULL, &f), 0, "%s does not parse", c->file);
        free(text);
        cr_assert_eq(vp_evaluate(f, &e), 0);
        cr_assert_eq(e->n_gpus, 1);
        const struct vp_gpu_eval *ge = &e->gpus[0];

        cr_expect_str_eq(ge->platform.platform, c->platform, "%s: platform '%s'", c->file,
                         ge->platform.platform);
        cr_expect_str_eq(vp_node_status_str(e->node_status), c->status, "%s: status %s", c->file,
                         vp_node_status_str(e->node_status));
        if (c->check[0]) {
                const struct vp_check *k = vp_eval_check(e, c->check);
                cr_assert(k, "%s: no check %s", c->file, c->check);
                cr_expect_str_eq(vp_status_str(k->status), c->check_status, "%s: %s is %s", c->file,
                                 c->check, vp_status_str(k->status));
                cr_expect_str_eq(k->cause_id, c->cause_id, "%s: %s cause %s", c->file, c->check,
                                 k->cause_id);
                cr_expect(k->fix[0], "%s: %s has no fix", c->file, c->check);
        } else {
                for (uint32_t i = 0; i < e->n_checks; i++)
                        cr_expect_neq(e->checks[i].status, VP_STATUS_FAIL, "%s: %s failed: %s",
                                      c->file, e->checks[i].id, e->checks[i].cause);
        }
        if (c->cap_yes[0])
                cr_expect_eq(ge->caps[cap_index(c->cap_yes)].actual, VP_YES, "%s: %s", c->file,
                             c->cap_yes);
        if (c->cap_no[0]) {
                const struct vp_cap *cap = &ge->caps[cap_index(c->cap_no)];
                cr_expect_eq(cap->expected, VP_YES, "%s: %s expected", c->file, c->cap_no);
                cr_expect_eq(cap->actual, VP_NO, "%s: %s actual", c->file, c->cap_no);
                cr_expect_str_eq(cap->cause, c->cap_cause, "%s: %s cause %s", c->file, c->cap_no,
                                 cap->cause);
        }
        if (c->cap_unknown[0])
                cr_expect_eq(ge->caps[cap_index(c->cap_unknown)].actual, VP_UNKNOWN,
                             "%s: %s must stay unknown (truncated list or failed init)", c->file,
                             c->cap_unknown);
        free(e);
        free(f);
}

/* The whole capability table of each capture against a reviewed golden file
 * (tests/fixtures/vainfo-golden/<capture>.caps: "key expected actual cause" per line).
 * NP_UPDATE_GOLDEN=1 rewrites them; review the diff before committing. */
static const char *tri(enum vp_tri t)
{
        return t == VP_YES ? "yes" : t == VP_NO ? "no" : "unknown";
}

ParameterizedTestParameters(eval, capability_table_golden)
{
        for (size_t i = 0; i < sizeof(case_idx) / sizeof(case_idx[0]); i++)
                case_idx[i] = (int)i;
        return cr_make_param_array(int, case_idx, sizeof(case_idx) / sizeof(case_idx[0]));
}

ParameterizedTest(int *idx, eval, capability_table_golden)
{
        const struct vcase *c = &cases[*idx];
        char path[4096], golden[4096], table[4096] = "";
        struct vp_facts *f = NULL;
        struct vp_eval *e = NULL;

        snprintf(path, sizeof(path), "%s/vainfo/%s", NP_FIXTURES_DIR, c->file);
        snprintf(golden, sizeof(golden), "%s/vainfo-golden/%.*s.caps", NP_FIXTURES_DIR,
                 (int)(strlen(c->file) - 4), c->file);
        char *text = np_slurp(path);
        cr_assert(text);
        cr_assert_eq(vp_vainfo_parse(text, 0, NULL, &f), 0);
        free(text);
        cr_assert_eq(vp_evaluate(f, &e), 0);
        for (unsigned i = 0; i < VP_N_CAPS; i++) {
                const struct vp_cap *cap = &e->gpus[0].caps[i];
                size_t used = strlen(table);
                snprintf(table + used, sizeof(table) - used, "%s %s %s %s\n", vp_cap_key(i),
                         tri(cap->expected), tri(cap->actual), cap->cause[0] ? cap->cause : "-");
        }
        if (getenv("NP_UPDATE_GOLDEN")) {
                FILE *out = fopen(golden, "w");
                cr_assert(out && fputs(table, out) >= 0 && fclose(out) == 0, "%s", golden);
        }
        char *want = np_slurp(golden);
        cr_assert(want, "no golden file %s (NP_UPDATE_GOLDEN=1 writes it)", golden);
        cr_expect_str_eq(table, want, "%s: capability table differs from %s", c->file, golden);
        free(want);
        free(e);
        free(f);
}

/* The seed's 10-bit point comes out of the matrix: Skylake has no HEVC Main10 or VP9,
 * Kaby Lake and later have both. */
struct depth_case {
        uint16_t id;
        const char *cap;
        enum vp_tri expected;
};

static struct depth_case depth_cases[] = {
    {0x1912, "decode.hevc-10bit", VP_NO},
    {0x1912, "decode.vp9", VP_NO},
    {0x1912, "decode.hevc", VP_YES},
    {0x5912, "decode.hevc-10bit", VP_YES},
    {0x5912, "decode.vp9-10bit", VP_YES},
    {0x3e92, "decode.hevc-10bit", VP_YES},
    {0x1616, "decode.hevc", VP_NO},
    {0x5a84, "decode.vp9-10bit", VP_NO},
    {0x3185, "decode.vp9-10bit", VP_YES},
    {0x9a49, "decode.av1", VP_YES},
    {0x3e92, "decode.av1", VP_NO},
    {0x9a49, "decode.hevc-12bit", VP_YES},
    {0x56a0, "encode.av1", VP_YES},
    {0x4680, "decode.vp8", VP_NO},
    {0x56a0, "decode.vc1", VP_NO},
    {0x64a0, "encode.vp9", VP_NO},
    /* AV1 encode: DG2, Meteor Lake and later (issue 20). */
    {0x56a0, "encode.av1-10bit", VP_YES},
    {0x7d55, "encode.av1", VP_YES},
    {0x7d55, "encode.av1-10bit", VP_YES},
    {0x9a49, "encode.av1", VP_NO},
    /* 4:2:2 and 4:4:4: Ice Lake and later decode them; nothing before. */
    {0x8a52, "decode.hevc-444", VP_YES},
    {0x8a52, "decode.vp9-444-10bit", VP_YES},
    {0x8a52, "decode.hevc-422-10bit", VP_YES},
    {0x3e92, "decode.hevc-444", VP_NO},
    {0x5912, "decode.vp9-444", VP_NO},
    {0x1912, "decode.hevc-422-10bit", VP_NO},
    {0x9a49, "encode.hevc-444-10bit", VP_YES},
    {0x9a49, "encode.vp9-444", VP_YES},
    {0x9a49, "encode.hevc-422-10bit", VP_YES},
    {0x56a0, "encode.hevc-422-10bit", VP_YES},
    {0x7d55, "encode.hevc-444", VP_YES},
    {0x64a0, "encode.vp9-444", VP_NO},
    {0x3e92, "encode.hevc-444", VP_NO},
    /* VVC decode: Lunar Lake, Panther Lake and later; not Battlemage or Meteor Lake. */
    {0x64a0, "decode.vvc", VP_YES},
    {0xb080, "decode.vvc", VP_YES},
    {0xe20b, "decode.vvc", VP_NO},
    {0x7d55, "decode.vvc", VP_NO},
    {0x46d1, "decode.vvc", VP_NO},
};

static int depth_idx[sizeof(depth_cases) / sizeof(depth_cases[0])];

ParameterizedTestParameters(eval, bit_depth_rules)
{
        for (size_t i = 0; i < sizeof(depth_idx) / sizeof(depth_idx[0]); i++)
                depth_idx[i] = (int)i;
        return cr_make_param_array(int, depth_idx, sizeof(depth_idx) / sizeof(depth_idx[0]));
}

ParameterizedTest(int *idx, eval, bit_depth_rules)
{
        const struct depth_case *c = &depth_cases[*idx];
        struct vp_facts *f = calloc(1, sizeof(*f));
        struct vp_eval *e = NULL;

        cr_assert(f);
        f->n_gpus = 1;
        f->gpus[0].vendor_id = 0x8086;
        f->gpus[0].device_id = c->id;
        f->gpus[0].va.outcome = VP_VA_OK;
        snprintf(f->gpus[0].va.driver, sizeof(f->gpus[0].va.driver), "iHD");
        cr_assert_eq(vp_evaluate(f, &e), 0);
        cr_expect_eq(e->gpus[0].caps[cap_index(c->cap)].expected, c->expected,
                     "0x%04x %s: expected %s", c->id, c->cap, vp_tri_str(c->expected));
        free(e);
        free(f);
}

Test(eval, unknown_id_guessed_by_range)
{
        struct vp_platform p;
        cr_expect_eq(vp_platform_lookup(0x3e92, &p), 0);
        cr_expect_str_eq(p.platform, "COFFEELAKE");
        cr_expect_str_eq(p.gen, "9.5");
        cr_expect_eq(vp_platform_lookup(0x7d99, &p), -ENOENT);
        cr_expect(p.guessed);
        cr_expect(strcmp(p.platform, "METEORLAKE") == 0 || strcmp(p.platform, "ARROWLAKE") == 0,
                  "0x7d99 guessed as %s", p.platform);
        cr_expect_eq(vp_platform_lookup(0xe2ff, &p), -ENOENT);
        cr_expect_str_eq(p.platform, "BATTLEMAGE");
        cr_expect_eq(vp_platform_lookup(0x0412, &p), -ENOENT);
        cr_expect_not(p.guessed, "Haswell ids are not in the table at all");
        cr_expect_str_eq(p.platform, "");
}

Test(eval, no_gpu)
{
        struct vp_facts *f = calloc(1, sizeof(*f));
        struct vp_eval *e = NULL;
        cr_assert(f);
        cr_assert_eq(vp_evaluate(f, &e), 0);
        cr_expect_eq(e->node_status, VP_NODE_NO_GPU);
        cr_expect_eq(e->primary, -1);
        /* Every check is there, in order: a stable schema, and what can be judged before a
         * GPU is assigned is judged. */
        unsigned n = 0;
        while (vp_check_id(n))
                n++;
        cr_assert_eq(e->n_checks, n);
        for (unsigned i = 0; i < n; i++)
                cr_expect_str_eq(e->checks[i].id, vp_check_id(i));
        cr_expect_str_eq(e->checks[0].cause_id, "no-intel-gpu");
        cr_expect_eq(vp_eval_check(e, "render-node")->status, VP_STATUS_SKIP);
        cr_expect_str_eq(vp_eval_check(e, "render-node")->summary, "no Intel GPU");
        free(e);
        free(f);
}

Test(eval, no_gpu_vm_still_checked)
{
        struct vp_facts *f = calloc(1, sizeof(*f));
        struct vp_eval *e = NULL;
        cr_assert(f);
        /* A VM prepared for a GPU: cloud kernel, a vIOMMU, Secure Boot on. */
        f->machine.hypervisor = VP_YES;
        f->machine.iommu = VP_YES;
        snprintf(f->machine.iommu_names, sizeof(f->machine.iommu_names), "virtio-iommu");
        f->machine.efi = VP_YES;
        f->machine.secure_boot = VP_YES;
        f->machine.setup_mode = VP_NO;
        f->machine.mod_i915 = VP_NO;
        f->machine.mod_xe = VP_NO;
        snprintf(f->machine.kernel_release, sizeof(f->machine.kernel_release), "6.8.0-1015-kvm");
        snprintf(f->machine.os_id, sizeof(f->machine.os_id), "ubuntu");
        cr_assert_eq(vp_evaluate(f, &e), 0);
        cr_expect_eq(vp_eval_check(e, "viommu")->status, VP_STATUS_WARN);
        cr_expect_eq(vp_eval_check(e, "secure-boot")->status, VP_STATUS_WARN);
        const struct vp_check *k = vp_eval_check(e, "kernel-driver");
        cr_expect_str_eq(k->cause_id, "no-kernel-module");
        cr_expect(strstr(k->cause, "nothing will bind it"), "%s", k->cause);
        cr_expect(strstr(k->fix, "apt install linux-generic"), "Ubuntu's command: %s", k->fix);
        cr_expect_eq(vp_eval_check(e, "virtualization")->status, VP_STATUS_OK);
        free(e);
        free(f);
}

/* ICL-DG2: HEVC low-power encode without VP9 low-power encode is the HuC signature too. */
Test(eval, missing_vp9_lp_means_no_huc)
{
        struct vp_facts *f = calloc(1, sizeof(*f));
        struct vp_eval *e = NULL;
        static const struct vp_va_config cfgs[] = {
            {.profile = 7 /* H264High */, .entrypoint = 1 /* VLD */},
            {.profile = 17 /* HEVCMain */, .entrypoint = 1},
            {.profile = 19 /* VP9Profile0 */, .entrypoint = 1},
            {.profile = 7, .entrypoint = 8 /* EncSliceLP */},
            {.profile = 17, .entrypoint = 8},
        };

        cr_assert(f);
        f->n_gpus = 1;
        f->gpus[0].vendor_id = 0x8086;
        f->gpus[0].device_id = 0x8a52; /* Ice Lake */
        f->gpus[0].va.outcome = VP_VA_OK;
        snprintf(f->gpus[0].va.driver, sizeof(f->gpus[0].va.driver), "iHD");
        memcpy(f->gpus[0].va.configs, cfgs, sizeof(cfgs));
        f->gpus[0].va.n_configs = sizeof(cfgs) / sizeof(cfgs[0]);
        cr_assert_eq(vp_evaluate(f, &e), 0);
        cr_expect_eq(e->gpus[0].huc, VP_NO);
        const struct vp_check *h = vp_eval_check(e, "huc");
        cr_assert(h);
        cr_expect_eq(h->status, VP_STATUS_WARN, "%s", h->summary);
        cr_expect_str_eq(h->cause_id, "huc-off");
        cr_expect_str_eq(e->gpus[0].caps[cap_index("encode.vp9")].cause, "huc");
        free(e);
        free(f);
}

/* What the report says for those classes, beyond the cause id: the fix goes to the DRM path,
 * the iHD failure is named, and nothing tells people to reinstall a driver that loaded. */
Test(eval, misleading_vainfo_classes_say_what_to_do)
{
        static const struct {
                const char *file, *check, *in_text, *not_in_fix;
        } t[] = {
            {"x11-vagetdrivernames-failed.txt", "va-driver", "--display drm", "apt install"},
            {"x11-dri2-assertion-i965.txt", "va-driver", "--display drm", "apt install"},
            {"x11-fallback-ihd-gmm-symbol-i965-ok.txt", "va-driver",
             "iHD failed to load (undefined symbol: _ZN14GmmLib", ""},
            {"not-intel-node-get-chip-id-failed.txt", "va-driver", "/dev/dri/by-path",
             "apt install"},
            {"ihd-init-failed-three-lines.txt", "va-driver", "iHD loaded", "apt install"},
            {"i965-on-alderlake-no-ihd.txt", "va-init", "iHD, which can, is not installed", ""},
        };
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                char path[4096];
                struct vp_facts *f = NULL;
                struct vp_eval *e = NULL;
                snprintf(path, sizeof(path), "%s/vainfo/%s", NP_FIXTURES_DIR, t[i].file);
                char *text = np_slurp(path);
                cr_assert(text, "%s", path);
                cr_assert_eq(vp_vainfo_parse(text, 0, NULL, &f), 0, "%s", t[i].file);
                free(text);
                cr_assert_eq(vp_evaluate(f, &e), 0);
                const struct vp_check *k = vp_eval_check(e, t[i].check);
                cr_assert(k);
                char all[4096];
                snprintf(all, sizeof(all), "%s\n%s\n%s", k->summary, k->cause, k->fix);
                cr_expect(strstr(all, t[i].in_text), "%s %s: %s", t[i].file, t[i].check, all);
                if (t[i].not_in_fix[0])
                        cr_expect(!strstr(k->fix, t[i].not_in_fix), "%s %s fix: %s", t[i].file,
                                  t[i].check, k->fix);
                free(e);
                free(f);
        }
}

/* Cherry View: i965 names it "CherryView"; the platform is found from the vendor string and
 * its expectations come from the corrections' rows (i965_device_info.c chv_hw_codec_info):
 * HEVC 8-bit decode and VP8 encode yes, HEVC 10-bit and VP9 10-bit no. */
Test(eval, cherryview_from_the_i965_vendor_string)
{
        const char *text = "vainfo: VA-API version: 1.10 (libva 2.10.0)\n"
                           "vainfo: Driver version: Intel i965 driver for Intel(R) CherryView - "
                           "2.4.1\n"
                           "vainfo: Supported profile and entrypoints\n"
                           "      VAProfileH264Main               :\tVAEntrypointVLD\n"
                           "      VAProfileH264Main               :\tVAEntrypointEncSlice\n"
                           "      VAProfileHEVCMain               :\tVAEntrypointVLD\n"
                           "      VAProfileVP8Version0_3          :\tVAEntrypointVLD\n"
                           "      VAProfileVP8Version0_3          :\tVAEntrypointEncSlice\n";
        struct vp_facts *f = NULL;
        struct vp_eval *e = NULL;
        cr_assert_eq(vp_vainfo_parse(text, 0, NULL, &f), 0);
        cr_assert_eq(vp_evaluate(f, &e), 0);
        const struct vp_gpu_eval *ge = &e->gpus[0];
        cr_expect_str_eq(ge->platform.platform, "CHERRYVIEW");
        cr_expect_eq(ge->caps[cap_index("decode.hevc")].expected, VP_YES);
        cr_expect_eq(ge->caps[cap_index("decode.hevc")].actual, VP_YES);
        cr_expect_eq(ge->caps[cap_index("encode.vp8")].expected, VP_YES);
        cr_expect_eq(ge->caps[cap_index("decode.hevc-10bit")].expected, VP_NO);
        cr_expect_eq(ge->caps[cap_index("decode.vp9-10bit")].expected, VP_NO);
        free(e);
        free(f);
}

/* libva 2.5 and older map i915 to i965 only: on a platform both drivers know, the expected
 * VA driver is i965 (what libva picks), and an i965 in use says why; libva 2.6 expects iHD. */
Test(eval, expected_va_driver_follows_the_libva_version)
{
        static const struct {
                const char *api;
                const char *want;
        } t[] = {{"1.4", "i965"}, {"1.5", "i965"}, {"1.6", "iHD"}, {"1.20", "iHD"}};
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                char text[1024];
                struct vp_facts *f = NULL;
                struct vp_eval *e = NULL;
                snprintf(text, sizeof(text),
                         "libva info: VA-API version %s.0\nlibva info: Trying to open "
                         "/usr/lib/x86_64-linux-gnu/dri/i965_drv_video.so\nlibva info: Found "
                         "init function __vaDriverInit_1_4\nlibva error: "
                         "/usr/lib/x86_64-linux-gnu/dri/i965_drv_video.so init failed\n"
                         "vaInitialize failed with error code -1 (unknown libva error),exit\n",
                         t[i].api);
                cr_assert_eq(vp_vainfo_parse(text, 0x3e92, NULL, &f), 0);
                cr_assert_eq(vp_evaluate(f, &e), 0);
                cr_expect_str_eq(e->gpus[0].va_driver, t[i].want, "VA-API %s", t[i].api);
                free(e);
                free(f);
        }
        /* i965 working on Coffee Lake under libva 2.4: the warning names the libva map. */
        const char *ok =
            "vainfo: VA-API version: 1.4 (libva 2.4.0)\n"
            "libva info: Trying to open /usr/lib/x86_64-linux-gnu/dri/i965_drv_video.so\n"
            "libva info: Found init function __vaDriverInit_1_4\n"
            "libva info: va_openDriver() returns 0\n"
            "vainfo: Driver version: Intel i965 driver for Intel(R) Coffee Lake - 2.3.0\n"
            "      VAProfileH264Main               :\tVAEntrypointVLD\n";
        struct vp_facts *f = NULL;
        struct vp_eval *e = NULL;
        cr_assert_eq(vp_vainfo_parse(ok, 0x3e92, NULL, &f), 0);
        cr_assert_eq(vp_evaluate(f, &e), 0);
        const struct vp_check *k = vp_eval_check(e, "va-driver");
        cr_expect_str_eq(k->cause_id, "i965-fallback");
        cr_expect(strstr(k->cause, "maps i915 to i965 only"), "%s", k->cause);
        free(e);
        free(f);
}
