/* dma8237.h - the PC AT's pair of Intel 8237A DMA controllers and their
 * page registers.
 *
 * DMA1 serves channels 0-3 (8-bit transfers, ports 0x00-0x0F); DMA2 serves
 * channels 4-7 (16-bit transfers, ports 0xC0-0xDF, one register every other
 * port) and DMA1 cascades into DMA2's channel 4.  The page registers at
 * 0x81-0x8F give address bits 16-23 (ch2 0x81, ch3 0x82, ch1 0x83, ch0 0x87,
 * ch6 0x89, ch7 0x8A, ch5 0x8B, ch4 0x8F; the others are plain scratch
 * registers).  Port 0x80 is left to the board (POST code port).
 *
 * Addresses: an 8-bit channel moves bytes at page<<16 | address and its
 * address wraps inside the 64 KB page; a 16-bit channel's address and count
 * registers hold words: it moves words at (page & 0xFE)<<16 | address<<1 and
 * wraps inside the 128 KB block.
 *
 * Devices do not see bus cycles.  A device asserts DREQ with
 * dma8237_request(), asks dma8237_channel_ready() whether the controller
 * would serve the channel now, and moves a whole buffer with
 * dma8237_transfer(), which stops at terminal count.  The controller calls the
 * device back (dma8237_attach) when a channel whose DREQ is asserted becomes
 * ready (the guest unmasked it after starting the device), and when a
 * transfer reaches terminal count (the TC/EOP pulse). */
#ifndef DYNAPC_DMA8237_H
#define DYNAPC_DMA8237_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/bus.h"
#include "devices/physmem.h"
#include "devices/vmstate.h"

#define DMA8237_CHANNELS 8

/* mode register (port 0x0B / 0xD6) fields */
#define DMA_MODE_CHANNEL   0x03
#define DMA_MODE_XFER      0x0C /* transfer type: */
#define DMA_MODE_VERIFY    0x00 /*   no memory access */
#define DMA_MODE_WRITE     0x04 /*   device -> memory */
#define DMA_MODE_READ      0x08 /*   memory -> device */
#define DMA_MODE_AUTOINIT  0x10
#define DMA_MODE_DECREMENT 0x20
#define DMA_MODE_MODE      0xC0 /* operating mode: */
#define DMA_MODE_DEMAND    0x00
#define DMA_MODE_SINGLE    0x40
#define DMA_MODE_BLOCK     0x80
#define DMA_MODE_CASCADE   0xC0

/* command register (port 0x08 / 0xD0) bit that matters here */
#define DMA_CMD_DISABLE 0x04

struct dma8237;

/* Maps ports 0x00-0x0F, 0xC0-0xDF and 0x81-0x8F on bus; memory is reached
 * through mem (physmem_read/physmem_write, so translated code that DMA
 * overwrites is dropped).  NULL if a port range is taken. */
struct dma8237 *dma8237_new(struct bus *bus, struct physmem *mem);
void dma8237_free(struct dma8237 *dma);
/* Hardware RESET: master clear of both controllers (all channels masked,
 * command, status, requests and flip-flops cleared) and page registers 0. */
void dma8237_reset(struct dma8237 *dma);

/* ---- device side ---- */

/* Called with the channel number: ready() when the channel's DREQ is
 * asserted and the channel becomes able to transfer (typically: the guest
 * cleared its mask bit), terminal_count() from inside dma8237_transfer()
 * when the channel's count runs out.  Either may be NULL.  Callbacks must not
 * call dma8237_transfer() themselves: schedule the work instead. */
struct dma8237_client {
    void (*ready)(void *opaque, int channel);
    void (*terminal_count)(void *opaque, int channel);
    void *opaque;
};
/* client NULL detaches */
void dma8237_attach(struct dma8237 *dma, int channel, const struct dma8237_client *client);

/* The channel's DREQ line (shows in the status register's request bits). */
void dma8237_request(struct dma8237 *dma, int channel, int level);

/* Would the controller serve the channel now: controller enabled, channel
 * unmasked and not in cascade mode, and for channels 0-3 the cascade channel
 * 4 of DMA2 unmasked and DMA2 enabled. */
bool dma8237_channel_ready(struct dma8237 *dma, int channel);

/* Moves up to len bytes between buf and guest memory as the channel is
 * programmed.  to_memory says which way the device moves data (a READ from
 * disk is to_memory).  Memory is written only when the channel is in write
 * mode and the device sends (to_memory), and read only in read mode when the
 * device receives; in verify mode, or when the two disagree, addresses and
 * count advance but memory is untouched (a receiving device then gets 0xFF).
 * Stops after the unit that reaches terminal count: sets the status TC bit,
 * reloads the channel (auto-init) or masks it, and calls terminal_count().
 * 16-bit channels move whole words (len rounded down to even).  Returns the
 * bytes moved: 0 if the channel is not ready. */
int dma8237_transfer(struct dma8237 *dma, int channel, uint8_t *buf, int len, bool to_memory);

/* Current address (bytes for 0-3, words for 5-7) and remaining count - 1, as
 * the guest would read them; for tests and the monitor. */
uint16_t dma8237_current_address(const struct dma8237 *dma, int channel);
uint16_t dma8237_current_count(const struct dma8237 *dma, int channel);

extern const struct vmstate_desc dma8237_vmstate;

#endif
