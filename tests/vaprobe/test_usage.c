/* SPDX-License-Identifier: MIT */
/*
 * GPU usage from DRM fdinfo and the pod from cgroup: the parsers table-driven over the key
 * sets of i915 and xe across kernel releases and the kubelet's cgroup layouts, the scan over
 * fixture /proc trees under a root (shared fds, processes that are not DRM clients, hostile
 * values, 10,000 processes), and busy ratios from two scans.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "vaprobe/vaprobe.h"

/* ---- fdinfo ---- */

static const char I915_6_2[] = "pos:\t0\nflags:\t02100002\nmnt_id:\t24\nino:\t1045\n"
                               "drm-driver:\ti915\ndrm-pdev:\t0000:00:02.0\ndrm-client-id:\t7\n"
                               "drm-engine-render:\t9288864723 ns\ndrm-engine-copy:\t0 ns\n"
                               "drm-engine-video:\t5000000 ns\ndrm-engine-capacity-video:\t2\n"
                               "drm-engine-video-enhance:\t100 ns\n";
/* i915 with memory stats (Linux 6.9 and later) */
static const char I915_6_9[] = "drm-driver:\ti915\ndrm-client-id:\t42\ndrm-pdev:\t0000:00:02.0\n"
                               "drm-total-system0:\t12 MiB\ndrm-shared-system0:\t0\n"
                               "drm-active-system0:\t0\ndrm-resident-system0:\t8 MiB\n"
                               "drm-total-stolen-system0:\t4 KiB\ndrm-resident-stolen-system0:\t0\n"
                               "drm-engine-render:\t1 ns\ndrm-engine-video:\t2 ns\n";
/* xe, as its documentation shows it */
static const char XE[] = "pos:\t0\nflags:\t0100002\nmnt_id:\t26\nino:\t685\ndrm-driver:\txe\n"
                         "drm-client-id:\t3\ndrm-pdev:\t0000:03:00.0\ndrm-total-system:\t0\n"
                         "drm-total-gtt:\t192 KiB\ndrm-resident-gtt:\t192 KiB\n"
                         "drm-total-vram0:\t23992 KiB\ndrm-shared-vram0:\t16 MiB\n"
                         "drm-resident-vram0:\t23992 KiB\ndrm-cycles-rcs:\t28257900\n"
                         "drm-total-cycles-rcs:\t7655183225\ndrm-cycles-bcs:\t0\n"
                         "drm-total-cycles-bcs:\t7655183225\ndrm-cycles-vcs:\t10\n"
                         "drm-total-cycles-vcs:\t7655183225\ndrm-engine-capacity-vcs:\t2\n"
                         "drm-cycles-vecs:\t0\ndrm-total-cycles-vecs:\t7655183225\n"
                         "drm-engine-capacity-vecs:\t2\ndrm-cycles-ccs:\t0\n"
                         "drm-total-cycles-ccs:\t7655183225\ndrm-engine-capacity-ccs:\t4\n"
                         "drm-cycles-other:\t5\n";

struct fcase {
        const char *label, *text;
        int rc;
        const char *driver, *pdev;
        uint64_t id;
        int engine; /* one engine to look at, -1 none */
        bool has;
        uint64_t busy, total;
        uint32_t capacity;
        uint64_t mem_total, mem_resident;
};

