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

#include <va/va.h>

#include "eval.h"
#include "util.h"

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

static bool in_list(const char *p, const char *const *list)
{
        for (; *list; list++)
                if (strcmp(p, *list) == 0)
                        return true;
        return false;
}

enum vpi_split vpi_split_method(const char *platform, const char *gen)
{
        static const char *const gvt[] = {"BROADWELL",  "SKYLAKE",   "BROXTON", "KABYLAKE",
                                          "COFFEELAKE", "COMETLAKE", NULL};
        static const char *const none[] = {"GEMINILAKE", "CANNONLAKE", "ICELAKE",    "ELKHARTLAKE",
                                           "JASPERLAKE", "TIGERLAKE",  "ROCKETLAKE", "DG1",
                                           "CHERRYVIEW", NULL};
        double g = gen && *gen ? strtod(gen, NULL) : 0;

        if (!platform || !*platform)
                return VPI_SPLIT_UNKNOWN;
        if (in_list(platform, gvt))
                return VPI_SPLIT_GVTG;
        if (in_list(platform, none))
                return VPI_SPLIT_NONE;
        return g >= 12 ? VPI_SPLIT_SRIOV : g > 0 ? VPI_SPLIT_NONE : VPI_SPLIT_UNKNOWN;
}

static bool gvt_platform(const char *p)
{
        return vpi_split_method(p, NULL) == VPI_SPLIT_GVTG;
}

struct vp_check *vpi_add_check(struct vp_eval *e, const char *id, const char *step)
{
        struct vp_check *c;

        if (e->n_checks >= VP_MAX_CHECKS)
                return NULL;
        c = &e->checks[e->n_checks++];
        memset(c, 0, sizeof(*c));
        c->id = id;
        c->step = step;
        return c;
}

void vpi_check_set(struct vp_check *c, enum vp_status s, const char *cause_id)
{
        c->status = s;
        vpi_strlcpy(c->cause_id, cause_id ? cause_id : "", sizeof(c->cause_id));
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
                if (strncmp(p0, names[i].name, strlen(names[i].name)) != 0)
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
                vpi_strlcpy(ge->va_driver,
                            ge->platform.known && !ge->platform.in_ihd && ge->platform.in_i965
                                ? "i965"
                                : "iHD",
                            sizeof(ge->va_driver));
        ge->huc = huc_state(g, ge);
        ge->nonfree = nonfree_state(g, ge);
        vpi_eval_caps(g, ge);
}

/* ---- checks ---- */

static void check_cpu(struct vp_eval *e, const struct vp_facts *f, const struct vp_gpu *g,
                      const struct vp_gpu_eval *ge)
{
        struct vp_check *c = vpi_add_check(e, "cpu-generation", STEP_CPU);
        const struct vp_platform *p = &ge->platform;
        double gen = gen_of(ge);

        if (!c)
                return;
        if (f->machine.cpu_model[0])
                EVID(c, "cpu: %s\n", f->machine.cpu_model);
        if (!g->device_id && !p->guessed) {
                vpi_check_set(c, VP_STATUS_SKIP, "");
                SUMMARY(c, "unknown: no PCI device id (give --device-id with --from-vainfo)");
                return;
        }
        if (g->device_id)
                EVID(c, "gpu: 8086:%04x %s%s\n", g->device_id, p->name[0] ? p->name : "",
                     p->guessed ? " (not in the id table)" : "");
        else
                EVID(c, "gpu: device id unknown; platform from the i965 vendor string\n");
        if (!p->known && !p->guessed) {
                vpi_check_set(c, VP_STATUS_WARN, "unknown-device");
                SUMMARY(c, "unknown Intel GPU 0x%04x", g->device_id);
                CAUSE(c,
                      "0x%04x is in none of the id tables this build knows (kernel, iHD, "
                      "i965), so no expectations can be set.",
                      g->device_id);
                FIX(c, "Update nodeprobe; if the GPU is new, a newer kernel and intel-media-driver "
                       "are likely needed too.");
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
        switch (vpi_split_method(p->platform, p->gen)) {
        case VPI_SPLIT_GVTG:
                SUMMARY(c, "GVT-g split possible (i915-GVTg_%s types), no SR-IOV",
                        gen < 9 ? "V4" : "V5");
                break;
        case VPI_SPLIT_SRIOV:
                SUMMARY(c, "SR-IOV VFs possible (i915-sriov-dkms or xe), no GVT-g");
                break;
        case VPI_SPLIT_NONE:
                SUMMARY(c, "no way to split this GPU: full passthrough only");
                break;
        default:
                break;
        }
        vpi_check_set(c, p->guessed && g->device_id ? VP_STATUS_WARN : VP_STATUS_OK,
                      p->guessed && g->device_id ? "guessed-platform" : "");
        if (ge->virt == VP_VIRT_GVTG && !gvt_platform(p->platform) && !p->guessed) {
                vpi_check_set(c, VP_STATUS_FAIL, "gvt-unsupported");
                CAUSE(c, "GVT-g only supports Broadwell to Comet Lake (i915 intel_gvt.c); this "
                         "looks like a vGPU on a platform that cannot have one.");
                FIX(c, "Use SR-IOV (12th gen and later) or full passthrough of 00:02.0 instead.");
        } else if (ge->virt == VP_VIRT_SRIOV_VF && !p->guessed &&
                   vpi_split_method(p->platform, p->gen) != VPI_SPLIT_SRIOV) {
                vpi_check_set(c, VP_STATUS_FAIL, "sriov-unsupported");
                CAUSE(c, "SR-IOV for Intel iGPUs starts with 12th gen Core (Alder Lake); this GPU "
                         "cannot be a VF.");
        } else if (vpi_split_method(p->platform, p->gen) == VPI_SPLIT_NONE) {
                CAUSE(c, "This generation (11th gen Core: Ice, Tiger, Rocket Lake; Jasper/Elkhart "
                         "Lake; Gemini Lake) has neither GVT-g nor SR-IOV: only full passthrough "
                         "of the whole GPU to one VM works.");
        }
}

static void check_virt(struct vp_eval *e, const struct vp_facts *f, const struct vp_gpu *g,
                       const struct vp_gpu_eval *ge)
{
        struct vp_check *c = vpi_add_check(e, "virtualization", STEP_VM);
        const struct vp_machine *h = &f->machine;

        if (!c)
                return;
        EVID(c, "hypervisor cpu flag: %s\n", vp_tri_str(h->hypervisor));
        if (h->dmi_sys_vendor[0])
                EVID(c, "dmi: %s %s\n", h->dmi_sys_vendor, h->dmi_product);
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
                vpi_check_set(c, VP_STATUS_SKIP, "");
                SUMMARY(c, "unknown (no machine facts in this input)");
                return;
        }
        SUMMARY(c, "%s", vp_virt_str(ge->virt));
        if (ge->vgpu_type[0])
                SUMMARY(c, " (%s)", ge->vgpu_type);
        vpi_check_set(c, ge->virt == VP_VIRT_UNKNOWN ? VP_STATUS_WARN : VP_STATUS_OK,
                      ge->virt == VP_VIRT_UNKNOWN ? "undetermined" : "");
        if (ge->virt == VP_VIRT_UNKNOWN)
                CAUSE(c, "The signals readable here do not decide between passthrough, GVT-g and "
                         "SR-IOV (a snapshot taken as root, with the kernel log, says more).");
}

