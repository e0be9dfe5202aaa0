/* SPDX-License-Identifier: MIT */
/* node-agent internals (prefix na_): the only layer that prints, exits or forks. */
#ifndef NODE_AGENT_NA_H
#define NODE_AGENT_NA_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "labeler/labeler.h"
#include "vaprobe/vaprobe.h"

/* Exit codes. Append-only: scripts and init containers depend on these numbers. */
enum na_exit {
        NA_EXIT_OK = 0,          /* success; for report: a report was produced */
        NA_EXIT_INTERNAL = 1,    /* internal error (out of memory, cannot write output) */
        NA_EXIT_USAGE = 2,       /* bad command line */
        NA_EXIT_DEGRADED = 3,    /* check/--strict: a GPU exists but a check failed */
        NA_EXIT_NO_GPU = 4,      /* check/--strict: no usable Intel GPU at all */
        NA_EXIT_INPUT = 5,       /* an input file (--facts, --from-vainfo) cannot be used */
        NA_EXIT_KUBE_CONFIG = 6, /* label: no usable kubeconfig / in-cluster config */
        NA_EXIT_KUBE_API = 7,    /* label: the API server refused or could not be reached */
};

enum na_mode {
        NA_MODE_REPORT,
        NA_MODE_SNAPSHOT,
        NA_MODE_CHECK,
        NA_MODE_LABEL,
        NA_MODE_HOST,
        NA_MODE_AGENT,
        _NA_MODE_MAX,
        _NA_MODE_INVALID = -1,
};

enum na_format {
        NA_FORMAT_TEXT,
        NA_FORMAT_JSON,
        NA_FORMAT_YAML,
};

struct na_config {
        enum na_mode mode;
        enum na_format format;
        bool strict;
        bool in_process; /* run libva in this process (debugging) */
        bool no_va;
        bool exercise;    /* report, snapshot, check: a real job per engine */
        bool no_exercise; /* agent: none, not even at start */
        bool va_all;
        int va_timeout_ms;  /* for the isolated libva child */
        const char *device; /* borrowed from argv */
        const char *root;
        const char *dmesg_file;
        const char *sysroot; /* host */
        const char *facts_file;
        const char *vainfo_file;
        const char *device_id; /* with --from-vainfo */
        const char *driver;    /* with --from-vainfo: the KMD if known (i915/xe) */
        const char **require;  /* check: codec requirements, borrowed, NULL-terminated */
        int n_require;
        bool dry_run;                  /* label */
        bool cleanup;                  /* label */
        bool no_intel_gpu_label;       /* label */
        const char *kubeconfig;        /* label */
        const char *node_name;         /* label */
        const char *label_prefix;      /* label */
        bool insecure_skip_tls_verify; /* label: allow the kubeconfig's insecure flag */
        /* agent */
        bool tier_discover;        /* --tier discover (default verify) */
        long rescan_ms;            /* fingerprint interval */
        long resync_ms;            /* full probe interval, +-10 % jitter */
        long settle_ms[8];         /* re-probe delays after a change */
        int n_settle;              /* 0 = 0.25 s, 1 s, 3 s, 10 s */
        const char *features_file; /* NFD local-source file, or NULL */
        bool no_api;               /* features file only, no Kubernetes credentials */
        bool log_json;
        const char *listen;      /* ADDR:PORT for /healthz and /metrics, or NULL */
        const char *config_file; /* --config YAML, or NULL */
        long heartbeat_ms;       /* re-send the condition this often (0 = only on change) */
        char **argv;             /* the command line as given (a reload re-executes it) */
        bool verbose;            /* report: the raw facts after the verdicts */
        long usage_ms;           /* report: measure GPU usage this long (0 = not) */
        long idle_warn_ms;       /* agent --usage: GPUAllocatedButIdle after this (0 = never) */
        bool show_help;
        bool show_version;
        uint64_t given; /* bit i: na_opts()[i] was given */
};

/* The command-line options: one table (cli.c) from which getopt's list, the help text (and so
 * the man page, help2man), the --config YAML keys and every "goes with" rule come. */
enum na_opt_kind {
        NA_OPT_COMMAND,       /* --report: chooses that command */
        NA_OPT_FLAG,          /* bool field = true */
        NA_OPT_STRING,        /* const char * field = the argument (borrowed from argv) */
        NA_OPT_LIST,          /* --require: appended to a NULL-terminated list, repeatable */
        NA_OPT_CHOICE,        /* field = index of the argument in choices (bool or enum) */
        NA_OPT_SECONDS,       /* long field = milliseconds, from seconds with fractions */
        NA_OPT_WHOLE_SECONDS, /* int field = milliseconds, from whole seconds */
        NA_OPT_MS_LIST,       /* settle_ms[]: up to 8 milliseconds, comma-separated */
};

