/* SPDX-License-Identifier: MIT */
/*
 * VA-API on one render node, the way vainfo does it (libva-utils vainfo/vainfo.c) with less
 * code: arrays sized with vaMaxNum*, VA_STATUS_ERROR_UNSUPPORTED_PROFILE means skip, and
 * config attributes read from a table. libva's own info/error lines are captured through
 * vaSetInfoCallback/vaSetErrorCallback: they say which driver files were tried and why one
 * failed, and capturing them keeps libva from printing on our stdout.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <va/va.h>
#include <va/va_drm.h>

#include "internal.h"
#include "vaprobe/common/strings.h"

static void on_va_message(void *user, const char *message)
{
        struct vp_va *va = user;
        char line[256];
        const char *p;

        vpi_strlcpy(line, message, sizeof(line));
        vpi_trim(line);
        vpi_append_line(va->log, sizeof(va->log), line);

        /* va.c va_openDriver(): "Trying to open <dir>/<name>_drv_video.so". */
        p = strstr(line, "Trying to open ");
        if (p) {
                const char *base = strrchr(p, '/');
                const char *end;
                char name[32];

                base = base ? base + 1 : p + strlen("Trying to open ");
                end = strstr(base, "_drv_video.so");
                if (end && (size_t)(end - base) < sizeof(name)) {
                        size_t used = strlen(va->drivers_tried);
                        memcpy(name, base, (size_t)(end - base));
                        name[end - base] = '\0';
                        snprintf(va->drivers_tried + used, sizeof(va->drivers_tried) - used, "%s%s",
                                 used ? "," : "", name);
                }
        }
        /* "va_openDriver() returns 0": the last driver tried is the one in use. */
        if (strstr(line, "va_openDriver() returns 0")) {
                const char *last = strrchr(va->drivers_tried, ',');
                vpi_strlcpy(va->driver, last ? last + 1 : va->drivers_tried, sizeof(va->driver));
        }
}

static bool is_encode(VAEntrypoint ep)
{
        return ep == VAEntrypointEncSlice || ep == VAEntrypointEncPicture ||
               ep == VAEntrypointEncSliceLP || ep == VAEntrypointFEI;
}

static void query_attributes(VADisplay dpy, VAProfile p, VAEntrypoint ep, struct vp_va_config *c)
{
        static const VAConfigAttribType types[] = {
            VAConfigAttribRTFormat,
            VAConfigAttribRateControl,
            VAConfigAttribMaxPictureWidth,
            VAConfigAttribMaxPictureHeight,
        };
        VAConfigAttrib attrs[sizeof(types) / sizeof(types[0])];
        uint32_t *dst[] = {&c->rt_format, &c->rate_control, &c->max_width, &c->max_height};

        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
                attrs[i] = (VAConfigAttrib){.type = types[i]};
        if (vaGetConfigAttributes(dpy, p, ep, attrs, (int)(sizeof(attrs) / sizeof(attrs[0]))) !=
            VA_STATUS_SUCCESS)
                return;
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
                if (attrs[i].value != VA_ATTRIB_NOT_SUPPORTED)
                        *dst[i] = attrs[i].value;
        if (!is_encode(ep))
                c->rate_control = 0;
}

static void list_configs(VADisplay dpy, struct vp_va *va)
{
        int max_p = vaMaxNumProfiles(dpy), max_e = vaMaxNumEntrypoints(dpy), np = 0;
        VAProfile *profiles = NULL;
        VAEntrypoint *eps = NULL;

        if (max_p <= 0 || max_e <= 0)
                return;
        profiles = calloc((size_t)max_p, sizeof(*profiles));
        eps = calloc((size_t)max_e, sizeof(*eps));
        if (!profiles || !eps)
                goto out;
        if (vaQueryConfigProfiles(dpy, profiles, &np) != VA_STATUS_SUCCESS)
                goto out;
        if (np > max_p) /* a driver that overruns its own maximum is not trusted further */
                np = max_p;
        for (int i = 0; i < np; i++) {
                int ne = 0;
                VAStatus s = vaQueryConfigEntrypoints(dpy, profiles[i], eps, &ne);

                if (s == VA_STATUS_ERROR_UNSUPPORTED_PROFILE || s != VA_STATUS_SUCCESS)
                        continue;
                if (ne > max_e)
                        ne = max_e;
                if (va->n_configs + (uint32_t)ne > VP_MAX_VA_CONFIGS)
                        va->configs_partial = true; /* the rest is unknown, never "absent" */
                for (int j = 0; j < ne && va->n_configs < VP_MAX_VA_CONFIGS; j++) {
                        struct vp_va_config *c = &va->configs[va->n_configs++];
                        *c = (struct vp_va_config){.profile = profiles[i], .entrypoint = eps[j]};
                        query_attributes(dpy, profiles[i], eps[j], c);
                }
        }
out:
        free(profiles);
        free(eps);
}

/* When libva's messages were silenced (LIBVA_MESSAGING_LEVEL=0) the vendor string still
 * names the driver. */
static void driver_from_vendor(struct vp_va *va)
{
        if (va->driver[0])
                return;
        if (strstr(va->vendor, "Intel iHD driver"))
                vpi_strlcpy(va->driver, "iHD", sizeof(va->driver));
        else if (strstr(va->vendor, "Intel i965 driver"))
                vpi_strlcpy(va->driver, "i965", sizeof(va->driver));
}

int vp_va_probe_node(const char *render_node, struct vp_va *va)
{
        return vp_va_probe_node_ex(render_node, 0, NULL, va);
}

int vp_va_probe_node_ex(const char *render_node, unsigned flags, const struct vp_va_hooks *hooks,
                        struct vp_va *va)
{
        const char *env = getenv("LIBVA_DRIVER_NAME");
        VADisplay dpy = NULL;
        VAStatus st;
        int fd = -1, major = 0, minor = 0;

        memset(va, 0, sizeof(*va));
        va->exercise.requested = (flags & VP_VA_EXERCISE) != 0;
        va->exercise.running = -1;
        if (!render_node || !*render_node)
                return -EINVAL;
        vpi_strlcpy(va->driver_env, env, sizeof(va->driver_env));

        fd = open(render_node, O_RDWR | O_CLOEXEC);
        if (fd < 0) {
                va->outcome = VP_VA_OPEN_FAILED;
                va->open_errno = errno;
                return 0;
        }
        dpy = vaGetDisplayDRM(fd);
        if (!dpy) {
                va->outcome = VP_VA_NO_DISPLAY;
                goto out;
        }
        vaSetErrorCallback(dpy, on_va_message, va);
        vaSetInfoCallback(dpy, on_va_message, va);

        st = vaInitialize(dpy, &major, &minor);
        va->api_major = major;
        va->api_minor = minor;
        va->init_status = st;
        vpi_strlcpy(va->init_error, vaErrorStr(st), sizeof(va->init_error));
        if (st != VA_STATUS_SUCCESS) {
                va->outcome = VP_VA_INIT_FAILED;
                va->driver[0] = '\0';
        } else {
                va->outcome = VP_VA_OK;
                vpi_strlcpy(va->vendor, vaQueryVendorString(dpy), sizeof(va->vendor));
                driver_from_vendor(va);
                list_configs(dpy, va);
                if (flags & VP_VA_EXERCISE)
                        vpi_va_exercise(dpy, va, hooks);
        }
        /* vaTerminate is also the display's destructor; after a failed vaInitialize the driver
         * handle is already closed and it only frees the display (intel/libva va/va.c). */
        vaTerminate(dpy);
out:
        close(fd);
        return 0;
}
