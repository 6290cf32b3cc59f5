/* test_dma8237.c - the 8237A pair and page registers, programmed through
 * the bus as a guest (or BIOS) would, with a device moving data through the
 * device-side API into guest RAM. */
#include "devices/dma8237.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "devices/bus.h"
#include "devices/physmem.h"

/* DMA1 registers */
#define DMA1_STATUS  0x08
#define DMA1_COMMAND 0x08
#define DMA1_REQUEST 0x09
#define DMA1_MASK    0x0A
#define DMA1_MODE    0x0B
#define DMA1_CLEARFF 0x0C
#define DMA1_MCLEAR  0x0D
#define DMA1_CLRMASK 0x0E
#define DMA1_ALLMASK 0x0F
/* DMA2 register r is at 0xC0 + 2r */
#define DMA2(r) (0xC0 + 2 * (r))

struct rig {
    struct bus *bus;
    struct physmem mem;
    struct dma8237 *dma;
    int ready_calls[8], tc_calls[8];
    int ram_writes;
};

static void on_ready(void *opaque, int ch)
{
    ((struct rig *)opaque)->ready_calls[ch]++;
}

static void on_tc(void *opaque, int ch)
{
    ((struct rig *)opaque)->tc_calls[ch]++;
}

static void on_ram_written(void *opaque, uint32_t paddr, unsigned size)
{
    (void)paddr;
    ((struct rig *)opaque)->ram_writes += (int)size;
}

static void rig_init(struct rig *r)
{
    memset(r, 0, sizeof *r);
    r->bus = bus_new();
    ck_assert_ptr_nonnull(r->bus);
    ck_assert_int_eq(physmem_init(&r->mem, r->bus, 2u << 20), 0);
    r->mem.ram_written = on_ram_written;
    r->mem.ram_written_opaque = r;
    r->dma = dma8237_new(r->bus, &r->mem);
    ck_assert_ptr_nonnull(r->dma);
    struct dma8237_client c = {on_ready, on_tc, r};
    for (int ch = 0; ch < 8; ch++)
        dma8237_attach(r->dma, ch, &c);
}

static void rig_free(struct rig *r)
{
    dma8237_free(r->dma);
    physmem_destroy(&r->mem);
    bus_free(r->bus);
}

static void out(struct rig *r, uint16_t port, uint8_t v)
{
    bus_out(r->bus, port, v, 1);
}

static uint8_t in(struct rig *r, uint16_t port)
{
    return (uint8_t)bus_in(r->bus, port, 1);
}

/* BIOS-style set-up: DMA2 channel 4 in cascade mode and unmasked */
static void enable_cascade(struct rig *r)
{
    out(r, DMA2(0xB), 0xC0);
    out(r, DMA2(0xA), 0x00);
}

/* program an 8-bit channel: mode, page, address, count; unmask it */
static void program8(struct rig *r, int ch, uint8_t mode, uint8_t page, uint16_t addr, uint16_t count)
{
    static const uint16_t page_port[4] = {0x87, 0x83, 0x81, 0x82};
    out(r, DMA1_MASK, (uint8_t)(4 | ch));
    out(r, DMA1_MODE, (uint8_t)(mode | ch));
    out(r, DMA1_CLEARFF, 0);
    out(r, (uint16_t)(2 * ch), addr & 0xFF);
    out(r, (uint16_t)(2 * ch), addr >> 8);
    out(r, (uint16_t)(2 * ch + 1), count & 0xFF);
    out(r, (uint16_t)(2 * ch + 1), count >> 8);
    out(r, page_port[ch], page);
    out(r, DMA1_MASK, (uint8_t)ch);
}

