/* test_vga_render.c - rendered images of every VGA mode family and the
 * front end's API: text (9/8-dot, 40 and 80 columns, 50 lines, fonts and
 * character maps, cursor and blink), 256-colour, split screen and panning,
 * 16-colour planar, CGA 2- and 4-colour, blanking; the frame period and
 * display size a window needs; dirty tracking (an idle screen is not
 * redrawn, a write redraws only its rows, blink phases redraw exactly the
 * rows that change).  Modes are programmed with the IBM BIOS register
 * values; expected pixels are computed here from the pattern written. */
#include "devices/vga.h"

#include <time.h>

#include "test_vga_helpers.h"

/* ---- rendering ---- */

/* the size a window shows the frame at (aspect: stretched to 4:3) */
static void ck_display_size(bool aspect, int w, int h)
{
    int dw, dh;
    vga_display_size(vga, aspect, &dw, &dh);
    ck_assert_msg(dw == w && dh == h, "display size %dx%d, want %dx%d (aspect %d)", dw, dh, w, h, aspect);
}

/* glyph rows for the test font: character c, row r */
static uint8_t glyph_row(unsigned c, unsigned r)
{
    if (c == 'A')
        return (r & 1) ? 0xF0 : 0x0F;
    if (c == 0xC4) /* box drawing: a full row in the middle */
        return r == 7 ? 0xFF : 0x00;
    if (c == 'B')
        return 0x81;
    if (c == 0xB0 || c == 0xC0 || c == 0xDF || c == 0xE0) /* solid: the ninth dot shows */
        return 0xFF;
    return 0;
}

/* the font's plane 2 alone at A0000h, planar, the way the BIOS loads a
 * font */
static void font_access_begin(void)
{
    sr_w(2, 0x04);
    sr_w(4, 0x07);
    gr_w(4, 0x02);
    gr_w(5, 0x00);
    gr_w(6, 0x04);
}

/* back to text: planes 0 and 1, odd/even, at B8000h */
static void font_access_end(void)
{
    sr_w(2, 0x03);
    sr_w(4, 0x02);
    gr_w(4, 0x00);
    gr_w(5, 0x10);
    gr_w(6, 0x0E);
}

