/* SPDX-License-Identifier: MIT */
/*
 * The checks, in the order of the seed guide: CPU generation, VM settings, kernel driver,
 * VA-API driver, monitoring. Each has a stable id, a status, the evidence it used, and for
 * anything not ok a cause and a copy-paste fix. Rules come from
 * shared/reference/intel-capabilities.md section 6 and guest-detection.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <va/va.h>

#include "eval.h"
#include "vaprobe/common/strings.h"

#define STEP_CPU "1. CPU and GPU generation"
#define STEP_VM "2. VM settings"
#define STEP_KERNEL "3. Kernel driver and /dev/dri"
#define STEP_VA "4. VA-API driver and codecs"
#define STEP_MON "5. Monitoring"

static const int32_t H264[] = {VAProfileH264Main, VAProfileH264High,
                               VAProfileH264ConstrainedBaseline};
static const int32_t VC1[] = {VAProfileVC1Simple, VAProfileVC1Main, VAProfileVC1Advanced};
static const int32_t AV1[] = {VAProfileAV1Profile0};

static double gen_of(const struct vp_gpu_eval *ge)
{
        return ge && ge->platform.gen[0] ? strtod(ge->platform.gen, NULL) : 0.0;
}

static bool gvt_platform(const char *p)
{
        return vpi_split_method(p) == VPI_SPLIT_GVTG;
}

/* ---- per-GPU facts that several checks use ---- */

static enum vp_virt classify(const struct vp_machine *h, const struct vp_gpu *g,
                             const struct vp_gpu_eval *ge)
{
        bool i915 = strcmp(g->drm_name, "i915") == 0;
        bool fences4 = i915 && g->num_fences.known && g->num_fences.value == 4;
        double gen = gen_of(ge);

        if (h->dmesg_gvt == VP_YES || fences4)
                return VP_VIRT_GVTG;
        if (h->dmesg_sriov_vf == VP_YES)
                return VP_VIRT_SRIOV_VF;
        if (g->gvt_edid == VP_YES && g->io_bar == VP_NO)
                return VP_VIRT_GVTG;
        if (h->hypervisor == VP_NO)
                return VP_VIRT_BARE_METAL;
        if (h->hypervisor != VP_YES)
                return VP_VIRT_UNKNOWN;
        if (g->io_bar == VP_NO && gen >= 12)
                return VP_VIRT_SRIOV_VF;
        /* In a VM, a gen8/9 GPU without its I/O BAR is a GVT-g vGPU: passthrough keeps the
         * BAR, and these generations have no SR-IOV. */
        if (g->io_bar == VP_NO && gvt_platform(ge->platform.platform))
                return VP_VIRT_GVTG;
        if (g->io_bar == VP_YES)
                return VP_VIRT_PASSTHROUGH;
        if (i915 && g->num_fences.known && g->num_fences.value > 4 && gen > 0 && gen < 12)
                return VP_VIRT_PASSTHROUGH;
        return VP_VIRT_UNKNOWN;
}

/* GVT-g type from the ballooned aperture: a vGPU sees about low_gm + high_gm of its type
 * available (guest-detection.md 1.2), less what is pinned. */
static void vgpu_type(const struct vp_machine *h, const struct vp_gpu *g, struct vp_gpu_eval *ge)
{
        static const struct {
                long long mib;
                const char *suffix;
        } types[] = {{448, "8"}, {640, "4"}, {1280, "2"}, {2560, "1"}};
        const char *v = gen_of(ge) > 0 && gen_of(ge) < 9 ? "V4" : "V5";

        if (h->dmesg_vgpu_type[0]) {
                /* The log names sizes, not the generation: BDW types are V4. */
                snprintf(ge->vgpu_type, sizeof(ge->vgpu_type), "GVTg_%s_%s", v,
                         h->dmesg_vgpu_type + strlen(h->dmesg_vgpu_type) - 1);
                return;
        }
        if (ge->virt != VP_VIRT_GVTG || !g->aperture_available.known)
                return;
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
                long long size = types[i].mib << 20, avail = g->aperture_available.value;
                /* avail comes from a snapshot too: range-check before any arithmetic. */
                if (avail >= 0 && avail <= size && avail * 5 >= size * 4) {
                        snprintf(ge->vgpu_type, sizeof(ge->vgpu_type), "GVTg_%s_%s", v,
                                 types[i].suffix);
                        return;
                }
        }
}

static enum vp_tri huc_state(const struct vp_gpu *g, const struct vp_gpu_eval *ge)
{
        static const int32_t hevc[] = {VAProfileHEVCMain};
        static const int32_t vp9[] = {VAProfileVP9Profile0};
        double gen = gen_of(ge);
        bool cqp_only = false;

        if (strcmp(g->kernel_driver, "xe") == 0 || strcmp(g->drm_name, "xe") == 0)
                return VP_YES; /* iHD hard-codes hasHuc under xe (mos_bufmgr_xe.c) */
        for (uint32_t i = 0; i < g->va.n_configs; i++) {
                const struct vp_va_config *c = &g->va.configs[i];
                if (c->entrypoint != VAEntrypointEncSliceLP || !c->rate_control)
                        continue;
                if (c->rate_control & (VA_RC_CBR | VA_RC_VBR))
                        return VP_YES;
                if (c->rate_control == VA_RC_CQP)
                        cqp_only = true;
        }
        if (cqp_only)
                return VP_NO;
        /* ICL to DG2 advertise VP9 EncSliceLP only with HuC (media_libva_caps_g11/g12.cpp,
         * media-driver#579): HEVC LP without VP9 LP is the same signature. */
        if (gen >= 11 && gen < 12.7 && g->va.outcome == VP_VA_OK && !g->va.configs_partial &&
            strcmp(ge->va_driver, "iHD") == 0 && vpi_has(&g->va, hevc, 1, VAEntrypointEncSliceLP) &&
            !vpi_has(&g->va, vp9, 1, VAEntrypointEncSliceLP))
                return VP_NO;
        if (g->huc_status.known)
                return g->huc_status.value > 0 ? VP_YES : VP_NO;
        return VP_UNKNOWN;
}

/* Free vs non-free iHD (intel-capabilities.md section 6 rule 4). Only before MTL. */
static enum vp_tri nonfree_state(const struct vp_gpu *g, const struct vp_gpu_eval *ge)
{
        const struct vp_va *va = &g->va;
        double gen = gen_of(ge);
        bool lp, slice, vc1, av1, any_enc = false, any_dec = false;

        if (va->outcome != VP_VA_OK || strcmp(ge->va_driver, "iHD") != 0 || gen >= 12.7 || gen == 0)
                return VP_UNKNOWN;
        for (uint32_t i = 0; i < va->n_configs; i++) {
                int32_t ep = va->configs[i].entrypoint;
                any_enc |= ep == VAEntrypointEncSlice || ep == VAEntrypointEncSliceLP;
                any_dec |= ep == VAEntrypointVLD;
        }
        slice = vpi_has(va, H264, 3, VAEntrypointEncSlice);
        vc1 = vpi_has(va, VC1, 3, VAEntrypointVLD);
        av1 = vpi_has(va, AV1, 1, VAEntrypointVLD);
        lp = vpi_has(va, H264, 3, VAEntrypointEncSliceLP);
        if (slice || vc1 || (gen >= 12 && av1))
                return VP_YES;
        if (va->configs_partial || !any_dec)
                return VP_UNKNOWN;
        if (gen < 9) /* Broadwell: the free build has no encoder at all */
                return any_enc ? VP_YES : VP_NO;
        return lp ? VP_NO : VP_UNKNOWN;
}

/* i965's vendor string names the chipset ("Intel i965 driver for Intel(R) Coffee Lake - 2.3.0",
 * i965_device_info.c): enough to set expectations when the PCI id is not known. */
static void platform_from_i965_vendor(const char *vendor, struct vp_platform *p)
{
        static const struct {
                const char *name, *platform;
        } names[] = {
            {"Broadwell", "BROADWELL"},    {"Skylake", "SKYLAKE"},        {"Broxton", "BROXTON"},
            {"Apollo Lake", "BROXTON"},    {"Gemini Lake", "GEMINILAKE"}, {"Kaby Lake", "KABYLAKE"},
            {"Coffee Lake", "COFFEELAKE"}, {"Cherryview", "CHERRYVIEW"},
        };
        const char *p0 = strstr(vendor, "Intel i965 driver for Intel(R) ");

        if (!p0)
                return;
        p0 += strlen("Intel i965 driver for Intel(R) ");
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                int pi;
                /* Case-insensitive: i965 spells it "CherryView" (i965_device_info.c). */
                if (strncasecmp(p0, names[i].name, strlen(names[i].name)) != 0)
                        continue;
                pi = vpi_platform_index(names[i].platform);
                if (pi < 0)
                        return;
                p->guessed = true;
                vpi_strlcpy(p->platform, names[i].platform, sizeof(p->platform));
                vpi_strlcpy(p->label, vpi_platform_label(pi), sizeof(p->label));
                vpi_strlcpy(p->gen, vpi_platform_gen(pi), sizeof(p->gen));
                vpi_strlcpy(p->default_kmd, "i915", sizeof(p->default_kmd));
                return;
        }
}

