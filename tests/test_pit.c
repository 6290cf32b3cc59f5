/* test_pit.c - the 8254 PIT, driven through the bus as a guest would, on a
 * manual clock.  "Tick k" is CLK edge k (k/1193182 s after virtual time 0);
 * an access made at tick c acts on edge c+1 ("the next CLK pulse"). */
#include "devices/pit.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "devices/bus.h"
#include "devices/timer.h"

#define HZ      1193182ull
#define PIT_CMD 0x43

/* stands in for the 8259's IR0 input */
struct probe {
    struct timerq *tq;
    int level;
    int rises, falls;
    uint64_t last_rise_ns;
    /* optional check of every rising edge against a fixed period */
    uint64_t expect_first_tick, expect_period;
    int late_or_early;
};

static uint64_t tick_ns(uint64_t k)
{
    return k / HZ * NS_PER_SEC + (k % HZ * NS_PER_SEC + HZ - 1) / HZ;
}

static void probe_set(void *opaque, int n, int level)
{
    struct probe *p = opaque;
    (void)n;
    if (level && !p->level) {
        p->last_rise_ns = timerq_now(p->tq);
        if (p->expect_period &&
            p->last_rise_ns != tick_ns(p->expect_first_tick + (uint64_t)p->rises * p->expect_period))
            p->late_or_early++;
        p->rises++;
    }
    if (!level && p->level)
        p->falls++;
    p->level = level;
}

struct rig {
    struct bus *bus;
    struct timerq *tq;
    struct pit *pit;
    struct probe irq0;
};

static void rig_init_at(struct rig *r, uint64_t start_ns)
{
    memset(r, 0, sizeof *r);
    r->bus = bus_new();
    r->tq = timerq_new(CLOCK_MANUAL);
    ck_assert_ptr_nonnull(r->bus);
    ck_assert_ptr_nonnull(r->tq);
    timerq_advance(r->tq, start_ns);
    r->irq0.tq = r->tq;
    struct irq_line line = irq_line_make(probe_set, &r->irq0, 0);
    r->pit = pit_new(r->bus, 0x40, r->tq, &line);
    ck_assert_ptr_nonnull(r->pit);
    /* OUT is high from reset; count edges from here on */
    ck_assert_int_eq(r->irq0.level, 1);
    r->irq0.rises = 0;
}

static void rig_init(struct rig *r)
{
    rig_init_at(r, 0);
}

