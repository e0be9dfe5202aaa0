/* SPDX-License-Identifier: MIT */
/*
 * The fake VA driver's jobs, in software, for nodeprobe --exercise through the real libva:
 *   surfaces in memory (NV12, P010, BGRA), images derived from them or copied
 *   VideoProc   scale (2x2 average or nearest) and NV12 -> BGRA (BT.601, limited range)
 *   H.264 encode  a conformant stream: SPS, PPS and one IDR slice per frame whose macroblocks
 *               are all I_PCM (CAVLC), so it is lossless and any H.264 decoder can read it
 *   HEVC encode  VPS, SPS, PPS and an IDR_W_RADL NAL unit per frame, structurally valid only
 *               (the payload is the luma plane, escaped)
 *   H.264 VLD   decodes exactly that I_PCM form, starting at the slice_data_bit_offset it is
 *               given (a wrong offset decodes garbage, as on hardware)
 * Failure modes (NP_FAKEVA_MODE): hang-sync (vaSyncSurface never returns), garbage (every job
 * writes noise), refuse-context (vaCreateContext fails), crash-job (SIGSEGV in vaEndPicture),
 * reset (a "GPU HANG" line appended to $NP_FAKEVA_DMESG, then vaSyncSurface fails).
 * NP_FAKEVA_DUMP=FILE appends every H.264 stream it encodes to FILE.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <va/va.h>
#include <va/va_backend.h>
#include <va/va_enc_h264.h>
#include <va/va_enc_hevc.h>
#include <va/va_vpp.h>

#include "fakeva.h"

#define MAX_OBJ 64
#define ID_SURF 0x1000
#define ID_BUF 0x2000
#define ID_CFG 0x3000
#define ID_CTX 0x4000
#define ID_IMG 0x5000

struct surf {
        bool used;
        int w, h;
        unsigned fourcc;
        int pitch;
        uint8_t *data; /* NV12/P010: Y then UV at pitch*h; BGRA: one plane */
};

struct buf {
        bool used;
        VABufferType type;
        size_t size;
        uint8_t *data;
        struct surf *alias; /* a derived image's buffer: the surface's memory */
        VACodedBufferSegment seg;
};

struct cfg {
        bool used;
        VAProfile profile;
        VAEntrypoint ep;
};

struct ctx {
        bool used;
        int cfg;
        VASurfaceID target;
        VABufferID pending[16];
        int n_pending;
        int idr; /* idr_pic_id of the next H.264 frame */
};

struct img {
        bool used;
        VAImage image;
};

struct fakeva_jobs {
        struct surf s[MAX_OBJ];
        struct buf b[MAX_OBJ];
        struct cfg c[MAX_OBJ];
        struct ctx x[MAX_OBJ];
        struct img i[MAX_OBJ];
        unsigned noise;
};

/* Allocated at the first job call: listing the capabilities (vainfo, a plain probe) costs
 * what it did before the jobs existed. */
static struct fakeva_jobs *J(VADriverContextP ctx)
{
        struct caps *c = ctx->pDriverData;

        if (!c->jobs) {
                c->jobs = calloc(1, sizeof(*c->jobs));
                if (!c->jobs)
                        abort(); /* a test double: out of memory is not a case it models */
                c->jobs->noise = 12345;
        }
        return c->jobs;
}

static bool mode(VADriverContextP ctx, const char *m)
{
        return strcmp(((struct caps *)ctx->pDriverData)->mode, m) == 0;
}

static uint8_t noise(struct fakeva_jobs *j)
{
        j->noise = j->noise * 1103515245u + 12345u;
        return (uint8_t)(j->noise >> 16);
}

#define GET(arr, base, id)                                                                         \
        ((id) >= (base) && (id) < (base) + MAX_OBJ && arr[(id) - (base)].used                      \
             ? &arr[(id) - (base)]                                                                 \
             : NULL)

/* ---- surfaces ---- */

static size_t surf_size(const struct surf *s)
{
        return s->fourcc == VA_FOURCC_BGRA ? (size_t)s->pitch * s->h
                                           : (size_t)s->pitch * s->h * 3 / 2;
}

