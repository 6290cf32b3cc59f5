/* fdc.c - Intel 82077AA floppy disk controller, PC AT mode (see fdc.h).
 *
 * Reference: Intel 82077AA CHMOS Single-Chip Floppy Disk Controller
 * datasheet (order number 290166-007): section 2 (registers), section 5
 * (command set, table 5-1; status registers ST0-ST3; result phase table
 * 5-6), section 7.4 (drive polling after reset).
 *
 * Model.  A raw image has standard MFM tracks: cylinder c, head h holds
 * sectors 1..spt with ID fields (c, h, r, 2).  The controller keeps one
 * present cylinder number per drive, which is also where the head is.  A
 * data command runs as a chain of timer steps, one per sector: locate the
 * sector (errors as the chip reports them), move its 512 bytes by DMA or
 * through the FIFO, then decide from TC, EOT and MT whether to go on.  TC
 * comes from the DMA controller's terminal-count callback; in PIO mode there
 * is none, so a PIO read always ends at EOT with "abnormal termination, end
 * of cylinder", as on the real chip.
 *
 * Leniencies: the drive that a command's DS bits name is used even if the
 * DOR selects another, the motor bits are kept but a stopped motor does not
 * stop a transfer, and a command to a drive without media fails with
 * missing address mark instead of hanging for want of index pulses. */
#include "devices/fdc.h"

#include "devices/blockdev.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECTOR_SIZE 512
#define FDC_UNITS   4 /* drive numbers a command can name */

/* virtual-time delays (ns): short, so that guests do not wait on them */
#define RESET_DELAY_NS  20000ull
#define CMD_DELAY_NS    20000ull
#define SECTOR_DELAY_NS 20000ull
#define RESULT_DELAY_NS 10000ull
#define SEEK_BASE_NS    50000ull
#define SEEK_STEP_NS    5000ull

/* DOR */
#define DOR_SEL    0x03
#define DOR_NRESET 0x04
#define DOR_DMAEN  0x08 /* PC AT mode: gates INT and DRQ */
/* MSR */
#define MSR_RQM  0x80
#define MSR_DIO  0x40 /* 1: controller -> host */
#define MSR_NDMA 0x20 /* execution phase in non-DMA mode */
#define MSR_CB   0x10
/* DSR */
#define DSR_SWRESET 0x80
#define DSR_RATE    0x03
/* DIR */
#define DIR_DSKCHG 0x80
/* ST0 */
#define ST0_ABNORMAL 0x40
#define ST0_INVALID  0x80
#define ST0_POLL     0xC0
#define ST0_SE       0x20
#define ST0_EC       0x10
/* ST1 */
#define ST1_EN 0x80
#define ST1_DE 0x20
#define ST1_ND 0x04
#define ST1_NW 0x02
#define ST1_MA 0x01
/* ST2 */
#define ST2_CM 0x40
#define ST2_DD 0x20
#define ST2_WC 0x10
#define ST2_SH 0x08
#define ST2_SN 0x04
/* ST3 */
#define ST3_WP     0x40
#define ST3_T0     0x10
#define ST3_ALWAYS 0x28 /* bits 5 and 3 read 1 on the 82077AA */
/* CONFIGURE byte 2 */
#define CFG_EIS   0x40
#define CFG_EFIFO 0x20
#define CFG_POLL  0x10
/* SPECIFY byte 2 */
#define SPEC_ND 0x01

/* data rates (DSR/CCR bits 1-0) as a bit mask of accepted rates */
enum { RATE_500K = 0, RATE_300K = 1, RATE_250K = 2, RATE_1M = 3 };
#define RATES(a, b) ((uint8_t)(1u << (a) | 1u << (b)))

struct fdc_geometry {
    uint32_t size;
    uint8_t cyls, heads, spt;
    uint8_t rates; /* bit per DSR rate code the medium is readable at */
    uint8_t drive_type;
    const char *name;
};

static const struct fdc_geometry geometries[] = {
    /* 5.25" double density: 250 kb/s in a 360K drive, 300 kb/s in a 1.2M drive */
    {163840, 40, 1, 8, RATES(RATE_250K, RATE_300K), FDC_DRIVE_360K, "160K"},
    {184320, 40, 1, 9, RATES(RATE_250K, RATE_300K), FDC_DRIVE_360K, "180K"},
    {327680, 40, 2, 8, RATES(RATE_250K, RATE_300K), FDC_DRIVE_360K, "320K"},
    {368640, 40, 2, 9, RATES(RATE_250K, RATE_300K), FDC_DRIVE_360K, "360K"},
    {737280, 80, 2, 9, RATES(RATE_250K, RATE_250K), FDC_DRIVE_720K, "720K"},
    {1228800, 80, 2, 15, RATES(RATE_500K, RATE_500K), FDC_DRIVE_1_2M, "1.2M"},
    {1474560, 80, 2, 18, RATES(RATE_500K, RATE_500K), FDC_DRIVE_1_44M, "1.44M"},
    {1638400, 80, 2, 20, RATES(RATE_500K, RATE_500K), FDC_DRIVE_1_44M, "1.6M"},
    {1720320, 80, 2, 21, RATES(RATE_500K, RATE_500K), FDC_DRIVE_1_44M, "1.68M (DMF)"},
    {1763328, 82, 2, 21, RATES(RATE_500K, RATE_500K), FDC_DRIVE_1_44M, "1.72M"},
    {2949120, 80, 2, 36, RATES(RATE_1M, RATE_1M), FDC_DRIVE_2_88M, "2.88M"},
};

/* ---- image back end: the block layer (locking, read-only, snapshot overlay) ---- */

struct fdc_image {
    struct blockdev *bd;
    uint64_t size;
    bool read_only; /* the disk is write-protected (not with -snapshot: writes go to the overlay) */
};

static int image_open(struct fdc_image *img, const char *path, unsigned flags, char *err, size_t errlen)
{
    img->bd = blockdev_open(path, flags, err, errlen);
    if (!img->bd)
        return -1;
    img->size = blockdev_size(img->bd);
    img->read_only = blockdev_read_only(img->bd);
    return 0;
}

static void image_close(struct fdc_image *img)
{
    if (img->bd)
        blockdev_close(img->bd);
    memset(img, 0, sizeof *img);
}

static int image_read(struct fdc_image *img, uint64_t offset, uint8_t *buf, size_t len)
{
    if (offset + len > img->size)
        return -1;
    return blockdev_read(img->bd, offset, buf, len) < 0 ? -1 : 0;
}

static int image_write(struct fdc_image *img, uint64_t offset, const uint8_t *buf, size_t len)
{
    if (img->read_only || offset + len > img->size)
        return -1;
    return blockdev_write(img->bd, offset, buf, len) < 0 ? -1 : 0;
}

/* ---- commands ---- */

