/* vga.c - VGA registers, video memory, Bochs VBE DISPI and the PCI function
 * (see vga.h).  Rendering is in vga_render.c.
 *
 * References: IBM "VGA/XGA Technical Reference" register descriptions as
 * collected in FreeVGA (Sequencer, Graphics, CRTC, Attribute, DAC, external
 * registers); the Bochs VBE DISPI interface as described in Bochs' vbe.h and
 * as SeaVGABIOS (vgasrc/bochsvga.c) programs it; PCI Local Bus Specification
 * 2.1, 6.2.5.2 (expansion ROM base address register). */
#include "devices/vga.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/vga_render.h"

/* bits the guest can write in each register (others read as 0) */
static const uint8_t sr_mask[8] = {0x03, 0x3D, 0x0F, 0x3F, 0x0E, 0x00, 0x00, 0x00};
static const uint8_t gr_mask[16] = {0x0F, 0x0F, 0x0F, 0x1F, 0x03, 0x7B, 0x0F, 0x0F, 0xFF};
#define AR_NREGS 0x15
#define CR_NREGS 0x19

#define PLANE_MASK ((VGA_VRAM_SIZE / 4) - 1) /* plane offsets VBE banking can reach */

/* the legacy I/O ranges the VGA decodes */
static const struct {
    uint16_t base, size;
} io_ranges[5] = {{0x3B4, 2}, {0x3BA, 1}, {0x3C0, 16}, {0x3D4, 2}, {0x3DA, 1}};

/* ---- timing ---- */

/* The 80x25 text mode's timing (28.322 MHz, 900 dots x 449 lines = 70 Hz), used
 * while the CRTC holds nothing sensible (power-on, half-programmed). */
static void default_timing(struct vga_timing *t)
{
    t->line_ns = 900ull * NS_PER_SEC / 28322000;
    t->hde_ns = 720ull * NS_PER_SEC / 28322000;
    t->lines = 449;
    t->vde = 400;
    t->vrs = 412;
    t->vre = 414;
    t->frame_ns = t->line_ns * t->lines;
}

void vga_get_timing(const struct vga *v, struct vga_timing *t)
{
    if (vga_dispi_enabled(v)) {
        /* VBE modes: 60 Hz, blanking about 5% of the lines */
        unsigned yres = v->dispi[DISPI_YRES] ? v->dispi[DISPI_YRES] : 480;
        t->lines = yres + yres / 20 + 8;
        t->frame_ns = NS_PER_SEC / 60;
        t->line_ns = t->frame_ns / t->lines;
        t->hde_ns = t->line_ns * 4 / 5;
        t->vde = yres;
        t->vrs = yres + 3;
        t->vre = yres + 5;
        return;
    }
    /* misc output bits 2-3: clock select 0 = 25.175 MHz, 1 = 28.322 MHz */
    uint64_t dot_hz = ((v->misc >> 2) & 3) == 1 ? 28322000 : 25175000;
    unsigned char_dots = (v->sr[1] & 0x01) ? 8 : 9;
    if (v->sr[1] & 0x08) /* dot clock divided by two */
        char_dots *= 2;
    unsigned htotal = v->cr[0x00] + 5u, hde = v->cr[0x01] + 1u;
    unsigned vtotal = (v->cr[0x06] | (v->cr[0x07] & 0x01) << 8 | (v->cr[0x07] & 0x20) << 4) + 2u;
    unsigned vde = (v->cr[0x12] | (v->cr[0x07] & 0x02) << 7 | (v->cr[0x07] & 0x40) << 3) + 1u;
    unsigned vrs = v->cr[0x10] | (v->cr[0x07] & 0x04) << 6 | (v->cr[0x07] & 0x80) << 2;
    /* the retrace ends when the line counter's low four bits match CR11 */
    unsigned vr_len = ((v->cr[0x11] & 0x0F) - (vrs & 0x0F)) & 0x0F;
    if (vr_len == 0)
        vr_len = 16;
    t->line_ns = (uint64_t)htotal * char_dots * NS_PER_SEC / dot_hz;
    t->hde_ns = (uint64_t)hde * char_dots * NS_PER_SEC / dot_hz;
    t->lines = vtotal;
    t->vde = vde;
    t->vrs = vrs;
    t->vre = vrs + vr_len;
    t->frame_ns = t->line_ns * t->lines;
    if (hde >= htotal || vde > vtotal || vtotal < 100 || vrs >= vtotal || t->frame_ns < NS_PER_SEC / 200 ||
        t->frame_ns > NS_PER_SEC / 20)
        default_timing(t);
}

