/* SPDX-License-Identifier: MIT */
/*
 * A Node's labels: GET with managedFields (what this manager applied, what others hold), and
 * server-side apply of the desired set, settling conflicts (a shared key goes to the manager
 * that holds it; our own prefix is forced).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "client_internal.h"
#include "lbl_internal.h"

int lbl_node_path(struct lbl_client *c, const char *node, const char *query, char *buf, size_t n)
{
        char *esc;
        int r;

        if (!node || !*node || strlen(node) > 253)
                return -EINVAL;
        esc = curl_easy_escape(c->curl, node, 0);
        if (!esc)
                return -ENOMEM;
        r = snprintf(buf, n, "/api/v1/nodes/%s%s", esc, query ? query : "");
        curl_free(esc);
        return r < 0 || (size_t)r >= n ? -ENAMETOOLONG : 0;
}

static void set_add(struct lbl_set *s, const char *k, const char *v)
{
        if (s->n >= LBL_MAX_LABELS || strlen(k) > LBL_KEY_MAX || strlen(v) >= LBL_VALUE_MAX)
                return;
        snprintf(s->labels[s->n].key, sizeof(s->labels[0].key), "%s", k);
        snprintf(s->labels[s->n].value, sizeof(s->labels[0].value), "%s", v);
        s->n++;
}

static void foreign_add(struct lbl_foreign *list, uint32_t *n, uint32_t cap, const char *key,
                        const char *value, const char *manager)
{
        if (*n >= cap || strlen(key) > LBL_KEY_MAX)
                return;
        for (uint32_t i = 0; i < *n; i++)
                if (strcmp(list[i].key, key) == 0)
                        return; /* the first manager named is enough for a message */
        snprintf(list[*n].key, sizeof(list[0].key), "%s", key);
        snprintf(list[*n].value, sizeof(list[0].value), "%s", value ? value : "");
        snprintf(list[*n].manager, sizeof(list[0].manager), "%s", manager);
        lbl_sanitize_line(list[*n].manager);
        (*n)++;
}

/* managedFields: the labels this manager applied (operation Apply, main resource) with their
 * live values, and our keys that other managers hold. */
static int read_managed(json_t *meta, const char *manager, const char *prefix,
                        struct lbl_node_view *out)
{
        json_t *labels = json_object_get(meta, "labels"),
               *mf = json_object_get(meta, "managedFields");
        json_t *e;
        size_t i;

        if (mf && !json_is_array(mf))
                return -EPROTO;
        json_array_foreach(mf, i, e)
        {
                const char *mgr = json_string_value(json_object_get(e, "manager"));
                const char *op = json_string_value(json_object_get(e, "operation"));
                const char *sub = json_string_value(json_object_get(e, "subresource"));
                json_t *fl = json_object_get(
                    json_object_get(json_object_get(e, "fieldsV1"), "f:metadata"), "f:labels");
                bool ours;
                const char *k;
                json_t *unused;

                if (!mgr || (sub && *sub) || !json_is_object(fl))
                        continue;
                ours = strcmp(mgr, manager) == 0;
                if (ours && (!op || strcmp(op, "Apply") != 0))
                        continue;
                json_object_foreach(fl, k, unused)
                {
                        const char *v;
                        if (strncmp(k, "f:", 2) != 0)
                                continue;
                        v = json_string_value(json_object_get(labels, k + 2));
                        if (ours) {
                                if (v)
                                        set_add(&out->owned, k + 2, v);
                        } else if (lbl_owned_key(k + 2, prefix)) {
                                foreign_add(out->foreign, &out->n_foreign,
                                            sizeof(out->foreign) / sizeof(out->foreign[0]), k + 2,
                                            v, mgr);
                        }
                }
        }
        return 0;
}

/* Parse a Node; remaining (optional): every label of ours (by key) on the Node. */
int lbl_parse_node_reply(const char *body, size_t len, const char *node, const char *manager,
                         const char *prefix, long status, struct lbl_node_view *view,
                         struct lbl_set *remaining, struct lbl_error *err)
{
        json_error_t je;
        json_t *o = json_loadb(body ? body : "", body ? len : 0, 0, &je), *meta, *labels;
        const char *name, *nfd, *k;
        json_t *v;
        int rc = 0;

