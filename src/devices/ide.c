/* ide.c - IDE channel with ATA disks and ATAPI CD-ROMs (see ide.h).
 *
 * References: ATA/ATAPI-6 (T13/1410D rev 3b): register block (7.x), the
 * protocols of chapter 9 (PIO data-in/out, DMA, PACKET, EXECUTE DEVICE
 * DIAGNOSTIC, DEVICE RESET), software reset (9.2) and the IDENTIFY (PACKET)
 * DEVICE words (8.15, 8.16); SFF-8020i rev 2.6 for the ATAPI CD-ROM (ATAPI
 * signature, interrupt reason, READ TOC, mode page 2Ah); MMC-3 for GET
 * CONFIGURATION, GET EVENT STATUS NOTIFICATION and the sense codes.
 *
 * Model.  Both devices latch every write to the command block registers
 * 1-6, as real devices do; the command register goes to the selected
 * device only.  Each device has an event on the timer queue that carries a
 * command forward: the command register write sets BSY and schedules
 * EV_EXEC; a finished PIO block sets BSY and schedules EV_NEXT; a written
 * command packet schedules EV_PACKET; a soft reset schedules EV_RESET.
 * INTRQ is driven by the selected device while nIEN is clear. */
#include "devices/ide_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---- */

static struct ide_drive *selected(struct ide_channel *ch)
{
    return &ch->drive[(ch->select & DEV_DEV) ? 1 : 0];
}

static bool channel_empty(const struct ide_channel *ch)
{
    return ch->drive[0].kind == KIND_NONE && ch->drive[1].kind == KIND_NONE;
}

static void update_irq(struct ide_channel *ch)
{
    uint8_t level = selected(ch)->irq_pending && !(ch->devctl & DC_NIEN);
    if (level == ch->irq_level)
        return;
    ch->irq_level = level;
    irq_set(ch->irq, level);
    if (level && ch->dma && ch->dma->irq_raised)
        ch->dma->irq_raised(ch->dma_opaque);
}

void ide_raise_irq(struct ide_drive *d)
{
    d->irq_pending = 1;
    update_irq(d->ch);
}

void ide_schedule(struct ide_drive *d, enum ide_event ev, uint64_t delay)
{
    d->event = (uint8_t)ev;
    d->event_at = timerq_now(d->ch->tq) + delay;
    timer_mod(&d->timer, d->event_at);
}

static void cancel_event(struct ide_drive *d)
{
    d->event = EV_NONE;
    timer_del(&d->timer);
}

/* ATA strings: space padded, two characters per word, first in the high byte */
static void put_string(uint16_t *words, const char *s, size_t len)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < len; i += 2) {
        uint8_t hi = (uint8_t)(i < n ? s[i] : ' '), lo = (uint8_t)(i + 1 < n ? s[i + 1] : ' ');
        words[i / 2] = (uint16_t)(hi << 8 | lo);
    }
}

static void set_signature(struct ide_drive *d)
{
    d->nsector = d->hob_nsector = 1;
    d->sector = d->hob_sector = 1;
    /* ATA-6 9.12: PACKET devices put 14h/EBh in LBA mid/high, ATA devices 0 */
    d->lcyl = d->hob_lcyl = d->kind == KIND_CDROM ? 0x14 : 0;
    d->hcyl = d->hob_hcyl = d->kind == KIND_CDROM ? 0xEB : 0;
}

/* the state after reset: signature, diagnostic code 01h, and DRDY for ATA
 * devices only (a PACKET device's status is 00h after reset) */
static void reset_done(struct ide_drive *d)
{
    d->phase = PH_IDLE;
    d->pos = d->end = 0;
    d->left = 0;
    set_signature(d);
    d->error = 0x01;
    d->status = d->kind == KIND_DISK ? ST_DRDY | ST_DSC : 0;
    update_irq(d->ch);
}

/* ---- command completion ---- */

void ide_cmd_done(struct ide_drive *d)
{
    d->phase = PH_IDLE;
    d->status = ST_DRDY | ST_DSC;
    ide_raise_irq(d);
}

void ide_cmd_error(struct ide_drive *d, uint8_t error)
{
    d->phase = PH_IDLE;
    d->error = error;
    d->status = ST_DRDY | ST_DSC | ST_ERR;
    ide_raise_irq(d);
}

void ide_cmd_abort(struct ide_drive *d)
{
    ide_cmd_error(d, ER_ABRT);
}

/* PIO data-in: the host may read buf[pos, end) */
void ide_pio_in(struct ide_drive *d, uint32_t pos, uint32_t end)
{
    d->pos = pos;
    d->end = end;
    d->phase = PH_PIO_IN;
    d->status = ST_DRDY | ST_DSC | ST_DRQ;
    ide_raise_irq(d);
}

/* PIO data-out: the host may write buf[0, end); irq: whether to interrupt
 * (not for the first block of a write command, ATA-6 9.8) */
void ide_pio_out(struct ide_drive *d, uint32_t end, bool irq)
{
    d->pos = 0;
    d->end = end;
    d->phase = PH_PIO_OUT;
    d->status = ST_DRDY | ST_DSC | ST_DRQ;
    if (irq)
        ide_raise_irq(d);
}

/* ---- ATA: addresses ---- */

static uint64_t lba48_regs(const struct ide_drive *d)
{
    return (uint64_t)d->sector | (uint64_t)d->lcyl << 8 | (uint64_t)d->hcyl << 16 |
           (uint64_t)d->hob_sector << 24 | (uint64_t)d->hob_lcyl << 32 | (uint64_t)d->hob_hcyl << 40;
}

/* the starting sector of the command; false for a CHS address that does not exist */
static bool start_lba(struct ide_drive *d, uint64_t *lba)
{
    uint8_t sel = d->ch->select;
    if (d->lba48)
        *lba = lba48_regs(d);
    else if (sel & DEV_LBA)
        *lba = (uint64_t)(sel & 0x0F) << 24 | (uint64_t)d->hcyl << 16 | (uint64_t)d->lcyl << 8 | d->sector;
    else {
        unsigned cyl = d->lcyl | (unsigned)d->hcyl << 8, head = sel & 0x0F, s = d->sector;
        if (s == 0 || s > d->cur_secs || head >= d->cur_heads)
            return false;
        *lba = ((uint64_t)cyl * d->cur_heads + head) * d->cur_secs + s - 1;
    }
    return true;
}

