/* SPDX-License-Identifier: MIT */
/*
 * vaprobe through the real libdrm and libva on fixture machines (umockdev testbed + fake VA
 * driver). Nothing of vaprobe's own is mocked.
 */
#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <va/va.h>

#include "testbed.h"

static struct np_testbed *tb;
static struct vp_facts *facts;

static void teardown(void)
{
        free(facts);
        facts = NULL;
        np_testbed_free(tb);
        tb = NULL;
}

TestSuite(probe, .fini = teardown);

static const struct vp_va_config *find_config(const struct vp_gpu *g, int32_t profile, int32_t ep)
{
        for (uint32_t i = 0; i < g->va.n_configs; i++)
                if (g->va.configs[i].profile == profile && g->va.configs[i].entrypoint == ep)
                        return &g->va.configs[i];
        return NULL;
}

Test(probe, coffeelake_bare_metal)
{
        tb = np_testbed_new("cfl-baremetal");
        facts = np_testbed_probe(tb, false);
        cr_assert_eq(facts->n_gpus, 1, "gpus: %u", facts->n_gpus);
        const struct vp_gpu *g = &facts->gpus[0];

        cr_expect_str_eq(g->pci_slot, "0000:00:02.0");
        cr_expect_eq(g->vendor_id, 0x8086);
        cr_expect_eq(g->device_id, 0x3e92, "device 0x%04x", g->device_id);
        cr_expect_eq(g->subsys_vendor_id, 0x1043);
        cr_expect(g->revision.known && g->revision.value == 2);
        cr_expect(g->pci_class.known && g->pci_class.value == 0x030000);
        cr_expect_str_eq(g->kernel_driver, "i915");
        cr_expect_str_eq(g->card_node, "/dev/dri/card0");
        cr_expect_str_eq(g->render_node, "/dev/dri/renderD128");
        cr_expect_eq(g->render_open_errno, 0, "open errno %d", g->render_open_errno);
        cr_expect_str_eq(g->drm_name, "i915");
        cr_expect_str_eq(g->drm_desc, "Intel Graphics");
        cr_expect(g->drm_major.known && g->drm_major.value == 1 && g->drm_minor.value == 6);
        cr_expect(!g->chipset_id.known, "the PCI id is the chipset id: no ioctl for it");
        cr_expect_eq(g->device_id, 0x3e92);
        cr_expect(g->num_fences.known && g->num_fences.value == 32);
        cr_expect(g->huc_status.known && g->huc_status.value == 1);
        cr_expect(g->aperture_size.known && g->aperture_size.value == 4294967296LL);
        cr_expect_eq(g->io_bar, VP_YES);
        cr_expect_eq(g->gvt_edid, VP_NO);
        cr_expect_eq(g->physfn, VP_NO);

        cr_assert_eq(g->va.outcome, VP_VA_OK, "va outcome %s: %s", vp_va_outcome_str(g->va.outcome),
                     g->va.log);
        cr_expect_str_eq(g->va.driver, "iHD", "driver '%s' log:\n%s", g->va.driver, g->va.log);
        cr_expect_str_eq(g->va.drivers_tried, "iHD");
        cr_expect(strstr(g->va.vendor, "Intel iHD driver"));
        cr_expect_eq(g->va.api_major, 1);
        cr_expect_eq(g->va.n_configs, 27, "configs %u", g->va.n_configs);
        const struct vp_va_config *c = find_config(g, VAProfileHEVCMain10, VAEntrypointVLD);
        cr_assert(c, "HEVC Main10 VLD missing");
        cr_expect(c->rt_format & VA_RT_FORMAT_YUV420_10, "rt 0x%x", c->rt_format);
        c = find_config(g, VAProfileH264High, VAEntrypointEncSliceLP);
        cr_assert(c);
        cr_expect_eq(c->rate_control, 0x16, "rc 0x%x", c->rate_control);
        cr_expect_eq(c->max_width, 4096);

        const struct vp_machine *h = &facts->machine;
        cr_expect_str_eq(h->kernel_release, "6.1.0-18-amd64");
        cr_expect_eq(h->hypervisor, VP_NO);
        cr_expect_str_eq(h->cpu_model, "Intel(R) Core(TM) i7-8700 CPU @ 3.20GHz");
        cr_expect_eq(h->efi, VP_YES);
        cr_expect_eq(h->secure_boot, VP_NO);
        cr_expect_eq(h->i915_pmu, VP_YES);
        cr_expect_eq(h->mod_i915, VP_YES);
        cr_expect_eq(h->loaded_i915, VP_YES);
        cr_expect_eq(h->iommu, VP_NO);
        cr_expect_eq(h->dmesg_readable, VP_NO);
}

