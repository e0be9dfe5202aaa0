/* SPDX-License-Identifier: MIT */
/*
 * The pods on this node, for GPU usage attribution: one
 * GET /api/v1/pods?fieldSelector=spec.nodeName=NODE, reduced to what a metric label and an
 * Event need (namespace, name, uid, each container's name and runtime id) and what GPU each
 * container holds: an Intel device plugin resource (gpu.intel.com/i915, gpu.intel.com/xe;
 * https://github.com/intel/intel-device-plugins-for-kubernetes/blob/main/cmd/gpu_plugin/README.md)
 * or a hostPath volume of /dev/dri mounted into it (the privileged way).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "client_internal.h"
#include "lbl_internal.h"

static void copy(char *dst, size_t n, json_t *v)
{
        const char *s = json_string_value(v);
        snprintf(dst, n, "%s", s ? s : "");
        lbl_sanitize_line(dst);
}

/* A device plugin GPU resource in a container's limits or requests: the device itself
 * (gpu.intel.com/i915, gpu.intel.com/xe) by name, else another gpu.intel.com/ resource
 * (millicores, tiles: GPU Aware Scheduling's, which come with a device). The monitoring
 * resources (gpu.intel.com/monitoring, i915_monitoring) hold every GPU for reading and give
 * no video engine: not counted. */
static void resource_gpu(json_t *container, char *gpu, size_t n)
{
        static const char *const kinds[] = {"limits", "requests"};
        static const char *const devices[] = {"gpu.intel.com/i915", "gpu.intel.com/xe"};
        json_t *res = json_object_get(container, "resources");

        for (size_t k = 0; k < 2 && !gpu[0]; k++) {
                json_t *list = json_object_get(res, kinds[k]);
                const char *key;
                json_t *v;
                for (size_t d = 0; d < 2 && !gpu[0]; d++)
                        if (json_object_get(list, devices[d]))
                                snprintf(gpu, n, "%s", devices[d]);
                json_object_foreach(list, key, v)
                {
                        if (!gpu[0] && strncmp(key, "gpu.intel.com/", 14) == 0 &&
                            !strstr(key, "monitoring"))
                                snprintf(gpu, n, "%s", key);
                }
        }
}

/* Volumes that are hostPath /dev/dri (or a node under it). */
static bool dri_volume(json_t *volumes, const char *name)
{
        size_t i;
        json_t *v;

        json_array_foreach(volumes, i, v)
        {
                const char *vn = json_string_value(json_object_get(v, "name"));
                const char *path =
                    json_string_value(json_object_get(json_object_get(v, "hostPath"), "path"));
                if (vn && name && strcmp(vn, name) == 0 && path &&
                    (strcmp(path, "/dev/dri") == 0 || strncmp(path, "/dev/dri/", 9) == 0 ||
                     strcmp(path, "/dev/dri/") == 0))
                        return true;
        }
        return false;
}

/* "containerd://<id>", "cri-o://<id>", "docker://<id>": the id. */
static void runtime_id(json_t *status, char *id, size_t n)
{
        const char *s = json_string_value(json_object_get(status, "containerID"));
        const char *sep = s ? strstr(s, "://") : NULL;
        snprintf(id, n, "%s", sep ? sep + 3 : "");
        lbl_sanitize_line(id);
}

static void add_containers(json_t *pod, const char *list, const char *statuses, struct lbl_pod *p)
{
        json_t *spec = json_object_get(pod, "spec");
        json_t *volumes = json_object_get(spec, "volumes");
        json_t *st = json_object_get(json_object_get(pod, "status"), statuses);
        size_t i;
        json_t *c;

        json_array_foreach(json_object_get(spec, list), i, c)
        {
                struct lbl_pod_container *pc;
                size_t k;
                json_t *m, *s;

                if (!json_is_object(c))
                        continue;
                if (p->n_containers >= LBL_POD_CONTAINERS) {
                        p->truncated = true;
                        return;
                }
                pc = &p->containers[p->n_containers++];
                memset(pc, 0, sizeof(*pc));
                copy(pc->name, sizeof(pc->name), json_object_get(c, "name"));
                resource_gpu(c, pc->gpu, sizeof(pc->gpu));
                json_array_foreach(json_object_get(c, "volumeMounts"), k, m)
                {
                        if (!pc->gpu[0] &&
                            dri_volume(volumes, json_string_value(json_object_get(m, "name"))))
                                snprintf(pc->gpu, sizeof(pc->gpu), "hostPath /dev/dri");
                }
                json_array_foreach(st, k, s)
                {
                        const char *sn = json_string_value(json_object_get(s, "name"));
                        if (sn && strcmp(sn, pc->name) == 0)
                                runtime_id(s, pc->id, sizeof(pc->id));
                }
        }
}

