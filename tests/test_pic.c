/* test_pic.c - the 8259A pair, driven through the bus as a guest would. */
#include "devices/pic.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "devices/bus.h"

/* stands in for the CPU's INTR pin */
struct probe {
    int level;
    int changes;
};

static void probe_set(void *opaque, int n, int level)
{
    struct probe *pr = opaque;
    (void)n;
    pr->level = level;
    pr->changes++;
}

/* a PC's pair: master at 0x20 (ELCR 0x4D0), slave at 0xA0 (ELCR 0x4D1) on IR2 */
struct rig {
    struct bus *bus;
    struct pic *master, *slave;
    struct probe cpu;
};

static void rig_init(struct rig *r)
{
    memset(r, 0, sizeof *r);
    r->bus = bus_new();
    ck_assert_ptr_nonnull(r->bus);
    struct irq_line intr = irq_line_make(probe_set, &r->cpu, 0);
    r->master = pic_new(r->bus, 0x20, 0x4D0, &intr, "pic master");
    ck_assert_ptr_nonnull(r->master);
    struct irq_line cascade = irq_line_make(pic_set_irq, r->master, 2);
    r->slave = pic_new(r->bus, 0xA0, 0x4D1, &cascade, "pic slave");
    ck_assert_ptr_nonnull(r->slave);
    pic_set_cascade(r->master, 2, r->slave);
}

static void rig_free(struct rig *r)
{
    pic_free(r->slave);
    pic_free(r->master);
    bus_free(r->bus);
}

static void outb(struct rig *r, uint16_t port, uint8_t v)
{
    bus_out(r->bus, port, v, 1);
}

static uint8_t inb(struct rig *r, uint16_t port)
{
    return (uint8_t)bus_in(r->bus, port, 1);
}

/* the BIOS sequence: edge, cascade, ICW4; master vectors 0x08, slave 0x70 */
static void init_pair(struct rig *r, uint8_t master_icw4, uint8_t slave_icw4)
{
    outb(r, 0x20, 0x11);
    outb(r, 0x21, 0x08);
    outb(r, 0x21, 0x04);
    outb(r, 0x21, master_icw4);
    outb(r, 0xA0, 0x11);
    outb(r, 0xA1, 0x70);
    outb(r, 0xA1, 0x02);
    outb(r, 0xA1, slave_icw4);
}

static void set_irq(struct rig *r, int irq, int level)
{
    pic_set_irq(irq < 8 ? r->master : r->slave, irq & 7, level);
}

static uint8_t read_irr(struct rig *r, uint16_t cmd)
{
    outb(r, cmd, 0x0A);
    return inb(r, cmd);
}

static uint8_t read_isr(struct rig *r, uint16_t cmd)
{
    outb(r, cmd, 0x0B);
    return inb(r, cmd);
}

static void eoi(struct rig *r, uint16_t cmd)
{
    outb(r, cmd, 0x20);
}

START_TEST(test_init_vector_base)
{
    struct rig r;
    rig_init(&r);
    init_pair(&r, 0x01, 0x01);
    ck_assert_uint_eq(inb(&r, 0x21), 0x00); /* ICW1 cleared the IMR */
    set_irq(&r, 0, 1);
    ck_assert_int_eq(r.cpu.level, 1);
    ck_assert(pic_int_output(r.master));
    ck_assert_int_eq(pic_acknowledge(r.master), 0x08);
    ck_assert_int_eq(r.cpu.level, 0);
    eoi(&r, 0x20);

    /* single mode, no ICW4; the low three bits of ICW2 are not part of the base */
    outb(&r, 0x20, 0x12);
    outb(&r, 0x21, 0x27);
    outb(&r, 0x21, 0x40); /* no ICW3 or ICW4 expected: this is OCW1 */
    ck_assert_uint_eq(inb(&r, 0x21), 0x40);
    set_irq(&r, 1, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x21);
    rig_free(&r);
}
END_TEST