static void check_viommu(struct vp_eval *e, const struct vp_facts *f, const struct vp_gpu_eval *ge)
{
        struct vp_check *c = vpi_add_check(e, "viommu", STEP_VM);

        if (!c)
                return;
        EVID(c, "iommu devices in this OS: %s\n",
             f->machine.iommu == VP_YES ? f->machine.iommu_names : vp_tri_str(f->machine.iommu));
        if (f->machine.hypervisor != VP_YES || f->machine.iommu == VP_UNKNOWN) {
                vpi_check_set(c, VP_STATUS_SKIP, "");
                SUMMARY(c, f->machine.hypervisor == VP_NO ? "not a VM" : "unknown");
                return;
        }
        if (f->machine.iommu == VP_NO) {
                vpi_check_set(c, VP_STATUS_OK, "");
                SUMMARY(c, "no vIOMMU in the VM");
                return;
        }
        if (ge->virt == VP_VIRT_GVTG) {
                vpi_check_set(c, VP_STATUS_FAIL, "viommu-with-mdev");
                SUMMARY(c, "a vIOMMU is exposed to this VM");
                CAUSE(c,
                      "A virtual IOMMU in the guest breaks mediated (GVT-g) device passthrough.");
        } else {
                vpi_check_set(c, VP_STATUS_WARN, "viommu");
                SUMMARY(c, "a vIOMMU is exposed to this VM");
                CAUSE(c, "The guide sets vIOMMU to None for GPU passthrough; with it the guest "
                         "i915 may fail to map memory.");
        }
        FIX(c, "On the Proxmox host: qm set <vmid> --machine q35 (no ',viommu=...'), i.e. VM > "
               "Hardware > Machine > vIOMMU: None; then stop and start the VM.");
}

static void check_secure_boot(struct vp_eval *e, const struct vp_facts *f, bool gpu_works)
{
        struct vp_check *c = vpi_add_check(e, "secure-boot", STEP_VM);
        const struct vp_machine *h = &f->machine;

        if (!c)
                return;
        EVID(c, "uefi: %s, SecureBoot: %s, SetupMode: %s\n", vp_tri_str(h->efi),
             vp_tri_str(h->secure_boot), vp_tri_str(h->setup_mode));
        if (h->secure_boot == VP_UNKNOWN) {
                vpi_check_set(c, VP_STATUS_SKIP, "");
                SUMMARY(c, "unknown (efivarfs not readable here)");
                return;
        }
        if (h->secure_boot == VP_NO || h->setup_mode == VP_YES) {
                vpi_check_set(c, VP_STATUS_OK, "");
                SUMMARY(c,
                        h->efi == VP_NO ? "legacy BIOS boot, no Secure Boot" : "Secure Boot off");
                return;
        }
        SUMMARY(c, "Secure Boot is on in this VM");
        /* With a working GPU the in-tree, signed i915 is in use: only out-of-tree modules
         * (i915-sriov-dkms) would be refused. */
        vpi_check_set(c, gpu_works ? VP_STATUS_WARN : VP_STATUS_FAIL, "secure-boot-on");
        CAUSE(c, "Secure Boot refuses unsigned kernel modules: the out-of-tree i915 "
                 "(i915-sriov-dkms) for SR-IOV VFs does not load.");
        FIX(c, "Either turn Secure Boot off: in the VM's OVMF setup (Esc at boot) > Device Manager "
               "> Secure Boot Configuration > Attempt Secure Boot: off, or on the Proxmox host "
               "recreate the EFI disk without keys: qm set <vmid> --efidisk0 "
               "<storage>:1,efitype=4m,pre-enrolled-keys=0\n");
        FIX(c, "Or sign the module: mokutil --import /var/lib/dkms/mok.pub, reboot and enroll "
               "the key in the MOK manager.");
}

