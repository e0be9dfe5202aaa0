/* SPDX-License-Identifier: MIT */
/* The client's state and its one request primitive, shared by client.c (HTTP, retries,
 * TLS, the token), node.c (Node GET and server-side apply of labels) and status.c
 * (nodes/status and Events). Not installed: labeler/labeler.h is the public header. */
#ifndef LABELER_CLIENT_INTERNAL_H
#define LABELER_CLIENT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "curl_dl.h"
#include "labeler/labeler.h"

#define NFD_ANNOTATION "nfd.node.kubernetes.io/feature-labels"

struct lbl_client {
        struct lbl_kubeconfig cfg;
        struct lbl_client_options o;
        CURL *curl;
        long long token_read_ms; /* monotonic time of the last token file read */
        struct lbl_stats stats;
        unsigned seed;
        char prefix[254];
        char url_base[1024];  /* what requests go to (tls-server-name as the host) */
        char shown[600];      /* the server for messages: no user or password */
        char connect_to[600]; /* CURLOPT_CONNECT_TO entry for tls-server-name, or "" */
        char host_hdr[600];   /* Host: the configured server's, with tls-server-name */
        bool loopback;        /* the server is 127.0.0.0/8, ::1 or localhost: never proxied */
};

struct resp {
        char *buf;
        size_t len, cap, max;
        bool too_big;
        long status;
        long retry_after; /* seconds, -1 when absent */
        bool json;
};

/* One API call with retries (client.c). On success (2xx) r holds the body; on an HTTP error
 * too; the caller frees r->buf. */
int lbl_request(struct lbl_client *c, const char *method, const char *path,
                const char *content_type, const char *body, struct resp *r, struct lbl_error *err);

/* /api/v1/nodes/NODE[?query] with NODE escaped, into buf (node.c). */
int lbl_node_path(struct lbl_client *c, const char *node, const char *query, char *buf, size_t n);

/* Parse a Node reply into view; remaining (optional): every label of ours on it (node.c). */
int lbl_parse_node_reply(const char *body, size_t len, const char *node, const char *manager,
                         const char *prefix, long status, struct lbl_node_view *view,
                         struct lbl_set *remaining, struct lbl_error *err);

#endif
