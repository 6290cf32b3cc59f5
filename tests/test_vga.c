/* test_vga.c - the VGA through the bus as a guest drives it: register files,
 * the attribute flip-flop, DAC indexing, the graphics controller's write and
 * read modes with latches (exact plane bytes), chain-4, mode X and odd/even
 * addressing, the retrace bits against virtual time, the Bochs VBE DISPI
 * interface with banks and the LFB, the PCI function (IDs, BAR0 and ROM BAR
 * sizing, the VGA BIOS behind the ROM BAR), and rendered images of text,
 * 16-colour, CGA, 256-colour, mode X and VBE screens. */
#include "devices/vga.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/bus.h"
#include "devices/pci.h"
#include "devices/timer.h"

#define VGABIOS  "/usr/share/seabios/vgabios-stdvga.bin"
#define DEVFN    0x10
#define LFB_ADDR 0xE0000000u
#define ROM_ADDR 0xFEB00000u

static struct bus *bus;
static struct timerq *tq;
static struct pci_bus *pci;
static struct vga *vga;

static void setup(void)
{
    char err[256] = "";
    bus = bus_new();
    tq = timerq_new(CLOCK_MANUAL);
    pci = pci_bus_new(bus);
    vga = vga_new(bus, pci, DEVFN, tq, VGABIOS, err, sizeof err);
    ck_assert_msg(vga != NULL, "vga_new: %s", err);
}

static void teardown(void)
{
    vga_free(vga);
    pci_bus_free(pci);
    timerq_free(tq);
    bus_free(bus);
}

/* ---- port and memory helpers ---- */

static uint8_t in8(uint16_t port)
{
    return (uint8_t)bus_in(bus, port, 1);
}

static void out8(uint16_t port, uint8_t v)
{
    bus_out(bus, port, v, 1);
}

static void sr_w(uint8_t i, uint8_t v)
{
    out8(0x3C4, i);
    out8(0x3C5, v);
}

static uint8_t sr_r(uint8_t i)
{
    out8(0x3C4, i);
    return in8(0x3C5);
}

static void gr_w(uint8_t i, uint8_t v)
{
    out8(0x3CE, i);
    out8(0x3CF, v);
}

static uint8_t gr_r(uint8_t i)
{
    out8(0x3CE, i);
    return in8(0x3CF);
}

static void cr_w(uint8_t i, uint8_t v)
{
    out8(0x3D4, i);
    out8(0x3D5, v);
}

static uint8_t cr_r(uint8_t i)
{
    out8(0x3D4, i);
    return in8(0x3D5);
}

/* an attribute register, leaving the palette address source (video on) set */
static void ar_w(uint8_t i, uint8_t v)
{
    in8(0x3DA);
    out8(0x3C0, (uint8_t)(i | 0x20));
    out8(0x3C0, v);
}

static uint8_t ar_r(uint8_t i)
{
    in8(0x3DA);
    out8(0x3C0, (uint8_t)(i | 0x20));
    uint8_t v = in8(0x3C1);
    in8(0x3DA);
    return v;
}

static void mem_w(uint32_t addr, uint8_t v)
{
    bus_write(bus, BUS_MEM, addr, v, 1);
}

static uint8_t mem_r(uint32_t addr)
{
    return (uint8_t)bus_read(bus, BUS_MEM, addr, 1);
}

/* byte n of plane p */
static uint8_t plane(unsigned p, uint32_t n)
{
    return vga_vram(vga)[n * 4 + p];
}

static void dac_set(uint8_t idx, uint8_t r, uint8_t g, uint8_t b)
{
    out8(0x3C8, idx);
    out8(0x3C9, r);
    out8(0x3C9, g);
    out8(0x3C9, b);
}

/* what a 6-bit DAC entry looks like on screen */
static uint32_t rgb6(uint8_t r, uint8_t g, uint8_t b)
{
    r = (uint8_t)(r << 2 | r >> 4);
    g = (uint8_t)(g << 2 | g >> 4);
    b = (uint8_t)(b << 2 | b >> 4);
    return (uint32_t)r << 16 | (uint32_t)g << 8 | b;
}

/* a distinct colour for every DAC entry: (i & 63, (i * 3) & 63, (i >> 2) ^ 21) */
static void dac_fill(void)
{
    out8(0x3C8, 0);
    for (unsigned i = 0; i < 256; i++) {
        out8(0x3C9, (uint8_t)(i & 63));
        out8(0x3C9, (uint8_t)((i * 3) & 63));
        out8(0x3C9, (uint8_t)(((i >> 2) ^ 21) & 63));
    }
}

static uint32_t dac_color(unsigned i)
{
    return rgb6((uint8_t)(i & 63), (uint8_t)((i * 3) & 63), (uint8_t)(((i >> 2) ^ 21) & 63));
}

static void dispi_w(uint16_t idx, uint16_t val)
{
    bus_out(bus, 0x1CE, idx, 2);
    bus_out(bus, 0x1CF, val, 2);
}

static uint16_t dispi_r(uint16_t idx)
{
    bus_out(bus, 0x1CE, idx, 2);
    return (uint16_t)bus_in(bus, 0x1CF, 2);
}

static uint32_t cfg_r(unsigned off, unsigned size)
{
    return pci_config_read(pci, 0, DEVFN, off, size);
}

static void cfg_w(unsigned off, uint32_t v, unsigned size)
{
    pci_config_write(pci, 0, DEVFN, off, v, size);
}

static struct vga_frame render(void)
{
    struct vga_frame f;
    vga_render(vga, &f);
    ck_assert_ptr_nonnull(f.pixels);
    return f;
}

static uint32_t px(const struct vga_frame *f, int x, int y)
{
    ck_assert_int_lt(x, f->width);
    ck_assert_int_lt(y, f->height);
    return f->pixels[(size_t)y * (size_t)f->width + (size_t)x];
}

/* ---- standard mode register sets (IBM VGA BIOS values) ---- */

struct mode_regs {
    uint8_t misc, sr[5], cr[25], gr[9], ar[21];
};

static const struct mode_regs mode03 = {
    0x67,
    {0x03, 0x00, 0x03, 0x00, 0x02},
    {0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E, 0x00,
     0x00, 0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF},
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0E, 0x00, 0xFF},
    {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A,
     0x3B, 0x3C, 0x3D, 0x3E, 0x3F, 0x0C, 0x00, 0x0F, 0x08, 0x00},
};

static const struct mode_regs mode04 = {
    0x63,
    {0x03, 0x09, 0x03, 0x00, 0x02},
    {0x2D, 0x27, 0x28, 0x90, 0x2B, 0x80, 0xBF, 0x1F, 0x00, 0xC1, 0x00, 0x00, 0x00,
     0x00, 0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x14, 0x00, 0x96, 0xB9, 0xA2, 0xFF},
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x0F, 0x0F, 0xFF},
    {0x00, 0x13, 0x15, 0x17, 0x02, 0x04, 0x06, 0x07, 0x10, 0x11, 0x12,
     0x13, 0x14, 0x15, 0x16, 0x17, 0x01, 0x00, 0x03, 0x00, 0x00},
};

static const struct mode_regs mode06 = {
    0x63,
    {0x03, 0x01, 0x01, 0x00, 0x06},
    {0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00, 0xC1, 0x00, 0x00, 0x00,
     0x00, 0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x00, 0x96, 0xB9, 0xC2, 0xFF},
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0D, 0x0F, 0xFF},
    {0x00, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17,
     0x17, 0x17, 0x17, 0x17, 0x17, 0x01, 0x00, 0x01, 0x00, 0x00},
};

static const struct mode_regs mode12 = {
    0xE3,
    {0x03, 0x01, 0x0F, 0x00, 0x06},
    {0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0x0B, 0x3E, 0x00, 0x40, 0x00, 0x00, 0x00,
     0x00, 0x00, 0x00, 0xEA, 0x8C, 0xDF, 0x28, 0x00, 0xE7, 0x04, 0xE3, 0xFF},
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0F, 0xFF},
    {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A,
     0x3B, 0x3C, 0x3D, 0x3E, 0x3F, 0x01, 0x00, 0x0F, 0x00, 0x00},
};

static const struct mode_regs mode13 = {
    0x63,
    {0x03, 0x01, 0x0F, 0x00, 0x0E},
    {0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00, 0x41, 0x00, 0x00, 0x00,
     0x00, 0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x40, 0x96, 0xB9, 0xA3, 0xFF},
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0F, 0xFF},
    {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A,
     0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x41, 0x00, 0x0F, 0x00, 0x00},
};

static void set_mode(const struct mode_regs *m)
{
    out8(0x3C2, m->misc);
    for (uint8_t i = 0; i < 5; i++)
        sr_w(i, m->sr[i]);
    cr_w(0x11, 0x00); /* lift the CR0-CR7 write protection first */
    for (uint8_t i = 0; i < 25; i++)
        cr_w(i, m->cr[i]);
    for (uint8_t i = 0; i < 9; i++)
        gr_w(i, m->gr[i]);
    in8(0x3DA);
    for (uint8_t i = 0; i < 21; i++) {
        out8(0x3C0, i);
        out8(0x3C0, m->ar[i]);
    }
    out8(0x3C0, 0x20); /* palette address source: display on */
    out8(0x3C6, 0xFF);
}

