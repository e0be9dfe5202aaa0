/* SPDX-License-Identifier: MIT */
/* The fake VA driver's state, shared by its listing (fakeva.c) and its jobs (fakeva_jobs.c). */
#ifndef FAKEVA_H
#define FAKEVA_H

#include <va/va.h>
#include <va/va_backend.h>

#define MAX_ENTRIES 256

struct entry {
        VAProfile profile;
        VAEntrypoint ep;
        unsigned rt, rc, w, h;
};

struct fakeva_jobs;

struct caps {
        int n;
        struct entry e[MAX_ENTRIES];
        char vendor[256];
        char mode[32];            /* NP_FAKEVA_MODE as read at init */
        struct fakeva_jobs *jobs; /* surfaces, buffers, contexts (fakeva_jobs.c) */
};

/* Put the job entry points into ctx->vtable (after the stubs). */
void fakeva_jobs_install(VADriverContextP ctx);
void fakeva_jobs_free(struct caps *c);

#endif
