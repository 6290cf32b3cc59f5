/* atapi.c - the ATAPI CD-ROM's packet commands (SFF-8020i rev 2.6, MMC-3),
 * run by the IDE channel in ide.c when a PACKET command's 12 bytes have
 * arrived; the device model and register protocol are ide.c's. */
#include "devices/ide_internal.h"

#include <string.h>

static void atapi_fail(struct ide_drive *d, uint8_t key, uint8_t asc, uint8_t ascq)
{
    d->sense_key = key;
    d->asc = asc;
    d->ascq = ascq;
    d->nsector = IR_IO | IR_COD;
    ide_cmd_error(d, (uint8_t)(key << 4));
}

void atapi_ok(struct ide_drive *d)
{
    d->nsector = IR_IO | IR_COD;
    ide_cmd_done(d);
}

static bool need_media(struct ide_drive *d)
{
    if (ide_media_present(d))
        return true;
    /* 3Ah/01h: medium not present, tray closed; 3Ah/02h: tray open */
    atapi_fail(d, SK_NOT_READY, ASC_NO_MEDIUM, d->tray_open ? 2 : 1);
    return false;
}

/* reading the disc failed: it went away (NOT READY), or the image did */
void atapi_read_failed(struct ide_drive *d)
{
    if (need_media(d))
        atapi_fail(d, SK_MEDIUM_ERROR, ASC_READ_ERROR, 0);
}

/* send the next PIO chunk (at most the byte count limit the host wrote
 * with the PACKET command; even unless it is the last) */
void atapi_pio_chunk(struct ide_drive *d)
{
    uint32_t limit = d->byte_limit ? d->byte_limit : 0xFFFE;
    if (limit > 0xFFFE)
        limit = 0xFFFE;
    if (limit < 2)
        limit = 2;
    uint32_t n = d->cd_left < limit ? (uint32_t)d->cd_left : limit;
    if (n < d->cd_left)
        n &= ~1u;
    d->lcyl = (uint8_t)n;
    d->hcyl = (uint8_t)(n >> 8);
    uint32_t start = 0;
    if (d->cd_stream) {
        if (!ide_media_present(d) || blockdev_read(d->bd, d->cd_off, d->buf, n)) {
            atapi_read_failed(d);
            return;
        }
    } else {
        start = (uint32_t)d->cd_off;
    }
    d->cd_off += n;
    d->cd_left -= n;
    if (d->is_write) {
        d->nsector = 0; /* data to the device */
        ide_pio_out(d, n, true);
    } else {
        d->nsector = IR_IO;
        ide_pio_in(d, start, start + n);
    }
}

static void atapi_start(struct ide_drive *d, uint64_t len, bool stream, uint64_t off, bool is_write)
{
    d->cd_stream = stream;
    d->cd_off = off;
    d->cd_left = len;
    d->is_write = is_write;
    if (len == 0)
        atapi_ok(d);
    else if (d->dma)
        ide_dma_begin(d);
    else
        atapi_pio_chunk(d);
}

/* reply with the first min(len, alloc) bytes of buf */
static void atapi_reply(struct ide_drive *d, uint32_t len, uint32_t alloc)
{
    atapi_start(d, len < alloc ? len : alloc, false, 0, false);
}

static void lba_to_msf(uint8_t *p, uint32_t lba)
{
    lba += 150;
    p[0] = (uint8_t)(lba / (75 * 60));
    p[1] = (uint8_t)(lba / 75 % 60);
    p[2] = (uint8_t)(lba % 75);
}

/* a track address field (4 bytes): LBA, or 0/M/S/F */
static void put_addr(uint8_t *p, uint32_t lba, bool msf)
{
    if (msf) {
        p[0] = 0;
        lba_to_msf(p + 1, lba);
    } else {
        put_be32(p, lba);
    }
}