#define NA_MODES_ALL ((1u << _NA_MODE_MAX) - 1)
#define NA_MODE_BIT(m) (1u << (m))

struct na_opt {
        const char *name; /* long option, without "--" */
        char short_name;  /* 0: none */
        enum na_opt_kind kind;
        size_t offset, size;  /* the field in struct na_config */
        const char *arg;      /* the help's metavariable; NULL: takes none */
        unsigned modes;       /* NA_MODE_BITs of the commands it goes with */
        double min, max;      /* SECONDS, WHOLE_SECONDS */
        const char *choices;  /* CHOICE: space-separated; an enum field takes the index */
        const char *on;       /* CHOICE into a bool field: the choice that sets it */
        const char *requires; /* another option that must be given with it, or NULL */
        const char *excludes; /* options it cannot be given with, space-separated, or NULL */
        const char *why;      /* appended to its "goes with" error, or NULL */
        bool yaml;            /* also a --config key */
        const char *help;
};

/* The table, in --help order; *n its length. */
const struct na_opt *na_opts(size_t *n);
/* The option named (without "--"), or NULL. */
const struct na_opt *na_opt_find(const char *name);
/* Was it given (on the command line or in --config)? Defaults are never "given". */
bool na_given(const struct na_config *cfg, const char *name);

enum na_mode na_mode_from_string(const char *s);
const char *na_mode_to_string(enum na_mode m);

/* Parse argv into *ret_cfg. Returns 0, or -EINVAL after printing one specific line to stderr.
 * ret_cfg->require points into a static array sized for argc. */
int na_parse_args(int argc, char **argv, struct na_config *ret_cfg);
void na_print_help(FILE *out);

/* --config: the file's options as command-line words (caller frees each and the array).
 * 0, or -errno with "file:line: what" in err. */
int na_config_load(const char *file, char ***ret_args, int *ret_n, char *err, size_t errlen);

/* Log one line to stderr with the "nodeprobe: " prefix. */
__attribute__((format(printf, 1, 2))) void na_logf(const char *fmt, ...);

/* How a child ended (child.c). */
struct na_child_end {
        bool complete;  /* exit 0 and exactly the reply's size written */
        bool timed_out; /* killed at the deadline */
        bool aborted;   /* killed because abort_fd became readable (a signal for the agent) */
        bool oversized; /* wrote more than the reply */
        int signal;     /* the signal that ended it on its own, 0 = none */
        int exit_code;  /* -1 when killed by a signal */
};
/* The child's work: write the reply struct to wfd; return the exit code. */
typedef int (*na_child_fn)(int wfd, void *arg);
/* A child started by na_child_start and not yet waited for. */
struct na_child {
        pid_t pid;
        int fd; /* the read end of its reply pipe */
        long long deadline_ms;
};
/* Fork a child running fn; 0 or -errno. Every started child must be given to na_child_wait,
 * which kills it at the deadline (timeout_ms from now) if it has not finished by then. */
int na_child_start(na_child_fn fn, void *arg, int timeout_ms, struct na_child *ret);
/* Wait for it as na_child_call does (abort_fd, the side descriptor); reaps it. */
int na_child_wait(struct na_child *c, int abort_fd, void *reply, size_t reply_len,
                  struct na_child_end *end);
/* Its deadline, timeout_ms from now (a worker forked ahead, given its work now). */
void na_child_set_deadline(struct na_child *c, int timeout_ms);
/* Run fn in a forked child, wait at most timeout_ms (or until abort_fd, when >= 0, is
 * readable), and read exactly reply_len bytes into reply. 0 (see *end), or -errno when no
 * child could be started. */
int na_child_call(na_child_fn fn, void *arg, int timeout_ms, int abort_fd, void *reply,
                  size_t reply_len, struct na_child_end *end);
/* While na_child_call() waits, call fn(arg) whenever fd is readable (the agent's HTTP
 * listener, so /healthz answers during a long probe). fn NULL: none. Children never see it. */
void na_child_side(int fd, void (*fn)(void *), void *arg);
void na_write_all(int fd, const void *data, size_t len);

/* A vp_va_runner that runs libva in a forked child with a timeout (milliseconds). */
struct na_isolate {
        int timeout_ms;
        void *spare; /* a worker forked ahead (na_va_isolated_prefork), or NULL */
};
/* Fork a worker now (unless o skips VA or runs it in-process) for the first node the probe
 * will find: its start-up then overlaps the GPU listing. na_va_isolated_release ends it if
 * the probe had no use for it. 0 or -errno (then the runner forks as it goes). */
