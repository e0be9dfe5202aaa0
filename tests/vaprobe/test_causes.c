/* SPDX-License-Identifier: MIT */
/*
 * The cause catalogue, whole: every cause is produced by at least one case below (facts
 * changed from a real snapshot, pasted vainfo text, or a Proxmox host tree changed after
 * probing), every produced cause is in the catalogue, no template is left unfilled, and
 * docs/report-schema.md documents each id.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <glib.h>
#include <va/va.h>

#include "testbed.h"

TestSuite(causes, .timeout = 120);

#define MAX_SEEN 256
static const char *seen[MAX_SEEN];
static unsigned n_seen;

static void note(const struct vp_eval *e, const char *label)
{
        for (uint32_t i = 0; i < e->n_checks; i++) {
                const struct vp_check *c = &e->checks[i];
                if (!c->cause_id[0])
                        continue;
                cr_expect(vp_cause_find(c->cause_id), "%s: %s has cause %s, not in the catalogue",
                          label, c->id, c->cause_id);
                cr_expect_null(strchr(c->cause, '{'), "%s: %s: unfilled template in '%s'", label,
                               c->id, c->cause);
                cr_expect_null(strchr(c->fix, '{'), "%s: %s: unfilled template in '%s'", label,
                               c->id, c->fix);
                cr_expect(c->cause[0], "%s: %s (%s) has no cause text", label, c->id, c->cause_id);
                bool dup = false;
                for (unsigned k = 0; k < n_seen; k++)
                        dup |= strcmp(seen[k], c->cause_id) == 0;
                if (!dup && n_seen < MAX_SEEN)
                        seen[n_seen++] = strdup(c->cause_id);
        }
}

static bool produced(const char *id)
{
        for (unsigned k = 0; k < n_seen; k++)
                if (strcmp(seen[k], id) == 0)
                        return true;
        return false;
}

/* ---- guest: a real snapshot (Proxmox GVT-g guest on Coffee Lake), changed per case ---- */

static struct vp_facts *base(const char *example)
{
        g_autofree char *p = g_strdup_printf("%s/examples/%s", NP_SOURCE_DIR, example);
        g_autofree char *text = NULL;
        gsize len = 0;
        struct vp_facts *f = NULL;
        char err[128];
        cr_assert(g_file_get_contents(p, &text, &len, NULL), "%s", p);
        cr_assert_eq(vp_facts_from_json(text, len, &f, err, sizeof(err)), 0, "%s", err);
        return f;
}

static void eval_note(struct vp_facts *f, const char *label)
{
        struct vp_eval *e = NULL;
        cr_assert_eq(vp_evaluate(f, &e), 0);
        note(e, label);
        free(e);
        free(f);
}

static void va_fail(struct vp_gpu *g, const char *tried, const char *log)
{
        g->va.outcome = VP_VA_INIT_FAILED;
        g->va.init_status = -1;
        g->va.driver[0] = '\0';
        g->va.n_configs = 0;
        snprintf(g->va.drivers_tried, sizeof(g->va.drivers_tried), "%s", tried);
        snprintf(g->va.log, sizeof(g->va.log), "%s", log);
}

/* An id of the table with a property: tables change, the search does not. */
static uint16_t find_id(bool (*want)(const struct vp_platform *))
{
        for (unsigned id = 1; id < 0x10000; id++) {
                struct vp_platform p;
                if (vp_platform_lookup((uint16_t)id, &p) == 0 && want(&p))
                        return (uint16_t)id;
        }
        return 0;
}
static bool force_probe(const struct vp_platform *p)
{
        return strstr(p->xe_force_probe, "force_probe") && strcmp(p->default_kmd, "xe") == 0;
}
static bool not_in_kernel(const struct vp_platform *p)
{
        return !p->in_kernel;
}
static bool no_media_driver(const struct vp_platform *p)
{
        return !p->in_ihd && !p->in_i965 && p->in_kernel;
}
static bool tigerlake(const struct vp_platform *p)
{
        return strcmp(p->platform, "TIGERLAKE") == 0;
}
static bool icelake(const struct vp_platform *p)
{
        return strcmp(p->platform, "ICELAKE") == 0 && !p->in_i965;
}

typedef void (*mutate_fn)(struct vp_facts *f);
#define G0 (&f->gpus[0])
#define M (&f->machine)

