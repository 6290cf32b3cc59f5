/* pic.c - Intel 8259A programmable interrupt controller (see pic.h).
 *
 * References are to the Intel 8259A datasheet (order no. 231468): the
 * sections "Interrupt Sequence", "Initialization Command Words",
 * "Operation Command Words", "The Special Fully Nested Mode", "Special Mask
 * Mode", "Poll Command" and "Edge and Level Triggered Modes".  Only the
 * 8086 mode (uPM = 1) is modelled: a PC never uses the 8080 CALL sequence,
 * so ICW1's ADI and A7-A5 bits and ICW4's uPM bit are stored but ignored. */
#include "devices/pic.h"

#include <stdio.h>
#include <stdlib.h>

#include "devices/bus.h"

#define ICW1_IC4  0x01 /* ICW4 follows */
#define ICW1_SNGL 0x02 /* single chip: no ICW3 */
#define ICW1_LTIM 0x08 /* every input level triggered */
#define ICW1_INIT 0x10 /* A0 = 0 writes with D4 set are ICW1 */

#define ICW4_AEOI 0x02
#define ICW4_SFNM 0x10

#define OCW3_RIS  0x01
#define OCW3_RR   0x02
#define OCW3_P    0x04
#define OCW3_SEL  0x08 /* D4 = 0, D3 = 1 selects OCW3 */
#define OCW3_SMM  0x20
#define OCW3_ESMM 0x40

#define POLL_INT 0x80 /* poll word: I bit, an interrupt was pending */

/* what the next write to A0 = 1 is */
enum pic_init_step { INIT_READY, INIT_ICW2, INIT_ICW3, INIT_ICW4 };

struct pic {
    /* saved state (pic_vmstate) */
    uint8_t irr;         /* interrupt request register */
    uint8_t isr;         /* in-service register */
    uint8_t imr;         /* interrupt mask register (OCW1) */
    uint8_t lines;       /* level on each IR input pin, for edge detection */
    uint8_t elcr;        /* PIIX edge/level control: 1 = level triggered */
    uint8_t icw1;        /* as written; LTIM, SNGL, IC4 are used */
    uint8_t icw3;        /* master: inputs with a slave; slave: its ID */
    uint8_t icw4;        /* as written (0 when ICW1 said no ICW4) */
    uint8_t vector_base; /* ICW2 T7-T3 */
    uint8_t lowest;      /* IR with the lowest priority; the next one up is highest */
    uint8_t init_step;   /* enum pic_init_step */
    uint8_t read_isr;    /* OCW3 RIS: a status read returns ISR, not IRR */
    uint8_t poll;        /* OCW3 P: the next read is a poll */
    uint8_t special_mask;
    uint8_t rotate_aeoi; /* rotate priority in automatic EOI mode */
    uint8_t int_level;   /* what INT is driving now */

    /* wiring, not saved */
    struct bus *bus;
    uint16_t iobase, elcr_port;
    uint8_t elcr_writable;
    struct irq_line int_out;
    struct pic *slave[8];
};

#define PIC_FIELD(m) VMSTATE_FIELD(struct pic, m)
static const struct vmstate_field pic_fields[] = {
    PIC_FIELD(irr),
    PIC_FIELD(isr),
    PIC_FIELD(imr),
    PIC_FIELD(lines),
    PIC_FIELD(elcr),
    PIC_FIELD(icw1),
    PIC_FIELD(icw3),
    PIC_FIELD(icw4),
    PIC_FIELD(vector_base),
    PIC_FIELD(lowest),
    PIC_FIELD(init_step),
    PIC_FIELD(read_isr),
    PIC_FIELD(poll),
    PIC_FIELD(special_mask),
    PIC_FIELD(rotate_aeoi),
    PIC_FIELD(int_level),
    VMSTATE_END,
};
#undef PIC_FIELD

const struct vmstate_desc pic_vmstate = {"pic", 1, pic_fields};

/* inputs whose IRR follows the pin level instead of latching an edge */
static uint8_t level_inputs(const struct pic *p)
{
    return (p->icw1 & ICW1_LTIM) ? 0xFF : p->elcr;
}

/* inputs where a slave supplies the vector: ICW3 on a master in cascade
 * mode, limited to the inputs the board actually wired a slave to */