static void atapi_read_toc(struct ide_drive *d)
{
    const uint8_t *p = d->packet;
    bool msf = p[1] & 2;
    unsigned format = p[2] & 0x0F;
    if (!format)
        format = p[9] >> 6; /* SFF-8020i placed the format in the control byte */
    unsigned track = p[6];
    uint32_t leadout = (uint32_t)d->nsectors;
    uint8_t *b = d->buf;
    unsigned len;
    memset(b, 0, 64);
    switch (format) {
    case 0: /* TOC: track 1 (data) and the lead-out (AAh) */
        if (track > 1 && track != 0xAA) {
            atapi_fail(d, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
            return;
        }
        b[2] = 1;
        b[3] = 1;
        len = 4;
        if (track <= 1) {
            b[len + 1] = 0x14; /* ADR 1 (Q position), control 4 (data track) */
            b[len + 2] = 1;
            put_addr(&b[len + 4], 0, msf);
            len += 8;
        }
        b[len + 1] = 0x14;
        b[len + 2] = 0xAA;
        put_addr(&b[len + 4], leadout, msf);
        len += 8;
        break;
    case 1: /* multi-session info: one session starting with track 1 */
        b[2] = 1;
        b[3] = 1;
        b[5] = 0x14;
        b[6] = 1;
        put_addr(&b[8], 0, msf);
        len = 12;
        break;
    case 2: { /* raw TOC: points A0h, A1h, A2h and track 1, always MSF */
        b[2] = 1;
        b[3] = 1;
        len = 4;
        static const uint8_t points[4] = {0xA0, 0xA1, 0xA2, 0x01};
        for (int i = 0; i < 4; i++, len += 11) {
            uint8_t *e = &b[len];
            e[0] = 1; /* session */
            e[1] = 0x14;
            e[3] = points[i];
            if (points[i] == 0xA0)
                e[8] = 1; /* first track; PSEC 00h: CD-ROM disc */
            else if (points[i] == 0xA1)
                e[8] = 1; /* last track */
            else
                lba_to_msf(&e[8], points[i] == 0xA2 ? leadout : 0);
        }
        break;
    }
    default:
        atapi_fail(d, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
        return;
    }
    put_be16(b, len - 2);
    atapi_reply(d, len, be16(&p[7]));
}

/* mode page 2Ah, "CD capabilities and mechanical status" (SFF-8020i 10.8.4) */
static unsigned mode_page_caps(const struct ide_drive *d, uint8_t *p)
{
    memset(p, 0, 20);
    p[0] = 0x2A;
    p[1] = 18;
    p[2] = 0x03;                                     /* reads CD-R and CD-RW media */
    p[4] = 0x71;                                     /* audio play, mode 2 form 1 and 2, multi-session */
    p[6] = (uint8_t)(0x29 | (d->locked ? 0x02 : 0)); /* tray, eject, lock (and its state) */
    put_be16(&p[8], 1412);                           /* maximum speed: 8x, in kB/s */
    put_be16(&p[10], 256);                           /* volume levels */
    put_be16(&p[12], 512);                           /* buffer, kB */
    put_be16(&p[14], 1412);                          /* current speed */
    return 20;
}

static unsigned mode_page(const struct ide_drive *d, unsigned page, bool changeable, uint8_t *p)
{
    unsigned n;
    switch (page) {
    case 0x01: /* read error recovery */
        memset(p, 0, 8);
        p[0] = 0x01;
        p[1] = 6;
        if (!changeable)
            p[3] = 5; /* read retry count */
        return 8;
    case 0x0E: /* CD audio control */
        memset(p, 0, 16);
        p[0] = 0x0E;
        p[1] = 14;
        if (!changeable) {
            p[2] = 0x04; /* SOTC */
            p[8] = 1;    /* port 0: channel 0, full volume */
            p[9] = 0xFF;
            p[10] = 2;
            p[11] = 0xFF;
        }
        return 16;
    case 0x2A:
        n = mode_page_caps(d, p);
        if (changeable)
            memset(p + 2, 0, n - 2);
        return n;
    default:
        return 0;
    }
}

static void atapi_mode_sense(struct ide_drive *d)
{
    const uint8_t *p = d->packet;
    bool ten = p[0] == SCSI_MODE_SENSE_10;
    unsigned pc = p[2] >> 6, page = p[2] & 0x3F;
    uint32_t alloc = ten ? be16(&p[7]) : p[4];
    if (pc == 3) {
        atapi_fail(d, SK_ILLEGAL_REQUEST, ASC_SAVING_UNSUPPORTED, 0);
        return;
    }
    uint8_t *b = d->buf;
    unsigned hdr = ten ? 8 : 4, len = hdr;
    memset(b, 0, hdr);
    if (page == 0x3F) {
        static const uint8_t all[3] = {0x01, 0x0E, 0x2A};
        for (int i = 0; i < 3; i++)
            len += mode_page(d, all[i], pc == 1, b + len);
    } else {
        unsigned n = mode_page(d, page, pc == 1, b + len);
        if (!n) {
            atapi_fail(d, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
            return;
        }
        len += n;
    }
    /* medium type (SFF-8020i table 10-37): 01h 120 mm CD-ROM, 70h no disc, 71h door open */
    uint8_t medium = d->tray_open ? 0x71 : d->bd ? 0x01 : 0x70;
    if (ten) {
        put_be16(b, len - 2);
        b[2] = medium;
    } else {
        b[0] = (uint8_t)(len - 1);
        b[1] = medium;
    }
    atapi_reply(d, len, alloc);
}

/* one GET CONFIGURATION feature descriptor header */
static uint8_t *feature(uint8_t *p, unsigned code, unsigned version, bool current, unsigned len)
{
    put_be16(p, code);
    p[2] = (uint8_t)(version << 2 | (code <= 3 ? 2 : 0) | (current ? 1 : 0)); /* persistent: 0-3 */
    p[3] = (uint8_t)len;
    memset(p + 4, 0, len);
    return p + 4;
}

static void atapi_get_configuration(struct ide_drive *d)
{
    const uint8_t *p = d->packet;
    unsigned rt = p[1] & 3, start = be16(&p[2]);
    bool media = ide_media_present(d);
    uint8_t *b = d->buf;
    memset(b, 0, 8);
    put_be16(&b[6], media ? 0x0008 : 0); /* current profile: CD-ROM */
    unsigned len = 8;
    static const uint16_t codes[] = {0x0000, 0x0001, 0x0002, 0x0003, 0x0010, 0x001E};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        unsigned code = codes[i];
        bool current = code < 0x0010 || media;
        if (rt == 2 ? code != start : code < start)
            continue;
        if (rt == 1 && !current)
            continue;
        uint8_t *f;
        switch (code) {
        case 0x0000: /* profile list: CD-ROM */
            f = feature(b + len, code, 0, true, 4);
            put_be16(f, 0x0008);
            f[2] = media ? 1 : 0;
            len += 8;
            break;
        case 0x0001: /* core */
            f = feature(b + len, code, 0, true, 4);
            put_be32(f, 2); /* physical interface: ATAPI */
            len += 8;
            break;
        case 0x0002: /* morphing: GET EVENT STATUS NOTIFICATION, polled */
            feature(b + len, code, 1, true, 4);
            len += 8;
            break;
        case 0x0003: /* removable medium: tray, eject, lock */
            f = feature(b + len, code, 0, true, 4);
            f[0] = 0x29;
            len += 8;
            break;
        case 0x0010: /* random readable */
            f = feature(b + len, code, 0, current, 8);
            put_be32(f, CD_SECTOR);
            put_be16(f + 4, 1);
            len += 12;
            break;
        case 0x001E: /* CD read */
            feature(b + len, code, 0, current, 4);
            len += 8;
            break;
        }
    }
    put_be32(b, len - 4);
    atapi_reply(d, len, be16(&p[7]));
}

static void atapi_get_event_status(struct ide_drive *d)
{
    const uint8_t *p = d->packet;
    if (!(p[1] & 1)) { /* only polled operation */
        atapi_fail(d, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
        return;
    }
    uint8_t *b = d->buf;
    memset(b, 0, 8);
    b[3] = 0x10; /* supported classes: media */
    unsigned len;
    if (p[4] & 0x10) {
        b[2] = 4; /* class: media */
        b[4] = d->media_event;
        b[5] = (uint8_t)((d->tray_open ? 1 : 0) | (ide_media_present(d) ? 2 : 0));
        d->media_event = ME_NONE;
        len = 8;
    } else {
        b[2] = 0x80; /* no event available of the requested classes */
        len = 4;
    }
    put_be16(b, len - 2);
    atapi_reply(d, len, be16(&p[7]));
}

static void atapi_read(struct ide_drive *d, uint64_t lba, uint64_t count)
{
    if (!need_media(d))
        return;
    if (lba > d->nsectors || count > d->nsectors - lba) {
        atapi_fail(d, SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
        return;
    }
    atapi_start(d, count * CD_SECTOR, true, lba * CD_SECTOR, false);
}

static void atapi_start_stop(struct ide_drive *d)
{
    bool loej = d->packet[4] & 2, start = d->packet[4] & 1;
    if (!loej) {
        atapi_ok(d);
        return;
    }
    if (!start) { /* eject: open the tray, the disc stays in it */
        if (d->locked) {
            atapi_fail(d, SK_ILLEGAL_REQUEST, ASC_REMOVAL_PREVENTED, 2);
            return;
        }
        if (ide_media_present(d))
            d->media_event = ME_MEDIA_REMOVAL;
        d->tray_open = 1;
    } else if (d->tray_open) { /* load: close the tray */
        d->tray_open = 0;
        if (d->bd) {
            d->media_event = ME_NEW_MEDIA;
            d->ua_pending = 1;
        }
    }
    atapi_ok(d);
}

void atapi_exec(struct ide_drive *d)
{
    const uint8_t *p = d->packet;
    uint8_t *b = d->buf;
    uint8_t op = p[0];
    if (op != SCSI_REQUEST_SENSE) {
        d->sense_key = SK_NO_SENSE;
        d->asc = d->ascq = 0;
    }
    /* a medium change is reported once, to the first command that is not
     * one of those that never fail with UNIT ATTENTION (MMC-3 4.1.6.1) */
    if (d->ua_pending && op != SCSI_INQUIRY && op != SCSI_REQUEST_SENSE && op != SCSI_GET_CONFIGURATION &&
        op != SCSI_GET_EVENT_STATUS) {
        d->ua_pending = 0;
        atapi_fail(d, SK_UNIT_ATTENTION, ASC_MEDIUM_CHANGED, 0);
        return;
    }
    switch (op) {
    case SCSI_TEST_UNIT_READY:
        if (need_media(d))
            atapi_ok(d);
        return;
    case SCSI_REQUEST_SENSE:
        memset(b, 0, 18);
        b[0] = 0x70; /* current error, fixed format */
        b[2] = d->sense_key;
        b[7] = 10;
        b[12] = d->asc;
        b[13] = d->ascq;
        d->sense_key = SK_NO_SENSE;
        d->asc = d->ascq = 0;
        atapi_reply(d, 18, p[4]);
        return;
    case SCSI_INQUIRY:
        memset(b, 0, 36);
        b[0] = 0x05; /* CD-ROM */
        b[1] = 0x80; /* removable */
        b[3] = 0x21; /* ATAPI version 2, response data format 1 */
        b[4] = 31;
        memcpy(&b[8], "DYNAPC  ", 8);
        memcpy(&b[16], "CD-ROM          ", 16);
        memcpy(&b[32], "1.0 ", 4);
        atapi_reply(d, 36, p[4]);
        return;
    case SCSI_MODE_SENSE_6:
    case SCSI_MODE_SENSE_10:
        atapi_mode_sense(d);
        return;
    case SCSI_MODE_SELECT_10: /* parameters accepted and ignored */
        atapi_start(d, be16(&p[7]), false, 0, true);
        return;
    case SCSI_START_STOP_UNIT:
        atapi_start_stop(d);
        return;
    case SCSI_PREVENT_ALLOW:
        d->locked = p[4] & 1;
        atapi_ok(d);
        return;
    case SCSI_READ_CAPACITY:
        if (!need_media(d))
            return;
        put_be32(b, (uint32_t)(d->nsectors - 1));
        put_be32(b + 4, CD_SECTOR);
        atapi_reply(d, 8, 8);
        return;
    case SCSI_READ_10:
        atapi_read(d, be32(&p[2]), be16(&p[7]));
        return;
    case SCSI_READ_12:
        atapi_read(d, be32(&p[2]), be32(&p[6]));
        return;
    case SCSI_READ_CD: {
        /* user data only (flags 10h) or nothing (00h); no raw sectors */
        uint32_t count = (uint32_t)p[6] << 16 | (uint32_t)p[7] << 8 | p[8];
        if (p[9] == 0) {
            if (need_media(d))
                atapi_ok(d);
        } else if ((p[9] & 0xF8) == 0x10) {
            atapi_read(d, be32(&p[2]), count);
        } else {
            atapi_fail(d, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
        }
        return;
    }
    case SCSI_SEEK_10:
        if (!need_media(d))
            return;
        if (be32(&p[2]) >= d->nsectors)
            atapi_fail(d, SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
        else
            atapi_ok(d);
        return;
    case SCSI_READ_TOC:
        if (need_media(d))
            atapi_read_toc(d);
        return;
    case SCSI_READ_SUBCHANNEL: {
        if (!need_media(d))
            return;
        memset(b, 0, 16);
        b[1] = 0x15; /* no current audio status */
        unsigned len = 4;
        if ((p[2] & 0x40) && p[3] == 1) { /* current position */
            b[4] = 1;
            b[5] = 0x14;
            b[6] = 1;
            b[7] = 1;
            len = 16;
        }
        put_be16(&b[2], len - 4);
        atapi_reply(d, len, be16(&p[7]));
        return;
    }
    case SCSI_READ_DISC_INFO:
        if (!need_media(d))
            return;
        memset(b, 0, 34);
        put_be16(b, 32);
        b[2] = 0x0E; /* last session complete, disc complete */
        b[3] = 1;    /* first track */
        b[4] = 1;    /* sessions */
        b[5] = 1;    /* first and last track of the last session */
        b[6] = 1;
        memset(&b[16], 0xFF, 8); /* no next session, no lead-out limit */
        atapi_reply(d, 34, be16(&p[7]));
        return;
    case SCSI_GET_CONFIGURATION:
        atapi_get_configuration(d);
        return;
    case SCSI_GET_EVENT_STATUS:
        atapi_get_event_status(d);
        return;
    case SCSI_MECHANISM_STATUS:
        memset(b, 0, 8);
        b[1] = d->tray_open ? 0x10 : 0;
        atapi_reply(d, 8, be16(&p[8]));
        return;
    case SCSI_SET_CD_SPEED:
    case SCSI_STOP_PLAY_SCAN:
        atapi_ok(d);
        return;
    default:
        atapi_fail(d, SK_ILLEGAL_REQUEST, ASC_INVALID_OPCODE, 0);
        return;
    }
}