/* after a transfer: the address of the last sector transferred and the
 * count still to go, in the addressing the command used */
static void set_regs(struct ide_drive *d, uint64_t lba)
{
    struct ide_channel *ch = d->ch;
    if (d->lba48) {
        d->sector = (uint8_t)lba;
        d->lcyl = (uint8_t)(lba >> 8);
        d->hcyl = (uint8_t)(lba >> 16);
        d->hob_sector = (uint8_t)(lba >> 24);
        d->hob_lcyl = (uint8_t)(lba >> 32);
        d->hob_hcyl = (uint8_t)(lba >> 40);
        d->nsector = (uint8_t)d->left;
        d->hob_nsector = (uint8_t)(d->left >> 8);
    } else if (ch->select & DEV_LBA) {
        d->sector = (uint8_t)lba;
        d->lcyl = (uint8_t)(lba >> 8);
        d->hcyl = (uint8_t)(lba >> 16);
        ch->select = (uint8_t)((ch->select & 0xF0) | ((lba >> 24) & 0x0F));
        d->nsector = (uint8_t)d->left;
    } else {
        unsigned track = (unsigned)(lba / d->cur_secs);
        unsigned cyl = track / d->cur_heads;
        d->sector = (uint8_t)(lba % d->cur_secs + 1);
        d->lcyl = (uint8_t)cyl;
        d->hcyl = (uint8_t)(cyl >> 8);
        ch->select = (uint8_t)((ch->select & 0xF0) | (track % d->cur_heads));
        d->nsector = (uint8_t)d->left;
    }
}

/* Parse address and count of a read/write command; on a bad address the
 * command ends with IDNF (ATA-6: "ID not found", the address is outside
 * the user-accessible range) and false is returned. */
static bool setup_rw(struct ide_drive *d, bool lba48, bool is_write, uint32_t block)
{
    d->lba48 = lba48;
    d->is_write = is_write;
    uint32_t count = lba48 ? (uint32_t)(d->nsector | d->hob_nsector << 8) : d->nsector;
    if (count == 0)
        count = lba48 ? 65536 : 256;
    uint64_t lba;
    if (!start_lba(d, &lba) || lba >= d->nsectors || count > d->nsectors - lba) {
        ide_cmd_error(d, ER_IDNF);
        return false;
    }
    if (is_write && blockdev_read_only(d->bd)) {
        ide_cmd_abort(d);
        return false;
    }
    d->lba = lba;
    d->left = count;
    d->block = block;
    d->pos = d->end = 0;
    return true;
}

/* PIO read: load the next block, raise DRQ and the interrupt */
static void ata_pio_load(struct ide_drive *d)
{
    uint32_t n = d->left < d->block ? d->left : d->block;
    if (blockdev_read(d->bd, d->lba * BLOCKDEV_SECTOR, d->buf, n * BLOCKDEV_SECTOR)) {
        set_regs(d, d->lba);
        ide_cmd_error(d, ER_UNC);
        return;
    }
    d->lba += n;
    d->left -= n;
    set_regs(d, d->lba - 1);
    ide_pio_in(d, 0, n * BLOCKDEV_SECTOR);
}

/* PIO write: the host filled a block; store it, ask for the next or finish */
static void ata_pio_store(struct ide_drive *d)
{
    uint32_t n = d->end / BLOCKDEV_SECTOR;
    if (blockdev_write(d->bd, d->lba * BLOCKDEV_SECTOR, d->buf, n * BLOCKDEV_SECTOR)) {
        set_regs(d, d->lba);
        ide_cmd_error(d, ER_ABRT);
        return;
    }
    d->lba += n;
    d->left -= n;
    set_regs(d, d->lba - 1);
    if (!d->left) {
        ide_cmd_done(d);
        return;
    }
    uint32_t next = d->left < d->block ? d->left : d->block;
    ide_pio_out(d, next * BLOCKDEV_SECTOR, true);
}

/* ---- DMA (ATA and ATAPI) ---- */

bool ide_media_present(const struct ide_drive *d)
{
    return d->bd && !d->tray_open;
}

/* Load the next piece of a DMA transfer into buf; false on a read error
 * (the command has been ended) */
static bool dma_load(struct ide_drive *d)
{
    if (d->cmd == CMD_PACKET) {
        uint32_t n = d->cd_left < IDE_BUF_SIZE ? (uint32_t)d->cd_left : IDE_BUF_SIZE;
        /* the host may have taken the disc away in the middle */
        if (d->cd_stream && (!ide_media_present(d) || blockdev_read(d->bd, d->cd_off, d->buf, n)))
            return false;
        d->pos = d->cd_stream ? 0 : (uint32_t)d->cd_off;
        d->end = d->pos + n;
        return true;
    }
    uint32_t n = d->left < IDE_BUF_SIZE / BLOCKDEV_SECTOR ? d->left : IDE_BUF_SIZE / BLOCKDEV_SECTOR;
    if (!d->is_write && blockdev_read(d->bd, d->lba * BLOCKDEV_SECTOR, d->buf, n * BLOCKDEV_SECTOR)) {
        set_regs(d, d->lba);
        ide_cmd_error(d, ER_UNC);
        return false;
    }
    d->pos = 0;
    d->end = n * BLOCKDEV_SECTOR;
    return true;
}

/* a piece was moved completely: account for it (and store it for writes) */
static bool dma_piece_done(struct ide_drive *d)
{
    if (d->cmd == CMD_PACKET) {
        uint32_t n = d->end - (d->cd_stream ? 0 : (uint32_t)d->cd_off);
        d->cd_off += n;
        d->cd_left -= n;
        return true;
    }
    uint32_t n = d->end / BLOCKDEV_SECTOR;
    if (d->is_write && blockdev_write(d->bd, d->lba * BLOCKDEV_SECTOR, d->buf, n * BLOCKDEV_SECTOR)) {
        set_regs(d, d->lba);
        ide_cmd_error(d, ER_ABRT);
        return false;
    }
    d->lba += n;
    d->left -= n;
    return true;
}

/* Move data through the bus master while it runs.  If its PRD table ends
 * before the command does, the device keeps DRQ and waits (the bus master
 * then shows interrupt 0, active 0: "PRD table too small", PIIX3 datasheet
 * 2.7.3); starting the bus master again continues where it stopped. */