/* libva 2.5 and older (VA-API 1.5 and older) map the i915 kernel driver to i965 only; iHD
 * joined the map in libva 2.6 (va/drm/va_drm_utils.c, the g_driver_name_map entry
 * { "i915", "iHD" } ahead of i965). */
static bool libva_i915_means_i965(const struct vp_gpu *g)
{
        return g->va.api_major == 1 && g->va.api_minor <= 5 && strcmp(g->kernel_driver, "xe") != 0;
}

static void eval_gpu(const struct vp_facts *f, uint32_t idx, struct vp_gpu_eval *ge)
{
        const struct vp_gpu *g = &f->gpus[idx];

        memset(ge, 0, sizeof(*ge));
        ge->gpu = idx;
        if (g->device_id)
                vp_platform_lookup(g->device_id, &ge->platform);
        else
                platform_from_i965_vendor(g->va.vendor, &ge->platform);
        ge->virt = classify(&f->machine, g, ge);
        vgpu_type(&f->machine, g, ge);
        if (strcmp(g->va.driver, "i965") == 0 || strcmp(g->va.driver, "iHD") == 0)
                vpi_strlcpy(ge->va_driver, g->va.driver, sizeof(ge->va_driver));
        else
                /* What libva would pick: i965 where only i965 knows the id, or where this
                 * libva maps i915 to i965 only and i965 knows it. */
                vpi_strlcpy(ge->va_driver,
                            strcmp(g->va.driver_env, "i965") == 0 ||
                                    (strcmp(g->va.driver_env, "iHD") != 0 && ge->platform.known &&
                                     ge->platform.in_i965 &&
                                     (!ge->platform.in_ihd || libva_i915_means_i965(g)))
                                ? "i965"
                                : "iHD",
                            sizeof(ge->va_driver));
        ge->huc = huc_state(g, ge);
        ge->nonfree = nonfree_state(g, ge);
        vpi_eval_caps(g, ge);
}

/* ---- checks (the registry at the end lists them in report order) ---- */

/* What every guest check sees. g and ge are NULL when there is no Intel GPU: the checks that
 * can still say something about the VM (virtualization, vIOMMU, Secure Boot, kernel modules)
 * do; the others skip with the reason. */
struct gctx {
        const struct vp_facts *f;
        const struct vp_eval *e;
        const struct vp_gpu *g;
        const struct vp_gpu_eval *ge;
        const struct vpi_vars *base;
};

/* Why a fact is unknown: a pasted vainfo output never has it; a snapshot may not. */
static const char *not_in(const struct gctx *x)
{
        return strcmp(x->f->source, "vainfo") == 0 ? "not in a vainfo output"
                                                   : "unknown (not in this input)";
}

static bool skip_without_gpu(struct vp_check *c, const struct gctx *x)
{
        if (x->g)
                return false;
        vpi_check_set(c, VP_STATUS_SKIP);
        SUMMARY(c, "no Intel GPU");
        return true;
}

static void check_gpu(struct vp_check *c, const void *arg)
{
        const struct gctx *x = arg;
        const struct vp_facts *f = x->f;
        struct vpi_vars v;
        vpi_vars_copy(&v, x->base);

        EVID(c, "DRM devices and display-class PCI devices: %u%s\n", f->n_gpus,
             f->gpus_partial ? " (more were there: only these were examined)" : "");
        for (uint32_t i = 0; i < f->n_gpus; i++)
                EVID(c, "%04x:%04x at %s (%s)\n", f->gpus[i].vendor_id, f->gpus[i].device_id,
                     f->gpus[i].pci_slot[0] ? f->gpus[i].pci_slot : "?",
                     f->gpus[i].drm_name[0]    ? f->gpus[i].drm_name
                     : f->gpus[i].va.driver[0] ? f->gpus[i].va.driver
                                               : "no driver");
        if (x->g) {
                vpi_check_set(c, VP_STATUS_OK);
                SUMMARY(c, "Intel GPU 8086:%04x%s%s", x->g->device_id,
                        x->g->pci_slot[0] ? " at " : "", x->g->pci_slot);
                if (x->e->n_gpus > 1)
                        SUMMARY(c, " (%u Intel GPUs; the checks are about this one)", x->e->n_gpus);
                return;
        }
        SUMMARY(c, "no Intel GPU in this machine");
        if (f->n_gpus && strcmp(f->source, "vainfo") == 0) {
                const struct vp_gpu *g = &f->gpus[0];
                vpi_var(&v, "vendor_name", "%s", g->vendor_id == 0x10de ? "NVIDIA" : "AMD");
                vpi_var(&v, "driver", "%s", g->va.driver[0] ? g->va.driver : g->va.drivers_tried);
                SUMMARY(c, " (a %s GPU's vainfo)", g->vendor_id == 0x10de ? "NVIDIA" : "AMD");
                vpi_cause(c, VPC_NOT_INTEL_VAINFO, &v);
                return;
        }
        if (f->device[0] && f->n_gpus) {
                const struct vp_gpu *g = &f->gpus[0];
                vpi_var(&v, "node", "%s", f->device);
                vpi_var(&v, "vendor_name", "%s",
                        g->vendor_id == 0x1af4   ? "virtual (virtio)"
                        : g->vendor_id == 0x1b36 ? "virtual (QXL)"
                        : g->vendor_id == 0x10de ? "NVIDIA"
                        : g->vendor_id == 0x1002 ? "AMD"
                                                 : "non-Intel");
                vpi_var(&v, "drm_name", "%s", g->drm_name[0] ? g->drm_name : "?");
                SUMMARY(c, " at %s (only that node was probed)", f->device);
                vpi_cause(c, VPC_DEVICE_NOT_INTEL, &v);
                return;
        }
        vpi_cause(c, VPC_NO_INTEL_GPU, &v);
}

static void check_cpu(struct vp_check *c, const void *arg)
{
        const struct gctx *x = arg;
        const struct vp_gpu *g = x->g;
        const struct vp_gpu_eval *ge = x->ge;
        const struct vp_platform *p;
        struct vpi_vars v;
        vpi_vars_copy(&v, x->base);
        enum vpi_split split;
        double gen;

        if (x->f->machine.cpu_model[0])
                EVID(c, "cpu: %s\n", x->f->machine.cpu_model);
        if (skip_without_gpu(c, x))
                return;
        p = &ge->platform;
        gen = gen_of(ge);
        vpi_var(&v, "device_id", "%04x", g->device_id);
        vpi_var(&v, "platform", "%s", p->platform);
        if (!g->device_id && !p->guessed) {
                SUMMARY(c, "platform unknown: no PCI device id in this input");
                vpi_cause(c, VPC_PLATFORM_UNKNOWN, &v);
                return;
        }
        if (g->device_id)
                EVID(c, "gpu: 8086:%04x %s%s\n", g->device_id, p->name[0] ? p->name : "",
                     p->guessed ? " (not in the id table)" : "");
        else
                EVID(c, "gpu: device id unknown; platform from the i965 vendor string\n");
        if (!p->known && !p->guessed) {
                SUMMARY(c, "unknown Intel GPU 0x%04x", g->device_id);
                vpi_cause(c, VPC_UNKNOWN_DEVICE, &v);
                return;
        }
        EVID(c, "platform: %s, graphics gen %s%s\n", p->platform, p->gen,
             p->guessed ? " (guessed from the id range)" : "");
        if (p->guessed && !g->device_id)
                SUMMARY(c, "%s (from the driver's name for it), gen %s: ", p->platform, p->gen);
        else if (p->guessed)
                SUMMARY(c, "unknown Intel GPU 0x%04x, probably %s (gen %s): ", g->device_id,
                        p->platform, p->gen);
        else
                SUMMARY(c, "%s, gen %s: ", p->platform, p->gen);
        /* How the GPU can be shared: split.c's row for the platform (sources named there). */
        split = vpi_split_method(p->platform);
        switch (split) {
        case VPI_SPLIT_GVTG:
                SUMMARY(c, "GVT-g split possible (i915-GVTg_%s types), no SR-IOV",
                        gen < 9 ? "V4" : "V5");
                break;
        case VPI_SPLIT_SRIOV: {
                const struct vpi_split_row *r = vpi_split_row(p->platform);
                SUMMARY(c, "SR-IOV VFs possible (%s), no GVT-g",
                        r->sriov == VPI_SRIOV_XE     ? "xe"
                        : r->sriov == VPI_SRIOV_DKMS ? "i915-sriov-dkms"
                                                     : "i915-sriov-dkms, or xe when it drives it");
                break;
        }
        case VPI_SPLIT_NONE:
                SUMMARY(c, "no way to split this GPU: full passthrough only");
                EVID(c, "%s has neither GVT-g nor SR-IOV in i915, i915-sriov-dkms or xe\n",
                     p->platform);
                break;
        default:
                break;
        }
        vpi_check_set(c, VP_STATUS_OK);
        if (ge->virt == VP_VIRT_GVTG && !gvt_platform(p->platform) && !p->guessed)
                vpi_cause(c, VPC_GVT_UNSUPPORTED, &v);
        else if (ge->virt == VP_VIRT_SRIOV_VF && !p->guessed && split != VPI_SPLIT_SRIOV)
                vpi_cause(c, VPC_SRIOV_UNSUPPORTED, &v);
        else if (p->guessed && g->device_id)
                vpi_cause(c, VPC_GUESSED_PLATFORM, &v);
}