START_TEST(test_flip_flop)
{
    struct rig r;
    rig_init(&r);
    out(&r, DMA1_CLEARFF, 0);
    out(&r, 0x04, 0x34);
    out(&r, 0x04, 0x12);
    ck_assert_uint_eq(dma8237_current_address(r.dma, 2), 0x1234);
    ck_assert_uint_eq(in(&r, 0x04), 0x34);
    ck_assert_uint_eq(in(&r, 0x04), 0x12);
    /* clearing the flip-flop between bytes restarts at the low byte */
    out(&r, DMA1_CLEARFF, 0);
    out(&r, 0x04, 0xAA);
    out(&r, DMA1_CLEARFF, 0);
    out(&r, 0x04, 0xBB);
    out(&r, 0x04, 0xCC);
    ck_assert_uint_eq(dma8237_current_address(r.dma, 2), 0xCCBB);
    /* one flip-flop per controller, shared by all its registers */
    out(&r, DMA1_CLEARFF, 0);
    out(&r, 0x05, 0x11); /* count low */
    out(&r, 0x06, 0x22); /* channel 3 address HIGH byte */
    ck_assert_uint_eq(dma8237_current_count(r.dma, 2) & 0xFF, 0x11);
    ck_assert_uint_eq(dma8237_current_address(r.dma, 3) >> 8, 0x22);
    /* reads toggle it too */
    out(&r, DMA1_CLEARFF, 0);
    ck_assert_uint_eq(in(&r, 0x04), 0xBB);
    out(&r, 0x05, 0x77); /* now the high byte */
    ck_assert_uint_eq(dma8237_current_count(r.dma, 2), 0x7711);
    /* DMA2 has its own flip-flop */
    out(&r, DMA1_CLEARFF, 0);
    out(&r, DMA2(0xC), 0);
    out(&r, 0x00, 0x01); /* DMA1 ff now 1 */
    out(&r, DMA2(2), 0x40);
    out(&r, DMA2(2), 0x30);
    ck_assert_uint_eq(dma8237_current_address(r.dma, 5), 0x3040);
    /* master clear resets the flip-flop */
    out(&r, DMA1_MCLEAR, 0);
    out(&r, 0x00, 0x99);
    ck_assert_uint_eq(dma8237_current_address(r.dma, 0) & 0xFF, 0x99);
    rig_free(&r);
}
END_TEST

START_TEST(test_page_registers)
{
    struct rig r;
    rig_init(&r);
    for (uint16_t p = 0x81; p <= 0x8F; p++)
        out(&r, p, (uint8_t)(p ^ 0x5A));
    for (uint16_t p = 0x81; p <= 0x8F; p++)
        ck_assert_uint_eq(in(&r, p), (uint8_t)(p ^ 0x5A));
    /* port 0x80 is the board's (POST code) */
    ck_assert_ptr_null(bus_owner(r.bus, BUS_IO, 0x80));
    ck_assert_str_eq(bus_owner(r.bus, BUS_IO, 0x87), "dma-page");
    ck_assert_str_eq(bus_owner(r.bus, BUS_IO, 0xDF), "dma2");
    /* the page register of each channel: ch2 -> 0x81, ch0 -> 0x87, ch1 -> 0x83, ch3 -> 0x82 */
    enable_cascade(&r);
    static const struct {
        int ch;
        uint16_t port;
    } map[] = {{0, 0x87}, {1, 0x83}, {2, 0x81}, {3, 0x82}};
    for (int i = 0; i < 4; i++) {
        for (uint16_t p = 0x81; p <= 0x8F; p++)
            out(&r, p, 0);
        program8(&r, map[i].ch, DMA_MODE_SINGLE | DMA_MODE_WRITE, 0, 0x1000, 0);
        out(&r, map[i].port, (uint8_t)(0x10 + i));
        uint8_t b = (uint8_t)(0xA0 + i);
        ck_assert_int_eq(dma8237_transfer(r.dma, map[i].ch, &b, 1, true), 1);
        ck_assert_uint_eq(r.mem.ram[(uint32_t)(0x10 + i) << 16 | 0x1000], 0xA0 + i);
    }
    rig_free(&r);
}
END_TEST