static void dma_run(struct ide_drive *d)
{
    struct ide_channel *ch = d->ch;
    bool to_memory = !d->is_write;
    if (d->phase != PH_DMA || !ch->dma || !ch->dma->ready(ch->dma_opaque, to_memory))
        return;
    bool packet = d->cmd == CMD_PACKET;
    for (;;) {
        if (d->pos == d->end) {
            if (packet ? d->cd_left == 0 : d->left == 0)
                break;
            if (!dma_load(d)) {
                if (packet)
                    atapi_read_failed(d);
                return;
            }
        }
        size_t moved = ch->dma->transfer(ch->dma_opaque, d->buf + d->pos, d->end - d->pos, to_memory);
        d->pos += (uint32_t)moved;
        if (d->pos < d->end)
            return; /* the table ended: wait for the next start */
        if (!dma_piece_done(d))
            return;
    }
    if (packet) {
        atapi_ok(d);
    } else {
        set_regs(d, d->lba - 1);
        ide_cmd_done(d);
    }
}

void ide_dma_begin(struct ide_drive *d)
{
    d->phase = PH_DMA;
    d->pos = d->end = 0;
    d->status = ST_DRDY | ST_DSC | ST_DRQ;
    dma_run(d);
}

/* ---- IDENTIFY ---- */

static void identify_common(struct ide_drive *d, uint16_t *w)
{
    char serial[21];
    snprintf(serial, sizeof serial, "DP%04X%d", d->ch->cmd_base, d->unit);
    put_string(&w[10], serial, 20);
    put_string(&w[23], "1.0", 8);
    uint8_t xm = d->xfer_mode;
    w[62] = 0;                                                             /* single-word DMA: none */
    w[63] = (uint16_t)(0x0007 | ((xm >> 3) == 4 ? 0x100 << (xm & 7) : 0)); /* multiword 0-2 */
    w[64] = 0x0003;                                                        /* PIO 3 and 4 */
    w[65] = 120;
    w[66] = 120;
    w[67] = 120;
    w[68] = 120;
    w[80] = 0x007E;                                                        /* ATA-1 .. ATA-6 */
    w[88] = (uint16_t)(0x003F | ((xm >> 3) == 8 ? 0x100 << (xm & 7) : 0)); /* Ultra DMA 0-5 */
    /* word 93: hardware reset result; bit 13: 80-conductor cable detected */
    w[93] = 0x6000 | (d->unit ? 0x0100 : 0x000B);
}

/* word 255: signature A5h and a checksum making the 512 bytes sum to 0 */
static void identify_checksum(uint8_t *b)
{
    b[510] = 0xA5;
    uint8_t sum = 0;
    for (int i = 0; i < 511; i++)
        sum = (uint8_t)(sum + b[i]);
    b[511] = (uint8_t)-sum;
}

static void identify_disk(struct ide_drive *d)
{
    uint16_t w[256];
    memset(w, 0, sizeof w);
    w[0] = 0x0040; /* fixed device */
    w[1] = d->cyls;
    w[3] = d->heads;
    /* unformatted bytes per track and per sector (ATA-1; retired since
     * ATA-4, but drives of the time filled them and the Bochs BIOS takes
     * its PIO block size from word 5) */
    w[4] = (uint16_t)(512 * d->secs);
    w[5] = 512;
    w[6] = d->secs;
    w[20] = 3;   /* dual-ported buffer with read caching (obsolete) */
    w[21] = 512; /* buffer size in sectors (obsolete) */
    w[22] = 4;   /* ECC bytes (obsolete) */
    put_string(&w[27], "DYNAPC HARDDISK", 40);
    w[47] = 0x8000 | IDE_MAX_MULT;
    w[49] = 0x0B00;      /* IORDY, LBA, DMA */
    w[50] = 0x4000;      /* valid */
    w[51] = 0x0200;      /* PIO timing mode 2 (obsolete) */
    w[52] = 0x0200;      /* DMA timing mode 2 (obsolete) */
    w[53] = 0x0007;      /* words 54-58, 64-70 and 88 are valid */
    w[54] = d->cur_cyls; /* current translation */
    w[55] = d->cur_heads;
    w[56] = d->cur_secs;
    uint32_t cur_cap = (uint32_t)d->cur_cyls * d->cur_heads * d->cur_secs;
    if (cur_cap > d->nsectors)
        cur_cap = (uint32_t)d->nsectors;
    w[57] = (uint16_t)cur_cap;
    w[58] = (uint16_t)(cur_cap >> 16);
    w[59] = 0x0100 | d->mult_sectors;
    uint64_t lba28 = d->nsectors < 0x0FFFFFFF ? d->nsectors : 0x0FFFFFFF;
    w[60] = (uint16_t)lba28;
    w[61] = (uint16_t)(lba28 >> 16);
    identify_common(d, w);
    w[82] = 0x4020 | 0x0008; /* NOP, write cache, power management */
    w[83] = 0x7400;          /* FLUSH CACHE EXT, FLUSH CACHE, 48-bit address */
    w[84] = 0x4000;
    w[85] = (uint16_t)(0x4008 | (d->write_cache ? 0x0020 : 0));
    w[86] = 0x3400;
    w[87] = 0x4000;
    for (int i = 0; i < 4; i++)
        w[100 + i] = (uint16_t)(d->nsectors >> (16 * i));
    for (int i = 0; i < 256; i++)
        put16(&d->buf[2 * i], w[i]);
    identify_checksum(d->buf);
}

static void identify_packet(struct ide_drive *d)
{
    uint16_t w[256];
    memset(w, 0, sizeof w);
    /* ATAPI, CD-ROM (05h), removable, DRQ within 50 us of PACKET, 12-byte packets */
    w[0] = 0x8000 | 0x0500 | 0x0080 | 0x0040;
    put_string(&w[27], "DYNAPC CD-ROM", 40);
    w[49] = 0x0B00; /* IORDY, LBA, DMA */
    w[53] = 0x0006; /* words 64-70 and 88 */
    identify_common(d, w);
    w[71] = 30;
    w[72] = 30;
    w[82] = 0x4010; /* NOP, PACKET */
    w[83] = 0x4000;
    w[84] = 0x4000;
    w[85] = 0x4010;
    w[87] = 0x4000;
    for (int i = 0; i < 256; i++)
        put16(&d->buf[2 * i], w[i]);
    identify_checksum(d->buf);
}

