/* piix4_pm.c - Intel 82371AB PIIX4 function 3, power management (PIIX4
 * datasheet, 3.5 "Power management registers"; ACPI 1.0 4.7.3 "PM1
 * event/control registers").  The PM I/O block lives at PMBA (config 40h)
 * when PMIOSE (config 80h bit 0) is set.  PM1a_CNT.SLP_EN with SLP_TYP 0
 * is soft-off (S5) in the DSDT SeaBIOS and QEMU use. */
#include "devices/piix4_pm.h"

#include <stdlib.h>
#include <string.h>

#define PM_TIMER_HZ 3579545ull

enum { PM1_STS = 0, PM1_EN = 2, PM1_CNT = 4, PM_TMR = 8 };
enum { DEVACTB = 0x58, APMC_EN = 1u << 25 };
enum { TMR_STS = 1u << 0, PWRBTN_STS = 1u << 8, SCI_EN = 1u << 0, SLP_EN = 1u << 13 };

struct piix4_pm {
    struct pci_device dev;
    struct bus *bus;
    struct timerq *tq;
    const struct irq_line *sci;
    void (*power_off)(void *opaque);
    void *opaque;
    uint16_t pm1_sts, pm1_en, pm1_cnt;
    uint8_t apmc, apms;
    uint16_t io_base; /* mapped PM block, 0 = unmapped */
    int sci_level;
    struct timer tmr_overflow;
};

const struct vmstate_desc piix4_pm_vmstate = {
    "piix4_pm",
    1,
    (const struct vmstate_field[]){
        VMSTATE_ARRAY(struct piix4_pm, dev.config), VMSTATE_FIELD(struct piix4_pm, pm1_sts),
        VMSTATE_FIELD(struct piix4_pm, pm1_en), VMSTATE_FIELD(struct piix4_pm, pm1_cnt),
        VMSTATE_FIELD(struct piix4_pm, apmc), VMSTATE_FIELD(struct piix4_pm, apms), VMSTATE_END},
};

static uint32_t pm_timer(const struct piix4_pm *p)
{
    uint64_t ns = timerq_now(p->tq);
    /* 24-bit counter at 3.579545 MHz, computed without drift */
    return (uint32_t)((ns / NS_PER_SEC * PM_TIMER_HZ + (ns % NS_PER_SEC) * PM_TIMER_HZ / NS_PER_SEC) &
                      0xFFFFFF);
}

static void update_sci(struct piix4_pm *p)
{
    int level = (p->pm1_cnt & SCI_EN) && (p->pm1_sts & p->pm1_en & (TMR_STS | PWRBTN_STS | (1u << 5)));
    if (level != p->sci_level) {
        p->sci_level = level;
        irq_set(p->sci, level);
    }
}

/* TMR_STS is set each time bit 23 of the PM timer toggles (ACPI 4.7.3.3) */
static void arm_overflow(struct piix4_pm *p)
{
    uint64_t now = timerq_now(p->tq);
    uint64_t ticks = now / NS_PER_SEC * PM_TIMER_HZ + (now % NS_PER_SEC) * PM_TIMER_HZ / NS_PER_SEC;
    uint64_t next = (ticks | 0x7FFFFF) + 1;
    uint64_t at =
        next / PM_TIMER_HZ * NS_PER_SEC + ((next % PM_TIMER_HZ) * NS_PER_SEC + PM_TIMER_HZ - 1) / PM_TIMER_HZ;
    timer_mod(&p->tmr_overflow, at);
}

static void overflow(void *opaque)
{
    struct piix4_pm *p = opaque;
    p->pm1_sts |= TMR_STS;
    update_sci(p);
    arm_overflow(p);
}

static uint64_t pm_read(void *opaque, uint64_t off, unsigned size)
{
    struct piix4_pm *p = opaque;
    uint32_t v;
    switch (off & ~1u) {
    case PM1_STS:
        v = p->pm1_sts;
        break;
    case PM1_EN:
        v = p->pm1_en;
        break;
    case PM1_CNT:
        v = p->pm1_cnt & ~SLP_EN;
        break;
    case PM_TMR:
    case PM_TMR + 2:
        v = pm_timer(p);
        break;
    default:
        v = 0;
        break;
    }
    if ((off & ~3u) == PM_TMR)
        return (v >> (8 * (off & 3))) & (size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1);
    return (v >> (8 * (off & 1))) & (size >= 2 ? 0xFFFF : 0xFF);
}

static void pm_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct piix4_pm *p = opaque;
    uint16_t v = (uint16_t)val;
    if (size == 1 && (off & 1))
        v = (uint16_t)(v << 8);
    switch (off & ~1u) {
    case PM1_STS:
        p->pm1_sts &= (uint16_t)~v;
        break; /* write 1 to clear */
    case PM1_EN:
        p->pm1_en = v & (TMR_STS | PWRBTN_STS | (1u << 5));
        break;
    case PM1_CNT:
        p->pm1_cnt = (uint16_t)((p->pm1_cnt & ~0x3C07u) | (v & 0x1C07u));
        if ((v & SLP_EN) && ((v >> 10) & 7) == 0 && p->power_off)
            p->power_off(p->opaque);
        break;
    default:
        break;
    }
    update_sci(p);
}