/* Input status 1: bit 0 = display disabled (horizontal or vertical blanking),
 * bit 3 = vertical retrace. */
static uint8_t input_status1(struct vga *v)
{
    struct vga_timing t;
    vga_get_timing(v, &t);
    uint64_t in_frame = timerq_now(v->tq) % t.frame_ns;
    unsigned line = (unsigned)(in_frame / t.line_ns);
    uint64_t in_line = in_frame % t.line_ns;
    uint8_t st = 0;
    if (line >= t.vde || in_line >= t.hde_ns)
        st |= 0x01;
    if (line >= t.vrs && line < t.vre)
        st |= 0x08;
    return st;
}

/* ---- video memory through A0000h-BFFFFh ---- */

/* Where a window offset (from A0000h) lands per the graphics controller's
 * memory map select (GR6 bits 2-3); false when outside the window. */
static bool window_offset(const struct vga *v, uint32_t off, uint32_t *rel)
{
    switch ((v->gr[6] >> 2) & 3) {
    case 0: /* A0000h, 128 KB */
        *rel = off;
        return true;
    case 1: /* A0000h, 64 KB */
        *rel = off;
        return off < 0x10000;
    case 2: /* B0000h, 32 KB */
        *rel = off - 0x10000;
        return off >= 0x10000 && off < 0x18000;
    default: /* B8000h, 32 KB */
        *rel = off - 0x18000;
        return off >= 0x18000;
    }
}

/* VBE packed-pixel modes see the 64 KB window at A0000h as a bank of linear memory */
static bool vbe_linear_window(const struct vga *v)
{
    return vga_dispi_enabled(v) && v->dispi[DISPI_BPP] > 4;
}

static uint32_t bank_base(const struct vga *v)
{
    return (uint32_t)v->dispi[DISPI_BANK] << 16;
}

/* plane offset of a (window-relative) planar address: VGA planes are 64 KB;
 * VBE's 4-bit modes reach further through the bank */
static uint32_t plane_offset(const struct vga *v, uint32_t a)
{
    if (vga_dispi_enabled(v))
        return (bank_base(v) + a) & PLANE_MASK;
    return a & 0xFFFF;
}

static uint8_t mem_read_byte(struct vga *v, uint32_t off)
{
    uint32_t rel;
    if (vbe_linear_window(v)) {
        if (off >= 0x10000)
            return 0xFF;
        return v->vram[(bank_base(v) + off) % VGA_VRAM_SIZE];
    }
    if (!window_offset(v, off, &rel))
        return 0xFF;
    unsigned plane;
    uint32_t a;
    if (v->sr[4] & 0x08) { /* chain 4: A0-A1 pick the plane */
        plane = rel & 3;
        a = rel & ~3u;
    } else if (v->gr[5] & 0x10) { /* host odd/even: A0 picks the plane within the read map pair */
        plane = (v->gr[4] & 2) | (rel & 1);
        a = rel & ~1u;
    } else {
        plane = v->gr[4] & 3;
        a = rel;
    }
    a = plane_offset(v, a);
    const uint8_t *p = &v->vram[a * 4];
    memcpy(v->latch, p, 4); /* every read loads all four latches */
    if (v->gr[5] & 0x08) {
        /* read mode 1 (color compare): a 1 bit where every plane selected by
         * color don't care (GR7) matches color compare (GR2) */
        uint8_t diff = 0;
        for (unsigned i = 0; i < 4; i++)
            if (v->gr[7] & (1u << i))
                diff |= (uint8_t)(p[i] ^ ((v->gr[2] >> i) & 1 ? 0xFF : 0x00));
        return (uint8_t)~diff;
    }
    return p[plane];
}

static uint8_t rotate_right(uint8_t x, unsigned n)
{
    n &= 7;
    return n ? (uint8_t)((x >> n) | (x << (8 - n))) : x;
}

static uint8_t alu(const struct vga *v, uint8_t d, uint8_t latch)
{
    switch ((v->gr[3] >> 3) & 3) {
    case 1:
        return d & latch;
    case 2:
        return d | latch;
    case 3:
        return d ^ latch;
    default:
        return d;
    }
}

