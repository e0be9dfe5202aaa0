/* SPDX-License-Identifier: MIT */
/*
 * How each platform's GPU can be split between VMs: one explicit row per platform, never
 * inferred from the generation (an Arc A-series card is gen 12.5 and cannot be split).
 * Sources, per row group:
 * - GVT-g: i915's GVT-g device match, drivers/gpu/drm/i915/intel_gvt.c is_supported_device()
 *   (Broadwell, Skylake, Broxton, Kaby Lake, Coffee Lake, Comet Lake).
 * - SR-IOV through i915-sriov-dkms (strongtz/i915-sriov-dkms README: Gen12 iGPUs, Tiger Lake
 *   to Raptor Lake, and Meteor/Arrow Lake); upstream i915 has no SR-IOV PF.
 * - SR-IOV through xe: has_sriov in drivers/gpu/drm/xe/xe_pci.c (Panther Lake; Battlemage
 *   later), with SR-IOV PF mode on by default from Linux 6.17 (drm-xe-next-fixes for 6.17:
 *   "We already claim official support for SR-IOV PF/VF modes on PTL and BMG"); the number
 *   of VFs is xe.max_vfs. TGL/ADL/RPL: xe drives them too when chosen (force_probe), with
 *   the same xe.max_vfs; MTL/ARL: xe's descriptor has no has_sriov, so the dkms module only.
 * - None: Cherry View, Gemini Lake, Cannon Lake, Ice Lake, Elkhart/Jasper Lake, Rocket Lake,
 *   DG1, DG2 (Arc A-series: no SR-IOV in i915, i915-sriov-dkms or xe; only its ATS-M sibling
 *   has it, through Intel's data-center driver stack), Ponte Vecchio (likewise) and Lunar
 *   Lake (xe's lnl_desc has no has_sriov).
 */
#include <stdio.h>
#include <string.h>

#include "eval.h"

static const struct vpi_split_row rows[] = {
    {"BROADWELL", VPI_SPLIT_GVTG, VPI_SRIOV_NO, NULL},
    {"SKYLAKE", VPI_SPLIT_GVTG, VPI_SRIOV_NO, NULL},
    {"BROXTON", VPI_SPLIT_GVTG, VPI_SRIOV_NO, NULL},
    {"KABYLAKE", VPI_SPLIT_GVTG, VPI_SRIOV_NO, NULL},
    {"COFFEELAKE", VPI_SPLIT_GVTG, VPI_SRIOV_NO, NULL},
    {"COMETLAKE", VPI_SPLIT_GVTG, VPI_SRIOV_NO, NULL},
    {"CHERRYVIEW", VPI_SPLIT_NONE, VPI_SRIOV_NO, NULL},
    {"GEMINILAKE", VPI_SPLIT_NONE, VPI_SRIOV_NO, NULL},
    {"CANNONLAKE", VPI_SPLIT_NONE, VPI_SRIOV_NO, NULL},
    {"ICELAKE", VPI_SPLIT_NONE, VPI_SRIOV_NO, NULL},
    {"ELKHARTLAKE", VPI_SPLIT_NONE, VPI_SRIOV_NO, NULL},
    {"JASPERLAKE", VPI_SPLIT_NONE, VPI_SRIOV_NO, NULL},
    {"ROCKETLAKE", VPI_SPLIT_NONE, VPI_SRIOV_NO, NULL},
    {"DG1", VPI_SPLIT_NONE, VPI_SRIOV_NO, NULL},
    {"DG2", VPI_SPLIT_NONE, VPI_SRIOV_NO, NULL},
    {"PONTEVECCHIO", VPI_SPLIT_NONE, VPI_SRIOV_NO, NULL},
    {"LUNARLAKE", VPI_SPLIT_NONE, VPI_SRIOV_NO, NULL},
    {"TIGERLAKE", VPI_SPLIT_SRIOV, VPI_SRIOV_DKMS_OR_XE, NULL},
    {"ALDERLAKE_S", VPI_SPLIT_SRIOV, VPI_SRIOV_DKMS_OR_XE, NULL},
    {"ALDERLAKE_P", VPI_SPLIT_SRIOV, VPI_SRIOV_DKMS_OR_XE, NULL},
    {"ALDERLAKE_N", VPI_SPLIT_SRIOV, VPI_SRIOV_DKMS_OR_XE, NULL},
    {"RAPTORLAKE_S", VPI_SPLIT_SRIOV, VPI_SRIOV_DKMS_OR_XE, NULL},
    {"RAPTORLAKE_P", VPI_SPLIT_SRIOV, VPI_SRIOV_DKMS_OR_XE, NULL},
    {"RAPTORLAKE_U", VPI_SPLIT_SRIOV, VPI_SRIOV_DKMS_OR_XE, NULL},
    {"ATS_M", VPI_SPLIT_SRIOV, VPI_SRIOV_DKMS, NULL},
    {"METEORLAKE", VPI_SPLIT_SRIOV, VPI_SRIOV_DKMS, NULL},
    {"ARROWLAKE", VPI_SPLIT_SRIOV, VPI_SRIOV_DKMS, NULL},
    {"BATTLEMAGE", VPI_SPLIT_SRIOV, VPI_SRIOV_XE, "6.17"},
    {"PANTHERLAKE", VPI_SPLIT_SRIOV, VPI_SRIOV_XE, "6.17"},
    /* Panther Lake's successors in xe_pci.c take its descriptor's SR-IOV; no release claimed. */
    {"WILDCATLAKE", VPI_SPLIT_SRIOV, VPI_SRIOV_XE, NULL},
};

const struct vpi_split_row *vpi_split_row(const char *platform)
{
        if (!platform)
                return NULL;
        for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
                if (strcmp(rows[i].platform, platform) == 0)
                        return &rows[i];
        return NULL;
}

enum vpi_split vpi_split_method(const char *platform)
{
        const struct vpi_split_row *r = vpi_split_row(platform);
        return r ? r->split : VPI_SPLIT_UNKNOWN;
}

enum vpi_sriov vpi_sriov_driver(const char *platform, const char *pf_driver)
{
        const struct vpi_split_row *r = vpi_split_row(platform);
        if (!r || r->split != VPI_SPLIT_SRIOV)
                return VPI_SRIOV_NO;
        if (r->sriov == VPI_SRIOV_DKMS_OR_XE)
                return pf_driver && strcmp(pf_driver, "xe") == 0 ? VPI_SRIOV_XE : VPI_SRIOV_DKMS;
        return r->sriov;
}

/* The xe releases that stopped requiring force_probe: Panther Lake is on by default from
 * Linux 6.17 (the 6.17 drm-xe-next pull "promoting Panther Lake's Xe3 graphics to
 * on-by-default"; xe_pci.c ptl_desc without .require_force_probe). */
static const struct {
        const char *platform;
        int major, minor;
} probe_free[] = {
    {"PANTHERLAKE", 6, 17},
};

bool vpi_needs_force_probe(const char *platform, const char *release)
{
        int major = 0, minor = 0;

        if (!platform)
                return true;
        for (size_t i = 0; i < sizeof(probe_free) / sizeof(probe_free[0]); i++) {
                if (strcmp(probe_free[i].platform, platform) != 0)
                        continue;
                if (!release || sscanf(release, "%d.%d", &major, &minor) != 2)
                        return true;
                return major < probe_free[i].major ||
                       (major == probe_free[i].major && minor < probe_free[i].minor);
        }
        return true;
}
