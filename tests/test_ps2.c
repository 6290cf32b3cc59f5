/* test_ps2.c - the PS/2 keyboard and mouse behind the 8042, driven the way
 * a BIOS or a kernel drives them: through ports 0x60/0x64, with IRQ1/IRQ12
 * and virtual time (CLOCK_MANUAL) for the reset delay, typematic repeat
 * and the mouse's sample rate. */
#include "devices/ps2kbd.h"
#include "devices/ps2mouse.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/bus.h"
#include "devices/i8042.h"
#include "devices/timer.h"

#define MS 1000000ull

struct probe {
    int level, rises;
};

static void probe_set(void *opaque, int n, int level)
{
    struct probe *p = opaque;
    (void)n;
    if (level && !p->level)
        p->rises++;
    p->level = level;
}

static struct bus *bus;
static struct timerq *tq;
static struct probe irq1_p, irq12_p;
static struct irq_line irq1, irq12;
static struct i8042 *kbc;
static struct ps2kbd *kbd;
static struct ps2mouse *mouse;
static unsigned led_calls, led_value;

static void led_handler(void *opaque, unsigned leds)
{
    (void)opaque;
    led_calls++;
    led_value = leds;
}

static void setup(void)
{
    bus = bus_new();
    tq = timerq_new(CLOCK_MANUAL);
    memset(&irq1_p, 0, sizeof irq1_p);
    memset(&irq12_p, 0, sizeof irq12_p);
    irq1 = irq_line_make(probe_set, &irq1_p, 1);
    irq12 = irq_line_make(probe_set, &irq12_p, 12);
    kbc = i8042_new(bus, NULL, NULL, &irq1, &irq12);
    ck_assert_ptr_nonnull(kbc);
    kbd = ps2kbd_new(kbc, tq);
    mouse = ps2mouse_new(kbc, tq);
    ck_assert_ptr_nonnull(kbd);
    ck_assert_ptr_nonnull(mouse);
    led_calls = led_value = 0;
    ps2kbd_set_led_handler(kbd, led_handler, NULL);
}

static void teardown(void)
{
    ps2mouse_free(mouse);
    ps2kbd_free(kbd);
    i8042_free(kbc);
    timerq_free(tq);
    bus_free(bus);
}

/* ---- port helpers ---- */

static uint8_t status(void)
{
    return (uint8_t)bus_in(bus, 0x64, 1);
}

static void ctl(uint8_t c)
{
    bus_out(bus, 0x64, c, 1);
}

static void kbd_out(uint8_t v)
{
    bus_out(bus, 0x60, v, 1);
}

static void aux_out(uint8_t v)
{
    ctl(0xD4);
    bus_out(bus, 0x60, v, 1);
}

static void write_ctr(uint8_t v)
{
    ctl(0x60);
    bus_out(bus, 0x60, v, 1);
}

/* everything in the output buffer now, up to max bytes; aux tells which
 * port every byte must have come from */
static int drain(uint8_t *out, int max, bool aux)
{
    int n = 0;
    while (n < max && (status() & I8042_STR_OBF)) {
        ck_assert_msg(!!(status() & I8042_STR_AUXOBF) == aux, "byte %d from the wrong port", n);
        out[n++] = (uint8_t)bus_in(bus, 0x60, 1);
    }
    return n;
}

static void expect_port(const uint8_t *want, int n, bool aux)
{
    uint8_t got[64];
    int m = drain(got, 64, aux);
    char msg[400] = "";
    for (int i = 0; i < m && i < 40; i++)
        snprintf(msg + strlen(msg), sizeof msg - strlen(msg), "%02x ", got[i]);
    ck_assert_msg(m == n, "got %d bytes (%s), want %d", m, msg, n);
    for (int i = 0; i < n; i++)
        ck_assert_msg(got[i] == want[i], "byte %d: got %02x, want %02x (%s)", i, got[i], want[i], msg);
}

#define EXPECT_KBD(...)                                                                                      \
    expect_port((const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}), false)
#define EXPECT_AUX(...)                                                                                      \
    expect_port((const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}), true)

static void expect_nothing(void)
{
    ck_assert_uint_eq(status() & I8042_STR_OBF, 0);
}

static void press(int key)
{
    ps2kbd_key(kbd, key, true);
}

static void release(int key)
{
    ps2kbd_key(kbd, key, false);
}

/* advance time 1 ms at a time, reading the keyboard's bytes as a driver
 * would; returns how many arrived */
static int advance_reading(unsigned ms)
{
    int n = 0;
    for (unsigned i = 0; i < ms; i++) {
        uint8_t b[32];
        timerq_advance(tq, MS);
        n += drain(b, 32, false);
    }
    return n;
}

static void set_scan_set(uint8_t set)
{
    kbd_out(0xF0);
    kbd_out(set);
    EXPECT_KBD(0xFA, 0xFA);
}

/* ---- keyboard ---- */

/* SeaBIOS's ps2_keyboard_setup, byte for byte: controller self test,
 * interface test, keyboard reset (ACK, then AAh after the self-test
 * delay), F5, scan-code set 2, command byte 61h, F4; then a key reaches
 * the host translated, with IRQ1. */
START_TEST(test_kbd_reset_sequence)
{
    ctl(0xAA);
    EXPECT_KBD(0x55);
    ctl(0xAB);
    EXPECT_KBD(0x00);
    write_ctr(0x30); /* both ports disabled, no IRQs */
    write_ctr(0x20); /* keyboard port enabled for the command */
    int rises = irq1_p.rises;
    kbd_out(0xFF);
    ck_assert_int_eq(irq1_p.rises, rises); /* IRQs off in the command byte */
    EXPECT_KBD(0xFA);
    timerq_advance(tq, PS2KBD_RESET_DELAY_NS - 1);
    expect_nothing();
    timerq_advance(tq, 1);
    EXPECT_KBD(0xAA);
    kbd_out(0xF5);
    EXPECT_KBD(0xFA);
    set_scan_set(0x02);
    write_ctr(0x61); /* aux disabled, translation, IRQ1 */
    kbd_out(0xF4);
    ck_assert_int_eq(irq1_p.level, 1);
    ck_assert_uint_eq(status() & (I8042_STR_OBF | I8042_STR_AUXOBF), I8042_STR_OBF);
    EXPECT_KBD(0xFA);
    ck_assert_int_eq(irq1_p.level, 0);
    rises = irq1_p.rises;
    press(HID_KEY_A);
    ck_assert_int_eq(irq1_p.rises, rises + 1);
    EXPECT_KBD(0x1E);
    release(HID_KEY_A);
    EXPECT_KBD(0x9E);
    ck_assert_int_eq(irq1_p.level, 0);
    ck_assert_int_eq(irq12_p.rises, 0);
}
END_TEST

