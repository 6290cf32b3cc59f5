/* keymap.h - keys by name and characters as key presses (US layout), and a
 * queue that feeds presses and releases to the emulated PS/2 keyboard at a
 * pace the guest keeps up with.  Scripts (`type`, `key`) and the monitor
 * (`type`, `key`/`sendkey`) both type through it. */
#ifndef DYNAPC_KEYMAP_H
#define DYNAPC_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct machine;

/* most keys one combination holds down */
#define KEYMAP_MAX_COMBO 8

/* The HID usage ID (enum hid_key) of a key name: a-z, 0-9, f1-f24, ctrl,
 * alt, shift, altgr, enter, esc, tab, space, backspace, delete, insert,
 * home, end, pgup, pgdn, up, down, left, right, and QEMU's sendkey names
 * (ctrl_r, ret, spc, kp_add, ...).  Case-insensitive; -1 if unknown. */
int keymap_key_by_name(const char *name);

/* Parses a combination such as "ctrl-alt-delete": names joined with '-'.
 * Fills keys[] in press order and returns how many; on error returns -1
 * with one line in err naming the bad key. */
int keymap_parse_combo(const char *combo, int keys[KEYMAP_MAX_COMBO], char *err, size_t errlen);

/* The key that types the ASCII character ch on a US keyboard ('\n' is
 * Enter, '\t' Tab, '\b' Backspace, 27 Escape), and whether Shift must be
 * held; -1 if no key types it. */
int keymap_ascii(int ch, bool *shift);

/* ---- the queue ---- */

struct key_queue;

struct key_queue *key_queue_new(void);
void key_queue_free(struct key_queue *q);
/* Appends the presses and releases that type text; returns -1 (and queues
 * nothing) if a character has no key, with err naming it. */
int key_queue_type(struct key_queue *q, const char *text, char *err, size_t errlen);
/* Appends: press keys[0..n-1] in order, release them in reverse order. */
int key_queue_combo(struct key_queue *q, const int *keys, int n);
/* Appends one press (down) or release: a host keyboard's events. */
int key_queue_key(struct key_queue *q, int key, bool down);
/* nothing left to send */
bool key_queue_idle(const struct key_queue *q);
void key_queue_clear(struct key_queue *q);
/* Sends the next event to m's keyboard when the guest has taken the
 * previous one: the 8042's output buffer is empty and KEY_QUEUE_GAP_NS of
 * virtual time have passed (or KEY_QUEUE_MAX_WAIT_NS, for a guest that does
 * not read its keyboard).  Call between short run slices. */
void key_queue_poll(struct key_queue *q, struct machine *m);

#define KEY_QUEUE_GAP_NS      5000000ull   /* 5 ms */
#define KEY_QUEUE_MAX_WAIT_NS 200000000ull /* 200 ms */

#endif
