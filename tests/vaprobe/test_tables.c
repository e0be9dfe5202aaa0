/* SPDX-License-Identifier: MIT */
/*
 * The generated C tables agree with the CSVs they come from (vaprobe/data), and the CSVs with
 * the shared reference copies when those are present beside the repository.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "eval.h"
#include "internal.h" /* vpi_*outcome_from_str */
#include "tables.h"
#include "testbed.h"
#include "vaprobe/common/strings.h"

#define MAX_FIELDS 16

/* Split one CSV line (RFC 4180 quoting) in place. Returns the field count. */
static int split_csv(char *line, char **fields)
{
        int n = 0;
        char *r = line, *w = line;

        while (n < MAX_FIELDS) {
                bool quoted = *r == '"';
                fields[n++] = w;
                if (quoted)
                        r++;
                for (;;) {
                        if (quoted && r[0] == '"' && r[1] == '"') {
                                *w++ = '"';
                                r += 2;
                        } else if (quoted && r[0] == '"') {
                                quoted = false;
                                r++;
                        } else if (!quoted && (*r == ',' || *r == '\n' || *r == '\r' || !*r)) {
                                break;
                        } else {
                                *w++ = *r++;
                        }
                }
                if (*r != ',') {
                        *w = '\0';
                        return n;
                }
                *w++ = '\0';
                r++;
        }
        return n;
}

static FILE *open_data(const char *name)
{
        char path[4096];
        snprintf(path, sizeof(path), "%s/vaprobe/verdict/data/%s", NP_SOURCE_DIR, name);
        FILE *f = fopen(path, "r");
        cr_assert(f, "cannot open %s", path);
        return f;
}

Test(tables, pci_ids_match_csv)
{
        FILE *f = open_data("intel-pci-ids.csv");
        char line[2048], *fl[MAX_FIELDS];
        size_t rows = 0;

        cr_assert(fgets(line, sizeof(line), f)); /* header */
        while (fgets(line, sizeof(line), f)) {
                struct vp_platform p;
                int n = split_csv(line, fl);
                cr_assert_eq(n, 14, "row %zu has %d fields", rows, n);
                unsigned id = (unsigned)strtoul(fl[0], NULL, 16);
                cr_assert_eq(vp_platform_lookup((uint16_t)id, &p), 0, "0x%04x missing", id);
                cr_expect_str_eq(p.platform, fl[1], "0x%04x platform", id);
                cr_expect_str_eq(p.gen, fl[2], "0x%04x gen", id);
                cr_expect_str_eq(p.gt, fl[3], "0x%04x gt", id);
                cr_expect_str_eq(p.name, fl[4], "0x%04x name", id);
                cr_expect_eq(p.in_kernel, strcmp(fl[10], "yes") == 0, "0x%04x in kernel", id);
                cr_expect_eq(p.in_ihd, strcmp(fl[12], "yes") == 0, "0x%04x in iHD", id);
                cr_expect_eq(p.in_i965, strcmp(fl[13], "yes") == 0, "0x%04x in i965", id);
                rows++;
        }
        fclose(f);
        cr_expect_eq(rows, 348);
        cr_expect_eq(rows, vpi_n_pci_ids, "CSV %zu rows, table %zu", rows, vpi_n_pci_ids);
}

static int index_of(const char *const *names, size_t n, const char *s)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(names[i], s) == 0)
                        return (int)i;
        return -1;
}

/* One matrix row against its cell: f is the reference's 13 columns (platform, codec,
 * bitdepth, direction, entrypoint, driver, build, supported, va_profile, rt_format,
 * confidence, notes, source), chroma the 4:2:x column ("420" for the reference). */
