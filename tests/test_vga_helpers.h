/* test_vga_helpers.h - the fixture and helpers test_vga.c and
 * test_vga_render.c share: a bus, a manual-clock timer queue, a PCI bus and
 * the VGA on it; port, memory, DAC and DISPI helpers; the IBM VGA BIOS
 * register sets of the standard modes (facts from the IBM VGA Technical
 * Reference tables as FreeVGA and the BIOS listings give them). */
#ifndef DYNAPC_TEST_VGA_HELPERS_H
#define DYNAPC_TEST_VGA_HELPERS_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/bus.h"
#include "devices/pci.h"
#include "devices/timer.h"
#include "devices/vga.h"

#define VGABIOS  "/usr/share/seabios/vgabios-stdvga.bin"
#define DEVFN    0x10
#define LFB_ADDR 0xE0000000u
#define ROM_ADDR 0xFEB00000u

static struct bus *bus;
static struct timerq *tq;
static struct pci_bus *pci;
static struct vga *vga;

static inline void setup(void)
{
    char err[256] = "";
    bus = bus_new();
    tq = timerq_new(CLOCK_MANUAL);
    pci = pci_bus_new(bus);
    vga = vga_new(bus, pci, DEVFN, tq, VGABIOS, err, sizeof err);
    ck_assert_msg(vga != NULL, "vga_new: %s", err);
}

static inline void teardown(void)
{
    vga_free(vga);
    pci_bus_free(pci);
    timerq_free(tq);
    bus_free(bus);
}

/* ---- port and memory helpers ---- */

static inline uint8_t in8(uint16_t port)
{
    return (uint8_t)bus_in(bus, port, 1);
}

static inline void out8(uint16_t port, uint8_t v)
{
    bus_out(bus, port, v, 1);
}

static inline void sr_w(uint8_t i, uint8_t v)
{
    out8(0x3C4, i);
    out8(0x3C5, v);
}

static inline uint8_t sr_r(uint8_t i)
{
    out8(0x3C4, i);
    return in8(0x3C5);
}

static inline void gr_w(uint8_t i, uint8_t v)
{
    out8(0x3CE, i);
    out8(0x3CF, v);
}

static inline uint8_t gr_r(uint8_t i)
{
    out8(0x3CE, i);
    return in8(0x3CF);
}

static inline void cr_w(uint8_t i, uint8_t v)
{
    out8(0x3D4, i);
    out8(0x3D5, v);
}

static inline uint8_t cr_r(uint8_t i)
{
    out8(0x3D4, i);
    return in8(0x3D5);
}

/* an attribute register, leaving the palette address source (video on) set */
static inline void ar_w(uint8_t i, uint8_t v)
{
    in8(0x3DA);
    out8(0x3C0, (uint8_t)(i | 0x20));
    out8(0x3C0, v);
}

static inline uint8_t ar_r(uint8_t i)
{
    in8(0x3DA);
    out8(0x3C0, (uint8_t)(i | 0x20));
    uint8_t v = in8(0x3C1);
    in8(0x3DA);
    return v;
}

static inline void mem_w(uint32_t addr, uint8_t v)
{
    bus_write(bus, BUS_MEM, addr, v, 1);
}

static inline uint8_t mem_r(uint32_t addr)
{
    return (uint8_t)bus_read(bus, BUS_MEM, addr, 1);
}

/* byte n of plane p */
static inline uint8_t plane(unsigned p, uint32_t n)
{
    return vga_vram(vga)[n * 4 + p];
}

static inline void dac_set(uint8_t idx, uint8_t r, uint8_t g, uint8_t b)
{
    out8(0x3C8, idx);
    out8(0x3C9, r);
    out8(0x3C9, g);
    out8(0x3C9, b);
}

/* what a 6-bit DAC entry looks like on screen */
static inline uint32_t rgb6(uint8_t r, uint8_t g, uint8_t b)
{
    r = (uint8_t)(r << 2 | r >> 4);
    g = (uint8_t)(g << 2 | g >> 4);
    b = (uint8_t)(b << 2 | b >> 4);
    return (uint32_t)r << 16 | (uint32_t)g << 8 | b;
}