static void check_virt(struct vp_check *c, const void *arg)
{
        const struct gctx *x = arg;
        const struct vp_machine *h = &x->f->machine;
        const struct vp_gpu *g = x->g;
        const struct vp_gpu_eval *ge = x->ge;
        struct vpi_vars v;
        vpi_vars_copy(&v, x->base);

        EVID(c, "hypervisor cpu flag: %s\n", vp_tri_str(h->hypervisor));
        if (h->dmi_sys_vendor[0])
                EVID(c, "dmi: %s %s\n", h->dmi_sys_vendor, h->dmi_product);
        if (!g) {
                /* Before a GPU is assigned only "is this a VM" can be said. */
                vpi_check_set(c, h->hypervisor == VP_UNKNOWN ? VP_STATUS_SKIP : VP_STATUS_OK);
                SUMMARY(c, "%s; no GPU to classify yet",
                        h->hypervisor == VP_YES  ? "a virtual machine"
                        : h->hypervisor == VP_NO ? "bare metal"
                                                 : "unknown");
                return;
        }
        if (g->num_fences.known)
                EVID(c, "fence registers: %lld (4 on every GVT-g vGPU, 32 on a real GPU)\n",
                     (long long)g->num_fences.value);
        if (g->aperture_size.known && g->aperture_available.known)
                EVID(c, "aperture available: %lld of %lld MiB\n",
                     (long long)(g->aperture_available.value >> 20),
                     (long long)(g->aperture_size.value >> 20));
        if (g->gvt_edid == VP_YES)
                EVID(c, "GVT-g virtual monitor EDID on %s\n", g->gvt_edid_connector);
        if (g->io_bar != VP_UNKNOWN)
                EVID(c, "I/O BAR: %s\n", g->io_bar == VP_YES ? "present" : "absent");
        if (g->pci_slot[0])
                EVID(c, "pci slot: %s\n", g->pci_slot);
        if (h->dmesg_readable == VP_YES) {
                if (h->dmesg_gvt == VP_YES)
                        EVID(c, "kernel log: Virtual GPU for Intel GVT-g detected\n");
                if (h->dmesg_sriov_vf == VP_YES)
                        EVID(c, "kernel log: Running in SR-IOV VF mode\n");
        } else if (h->dmesg_readable == VP_NO) {
                EVID(c, "kernel log: not readable by this process\n");
        }
        if (h->i915_pmu != VP_UNKNOWN)
                EVID(c, "i915 PMU: %s\n", h->i915_pmu == VP_YES ? "present" : "absent");
        if (ge->virt == VP_VIRT_UNKNOWN && h->hypervisor == VP_UNKNOWN) {
                vpi_check_set(c, VP_STATUS_SKIP);
                SUMMARY(c, "%s", not_in(x));
                return;
        }
        SUMMARY(c, "%s", vp_virt_str(ge->virt));
        if (ge->vgpu_type[0])
                SUMMARY(c, " (%s)", ge->vgpu_type);
        vpi_check_set(c, VP_STATUS_OK);
        if (ge->virt == VP_VIRT_UNKNOWN)
                vpi_cause(c, VPC_UNDETERMINED, &v);
}

static void check_viommu(struct vp_check *c, const void *arg)
{
        const struct gctx *x = arg;
        const struct vp_machine *m = &x->f->machine;
        struct vpi_vars v;
        vpi_vars_copy(&v, x->base);

        if (strcmp(x->f->source, "vainfo") == 0) {
                vpi_check_set(c, VP_STATUS_SKIP);
                SUMMARY(c, "not in a vainfo output");
                return;
        }
        EVID(c, "iommu devices in this OS: %s\n",
             m->iommu == VP_YES ? m->iommu_names : vp_tri_str(m->iommu));
        if (m->hypervisor != VP_YES || m->iommu == VP_UNKNOWN) {
                vpi_check_set(c, VP_STATUS_SKIP);
                SUMMARY(c, m->hypervisor == VP_NO ? "not a VM" : "unknown");
                return;
        }
        if (m->iommu == VP_NO) {
                vpi_check_set(c, VP_STATUS_OK);
                SUMMARY(c, "no vIOMMU in the VM");
                return;
        }
        SUMMARY(c, "a vIOMMU is exposed to this VM");
        vpi_cause(c, x->ge && x->ge->virt == VP_VIRT_GVTG ? VPC_VIOMMU_WITH_MDEV : VPC_VIOMMU, &v);
}

static void check_secure_boot(struct vp_check *c, const void *arg)
{
        const struct gctx *x = arg;
        const struct vp_machine *h = &x->f->machine;
        struct vpi_vars v;
        vpi_vars_copy(&v, x->base);
        bool gpu_works = x->g && x->g->va.outcome == VP_VA_OK;

        if (strcmp(x->f->source, "vainfo") == 0) {
                vpi_check_set(c, VP_STATUS_SKIP);
                SUMMARY(c, "not in a vainfo output");
                return;
        }
        EVID(c, "uefi: %s, SecureBoot: %s, SetupMode: %s\n", vp_tri_str(h->efi),
             vp_tri_str(h->secure_boot), vp_tri_str(h->setup_mode));
        if (h->secure_boot == VP_UNKNOWN) {
                vpi_check_set(c, VP_STATUS_SKIP);
                SUMMARY(c, "unknown (efivarfs is not readable here)");
                return;
        }
        if (h->secure_boot == VP_NO || h->setup_mode == VP_YES) {
                vpi_check_set(c, VP_STATUS_OK);
                SUMMARY(c,
                        h->efi == VP_NO ? "legacy BIOS boot, no Secure Boot" : "Secure Boot off");
                return;
        }
        SUMMARY(c, "Secure Boot is on in this VM");
        /* With a working GPU the in-tree, signed i915 is in use: only out-of-tree modules
         * (i915-sriov-dkms) would be refused. Without a GPU yet it matters for a VF later. */
        vpi_cause_as(c, VPC_SECURE_BOOT_ON, gpu_works || !x->g ? VP_STATUS_WARN : VP_STATUS_FAIL,
                     &v);
}

