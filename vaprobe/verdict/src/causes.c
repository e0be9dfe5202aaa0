/* SPDX-License-Identifier: MIT */
/* The cause catalogue (causes.h) as a table, template rendering, and the check runner. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "eval.h"
#include "vaprobe/common/strings.h"

static const struct vp_cause_info catalogue[] = {
#define VPI_CAUSE_ROW(e, id, st, cause, fix) {id, VP_STATUS_##st, cause, fix},
    VPI_CAUSES(VPI_CAUSE_ROW)
#undef VPI_CAUSE_ROW
};

unsigned vp_cause_count(void)
{
        return _VPC_MAX;
}

const struct vp_cause_info *vp_cause_get(unsigned i)
{
        return i < _VPC_MAX ? &catalogue[i] : NULL;
}

const struct vp_cause_info *vp_cause_find(const char *id)
{
        for (unsigned i = 0; id && i < _VPC_MAX; i++)
                if (strcmp(catalogue[i].id, id) == 0)
                        return &catalogue[i];
        return NULL;
}

void vpi_vars_copy(struct vpi_vars *dst, const struct vpi_vars *src)
{
        dst->n = src->n;
        memcpy(dst->v, src->v, (size_t)src->n * sizeof(src->v[0]));
}

void vpi_var(struct vpi_vars *v, const char *name, const char *fmt, ...)
{
        uint32_t i;
        va_list ap;

        for (i = 0; i < v->n; i++)
                if (strcmp(v->v[i].name, name) == 0)
                        break;
        if (i == v->n) {
                if (v->n >= VPI_MAX_VARS)
                        return;
                v->n++;
        }
        v->v[i].name = name;
        va_start(ap, fmt);
        vsnprintf(v->v[i].value, sizeof(v->v[i].value), fmt, ap);
        va_end(ap);
        vpi_utf8_sanitize(v->v[i].value);
}

static const char *lookup(const struct vpi_vars *v, const char *name, size_t len)
{
        for (uint32_t i = 0; v && i < v->n; i++)
                if (strlen(v->v[i].name) == len && strncmp(v->v[i].name, name, len) == 0)
                        return v->v[i].value;
        return NULL;
}

/* Append tmpl to buf with {name} replaced; an unknown name stays as written (a test finds
 * those). */
static void render(char *buf, size_t n, const char *tmpl, const struct vpi_vars *v)
{
        for (const char *p = tmpl; *p;) {
                const char *close = p[0] == '{' ? strchr(p, '}') : NULL;
                const char *val = close ? lookup(v, p + 1, (size_t)(close - p - 1)) : NULL;

                if (val) {
                        vpi_appendf(buf, n, "%s", val);
                        p = close + 1;
                } else {
                        size_t run = strcspn(p + 1, "{") + 1;
                        vpi_appendf(buf, n, "%.*s", (int)run, p);
                        p += run;
                }
        }
}

void vpi_cause_as(struct vp_check *c, enum vpi_cause id, enum vp_status s, const struct vpi_vars *v)
{
        const struct vp_cause_info *ci = vp_cause_get((unsigned)id);

        if (!c || !ci)
                return;
        c->status = s;
        vpi_strlcpy(c->cause_id, ci->id, sizeof(c->cause_id));
        if (c->cause[0])
                vpi_appendf(c->cause, sizeof(c->cause), " ");
        render(c->cause, sizeof(c->cause), ci->cause, v);
        if (ci->fix[0]) {
                if (c->fix[0] && c->fix[strlen(c->fix) - 1] != '\n')
                        vpi_appendf(c->fix, sizeof(c->fix), "\n");
                render(c->fix, sizeof(c->fix), ci->fix, v);
        }
}

void vpi_cause(struct vp_check *c, enum vpi_cause id, const struct vpi_vars *v)
{
        const struct vp_cause_info *ci = vp_cause_get((unsigned)id);

        if (ci)
                vpi_cause_as(c, id, ci->status, v);
}

struct vp_check *vpi_add_check(struct vp_eval *e, const char *id, const char *step)
{
        struct vp_check *c;

        if (e->n_checks >= VP_MAX_CHECKS)
                return NULL;
        c = &e->checks[e->n_checks++];
        memset(c, 0, sizeof(*c));
        c->id = id;
        c->step = step;
        return c;
}

void vpi_check_set(struct vp_check *c, enum vp_status s)
{
        c->status = s;
        c->cause_id[0] = '\0';
}

int vpi_run_checks(struct vp_eval *e, const struct vpi_check_def *defs, size_t n, const void *ctx)
{
        for (size_t i = 0; i < n; i++) {
                struct vp_check *c = vpi_add_check(e, defs[i].id, defs[i].step);
                if (!c)
                        return -ENOBUFS;
                defs[i].fn(c, ctx);
        }
        return 0;
}