START_TEST(test_kbd_identify)
{
    kbd_out(0xF2);
    EXPECT_KBD(0xFA, 0xAB, 0x83);
    write_ctr(0x41);
    kbd_out(0xF2);
    EXPECT_KBD(0xFA, 0xAB, 0x41); /* through the translation */
}
END_TEST

START_TEST(test_kbd_scan_set_switching)
{
    kbd_out(0xF0);
    kbd_out(0x00);
    EXPECT_KBD(0xFA, 0xFA, 0x02);
    ck_assert_int_eq(ps2kbd_scan_set(kbd), 2);
    set_scan_set(1);
    ck_assert_int_eq(ps2kbd_scan_set(kbd), 1);
    kbd_out(0xF0);
    kbd_out(0x00);
    EXPECT_KBD(0xFA, 0xFA, 0x01);
    set_scan_set(3);
    kbd_out(0xF0);
    kbd_out(0x00);
    EXPECT_KBD(0xFA, 0xFA, 0x03);
    /* translated, the answers read 43h/41h/3Fh */
    write_ctr(0x41);
    kbd_out(0xF0);
    kbd_out(0x00);
    EXPECT_KBD(0xFA, 0xFA, 0x3F);
    set_scan_set(2);
    kbd_out(0xF0);
    kbd_out(0x00);
    EXPECT_KBD(0xFA, 0xFA, 0x41);
    /* an invalid set asks for the argument again */
    kbd_out(0xF0);
    kbd_out(0x04);
    EXPECT_KBD(0xFA, 0xFE);
    kbd_out(0x01);
    EXPECT_KBD(0xFA);
    ck_assert_int_eq(ps2kbd_scan_set(kbd), 1);
    /* reset goes back to set 2 */
    kbd_out(0xFF);
    timerq_advance(tq, PS2KBD_RESET_DELAY_NS);
    EXPECT_KBD(0xFA, 0xAA);
    ck_assert_int_eq(ps2kbd_scan_set(kbd), 2);
}
END_TEST

/* The special keys, as the host sees them in set 2 untranslated (raw) and
 * translated (= set 1). */
static void check_special_keys(bool set1)
{
    press(HID_KEY_A);
    release(HID_KEY_A);
    if (set1)
        EXPECT_KBD(0x1E, 0x9E);
    else
        EXPECT_KBD(0x1C, 0xF0, 0x1C);
    press(HID_KEY_RIGHT);
    release(HID_KEY_RIGHT);
    if (set1)
        EXPECT_KBD(0xE0, 0x4D, 0xE0, 0xCD);
    else
        EXPECT_KBD(0xE0, 0x74, 0xE0, 0xF0, 0x74);
    press(HID_KEY_RALT); /* AltGr */
    release(HID_KEY_RALT);
    if (set1)
        EXPECT_KBD(0xE0, 0x38, 0xE0, 0xB8);
    else
        EXPECT_KBD(0xE0, 0x11, 0xE0, 0xF0, 0x11);
    press(HID_KEY_KP_ENTER);
    release(HID_KEY_KP_ENTER);
    if (set1)
        EXPECT_KBD(0xE0, 0x1C, 0xE0, 0x9C);
    else
        EXPECT_KBD(0xE0, 0x5A, 0xE0, 0xF0, 0x5A);
    press(HID_KEY_KP_7);
    release(HID_KEY_KP_7);
    if (set1)
        EXPECT_KBD(0x47, 0xC7);
    else
        EXPECT_KBD(0x6C, 0xF0, 0x6C);
    press(HID_KEY_KP_DIVIDE);
    release(HID_KEY_KP_DIVIDE);
    if (set1)
        EXPECT_KBD(0xE0, 0x35, 0xE0, 0xB5);
    else
        EXPECT_KBD(0xE0, 0x4A, 0xE0, 0xF0, 0x4A);
    press(HID_KEY_F7); /* the one set-2 code above 7Fh */
    release(HID_KEY_F7);
    if (set1)
        EXPECT_KBD(0x41, 0xC1);
    else
        EXPECT_KBD(0x83, 0xF0, 0x83);
    /* Pause: make only */
    press(HID_KEY_PAUSE);
    if (set1)
        EXPECT_KBD(0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5);
    else
        EXPECT_KBD(0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77);
    release(HID_KEY_PAUSE);
    expect_nothing();
    /* Ctrl+Pause is Break */
    press(HID_KEY_LCTRL);
    press(HID_KEY_PAUSE);
    release(HID_KEY_PAUSE);
    release(HID_KEY_LCTRL);
    if (set1)
        EXPECT_KBD(0x1D, 0xE0, 0x46, 0xE0, 0xC6, 0x9D);
    else
        EXPECT_KBD(0x14, 0xE0, 0x7E, 0xE0, 0xF0, 0x7E, 0xF0, 0x14);
    /* PrintScreen alone, with Shift, with Alt (SysRq) */
    press(HID_KEY_PRINTSCREEN);
    release(HID_KEY_PRINTSCREEN);
    if (set1)
        EXPECT_KBD(0xE0, 0x2A, 0xE0, 0x37, 0xE0, 0xB7, 0xE0, 0xAA);
    else
        EXPECT_KBD(0xE0, 0x12, 0xE0, 0x7C, 0xE0, 0xF0, 0x7C, 0xE0, 0xF0, 0x12);
    press(HID_KEY_RSHIFT);
    press(HID_KEY_PRINTSCREEN);
    release(HID_KEY_PRINTSCREEN);
    release(HID_KEY_RSHIFT);
    if (set1)
        EXPECT_KBD(0x36, 0xE0, 0x37, 0xE0, 0xB7, 0xB6);
    else
        EXPECT_KBD(0x59, 0xE0, 0x7C, 0xE0, 0xF0, 0x7C, 0xF0, 0x59);
    press(HID_KEY_LALT);
    press(HID_KEY_PRINTSCREEN);
    release(HID_KEY_LALT); /* the break matches the make */
    release(HID_KEY_PRINTSCREEN);
    if (set1)
        EXPECT_KBD(0x38, 0x54, 0xB8, 0xD4);
    else
        EXPECT_KBD(0x11, 0x84, 0xF0, 0x11, 0xF0, 0x84);
}

