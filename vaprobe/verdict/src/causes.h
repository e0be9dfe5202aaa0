/* SPDX-License-Identifier: MIT */
/*
 * The cause catalogue: every reason a check can give for a status other than ok, with its
 * stable id (the "cause_id" of reports and the schema), its status, the cause and the fix.
 * Texts are templates: {name} is replaced by a variable the check sets (vpi_var), and the
 * distribution-specific commands ({install_ihd}, {install_kernel}, ...) come from the
 * machine's os-release (distro.c). Texts never name nodeprobe's command-line flags: the
 * library does not know how it is called. docs/report-schema.md lists this catalogue, and
 * tests/vaprobe/test_causes.c produces every entry at least once.
 *
 * X(ENUM, "id", STATUS, "cause", "fix")
 */
#ifndef VAPROBE_CAUSES_H
#define VAPROBE_CAUSES_H

/* clang-format off */
#define VPI_CAUSES(X)                                                                              \
/* gpu */                                                                                          \
X(NO_INTEL_GPU, "no-intel-gpu", FAIL,                                                              \
  "No device with vendor 0x8086 is on the PCI bus: the VM has no GPU assigned.",                   \
  "On the Proxmox host add the GPU: VM > Hardware > Add > PCI Device > 0000:00:02.0 with an "      \
  "MDev type (GVT-g) or a VF (0000:00:02.N), then restart the VM. The other checks below say "     \
  "what is ready for it already.")                                                                 \
X(DEVICE_NOT_INTEL, "device-not-intel", FAIL,                                                      \
  "{node} belongs to a {vendor_name} GPU ({drm_name}), not to an Intel one; the checks speak "     \
  "only of the device that was asked for.",                                                        \
  "Probe the Intel render node instead (ls -l /dev/dri/by-path: the Intel GPU is usually "         \
  "pci-0000:00:02.0), or all of them.")                                                            \
X(NOT_INTEL_VAINFO, "not-intel-vainfo", FAIL,                                                      \
  "This vainfo output is from a {vendor_name} GPU's driver ({driver}), not from an Intel one.",    \
  "Run vainfo on the Intel render node: vainfo --display drm --device /dev/dri/renderD129 "        \
  "(ls -l /dev/dri/by-path shows which node is 0000:00:02.0).")                                    \
/* cpu-generation */                                                                               \
X(PLATFORM_UNKNOWN, "platform-unknown", SKIP,                                                      \
  "The input carries no PCI device id, so the platform and what it should decode and encode "      \
  "are unknown.",                                                                                  \
  "Give the PCI device id with the input: lspci -nn -d 8086::0300 shows it as [8086:XXXX] "        \
  "(the four hex digits after 8086:).")                                                            \
X(UNKNOWN_DEVICE, "unknown-device", WARN,                                                          \
  "0x{device_id} is in none of the id tables this build knows (kernel, iHD, i965), so no "         \
  "expectations can be set.",                                                                      \
  "Update nodeprobe; if the GPU is new, a newer kernel and media driver are likely needed too.")   \
X(GUESSED_PLATFORM, "guessed-platform", WARN,                                                      \
  "0x{device_id} is not in the id tables; the platform ({platform}) was guessed from the "         \
  "neighbouring ids, so the expectations may be off.",                                             \
  "Update nodeprobe to a release that knows 0x{device_id}.")                                       \
X(GVT_UNSUPPORTED, "gvt-unsupported", FAIL,                                                        \
  "GVT-g only supports Broadwell to Comet Lake (i915 intel_gvt.c); this looks like a vGPU on a "   \
  "platform that cannot have one.",                                                                \
  "Use SR-IOV (Tiger Lake, Alder Lake and later) or full passthrough of 00:02.0 instead.")         \
X(SRIOV_UNSUPPORTED, "sriov-unsupported", FAIL,                                                    \
  "{platform} has no SR-IOV in i915, i915-sriov-dkms or xe, so this GPU cannot be a virtual "      \
  "function.",                                                                                     \
  "Use GVT-g (Broadwell to Comet Lake) or full passthrough of the whole GPU instead.")            \