static void expect_cell(const struct vpi_cell *c, char **f, const char *chroma, const char *what)
{
        static const char *const codecs[] = {"H264",  "HEVC", "VP8",  "VP9", "AV1",
                                             "MPEG2", "VC1",  "JPEG", "VVC"};
        static const char *const chromas[] = {"420", "422", "444"};
        static const char *const eps[] = {"VLD", "EncSlice", "EncSliceLP", "EncPicture"};
        static const char *const builds[] = {"free", "nonfree", "any"};
        static const char *const sup[] = {"no", "yes", "hybrid"};
        static const char *const conf[] = {"high", "medium", "low"};

        cr_expect_str_eq(vpi_platforms[c->platform].name, f[0], "%s", what);
        cr_expect_eq(c->codec, index_of(codecs, 9, f[1]), "%s codec", what);
        cr_expect_eq(c->chroma, index_of(chromas, 3, chroma), "%s chroma", what);
        cr_expect_eq(c->bitdepth, atoi(f[2]), "%s depth", what);
        cr_expect_eq(c->dir, strcmp(f[3], "encode") == 0, "%s dir", what);
        cr_expect_eq(c->ep, index_of(eps, 4, f[4]), "%s ep", what);
        cr_expect_eq(c->driver, strcmp(f[5], "i965") == 0, "%s driver", what);
        cr_expect_eq(c->build, index_of(builds, 3, f[6]), "%s build", what);
        cr_expect_eq(c->supported, index_of(sup, 3, f[7]), "%s supported", what);
        cr_expect_eq(c->confidence, index_of(conf, 3, f[10]), "%s confidence", what);
        cr_expect_str_eq(vpi_notes[c->note], f[11], "%s notes", what);
        cr_expect_eq(c->note_huc, strstr(f[11], "HuC") != NULL, "%s HuC", what);
        cr_expect_neq(f[12][0], '\0', "%s: every row names its source", what);
}

