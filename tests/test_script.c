/* test_script.c - headless automation pieces without a guest: the script
 * parser (escapes, timeouts, comments, errors naming FILE:LINE), key names
 * and characters as HID keys, the typing queue's pacing against the 8042
 * (CLOCK_MANUAL), the monitor's commands, the text screen read through the
 * VGA (start address, 80x25, 80x50 and 40x25, graphics modes), and the PNG
 * writer checked chunk by chunk with zlib. */
#include "ui/script.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "devices/bus.h"
#include "devices/chardev.h"
#include "devices/i8042.h"
#include "devices/machine.h"
#include "devices/ps2kbd.h"
#include "devices/timer.h"
#include "devices/vga.h"
#include "ui/keymap.h"
#include "ui/monitor.h"
#include "ui/png.h"

#define MS 1000000ull

/* ---- the parser ---- */

static void parse_ok(struct script *s, const char *text)
{
    char err[512] = "";
    int r = script_parse(s, "t.txt", text, err, sizeof err);
    ck_assert_msg(r == 0, "script_parse: %s", err);
}

/* the parse fails with exactly want (the whole one-line message) */
static void parse_err(const char *text, const char *want)
{
    struct script s;
    char err[512] = "";
    ck_assert_int_eq(script_parse(&s, "t.txt", text, err, sizeof err), -1);
    ck_assert_str_eq(err, want);
    ck_assert_int_eq(s.ncmd, 0);
    ck_assert_ptr_null(s.cmd);
}

START_TEST(test_parse_wait_timeouts)
{
    struct script s;
    parse_ok(&s, "wait screen A:\\> 60\n"
                 "wait screen A:\\>\n"
                 "wait serial login: 2.5\n"
                 "wait screen 60\n"
                 "wait screen Total 60 30\n"
                 "wait serial x  y 7\n"
                 "wait screen ends with 5.\n");
    ck_assert_int_eq(s.ncmd, 7);
    ck_assert_int_eq(s.cmd[0].op, SCRIPT_WAIT_SCREEN);
    ck_assert_str_eq(s.cmd[0].text, "A:\\>");
    ck_assert(s.cmd[0].seconds == 60.0);
    ck_assert_str_eq(s.cmd[1].text, "A:\\>");
    ck_assert(s.cmd[1].seconds == SCRIPT_DEFAULT_TIMEOUT);
    ck_assert_int_eq(s.cmd[2].op, SCRIPT_WAIT_SERIAL);
    ck_assert_str_eq(s.cmd[2].text, "login:");
    ck_assert(s.cmd[2].seconds == 2.5);
    /* a lone number is the text: the timeout needs a blank before it */
    ck_assert_str_eq(s.cmd[3].text, "60");
    ck_assert(s.cmd[3].seconds == SCRIPT_DEFAULT_TIMEOUT);
    ck_assert_str_eq(s.cmd[4].text, "Total 60");
    ck_assert(s.cmd[4].seconds == 30.0);
    ck_assert_str_eq(s.cmd[5].text, "x  y");
    ck_assert(s.cmd[5].seconds == 7.0);
    ck_assert_str_eq(s.cmd[6].text, "ends with 5.");
    ck_assert(s.cmd[6].seconds == SCRIPT_DEFAULT_TIMEOUT);
    ck_assert(script_uses_serial(&s));
    script_free(&s);
}
END_TEST

START_TEST(test_parse_escapes)
{
    struct script s;
    parse_ok(&s, "type dir\\n\n"
                 "type a\\\\nb\n"
                 "type C:\\DOS\\t\n"
                 "type  lead\n"
                 "wait screen one\\ntwo 5\n"
                 "type end\\\\\n");
    ck_assert_int_eq(s.ncmd, 6);
    ck_assert_int_eq(s.cmd[0].op, SCRIPT_TYPE);
    ck_assert_str_eq(s.cmd[0].text, "dir\n");
    ck_assert_str_eq(s.cmd[1].text, "a\\nb");      /* \\ is a backslash, then a plain n */
    ck_assert_str_eq(s.cmd[2].text, "C:\\DOS\\t"); /* other backslashes are themselves */
    ck_assert_str_eq(s.cmd[3].text, " lead");      /* one blank separates; the rest is text */
    ck_assert_str_eq(s.cmd[4].text, "one\ntwo");
    ck_assert(s.cmd[4].seconds == 5.0);
    ck_assert_str_eq(s.cmd[5].text, "end\\");
    ck_assert(!script_uses_serial(&s));
    script_free(&s);
}
END_TEST