START_TEST(test_reset_state)
{
    struct rig r;
    rig_init(&r);
    /* before ICW1 everything is masked */
    ck_assert_uint_eq(inb(&r, 0x21), 0xFF);
    ck_assert_uint_eq(inb(&r, 0xA1), 0xFF);
    set_irq(&r, 3, 1);
    ck_assert_int_eq(r.cpu.level, 0);
    ck_assert_int_eq(r.cpu.changes, 0);
    init_pair(&r, 0x01, 0x01);
    /* ICW1 reset the edge sense: the input that was already high needs a new edge */
    ck_assert_int_eq(r.cpu.level, 0);
    set_irq(&r, 3, 0);
    set_irq(&r, 3, 1);
    ck_assert_int_eq(r.cpu.level, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x0B);
    /* ICW1 again: the IS bit goes, and so does the mask */
    outb(&r, 0x21, 0x01);
    outb(&r, 0x20, 0x11);
    ck_assert_uint_eq(read_isr(&r, 0x20), 0x00);
    ck_assert_uint_eq(inb(&r, 0x21), 0x00);
    outb(&r, 0x21, 0x08);
    outb(&r, 0x21, 0x04);
    outb(&r, 0x21, 0x01);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x0F); /* nothing pending */
    pic_reset(r.master);
    ck_assert_uint_eq(inb(&r, 0x21), 0xFF);
    ck_assert_uint_eq(read_isr(&r, 0x20), 0x00);
    rig_free(&r);
}
END_TEST

START_TEST(test_mask)
{
    struct rig r;
    rig_init(&r);
    init_pair(&r, 0x01, 0x01);
    outb(&r, 0x21, 0xA5);
    ck_assert_uint_eq(inb(&r, 0x21), 0xA5);
    set_irq(&r, 0, 1); /* masked */
    ck_assert_int_eq(r.cpu.level, 0);
    ck_assert_uint_eq(read_irr(&r, 0x20), 0x01); /* the IRR is not affected by the IMR */
    set_irq(&r, 1, 1);                           /* not masked */
    ck_assert_int_eq(r.cpu.level, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x09);
    eoi(&r, 0x20);
    ck_assert_int_eq(r.cpu.level, 0);
    outb(&r, 0x21, 0x00); /* unmasking lets the held request through */
    ck_assert_int_eq(r.cpu.level, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x08);
    /* masking the cascade input holds back the whole slave */
    eoi(&r, 0x20);
    outb(&r, 0x21, 0x04);
    set_irq(&r, 9, 1);
    ck_assert_int_eq(r.cpu.level, 0);
    outb(&r, 0x21, 0x00);
    ck_assert_int_eq(r.cpu.level, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x71);
    rig_free(&r);
}
END_TEST

START_TEST(test_priority_order)
{
    struct rig r;
    rig_init(&r);
    init_pair(&r, 0x01, 0x01);
    set_irq(&r, 5, 1);
    set_irq(&r, 3, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x0B);
    ck_assert_int_eq(r.cpu.level, 0); /* IR5 is below IR3 in service */
    set_irq(&r, 1, 1);                /* IR1 is above it: nests */
    ck_assert_int_eq(r.cpu.level, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x09);
    ck_assert_uint_eq(read_isr(&r, 0x20), 0x0A);
    eoi(&r, 0x20); /* clears IR1, the highest in service */
    ck_assert_uint_eq(read_isr(&r, 0x20), 0x08);
    ck_assert_int_eq(r.cpu.level, 0);
    eoi(&r, 0x20);
    ck_assert_int_eq(r.cpu.level, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x0D);
    eoi(&r, 0x20);
    /* several at once come out highest first */
    for (int irq = 7; irq >= 0; irq--)
        if (irq != 2)
            set_irq(&r, irq, 0);
    for (int irq = 7; irq >= 0; irq--)
        if (irq != 2)
            set_irq(&r, irq, 1);
    set_irq(&r, 8, 1);
    static const int expect[] = {0x08, 0x09, 0x70, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F};
    for (int i = 0; i < 8; i++) {
        ck_assert_int_eq(r.cpu.level, 1);
        ck_assert_int_eq(pic_acknowledge(r.master), expect[i]);
        if (expect[i] >= 0x70)
            eoi(&r, 0xA0);
        eoi(&r, 0x20);
    }
    ck_assert_int_eq(r.cpu.level, 0);
    ck_assert_uint_eq(read_isr(&r, 0x20), 0x00);
    rig_free(&r);
}
END_TEST

