/* SPDX-License-Identifier: MIT */
/* The reference tables compiled in; tables.c is generated from the CSVs in vaprobe/data. */
#ifndef VAPROBE_TABLES_H
#define VAPROBE_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vpi_kmd { VPI_KMD_NONE, VPI_KMD_I915, VPI_KMD_XE };
enum vpi_codec {
        VPI_CODEC_H264,
        VPI_CODEC_HEVC,
        VPI_CODEC_VP8,
        VPI_CODEC_VP9,
        VPI_CODEC_AV1,
        VPI_CODEC_MPEG2,
        VPI_CODEC_VC1,
        VPI_CODEC_JPEG,
        VPI_CODEC_VVC,
};
enum vpi_chroma { VPI_CHROMA_420, VPI_CHROMA_422, VPI_CHROMA_444 };
enum vpi_dir { VPI_DIR_DECODE, VPI_DIR_ENCODE };
enum vpi_ep { VPI_EP_VLD, VPI_EP_ENCSLICE, VPI_EP_ENCSLICELP, VPI_EP_ENCPICTURE };
enum vpi_drv { VPI_DRV_IHD, VPI_DRV_I965 };
enum vpi_build { VPI_BUILD_FREE, VPI_BUILD_NONFREE, VPI_BUILD_ANY };
enum vpi_sup { VPI_SUP_NO, VPI_SUP_YES, VPI_SUP_HYBRID };
enum vpi_conf { VPI_CONF_HIGH, VPI_CONF_MEDIUM, VPI_CONF_LOW };

struct vpi_platform {
        const char *name;  /* CSV spelling, e.g. "ALDERLAKE_S" */
        const char *label; /* label spelling, e.g. "alderlake-s" */
        const char *gen;   /* graphics generation, e.g. "9.5"; "" when unknown */
};

struct vpi_pci_id {
        uint16_t id;
        uint8_t platform; /* index into vpi_platforms */
        const char *gt;
        const char *name;
        const char *subplatform;
        enum vpi_kmd kmd;
        const char *kmd_text;
        const char *xe_force_probe;
        bool in_kernel, in_mesa, in_ihd, in_i965;
};

struct vpi_cell {
        uint8_t platform;
        uint8_t codec;  /* enum vpi_codec */
        uint8_t chroma; /* enum vpi_chroma */
        uint8_t bitdepth;
        uint8_t dir;        /* enum vpi_dir */
        uint8_t ep;         /* enum vpi_ep */
        uint8_t driver;     /* enum vpi_drv */
        uint8_t build;      /* enum vpi_build */
        uint8_t supported;  /* enum vpi_sup */
        uint8_t confidence; /* enum vpi_conf */
        uint16_t note;      /* index into vpi_notes; 0 = none */
        bool note_huc;      /* the note says support depends on HuC */
};

/* Rows [first, first + count) of vpi_matrix are one platform's. */
struct vpi_span {
        uint32_t first, count;
};

extern const struct vpi_platform vpi_platforms[];
extern const size_t vpi_n_platforms;
extern const struct vpi_pci_id vpi_pci_ids[]; /* sorted by id */
extern const size_t vpi_n_pci_ids;
extern const char *const vpi_notes[];
extern const struct vpi_cell vpi_matrix[]; /* grouped by platform */
extern const size_t vpi_n_matrix;
extern const struct vpi_span vpi_matrix_by_platform[]; /* vpi_n_platforms entries */

#endif