START_TEST(test_parse_lines_and_commands)
{
    struct script s;
    parse_ok(&s, "# a comment\r\n"
                 "\n"
                 "   key ctrl-alt-delete   \r\n"
                 "\tkey F12\n"
                 "screendump /tmp/a b.png\n"
                 "screendump x.TXT\n"
                 "sleep 0.5\n"
                 "quit\n"
                 "quit 3");
    ck_assert_int_eq(s.ncmd, 7);
    ck_assert_int_eq(s.cmd[0].op, SCRIPT_KEY);
    ck_assert_int_eq(s.cmd[0].line, 3);
    ck_assert_int_eq(s.cmd[0].nkeys, 3);
    ck_assert_int_eq(s.cmd[0].keys[0], HID_KEY_LCTRL);
    ck_assert_int_eq(s.cmd[0].keys[1], HID_KEY_LALT);
    ck_assert_int_eq(s.cmd[0].keys[2], HID_KEY_DELETE);
    ck_assert_int_eq(s.cmd[1].line, 4);
    ck_assert_int_eq(s.cmd[1].nkeys, 1);
    ck_assert_int_eq(s.cmd[1].keys[0], HID_KEY_F12);
    ck_assert_int_eq(s.cmd[2].op, SCRIPT_SCREENDUMP);
    ck_assert_str_eq(s.cmd[2].text, "/tmp/a b.png");
    ck_assert_str_eq(s.cmd[3].text, "x.TXT");
    ck_assert_int_eq(s.cmd[4].op, SCRIPT_SLEEP);
    ck_assert(s.cmd[4].seconds == 0.5);
    ck_assert_int_eq(s.cmd[5].op, SCRIPT_QUIT);
    ck_assert_int_eq(s.cmd[5].status, 0);
    ck_assert_int_eq(s.cmd[6].status, 3);
    ck_assert_int_eq(s.cmd[6].line, 9);
    script_free(&s);
}
END_TEST

START_TEST(test_parse_errors)
{
    parse_err("wait screen A\n\nfrobnicate 1\n",
              "t.txt:3: unknown command 'frobnicate' (wait, type, key, screendump, sleep, quit)");
    parse_err("wait screen\n", "t.txt:1: wait screen needs the TEXT to wait for");
    parse_err("wait banana x\n", "t.txt:1: wait needs 'screen' or 'serial', then TEXT [SECONDS]");
    parse_err("wait serial x 0\n", "t.txt:1: timeout 0: must be more than 0 seconds");
    parse_err("type\n", "t.txt:1: type needs the TEXT to type");
    parse_err("type caf\xc3\xa9\n", "t.txt:1: type: byte 0xC3 cannot be typed (ASCII only; \\n is Enter)");
    parse_err("key ctrl-alt-foo\n", "t.txt:1: key 'ctrl-alt-foo': unknown key 'foo'");
    parse_err("key ctrl--c\n",
              "t.txt:1: key 'ctrl--c': bad key combination (names joined with '-', e.g. ctrl-alt-delete)");
    parse_err("key\n", "t.txt:1: key needs one COMBO (e.g. ctrl-alt-delete, f12, enter)");
    parse_err("screendump a.bmp\n", "t.txt:1: screendump a.bmp: the name must end in .png, .txt or .ppm");
    parse_err("screendump\n", "t.txt:1: screendump needs a FILE (.png, .txt or .ppm)");
    parse_err("quit 256\n", "t.txt:1: quit 256: STATUS must be a number from 0 to 255");
    parse_err("quit -1\n", "t.txt:1: quit -1: STATUS must be a number from 0 to 255");
    parse_err("sleep soon\n", "t.txt:1: sleep needs a number of SECONDS");
}
END_TEST