START_TEST(test_eoi)
{
    struct rig r;
    rig_init(&r);
    init_pair(&r, 0x01, 0x01);
    set_irq(&r, 6, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x0E);
    set_irq(&r, 4, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x0C);
    set_irq(&r, 1, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x09);
    ck_assert_uint_eq(read_isr(&r, 0x20), 0x52);
    outb(&r, 0x20, 0x64); /* specific EOI for IR4 */
    ck_assert_uint_eq(read_isr(&r, 0x20), 0x42);
    outb(&r, 0x20, 0x64); /* again: nothing left to clear at IR4 */
    ck_assert_uint_eq(read_isr(&r, 0x20), 0x42);
    outb(&r, 0x20, 0x40); /* no operation */
    ck_assert_uint_eq(read_isr(&r, 0x20), 0x42);
    eoi(&r, 0x20); /* non-specific: IR1 */
    ck_assert_uint_eq(read_isr(&r, 0x20), 0x40);
    eoi(&r, 0x20);
    ck_assert_uint_eq(read_isr(&r, 0x20), 0x00);
    eoi(&r, 0x20); /* with nothing in service: harmless */
    ck_assert_uint_eq(read_isr(&r, 0x20), 0x00);
    ck_assert_int_eq(r.cpu.level, 0);
    rig_free(&r);
}
END_TEST

START_TEST(test_rotation)
{
    struct rig r;
    rig_init(&r);
    init_pair(&r, 0x01, 0x01);
    /* rotate on non-specific EOI: the level just finished becomes the lowest */
    set_irq(&r, 0, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x08);
    outb(&r, 0x20, 0xA0);
    ck_assert_uint_eq(read_isr(&r, 0x20), 0x00);
    set_irq(&r, 0, 0);
    set_irq(&r, 0, 1);
    set_irq(&r, 7, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x0F); /* IR1 is highest now; IR7 beats IR0 */
    outb(&r, 0x20, 0xA0);                              /* IR7 lowest: back to the power-on order */
    ck_assert_int_eq(pic_acknowledge(r.master), 0x08);
    eoi(&r, 0x20);

    /* set priority: IR4 lowest, so IR5 highest */
    outb(&r, 0x20, 0xC4);
    set_irq(&r, 3, 1);
    set_irq(&r, 6, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x0E);
    /* IR3 is below IR6 now, so it waits */
    ck_assert_int_eq(r.cpu.level, 0);
    /* rotate on specific EOI: finish IR6 (which becomes the lowest) */
    outb(&r, 0x20, 0xE6);
    ck_assert_uint_eq(read_isr(&r, 0x20), 0x00);
    ck_assert_int_eq(r.cpu.level, 1);
    /* again, on a level not in service: only the rotation, IR3 now highest */
    outb(&r, 0x20, 0xE2);
    set_irq(&r, 1, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x0B);
    eoi(&r, 0x20);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x09);
    eoi(&r, 0x20);
    /* a fresh ICW1 puts IR7 back at the bottom */
    outb(&r, 0x20, 0x11);
    outb(&r, 0x21, 0x08);
    outb(&r, 0x21, 0x04);
    outb(&r, 0x21, 0x01);
    set_irq(&r, 7, 0);
    set_irq(&r, 7, 1);
    set_irq(&r, 0, 0);
    set_irq(&r, 0, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x08);
    rig_free(&r);
}
END_TEST

START_TEST(test_aeoi)
{
    struct rig r;
    rig_init(&r);
    init_pair(&r, 0x03, 0x01);
    set_irq(&r, 3, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x0B);
    ck_assert_uint_eq(read_isr(&r, 0x20), 0x00); /* EOI happened at the end of INTA */
    set_irq(&r, 5, 1);                           /* nothing in service holds it off */
    ck_assert_int_eq(r.cpu.level, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x0D);

    /* rotate in AEOI mode (set): each level serviced drops to the bottom */
    outb(&r, 0x20, 0x80);
    set_irq(&r, 0, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x08);
    set_irq(&r, 1, 1);
    set_irq(&r, 0, 0);
    set_irq(&r, 0, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x09);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x08);
    /* rotate in AEOI mode (clear): the order stays where it is now (IR0 lowest) */
    outb(&r, 0x20, 0x00);
    set_irq(&r, 0, 0);
    set_irq(&r, 0, 1);
    set_irq(&r, 7, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x0F);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x08);
    set_irq(&r, 7, 0);
    set_irq(&r, 7, 1);
    set_irq(&r, 0, 0);
    set_irq(&r, 0, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x0F);
    rig_free(&r);
}
END_TEST