/* virtualization */                                                                               \
X(UNDETERMINED, "undetermined", WARN,                                                              \
  "The signals readable here do not decide between passthrough, GVT-g and SR-IOV (a probe run "    \
  "as root also reads the kernel log, which says more).",                                          \
  "Run the probe as root, or look at the VM's PCI device on the Proxmox host (an mdev= type is "   \
  "GVT-g, 0000:00:02.N with N > 0 a VF).")                                                         \
/* viommu */                                                                                       \
X(VIOMMU_WITH_MDEV, "viommu-with-mdev", FAIL,                                                      \
  "A virtual IOMMU in the guest breaks mediated (GVT-g) device passthrough.",                      \
  "On the Proxmox host: qm set <vmid> --machine q35 (no ',viommu=...'), i.e. VM > Hardware > "     \
  "Machine > vIOMMU: None; then stop and start the VM.")                                           \
X(VIOMMU, "viommu", WARN,                                                                          \
  "The guide sets vIOMMU to None for GPU passthrough; with it the guest i915 may fail to map "     \
  "memory.",                                                                                       \
  "On the Proxmox host: qm set <vmid> --machine q35 (no ',viommu=...'), i.e. VM > Hardware > "     \
  "Machine > vIOMMU: None; then stop and start the VM.")                                           \
/* secure-boot */                                                                                  \
X(SECURE_BOOT_ON, "secure-boot-on", FAIL,                                                          \
  "Secure Boot refuses unsigned kernel modules: the out-of-tree i915 (i915-sriov-dkms) for "       \
  "SR-IOV VFs does not load.",                                                                     \
  "Either turn Secure Boot off: in the VM's OVMF setup (Esc at boot) > Device Manager > Secure "   \
  "Boot Configuration > Attempt Secure Boot: off, or on the Proxmox host recreate the EFI disk "    \
  "without keys: qm set <vmid> --efidisk0 <storage>:1,efitype=4m,pre-enrolled-keys=0\n"            \
  "Or sign the module: mokutil --import /var/lib/dkms/mok.pub, reboot and enroll the key in the "  \
  "MOK manager.")                                                                                  \
/* kernel-driver */                                                                                \
X(OTHER_DRIVER, "other-driver", FAIL,                                                              \
  "The GPU is claimed by {kmd}{kmd_note}.",                                                        \
  "Remove the vfio-pci binding for 8086:{device_id} (/etc/modprobe.d, kernel command line "        \
  "vfio-pci.ids) and reboot.")                                                                     \
X(NO_KERNEL_MODULE, "no-kernel-module", FAIL,                                                      \
  "Kernel {kernel} ships neither i915 nor xe: cloud and kvm kernels (linux-image-kvm, -cloud) "    \
  "leave GPU drivers out{no_gpu_yet}.",                                                            \
  "{install_kernel}")                                                                              \
X(MODULE_REFUSED, "module-refused", FAIL,                                                          \
  "Secure Boot is on and the i915 module did not bind: an unsigned out-of-tree i915 (SR-IOV "      \
  "dkms) is refused (see secure-boot).",                                                           \
  "See the secure-boot check: turn Secure Boot off or enroll the DKMS key.")                       \
X(NEEDS_FORCE_PROBE, "needs-force-probe", FAIL,                                                    \
  "This id binds to xe only with force_probe on this kernel.",                                     \
  "Add xe.force_probe={device_id} to the kernel command line and reboot.")                         \
X(ID_NOT_IN_KERNEL, "id-not-in-kernel", FAIL,                                                      \
  "0x{device_id} is not in the kernel's PCI id table, so no driver binds it.",                     \
  "Use a newer kernel that lists 0x{device_id}.")                                                  \
X(DRIVER_NOT_LOADED, "driver-not-loaded", FAIL,                                                    \
  "The i915 module exists but is not bound (loaded: {loaded}): it may be blacklisted, or failed "  \
  "to probe (GuC/firmware, SR-IOV VF without a VF-capable i915).",                                 \
  "modprobe i915 and read dmesg | grep -i i915; remove 'blacklist i915' or "                       \
  "module_blacklist=i915 if present. For an SR-IOV VF install i915-sriov-dkms in the guest and "   \
  "boot with i915.enable_guc=3.")                                                                  \
