/* test_bus.c - port/MMIO dispatch: splitting, open bus, claims. */
#include "devices/bus.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A device backed by bytes, that records every access it gets. */
struct access {
    int write;
    uint64_t offset;
    unsigned size;
    uint64_t value;
};

struct dev {
    uint8_t mem[64];
    struct access log[32];
    int n;
    struct bus_ops ops;
};

static uint64_t dev_read(void *opaque, uint64_t offset, unsigned size)
{
    struct dev *d = opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)d->mem[offset + i] << (i * 8);
    if (d->n < 32)
        d->log[d->n++] = (struct access){0, offset, size, v};
    /* junk above the access width: the bus must not pass it on */
    return size == 8 ? v : v | (0xDEAD0000ull << (size * 8));
}

static void dev_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    struct dev *d = opaque;
    for (unsigned i = 0; i < size; i++)
        d->mem[offset + i] = (uint8_t)(value >> (i * 8));
    if (d->n < 32)
        d->log[d->n++] = (struct access){1, offset, size, value};
}

static struct dev *dev_new(unsigned widths, uint8_t fill)
{
    struct dev *d = calloc(1, sizeof *d);
    ck_assert_ptr_nonnull(d);
    for (int i = 0; i < 64; i++)
        d->mem[i] = (uint8_t)(fill + i);
    d->ops.read = dev_read;
    d->ops.write = dev_write;
    d->ops.widths = widths;
    return d;
}

static void assert_access(const struct dev *d, int i, int write, uint64_t offset, unsigned size)
{
    ck_assert_int_lt(i, d->n);
    ck_assert_int_eq(d->log[i].write, write);
    ck_assert_uint_eq(d->log[i].offset, offset);
    ck_assert_uint_eq(d->log[i].size, size);
}

START_TEST(test_byte_region_split)
{
    struct bus *bus = bus_new();
    struct dev *d = dev_new(BUS_W8, 0x11);
    ck_assert_int_eq(bus_map(bus, BUS_IO, 0x60, 4, &d->ops, d, "bytes"), 0);
    /* a 32-bit read becomes four byte reads, assembled little-endian */
    ck_assert_uint_eq(bus_in(bus, 0x60, 4), 0x14131211);
    ck_assert_int_eq(d->n, 4);
    for (int i = 0; i < 4; i++)
        assert_access(d, i, 0, (uint64_t)i, 1);
    d->n = 0;
    bus_out(bus, 0x60, 0xA1B2C3D4, 4);
    ck_assert_int_eq(d->n, 4);
    for (int i = 0; i < 4; i++) {
        assert_access(d, i, 1, (uint64_t)i, 1);
        ck_assert_uint_eq(d->log[i].value, (0xA1B2C3D4u >> (8 * i)) & 0xFF);
    }
    ck_assert_uint_eq(bus_in(bus, 0x62, 2), 0xA1B2);
    /* a byte access goes through as it is */
    d->n = 0;
    ck_assert_uint_eq(bus_in(bus, 0x61, 1), 0xC3);
    ck_assert_int_eq(d->n, 1);
    assert_access(d, 0, 0, 1, 1);
    bus_free(bus);
    free(d);
}
END_TEST

START_TEST(test_zero_widths_mean_bytes)
{
    struct bus *bus = bus_new();
    struct dev *d = dev_new(0, 0x40);
    ck_assert_int_eq(bus_map(bus, BUS_MEM, 0xA0000, 8, &d->ops, d, "legacy"), 0);
    ck_assert_uint_eq(bus_read(bus, BUS_MEM, 0xA0000, 8), 0x4746454443424140ull);
    ck_assert_int_eq(d->n, 8);
    for (int i = 0; i < 8; i++)
        assert_access(d, i, 0, (uint64_t)i, 1);
    bus_free(bus);
    free(d);
}
END_TEST