/* mode X (320x240, unchained) from mode 13h, as Michael Abrash's Graphics
 * Programming Black Book programs it */
static void set_mode_x(void)
{
    set_mode(&mode13);
    sr_w(4, 0x06);    /* chain 4 off */
    cr_w(0x14, 0x00); /* doubleword mode off */
    cr_w(0x17, 0xE3); /* byte mode */
    out8(0x3C2, 0xE3);
    cr_w(0x11, 0x2C);
    static const uint8_t v[][2] = {{0x06, 0x0D}, {0x07, 0x3E}, {0x09, 0x41}, {0x10, 0xEA},
                                   {0x11, 0xAC}, {0x12, 0xDF}, {0x15, 0xE7}, {0x16, 0x06}};
    for (unsigned i = 0; i < sizeof v / sizeof v[0]; i++)
        cr_w(v[i][0], v[i][1]);
}

/* unchained planar memory at A0000h with every plane enabled */
static void planar_setup(void)
{
    set_mode(&mode12);
}

/* ---- register files ---- */

START_TEST(test_register_round_trip)
{
    out8(0x3C2, 0x67);
    ck_assert_uint_eq(in8(0x3CC), 0x67);
    static const uint8_t sr_bits[5] = {0x03, 0x3D, 0x0F, 0x3F, 0x0E};
    for (uint8_t i = 0; i < 5; i++) {
        sr_w(i, 0xFF);
        ck_assert_uint_eq(sr_r(i), sr_bits[i]);
        sr_w(i, 0x00);
        ck_assert_uint_eq(sr_r(i), 0x00);
    }
    static const uint8_t gr_bits[9] = {0x0F, 0x0F, 0x0F, 0x1F, 0x03, 0x7B, 0x0F, 0x0F, 0xFF};
    for (uint8_t i = 0; i < 9; i++) {
        gr_w(i, 0xFF);
        ck_assert_uint_eq(gr_r(i), gr_bits[i]);
        gr_w(i, (uint8_t)(0x5A & gr_bits[i]));
        ck_assert_uint_eq(gr_r(i), 0x5A & gr_bits[i]);
    }
    ck_assert_uint_eq(in8(0x3CE), 8); /* the index reads back */
    cr_w(0x11, 0x00);
    for (uint8_t i = 0; i <= 0x18; i++) {
        cr_w(i, (uint8_t)(0xA5 ^ i));
        ck_assert_uint_eq(cr_r(i), 0xA5 ^ i);
    }
    ck_assert_uint_eq(cr_r(0x30), 0x00); /* nothing beyond CR18 */
    for (uint8_t i = 0; i < 16; i++) {
        ar_w(i, (uint8_t)(0xC0 | i * 3));
        ck_assert_uint_eq(ar_r(i), (0xC0 | i * 3) & 0x3F);
    }
    ar_w(0x10, 0xFF);
    ck_assert_uint_eq(ar_r(0x10), 0xEF);
    ar_w(0x11, 0x5A);
    ck_assert_uint_eq(ar_r(0x11), 0x5A);
    ar_w(0x12, 0xFF);
    ck_assert_uint_eq(ar_r(0x12), 0x3F);
    ar_w(0x13, 0xFF);
    ck_assert_uint_eq(ar_r(0x13), 0x0F);
    ar_w(0x14, 0xFF);
    ck_assert_uint_eq(ar_r(0x14), 0x0F);
    out8(0x3C6, 0x3C);
    ck_assert_uint_eq(in8(0x3C6), 0x3C);
    out8(0x3DA, 0x03); /* feature control, read back at 3CAh */
    ck_assert_uint_eq(in8(0x3CA), 0x03);
    /* a 16-bit OUT to 3C4h is index then data */
    bus_out(bus, 0x3C4, 0x0702, 2);
    ck_assert_uint_eq(sr_r(2), 0x07);
}
END_TEST

START_TEST(test_crtc_write_protect)
{
    out8(0x3C2, 0x67);
    cr_w(0x11, 0x00);
    cr_w(0x01, 0x4F);
    cr_w(0x07, 0x00);
    cr_w(0x11, 0x80); /* protect CR0-CR7 */
    cr_w(0x01, 0x27);
    ck_assert_uint_eq(cr_r(0x01), 0x4F);
    cr_w(0x07, 0xFF); /* only bit 4 (line compare bit 8) gets through */
    ck_assert_uint_eq(cr_r(0x07), 0x10);
    cr_w(0x08, 0x1F); /* CR8 is not protected */
    ck_assert_uint_eq(cr_r(0x08), 0x1F);
}
END_TEST

START_TEST(test_color_mono_io_select)
{
    out8(0x3C2, 0x67); /* colour: 3Dx */
    cr_w(0x0E, 0x12);
    ck_assert_uint_eq(cr_r(0x0E), 0x12);
    ck_assert_uint_eq(in8(0x3B5), 0xFF); /* mono CRTC not decoded */
    out8(0x3B4, 0x0E);
    out8(0x3B5, 0x77); /* ignored */
    ck_assert_uint_eq(cr_r(0x0E), 0x12);

    out8(0x3C2, 0x66); /* monochrome: 3Bx */
    ck_assert_uint_eq(in8(0x3D5), 0xFF);
    out8(0x3B4, 0x0E);
    out8(0x3B5, 0x34);
    ck_assert_uint_eq(in8(0x3B5), 0x34);
    /* 3BAh now resets the flip-flop; 3DAh is not decoded */
    out8(0x3C0, 0x25);
    ck_assert_uint_eq(in8(0x3DA), 0xFF);
    out8(0x3C0, 0x11); /* data for index 5 */
    in8(0x3BA);
    out8(0x3C0, 0x25);
    ck_assert_uint_eq(in8(0x3C1), 0x11);
    out8(0x3BA, 0x01); /* feature control write through the mono port */
    ck_assert_uint_eq(in8(0x3CA), 0x01);
}
END_TEST

START_TEST(test_attribute_flip_flop)
{
    out8(0x3C2, 0x67);
    in8(0x3DA);
    out8(0x3C0, 0x25); /* index 5, PAS set */
    ck_assert_uint_eq(in8(0x3C0), 0x25);
    out8(0x3C0, 0x2A); /* data */
    ck_assert_uint_eq(in8(0x3C1), 0x2A);
    out8(0x3C0, 0x26); /* index again */
    out8(0x3C0, 0x15);
    ck_assert_uint_eq(ar_r(6), 0x15);
    ck_assert_uint_eq(ar_r(5), 0x2A);
    /* a read of 3DAh between index and data makes the next write an index */
    in8(0x3DA);
    out8(0x3C0, 0x27);
    in8(0x3DA);
    out8(0x3C0, 0x28);
    ck_assert_uint_eq(in8(0x3C0), 0x28);
    out8(0x3C0, 0x33);
    ck_assert_uint_eq(ar_r(8), 0x33);
    ck_assert_uint_eq(ar_r(7), 0x00);
    /* reading 3C1h does not move the flip-flop */
    in8(0x3DA);
    out8(0x3C0, 0x29);
    in8(0x3C1);
    out8(0x3C0, 0x0C);
    ck_assert_uint_eq(ar_r(9), 0x0C);
}
END_TEST

START_TEST(test_dac_indexing)
{
    out8(0x3C8, 0x10);
    ck_assert_uint_eq(in8(0x3C7), 0x00); /* write mode */
    const uint8_t vals[6] = {0x01, 0x02, 0x03, 0x3F, 0xFF, 0x20};
    for (int i = 0; i < 6; i++)
        out8(0x3C9, vals[i]);
    ck_assert_uint_eq(in8(0x3C8), 0x12); /* two entries written */
    out8(0x3C7, 0x10);
    ck_assert_uint_eq(in8(0x3C7), 0x03); /* read mode */
    ck_assert_uint_eq(in8(0x3C9), 0x01);
    ck_assert_uint_eq(in8(0x3C9), 0x02);
    ck_assert_uint_eq(in8(0x3C9), 0x03);
    ck_assert_uint_eq(in8(0x3C9), 0x3F); /* entry 11h */
    ck_assert_uint_eq(in8(0x3C9), 0x3F); /* 0xFF kept as 6 bits */
    ck_assert_uint_eq(in8(0x3C9), 0x20);
    ck_assert_uint_eq(in8(0x3C9), 0x00); /* entry 12h */
    /* an entry changes only when all three components are in */
    out8(0x3C8, 0x10);
    out8(0x3C9, 0x11);
    out8(0x3C9, 0x12);
    out8(0x3C7, 0x10);
    ck_assert_uint_eq(in8(0x3C9), 0x01);
    out8(0x3C8, 0xFF); /* the index wraps after entry FFh */
    for (int i = 0; i < 3; i++)
        out8(0x3C9, 0x2A);
    ck_assert_uint_eq(in8(0x3C8), 0x00);
    out8(0x3C7, 0xFF);
    ck_assert_uint_eq(in8(0x3C9), 0x2A);
}
END_TEST