static void check_kernel_driver(struct vp_eval *e, const struct vp_facts *f, const struct vp_gpu *g,
                                const struct vp_gpu_eval *ge)
{
        struct vp_check *c = vpi_add_check(e, "kernel-driver", STEP_KERNEL);
        const struct vp_machine *h = &f->machine;

        if (!c)
                return;
        if (!g->pci_slot[0] && !g->kernel_driver[0]) {
                vpi_check_set(c, VP_STATUS_SKIP, "");
                SUMMARY(c, "unknown (no PCI facts)");
                return;
        }
        EVID(c, "bound driver: %s\n", g->kernel_driver[0] ? g->kernel_driver : "none");
        EVID(c, "kernel: %s; modules: i915 %s, xe %s\n",
             h->kernel_release[0] ? h->kernel_release : "?", vp_tri_str(h->mod_i915),
             vp_tri_str(h->mod_xe));
        if (ge->platform.known)
                EVID(c, "default kernel driver for this id: %s\n", ge->platform.default_kmd);
        if (strcmp(g->kernel_driver, "i915") == 0 || strcmp(g->kernel_driver, "xe") == 0) {
                vpi_check_set(c, VP_STATUS_OK, "");
                SUMMARY(c, "%s bound", g->kernel_driver);
                return;
        }
        if (g->kernel_driver[0]) {
                vpi_check_set(c, VP_STATUS_FAIL, "other-driver");
                SUMMARY(c, "bound to %s, not i915/xe", g->kernel_driver);
                CAUSE(c, "The GPU is claimed by %s%s.", g->kernel_driver,
                      strcmp(g->kernel_driver, "vfio-pci") == 0
                          ? " (it is set up for passthrough from this machine, not for use "
                            "here)"
                          : "");
                FIX(c,
                    "Remove the vfio-pci binding for 8086:%04x (/etc/modprobe.d, kernel "
                    "cmdline vfio-pci.ids) and reboot.",
                    g->device_id);
                return;
        }
        SUMMARY(c, "no kernel driver bound to the GPU");
        if (h->mod_i915 == VP_NO && h->mod_xe == VP_NO) {
                vpi_check_set(c, VP_STATUS_FAIL, "no-kernel-module");
                CAUSE(c,
                      "Kernel %s ships neither i915 nor xe: cloud and kvm kernels "
                      "(linux-image-kvm, -cloud) leave GPU drivers out.",
                      h->kernel_release);
                FIX(c, "Ubuntu/Debian: apt install linux-generic (Debian: linux-image-amd64), "
                       "reboot into it and remove the kvm/cloud kernel.\n"
                       "Talos: add the siderolabs/i915 system extension to the image "
                       "(factory.talos.dev schematic: siderolabs/i915) and upgrade the node.");
                return;
        }
        if (h->secure_boot == VP_YES) {
                vpi_check_set(c, VP_STATUS_FAIL, "module-refused");
                CAUSE(c, "Secure Boot is on and the i915 module did not bind: an unsigned "
                         "out-of-tree i915 (SR-IOV dkms) is refused (see secure-boot).");
                FIX(c, "See the secure-boot check: turn Secure Boot off or enroll the DKMS key.");
                return;
        }
        if (strstr(ge->platform.xe_force_probe, "force_probe") &&
            strcmp(ge->platform.default_kmd, "xe") == 0) {
                vpi_check_set(c, VP_STATUS_FAIL, "needs-force-probe");
                CAUSE(c, "This id binds to xe only with force_probe on this kernel.");
                FIX(c, "Add xe.force_probe=%04x to the kernel command line and reboot.",
                    g->device_id);
                return;
        }
        if (ge->platform.known && !ge->platform.in_kernel) {
                vpi_check_set(c, VP_STATUS_FAIL, "id-not-in-kernel");
                CAUSE(c, "0x%04x is not in the kernel's PCI id table, so no driver binds it.",
                      g->device_id);
                FIX(c, "Use a newer kernel that lists 0x%04x.", g->device_id);
                return;
        }
        vpi_check_set(c, VP_STATUS_FAIL, "driver-not-loaded");
        CAUSE(c,
              "The i915 module exists but is not bound (loaded: %s): it may be blacklisted, "
              "or failed to probe (GuC/firmware, SR-IOV VF without a VF-capable i915).",
              vp_tri_str(h->loaded_i915));
        FIX(c, "modprobe i915 and read dmesg | grep -i i915; remove 'blacklist i915' or "
               "module_blacklist=i915 if present. For an SR-IOV VF install i915-sriov-dkms in the "
               "guest and boot with i915.enable_guc=3.");
}

