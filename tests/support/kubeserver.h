/* SPDX-License-Identifier: MIT */
/* The Kubernetes API test server (tests/kube/apiserver.py) started for one test. */
#ifndef NP_KUBESERVER_H
#define NP_KUBESERVER_H

struct np_kube {
        int pid;
        int stdin_fd; /* closing it stops the server */
        int port;
        char dir[256];        /* temp dir: kubeconfig, token files */
        char kubeconfig[320]; /* token auth, CA file */
        char tokens[320];     /* tokens the server accepts (one per line) */
        char token_file[320]; /* the client's token file (tokenFile in the kubeconfig) */
        char certs[256];
};

/* Start the server (certs from NP_CERTS_DIR), write a kubeconfig using tokenFile, accept
 * "tok1". Aborts the test on failure. */
struct np_kube *np_kube_start(void);
/* The same with another certificate from NP_CERTS_DIR: "name-only" has only the DNS name
 * api.nodeprobe.test (no IP), for tls-server-name. */
struct np_kube *np_kube_start_cert(const char *cert_base);
void np_kube_stop(struct np_kube *k);

/* POST JSON to a /_test/ control endpoint; returns the reply body (caller frees) or NULL. */
char *np_kube_ctl(struct np_kube *k, const char *endpoint, const char *json);

/* Number of logged API requests with this method (and path prefix, NULL = any). */
int np_kube_count(struct np_kube *k, const char *method, const char *path_prefix);

/* Write a whole file. */
void np_write(const char *path, const char *text);

#endif