static void mem_write_byte(struct vga *v, uint32_t off, uint8_t val)
{
    uint32_t rel;
    if (vbe_linear_window(v)) {
        if (off < 0x10000) {
            uint32_t a = (bank_base(v) + off) % VGA_VRAM_SIZE;
            v->vram[a] = val;
            vga_mark_vram(v, a, (uint8_t)(1u << (a & 3)));
        }
        return;
    }
    if (!window_offset(v, off, &rel))
        return;
    unsigned planes;
    uint32_t a;
    if (v->sr[4] & 0x08) { /* chain 4 */
        planes = 1u << (rel & 3);
        a = rel & ~3u;
    } else if (!(v->sr[4] & 0x04)) { /* odd/even: even addresses to planes 0/2, odd to 1/3 */
        planes = (rel & 1) ? 0xA : 0x5;
        a = rel & ~1u;
    } else {
        planes = 0xF;
        a = rel;
    }
    planes &= v->sr[2]; /* map mask */
    if (!planes)
        return;
    a = plane_offset(v, a);
    uint8_t *p = &v->vram[a * 4];

    /* the graphics controller's write data path, per plane */
    uint8_t data[4];
    uint8_t mask = v->gr[8];
    unsigned mode = v->gr[5] & 3;
    uint8_t rotated = rotate_right(val, v->gr[3]);
    if (mode == 3)
        mask &= rotated;
    for (unsigned i = 0; i < 4; i++) {
        uint8_t sr_bits = (v->gr[0] >> i) & 1 ? 0xFF : 0x00; /* set/reset */
        uint8_t d;
        switch (mode) {
        case 0:
            d = (v->gr[1] >> i) & 1 ? sr_bits : rotated; /* enable set/reset */
            break;
        case 1:
            data[i] = v->latch[i]; /* latches straight back, no ALU or bit mask */
            continue;
        case 2:
            d = (val >> i) & 1 ? 0xFF : 0x00;
            break;
        default:
            d = sr_bits;
            break;
        }
        d = alu(v, d, v->latch[i]);
        data[i] = (uint8_t)((d & mask) | (v->latch[i] & ~mask));
    }
    for (unsigned i = 0; i < 4; i++)
        if (planes & (1u << i))
            p[i] = data[i];
    vga_mark_vram(v, a * 4, (uint8_t)planes);
}

static uint64_t vga_mem_read(void *opaque, uint64_t offset, unsigned size)
{
    struct vga *v = opaque;
    uint64_t r = 0;
    for (unsigned i = 0; i < size; i++)
        r |= (uint64_t)mem_read_byte(v, (uint32_t)offset + i) << (8 * i);
    return r;
}

static void vga_mem_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    struct vga *v = opaque;
    for (unsigned i = 0; i < size; i++)
        mem_write_byte(v, (uint32_t)offset + i, (uint8_t)(value >> (8 * i)));
}

static const struct bus_ops vga_mem_ops = {
    .read = vga_mem_read,
    .write = vga_mem_write,
    .widths = BUS_W8 | BUS_W16 | BUS_W32,
};

/* ---- linear framebuffer (BAR0) and expansion ROM ---- */

static uint64_t lfb_read(void *opaque, uint64_t offset, unsigned size)
{
    struct vga *v = opaque;
    uint64_t r = 0;
    for (unsigned i = 0; i < size; i++)
        r |= (uint64_t)v->vram[(offset + i) % VGA_VRAM_SIZE] << (8 * i);
    return r;
}

static void lfb_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    struct vga *v = opaque;
    for (unsigned i = 0; i < size; i++) {
        uint32_t a = (uint32_t)((offset + i) % VGA_VRAM_SIZE);
        v->vram[a] = (uint8_t)(value >> (8 * i));
        vga_mark_vram(v, a, (uint8_t)(1u << (a & 3)));
    }
}

static const struct bus_ops lfb_ops = {
    .read = lfb_read,
    .write = lfb_write,
    .widths = BUS_WALL,
};

static uint64_t rom_read(void *opaque, uint64_t offset, unsigned size)
{
    struct vga *v = opaque;
    uint64_t r = 0;
    for (unsigned i = 0; i < size && offset + i < v->rom_size; i++)
        r |= (uint64_t)v->rom[offset + i] << (8 * i);
    return r;
}

static const struct bus_ops rom_ops = {
    .read = rom_read,
    .write = NULL, /* read-only */
    .widths = BUS_W8 | BUS_W16 | BUS_W32,
};

#define PCI_ROM_ADDRESS 0x30

