/* SPDX-License-Identifier: MIT */
/*
 * --exercise: a real job on each engine the driver lists, in the VA child.
 *   vpp     NV12 320x240 with a known pattern -> BGRA 160x120 (scale and colour conversion),
 *           read back and compared with the conversion done here (BT.601, limited range)
 *   encode  three intra frames of the pattern with every H.264 encode entrypoint listed and
 *           HEVC Main / Main10 (P010) where listed, CQP; the coded buffer must hold a
 *           plausible stream: start codes, SPS/PPS (VPS) and IDR NAL units, a sane size
 *   decode  the first H.264 stream decoded back with VAEntrypointVLD, the picture and slice
 *           parameters from the stream's own SPS, PPS and slice header; luma PSNR against the
 *           source above 30 dB
 * Parameter buffers follow libva-utils' h264encode and hevcencode
 * (https://github.com/intel/libva-utils/tree/master/encode) and libva's va_enc_*.h; the
 * drivers build the headers themselves (no packed headers are sent).
 * Each step is written into vp_va.exercise as it runs (running = its index), so a parent that
 * killed the child at the step's deadline still knows where it hung.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <va/va.h>
#include <va/va_enc_h264.h>
#include <va/va_enc_hevc.h>
#include <va/va_vpp.h>

#include "internal.h"
#include "vaprobe/common/strings.h"

#define W 320
#define H 240
#define FRAMES 3
#define PSNR_MIN 30.0
#define VPP_MAX_ERROR 12.0 /* mean absolute error per channel, 0..255 */
#define STREAM_CAP (W * H * 3 / 2 * FRAMES * 2)

struct ex {
        VADisplay dpy;
        const struct vp_va *va;
        struct vp_exercise *x;
        const struct vp_va_hooks *hooks;
        uint8_t y[W * H], uv[W * H / 2]; /* the pattern, NV12 */
        uint8_t *h264;                   /* the first H.264 stream encoded, for decode */
        size_t h264_len;
        int32_t h264_profile;
};

static double now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Smooth gradients (so that scaling filters agree) in 16..240: no zero bytes. */
static void make_pattern(struct ex *e)
{
        for (int j = 0; j < H; j++)
                for (int i = 0; i < W; i++)
                        e->y[j * W + i] = (uint8_t)(16 + (i + j) * 219 / (W + H - 2));
        for (int j = 0; j < H / 2; j++)
                for (int i = 0; i < W / 2; i++) {
                        e->uv[j * W + 2 * i] = (uint8_t)(64 + i * 128 / (W / 2));
                        e->uv[j * W + 2 * i + 1] = (uint8_t)(64 + j * 128 / (H / 2));
                }
}

static bool listed(const struct vp_va *va, int32_t profile, int32_t ep)
{
        for (uint32_t i = 0; i < va->n_configs; i++)
                if (va->configs[i].profile == profile && va->configs[i].entrypoint == ep)
                        return true;
        return false;
}

static struct vp_ex_step *step_begin(struct ex *e, const char *kind, const char *codec,
                                     int32_t profile, int32_t ep)
{
        struct vp_ex_step *s;

        if (e->x->n_steps >= VP_MAX_EX_STEPS)
                return NULL;
        s = &e->x->steps[e->x->n_steps];
        memset(s, 0, sizeof(*s));
        vpi_strlcpy(s->kind, kind, sizeof(s->kind));
        vpi_strlcpy(s->codec, codec, sizeof(s->codec));
        s->profile = profile;
        s->entrypoint = ep;
        e->x->running = (int32_t)e->x->n_steps;
        e->x->n_steps++;
        if (e->hooks && e->hooks->step)
                e->hooks->step(e->hooks->userdata, e->x->running);
        return s;
}

static void step_end(struct ex *e, struct vp_ex_step *s, double t0)
{
        double ms = now_ms() - t0;

        s->ms = (uint32_t)(ms + 0.5);
        if (s->frames && ms > 0)
                s->fps_x10 = (uint32_t)(s->frames * 10000.0 / ms + 0.5);
        if (s->outcome == VP_EX_NOT_RUN)
                s->outcome = VP_EX_OK;
        e->x->running = -1;
        if (e->hooks && e->hooks->step)
                e->hooks->step(e->hooks->userdata, -1);
}

/* Record the call in progress, so that a hang names it. */
static void at(struct vp_ex_step *s, const char *call)
{
        vpi_strlcpy(s->call, call, sizeof(s->call));
}

static bool refused(struct vp_ex_step *s, VAStatus st)
{
        if (st == VA_STATUS_SUCCESS)
                return false;
        s->outcome = VP_EX_REFUSED;
        s->va_status = st;
        snprintf(s->detail, sizeof(s->detail), "%s: %s", s->call, vaErrorStr(st));
        return true;
}

#define TRY(s, call, expr)                                                                         \
        do {                                                                                       \
                at(s, call);                                                                       \
                if (refused(s, (expr)))                                                            \
                        goto out;                                                                  \
        } while (0)

/* ---- surfaces and images ---- */

