/* ide.h - one IDE (ATA) channel: its command and control block registers
 * and the two devices on it, each an ATA hard disk, an ATAPI CD-ROM or
 * nothing.
 *
 * Ports: cmd_base+0..7 (data, error/features, sector count, LBA low/mid/
 * high, device, status/command) and ctl_base (alternate status / device
 * control); a PC has 0x1F0/0x3F6 on IRQ14 and 0x170/0x376 on IRQ15.  The
 * data port takes 16- and 32-bit accesses.
 *
 * Commands complete through events on the timer queue a few microseconds
 * of virtual time after the command register write (BSY is set at once),
 * so a guest sees BSY, then DRQ or completion and the interrupt, never
 * inside its own OUT instruction.
 *
 * DMA goes through a bus master (piix_ide.c) that registers with
 * ide_channel_set_dma(). */
#ifndef DYNAPC_IDE_H
#define DYNAPC_IDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/blockdev.h"
#include "devices/bus.h"
#include "devices/irq.h"
#include "devices/timer.h"
#include "devices/vmstate.h"

struct ide_channel;

/* Claims cmd_base..cmd_base+7 and ctl_base on bus.  NULL if the ports are
 * taken (bus_error() says why) or on no memory.  irq must outlive the
 * channel. */
struct ide_channel *ide_channel_new(struct bus *bus, uint16_t cmd_base, uint16_t ctl_base,
                                    const struct irq_line *irq, struct timerq *tq);
/* unmaps the ports and closes the attached images */
void ide_channel_free(struct ide_channel *ch);
/* hardware reset (the RESET- signal): both devices back to power-on state */
void ide_channel_reset(struct ide_channel *ch);

/* unit 0 = master, 1 = slave.  On success the channel owns bd (closed by
 * ide_channel_free).  Errors (unit taken, image too small) go to err. */
int ide_attach_disk(struct ide_channel *ch, int unit, struct blockdev *bd, char *err, size_t errlen);
/* bd may be NULL: a drive with no disc in it */
int ide_attach_cdrom(struct ide_channel *ch, int unit, struct blockdev *bd, char *err, size_t errlen);
/* Change the disc of the CD-ROM at unit: path NULL or "" ejects it, else
 * the ISO image at path is opened read-only and inserted.  The guest sees
 * a media change: UNIT ATTENTION (28h, not ready to ready change) on its
 * next command and a media event in GET EVENT STATUS NOTIFICATION.  On
 * failure the old disc stays and err names the file and the reason. */
int ide_cd_change_media(struct ide_channel *ch, int unit, const char *path, char *err, size_t errlen);

/* The default (IDENTIFY words 1, 3, 6) geometry of a hard disk. */
struct ide_chs {
    uint16_t cylinders;
    uint8_t heads;
    uint8_t sectors;
    uint64_t total_sectors; /* LBA capacity */
};
/* 0 and the geometry if unit is a hard disk, -1 otherwise */
int ide_cmos_info(const struct ide_channel *ch, int unit, struct ide_chs *chs);
/* Fill the CMOS bytes a PC BIOS (and Windows 9x's ESDI_506 driver, which
 * cross-checks them) reads for hard disks: 0x12 (types of disks 0 and 1:
 * 0xF = "see 0x19/0x1A"), 0x19/0x1A (extended type 47, user defined),
 * 0x1B-0x23 and 0x24-0x2C (cylinders, heads, write precompensation,
 * control byte, landing zone, sectors per track of the primary master and
 * slave), and 0x39 (the SeaBIOS/Bochs BIOS translation hint: 2 bits per
 * device, 0 none, 1 LBA).  Either channel may be NULL. */
void ide_cmos_fill(const struct ide_channel *primary, const struct ide_channel *secondary,
                   void (*cmos_write)(void *opaque, int index, uint8_t value), void *opaque);

/* The bus master the channel's DMA commands move data through. */
struct ide_dma_ops {
    /* is the engine started for this direction (to_memory: device to RAM)? */
    bool (*ready)(void *opaque, bool to_memory);
    /* move up to len bytes along the PRD table from where the last call
     * stopped; returns the bytes moved (fewer: the table ended) */
    size_t (*transfer)(void *opaque, uint8_t *buf, size_t len, bool to_memory);
    /* the channel raised its interrupt line (the bus master's status bit) */
    void (*irq_raised)(void *opaque);
};
void ide_channel_set_dma(struct ide_channel *ch, const struct ide_dma_ops *ops, void *opaque);
/* the bus master was started: a device waiting for it may go on */
void ide_channel_dma_kick(struct ide_channel *ch);

/* after the fields of ide_channel_vmstate were restored: re-arm the
 * devices' events and re-drive the interrupt line */
void ide_channel_post_load(struct ide_channel *ch);

extern const struct vmstate_desc ide_channel_vmstate;

#endif
