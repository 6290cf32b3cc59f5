/* port92.c - System Control Port A (see port92.h).
 *
 * Intel's chipset datasheets (PIIX/ICH "Port 92h") define bit 1 as
 * ALT_A20_GATE and bit 0 as INIT_NOW: the CPU is reset when the bit goes
 * from 0 to 1, so writing 1 again while it reads 1 does nothing.  The bit
 * reads back as written; the other bits are kept as plain storage. */
#include "devices/port92.h"

#include <stdlib.h>

struct port92 {
    struct bus *bus;
    const struct irq_line *a20;
    const struct irq_line *reset;
    uint8_t value; /* saved */
};

static uint64_t port92_read(void *opaque, uint64_t offset, unsigned size)
{
    struct port92 *p = opaque;
    (void)offset;
    (void)size;
    return p->value;
}

static void port92_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    struct port92 *p = opaque;
    uint8_t old = p->value;
    (void)offset;
    (void)size;
    p->value = (uint8_t)value;
    irq_set(p->a20, (p->value & PORT92_A20) ? 1 : 0);
    if ((p->value & PORT92_RESET) && !(old & PORT92_RESET))
        irq_pulse(p->reset);
}

static const struct bus_ops port92_ops = {
    .read = port92_read,
    .write = port92_write,
    .widths = BUS_W8,
};

struct port92 *port92_new(struct bus *bus, const struct irq_line *a20, const struct irq_line *reset)
{
    struct port92 *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->bus = bus;
    p->a20 = a20;
    p->reset = reset;
    if (bus_map(bus, BUS_IO, PORT92_PORT, 1, &port92_ops, p, "port92") != 0) {
        free(p);
        return NULL;
    }
    return p;
}

void port92_free(struct port92 *p)
{
    if (!p)
        return;
    bus_unmap(p->bus, BUS_IO, PORT92_PORT);
    free(p);
}

void port92_reset(struct port92 *p)
{
    p->value &= (uint8_t)~PORT92_RESET;
}

static const struct vmstate_field port92_fields[] = {
    VMSTATE_FIELD(struct port92, value),
    VMSTATE_END,
};

const struct vmstate_desc port92_vmstate = {
    .name = "port92",
    .version = 1,
    .fields = port92_fields,
};