int na_va_isolated_prefork(struct na_isolate *iso, const struct vp_options *o);
void na_va_isolated_release(struct na_isolate *iso);
int na_va_isolated(void *userdata, const char *render_node, unsigned flags, struct vp_va *ret);
/* The same, started now and collected later (vp_va_runner.start and .finish): the probe
 * overlaps its sysfs and ioctl work with the libva children. */
int na_va_isolated_start(void *userdata, const char *render_node, unsigned flags, void **ret_job);
int na_va_isolated_finish(void *userdata, void *job, struct vp_va *ret);
#define NA_VA_RUNNER(iso)                                                                          \
        ((struct vp_va_runner){.run = na_va_isolated,                                              \
                               .start = na_va_isolated_start,                                      \
                               .finish = na_va_isolated_finish,                                    \
                               .userdata = (iso)})

/* Read a whole file ("-" = stdin), capped at 8 MiB. Caller frees *ret. 0 or -errno. */
int na_read_input(const char *path, char **ret, size_t *ret_len);
/* Words for an na_read_input error ("not a regular file" for -EINVAL). */
const char *na_input_strerror(int r);

/* --from-vainfo: facts from pasted vainfo text. 0 or an exit code. */
int na_gather_vainfo(const struct na_config *cfg, struct vp_facts **ret_facts);

/* Collect facts per the configuration (probe, --facts, --from-vainfo). Exit code on error. */
int na_gather(const struct na_config *cfg, struct vp_facts **ret_facts);

/* Print the raw facts in readable form. */
void na_print_facts_text(FILE *out, const struct vp_facts *f);

struct lbl_set;
struct json_t;
/* The report in the configured format. 0 or -1 (out of memory, write error). */
int na_report(const struct na_config *cfg, const struct vp_facts *f, const struct vp_eval *e,
              const struct lbl_set *labels, FILE *out);
/* The report document as jansson JSON; caller json_decref()s. NULL on out of memory. */
struct json_t *na_report_json(const struct vp_facts *f, const struct vp_eval *e,
                              const struct lbl_set *labels);
/* Any jansson document as YAML through libyaml's emitter. 0 or -1. */
int na_write_yaml(FILE *out, struct json_t *doc);

struct vp_eval;
struct lbl_client;
struct lbl_client_options;
/* The node name (--node-name, NODE_NAME, hostname) and an API client from the configuration
 * (--kubeconfig, $KUBECONFIG, in-cluster, ~/.kube/config), with one logged line on failure.
 * field_manager NULL = "nodeprobe"; base: timeouts and retries, or NULL. Returns an exit
 * code (NA_EXIT_OK with *ret set). */
int na_kube_open(const struct na_config *cfg, const char *field_manager,
                 const struct lbl_client_options *base, struct lbl_client **ret, char *node,
                 size_t node_len);

/* nodeprobe label. Returns the exit code. */
int na_cmd_label(const struct na_config *cfg, const struct vp_facts *f, const struct vp_eval *e,
                 FILE *out);

/* --usage in the agent (watch.c): a client's pod by name, the PMU's figures per device. */
struct na_client_names {
        char ns[64], pod[254], container[64]; /* "" when unknown (outside a pod, no API) */
};
struct na_pmu_figures {
        char pdev[16];
        double busy[VP_ENGINE__MAX]; /* -1 unknown */
        double freq_hz, rc6;         /* -1 unknown */
};

/* The idle check (pure): a pod that holds the GPU, uses CPU and no video engine for a
 * window gets a warning; one per pod per 6 hours. */
struct na_idle_pod {
        char uid[40];
        long long since_ms; /* the window's start */
        bool cpu_known;
        uint64_t cpu_at; /* the pod's CPU time (us) at since_ms */
        long long warned_ms;
};
#define NA_IDLE_PODS 64
struct na_idle {
        uint32_t n;
        struct na_idle_pod pods[NA_IDLE_PODS];
};
struct na_idle_obs {
        const char *uid;
        bool holds_gpu;  /* a gpu.intel.com resource or a /dev/dri hostPath */
        bool video_used; /* a client of the pod used a video engine since the last step */
        bool cpu_known;
        uint64_t cpu_usec; /* the pod cgroup's CPU time so far */
};
struct na_idle_warn {
        char uid[40];
        long long idle_ms; /* how long no video engine was used */
        double cores;      /* average CPU use over that time */
};
/* One step at now: st updated (pods not in obs forgotten); up to out_n warnings written,
 * their number returned. */
size_t na_idle_step(struct na_idle *st, const struct na_idle_obs *obs, size_t n, long long now,
                    long long window_ms, struct na_idle_warn *out, size_t out_n);