/* map the ROM where the ROM BAR points while it and memory decoding are enabled */
static void update_rom_mapping(struct vga *v)
{
    if (!v->rom)
        return;
    uint32_t bar = pci_get32(&v->pci, PCI_ROM_ADDRESS);
    uint32_t addr = bar & ~(v->rom_size - 1) & ~0x7FFu;
    bool enable = (pci_get16(&v->pci, PCI_COMMAND) & PCI_CMD_MEM) && (bar & 1) && addr != 0 &&
                  (uint64_t)addr + v->rom_size <= 0x100000000ull;
    if (v->rom_mapped && (!enable || v->rom_mapped_at != addr)) {
        bus_unmap(v->bus, BUS_MEM, v->rom_mapped_at);
        v->rom_mapped = false;
    }
    if (enable && !v->rom_mapped &&
        bus_map(v->bus, BUS_MEM, addr, v->rom_size, &rom_ops, v, "vga ROM") == 0) {
        v->rom_mapped = true;
        v->rom_mapped_at = addr;
    }
}

static bool overlaps(unsigned off, unsigned size, unsigned reg, unsigned reg_size)
{
    return off < reg + reg_size && reg < off + size;
}

static void vga_pci_config_write(struct pci_device *d, unsigned off, uint32_t value, unsigned size)
{
    (void)value;
    struct vga *v = d->opaque;
    if (overlaps(off, size, PCI_ROM_ADDRESS, 4) || overlaps(off, size, PCI_COMMAND, 2))
        update_rom_mapping(v);
}

static const struct pci_device_ops vga_pci_ops = {
    .config_write = vga_pci_config_write,
    .config_read = NULL,
};

/* reads the VGA BIOS into a power-of-two buffer; -1 with err naming the file */
static int load_rom(struct vga *v, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "VGA BIOS %s: %s", path, strerror(errno));
        return -1;
    }
    long len = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        len = ftell(f);
    if (len <= 0 || len > (16l << 20) || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        snprintf(err, errlen, "VGA BIOS %s: %s", path, len == 0 ? "empty file" : "cannot read its size");
        return -1;
    }
    uint32_t size = 2048; /* the ROM BAR's smallest size (address bits 31-11) */
    while (size < (uint32_t)len)
        size *= 2;
    v->rom = calloc(1, size);
    if (!v->rom || fread(v->rom, 1, (size_t)len, f) != (size_t)len) {
        fclose(f);
        snprintf(err, errlen, "VGA BIOS %s: %s", path, v->rom ? "short read" : "out of memory");
        return -1;
    }
    fclose(f);
    if (v->rom[0] != 0x55 || v->rom[1] != 0xAA) {
        snprintf(err, errlen, "VGA BIOS %s: not an option ROM (no 55 AA signature)", path);
        return -1;
    }
    v->rom_size = size;
    return 0;
}

/* ---- Bochs VBE DISPI ---- */

static bool dispi_bpp_valid(unsigned bpp)
{
    return bpp == 4 || bpp == 8 || bpp == 15 || bpp == 16 || bpp == 24 || bpp == 32;
}

static void dispi_fix_virt_height(struct vga *v)
{
    uint32_t pitch = vga_dispi_pitch(v);
    uint32_t h = pitch ? VGA_VRAM_SIZE / pitch : 0;
    v->dispi[DISPI_VIRT_HEIGHT] = (uint16_t)(h > 0xFFFF ? 0xFFFF : h);
}

static uint16_t dispi_read(struct vga *v)
{
    unsigned idx = v->dispi_index;
    if (idx >= DISPI_NREGS || idx > DISPI_VIDEO_MEMORY_64K)
        return 0;
    if (v->dispi[DISPI_ENABLE] & DISPI_GETCAPS) { /* the maxima instead of the current values */
        if (idx == DISPI_XRES)
            return VGA_VBE_MAX_XRES;
        if (idx == DISPI_YRES)
            return VGA_VBE_MAX_YRES;
        if (idx == DISPI_BPP)
            return VGA_VBE_MAX_BPP;
    }
    return v->dispi[idx];
}