/* a distinct colour for every DAC entry: (i & 63, (i * 3) & 63, (i >> 2) ^ 21) */
static inline void dac_fill(void)
{
    out8(0x3C8, 0);
    for (unsigned i = 0; i < 256; i++) {
        out8(0x3C9, (uint8_t)(i & 63));
        out8(0x3C9, (uint8_t)((i * 3) & 63));
        out8(0x3C9, (uint8_t)(((i >> 2) ^ 21) & 63));
    }
}

static inline uint32_t dac_color(unsigned i)
{
    return rgb6((uint8_t)(i & 63), (uint8_t)((i * 3) & 63), (uint8_t)(((i >> 2) ^ 21) & 63));
}

static inline void dispi_w(uint16_t idx, uint16_t val)
{
    bus_out(bus, 0x1CE, idx, 2);
    bus_out(bus, 0x1CF, val, 2);
}

static inline uint16_t dispi_r(uint16_t idx)
{
    bus_out(bus, 0x1CE, idx, 2);
    return (uint16_t)bus_in(bus, 0x1CF, 2);
}

static inline uint32_t cfg_r(unsigned off, unsigned size)
{
    return pci_config_read(pci, 0, DEVFN, off, size);
}

static inline void cfg_w(unsigned off, uint32_t v, unsigned size)
{
    pci_config_write(pci, 0, DEVFN, off, v, size);
}

static inline struct vga_frame render(void)
{
    struct vga_frame f;
    vga_render(vga, &f);
    ck_assert_ptr_nonnull(f.pixels);
    return f;
}

static inline void ck_frame_size(const struct vga_frame *f, int w, int h)
{
    ck_assert_msg(f->width == w && f->height == h, "frame %dx%d, want %dx%d", f->width, f->height, w, h);
}

static inline uint32_t px(const struct vga_frame *f, int x, int y)
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

static inline void set_mode(const struct mode_regs *m)
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

/* the unchained 256-colour modes from mode 13h, as Michael Abrash's
 * Graphics Programming Black Book (chapter 47) programs them: chain 4 and
 * doubleword mode off, then the mode's clock (misc) and its n CRTC
 * registers crtc[i] = {index, value} */
static inline void set_unchained(uint8_t misc, const uint8_t (*crtc)[2], size_t n)
{
    set_mode(&mode13);
    sr_w(4, 0x06);    /* chain 4 off */
    cr_w(0x14, 0x00); /* doubleword mode off */
    cr_w(0x17, 0xE3); /* byte mode */
    out8(0x3C2, misc);
    cr_w(0x11, 0x2C);
    for (size_t i = 0; i < n; i++)
        cr_w(crtc[i][0], crtc[i][1]);
}

/* mode X: 320x240 */
static inline void set_mode_x(void)
{
    static const uint8_t v[][2] = {{0x06, 0x0D}, {0x07, 0x3E}, {0x09, 0x41}, {0x10, 0xEA},
                                   {0x11, 0xAC}, {0x12, 0xDF}, {0x15, 0xE7}, {0x16, 0x06}};
    set_unchained(0xE3, v, sizeof v / sizeof v[0]);
}

/* BAR0 (the LFB) at LFB_ADDR, memory decoding on */
static inline void map_lfb(void)
{
    cfg_w(PCI_BAR0, LFB_ADDR, 4);
    cfg_w(PCI_COMMAND, PCI_CMD_MEM | PCI_CMD_IO, 2);
}

/* a VBE mode through DISPI, as SeaVGABIOS sets it, with the LFB mapped */
static inline void map_lfb_and_mode(uint16_t xres, uint16_t yres, uint16_t bpp)
{
    map_lfb();
    dispi_w(4, 0x00);
    dispi_w(1, xres);
    dispi_w(2, yres);
    dispi_w(3, bpp);
    dispi_w(4, 0x41); /* enabled, LFB */
}

/* unchained planar memory at A0000h with every plane enabled */
static inline void planar_setup(void)
{
    set_mode(&mode12);
}

#endif