static const struct fcase fcases[] = {
    {"i915 6.2", I915_6_2, 0, "i915", "0000:00:02.0", 7, VP_ENGINE_VIDEO, true, 5000000, 0, 2, 0,
     0},
    {"i915 6.2 render", I915_6_2, 0, "i915", "0000:00:02.0", 7, VP_ENGINE_RENDER, true,
     9288864723ull, 0, 1, 0, 0},
    {"i915 6.2 no compute", I915_6_2, 0, "i915", "0000:00:02.0", 7, VP_ENGINE_COMPUTE, false, 0, 0,
     1, 0, 0},
    {"i915 6.9 memory", I915_6_9, 0, "i915", "0000:00:02.0", 42, VP_ENGINE_VIDEO, true, 2, 0, 1,
     12 * 1024 * 1024 + 4096, 8 * 1024 * 1024},
    {"xe", XE, 0, "xe", "0000:03:00.0", 3, VP_ENGINE_VIDEO, true, 10, 7655183225ull, 2,
     (192 + 23992) * 1024ull, (192 + 23992) * 1024ull},
    {"xe compute", XE, 0, "xe", "0000:03:00.0", 3, VP_ENGINE_COMPUTE, true, 0, 7655183225ull, 4,
     (192 + 23992) * 1024ull, (192 + 23992) * 1024ull},
    {"a socket", "pos:\t0\nflags:\t02\nmnt_id:\t9\nino:\t12345\n", -ENOENT, "", "", 0, -1, false, 0,
     0, 1, 0, 0},
    {"an eventfd", "pos:\t0\nflags:\t02\nmnt_id:\t15\nino:\t1057\neventfd-count:\t0\n", -ENOENT, "",
     "", 0, -1, false, 0, 0, 1, 0, 0},
    {"no client id", "drm-driver:\ti915\ndrm-engine-render:\t5 ns\n", -ENOENT, "i915", "", 0, -1,
     false, 0, 0, 1, 0, 0},
    {"empty", "", -ENOENT, "", "", 0, -1, false, 0, 0, 1, 0, 0},
    /* hostile values are skipped, never wrapped */
    {"overflow", "drm-driver: i915\ndrm-client-id: 1\ndrm-engine-video: 184467440737095516160 ns\n",
     0, "i915", "", 1, VP_ENGINE_VIDEO, false, 0, 0, 1, 0, 0},
    {"memory overflow",
     "drm-driver: xe\ndrm-client-id: 2\ndrm-total-vram0: 18446744073709551615 KiB\n", 0, "xe", "",
     2, VP_ENGINE_VIDEO, false, 0, 0, 1, 0, 0},
    {"unknown unit", "drm-driver: i915\ndrm-client-id: 1\ndrm-engine-video: 12 us\n", 0, "i915", "",
     1, VP_ENGINE_VIDEO, false, 0, 0, 1, 0, 0},
    {"negative", "drm-driver: i915\ndrm-client-id: 1\ndrm-engine-video: -5 ns\n", 0, "i915", "", 1,
     VP_ENGINE_VIDEO, false, 0, 0, 1, 0, 0},
    {"bad capacity", "drm-driver: i915\ndrm-client-id: 1\ndrm-engine-capacity-video: 0\n", 0,
     "i915", "", 1, VP_ENGINE_VIDEO, false, 0, 0, 1, 0, 0},
    {"bad client id", "drm-driver: i915\ndrm-client-id: x1\n", -ENOENT, "i915", "", 0, -1, false, 0,
     0, 1, 0, 0},
};

ParameterizedTestParameters(usage, fdinfo)
{
        static int idx[sizeof(fcases) / sizeof(fcases[0])];
        for (size_t i = 0; i < sizeof(idx) / sizeof(idx[0]); i++)
                idx[i] = (int)i;
        return cr_make_param_array(int, idx, sizeof(idx) / sizeof(idx[0]));
}

ParameterizedTest(int *i, usage, fdinfo)
{
        const struct fcase *f = &fcases[*i];
        struct vp_drm_client c;

        cr_assert_eq(vp_fdinfo_parse(f->text, &c), f->rc, "%s", f->label);
        cr_expect_str_eq(c.driver, f->driver, "%s", f->label);
        cr_expect_str_eq(c.pdev, f->pdev, "%s", f->label);
        if (f->rc < 0)
                return;
        cr_expect_eq(c.id, f->id, "%s", f->label);
        if (f->engine >= 0) {
                cr_expect_eq(c.has[f->engine], f->has, "%s has", f->label);
                cr_expect_eq(c.busy[f->engine], f->busy, "%s busy", f->label);
                cr_expect_eq(c.total[f->engine], f->total, "%s total", f->label);
                cr_expect_eq(c.capacity[f->engine], f->capacity, "%s capacity", f->label);
        }
        cr_expect_eq(c.mem_total, f->mem_total, "%s memory", f->label);
        cr_expect_eq(c.mem_resident, f->mem_resident, "%s resident", f->label);
}

Test(usage, fdinfo_long_line_and_no_newline)
{
        GString *g = g_string_new("drm-driver: i915\ndrm-client-id: 9\ndrm-engine-video: ");
        for (int i = 0; i < 1000; i++)
                g_string_append_c(g, '1');
        g_string_append(g, " ns\ndrm-engine-render: 7 ns"); /* the last line has no newline */
        struct vp_drm_client c;
        cr_assert_eq(vp_fdinfo_parse(g->str, &c), 0);
        cr_expect_not(c.has[VP_ENGINE_VIDEO], "a 1,000-digit value is no value");
        cr_expect(c.has[VP_ENGINE_RENDER] && c.busy[VP_ENGINE_RENDER] == 7);
        g_string_free(g, TRUE);
        cr_expect_str_eq(vp_engine_str(VP_ENGINE_VIDEO_ENHANCE), "video-enhance");
        cr_expect_str_eq(vp_engine_str(VP_ENGINE__MAX), "unknown");
}

