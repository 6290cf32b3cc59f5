/* keymap.c - key names, characters as key presses, and the typing queue
 * (see keymap.h). */
#include "ui/keymap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "devices/bus.h"
#include "devices/i8042.h"
#include "devices/machine.h"
#include "devices/ps2kbd.h"
#include "devices/timer.h"

struct key_name {
    const char *name;
    int key;
};

/* friendly names first, then QEMU's sendkey spellings */
static const struct key_name key_names[] = {
    {"ctrl", HID_KEY_LCTRL},
    {"control", HID_KEY_LCTRL},
    {"lctrl", HID_KEY_LCTRL},
    {"rctrl", HID_KEY_RCTRL},
    {"ctrl_r", HID_KEY_RCTRL},
    {"alt", HID_KEY_LALT},
    {"lalt", HID_KEY_LALT},
    {"ralt", HID_KEY_RALT},
    {"altgr", HID_KEY_RALT},
    {"alt_r", HID_KEY_RALT},
    {"shift", HID_KEY_LSHIFT},
    {"lshift", HID_KEY_LSHIFT},
    {"rshift", HID_KEY_RSHIFT},
    {"shift_r", HID_KEY_RSHIFT},
    {"meta", HID_KEY_LGUI},
    {"win", HID_KEY_LGUI},
    {"super", HID_KEY_LGUI},
    {"meta_l", HID_KEY_LGUI},
    {"meta_r", HID_KEY_RGUI},
    {"menu", HID_KEY_APPLICATION},
    {"enter", HID_KEY_ENTER},
    {"return", HID_KEY_ENTER},
    {"ret", HID_KEY_ENTER},
    {"esc", HID_KEY_ESCAPE},
    {"escape", HID_KEY_ESCAPE},
    {"tab", HID_KEY_TAB},
    {"space", HID_KEY_SPACE},
    {"spc", HID_KEY_SPACE},
    {"backspace", HID_KEY_BACKSPACE},
    {"bs", HID_KEY_BACKSPACE},
    {"delete", HID_KEY_DELETE},
    {"del", HID_KEY_DELETE},
    {"insert", HID_KEY_INSERT},
    {"ins", HID_KEY_INSERT},
    {"home", HID_KEY_HOME},
    {"end", HID_KEY_END},
    {"pgup", HID_KEY_PAGEUP},
    {"pageup", HID_KEY_PAGEUP},
    {"prior", HID_KEY_PAGEUP},
    {"pgdn", HID_KEY_PAGEDOWN},
    {"pagedown", HID_KEY_PAGEDOWN},
    {"next", HID_KEY_PAGEDOWN},
    {"up", HID_KEY_UP},
    {"down", HID_KEY_DOWN},
    {"left", HID_KEY_LEFT},
    {"right", HID_KEY_RIGHT},
    {"capslock", HID_KEY_CAPSLOCK},
    {"caps_lock", HID_KEY_CAPSLOCK},
    {"numlock", HID_KEY_NUMLOCK},
    {"num_lock", HID_KEY_NUMLOCK},
    {"scrolllock", HID_KEY_SCROLLLOCK},
    {"scroll_lock", HID_KEY_SCROLLLOCK},
    {"print", HID_KEY_PRINTSCREEN},
    {"printscreen", HID_KEY_PRINTSCREEN},
    {"sysrq", HID_KEY_PRINTSCREEN},
    {"pause", HID_KEY_PAUSE},
    {"minus", HID_KEY_MINUS},
    {"equal", HID_KEY_EQUAL},
    {"bracket_left", HID_KEY_LEFTBRACKET},
    {"bracket_right", HID_KEY_RIGHTBRACKET},
    {"backslash", HID_KEY_BACKSLASH},
    {"semicolon", HID_KEY_SEMICOLON},
    {"apostrophe", HID_KEY_APOSTROPHE},
    {"grave_accent", HID_KEY_GRAVE},
    {"comma", HID_KEY_COMMA},
    {"dot", HID_KEY_PERIOD},
    {"period", HID_KEY_PERIOD},
    {"slash", HID_KEY_SLASH},
    {"less", HID_KEY_NONUS_BACKSLASH},
    {"kp_divide", HID_KEY_KP_DIVIDE},
    {"kp_multiply", HID_KEY_KP_MULTIPLY},
    {"kp_subtract", HID_KEY_KP_MINUS},
    {"kp_add", HID_KEY_KP_PLUS},
    {"kp_enter", HID_KEY_KP_ENTER},
    {"kp_decimal", HID_KEY_KP_PERIOD},
    {"kp_0", HID_KEY_KP_0},
    {"kp_1", HID_KEY_KP_1},
    {"kp_2", HID_KEY_KP_2},
    {"kp_3", HID_KEY_KP_3},
    {"kp_4", HID_KEY_KP_4},
    {"kp_5", HID_KEY_KP_5},
    {"kp_6", HID_KEY_KP_6},
    {"kp_7", HID_KEY_KP_7},
    {"kp_8", HID_KEY_KP_8},
    {"kp_9", HID_KEY_KP_9},
};