enum fdc_cmd {
    CMD_INVALID,
    CMD_READ,
    CMD_READ_DELETED,
    CMD_WRITE,
    CMD_WRITE_DELETED,
    CMD_READ_TRACK,
    CMD_VERIFY,
    CMD_SCAN_EQUAL,
    CMD_SCAN_LOW_OR_EQUAL,
    CMD_SCAN_HIGH_OR_EQUAL,
    CMD_FORMAT,
    CMD_READ_ID,
    CMD_RECALIBRATE,
    CMD_SENSE_INTERRUPT,
    CMD_SPECIFY,
    CMD_SENSE_DRIVE,
    CMD_SEEK,
    CMD_RELATIVE_SEEK,
    CMD_VERSION,
    CMD_CONFIGURE,
    CMD_DUMPREG,
    CMD_PERPENDICULAR,
    CMD_LOCK,
};

struct fdc_cmd_desc {
    uint8_t value, mask, len, id;
};

/* Table 5-1; first match wins.  The MT/MFM/SK bits of data commands are
 * not checked (Linux sends READ ID as 0xEA). */
static const struct fdc_cmd_desc commands[] = {
    {0x03, 0xFF, 3, CMD_SPECIFY},
    {0x04, 0xFF, 2, CMD_SENSE_DRIVE},
    {0x07, 0xFF, 2, CMD_RECALIBRATE},
    {0x08, 0xFF, 1, CMD_SENSE_INTERRUPT},
    {0x0E, 0xFF, 1, CMD_DUMPREG},
    {0x0F, 0xFF, 3, CMD_SEEK},
    {0x10, 0xFF, 1, CMD_VERSION},
    {0x12, 0xFF, 2, CMD_PERPENDICULAR},
    {0x13, 0xFF, 4, CMD_CONFIGURE},
    {0x14, 0x7F, 1, CMD_LOCK},
    {0x8F, 0xBF, 3, CMD_RELATIVE_SEEK},
    {0x02, 0x1F, 9, CMD_READ_TRACK},
    {0x05, 0x1F, 9, CMD_WRITE},
    {0x06, 0x1F, 9, CMD_READ},
    {0x09, 0x1F, 9, CMD_WRITE_DELETED},
    {0x0A, 0x1F, 2, CMD_READ_ID},
    {0x0C, 0x1F, 9, CMD_READ_DELETED},
    {0x0D, 0x1F, 6, CMD_FORMAT},
    {0x11, 0x1F, 9, CMD_SCAN_EQUAL},
    {0x16, 0x1F, 9, CMD_VERIFY},
    {0x19, 0x1F, 9, CMD_SCAN_LOW_OR_EQUAL},
    {0x1D, 0x1F, 9, CMD_SCAN_HIGH_OR_EQUAL},
};

enum fdc_phase { PHASE_IDLE, PHASE_COMMAND, PHASE_EXEC, PHASE_RESULT };
enum fdc_step { STEP_NONE, STEP_RESET_DONE, STEP_SECTOR, STEP_DMA, STEP_READ_ID, STEP_RESULT };

struct fdc_media {
    struct fdc_image img;
    const struct fdc_geometry *geo; /* NULL: no medium */
};

struct fdc {
    /* registers */
    uint8_t dor, tdr, dsr;
    uint8_t in_reset; /* DOR bit 2 holds the chip in reset */
    uint8_t phase;
    uint8_t cmd[10], cmd_len, cmd_pos, cmd_id;
    uint8_t res[10], res_len, res_pos;
    uint8_t fifo_last;
    uint8_t int_pending, irq_level, drq, drq_level;
    /* parameters */
    uint8_t specify[2]; /* SRT<<4|HUT, HLT<<1|ND */
    uint8_t config;     /* 0 EIS EFIFO POLL FIFOTHR */
    uint8_t pretrk;
    uint8_t lock;
    uint8_t perp;   /* D3-D0 in bits 5-2, GAP bit 1, WGATE bit 0 */
    uint8_t sc_eot; /* as DUMPREG reports it */
    /* per drive number (0-3) */
    uint8_t track[FDC_UNITS]; /* present cylinder number = head position */
    uint8_t last_sector[FDC_UNITS];
    uint8_t dskchg[FDC_UNITS];
    uint8_t seeking[FDC_UNITS]; /* MSR drive-busy bits */
    uint8_t seek_target[FDC_UNITS];
    uint8_t seek_st0[FDC_UNITS];
    uint8_t sense_pending[FDC_UNITS]; /* interrupt status waiting for SENSE INTERRUPT */
    uint8_t sense_st0[FDC_UNITS];
    uint8_t seek_armed[FDC_UNITS];
    uint64_t seek_expire[FDC_UNITS];
    /* command in execution */
    uint8_t step, exec_armed;
    uint64_t exec_expire;
    uint8_t unit, head;      /* drive and physical head (HDS) */
    uint8_t c, h, r, n, eot; /* sector ID being worked on, last sector */
    uint8_t dtl;             /* DTL, or SC (VERIFY with EC), or STP (SCAN) */
    uint8_t mt, mfm, sk, ec; /* command flags */
    uint8_t format_n, format_sc, fill;
    uint8_t st0_extra;  /* SE after an implied seek */
    uint8_t st2_acc;    /* ST2 bits gathered on the way (CM) */
    uint8_t count;      /* sectors done (FORMAT, READ TRACK, VERIFY EC) */
    uint8_t found;      /* READ TRACK: an ID matched */
    uint8_t stop_after; /* end after this sector (READ DELETED on normal data) */
    uint8_t tc;         /* terminal count seen */
    uint8_t pio;        /* execution phase in non-DMA mode */
    uint8_t xfer_active, xfer_to_host, dma_wait;
    uint16_t pos, len;
    uint8_t buf[SECTOR_SIZE];  /* sector data */
    uint8_t hbuf[SECTOR_SIZE]; /* from the host: SCAN data, FORMAT IDs */

    /* not saved: wiring and back ends */
    struct bus *bus;
    uint16_t base;
    bool mapped, mapped_dir;
    struct irq_line irq;
    struct dma8237 *dma;
    int dma_channel;
    struct timerq *tq;
    struct timer exec_timer;
    struct timer seek_timer[FDC_UNITS];
    struct fdc_media media[FDC_DRIVES];
    uint8_t drive_type[FDC_DRIVES];
    bool lenient; /* fdc_set_lenient() */
};

/* ---- signals ---- */

static void update_irq(struct fdc *fdc)
{
    uint8_t level = fdc->int_pending && (fdc->dor & DOR_DMAEN) && !fdc->in_reset;
    if (level != fdc->irq_level) {
        fdc->irq_level = level;
        irq_set(&fdc->irq, level);
    }
}

static void set_int(struct fdc *fdc, bool on)
{
    fdc->int_pending = on;
    update_irq(fdc);
}

static void update_drq(struct fdc *fdc)
{
    uint8_t level = fdc->drq && (fdc->dor & DOR_DMAEN) && !fdc->in_reset;
    if (level != fdc->drq_level && fdc->dma) {
        fdc->drq_level = level;
        dma8237_request(fdc->dma, fdc->dma_channel, level);
    }
}

static void set_drq(struct fdc *fdc, bool on)
{
    fdc->drq = on;
    update_drq(fdc);
}

static void exec_schedule(struct fdc *fdc, enum fdc_step step, uint64_t delay)
{
    fdc->step = (uint8_t)step;
    fdc->exec_armed = 1;
    fdc->exec_expire = timerq_now(fdc->tq) + delay;
    timer_mod(&fdc->exec_timer, fdc->exec_expire);
}