static VAStatus f_create_surfaces2(VADriverContextP ctx, unsigned format, unsigned w, unsigned h,
                                   VASurfaceID *out, unsigned n, VASurfaceAttrib *attrs,
                                   unsigned na)
{
        struct fakeva_jobs *j = J(ctx);
        unsigned fourcc = format == VA_RT_FORMAT_YUV420_10 ? VA_FOURCC_P010
                          : format == VA_RT_FORMAT_RGB32   ? VA_FOURCC_BGRA
                                                           : VA_FOURCC_NV12;

        for (unsigned a = 0; a < na; a++)
                if (attrs[a].type == VASurfaceAttribPixelFormat)
                        fourcc = (unsigned)attrs[a].value.value.i;
        if (w == 0 || h == 0 || w > 8192 || h > 8192)
                return VA_STATUS_ERROR_INVALID_PARAMETER;
        for (unsigned k = 0; k < n; k++) {
                int slot = -1;
                for (int i = 0; i < MAX_OBJ && slot < 0; i++)
                        if (!j->s[i].used)
                                slot = i;
                if (slot < 0)
                        return VA_STATUS_ERROR_ALLOCATION_FAILED;
                struct surf *s = &j->s[slot];
                s->w = (int)w;
                s->h = (int)h;
                s->fourcc = fourcc;
                s->pitch = (int)w * (fourcc == VA_FOURCC_BGRA   ? 4
                                     : fourcc == VA_FOURCC_P010 ? 2
                                                                : 1);
                s->data = calloc(1, surf_size(s));
                if (!s->data)
                        return VA_STATUS_ERROR_ALLOCATION_FAILED;
                s->used = true;
                out[k] = ID_SURF + (unsigned)slot;
        }
        return VA_STATUS_SUCCESS;
}

static VAStatus f_destroy_surfaces(VADriverContextP ctx, VASurfaceID *list, int n)
{
        for (int k = 0; k < n; k++) {
                struct surf *s = GET(J(ctx)->s, ID_SURF, list[k]);
                if (s) {
                        free(s->data);
                        memset(s, 0, sizeof(*s));
                }
        }
        return VA_STATUS_SUCCESS;
}

/* ---- configs and contexts ---- */

static VAStatus f_create_config(VADriverContextP ctx, VAProfile p, VAEntrypoint ep,
                                VAConfigAttrib *attrs, int na, VAConfigID *out)
{
        const struct caps *c = ctx->pDriverData;
        struct fakeva_jobs *j = J(ctx);
        bool listed = false;

        (void)attrs;
        (void)na;
        for (int i = 0; i < c->n; i++)
                listed |= c->e[i].profile == p && c->e[i].ep == ep;
        if (!listed)
                return VA_STATUS_ERROR_UNSUPPORTED_ENTRYPOINT;
        for (int i = 0; i < MAX_OBJ; i++)
                if (!j->c[i].used) {
                        j->c[i] = (struct cfg){.used = true, .profile = p, .ep = ep};
                        *out = ID_CFG + (unsigned)i;
                        return VA_STATUS_SUCCESS;
                }
        return VA_STATUS_ERROR_ALLOCATION_FAILED;
}

static VAStatus f_destroy_config(VADriverContextP ctx, VAConfigID id)
{
        struct cfg *c = GET(J(ctx)->c, ID_CFG, id);
        if (!c)
                return VA_STATUS_ERROR_INVALID_CONFIG;
        c->used = false;
        return VA_STATUS_SUCCESS;
}

static VAStatus f_create_context(VADriverContextP ctx, VAConfigID cfg, int w, int h, int flag,
                                 VASurfaceID *targets, int nt, VAContextID *out)
{
        struct fakeva_jobs *j = J(ctx);

        (void)w;
        (void)h;
        (void)flag;
        (void)targets;
        (void)nt;
        if (mode(ctx, "refuse-context"))
                return VA_STATUS_ERROR_HW_BUSY;
        if (!GET(j->c, ID_CFG, cfg))
                return VA_STATUS_ERROR_INVALID_CONFIG;
        for (int i = 0; i < MAX_OBJ; i++)
                if (!j->x[i].used) {
                        j->x[i] = (struct ctx){.used = true, .cfg = (int)(cfg - ID_CFG)};
                        *out = ID_CTX + (unsigned)i;
                        return VA_STATUS_SUCCESS;
                }
        return VA_STATUS_ERROR_ALLOCATION_FAILED;
}

static VAStatus f_destroy_context(VADriverContextP ctx, VAContextID id)
{
        struct ctx *x = GET(J(ctx)->x, ID_CTX, id);
        if (!x)
                return VA_STATUS_ERROR_INVALID_CONTEXT;
        x->used = false;
        return VA_STATUS_SUCCESS;
}

/* ---- buffers ---- */

static int new_buf(struct fakeva_jobs *j)
{
        for (int i = 0; i < MAX_OBJ; i++)
                if (!j->b[i].used)
                        return i;
        return -1;
}