START_TEST(test_load_file)
{
    struct script s;
    char err[512];
    ck_assert_int_eq(script_load(&s, "/nonexistent/s.txt", err, sizeof err), -1);
    ck_assert_str_eq(err, "/nonexistent/s.txt: No such file or directory");
    char path[] = "/tmp/dynapc-script-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    static const char text[] = "wait screen A:\\> 60\ntype ver\\n\nquit 0\n";
    ck_assert_int_eq(write(fd, text, sizeof text - 1), (int)sizeof text - 1);
    close(fd);
    ck_assert_int_eq(script_load(&s, path, err, sizeof err), 0);
    ck_assert_int_eq(s.ncmd, 3);
    ck_assert_str_eq(s.name, path);
    ck_assert_str_eq(s.cmd[1].text, "ver\n");
    script_free(&s);
    unlink(path);
}
END_TEST

/* ---- keys ---- */

START_TEST(test_keymap)
{
    bool shift;
    ck_assert_int_eq(keymap_ascii('a', &shift), HID_KEY_A);
    ck_assert(!shift);
    ck_assert_int_eq(keymap_ascii('Z', &shift), HID_KEY_Z);
    ck_assert(shift);
    ck_assert_int_eq(keymap_ascii('0', &shift), HID_KEY_0);
    ck_assert_int_eq(keymap_ascii('!', &shift), HID_KEY_1);
    ck_assert(shift);
    ck_assert_int_eq(keymap_ascii(':', &shift), HID_KEY_SEMICOLON);
    ck_assert(shift);
    ck_assert_int_eq(keymap_ascii('\\', &shift), HID_KEY_BACKSLASH);
    ck_assert(!shift);
    ck_assert_int_eq(keymap_ascii('|', &shift), HID_KEY_BACKSLASH);
    ck_assert(shift);
    ck_assert_int_eq(keymap_ascii('\n', &shift), HID_KEY_ENTER);
    ck_assert_int_eq(keymap_ascii(' ', &shift), HID_KEY_SPACE);
    ck_assert_int_eq(keymap_ascii(0xE9, &shift), -1);
    ck_assert_int_eq(keymap_ascii(1, &shift), -1);

    ck_assert_int_eq(keymap_key_by_name("f1"), HID_KEY_F1);
    ck_assert_int_eq(keymap_key_by_name("F12"), HID_KEY_F12);
    ck_assert_int_eq(keymap_key_by_name("f13"), HID_KEY_F13);
    ck_assert_int_eq(keymap_key_by_name("f0"), -1);
    ck_assert_int_eq(keymap_key_by_name("f25"), -1);
    ck_assert_int_eq(keymap_key_by_name("esc"), HID_KEY_ESCAPE);
    ck_assert_int_eq(keymap_key_by_name("ret"), HID_KEY_ENTER);
    ck_assert_int_eq(keymap_key_by_name("Up"), HID_KEY_UP);
    ck_assert_int_eq(keymap_key_by_name("7"), HID_KEY_7);
    ck_assert_int_eq(keymap_key_by_name("q"), HID_KEY_Q);
    ck_assert_int_eq(keymap_key_by_name("nosuchkey"), -1);

    int keys[KEYMAP_MAX_COMBO];
    char err[256];
    ck_assert_int_eq(keymap_parse_combo("shift-tab", keys, err, sizeof err), 2);
    ck_assert_int_eq(keys[0], HID_KEY_LSHIFT);
    ck_assert_int_eq(keys[1], HID_KEY_TAB);
    ck_assert_int_eq(keymap_parse_combo("", keys, err, sizeof err), -1);
    ck_assert_int_eq(keymap_parse_combo("ctrl-", keys, err, sizeof err), -1);
    ck_assert_int_eq(keymap_parse_combo("a-b-c-d-e-f-g-h-i", keys, err, sizeof err), -1);
    ck_assert_str_eq(err, "'a-b-c-d-e-f-g-h-i': more than 8 keys");
}
END_TEST

/* a machine with just what the typing queue touches: the bus, virtual
 * time, the 8042 and the keyboard */
struct kbd_rig {
    struct machine m;
};