static VAStatus find_format(VADisplay d, unsigned fourcc, VAImageFormat *ret)
{
        int n = vaMaxNumImageFormats(d), got = 0;
        VAImageFormat *f = n > 0 ? calloc((size_t)n, sizeof(*f)) : NULL;
        VAStatus st = VA_STATUS_ERROR_INVALID_IMAGE_FORMAT;

        if (!f)
                return VA_STATUS_ERROR_ALLOCATION_FAILED;
        if (vaQueryImageFormats(d, f, &got) == VA_STATUS_SUCCESS)
                for (int i = 0; i < got; i++)
                        if (f[i].fourcc == fourcc) {
                                *ret = f[i];
                                st = VA_STATUS_SUCCESS;
                                break;
                        }
        free(f);
        return st;
}

/* An image of the surface to read or write: derived when the driver can, else a copy
 * (*copied: vaPutImage after writing). */
static VAStatus image_of(VADisplay d, VASurfaceID s, unsigned fourcc, int w, int h, bool read,
                         VAImage *img, bool *copied)
{
        VAImageFormat fmt;
        VAStatus st = vaDeriveImage(d, s, img);

        *copied = false;
        if (st == VA_STATUS_SUCCESS && img->format.fourcc == fourcc)
                return st;
        if (st == VA_STATUS_SUCCESS)
                vaDestroyImage(d, img->image_id);
        st = find_format(d, fourcc, &fmt);
        if (st == VA_STATUS_SUCCESS)
                st = vaCreateImage(d, &fmt, w, h, img);
        if (st == VA_STATUS_SUCCESS && read) {
                st = vaGetImage(d, s, 0, 0, (unsigned)w, (unsigned)h, img->image_id);
                if (st != VA_STATUS_SUCCESS)
                        vaDestroyImage(d, img->image_id);
        }
        *copied = st == VA_STATUS_SUCCESS;
        return st;
}

/* The pattern into an NV12 (or, p010, P010) surface. */
static VAStatus upload(struct ex *e, struct vp_ex_step *s, VASurfaceID surf, bool p010)
{
        unsigned fourcc = p010 ? VA_FOURCC_P010 : VA_FOURCC_NV12;
        VAImage img;
        bool copied;
        uint8_t *p = NULL;
        VAStatus st;

        at(s, "vaDeriveImage");
        st = image_of(e->dpy, surf, fourcc, W, H, false, &img, &copied);
        if (st != VA_STATUS_SUCCESS)
                return st;
        at(s, "vaMapBuffer");
        st = vaMapBuffer(e->dpy, img.buf, (void **)&p);
        if (st == VA_STATUS_SUCCESS) {
                for (int j = 0; j < H; j++)
                        for (int i = 0; i < W; i++) {
                                uint8_t v = e->y[j * W + i];
                                if (p010)
                                        ((uint16_t *)(p + img.offsets[0] +
                                                      (size_t)j * img.pitches[0]))[i] =
                                            (uint16_t)(v << 8);
                                else
                                        p[img.offsets[0] + (size_t)j * img.pitches[0] + i] = v;
                        }
                for (int j = 0; j < H / 2; j++)
                        for (int i = 0; i < W; i++) {
                                uint8_t v = e->uv[j * W + i];
                                if (p010)
                                        ((uint16_t *)(p + img.offsets[1] +
                                                      (size_t)j * img.pitches[1]))[i] =
                                            (uint16_t)(v << 8);
                                else
                                        p[img.offsets[1] + (size_t)j * img.pitches[1] + i] = v;
                        }
                vaUnmapBuffer(e->dpy, img.buf);
        }
        if (st == VA_STATUS_SUCCESS && copied) {
                at(s, "vaPutImage");
                st = vaPutImage(e->dpy, surf, img.image_id, 0, 0, W, H, 0, 0, W, H);
        }
        vaDestroyImage(e->dpy, img.image_id);
        return st;
}

/* ---- video processing ---- */

static uint8_t clamp8(double v)
{
        return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)(v + 0.5);
}

static void expected_bgra(const struct ex *e, int i, int j, uint8_t out[3])
{
        double y = 0, u = e->uv[j * W + 2 * i] - 128.0, v = e->uv[j * W + 2 * i + 1] - 128.0;

        for (int dy = 0; dy < 2; dy++)
                for (int dx = 0; dx < 2; dx++)
                        y += e->y[(2 * j + dy) * W + 2 * i + dx];
        y = (y / 4 - 16) * 1.164;
        out[0] = clamp8(y + 2.017 * u);
        out[1] = clamp8(y - 0.392 * u - 0.813 * v);
        out[2] = clamp8(y + 1.596 * v);
}

