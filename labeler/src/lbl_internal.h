/* SPDX-License-Identifier: MIT */
/* Internal helpers shared by labeler's files. */
#ifndef LABELER_INTERNAL_H
#define LABELER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "labeler/labeler.h"

/* Fill err (NULL-safe) with an HTTP status, a reason and a one-line message. */
__attribute__((format(printf, 4, 5))) void lbl_seterr(struct lbl_error *err, long http,
                                                      const char *reason, const char *fmt, ...);

/* Read a small regular file whole, never blocking: -EISDIR a directory, -EINVAL not a
 * regular file (FIFO, socket, device), -EFBIG when it does not fit in cap-1 bytes. */
int lbl_read_file(const char *path, char *buf, size_t cap, size_t *ret_len);

/* Words for an lbl_read_file error ("not a regular file" for -EINVAL). */
const char *lbl_read_strerror(int r);

/* Is t usable as a bearer token in an HTTP header (visible ASCII only)? */
bool lbl_token_ok(const char *t);

/* Wipe every byte of k (explicit_bzero; not freed). */
void lbl_kubeconfig_free_secrets(struct lbl_kubeconfig *k);

/* Strip trailing whitespace/newlines from a token read from a file. */
void lbl_trim_token(char *t);

#endif
