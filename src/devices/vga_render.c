/* vga_render.c - the current screen as 32-bit XRGB pixels (see vga.h).
 *
 * The standard VGA modes are drawn the way the CRTC scans memory: a 16-bit
 * address counter that starts at the start address (plus byte panning),
 * advances one per character clock (or every second/fourth with count-by-2/4),
 * is turned into a plane offset by byte, word or doubleword addressing (and
 * the CGA row-scan substitutions of CR17 bits 0-1), and steps by 2 x CR13
 * after each character row; line compare restarts it at 0 (the split screen).
 * Every character clock fetches one byte from each of the four planes.  The
 * attribute controller turns those bytes into colour indices (text, 16-colour
 * planar, CGA interleaved 2-bit, or 256-colour), applies horizontal pel
 * panning, the palette registers and the colour select bits, and the DAC (with
 * the pel mask) makes the colour.
 *
 * The image is at the mode's logical resolution: a scan line that the CRTC
 * repeats (double scan, or the maximum scan line of a graphics mode) appears
 * once, and a pixel the dot clock stretches (40-column text, 320-pixel
 * modes) is one pixel.  FreeVGA's register pages are the reference for every
 * bit used here. */
#include "devices/vga_render.h"

#include <stdlib.h>
#include <string.h>

#define MAX_WIDTH  4096
#define MAX_HEIGHT 4096

enum render_kind { RK_BLANK, RK_TEXT, RK_PLANAR, RK_CGA4, RK_256, RK_VBE };

/* what the CRTC and attribute controller settings mean for one frame */
struct scan {
    enum render_kind kind;
    int width, height;
    unsigned phys_lines; /* scan lines the CRTC displays */
    unsigned repeat;     /* physical lines per image line */
    unsigned cols;       /* character clocks per line */
    unsigned fetch;      /* characters a line reads: one more when panned */
    unsigned dots;       /* pixels per character clock */
    unsigned count_shift;
    unsigned max_scan;
    bool double_scan;
    unsigned line_compare;
    uint16_t start;
    uint16_t row_step;
    unsigned pan;
    /* text */
    uint32_t font_a, font_b; /* plane 2 offsets of the two character maps */
    bool cursor_on, blink_on;
};

static uint8_t c6to8(uint8_t c)
{
    c &= 0x3F;
    return (uint8_t)(c << 2 | c >> 4);
}

static uint32_t dac_rgb(const struct vga *v, unsigned idx)
{
    const uint8_t *e = &v->dac[(idx & 0xFF) * 3];
    if (v->dispi[DISPI_ENABLE] & DISPI_8BIT_DAC)
        return (uint32_t)e[0] << 16 | (uint32_t)e[1] << 8 | e[2];
    return (uint32_t)c6to8(e[0]) << 16 | (uint32_t)c6to8(e[1]) << 8 | c6to8(e[2]);
}

/* attribute controller: 4-bit colour -> DAC index */
static uint8_t attr_palette(const struct vga *v, unsigned c)
{
    c &= v->ar[0x12] & 0x0F; /* colour plane enable */
    uint8_t p = v->ar[c];
    if (v->ar[0x10] & 0x80) /* P5,P4 from the colour select register */
        p = (uint8_t)((p & 0x0F) | (v->ar[0x14] & 0x03) << 4);
    return (uint8_t)(p | (v->ar[0x14] & 0x0C) << 4);
}

/* the plane offset the CRTC reads for address counter value c on row scan rs */
static uint32_t crtc_address(const struct vga *v, uint16_t c, unsigned rs)
{
    uint32_t a;
    if (v->cr[0x14] & 0x40) /* doubleword: MA13-MA12 wrap to the bottom */
        a = (uint32_t)c << 2 | (c >> 14 & 3);
    else if (!(v->cr[0x17] & 0x40)) /* word: MA15 or MA13 becomes bit 0 (CR17 bit 5) */
        a = (uint32_t)c << 1 | ((v->cr[0x17] & 0x20 ? c >> 15 : c >> 13) & 1);
    else
        a = c;
    if (!(v->cr[0x17] & 0x01)) /* CGA compatibility: row scan bit 0 on MA13 */
        a = (a & ~0x2000u) | (rs & 1) << 13;
    if (!(v->cr[0x17] & 0x02)) /* Hercules compatibility: row scan bit 1 on MA14 */
        a = (a & ~0x4000u) | (rs >> 1 & 1) << 14;
    return a & 0xFFFF;
}

