/* SPDX-License-Identifier: MIT */
/*
 * A VA driver for tests, loaded by the real libva (LIBVA_DRIVERS_PATH + the DRM driver name,
 * or LIBVA_DRIVER_NAME). It serves the profiles, entrypoints, RT formats and rate-control
 * modes of a capability file, so the whole libva path runs without a GPU.
 *
 * Environment (read at init):
 *   NP_FAKEVA_CAPS     capability file: "<Profile> <Entrypoint> [rt=0x..] [rc=0x..] [max=WxH]"
 *                      per line, or vainfo's "VAProfileX : VAEntrypointY" lines; '#' comments
 *   NP_FAKEVA_VENDOR   vendor string (default: an iHD-looking one)
 *   NP_FAKEVA_MODE     ok | fail:N (vaInitialize returns N) | crash | hang, and for the
 *                      jobs (fakeva_jobs.c): hang-sync | garbage | refuse-context |
 *                      crash-job | reset (NP_FAKEVA_DMESG gets a GPU HANG line)
 *   NP_FAKEVA_MODE_<name>  the same for the copy loaded as <name>_drv_video.so only
 *   NP_FAKEVA_MODE_FILE    a file whose first line is the mode, read at every load (a test
 *                          changes the driver's behaviour under a running agent)
 */
#include <dlfcn.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <va/va.h>
#include <va/va_backend.h>
#include <va/va_str.h>

#include "fakeva.h"
#include "fakeva_stubs.h"

static int profile_from(const char *name, VAProfile *ret)
{
        char want[96];

        snprintf(want, sizeof(want), "%s%s", strncmp(name, "VAProfile", 9) ? "VAProfile" : "",
                 name);
        for (int p = -1; p < 64; p++) {
                if (strcmp(vaProfileStr((VAProfile)p), want) == 0) {
                        *ret = (VAProfile)p;
                        return 0;
                }
        }
        /* A libva older than 2.22 has no name for VVC, but a driver may list it by value. */
        if (strcmp(want, "VAProfileVVCMain10") == 0) {
                *ret = (VAProfile)37;
                return 0;
        }
        return -1;
}

static int ep_from(const char *name, VAEntrypoint *ret)
{
        char want[96];

        snprintf(want, sizeof(want), "%s%s",
                 strncmp(name, "VAEntrypoint", 12) ? "VAEntrypoint" : "", name);
        for (int e = 1; e < 32; e++) {
                if (strcmp(vaEntrypointStr((VAEntrypoint)e), want) == 0) {
                        *ret = (VAEntrypoint)e;
                        return 0;
                }
        }
        return -1;
}

/* What a real Intel driver reports when the file does not say. */
static unsigned default_rt(const char *profile)
{
        if (strstr(profile, "JPEG"))
                return VA_RT_FORMAT_YUV420 | VA_RT_FORMAT_YUV422 | VA_RT_FORMAT_YUV444 |
                       VA_RT_FORMAT_YUV400 | VA_RT_FORMAT_YUV411;
        /* The range extensions, as iHD's media_libva_caps.cpp reports them. */
        if (strstr(profile, "Main422_10"))
                return VA_RT_FORMAT_YUV422 | VA_RT_FORMAT_YUV422_10;
        if (strstr(profile, "Main444_10") || strstr(profile, "VP9Profile3"))
                return VA_RT_FORMAT_YUV420_10 | VA_RT_FORMAT_YUV444_10;
        if (strstr(profile, "Main444") || strstr(profile, "VP9Profile1"))
                return VA_RT_FORMAT_YUV420 | VA_RT_FORMAT_YUV444;
        if (strstr(profile, "VVCMain10"))
                return VA_RT_FORMAT_YUV420 | VA_RT_FORMAT_YUV420_10;
        if (strstr(profile, "Main12") || strstr(profile, "VP9Profile2"))
                return VA_RT_FORMAT_YUV420 | VA_RT_FORMAT_YUV420_10 | VA_RT_FORMAT_YUV420_12;
        if (strstr(profile, "Main10") || strstr(profile, "AV1Profile0"))
                return VA_RT_FORMAT_YUV420 | VA_RT_FORMAT_YUV420_10;
        return VA_RT_FORMAT_YUV420;
}

static void load_caps(struct caps *c, const char *path)
{
        FILE *f = path ? fopen(path, "r") : NULL;
        char line[512];

        if (!f)
                return;
        while (fgets(line, sizeof(line), f) && c->n < MAX_ENTRIES) {
                char *tok[8], *save = NULL, *s;
                int nt = 0;
                struct entry *e = &c->e[c->n];

                if (line[0] == '#')
                        continue;
                for (s = line; *s; s++)
                        if (*s == ':' || *s == '\t' || *s == '\n')
                                *s = ' ';
                for (s = strtok_r(line, " ", &save); s && nt < 8; s = strtok_r(NULL, " ", &save))
                        tok[nt++] = s;
                if (nt < 2 || profile_from(tok[0], &e->profile) < 0 || ep_from(tok[1], &e->ep) < 0)
                        continue;
                e->rt = default_rt(tok[0]);
                e->rc = (e->ep == VAEntrypointEncSlice || e->ep == VAEntrypointEncSliceLP)
                            ? VA_RC_CQP | VA_RC_CBR | VA_RC_VBR
                            : 0;
                e->w = e->ep == VAEntrypointVideoProc ? 0 : 4096;
                e->h = e->w;
                for (int i = 2; i < nt; i++) {
                        sscanf(tok[i], "rt=%x", &e->rt);
                        sscanf(tok[i], "rc=%x", &e->rc);
                        sscanf(tok[i], "max=%ux%u", &e->w, &e->h);
                }
                c->n++;
        }
        fclose(f);
}

