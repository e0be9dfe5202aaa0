/* SPDX-License-Identifier: MIT */
/*
 * Names for VA profiles and entrypoints, and for vaprobe's own enums. A private table rather
 * than vaProfileStr() so parsed vainfo text and saved JSON can be read without libva loaded,
 * and so names stay stable whatever libva the machine has. Values come from intel/libva
 * va/va.h; newer ones are guarded with VA_CHECK_VERSION.
 */
#include <errno.h>
#include <string.h>

#include <va/va.h>

#include "internal.h"
#include "vaprobe/common/strings.h"

struct name {
        int32_t value;
        const char *name;
};

#define N(x)                                                                                       \
        {                                                                                          \
                VAProfile##x, #x                                                                   \
        }
static const struct name profiles[] = {
    {VAProfileNone, "None"},
    N(MPEG2Simple),
    N(MPEG2Main),
    N(MPEG4Simple),
    N(MPEG4AdvancedSimple),
    N(MPEG4Main),
    N(H264Main),
    N(H264High),
    N(VC1Simple),
    N(VC1Main),
    N(VC1Advanced),
    N(H263Baseline),
    N(JPEGBaseline),
    N(H264ConstrainedBaseline),
    N(VP8Version0_3),
    N(H264MultiviewHigh),
    N(H264StereoHigh),
    N(HEVCMain),
    N(HEVCMain10),
    N(VP9Profile0),
    N(VP9Profile1),
    N(VP9Profile2),
    N(VP9Profile3),
    N(HEVCMain12),
    N(HEVCMain422_10),
    N(HEVCMain422_12),
    N(HEVCMain444),
    N(HEVCMain444_10),
    N(HEVCMain444_12),
    N(HEVCSccMain),
    N(HEVCSccMain10),
    N(HEVCSccMain444),
    N(AV1Profile0),
    N(AV1Profile1),
    N(HEVCSccMain444_10),
    N(Protected),
    /* Newer than some va.h: by value (facts.h), so every build names them alike. */
    {VP_PROFILE_H264_HIGH10, "H264High10"},
    {VP_PROFILE_VVC_MAIN10, "VVCMain10"},
    {VP_PROFILE_VVC_MULTILAYER_MAIN10, "VVCMultilayerMain10"},
};
#if VA_CHECK_VERSION(1, 22, 0)
_Static_assert(VAProfileVVCMain10 == VP_PROFILE_VVC_MAIN10 &&
                   VAProfileVVCMultilayerMain10 == VP_PROFILE_VVC_MULTILAYER_MAIN10 &&
                   VAProfileH264High10 == VP_PROFILE_H264_HIGH10,
               "facts.h profile values follow va.h");
#endif
#undef N

#define E(x)                                                                                       \
        {                                                                                          \
                VAEntrypoint##x, #x                                                                \
        }
static const struct name entrypoints[] = {
    E(VLD),
    E(IZZ),
    E(IDCT),
    E(MoComp),
    E(Deblocking),
    E(EncSlice),
    E(EncPicture),
    E(EncSliceLP),
    E(VideoProc),
    E(FEI),
    E(Stats),
    E(ProtectedTEEComm),
    E(ProtectedContent),
};
#undef E

static const char *lookup(const struct name *t, size_t n, int32_t v)
{
        for (size_t i = 0; i < n; i++)
                if (t[i].value == v)
                        return t[i].name;
        return NULL;
}

static int rlookup(const struct name *t, size_t n, const char *prefix, const char *s, int32_t *ret)
{
        size_t pl = strlen(prefix);

        if (!s)
                return -EINVAL;
        if (strncmp(s, prefix, pl) == 0)
                s += pl;
        for (size_t i = 0; i < n; i++) {
                if (strcmp(t[i].name, s) == 0) {
                        *ret = t[i].value;
                        return 0;
                }
        }
        return -ENOENT;
}

const char *vp_profile_name(int32_t p)
{
        return lookup(profiles, sizeof(profiles) / sizeof(profiles[0]), p);
}

const char *vp_entrypoint_name(int32_t e)
{
        return lookup(entrypoints, sizeof(entrypoints) / sizeof(entrypoints[0]), e);
}

int vp_profile_from_name(const char *name, int32_t *ret)
{
        return rlookup(profiles, sizeof(profiles) / sizeof(profiles[0]), "VAProfile", name, ret);
}

int vp_entrypoint_from_name(const char *name, int32_t *ret)
{
        return rlookup(entrypoints, sizeof(entrypoints) / sizeof(entrypoints[0]), "VAEntrypoint",
                       name, ret);
}

const char *vp_tri_str(enum vp_tri t)
{
        switch (t) {
        case VP_YES:
                return "yes";
        case VP_NO:
                return "no";
        default:
                return "unknown";
        }
}

VPI_STR_TABLE(outcome_names, _VP_VA_OUTCOME_MAX, "not-run", "ok", "open-failed", "no-display",
              "init-failed", "crashed", "timed-out", "child-failed");

const char *vp_va_outcome_str(enum vp_va_outcome o)
{
        return vpi_str_of(outcome_names, _VP_VA_OUTCOME_MAX, (int)o, "unknown");
}

int vpi_outcome_from_str(const char *s, enum vp_va_outcome *ret)
{
        int v = vpi_str_find(outcome_names, _VP_VA_OUTCOME_MAX, s);
        if (v < 0)
                return v;
        *ret = (enum vp_va_outcome)v;
        return 0;
}

VPI_STR_TABLE(ex_outcome_names, _VP_EX_OUTCOME_MAX, "not-run", "ok", "skipped", "refused",
              "garbage", "hung", "crashed", "gpu-reset");

const char *vp_ex_outcome_str(enum vp_ex_outcome o)
{
        return vpi_str_of(ex_outcome_names, _VP_EX_OUTCOME_MAX, (int)o, "not-run");
}

int vpi_ex_outcome_from_str(const char *s, enum vp_ex_outcome *ret)
{
        int v = vpi_str_find(ex_outcome_names, _VP_EX_OUTCOME_MAX, s);
        if (v < 0)
                return v;
        *ret = (enum vp_ex_outcome)v;
        return 0;
}
