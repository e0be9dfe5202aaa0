/* SPDX-License-Identifier: MIT */
/*
 * Command line: one option table (struct na_opt) from which getopt's list, the help text, the
 * --config keys (config.c) and the "goes with" rules all come; one handler per kind; which
 * options were given is recorded, never guessed from defaults. A specific one-line error and
 * exit 2 on bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
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

#define F(field) offsetof(struct na_config, field), sizeof(((struct na_config *)0)->field)
#define M(m) NA_MODE_BIT(NA_MODE_##m)
#define ALL NA_MODES_ALL

/* Every option, once. Modified after curl's tool option table (src/tool_getparam.c: one row
 * per option with its kind, the handler per kind). */
static const struct na_opt opts[] = {
    {"report", 0, NA_OPT_COMMAND, F(mode), NULL, ALL, .help = "same as the report command"},
    {"output", 'o', NA_OPT_CHOICE, F(format), "FORMAT", ALL, .choices = "text json yaml",
     .help = "text (default), json or yaml"},
    {"strict", 0, NA_OPT_FLAG, F(strict), NULL, ALL,
     .help = "report: exit with the verdict, as check does"},
    {"require", 0, NA_OPT_LIST, F(require), "CAP", M(CHECK),
     .help = "fail unless CAP works, e.g. decode.hevc-10bit (repeatable)"},
    {"device", 0, NA_OPT_STRING, F(device), "PATH", ALL, .yaml = true,
     .help = "only this render node, e.g. /dev/dri/renderD129"},
    {"facts", 0, NA_OPT_STRING, F(facts_file), "FILE", ALL & ~M(AGENT), .excludes = "from-vainfo",
     .why = "the agent probes this machine",
     .help = "evaluate a saved snapshot instead of this machine"},
    {"from-vainfo", 0, NA_OPT_STRING, F(vainfo_file), "FILE", ALL & ~M(AGENT),
     .why = "the agent probes this machine", .help = "evaluate pasted vainfo output (- for stdin)"},
    {"device-id", 0, NA_OPT_STRING, F(device_id), "HEX", ALL & ~M(AGENT), .requires = "from-vainfo",
     .help = "with --from-vainfo: the PCI device id, e.g. 3e92"},
    {"kernel-driver", 0, NA_OPT_STRING, F(driver), "NAME", ALL & ~M(AGENT),
     .requires = "from-vainfo", .help = "with --from-vainfo: the kernel driver, i915 or xe"},
    {"root", 0, NA_OPT_STRING, F(root), "DIR", ALL, .yaml = true,
     .help = "read /proc, /sys, /lib/modules under DIR ($NODEPROBE_ROOT)"},
    {"dmesg", 0, NA_OPT_STRING, F(dmesg_file), "FILE", ALL,
     .help = "read the kernel log from FILE ($NODEPROBE_DMESG)"},
    {"no-va", 0, NA_OPT_FLAG, F(no_va), NULL, ALL, .help = "do not load libva"},
    {"exercise", 0, NA_OPT_FLAG, F(exercise), NULL, M(REPORT) | M(SNAPSHOT) | M(CHECK),
     .excludes = "no-va facts from-vainfo", .why = "the agent's verify tier runs it by default",
     .help = "run a real job per engine (vpp, encode, decode back)"},
    {"no-exercise", 0, NA_OPT_FLAG, F(no_exercise), NULL, M(AGENT), .yaml = true,
     .help = "no real jobs (by default the verify tier runs them at start and after a change)"},
    {"va-all", 0, NA_OPT_FLAG, F(va_all), NULL, ALL,
     .help = "also run libva on non-Intel render nodes"},
    {"va-timeout", 0, NA_OPT_WHOLE_SECONDS, F(va_timeout_ms), "SECONDS", ALL, 1, 600, .yaml = true,
     .help = "limit for the libva child process (default 10)"},
    {"in-process", 0, NA_OPT_FLAG, F(in_process), NULL, ALL,
     .help = "run libva in this process (debugging)"},
    {"dry-run", 0, NA_OPT_FLAG, F(dry_run), NULL, M(LABEL),
     .help = "validate on the API server, change nothing"},
    {"cleanup", 0, NA_OPT_FLAG, F(cleanup), NULL, M(LABEL),
     .help = "remove every label nodeprobe applied"},
    {"kubeconfig", 0, NA_OPT_STRING, F(kubeconfig), "FILE", M(LABEL) | M(AGENT), .yaml = true,
     .help = "kubeconfig (default $KUBECONFIG, ~/.kube/config)"},
    {"node-name", 0, NA_OPT_STRING, F(node_name), "NAME", M(LABEL) | M(AGENT), .yaml = true,
     .help = "the Node (default $NODE_NAME, then the hostname)"},
    {"label-prefix", 0, NA_OPT_STRING, F(label_prefix), "PREFIX", M(LABEL) | M(AGENT), .yaml = true,
     .help = "label prefix (default nodeprobe.io)"},
    {"no-intel-gpu-label", 0, NA_OPT_FLAG, F(no_intel_gpu_label), NULL, M(LABEL) | M(AGENT),
     .yaml = true, .help = "never write intel.feature.node.kubernetes.io/gpu"},
    {"insecure-skip-tls-verify", 0, NA_OPT_FLAG, F(insecure_skip_tls_verify), NULL,
     M(LABEL) | M(AGENT), .yaml = true, .help = "accept the kubeconfig's insecure-skip-tls-verify"},
    {"sysroot", 0, NA_OPT_STRING, F(sysroot), "DIR", M(HOST),
     .help = "read /proc, /sys and /etc under DIR"},
    {"tier", 0, NA_OPT_CHOICE, F(tier_discover), "TIER", M(AGENT), .choices = "discover verify",
     .on = "discover", .yaml = true,
     .help = "discover (sysfs only, no /dev) or verify (libva; default)"},
    {"rescan-interval", 0, NA_OPT_SECONDS, F(rescan_ms), "SECONDS", M(AGENT), 0.001, 86400 * 7,
     .yaml = true, .help = "fingerprint interval (default 10)"},
    {"resync-interval", 0, NA_OPT_SECONDS, F(resync_ms), "SECONDS", M(AGENT), 0.001, 86400 * 7,
     .yaml = true, .help = "full probe interval, +-10% (default 3600)"},
    {"settle-delays", 0, NA_OPT_MS_LIST, F(settle_ms), "MS,...", M(AGENT), 1, 600000, .yaml = true,
     .help = "re-probe delays after a change (default 250,1000,3000,10000)"},
    {"features-file", 0, NA_OPT_STRING, F(features_file), "PATH", M(AGENT), .yaml = true,
     .help = "also write NFD's local-source features file"},
    {"no-api", 0, NA_OPT_FLAG, F(no_api), NULL, M(AGENT), .yaml = true,
     .help = "features file only, no Kubernetes API"},
    {"log-format", 0, NA_OPT_CHOICE, F(log_json), "FORMAT", M(AGENT), .choices = "text json",
     .on = "json", .yaml = true, .help = "text (default) or json log lines"},
    {"listen", 0, NA_OPT_STRING, F(listen), "ADDR:PORT", M(AGENT), .yaml = true,
     .help = "serve /healthz and /metrics (off by default)"},
    {"config", 0, NA_OPT_STRING, F(config_file), "FILE", M(AGENT),
     .help = "options as YAML (flags win; SIGHUP reloads it)"},
    {"heartbeat-interval", 0, NA_OPT_SECONDS, F(heartbeat_ms), "SECONDS", M(AGENT), 0.001,
     86400 * 7, .yaml = true, .help = "also re-send the condition this often (default: never)"},
    {"usage", 0, NA_OPT_SECONDS, F(usage_ms), "SECONDS", M(REPORT) | M(AGENT), 0.1, 3600,
     .excludes = "facts from-vainfo", .why = "it measures this machine", .yaml = true,
     .help = "GPU engine use per process from DRM fdinfo: report: measured over SECONDS; "
             "agent: sampled every SECONDS for /metrics"},
    {"idle-warn", 0, NA_OPT_SECONDS, F(idle_warn_ms), "SECONDS", M(AGENT), 0, 86400 * 7,
     .requires = "usage", .yaml = true,
     .help = "warn (an Event on the pod) when a pod holds the GPU, uses CPU and no video "
             "engine this long (default 1800; 0: never)"},
    {"verbose", 'v', NA_OPT_FLAG, F(verbose), NULL, ALL,
     .help = "report: also print every raw fact"},
    {"help", 'h', NA_OPT_FLAG, F(show_help), NULL, ALL, .help = "this help"},
    {"version", 0, NA_OPT_FLAG, F(show_version), NULL, ALL, .help = "print the version"},
};
#define N_OPTS (sizeof(opts) / sizeof(opts[0]))
_Static_assert(N_OPTS <= 64, "struct na_config.given has a bit per option");
#undef F
#undef M
#undef ALL