static void rig_init(struct kbd_rig *r)
{
    memset(r, 0, sizeof *r);
    r->m.bus = bus_new();
    r->m.tq = timerq_new(CLOCK_MANUAL);
    r->m.kbc = i8042_new(r->m.bus, NULL, NULL, NULL, NULL);
    ck_assert_ptr_nonnull(r->m.kbc);
    r->m.ps2kbd = ps2kbd_new(r->m.kbc, r->m.tq);
    ck_assert_ptr_nonnull(r->m.ps2kbd);
}

static void rig_free(struct kbd_rig *r)
{
    ps2kbd_free(r->m.ps2kbd);
    i8042_free(r->m.kbc);
    timerq_free(r->m.tq);
    bus_free(r->m.bus);
}

static bool obf(struct kbd_rig *r)
{
    return bus_in(r->m.bus, I8042_CMD_PORT, 1) & I8042_STR_OBF;
}

static int read_data(struct kbd_rig *r)
{
    ck_assert(obf(r));
    return (int)bus_in(r->m.bus, I8042_DATA_PORT, 1);
}

static void advance(struct kbd_rig *r, uint64_t ns)
{
    timerq_advance(r->m.tq, ns);
    timerq_run(r->m.tq);
}

START_TEST(test_key_queue_pacing)
{
    struct kbd_rig r;
    rig_init(&r);
    struct key_queue *q = key_queue_new();
    char err[256];
    /* scan-code set 2, untranslated (the 8042's command byte after reset) */
    ck_assert_int_eq(key_queue_type(q, "Ab", err, sizeof err), 0);
    ck_assert(!key_queue_idle(q));
    key_queue_poll(q, &r.m); /* left shift down */
    ck_assert_int_eq(read_data(&r), 0x12);
    key_queue_poll(q, &r.m); /* too soon: nothing */
    ck_assert(!obf(&r));
    advance(&r, KEY_QUEUE_GAP_NS);
    key_queue_poll(q, &r.m); /* A down */
    ck_assert_int_eq(read_data(&r), 0x1C);
    advance(&r, KEY_QUEUE_GAP_NS);
    key_queue_poll(q, &r.m); /* A up: F0 1C */
    ck_assert_int_eq(read_data(&r), 0xF0);
    /* the guest has not taken the 1C yet: the queue waits */
    advance(&r, KEY_QUEUE_GAP_NS);
    key_queue_poll(q, &r.m);
    ck_assert_int_eq(read_data(&r), 0x1C);
    ck_assert(!obf(&r));
    key_queue_poll(q, &r.m); /* shift up */
    ck_assert_int_eq(read_data(&r), 0xF0);
    ck_assert_int_eq(read_data(&r), 0x12);
    /* b down, then a guest that never reads: sent anyway after the longest wait */
    advance(&r, KEY_QUEUE_GAP_NS);
    key_queue_poll(q, &r.m);
    advance(&r, KEY_QUEUE_GAP_NS);
    key_queue_poll(q, &r.m);
    ck_assert(!key_queue_idle(q));
    advance(&r, KEY_QUEUE_MAX_WAIT_NS);
    key_queue_poll(q, &r.m);
    ck_assert(key_queue_idle(q));
    ck_assert_int_eq(read_data(&r), 0x32);
    ck_assert_int_eq(read_data(&r), 0xF0);
    ck_assert_int_eq(read_data(&r), 0x32);
    ck_assert(!obf(&r));

    /* a combination: pressed in order, released in reverse */
    int keys[KEYMAP_MAX_COMBO];
    int n = keymap_parse_combo("ctrl-alt-delete", keys, err, sizeof err);
    ck_assert_int_eq(key_queue_combo(q, keys, n), 0);
    static const int want[] = {0x14, 0x11, 0xE0, 0x71, 0xE0, 0xF0, 0x71, 0xF0, 0x11, 0xF0, 0x14};
    size_t got = 0;
    for (int i = 0; i < 20 && got < sizeof want / sizeof want[0]; i++) {
        advance(&r, KEY_QUEUE_GAP_NS);
        key_queue_poll(q, &r.m);
        while (obf(&r) && got < sizeof want / sizeof want[0])
            ck_assert_int_eq(read_data(&r), want[got++]);
    }
    ck_assert_uint_eq(got, sizeof want / sizeof want[0]);
    ck_assert(key_queue_idle(q));
    ck_assert_int_eq(key_queue_type(q, "\x01", err, sizeof err), -1);
    ck_assert(key_queue_idle(q));
    key_queue_free(q);
    rig_free(&r);
}
END_TEST

