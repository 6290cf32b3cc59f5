/* ps2kbd.c - PS/2 (MF2) keyboard (see ps2kbd.h).
 *
 * References: IBM Personal System/2 Hardware Interface Technical Reference
 * and the 101/102-Key Keyboard chapter of IBM's technical references
 * (commands EDh-FFh, the 16-byte buffer and its overrun code, typematic
 * rules); HP/Compaq desktop technical reference guides, appendix C
 * (overrun 00h in sets 2 and 3, FFh in set 1; typematic formula); A.
 * Brouwer, "Keyboard scancodes" (scan-code sets 1-3 per key with their USB
 * usage IDs, the Pause and PrintScreen sequences, set-3 key types). */
#include "devices/ps2kbd.h"

#include <stdlib.h>
#include <string.h>

#include "devices/i8042.h"
#include "devices/timer.h"

#define ACK    0xFA
#define RESEND 0xFE
#define BAT_OK 0xAA
#define ECHO   0xEE

/* buffer entries: the byte, plus a mark on the last byte of a key's
 * sequence so that a command's answer never splits a sequence */
#define SEQ_END 0x100

#define REPLY_SIZE 8

/* F3h argument at power-on: 10.9 characters/s after 500 ms */
#define TYPEMATIC_DEFAULT 0x2B

/* set-3 key types (commands F7h-FDh) */
#define KT_REPEAT 0x01 /* typematic */
#define KT_BREAK  0x02 /* sends a break code */

/* PrintScreen sends one of three sequences, chosen by the modifiers held
 * when it goes down; its break matches */
enum { PRTSC_PLAIN, PRTSC_SHIFTED, PRTSC_SYSRQ };

struct ps2kbd {
    struct i8042 *kbc;
    struct timerq *tq;
    struct timer typematic_timer;
    struct timer reset_timer;
    void (*led_cb)(void *opaque, unsigned leds);
    void *led_opaque;

    /* saved state (ps2kbd_vmstate) */
    uint8_t reply[REPLY_SIZE]; /* answers to commands: sent before key codes */
    uint8_t reply_head, reply_count;
    uint16_t buf[PS2KBD_BUFFER_SIZE + 1]; /* key codes; the extra slot is for the overrun code */
    uint8_t buf_head, buf_count;
    uint8_t in_seq;      /* the host has part of a key's sequence */
    uint8_t overrun;     /* the overrun code is queued; more keys are lost */
    uint8_t last_sent;   /* for Resend */
    uint8_t pending_cmd; /* command waiting for its argument(s), 0 if none */
    uint8_t scan_set;    /* 1-3 */
    uint8_t scanning;
    uint8_t leds;
    uint8_t typematic; /* F3h argument */
    uint8_t down[32];  /* keys held, a bit per usage ID */
    uint8_t typematic_key;
    uint8_t prtsc_variant;
    uint8_t set3_type[256];      /* KT_* per set-3 code */
    uint64_t typematic_deadline; /* 0 if not repeating */
    uint64_t reset_deadline;     /* 0 unless a reset's AAh is due */
};

/* ---- key codes ---- */

/* Per usage ID: the make code in sets 1 and 2 (E0xxh: with the E0h
 * prefix) and in set 3 (0: the key sends nothing in set 3).  Set 1 equals
 * set 2 passed through the 8042's translation; tests/test_ps2.c checks
 * this table against i8042_translate().  PrintScreen and Pause are built
 * in key_sequence(). */
struct key_codes {
    uint16_t set1, set2;
    uint8_t set3;
};

