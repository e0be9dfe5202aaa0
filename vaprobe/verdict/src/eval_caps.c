/* SPDX-License-Identifier: MIT */
/*
 * Capabilities: what the codec matrix says a platform should do (by driver and build) and
 * what the driver's profile/entrypoint list says it does. The 10-bit rules (Skylake has no
 * HEVC Main10 or VP9, Kaby Lake and later do) come out of the matrix, not special cases.
 */
#include <string.h>

#include <va/va.h>

#include "eval.h"
#include "tables.h"
#include "vaprobe/common/strings.h"

struct capdef {
        const char *key;
        enum vpi_codec codec;
        enum vpi_chroma chroma;
        uint8_t depth;
        enum vpi_dir dir;
};

/* 4:2:0 first (the reference matrix), then the range extensions (data/
 * intel-codec-matrix-chroma.csv), each only where a VA profile stands for it. VVC is decode
 * only: no Intel driver encodes it. */
#define C420 VPI_CHROMA_420
#define CAPS(dir, d)                                                                               \
        {d ".h264", VPI_CODEC_H264, C420, 8, dir}, {d ".hevc", VPI_CODEC_HEVC, C420, 8, dir},      \
            {d ".hevc-10bit", VPI_CODEC_HEVC, C420, 10, dir},                                      \
            {d ".hevc-12bit", VPI_CODEC_HEVC, C420, 12, dir},                                      \
            {d ".vp8", VPI_CODEC_VP8, C420, 8, dir}, {d ".vp9", VPI_CODEC_VP9, C420, 8, dir},      \
            {d ".vp9-10bit", VPI_CODEC_VP9, C420, 10, dir},                                        \
            {d ".av1", VPI_CODEC_AV1, C420, 8, dir},                                               \
            {d ".av1-10bit", VPI_CODEC_AV1, C420, 10, dir},                                        \
            {d ".mpeg2", VPI_CODEC_MPEG2, C420, 8, dir}, {d ".vc1", VPI_CODEC_VC1, C420, 8, dir},  \
            {d ".jpeg", VPI_CODEC_JPEG, C420, 8, dir},                                             \
            {d ".hevc-422-10bit", VPI_CODEC_HEVC, VPI_CHROMA_422, 10, dir},                        \
            {d ".hevc-444", VPI_CODEC_HEVC, VPI_CHROMA_444, 8, dir},                               \
            {d ".hevc-444-10bit", VPI_CODEC_HEVC, VPI_CHROMA_444, 10, dir},                        \
            {d ".vp9-444", VPI_CODEC_VP9, VPI_CHROMA_444, 8, dir},                                 \
        {                                                                                          \
                d ".vp9-444-10bit", VPI_CODEC_VP9, VPI_CHROMA_444, 10, dir                         \
        }

static const struct capdef capdefs[VP_N_CAPS] = {
    CAPS(VPI_DIR_DECODE, "decode"),
    {"decode.vvc", VPI_CODEC_VVC, C420, 10, VPI_DIR_DECODE},
    CAPS(VPI_DIR_ENCODE, "encode"),
};
#undef CAPS
#undef C420

const char *vp_cap_key(unsigned i)
{
        return i < VP_N_CAPS ? capdefs[i].key : NULL;
}

/* VA profiles and the RT format bits that stand for a codec at a chroma format and bit depth
 * (intel-capabilities.md section 5; the 4:2:2/4:4:4 RT formats are what iHD's
 * media_driver/linux/common/ddi/media_libva_caps.cpp reports for those profiles). */
struct vamap {
        int32_t profiles[3];
        int n;
        uint32_t rt;
        bool rt_ambiguous; /* the profile alone does not tell the depth (AV1 Profile0) */
};