static void dispi_enable(struct vga *v, uint16_t val)
{
    bool was = vga_dispi_enabled(v);
    if ((val & DISPI_ENABLED) && !was) {
        unsigned xres = v->dispi[DISPI_XRES], yres = v->dispi[DISPI_YRES], bpp = v->dispi[DISPI_BPP];
        uint64_t need = (uint64_t)yres * (bpp == 4 ? xres / 2 : xres * ((bpp + 7) / 8));
        if (!xres || !yres || !dispi_bpp_valid(bpp) || need > VGA_VRAM_SIZE) {
            val &= (uint16_t)~DISPI_ENABLED; /* a mode that cannot be shown stays off */
        } else {
            v->dispi[DISPI_VIRT_WIDTH] = (uint16_t)xres;
            v->dispi[DISPI_X_OFFSET] = 0;
            v->dispi[DISPI_Y_OFFSET] = 0;
            dispi_fix_virt_height(v);
            if (!(val & DISPI_NOCLEARMEM))
                memset(v->vram, 0, (size_t)need);
        }
    }
    v->dispi[DISPI_ENABLE] =
        val & (DISPI_ENABLED | DISPI_GETCAPS | DISPI_8BIT_DAC | DISPI_LFB_ENABLED | DISPI_NOCLEARMEM);
}

static void dispi_write(struct vga *v, uint16_t val)
{
    uint16_t before[DISPI_NREGS];
    memcpy(before, v->dispi, sizeof before);
    switch (v->dispi_index) {
    case DISPI_ID:
        if (val >= DISPI_ID0 && val <= DISPI_ID5)
            v->dispi[DISPI_ID] = val;
        break;
    case DISPI_XRES:
        if (val <= VGA_VBE_MAX_XRES)
            v->dispi[DISPI_XRES] = val;
        break;
    case DISPI_YRES:
        if (val <= VGA_VBE_MAX_YRES)
            v->dispi[DISPI_YRES] = val;
        break;
    case DISPI_BPP:
        if (val == 0)
            val = 8;
        if (dispi_bpp_valid(val)) {
            v->dispi[DISPI_BPP] = val;
            if (vga_dispi_enabled(v))
                dispi_fix_virt_height(v);
        }
        break;
    case DISPI_ENABLE:
        dispi_enable(v, val);
        break;
    case DISPI_BANK:
        if (val < VGA_VRAM_SIZE / 65536)
            v->dispi[DISPI_BANK] = val;
        break;
    case DISPI_VIRT_WIDTH:
        if (val) {
            v->dispi[DISPI_VIRT_WIDTH] = val;
            dispi_fix_virt_height(v);
        }
        break;
    case DISPI_X_OFFSET:
    case DISPI_Y_OFFSET:
        v->dispi[v->dispi_index] = val;
        break;
    default: /* VIRT_HEIGHT and VIDEO_MEMORY_64K are computed */
        break;
    }
    /* the bank only moves the CPU's window: banked drawing costs no redraw */
    before[DISPI_BANK] = v->dispi[DISPI_BANK];
    if (memcmp(before, v->dispi, sizeof before) != 0)
        v->dirty = true;
}

/* 1CEh index, 1CFh data; 1D0h is the data port again (where non-x86 guests
 * put it, QEMU-style) and 1D1h reads its high byte.  Byte writes shift into
 * the register from the low end, so the old Bochs BIOS's high-then-low byte
 * pairs build the full word. */
static uint64_t dispi_port_read(void *opaque, uint64_t offset, unsigned size)
{
    struct vga *v = opaque;
    uint16_t val = offset == 0 ? v->dispi_index : dispi_read(v);
    if (offset == 3)
        return val >> 8;
    return size == 1 ? (val & 0xFF) : val;
}

static void dispi_port_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    struct vga *v = opaque;
    if (offset == 0) {
        v->dispi_index = size == 1 ? (uint16_t)(v->dispi_index << 8 | (value & 0xFF)) : (uint16_t)value;
        return;
    }
    if (offset == 3)
        return;
    uint16_t val = size == 1 ? (uint16_t)(dispi_read(v) << 8 | (value & 0xFF)) : (uint16_t)value;
    dispi_write(v, val);
}

static const struct bus_ops dispi_ops = {
    .read = dispi_port_read,
    .write = dispi_port_write,
    .widths = BUS_W8 | BUS_W16,
};

/* ---- VGA registers ---- */

static bool color_io(const struct vga *v)
{
    return v->misc & 0x01; /* I/O address select: 3Dx, else 3Bx */
}

/* the CRTC and status ports of the other (unselected) adapter are not decoded */
static bool port_decoded(const struct vga *v, uint16_t port)
{
    if ((port & 0xFFF0) == 0x3B0)
        return !color_io(v);
    if ((port & 0xFFF0) == 0x3D0)
        return color_io(v);
    return true;
}

