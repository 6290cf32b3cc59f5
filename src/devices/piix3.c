/* piix3.c - Intel 82371SB PIIX3 function 0, the PCI-to-ISA bridge (PIIX3
 * datasheet, 2.2 "PCI to ISA bridge configuration registers").  It owns the
 * routing of PCI interrupts: PIRQRC[A:D] at 60h-63h steer PIRQA#-D# to an
 * ISA IRQ (bit 7 = routing disabled).  Slot N's INTA# reaches PIRQ
 * (N + pin) mod 4, the swizzle of the PC boards QEMU and SeaBIOS assume. */
#include "devices/piix3.h"

#include <stdlib.h>
#include <string.h>

struct piix3 {
    struct pci_device dev;
    const struct irq_line *isa_irq;
    uint32_t pirq_sources[4]; /* per PIRQ: bit per (slot*4+pin) asserting it (slots 0-7 used) */
    uint8_t isa_level[16];    /* ISA IRQ levels we drive */
};

const struct vmstate_desc piix3_vmstate = {
    "piix3",
    1,
    (const struct vmstate_field[]){VMSTATE_ARRAY(struct piix3, dev.config),
                                   VMSTATE_ARRAY(struct piix3, pirq_sources), VMSTATE_END},
};

/* recompute every ISA line driven by PIRQs: a line is high if any PIRQ
 * routed to it has an asserted source (PCI interrupts are shared, level) */
static void update_lines(struct piix3 *p)
{
    uint8_t want[16] = {0};
    for (int i = 0; i < 4; i++) {
        uint8_t r = p->dev.config[0x60 + i];
        if (!(r & 0x80) && (r & 0x0F) >= 3 && p->pirq_sources[i])
            want[r & 0x0F] = 1;
    }
    for (int irq = 0; irq < 16; irq++) {
        if (want[irq] != p->isa_level[irq]) {
            p->isa_level[irq] = want[irq];
            irq_set(&p->isa_irq[irq], want[irq]);
        }
    }
}

static void route(void *opaque, int devfn, int pin, int level)
{
    struct piix3 *p = opaque;
    int slot = devfn >> 3;
    int pirq = (slot + pin) & 3;
    uint32_t bit = 1u << ((slot & 7) * 4 + pin);
    if (level)
        p->pirq_sources[pirq] |= bit;
    else
        p->pirq_sources[pirq] &= ~bit;
    update_lines(p);
}

static void config_write(struct pci_device *d, unsigned off, uint32_t value, unsigned size)
{
    (void)value;
    if (off <= 0x63 && off + size > 0x60)
        update_lines(d->opaque);
}

static const struct pci_device_ops piix3_pci_ops = {config_write, NULL};

void piix3_reset(struct piix3 *p)
{
    for (int i = 0; i < 4; i++)
        p->dev.config[0x60 + i] = 0x80; /* PIRQ routing disabled after reset */
    pci_set16(&p->dev, PCI_COMMAND, 0x0007);
    p->dev.config[0x69] = 0x02; /* top of memory, datasheet default */
    update_lines(p);
}

struct piix3 *piix3_new(struct pci_bus *pci, int devfn, const struct irq_line *isa_irq)
{
    struct piix3 *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->isa_irq = isa_irq;
    /* header type 80h: a multi-function device (IDE and PM are functions 1 and 3) */
    if (pci_device_init(&p->dev, pci, devfn, "piix3", 0x8086, 0x7000, 0x00, 0x060100, 0x80, &piix3_pci_ops,
                        p)) {
        free(p);
        return NULL;
    }
    pci_device_set_wmask(&p->dev, 0x60, 0x8F8F8F8Fu, 4);
    pci_device_set_wmask(&p->dev, 0x4C, 0xFF, 1);   /* ISA recovery timer */
    pci_device_set_wmask(&p->dev, 0x4E, 0xFFFF, 2); /* X-bus chip select */
    pci_device_set_wmask(&p->dev, 0x69, 0xFE, 1);   /* top of memory */
    pci_device_set_wmask(&p->dev, 0x6A, 0xFF, 1);   /* misc status */
    pci_device_set_wmask(&p->dev, 0x70, 0xFF, 1);   /* motherboard IRQ route */
    pci_device_set_wmask(&p->dev, 0x76, 0xFFFF, 2); /* motherboard DMA */
    pci_device_set_wmask(&p->dev, 0x80, 0xFF, 1);   /* APIC base relocation */
    pci_device_set_wmask(&p->dev, 0xA0, 0xFFFFFFFF, 4);
    pci_bus_set_irq_router(pci, route, p);
    piix3_reset(p);
    return p;
}

void piix3_free(struct piix3 *p)
{
    if (!p)
        return;
    pci_device_remove(&p->dev);
    free(p);
}