static const struct key_codes key_table[256] = {
    [HID_KEY_A] = {0x1E, 0x1C, 0x1C},
    [HID_KEY_B] = {0x30, 0x32, 0x32},
    [HID_KEY_C] = {0x2E, 0x21, 0x21},
    [HID_KEY_D] = {0x20, 0x23, 0x23},
    [HID_KEY_E] = {0x12, 0x24, 0x24},
    [HID_KEY_F] = {0x21, 0x2B, 0x2B},
    [HID_KEY_G] = {0x22, 0x34, 0x34},
    [HID_KEY_H] = {0x23, 0x33, 0x33},
    [HID_KEY_I] = {0x17, 0x43, 0x43},
    [HID_KEY_J] = {0x24, 0x3B, 0x3B},
    [HID_KEY_K] = {0x25, 0x42, 0x42},
    [HID_KEY_L] = {0x26, 0x4B, 0x4B},
    [HID_KEY_M] = {0x32, 0x3A, 0x3A},
    [HID_KEY_N] = {0x31, 0x31, 0x31},
    [HID_KEY_O] = {0x18, 0x44, 0x44},
    [HID_KEY_P] = {0x19, 0x4D, 0x4D},
    [HID_KEY_Q] = {0x10, 0x15, 0x15},
    [HID_KEY_R] = {0x13, 0x2D, 0x2D},
    [HID_KEY_S] = {0x1F, 0x1B, 0x1B},
    [HID_KEY_T] = {0x14, 0x2C, 0x2C},
    [HID_KEY_U] = {0x16, 0x3C, 0x3C},
    [HID_KEY_V] = {0x2F, 0x2A, 0x2A},
    [HID_KEY_W] = {0x11, 0x1D, 0x1D},
    [HID_KEY_X] = {0x2D, 0x22, 0x22},
    [HID_KEY_Y] = {0x15, 0x35, 0x35},
    [HID_KEY_Z] = {0x2C, 0x1A, 0x1A},
    [HID_KEY_1] = {0x02, 0x16, 0x16},
    [HID_KEY_2] = {0x03, 0x1E, 0x1E},
    [HID_KEY_3] = {0x04, 0x26, 0x26},
    [HID_KEY_4] = {0x05, 0x25, 0x25},
    [HID_KEY_5] = {0x06, 0x2E, 0x2E},
    [HID_KEY_6] = {0x07, 0x36, 0x36},
    [HID_KEY_7] = {0x08, 0x3D, 0x3D},
    [HID_KEY_8] = {0x09, 0x3E, 0x3E},
    [HID_KEY_9] = {0x0A, 0x46, 0x46},
    [HID_KEY_0] = {0x0B, 0x45, 0x45},
    [HID_KEY_ENTER] = {0x1C, 0x5A, 0x5A},
    [HID_KEY_ESCAPE] = {0x01, 0x76, 0x08},
    [HID_KEY_BACKSPACE] = {0x0E, 0x66, 0x66},
    [HID_KEY_TAB] = {0x0F, 0x0D, 0x0D},
    [HID_KEY_SPACE] = {0x39, 0x29, 0x29},
    [HID_KEY_MINUS] = {0x0C, 0x4E, 0x4E},
    [HID_KEY_EQUAL] = {0x0D, 0x55, 0x55},
    [HID_KEY_LEFTBRACKET] = {0x1A, 0x54, 0x54},
    [HID_KEY_RIGHTBRACKET] = {0x1B, 0x5B, 0x5B},
    [HID_KEY_BACKSLASH] = {0x2B, 0x5D, 0x5C},
    /* key 42 on ISO keyboards, where key 29 (backslash) is absent: the same
     * code in sets 1 and 2, its own in set 3 */
    [HID_KEY_NONUS_HASH] = {0x2B, 0x5D, 0x53},
    [HID_KEY_SEMICOLON] = {0x27, 0x4C, 0x4C},
    [HID_KEY_APOSTROPHE] = {0x28, 0x52, 0x52},
    [HID_KEY_GRAVE] = {0x29, 0x0E, 0x0E},
    [HID_KEY_COMMA] = {0x33, 0x41, 0x41},
    [HID_KEY_PERIOD] = {0x34, 0x49, 0x49},
    [HID_KEY_SLASH] = {0x35, 0x4A, 0x4A},
    [HID_KEY_CAPSLOCK] = {0x3A, 0x58, 0x14},
    [HID_KEY_F1] = {0x3B, 0x05, 0x07},
    [HID_KEY_F2] = {0x3C, 0x06, 0x0F},
    [HID_KEY_F3] = {0x3D, 0x04, 0x17},
    [HID_KEY_F4] = {0x3E, 0x0C, 0x1F},
    [HID_KEY_F5] = {0x3F, 0x03, 0x27},
    [HID_KEY_F6] = {0x40, 0x0B, 0x2F},
    [HID_KEY_F7] = {0x41, 0x83, 0x37},
    [HID_KEY_F8] = {0x42, 0x0A, 0x3F},
    [HID_KEY_F9] = {0x43, 0x01, 0x47},
    [HID_KEY_F10] = {0x44, 0x09, 0x4F},
    [HID_KEY_F11] = {0x57, 0x78, 0x56},
    [HID_KEY_F12] = {0x58, 0x07, 0x5E},
    [HID_KEY_PRINTSCREEN] = {0xE037, 0xE07C, 0x57},
    [HID_KEY_SCROLLLOCK] = {0x46, 0x7E, 0x5F},
    [HID_KEY_PAUSE] = {0, 0, 0x62},
    [HID_KEY_INSERT] = {0xE052, 0xE070, 0x67},
    [HID_KEY_HOME] = {0xE047, 0xE06C, 0x6E},
    [HID_KEY_PAGEUP] = {0xE049, 0xE07D, 0x6F},
    [HID_KEY_DELETE] = {0xE053, 0xE071, 0x64},
    [HID_KEY_END] = {0xE04F, 0xE069, 0x65},
    [HID_KEY_PAGEDOWN] = {0xE051, 0xE07A, 0x6D},
    [HID_KEY_RIGHT] = {0xE04D, 0xE074, 0x6A},
    [HID_KEY_LEFT] = {0xE04B, 0xE06B, 0x61},
    [HID_KEY_DOWN] = {0xE050, 0xE072, 0x60},
    [HID_KEY_UP] = {0xE048, 0xE075, 0x63},
    [HID_KEY_NUMLOCK] = {0x45, 0x77, 0x76},
    [HID_KEY_KP_DIVIDE] = {0xE035, 0xE04A, 0x77},
    [HID_KEY_KP_MULTIPLY] = {0x37, 0x7C, 0x7E},
    [HID_KEY_KP_MINUS] = {0x4A, 0x7B, 0x84},
    [HID_KEY_KP_PLUS] = {0x4E, 0x79, 0x7C},
    [HID_KEY_KP_ENTER] = {0xE01C, 0xE05A, 0x79},
    [HID_KEY_KP_1] = {0x4F, 0x69, 0x69},
    [HID_KEY_KP_2] = {0x50, 0x72, 0x72},
    [HID_KEY_KP_3] = {0x51, 0x7A, 0x7A},
    [HID_KEY_KP_4] = {0x4B, 0x6B, 0x6B},
    [HID_KEY_KP_5] = {0x4C, 0x73, 0x73},
    [HID_KEY_KP_6] = {0x4D, 0x74, 0x74},
    [HID_KEY_KP_7] = {0x47, 0x6C, 0x6C},
    [HID_KEY_KP_8] = {0x48, 0x75, 0x75},
    [HID_KEY_KP_9] = {0x49, 0x7D, 0x7D},
    [HID_KEY_KP_0] = {0x52, 0x70, 0x70},
    [HID_KEY_KP_PERIOD] = {0x53, 0x71, 0x71},
    [HID_KEY_NONUS_BACKSLASH] = {0x56, 0x61, 0x13},
    [HID_KEY_APPLICATION] = {0xE05D, 0xE02F, 0x8D},
    [HID_KEY_POWER] = {0xE05E, 0xE037, 0},
    [HID_KEY_KP_EQUAL] = {0x59, 0x0F, 0},
    [HID_KEY_F13] = {0x64, 0x08, 0},
    [HID_KEY_F14] = {0x65, 0x10, 0},
    [HID_KEY_F15] = {0x66, 0x18, 0},
    [HID_KEY_F16] = {0x67, 0x20, 0},
    [HID_KEY_F17] = {0x68, 0x28, 0},
    [HID_KEY_F18] = {0x69, 0x30, 0},
    [HID_KEY_F19] = {0x6A, 0x38, 0},
    [HID_KEY_F20] = {0x6B, 0x40, 0},
    [HID_KEY_F21] = {0x6C, 0x48, 0},
    [HID_KEY_F22] = {0x6D, 0x50, 0},
    [HID_KEY_F23] = {0x6E, 0x57, 0},
    [HID_KEY_F24] = {0x76, 0x5F, 0},
    [HID_KEY_KP_COMMA] = {0x7E, 0x6D, 0},
    [HID_KEY_INTERNATIONAL1] = {0x73, 0x51, 0},
    [HID_KEY_INTERNATIONAL2] = {0x70, 0x13, 0},
    [HID_KEY_INTERNATIONAL3] = {0x7D, 0x6A, 0},
    [HID_KEY_INTERNATIONAL4] = {0x79, 0x64, 0},
    [HID_KEY_INTERNATIONAL5] = {0x7B, 0x67, 0},
    [HID_KEY_LANG3] = {0x78, 0x63, 0},
    [HID_KEY_LANG4] = {0x77, 0x62, 0},
    [HID_KEY_LANG5] = {0x76, 0x5F, 0},
    [HID_KEY_LCTRL] = {0x1D, 0x14, 0x11},
    [HID_KEY_LSHIFT] = {0x2A, 0x12, 0x12},
    [HID_KEY_LALT] = {0x38, 0x11, 0x19},
    [HID_KEY_LGUI] = {0xE05B, 0xE01F, 0x8B},
    [HID_KEY_RCTRL] = {0xE01D, 0xE014, 0x58},
    [HID_KEY_RSHIFT] = {0x36, 0x59, 0x59},
    [HID_KEY_RALT] = {0xE038, 0xE011, 0x39},
    [HID_KEY_RGUI] = {0xE05C, 0xE027, 0x8C},
};