static uint8_t cascade_inputs(const struct pic *p)
{
    if (p->icw1 & ICW1_SNGL)
        return 0;
    uint8_t wired = 0;
    for (int ir = 0; ir < 8; ir++)
        if (p->slave[ir])
            wired |= (uint8_t)(1u << ir);
    return p->icw3 & wired;
}

/* IS bits the priority resolver sees.  In special mask mode an IS bit whose
 * IMR bit is set no longer holds off other levels ("Special Mask Mode"), and
 * a non-specific EOI skips it too. */
static uint8_t visible_in_service(const struct pic *p)
{
    return p->special_mask ? p->isr & ~p->imr : p->isr;
}

static int priority_order(const struct pic *p, int rank)
{
    return (p->lowest + 1 + rank) & 7;
}

/* The request the chip would present now, or -1: the highest-priority
 * unmasked IRR bit that is above every level in service.  In special fully
 * nested mode a cascade input in service does not lock out its own slave,
 * so that a higher-priority request on that slave gets through ("The Special
 * Fully Nested Mode"). */
static int highest_request(const struct pic *p)
{
    uint8_t req = p->irr & ~p->imr;
    if (!req)
        return -1;
    uint8_t in_service = visible_in_service(p);
    uint8_t nested = (p->icw4 & ICW4_SFNM) ? cascade_inputs(p) : 0;
    for (int rank = 0; rank < 8; rank++) {
        int ir = priority_order(p, rank);
        uint8_t bit = (uint8_t)(1u << ir);
        if ((req & bit) && (!(in_service & bit) || (nested & bit)))
            return ir;
        if (in_service & bit)
            return -1;
    }
    return -1;
}

static void update_int(struct pic *p)
{
    uint8_t level = highest_request(p) >= 0;
    if (level != p->int_level) {
        p->int_level = level;
        irq_set(&p->int_out, level);
    }
}

/* First INTA (or a poll read): set the IS bit, drop an edge request.  A level
 * input's IRR bit keeps following the pin.  In AEOI mode the non-specific
 * EOI at the end of the last INTA clears the IS bit straight away. */
static void acknowledge_input(struct pic *p, int ir)
{
    uint8_t bit = (uint8_t)(1u << ir);
    if (!(level_inputs(p) & bit))
        p->irr &= (uint8_t)~bit;
    if (p->icw4 & ICW4_AEOI) {
        if (p->rotate_aeoi)
            p->lowest = (uint8_t)ir;
    } else {
        p->isr |= bit;
    }
    update_int(p);
}

void pic_set_irq(void *opaque, int n, int level)
{
    struct pic *p = opaque;
    if (n < 0 || n > 7)
        return;
    uint8_t bit = (uint8_t)(1u << n);
    if (level) {
        if (!(p->lines & bit) || (level_inputs(p) & bit))
            p->irr |= bit;
        p->lines |= bit;
    } else {
        /* The datasheet wants an edge-triggered request held until the first
         * INTA, or the CPU gets a default IR7.  We keep the latched edge
         * instead: sources in this emulator may signal an edge with
         * irq_pulse(), which raises and lowers the line at once. */
        if (level_inputs(p) & bit)
            p->irr &= (uint8_t)~bit;
        p->lines &= (uint8_t)~bit;
    }
    update_int(p);
}

/* Slaves compare the CAS lines with the ID from their ICW3; a chip in single
 * mode answers every INTA. */
static bool slave_answers(const struct pic *s, int ir)
{
    return (s->icw1 & ICW1_SNGL) || (s->icw3 & 7) == ir;
}