/* ---- graphics controller: write and read modes ---- */

START_TEST(test_write_mode0_set_reset_and_map_mask)
{
    planar_setup();
    gr_w(0, 0x05); /* set/reset: planes 0 and 2 */
    gr_w(1, 0x0F); /* enable set/reset on all */
    mem_w(0xA0000, 0x42);
    ck_assert_uint_eq(plane(0, 0), 0xFF);
    ck_assert_uint_eq(plane(1, 0), 0x00);
    ck_assert_uint_eq(plane(2, 0), 0xFF);
    ck_assert_uint_eq(plane(3, 0), 0x00);
    /* enable set/reset on planes 0-1 only: planes 2-3 take the CPU data */
    gr_w(1, 0x03);
    mem_w(0xA0001, 0x42);
    ck_assert_uint_eq(plane(0, 1), 0xFF);
    ck_assert_uint_eq(plane(1, 1), 0x00);
    ck_assert_uint_eq(plane(2, 1), 0x42);
    ck_assert_uint_eq(plane(3, 1), 0x42);
    /* map mask keeps planes 1 and 3 */
    gr_w(1, 0x00);
    sr_w(2, 0x05);
    mem_w(0xA0001, 0x99);
    ck_assert_uint_eq(plane(0, 1), 0x99);
    ck_assert_uint_eq(plane(1, 1), 0x00);
    ck_assert_uint_eq(plane(2, 1), 0x99);
    ck_assert_uint_eq(plane(3, 1), 0x42);
}
END_TEST

START_TEST(test_write_mode0_rotate_alu_bit_mask)
{
    planar_setup();
    /* planes at byte 10: 0x0F, 0x33, 0x55, 0xF0 */
    const uint8_t init[4] = {0x0F, 0x33, 0x55, 0xF0};
    for (int p = 0; p < 4; p++) {
        sr_w(2, (uint8_t)(1 << p));
        mem_w(0xA000A, init[p]);
    }
    sr_w(2, 0x0F);
    ck_assert_uint_eq(plane(3, 10), 0xF0);

    /* rotate right by 4, bit mask F0h: new high nibble, latch low nibble */
    mem_r(0xA000A); /* load the latches */
    gr_w(3, 0x04);
    gr_w(8, 0xF0);
    mem_w(0xA000A, 0xC3); /* rotated: 0x3C */
    for (int p = 0; p < 4; p++)
        ck_assert_uint_eq(plane(p, 10), (0x3C & 0xF0) | (init[p] & 0x0F));

    /* the ALU functions against the latches (AND, OR, XOR), full bit mask */
    const uint8_t cur[4] = {0x3F, 0x33, 0x35, 0x30};
    static const uint8_t fn[3] = {0x08, 0x10, 0x18};
    for (int f = 0; f < 3; f++) {
        for (int p = 0; p < 4; p++) {
            sr_w(2, (uint8_t)(1 << p));
            gr_w(3, 0);
            gr_w(8, 0xFF);
            mem_w(0xA000B, cur[p]);
        }
        sr_w(2, 0x0F);
        mem_r(0xA000B);
        gr_w(3, fn[f]);
        mem_w(0xA000B, 0x96);
        for (int p = 0; p < 4; p++) {
            uint8_t want = f == 0 ? (cur[p] & 0x96) : f == 1 ? (cur[p] | 0x96) : (cur[p] ^ 0x96);
            ck_assert_uint_eq(plane(p, 11), want);
        }
    }
}
END_TEST

START_TEST(test_write_mode1_copies_latches)
{
    planar_setup();
    const uint8_t init[4] = {0x12, 0x34, 0x56, 0x78};
    for (int p = 0; p < 4; p++) {
        sr_w(2, (uint8_t)(1 << p));
        mem_w(0xA0100, init[p]);
    }
    sr_w(2, 0x0F);
    mem_r(0xA0100);
    gr_w(5, 0x01);
    gr_w(8, 0x0F); /* the bit mask does not apply in write mode 1 */
    mem_w(0xA0200, 0xEE);
    for (int p = 0; p < 4; p++)
        ck_assert_uint_eq(plane(p, 0x200), init[p]);
    sr_w(2, 0x06); /* but the map mask does */
    mem_w(0xA0300, 0x00);
    ck_assert_uint_eq(plane(0, 0x300), 0x00);
    ck_assert_uint_eq(plane(1, 0x300), 0x34);
    ck_assert_uint_eq(plane(2, 0x300), 0x56);
    ck_assert_uint_eq(plane(3, 0x300), 0x00);
}
END_TEST

START_TEST(test_write_mode2_and_mode3)
{
    planar_setup();
    /* all planes 0x0F at byte 20 */
    mem_w(0xA0014, 0x0F);
    mem_r(0xA0014);
    gr_w(5, 0x02);
    gr_w(8, 0x3C);
    mem_w(0xA0014, 0x0A); /* colour 1010b: planes 1 and 3 set */
    ck_assert_uint_eq(plane(0, 20), (0x00 & 0x3C) | (0x0F & ~0x3C));
    ck_assert_uint_eq(plane(1, 20), (0xFF & 0x3C) | (0x0F & ~0x3C));
    ck_assert_uint_eq(plane(2, 20), 0x03);
    ck_assert_uint_eq(plane(3, 20), 0x3F);

    /* write mode 3: bit mask AND rotated CPU data, set/reset as the colour */
    gr_w(5, 0x00);
    gr_w(8, 0xFF);
    mem_w(0xA0015, 0x81);
    mem_r(0xA0015);
    gr_w(5, 0x03);
    gr_w(0, 0x0C);
    gr_w(1, 0x00); /* enable set/reset does not matter in mode 3 */
    gr_w(3, 0x01); /* rotate right 1: F0h -> 78h */
    gr_w(8, 0x3C);
    mem_w(0xA0015, 0xF0); /* effective mask 0x38 */
    ck_assert_uint_eq(plane(0, 21), 0x81);
    ck_assert_uint_eq(plane(1, 21), 0x81);
    ck_assert_uint_eq(plane(2, 21), 0x81 | 0x38);
    ck_assert_uint_eq(plane(3, 21), 0x81 | 0x38);
}
END_TEST

START_TEST(test_read_modes)
{
    planar_setup();
    const uint8_t init[4] = {0xF0, 0xCC, 0xAA, 0x00};
    for (int p = 0; p < 4; p++) {
        sr_w(2, (uint8_t)(1 << p));
        mem_w(0xA0040, init[p]);
    }
    sr_w(2, 0x0F);
    for (int p = 0; p < 4; p++) { /* read mode 0: the read map select */
        gr_w(4, (uint8_t)p);
        ck_assert_uint_eq(mem_r(0xA0040), init[p]);
    }
    gr_w(5, 0x08); /* read mode 1 */
    gr_w(2, 0x05); /* colour 0101b */
    gr_w(7, 0x0F);
    ck_assert_uint_eq(mem_r(0xA0040), 0x20); /* only bit 5 has 1,0,1,0 */
    gr_w(7, 0x01);                           /* only plane 0 matters */
    ck_assert_uint_eq(mem_r(0xA0040), 0xF0);
    gr_w(7, 0x00); /* nothing matters: all ones */
    ck_assert_uint_eq(mem_r(0xA0040), 0xFF);
    gr_w(2, 0x00);
    gr_w(7, 0x0C); /* planes 2,3 must be 0 */
    ck_assert_uint_eq(mem_r(0xA0040), 0x55);
    /* the read loaded the latches: write mode 1 copies them */
    gr_w(5, 0x01);
    mem_w(0xA0041, 0);
    for (int p = 0; p < 4; p++)
        ck_assert_uint_eq(plane(p, 0x41), init[p]);
}
END_TEST

START_TEST(test_memory_map_select)
{
    planar_setup();
    gr_w(6, 0x01); /* A0000h, 128 KB */
    mem_w(0xB0005, 0x11);
    ck_assert_uint_eq(plane(0, 0x10005 & 0xFFFF), 0x11); /* wraps into the 64 KB plane */
    gr_w(6, 0x09);                                       /* B0000h, 32 KB */
    ck_assert_uint_eq(mem_r(0xA0000), 0xFF);
    mem_w(0xA0000, 0x22); /* outside: dropped */
    mem_w(0xB0001, 0x33);
    ck_assert_uint_eq(plane(0, 1), 0x33);
    ck_assert_uint_eq(mem_r(0xB8000), 0xFF);
    gr_w(6, 0x0D); /* B8000h */
    mem_w(0xB8002, 0x44);
    ck_assert_uint_eq(plane(0, 2), 0x44);
}
END_TEST