static void exec_cancel(struct fdc *fdc)
{
    fdc->step = STEP_NONE;
    fdc->exec_armed = 0;
    timer_del(&fdc->exec_timer);
}

/* ---- drives and media ---- */

static const struct fdc_geometry *unit_geometry(const struct fdc *fdc, int unit)
{
    return unit < FDC_DRIVES ? fdc->media[unit].geo : NULL;
}

static bool unit_present(const struct fdc *fdc, int unit)
{
    return unit < FDC_DRIVES && fdc->drive_type[unit] != FDC_DRIVE_NONE;
}

/* Can the controller read ID fields under (unit, head) at all?  Otherwise
 * the command ends with missing address mark. */
static bool media_readable(const struct fdc *fdc, int unit, int head)
{
    const struct fdc_geometry *g = unit_geometry(fdc, unit);
    return g && fdc->mfm && (fdc->lenient || (g->rates >> (fdc->dsr & DSR_RATE) & 1)) &&
           fdc->track[unit] < g->cyls && head < g->heads;
}

static uint64_t sector_offset(const struct fdc_geometry *g, int cyl, int head, int sector)
{
    return (((uint64_t)cyl * g->heads + (uint64_t)head) * g->spt + (uint64_t)(sector - 1)) * SECTOR_SIZE;
}

/* Finds sector (c, h, r, n) under the head; on failure sets the ST1/ST2
 * bits the chip reports. */
static bool locate(struct fdc *fdc, uint8_t *st1, uint8_t *st2)
{
    if (!media_readable(fdc, fdc->unit, fdc->head)) {
        *st1 = ST1_MA;
        return false;
    }
    const struct fdc_geometry *g = unit_geometry(fdc, fdc->unit);
    if (fdc->c != fdc->track[fdc->unit]) {
        *st1 = ST1_ND; /* every ID on the track names another cylinder */
        *st2 = ST2_WC;
        return false;
    }
    if (fdc->h != fdc->head || fdc->r < 1 || fdc->r > g->spt || fdc->n != 2) {
        *st1 = ST1_ND;
        return false;
    }
    return true;
}

/* ---- result phase ---- */

static void finish(struct fdc *fdc, uint8_t ic, uint8_t st1, uint8_t st2)
{
    fdc->xfer_active = 0;
    fdc->dma_wait = 0;
    set_drq(fdc, false);
    fdc->res[0] = (uint8_t)(ic | fdc->st0_extra | fdc->head << 2 | fdc->unit);
    fdc->res[1] = st1;
    fdc->res[2] = (uint8_t)(st2 | fdc->st2_acc);
    fdc->res[3] = fdc->c;
    fdc->res[4] = fdc->h;
    fdc->res[5] = fdc->r;
    fdc->res[6] = fdc->n;
    fdc->res_len = 7;
    fdc->res_pos = 0;
    exec_schedule(fdc, STEP_RESULT, RESULT_DELAY_NS);
}

/* result bytes without an interrupt (VERSION, SENSE ...) */
static void result_now(struct fdc *fdc, const uint8_t *bytes, int n)
{
    memcpy(fdc->res, bytes, (size_t)n);
    fdc->res_len = (uint8_t)n;
    fdc->res_pos = 0;
    fdc->phase = PHASE_RESULT;
}

/* C, H, R after the last sector, as table 5-6 gives them */
static void advance_id(struct fdc *fdc)
{
    if (fdc->r == fdc->eot) {
        if (fdc->mt)
            fdc->h ^= 1;
        if (!(fdc->mt && fdc->head == 0))
            fdc->c++;
        fdc->r = 1;
    } else {
        fdc->r++;
    }
}

/* ---- execution phase ---- */

static void dma_kick(struct fdc *fdc);

static void begin_xfer(struct fdc *fdc, bool to_host, int len)
{
    fdc->pos = 0;
    fdc->len = (uint16_t)len;
    fdc->xfer_to_host = to_host;
    fdc->xfer_active = 1;
    if (fdc->pio)
        set_int(fdc, true); /* non-DMA mode: INT asks the host for the data */
    else
        dma_kick(fdc);
}

static bool scan_satisfied(struct fdc *fdc, bool *all_equal)
{
    bool eq = true, le = true, ge = true;
    for (int i = 0; i < SECTOR_SIZE; i++) {
        uint8_t d = fdc->buf[i], p = fdc->hbuf[i];
        if (d == 0xFF || p == 0xFF) /* 0xFF on either side matches anything */
            continue;
        eq &= d == p;
        le &= d <= p;
        ge &= d >= p;
    }
    *all_equal = eq;
    if (fdc->cmd_id == CMD_SCAN_EQUAL)
        return eq;
    return fdc->cmd_id == CMD_SCAN_LOW_OR_EQUAL ? le : ge;
}

static void sector_end(struct fdc *fdc)
{
    fdc->last_sector[fdc->unit] = fdc->r;
    switch (fdc->cmd_id) {
    case CMD_FORMAT:
        if (fdc->tc || ++fdc->count >= fdc->format_sc)
            finish(fdc, 0, 0, 0);
        else
            exec_schedule(fdc, STEP_SECTOR, SECTOR_DELAY_NS);
        return;
    case CMD_READ_TRACK:
        fdc->count++;
        if (fdc->tc) {
            advance_id(fdc);
            finish(fdc, 0, fdc->found ? 0 : ST1_ND, 0);
        } else if (fdc->count >= fdc->eot) {
            finish(fdc, ST0_ABNORMAL, (uint8_t)(ST1_EN | (fdc->found ? 0 : ST1_ND)), 0);
        } else {
            exec_schedule(fdc, STEP_SECTOR, SECTOR_DELAY_NS);
        }
        return;
    case CMD_SCAN_EQUAL:
    case CMD_SCAN_LOW_OR_EQUAL:
    case CMD_SCAN_HIGH_OR_EQUAL: {
        bool all_equal;
        if (scan_satisfied(fdc, &all_equal))
            finish(fdc, 0, 0, all_equal ? ST2_SH : 0);
        else if (fdc->tc || fdc->r >= fdc->eot || fdc->dtl == 0)
            finish(fdc, 0, 0, ST2_SN);
        else {
            fdc->r = (uint8_t)(fdc->r + fdc->dtl); /* STP: 1 = every sector, 2 = every other */
            exec_schedule(fdc, STEP_SECTOR, SECTOR_DELAY_NS);
        }
        return;
    }
    default:
        break;
    }
    if (fdc->tc || fdc->stop_after) {
        advance_id(fdc);
        finish(fdc, 0, 0, 0);
        return;
    }
    if (fdc->cmd_id == CMD_VERIFY && fdc->ec && ++fdc->count >= fdc->dtl) {
        advance_id(fdc);
        finish(fdc, 0, 0, 0);
        return;
    }
    if (fdc->r == fdc->eot) {
        if (fdc->mt && fdc->head == 0) { /* multi-track: on to side 1 */
            fdc->head = 1;
            fdc->h ^= 1;
            fdc->r = 1;
            exec_schedule(fdc, STEP_SECTOR, SECTOR_DELAY_NS);
            return;
        }
        advance_id(fdc);
        if (fdc->cmd_id == CMD_VERIFY && !fdc->ec)
            finish(fdc, 0, 0, 0); /* VERIFY without EC ends at EOT normally */
        else
            finish(fdc, ST0_ABNORMAL, ST1_EN, 0); /* end of cylinder without TC */
        return;
    }
    fdc->r++;
    exec_schedule(fdc, STEP_SECTOR, SECTOR_DELAY_NS);
}