static const struct vp_gpu *first_intel(const struct vp_facts *f)
{
        for (uint32_t i = 0; i < f->n_gpus; i++)
                if (vp_is_intel(&f->gpus[i]))
                        return &f->gpus[i];
        return NULL;
}

Test(probe, gvtg_guest_coffeelake_v54)
{
        tb = np_testbed_new("cfl-gvtg-v54");
        facts = np_testbed_probe(tb, true);
        const struct vp_gpu *g = first_intel(facts);
        cr_assert(g);
        cr_expect_str_eq(g->pci_slot, "0000:00:10.0");
        cr_expect_eq(g->device_id, 0x3e92);
        cr_expect(g->num_fences.known && g->num_fences.value == 4, "fences %lld",
                  (long long)g->num_fences.value);
        cr_expect(g->aperture_available.known && g->aperture_available.value == 662700032);
        cr_expect_eq(g->io_bar, VP_NO, "a GVT-g vGPU has no I/O BAR");
        cr_expect_eq(g->gvt_edid, VP_YES);
        cr_expect_str_eq(g->gvt_edid_connector, "card0-DP-1");
        cr_expect_eq(facts->machine.hypervisor, VP_YES);
        cr_expect_str_eq(facts->machine.dmi_sys_vendor, "QEMU");
        cr_assert_eq(g->va.outcome, VP_VA_OK, "%s", g->va.log);
        const struct vp_va_config *c = find_config(g, VAProfileH264Main, VAEntrypointEncSliceLP);
        cr_assert(c);
        cr_expect_eq(c->rate_control, VA_RC_CQP, "no HuC in a GVT-g guest: CQP only, got 0x%x",
                     c->rate_control);
}

Test(probe, kabylake_passthrough_real_monitor_is_not_gvt)
{
        tb = np_testbed_new("kbl-passthrough");
        facts = np_testbed_probe(tb, false);
        const struct vp_gpu *g = first_intel(facts);
        cr_assert(g);
        cr_expect_str_eq(g->pci_slot, "0000:01:00.0");
        cr_expect_eq(g->io_bar, VP_YES);
        cr_expect_eq(g->gvt_edid, VP_NO, "a real HP ZR2440w has another serial");
        cr_expect(g->num_fences.value == 32);
        cr_expect_eq(facts->machine.hypervisor, VP_YES);
        cr_expect_null(find_config(g, VAProfileH264Main, VAEntrypointEncSlice),
                       "free build: no shader encoder");
}

Test(probe, sriov_vf_behind_virtio_gpu)
{
        tb = np_testbed_new("adl-sriov-vf");
        facts = np_testbed_probe(tb, true);
        cr_assert_eq(facts->n_gpus, 2);
        const struct vp_gpu *v = &facts->gpus[0], *g = &facts->gpus[1];
        cr_expect_eq(v->vendor_id, 0x1af4);
        cr_expect_str_eq(v->drm_name, "virtio_gpu");
        cr_expect_str_eq(v->render_node, "/dev/dri/renderD128");
        cr_expect_eq(v->va.outcome, VP_VA_NOT_RUN, "libva only runs on Intel nodes by default");
        cr_expect_eq(g->vendor_id, 0x8086);
        cr_expect_eq(g->device_id, 0x4692);
        cr_expect(g->revision.known && g->revision.value == 0x0c);
        cr_expect_str_eq(g->render_node, "/dev/dri/renderD129");
        cr_expect_eq(g->io_bar, VP_NO);
        cr_expect_eq(g->va.outcome, VP_VA_OK, "%s", g->va.log);
        cr_expect_eq(facts->machine.i915_pmu, VP_NO);
        cr_expect_eq(facts->machine.dmesg_readable, VP_YES);
        cr_expect_eq(facts->machine.dmesg_sriov_vf, VP_YES);
        cr_expect_eq(facts->machine.dmesg_gvt, VP_NO);
        cr_expect_eq(facts->machine.dmesg_huc, VP_YES);
        cr_expect(strstr(facts->machine.dmesg_notes, "PMU not supported"), "%s",
                  facts->machine.dmesg_notes);
        cr_expect(strstr(facts->machine.dmesg_notes, "module verification failed"));
}

