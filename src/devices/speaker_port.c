/* speaker_port.c - port 0x61, system control port B (see speaker_port.h).
 *
 * Reference: IBM PC/AT Technical Reference, "System Control Port B". */
#include "devices/speaker_port.h"

#include <stddef.h>
#include <stdlib.h>

struct speaker_port {
    uint8_t control; /* bits 0-3 as last written */

    struct bus *bus;
    struct pit *pit;
    struct timerq *tq;
};

static uint64_t speaker_port_read(void *opaque, uint64_t offset, unsigned size)
{
    struct speaker_port *sp = opaque;
    (void)offset;
    (void)size;
    uint8_t v = sp->control & 0x0F;
    /* On the AT, PIT counter 1 requests a DRAM refresh every 15.085 us and
     * the request line toggles bit 4; software times short delays by it. */
    if (timerq_now(sp->tq) / SPEAKER_REFRESH_NS & 1)
        v |= 0x10;
    if (sp->pit && pit_get_out(sp->pit, 2))
        v |= 0x20;
    return v;
}

static void speaker_port_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    struct speaker_port *sp = opaque;
    (void)offset;
    (void)size;
    sp->control = (uint8_t)(value & 0x0F);
    if (sp->pit)
        pit_set_gate(sp->pit, 2, sp->control & 1);
}

static const struct bus_ops speaker_port_ops = {
    .read = speaker_port_read,
    .write = speaker_port_write,
    .widths = BUS_W8,
};

struct speaker_port *speaker_port_new(struct bus *bus, struct pit *pit, struct timerq *tq)
{
    struct speaker_port *sp = calloc(1, sizeof *sp);
    if (!sp)
        return NULL;
    sp->bus = bus;
    sp->pit = pit;
    sp->tq = tq;
    if (bus && bus_map(bus, BUS_IO, SPEAKER_PORT, 1, &speaker_port_ops, sp, "speaker-port") < 0) {
        free(sp);
        return NULL;
    }
    speaker_port_reset(sp);
    return sp;
}

void speaker_port_free(struct speaker_port *sp)
{
    if (!sp)
        return;
    if (sp->bus)
        bus_unmap(sp->bus, BUS_IO, SPEAKER_PORT);
    free(sp);
}

void speaker_port_reset(struct speaker_port *sp)
{
    speaker_port_write(sp, 0, 0, 1);
}

bool speaker_port_speaker_on(const struct speaker_port *sp)
{
    return (sp->control & 3) == 3;
}

void speaker_port_post_load(struct speaker_port *sp)
{
    if (sp->pit)
        pit_set_gate(sp->pit, 2, sp->control & 1);
}

static const struct vmstate_field speaker_port_fields[] = {
    VMSTATE_FIELD(struct speaker_port, control),
    VMSTATE_END,
};

const struct vmstate_desc speaker_port_vmstate = {
    .name = "speaker-port",
    .version = 1,
    .fields = speaker_port_fields,
};
