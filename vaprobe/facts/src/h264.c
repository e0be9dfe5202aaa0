/* SPDX-License-Identifier: MIT */
/*
 * A minimal H.264 Annex B reader for the exercise's decode-back step: the first SPS, PPS and
 * slice header of the stream the encoder just produced (ITU-T H.264 7.3.2.1, 7.3.2.2,
 * 7.3.3), enough to fill VA-API's picture and slice parameters. Pure: bytes in, a plain
 * struct out; tests/vaprobe/test_exercise.c feeds it hostile streams.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"

/* Bits of a NAL unit, skipping emulation prevention bytes; pos counts raw bits from the NAL
 * header, which is how VA-API's slice_data_bit_offset counts. */
struct bits {
        const uint8_t *p;
        size_t n, pos;
        int zeros;
        bool over;
};

static unsigned bit(struct bits *b)
{
        size_t byte = b->pos / 8;
        unsigned v;

        if (b->pos % 8 == 0 && byte < b->n && b->zeros >= 2 && b->p[byte] == 3) {
                b->pos += 8; /* emulation_prevention_three_byte */
                b->zeros = 0;
                byte++;
        }
        if (byte >= b->n) {
                b->over = true;
                return 0;
        }
        v = (b->p[byte] >> (7 - b->pos % 8)) & 1;
        b->pos++;
        if (b->pos % 8 == 0)
                b->zeros = b->p[byte] == 0 ? b->zeros + 1 : 0;
        return v;
}

static uint32_t u(struct bits *b, int n)
{
        uint32_t v = 0;
        while (n-- > 0)
                v = v << 1 | bit(b);
        return v;
}

static uint32_t ue(struct bits *b)
{
        int lz = 0;
        while (!bit(b) && !b->over && lz < 32)
                lz++;
        return lz >= 32 ? 0 : ((1u << lz) - 1) + u(b, lz);
}

static int32_t se(struct bits *b)
{
        uint32_t k = ue(b);
        return k & 1 ? (int32_t)((k + 1) / 2) : -(int32_t)(k / 2);
}

/* The next NAL unit at or after *at: its header byte's offset and size (without start code). */
static bool next_nal(const uint8_t *p, size_t n, size_t *at, size_t *start, size_t *len)
{
        size_t i = *at;

        for (; i + 3 <= n; i++)
                if (p[i] == 0 && p[i + 1] == 0 && p[i + 2] == 1)
                        break;
        if (i + 3 > n)
                return false;
        *start = i + 3;
        for (i = *start; i + 3 <= n; i++)
                if (p[i] == 0 && p[i + 1] == 0 &&
                    (p[i + 2] == 1 || (p[i + 2] == 0 && i + 3 < n && p[i + 3] == 1)))
                        break;
        *len = (i + 3 <= n ? i : n) - *start;
        *at = *start + *len;
        return true;
}

/* Is there RBSP data before the stop bit? */
static bool more_rbsp(const struct bits *b)
{
        size_t last = b->n;

        while (last > 0 && b->p[last - 1] == 0)
                last--;
        if (!last)
                return false;
        /* The stop bit is the lowest set bit of the last non-zero byte. */
        for (int k = 0; k < 8; k++)
                if (b->p[last - 1] >> k & 1)
                        return b->pos < (last - 1) * 8 + (size_t)(7 - k);
        return false;
}

static const char *parse_sps(struct bits *b, struct vpi_h264_hdr *h)
{
        static const unsigned high[] = {100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134};

        h->profile_idc = u(b, 8);
        u(b, 8); /* constraint flags */
        h->level_idc = u(b, 8);
        ue(b); /* seq_parameter_set_id */
        h->chroma_format_idc = 1;
        for (size_t i = 0; i < sizeof(high) / sizeof(high[0]); i++) {
                if (h->profile_idc != high[i])
                        continue;
                h->chroma_format_idc = ue(b);
                if (h->chroma_format_idc == 3)
                        u(b, 1);
                h->bit_depth_luma_minus8 = ue(b);
                h->bit_depth_chroma_minus8 = ue(b);
                u(b, 1);
                if (u(b, 1))
                        return "SPS scaling matrices";
        }
        h->log2_max_frame_num_minus4 = ue(b);
        h->poc_type = ue(b);
        if (h->poc_type == 0) {
                h->log2_max_poc_lsb_minus4 = ue(b);
        } else if (h->poc_type == 1) {
                unsigned n;
                h->delta_pic_order_always_zero = u(b, 1);
                se(b);
                se(b);
                n = ue(b);
                for (unsigned i = 0; i < n && i < 256; i++)
                        se(b);
        }
        h->num_ref_frames = ue(b);
        h->gaps = u(b, 1);
        h->width_mbs = ue(b) + 1;
        h->height_mbs = ue(b) + 1;
        h->frame_mbs_only = u(b, 1);
        if (!h->frame_mbs_only) {
                h->mbaff = u(b, 1);
                h->height_mbs *= 2;
        }
        h->direct_8x8 = u(b, 1);
        return b->over ? "a truncated SPS" : NULL;
}