static void run_vpp(struct ex *e)
{
        VAConfigID cfg = VA_INVALID_ID;
        VAContextID ctx = VA_INVALID_ID;
        VASurfaceID src = VA_INVALID_SURFACE, dst = VA_INVALID_SURFACE;
        VABufferID buf = VA_INVALID_ID;
        VASurfaceAttrib attr = {
            .type = VASurfaceAttribPixelFormat,
            .flags = VA_SURFACE_ATTRIB_SETTABLE,
            .value = {.type = VAGenericValueTypeInteger, .value.i = VA_FOURCC_BGRA}};
        VARectangle in = {0, 0, W, H}, outr = {0, 0, W / 2, H / 2};
        VAProcPipelineParameterBuffer pp = {0};
        struct vp_ex_step *s;
        VAImage img;
        bool copied = false, mapped_img = false;
        uint8_t *p = NULL;
        double t0 = now_ms(), err = 0;
        unsigned first = 0;
        bool uniform = true;

        if (!listed(e->va, VAProfileNone, VAEntrypointVideoProc))
                return;
        s = step_begin(e, "vpp", "nv12-bgra", VAProfileNone, VAEntrypointVideoProc);
        if (!s)
                return;
        TRY(s, "vaCreateConfig",
            vaCreateConfig(e->dpy, VAProfileNone, VAEntrypointVideoProc, NULL, 0, &cfg));
        TRY(s, "vaCreateSurfaces",
            vaCreateSurfaces(e->dpy, VA_RT_FORMAT_YUV420, W, H, &src, 1, NULL, 0));
        TRY(s, "vaCreateSurfaces",
            vaCreateSurfaces(e->dpy, VA_RT_FORMAT_RGB32, W / 2, H / 2, &dst, 1, &attr, 1));
        TRY(s, "vaCreateContext",
            vaCreateContext(e->dpy, cfg, W / 2, H / 2, VA_PROGRESSIVE, &dst, 1, &ctx));
        TRY(s, "vaPutImage", upload(e, s, src, false));
        pp.surface = src;
        pp.surface_region = &in;
        pp.output_region = &outr;
        pp.output_background_color = 0xff000000;
        pp.surface_color_standard = VAProcColorStandardBT601;
        pp.output_color_standard = VAProcColorStandardBT601;
        pp.input_color_properties.color_range = VA_SOURCE_RANGE_REDUCED;
        pp.output_color_properties.color_range = VA_SOURCE_RANGE_FULL;
        TRY(s, "vaCreateBuffer",
            vaCreateBuffer(e->dpy, ctx, VAProcPipelineParameterBufferType, sizeof(pp), 1, &pp,
                           &buf));
        TRY(s, "vaBeginPicture", vaBeginPicture(e->dpy, ctx, dst));
        TRY(s, "vaRenderPicture", vaRenderPicture(e->dpy, ctx, &buf, 1));
        TRY(s, "vaEndPicture", vaEndPicture(e->dpy, ctx));
        TRY(s, "vaSyncSurface", vaSyncSurface(e->dpy, dst));
        s->frames = 1;
        TRY(s, "vaDeriveImage",
            image_of(e->dpy, dst, VA_FOURCC_BGRA, W / 2, H / 2, true, &img, &copied));
        mapped_img = true;
        TRY(s, "vaMapBuffer", vaMapBuffer(e->dpy, img.buf, (void **)&p));
        for (int j = 0; j < H / 2; j++)
                for (int i = 0; i < W / 2; i++) {
                        const uint8_t *px = p + img.offsets[0] + (size_t)j * img.pitches[0] + 4 * i;
                        uint8_t want[3];
                        unsigned v = (unsigned)px[0] | (unsigned)px[1] << 8 | (unsigned)px[2] << 16;

                        expected_bgra(e, i, j, want);
                        for (int c = 0; c < 3; c++)
                                err += px[c] > want[c] ? px[c] - want[c] : want[c] - px[c];
                        if (i == 0 && j == 0)
                                first = v;
                        else if (v != first)
                                uniform = false;
                }
        vaUnmapBuffer(e->dpy, img.buf);
        err /= (W / 2) * (H / 2) * 3;
        s->quality_x100 = (int32_t)(err * 100 + 0.5);
        at(s, "");
        if (uniform) {
                s->outcome = VP_EX_GARBAGE;
                snprintf(s->detail, sizeof(s->detail),
                         "the output is one colour (0x%06x): the video engine wrote nothing",
                         first);
        } else if (err > VPP_MAX_ERROR) {
                s->outcome = VP_EX_GARBAGE;
                snprintf(s->detail, sizeof(s->detail),
                         "the output differs from the expected picture by %.1f per channel on "
                         "average (at most %.0f)",
                         err, VPP_MAX_ERROR);
        } else {
                snprintf(s->detail, sizeof(s->detail),
                         "320x240 NV12 to 160x120 BGRA, %.1f mean error per channel", err);
        }
out:
        if (mapped_img)
                vaDestroyImage(e->dpy, img.image_id);
        if (buf != VA_INVALID_ID)
                vaDestroyBuffer(e->dpy, buf);
        if (ctx != VA_INVALID_ID)
                vaDestroyContext(e->dpy, ctx);
        if (dst != VA_INVALID_SURFACE)
                vaDestroySurfaces(e->dpy, &dst, 1);
        if (src != VA_INVALID_SURFACE)
                vaDestroySurfaces(e->dpy, &src, 1);
        if (cfg != VA_INVALID_ID)
                vaDestroyConfig(e->dpy, cfg);
        step_end(e, s, t0);
}

/* ---- encode ---- */

/* NAL unit types found in an Annex B stream: a bit per type (H.264 5 bits, HEVC 6 bits). */
static uint64_t nal_types(const uint8_t *p, size_t n, bool hevc, unsigned *count)
{
        uint64_t seen = 0;

        *count = 0;
        for (size_t i = 0; i + 3 < n; i++) {
                if (p[i] == 0 && p[i + 1] == 0 && p[i + 2] == 1) {
                        unsigned t = hevc ? (p[i + 3] >> 1) & 0x3f : p[i + 3] & 0x1f;
                        seen |= 1ull << t;
                        (*count)++;
                        i += 2;
                }
        }
        return seen;
}

