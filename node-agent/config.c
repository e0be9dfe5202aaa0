/* SPDX-License-Identifier: MIT */
/*
 * --config FILE: the agent's options as YAML (libyaml), one key per long option the option
 * table (cli.c) marks yaml, of the type its kind says:
 *
 *     tier: discover
 *     rescan-interval: 10
 *     settle-delays: [250, 1000, 3000, 10000]
 *     features-file: /etc/kubernetes/node-feature-discovery/features.d/nodeprobe
 *     no-api: true
 *
 * The file becomes options placed before the command line's, so flags win. Unknown keys,
 * wrong types and bad values are errors with file:line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "na.h"

enum kind { K_STRING, K_NUMBER, K_BOOL, K_LIST, K_CHOICE };

struct key {
        const char *name;
        enum kind kind;
        const char *choices; /* K_CHOICE: space-separated */
};

/* The keys are the options the table marks yaml (cli.c), each by its long name. */
static const struct key *find_key(const char *name, struct key *buf)
{
        const struct na_opt *o = na_opt_find(name);

        if (!o || !o->yaml)
                return NULL;
        buf->name = o->name;
        buf->choices = o->choices;
        switch (o->kind) {
        case NA_OPT_FLAG:
                buf->kind = K_BOOL;
                break;
        case NA_OPT_SECONDS:
        case NA_OPT_WHOLE_SECONDS:
                buf->kind = K_NUMBER;
                break;
        case NA_OPT_CHOICE:
                buf->kind = K_CHOICE;
                break;
        case NA_OPT_MS_LIST:
                buf->kind = K_LIST;
                break;
        default:
                buf->kind = K_STRING;
                break;
        }
        return buf;
}

static bool is_number(const char *s)
{
        char *end = NULL;
        errno = 0;
        strtod(s, &end);
        return *s && !errno && end && !*end;
}

static bool in_choices(const char *v, const char *choices)
{
        size_t l = strlen(v);
        for (const char *p = choices; (p = strstr(p, v)); p += l)
                if ((p == choices || p[-1] == ' ') && (p[l] == ' ' || p[l] == '\0'))
                        return true;
        return false;
}