const struct na_opt *na_opts(size_t *n)
{
        *n = N_OPTS;
        return opts;
}

const struct na_opt *na_opt_find(const char *name)
{
        for (size_t i = 0; name && i < N_OPTS; i++)
                if (strcmp(opts[i].name, name) == 0)
                        return &opts[i];
        return NULL;
}

bool na_given(const struct na_config *cfg, const char *name)
{
        const struct na_opt *o = na_opt_find(name);
        return o && (cfg->given >> (o - opts) & 1);
}

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

/* "label, agent: " for an option that goes with some commands only; "" for all. */
static void modes_prefix(const struct na_opt *o, char *buf, size_t n)
{
        size_t used = 0;

        buf[0] = '\0';
        if (o->modes == NA_MODES_ALL || o->modes == (NA_MODES_ALL & ~NA_MODE_BIT(NA_MODE_AGENT)))
                return;
        for (int m = 0; m < _NA_MODE_MAX && used < n; m++)
                if (o->modes & NA_MODE_BIT(m))
                        used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? ", " : "",
                                                 modes[m].name);
        if (used < n)
                snprintf(buf + used, n - used, ": ");
}

void na_print_help(FILE *out)
{
        fprintf(out, "Usage: nodeprobe [COMMAND] [OPTIONS]\n"
                     "Prove what an Intel GPU in this machine (or VM) can transcode, and say\n"
                     "exactly what to fix when it cannot.\n\nCommands:\n");
        for (int i = 0; i < _NA_MODE_MAX; i++)
                fprintf(out, "  %-10s %s\n", modes[i].name, modes[i].help);
        fprintf(out, "\nOptions:\n");
        for (size_t i = 0; i < N_OPTS; i++) {
                const struct na_opt *o = &opts[i];
                char left[48], prefix[64];

                if (o->short_name)
                        snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name,
                                 o->arg ? " " : "", o->arg ? o->arg : "");
                else
                        snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "",
                                 o->arg ? o->arg : "");
                modes_prefix(o, prefix, sizeof(prefix));
                fprintf(out, "  %-28s %s%s\n", left, prefix, o->help);
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