/* loads the test font into plane 2 */
static void load_font(uint32_t base, unsigned height)
{
    font_access_begin();
    for (unsigned c = 0; c < 256; c++)
        for (unsigned r = 0; r < height; r++)
            mem_w(0xA0000 + base + c * 32 + r, glyph_row(c, r));
    font_access_end();
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
    ck_frame_size(&f, 720, 400);
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
    ck_frame_size(&f, 720, 400);
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
    ck_frame_size(&f, 360, 400);
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
    ck_frame_size(&f, 320, 200);
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
    ck_frame_size(&f, 640, 480);
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
    ck_frame_size(&f, 320, 200);
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
    ck_frame_size(&f, 640, 200);
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

/* ---- more text features ---- */

START_TEST(test_render_text_8dot_and_panning)
{
    set_mode(&mode03);
    dac_fill();
    load_font(0, 16);
    text_cell(0, 0, 'B', 0x1E); /* 81h: dots 0 and 7 */
    text_cell(0, 1, 'B', 0x1E);
    uint32_t fg = dac_color(0x3E), bg = dac_color(0x01);
    struct vga_frame f = render(); /* AR13 = 8: no panning in 9-dot cells */
    ck_assert_uint_eq(px(&f, 0, 0), fg);
    ck_assert_uint_eq(px(&f, 7, 0), fg);
    ck_assert_uint_eq(px(&f, 8, 0), bg); /* the ninth dot */
    ck_assert_uint_eq(px(&f, 9, 0), fg);
    /* 9-dot cells: AR13 = 0 shifts by 1 dot, 7 by 8 (FreeVGA, Horizontal
     * Pixel Panning Register) */
    ar_w(0x13, 0);
    f = render();
    ck_assert_uint_eq(px(&f, 0, 0), bg);
    ck_assert_uint_eq(px(&f, 6, 0), fg);
    ck_assert_uint_eq(px(&f, 7, 0), bg);
    ck_assert_uint_eq(px(&f, 8, 0), fg);
    ar_w(0x13, 7);
    f = render();
    ck_assert_uint_eq(px(&f, 0, 0), bg);
    ck_assert_uint_eq(px(&f, 1, 0), fg);
    /* 8-dot cells (SR01 bit 0): 640 wide, AR13 = 3 shifts by 3 */
    sr_w(1, 0x01);
    ar_w(0x13, 0);
    f = render();
    ck_assert_int_eq(f.width, 640);
    ck_assert_uint_eq(px(&f, 7, 0), fg);
    ck_assert_uint_eq(px(&f, 8, 0), fg);
    ck_assert_uint_eq(px(&f, 9, 0), bg);
    ar_w(0x13, 3);
    f = render();
    ck_assert_uint_eq(px(&f, 0, 0), bg);
    ck_assert_uint_eq(px(&f, 4, 0), fg);
    ck_assert_uint_eq(px(&f, 5, 0), fg);
    ck_assert_uint_eq(px(&f, 6, 0), bg);
}
END_TEST

/* SR03 picks two of the eight 8 KB character maps in plane 2: map A for
 * attribute bit 3 set, map B for it clear (FreeVGA, Character Map Select
 * Register): 512 characters on screen */
START_TEST(test_render_text_512_characters)
{
    set_mode(&mode03);
    dac_fill();
    load_font(0, 16); /* map 0: 'A' = 0F/F0 rows */
    font_access_begin();
    for (unsigned r = 0; r < 16; r++) { /* map 1 (16 KB) and map 4 (8 KB): 'A' solid / 'A' = 3Ch */
        mem_w(0xA0000 + 0x4000 + 'A' * 32 + r, 0xFF);
        mem_w(0xA0000 + 0x2000 + 'A' * 32 + r, 0x3C);
    }
    font_access_end();
    text_cell(0, 0, 'A', 0x1E); /* bit 3 set: map A */
    text_cell(0, 1, 'A', 0x16); /* bit 3 clear: map B */
    sr_w(3, 0x04);              /* A = map 1, B = map 0 */
    struct vga_frame f = render();
    ck_assert_uint_eq(px(&f, 0, 0), dac_color(0x3E));     /* solid */
    ck_assert_uint_eq(px(&f, 9 + 0, 0), dac_color(0x01)); /* 0Fh row */
    ck_assert_uint_eq(px(&f, 9 + 4, 0), dac_color(0x14)); /* colour 6 -> palette 14h */
    sr_w(3, 0x20);                                        /* A = map 4 (SR03 bit 5), B = map 0 */
    f = render();
    ck_assert_uint_eq(px(&f, 0, 0), dac_color(0x01));
    ck_assert_uint_eq(px(&f, 2, 0), dac_color(0x3E));
    ck_assert_uint_eq(px(&f, 6, 0), dac_color(0x01));
    sr_w(3, 0x01); /* A = map 0, B = map 1 */
    f = render();
    ck_assert_uint_eq(px(&f, 0, 0), dac_color(0x01));
    ck_assert_uint_eq(px(&f, 4, 0), dac_color(0x3E));
    ck_assert_uint_eq(px(&f, 9 + 0, 0), dac_color(0x14));
}
END_TEST

START_TEST(test_render_text_cursor_skew_and_line_graphics)
{
    set_mode(&mode03);
    dac_fill();
    load_font(0, 16);
    text_cell(1, 1, ' ', 0x1E);
    text_cell(1, 2, ' ', 0x1E);
    cr_w(0x0E, 0x00);
    cr_w(0x0F, 81);   /* row 1, column 1 */
    cr_w(0x0B, 0x2E); /* skew 1: the cursor shows one character later */
    struct vga_frame f = render();
    ck_assert_uint_eq(px(&f, 9 + 3, 16 + 13), dac_color(0x01));
    ck_assert_uint_eq(px(&f, 18 + 3, 16 + 13), dac_color(0x3E));

    /* the ninth dot repeats the eighth for C0h-DFh only (AR10 bit 2) */
    static const uint8_t chars[4] = {0xB0, 0xC0, 0xDF, 0xE0};
    for (unsigned i = 0; i < 4; i++)
        text_cell(3, i, chars[i], 0x1E);
    f = render();
    ck_assert_uint_eq(px(&f, 0 * 9 + 7, 3 * 16), dac_color(0x3E));
    ck_assert_uint_eq(px(&f, 0 * 9 + 8, 3 * 16), dac_color(0x01));
    ck_assert_uint_eq(px(&f, 1 * 9 + 8, 3 * 16), dac_color(0x3E));
    ck_assert_uint_eq(px(&f, 2 * 9 + 8, 3 * 16), dac_color(0x3E));
    ck_assert_uint_eq(px(&f, 3 * 9 + 8, 3 * 16), dac_color(0x01));
    ar_w(0x10, 0x08); /* line graphics off */
    f = render();
    ck_assert_uint_eq(px(&f, 1 * 9 + 8, 3 * 16), dac_color(0x01));
}
END_TEST

START_TEST(test_render_text_start_offset_split)
{
    set_mode(&mode03);
    dac_fill();
    load_font(0, 16);
    text_cell(0, 0, 'B', 0x1E);
    text_cell(2, 0, 'B', 0x4E);
    text_cell(5, 0, 'B', 0x2E);
    /* start address 400 = row 5 on top */
    cr_w(0x0C, 400 >> 8);
    cr_w(0x0D, 400 & 0xFF);
    struct vga_frame f = render();
    ck_assert_uint_eq(px(&f, 1, 0), dac_color(0x02));
    /* split: scan lines after 199 restart at address 0 (line compare bits
     * 8 and 9 in CR07 bit 4 and CR09 bit 6 cleared) */
    cr_w(0x18, 199);
    cr_w(0x07, 0x0F);
    cr_w(0x09, 0x0F);
    f = render();
    ck_assert_uint_eq(px(&f, 1, 0), dac_color(0x02));
    ck_assert_uint_eq(px(&f, 1, 199), dac_color(0x00)); /* row 12 + 5 = 17: blank */
    ck_assert_uint_eq(px(&f, 1, 200), dac_color(0x01));
    /* offset 50h: a row is 160 characters, so image row 1 is memory row 2 */
    cr_w(0x0C, 0);
    cr_w(0x0D, 0);
    cr_w(0x13, 0x50);
    f = render();
    ck_assert_uint_eq(px(&f, 1, 16), dac_color(0x04));
}
END_TEST

/* ---- more graphics modes ---- */

/* mode 0Dh (IBM BIOS values): 320x200x16, dot clock halved, every line
 * scanned twice (CR09 bit 7) */
static const struct mode_regs mode0d = {
    0x63,
    {0x03, 0x09, 0x0F, 0x00, 0x06},
    {0x2D, 0x27, 0x28, 0x90, 0x2B, 0x80, 0xBF, 0x1F, 0x00, 0xC0, 0x00, 0x00, 0x00,
     0x00, 0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x14, 0x00, 0x96, 0xB9, 0xE3, 0xFF},
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0F, 0xFF},
    {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x10, 0x11, 0x12,
     0x13, 0x14, 0x15, 0x16, 0x17, 0x01, 0x00, 0x0F, 0x00, 0x00},
};

