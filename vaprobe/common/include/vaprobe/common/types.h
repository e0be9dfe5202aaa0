/* SPDX-License-Identifier: MIT */
/* The two value types every vaprobe layer speaks: a fact that may be unknown, and an integer
 * fact that may be unknown. "Unknown" is always distinct from "no". */
#ifndef VAPROBE_COMMON_TYPES_H
#define VAPROBE_COMMON_TYPES_H

#include <stdbool.h>
#include <stdint.h>

/* A fact that may be unknown. Zero-initialised means unknown. */
enum vp_tri {
        VP_UNKNOWN = 0,
        VP_NO = 1,
        VP_YES = 2,
};

/* An integer fact that may be unknown. */
struct vp_opt {
        bool known;
        int64_t value;
};

#endif
