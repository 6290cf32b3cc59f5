/* pci.c - PCI bus 0 (see pci.h). */
#include "devices/pci.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pci_bus {
    struct bus *sys;
    struct pci_device *dev[256];
    void (*route)(void *opaque, int devfn, int pin, int level);
    void *route_opaque;
    char error[256];
};

struct pci_bus *pci_bus_new(struct bus *sysbus)
{
    struct pci_bus *b = calloc(1, sizeof *b);
    if (b)
        b->sys = sysbus;
    return b;
}

void pci_bus_free(struct pci_bus *b)
{
    free(b);
}

void pci_bus_set_irq_router(struct pci_bus *b, void (*route)(void *, int, int, int), void *opaque)
{
    b->route = route;
    b->route_opaque = opaque;
}

const char *pci_bus_error(const struct pci_bus *b)
{
    return b->error;
}

struct pci_device *pci_bus_device(struct pci_bus *b, int devfn)
{
    return devfn >= 0 && devfn < 256 ? b->dev[devfn] : NULL;
}

int pci_device_init(struct pci_device *d, struct pci_bus *b, int devfn, const char *name, uint16_t vendor,
                    uint16_t device, uint8_t rev, uint32_t class_code, uint8_t header_type,
                    const struct pci_device_ops *ops, void *opaque)
{
    if (devfn < 0 || devfn > 255 || b->dev[devfn]) {
        snprintf(b->error, sizeof b->error, "pci: '%s' at %02x.%x is taken by '%s'", name, devfn >> 3,
                 devfn & 7, devfn >= 0 && devfn < 256 && b->dev[devfn] ? b->dev[devfn]->name : "?");
        return -1;
    }
    memset(d, 0, sizeof *d);
    d->bus = b;
    d->devfn = devfn;
    snprintf(d->name, sizeof d->name, "%s", name);
    d->ops = ops;
    d->opaque = opaque;
    pci_set16(d, PCI_VENDOR, vendor);
    pci_set16(d, PCI_DEVICE, device);
    d->config[PCI_REVISION] = rev;
    d->config[PCI_CLASS_PROG] = (uint8_t)class_code;
    d->config[PCI_CLASS_PROG + 1] = (uint8_t)(class_code >> 8);
    d->config[PCI_CLASS_PROG + 2] = (uint8_t)(class_code >> 16);
    d->config[PCI_HEADER_TYPE] = header_type;
    /* command: I/O, memory, bus master, SERR, interrupt disable are writable */
    pci_device_set_wmask(d, PCI_COMMAND, 0x0547, 2);
    d->w1cmask[PCI_STATUS + 1] = 0xF9; /* error bits in the status register */
    d->wmask[0x0C] = 0xFF;             /* cache line size */
    d->wmask[0x0D] = 0xFF;             /* latency timer */
    d->wmask[PCI_INT_LINE] = 0xFF;
    b->dev[devfn] = d;
    return 0;
}

static void bar_unmap(struct pci_device *d, int n)
{
    struct pci_bar *bar = &d->bars[n];
    if (bar->mapped)
        bus_unmap(d->bus->sys, bar->is_io ? BUS_IO : BUS_MEM, bar->mapped_at);
    bar->mapped = false;
}

void pci_device_remove(struct pci_device *d)
{
    for (int n = 0; n < 6; n++)
        bar_unmap(d, n);
    if (d->bus && d->bus->dev[d->devfn] == d)
        d->bus->dev[d->devfn] = NULL;
}

void pci_device_set_wmask(struct pci_device *d, unsigned off, uint32_t mask, unsigned size)
{
    for (unsigned i = 0; i < size && off + i < 256; i++)
        d->wmask[off + i] = (uint8_t)(mask >> (8 * i));
}

