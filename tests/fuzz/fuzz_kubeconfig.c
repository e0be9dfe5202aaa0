/* SPDX-License-Identifier: MIT */
/* A kubeconfig: libyaml with the depth cap, merge rules, base64, paths, refusals. */
#include <stdlib.h>
#include <string.h>

#include "labeler/labeler.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct lbl_kubeconfig *k = malloc(sizeof(*k));
        struct lbl_error err;

        if (!k)
                abort();
        int r = lbl_kubeconfig_parse((const char *)data, size, "/etc/kube", k, &err);
        if (r < 0 && (!err.message[0] || strchr(err.message, '\n')))
                abort(); /* every refusal says why, in one line */
        if (r == 0 && strncmp(k->server, "https://", 8) != 0)
                abort();
        lbl_kubeconfig_free(k);
        return 0;
}
