/* ide_internal.h - what ide.c (the ATA channel and its register protocol)
 * and atapi.c (the CD-ROM's packet commands) share: the drive and channel
 * state, the protocol constants and the steps each calls in the other.
 * Not for other devices: they use ide.h. */
#ifndef DYNAPC_IDE_INTERNAL_H
#define DYNAPC_IDE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/blockdev.h"
#include "devices/ide.h"
#include "devices/timer.h"

#define IDE_BUF_SIZE   65536u /* >= 0xFFFE (largest ATAPI DRQ block) and 16 sectors */
#define IDE_MAX_MULT   16u    /* READ/WRITE MULTIPLE block size limit (IDENTIFY word 47) */
#define CD_SECTOR      2048u
#define IDE_CMD_NS     5000u   /* command register write to DRQ/completion */
#define IDE_BLOCK_NS   2000u   /* PIO block or ATAPI chunk to the next */
#define IDE_DMA_NS     10000u  /* bus master start to the DMA transfer */
#define IDE_RESET_NS   100000u /* SRST cleared to signature and BSY clear */
#define IDE_DEFAULT_XM 0x22u   /* transfer mode after power-on: multiword DMA 2 */

/* status register */
#define ST_ERR  0x01
#define ST_DRQ  0x08
#define ST_DSC  0x10
#define ST_DRDY 0x40
#define ST_BSY  0x80
/* error register */
#define ER_ABRT 0x04
#define ER_IDNF 0x10
#define ER_UNC  0x40
/* device control register */
#define DC_NIEN 0x02
#define DC_SRST 0x04
#define DC_HOB  0x80
/* device register */
#define DEV_DEV 0x10
#define DEV_LBA 0x40
/* ATAPI interrupt reason (the sector count register) */
#define IR_COD 0x01
#define IR_IO  0x02

/* SCSI sense keys and additional sense codes (MMC-3 annex, SPC-2) */
enum {
    SK_NO_SENSE = 0,
    SK_NOT_READY = 2,
    SK_MEDIUM_ERROR = 3,
    SK_ILLEGAL_REQUEST = 5,
    SK_UNIT_ATTENTION = 6,
    ASC_INVALID_OPCODE = 0x20,
    ASC_LBA_OUT_OF_RANGE = 0x21,
    ASC_INVALID_FIELD = 0x24,
    ASC_MEDIUM_CHANGED = 0x28,
    ASC_SAVING_UNSUPPORTED = 0x39,
    ASC_NO_MEDIUM = 0x3A,
    ASC_REMOVAL_PREVENTED = 0x53,
    ASC_READ_ERROR = 0x11,
};

/* GET EVENT STATUS NOTIFICATION media event codes (MMC-3 table 79) */
enum { ME_NONE = 0, ME_EJECT_REQUEST = 1, ME_NEW_MEDIA = 2, ME_MEDIA_REMOVAL = 3 };

enum ide_kind { KIND_NONE, KIND_DISK, KIND_CDROM };
enum ide_phase { PH_IDLE, PH_PIO_IN, PH_PIO_OUT, PH_PACKET, PH_DMA };
enum ide_event { EV_NONE, EV_EXEC, EV_NEXT, EV_PACKET, EV_DMA, EV_RESET };

enum {
    CMD_NOP = 0x00,
    CMD_DEVICE_RESET = 0x08,
    CMD_READ_SECTORS = 0x20,
    CMD_READ_SECTORS_NR = 0x21,
    CMD_READ_SECTORS_EXT = 0x24,
    CMD_READ_DMA_EXT = 0x25,
    CMD_READ_NATIVE_MAX_EXT = 0x27,
    CMD_READ_MULTIPLE_EXT = 0x29,
    CMD_WRITE_SECTORS = 0x30,
    CMD_WRITE_SECTORS_NR = 0x31,
    CMD_WRITE_SECTORS_EXT = 0x34,
    CMD_WRITE_DMA_EXT = 0x35,
    CMD_WRITE_MULTIPLE_EXT = 0x39,
    CMD_VERIFY = 0x40,
    CMD_VERIFY_NR = 0x41,
    CMD_VERIFY_EXT = 0x42,
    CMD_SEEK = 0x70,
    CMD_EXEC_DIAGNOSTIC = 0x90,
    CMD_INIT_DEV_PARAMS = 0x91,
    CMD_PACKET = 0xA0,
    CMD_IDENTIFY_PACKET = 0xA1,
    CMD_READ_MULTIPLE = 0xC4,
    CMD_WRITE_MULTIPLE = 0xC5,
    CMD_SET_MULTIPLE = 0xC6,
    CMD_READ_DMA = 0xC8,
    CMD_READ_DMA_NR = 0xC9,
    CMD_WRITE_DMA = 0xCA,
    CMD_WRITE_DMA_NR = 0xCB,
    CMD_STANDBY_IMMEDIATE = 0xE0,
    CMD_IDLE_IMMEDIATE = 0xE1,
    CMD_STANDBY = 0xE2,
    CMD_IDLE = 0xE3,
    CMD_CHECK_POWER_MODE = 0xE5,
    CMD_SLEEP = 0xE6,
    CMD_FLUSH_CACHE = 0xE7,
    CMD_FLUSH_CACHE_EXT = 0xEA,
    CMD_IDENTIFY = 0xEC,
    CMD_SET_FEATURES = 0xEF,
    CMD_READ_NATIVE_MAX = 0xF8,
};

