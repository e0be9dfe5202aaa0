/* SPDX-License-Identifier: MIT */
/* Internal helpers shared by labeler's files. */
#ifndef LABELER_INTERNAL_H
#define LABELER_INTERNAL_H

#include <stddef.h>

#include "labeler/labeler.h"

/* Fill err (NULL-safe) with an HTTP status, a reason and a one-line message. */
__attribute__((format(printf, 4, 5))) void lbl_seterr(struct lbl_error *err, long http,
                                                      const char *reason, const char *fmt, ...);

/* Read a small file whole; -EFBIG when it does not fit in cap-1 bytes. */
int lbl_read_file(const char *path, char *buf, size_t cap, size_t *ret_len);

/* Strip trailing whitespace/newlines from a token read from a file. */
void lbl_trim_token(char *t);

#endif