static const uint8_t *plane_bytes(const struct vga *v, uint32_t plane_offset)
{
    return &v->vram[plane_offset * 4];
}

/* the 4-bit colour of the pixel that bit mask m selects in four plane bytes */
static uint8_t planar_pixel(const uint8_t *p, unsigned m)
{
    return (uint8_t)((p[0] & m ? 1 : 0) | (p[1] & m ? 2 : 0) | (p[2] & m ? 4 : 0) | (p[3] & m ? 8 : 0));
}

static uint32_t font_base(unsigned sel)
{
    /* character map select: 0-3 = 0/16/32/48 KB, 4-7 = 8/24/40/56 KB */
    return (sel & 3) * 0x4000u + (sel >> 2) * 0x2000u;
}

static void setup_scan(const struct vga *v, struct scan *s, uint64_t frame)
{
    memset(s, 0, sizeof *s);
    s->cols = v->cr[0x01] + 1u;
    s->phys_lines = (v->cr[0x12] | (v->cr[0x07] & 0x02) << 7 | (v->cr[0x07] & 0x40) << 3) + 1u;
    s->max_scan = v->cr[0x09] & 0x1F;
    s->double_scan = v->cr[0x09] & 0x80;
    s->line_compare = v->cr[0x18] | (v->cr[0x07] & 0x10) << 4 | (v->cr[0x09] & 0x40) << 3;
    s->start = (uint16_t)((v->cr[0x0C] << 8 | v->cr[0x0D]) + ((v->cr[0x08] >> 5) & 3));
    s->row_step = (uint16_t)(2 * v->cr[0x13]);
    s->count_shift = (v->cr[0x14] & 0x20) ? 2 : (v->cr[0x17] & 0x08) ? 1 : 0;
    unsigned pan = v->ar[0x13] & 0x0F;

    if (!(v->gr[6] & 0x01)) {
        s->kind = RK_TEXT;
        s->dots = (v->sr[1] & 0x01) ? 8 : 9;
        /* 9-dot cells pan by 1-8 for 0-7 and not at all for 8; 8-dot cells by 0-7 */
        s->pan = s->dots == 9 ? (pan >= 8 ? 0 : pan + 1) : pan & 7;
        s->repeat = s->double_scan ? 2 : 1;
        uint8_t sel = v->sr[3];
        s->font_a = font_base((sel >> 2 & 3) | (sel >> 3 & 4));
        s->font_b = font_base((sel & 3) | (sel >> 2 & 4));
        /* Fixed rates derived from the vertical sync: the cursor is on for 8
         * frames and off for 8 (a 16-frame period), blinking characters
         * show for 16 frames and hide for 16 (32 frames) - IBM VGA
         * Technical Reference, CRT controller cursor and attribute mode
         * control (blink enable); FreeVGA, "Manipulating the Text-mode
         * Cursor: Blink Rate".  At 70 Hz: 4.4 and 2.2 blinks a second. */
        s->cursor_on = !(frame & 8);
        s->blink_on = !(frame & 16);
    } else if (v->gr[5] & 0x40) {
        s->kind = RK_256;
        s->dots = 4;
        s->pan = (pan & 7) >> 1;
    } else {
        s->kind = (v->gr[5] & 0x20) ? RK_CGA4 : RK_PLANAR;
        s->dots = 8;
        s->pan = pan & 7;
    }
    if (s->kind != RK_TEXT) {
        /* graphics: every row scan of a character row shows the same memory
         * unless the CGA substitution makes the row scan part of the address */
        bool cga = !(v->cr[0x17] & 0x01) || !(v->cr[0x17] & 0x02);
        s->repeat = (cga ? 1 : s->max_scan + 1) * (s->double_scan ? 2 : 1);
    }
    s->fetch = s->cols + (s->pan ? 1 : 0);
    s->width = (int)(s->cols * s->dots);
    s->height = (int)(s->phys_lines / s->repeat);
    if (s->width < 16 || s->height < 16 || s->width > MAX_WIDTH || s->height > MAX_HEIGHT)
        s->kind = RK_BLANK;
}

