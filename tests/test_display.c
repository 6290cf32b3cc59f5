/* test_display.c - the window-system-free half of the front end
 * (src/ui/display.c): where the picture goes in the window, the title,
 * the thread link's queue and mailbox, and which bytes a host key sends.
 *
 * Keys are named by SDL's own SDL_SCANCODE_* constants (SDL_scancode.h)
 * and go through display_hid_key(), a real PS/2 keyboard and a real 8042;
 * the bytes expected are the Microsoft "Keyboard Scan Code Specification"
 * (rev. 1.3a, appendix C) tables for set 1 and set 2. */
#include "ui/display.h"

#include <SDL_scancode.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/bus.h"
#include "devices/i8042.h"
#include "devices/ps2kbd.h"
#include "devices/timer.h"

/* ---- geometry ---- */

static void expect_rect(struct display_rect r, int x, int y, int w, int h)
{
    ck_assert_msg(r.x == x && r.y == y && r.w == w && r.h == h, "got %d,%d %dx%d, want %d,%d %dx%d", r.x, r.y,
                  r.w, r.h, x, y, w, h);
}

START_TEST(test_fit)
{
    /* exactly one natural size (320x200 shown as 640x400) */
    expect_rect(display_fit(640, 400, 640, 400), 0, 0, 640, 400);
    /* the largest whole multiple, centred with black bars */
    expect_rect(display_fit(640, 400, 1000, 700), 180, 150, 640, 400);
    expect_rect(display_fit(640, 400, 1920, 1080), 320, 140, 1280, 800);
    expect_rect(display_fit(720, 400, 1440, 900), 0, 50, 1440, 800);
    /* a HiDPI drawable twice the window's points: scale 2 */
    expect_rect(display_fit(720, 400, 1440, 800), 0, 0, 1440, 800);
    /* 4:3: 640x400 shown as 640x480, twice in 1920x1080 */
    expect_rect(display_fit(640, 480, 1920, 1080), 320, 60, 1280, 960);
    /* smaller than one natural size: shrunk with the aspect kept */
    expect_rect(display_fit(640, 400, 320, 300), 0, 50, 320, 200);
    expect_rect(display_fit(640, 480, 800, 300), 200, 0, 400, 300);
    /* a zero-sized drawable (minimised) */
    expect_rect(display_fit(640, 480, 0, 0), 0, 0, 0, 0);
}
END_TEST

/* ---- the title ---- */

START_TEST(test_title)
{
    char t[512];
    struct display_status s = {.mips = 123.456, .busy = 0.456};
    display_title(t, sizeof t, "freedos.img", &s);
    ck_assert_str_eq(t, "dynapc - freedos.img - running, 123.5 MIPS, 46% busy");
    s.grabbed = true;
    snprintf(s.message, sizeof s.message, "saved /tmp/dynapc-20260101-120000.png");
    display_title(t, sizeof t, "freedos.img", &s);
    ck_assert_str_eq(t, "dynapc - freedos.img - running, 123.5 MIPS, 46% busy - Ctrl+Alt+G releases the "
                        "mouse - saved /tmp/dynapc-20260101-120000.png");
    s.paused = true;
    s.grabbed = false;
    s.message[0] = 0;
    display_title(t, sizeof t, "PC", &s);
    ck_assert_str_eq(t, "dynapc - PC - paused");
    s.ended = true;
    display_title(t, sizeof t, "PC", &s);
    ck_assert_str_eq(t, "dynapc - PC - stopped");
}
END_TEST

/* ---- the link ---- */

static int wakes;
static void count_wake(void *opaque)
{
    (void)opaque;
    wakes++;
}

static uint32_t got_pixels[16];
static struct display_frame taken;
static void take(void *opaque, const struct display_frame *f)
{
    (void)opaque;
    taken = *f;
    memcpy(got_pixels, f->pixels, (size_t)f->width * (size_t)f->height * sizeof *f->pixels);
}

/* hands the link frame f with rows [y0, y1) changed */
static void put_rows(struct display_link *l, struct display_frame *f, int y0, int y1)
{
    f->y0 = y0;
    f->y1 = y1;
    ck_assert_int_eq(display_link_put_frame(l, f), 0);
}

/* the window takes a frame: it must say rows [y0, y1) changed */
static void expect_take(struct display_link *l, int y0, int y1)
{
    ck_assert(display_link_take_frame(l, take, NULL));
    ck_assert_msg(taken.y0 == y0 && taken.y1 == y1, "took rows [%d,%d), want [%d,%d)", taken.y0, taken.y1, y0,
                  y1);
}