/* ---- cgroup ---- */

#define UID "8c1f3c2e-6f4b-4d2a-9c1e-0b6f2f6a9d11"
#define UIDU "8c1f3c2e_6f4b_4d2a_9c1e_0b6f2f6a9d11"
#define CID "4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b"

static const struct {
        const char *label, *text;
        int rc;
        const char *uid, *cid;
} gcases[] = {
    {"v2 systemd containerd",
     "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UIDU
     ".slice/cri-containerd-" CID ".scope\n",
     0, UID, CID},
    {"v2 systemd CRI-O",
     "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UIDU ".slice/crio-" CID
     ".scope\n",
     0, UID, CID},
    {"v2 systemd guaranteed",
     "0::/kubepods.slice/kubepods-pod" UIDU ".slice/cri-containerd-" CID ".scope\n", 0, UID, CID},
    {"v2 cgroupfs (K3s)", "0::/kubepods/besteffort/pod" UID "/" CID "\n", 0, UID, CID},
    {"v2 systemd docker",
     "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UIDU ".slice/docker-" CID
     ".scope\n",
     0, UID, CID},
    {"v1, memory first",
     "12:pids:/kubepods/burstable/pod" UID "/" CID "\n11:memory:/kubepods/burstable/pod" UID "/" CID
     "\n1:name=systemd:/kubepods/burstable/pod" UID "/" CID "\n",
     0, UID, CID},
    {"v1 K3s nested",
     "4:devices:/system.slice/k3s.service/kubepods/besteffort/pod" UID "/" CID "\n", 0, UID, CID},
    {"pod slice, no container (conmon)",
     "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UIDU
     ".slice/crio-conmon-" CID ".scope\n",
     0, UID, ""},
    {"the pod's own cgroup", "0::/kubepods/besteffort/pod" UID "\n", 0, UID, ""},
    {"a user session", "0::/user.slice/user-1000.slice/session-2.scope\n", -ENOENT, "", ""},
    {"a system service", "0::/system.slice/jellyfin.service\n", -ENOENT, "", ""},
    {"a short uid", "0::/kubepods/besteffort/pod1234/" CID "\n", -ENOENT, "", ""},
    {"not hex", "0::/kubepods/besteffort/podzzzzzzzz-6f4b-4d2a-9c1e-0b6f2f6a9d11/" CID "\n",
     -ENOENT, "", ""},
    {"a path with pod in a name", "0::/system.slice/podman-1234.scope\n", -ENOENT, "", ""},
    {"garbage", "no colons here\n::\n:\n", -ENOENT, "", ""},
    {"empty", "", -ENOENT, "", ""},
};

ParameterizedTestParameters(usage, cgroup)
{
        static int idx[sizeof(gcases) / sizeof(gcases[0])];
        for (size_t i = 0; i < sizeof(idx) / sizeof(idx[0]); i++)
                idx[i] = (int)i;
        return cr_make_param_array(int, idx, sizeof(idx) / sizeof(idx[0]));
}

ParameterizedTest(int *i, usage, cgroup)
{
        char uid[40], cid[72];
        cr_expect_eq(vp_cgroup_pod(gcases[*i].text, uid, sizeof(uid), cid, sizeof(cid)),
                     gcases[*i].rc, "%s", gcases[*i].label);
        cr_expect_str_eq(uid, gcases[*i].uid, "%s", gcases[*i].label);
        cr_expect_str_eq(cid, gcases[*i].cid, "%s", gcases[*i].label);
}

/* ---- the scan, over a fixture /proc ---- */

static void put(const char *root, const char *rel, const char *text)
{
        g_autofree char *p = g_build_filename(root, rel, NULL);
        g_autofree char *d = g_path_get_dirname(p);
        cr_assert_eq(g_mkdir_with_parents(d, 0755), 0);
        cr_assert(g_file_set_contents(p, text, -1, NULL), "%s", p);
}

static void fd_link(const char *root, int pid, int fd, const char *target)
{
        g_autofree char *p = g_strdup_printf("%s/proc/%d/fd/%d", root, pid, fd);
        g_autofree char *d = g_path_get_dirname(p);
        cr_assert_eq(g_mkdir_with_parents(d, 0755), 0);
        cr_assert_eq(symlink(target, p), 0, "%s", p);
}

static void proc(const char *root, int pid, const char *comm, const char *cgroup, int fd,
                 const char *target, const char *fdinfo)
{
        g_autofree char *c = g_strdup_printf("proc/%d/comm", pid);
        g_autofree char *g = g_strdup_printf("proc/%d/cgroup", pid);
        g_autofree char *i = g_strdup_printf("proc/%d/fdinfo/%d", pid, fd);
        put(root, c, comm);
        put(root, g, cgroup);
        fd_link(root, pid, fd, target);
        put(root, i, fdinfo);
}

