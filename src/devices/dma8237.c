/* dma8237.c - Intel 8237A DMA controller pair and page registers (see
 * dma8237.h).
 *
 * Reference: Intel 8237A High Performance Programmable DMA Controller
 * datasheet (order number 231466), "Register Description" and "Software
 * Commands"; IBM PC AT Technical Reference for the page registers and the
 * 16-bit second controller.
 *
 * Model.  Nothing runs per bus cycle: the requesting device moves a buffer
 * with dma8237_transfer() whenever it has one.  Demand, single and block
 * modes therefore behave alike (the device decides how much it moves at a
 * time); cascade mode only makes a channel unusable for transfers, and DMA1's
 * channels need DMA2's channel 4 (the cascade input) unmasked.  Memory-to-
 * memory transfers (command bit 0) were never usable on the PC AT and are
 * not implemented. */
#include "devices/dma8237.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct dma8237 {
    /* per channel, 0-7 */
    uint16_t base_addr[DMA8237_CHANNELS];
    uint16_t base_count[DMA8237_CHANNELS];
    uint16_t cur_addr[DMA8237_CHANNELS];
    uint16_t cur_count[DMA8237_CHANNELS];
    uint8_t mode[DMA8237_CHANNELS];
    /* page registers at ports 0x80-0x8F, indexed by port & 0xF ([0] unused) */
    uint8_t page[16];
    /* per controller: [0] = DMA1 (channels 0-3), [1] = DMA2 (channels 4-7) */
    uint8_t command[2];
    uint8_t status[2];  /* TC bits 0-3 (request bits are computed when read) */
    uint8_t request[2]; /* software request bits 0-3 (request register) */
    uint8_t mask[2];    /* mask bits 0-3 */
    uint8_t temp[2];    /* temporary register: last byte moved */
    uint8_t flipflop[2];
    uint8_t dreq; /* hardware DREQ lines, bit per channel */

    struct bus *bus;
    struct physmem *mem;
    struct dma8237_client client[DMA8237_CHANNELS];
    bool mapped_lo, mapped_hi, mapped_page;
};

/* page register port (low nibble) of each channel */
static const uint8_t page_port[DMA8237_CHANNELS] = {0x7, 0x3, 0x1, 0x2, 0xF, 0xB, 0x9, 0xA};

static void master_clear(struct dma8237 *dma, int k)
{
    dma->command[k] = 0;
    dma->status[k] = 0;
    dma->request[k] = 0;
    dma->temp[k] = 0;
    dma->flipflop[k] = 0;
    dma->mask[k] = 0x0F;
}

bool dma8237_channel_ready(struct dma8237 *dma, int channel)
{
    if (!dma || channel < 0 || channel >= DMA8237_CHANNELS)
        return false;
    int k = channel >> 2, c = channel & 3;
    if ((dma->command[k] & DMA_CMD_DISABLE) || (dma->mask[k] >> c & 1))
        return false;
    if ((dma->mode[channel] & DMA_MODE_MODE) == DMA_MODE_CASCADE)
        return false;
    /* DMA1 reaches the bus through DMA2's channel 4 (HRQ -> DREQ4) */
    if (k == 0 && ((dma->command[1] & DMA_CMD_DISABLE) || (dma->mask[1] & 1)))
        return false;
    return true;
}

static uint8_t ready_bits(struct dma8237 *dma)
{
    uint8_t bits = 0;
    for (int ch = 0; ch < DMA8237_CHANNELS; ch++)
        if (dma8237_channel_ready(dma, ch))
            bits |= (uint8_t)(1u << ch);
    return bits;
}

/* tell devices whose DREQ waits that their channel became ready */
static void notify_ready(struct dma8237 *dma, uint8_t before)
{
    uint8_t now = ready_bits(dma) & ~before & dma->dreq;
    for (int ch = 0; ch < DMA8237_CHANNELS; ch++)
        if ((now >> ch & 1) && dma->client[ch].ready)
            dma->client[ch].ready(dma->client[ch].opaque, ch);
}

/* ---- register file of one controller (k), register r = 0..15 ---- */

static uint8_t reg_read(struct dma8237 *dma, int k, unsigned r)
{
    if (r < 8) {
        int ch = k * 4 + (int)(r >> 1);
        uint16_t v = (r & 1) ? dma->cur_count[ch] : dma->cur_addr[ch];
        uint8_t b = dma->flipflop[k] ? (uint8_t)(v >> 8) : (uint8_t)v;
        dma->flipflop[k] ^= 1;
        return b;
    }
    switch (r) {
    case 0x8: { /* status: TC bits clear when read; request bits 4-7 */
        uint8_t req = (uint8_t)(((dma->dreq >> (k * 4)) | dma->request[k]) & 0x0F);
        uint8_t v = (uint8_t)(dma->status[k] | req << 4);
        dma->status[k] = 0;
        return v;
    }
    case 0xD:
        return dma->temp[k];
    case 0xF: /* read all mask bits (82374/PIIX extension of the 8237A) */
        return (uint8_t)(0xF0 | dma->mask[k]);
    default: /* write-only registers */
        return 0xFF;
    }
}

