/* piix4_pm.h - the PIIX4 power-management function (ACPI): the PM timer,
 * PM1 event/control registers (power off through SLP_EN), SCI, and the APM
 * control port that switches ACPI mode on. */
#ifndef DYNAPC_PIIX4_PM_H
#define DYNAPC_PIIX4_PM_H

#include "devices/bus.h"
#include "devices/irq.h"
#include "devices/pci.h"
#include "devices/timer.h"
#include "devices/vmstate.h"

struct piix4_pm;

/* sci: the interrupt line (IRQ 9 on a PC); power_off: called when the guest
 * enters the soft-off state (S5) */
struct piix4_pm *piix4_pm_new(struct bus *bus, struct pci_bus *pci, int devfn, struct timerq *tq,
                              const struct irq_line *sci, void (*power_off)(void *opaque), void *opaque);
void piix4_pm_free(struct piix4_pm *p);
void piix4_pm_reset(struct piix4_pm *p);
/* the power button: sets PWRBTN_STS and raises SCI if enabled */
void piix4_pm_power_button(struct piix4_pm *p);
extern const struct vmstate_desc piix4_pm_vmstate;

#endif