/* ---- the monitor (commands that need no guest) ---- */

START_TEST(test_monitor_commands)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    struct key_queue *q = key_queue_new();
    struct monitor *mon = monitor_new(-1, out, q);
    monitor_command(mon, NULL, "info status");
    ck_assert(!monitor_stopped(mon));
    monitor_command(mon, NULL, "  stop ");
    ck_assert(monitor_stopped(mon));
    monitor_command(mon, NULL, "info status");
    monitor_command(mon, NULL, "c");
    ck_assert(!monitor_stopped(mon));
    monitor_command(mon, NULL, "frob");
    monitor_command(mon, NULL, "sendkey ctrl-nope");
    monitor_command(mon, NULL, "screendump x.bmp");
    ck_assert(key_queue_idle(q));
    monitor_command(mon, NULL, "key ctrl-alt-delete");
    ck_assert(!key_queue_idle(q));
    key_queue_clear(q);
    monitor_command(mon, NULL, "type dir\\n");
    ck_assert(!key_queue_idle(q));
    ck_assert(!monitor_quit_requested(mon));
    monitor_command(mon, NULL, "quit");
    ck_assert(monitor_quit_requested(mon));
    fclose(out);
    ck_assert_str_eq(buf, "VM status: running\n"
                          "VM status: paused\n"
                          "unknown command: 'frob' (help lists them)\n"
                          "sendkey: 'ctrl-nope': unknown key 'nope'\n"
                          "screendump: x.bmp: unknown format (the name must end in .png, .txt or .ppm)\n");
    free(buf);
    monitor_free(mon);
    key_queue_free(q);
}
END_TEST

/* ---- the text screen through the VGA ---- */

struct vga_rig {
    struct bus *bus;
    struct timerq *tq;
    struct vga *vga;
};

static void vga_rig_init(struct vga_rig *r)
{
    char err[256] = "";
    r->bus = bus_new();
    r->tq = timerq_new(CLOCK_MANUAL);
    r->vga = vga_new(r->bus, NULL, 0, r->tq, NULL, err, sizeof err);
    ck_assert_msg(r->vga != NULL, "vga_new: %s", err);
}

static void vga_rig_free(struct vga_rig *r)
{
    vga_free(r->vga);
    timerq_free(r->tq);
    bus_free(r->bus);
}

static void crtc(struct vga_rig *r, uint8_t i, uint8_t v)
{
    bus_out(r->bus, 0x3D4, i, 1);
    bus_out(r->bus, 0x3D5, v, 1);
}

/* the registers of the IBM VGA BIOS's mode 3 that decide what is where:
 * 80 character clocks, 400 lines of 16-line rows, word addressing, an
 * offset of 40 words per row, text (graphics controller register 6) */
static void text_mode_80x25(struct vga_rig *r)
{
    bus_out(r->bus, 0x3C2, 0x67, 1); /* colour CRTC ports */
    bus_out(r->bus, 0x3C4, 0x01, 1);
    bus_out(r->bus, 0x3C5, 0x00, 1); /* 9-dot characters */
    crtc(r, 0x11, 0x00);             /* unprotect CR0-CR7 */
    crtc(r, 0x01, 0x4F);
    crtc(r, 0x07, 0x1F);
    crtc(r, 0x09, 0x4F);
    crtc(r, 0x12, 0x8F);
    crtc(r, 0x13, 0x28);
    crtc(r, 0x14, 0x1F);
    crtc(r, 0x17, 0xA3);
    bus_out(r->bus, 0x3CE, 0x06, 1);
    bus_out(r->bus, 0x3CF, 0x0E, 1);
}

/* character at word address a of the text buffer: plane 0 byte 2a (odd/even) */
static void put_char(struct vga_rig *r, unsigned a, uint8_t ch)
{
    vga_vram(r->vga)[4 * (2 * a)] = ch;
    vga_vram(r->vga)[4 * (2 * a) + 1] = 0x07;
}