static const struct bus_ops pm_ops = {pm_read, pm_write, BUS_W8 | BUS_W16 | BUS_W32};

/* APM control (B2h) and status (B3h).  A write to B2h with APMC_EN set
 * (DEVACTB, config 58h bit 25) raises SMI# on a real board, and the
 * firmware's SMM handler runs.  dynapc has no SMM: the function does here
 * what the SeaBIOS and Bochs BIOS handlers do.  The ACPI enable/disable
 * values from the FADT (F1h/F0h) flip SCI_EN, and every SMI ends with B3h
 * cleared, the handlers' "SMI done" signal (the BIOSes raise an SMI at POST
 * to relocate SMBASE and wait for B3h to read 0). */
static uint64_t apm_read(void *opaque, uint64_t off, unsigned size)
{
    (void)size;
    struct piix4_pm *p = opaque;
    return off == 0 ? p->apmc : p->apms;
}

static void apm_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    (void)size;
    struct piix4_pm *p = opaque;
    if (off == 1) {
        p->apms = (uint8_t)v;
        return;
    }
    p->apmc = (uint8_t)v;
    if (v == 0xF1)
        p->pm1_cnt |= SCI_EN;
    else if (v == 0xF0)
        p->pm1_cnt &= (uint16_t)~SCI_EN;
    if (pci_get32(&p->dev, DEVACTB) & APMC_EN)
        p->apms = 0;
    update_sci(p);
}

static const struct bus_ops apm_ops = {apm_read, apm_write, BUS_W8};

static void remap(struct piix4_pm *p)
{
    uint16_t base = pci_get16(&p->dev, 0x40) & 0xFFC0;
    int on = (p->dev.config[0x80] & 1) && base;
    if (p->io_base && (!on || p->io_base != base)) {
        bus_unmap(p->bus, BUS_IO, p->io_base);
        p->io_base = 0;
    }
    if (on && !p->io_base && bus_map(p->bus, BUS_IO, base, 64, &pm_ops, p, "piix4-pm") == 0)
        p->io_base = base;
}

static void config_write(struct pci_device *d, unsigned off, uint32_t value, unsigned size)
{
    (void)value;
    if ((off <= 0x41 && off + size > 0x40) || off == 0x80)
        remap(d->opaque);
}

static const struct pci_device_ops pm_pci_ops = {config_write, NULL};

void piix4_pm_reset(struct piix4_pm *p)
{
    p->pm1_sts = p->pm1_en = p->pm1_cnt = 0;
    p->apmc = p->apms = 0;
    pci_set32(&p->dev, 0x40, 1); /* PMBA: I/O space indicator */
    p->dev.config[0x80] = 0;
    pci_set32(&p->dev, DEVACTB, 0);
    remap(p);
    update_sci(p);
    arm_overflow(p);
}

void piix4_pm_power_button(struct piix4_pm *p)
{
    p->pm1_sts |= PWRBTN_STS;
    update_sci(p);
}

struct piix4_pm *piix4_pm_new(struct bus *bus, struct pci_bus *pci, int devfn, struct timerq *tq,
                              const struct irq_line *sci, void (*power_off)(void *opaque), void *opaque)
{
    struct piix4_pm *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->bus = bus;
    p->tq = tq;
    p->sci = sci;
    p->power_off = power_off;
    p->opaque = opaque;
    timer_init(&p->tmr_overflow, tq, overflow, p);
    if (pci_device_init(&p->dev, pci, devfn, "piix4-pm", 0x8086, 0x7113, 0x03, 0x068000, 0x00, &pm_pci_ops,
                        p)) {
        free(p);
        return NULL;
    }
    pci_device_set_int_pin(&p->dev, 1);
    pci_device_set_wmask(&p->dev, 0x40, 0xFFC0, 2);
    pci_device_set_wmask(&p->dev, 0x80, 0x01, 1);
    pci_device_set_wmask(&p->dev, 0x90, 0xFFF0, 2); /* SMBus base (no SMBus behind it) */
    pci_device_set_wmask(&p->dev, 0xD2, 0x0F, 1);
    pci_device_set_wmask(&p->dev, DEVACTB, 0xFFFFFFFF, 4);
    if (bus_map(bus, BUS_IO, 0xB2, 2, &apm_ops, p, "apm")) {
        pci_device_remove(&p->dev);
        free(p);
        return NULL;
    }
    piix4_pm_reset(p);
    return p;
}

void piix4_pm_free(struct piix4_pm *p)
{
    if (!p)
        return;
    timer_del(&p->tmr_overflow);
    if (p->io_base)
        bus_unmap(p->bus, BUS_IO, p->io_base);
    bus_unmap(p->bus, BUS_IO, 0xB2);
    pci_device_remove(&p->dev);
    free(p);
}