static void m_no_gpu(struct vp_facts *f)
{
        f->n_gpus = 0;
}
static void m_device_not_intel(struct vp_facts *f)
{
        G0->vendor_id = 0x1af4;
        snprintf(G0->drm_name, sizeof(G0->drm_name), "virtio_gpu");
        snprintf(f->device, sizeof(f->device), "/dev/dri/renderD128");
}
static void m_unknown_device(struct vp_facts *f)
{
        G0->device_id = 0x0001;
}
static void m_guessed(struct vp_facts *f)
{
        G0->device_id = 0x7d99;
}
static void m_gvt_on_tgl(struct vp_facts *f)
{
        G0->device_id = find_id(tigerlake);
        M->dmesg_gvt = VP_YES;
}
static void m_vf_on_cfl(struct vp_facts *f)
{
        G0->num_fences.value = 32;
        M->dmesg_readable = VP_YES;
        M->dmesg_gvt = VP_NO;
        M->dmesg_sriov_vf = VP_YES;
}
static void m_undetermined(struct vp_facts *f)
{
        G0->num_fences.known = false;
        G0->io_bar = VP_UNKNOWN;
        G0->gvt_edid = VP_UNKNOWN;
        M->dmesg_gvt = VP_UNKNOWN;
}
static void m_viommu_gvt(struct vp_facts *f)
{
        M->iommu = VP_YES;
}
static void m_viommu_pt(struct vp_facts *f)
{
        G0->num_fences.value = 32;
        G0->io_bar = VP_YES;
        G0->gvt_edid = VP_NO;
        M->iommu = VP_YES;
}
static void m_secure_boot(struct vp_facts *f)
{
        M->secure_boot = VP_YES;
        M->setup_mode = VP_NO;
}
static void m_vfio(struct vp_facts *f)
{
        snprintf(G0->kernel_driver, sizeof(G0->kernel_driver), "vfio-pci");
}
static void unbind(struct vp_facts *f)
{
        G0->kernel_driver[0] = '\0';
        G0->render_node[0] = '\0';
        G0->card_node[0] = '\0';
        G0->va.outcome = VP_VA_NOT_RUN;
}
static void m_cloud_kernel(struct vp_facts *f)
{
        unbind(f);
        M->mod_i915 = VP_NO;
        M->mod_xe = VP_NO;
}
static void m_refused(struct vp_facts *f)
{
        unbind(f);
        M->secure_boot = VP_YES;
}
static void m_force_probe(struct vp_facts *f)
{
        unbind(f);
        G0->device_id = find_id(force_probe);
}
static void m_not_in_kernel(struct vp_facts *f)
{
        unbind(f);
        G0->device_id = find_id(not_in_kernel);
}
static void m_not_loaded(struct vp_facts *f)
{
        unbind(f);
}
static void m_no_render_node(struct vp_facts *f)
{
        G0->render_node[0] = '\0';
        G0->va.outcome = VP_VA_NOT_RUN;
}
static void m_denied(struct vp_facts *f)
{
        G0->render_open_errno = EACCES;
        G0->render_mode = 0660;
        G0->va.outcome = VP_VA_OPEN_FAILED;
}
static void m_open_failed(struct vp_facts *f)
{
        G0->render_open_errno = ENXIO;
        G0->va.outcome = VP_VA_OPEN_FAILED;
}
static void m_virtio_picked(struct vp_facts *f)
{
        va_fail(G0, "virtio_gpu",
                "libva error: /usr/lib/x86_64-linux-gnu/dri/virtio_gpu_drv_video.so init failed\n");
}
static void m_xe(struct vp_facts *f)
{
        snprintf(G0->kernel_driver, sizeof(G0->kernel_driver), "xe");
        snprintf(G0->drm_name, sizeof(G0->drm_name), "xe");
        va_fail(G0, "xe",
                "libva info: Trying to open /usr/lib/x86_64-linux-gnu/dri/xe_drv_video.so\n");
}
static void m_gl_name(struct vp_facts *f)
{
        va_fail(G0, "iris",
                "libva info: Trying to open /usr/lib/x86_64-linux-gnu/dri/iris_drv_video.so\n");
}
static void m_i965(struct vp_facts *f)
{
        snprintf(G0->va.driver, sizeof(G0->va.driver), "i965");
}
static void m_odd_driver(struct vp_facts *f)
{
        snprintf(G0->va.driver, sizeof(G0->va.driver), "nvidia");
}
static void m_virtio_first(struct vp_facts *f)
{
        struct vp_gpu *v = &f->gpus[f->n_gpus++];
        memset(v, 0, sizeof(*v));
        v->vendor_id = 0x1af4;
        v->device_id = 0x1050;
        snprintf(v->render_node, sizeof(v->render_node), "/dev/dri/renderD128");
        snprintf(v->drm_name, sizeof(v->drm_name), "virtio_gpu");
        snprintf(G0->render_node, sizeof(G0->render_node), "/dev/dri/renderD129");
}
static void m_crashed(struct vp_facts *f)
{
        G0->va.outcome = VP_VA_CRASHED;
        G0->va.child_signal = 11;
}
static void m_hung(struct vp_facts *f)
{
        G0->va.outcome = VP_VA_TIMED_OUT;
}
static void m_child_failed(struct vp_facts *f)
{
        G0->va.outcome = VP_VA_CHILD_FAILED;
}
static void m_no_init(struct vp_facts *f)
{
        va_fail(G0, "iHD",
                "libva error: /usr/local/lib/dri/iHD_drv_video.so has no function "
                "__vaDriverInit_1_0\n");
}
static void m_gmmlib(struct vp_facts *f)
{
        va_fail(G0, "iHD",
                "libva error: dlopen of /usr/lib/x86_64-linux-gnu/dri/iHD_drv_video.so failed: "
                "/usr/lib/x86_64-linux-gnu/dri/iHD_drv_video.so: undefined symbol: "
                "_ZN6GmmLib11GmmClientContext12CreateResInfoEv\n");
}
static void m_driver_missing(struct vp_facts *f)
{
        va_fail(G0, "iHD",
                "libva info: Trying to open /usr/lib/x86_64-linux-gnu/dri/iHD_drv_video.so\n");
}
static void m_i965_on_icl(struct vp_facts *f)
{
        G0->device_id = find_id(icelake);
        va_fail(G0, "i965",
                "libva info: Trying to open /usr/lib/x86_64-linux-gnu/dri/i965_drv_video.so\n"
                "libva info: Found init function __vaDriverInit_1_17\n");
}
static void m_unknown_pci_id(struct vp_facts *f)
{
        G0->device_id = find_id(no_media_driver);
        va_fail(G0, "iHD",
                "libva info: Trying to open /usr/lib/x86_64-linux-gnu/dri/iHD_drv_video.so\n"
                "libva info: Found init function __vaDriverInit_1_17\n");
}
static void m_init_failed(struct vp_facts *f)
{
        va_fail(G0, "iHD",
                "libva info: Trying to open /usr/lib/x86_64-linux-gnu/dri/iHD_drv_video.so\n"
                "libva info: Found init function __vaDriverInit_1_17\n");
}
static void m_huc_off(struct vp_facts *f)
{
        G0->num_fences.value = 32;
        G0->io_bar = VP_YES;
        G0->gvt_edid = VP_NO;
}
static void m_no_profiles(struct vp_facts *f)
{
        struct vp_va *va = &G0->va;
        uint32_t w = 0;
        for (uint32_t i = 0; i < va->n_configs; i++)
                if (va->configs[i].entrypoint == VAEntrypointVideoProc)
                        va->configs[w++] = va->configs[i];
        va->n_configs = w;
}
static void m_no_pmu(struct vp_facts *f)
{
        M->i915_pmu = VP_NO;
}