static uint8_t dac_read_data(struct vga *v)
{
    uint8_t val = v->dac[v->dac_read_index * 3 + v->dac_read_sub];
    if (++v->dac_read_sub == 3) {
        v->dac_read_sub = 0;
        v->dac_read_index++;
    }
    return val;
}

/* the DAC takes a colour once all three components have arrived */
static void dac_write_data(struct vga *v, uint8_t val)
{
    v->dac_write_buf[v->dac_write_sub] = (v->dispi[DISPI_ENABLE] & DISPI_8BIT_DAC) ? val : val & 0x3F;
    if (++v->dac_write_sub == 3) {
        uint8_t *e = &v->dac[v->dac_write_index * 3];
        if (memcmp(e, v->dac_write_buf, 3) != 0) {
            memcpy(e, v->dac_write_buf, 3);
            v->dirty = true;
        }
        v->dac_write_sub = 0;
        v->dac_write_index++;
    }
}

static uint8_t vga_port_in(struct vga *v, uint16_t port)
{
    if (!port_decoded(v, port))
        return 0xFF;
    switch (port) {
    case 0x3C0:
        return v->ar_index;
    case 0x3C1:
        return (v->ar_index & 0x1F) < AR_NREGS ? v->ar[v->ar_index & 0x1F] : 0;
    case 0x3C2:
        return 0x00; /* input status 0: no CRT interrupt, switch sense low */
    case 0x3C3:
        return v->vga_enable;
    case 0x3C4:
        return v->sr_index;
    case 0x3C5:
        return v->sr[v->sr_index & 7];
    case 0x3C6:
        return v->pel_mask;
    case 0x3C7:
        return v->dac_state;
    case 0x3C8:
        return v->dac_write_index;
    case 0x3C9:
        return dac_read_data(v);
    case 0x3CA:
        return v->feature;
    case 0x3CC:
        return v->misc;
    case 0x3CE:
        return v->gr_index;
    case 0x3CF:
        return v->gr[v->gr_index & 0x0F];
    case 0x3B4:
    case 0x3D4:
        return v->cr_index;
    case 0x3B5:
    case 0x3D5:
        return v->cr_index < CR_NREGS ? v->cr[v->cr_index] : 0;
    case 0x3BA:
    case 0x3DA:
        v->ar_flip = 0; /* reading input status 1 resets the attribute flip-flop */
        return input_status1(v);
    default:
        return 0xFF;
    }
}

/* Register writes redraw the screen only when they change something it
 * shows: guests rewrite the write-path registers (map mask, write mode, bit
 * mask) all the time while drawing, and a moving cursor redraws only its
 * rows. */
static void set_shown(struct vga *v, uint8_t *reg, uint8_t val)
{
    if (*reg != val) {
        *reg = val;
        v->dirty = true;
    }
}

static void crtc_write(struct vga *v, uint8_t val)
{
    unsigned i = v->cr_index;
    if (i >= CR_NREGS)
        return;
    /* CR11 bit 7 write-protects CR00-CR07, except the line compare bit 8 in CR07 */
    if ((v->cr[0x11] & 0x80) && i <= 7) {
        if (i == 7)
            set_shown(v, &v->cr[7], (uint8_t)((v->cr[7] & ~0x10) | (val & 0x10)));
        return;
    }
    if (i == 0x0A || i == 0x0B || i == 0x0E || i == 0x0F) { /* cursor start/end/location */
        if (v->cr[i] != val)
            v->cursor_dirty = true;
        v->cr[i] = val;
        return;
    }
    set_shown(v, &v->cr[i], val);
}

static void attr_write(struct vga *v, uint8_t val)
{
    if (!v->ar_flip) {
        if ((v->ar_index ^ val) & 0x20) /* palette address source: the screen goes on or off */
            v->dirty = true;
        v->ar_index = val & 0x3F;
        v->ar_flip = 1;
        return;
    }
    v->ar_flip = 0;
    unsigned i = v->ar_index & 0x1F;
    if (i < 0x10)
        set_shown(v, &v->ar[i], val & 0x3F);
    else if (i == 0x10)
        set_shown(v, &v->ar[i], val & 0xEF);
    else if (i == 0x11)
        set_shown(v, &v->ar[i], val);
    else if (i == 0x12)
        set_shown(v, &v->ar[i], val & 0x3F);
    else if (i == 0x13 || i == 0x14)
        set_shown(v, &v->ar[i], val & 0x0F);
}

