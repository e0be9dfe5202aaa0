/* SPDX-License-Identifier: MIT */
/*
 * Helpers every part of labeler uses: one-line errors (nothing a server sent may drive a
 * terminal), bounded reads of small files that never block, and bearer-token hygiene.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "labeler/labeler.h"
#include "lbl_internal.h"

void lbl_sanitize_line(char *s)
{
        unsigned char *p = (unsigned char *)s;

        while (p && *p) {
                unsigned char c = *p;
                size_t len = c < 0x80             ? 1
                             : (c & 0xe0) == 0xc0 ? 2
                             : (c & 0xf0) == 0xe0 ? 3
                             : (c & 0xf8) == 0xf0 ? 4
                                                  : 0;
                bool ok = len > 0 && !(len == 2 && c < 0xc2) && !(len == 4 && c > 0xf4);

                for (size_t i = 1; ok && i < len; i++)
                        ok = (p[i] & 0xc0) == 0x80;
                if (ok && len == 3)
                        ok = !(c == 0xe0 && p[1] < 0xa0) && !(c == 0xed && p[1] >= 0xa0);
                if (ok && len == 4)
                        ok = !(c == 0xf0 && p[1] < 0x90) && !(c == 0xf4 && p[1] >= 0x90);
                if (!ok) {
                        *p++ = '?';
                        continue;
                }
                if (c == '\n' || c == '\r' || c == '\t')
                        *p = ' ';
                else if (c < 0x20 || c == 0x7f)
                        *p = '?'; /* ESC and friends: no terminal control from a server */
                else if (len == 2 && c == 0xc2 && p[1] < 0xa0)
                        p[0] = p[1] = '?'; /* C1 controls (U+0080..U+009F), e.g. CSI */
                p += len;
        }
}

void lbl_seterr(struct lbl_error *err, long http, const char *reason, const char *fmt, ...)
{
        va_list ap;

        if (!err)
                return;
        err->http_status = http;
        snprintf(err->reason, sizeof(err->reason), "%s", reason ? reason : "");
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof(err->message), fmt, ap);
        va_end(ap);
        /* One line, and nothing a server sent may drive the terminal the log goes to. A
         * UTF-8 character cut by the buffer's end becomes '?'. */
        lbl_sanitize_line(err->message);
        lbl_sanitize_line(err->reason);
}

bool lbl_error_is_admission(const struct lbl_error *err)
{
        /* The API server's own wording: "ValidatingAdmissionPolicy 'P' with binding 'B'
         * denied request: ..." and "admission webhook \"W\" denied the request: ...". */
        return err && (err->http_status == 403 || err->http_status == 422) &&
               (strstr(err->message, "ValidatingAdmissionPolicy '") ||
                strstr(err->message, "admission webhook \"")) &&
               strstr(err->message, "denied");
}

const char *lbl_read_strerror(int r)
{
        switch (r) {
        case -EINVAL:
                return "not a regular file";
        case -EFBIG:
                return "file too large";
        default:
                return strerror(-r);
        }
}

int lbl_read_file(const char *path, char *buf, size_t cap, size_t *ret_len)
{
        struct stat st;
        size_t n = 0;
        int fd, r = 0;

        if (cap == 0)
                return -EINVAL;
        /* O_NONBLOCK and a type check before any read: a FIFO, socket or device planted where a
         * kubeconfig or token should be never blocks the process. */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0) {
                r = -errno;
                goto out;
        }
        if (S_ISDIR(st.st_mode)) {
                r = -EISDIR;
                goto out;
        }
        if (!S_ISREG(st.st_mode)) {
                r = -EINVAL;
                goto out;
        }
        for (;;) {
                ssize_t k = read(fd, buf + n, cap - 1 - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        r = -errno;
                        goto out;
                }
                if (k == 0)
                        break;
                n += (size_t)k;
                if (n == cap - 1) {
                        char extra;
                        ssize_t e;
                        do
                                e = read(fd, &extra, 1);
                        while (e < 0 && errno == EINTR);
                        if (e > 0)
                                r = -EFBIG;
                        break;
                }
        }
out:
        close(fd);
        if (r < 0) {
                buf[0] = '\0';
                return r;
        }
        buf[n] = '\0';
        if (ret_len)
                *ret_len = n;
        return 0;
}

bool lbl_token_ok(const char *t)
{
        /* A bearer token goes into an HTTP header: visible ASCII only (RFC 6750 b64token is
         * stricter still). CR or LF would add a header of the file author's choosing. */
        for (const unsigned char *p = (const unsigned char *)t; *p; p++)
                if (*p < 0x21 || *p > 0x7e)
                        return false;
        return true;
}

void lbl_trim_token(char *t)
{
        size_t n = strlen(t);
        while (n && (t[n - 1] == '\n' || t[n - 1] == '\r' || t[n - 1] == ' ' || t[n - 1] == '\t'))
                t[--n] = '\0';
}
