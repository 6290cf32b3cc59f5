/* host_helper.h - the host oracles' side of their native helper: a 32-bit
 * program (oracle_native32, x87_native32) that runs snippets on the host
 * CPU, started as a child and spoken to through two pipes. */
#ifndef DYNAPC_TESTS_HOST_HELPER_H
#define DYNAPC_TESTS_HOST_HELPER_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

struct helper {
    pid_t pid;
    int to, from; /* its stdin, its stdout */
};

/* 0 when the child runs (a child that cannot exec says so and exits 127) */
static inline int helper_start(struct helper *h, const char *path)
{
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0)
        return -1;
    h->pid = fork();
    if (h->pid < 0)
        return -1;
    if (h->pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]);
        close(in[1]);
        close(out[0]);
        close(out[1]);
        execl(path, path, (char *)NULL);
        fprintf(stderr, "cannot run %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    h->to = in[1];
    h->from = out[0];
    return 0;
}

/* all n bytes, or false (the helper has gone) */
static inline bool helper_write(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n) {
        ssize_t k = write(fd, b, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        b += k;
        n -= (size_t)k;
    }
    return true;
}

static inline bool helper_read(int fd, void *p, size_t n)
{
    uint8_t *b = p;
    while (n) {
        ssize_t k = read(fd, b, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        b += k;
        n -= (size_t)k;
    }
    return true;
}

/* closes the pipes and waits for the helper; how it ended goes to buf
 * (for the message) unless buf is NULL */
static inline void helper_stop(struct helper *h, char *buf, size_t n)
{
    int st = 0;
    close(h->to);
    close(h->from);
    bool reaped = waitpid(h->pid, &st, 0) == h->pid;
    if (!buf)
        return;
    if (!reaped)
        snprintf(buf, n, "unknown status");
    else if (WIFSIGNALED(st))
        snprintf(buf, n, "killed by signal %d", WTERMSIG(st));
    else
        snprintf(buf, n, "exit status %d", WEXITSTATUS(st));
}

#endif
