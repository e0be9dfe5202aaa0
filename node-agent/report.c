/* SPDX-License-Identifier: MIT */
/*
 * The report: checks grouped by the guide's steps (✓ ! ✗ per check, the cause and a
 * copy-paste fix under each problem), then the capability table, for people; the same
 * content as JSON (jansson) or YAML (libyaml emitter) for machines. Schema: docs/report-schema.md.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>
#include <yaml.h>

#include "labeler/labeler.h"
#include "na.h"
#include "nodeprobe_version.h"

#define REPORT_SCHEMA "nodeprobe.io/report/v1"

struct style {
        const char *ok, *warn, *fail, *skip, *bold, *dim, *reset;
};

static struct style pick_style(FILE *out)
{
        const char *nc = getenv("NO_COLOR");
        bool color = isatty(fileno(out)) && !(nc && *nc);
        if (!color)
                return (struct style){"", "", "", "", "", "", ""};
        return (struct style){"\033[32m", "\033[33m", "\033[31m", "\033[2m",
                              "\033[1m",  "\033[2m",  "\033[0m"};
}

static const char *mark(enum vp_status s)
{
        switch (s) {
        case VP_STATUS_OK:
                return "✓";
        case VP_STATUS_WARN:
                return "!";
        case VP_STATUS_FAIL:
                return "✗";
        default:
                return "-";
        }
}

static const char *color(const struct style *st, enum vp_status s)
{
        return s == VP_STATUS_OK     ? st->ok
               : s == VP_STATUS_WARN ? st->warn
               : s == VP_STATUS_FAIL ? st->fail
                                     : st->skip;
}

/* Print multi-line text indented. */
static void block(FILE *o, const char *indent, const char *label, const char *text)
{
        const char *p = text;
        bool first = true;

        while (p && *p) {
                const char *nl = strchr(p, '\n');
                int len = nl ? (int)(nl - p) : (int)strlen(p);
                if (len)
                        fprintf(o, "%s%-10s%.*s\n", indent, first ? label : "", len, p);
                first = false;
                p = nl ? nl + 1 : NULL;
        }
}

/* One cell of the capability table. */
static const char *cell(const struct vp_gpu_eval *ge, const char *key)
{
        for (unsigned i = 0; i < VP_N_CAPS; i++) {
                const struct vp_cap *c;
                if (strcmp(vp_cap_key(i), key) != 0)
                        continue;
                c = &ge->caps[i];
                if (c->actual == VP_UNKNOWN)
                        return c->expected == VP_YES ? "?" : c->expected == VP_NO ? "-" : "?";
                if (c->actual == VP_YES)
                        return c->expected == VP_NO ? "✓+" : "✓";
                if (c->expected == VP_YES)
                        return c->low_confidence ? "!" : "✗";
                return "-";
        }
        return "";
}

static void cap_table(FILE *o, const struct vp_facts *f, const struct vp_gpu_eval *ge)
{
        /* The 4:2:0 codecs, then the range extensions and VVC (a cell with no capability, such
         * as 8-bit HEVC 4:2:2 or VVC encode, stays blank). */
        static const char *const codecs[] = {"h264",     "hevc",     "vp8",     "vp9",
                                             "av1",      "mpeg2",    "vc1",     "jpeg",
                                             "hevc-422", "hevc-444", "vp9-444", "vvc"};
        static const char *const cols[] = {"decode", "encode"};
        const struct vp_gpu *g = &f->gpus[ge->gpu];

        char id[24] = "device id unknown";

        if (g->va.outcome != VP_VA_OK)
                return; /* nothing the driver listed to compare */
        if (g->device_id)
                snprintf(id, sizeof(id), "8086:%04x", g->device_id);
        fprintf(o, "\nCapabilities of %s (%s, %s%s), expected vs actual:\n", id,
                ge->platform.platform[0] ? ge->platform.platform : "platform unknown",
                g->va.driver[0] ? g->va.driver : ge->va_driver,
                strcmp(ge->va_driver, "iHD") != 0 ? ""
                : ge->nonfree == VP_NO            ? " free build"
                : ge->nonfree == VP_YES           ? " full build"
                                                  : "");
        if (!ge->platform.platform[0])
                fprintf(o, "  (without the platform nothing is expected: give the PCI device id, "
                           "--device-id XXXX, from lspci -nn)\n");
        fprintf(o, "  %-9s %-7s %-7s %-7s   %-7s %-7s %-7s\n", "codec", "dec 8", "dec 10", "dec 12",
                "enc 8", "enc 10", "enc 12");
        for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++) {
                fprintf(o, "  %-9s", codecs[i]);
                for (int d = 0; d < 2; d++) {
                        for (int depth = 8; depth <= 12; depth += 2) {
                                char key[40];
                                const char *v;
                                if (depth == 8)
                                        snprintf(key, sizeof(key), "%s.%s", cols[d], codecs[i]);
                                else
                                        snprintf(key, sizeof(key), "%s.%s-%dbit", cols[d],
                                                 codecs[i], depth);
                                v = cell(ge, key);
                                /* Pad by display columns: the marks are multi-byte. */
                                fprintf(o, " %s%*s", v,
                                        7 - (int)(strcmp(v, "✓+") == 0 ? 2
                                                  : (v[0] & 0x80) != 0 ? 1
                                                                       : (int)strlen(v)),
                                        "");
                        }
                        if (d == 0)
                                fprintf(o, "  ");
                }
                fprintf(o, "\n");
        }
        fprintf(o, "  ✓ works  ✗ expected but missing  ! missing, low-confidence expectation\n"
                   "  ✓+ works beyond expectations  - not expected  ? unknown\n");
}

