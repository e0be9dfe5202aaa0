/* SPDX-License-Identifier: MIT */
/* nodeprobe host on fixture trees (--sysroot): each check's verdict on each host. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <glib.h>
#include <jansson.h>

#include "kubeserver.h"
#include "na.h"
#include "testbed.h"

struct hcase {
        const char *host;
        const char *check;
        enum vp_status status;
        const char *cause_id;
        const char *in_fix; /* text the fix must contain ("" = none) */
};

static const struct hcase cases[] = {
    {"cfl-gvtg-ok", "host-cpu", VP_STATUS_OK, "", ""},
    {"cfl-gvtg-ok", "host-cmdline", VP_STATUS_OK, "", ""},
    {"cfl-gvtg-ok", "host-modules", VP_STATUS_OK, "", ""},
    {"cfl-gvtg-ok", "host-iommu", VP_STATUS_OK, "", ""},
    {"cfl-gvtg-ok", "host-mdev", VP_STATUS_OK, "", ""},
    {"cfl-gvtg-ok", "host-sriov", VP_STATUS_SKIP, "", ""},
    {"cfl-gvtg-ok", "host-guc", VP_STATUS_OK, "", ""},
    {"cfl-gvtg-ok", "host-vm-config", VP_STATUS_OK, "", ""},
    {"cfl-gvtg-pending", "host-cmdline", VP_STATUS_FAIL, "reboot-pending",
     "proxmox-boot-tool refresh"},
    {"cfl-gvtg-pending", "host-mdev", VP_STATUS_FAIL, "no-mdev-types", ""},
    {"cfl-virqfd", "host-modules", VP_STATUS_WARN, "stale-module-lines", "vfio_virqfd"},
    {"cfl-virqfd", "host-cmdline", VP_STATUS_OK, "", ""},
    /* Tiger Lake: Gen12, split with i915-sriov-dkms (intel-capabilities.md section 3); this
     * host is set up for GVT-g, which it cannot do. */
    {"tgl-11th-gen", "host-cpu", VP_STATUS_OK, "", ""},
    {"tgl-11th-gen", "host-mdev", VP_STATUS_SKIP, "", ""},
    {"tgl-11th-gen", "host-sriov", VP_STATUS_FAIL, "no-sriov-driver", "i915-sriov-dkms"},
    {"tgl-11th-gen", "host-cmdline", VP_STATUS_FAIL, "missing-parameters", "i915.enable_guc=3"},
    {"adl-sriov-7vfs", "host-cpu", VP_STATUS_OK, "", ""},
    {"adl-sriov-7vfs", "host-cmdline", VP_STATUS_OK, "", ""},
    {"adl-sriov-7vfs", "host-sriov", VP_STATUS_OK, "", ""},
    {"adl-sriov-7vfs", "host-guc", VP_STATUS_OK, "", ""},
    {"adl-sriov-7vfs", "host-mdev", VP_STATUS_SKIP, "", ""},
    {"adl-sriov-7vfs", "host-vm-config", VP_STATUS_OK, "", ""},
    /* Arc A-series (DG2): no SR-IOV anywhere upstream (only ATS-M has it), no GVT-g. */
    {"dg2-arc-a380", "host-cpu", VP_STATUS_FAIL, "cannot-split", "Pass the whole GPU"},
    {"dg2-arc-a380", "host-sriov", VP_STATUS_SKIP, "", ""},
    {"dg2-arc-a380", "host-cmdline", VP_STATUS_OK, "", ""},
    /* Battlemage under xe: xe.max_vfs and sriov_numvfs, never i915-sriov-dkms or enable_guc. */
    {"bmg-xe-no-vfs", "host-cpu", VP_STATUS_OK, "", ""},
    {"bmg-xe-no-vfs", "host-cmdline", VP_STATUS_FAIL, "missing-parameters", "xe.max_vfs=7"},
    {"bmg-xe-no-vfs", "host-sriov", VP_STATUS_FAIL, "no-vfs", "sriov_numvfs"},
    {"bmg-xe-no-vfs", "host-guc", VP_STATUS_SKIP, "", ""},
    /* Meteor Lake under i915: i915-sriov-dkms only (its xe has no SR-IOV for MTL). */
    {"mtl-i915-no-dkms", "host-cmdline", VP_STATUS_FAIL, "missing-parameters", "i915.enable_guc=3"},
    {"mtl-i915-no-dkms", "host-sriov", VP_STATUS_FAIL, "no-sriov-driver", "i915-sriov-dkms"},
    {"cfl-no-iommu", "host-iommu", VP_STATUS_FAIL, "iommu-off", "VT-d"},
    {"cfl-no-iommu", "host-cmdline", VP_STATUS_FAIL, "missing-parameters", "update-grub"},
    {"cfl-instances-taken", "host-mdev", VP_STATUS_WARN, "no-instances-left", "101"},
    {"cfl-instances-taken", "host-vm-config", VP_STATUS_FAIL, "vm-config", "viommu"},
};