START_TEST(test_cascade)
{
    struct rig r;
    rig_init(&r);
    init_pair(&r, 0x01, 0x01);
    set_irq(&r, 12, 1);
    ck_assert(pic_int_output(r.slave));
    ck_assert_uint_eq(read_irr(&r, 0x20), 0x04);
    ck_assert_int_eq(r.cpu.level, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x74);
    ck_assert_int_eq(r.cpu.level, 0);
    ck_assert(!pic_int_output(r.slave));
    ck_assert_uint_eq(read_isr(&r, 0x20), 0x04);
    ck_assert_uint_eq(read_isr(&r, 0xA0), 0x10);
    /* IRQ8 is above IRQ12 on the slave, but the master's IR2 is in service */
    set_irq(&r, 8, 1);
    ck_assert(pic_int_output(r.slave));
    ck_assert_int_eq(r.cpu.level, 0);
    eoi(&r, 0xA0);
    eoi(&r, 0x20);
    ck_assert_int_eq(r.cpu.level, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x70);
    eoi(&r, 0xA0);
    eoi(&r, 0x20);
    ck_assert_int_eq(r.cpu.level, 0);
    /* every slave input comes through with the slave's vector */
    for (int irq = 8; irq < 16; irq++) {
        set_irq(&r, irq, 0);
        set_irq(&r, irq, 1);
        ck_assert_int_eq(pic_acknowledge(r.master), 0x70 + irq - 8);
        eoi(&r, 0xA0);
        eoi(&r, 0x20);
    }
    /* the slave's inputs sit at IR2's place in the master's order */
    set_irq(&r, 3, 1);
    set_irq(&r, 15, 0);
    set_irq(&r, 15, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x77);
    set_irq(&r, 1, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x09);
    rig_free(&r);
}
END_TEST

START_TEST(test_cascade_slave_id)
{
    struct rig r;
    rig_init(&r);
    init_pair(&r, 0x01, 0x01);
    /* the slave is told it sits on IR5: nobody answers the INTA for IR2 */
    outb(&r, 0xA0, 0x11);
    outb(&r, 0xA1, 0x70);
    outb(&r, 0xA1, 0x05);
    outb(&r, 0xA1, 0x01);
    set_irq(&r, 10, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0xFF);
    rig_free(&r);
}
END_TEST

START_TEST(test_special_fully_nested)
{
    struct rig r;
    rig_init(&r);
    init_pair(&r, 0x11, 0x01); /* master in special fully nested mode */
    set_irq(&r, 12, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x74);
    ck_assert_int_eq(r.cpu.level, 0);
    set_irq(&r, 14, 1); /* lower than IRQ12 on the slave: held there */
    ck_assert_int_eq(r.cpu.level, 0);
    set_irq(&r, 8, 1); /* higher on the same slave: the master lets it in */
    ck_assert_int_eq(r.cpu.level, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x70);
    ck_assert_uint_eq(read_isr(&r, 0xA0), 0x11);
    ck_assert_uint_eq(read_isr(&r, 0x20), 0x04);
    /* lower master inputs are still held off by IR2 in service */
    set_irq(&r, 5, 1);
    ck_assert_int_eq(r.cpu.level, 0);
    eoi(&r, 0xA0);
    eoi(&r, 0xA0);
    ck_assert_uint_eq(read_isr(&r, 0xA0), 0x00);
    eoi(&r, 0x20);
    ck_assert_int_eq(r.cpu.level, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x76);
    rig_free(&r);
}
END_TEST