START_TEST(test_kbd_set2_untranslated)
{
    write_ctr(0x01);
    check_special_keys(false);
}
END_TEST

START_TEST(test_kbd_set2_translated_to_set1)
{
    write_ctr(0x41);
    check_special_keys(true);
}
END_TEST

START_TEST(test_kbd_set1_native)
{
    write_ctr(0x01);
    set_scan_set(1);
    check_special_keys(true);
}
END_TEST

/* Every key: set 2 through the 8042's translation must equal the native
 * set 1 (the two columns of the keyboard's table agree with the
 * controller's table). */
START_TEST(test_kbd_all_keys_set1_equals_translated_set2)
{
    int keys = 0;
    for (int usage = 1; usage < 256; usage++) {
        uint8_t xlated[32], native[32];
        write_ctr(0x41);
        press(usage);
        release(usage);
        int n1 = drain(xlated, 32, false);
        write_ctr(0x01);
        set_scan_set(1);
        press(usage);
        release(usage);
        int n2 = drain(native, 32, false);
        set_scan_set(2);
        ck_assert_msg(n1 == n2, "usage %02x: %d translated bytes, %d native", usage, n1, n2);
        ck_assert_msg(!memcmp(xlated, native, (size_t)n1), "usage %02x differs", usage);
        if (n1)
            keys++;
    }
    ck_assert_int_eq(keys, 129); /* every usage in the keyboard's table */
}
END_TEST

START_TEST(test_kbd_set3)
{
    write_ctr(0x01);
    set_scan_set(3);
    /* defaults: typing keys make only (typematic), Shift make/break,
     * function and special keys make only */
    press(HID_KEY_A);
    release(HID_KEY_A);
    EXPECT_KBD(0x1C);
    press(HID_KEY_LSHIFT);
    release(HID_KEY_LSHIFT);
    EXPECT_KBD(0x12, 0xF0, 0x12);
    press(HID_KEY_CAPSLOCK);
    release(HID_KEY_CAPSLOCK);
    EXPECT_KBD(0x14, 0xF0, 0x14);
    press(HID_KEY_RIGHT);
    release(HID_KEY_RIGHT);
    EXPECT_KBD(0x6A);
    press(HID_KEY_PAUSE);
    release(HID_KEY_PAUSE);
    EXPECT_KBD(0x62);
    press(HID_KEY_PRINTSCREEN);
    release(HID_KEY_PRINTSCREEN);
    EXPECT_KBD(0x57);
    press(HID_KEY_KP_ENTER);
    release(HID_KEY_KP_ENTER);
    EXPECT_KBD(0x79);
    press(HID_KEY_LGUI);
    release(HID_KEY_LGUI);
    EXPECT_KBD(0x8B, 0xF0, 0x8B);
    /* FA: all keys typematic and make/break (what Linux asks for) */
    kbd_out(0xFA);
    EXPECT_KBD(0xFA);
    press(HID_KEY_A);
    release(HID_KEY_A);
    EXPECT_KBD(0x1C, 0xF0, 0x1C);
    /* F9: all make only; FC 1C 32: A and B make/break again, ended by F4 */
    kbd_out(0xF9);
    EXPECT_KBD(0xFA);
    press(HID_KEY_LSHIFT);
    release(HID_KEY_LSHIFT);
    EXPECT_KBD(0x12);
    kbd_out(0xFC);
    kbd_out(0x1C);
    kbd_out(0x32);
    kbd_out(0xF4);
    EXPECT_KBD(0xFA, 0xFA, 0xFA, 0xFA);
    press(HID_KEY_A);
    release(HID_KEY_A);
    press(HID_KEY_B);
    release(HID_KEY_B);
    press(HID_KEY_C);
    release(HID_KEY_C);
    EXPECT_KBD(0x1C, 0xF0, 0x1C, 0x32, 0xF0, 0x32, 0x21);
    /* FD LGUI (a code above 7Fh is a key, not a command): make only */
    kbd_out(0xF8); /* all make/break */
    kbd_out(0xFD);
    kbd_out(0x8B);
    kbd_out(0xF4);
    EXPECT_KBD(0xFA, 0xFA, 0xFA, 0xFA);
    press(HID_KEY_LGUI);
    release(HID_KEY_LGUI);
    press(HID_KEY_D);
    release(HID_KEY_D);
    EXPECT_KBD(0x8B, 0x23, 0xF0, 0x23);
    /* F8 made keys non-typematic; FB A: A repeats again */
    press(HID_KEY_D);
    timerq_advance(tq, 2000 * MS);
    EXPECT_KBD(0x23);
    release(HID_KEY_D);
    EXPECT_KBD(0xF0, 0x23);
    kbd_out(0xFB);
    kbd_out(0x1C);
    kbd_out(0xF4);
    EXPECT_KBD(0xFA, 0xFA, 0xFA);
    press(HID_KEY_A);
    timerq_advance(tq, 500 * MS);
    EXPECT_KBD(0x1C, 0x1C);
    release(HID_KEY_A);
    expect_nothing(); /* typematic only: no break */
    /* translated set 3 still goes through the controller's table */
    write_ctr(0x41);
    press(HID_KEY_LSHIFT);
    release(HID_KEY_LSHIFT);
    EXPECT_KBD(0x2A, 0xAA);
}
END_TEST