static void check_kernel_driver(struct vp_check *c, const void *arg)
{
        const struct gctx *x = arg;
        const struct vp_machine *h = &x->f->machine;
        const struct vp_gpu *g = x->g;
        const struct vp_gpu_eval *ge = x->ge;
        struct vpi_vars v;
        vpi_vars_copy(&v, x->base);

        vpi_var(&v, "kernel", "%s", h->kernel_release[0] ? h->kernel_release : "?");
        vpi_var(&v, "no_gpu_yet", "%s", "");
        if (!g) {
                EVID(c, "kernel: %s; modules: i915 %s, xe %s\n",
                     h->kernel_release[0] ? h->kernel_release : "?", vp_tri_str(h->mod_i915),
                     vp_tri_str(h->mod_xe));
                if (h->mod_i915 == VP_NO && h->mod_xe == VP_NO) {
                        SUMMARY(c, "no GPU yet, and this kernel has no GPU driver for one");
                        vpi_var(&v, "no_gpu_yet", "%s",
                                ": when the GPU is added, nothing will bind it");
                        vpi_cause(c, VPC_NO_KERNEL_MODULE, &v);
                } else if (h->mod_i915 == VP_YES || h->mod_xe == VP_YES) {
                        vpi_check_set(c, VP_STATUS_OK);
                        SUMMARY(c, "no GPU yet; %s ready for one",
                                h->mod_i915 == VP_YES ? "i915" : "xe");
                } else {
                        vpi_check_set(c, VP_STATUS_SKIP);
                        SUMMARY(c, "no Intel GPU; the kernel's modules are not readable here");
                }
                return;
        }
        if (!g->pci_slot[0] && !g->kernel_driver[0]) {
                vpi_check_set(c, VP_STATUS_SKIP);
                SUMMARY(c, "%s", not_in(x));
                return;
        }
        vpi_var(&v, "device_id", "%04x", g->device_id);
        vpi_var(&v, "kmd", "%s", g->kernel_driver);
        vpi_var(&v, "loaded", "%s", vp_tri_str(h->loaded_i915));
        EVID(c, "bound driver: %s\n", g->kernel_driver[0] ? g->kernel_driver : "none");
        EVID(c, "kernel: %s; modules: i915 %s, xe %s\n",
             h->kernel_release[0] ? h->kernel_release : "?", vp_tri_str(h->mod_i915),
             vp_tri_str(h->mod_xe));
        if (ge->platform.known)
                EVID(c, "default kernel driver for this id: %s\n", ge->platform.default_kmd);
        if (strcmp(g->kernel_driver, "i915") == 0 || strcmp(g->kernel_driver, "xe") == 0) {
                vpi_check_set(c, VP_STATUS_OK);
                SUMMARY(c, "%s bound", g->kernel_driver);
                return;
        }
        if (g->kernel_driver[0]) {
                SUMMARY(c, "bound to %s, not i915/xe", g->kernel_driver);
                vpi_var(&v, "kmd_note", "%s",
                        strcmp(g->kernel_driver, "vfio-pci") == 0
                            ? " (it is set up for passthrough from this machine, not for use here)"
                            : "");
                vpi_cause(c, VPC_OTHER_DRIVER, &v);
                return;
        }
        SUMMARY(c, "no kernel driver bound to the GPU");
        if (h->mod_i915 == VP_NO && h->mod_xe == VP_NO)
                vpi_cause(c, VPC_NO_KERNEL_MODULE, &v);
        else if (h->secure_boot == VP_YES)
                vpi_cause(c, VPC_MODULE_REFUSED, &v);
        else if (strstr(ge->platform.xe_force_probe, "force_probe") &&
                 strcmp(ge->platform.default_kmd, "xe") == 0 &&
                 vpi_needs_force_probe(ge->platform.platform, h->kernel_release))
                vpi_cause(c, VPC_NEEDS_FORCE_PROBE, &v);
        else if (ge->platform.known && !ge->platform.in_kernel)
                vpi_cause(c, VPC_ID_NOT_IN_KERNEL, &v);
        else
                vpi_cause(c, VPC_DRIVER_NOT_LOADED, &v);
}

static void check_render_node(struct vp_check *c, const void *arg)
{
        const struct gctx *x = arg;
        const struct vp_gpu *g = x->g;
        struct vpi_vars v;
        vpi_vars_copy(&v, x->base);

        if (skip_without_gpu(c, x))
                return;
        if (x->f->gpus_partial)
                EVID(c, "more than %d GPUs: only the first %d were examined\n", VP_MAX_GPUS,
                     VP_MAX_GPUS);
        if (g->render_node[0]) {
                vpi_check_set(c, VP_STATUS_OK);
                SUMMARY(c, "%s", g->render_node);
                if (g->card_node[0])
                        EVID(c, "card node: %s\n", g->card_node);
                EVID(c, "render node: %s\n", g->render_node);
                return;
        }
        if (!g->pci_slot[0]) {
                vpi_check_set(c, VP_STATUS_SKIP);
                SUMMARY(c, "%s", not_in(x));
                return;
        }
        if (!g->kernel_driver[0]) {
                SUMMARY(c, "no /dev/dri node: no kernel driver");
                vpi_cause(c, VPC_NO_DRIVER, &v);
                return;
        }
        SUMMARY(c, "%s is bound but there is no render node", g->kernel_driver);
        vpi_cause(c, VPC_NO_RENDER_NODE, &v);
}

static bool in_groups(const struct vp_machine *h, uint32_t gid)
{
        if (h->gid == gid)
                return true;
        for (uint32_t i = 0; i < h->n_groups && i < VP_MAX_GROUPS; i++)
                if (h->groups[i] == gid)
                        return true;
        return false;
}

static void check_render_access(struct vp_check *c, const void *arg)
{
        const struct gctx *x = arg;
        const struct vp_gpu *g = x->g;
        const struct vp_machine *m = &x->f->machine;
        struct vpi_vars v;
        vpi_vars_copy(&v, x->base);

        if (skip_without_gpu(c, x))
                return;
        if (!g->render_node[0] || !g->render_stat_ok) {
                vpi_check_set(c, VP_STATUS_SKIP);
                SUMMARY(c, "%s",
                        strcmp(x->f->source, "vainfo") == 0 ? not_in(x)
                                                            : "no render node to check");
                return;
        }
        EVID(c, "%s: mode %04o owner %u group %u (%s)\n", g->render_node, g->render_mode,
             g->render_uid, g->render_gid, g->render_group[0] ? g->render_group : "?");
        EVID(c, "this process: uid %u gid %u, %u supplementary groups\n", m->uid, m->gid,
             m->n_groups);
        if (g->render_open_errno == 0) {
                vpi_check_set(c, VP_STATUS_OK);
                SUMMARY(c, "this process can open %s", g->render_node);
                return;
        }
        if (g->render_open_errno < 0) {
                vpi_check_set(c, VP_STATUS_SKIP);
                SUMMARY(c, "not tried");
                return;
        }
        EVID(c, "open(O_RDWR): %s\n", strerror(g->render_open_errno));
        SUMMARY(c, "this process cannot open %s", g->render_node);
        vpi_var(&v, "node", "%s", g->render_node);
        vpi_var(&v, "mode", "%04o", g->render_mode);
        vpi_var(&v, "owner", "%u", g->render_uid);
        vpi_var(&v, "gid", "%u", g->render_gid);
        vpi_var(&v, "uid", "%u", m->uid);
        vpi_var(&v, "group", "%s", g->render_group[0] ? g->render_group : "render");
        vpi_var(&v, "in_group", "%s",
                in_groups(m, g->render_gid) ? " (yet the group matches)" : "");
        vpi_var(&v, "errno_text", "%s", strerror(g->render_open_errno));
        vpi_cause(c,
                  g->render_open_errno == EACCES || g->render_open_errno == EPERM
                      ? VPC_RENDER_NODE_DENIED
                      : VPC_RENDER_NODE_OPEN_FAILED,
                  &v);
}

static bool tried(const struct vp_va *va, const char *name)
{
        char list[sizeof(va->drivers_tried) + 2], want[40];
        snprintf(list, sizeof(list), ",%s,", va->drivers_tried);
        snprintf(want, sizeof(want), ",%s,", name);
        return strstr(list, want) != NULL;
}

/* libva tried a virtual GPU's driver: it was given (or defaulted to) the wrong render node. */
static bool virtual_gpu_driver_tried(const struct vp_va *va)
{
        return tried(va, "virtio_gpu") || tried(va, "qxl") || tried(va, "bochs");
}

/* libva asked for a Mesa GL driver's name (the X11/DRI2 path: va_x11.c takes the DRI2
 * driver name, and Mesa answers with its GL driver). */
static const char *gl_driver_tried(const struct vp_va *va)
{
        static const char *const gl[] = {"crocus",   "iris",   "radeonsi", "r600", "nouveau",
                                         "llvmpipe", "swrast", "virgl",    NULL};
        for (const char *const *n = gl; *n; n++)
                if (tried(va, *n))
                        return *n;
        return NULL;
}

static bool is_xe(const struct vp_gpu *g)
{
        return strcmp(g->kernel_driver, "xe") == 0 || strcmp(g->drm_name, "xe") == 0;
}

/* The va-driver and va-init checks name the same cause for the same facts (one fix, not two
 * that contradict each other): the driver-selection causes live here. */
static int driver_selection_cause(const struct vp_gpu *g)
{
        const struct vp_va *va = &g->va;

        if (virtual_gpu_driver_tried(va) && !tried(va, "iHD") && !tried(va, "i965"))
                return VPC_NON_INTEL_DRIVER;
        if (gl_driver_tried(va) && !va->driver[0])
                return VPC_GL_DRIVER_NAME;
        if (is_xe(g) && tried(va, "xe") && !va->driver[0])
                return VPC_XE_NO_MAPPING;
        return -1;
}

/* The last driver libva tried ("iHD"), into buf; "the driver" when none is known. */
static const char *last_tried_name(const struct vp_va *va, char *buf, size_t n)
{
        const char *last = strrchr(va->drivers_tried, ',');
        last = last ? last + 1 : va->drivers_tried;
        snprintf(buf, n, "%.*s", (int)(n - 1), last[0] ? last : "the driver");
        return buf;
}

/* Whether libva's log shows NAME's driver file tried and never loaded (no "Found init
 * function" before the next driver): absent, or its dlopen failed. */
