/* ps2kbd.h - PS/2 (MF2) keyboard on the 8042's keyboard port.
 *
 * The keyboard answers the host's commands (reset, identify, LEDs,
 * typematic rate, scan-code sets 1/2/3, set-3 key types, enable/disable,
 * echo, resend), keeps a 16-byte output buffer with the overrun code, and
 * turns key presses into make/break sequences of the current scan-code set.
 * It repeats a held key itself at the programmed typematic rate, in virtual
 * time, as real keyboards do: the front end reports only presses and
 * releases.  In set 2 it sends what a real keyboard sends; the 8042 turns
 * that into set 1 when its translation bit is on (i8042.c).
 *
 * Keys are named by their USB HID usage IDs (HID Usage Tables, Keyboard/
 * Keypad page 07h), so that the keyboard depends on no host's key numbers.
 * SDL's SDL_Scancode values are these same usage IDs: a front end passes
 * them through unchanged. */
#ifndef DYNAPC_PS2KBD_H
#define DYNAPC_PS2KBD_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/vmstate.h"

struct i8042;
struct timerq;

/* bytes the keyboard holds for the host while the controller cannot take
 * them; one more position takes the overrun code */
#define PS2KBD_BUFFER_SIZE 16
/* time from the reset command's ACK to the AAh of the basic assurance test.
 * A real keyboard takes 300-500 ms; drivers wait up to several seconds
 * (SeaBIOS and Linux: 4 s), so a short delay keeps boots fast. */
#define PS2KBD_RESET_DELAY_NS 1000000ull

/* LED bits, as in the argument of the EDh command */
#define PS2KBD_LED_SCROLL 0x01
#define PS2KBD_LED_NUM    0x02
#define PS2KBD_LED_CAPS   0x04