static VAStatus f_create_buffer(VADriverContextP ctx, VAContextID c, VABufferType type,
                                unsigned size, unsigned n, void *data, VABufferID *out)
{
        struct fakeva_jobs *j = J(ctx);
        int i = new_buf(j);
        size_t total = (size_t)size * n;

        (void)c;
        if (i < 0 || total == 0 || total > (64u << 20))
                return VA_STATUS_ERROR_ALLOCATION_FAILED;
        j->b[i] = (struct buf){.used = true, .type = type, .size = total};
        j->b[i].data = calloc(1, total);
        if (!j->b[i].data)
                return VA_STATUS_ERROR_ALLOCATION_FAILED;
        if (data)
                memcpy(j->b[i].data, data, total);
        *out = ID_BUF + (unsigned)i;
        return VA_STATUS_SUCCESS;
}

static VAStatus f_map_buffer(VADriverContextP ctx, VABufferID id, void **p)
{
        struct buf *b = GET(J(ctx)->b, ID_BUF, id);

        if (!b)
                return VA_STATUS_ERROR_INVALID_BUFFER;
        if (b->alias) {
                *p = b->alias->data;
        } else if (b->type == VAEncCodedBufferType) {
                *p = &b->seg;
        } else {
                *p = b->data;
        }
        return VA_STATUS_SUCCESS;
}

static VAStatus f_unmap_buffer(VADriverContextP ctx, VABufferID id)
{
        return GET(J(ctx)->b, ID_BUF, id) ? VA_STATUS_SUCCESS : VA_STATUS_ERROR_INVALID_BUFFER;
}

static VAStatus f_destroy_buffer(VADriverContextP ctx, VABufferID id)
{
        struct buf *b = GET(J(ctx)->b, ID_BUF, id);

        if (!b)
                return VA_STATUS_ERROR_INVALID_BUFFER;
        free(b->data);
        memset(b, 0, sizeof(*b));
        return VA_STATUS_SUCCESS;
}

/* ---- images ---- */

static VAStatus f_query_image_formats(VADriverContextP ctx, VAImageFormat *list, int *n)
{
        (void)ctx;
        list[0] = (VAImageFormat){
            .fourcc = VA_FOURCC_NV12, .byte_order = VA_LSB_FIRST, .bits_per_pixel = 12};
        list[1] = (VAImageFormat){
            .fourcc = VA_FOURCC_P010, .byte_order = VA_LSB_FIRST, .bits_per_pixel = 24};
        list[2] = (VAImageFormat){.fourcc = VA_FOURCC_BGRA,
                                  .byte_order = VA_LSB_FIRST,
                                  .bits_per_pixel = 32,
                                  .depth = 32};
        *n = 3;
        return VA_STATUS_SUCCESS;
}

static void describe(VAImage *im, unsigned fourcc, int w, int h)
{
        int bpp = fourcc == VA_FOURCC_BGRA ? 4 : fourcc == VA_FOURCC_P010 ? 2 : 1;

        im->format.fourcc = fourcc;
        im->width = (uint16_t)w;
        im->height = (uint16_t)h;
        im->pitches[0] = (uint32_t)(w * bpp);
        im->offsets[0] = 0;
        im->num_planes = fourcc == VA_FOURCC_BGRA ? 1 : 2;
        im->pitches[1] = im->pitches[0];
        im->offsets[1] = (uint32_t)(w * bpp * h);
        im->data_size =
            fourcc == VA_FOURCC_BGRA ? (uint32_t)(w * h * 4) : (uint32_t)(w * bpp * h * 3 / 2);
}

static VAStatus new_image(VADriverContextP ctx, unsigned fourcc, int w, int h, struct surf *alias,
                          VAImage *out)
{
        struct fakeva_jobs *j = J(ctx);
        int bi = new_buf(j), ii = -1;

        for (int i = 0; i < MAX_OBJ && ii < 0; i++)
                if (!j->i[i].used)
                        ii = i;
        if (bi < 0 || ii < 0)
                return VA_STATUS_ERROR_ALLOCATION_FAILED;
        memset(out, 0, sizeof(*out));
        describe(out, fourcc, w, h);
        j->b[bi] = (struct buf){
            .used = true, .type = VAImageBufferType, .size = out->data_size, .alias = alias};
        if (!alias) {
                j->b[bi].data = calloc(1, out->data_size);
                if (!j->b[bi].data)
                        return VA_STATUS_ERROR_ALLOCATION_FAILED;
        }
        out->buf = ID_BUF + (unsigned)bi;
        out->image_id = ID_IMG + (unsigned)ii;
        j->i[ii] = (struct img){.used = true, .image = *out};
        return VA_STATUS_SUCCESS;
}

static VAStatus f_create_image(VADriverContextP ctx, VAImageFormat *fmt, int w, int h, VAImage *out)
{
        return new_image(ctx, fmt->fourcc, w, h, NULL, out);
}