/* the data of one sector went through: store it, then go on */
static void xfer_done(struct fdc *fdc)
{
    fdc->xfer_active = 0;
    set_drq(fdc, false);
    struct fdc_media *m = fdc->unit < FDC_DRIVES ? &fdc->media[fdc->unit] : NULL;
    switch (fdc->cmd_id) {
    case CMD_WRITE:
    case CMD_WRITE_DELETED:
        if (fdc->pos < SECTOR_SIZE) /* TC inside the sector: the rest is written as zeros */
            memset(fdc->buf + fdc->pos, 0, (size_t)(SECTOR_SIZE - fdc->pos));
        if (!m || !m->geo ||
            image_write(&m->img, sector_offset(m->geo, fdc->track[fdc->unit], fdc->head, fdc->r), fdc->buf,
                        SECTOR_SIZE) < 0) {
            finish(fdc, ST0_ABNORMAL | ST0_EC, 0, 0);
            return;
        }
        break;
    case CMD_FORMAT: {
        uint8_t ic = fdc->hbuf[0], ih = fdc->hbuf[1], ir = fdc->hbuf[2], in = fdc->hbuf[3];
        fdc->c = ic;
        fdc->h = ih;
        fdc->r = ir;
        fdc->n = in;
        /* a raw image can only hold the standard layout: other IDs are dropped */
        if (fdc->pos == 4 && m && m->geo && ic == fdc->track[fdc->unit] && ih == fdc->head && in == 2 &&
            ir >= 1 && ir <= m->geo->spt) {
            memset(fdc->buf, fdc->fill, SECTOR_SIZE);
            if (image_write(&m->img, sector_offset(m->geo, ic, ih, ir), fdc->buf, SECTOR_SIZE) < 0) {
                finish(fdc, ST0_ABNORMAL | ST0_EC, 0, 0);
                return;
            }
        }
        break;
    }
    default:
        break;
    }
    sector_end(fdc);
}

static void dma_kick(struct fdc *fdc)
{
    if (!fdc->xfer_active || fdc->pio)
        return;
    set_drq(fdc, true);
    if (!fdc->drq_level || !dma8237_channel_ready(fdc->dma, fdc->dma_channel)) {
        fdc->dma_wait = 1; /* DRQ stays up until the DMA controller can serve it */
        return;
    }
    fdc->dma_wait = 0;
    uint8_t *p = (fdc->cmd_id == CMD_FORMAT || fdc->cmd_id == CMD_SCAN_EQUAL ||
                  fdc->cmd_id == CMD_SCAN_LOW_OR_EQUAL || fdc->cmd_id == CMD_SCAN_HIGH_OR_EQUAL)
                     ? fdc->hbuf
                     : fdc->buf;
    int moved =
        dma8237_transfer(fdc->dma, fdc->dma_channel, p + fdc->pos, fdc->len - fdc->pos, fdc->xfer_to_host);
    fdc->pos = (uint16_t)(fdc->pos + moved);
    if (fdc->tc || fdc->pos >= fdc->len)
        xfer_done(fdc);
    else
        fdc->dma_wait = 1;
}

static void sector_begin(struct fdc *fdc)
{
    uint8_t st1 = 0, st2 = 0;
    const struct fdc_geometry *g = unit_geometry(fdc, fdc->unit);
    struct fdc_media *m = fdc->unit < FDC_DRIVES ? &fdc->media[fdc->unit] : NULL;
    switch (fdc->cmd_id) {
    case CMD_FORMAT:
        if (!media_readable(fdc, fdc->unit, fdc->head)) {
            finish(fdc, ST0_ABNORMAL, ST1_MA, 0);
            return;
        }
        begin_xfer(fdc, false, 4);
        return;
    case CMD_READ_TRACK: {
        /* sectors in track order from the index hole, whatever their IDs */
        uint8_t sector = (uint8_t)(fdc->count + 1);
        if (!media_readable(fdc, fdc->unit, fdc->head)) {
            finish(fdc, ST0_ABNORMAL, ST1_MA, 0);
            return;
        }
        if (sector > g->spt) {
            finish(fdc, ST0_ABNORMAL, (uint8_t)(ST1_EN | (fdc->found ? 0 : ST1_ND)), 0);
            return;
        }
        if (fdc->c == fdc->track[fdc->unit] && fdc->h == fdc->head && fdc->r == sector && fdc->n == 2)
            fdc->found = 1;
        if (image_read(&m->img, sector_offset(g, fdc->track[fdc->unit], fdc->head, sector), fdc->buf,
                       SECTOR_SIZE) < 0) {
            finish(fdc, ST0_ABNORMAL, ST1_DE, ST2_DD);
            return;
        }
        begin_xfer(fdc, true, fdc->n < 2 ? 128 << fdc->n : SECTOR_SIZE);
        return;
    }
    default:
        break;
    }
    if (!locate(fdc, &st1, &st2)) {
        finish(fdc, ST0_ABNORMAL, st1, st2);
        return;
    }
    uint64_t off = sector_offset(g, fdc->c, fdc->head, fdc->r);
    switch (fdc->cmd_id) {
    case CMD_READ:
    case CMD_READ_DELETED:
    case CMD_SCAN_EQUAL:
    case CMD_SCAN_LOW_OR_EQUAL:
    case CMD_SCAN_HIGH_OR_EQUAL:
        if (image_read(&m->img, off, fdc->buf, SECTOR_SIZE) < 0) {
            finish(fdc, ST0_ABNORMAL, ST1_DE, ST2_DD);
            return;
        }
        if (fdc->cmd_id == CMD_READ_DELETED) {
            /* a raw image holds only normal data marks: READ DELETED sees a
             * control mark; SK skips the sector, else it is read and ends
             * the command */
            fdc->st2_acc |= ST2_CM;
            if (fdc->sk) {
                fdc->last_sector[fdc->unit] = fdc->r;
                sector_end(fdc);
                return;
            }
            fdc->stop_after = 1;
        }
        if (fdc->cmd_id == CMD_READ || fdc->cmd_id == CMD_READ_DELETED)
            begin_xfer(fdc, true, SECTOR_SIZE);
        else
            begin_xfer(fdc, false, SECTOR_SIZE);
        return;
    case CMD_WRITE:
    case CMD_WRITE_DELETED:
        begin_xfer(fdc, false, SECTOR_SIZE);
        return;
    case CMD_VERIFY:
        sector_end(fdc);
        return;
    default:
        return;
    }
}