static bool key_known(int usage)
{
    return usage == HID_KEY_PAUSE || key_table[usage].set2 != 0;
}

static bool is_down(const struct ps2kbd *k, int usage)
{
    return k->down[usage >> 3] & (1u << (usage & 7));
}

static void set_down(struct ps2kbd *k, int usage, bool down)
{
    if (down)
        k->down[usage >> 3] |= (uint8_t)(1u << (usage & 7));
    else
        k->down[usage >> 3] &= (uint8_t) ~(1u << (usage & 7));
}

/* Set-3 key types after power-on, F5h and F6h.  Only Caps Lock, the Shift
 * keys, left Ctrl and left Alt (and the Windows and Menu keys) send break
 * codes (Brouwer, section 9.2); the typing keys repeat; the function,
 * navigation and keypad keys and the right Ctrl and Alt send their make
 * code once (IBM's set-3 table). */
static void set3_defaults(struct ps2kbd *k)
{
    static const uint8_t make_break[] = {0x14, 0x12, 0x59, 0x11, 0x19, 0x8B, 0x8C, 0x8D};
    /* Esc, F1-F12, PrintScreen, Scroll Lock, Pause; Insert, Home, Page Up,
     * End, Page Down; Num Lock and the keypad; right Alt, right Ctrl */
    static const uint8_t make_only[] = {
        0x08, 0x07, 0x0F, 0x17, 0x1F, 0x27, 0x2F, 0x37, 0x3F, 0x47, 0x4F, 0x56, 0x5E, 0x57,
        0x5F, 0x62, 0x67, 0x6E, 0x6F, 0x65, 0x6D, 0x76, 0x77, 0x7E, 0x84, 0x7C, 0x79, 0x69,
        0x72, 0x7A, 0x6B, 0x73, 0x74, 0x6C, 0x75, 0x7D, 0x70, 0x71, 0x39, 0x58,
    };
    memset(k->set3_type, KT_REPEAT, sizeof k->set3_type);
    for (size_t i = 0; i < sizeof make_break; i++)
        k->set3_type[make_break[i]] = KT_BREAK;
    for (size_t i = 0; i < sizeof make_only; i++)
        k->set3_type[make_only[i]] = 0;
}

