/* pic.h - Intel 8259A programmable interrupt controller, one chip per
 * instance.  The board builds a master at 0x20 and a slave at 0xA0, wires the
 * slave's INT output to the master's IR2 (an irq_line made with pic_set_irq)
 * and tells the master with pic_set_cascade() which chip answers the INTA
 * cycle for that input.  The master's INT output goes to the CPU's INTR pin;
 * the CPU calls pic_acknowledge() on the master to run the INTA cycle.
 *
 * An optional PIIX edge/level control register (ELCR, ports 0x4D0/0x4D1)
 * selects level triggering per input, on top of ICW1's LTIM bit. */
#ifndef DYNAPC_PIC_H
#define DYNAPC_PIC_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/irq.h"
#include "devices/vmstate.h"

struct bus;
struct pic;

/* iobase: 0x20 or 0xA0.  elcr_port: 0x4D0/0x4D1 for the PIIX edge/level
 * control register, 0 = none.  int_out: the chip's INT output (master -> CPU
 * INTR; slave -> master IR2); it is copied.  Returns NULL if the ports are
 * already claimed (bus_error() says by whom) or memory runs out. */
struct pic *pic_new(struct bus *bus, uint16_t iobase, uint16_t elcr_port, const struct irq_line *int_out,
                    const char *name);
void pic_free(struct pic *pic);
/* power-on state: the 8259A has no reset pin, so this is the emulator's
 * choice: everything cleared and all inputs masked until ICW1 arrives */
void pic_reset(struct pic *pic);
/* slave's INT arrives on master's IR `ir`; the master asks it for the vector
 * when it acknowledges that input in cascade mode */
void pic_set_cascade(struct pic *master, int ir, struct pic *slave);
/* input IR n (0-7) is at `level`; usable directly as an irq_line setter:
 * irq_line_make(pic_set_irq, pic, n) */
void pic_set_irq(void *pic, int n, int level);
/* the INTA cycle: returns the vector (handles cascade, spurious IR7/IR15) */
int pic_acknowledge(struct pic *master);
/* current INT output level */
bool pic_int_output(const struct pic *pic);

/* named fields of struct pic */
extern const struct vmstate_desc pic_vmstate;

#endif