/* render-node */                                                                                  \
X(NO_DRIVER, "no-driver", FAIL,                                                                    \
  "Without a bound kernel driver there is no /dev/dri node.",                                      \
  "Fix kernel-driver above; /dev/dri/renderD* appears when i915 or xe binds the GPU.")             \
X(NO_RENDER_NODE, "no-render-node", FAIL,                                                          \
  "The driver bound without creating /dev/dri/renderD* (probe failure, or the container does "     \
  "not see /dev/dri).",                                                                            \
  "On the node: ls -l /dev/dri; in a pod, request gpu.intel.com/i915 from the Intel GPU device "   \
  "plugin, or mount /dev/dri (hostPath, privileged).")                                             \
/* render-node-access */                                                                           \
X(RENDER_NODE_DENIED, "render-node-denied", FAIL,                                                  \
  "{node} is {mode} {owner}:{gid} and this process (uid {uid}) is not in group {gid}{in_group}.",  \
  "In a pod: securityContext.supplementalGroups: [{gid}] (the node's '{group}' group id).\n"       \
  "On a host: usermod -aG {group} <user> and log in again.\n"                                      \
  "In an unprivileged LXC container: map the host's {group} group into the container "             \
  "(lxc.idmap) or make the node 0666 on the host.")                                                \
X(RENDER_NODE_OPEN_FAILED, "render-node-open-failed", FAIL,                                        \
  "open() of {node} failed: {errno_text}.",                                                        \
  "Check that {node} exists in this container (mount /dev/dri) and is not blocked by the device "  \
  "cgroup.")                                                                                       \
/* va-driver */                                                                                    \
X(NON_INTEL_NODE, "non-intel-node", FAIL,                                                          \
  "The VM has a second, virtual GPU (virtio-gpu/QXL) whose render node comes first; libva then "   \
  "loads its driver ({tried}_drv_video.so) instead of iHD.",                                       \
  "Point the application at the Intel node: vainfo --display drm --device "                        \
  "/dev/dri/renderD129; Jellyfin: Playback > Transcoding > VA-API device.\n"                       \
  "Or remove the virtual display: Proxmox VM > Hardware > Display: none (serial console for "      \
  "access).")                                                                                      \
X(XE_NO_MAPPING, "xe-no-mapping", FAIL,                                                            \
  "The GPU is bound to the xe kernel driver; libva before 2.21 (VA-API 1.21) maps only i915 to "   \
  "iHD and looks for xe_drv_video.so, which does not exist.",                                      \
  "export LIBVA_DRIVER_NAME=iHD (in a pod: env LIBVA_DRIVER_NAME=iHD), or upgrade libva to "       \
  "2.21 or later; iHD itself must be recent enough for xe too.")                                   \
X(GL_DRIVER_NAME, "gl-driver-name", FAIL,                                                          \
  "libva asked for '{tried}', a Mesa OpenGL driver name: the X11/DRI2 display path took the GL "   \
  "driver's name, and there is no VA driver of that name.",                                        \
  "Use the DRM display: vainfo --display drm --device /dev/dri/renderD128, or set "                \
  "LIBVA_DRIVER_NAME=iHD (i965 for Gen 8 and older with i965).")                                   \
X(I965_FALLBACK, "i965-fallback", WARN,                                                            \
  "libva is using the legacy i965 driver{i965_why}; iHD supports this GPU and is maintained "      \
  "(i965 was discontinued in 2024).",                                                              \
  "{install_ihd}{unset_env}")                                                                      \
X(UNEXPECTED_DRIVER, "unexpected-driver", FAIL,                                                    \
  "libva loaded {driver} for an Intel GPU.",                                                       \
  "unset LIBVA_DRIVER_NAME or set it to iHD")                                                      \
X(NO_VA_DRIVER, "no-va-driver", FAIL,                                                              \
  "None of the drivers libva tried initialised (see va-init).",                                    \
  "{install_ihd}")                                                                                 \
