/* debugcon.h - the Bochs/QEMU debug console: a byte written to one I/O port
 * (0xE9 by default) goes to a chardev; reading the port returns 0xE9 so that
 * a guest can detect the console. */
#ifndef DYNAPC_DEBUGCON_H
#define DYNAPC_DEBUGCON_H

#include <stdint.h>

#include "devices/bus.h"
#include "devices/chardev.h"

#define DEBUGCON_PORT     0xE9
#define DEBUGCON_READBACK 0xE9

struct debugcon;

/* Claims one port; NULL if it is taken (bus_error() says why).  cd must
 * outlive the device; NULL discards the output. */
struct debugcon *debugcon_new(struct bus *bus, uint16_t port, struct chardev *cd);
void debugcon_free(struct debugcon *dc);

#endif