static bool not_loaded(const struct vp_va *va, const char *name)
{
        char file[48];
        const char *t, *next, *found;

        snprintf(file, sizeof(file), "/%s_drv_video.so", name);
        for (t = strstr(va->log, "Trying to open "); t; t = next) {
                const char *eol = strchr(t, '\n');
                next = strstr(t + 1, "Trying to open ");
                if (!eol || !memmem(t, (size_t)(eol - t), file, strlen(file)))
                        continue;
                found = strstr(eol, "Found init function");
                return !found || (next && found > next);
        }
        return false;
}

/* The reason of a failed dlopen of NAME's driver ("undefined symbol: ..."), into buf; "" if
 * the log has none. */
static void dlopen_reason(const struct vp_va *va, const char *name, char *buf, size_t n)
{
        char file[48];
        const char *d = va->log;

        buf[0] = '\0';
        snprintf(file, sizeof(file), "/%s_drv_video.so failed: ", name);
        while ((d = strstr(d, "dlopen of "))) {
                const char *eol = d + strcspn(d, "\n");
                const char *r = memmem(d, (size_t)(eol - d), file, strlen(file));
                if (r) {
                        r += strlen(file);
                        /* dlerror() repeats the path: "PATH: undefined symbol: X". */
                        const char *colon = memmem(r, (size_t)(eol - r), ".so: ", 5);
                        if (colon)
                                r = colon + 5;
                        snprintf(buf, n, "%.*s", (int)(eol - r), r);
                        return;
                }
                d = eol;
        }
}

/*
 * Classes of vainfo output whose first failing line misleads (issue 20's list), told from
 * libva's log: none of them is about the VA driver refusing this GPU.
 */
enum va_class {
        VA_CLASS_NONE,
        VA_CLASS_X11_NO_NAME, /* libva va_x11.c: the X server named no VA driver */
        VA_CLASS_X11_CRASH,   /* an abort in libva's X11/DRI2 path (va_dri2.c) */
        VA_CLASS_NOT_I915,    /* iHD's i915 ioctls failed: not an i915/xe render node */
        VA_CLASS_I965_NO_IHD, /* iHD absent, i965 tried on a GPU it cannot drive */
        VA_CLASS_OLD_LIBVA,   /* libva <= 2.5 tried only i965 on a GPU i965 cannot drive */
};

static enum va_class va_class_of(const struct vp_gpu *g, const struct vp_gpu_eval *ge)
{
        const struct vp_va *va = &g->va;
        const char *log = va->log;
        /* i965 was tried, on its own choice, for a GPU it does not know. */
        bool i965_cannot =
            tried(va, "i965") && ge->platform.known && !ge->platform.in_i965 && !va->driver_env[0];

        if (va->driver[0])
                return VA_CLASS_NONE;
        if (strstr(log, "vaGetDriverNames() failed") ||
            strstr(log, "vaGetDriverNameByIndex() failed"))
                return VA_CLASS_X11_NO_NAME;
        if (va->outcome == VP_VA_CRASHED &&
            (strstr(log, "va_dri2") || strstr(log, "DRI2") || strstr(log, "va_x11")))
                return VA_CLASS_X11_CRASH;
        if (strstr(log, "get chip id failed") || strstr(log, "param: 4, val: 0"))
                return VA_CLASS_NOT_I915;
        if (i965_cannot && !tried(va, "iHD") && libva_i915_means_i965(g))
                return VA_CLASS_OLD_LIBVA;
        if (i965_cannot && (!tried(va, "iHD") || not_loaded(va, "iHD")))
                return VA_CLASS_I965_NO_IHD;
        return VA_CLASS_NONE;
}

/* The cause of a class, with its summary; false for VA_CLASS_NONE. */
static bool va_class_cause(struct vp_check *c, enum va_class k, const struct vp_gpu_eval *ge,
                           struct vpi_vars *v)
{
        switch (k) {
        case VA_CLASS_X11_NO_NAME:
                SUMMARY(c, "the X server named no VA driver (not a GPU failure)");
                vpi_cause(c, VPC_X11_NO_DRIVER_NAME, v);
                return true;
        case VA_CLASS_X11_CRASH:
                SUMMARY(c, "the driver aborted in libva's X11/DRI2 path");
                vpi_cause(c, VPC_X11_PATH_CRASH, v);
                return true;
        case VA_CLASS_NOT_I915:
                SUMMARY(c, "the render node is not an Intel i915/xe GPU");
                vpi_cause(c, VPC_NOT_I915_NODE, v);
                return true;
        case VA_CLASS_I965_NO_IHD:
                SUMMARY(c, "iHD is not installed and i965 cannot drive %s",
                        ge->platform.platform[0] ? ge->platform.platform : "this GPU");
                vpi_cause(c, VPC_I965_UNKNOWN_PLATFORM, v);
                return true;
        case VA_CLASS_OLD_LIBVA:
                SUMMARY(c, "this libva (2.5 or older) tried only i965, which cannot drive %s",
                        ge->platform.platform[0] ? ge->platform.platform : "this GPU");
                vpi_cause(c, VPC_LIBVA_NO_IHD_MAPPING, v);
                return true;
        default:
                return false;
        }
}

static void va_vars(struct vpi_vars *v, const struct vp_gpu *g, const struct vp_gpu_eval *ge)
{
        const struct vp_va *va = &g->va;

        vpi_var(v, "node", "%s", g->render_node[0] ? g->render_node : "/dev/dri/renderD128");
        vpi_var(v, "tried", "%s", va->drivers_tried[0] ? va->drivers_tried : "?");
        vpi_var(v, "driver", "%s", va->driver);
        vpi_var(v, "drm_name", "%s", g->drm_name[0] ? g->drm_name : "this GPU");
        vpi_var(v, "device_id", "%04x", g->device_id);
        vpi_var(v, "platform", "%s", ge->platform.platform[0] ? ge->platform.platform : "this GPU");
        vpi_var(v, "va_driver", "%s", ge->va_driver);
        vpi_var(v, "api", "%d.%d", va->api_major, va->api_minor);
        vpi_var(v, "ihd_state", "%s",
                va->driver_env[0] ? "LIBVA_DRIVER_NAME keeps libva from iHD"
                                  : "iHD, which can, is not installed (libva found no "
                                    "iHD_drv_video.so)");
        if (gl_driver_tried(va))
                vpi_var(v, "tried", "%s", gl_driver_tried(va));
}

static void check_va_driver(struct vp_check *c, const void *arg)
{
        const struct gctx *x = arg;
        const struct vp_facts *f = x->f;
        const struct vp_gpu *g = x->g;
        const struct vp_gpu *first = NULL;
        const struct vp_va *va;
        struct vpi_vars v;
        vpi_vars_copy(&v, x->base);
        int sel;

        if (skip_without_gpu(c, x))
                return;
        va = &g->va;
        for (uint32_t i = 0; i < f->n_gpus; i++)
                if (f->gpus[i].render_node[0] &&
                    (!first || strcmp(f->gpus[i].render_node, first->render_node) < 0))
                        first = &f->gpus[i];
        if (va->outcome == VP_VA_NOT_RUN && !va->drivers_tried[0]) {
                vpi_check_set(c, VP_STATUS_SKIP);
                SUMMARY(c, "libva not run");
                return;
        }
        va_vars(&v, g, x->ge);
        if (g->drm_name[0])
                EVID(c, "kernel driver name (libva keys on it): %s\n", g->drm_name);
        EVID(c, "libva tried: %s\n", va->drivers_tried[0] ? va->drivers_tried : "?");
        if (va->driver_env[0])
                EVID(c, "LIBVA_DRIVER_NAME=%s\n", va->driver_env);
        if (va->api_major)
                EVID(c, "VA-API %d.%d\n", va->api_major, va->api_minor);
        if (va->vendor[0])
                EVID(c, "vendor: %s\n", va->vendor);
        sel = driver_selection_cause(g);
        if (sel == VPC_NON_INTEL_DRIVER) {
                SUMMARY(c, "libva opened a virtual GPU's render node, not the Intel one");
                vpi_cause(c, VPC_NON_INTEL_NODE, &v);
                return;
        }
        if (sel == VPC_GL_DRIVER_NAME) {
                SUMMARY(c, "libva looked for a VA driver named after the GL driver (%s)",
                        gl_driver_tried(va));
                vpi_cause(c, VPC_GL_DRIVER_NAME, &v);
                return;
        }
        if (sel == VPC_XE_NO_MAPPING) {
                SUMMARY(c, "libva has no xe -> iHD mapping and looked for xe_drv_video.so");
                vpi_cause(c, VPC_XE_NO_MAPPING, &v);
                return;
        }
        if (va_class_cause(c, va_class_of(g, x->ge), x->ge, &v))
                return;
        if (!va->driver[0] && strstr(va->log, "_drv_video.so init failed")) {
                /* The driver file was there and loaded; installing it again fixes nothing. */
                char name[sizeof(va->drivers_tried)];
                SUMMARY(c, "%s loaded, but its initialisation failed (see va-init)",
                        last_tried_name(va, name, sizeof(name)));
                vpi_cause(c, VPC_DRIVER_INIT_FAILED, &v);
                return;
        }
        if (!va->driver[0]) {
                SUMMARY(c, "no VA driver could be loaded");
                vpi_cause(c, VPC_NO_VA_DRIVER, &v);
                return;
        }
        SUMMARY(c, "%s", va->driver);
        vpi_check_set(c, VP_STATUS_OK);
        if (strcmp(va->driver, "i965") == 0 && x->ge->platform.in_ihd) {
                char why[200] = "";
                if (!va->driver_env[0])
                        dlopen_reason(va, "iHD", why, sizeof(why));
                if (va->driver_env[0])
                        vpi_var(&v, "i965_why", " because LIBVA_DRIVER_NAME forces it");
                else if (libva_i915_means_i965(g) && !tried(va, "iHD"))
                        vpi_var(&v, "i965_why",
                                " because this libva (VA-API %d.%d, libva 2.%d) maps i915 to "
                                "i965 only (iHD joined the map in libva 2.6; "
                                "LIBVA_DRIVER_NAME=iHD picks it)",
                                va->api_major, va->api_minor, va->api_minor);
                else if (why[0])
                        vpi_var(&v, "i965_why", " because iHD failed to load (%s)", why);
                else if (not_loaded(va, "iHD"))
                        vpi_var(&v, "i965_why", " because iHD is not installed");
                else
                        vpi_var(&v, "i965_why", " (iHD failed or is not installed)");
                vpi_var(&v, "unset_env", "%s",
                        va->driver_env[0] ? "; unset LIBVA_DRIVER_NAME" : "");
                vpi_cause(c, VPC_I965_FALLBACK, &v);
        } else if (strcmp(va->driver, "iHD") != 0 && strcmp(va->driver, "i965") != 0) {
                vpi_cause(c, VPC_UNEXPECTED_DRIVER, &v);
        }
        if (c->status == VP_STATUS_OK && first && first != g && !vp_is_intel(first)) {
                vpi_var(&v, "first_node", "%s", first->render_node);
                vpi_var(&v, "first_drm", "%s", first->drm_name[0] ? first->drm_name : "?");
                vpi_cause(c, VPC_NON_INTEL_FIRST, &v);
        }
}