/* ---- ATA command dispatch ---- */

static void set_features(struct ide_drive *d)
{
    switch (d->feature) {
    case 0x03: { /* set transfer mode from the sector count register */
        uint8_t m = d->nsector;
        bool ok =
            m <= 0x01 || (m >= 0x08 && m <= 0x0C) || (m >= 0x20 && m <= 0x22) || (m >= 0x40 && m <= 0x45);
        if (!ok) {
            ide_cmd_abort(d);
            return;
        }
        if (m >= 0x20)
            d->xfer_mode = m;
        break;
    }
    case 0x02: /* enable write cache (writes still go straight to the image) */
        d->write_cache = 1;
        break;
    case 0x82:
        d->write_cache = 0;
        break;
    case 0x55: /* read look-ahead off / on, revert to defaults off / on */
    case 0xAA:
    case 0x66:
    case 0xCC:
        break;
    default:
        ide_cmd_abort(d);
        return;
    }
    ide_cmd_done(d);
}

static void flush(struct ide_drive *d)
{
    if (d->bd && blockdev_flush(d->bd))
        ide_cmd_abort(d);
    else
        ide_cmd_done(d);
}

static void execute_diagnostic(struct ide_channel *ch)
{
    /* both devices run it; each reports 01h (passed), device 0 also
     * speaking for an absent or passing device 1; device 0 interrupts */
    for (int u = 0; u < 2; u++) {
        struct ide_drive *d = &ch->drive[u];
        if (d->kind == KIND_NONE)
            continue;
        cancel_event(d);
        reset_done(d);
        d->irq_pending = 0;
    }
    ch->select = 0;
    ide_raise_irq(ch->drive[0].kind != KIND_NONE ? &ch->drive[0] : &ch->drive[1]);
}

static void ata_exec(struct ide_drive *d)
{
    bool disk = d->kind == KIND_DISK;
    d->error = 0;
    d->is_write = 0;
    switch (d->cmd) {
    case CMD_READ_SECTORS:
    case CMD_READ_SECTORS_NR:
    case CMD_READ_SECTORS_EXT:
    case CMD_READ_MULTIPLE:
    case CMD_READ_MULTIPLE_EXT: {
        if (!disk) {
            /* a PACKET device aborts READ SECTORS with its signature (ATA-4 8.27.5.2) */
            set_signature(d);
            ide_cmd_abort(d);
            return;
        }
        bool mult = d->cmd == CMD_READ_MULTIPLE || d->cmd == CMD_READ_MULTIPLE_EXT;
        if (mult && !d->mult_sectors) {
            ide_cmd_abort(d);
            return;
        }
        bool ext = d->cmd == CMD_READ_SECTORS_EXT || d->cmd == CMD_READ_MULTIPLE_EXT;
        if (setup_rw(d, ext, false, mult ? d->mult_sectors : 1))
            ata_pio_load(d);
        return;
    }
    case CMD_WRITE_SECTORS:
    case CMD_WRITE_SECTORS_NR:
    case CMD_WRITE_SECTORS_EXT:
    case CMD_WRITE_MULTIPLE:
    case CMD_WRITE_MULTIPLE_EXT: {
        bool mult = d->cmd == CMD_WRITE_MULTIPLE || d->cmd == CMD_WRITE_MULTIPLE_EXT;
        if (!disk || (mult && !d->mult_sectors)) {
            ide_cmd_abort(d);
            return;
        }
        bool ext = d->cmd == CMD_WRITE_SECTORS_EXT || d->cmd == CMD_WRITE_MULTIPLE_EXT;
        uint32_t block = mult ? d->mult_sectors : 1;
        if (setup_rw(d, ext, true, block))
            ide_pio_out(d, (d->left < block ? d->left : block) * BLOCKDEV_SECTOR, false);
        return;
    }
    case CMD_READ_DMA:
    case CMD_READ_DMA_NR:
    case CMD_READ_DMA_EXT:
    case CMD_WRITE_DMA:
    case CMD_WRITE_DMA_NR:
    case CMD_WRITE_DMA_EXT: {
        if (!disk) {
            ide_cmd_abort(d);
            return;
        }
        bool write = d->cmd == CMD_WRITE_DMA || d->cmd == CMD_WRITE_DMA_NR || d->cmd == CMD_WRITE_DMA_EXT;
        bool ext = d->cmd == CMD_READ_DMA_EXT || d->cmd == CMD_WRITE_DMA_EXT;
        if (setup_rw(d, ext, write, 0))
            ide_dma_begin(d);
        return;
    }
    case CMD_VERIFY:
    case CMD_VERIFY_NR:
    case CMD_VERIFY_EXT:
        if (!disk) {
            ide_cmd_abort(d);
            return;
        }
        if (setup_rw(d, d->cmd == CMD_VERIFY_EXT, false, 0)) {
            d->lba += d->left;
            d->left = 0;
            set_regs(d, d->lba - 1);
            ide_cmd_done(d);
        }
        return;
    case CMD_SEEK:
    case 0x10: /* RECALIBRATE (obsolete) */
        if (disk)
            ide_cmd_done(d);
        else
            ide_cmd_abort(d);
        return;
    case CMD_INIT_DEV_PARAMS: {
        unsigned heads = (d->ch->select & 0x0F) + 1u, secs = d->nsector;
        if (!disk || secs == 0) {
            ide_cmd_abort(d);
            return;
        }
        uint64_t cyls = d->nsectors / (heads * secs);
        d->cur_heads = (uint8_t)heads;
        d->cur_secs = (uint8_t)secs;
        d->cur_cyls = (uint16_t)(cyls > 65535 ? 65535 : cyls);
        ide_cmd_done(d);
        return;
    }
    case CMD_SET_MULTIPLE: {
        uint8_t n = d->nsector;
        if (!disk || n > IDE_MAX_MULT || (n & (n - 1))) {
            ide_cmd_abort(d);
            return;
        }
        d->mult_sectors = n;
        ide_cmd_done(d);
        return;
    }
    case CMD_IDENTIFY:
        if (!disk) {
            /* ATA-6 8.15: a PACKET device aborts with its signature in place */
            set_signature(d);
            ide_cmd_abort(d);
            return;
        }
        identify_disk(d);
        d->left = 0;
        ide_pio_in(d, 0, 512);
        return;
    case CMD_IDENTIFY_PACKET:
        if (disk) {
            ide_cmd_abort(d);
            return;
        }
        identify_packet(d);
        d->left = 0;
        ide_pio_in(d, 0, 512);
        return;
    case CMD_PACKET:
        if (disk) {
            ide_cmd_abort(d);
            return;
        }
        d->dma = d->feature & 1;
        d->byte_limit = (uint16_t)(d->lcyl | d->hcyl << 8);
        d->nsector = IR_COD;
        d->pos = 0;
        d->end = 12;
        d->phase = PH_PACKET;
        d->status = ST_DRDY | ST_DSC | ST_DRQ;
        return;
    case CMD_READ_NATIVE_MAX:
    case CMD_READ_NATIVE_MAX_EXT: {
        if (!disk) {
            ide_cmd_abort(d);
            return;
        }
        uint64_t max = d->nsectors - 1;
        d->lba48 = d->cmd == CMD_READ_NATIVE_MAX_EXT;
        if (!d->lba48 && max > 0x0FFFFFFF)
            max = 0x0FFFFFFF;
        d->left = 0;
        d->ch->select |= DEV_LBA;
        set_regs(d, max);
        ide_cmd_done(d);
        return;
    }
    case CMD_CHECK_POWER_MODE:
        d->nsector = 0xFF; /* active or idle */
        ide_cmd_done(d);
        return;
    case CMD_STANDBY_IMMEDIATE:
    case CMD_IDLE_IMMEDIATE:
    case CMD_STANDBY:
    case CMD_IDLE:
    case CMD_SLEEP:
        ide_cmd_done(d);
        return;
    case CMD_FLUSH_CACHE:
    case CMD_FLUSH_CACHE_EXT:
        flush(d);
        return;
    case CMD_SET_FEATURES:
        set_features(d);
        return;
    case CMD_EXEC_DIAGNOSTIC:
        execute_diagnostic(d->ch);
        return;
    default: /* NOP and everything not implemented */
        ide_cmd_abort(d);
        return;
    }
}

