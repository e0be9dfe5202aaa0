/* SPDX-License-Identifier: MIT */
/*
 * vaprobe: the umbrella header of the three vaprobe libraries, each with its own header:
 *   vaprobe/facts.h    what the machine and its GPUs are (libdrm, libva, sysfs, snapshots)
 *   vaprobe/verdict.h  what that means: checks with cause and fix, capabilities (pure)
 *   vaprobe/pve.h      the Proxmox VE host side
 */
#ifndef VAPROBE_VAPROBE_H
#define VAPROBE_VAPROBE_H

#include "vaprobe/facts.h"
#include "vaprobe/pve.h"
#include "vaprobe/verdict.h"

#endif