START_TEST(test_chain4_addressing)
{
    set_mode(&mode13);
    for (uint32_t a = 0; a < 16; a++)
        mem_w(0xA0000 + a, (uint8_t)(0x80 + a));
    /* byte a: plane a & 3, plane offset a & ~3 */
    for (uint32_t a = 0; a < 16; a++) {
        ck_assert_uint_eq(plane(a & 3, a & ~3u), 0x80 + a);
        ck_assert_uint_eq(mem_r(0xA0000 + a), 0x80 + a);
    }
    ck_assert_uint_eq(plane(1, 1), 0x00); /* offsets 1-3 of each plane unused */
    sr_w(2, 0x0B);                        /* map mask still gates: plane 2 off */
    mem_w(0xA0006, 0x01);
    mem_w(0xA0007, 0x02);
    ck_assert_uint_eq(plane(2, 4), 0x86);
    ck_assert_uint_eq(plane(3, 4), 0x02);
}
END_TEST

START_TEST(test_mode_x_unchained)
{
    set_mode_x();
    sr_w(2, 0x0F);
    mem_w(0xA0000 + 10, 0x33); /* all four planes */
    for (int p = 0; p < 4; p++)
        ck_assert_uint_eq(plane(p, 10), 0x33);
    sr_w(2, 0x02); /* only plane 1 */
    mem_w(0xA0000 + 10, 0x44);
    ck_assert_uint_eq(plane(0, 10), 0x33);
    ck_assert_uint_eq(plane(1, 10), 0x44);
    ck_assert_uint_eq(plane(2, 10), 0x33);
    /* 64 KB per plane: the whole 256 KB is reachable */
    sr_w(2, 0x08);
    mem_w(0xAFFFF, 0x55);
    ck_assert_uint_eq(plane(3, 0xFFFF), 0x55);
    /* reads select the plane with GR4 */
    gr_w(4, 1);
    ck_assert_uint_eq(mem_r(0xA000A), 0x44);

    /* rendered: 320x240; pixel x of line y is plane x&3 at y*80 + x/4 */
    dac_fill();
    sr_w(2, 0x0F);
    mem_w(0xA0000 + 80 * 7 + 3, 0x21); /* line 7, x 12-15 */
    sr_w(2, 0x04);
    mem_w(0xA0000 + 80 * 7 + 3, 0x22); /* x 14 */
    struct vga_frame f = render();
    ck_assert_int_eq(f.width, 320);
    ck_assert_int_eq(f.height, 240);
    ck_assert_uint_eq(px(&f, 12, 7), dac_color(0x21));
    ck_assert_uint_eq(px(&f, 13, 7), dac_color(0x21));
    ck_assert_uint_eq(px(&f, 14, 7), dac_color(0x22));
    ck_assert_uint_eq(px(&f, 15, 7), dac_color(0x21));
    ck_assert_uint_eq(px(&f, 16, 7), dac_color(0x00));
    ck_assert_uint_eq(px(&f, 12, 8), dac_color(0x00));
}
END_TEST

START_TEST(test_odd_even_text_addressing)
{
    set_mode(&mode03);
    mem_w(0xB8000, 'A');
    mem_w(0xB8001, 0x1E);
    mem_w(0xB8002, 'B');
    mem_w(0xB8003, 0x4F);
    /* even bytes in plane 0, odd in plane 1, both at the even offset */
    ck_assert_uint_eq(plane(0, 0), 'A');
    ck_assert_uint_eq(plane(1, 0), 0x1E);
    ck_assert_uint_eq(plane(0, 2), 'B');
    ck_assert_uint_eq(plane(1, 2), 0x4F);
    ck_assert_uint_eq(plane(0, 1), 0x00);
    ck_assert_uint_eq(plane(2, 0), 0x00); /* the map mask (03h) keeps the font plane */
    ck_assert_uint_eq(mem_r(0xB8001), 0x1E);
    ck_assert_uint_eq(mem_r(0xB8002), 'B');
    /* the mono window is closed in colour text mode */
    ck_assert_uint_eq(mem_r(0xB0000), 0xFF);
}
END_TEST

/* ---- rendering ---- */

/* glyph rows for the test font: character c, row r */
static uint8_t glyph_row(unsigned c, unsigned r)
{
    if (c == 'A')
        return (r & 1) ? 0xF0 : 0x0F;
    if (c == 0xC4) /* box drawing: a full row in the middle */
        return r == 7 ? 0xFF : 0x00;
    if (c == 'B')
        return 0x81;
    return 0;
}

/* loads the test font into plane 2 the way the BIOS does (planar access) */
static void load_font(uint32_t base, unsigned height)
{
    sr_w(2, 0x04);
    sr_w(4, 0x07);
    gr_w(4, 0x02);
    gr_w(5, 0x00);
    gr_w(6, 0x04);
    for (unsigned c = 0; c < 256; c++)
        for (unsigned r = 0; r < height; r++)
            mem_w(0xA0000 + base + c * 32 + r, glyph_row(c, r));
    sr_w(2, 0x03);
    sr_w(4, 0x02);
    gr_w(4, 0x00);
    gr_w(5, 0x10);
    gr_w(6, 0x0E);
}

static void text_cell(unsigned row, unsigned col, uint8_t ch, uint8_t attr)
{
    uint32_t a = 0xB8000 + (row * 80 + col) * 2;
    mem_w(a, ch);
    mem_w(a + 1, attr);
}

START_TEST(test_render_text_80x25)
{
    set_mode(&mode03);
    dac_fill();
    load_font(0, 16);
    for (unsigned i = 0; i < 80 * 25; i++)
        text_cell(i / 80, i % 80, ' ', 0x07);
    text_cell(0, 0, 'A', 0x1E); /* yellow on blue */
    text_cell(0, 1, 0xC4, 0x2C);
    text_cell(3, 5, 'B', 0x4F);
    cr_w(0x0E, 0x07);
    cr_w(0x0F, 0xD0); /* cursor at 2000: off screen */

    struct vga_frame f = render();
    ck_assert(f.dirty);
    ck_assert_int_eq(f.width, 720);
    ck_assert_int_eq(f.height, 400);
    /* colour 1 -> palette 01h, 0Eh -> 3Eh, 2 -> 02h, 0Ch -> 3Ch, 4 -> 04h, 0Fh -> 3Fh */
    uint32_t blue = dac_color(0x01), yellow = dac_color(0x3E);
    ck_assert_uint_eq(px(&f, 0, 0), blue);   /* row 0 = 0x0F: left half background */
    ck_assert_uint_eq(px(&f, 4, 0), yellow); /* right half foreground */
    ck_assert_uint_eq(px(&f, 0, 1), yellow); /* row 1 = 0xF0 */
    ck_assert_uint_eq(px(&f, 7, 1), blue);
    ck_assert_uint_eq(px(&f, 8, 1), blue); /* the ninth column is background */
    /* C4h is a line-graphics character: column 9 repeats column 8 (AR10 bit 2) */
    ck_assert_uint_eq(px(&f, 9 + 8, 7), dac_color(0x3C));
    ck_assert_uint_eq(px(&f, 9 + 8, 6), dac_color(0x02));
    /* 'B' at row 3, column 5: 81h in every row */
    ck_assert_uint_eq(px(&f, 45, 3 * 16 + 4), dac_color(0x3F));
    ck_assert_uint_eq(px(&f, 46, 3 * 16 + 4), dac_color(0x04));
    ck_assert_uint_eq(px(&f, 52, 3 * 16 + 4), dac_color(0x3F));
    /* blank cells: light grey on black */
    ck_assert_uint_eq(px(&f, 700, 390), dac_color(0x00));

    /* nothing changed: no new image */
    f = render();
    ck_assert(!f.dirty);
    /* the pel mask applies to every colour */
    out8(0x3C6, 0x0F);
    f = render();
    ck_assert(f.dirty);
    ck_assert_uint_eq(px(&f, 4, 0), dac_color(0x3E & 0x0F));
}
END_TEST

START_TEST(test_render_text_cursor_and_blink)
{
    set_mode(&mode03);
    dac_fill();
    load_font(0, 16);
    text_cell(1, 1, ' ', 0x1E);
    text_cell(1, 2, 'A', 0x9E); /* blinking */
    cr_w(0x0E, 0x00);
    cr_w(0x0F, 81); /* cursor at row 1, column 1; lines 13-14 */

    struct vga_frame f = render();
    uint32_t blue = dac_color(0x01), yellow = dac_color(0x3E);
    ck_assert_uint_eq(px(&f, 9 + 3, 16 + 13), yellow); /* cursor on in frame 0 */
    ck_assert_uint_eq(px(&f, 9 + 8, 16 + 14), yellow);
    ck_assert_uint_eq(px(&f, 9 + 3, 16 + 12), blue);
    ck_assert_uint_eq(px(&f, 9 + 3, 16 + 15), blue);
    ck_assert_uint_eq(px(&f, 18 + 4, 16), yellow); /* blinking 'A' visible */

    /* 80x25 text is 70 Hz: 900 dots at 28.322 MHz x 449 lines */
    uint64_t frame_ns = (900ull * NS_PER_SEC / 28322000) * 449;
    timerq_advance(tq, 8 * frame_ns + 1000); /* cursor off for frames 8-15 */
    f = render();
    ck_assert(f.dirty);
    ck_assert_uint_eq(px(&f, 9 + 3, 16 + 13), blue);
    ck_assert_uint_eq(px(&f, 18 + 4, 16), yellow);
    timerq_advance(tq, 8 * frame_ns); /* frame 16: cursor on, characters off */
    f = render();
    ck_assert_uint_eq(px(&f, 9 + 3, 16 + 13), yellow);
    ck_assert_uint_eq(px(&f, 18 + 4, 16), blue);
    ck_assert_uint_eq(px(&f, 18 + 0, 16), blue);

    /* without the blink attribute bit 7 is background intensity */
    ar_w(0x10, 0x04);
    f = render();
    ck_assert_uint_eq(px(&f, 18 + 4, 16), yellow);
    ck_assert_uint_eq(px(&f, 18 + 0, 16), dac_color(0x39)); /* background 9 -> palette 39h */

    /* CR0A bit 5 turns the cursor off */
    cr_w(0x0A, 0x2D);
    f = render();
    ck_assert_uint_eq(px(&f, 9 + 3, 16 + 13), blue);
}
END_TEST

