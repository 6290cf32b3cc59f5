/* port92.h - System Control Port A (port 0x92, "fast A20 and reset"):
 * bit 1 gates A20, a 0->1 transition of bit 0 resets the CPU. */
#ifndef DYNAPC_PORT92_H
#define DYNAPC_PORT92_H

#include <stdint.h>

#include "devices/bus.h"
#include "devices/irq.h"
#include "devices/vmstate.h"

#define PORT92_PORT  0x92
#define PORT92_RESET 0x01
#define PORT92_A20   0x02

struct port92;

/* Claims port 0x92; NULL if it is taken (bus_error() says why).  a20 is
 * driven with bit 1 on every write (it is not driven at creation: the board
 * sets A20's power-on level); reset gets a pulse per reset request.  Either
 * line may be NULL. */
struct port92 *port92_new(struct bus *bus, const struct irq_line *a20, const struct irq_line *reset);
void port92_free(struct port92 *p);
/* system reset: bit 0 drops back to 0 so that the next 1 resets again; the
 * A20 bit is kept */
void port92_reset(struct port92 *p);

extern const struct vmstate_desc port92_vmstate;

#endif