static void read_id(struct fdc *fdc)
{
    const struct fdc_geometry *g = unit_geometry(fdc, fdc->unit);
    fdc->c = fdc->track[fdc->unit];
    fdc->h = fdc->head;
    fdc->n = 2;
    if (!media_readable(fdc, fdc->unit, fdc->head)) {
        fdc->r = fdc->last_sector[fdc->unit];
        finish(fdc, ST0_ABNORMAL, ST1_MA, 0);
        return;
    }
    /* the disk turned on from the last sector the head went over */
    fdc->r = (uint8_t)(fdc->last_sector[fdc->unit] % g->spt + 1);
    fdc->last_sector[fdc->unit] = fdc->r;
    finish(fdc, 0, 0, 0);
}

static void exec_event(void *opaque)
{
    struct fdc *fdc = opaque;
    enum fdc_step step = fdc->step;
    fdc->step = STEP_NONE;
    fdc->exec_armed = 0;
    switch (step) {
    case STEP_RESET_DONE:
        /* drive polling after reset: every drive reports "ready changed"
         * (section 7.4), one SENSE INTERRUPT STATUS each */
        for (int u = 0; u < FDC_UNITS; u++) {
            fdc->sense_pending[u] = 1;
            fdc->sense_st0[u] = (uint8_t)(ST0_POLL | u);
        }
        set_int(fdc, true);
        break;
    case STEP_SECTOR:
        sector_begin(fdc);
        break;
    case STEP_DMA:
        dma_kick(fdc);
        break;
    case STEP_READ_ID:
        read_id(fdc);
        break;
    case STEP_RESULT:
        fdc->phase = PHASE_RESULT;
        set_int(fdc, true);
        break;
    case STEP_NONE:
        break;
    }
}

/* ---- DMA callbacks ---- */

static void fdc_dma_ready(void *opaque, int channel)
{
    struct fdc *fdc = opaque;
    (void)channel;
    if (fdc->dma_wait && fdc->xfer_active && !fdc->exec_armed)
        exec_schedule(fdc, STEP_DMA, 0);
}

static void fdc_dma_tc(void *opaque, int channel)
{
    struct fdc *fdc = opaque;
    (void)channel;
    if (fdc->phase == PHASE_EXEC)
        fdc->tc = 1;
}

/* ---- seeks ---- */

static void seek_event_unit(struct fdc *fdc, int u)
{
    fdc->seek_armed[u] = 0;
    fdc->track[u] = fdc->seek_target[u];
    if (unit_geometry(fdc, u))
        fdc->dskchg[u] = 0; /* step pulses with a disk in clear the change line */
    fdc->sense_st0[u] = fdc->seek_st0[u];
    fdc->sense_pending[u] = 1;
    set_int(fdc, true);
}

static void seek_event0(void *opaque)
{
    seek_event_unit(opaque, 0);
}
static void seek_event1(void *opaque)
{
    seek_event_unit(opaque, 1);
}
static void seek_event2(void *opaque)
{
    seek_event_unit(opaque, 2);
}
static void seek_event3(void *opaque)
{
    seek_event_unit(opaque, 3);
}

static void start_seek(struct fdc *fdc, int u, int target, bool recalibrate)
{
    uint8_t st0 = (uint8_t)(ST0_SE | u); /* the H bit of a seek's ST0 reads 0 */
    if (recalibrate) {
        target = 0;
        if (!unit_present(fdc, u)) {
            st0 |= ST0_ABNORMAL | ST0_EC; /* no TRK0 signal after 79 steps */
        } else if (fdc->track[u] > 79) {
            target = fdc->track[u] - 79;
            st0 |= ST0_ABNORMAL | ST0_EC;
        }
    }
    int steps = abs(target - fdc->track[u]);
    fdc->seeking[u] = 1;
    fdc->sense_pending[u] = 0;
    fdc->seek_target[u] = (uint8_t)target;
    fdc->seek_st0[u] = st0;
    fdc->seek_armed[u] = 1;
    fdc->seek_expire[u] = timerq_now(fdc->tq) + SEEK_BASE_NS + (uint64_t)steps * SEEK_STEP_NS;
    timer_mod(&fdc->seek_timer[u], fdc->seek_expire[u]);
}

/* ---- command phase ---- */

static void start_data_command(struct fdc *fdc)
{
    const uint8_t *cmd = fdc->cmd;
    fdc->phase = PHASE_EXEC;
    fdc->unit = cmd[1] & 3;
    fdc->head = cmd[1] >> 2 & 1;
    fdc->mt = cmd[0] >> 7;
    fdc->mfm = cmd[0] >> 6 & 1;
    fdc->sk = cmd[0] >> 5 & 1;
    fdc->ec = cmd[1] >> 7;
    fdc->st0_extra = 0;
    fdc->st2_acc = 0;
    fdc->count = 0;
    fdc->found = 0;
    fdc->stop_after = 0;
    fdc->tc = 0;
    fdc->pio = fdc->specify[1] & SPEC_ND;
    fdc->xfer_active = 0;
    fdc->dma_wait = 0;
    if (!fdc->dma)
        fdc->pio = 1;
    if (fdc->cmd_id == CMD_READ_ID) {
        fdc->pio = 0;
        exec_schedule(fdc, STEP_READ_ID, CMD_DELAY_NS);
        return;
    }
    if (fdc->cmd_id == CMD_FORMAT) {
        fdc->format_n = cmd[2];
        fdc->format_sc = cmd[3];
        fdc->fill = cmd[5];
        fdc->sc_eot = cmd[3];
        fdc->c = fdc->track[fdc->unit];
        fdc->h = fdc->head;
        fdc->r = 1;
        fdc->n = cmd[2];
    } else {
        fdc->c = cmd[2];
        fdc->h = cmd[3];
        fdc->r = cmd[4];
        fdc->n = cmd[5];
        fdc->eot = cmd[6];
        fdc->dtl = cmd[8];
        fdc->sc_eot = cmd[6];
    }
    if (fdc->cmd_id == CMD_VERIFY)
        fdc->pio = 0; /* no data moves */
    bool writes = fdc->cmd_id == CMD_WRITE || fdc->cmd_id == CMD_WRITE_DELETED || fdc->cmd_id == CMD_FORMAT;
    const struct fdc_geometry *g = unit_geometry(fdc, fdc->unit);
    if (writes && g && fdc->media[fdc->unit].img.read_only) {
        finish(fdc, ST0_ABNORMAL, ST1_NW, 0);
        return;
    }
    uint64_t delay = CMD_DELAY_NS;
    /* implied seek (CONFIGURE EIS) to the command's cylinder: no interrupt
     * of its own, SE set in the result's ST0 */
    if ((fdc->config & CFG_EIS || fdc->lenient) && fdc->cmd_id != CMD_FORMAT &&
        fdc->c != fdc->track[fdc->unit]) {
        delay += SEEK_BASE_NS + (uint64_t)abs(fdc->c - fdc->track[fdc->unit]) * SEEK_STEP_NS;
        fdc->track[fdc->unit] = fdc->c;
        if (g)
            fdc->dskchg[fdc->unit] = 0;
        fdc->st0_extra = ST0_SE;
    }
    exec_schedule(fdc, STEP_SECTOR, delay);
}