static VAStatus fake_terminate(VADriverContextP ctx)
{
        fakeva_jobs_free(ctx->pDriverData);
        free(ctx->pDriverData);
        ctx->pDriverData = NULL;
        return VA_STATUS_SUCCESS;
}

static VAStatus fake_profiles(VADriverContextP ctx, VAProfile *list, int *num)
{
        const struct caps *c = ctx->pDriverData;
        int n = 0;

        for (int i = 0; i < c->n; i++) {
                bool seen = false;
                for (int j = 0; j < n; j++)
                        seen |= list[j] == c->e[i].profile;
                if (!seen)
                        list[n++] = c->e[i].profile;
        }
        *num = n;
        return VA_STATUS_SUCCESS;
}

static VAStatus fake_entrypoints(VADriverContextP ctx, VAProfile p, VAEntrypoint *list, int *num)
{
        const struct caps *c = ctx->pDriverData;
        int n = 0;

        for (int i = 0; i < c->n; i++)
                if (c->e[i].profile == p)
                        list[n++] = c->e[i].ep;
        *num = n;
        return n ? VA_STATUS_SUCCESS : VA_STATUS_ERROR_UNSUPPORTED_PROFILE;
}

static VAStatus fake_attributes(VADriverContextP ctx, VAProfile p, VAEntrypoint ep,
                                VAConfigAttrib *attrs, int n)
{
        const struct caps *c = ctx->pDriverData;

        for (int i = 0; i < c->n; i++) {
                const struct entry *e = &c->e[i];
                if (e->profile != p || e->ep != ep)
                        continue;
                for (int a = 0; a < n; a++) {
                        unsigned v = VA_ATTRIB_NOT_SUPPORTED;
                        switch (attrs[a].type) {
                        case VAConfigAttribRTFormat:
                                v = e->rt;
                                break;
                        case VAConfigAttribRateControl:
                                v = e->rc ? e->rc : VA_ATTRIB_NOT_SUPPORTED;
                                break;
                        case VAConfigAttribMaxPictureWidth:
                                v = e->w ? e->w : VA_ATTRIB_NOT_SUPPORTED;
                                break;
                        case VAConfigAttribMaxPictureHeight:
                                v = e->h ? e->h : VA_ATTRIB_NOT_SUPPORTED;
                                break;
                        default:
                                break;
                        }
                        attrs[a].value = v;
                }
                return VA_STATUS_SUCCESS;
        }
        return VA_STATUS_ERROR_UNSUPPORTED_ENTRYPOINT;
}

static const char *own_name(char *buf, size_t n)
{
        Dl_info info;
        const char *base, *end;

        buf[0] = '\0';
        if (!dladdr((void *)fake_terminate, &info) || !info.dli_fname)
                return buf;
        base = strrchr(info.dli_fname, '/');
        base = base ? base + 1 : info.dli_fname;
        end = strstr(base, "_drv_video.so");
        snprintf(buf, n, "%.*s", end ? (int)(end - base) : (int)strlen(base), base);
        return buf;
}

__attribute__((visibility("default"))) VAStatus __vaDriverInit_1_0(VADriverContextP ctx);
VAStatus __vaDriverInit_1_0(VADriverContextP ctx)
{
        char name[64], key[96], from_file[32] = "";
        const char *mode, *vendor, *mode_file = getenv("NP_FAKEVA_MODE_FILE");
        struct caps *c;
        int code;

        snprintf(key, sizeof(key), "NP_FAKEVA_MODE_%s", own_name(name, sizeof(name)));
        mode = getenv(key);
        if (!mode)
                mode = getenv("NP_FAKEVA_MODE");
        if (mode_file) {
                FILE *f = fopen(mode_file, "r");
                if (f) {
                        if (fgets(from_file, sizeof(from_file), f))
                                from_file[strcspn(from_file, "\n")] = '\0';
                        fclose(f);
                        mode = from_file;
                }
        }
        if (mode && strcmp(mode, "crash") == 0)
                raise(SIGSEGV);
        if (mode && strcmp(mode, "hang") == 0)
                for (;;)
                        pause();
        if (mode && sscanf(mode, "fail:%d", &code) == 1)
                return (VAStatus)code;

        c = calloc(1, sizeof(*c));
        if (!c)
                return VA_STATUS_ERROR_ALLOCATION_FAILED;
        load_caps(c, getenv("NP_FAKEVA_CAPS"));
        snprintf(c->mode, sizeof(c->mode), "%s", mode ? mode : "ok");
        vendor = getenv("NP_FAKEVA_VENDOR");
        snprintf(c->vendor, sizeof(c->vendor), "%s",
                 vendor ? vendor : "Intel iHD driver for Intel(R) Gen Graphics - 24.1.0 (fake)");

        fakeva_fill_stubs(ctx->vtable);
        ctx->vtable->vaTerminate = fake_terminate;
        ctx->vtable->vaQueryConfigProfiles = fake_profiles;
        ctx->vtable->vaQueryConfigEntrypoints = fake_entrypoints;
        ctx->vtable->vaGetConfigAttributes = fake_attributes;
        ctx->pDriverData = c;
        fakeva_jobs_install(ctx);
        ctx->version_major = VA_MAJOR_VERSION;
        ctx->version_minor = VA_MINOR_VERSION;
        ctx->max_profiles = 64;
        ctx->max_entrypoints = 16;
        ctx->max_attributes = 32;
        ctx->max_image_formats = 4;
        ctx->max_subpic_formats = 1;
        ctx->max_display_attributes = 1;
        ctx->str_vendor = c->vendor;
        return VA_STATUS_SUCCESS;
}