/* A single failing check (no GPU, not a GPU host) is printed without step headings. */
void na_print_checks(FILE *o, const struct vp_eval *e)
{
        struct style st = pick_style(o);
        const char *step = NULL;

        if (e->node_status == VP_NODE_NO_GPU && e->n_checks == 1) {
                const struct vp_check *c = &e->checks[0];
                fprintf(o, "\n%s✗%s %s\n", st.fail, st.reset, c->summary);
                block(o, "  ", "seen", c->evidence);
                block(o, "  ", "why", c->cause);
                block(o, "  ", "fix", c->fix);
                return;
        }
        for (uint32_t i = 0; i < e->n_checks; i++) {
                const struct vp_check *c = &e->checks[i];
                if (!step || strcmp(step, c->step) != 0) {
                        step = c->step;
                        fprintf(o, "\n%s%s%s\n", st.bold, step, st.reset);
                }
                fprintf(o, "  %s%s %-19s%s %s\n", color(&st, c->status), mark(c->status), c->id,
                        st.reset, c->summary);
                if (c->status == VP_STATUS_WARN || c->status == VP_STATUS_FAIL) {
                        block(o, "      ", "seen", c->evidence);
                        block(o, "      ", "why", c->cause);
                        block(o, "      ", "fix", c->fix);
                }
        }
}

/* The truth in one line: "ok", "ok with 2 warnings", "degraded (1 failed, 3 warnings)", ...
 * --strict fails on what this line calls failed, never on warnings. */
void na_print_status_line(FILE *o, const struct vp_eval *e)
{
        unsigned warn = 0, fail = 0;

        for (uint32_t i = 0; i < e->n_checks; i++) {
                warn += e->checks[i].status == VP_STATUS_WARN;
                fail += e->checks[i].status == VP_STATUS_FAIL;
        }
        fprintf(o, "%s", vp_node_status_str(e->node_status));
        if (e->node_status == VP_NODE_OK) {
                if (warn)
                        fprintf(o, " with %u warning%s", warn, warn == 1 ? "" : "s");
                return;
        }
        if (fail || warn) {
                fprintf(o, " (");
                if (fail)
                        fprintf(o, "%u failed", fail);
                if (warn)
                        fprintf(o, "%s%u warning%s", fail ? ", " : "", warn, warn == 1 ? "" : "s");
                fprintf(o, ")");
        }
}

static void print_text(FILE *o, const struct vp_facts *f, const struct vp_eval *e,
                       const struct lbl_set *labels)
{
        struct style st = pick_style(o);

        fprintf(o, "%snodeprobe %s%s: Intel GPU report", st.bold, NODEPROBE_VERSION, st.reset);
        if (strcmp(f->source, "probe") != 0)
                fprintf(o, " (from %s)",
                        strcmp(f->source, "vainfo") == 0 ? "pasted vainfo output"
                                                         : "a saved snapshot");
        fprintf(o, "\nstatus: %s", st.bold);
        na_print_status_line(o, e);
        fprintf(o, "%s\n", st.reset);
        na_print_checks(o, e);
        if (e->node_status == VP_NODE_NO_GPU)
                return;
        for (uint32_t i = 0; i < e->n_gpus; i++)
                cap_table(o, f, &e->gpus[i]);
        if (labels && labels->n) {
                fprintf(o, "\nNode labels nodeprobe would apply:\n");
                for (uint32_t i = 0; i < labels->n; i++)
                        fprintf(o, "  %s=%s\n", labels->labels[i].key, labels->labels[i].value);
        }
}

static json_t *tri_json(enum vp_tri t)
{
        return t == VP_UNKNOWN ? json_null() : json_boolean(t == VP_YES);
}