/* ---- events ---- */

static void drive_event(void *opaque)
{
    struct ide_drive *d = opaque;
    enum ide_event ev = (enum ide_event)d->event;
    d->event = EV_NONE;
    switch (ev) {
    case EV_EXEC:
        ata_exec(d);
        break;
    case EV_NEXT:
        if (d->cmd == CMD_PACKET) {
            if (d->cd_left)
                atapi_pio_chunk(d);
            else
                atapi_ok(d);
        } else if (d->is_write) {
            ata_pio_store(d);
        } else {
            ata_pio_load(d);
        }
        break;
    case EV_PACKET:
        atapi_exec(d);
        break;
    case EV_DMA:
        dma_run(d);
        break;
    case EV_RESET:
        reset_done(d);
        break;
    case EV_NONE:
        break;
    }
}

/* the host moved the last byte of the PIO block */
static void block_done(struct ide_drive *d)
{
    enum ide_phase ph = (enum ide_phase)d->phase;
    d->status = ST_BSY | ST_DSC;
    if (ph == PH_PACKET) {
        memcpy(d->packet, d->buf, sizeof d->packet);
        d->phase = PH_IDLE;
        ide_schedule(d, EV_PACKET, IDE_CMD_NS);
        return;
    }
    d->phase = PH_IDLE;
    if (ph == PH_PIO_IN && d->cmd != CMD_PACKET && d->left == 0) {
        d->status = ST_DRDY | ST_DSC; /* PIO data-in ends without an interrupt */
        return;
    }
    ide_schedule(d, EV_NEXT, IDE_BLOCK_NS);
}

/* ---- registers ---- */

static uint32_t data_read(struct ide_channel *ch, unsigned size)
{
    struct ide_drive *d = selected(ch);
    if (d->phase != PH_PIO_IN)
        return 0xFFFFFFFFu;
    uint32_t v = 0;
    for (unsigned i = 0; i < size && d->pos < d->end; i++)
        v |= (uint32_t)d->buf[d->pos++] << (8 * i);
    if (d->pos >= d->end)
        block_done(d);
    return v;
}

static void data_write(struct ide_channel *ch, uint32_t v, unsigned size)
{
    struct ide_drive *d = selected(ch);
    if (d->phase != PH_PIO_OUT && d->phase != PH_PACKET)
        return;
    for (unsigned i = 0; i < size && d->pos < d->end; i++)
        d->buf[d->pos++] = (uint8_t)(v >> (8 * i));
    if (d->pos >= d->end)
        block_done(d);
}

static uint8_t status_of(struct ide_channel *ch)
{
    struct ide_drive *d = selected(ch);
    /* device 0 answers for an absent device 1 with status 00h (ATA-6
     * 9.16.1), but while busy (a software reset) it can only answer BSY: the
     * Bochs BIOS waits on device 1 after SRST and then commands device 0 */
    if (d->kind == KIND_NONE)
        return ch->drive[0].kind != KIND_NONE && (ch->drive[0].status & ST_BSY) ? ch->drive[0].status : 0;
    return d->status;
}

static uint8_t reg_read(struct ide_channel *ch, unsigned reg)
{
    if (channel_empty(ch))
        return 0;
    struct ide_drive *d = selected(ch);
    bool hob = ch->devctl & DC_HOB;
    switch (reg) {
    case 1:
        return d->error;
    case 2:
        return hob ? d->hob_nsector : d->nsector;
    case 3:
        return hob ? d->hob_sector : d->sector;
    case 4:
        return hob ? d->hob_lcyl : d->lcyl;
    case 5:
        return hob ? d->hob_hcyl : d->hcyl;
    case 6:
        return ch->select;
    default: {
        uint8_t st = status_of(ch);
        if (d->kind != KIND_NONE && d->irq_pending) {
            d->irq_pending = 0; /* reading the status register acknowledges INTRQ */
            update_irq(ch);
        }
        return st;
    }
    }
}