START_TEST(test_link_frames)
{
    struct display_link l;
    ck_assert_int_eq(display_link_init(&l, count_wake, NULL), 0);
    wakes = 0;
    ck_assert(!display_link_take_frame(&l, take, NULL));
    /* 3x2; the first frame is copied whole whatever rows it names */
    uint32_t a[6] = {1, 2, 3, 4, 5, 6};
    struct display_frame f = {a, 3, 2, 1, 2, 6, 4};
    ck_assert_int_eq(display_link_put_frame(&l, &f), 0);
    ck_assert_int_eq(wakes, 1);
    display_link_woken(&l);
    ck_assert(display_link_take_frame(&l, take, NULL));
    ck_assert_int_eq(taken.width, 3);
    ck_assert_int_eq(taken.height, 2);
    ck_assert_int_eq(taken.y0, 0);
    ck_assert_int_eq(taken.y1, 2);
    ck_assert_int_eq(taken.disp_w, 6);
    ck_assert_int_eq(taken.disp_h, 4);
    ck_assert_uint_eq(got_pixels[0], 1);
    ck_assert_uint_eq(got_pixels[5], 6);
    ck_assert(!display_link_take_frame(&l, take, NULL));
    /* then only the rows named are copied */
    a[0] = 10;
    a[5] = 60;
    put_rows(&l, &f, 1, 2);
    ck_assert_int_eq(wakes, 2);
    /* a second frame before the window woke: no second wake-up; the rows
     * the window must update are both frames', in either order */
    a[1] = 20;
    put_rows(&l, &f, 0, 1);
    ck_assert_int_eq(wakes, 2);
    display_link_woken(&l);
    expect_take(&l, 0, 2);
    ck_assert_uint_eq(got_pixels[0], 10);
    ck_assert_uint_eq(got_pixels[1], 20);
    ck_assert_uint_eq(got_pixels[5], 60);
    a[0] = 11;
    a[5] = 61;
    put_rows(&l, &f, 0, 1);
    put_rows(&l, &f, 1, 2);
    expect_take(&l, 0, 2);
    ck_assert_uint_eq(got_pixels[0], 11);
    ck_assert_uint_eq(got_pixels[5], 61);
    /* rows not named are not copied: the link keeps what it had */
    a[2] = 30;
    a[3] = 40;
    put_rows(&l, &f, 1, 2);
    expect_take(&l, 1, 2);
    ck_assert_uint_eq(got_pixels[2], 3);
    ck_assert_uint_eq(got_pixels[3], 40);
    /* a new size: all of it */
    uint32_t b2[4] = {7, 8, 9, 10};
    struct display_frame g = {b2, 2, 2, 1, 1, 4, 4};
    display_link_put_frame(&l, &g);
    ck_assert(display_link_take_frame(&l, take, NULL));
    ck_assert_int_eq(taken.y0, 0);
    ck_assert_int_eq(taken.y1, 2);
    ck_assert_uint_eq(got_pixels[0], 7);
    ck_assert_uint_eq(got_pixels[3], 10);
    struct display_status s = {.mips = 1.5}, out = {0};
    display_link_woken(&l);
    display_link_put_status(&l, &s);
    ck_assert(display_link_take_status(&l, &out));
    ck_assert(out.mips == 1.5);
    ck_assert(!display_link_take_status(&l, &out));
    display_link_destroy(&l);
}
END_TEST