START_TEST(test_text_screen)
{
    struct vga_rig r;
    vga_rig_init(&r);
    text_mode_80x25(&r);
    for (unsigned a = 0; a < 80 * 60; a++)
        put_char(&r, a, ' ');
    const char *hello = "A:\\>dir";
    for (unsigned i = 0; hello[i]; i++)
        put_char(&r, i, (uint8_t)hello[i]);
    put_char(&r, 80 + 3, 0xC9); /* a box corner, CP437 */
    put_char(&r, 24 * 80 + 79, '!');
    int cols, rows;
    char screen[80 * 50];
    ck_assert_int_eq(vga_text_screen(r.vga, screen, sizeof screen, &cols, &rows), 80 * 25);
    ck_assert_int_eq(cols, 80);
    ck_assert_int_eq(rows, 25);
    ck_assert(!memcmp(screen, "A:\\>dir ", 8));
    ck_assert_int_eq((uint8_t)screen[83], 0xC9);
    ck_assert_int_eq(screen[24 * 80 + 79], '!');

    char *t = screen_text(r.vga);
    ck_assert_ptr_nonnull(t);
    ck_assert(!strncmp(t, "A:\\>dir\n   \xe2\x95\x94\n\n", 15)); /* U+2554 */
    ck_assert(
        strstr(t, "\n                                                                               !\n"));
    free(t);

    /* the start address scrolls: row 0 now shows what was row 1 */
    crtc(&r, 0x0C, 0x00);
    crtc(&r, 0x0D, 80);
    ck_assert_int_eq(vga_text_screen(r.vga, screen, sizeof screen, &cols, &rows), 80 * 25);
    ck_assert_int_eq((uint8_t)screen[3], 0xC9);
    ck_assert_int_eq(screen[23 * 80 + 79], '!');
    crtc(&r, 0x0D, 0);

    /* 80x50: 8-line rows */
    crtc(&r, 0x09, 0x47);
    ck_assert_int_eq(vga_text_screen(r.vga, screen, sizeof screen, &cols, &rows), 80 * 50);
    ck_assert_int_eq(rows, 50);
    /* 40x25 (mode 1): 40 character clocks, 20 words per row */
    crtc(&r, 0x09, 0x4F);
    crtc(&r, 0x01, 0x27);
    crtc(&r, 0x13, 0x14);
    ck_assert_int_eq(vga_text_screen(r.vga, screen, sizeof screen, &cols, &rows), 40 * 25);
    ck_assert_int_eq(cols, 40);
    ck_assert(!memcmp(screen, "A:\\>dir ", 8));
    ck_assert_int_eq(screen[40 + 2 * 0], ' ');
    /* a short buffer gets what fits */
    memset(screen, 'x', sizeof screen);
    ck_assert_int_eq(vga_text_screen(r.vga, screen, 4, &cols, &rows), 40 * 25);
    ck_assert(!memcmp(screen, "A:\\>x", 5));

    /* graphics (GR6 bit 0): no text */
    bus_out(r.bus, 0x3CE, 0x06, 1);
    bus_out(r.bus, 0x3CF, 0x05, 1);
    ck_assert_int_eq(vga_text_screen(r.vga, screen, sizeof screen, &cols, &rows), -1);
    ck_assert_ptr_null(screen_text(r.vga));
    char err[256];
    ck_assert_int_eq(screen_dump(r.vga, "/tmp/never.txt", err, sizeof err), -1);
    ck_assert_str_eq(err, "/tmp/never.txt: the screen is in a graphics mode (use .png)");
    vga_rig_free(&r);
}
END_TEST

/* ---- running: wait serial against a COM1 chardev ---- */

static void com1_write(struct machine *m, const char *text)
{
    chardev_write(m->serial_cd[0], (const uint8_t *)text, strlen(text));
}