static char *fixture_root(void)
{
        char *root = g_dir_make_tmp("np-usage-XXXXXX", NULL);
        cr_assert(root);
        return root;
}

static void rm_rf(const char *root)
{
        g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", root);
        cr_expect_eq(system(cmd), 0);
}

Test(usage, scan_fixture_proc)
{
        g_autofree char *root = fixture_root();
        struct vp_usage *u = calloc(1, sizeof(*u));

        cr_assert(u);
        /* Jellyfin's ffmpeg in a pod, with a dup of its fd in a child (same client id). */
        proc(root, 100, "ffmpeg\n",
             "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UIDU
             ".slice/cri-containerd-" CID ".scope\n",
             5, "/dev/dri/renderD128", I915_6_2);
        proc(root, 101, "ffmpeg\n", "0::/kubepods/burstable/pod" UID "/" CID "\n", 9,
             "/dev/dri/renderD128", I915_6_2);
        /* An xe client of another GPU, outside Kubernetes. */
        proc(root, 200, "intel_gpu_top\n", "0::/user.slice/session-3.scope\n", 3, "/dev/dri/card1",
             XE);
        /* Not a DRM fd: a socket's fdinfo is never read as one. */
        proc(root, 300, "sshd\n", "0::/system.slice/ssh.service\n", 4, "socket:[1234]",
             "drm-driver: i915\ndrm-client-id: 99\n");
        /* A DRM node whose fdinfo has no client keys (an old kernel). */
        proc(root, 400, "Xorg\n", "0::/system.slice/x.service\n", 7, "/dev/dri/card0",
             "pos:\t0\nflags:\t02\nmnt_id:\t20\n");
        /* A process without a readable fd directory, and a non-numeric entry. */
        put(root, "proc/500/comm", "zombie\n");
        put(root, "proc/self/comm", "self\n");
        put(root, "proc/sys/kernel/osrelease", "6.8.0\n");

        cr_assert_eq(vp_usage_scan(root, NULL, u), 0);
        cr_expect_eq(u->n_clients, 2, "one per (device, client id)");
        cr_expect_eq(u->n_procs, 6);
        cr_expect_eq(u->n_unreadable, 1);
        cr_expect_not(u->truncated);
        const struct vp_drm_client *j = u->clients[0].pid == 100 ? &u->clients[0] : &u->clients[1];
        const struct vp_drm_client *x = j == &u->clients[0] ? &u->clients[1] : &u->clients[0];
        cr_expect_eq(j->pid, 100, "the first holder in /proc order");
        cr_expect_str_eq(j->comm, "ffmpeg");
        cr_expect_str_eq(j->pod_uid, UID);
        cr_expect_str_eq(j->container_id, CID);
        cr_expect_str_eq(x->driver, "xe");
        cr_expect_str_eq(x->comm, "intel_gpu_top");
        cr_expect_str_eq(x->pod_uid, "");
        cr_expect_gt(u->t_ns, 0);

        cr_assert_eq(vp_usage_scan(root, "0000:03:00.0", u), 0);
        cr_expect_eq(u->n_clients, 1, "only that device");
        cr_expect_str_eq(u->clients[0].driver, "xe");
        cr_expect_eq(vp_usage_scan("/nonexistent-root", NULL, u), -ENOENT);
        cr_expect_eq(vp_usage_scan(root, NULL, NULL), -EINVAL);
        rm_rf(root);
        free(u);
}

/* 10,000 processes, each a client: bounded (VP_MAX_CLIENTS), counted, and the scan still
 * visits them all. */
Test(usage, scan_ten_thousand_processes, .timeout = 120)
{
        g_autofree char *root = fixture_root();
        struct vp_usage *u = calloc(1, sizeof(*u));

        cr_assert(u);
        for (int pid = 1000; pid < 11000; pid++) {
                char info[128];
                snprintf(info, sizeof(info),
                         "drm-driver:\ti915\ndrm-pdev:\t0000:00:02.0\ndrm-client-id:\t%d\n"
                         "drm-engine-video:\t%d ns\n",
                         pid, pid);
                proc(root, pid, "worker\n", "0::/\n", 3, "/dev/dri/renderD128", info);
        }
        cr_assert_eq(vp_usage_scan(root, NULL, u), 0);
        cr_expect_eq(u->n_procs, 10000);
        cr_expect_eq(u->n_clients, VP_MAX_CLIENTS);
        cr_expect(u->truncated);
        rm_rf(root);
        free(u);
}