static void check_stream(struct vp_ex_step *s, const uint8_t *p, size_t n, bool hevc)
{
        unsigned count;
        uint64_t seen = nal_types(p, n, hevc, &count);
        bool params = hevc ? (seen >> 32 & 7) == 7 : (seen >> 7 & 3) == 3;
        bool idr = hevc ? (seen >> 16 & 0x3f) != 0 : (seen >> 5 & 1) != 0;

        s->bytes = (uint32_t)n;
        if (!count) {
                s->outcome = VP_EX_GARBAGE;
                snprintf(s->detail, sizeof(s->detail),
                         "the coded buffer holds no %s stream: %zu bytes without a start code",
                         hevc ? "HEVC" : "H.264", n);
        } else if (!params || !idr) {
                s->outcome = VP_EX_GARBAGE;
                snprintf(s->detail, sizeof(s->detail),
                         "%u NAL units, but no %s%s: NAL types seen 0x%llx", count,
                         params ? ""
                         : hevc ? "VPS/SPS/PPS"
                                : "SPS/PPS",
                         params || idr ? (idr ? "" : "IDR") : " and no IDR",
                         (unsigned long long)seen);
        } else if (n < 64 * FRAMES || n > STREAM_CAP) {
                s->outcome = VP_EX_GARBAGE;
                snprintf(s->detail, sizeof(s->detail),
                         "%zu bytes for %d frames of 320x240 is outside any sane size", n, FRAMES);
        } else {
                snprintf(s->detail, sizeof(s->detail),
                         "%d frames of 320x240, %zu bytes, %u NAL units (parameter sets and IDR)",
                         FRAMES, n, count);
        }
}

/* Append the coded buffer's segments to out (at most cap). */
static VAStatus read_coded(VADisplay d, VABufferID coded, uint8_t *out, size_t *len, size_t cap)
{
        VACodedBufferSegment *seg = NULL;
        VAStatus st = vaMapBuffer(d, coded, (void **)&seg);

        if (st != VA_STATUS_SUCCESS)
                return st;
        for (; seg; seg = seg->next) {
                size_t take = seg->size;
                if (!seg->buf)
                        break;
                if (take > cap - *len)
                        take = cap - *len;
                memcpy(out + *len, seg->buf, take);
                *len += take;
        }
        return vaUnmapBuffer(d, coded);
}

/* Intra-only jobs: every reference list entry says "none". */
static void no_refs_h264(VAPictureH264 *p, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                p[i].picture_id = VA_INVALID_SURFACE;
                p[i].flags = VA_PICTURE_H264_INVALID;
        }
}

static void no_refs_hevc(VAPictureHEVC *p, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                p[i].picture_id = VA_INVALID_SURFACE;
                p[i].flags = VA_PICTURE_HEVC_INVALID;
        }
}

#define NO_REFS(kind, arr) no_refs_##kind(arr, sizeof(arr) / sizeof((arr)[0]))

static void h264_params(VAProfile prof, VASurfaceID rec, VABufferID coded, int frame,
                        VAEncSequenceParameterBufferH264 *seq, VAEncPictureParameterBufferH264 *pic,
                        VAEncSliceParameterBufferH264 *sl)
{
        memset(seq, 0, sizeof(*seq));
        seq->level_idc = 30;
        seq->intra_period = 1;
        seq->intra_idr_period = 1;
        seq->ip_period = 1;
        seq->max_num_ref_frames = 1;
        seq->picture_width_in_mbs = W / 16;
        seq->picture_height_in_mbs = H / 16;
        seq->seq_fields.bits.chroma_format_idc = 1;
        seq->seq_fields.bits.frame_mbs_only_flag = 1;
        seq->seq_fields.bits.direct_8x8_inference_flag = 1;
        seq->seq_fields.bits.log2_max_pic_order_cnt_lsb_minus4 = 2;
        seq->time_scale = 60;
        seq->num_units_in_tick = 1;

        memset(pic, 0, sizeof(*pic));
        pic->CurrPic.picture_id = rec;
        NO_REFS(h264, pic->ReferenceFrames);
        pic->coded_buf = coded;
        pic->last_picture = frame == FRAMES - 1;
        pic->pic_init_qp = 26;
        pic->pic_fields.bits.idr_pic_flag = 1;
        pic->pic_fields.bits.reference_pic_flag = 1;
        pic->pic_fields.bits.entropy_coding_mode_flag = prof != VAProfileH264ConstrainedBaseline;
        pic->pic_fields.bits.transform_8x8_mode_flag = prof == VAProfileH264High;
        pic->pic_fields.bits.deblocking_filter_control_present_flag = 1;

        memset(sl, 0, sizeof(*sl));
        sl->num_macroblocks = (W / 16) * (H / 16);
        sl->slice_type = 2; /* I */
        sl->idr_pic_id = (uint16_t)frame;
        sl->direct_spatial_mv_pred_flag = 1;
        NO_REFS(h264, sl->RefPicList0);
        NO_REFS(h264, sl->RefPicList1);
}