static void ex_step(struct vp_facts *f, enum vp_ex_outcome o)
{
        struct vp_exercise *x = &G0->va.exercise;
        x->requested = true;
        x->n_steps = 1;
        snprintf(x->steps[0].kind, sizeof(x->steps[0].kind), "encode");
        snprintf(x->steps[0].codec, sizeof(x->steps[0].codec), "h264");
        x->steps[0].profile = VAProfileH264Main;
        x->steps[0].entrypoint = VAEntrypointEncSliceLP;
        x->steps[0].outcome = o;
        snprintf(x->steps[0].detail, sizeof(x->steps[0].detail), "a test's words");
}
static void m_ex_refused(struct vp_facts *f)
{
        ex_step(f, VP_EX_REFUSED);
}
static void m_ex_garbage(struct vp_facts *f)
{
        ex_step(f, VP_EX_GARBAGE);
}
static void m_ex_hung(struct vp_facts *f)
{
        ex_step(f, VP_EX_HUNG);
}
static void m_ex_crashed(struct vp_facts *f)
{
        ex_step(f, VP_EX_CRASHED);
}
static void m_ex_reset(struct vp_facts *f)
{
        ex_step(f, VP_EX_GPU_RESET);
}

static const struct {
        const char *example;
        mutate_fn fn;
        const char *label;
} guest_cases[] = {
    {"gvtg-coffeelake-healthy.json", m_ex_refused, "exercise refused"},
    {"gvtg-coffeelake-healthy.json", m_ex_garbage, "exercise garbage"},
    {"gvtg-coffeelake-healthy.json", m_ex_hung, "exercise hung"},
    {"gvtg-coffeelake-healthy.json", m_ex_crashed, "exercise crashed"},
    {"gvtg-coffeelake-healthy.json", m_ex_reset, "exercise reset"},
    {"gvtg-coffeelake-healthy.json", m_no_gpu, "no gpu"},
    {"gvtg-coffeelake-healthy.json", m_device_not_intel, "--device on virtio"},
    {"gvtg-coffeelake-healthy.json", m_unknown_device, "unknown id"},
    {"gvtg-coffeelake-healthy.json", m_guessed, "guessed id"},
    {"gvtg-coffeelake-healthy.json", m_gvt_on_tgl, "GVT-g on Tiger Lake"},
    {"gvtg-coffeelake-healthy.json", m_vf_on_cfl, "VF on Coffee Lake"},
    {"gvtg-coffeelake-healthy.json", m_undetermined, "undetermined"},
    {"gvtg-coffeelake-healthy.json", m_viommu_gvt, "vIOMMU with GVT-g"},
    {"gvtg-coffeelake-healthy.json", m_viommu_pt, "vIOMMU with passthrough"},
    {"gvtg-coffeelake-healthy.json", m_secure_boot, "Secure Boot"},
    {"gvtg-coffeelake-healthy.json", m_vfio, "vfio-pci"},
    {"gvtg-coffeelake-healthy.json", m_cloud_kernel, "cloud kernel"},
    {"gvtg-coffeelake-healthy.json", m_refused, "module refused"},
    {"gvtg-coffeelake-healthy.json", m_force_probe, "force_probe"},
    {"gvtg-coffeelake-healthy.json", m_not_in_kernel, "id not in kernel"},
    {"gvtg-coffeelake-healthy.json", m_not_loaded, "not loaded"},
    {"gvtg-coffeelake-healthy.json", m_no_render_node, "no render node"},
    {"gvtg-coffeelake-healthy.json", m_denied, "render node denied"},
    {"gvtg-coffeelake-healthy.json", m_open_failed, "render node open failed"},
    {"gvtg-coffeelake-healthy.json", m_virtio_picked, "virtio picked"},
    {"gvtg-coffeelake-healthy.json", m_xe, "xe without mapping"},
    {"gvtg-coffeelake-healthy.json", m_gl_name, "GL driver name"},
    {"gvtg-coffeelake-healthy.json", m_i965, "i965 fallback"},
    {"gvtg-coffeelake-healthy.json", m_odd_driver, "unexpected driver"},
    {"gvtg-coffeelake-healthy.json", m_virtio_first, "virtio first"},
    {"gvtg-coffeelake-healthy.json", m_crashed, "crashed"},
    {"gvtg-coffeelake-healthy.json", m_hung, "hung"},
    {"gvtg-coffeelake-healthy.json", m_child_failed, "child failed"},
    {"gvtg-coffeelake-healthy.json", m_no_init, "no init function"},
    {"gvtg-coffeelake-healthy.json", m_gmmlib, "gmmlib"},
    {"gvtg-coffeelake-healthy.json", m_driver_missing, "driver missing"},
    {"gvtg-coffeelake-healthy.json", m_i965_on_icl, "i965 on Ice Lake"},
    {"gvtg-coffeelake-healthy.json", m_unknown_pci_id, "iHD lacks the id"},
    {"gvtg-coffeelake-healthy.json", m_init_failed, "init failed"},
    {"gvtg-coffeelake-healthy.json", m_huc_off, "HuC off, passthrough"},
    {"gvtg-coffeelake-healthy.json", m_no_profiles, "no codec profiles"},
    {"sriov-vf-with-problems.json", m_no_pmu, "VF, no PMU"},
    {"gvtg-coffeelake-healthy.json", m_no_pmu, "GVT-g, no PMU"},
};