/* ---- busy ratios ---- */

static struct vp_usage *one(uint64_t t_ns, const char *text)
{
        struct vp_usage *u = calloc(1, sizeof(*u));
        cr_assert(u);
        u->t_ns = t_ns;
        u->n_clients = 1;
        cr_assert_eq(vp_fdinfo_parse(text, &u->clients[0]), 0);
        return u;
}

Test(usage, busy_ratios)
{
        double r[VP_ENGINE__MAX];
        /* i915: 0.5 s of video in 1 s on 2 video engines = 25 %. */
        struct vp_usage *a =
            one(1000000000ull, "drm-driver: i915\ndrm-client-id: 1\ndrm-engine-video: 100 ns\n"
                               "drm-engine-capacity-video: 2\ndrm-engine-render: 900 ns\n");
        struct vp_usage *b = one(
            2000000000ull, "drm-driver: i915\ndrm-client-id: 1\ndrm-engine-video: 500000100 ns\n"
                           "drm-engine-capacity-video: 2\ndrm-engine-render: 800 ns\n");
        vp_usage_busy(a, b, 0, r);
        cr_expect_float_eq(r[VP_ENGINE_VIDEO], 0.25, 1e-9);
        cr_expect_eq(r[VP_ENGINE_RENDER], -1, "went backwards: a reset, unknown");
        cr_expect_eq(r[VP_ENGINE_COPY], -1, "absent");
        vp_usage_busy(b, a, 0, r);
        cr_expect_eq(r[VP_ENGINE_VIDEO], -1, "no time passed forward");
        vp_usage_busy(NULL, b, 0, r);
        cr_expect_eq(r[VP_ENGINE_VIDEO], -1);
        vp_usage_busy(a, b, 5, r);
        cr_expect_eq(r[VP_ENGINE_VIDEO], -1, "no such client");
        /* a client that is new since the last scan */
        b->clients[0].id = 2;
        vp_usage_busy(a, b, 0, r);
        cr_expect_eq(r[VP_ENGINE_VIDEO], -1);
        free(a);
        free(b);
        /* xe: busy cycles over total cycles, per engine of the class; never above 1. */
        a = one(1, "drm-driver: xe\ndrm-client-id: 3\ndrm-cycles-vcs: 0\n"
                   "drm-total-cycles-vcs: 1000\ndrm-engine-capacity-vcs: 2\n"
                   "drm-cycles-rcs: 0\ndrm-total-cycles-rcs: 1000\n");
        b = one(2, "drm-driver: xe\ndrm-client-id: 3\ndrm-cycles-vcs: 1000\n"
                   "drm-total-cycles-vcs: 3000\ndrm-engine-capacity-vcs: 2\n"
                   "drm-cycles-rcs: 5000\ndrm-total-cycles-rcs: 2000\n");
        vp_usage_busy(a, b, 0, r);
        cr_expect_float_eq(r[VP_ENGINE_VIDEO], 0.25, 1e-9);
        cr_expect_float_eq(r[VP_ENGINE_RENDER], 1.0, 1e-9, "clamped");
        free(a);
        free(b);
}

/* ---- the kubelet's pod cgroups ---- */

#define UID_A "8c1f3c2e-6f4b-4d2a-9c1e-0b6f2f6a9d11"
#define UID_B "0b6f2f6a-9d11-4d2a-9c1e-8c1f3c2e6f4b"
#define US_A "8c1f3c2e_6f4b_4d2a_9c1e_0b6f2f6a9d11"
#define US_B "0b6f2f6a_9d11_4d2a_9c1e_8c1f3c2e6f4b"