int pic_acknowledge(struct pic *m)
{
    int ir = highest_request(m);
    if (ir < 0) {
        /* the request went away before INTA: default IR7, no IS bit set
         * ("Edge and Level Triggered Modes") */
        return m->vector_base | 7;
    }
    uint8_t bit = (uint8_t)(1u << ir);
    struct pic *s = (cascade_inputs(m) & bit) ? m->slave[ir] : NULL;
    acknowledge_input(m, ir);
    if (!s)
        return m->vector_base | ir;
    if (!slave_answers(s, ir))
        return 0xFF; /* nobody drives the data bus */
    int vector;
    int sir = highest_request(s);
    if (sir < 0) {
        /* spurious on the slave (IR15 on a PC): the master has already set
         * its IS bit for the cascade input, so software must EOI the master */
        vector = s->vector_base | 7;
    } else {
        acknowledge_input(s, sir);
        vector = s->vector_base | sir;
    }
    /* If the slave still asks (AEOI or special mask mode on the slave), its
     * INT never went low, so the master would see no new edge and the request
     * would be stuck; treat it as re-asserted. */
    if (s->int_level && !(level_inputs(m) & bit)) {
        m->irr |= bit;
        update_int(m);
    }
    return vector;
}

bool pic_int_output(const struct pic *p)
{
    return p->int_level;
}

void pic_set_cascade(struct pic *master, int ir, struct pic *slave)
{
    if (ir >= 0 && ir < 8)
        master->slave[ir] = slave;
}

/* ICW1 resets the edge sense circuit (an input must go low to high again),
 * clears the IMR, gives IR7 the lowest priority, sets the slave address to
 * 7, clears special mask mode, selects IRR for status reads and, without
 * IC4, zeroes the ICW4 functions ("Initialization Command Words").  The
 * datasheet does not list the ISR; we clear it too, so that software that
 * re-initialises the chip starts clean, as other PC emulators do. */
static void write_icw1(struct pic *p, uint8_t v)
{
    p->icw1 = v;
    p->icw3 = 7;
    p->icw4 = 0;
    p->imr = 0;
    p->isr = 0;
    p->irr = p->lines & level_inputs(p);
    p->lowest = 7;
    p->special_mask = 0;
    p->read_isr = 0;
    p->poll = 0;
    p->rotate_aeoi = 0;
    p->init_step = INIT_ICW2;
}

static int finish_icw(const struct pic *p, int after)
{
    if (after < INIT_ICW3 && !(p->icw1 & ICW1_SNGL))
        return INIT_ICW3;
    if (after < INIT_ICW4 && (p->icw1 & ICW1_IC4))
        return INIT_ICW4;
    return INIT_READY;
}

static void write_data(struct pic *p, uint8_t v)
{
    switch (p->init_step) {
    case INIT_ICW2:
        p->vector_base = v & 0xF8;
        p->init_step = (uint8_t)finish_icw(p, INIT_ICW2);
        break;
    case INIT_ICW3:
        p->icw3 = v;
        p->init_step = (uint8_t)finish_icw(p, INIT_ICW3);
        break;
    case INIT_ICW4:
        p->icw4 = v;
        p->init_step = INIT_READY;
        break;
    default:
        p->imr = v; /* OCW1 */
        break;
    }
}

static void nonspecific_eoi(struct pic *p, bool rotate)
{
    uint8_t in_service = visible_in_service(p);
    for (int rank = 0; rank < 8; rank++) {
        int ir = priority_order(p, rank);
        if (in_service & (1u << ir)) {
            p->isr &= (uint8_t) ~(1u << ir);
            if (rotate)
                p->lowest = (uint8_t)ir;
            return;
        }
    }
}

/* OCW2: R, SL, EOI in D7-D5, level in D2-D0 */
static void write_ocw2(struct pic *p, uint8_t v)
{
    uint8_t level = v & 7;
    switch (v >> 5) {
    case 0: /* rotate in automatic EOI mode (clear) */
        p->rotate_aeoi = 0;
        break;
    case 1: /* non-specific EOI */
        nonspecific_eoi(p, false);
        break;
    case 2: /* no operation */
        break;
    case 3: /* specific EOI */
        p->isr &= (uint8_t) ~(1u << level);
        break;
    case 4: /* rotate in automatic EOI mode (set) */
        p->rotate_aeoi = 1;
        break;
    case 5: /* rotate on non-specific EOI */
        nonspecific_eoi(p, true);
        break;
    case 6: /* set priority: `level` becomes the lowest */
        p->lowest = level;
        break;
    case 7: /* rotate on specific EOI */
        p->isr &= (uint8_t) ~(1u << level);
        p->lowest = level;
        break;
    }
}