/* ---- what each image line depends on ---- */

static void dep_clear(struct vga_line_dep *d, uint8_t planes)
{
    d->lo = UINT32_MAX;
    d->hi = 0;
    d->planes = planes;
    d->flags = 0;
}

static void dep_add(struct vga_line_dep *d, uint32_t vram_addr)
{
    uint32_t u = vram_addr >> VGA_DIRTY_SHIFT;
    if (u < d->lo)
        d->lo = u;
    if (u > d->hi)
        d->hi = u;
}

/* whether video memory written since the last render shows in a line */
static bool dep_hit(const struct vga *v, const struct vga_line_dep *d)
{
    uint32_t lo = d->lo > v->mem_dirty_lo ? d->lo : v->mem_dirty_lo;
    uint32_t hi = d->hi < v->mem_dirty_hi ? d->hi : v->mem_dirty_hi;
    for (uint32_t u = lo; u <= hi; u++)
        if (v->mem_dirty[u] & d->planes)
            return true;
    return false;
}

/* whether plane 2 changed under either character map (text modes) */
static bool font_written(const struct vga *v, const struct scan *s)
{
    const uint32_t maps[2] = {s->font_a, s->font_b};
    for (int i = 0; i < 2; i++) {
        struct vga_line_dep d;
        dep_clear(&d, 0x04);
        dep_add(&d, maps[i] * 4);
        dep_add(&d, (maps[i] + 0x2000) * 4 - 1); /* 256 characters x 32 bytes */
        if (dep_hit(v, &d))
            return true;
    }
    return false;
}

/* which lines a render must draw */
struct redraw {
    bool all;    /* every line (mode, registers or palette changed) */
    bool cursor; /* the lines the cursor was on and is on now */
    bool blink;  /* the lines with blinking characters */
    int y0, y1;  /* out: the image lines drawn */
};

/* whether the text cursor's scan lines (whatever the blink phase) cross the
 * line at line_start, row scan rs */
static bool cursor_on_line(const struct vga *v, const struct scan *s, uint16_t line_start, unsigned rs)
{
    if (v->cr[0x0A] & 0x20) /* cursor off */
        return false;
    unsigned cstart = v->cr[0x0A] & 0x1F, cend = v->cr[0x0B] & 0x1F;
    if (rs < cstart || rs > cend)
        return false;
    uint16_t cursor = (uint16_t)((v->cr[0x0E] << 8 | v->cr[0x0F]) + ((v->cr[0x0B] >> 5) & 3));
    return (uint16_t)(cursor - line_start) <= ((s->fetch - 1) >> s->count_shift);
}

/* ---- one line of colour indices per kind ---- */

static void text_line(const struct vga *v, const struct scan *s, uint16_t line_start, unsigned rs,
                      uint8_t *idx, struct vga_line_dep *dep)
{
    uint16_t cursor = (uint16_t)((v->cr[0x0E] << 8 | v->cr[0x0F]) + ((v->cr[0x0B] >> 5) & 3));
    bool cursor_row = cursor_on_line(v, s, line_start, rs);
    bool blink_attr = v->ar[0x10] & 0x08;
    bool line_graphics = v->ar[0x10] & 0x04;
    bool underline_row = rs == (v->cr[0x14] & 0x1Fu);
    dep_clear(dep, 0x03); /* characters and attributes; the font is checked as a whole */
    if (cursor_row)
        dep->flags |= VGA_LINE_CURSOR;
    for (unsigned k = 0; k < s->fetch; k++) {
        uint16_t c = (uint16_t)(line_start + (k >> s->count_shift));
        uint32_t a = crtc_address(v, c, rs);
        dep_add(dep, a * 4);
        const uint8_t *p = plane_bytes(v, a);
        uint8_t ch = p[0], at = p[1];
        uint32_t glyph_at = ((at & 0x08) ? s->font_a : s->font_b) + ch * 32u + (rs & 31);
        uint8_t glyph = plane_bytes(v, glyph_at & 0xFFFF)[2];
        uint8_t fg = at & 0x0F, bg = at >> 4;
        /* attribute x000 x001 underlines (meant for monochrome; CR14 keeps it off-screen in colour modes) */
        if (underline_row && (at & 0x77) == 0x01)
            glyph = 0xFF;
        bool ninth = s->dots == 9 && line_graphics && ch >= 0xC0 && ch <= 0xDF && (glyph & 1);
        bool at_cursor = cursor_row && c == cursor;
        if (at_cursor && s->cursor_on) {
            glyph = 0xFF;
            ninth = true;
        }
        if (blink_attr) {
            bg &= 7;
            /* the foreground of a blinking character shows in one phase only */
            if ((at & 0x80) && fg != bg && (glyph || ninth || at_cursor))
                dep->flags |= VGA_LINE_BLINK;
            if ((at & 0x80) && !s->blink_on)
                fg = bg;
        }
        for (unsigned b = 0; b < 8; b++)
            *idx++ = (glyph & (0x80 >> b)) ? fg : bg;
        if (s->dots == 9)
            *idx++ = ninth ? fg : bg;
    }
}