static const struct {
        const char *label;
        const char *files[4][2]; /* path under root, content */
        int rc;
        uint32_t n;
        const char *uid0;
        bool cpu0_known;
        uint64_t cpu0;
} pcases[] = {
    {"v2 systemd: guaranteed at the top, burstable below",
     {{"sys/fs/cgroup/kubepods.slice/kubepods-pod" US_A ".slice/cpu.stat",
       "usage_usec 123456\nuser_usec 1\nsystem_usec 2\n"},
      {"sys/fs/cgroup/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" US_B
       ".slice/cpu.stat",
       "usage_usec 7\n"}},
     0,
     2,
     UID_B,
     true,
     7},
    {"v2 cgroupfs (K3s, Talos)",
     {{"sys/fs/cgroup/kubepods/besteffort/pod" UID_A "/cpu.stat", "usage_usec 99\n"}},
     0,
     1,
     UID_A,
     true,
     99},
    {"v1 cpuacct, in ns",
     {{"sys/fs/cgroup/cpu,cpuacct/kubepods/burstable/pod" UID_A "/cpuacct.usage", "5000000\n"}},
     0,
     1,
     UID_A,
     true,
     5000},
    {"a pod without CPU accounting",
     {{"sys/fs/cgroup/kubepods.slice/kubepods-pod" US_A ".slice/cgroup.procs", "1\n"}},
     0,
     1,
     UID_A,
     false,
     0},
    {"usage_usec only as part of another key: unknown",
     {{"sys/fs/cgroup/kubepods.slice/kubepods-pod" US_A ".slice/cpu.stat", "xusage_usec 5\n"}},
     0,
     1,
     UID_A,
     false,
     0},
    {"hostile: an overflowing counter is unknown, a non-pod directory is skipped",
     {{"sys/fs/cgroup/kubepods.slice/kubepods-pod" US_A ".slice/cpu.stat",
       "usage_usec 99999999999999999999999\n"},
      {"sys/fs/cgroup/kubepods.slice/kubepods-podnotauid.slice/cpu.stat", "usage_usec 1\n"}},
     0,
     1,
     UID_A,
     false,
     0},
    {"not a node",
     {{"sys/fs/cgroup/system.slice/cpu.stat", "usage_usec 1\n"}},
     -ENOENT,
     0,
     NULL,
     false,
     0},
};

Test(usage, pod_cgroups)
{
        for (size_t i = 0; i < sizeof(pcases) / sizeof(pcases[0]); i++) {
                g_autofree char *root = fixture_root();
                struct vp_pods *p = calloc(1, sizeof(*p));
                cr_assert(p);
                for (int f = 0; f < 4 && pcases[i].files[f][0]; f++)
                        put(root, pcases[i].files[f][0], pcases[i].files[f][1]);
                int rc = vp_pods_scan(root, p);
                cr_expect_eq(rc, pcases[i].rc, "%s: rc %d", pcases[i].label, rc);
                cr_expect_eq(p->n, pcases[i].n, "%s: %u pods", pcases[i].label, p->n);
                if (pcases[i].uid0 && p->n) {
                        const struct vp_pod_cpu *c = vp_pods_find(p, pcases[i].uid0);
                        cr_expect(c, "%s: %s found", pcases[i].label, pcases[i].uid0);
                        if (c) {
                                cr_expect_eq(c->cpu_known, pcases[i].cpu0_known, "%s",
                                             pcases[i].label);
                                cr_expect_eq(c->cpu_usec, pcases[i].cpu0, "%s: %llu",
                                             pcases[i].label, (unsigned long long)c->cpu_usec);
                        }
                }
                cr_expect_null(vp_pods_find(p, "nope"));
                free(p);
                rm_rf(root);
        }
}

Test(usage, many_pods_are_bounded)
{
        g_autofree char *root = fixture_root();
        struct vp_pods *p = calloc(1, sizeof(*p));
        cr_assert(p);
        for (int i = 0; i < VP_MAX_PODS + 10; i++) {
                g_autofree char *f = g_strdup_printf(
                    "sys/fs/cgroup/kubepods/pod%08x-0000-4000-8000-000000000000/cpu.stat", i);
                put(root, f, "usage_usec 1\n");
        }
        cr_expect_eq(vp_pods_scan(root, p), 0);
        cr_expect_eq(p->n, VP_MAX_PODS);
        cr_expect(p->truncated);
        free(p);
        rm_rf(root);
}

/* ---- the PMU, through the perf_event_open seam ---- */

/* A fake perf: each opened (type, config) is a counter whose readings come from a table. */
struct fake_perf {
        int opened, closed, fail_open; /* fail_open: the errno to refuse with, 0 none */
        uint64_t configs[32];
        uint32_t types[32];
        int reads[32];
        const uint64_t (*seq)[4]; /* per config index in order opened: readings */
};

static int fake_open(void *ctx, uint32_t type, uint64_t config, int cpu)
{
        struct fake_perf *f = ctx;
        cr_expect_eq(cpu, 0, "the PMU's cpumask says CPU 0");
        if (f->fail_open)
                return -f->fail_open;
        f->types[f->opened] = type;
        f->configs[f->opened] = config;
        return 100 + f->opened++;
}

static int fake_read(void *ctx, int fd, uint64_t *val)
{
        struct fake_perf *f = ctx;
        int i = fd - 100;
        cr_assert(i >= 0 && i < f->opened);
        *val = f->seq[i][f->reads[i]++ % 4];
        return 0;
}

static void fake_close(void *ctx, int fd)
{
        struct fake_perf *f = ctx;
        (void)fd;
        f->closed++;
}