static bool held(const struct ps2kbd *k, int a, int b)
{
    return is_down(k, a) || is_down(k, b);
}

static int put_code(uint8_t *seq, int n, unsigned set, uint16_t code, bool make)
{
    if (code >> 8)
        seq[n++] = (uint8_t)(code >> 8);
    if (set == 1) {
        seq[n++] = (uint8_t)(make ? code : code | 0x80);
    } else {
        if (!make)
            seq[n++] = 0xF0;
        seq[n++] = (uint8_t)code;
    }
    return n;
}

/* The bytes a key sends in the current set; 0 if none. */
static int key_sequence(struct ps2kbd *k, int usage, bool make, uint8_t seq[8])
{
    const struct key_codes *kc = &key_table[usage];
    unsigned set = k->scan_set;
    if (set == 3) {
        if (!kc->set3 || (!make && !(k->set3_type[kc->set3] & KT_BREAK)))
            return 0;
        return put_code(seq, 0, 3, kc->set3, make);
    }
    if (usage == HID_KEY_PAUSE) {
        /* make only; with Ctrl held it is Break, an E0-prefixed key whose
         * make and break are sent together */
        static const uint8_t pause1[] = {0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5};
        static const uint8_t pause2[] = {0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77};
        if (!make)
            return 0;
        if (held(k, HID_KEY_LCTRL, HID_KEY_RCTRL)) {
            int n = put_code(seq, 0, set, set == 1 ? 0xE046 : 0xE07E, true);
            return put_code(seq, n, set, set == 1 ? 0xE046 : 0xE07E, false);
        }
        memcpy(seq, set == 1 ? pause1 : pause2, set == 1 ? sizeof pause1 : sizeof pause2);
        return set == 1 ? (int)sizeof pause1 : (int)sizeof pause2;
    }
    uint16_t code = set == 1 ? kc->set1 : kc->set2;
    if (usage == HID_KEY_PRINTSCREEN) {
        /* alone it comes with a fake left Shift (E0 12 / E0 2A); with Shift
         * or Ctrl held just the E0 code; with Alt it is SysRq, 84h (54h) */
        if (make) {
            k->prtsc_variant = PRTSC_PLAIN;
            if (held(k, HID_KEY_LALT, HID_KEY_RALT))
                k->prtsc_variant = PRTSC_SYSRQ;
            else if (held(k, HID_KEY_LSHIFT, HID_KEY_RSHIFT) || held(k, HID_KEY_LCTRL, HID_KEY_RCTRL))
                k->prtsc_variant = PRTSC_SHIFTED;
        }
        uint16_t fake_shift = set == 1 ? 0xE02A : 0xE012;
        if (k->prtsc_variant == PRTSC_SYSRQ)
            return put_code(seq, 0, set, set == 1 ? 0x54 : 0x84, make);
        if (k->prtsc_variant == PRTSC_SHIFTED)
            return put_code(seq, 0, set, code, make);
        if (make)
            return put_code(seq, put_code(seq, 0, set, fake_shift, true), set, code, true);
        return put_code(seq, put_code(seq, 0, set, code, false), set, fake_shift, false);
    }
    return put_code(seq, 0, set, code, make);
}