static void graphics_line(const struct vga *v, const struct scan *s, uint16_t line_start, unsigned rs,
                          uint8_t *idx, struct vga_line_dep *dep)
{
    dep_clear(dep, 0x0F);
    for (unsigned k = 0; k < s->fetch; k++) {
        uint16_t c = (uint16_t)(line_start + (k >> s->count_shift));
        uint32_t a = crtc_address(v, c, rs);
        dep_add(dep, a * 4);
        const uint8_t *p = plane_bytes(v, a);
        switch (s->kind) {
        case RK_256:
            memcpy(idx, p, 4);
            idx += 4;
            break;
        case RK_CGA4:
            /* shift register interleave: 2-bit pixels, plane 0 then plane 1,
             * with planes 2/3 supplying bits 2-3 the same way */
            for (unsigned i = 0; i < 8; i++) {
                unsigned lo = i < 4 ? p[0] : p[1], hi = i < 4 ? p[2] : p[3];
                unsigned sh = 6 - 2 * (i & 3);
                *idx++ = (uint8_t)((lo >> sh & 3) | (hi >> sh & 3) << 2);
            }
            break;
        default:
            for (unsigned b = 0; b < 8; b++)
                *idx++ = planar_pixel(p, 0x80u >> b);
            break;
        }
    }
}

/* ---- whole frames ---- */

static bool fb_size(struct vga *v, int w, int h)
{
    size_t need = (size_t)w * (size_t)h;
    if (need > v->fb_cap) {
        uint32_t *fb = realloc(v->fb, need * sizeof *fb);
        if (!fb)
            return false;
        v->fb = fb;
        v->fb_cap = need;
    }
    if ((size_t)h > v->deps_cap) {
        struct vga_line_dep *d = realloc(v->deps, (size_t)h * sizeof *d);
        if (!d)
            return false;
        v->deps = d;
        v->deps_cap = (size_t)h;
    }
    v->fb_w = w;
    v->fb_h = h;
    return true;
}

static void drawn(struct redraw *r, int y)
{
    if (y < r->y0)
        r->y0 = y;
    if (y + 1 > r->y1)
        r->y1 = y + 1;
}

static bool line_needed(const struct vga *v, const struct scan *s, const struct redraw *r,
                        const struct vga_line_dep *d, uint16_t line_start, unsigned rs)
{
    if (r->all || (r->blink && (d->flags & VGA_LINE_BLINK)))
        return true;
    if (r->cursor && ((d->flags & VGA_LINE_CURSOR) || cursor_on_line(v, s, line_start, rs)))
        return true;
    return dep_hit(v, d);
}