START_TEST(test_kbd_typematic)
{
    write_ctr(0x01);
    /* default: 500 ms, then 10.9/s (a period of 91.67 ms) */
    press(HID_KEY_A);
    EXPECT_KBD(0x1C);
    timerq_advance(tq, 499 * MS);
    expect_nothing();
    timerq_advance(tq, 1 * MS);
    EXPECT_KBD(0x1C);
    timerq_advance(tq, 91 * MS);
    expect_nothing();
    timerq_advance(tq, 1 * MS);
    EXPECT_KBD(0x1C);
    ck_assert_int_eq(advance_reading(1000), 10); /* 10.9 per second */
    /* only the last key pressed repeats, and stops when it is released */
    press(HID_KEY_B);
    EXPECT_KBD(0x32);
    timerq_advance(tq, 500 * MS);
    EXPECT_KBD(0x32);
    release(HID_KEY_B);
    EXPECT_KBD(0xF0, 0x32);
    timerq_advance(tq, 2000 * MS);
    expect_nothing(); /* A is still down but does not repeat */
    release(HID_KEY_A);
    EXPECT_KBD(0xF0, 0x1C);
    /* F3 00: 250 ms, 30/s; extended keys repeat their whole make code */
    kbd_out(0xF3);
    kbd_out(0x00);
    EXPECT_KBD(0xFA, 0xFA);
    press(HID_KEY_UP);
    EXPECT_KBD(0xE0, 0x75);
    timerq_advance(tq, 250 * MS);
    EXPECT_KBD(0xE0, 0x75);
    ck_assert_int_eq(advance_reading(1000), 60);
    release(HID_KEY_UP);
    EXPECT_KBD(0xE0, 0xF0, 0x75);
    /* F3 7F: 1 s delay, 2/s */
    kbd_out(0xF3);
    kbd_out(0x7F);
    EXPECT_KBD(0xFA, 0xFA);
    press(HID_KEY_Z);
    timerq_advance(tq, 999 * MS);
    EXPECT_KBD(0x1A);
    timerq_advance(tq, 1 * MS);
    EXPECT_KBD(0x1A);
    timerq_advance(tq, 500 * MS);
    EXPECT_KBD(0x1A);
    release(HID_KEY_Z);
    EXPECT_KBD(0xF0, 0x1A);
    /* Pause never repeats */
    press(HID_KEY_PAUSE);
    EXPECT_KBD(0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77);
    timerq_advance(tq, 3000 * MS);
    expect_nothing();
    release(HID_KEY_PAUSE);
    /* while the host does not take bytes, only the first make is kept */
    ctl(0xAD);
    press(HID_KEY_X);
    timerq_advance(tq, 5000 * MS);
    release(HID_KEY_X);
    ctl(0xAE);
    EXPECT_KBD(0x22, 0xF0, 0x22);
    /* a press the host sends again (its own auto-repeat) is ignored */
    press(HID_KEY_Q);
    press(HID_KEY_Q);
    EXPECT_KBD(0x15);
    release(HID_KEY_Q);
    release(HID_KEY_Q);
    EXPECT_KBD(0xF0, 0x15);
}
END_TEST

START_TEST(test_kbd_leds)
{
    ck_assert_uint_eq(ps2kbd_leds(kbd), 0);
    kbd_out(0xED);
    EXPECT_KBD(0xFA);
    kbd_out(0x07);
    EXPECT_KBD(0xFA);
    ck_assert_uint_eq(ps2kbd_leds(kbd), PS2KBD_LED_SCROLL | PS2KBD_LED_NUM | PS2KBD_LED_CAPS);
    ck_assert_uint_eq(led_value, 7);
    unsigned calls = led_calls;
    kbd_out(0xED);
    kbd_out(0x04);
    EXPECT_KBD(0xFA, 0xFA);
    ck_assert_uint_eq(ps2kbd_leds(kbd), PS2KBD_LED_CAPS);
    ck_assert_uint_eq(led_calls, calls + 1);
    /* a command instead of the argument cancels ED */
    kbd_out(0xED);
    kbd_out(0xF2);
    EXPECT_KBD(0xFA, 0xFA, 0xAB, 0x83);
    ck_assert_uint_eq(ps2kbd_leds(kbd), PS2KBD_LED_CAPS);
    kbd_out(0x02); /* no longer an argument */
    EXPECT_KBD(0xFE);
    /* the LEDs survive F5/F6, not a reset */
    kbd_out(0xF6);
    EXPECT_KBD(0xFA);
    ck_assert_uint_eq(ps2kbd_leds(kbd), PS2KBD_LED_CAPS);
    kbd_out(0xFF);
    EXPECT_KBD(0xFA);
    ck_assert_uint_eq(ps2kbd_leds(kbd), 0);
    ck_assert_uint_eq(led_value, 0);
}
END_TEST

START_TEST(test_kbd_commands)
{
    write_ctr(0x01);
    kbd_out(0xEE); /* echo, no ACK */
    EXPECT_KBD(0xEE);
    kbd_out(0xFE); /* resend: the last byte again */
    EXPECT_KBD(0xEE);
    kbd_out(0x01); /* not a command */
    EXPECT_KBD(0xFE);
    kbd_out(0xEF);
    EXPECT_KBD(0xFE);
    /* F5: no keys until F4 */
    kbd_out(0xF5);
    EXPECT_KBD(0xFA);
    press(HID_KEY_A);
    release(HID_KEY_A);
    expect_nothing();
    kbd_out(0xF4);
    EXPECT_KBD(0xFA);
    press(HID_KEY_A);
    EXPECT_KBD(0x1C);
    kbd_out(0xFE);
    EXPECT_KBD(0x1C);
    release(HID_KEY_A);
    EXPECT_KBD(0xF0, 0x1C);
    /* F6 keeps scanning and the scan-code set */
    set_scan_set(1);
    kbd_out(0xF6);
    EXPECT_KBD(0xFA);
    press(HID_KEY_A);
    release(HID_KEY_A);
    EXPECT_KBD(0x1E, 0x9E);
    /* F4 clears keys the host has not taken */
    ctl(0xAD);
    press(HID_KEY_A);
    release(HID_KEY_A);
    kbd_out(0xF4); /* writing to the keyboard re-enables its port */
    EXPECT_KBD(0xFA);
    /* no keys during the reset's self test */
    kbd_out(0xFF);
    press(HID_KEY_A);
    release(HID_KEY_A);
    EXPECT_KBD(0xFA);
    timerq_advance(tq, PS2KBD_RESET_DELAY_NS);
    EXPECT_KBD(0xAA);
    press(HID_KEY_A);
    EXPECT_KBD(0x1C);
}
END_TEST

/* Answers to commands do not take a buffer position: they overtake keys
 * the host has not read, but never split a key's sequence. */
START_TEST(test_kbd_replies_before_keys)
{
    write_ctr(0x01);
    ctl(0xAD);
    press(HID_KEY_A);
    press(HID_KEY_RIGHT);
    kbd_out(0xF2); /* also enables the port */
    EXPECT_KBD(0xFA, 0xAB, 0x83, 0x1C, 0xE0, 0x74);
    /* the controller has taken the E0 of Left; the echo waits for the 6B */
    press(HID_KEY_B);
    press(HID_KEY_LEFT);
    ck_assert_uint_eq(bus_in(bus, 0x60, 1), 0x32);
    kbd_out(0xEE);
    EXPECT_KBD(0xE0, 0x6B, 0xEE);
}
END_TEST

