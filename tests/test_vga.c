/* test_vga.c - the VGA through the bus as a guest drives it: register files,
 * the attribute flip-flop, DAC indexing, the graphics controller's write and
 * read modes with latches (exact plane bytes), chain-4, mode X and odd/even
 * addressing, the retrace bits against virtual time, the Bochs VBE DISPI
 * interface with banks and the LFB, the PCI function (IDs, BAR0 and ROM BAR
 * sizing, the VGA BIOS behind the ROM BAR).  Rendered images are
 * test_vga_render.c's. */
#include "devices/vga.h"

#include "test_vga_helpers.h"

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
    ck_frame_size(&f, 320, 240);
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
    ck_frame_size(&f, 640, 480);
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