Test(tables, codec_matrix_matches_csv)
{
        FILE *f = open_data("intel-codec-matrix.csv");
        char line[4096], *fl[MAX_FIELDS];
        size_t row = 0, seen[64] = {0}, covered = 0;

        /* The table is the CSV grouped by platform (stable), with an index per platform:
         * the CSV's k-th row of platform P is row first(P) + k. */
        cr_assert_leq(vpi_n_platforms, 64);
        for (size_t p = 0; p < vpi_n_platforms; p++) {
                const struct vpi_span *sp = &vpi_matrix_by_platform[p];
                cr_expect_eq(sp->first, covered, "platform %zu starts where the last ended", p);
                for (uint32_t i = sp->first; i < sp->first + sp->count; i++)
                        cr_expect_eq(vpi_matrix[i].platform, p, "row %u is platform %zu", i, p);
                covered += sp->count;
        }
        cr_expect_eq(covered, vpi_n_matrix, "the index covers every row");
        /* data/matrix-corrections.csv, applied as gen_tables.py does: "replace" rows override
         * supported, confidence and notes of the row with the same key; "add" rows follow. */
        static char corr[64][4096];
        char *cf[64][MAX_FIELDS];
        size_t n_corr = 0, replaced = 0;
        FILE *cfile = open_data("matrix-corrections.csv");
        cr_assert(fgets(line, sizeof(line), cfile));
        while (n_corr < 64 && fgets(corr[n_corr], sizeof(corr[0]), cfile)) {
                cr_assert_eq(split_csv(corr[n_corr], cf[n_corr]), 14, "correction %zu", n_corr);
                n_corr++;
        }
        cr_assert(feof(cfile), "more than 64 corrections");
        fclose(cfile);
        size_t next_add = 0;
        cr_assert(fgets(line, sizeof(line), f));
        for (;;) {
                int n;
                if (fgets(line, sizeof(line), f)) {
                        n = split_csv(line, fl);
                        for (size_t k = 0; k < n_corr; k++) {
                                bool same = strcmp(cf[k][0], "replace") == 0;
                                for (int j = 0; same && j < 7; j++)
                                        same = strcmp(cf[k][j + 1], fl[j]) == 0;
                                if (!same)
                                        continue;
                                fl[7] = cf[k][8];
                                fl[10] = cf[k][11];
                                fl[11] = cf[k][12];
                                replaced++;
                        }
                } else {
                        while (next_add < n_corr && strcmp(cf[next_add][0], "add") != 0)
                                next_add++;
                        if (next_add == n_corr)
                                break;
                        for (int j = 0; j < 13; j++)
                                fl[j] = cf[next_add][j + 1];
                        next_add++;
                        n = 13;
                }
                cr_assert_eq(n, 13, "row %zu has %d fields", row, n);
                cr_assert_lt(row, vpi_n_matrix);
                int pi = vpi_platform_index(fl[0]);
                cr_assert_geq(pi, 0, "row %zu: platform %s", row, fl[0]);
                size_t at = vpi_matrix_by_platform[pi].first + seen[pi]++;
                char what[64];
                snprintf(what, sizeof(what), "row %zu", row);
                expect_cell(&vpi_matrix[at], fl, "420", what);
                row++;
        }
        fclose(f);
        cr_expect_eq(row, 3306 + 38, "the reference's rows and the corrections' additions");
        cr_expect_eq(replaced, n_corr - 38, "every replace matched one row");

        /* data/intel-codec-matrix-chroma.csv: one row per platform named ("A|B"), after the
         * others, in the file's order. */
        size_t expanded = 0, chroma_rows = 0;
        FILE *xf = open_data("intel-codec-matrix-chroma.csv");
        cr_assert(fgets(line, sizeof(line), xf));
        while (fgets(line, sizeof(line), xf)) {
                int n = split_csv(line, fl);
                cr_assert_eq(n, 14, "chroma row %zu has %d fields", chroma_rows, n);
                chroma_rows++;
                for (char *save = NULL, *p = strtok_r(fl[0], "|", &save); p;
                     p = strtok_r(NULL, "|", &save)) {
                        int pi = vpi_platform_index(p);
                        cr_assert_geq(pi, 0, "chroma row %zu: platform %s", chroma_rows, p);
                        /* The reference's columns: this platform, and no chroma column. */
                        char *ref[13] = {p, fl[1]};
                        memcpy(ref + 2, fl + 3, 11 * sizeof(char *));
                        expect_cell(&vpi_matrix[vpi_matrix_by_platform[pi].first + seen[pi]++], ref,
                                    fl[2], p);
                        expanded++;
                }
        }
        fclose(xf);
        cr_expect_eq(chroma_rows, 84);
        cr_expect_eq(row + expanded, vpi_n_matrix);
        for (size_t p = 0; p < vpi_n_platforms; p++)
                cr_expect_eq(seen[p], vpi_matrix_by_platform[p].count, "platform %s's rows",
                             vpi_platforms[p].name);
}

/* The repository's copies are the reference's, byte for byte (when ../shared is there). */
Test(tables, data_matches_shared_reference)
{
        static const char *const files[] = {"intel-pci-ids.csv", "intel-codec-matrix.csv"};
        for (size_t i = 0; i < 2; i++) {
                char a[4096], b[4096];
                snprintf(a, sizeof(a), "%s/vaprobe/verdict/data/%s", NP_SOURCE_DIR, files[i]);
                snprintf(b, sizeof(b), "%s/reference/%s", NP_SHARED_DIR, files[i]);
                char *ta = np_slurp(a), *tb = np_slurp(b);
                if (!tb) {
                        free(ta);
                        cr_skip_test("no shared reference beside the repository");
                }
                cr_expect(ta && strcmp(ta, tb) == 0,
                          "%s differs from the shared reference: "
                          "copy it and rebuild (CMake regenerates the tables)",
                          files[i]);
                free(ta);
                free(tb);
        }
}

/* How each platform can be split is a row of split.c, never inferred from the generation:
 * the cases an audit against upstream found wrong, and every known platform has a row. */
