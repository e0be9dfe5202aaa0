/* SPDX-License-Identifier: MIT */
/*
 * Pasted vainfo output -> facts. The lines come from libva (va/va.c va_openDriver,
 * vaInitialize) and libva-utils (vainfo/vainfo.c); see shared/fixtures/vainfo for real ones.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "vaprobe/common/strings.h"

static void parse_profile_line(char *line, struct vp_va *va)
{
        char *colon = strchr(line, ':');
        char *prof, *ep;
        int32_t p, e;

        if (!colon)
                return;
        *colon = '\0';
        prof = vpi_trim(line);
        ep = vpi_trim(colon + 1);
        if (vp_profile_from_name(prof, &p) < 0 || vp_entrypoint_from_name(ep, &e) < 0)
                return;
        for (uint32_t i = 0; i < va->n_configs; i++)
                if (va->configs[i].profile == p && va->configs[i].entrypoint == e)
                        return;
        if (va->n_configs < VP_MAX_VA_CONFIGS)
                va->configs[va->n_configs++] = (struct vp_va_config){.profile = p, .entrypoint = e};
        else
                va->configs_partial = true; /* cut at the cap: the rest is unknown */
}

/* Pasted text comes with tabs, runs of spaces and no-break spaces (U+00A0, copied from web
 * pages) and CR line ends: all become one plain space. In place. */
static void normalise_space(char *s)
{
        char *w = s;
        bool space = false;

        for (const char *r = s; *r;) {
                bool sp = *r == ' ' || *r == '\t' || *r == '\r' || *r == '\v' || *r == '\f';
                size_t adv = 1;
                if ((unsigned char)r[0] == 0xc2 && (unsigned char)r[1] == 0xa0) {
                        sp = true;
                        adv = 2;
                }
                if (sp) {
                        if (!space)
                                *w++ = ' ';
                        space = true;
                } else {
                        memmove(w, r, adv);
                        w += adv;
                        space = false;
                }
                r += adv;
        }
        *w = '\0';
}

/* Non-Intel VA drivers, and the PCI vendor they imply. */
static uint16_t vendor_of_driver(const char *driver, const char *vendor_string)
{
        if (strstr(vendor_string, "AMD") || strstr(vendor_string, "Radeon") ||
            strcmp(driver, "radeonsi") == 0 || strcmp(driver, "r600") == 0)
                return 0x1002;
        if (strstr(vendor_string, "NVDEC") || strstr(vendor_string, "NVIDIA") ||
            strcmp(driver, "nvidia") == 0 || strcmp(driver, "nouveau") == 0)
                return 0x10de;
        return 0;
}

static void add_tried(struct vp_va *va, const char *path)
{
        const char *base = strrchr(path, '/');
        const char *end;
        size_t used = strlen(va->drivers_tried);

        base = base ? base + 1 : path;
        end = strstr(base, "_drv_video.so");
        if (!end)
                return;
        snprintf(va->drivers_tried + used, sizeof(va->drivers_tried) - used, "%s%.*s",
                 used ? "," : "", (int)(end - base), base);
}

static const char *last_tried(const struct vp_va *va)
{
        const char *c = strrchr(va->drivers_tried, ',');
        return c ? c + 1 : va->drivers_tried;
}

/* A comment annotation such as "device id: 0x1616 (inferred ...)". */
static void parse_comment(const char *line, uint16_t *device_id, bool *partial)
{
        const char *p = strstr(line, "device id: 0x");
        uint64_t v;
        char hex[5];

        if (strstr(line, "TRUNCATED"))
                *partial = true;
        if (!p || *device_id)
                return;
        memcpy(hex, p + strlen("device id: 0x"), 4);
        hex[4] = '\0';
        if (strlen(hex) == 4 && vpi_parse_u64(hex, 16, &v) == 0)
                *device_id = (uint16_t)v;
}