static int fail(char *err, size_t n, const char *file, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int fail(char *err, size_t n, const char *file, size_t line, const char *fmt, ...)
{
        va_list ap;
        int used = snprintf(err, n, "%s:%zu: ", file, line);
        va_start(ap, fmt);
        if (used >= 0 && (size_t)used < n)
                vsnprintf(err + used, n - (size_t)used, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

static void add_arg(char ***args, int *n, const char *s)
{
        char **a = realloc(*args, sizeof(char *) * (size_t)(*n + 2));
        if (!a)
                return;
        a[(*n)++] = strdup(s);
        a[*n] = NULL;
        *args = a;
}

int na_config_load(const char *file, char ***ret_args, int *ret_n, char *err, size_t errlen)
{
        char *text = NULL;
        size_t len = 0;
        yaml_parser_t p;
        yaml_event_t ev;
        char **args = NULL;
        int n = 0, r = na_read_input(file, &text, &len), depth = 0;
        const struct key *k = NULL;
        struct key kbuf;
        char list[256] = "";
        size_t key_line = 0;
        char opt_list[64];
        bool in_list = false;

        *ret_args = NULL;
        *ret_n = 0;
        if (r < 0) {
                snprintf(err, errlen, "cannot read %s: %s", file, na_input_strerror(r));
                return r;
        }
        if (!yaml_parser_initialize(&p)) {
                free(text);
                return -ENOMEM;
        }
        yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
        for (bool done = false; !done && r == 0;) {
                if (!yaml_parser_parse(&p, &ev)) {
                        r = fail(err, errlen, file, p.problem_mark.line + 1, "not valid YAML: %s",
                                 p.problem ? p.problem : "error");
                        break;
                }
                size_t line = ev.start_mark.line + 1;
                switch (ev.type) {
                case YAML_STREAM_END_EVENT:
                        done = true;
                        break;
                case YAML_MAPPING_START_EVENT:
                        if (++depth > 1)
                                r = fail(err, errlen, file, line, "%s takes a value, not a mapping",
                                         k ? k->name : "a key");
                        break;
                case YAML_MAPPING_END_EVENT:
                        depth--;
                        break;
                case YAML_SEQUENCE_START_EVENT:
                        if (depth == 0)
                                r = fail(err, errlen, file, line, "expected a mapping of options");
                        else if (!k || k->kind != K_LIST || in_list)
                                r = fail(err, errlen, file, line, "%s does not take a list",
                                         k ? k->name : "this");
                        in_list = true;
                        list[0] = '\0';
                        break;
                case YAML_SEQUENCE_END_EVENT:
                        in_list = false;
                        if (!list[0])
                                r = fail(err, errlen, file, key_line, "%s: an empty list", k->name);
                        snprintf(opt_list, sizeof(opt_list), "--%s", k->name);
                        add_arg(&args, &n, opt_list);
                        add_arg(&args, &n, list);
                        k = NULL;
                        break;
                case YAML_SCALAR_EVENT: {
                        const char *v = (const char *)ev.data.scalar.value;
                        bool plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
                        char opt[64];

                        if (depth != 1) {
                                r = fail(err, errlen, file, line, "expected a mapping of options");
                                break;
                        }
                        if (in_list) {
                                if (!plain || !is_number(v) || strchr(v, '.'))
                                        r = fail(err, errlen, file, line,
                                                 "%s takes whole milliseconds, not '%s'", k->name,
                                                 v);
                                else if (strlen(list) + strlen(v) + 2 < sizeof(list))
                                        snprintf(list + strlen(list), sizeof(list) - strlen(list),
                                                 "%s%s", list[0] ? "," : "", v);
                                break;
                        }
                        if (!k) { /* a key */
                                k = find_key(v, &kbuf);
                                key_line = line;
                                if (!k)
                                        r = fail(err, errlen, file, line, "unknown key '%s'", v);
                                break;
                        }
                        snprintf(opt, sizeof(opt), "--%s", k->name);
                        switch (k->kind) {
                        case K_BOOL:
                                if (!plain || (strcmp(v, "true") && strcmp(v, "false")))
                                        r = fail(err, errlen, file, line,
                                                 "%s takes true or false, not '%s'", k->name, v);
                                else if (strcmp(v, "true") == 0)
                                        add_arg(&args, &n, opt);
                                break;
                        case K_NUMBER:
                                if (!plain || !is_number(v))
                                        r = fail(err, errlen, file, line,
                                                 "%s takes a number, not '%s'", k->name, v);
                                break;
                        case K_CHOICE:
                                if (!in_choices(v, k->choices))
                                        r = fail(err, errlen, file, line,
                                                 "%s is one of %s, not '%s'", k->name, k->choices,
                                                 v);
                                break;
                        case K_LIST:
                                r = fail(err, errlen, file, line,
                                         "%s takes a list, e.g. [1000, 3000]", k->name);
                                break;
                        case K_STRING:
                                if (!*v)
                                        r = fail(err, errlen, file, line, "%s is empty", k->name);
                                break;
                        }
                        if (r == 0 && k->kind != K_BOOL) {
                                add_arg(&args, &n, opt);
                                add_arg(&args, &n, v);
                        }
                        k = NULL;
                        break;
                }
                case YAML_ALIAS_EVENT:
                        r = fail(err, errlen, file, line, "aliases are not supported here");
                        break;
                default:
                        break;
                }
                yaml_event_delete(&ev);
        }
        yaml_parser_delete(&p);
        free(text);
        if (r < 0) {
                for (int i = 0; i < n; i++)
                        free(args[i]);
                free(args);
                return r;
        }
        *ret_args = args;
        *ret_n = n;
        return 0;
}
