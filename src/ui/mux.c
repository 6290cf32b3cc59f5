/* mux.c - the -nographic terminal multiplexer (see mux.h). */
#include "ui/mux.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define MUX_ESCAPE   0x01 /* Ctrl-A */
#define MUX_LINE_MAX 1024

struct mux {
    int term_fd;         /* the terminal (the original standard input) */
    int serial_wr;       /* write end of the pipe that is now standard input */
    int mon_rd, mon_wr;  /* the monitor's pipe */
    bool tty_saved, tty; /* a terminal: raw mode, echo here */
    struct termios saved;
    bool monitor_focus;
    bool escape; /* Ctrl-A seen */
    bool closed; /* the terminal reached EOF */
    char line[MUX_LINE_MAX];
    size_t len;
};

static void out(const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(STDOUT_FILENO, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

struct mux *mux_new(char *err, size_t errlen)
{
    struct mux *x = calloc(1, sizeof *x);
    if (!x) {
        snprintf(err, errlen, "-nographic: out of memory");
        return NULL;
    }
    x->term_fd = x->serial_wr = x->mon_rd = x->mon_wr = -1;
    int sp[2] = {-1, -1}, mp[2] = {-1, -1};
    x->term_fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
    if (x->term_fd < 0 || pipe2(sp, O_CLOEXEC) || pipe2(mp, O_CLOEXEC) || dup2(sp[0], STDIN_FILENO) < 0) {
        snprintf(err, errlen, "-nographic: cannot share the terminal: %s", strerror(errno));
        close_fd(&sp[0]);
        close_fd(&sp[1]);
        close_fd(&mp[0]);
        close_fd(&mp[1]);
        close_fd(&x->term_fd);
        free(x);
        return NULL;
    }
    close(sp[0]);
    x->serial_wr = sp[1];
    x->mon_rd = mp[0];
    x->mon_wr = mp[1];
    /* a guest that does not read its serial port must not stall the terminal */
    fcntl(x->serial_wr, F_SETFL, O_NONBLOCK);
    fcntl(x->mon_wr, F_SETFL, O_NONBLOCK);
    struct termios t;
    if (isatty(x->term_fd) && tcgetattr(x->term_fd, &t) == 0) {
        x->tty = true;
        x->saved = t;
        x->tty_saved = true;
        /* raw input as chardev.c makes it for -serial stdio: ISIG stays, so
         * Ctrl-C ends the emulator, and output keeps its newline handling */
        t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
        t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | IEXTEN);
        t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
        t.c_cflag |= CS8;
        t.c_cc[VMIN] = 1;
        t.c_cc[VTIME] = 0;
        tcsetattr(x->term_fd, TCSANOW, &t);
    }
    return x;
}

void mux_free(struct mux *x)
{
    if (!x)
        return;
    if (x->tty_saved)
        tcsetattr(x->term_fd, TCSANOW, &x->saved);
    if (x->term_fd >= 0)
        dup2(x->term_fd, STDIN_FILENO);
    close_fd(&x->term_fd);
    close_fd(&x->serial_wr);
    close_fd(&x->mon_rd);
    close_fd(&x->mon_wr);
    free(x);
}

int mux_monitor_fd(const struct mux *x)
{
    return x->mon_rd;
}

bool mux_monitor_focus(const struct mux *x)
{
    return x->monitor_focus;
}

static void send(int fd, const char *buf, size_t len)
{
    while (len > 0 && fd >= 0) {
        ssize_t w = write(fd, buf, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* full (the reader is not reading) or closed: dropped */
        buf += w;
        len -= (size_t)w;
    }
}

static void help(void)
{
    out("\nC-a h    print this help\n"
        "C-a x    exit emulator\n"
        "C-a c    switch between console and monitor\n"
        "C-a C-a  sends C-a\n");
}

/* one byte for the monitor: a terminal is raw, so its line is kept here */
static void monitor_byte(struct mux *x, char c)
{
    if (!x->tty) {
        send(x->mon_wr, &c, 1); /* a pipe or file: lines as they come */
        return;
    }
    if (c == '\r' || c == '\n') {
        out("\n");
        x->line[x->len++] = '\n';
        send(x->mon_wr, x->line, x->len);
        x->len = 0;
    } else if (c == 0x7F || c == '\b') {
        if (x->len > 0) {
            x->len--;
            out("\b \b");
        }
    } else if ((unsigned char)c >= 0x20 && x->len + 2 < sizeof x->line) {
        x->line[x->len++] = c;
        char echo[2] = {c, 0};
        out(echo);
    }
}

static void pass_on(struct mux *x, char c)
{
    if (x->monitor_focus)
        monitor_byte(x, c);
    else
        send(x->serial_wr, &c, 1);
}

enum mux_event mux_poll(struct mux *x, int wait_ms)
{
    if (x->closed) {
        if (wait_ms > 0)
            poll(NULL, 0, wait_ms);
        return MUX_NONE;
    }
    struct pollfd p = {.fd = x->term_fd, .events = POLLIN};
    if (poll(&p, 1, wait_ms) <= 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR)))
        return MUX_NONE;
    char buf[256];
    ssize_t got = read(x->term_fd, buf, sizeof buf);
    if (got < 0 && (errno == EINTR || errno == EAGAIN))
        return MUX_NONE;
    if (got <= 0) {
        /* end of input: both readers see it, and the guest runs on */
        x->closed = true;
        close_fd(&x->serial_wr);
        close_fd(&x->mon_wr);
        return MUX_NONE;
    }
    enum mux_event ev = MUX_NONE;
    for (ssize_t i = 0; i < got; i++) {
        char c = buf[i];
        if (!x->escape && c == MUX_ESCAPE) {
            x->escape = true;
            continue;
        }
        if (!x->escape) {
            pass_on(x, c);
            continue;
        }
        x->escape = false;
        switch (c) {
        case MUX_ESCAPE:
            pass_on(x, c);
            break;
        case 'x':
            out("\ndynapc: terminated\n");
            return MUX_QUIT;
        case 'h':
        case '?':
            help();
            break;
        case 'c':
            x->monitor_focus = !x->monitor_focus;
            if (x->monitor_focus)
                ev = MUX_TO_MONITOR;
            else if (ev == MUX_NONE)
                ev = MUX_TO_SERIAL;
            break;
        default:
            break; /* unknown commands are ignored, as QEMU does */
        }
    }
    return ev;
}