/* SCSI/MMC operation codes the CD-ROM knows */
enum {
    SCSI_TEST_UNIT_READY = 0x00,
    SCSI_REQUEST_SENSE = 0x03,
    SCSI_INQUIRY = 0x12,
    SCSI_MODE_SENSE_6 = 0x1A,
    SCSI_START_STOP_UNIT = 0x1B,
    SCSI_PREVENT_ALLOW = 0x1E,
    SCSI_READ_CAPACITY = 0x25,
    SCSI_READ_10 = 0x28,
    SCSI_SEEK_10 = 0x2B,
    SCSI_READ_SUBCHANNEL = 0x42,
    SCSI_READ_TOC = 0x43,
    SCSI_GET_CONFIGURATION = 0x46,
    SCSI_GET_EVENT_STATUS = 0x4A,
    SCSI_STOP_PLAY_SCAN = 0x4E,
    SCSI_READ_DISC_INFO = 0x51,
    SCSI_MODE_SELECT_10 = 0x55,
    SCSI_MODE_SENSE_10 = 0x5A,
    SCSI_READ_12 = 0xA8,
    SCSI_SET_CD_SPEED = 0xBB,
    SCSI_MECHANISM_STATUS = 0xBD,
    SCSI_READ_CD = 0xBE,
};

struct ide_drive {
    struct ide_channel *ch;
    struct timer timer;
    struct blockdev *bd;
    int unit;
    enum ide_kind kind;
    uint64_t nsectors; /* capacity: 512-byte sectors (disk), 2048-byte blocks (CD) */
    uint16_t cyls;     /* default geometry (IDENTIFY words 1, 3, 6) */
    uint8_t heads, secs;

    /* saved state (ide_channel_vmstate) */
    uint8_t feature, nsector, sector, lcyl, hcyl;
    uint8_t hob_feature, hob_nsector, hob_sector, hob_lcyl, hob_hcyl;
    uint8_t error, status, cmd;
    uint8_t irq_pending;
    uint8_t phase, event;
    uint64_t event_at;
    uint16_t cur_cyls; /* current CHS translation (INITIALIZE DEVICE PARAMETERS) */
    uint8_t cur_heads, cur_secs;
    uint8_t mult_sectors; /* READ/WRITE MULTIPLE block; 0 = disabled */
    uint8_t xfer_mode;    /* SET FEATURES 03h: 0x0n PIO, 0x2n multiword DMA, 0x4n Ultra DMA */
    uint8_t write_cache;
    /* the command in progress */
    uint8_t lba48, is_write;
    uint64_t lba;      /* next sector */
    uint32_t left;     /* sectors not yet transferred (PIO: after the block in buf) */
    uint32_t block;    /* sectors per PIO DRQ block (1, or the multiple count) */
    uint32_t pos, end; /* bytes of buf the host (PIO) or the bus master (DMA) moves */
    /* ATAPI */
    uint8_t packet[12];
    uint8_t dma; /* PACKET feature bit 0 */
    uint16_t byte_limit;
    uint8_t sense_key, asc, ascq;
    uint8_t ua_pending, tray_open, locked, media_event;
    uint8_t cd_stream; /* data comes from the disc at cd_off (else from buf[cd_off..]) */
    uint64_t cd_off, cd_left;
    uint8_t buf[IDE_BUF_SIZE];
};

struct ide_channel {
    struct bus *bus;
    uint16_t cmd_base, ctl_base;
    const struct irq_line *irq;
    struct timerq *tq;
    const struct ide_dma_ops *dma;
    void *dma_opaque;
    bool cmd_mapped, ctl_mapped;
    /* saved state */
    uint8_t select; /* device register, latched by both devices */
    uint8_t devctl;
    uint8_t irq_level;
    struct ide_drive drive[2];
};

/* ---- byte order helpers ---- */

static inline void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void put_be16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline uint32_t be16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

static inline uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- ide.c: the command protocol ---- */

/* INTRQ for d's command (if d is selected and nIEN is clear) */
void ide_raise_irq(struct ide_drive *d);
/* carry d's command forward with ev after delay ns of virtual time */
void ide_schedule(struct ide_drive *d, enum ide_event ev, uint64_t delay);
/* the command ended well / with error (error register value) / aborted */
void ide_cmd_done(struct ide_drive *d);
void ide_cmd_error(struct ide_drive *d, uint8_t error);
void ide_cmd_abort(struct ide_drive *d);
/* DRQ: the host reads buf[pos..end) / writes buf[0..end) */
void ide_pio_in(struct ide_drive *d, uint32_t pos, uint32_t end);
void ide_pio_out(struct ide_drive *d, uint32_t end, bool irq);
/* a CD is in the drive and its tray closed */
bool ide_media_present(const struct ide_drive *d);
/* hand the transfer to the bus master */
void ide_dma_begin(struct ide_drive *d);

/* ---- atapi.c: packet commands ---- */

/* run the packet in d->packet */
void atapi_exec(struct ide_drive *d);
/* the next PIO chunk of the packet command's data */
void atapi_pio_chunk(struct ide_drive *d);
/* the packet command ended well, or reading the disc failed */
void atapi_ok(struct ide_drive *d);
void atapi_read_failed(struct ide_drive *d);

#endif