START_TEST(test_slave_aeoi_keeps_second_request)
{
    struct rig r;
    rig_init(&r);
    init_pair(&r, 0x01, 0x03); /* slave in AEOI */
    set_irq(&r, 8, 1);
    set_irq(&r, 12, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x70);
    ck_assert(pic_int_output(r.slave)); /* IRQ12 still asks */
    ck_assert_int_eq(r.cpu.level, 0);   /* master IR2 in service */
    eoi(&r, 0x20);
    ck_assert_int_eq(r.cpu.level, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x74);
    rig_free(&r);
}
END_TEST

START_TEST(test_poll)
{
    struct rig r;
    rig_init(&r);
    init_pair(&r, 0x01, 0x01);
    outb(&r, 0x20, 0x0C); /* poll with nothing pending */
    ck_assert_uint_eq(inb(&r, 0x20), 0x00);
    set_irq(&r, 6, 1);
    set_irq(&r, 4, 1);
    outb(&r, 0x20, 0x0C);
    ck_assert_uint_eq(inb(&r, 0x20), 0x84); /* acknowledges IR4 */
    ck_assert_uint_eq(read_isr(&r, 0x20), 0x10);
    ck_assert_uint_eq(read_irr(&r, 0x20), 0x40);
    ck_assert_int_eq(r.cpu.level, 0);
    /* the poll is one-shot: the next read is a status read again */
    outb(&r, 0x20, 0x0C);
    ck_assert_uint_eq(inb(&r, 0x20), 0x00); /* IR6 is below IR4 in service */
    ck_assert_uint_eq(inb(&r, 0x20), 0x40); /* IRR, as selected before */
    eoi(&r, 0x20);
    /* poll overrides a register read in the same OCW3, and works at A0 = 1 */
    outb(&r, 0x20, 0x0F);
    ck_assert_uint_eq(inb(&r, 0x21), 0x86);
    ck_assert_uint_eq(inb(&r, 0x21), 0x00); /* IMR again */
    ck_assert_uint_eq(inb(&r, 0x20), 0x40); /* the OCW3 also selected ISR */
    /* polling the master for a slave request reports the cascade input */
    eoi(&r, 0x20);
    set_irq(&r, 11, 1);
    outb(&r, 0x20, 0x0C);
    ck_assert_uint_eq(inb(&r, 0x20), 0x82);
    outb(&r, 0xA0, 0x0C);
    ck_assert_uint_eq(inb(&r, 0xA0), 0x83);
    rig_free(&r);
}
END_TEST

START_TEST(test_special_mask)
{
    struct rig r;
    rig_init(&r);
    init_pair(&r, 0x01, 0x01);
    set_irq(&r, 3, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x0B);
    set_irq(&r, 5, 1);
    ck_assert_int_eq(r.cpu.level, 0); /* fully nested: IR5 waits for IR3 */
    outb(&r, 0x21, 0x08);             /* mask IR3: not enough on its own */
    ck_assert_int_eq(r.cpu.level, 0);
    outb(&r, 0x20, 0x68); /* set special mask mode */
    ck_assert_int_eq(r.cpu.level, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x0D);
    ck_assert_uint_eq(read_isr(&r, 0x20), 0x28);
    /* a non-specific EOI skips the masked IS bit */
    eoi(&r, 0x20);
    ck_assert_uint_eq(read_isr(&r, 0x20), 0x08);
    /* the masked level itself still cannot come in */
    set_irq(&r, 3, 0);
    set_irq(&r, 3, 1);
    ck_assert_int_eq(r.cpu.level, 0);
    /* reset special mask mode: the masked IR3 in service blocks IR6 again */
    outb(&r, 0x20, 0x48);
    set_irq(&r, 6, 1);
    ck_assert_int_eq(r.cpu.level, 0);
    /* OCW3 without ESMM leaves the mode alone */
    outb(&r, 0x20, 0x28);
    ck_assert_int_eq(r.cpu.level, 0);
    outb(&r, 0x20, 0x68);
    ck_assert_int_eq(r.cpu.level, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x0E);
    rig_free(&r);
}
END_TEST

