/* SPDX-License-Identifier: MIT */
/*
 * Command line: one getopt_long table, a mode enum with from/to string, checked numbers, a
 * specific one-line error and exit 2 on bad usage. The help text is generated from the same
 * tables, so it cannot drift from what is parsed.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "na.h"

static const struct {
        const char *name;
        const char *help;
} modes[_NA_MODE_MAX] = {
    [NA_MODE_REPORT] = {"report", "what works, what does not, why, and the fix (default)"},
    [NA_MODE_SNAPSHOT] = {"snapshot", "print the raw facts as JSON (for --facts and bug reports)"},
    [NA_MODE_CHECK] = {"check", "verdict only, as the exit code (init containers)"},
    [NA_MODE_LABEL] = {"label", "apply the GPU labels to this node's Node object"},
    [NA_MODE_HOST] = {"host", "check the Proxmox VE host side of the guide"},
    [NA_MODE_AGENT] = {"agent", "keep this node's GPU labels true (DaemonSet mode)"},
};

enum {
        OPT_REPORT = 0x100,
        OPT_STRICT,
        OPT_DEVICE,
        OPT_ROOT,
        OPT_DMESG,
        OPT_FACTS,
        OPT_FROM_VAINFO,
        OPT_DEVICE_ID,
        OPT_KMD,
        OPT_NO_VA,
        OPT_EXERCISE,
        OPT_NO_EXERCISE,
        OPT_VA_ALL,
        OPT_VA_TIMEOUT,
        OPT_IN_PROCESS,
        OPT_REQUIRE,
        OPT_VERSION,
        OPT_DRY_RUN,
        OPT_CLEANUP,
        OPT_KUBECONFIG,
        OPT_NODE_NAME,
        OPT_LABEL_PREFIX,
        OPT_NO_INTEL_LABEL,
        OPT_INSECURE,
        OPT_TIER,
        OPT_RESCAN,
        OPT_RESYNC,
        OPT_SETTLE,
        OPT_FEATURES_FILE,
        OPT_NO_API,
        OPT_LOG_FORMAT,
        OPT_LISTEN,
        OPT_CONFIG,
        OPT_HEARTBEAT,
        OPT_SYSROOT,
        OPT_VERBOSE,
};

static const struct option long_opts[] = {
    {.name = "report", .has_arg = no_argument, .val = OPT_REPORT},
    {.name = "output", .has_arg = required_argument, .val = 'o'},
    {.name = "strict", .has_arg = no_argument, .val = OPT_STRICT},
    {.name = "require", .has_arg = required_argument, .val = OPT_REQUIRE},
    {.name = "device", .has_arg = required_argument, .val = OPT_DEVICE},
    {.name = "facts", .has_arg = required_argument, .val = OPT_FACTS},
    {.name = "from-vainfo", .has_arg = required_argument, .val = OPT_FROM_VAINFO},
    {.name = "device-id", .has_arg = required_argument, .val = OPT_DEVICE_ID},
    {.name = "kernel-driver", .has_arg = required_argument, .val = OPT_KMD},
    {.name = "root", .has_arg = required_argument, .val = OPT_ROOT},
    {.name = "dmesg", .has_arg = required_argument, .val = OPT_DMESG},
    {.name = "no-va", .has_arg = no_argument, .val = OPT_NO_VA},
    {.name = "exercise", .has_arg = no_argument, .val = OPT_EXERCISE},
    {.name = "no-exercise", .has_arg = no_argument, .val = OPT_NO_EXERCISE},
    {.name = "va-all", .has_arg = no_argument, .val = OPT_VA_ALL},
    {.name = "va-timeout", .has_arg = required_argument, .val = OPT_VA_TIMEOUT},
    {.name = "in-process", .has_arg = no_argument, .val = OPT_IN_PROCESS},
    {.name = "dry-run", .has_arg = no_argument, .val = OPT_DRY_RUN},
    {.name = "cleanup", .has_arg = no_argument, .val = OPT_CLEANUP},
    {.name = "kubeconfig", .has_arg = required_argument, .val = OPT_KUBECONFIG},
    {.name = "node-name", .has_arg = required_argument, .val = OPT_NODE_NAME},
    {.name = "label-prefix", .has_arg = required_argument, .val = OPT_LABEL_PREFIX},
    {.name = "no-intel-gpu-label", .has_arg = no_argument, .val = OPT_NO_INTEL_LABEL},
    {.name = "insecure-skip-tls-verify", .has_arg = no_argument, .val = OPT_INSECURE},
    {.name = "sysroot", .has_arg = required_argument, .val = OPT_SYSROOT},
    {.name = "tier", .has_arg = required_argument, .val = OPT_TIER},
    {.name = "rescan-interval", .has_arg = required_argument, .val = OPT_RESCAN},
    {.name = "resync-interval", .has_arg = required_argument, .val = OPT_RESYNC},
    {.name = "settle-delays", .has_arg = required_argument, .val = OPT_SETTLE},
    {.name = "features-file", .has_arg = required_argument, .val = OPT_FEATURES_FILE},
    {.name = "no-api", .has_arg = no_argument, .val = OPT_NO_API},
    {.name = "log-format", .has_arg = required_argument, .val = OPT_LOG_FORMAT},
    {.name = "listen", .has_arg = required_argument, .val = OPT_LISTEN},
    {.name = "config", .has_arg = required_argument, .val = OPT_CONFIG},
    {.name = "heartbeat-interval", .has_arg = required_argument, .val = OPT_HEARTBEAT},
    {.name = "verbose", .has_arg = no_argument, .val = 'v'},
    {.name = "help", .has_arg = no_argument, .val = 'h'},
    {.name = "version", .has_arg = no_argument, .val = OPT_VERSION},
    {0},
};

/* Help lines, keyed by the option's val so every option has exactly one. */
static const struct {
        int val;
        const char *arg;
        const char *help;
} opt_help[] = {
    {OPT_REPORT, NULL, "same as the report command"},
    {'o', "FORMAT", "text (default), json or yaml"},
    {OPT_STRICT, NULL, "report: exit with the verdict, as check does"},
    {OPT_REQUIRE, "CAP", "check: fail unless CAP works, e.g. decode.hevc-10bit (repeatable)"},
    {OPT_DEVICE, "PATH", "only this render node, e.g. /dev/dri/renderD129"},
    {OPT_FACTS, "FILE", "evaluate a saved snapshot instead of this machine"},
    {OPT_FROM_VAINFO, "FILE", "evaluate pasted vainfo output (- for stdin)"},
    {OPT_DEVICE_ID, "HEX", "with --from-vainfo: the PCI device id, e.g. 3e92"},
    {OPT_KMD, "NAME", "with --from-vainfo: the kernel driver, i915 or xe"},
    {OPT_ROOT, "DIR", "read /proc, /sys, /lib/modules under DIR ($NODEPROBE_ROOT)"},
    {OPT_DMESG, "FILE", "read the kernel log from FILE ($NODEPROBE_DMESG)"},
    {OPT_NO_VA, NULL, "do not load libva"},
    {OPT_EXERCISE, NULL, "report, check: run a real job per engine (vpp, encode, decode back)"},
    {OPT_NO_EXERCISE, NULL,
     "agent: no real jobs (by default the verify tier runs them at start "
     "and after a change)"},
    {OPT_VA_ALL, NULL, "also run libva on non-Intel render nodes"},
    {OPT_VA_TIMEOUT, "SECONDS", "limit for the libva child process (default 10)"},
    {OPT_IN_PROCESS, NULL, "run libva in this process (debugging)"},
    {OPT_DRY_RUN, NULL, "label: validate on the API server, change nothing"},
    {OPT_CLEANUP, NULL, "label: remove every label nodeprobe applied"},
    {OPT_KUBECONFIG, "FILE", "label: kubeconfig (default $KUBECONFIG, ~/.kube/config)"},
    {OPT_NODE_NAME, "NAME", "label: the Node (default $NODE_NAME, then the hostname)"},
    {OPT_INSECURE, NULL, "label: accept the kubeconfig's insecure-skip-tls-verify"},
    {OPT_LABEL_PREFIX, "PREFIX", "label: label prefix (default nodeprobe.io)"},
    {OPT_NO_INTEL_LABEL, NULL, "label: never write intel.feature.node.kubernetes.io/gpu"},
    {OPT_SYSROOT, "DIR", "host: read /proc, /sys and /etc under DIR"},
    {OPT_TIER, "TIER", "agent: discover (sysfs only, no /dev) or verify (libva; default)"},
    {OPT_RESCAN, "SECONDS", "agent: fingerprint interval (default 10)"},
    {OPT_RESYNC, "SECONDS", "agent: full probe interval, +-10% (default 3600)"},
    {OPT_SETTLE, "MS,...", "agent: re-probe delays after a change (default 250,1000,3000,10000)"},
    {OPT_FEATURES_FILE, "PATH", "agent: also write NFD's local-source features file"},
    {OPT_NO_API, NULL, "agent: features file only, no Kubernetes API"},
    {OPT_LOG_FORMAT, "FORMAT", "agent: text (default) or json log lines"},
    {OPT_LISTEN, "ADDR:PORT", "agent: serve /healthz and /metrics (off by default)"},
    {OPT_CONFIG, "FILE", "agent: options as YAML (flags win; SIGHUP reloads it)"},
    {OPT_HEARTBEAT, "SECONDS", "agent: also re-send the condition this often (default: never)"},
    {'v', NULL, "report: also print every raw fact"},
    {'h', NULL, "this help"},
    {OPT_VERSION, NULL, "print the version"},
};

