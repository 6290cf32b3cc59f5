/* speaker_port.h - port 0x61, "system control port B" of the PC/AT.
 *
 * Write: bit 0 = GATE of PIT counter 2, bit 1 = speaker data enable,
 * bits 2-3 = parity / channel check enables (stored only).
 * Read:  bits 0-3 as written, bit 4 = refresh request toggle (flips every
 * 15.085 us of virtual time; DOS and BIOS delay loops count its flips),
 * bit 5 = OUT of PIT counter 2, bits 6-7 = channel check / parity error
 * (never raised here, read 0). */
#ifndef DYNAPC_SPEAKER_PORT_H
#define DYNAPC_SPEAKER_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/bus.h"
#include "devices/pit.h"
#include "devices/timer.h"
#include "devices/vmstate.h"

#define SPEAKER_PORT       0x61
#define SPEAKER_REFRESH_NS 15085u /* half period of the refresh request toggle */

struct speaker_port;

struct speaker_port *speaker_port_new(struct bus *bus, struct pit *pit, struct timerq *tq);
void speaker_port_free(struct speaker_port *sp);
/* bits 0-3 cleared, counter 2's gate driven low */
void speaker_port_reset(struct speaker_port *sp);
/* the speaker sounds (follows counter 2's OUT) when bits 0 and 1 are set */
bool speaker_port_speaker_on(const struct speaker_port *sp);
/* after restoring speaker_port_vmstate: drive the PIT gate again */
void speaker_port_post_load(struct speaker_port *sp);

extern const struct vmstate_desc speaker_port_vmstate;

#endif
