/* piix3.h - the PIIX3 PCI-to-ISA bridge (function 0): PCI interrupt
 * routing (PIRQA#-PIRQD# to ISA IRQs). */
#ifndef DYNAPC_PIIX3_H
#define DYNAPC_PIIX3_H

#include "devices/irq.h"
#include "devices/pci.h"
#include "devices/vmstate.h"

struct piix3;

/* isa_irq: the 16 ISA interrupt lines the PIRQs can be steered to */
struct piix3 *piix3_new(struct pci_bus *pci, int devfn, const struct irq_line *isa_irq /* [16] */);
void piix3_free(struct piix3 *p);
void piix3_reset(struct piix3 *p);
extern const struct vmstate_desc piix3_vmstate;

#endif