START_TEST(test_link_queue)
{
    struct display_link l;
    ck_assert_int_eq(display_link_init(&l, NULL, NULL), 0);
    struct display_event ev = {.kind = DISPLAY_EV_KEY, .a = HID_KEY_A, .b = 1}, got;
    ck_assert(display_link_push(&l, &ev));
    /* motion with the same buttons merges; a button change does not */
    struct display_event mv = {.kind = DISPLAY_EV_MOUSE, .a = 3, .b = -2, .c = 0, .buttons = 0};
    ck_assert(display_link_push(&l, &mv));
    mv.a = 4;
    mv.b = 1;
    mv.c = 1;
    ck_assert(display_link_push(&l, &mv));
    mv.buttons = 1;
    mv.a = mv.b = mv.c = 0;
    ck_assert(display_link_push(&l, &mv));
    ck_assert(display_link_pop(&l, &got));
    ck_assert_int_eq(got.kind, DISPLAY_EV_KEY);
    ck_assert_int_eq(got.a, HID_KEY_A);
    ck_assert(display_link_pop(&l, &got));
    ck_assert_int_eq(got.kind, DISPLAY_EV_MOUSE);
    ck_assert_int_eq(got.a, 7);
    ck_assert_int_eq(got.b, -1);
    ck_assert_int_eq(got.c, 1);
    ck_assert(display_link_pop(&l, &got));
    ck_assert_uint_eq(got.buttons, 1);
    ck_assert(!display_link_pop(&l, &got));
    /* full: the push says so; nothing queued is lost */
    for (int i = 0; i < DISPLAY_QUEUE_SIZE; i++) {
        ev.a = i;
        ck_assert(display_link_push(&l, &ev));
    }
    ck_assert(!display_link_push(&l, &ev));
    for (int i = 0; i < DISPLAY_QUEUE_SIZE; i++) {
        ck_assert(display_link_pop(&l, &got));
        ck_assert_int_eq(got.a, i);
    }
    ck_assert(!display_link_pop(&l, &got));
    display_link_destroy(&l);
}
END_TEST

/* ---- keys: SDL scancode -> HID -> PS/2 keyboard -> 8042 ---- */

static struct bus *bus;
static struct timerq *tq;
static struct i8042 *kbc;
static struct ps2kbd *kbd;

static void kbd_setup(void)
{
    bus = bus_new();
    tq = timerq_new(CLOCK_MANUAL);
    kbc = i8042_new(bus, NULL, NULL, NULL, NULL);
    ck_assert_ptr_nonnull(kbc);
    kbd = ps2kbd_new(kbc, tq);
    ck_assert_ptr_nonnull(kbd);
}

static void kbd_teardown(void)
{
    ps2kbd_free(kbd);
    i8042_free(kbc);
    timerq_free(tq);
    bus_free(bus);
}

/* the controller's command byte: 61h translates set 2 into set 1, 21h not */
static void translate(bool on)
{
    bus_out(bus, 0x64, 0x60, 1);
    bus_out(bus, 0x60, on ? 0x61 : 0x21, 1);
}

/* presses and releases the SDL key; the bytes the host reads must be want */
static void expect_key(int sdl_scancode, const uint8_t *want, int n)
{
    int hid = display_hid_key(sdl_scancode);
    ck_assert_msg(hid > 0, "SDL scancode %d has no HID key", sdl_scancode);
    ps2kbd_key(kbd, hid, true);
    ps2kbd_key(kbd, hid, false);
    uint8_t got[32];
    int m = 0;
    while (m < 32 && (bus_in(bus, 0x64, 1) & I8042_STR_OBF))
        got[m++] = (uint8_t)bus_in(bus, 0x60, 1);
    char msg[200] = "";
    for (int i = 0; i < m; i++)
        snprintf(msg + strlen(msg), sizeof msg - strlen(msg), "%02x ", got[i]);
    ck_assert_msg(m == n, "SDL scancode %d: got %s, want %d bytes", sdl_scancode, msg, n);
    for (int i = 0; i < n; i++)
        ck_assert_msg(got[i] == want[i], "SDL scancode %d: got %s (byte %d, want %02x)", sdl_scancode, msg, i,
                      want[i]);
}

#define KEY(sc, ...) expect_key(sc, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

