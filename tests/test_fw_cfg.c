/* test_fw_cfg.c - the firmware configuration interface through its two
 * ports, the way SeaBIOS reads it (QEMU docs/specs/fw_cfg.rst, "traditional"
 * I/O interface): the signature and ID, little-endian scalar items, the
 * big-endian file directory, reads past the end of an item, and the
 * selector write that rewinds the read offset. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/bus.h"
#include "devices/fw_cfg.h"

#define BASE 0x510

struct rig {
    struct bus *bus;
    struct fw_cfg *f;
};

static struct rig rig_new(void)
{
    struct rig r;
    r.bus = bus_new();
    ck_assert_ptr_nonnull(r.bus);
    r.f = fw_cfg_new(r.bus, BASE);
    ck_assert_ptr_nonnull(r.f);
    return r;
}

static void rig_free(struct rig *r)
{
    fw_cfg_free(r->f);
    bus_free(r->bus);
}

static void select_key(struct rig *r, uint16_t key)
{
    bus_out(r->bus, BASE, key, 2);
}

static uint8_t data(struct rig *r)
{
    return (uint8_t)bus_in(r->bus, BASE + 1, 1);
}

static void read_bytes(struct rig *r, uint16_t key, uint8_t *out, size_t n)
{
    select_key(r, key);
    for (size_t i = 0; i < n; i++)
        out[i] = data(r);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

START_TEST(test_signature_and_id)
{
    struct rig r = rig_new();
    uint8_t sig[4];
    read_bytes(&r, FW_CFG_SIGNATURE, sig, 4);
    ck_assert_mem_eq(sig, "QEMU", 4);
    uint8_t id[4];
    read_bytes(&r, FW_CFG_ID, id, 4);
    /* bit 0: the traditional interface; bit 1 (DMA) clear */
    ck_assert_uint_eq(id[0] | id[1] << 8 | id[2] << 16 | (uint32_t)id[3] << 24, 1);
    rig_free(&r);
}
END_TEST

START_TEST(test_scalar_items_little_endian)
{
    struct rig r = rig_new();
    ck_assert_int_eq(fw_cfg_add_i16(r.f, FW_CFG_NB_CPUS, 0x1234), 0);
    ck_assert_int_eq(fw_cfg_add_i32(r.f, FW_CFG_NOGRAPHIC, 0xA1B2C3D4u), 0);
    ck_assert_int_eq(fw_cfg_add_i64(r.f, FW_CFG_RAM_SIZE, 0x0102030405060708ull), 0);
    uint8_t b[8];
    read_bytes(&r, FW_CFG_NB_CPUS, b, 2);
    ck_assert_uint_eq(b[0], 0x34);
    ck_assert_uint_eq(b[1], 0x12);
    read_bytes(&r, FW_CFG_NOGRAPHIC, b, 4);
    ck_assert_uint_eq(b[0], 0xD4);
    ck_assert_uint_eq(b[3], 0xA1);
    read_bytes(&r, FW_CFG_RAM_SIZE, b, 8);
    for (int i = 0; i < 8; i++)
        ck_assert_uint_eq(b[i], 8 - i);
    /* adding a key again replaces the item */
    ck_assert_int_eq(fw_cfg_add_i16(r.f, FW_CFG_NB_CPUS, 2), 0);
    read_bytes(&r, FW_CFG_NB_CPUS, b, 2);
    ck_assert_uint_eq(b[0] | b[1] << 8, 2);
    rig_free(&r);
}
END_TEST

START_TEST(test_past_the_end_and_unknown_keys)
{
    struct rig r = rig_new();
    fw_cfg_add_i16(r.f, FW_CFG_NB_CPUS, 0xBEEF);
    uint8_t b[6];
    read_bytes(&r, FW_CFG_NB_CPUS, b, 6);
    ck_assert_uint_eq(b[0], 0xEF);
    ck_assert_uint_eq(b[1], 0xBE);
    for (int i = 2; i < 6; i++)
        ck_assert_uint_eq(b[i], 0); /* past the end: zeros, however often */
    read_bytes(&r, 0x7FFF, b, 4);   /* no such item */
    for (int i = 0; i < 4; i++)
        ck_assert_uint_eq(b[i], 0);
    rig_free(&r);
}
END_TEST