static void check_va_init(struct vp_check *c, const void *arg)
{
        const struct gctx *x = arg;
        const struct vp_gpu *g = x->g;
        const struct vp_gpu_eval *ge = x->ge;
        const struct vp_va *va;
        struct vpi_vars v;
        vpi_vars_copy(&v, x->base);
        int sel;

        if (skip_without_gpu(c, x))
                return;
        va = &g->va;
        va_vars(&v, g, ge);
        if (va->outcome != VP_VA_OK && strcmp(x->f->source, "vainfo") == 0 &&
            va_class_cause(c, va_class_of(g, ge), ge, &v)) {
                EVID(c, "%s", va->log);
                return;
        }
        switch (va->outcome) {
        case VP_VA_OK:
                vpi_check_set(c, VP_STATUS_OK);
                SUMMARY(c, "vaInitialize ok, %u profile/entrypoint pairs", va->n_configs);
                return;
        case VP_VA_NOT_RUN:
                vpi_check_set(c, VP_STATUS_SKIP);
                SUMMARY(c, "not run");
                return;
        case VP_VA_OPEN_FAILED:
                if (strcmp(x->f->source, "vainfo") == 0) {
                        SUMMARY(c, "vainfo could not open the render node");
                        vpi_cause(c, VPC_DEVICE_OPEN_FAILED, &v);
                        return;
                }
                vpi_check_set(c, VP_STATUS_SKIP);
                SUMMARY(c, "render node not openable (see render-node-access)");
                return;
        case VP_VA_CRASHED:
        case VP_VA_TIMED_OUT:
                if (strcmp(x->f->source, "vainfo") == 0) {
                        SUMMARY(c, "the output stops inside the driver's initialisation");
                        vpi_cause(c, VPC_DRIVER_STOPPED, &v);
                        return;
                }
                if (va->outcome == VP_VA_TIMED_OUT) {
                        SUMMARY(c, "the VA driver did not answer in time");
                        vpi_cause(c, VPC_DRIVER_HUNG, &v);
                        return;
                }
                SUMMARY(c, "the VA driver crashed (signal %d)", va->child_signal);
                vpi_var(&v, "signal_text", " with signal %d", va->child_signal);
                vpi_cause(c, VPC_DRIVER_CRASHED, &v);
                return;
        case VP_VA_NO_DISPLAY:
                if (strcmp(x->f->source, "vainfo") == 0) {
                        SUMMARY(c, "vainfo opened no display");
                        vpi_cause(c, VPC_NO_DISPLAY, &v);
                        return;
                }
                __attribute__((fallthrough));
        case VP_VA_CHILD_FAILED:
                SUMMARY(c, "libva could not be run on %s", g->render_node);
                vpi_cause(c, VPC_PROBE_FAILED, &v);
                return;
        default:
                break;
        }
        /* VP_VA_INIT_FAILED: libva's messages name the cause. */
        SUMMARY(c, "vaInitialize failed: %d (%s)", va->init_status, va->init_error);
        EVID(c, "%s", va->log);
        sel = driver_selection_cause(g);
        if (sel >= 0) {
                vpi_cause(c, (enum vpi_cause)sel, &v);
        } else if (strstr(va->log, "undefined symbol")) {
                const char *sym = strstr(va->log, "undefined symbol");
                vpi_var(&v, "symbol", "%.*s", (int)strcspn(sym, "\n"), sym);
                vpi_cause(c, VPC_GMMLIB_MISMATCH, &v);
        } else if (va->api_major == 0 && va->api_minor > 0 && strcmp(ge->va_driver, "iHD") == 0) {
                vpi_cause(c, VPC_LIBVA_TOO_OLD, &v);
        } else if (strstr(va->log, "has no function __vaDriverInit")) {
                /* libva looks for __vaDriverInit_1_<its minor> down to _1_0: a driver built
                 * for a newer libva, or not a VA driver at all, has none of them. */
                vpi_cause(c, VPC_NO_INIT_FUNCTION, &v);
        } else if (va->drivers_tried[0] && !strstr(va->log, "Found init function") &&
                   strstr(va->log, "Trying to open")) {
                vpi_cause(c, VPC_DRIVER_MISSING, &v);
        } else if ((strcmp(ge->va_driver, "i965") == 0 ||
                    (tried(va, "i965") && !tried(va, "iHD"))) &&
                   !ge->platform.in_i965 && ge->platform.known) {
                /* i965 on Ice Lake and later, or a Comet Lake id it never learnt, with no iHD
                 * installed: i965 cannot drive it. */
                vpi_cause(c, VPC_I965_UNKNOWN_PLATFORM, &v);
        } else if (ge->platform.known && !ge->platform.in_ihd) {
                vpi_cause(c, VPC_UNKNOWN_PCI_ID, &v);
        } else {
                vpi_cause(c, VPC_DRIVER_INIT_FAILED, &v);
        }
}

static void check_encoder_build(struct vp_check *c, const void *arg)
{
        const struct gctx *x = arg;
        const struct vp_gpu *g = x->g;
        const struct vp_gpu_eval *ge = x->ge;
        struct vpi_vars v;
        vpi_vars_copy(&v, x->base);

        if (skip_without_gpu(c, x))
                return;
        if (g->va.outcome != VP_VA_OK || strcmp(ge->va_driver, "iHD") != 0) {
                vpi_check_set(c, VP_STATUS_SKIP);
                SUMMARY(c, g->va.outcome != VP_VA_OK ? "VA-API not working" : "not iHD");
                return;
        }
        if (gen_of(ge) >= 12.7) {
                vpi_check_set(c, VP_STATUS_OK);
                SUMMARY(c, "Meteor Lake and later lose nothing in the free build");
                return;
        }
        EVID(c, "H.264 EncSlice (shader encoder): %s\n",
             vpi_has(&g->va, H264, 3, VAEntrypointEncSlice) ? "yes" : "no");
        EVID(c, "H.264 EncSliceLP (VDEnc): %s\n",
             vpi_has(&g->va, H264, 3, VAEntrypointEncSliceLP) ? "yes" : "no");
        EVID(c, "VC-1 decode: %s\n", vpi_has(&g->va, VC1, 3, VAEntrypointVLD) ? "yes" : "no");
        if (gen_of(ge) >= 12)
                EVID(c, "AV1 decode: %s\n",
                     vpi_has(&g->va, AV1, 1, VAEntrypointVLD) ? "yes" : "no");
        if (ge->nonfree == VP_YES) {
                vpi_check_set(c, VP_STATUS_OK);
                SUMMARY(c, "full (non-free) iHD build");
        } else if (ge->nonfree == VP_NO) {
                SUMMARY(c, "free iHD build: shader encoders, VC-1%s missing",
                        gen_of(ge) >= 12 ? " and AV1 decode" : "");
                vpi_var(&v, "free_av1", "%s", gen_of(ge) >= 12 ? ", no AV1 decode" : "");
                vpi_cause(c, VPC_FREE_BUILD, &v);
        } else {
                vpi_check_set(c, VP_STATUS_SKIP);
                SUMMARY(c, "cannot tell free from non-free from this list");
        }
}

