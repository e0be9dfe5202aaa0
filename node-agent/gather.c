/* SPDX-License-Identifier: MIT */
/* Where the facts come from: this machine, a saved snapshot, or pasted vainfo text. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "na.h"

#define INPUT_CAP (8 * 1024 * 1024)

/* Read a whole file ("-" = stdin) up to INPUT_CAP. Caller frees *ret. 0 or -errno. */
/* A named input must be a regular file: a FIFO would wait for a writer, a directory reads
 * as an I/O error. "-" is standard input, pipe or not. */
static FILE *open_input(const char *path, int *ret_err)
{
        struct stat st;
        FILE *f;
        int fd;

        if (strcmp(path, "-") == 0)
                return stdin;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                *ret_err = -errno;
                return NULL;
        }
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                *ret_err = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
                close(fd);
                return NULL;
        }
        f = fdopen(fd, "r");
        if (!f) {
                *ret_err = -errno;
                close(fd);
        }
        return f;
}

const char *na_input_strerror(int r)
{
        return r == -EINVAL  ? "not a regular file"
               : r == -EFBIG ? "larger than 8 MiB"
                             : strerror(-r);
}

int na_read_input(const char *path, char **ret, size_t *ret_len)
{
        int r = 0;
        FILE *f = open_input(path, &r);
        char *buf = NULL;
        size_t used = 0;

        if (!f)
                return r;
        buf = malloc(INPUT_CAP + 1);
        if (!buf) {
                r = -ENOMEM;
                goto out;
        }
        used = fread(buf, 1, INPUT_CAP + 1, f);
        if (ferror(f)) {
                r = -EIO;
                goto out;
        }
        if (used > INPUT_CAP) {
                r = -EFBIG;
                goto out;
        }
        buf[used] = '\0';
        *ret = buf;
        *ret_len = used;
        buf = NULL;
out:
        free(buf);
        if (f != stdin)
                fclose(f);
        return r;
}

static int gather_facts_file(const char *path, struct vp_facts **ret)
{
        char *text = NULL, err[160];
        size_t len = 0;
        int r = na_read_input(path, &text, &len);

        if (r < 0) {
                na_logf("cannot read %s: %s", path, na_input_strerror(r));
                return NA_EXIT_INPUT;
        }
        r = vp_facts_from_json(text, len, ret, err, sizeof(err));
        free(text);
        if (r == -ENOMEM)
                return NA_EXIT_INTERNAL;
        if (r < 0) {
                na_logf("%s: %s", path, err);
                return NA_EXIT_INPUT;
        }
        return 0;
}

int na_gather(const struct na_config *cfg, struct vp_facts **ret)
{
        struct na_isolate iso = {.timeout_ms = cfg->va_timeout_ms};
        struct vp_va_runner runner = NA_VA_RUNNER(&iso);
        struct vp_options o = {
            .root = cfg->root,
            .device = cfg->device,
            .dmesg_file = cfg->dmesg_file,
            .skip_va = cfg->no_va,
            .va_all = cfg->va_all,
            .exercise = cfg->exercise,
            .va_runner = cfg->in_process ? NULL : &runner,
        };
        int r;

        if (cfg->facts_file)
                return gather_facts_file(cfg->facts_file, ret);
        if (cfg->vainfo_file)
                return na_gather_vainfo(cfg, ret);
        na_va_isolated_prefork(&iso, &o);
        r = vp_probe(&o, ret);
        na_va_isolated_release(&iso);
        if (r == -ENOENT) {
                na_logf("%s is not a DRM device this machine lists", cfg->device);
                return NA_EXIT_INPUT;
        }
        if (r < 0) {
                na_logf("probe failed: %s", strerror(-r));
                return NA_EXIT_INTERNAL;
        }
        return 0;
}

int na_gather_vainfo(const struct na_config *cfg, struct vp_facts **ret)
{
        char *text = NULL;
        size_t len = 0;
        uint64_t id = 0;
        int r;

        if (cfg->device_id) {
                const char *s = cfg->device_id;
                char *end = NULL;
                if (strncmp(s, "0x", 2) == 0 || strncmp(s, "0X", 2) == 0)
                        s += 2;
                errno = 0;
                id = strtoull(s, &end, 16);
                if (errno || !*s || *end || id > 0xffff) {
                        na_logf("--device-id takes a 4-digit hex PCI id such as 3e92, not '%s'",
                                cfg->device_id);
                        return NA_EXIT_USAGE;
                }
        }
        r = na_read_input(cfg->vainfo_file, &text, &len);
        if (r < 0) {
                na_logf("cannot read %s: %s", cfg->vainfo_file, na_input_strerror(r));
                return NA_EXIT_INPUT;
        }
        r = vp_vainfo_parse(text, (uint16_t)id, cfg->driver, ret);
        if (r == -EINVAL && text[strspn(text, " \t\r\n")] == '{') {
                na_logf("%s is JSON, not vainfo output (a snapshot goes with --facts)",
                        cfg->vainfo_file);
                free(text);
                return NA_EXIT_INPUT;
        }
        free(text);
        if (r == -ENOMEM)
                return NA_EXIT_INTERNAL;
        if (r < 0) {
                na_logf("%s does not look like vainfo output (no libva or vainfo lines)",
                        cfg->vainfo_file);
                return NA_EXIT_INPUT;
        }
        return 0;
}