START_TEST(test_keys_set1)
{
    translate(true);
    KEY(SDL_SCANCODE_A, 0x1E, 0x9E);
    KEY(SDL_SCANCODE_GRAVE, 0x29, 0xA9);
    KEY(SDL_SCANCODE_NONUSBACKSLASH, 0x56, 0xD6);   /* the 105th key, left of Z */
    KEY(SDL_SCANCODE_NONUSHASH, 0x2B, 0xAB);        /* ISO key by Enter: same position code as backslash */
    KEY(SDL_SCANCODE_RALT, 0xE0, 0x38, 0xE0, 0xB8); /* AltGr */
    KEY(SDL_SCANCODE_RCTRL, 0xE0, 0x1D, 0xE0, 0x9D);
    KEY(SDL_SCANCODE_LGUI, 0xE0, 0x5B, 0xE0, 0xDB);
    KEY(SDL_SCANCODE_APPLICATION, 0xE0, 0x5D, 0xE0, 0xDD);
    KEY(SDL_SCANCODE_PAUSE, 0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5); /* make only */
    KEY(SDL_SCANCODE_PRINTSCREEN, 0xE0, 0x2A, 0xE0, 0x37, 0xE0, 0xB7, 0xE0, 0xAA);
    KEY(SDL_SCANCODE_SCROLLLOCK, 0x46, 0xC6);
    KEY(SDL_SCANCODE_INSERT, 0xE0, 0x52, 0xE0, 0xD2);
    KEY(SDL_SCANCODE_DELETE, 0xE0, 0x53, 0xE0, 0xD3);
    KEY(SDL_SCANCODE_LEFT, 0xE0, 0x4B, 0xE0, 0xCB);
    KEY(SDL_SCANCODE_NUMLOCKCLEAR, 0x45, 0xC5);
    KEY(SDL_SCANCODE_KP_DIVIDE, 0xE0, 0x35, 0xE0, 0xB5);
    KEY(SDL_SCANCODE_KP_MULTIPLY, 0x37, 0xB7);
    KEY(SDL_SCANCODE_KP_MINUS, 0x4A, 0xCA);
    KEY(SDL_SCANCODE_KP_PLUS, 0x4E, 0xCE);
    KEY(SDL_SCANCODE_KP_ENTER, 0xE0, 0x1C, 0xE0, 0x9C);
    KEY(SDL_SCANCODE_KP_1, 0x4F, 0xCF);
    KEY(SDL_SCANCODE_KP_0, 0x52, 0xD2);
    KEY(SDL_SCANCODE_KP_PERIOD, 0x53, 0xD3);
    KEY(SDL_SCANCODE_F11, 0x57, 0xD7);
    KEY(SDL_SCANCODE_F12, 0x58, 0xD8);
}
END_TEST

START_TEST(test_keys_set2)
{
    translate(false);
    KEY(SDL_SCANCODE_A, 0x1C, 0xF0, 0x1C);
    KEY(SDL_SCANCODE_NONUSBACKSLASH, 0x61, 0xF0, 0x61);
    KEY(SDL_SCANCODE_RALT, 0xE0, 0x11, 0xE0, 0xF0, 0x11);
    KEY(SDL_SCANCODE_PAUSE, 0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77);
    KEY(SDL_SCANCODE_PRINTSCREEN, 0xE0, 0x12, 0xE0, 0x7C, 0xE0, 0xF0, 0x7C, 0xE0, 0xF0, 0x12);
    KEY(SDL_SCANCODE_KP_DIVIDE, 0xE0, 0x4A, 0xE0, 0xF0, 0x4A);
    KEY(SDL_SCANCODE_KP_ENTER, 0xE0, 0x5A, 0xE0, 0xF0, 0x5A);
    KEY(SDL_SCANCODE_KP_5, 0x73, 0xF0, 0x73);
    KEY(SDL_SCANCODE_F7, 0x83, 0xF0, 0x83);
    KEY(SDL_SCANCODE_RGUI, 0xE0, 0x27, 0xE0, 0xF0, 0x27);
}
END_TEST

START_TEST(test_keys_not_on_a_pc)
{
    /* SDL's own codes above the HID range, and none */
    ck_assert_int_eq(display_hid_key(SDL_SCANCODE_UNKNOWN), -1);
    ck_assert_int_eq(display_hid_key(SDL_SCANCODE_AUDIOPLAY), -1);
    ck_assert_int_eq(display_hid_key(SDL_SCANCODE_MODE), -1);
    ck_assert_int_eq(display_hid_key(SDL_SCANCODE_BRIGHTNESSUP), -1);
    /* every SDL scancode in the HID range is the HID usage ID itself */
    ck_assert_int_eq(display_hid_key(SDL_SCANCODE_Z), HID_KEY_Z);
    ck_assert_int_eq(display_hid_key(SDL_SCANCODE_RGUI), HID_KEY_RGUI);
    ck_assert_int_eq(display_hid_key(SDL_SCANCODE_INTERNATIONAL1), HID_KEY_INTERNATIONAL1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("display");
    TCase *geo = tcase_create("geometry");
    tcase_add_test(geo, test_fit);
    tcase_add_test(geo, test_title);
    suite_add_tcase(s, geo);
    TCase *link = tcase_create("link");
    tcase_add_test(link, test_link_frames);
    tcase_add_test(link, test_link_queue);
    suite_add_tcase(s, link);
    TCase *keys = tcase_create("keys");
    tcase_add_checked_fixture(keys, kbd_setup, kbd_teardown);
    tcase_add_test(keys, test_keys_set1);
    tcase_add_test(keys, test_keys_set2);
    tcase_add_test(keys, test_keys_not_on_a_pc);
    suite_add_tcase(s, keys);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