START_TEST(test_word_only_region)
{
    struct bus *bus = bus_new();
    struct dev *d = dev_new(BUS_W16, 0x20);
    ck_assert_int_eq(bus_map(bus, BUS_IO, 0x1F0, 8, &d->ops, d, "words"), 0);
    ck_assert_uint_eq(bus_in(bus, 0x1F0, 2), 0x2120);
    ck_assert_int_eq(d->n, 1);
    assert_access(d, 0, 0, 0, 2);
    /* 32 bits: two 16-bit reads */
    d->n = 0;
    ck_assert_uint_eq(bus_in(bus, 0x1F2, 4), 0x25242322);
    ck_assert_int_eq(d->n, 2);
    assert_access(d, 0, 0, 2, 2);
    assert_access(d, 1, 0, 4, 2);
    /* 32-bit write: two 16-bit writes */
    d->n = 0;
    bus_out(bus, 0x1F0, 0x12345678, 4);
    ck_assert_int_eq(d->n, 2);
    assert_access(d, 0, 1, 0, 2);
    ck_assert_uint_eq(d->log[0].value, 0x5678);
    assert_access(d, 1, 1, 2, 2);
    ck_assert_uint_eq(d->log[1].value, 0x1234);
    /* narrower than any accepted width: open bus, the write is dropped,
     * the device sees nothing */
    d->n = 0;
    ck_assert_uint_eq(bus_in(bus, 0x1F0, 1), 0xFF);
    bus_out(bus, 0x1F1, 0x99, 1);
    ck_assert_int_eq(d->n, 0);
    ck_assert_uint_eq(d->mem[1], 0x56);
    /* the bus does not split for alignment: a word that lies inside the
     * region goes to it whole, even at an odd offset */
    ck_assert_uint_eq(bus_in(bus, 0x1F1, 2), 0x3456);
    ck_assert_int_eq(d->n, 1);
    assert_access(d, 0, 0, 1, 2);
    /* the last byte of the region cannot take a word: open bus */
    ck_assert_uint_eq(bus_in(bus, 0x1F7, 2), 0xFFFF);
    ck_assert_int_eq(d->n, 1);
    bus_free(bus);
    free(d);
}
END_TEST

START_TEST(test_dword_only_region)
{
    struct bus *bus = bus_new();
    struct dev *d = dev_new(BUS_W32, 0x30);
    ck_assert_int_eq(bus_map(bus, BUS_MEM, 0xFEC00000, 16, &d->ops, d, "dwords"), 0);
    ck_assert_uint_eq(bus_read(bus, BUS_MEM, 0xFEC00000, 8), 0x3736353433323130ull);
    ck_assert_int_eq(d->n, 2);
    assert_access(d, 0, 0, 0, 4);
    assert_access(d, 1, 0, 4, 4);
    d->n = 0;
    ck_assert_uint_eq(bus_read(bus, BUS_MEM, 0xFEC00000, 2), 0xFFFF);
    ck_assert_int_eq(d->n, 0);
    bus_free(bus);
    free(d);
}
END_TEST

START_TEST(test_straddle)
{
    struct bus *bus = bus_new();
    struct dev *a = dev_new(BUS_WALL, 0xA0);
    struct dev *b = dev_new(BUS_WALL, 0xB0);
    ck_assert_int_eq(bus_map(bus, BUS_IO, 0x100, 2, &a->ops, a, "a"), 0);
    ck_assert_int_eq(bus_map(bus, BUS_IO, 0x102, 2, &b->ops, b, "b"), 0);
    ck_assert_uint_eq(bus_in(bus, 0x100, 4), 0xB1B0A1A0);
    ck_assert_int_eq(a->n, 1);
    assert_access(a, 0, 0, 0, 2);
    ck_assert_int_eq(b->n, 1);
    assert_access(b, 0, 0, 0, 2);
    /* off the end of b into nothing: b's byte, then open bus */
    a->n = b->n = 0;
    ck_assert_uint_eq(bus_in(bus, 0x103, 4), 0xFFFFFFB1);
    ck_assert_int_eq(b->n, 1);
    assert_access(b, 0, 0, 1, 1);
    /* a write across both */
    b->n = 0;
    bus_out(bus, 0x101, 0x00332211, 4);
    ck_assert_int_eq(a->n, 1);
    assert_access(a, 0, 1, 1, 1);
    ck_assert_int_eq(b->n, 1);
    assert_access(b, 0, 1, 0, 2);
    ck_assert_uint_eq(a->mem[1], 0x11);
    ck_assert_uint_eq(b->mem[0], 0x22);
    ck_assert_uint_eq(b->mem[1], 0x33);
    bus_free(bus);
    free(a);
    free(b);
}
END_TEST

START_TEST(test_straddle_into_narrow_region)
{
    struct bus *bus = bus_new();
    struct dev *a = dev_new(BUS_WALL, 0xA0);
    struct dev *b = dev_new(BUS_W16, 0xB0);
    ck_assert_int_eq(bus_map(bus, BUS_IO, 0x3FE, 2, &a->ops, a, "a"), 0);
    ck_assert_int_eq(bus_map(bus, BUS_IO, 0x400, 2, &b->ops, b, "b"), 0);
    /* the second half fits b's declared width: it gets one 16-bit access */
    ck_assert_uint_eq(bus_in(bus, 0x3FE, 4), 0xB1B0A1A0);
    ck_assert_int_eq(b->n, 1);
    assert_access(b, 0, 0, 0, 2);
    bus_free(bus);
    free(a);
    free(b);
}
END_TEST