START_TEST(test_render_text_80x50_and_font_select)
{
    set_mode(&mode03);
    cr_w(0x09, 0x47); /* 8-line characters */
    cr_w(0x0A, 0x06);
    cr_w(0x0B, 0x07);
    dac_fill();
    load_font(0x4000, 8); /* font in the second 16 KB block ... */
    sr_w(3, 0x05);        /* ... selected as map A and map B (SR03 = 1 for both) */
    text_cell(49, 79, 'A', 0x07);
    struct vga_frame f = render();
    ck_assert_int_eq(f.width, 720);
    ck_assert_int_eq(f.height, 400);
    ck_assert_uint_eq(px(&f, 79 * 9 + 4, 49 * 8), dac_color(0x07));
    ck_assert_uint_eq(px(&f, 79 * 9 + 0, 49 * 8), dac_color(0x00));
    sr_w(3, 0x00); /* block 0 holds no font: blank */
    f = render();
    ck_assert_uint_eq(px(&f, 79 * 9 + 4, 49 * 8), dac_color(0x00));
}
END_TEST

START_TEST(test_render_text_40x25)
{
    set_mode(&mode03);
    sr_w(1, 0x08); /* dot clock / 2 */
    cr_w(0x11, 0x00);
    cr_w(0x00, 0x2D);
    cr_w(0x01, 0x27);
    cr_w(0x13, 0x14);
    dac_fill();
    load_font(0, 16);
    mem_w(0xB8000 + 2 * 41, 'A'); /* row 1, column 1 */
    mem_w(0xB8000 + 2 * 41 + 1, 0x1E);
    struct vga_frame f = render();
    ck_assert_int_eq(f.width, 360);
    ck_assert_int_eq(f.height, 400);
    ck_assert_uint_eq(px(&f, 9 + 4, 16), dac_color(0x3E));
    ck_assert_uint_eq(px(&f, 9 + 0, 16), dac_color(0x01));
}
END_TEST

START_TEST(test_render_mode13)
{
    set_mode(&mode13);
    dac_set(0x20, 63, 0, 21);
    dac_set(0x21, 10, 20, 30);
    mem_w(0xA0000 + 3 * 320 + 5, 0x20);
    mem_w(0xA0000 + 199 * 320 + 319, 0x21);
    struct vga_frame f = render();
    ck_assert_int_eq(f.width, 320);
    ck_assert_int_eq(f.height, 200);
    ck_assert_uint_eq(px(&f, 5, 3), 0xFF0055);
    ck_assert_uint_eq(px(&f, 319, 199), rgb6(10, 20, 30));
    ck_assert_uint_eq(px(&f, 4, 3), 0x000000);
    /* changing the DAC changes the picture */
    dac_set(0x20, 0, 63, 0);
    f = render();
    ck_assert(f.dirty);
    ck_assert_uint_eq(px(&f, 5, 3), 0x00FF00);
    /* the 8-bit DAC (VBE ENABLE bit 5) takes full 8-bit components */
    dispi_w(4, 0x20);
    dac_set(0x20, 0x12, 0x34, 0x56);
    f = render();
    ck_assert_uint_eq(px(&f, 5, 3), 0x123456);
}
END_TEST

START_TEST(test_render_split_screen_and_panning)
{
    set_mode(&mode13);
    dac_fill();
    /* line k of memory in colour k */
    for (uint32_t y = 0; y < 200; y++)
        for (uint32_t x = 0; x < 320; x++)
            mem_w(0xA0000 + y * 320 + x, (uint8_t)(y < 200 ? y : 0));
    struct vga_frame f = render();
    ck_assert_uint_eq(px(&f, 0, 50), dac_color(50));

    /* start address 800 (doubleword mode: 4 bytes per unit): memory line 10 on top */
    cr_w(0x0C, 800 >> 8);
    cr_w(0x0D, 800 & 0xFF);
    f = render();
    ck_assert_uint_eq(px(&f, 0, 0), dac_color(10));
    ck_assert_uint_eq(px(&f, 0, 150), dac_color(160));

    /* split after scan line 199 of 400: image line 100 restarts at address 0 */
    cr_w(0x18, 199);
    cr_w(0x07, 0x0F); /* line compare bit 8 = 0 (writable despite CR11 protect) */
    cr_w(0x09, 0x01); /* bit 9 = 0, still two scan lines per row */
    f = render();
    ck_assert_uint_eq(px(&f, 0, 0), dac_color(10));
    ck_assert_uint_eq(px(&f, 0, 99), dac_color(109));
    ck_assert_uint_eq(px(&f, 0, 100), dac_color(0));
    ck_assert_uint_eq(px(&f, 0, 150), dac_color(50));

    /* horizontal pel panning by 2 dots = 1 pixel in 256-colour mode */
    cr_w(0x0C, 0);
    cr_w(0x0D, 0);
    for (uint32_t x = 0; x < 16; x++)
        mem_w(0xA0000 + 5 * 320 + x, (uint8_t)(0x40 + x));
    ar_w(0x13, 2);
    f = render();
    ck_assert_uint_eq(px(&f, 0, 5), dac_color(0x41));
    ck_assert_uint_eq(px(&f, 7, 5), dac_color(0x48));
    /* byte panning (CR08 bits 5-6) moves the start by whole units: 4 pixels */
    ar_w(0x13, 0);
    cr_w(0x08, 0x20);
    f = render();
    ck_assert_uint_eq(px(&f, 0, 5), dac_color(0x44));
    /* with AR10 bit 5 the split part is not panned */
    cr_w(0x08, 0);
    ar_w(0x13, 4);
    ar_w(0x10, 0x61);
    f = render();
    ck_assert_uint_eq(px(&f, 0, 5), dac_color(0x42));
    ck_assert_uint_eq(px(&f, 0, 105), dac_color(0x40)); /* memory line 5, unpanned */
}
END_TEST

START_TEST(test_render_planar16)
{
    set_mode(&mode12);
    dac_fill();
    /* pixel 0: planes 0 and 3 -> colour 9 -> palette 39h; pixel 9: colour 6 -> 14h */
    sr_w(2, 0x09);
    mem_w(0xA0000, 0x80);
    sr_w(2, 0x06);
    mem_w(0xA0001, 0x40);
    mem_w(0xA0000 + 80 * 479, 0x01); /* last line, pixel 7: colour 6 */
    struct vga_frame f = render();
    ck_assert_int_eq(f.width, 640);
    ck_assert_int_eq(f.height, 480);
    ck_assert_uint_eq(px(&f, 0, 0), dac_color(0x39));
    ck_assert_uint_eq(px(&f, 1, 0), dac_color(0x00));
    ck_assert_uint_eq(px(&f, 9, 0), dac_color(0x14));
    ck_assert_uint_eq(px(&f, 7, 479), dac_color(0x14));
    /* colour plane enable masks plane 3 */
    ar_w(0x12, 0x07);
    f = render();
    ck_assert_uint_eq(px(&f, 0, 0), dac_color(0x01));
    /* colour select: P5-P4 from AR14 (AR10 bit 7), P7-P6 always from AR14 */
    ar_w(0x12, 0x0F);
    ar_w(0x10, 0x81);
    ar_w(0x14, 0x0E); /* P7,P6 = 11, P5,P4 = 10 */
    f = render();
    ck_assert_uint_eq(px(&f, 0, 0), dac_color(0xC0 | 0x20 | 0x09));
    /* screen off (SR01 bit 5): black */
    sr_w(1, 0x21);
    f = render();
    ck_assert_uint_eq(px(&f, 0, 0), 0);
}
END_TEST