START_TEST(test_edge_trigger)
{
    struct rig r;
    rig_init(&r);
    init_pair(&r, 0x01, 0x01);
    /* an edge is latched even if the line drops before INTA (irq_pulse) */
    irq_pulse(&(struct irq_line){pic_set_irq, r.master, 4});
    ck_assert_uint_eq(read_irr(&r, 0x20), 0x10);
    ck_assert_int_eq(r.cpu.level, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x0C);
    ck_assert_uint_eq(read_irr(&r, 0x20), 0x00);
    eoi(&r, 0x20);
    /* a line held high asks once */
    set_irq(&r, 4, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x0C);
    eoi(&r, 0x20);
    set_irq(&r, 4, 1);
    ck_assert_int_eq(r.cpu.level, 0);
    ck_assert_uint_eq(read_irr(&r, 0x20), 0x00);
    set_irq(&r, 4, 0);
    set_irq(&r, 4, 1);
    ck_assert_int_eq(r.cpu.level, 1);
    rig_free(&r);
}
END_TEST

START_TEST(test_level_trigger)
{
    struct rig r;
    rig_init(&r);
    init_pair(&r, 0x01, 0x01);
    /* ELCR: IRQ0-2 on the master and IRQ8/13 on the slave are edge only */
    outb(&r, 0x4D0, 0xFF);
    ck_assert_uint_eq(inb(&r, 0x4D0), 0xF8);
    outb(&r, 0x4D1, 0xFF);
    ck_assert_uint_eq(inb(&r, 0x4D1), 0xDE);
    outb(&r, 0x4D0, 0x20); /* IRQ5 level */
    outb(&r, 0x4D1, 0x08); /* IRQ11 level */
    ck_assert_uint_eq(bus_in(r.bus, 0x4D0, 2), 0x0820);

    set_irq(&r, 5, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x0D);
    ck_assert_uint_eq(read_irr(&r, 0x20), 0x20); /* still high, still requested */
    eoi(&r, 0x20);
    ck_assert_int_eq(r.cpu.level, 1); /* so it comes again */
    ck_assert_int_eq(pic_acknowledge(r.master), 0x0D);
    set_irq(&r, 5, 0);
    ck_assert_uint_eq(read_irr(&r, 0x20), 0x00);
    eoi(&r, 0x20);
    ck_assert_int_eq(r.cpu.level, 0);
    /* dropping the line before INTA withdraws the request */
    set_irq(&r, 5, 1);
    ck_assert_int_eq(r.cpu.level, 1);
    set_irq(&r, 5, 0);
    ck_assert_int_eq(r.cpu.level, 0);

    /* level on the slave, through the edge-triggered cascade input */
    set_irq(&r, 11, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x73);
    eoi(&r, 0xA0);
    eoi(&r, 0x20);
    ck_assert_int_eq(r.cpu.level, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x73);
    set_irq(&r, 11, 0);
    eoi(&r, 0xA0);
    eoi(&r, 0x20);
    ck_assert_int_eq(r.cpu.level, 0);

    /* turning level mode on picks up a line already high */
    set_irq(&r, 6, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x0E);
    eoi(&r, 0x20);
    ck_assert_int_eq(r.cpu.level, 0);
    outb(&r, 0x4D0, 0x60);
    ck_assert_int_eq(r.cpu.level, 1);
    rig_free(&r);
}
END_TEST

START_TEST(test_ltim)
{
    struct rig r;
    rig_init(&r);
    set_irq(&r, 3, 1);    /* already high: in level mode no edge is needed */
    outb(&r, 0x20, 0x1B); /* LTIM, single, ICW4 */
    outb(&r, 0x21, 0x20);
    outb(&r, 0x21, 0x01);
    ck_assert_uint_eq(inb(&r, 0x21), 0x00);
    ck_assert_int_eq(r.cpu.level, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x23);
    set_irq(&r, 3, 0);
    eoi(&r, 0x20);
    set_irq(&r, 0, 1); /* even IRQ0, which the ELCR keeps edge */
    ck_assert_int_eq(pic_acknowledge(r.master), 0x20);
    eoi(&r, 0x20);
    ck_assert_int_eq(r.cpu.level, 1);
    set_irq(&r, 0, 0);
    ck_assert_int_eq(r.cpu.level, 0);
    rig_free(&r);
}
END_TEST