static bool key_repeats(const struct ps2kbd *k, int usage)
{
    if (usage == HID_KEY_PAUSE)
        return false;
    if (k->scan_set == 3)
        return key_table[usage].set3 && (k->set3_type[key_table[usage].set3] & KT_REPEAT);
    return true;
}

/* ---- output buffer ---- */

static void send_reply(struct ps2kbd *k, uint8_t byte)
{
    if (k->reply_count < REPLY_SIZE) {
        k->reply[(k->reply_head + k->reply_count) % REPLY_SIZE] = byte;
        k->reply_count++;
    }
}

static void buf_push(struct ps2kbd *k, uint16_t entry)
{
    k->buf[(k->buf_head + k->buf_count) % (PS2KBD_BUFFER_SIZE + 1)] = entry;
    k->buf_count++;
}

static void clear_buffer(struct ps2kbd *k)
{
    k->buf_head = k->buf_count = 0;
    k->in_seq = 0;
    k->overrun = 0;
}

/* A key's whole sequence goes into the buffer or none of it; when it does
 * not fit, the overrun code takes the next position (the 17th at most) and
 * further keys are lost until there is room again. */
static void send_keys(struct ps2kbd *k, const uint8_t *seq, int n)
{
    if (k->buf_count + n <= PS2KBD_BUFFER_SIZE) {
        for (int i = 0; i < n; i++)
            buf_push(k, seq[i] | (i == n - 1 ? SEQ_END : 0));
        k->overrun = 0;
    } else if (!k->overrun) {
        buf_push(k, (k->scan_set == 1 ? 0xFF : 0x00) | SEQ_END);
        k->overrun = 1;
    }
    i8042_kbd_ready(k->kbc);
}