static void hevc_params(VAProfile prof, VAEntrypoint ep, VASurfaceID rec, VABufferID coded,
                        int frame, VAEncSequenceParameterBufferHEVC *seq,
                        VAEncPictureParameterBufferHEVC *pic, VAEncSliceParameterBufferHEVC *sl)
{
        bool ten = prof == VAProfileHEVCMain10;
        /* The low-power encoder works in 64x64 CTUs, the other in 32x32. */
        int ctu_log2 = ep == VAEntrypointEncSliceLP ? 6 : 5, ctu = 1 << ctu_log2;

        memset(seq, 0, sizeof(*seq));
        seq->general_profile_idc = ten ? 2 : 1;
        seq->general_level_idc = 93; /* 3.1 */
        seq->intra_period = 1;
        seq->intra_idr_period = 1;
        seq->ip_period = 1;
        seq->pic_width_in_luma_samples = W;
        seq->pic_height_in_luma_samples = H;
        seq->seq_fields.bits.chroma_format_idc = 1;
        seq->seq_fields.bits.bit_depth_luma_minus8 = ten ? 2 : 0;
        seq->seq_fields.bits.bit_depth_chroma_minus8 = ten ? 2 : 0;
        seq->seq_fields.bits.amp_enabled_flag = 1;
        seq->log2_min_luma_coding_block_size_minus3 = 0;
        seq->log2_diff_max_min_luma_coding_block_size = (uint8_t)(ctu_log2 - 3);
        seq->log2_min_transform_block_size_minus2 = 0;
        seq->log2_diff_max_min_transform_block_size = 3;
        seq->max_transform_hierarchy_depth_inter = 2;
        seq->max_transform_hierarchy_depth_intra = 2;

        memset(pic, 0, sizeof(*pic));
        pic->decoded_curr_pic.picture_id = rec;
        NO_REFS(hevc, pic->reference_frames);
        pic->coded_buf = coded;
        pic->collocated_ref_pic_index = 0xff;
        pic->last_picture = frame == FRAMES - 1;
        pic->pic_init_qp = 30;
        pic->nal_unit_type = 19; /* IDR_W_RADL */
        pic->pic_fields.bits.idr_pic_flag = 1;
        pic->pic_fields.bits.coding_type = 1; /* I */
        pic->pic_fields.bits.reference_pic_flag = 1;
        pic->pic_fields.bits.cu_qp_delta_enabled_flag = ep == VAEntrypointEncSliceLP;
        pic->pic_fields.bits.pps_loop_filter_across_slices_enabled_flag = 1;

        memset(sl, 0, sizeof(*sl));
        sl->num_ctu_in_slice = (uint32_t)(((W + ctu - 1) / ctu) * ((H + ctu - 1) / ctu));
        sl->slice_type = 2; /* I */
        sl->max_num_merge_cand = 5;
        sl->slice_fields.bits.last_slice_of_pic_flag = 1;
        sl->slice_fields.bits.slice_loop_filter_across_slices_enabled_flag = 1;
        NO_REFS(hevc, sl->ref_pic_list0);
        NO_REFS(hevc, sl->ref_pic_list1);
}

static void run_encode(struct ex *e, VAProfile prof, VAEntrypoint ep, const char *codec)
{
        bool hevc = prof == VAProfileHEVCMain || prof == VAProfileHEVCMain10;
        bool ten = prof == VAProfileHEVCMain10;
        unsigned rt = ten ? VA_RT_FORMAT_YUV420_10 : VA_RT_FORMAT_YUV420;
        VAConfigAttrib attrs[2] = {{VAConfigAttribRTFormat, rt},
                                   {VAConfigAttribRateControl, VA_RC_CQP}};
        VAConfigID cfg = VA_INVALID_ID;
        VAContextID ctx = VA_INVALID_ID;
        VASurfaceID surf[2] = {VA_INVALID_SURFACE, VA_INVALID_SURFACE};
        VABufferID coded = VA_INVALID_ID, bufs[3] = {VA_INVALID_ID, VA_INVALID_ID, VA_INVALID_ID};
        uint8_t *stream = malloc(STREAM_CAP);
        size_t len = 0;
        struct vp_ex_step *s;
        double t0 = now_ms();

        s = step_begin(e, "encode", codec, prof, ep);
        if (!s) {
                free(stream);
                return;
        }
        at(s, "malloc");
        if (refused(s, stream ? VA_STATUS_SUCCESS : VA_STATUS_ERROR_ALLOCATION_FAILED))
                goto out;
        TRY(s, "vaCreateConfig", vaCreateConfig(e->dpy, prof, ep, attrs, 2, &cfg));
        TRY(s, "vaCreateSurfaces", vaCreateSurfaces(e->dpy, rt, W, H, surf, 2, NULL, 0));
        TRY(s, "vaCreateContext",
            vaCreateContext(e->dpy, cfg, W, H, VA_PROGRESSIVE, surf, 2, &ctx));
        TRY(s, "vaCreateBuffer",
            vaCreateBuffer(e->dpy, ctx, VAEncCodedBufferType, W * H * 3, 1, NULL, &coded));
        TRY(s, "vaPutImage", upload(e, s, surf[0], ten));
        for (int f = 0; f < FRAMES; f++) {
                if (hevc) {
                        VAEncSequenceParameterBufferHEVC seq;
                        VAEncPictureParameterBufferHEVC pic;
                        VAEncSliceParameterBufferHEVC sl;
                        hevc_params(prof, ep, surf[1], coded, f, &seq, &pic, &sl);
                        TRY(s, "vaCreateBuffer",
                            vaCreateBuffer(e->dpy, ctx, VAEncSequenceParameterBufferType,
                                           sizeof(seq), 1, &seq, &bufs[0]));
                        TRY(s, "vaCreateBuffer",
                            vaCreateBuffer(e->dpy, ctx, VAEncPictureParameterBufferType,
                                           sizeof(pic), 1, &pic, &bufs[1]));
                        TRY(s, "vaCreateBuffer",
                            vaCreateBuffer(e->dpy, ctx, VAEncSliceParameterBufferType, sizeof(sl),
                                           1, &sl, &bufs[2]));
                } else {
                        VAEncSequenceParameterBufferH264 seq;
                        VAEncPictureParameterBufferH264 pic;
                        VAEncSliceParameterBufferH264 sl;
                        h264_params(prof, surf[1], coded, f, &seq, &pic, &sl);
                        TRY(s, "vaCreateBuffer",
                            vaCreateBuffer(e->dpy, ctx, VAEncSequenceParameterBufferType,
                                           sizeof(seq), 1, &seq, &bufs[0]));
                        TRY(s, "vaCreateBuffer",
                            vaCreateBuffer(e->dpy, ctx, VAEncPictureParameterBufferType,
                                           sizeof(pic), 1, &pic, &bufs[1]));
                        TRY(s, "vaCreateBuffer",
                            vaCreateBuffer(e->dpy, ctx, VAEncSliceParameterBufferType, sizeof(sl),
                                           1, &sl, &bufs[2]));
                }
                TRY(s, "vaBeginPicture", vaBeginPicture(e->dpy, ctx, surf[0]));
                TRY(s, "vaRenderPicture", vaRenderPicture(e->dpy, ctx, bufs, 3));
                TRY(s, "vaEndPicture", vaEndPicture(e->dpy, ctx));
                TRY(s, "vaSyncSurface", vaSyncSurface(e->dpy, surf[0]));
                TRY(s, "vaMapBuffer", read_coded(e->dpy, coded, stream, &len, STREAM_CAP));
                for (int i = 0; i < 3; i++) {
                        vaDestroyBuffer(e->dpy, bufs[i]);
                        bufs[i] = VA_INVALID_ID;
                }
                s->frames++;
        }
        at(s, "");
        check_stream(s, stream, len, hevc);
        if (s->outcome == VP_EX_NOT_RUN && !hevc && !e->h264) {
                e->h264 = stream;
                e->h264_len = len;
                e->h264_profile = prof;
                stream = NULL;
        }
out:
        for (int i = 0; i < 3; i++)
                if (bufs[i] != VA_INVALID_ID)
                        vaDestroyBuffer(e->dpy, bufs[i]);
        if (coded != VA_INVALID_ID)
                vaDestroyBuffer(e->dpy, coded);
        if (ctx != VA_INVALID_ID)
                vaDestroyContext(e->dpy, ctx);
        if (surf[0] != VA_INVALID_SURFACE)
                vaDestroySurfaces(e->dpy, surf, 2);
        if (cfg != VA_INVALID_ID)
                vaDestroyConfig(e->dpy, cfg);
        free(stream);
        step_end(e, s, t0);
}