/* ---- pasted vainfo ---- */

static const struct {
        const char *text;
        uint16_t id;
        const char *label;
} vainfo_cases[] = {
    {"libva info: VA-API version 1.17.0\nlibva info: Trying to open "
     "/usr/lib/x86_64-linux-gnu/dri/radeonsi_drv_video.so\nlibva info: Found init function "
     "__vaDriverInit_1_17\nlibva info: va_openDriver() returns 0\nvainfo: Driver version: Mesa "
     "Gallium driver 22.3.6 for AMD Radeon RX 6600\nVAProfileH264Main : VAEntrypointVLD\n",
     0, "radeonsi"},
    {"libva info: VA-API version 1.17.0\nlibva info: va_openDriver() returns 0\nvainfo: Driver "
     "version: Intel iHD driver for Intel(R) Gen Graphics - 23.1.1 ()\nVAProfileH264Main :\t"
     "VAEntrypointVLD\n",
     0, "no device id"},
    {"Trying display: drm\nFailed to open the given device!\n", 0x3e92, "device open failed"},
    {"error: can't connect to X server!\nerror: failed to initialize display\n", 0x3e92,
     "no display"},
    {"libva info: VA-API version 1.17.0\nlibva info: Trying to open "
     "/usr/lib/x86_64-linux-gnu/dri/iHD_drv_video.so\nlibva info: Found init function "
     "__vaDriverInit_1_17\n",
     0x3e92, "stops in init"},
    {"libva info: VA-API version 0.39.0\nlibva info: Trying to open "
     "/usr/lib/x86_64-linux-gnu/dri/iHD_drv_video.so\nlibva info: va_openDriver() returns -1\n"
     "vaInitialize failed with error code -1 (unknown libva error),exit\n",
     0x3e92, "libva 0.x"},
    {"libva info: VA-API version 1.17.0\nlibva error: vaGetDriverNames() failed with unknown "
     "libva error\nvaInitialize failed with error code -1 (unknown libva error),exit\n",
     0x3e92, "X11 names no driver"},
    {"libva info: VA-API version 1.7.0\nlibva info: Trying to open "
     "/usr/lib/x86_64-linux-gnu/dri/i965_drv_video.so\nlibva info: Found init function "
     "__vaDriverInit_1_7\nvainfo: ../../va/x11/va_dri2.c:339: VA_DRI2Authenticate: Assertion "
     "`dri2' failed.\n",
     0x5917, "X11 DRI2 abort"},
    {"libva info: VA-API version 1.20.0\nlibva info: Trying to open "
     "/usr/lib/x86_64-linux-gnu/dri/iHD_drv_video.so\nlibva info: Found init function "
     "__vaDriverInit_1_20\nget chip id failed: -1 [22]\nparam: 4, val: 0\nlibva error: "
     "/usr/lib/x86_64-linux-gnu/dri/iHD_drv_video.so init failed\nvaInitialize failed with error "
     "code 18 (invalid parameter),exit\n",
     0x4680, "not an i915 node"},
    {"libva info: VA-API version 1.4.0\nlibva info: Trying to open "
     "/usr/lib/x86_64-linux-gnu/dri/i965_drv_video.so\nlibva info: Found init function "
     "__vaDriverInit_1_4\nlibva error: /usr/lib/x86_64-linux-gnu/dri/i965_drv_video.so init "
     "failed\nvaInitialize failed with error code -1 (unknown libva error),exit\n",
     0x8a52, "libva 2.4 on Ice Lake"},
};

