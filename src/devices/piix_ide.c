/* piix_ide.c - PIIX3 IDE function with bus-master DMA (see piix_ide.h).
 *
 * References: Intel 82371FB (PIIX) and 82371SB (PIIX3) PCI ISA IDE Xcelerator
 * datasheet, 2.3 (IDE configuration registers: IDETIM 40h-43h, SIDETIM
 * 44h) and 2.7 (bus master IDE I/O registers: BMICOM, BMISTA, BMIDTP, and
 * the physical region descriptor format); SFF-8038i rev 1.0.
 *
 * A PRD is two dwords: the buffer's physical address (bit 0 zero) and a
 * byte count in bits 15:0 (0 = 64 KB) with EOT in bit 31.  The engine walks
 * the table as the device asks for data; "active" clears when the last
 * region has been moved, or when the guest clears the start bit. */
#include "devices/piix_ide.h"

#include <stdlib.h>
#include <string.h>

#define BM_CMD_START  0x01
#define BM_CMD_WRITE  0x08 /* bus master writes memory: a device-to-memory (read) transfer */
#define BM_ST_ACTIVE  0x01
#define BM_ST_ERROR   0x02
#define BM_ST_INTR    0x04
#define BM_ST_DMA_CAP 0x60 /* drive 0/1 DMA capable: software-owned bits */

#define PIIX_IDETIM_PRI 0x40
#define PIIX_IDETIM_SEC 0x42
#define PIIX_SIDETIM    0x44

struct piix_bm {
    struct piix_ide *p;
    struct ide_channel *ch;
    /* saved state */
    uint8_t cmd, status;
    uint32_t prd_table; /* BMIDTP */
    uint32_t prd_next;  /* the next descriptor to fetch */
    uint32_t addr;      /* where the current region continues */
    uint32_t left;      /* bytes left in the current region */
    uint8_t last;       /* the current region has EOT set */
};

struct piix_ide {
    struct pci_device dev;
    struct physmem *mem;
    struct piix_bm bm[2];
};

/* ---- the DMA engine, as the channel sees it ---- */

static bool bm_ready(void *opaque, bool to_memory)
{
    struct piix_bm *bm = opaque;
    return (bm->cmd & BM_CMD_START) && (bm->status & BM_ST_ACTIVE) &&
           ((bm->cmd & BM_CMD_WRITE) != 0) == to_memory &&
           (pci_get16(&bm->p->dev, PCI_COMMAND) & PCI_CMD_MASTER);
}

static void copy(struct physmem *mem, uint32_t addr, uint8_t *buf, uint32_t n, bool to_memory)
{
    for (uint32_t i = 0; i < n;) {
        unsigned s = n - i >= 4 ? 4 : 1;
        if (to_memory) {
            uint32_t v = 0;
            for (unsigned k = 0; k < s; k++)
                v |= (uint32_t)buf[i + k] << (8 * k);
            physmem_write(mem, addr + i, v, s);
        } else {
            uint32_t v = (uint32_t)physmem_read(mem, addr + i, s);
            for (unsigned k = 0; k < s; k++)
                buf[i + k] = (uint8_t)(v >> (8 * k));
        }
        i += s;
    }
}

static size_t bm_transfer(void *opaque, uint8_t *buf, size_t len, bool to_memory)
{
    struct piix_bm *bm = opaque;
    struct physmem *mem = bm->p->mem;
    if (!bm_ready(bm, to_memory))
        return 0;
    size_t done = 0;
    while (done < len) {
        if (bm->left == 0) {
            if (bm->last) {
                bm->status &= (uint8_t)~BM_ST_ACTIVE; /* table exhausted */
                break;
            }
            uint32_t base = (uint32_t)physmem_read(mem, bm->prd_next, 4);
            uint32_t ctl = (uint32_t)physmem_read(mem, bm->prd_next + 4, 4);
            bm->prd_next += 8;
            bm->addr = base & ~1u;
            bm->left = (ctl & 0xFFFF) ? (ctl & 0xFFFF) : 0x10000;
            bm->left &= ~1u;
            bm->last = (ctl >> 31) & 1;
            if (!bm->left)
                continue;
        }
        uint32_t n = (uint32_t)(len - done < bm->left ? len - done : bm->left);
        copy(mem, bm->addr, buf + done, n, to_memory);
        bm->addr += n;
        bm->left -= n;
        done += n;
    }
    if (bm->left == 0 && bm->last)
        bm->status &= (uint8_t)~BM_ST_ACTIVE; /* the last region is done */
    return done;
}

static void bm_irq_raised(void *opaque)
{
    struct piix_bm *bm = opaque;
    bm->status |= BM_ST_INTR;
}

static const struct ide_dma_ops piix_dma_ops = {bm_ready, bm_transfer, bm_irq_raised};

/* ---- BAR4: the bus master registers ---- */

static uint8_t bm_read_byte(struct piix_bm *bm, unsigned off)
{
    switch (off) {
    case 0:
        return bm->cmd;
    case 2:
        return bm->status;
    case 4:
    case 5:
    case 6:
    case 7:
        return (uint8_t)(bm->prd_table >> (8 * (off - 4)));
    default:
        return 0;
    }
}