static void reg_write(struct dma8237 *dma, int k, unsigned r, uint8_t v)
{
    uint8_t before = ready_bits(dma);
    if (r < 8) {
        int ch = k * 4 + (int)(r >> 1);
        uint16_t *base = (r & 1) ? &dma->base_count[ch] : &dma->base_addr[ch];
        uint16_t *cur = (r & 1) ? &dma->cur_count[ch] : &dma->cur_addr[ch];
        if (dma->flipflop[k])
            *base = (uint16_t)((*base & 0x00FF) | v << 8);
        else
            *base = (uint16_t)((*base & 0xFF00) | v);
        *cur = *base; /* writing the base register writes the current one too */
        dma->flipflop[k] ^= 1;
        return;
    }
    switch (r) {
    case 0x8:
        dma->command[k] = v;
        break;
    case 0x9:
        if (v & 4)
            dma->request[k] |= (uint8_t)(1u << (v & 3));
        else
            dma->request[k] &= (uint8_t) ~(1u << (v & 3));
        break;
    case 0xA:
        if (v & 4)
            dma->mask[k] |= (uint8_t)(1u << (v & 3));
        else
            dma->mask[k] &= (uint8_t) ~(1u << (v & 3));
        break;
    case 0xB:
        dma->mode[k * 4 + (v & 3)] = v;
        break;
    case 0xC:
        dma->flipflop[k] = 0;
        break;
    case 0xD:
        master_clear(dma, k);
        break;
    case 0xE:
        dma->mask[k] = 0;
        break;
    case 0xF:
        dma->mask[k] = v & 0x0F;
        break;
    }
    notify_ready(dma, before);
}

/* ---- port handlers ---- */

static uint64_t dma1_read(void *opaque, uint64_t offset, unsigned size)
{
    (void)size;
    return reg_read(opaque, 0, (unsigned)offset & 0xF);
}

static void dma1_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    (void)size;
    reg_write(opaque, 0, (unsigned)offset & 0xF, (uint8_t)value);
}

/* DMA2's register r sits at 0xC0 + 2r; address bit 0 is not decoded (the AT
 * wires the chip's A0-A3 to SA1-SA4) */
static uint64_t dma2_read(void *opaque, uint64_t offset, unsigned size)
{
    (void)size;
    return reg_read(opaque, 1, (unsigned)(offset >> 1) & 0xF);
}

static void dma2_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    (void)size;
    reg_write(opaque, 1, (unsigned)(offset >> 1) & 0xF, (uint8_t)value);
}

/* the page region starts at port 0x81 */
static uint64_t page_read(void *opaque, uint64_t offset, unsigned size)
{
    struct dma8237 *dma = opaque;
    (void)size;
    return dma->page[(offset + 1) & 0xF];
}

static void page_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    struct dma8237 *dma = opaque;
    (void)size;
    dma->page[(offset + 1) & 0xF] = (uint8_t)value;
}

static const struct bus_ops dma1_ops = {.read = dma1_read, .write = dma1_write, .widths = BUS_W8};
static const struct bus_ops dma2_ops = {.read = dma2_read, .write = dma2_write, .widths = BUS_W8};
static const struct bus_ops page_ops = {.read = page_read, .write = page_write, .widths = BUS_W8};

/* ---- device side ---- */

void dma8237_attach(struct dma8237 *dma, int channel, const struct dma8237_client *client)
{
    if (!dma || channel < 0 || channel >= DMA8237_CHANNELS)
        return;
    if (client)
        dma->client[channel] = *client;
    else
        memset(&dma->client[channel], 0, sizeof dma->client[channel]);
}

void dma8237_request(struct dma8237 *dma, int channel, int level)
{
    if (!dma || channel < 0 || channel >= DMA8237_CHANNELS)
        return;
    if (level)
        dma->dreq |= (uint8_t)(1u << channel);
    else
        dma->dreq &= (uint8_t) ~(1u << channel);
}

static uint32_t channel_phys(const struct dma8237 *dma, int ch)
{
    uint8_t page = dma->page[page_port[ch]];
    if (ch < 4)
        return (uint32_t)page << 16 | dma->cur_addr[ch];
    return (uint32_t)(page & 0xFE) << 16 | (uint32_t)dma->cur_addr[ch] << 1;
}

static void terminal_count(struct dma8237 *dma, int ch)
{
    int k = ch >> 2, c = ch & 3;
    dma->status[k] |= (uint8_t)(1u << c);
    dma->request[k] &= (uint8_t) ~(1u << c);
    if (dma->mode[ch] & DMA_MODE_AUTOINIT) {
        dma->cur_addr[ch] = dma->base_addr[ch];
        dma->cur_count[ch] = dma->base_count[ch];
    } else {
        dma->mask[k] |= (uint8_t)(1u << c);
    }
    if (dma->client[ch].terminal_count)
        dma->client[ch].terminal_count(dma->client[ch].opaque, ch);
}