static void vga_port_out(struct vga *v, uint16_t port, uint8_t val)
{
    if (!port_decoded(v, port))
        return;
    switch (port) {
    case 0x3C0:
        attr_write(v, val);
        break;
    case 0x3C2:
        set_shown(v, &v->misc, val);
        break;
    case 0x3C3:
        v->vga_enable = val & 0x01;
        break;
    case 0x3C4:
        v->sr_index = val & 0x07;
        break;
    case 0x3C5:
        /* the picture depends on clocking mode (SR01) and character map select (SR03) */
        if (v->sr_index == 1 || v->sr_index == 3)
            set_shown(v, &v->sr[v->sr_index], val & sr_mask[v->sr_index]);
        else
            v->sr[v->sr_index] = val & sr_mask[v->sr_index];
        break;
    case 0x3C6:
        set_shown(v, &v->pel_mask, val);
        break;
    case 0x3C7:
        v->dac_read_index = val;
        v->dac_read_sub = 0;
        v->dac_state = 3;
        break;
    case 0x3C8:
        v->dac_write_index = val;
        v->dac_write_sub = 0;
        v->dac_state = 0;
        break;
    case 0x3C9:
        dac_write_data(v, val);
        break;
    case 0x3CE:
        v->gr_index = val & 0x0F;
        break;
    case 0x3CF: {
        /* shown: GR05 bits 5-6 (shift register mode), GR06 bit 0 (graphics) */
        uint8_t *r = &v->gr[v->gr_index], nv = val & gr_mask[v->gr_index];
        uint8_t shown = v->gr_index == 5 ? 0x60 : v->gr_index == 6 ? 0x01 : 0x00;
        if ((*r ^ nv) & shown)
            v->dirty = true;
        *r = nv;
        break;
    }
    case 0x3B4:
    case 0x3D4:
        v->cr_index = val;
        break;
    case 0x3B5:
    case 0x3D5:
        crtc_write(v, val);
        break;
    case 0x3BA:
    case 0x3DA:
        v->feature = val & 0x03;
        break;
    default:
        break; /* read-only or unused */
    }
}

static uint64_t vga_io_read(void *opaque, uint64_t offset, unsigned size)
{
    (void)size;
    struct vga_io_window *w = opaque;
    return vga_port_in(w->vga, (uint16_t)(w->base + offset));
}

static void vga_io_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    (void)size;
    struct vga_io_window *w = opaque;
    vga_port_out(w->vga, (uint16_t)(w->base + offset), (uint8_t)value);
}

/* byte ports: the bus splits OUT DX,AX to 3C4h/3CEh/3D4h into index then data */
static const struct bus_ops vga_io_ops = {
    .read = vga_io_read,
    .write = vga_io_write,
    .widths = BUS_W8,
};

/* ---- life cycle ---- */

void vga_reset(struct vga *v)
{
    v->misc = v->feature = v->vga_enable = 0;
    v->sr_index = v->gr_index = v->cr_index = v->ar_index = v->ar_flip = 0;
    memset(v->sr, 0, sizeof v->sr);
    memset(v->gr, 0, sizeof v->gr);
    memset(v->cr, 0, sizeof v->cr);
    memset(v->ar, 0, sizeof v->ar);
    v->pel_mask = 0xFF;
    v->dac_state = 0;
    v->dac_read_index = v->dac_write_index = v->dac_read_sub = v->dac_write_sub = 0;
    memset(v->latch, 0, sizeof v->latch);
    v->dispi_index = 0;
    memset(v->dispi, 0, sizeof v->dispi);
    v->dispi[DISPI_ID] = DISPI_ID5;
    v->dispi[DISPI_BPP] = 8;
    v->dispi[DISPI_VIDEO_MEMORY_64K] = VGA_VRAM_SIZE / 65536;
    v->dirty = true;
}

void vga_post_load(struct vga *v)
{
    v->dispi[DISPI_VIDEO_MEMORY_64K] = VGA_VRAM_SIZE / 65536;
    v->sr_index &= 7;
    v->gr_index &= 0x0F;
    v->ar_index &= 0x3F;
    if (v->has_pci)
        update_rom_mapping(v);
    v->dirty = true;
    v->last_blink = -1;
}

uint8_t *vga_vram(struct vga *v)
{
    return v->vram;
}

void vga_mark_dirty(struct vga *v)
{
    v->dirty = true;
}

