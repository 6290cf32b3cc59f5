/* chardev.c - byte-stream back ends (see chardev.h).
 *
 * Output goes straight to write(2): nothing sits in a stdio buffer, so a
 * guest's last words before a host crash are not lost.  Input is polled
 * without blocking: poll(2) with a zero timeout before every read(2), so the
 * file status flags of the host's stdin (shared with the shell) are never
 * changed.  A terminal on stdin is put into raw mode for the life of the
 * chardev and restored by chardev_close(). */
#include "devices/chardev.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

enum chardev_kind { CHARDEV_NULL, CHARDEV_STDIO, CHARDEV_FILE, CHARDEV_BUFFER };

struct byte_buf {
    uint8_t *data;
    size_t len, cap;
};

struct chardev {
    enum chardev_kind kind;
    int out_fd;       /* -1: output discarded */
    int in_fd;        /* -1: no input (none, file, or stdin reached EOF) */
    bool owns_out_fd; /* close out_fd at chardev_close */
    bool tty_saved;   /* saved_tty holds the terminal state to restore */
    struct termios saved_tty;
    /* buffer back end */
    struct byte_buf out; /* kept NUL-terminated */
    struct byte_buf in;
    size_t in_pos;
    /* chardev_set_tap */
    void (*tap)(void *opaque, const uint8_t *buf, size_t len);
    void *tap_opaque;
};

static void set_err(char *err, size_t errlen, const char *spec, const char *reason)
{
    if (err && errlen)
        snprintf(err, errlen, "%s: %s", spec, reason);
}

static struct chardev *chardev_alloc(enum chardev_kind kind)
{
    struct chardev *cd = calloc(1, sizeof *cd);
    if (!cd)
        return NULL;
    cd->kind = kind;
    cd->out_fd = -1;
    cd->in_fd = -1;
    return cd;
}

/* Raw input for the guest, but keep ISIG (Ctrl-C still stops the emulator)
 * and output post-processing (the host terminal keeps its own newline
 * handling). */
static void stdio_enter_raw(struct chardev *cd)
{
    struct termios t;
    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &t) != 0)
        return;
    cd->saved_tty = t;
    cd->tty_saved = true;
    t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | IEXTEN);
    t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
    t.c_cflag |= CS8;
    t.c_cc[VMIN] = 0; /* a read never waits */
    t.c_cc[VTIME] = 0;
    tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

struct chardev *chardev_from_fd(int fd)
{
    struct chardev *cd = chardev_alloc(CHARDEV_FILE);
    if (cd)
        cd->out_fd = fd;
    return cd;
}

static struct chardev *open_stdio(void)
{
    struct chardev *cd = chardev_alloc(CHARDEV_STDIO);
    if (!cd)
        return NULL;
    cd->out_fd = STDOUT_FILENO;
    cd->in_fd = STDIN_FILENO;
    stdio_enter_raw(cd);
    return cd;
}

struct chardev *chardev_open(const char *spec, char *err, size_t errlen)
{
    struct chardev *cd = NULL;
    if (!spec)
        spec = "";
    if (strcmp(spec, "none") == 0 || strcmp(spec, "null") == 0) {
        cd = chardev_alloc(CHARDEV_NULL);
    } else if (strcmp(spec, "stdio") == 0) {
        cd = open_stdio();
    } else if (strncmp(spec, "file:", 5) == 0) {
        const char *path = spec + 5;
        if (!*path) {
            set_err(err, errlen, spec, "missing file name after 'file:'");
            return NULL;
        }
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (fd < 0) {
            set_err(err, errlen, spec, strerror(errno));
            return NULL;
        }
        cd = chardev_alloc(CHARDEV_FILE);
        if (!cd) {
            close(fd);
        } else {
            cd->out_fd = fd;
            cd->owns_out_fd = true;
        }
    } else {
        set_err(err, errlen, spec, "unknown character device (use stdio, file:PATH or none)");
        return NULL;
    }
    if (!cd)
        set_err(err, errlen, spec, strerror(ENOMEM));
    return cd;
}

struct chardev *chardev_new_buffer(void)
{
    struct chardev *cd = chardev_alloc(CHARDEV_BUFFER);
    if (!cd)
        return NULL;
    cd->out.data = calloc(1, 64);
    if (!cd->out.data) {
        free(cd);
        return NULL;
    }
    cd->out.cap = 64;
    return cd;
}

void chardev_close(struct chardev *cd)
{
    if (!cd)
        return;
    if (cd->tty_saved)
        tcsetattr(STDIN_FILENO, TCSANOW, &cd->saved_tty);
    if (cd->owns_out_fd && cd->out_fd >= 0)
        close(cd->out_fd);
    free(cd->out.data);
    free(cd->in.data);
    free(cd);
}