struct na_watch; /* the agent's --usage state (watch.c) */
/* ops: the PMU seam (NULL: perf_event_open). 0 or -ENOMEM. */
int na_watch_new(const struct na_config *cfg, const struct vp_pmu_ops *ops, struct na_watch **ret);
void na_watch_free(struct na_watch *w); /* NULL-safe */
/* Why the PMU gives no figures (vp_pmu_open's error), "" for 0. */
const char *na_watch_pmu_why(int err);
/* One sample into s's usage part: fdinfo, PMU, pod cgroups, names, the idle check. note gets
 * a line worth logging once ("" for none). 0, or -errno when /proc cannot be read. */
struct na_http_snapshot;
int na_watch_sample(struct na_watch *w, long long now, struct na_http_snapshot *s, char *note,
                    size_t note_n);
/* Whether na_watch_api has work: a pods GET or warnings to post. */
bool na_watch_api_due(const struct na_watch *w);
/* Post the pending warnings and GET the pods when due, in a child. 0 or -errno (msg says). */
int na_watch_api(struct na_watch *w, const struct vp_usage *u, const char *manager, long long now,
                 int abort_fd, char *msg, size_t msg_n, unsigned *posted);
/* The GPUAllocatedButIdle message for a warning. */
void na_watch_warning(const struct na_watch *w, const struct na_idle_warn *iw, char *msg, size_t n);
const struct lbl_pod *na_watch_pod(const struct na_watch *w, const char *uid); /* or NULL */
unsigned long na_watch_gets(const struct na_watch *w);

/* What /healthz and /metrics show (http.c): a copy the agent publishes every loop. */
struct na_http_snapshot {
        long long last_loop_ms;     /* monotonic */
        long long loop_deadline_ms; /* /healthz fails when the loop is later than this */
        char config_error[256];     /* a standing 401/403/404 or configuration error */
        bool probed;
        int node_status;
        uint32_t n_gpus;
        struct lbl_summary sum; /* the last probe's state: the GPU info and capability metrics */
        long long probe_ms;
        unsigned long loops; /* main loop iterations */
        unsigned long probes_ok, probes_failed, api_gets, api_patches, api_posts, label_changes;
        long codes[8];
        unsigned long code_counts[8];
        unsigned n_codes;
        time_t last_success;
        /* --usage: the last two fdinfo scans (busy ratios are their difference) */
        unsigned long usage_scans;
        struct vp_usage usage_prev, usage_cur;
        struct na_client_names names[VP_MAX_CLIENTS]; /* usage_cur.clients[i]'s pod */
        uint32_t n_pmu;
        struct na_pmu_figures pmu[VP_MAX_PMUS];
        char pmu_why[256]; /* why there are no PMU figures, "" when there are */
        unsigned long idle_events;
};
struct na_http;
/* Listen on ADDR:PORT (the socket only: libmicrohttpd is loaded in a child per connection).
 * 0, or -errno with err filled. */
int na_http_start(const char *listen, struct na_http **ret, char *err, size_t errlen);
/* The listening socket to poll (-1 for NULL), and what to call when it is readable: accepts
 * and forks a child per connection. arg is the struct na_http. */
int na_http_fd(const struct na_http *h);
void na_http_accept(void *arg);
/* Publish a new snapshot for the next connections; also reaps finished children. */
void na_http_update(struct na_http *h, const struct na_http_snapshot *s);
void na_http_stop(struct na_http *h); /* NULL-safe */
/* The /metrics text of a snapshot (pure; the caller frees it), NULL when out of memory. */
char *na_http_metrics(const struct na_http_snapshot *s, size_t *len);

/* nodeprobe agent: the long-running DaemonSet mode. Returns the exit code. */
int na_cmd_agent(const struct na_config *cfg);

/* nodeprobe host: the Proxmox side. Returns the exit code. */
int na_cmd_host(const struct na_config *cfg, FILE *out);

/* The status line: "ok", "ok with N warnings", "degraded (1 failed, 2 warnings)". */
void na_print_status_line(FILE *out, const struct vp_eval *e);

/* Checks grouped by step, for people (shared by report and host). */
void na_print_checks(FILE *out, const struct vp_eval *e);
/* Checks as a JSON array (jansson); NULL on out of memory. */
struct json_t *na_checks_json(const struct vp_eval *e);

/* Run the configured mode on the facts; returns the exit code. */
int na_run_mode(const struct na_config *cfg, const struct vp_facts *f, FILE *out);

/* report --usage (usage.c): two fdinfo scans cfg->usage_ms apart, printed as a table. 0 or
 * -errno. na_usage_print prints the table of two scans already taken. */
int na_usage_report(const struct na_config *cfg, FILE *out);
int na_usage_print(const struct vp_usage *a, const struct vp_usage *b, FILE *out);
/* The PMU's figures between its last two samples, or (err < 0) why there are none. */
void na_usage_print_pmu(const struct vp_pmus *ps, int err, FILE *out);

#endif