static int idx[sizeof(cases) / sizeof(cases[0])];

ParameterizedTestParameters(host, verdicts)
{
        for (size_t i = 0; i < sizeof(idx) / sizeof(idx[0]); i++)
                idx[i] = (int)i;
        return cr_make_param_array(int, idx, sizeof(idx) / sizeof(idx[0]));
}

static struct vp_eval *evaluate(const char *host, struct vp_pve **ret_h)
{
        char root[4096];
        struct vp_pve *h = NULL;
        struct vp_eval *e = NULL;

        snprintf(root, sizeof(root), "%s/host/%s", NP_FIXTURES_DIR, host);
        cr_assert_eq(vp_pve_probe(root, "/nonexistent", &h), 0);
        cr_assert_eq(vp_pve_evaluate(h, &e), 0);
        if (ret_h)
                *ret_h = h;
        else
                free(h);
        return e;
}

ParameterizedTest(int *i, host, verdicts)
{
        const struct hcase *c = &cases[*i];
        struct vp_eval *e = evaluate(c->host, NULL);
        const struct vp_check *k = vp_eval_check(e, c->check);

        cr_assert(k, "%s: no %s", c->host, c->check);
        cr_expect_eq(k->status, c->status, "%s %s: %s (%s), wanted %s", c->host, c->check,
                     vp_status_str(k->status), k->summary, vp_status_str(c->status));
        cr_expect_str_eq(k->cause_id, c->cause_id, "%s %s", c->host, c->check);
        if (c->in_fix[0])
                cr_expect(strstr(k->fix, c->in_fix), "%s %s fix lacks '%s': %s", c->host, c->check,
                          c->in_fix, k->fix);
        free(e);
}

Test(host, facts_of_the_gvt_host)
{
        struct vp_pve *h;
        struct vp_eval *e = evaluate("cfl-gvtg-ok", &h);

        cr_expect_eq(e->node_status, VP_NODE_OK);
        cr_expect_str_eq(h->gpu.slot, "0000:00:02.0");
        cr_expect_eq(h->gpu.device, 0x3e92);
        cr_expect_str_eq(h->boot_source, "/etc/kernel/cmdline");
        cr_assert_eq(h->n_types, 2);
        cr_expect_str_eq(h->types[0].id, "i915-GVTg_V5_4");
        cr_expect_eq(h->types[0].low_gm_mb.value, 128);
        cr_expect_eq(h->types[0].high_gm_mb.value, 512);
        cr_expect_eq(h->types[0].fences.value, 4);
        cr_expect_str_eq(h->types[0].resolution, "1920x1200");
        cr_expect_eq(h->types[1].available.value, 2);
        cr_expect_eq(h->n_vms, 1);
        free(e);
        free(h);
}

Test(host, instances_name_their_vms)
{
        struct vp_pve *h;
        struct vp_eval *e = evaluate("cfl-instances-taken", &h);

        cr_assert_eq(h->n_mdevs, 2);
        cr_expect_eq(h->mdevs[0].vmid, 101);
        cr_expect_eq(h->mdevs[0].index, 0);
        cr_expect_eq(h->mdevs[1].vmid, 102);
        const struct vp_check *c = vp_eval_check(e, "host-vm-config");
        cr_expect(strstr(c->fix, "i915-GVTg_V5_2 is not an mdev type"), "%s", c->fix);
        cr_expect(strstr(c->fix, "pre-enrolled-keys=0"), "%s", c->fix);
        free(e);
        free(h);
}

Test(host, sriov_vfs)
{
        struct vp_pve *h;
        struct vp_eval *e = evaluate("adl-sriov-7vfs", &h);

        cr_expect_eq(h->sriov_totalvfs.value, 7);
        cr_expect_eq(h->n_vfs, 7);
        cr_expect_str_eq(h->vfs[0].driver, "vfio-pci");
        cr_expect_eq(e->node_status, VP_NODE_OK);
        free(e);
        free(h);
}

Test(host, not_an_intel_gpu_host)
{
        struct vp_eval *e = evaluate("../empty/root", NULL);
        cr_expect_eq(e->node_status, VP_NODE_NO_GPU);
        cr_assert_eq(e->n_checks, 1);
        cr_expect_str_eq(e->checks[0].cause_id, "not-intel-gpu-host");
        free(e);
}