/* the controller takes the next byte: answers first, but never inside a
 * key's sequence */
static int kbd_read(void *opaque)
{
    struct ps2kbd *k = opaque;
    uint8_t b;
    if (k->reply_count && !(k->in_seq && k->buf_count)) {
        b = k->reply[k->reply_head];
        k->reply_head = (uint8_t)((k->reply_head + 1) % REPLY_SIZE);
        k->reply_count--;
    } else if (k->buf_count) {
        uint16_t e = k->buf[k->buf_head];
        k->buf_head = (uint8_t)((k->buf_head + 1) % (PS2KBD_BUFFER_SIZE + 1));
        k->buf_count--;
        k->in_seq = !(e & SEQ_END);
        b = (uint8_t)e;
    } else {
        return -1;
    }
    k->last_sent = b;
    return b;
}

/* ---- typematic repeat ---- */

static uint64_t typematic_delay_ns(const struct ps2kbd *k)
{
    return ((k->typematic >> 5) & 3) * 250000000ull + 250000000ull;
}

/* period = (8 + bits 0-2) * 2^(bits 3-4) / 240 s: 30.0 to 2.0 per second */
static uint64_t typematic_period_ns(const struct ps2kbd *k)
{
    return (8 + (k->typematic & 7)) * (1ull << ((k->typematic >> 3) & 3)) * NS_PER_SEC / 240;
}

static void stop_typematic(struct ps2kbd *k)
{
    k->typematic_key = 0;
    k->typematic_deadline = 0;
    timer_del(&k->typematic_timer);
}

static void typematic_cb(void *opaque)
{
    struct ps2kbd *k = opaque;
    int usage = k->typematic_key;
    if (!usage || !is_down(k, usage) || !k->scanning) {
        stop_typematic(k);
        return;
    }
    /* while the host is not taking bytes, only the first make code is
     * kept: repeats would only fill the buffer */
    if (k->buf_count == 0) {
        uint8_t seq[8];
        int n = key_sequence(k, usage, true, seq);
        if (n)
            send_keys(k, seq, n);
    }
    uint64_t now = timerq_now(k->tq);
    k->typematic_deadline += typematic_period_ns(k);
    if (k->typematic_deadline <= now) /* the clock jumped: no burst */
        k->typematic_deadline = now + typematic_period_ns(k);
    timer_mod(&k->typematic_timer, k->typematic_deadline);
}

void ps2kbd_key(struct ps2kbd *k, int keycode, bool down)
{
    if (keycode <= 0 || keycode > 255 || !key_known(keycode) || is_down(k, keycode) == down)
        return;
    set_down(k, keycode, down);
    if (down) {
        /* only the last key pressed repeats */
        stop_typematic(k);
    } else if (keycode == k->typematic_key) {
        stop_typematic(k);
    }
    if (!k->scanning)
        return;
    uint8_t seq[8];
    int n = key_sequence(k, keycode, down, seq);
    if (n)
        send_keys(k, seq, n);
    if (down && key_repeats(k, keycode)) {
        k->typematic_key = (uint8_t)keycode;
        k->typematic_deadline = timerq_now(k->tq) + typematic_delay_ns(k);
        timer_mod(&k->typematic_timer, k->typematic_deadline);
    }
}

/* ---- commands ---- */

static void set_leds(struct ps2kbd *k, uint8_t leds)
{
    k->leds = leds & 7;
    if (k->led_cb)
        k->led_cb(k->led_opaque, k->leds);
}

/* F5h/F6h: typematic rate, set-3 key types, no key repeating, buffer
 * empty; the scan-code set and the LEDs stay */
static void set_defaults(struct ps2kbd *k)
{
    k->typematic = TYPEMATIC_DEFAULT;
    set3_defaults(k);
    stop_typematic(k);
    clear_buffer(k);
    k->pending_cmd = 0;
}

static void reset_done(void *opaque)
{
    struct ps2kbd *k = opaque;
    k->reset_deadline = 0;
    k->scanning = 1;
    send_reply(k, BAT_OK);
    i8042_kbd_ready(k->kbc);
}

