/* SPDX-License-Identifier: MIT */
/* Internal entry points between vaprobe's files (prefix vpi_). */
#ifndef VAPROBE_INTERNAL_H
#define VAPROBE_INTERNAL_H

#include "vaprobe/facts.h"

/* host.c: fill the machine-wide signals. */
void vpi_probe_machine(const struct vp_options *o, struct vp_machine *h);
/* GPU hang/reset lines in the kernel log now (0 when it is not readable). */
uint32_t vpi_dmesg_resets(const struct vp_options *o);
/* exercise.c: the jobs, on an initialised display whose configs are listed in va. */
#include <va/va.h>
void vpi_va_exercise(VADisplay dpy, struct vp_va *va, const struct vp_va_hooks *hooks);
int vpi_ex_outcome_from_str(const char *s, enum vp_ex_outcome *ret);
/* What the decode back needs of an H.264 Annex B stream: the first SPS, PPS and slice header
 * (exercise.c; tests/vaprobe/test_exercise.c checks it on streams from a real encoder). */
struct vpi_h264_hdr {
        /* SPS */
        unsigned profile_idc, level_idc, chroma_format_idc, bit_depth_luma_minus8,
            bit_depth_chroma_minus8, log2_max_frame_num_minus4, poc_type, log2_max_poc_lsb_minus4,
            delta_pic_order_always_zero, num_ref_frames, gaps, width_mbs, height_mbs,
            frame_mbs_only, mbaff, direct_8x8;
        /* PPS */
        unsigned cabac, bottom_field_pic_order, num_ref_idx_l0_minus1, num_ref_idx_l1_minus1,
            weighted_pred, weighted_bipred, deblocking_control, constrained_intra, redundant_cnt,
            transform_8x8;
        int pic_init_qp_minus26, pic_init_qs_minus26, chroma_qp_offset, second_chroma_qp_offset;
        /* slice */
        unsigned first_mb, slice_type, frame_num, idr_pic_id, poc_lsb, disable_deblocking;
        int slice_qp_delta, alpha_div2, beta_div2;
        size_t data_bit_offset;
};
/* NULL, or why the stream is not one this decodes; the slice NAL unit (from its header byte)
 * is at p + *slice_start, *slice_len bytes. */
const char *vpi_h264_first_slice(const uint8_t *p, size_t n, struct vpi_h264_hdr *h,
                                 size_t *slice_start, size_t *slice_len, unsigned *slice_ref);
bool vpi_is_reset_line(const char *msg);

/* drm.c, in two steps so that vp_probe can start the VA runs in between. The DRM devices libdrm
 * lists (identity and nodes only): 0, or -ENOENT when opts->device names none of them. */
int vpi_list_gpus(const struct vp_options *o, struct vp_facts *f);
/* Then for each: sysfs, render node access and the kernel driver's ioctls; and the display
 * devices no driver made a DRM node for (not with opts->device). */
void vpi_detail_gpus(const struct vp_options *o, struct vp_facts *f);

/* names.c: inverse of vp_va_outcome_str. 0 or -EINVAL. */
int vpi_outcome_from_str(const char *s, enum vp_va_outcome *ret);

/* json.c: make every string fact valid UTF-8 (the field tables name them all). */
void vpi_facts_sanitize(struct vp_facts *f);

#endif