START_TEST(test_kbd_overrun)
{
    static const int keys[] = {HID_KEY_A, HID_KEY_B, HID_KEY_C, HID_KEY_D, HID_KEY_E, HID_KEY_F,
                               HID_KEY_G, HID_KEY_H, HID_KEY_I, HID_KEY_J, HID_KEY_K, HID_KEY_L,
                               HID_KEY_M, HID_KEY_N, HID_KEY_O, HID_KEY_P, HID_KEY_Q, HID_KEY_R};
    write_ctr(0x11); /* keyboard clock held */
    for (int i = 0; i < 18; i++)
        press(keys[i]);
    write_ctr(0x01);
    uint8_t got[32];
    int n = drain(got, 32, false);
    ck_assert_int_eq(n, 17); /* 16 keys, the overrun code, the 18th lost */
    ck_assert_uint_eq(got[15], 0x4D);
    ck_assert_uint_eq(got[16], 0x00);
    n = 0;
    for (int i = 0; i < 18; i++) {
        release(keys[i]);
        n += drain(got, 32, false);
    }
    ck_assert_int_eq(n, 36);
    /* a sequence must fit whole; translated, the overrun code reads FFh */
    write_ctr(0x51);
    for (int i = 0; i < 15; i++)
        press(keys[i]);
    press(HID_KEY_UP); /* E0 75: two bytes, one position left */
    press(HID_KEY_S);  /* nothing after the overrun */
    write_ctr(0x41);
    n = drain(got, 32, false);
    ck_assert_int_eq(n, 16);
    ck_assert_uint_eq(got[14], 0x18); /* O */
    ck_assert_uint_eq(got[15], 0xFF);
    /* room again: keys flow */
    release(HID_KEY_S);
    EXPECT_KBD(0x9F);
    for (int i = 0; i < 15; i++)
        release(keys[i]);
    release(HID_KEY_UP);
    /* native set 1: FFh */
    write_ctr(0x01);
    drain(got, 32, false);
    set_scan_set(1);
    write_ctr(0x11);
    for (int i = 0; i < 17; i++)
        press(keys[i]);
    write_ctr(0x01);
    n = drain(got, 32, false);
    ck_assert_int_eq(n, 17);
    ck_assert_uint_eq(got[16], 0xFF);
}
END_TEST

START_TEST(test_kbd_vmstate_round_trip)
{
    write_ctr(0x01);
    kbd_out(0xED);
    kbd_out(0x02);
    kbd_out(0xF3);
    kbd_out(0x00); /* 250 ms, 30/s */
    EXPECT_KBD(0xFA, 0xFA, 0xFA, 0xFA);
    set_scan_set(3);
    kbd_out(0xFA);
    EXPECT_KBD(0xFA);
    ctl(0xAD);
    press(HID_KEY_A);
    press(HID_KEY_B);

    struct bus *b2 = bus_new();
    struct timerq *q2 = timerq_new(CLOCK_MANUAL);
    struct i8042 *c2 = i8042_new(b2, NULL, NULL, NULL, NULL);
    struct ps2kbd *k2 = ps2kbd_new(c2, q2);
    timerq_advance(q2, timerq_now(tq)); /* same virtual time */
    for (const struct vmstate_field *f = i8042_vmstate.fields; f->name; f++)
        memcpy((char *)c2 + f->offset, (const char *)kbc + f->offset, f->size * f->count);
    for (const struct vmstate_field *f = ps2kbd_vmstate.fields; f->name; f++)
        memcpy((char *)k2 + f->offset, (const char *)kbd + f->offset, f->size * f->count);
    i8042_post_load(c2);
    ps2kbd_post_load(k2);
    ck_assert_uint_eq(ps2kbd_leds(k2), PS2KBD_LED_NUM);
    ck_assert_int_eq(ps2kbd_scan_set(k2), 3);
    bus_out(b2, 0x64, 0xAE, 1);
    ck_assert_uint_eq(bus_in(b2, 0x60, 1), 0x1C);
    ck_assert_uint_eq(bus_in(b2, 0x60, 1), 0x32);
    ck_assert_uint_eq(bus_in(b2, 0x64, 1) & I8042_STR_OBF, 0);
    /* B repeats at the restored rate */
    timerq_advance(q2, 250 * MS);
    ck_assert_uint_eq(bus_in(b2, 0x60, 1), 0x32);
    ps2kbd_key(k2, HID_KEY_B, false);
    ck_assert_uint_eq(bus_in(b2, 0x60, 1), 0xF0);
    ck_assert_uint_eq(bus_in(b2, 0x60, 1), 0x32);
    ps2kbd_free(k2);
    i8042_free(c2);
    timerq_free(q2);
    bus_free(b2);
}
END_TEST

/* ---- mouse ---- */

static void enable_mouse_port(void)
{
    write_ctr(0x43); /* translation, IRQ1 and IRQ12, both ports enabled */
}

START_TEST(test_mouse_reset_and_id)
{
    enable_mouse_port();
    aux_out(0xFF);
    ck_assert_int_eq(irq12_p.level, 1);
    ck_assert_int_eq(irq1_p.level, 0);
    ck_assert(status() & I8042_STR_AUXOBF);
    EXPECT_AUX(0xFA);
    ck_assert_int_eq(irq12_p.level, 0);
    timerq_advance(tq, PS2MOUSE_RESET_DELAY_NS - 1);
    expect_nothing();
    timerq_advance(tq, 1);
    EXPECT_AUX(0xAA, 0x00); /* not translated: aux data */
    aux_out(0xF2);
    EXPECT_AUX(0xFA, 0x00);
    ck_assert_int_eq(ps2mouse_id(mouse), 0);
    ck_assert_int_eq(irq1_p.rises, 0);
}
END_TEST