START_TEST(test_run_wait_serial)
{
    struct vga_rig r;
    vga_rig_init(&r);
    struct machine m;
    memset(&m, 0, sizeof m);
    m.vga = r.vga;
    m.serial_cd[0] = chardev_new_buffer();
    struct script s;
    parse_ok(&s, "wait serial login:\n"
                 "wait serial login:\n"
                 "wait serial one\\ntwo\n"
                 "wait serial END\n"
                 "wait serial never 5\n"
                 "quit 9\n");
    struct key_queue *q = key_queue_new();
    struct script_run run;
    char err[256];
    ck_assert_int_eq(script_run_init(&run, &s, &m, q, err, sizeof err), 0);
    int status = -1;
    ck_assert_int_eq(script_poll(&run, &m, &status), SCRIPT_RUNNING);
    ck_assert_int_eq(script_current_line(&run), 1);
    com1_write(&m, "boot\r\nlogin:");
    /* one prompt satisfies one wait; the second waits for another */
    ck_assert_int_eq(script_poll(&run, &m, &status), SCRIPT_RUNNING);
    ck_assert_int_eq(script_current_line(&run), 2);
    com1_write(&m, " x login: one\r\ntwo");
    ck_assert_int_eq(script_poll(&run, &m, &status), SCRIPT_RUNNING);
    ck_assert_int_eq(script_current_line(&run), 4);
    /* much more output than is kept: the end is still matched */
    char chunk[4096];
    memset(chunk, 'x', sizeof chunk - 1);
    chunk[sizeof chunk - 1] = 0;
    for (int i = 0; i < 1024; i++)
        com1_write(&m, chunk);
    com1_write(&m, "END");
    ck_assert_uint_le(run.serial_len, 2u << 20);
    ck_assert_int_eq(script_poll(&run, &m, &status), SCRIPT_RUNNING);
    ck_assert_int_eq(script_current_line(&run), 5);
    /* the timeout counts the machine's run time */
    m.run_seconds += 4.9;
    ck_assert_int_eq(script_poll(&run, &m, &status), SCRIPT_RUNNING);
    m.run_seconds += 0.2;
    ck_assert_int_eq(script_poll(&run, &m, &status), SCRIPT_EXIT);
    ck_assert_int_eq(status, SCRIPT_EXIT_TIMEOUT);
    script_run_destroy(&run, &m);
    script_free(&s);

    /* quit and the end of a script */
    parse_ok(&s, "wait serial ok\nquit 9\n");
    ck_assert_int_eq(script_run_init(&run, &s, &m, q, err, sizeof err), 0);
    com1_write(&m, "ok");
    ck_assert_int_eq(script_poll(&run, &m, &status), SCRIPT_EXIT);
    ck_assert_int_eq(status, 9);
    script_run_destroy(&run, &m);
    script_free(&s);
    parse_ok(&s, "# nothing\n");
    ck_assert_int_eq(script_run_init(&run, &s, &m, q, err, sizeof err), 0);
    ck_assert_int_eq(script_poll(&run, &m, &status), SCRIPT_DONE);
    script_run_destroy(&run, &m);
    script_free(&s);

    /* no COM1: refused before the guest starts */
    chardev_close(m.serial_cd[0]);
    m.serial_cd[0] = NULL;
    parse_ok(&s, "type x\n\nwait serial login:\n");
    ck_assert_int_eq(script_run_init(&run, &s, &m, q, err, sizeof err), -1);
    ck_assert_str_eq(err, "t.txt:3: wait serial: COM1 is not connected (-serial none)");
    script_free(&s);
    key_queue_free(q);
    vga_rig_free(&r);
}
END_TEST

/* ---- PNG ---- */

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* checks the file image chunk by chunk and inflates the IDAT data into raw */
static void check_png(const uint8_t *png, size_t len, int w, int h, uint8_t *raw, size_t rawlen)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    ck_assert_uint_ge(len, 8 + 25 + 12 + 12);
    ck_assert(!memcmp(png, sig, 8));
    size_t pos = 8;
    const char *order[3] = {"IHDR", "IDAT", "IEND"};
    for (int i = 0; i < 3; i++) {
        ck_assert_uint_le(pos + 12, len);
        uint32_t n = be32(png + pos);
        ck_assert_uint_le(pos + 12 + n, len);
        ck_assert(!memcmp(png + pos + 4, order[i], 4));
        uint32_t crc = (uint32_t)crc32(crc32(0, Z_NULL, 0), png + pos + 4, 4 + n);
        ck_assert_uint_eq(be32(png + pos + 8 + n), crc);
        const uint8_t *d = png + pos + 8;
        if (i == 0) {
            ck_assert_uint_eq(n, 13);
            ck_assert_uint_eq(be32(d), (uint32_t)w);
            ck_assert_uint_eq(be32(d + 4), (uint32_t)h);
            ck_assert_int_eq(d[8], 8);  /* bit depth */
            ck_assert_int_eq(d[9], 2);  /* RGB */
            ck_assert_int_eq(d[10], 0); /* deflate */
            ck_assert_int_eq(d[11], 0);
            ck_assert_int_eq(d[12], 0); /* not interlaced */
        } else if (i == 1) {
            uLongf out = (uLongf)rawlen;
            ck_assert_int_eq(uncompress(raw, &out, d, n), Z_OK);
            ck_assert_uint_eq(out, (size_t)w * (size_t)h * 3 + (size_t)h);
        } else {
            ck_assert_uint_eq(n, 0);
        }
        pos += 12 + n;
    }
    ck_assert_uint_eq(pos, len);
}