        memset(view, 0, sizeof(*view));
        meta = json_object_get(o, "metadata");
        name = json_string_value(json_object_get(meta, "name"));
        if (!json_is_object(o) || !json_is_object(meta) || !name || strcmp(name, node) != 0) {
                lbl_seterr(err, status, "", "the API server's reply is not Node %s (%s)", node,
                           o ? "unexpected JSON" : je.text);
                rc = -EPROTO;
                goto out;
        }
        labels = json_object_get(meta, "labels");
        if (labels && !json_is_object(labels)) {
                lbl_seterr(err, status, "", "Node %s has malformed labels", node);
                rc = -EPROTO;
                goto out;
        }
        rc = read_managed(meta, manager, prefix, view);
        if (rc < 0) {
                lbl_seterr(err, status, "", "Node %s has malformed managedFields", node);
                goto out;
        }
        if (remaining) {
                memset(remaining, 0, sizeof(*remaining));
                json_object_foreach(labels, k, v)
                {
                        if (json_is_string(v) && lbl_owned_key(k, prefix))
                                set_add(remaining, k, json_string_value(v));
                }
        }
        nfd = json_string_value(
            json_object_get(json_object_get(meta, "annotations"), NFD_ANNOTATION));
        snprintf(view->nfd_feature_labels, sizeof(view->nfd_feature_labels), "%s", nfd ? nfd : "");
        {
                const char *uid = json_string_value(json_object_get(meta, "uid"));
                json_t *conds = json_object_get(json_object_get(o, "status"), "conditions"), *cd;
                size_t ci;

                snprintf(view->uid, sizeof(view->uid), "%s", uid ? uid : "");
                lbl_sanitize_line(view->uid);
                json_array_foreach(conds, ci, cd)
                {
                        const char *type = json_string_value(json_object_get(cd, "type"));
                        struct lbl_condition_view *cv = &view->cond;
                        if (!type || strcmp(type, LBL_CONDITION_TYPE) != 0)
                                continue;
                        cv->known = true;
#define COND_FIELD(dst, key)                                                                       \
        snprintf(cv->dst, sizeof(cv->dst), "%s",                                                   \
                 json_string_value(json_object_get(cd, key))                                       \
                     ? json_string_value(json_object_get(cd, key))                                 \
                     : "")
                        COND_FIELD(status, "status");
                        COND_FIELD(reason, "reason");
                        COND_FIELD(message, "message");
                        COND_FIELD(transition, "lastTransitionTime");
#undef COND_FIELD
                }
        }
out:
        json_decref(o);
        return rc;
}

int lbl_node_parse(const char *body, size_t len, const char *node, const char *manager,
                   const char *prefix, struct lbl_node_view *ret, struct lbl_error *err)
{
        if (!node || !ret)
                return -EINVAL;
        return lbl_parse_node_reply(body, len, node, manager ? manager : "nodeprobe",
                                    prefix ? prefix : LBL_DEFAULT_PREFIX, 0, ret, NULL, err);
}

int lbl_node_get(struct lbl_client *c, const char *node, struct lbl_node_view *view,
                 struct lbl_error *err)
{
        struct resp r = {0};
        char path[512];
        int rc;

        if (!c || !view)
                return -EINVAL;
        memset(view, 0, sizeof(*view));
        rc = lbl_node_path(c, node, NULL, path, sizeof(path));
        if (rc < 0) {
                lbl_seterr(err, 0, "", "invalid node name");
                return rc;
        }
        c->stats.gets++;
        rc = lbl_request(c, "GET", path, NULL, NULL, &r, err);
        if (rc == 0)
                rc = lbl_parse_node_reply(r.buf, r.len, node, c->o.field_manager, c->prefix,
                                          r.status, view, NULL, err);
        free(r.buf);
        return rc;
}

static bool same_set(const struct lbl_set *a, const struct lbl_set *b)
{
        if (a->n != b->n)
                return false;
        for (uint32_t i = 0; i < a->n; i++) {
                const char *v = lbl_get(b, a->labels[i].key);
                if (!v || strcmp(v, a->labels[i].value) != 0)
                        return false;
        }
        return true;
}

static void set_remove(struct lbl_set *s, const char *key)
{
        for (uint32_t i = 0; i < s->n; i++) {
                if (strcmp(s->labels[i].key, key) == 0) {
                        memmove(&s->labels[i], &s->labels[i + 1],
                                (s->n - i - 1) * sizeof(s->labels[0]));
                        s->n--;
                        return;
                }
        }
}

/* Under the client's own prefix (never shared)? */
static bool own_prefix(const struct lbl_client *c, const char *key)
{
        size_t pl = strlen(c->prefix);
        return strncmp(key, c->prefix, pl) == 0 && key[pl] == '/';
}

/* A shared key goes to the manager that holds it; ours are forced. Returns whether anything
 * was decided (a key left out, or force turned on). */
static bool settle_conflict(struct lbl_client *c, struct lbl_set *want, const char *key,
                            const char *value, const char *manager, bool *force,
                            struct lbl_apply_result *res)
{
        if (!lbl_get(want, key))
                return false;
        if (own_prefix(c, key)) {
                bool was = *force;
                *force = true;
                return !was;
        }
        set_remove(want, key);
        foreign_add(res->skipped, &res->n_skipped, sizeof(res->skipped) / sizeof(res->skipped[0]),
                    key, value, manager);
        return true;
}

/* The conflicts of a 409 from server-side apply: metav1.Status details.causes with reason
 * FieldManagerConflict, field ".metadata.labels.<key>", message 'conflict with "<manager>"
 * ...' (structured-merge-diff merge/conflict.go). Returns how many were settled. */
static int settle_409(struct lbl_client *c, const struct resp *r, struct lbl_set *want, bool *force,
                      struct lbl_apply_result *res)
{
        static const char field_prefix[] = ".metadata.labels.";
        json_t *o = r->buf ? json_loadb(r->buf, r->len, 0, NULL) : NULL;
        json_t *causes = json_object_get(json_object_get(o, "details"), "causes"), *cause;
        size_t i;
        int settled = 0;

