/* SPDX-License-Identifier: MIT */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "curl_dl.h"

struct lbl_curl_api lbl_curl;

int lbl_curl_load(char *err, size_t errlen)
{
        static void *handle;
        struct lbl_curl_api api;

        if (handle)
                return 0;
        /* The soname of libcurl 7.16 and later (Debian: libcurl4). */
        handle = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
        if (!handle) {
                snprintf(err, errlen, "cannot load libcurl (install libcurl4): %s", dlerror());
                return -ENOENT;
        }
        /* POSIX: a dlsym() result converts to a function pointer (the union keeps ISO C quiet). */
#define SYM(field, name)                                                                           \
        do {                                                                                       \
                union {                                                                            \
                        void *p;                                                                   \
                        __typeof__(api.field) f;                                                   \
                } u = {.p = dlsym(handle, name)};                                                  \
                if (!u.p)                                                                          \
                        goto missing;                                                              \
                api.field = u.f;                                                                   \
        } while (0)
        SYM(easy_init, "curl_easy_init");
        SYM(easy_cleanup, "curl_easy_cleanup");
        SYM(easy_reset, "curl_easy_reset");
        SYM(easy_setopt, "curl_easy_setopt");
        SYM(easy_perform, "curl_easy_perform");
        SYM(easy_getinfo, "curl_easy_getinfo");
        SYM(easy_strerror, "curl_easy_strerror");
        SYM(easy_escape, "curl_easy_escape");
        SYM(free, "curl_free");
        SYM(slist_append, "curl_slist_append");
        SYM(slist_free_all, "curl_slist_free_all");
        SYM(url, "curl_url");
        SYM(url_cleanup, "curl_url_cleanup");
        SYM(url_get, "curl_url_get");
        SYM(url_set, "curl_url_set");
#undef SYM
        lbl_curl = api;
        return 0;
missing:
        snprintf(err, errlen, "libcurl is too old (needs the URL API of 7.62): %s", dlerror());
        dlclose(handle);
        handle = NULL;
        return -ENOENT;
}
