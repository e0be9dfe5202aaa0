/* SPDX-License-Identifier: MIT */
/*
 * libcurl, loaded when the first API client is made (dlopen of libcurl.so.4) instead of linked:
 * libcurl pulls in about 30 libraries (TLS, LDAP, RTMP, ...) whose loading and relocation cost
 * every nodeprobe start about 15 M instructions and 6 MiB resident although only the label and
 * agent sync paths use it. The report never loads it; the agent's long-running parent neither
 * (its API calls run in a short-lived child). Include this instead of <curl/curl.h>: the calls
 * below go through the loaded table with libcurl's own types and signatures.
 */
#ifndef LABELER_CURL_DL_H
#define LABELER_CURL_DL_H

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

struct lbl_curl_api {
        CURL *(*easy_init)(void);
        void (*easy_cleanup)(CURL *);
        void (*easy_reset)(CURL *);
        CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
        CURLcode (*easy_perform)(CURL *);
        CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
        const char *(*easy_strerror)(CURLcode);
        char *(*easy_escape)(CURL *, const char *, int);
        void (*free)(void *);
        struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
        void (*slist_free_all)(struct curl_slist *);
        CURLU *(*url)(void);
        void (*url_cleanup)(CURLU *);
        CURLUcode (*url_get)(const CURLU *, CURLUPart, char **, unsigned int);
        CURLUcode (*url_set)(CURLU *, CURLUPart, const char *, unsigned int);
};
extern struct lbl_curl_api lbl_curl;

/* Load libcurl once (thread-unsafe, like curl_global_init). 0, or -ENOENT with the loader's
 * message in err (NUL-terminated, errlen bytes) when libcurl 7.62 or later is not installed. */
int lbl_curl_load(char *err, size_t errlen);

#define curl_easy_init (*lbl_curl.easy_init)
#define curl_easy_cleanup (*lbl_curl.easy_cleanup)
#define curl_easy_reset (*lbl_curl.easy_reset)
#undef curl_easy_setopt
#define curl_easy_setopt (*lbl_curl.easy_setopt)
#define curl_easy_perform (*lbl_curl.easy_perform)
#undef curl_easy_getinfo
#define curl_easy_getinfo (*lbl_curl.easy_getinfo)
#define curl_easy_strerror (*lbl_curl.easy_strerror)
#define curl_easy_escape (*lbl_curl.easy_escape)
#define curl_free (*lbl_curl.free)
#define curl_slist_append (*lbl_curl.slist_append)
#define curl_slist_free_all (*lbl_curl.slist_free_all)
#define curl_url (*lbl_curl.url)
#define curl_url_cleanup (*lbl_curl.url_cleanup)
#define curl_url_get (*lbl_curl.url_get)
#define curl_url_set (*lbl_curl.url_set)

#endif