static void rig_free(struct rig *r)
{
    pit_free(r->pit);
    timerq_free(r->tq);
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

static void goto_tick(struct rig *r, uint64_t k)
{
    uint64_t t = tick_ns(k), now = timerq_now(r->tq);
    ck_assert_uint_ge(t, now);
    timerq_advance(r->tq, t - now);
}

/* control word for counter ch: rw 3 (lsb then msb), mode, binary */
static void program(struct rig *r, int ch, int mode, uint16_t count)
{
    outb(r, PIT_CMD, (uint8_t)(ch << 6 | 0x30 | mode << 1));
    outb(r, (uint16_t)(0x40 + ch), (uint8_t)count);
    outb(r, (uint16_t)(0x40 + ch), (uint8_t)(count >> 8));
}

/* counter latch command, then lsb and msb */
static unsigned latched_count(struct rig *r, int ch)
{
    outb(r, PIT_CMD, (uint8_t)(ch << 6));
    unsigned lo = inb(r, (uint16_t)(0x40 + ch));
    return lo | (unsigned)inb(r, (uint16_t)(0x40 + ch)) << 8;
}

static uint8_t read_back_status(struct rig *r, int ch)
{
    outb(r, PIT_CMD, (uint8_t)(0xE0 | 2 << ch)); /* status only */
    return inb(r, (uint16_t)(0x40 + ch));
}

START_TEST(test_reset_state)
{
    struct rig r;
    rig_init(&r);
    /* power-on: control word 0x36 with no count; OUT high, null count */
    for (int ch = 0; ch < 3; ch++)
        ck_assert_uint_eq(read_back_status(&r, ch), 0x80 | 0x40 | 0x36);
    ck_assert_int_eq(r.irq0.level, 1);
    ck_assert_uint_eq(inb(&r, PIT_CMD), 0xFF);
    /* nothing runs, nothing is scheduled */
    ck_assert_uint_eq(timerq_next(r.tq), TIMER_NEVER);
    rig_free(&r);
}
END_TEST

START_TEST(test_mode0_terminal_count)
{
    struct rig r;
    rig_init(&r);
    goto_tick(&r, 100);
    outb(&r, PIT_CMD, 0x30); /* ch0, lsb/msb, mode 0 */
    ck_assert_int_eq(r.irq0.level, 0);
    ck_assert_int_eq(pit_get_out(r.pit, 0), 0);
    outb(&r, 0x40, 10);
    outb(&r, 0x40, 0);
    /* null count until the next CLK pulse loads the CE */
    ck_assert_uint_eq(read_back_status(&r, 0) & 0xC0, 0x40);
    goto_tick(&r, 101);
    ck_assert_uint_eq(read_back_status(&r, 0), 0x30);
    ck_assert_uint_eq(latched_count(&r, 0), 10);
    goto_tick(&r, 110);
    ck_assert_uint_eq(latched_count(&r, 0), 1);
    ck_assert_int_eq(pit_get_out(r.pit, 0), 0);
    ck_assert_int_eq(r.irq0.rises, 0);
    /* OUT goes high N+1 clocks after the count was written */
    goto_tick(&r, 111);
    ck_assert_int_eq(pit_get_out(r.pit, 0), 1);
    ck_assert_int_eq(r.irq0.rises, 1);
    ck_assert_uint_eq(r.irq0.last_rise_ns, tick_ns(111));
    ck_assert_uint_eq(latched_count(&r, 0), 0);
    /* the counter wraps and keeps counting; OUT stays high */
    goto_tick(&r, 113);
    ck_assert_uint_eq(latched_count(&r, 0), 0xFFFE);
    goto_tick(&r, 111 + 65536 + 5);
    ck_assert_int_eq(pit_get_out(r.pit, 0), 1);
    ck_assert_int_eq(r.irq0.rises, 1);
    ck_assert_uint_eq(timerq_next(r.tq), TIMER_NEVER);
    /* a new count drops OUT and starts over */
    goto_tick(&r, 200000);
    outb(&r, 0x40, 3);
    outb(&r, 0x40, 0);
    ck_assert_int_eq(r.irq0.level, 0);
    goto_tick(&r, 200004);
    ck_assert_int_eq(r.irq0.rises, 2);
    ck_assert_uint_eq(r.irq0.last_rise_ns, tick_ns(200004));
    rig_free(&r);
}
END_TEST

START_TEST(test_mode0_two_byte_write_and_gate)
{
    struct rig r;
    rig_init(&r);
    program(&r, 0, 0, 1000);
    goto_tick(&r, 500);
    unsigned before = latched_count(&r, 0);
    ck_assert_uint_eq(before, 1000 - 499);
    /* mode 0: the first byte of a two-byte count stops counting */
    outb(&r, 0x40, 20);
    goto_tick(&r, 600);
    ck_assert_uint_eq(latched_count(&r, 0), before);
    ck_assert_int_eq(pit_get_out(r.pit, 0), 0);
    outb(&r, 0x40, 0); /* count 20, loaded on edge 601 */
    goto_tick(&r, 620);
    ck_assert_int_eq(pit_get_out(r.pit, 0), 0);
    goto_tick(&r, 621);
    ck_assert_int_eq(pit_get_out(r.pit, 0), 1);

    /* counter 2 (gate from port 0x61, low at reset): loaded but not counting */
    goto_tick(&r, 1000);
    program(&r, 2, 0, 5);
    goto_tick(&r, 1100);
    ck_assert_uint_eq(latched_count(&r, 2), 5);
    ck_assert_int_eq(pit_get_out(r.pit, 2), 0);
    pit_set_gate(r.pit, 2, 1);
    goto_tick(&r, 1102);
    ck_assert_uint_eq(latched_count(&r, 2), 3);
    pit_set_gate(r.pit, 2, 0); /* suspends counting */
    goto_tick(&r, 1200);
    ck_assert_uint_eq(latched_count(&r, 2), 3);
    ck_assert_int_eq(pit_get_out(r.pit, 2), 0);
    pit_set_gate(r.pit, 2, 1);
    goto_tick(&r, 1202);
    ck_assert_int_eq(pit_get_out(r.pit, 2), 0);
    goto_tick(&r, 1203);
    ck_assert_int_eq(pit_get_out(r.pit, 2), 1);
    rig_free(&r);
}
END_TEST

START_TEST(test_mode1_one_shot)
{
    struct rig r;
    rig_init(&r);
    goto_tick(&r, 10);
    program(&r, 2, 1, 4);
    goto_tick(&r, 50);
    /* no trigger yet: OUT high, count still null */
    ck_assert_int_eq(pit_get_out(r.pit, 2), 1);
    ck_assert_uint_eq(read_back_status(&r, 2), 0x80 | 0x40 | 0x32);
    pit_set_gate(r.pit, 2, 1); /* trigger at tick 50 */
    ck_assert_int_eq(pit_get_out(r.pit, 2), 1);
    goto_tick(&r, 51);
    ck_assert_int_eq(pit_get_out(r.pit, 2), 0);
    ck_assert_uint_eq(latched_count(&r, 2), 4);
    ck_assert_uint_eq(read_back_status(&r, 2), 0x32);
    goto_tick(&r, 54);
    ck_assert_int_eq(pit_get_out(r.pit, 2), 0);
    goto_tick(&r, 55);
    ck_assert_int_eq(pit_get_out(r.pit, 2), 1);
    /* gate level does not matter once triggered; retrigger restarts */
    pit_set_gate(r.pit, 2, 0);
    goto_tick(&r, 60);
    pit_set_gate(r.pit, 2, 1);
    goto_tick(&r, 63);
    pit_set_gate(r.pit, 2, 0);
    pit_set_gate(r.pit, 2, 1); /* retrigger at 63 while OUT is low */
    goto_tick(&r, 66);
    ck_assert_int_eq(pit_get_out(r.pit, 2), 0);
    goto_tick(&r, 67);
    ck_assert_int_eq(pit_get_out(r.pit, 2), 0);
    goto_tick(&r, 68);
    ck_assert_int_eq(pit_get_out(r.pit, 2), 1);
    /* a new count does not disturb the running one-shot, only the next */
    pit_set_gate(r.pit, 2, 0);
    pit_set_gate(r.pit, 2, 1); /* trigger at 68: 4 clocks */
    goto_tick(&r, 70);
    outb(&r, 0x42, 10);
    outb(&r, 0x42, 0);
    ck_assert_int_eq(pit_get_out(r.pit, 2), 0);
    goto_tick(&r, 73);
    ck_assert_int_eq(pit_get_out(r.pit, 2), 1);
    pit_set_gate(r.pit, 2, 0);
    pit_set_gate(r.pit, 2, 1); /* trigger at 73: 10 clocks */
    goto_tick(&r, 83);
    ck_assert_int_eq(pit_get_out(r.pit, 2), 0);
    goto_tick(&r, 84);
    ck_assert_int_eq(pit_get_out(r.pit, 2), 1);
    rig_free(&r);
}
END_TEST

START_TEST(test_mode2_rate_generator)
{
    struct rig r;
    rig_init(&r);
    goto_tick(&r, 1000);
    program(&r, 0, 2, 5); /* loaded on edge 1001 */
    static const unsigned expect_count[] = {5, 4, 3, 2, 1, 5, 4, 3, 2, 1, 5};
    static const int expect_out[] = {1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 1};
    for (int i = 0; i < 11; i++) {
        goto_tick(&r, 1001 + (uint64_t)i);
        ck_assert_uint_eq(latched_count(&r, 0), expect_count[i]);
        ck_assert_int_eq(pit_get_out(r.pit, 0), expect_out[i]);
        ck_assert_int_eq(r.irq0.level, expect_out[i]);
    }
    /* OUT is low one clock per period: the 8259 sees a rising edge at 1006, 1011 */
    ck_assert_int_eq(r.irq0.rises, 2);
    ck_assert_uint_eq(r.irq0.last_rise_ns, tick_ns(1011));
    /* a new count takes effect at the end of the current period */
    goto_tick(&r, 1013);
    program(&r, 0, 2, 5); /* a control word restarts: loaded on 1014 */
    goto_tick(&r, 1015);
    outb(&r, 0x40, 8);
    outb(&r, 0x40, 0);
    ck_assert_uint_eq(read_back_status(&r, 0) & 0x40, 0x40);
    goto_tick(&r, 1018);
    ck_assert_int_eq(pit_get_out(r.pit, 0), 0);
    goto_tick(&r, 1019); /* reload with 8 */
    ck_assert_uint_eq(latched_count(&r, 0), 8);
    ck_assert_uint_eq(read_back_status(&r, 0) & 0x40, 0);
    goto_tick(&r, 1026);
    ck_assert_int_eq(pit_get_out(r.pit, 0), 0);
    goto_tick(&r, 1027);
    ck_assert_int_eq(pit_get_out(r.pit, 0), 1);
    ck_assert_uint_eq(r.irq0.last_rise_ns, tick_ns(1027));

    /* gate low forces OUT high at once and stops counting; a rising gate
     * reloads on the next clock (counter 2) */
    program(&r, 2, 2, 4);
    pit_set_gate(r.pit, 2, 1); /* loaded on 1028 */
    goto_tick(&r, 1031);
    ck_assert_int_eq(pit_get_out(r.pit, 2), 0);
    pit_set_gate(r.pit, 2, 0);
    ck_assert_int_eq(pit_get_out(r.pit, 2), 1);
    goto_tick(&r, 1040);
    ck_assert_uint_eq(latched_count(&r, 2), 1);
    pit_set_gate(r.pit, 2, 1);
    goto_tick(&r, 1041);
    ck_assert_uint_eq(latched_count(&r, 2), 4);
    goto_tick(&r, 1044);
    ck_assert_int_eq(pit_get_out(r.pit, 2), 0);
    rig_free(&r);
}
END_TEST

START_TEST(test_mode3_square_wave)
{
    struct rig r;
    rig_init(&r);
    goto_tick(&r, 99);
    program(&r, 0, 3, 6); /* loaded on 100 */
    static const unsigned even_count[] = {6, 4, 2, 6, 4, 2, 6};
    static const int even_out[] = {1, 1, 1, 0, 0, 0, 1};
    for (int i = 0; i < 7; i++) {
        goto_tick(&r, 100 + (uint64_t)i);
        ck_assert_uint_eq(latched_count(&r, 0), even_count[i]);
        ck_assert_int_eq(pit_get_out(r.pit, 0), even_out[i]);
    }
    ck_assert_int_eq(r.irq0.rises, 1);
    ck_assert_int_eq(r.irq0.falls, 1);

    /* odd count N: high (N+1)/2 clocks, low (N-1)/2; the CE is loaded with
     * N-1 and steps by two (8254 data sheet, mode 3) */
    goto_tick(&r, 199);
    program(&r, 0, 3, 5); /* loaded on 200 */
    static const unsigned odd_count[] = {4, 2, 0, 4, 2, 4};
    static const int odd_out[] = {1, 1, 1, 0, 0, 1};
    for (int i = 0; i < 6; i++) {
        goto_tick(&r, 200 + (uint64_t)i);
        ck_assert_uint_eq(latched_count(&r, 0), odd_count[i]);
        ck_assert_int_eq(pit_get_out(r.pit, 0), odd_out[i]);
    }

    /* a new count is loaded at the end of the current half-cycle */
    goto_tick(&r, 299);
    program(&r, 0, 3, 10); /* loaded on 300: high 300-304, low from 305 */
    goto_tick(&r, 302);
    outb(&r, 0x40, 4);
    outb(&r, 0x40, 0);
    goto_tick(&r, 304);
    ck_assert_int_eq(pit_get_out(r.pit, 0), 1);
    goto_tick(&r, 305); /* half-cycle ends: low for 2 clocks of the new count */
    ck_assert_int_eq(pit_get_out(r.pit, 0), 0);
    ck_assert_uint_eq(latched_count(&r, 0), 4);
    goto_tick(&r, 307);
    ck_assert_int_eq(pit_get_out(r.pit, 0), 1);
    goto_tick(&r, 309);
    ck_assert_int_eq(pit_get_out(r.pit, 0), 0);
    ck_assert_uint_eq(r.irq0.last_rise_ns, tick_ns(307));

    /* gate low while OUT is low sets it high at once */
    program(&r, 2, 3, 8);
    pit_set_gate(r.pit, 2, 1);
    goto_tick(&r, 315);
    ck_assert_int_eq(pit_get_out(r.pit, 2), 0);
    pit_set_gate(r.pit, 2, 0);
    ck_assert_int_eq(pit_get_out(r.pit, 2), 1);
    rig_free(&r);
}
END_TEST

START_TEST(test_mode4_software_strobe)
{
    struct rig r;
    rig_init(&r);
    goto_tick(&r, 10);
    program(&r, 0, 4, 3); /* loaded on 11; strobe at 14 */
    ck_assert_int_eq(r.irq0.level, 1);
    goto_tick(&r, 13);
    ck_assert_int_eq(pit_get_out(r.pit, 0), 1);
    goto_tick(&r, 14);
    ck_assert_int_eq(pit_get_out(r.pit, 0), 0);
    ck_assert_uint_eq(latched_count(&r, 0), 0);
    goto_tick(&r, 15);
    ck_assert_int_eq(pit_get_out(r.pit, 0), 1);
    ck_assert_int_eq(r.irq0.falls, 1);
    ck_assert_int_eq(r.irq0.rises, 1);
    /* only once per count written */
    goto_tick(&r, 15 + 70000);
    ck_assert_int_eq(r.irq0.falls, 1);
    /* gate low suspends counting (counter 2) */
    program(&r, 2, 4, 5);
    pit_set_gate(r.pit, 2, 1);
    uint64_t c = 15 + 70000;
    goto_tick(&r, c + 2);
    pit_set_gate(r.pit, 2, 0);
    goto_tick(&r, c + 50);
    ck_assert_uint_eq(latched_count(&r, 2), 4);
    pit_set_gate(r.pit, 2, 1);
    goto_tick(&r, c + 53);
    ck_assert_int_eq(pit_get_out(r.pit, 2), 1);
    goto_tick(&r, c + 54);
    ck_assert_int_eq(pit_get_out(r.pit, 2), 0);
    goto_tick(&r, c + 55);
    ck_assert_int_eq(pit_get_out(r.pit, 2), 1);
    rig_free(&r);
}
END_TEST

START_TEST(test_mode5_hardware_strobe)
{
    struct rig r;
    rig_init(&r);
    program(&r, 2, 5, 3);
    goto_tick(&r, 100);
    ck_assert_int_eq(pit_get_out(r.pit, 2), 1);
    pit_set_gate(r.pit, 2, 1); /* trigger at 100: loaded on 101, strobe at 104 */
    goto_tick(&r, 103);
    ck_assert_int_eq(pit_get_out(r.pit, 2), 1);
    ck_assert_uint_eq(latched_count(&r, 2), 1);
    goto_tick(&r, 104);
    ck_assert_int_eq(pit_get_out(r.pit, 2), 0);
    goto_tick(&r, 105);
    ck_assert_int_eq(pit_get_out(r.pit, 2), 1);
    /* retriggerable */
    pit_set_gate(r.pit, 2, 0);
    goto_tick(&r, 200);
    pit_set_gate(r.pit, 2, 1);
    goto_tick(&r, 202);
    pit_set_gate(r.pit, 2, 0);
    pit_set_gate(r.pit, 2, 1); /* retrigger at 202: strobe at 206 */
    goto_tick(&r, 204);
    ck_assert_int_eq(pit_get_out(r.pit, 2), 1);
    goto_tick(&r, 206);
    ck_assert_int_eq(pit_get_out(r.pit, 2), 0);
    rig_free(&r);
}
END_TEST

START_TEST(test_bcd_counting)
{
    struct rig r;
    rig_init(&r);
    goto_tick(&r, 9);
    outb(&r, PIT_CMD, 0x31); /* ch0, lsb/msb, mode 0, BCD */
    outb(&r, 0x40, 0x00);
    outb(&r, 0x40, 0x01); /* 0100 BCD = 100 clocks */
    goto_tick(&r, 11);
    ck_assert_uint_eq(latched_count(&r, 0), 0x0099);
    goto_tick(&r, 10 + 100);
    ck_assert_uint_eq(latched_count(&r, 0), 0x0000);
    ck_assert_int_eq(pit_get_out(r.pit, 0), 1);
    goto_tick(&r, 10 + 101);
    ck_assert_uint_eq(latched_count(&r, 0), 0x9999);
    /* count 0 is 10000 in BCD */
    goto_tick(&r, 999);
    outb(&r, PIT_CMD, 0x35); /* mode 2, BCD */
    outb(&r, 0x40, 0);
    outb(&r, 0x40, 0);
    goto_tick(&r, 1001);
    ck_assert_uint_eq(latched_count(&r, 0), 0x9999);
    goto_tick(&r, 1000 + 9999);
    ck_assert_int_eq(pit_get_out(r.pit, 0), 0);
    goto_tick(&r, 1000 + 10000);
    ck_assert_int_eq(pit_get_out(r.pit, 0), 1);
    ck_assert_uint_eq(latched_count(&r, 0), 0x0000);
    ck_assert_uint_eq(read_back_status(&r, 0), 0x80 | 0x35);
    rig_free(&r);
}
END_TEST

START_TEST(test_access_modes_and_max_count)
{
    struct rig r;
    rig_init(&r);
    /* lsb only */
    goto_tick(&r, 9);
    outb(&r, PIT_CMD, 0x14); /* ch0, lsb only, mode 2 */
    outb(&r, 0x40, 0x20);
    goto_tick(&r, 10);
    ck_assert_uint_eq(inb(&r, 0x40), 0x20);
    ck_assert_uint_eq(inb(&r, 0x40), 0x20);
    goto_tick(&r, 11);
    ck_assert_uint_eq(inb(&r, 0x40), 0x1F);
    /* msb only */
    goto_tick(&r, 99);
    outb(&r, PIT_CMD, 0x24); /* ch0, msb only, mode 2 */
    outb(&r, 0x40, 0x02);
    goto_tick(&r, 100 + 256);
    ck_assert_uint_eq(inb(&r, 0x40), 0x01); /* 0x0200 - 256 = 0x0100 */
    /* live lsb/msb reads use the read flip-flop */
    goto_tick(&r, 999);
    program(&r, 0, 2, 0x1234);
    goto_tick(&r, 1000);
    ck_assert_uint_eq(inb(&r, 0x40), 0x34);
    ck_assert_uint_eq(inb(&r, 0x40), 0x12);
    /* count 0 = 65536 */
    goto_tick(&r, 1999);
    program(&r, 0, 2, 0);
    int rises = r.irq0.rises;
    goto_tick(&r, 2000);
    ck_assert_uint_eq(latched_count(&r, 0), 0);
    goto_tick(&r, 2001);
    ck_assert_uint_eq(latched_count(&r, 0), 0xFFFF);
    goto_tick(&r, 2000 + 65535);
    ck_assert_int_eq(pit_get_out(r.pit, 0), 0);
    goto_tick(&r, 2000 + 65536);
    ck_assert_int_eq(r.irq0.rises, rises + 1);
    ck_assert_uint_eq(r.irq0.last_rise_ns, tick_ns(2000 + 65536));
    rig_free(&r);
}
END_TEST

START_TEST(test_latch_and_read_back)
{
    struct rig r;
    rig_init(&r);
    goto_tick(&r, 99);
    program(&r, 1, 2, 1000); /* loaded on 100 */
    goto_tick(&r, 200);
    outb(&r, PIT_CMD, 0x40); /* latch counter 1: 900 */
    goto_tick(&r, 300);
    outb(&r, PIT_CMD, 0x40); /* ignored: previous latch not read */
    ck_assert_uint_eq(inb(&r, 0x41), 900 & 0xFF);
    goto_tick(&r, 400);
    ck_assert_uint_eq(inb(&r, 0x41), 900 >> 8);
    /* unlatched again: live value */
    ck_assert_uint_eq(latched_count(&r, 1), 700);

    /* read-back: count and status of counters 0 and 1 at once */
    goto_tick(&r, 499);
    program(&r, 0, 3, 100); /* loaded on 500 */
    goto_tick(&r, 510);
    outb(&r, PIT_CMD, 0xC6); /* count+status, counters 0 and 1 */
    goto_tick(&r, 520);
    /* status first, then the count, whatever order they were latched in */
    ck_assert_uint_eq(inb(&r, 0x40), 0x80 | 0x36);
    unsigned lo = inb(&r, 0x40);
    ck_assert_uint_eq(lo | (unsigned)inb(&r, 0x40) << 8, 100 - 2 * 10);
    ck_assert_uint_eq(inb(&r, 0x41), 0x80 | 0x34);
    lo = inb(&r, 0x41);
    ck_assert_uint_eq(lo | (unsigned)inb(&r, 0x41) << 8, 1000 - 410 % 1000);
    /* a second status latch before the read is ignored */
    outb(&r, PIT_CMD, 0xE2); /* status of counter 0 */
    goto_tick(&r, 550);      /* OUT is low now (half-cycle 2) */
    ck_assert_int_eq(pit_get_out(r.pit, 0), 0);
    outb(&r, PIT_CMD, 0xE2);
    ck_assert_uint_eq(inb(&r, 0x40), 0x80 | 0x36);
    ck_assert_uint_eq(read_back_status(&r, 0), 0x36);
    /* count-only read-back */
    outb(&r, PIT_CMD, 0xD2);
    lo = inb(&r, 0x40);
    ck_assert_uint_eq(lo | (unsigned)inb(&r, 0x40) << 8, 100 - 2 * 0);
    /* a control word shows null count until the count is loaded */
    outb(&r, PIT_CMD, 0x34);
    ck_assert_uint_eq(read_back_status(&r, 0), 0x80 | 0x40 | 0x34);
    rig_free(&r);
}
END_TEST

/* counts IRQ0 rising edges over exactly one second at divisor 119 */
static void one_second_at_119(uint64_t start_ns)
{
    struct rig r;
    rig_init_at(&r, start_ns);
    program(&r, 0, 2, 119);
    int rises = r.irq0.rises;
    timerq_advance(r.tq, NS_PER_SEC);
    int n = r.irq0.rises - rises;
    int expect = (int)(HZ / 119);
    ck_assert_int_ge(n, expect - 1);
    ck_assert_int_le(n, expect + 1);
    rig_free(&r);
}

START_TEST(test_irq0_rate_one_second)
{
    one_second_at_119(0);
    /* the same after 30 hours of virtual time: no drift, no overflow */
    one_second_at_119(30ull * 3600 * NS_PER_SEC + 12345);
}
END_TEST

START_TEST(test_irq0_halting_guest_20000_ticks)
{
    struct rig r;
    rig_init_at(&r, 7 * 3600 * NS_PER_SEC + 333);
    uint64_t c = (7 * 3600 * NS_PER_SEC + 333) / NS_PER_SEC * HZ + 333 * HZ / NS_PER_SEC;
    program(&r, 0, 2, 119);
    r.irq0.expect_first_tick = c + 1 + 119;
    r.irq0.expect_period = 119;
    int events = 0;
    /* the guest halts; the main loop sleeps until the next event */
    while (r.irq0.rises < 20000) {
        uint64_t next = timerq_next(r.tq);
        ck_assert_uint_ne(next, TIMER_NEVER);
        timerq_advance(r.tq, next - timerq_now(r.tq));
        events++;
    }
    ck_assert_int_eq(r.irq0.late_or_early, 0);
    ck_assert_int_eq(r.irq0.rises, 20000);
    ck_assert_int_eq(r.irq0.falls, 20000);
    /* one event per OUT transition, nothing else */
    ck_assert_int_le(events, 2 * 20000);
    ck_assert_uint_eq(r.irq0.last_rise_ns, tick_ns(c + 1 + 119 * 20000ull));
    rig_free(&r);
}
END_TEST

START_TEST(test_irq0_counter_value_after_hours)
{
    struct rig r;
    rig_init(&r);
    goto_tick(&r, 0);
    program(&r, 0, 2, 119); /* loaded on edge 1 */
    pit_free(r.pit);        /* measure the formula without events in between */
    r.pit = pit_new(r.bus, 0x40, r.tq, NULL);
    program(&r, 0, 2, 119);
    uint64_t k = 5 * 3600 * HZ + 777; /* five hours later */
    goto_tick(&r, k);
    ck_assert_uint_eq(latched_count(&r, 0), 119 - (k - 1) % 119);
    ck_assert_uint_eq(timerq_next(r.tq), TIMER_NEVER);
    rig_free(&r);
}
END_TEST

START_TEST(test_vmstate_description)
{
    ck_assert_str_eq(pit_vmstate.name, "pit");
    ck_assert_int_ge(pit_vmstate.version, 1);
    int n = 0;
    for (const struct vmstate_field *f = pit_vmstate.fields; f->name; f++, n++)
        ck_assert_uint_gt(f->size, 0);
    ck_assert_int_gt(n, 3 * 20);
    ck_assert_str_eq(pit_vmstate.fields[0].name, "ch0.control");
}
END_TEST

START_TEST(test_save_restore_round_trip)
{
    struct rig r;
    rig_init(&r);
    goto_tick(&r, 99);
    program(&r, 0, 2, 119);
    goto_tick(&r, 5000);
    /* copy every described field into a second PIT on its own bus */
    struct bus *bus2 = bus_new();
    struct probe p2 = {.tq = r.tq};
    struct irq_line l2 = irq_line_make(probe_set, &p2, 0);
    struct pit *pit2 = pit_new(bus2, 0x40, r.tq, &l2);
    for (const struct vmstate_field *f = pit_vmstate.fields; f->name; f++)
        memcpy((char *)pit2 + f->offset, (char *)r.pit + f->offset, f->size * f->count);
    pit_free(r.pit);
    r.pit = NULL;
    pit_post_load(pit2);
    int rises = p2.rises;
    timerq_advance(r.tq, tick_ns(100 + 119 * 100) - timerq_now(r.tq));
    /* rising edges at 100 + 119k: k = 42..100 come after tick 5000 */
    ck_assert_int_eq(p2.rises - rises, 59);
    ck_assert_uint_eq(p2.last_rise_ns, tick_ns(100 + 119 * 100));
    pit_free(pit2);
    bus_free(bus2);
    timerq_free(r.tq);
    bus_free(r.bus);
}
END_TEST

static Suite *pit_suite(void)
{
    Suite *s = suite_create("pit");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_reset_state);
    tcase_add_test(tc, test_mode0_terminal_count);
    tcase_add_test(tc, test_mode0_two_byte_write_and_gate);
    tcase_add_test(tc, test_mode1_one_shot);
    tcase_add_test(tc, test_mode2_rate_generator);
    tcase_add_test(tc, test_mode3_square_wave);
    tcase_add_test(tc, test_mode4_software_strobe);
    tcase_add_test(tc, test_mode5_hardware_strobe);
    tcase_add_test(tc, test_bcd_counting);
    tcase_add_test(tc, test_access_modes_and_max_count);
    tcase_add_test(tc, test_latch_and_read_back);
    tcase_add_test(tc, test_irq0_rate_one_second);
    tcase_add_test(tc, test_irq0_halting_guest_20000_ticks);
    tcase_add_test(tc, test_irq0_counter_value_after_hours);
    tcase_add_test(tc, test_vmstate_description);
    tcase_add_test(tc, test_save_restore_round_trip);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(pit_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
