/* test_debug_exit.c - isa-debug-exit: status values, widths, reads, and
 * the -device parser. */
#include "devices/debug_exit.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

struct exit_log {
    int calls;
    int status;
};

static void record_exit(void *opaque, int status)
{
    struct exit_log *log = opaque;
    log->calls++;
    log->status = status;
}

START_TEST(test_status_values)
{
    struct bus *bus = bus_new();
    struct exit_log log = {0, -1};
    struct debug_exit *de = debug_exit_new(bus, 0xF4, 4, record_exit, &log);
    ck_assert_ptr_nonnull(de);
    bus_out(bus, 0xF4, 0x00, 1);
    ck_assert_int_eq(log.calls, 1);
    ck_assert_int_eq(log.status, 1); /* (0 << 1) | 1 */
    bus_out(bus, 0xF4, 0x10, 1);
    ck_assert_int_eq(log.status, 33); /* (0x10 << 1) | 1 */
    bus_out(bus, 0xF4, 0x31, 1);
    ck_assert_int_eq(log.status, 0x63);
    /* word and dword writes are taken whole */
    bus_out(bus, 0xF4, 0x1234, 2);
    ck_assert_int_eq(log.calls, 4);
    ck_assert_int_eq(log.status, 0x2469);
    bus_out(bus, 0xF4, 0x00012345, 4);
    ck_assert_int_eq(log.calls, 5);
    ck_assert_int_eq(log.status, 0x2468B);
    /* any port of the range */
    bus_out(bus, 0xF7, 0x02, 1);
    ck_assert_int_eq(log.status, 5);
    /* the top bit of a dword does not make the status negative */
    bus_out(bus, 0xF4, 0xFFFFFFFFu, 4);
    ck_assert_int_ge(log.status, 0);
    ck_assert_int_eq(log.status & 0xFF, 0xFF);
    /* reads return 0, as QEMU's device does */
    ck_assert_uint_eq(bus_in(bus, 0xF4, 1), 0);
    ck_assert_uint_eq(bus_in(bus, 0xF4, 4), 0);
    ck_assert_int_eq(log.calls, 7);
    debug_exit_free(de);
    ck_assert_ptr_null(bus_owner(bus, BUS_IO, 0xF4));
    bus_free(bus);
}
END_TEST

START_TEST(test_default_range_and_conflict)
{
    struct bus *bus = bus_new();
    struct exit_log log = {0, -1};
    struct debug_exit *de =
        debug_exit_new(bus, DEBUG_EXIT_DEFAULT_IOBASE, DEBUG_EXIT_DEFAULT_IOSIZE, record_exit, &log);
    ck_assert_ptr_nonnull(de);
    ck_assert_str_eq(bus_owner(bus, BUS_IO, 0x501), "isa-debug-exit");
    ck_assert_str_eq(bus_owner(bus, BUS_IO, 0x502), "isa-debug-exit");
    ck_assert_ptr_null(bus_owner(bus, BUS_IO, 0x503));
    bus_out(bus, 0x501, 0x7F, 2);
    ck_assert_int_eq(log.status, 0xFF);
    ck_assert_ptr_null(debug_exit_new(bus, 0x500, 4, record_exit, &log));
    ck_assert_ptr_nonnull(strstr(bus_error(bus), "isa-debug-exit"));
    /* no callback: writes are harmless */
    struct debug_exit *quiet = debug_exit_new(bus, 0xF4, 1, NULL, NULL);
    ck_assert_ptr_nonnull(quiet);
    bus_out(bus, 0xF4, 1, 1);
    debug_exit_free(quiet);
    debug_exit_free(de);
    debug_exit_free(NULL);
    bus_free(bus);
}
END_TEST

START_TEST(test_parse_ok)
{
    uint16_t base = 0, size = 0;
    char err[256] = "";
    ck_assert_int_eq(
        debug_exit_parse("isa-debug-exit,iobase=0xf4,iosize=0x04", &base, &size, err, sizeof err), 0);
    ck_assert_uint_eq(base, 0xF4);
    ck_assert_uint_eq(size, 4);
    ck_assert_int_eq(debug_exit_parse("isa-debug-exit", &base, &size, err, sizeof err), 0);
    ck_assert_uint_eq(base, 0x501);
    ck_assert_uint_eq(size, 2);
    ck_assert_int_eq(debug_exit_parse("isa-debug-exit,iobase=244", &base, &size, err, sizeof err), 0);
    ck_assert_uint_eq(base, 244);
    ck_assert_uint_eq(size, 2);
    ck_assert_int_eq(debug_exit_parse("isa-debug-exit,iosize=1,iobase=0XF4", &base, &size, err, sizeof err),
                     0);
    ck_assert_uint_eq(base, 0xF4);
    ck_assert_uint_eq(size, 1);
    /* the driver name may be left out */
    ck_assert_int_eq(debug_exit_parse("iobase=0x80", &base, &size, err, sizeof err), 0);
    ck_assert_uint_eq(base, 0x80);
    ck_assert_int_eq(debug_exit_parse("isa-debug-exit,iobase=0xfffc,iosize=4", &base, &size, err, sizeof err),
                     0);
    ck_assert_uint_eq(base, 0xFFFC);
}
END_TEST

static void expect_error(const char *spec, const char *needle)
{
    uint16_t base = 0x1111, size = 0x2222;
    char err[256] = "";
    ck_assert_msg(debug_exit_parse(spec, &base, &size, err, sizeof err) == -1, "accepted '%s'", spec);
    ck_assert_msg(strstr(err, needle) != NULL, "'%s': error '%s' lacks '%s'", spec, err, needle);
    ck_assert_ptr_null(strchr(err, '\n'));
    ck_assert_uint_eq(base, 0x1111); /* outputs untouched on error */
    ck_assert_uint_eq(size, 0x2222);
}

START_TEST(test_parse_errors)
{
    expect_error("isa-debug-exit,foo=1", "unknown property 'foo'");
    expect_error("isa-debug-exit,iobase=0x10000", "bad value '0x10000' for iobase");
    expect_error("isa-debug-exit,iobase=xyz", "bad value 'xyz' for iobase");
    expect_error("isa-debug-exit,iobase=", "bad value '' for iobase");
    expect_error("isa-debug-exit,iobase=-1", "bad value '-1' for iobase");
    expect_error("isa-debug-exit,iobase=0xf4z", "bad value '0xf4z' for iobase");
    expect_error("isa-debug-exit,iosize=0", "bad value '0' for iosize");
    expect_error("isa-debug-exit,iosize=99999999999999999999999", "for iosize");
    expect_error("isa-debug-exit,iobase", "'iobase' is not key=value");
    expect_error("isa-debug-exit,", "is not key=value");
    expect_error("e1000,iobase=0xf4", "not an isa-debug-exit device");
    expect_error("", "not an isa-debug-exit device");
    expect_error("isa-debug-exit,iobase=0xfffe,iosize=4", "past 0xffff");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("debug_exit");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_status_values);
    tcase_add_test(tc, test_default_range_and_conflict);
    tcase_add_test(tc, test_parse_ok);
    tcase_add_test(tc, test_parse_errors);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