START_TEST(test_masks)
{
    struct rig r;
    rig_init(&r);
    ck_assert_uint_eq(in(&r, DMA1_ALLMASK), 0xFF); /* all masked after reset */
    out(&r, DMA1_MASK, 0x02);                      /* clear channel 2 */
    ck_assert_uint_eq(in(&r, DMA1_ALLMASK), 0xFB);
    out(&r, DMA1_MASK, 0x06); /* set channel 2 */
    ck_assert_uint_eq(in(&r, DMA1_ALLMASK), 0xFF);
    out(&r, DMA1_CLRMASK, 0);
    ck_assert_uint_eq(in(&r, DMA1_ALLMASK), 0xF0);
    out(&r, DMA1_ALLMASK, 0x05);
    ck_assert_uint_eq(in(&r, DMA1_ALLMASK), 0xF5);
    out(&r, DMA1_MCLEAR, 0);
    ck_assert_uint_eq(in(&r, DMA1_ALLMASK), 0xFF);

    /* channel 2 can transfer only with DMA2's cascade channel 4 unmasked */
    out(&r, DMA1_MASK, 0x02);
    ck_assert(!dma8237_channel_ready(r.dma, 2));
    enable_cascade(&r);
    ck_assert(dma8237_channel_ready(r.dma, 2));
    ck_assert(!dma8237_channel_ready(r.dma, 4)); /* cascade mode: no transfers of its own */
    ck_assert(!dma8237_channel_ready(r.dma, 1));
    out(&r, DMA2(0xA), 0x04); /* mask channel 4 */
    ck_assert(!dma8237_channel_ready(r.dma, 2));
    out(&r, DMA2(0xA), 0x00);
    out(&r, DMA1_COMMAND, DMA_CMD_DISABLE);
    ck_assert(!dma8237_channel_ready(r.dma, 2));
    uint8_t b = 1;
    ck_assert_int_eq(dma8237_transfer(r.dma, 2, &b, 1, true), 0);
    out(&r, DMA1_COMMAND, 0);
    ck_assert(dma8237_channel_ready(r.dma, 2));
    /* DMA2 masks: channels 4-7 at 0xDE (read all) */
    out(&r, DMA2(0xF), 0x0A);
    ck_assert_uint_eq(in(&r, DMA2(0xF)), 0xFA);
    ck_assert(dma8237_channel_ready(r.dma, 2));
    ck_assert(!dma8237_channel_ready(r.dma, 5));
    ck_assert(!dma8237_channel_ready(r.dma, 7));
    rig_free(&r);
}
END_TEST

START_TEST(test_transfer_terminal_count)
{
    struct rig r;
    rig_init(&r);
    enable_cascade(&r);
    program8(&r, 2, DMA_MODE_SINGLE | DMA_MODE_WRITE, 0x01, 0x2000, 9); /* 10 bytes */
    uint8_t buf[16];
    for (int i = 0; i < 16; i++)
        buf[i] = (uint8_t)(0x40 + i);
    r.mem.ram[0x1200A] = 0xEE;
    ck_assert_int_eq(dma8237_transfer(r.dma, 2, buf, 16, true), 10);
    ck_assert_int_eq(memcmp(r.mem.ram + 0x12000, buf, 10), 0);
    ck_assert_uint_eq(r.mem.ram[0x1200A], 0xEE);
    ck_assert_int_eq(r.ram_writes, 10); /* every byte went through physmem_write */
    ck_assert_int_eq(r.tc_calls[2], 1);
    ck_assert_uint_eq(dma8237_current_address(r.dma, 2), 0x200A);
    ck_assert_uint_eq(dma8237_current_count(r.dma, 2), 0xFFFF);
    ck_assert_uint_eq(in(&r, DMA1_STATUS) & 0x0F, 0x04);  /* TC 2 */
    ck_assert_uint_eq(in(&r, DMA1_STATUS) & 0x0F, 0x00);  /* cleared by the read */
    ck_assert_uint_eq(in(&r, DMA1_ALLMASK) & 0x04, 0x04); /* masked at TC */
    ck_assert(!dma8237_channel_ready(r.dma, 2));
    ck_assert_int_eq(dma8237_transfer(r.dma, 2, buf, 1, true), 0);
    /* current registers read back through the flip-flop */
    program8(&r, 2, DMA_MODE_SINGLE | DMA_MODE_WRITE, 0x01, 0x3000, 0x1FF);
    ck_assert_int_eq(dma8237_transfer(r.dma, 2, buf, 16, true), 16);
    out(&r, DMA1_CLEARFF, 0);
    ck_assert_uint_eq(in(&r, 0x04), 0x10);
    ck_assert_uint_eq(in(&r, 0x04), 0x30);
    ck_assert_uint_eq(in(&r, 0x05), 0xEF);
    ck_assert_uint_eq(in(&r, 0x05), 0x01);
    rig_free(&r);
}
END_TEST