int keymap_key_by_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 1) {
        char c = name[0];
        if (c >= 'a' && c <= 'z')
            return HID_KEY_A + (c - 'a');
        if (c >= 'A' && c <= 'Z')
            return HID_KEY_A + (c - 'A');
        if (c == '0')
            return HID_KEY_0;
        if (c >= '1' && c <= '9')
            return HID_KEY_1 + (c - '1');
    }
    if ((name[0] == 'f' || name[0] == 'F') && n >= 2 && n <= 3) {
        char *end;
        long k = strtol(name + 1, &end, 10);
        if (!*end && name[1] != '0' && k >= 1 && k <= 24)
            return k <= 12 ? HID_KEY_F1 + (int)k - 1 : HID_KEY_F13 + (int)k - 13;
    }
    for (size_t i = 0; i < sizeof key_names / sizeof key_names[0]; i++)
        if (!strcasecmp(name, key_names[i].name))
            return key_names[i].key;
    return -1;
}

int keymap_parse_combo(const char *combo, int keys[KEYMAP_MAX_COMBO], char *err, size_t errlen)
{
    int n = 0;
    const char *p = combo;
    if (!*p) {
        snprintf(err, errlen, "no key given (e.g. ctrl-alt-delete, f12, enter)");
        return -1;
    }
    for (;;) {
        size_t len = strcspn(p, "-");
        char name[32];
        if (len == 0 || len >= sizeof name) {
            snprintf(err, errlen, "'%s': bad key combination (names joined with '-', e.g. ctrl-alt-delete)",
                     combo);
            return -1;
        }
        memcpy(name, p, len);
        name[len] = 0;
        int k = keymap_key_by_name(name);
        if (k < 0) {
            snprintf(err, errlen, "'%s': unknown key '%s'", combo, name);
            return -1;
        }
        if (n == KEYMAP_MAX_COMBO) {
            snprintf(err, errlen, "'%s': more than %d keys", combo, KEYMAP_MAX_COMBO);
            return -1;
        }
        keys[n++] = k;
        p += len;
        if (!*p)
            return n;
        p++; /* the '-' */
    }
}

int keymap_ascii(int ch, bool *shift)
{
    /* US layout: the unshifted and shifted character of each symbol key */
    static const struct {
        char plain, shifted;
        int key;
    } symbols[] = {
        {'1', '!', HID_KEY_1},           {'2', '@', HID_KEY_2},
        {'3', '#', HID_KEY_3},           {'4', '$', HID_KEY_4},
        {'5', '%', HID_KEY_5},           {'6', '^', HID_KEY_6},
        {'7', '&', HID_KEY_7},           {'8', '*', HID_KEY_8},
        {'9', '(', HID_KEY_9},           {'0', ')', HID_KEY_0},
        {'-', '_', HID_KEY_MINUS},       {'=', '+', HID_KEY_EQUAL},
        {'[', '{', HID_KEY_LEFTBRACKET}, {']', '}', HID_KEY_RIGHTBRACKET},
        {'\\', '|', HID_KEY_BACKSLASH},  {';', ':', HID_KEY_SEMICOLON},
        {'\'', '"', HID_KEY_APOSTROPHE}, {'`', '~', HID_KEY_GRAVE},
        {',', '<', HID_KEY_COMMA},       {'.', '>', HID_KEY_PERIOD},
        {'/', '?', HID_KEY_SLASH},
    };
    *shift = false;
    if (ch >= 'a' && ch <= 'z')
        return HID_KEY_A + (ch - 'a');
    if (ch >= 'A' && ch <= 'Z') {
        *shift = true;
        return HID_KEY_A + (ch - 'A');
    }
    switch (ch) {
    case ' ':
        return HID_KEY_SPACE;
    case '\n':
    case '\r':
        return HID_KEY_ENTER;
    case '\t':
        return HID_KEY_TAB;
    case '\b':
        return HID_KEY_BACKSPACE;
    case 27:
        return HID_KEY_ESCAPE;
    }
    for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++) {
        if (ch == symbols[i].plain)
            return symbols[i].key;
        if (ch == symbols[i].shifted) {
            *shift = true;
            return symbols[i].key;
        }
    }
    return -1;
}