START_TEST(test_mouse_intellimouse_knock)
{
    enable_mouse_port();
    static const uint8_t rates[] = {200, 100, 80};
    for (int i = 0; i < 3; i++) {
        aux_out(0xF3);
        aux_out(rates[i]);
        EXPECT_AUX(0xFA, 0xFA);
    }
    aux_out(0xF2);
    EXPECT_AUX(0xFA, 0x03);
    ck_assert_int_eq(ps2mouse_id(mouse), 3);
    /* the Explorer knock (200, 200, 80) does not make it a 5-button mouse */
    static const uint8_t explorer[] = {200, 200, 80};
    for (int i = 0; i < 3; i++) {
        aux_out(0xF3);
        aux_out(explorer[i]);
        EXPECT_AUX(0xFA, 0xFA);
    }
    aux_out(0xF2);
    EXPECT_AUX(0xFA, 0x03);
    /* F6 keeps the ID, a reset returns to the standard mouse */
    aux_out(0xF6);
    EXPECT_AUX(0xFA);
    aux_out(0xF2);
    EXPECT_AUX(0xFA, 0x03);
    aux_out(0xFF);
    timerq_advance(tq, PS2MOUSE_RESET_DELAY_NS);
    EXPECT_AUX(0xFA, 0xAA, 0x00);
    aux_out(0xF2);
    EXPECT_AUX(0xFA, 0x00);
    /* a wrong order is no knock */
    static const uint8_t wrong[] = {100, 200, 80};
    for (int i = 0; i < 3; i++) {
        aux_out(0xF3);
        aux_out(wrong[i]);
        EXPECT_AUX(0xFA, 0xFA);
    }
    aux_out(0xF2);
    EXPECT_AUX(0xFA, 0x00);
}
END_TEST

START_TEST(test_mouse_packets)
{
    enable_mouse_port();
    ps2mouse_event(mouse, 5, -3, 0, 0);
    expect_nothing(); /* reporting disabled */
    aux_out(0xF4);    /* also clears the counters */
    EXPECT_AUX(0xFA);
    timerq_advance(tq, 100 * MS);
    expect_nothing();
    /* y up in the packet: screen dy -3 is +3 */
    ps2mouse_event(mouse, 5, -3, 0, PS2MOUSE_BUTTON_LEFT);
    ck_assert_int_eq(irq12_p.level, 1);
    EXPECT_AUX(0x09, 0x05, 0x03);
    /* at most one packet per sample period (100/s): motion accumulates */
    ps2mouse_event(mouse, -10, 20, 0, PS2MOUSE_BUTTON_LEFT | PS2MOUSE_BUTTON_RIGHT);
    ps2mouse_event(mouse, -6, 0, 0, PS2MOUSE_BUTTON_LEFT | PS2MOUSE_BUTTON_RIGHT);
    expect_nothing();
    timerq_advance(tq, 10 * MS - 1);
    expect_nothing();
    timerq_advance(tq, 1);
    EXPECT_AUX(0x3B, 0xF0, 0xEC); /* both signs, -16, -20 */
    /* overflow: the extreme value with the overflow bit */
    timerq_advance(tq, 10 * MS);
    ps2mouse_event(mouse, 300, -400, 0, PS2MOUSE_BUTTON_MIDDLE);
    EXPECT_AUX(0x4C | 0x80, 0xFF, 0xFF); /* x +255 overflow, y +255 overflow */
    timerq_advance(tq, 10 * MS);
    ps2mouse_event(mouse, -256, 700, 0, 0);
    EXPECT_AUX(0x08 | 0x10 | 0x20 | 0x80, 0x00, 0x00); /* x -256, y -256 with overflow */
    /* a button change alone is reported */
    timerq_advance(tq, 10 * MS);
    ps2mouse_event(mouse, 0, 0, 0, PS2MOUSE_BUTTON_RIGHT);
    EXPECT_AUX(0x0A, 0x00, 0x00);
    /* no change, no packet */
    timerq_advance(tq, 10 * MS);
    ps2mouse_event(mouse, 0, 0, 0, PS2MOUSE_BUTTON_RIGHT);
    timerq_advance(tq, 100 * MS);
    expect_nothing();
    /* the wheel of a standard mouse is not reported */
    ps2mouse_event(mouse, 0, 0, 3, PS2MOUSE_BUTTON_RIGHT);
    timerq_advance(tq, 100 * MS);
    expect_nothing();
    /* a slower sample rate spaces the packets further */
    aux_out(0xF3);
    aux_out(20);
    EXPECT_AUX(0xFA, 0xFA);
    ps2mouse_event(mouse, 1, 0, 0, 0);
    EXPECT_AUX(0x08, 0x01, 0x00);
    ps2mouse_event(mouse, 1, 0, 0, 0);
    timerq_advance(tq, 49 * MS);
    expect_nothing();
    timerq_advance(tq, 1 * MS);
    EXPECT_AUX(0x08, 0x01, 0x00);
    /* F5 stops the packets */
    aux_out(0xF5);
    EXPECT_AUX(0xFA);
    ps2mouse_event(mouse, 1, 1, 0, 0);
    timerq_advance(tq, 100 * MS);
    expect_nothing();
    ck_assert_int_eq(irq1_p.rises, 0);
}
END_TEST

START_TEST(test_mouse_wheel_packets)
{
    enable_mouse_port();
    static const uint8_t rates[] = {200, 100, 80};
    for (int i = 0; i < 3; i++) {
        aux_out(0xF3);
        aux_out(rates[i]);
        EXPECT_AUX(0xFA, 0xFA);
    }
    aux_out(0xF3);
    aux_out(100);
    aux_out(0xF4);
    EXPECT_AUX(0xFA, 0xFA, 0xFA);
    ps2mouse_event(mouse, 1, 1, 1, 0);
    EXPECT_AUX(0x28, 0x01, 0xFF, 0x01);
    timerq_advance(tq, 10 * MS);
    ps2mouse_event(mouse, 0, 0, -2, 0);
    EXPECT_AUX(0x08, 0x00, 0x00, 0xFE);
    /* more detents than a packet holds: the rest follows */
    timerq_advance(tq, 10 * MS);
    ps2mouse_event(mouse, 0, 0, 20, 0);
    EXPECT_AUX(0x08, 0x00, 0x00, 0x07);
    timerq_advance(tq, 10 * MS);
    EXPECT_AUX(0x08, 0x00, 0x00, 0x07);
    timerq_advance(tq, 10 * MS);
    EXPECT_AUX(0x08, 0x00, 0x00, 0x06);
    timerq_advance(tq, 10 * MS);
    expect_nothing();
    ps2mouse_event(mouse, 0, 0, -9, 0);
    EXPECT_AUX(0x08, 0x00, 0x00, 0xF8);
    timerq_advance(tq, 10 * MS);
    EXPECT_AUX(0x08, 0x00, 0x00, 0xFF);
}
END_TEST

/* While the host does not read, the packet waits and motion accumulates;
 * with the port disabled (SeaBIOS/Linux during commands) bytes stay in the
 * mouse. */