/* A writable copy of a fixture host tree, removed by the caller with rm_tree. */
static char *copy_host(const char *host)
{
        g_autofree char *src = g_strdup_printf("%s/host/%s", NP_FIXTURES_DIR, host);
        char *dir = g_dir_make_tmp("np-host-XXXXXX", NULL);
        g_autofree char *dst = g_strdup_printf("%s/root", dir);
        char *argv[] = {"cp", "-a", src, dst, NULL};
        gint st = 0;
        cr_assert(g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &st,
                               NULL) &&
                  g_spawn_check_wait_status(st, NULL));
        return dir;
}

static void rm_tree(char *dir)
{
        char *argv[] = {"rm", "-rf", dir, NULL};
        g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
        g_free(dir);
}

static struct vp_eval *evaluate_at(const char *dir)
{
        g_autofree char *root = g_strdup_printf("%s/root", dir);
        struct vp_pve *h = NULL;
        struct vp_eval *e = NULL;
        cr_assert_eq(vp_pve_probe(root, "/nonexistent", &h), 0);
        cr_assert_eq(vp_pve_evaluate(h, &e), 0);
        free(h);
        return e;
}

Test(host, unreadable_cmdline_is_unknown_not_a_pending_reboot)
{
        char *dir = copy_host("cfl-gvtg-pending");
        g_autofree char *cmdline = g_strdup_printf("%s/root/proc/cmdline", dir);
        cr_assert_eq(unlink(cmdline), 0);
        struct vp_eval *e = evaluate_at(dir);
        const struct vp_check *c = vp_eval_check(e, "host-cmdline");
        cr_assert(c);
        cr_expect_eq(c->status, VP_STATUS_WARN);
        cr_expect_str_eq(c->cause_id, "cmdline-unreadable");
        cr_expect_null(strstr(c->summary, "reboot"), "%s", c->summary);
        free(e);
        rm_tree(dir);
}

Test(host, hostile_instance_counts_saturate)
{
        char *dir = copy_host("cfl-instances-taken");
        static const char *const types[] = {"i915-GVTg_V5_4", "i915-GVTg_V5_8"};
        for (size_t i = 0; i < 2; i++) {
                g_autofree char *p = g_strdup_printf(
                    "%s/root/sys/bus/pci/devices/0000:00:02.0/mdev_supported_types/%s/"
                    "available_instances",
                    dir, types[i]);
                np_write(p, "9223372036854775807\n");
        }
        struct vp_eval *e = evaluate_at(dir);
        const struct vp_check *c = vp_eval_check(e, "host-mdev");
        cr_assert(c);
        cr_expect_eq(c->status, VP_STATUS_OK, "instances are free: %s (%s)", c->summary,
                     c->cause_id);
        free(e);
        rm_tree(dir);
}

Test(host, non_utf8_vm_config_still_makes_json)
{
        char *dir = copy_host("cfl-instances-taken");
        g_autofree char *conf = g_strdup_printf("%s/root/etc/pve/qemu-server/101.conf", dir);
        np_write(conf,
                 "name: pl\xe9x\xff\nmachine: q35\nhostpci0: 0000:00:02.0,mdev=i915-GVTg_V5_4\n");
        struct vp_eval *e = evaluate_at(dir);
        json_t *checks = na_checks_json(e);
        cr_assert(checks, "every string is valid UTF-8");
        char *text = json_dumps(checks, 0);
        cr_expect(text && strstr(text, "pl?x?"), "%s", text);
        free(text);
        json_decref(checks);
        free(e);
        rm_tree(dir);
}

/* The SR-IOV advice follows the driver that drives the PF: xe's is a kernel parameter and
 * sriov_numvfs, i915's the out-of-tree module; neither names the other's remedy. */
Test(host, sriov_advice_follows_the_pf_driver)
{
        struct vp_eval *e = evaluate("bmg-xe-no-vfs", NULL);
        for (uint32_t i = 0; i < e->n_checks; i++) {
                cr_expect(!strstr(e->checks[i].fix, "dkms"), "%s: %s", e->checks[i].id,
                          e->checks[i].fix);
                cr_expect(!strstr(e->checks[i].fix, "i915.enable_guc"), "%s: %s", e->checks[i].id,
                          e->checks[i].fix);
        }
        const struct vp_check *cpu = vp_eval_check(e, "host-cpu");
        cr_expect(strstr(cpu->evidence, "xe.max_vfs") && strstr(cpu->evidence, "6.17"), "%s",
                  cpu->evidence);
        free(e);
        e = evaluate("mtl-i915-no-dkms", NULL);
        for (uint32_t i = 0; i < e->n_checks; i++)
                cr_expect(!strstr(e->checks[i].fix, "xe.max_vfs"), "%s: %s", e->checks[i].id,
                          e->checks[i].fix);
        cpu = vp_eval_check(e, "host-cpu");
        cr_expect(strstr(cpu->evidence, "i915-sriov-dkms") && !strstr(cpu->evidence, " or xe"),
                  "%s", cpu->evidence);
        free(e);
}
