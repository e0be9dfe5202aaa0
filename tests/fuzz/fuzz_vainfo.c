/* SPDX-License-Identifier: MIT */
/* Pasted vainfo text (--from-vainfo): parse, evaluate, label, every output format. */
#include <stdlib.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const uint16_t ids[] = {0x3e92, 0x5917, 0x4680, 0x9a49, 0x1912, 0};
        static const char *const kmds[] = {NULL, "i915", "xe"};
        struct vp_facts *f = NULL;
        char *text;

        if (size < 1)
                return 0;
        /* The first byte picks the device id and kernel driver given with the paste. */
        text = np_fuzz_text(data + 1, size - 1);
        if (vp_vainfo_parse(text, ids[data[0] % 6], kmds[(data[0] / 6) % 3], &f) == 0) {
                np_fuzz_outputs(f);
                free(f);
        }
        free(text);
        return 0;
}