void pci_device_set_bar(struct pci_device *d, int n, uint32_t size, bool is_io, const struct bus_ops *ops,
                        void *opaque)
{
    struct pci_bar *bar = &d->bars[n];
    bar->size = size;
    bar->is_io = is_io;
    bar->ops = ops;
    bar->opaque = opaque;
    unsigned off = PCI_BAR0 + 4u * (unsigned)n;
    pci_set32(d, off, is_io ? 1u : 0u);
    /* address bits above the size are writable; the low type bits are not */
    pci_device_set_wmask(d, off, ~(size - 1) & (is_io ? ~3u : ~15u), 4);
}

void pci_device_set_int_pin(struct pci_device *d, int pin)
{
    d->config[PCI_INT_PIN] = (uint8_t)pin;
}

/* drive INTx: the function's request unless command bit 10 disables it (PCI 2.3) */
static void update_irq(struct pci_device *d)
{
    int out = d->irq_level && !(pci_get16(d, PCI_COMMAND) & 0x400);
    if (out == d->irq_out)
        return;
    d->irq_out = out;
    if (d->config[PCI_INT_PIN] && d->bus->route)
        d->bus->route(d->bus->route_opaque, d->devfn, d->config[PCI_INT_PIN] - 1, out);
}

void pci_device_set_irq(struct pci_device *d, int level)
{
    d->irq_level = level != 0;
    update_irq(d);
}

/* map every BAR where the command register and its address say it belongs */
static void update_mappings(struct pci_device *d)
{
    uint16_t cmd = pci_get16(d, PCI_COMMAND);
    for (int n = 0; n < 6; n++) {
        struct pci_bar *bar = &d->bars[n];
        if (!bar->size)
            continue;
        uint32_t addr = pci_get32(d, PCI_BAR0 + 4u * (unsigned)n) & (bar->is_io ? ~3u : ~15u);
        bool enable =
            (bar->is_io ? (cmd & PCI_CMD_IO) : (cmd & PCI_CMD_MEM)) && addr != 0 &&
            (bar->is_io ? addr + bar->size <= 0x10000 : addr + (uint64_t)bar->size <= 0x100000000ull);
        if (bar->mapped && (!enable || bar->mapped_at != addr))
            bar_unmap(d, n);
        if (enable && !bar->mapped) {
            char name[48];
            snprintf(name, sizeof name, "%s BAR%d", d->name, n);
            if (bus_map(d->bus->sys, bar->is_io ? BUS_IO : BUS_MEM, addr, bar->size, bar->ops, bar->opaque,
                        name) == 0) {
                bar->mapped = true;
                bar->mapped_at = addr;
            } else {
                snprintf(d->bus->error, sizeof d->bus->error, "%s", bus_error(d->bus->sys));
            }
        }
    }
}

uint32_t pci_config_read(struct pci_bus *b, int bus_nr, int devfn, unsigned off, unsigned size)
{
    struct pci_device *d = bus_nr == 0 ? pci_bus_device(b, devfn) : NULL;
    if (!d || off + size > 256)
        return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1; /* no device: all ones */
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)d->config[off + i] << (8 * i);
    if (d->ops && d->ops->config_read)
        v = d->ops->config_read(d, off, size, v);
    return v;
}

void pci_config_write(struct pci_bus *b, int bus_nr, int devfn, unsigned off, uint32_t value, unsigned size)
{
    struct pci_device *d = bus_nr == 0 ? pci_bus_device(b, devfn) : NULL;
    if (!d || off + size > 256)
        return;
    for (unsigned i = 0; i < size; i++) {
        uint8_t v = (uint8_t)(value >> (8 * i));
        unsigned o = off + i;
        d->config[o] = (uint8_t)((d->config[o] & ~d->wmask[o]) | (v & d->wmask[o]));
        d->config[o] &= (uint8_t) ~(v & d->w1cmask[o]);
    }
    if (off < 0x28 && off + size > PCI_COMMAND)
        update_mappings(d);
    if (off <= PCI_COMMAND + 1 && off + size > PCI_COMMAND)
        update_irq(d);
    if (d->ops && d->ops->config_write)
        d->ops->config_write(d, off, value, size);
}
