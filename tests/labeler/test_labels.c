/* SPDX-License-Identifier: MIT */
/* Label computation and validation: pure, table-driven. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <glib.h>

#include "labeler/labeler.h"

struct kcase {
        const char *key;
        int valid;
};

static struct kcase keys[] = {
    {"nodeprobe.io/gpu.present", 1},
    {"intel.feature.node.kubernetes.io/gpu", 1},
    {"plain-name", 1},
    {"a/b/c", 0},
    {"Nodeprobe.io/x", 0}, /* prefix must be lowercase */
    {"nodeprobe.io/", 0},
    {"/x", 0},
    {"nodeprobe.io/-x", 0},
    {"nodeprobe.io/x-", 0},
    {"nodeprobe.io/decode.hevc-10bit", 1},
    {"nodeprobe.io/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1},  /* 63 */
    {"nodeprobe.io/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0}, /* 64 */
    {"node_probe.io/x", 0},
    {"nodeprobe..io/x", 0},
    {"nodeprobe.io/x y", 0},
    {"", 0},
};

static int key_idx[sizeof(keys) / sizeof(keys[0])];

ParameterizedTestParameters(labels, key_validation)
{
        for (size_t i = 0; i < sizeof(key_idx) / sizeof(key_idx[0]); i++)
                key_idx[i] = (int)i;
        return cr_make_param_array(int, key_idx, sizeof(key_idx) / sizeof(key_idx[0]));
}

ParameterizedTest(int *i, labels, key_validation)
{
        const struct kcase *c = &keys[*i];
        cr_expect_eq(lbl_validate_key(c->key) == 0, c->valid, "'%s' valid=%d", c->key, c->valid);
}

Test(labels, value_validation)
{
        cr_expect_eq(lbl_validate_value(""), 0);
        cr_expect_eq(lbl_validate_value("GVTg_V5_4"), 0);
        cr_expect_eq(lbl_validate_value("9.5"), 0);
        cr_expect_eq(lbl_validate_value("-x"), -EINVAL);
        cr_expect_eq(lbl_validate_value("a b"), -EINVAL);
        cr_expect_eq(lbl_validate_value("x/y"), -EINVAL);
        char long_value[80];
        memset(long_value, 'a', 64);
        long_value[64] = '\0';
        cr_expect_eq(lbl_validate_value(long_value), -EINVAL);
}

/* A facts/eval pair for a working GVT-g Coffee Lake with a chosen capability state. */
static void working(struct vp_facts **f, struct vp_eval **e, bool va_ok)
{
        *f = calloc(1, sizeof(**f));
        cr_assert(*f);
        (*f)->n_gpus = 1;
        struct vp_gpu *g = &(*f)->gpus[0];
        g->vendor_id = 0x8086;
        g->device_id = 0x3e92;
        snprintf(g->pci_slot, sizeof(g->pci_slot), "0000:00:10.0");
        snprintf(g->kernel_driver, sizeof(g->kernel_driver), "i915");
        snprintf(g->drm_name, sizeof(g->drm_name), "i915");
        snprintf(g->render_node, sizeof(g->render_node), "/dev/dri/renderD128");
        g->num_fences = (struct vp_opt){true, 4};
        (*f)->machine.hypervisor = VP_YES;
        if (va_ok) {
                g->va.outcome = VP_VA_OK;
                snprintf(g->va.driver, sizeof(g->va.driver), "iHD");
                g->va.n_configs = 2;
                g->va.configs[0] = (struct vp_va_config){
                    .profile = 7 /* H264High */, .entrypoint = 1, .rt_format = 1};
                g->va.configs[1] = (struct vp_va_config){
                    .profile = 18 /* HEVCMain10 */, .entrypoint = 1, .rt_format = 0x101};
        } else {
                g->va.outcome = VP_VA_INIT_FAILED;
                g->va.init_status = 1;
        }
        cr_assert_eq(vp_evaluate(*f, e), 0);
}

Test(labels, working_gpu)
{
        struct vp_facts *f;
        struct vp_eval *e;
        struct lbl_set s;

        working(&f, &e, true);
        cr_assert_eq(lbl_compute(f, e, NULL, &s), 0);
        cr_expect_str_eq(lbl_get(&s, "intel.feature.node.kubernetes.io/gpu"), "true");
        cr_expect_str_eq(lbl_get(&s, "nodeprobe.io/gpu.present"), "true");
        cr_expect_str_eq(lbl_get(&s, "nodeprobe.io/gpu.count"), "1");
        cr_expect_str_eq(lbl_get(&s, "nodeprobe.io/gpu.device-id"), "3e92");
        cr_expect_str_eq(lbl_get(&s, "nodeprobe.io/gpu.platform"), "coffeelake");
        cr_expect_str_eq(lbl_get(&s, "nodeprobe.io/gpu.generation"), "9.5");
        cr_expect_str_eq(lbl_get(&s, "nodeprobe.io/gpu.kernel-driver"), "i915");
        cr_expect_str_eq(lbl_get(&s, "nodeprobe.io/gpu.virtualization"), "gvt-g");
        cr_expect_str_eq(lbl_get(&s, "nodeprobe.io/va.driver"), "iHD");
        cr_expect_str_eq(lbl_get(&s, "nodeprobe.io/va.ready"), "true");
        cr_expect_str_eq(lbl_get(&s, "nodeprobe.io/decode.h264"), "true");
        cr_expect_str_eq(lbl_get(&s, "nodeprobe.io/decode.hevc-10bit"), "true");
        cr_expect_str_eq(lbl_get(&s, "nodeprobe.io/decode.vp9"), "false", "probed and absent");
        cr_expect_null(lbl_get(&s, "nodeprobe.io/gpu.vgpu-type"), "unknown type: no label");
        for (uint32_t i = 0; i < s.n; i++) {
                cr_expect_eq(lbl_validate_key(s.labels[i].key), 0, "%s", s.labels[i].key);
                cr_expect_eq(lbl_validate_value(s.labels[i].value), 0, "%s", s.labels[i].value);
                cr_expect(strncmp(s.labels[i].key, "gpu.intel.com/", 14) != 0);
        }
        free(e);
        free(f);
}

Test(labels, unknown_is_omitted_not_false)
{
        struct vp_facts *f;
        struct vp_eval *e;
        struct lbl_set s;

        working(&f, &e, false);
        cr_assert_eq(lbl_compute(f, e, NULL, &s), 0);
        cr_expect_null(lbl_get(&s, "intel.feature.node.kubernetes.io/gpu"));
        cr_expect_str_eq(lbl_get(&s, "nodeprobe.io/va.ready"), "false");
        cr_expect_str_eq(lbl_get(&s, "nodeprobe.io/status"), "va-failed");
        for (uint32_t i = 0; i < s.n; i++)
                cr_expect(strncmp(s.labels[i].key, "nodeprobe.io/decode.", 20) != 0 &&
                              strncmp(s.labels[i].key, "nodeprobe.io/encode.", 20) != 0,
                          "no capability was probed, yet %s", s.labels[i].key);
        free(e);
        free(f);
}

Test(labels, nfd_owns_the_intel_key)
{
        struct vp_facts *f;
        struct vp_eval *e;
        struct lbl_set s;
        struct lbl_options o = {.nfd_feature_labels =
                                    "cpu-cpuid.AVX, intel.feature.node.kubernetes.io/gpu"};

        working(&f, &e, true);
        cr_assert_eq(lbl_compute(f, e, &o, &s), 0);
        cr_expect_null(lbl_get(&s, "intel.feature.node.kubernetes.io/gpu"));
        o.nfd_feature_labels = "cpu-cpuid.AVX";
        cr_assert_eq(lbl_compute(f, e, &o, &s), 0);
        cr_expect_str_eq(lbl_get(&s, "intel.feature.node.kubernetes.io/gpu"), "true");
        o.no_intel_gpu_label = true;
        cr_assert_eq(lbl_compute(f, e, &o, &s), 0);
        cr_expect_null(lbl_get(&s, "intel.feature.node.kubernetes.io/gpu"));
        free(e);
        free(f);
}

Test(labels, custom_and_invalid_prefix)
{
        struct vp_facts *f;
        struct vp_eval *e;
        struct lbl_set s;
        struct lbl_options o = {.prefix = "gpu.example.org"};

        working(&f, &e, true);
        cr_assert_eq(lbl_compute(f, e, &o, &s), 0);
        cr_expect_str_eq(lbl_get(&s, "gpu.example.org/gpu.present"), "true");
        o.prefix = "Bad_Prefix";
        cr_expect_eq(lbl_compute(f, e, &o, &s), -EINVAL);
        /* 253 characters is the longest valid prefix; 254 is refused up front. */
        char longp[260];
        memset(longp, 'a', 254);
        longp[254] = '\0';
        o.prefix = longp;
        cr_expect_eq(lbl_compute(f, e, &o, &s), -EINVAL);
        longp[253] = '\0';
        cr_assert_eq(lbl_compute(f, e, &o, &s), 0);
        cr_expect_eq(s.n_rejected, 0);
        for (uint32_t i = 0; i < s.n; i++)
                cr_expect_eq(lbl_validate_key(s.labels[i].key), 0, "%s", s.labels[i].key);
        /* A hostile snapshot (--facts) with a value the API would refuse: left out, counted. */
        o.prefix = NULL;
        snprintf(f->gpus[0].kernel_driver, sizeof(f->gpus[0].kernel_driver), "bad driver!");
        cr_assert_eq(lbl_compute(f, e, &o, &s), 0);
        cr_expect_eq(s.n_rejected, 1);
        cr_expect_str_eq(s.rejected[0], "nodeprobe.io/gpu.kernel-driver");
        cr_expect_null(lbl_get(&s, "nodeprobe.io/gpu.kernel-driver"));
        /* Intel's namespace is not ours: refused as a whole, not "every label left out" (which
         * an apply would turn into removing all of ours). */
        o.prefix = "gpu.intel.com";
        cr_expect_eq(lbl_compute(f, e, &o, &s), -EINVAL);
        o.prefix = "x.gpu.intel.com";
        cr_expect_eq(lbl_compute(f, e, &o, &s), -EINVAL);
        o.prefix = "notgpu.intel.com";
        cr_expect_eq(lbl_compute(f, e, &o, &s), 0, "only the namespace and its subdomains");
        free(e);
        free(f);
}

Test(labels, no_gpu)
{
        struct vp_facts *f = calloc(1, sizeof(*f));
        struct vp_eval *e;
        struct lbl_set s;
        cr_assert(f);
        cr_assert_eq(vp_evaluate(f, &e), 0);
        cr_assert_eq(lbl_compute(f, e, NULL, &s), 0);
        cr_expect_str_eq(lbl_get(&s, "nodeprobe.io/gpu.present"), "false");
        cr_expect_str_eq(lbl_get(&s, "nodeprobe.io/gpu.count"), "0");
        cr_expect_str_eq(lbl_get(&s, "nodeprobe.io/status"), "no-gpu");
        cr_expect_null(lbl_get(&s, "nodeprobe.io/gpu.device-id"));
        free(e);
        free(f);
}

Test(labels, retry_after_parsing)
{
        static const struct {
                const char *line;
                long want;
        } cases[] = {
            {"Retry-After: 3\r\n", 3},
            {"retry-after:7", 7},
            {"Retry-After: 0\r\n", 0},
            {"Retry-After: 99999999999999999999999\r\n", 86400},
            {"Retry-After: 86401\r\n", 86400},
            {"Retry-After:    \r\n", -1},
            {"Retry-After:", -1},
            {"Retry-After: -5\r\n", -1},
            {"Retry-After: 3s\r\n", -1},
            {"Retry-After: Wed, 21 Oct 2015 07:28:00 GMT\r\n", -1},
            {"Content-Type: text/plain\r\n", -1},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                cr_expect_eq(lbl_parse_retry_after(cases[i].line, strlen(cases[i].line)),
                             cases[i].want, "'%s'", cases[i].line);
        /* Only len bytes are read: the digits after the cut do not count. */
        const char cut[] = "Retry-After: 12345";
        cr_expect_eq(lbl_parse_retry_after(cut, sizeof(cut) - 3), 123);
        /* Spaces up to the end of the given length, no NUL: no read past it (ASan). */
        char *heap = malloc(15);
        memcpy(heap, "Retry-After:   ", 15);
        cr_expect_eq(lbl_parse_retry_after(heap, 15), -1);
        free(heap);
}

Test(labels, sanitize_line)
{
        static const struct {
                const char *in, *want;
        } cases[] = {
            {"plain", "plain"},
            {"two\nlines\r", "two lines "},
            {"\x1b[31mred\x07", "?[31mred?"},
            {"c1 \xc2\x9b"
             "2J",
             "c1 ??2J"},
            {"utf8 \xc3\xa9"
             " ok",
             "utf8 \xc3\xa9"
             " ok"},
            {"cut \xc3", "cut ?"},
            {"bad \xff\xfe", "bad ??"},
            {"overlong \xc0\xaf", "overlong ??"},
            {"surrogate \xed\xa0\x80", "surrogate ???"},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char buf[64];
                snprintf(buf, sizeof(buf), "%s", cases[i].in);
                lbl_sanitize_line(buf);
                cr_expect_str_eq(buf, cases[i].want, "case %zu", i);
        }
}

Test(labels, node_parse_sees_foreign_owners)
{
        static const char body[] =
            "{\"metadata\":{\"name\":\"n1\",\"labels\":{\"intel.feature.node.kubernetes.io/gpu\":"
            "\"false\",\"nodeprobe.io/a\":\"1\",\"other/x\":\"y\"},\"managedFields\":["
            "{\"manager\":\"nodeprobe\",\"operation\":\"Apply\",\"fieldsV1\":{\"f:metadata\":"
            "{\"f:labels\":{\"f:nodeprobe.io/a\":{}}}}},"
            "{\"manager\":\"kubectl-label\",\"operation\":\"Update\",\"fieldsV1\":{\"f:metadata\""
            ":{\"f:labels\":{\"f:intel.feature.node.kubernetes.io/gpu\":{},\"f:other/x\":{}}}}}]}}";
        struct lbl_node_view v;
        struct lbl_error err = {0};

        cr_assert_eq(lbl_node_parse(body, sizeof(body) - 1, "n1", NULL, NULL, &v, &err), 0, "%s",
                     err.message);
        cr_expect_eq(v.owned.n, 1);
        cr_expect_str_eq(lbl_get(&v.owned, "nodeprobe.io/a"), "1");
        cr_expect_eq(v.n_foreign, 1, "only our keys are tracked for others");
        cr_expect_str_eq(v.foreign[0].key, LBL_INTEL_GPU_KEY);
        cr_expect_str_eq(v.foreign[0].value, "false");
        cr_expect_str_eq(v.foreign[0].manager, "kubectl-label");
        cr_expect_eq(lbl_node_parse(body, sizeof(body) - 1, "n2", NULL, NULL, &v, &err), -EPROTO);
        cr_expect_eq(lbl_node_parse("{", 1, "n1", NULL, NULL, &v, &err), -EPROTO);
}

/* Admission denials as kube-apiserver 1.36 words them (tests/kube/test_real_api.py saw each),
 * told apart from RBAC's 403 and from a plain invalid request. */
Test(labels, admission_denials_are_told_from_rbac)
{
        static const struct {
                long code;
                const char *message;
                bool admission;
        } t[] = {
            {422,
             "nodes \"den-1\" is forbidden: ValidatingAdmissionPolicy 'nodeprobe-own-node' with "
             "binding 'nodeprobe-own-node' denied request: nodeprobe may only set its own "
             "condition, IntelGPUReady",
             true},
            {403,
             "nodes \"den-2\" is forbidden: ValidatingAdmissionPolicy 'nodeprobe-own-node' with "
             "binding 'nodeprobe-own-node' denied request: nodeprobe on den-1 may not modify node "
             "den-2",
             true},
            /* A webhook's denial carries its own code, 403 unless it sets one. */
            {403, "admission webhook \"validate.kyverno.svc\" denied the request: no", true},
            {403,
             "nodes \"vm1\" is forbidden: User \"system:serviceaccount:nodeprobe:nodeprobe\" "
             "cannot patch resource \"nodes\" in API group \"\" at the cluster scope",
             false},
            {422, "Node \"vm1\" is invalid: metadata.labels: Invalid value: \"-x\"", false},
            {500, "ValidatingAdmissionPolicy 'p' with binding 'b' denied request: x", false},
            {403, "ValidatingAdmissionPolicy 'p' evaluation failed", false},
        };
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                struct lbl_error e = {.http_status = t[i].code};
                snprintf(e.message, sizeof(e.message), "%s", t[i].message);
                cr_expect_eq(lbl_error_is_admission(&e), t[i].admission, "case %zu: %s", i,
                             t[i].message);
        }
        cr_expect(!lbl_error_is_admission(NULL));
}

/* Labels are rendered from the typed summary: its fields are what the labels say, and the two
 * tiers' sets are the all-tier set split in two (nothing is computed twice or re-parsed). */
Test(labels, rendered_from_the_typed_summary)
{
        struct vp_facts *f;
        struct vp_eval *e;
        struct lbl_summary sum;
        struct lbl_set all, disc, ver;
        const struct lbl_options od = {.tier = LBL_TIER_DISCOVER}, ov = {.tier = LBL_TIER_VERIFY};

        working(&f, &e, true);
        cr_assert_eq(lbl_summarize(f, e, &sum), 0);
        cr_expect_eq(sum.device_id, 0x3e92);
        cr_expect_str_eq(sum.platform, "coffeelake");
        cr_expect_str_eq(sum.kernel_driver, "i915");
        cr_expect_str_eq(sum.va_driver, "iHD");
        cr_expect_eq(sum.va_ready, VP_YES);
        cr_expect_eq(sum.virt, VP_VIRT_GVTG);
        cr_assert_eq(lbl_render(&sum, NULL, &all), 0);
        cr_assert_eq(lbl_render(&sum, &od, &disc), 0);
        cr_assert_eq(lbl_render(&sum, &ov, &ver), 0);
        cr_expect_eq(disc.n + ver.n, all.n, "the tiers split the set");
        for (uint32_t i = 0; i < all.n; i++) {
                const char *k = all.labels[i].key, *v = all.labels[i].value;
                const char *d = lbl_get(&disc, k), *w = lbl_get(&ver, k);
                cr_expect((d != NULL) != (w != NULL), "%s in exactly one tier", k);
                cr_expect_str_eq(d ? d : w, v, "%s", k);
        }
        for (unsigned i = 0; i < VP_N_CAPS; i++) {
                char key[64];
                snprintf(key, sizeof(key), "nodeprobe.io/%s", vp_cap_key(i));
                const char *v = lbl_get(&all, key);
                cr_expect_eq(v ? (strcmp(v, "true") == 0 ? VP_YES : VP_NO) : VP_UNKNOWN,
                             sum.caps[i], "%s", key);
        }
        cr_expect_eq(lbl_summarize(NULL, e, &sum), -EINVAL);
        cr_expect_eq(lbl_render(NULL, NULL, &all), -EINVAL);
        free(e);
        free(f);
}

/* ---- this node's pods (lbl_pods_parse): what GPU each container holds ---- */

static const char PODLIST[] =
    "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"items\":["
    /* the device plugin's resource, with an init container and a sidecar */
    "{\"metadata\":{\"name\":\"jellyfin-0\",\"namespace\":\"media\",\"uid\":\"u1\"},"
    "\"spec\":{\"nodeName\":\"vm1\",\"initContainers\":[{\"name\":\"init\"}],"
    "\"containers\":[{\"name\":\"jellyfin\",\"resources\":{\"limits\":{\"cpu\":\"2\","
    "\"gpu.intel.com/millicores\":\"100\",\"gpu.intel.com/"
    "i915\":\"1\"}}},{\"name\":\"exporter\",\"resources\":{\"limits\":{"
    "\"gpu.intel.com/i915_monitoring\":\"1\"}}}]},"
    "\"status\":{\"initContainerStatuses\":[{\"name\":\"init\",\"containerID\":\"cri-o://"
    "aa\"}],\"containerStatuses\":[{\"name\":\"exporter\",\"containerID\":\"containerd://ee\"},"
    "{\"name\":\"jellyfin\",\"containerID\":\"containerd://jj\"}]}},"
    /* the privileged way: a hostPath of /dev/dri mounted in */
    "{\"metadata\":{\"name\":\"plex\",\"namespace\":\"media\",\"uid\":\"u2\"},"
    "\"spec\":{\"volumes\":[{\"name\":\"dri\",\"hostPath\":{\"path\":\"/dev/dri\"}},"
    "{\"name\":\"cfg\",\"hostPath\":{\"path\":\"/srv/plex\"}}],"
    "\"containers\":[{\"name\":\"plex\",\"volumeMounts\":[{\"name\":\"cfg\",\"mountPath\":"
    "\"/config\"},{\"name\":\"dri\",\"mountPath\":\"/dev/dri\"}]}]}},"
    /* requests only (xe), and hostile types everywhere else */
    "{\"metadata\":{\"name\":\"xe\",\"namespace\":\"n\",\"uid\":\"u3\"},\"spec\":{"
    "\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":{\"gpu.intel.com/xe\":\"1\"}}},"
    "7,{\"name\":5,\"resources\":[]}]}},"
    "{\"metadata\":{\"name\":\"no-uid\"}},"
    "{\"metadata\":{\"name\":\"web\\nline\",\"namespace\":\"n\",\"uid\":\"u4\"},"
    "\"spec\":{\"containers\":\"not a list\"}}"
    "]}";

Test(labels, pods_parse)
{
        struct lbl_pods p;
        struct lbl_error err = {0};
        cr_assert_eq(lbl_pods_parse(PODLIST, strlen(PODLIST), &p, &err), 0, "%s", err.message);
        cr_expect_eq(p.n, 4, "the pod without a uid is dropped");
        const struct lbl_pod *j = lbl_pods_find(&p, "u1");
        cr_assert(j);
        cr_expect_str_eq(j->ns, "media");
        cr_expect_eq(j->n_containers, 3, "the init container first");
        cr_expect_str_eq(j->containers[0].name, "init");
        cr_expect_str_eq(j->containers[0].id, "aa");
        cr_expect_str_eq(j->containers[0].gpu, "");
        cr_expect_str_eq(j->containers[1].gpu, "gpu.intel.com/i915");
        cr_expect_str_eq(j->containers[1].id, "jj", "matched by name, not by order");
        cr_expect_str_eq(j->containers[2].gpu, "", "a monitoring resource decodes nothing");
        const struct lbl_pod *pl = lbl_pods_find(&p, "u2");
        cr_assert(pl);
        cr_expect_str_eq(pl->containers[0].gpu, "hostPath /dev/dri");
        cr_expect_str_eq(pl->containers[0].id, "", "no status yet");
        const struct lbl_pod *x = lbl_pods_find(&p, "u3");
        cr_assert(x);
        cr_expect_str_eq(x->containers[0].gpu, "gpu.intel.com/xe");
        cr_expect_eq(x->n_containers, 2, "a non-object container is skipped");
        cr_expect_str_eq(x->containers[1].name, "", "a name that is not a string is empty");
        const struct lbl_pod *w = lbl_pods_find(&p, "u4");
        cr_assert(w);
        cr_expect(!strchr(w->name, '\n'), "one line: %s", w->name);
        cr_expect_eq(w->n_containers, 0);
        cr_expect_null(lbl_pods_find(&p, ""));
        cr_expect_null(lbl_pods_find(NULL, "u1"));
        lbl_pods_free(&p);
        lbl_pods_free(&p);
        lbl_pods_free(NULL);
}

Test(labels, pods_parse_refuses_what_is_not_a_pod_list)
{
        static const char *const bad[] = {
            "", "[]", "{\"items\":{}}", "{\"kind\":\"Status\"}", "{\"items\":[1,2", "null"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct lbl_pods p;
                struct lbl_error err = {0};
                cr_expect_eq(lbl_pods_parse(bad[i], strlen(bad[i]), &p, &err), -EPROTO, "%s",
                             bad[i]);
                cr_expect(err.message[0], "says why: %s", bad[i]);
                cr_expect_eq(p.n, 0);
                lbl_pods_free(&p);
        }
}

Test(labels, pods_parse_is_bounded)
{
        GString *s = g_string_new("{\"items\":[");
        for (int i = 0; i < LBL_MAX_PODS + 5; i++) {
                g_string_append_printf(s,
                                       "%s{\"metadata\":{\"uid\":\"u%d\",\"name\":\"p\"},"
                                       "\"spec\":{\"containers\":[",
                                       i ? "," : "", i);
                for (int c = 0; c < (i == 0 ? LBL_POD_CONTAINERS + 3 : 1); c++)
                        g_string_append_printf(s, "%s{\"name\":\"c%d\"}", c ? "," : "", c);
                g_string_append(s, "]}}");
        }
        g_string_append(s, "]}");
        struct lbl_pods p;
        cr_assert_eq(lbl_pods_parse(s->str, s->len, &p, NULL), 0);
        cr_expect_eq(p.n, LBL_MAX_PODS);
        cr_expect(p.truncated);
        cr_expect_eq(p.pods[0].n_containers, LBL_POD_CONTAINERS);
        cr_expect(p.pods[0].truncated);
        lbl_pods_free(&p);
        g_string_free(s, TRUE);
}