static struct vamap vamap_for(enum vpi_codec c, enum vpi_chroma chroma, int depth)
{
        /* The range extensions: one profile each. VP9 profile 1 is 8-bit 4:2:2/4:4:0/4:4:4,
         * profile 3 the same at 10/12-bit. */
        static const struct {
                enum vpi_codec codec;
                enum vpi_chroma chroma;
                int depth;
                int32_t profile;
                uint32_t rt;
        } rext[] = {
            {VPI_CODEC_HEVC, VPI_CHROMA_422, 10, VAProfileHEVCMain422_10, VA_RT_FORMAT_YUV422_10},
            {VPI_CODEC_HEVC, VPI_CHROMA_444, 8, VAProfileHEVCMain444, VA_RT_FORMAT_YUV444},
            {VPI_CODEC_HEVC, VPI_CHROMA_444, 10, VAProfileHEVCMain444_10, VA_RT_FORMAT_YUV444_10},
            {VPI_CODEC_VP9, VPI_CHROMA_444, 8, VAProfileVP9Profile1, VA_RT_FORMAT_YUV444},
            {VPI_CODEC_VP9, VPI_CHROMA_444, 10, VAProfileVP9Profile3, VA_RT_FORMAT_YUV444_10},
        };
        for (size_t i = 0; chroma != VPI_CHROMA_420 && i < sizeof(rext) / sizeof(rext[0]); i++)
                if (rext[i].codec == c && rext[i].chroma == chroma && rext[i].depth == depth)
                        return (struct vamap){{rext[i].profile}, 1, rext[i].rt, false};
        switch (c) {
        case VPI_CODEC_H264:
                return (struct vamap){
                    {VAProfileH264Main, VAProfileH264High, VAProfileH264ConstrainedBaseline},
                    3,
                    VA_RT_FORMAT_YUV420,
                    false};
        case VPI_CODEC_HEVC:
                if (depth == 12)
                        return (struct vamap){
                            {VAProfileHEVCMain12}, 1, VA_RT_FORMAT_YUV420_12, false};
                if (depth == 10)
                        return (struct vamap){
                            {VAProfileHEVCMain10}, 1, VA_RT_FORMAT_YUV420_10, false};
                return (struct vamap){{VAProfileHEVCMain}, 1, VA_RT_FORMAT_YUV420, false};
        case VPI_CODEC_VP8:
                return (struct vamap){{VAProfileVP8Version0_3}, 1, VA_RT_FORMAT_YUV420, false};
        case VPI_CODEC_VP9:
                if (depth >= 10)
                        return (struct vamap){{VAProfileVP9Profile2},
                                              1,
                                              depth == 12 ? VA_RT_FORMAT_YUV420_12
                                                          : VA_RT_FORMAT_YUV420_10,
                                              false};
                return (struct vamap){{VAProfileVP9Profile0}, 1, VA_RT_FORMAT_YUV420, false};
        case VPI_CODEC_AV1:
                return (struct vamap){{VAProfileAV1Profile0},
                                      1,
                                      depth == 10 ? VA_RT_FORMAT_YUV420_10 : VA_RT_FORMAT_YUV420,
                                      depth == 10};
        case VPI_CODEC_MPEG2:
                return (struct vamap){
                    {VAProfileMPEG2Simple, VAProfileMPEG2Main}, 2, VA_RT_FORMAT_YUV420, false};
        case VPI_CODEC_VC1:
                return (struct vamap){{VAProfileVC1Simple, VAProfileVC1Main, VAProfileVC1Advanced},
                                      3,
                                      VA_RT_FORMAT_YUV420,
                                      false};
        case VPI_CODEC_VVC: /* Main 10 decodes 8- and 10-bit streams */
                return (struct vamap){{VP_PROFILE_VVC_MAIN10},
                                      1,
                                      VA_RT_FORMAT_YUV420 | VA_RT_FORMAT_YUV420_10,
                                      false};
        case VPI_CODEC_JPEG:
        default:
                return (struct vamap){{VAProfileJPEGBaseline}, 1, 0, false};
        }
}

static bool ep_matches(enum vpi_codec c, enum vpi_dir dir, int32_t ep)
{
        if (dir == VPI_DIR_DECODE)
                return ep == VAEntrypointVLD;
        if (c == VPI_CODEC_JPEG)
                return ep == VAEntrypointEncPicture;
        /* From MTL iHD names VDEnc EncSlice; before it EncSliceLP: accept either. */
        return ep == VAEntrypointEncSlice || ep == VAEntrypointEncSliceLP;
}

static enum vp_tri actual_cap(const struct vp_va *va, const struct capdef *d)
{
        struct vamap m = vamap_for(d->codec, d->chroma, d->depth);
        bool ambiguous = false;

        if (va->outcome != VP_VA_OK)
                return VP_UNKNOWN;
        for (uint32_t i = 0; i < va->n_configs; i++) {
                const struct vp_va_config *c = &va->configs[i];
                bool profile = false;

                for (int k = 0; k < m.n; k++)
                        profile |= c->profile == m.profiles[k];
                if (!profile || !ep_matches(d->codec, d->dir, c->entrypoint))
                        continue;
                if (c->rt_format == 0) { /* not reported (parsed vainfo text) */
                        if (m.rt_ambiguous)
                                ambiguous = true;
                        else
                                return VP_YES;
                } else if (!m.rt || (c->rt_format & m.rt)) {
                        return VP_YES;
                }
        }
        if (ambiguous || va->configs_partial)
                return VP_UNKNOWN;
        return VP_NO;
}