static VAStatus f_derive_image(VADriverContextP ctx, VASurfaceID id, VAImage *out)
{
        struct surf *s = GET(J(ctx)->s, ID_SURF, id);
        if (!s)
                return VA_STATUS_ERROR_INVALID_SURFACE;
        return new_image(ctx, s->fourcc, s->w, s->h, s, out);
}

static VAStatus f_destroy_image(VADriverContextP ctx, VAImageID id)
{
        struct img *im = GET(J(ctx)->i, ID_IMG, id);
        if (!im)
                return VA_STATUS_ERROR_INVALID_IMAGE;
        f_destroy_buffer(ctx, im->image.buf);
        im->used = false;
        return VA_STATUS_SUCCESS;
}

static VAStatus copy_image(VADriverContextP ctx, VASurfaceID sid, VAImageID iid, bool put)
{
        struct surf *s = GET(J(ctx)->s, ID_SURF, sid);
        struct img *im = GET(J(ctx)->i, ID_IMG, iid);
        struct buf *b = im ? GET(J(ctx)->b, ID_BUF, im->image.buf) : NULL;

        if (!s || !b)
                return VA_STATUS_ERROR_INVALID_PARAMETER;
        if (im->image.format.fourcc != s->fourcc || im->image.width != s->w ||
            im->image.height != s->h || b->size < surf_size(s))
                return VA_STATUS_ERROR_INVALID_IMAGE_FORMAT;
        if (put)
                memcpy(s->data, b->alias ? b->alias->data : b->data, surf_size(s));
        else
                memcpy(b->alias ? b->alias->data : b->data, s->data, surf_size(s));
        return VA_STATUS_SUCCESS;
}

static VAStatus f_get_image(VADriverContextP ctx, VASurfaceID s, int x, int y, unsigned w,
                            unsigned h, VAImageID im)
{
        (void)x;
        (void)y;
        (void)w;
        (void)h;
        return copy_image(ctx, s, im, false);
}

static VAStatus f_put_image(VADriverContextP ctx, VASurfaceID s, VAImageID im, int sx, int sy,
                            unsigned sw, unsigned sh, int dx, int dy, unsigned dw, unsigned dh)
{
        (void)sx, (void)sy, (void)sw, (void)sh, (void)dx, (void)dy, (void)dw, (void)dh;
        return copy_image(ctx, s, im, true);
}

/* ---- bit writing and reading (H.264 RBSP with emulation prevention) ---- */

struct bw {
        uint8_t *p;
        size_t cap, n;
        unsigned acc, nbits;
};

static void put_byte(struct bw *w, uint8_t b)
{
        if (w->n < w->cap)
                w->p[w->n] = b;
        w->n++;
}

static void wbits(struct bw *w, uint32_t v, int n)
{
        while (n-- > 0) {
                w->acc = w->acc << 1 | ((v >> n) & 1);
                if (++w->nbits == 8) {
                        put_byte(w, (uint8_t)w->acc);
                        w->acc = 0;
                        w->nbits = 0;
                }
        }
}

static void wue(struct bw *w, uint32_t v)
{
        int len = 0;
        for (uint32_t t = v + 1; t > 1; t >>= 1)
                len++;
        wbits(w, 0, len);
        wbits(w, v + 1, len + 1);
}

static void wse(struct bw *w, int32_t v)
{
        wue(w, v > 0 ? (uint32_t)(2 * v - 1) : (uint32_t)(-2 * v));
}

static void walign0(struct bw *w)
{
        while (w->nbits)
                wbits(w, 0, 1);
}

static void wtrailing(struct bw *w)
{
        wbits(w, 1, 1);
        walign0(w);
}

/* RBSP -> NAL unit with start code and emulation prevention, appended to out. */
static void emit_nal(uint8_t *out, size_t cap, size_t *len, const uint8_t *rbsp, size_t n)
{
        static const uint8_t sc[4] = {0, 0, 0, 1};
        int zeros = 0;

        for (int i = 0; i < 4 && *len < cap; i++)
                out[(*len)++] = sc[i];
        for (size_t i = 0; i < n && *len + 2 < cap; i++) {
                if (zeros >= 2 && rbsp[i] <= 3) {
                        out[(*len)++] = 3;
                        zeros = 0;
                }
                out[(*len)++] = rbsp[i];
                zeros = rbsp[i] == 0 ? zeros + 1 : 0;
        }
}

struct br {
        const uint8_t *p;
        size_t n, pos;
        int zeros;
};

static unsigned rbit(struct br *b)
{
        size_t byte = b->pos / 8;
        unsigned v;

        if (b->pos % 8 == 0 && byte < b->n && b->zeros >= 2 && b->p[byte] == 3) {
                b->pos += 8;
                b->zeros = 0;
                byte++;
        }
        if (byte >= b->n)
                return 0;
        v = (b->p[byte] >> (7 - b->pos % 8)) & 1;
        b->pos++;
        if (b->pos % 8 == 0)
                b->zeros = b->p[byte] == 0 ? b->zeros + 1 : 0;
        return v;
}