static void i915_pmu(const char *root, const char *name)
{
        static const char *const ev[][2] = {
            {"rcs0-busy", "config=0x0"},       {"rcs0-busy.unit", "ns"},
            {"vcs0-busy", "config=0x200000"},  {"vcs1-busy", "config=0x200100"},
            {"vecs0-busy", "config=0x300000"}, {"actual-frequency", "config=0x100000"},
            {"actual-frequency.unit", "M"},    {"rc6-residency", "config=0x100002"},
            {"rcs0-wait", "config=0x2"},       {"interrupts", "config=0x100004"}};
        for (size_t i = 0; i < sizeof(ev) / sizeof(ev[0]); i++) {
                g_autofree char *f =
                    g_strdup_printf("sys/bus/event_source/devices/%s/events/%s", name, ev[i][0]);
                put(root, f, ev[i][1]);
        }
        g_autofree char *t = g_strdup_printf("sys/bus/event_source/devices/%s/type", name);
        g_autofree char *m = g_strdup_printf("sys/bus/event_source/devices/%s/cpumask", name);
        put(root, t, "23\n");
        put(root, m, "0\n");
}

Test(usage, pmu_i915_counters)
{
        g_autofree char *root = fixture_root();
        i915_pmu(root, "i915");
        put(root, "sys/bus/event_source/devices/cpu/type", "4\n"); /* not a GPU PMU */
        /* Opened in name order: actual-frequency, rc6-residency, rcs0, vcs0, vcs1, vecs0. */
        static const uint64_t seq[][4] = {
            {0, 300, 0, 0},                  /* 300 MHz x s accumulated over the 2 s span */
            {0, 1500000000ull, 0, 0},        /* RC6 1.5 s of 2 s */
            {0, 1000000000ull, 0, 0},        /* render 50 % */
            {0, 2000000000ull, 0, 0},        /* vcs0 100 % */
            {1000, 1000, 0, 0},              /* vcs1 idle: video = (1 + 0) / 2 */
            {5000000000ull, 1000000000ull}}; /* vecs went backwards (reset): unknown */
        struct fake_perf f = {.seq = seq};
        struct vp_pmu_ops ops = {fake_open, fake_read, fake_close, &f};
        struct vp_pmus *ps = calloc(1, sizeof(*ps));
        cr_assert(ps);
        cr_assert_eq(vp_pmu_open(root, &ops, ps), 0);
        cr_expect_eq(ps->n, 1);
        cr_expect_eq(f.opened, 6, "busy, frequency and RC6 only (not waits, interrupts)");
        cr_expect_eq(f.types[0], 23);
        cr_expect_eq(f.configs[0], 0x100000, "actual-frequency's config");
        cr_expect_eq(ps->pmus[0].instances[VP_ENGINE_VIDEO], 2);
        cr_expect_str_eq(ps->pmus[0].pdev, "");
        cr_expect(ps->pmus[0].has_freq && ps->pmus[0].has_rc6);
        double r[VP_ENGINE__MAX], hz, rc6;
        cr_expect_eq(vp_pmu_sample(ps), 0);
        vp_pmu_figures(&ps->pmus[0], r, &hz, &rc6);
        cr_expect_lt(r[VP_ENGINE_RENDER], 0, "one sample gives no figure");
        cr_expect_eq(vp_pmu_sample(ps), 0);
        /* The span is the wall clock between the samples: pin it for exact figures. */
        ps->pmus[0].prev_t_ns = 0;
        ps->pmus[0].t_ns = 2000000000ull;
        vp_pmu_figures(&ps->pmus[0], r, &hz, &rc6);
        cr_expect_float_eq(r[VP_ENGINE_RENDER], 0.5, 1e-9);
        cr_expect_float_eq(r[VP_ENGINE_VIDEO], 0.5, 1e-9);
        cr_expect_lt(r[VP_ENGINE_VIDEO_ENHANCE], 0, "a counter reset is unknown, not 0");
        cr_expect_lt(r[VP_ENGINE_COPY], 0, "not offered");
        cr_expect_float_eq(hz, 150e6, 1, "300 MHz x s over 2 s: 150 MHz");
        cr_expect_float_eq(rc6, 0.75, 1e-9);
        vp_pmu_close(ps);
        cr_expect_eq(f.closed, 6);
        vp_pmu_close(ps); /* twice is fine */
        vp_pmu_close(NULL);
        free(ps);
        rm_rf(root);
}

