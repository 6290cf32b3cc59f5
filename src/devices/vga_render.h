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
    bool dirty;     /* registers or memory written since the last render */
    int last_blink; /* blink phases the last text render used, -1 = none */

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