START_TEST(test_render_mode0d_double_scan)
{
    set_mode(&mode0d);
    dac_fill();
    sr_w(2, 0x05);                        /* planes 0 and 2: colour 5 */
    mem_w(0xA0000 + 199 * 40 + 39, 0x80); /* last line, pixel 312 */
    sr_w(2, 0x08);                        /* plane 3: colour 8 -> palette 10h */
    mem_w(0xA0000 + 1 * 40 + 0, 0x01);    /* line 1, pixel 7 */
    struct vga_frame f = render();
    ck_frame_size(&f, 320, 200);
    ck_assert_uint_eq(px(&f, 312, 199), dac_color(0x05));
    ck_assert_uint_eq(px(&f, 313, 199), dac_color(0x00));
    ck_assert_uint_eq(px(&f, 7, 1), dac_color(0x10));
    ck_assert_uint_eq(px(&f, 7, 0), dac_color(0x00));
    ck_display_size(false, 640, 400);
    /* without double scanning the same CRTC shows 400 lines */
    cr_w(0x09, 0x40);
    f = render();
    ck_assert_int_eq(f.height, 400);
    ck_assert_uint_eq(px(&f, 7, 1), dac_color(0x10));
}
END_TEST

/* mode X at 360x480: the 28 MHz clock and 90 characters a line (Abrash,
 * Graphics Programming Black Book, chapter 47's mode table) */