static uint32_t rbits(struct br *b, int n)
{
        uint32_t v = 0;
        while (n-- > 0)
                v = v << 1 | rbit(b);
        return v;
}

static uint32_t rue(struct br *b)
{
        int lz = 0;
        while (!rbit(b) && lz < 32 && b->pos < b->n * 8)
                lz++;
        return lz >= 32 ? 0 : ((1u << lz) - 1) + rbits(b, lz);
}

/* ---- the jobs ---- */

static void vpp(struct fakeva_jobs *j, bool garbage, const VAProcPipelineParameterBuffer *pp,
                struct surf *dst)
{
        struct surf *src = GET(j->s, ID_SURF, pp->surface);

        if (!src || src->fourcc != VA_FOURCC_NV12 || dst->fourcc != VA_FOURCC_BGRA)
                return;
        for (int y = 0; y < dst->h; y++)
                for (int x = 0; x < dst->w; x++) {
                        int sx = x * src->w / dst->w, sy = y * src->h / dst->h;
                        int fx = src->w / dst->w, fy = src->h / dst->h;
                        double Y = 0, U, V;
                        uint8_t *px = dst->data + (size_t)y * dst->pitch + 4 * x;
                        fx = fx < 1 ? 1 : fx;
                        fy = fy < 1 ? 1 : fy;
                        for (int dy = 0; dy < fy; dy++)
                                for (int dx = 0; dx < fx; dx++)
                                        Y += src->data[(size_t)(sy + dy) * src->pitch + sx + dx];
                        Y = (Y / (fx * fy) - 16) * 1.164;
                        U = src->data[(size_t)src->pitch * src->h + (size_t)(sy / 2) * src->pitch +
                                      (sx / 2) * 2] -
                            128.0;
                        V = src->data[(size_t)src->pitch * src->h + (size_t)(sy / 2) * src->pitch +
                                      (sx / 2) * 2 + 1] -
                            128.0;
                        double c[3] = {Y + 2.017 * U, Y - 0.392 * U - 0.813 * V, Y + 1.596 * V};
                        for (int k = 0; k < 3; k++)
                                px[k] = garbage      ? noise(j)
                                        : c[k] < 0   ? 0
                                        : c[k] > 255 ? 255
                                                     : (uint8_t)(c[k] + 0.5);
                        px[3] = 255;
                }
}

/* Luma and chroma as 8 bits, whatever the surface's depth. */
static uint8_t sample(const struct surf *s, size_t off)
{
        return s->fourcc == VA_FOURCC_P010 ? (uint8_t)(((const uint16_t *)s->data)[off] >> 8)
                                           : s->data[off];
}

static void coded_append(struct buf *coded, const uint8_t *p, size_t n)
{
        size_t have = coded->seg.size, room = coded->size - have;
        if (n > room)
                n = room;
        memcpy(coded->data + have, p, n);
        coded->seg.size = (uint32_t)(have + n);
        coded->seg.buf = coded->data;
}