/* ---- the queue ---- */

struct key_event {
    uint8_t key;
    bool down;
};

struct key_queue {
    struct key_event *ev;
    size_t head, len, cap;
    bool sent;        /* an event went out at last_ns */
    uint64_t last_ns; /* virtual time of the last event sent */
};

struct key_queue *key_queue_new(void)
{
    return calloc(1, sizeof(struct key_queue));
}

void key_queue_free(struct key_queue *q)
{
    if (!q)
        return;
    free(q->ev);
    free(q);
}

static int push(struct key_queue *q, int key, bool down)
{
    if (q->len == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 64;
        struct key_event *ev = realloc(q->ev, cap * sizeof *ev);
        if (!ev)
            return -1;
        q->ev = ev;
        q->cap = cap;
    }
    q->ev[q->len++] = (struct key_event){(uint8_t)key, down};
    return 0;
}

int key_queue_type(struct key_queue *q, const char *text, char *err, size_t errlen)
{
    for (const char *p = text; *p; p++) {
        bool shift;
        if (keymap_ascii((unsigned char)*p, &shift) < 0) {
            unsigned char c = (unsigned char)*p;
            if (c >= 0x20 && c < 0x7F)
                snprintf(err, errlen, "'%c' cannot be typed on a US keyboard", c);
            else
                snprintf(err, errlen, "character 0x%02X cannot be typed (ASCII only, \\n is Enter)", c);
            return -1;
        }
    }
    size_t start = q->len;
    for (const char *p = text; *p; p++) {
        bool shift;
        int key = keymap_ascii((unsigned char)*p, &shift);
        int r = 0;
        if (shift)
            r |= push(q, HID_KEY_LSHIFT, true);
        r |= push(q, key, true) | push(q, key, false);
        if (shift)
            r |= push(q, HID_KEY_LSHIFT, false);
        if (r) {
            q->len = start;
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    return 0;
}

int key_queue_combo(struct key_queue *q, const int *keys, int n)
{
    size_t start = q->len;
    int r = 0;
    for (int i = 0; i < n; i++)
        r |= push(q, keys[i], true);
    for (int i = n - 1; i >= 0; i--)
        r |= push(q, keys[i], false);
    if (r)
        q->len = start;
    return r;
}

int key_queue_key(struct key_queue *q, int key, bool down)
{
    return push(q, key, down);
}

bool key_queue_idle(const struct key_queue *q)
{
    return q->head == q->len;
}

void key_queue_clear(struct key_queue *q)
{
    q->head = q->len = 0;
}

void key_queue_poll(struct key_queue *q, struct machine *m)
{
    if (q->head == q->len) {
        q->head = q->len = 0;
        return;
    }
    uint64_t now = timerq_now(m->tq);
    if (q->sent) {
        uint64_t since = now - q->last_ns;
        if (since < KEY_QUEUE_GAP_NS)
            return;
        /* the status register has no read side effects (8042 status port) */
        bool full = bus_in(m->bus, I8042_CMD_PORT, 1) & I8042_STR_OBF;
        if (full && since < KEY_QUEUE_MAX_WAIT_NS)
            return;
    }
    struct key_event e = q->ev[q->head++];
    ps2kbd_key(m->ps2kbd, e.key, e.down);
    q->sent = true;
    q->last_ns = now;
}