START_TEST(test_mouse_accumulates_while_busy)
{
    enable_mouse_port();
    aux_out(0xF4);
    EXPECT_AUX(0xFA);
    int rises = irq12_p.rises;
    write_ctr(0x63); /* aux clock held */
    for (int i = 0; i < 50; i++) {
        ps2mouse_event(mouse, 2, -1, 0, 0);
        timerq_advance(tq, 5 * MS);
    }
    expect_nothing();
    ck_assert_int_eq(irq12_p.rises, rises);
    write_ctr(0x43);
    ck_assert_int_eq(irq12_p.level, 1);
    EXPECT_AUX(0x08, 100, 50);
    /* the host reads slowly: a packet is filled in when its first byte
     * goes, so everything up to then is in it */
    timerq_advance(tq, 10 * MS);
    ps2mouse_event(mouse, 1, 0, 0, 0);
    ck_assert(status() & I8042_STR_OBF);
    ps2mouse_event(mouse, 7, 0, 0, 0); /* after the first byte: next packet */
    ck_assert_uint_eq(bus_in(bus, 0x60, 1), 0x08);
    ck_assert_uint_eq(bus_in(bus, 0x60, 1), 0x01);
    ck_assert_uint_eq(bus_in(bus, 0x60, 1), 0x00);
    expect_nothing();
    timerq_advance(tq, 10 * MS);
    EXPECT_AUX(0x08, 0x07, 0x00);
    /* the keyboard port is unaffected: a key while the mouse waits */
    write_ctr(0x63);
    ps2mouse_event(mouse, 1, 0, 0, 0);
    timerq_advance(tq, 10 * MS);
    press(HID_KEY_A);
    EXPECT_KBD(0x1E);
    write_ctr(0x43);
    EXPECT_AUX(0x08, 0x01, 0x00);
}
END_TEST

START_TEST(test_mouse_status_modes_scaling)
{
    enable_mouse_port();
    aux_out(0xE9);
    EXPECT_AUX(0xFA, 0x00, 0x02, 0x64);
    aux_out(0xE7);
    aux_out(0xE8);
    aux_out(0x03);
    aux_out(0xF3);
    aux_out(40);
    aux_out(0xF4);
    EXPECT_AUX(0xFA, 0xFA, 0xFA, 0xFA, 0xFA, 0xFA);
    ps2mouse_event(mouse, 0, 0, 0, PS2MOUSE_BUTTON_LEFT | PS2MOUSE_BUTTON_RIGHT);
    EXPECT_AUX(0x0B, 0x00, 0x00);
    aux_out(0xE9);
    EXPECT_AUX(0xFA, 0x35, 0x03, 40); /* enabled, 2:1, left, right */
    /* 2:1 scaling in stream mode: 1->1 2->1 3->3 4->6 5->9 n->2n */
    static const int in[] = {1, 2, 3, 4, 5, 6, -5, 100, 200};
    static const int out[] = {1, 1, 3, 6, 9, 12, -9, 200, 400};
    for (int i = 0; i < 9; i++) {
        timerq_advance(tq, 25 * MS);
        ps2mouse_event(mouse, in[i], 0, 0, 0);
        uint8_t p[3];
        ck_assert_int_eq(drain(p, 3, true), 3);
        int v = out[i] > 255 ? 255 : out[i];
        ck_assert_msg(p[1] == (uint8_t)v, "%d scaled to %d, want %d", in[i], p[1], out[i]);
        ck_assert_int_eq(!!(p[0] & 0x40), out[i] > 255);
    }
    /* remote mode: no packets; EB reads the counters, unscaled */
    aux_out(0xF0);
    EXPECT_AUX(0xFA);
    ps2mouse_event(mouse, 4, 2, 0, PS2MOUSE_BUTTON_MIDDLE);
    ps2mouse_event(mouse, 1, 0, 0, PS2MOUSE_BUTTON_MIDDLE);
    timerq_advance(tq, 100 * MS);
    expect_nothing();
    aux_out(0xE9);
    EXPECT_AUX(0xFA, 0x72, 0x03, 40); /* remote, enabled, 2:1, middle */
    aux_out(0xEB);
    EXPECT_AUX(0xFA, 0x2C, 0x05, 0xFE);
    aux_out(0xEB); /* counters start again from zero */
    EXPECT_AUX(0xFA, 0x0C, 0x00, 0x00);
    /* FE resends the last packet */
    aux_out(0xFE);
    EXPECT_AUX(0x0C, 0x00, 0x00);
    /* back to stream mode and 1:1 */
    aux_out(0xEA);
    aux_out(0xE6);
    EXPECT_AUX(0xFA, 0xFA);
    ps2mouse_event(mouse, 4, 0, 0, 0);
    EXPECT_AUX(0x08, 0x04, 0x00);
    /* F6: defaults, reporting off */
    aux_out(0xF6);
    EXPECT_AUX(0xFA);
    aux_out(0xE9);
    EXPECT_AUX(0xFA, 0x00, 0x02, 0x64);
}
END_TEST

START_TEST(test_mouse_wrap_and_invalid)
{
    enable_mouse_port();
    aux_out(0xEE);
    EXPECT_AUX(0xFA);
    aux_out(0x12);
    aux_out(0xF4);
    aux_out(0xE9);
    EXPECT_AUX(0x12, 0xF4, 0xE9);
    aux_out(0xEC);
    EXPECT_AUX(0xFA);
    aux_out(0xE9);
    EXPECT_AUX(0xFA, 0x00, 0x02, 0x64); /* F4 was only echoed */
    /* an unknown command: FE, then FC when the next one is bad too */
    aux_out(0xE0);
    EXPECT_AUX(0xFE);
    aux_out(0xE1);
    EXPECT_AUX(0xFC);
    aux_out(0xE0);
    EXPECT_AUX(0xFE);
    aux_out(0xF2);
    EXPECT_AUX(0xFA, 0x00);
    /* an invalid sample rate may be sent again */
    aux_out(0xF3);
    aux_out(7);
    EXPECT_AUX(0xFA, 0xFE);
    aux_out(60);
    EXPECT_AUX(0xFA);
    aux_out(0xF3);
    aux_out(7);
    aux_out(8);
    EXPECT_AUX(0xFA, 0xFE, 0xFC);
    aux_out(0xE8);
    aux_out(4);
    aux_out(1);
    EXPECT_AUX(0xFA, 0xFE, 0xFA);
    aux_out(0xE9);
    EXPECT_AUX(0xFA, 0x00, 0x01, 60);
    /* FF leaves wrap mode too */
    aux_out(0xEE);
    aux_out(0xFF);
    timerq_advance(tq, PS2MOUSE_RESET_DELAY_NS);
    EXPECT_AUX(0xFA, 0xFA, 0xAA, 0x00);
}
END_TEST