X(NON_INTEL_FIRST, "non-intel-first", WARN,                                                        \
  "{first_node} belongs to a non-Intel GPU ({first_drm}); programs that open the first render "    \
  "node by default (vainfo, some Jellyfin setups) get that one.",                                  \
  "Use {node} explicitly (vainfo --display drm --device {node}; Jellyfin VA-API device), or "      \
  "remove the VM's virtual display.")                                                              \
/* va-init */                                                                                      \
X(DRIVER_CRASHED, "driver-crashed", FAIL,                                                          \
  "vaInitialize killed the probe process{signal_text}: a driver bug or a driver/firmware "         \
  "mismatch for this GPU.",                                                                        \
  "Update the media driver and the kernel ({install_ihd}); run vainfo --display drm --device "     \
  "{node} to reproduce.")                                                                          \
X(DRIVER_HUNG, "driver-hung", FAIL,                                                                \
  "vaInitialize hung: usually a wedged GPU or GuC/HuC firmware that never answers.",               \
  "Check dmesg for GPU hangs (i915 ... GPU HANG); reboot the VM; update the firmware "             \
  "({install_firmware}) and the media driver.")                                                    \
X(DRIVER_STOPPED, "driver-stopped", FAIL,                                                          \
  "The output ends right after libva found the driver's init function: the driver crashed or "     \
  "hung inside its initialisation.",                                                               \
  "Run vainfo again and look at its exit status and dmesg (GPU HANG, segfault in "                 \
  "iHD_drv_video.so); update the media driver and firmware ({install_firmware}).")                 \
X(PROBE_FAILED, "probe-failed", FAIL,                                                              \
  "vaGetDisplayDRM or the probe child failed before vaInitialize.",                                \
  "Run the probe in-process on {node} for the details.")                                           \
X(DEVICE_OPEN_FAILED, "device-open-failed", FAIL,                                                  \
  "vainfo could not open the render node ('Failed to open the given device!'): a permission "      \
  "problem, or the node does not exist where it runs (an unprivileged LXC or a container "         \
  "without /dev/dri, or the host's render group id not mapped into it).",                          \
  "ls -l /dev/dri where vainfo runs; add the user to the node's group (usermod -aG render "        \
  "<user>), in a pod securityContext.supplementalGroups with the node's group id, in an LXC "      \
  "map the group (lxc.idmap) or bind-mount /dev/dri.")                                             \
X(NO_DISPLAY, "no-display", FAIL,                                                                  \
  "vainfo found no display to open ('failed to initialize display'): without --display drm it "    \
  "tries X11 or Wayland first, and there is none here. This says nothing about the VA driver.",    \
  "vainfo --display drm --device /dev/dri/renderD128")                                             \
X(NON_INTEL_DRIVER, "non-intel-driver", FAIL,                                                      \
  "The driver that failed ({tried}) belongs to the VM's virtual GPU, not to the Intel GPU: "       \
  "libva was pointed at the wrong render node (see va-driver).",                                   \
  "vainfo --display drm --device /dev/dri/renderD129 (the Intel node); set the same device in "    \
  "the application.")                                                                              \
X(NO_INIT_FUNCTION, "no-init-function", FAIL,                                                      \
  "The driver file has no init function this libva accepts: it was built for another libva "       \
  "(mixed distribution and self-built packages), or it is not a driver for this GPU at all (iHD "  \
  "before Broadwell).",                                                                            \
  "Install libva and the driver from the same source ({reinstall_va}), and remove copies under "   \
  "/usr/local/lib/dri.")                                                                           \
X(LIBVA_TOO_OLD, "libva-too-old", FAIL,                                                            \
  "This libva speaks VA-API {api}: iHD needs VA-API 1.x (libva 2.x).",                             \
  "Upgrade libva to 2.x together with the driver ({reinstall_va}).")                               \