static void bm_write_byte(struct piix_bm *bm, unsigned off, uint8_t v)
{
    switch (off) {
    case 0: {
        uint8_t old = bm->cmd;
        bm->cmd = v & (BM_CMD_START | BM_CMD_WRITE);
        if (!(old & BM_CMD_START) && (v & BM_CMD_START)) {
            bm->status |= BM_ST_ACTIVE;
            bm->prd_next = bm->prd_table;
            bm->left = 0;
            bm->last = 0;
            if (bm->ch)
                ide_channel_dma_kick(bm->ch);
        } else if ((old & BM_CMD_START) && !(v & BM_CMD_START)) {
            bm->status &= (uint8_t)~BM_ST_ACTIVE; /* stopped; the transfer cannot be resumed */
        }
        break;
    }
    case 2:
        bm->status = (uint8_t)((bm->status & ~(BM_ST_DMA_CAP | (v & (BM_ST_ERROR | BM_ST_INTR)))) |
                               (v & BM_ST_DMA_CAP));
        break;
    case 4:
    case 5:
    case 6:
    case 7: {
        unsigned sh = 8 * (off - 4);
        bm->prd_table = (bm->prd_table & ~(0xFFu << sh)) | ((uint32_t)v << sh);
        bm->prd_table &= ~3u; /* dword aligned */
        break;
    }
    default:
        break;
    }
}

static uint64_t bar4_read(void *opaque, uint64_t offset, unsigned size)
{
    struct piix_ide *p = opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        unsigned o = (unsigned)offset + i;
        v |= (uint64_t)bm_read_byte(&p->bm[(o >> 3) & 1], o & 7) << (8 * i);
    }
    return v;
}

static void bar4_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    struct piix_ide *p = opaque;
    for (unsigned i = 0; i < size; i++) {
        unsigned o = (unsigned)offset + i;
        bm_write_byte(&p->bm[(o >> 3) & 1], o & 7, (uint8_t)(value >> (8 * i)));
    }
}

static const struct bus_ops bar4_ops = {bar4_read, bar4_write, BUS_W8 | BUS_W16 | BUS_W32};

/* ---- the PCI function ---- */

void piix_ide_reset(struct piix_ide *p)
{
    struct pci_bus *b = p->dev.bus;
    int devfn = p->dev.devfn;
    pci_config_write(b, 0, devfn, PCI_COMMAND, 0, 2); /* unmaps BAR4 */
    pci_config_write(b, 0, devfn, PCI_BAR0 + 16, 0, 4);
    pci_set16(&p->dev, PCI_STATUS, 0x0280); /* fast back-to-back, medium DEVSEL timing */
    pci_set16(&p->dev, PIIX_IDETIM_PRI, 0);
    pci_set16(&p->dev, PIIX_IDETIM_SEC, 0);
    p->dev.config[PIIX_SIDETIM] = 0;
    for (int i = 0; i < 2; i++) {
        struct piix_bm *bm = &p->bm[i];
        bm->cmd = bm->status = 0;
        bm->prd_table = bm->prd_next = bm->addr = bm->left = 0;
        bm->last = 0;
    }
}

struct piix_ide *piix_ide_new(struct pci_bus *pci, int devfn, struct ide_channel *primary,
                              struct ide_channel *secondary, struct physmem *mem)
{
    struct piix_ide *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->mem = mem;
    /* class 01h (mass storage), subclass 01h (IDE), programming interface
     * 80h: bus master capable, both channels fixed in compatibility mode */
    if (pci_device_init(&p->dev, pci, devfn, "piix3-ide", 0x8086, 0x7010, 0x00, 0x010180, 0x00, NULL, p)) {
        free(p);
        return NULL;
    }
    pci_device_set_wmask(&p->dev, PCI_COMMAND, PCI_CMD_IO | PCI_CMD_MASTER, 2);
    pci_device_set_bar(&p->dev, 4, 16, true, &bar4_ops, p);
    pci_device_set_wmask(&p->dev, PIIX_IDETIM_PRI, 0xFFFF, 2);
    pci_device_set_wmask(&p->dev, PIIX_IDETIM_SEC, 0xFFFF, 2);
    pci_device_set_wmask(&p->dev, PIIX_SIDETIM, 0xFF, 1);
    struct ide_channel *chs[2] = {primary, secondary};
    for (int i = 0; i < 2; i++) {
        p->bm[i].p = p;
        p->bm[i].ch = chs[i];
        if (chs[i])
            ide_channel_set_dma(chs[i], &piix_dma_ops, &p->bm[i]);
    }
    piix_ide_reset(p);
    return p;
}

void piix_ide_free(struct piix_ide *p)
{
    if (!p)
        return;
    for (int i = 0; i < 2; i++)
        if (p->bm[i].ch)
            ide_channel_set_dma(p->bm[i].ch, NULL, NULL);
    pci_device_remove(&p->dev);
    free(p);
}

#define BM_FIELD(i, m)                                                                                       \
    {                                                                                                        \
        "bm" #i "." #m, offsetof(struct piix_ide, bm[i].m), sizeof(((struct piix_ide *)0)->bm[i].m), 1       \
    }
#define BM_FIELDS(i)                                                                                         \
    BM_FIELD(i, cmd), BM_FIELD(i, status), BM_FIELD(i, prd_table), BM_FIELD(i, prd_next), BM_FIELD(i, addr), \
        BM_FIELD(i, left), BM_FIELD(i, last)

static const struct vmstate_field piix_ide_fields[] = {
    VMSTATE_ARRAY(struct piix_ide, dev.config),
    BM_FIELDS(0),
    BM_FIELDS(1),
    VMSTATE_END,
};

const struct vmstate_desc piix_ide_vmstate = {
    .name = "piix3-ide",
    .version = 1,
    .fields = piix_ide_fields,
};