static void power_on_state(struct ps2kbd *k)
{
    set_defaults(k);
    k->reply_head = k->reply_count = 0;
    k->last_sent = 0;
    k->scan_set = 2;
    k->scanning = 1;
    k->reset_deadline = 0;
    timer_del(&k->reset_timer);
    set_leds(k, 0);
}

static void argument(struct ps2kbd *k, uint8_t cmd, uint8_t arg)
{
    switch (cmd) {
    case 0xED: /* LEDs */
        send_reply(k, ACK);
        set_leds(k, arg);
        break;
    case 0xF3: /* typematic rate and delay */
        send_reply(k, ACK);
        k->typematic = arg;
        break;
    case 0xF0: /* scan-code set: 0 asks which */
        if (arg > 3) {
            send_reply(k, RESEND);
            k->pending_cmd = cmd; /* still waiting for a valid one */
            break;
        }
        send_reply(k, ACK);
        if (arg == 0)
            send_reply(k, k->scan_set);
        else
            k->scan_set = arg;
        break;
    default: /* FBh-FDh: one set-3 key type, more may follow */
        send_reply(k, ACK);
        k->set3_type[arg] = cmd == 0xFB ? KT_REPEAT : cmd == 0xFC ? KT_BREAK : 0;
        k->pending_cmd = cmd;
        break;
    }
}

static void kbd_write(void *opaque, uint8_t byte)
{
    struct ps2kbd *k = opaque;
    uint8_t cmd = k->pending_cmd;
    k->pending_cmd = 0;
    /* A command in place of an argument cancels the waiting one.  The
     * arguments of EDh, F0h and F3h are below 80h; the key lists of
     * FBh-FDh hold set-3 codes and end with the next command. */
    bool is_arg = cmd >= 0xFB ? byte < 0xED : byte < 0x80;
    if (cmd && is_arg) {
        argument(k, cmd, byte);
        i8042_kbd_ready(k->kbc);
        return;
    }
    switch (byte) {
    case 0xED: /* set LEDs */
    case 0xF3: /* typematic rate/delay */
        send_reply(k, ACK);
        k->pending_cmd = byte;
        break;
    case 0xEE: /* echo */
        send_reply(k, ECHO);
        break;
    case 0xF0: /* scan-code set: clears the buffer and the repeating key */
        stop_typematic(k);
        clear_buffer(k);
        send_reply(k, ACK);
        k->pending_cmd = byte;
        break;
    case 0xF2: /* identify: MF2 keyboard */
        send_reply(k, ACK);
        send_reply(k, 0xAB);
        send_reply(k, 0x83);
        break;
    case 0xF4: /* enable scanning */
        stop_typematic(k);
        clear_buffer(k);
        k->scanning = 1;
        send_reply(k, ACK);
        break;
    case 0xF5: /* defaults, stop scanning */
        set_defaults(k);
        k->scanning = 0;
        send_reply(k, ACK);
        break;
    case 0xF6: /* defaults, keep scanning */
        set_defaults(k);
        k->scanning = 1;
        send_reply(k, ACK);
        break;
    case 0xF7: /* all keys typematic */
    case 0xF8: /* all keys make/break */
    case 0xF9: /* all keys make only */
    case 0xFA: /* all keys typematic and make/break */
        memset(k->set3_type,
               byte == 0xF7   ? KT_REPEAT
               : byte == 0xF8 ? KT_BREAK
               : byte == 0xF9 ? 0
                              : KT_REPEAT | KT_BREAK,
               sizeof k->set3_type);
        stop_typematic(k);
        clear_buffer(k);
        send_reply(k, ACK);
        break;
    case 0xFB: /* listed keys typematic */
    case 0xFC: /* listed keys make/break */
    case 0xFD: /* listed keys make only */
        stop_typematic(k);
        clear_buffer(k);
        send_reply(k, ACK);
        k->pending_cmd = byte;
        break;
    case 0xFE: /* resend the last byte */
        send_reply(k, k->last_sent);
        break;
    case 0xFF: /* reset: ACK now, AAh when the self test is done */
        power_on_state(k);
        k->scanning = 0;
        send_reply(k, ACK);
        k->reset_deadline = timerq_now(k->tq) + PS2KBD_RESET_DELAY_NS;
        timer_mod(&k->reset_timer, k->reset_deadline);
        break;
    default:
        send_reply(k, RESEND);
        break;
    }
    i8042_kbd_ready(k->kbc);
}