/* ---- Proxmox host trees, changed after probing ---- */

typedef void (*hmutate_fn)(struct vp_pve *h);
static void h_none(struct vp_pve *h)
{
        (void)h;
}
static void h_no_gpu(struct vp_pve *h)
{
        h->gpu_found = false;
}
static void h_icelake(struct vp_pve *h)
{
        h->gpu.device = find_id(icelake);
}
static void h_unknown(struct vp_pve *h)
{
        h->gpu.device = 0x0001;
}
static void h_cmdline(struct vp_pve *h)
{
        h->cmdline_unreadable = true;
}
static void h_boot_differs(struct vp_pve *h)
{
        snprintf(h->boot_cmdline, sizeof(h->boot_cmdline),
                 "root=ZFS=rpool/ROOT/pve-1 boot=zfs intel_iommu=on iommu=pt i915.enable_gvt=1 "
                 "mitigations=off");
}
static void h_modules(struct vp_pve *h)
{
        h->n_modlines = 0;
}
static void h_kvmgt(struct vp_pve *h)
{
        h->loaded_kvmgt = VP_NO;
}
static void h_no_group(struct vp_pve *h)
{
        h->gpu_group.known = false;
}
static void h_shared(struct vp_pve *h)
{
        h->n_group_devs = 2;
        h->group_devs[1] = h->group_devs[0];
        snprintf(h->group_devs[1].slot, sizeof(h->group_devs[1].slot), "0000:00:1f.3");
}
static void h_no_vfs_driver(struct vp_pve *h)
{
        h->sriov_totalvfs.value = 0;
}
static void h_no_vfs(struct vp_pve *h)
{
        h->sriov_numvfs.value = 0;
}
static void h_guc2(struct vp_pve *h)
{
        h->enable_guc = (struct vp_opt){.known = true, .value = 2};
}
static void h_guc1(struct vp_pve *h)
{
        h->enable_guc = (struct vp_opt){.known = true, .value = 1};
}

