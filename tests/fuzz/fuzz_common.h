/* SPDX-License-Identifier: MIT */
/* Helpers shared by the libFuzzer targets (tests/fuzz, built with scripts/fuzz.sh). */
#ifndef NP_FUZZ_COMMON_H
#define NP_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "na.h"

/* A NUL-terminated copy of the input (caller frees). */
char *np_fuzz_text(const uint8_t *data, size_t size);

/*
 * Build a directory tree from the input and return its root (the same directory every call;
 * emptied first). The input is a sequence of records "<type><path>\n<content>\0" with type
 * 'f' (a file with that content), 'l' (a symlink to the content) or 'd' (a directory); paths
 * are relative, without "..". tests/fuzz/make-seeds.py writes fixture trees in this form.
 */
const char *np_fuzz_tree(const uint8_t *data, size_t size);

/* Evaluate, label, and write every output format to /dev/null: the whole path from facts to
 * what a person or a machine reads. */
void np_fuzz_outputs(const struct vp_facts *f);

#endif