enum na_mode na_mode_from_string(const char *s)
{
        for (int i = 0; i < _NA_MODE_MAX; i++)
                if (s && strcmp(s, modes[i].name) == 0)
                        return (enum na_mode)i;
        return _NA_MODE_INVALID;
}

const char *na_mode_to_string(enum na_mode m)
{
        if ((int)m < 0 || m >= _NA_MODE_MAX)
                return NULL;
        return modes[m].name;
}

void na_print_help(FILE *out)
{
        fprintf(out, "Usage: nodeprobe [COMMAND] [OPTIONS]\n"
                     "Prove what an Intel GPU in this machine (or VM) can transcode, and say\n"
                     "exactly what to fix when it cannot.\n\nCommands:\n");
        for (int i = 0; i < _NA_MODE_MAX; i++)
                fprintf(out, "  %-10s %s\n", modes[i].name, modes[i].help);
        fprintf(out, "\nOptions:\n");
        for (const struct option *o = long_opts; o->name; o++) {
                char left[48];
                const char *arg = NULL, *help = "";

                for (size_t i = 0; i < sizeof(opt_help) / sizeof(opt_help[0]); i++) {
                        if (opt_help[i].val == o->val) {
                                arg = opt_help[i].arg;
                                help = opt_help[i].help;
                        }
                }
                if (o->val < 0x100)
                        snprintf(left, sizeof(left), "-%c, --%s%s%s", o->val, o->name,
                                 arg ? " " : "", arg ? arg : "");
                else
                        snprintf(left, sizeof(left), "    --%s%s%s", o->name, arg ? " " : "",
                                 arg ? arg : "");
                fprintf(out, "  %-28s %s\n", left, help);
        }
        fprintf(out, "\nExit codes: 0 ok, 1 internal error, 2 usage, 3 degraded, 4 no usable GPU,\n"
                     "5 unusable input file, 6 no usable kubeconfig, 7 Kubernetes API error.\n"
                     "report exits 0 whenever it printed a report.\n");
}

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
        va_list ap;

        fputs("nodeprobe: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputs(" (see nodeprobe --help)\n", stderr);
        return -EINVAL;
}