static void check_huc(struct vp_check *c, const void *arg)
{
        const struct gctx *x = arg;
        const struct vp_gpu *g = x->g;
        const struct vp_gpu_eval *ge = x->ge;
        struct vpi_vars v;
        vpi_vars_copy(&v, x->base);
        bool lp = false;

        if (skip_without_gpu(c, x))
                return;
        for (uint32_t i = 0; i < g->va.n_configs; i++) {
                const struct vp_va_config *vc = &g->va.configs[i];
                if (vc->entrypoint == VAEntrypointEncSliceLP) {
                        lp = true;
                        if (vc->rate_control) {
                                EVID(c, "%s EncSliceLP rate control: 0x%x%s\n",
                                     vp_profile_name(vc->profile), vc->rate_control,
                                     vc->rate_control == VA_RC_CQP ? " (CQP only)" : "");
                                break;
                        }
                }
        }
        if (g->huc_status.known)
                EVID(c, "i915 HUC_STATUS: %lld\n", (long long)g->huc_status.value);
        if (ge->huc == VP_UNKNOWN || (!lp && !g->huc_status.known)) {
                vpi_check_set(c, VP_STATUS_SKIP);
                SUMMARY(c, strcmp(x->f->source, "vainfo") == 0 && g->va.outcome == VP_VA_OK
                               ? "unknown (rate control details are not in a vainfo output)"
                               : "unknown");
                return;
        }
        if (ge->huc == VP_YES) {
                vpi_check_set(c, VP_STATUS_OK);
                SUMMARY(c, "HuC loaded: low-power encoders have bitrate control");
                return;
        }
        SUMMARY(c, "HuC not loaded: low-power (VDEnc) encode is CQP-only%s",
                gen_of(ge) >= 11 ? ", no VP9 encode" : "");
        vpi_cause(c, ge->virt == VP_VIRT_GVTG ? VPC_HUC_GVTG : VPC_HUC_OFF, &v);
}

static const char *step_what(const struct vp_ex_step *s, char *buf, size_t n)
{
        const char *ep = vp_entrypoint_name(s->entrypoint);
        if (strcmp(s->kind, "vpp") == 0)
                snprintf(buf, n, "video processing (scale and colour conversion)");
        else
                snprintf(buf, n, "%s %s (%s)", s->codec, s->kind, ep ? ep : "?");
        return buf;
}

static void check_exercise(struct vp_check *c, const void *arg)
{
        const struct gctx *x = arg;
        const struct vp_gpu *g = x->g;
        const struct vp_exercise *ex;
        const struct vp_ex_step *bad = NULL;
        struct vpi_vars v;
        unsigned ran = 0;
        char what[96];

        if (skip_without_gpu(c, x))
                return;
        ex = &g->va.exercise;
        if (!ex->requested) {
                vpi_check_set(c, VP_STATUS_SKIP);
                SUMMARY(c, "not run: no real job was asked for (the driver's list is trusted)");
                return;
        }
        for (uint32_t i = 0; i < ex->n_steps && i < VP_MAX_EX_STEPS; i++) {
                const struct vp_ex_step *s = &ex->steps[i];
                EVID(c, "%s: %s, %u ms", step_what(s, what, sizeof(what)),
                     vp_ex_outcome_str(s->outcome), s->ms);
                if (s->frames && s->fps_x10)
                        EVID(c, ", %u frame%s, %.1f fps", s->frames, s->frames == 1 ? "" : "s",
                             s->fps_x10 / 10.0);
                EVID(c, "%s%s\n", s->detail[0] ? ": " : "", s->detail);
                if (s->outcome == VP_EX_OK)
                        ran++;
                else if (vp_ex_failed(s->outcome) && !bad)
                        bad = s;
        }
        if (!ex->n_steps) {
                vpi_check_set(c, VP_STATUS_SKIP);
                SUMMARY(c, g->va.outcome == VP_VA_OK
                               ? "nothing to run: the driver lists no video processing, H.264 "
                                 "or HEVC encode"
                               : "not run: libva did not initialise");
                return;
        }
        if (!bad) {
                vpi_check_set(c, VP_STATUS_OK);
                SUMMARY(c, "%u real job%s ran and gave the right output", ran, ran == 1 ? "" : "s");
                return;
        }
        vpi_vars_copy(&v, x->base);
        vpi_var(&v, "what", "%s", step_what(bad, what, sizeof(what)));
        vpi_var(&v, "detail", "%s", bad->detail[0] ? bad->detail : vp_ex_outcome_str(bad->outcome));
        SUMMARY(c, "%s: %s", what, vp_ex_outcome_str(bad->outcome));
        vpi_cause(c,
                  bad->outcome == VP_EX_REFUSED   ? VPC_EXERCISE_REFUSED
                  : bad->outcome == VP_EX_GARBAGE ? VPC_EXERCISE_GARBAGE
                  : bad->outcome == VP_EX_HUNG    ? VPC_EXERCISE_HUNG
                  : bad->outcome == VP_EX_CRASHED ? VPC_EXERCISE_CRASHED
                                                  : VPC_EXERCISE_GPU_RESET,
                  &v);
}

static const char *const cap_exercise[][3] = {
    /* capability key, step kind, step codec */
    {"encode.h264", "encode", "h264"},
    {"encode.hevc", "encode", "hevc"},
    {"encode.hevc-10bit", "encode", "hevc-10bit"},
    {"decode.h264", "decode", "h264"},
};

enum vp_ex_outcome vp_exercise_of_cap(const struct vp_facts *f, const struct vp_eval *e,
                                      const char *cap)
{
        enum vp_ex_outcome best = VP_EX_NOT_RUN;
        const struct vp_exercise *ex;

        if (!f || !e || e->primary < 0 || !cap)
                return VP_EX_NOT_RUN;
        ex = &f->gpus[e->gpus[e->primary].gpu].va.exercise;
        for (size_t k = 0; k < sizeof(cap_exercise) / sizeof(cap_exercise[0]); k++) {
                if (strcmp(cap, cap_exercise[k][0]) != 0)
                        continue;
                /* Every entrypoint that was run must have worked. */
                for (uint32_t i = 0; i < ex->n_steps && i < VP_MAX_EX_STEPS; i++) {
                        const struct vp_ex_step *s = &ex->steps[i];
                        if (strcmp(s->kind, cap_exercise[k][1]) != 0 ||
                            strcmp(s->codec, cap_exercise[k][2]) != 0)
                                continue;
                        if (s->outcome != VP_EX_OK)
                                return s->outcome;
                        best = VP_EX_OK;
                }
        }
        return best;
}

