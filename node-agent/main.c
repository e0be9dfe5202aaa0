/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "na.h"
#include "nodeprobe_version.h"

int main(int argc, char **argv)
{
        struct na_config cfg;
        struct vp_facts *facts = NULL;
        int r;

        if (na_parse_args(argc, argv, &cfg) < 0)
                return NA_EXIT_USAGE;
        if (cfg.show_help) {
                na_print_help(stdout);
                return NA_EXIT_OK;
        }
        if (cfg.show_version) {
                printf("nodeprobe %s\n", NODEPROBE_VERSION);
                return NA_EXIT_OK;
        }
        if (cfg.mode == NA_MODE_HOST)
                return na_cmd_host(&cfg, stdout);
        if (cfg.mode == NA_MODE_AGENT)
                return na_cmd_agent(&cfg);
        r = na_gather(&cfg, &facts);
        if (r != 0)
                return r;
        r = na_run_mode(&cfg, facts, stdout);
        free(facts);
        return r;
}
