/* SPDX-License-Identifier: MIT */
/* nodeprobe host: the Proxmox VE side of the guide, checked step by step. */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "na.h"
#include "nodeprobe_version.h"

#define HOST_SCHEMA "nodeprobe.io/host-report/v1"

int na_cmd_host(const struct na_config *cfg, FILE *out)
{
        struct vp_pve *h = NULL;
        struct vp_eval *e = NULL;
        const char *status;
        int rc = NA_EXIT_INTERNAL;

        if (vp_pve_probe(cfg->sysroot, cfg->dmesg_file, &h) < 0 || vp_pve_evaluate(h, &e) < 0) {
                na_logf("out of memory");
                goto out;
        }
        status = e->node_status == VP_NODE_NO_GPU ? "not-intel-gpu-host"
                                                  : vp_node_status_str(e->node_status);
        if (cfg->format == NA_FORMAT_TEXT) {
                fprintf(out, "nodeprobe %s: Proxmox host check%s%s\nstatus: ", NODEPROBE_VERSION,
                        cfg->sysroot ? " of " : "", cfg->sysroot ? cfg->sysroot : "");
                if (e->node_status == VP_NODE_NO_GPU)
                        fprintf(out, "%s", status);
                else
                        na_print_status_line(out, e);
                fprintf(out, "\n");
                na_print_checks(out, e);
        } else {
                json_t *doc =
                    json_pack("{s:s, s:s, s:s, s:o}", "schema", HOST_SCHEMA, "nodeprobe_version",
                              NODEPROBE_VERSION, "status", status, "checks", na_checks_json(e));
                int w = !doc ? -1
                        : cfg->format == NA_FORMAT_JSON
                            ? json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER)
                            : na_write_yaml(out, doc);
                if (cfg->format == NA_FORMAT_JSON)
                        fputc('\n', out);
                json_decref(doc);
                if (w < 0) {
                        na_logf("cannot write the host report");
                        goto out;
                }
        }
        if (fflush(out) != 0) {
                na_logf("cannot write the host report");
                goto out;
        }
        /* Like check: the verdict is the exit code. */
        rc = e->node_status == VP_NODE_NO_GPU     ? NA_EXIT_NO_GPU
             : e->node_status == VP_NODE_DEGRADED ? NA_EXIT_DEGRADED
                                                  : NA_EXIT_OK;
out:
        free(e);
        free(h);
        return rc;
}