START_TEST(test_render_mode_x_360x480)
{
    static const uint8_t v[][2] = {{0x00, 0x6B}, {0x01, 0x59}, {0x02, 0x5A}, {0x03, 0x8E}, {0x04, 0x5E},
                                   {0x05, 0x8A}, {0x06, 0x0D}, {0x07, 0x3E}, {0x09, 0x40}, {0x10, 0xEA},
                                   {0x11, 0xAC}, {0x12, 0xDF}, {0x13, 0x2D}, {0x15, 0xE7}, {0x16, 0x06}};
    set_unchained(0xE7, v, sizeof v / sizeof v[0]);
    dac_fill();
    sr_w(2, 0x08); /* plane 3: pixels 3, 7, ... */
    mem_w(0xA0000 + 479 * 90 + 89, 0x33);
    sr_w(2, 0x02);
    mem_w(0xA0000 + 0, 0x21);
    struct vga_frame f = render();
    ck_frame_size(&f, 360, 480);
    ck_assert_uint_eq(px(&f, 359, 479), dac_color(0x33));
    ck_assert_uint_eq(px(&f, 358, 479), dac_color(0x00));
    ck_assert_uint_eq(px(&f, 1, 0), dac_color(0x21));
    ck_assert_uint_eq(px(&f, 0, 0), dac_color(0x00));
    ck_display_size(false, 720, 480);
    /* 28.322 MHz, (6Bh + 5) x 8 = 896 dots x (20Dh + 2) = 527 lines: 59.98 Hz */
    ck_assert_uint_eq(vga_frame_period_ns(vga), (896ull * NS_PER_SEC / 28322000) * 527);
}
END_TEST

/* VBE 8 bpp with the 8-bit DAC (DISPI ENABLE bit 5) */
START_TEST(test_render_vbe8_8bit_dac)
{
    map_lfb();
    dispi_w(1, 640);
    dispi_w(2, 480);
    dispi_w(3, 8);
    dispi_w(4, 0x61);
    dac_set(5, 0x80, 0x41, 0xC3);
    bus_write(bus, BUS_MEM, LFB_ADDR + 479 * 640 + 639, 5, 1);
    struct vga_frame f = render();
    ck_assert_uint_eq(px(&f, 639, 479), 0x8041C3);
    /* virtual width 1024 and x/y offset */
    dispi_w(6, 1024);
    bus_write(bus, BUS_MEM, LFB_ADDR + 20 * 1024 + 700, 5, 1);
    dispi_w(8, 100);
    dispi_w(9, 10);
    f = render();
    ck_assert_uint_eq(px(&f, 600, 10), 0x8041C3);
    ck_assert_uint_eq(px(&f, 599, 10), 0x000000);
}
END_TEST

/* ---- dirty tracking ---- */

static void ck_rows(const struct vga_frame *f, int y0, int y1)
{
    ck_assert_msg(f->dirty && f->dirty_y0 == y0 && f->dirty_y1 == y1, "dirty %d rows [%d,%d), want [%d,%d)",
                  f->dirty, f->dirty_y0, f->dirty_y1, y0, y1);
}

static void ck_clean(const struct vga_frame *f)
{
    ck_assert_msg(!f->dirty && f->dirty_y0 == 0 && f->dirty_y1 == 0, "dirty %d rows [%d,%d), want clean",
                  f->dirty, f->dirty_y0, f->dirty_y1);
}

