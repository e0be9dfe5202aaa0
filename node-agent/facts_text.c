/* SPDX-License-Identifier: MIT */
/* The raw facts in readable form: the "Facts" section at the end of a text report. */
#include <stdio.h>
#include <string.h>

#include "na.h"

static void opt(FILE *o, const char *label, struct vp_opt v)
{
        if (v.known)
                fprintf(o, "    %-22s %lld\n", label, (long long)v.value);
        else
                fprintf(o, "    %-22s unknown\n", label);
}

static void opt_hex(FILE *o, const char *label, struct vp_opt v, int width)
{
        if (v.known)
                fprintf(o, "    %-22s 0x%0*llx\n", label, width, (unsigned long long)v.value);
        else
                fprintf(o, "    %-22s unknown\n", label);
}

static const char *or_unknown(const char *s)
{
        return s && *s ? s : "unknown";
}

void na_print_facts_text(FILE *o, const struct vp_facts *f)
{
        const struct vp_machine *h = &f->machine;

        fprintf(o, "Machine\n");
        fprintf(o, "    %-22s %s\n", "kernel", or_unknown(h->kernel_release));
        fprintf(o, "    %-22s %s\n", "cpu", or_unknown(h->cpu_model));
        fprintf(o, "    %-22s %s (id %s%s%s)%s\n", "os", or_unknown(h->os_name),
                or_unknown(h->os_id), h->os_id_like[0] ? ", like " : "", h->os_id_like,
                h->in_container == VP_YES ? ", in a container" : "");
        fprintf(o, "    %-22s %s\n", "hypervisor flag", vp_tri_str(h->hypervisor));
        fprintf(o, "    %-22s %s %s\n", "dmi", or_unknown(h->dmi_sys_vendor), h->dmi_product);
        fprintf(o, "    %-22s efi %s, secure boot %s, setup mode %s\n", "firmware",
                vp_tri_str(h->efi), vp_tri_str(h->secure_boot), vp_tri_str(h->setup_mode));
        fprintf(o, "    %-22s %s %s\n", "iommu in this OS", vp_tri_str(h->iommu), h->iommu_names);
        fprintf(o, "    %-22s i915 %s, xe %s (loaded: i915 %s, xe %s)\n", "kernel modules",
                vp_tri_str(h->mod_i915), vp_tri_str(h->mod_xe), vp_tri_str(h->loaded_i915),
                vp_tri_str(h->loaded_xe));
        fprintf(o, "    %-22s i915 %s, xe %s\n", "gpu pmu", vp_tri_str(h->i915_pmu),
                vp_tri_str(h->xe_pmu));
        fprintf(o, "    %-22s %s\n", "kernel log readable", vp_tri_str(h->dmesg_readable));
        fprintf(o, "    %-22s %s\n", "cmdline", or_unknown(h->cmdline));
        if (f->n_gpus == 0)
                fprintf(o, "\nNo GPU (no DRM device, no display-class PCI device).\n");
        for (uint32_t i = 0; i < f->n_gpus; i++) {
                const struct vp_gpu *g = &f->gpus[i];
                const struct vp_va *va = &g->va;

                fprintf(o, "\nGPU %u: %04x:%04x at %s\n", i, g->vendor_id, g->device_id,
                        or_unknown(g->pci_slot));
                fprintf(o, "    %-22s %04x:%04x\n", "subsystem", g->subsys_vendor_id,
                        g->subsys_device_id);
                opt(o, "revision", g->revision);
                fprintf(o, "    %-22s %s\n", "kernel driver",
                        g->kernel_driver[0] ? g->kernel_driver : "none bound");
                fprintf(o, "    %-22s %s %s\n", "nodes", or_unknown(g->card_node),
                        or_unknown(g->render_node));
                if (g->render_stat_ok)
                        fprintf(o, "    %-22s mode %04o uid %u gid %u (%s), open: %s\n",
                                "render node access", g->render_mode, g->render_uid, g->render_gid,
                                or_unknown(g->render_group),
                                g->render_open_errno == 0  ? "ok"
                                : g->render_open_errno < 0 ? "not tried"
                                                           : strerror(g->render_open_errno));
                fprintf(o, "    %-22s %s (%s)\n", "drm driver", or_unknown(g->drm_name),
                        or_unknown(g->drm_desc));
                if (g->chipset_id.known) /* older snapshots */
                        opt_hex(o, "chipset id", g->chipset_id, 4);
                opt_hex(o, "pci class", g->pci_class, 6);
                opt(o, "pci revision", g->revision);
                opt(o, "fences", g->num_fences);
                opt(o, "huc status", g->huc_status);
                opt(o, "aperture bytes", g->aperture_size);
                opt(o, "aperture available", g->aperture_available);
                fprintf(o, "    %-22s %s\n", "i/o bar", vp_tri_str(g->io_bar));
                fprintf(o, "    %-22s %s %s\n", "gvt-g edid", vp_tri_str(g->gvt_edid),
                        g->gvt_edid_connector);
                fprintf(o, "    %-22s %s", "va-api", vp_va_outcome_str(va->outcome));
                if (va->outcome == VP_VA_INIT_FAILED)
                        fprintf(o, " (status %d: %s)", va->init_status, va->init_error);
                if (va->outcome == VP_VA_CRASHED)
                        fprintf(o, " (signal %d)", va->child_signal);
                fprintf(o, "\n");
                if (va->outcome == VP_VA_NOT_RUN)
                        continue;
                fprintf(o, "    %-22s %d.%d\n", "va-api version", va->api_major, va->api_minor);
                fprintf(o, "    %-22s %s (tried: %s%s%s)\n", "va driver", or_unknown(va->driver),
                        or_unknown(va->drivers_tried),
                        va->driver_env[0] ? ", forced by "
                                            "LIBVA_DRIVER_NAME="
                                          : "",
                        va->driver_env);
                fprintf(o, "    %-22s %s\n", "vendor", or_unknown(va->vendor));
                for (uint32_t c = 0; c < va->n_configs; c++) {
                        const struct vp_va_config *vc = &va->configs[c];
                        const char *pn = vp_profile_name(vc->profile);
                        const char *en = vp_entrypoint_name(vc->entrypoint);
                        fprintf(o, "      %-24s %-12s rt 0x%x", pn ? pn : "?", en ? en : "?",
                                vc->rt_format);
                        if (vc->rate_control)
                                fprintf(o, " rc 0x%x", vc->rate_control);
                        if (vc->max_width)
                                fprintf(o, " max %ux%u", vc->max_width, vc->max_height);
                        fprintf(o, "\n");
                }
        }
}
