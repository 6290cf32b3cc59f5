/* test_port92.c - System Control Port A: A20 gate and fast reset. */
#include "devices/port92.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

struct probe {
    int level, rises, falls, sets;
};

static void probe_set(void *opaque, int n, int level)
{
    struct probe *p = opaque;
    (void)n;
    if (level && !p->level)
        p->rises++;
    if (!level && p->level)
        p->falls++;
    p->level = level;
    p->sets++;
}

static struct bus *bus;
static struct probe a20_probe, reset_probe;
static struct irq_line a20, reset;
static struct port92 *p92;

static void setup(void)
{
    bus = bus_new();
    memset(&a20_probe, 0, sizeof a20_probe);
    memset(&reset_probe, 0, sizeof reset_probe);
    a20 = irq_line_make(probe_set, &a20_probe, 0);
    reset = irq_line_make(probe_set, &reset_probe, 0);
    p92 = port92_new(bus, &a20, &reset);
    ck_assert_ptr_nonnull(p92);
}

static void teardown(void)
{
    port92_free(p92);
    bus_free(bus);
}

START_TEST(test_initial_state)
{
    ck_assert_uint_eq(bus_in(bus, 0x92, 1), 0x00);
    ck_assert_str_eq(bus_owner(bus, BUS_IO, 0x92), "port92");
    /* nothing driven at creation: the board owns the power-on level */
    ck_assert_int_eq(a20_probe.sets, 0);
    ck_assert_int_eq(reset_probe.sets, 0);
}
END_TEST

START_TEST(test_a20_gate)
{
    bus_out(bus, 0x92, 0x02, 1);
    ck_assert_int_eq(a20_probe.level, 1);
    ck_assert_uint_eq(bus_in(bus, 0x92, 1), 0x02);
    bus_out(bus, 0x92, 0x00, 1);
    ck_assert_int_eq(a20_probe.level, 0);
    ck_assert_uint_eq(bus_in(bus, 0x92, 1), 0x00);
    /* driven on every write, so port 92 can win over the 8042's setting */
    bus_out(bus, 0x92, 0x00, 1);
    ck_assert_int_eq(a20_probe.sets, 3);
    ck_assert_int_eq(reset_probe.rises, 0);
}
END_TEST

START_TEST(test_fast_reset)
{
    bus_out(bus, 0x92, 0x03, 1);
    ck_assert_int_eq(reset_probe.rises, 1);
    ck_assert_int_eq(reset_probe.falls, 1); /* a pulse */
    ck_assert_int_eq(reset_probe.level, 0);
    ck_assert_int_eq(a20_probe.level, 1);
    /* the reset bit reads back as stored */
    ck_assert_uint_eq(bus_in(bus, 0x92, 1), 0x03);
    /* only a 0 -> 1 transition resets */
    bus_out(bus, 0x92, 0x03, 1);
    ck_assert_int_eq(reset_probe.rises, 1);
    bus_out(bus, 0x92, 0x02, 1);
    ck_assert_int_eq(reset_probe.rises, 1);
    bus_out(bus, 0x92, 0x01, 1);
    ck_assert_int_eq(reset_probe.rises, 2);
    ck_assert_int_eq(a20_probe.level, 0);
}
END_TEST

START_TEST(test_reset_clears_reset_bit)
{
    bus_out(bus, 0x92, 0x03, 1);
    ck_assert_int_eq(reset_probe.rises, 1);
    port92_reset(p92);
    ck_assert_uint_eq(bus_in(bus, 0x92, 1), 0x02); /* A20 bit kept */
    bus_out(bus, 0x92, 0x03, 1);
    ck_assert_int_eq(reset_probe.rises, 2);
}
END_TEST

START_TEST(test_other_bits_stored_and_null_lines)
{
    bus_out(bus, 0x92, 0xC8, 1);
    ck_assert_uint_eq(bus_in(bus, 0x92, 1), 0xC8);
    ck_assert_int_eq(a20_probe.level, 0);
    struct bus *b2 = bus_new();
    struct port92 *q = port92_new(b2, NULL, NULL);
    ck_assert_ptr_nonnull(q);
    bus_out(b2, 0x92, 0x03, 1);
    ck_assert_uint_eq(bus_in(b2, 0x92, 1), 0x03);
    ck_assert_ptr_null(port92_new(b2, NULL, NULL)); /* port taken */
    port92_free(q);
    bus_free(b2);
}
END_TEST

START_TEST(test_vmstate)
{
    ck_assert_str_eq(port92_vmstate.name, "port92");
    ck_assert_ptr_nonnull(port92_vmstate.fields[0].name);
    ck_assert_ptr_null(port92_vmstate.fields[1].name);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("port92");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_initial_state);
    tcase_add_test(tc, test_a20_gate);
    tcase_add_test(tc, test_fast_reset);
    tcase_add_test(tc, test_reset_clears_reset_bit);
    tcase_add_test(tc, test_other_bits_stored_and_null_lines);
    tcase_add_test(tc, test_vmstate);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