struct vga *vga_new(struct bus *bus, struct pci_bus *pci, int devfn, struct timerq *tq,
                    const char *vgabios_path, char *err, size_t errlen)
{
    struct vga *v = calloc(1, sizeof *v);
    if (!v) {
        snprintf(err, errlen, "vga: out of memory");
        return NULL;
    }
    v->bus = bus;
    v->tq = tq;
    v->last_blink = -1;
    v->last_kind = -1;
    v->mem_dirty_lo = UINT32_MAX;
    vga_reset(v);

    for (int i = 0; i < 5; i++) {
        v->io[i].vga = v;
        v->io[i].base = io_ranges[i].base;
        if (bus_map(bus, BUS_IO, io_ranges[i].base, io_ranges[i].size, &vga_io_ops, &v->io[i], "vga") != 0)
            goto bus_error;
        v->io_mapped[i] = true;
    }
    if (bus_map(bus, BUS_IO, 0x1CE, 4, &dispi_ops, v, "vbe-dispi") != 0)
        goto bus_error;
    v->dispi_mapped = true;
    if (bus_map(bus, BUS_MEM, 0xA0000, 0x20000, &vga_mem_ops, v, "vga-mem") != 0)
        goto bus_error;
    v->mem_mapped = true;

    if (pci) {
        if (vgabios_path && load_rom(v, vgabios_path, err, errlen) != 0)
            goto fail;
        if (pci_device_init(&v->pci, pci, devfn, "vga", VGA_PCI_VENDOR, VGA_PCI_DEVICE, 0x02, 0x030000, 0x00,
                            &vga_pci_ops, v) != 0) {
            snprintf(err, errlen, "%s", pci_bus_error(pci));
            goto fail;
        }
        v->has_pci = true;
        pci_device_set_bar(&v->pci, 0, VGA_VRAM_SIZE, false, &lfb_ops, v);
        v->pci.config[PCI_BAR0] |= 0x08; /* prefetchable */
        if (v->rom)
            pci_device_set_wmask(&v->pci, PCI_ROM_ADDRESS, ~(v->rom_size - 1) | 1u, 4);
    }
    return v;

bus_error:
    snprintf(err, errlen, "vga: %s", bus_error(bus));
fail:
    vga_free(v);
    return NULL;
}

void vga_free(struct vga *v)
{
    if (!v)
        return;
    if (v->has_pci)
        pci_device_remove(&v->pci);
    if (v->rom_mapped)
        bus_unmap(v->bus, BUS_MEM, v->rom_mapped_at);
    if (v->mem_mapped)
        bus_unmap(v->bus, BUS_MEM, 0xA0000);
    if (v->dispi_mapped)
        bus_unmap(v->bus, BUS_IO, 0x1CE);
    for (int i = 0; i < 5; i++)
        if (v->io_mapped[i])
            bus_unmap(v->bus, BUS_IO, io_ranges[i].base);
    free(v->rom);
    free(v->fb);
    free(v->deps);
    free(v);
}

const struct vmstate_desc vga_vmstate = {
    .name = "vga",
    .version = 1,
    .fields =
        (const struct vmstate_field[]){
            VMSTATE_FIELD(struct vga, misc),
            VMSTATE_FIELD(struct vga, feature),
            VMSTATE_FIELD(struct vga, vga_enable),
            VMSTATE_FIELD(struct vga, sr_index),
            VMSTATE_ARRAY(struct vga, sr),
            VMSTATE_FIELD(struct vga, gr_index),
            VMSTATE_ARRAY(struct vga, gr),
            VMSTATE_FIELD(struct vga, cr_index),
            VMSTATE_ARRAY(struct vga, cr),
            VMSTATE_FIELD(struct vga, ar_index),
            VMSTATE_ARRAY(struct vga, ar),
            VMSTATE_FIELD(struct vga, ar_flip),
            VMSTATE_FIELD(struct vga, pel_mask),
            VMSTATE_FIELD(struct vga, dac_state),
            VMSTATE_FIELD(struct vga, dac_read_index),
            VMSTATE_FIELD(struct vga, dac_write_index),
            VMSTATE_FIELD(struct vga, dac_read_sub),
            VMSTATE_FIELD(struct vga, dac_write_sub),
            VMSTATE_ARRAY(struct vga, dac_write_buf),
            VMSTATE_ARRAY(struct vga, dac),
            VMSTATE_ARRAY(struct vga, latch),
            VMSTATE_FIELD(struct vga, dispi_index),
            VMSTATE_ARRAY(struct vga, dispi),
            VMSTATE_ARRAY(struct vga, vram),
            VMSTATE_END,
        },
};