static void render_vga(struct vga *v, const struct scan *s, struct redraw *r)
{
    uint32_t lut[256];
    bool have_lut = false;
    /* the widest line plus what panning and the extra character clocks add */
    uint8_t idx[MAX_WIDTH + 64];
    uint16_t line_start = s->start;
    unsigned rs = v->cr[0x08] & 0x1F; /* preset row scan */
    bool sub = false, split = false;
    for (unsigned y = 0; y < s->phys_lines; y++) {
        int iy = (int)(y / s->repeat);
        if (y % s->repeat == 0 && iy < s->height && line_needed(v, s, r, &v->deps[iy], line_start, rs)) {
            if (!have_lut) {
                for (unsigned i = 0; i < 256; i++)
                    lut[i] = dac_rgb(v, (s->kind == RK_256 ? i : attr_palette(v, i)) & v->pel_mask);
                have_lut = true;
            }
            if (s->kind == RK_TEXT)
                text_line(v, s, line_start, rs, idx, &v->deps[iy]);
            else
                graphics_line(v, s, line_start, rs, idx, &v->deps[iy]);
            /* AR10 bit 5: the part below the split is not panned */
            unsigned pan = split && (v->ar[0x10] & 0x20) ? 0 : s->pan;
            uint32_t *out = v->fb + (size_t)iy * (size_t)s->width;
            for (int x = 0; x < s->width; x++)
                out[x] = lut[idx[x + pan]];
            drawn(r, iy);
        }
        if (y == s->line_compare) {
            line_start = 0;
            rs = 0;
            sub = false;
            split = true;
            continue;
        }
        if (s->double_scan && !sub) {
            sub = true;
            continue;
        }
        sub = false;
        if (rs >= s->max_scan) {
            rs = 0;
            line_start = (uint16_t)(line_start + s->row_step);
        } else {
            rs++;
        }
    }
}

static uint32_t vbe_pixel(const struct vga *v, const uint32_t *lut, uint32_t a, unsigned bpp, unsigned x)
{
    const uint8_t *m = v->vram;
    switch (bpp) {
    case 8:
        return a < VGA_VRAM_SIZE ? lut[m[a]] : 0;
    case 15:
    case 16: {
        if (a + 1 >= VGA_VRAM_SIZE)
            return 0;
        unsigned p = m[a] | m[a + 1] << 8;
        unsigned r, g, b;
        if (bpp == 15) {
            r = p >> 10 & 0x1F;
            g = (p >> 5 & 0x1F) << 1 | (p >> 9 & 1);
            b = p & 0x1F;
        } else {
            r = p >> 11;
            g = p >> 5 & 0x3F;
            b = p & 0x1F;
        }
        return (uint32_t)((r << 3 | r >> 2) << 16 | (g << 2 | g >> 4) << 8 | (b << 3 | b >> 2));
    }
    case 24:
        return a + 2 < VGA_VRAM_SIZE ? (uint32_t)m[a + 2] << 16 | (uint32_t)m[a + 1] << 8 | m[a] : 0;
    case 32:
        return a + 3 < VGA_VRAM_SIZE ? (uint32_t)m[a + 2] << 16 | (uint32_t)m[a + 1] << 8 | m[a] : 0;
    default: { /* 4: planar, a is the plane offset of the byte holding pixel x */
        if (a >= VGA_VRAM_SIZE / 4)
            return 0;
        return lut[planar_pixel(&m[a * 4], 0x80u >> (x & 7))];
    }
    }
}

