/* SPDX-License-Identifier: MIT */
/* A "driver" without any __vaDriverInit_* symbol: what libva meets when a media driver was
 * built for another libva (shared/fixtures/vainfo/haswell-iHD-no-init-function.txt). */
__attribute__((visibility("default"))) int fakeva_noinit_marker;
int fakeva_noinit_marker = 1;