START_TEST(test_spurious)
{
    struct rig r;
    rig_init(&r);
    init_pair(&r, 0x01, 0x01);
    outb(&r, 0x4D0, 0x20);
    outb(&r, 0x4D1, 0x02);
    /* CPU saw INTR, the level request went away before INTA: default IR7 */
    set_irq(&r, 5, 1);
    ck_assert_int_eq(r.cpu.level, 1);
    set_irq(&r, 5, 0);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x0F);
    ck_assert_uint_eq(read_isr(&r, 0x20), 0x00); /* a real IR7 would set ISR bit 7 */
    /* the same after masking */
    set_irq(&r, 6, 1);
    outb(&r, 0x21, 0x40);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x0F);
    ck_assert_uint_eq(read_isr(&r, 0x20), 0x00);
    outb(&r, 0x21, 0x00);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x0E);
    eoi(&r, 0x20);
    /* a genuine IR7 does set its IS bit */
    set_irq(&r, 7, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x0F);
    ck_assert_uint_eq(read_isr(&r, 0x20), 0x80);
    eoi(&r, 0x20);

    /* on the slave: the master latched the edge on IR2, the slave's level
     * request is gone; IRQ15's vector, master IR2 in service, slave not */
    set_irq(&r, 9, 1);
    set_irq(&r, 9, 0);
    ck_assert_int_eq(r.cpu.level, 1);
    ck_assert_int_eq(pic_acknowledge(r.master), 0x77);
    ck_assert_uint_eq(read_isr(&r, 0xA0), 0x00);
    ck_assert_uint_eq(read_isr(&r, 0x20), 0x04);
    rig_free(&r);
}
END_TEST

START_TEST(test_read_registers)
{
    struct rig r;
    rig_init(&r);
    init_pair(&r, 0x01, 0x01);
    outb(&r, 0x21, 0x80);
    set_irq(&r, 7, 1);
    set_irq(&r, 1, 1);
    set_irq(&r, 3, 1);
    ck_assert_uint_eq(inb(&r, 0x20), 0x8A); /* IRR after ICW1 */
    ck_assert_int_eq(pic_acknowledge(r.master), 0x09);
    outb(&r, 0x20, 0x0B);
    ck_assert_uint_eq(inb(&r, 0x20), 0x02);
    ck_assert_uint_eq(inb(&r, 0x20), 0x02); /* the selection sticks */
    ck_assert_uint_eq(inb(&r, 0x21), 0x80); /* the data port reads the IMR */
    outb(&r, 0x20, 0x08);                   /* OCW3 with RR = 0: no change */
    ck_assert_uint_eq(inb(&r, 0x20), 0x02);
    outb(&r, 0x20, 0x0A);
    ck_assert_uint_eq(inb(&r, 0x20), 0x88);
    /* a 16-bit read returns the command port and the IMR, low byte first */
    ck_assert_uint_eq(bus_in(r.bus, 0x20, 2), 0x8088);
    rig_free(&r);
}
END_TEST

START_TEST(test_int_driven_on_change_only)
{
    struct rig r;
    rig_init(&r);
    init_pair(&r, 0x01, 0x01);
    ck_assert_int_eq(r.cpu.changes, 0);
    set_irq(&r, 1, 1);
    set_irq(&r, 3, 1);
    set_irq(&r, 1, 1);
    outb(&r, 0x21, 0x00);
    ck_assert_int_eq(r.cpu.changes, 1);
    ck_assert_int_eq(r.cpu.level, 1);
    pic_acknowledge(r.master);
    ck_assert_int_eq(r.cpu.changes, 2);
    ck_assert_int_eq(r.cpu.level, 0);
    eoi(&r, 0x20);
    ck_assert_int_eq(r.cpu.changes, 3);
    ck_assert_int_eq(r.cpu.level, 1);
    rig_free(&r);
}
END_TEST