static void command_write(struct ide_channel *ch, uint8_t cmd)
{
    struct ide_drive *d = selected(ch);
    if (cmd == CMD_EXEC_DIAGNOSTIC && !channel_empty(ch)) {
        struct ide_drive *e = ch->drive[0].kind != KIND_NONE ? &ch->drive[0] : &ch->drive[1];
        for (int u = 0; u < 2; u++) {
            if (ch->drive[u].kind != KIND_NONE) {
                cancel_event(&ch->drive[u]);
                ch->drive[u].phase = PH_IDLE;
                ch->drive[u].status = ST_BSY;
                ch->drive[u].irq_pending = 0;
            }
        }
        e->cmd = cmd;
        ide_schedule(e, EV_EXEC, IDE_CMD_NS);
        update_irq(ch);
        return;
    }
    if (d->kind == KIND_NONE)
        return;
    if (cmd == CMD_DEVICE_RESET && d->kind == KIND_CDROM) {
        /* accepted in any state; ends without an interrupt (ATA-6 8.10) */
        cancel_event(d);
        d->phase = PH_IDLE;
        d->status = ST_BSY;
        d->irq_pending = 0;
        d->cmd = cmd;
        update_irq(ch);
        ide_schedule(d, EV_RESET, IDE_CMD_NS);
        return;
    }
    if (d->status & (ST_BSY | ST_DRQ))
        return; /* the host may not write a command now; ignore it */
    d->cmd = cmd;
    d->status = ST_BSY | ST_DSC;
    d->irq_pending = 0; /* writing the command register clears INTRQ */
    update_irq(ch);
    ide_schedule(d, EV_EXEC, IDE_CMD_NS);
}

static void reg_write(struct ide_channel *ch, unsigned reg, uint8_t v)
{
    if (reg == 7) {
        command_write(ch, v);
        return;
    }
    if (reg == 6) {
        ch->select = v;
        update_irq(ch);
        return;
    }
    /* registers 1-5 are latched by both devices; the previous value moves
     * to the HOB copy (ATA-6 6.20), and HOB in device control is cleared */
    for (int u = 0; u < 2; u++) {
        struct ide_drive *d = &ch->drive[u];
        switch (reg) {
        case 1:
            d->hob_feature = d->feature;
            d->feature = v;
            break;
        case 2:
            d->hob_nsector = d->nsector;
            d->nsector = v;
            break;
        case 3:
            d->hob_sector = d->sector;
            d->sector = v;
            break;
        case 4:
            d->hob_lcyl = d->lcyl;
            d->lcyl = v;
            break;
        case 5:
            d->hob_hcyl = d->hcyl;
            d->hcyl = v;
            break;
        }
    }
    ch->devctl &= (uint8_t)~DC_HOB;
}

static void devctl_write(struct ide_channel *ch, uint8_t v)
{
    uint8_t old = ch->devctl;
    ch->devctl = v & (DC_HOB | DC_SRST | DC_NIEN);
    if (!(old & DC_SRST) && (v & DC_SRST))
        ch->select = 0; /* the signature's device register is 00h: device 0 */
    for (int u = 0; u < 2; u++) {
        struct ide_drive *d = &ch->drive[u];
        if (d->kind == KIND_NONE)
            continue;
        if (!(old & DC_SRST) && (v & DC_SRST)) {
            /* software reset: both devices go busy while SRST is set (ATA-6 9.2) */
            cancel_event(d);
            d->phase = PH_IDLE;
            d->status = ST_BSY;
            d->irq_pending = 0;
        } else if ((old & DC_SRST) && !(v & DC_SRST)) {
            ide_schedule(d, EV_RESET, IDE_RESET_NS);
        }
    }
    update_irq(ch);
}

static uint64_t cmd_read(void *opaque, uint64_t offset, unsigned size)
{
    struct ide_channel *ch = opaque;
    if (offset == 0 && size <= 4)
        return data_read(ch, size);
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)(offset + i == 0 ? (uint8_t)data_read(ch, 1) : reg_read(ch, (unsigned)offset + i))
             << (8 * i);
    return v;
}

static void cmd_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    struct ide_channel *ch = opaque;
    if (offset == 0 && size <= 4) {
        data_write(ch, (uint32_t)value, size);
        return;
    }
    for (unsigned i = 0; i < size; i++) {
        uint8_t b = (uint8_t)(value >> (8 * i));
        if (offset + i == 0)
            data_write(ch, b, 1);
        else
            reg_write(ch, (unsigned)offset + i, b);
    }
}

static uint64_t ctl_read(void *opaque, uint64_t offset, unsigned size)
{
    (void)offset;
    (void)size;
    struct ide_channel *ch = opaque;
    return channel_empty(ch) ? 0 : status_of(ch); /* alternate status: no INTRQ side effect */
}

static void ctl_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    (void)offset;
    (void)size;
    devctl_write(opaque, (uint8_t)value);
}

static const struct bus_ops cmd_ops = {cmd_read, cmd_write, BUS_W8 | BUS_W16 | BUS_W32};
static const struct bus_ops ctl_ops = {ctl_read, ctl_write, BUS_W8};

/* ---- construction ---- */

static void drive_power_on(struct ide_drive *d)
{
    cancel_event(d);
    d->irq_pending = 0;
    d->mult_sectors = 0;
    d->xfer_mode = IDE_DEFAULT_XM;
    d->write_cache = 1;
    d->cur_cyls = d->cyls;
    d->cur_heads = d->heads;
    d->cur_secs = d->secs;
    d->feature = d->hob_feature = 0;
    d->locked = 0;
    d->sense_key = d->asc = d->ascq = 0;
    d->cmd = 0;
    if (d->kind != KIND_NONE)
        reset_done(d);
}

void ide_channel_reset(struct ide_channel *ch)
{
    ch->devctl = 0;
    for (int u = 0; u < 2; u++)
        drive_power_on(&ch->drive[u]);
    ch->select = 0;
    update_irq(ch);
}