int lbl_pods_parse(const char *body, size_t len, struct lbl_pods *ret, struct lbl_error *err)
{
        json_error_t je;
        json_t *doc, *items, *pod;
        size_t i, n;

        if (!ret)
                return -EINVAL;
        memset(ret, 0, sizeof(*ret));
        doc = body ? json_loadb(body, len, JSON_REJECT_DUPLICATES, &je) : NULL;
        items = json_object_get(doc, "items");
        if (!json_is_array(items)) {
                lbl_seterr(err, 0, "", "a pod list reply without items: %s",
                           doc ? "not a PodList" : je.text);
                json_decref(doc);
                return -EPROTO;
        }
        n = json_array_size(items);
        if (n > LBL_MAX_PODS) {
                n = LBL_MAX_PODS;
                ret->truncated = true;
        }
        ret->pods = n ? calloc(n, sizeof(*ret->pods)) : NULL;
        if (n && !ret->pods) {
                json_decref(doc);
                return -ENOMEM;
        }
        json_array_foreach(items, i, pod)
        {
                json_t *meta = json_object_get(pod, "metadata");
                struct lbl_pod *p;

                if (i >= n)
                        break;
                if (!json_is_object(meta) || !json_is_string(json_object_get(meta, "uid")))
                        continue;
                p = &ret->pods[ret->n++];
                copy(p->uid, sizeof(p->uid), json_object_get(meta, "uid"));
                copy(p->ns, sizeof(p->ns), json_object_get(meta, "namespace"));
                copy(p->name, sizeof(p->name), json_object_get(meta, "name"));
                add_containers(pod, "initContainers", "initContainerStatuses", p);
                add_containers(pod, "containers", "containerStatuses", p);
        }
        json_decref(doc);
        return 0;
}

int lbl_pods_list(struct lbl_client *c, const char *node, struct lbl_pods *ret,
                  struct lbl_error *err)
{
        char path[512], sel[300];
        struct resp r = {0};
        char *esc;
        int rc;

        if (!c || !node || !*node || strlen(node) > 253 || !ret)
                return -EINVAL;
        memset(ret, 0, sizeof(*ret));
        /* Only this node's pods: the selector is all a webhook authorizer (or the API server's
         * field-selector authorization, Kubernetes >= 1.32) could hold us to. */
        snprintf(sel, sizeof(sel), "spec.nodeName=%s", node);
        esc = curl_easy_escape(c->curl, sel, 0);
        if (!esc)
                return -ENOMEM;
        snprintf(path, sizeof(path), "/api/v1/pods?fieldSelector=%s", esc);
        curl_free(esc);
        c->stats.gets++;
        rc = lbl_request(c, "GET", path, NULL, NULL, &r, err);
        if (rc == 0)
                rc = lbl_pods_parse(r.buf, r.len, ret, err);
        free(r.buf);
        return rc;
}

void lbl_pods_free(struct lbl_pods *p)
{
        if (!p)
                return;
        free(p->pods);
        p->pods = NULL;
        p->n = 0;
}

const struct lbl_pod *lbl_pods_find(const struct lbl_pods *p, const char *uid)
{
        for (uint32_t i = 0; p && uid && *uid && i < p->n; i++)
                if (strcmp(p->pods[i].uid, uid) == 0)
                        return &p->pods[i];
        return NULL;
}