START_TEST(test_pieces_are_powers_of_two)
{
    struct bus *bus = bus_new();
    struct dev *a = dev_new(BUS_W16, 0xA0);
    struct dev *b = dev_new(BUS_WALL, 0xB0);
    ck_assert_int_eq(bus_map(bus, BUS_MEM, 0x1000, 2, &a->ops, a, "a"), 0);
    ck_assert_int_eq(bus_map(bus, BUS_MEM, 0x1002, 16, &b->ops, b, "b"), 0);
    ck_assert_uint_eq(bus_read(bus, BUS_MEM, 0x1000, 8), 0xB5B4B3B2B1B0A1A0ull);
    ck_assert_int_eq(b->n, 2);
    assert_access(b, 0, 0, 0, 4);
    assert_access(b, 1, 0, 4, 2);
    b->n = 0;
    bus_write(bus, BUS_MEM, 0x1001, 0x0807060504030201ull, 8);
    for (int i = 0; i < b->n; i++)
        ck_assert_msg(b->log[i].size == 1 || b->log[i].size == 2 || b->log[i].size == 4, "piece of %u bytes",
                      b->log[i].size);
    ck_assert_uint_eq(bus_read(bus, BUS_MEM, 0x1002, 8), 0xB708070605040302ull);
    bus_free(bus);
    free(a);
    free(b);
}
END_TEST

START_TEST(test_whole_access_and_masking)
{
    struct bus *bus = bus_new();
    struct dev *d = dev_new(BUS_WALL, 0x00);
    ck_assert_int_eq(bus_map(bus, BUS_MEM, 0xE0000000, 32, &d->ops, d, "all"), 0);
    ck_assert_uint_eq(bus_read(bus, BUS_MEM, 0xE0000008, 8), 0x0F0E0D0C0B0A0908ull);
    ck_assert_uint_eq(bus_read(bus, BUS_MEM, 0xE0000001, 4), 0x04030201);
    ck_assert_uint_eq(bus_read(bus, BUS_MEM, 0xE0000002, 2), 0x0302);
    ck_assert_uint_eq(bus_read(bus, BUS_MEM, 0xE0000003, 1), 0x03);
    ck_assert_int_eq(d->n, 4);
    /* a wider value than the access is cut to the access */
    d->n = 0;
    bus_write(bus, BUS_MEM, 0xE0000010, 0xFFFFFFFF12345678ull, 2);
    ck_assert_int_eq(d->n, 1);
    ck_assert_uint_eq(d->log[0].value, 0x5678);
    ck_assert_uint_eq(d->mem[0x12], 0x12);
    bus_free(bus);
    free(d);
}
END_TEST

START_TEST(test_open_bus)
{
    struct bus *bus = bus_new();
    ck_assert_uint_eq(bus_in(bus, 0x80, 1), 0xFF);
    ck_assert_uint_eq(bus_in(bus, 0x80, 2), 0xFFFF);
    ck_assert_uint_eq(bus_in(bus, 0x80, 4), 0xFFFFFFFF);
    ck_assert_uint_eq(bus_in(bus, 0xFFFF, 4), 0xFFFFFFFF);
    ck_assert_uint_eq(bus_read(bus, BUS_MEM, 0xFEE00000, 8), UINT64_MAX);
    ck_assert_uint_eq(bus_read(bus, BUS_MEM, 0x12345, 1), 0xFF);
    /* writes to nothing vanish and disturb no neighbour */
    struct dev *d = dev_new(BUS_WALL, 0x50);
    ck_assert_int_eq(bus_map(bus, BUS_IO, 0x82, 2, &d->ops, d, "neighbour"), 0);
    bus_out(bus, 0x80, 0xAABBCCDD, 2);
    bus_write(bus, BUS_MEM, 0x1000, 0x1122334455667788ull, 8);
    ck_assert_int_eq(d->n, 0);
    ck_assert_uint_eq(bus_in(bus, 0x82, 2), 0x5150);
    /* a region with no read handler reads as open bus */
    struct bus_ops write_only = {NULL, dev_write, BUS_WALL};
    ck_assert_int_eq(bus_map(bus, BUS_IO, 0x90, 4, &write_only, d, "write-only"), 0);
    ck_assert_uint_eq(bus_in(bus, 0x90, 4), 0xFFFFFFFF);
    ck_assert_uint_eq(bus_in(bus, 0x91, 1), 0xFF);
    /* the top of port space: the high byte is past 0xFFFF */
    ck_assert_int_eq(bus_map(bus, BUS_IO, 0xFFFF, 1, &d->ops, d, "top"), 0);
    ck_assert_uint_eq(bus_in(bus, 0xFFFF, 2), 0xFF50);
    bus_free(bus);
    free(d);
}
END_TEST