/* USB HID keyboard usage IDs (HID Usage Tables 1.12, section 10) */
enum hid_key {
    HID_KEY_NONE = 0x00,
    HID_KEY_A = 0x04,
    HID_KEY_B,
    HID_KEY_C,
    HID_KEY_D,
    HID_KEY_E,
    HID_KEY_F,
    HID_KEY_G,
    HID_KEY_H,
    HID_KEY_I,
    HID_KEY_J,
    HID_KEY_K,
    HID_KEY_L,
    HID_KEY_M,
    HID_KEY_N,
    HID_KEY_O,
    HID_KEY_P,
    HID_KEY_Q,
    HID_KEY_R,
    HID_KEY_S,
    HID_KEY_T,
    HID_KEY_U,
    HID_KEY_V,
    HID_KEY_W,
    HID_KEY_X,
    HID_KEY_Y,
    HID_KEY_Z,
    HID_KEY_1 = 0x1E,
    HID_KEY_2,
    HID_KEY_3,
    HID_KEY_4,
    HID_KEY_5,
    HID_KEY_6,
    HID_KEY_7,
    HID_KEY_8,
    HID_KEY_9,
    HID_KEY_0,
    HID_KEY_ENTER = 0x28,
    HID_KEY_ESCAPE,
    HID_KEY_BACKSPACE,
    HID_KEY_TAB,
    HID_KEY_SPACE,
    HID_KEY_MINUS,
    HID_KEY_EQUAL,
    HID_KEY_LEFTBRACKET,
    HID_KEY_RIGHTBRACKET,
    HID_KEY_BACKSLASH,
    HID_KEY_NONUS_HASH, /* ISO key next to Enter */
    HID_KEY_SEMICOLON,
    HID_KEY_APOSTROPHE,
    HID_KEY_GRAVE,
    HID_KEY_COMMA,
    HID_KEY_PERIOD,
    HID_KEY_SLASH,
    HID_KEY_CAPSLOCK = 0x39,
    HID_KEY_F1,
    HID_KEY_F2,
    HID_KEY_F3,
    HID_KEY_F4,
    HID_KEY_F5,
    HID_KEY_F6,
    HID_KEY_F7,
    HID_KEY_F8,
    HID_KEY_F9,
    HID_KEY_F10,
    HID_KEY_F11,
    HID_KEY_F12,
    HID_KEY_PRINTSCREEN = 0x46,
    HID_KEY_SCROLLLOCK,
    HID_KEY_PAUSE,
    HID_KEY_INSERT,
    HID_KEY_HOME,
    HID_KEY_PAGEUP,
    HID_KEY_DELETE,
    HID_KEY_END,
    HID_KEY_PAGEDOWN,
    HID_KEY_RIGHT,
    HID_KEY_LEFT,
    HID_KEY_DOWN,
    HID_KEY_UP,
    HID_KEY_NUMLOCK = 0x53,
    HID_KEY_KP_DIVIDE,
    HID_KEY_KP_MULTIPLY,
    HID_KEY_KP_MINUS,
    HID_KEY_KP_PLUS,
    HID_KEY_KP_ENTER,
    HID_KEY_KP_1,
    HID_KEY_KP_2,
    HID_KEY_KP_3,
    HID_KEY_KP_4,
    HID_KEY_KP_5,
    HID_KEY_KP_6,
    HID_KEY_KP_7,
    HID_KEY_KP_8,
    HID_KEY_KP_9,
    HID_KEY_KP_0,
    HID_KEY_KP_PERIOD,
    HID_KEY_NONUS_BACKSLASH = 0x64, /* ISO key left of Z */
    HID_KEY_APPLICATION,            /* Menu */
    HID_KEY_POWER,
    HID_KEY_KP_EQUAL,
    HID_KEY_F13 = 0x68,
    HID_KEY_F14,
    HID_KEY_F15,
    HID_KEY_F16,
    HID_KEY_F17,
    HID_KEY_F18,
    HID_KEY_F19,
    HID_KEY_F20,
    HID_KEY_F21,
    HID_KEY_F22,
    HID_KEY_F23,
    HID_KEY_F24,
    HID_KEY_KP_COMMA = 0x85,
    HID_KEY_INTERNATIONAL1 = 0x87, /* Japanese Ro */
    HID_KEY_INTERNATIONAL2,        /* Katakana/Hiragana */
    HID_KEY_INTERNATIONAL3,        /* Yen */
    HID_KEY_INTERNATIONAL4,        /* Henkan */
    HID_KEY_INTERNATIONAL5,        /* Muhenkan */
    HID_KEY_LANG3 = 0x92,          /* Katakana */
    HID_KEY_LANG4,                 /* Hiragana */
    HID_KEY_LANG5,                 /* Zenkaku/Hankaku */
    HID_KEY_LCTRL = 0xE0,
    HID_KEY_LSHIFT,
    HID_KEY_LALT,
    HID_KEY_LGUI,
    HID_KEY_RCTRL,
    HID_KEY_RSHIFT,
    HID_KEY_RALT, /* AltGr */
    HID_KEY_RGUI,
};

struct ps2kbd;

/* Attaches itself to the controller's keyboard port (replacing whatever
 * was there) and schedules its typematic and reset events on tq. */
struct ps2kbd *ps2kbd_new(struct i8042 *kbc, struct timerq *tq);
/* detaches from the controller: free the keyboard before the controller */
void ps2kbd_free(struct ps2kbd *k);
/* power-on state: set 2, scanning, default typematic, LEDs off, buffer empty */
void ps2kbd_reset(struct ps2kbd *k);

/* A key went down or up on the host.  keycode is an enum hid_key; unknown
 * codes and repeated presses of a key already down are ignored. */
void ps2kbd_key(struct ps2kbd *k, int keycode, bool down);

/* PS2KBD_LED_* bits as the host last set them */
unsigned ps2kbd_leds(const struct ps2kbd *k);
/* called with the new PS2KBD_LED_* bits whenever the host sets the LEDs
 * (and with 0 on reset), so a front end can mirror them */
void ps2kbd_set_led_handler(struct ps2kbd *k, void (*cb)(void *opaque, unsigned leds), void *opaque);
/* current scan-code set, 1-3 */
int ps2kbd_scan_set(const struct ps2kbd *k);

/* after the fields in ps2kbd_vmstate were restored */
void ps2kbd_post_load(struct ps2kbd *k);

extern const struct vmstate_desc ps2kbd_vmstate;

#endif
