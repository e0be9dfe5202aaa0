/* SPDX-License-Identifier: MIT */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "labeler/labeler.h"

char *np_fuzz_text(const uint8_t *data, size_t size)
{
        char *t = malloc(size + 1);
        if (!t)
                abort();
        memcpy(t, data, size);
        t[size] = '\0';
        return t;
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        (void)st;
        (void)type;
        if (ftw->level > 0)
                remove(path);
        return 0;
}

static void mkdirs(char *path)
{
        for (char *p = path + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                mkdir(path, 0755);
                *p = '/';
        }
}

const char *np_fuzz_tree(const uint8_t *data, size_t size)
{
        static char root[64];
        size_t i = 0;

        if (!root[0]) {
                snprintf(root, sizeof(root), "/tmp/np-fuzz-tree-%d", (int)getpid());
                mkdir(root, 0755);
        }
        nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        for (int records = 0; i < size && records < 256; records++) {
                const uint8_t *nl = memchr(data + i, '\n', size - i), *end;
                char path[512];
                size_t plen;
                char type = (char)data[i];

                if (!nl)
                        break;
                plen = (size_t)(nl - data) - i - 1;
                end = memchr(nl + 1, '\0', size - (size_t)(nl + 1 - data));
                if (!end)
                        end = data + size;
                if (plen > 0 && plen < 300) {
                        char rel[301];
                        memcpy(rel, data + i + 1, plen);
                        rel[plen] = '\0';
                        if (rel[0] != '/' && !strstr(rel, "..") && !memchr(rel, '\0', plen)) {
                                snprintf(path, sizeof(path), "%s/%s", root, rel);
                                mkdirs(path);
                                if (type == 'd') {
                                        mkdir(path, 0755);
                                } else if (type == 'l') {
                                        /* Relative targets only: the readers may follow a
                                         * link, and must stay inside the tree. */
                                        char target[512];
                                        size_t tl = (size_t)(end - nl - 1);
                                        if (tl && tl < sizeof(target) && nl[1] != '/') {
                                                memcpy(target, nl + 1, tl);
                                                target[tl] = '\0';
                                                (void)!symlink(target, path);
                                        }
                                } else if (type == 'f') {
                                        FILE *f = fopen(path, "w");
                                        if (f) {
                                                fwrite(nl + 1, 1, (size_t)(end - nl - 1), f);
                                                fclose(f);
                                        }
                                }
                        }
                }
                i = (size_t)(end - data) + 1;
        }
        return root;
}

void np_fuzz_outputs(const struct vp_facts *f)
{
        static FILE *null;
        struct vp_eval *e = NULL;
        struct lbl_set *labels = calloc(1, sizeof(*labels));
        static const enum na_format formats[] = {NA_FORMAT_TEXT, NA_FORMAT_JSON, NA_FORMAT_YAML};

        if (!null)
                null = fopen("/dev/null", "w");
        if (!labels || !null)
                abort();
        if (vp_evaluate(f, &e) < 0)
                abort(); /* only out of memory may fail */
        if (lbl_compute(f, e, NULL, labels) < 0)
                abort();
        for (uint32_t i = 0; i < labels->n; i++)
                if (lbl_validate_key(labels->labels[i].key) < 0 ||
                    lbl_validate_value(labels->labels[i].value) < 0)
                        abort(); /* a label the API server would refuse */
        for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
                struct na_config cfg = {.format = formats[i], .verbose = true};
                /* Every output of valid facts must be written whole (valid UTF-8 included). */
                if (na_report(&cfg, f, e, labels, null) < 0)
                        abort();
        }
        char *json = NULL;
        if (vp_facts_to_json(f, 0, &json) < 0)
                abort();
        free(json);
        free(labels);
        free(e);
}
