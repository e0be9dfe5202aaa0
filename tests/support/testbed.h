/* SPDX-License-Identifier: MIT */
/*
 * Test harness: a fixture directory becomes a umockdev testbed that the real libdrm and libva
 * see as /sys and /dev, with DRM ioctls answered from the fixture and the fake VA driver
 * behind libva. Needs LD_PRELOAD="<fstat shim>:libumockdev-preload.so.0" (set by CTest).
 *
 * Fixture layout (tests/fixtures/<name>/):
 *   devices.umockdev  umockdev records of the PCI device(s) and DRM nodes (optional)
 *   root/             files copied into the testbed root (/proc, /sys/class/dmi, efivars, ...)
 *   drm.ini           [<node>] ioctl answers and node access; [va] fake driver behaviour
 *   va.caps           capabilities served by the fake VA driver
 *   dmesg.txt         kernel log given to the probe (absent = unreadable log)
 */
#ifndef NP_TESTBED_H
#define NP_TESTBED_H

#include <stdbool.h>

#include "vaprobe/vaprobe.h"

struct np_testbed;

/* fixture: a name under tests/fixtures or an absolute directory; NULL = an empty machine. Aborts
 * the test (cr_assert) on a broken fixture. */
struct np_testbed *np_testbed_new(const char *fixture);
void np_testbed_free(struct np_testbed *t);

/* Root directory to pass as vp_options.root. Borrowed. */
const char *np_testbed_root(const struct np_testbed *t);
/* The kernel log file the probe is given ("<fixture>/dmesg.txt", which may not exist). */
const char *np_testbed_dmesg(const struct np_testbed *t);

/* Probe the testbed (root, dmesg file set); isolated = through the agent's child runner. */
struct vp_facts *np_testbed_probe(struct np_testbed *t, bool isolated);
/* The same with the exercise (vp_options.exercise). */
struct vp_facts *np_testbed_probe_ex(struct np_testbed *t, bool isolated, bool exercise);

/* Probe the testbed from a child process running as nobody (uid/gid 65534, no groups):
 * what an unprivileged pod sees. The facts travel back as JSON. */
struct vp_facts *np_testbed_probe_as_nobody(struct np_testbed *t);

/* Unplug every device of the fixture's devices.umockdev at run time (deepest first: DRM
 * connectors, render and card nodes, then the PCI device): sysfs, class links and /dev nodes
 * go, as when a VF is removed or the driver unbinds. */
void np_testbed_remove_gpus(struct np_testbed *t);

/* Read a whole file into a new string (caller frees); NULL on error. */
char *np_slurp(const char *path);

#endif