START_TEST(test_dirty_mode13)
{
    set_mode(&mode13);
    dac_fill();
    struct vga_frame f = render();
    ck_rows(&f, 0, 200);
    uint64_t serial = f.serial;
    f = render();
    ck_clean(&f);
    ck_assert_uint_eq(f.serial, serial); /* the same image */

    /* one byte: only its line (the 256-byte unit at 4 x 32000 = 128000 holds
     * nothing else on screen: line 100 is bytes 128000-129279 of vram) */
    mem_w(0xA0000 + 100 * 320 + 0, 0x42);
    f = render();
    ck_rows(&f, 100, 101);
    ck_assert_uint_eq(px(&f, 0, 100), dac_color(0x42));
    ck_assert_uint_eq(f.serial, serial + 1); /* the next image */
    /* one in the middle of line 150 (vram 4 x 48160 = 192640): units of 256
     * bytes can straddle two lines, never more */
    mem_w(0xA0000 + 150 * 320 + 160, 0x43);
    f = render();
    ck_assert(f.dirty && f.dirty_y0 <= 150 && f.dirty_y1 > 150 && f.dirty_y1 - f.dirty_y0 <= 2);
    ck_assert_uint_eq(px(&f, 160, 150), dac_color(0x43));

    /* off screen (past 64000): nothing to draw */
    mem_w(0xA0000 + 65000, 0x44);
    f = render();
    ck_clean(&f);

    /* registers the picture does not depend on: write path, bank, indices */
    sr_w(2, 0x03);
    gr_w(5, 0x41); /* write mode 1: bits 5-6 unchanged */
    gr_w(8, 0x0F);
    dispi_w(5, 1);
    dispi_w(5, 0);
    cr_w(0x13, 0x28); /* same value again */
    dac_set(7, 7 & 63, (7 * 3) & 63, ((7 >> 2) ^ 21) & 63);
    f = render();
    ck_clean(&f);
    /* the palette: everything */
    dac_set(7, 1, 2, 3);
    f = render();
    ck_rows(&f, 0, 200);
    ar_w(0x13, 2);
    f = render();
    ck_rows(&f, 0, 200);
}
END_TEST

START_TEST(test_dirty_text_cursor_and_blink)
{
    set_mode(&mode03);
    dac_fill();
    load_font(0, 16);
    for (unsigned i = 0; i < 80 * 25; i++)
        text_cell(i / 80, i % 80, ' ', 0x07);
    text_cell(10, 3, 'A', 0x9E); /* blinking, yellow on blue */
    cr_w(0x0E, 0x01);
    cr_w(0x0F, 0x90); /* 400: row 5, column 0; cursor lines 13-14 */
    uint64_t frame_ns = vga_frame_period_ns(vga);

    struct vga_frame f = render();
    ck_rows(&f, 0, 400);
    f = render();
    ck_clean(&f);
    /* within the first 8 frames nothing blinks */
    timerq_advance(tq, 7 * frame_ns + frame_ns / 2);
    f = render();
    ck_clean(&f);
    /* frame 8: the cursor goes off - its two scan lines only */
    timerq_advance(tq, frame_ns);
    f = render();
    ck_rows(&f, 5 * 16 + 13, 5 * 16 + 15);
    ck_assert_uint_eq(px(&f, 3, 5 * 16 + 13), dac_color(0x00));
    f = render();
    ck_clean(&f);
    /* frame 16: cursor on and characters off: cursor lines through row 10 */
    timerq_advance(tq, 8 * frame_ns);
    f = render();
    ck_rows(&f, 5 * 16 + 13, 11 * 16);
    ck_assert_uint_eq(px(&f, 3, 5 * 16 + 13), dac_color(0x07));
    ck_assert_uint_eq(px(&f, 3 * 9 + 4, 10 * 16), dac_color(0x01)); /* 'A' hidden */

    /* the cursor moves from row 5 to row 20: the old and new cursor lines */
    cr_w(0x0E, (uint8_t)((20 * 80) >> 8));
    cr_w(0x0F, (uint8_t)((20 * 80) & 0xFF));
    f = render();
    ck_rows(&f, 5 * 16 + 13, 20 * 16 + 15);
    ck_assert_uint_eq(px(&f, 3, 20 * 16 + 13), dac_color(0x07));
    ck_assert_uint_eq(px(&f, 3, 5 * 16 + 13), dac_color(0x00));

    /* cursor off (CR0A bit 5) and no blinking character: phases change nothing */
    cr_w(0x0A, 0x2D);
    text_cell(10, 3, 'A', 0x1E);
    f = render();
    ck_assert(f.dirty);
    for (int i = 0; i < 4; i++) {
        timerq_advance(tq, 8 * frame_ns);
        f = render();
        ck_clean(&f);
    }
    /* a blinking blank (no glyph pixels, fg != bg) does not change either */
    text_cell(12, 0, ' ', 0x9E);
    f = render();
    ck_rows(&f, 12 * 16, 13 * 16);
    timerq_advance(tq, 16 * frame_ns);
    f = render();
    ck_clean(&f);

    /* a write to the font (plane 2) redraws everything */
    font_access_begin();
    mem_w(0xA0000 + 'Z' * 32, 0xFF);
    f = render();
    ck_rows(&f, 0, 400);
}
END_TEST