START_TEST(test_render_cga4)
{
    set_mode(&mode04);
    dac_fill();
    mem_w(0xB8000, 0x1B);          /* line 0, pixels 0-3: colours 0 1 2 3 */
    mem_w(0xB8001, 0xC0);          /* pixels 4-7: 3 0 0 0 */
    mem_w(0xB8000 + 0x2000, 0xE4); /* line 1 (odd bank): 3 2 1 0 */
    struct vga_frame f = render();
    ck_assert_int_eq(f.width, 320);
    ck_assert_int_eq(f.height, 200);
    static const uint8_t pal[4] = {0x00, 0x13, 0x15, 0x17};
    static const uint8_t line0[8] = {0, 1, 2, 3, 3, 0, 0, 0};
    for (int x = 0; x < 8; x++)
        ck_assert_uint_eq(px(&f, x, 0), dac_color(pal[line0[x]]));
    static const uint8_t line1[4] = {3, 2, 1, 0};
    for (int x = 0; x < 4; x++)
        ck_assert_uint_eq(px(&f, x, 1), dac_color(pal[line1[x]]));
    ck_assert_uint_eq(px(&f, 0, 2), dac_color(0));
}
END_TEST

START_TEST(test_render_cga2)
{
    set_mode(&mode06);
    dac_fill();
    mem_w(0xB8000, 0x80);          /* line 0, pixel 0 */
    mem_w(0xB8000 + 0x2000, 0x01); /* line 1 (odd bank), pixel 7 */
    mem_w(0xB8000 + 80 + 1, 0xFF); /* line 2, pixels 8-15 */
    struct vga_frame f = render();
    ck_assert_int_eq(f.width, 640);
    ck_assert_int_eq(f.height, 200);
    ck_assert_uint_eq(px(&f, 0, 0), dac_color(0x17));
    ck_assert_uint_eq(px(&f, 1, 0), dac_color(0x00));
    ck_assert_uint_eq(px(&f, 7, 1), dac_color(0x17));
    ck_assert_uint_eq(px(&f, 6, 1), dac_color(0x00));
    ck_assert_uint_eq(px(&f, 8, 2), dac_color(0x17));
    ck_assert_uint_eq(px(&f, 15, 2), dac_color(0x17));
    ck_assert_uint_eq(px(&f, 16, 2), dac_color(0x00));
}
END_TEST

START_TEST(test_render_blank_when_pas_clear)
{
    set_mode(&mode13);
    dac_set(1, 63, 63, 63);
    mem_w(0xA0000, 1);
    struct vga_frame f = render();
    ck_assert_uint_eq(px(&f, 0, 0), 0xFFFFFF);
    in8(0x3DA);
    out8(0x3C0, 0x00); /* PAS clear: the CPU owns the palette, display off */
    f = render();
    ck_assert_uint_eq(px(&f, 0, 0), 0);
}
END_TEST

/* ---- timing ---- */

struct edges {
    int vr_rises, de_toggles;
    uint64_t first_rise, last_rise;
};

static struct edges sample_status(uint64_t total_ns, uint64_t step_ns)
{
    struct edges e = {0, 0, 0, 0};
    uint8_t prev = in8(0x3DA);
    for (uint64_t t = 0; t < total_ns; t += step_ns) {
        timerq_advance(tq, step_ns);
        uint8_t st = in8(0x3DA);
        if ((st & 8) && !(prev & 8)) {
            if (!e.vr_rises)
                e.first_rise = timerq_now(tq);
            e.last_rise = timerq_now(tq);
            e.vr_rises++;
        }
        if ((st ^ prev) & 1)
            e.de_toggles++;
        if (st & 8)
            ck_assert(st & 1); /* retrace is always outside the display */
        prev = st;
    }
    return e;
}

START_TEST(test_retrace_70hz_text)
{
    set_mode(&mode03);
    struct edges e = sample_status(NS_PER_SEC / 2, 2000);
    /* 70.08 Hz: 35 frames in half a second */
    ck_assert_int_ge(e.vr_rises, 34);
    ck_assert_int_le(e.vr_rises, 36);
    uint64_t period = (e.last_rise - e.first_rise) / (uint64_t)(e.vr_rises - 1);
    ck_assert_uint_ge(period, 14260000);
    ck_assert_uint_le(period, 14275000);
    ck_assert_int_gt(e.de_toggles, 1000); /* display enable follows the lines */
}
END_TEST

START_TEST(test_retrace_60hz_480_lines)
{
    set_mode(&mode12);
    struct edges e = sample_status(NS_PER_SEC / 2, 2000);
    ck_assert_int_ge(e.vr_rises, 29);
    ck_assert_int_le(e.vr_rises, 31);
    uint64_t period = (e.last_rise - e.first_rise) / (uint64_t)(e.vr_rises - 1);
    ck_assert_uint_ge(period, 16670000); /* 800 x 525 at 25.175 MHz = 16.68 ms */
    ck_assert_uint_le(period, 16690000);
}
END_TEST

START_TEST(test_retrace_short_and_polled_loop)
{
    /* the classic wait: while (inb(0x3DA) & 8); while (!(inb(0x3DA) & 8)); */
    set_mode(&mode13);
    for (int frame = 0; frame < 5; frame++) {
        int guard = 0;
        while ((in8(0x3DA) & 8) && guard++ < 100000)
            timerq_advance(tq, 1000);
        while (!(in8(0x3DA) & 8) && guard++ < 100000)
            timerq_advance(tq, 1000);
        ck_assert_int_lt(guard, 100000);
    }
    /* retrace lasts CR11-CR10 = 2 lines (about 64 us) */
    uint64_t start = timerq_now(tq);
    while (in8(0x3DA) & 8)
        timerq_advance(tq, 1000);
    ck_assert_uint_le(timerq_now(tq) - start, 70000);
}
END_TEST

/* ---- VBE DISPI ---- */

static void map_lfb(void)
{
    cfg_w(PCI_BAR0, LFB_ADDR, 4);
    cfg_w(PCI_COMMAND, PCI_CMD_MEM | PCI_CMD_IO, 2);
}

START_TEST(test_dispi_id_and_caps)
{
    ck_assert_uint_eq(dispi_r(0), 0xB0C5);
    dispi_w(0, 0xB0C0);
    ck_assert_uint_eq(dispi_r(0), 0xB0C0);
    dispi_w(0, 0xB0C6); /* not supported: unchanged */
    ck_assert_uint_eq(dispi_r(0), 0xB0C0);
    dispi_w(0, 0xB0C4);
    ck_assert_uint_eq(dispi_r(0), 0xB0C4);
    ck_assert_uint_eq(dispi_r(10), 256);          /* 16 MB in 64 KB units */
    ck_assert_uint_eq(bus_in(bus, 0x1CE, 2), 10); /* index reads back */
    dispi_w(4, 0x02);                             /* GETCAPS */
    ck_assert_uint_eq(dispi_r(1), VGA_VBE_MAX_XRES);
    ck_assert_uint_eq(dispi_r(2), VGA_VBE_MAX_YRES);
    ck_assert_uint_eq(dispi_r(3), 32);
    dispi_w(4, 0x00);
    dispi_w(1, 1024);
    ck_assert_uint_eq(dispi_r(1), 1024);
    dispi_w(1, 4000); /* beyond the maximum: refused */
    ck_assert_uint_eq(dispi_r(1), 1024);
    dispi_w(3, 7); /* not a depth */
    ck_assert_uint_eq(dispi_r(3), 8);
    dispi_w(3, 0); /* 0 means 8 */
    ck_assert_uint_eq(dispi_r(3), 8);
    /* 1D0h is the data port too */
    bus_out(bus, 0x1CE, 2, 2);
    bus_out(bus, 0x1D0, 600, 2);
    ck_assert_uint_eq(dispi_r(2), 600);
}
END_TEST

START_TEST(test_dispi_enable_and_lfb)
{
    map_lfb();
    /* memory the mode set clears */
    bus_write(bus, BUS_MEM, LFB_ADDR + 100, 0xAB, 1);
    ck_assert_uint_eq(vga_vram(vga)[100], 0xAB);
    dispi_w(1, 640);
    dispi_w(2, 480);
    dispi_w(3, 32);
    dispi_w(4, 0x41); /* enabled, LFB */
    ck_assert_uint_eq(dispi_r(4), 0x41);
    ck_assert_uint_eq(dispi_r(6), 640);
    ck_assert_uint_eq(dispi_r(7), (16u << 20) / 2560);
    ck_assert_uint_eq(vga_vram(vga)[100], 0x00);

    bus_write(bus, BUS_MEM, LFB_ADDR + 5 * 2560 + 10 * 4, 0x00123456, 4);
    bus_write(bus, BUS_MEM, LFB_ADDR + 479 * 2560 + 639 * 4, 0x00FEDCBA, 4);
    ck_assert_uint_eq(bus_read(bus, BUS_MEM, LFB_ADDR + 5 * 2560 + 10 * 4, 4), 0x00123456);
    struct vga_frame f = render();
    ck_assert(f.dirty);
    ck_assert_int_eq(f.width, 640);
    ck_assert_int_eq(f.height, 480);
    ck_assert_uint_eq(px(&f, 10, 5), 0x123456);
    ck_assert_uint_eq(px(&f, 639, 479), 0xFEDCBA);
    ck_assert_uint_eq(px(&f, 11, 5), 0);
    f = render();
    ck_assert(!f.dirty);

    /* display start: Y_OFFSET 5 puts line 5 on top; X_OFFSET 10 column 10 */
    dispi_w(9, 5);
    dispi_w(8, 10);
    f = render();
    ck_assert_uint_eq(px(&f, 0, 0), 0x123456);
    dispi_w(8, 0);
    dispi_w(9, 0);

    /* a wider virtual screen changes the pitch */
    dispi_w(6, 1024);
    ck_assert_uint_eq(dispi_r(7), (16u << 20) / 4096);
    bus_write(bus, BUS_MEM, LFB_ADDR + 2 * 4096 + 3 * 4, 0x00ABCDEF, 4);
    f = render();
    ck_assert_uint_eq(px(&f, 3, 2), 0xABCDEF);

    /* re-enabling with NOCLEARMEM keeps memory */
    dispi_w(4, 0x00);
    dispi_w(4, 0xC1);
    f = render();
    ck_assert_uint_eq(vga_vram(vga)[2 * 4096 + 3 * 4], 0xEF);

    /* XRES rewritten to 0 while enabled: a blank screen, never a 0x0 one */
    dispi_w(1, 0);
    f = render();
    ck_assert_int_eq(f.width, 640);
    ck_assert_uint_eq(f.pixels[0], 0);
    dispi_w(1, 640);

    /* disabled: the VGA draws again */
    dispi_w(4, 0x00);
    set_mode(&mode13);
    f = render();
    ck_assert_int_eq(f.width, 320);
}
END_TEST

