/* test_debugcon.c - port 0xE9 console: output to a chardev, 0xE9 readback. */
#include "devices/debugcon.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_output_and_readback)
{
    struct bus *bus = bus_new();
    struct chardev *cd = chardev_new_buffer();
    struct debugcon *dc = debugcon_new(bus, DEBUGCON_PORT, cd);
    ck_assert_ptr_nonnull(dc);
    ck_assert_str_eq(bus_owner(bus, BUS_IO, 0xE9), "debugcon");
    const char *msg = "PASS\n";
    for (const char *p = msg; *p; p++)
        bus_out(bus, 0xE9, (uint8_t)*p, 1);
    ck_assert_str_eq(chardev_buffer_output(cd, NULL), "PASS\n");
    ck_assert_uint_eq(bus_in(bus, 0xE9, 1), 0xE9);
    /* a word write prints only its low byte (the high byte goes to 0xEA) */
    bus_out(bus, 0xE9, 0x4241, 2);
    ck_assert_str_eq(chardev_buffer_output(cd, NULL), "PASS\nA");
    /* all 256 byte values pass through unchanged */
    chardev_buffer_clear(cd);
    for (int i = 0; i < 256; i++)
        bus_out(bus, 0xE9, (uint32_t)i, 1);
    size_t len;
    const char *out = chardev_buffer_output(cd, &len);
    ck_assert_uint_eq(len, 256);
    for (int i = 0; i < 256; i++)
        ck_assert_uint_eq((uint8_t)out[i], i);
    debugcon_free(dc);
    ck_assert_ptr_null(bus_owner(bus, BUS_IO, 0xE9));
    ck_assert_uint_eq(bus_in(bus, 0xE9, 1), 0xFF); /* open bus again */
    chardev_close(cd);
    bus_free(bus);
}
END_TEST

START_TEST(test_other_port_and_conflict)
{
    struct bus *bus = bus_new();
    struct chardev *cd = chardev_new_buffer();
    struct debugcon *dc = debugcon_new(bus, 0x402, cd);
    ck_assert_ptr_nonnull(dc);
    bus_out(bus, 0x402, 'q', 1);
    ck_assert_str_eq(chardev_buffer_output(cd, NULL), "q");
    ck_assert_uint_eq(bus_in(bus, 0x402, 1), 0xE9);
    ck_assert_ptr_null(debugcon_new(bus, 0x402, cd));
    ck_assert_ptr_nonnull(strstr(bus_error(bus), "debugcon"));
    debugcon_free(dc);
    /* no back end: output discarded without harm */
    dc = debugcon_new(bus, 0xE9, NULL);
    ck_assert_ptr_nonnull(dc);
    bus_out(bus, 0xE9, 'x', 1);
    debugcon_free(dc);
    debugcon_free(NULL);
    chardev_close(cd);
    bus_free(bus);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("debugcon");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_output_and_readback);
    tcase_add_test(tc, test_other_port_and_conflict);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