START_TEST(test_dirty_vbe)
{
    map_lfb_and_mode(640, 480, 32);
    struct vga_frame f = render();
    ck_rows(&f, 0, 480);
    f = render();
    ck_clean(&f);
    bus_write(bus, BUS_MEM, LFB_ADDR + 300 * 2560 + 4 * 10, 0x00ABCDEF, 4);
    f = render();
    ck_rows(&f, 300, 301);
    ck_assert_uint_eq(px(&f, 10, 300), 0xABCDEF);
    /* the banked window at A0000h: bank 11 = 720896 = line 281.6 */
    dispi_w(5, 11);
    mem_w(0xA0000 + 0x100, 0x55);
    f = render();
    ck_rows(&f, 281, 282);
    /* panning: everything */
    dispi_w(9, 1);
    f = render();
    ck_rows(&f, 0, 480);
    ck_assert_uint_eq(px(&f, 10, 299), 0xABCDEF);
}
END_TEST

/* Incremental redraws against full ones: random memory writes (every
 * write mode, both planes and chain-4/odd-even paths), cursor moves, time
 * passing (blink phases) and VBE bank and LFB writes, and after each batch
 * the image vga_render kept up to date must equal the one a full redraw
 * (vga_mark_dirty) makes from scratch. */
static uint32_t xorshift(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static void ck_incremental_equals_full(int round)
{
    struct vga_frame f = render();
    size_t n = (size_t)f.width * (size_t)f.height;
    uint32_t *copy = malloc(n * sizeof *copy);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, f.pixels, n * sizeof *copy);
    int w = f.width, h = f.height;
    vga_mark_dirty(vga);
    f = render();
    ck_frame_size(&f, w, h);
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < n; i++)
        if (copy[i] != f.pixels[i] && bad++ == 0)
            first = i;
    free(copy);
    ck_assert_msg(bad == 0, "round %d: %zu pixels stale, first at (%zu,%zu)", round, bad, first % (size_t)w,
                  first / (size_t)w);
}

static void random_batch(uint32_t *seed, uint32_t window, uint32_t size, bool text)
{
    for (int i = 0; i < 40; i++) {
        uint32_t r = xorshift(seed);
        switch (r % 8) {
        case 0:
            gr_w(5, (uint8_t)((gr_r(5) & ~3u) | (r >> 8 & 3))); /* write mode */
            break;
        case 1:
            sr_w(2, (uint8_t)(r >> 8 & 0x0F)); /* map mask */
            break;
        case 2:
            gr_w(8, (uint8_t)(r >> 8)); /* bit mask */
            break;
        case 3:
            if (text) {
                cr_w(0x0E, (uint8_t)(r >> 8 & 0x07));
                cr_w(0x0F, (uint8_t)(r >> 16));
            } else {
                timerq_advance(tq, (r >> 8 & 0xFFFF) * 1000);
            }
            break;
        case 4:
            timerq_advance(tq, (uint64_t)(r >> 8 & 0xFF) * 1000000); /* up to 18 frames */
            break;
        default:
            mem_w(window + (r >> 8) % size, (uint8_t)(r >> 3));
            break;
        }
    }
    gr_w(5, (uint8_t)(gr_r(5) & ~3u));
    sr_w(2, text ? 0x03 : 0x0F);
    gr_w(8, 0xFF);
}