static void encode_h264(struct fakeva_jobs *j, bool garbage, struct ctx *x, const struct cfg *cf,
                        struct buf *coded, const VAEncSequenceParameterBufferH264 *seq,
                        const VAEncSliceParameterBufferH264 *sl, const struct surf *src)
{
        size_t cap = (size_t)src->w * src->h * 2 + 4096, len = 0;
        uint8_t *rbsp = malloc(cap), *out = malloc(cap + cap / 2);
        struct bw w;
        int mbw = seq->picture_width_in_mbs, mbh = seq->picture_height_in_mbs;
        unsigned lfn = seq->seq_fields.bits.log2_max_frame_num_minus4 + 4;
        unsigned poc = seq->seq_fields.bits.pic_order_cnt_type;
        unsigned lpoc = seq->seq_fields.bits.log2_max_pic_order_cnt_lsb_minus4 + 4;
        unsigned prof = cf->profile == VAProfileH264High   ? 100
                        : cf->profile == VAProfileH264Main ? 77
                                                           : 66;

        if (!rbsp || !out)
                goto out;
        coded->seg.size = 0;
        if (garbage) {
                for (size_t i = 0; i < 4096 && i < coded->size; i++)
                        coded->data[i] = noise(j) | 0x80; /* no start code anywhere */
                coded->seg.size = 4096;
                coded->seg.buf = coded->data;
                goto out;
        }
        /* SPS */
        w = (struct bw){.p = rbsp, .cap = cap};
        wbits(&w, 0x67, 8);
        wbits(&w, prof, 8);
        wbits(&w, 0, 8);
        wbits(&w, seq->level_idc, 8);
        wue(&w, 0);
        if (prof == 100) {
                wue(&w, 1); /* chroma_format_idc */
                wue(&w, 0); /* bit depths */
                wue(&w, 0);
                wbits(&w, 0, 1);
                wbits(&w, 0, 1); /* no scaling matrices */
        }
        wue(&w, lfn - 4);
        wue(&w, poc);
        if (poc == 0)
                wue(&w, lpoc - 4);
        wue(&w, 1); /* max_num_ref_frames */
        wbits(&w, 0, 1);
        wue(&w, (uint32_t)mbw - 1);
        wue(&w, (uint32_t)mbh - 1);
        wbits(&w, 1, 1); /* frame_mbs_only */
        wbits(&w, 1, 1); /* direct_8x8 */
        wbits(&w, 0, 1); /* cropping */
        wbits(&w, 0, 1); /* vui */
        wtrailing(&w);
        emit_nal(out, cap + cap / 2, &len, rbsp, w.n);
        /* PPS: CAVLC whatever was asked, so that I_PCM needs no arithmetic coder */
        w = (struct bw){.p = rbsp, .cap = cap};
        wbits(&w, 0x68, 8);
        wue(&w, 0);
        wue(&w, 0);
        wbits(&w, 0, 1); /* entropy_coding_mode */
        wbits(&w, 0, 1);
        wue(&w, 0); /* slice groups */
        wue(&w, 0);
        wue(&w, 0);
        wbits(&w, 0, 1);
        wbits(&w, 0, 2);
        wse(&w, 0);
        wse(&w, 0);
        wse(&w, 0);
        wbits(&w, 1, 1); /* deblocking_filter_control_present */
        wbits(&w, 0, 1);
        wbits(&w, 0, 1);
        wtrailing(&w);
        emit_nal(out, cap + cap / 2, &len, rbsp, w.n);
        /* IDR slice, every macroblock I_PCM */
        w = (struct bw){.p = rbsp, .cap = cap};
        wbits(&w, 0x65, 8);
        wue(&w, 0);
        wue(&w, 7); /* I, all slices */
        wue(&w, 0);
        wbits(&w, 0, (int)lfn);
        wue(&w, sl ? sl->idr_pic_id : (uint32_t)x->idr);
        if (poc == 0)
                wbits(&w, 0, (int)lpoc);
        wbits(&w, 0, 2); /* dec_ref_pic_marking */
        wse(&w, 0);      /* slice_qp_delta */
        wue(&w, 1);      /* deblocking off */
        for (int my = 0; my < mbh; my++)
                for (int mx = 0; mx < mbw; mx++) {
                        wue(&w, 25); /* I_PCM */
                        walign0(&w);
                        for (int y = 0; y < 16; y++)
                                for (int xx = 0; xx < 16; xx++)
                                        wbits(&w,
                                              sample(src,
                                                     (size_t)(my * 16 + y) * src->w + mx * 16 + xx),
                                              8);
                        for (int c = 0; c < 2; c++)
                                for (int y = 0; y < 8; y++)
                                        for (int xx = 0; xx < 8; xx++)
                                                wbits(
                                                    &w,
                                                    sample(src, (size_t)src->w * src->h +
                                                                    (size_t)(my * 8 + y) * src->w +
                                                                    (mx * 8 + xx) * 2 + c),
                                                    8);
                }
        wtrailing(&w);
        emit_nal(out, cap + cap / 2, &len, rbsp, w.n);
        x->idr++;
        coded_append(coded, out, len);
        /* For the test that has a real decoder (ffmpeg) read what this encoder writes. */
        if (getenv("NP_FAKEVA_DUMP")) {
                FILE *f = fopen(getenv("NP_FAKEVA_DUMP"), "ab");
                if (f) {
                        fwrite(out, 1, len, f);
                        fclose(f);
                }
        }
out:
        free(rbsp);
        free(out);
}

