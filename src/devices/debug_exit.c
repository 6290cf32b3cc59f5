/* debug_exit.c - isa-debug-exit (see debug_exit.h). */
#include "devices/debug_exit.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct debug_exit {
    struct bus *bus;
    uint16_t iobase;
    void (*request_exit)(void *opaque, int status);
    void *opaque;
};

static uint64_t debug_exit_read(void *opaque, uint64_t offset, unsigned size)
{
    (void)opaque;
    (void)offset;
    (void)size;
    return 0; /* QEMU's hw/misc/debugexit.c answers reads with 0 */
}

static void debug_exit_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    struct debug_exit *de = opaque;
    (void)offset;
    (void)size;
    /* the host keeps only the low bits of an exit status anyway; stay in
     * the positive int range */
    int status = (int)(((value << 1) | 1) & INT_MAX);
    if (de->request_exit)
        de->request_exit(de->opaque, status);
}

static const struct bus_ops debug_exit_ops = {
    .read = debug_exit_read,
    .write = debug_exit_write,
    .widths = BUS_W8 | BUS_W16 | BUS_W32,
};

struct debug_exit *debug_exit_new(struct bus *bus, uint16_t iobase, uint16_t iosize,
                                  void (*request_exit)(void *opaque, int status), void *opaque)
{
    struct debug_exit *de = calloc(1, sizeof *de);
    if (!de)
        return NULL;
    de->bus = bus;
    de->iobase = iobase;
    de->request_exit = request_exit;
    de->opaque = opaque;
    if (bus_map(bus, BUS_IO, iobase, iosize, &debug_exit_ops, de, "isa-debug-exit") != 0) {
        free(de);
        return NULL;
    }
    return de;
}

void debug_exit_free(struct debug_exit *de)
{
    if (!de)
        return;
    bus_unmap(de->bus, BUS_IO, de->iobase);
    free(de);
}

/* parse a whole token [begin, end) as an unsigned number no larger than max */
static bool parse_number(const char *begin, const char *end, unsigned long max, unsigned long *out)
{
    char buf[32];
    size_t n = (size_t)(end - begin);
    if (n == 0 || n >= sizeof buf || begin[0] == '-' || begin[0] == '+')
        return false;
    memcpy(buf, begin, n);
    buf[n] = 0;
    char *stop;
    errno = 0;
    unsigned long v = strtoul(buf, &stop, 0);
    if (errno || *stop || v > max)
        return false;
    *out = v;
    return true;
}

int debug_exit_parse(const char *spec, uint16_t *iobase, uint16_t *iosize, char *err, size_t errlen)
{
    static const char driver[] = "isa-debug-exit";
    unsigned long base = DEBUG_EXIT_DEFAULT_IOBASE, size = DEBUG_EXIT_DEFAULT_IOSIZE;
    const char *p = spec ? spec : "";
    bool first = true;
    for (;;) {
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        const char *eq = memchr(p, '=', (size_t)(end - p));
        int len = (int)(end - p);
        if (first && !eq) {
            if ((size_t)len != strlen(driver) || strncmp(p, driver, (size_t)len) != 0) {
                snprintf(err, errlen, "%s: not an isa-debug-exit device", spec);
                return -1;
            }
        } else if (!eq) {
            snprintf(err, errlen, "%s: '%.*s' is not key=value", driver, len, p);
            return -1;
        } else {
            int klen = (int)(eq - p);
            unsigned long *dst;
            unsigned long max, min;
            if (klen == 6 && strncmp(p, "iobase", 6) == 0) {
                dst = &base;
                min = 0;
                max = 0xFFFF;
            } else if (klen == 6 && strncmp(p, "iosize", 6) == 0) {
                dst = &size;
                min = 1;
                max = 0xFFFF;
            } else {
                snprintf(err, errlen, "%s: unknown property '%.*s' (use iobase, iosize)", driver, klen, p);
                return -1;
            }
            unsigned long v;
            if (!parse_number(eq + 1, end, max, &v) || v < min) {
                snprintf(err, errlen, "%s: bad value '%.*s' for %.*s (a number from %lu to 0x%lx)", driver,
                         (int)(end - eq - 1), eq + 1, klen, p, min, max);
                return -1;
            }
            *dst = v;
        }
        first = false;
        if (!*end)
            break;
        p = end + 1;
    }
    if (base + size > 0x10000) {
        snprintf(err, errlen, "%s: ports 0x%lx+0x%lx run past 0xffff", driver, base, size);
        return -1;
    }
    *iobase = (uint16_t)base;
    *iosize = (uint16_t)size;
    return 0;
}
