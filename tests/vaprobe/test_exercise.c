/* SPDX-License-Identifier: MIT */
/*
 * --exercise through the real libva and the fake driver's software jobs: every engine runs and
 * its output is checked (VPP compared with the expected picture, the encoded streams parsed,
 * the H.264 stream decoded back); and each failure is its own outcome with its own cause: a
 * refused call, garbage output, a hang (the step's own deadline), a crash, a GPU reset in the
 * kernel log. Then what the rest of nodeprobe makes of it: the check, the label, JSON.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <va/va.h>

#include "internal.h" /* vpi_h264_first_slice */
#include "labeler/labeler.h"
#include "testbed.h"

static struct np_testbed *tb;
static struct vp_facts *facts;
static struct vp_eval *eval;
static char *tmpdir;

static void teardown(void)
{
        free(eval);
        eval = NULL;
        free(facts);
        facts = NULL;
        np_testbed_free(tb);
        tb = NULL;
        if (tmpdir) {
                g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmpdir);
                (void)!system(cmd);
                g_free(tmpdir);
                tmpdir = NULL;
        }
        unsetenv("NP_FAKEVA_MODE");
        unsetenv("NP_FAKEVA_DMESG");
}

TestSuite(exercise, .fini = teardown, .timeout = 90);

static const struct vp_exercise *run(const char *mode, bool isolated)
{
        tb = np_testbed_new("cfl-gvtg-v54");
        if (mode)
                setenv("NP_FAKEVA_MODE", mode, 1);
        facts = np_testbed_probe_ex(tb, isolated, true);
        cr_assert_eq(facts->n_gpus, 1);
        cr_assert_eq(vp_evaluate(facts, &eval), 0);
        return &facts->gpus[0].va.exercise;
}

static const struct vp_ex_step *step(const struct vp_exercise *x, const char *kind,
                                     const char *codec, int32_t ep)
{
        for (uint32_t i = 0; i < x->n_steps; i++)
                if (strcmp(x->steps[i].kind, kind) == 0 && strcmp(x->steps[i].codec, codec) == 0 &&
                    (ep < 0 || x->steps[i].entrypoint == ep))
                        return &x->steps[i];
        return NULL;
}

static const struct vp_check *check(void)
{
        const struct vp_check *c = vp_eval_check(eval, "exercise");
        cr_assert(c, "no exercise check");
        return c;
}

static void label_is(const char *want)
{
        struct lbl_set *s = calloc(1, sizeof(*s));
        cr_assert_eq(lbl_compute(facts, eval, NULL, s), 0);
        cr_expect_str_eq(lbl_get(s, "nodeprobe.io/exercise"), want);
        free(s);
}

Test(exercise, every_engine_runs_and_checks_out)
{
        const struct vp_exercise *x = run(NULL, true);
        const struct vp_ex_step *s;

        cr_expect(x->requested);
        cr_expect_eq(x->running, -1);
        cr_expect_eq(facts->gpus[0].va.outcome, VP_VA_OK);
        s = step(x, "vpp", "nv12-bgra", VAEntrypointVideoProc);
        cr_assert(s, "a VPP step");
        cr_expect_eq(s->outcome, VP_EX_OK, "%s", s->detail);
        cr_expect_lt(s->quality_x100, 100, "the conversion is within 1 per channel");
        /* H.264 with both encode entrypoints the fixture lists, HEVC Main and Main10. */
        s = step(x, "encode", "h264", VAEntrypointEncSlice);
        cr_assert(s);
        cr_expect_eq(s->outcome, VP_EX_OK, "%s", s->detail);
        cr_expect_eq(s->frames, 3);
        cr_expect_gt(s->bytes, 3 * 320 * 240, "I_PCM keeps every sample: %u", s->bytes);
        cr_expect_gt(s->fps_x10, 0);
        s = step(x, "encode", "h264", VAEntrypointEncSliceLP);
        cr_assert(s, "EncSliceLP is exercised too");
        cr_expect_eq(s->outcome, VP_EX_OK, "%s", s->detail);
        s = step(x, "encode", "hevc", -1);
        cr_assert(s);
        cr_expect_eq(s->outcome, VP_EX_OK, "%s", s->detail);
        s = step(x, "encode", "hevc-10bit", -1);
        cr_assert(s, "Main10 with P010 surfaces");
        cr_expect_eq(s->outcome, VP_EX_OK, "%s", s->detail);
        s = step(x, "decode", "h264", VAEntrypointVLD);
        cr_assert(s, "the H.264 stream is decoded back");
        cr_expect_eq(s->outcome, VP_EX_OK, "%s", s->detail);
        cr_expect_gt(s->quality_x100, 3000, "PSNR %d", s->quality_x100);
        cr_expect_eq(check()->status, VP_STATUS_OK, "%s", check()->summary);
        cr_expect_eq(eval->node_status, VP_NODE_OK);
        cr_expect_eq(vp_exercise_of_cap(facts, eval, "encode.h264"), VP_EX_OK);
        cr_expect_eq(vp_exercise_of_cap(facts, eval, "decode.h264"), VP_EX_OK);
        cr_expect_eq(vp_exercise_of_cap(facts, eval, "decode.av1"), VP_EX_NOT_RUN,
                     "no job covers AV1: the listing decides");
        label_is("passed");
}