START_TEST(test_dispi_depths)
{
    map_lfb();
    dispi_w(1, 320);
    dispi_w(2, 200);
    dispi_w(3, 16);
    dispi_w(4, 0x41);
    bus_write(bus, BUS_MEM, LFB_ADDR + 0, 0xF800, 2);   /* red */
    bus_write(bus, BUS_MEM, LFB_ADDR + 2, 0x07E0, 2);   /* green */
    bus_write(bus, BUS_MEM, LFB_ADDR + 4, 0x001F, 2);   /* blue */
    bus_write(bus, BUS_MEM, LFB_ADDR + 640, 0x8410, 2); /* line 1: mid grey */
    struct vga_frame f = render();
    ck_assert_uint_eq(px(&f, 0, 0), 0xFF0000);
    ck_assert_uint_eq(px(&f, 1, 0), 0x00FF00);
    ck_assert_uint_eq(px(&f, 2, 0), 0x0000FF);
    ck_assert_uint_eq(px(&f, 0, 1), 0x848284);

    dispi_w(4, 0);
    dispi_w(3, 15);
    dispi_w(4, 0x41);
    bus_write(bus, BUS_MEM, LFB_ADDR + 0, 0x7C00, 2);
    bus_write(bus, BUS_MEM, LFB_ADDR + 2, 0x03E0, 2);
    f = render();
    ck_assert_uint_eq(px(&f, 0, 0), 0xFF0000);
    ck_assert_uint_eq(px(&f, 1, 0), 0x00FF00);

    dispi_w(4, 0);
    dispi_w(3, 24);
    dispi_w(4, 0x41);
    bus_write(bus, BUS_MEM, LFB_ADDR + 3, 0x33, 1); /* pixel 1: B, G, R */
    bus_write(bus, BUS_MEM, LFB_ADDR + 4, 0x22, 1);
    bus_write(bus, BUS_MEM, LFB_ADDR + 5, 0x11, 1);
    f = render();
    ck_assert_uint_eq(px(&f, 1, 0), 0x112233);

    dispi_w(4, 0);
    dispi_w(3, 8);
    dispi_w(4, 0x41);
    dac_set(0x99, 63, 32, 0);
    bus_write(bus, BUS_MEM, LFB_ADDR + 320 + 7, 0x99, 1);
    f = render();
    ck_assert_uint_eq(px(&f, 7, 1), rgb6(63, 32, 0));

    /* 4 bpp: planar through A0000h, the attribute palette and the DAC */
    dispi_w(4, 0);
    set_mode(&mode12);
    dac_fill();
    dispi_w(1, 800);
    dispi_w(2, 600);
    dispi_w(3, 4);
    dispi_w(4, 0x01);
    sr_w(2, 0x0F);
    gr_w(5, 0x02);                      /* write mode 2: colour 5 */
    mem_w(0xA0000 + 100 * 2 + 1, 0x05); /* line 2 (100 plane bytes a line), pixels 8-15 */
    f = render();
    ck_assert_int_eq(f.width, 800);
    ck_assert_uint_eq(px(&f, 8, 2), dac_color(0x05));
    ck_assert_uint_eq(px(&f, 7, 2), dac_color(0x00));
}
END_TEST

START_TEST(test_dispi_banks)
{
    dispi_w(1, 640);
    dispi_w(2, 480);
    dispi_w(3, 8);
    dispi_w(4, 0x01);  /* banked, no LFB */
    set_mode(&mode13); /* the BIOS leaves the VGA in a 256-colour setup */
    dac_set(0x42, 0, 0, 63);
    dispi_w(5, 1);
    ck_assert_uint_eq(dispi_r(5), 1);
    mem_w(0xA0000, 0x42); /* byte 65536: line 102, x 256 */
    mem_w(0xA0001, 0x43);
    ck_assert_uint_eq(vga_vram(vga)[65536], 0x42);
    ck_assert_uint_eq(mem_r(0xA0001), 0x43);
    dispi_w(5, 0);
    ck_assert_uint_eq(mem_r(0xA0000), 0x00);
    mem_w(0xAFFFF, 0x44);
    ck_assert_uint_eq(vga_vram(vga)[65535], 0x44);
    ck_assert_uint_eq(mem_r(0xB0000), 0xFF); /* banks are 64 KB at A0000h */
    dispi_w(5, 256);                         /* past the memory: refused */
    ck_assert_uint_eq(dispi_r(5), 0);
    dispi_w(5, 255);
    ck_assert_uint_eq(dispi_r(5), 255);
    mem_w(0xA0010, 0x55);
    ck_assert_uint_eq(vga_vram(vga)[255u * 65536 + 16], 0x55);

    struct vga_frame f = render();
    ck_assert_int_eq(f.width, 640);
    ck_assert_uint_eq(px(&f, 256, 102), rgb6(0, 0, 63));
}
END_TEST

/* ---- PCI ---- */

START_TEST(test_pci_ids_and_bar0)
{
    ck_assert_uint_eq(cfg_r(0x00, 4), 0x11111234);
    ck_assert_uint_eq(cfg_r(0x08, 4), 0x03000002); /* class 030000h, revision 2 */
    ck_assert_uint_eq(cfg_r(0x0E, 1), 0x00);
    ck_assert_uint_eq(cfg_r(PCI_BAR0, 4), 0x00000008); /* memory, 32-bit, prefetchable */
    cfg_w(PCI_BAR0, 0xFFFFFFFF, 4);
    ck_assert_uint_eq(cfg_r(PCI_BAR0, 4), 0xFF000008); /* 16 MB */
    for (int n = 1; n < 6; n++)
        ck_assert_uint_eq(cfg_r(PCI_BAR0 + 4u * (unsigned)n, 4), 0);
    map_lfb();
    ck_assert_str_eq(bus_owner(bus, BUS_MEM, LFB_ADDR + 0xFFFFFF), "vga BAR0");
    bus_write(bus, BUS_MEM, LFB_ADDR + 0x123456, 0xCAFEF00D, 4);
    ck_assert_uint_eq(vga_vram(vga)[0x123456], 0x0D);
    ck_assert_uint_eq(vga_vram(vga)[0x123459], 0xCA);
    cfg_w(PCI_COMMAND, 0, 2);
    ck_assert_ptr_null(bus_owner(bus, BUS_MEM, LFB_ADDR));
    /* the legacy ranges stay decoded */
    ck_assert_str_eq(bus_owner(bus, BUS_MEM, 0xA0000), "vga-mem");
    ck_assert_str_eq(bus_owner(bus, BUS_IO, 0x3C0), "vga");
    ck_assert_str_eq(bus_owner(bus, BUS_IO, 0x1CF), "vbe-dispi");
}
END_TEST