static void execute_command(struct fdc *fdc)
{
    const uint8_t *cmd = fdc->cmd;
    int u = cmd[1] & 3;
    fdc->phase = PHASE_IDLE;
    switch (fdc->cmd_id) {
    case CMD_SPECIFY:
        fdc->specify[0] = cmd[1];
        fdc->specify[1] = cmd[2];
        break;
    case CMD_CONFIGURE:
        fdc->config = cmd[2] & 0x7F;
        fdc->pretrk = cmd[3];
        break;
    case CMD_PERPENDICULAR:
        if (cmd[1] & 0x80) /* OW: D3-D0 are written only with OW set */
            fdc->perp = (uint8_t)((fdc->perp & 0x03) | (cmd[1] & 0x3C));
        fdc->perp = (uint8_t)((fdc->perp & 0x3C) | (cmd[1] & 0x03));
        break;
    case CMD_LOCK: {
        fdc->lock = cmd[0] >> 7;
        uint8_t r = (uint8_t)(fdc->lock << 4);
        result_now(fdc, &r, 1);
        break;
    }
    case CMD_VERSION: {
        uint8_t r = 0x90; /* 82077AA (an 8272A/765A answers 0x80: invalid) */
        result_now(fdc, &r, 1);
        break;
    }
    case CMD_DUMPREG: {
        uint8_t r[10] = {
            fdc->track[0],   fdc->track[1],   fdc->track[2], fdc->track[3],
            fdc->specify[0], fdc->specify[1], fdc->sc_eot,   (uint8_t)(fdc->lock << 7 | fdc->perp),
            fdc->config,     fdc->pretrk};
        result_now(fdc, r, 10);
        break;
    }
    case CMD_SENSE_INTERRUPT: {
        set_int(fdc, false);
        for (int d = 0; d < FDC_UNITS; d++) {
            if (fdc->sense_pending[d]) {
                uint8_t r[2] = {fdc->sense_st0[d], fdc->track[d]};
                fdc->sense_pending[d] = 0;
                fdc->seeking[d] = 0;
                result_now(fdc, r, 2);
                return;
            }
        }
        uint8_t r = ST0_INVALID;
        result_now(fdc, &r, 1);
        break;
    }
    case CMD_SENSE_DRIVE: {
        uint8_t st3 = (uint8_t)(ST3_ALWAYS | (cmd[1] & 0x07));
        if (unit_present(fdc, u) && fdc->track[u] == 0)
            st3 |= ST3_T0;
        if (unit_geometry(fdc, u) && fdc->media[u].img.read_only)
            st3 |= ST3_WP;
        result_now(fdc, &st3, 1);
        break;
    }
    case CMD_SEEK:
        start_seek(fdc, u, cmd[2], false);
        break;
    case CMD_RELATIVE_SEEK: {
        int t = fdc->track[u] + ((cmd[0] & 0x40) ? cmd[2] : -cmd[2]);
        start_seek(fdc, u, t < 0 ? 0 : t > 255 ? 255 : t, false);
        break;
    }
    case CMD_RECALIBRATE:
        start_seek(fdc, u, 0, true);
        break;
    default:
        start_data_command(fdc);
        break;
    }
}

static void fifo_write(struct fdc *fdc, uint8_t v)
{
    switch (fdc->phase) {
    case PHASE_IDLE: {
        const struct fdc_cmd_desc *d = NULL;
        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
            if ((v & commands[i].mask) == commands[i].value) {
                d = &commands[i];
                break;
            }
        }
        if (!d) {
            uint8_t r = ST0_INVALID;
            result_now(fdc, &r, 1);
            return;
        }
        fdc->cmd[0] = v;
        fdc->cmd_id = d->id;
        fdc->cmd_len = d->len;
        fdc->cmd_pos = 1;
        if (fdc->cmd_len == 1)
            execute_command(fdc);
        else
            fdc->phase = PHASE_COMMAND;
        return;
    }
    case PHASE_COMMAND:
        fdc->cmd[fdc->cmd_pos++] = v;
        if (fdc->cmd_pos == fdc->cmd_len)
            execute_command(fdc);
        return;
    case PHASE_EXEC:
        if (fdc->pio && fdc->xfer_active && !fdc->xfer_to_host && fdc->pos < fdc->len) {
            bool host_data = fdc->cmd_id != CMD_WRITE && fdc->cmd_id != CMD_WRITE_DELETED;
            (host_data ? fdc->hbuf : fdc->buf)[fdc->pos++] = v;
            set_int(fdc, false);
            if (fdc->pos == fdc->len)
                xfer_done(fdc);
        }
        return;
    default:
        return;
    }
}

static uint8_t fifo_read(struct fdc *fdc)
{
    if (fdc->phase == PHASE_RESULT) {
        if (fdc->res_pos == 0)
            set_int(fdc, false); /* reading the result clears INT */
        fdc->fifo_last = fdc->res[fdc->res_pos++];
        if (fdc->res_pos >= fdc->res_len)
            fdc->phase = PHASE_IDLE;
    } else if (fdc->phase == PHASE_EXEC && fdc->pio && fdc->xfer_active && fdc->xfer_to_host &&
               fdc->pos < fdc->len) {
        fdc->fifo_last = fdc->buf[fdc->pos++];
        set_int(fdc, false);
        if (fdc->pos == fdc->len)
            xfer_done(fdc);
    }
    return fdc->fifo_last;
}

static uint8_t msr_read(const struct fdc *fdc)
{
    if (fdc->in_reset)
        return 0;
    uint8_t v = 0;
    for (int u = 0; u < FDC_UNITS; u++)
        v |= (uint8_t)(fdc->seeking[u] << u);
    switch (fdc->phase) {
    case PHASE_IDLE:
        return v | MSR_RQM;
    case PHASE_COMMAND:
        return v | MSR_RQM | MSR_CB;
    case PHASE_RESULT:
        return v | MSR_RQM | MSR_DIO | MSR_CB;
    default:
        v |= MSR_CB;
        if (fdc->pio && fdc->cmd_id != CMD_READ_ID && fdc->cmd_id != CMD_VERIFY) {
            v |= MSR_NDMA;
            if (fdc->xfer_active && fdc->pos < fdc->len)
                v |= (uint8_t)(MSR_RQM | (fdc->xfer_to_host ? MSR_DIO : 0));
        }
        return v;
    }
}

/* ---- reset ---- */

/* DOR or DSR reset (section 2.2): the command in progress and pending
 * interrupts go; SPECIFY, the data rate, D3-D0 of PERPENDICULAR MODE and,
 * under LOCK, the FIFO settings and PRETRK survive */
static void controller_reset(struct fdc *fdc)
{
    exec_cancel(fdc);
    for (int u = 0; u < FDC_UNITS; u++) {
        timer_del(&fdc->seek_timer[u]);
        fdc->seek_armed[u] = 0;
        fdc->seeking[u] = 0;
        fdc->sense_pending[u] = 0;
    }
    fdc->phase = PHASE_IDLE;
    fdc->cmd_pos = 0;
    fdc->res_pos = fdc->res_len = 0;
    fdc->xfer_active = 0;
    fdc->dma_wait = 0;
    set_drq(fdc, false);
    set_int(fdc, false);
    if (fdc->lock)
        fdc->config = (uint8_t)(fdc->config & (CFG_EFIFO | 0x0F));
    else {
        fdc->config = CFG_EFIFO;
        fdc->pretrk = 0;
    }
    fdc->perp &= 0x3C;
}