X(LIBVA_NO_IHD_MAPPING, "libva-no-ihd-mapping", FAIL,                                              \
  "This libva (VA-API {api}, libva 2.5 or older) maps the i915 kernel driver to i965 only, and "  \
  "i965 cannot drive {platform}; iHD joined libva's driver map in libva 2.6, so it was never "    \
  "tried.",                                                                                        \
  "LIBVA_DRIVER_NAME=iHD (in Jellyfin's or Plex's container environment too), or upgrade libva "   \
  "to 2.6 or newer ({reinstall_va}).")                                                             \
X(GMMLIB_MISMATCH, "gmmlib-mismatch", FAIL,                                                        \
  "The driver failed to load with an undefined symbol ({symbol}): the installed gmmlib "           \
  "(libigdgmm) is older than the one the driver was built against.",                               \
  "Upgrade libigdgmm together with the driver ({reinstall_va}); do not mix a self-built iHD with " \
  "the distribution's gmmlib.")                                                                    \
X(DRIVER_MISSING, "driver-missing", FAIL,                                                          \
  "libva found no driver file for {drm_name} (it looked for {tried}_drv_video.so).",               \
  "{install_ihd}; or set LIBVA_DRIVERS_PATH to where iHD_drv_video.so is.")                        \
X(I965_UNKNOWN_PLATFORM, "i965-unknown-platform", FAIL,                                            \
  "i965 cannot drive {platform}: it stops at Coffee Lake/Whiskey Lake and lacks 0x{device_id}; "  \
  "{ihd_state}.",                                                                                  \
  "Use iHD: {install_ihd}, and unset LIBVA_DRIVER_NAME.")                                          \
X(X11_NO_DRIVER_NAME, "x11-no-driver-name", FAIL,                                                  \
  "vainfo ran on X11 and asked the X server which VA driver drives its display "                   \
  "(vaGetDriverNames() failed): a display driver that names none (vesa, modesetting without "      \
  "DRI3, a VNC or xrdp session) answers nothing. This says nothing about the GPU or its driver.",  \
  "vainfo --display drm --device {node}\nor, to keep X11: LIBVA_DRIVER_NAME=iHD vainfo")           \
X(X11_PATH_CRASH, "x11-path-crash", FAIL,                                                          \
  "The driver aborted in libva's X11 path (DRI2 authentication, va_dri2.c), before it reached "    \
  "the GPU: an X server or remote session without DRI2 for this render node. The DRM path does "   \
  "not go there.",                                                                                 \
  "vainfo --display drm --device {node}; programs (Jellyfin, ffmpeg -hwaccel vaapi "               \
  "-hwaccel_device {node}) use the DRM path already.")                                             \
X(NOT_I915_NODE, "not-i915-node", FAIL,                                                            \
  "The render node libva opened is not driven by i915 or xe: iHD's first i915 ioctls failed "      \
  "('get chip id failed', vaInitialize error 18). It is another GPU's node (a virtio-gpu in "      \
  "front of a VF, a second GPU) or the wrong --device.",                                           \
  "ls -l /dev/dri/by-path (the Intel GPU is pci-0000:00:02.0-render, or its VF's slot), then "     \
  "vainfo --display drm --device /dev/dri/renderD<that node>; in a pod, hand in that node.")      \
X(UNKNOWN_PCI_ID, "unknown-pci-id", FAIL,                                                          \
  "iHD has no entry for 0x{device_id} (hwinfo_linux.cpp returns PLATFORM_NOT_SUPPORTED).",         \
  "Upgrade the media driver to a release that lists 0x{device_id}.")                               \
X(DRIVER_INIT_FAILED, "driver-init-failed", FAIL,                                                  \
  "The driver loaded but refused to initialise: a driver too old for this GPU or kernel, "         \
  "missing GuC/HuC firmware, or a GPU it cannot talk to (media-driver#507: iHD 1.0 on Coffee "     \
  "Lake Refresh).",                                                                                \
  "Upgrade the media driver and the firmware ({install_firmware}); check dmesg for i915 "          \
  "firmware errors.")                                                                              \
/* encoder-build */                                                                                \
X(FREE_BUILD, "free-build", WARN,                                                                  \
  "This iHD is the free build, without the closed media kernels: no EncSlice encoders (HEVC "      \
  "encode on Skylake to Comet Lake), no VC-1{free_av1}.",                                          \
  "{install_ihd}")                                                                                 \
