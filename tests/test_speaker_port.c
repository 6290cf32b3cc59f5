/* test_speaker_port.c - port 0x61 with a real 8254 behind it, manual clock. */
#include "devices/speaker_port.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "devices/bus.h"
#include "devices/pit.h"
#include "devices/timer.h"

#define HZ 1193182ull

struct rig {
    struct bus *bus;
    struct timerq *tq;
    struct pit *pit;
    struct speaker_port *sp;
};

static void rig_init(struct rig *r)
{
    memset(r, 0, sizeof *r);
    r->bus = bus_new();
    r->tq = timerq_new(CLOCK_MANUAL);
    r->pit = pit_new(r->bus, 0x40, r->tq, NULL);
    r->sp = speaker_port_new(r->bus, r->pit, r->tq);
    ck_assert_ptr_nonnull(r->pit);
    ck_assert_ptr_nonnull(r->sp);
}

static void rig_free(struct rig *r)
{
    speaker_port_free(r->sp);
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

static uint64_t tick_ns(uint64_t k)
{
    return k / HZ * NS_PER_SEC + (k % HZ * NS_PER_SEC + HZ - 1) / HZ;
}

static void goto_ns(struct rig *r, uint64_t t)
{
    ck_assert_uint_ge(t, timerq_now(r->tq));
    timerq_advance(r->tq, t - timerq_now(r->tq));
}

START_TEST(test_bits_read_back)
{
    struct rig r;
    rig_init(&r);
    ck_assert_str_eq(bus_owner(r.bus, BUS_IO, 0x61), "speaker-port");
    ck_assert_uint_eq(inb(&r, 0x61) & 0x0F, 0);
    outb(&r, 0x61, 0xFE); /* high bits are not stored */
    ck_assert_uint_eq(inb(&r, 0x61) & 0x0F, 0x0E);
    /* bits 6 and 7 (parity / channel check) never set here */
    for (int i = 0; i < 50; i++) {
        ck_assert_uint_eq(inb(&r, 0x61) & 0xC0, 0);
        timerq_advance(r.tq, 7000);
    }
    ck_assert(!speaker_port_speaker_on(r.sp)); /* bit 0 clear */
    outb(&r, 0x61, 0x03);
    ck_assert(speaker_port_speaker_on(r.sp));
    outb(&r, 0x61, 0x02);
    ck_assert(!speaker_port_speaker_on(r.sp));
    outb(&r, 0x61, 0x01);
    ck_assert(!speaker_port_speaker_on(r.sp));
    speaker_port_reset(r.sp);
    ck_assert_uint_eq(inb(&r, 0x61) & 0x0F, 0);
    rig_free(&r);
}
END_TEST

START_TEST(test_refresh_toggle)
{
    struct rig r;
    rig_init(&r);
    /* bit 4 flips every 15.085 us of virtual time */
    int flips = 0;
    uint8_t last = inb(&r, 0x61) & 0x10;
    for (uint64_t t = 0; t < 1000000; t += 1000) { /* 1 ms in 1 us steps */
        goto_ns(&r, t);
        uint8_t b = inb(&r, 0x61) & 0x10;
        flips += b != last;
        last = b;
    }
    ck_assert_int_ge(flips, 1000000 / 15085 - 1);
    ck_assert_int_le(flips, 1000000 / 15085 + 1);
    /* exact edges */
    goto_ns(&r, 10 * SPEAKER_REFRESH_NS * 100 - 1);
    uint8_t before = inb(&r, 0x61) & 0x10;
    goto_ns(&r, 10 * SPEAKER_REFRESH_NS * 100);
    ck_assert_uint_ne(inb(&r, 0x61) & 0x10, before);
    goto_ns(&r, 10 * SPEAKER_REFRESH_NS * 100 + SPEAKER_REFRESH_NS - 1);
    ck_assert_uint_ne(inb(&r, 0x61) & 0x10, before);
    goto_ns(&r, 10 * SPEAKER_REFRESH_NS * 100 + SPEAKER_REFRESH_NS);
    ck_assert_uint_eq(inb(&r, 0x61) & 0x10, before);
    rig_free(&r);
}
END_TEST

START_TEST(test_gate_and_out2_square_wave)
{
    struct rig r;
    rig_init(&r);
    /* a beep: counter 2 in mode 3 at count 1193 (~1 kHz) */
    outb(&r, 0x43, 0xB6);
    outb(&r, 0x42, 1193 & 0xFF);
    outb(&r, 0x42, 1193 >> 8);
    /* gate low: mode 3 keeps OUT high, counter does not run */
    goto_ns(&r, 5 * 1000000);
    ck_assert_uint_eq(inb(&r, 0x61) & 0x20, 0x20);
    outb(&r, 0x43, 0x80);
    unsigned lo = inb(&r, 0x42);
    unsigned before = lo | (unsigned)inb(&r, 0x42) << 8;
    goto_ns(&r, 6 * 1000000);
    outb(&r, 0x43, 0x80);
    lo = inb(&r, 0x42);
    ck_assert_uint_eq(lo | (unsigned)inb(&r, 0x42) << 8, before);

    /* gate on through bit 0: OUT2 toggles at ~2 kHz, seen in bit 5 */
    outb(&r, 0x61, 0x03);
    ck_assert(speaker_port_speaker_on(r.sp));
    int toggles = 0;
    uint8_t last = inb(&r, 0x61) & 0x20;
    for (int i = 0; i < 10000; i++) { /* 100 ms in 10 us steps */
        timerq_advance(r.tq, 10000);
        uint8_t b = inb(&r, 0x61) & 0x20;
        toggles += b != last;
        last = b;
    }
    int expect = (int)(2 * (HZ / 10) / 1193);
    ck_assert_int_ge(toggles, expect - 2);
    ck_assert_int_le(toggles, expect + 2);

    /* gate off: OUT2 goes high immediately (8254 mode 3) */
    outb(&r, 0x61, 0x00);
    for (int i = 0; i < 100; i++) {
        ck_assert_uint_eq(inb(&r, 0x61) & 0x20, 0x20);
        timerq_advance(r.tq, 3000);
    }
    rig_free(&r);
}
END_TEST

START_TEST(test_bios_style_delay_mode0)
{
    struct rig r;
    rig_init(&r);
    goto_ns(&r, 1234567);
    /* gate off, program counter 2 in mode 0, gate on, poll OUT2 */
    outb(&r, 0x61, 0x00);
    outb(&r, 0x43, 0xB0);
    outb(&r, 0x42, 100);
    outb(&r, 0x42, 0);
    ck_assert_uint_eq(inb(&r, 0x61) & 0x20, 0);
    uint64_t c = 1234567 / 1000 * HZ / 1000000; /* tick now */
    while (tick_ns(c + 1) <= 1234567)
        c++;
    outb(&r, 0x61, 0x01); /* gate rises at tick c; loaded on c+1 */
    goto_ns(&r, tick_ns(c + 100));
    ck_assert_uint_eq(inb(&r, 0x61) & 0x20, 0);
    goto_ns(&r, tick_ns(c + 101));
    ck_assert_uint_eq(inb(&r, 0x61) & 0x20, 0x20);
    rig_free(&r);
}
END_TEST

START_TEST(test_without_pit)
{
    struct bus *bus = bus_new();
    struct timerq *tq = timerq_new(CLOCK_MANUAL);
    struct speaker_port *sp = speaker_port_new(bus, NULL, tq);
    ck_assert_ptr_nonnull(sp);
    bus_out(bus, 0x61, 0x03, 1);
    ck_assert_uint_eq(bus_in(bus, 0x61, 1) & 0x2F, 0x03);
    /* a second claim of port 0x61 is refused */
    ck_assert_ptr_null(speaker_port_new(bus, NULL, tq));
    speaker_port_free(sp);
    ck_assert_ptr_null(bus_owner(bus, BUS_IO, 0x61));
    timerq_free(tq);
    bus_free(bus);
}
END_TEST

START_TEST(test_vmstate)
{
    struct rig r;
    rig_init(&r);
    outb(&r, 0x61, 0x03);
    ck_assert_str_eq(speaker_port_vmstate.name, "speaker-port");
    struct speaker_port *copy = malloc(4096);
    for (const struct vmstate_field *f = speaker_port_vmstate.fields; f->name; f++)
        memcpy((char *)copy + f->offset, (char *)r.sp + f->offset, f->size * f->count);
    outb(&r, 0x61, 0x00);
    for (const struct vmstate_field *f = speaker_port_vmstate.fields; f->name; f++)
        memcpy((char *)r.sp + f->offset, (char *)copy + f->offset, f->size * f->count);
    free(copy);
    speaker_port_post_load(r.sp);
    ck_assert(speaker_port_speaker_on(r.sp));
    ck_assert_uint_eq(inb(&r, 0x61) & 0x0F, 0x03);
    rig_free(&r);
}
END_TEST

static Suite *speaker_port_suite(void)
{
    Suite *s = suite_create("speaker_port");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_bits_read_back);
    tcase_add_test(tc, test_refresh_toggle);
    tcase_add_test(tc, test_gate_and_out2_square_wave);
    tcase_add_test(tc, test_bios_style_delay_mode0);
    tcase_add_test(tc, test_without_pit);
    tcase_add_test(tc, test_vmstate);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(speaker_port_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