/* One handler per kind: the argument into the option's field. 0, or a usage error. */
static int take_value(struct na_config *cfg, const struct na_opt *o, const char *arg,
                      const char **list, int list_cap)
{
        char *field = (char *)cfg + o->offset;
        char *end = NULL;

        switch (o->kind) {
        case NA_OPT_COMMAND:
                return 0; /* the caller chooses the command */
        case NA_OPT_FLAG:
                *(bool *)field = true;
                return 0;
        case NA_OPT_STRING:
                *(const char **)field = arg;
                return 0;
        case NA_OPT_LIST:
                if (cfg->n_require >= list_cap - 1)
                        return usage_error("too many --%s", o->name);
                list[cfg->n_require++] = arg;
                list[cfg->n_require] = NULL;
                return 0;
        case NA_OPT_CHOICE: {
                int idx = 0;
                size_t l = strlen(arg);
                for (const char *c = o->choices; *c; idx++) {
                        size_t cl = strcspn(c, " ");
                        if (cl == l && strncmp(c, arg, l) == 0) {
                                if (o->on)
                                        *(bool *)field = strcmp(arg, o->on) == 0;
                                else
                                        *(int *)field = idx;
                                return 0;
                        }
                        c += cl + (c[cl] == ' ');
                }
                return usage_error("--%s is one of %s, not '%s'", o->name, o->choices, arg);
        }
        case NA_OPT_SECONDS: {
                double v;
                errno = 0;
                v = strtod(arg, &end);
                if (errno || !end || end == arg || *end || !(v >= o->min && v <= o->max))
                        return usage_error("--%s takes seconds (e.g. 10 or 0.5), not '%s'", o->name,
                                           arg);
                *(long *)field = (long)(v * 1000 + 0.5) > 0 ? (long)(v * 1000 + 0.5) : 1;
                return 0;
        }
        case NA_OPT_WHOLE_SECONDS: {
                long v;
                errno = 0;
                v = strtol(arg, &end, 10);
                if (errno || !end || end == arg || *end || v < o->min || v > o->max)
                        return usage_error("--%s takes whole seconds from %g to %g, not '%s'",
                                           o->name, o->min, o->max, arg);
                *(int *)field = (int)v * 1000;
                return 0;
        }
        case NA_OPT_MS_LIST: {
                const char *q = arg;
                long *ms = (long *)field;
                int cap = (int)(o->size / sizeof(long));
                cfg->n_settle = 0;
                do {
                        long v;
                        errno = 0;
                        v = strtol(q, &end, 10);
                        if (errno || end == q || v < o->min || v > o->max || cfg->n_settle >= cap ||
                            (*end && *end != ','))
                                return usage_error("--%s takes up to %d milliseconds, "
                                                   "comma-separated, not '%s'",
                                                   o->name, cap, arg);
                        ms[cfg->n_settle++] = v;
                        q = end + (*end == ',');
                } while (*end);
                return 0;
        }
        }
        return usage_error("--%s: unknown kind", o->name);
}