        json_array_foreach(causes, i, cause)
        {
                const char *reason = json_string_value(json_object_get(cause, "reason"));
                const char *field = json_string_value(json_object_get(cause, "field"));
                const char *msg = json_string_value(json_object_get(cause, "message"));
                char mgr[128] = "another manager";
                const char *q1, *q2;

                if (!reason || strcmp(reason, "FieldManagerConflict") != 0 || !field ||
                    strncmp(field, field_prefix, sizeof(field_prefix) - 1) != 0)
                        continue;
                if (msg && (q1 = strchr(msg, '"')) && (q2 = strchr(q1 + 1, '"')) &&
                    q2 - q1 - 1 < (long)sizeof(mgr))
                        snprintf(mgr, sizeof(mgr), "%.*s", (int)(q2 - q1 - 1), q1 + 1);
                if (settle_conflict(c, want, field + sizeof(field_prefix) - 1, "", mgr, force, res))
                        settled++;
        }
        json_decref(o);
        return settled;
}

static char *apply_body(const char *node, const struct lbl_set *want)
{
        json_t *doc = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind", "Node",
                                "metadata", "name", node);
        json_t *labels = json_object();
        char *body = NULL;

        if (!doc || !labels)
                goto out;
        for (uint32_t i = 0; i < want->n; i++)
                json_object_set_new(labels, want->labels[i].key,
                                    json_string(want->labels[i].value));
        /* An empty intent (cleanup) omits the map: SSA then removes everything we applied. */
        if (want->n)
                json_object_set(json_object_get(doc, "metadata"), "labels", labels);
        body = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
out:
        json_decref(labels);
        json_decref(doc);
        return body;
}

int lbl_apply(struct lbl_client *c, const char *node, const struct lbl_set *desired, unsigned flags,
              const struct lbl_node_view *known, struct lbl_apply_result *res,
              struct lbl_error *err)
{
        struct lbl_node_view *view = NULL;
        struct lbl_set *want = NULL;
        struct resp r = {0};
        char path[640], *body = NULL;
        bool force = false;
        int rc = 0;

        if (!c || !desired || !res)
                return -EINVAL;
        memset(res, 0, sizeof(*res));
        for (uint32_t i = 0; i < desired->n; i++) {
                /* Never send what the API server would refuse. */
                if (lbl_validate_key(desired->labels[i].key) < 0 ||
                    lbl_validate_value(desired->labels[i].value) < 0) {
                        lbl_seterr(err, 0, "", "invalid label %s=%s", desired->labels[i].key,
                                   desired->labels[i].value);
                        return -EINVAL;
                }
        }
        view = calloc(1, sizeof(*view));
        want = calloc(1, sizeof(*want));
        if (!view || !want) {
                rc = -ENOMEM;
                goto out;
        }
        if (known)
                *view = *known;
        else if ((rc = lbl_node_get(c, node, view, err)) < 0)
                goto out;
        *want = *desired;
        /* Conflicts we can see already: settle them before sending, so an admin's value on a
         * shared key costs no failed request on every run. */
        for (uint32_t i = 0; i < view->n_foreign; i++) {
                const struct lbl_foreign *f = &view->foreign[i];
                const char *v = lbl_get(want, f->key);
                if (v && strcmp(v, f->value) != 0)
                        settle_conflict(c, want, f->key, f->value, f->manager, &force, res);
        }
        if (!(flags & (LBL_APPLY_ALWAYS | LBL_APPLY_DRY_RUN)) && same_set(want, &view->owned)) {
                res->live = view->owned;
                goto out; /* write only on change */
        }
        for (int round = 0; round < 3; round++) {
                size_t used;
                char *mgr;

                free(body);
                body = apply_body(node, want);
                if (!body) {
                        rc = -ENOMEM;
                        goto out;
                }
                rc = lbl_node_path(c, node, NULL, path, sizeof(path) - 128);
                if (rc < 0)
                        goto out;
                mgr = curl_easy_escape(c->curl, c->o.field_manager, 0);
                if (!mgr) {
                        rc = -ENOMEM;
                        goto out;
                }
                used = strlen(path);
                snprintf(path + used, sizeof(path) - used, "?fieldManager=%.60s%s%s", mgr,
                         force ? "&force=true" : "",
                         flags & LBL_APPLY_DRY_RUN ? "&dryRun=All" : "");
                curl_free(mgr);
                c->stats.patches++;
                rc = lbl_request(c, "PATCH", path, "application/apply-patch+yaml", body, &r, err);
                /* A conflict the GET did not show (another manager was quicker): settle it and
                 * send again; give up when nothing new can be settled. */
                if (rc != -EBUSY || settle_409(c, &r, want, &force, res) == 0)
                        break;
        }
        if (rc == 0) {
                res->changed = true;
                rc = lbl_parse_node_reply(r.buf, r.len, node, c->o.field_manager, c->prefix,
                                          r.status, view, &res->remaining, err);
                res->live = view->owned;
        }
out:
        free(body);
        free(r.buf);
        free(view);
        free(want);
        return rc;
}