START_TEST(test_mouse_irq12_and_command_byte)
{
    write_ctr(0x01); /* aux enabled, IRQ12 off */
    aux_out(0xF4);
    ck_assert(status() & I8042_STR_AUXOBF);
    ck_assert_int_eq(irq12_p.rises, 0);
    ck_assert_int_eq(irq1_p.level, 0);
    EXPECT_AUX(0xFA);
    ps2mouse_event(mouse, 1, 0, 0, 0);
    ck_assert_int_eq(irq12_p.rises, 0);
    EXPECT_AUX(0x08, 0x01, 0x00);
    /* IRQ12 on: one edge per byte */
    write_ctr(0x03);
    timerq_advance(tq, 10 * MS);
    ps2mouse_event(mouse, 1, 0, 0, 0);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(irq12_p.rises, i + 1);
        ck_assert_int_eq(irq12_p.level, 1);
        bus_in(bus, 0x60, 1);
    }
    ck_assert_int_eq(irq12_p.level, 0);
    /* A7 holds the mouse's bytes, A8 lets them go; D3 fakes mouse data */
    ctl(0xA7);
    timerq_advance(tq, 10 * MS);
    ps2mouse_event(mouse, 2, 0, 0, 0);
    expect_nothing();
    ctl(0xD3);
    kbd_out(0x5A);
    EXPECT_AUX(0x5A);
    ctl(0xA8);
    EXPECT_AUX(0x08, 0x02, 0x00);
    /* a command drops a packet the host has not started on; the motion
     * comes in the next one */
    write_ctr(0x23);
    timerq_advance(tq, 10 * MS);
    ps2mouse_event(mouse, 3, 0, 0, 0);
    aux_out(0xE9); /* D4 enables the port again */
    EXPECT_AUX(0xFA, 0x20, 0x02, 0x64);
    timerq_advance(tq, 10 * MS);
    EXPECT_AUX(0x08, 0x03, 0x00);
}
END_TEST

START_TEST(test_mouse_vmstate_round_trip)
{
    enable_mouse_port();
    static const uint8_t rates[] = {200, 100, 80};
    for (int i = 0; i < 3; i++) {
        aux_out(0xF3);
        aux_out(rates[i]);
    }
    aux_out(0xF4);
    EXPECT_AUX(0xFA, 0xFA, 0xFA, 0xFA, 0xFA, 0xFA, 0xFA);
    ps2mouse_event(mouse, 1, 0, 0, 0);
    EXPECT_AUX(0x08, 0x01, 0x00, 0x00);
    ps2mouse_event(mouse, 5, 5, 1, PS2MOUSE_BUTTON_LEFT); /* waits for the sample timer */

    struct bus *b2 = bus_new();
    struct timerq *q2 = timerq_new(CLOCK_MANUAL);
    struct i8042 *c2 = i8042_new(b2, NULL, NULL, NULL, NULL);
    struct ps2mouse *m2 = ps2mouse_new(c2, q2);
    timerq_advance(q2, timerq_now(tq));
    for (const struct vmstate_field *f = i8042_vmstate.fields; f->name; f++)
        memcpy((char *)c2 + f->offset, (const char *)kbc + f->offset, f->size * f->count);
    for (const struct vmstate_field *f = ps2mouse_vmstate.fields; f->name; f++)
        memcpy((char *)m2 + f->offset, (const char *)mouse + f->offset, f->size * f->count);
    i8042_post_load(c2);
    ps2mouse_post_load(m2);
    ck_assert_int_eq(ps2mouse_id(m2), 3);
    ck_assert_uint_eq(bus_in(b2, 0x64, 1) & I8042_STR_OBF, 0);
    timerq_advance(q2, 12 * MS);
    ck_assert_uint_eq(bus_in(b2, 0x64, 1) & I8042_STR_OBF, 0);
    timerq_advance(q2, MS / 2); /* 80 samples/s since the knock */
    uint8_t want[] = {0x29, 0x05, 0xFB, 0x01};
    for (int i = 0; i < 4; i++)
        ck_assert_uint_eq(bus_in(b2, 0x60, 1), want[i]);
    ps2mouse_free(m2);
    i8042_free(c2);
    timerq_free(q2);
    bus_free(b2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ps2");
    TCase *tk = tcase_create("keyboard");
    tcase_add_checked_fixture(tk, setup, teardown);
    tcase_add_test(tk, test_kbd_reset_sequence);
    tcase_add_test(tk, test_kbd_identify);
    tcase_add_test(tk, test_kbd_scan_set_switching);
    tcase_add_test(tk, test_kbd_set2_untranslated);
    tcase_add_test(tk, test_kbd_set2_translated_to_set1);
    tcase_add_test(tk, test_kbd_set1_native);
    tcase_add_test(tk, test_kbd_all_keys_set1_equals_translated_set2);
    tcase_add_test(tk, test_kbd_set3);
    tcase_add_test(tk, test_kbd_typematic);
    tcase_add_test(tk, test_kbd_leds);
    tcase_add_test(tk, test_kbd_commands);
    tcase_add_test(tk, test_kbd_replies_before_keys);
    tcase_add_test(tk, test_kbd_overrun);
    tcase_add_test(tk, test_kbd_vmstate_round_trip);
    suite_add_tcase(s, tk);
    TCase *tm = tcase_create("mouse");
    tcase_add_checked_fixture(tm, setup, teardown);
    tcase_add_test(tm, test_mouse_reset_and_id);
    tcase_add_test(tm, test_mouse_intellimouse_knock);
    tcase_add_test(tm, test_mouse_packets);
    tcase_add_test(tm, test_mouse_wheel_packets);
    tcase_add_test(tm, test_mouse_accumulates_while_busy);
    tcase_add_test(tm, test_mouse_status_modes_scaling);
    tcase_add_test(tm, test_mouse_wrap_and_invalid);
    tcase_add_test(tm, test_mouse_irq12_and_command_byte);
    tcase_add_test(tm, test_mouse_vmstate_round_trip);
    suite_add_tcase(s, tm);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