static void write_ocw3(struct pic *p, uint8_t v)
{
    if (v & OCW3_P)
        p->poll = 1;
    if (v & OCW3_RR)
        p->read_isr = v & OCW3_RIS;
    if (v & OCW3_ESMM)
        p->special_mask = (v & OCW3_SMM) != 0;
}

/* After a poll command the chip treats the next RD pulse, at either address,
 * as an interrupt acknowledge and returns I---- W2 W1 W0 ("Poll Command"). */
static uint8_t poll_read(struct pic *p)
{
    p->poll = 0;
    int ir = highest_request(p);
    if (ir < 0)
        return 0;
    acknowledge_input(p, ir);
    return (uint8_t)(POLL_INT | ir);
}

static uint64_t pic_port_read(void *opaque, uint64_t offset, unsigned size)
{
    struct pic *p = opaque;
    (void)size;
    if (p->poll)
        return poll_read(p);
    if (offset == 0)
        return p->read_isr ? p->isr : p->irr;
    return p->imr;
}

static void pic_port_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    struct pic *p = opaque;
    uint8_t v = (uint8_t)value;
    (void)size;
    if (offset != 0)
        write_data(p, v);
    else if (v & ICW1_INIT)
        write_icw1(p, v);
    else if (v & OCW3_SEL)
        write_ocw3(p, v);
    else
        write_ocw2(p, v);
    update_int(p);
}

static uint64_t pic_elcr_read(void *opaque, uint64_t offset, unsigned size)
{
    const struct pic *p = opaque;
    (void)offset;
    (void)size;
    return p->elcr;
}

static void pic_elcr_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    struct pic *p = opaque;
    (void)offset;
    (void)size;
    p->elcr = (uint8_t)value & p->elcr_writable;
    uint8_t level = level_inputs(p);
    p->irr = (uint8_t)((p->irr & ~level) | (p->lines & level));
    update_int(p);
}

static const struct bus_ops pic_port_ops = {pic_port_read, pic_port_write, BUS_W8};
static const struct bus_ops pic_elcr_ops = {pic_elcr_read, pic_elcr_write, BUS_W8};

/* PIIX3 datasheet, ELCR1/ELCR2: IRQ0, 1, 2, 8 and 13 are always edge
 * triggered; their bits are reserved and read as 0. */
static uint8_t elcr_writable_bits(uint16_t elcr_port)
{
    switch (elcr_port) {
    case 0x4D0:
        return 0xF8;
    case 0x4D1:
        return 0xDE;
    default:
        return 0xFF;
    }
}

struct pic *pic_new(struct bus *bus, uint16_t iobase, uint16_t elcr_port, const struct irq_line *int_out,
                    const char *name)
{
    struct pic *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->bus = bus;
    p->iobase = iobase;
    p->elcr_port = elcr_port;
    p->elcr_writable = elcr_writable_bits(elcr_port);
    if (int_out)
        p->int_out = *int_out;
    if (bus_map(bus, BUS_IO, iobase, 2, &pic_port_ops, p, name) < 0) {
        free(p);
        return NULL;
    }
    if (elcr_port) {
        char elcr_name[64];
        snprintf(elcr_name, sizeof elcr_name, "%s ELCR", name);
        if (bus_map(bus, BUS_IO, elcr_port, 1, &pic_elcr_ops, p, elcr_name) < 0) {
            bus_unmap(bus, BUS_IO, iobase);
            free(p);
            return NULL;
        }
    }
    pic_reset(p);
    return p;
}

void pic_free(struct pic *p)
{
    if (!p)
        return;
    bus_unmap(p->bus, BUS_IO, p->iobase);
    if (p->elcr_port)
        bus_unmap(p->bus, BUS_IO, p->elcr_port);
    free(p);
}

void pic_reset(struct pic *p)
{
    /* the pins keep whatever the devices drive */
    p->irr = 0;
    p->isr = 0;
    p->imr = 0xFF;
    p->elcr = 0;
    p->icw1 = 0;
    p->icw3 = 0;
    p->icw4 = 0;
    p->vector_base = 0;
    p->lowest = 7;
    p->init_step = INIT_READY;
    p->read_isr = 0;
    p->poll = 0;
    p->special_mask = 0;
    p->rotate_aeoi = 0;
    update_int(p);
}