/* huc */                                                                                          \
X(HUC_GVTG, "huc-gvtg", WARN,                                                                      \
  "Expected under GVT-g: the host runs i915.enable_guc=0 and the vGPU has no HuC. Cannot be "      \
  "fixed in the guest.",                                                                           \
  "Use CQP/ICQ encodes (Jellyfin: disable low-power encoding or accept CQP), or full "             \
  "passthrough if bitrate control matters.")                                                       \
X(HUC_OFF, "huc-off", WARN,                                                                        \
  "i915 loads HuC only with GuC/HuC enabled; it is off by default up to Tiger/Rocket Lake.",       \
  "Kernel command line (this machine, or the passthrough VM): i915.enable_guc=2; install the "     \
  "firmware ({install_firmware}: i915/*_huc_*.bin); reboot.")                                      \
/* codecs */                                                                                       \
X(MISSING_CAPABILITIES, "missing-capabilities", FAIL,                                              \
  "The driver initialised but does not advertise what {platform} does with {va_driver}."           \
  "{no_profiles}",                                                                                 \
  "Upgrade the media driver and libva ({reinstall_va}); then probe again.")                        \
X(VA_API_TOO_OLD, "va-api-too-old", WARN,                                                          \
  "{platform} decodes VVC, but this libva speaks VA-API {va_api}: VVC joined VA-API in 1.22 "      \
  "(libva 2.22), so neither libva nor an iHD built against it can list {old_caps}.",               \
  "Install libva 2.22 or newer and an intel-media-driver built against it (a newer distribution "  \
  "release or backports); then probe again. Everything else works without it.")                    \
X(EXPLAINED_GAPS, "explained-gaps", WARN,                                                          \
  "Gaps come from the driver build or HuC: see encoder-build and huc.",                            \
  "")                                                                                              \
X(LOW_CONFIDENCE, "low-confidence", WARN,                                                          \
  "Only capabilities whose reference data disagree are absent.",                                   \
  "")                                                                                              \
/* exercise */                                                                                     \
X(EXERCISE_REFUSED, "exercise-refused", FAIL,                                                      \
  "The driver lists {what} but refused to run it: {detail}.",                                      \
  "A vGPU or VF that advertises but refuses jobs is usually missing firmware on the host side: "   \
  "on the Proxmox host check dmesg | grep -i -e guc -e huc (SR-IOV needs the PF with "             \
  "i915.enable_guc=3 and the VF the same firmware; GVT-g needs i915.enable_guc=0 on the host). "   \
  "In the VM reinstall the media driver ({reinstall_va}) and reboot it.")                          \
X(EXERCISE_GARBAGE, "exercise-garbage", FAIL,                                                      \
  "A {what} job ran, but its output is wrong: {detail}.",                                          \
  "The engine runs but computes nonsense: the guest's media driver and the host's kernel or "      \
  "firmware do not match. Update both (in the VM: {reinstall_va}; on the host: the kernel and "   \
  "the i915 firmware package), then reboot the host and the VM.")                                  \
X(EXERCISE_HUNG, "exercise-hung", FAIL,                                                            \
  "A {what} job never finished: {detail}. The vGPU executes no video jobs.",                       \
  "Check the host's GuC/HuC settings: on the Proxmox host dmesg | grep -i -e 'GPU HANG' -e guc "  \
  "-e huc, and for SR-IOV the PF needs i915.enable_guc=3, for GVT-g i915.enable_guc=0. Then "      \
  "restart the VM (a hung vGPU does not recover on its own).")                                     \
X(EXERCISE_CRASHED, "exercise-crashed", FAIL,                                                      \
  "The media driver crashed during a {what} job: {detail}.",                                       \
  "Update the media driver ({reinstall_va}); if it still crashes, report it to "                   \
  "https://github.com/intel/media-driver/issues with this report attached.")                      \
