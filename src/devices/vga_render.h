/* vga_render.h - the VGA's state as vga.c (registers, memory, PCI, DISPI)
 * and vga_render.c (turning it into pixels) share it.  Not for other
 * devices: they use vga.h. */
#ifndef DYNAPC_VGA_RENDER_H
#define DYNAPC_VGA_RENDER_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/pci.h"
#include "devices/timer.h"
#include "devices/vga.h"

/* Bochs VBE DISPI registers (index port 1CEh) and ENABLE bits */
enum {
    DISPI_ID = 0,
    DISPI_XRES = 1,
    DISPI_YRES = 2,
    DISPI_BPP = 3,
    DISPI_ENABLE = 4,
    DISPI_BANK = 5,
    DISPI_VIRT_WIDTH = 6,
    DISPI_VIRT_HEIGHT = 7,
    DISPI_X_OFFSET = 8,
    DISPI_Y_OFFSET = 9,
    DISPI_VIDEO_MEMORY_64K = 10,
    DISPI_NREGS = 16,
};
#define DISPI_ENABLED     0x01
#define DISPI_GETCAPS     0x02
#define DISPI_8BIT_DAC    0x20
#define DISPI_LFB_ENABLED 0x40
#define DISPI_NOCLEARMEM  0x80
#define DISPI_ID0         0xB0C0
#define DISPI_ID5         0xB0C5

#define VGA_DIRTY_SHIFT 8 /* dirty tracking granularity: 256 bytes of vram */
#define VGA_DIRTY_UNIT  (1u << VGA_DIRTY_SHIFT)

/* what one image line was drawn from: vram units [lo, hi] (lo > hi: none),
 * the planes it read there, and whether the blink phases show in it */
struct vga_line_dep {
    uint32_t lo, hi;
    uint8_t planes;
    uint8_t flags; /* VGA_LINE_CURSOR, VGA_LINE_BLINK */
};
#define VGA_LINE_CURSOR 0x01 /* the text cursor's scan lines cross it */
#define VGA_LINE_BLINK  0x02 /* blinking characters that differ between phases */

/* one claimed range of VGA ports: the bus hands us offsets from base */
struct vga_io_window {
    struct vga *vga;
    uint16_t base;
};

struct vga {
    struct bus *bus;
    struct timerq *tq;
    struct pci_device pci;
    bool has_pci;
    struct vga_io_window io[5];
    bool io_mapped[5], mem_mapped, dispi_mapped;

    uint8_t *rom; /* expansion ROM image, rom_size bytes (a power of two) */
    uint32_t rom_size;
    bool rom_mapped;
    uint32_t rom_mapped_at;

    /* vga_render's output and what it last depended on */
    uint32_t *fb;
    size_t fb_cap;
    int fb_w, fb_h;
    struct vga_line_dep *deps; /* per image line of fb */
    size_t deps_cap;
    int last_kind;
    bool dirty;        /* a register the picture depends on changed: redraw it all */
    bool cursor_dirty; /* the cursor's shape or position changed */
    int last_blink;    /* blink phases the last text render used, -1 = none */
    uint64_t serial;   /* images returned changed (struct vga_frame.serial) */
    /* video memory written since the last render: units [mem_dirty_lo,
     * mem_dirty_hi] may have marks (lo > hi: none); each unit is
     * VGA_DIRTY_UNIT bytes of vram, its bit p set when a byte of plane p
     * (vram[4n + p]) in it was written */
    uint32_t mem_dirty_lo, mem_dirty_hi;
    uint8_t mem_dirty[VGA_VRAM_SIZE / VGA_DIRTY_UNIT];

    /* saved state (vga_vmstate) */
    uint8_t misc, feature, vga_enable;
    uint8_t sr_index, sr[8];
    uint8_t gr_index, gr[16];
    uint8_t cr_index, cr[32];
    uint8_t ar_index, ar[32];
    uint8_t ar_flip; /* 0: next 3C0h write is an index, 1: data */
    uint8_t pel_mask;
    uint8_t dac_state; /* 3C7h read value: 0 after a write index, 3 after a read index */
    uint8_t dac_read_index, dac_write_index, dac_read_sub, dac_write_sub;
    uint8_t dac_write_buf[3];
    uint8_t dac[256 * 3];
    uint8_t latch[4];
    uint16_t dispi_index;
    uint16_t dispi[DISPI_NREGS];
    uint8_t vram[VGA_VRAM_SIZE];
};

/* Frame timing, from the CRTC and the dot clock (or fixed for VBE modes) */
struct vga_timing {
    uint64_t frame_ns, line_ns, hde_ns; /* hde_ns: active part of a line */
    unsigned lines, vde, vrs, vre;      /* display lines [0,vde), retrace lines [vrs,vre) */
};

void vga_get_timing(const struct vga *v, struct vga_timing *t);

/* the memory-write paths: vram byte addr (of plane addr & 3 in planar
 * terms) changed in the planes set in planes */
static inline void vga_mark_vram(struct vga *v, uint32_t addr, uint8_t planes)
{
    uint32_t u = addr >> VGA_DIRTY_SHIFT;
    v->mem_dirty[u] |= planes;
    if (u < v->mem_dirty_lo)
        v->mem_dirty_lo = u;
    if (u > v->mem_dirty_hi)
        v->mem_dirty_hi = u;
}

static inline bool vga_dispi_enabled(const struct vga *v)
{
    return v->dispi[DISPI_ENABLE] & DISPI_ENABLED;
}

/* bytes per scan line of the VBE mode */
static inline uint32_t vga_dispi_pitch(const struct vga *v)
{
    uint32_t w = v->dispi[DISPI_VIRT_WIDTH];
    unsigned bpp = v->dispi[DISPI_BPP];
    return bpp == 4 ? w / 2 : w * ((bpp + 7) / 8);
}

#endif