static void dor_write(struct fdc *fdc, uint8_t v)
{
    uint8_t old = fdc->dor;
    fdc->dor = v;
    if (!(v & DOR_NRESET)) {
        if (!fdc->in_reset) {
            controller_reset(fdc);
            fdc->in_reset = 1;
        }
    } else if (fdc->in_reset) {
        fdc->in_reset = 0;
        exec_schedule(fdc, STEP_RESET_DONE, RESET_DELAY_NS);
    }
    update_irq(fdc);
    update_drq(fdc);
    if (!(old & DOR_DMAEN) && (v & DOR_DMAEN) && fdc->dma_wait && !fdc->exec_armed)
        exec_schedule(fdc, STEP_DMA, 0);
}

static void dsr_write(struct fdc *fdc, uint8_t v)
{
    fdc->dsr = v & 0x7F;
    if ((v & DSR_SWRESET) && !fdc->in_reset) { /* self-clearing */
        controller_reset(fdc);
        exec_schedule(fdc, STEP_RESET_DONE, RESET_DELAY_NS);
    }
}

/* ---- ports ---- */

static uint64_t fdc_io_read(void *opaque, uint64_t offset, unsigned size)
{
    struct fdc *fdc = opaque;
    (void)size;
    switch (offset) {
    case 2:
        return fdc->dor;
    case 3:
        return fdc->tdr;
    case 4:
        return msr_read(fdc);
    case 5:
        return fdc->in_reset ? 0xFF : fifo_read(fdc);
    default: /* SRA/SRB exist only in the PS/2 modes */
        return 0xFF;
    }
}

static void fdc_io_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    struct fdc *fdc = opaque;
    uint8_t v = (uint8_t)value;
    (void)size;
    switch (offset) {
    case 2:
        dor_write(fdc, v);
        break;
    case 3:
        fdc->tdr = v & 0x03;
        break;
    case 4:
        dsr_write(fdc, v);
        break;
    case 5:
        if (!fdc->in_reset)
            fifo_write(fdc, v);
        break;
    default:
        break;
    }
}

/* DIR: only bit 7 is the FDC's in PC AT mode; bits 6-0 read 0 */
static uint64_t fdc_dir_read(void *opaque, uint64_t offset, unsigned size)
{
    struct fdc *fdc = opaque;
    (void)offset;
    (void)size;
    int u = fdc->dor & DOR_SEL;
    return (u < FDC_DRIVES && fdc->dskchg[u]) ? DIR_DSKCHG : 0;
}

/* CCR: the data rate, shared with DSR bits 1-0 */
static void fdc_ccr_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    struct fdc *fdc = opaque;
    (void)offset;
    (void)size;
    fdc->dsr = (uint8_t)((fdc->dsr & ~DSR_RATE) | (value & DSR_RATE));
}

static const struct bus_ops fdc_ops = {.read = fdc_io_read, .write = fdc_io_write, .widths = BUS_W8};
static const struct bus_ops fdc_dir_ops = {.read = fdc_dir_read, .write = fdc_ccr_write, .widths = BUS_W8};

/* ---- public ---- */

/* The chip's RESET pin clears the DOR, holding it in reset until software
 * sets bit 2.  A PC BIOS does that (DOR = 0x0C) during POST; SeaBIOS instead
 * counts on finding the controller already running with DMA and INT enabled,
 * as QEMU's FDC starts, and only ORs in bit 2 - so the board-level reset
 * leaves DOR = 0x0C, with no reset interrupt pending. */
void fdc_reset(struct fdc *fdc)
{
    controller_reset(fdc);
    fdc->dor = DOR_NRESET | DOR_DMAEN;
    fdc->in_reset = 0;
    fdc->tdr = 0;
    fdc->dsr = RATE_250K;
    fdc->specify[0] = fdc->specify[1] = 0;
    fdc->lock = 0;
    fdc->config = CFG_EFIFO;
    fdc->pretrk = 0;
    fdc->perp = 0;
    fdc->sc_eot = 0;
    fdc->fifo_last = 0;
    update_irq(fdc);
}

struct fdc *fdc_new(struct bus *bus, uint16_t base, const struct irq_line *irq6, struct dma8237 *dma,
                    int dma_channel, struct timerq *tq)
{
    struct fdc *fdc = calloc(1, sizeof *fdc);
    if (!fdc)
        return NULL;
    fdc->bus = bus;
    fdc->base = base;
    if (irq6)
        fdc->irq = *irq6;
    fdc->dma = dma;
    fdc->dma_channel = dma_channel;
    fdc->tq = tq;
    timer_init(&fdc->exec_timer, tq, exec_event, fdc);
    void (*const seek_cb[FDC_UNITS])(void *) = {seek_event0, seek_event1, seek_event2, seek_event3};
    for (int u = 0; u < FDC_UNITS; u++)
        timer_init(&fdc->seek_timer[u], tq, seek_cb[u], fdc);
    if (bus) {
        fdc->mapped = bus_map(bus, BUS_IO, base, 6, &fdc_ops, fdc, "fdc") == 0;
        fdc->mapped_dir =
            fdc->mapped && bus_map(bus, BUS_IO, base + 7u, 1, &fdc_dir_ops, fdc, "fdc-dir") == 0;
        if (!fdc->mapped_dir) {
            fdc_free(fdc);
            return NULL;
        }
    }
    if (dma) {
        struct dma8237_client client = {fdc_dma_ready, fdc_dma_tc, fdc};
        dma8237_attach(dma, dma_channel, &client);
    }
    /* drives raise their change line at power-on, with or without a disk */
    for (int d = 0; d < FDC_DRIVES; d++)
        fdc->dskchg[d] = 1;
    fdc_reset(fdc);
    return fdc;
}

void fdc_free(struct fdc *fdc)
{
    if (!fdc)
        return;
    timer_del(&fdc->exec_timer);
    for (int u = 0; u < FDC_UNITS; u++)
        timer_del(&fdc->seek_timer[u]);
    if (fdc->dma) {
        dma8237_request(fdc->dma, fdc->dma_channel, 0);
        dma8237_attach(fdc->dma, fdc->dma_channel, NULL);
    }
    if (fdc->mapped)
        bus_unmap(fdc->bus, BUS_IO, fdc->base);
    if (fdc->mapped_dir)
        bus_unmap(fdc->bus, BUS_IO, fdc->base + 7u);
    for (int d = 0; d < FDC_DRIVES; d++)
        image_close(&fdc->media[d].img);
    free(fdc);
}

int fdc_insert(struct fdc *fdc, int drive, const char *path, bool read_only, char *err, size_t errlen)
{
    return fdc_insert_flags(fdc, drive, path, read_only ? BLOCKDEV_READ_ONLY : 0, err, errlen);
}