START_TEST(test_dirty_matches_full_redraw)
{
    uint32_t seed = 0x2545F491;
    /* text with blinking characters and a moving cursor */
    set_mode(&mode03);
    dac_fill();
    load_font(0, 16);
    for (int round = 0; round < 30; round++) {
        random_batch(&seed, 0xB8000, 4000, true);
        ck_incremental_equals_full(round);
    }
    /* 16-colour planar, every write mode */
    set_mode(&mode12);
    dac_fill();
    for (int round = 0; round < 30; round++) {
        random_batch(&seed, 0xA0000, 38400, false);
        ck_incremental_equals_full(100 + round);
    }
    /* chain-4 with a split screen and panning */
    set_mode(&mode13);
    cr_w(0x18, 150);
    cr_w(0x07, 0x0F);
    cr_w(0x09, 0x01);
    ar_w(0x13, 2);
    cr_w(0x0D, 37);
    for (int round = 0; round < 30; round++) {
        random_batch(&seed, 0xA0000, 65536, false);
        ck_incremental_equals_full(200 + round);
    }
    /* mode X */
    set_mode_x();
    for (int round = 0; round < 30; round++) {
        random_batch(&seed, 0xA0000, 65536, false);
        ck_incremental_equals_full(300 + round);
    }
    /* CGA 4-colour: interleaved banks */
    set_mode(&mode04);
    for (int round = 0; round < 30; round++) {
        random_batch(&seed, 0xB8000, 0x4000, false);
        ck_incremental_equals_full(400 + round);
    }
    /* VBE 16 bpp: LFB words and banked bytes, with an x/y offset */
    map_lfb_and_mode(640, 480, 16);
    dispi_w(6, 700);
    dispi_w(8, 3);
    dispi_w(9, 7);
    for (int round = 0; round < 30; round++) {
        for (int i = 0; i < 40; i++) {
            uint32_t r = xorshift(&seed);
            if (r & 1) {
                bus_write(bus, BUS_MEM, LFB_ADDR + (r >> 4) % (1400 * 490), r >> 7 & 0xFFFF, 2);
            } else {
                dispi_w(5, (uint16_t)(r >> 4) % 11);
                mem_w(0xA0000 + (r >> 8) % 65536, (uint8_t)r);
            }
        }
        ck_incremental_equals_full(500 + round);
    }
}
END_TEST

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: other load on the host does not count */
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

enum { N_FULL = 200 };

/* CPU time of a full redraw, ns per call: vga_render after a palette
 * change, which redraws every line (checked) */
static double full_redraw_ns(void)
{
    struct vga_frame f = render();
    int full_redraws = 0;
    uint64_t t0 = now_ns();
    for (int i = 0; i < N_FULL; i++) {
        dac_set(1, (uint8_t)(i & 63), 0, 0);
        vga_render(vga, &f);
        full_redraws += f.dirty && f.dirty_y0 == 0 && f.dirty_y1 == f.height;
    }
    uint64_t t1 = now_ns();
    ck_assert_int_eq(full_redraws, N_FULL);
    return (double)(t1 - t0) / N_FULL;
}

/* An idle screen costs a small fraction of a redraw: the time per call is
 * printed (ns), and an idle call must be at least 20 times cheaper than a
 * full mode 13h redraw (in practice it is several hundred times). */