static void encode_hevc(struct fakeva_jobs *j, bool garbage, struct buf *coded,
                        const struct surf *src)
{
        size_t cap = (size_t)src->w * src->h + 4096, len = 0, n = 0;
        uint8_t *rbsp = malloc(cap), *out = malloc(cap + cap / 2);
        static const uint8_t vps[] = {0x40, 0x01, 0x0c, 0x01, 0xff, 0xff, 0x80},
                             sps[] = {0x42, 0x01, 0x01, 0x01, 0x60, 0x80},
                             pps[] = {0x44, 0x01, 0xc1, 0x72, 0x80};

        if (!rbsp || !out)
                goto out;
        coded->seg.size = 0;
        if (garbage) {
                for (size_t i = 0; i < 4096 && i < coded->size; i++)
                        coded->data[i] = noise(j) | 0x80;
                coded->seg.size = 4096;
                coded->seg.buf = coded->data;
                goto out;
        }
        emit_nal(out, cap + cap / 2, &len, vps, sizeof(vps));
        emit_nal(out, cap + cap / 2, &len, sps, sizeof(sps));
        emit_nal(out, cap + cap / 2, &len, pps, sizeof(pps));
        rbsp[n++] = 19 << 1; /* IDR_W_RADL */
        rbsp[n++] = 0x01;
        for (int i = 0; i < src->w * src->h && n + 1 < cap; i += 4)
                rbsp[n++] = sample(src, (size_t)i);
        rbsp[n++] = 0x80;
        emit_nal(out, cap + cap / 2, &len, rbsp, n);
        coded_append(coded, out, len);
out:
        free(rbsp);
        free(out);
}

static void decode_h264(struct fakeva_jobs *j, bool garbage, const VAPictureParameterBufferH264 *pp,
                        const VASliceParameterBufferH264 *sp, const struct buf *data,
                        struct surf *dst)
{
        struct br b = {.p = data->data, .n = data->size, .pos = sp->slice_data_bit_offset};
        int mbw = pp->picture_width_in_mbs_minus1 + 1, mbh = pp->picture_height_in_mbs_minus1 + 1;

        if (dst->fourcc != VA_FOURCC_NV12 || mbw * 16 != dst->w || mbh * 16 != dst->h)
                return;
        for (int my = 0; my < mbh; my++)
                for (int mx = 0; mx < mbw; mx++) {
                        bool pcm = rue(&b) == 25;
                        while (b.pos % 8)
                                rbit(&b);
                        for (int y = 0; y < 16; y++)
                                for (int x = 0; x < 16; x++)
                                        dst->data[(size_t)(my * 16 + y) * dst->pitch + mx * 16 +
                                                  x] =
                                            garbage || !pcm ? noise(j) : (uint8_t)rbits(&b, 8);
                        for (int c = 0; c < 2; c++)
                                for (int y = 0; y < 8; y++)
                                        for (int x = 0; x < 8; x++)
                                                dst->data[(size_t)dst->pitch * dst->h +
                                                          (size_t)(my * 8 + y) * dst->pitch +
                                                          (mx * 8 + x) * 2 + c] =
                                                    garbage || !pcm ? noise(j)
                                                                    : (uint8_t)rbits(&b, 8);
                }
}

static VAStatus f_begin(VADriverContextP ctx, VAContextID c, VASurfaceID target)
{
        struct ctx *x = GET(J(ctx)->x, ID_CTX, c);
        if (!x)
                return VA_STATUS_ERROR_INVALID_CONTEXT;
        if (!GET(J(ctx)->s, ID_SURF, target))
                return VA_STATUS_ERROR_INVALID_SURFACE;
        x->target = target;
        x->n_pending = 0;
        return VA_STATUS_SUCCESS;
}

static VAStatus f_render(VADriverContextP ctx, VAContextID c, VABufferID *bufs, int n)
{
        struct ctx *x = GET(J(ctx)->x, ID_CTX, c);
        if (!x)
                return VA_STATUS_ERROR_INVALID_CONTEXT;
        for (int i = 0; i < n; i++) {
                if (!GET(J(ctx)->b, ID_BUF, bufs[i]))
                        return VA_STATUS_ERROR_INVALID_BUFFER;
                if (x->n_pending < 16)
                        x->pending[x->n_pending++] = bufs[i];
        }
        return VA_STATUS_SUCCESS;
}

static struct buf *pending(VADriverContextP ctx, struct ctx *x, VABufferType t)
{
        for (int i = 0; i < x->n_pending; i++) {
                struct buf *b = GET(J(ctx)->b, ID_BUF, x->pending[i]);
                if (b && b->type == t)
                        return b;
        }
        return NULL;
}