/* ---- decode back (H.264) ---- */

/* The H.264 headers of the coded stream are parsed by h264.c (vpi_h264_first_slice). */

/* log10 for x > 0, without libm: linking it costs every nodeprobe start a library (4 % of
 * --report's instructions, in the loader) for one PSNR. Decades, then ln of the mantissa by
 * the atanh series, which converges on [1, 10) to far better than the 0.01 dB reported. */
static double log10_of(double x)
{
        double y, y2, term, sum = 0;
        int decades = 0;

        while (x >= 10) {
                x /= 10;
                decades++;
        }
        while (x < 1) {
                x *= 10;
                decades--;
        }
        y = (x - 1) / (x + 1);
        y2 = y * y;
        term = y;
        for (int k = 1; k < 200; k += 2) {
                sum += term / k;
                term *= y2;
        }
        return decades + 2 * sum / 2.302585092994046;
}

static double psnr_y(const uint8_t *a, const uint8_t *img, const VAImage *vi)
{
        double se_sum = 0;

        for (int j = 0; j < H; j++)
                for (int i = 0; i < W; i++) {
                        double d = (double)a[j * W + i] -
                                   img[vi->offsets[0] + (size_t)j * vi->pitches[0] + i];
                        se_sum += d * d;
                }
        se_sum /= W * H;
        return se_sum < 1e-9 ? 99.0 : 10 * log10_of(255.0 * 255.0 / se_sum);
}