/* ---- life cycle ---- */

struct ps2kbd *ps2kbd_new(struct i8042 *kbc, struct timerq *tq)
{
    struct ps2kbd *k = calloc(1, sizeof *k);
    if (!k)
        return NULL;
    k->kbc = kbc;
    k->tq = tq;
    timer_init(&k->typematic_timer, tq, typematic_cb, k);
    timer_init(&k->reset_timer, tq, reset_done, k);
    power_on_state(k);
    i8042_attach_kbd(kbc, kbd_write, kbd_read, k);
    return k;
}

void ps2kbd_free(struct ps2kbd *k)
{
    if (!k)
        return;
    timer_del(&k->typematic_timer);
    timer_del(&k->reset_timer);
    i8042_attach_kbd(k->kbc, NULL, NULL, NULL);
    free(k);
}

void ps2kbd_reset(struct ps2kbd *k)
{
    memset(k->down, 0, sizeof k->down);
    power_on_state(k);
}

unsigned ps2kbd_leds(const struct ps2kbd *k)
{
    return k->leds;
}

void ps2kbd_set_led_handler(struct ps2kbd *k, void (*cb)(void *opaque, unsigned leds), void *opaque)
{
    k->led_cb = cb;
    k->led_opaque = opaque;
}

int ps2kbd_scan_set(const struct ps2kbd *k)
{
    return k->scan_set;
}

void ps2kbd_post_load(struct ps2kbd *k)
{
    k->reply_head %= REPLY_SIZE;
    if (k->reply_count > REPLY_SIZE)
        k->reply_count = REPLY_SIZE;
    k->buf_head %= PS2KBD_BUFFER_SIZE + 1;
    if (k->buf_count > PS2KBD_BUFFER_SIZE + 1)
        k->buf_count = PS2KBD_BUFFER_SIZE + 1;
    if (k->buf_count > PS2KBD_BUFFER_SIZE)
        k->overrun = 1; /* only the overrun code may take the last position */
    if (k->scan_set < 1 || k->scan_set > 3)
        k->scan_set = 2;
    if (k->typematic_deadline && k->typematic_key)
        timer_mod(&k->typematic_timer, k->typematic_deadline);
    else
        stop_typematic(k);
    if (k->reset_deadline)
        timer_mod(&k->reset_timer, k->reset_deadline);
    else
        timer_del(&k->reset_timer);
    if (k->led_cb)
        k->led_cb(k->led_opaque, k->leds);
    i8042_kbd_ready(k->kbc);
}

static const struct vmstate_field ps2kbd_fields[] = {
    VMSTATE_ARRAY(struct ps2kbd, reply),
    VMSTATE_FIELD(struct ps2kbd, reply_head),
    VMSTATE_FIELD(struct ps2kbd, reply_count),
    VMSTATE_ARRAY(struct ps2kbd, buf),
    VMSTATE_FIELD(struct ps2kbd, buf_head),
    VMSTATE_FIELD(struct ps2kbd, buf_count),
    VMSTATE_FIELD(struct ps2kbd, in_seq),
    VMSTATE_FIELD(struct ps2kbd, overrun),
    VMSTATE_FIELD(struct ps2kbd, last_sent),
    VMSTATE_FIELD(struct ps2kbd, pending_cmd),
    VMSTATE_FIELD(struct ps2kbd, scan_set),
    VMSTATE_FIELD(struct ps2kbd, scanning),
    VMSTATE_FIELD(struct ps2kbd, leds),
    VMSTATE_FIELD(struct ps2kbd, typematic),
    VMSTATE_ARRAY(struct ps2kbd, down),
    VMSTATE_FIELD(struct ps2kbd, typematic_key),
    VMSTATE_FIELD(struct ps2kbd, prtsc_variant),
    VMSTATE_ARRAY(struct ps2kbd, set3_type),
    VMSTATE_FIELD(struct ps2kbd, typematic_deadline),
    VMSTATE_FIELD(struct ps2kbd, reset_deadline),
    VMSTATE_END,
};

const struct vmstate_desc ps2kbd_vmstate = {
    .name = "ps2kbd",
    .version = 1,
    .fields = ps2kbd_fields,
};