int fdc_insert_flags(struct fdc *fdc, int drive, const char *path, unsigned flags, char *err, size_t errlen)
{
    if (drive < 0 || drive >= FDC_DRIVES) {
        snprintf(err, errlen, "%s: floppy drive %d does not exist", path, drive);
        return -1;
    }
    struct fdc_image img;
    memset(&img, 0, sizeof img);
    if (image_open(&img, path, flags, err, errlen) < 0)
        return -1;
    const struct fdc_geometry *geo = NULL;
    for (size_t i = 0; i < sizeof geometries / sizeof geometries[0]; i++)
        if (img.size == geometries[i].size)
            geo = &geometries[i];
    if (!geo) {
        snprintf(err, errlen,
                 "%s: unknown floppy image size %llu bytes (known: 160K, 180K, 320K, 360K, 720K, 1.2M, "
                 "1.44M, 1.6M, 1.68M, 1.72M, 2.88M)",
                 path, (unsigned long long)img.size);
        image_close(&img);
        return -1;
    }
    fdc_eject(fdc, drive);
    fdc->media[drive].img = img;
    fdc->media[drive].geo = geo;
    if (fdc->drive_type[drive] == FDC_DRIVE_NONE)
        fdc->drive_type[drive] = geo->drive_type;
    fdc->dskchg[drive] = 1;
    return 0;
}

void fdc_eject(struct fdc *fdc, int drive)
{
    if (drive < 0 || drive >= FDC_DRIVES)
        return;
    if (fdc->media[drive].geo)
        fdc->dskchg[drive] = 1;
    image_close(&fdc->media[drive].img);
    fdc->media[drive].geo = NULL;
}

bool fdc_has_media(const struct fdc *fdc, int drive)
{
    return drive >= 0 && drive < FDC_DRIVES && fdc->media[drive].geo;
}

void fdc_set_drive_type(struct fdc *fdc, int drive, enum fdc_drive_type type)
{
    if (drive >= 0 && drive < FDC_DRIVES)
        fdc->drive_type[drive] = (uint8_t)type;
}

int fdc_cmos_type(const struct fdc *fdc, int drive)
{
    return (drive >= 0 && drive < FDC_DRIVES) ? fdc->drive_type[drive] : FDC_DRIVE_NONE;
}

void fdc_post_load(struct fdc *fdc)
{
    timer_del(&fdc->exec_timer);
    if (fdc->exec_armed)
        timer_mod(&fdc->exec_timer, fdc->exec_expire);
    for (int u = 0; u < FDC_UNITS; u++) {
        timer_del(&fdc->seek_timer[u]);
        if (fdc->seek_armed[u])
            timer_mod(&fdc->seek_timer[u], fdc->seek_expire[u]);
    }
    fdc->irq_level = !(fdc->int_pending && (fdc->dor & DOR_DMAEN) && !fdc->in_reset);
    update_irq(fdc);
    fdc->drq_level = !(fdc->drq && (fdc->dor & DOR_DMAEN) && !fdc->in_reset);
    update_drq(fdc);
}

void fdc_set_lenient(struct fdc *fdc, bool on)
{
    fdc->lenient = on;
}

/* ---- save state ---- */

static const struct vmstate_field fdc_fields[] = {
    VMSTATE_FIELD(struct fdc, dor),         VMSTATE_FIELD(struct fdc, tdr),
    VMSTATE_FIELD(struct fdc, dsr),         VMSTATE_FIELD(struct fdc, in_reset),
    VMSTATE_FIELD(struct fdc, phase),       VMSTATE_ARRAY(struct fdc, cmd),
    VMSTATE_FIELD(struct fdc, cmd_len),     VMSTATE_FIELD(struct fdc, cmd_pos),
    VMSTATE_FIELD(struct fdc, cmd_id),      VMSTATE_ARRAY(struct fdc, res),
    VMSTATE_FIELD(struct fdc, res_len),     VMSTATE_FIELD(struct fdc, res_pos),
    VMSTATE_FIELD(struct fdc, fifo_last),   VMSTATE_FIELD(struct fdc, int_pending),
    VMSTATE_FIELD(struct fdc, irq_level),   VMSTATE_FIELD(struct fdc, drq),
    VMSTATE_FIELD(struct fdc, drq_level),   VMSTATE_ARRAY(struct fdc, specify),
    VMSTATE_FIELD(struct fdc, config),      VMSTATE_FIELD(struct fdc, pretrk),
    VMSTATE_FIELD(struct fdc, lock),        VMSTATE_FIELD(struct fdc, perp),
    VMSTATE_FIELD(struct fdc, sc_eot),      VMSTATE_ARRAY(struct fdc, track),
    VMSTATE_ARRAY(struct fdc, last_sector), VMSTATE_ARRAY(struct fdc, dskchg),
    VMSTATE_ARRAY(struct fdc, seeking),     VMSTATE_ARRAY(struct fdc, seek_target),
    VMSTATE_ARRAY(struct fdc, seek_st0),    VMSTATE_ARRAY(struct fdc, sense_pending),
    VMSTATE_ARRAY(struct fdc, sense_st0),   VMSTATE_ARRAY(struct fdc, seek_armed),
    VMSTATE_ARRAY(struct fdc, seek_expire), VMSTATE_FIELD(struct fdc, step),
    VMSTATE_FIELD(struct fdc, exec_armed),  VMSTATE_FIELD(struct fdc, exec_expire),
    VMSTATE_FIELD(struct fdc, unit),        VMSTATE_FIELD(struct fdc, head),
    VMSTATE_FIELD(struct fdc, c),           VMSTATE_FIELD(struct fdc, h),
    VMSTATE_FIELD(struct fdc, r),           VMSTATE_FIELD(struct fdc, n),
    VMSTATE_FIELD(struct fdc, eot),         VMSTATE_FIELD(struct fdc, dtl),
    VMSTATE_FIELD(struct fdc, mt),          VMSTATE_FIELD(struct fdc, mfm),
    VMSTATE_FIELD(struct fdc, sk),          VMSTATE_FIELD(struct fdc, ec),
    VMSTATE_FIELD(struct fdc, format_n),    VMSTATE_FIELD(struct fdc, format_sc),
    VMSTATE_FIELD(struct fdc, fill),        VMSTATE_FIELD(struct fdc, st0_extra),
    VMSTATE_FIELD(struct fdc, st2_acc),     VMSTATE_FIELD(struct fdc, count),
    VMSTATE_FIELD(struct fdc, found),       VMSTATE_FIELD(struct fdc, stop_after),
    VMSTATE_FIELD(struct fdc, tc),          VMSTATE_FIELD(struct fdc, pio),
    VMSTATE_FIELD(struct fdc, xfer_active), VMSTATE_FIELD(struct fdc, xfer_to_host),
    VMSTATE_FIELD(struct fdc, dma_wait),    VMSTATE_FIELD(struct fdc, pos),
    VMSTATE_FIELD(struct fdc, len),         VMSTATE_ARRAY(struct fdc, buf),
    VMSTATE_ARRAY(struct fdc, hbuf),        VMSTATE_END,
};

const struct vmstate_desc fdc_vmstate = {
    .name = "fdc",
    .version = 1,
    .fields = fdc_fields,
};