X(EXERCISE_GPU_RESET, "exercise-gpu-reset", FAIL,                                                  \
  "A {what} job hung the GPU: {detail}.",                                                          \
  "The kernel had to reset the GPU. On the Proxmox host look at dmesg for the GPU HANG and its "   \
  "engine; check the host's GuC/HuC settings (SR-IOV: i915.enable_guc=3 on the PF; GVT-g: "        \
  "i915.enable_guc=0) and that host and guest run a kernel of the same generation.")               \
/* gpu-top */                                                                                      \
X(NO_PMU_VF, "no-pmu-vf", WARN,                                                                    \
  "An SR-IOV VF has no PMU (\"PMU not supported for this GPU\").",                                 \
  "Watch usage on the Proxmox host: intel_gpu_top there shows all VFs.")                           \
X(NO_PMU, "no-pmu", WARN,                                                                          \
  "The {kmd} driver registered no PMU (perf events not available in this kernel or container).",   \
  "Run intel_gpu_top on the node itself with CAP_PERFMON.")                                        \
/* host-cpu */                                                                                     \
X(NOT_INTEL_GPU_HOST, "not-intel-gpu-host", FAIL,                                                  \
  "These checks are for a Proxmox host whose Intel iGPU is shared with VMs; this machine has "     \
  "none (or the iGPU is disabled in the firmware).",                                               \
  "Run the host checks on the Proxmox host itself; inside a VM use the report.")                   \
X(CANNOT_SPLIT, "cannot-split", FAIL,                                                              \
  "{platform} has neither GVT-g (Broadwell to Comet Lake) nor SR-IOV (in i915, i915-sriov-dkms "  \
  "or xe: Tiger Lake to Arrow Lake iGPUs, Battlemage, Panther Lake); Ice Lake, Rocket Lake, "      \
  "Jasper/Elkhart Lake, Gemini Lake, Lunar Lake and the Arc A-series (DG2) are such parts. Only "  \
  "one VM can have this GPU, by full passthrough.",                                                \
  "Pass the whole GPU to one VM: qm set <vmid> --hostpci0 {slot} (the host then loses it), or "    \
  "use a GPU that can be split.")                                                                  \
X(HOST_UNKNOWN_DEVICE, "host-unknown-device", WARN,                                                \
  "0x{device_id} is not in this build's tables; whether it can be split is unknown.",              \
  "Update nodeprobe.")                                                                             \
/* host-cmdline */                                                                                 \
X(CMDLINE_UNREADABLE, "cmdline-unreadable", WARN,                                                  \
  "/proc/cmdline is not readable here, so what the running kernel was booted with is unknown.",    \
  "Run on the Proxmox host itself, or copy /proc/cmdline into the copied tree.")                   \
X(BOOT_CONFIG_DIFFERS, "boot-config-differs", WARN,                                                \
  "The boot configuration differs from the running command line: the next reboot changes it.",    \
  "Compare {boot_source} with /proc/cmdline before rebooting.")                                    \
X(REBOOT_PENDING, "reboot-pending", FAIL,                                                          \
  "{boot_source} has {in_boot}, but the running kernel was booted without: the boot "              \
  "configuration was changed and not applied.",                                                    \
  "{refresh}\nreboot")                                                                             \
X(MISSING_PARAMETERS, "missing-parameters", FAIL,                                                  \
  "Without {missing} the IOMMU{split_word} is off.",                                               \
  "{add_params}")                                                                                  \
/* host-modules */                                                                                 \
X(MODULES_MISSING, "modules-missing", FAIL,                                                        \
  "GVT-g needs {missing} loaded at boot.",                                                         \
  "printf '%s\\n' {missing} >> /etc/modules\nupdate-initramfs -u -k all\nreboot")                 \
X(MODULES_NOT_LOADED, "modules-not-loaded", FAIL,                                                  \
  "The modules are listed but not loaded{kvmgt_note}.",                                            \
  "modprobe {not_loaded}; check host-cmdline first")                                               \