START_TEST(test_overlap_refused)
{
    struct bus *bus = bus_new();
    struct dev *d = dev_new(BUS_W8, 0);
    ck_assert_int_eq(bus_map(bus, BUS_IO, 0x60, 5, &d->ops, d, "i8042"), 0);
    ck_assert_int_eq(bus_map(bus, BUS_IO, 0x64, 1, &d->ops, d, "intruder"), -1);
    ck_assert_ptr_nonnull(strstr(bus_error(bus), "i8042"));
    ck_assert_ptr_nonnull(strstr(bus_error(bus), "intruder"));
    /* the loser left no trace */
    ck_assert_str_eq(bus_owner(bus, BUS_IO, 0x64), "i8042");
    /* covering it from outside is refused too */
    ck_assert_int_eq(bus_map(bus, BUS_IO, 0x50, 0x20, &d->ops, d, "big"), -1);
    ck_assert_ptr_nonnull(strstr(bus_error(bus), "big"));
    ck_assert_ptr_nonnull(strstr(bus_error(bus), "i8042"));
    /* touching is fine */
    ck_assert_int_eq(bus_map(bus, BUS_IO, 0x65, 1, &d->ops, d, "after"), 0);
    ck_assert_int_eq(bus_map(bus, BUS_IO, 0x5F, 1, &d->ops, d, "before"), 0);
    /* the same range in the other space is another address */
    ck_assert_int_eq(bus_map(bus, BUS_MEM, 0x60, 5, &d->ops, d, "ram"), 0);
    ck_assert_int_eq(bus_map(bus, BUS_MEM, 0x40, 0x21, &d->ops, d, "rom"), -1);
    ck_assert_ptr_nonnull(strstr(bus_error(bus), "rom"));
    ck_assert_ptr_nonnull(strstr(bus_error(bus), "ram"));
    /* bad ranges */
    ck_assert_int_eq(bus_map(bus, BUS_IO, 0x200, 0, &d->ops, d, "empty"), -1);
    ck_assert_ptr_nonnull(strstr(bus_error(bus), "empty"));
    ck_assert_int_eq(bus_map(bus, BUS_IO, 0xFFFF, 2, &d->ops, d, "past-end"), -1);
    ck_assert_int_eq(bus_map(bus, BUS_MEM, UINT64_MAX - 1, 4, &d->ops, d, "wraps"), -1);
    bus_free(bus);
    free(d);
}
END_TEST

START_TEST(test_unmap)
{
    struct bus *bus = bus_new();
    struct dev *a = dev_new(BUS_W8, 0xA0);
    struct dev *b = dev_new(BUS_W8, 0xB0);
    ck_assert_int_eq(bus_map(bus, BUS_IO, 0x3F8, 8, &a->ops, a, "com1"), 0);
    ck_assert_int_eq(bus_map(bus, BUS_IO, 0x2F8, 8, &b->ops, b, "com2"), 0);
    ck_assert_uint_eq(bus_in(bus, 0x3F8, 1), 0xA0);
    bus_unmap(bus, BUS_IO, 0x3F8);
    ck_assert_ptr_null(bus_owner(bus, BUS_IO, 0x3F8));
    ck_assert_uint_eq(bus_in(bus, 0x3F8, 1), 0xFF);
    ck_assert_int_eq(a->n, 1);
    /* the other region still works (its index moved) */
    ck_assert_str_eq(bus_owner(bus, BUS_IO, 0x2FF), "com2");
    ck_assert_uint_eq(bus_in(bus, 0x2F9, 1), 0xB1);
    /* the space is free for someone else */
    ck_assert_int_eq(bus_map(bus, BUS_IO, 0x3F8, 8, &b->ops, b, "com1-again"), 0);
    ck_assert_uint_eq(bus_in(bus, 0x3F8, 1), 0xB0);
    /* unmapping what is not there changes nothing */
    bus_unmap(bus, BUS_IO, 0x3F9);
    bus_unmap(bus, BUS_MEM, 0x3F8);
    ck_assert_str_eq(bus_owner(bus, BUS_IO, 0x3F8), "com1-again");
    /* MMIO */
    ck_assert_int_eq(bus_map(bus, BUS_MEM, 0xFED00000, 0x400, &a->ops, a, "hpet"), 0);
    ck_assert_str_eq(bus_owner(bus, BUS_MEM, 0xFED003FF), "hpet");
    bus_unmap(bus, BUS_MEM, 0xFED00000);
    ck_assert_ptr_null(bus_owner(bus, BUS_MEM, 0xFED00000));
    ck_assert_uint_eq(bus_read(bus, BUS_MEM, 0xFED00000, 4), 0xFFFFFFFF);
    bus_free(bus);
    free(a);
    free(b);
}
END_TEST