static VAStatus f_end(VADriverContextP ctx, VAContextID c)
{
        struct fakeva_jobs *j = J(ctx);
        struct ctx *x = GET(j->x, ID_CTX, c);
        struct surf *target;
        const struct cfg *cf;
        bool garbage = mode(ctx, "garbage");

        if (!x)
                return VA_STATUS_ERROR_INVALID_CONTEXT;
        if (mode(ctx, "crash-job"))
                raise(SIGSEGV);
        target = GET(j->s, ID_SURF, x->target);
        cf = &j->c[x->cfg];
        if (!target)
                return VA_STATUS_ERROR_INVALID_SURFACE;
        if (cf->ep == VAEntrypointVideoProc) {
                struct buf *b = pending(ctx, x, VAProcPipelineParameterBufferType);
                if (!b)
                        return VA_STATUS_ERROR_INVALID_PARAMETER;
                vpp(j, garbage, (const VAProcPipelineParameterBuffer *)b->data, target);
        } else if (cf->ep == VAEntrypointEncSlice || cf->ep == VAEntrypointEncSliceLP) {
                struct buf *seq = pending(ctx, x, VAEncSequenceParameterBufferType),
                           *pic = pending(ctx, x, VAEncPictureParameterBufferType),
                           *sl = pending(ctx, x, VAEncSliceParameterBufferType), *coded;
                bool hevc = cf->profile == VAProfileHEVCMain || cf->profile == VAProfileHEVCMain10;
                VABufferID cb;
                if (!seq || !pic || !sl)
                        return VA_STATUS_ERROR_INVALID_PARAMETER;
                cb = hevc ? ((VAEncPictureParameterBufferHEVC *)pic->data)->coded_buf
                          : ((VAEncPictureParameterBufferH264 *)pic->data)->coded_buf;
                coded = GET(j->b, ID_BUF, cb);
                if (!coded || coded->type != VAEncCodedBufferType)
                        return VA_STATUS_ERROR_INVALID_BUFFER;
                if (hevc)
                        encode_hevc(j, garbage, coded, target);
                else
                        encode_h264(j, garbage, x, cf, coded,
                                    (const VAEncSequenceParameterBufferH264 *)seq->data,
                                    (const VAEncSliceParameterBufferH264 *)sl->data, target);
        } else if (cf->ep == VAEntrypointVLD && cf->profile >= VAProfileH264Main &&
                   cf->profile <= VAProfileH264High) {
                struct buf *pp = pending(ctx, x, VAPictureParameterBufferType),
                           *sp = pending(ctx, x, VASliceParameterBufferType),
                           *sd = pending(ctx, x, VASliceDataBufferType);
                if (!pp || !sp || !sd)
                        return VA_STATUS_ERROR_INVALID_PARAMETER;
                decode_h264(j, garbage, (const VAPictureParameterBufferH264 *)pp->data,
                            (const VASliceParameterBufferH264 *)sp->data, sd, target);
        } else {
                return VA_STATUS_ERROR_UNIMPLEMENTED;
        }
        x->n_pending = 0;
        return VA_STATUS_SUCCESS;
}

static VAStatus f_sync(VADriverContextP ctx, VASurfaceID s)
{
        if (mode(ctx, "hang-sync"))
                for (;;)
                        pause();
        if (mode(ctx, "reset")) {
                const char *path = getenv("NP_FAKEVA_DMESG");
                FILE *f = path ? fopen(path, "a") : NULL;
                if (f) {
                        fprintf(f,
                                "[  812.431250] i915 0000:00:02.0: [drm] GPU HANG: ecode "
                                "9:1:85dffffb, in nodeprobe [%d]\n"
                                "[  812.431901] i915 0000:00:02.0: [drm] Resetting vcs0 for "
                                "preemption time out\n",
                                (int)getpid());
                        fclose(f);
                }
                return VA_STATUS_ERROR_HW_BUSY;
        }
        return GET(J(ctx)->s, ID_SURF, s) ? VA_STATUS_SUCCESS : VA_STATUS_ERROR_INVALID_SURFACE;
}

void fakeva_jobs_install(VADriverContextP ctx)
{
        struct VADriverVTable *vt = ctx->vtable;

        vt->vaCreateSurfaces2 = f_create_surfaces2;
        vt->vaDestroySurfaces = f_destroy_surfaces;
        vt->vaCreateConfig = f_create_config;
        vt->vaDestroyConfig = f_destroy_config;
        vt->vaCreateContext = f_create_context;
        vt->vaDestroyContext = f_destroy_context;
        vt->vaCreateBuffer = f_create_buffer;
        vt->vaMapBuffer = f_map_buffer;
        vt->vaUnmapBuffer = f_unmap_buffer;
        vt->vaDestroyBuffer = f_destroy_buffer;
        vt->vaQueryImageFormats = f_query_image_formats;
        vt->vaCreateImage = f_create_image;
        vt->vaDeriveImage = f_derive_image;
        vt->vaDestroyImage = f_destroy_image;
        vt->vaGetImage = f_get_image;
        vt->vaPutImage = f_put_image;
        vt->vaBeginPicture = f_begin;
        vt->vaRenderPicture = f_render;
        vt->vaEndPicture = f_end;
        vt->vaSyncSurface = f_sync;
}

void fakeva_jobs_free(struct caps *c)
{
        if (!c || !c->jobs)
                return;
        for (int i = 0; i < MAX_OBJ; i++) {
                free(c->jobs->s[i].data);
                free(c->jobs->b[i].data);
        }
        free(c->jobs);
        c->jobs = NULL;
}