START_TEST(test_pci_rom_bar)
{
    FILE *fp = fopen(VGABIOS, "rb");
    ck_assert_ptr_nonnull(fp);
    static uint8_t file[65536];
    size_t len = fread(file, 1, sizeof file, fp);
    fclose(fp);
    ck_assert_uint_gt(len, 4096);

    ck_assert_uint_eq(cfg_r(0x30, 4), 0);
    cfg_w(0x30, 0xFFFFFFFE, 4); /* size it */
    uint32_t sz = cfg_r(0x30, 4);
    uint32_t want = 2048;
    while (want < len)
        want *= 2;
    ck_assert_uint_eq(sz, ~(want - 1));
    cfg_w(0x30, ROM_ADDR | 1, 4);
    ck_assert_ptr_null(bus_owner(bus, BUS_MEM, ROM_ADDR)); /* memory decoding still off */
    cfg_w(PCI_COMMAND, PCI_CMD_MEM, 2);
    ck_assert_uint_eq(cfg_r(0x30, 4), ROM_ADDR | 1);
    ck_assert_uint_eq(bus_read(bus, BUS_MEM, ROM_ADDR, 1), 0x55);
    ck_assert_uint_eq(bus_read(bus, BUS_MEM, ROM_ADDR + 1, 1), 0xAA);
    for (size_t i = 0; i < len; i += 4) {
        uint32_t w = (uint32_t)bus_read(bus, BUS_MEM, ROM_ADDR + i, 4);
        uint32_t f = 0;
        for (size_t k = 0; k < 4; k++)
            f |= (uint32_t)(i + k < len ? file[i + k] : 0) << (8 * k);
        ck_assert_uint_eq(w, f);
    }
    /* the PCI data structure names this function */
    uint16_t pcir = (uint16_t)bus_read(bus, BUS_MEM, ROM_ADDR + 0x18, 2);
    ck_assert_uint_eq(bus_read(bus, BUS_MEM, ROM_ADDR + pcir, 4), 0x52494350); /* "PCIR" */
    ck_assert_uint_eq(bus_read(bus, BUS_MEM, ROM_ADDR + pcir + 4, 4), 0x11111234);
    /* writes are ignored */
    bus_write(bus, BUS_MEM, ROM_ADDR, 0, 1);
    ck_assert_uint_eq(bus_read(bus, BUS_MEM, ROM_ADDR, 1), 0x55);
    /* moving and disabling */
    cfg_w(0x30, (ROM_ADDR + 0x10000) | 1, 4);
    ck_assert_ptr_null(bus_owner(bus, BUS_MEM, ROM_ADDR));
    ck_assert_uint_eq(bus_read(bus, BUS_MEM, ROM_ADDR + 0x10000, 2), 0xAA55);
    cfg_w(0x30, ROM_ADDR + 0x10000, 4);
    ck_assert_uint_eq(bus_read(bus, BUS_MEM, ROM_ADDR + 0x10000, 1), 0xFF);
}
END_TEST

START_TEST(test_constructor_errors)
{
    char err[256] = "";
    struct bus *b2 = bus_new();
    struct pci_bus *p2 = pci_bus_new(b2);
    struct vga *v2 = vga_new(b2, p2, DEVFN, tq, "/nonexistent/vgabios.bin", err, sizeof err);
    ck_assert_ptr_null(v2);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/vgabios.bin"));
    ck_assert_ptr_null(strchr(err, '\n'));
    /* everything it claimed was given back: a good one fits */
    v2 = vga_new(b2, p2, DEVFN, tq, NULL, err, sizeof err);
    ck_assert_ptr_nonnull(v2);
    ck_assert_uint_eq(pci_config_read(p2, 0, DEVFN, 0x30, 4), 0); /* no ROM */
    vga_free(v2);
    /* a second VGA on the same bus clashes on the ports */
    v2 = vga_new(bus, NULL, 0, tq, NULL, err, sizeof err);
    ck_assert_ptr_null(v2);
    ck_assert_ptr_nonnull(strstr(err, "vga"));
    /* an ISA-only VGA (no PCI) still works */
    v2 = vga_new(b2, NULL, 0, tq, NULL, err, sizeof err);
    ck_assert_ptr_nonnull(v2);
    vga_free(v2);
    pci_bus_free(p2);
    bus_free(b2);
}
END_TEST

/* ---- state ---- */

START_TEST(test_save_restore_round_trip)
{
    set_mode(&mode13);
    dac_fill();
    for (uint32_t i = 0; i < 320 * 200; i++)
        mem_w(0xA0000 + i, (uint8_t)(i * 7));
    cr_w(0x0D, 40);
    in8(0x3DA);
    out8(0x3C0, 0x33); /* flip-flop left in the data phase */
    struct vga_frame f1 = render();

    char err[256];
    struct bus *b2 = bus_new();
    struct vga *v2 = vga_new(b2, NULL, 0, tq, NULL, err, sizeof err);
    ck_assert_ptr_nonnull(v2);
    ck_assert_str_eq(vga_vmstate.name, "vga");
    for (const struct vmstate_field *fl = vga_vmstate.fields; fl->name; fl++)
        memcpy((char *)v2 + fl->offset, (char *)vga + fl->offset, fl->size * fl->count);
    vga_post_load(v2);
    struct vga_frame f2;
    vga_render(v2, &f2);
    ck_assert(f2.dirty);
    ck_assert_int_eq(f2.width, f1.width);
    ck_assert_int_eq(f2.height, f1.height);
    ck_assert_mem_eq(f2.pixels, f1.pixels, (size_t)f1.width * (size_t)f1.height * 4);
    /* the flip-flop came along: this write is data for index 13h */
    bus_out(b2, 0x3C0, 0x01, 1);
    bus_out(b2, 0x3DA, 0, 1);
    bus_in(b2, 0x3DA, 1);
    bus_out(b2, 0x3C0, 0x33, 1);
    ck_assert_uint_eq(bus_in(b2, 0x3C1, 1), 0x01);
    vga_free(v2);
    bus_free(b2);
}
END_TEST

START_TEST(test_reset_state)
{
    set_mode(&mode03);
    dispi_w(1, 640);
    vga_reset(vga);
    ck_assert_uint_eq(in8(0x3CC), 0x00);
    ck_assert_uint_eq(in8(0x3C6), 0xFF);
    ck_assert_uint_eq(dispi_r(0), 0xB0C5);
    ck_assert_uint_eq(dispi_r(1), 0);
    ck_assert_uint_eq(dispi_r(4), 0);
    /* power-on screen: blank, and a sensible size */
    struct vga_frame f = render();
    ck_assert_int_gt(f.width, 0);
    ck_assert_int_gt(f.height, 0);
    ck_assert_uint_eq(f.pixels[0], 0);
}
END_TEST

static Suite *vga_suite(void)
{
    Suite *s = suite_create("vga");
    TCase *regs = tcase_create("registers");
    tcase_add_checked_fixture(regs, setup, teardown);
    tcase_add_test(regs, test_register_round_trip);
    tcase_add_test(regs, test_crtc_write_protect);
    tcase_add_test(regs, test_color_mono_io_select);
    tcase_add_test(regs, test_attribute_flip_flop);
    tcase_add_test(regs, test_dac_indexing);
    tcase_add_test(regs, test_reset_state);
    suite_add_tcase(s, regs);

    TCase *mem = tcase_create("memory");
    tcase_add_checked_fixture(mem, setup, teardown);
    tcase_add_test(mem, test_write_mode0_set_reset_and_map_mask);
    tcase_add_test(mem, test_write_mode0_rotate_alu_bit_mask);
    tcase_add_test(mem, test_write_mode1_copies_latches);
    tcase_add_test(mem, test_write_mode2_and_mode3);
    tcase_add_test(mem, test_read_modes);
    tcase_add_test(mem, test_memory_map_select);
    tcase_add_test(mem, test_chain4_addressing);
    tcase_add_test(mem, test_mode_x_unchained);
    tcase_add_test(mem, test_odd_even_text_addressing);
    suite_add_tcase(s, mem);

    TCase *draw = tcase_create("render");
    tcase_add_checked_fixture(draw, setup, teardown);
    tcase_add_test(draw, test_render_text_80x25);
    tcase_add_test(draw, test_render_text_cursor_and_blink);
    tcase_add_test(draw, test_render_text_80x50_and_font_select);
    tcase_add_test(draw, test_render_text_40x25);
    tcase_add_test(draw, test_render_mode13);
    tcase_add_test(draw, test_render_split_screen_and_panning);
    tcase_add_test(draw, test_render_planar16);
    tcase_add_test(draw, test_render_cga4);
    tcase_add_test(draw, test_render_cga2);
    tcase_add_test(draw, test_render_blank_when_pas_clear);
    suite_add_tcase(s, draw);

    TCase *timing = tcase_create("timing");
    tcase_add_checked_fixture(timing, setup, teardown);
    tcase_add_test(timing, test_retrace_70hz_text);
    tcase_add_test(timing, test_retrace_60hz_480_lines);
    tcase_add_test(timing, test_retrace_short_and_polled_loop);
    suite_add_tcase(s, timing);

    TCase *vbe = tcase_create("vbe");
    tcase_add_checked_fixture(vbe, setup, teardown);
    tcase_add_test(vbe, test_dispi_id_and_caps);
    tcase_add_test(vbe, test_dispi_enable_and_lfb);
    tcase_add_test(vbe, test_dispi_depths);
    tcase_add_test(vbe, test_dispi_banks);
    suite_add_tcase(s, vbe);

    TCase *pcitc = tcase_create("pci");
    tcase_add_checked_fixture(pcitc, setup, teardown);
    tcase_add_test(pcitc, test_pci_ids_and_bar0);
    tcase_add_test(pcitc, test_pci_rom_bar);
    tcase_add_test(pcitc, test_constructor_errors);
    tcase_add_test(pcitc, test_save_restore_round_trip);
    suite_add_tcase(s, pcitc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(vga_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
