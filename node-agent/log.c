/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>

#include "na.h"

void na_logf(const char *fmt, ...)
{
        va_list ap;

        fputs("nodeprobe: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}