Test(exercise, the_same_in_process)
{
        const struct vp_exercise *x = run(NULL, false);
        cr_expect_eq(x->n_steps, 6);
        cr_expect_eq(check()->status, VP_STATUS_OK, "%s", check()->evidence);
}

Test(exercise, not_asked_is_skipped_and_unlabelled)
{
        struct lbl_set *s = calloc(1, sizeof(*s));

        tb = np_testbed_new("cfl-gvtg-v54");
        facts = np_testbed_probe(tb, true);
        cr_assert_eq(vp_evaluate(facts, &eval), 0);
        cr_expect_not(facts->gpus[0].va.exercise.requested);
        cr_expect_eq(check()->status, VP_STATUS_SKIP);
        cr_assert_eq(lbl_compute(facts, eval, NULL, s), 0);
        cr_expect_null(lbl_get(s, "nodeprobe.io/exercise"), "no label for what was not tried");
        free(s);
}

Test(exercise, refused_call)
{
        const struct vp_exercise *x = run("refuse-context", true);
        const struct vp_ex_step *s = &x->steps[0];

        cr_expect_eq(s->outcome, VP_EX_REFUSED);
        cr_expect_str_eq(s->call, "vaCreateContext");
        cr_expect_eq(s->va_status, VA_STATUS_ERROR_HW_BUSY);
        cr_expect_eq(check()->status, VP_STATUS_FAIL);
        cr_expect_str_eq(check()->cause_id, "exercise-refused");
        cr_expect_eq(eval->node_status, VP_NODE_DEGRADED, "a GPU that runs no job is not ok");
        cr_expect_eq(vp_exercise_of_cap(facts, eval, "encode.h264"), VP_EX_REFUSED);
        label_is("failed");
}

Test(exercise, garbage_output)
{
        const struct vp_exercise *x = run("garbage", true);
        const struct vp_ex_step *vpp = step(x, "vpp", "nv12-bgra", -1),
                                *enc = step(x, "encode", "h264", VAEntrypointEncSlice);

        cr_assert(vpp && enc);
        cr_expect_eq(vpp->outcome, VP_EX_GARBAGE);
        cr_expect(strstr(vpp->detail, "differs"), "%s", vpp->detail);
        cr_expect_eq(enc->outcome, VP_EX_GARBAGE);
        cr_expect(strstr(enc->detail, "without a start code"), "%s", enc->detail);
        cr_expect_null(step(x, "decode", "h264", -1), "nothing valid to decode back");
        cr_expect_str_eq(check()->cause_id, "exercise-garbage");
        label_is("failed");
}

Test(exercise, hang_meets_the_step_deadline)
{
        struct timespec a, b;
        const struct vp_exercise *x;

        clock_gettime(CLOCK_MONOTONIC, &a);
        x = run("hang-sync", true);
        clock_gettime(CLOCK_MONOTONIC, &b);
        cr_expect_lt(b.tv_sec - a.tv_sec, VP_EX_STEP_SECONDS + 10, "the step's own deadline");
        cr_expect_eq(facts->gpus[0].va.outcome, VP_VA_OK, "the listing is kept");
        cr_expect_gt(facts->gpus[0].va.n_configs, 10);
        cr_assert_eq(x->n_steps, 1, "the hang ends the exercise");
        cr_expect_eq(x->steps[0].outcome, VP_EX_HUNG);
        cr_expect_str_eq(x->steps[0].call, "vaSyncSurface");
        cr_expect_str_eq(check()->cause_id, "exercise-hung");
        cr_expect(strstr(check()->fix, "GuC/HuC"), "%s", check()->fix);
        label_is("failed");
}

