/* i8042.h - 8042 keyboard controller (ports 0x60 data, 0x64 status/command).
 *
 * The controller owns the output buffer, the status register, the command
 * byte, the output port (A20 gate, CPU reset) and its own commands.  The
 * devices on its two serial ports (PS/2 keyboard on port 1, mouse on the
 * auxiliary port 2) live behind a small interface so that each can be its
 * own file (ps2kbd.c, ps2mouse.c):
 *   - the controller hands a device every byte the host sends it through
 *     the write callback given to i8042_attach_kbd()/i8042_attach_aux();
 *   - a device keeps its own output buffer, as real ones do: whenever the
 *     controller can take a byte (output buffer empty, the port's clock not
 *     held by the command byte's disable bit) it calls the device's read
 *     callback; a device that has new bytes says so with
 *     i8042_kbd_ready()/i8042_aux_ready();
 *   - a device without a buffer of its own (read == NULL) may instead push
 *     bytes with i8042_push_kbd_byte()/i8042_push_aux_byte(); the
 *     controller queues those for it.
 * With command byte bit 6 set, every byte from the keyboard port passes
 * through the 8042's scan-code translation (set 2 -> set 1, an F0h prefix
 * folded into bit 7 of the next byte) on its way to the output buffer.
 * A port with nothing attached answers every byte sent to it with FEh and
 * the status register's time-out bit, as a controller with nothing plugged
 * in does. */
#ifndef DYNAPC_I8042_H
#define DYNAPC_I8042_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/bus.h"
#include "devices/irq.h"
#include "devices/vmstate.h"

#define I8042_DATA_PORT  0x60
#define I8042_CMD_PORT   0x64
#define I8042_QUEUE_SIZE 16

/* status register (read port 0x64) */
#define I8042_STR_OBF     0x01 /* output buffer full */
#define I8042_STR_IBF     0x02 /* input buffer full (always 0 here: input is taken at once) */
#define I8042_STR_SYSFLAG 0x04
#define I8042_STR_CMD     0x08 /* last write went to 0x64 (A2 line) */
#define I8042_STR_UNLOCK  0x10 /* keyboard inhibit switch: 1 = not inhibited */
#define I8042_STR_AUXOBF  0x20 /* output buffer holds auxiliary-device data */
#define I8042_STR_TIMEOUT 0x40
#define I8042_STR_PARITY  0x80

/* command byte (controller RAM byte 0) */
#define I8042_CTR_KBDINT 0x01 /* IRQ1 on keyboard data */
#define I8042_CTR_AUXINT 0x02 /* IRQ12 on auxiliary data */
#define I8042_CTR_SYS    0x04
#define I8042_CTR_KBDDIS 0x10
#define I8042_CTR_AUXDIS 0x20
#define I8042_CTR_XLATE  0x40

/* output port */
#define I8042_OUT_RESET  0x01 /* 0 = CPU held in reset */
#define I8042_OUT_A20    0x02
#define I8042_OUT_KBDOBF 0x10 /* IRQ1 pin */
#define I8042_OUT_AUXOBF 0x20 /* IRQ12 pin */

struct i8042;

/* Claims ports 0x60 and 0x64; NULL if either is taken (bus_error() says
 * why).  a20 is driven on every output-port write (not at creation: the
 * board sets A20's power-on level, enabled, matching the output port's
 * reset value); reset gets a pulse per reset request; irq1/irq12 follow the
 * output buffer (level).  Any line may be NULL. */
struct i8042 *i8042_new(struct bus *bus, const struct irq_line *a20, const struct irq_line *reset,
                        const struct irq_line *irq1, const struct irq_line *irq12);
void i8042_free(struct i8042 *c);
/* The controller's own power-on reset (queues emptied, system flag 0).  A
 * CPU reset requested through the controller does not reset the 8042. */
void i8042_reset(struct i8042 *c);

/* Device side.  write == NULL leaves the port empty.  read returns the
 * device's next byte for the host, or -1 when it has none; it must not call
 * back into the controller. */
void i8042_attach_kbd(struct i8042 *c, void (*write)(void *opaque, uint8_t byte), int (*read)(void *opaque),
                      void *opaque);
void i8042_attach_aux(struct i8042 *c, void (*write)(void *opaque, uint8_t byte), int (*read)(void *opaque),
                      void *opaque);
/* the device has bytes waiting: the controller takes one if it can */
void i8042_kbd_ready(struct i8042 *c);
void i8042_aux_ready(struct i8042 *c);
/* for devices without a buffer: false if the port's queue is full and the
 * byte was dropped */
bool i8042_push_kbd_byte(struct i8042 *c, uint8_t byte);
bool i8042_push_aux_byte(struct i8042 *c, uint8_t byte);
/* command byte bit 6: the controller translates keyboard bytes */
bool i8042_kbd_translation(const struct i8042 *c);
/* the translation applied to one byte other than the F0h prefix (8042
 * translation table: 00h-7Fh map set 2 to set 1, 80h and up pass
 * unchanged except 83h -> 41h and 84h -> 54h) */
uint8_t i8042_translate(uint8_t byte);

/* after the fields in i8042_vmstate were restored */
void i8042_post_load(struct i8042 *c);

extern const struct vmstate_desc i8042_vmstate;

#endif
