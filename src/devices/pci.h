/* pci.h - the PCI bus (bus 0): devices with a 256-byte configuration space,
 * the generic header registers (IDs, command, status, BARs, interrupt line
 * and pin), BAR sizing and mapping onto the system bus, and INTx routing.
 *
 * This is not a device: the host bridge (which decodes configuration
 * mechanism #1 at ports 0xCF8/0xCFC) and every PCI function are devices in
 * their own files and register here.  PCI Local Bus Specification 2.1,
 * chapter 6 ("Configuration Space"). */
#ifndef DYNAPC_PCI_H
#define DYNAPC_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/bus.h"

struct pci_bus;
struct pci_device;

struct pci_bar {
    uint32_t size; /* power of two; 0 = unused */
    bool is_io;
    const struct bus_ops *ops;
    void *opaque;
    uint32_t mapped_at; /* current base while mapped */
    bool mapped;
};

/* optional hooks of a function: called after the generic handling, with the
 * register already updated (writes) or for every read (reads may return a
 * value computed on the fly; return `cur` to keep the stored one) */
struct pci_device_ops {
    void (*config_write)(struct pci_device *d, unsigned off, uint32_t value, unsigned size);
    uint32_t (*config_read)(struct pci_device *d, unsigned off, unsigned size, uint32_t cur);
};

struct pci_device {
    struct pci_bus *bus;
    int devfn;
    char name[32];
    uint8_t config[256];
    uint8_t wmask[256];   /* bits the guest may write */
    uint8_t w1cmask[256]; /* bits cleared by writing 1 (status) */
    struct pci_bar bars[6];
    const struct pci_device_ops *ops;
    void *opaque;  /* the function's own state */
    int irq_level; /* what the function asks for */
    int irq_out;   /* what reaches the router (after the command register's INTx disable) */
};

struct pci_bus *pci_bus_new(struct bus *sysbus);
void pci_bus_free(struct pci_bus *b);
/* where INTA#..INTD# of each function go (the PIIX PIRQ router) */
void pci_bus_set_irq_router(struct pci_bus *b, void (*route)(void *opaque, int devfn, int pin, int level),
                            void *opaque);
const char *pci_bus_error(const struct pci_bus *b);

/* Fills the header and claims the slot; -1 if the devfn is taken (pci_bus_error names both). */
int pci_device_init(struct pci_device *d, struct pci_bus *b, int devfn, const char *name, uint16_t vendor,
                    uint16_t device, uint8_t rev, uint32_t class_code /* class<<16|subclass<<8|prog-if */,
                    uint8_t header_type, const struct pci_device_ops *ops, void *opaque);
void pci_device_remove(struct pci_device *d);
/* BAR n (0-5): size a power of two (>= 4 for I/O, >= 16 for memory) */
void pci_device_set_bar(struct pci_device *d, int n, uint32_t size, bool is_io, const struct bus_ops *ops,
                        void *opaque);
/* the function's interrupt pin (1 = INTA# .. 4 = INTD#); 0 = none */
void pci_device_set_int_pin(struct pci_device *d, int pin);
void pci_device_set_irq(struct pci_device *d, int level);
/* let the guest write these bits of a device-specific register */
void pci_device_set_wmask(struct pci_device *d, unsigned off, uint32_t mask, unsigned size);

/* configuration access as the host bridge decodes it */
uint32_t pci_config_read(struct pci_bus *b, int bus_nr, int devfn, unsigned off, unsigned size);
void pci_config_write(struct pci_bus *b, int bus_nr, int devfn, unsigned off, uint32_t value, unsigned size);
struct pci_device *pci_bus_device(struct pci_bus *b, int devfn);

static inline uint16_t pci_get16(const struct pci_device *d, unsigned off)
{
    return (uint16_t)(d->config[off] | (d->config[off + 1] << 8));
}
static inline uint32_t pci_get32(const struct pci_device *d, unsigned off)
{
    return (uint32_t)d->config[off] | ((uint32_t)d->config[off + 1] << 8) |
           ((uint32_t)d->config[off + 2] << 16) | ((uint32_t)d->config[off + 3] << 24);
}
static inline void pci_set16(struct pci_device *d, unsigned off, uint16_t v)
{
    d->config[off] = (uint8_t)v;
    d->config[off + 1] = (uint8_t)(v >> 8);
}
static inline void pci_set32(struct pci_device *d, unsigned off, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        d->config[off + i] = (uint8_t)(v >> (8 * i));
}

enum {
    PCI_VENDOR = 0x00,
    PCI_DEVICE = 0x02,
    PCI_COMMAND = 0x04,
    PCI_STATUS = 0x06,
    PCI_REVISION = 0x08,
    PCI_CLASS_PROG = 0x09,
    PCI_HEADER_TYPE = 0x0E,
    PCI_BAR0 = 0x10,
    PCI_SUBSYS_VENDOR = 0x2C,
    PCI_INT_LINE = 0x3C,
    PCI_INT_PIN = 0x3D,
    PCI_CMD_IO = 1,
    PCI_CMD_MEM = 2,
    PCI_CMD_MASTER = 4,
};

#endif