int vp_vainfo_parse(const char *text, uint16_t device_id, const char *kmd, struct vp_facts **ret)
{
        struct vp_facts *f;
        struct vp_gpu *g;
        struct vp_va *va;
        bool recognised = false, failed = false, listed = false, partial = false;
        bool opened_failed = false, no_display = false, found_init = false, returned = false;
        const char *p = text, *lead = text;

        if (!text || !ret)
                return -EINVAL;
        /* A snapshot given as vainfo text is an input error, not a vainfo without lines. */
        while (*lead == ' ' || *lead == '\n' || *lead == '\t' || *lead == '\r')
                lead++;
        if (*lead == '{' || *lead == '[')
                return -EINVAL;
        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        f->schema = VP_FACTS_SCHEMA;
        vpi_strlcpy(f->source, "vainfo", sizeof(f->source));
        f->n_gpus = 1;
        g = &f->gpus[0];
        va = &g->va;
        g->vendor_id = 0x8086;
        g->render_open_errno = -1;

        while (*p) {
                char line[512], *l;
                const char *nl = strchr(p, '\n');
                size_t len = nl ? (size_t)(nl - p) : strlen(p);
                int a, b, n;

                vpi_strlcpy(line, p, len + 1 < sizeof(line) ? len + 1 : sizeof(line));
                p += len + (nl ? 1 : 0);
                normalise_space(line);
                l = vpi_trim(line);
                /* Quoted in a forum post or a mail ("> libva info: ..."). */
                while (l[0] == '>' && (l[1] == ' ' || l[1] == '\0'))
                        l = vpi_trim(l + 1);
                if (l[0] == '#') {
                        parse_comment(l, &device_id, &partial);
                        continue;
                }
                /* libva's and vainfo's lines, and what iHD prints itself when its first i915
                 * ioctls fail (mos_bufmgr: "get chip id failed", "param: 4, val: 0") or a
                 * driver aborts ("Assertion ... failed"): the evaluation reads them. */
                if (strncmp(l, "libva ", 6) == 0 || strncmp(l, "vaInitialize", 12) == 0 ||
                    strncmp(l, "vainfo:", 7) == 0 || strstr(l, "get chip id failed") ||
                    strncmp(l, "param: ", 7) == 0 || strstr(l, "Assertion"))
                        vpi_append_line(va->log, sizeof(va->log), l);

                if (sscanf(l, "vainfo: VA-API version: %d.%d", &a, &b) == 2 ||
                    sscanf(l, "libva info: VA-API version %d.%d", &a, &b) == 2) {
                        va->api_major = a;
                        va->api_minor = b;
                        recognised = true;
                } else if (strncmp(l, "vainfo: Driver version: ", 24) == 0) {
                        vpi_strlcpy(va->vendor, l + 24, sizeof(va->vendor));
                        recognised = true;
                } else if (strstr(l, "Trying to open ")) {
                        add_tried(va, strstr(l, "Trying to open ") + 15);
                        recognised = true;
                } else if (sscanf(l, "libva info: va_openDriver() returns %d", &n) == 1) {
                        returned = true;
                        if (n == 0)
                                vpi_strlcpy(va->driver, last_tried(va), sizeof(va->driver));
                        recognised = true;
                } else if (strstr(l, "requested driver '")) {
                        const char *q = strstr(l, "requested driver '") + 18;
                        const char *e = strchr(q, '\'');
                        if (e && (size_t)(e - q) < sizeof(va->driver_env))
                                snprintf(va->driver_env, sizeof(va->driver_env), "%.*s",
                                         (int)(e - q), q);
                        recognised = true;
                } else if (sscanf(l, "vaInitialize failed with error code %d", &n) == 1) {
                        const char *open = strchr(l, '('), *close = strrchr(l, ')');
                        va->init_status = n;
                        if (open && close && close > open)
                                snprintf(va->init_error, sizeof(va->init_error), "%.*s",
                                         (int)(close - open - 1), open + 1);
                        failed = true;
                        recognised = true;
                } else if (strncmp(l, "libva error: ", 13) == 0 && strstr(l, "init failed") &&
                           !va->drivers_tried[0]) {
                        /* Only the error line survived (no info lines): it still names the
                         * driver file, e.g. virtio_gpu_drv_video.so. */
                        const char *sp = strchr(l + 13, ' ');
                        char path[256];
                        snprintf(path, sizeof(path), "%.*s",
                                 sp ? (int)(sp - (l + 13)) : (int)strlen(l + 13), l + 13);
                        add_tried(va, path);
                        recognised = true;
                } else if (strstr(l, "Failed to open the given device")) {
                        /* vainfo could not open the render node: before libva said anything */
                        opened_failed = true;
                        recognised = true;
                        vpi_append_line(va->log, sizeof(va->log), l);
                } else if (strstr(l, "failed to initialize display") ||
                           strstr(l, "can't connect to X server") ||
                           strncmp(l, "Trying display:", 15) == 0) {
                        if (strncmp(l, "Trying display:", 15) != 0)
                                no_display = true;
                        recognised = true;
                        vpi_append_line(va->log, sizeof(va->log), l);
                } else if (strstr(l, "Found init function ")) {
                        found_init = true;
                        recognised = true;
                } else if (strncmp(l, "VAProfile", 9) == 0) {
                        parse_profile_line(l, va);
                        listed = true;
                        recognised = true;
                }
        }
        if (!recognised) {
                free(f);
                return -EINVAL;
        }
        g->device_id = device_id;
        if (failed) {
                va->outcome = VP_VA_INIT_FAILED;
        } else if (opened_failed) {
                va->outcome = VP_VA_OPEN_FAILED;
        } else if (found_init && !returned && !listed && !va->vendor[0]) {
                /* The text stops inside the driver's init: it crashed or hung there. */
                va->outcome = VP_VA_CRASHED;
        } else if (no_display && !va->drivers_tried[0] && !listed) {
                va->outcome = VP_VA_NO_DISPLAY;
        } else if (listed || va->vendor[0]) {
                va->outcome = VP_VA_OK;
                va->configs_partial = va->configs_partial || partial;
                if (!va->driver[0]) {
                        if (strstr(va->vendor, "Intel iHD driver"))
                                vpi_strlcpy(va->driver, "iHD", sizeof(va->driver));
                        else if (strstr(va->vendor, "Intel i965 driver"))
                                vpi_strlcpy(va->driver, "i965", sizeof(va->driver));
                }
        } else {
                va->outcome = VP_VA_NOT_RUN;
        }
        /* The kernel driver: given, or what libva's choice implies (libva maps the DRM driver
         * name to candidates: i915 -> iHD, i965; xe -> iHD; unknown names verbatim). */
        if (kmd && *kmd)
                vpi_strlcpy(g->kernel_driver, kmd, sizeof(g->kernel_driver));
        else if (strcmp(va->drivers_tried, "xe") == 0 || strncmp(va->drivers_tried, "xe,", 3) == 0)
                vpi_strlcpy(g->kernel_driver, "xe", sizeof(g->kernel_driver));
        vpi_strlcpy(g->drm_name, g->kernel_driver, sizeof(g->drm_name));
        /* A radeonsi or NVIDIA vainfo is about another GPU, unless the id says Intel. */
        if (!device_id && vendor_of_driver(va->driver[0] ? va->driver : last_tried(va), va->vendor))
                g->vendor_id =
                    vendor_of_driver(va->driver[0] ? va->driver : last_tried(va), va->vendor);
        vpi_facts_sanitize(f);
        *ret = f;
        return 0;
}
