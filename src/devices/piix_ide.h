/* piix_ide.h - PIIX3 function 1 (Intel 82371SB, PCI 8086:7010): the IDE
 * interface with bus-master DMA.
 *
 * Both channels run in compatibility mode (programming interface 80h):
 * the legacy ports and IRQ14/15 belong to the two ide_channel objects,
 * which the board creates and which stay decoded whatever the function's
 * configuration says.  BAR4 is the bus master's 16 I/O ports at a base the
 * guest chooses (primary at +0, secondary at +8): command, status and PRD
 * table pointer per channel (SFF-8038i; PIIX3 datasheet 2.7). */
#ifndef DYNAPC_PIIX_IDE_H
#define DYNAPC_PIIX_IDE_H

#include "devices/ide.h"
#include "devices/pci.h"
#include "devices/physmem.h"
#include "devices/vmstate.h"

struct piix_ide;

/* devfn 0x09 on a PC (slot 1, function 1, after the PIIX3 ISA bridge).
 * Either channel may be NULL.  NULL if the devfn is taken
 * (pci_bus_error() says why) or on no memory. */
struct piix_ide *piix_ide_new(struct pci_bus *pci, int devfn, struct ide_channel *primary,
                              struct ide_channel *secondary, struct physmem *mem);
void piix_ide_free(struct piix_ide *p);
/* PCI reset: configuration registers and bus masters to their defaults */
void piix_ide_reset(struct piix_ide *p);

extern const struct vmstate_desc piix_ide_vmstate;

#endif
