/* ps2mouse.h - PS/2 mouse with the IntelliMouse wheel, on the 8042's
 * auxiliary port.
 *
 * The mouse answers the host's commands (reset, defaults, enable/disable
 * reporting, sample rate, resolution, scaling, status, stream/remote/wrap
 * modes, read data, get ID, resend).  It starts as a standard 3-button
 * mouse (ID 00h, 3-byte packets); after the IntelliMouse knock (sample
 * rates 200, 100, 80 in a row) its ID is 03h and its packets carry a fourth
 * byte with the wheel.  In stream mode it reports at most once per sample
 * period of virtual time; movement accumulates while a packet waits for the
 * host, and a count beyond the packet's 9-bit range sets the overflow bit. */
#ifndef DYNAPC_PS2MOUSE_H
#define DYNAPC_PS2MOUSE_H

#include <stdint.h>

#include "devices/vmstate.h"

struct i8042;
struct timerq;

/* reset command to AAh 00h (a real mouse's self test takes 300-500 ms;
 * drivers wait seconds) */
#define PS2MOUSE_RESET_DELAY_NS 1000000ull

/* buttons, as in bits 0-2 of the packet's first byte */
#define PS2MOUSE_BUTTON_LEFT   0x01
#define PS2MOUSE_BUTTON_RIGHT  0x02
#define PS2MOUSE_BUTTON_MIDDLE 0x04

struct ps2mouse;

/* Attaches itself to the controller's auxiliary port and schedules its
 * sample and reset events on tq. */
struct ps2mouse *ps2mouse_new(struct i8042 *kbc, struct timerq *tq);
/* detaches from the controller: free the mouse before the controller */
void ps2mouse_free(struct ps2mouse *m);
/* power-on state: stream mode, reporting disabled, 100 samples/s,
 * 4 counts/mm, scaling 1:1, standard mouse (ID 00h) */
void ps2mouse_reset(struct ps2mouse *m);

/* The host mouse moved and/or its buttons changed.  dx, dy are counts in
 * screen orientation (x to the right, y DOWN, as window systems report
 * them); the PS/2 packet's Y axis points up, so the mouse negates dy.  dz
 * is wheel detents, positive when the wheel turns towards the user
 * (scrolling down; the packet's own sign: SDL's wheel.y is the negative).
 * buttons is the full state, PS2MOUSE_BUTTON_* bits.  The resolution set
 * by the host (E8h) is reported in the status but does not rescale dx/dy. */
void ps2mouse_event(struct ps2mouse *m, int dx, int dy, int dz, unsigned buttons);

/* 00h, or 03h after the IntelliMouse knock */
int ps2mouse_id(const struct ps2mouse *m);

/* after the fields in ps2mouse_vmstate were restored */
void ps2mouse_post_load(struct ps2mouse *m);

extern const struct vmstate_desc ps2mouse_vmstate;

#endif
