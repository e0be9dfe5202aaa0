/* SPDX-License-Identifier: MIT */
/*
 * The IntelGPUReady condition on nodes/status (server-side apply of one condition, so every
 * other condition stays its owner's) and core/v1 Events about the Node in `default`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "client_internal.h"
#include "lbl_internal.h"

static void rfc3339_now(char *buf, size_t n)
{
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The manager's query string: ?fieldManager=M[&force=true]. */
static int manager_query(struct lbl_client *c, bool force, char *buf, size_t n)
{
        char *mgr = curl_easy_escape(c->curl, c->o.field_manager, 0);
        int r;

        if (!mgr)
                return -ENOMEM;
        r = snprintf(buf, n, "?fieldManager=%.60s%s", mgr, force ? "&force=true" : "");
        curl_free(mgr);
        return r < 0 || (size_t)r >= n ? -ENAMETOOLONG : 0;
}

/* Server-side apply of doc (a Node with a status) to nodes/{node}/status under our field
 * manager; takes doc (NULL: out of memory). *ret_changed when it was sent. */
static int status_apply(struct lbl_client *c, const char *node, json_t *doc, bool *ret_changed,
                        struct lbl_error *err)
{
        char path[640], q[128];
        struct resp r = {0};
        char *body = NULL;
        int rc;

        body = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        rc = !body ? -ENOMEM : lbl_node_path(c, node, "/status", path, sizeof(path) - 128);
        if (rc == 0)
                rc = manager_query(c, true, q, sizeof(q));
        if (rc == 0) {
                strncat(path, q, sizeof(path) - strlen(path) - 1);
                c->stats.patches++;
                rc = lbl_request(c, "PATCH", path, "application/apply-patch+yaml", body, &r, err);
        }
        if (rc == 0 && ret_changed)
                *ret_changed = true;
        free(r.buf);
        free(body);
        json_decref(doc);
        return rc;
}

int lbl_condition_apply(struct lbl_client *c, const char *node, const struct lbl_condition *want,
                        const struct lbl_node_view *known, bool *ret_changed, struct lbl_error *err)
{
        const struct lbl_condition_view *old = known ? &known->cond : NULL;
        const char *st = want && want->ok ? "True" : "False";
        char msg[1024], now[32];
        json_t *doc;

        if (!c || !want || !want->reason)
                return -EINVAL;
        if (ret_changed)
                *ret_changed = false;
        snprintf(msg, sizeof(msg), "%s", want->message ? want->message : "");
        lbl_sanitize_line(msg);
        if (!want->heartbeat && old && old->known && strcmp(old->status, st) == 0 &&
            strcmp(old->reason, want->reason) == 0 && strcmp(old->message, msg) == 0)
                return 0; /* write only on change; no heartbeat */
        rfc3339_now(now, sizeof(now));
        doc = json_pack("{s:s, s:s, s:{s:s}, s:{s:[{s:s, s:s, s:s, s:s, s:s, s:s}]}}", "apiVersion",
                        "v1", "kind", "Node", "metadata", "name", node, "status", "conditions",
                        "type", LBL_CONDITION_TYPE, "status", st, "reason", want->reason, "message",
                        msg, "lastTransitionTime",
                        old && old->known && strcmp(old->status, st) == 0 && old->transition[0]
                            ? old->transition
                            : now,
                        "lastHeartbeatTime", now);
        return status_apply(c, node, doc, ret_changed, err);
}

int lbl_condition_remove(struct lbl_client *c, const char *node, const struct lbl_node_view *known,
                         bool *ret_changed, struct lbl_error *err)
{
        json_t *doc;

        if (!c || !node)
                return -EINVAL;
        if (ret_changed)
                *ret_changed = false;
        if (known && !known->cond.known)
                return 0; /* nothing to remove: no request */
        /* An apply without the condition: the field manager gives it up, and a condition no
         * other manager holds is removed (conditions are a map keyed by type). */
        doc = json_pack("{s:s, s:s, s:{s:s}, s:{}}", "apiVersion", "v1", "kind", "Node", "metadata",
                        "name", node, "status");
        return status_apply(c, node, doc, ret_changed, err);
}

int lbl_event_post(struct lbl_client *c, const char *node, const char *uid, bool warning,
                   const char *reason, const char *message, struct lbl_error *err)
{
        const struct lbl_object about = {"Node", NULL, node, uid};
        return lbl_event_post_about(c, node, &about, warning, reason, message, err);
}

int lbl_event_post_about(struct lbl_client *c, const char *node, const struct lbl_object *obj,
                         bool warning, const char *reason, const char *message,
                         struct lbl_error *err)
{
        char now[32], msg[1024], path[128];
        struct resp r = {0};
        const char *ns;
        json_t *doc;
        char *body = NULL;
        char *esc;
        int rc;

        if (!c || !node || !reason || !obj || !obj->kind || !obj->name)
                return -EINVAL;
        ns = obj->ns && *obj->ns ? obj->ns : "default";
        if (strlen(ns) > 63)
                return -EINVAL;
        esc = curl_easy_escape(c->curl, ns, 0);
        if (!esc)
                return -ENOMEM;
        snprintf(path, sizeof(path), "/api/v1/namespaces/%s/events", esc);
        curl_free(esc);
        rfc3339_now(now, sizeof(now));
        snprintf(msg, sizeof(msg), "%s", message ? message : "");
        lbl_sanitize_line(msg);
        doc = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s, s:s, s:s}, s:s, s:s, s:s, "
                        "s:{s:s, s:s}, s:s, s:s, s:s, s:s, s:i}",
                        "apiVersion", "v1", "kind", "Event", "metadata", "generateName",
                        "nodeprobe-", "namespace", ns, "involvedObject", "apiVersion", "v1", "kind",
                        obj->kind, "name", obj->name, "uid", obj->uid ? obj->uid : "", "reason",
                        reason, "message", msg, "type", warning ? "Warning" : "Normal", "source",
                        "component", "nodeprobe", "host", node, "reportingComponent",
                        "nodeprobe.io/agent", "reportingInstance", node, "firstTimestamp", now,
                        "lastTimestamp", now, "count", 1);
        if (doc && obj->ns && *obj->ns)
                json_object_set_new(json_object_get(doc, "involvedObject"), "namespace",
                                    json_string(obj->ns));
        body = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        rc = body ? lbl_request(c, "POST", path, "application/json", body, &r, err) : -ENOMEM;
        free(r.buf);
        free(body);
        json_decref(doc);
        return rc;
}