static void render_vbe(struct vga *v, struct redraw *r)
{
    unsigned w = v->dispi[DISPI_XRES], h = v->dispi[DISPI_YRES], bpp = v->dispi[DISPI_BPP];
    uint32_t pitch = vga_dispi_pitch(v);
    uint32_t lut[256];
    bool have_lut = false;
    unsigned x0 = v->dispi[DISPI_X_OFFSET], y0 = v->dispi[DISPI_Y_OFFSET];
    unsigned bytespp = (bpp + 7) / 8;
    for (unsigned y = 0; y < h; y++) {
        struct vga_line_dep *d = &v->deps[y];
        /* the bytes the line shows: plane bytes x 4 in the planar 4-bit mode */
        uint64_t first, last;
        if (bpp == 4) {
            uint64_t row = (uint64_t)(y0 + y) * (pitch / 4);
            first = (row + x0 / 8) * 4;
            last = (row + (x0 + w - 1) / 8) * 4 + 3;
        } else {
            first = (uint64_t)(y0 + y) * pitch + (uint64_t)x0 * bytespp;
            last = first + (uint64_t)w * bytespp - 1;
        }
        if (!r->all) {
            if (d->lo > d->hi || !dep_hit(v, d))
                continue;
        }
        dep_clear(d, 0x0F);
        if (first < VGA_VRAM_SIZE) {
            dep_add(d, (uint32_t)first);
            dep_add(d, last < VGA_VRAM_SIZE ? (uint32_t)last : VGA_VRAM_SIZE - 1);
        }
        if (!have_lut) {
            for (unsigned i = 0; i < 256; i++)
                lut[i] = dac_rgb(v, bpp == 4 ? attr_palette(v, i) : i);
            have_lut = true;
        }
        uint32_t *out = v->fb + (size_t)y * w;
        drawn(r, (int)y);
        if (bpp == 4) {
            /* one plane byte holds 8 pixels; a line is pitch/4 plane bytes */
            uint64_t row = (uint64_t)(y0 + y) * (pitch / 4);
            for (unsigned x = 0; x < w; x++) {
                uint64_t a = row + (x0 + x) / 8;
                out[x] = vbe_pixel(v, lut, a > UINT32_MAX ? UINT32_MAX : (uint32_t)a, 4, x0 + x);
            }
            continue;
        }
        if (last < VGA_VRAM_SIZE && (bpp == 32 || bpp == 8)) { /* the common cases, without the checks */
            const uint8_t *m = &v->vram[first];
            if (bpp == 32)
                for (unsigned x = 0; x < w; x++, m += 4)
                    out[x] = (uint32_t)m[2] << 16 | (uint32_t)m[1] << 8 | m[0];
            else
                for (unsigned x = 0; x < w; x++)
                    out[x] = lut[m[x]];
            continue;
        }
        for (unsigned x = 0; x < w; x++) {
            uint64_t a = first + (uint64_t)x * bytespp;
            out[x] = a >= VGA_VRAM_SIZE ? 0 : vbe_pixel(v, lut, (uint32_t)a, bpp, x);
        }
    }
}

/* forget the memory writes a render has taken in */
static void clear_mem_dirty(struct vga *v)
{
    if (v->mem_dirty_lo <= v->mem_dirty_hi)
        memset(&v->mem_dirty[v->mem_dirty_lo], 0, v->mem_dirty_hi - v->mem_dirty_lo + 1);
    v->mem_dirty_lo = UINT32_MAX;
    v->mem_dirty_hi = 0;
}

/* Drawing is incremental: registers and the DAC changing (to a new value)
 * redraw everything; a video memory write redraws the image lines that were
 * drawn from the 256 bytes around it (each line remembers the span of video
 * memory it read, see struct vga_line_dep); in text modes a font write
 * redraws everything, a cursor move or cursor blink only the rows of its old
 * and new position, and an attribute blink phase only the lines that show
 * blinking characters.  With nothing changed, a call costs the timing
 * computation and a few comparisons. */