Test(probe, device_override)
{
        struct vp_options o = {0};
        tb = np_testbed_new("adl-sriov-vf");
        o.root = np_testbed_root(tb);
        o.device = "/dev/dri/renderD129";
        o.dmesg_file = "/nonexistent";
        cr_assert_eq(vp_probe(&o, &facts), 0);
        cr_expect_eq(facts->n_gpus, 1);
        cr_expect_eq(facts->gpus[0].device_id, 0x4692);
        free(facts);
        facts = NULL;
        o.device = "/dev/dri/renderD140";
        cr_expect_eq(vp_probe(&o, &facts), -ENOENT);
}

Test(probe, gpu_without_driver_on_cloud_kernel)
{
        tb = np_testbed_new("cloud-kernel-no-i915");
        facts = np_testbed_probe(tb, true);
        cr_assert_eq(facts->n_gpus, 1, "the unbound GPU is found on the PCI bus");
        const struct vp_gpu *g = &facts->gpus[0];
        cr_expect_eq(g->device_id, 0x3e92);
        cr_expect_str_eq(g->kernel_driver, "");
        cr_expect_str_eq(g->render_node, "");
        cr_expect_eq(g->va.outcome, VP_VA_NOT_RUN);
        cr_expect_eq(facts->machine.mod_i915, VP_NO);
        cr_expect_eq(facts->machine.loaded_i915, VP_NO);
        cr_expect_str_eq(facts->machine.kernel_release, "6.8.0-1015-kvm");
}

Test(probe, secure_boot_enabled)
{
        tb = np_testbed_new("secure-boot-on");
        facts = np_testbed_probe(tb, true);
        cr_expect_eq(facts->machine.efi, VP_YES);
        cr_expect_eq(facts->machine.secure_boot, VP_YES);
        cr_expect_eq(facts->machine.setup_mode, VP_NO);
        cr_expect_eq(facts->machine.mod_i915, VP_YES);
}

Test(probe, no_gpu)
{
        tb = np_testbed_new(NULL);
        facts = np_testbed_probe(tb, true);
        cr_expect_eq(facts->n_gpus, 0);
        cr_expect_eq(facts->machine.hypervisor, VP_YES);
        char *json = NULL;
        cr_assert_eq(vp_facts_to_json(facts, 0, &json), 0);
        cr_expect(strstr(json, "\"gpus\":[]"), "%s", json);
        free(json);
}

Test(probe, gvtg_kernel_log_names_the_type)
{
        tb = np_testbed_new("kbl-gvtg-v58-dmesg");
        facts = np_testbed_probe(tb, true);
        cr_expect_eq(facts->machine.dmesg_gvt, VP_YES);
        cr_expect_str_eq(facts->machine.dmesg_vgpu_type, "GVTg_V5_8");
        const struct vp_gpu *g = first_intel(facts);
        cr_assert(g);
        cr_expect_eq(g->gvt_edid, VP_YES, "the 1024x768 V5_8 EDID is GVT's too");
}

/* The access test probes as nobody: the render node is 0660 root:4242. */
Test(probe, render_node_denied_without_group)
{
        if (geteuid() != 0)
                cr_skip_test(
                    "needs root: the fixture chowns the node and the probe drops to nobody");
        tb = np_testbed_new("render-denied");
        facts = np_testbed_probe_as_nobody(tb);
        const struct vp_gpu *g = first_intel(facts);
        cr_assert(g);
        cr_expect_eq(facts->machine.uid, 65534);
        cr_expect(g->render_stat_ok);
        cr_expect_eq(g->render_mode, 0660, "mode %o", g->render_mode);
        cr_expect_eq(g->render_gid, 4242);
        cr_expect_eq(g->render_open_errno, EACCES, "errno %d", g->render_open_errno);
        cr_expect_eq(g->va.outcome, VP_VA_OPEN_FAILED);
        cr_expect_eq(g->va.open_errno, EACCES);
}
