/* i440fx.h - the Intel 82441FX PCI host bridge (PMC): PCI configuration
 * mechanism #1 at ports 0xCF8/0xCFC and the PAM registers that shadow the
 * BIOS into RAM. */
#ifndef DYNAPC_I440FX_H
#define DYNAPC_I440FX_H

#include "devices/bus.h"
#include "devices/irq.h"
#include "devices/pci.h"
#include "devices/physmem.h"
#include "devices/vmstate.h"

struct i440fx;

/* Claims ports 0xCF8-0xCFF and PCI 00:00.0; NULL on a port/slot conflict.
 * Port 0xCF9 (byte) is the PIIX3 reset control register, which shares the
 * CONFADD dword: a write with bit 2 set pulses `reset`. */
struct i440fx *i440fx_new(struct bus *bus, struct pci_bus *pci, struct physmem *pm,
                          const struct irq_line *reset);
void i440fx_free(struct i440fx *h);
void i440fx_reset(struct i440fx *h);
extern const struct vmstate_desc i440fx_vmstate;

#endif