static bool is_dir(const char *p)
{
        struct stat st;
        return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int take_command(struct na_config *cfg, bool *mode_set, const char *word)
{
        enum na_mode m = na_mode_from_string(word);

        if (m == _NA_MODE_INVALID)
                return usage_error("unknown command '%s'", word);
        if (*mode_set && m != cfg->mode)
                return usage_error("two commands given ('%s')", word);
        cfg->mode = m;
        *mode_set = true;
        return 0;
}

static int parse_args(int argc, char **argv, struct na_config *cfg);

/* The merged command line (config file + flags): cfg points into it for the process's life. */
static char **merged_argv;

int na_parse_args(int argc, char **argv, struct na_config *cfg)
{
        char **extra = NULL, **merged;
        char err[512];
        int n = 0;

        if (parse_args(argc, argv, cfg) < 0)
                return -EINVAL;
        if (!cfg->config_file)
                return 0;
        if (cfg->mode != NA_MODE_AGENT)
                return usage_error("--config goes with the agent command");
        if (na_config_load(cfg->config_file, &extra, &n, err, sizeof(err)) < 0) {
                fprintf(stderr, "nodeprobe: %s\n", err);
                return -EINVAL;
        }
        /* The file's options first, the command line's after them: flags win. The merged
         * argv lives as long as the process (cfg points into it). */
        merged = calloc((size_t)(argc + n + 1), sizeof(char *));
        if (!merged)
                return -ENOMEM;
        free(merged_argv); /* a second parse (tests) replaces the first */
        merged_argv = merged;
        merged[0] = argv[0];
        for (int i = 0; i < n; i++)
                merged[1 + i] = extra[i];
        for (int i = 1; i < argc; i++)
                merged[n + i] = argv[i];
        free(extra);
        if (parse_args(argc + n, merged, cfg) < 0)
                return -EINVAL;
        cfg->argv = argv; /* the original, for a reload */
        return 0;
}

static int parse_args(int argc, char **argv, struct na_config *cfg)
{
        static const char *require[64];
        bool mode_set = false;
        int c;

        /* Environment defaults, for copied trees and the fixture demos (tests/np-testbed). */
        *cfg = (struct na_config){.mode = NA_MODE_REPORT,
                                  .va_timeout_ms = 10000,
                                  .rescan_ms = 10000,
                                  .resync_ms = 3600 * 1000,
                                  .require = require,
                                  .root = getenv("NODEPROBE_ROOT"),
                                  .dmesg_file = getenv("NODEPROBE_DMESG")};
        opterr = 0;
        optind = 1;
        for (;;) {
                /* Commands may stand before, between or after options: "+" makes getopt stop
                 * at each non-option, which is taken as the command. */
                while (optind < argc && argv[optind][0] != '-') {
                        if (take_command(cfg, &mode_set, argv[optind]) < 0)
                                return -EINVAL;
                        optind++;
                }
                c = getopt_long(argc, argv, "+:o:hv", long_opts, NULL);
                if (c == -1)
                        break;
                switch (c) {
                case OPT_REPORT:
                        if (mode_set && cfg->mode != NA_MODE_REPORT)
                                return usage_error("--report conflicts with the %s command",
                                                   na_mode_to_string(cfg->mode));
                        cfg->mode = NA_MODE_REPORT;
                        mode_set = true;
                        break;
                case 'o':
                        if (strcmp(optarg, "text") == 0)
                                cfg->format = NA_FORMAT_TEXT;
                        else if (strcmp(optarg, "json") == 0)
                                cfg->format = NA_FORMAT_JSON;
                        else if (strcmp(optarg, "yaml") == 0)
                                cfg->format = NA_FORMAT_YAML;
                        else
                                return usage_error("unknown output format '%s'", optarg);
                        break;
                case OPT_STRICT:
                        cfg->strict = true;
                        break;
                case OPT_REQUIRE:
                        if (cfg->n_require >= (int)(sizeof(require) / sizeof(require[0])) - 1)
                                return usage_error("too many --require");
                        require[cfg->n_require++] = optarg;
                        require[cfg->n_require] = NULL;
                        break;
                case OPT_DEVICE:
                        cfg->device = optarg;
                        break;
                case OPT_FACTS:
                        cfg->facts_file = optarg;
                        break;
                case OPT_FROM_VAINFO:
                        cfg->vainfo_file = optarg;
                        break;
                case OPT_DEVICE_ID:
                        cfg->device_id = optarg;
                        break;
                case OPT_KMD:
                        cfg->driver = optarg;
                        break;
                case OPT_ROOT:
                        cfg->root = optarg;
                        break;
                case OPT_DMESG:
                        cfg->dmesg_file = optarg;
                        break;
                case OPT_EXERCISE:
                        cfg->exercise = true;
                        break;
                case OPT_NO_EXERCISE:
                        cfg->no_exercise = true;
                        break;
                case OPT_NO_VA:
                        cfg->no_va = true;
                        break;
                case OPT_VA_ALL:
                        cfg->va_all = true;
                        break;
                case OPT_VA_TIMEOUT: {
                        char *end = NULL;
                        long v;
                        errno = 0;
                        v = strtol(optarg, &end, 10);
                        if (errno || !end || *end || v < 1 || v > 600)
                                return usage_error(
                                    "--va-timeout takes whole seconds from 1 to 600, "
                                    "not '%s'",
                                    optarg);
                        cfg->va_timeout_ms = (int)v * 1000;
                        break;
                }
                case OPT_IN_PROCESS:
                        cfg->in_process = true;
                        break;
                case OPT_DRY_RUN:
                        cfg->dry_run = true;
                        break;
                case OPT_CLEANUP:
                        cfg->cleanup = true;
                        break;
                case OPT_KUBECONFIG:
                        cfg->kubeconfig = optarg;
                        break;
                case OPT_NODE_NAME:
                        cfg->node_name = optarg;
                        break;
                case OPT_LABEL_PREFIX:
                        cfg->label_prefix = optarg;
                        break;
                case OPT_NO_INTEL_LABEL:
                        cfg->no_intel_gpu_label = true;
                        break;
                case OPT_INSECURE:
                        cfg->insecure_skip_tls_verify = true;
                        break;
                case OPT_TIER:
                        if (strcmp(optarg, "discover") == 0)
                                cfg->tier_discover = true;
                        else if (strcmp(optarg, "verify") == 0)
                                cfg->tier_discover = false;
                        else
                                return usage_error("--tier is discover or verify, not '%s'",
                                                   optarg);
                        break;
                case OPT_RESCAN:
                case OPT_HEARTBEAT:
                case OPT_RESYNC: {
                        char *end = NULL;
                        double v;
                        errno = 0;
                        v = strtod(optarg, &end);
                        if (errno || !end || *end || v < 0.001 || v > 86400 * 7)
                                return usage_error("%s takes seconds (e.g. 10 or 0.5), not '%s'",
                                                   argv[optind - 1], optarg);
                        *(c == OPT_RESCAN   ? &cfg->rescan_ms
                          : c == OPT_RESYNC ? &cfg->resync_ms
                                            : &cfg->heartbeat_ms) =
                            (long)(v * 1000 + 0.5) > 0 ? (long)(v * 1000 + 0.5) : 1;
                        break;
                }
                case OPT_SETTLE: {
                        char *end = NULL;
                        const char *q = optarg;
                        cfg->n_settle = 0;
                        do {
                                long v;
                                errno = 0;
                                v = strtol(q, &end, 10);
                                if (errno || end == q || v < 1 || v > 600000 ||
                                    cfg->n_settle >= 8 || (*end && *end != ','))
                                        return usage_error("--settle-delays takes up to 8 "
                                                           "milliseconds, comma-separated, not "
                                                           "'%s'",
                                                           optarg);
                                cfg->settle_ms[cfg->n_settle++] = v;
                                q = end + (*end == ',');
                        } while (*end);
                        break;
                }
                case OPT_LISTEN:
                        cfg->listen = optarg;
                        break;
                case OPT_CONFIG:
                        cfg->config_file = optarg;
                        break;
                case OPT_FEATURES_FILE:
                        cfg->features_file = optarg;
                        break;
                case OPT_NO_API:
                        cfg->no_api = true;
                        break;
                case OPT_LOG_FORMAT:
                        if (strcmp(optarg, "json") == 0)
                                cfg->log_json = true;
                        else if (strcmp(optarg, "text") == 0)
                                cfg->log_json = false;
                        else
                                return usage_error("--log-format is text or json, not '%s'",
                                                   optarg);
                        break;
                case OPT_SYSROOT:
                        cfg->sysroot = optarg;
                        break;
                case 'v':
                        cfg->verbose = true;
                        break;
                case 'h':
                        cfg->show_help = true;
                        break;
                case OPT_VERSION:
                        cfg->show_version = true;
                        break;
                case ':':
                        return usage_error("option %s needs a value", argv[optind - 1]);
                default:
                        return usage_error("unknown option '%s'", argv[optind - 1]);
                }
        }
        /* After "--" or a lone "-": only commands may follow. */
        for (; optind < argc; optind++)
                if (take_command(cfg, &mode_set, argv[optind]) < 0)
                        return -EINVAL;
        if (cfg->facts_file && cfg->vainfo_file)
                return usage_error("--facts and --from-vainfo exclude each other");
        if (cfg->device_id && !cfg->vainfo_file)
                return usage_error("--device-id goes with --from-vainfo");
        if ((cfg->dry_run || cfg->cleanup) && cfg->mode != NA_MODE_LABEL)
                return usage_error("--dry-run and --cleanup go with the label command");
        if ((cfg->kubeconfig || cfg->node_name || cfg->label_prefix || cfg->no_intel_gpu_label ||
             cfg->insecure_skip_tls_verify) &&
            cfg->mode != NA_MODE_LABEL && cfg->mode != NA_MODE_AGENT)
                return usage_error("--kubeconfig, --node-name, --label-prefix, "
                                   "--no-intel-gpu-label and --insecure-skip-tls-verify go with "
                                   "the label and agent commands");
        if ((cfg->tier_discover || cfg->features_file || cfg->no_api || cfg->n_settle ||
             cfg->listen || cfg->log_json || cfg->rescan_ms != 10000 ||
             cfg->resync_ms != 3600 * 1000) &&
            cfg->mode != NA_MODE_AGENT)
                return usage_error("--tier, --rescan-interval, --resync-interval, "
                                   "--settle-delays, --features-file, --no-api and --log-format "
                                   "go with the agent command");
        if (cfg->config_file && cfg->mode != NA_MODE_AGENT)
                return usage_error("--config goes with the agent command");
        if (cfg->mode == NA_MODE_AGENT && (cfg->facts_file || cfg->vainfo_file))
                return usage_error("the agent probes this machine: no --facts or --from-vainfo");
        if (cfg->sysroot && cfg->mode != NA_MODE_HOST)
                return usage_error("--sysroot goes with the host command");
        if (cfg->exercise && cfg->mode != NA_MODE_REPORT && cfg->mode != NA_MODE_CHECK &&
            cfg->mode != NA_MODE_SNAPSHOT)
                return usage_error("--exercise goes with the report, snapshot and check commands "
                                   "(the agent's verify tier runs it by default)");
        if (cfg->exercise && (cfg->no_va || cfg->facts_file || cfg->vainfo_file))
                return usage_error("--exercise runs jobs on this machine's GPU: not with --no-va, "
                                   "--facts or --from-vainfo");
        if (cfg->no_exercise && cfg->mode != NA_MODE_AGENT)
                return usage_error("--no-exercise goes with the agent command");
        if (cfg->n_require && cfg->mode != NA_MODE_CHECK)
                return usage_error("--require goes with the check command");
        /* A tree that is not there would read as "no GPU" or "not an Intel GPU host": a
         * typo must not look like a verdict. */
        if (cfg->root && !is_dir(cfg->root))
                return usage_error("--root %s is not a directory%s", cfg->root,
                                   getenv("NODEPROBE_ROOT") == cfg->root ? " ($NODEPROBE_ROOT)"
                                                                         : "");
        if (cfg->sysroot && !is_dir(cfg->sysroot))
                return usage_error("--sysroot %s is not a directory", cfg->sysroot);
        return 0;
}