static const struct {
        const char *host;
        hmutate_fn fn;
} host_cases[] = {
    {"cfl-gvtg-ok", h_no_gpu},       {"cfl-gvtg-ok", h_unknown},
    {"tgl-11th-gen", h_icelake},     {"cfl-gvtg-ok", h_cmdline},
    {"cfl-gvtg-ok", h_boot_differs}, {"cfl-gvtg-pending", h_none},
    {"cfl-no-iommu", h_none},        {"cfl-gvtg-ok", h_modules},
    {"cfl-gvtg-ok", h_kvmgt},        {"cfl-virqfd", h_none},
    {"cfl-gvtg-ok", h_no_group},     {"cfl-gvtg-ok", h_shared},
    {"cfl-instances-taken", h_none}, {"adl-sriov-7vfs", h_no_vfs_driver},
    {"adl-sriov-7vfs", h_no_vfs},    {"adl-sriov-7vfs", h_guc2},
    {"cfl-gvtg-ok", h_guc1},
};

/* Find a low-confidence gap the honest way: real snapshots given the ids of platforms whose
 * matrix has low-confidence rows, with one advertised pair removed at a time, until what is
 * missing is only what the sources disagree on. */
static const char *low_platform;
static bool is_low_platform(const struct vp_platform *p)
{
        return strcmp(p->platform, low_platform) == 0;
}

static void low_confidence_gap(void)
{
        static const char *const platforms[] = {"ALDERLAKE_P", "RAPTORLAKE_P", "ALDERLAKE_N",
                                                "SKYLAKE",     "GEMINILAKE",   "WILDCATLAKE"};
        static const int32_t eps[] = {VAEntrypointVLD, VAEntrypointEncSlice, VAEntrypointEncSliceLP,
                                      VAEntrypointVideoProc};

        for (size_t x = 0; x < 6 && !produced("low-confidence"); x++) {
                struct vp_facts *f0 = base("gvtg-coffeelake-healthy.json");
                struct vp_va *all = &f0->gpus[0].va;

                low_platform = platforms[x];
                f0->gpus[0].device_id = find_id(is_low_platform);
                /* A driver that advertises every profile with every entrypoint and format:
                 * then each removal leaves exactly one capability missing. */
                all->n_configs = 0;
                for (int32_t prof = 0; prof < 40; prof++)
                        for (size_t k = 0; k < 4 && all->n_configs < VP_MAX_VA_CONFIGS; k++)
                                all->configs[all->n_configs++] = (struct vp_va_config){
                                    .profile = prof, .entrypoint = eps[k], .rt_format = ~0u};
                for (uint32_t i = 0; i < all->n_configs && !produced("low-confidence"); i++) {
                        struct vp_facts *f = malloc(sizeof(*f));
                        struct vp_eval *e = NULL;
                        struct vp_va *va;

                        cr_assert(f);
                        *f = *f0;
                        va = &f->gpus[0].va;
                        memmove(&va->configs[i], &va->configs[i + 1],
                                (va->n_configs - i - 1) * sizeof(va->configs[0]));
                        va->n_configs--;
                        cr_assert_eq(vp_evaluate(f, &e), 0);
                        if (strcmp(vp_eval_check(e, "codecs")->cause_id, "low-confidence") == 0)
                                note(e, "low-confidence gap");
                        free(e);
                        free(f);
                }
                free(f0);
        }
}