Test(usage, pmu_xe_format_terms)
{
        g_autofree char *root = fixture_root();
        static const char *const files[][2] = {{"type", "31\n"},
                                               {"cpumask", "0\n"},
                                               {"events/engine-active-ticks", "event=0x02"},
                                               {"events/engine-total-ticks", "event=0x03"},
                                               {"events/gt-actual-frequency", "event=0x05"},
                                               {"format/event", "config:0-11"},
                                               {"format/engine_instance", "config:12-19"},
                                               {"format/engine_class", "config:20-27"},
                                               {"format/gt", "config:60-63"}};
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                g_autofree char *p =
                    g_strdup_printf("sys/bus/event_source/devices/xe_0000_03_00.0/%s", files[i][0]);
                put(root, p, files[i][1]);
        }
        static const uint64_t seq[][4] = {{0, 10}, {0, 100}, {0, 0}, {0, 100}, {0, 40}, {0, 80},
                                          {0, 0},  {0, 0},   {0, 0}, {0, 0},   {0, 0}};
        struct fake_perf f = {.seq = seq};
        struct vp_pmu_ops ops = {fake_open, fake_read, fake_close, &f};
        struct vp_pmus *ps = calloc(1, sizeof(*ps));
        cr_assert(ps);
        cr_assert_eq(vp_pmu_open(root, &ops, ps), 0);
        cr_expect_str_eq(ps->pmus[0].pdev, "0000:03:00.0");
        cr_expect_str_eq(ps->pmus[0].driver, "xe");
        cr_expect_eq(f.opened, 11, "active and total per class, and the frequency");
        cr_expect_eq(f.configs[0], 0x02, "render: class 0, instance 0, gt 0");
        cr_expect_eq(f.configs[4], 0x02 | (2ull << 20), "video decode is class 2");
        cr_expect_eq(f.configs[10], 0x05);
        vp_pmu_sample(ps);
        vp_pmu_sample(ps);
        double r[VP_ENGINE__MAX], hz, rc6;
        vp_pmu_figures(&ps->pmus[0], r, &hz, &rc6);
        cr_expect_float_eq(r[VP_ENGINE_RENDER], 0.1, 1e-9, "active / total ticks");
        cr_expect_float_eq(r[VP_ENGINE_VIDEO], 0.5, 1e-9);
        cr_expect_lt(rc6, 0, "no gt-c6-residency here");
        vp_pmu_close(ps);
        free(ps);
        rm_rf(root);
}

Test(usage, pmu_absent_or_refused)
{
        g_autofree char *root = fixture_root();
        struct vp_pmus *ps = calloc(1, sizeof(*ps));
        struct fake_perf f = {.fail_open = EACCES};
        struct vp_pmu_ops ops = {fake_open, fake_read, fake_close, &f};
        cr_assert(ps);
        /* A GVT-g guest or an SR-IOV VF: no i915 PMU at all. */
        put(root, "sys/bus/event_source/devices/cpu/type", "4\n");
        cr_expect_eq(vp_pmu_open(root, &ops, ps), -ENOENT);
        vp_pmu_close(ps);
        /* A PMU we may not open (no CAP_PERFMON, perf_event_paranoid 2). */
        i915_pmu(root, "i915_0000_03_00.0");
        cr_expect_eq(vp_pmu_open(root, &ops, ps), -EACCES);
        cr_expect_eq(ps->n, 0);
        vp_pmu_close(ps);
        /* A hostile events file: a term no format/ defines, a value too wide. */
        put(root, "sys/bus/event_source/devices/i915_0000_03_00.0/events/rcs0-busy",
            "config=0x0,bogus=1");
        f.fail_open = 0;
        cr_expect_eq(vp_pmu_open(root, &ops, ps), 0);
        cr_expect_eq(ps->pmus[0].instances[VP_ENGINE_RENDER], 0, "rcs0 skipped");
        cr_expect_str_eq(ps->pmus[0].pdev, "0000:03:00.0");
        vp_pmu_close(ps);
        free(ps);
        rm_rf(root);
}

/* A process with more descriptors than one getdents buffer holds: the DRM one, listed last,
 * is still found (the scan reads the directory to its end). */
Test(usage, scan_many_fds_in_one_process)
{
        g_autofree char *root = fixture_root();
        struct vp_usage *u = calloc(1, sizeof(*u));
        cr_assert(u);
        for (int fd = 0; fd < 2000; fd++)
                fd_link(root, 42, fd, "socket:[7]");
        proc(root, 42, "plex\n", "0::/\n", 99999, "/dev/dri/renderD128", I915_6_2);
        cr_assert_eq(vp_usage_scan(root, NULL, u), 0);
        cr_expect_eq(u->n_procs, 1);
        cr_expect_eq(u->n_clients, 1, "the render node among 2,001 descriptors");
        free(u);
        rm_rf(root);
}