/* "the label and agent commands" */
static void modes_text(unsigned mask, char *buf, size_t n)
{
        int total = 0, seen = 0;
        size_t used = 0;

        for (int m = 0; m < _NA_MODE_MAX; m++)
                total += (mask >> m) & 1;
        used += (size_t)snprintf(buf, n, "the ");
        for (int m = 0; m < _NA_MODE_MAX && used < n; m++) {
                if (!(mask & NA_MODE_BIT(m)))
                        continue;
                seen++;
                used += (size_t)snprintf(buf + used, n - used, "%s%s",
                                         seen == 1       ? ""
                                         : seen == total ? " and "
                                                         : ", ",
                                         modes[m].name);
        }
        if (used < n)
                snprintf(buf + used, n - used, " command%s", total > 1 ? "s" : "");
}

/* Every "goes with" rule, from the table: the commands, the options it needs, the ones it
 * cannot be given with. */
static int check_goes_with(const struct na_config *cfg)
{
        for (size_t i = 0; i < N_OPTS; i++) {
                const struct na_opt *o = &opts[i];
                char which[96];

                if (!(cfg->given >> i & 1))
                        continue;
                if (!(o->modes & NA_MODE_BIT(cfg->mode))) {
                        modes_text(o->modes, which, sizeof(which));
                        return usage_error("--%s goes with %s%s%s%s", o->name, which,
                                           o->why ? " (" : "", o->why ? o->why : "",
                                           o->why ? ")" : "");
                }
                if (o->requires && !na_given(cfg, o->requires))
                        return usage_error("--%s goes with --%s", o->name, o->requires);
                for (const char *x = o->excludes; x && *x;) {
                        char name[32];
                        size_t l = strcspn(x, " ");
                        snprintf(name, sizeof(name), "%.*s", (int)l, x);
                        if (na_given(cfg, name))
                                return usage_error("--%s and --%s exclude each other", o->name,
                                                   name);
                        x += l + (x[l] == ' ');
                }
        }
        return 0;
}

static int parse_args(int argc, char **argv, struct na_config *cfg)
{
        static const char *require[64];
        static struct option long_opts[N_OPTS + 1];
        static char short_opts[2 * N_OPTS + 4];
        bool mode_set = false;
        int c, li;

        if (!long_opts[0].name) { /* getopt's view of the table */
                size_t k = 0;
                short_opts[k++] = '+';
                short_opts[k++] = ':';
                for (size_t i = 0; i < N_OPTS; i++) {
                        long_opts[i] = (struct option){.name = opts[i].name,
                                                       .has_arg = opts[i].arg ? required_argument
                                                                              : no_argument,
                                                       .val = 0x100 + (int)i};
                        if (opts[i].short_name) {
                                short_opts[k++] = opts[i].short_name;
                                if (opts[i].arg)
                                        short_opts[k++] = ':';
                        }
                }
        }
        /* Environment defaults, for copied trees and the fixture demos (tests/np-testbed). */
        *cfg = (struct na_config){.mode = NA_MODE_REPORT,
                                  .va_timeout_ms = 10000,
                                  .rescan_ms = 10000,
                                  .resync_ms = 3600 * 1000,
                                  .idle_warn_ms = 1800 * 1000,
                                  .require = require,
                                  .root = getenv("NODEPROBE_ROOT"),
                                  .dmesg_file = getenv("NODEPROBE_DMESG")};
        require[0] = NULL;
        opterr = 0;
        optind = 1;
        for (;;) {
                const struct na_opt *o = NULL;

                /* Commands may stand before, between or after options: "+" makes getopt stop
                 * at each non-option, which is taken as the command. */
                while (optind < argc && argv[optind][0] != '-') {
                        if (take_command(cfg, &mode_set, argv[optind]) < 0)
                                return -EINVAL;
                        optind++;
                }
                c = getopt_long(argc, argv, short_opts, long_opts, NULL);
                if (c == -1)
                        break;
                if (c == ':')
                        return usage_error("option %s needs a value", argv[optind - 1]);
                if (c >= 0x100 && c < 0x100 + (int)N_OPTS)
                        li = c - 0x100;
                else
                        for (li = 0; li < (int)N_OPTS && opts[li].short_name != c; li++)
                                ;
                if (li >= (int)N_OPTS || c == '?')
                        return usage_error("unknown option '%s'", argv[optind - 1]);
                o = &opts[li];
                if (o->kind == NA_OPT_COMMAND) {
                        if (mode_set && cfg->mode != NA_MODE_REPORT)
                                return usage_error("--report conflicts with the %s command",
                                                   na_mode_to_string(cfg->mode));
                        cfg->mode = NA_MODE_REPORT;
                        mode_set = true;
                }
                if (take_value(cfg, o, optarg, require,
                               (int)(sizeof(require) / sizeof(require[0]))) < 0)
                        return -EINVAL;
                cfg->given |= 1ull << li;
        }
        /* After "--" or a lone "-": only commands may follow. */
        for (; optind < argc; optind++)
                if (take_command(cfg, &mode_set, argv[optind]) < 0)
                        return -EINVAL;
        if (check_goes_with(cfg) < 0)
                return -EINVAL;
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