Test(exercise, crash_in_a_job)
{
        const struct vp_exercise *x = run("crash-job", true);

        cr_assert_eq(x->n_steps, 1);
        cr_expect_eq(x->steps[0].outcome, VP_EX_CRASHED);
        cr_expect_str_eq(x->steps[0].call, "vaEndPicture");
        cr_expect_eq(facts->gpus[0].va.child_signal, SIGSEGV);
        cr_expect_str_eq(check()->cause_id, "exercise-crashed");
}

Test(exercise, gpu_reset_in_the_kernel_log)
{
        g_autofree char *src = g_build_filename(NP_FIXTURES_DIR, "cfl-gvtg-v54", NULL);
        g_autofree char *cmd = NULL, *dmesg = NULL;
        const struct vp_exercise *x;

        tmpdir = g_dir_make_tmp("np-exercise-XXXXXX", NULL);
        cmd = g_strdup_printf("cp -r '%s'/. '%s'/", src, tmpdir);
        cr_assert_eq(system(cmd), 0);
        dmesg = g_build_filename(tmpdir, "dmesg.txt", NULL);
        cr_assert(g_file_set_contents(dmesg,
                                      "[    1.0] i915 0000:00:02.0: [drm] Resetting chip "
                                      "for stopped heartbeat on rcs0\n",
                                      -1, NULL),
                  "an old reset, from before the probe");
        setenv("NP_FAKEVA_DMESG", dmesg, 1);
        tb = np_testbed_new(tmpdir);
        setenv("NP_FAKEVA_MODE", "reset", 1);
        facts = np_testbed_probe_ex(tb, true, true);
        cr_assert_eq(vp_evaluate(facts, &eval), 0);
        x = &facts->gpus[0].va.exercise;
        cr_expect_eq(x->steps[0].outcome, VP_EX_GPU_RESET, "%s", x->steps[0].detail);
        cr_expect_eq(x->steps[1].outcome, VP_EX_REFUSED, "only the first failure is the reset's");
        cr_expect_str_eq(check()->cause_id, "exercise-gpu-reset");
}

Test(exercise, an_old_reset_alone_is_not_blamed)
{
        struct vp_exercise x = {.requested = true, .n_steps = 1};
        x.steps[0].outcome = VP_EX_REFUSED;
        vp_exercise_note_resets(&x, 2, 2);
        cr_expect_eq(x.steps[0].outcome, VP_EX_REFUSED);
        vp_exercise_note_resets(&x, 2, 3);
        cr_expect_eq(x.steps[0].outcome, VP_EX_GPU_RESET);
        cr_expect(strstr(x.steps[0].detail, "1 GPU hang/reset line"), "%s", x.steps[0].detail);
}

Test(exercise, survives_a_json_round_trip)
{
        const struct vp_exercise *x = run("refuse-context", true);
        struct vp_facts *back = NULL;
        char *json = NULL, err[128];

        cr_assert_eq(vp_facts_to_json(facts, 0, &json), 0);
        cr_assert_eq(vp_facts_from_json(json, strlen(json), &back, err, sizeof(err)), 0, "%s", err);
        cr_expect(back->gpus[0].va.exercise.requested);
        cr_expect_eq(back->gpus[0].va.exercise.n_steps, x->n_steps);
        cr_expect_eq(back->gpus[0].va.exercise.steps[0].outcome, VP_EX_REFUSED);
        cr_expect_str_eq(back->gpus[0].va.exercise.steps[0].call, "vaCreateContext");
        cr_expect_eq(back->gpus[0].va.exercise.steps[0].entrypoint, VAEntrypointVideoProc);
        free(json);
        free(back);
}

/* ---- a real peer: ffmpeg (libavcodec, libx264) ---- */