static void fill_pic(const struct vpi_h264_hdr *h, VASurfaceID out, unsigned ref_idc,
                     VAPictureParameterBufferH264 *pp)
{
        memset(pp, 0, sizeof(*pp));
        pp->CurrPic.picture_id = out;
        pp->CurrPic.frame_idx = h->frame_num;
        pp->CurrPic.TopFieldOrderCnt = (int32_t)h->poc_lsb;
        pp->CurrPic.BottomFieldOrderCnt = (int32_t)h->poc_lsb;
        NO_REFS(h264, pp->ReferenceFrames);
        pp->picture_width_in_mbs_minus1 = (uint16_t)(h->width_mbs - 1);
        pp->picture_height_in_mbs_minus1 = (uint16_t)(h->height_mbs - 1);
        pp->bit_depth_luma_minus8 = (uint8_t)h->bit_depth_luma_minus8;
        pp->bit_depth_chroma_minus8 = (uint8_t)h->bit_depth_chroma_minus8;
        pp->num_ref_frames = (uint8_t)h->num_ref_frames;
        pp->seq_fields.bits.chroma_format_idc = h->chroma_format_idc;
        pp->seq_fields.bits.gaps_in_frame_num_value_allowed_flag = h->gaps;
        pp->seq_fields.bits.frame_mbs_only_flag = h->frame_mbs_only;
        pp->seq_fields.bits.mb_adaptive_frame_field_flag = h->mbaff;
        pp->seq_fields.bits.direct_8x8_inference_flag = h->direct_8x8;
        pp->seq_fields.bits.MinLumaBiPredSize8x8 = h->level_idc >= 31;
        pp->seq_fields.bits.log2_max_frame_num_minus4 = h->log2_max_frame_num_minus4;
        pp->seq_fields.bits.pic_order_cnt_type = h->poc_type;
        pp->seq_fields.bits.log2_max_pic_order_cnt_lsb_minus4 = h->log2_max_poc_lsb_minus4;
        pp->seq_fields.bits.delta_pic_order_always_zero_flag = h->delta_pic_order_always_zero;
        pp->pic_init_qp_minus26 = (int8_t)h->pic_init_qp_minus26;
        pp->pic_init_qs_minus26 = (int8_t)h->pic_init_qs_minus26;
        pp->chroma_qp_index_offset = (int8_t)h->chroma_qp_offset;
        pp->second_chroma_qp_index_offset = (int8_t)h->second_chroma_qp_offset;
        pp->pic_fields.bits.entropy_coding_mode_flag = h->cabac;
        pp->pic_fields.bits.weighted_pred_flag = h->weighted_pred;
        pp->pic_fields.bits.weighted_bipred_idc = h->weighted_bipred;
        pp->pic_fields.bits.transform_8x8_mode_flag = h->transform_8x8;
        pp->pic_fields.bits.constrained_intra_pred_flag = h->constrained_intra;
        pp->pic_fields.bits.pic_order_present_flag = h->bottom_field_pic_order;
        pp->pic_fields.bits.deblocking_filter_control_present_flag = h->deblocking_control;
        pp->pic_fields.bits.redundant_pic_cnt_present_flag = h->redundant_cnt;
        pp->pic_fields.bits.reference_pic_flag = ref_idc != 0;
        pp->frame_num = (uint16_t)h->frame_num;
}

static void run_decode(struct ex *e)
{
        VAConfigID cfg = VA_INVALID_ID;
        VAContextID ctx = VA_INVALID_ID;
        VASurfaceID out = VA_INVALID_SURFACE;
        VABufferID bufs[4] = {VA_INVALID_ID, VA_INVALID_ID, VA_INVALID_ID, VA_INVALID_ID};
        VAPictureParameterBufferH264 pp;
        VAIQMatrixBufferH264 iq;
        VASliceParameterBufferH264 sp;
        struct vpi_h264_hdr h = {0};
        size_t slice_start = 0, slice_len = 0;
        unsigned slice_ref = 0;
        const char *why = NULL;
        bool mapped_img = false, copied = false;
        struct vp_ex_step *s;
        VAImage img;
        uint8_t *p = NULL;
        double t0 = now_ms(), psnr;

        if (!e->h264 || !listed(e->va, e->h264_profile, VAEntrypointVLD))
                return;
        s = step_begin(e, "decode", "h264", e->h264_profile, VAEntrypointVLD);
        if (!s)
                return;
        why = vpi_h264_first_slice(e->h264, e->h264_len, &h, &slice_start, &slice_len, &slice_ref);
        at(s, "");
        if (why && strcmp(why, "no SPS, PPS and slice") == 0)
                why = NULL;
        if (why || !slice_len || h.width_mbs * 16 != W || h.height_mbs * 16 != H) {
                s->outcome = why ? VP_EX_SKIPPED : VP_EX_GARBAGE;
                snprintf(s->detail, sizeof(s->detail), "%s%s",
                         why ? "the stream uses what this check does not decode: " : "",
                         why          ? why
                         : !slice_len ? "the stream has no SPS, PPS and slice to decode"
                                      : "the stream's SPS is not 320x240");
                goto out;
        }
        TRY(s, "vaCreateConfig",
            vaCreateConfig(e->dpy, e->h264_profile, VAEntrypointVLD, NULL, 0, &cfg));
        TRY(s, "vaCreateSurfaces",
            vaCreateSurfaces(e->dpy, VA_RT_FORMAT_YUV420, W, H, &out, 1, NULL, 0));
        TRY(s, "vaCreateContext",
            vaCreateContext(e->dpy, cfg, W, H, VA_PROGRESSIVE, &out, 1, &ctx));
        fill_pic(&h, out, slice_ref, &pp);
        memset(&iq, 16, sizeof(iq)); /* flat: no scaling matrices (checked above) */
        memset(&sp, 0, sizeof(sp));
        sp.slice_data_size = (uint32_t)slice_len;
        sp.slice_data_flag = VA_SLICE_DATA_FLAG_ALL;
        sp.slice_data_bit_offset = (uint16_t)h.data_bit_offset;
        sp.first_mb_in_slice = (uint16_t)h.first_mb;
        sp.slice_type = (uint8_t)(h.slice_type % 5);
        sp.slice_qp_delta = (int8_t)h.slice_qp_delta;
        sp.disable_deblocking_filter_idc = (uint8_t)h.disable_deblocking;
        sp.slice_alpha_c0_offset_div2 = (int8_t)h.alpha_div2;
        sp.slice_beta_offset_div2 = (int8_t)h.beta_div2;
        NO_REFS(h264, sp.RefPicList0);
        NO_REFS(h264, sp.RefPicList1);
        TRY(s, "vaCreateBuffer",
            vaCreateBuffer(e->dpy, ctx, VAPictureParameterBufferType, sizeof(pp), 1, &pp,
                           &bufs[0]));
        TRY(s, "vaCreateBuffer",
            vaCreateBuffer(e->dpy, ctx, VAIQMatrixBufferType, sizeof(iq), 1, &iq, &bufs[1]));
        TRY(s, "vaCreateBuffer",
            vaCreateBuffer(e->dpy, ctx, VASliceParameterBufferType, sizeof(sp), 1, &sp, &bufs[2]));
        TRY(s, "vaCreateBuffer",
            vaCreateBuffer(e->dpy, ctx, VASliceDataBufferType, (unsigned)slice_len, 1,
                           e->h264 + slice_start, &bufs[3]));
        TRY(s, "vaBeginPicture", vaBeginPicture(e->dpy, ctx, out));
        TRY(s, "vaRenderPicture", vaRenderPicture(e->dpy, ctx, bufs, 4));
        TRY(s, "vaEndPicture", vaEndPicture(e->dpy, ctx));
        TRY(s, "vaSyncSurface", vaSyncSurface(e->dpy, out));
        s->frames = 1;
        TRY(s, "vaDeriveImage", image_of(e->dpy, out, VA_FOURCC_NV12, W, H, true, &img, &copied));
        mapped_img = true;
        TRY(s, "vaMapBuffer", vaMapBuffer(e->dpy, img.buf, (void **)&p));
        psnr = psnr_y(e->y, p, &img);
        vaUnmapBuffer(e->dpy, img.buf);
        at(s, "");
        s->quality_x100 = (int32_t)(psnr * 100 + 0.5);
        if (psnr < PSNR_MIN) {
                s->outcome = VP_EX_GARBAGE;
                snprintf(s->detail, sizeof(s->detail),
                         "the decoded picture is %.1f dB from the source (at least %.0f dB)", psnr,
                         PSNR_MIN);
        } else {
                snprintf(s->detail, sizeof(s->detail),
                         "the encoded stream decodes back: luma PSNR %.1f dB against the source",
                         psnr);
        }
out:
        if (mapped_img)
                vaDestroyImage(e->dpy, img.image_id);
        for (int i = 0; i < 4; i++)
                if (bufs[i] != VA_INVALID_ID)
                        vaDestroyBuffer(e->dpy, bufs[i]);
        if (ctx != VA_INVALID_ID)
                vaDestroyContext(e->dpy, ctx);
        if (out != VA_INVALID_SURFACE)
                vaDestroySurfaces(e->dpy, &out, 1);
        if (cfg != VA_INVALID_ID)
                vaDestroyConfig(e->dpy, cfg);
        step_end(e, s, t0);
}

