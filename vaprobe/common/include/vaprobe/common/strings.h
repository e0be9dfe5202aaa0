/* SPDX-License-Identifier: MIT */
/*
 * Bounded strings that are always valid UTF-8 (prefix vpi_), for every vaprobe layer. Pure: no
 * I/O, so the pure verdict can use them. Not installed, not public.
 */
#ifndef VAPROBE_COMMON_STRINGS_H
#define VAPROBE_COMMON_STRINGS_H

#include <stddef.h>
#include <stdint.h>

/* Replace every byte that is not part of valid UTF-8 (including a sequence cut at the end)
 * with '?', in place. Returns s. */
char *vpi_utf8_sanitize(char *s);

/* Copy src into dst (size n), always NUL-terminated, truncating, valid UTF-8. Returns dst. */
char *vpi_strlcpy(char *dst, const char *src, size_t n);

/* Append "line" plus '\n' to a NUL-terminated buffer of size n, dropping what does not fit. */
void vpi_append_line(char *buf, size_t n, const char *line);

/* Append printf-style text to a NUL-terminated buffer of size n, truncating. */
__attribute__((format(printf, 3, 4))) void vpi_appendf(char *buf, size_t n, const char *fmt, ...);

/* Parse a whole string as an unsigned number (0x prefix or base given). 0 or -EINVAL. */
int vpi_parse_u64(const char *s, int base, uint64_t *ret);

/* Trim leading/trailing whitespace in place; returns s. */
char *vpi_trim(char *s);

/*
 * Enum <-> string, one way everywhere: a table of one name per value, in value order, whose
 * length the compiler checks against the enum's _MAX sentinel, so adding a value without its
 * name does not build.
 *   VPI_STR_TABLE(status_names, _VP_STATUS_MAX, "skip", "ok", "warn", "fail");
 *   vpi_str_of(status_names, _VP_STATUS_MAX, s, "unknown");
 *   vpi_str_find(status_names, _VP_STATUS_MAX, "warn")  -> 2, or -EINVAL
 */
#define VPI_STR_TABLE(name, max, ...)                                                              \
        static const char *const name[] = {__VA_ARGS__};                                           \
        _Static_assert(sizeof(name) / sizeof(name[0]) == (size_t)(max),                            \
                       #name ": one name for every value up to " #max)

/* The name of value v (table of n), or fallback when v is out of range. */
const char *vpi_str_of(const char *const *table, size_t n, int v, const char *fallback);

/* The value whose name is s, or -EINVAL (s NULL or not a name). */
int vpi_str_find(const char *const *table, size_t n, const char *s);

#endif
