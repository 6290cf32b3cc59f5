/* i440fx.c - Intel 82441FX host bridge (Intel 440FX PCIset datasheet,
 * 82441FX PMC; section 3.2 "Configuration registers"). */
#include "devices/i440fx.h"

#include <stdlib.h>
#include <string.h>

struct i440fx {
    struct pci_device dev;
    struct bus *bus;
    struct pci_bus *pci;
    struct physmem *pm;
    uint32_t cf8; /* CONFADD: enable bit 31, bus 23:16, devfn 15:8, register 7:2 */
    uint8_t rcr;  /* reset control register at 0xCF9 (PIIX3 datasheet 2.3.1) */
    const struct irq_line *reset;
};

const struct vmstate_desc i440fx_vmstate = {
    "i440fx",
    1,
    (const struct vmstate_field[]){VMSTATE_FIELD(struct i440fx, cf8), VMSTATE_FIELD(struct i440fx, rcr),
                                   VMSTATE_ARRAY(struct i440fx, dev.config), VMSTATE_END},
};

enum { PAM0 = 0x59, SMRAM = 0x72 };

/* PAM0 bits 5:4 map F0000-FFFFF; PAM1-PAM6 each map two 16 KB blocks
 * (bits 1:0 and 5:4) from C0000 upwards.  Field bit 0 = reads from DRAM,
 * bit 1 = writes to DRAM (datasheet 3.2.18). */
static void apply_pam(struct i440fx *h)
{
    uint8_t f = (h->dev.config[PAM0] >> 4) & 3;
    for (int b = 12; b < 16; b++)
        physmem_set_pam(h->pm, b, f);
    for (int i = 0; i < 6; i++) {
        uint8_t v = h->dev.config[PAM0 + 1 + i];
        physmem_set_pam(h->pm, 2 * i, v & 3);
        physmem_set_pam(h->pm, 2 * i + 1, (v >> 4) & 3);
    }
}

static void config_write(struct pci_device *d, unsigned off, uint32_t value, unsigned size)
{
    (void)value;
    struct i440fx *h = d->opaque;
    if (off <= PAM0 + 6 && off + size > PAM0)
        apply_pam(h);
}

static const struct pci_device_ops i440fx_pci_ops = {config_write, NULL};

static uint64_t port_read(void *opaque, uint64_t off, unsigned size)
{
    struct i440fx *h = opaque;
    if (off < 4) {
        if (off == 1 && size == 1)
            return h->rcr;
        return off == 0 && size == 4 ? h->cf8 : 0xFFFFFFFFu;
    }
    if (!(h->cf8 & 0x80000000u))
        return 0xFFFFFFFFu;
    unsigned reg = (h->cf8 & 0xFC) + (unsigned)(off - 4);
    return pci_config_read(h->pci, (h->cf8 >> 16) & 0xFF, (h->cf8 >> 8) & 0xFF, reg, size);
}

static void port_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    struct i440fx *h = opaque;
    if (off < 4) {
        /* only a 32-bit write to 0xCF8 is CONFADD (PCI 2.1, 3.7.4.1) */
        if (off == 0 && size == 4)
            h->cf8 = (uint32_t)v & 0x80FFFFFCu;
        if (off == 1 && size == 1) {
            h->rcr = (uint8_t)(v & 0x02);
            if (v & 0x04)
                irq_pulse(h->reset); /* bit 1 picks hard vs soft reset; both reset the PC */
        }
        return;
    }
    if (!(h->cf8 & 0x80000000u))
        return;
    unsigned reg = (h->cf8 & 0xFC) + (unsigned)(off - 4);
    pci_config_write(h->pci, (h->cf8 >> 16) & 0xFF, (h->cf8 >> 8) & 0xFF, reg, (uint32_t)v, size);
}

static const struct bus_ops i440fx_port_ops = {port_read, port_write, BUS_W8 | BUS_W16 | BUS_W32};

void i440fx_reset(struct i440fx *h)
{
    h->cf8 = 0;
    memset(h->dev.config + 0x40, 0, 0xC0);
    h->dev.config[SMRAM] = 0x02;
    pci_set16(&h->dev, PCI_COMMAND, 0x0006);
    apply_pam(h);
}

struct i440fx *i440fx_new(struct bus *bus, struct pci_bus *pci, struct physmem *pm,
                          const struct irq_line *reset)
{
    struct i440fx *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->reset = reset;
    h->bus = bus;
    h->pci = pci;
    h->pm = pm;
    if (pci_device_init(&h->dev, pci, 0, "i440fx", 0x8086, 0x1237, 0x02, 0x060000, 0x00, &i440fx_pci_ops,
                        h)) {
        free(h);
        return NULL;
    }
    pci_device_set_wmask(&h->dev, PAM0, 0x30, 1);
    for (int i = 1; i <= 6; i++)
        pci_device_set_wmask(&h->dev, PAM0 + (unsigned)i, 0x33, 1);
    pci_device_set_wmask(&h->dev, SMRAM, 0x78, 1);
    if (bus_map(bus, BUS_IO, 0xCF8, 8, &i440fx_port_ops, h, "i440fx config")) {
        pci_device_remove(&h->dev);
        free(h);
        return NULL;
    }
    i440fx_reset(h);
    return h;
}

void i440fx_free(struct i440fx *h)
{
    if (!h)
        return;
    bus_unmap(h->bus, BUS_IO, 0xCF8);
    pci_device_remove(&h->dev);
    free(h);
}