X(STALE_MODULE_LINES, "stale-module-lines", WARN,                                                  \
  "On current kernels vfio_virqfd is part of vfio and vfio_mdev part of mdev: 'modprobe: FATAL: "  \
  "Module vfio_virqfd not found' makes systemd-modules-load fail at every boot.",                  \
  "sed -i -e '/^vfio_virqfd/d' -e '/^vfio_mdev/d' /etc/modules /etc/modules-load.d/*.conf\n"       \
  "systemctl restart systemd-modules-load")                                                        \
/* host-iommu */                                                                                   \
X(IOMMU_OFF, "iommu-off", FAIL,                                                                    \
  "No IOMMU units or groups: VT-d is disabled in the firmware, or intel_iommu=on is missing (see " \
  "host-cmdline).",                                                                                \
  "Enable VT-d in the BIOS/UEFI setup, add intel_iommu=on iommu=pt to the kernel command line "    \
  "(host-cmdline) and reboot.")                                                                    \
X(GPU_NO_GROUP, "gpu-no-group", WARN,                                                              \
  "The GPU is not in any IOMMU group.",                                                            \
  "Check dmesg | grep -i -e DMAR -e IOMMU.")                                                       \
X(SHARED_GROUP, "shared-group", WARN,                                                              \
  "Full passthrough moves the whole group: every device listed goes to the VM with the GPU "       \
  "(mediated vGPUs and VFs are not affected).",                                                    \
  "For full passthrough pass the whole group, or move the other devices; pcie_acs_override "       \
  "splits groups at the cost of isolation.")                                                       \
/* host-mdev */                                                                                    \
X(NO_MDEV_TYPES, "no-mdev-types", FAIL,                                                            \
  "{mdev_why}",                                                                                    \
  "Fix host-cmdline and host-modules, reboot, then: ls "                                           \
  "/sys/bus/pci/devices/{slot}/mdev_supported_types")                                              \
X(NO_INSTANCES_LEFT, "no-instances-left", WARN,                                                    \
  "The aperture is shared out: a new VM gets 'write error: No space left on device' when Proxmox " \
  "creates its instance.",                                                                         \
  "Stop a VM that holds one{holders}, use a smaller type (V5_8 fits twice where V5_4 fits once), " \
  "or raise the DVMT/aperture size in the firmware setup.")                                        \
/* host-sriov */                                                                                   \
X(NO_SRIOV_DRIVER, "no-sriov-driver", FAIL,                                                        \
  "{sriov_why}",                                                                                   \
  "{sriov_fix}")                                                                                   \
X(NO_VFS, "no-vfs", FAIL,                                                                          \
  "sriov_numvfs is 0: the virtual functions are not enabled.",                                     \
  "echo {total} > /sys/bus/pci/devices/{slot}/sriov_numvfs\nand to keep it: apt install "          \
  "sysfsutils; echo 'bus/pci/devices/{slot}/sriov_numvfs = {total}' >> /etc/sysfs.conf")           \
/* host-guc */                                                                                     \
X(SRIOV_NEEDS_GUC, "sriov-needs-guc", FAIL,                                                        \
  "SR-IOV needs GuC submission: i915.enable_guc is {guc}, not 3.",                                 \
  "Set i915.enable_guc=3 on the kernel command line (host-cmdline) and reboot.")                   \
X(GUC_SUBMISSION_ON, "guc-submission-on", FAIL,                                                    \
  "i915 disables GVT-g with GuC submission (\"Graphics virtualization is not yet supported with "  \
  "GuC submission\").",                                                                            \
  "Use i915.enable_guc=0 (or 2: HuC only) on the host command line, then refresh the boot "        \
  "config and reboot.")                                                                            \
/* host-vm-config */                                                                               \
X(VM_CONFIG, "vm-config", FAIL,                                                                    \
  "The guide's VM-side settings: an existing mdev type, vIOMMU None, and Secure Boot off (an EFI " \
  "disk without pre-enrolled keys).",                                                              \
  "")
/* clang-format on */

enum vpi_cause {
#define VPI_CAUSE_ENUM(e, id, st, cause, fix) VPC_##e,
        VPI_CAUSES(VPI_CAUSE_ENUM)
#undef VPI_CAUSE_ENUM
            _VPC_MAX,
};

#endif