Test(tables, split_method_per_platform)
{
        static const struct {
                const char *platform, *pf_driver;
                enum vpi_split split;
                enum vpi_sriov via;
        } t[] = {
            {"DG2", "i915", VPI_SPLIT_NONE, VPI_SRIOV_NO},
            {"PONTEVECCHIO", "xe", VPI_SPLIT_NONE, VPI_SRIOV_NO},
            {"LUNARLAKE", "xe", VPI_SPLIT_NONE, VPI_SRIOV_NO},
            {"ATS_M", "i915", VPI_SPLIT_SRIOV, VPI_SRIOV_DKMS},
            {"METEORLAKE", "xe", VPI_SPLIT_SRIOV, VPI_SRIOV_DKMS},
            {"ARROWLAKE", "i915", VPI_SPLIT_SRIOV, VPI_SRIOV_DKMS},
            {"TIGERLAKE", "i915", VPI_SPLIT_SRIOV, VPI_SRIOV_DKMS},
            {"ALDERLAKE_S", "xe", VPI_SPLIT_SRIOV, VPI_SRIOV_XE},
            {"RAPTORLAKE_P", NULL, VPI_SPLIT_SRIOV, VPI_SRIOV_DKMS},
            {"BATTLEMAGE", "xe", VPI_SPLIT_SRIOV, VPI_SRIOV_XE},
            {"PANTHERLAKE", "xe", VPI_SPLIT_SRIOV, VPI_SRIOV_XE},
            {"COFFEELAKE", "i915", VPI_SPLIT_GVTG, VPI_SRIOV_NO},
            {"ICELAKE", "i915", VPI_SPLIT_NONE, VPI_SRIOV_NO},
            {"NOVALAKE_S", "xe", VPI_SPLIT_UNKNOWN, VPI_SRIOV_NO},
            {"", "xe", VPI_SPLIT_UNKNOWN, VPI_SRIOV_NO},
            {NULL, NULL, VPI_SPLIT_UNKNOWN, VPI_SRIOV_NO},
        };
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                cr_expect_eq(vpi_split_method(t[i].platform), t[i].split, "%s",
                             t[i].platform ? t[i].platform : "(null)");
                cr_expect_eq(vpi_sriov_driver(t[i].platform, t[i].pf_driver), t[i].via, "%s %s",
                             t[i].platform ? t[i].platform : "(null)",
                             t[i].pf_driver ? t[i].pf_driver : "(null)");
        }
        cr_expect_str_eq(vpi_split_row("BATTLEMAGE")->xe_since, "6.17");
        /* Every platform of the PCI id table up to Panther Lake has a row. */
        for (size_t i = 0; i < vpi_n_platforms; i++) {
                const char *p = vpi_platforms[i].name;
                double gen = strtod(vpi_platforms[i].gen, NULL);
                if (gen > 0 && gen <= 30)
                        cr_expect(vpi_split_row(p), "%s (gen %s) has no split row", p,
                                  vpi_platforms[i].gen);
        }
}

/* Panther Lake needs xe.force_probe only before Linux 6.17; other platforms keep the table's
 * word, and an unknown release keeps the cause. */
Test(tables, force_probe_follows_the_kernel_release)
{
        static const struct {
                const char *platform, *release;
                bool needs;
        } t[] = {
            {"PANTHERLAKE", "6.16.9-arch1-1", true},
            {"PANTHERLAKE", "6.17.0-5-generic", false},
            {"PANTHERLAKE", "7.0.1", false},
            {"PANTHERLAKE", "5.19", true},
            {"PANTHERLAKE", "", true},
            {"PANTHERLAKE", "garbage", true},
            {"PANTHERLAKE", NULL, true},
            {"TIGERLAKE", "6.17.1", true},
            {NULL, "6.17", true},
        };
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
                cr_expect_eq(vpi_needs_force_probe(t[i].platform, t[i].release), t[i].needs,
                             "%zu: %s %s", i, t[i].platform ? t[i].platform : "(null)",
                             t[i].release ? t[i].release : "(null)");
}

/* The corrections' changes land in the compiled table: Gemini Lake VP9 10-bit decode and
 * Kaby/Coffee/Comet Lake HEVC 10-bit shader encode under iHD are low-confidence expectations
 * (README and docs/media_features.md do not claim them); Cherry View has rows. */