/* each region answers with its own number in every byte */
static uint64_t id_read(void *opaque, uint64_t offset, unsigned size)
{
    (void)offset;
    (void)size;
    return (uintptr_t)opaque * 0x0101010101010101ull;
}

START_TEST(test_mmio_lookup)
{
    static const struct bus_ops id_ops = {id_read, NULL, BUS_WALL};
    struct bus *bus = bus_new();
    enum { N = 24 };
    /* regions 1..N at base id * 0x10000, size id * 0x100, mapped in a
     * scrambled order so that the sorted insert is exercised */
    char names[N + 1][16];
    for (int k = 0; k < N; k++) {
        int id = (k * 7) % N + 1;
        snprintf(names[id], sizeof names[id], "region%d", id);
        ck_assert_int_eq(bus_map(bus, BUS_MEM, (uint64_t)id << 16, (uint64_t)id << 8, &id_ops,
                                 (void *)(uintptr_t)id, names[id]),
                         0);
    }
    ck_assert_ptr_null(bus_owner(bus, BUS_MEM, 0));
    ck_assert_ptr_null(bus_owner(bus, BUS_MEM, 0xFFFF));
    for (int id = 1; id <= N; id++) {
        uint64_t base = (uint64_t)id << 16, size = (uint64_t)id << 8;
        ck_assert_str_eq(bus_owner(bus, BUS_MEM, base), names[id]);
        ck_assert_str_eq(bus_owner(bus, BUS_MEM, base + size - 1), names[id]);
        ck_assert_ptr_null(bus_owner(bus, BUS_MEM, base - 1));
        ck_assert_ptr_null(bus_owner(bus, BUS_MEM, base + size));
        ck_assert_uint_eq(bus_read(bus, BUS_MEM, base + size / 2, 4), 0x01010101u * (unsigned)id);
        ck_assert_uint_eq(bus_read(bus, BUS_MEM, base + size, 4), 0xFFFFFFFF);
    }
    ck_assert_ptr_null(bus_owner(bus, BUS_MEM, UINT64_MAX));
    /* take out every third region; the rest must still be found */
    for (int id = 3; id <= N; id += 3)
        bus_unmap(bus, BUS_MEM, (uint64_t)id << 16);
    for (int id = 1; id <= N; id++) {
        const char *owner = bus_owner(bus, BUS_MEM, ((uint64_t)id << 16) + 1);
        if (id % 3 == 0)
            ck_assert_ptr_null(owner);
        else
            ck_assert_str_eq(owner, names[id]);
    }
    bus_free(bus);
}
END_TEST

START_TEST(test_io_lookup_many)
{
    static const struct bus_ops id_ops = {id_read, NULL, BUS_W8};
    struct bus *bus = bus_new();
    /* 0x100 single-port regions, mapped from the top down */
    for (int port = 0xFFF; port >= 0x800; port -= 8)
        ck_assert_int_eq(
            bus_map(bus, BUS_IO, (uint64_t)port, 1, &id_ops, (void *)(uintptr_t)(port & 0xFF), "p"), 0);
    for (int port = 0x800; port <= 0xFFF; port++)
        ck_assert_uint_eq(bus_in(bus, (uint16_t)port, 1), (port & 7) == 7 ? (unsigned)(port & 0xFF) : 0xFFu);
    bus_free(bus);
}
END_TEST

static Suite *bus_suite(void)
{
    Suite *s = suite_create("bus");
    TCase *tc = tcase_create("bus");
    tcase_add_test(tc, test_byte_region_split);
    tcase_add_test(tc, test_zero_widths_mean_bytes);
    tcase_add_test(tc, test_word_only_region);
    tcase_add_test(tc, test_dword_only_region);
    tcase_add_test(tc, test_straddle);
    tcase_add_test(tc, test_straddle_into_narrow_region);
    tcase_add_test(tc, test_pieces_are_powers_of_two);
    tcase_add_test(tc, test_whole_access_and_masking);
    tcase_add_test(tc, test_open_bus);
    tcase_add_test(tc, test_overlap_refused);
    tcase_add_test(tc, test_unmap);
    tcase_add_test(tc, test_mmio_lookup);
    tcase_add_test(tc, test_io_lookup_many);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(bus_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
