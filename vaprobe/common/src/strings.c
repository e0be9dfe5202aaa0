/* SPDX-License-Identifier: MIT */
/* Bounded, always-valid-UTF-8 strings (vaprobe/common/strings.h). Pure. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vaprobe/common/strings.h"

/* Length of the valid UTF-8 sequence at p (at most avail bytes), 0 when invalid or cut. */
static size_t utf8_seq(const unsigned char *p, size_t avail)
{
        unsigned char c = p[0];
        size_t len = c < 0x80             ? 1
                     : (c & 0xe0) == 0xc0 ? 2
                     : (c & 0xf0) == 0xe0 ? 3
                     : (c & 0xf8) == 0xf0 ? 4
                                          : 0;

        if (len == 0 || len > avail || (len == 2 && c < 0xc2) || (len == 4 && c > 0xf4))
                return 0;
        for (size_t i = 1; i < len; i++)
                if ((p[i] & 0xc0) != 0x80)
                        return 0;
        /* Overlong 3/4-byte forms, UTF-16 surrogates, above U+10FFFF. */
        if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0) ||
            (c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90))
                return 0;
        return len;
}

char *vpi_utf8_sanitize(char *s)
{
        unsigned char *p = (unsigned char *)s;
        size_t left = s ? strlen(s) : 0;

        while (left) {
                size_t l = utf8_seq(p, left);
                if (l == 0) {
                        *p = '?';
                        l = 1;
                }
                p += l;
                left -= l;
        }
        return s;
}

char *vpi_strlcpy(char *dst, const char *src, size_t n)
{
        if (n == 0)
                return dst;
        if (!src)
                src = "";
        size_t l = strnlen(src, n - 1);
        memcpy(dst, src, l);
        dst[l] = '\0';
        /* Facts end up in JSON, YAML and terminals: valid UTF-8 from the start, whatever a
         * sysfs file, a VM config or a pasted log held, and whatever the cut above split. */
        return vpi_utf8_sanitize(dst);
}

void vpi_append_line(char *buf, size_t n, const char *line)
{
        size_t used = strnlen(buf, n);
        size_t l = strlen(line);

        /* Keep whole lines only: a half line in a log is worse than a missing one. */
        if (used + l + 2 > n)
                return;
        memcpy(buf + used, line, l);
        buf[used + l] = '\n';
        buf[used + l + 1] = '\0';
        vpi_utf8_sanitize(buf + used);
}

void vpi_appendf(char *buf, size_t n, const char *fmt, ...)
{
        size_t used = strnlen(buf, n);
        va_list ap;

        if (used + 1 >= n)
                return;
        va_start(ap, fmt);
        vsnprintf(buf + used, n - used, fmt, ap);
        va_end(ap);
        vpi_utf8_sanitize(buf + used);
}

char *vpi_trim(char *s)
{
        char *e;

        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
                s++;
        e = s + strlen(s);
        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
                *--e = '\0';
        return s;
}

int vpi_parse_u64(const char *s, int base, uint64_t *ret)
{
        char *end = NULL;
        unsigned long long v;

        if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, base);
        if (errno || end == s || *end != '\0')
                return -EINVAL;
        *ret = v;
        return 0;
}

const char *vpi_str_of(const char *const *table, size_t n, int v, const char *fallback)
{
        return v >= 0 && (size_t)v < n && table[v] ? table[v] : fallback;
}

int vpi_str_find(const char *const *table, size_t n, const char *s)
{
        for (size_t i = 0; s && i < n; i++)
                if (table[i] && strcmp(table[i], s) == 0)
                        return (int)i;
        return -EINVAL;
}