struct ide_channel *ide_channel_new(struct bus *bus, uint16_t cmd_base, uint16_t ctl_base,
                                    const struct irq_line *irq, struct timerq *tq)
{
    struct ide_channel *ch = calloc(1, sizeof *ch);
    if (!ch)
        return NULL;
    ch->bus = bus;
    ch->cmd_base = cmd_base;
    ch->ctl_base = ctl_base;
    ch->irq = irq;
    ch->tq = tq;
    for (int u = 0; u < 2; u++) {
        ch->drive[u].ch = ch;
        ch->drive[u].unit = u;
        timer_init(&ch->drive[u].timer, tq, drive_event, &ch->drive[u]);
    }
    char name[32];
    snprintf(name, sizeof name, "ide@%03x", cmd_base);
    if (bus_map(bus, BUS_IO, cmd_base, 8, &cmd_ops, ch, name)) {
        free(ch);
        return NULL;
    }
    ch->cmd_mapped = true;
    snprintf(name, sizeof name, "ide-ctl@%03x", ctl_base);
    if (bus_map(bus, BUS_IO, ctl_base, 1, &ctl_ops, ch, name)) {
        ide_channel_free(ch);
        return NULL;
    }
    ch->ctl_mapped = true;
    ide_channel_reset(ch);
    return ch;
}

void ide_channel_free(struct ide_channel *ch)
{
    if (!ch)
        return;
    for (int u = 0; u < 2; u++) {
        timer_del(&ch->drive[u].timer);
        blockdev_close(ch->drive[u].bd);
    }
    if (ch->cmd_mapped)
        bus_unmap(ch->bus, BUS_IO, ch->cmd_base);
    if (ch->ctl_mapped)
        bus_unmap(ch->bus, BUS_IO, ch->ctl_base);
    free(ch);
}

/* Default geometry: 16 heads and 63 sectors per track (what BIOSes and
 * other emulators give disks they create), unless the MBR's partitions
 * end on a geometry with at most 16 heads, which the disk was then
 * partitioned with. */
static void guess_geometry(struct ide_drive *d)
{
    unsigned heads = 16, secs = 63;
    uint8_t mbr[512];
    if (d->nsectors >= 1 && !blockdev_read(d->bd, 0, mbr, sizeof mbr) && mbr[510] == 0x55 &&
        mbr[511] == 0xAA) {
        for (int i = 0; i < 4; i++) {
            const uint8_t *e = &mbr[446 + 16 * i];
            unsigned h = e[5] + 1u, s = e[6] & 63u;
            if (!e[4] || h > 16 || s == 0)
                continue;
            uint64_t c = d->nsectors / (h * s);
            if (c >= 1 && c <= 16383) {
                heads = h;
                secs = s;
                break;
            }
        }
    }
    uint64_t cyls = d->nsectors / (heads * secs);
    d->cyls = (uint16_t)(cyls > 16383 ? 16383 : cyls ? cyls : 1);
    d->heads = (uint8_t)heads;
    d->secs = (uint8_t)secs;
}

static int attach(struct ide_channel *ch, int unit, enum ide_kind kind, struct blockdev *bd, char *err,
                  size_t errlen)
{
    if (unit < 0 || unit > 1) {
        snprintf(err, errlen, "ide@%03x: no unit %d (0 = master, 1 = slave)", ch->cmd_base, unit);
        return -1;
    }
    struct ide_drive *d = &ch->drive[unit];
    if (d->kind != KIND_NONE) {
        snprintf(err, errlen, "ide@%03x: the %s is already attached", ch->cmd_base,
                 unit ? "slave" : "master");
        return -1;
    }
    if (kind == KIND_DISK && !bd) {
        snprintf(err, errlen, "ide@%03x: a hard disk needs an image", ch->cmd_base);
        return -1;
    }
    uint64_t n = bd ? blockdev_sectors(bd, kind == KIND_DISK ? BLOCKDEV_SECTOR : CD_SECTOR) : 0;
    if (kind == KIND_DISK && n == 0) {
        snprintf(err, errlen, "%s: disk image is smaller than one sector", blockdev_path(bd));
        return -1;
    }
    if (kind == KIND_DISK && n > (1ull << 48)) {
        snprintf(err, errlen, "%s: disk image is larger than 128 PiB (48-bit LBA)", blockdev_path(bd));
        return -1;
    }
    d->kind = kind;
    d->bd = bd;
    d->nsectors = n;
    if (kind == KIND_DISK)
        guess_geometry(d);
    drive_power_on(d);
    update_irq(ch);
    return 0;
}

int ide_attach_disk(struct ide_channel *ch, int unit, struct blockdev *bd, char *err, size_t errlen)
{
    return attach(ch, unit, KIND_DISK, bd, err, errlen);
}

int ide_attach_cdrom(struct ide_channel *ch, int unit, struct blockdev *bd, char *err, size_t errlen)
{
    return attach(ch, unit, KIND_CDROM, bd, err, errlen);
}

int ide_cd_change_media(struct ide_channel *ch, int unit, const char *path, char *err, size_t errlen)
{
    if (unit < 0 || unit > 1 || ch->drive[unit].kind != KIND_CDROM) {
        snprintf(err, errlen, "ide@%03x: unit %d is not a CD-ROM drive", ch->cmd_base, unit);
        return -1;
    }
    struct ide_drive *d = &ch->drive[unit];
    struct blockdev *nbd = NULL;
    if (path && *path) {
        nbd = blockdev_open(path, BLOCKDEV_READ_ONLY, err, errlen);
        if (!nbd)
            return -1;
    }
    bool had = ide_media_present(d);
    blockdev_close(d->bd);
    d->bd = nbd;
    d->nsectors = nbd ? blockdev_sectors(nbd, CD_SECTOR) : 0;
    d->tray_open = 0;
    if (nbd) {
        d->media_event = ME_NEW_MEDIA;
        d->ua_pending = 1;
    } else {
        d->media_event = had ? ME_MEDIA_REMOVAL : d->media_event;
        d->ua_pending = 0;
    }
    return 0;
}

/* ---- CMOS ---- */

int ide_cmos_info(const struct ide_channel *ch, int unit, struct ide_chs *chs)
{
    if (!ch || unit < 0 || unit > 1 || ch->drive[unit].kind != KIND_DISK)
        return -1;
    const struct ide_drive *d = &ch->drive[unit];
    chs->cylinders = d->cyls;
    chs->heads = d->heads;
    chs->sectors = d->secs;
    chs->total_sectors = d->nsectors;
    return 0;
}