static json_t *lines_json(const char *text)
{
        json_t *a = json_array();
        const char *p = text;

        while (a && p && *p) {
                const char *nl = strchr(p, '\n');
                size_t len = nl ? (size_t)(nl - p) : strlen(p);
                if (len)
                        json_array_append_new(a, json_stringn_nocheck(p, len));
                p = nl ? nl + 1 : NULL;
        }
        return a;
}

json_t *na_checks_json(const struct vp_eval *e)
{
        json_t *checks = json_array();

        for (uint32_t i = 0; checks && i < e->n_checks; i++) {
                const struct vp_check *c = &e->checks[i];
                json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s}", "id", c->id,
                                      "step", c->step, "status", vp_status_str(c->status),
                                      "summary", c->summary, "evidence", lines_json(c->evidence),
                                      "cause_id", c->cause_id, "cause", c->cause, "fix", c->fix);
                if (!o || json_array_append_new(checks, o) < 0) {
                        json_decref(checks);
                        return NULL;
                }
        }
        return checks;
}

/* Build the report document (jansson). Caller decrefs. */
json_t *na_report_json(const struct vp_facts *f, const struct vp_eval *e,
                       const struct lbl_set *labels)
{
        json_t *root = json_object(), *checks = na_checks_json(e), *gpus = json_array(),
               *lab = json_object();

        if (!root || !checks || !gpus || !lab) {
                json_decref(root);
                json_decref(checks);
                json_decref(gpus);
                json_decref(lab);
                return NULL;
        }
        json_object_set_new(root, "schema", json_string(REPORT_SCHEMA));
        json_object_set_new(root, "nodeprobe_version", json_string(NODEPROBE_VERSION));
        json_object_set_new(root, "source", json_string(f->source));
        json_object_set_new(root, "status", json_string(vp_node_status_str(e->node_status)));
        {
                unsigned warn = 0, fail = 0;
                for (uint32_t i = 0; i < e->n_checks; i++) {
                        warn += e->checks[i].status == VP_STATUS_WARN;
                        fail += e->checks[i].status == VP_STATUS_FAIL;
                }
                json_object_set_new(root, "failed_checks", json_integer(fail));
                json_object_set_new(root, "warnings", json_integer(warn));
        }
        for (uint32_t i = 0; i < e->n_gpus; i++) {
                const struct vp_gpu_eval *ge = &e->gpus[i];
                const struct vp_gpu *g = &f->gpus[ge->gpu];
                json_t *caps = json_object();
                char id[8];

                snprintf(id, sizeof(id), "%04x", g->device_id);
                for (unsigned k = 0; k < VP_N_CAPS; k++) {
                        const struct vp_cap *c = &ge->caps[k];
                        json_t *o = json_pack("{s:o, s:o, s:b}", "expected", tri_json(c->expected),
                                              "actual", tri_json(c->actual), "low_confidence",
                                              c->low_confidence);
                        if (c->cause[0])
                                json_object_set_new(o, "cause", json_string(c->cause));
                        json_object_set_new(caps, vp_cap_key(k), o);
                }
                json_array_append_new(
                    gpus, json_pack("{s:s, s:s?, s:s?, s:s?, s:b, s:s, s:s, s:s?, s:s?, s:{s:s?, "
                                    "s:s?, s:s, s:o}, s:o}",
                                    "device_id", id, "platform",
                                    ge->platform.platform[0] ? ge->platform.platform : NULL,
                                    "generation", ge->platform.gen[0] ? ge->platform.gen : NULL,
                                    "name", ge->platform.name[0] ? ge->platform.name : NULL,
                                    "platform_guessed", ge->platform.guessed, "kernel_driver",
                                    g->kernel_driver[0] ? g->kernel_driver : "none",
                                    "virtualization", vp_virt_str(ge->virt), "vgpu_type",
                                    ge->vgpu_type[0] ? ge->vgpu_type : NULL, "render_node",
                                    g->render_node[0] ? g->render_node : NULL, "va", "driver",
                                    g->va.driver[0] ? g->va.driver : NULL, "vendor",
                                    g->va.vendor[0] ? g->va.vendor : NULL, "outcome",
                                    vp_va_outcome_str(g->va.outcome), "nonfree",
                                    tri_json(ge->nonfree), "capabilities", caps));
        }
        for (uint32_t i = 0; labels && i < labels->n; i++)
                json_object_set_new(lab, labels->labels[i].key,
                                    json_string(labels->labels[i].value));
        json_object_set_new(root, "checks", checks);
        json_object_set_new(root, "gpus", gpus);
        json_object_set_new(root, "labels", lab);
        return root;
}

/* ---- YAML: the same document through libyaml's emitter ---- */

static int emit(yaml_emitter_t *em, yaml_event_t *ev)
{
        return yaml_emitter_emit(em, ev) ? 0 : -1;
}

/* A string a YAML 1.1/1.2 reader would take for something else ("9.5", "true", "null",
 * "0x10", "") must be quoted to stay a string. */