Test(tables, corrections_reach_the_table)
{
        static const struct {
                const char *platform;
                uint8_t codec, depth, dir, ep;
        } low[] = {
            {"GEMINILAKE", VPI_CODEC_VP9, 10, VPI_DIR_DECODE, VPI_EP_VLD},
            {"KABYLAKE", VPI_CODEC_HEVC, 10, VPI_DIR_ENCODE, VPI_EP_ENCSLICE},
            {"COFFEELAKE", VPI_CODEC_HEVC, 10, VPI_DIR_ENCODE, VPI_EP_ENCSLICE},
            {"COMETLAKE", VPI_CODEC_HEVC, 10, VPI_DIR_ENCODE, VPI_EP_ENCSLICE},
        };
        for (size_t i = 0; i < sizeof(low) / sizeof(low[0]); i++) {
                int pi = vpi_platform_index(low[i].platform);
                const struct vpi_span *sp = &vpi_matrix_by_platform[pi];
                unsigned hits = 0;
                for (uint32_t r = sp->first; r < sp->first + sp->count; r++) {
                        const struct vpi_cell *c = &vpi_matrix[r];
                        if (c->codec != low[i].codec || c->bitdepth != low[i].depth ||
                            c->dir != low[i].dir || c->ep != low[i].ep ||
                            c->driver != VPI_DRV_IHD || c->supported != VPI_SUP_YES)
                                continue;
                        cr_expect_eq(c->confidence, VPI_CONF_LOW, "%s row %u", low[i].platform, r);
                        hits++;
                }
                cr_expect_gt(hits, 0, "%s", low[i].platform);
        }
        cr_expect_gt(vpi_matrix_by_platform[vpi_platform_index("CHERRYVIEW")].count, 30);
}

/* Enum <-> string through VPI_STR_TABLE: every value has its name, out of range is the
 * fallback, a name maps back to its value and anything else to -EINVAL. */
Test(tables, enum_names_round_trip)
{
        for (int v = 0; v < _VP_EX_OUTCOME_MAX; v++) {
                enum vp_ex_outcome o = VP_EX_NOT_RUN;
                cr_expect_eq(vpi_ex_outcome_from_str(vp_ex_outcome_str((enum vp_ex_outcome)v), &o),
                             0);
                cr_expect_eq((int)o, v);
        }
        for (int v = 0; v < _VP_VA_OUTCOME_MAX; v++) {
                enum vp_va_outcome o = VP_VA_NOT_RUN;
                cr_expect_eq(vpi_outcome_from_str(vp_va_outcome_str((enum vp_va_outcome)v), &o), 0);
                cr_expect_eq((int)o, v);
        }
        enum vp_ex_outcome untouched = VP_EX_HUNG;
        cr_expect_eq(vpi_ex_outcome_from_str("bogus", &untouched), -EINVAL);
        cr_expect_eq(vpi_ex_outcome_from_str(NULL, &untouched), -EINVAL);
        cr_expect_eq(untouched, VP_EX_HUNG);
        cr_expect_str_eq(vp_status_str(_VP_STATUS_MAX), "unknown");
        cr_expect_str_eq(vp_status_str((enum vp_status) - 1), "unknown");
        cr_expect_str_eq(vp_virt_str(VP_VIRT_SRIOV_VF), "sriov-vf");
        cr_expect_str_eq(vp_node_status_str(VP_NODE_VA_FAILED), "va-failed");
        cr_expect_str_eq(vp_node_status_str(_VP_NODE_STATUS_MAX), "unknown");
        cr_expect_str_eq(vp_ex_outcome_str(_VP_EX_OUTCOME_MAX), "not-run");
        static const char *const t[] = {"a", NULL, "c"};
        cr_expect_eq(vpi_str_find(t, 3, "c"), 2);
        cr_expect_eq(vpi_str_find(t, 3, "b"), -EINVAL);
        cr_expect_str_eq(vpi_str_of(t, 3, 1, "fb"), "fb");
}
