/* debugcon.c - debug console port (see debugcon.h). */
#include "devices/debugcon.h"

#include <stdlib.h>

struct debugcon {
    struct bus *bus;
    uint16_t port;
    struct chardev *cd;
};

static uint64_t debugcon_read(void *opaque, uint64_t offset, unsigned size)
{
    (void)opaque;
    (void)offset;
    (void)size;
    /* Bochs' "port e9 hack" answers 0xE9 so software can tell the console
     * is there; QEMU's debugcon does the same by default (readback=0xe9) */
    return DEBUGCON_READBACK;
}

/* Only byte accesses reach here: the bus splits a wider OUT, and the bytes
 * above the first go to the next ports (normally unclaimed), so only the low byte
 * is printed. */
static void debugcon_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    struct debugcon *dc = opaque;
    uint8_t byte = (uint8_t)value;
    (void)offset;
    (void)size;
    chardev_write(dc->cd, &byte, 1);
}

static const struct bus_ops debugcon_ops = {
    .read = debugcon_read,
    .write = debugcon_write,
    .widths = BUS_W8,
};

struct debugcon *debugcon_new(struct bus *bus, uint16_t port, struct chardev *cd)
{
    struct debugcon *dc = calloc(1, sizeof *dc);
    if (!dc)
        return NULL;
    dc->bus = bus;
    dc->port = port;
    dc->cd = cd;
    if (bus_map(bus, BUS_IO, port, 1, &debugcon_ops, dc, "debugcon") != 0) {
        free(dc);
        return NULL;
    }
    return dc;
}

void debugcon_free(struct debugcon *dc)
{
    if (!dc)
        return;
    bus_unmap(dc->bus, BUS_IO, dc->port);
    free(dc);
}