void vga_render(struct vga *v, struct vga_frame *out)
{
    struct vga_timing t;
    vga_get_timing(v, &t);
    uint64_t frame = timerq_now(v->tq) / t.frame_ns;

    struct scan s;
    int w, h, blink = -1;
    if (vga_dispi_enabled(v)) {
        /* XRES/YRES may be rewritten while enabled; 0 shows nothing */
        w = v->dispi[DISPI_XRES];
        h = v->dispi[DISPI_YRES];
        s.kind = w && h ? RK_VBE : RK_BLANK;
        if (!w || !h) {
            w = 640;
            h = 480;
        }
    } else {
        setup_scan(v, &s, frame);
        /* screen off: palette address source clear (AR index bit 5) or SR01 bit 5 */
        if (!(v->ar_index & 0x20) || (v->sr[1] & 0x20))
            s.kind = RK_BLANK;
        if (s.kind == RK_BLANK) {
            w = s.width >= 16 && s.width <= MAX_WIDTH ? s.width : 640;
            h = s.height >= 16 && s.height <= MAX_HEIGHT ? s.height : 480;
        } else {
            w = s.width;
            h = s.height;
        }
        if (s.kind == RK_TEXT)
            blink = s.cursor_on | s.blink_on << 1;
    }

    struct redraw r = {.y0 = h, .y1 = 0};
    bool mem = v->mem_dirty_lo <= v->mem_dirty_hi;
    r.all = v->dirty || w != v->fb_w || h != v->fb_h || !v->fb || (int)s.kind != v->last_kind;
    if (s.kind == RK_TEXT && !r.all) {
        int phases = blink ^ v->last_blink;
        r.cursor = v->cursor_dirty || (phases & 1);
        r.blink = phases & 2;
        if (mem && font_written(v, &s))
            r.all = true;
    }
    if ((r.all || r.cursor || r.blink || mem) && (!r.all || fb_size(v, w, h))) {
        if (s.kind == RK_VBE) {
            render_vbe(v, &r);
        } else if (s.kind == RK_BLANK) {
            if (r.all) {
                memset(v->fb, 0, (size_t)w * (size_t)h * sizeof *v->fb);
                for (int y = 0; y < h; y++)
                    dep_clear(&v->deps[y], 0);
                r.y0 = 0;
                r.y1 = h;
            }
        } else {
            render_vga(v, &s, &r);
        }
        if (r.all) { /* the whole frame, even where a short mode drew no line */
            r.y0 = 0;
            r.y1 = h;
        }
        clear_mem_dirty(v);
        v->dirty = false;
        v->cursor_dirty = false;
        v->last_blink = blink;
        v->last_kind = (int)s.kind;
    }
    out->pixels = v->fb;
    out->width = v->fb_w;
    out->height = v->fb_h;
    out->dirty = r.y0 < r.y1;
    out->dirty_y0 = out->dirty ? r.y0 : 0;
    out->dirty_y1 = out->dirty ? r.y1 : 0;
    if (out->dirty)
        v->serial++;
    out->serial = v->serial;
}

uint64_t vga_frame_period_ns(struct vga *v)
{
    struct vga_timing t;
    vga_get_timing(v, &t);
    return t.frame_ns;
}

void vga_display_size(struct vga *v, bool aspect_4_3, int *w, int *h)
{
    if (vga_dispi_enabled(v)) {
        *w = v->dispi[DISPI_XRES] ? v->dispi[DISPI_XRES] : 640;
        *h = v->dispi[DISPI_YRES] ? v->dispi[DISPI_YRES] : 480;
        return;
    }
    struct scan s;
    setup_scan(v, &s, 0);
    if (s.width < 16 || s.height < 16 || s.width > MAX_WIDTH || s.height > MAX_HEIGHT) {
        *w = 640;
        *h = 480;
        return;
    }
    /* the dots the monitor shows per line: 8 or 9 per character clock, twice
     * that with the dot clock halved (SR01 bits 0 and 3) */
    unsigned char_dots = ((v->sr[1] & 0x01) ? 8 : 9) * ((v->sr[1] & 0x08) ? 2 : 1);
    unsigned phys_w = s.cols * char_dots;
    unsigned sx = (phys_w + (unsigned)s.width / 2) / (unsigned)s.width;
    unsigned sy = s.phys_lines / (unsigned)s.height;
    *w = s.width * (int)(sx ? sx : 1);
    *h = s.height * (int)(sy ? sy : 1);
    if (aspect_4_3)
        *h = *w * 3 / 4;
}

int vga_text_screen(struct vga *v, char *out, size_t outlen, int *cols, int *rows)
{
    if (vga_dispi_enabled(v))
        return -1;
    struct scan s;
    setup_scan(v, &s, 0);
    if (s.kind != RK_TEXT)
        return -1;
    /* a character row is max_scan + 1 scan lines, each shown twice with double scan */
    unsigned row_lines = (s.max_scan + 1) * (s.double_scan ? 2 : 1);
    int nrows = (int)(s.phys_lines / row_lines), ncols = (int)s.cols;
    *cols = ncols;
    *rows = nrows;
    size_t n = 0;
    uint16_t line_start = s.start;
    for (int r = 0; r < nrows; r++) {
        for (int k = 0; k < ncols && n < outlen; k++) {
            uint16_t c = (uint16_t)(line_start + ((unsigned)k >> s.count_shift));
            out[n++] = (char)plane_bytes(v, crtc_address(v, c, 0))[0];
        }
        line_start = (uint16_t)(line_start + s.row_step);
    }
    return ncols * nrows;
}