Test(causes, every_cause_is_produced_and_documented)
{
        for (size_t i = 0; i < sizeof(guest_cases) / sizeof(guest_cases[0]); i++) {
                struct vp_facts *f = base(guest_cases[i].example);
                guest_cases[i].fn(f);
                eval_note(f, guest_cases[i].label);
        }
        for (size_t i = 0; i < sizeof(vainfo_cases) / sizeof(vainfo_cases[0]); i++) {
                struct vp_facts *f = NULL;
                cr_assert_eq(vp_vainfo_parse(vainfo_cases[i].text, vainfo_cases[i].id, NULL, &f), 0,
                             "%s", vainfo_cases[i].label);
                eval_note(f, vainfo_cases[i].label);
        }
        /* Whole pasted outputs, for causes that need a full profile list around the gap. */
        static const char *const vainfo_files[] = {"lunarlake-iHD-libva-2.20-no-vvc.txt"};
        for (size_t i = 0; i < sizeof(vainfo_files) / sizeof(vainfo_files[0]); i++) {
                g_autofree char *path =
                    g_strdup_printf("%s/vainfo/%s", NP_FIXTURES_DIR, vainfo_files[i]);
                g_autofree char *text = NULL;
                struct vp_facts *f = NULL;
                cr_assert(g_file_get_contents(path, &text, NULL, NULL), "%s", path);
                cr_assert_eq(vp_vainfo_parse(text, 0, NULL, &f), 0, "%s", vainfo_files[i]);
                eval_note(f, vainfo_files[i]);
        }
        for (size_t i = 0; i < sizeof(host_cases) / sizeof(host_cases[0]); i++) {
                g_autofree char *root =
                    g_strdup_printf("%s/host/%s", NP_FIXTURES_DIR, host_cases[i].host);
                struct vp_pve *h = NULL;
                struct vp_eval *e = NULL;
                cr_assert_eq(vp_pve_probe(root, "/nonexistent", &h), 0);
                host_cases[i].fn(h);
                cr_assert_eq(vp_pve_evaluate(h, &e), 0);
                note(e, host_cases[i].host);
                free(e);
                free(h);
        }
        low_confidence_gap();

        g_autofree char *doc_path = g_strdup_printf("%s/docs/report-schema.md", NP_SOURCE_DIR);
        g_autofree char *doc = NULL;
        cr_assert(g_file_get_contents(doc_path, &doc, NULL, NULL));
        for (unsigned i = 0; i < vp_cause_count(); i++) {
                const struct vp_cause_info *ci = vp_cause_get(i);
                g_autofree char *quoted = g_strdup_printf("`%s`", ci->id);
                cr_expect(produced(ci->id), "cause %s is never produced by a case", ci->id);
                cr_expect(strstr(doc, quoted), "docs/report-schema.md does not document %s",
                          ci->id);
                cr_expect(ci->status != VP_STATUS_OK, "%s: a cause is never 'ok'", ci->id);
        }
        cr_expect_null(vp_cause_get(vp_cause_count()));
        cr_expect_null(vp_cause_find("no-such-cause"));
}

/* The catalogue as docs/report-schema.md shows it (between the causes markers). */
static char *catalogue_markdown(void)
{
        GString *g = g_string_new("| cause_id | status | cause | fix |\n|---|---|---|---|\n");
        for (unsigned i = 0; i < vp_cause_count(); i++) {
                const struct vp_cause_info *ci = vp_cause_get(i);
                g_autofree char *cause = g_strdup(ci->cause), *fix = g_strdup(ci->fix);
                g_strdelimit(cause, "\n", ' ');
                g_strdelimit(fix, "\n", ' ');
                g_autofree char *c2 = g_strjoinv("\\|", g_strsplit(cause, "|", -1));
                g_autofree char *f2 = g_strjoinv("\\|", g_strsplit(fix, "|", -1));
                g_string_append_printf(g, "| `%s` | %s | %s | %s |\n", ci->id,
                                       vp_status_str(ci->status), c2, f2);
        }
        return g_string_free(g, FALSE);
}

Test(causes, schema_doc_lists_the_catalogue)
{
        g_autofree char *doc_path = g_strdup_printf("%s/docs/report-schema.md", NP_SOURCE_DIR);
        g_autofree char *doc = NULL, *want = catalogue_markdown();
        cr_assert(g_file_get_contents(doc_path, &doc, NULL, NULL));
        const char *b = strstr(doc, "<!-- causes:begin -->\n"),
                   *e = strstr(doc, "<!-- causes:end -->");
        cr_assert(b && e && e > b, "docs/report-schema.md has no causes markers");
        b += strlen("<!-- causes:begin -->\n");
        g_autofree char *have = g_strndup(b, (gsize)(e - b));
        if (strcmp(have, want) != 0) {
                g_file_set_contents("causes.md", want, -1, NULL);
                cr_expect_fail("docs/report-schema.md's cause table is stale: the current one "
                               "is in build-test/tests/causes.md");
        }
}