static const char *parse_pps(struct bits *b, struct vpi_h264_hdr *h)
{
        ue(b); /* pic_parameter_set_id */
        ue(b); /* seq_parameter_set_id */
        h->cabac = u(b, 1);
        h->bottom_field_pic_order = u(b, 1);
        if (ue(b) != 0)
                return "slice groups";
        h->num_ref_idx_l0_minus1 = ue(b);
        h->num_ref_idx_l1_minus1 = ue(b);
        h->weighted_pred = u(b, 1);
        h->weighted_bipred = u(b, 2);
        h->pic_init_qp_minus26 = se(b);
        h->pic_init_qs_minus26 = se(b);
        h->chroma_qp_offset = se(b);
        h->deblocking_control = u(b, 1);
        h->constrained_intra = u(b, 1);
        h->redundant_cnt = u(b, 1);
        h->second_chroma_qp_offset = h->chroma_qp_offset;
        if (more_rbsp(b)) {
                h->transform_8x8 = u(b, 1);
                if (u(b, 1))
                        return "PPS scaling matrices";
                h->second_chroma_qp_offset = se(b);
        }
        return b->over ? "a truncated PPS" : NULL;
}

static const char *parse_slice(struct bits *b, unsigned nal_type, unsigned ref_idc,
                               struct vpi_h264_hdr *h)
{
        h->first_mb = ue(b);
        h->slice_type = ue(b);
        ue(b); /* pic_parameter_set_id */
        if (h->slice_type % 5 != 2)
                return "a first slice that is not intra";
        h->frame_num = u(b, (int)h->log2_max_frame_num_minus4 + 4);
        if (!h->frame_mbs_only && u(b, 1))
                return "field pictures";
        if (nal_type == 5)
                h->idr_pic_id = ue(b);
        if (h->poc_type == 0) {
                h->poc_lsb = u(b, (int)h->log2_max_poc_lsb_minus4 + 4);
                if (h->bottom_field_pic_order)
                        se(b);
        } else if (h->poc_type == 1 && !h->delta_pic_order_always_zero) {
                se(b);
                if (h->bottom_field_pic_order)
                        se(b);
        }
        if (h->redundant_cnt)
                ue(b);
        if (ref_idc) {
                if (nal_type == 5) {
                        u(b, 2); /* no_output_of_prior_pics, long_term_reference */
                } else if (u(b, 1)) {
                        return "memory management operations";
                }
        }
        h->slice_qp_delta = se(b);
        if (h->deblocking_control) {
                h->disable_deblocking = ue(b);
                if (h->disable_deblocking != 1) {
                        h->alpha_div2 = se(b);
                        h->beta_div2 = se(b);
                }
        }
        h->data_bit_offset = b->pos;
        return b->over ? "a truncated slice header" : NULL;
}

const char *vpi_h264_first_slice(const uint8_t *p, size_t n, struct vpi_h264_hdr *h,
                                 size_t *slice_start, size_t *slice_len, unsigned *slice_ref)
{
        size_t at_ = 0, start = 0, len = 0;
        const char *why = NULL;
        bool sps = false, pps = false;

        memset(h, 0, sizeof(*h));
        *slice_len = 0;
        while (!*slice_len && next_nal(p, n, &at_, &start, &len)) {
                struct bits b = {.p = p + start, .n = len};
                unsigned type = u(&b, 8), ref = type >> 5 & 3;

                type &= 0x1f;
                if (type == 7 && !sps) {
                        why = parse_sps(&b, h);
                        sps = !why;
                } else if (type == 8 && sps && !pps) {
                        why = parse_pps(&b, h);
                        pps = !why;
                } else if ((type == 5 || type == 1) && sps && pps) {
                        why = parse_slice(&b, type, ref, h);
                        *slice_start = start;
                        *slice_len = why ? 0 : len;
                        *slice_ref = ref;
                }
                if (why)
                        return why;
        }
        return *slice_len ? NULL : "no SPS, PPS and slice";
}
