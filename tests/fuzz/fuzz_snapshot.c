/* SPDX-License-Identifier: MIT */
/* A saved snapshot (--facts): import, evaluate, label, every output format, and the JSON
 * round trip must be stable. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct vp_facts *f = NULL, *back = NULL;
        char err[128], *json = NULL, *json2 = NULL;

        if (vp_facts_from_json((const char *)data, size, &f, err, sizeof(err)) < 0)
                return 0;
        np_fuzz_outputs(f);
        if (vp_facts_to_json(f, 0, &json) < 0 ||
            vp_facts_from_json(json, strlen(json), &back, err, sizeof(err)) < 0 ||
            vp_facts_to_json(back, 0, &json2) < 0 || strcmp(json, json2) != 0)
                abort(); /* what we write, we read back the same */
        free(json);
        free(json2);
        free(back);
        free(f);
        return 0;
}
