/* SPDX-License-Identifier: MIT */
/*
 * The commands a fix pastes, for the distribution at hand (os-release ID and ID_LIKE of the
 * machine the facts come from). In a container the package belongs in the image, so the fix
 * says so. Package names: Debian/Ubuntu intel-media-va-driver-non-free (Debian's non-free
 * component, Ubuntu's multiverse), Fedora intel-media-driver from RPM Fusion nonfree (Fedora's
 * own libva-intel-media-driver is the free build), Arch intel-media-driver, Alpine
 * intel-media-driver; Talos has no VA drivers on the host at all (they come with the pod's
 * image) and gets i915 from the siderolabs/i915 system extension (shared/reference/
 * kube-api-and-anchors.md section 5).
 */
#include <string.h>

#include "eval.h"
#include "vaprobe/common/strings.h"

struct distro {
        const char *id;
        const char *ihd, *kernel, *firmware, *reinstall;
};

static const struct distro distros[] = {
    {"debian",
     "apt install intel-media-va-driver-non-free (Debian: add 'non-free' to the Components of "
     "/etc/apt/sources.list.d/debian.sources first)",
     "apt install linux-image-amd64, reboot into it and remove the cloud kernel "
     "(apt purge 'linux-image-*cloud*')",
     "apt install firmware-misc-nonfree",
     "apt install --reinstall libva2 libva-drm2 intel-media-va-driver-non-free"},
    {"ubuntu",
     "apt install intel-media-va-driver-non-free (Ubuntu: enable multiverse first: "
     "add-apt-repository multiverse)",
     "apt install linux-generic, reboot into it and remove the kvm/cloud kernel "
     "(apt purge 'linux-image-*-kvm')",
     "apt install linux-firmware",
     "apt install --reinstall libva2 libva-drm2 intel-media-va-driver-non-free"},
    {"fedora",
     "dnf install intel-media-driver (from RPM Fusion nonfree; Fedora's own "
     "libva-intel-media-driver is the free build)",
     "dnf install kernel kernel-modules and reboot", "dnf install intel-gpu-firmware",
     "dnf reinstall libva intel-media-driver"},
    {"arch", "pacman -S intel-media-driver", "pacman -S linux and reboot",
     "pacman -S linux-firmware", "pacman -S libva intel-media-driver"},
    {"alpine", "apk add intel-media-driver", "apk add linux-lts and reboot",
     "apk add linux-firmware-i915", "apk fix libva intel-media-driver"},
    {"talos",
     "Talos has no VA-API drivers on the host: they come with the container image (Jellyfin's "
     "and Plex's images ship iHD); run the probe in that image",
     "add the siderolabs/i915 system extension to the node's image (Image Factory schematic "
     "with siderolabs/i915; siderolabs/xe for xe) and upgrade the node",
     "the siderolabs/i915 system extension (it carries /lib/firmware/i915)",
     "use one image for libva and the driver"},
};

/* Unknown distribution: the guide's own (Ubuntu), with the others named. */
static const struct distro fallback = {
    "",
    "apt install intel-media-va-driver-non-free (Debian: non-free component; Ubuntu: "
    "multiverse; Fedora: intel-media-driver from RPM Fusion; Arch and Alpine: "
    "intel-media-driver)",
    "install a kernel with GPU drivers (Ubuntu: linux-generic, Debian: linux-image-amd64; Talos: "
    "the siderolabs/i915 extension), reboot into it and remove the kvm/cloud kernel",
    "install the GPU firmware (linux-firmware; Debian: firmware-misc-nonfree)",
    "reinstall libva and the media driver from one source"};

static bool word_in(const char *list, const char *word)
{
        size_t wl = strlen(word);
        for (const char *p = list; p && (p = strstr(p, word)); p += wl)
                if ((p == list || p[-1] == ' ') && (p[wl] == '\0' || p[wl] == ' '))
                        return true;
        return false;
}

static const struct distro *find(const struct vp_machine *m)
{
        for (size_t i = 0; i < sizeof(distros) / sizeof(distros[0]); i++)
                if (strcmp(m->os_id, distros[i].id) == 0)
                        return &distros[i];
        /* Derivatives (Linux Mint, Pop!_OS, Rocky, ...) by ID_LIKE, whose words go from the
         * nearest relative to the farthest (os-release(5)). */
        for (const char *w = m->os_id_like; *w;) {
                size_t l = strcspn(w, " ");
                for (size_t i = 0; i < sizeof(distros) / sizeof(distros[0]); i++)
                        if (l && strlen(distros[i].id) == l && strncmp(w, distros[i].id, l) == 0)
                                return &distros[i];
                w += l + (w[l] == ' ');
        }
        if (word_in(m->os_id_like, "rhel") || strcmp(m->os_id, "rhel") == 0)
                return &distros[2];
        return &fallback;
}

void vpi_distro_vars(const struct vp_machine *m, struct vpi_vars *v)
{
        const struct distro *d = find(m);
        bool image = m->in_container == VP_YES && strcmp(d->id, "talos") != 0;
        const char *in = image ? "in the container image: " : "";

        vpi_var(v, "distro", "%s", m->os_name[0] ? m->os_name : m->os_id);
        vpi_var(v, "install_ihd", "%s%s", in, d->ihd);
        /* The kernel and firmware are the node's, never the image's. */
        vpi_var(v, "install_kernel", "%s%s", image ? "on the node: " : "", d->kernel);
        vpi_var(v, "install_firmware", "%s%s", image ? "on the node: " : "", d->firmware);
        vpi_var(v, "reinstall_va", "%s%s", in, d->reinstall);
}