void ide_cmos_fill(const struct ide_channel *primary, const struct ide_channel *secondary,
                   void (*cmos_write)(void *opaque, int index, uint8_t value), void *opaque)
{
    uint8_t types = 0, translation = 0;
    for (int u = 0; u < 2; u++) {
        struct ide_chs g;
        if (ide_cmos_info(primary, u, &g))
            continue;
        types |= (uint8_t)(0xF0 >> (4 * u));
        int base = u ? 0x24 : 0x1B; /* AT BIOS fixed disk parameter layout */
        cmos_write(opaque, 0x19 + u, 47);
        cmos_write(opaque, base + 0, (uint8_t)g.cylinders);
        cmos_write(opaque, base + 1, (uint8_t)(g.cylinders >> 8));
        cmos_write(opaque, base + 2, g.heads);
        cmos_write(opaque, base + 3, 0xFF); /* write precompensation: none */
        cmos_write(opaque, base + 4, 0xFF);
        cmos_write(opaque, base + 5, (uint8_t)(0xC0 | (g.heads > 8 ? 0x08 : 0))); /* control byte */
        cmos_write(opaque, base + 6, (uint8_t)g.cylinders);                       /* landing zone */
        cmos_write(opaque, base + 7, (uint8_t)(g.cylinders >> 8));
        cmos_write(opaque, base + 8, g.sectors);
    }
    cmos_write(opaque, 0x12, types);
    /* 0x39: translation per device (primary master in bits 0-1 ... secondary
     * slave in bits 6-7): LBA when the geometry does not fit INT 13h's CHS */
    for (int i = 0; i < 4; i++) {
        struct ide_chs g;
        if (ide_cmos_info(i < 2 ? primary : secondary, i & 1, &g))
            continue;
        if (g.cylinders > 1024 || g.heads > 16 || g.sectors > 63)
            translation |= (uint8_t)(1 << (2 * i));
    }
    cmos_write(opaque, 0x39, translation);
}

/* ---- bus master hookup ---- */

void ide_channel_set_dma(struct ide_channel *ch, const struct ide_dma_ops *ops, void *opaque)
{
    ch->dma = ops;
    ch->dma_opaque = opaque;
}

void ide_channel_dma_kick(struct ide_channel *ch)
{
    for (int u = 0; u < 2; u++) {
        struct ide_drive *d = &ch->drive[u];
        if (d->phase == PH_DMA && d->event == EV_NONE)
            ide_schedule(d, EV_DMA, IDE_DMA_NS);
    }
}

/* ---- save state ---- */

void ide_channel_post_load(struct ide_channel *ch)
{
    for (int u = 0; u < 2; u++) {
        struct ide_drive *d = &ch->drive[u];
        if (d->event != EV_NONE)
            timer_mod(&d->timer, d->event_at);
        else
            timer_del(&d->timer);
    }
    irq_set(ch->irq, ch->irq_level);
}

#define IDE_DRV_SCALAR(i, m)                                                                                 \
    {                                                                                                        \
        "d" #i "." #m, offsetof(struct ide_channel, drive[i].m),                                             \
            sizeof(((struct ide_channel *)0)->drive[i].m), 1                                                 \
    }
#define IDE_DRV_BYTES(i, m)                                                                                  \
    {                                                                                                        \
        "d" #i "." #m, offsetof(struct ide_channel, drive[i].m), 1,                                          \
            sizeof(((struct ide_channel *)0)->drive[i].m)                                                    \
    }
#define IDE_DRV_FIELDS(i)                                                                                    \
    IDE_DRV_SCALAR(i, feature), IDE_DRV_SCALAR(i, nsector), IDE_DRV_SCALAR(i, sector),                       \
        IDE_DRV_SCALAR(i, lcyl), IDE_DRV_SCALAR(i, hcyl), IDE_DRV_SCALAR(i, hob_feature),                    \
        IDE_DRV_SCALAR(i, hob_nsector), IDE_DRV_SCALAR(i, hob_sector), IDE_DRV_SCALAR(i, hob_lcyl),          \
        IDE_DRV_SCALAR(i, hob_hcyl), IDE_DRV_SCALAR(i, error), IDE_DRV_SCALAR(i, status),                    \
        IDE_DRV_SCALAR(i, cmd), IDE_DRV_SCALAR(i, irq_pending), IDE_DRV_SCALAR(i, phase),                    \
        IDE_DRV_SCALAR(i, event), IDE_DRV_SCALAR(i, event_at), IDE_DRV_SCALAR(i, cur_cyls),                  \
        IDE_DRV_SCALAR(i, cur_heads), IDE_DRV_SCALAR(i, cur_secs), IDE_DRV_SCALAR(i, mult_sectors),          \
        IDE_DRV_SCALAR(i, xfer_mode), IDE_DRV_SCALAR(i, write_cache), IDE_DRV_SCALAR(i, lba48),              \
        IDE_DRV_SCALAR(i, is_write), IDE_DRV_SCALAR(i, lba), IDE_DRV_SCALAR(i, left),                        \
        IDE_DRV_SCALAR(i, block), IDE_DRV_SCALAR(i, pos), IDE_DRV_SCALAR(i, end), IDE_DRV_BYTES(i, packet),  \
        IDE_DRV_SCALAR(i, dma), IDE_DRV_SCALAR(i, byte_limit), IDE_DRV_SCALAR(i, sense_key),                 \
        IDE_DRV_SCALAR(i, asc), IDE_DRV_SCALAR(i, ascq), IDE_DRV_SCALAR(i, ua_pending),                      \
        IDE_DRV_SCALAR(i, tray_open), IDE_DRV_SCALAR(i, locked), IDE_DRV_SCALAR(i, media_event),             \
        IDE_DRV_SCALAR(i, cd_stream), IDE_DRV_SCALAR(i, cd_off), IDE_DRV_SCALAR(i, cd_left),                 \
        IDE_DRV_BYTES(i, buf)

static const struct vmstate_field ide_channel_fields[] = {
    VMSTATE_FIELD(struct ide_channel, select),
    VMSTATE_FIELD(struct ide_channel, devctl),
    VMSTATE_FIELD(struct ide_channel, irq_level),
    IDE_DRV_FIELDS(0),
    IDE_DRV_FIELDS(1),
    VMSTATE_END,
};

const struct vmstate_desc ide_channel_vmstate = {
    .name = "ide-channel",
    .version = 1,
    .fields = ide_channel_fields,
};