START_TEST(test_png)
{
    const uint32_t px[6] = {0xFF0000, 0x00FF00, 0x0000FF, 0x123456, 0xFFFFFF, 0x000000};
    size_t len;
    uint8_t *png = png_encode_xrgb(px, 3, 2, &len);
    ck_assert_ptr_nonnull(png);
    uint8_t raw[64];
    check_png(png, len, 3, 2, raw, sizeof raw);
    static const uint8_t want[20] = {0, 0xFF, 0,    0,    0,    0xFF, 0,    0, 0, 0xFF,
                                     0, 0x12, 0x34, 0x56, 0xFF, 0xFF, 0xFF, 0, 0, 0};
    ck_assert(!memcmp(raw, want, sizeof want));

    /* the file holds the same bytes */
    char path[] = "/tmp/dynapc-png-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    char err[256];
    ck_assert_int_eq(png_write_xrgb(path, px, 3, 2, err, sizeof err), 0);
    FILE *f = fopen(path, "rb");
    uint8_t back[1024];
    size_t n = fread(back, 1, sizeof back, f);
    fclose(f);
    unlink(path);
    ck_assert_uint_eq(n, len);
    ck_assert(!memcmp(back, png, len));
    free(png);

    /* a screen-sized image compresses and round-trips */
    uint32_t *big = malloc(720 * 400 * sizeof *big);
    for (int i = 0; i < 720 * 400; i++)
        big[i] = (i / 720) % 16 < 14 ? 0xAAAAAA : (uint32_t)i * 2654435761u >> 8;
    png = png_encode_xrgb(big, 720, 400, &len);
    ck_assert_ptr_nonnull(png);
    size_t rawlen = 720 * 400 * 3 + 400;
    uint8_t *r2 = malloc(rawlen);
    check_png(png, len, 720, 400, r2, rawlen);
    for (int y = 0; y < 400; y += 37)
        for (int x = 0; x < 720; x += 53) {
            const uint8_t *p = r2 + (size_t)y * (720 * 3 + 1) + 1 + (size_t)x * 3;
            uint32_t v = big[y * 720 + x];
            ck_assert_uint_eq((uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2], v & 0xFFFFFF);
        }
    free(r2);
    free(png);
    free(big);

    ck_assert_ptr_null(png_encode_xrgb(px, 0, 2, &len));
    ck_assert_int_eq(png_write_xrgb("/nonexistent/dir/x.png", px, 3, 2, err, sizeof err), -1);
    ck_assert_str_eq(err, "/nonexistent/dir/x.png: No such file or directory");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("script");
    TCase *tc = tcase_create("script");
    tcase_add_test(tc, test_parse_wait_timeouts);
    tcase_add_test(tc, test_parse_escapes);
    tcase_add_test(tc, test_parse_lines_and_commands);
    tcase_add_test(tc, test_parse_errors);
    tcase_add_test(tc, test_load_file);
    tcase_add_test(tc, test_keymap);
    tcase_add_test(tc, test_key_queue_pacing);
    tcase_add_test(tc, test_monitor_commands);
    tcase_add_test(tc, test_text_screen);
    tcase_add_test(tc, test_run_wait_serial);
    tcase_add_test(tc, test_png);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