static void check_render_node(struct vp_eval *e, const struct vp_facts *f, const struct vp_gpu *g)
{
        struct vp_check *c = vpi_add_check(e, "render-node", STEP_KERNEL);

        if (!c)
                return;
        if (f->gpus_partial)
                EVID(c, "more than %d GPUs: only the first %d were examined\n", VP_MAX_GPUS,
                     VP_MAX_GPUS);
        if (g->render_node[0]) {
                vpi_check_set(c, VP_STATUS_OK, "");
                SUMMARY(c, "%s", g->render_node);
                if (g->card_node[0])
                        EVID(c, "card node: %s\n", g->card_node);
                EVID(c, "render node: %s\n", g->render_node);
                return;
        }
        if (!g->pci_slot[0]) {
                vpi_check_set(c, VP_STATUS_SKIP, "");
                SUMMARY(c, "unknown (no device facts in this input)");
                return;
        }
        if (!g->kernel_driver[0]) {
                vpi_check_set(c, g->pci_slot[0] ? VP_STATUS_FAIL : VP_STATUS_SKIP,
                              g->pci_slot[0] ? "no-driver" : "");
                SUMMARY(c, g->pci_slot[0] ? "no /dev/dri node: no kernel driver" : "unknown");
                if (g->pci_slot[0]) {
                        CAUSE(c, "Without a bound kernel driver there is no /dev/dri node.");
                        FIX(c, "Fix kernel-driver above; /dev/dri/renderD* appears when i915 or "
                               "xe binds the GPU.");
                }
                return;
        }
        vpi_check_set(c, VP_STATUS_FAIL, "no-render-node");
        SUMMARY(c, "%s is bound but there is no render node", g->kernel_driver);
        CAUSE(c, "The driver bound without creating /dev/dri/renderD* (probe failure, or the "
                 "container does not see /dev/dri).");
        FIX(c, "On the node: ls -l /dev/dri; in a pod, mount /dev/dri (hostPath) or request "
               "gpu.intel.com/i915 from the Intel GPU device plugin.");
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

static void check_render_access(struct vp_eval *e, const struct vp_facts *f, const struct vp_gpu *g)
{
        struct vp_check *c = vpi_add_check(e, "render-node-access", STEP_KERNEL);
        const char *grp = g->render_group[0] ? g->render_group : "render";

        if (!c)
                return;
        if (!g->render_node[0] || !g->render_stat_ok) {
                vpi_check_set(c, VP_STATUS_SKIP, "");
                SUMMARY(c, "no render node to check");
                return;
        }
        EVID(c, "%s: mode %04o owner %u group %u (%s)\n", g->render_node, g->render_mode,
             g->render_uid, g->render_gid, g->render_group[0] ? g->render_group : "?");
        EVID(c, "this process: uid %u gid %u, %u supplementary groups\n", f->machine.uid, f->machine.gid,
             f->machine.n_groups);
        if (g->render_open_errno == 0) {
                vpi_check_set(c, VP_STATUS_OK, "");
                SUMMARY(c, "this process can open %s", g->render_node);
                return;
        }
        if (g->render_open_errno < 0) {
                vpi_check_set(c, VP_STATUS_SKIP, "");
                SUMMARY(c, "not tried");
                return;
        }
        EVID(c, "open(O_RDWR): %s\n", strerror(g->render_open_errno));
        vpi_check_set(c, VP_STATUS_FAIL, "render-node-denied");
        SUMMARY(c, "this process cannot open %s", g->render_node);
        if (g->render_open_errno == EACCES || g->render_open_errno == EPERM) {
                CAUSE(c, "%s is %04o %u:%u and this process (uid %u) is not in group %u%s.",
                      g->render_node, g->render_mode, g->render_uid, g->render_gid, f->machine.uid,
                      g->render_gid,
                      in_groups(&f->machine, g->render_gid) ? " (yet the group matches)" : "");
                FIX(c,
                    "In a pod: securityContext.supplementalGroups: [%u] (the node's '%s' "
                    "group id).\nOn a host: usermod -aG %s <user> and log in again.",
                    g->render_gid, grp, grp);
        } else {
                CAUSE(c, "open() failed: %s.", strerror(g->render_open_errno));
                FIX(c,
                    "Check that %s exists in this container (mount /dev/dri) and is not "
                    "blocked by the device cgroup.",
                    g->render_node);
        }
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

static void check_va_driver(struct vp_eval *e, const struct vp_facts *f, const struct vp_gpu *g,
                            const struct vp_gpu_eval *ge)
{
        struct vp_check *c = vpi_add_check(e, "va-driver", STEP_VA);
        const struct vp_va *va = &g->va;
        const struct vp_gpu *first = NULL;
        bool xe = strcmp(g->kernel_driver, "xe") == 0 || strcmp(g->drm_name, "xe") == 0;

        if (!c)
                return;
        for (uint32_t i = 0; i < f->n_gpus; i++)
                if (f->gpus[i].render_node[0] &&
                    (!first || strcmp(f->gpus[i].render_node, first->render_node) < 0))
                        first = &f->gpus[i];
        if (va->outcome == VP_VA_NOT_RUN && !va->drivers_tried[0]) {
                vpi_check_set(c, VP_STATUS_SKIP, "");
                SUMMARY(c, "libva not run");
                return;
        }
        if (g->drm_name[0])
                EVID(c, "kernel driver name (libva keys on it): %s\n", g->drm_name);
        EVID(c, "libva tried: %s\n", va->drivers_tried[0] ? va->drivers_tried : "?");
        if (va->driver_env[0])
                EVID(c, "LIBVA_DRIVER_NAME=%s\n", va->driver_env);
        if (va->api_major)
                EVID(c, "VA-API %d.%d\n", va->api_major, va->api_minor);
        if (va->vendor[0])
                EVID(c, "vendor: %s\n", va->vendor);

        /* A virtual GPU's driver tried (vainfo without --device took the first node). */
        if (virtual_gpu_driver_tried(va)) {
                vpi_check_set(c, VP_STATUS_FAIL, "non-intel-node");
                SUMMARY(c, "libva opened a virtual GPU's render node, not the Intel one");
                CAUSE(c,
                      "The VM has a second, virtual GPU (virtio-gpu/QXL) whose render "
                      "node comes first; libva then loads its driver "
                      "(%s_drv_video.so) instead of iHD.",
                      va->drivers_tried);
                FIX(c, "Point the application at the Intel node: vainfo --display drm "
                       "--device /dev/dri/renderD129; Jellyfin: Playback > Transcoding > "
                       "VA-API device.\nOr remove the virtual display: Proxmox VM > "
                       "Hardware > Display: none (serial console for access).");
                return;
        }
        if (xe && tried(va, "xe") && !va->driver[0]) {
                vpi_check_set(c, VP_STATUS_FAIL, "xe-no-mapping");
                SUMMARY(c, "libva has no xe -> iHD mapping and looked for xe_drv_video.so");
                CAUSE(c, "The GPU is bound to the xe kernel driver; libva before 2.21 (VA-API "
                         "1.21) maps only i915 to iHD and uses other names verbatim.");
                FIX(c, "export LIBVA_DRIVER_NAME=iHD (in a pod: env LIBVA_DRIVER_NAME=iHD), or "
                       "upgrade libva to 2.21 or later; a recent intel-media-va-driver is needed "
                       "for xe too.");
                return;
        }
        if (va->driver[0]) {
                SUMMARY(c, "%s", va->driver);
                vpi_check_set(c, VP_STATUS_OK, "");
                if (strcmp(va->driver, "i965") == 0 && ge->platform.in_ihd) {
                        vpi_check_set(c, VP_STATUS_WARN, "i965-fallback");
                        CAUSE(c,
                              "libva is using the legacy i965 driver%s; iHD supports this GPU "
                              "and is maintained (i965 was discontinued in 2024).",
                              va->driver_env[0] ? " because LIBVA_DRIVER_NAME forces it"
                                                : " (iHD failed or is not installed)");
                        FIX(c, "apt install intel-media-va-driver-non-free%s",
                            va->driver_env[0] ? " and unset LIBVA_DRIVER_NAME" : "");
                } else if (strcmp(va->driver, "iHD") != 0 && strcmp(va->driver, "i965") != 0) {
                        vpi_check_set(c, VP_STATUS_FAIL, "unexpected-driver");
                        CAUSE(c, "libva loaded %s for an Intel GPU.", va->driver);
                        FIX(c, "unset LIBVA_DRIVER_NAME or set it to iHD");
                }
        } else {
                SUMMARY(c, "no VA driver could be loaded");
                vpi_check_set(c, VP_STATUS_FAIL, "no-va-driver");
                CAUSE(c, "None of the drivers libva tried initialised (see va-init).");
                FIX(c, "apt install intel-media-va-driver-non-free (Debian: enable the non-free "
                       "component).");
        }
        if (c->status == VP_STATUS_OK && first && first != g && !vp_is_intel(first)) {
                vpi_check_set(c, VP_STATUS_WARN, "non-intel-first");
                CAUSE(c,
                      "%s belongs to a non-Intel GPU (%s); programs that open the first render "
                      "node by default (vainfo, some Jellyfin setups) get that one.",
                      first->render_node, first->drm_name[0] ? first->drm_name : "?");
                FIX(c,
                    "Use %s explicitly (vainfo --display drm --device %s; Jellyfin VA-API "
                    "device), or remove the VM's virtual display.",
                    g->render_node, g->render_node);
        }
}

static void check_va_init(struct vp_eval *e, const struct vp_gpu *g, const struct vp_gpu_eval *ge)
{
        struct vp_check *c = vpi_add_check(e, "va-init", STEP_VA);
        const struct vp_va *va = &g->va;

        if (!c)
                return;
        switch (va->outcome) {
        case VP_VA_OK:
                vpi_check_set(c, VP_STATUS_OK, "");
                SUMMARY(c, "vaInitialize ok, %u profile/entrypoint pairs", va->n_configs);
                return;
        case VP_VA_NOT_RUN:
        case VP_VA_OPEN_FAILED:
                vpi_check_set(c, VP_STATUS_SKIP, "");
                SUMMARY(c,
                        va->outcome == VP_VA_OPEN_FAILED ? "render node not openable" : "not run");
                return;
        case VP_VA_CRASHED:
                vpi_check_set(c, VP_STATUS_FAIL, "driver-crashed");
                SUMMARY(c, "the VA driver crashed (signal %d)", va->child_signal);
                CAUSE(c,
                      "vaInitialize killed the probe process with signal %d: a driver bug or "
                      "a driver/firmware mismatch for this GPU.",
                      va->child_signal);
                FIX(c,
                    "Update intel-media-va-driver(-non-free) and the kernel; run vainfo "
                    "--display drm --device %s to reproduce.",
                    g->render_node);
                return;
        case VP_VA_TIMED_OUT:
                vpi_check_set(c, VP_STATUS_FAIL, "driver-hung");
                SUMMARY(c, "the VA driver did not answer in time");
                CAUSE(c, "vaInitialize hung: usually a wedged GPU or GuC/HuC firmware that "
                         "never answers.");
                FIX(c, "Check dmesg for GPU hangs (i915 ... GPU HANG); reboot the VM; update "
                       "firmware (linux-firmware) and the media driver.");
                return;
        case VP_VA_NO_DISPLAY:
        case VP_VA_CHILD_FAILED:
                vpi_check_set(c, VP_STATUS_FAIL, "probe-failed");
                SUMMARY(c, "libva could not be run on %s", g->render_node);
                CAUSE(c, "vaGetDisplayDRM or the probe child failed before vaInitialize.");
                FIX(c, "Run nodeprobe --in-process --device %s for details.", g->render_node);
                return;
        default:
                break;
        }
        /* VP_VA_INIT_FAILED: map libva's messages to a cause. */
        vpi_check_set(c, VP_STATUS_FAIL, "init-failed");
        SUMMARY(c, "vaInitialize failed: %d (%s)", va->init_status, va->init_error);
        EVID(c, "%s", va->log);
        if (virtual_gpu_driver_tried(va) && !tried(va, "iHD") && !tried(va, "i965")) {
                vpi_strlcpy(c->cause_id, "non-intel-driver", sizeof(c->cause_id));
                CAUSE(c,
                      "The driver that failed (%s) belongs to the VM's virtual GPU, not to the "
                      "Intel GPU: libva was pointed at the wrong render node (see va-driver).",
                      va->drivers_tried);
                FIX(c, "vainfo --display drm --device /dev/dri/renderD129 (the Intel node); set "
                       "the same device in the application.");
        } else if (strstr(va->log, "has no function __vaDriverInit")) {
                vpi_strlcpy(c->cause_id, "no-init-function", sizeof(c->cause_id));
                CAUSE(c, "The driver file has no init function this libva accepts: it was built "
                         "for another libva (mixed distribution and self-built packages), or it "
                         "is not a driver for this GPU at all (iHD before Broadwell).");
                FIX(c, "Install libva and the driver from the same source: apt install --reinstall "
                       "libva2 libva-drm2 intel-media-va-driver-non-free, and remove copies under "
                       "/usr/local/lib/dri.");
        } else if (va->drivers_tried[0] && !strstr(va->log, "Found init function") &&
                   strstr(va->log, "Trying to open")) {
                vpi_strlcpy(c->cause_id, "driver-missing", sizeof(c->cause_id));
                CAUSE(c, "libva found no driver file for %s (it looked for %s_drv_video.so).",
                      g->drm_name[0] ? g->drm_name : "this GPU", va->drivers_tried);
                FIX(c, "apt install intel-media-va-driver-non-free (Debian: non-free component; "
                       "Ubuntu: multiverse), or set LIBVA_DRIVERS_PATH to where iHD_drv_video.so "
                       "is.");
        } else if (strcmp(ge->va_driver, "i965") == 0 && !ge->platform.in_i965 &&
                   ge->platform.known) {
                vpi_strlcpy(c->cause_id, "i965-unknown-platform", sizeof(c->cause_id));
                CAUSE(c,
                      "i965 does not know %s (it stops at Coffee Lake/Whiskey Lake and lacks "
                      "0x%04x).",
                      ge->platform.platform, g->device_id);
                FIX(c, "Use iHD: apt install intel-media-va-driver-non-free and unset "
                       "LIBVA_DRIVER_NAME.");
        } else if (ge->platform.known && !ge->platform.in_ihd) {
                vpi_strlcpy(c->cause_id, "unknown-pci-id", sizeof(c->cause_id));
                CAUSE(c,
                      "iHD has no entry for 0x%04x (hwinfo_linux.cpp returns "
                      "PLATFORM_NOT_SUPPORTED).",
                      g->device_id);
                FIX(c, "Upgrade intel-media-driver to a release that lists 0x%04x.", g->device_id);
        } else {
                vpi_strlcpy(c->cause_id, "driver-init-failed", sizeof(c->cause_id));
                CAUSE(c, "The driver loaded but refused to initialise: a driver too old for this "
                         "GPU or kernel, missing GuC/HuC firmware, or a GPU it cannot talk to "
                         "(media-driver#507: iHD 1.0 on Coffee Lake Refresh).");
                FIX(c, "Upgrade intel-media-va-driver-non-free and linux-firmware; check dmesg "
                       "for i915 firmware errors.");
        }
}

static void check_encoder_build(struct vp_eval *e, const struct vp_gpu *g,
                                const struct vp_gpu_eval *ge)
{
        struct vp_check *c = vpi_add_check(e, "encoder-build", STEP_VA);

        if (!c)
                return;
        if (g->va.outcome != VP_VA_OK || strcmp(ge->va_driver, "iHD") != 0) {
                vpi_check_set(c, VP_STATUS_SKIP, "");
                SUMMARY(c, g->va.outcome != VP_VA_OK ? "VA-API not working" : "not iHD");
                return;
        }
        if (gen_of(ge) >= 12.7) {
                vpi_check_set(c, VP_STATUS_OK, "");
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
                vpi_check_set(c, VP_STATUS_OK, "");
                SUMMARY(c, "full (non-free) iHD build");
        } else if (ge->nonfree == VP_NO) {
                vpi_check_set(c, VP_STATUS_WARN, "free-build");
                SUMMARY(c, "free iHD build: shader encoders, VC-1%s missing",
                        gen_of(ge) >= 12 ? " and AV1 decode" : "");
                CAUSE(c,
                      "Debian/Ubuntu's intel-media-va-driver is built without the closed "
                      "media kernels: no EncSlice encoders (HEVC encode on Skylake-Comet Lake), "
                      "no VC-1%s.",
                      gen_of(ge) >= 12 ? ", no AV1 decode" : "");
                FIX(c, "apt install intel-media-va-driver-non-free (Debian: add 'non-free' to "
                       "the apt components; Ubuntu: multiverse); in a container image use the "
                       "same package.");
        } else {
                vpi_check_set(c, VP_STATUS_SKIP, "");
                SUMMARY(c, "cannot tell free from non-free from this list");
        }
}

static void check_huc(struct vp_eval *e, const struct vp_gpu *g, const struct vp_gpu_eval *ge)
{
        struct vp_check *c = vpi_add_check(e, "huc", STEP_VA);
        bool lp = false;

        if (!c)
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
                vpi_check_set(c, VP_STATUS_SKIP, "");
                SUMMARY(c, "unknown");
                return;
        }
        if (ge->huc == VP_YES) {
                vpi_check_set(c, VP_STATUS_OK, "");
                SUMMARY(c, "HuC loaded: low-power encoders have bitrate control");
                return;
        }
        SUMMARY(c, "HuC not loaded: low-power (VDEnc) encode is CQP-only%s",
                gen_of(ge) >= 11 ? ", no VP9 encode" : "");
        if (ge->virt == VP_VIRT_GVTG) {
                vpi_check_set(c, VP_STATUS_WARN, "huc-gvtg");
                CAUSE(c, "Expected under GVT-g: the host runs i915.enable_guc=0 and the vGPU has "
                         "no HuC. Cannot be fixed in the guest.");
                FIX(c, "Use CQP/ICQ encodes (Jellyfin: disable low-power encoding or accept "
                       "CQP), or full passthrough if bitrate control matters.");
                return;
        }
        vpi_check_set(c, VP_STATUS_WARN, "huc-off");
        CAUSE(c, "i915 loads HuC only with GuC/HuC enabled; it is off by default up to Tiger/"
                 "Rocket Lake.");
        FIX(c, "Kernel command line (this machine, or the passthrough VM): i915.enable_guc=2; "
               "install linux-firmware (i915/*_huc_*.bin); reboot.");
}

static void check_codecs(struct vp_eval *e, const struct vp_gpu *g, const struct vp_gpu_eval *ge)
{
        struct vp_check *c = vpi_add_check(e, "codecs", STEP_VA);
        unsigned ok = 0, missing = 0, explained = 0, low = 0, unknown = 0;

        if (!c)
                return;
        if (g->va.outcome != VP_VA_OK) {
                vpi_check_set(c, VP_STATUS_SKIP, "");
                SUMMARY(c, "VA-API not working");
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
                if (strcmp(cap->cause, "missing") == 0)
                        missing++;
                else if (strcmp(cap->cause, "low-confidence") == 0)
                        low++;
                else
                        explained++;
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
                SUMMARY(c, ", %u lost to the driver build or HuC", explained);
        if (unknown)
                SUMMARY(c, ", %u unknown", unknown);
        if (missing) {
                vpi_check_set(c, VP_STATUS_FAIL, "missing-capabilities");
                CAUSE(c, "The driver initialised but does not advertise what %s does with %s.%s",
                      ge->platform.platform, ge->va_driver,
                      g->va.n_configs <= 2 ? " It lists no codec profile at all (only video "
                                             "processing): a driver too old for this GPU "
                                             "(media-driver#1299)."
                                           : "");
                FIX(c, "Upgrade intel-media-va-driver-non-free (and libva); then re-run "
                       "nodeprobe --report.");
        } else if (explained || low) {
                vpi_check_set(c, VP_STATUS_WARN, explained ? "explained-gaps" : "low-confidence");
                CAUSE(c, "%s",
                      explained ? "Gaps come from the driver build or HuC: see "
                                  "encoder-build and huc."
                                : "Only capabilities whose reference data disagree "
                                  "are absent.");
        } else {
                vpi_check_set(c, VP_STATUS_OK, "");
        }
}

static void check_gpu_top(struct vp_eval *e, const struct vp_facts *f, const struct vp_gpu *g,
                          const struct vp_gpu_eval *ge)
{
        struct vp_check *c = vpi_add_check(e, "gpu-top", STEP_MON);
        bool xe = strcmp(g->kernel_driver, "xe") == 0;
        enum vp_tri pmu = xe ? f->machine.xe_pmu : f->machine.i915_pmu;

        if (!c)
                return;
        EVID(c, "%s PMU (/sys/bus/event_source/devices): %s\n", xe ? "xe" : "i915",
             vp_tri_str(pmu));
        if (pmu == VP_UNKNOWN || !g->kernel_driver[0]) {
                vpi_check_set(c, VP_STATUS_SKIP, "");
                SUMMARY(c, "unknown");
                return;
        }
        if (pmu == VP_YES) {
                vpi_check_set(c, VP_STATUS_OK, "");
                SUMMARY(c, "intel_gpu_top can read engine usage");
                return;
        }
        vpi_check_set(c, VP_STATUS_WARN, ge->virt == VP_VIRT_SRIOV_VF ? "no-pmu-vf" : "no-pmu");
        SUMMARY(c, "no GPU PMU: intel_gpu_top will not work here");
        if (ge->virt == VP_VIRT_SRIOV_VF) {
                CAUSE(c, "An SR-IOV VF has no PMU (\"PMU not supported for this GPU\").");
                FIX(c, "Watch usage on the Proxmox host: intel_gpu_top there shows all VFs.");
        } else {
                CAUSE(c,
                      "The %s driver registered no PMU (perf events not available in this "
                      "kernel or container).",
                      xe ? "xe" : "i915");
                FIX(c, "Run intel_gpu_top on the node itself with CAP_PERFMON.");
        }
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
        struct vp_eval *e;
        const struct vp_gpu *g;
        const struct vp_gpu_eval *ge;
        int best = -1, best_rank = -1;

        if (!f || !ret)
                return -EINVAL;
        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
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
        if (best < 0) {
                struct vp_check *c = vpi_add_check(e, "gpu", STEP_CPU);
                if (!c) {
                        free(e);
                        return -ENOBUFS;
                }
                vpi_check_set(c, VP_STATUS_FAIL, "no-intel-gpu");
                SUMMARY(c, "no Intel GPU in this machine");
                EVID(c, "DRM devices and display-class PCI devices: %u%s\n", f->n_gpus,
                     f->gpus_partial ? " (more were there: only these were examined)" : "");
                for (uint32_t i = 0; i < f->n_gpus; i++)
                        EVID(c, "%04x:%04x at %s (%s)\n", f->gpus[i].vendor_id,
                             f->gpus[i].device_id, f->gpus[i].pci_slot,
                             f->gpus[i].drm_name[0] ? f->gpus[i].drm_name : "no driver");
                CAUSE(c, "No device with vendor 0x8086 is on the PCI bus: the VM has no GPU "
                         "assigned.");
                FIX(c, "On the Proxmox host (nodeprobe host) add the GPU: VM > Hardware > Add > "
                       "PCI Device > 0000:00:02.0 with an MDev type (GVT-g) or a VF "
                       "(0000:00:02.N), then restart the VM.");
                e->node_status = VP_NODE_NO_GPU;
                *ret = e;
                return 0;
        }
        ge = &e->gpus[best];
        g = &f->gpus[ge->gpu];
        check_cpu(e, f, g, ge);
        check_virt(e, f, g, ge);
        check_viommu(e, f, ge);
        check_secure_boot(e, f, g->va.outcome == VP_VA_OK);
        check_kernel_driver(e, f, g, ge);
        check_render_node(e, f, g);
        check_render_access(e, f, g);
        check_va_driver(e, f, g, ge);
        check_va_init(e, g, ge);
        check_encoder_build(e, g, ge);
        check_huc(e, g, ge);
        check_codecs(e, g, ge);
        check_gpu_top(e, f, g, ge);
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

const char *vp_status_str(enum vp_status s)
{
        static const char *const n[] = {"skip", "ok", "warn", "fail"};
        return (unsigned)s < 4 ? n[s] : "unknown";
}

const char *vp_virt_str(enum vp_virt v)
{
        static const char *const n[] = {"unknown", "bare-metal", "passthrough", "gvt-g",
                                        "sriov-vf"};
        return (unsigned)v < 5 ? n[v] : "unknown";
}

const char *vp_node_status_str(enum vp_node_status s)
{
        static const char *const n[] = {"ok",
                                        "degraded",
                                        "no-gpu",
                                        "no-kernel-driver",
                                        "no-render-node",
                                        "render-node-denied",
                                        "va-failed"};
        return (unsigned)s < 7 ? n[s] : "unknown";
}