void vpi_va_exercise(VADisplay dpy, struct vp_va *va, const struct vp_va_hooks *hooks)
{
        static const struct {
                VAProfile profile;
                const char *codec;
        } h264[] = {{VAProfileH264Main, "h264"},
                    {VAProfileH264High, "h264"},
                    {VAProfileH264ConstrainedBaseline, "h264"}};
        static const VAEntrypoint eps[] = {VAEntrypointEncSlice, VAEntrypointEncSliceLP};
        struct ex *e = calloc(1, sizeof(*e));

        va->exercise.requested = true;
        va->exercise.running = -1;
        if (!e)
                return;
        e->dpy = dpy;
        e->va = va;
        e->x = &va->exercise;
        e->hooks = hooks;
        make_pattern(e);
        run_vpp(e);
        /* H.264: one profile (the first listed of Main, High, Constrained Baseline), every
         * encode entrypoint listed for it. */
        for (size_t k = 0; k < sizeof(eps) / sizeof(eps[0]); k++)
                for (size_t i = 0; i < sizeof(h264) / sizeof(h264[0]); i++)
                        if (listed(va, h264[i].profile, eps[k])) {
                                run_encode(e, h264[i].profile, eps[k], h264[i].codec);
                                break;
                        }
        for (size_t k = 0; k < sizeof(eps) / sizeof(eps[0]); k++) {
                if (listed(va, VAProfileHEVCMain, eps[k]))
                        run_encode(e, VAProfileHEVCMain, eps[k], "hevc");
                if (listed(va, VAProfileHEVCMain10, eps[k]))
                        run_encode(e, VAProfileHEVCMain10, eps[k], "hevc-10bit");
        }
        run_decode(e);
        free(e->h264);
        free(e);
}

void vp_exercise_note_resets(struct vp_exercise *x, uint32_t before, uint32_t after)
{
        if (!x || after <= before)
                return;
        for (uint32_t i = 0; i < x->n_steps && i < VP_MAX_EX_STEPS; i++) {
                struct vp_ex_step *s = &x->steps[i];
                size_t l;

                if (!vp_ex_failed(s->outcome))
                        continue;
                l = strlen(s->detail);
                snprintf(s->detail + l, sizeof(s->detail) - l,
                         "%s(%s; the kernel logged %u GPU hang/reset line%s meanwhile)",
                         l ? " " : "", vp_ex_outcome_str(s->outcome), after - before,
                         after - before == 1 ? "" : "s");
                s->outcome = VP_EX_GPU_RESET;
                break; /* the first failure is the one the reset belongs to */
        }
}