int dma8237_transfer(struct dma8237 *dma, int channel, uint8_t *buf, int len, bool to_memory)
{
    if (!dma || !buf || len <= 0 || !dma8237_channel_ready(dma, channel))
        return 0;
    int ch = channel, k = ch >> 2;
    int unit = ch < 4 ? 1 : 2;
    uint8_t type = dma->mode[ch] & DMA_MODE_XFER;
    bool write_mem = to_memory && type == DMA_MODE_WRITE;
    bool read_mem = !to_memory && type == DMA_MODE_READ;
    int moved = 0;
    while (moved + unit <= len) {
        uint32_t addr = channel_phys(dma, ch);
        if (write_mem) {
            uint64_t v = buf[moved];
            if (unit == 2)
                v |= (uint64_t)buf[moved + 1] << 8;
            physmem_write(dma->mem, addr, v, (unsigned)unit);
        } else if (read_mem) {
            uint64_t v = physmem_read(dma->mem, addr, (unsigned)unit);
            buf[moved] = (uint8_t)v;
            if (unit == 2)
                buf[moved + 1] = (uint8_t)(v >> 8);
        } else if (!to_memory) {
            memset(buf + moved, 0xFF, (size_t)unit);
        }
        dma->temp[k] = buf[moved + unit - 1];
        moved += unit;
        if (dma->mode[ch] & DMA_MODE_DECREMENT)
            dma->cur_addr[ch]--;
        else
            dma->cur_addr[ch]++;
        if (dma->cur_count[ch]-- == 0) {
            terminal_count(dma, ch);
            break;
        }
    }
    return moved;
}

uint16_t dma8237_current_address(const struct dma8237 *dma, int channel)
{
    return (channel >= 0 && channel < DMA8237_CHANNELS) ? dma->cur_addr[channel] : 0;
}

uint16_t dma8237_current_count(const struct dma8237 *dma, int channel)
{
    return (channel >= 0 && channel < DMA8237_CHANNELS) ? dma->cur_count[channel] : 0;
}

/* ---- life cycle ---- */

void dma8237_reset(struct dma8237 *dma)
{
    master_clear(dma, 0);
    master_clear(dma, 1);
    memset(dma->page, 0, sizeof dma->page);
    memset(dma->mode, 0, sizeof dma->mode);
    memset(dma->base_addr, 0, sizeof dma->base_addr);
    memset(dma->base_count, 0, sizeof dma->base_count);
    memset(dma->cur_addr, 0, sizeof dma->cur_addr);
    memset(dma->cur_count, 0, sizeof dma->cur_count);
}

struct dma8237 *dma8237_new(struct bus *bus, struct physmem *mem)
{
    struct dma8237 *dma = calloc(1, sizeof *dma);
    if (!dma)
        return NULL;
    dma->bus = bus;
    dma->mem = mem;
    if (bus) {
        dma->mapped_lo = bus_map(bus, BUS_IO, 0x00, 0x10, &dma1_ops, dma, "dma1") == 0;
        dma->mapped_hi = dma->mapped_lo && bus_map(bus, BUS_IO, 0xC0, 0x20, &dma2_ops, dma, "dma2") == 0;
        dma->mapped_page =
            dma->mapped_hi && bus_map(bus, BUS_IO, 0x81, 0x0F, &page_ops, dma, "dma-page") == 0;
        if (!dma->mapped_page) {
            dma8237_free(dma);
            return NULL;
        }
    }
    dma8237_reset(dma);
    return dma;
}

void dma8237_free(struct dma8237 *dma)
{
    if (!dma)
        return;
    if (dma->mapped_lo)
        bus_unmap(dma->bus, BUS_IO, 0x00);
    if (dma->mapped_hi)
        bus_unmap(dma->bus, BUS_IO, 0xC0);
    if (dma->mapped_page)
        bus_unmap(dma->bus, BUS_IO, 0x81);
    free(dma);
}

/* ---- save state ---- */

static const struct vmstate_field dma8237_fields[] = {
    VMSTATE_ARRAY(struct dma8237, base_addr), VMSTATE_ARRAY(struct dma8237, base_count),
    VMSTATE_ARRAY(struct dma8237, cur_addr),  VMSTATE_ARRAY(struct dma8237, cur_count),
    VMSTATE_ARRAY(struct dma8237, mode),      VMSTATE_ARRAY(struct dma8237, page),
    VMSTATE_ARRAY(struct dma8237, command),   VMSTATE_ARRAY(struct dma8237, status),
    VMSTATE_ARRAY(struct dma8237, request),   VMSTATE_ARRAY(struct dma8237, mask),
    VMSTATE_ARRAY(struct dma8237, temp),      VMSTATE_ARRAY(struct dma8237, flipflop),
    VMSTATE_FIELD(struct dma8237, dreq),      VMSTATE_END,
};

const struct vmstate_desc dma8237_vmstate = {
    .name = "dma8237",
    .version = 1,
    .fields = dma8237_fields,
};