static bool looks_special(const char *s)
{
        static const char *const words[] = {"true", "false", "yes", "no", "on",
                                            "off",  "null",  "~",   "y",  "n"};
        char *end = NULL;

        if (!*s)
                return true;
        for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
                if (strcasecmp(s, words[i]) == 0)
                        return true;
        strtod(s, &end);
        if (end && *end == '\0')
                return true;
        return (s[0] >= '0' && s[0] <= '9') || s[0] == '.' || s[0] == '-' || s[0] == '+';
}

static int emit_scalar(yaml_emitter_t *em, const char *s, yaml_scalar_style_t style,
                       const char *tag)
{
        yaml_event_t ev;

        if (!tag && looks_special(s))
                style = YAML_SINGLE_QUOTED_SCALAR_STYLE;
        if (!yaml_scalar_event_initialize(&ev, NULL, (yaml_char_t *)(uintptr_t)tag,
                                          (yaml_char_t *)(uintptr_t)s, (int)strlen(s), 1, 1, style))
                return -1;
        return emit(em, &ev);
}

static int emit_json(yaml_emitter_t *em, json_t *v)
{
        yaml_event_t ev;
        char num[64];

        switch (json_typeof(v)) {
        case JSON_OBJECT: {
                const char *k;
                json_t *x;
                if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
                                                         YAML_BLOCK_MAPPING_STYLE) ||
                    emit(em, &ev))
                        return -1;
                json_object_foreach(v, k, x)
                {
                        if (emit_scalar(em, k, YAML_ANY_SCALAR_STYLE, NULL) || emit_json(em, x))
                                return -1;
                }
                yaml_mapping_end_event_initialize(&ev);
                return emit(em, &ev);
        }
        case JSON_ARRAY: {
                size_t i;
                json_t *x;
                if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
                                                          YAML_BLOCK_SEQUENCE_STYLE) ||
                    emit(em, &ev))
                        return -1;
                json_array_foreach(v, i, x)
                {
                        if (emit_json(em, x))
                                return -1;
                }
                yaml_sequence_end_event_initialize(&ev);
                return emit(em, &ev);
        }
        case JSON_STRING:
                /* Quoted when it could read as another type ("true", "9.5", "0x..."). */
                return emit_scalar(em, json_string_value(v), YAML_ANY_SCALAR_STYLE, NULL);
        case JSON_INTEGER:
                snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
                return emit_scalar(em, num, YAML_PLAIN_SCALAR_STYLE, YAML_INT_TAG);
        case JSON_REAL:
                snprintf(num, sizeof(num), "%g", json_real_value(v));
                return emit_scalar(em, num, YAML_PLAIN_SCALAR_STYLE, YAML_FLOAT_TAG);
        case JSON_TRUE:
        case JSON_FALSE:
                return emit_scalar(em, json_is_true(v) ? "true" : "false", YAML_PLAIN_SCALAR_STYLE,
                                   YAML_BOOL_TAG);
        case JSON_NULL:
        default:
                return emit_scalar(em, "null", YAML_PLAIN_SCALAR_STYLE, YAML_NULL_TAG);
        }
}

static int write_handler(void *data, unsigned char *buf, size_t size)
{
        return fwrite(buf, 1, size, data) == size;
}

int na_write_yaml(FILE *out, json_t *doc)
{
        yaml_emitter_t em;
        yaml_event_t ev;
        int r = -1;

        if (!yaml_emitter_initialize(&em))
                return -1;
        yaml_emitter_set_output(&em, write_handler, out);
        yaml_emitter_set_unicode(&em, 1);
        yaml_emitter_set_width(&em, 100);
        if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) || emit(&em, &ev))
                goto out;
        if (!yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 0) || emit(&em, &ev))
                goto out;
        if (emit_json(&em, doc))
                goto out;
        if (!yaml_document_end_event_initialize(&ev, 1) || emit(&em, &ev))
                goto out;
        if (!yaml_stream_end_event_initialize(&ev) || emit(&em, &ev))
                goto out;
        r = 0;
out:
        yaml_emitter_delete(&em);
        return r;
}

int na_report(const struct na_config *cfg, const struct vp_facts *f, const struct vp_eval *e,
              const struct lbl_set *labels, FILE *out)
{
        json_t *doc;
        int r = 0;

        if (cfg->format == NA_FORMAT_TEXT) {
                print_text(out, f, e, labels);
                return 0;
        }
        doc = na_report_json(f, e, labels);
        if (!doc)
                return -1;
        if (cfg->format == NA_FORMAT_JSON) {
                r = json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
                fputc('\n', out);
        } else {
                r = na_write_yaml(out, doc);
        }
        json_decref(doc);
        return r;
}