static bool have_ffmpeg(void)
{
        g_autofree char *p = g_find_program_in_path("ffmpeg");
        return p != NULL;
}

static void sh(const char *cmd)
{
        cr_assert_eq(system(cmd), 0, "%s", cmd);
}

/* The fake driver's H.264 stream is real H.264: libavcodec decodes it, losslessly. */
Test(exercise, the_fake_encoders_stream_decodes_with_ffmpeg)
{
        g_autofree char *dump = NULL, *yuv = NULL, *cmd = NULL, *pic = NULL;
        gsize len = 0;
        unsigned bad = 0;

        if (!have_ffmpeg())
                cr_skip_test("ffmpeg is not installed (scripts/install-deps.sh --test)");
        tmpdir = g_dir_make_tmp("np-exercise-XXXXXX", NULL);
        dump = g_build_filename(tmpdir, "fake.h264", NULL);
        yuv = g_build_filename(tmpdir, "fake.yuv", NULL);
        setenv("NP_FAKEVA_DUMP", dump, 1);
        run(NULL, true);
        unsetenv("NP_FAKEVA_DUMP");
        cmd = g_strdup_printf("ffmpeg -nostdin -v error -y -i '%s' -frames:v 1 -f rawvideo "
                              "-pix_fmt nv12 '%s'",
                              dump, yuv);
        sh(cmd);
        cr_assert(g_file_get_contents(yuv, &pic, &len, NULL));
        cr_assert_eq(len, 320 * 240 * 3 / 2);
        for (int j = 0; j < 240; j++)
                for (int i = 0; i < 320; i++)
                        bad += (uint8_t)pic[j * 320 + i] != (uint8_t)(16 + (i + j) * 219 / 558);
        cr_expect_eq(bad, 0, "I_PCM is lossless: %u luma samples differ", bad);
}

/* The decode back's header parser on streams a real encoder made: dimensions, entropy coding,
 * and for CABAC the slice data offset (what follows it up to the byte boundary must be
 * cabac_alignment_one_bits, so a header read one bit short or long shows). */
Test(exercise, the_header_parser_reads_x264_streams)
{
        static const struct {
                const char *profile;
                unsigned cabac, t8x8;
        } cases[] = {{"baseline", 0, 0}, {"main", 1, 0}, {"high", 1, 1}};

        if (!have_ffmpeg())
                cr_skip_test("ffmpeg is not installed (scripts/install-deps.sh --test)");
        tmpdir = g_dir_make_tmp("np-exercise-XXXXXX", NULL);
        for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
                g_autofree char *out = g_strdup_printf("%s/%s.h264", tmpdir, cases[k].profile);
                g_autofree char *cmd = g_strdup_printf(
                    "ffmpeg -nostdin -v error -y -f lavfi -i testsrc=size=320x240:rate=30 "
                    "-frames:v 3 -c:v libx264 -profile:v %s -pix_fmt yuv420p -f h264 '%s'",
                    cases[k].profile, out);
                g_autofree char *data = NULL;
                gsize len = 0;
                struct vpi_h264_hdr h;
                size_t start = 0, slen = 0;
                unsigned ref = 0;
                const char *why;

                sh(cmd);
                cr_assert(g_file_get_contents(out, &data, &len, NULL));
                why = vpi_h264_first_slice((const uint8_t *)data, len, &h, &start, &slen, &ref);
                cr_expect_null(why, "%s: %s", cases[k].profile, why);
                cr_expect_eq(h.width_mbs, 20, "%s", cases[k].profile);
                cr_expect_eq(h.height_mbs, 15, "%s", cases[k].profile);
                cr_expect_eq(h.cabac, cases[k].cabac, "%s", cases[k].profile);
                cr_expect_eq(h.transform_8x8, cases[k].t8x8, "%s", cases[k].profile);
                cr_expect_eq(h.slice_type % 5, 2, "the first slice is intra");
                cr_expect_neq(ref, 0);
                if (cases[k].cabac) {
                        const uint8_t *n = (const uint8_t *)data + start;
                        for (size_t b = h.data_bit_offset; b % 8; b++)
                                cr_expect(n[b / 8] >> (7 - b % 8) & 1,
                                          "%s: bit %zu after the header is not an alignment one",
                                          cases[k].profile, b);
                }
        }
}