START_TEST(test_autoinit)
{
    struct rig r;
    rig_init(&r);
    enable_cascade(&r);
    program8(&r, 1, DMA_MODE_SINGLE | DMA_MODE_WRITE | DMA_MODE_AUTOINIT, 0x00, 0x4000, 3);
    uint8_t a[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    ck_assert_int_eq(dma8237_transfer(r.dma, 1, a, 8, true), 4); /* stops at TC */
    ck_assert_int_eq(r.tc_calls[1], 1);
    ck_assert_uint_eq(dma8237_current_address(r.dma, 1), 0x4000); /* reloaded */
    ck_assert_uint_eq(dma8237_current_count(r.dma, 1), 3);
    ck_assert(dma8237_channel_ready(r.dma, 1)); /* not masked */
    ck_assert_uint_eq(in(&r, DMA1_STATUS) & 0x0F, 0x02);
    ck_assert_int_eq(dma8237_transfer(r.dma, 1, a + 4, 4, true), 4);
    ck_assert_int_eq(memcmp(r.mem.ram + 0x4000, a + 4, 4), 0); /* second round over the same buffer */
    ck_assert_int_eq(r.tc_calls[1], 2);
    rig_free(&r);
}
END_TEST

START_TEST(test_64k_wrap_and_decrement)
{
    struct rig r;
    rig_init(&r);
    enable_cascade(&r);
    program8(&r, 2, DMA_MODE_SINGLE | DMA_MODE_WRITE, 0x03, 0xFFFE, 3);
    uint8_t b[4] = {0x11, 0x22, 0x33, 0x44};
    r.mem.ram[0x40000] = 0xEE;
    ck_assert_int_eq(dma8237_transfer(r.dma, 2, b, 4, true), 4);
    ck_assert_uint_eq(r.mem.ram[0x3FFFE], 0x11);
    ck_assert_uint_eq(r.mem.ram[0x3FFFF], 0x22);
    ck_assert_uint_eq(r.mem.ram[0x30000], 0x33); /* wrapped inside the page */
    ck_assert_uint_eq(r.mem.ram[0x30001], 0x44);
    ck_assert_uint_eq(r.mem.ram[0x40000], 0xEE);

    program8(&r, 3, DMA_MODE_SINGLE | DMA_MODE_WRITE | DMA_MODE_DECREMENT, 0x00, 0x0101, 2);
    ck_assert_int_eq(dma8237_transfer(r.dma, 3, b, 3, true), 3);
    ck_assert_uint_eq(r.mem.ram[0x101], 0x11);
    ck_assert_uint_eq(r.mem.ram[0x100], 0x22);
    ck_assert_uint_eq(r.mem.ram[0x0FF], 0x33);
    ck_assert_uint_eq(dma8237_current_address(r.dma, 3), 0x00FE);
    rig_free(&r);
}
END_TEST

START_TEST(test_read_verify_and_direction)
{
    struct rig r;
    rig_init(&r);
    enable_cascade(&r);
    for (int i = 0; i < 8; i++)
        r.mem.ram[0x5000 + i] = (uint8_t)(0x90 + i);
    /* read transfer: memory -> device */
    program8(&r, 2, DMA_MODE_SINGLE | DMA_MODE_READ, 0x00, 0x5000, 7);
    uint8_t b[8] = {0};
    ck_assert_int_eq(dma8237_transfer(r.dma, 2, b, 8, false), 8);
    for (int i = 0; i < 8; i++)
        ck_assert_uint_eq(b[i], 0x90 + i);
    ck_assert_uint_eq(in(&r, 0x0D), 0x97); /* temporary register: last byte */
    /* verify: counts and addresses move, memory does not */
    int writes = r.ram_writes;
    program8(&r, 2, DMA_MODE_SINGLE | DMA_MODE_VERIFY, 0x00, 0x5000, 3);
    uint8_t z[4] = {0, 0, 0, 0};
    ck_assert_int_eq(dma8237_transfer(r.dma, 2, z, 4, true), 4);
    ck_assert_int_eq(r.ram_writes, writes);
    ck_assert_uint_eq(r.mem.ram[0x5000], 0x90);
    ck_assert_uint_eq(dma8237_current_address(r.dma, 2), 0x5004);
    ck_assert_int_eq(r.tc_calls[2], 2);
    /* the device sends but the channel is set up to read memory: nothing stored */
    program8(&r, 2, DMA_MODE_SINGLE | DMA_MODE_READ, 0x00, 0x5000, 3);
    ck_assert_int_eq(dma8237_transfer(r.dma, 2, z, 4, true), 4);
    ck_assert_uint_eq(r.mem.ram[0x5000], 0x90);
    rig_free(&r);
}
END_TEST

START_TEST(test_16bit_channels)
{
    struct rig r;
    rig_init(&r);
    enable_cascade(&r);
    /* channel 5: word address 0x0800 in the 128 KB block of page 0x03 (bit 0
     * ignored): byte address 0x21000 */
    out(&r, DMA2(0xA), 0x05);
    out(&r, DMA2(0xB), DMA_MODE_SINGLE | DMA_MODE_WRITE | 1);
    out(&r, DMA2(0xC), 0);
    out(&r, DMA2(2), 0x00);
    out(&r, DMA2(2), 0x08);
    out(&r, DMA2(3), 3); /* 4 words */
    out(&r, DMA2(3), 0);
    out(&r, 0x8B, 0x03);
    out(&r, DMA2(0xA), 0x01);
    ck_assert(dma8237_channel_ready(r.dma, 5));
    uint8_t b[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    ck_assert_int_eq(dma8237_transfer(r.dma, 5, b, 10, true), 8);
    ck_assert_int_eq(memcmp(r.mem.ram + 0x21000, b, 8), 0);
    ck_assert_uint_eq(r.mem.ram[0x21008], 0);
    ck_assert_uint_eq(r.mem.ram[0x31000], 0);
    ck_assert_uint_eq(dma8237_current_address(r.dma, 5), 0x0804);
    ck_assert_uint_eq(in(&r, DMA2(8)) & 0x0F, 0x02); /* TC of channel 5 in DMA2's status */
    ck_assert_uint_eq(in(&r, DMA1_STATUS) & 0x0F, 0x00);
    /* odd port addresses alias the even ones (A0 is not decoded) */
    out(&r, DMA2(0xC) + 1, 0);
    ck_assert_uint_eq(in(&r, DMA2(2) + 1), 0x04);

    /* 128 KB wrap: word 0xFFFF of page 2 is 0x3FFFE, the next one 0x20000 */
    out(&r, DMA2(0xB), DMA_MODE_SINGLE | DMA_MODE_WRITE | 3); /* channel 7 */
    out(&r, DMA2(0xC), 0);
    out(&r, DMA2(6), 0xFF);
    out(&r, DMA2(6), 0xFF);
    out(&r, DMA2(7), 1);
    out(&r, DMA2(7), 0);
    out(&r, 0x8A, 0x02);
    out(&r, DMA2(0xA), 0x03);
    uint8_t w[4] = {0xA1, 0xA2, 0xA3, 0xA4};
    ck_assert_int_eq(dma8237_transfer(r.dma, 7, w, 4, true), 4);
    ck_assert_uint_eq(r.mem.ram[0x3FFFE], 0xA1);
    ck_assert_uint_eq(r.mem.ram[0x3FFFF], 0xA2);
    ck_assert_uint_eq(r.mem.ram[0x20000], 0xA3);
    ck_assert_uint_eq(r.mem.ram[0x20001], 0xA4);
    ck_assert_uint_eq(r.mem.ram[0x40000], 0x00);
    /* 16-bit read transfer: words from memory */
    out(&r, DMA2(0xB), DMA_MODE_SINGLE | DMA_MODE_READ | 2); /* channel 6 */
    out(&r, DMA2(0xC), 0);
    out(&r, DMA2(4), 0x00);
    out(&r, DMA2(4), 0x08); /* word 0x0800 of page 2: where channel 5 wrote */
    out(&r, DMA2(5), 0);
    out(&r, DMA2(5), 0);
    out(&r, 0x89, 0x02);
    out(&r, DMA2(0xA), 0x02);
    uint8_t rb[3] = {0, 0, 0x55};
    ck_assert_int_eq(dma8237_transfer(r.dma, 6, rb, 3, false), 2); /* whole words only */
    ck_assert_uint_eq(rb[0], 1);
    ck_assert_uint_eq(rb[1], 2);
    ck_assert_uint_eq(rb[2], 0x55);
    rig_free(&r);
}
END_TEST

START_TEST(test_requests_and_ready_notification)
{
    struct rig r;
    rig_init(&r);
    dma8237_request(r.dma, 2, 1);
    ck_assert_uint_eq(in(&r, DMA1_STATUS), 0x40);
    out(&r, DMA1_REQUEST, 0x05); /* software request, channel 1 */
    ck_assert_uint_eq(in(&r, DMA1_STATUS), 0x60);
    out(&r, DMA1_REQUEST, 0x01);
    dma8237_request(r.dma, 6, 1);
    ck_assert_uint_eq(in(&r, DMA2(8)), 0x40);
    dma8237_request(r.dma, 6, 0);

    /* DREQ on a masked channel: the device hears when it can go */
    out(&r, DMA1_MASK, 0x02);
    ck_assert_int_eq(r.ready_calls[2], 0); /* channel 4 still masked */
    enable_cascade(&r);
    ck_assert_int_eq(r.ready_calls[2], 1);
    out(&r, DMA1_MASK, 0x06);
    out(&r, DMA1_MASK, 0x02);
    ck_assert_int_eq(r.ready_calls[2], 2);
    out(&r, DMA1_MASK, 0x02); /* already ready: no news */
    ck_assert_int_eq(r.ready_calls[2], 2);
    dma8237_request(r.dma, 2, 0);
    out(&r, DMA1_MASK, 0x06);
    out(&r, DMA1_MASK, 0x02);
    ck_assert_int_eq(r.ready_calls[2], 2); /* no DREQ, no call */
    ck_assert_int_eq(r.ready_calls[1], 0);
    rig_free(&r);
}
END_TEST

START_TEST(test_vmstate_round_trip)
{
    struct rig r;
    rig_init(&r);
    enable_cascade(&r);
    program8(&r, 2, DMA_MODE_SINGLE | DMA_MODE_WRITE, 0x07, 0x1234, 0x1FF);
    out(&r, 0x8D, 0x66);
    out(&r, DMA1_CLEARFF, 0);
    out(&r, 0x00, 0x01); /* leave the flip-flop set */
    ck_assert_str_eq(dma8237_vmstate.name, "dma8237");
    struct bus *bus2 = bus_new();
    struct dma8237 *d2 = dma8237_new(bus2, &r.mem);
    ck_assert_ptr_nonnull(d2);
    for (const struct vmstate_field *f = dma8237_vmstate.fields; f->name; f++)
        memcpy((char *)d2 + f->offset, (char *)r.dma + f->offset, f->size * f->count);
    ck_assert_uint_eq(bus_in(bus2, 0x8D, 1), 0x66);
    ck_assert_uint_eq(bus_in(bus2, 0x81, 1), 0x07);
    ck_assert_uint_eq(bus_in(bus2, 0x04, 1), 0x12); /* flip-flop was set: high byte first */
    ck_assert(dma8237_channel_ready(d2, 2));
    uint8_t b = 0x5C;
    ck_assert_int_eq(dma8237_transfer(d2, 2, &b, 1, true), 1);
    ck_assert_uint_eq(r.mem.ram[0x71234], 0x5C);
    dma8237_free(d2);
    bus_free(bus2);
    rig_free(&r);
}
END_TEST

START_TEST(test_port_conflict)
{
    struct bus *bus = bus_new();
    struct physmem mem;
    ck_assert_int_eq(physmem_init(&mem, bus, 1u << 20), 0);
    struct dma8237 *a = dma8237_new(bus, &mem);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_null(dma8237_new(bus, &mem)); /* ports taken */
    dma8237_free(a);
    a = dma8237_new(bus, &mem); /* all three ranges were released */
    ck_assert_ptr_nonnull(a);
    dma8237_free(a);
    physmem_destroy(&mem);
    bus_free(bus);
}
END_TEST

static Suite *dma_suite(void)
{
    Suite *s = suite_create("dma8237");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_flip_flop);
    tcase_add_test(tc, test_page_registers);
    tcase_add_test(tc, test_masks);
    tcase_add_test(tc, test_transfer_terminal_count);
    tcase_add_test(tc, test_autoinit);
    tcase_add_test(tc, test_64k_wrap_and_decrement);
    tcase_add_test(tc, test_read_verify_and_direction);
    tcase_add_test(tc, test_16bit_channels);
    tcase_add_test(tc, test_requests_and_ready_notification);
    tcase_add_test(tc, test_vmstate_round_trip);
    tcase_add_test(tc, test_port_conflict);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(dma_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