/* The catalogue's texts never name the command line's flags: the library does not know how
 * it is called. */
Test(causes, texts_name_no_flags)
{
        static const char *const flags[] = {
            "--device-id", "--from-vainfo", "--facts", "--in-process", "--report", "--root", NULL};
        for (unsigned i = 0; i < vp_cause_count(); i++) {
                const struct vp_cause_info *ci = vp_cause_get(i);
                for (const char *const *fl = flags; *fl; fl++) {
                        cr_expect_null(strstr(ci->cause, *fl), "%s cause names %s", ci->id, *fl);
                        cr_expect_null(strstr(ci->fix, *fl), "%s fix names %s", ci->id, *fl);
                }
        }
}

/* The same facts on other distributions: the fix is that distribution's command. */
Test(causes, fixes_follow_the_distribution)
{
        static const struct {
                const char *id, *like;
                int in_container;
                const char *want;
        } cases[] = {
            {"debian", "", 0, "apt install intel-media-va-driver-non-free (Debian: add 'non-free'"},
            {"ubuntu", "debian", 0, "multiverse"},
            {"fedora", "", 0, "RPM Fusion"},
            {"rocky", "rhel centos fedora", 0, "dnf install intel-media-driver"},
            {"arch", "", 0, "pacman -S intel-media-driver"},
            {"alpine", "", 0, "apk add intel-media-driver"},
            {"talos", "", 0, "container image"},
            {"linuxmint", "ubuntu debian", 0, "multiverse"},
            {"debian", "", 1, "in the container image: apt install"},
            {"", "", 0, "Fedora: intel-media-driver from RPM Fusion"},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct vp_facts *f = base("sriov-vf-with-problems.json");
                struct vp_eval *e = NULL;
                snprintf(f->machine.os_id, sizeof(f->machine.os_id), "%s", cases[i].id);
                snprintf(f->machine.os_id_like, sizeof(f->machine.os_id_like), "%s", cases[i].like);
                f->machine.in_container = cases[i].in_container ? VP_YES : VP_NO;
                cr_assert_eq(vp_evaluate(f, &e), 0);
                const struct vp_check *c = vp_eval_check(e, "encoder-build");
                cr_expect_str_eq(c->cause_id, "free-build");
                cr_expect(strstr(c->fix, cases[i].want), "%s: '%s' lacks '%s'", cases[i].id, c->fix,
                          cases[i].want);
                free(e);
                free(f);
        }
}

/* Pasted from a web page or a mail: no-break spaces, tabs, runs of spaces, "> " quoting and
 * CR line ends read the same as the plain text. */
Test(causes, vainfo_whitespace_classes)
{
        static const char *const variants[] = {
            "vainfo: Driver version: Intel iHD driver for Intel(R) Gen Graphics - 23.1.1\n"
            "VAProfileH264Main : VAEntrypointVLD\nVAProfileHEVCMain10 : VAEntrypointVLD\n",
            "vainfo: Driver version: Intel iHD driver for Intel(R) Gen Graphics - 23.1.1\r\n"
            "      VAProfileH264Main\t\t\t:\tVAEntrypointVLD\r\n"
            "\xc2\xa0\xc2\xa0VAProfileHEVCMain10\xc2\xa0\xc2\xa0\xc2\xa0:"
            "\xc2\xa0VAEntrypointVLD\r\n",
            "> vainfo: Driver version: Intel iHD driver for Intel(R) Gen Graphics - 23.1.1\n"
            ">       VAProfileH264Main               : VAEntrypointVLD\n"
            "> VAProfileHEVCMain10    :      VAEntrypointVLD\n",
        };
        for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
                struct vp_facts *f = NULL;
                cr_assert_eq(vp_vainfo_parse(variants[i], 0x3e92, NULL, &f), 0, "variant %zu", i);
                cr_expect_eq(f->gpus[0].va.n_configs, 2, "variant %zu: %u pairs", i,
                             f->gpus[0].va.n_configs);
                cr_expect_eq(f->gpus[0].va.outcome, VP_VA_OK);
                cr_expect_str_eq(f->gpus[0].va.driver, "iHD");
                free(f);
        }
        struct vp_facts *f = NULL;
        cr_expect_eq(vp_vainfo_parse("{\"schema\":2,\"machine\":{},\"gpus\":[]}", 0, NULL, &f),
                     -EINVAL, "a snapshot is not vainfo text");
}