/* Grow b so that it holds at least need bytes; false if out of memory. */
static bool buf_reserve(struct byte_buf *b, size_t need)
{
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    uint8_t *n = realloc(b->data, cap);
    if (!n)
        return false;
    b->data = n;
    b->cap = cap;
    return true;
}

static void write_all(int fd, const uint8_t *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n > 0) {
            buf += n;
            len -= (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            /* someone made the descriptor non-blocking: wait until it drains */
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            poll(&p, 1, 100);
        } else {
            return; /* closed pipe, full disk: output is lost, the guest runs on */
        }
    }
}

void chardev_write(struct chardev *cd, const uint8_t *buf, size_t len)
{
    if (!cd || len == 0)
        return;
    if (cd->tap)
        cd->tap(cd->tap_opaque, buf, len);
    switch (cd->kind) {
    case CHARDEV_STDIO:
    case CHARDEV_FILE:
        write_all(cd->out_fd, buf, len);
        break;
    case CHARDEV_BUFFER:
        if (!buf_reserve(&cd->out, cd->out.len + len + 1))
            return;
        memcpy(cd->out.data + cd->out.len, buf, len);
        cd->out.len += len;
        cd->out.data[cd->out.len] = 0;
        break;
    case CHARDEV_NULL:
        break;
    }
}

void chardev_set_tap(struct chardev *cd, void (*fn)(void *opaque, const uint8_t *buf, size_t len),
                     void *opaque)
{
    if (!cd)
        return;
    cd->tap = fn;
    cd->tap_opaque = opaque;
}

static size_t stdio_read(struct chardev *cd, uint8_t *buf, size_t len)
{
    if (cd->in_fd < 0)
        return 0;
    struct pollfd p = {.fd = cd->in_fd, .events = POLLIN};
    int r = poll(&p, 1, 0);
    if (r <= 0)
        return 0;
    if (!(p.revents & (POLLIN | POLLHUP | POLLERR)))
        return 0;
    ssize_t n = read(cd->in_fd, buf, len);
    if (n > 0)
        return (size_t)n;
    if (n == 0 && cd->tty_saved && !(p.revents & POLLHUP))
        return 0; /* raw terminal with nothing typed (VMIN=0) */
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        return 0;
    /* end of file (/dev/null, a finished pipe) or a broken descriptor: no
     * more input ever; stop being polled */
    cd->in_fd = -1;
    return 0;
}

size_t chardev_read(struct chardev *cd, uint8_t *buf, size_t len)
{
    if (!cd || len == 0)
        return 0;
    switch (cd->kind) {
    case CHARDEV_STDIO:
        return stdio_read(cd, buf, len);
    case CHARDEV_BUFFER: {
        size_t avail = cd->in.len - cd->in_pos;
        size_t n = avail < len ? avail : len;
        if (n == 0)
            return 0;
        memcpy(buf, cd->in.data + cd->in_pos, n);
        cd->in_pos += n;
        if (cd->in_pos == cd->in.len)
            cd->in_pos = cd->in.len = 0;
        return n;
    }
    case CHARDEV_FILE:
    case CHARDEV_NULL:
        break;
    }
    return 0;
}

int chardev_input_fd(const struct chardev *cd)
{
    return cd ? cd->in_fd : -1;
}

bool chardev_has_input_source(const struct chardev *cd)
{
    if (!cd)
        return false;
    return cd->kind == CHARDEV_BUFFER || cd->in_fd >= 0;
}

void chardev_flush(struct chardev *cd)
{
    (void)cd; /* every back end writes through at once; nothing is held */
}

void chardev_buffer_push_input(struct chardev *cd, const uint8_t *buf, size_t len)
{
    if (!cd || cd->kind != CHARDEV_BUFFER || len == 0)
        return;
    if (!buf_reserve(&cd->in, cd->in.len + len))
        return;
    memcpy(cd->in.data + cd->in.len, buf, len);
    cd->in.len += len;
}

const char *chardev_buffer_output(struct chardev *cd, size_t *len)
{
    if (!cd || cd->kind != CHARDEV_BUFFER) {
        if (len)
            *len = 0;
        return "";
    }
    if (len)
        *len = cd->out.len;
    return (const char *)cd->out.data;
}

void chardev_buffer_clear(struct chardev *cd)
{
    if (!cd || cd->kind != CHARDEV_BUFFER)
        return;
    cd->out.len = 0;
    cd->out.data[0] = 0;
}