START_TEST(test_port_conflict)
{
    struct bus *bus = bus_new();
    struct pic *a = pic_new(bus, 0x20, 0x4D0, NULL, "first pic");
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_null(pic_new(bus, 0x20, 0, NULL, "second pic"));
    ck_assert_ptr_nonnull(strstr(bus_error(bus), "first pic"));
    ck_assert_ptr_nonnull(strstr(bus_error(bus), "second pic"));
    /* an ELCR clash gives up the command ports it took */
    ck_assert_ptr_null(pic_new(bus, 0xA0, 0x4D0, NULL, "third pic"));
    ck_assert_ptr_null(bus_owner(bus, BUS_IO, 0xA0));
    pic_free(a);
    ck_assert_ptr_null(bus_owner(bus, BUS_IO, 0x20));
    ck_assert_ptr_null(bus_owner(bus, BUS_IO, 0x4D0));
    bus_free(bus);
}
END_TEST

static const struct vmstate_field *vmstate_find(const char *name)
{
    for (const struct vmstate_field *f = pic_vmstate.fields; f->name; f++)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

/* copy every described field from one chip to another */
static void vmstate_copy(struct pic *to, const struct pic *from)
{
    for (const struct vmstate_field *f = pic_vmstate.fields; f->name; f++)
        memcpy((char *)to + f->offset, (const char *)from + f->offset, f->size * f->count);
}

START_TEST(test_vmstate)
{
    ck_assert_str_eq(pic_vmstate.name, "pic");
    ck_assert_int_ge(pic_vmstate.version, 1);
    static const char *const names[] = {"irr", "isr", "imr", "elcr", "vector_base", "lowest", "init_step"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        ck_assert_msg(vmstate_find(names[i]) != NULL, "no field %s", names[i]);

    struct rig a, b;
    rig_init(&a);
    rig_init(&b);
    init_pair(&a, 0x01, 0x01);
    outb(&a, 0x4D0, 0x40); /* IRQ6 level */
    outb(&a, 0x21, 0x10);
    outb(&a, 0x20, 0xC3); /* IR3 lowest: IR4 (masked), IR5, IR6 ... */
    set_irq(&a, 6, 1);
    set_irq(&a, 5, 1);
    ck_assert_int_eq(pic_acknowledge(a.master), 0x0D);
    outb(&a, 0x20, 0x0B);
    vmstate_copy(b.master, a.master);
    vmstate_copy(b.slave, a.slave);
    ck_assert_uint_eq(inb(&b, 0x20), 0x20);
    ck_assert_uint_eq(inb(&b, 0x21), 0x10);
    ck_assert_uint_eq(inb(&b, 0x4D0), 0x40);
    ck_assert_int_eq(b.cpu.level, 0);
    eoi(&b, 0x20);
    ck_assert_int_eq(b.cpu.level, 1);
    ck_assert_int_eq(pic_acknowledge(b.master), 0x0E);
    eoi(&b, 0x20);
    ck_assert_int_eq(pic_acknowledge(b.master), 0x0E); /* the level line is still high */
    rig_free(&a);
    rig_free(&b);
}
END_TEST

static Suite *pic_suite(void)
{
    Suite *s = suite_create("pic");
    TCase *tc = tcase_create("8259A");
    tcase_add_test(tc, test_init_vector_base);
    tcase_add_test(tc, test_reset_state);
    tcase_add_test(tc, test_mask);
    tcase_add_test(tc, test_priority_order);
    tcase_add_test(tc, test_eoi);
    tcase_add_test(tc, test_rotation);
    tcase_add_test(tc, test_aeoi);
    tcase_add_test(tc, test_cascade);
    tcase_add_test(tc, test_cascade_slave_id);
    tcase_add_test(tc, test_special_fully_nested);
    tcase_add_test(tc, test_slave_aeoi_keeps_second_request);
    tcase_add_test(tc, test_poll);
    tcase_add_test(tc, test_special_mask);
    tcase_add_test(tc, test_edge_trigger);
    tcase_add_test(tc, test_level_trigger);
    tcase_add_test(tc, test_ltim);
    tcase_add_test(tc, test_spurious);
    tcase_add_test(tc, test_read_registers);
    tcase_add_test(tc, test_int_driven_on_change_only);
    tcase_add_test(tc, test_port_conflict);
    tcase_add_test(tc, test_vmstate);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(pic_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