static void check_codecs(struct vp_check *c, const void *arg)
{
        const struct gctx *x = arg;
        const struct vp_gpu *g = x->g;
        const struct vp_gpu_eval *ge = x->ge;
        struct vpi_vars v;
        vpi_vars_copy(&v, x->base);
        unsigned ok = 0, missing = 0, explained = 0, low = 0, unknown = 0, old_va = 0;
        char old_caps[128] = "";

        if (skip_without_gpu(c, x))
                return;
        if (g->va.outcome != VP_VA_OK) {
                vpi_check_set(c, VP_STATUS_SKIP);
                SUMMARY(c, "VA-API not working");
                return;
        }
        if (!ge->platform.platform[0]) {
                vpi_check_set(c, VP_STATUS_SKIP);
                SUMMARY(c,
                        "%u profile/entrypoint pairs listed; expectations unknown without the "
                        "platform",
                        g->va.n_configs);
                return;
        }
        for (unsigned i = 0; i < VP_N_CAPS; i++) {
                const struct vp_cap *cap = &ge->caps[i];
                if (cap->expected == VP_UNKNOWN || cap->actual == VP_UNKNOWN)
                        unknown += cap->expected == VP_YES;
                if (cap->expected == VP_YES && cap->actual == VP_YES)
                        ok++;
                if (!cap->cause[0])
                        continue;
                EVID(c, "%s: expected, not advertised (%s)\n", vp_cap_key(i), cap->cause);
                if (strcmp(cap->cause, "missing") == 0) {
                        missing++;
                } else if (strcmp(cap->cause, "low-confidence") == 0) {
                        low++;
                } else {
                        explained++;
                        if (strcmp(cap->cause, "va-api-too-old") == 0) {
                                size_t l = strlen(old_caps);
                                snprintf(old_caps + l, sizeof(old_caps) - l, "%s%s",
                                         old_va++ ? ", " : "", vp_cap_key(i));
                        }
                }
        }
        if (g->va.configs_partial)
                EVID(c,
                     "the driver's list was cut at %u profile/entrypoint pairs: what is not in "
                     "it is unknown\n",
                     g->va.n_configs);
        SUMMARY(c, "%u of the expected capabilities work", ok);
        if (missing)
                SUMMARY(c, ", %u missing", missing);
        if (explained)
                SUMMARY(c, ", %u lost to the driver build, HuC or VA-API version", explained);
        if (unknown)
                SUMMARY(c, ", %u unknown", unknown);
        vpi_check_set(c, VP_STATUS_OK);
        va_vars(&v, g, ge);
        vpi_var(&v, "no_profiles", "%s",
                g->va.n_configs <= 2 ? " It lists no codec profile at all (only video "
                                       "processing): a driver too old for this GPU "
                                       "(media-driver#1299)."
                                     : "");
        vpi_var(&v, "old_caps", "%s", old_caps);
        vpi_var(&v, "va_api", "%d.%d", g->va.api_major, g->va.api_minor);
        if (missing)
                vpi_cause(c, VPC_MISSING_CAPABILITIES, &v);
        else if (old_va)
                vpi_cause(c, VPC_VA_API_TOO_OLD, &v);
        else if (explained)
                vpi_cause(c, VPC_EXPLAINED_GAPS, &v);
        else if (low)
                vpi_cause(c, VPC_LOW_CONFIDENCE, &v);
}

static void check_gpu_top(struct vp_check *c, const void *arg)
{
        const struct gctx *x = arg;
        const struct vp_gpu *g = x->g;
        struct vpi_vars v;
        vpi_vars_copy(&v, x->base);
        bool xe;
        enum vp_tri pmu;

        if (skip_without_gpu(c, x))
                return;
        xe = strcmp(g->kernel_driver, "xe") == 0;
        pmu = xe ? x->f->machine.xe_pmu : x->f->machine.i915_pmu;
        if (strcmp(x->f->source, "vainfo") == 0) {
                vpi_check_set(c, VP_STATUS_SKIP);
                SUMMARY(c, "not in a vainfo output");
                return;
        }
        EVID(c, "%s PMU (/sys/bus/event_source/devices): %s\n", xe ? "xe" : "i915",
             vp_tri_str(pmu));
        if (pmu == VP_UNKNOWN || !g->kernel_driver[0]) {
                vpi_check_set(c, VP_STATUS_SKIP);
                SUMMARY(c, "unknown");
                return;
        }
        if (pmu == VP_YES) {
                vpi_check_set(c, VP_STATUS_OK);
                SUMMARY(c, "intel_gpu_top can read engine usage");
                return;
        }
        SUMMARY(c, "no GPU PMU: intel_gpu_top will not work here");
        vpi_var(&v, "kmd", "%s", xe ? "xe" : "i915");
        vpi_cause(c, x->ge->virt == VP_VIRT_SRIOV_VF ? VPC_NO_PMU_VF : VPC_NO_PMU, &v);
}

/* The guest checks, in the order of the guide (one prologue: vpi_run_checks). */
static const struct vpi_check_def guest_checks[] = {
    {"gpu", STEP_CPU, check_gpu},
    {"cpu-generation", STEP_CPU, check_cpu},
    {"virtualization", STEP_VM, check_virt},
    {"viommu", STEP_VM, check_viommu},
    {"secure-boot", STEP_VM, check_secure_boot},
    {"kernel-driver", STEP_KERNEL, check_kernel_driver},
    {"render-node", STEP_KERNEL, check_render_node},
    {"render-node-access", STEP_KERNEL, check_render_access},
    {"va-driver", STEP_VA, check_va_driver},
    {"va-init", STEP_VA, check_va_init},
    {"encoder-build", STEP_VA, check_encoder_build},
    {"huc", STEP_VA, check_huc},
    {"codecs", STEP_VA, check_codecs},
    {"exercise", STEP_VA, check_exercise},
    {"gpu-top", STEP_MON, check_gpu_top},
};

const char *vp_check_id(unsigned i)
{
        return i < sizeof(guest_checks) / sizeof(guest_checks[0]) ? guest_checks[i].id : NULL;
}

static enum vp_node_status node_status(const struct vp_eval *e, const struct vp_facts *f)
{
        const struct vp_gpu *g;

        if (e->primary < 0)
                return VP_NODE_NO_GPU;
        g = &f->gpus[e->gpus[e->primary].gpu];
        if (g->pci_slot[0] && !g->kernel_driver[0])
                return VP_NODE_NO_KERNEL_DRIVER;
        if (g->pci_slot[0] && !g->render_node[0])
                return VP_NODE_NO_RENDER_NODE;
        if (g->render_open_errno > 0)
                return VP_NODE_RENDER_DENIED;
        if (g->va.outcome != VP_VA_OK && g->va.outcome != VP_VA_NOT_RUN)
                return VP_NODE_VA_FAILED;
        for (uint32_t i = 0; i < e->n_checks; i++)
                if (e->checks[i].status == VP_STATUS_FAIL)
                        return VP_NODE_DEGRADED;
        return VP_NODE_OK;
}

int vp_evaluate(const struct vp_facts *f, struct vp_eval **ret)
{
        struct vpi_vars *base;
        struct vp_eval *e;
        struct gctx x = {.f = f};
        int best = -1, best_rank = -1, r;

        if (!f || !ret)
                return -EINVAL;
        /* Only the counts are zeroed: eval_gpu() and vpi_add_check() clear each entry as they
         * take it, and nothing reads past n_gpus, n_checks or n. Zeroing the whole (75 KiB
         * and 10 KiB, mostly the unused entries) was a tenth of --report's instructions. */
        e = malloc(sizeof(*e));
        base = malloc(sizeof(*base));
        if (!e || !base) {
                free(e);
                free(base);
                return -ENOMEM;
        }
        e->node_status = VP_NODE_OK;
        e->n_gpus = 0;
        e->n_checks = 0;
        base->n = 0;
        e->primary = -1;
        for (uint32_t i = 0; i < f->n_gpus && i < VP_MAX_GPUS; i++) {
                const struct vp_gpu *gi = &f->gpus[i];
                int rank;

                if (!vp_is_intel(gi))
                        continue;
                eval_gpu(f, i, &e->gpus[e->n_gpus]);
                /* The GPU the checks speak about: the one that works best. */
                rank = gi->va.outcome == VP_VA_OK ? 3 : gi->render_node[0] ? 2 : 1;
                if (rank > best_rank) {
                        best_rank = rank;
                        best = (int)e->n_gpus;
                }
                e->n_gpus++;
        }
        e->primary = best;
        vpi_distro_vars(&f->machine, base);
        x.e = e;
        x.base = base;
        if (best >= 0) {
                x.ge = &e->gpus[best];
                x.g = &f->gpus[x.ge->gpu];
        }
        r = vpi_run_checks(e, guest_checks, sizeof(guest_checks) / sizeof(guest_checks[0]), &x);
        free(base);
        if (r < 0) {
                free(e);
                return r;
        }
        e->node_status = node_status(e, f);
        *ret = e;
        return 0;
}

const struct vp_check *vp_eval_check(const struct vp_eval *e, const char *id)
{
        for (uint32_t i = 0; e && i < e->n_checks; i++)
                if (strcmp(e->checks[i].id, id) == 0)
                        return &e->checks[i];
        return NULL;
}

VPI_STR_TABLE(status_names, _VP_STATUS_MAX, "skip", "ok", "warn", "fail");
VPI_STR_TABLE(virt_names, _VP_VIRT_MAX, "unknown", "bare-metal", "passthrough", "gvt-g",
              "sriov-vf");
VPI_STR_TABLE(node_status_names, _VP_NODE_STATUS_MAX, "ok", "degraded", "no-gpu",
              "no-kernel-driver", "no-render-node", "render-node-denied", "va-failed");

const char *vp_status_str(enum vp_status s)
{
        return vpi_str_of(status_names, _VP_STATUS_MAX, (int)s, "unknown");
}

const char *vp_virt_str(enum vp_virt v)
{
        return vpi_str_of(virt_names, _VP_VIRT_MAX, (int)v, "unknown");
}

const char *vp_node_status_str(enum vp_node_status s)
{
        return vpi_str_of(node_status_names, _VP_NODE_STATUS_MAX, (int)s, "unknown");
}
