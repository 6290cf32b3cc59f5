/* uart.h - 16550A UART (PC COM port) on 8 I/O ports.
 *
 * Transmitted bytes go to the chardev at once and THRE/TEMT stay set, so a
 * guest polling LSR is never slowed down; the THRE interrupt still follows
 * the datasheet.  Received bytes are taken from the chardev by a timer on
 * the timer queue, one per character time at the programmed baud rate (but
 * no more often than every UART_RX_POLL_MIN_NS).  The IRQ line is driven
 * only while MCR.OUT2 is set, as PC serial adapters wire it. */
#ifndef DYNAPC_UART_H
#define DYNAPC_UART_H

#include <stdint.h>

#include "devices/bus.h"
#include "devices/chardev.h"
#include "devices/irq.h"
#include "devices/timer.h"
#include "devices/vmstate.h"

#define UART_FIFO_SIZE      16
#define UART_CLOCK_HZ       1843200u /* PC crystal: divisor 1 = 115200 baud */
#define UART_RX_POLL_MIN_NS 100000u  /* don't poll the back end more often */

struct uart;

/* Claims iobase..iobase+7 on bus (name is the region name, e.g. "COM1").
 * Returns NULL if the ports are taken (bus_error() says why) or on no memory.
 * irq and cd must outlive the UART; cd may be NULL (output discarded). */
struct uart *uart_new(struct bus *bus, uint16_t iobase, struct timerq *tq, const struct irq_line *irq,
                      struct chardev *cd, const char *name);
void uart_free(struct uart *u);
void uart_reset(struct uart *u);
/* after the fields in uart_vmstate were restored: re-arm timers, redrive IRQ */
void uart_post_load(struct uart *u);

extern const struct vmstate_desc uart_vmstate;

#endif
