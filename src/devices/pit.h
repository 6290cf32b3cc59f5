/* pit.h - Intel 8254 programmable interval timer (ports iobase..iobase+3).
 *
 * Three counters clocked at 1193182 Hz.  Nothing runs per clock: each
 * counter's value and OUT level are computed from the virtual time since it
 * was loaded, and the only events scheduled are the OUT transitions of
 * counter 0, which drives irq0.  Counters 0 and 1 have their GATE tied high
 * as on a PC; counter 2's gate comes from port 0x61 (pit_set_gate). */
#ifndef DYNAPC_PIT_H
#define DYNAPC_PIT_H

#include <stdint.h>

#include "devices/bus.h"
#include "devices/irq.h"
#include "devices/timer.h"
#include "devices/vmstate.h"

#define PIT_FREQ_HZ 1193182u

struct pit;

/* irq0 may be NULL (then no events are scheduled at all). */
struct pit *pit_new(struct bus *bus, uint16_t iobase, struct timerq *tq, const struct irq_line *irq0);
void pit_free(struct pit *pit);
/* All counters back to the power-on state: control word 0x36 (lsb then msb,
 * mode 3, binary), no count, OUT high.  Gate inputs are external and kept. */
void pit_reset(struct pit *pit);
void pit_set_gate(struct pit *pit, int channel, int level);
int pit_get_out(struct pit *pit, int channel);

/* After the fields of pit_vmstate were restored: re-drive irq0 and re-arm
 * the event of the next OUT transition. */
void pit_post_load(struct pit *pit);

extern const struct vmstate_desc pit_vmstate;

#endif
