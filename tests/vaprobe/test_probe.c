/* SPDX-License-Identifier: MIT */
/*
 * vaprobe through the real libdrm and libva on fixture machines (umockdev testbed + fake VA
 * driver). Nothing of vaprobe's own is mocked.
 */
#include <errno.h>
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

static const struct vp_va_config *find_config(const struct vp_gpu *g, int32_t profile,
                                              int32_t ep)
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
        cr_expect(g->chipset_id.known && g->chipset_id.value == 0x3e92);
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

        const struct vp_host *h = &facts->host;
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