START_TEST(test_idle_cost)
{
    set_mode(&mode13);
    dac_fill();
    for (uint32_t i = 0; i < 64000; i++)
        mem_w(0xA0000 + i, (uint8_t)(i * 7));
    struct vga_frame f = render();
    enum { N_IDLE = 20000 };
    int dirty_idle = 0;
    uint64_t t0 = now_ns();
    for (int i = 0; i < N_IDLE; i++) {
        vga_render(vga, &f);
        dirty_idle += f.dirty;
    }
    uint64_t t1 = now_ns();
    ck_assert_int_eq(dirty_idle, 0);
    double idle = (double)(t1 - t0) / N_IDLE, full = full_redraw_ns();
    printf("vga_render mode 13h: idle %.0f ns/call, full redraw %.0f ns/call\n", idle, full);
    ck_assert_msg(idle * 20 < full, "idle %.0f ns vs full %.0f ns", idle, full);

    /* for the record: one byte changed, 80x25 text, VBE 800x600x32 */
    t0 = now_ns();
    for (int i = 0; i < N_FULL; i++) {
        mem_w(0xA0000 + 32000, (uint8_t)i);
        vga_render(vga, &f);
    }
    t1 = now_ns();
    printf("vga_render mode 13h: one byte written %.0f ns/call\n", (double)(t1 - t0) / N_FULL);
    set_mode(&mode03);
    load_font(0, 16);
    printf("vga_render 80x25 text: full redraw %.0f ns/call\n", full_redraw_ns());
    map_lfb_and_mode(800, 600, 32);
    printf("vga_render VBE 800x600x32: full redraw %.0f ns/call\n", full_redraw_ns());
}
END_TEST

/* ---- what a front end needs ---- */

/* the frame rates of the IBM VGA Technical Reference: 70 Hz for 400-line
 * modes (800 or 900 dots x 449 lines), 60 Hz for 480 lines (800 x 525) */
START_TEST(test_frame_period)
{
    set_mode(&mode03);
    ck_assert_uint_eq(vga_frame_period_ns(vga), (900ull * NS_PER_SEC / 28322000) * 449);
    set_mode(&mode13);
    ck_assert_uint_eq(vga_frame_period_ns(vga), (800ull * NS_PER_SEC / 25175000) * 449);
    set_mode(&mode12);
    ck_assert_uint_eq(vga_frame_period_ns(vga), (800ull * NS_PER_SEC / 25175000) * 525);
    map_lfb_and_mode(640, 480, 32);
    ck_assert_uint_eq(vga_frame_period_ns(vga), NS_PER_SEC / 60);
}
END_TEST

START_TEST(test_display_size)
{
    set_mode(&mode03);
    ck_display_size(false, 720, 400);
    ck_display_size(true, 720, 540);
    set_mode(&mode13); /* 320x200 shown as 640x400 */
    ck_display_size(false, 640, 400);
    ck_display_size(true, 640, 480);
    set_mode(&mode04);
    ck_display_size(false, 640, 400);
    set_mode(&mode06); /* 640x200: each line twice */
    ck_display_size(false, 640, 400);
    set_mode(&mode12);
    ck_display_size(true, 640, 480);
    map_lfb_and_mode(800, 600, 16); /* VBE: square pixels, no 4:3 stretch */
    ck_display_size(true, 800, 600);
}
END_TEST

static Suite *vga_render_suite(void)
{
    Suite *s = suite_create("vga_render");
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
    tcase_add_test(draw, test_render_text_8dot_and_panning);
    tcase_add_test(draw, test_render_text_512_characters);
    tcase_add_test(draw, test_render_text_cursor_skew_and_line_graphics);
    tcase_add_test(draw, test_render_text_start_offset_split);
    tcase_add_test(draw, test_render_mode0d_double_scan);
    tcase_add_test(draw, test_render_mode_x_360x480);
    tcase_add_test(draw, test_render_vbe8_8bit_dac);
    suite_add_tcase(s, draw);

    TCase *api = tcase_create("front end");
    tcase_add_checked_fixture(api, setup, teardown);
    tcase_add_test(api, test_frame_period);
    tcase_add_test(api, test_display_size);
    tcase_add_test(api, test_dirty_mode13);
    tcase_add_test(api, test_dirty_text_cursor_and_blink);
    tcase_add_test(api, test_dirty_vbe);
    tcase_add_test(api, test_dirty_matches_full_redraw);
    tcase_add_test(api, test_idle_cost);
    suite_add_tcase(s, api);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(vga_render_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