START_TEST(test_selector_rewinds)
{
    struct rig r = rig_new();
    select_key(&r, FW_CFG_SIGNATURE);
    ck_assert_uint_eq(data(&r), 'Q');
    ck_assert_uint_eq(data(&r), 'E');
    select_key(&r, FW_CFG_SIGNATURE); /* the same key again: back to offset 0 */
    ck_assert_uint_eq(data(&r), 'Q');
    select_key(&r, FW_CFG_ID);
    ck_assert_uint_eq(data(&r), 1);
    select_key(&r, FW_CFG_SIGNATURE);
    ck_assert_uint_eq(data(&r), 'Q');
    rig_free(&r);
}
END_TEST

/* directory: be32 count, then per file be32 size, be16 select key, be16
 * reserved, char name[56] (NUL-padded) */
START_TEST(test_file_directory)
{
    struct rig r = rig_new();
    uint8_t hdr[4];
    read_bytes(&r, FW_CFG_FILE_DIR, hdr, 4);
    ck_assert_uint_eq(be32(hdr), 0); /* empty at first */

    static const uint8_t e820[20] = {1, 2, 3};
    ck_assert_int_eq(fw_cfg_add_file(r.f, "etc/e820", e820, sizeof e820), 0);
    ck_assert_int_eq(fw_cfg_add_file(r.f, "bootorder", "/fdc@03f0\n", 10), 0);
    uint8_t dir[4 + 2 * 64];
    read_bytes(&r, FW_CFG_FILE_DIR, dir, sizeof dir);
    ck_assert_uint_eq(be32(dir), 2);
    const uint8_t *e0 = dir + 4, *e1 = dir + 4 + 64;
    ck_assert_uint_eq(be32(e0), 20);
    ck_assert_uint_ge(be16(e0 + 4), FW_CFG_FILE_FIRST);
    ck_assert_uint_eq(be16(e0 + 6), 0);
    ck_assert_str_eq((const char *)e0 + 8, "etc/e820");
    for (int i = 8 + 8; i < 64; i++)
        ck_assert_uint_eq(e0[i], 0);
    ck_assert_uint_eq(be32(e1), 10);
    ck_assert_str_eq((const char *)e1 + 8, "bootorder");
    ck_assert_uint_ne(be16(e0 + 4), be16(e1 + 4));

    /* the key from the directory selects the contents */
    uint8_t got[20];
    read_bytes(&r, be16(e0 + 4), got, sizeof got);
    ck_assert_mem_eq(got, e820, sizeof e820);
    read_bytes(&r, be16(e1 + 4), got, 10);
    ck_assert_mem_eq(got, "/fdc@03f0\n", 10);

    /* replacing a file keeps its key and updates its size */
    uint16_t key = be16(e0 + 4);
    ck_assert_int_eq(fw_cfg_add_file(r.f, "etc/e820", e820, 40), 0);
    read_bytes(&r, FW_CFG_FILE_DIR, dir, sizeof dir);
    ck_assert_uint_eq(be32(dir), 2);
    ck_assert_uint_eq(be32(dir + 4), 40);
    ck_assert_uint_eq(be16(dir + 8), key);

    /* a 56-character name does not fit (55 plus the NUL) */
    char name[57];
    memset(name, 'x', 56);
    name[56] = 0;
    ck_assert_int_eq(fw_cfg_add_file(r.f, name, "", 0), -1);
    name[55] = 0;
    ck_assert_int_eq(fw_cfg_add_file(r.f, name, "z", 1), 0);
    read_bytes(&r, FW_CFG_FILE_DIR, hdr, 4);
    ck_assert_uint_eq(be32(hdr), 3);
    rig_free(&r);
}
END_TEST

START_TEST(test_ports_released)
{
    struct rig r = rig_new();
    ck_assert_ptr_nonnull(bus_owner(r.bus, BUS_IO, BASE));
    ck_assert_ptr_nonnull(bus_owner(r.bus, BUS_IO, BASE + 1));
    ck_assert_ptr_null(fw_cfg_new(r.bus, BASE)); /* the ports are taken */
    fw_cfg_free(r.f);
    ck_assert_ptr_null(bus_owner(r.bus, BUS_IO, BASE));
    ck_assert_uint_eq(bus_in(r.bus, BASE + 1, 1), 0xFF); /* open bus */
    bus_free(r.bus);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fw_cfg");
    TCase *tc = tcase_create("ports");
    tcase_add_test(tc, test_signature_and_id);
    tcase_add_test(tc, test_scalar_items_little_endian);
    tcase_add_test(tc, test_past_the_end_and_unknown_keys);
    tcase_add_test(tc, test_selector_rewinds);
    tcase_add_test(tc, test_file_directory);
    tcase_add_test(tc, test_ports_released);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