int vpi_platform_index(const char *name)
{
        for (size_t i = 0; i < vpi_n_platforms; i++)
                if (strcmp(vpi_platforms[i].name, name) == 0)
                        return (int)i;
        return -1;
}

const char *vpi_platform_label(int i)
{
        return i >= 0 && (size_t)i < vpi_n_platforms ? vpi_platforms[i].label : "";
}

const char *vpi_platform_gen(int i)
{
        return i >= 0 && (size_t)i < vpi_n_platforms ? vpi_platforms[i].gen : "";
}

/* Expected support: any entrypoint row saying yes. *low when every yes row is low/medium
 * confidence; *note_huc when a yes row's note says it depends on HuC. */
static enum vp_tri expected_cap(int pi, const struct capdef *d, enum vpi_drv drv,
                                enum vpi_build build, bool *low, bool *note_huc)
{
        bool any_row = false, yes = false, high = false;
        const struct vpi_span *span = &vpi_matrix_by_platform[pi];

        for (size_t i = span->first; i < span->first + span->count; i++) {
                const struct vpi_cell *c = &vpi_matrix[i];
                if (c->codec != d->codec || c->chroma != d->chroma || c->bitdepth != d->depth ||
                    c->dir != d->dir || c->driver != drv)
                        continue;
                if (c->build != VPI_BUILD_ANY && c->build != build)
                        continue;
                any_row = true;
                if (c->supported != VPI_SUP_YES)
                        continue;
                yes = true;
                high |= c->confidence == VPI_CONF_HIGH;
                if (note_huc && c->note_huc)
                        *note_huc = true;
        }
        if (low)
                *low = yes && !high;
        if (!any_row)
                return VP_UNKNOWN;
        return yes ? VP_YES : VP_NO;
}

/* The libva in use is known and older than VA-API major.minor. */
static bool va_api_before(const struct vp_va *va, int major, int minor)
{
        if (va->api_major <= 0)
                return false;
        return va->api_major < major || (va->api_major == major && va->api_minor < minor);
}

void vpi_eval_caps(const struct vp_gpu *g, struct vp_gpu_eval *ge)
{
        int pi = vpi_platform_index(ge->platform.platform);
        enum vpi_drv drv = strcmp(ge->va_driver, "i965") == 0 ? VPI_DRV_I965 : VPI_DRV_IHD;
        enum vpi_build full = drv == VPI_DRV_I965 ? VPI_BUILD_ANY : VPI_BUILD_NONFREE;

        for (unsigned i = 0; i < VP_N_CAPS; i++) {
                const struct capdef *d = &capdefs[i];
                struct vp_cap *c = &ge->caps[i];
                bool low = false, huc_note = false;

                memset(c, 0, sizeof(*c));
                c->actual = actual_cap(&g->va, d);
                c->expected = pi < 0 ? VP_UNKNOWN : expected_cap(pi, d, drv, full, &low, &huc_note);
                c->low_confidence = low;
                if (c->expected != VP_YES || c->actual != VP_NO)
                        continue;
                if (d->codec == VPI_CODEC_VVC && va_api_before(&g->va, 1, 22))
                        /* VVC joined VA-API in 1.22 (libva 2.22): an older libva, and an iHD
                         * built against its headers, cannot list it. */
                        vpi_strlcpy(c->cause, "va-api-too-old", sizeof(c->cause));
                else if (drv == VPI_DRV_IHD && ge->nonfree == VP_NO &&
                         expected_cap(pi, d, drv, VPI_BUILD_FREE, NULL, NULL) == VP_NO)
                        vpi_strlcpy(c->cause, "free-build", sizeof(c->cause));
                else if (ge->huc == VP_NO && d->dir == VPI_DIR_ENCODE && huc_note)
                        vpi_strlcpy(c->cause, "huc", sizeof(c->cause));
                else if (low)
                        vpi_strlcpy(c->cause, "low-confidence", sizeof(c->cause));
                else
                        vpi_strlcpy(c->cause, "missing", sizeof(c->cause));
        }
}

/* Does the driver list this profile set with this entrypoint? */
bool vpi_has(const struct vp_va *va, const int32_t *profiles, int n, int32_t ep)
{
        for (uint32_t i = 0; i < va->n_configs; i++)
                for (int k = 0; k < n; k++)
                        if (va->configs[i].profile == profiles[k] &&
                            va->configs[i].entrypoint == ep)
                                return true;
        return false;
}
