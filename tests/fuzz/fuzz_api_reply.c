/* SPDX-License-Identifier: MIT */
/* What the API server sends back: a Node (managedFields, labels, annotations), a PodList
 * (--usage: this node's pods) and header lines (Retry-After), all hostile. */
#include <stdlib.h>
#include <string.h>

#include "labeler/labeler.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct lbl_node_view *v = malloc(sizeof(*v));
        struct lbl_error err;
        char *copy;
        long ra;

        if (!v)
                abort();
        /* Exactly size bytes on the heap, no NUL: ASan sees any read past the header. */
        copy = malloc(size ? size : 1);
        if (!copy)
                abort();
        memcpy(copy, data, size);
        ra = lbl_parse_retry_after(copy, size);
        if (ra < -1 || ra > 86400)
                abort();
        if (lbl_node_parse(copy, size, "n1", "nodeprobe", "nodeprobe.io", v, &err) == 0) {
                for (uint32_t i = 0; i < v->owned.n; i++)
                        if (strlen(v->owned.labels[i].key) > LBL_KEY_MAX)
                                abort();
                if (v->n_foreign > sizeof(v->foreign) / sizeof(v->foreign[0]))
                        abort();
        } else if (strchr(err.message, '\n')) {
                abort();
        }
        {
                struct lbl_pods pods;
                if (lbl_pods_parse(copy, size, &pods, &err) == 0) {
                        if (pods.n > LBL_MAX_PODS)
                                abort();
                        for (uint32_t i = 0; i < pods.n; i++) {
                                if (pods.pods[i].n_containers > LBL_POD_CONTAINERS ||
                                    strchr(pods.pods[i].name, '\n') ||
                                    !lbl_pods_find(&pods, pods.pods[i].uid))
                                        abort();
                        }
                } else if (strchr(err.message, '\n')) {
                        abort();
                }
                lbl_pods_free(&pods);
        }
        free(copy);
        /* An error message built from hostile bytes is one safe line. */
        char *line = malloc(size + 1);
        if (!line)
                abort();
        memcpy(line, data, size);
        line[size] = '\0';
        lbl_sanitize_line(line);
        for (const unsigned char *p = (const unsigned char *)line; *p; p++)
                if (*p < 0x20 || *p == 0x7f)
                        abort();
        free(line);
        free(v);
        return 0;
}
