/* test_ide.c - IDE channels, ATA disks, ATAPI CD-ROM, the PIIX3 bus master
 * and the disk image back end, through the ports and a manual clock. */
#include "devices/ide.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/blockdev.h"
#include "devices/bus.h"
#include "devices/pci.h"
#include "devices/physmem.h"
#include "devices/piix_ide.h"
#include "devices/timer.h"

#define US 1000ull

#define PRI   0x1F0
#define PRI_C 0x3F6
#define SEC   0x170
#define SEC_C 0x376
#define BMIDE 0xC000

enum { R_DATA, R_ERR, R_NSECT, R_LBAL, R_LBAM, R_LBAH, R_DEV, R_STATUS };

#define ST_ERR  0x01
#define ST_DRQ  0x08
#define ST_DSC  0x10
#define ST_DRDY 0x40
#define ST_BSY  0x80

struct probe {
    int level;
    int rises;
};

static void probe_set(void *opaque, int n, int level)
{
    struct probe *p = opaque;
    (void)n;
    if (level && !p->level)
        p->rises++;
    p->level = level;
}

struct rig {
    struct bus *bus;
    struct timerq *tq;
    struct physmem mem;
    struct pci_bus *pci;
    struct ide_channel *pri, *sec;
    struct piix_ide *piix;
    struct probe p14, p15;
    struct irq_line l14, l15;
    char files[4][64];
    int nfiles;
};

/* ---- images ---- */

/* a temporary image of n blocks of bs bytes; block i starts with i (LE32) and is
 * then filled with (i * 7 + j) & 0xFF */
static const char *make_image(struct rig *r, uint64_t n, unsigned bs)
{
    char *path = r->files[r->nfiles++];
    snprintf(path, 64, "/tmp/dynapc-ide-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    uint8_t *buf = malloc(bs);
    for (uint64_t i = 0; i < n; i++) {
        for (unsigned j = 0; j < bs; j++)
            buf[j] = (uint8_t)(i * 7 + j);
        memcpy(buf, &(uint32_t){(uint32_t)i}, 4);
        ck_assert_int_eq(pwrite(fd, buf, bs, (off_t)(i * bs)), (ssize_t)bs);
    }
    free(buf);
    close(fd);
    return path;
}

/* a sparse image of n 512-byte sectors (all zero) */
static const char *make_sparse(struct rig *r, uint64_t n)
{
    char *path = r->files[r->nfiles++];
    snprintf(path, 64, "/tmp/dynapc-ide-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)(n * 512)), 0);
    close(fd);
    return path;
}

static void file_read(const char *path, uint64_t off, void *buf, size_t len)
{
    int fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pread(fd, buf, len, (off_t)off), (ssize_t)len);
    close(fd);
}

static bool sector_ok(const uint8_t *b, uint64_t lba, unsigned bs)
{
    uint32_t tag;
    memcpy(&tag, b, 4);
    if (tag != (uint32_t)lba)
        return false;
    for (unsigned j = 4; j < bs; j++)
        if (b[j] != (uint8_t)(lba * 7 + j))
            return false;
    return true;
}

/* ---- rig ---- */

static void rig_init(struct rig *r)
{
    memset(r, 0, sizeof *r);
    r->bus = bus_new();
    r->tq = timerq_new(CLOCK_MANUAL);
    ck_assert_int_eq(physmem_init(&r->mem, r->bus, 1 << 20), 0);
    r->l14 = irq_line_make(probe_set, &r->p14, 14);
    r->l15 = irq_line_make(probe_set, &r->p15, 15);
    r->pri = ide_channel_new(r->bus, PRI, PRI_C, &r->l14, r->tq);
    r->sec = ide_channel_new(r->bus, SEC, SEC_C, &r->l15, r->tq);
    ck_assert_ptr_nonnull(r->pri);
    ck_assert_ptr_nonnull(r->sec);
}

static void rig_piix(struct rig *r)
{
    r->pci = pci_bus_new(r->bus);
    r->piix = piix_ide_new(r->pci, 0x09, r->pri, r->sec, &r->mem);
    ck_assert_ptr_nonnull(r->piix);
    pci_config_write(r->pci, 0, 0x09, 0x20, BMIDE, 4); /* BAR4 */
    pci_config_write(r->pci, 0, 0x09, PCI_COMMAND, PCI_CMD_IO | PCI_CMD_MASTER, 2);
}

static void rig_free(struct rig *r)
{
    piix_ide_free(r->piix);
    pci_bus_free(r->pci);
    ide_channel_free(r->pri);
    ide_channel_free(r->sec);
    physmem_destroy(&r->mem);
    timerq_free(r->tq);
    bus_free(r->bus);
    for (int i = 0; i < r->nfiles; i++)
        unlink(r->files[i]);
}

static void attach_disk(struct rig *r, struct ide_channel *ch, int unit, const char *path, unsigned flags)
{
    char err[256];
    struct blockdev *bd = blockdev_open(path, flags, err, sizeof err);
    ck_assert_msg(bd != NULL, "%s", err);
    ck_assert_msg(ide_attach_disk(ch, unit, bd, err, sizeof err) == 0, "%s", err);
    (void)r;
}

static void attach_cd(struct rig *r, struct ide_channel *ch, int unit, const char *path)
{
    char err[256];
    struct blockdev *bd = path ? blockdev_open(path, BLOCKDEV_READ_ONLY, err, sizeof err) : NULL;
    ck_assert_msg(!path || bd != NULL, "%s", err);
    ck_assert_msg(ide_attach_cdrom(ch, unit, bd, err, sizeof err) == 0, "%s", err);
    (void)r;
}

static uint8_t in8(struct rig *r, uint16_t port)
{
    return (uint8_t)bus_in(r->bus, port, 1);
}

static void out8(struct rig *r, uint16_t port, uint8_t v)
{
    bus_out(r->bus, port, v, 1);
}

static void run(struct rig *r, uint64_t ns)
{
    timerq_advance(r->tq, ns);
}

/* poll the alternate status (no side effect) until BSY clears */
static uint8_t wait_ready(struct rig *r, uint16_t ctl)
{
    for (int i = 0; i < 100000; i++) {
        uint8_t st = in8(r, ctl);
        if (!(st & ST_BSY))
            return st;
        run(r, 1 * US);
    }
    ck_abort_msg("device stays busy");
    return 0;
}

static void select_dev(struct rig *r, uint16_t base, int unit, uint8_t extra)
{
    out8(r, base + R_DEV, (uint8_t)(0xA0 | (unit ? 0x10 : 0) | extra));
}

/* LBA28 task file and command */
static void ata_cmd28(struct rig *r, uint16_t base, uint8_t cmd, uint32_t lba, uint8_t count)
{
    out8(r, base + R_NSECT, count);
    out8(r, base + R_LBAL, (uint8_t)lba);
    out8(r, base + R_LBAM, (uint8_t)(lba >> 8));
    out8(r, base + R_LBAH, (uint8_t)(lba >> 16));
    out8(r, base + R_DEV, (uint8_t)(0xE0 | ((lba >> 24) & 0x0F)));
    out8(r, base + R_STATUS, cmd);
}

static void ata_cmd48(struct rig *r, uint16_t base, uint8_t cmd, uint64_t lba, uint16_t count)
{
    out8(r, base + R_NSECT, (uint8_t)(count >> 8));
    out8(r, base + R_LBAL, (uint8_t)(lba >> 24));
    out8(r, base + R_LBAM, (uint8_t)(lba >> 32));
    out8(r, base + R_LBAH, (uint8_t)(lba >> 40));
    out8(r, base + R_NSECT, (uint8_t)count);
    out8(r, base + R_LBAL, (uint8_t)lba);
    out8(r, base + R_LBAM, (uint8_t)(lba >> 8));
    out8(r, base + R_LBAH, (uint8_t)(lba >> 16));
    out8(r, base + R_DEV, 0xE0);
    out8(r, base + R_STATUS, cmd);
}

static void read_words(struct rig *r, uint16_t base, uint8_t *buf, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i += 2) {
        uint16_t w = (uint16_t)bus_in(r->bus, base, 2);
        buf[i] = (uint8_t)w;
        buf[i + 1] = (uint8_t)(w >> 8);
    }
}

static void write_words(struct rig *r, uint16_t base, const uint8_t *buf, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i += 2)
        bus_out(r->bus, base, (uint32_t)(buf[i] | buf[i + 1] << 8), 2);
}

static void identify(struct rig *r, uint16_t base, uint16_t ctl, uint8_t cmd, uint16_t *w)
{
    out8(r, base + R_STATUS, cmd);
    uint8_t st = wait_ready(r, ctl);
    ck_assert_int_eq(st & (ST_DRQ | ST_ERR), ST_DRQ);
    uint8_t b[512];
    read_words(r, base, b, 512);
    for (int i = 0; i < 256; i++)
        w[i] = (uint16_t)(b[2 * i] | b[2 * i + 1] << 8);
    ck_assert_int_eq(in8(r, base + R_STATUS) & (ST_DRQ | ST_BSY), 0);
}

static void ata_string(const uint16_t *w, int first, int words, char *out)
{
    for (int i = 0; i < words; i++) {
        out[2 * i] = (char)(w[first + i] >> 8);
        out[2 * i + 1] = (char)w[first + i];
    }
    out[2 * words] = 0;
}

/* ---- IDENTIFY ---- */

START_TEST(test_identify_disk)
{
    struct rig r;
    rig_init(&r);
    attach_disk(&r, r.pri, 0, make_image(&r, 20 * 16 * 63, 512), 0);
    select_dev(&r, PRI, 0, 0);
    out8(&r, PRI + R_STATUS, 0xEC);
    /* BSY at once, no interrupt inside the OUT; DRQ and IRQ14 a few us later */
    ck_assert_int_eq(in8(&r, PRI_C) & ST_BSY, ST_BSY);
    ck_assert_int_eq(r.p14.rises, 0);
    run(&r, 20 * US);
    ck_assert_int_eq(in8(&r, PRI_C), ST_DRDY | ST_DSC | ST_DRQ);
    ck_assert_int_eq(r.p14.level, 1);
    uint8_t b[512];
    read_words(&r, PRI, b, 512);
    ck_assert_int_eq(in8(&r, PRI + R_STATUS), ST_DRDY | ST_DSC);
    ck_assert_int_eq(r.p14.level, 0); /* status read acknowledged it */
    uint16_t w[256];
    for (int i = 0; i < 256; i++)
        w[i] = (uint16_t)(b[2 * i] | b[2 * i + 1] << 8);
    ck_assert_uint_eq(w[0], 0x0040);
    ck_assert_uint_eq(w[1], 20);
    ck_assert_uint_eq(w[3], 16);
    ck_assert_uint_eq(w[6], 63);
    char model[41];
    ata_string(w, 27, 20, model);
    ck_assert_str_eq(model, "DYNAPC HARDDISK                         ");
    ck_assert_uint_eq(w[47] & 0xFF, 16);
    ck_assert_uint_eq(w[49] & 0x0300, 0x0300); /* LBA and DMA */
    ck_assert_uint_eq(w[53] & 7, 7);
    ck_assert_uint_eq(w[54], 20);
    ck_assert_uint_eq(w[55], 16);
    ck_assert_uint_eq(w[56], 63);
    ck_assert_uint_eq(w[57] | (uint32_t)w[58] << 16, 20160);
    ck_assert_uint_eq(w[60] | (uint32_t)w[61] << 16, 20160);
    ck_assert_uint_eq(w[63], 0x0407); /* multiword DMA 0-2, mode 2 selected */
    ck_assert_uint_eq(w[64], 0x0003);
    ck_assert_uint_eq(w[83] & 0x0400, 0x0400); /* 48-bit addressing */
    ck_assert_uint_eq(w[86] & 0x0400, 0x0400);
    ck_assert_uint_eq(w[88], 0x003F);
    uint64_t cap48 = 0;
    for (int i = 0; i < 4; i++)
        cap48 |= (uint64_t)w[100 + i] << (16 * i);
    ck_assert_uint_eq(cap48, 20160);
    uint8_t sum = 0;
    for (int i = 0; i < 512; i++)
        sum = (uint8_t)(sum + b[i]);
    ck_assert_uint_eq(b[510], 0xA5);
    ck_assert_uint_eq(sum, 0);

    /* SET FEATURES: Ultra DMA 5, then multiword DMA 1 */
    out8(&r, PRI + R_ERR, 0x03);
    out8(&r, PRI + R_NSECT, 0x45);
    out8(&r, PRI + R_STATUS, 0xEF);
    ck_assert_int_eq(wait_ready(&r, PRI_C) & ST_ERR, 0);
    identify(&r, PRI, PRI_C, 0xEC, w);
    ck_assert_uint_eq(w[88], 0x203F);
    ck_assert_uint_eq(w[63], 0x0007);
    out8(&r, PRI + R_NSECT, 0x21);
    out8(&r, PRI + R_ERR, 0x03);
    out8(&r, PRI + R_STATUS, 0xEF);
    wait_ready(&r, PRI_C);
    identify(&r, PRI, PRI_C, 0xEC, w);
    ck_assert_uint_eq(w[63], 0x0207);
    ck_assert_uint_eq(w[88], 0x003F);
    /* an unknown transfer mode is aborted */
    out8(&r, PRI + R_NSECT, 0x50);
    out8(&r, PRI + R_ERR, 0x03);
    out8(&r, PRI + R_STATUS, 0xEF);
    ck_assert_int_eq(wait_ready(&r, PRI_C) & ST_ERR, ST_ERR);
    ck_assert_int_eq(in8(&r, PRI + R_ERR), 0x04);
    rig_free(&r);
}
END_TEST

START_TEST(test_identify_large_disk)
{
    struct rig r;
    rig_init(&r);
    uint64_t n = 300ull << 21; /* 300 GiB: beyond LBA28 and the CHS limit */
    attach_disk(&r, r.pri, 0, make_sparse(&r, n), 0);
    uint16_t w[256];
    identify(&r, PRI, PRI_C, 0xEC, w);
    ck_assert_uint_eq(w[1], 16383);
    ck_assert_uint_eq(w[3], 16);
    ck_assert_uint_eq(w[6], 63);
    ck_assert_uint_eq(w[60] | (uint32_t)w[61] << 16, 0x0FFFFFFF);
    uint64_t cap48 = 0;
    for (int i = 0; i < 4; i++)
        cap48 |= (uint64_t)w[100 + i] << (16 * i);
    ck_assert_uint_eq(cap48, n);
    struct ide_chs chs;
    ck_assert_int_eq(ide_cmos_info(r.pri, 0, &chs), 0);
    ck_assert_uint_eq(chs.cylinders, 16383);
    ck_assert_uint_eq(chs.total_sectors, n);
    rig_free(&r);
}
END_TEST

/* ---- PIO ---- */

START_TEST(test_pio_read_write)
{
    struct rig r;
    rig_init(&r);
    const char *img = make_image(&r, 2016, 512);
    attach_disk(&r, r.pri, 0, img, 0);

    /* READ SECTORS: one DRQ block and one interrupt per sector */
    ata_cmd28(&r, PRI, 0x20, 5, 3);
    uint8_t b[512];
    for (int s = 0; s < 3; s++) {
        ck_assert_int_eq(wait_ready(&r, PRI_C), ST_DRDY | ST_DSC | ST_DRQ);
        ck_assert_int_eq(r.p14.rises, s + 1);
        ck_assert_int_eq(in8(&r, PRI + R_STATUS) & ST_DRQ, ST_DRQ);
        read_words(&r, PRI, b, 512);
        ck_assert_msg(sector_ok(b, 5 + s, 512), "sector %d", 5 + s);
    }
    ck_assert_int_eq(in8(&r, PRI_C), ST_DRDY | ST_DSC);
    run(&r, 100 * US);
    ck_assert_int_eq(r.p14.rises, 3);           /* no interrupt after the last block of a read */
    ck_assert_int_eq(in8(&r, PRI + R_LBAL), 7); /* the last sector transferred */
    ck_assert_int_eq(in8(&r, PRI + R_NSECT), 0);

    /* 32-bit PIO on the data port */
    ata_cmd28(&r, PRI, 0x20, 9, 1);
    wait_ready(&r, PRI_C);
    for (int i = 0; i < 512; i += 4) {
        uint32_t v = bus_in(r.bus, PRI, 4);
        memcpy(&b[i], &v, 4);
    }
    ck_assert(sector_ok(b, 9, 512));

    /* WRITE SECTORS: DRQ without an interrupt for the first block, then an
     * interrupt per block; the bytes land in the file */
    int rises = r.p14.rises;
    uint8_t out[2][512];
    for (int s = 0; s < 2; s++)
        for (int j = 0; j < 512; j++)
            out[s][j] = (uint8_t)(0xA0 + s + j * 3);
    in8(&r, PRI + R_STATUS);
    ata_cmd28(&r, PRI, 0x30, 100, 2);
    ck_assert_int_eq(wait_ready(&r, PRI_C), ST_DRDY | ST_DSC | ST_DRQ);
    ck_assert_int_eq(r.p14.rises, rises);
    write_words(&r, PRI, out[0], 512);
    ck_assert_int_eq(in8(&r, PRI_C) & ST_BSY, ST_BSY);
    ck_assert_int_eq(wait_ready(&r, PRI_C), ST_DRDY | ST_DSC | ST_DRQ);
    ck_assert_int_eq(r.p14.rises, rises + 1);
    in8(&r, PRI + R_STATUS);
    write_words(&r, PRI, out[1], 512);
    ck_assert_int_eq(wait_ready(&r, PRI_C), ST_DRDY | ST_DSC);
    ck_assert_int_eq(r.p14.rises, rises + 2);
    uint8_t f[1024];
    file_read(img, 100 * 512, f, 1024);
    ck_assert_mem_eq(f, out[0], 512);
    ck_assert_mem_eq(f + 512, out[1], 512);

    /* CHS addressing: cylinder 1, head 2, sector 3 of 16 heads x 63 */
    out8(&r, PRI + R_NSECT, 1);
    out8(&r, PRI + R_LBAL, 3);
    out8(&r, PRI + R_LBAM, 1);
    out8(&r, PRI + R_LBAH, 0);
    out8(&r, PRI + R_DEV, 0xA2);
    out8(&r, PRI + R_STATUS, 0x20);
    ck_assert_int_eq(wait_ready(&r, PRI_C) & ST_DRQ, ST_DRQ);
    read_words(&r, PRI, b, 512);
    ck_assert(sector_ok(b, (1 * 16 + 2) * 63 + 2, 512));
    /* sector 0 does not exist in CHS */
    out8(&r, PRI + R_LBAL, 0);
    out8(&r, PRI + R_DEV, 0xA0);
    out8(&r, PRI + R_STATUS, 0x20);
    ck_assert_int_eq(wait_ready(&r, PRI_C) & ST_ERR, ST_ERR);
    ck_assert_int_eq(in8(&r, PRI + R_ERR), 0x10);

    /* INITIALIZE DEVICE PARAMETERS: 4 heads, 17 sectors per track */
    out8(&r, PRI + R_NSECT, 17);
    out8(&r, PRI + R_DEV, 0xA3);
    out8(&r, PRI + R_STATUS, 0x91);
    ck_assert_int_eq(wait_ready(&r, PRI_C), ST_DRDY | ST_DSC);
    uint16_t w[256];
    identify(&r, PRI, PRI_C, 0xEC, w);
    ck_assert_uint_eq(w[1], 2); /* the default geometry stays */
    ck_assert_uint_eq(w[54], 2016 / 68);
    ck_assert_uint_eq(w[55], 4);
    ck_assert_uint_eq(w[56], 17);
    out8(&r, PRI + R_NSECT, 1);
    out8(&r, PRI + R_LBAL, 5);
    out8(&r, PRI + R_LBAM, 2);
    out8(&r, PRI + R_LBAH, 0);
    out8(&r, PRI + R_DEV, 0xA1);
    out8(&r, PRI + R_STATUS, 0x20);
    ck_assert_int_eq(wait_ready(&r, PRI_C) & ST_DRQ, ST_DRQ);
    read_words(&r, PRI, b, 512);
    ck_assert(sector_ok(b, (2 * 4 + 1) * 17 + 4, 512));
    ck_assert_int_eq(in8(&r, PRI + R_DEV) & 0x0F, 1);
    ck_assert_int_eq(in8(&r, PRI + R_LBAL), 5);

    /* READ VERIFY: no data, an interrupt, the registers at the last sector */
    ata_cmd28(&r, PRI, 0x40, 1000, 16);
    ck_assert_int_eq(wait_ready(&r, PRI_C), ST_DRDY | ST_DSC);
    ck_assert_int_eq(r.p14.level, 1);
    ck_assert_int_eq(in8(&r, PRI + R_LBAL), (uint8_t)1015);
    rig_free(&r);
}
END_TEST

START_TEST(test_snapshot_and_read_only)
{
    struct rig r;
    rig_init(&r);
    const char *img = make_image(&r, 64, 512);
    attach_disk(&r, r.pri, 0, img, BLOCKDEV_SNAPSHOT);
    uint8_t out[512], b[512], f[512];
    memset(out, 0x5A, sizeof out);
    ata_cmd28(&r, PRI, 0x30, 7, 1);
    wait_ready(&r, PRI_C);
    write_words(&r, PRI, out, 512);
    ck_assert_int_eq(wait_ready(&r, PRI_C), ST_DRDY | ST_DSC);
    /* the guest reads its write back; the file is untouched */
    ata_cmd28(&r, PRI, 0x20, 6, 3);
    for (int s = 0; s < 3; s++) {
        wait_ready(&r, PRI_C);
        read_words(&r, PRI, b, 512);
        if (s == 1)
            ck_assert_mem_eq(b, out, 512);
        else
            ck_assert(sector_ok(b, 6 + s, 512));
    }
    file_read(img, 7 * 512, f, 512);
    ck_assert(sector_ok(f, 7, 512));

    /* a read-only image refuses writes with ABRT */
    attach_disk(&r, r.sec, 0, img, BLOCKDEV_READ_ONLY);
    ata_cmd28(&r, SEC, 0x30, 7, 1);
    ck_assert_int_eq(wait_ready(&r, SEC_C), ST_DRDY | ST_DSC | ST_ERR);
    ck_assert_int_eq(in8(&r, SEC + R_ERR), 0x04);
    file_read(img, 7 * 512, f, 512);
    ck_assert(sector_ok(f, 7, 512));
    rig_free(&r);
}
END_TEST

START_TEST(test_read_write_multiple)
{
    struct rig r;
    rig_init(&r);
    const char *img = make_image(&r, 2016, 512);
    attach_disk(&r, r.pri, 0, img, 0);
    /* multiple mode is off after power-on: READ MULTIPLE aborts */
    ata_cmd28(&r, PRI, 0xC4, 0, 4);
    ck_assert_int_eq(wait_ready(&r, PRI_C), ST_DRDY | ST_DSC | ST_ERR);
    ck_assert_int_eq(in8(&r, PRI + R_ERR), 0x04);
    /* SET MULTIPLE MODE refuses a count that is not a power of two */
    out8(&r, PRI + R_NSECT, 3);
    out8(&r, PRI + R_STATUS, 0xC6);
    ck_assert_int_eq(wait_ready(&r, PRI_C) & ST_ERR, ST_ERR);
    out8(&r, PRI + R_NSECT, 4);
    out8(&r, PRI + R_STATUS, 0xC6);
    ck_assert_int_eq(wait_ready(&r, PRI_C), ST_DRDY | ST_DSC);
    uint16_t w[256];
    identify(&r, PRI, PRI_C, 0xEC, w);
    ck_assert_uint_eq(w[59], 0x0104);

    in8(&r, PRI + R_STATUS);
    int rises = r.p14.rises;
    ata_cmd28(&r, PRI, 0xC4, 30, 10); /* blocks of 4, 4, 2 sectors */
    uint8_t b[4 * 512];
    const unsigned blocks[3] = {4, 4, 2};
    uint64_t lba = 30;
    for (int k = 0; k < 3; k++) {
        ck_assert_int_eq(wait_ready(&r, PRI_C), ST_DRDY | ST_DSC | ST_DRQ);
        ck_assert_int_eq(r.p14.rises, rises + k + 1);
        in8(&r, PRI + R_STATUS);
        read_words(&r, PRI, b, blocks[k] * 512);
        for (unsigned s = 0; s < blocks[k]; s++, lba++)
            ck_assert_msg(sector_ok(b + s * 512, lba, 512), "sector %llu", (unsigned long long)lba);
    }
    ck_assert_int_eq(in8(&r, PRI_C), ST_DRDY | ST_DSC);

    /* WRITE MULTIPLE: 6 sectors in blocks of 4 and 2 */
    uint8_t out[6 * 512];
    for (unsigned i = 0; i < sizeof out; i++)
        out[i] = (uint8_t)(i * 13 + 1);
    ata_cmd28(&r, PRI, 0xC5, 200, 6);
    ck_assert_int_eq(wait_ready(&r, PRI_C), ST_DRDY | ST_DSC | ST_DRQ);
    write_words(&r, PRI, out, 4 * 512);
    ck_assert_int_eq(wait_ready(&r, PRI_C), ST_DRDY | ST_DSC | ST_DRQ);
    write_words(&r, PRI, out + 4 * 512, 2 * 512);
    ck_assert_int_eq(wait_ready(&r, PRI_C), ST_DRDY | ST_DSC);
    uint8_t f[sizeof out];
    file_read(img, 200 * 512, f, sizeof f);
    ck_assert_mem_eq(f, out, sizeof out);
    rig_free(&r);
}
END_TEST

START_TEST(test_lba48)
{
    struct rig r;
    rig_init(&r);
    uint64_t n = (1ull << 28) + 4096; /* just past the LBA28 limit */
    const char *img = make_sparse(&r, n);
    attach_disk(&r, r.pri, 0, img, 0);
    uint64_t lba = (1ull << 28) + 1000;
    uint8_t out[2 * 512], b[512];
    for (unsigned i = 0; i < sizeof out; i++)
        out[i] = (uint8_t)(i ^ 0x3C);
    ata_cmd48(&r, PRI, 0x34, lba, 2); /* WRITE SECTORS EXT */
    ck_assert_int_eq(wait_ready(&r, PRI_C), ST_DRDY | ST_DSC | ST_DRQ);
    write_words(&r, PRI, out, 512);
    wait_ready(&r, PRI_C);
    write_words(&r, PRI, out + 512, 512);
    ck_assert_int_eq(wait_ready(&r, PRI_C), ST_DRDY | ST_DSC);
    uint8_t f[sizeof out];
    file_read(img, lba * 512, f, sizeof f);
    ck_assert_mem_eq(f, out, sizeof out);

    ata_cmd48(&r, PRI, 0x24, lba + 1, 1); /* READ SECTORS EXT */
    ck_assert_int_eq(wait_ready(&r, PRI_C), ST_DRDY | ST_DSC | ST_DRQ);
    read_words(&r, PRI, b, 512);
    ck_assert_mem_eq(b, out + 512, 512);
    /* the address registers: low bytes, then the HOB bytes */
    uint64_t last = lba + 1;
    ck_assert_int_eq(in8(&r, PRI + R_LBAL), (uint8_t)last);
    ck_assert_int_eq(in8(&r, PRI + R_LBAM), (uint8_t)(last >> 8));
    ck_assert_int_eq(in8(&r, PRI + R_LBAH), (uint8_t)(last >> 16));
    out8(&r, PRI_C, 0x80);
    ck_assert_int_eq(in8(&r, PRI + R_LBAL), (uint8_t)(last >> 24));
    ck_assert_int_eq(in8(&r, PRI + R_LBAM), 0);
    out8(&r, PRI_C, 0x00);

    /* LBA28 cannot reach it; the EXT read of the last sector works, past it fails */
    ata_cmd48(&r, PRI, 0x24, n - 1, 1);
    ck_assert_int_eq(wait_ready(&r, PRI_C) & (ST_DRQ | ST_ERR), ST_DRQ);
    read_words(&r, PRI, b, 512);
    ata_cmd48(&r, PRI, 0x24, n - 1, 2);
    ck_assert_int_eq(wait_ready(&r, PRI_C) & ST_ERR, ST_ERR);
    ck_assert_int_eq(in8(&r, PRI + R_ERR), 0x10);

    /* READ NATIVE MAX ADDRESS EXT */
    out8(&r, PRI + R_DEV, 0x40);
    out8(&r, PRI + R_STATUS, 0x27);
    ck_assert_int_eq(wait_ready(&r, PRI_C), ST_DRDY | ST_DSC);
    ck_assert_int_eq(in8(&r, PRI + R_LBAL), (uint8_t)(n - 1));
    ck_assert_int_eq(in8(&r, PRI + R_LBAM), (uint8_t)((n - 1) >> 8));
    out8(&r, PRI_C, 0x80);
    ck_assert_int_eq(in8(&r, PRI + R_LBAL), (uint8_t)((n - 1) >> 24));
    out8(&r, PRI_C, 0x00);
    rig_free(&r);
}
END_TEST

START_TEST(test_read_past_end)
{
    struct rig r;
    rig_init(&r);
    attach_disk(&r, r.pri, 0, make_image(&r, 100, 512), 0);
    int rises = r.p14.rises;
    ata_cmd28(&r, PRI, 0x20, 99, 2);
    ck_assert_int_eq(wait_ready(&r, PRI_C), ST_DRDY | ST_DSC | ST_ERR);
    ck_assert_int_eq(in8(&r, PRI + R_ERR), 0x10); /* IDNF */
    ck_assert_int_eq(r.p14.rises, rises + 1);
    ata_cmd28(&r, PRI, 0xC8, 100, 1); /* READ DMA at the capacity */
    ck_assert_int_eq(wait_ready(&r, PRI_C), ST_DRDY | ST_DSC | ST_ERR);
    ck_assert_int_eq(in8(&r, PRI + R_ERR), 0x10);
    ata_cmd28(&r, PRI, 0x20, 99, 1);
    ck_assert_int_eq(wait_ready(&r, PRI_C), ST_DRDY | ST_DSC | ST_DRQ);
    uint8_t b[512];
    read_words(&r, PRI, b, 512);
    ck_assert(sector_ok(b, 99, 512));
    /* an unknown command and NOP abort */
    out8(&r, PRI + R_STATUS, 0x00);
    ck_assert_int_eq(wait_ready(&r, PRI_C), ST_DRDY | ST_DSC | ST_ERR);
    ck_assert_int_eq(in8(&r, PRI + R_ERR), 0x04);
    rig_free(&r);
}
END_TEST

/* ---- interrupts ---- */

START_TEST(test_interrupts_and_nien)
{
    struct rig r;
    rig_init(&r);
    attach_disk(&r, r.pri, 0, make_image(&r, 100, 512), 0);
    attach_disk(&r, r.pri, 1, make_image(&r, 100, 512), 0);
    /* nIEN: the command completes, INTRQ stays released */
    out8(&r, PRI_C, 0x02);
    select_dev(&r, PRI, 0, 0x40);
    out8(&r, PRI + R_STATUS, 0x70); /* SEEK */
    run(&r, 50 * US);
    ck_assert_int_eq(in8(&r, PRI_C), ST_DRDY | ST_DSC);
    ck_assert_int_eq(r.p14.level, 0);
    /* clearing nIEN with the interrupt still pending drives it */
    out8(&r, PRI_C, 0x00);
    ck_assert_int_eq(r.p14.level, 1);
    /* the alternate status leaves it; selecting the other device releases it */
    in8(&r, PRI_C);
    ck_assert_int_eq(r.p14.level, 1);
    select_dev(&r, PRI, 1, 0);
    ck_assert_int_eq(r.p14.level, 0);
    select_dev(&r, PRI, 0, 0);
    ck_assert_int_eq(r.p14.level, 1);
    in8(&r, PRI + R_STATUS);
    ck_assert_int_eq(r.p14.level, 0);
    /* the slave's interrupts come on the same line */
    select_dev(&r, PRI, 1, 0x40);
    out8(&r, PRI + R_STATUS, 0xE7); /* FLUSH CACHE */
    ck_assert_int_eq(r.p14.level, 0);
    run(&r, 50 * US);
    ck_assert_int_eq(r.p14.level, 1);
    ck_assert_int_eq(r.p15.rises, 0);
    in8(&r, PRI + R_STATUS);
    ck_assert_int_eq(r.p14.level, 0);
    /* an empty channel reads 00h; an absent slave reads status 00h but
     * latches the task file (as device 0 does for it) */
    ck_assert_int_eq(in8(&r, SEC + R_STATUS), 0);
    rig_free(&r);

    rig_init(&r);
    attach_disk(&r, r.pri, 0, make_image(&r, 100, 512), 0);
    select_dev(&r, PRI, 1, 0);
    out8(&r, PRI + R_NSECT, 0x55);
    ck_assert_int_eq(in8(&r, PRI + R_NSECT), 0x55);
    ck_assert_int_eq(in8(&r, PRI + R_STATUS), 0);
    ck_assert_int_eq(in8(&r, PRI_C), 0);
    out8(&r, PRI + R_STATUS, 0xEC); /* ignored: nobody there */
    run(&r, 50 * US);
    ck_assert_int_eq(in8(&r, PRI + R_STATUS), 0);
    ck_assert_int_eq(r.p14.rises, 0);
    rig_free(&r);
}
END_TEST

/* ---- resets and signatures ---- */

static void check_sig(struct rig *r, uint16_t base, int unit, bool atapi)
{
    select_dev(r, base, unit, 0);
    ck_assert_int_eq(in8(r, base + R_NSECT), 1);
    ck_assert_int_eq(in8(r, base + R_LBAL), 1);
    ck_assert_int_eq(in8(r, base + R_LBAM), atapi ? 0x14 : 0);
    ck_assert_int_eq(in8(r, base + R_LBAH), atapi ? 0xEB : 0);
}

START_TEST(test_soft_reset)
{
    struct rig r;
    rig_init(&r);
    attach_disk(&r, r.pri, 0, make_image(&r, 100, 512), 0);
    attach_cd(&r, r.pri, 1, make_image(&r, 10, 2048));
    /* scribble over the task file, select the slave */
    ata_cmd28(&r, PRI, 0x70, 0x123456, 9);
    wait_ready(&r, PRI_C);
    select_dev(&r, PRI, 1, 0);
    out8(&r, PRI + R_LBAM, 0x77);
    int rises = r.p14.rises;
    out8(&r, PRI_C, 0x04); /* SRST */
    ck_assert_int_eq(in8(&r, PRI_C) & ST_BSY, ST_BSY);
    run(&r, 10 * US);
    ck_assert_int_eq(in8(&r, PRI_C) & ST_BSY, ST_BSY);
    out8(&r, PRI_C, 0x00);
    ck_assert_int_eq(in8(&r, PRI_C) & ST_BSY, ST_BSY); /* still busy after SRST clears */
    ck_assert_int_eq(in8(&r, PRI + R_DEV) & 0x10, 0);  /* device 0 selected */
    run(&r, 1000 * US);
    ck_assert_int_eq(in8(&r, PRI + R_STATUS), ST_DRDY | ST_DSC);
    ck_assert_int_eq(in8(&r, PRI + R_ERR), 0x01);
    check_sig(&r, PRI, 0, false);
    check_sig(&r, PRI, 1, true);
    ck_assert_int_eq(in8(&r, PRI + R_STATUS), 0x00); /* PACKET device: 00h after reset */
    ck_assert_int_eq(in8(&r, PRI + R_ERR), 0x01);
    ck_assert_int_eq(r.p14.rises, rises); /* no interrupt */

    /* ATA commands on the ATAPI device: IDENTIFY aborts with the signature */
    out8(&r, PRI + R_LBAM, 0);
    out8(&r, PRI + R_LBAH, 0);
    out8(&r, PRI + R_STATUS, 0xEC);
    ck_assert_int_eq(wait_ready(&r, PRI_C) & ST_ERR, ST_ERR);
    ck_assert_int_eq(in8(&r, PRI + R_ERR), 0x04);
    check_sig(&r, PRI, 1, true);
    uint16_t w[256];
    identify(&r, PRI, PRI_C, 0xA1, w);
    ck_assert_uint_eq(w[0], 0x85C0);
    char model[41];
    ata_string(w, 27, 20, model);
    ck_assert_str_eq(model, "DYNAPC CD-ROM                           ");
    ck_assert_uint_eq(w[49] & 0x0100, 0x0100);
    /* IDENTIFY PACKET DEVICE on the disk aborts */
    select_dev(&r, PRI, 0, 0);
    out8(&r, PRI + R_STATUS, 0xA1);
    ck_assert_int_eq(wait_ready(&r, PRI_C) & ST_ERR, ST_ERR);

    /* EXECUTE DEVICE DIAGNOSTIC: signatures, error 01h, device 0 interrupts */
    in8(&r, PRI + R_STATUS);
    rises = r.p14.rises;
    select_dev(&r, PRI, 1, 0);
    out8(&r, PRI + R_LBAM, 0x33);
    out8(&r, PRI + R_STATUS, 0x90);
    run(&r, 100 * US);
    ck_assert_int_eq(r.p14.rises, rises + 1);
    ck_assert_int_eq(in8(&r, PRI + R_DEV) & 0x10, 0);
    ck_assert_int_eq(in8(&r, PRI + R_ERR), 0x01);
    ck_assert_int_eq(in8(&r, PRI + R_STATUS), ST_DRDY | ST_DSC);
    check_sig(&r, PRI, 0, false);
    check_sig(&r, PRI, 1, true);
    ck_assert_int_eq(in8(&r, PRI + R_ERR), 0x01);

    /* DEVICE RESET: the ATAPI device alone, no interrupt; the disk aborts it */
    rises = r.p14.rises;
    select_dev(&r, PRI, 1, 0);
    out8(&r, PRI + R_LBAM, 0x33);
    out8(&r, PRI + R_STATUS, 0x08);
    run(&r, 100 * US);
    check_sig(&r, PRI, 1, true);
    ck_assert_int_eq(in8(&r, PRI + R_STATUS), 0x00);
    ck_assert_int_eq(r.p14.rises, rises);
    select_dev(&r, PRI, 0, 0);
    out8(&r, PRI + R_STATUS, 0x08);
    ck_assert_int_eq(wait_ready(&r, PRI_C) & ST_ERR, ST_ERR);
    rig_free(&r);
}
END_TEST

/* ---- ATAPI ---- */

struct atapi_result {
    uint8_t status, error;
    unsigned len;  /* bytes received */
    unsigned drqs; /* data DRQ blocks */
    unsigned irqs; /* interrupts seen */
};

/* send a packet by PIO and collect the data (byte count limit `limit`) */
static struct atapi_result atapi(struct rig *r, uint16_t base, uint16_t ctl, const uint8_t cdb[12],
                                 uint16_t limit, uint8_t *out, unsigned max)
{
    struct atapi_result res = {0};
    struct probe *pr = base == PRI ? &r->p14 : &r->p15;
    in8(r, base + R_STATUS);
    int rises = pr->rises;
    out8(r, base + R_ERR, 0);
    out8(r, base + R_LBAM, (uint8_t)limit);
    out8(r, base + R_LBAH, (uint8_t)(limit >> 8));
    out8(r, base + R_STATUS, 0xA0);
    uint8_t st = wait_ready(r, ctl);
    ck_assert_int_eq(st & ST_DRQ, ST_DRQ);
    ck_assert_int_eq(in8(r, base + R_NSECT) & 3, 1); /* CoD: the packet */
    write_words(r, base, cdb, 12);
    for (;;) {
        st = wait_ready(r, ctl);
        uint8_t ireason = in8(r, base + R_NSECT) & 3;
        if (!(st & ST_DRQ)) {
            ck_assert_int_eq(ireason, 3); /* IO and CoD: status */
            break;
        }
        ck_assert_int_eq(ireason, 2); /* IO: data to the host */
        unsigned n = in8(r, base + R_LBAM) | in8(r, base + R_LBAH) << 8;
        ck_assert_uint_le(n, limit ? limit : 0xFFFE);
        ck_assert_uint_le(res.len + n, max);
        in8(r, base + R_STATUS);
        res.drqs++;
        for (unsigned i = 0; i < n; i += 2) {
            uint16_t w = (uint16_t)bus_in(r->bus, base, 2);
            out[res.len + i] = (uint8_t)w;
            if (i + 1 < n)
                out[res.len + i + 1] = (uint8_t)(w >> 8);
        }
        res.len += n;
    }
    res.irqs = (unsigned)(pr->rises - rises);
    res.status = in8(r, base + R_STATUS);
    res.error = in8(r, base + R_ERR);
    return res;
}

static void request_sense(struct rig *r, uint16_t base, uint16_t ctl, uint8_t *key, uint8_t *asc,
                          uint8_t *ascq)
{
    uint8_t cdb[12] = {0x03, 0, 0, 0, 18}, b[18];
    struct atapi_result res = atapi(r, base, ctl, cdb, 0x1000, b, sizeof b);
    ck_assert_int_eq(res.status & ST_ERR, 0);
    ck_assert_uint_eq(res.len, 18);
    ck_assert_uint_eq(b[0], 0x70);
    *key = b[2] & 0x0F;
    *asc = b[12];
    *ascq = b[13];
}

START_TEST(test_atapi_basic)
{
    struct rig r;
    rig_init(&r);
    attach_cd(&r, r.sec, 0, make_image(&r, 1000, 2048));
    uint8_t b[16384];

    uint8_t tur[12] = {0x00};
    struct atapi_result res = atapi(&r, SEC, SEC_C, tur, 0, b, sizeof b);
    ck_assert_int_eq(res.status, ST_DRDY | ST_DSC);
    ck_assert_uint_eq(res.irqs, 1);

    uint8_t inq[12] = {0x12, 0, 0, 0, 36};
    res = atapi(&r, SEC, SEC_C, inq, 0x100, b, sizeof b);
    ck_assert_uint_eq(res.len, 36);
    ck_assert_uint_eq(b[0], 0x05);
    ck_assert_uint_eq(b[1], 0x80);
    ck_assert_mem_eq(&b[8], "DYNAPC  ", 8);
    ck_assert_uint_eq(res.irqs, 2); /* data, then status */

    uint8_t cap[12] = {0x25};
    res = atapi(&r, SEC, SEC_C, cap, 0x100, b, sizeof b);
    ck_assert_uint_eq(res.len, 8);
    ck_assert_uint_eq(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3], 999);
    ck_assert_uint_eq(b[4] << 24 | b[5] << 16 | b[6] << 8 | b[7], 2048);

    /* READ(10) of 3 blocks at 10 with a byte count limit of 2048: 3 DRQ blocks */
    uint8_t rd[12] = {0x28, 0, 0, 0, 0, 10, 0, 0, 3};
    res = atapi(&r, SEC, SEC_C, rd, 2048, b, sizeof b);
    ck_assert_int_eq(res.status, ST_DRDY | ST_DSC);
    ck_assert_uint_eq(res.len, 3 * 2048);
    ck_assert_uint_eq(res.drqs, 3);
    ck_assert_uint_eq(res.irqs, 4);
    for (int i = 0; i < 3; i++)
        ck_assert(sector_ok(b + i * 2048, 10 + i, 2048));
    /* READ(12), limit 0x1000 (two blocks per DRQ), and a limit smaller than a block */
    uint8_t rd12[12] = {0xA8, 0, 0, 0, 0x03, 0xE0, 0, 0, 0, 5};
    res = atapi(&r, SEC, SEC_C, rd12, 0x1000, b, sizeof b);
    ck_assert_uint_eq(res.len, 5 * 2048);
    ck_assert_uint_eq(res.drqs, 3);
    for (int i = 0; i < 5; i++)
        ck_assert(sector_ok(b + i * 2048, 992 + i, 2048));
    rd[8] = 1;
    res = atapi(&r, SEC, SEC_C, rd, 500, b, sizeof b);
    ck_assert_uint_eq(res.len, 2048);
    ck_assert_uint_eq(res.drqs, 5);
    ck_assert(sector_ok(b, 10, 2048));

    /* past the end: ILLEGAL REQUEST, LBA out of range */
    uint8_t bad[12] = {0x28, 0, 0, 0, 0x03, 0xE7, 0, 0, 2};
    res = atapi(&r, SEC, SEC_C, bad, 2048, b, sizeof b);
    ck_assert_int_eq(res.status, ST_DRDY | ST_DSC | ST_ERR);
    ck_assert_uint_eq(res.error >> 4, 5);
    uint8_t key, asc, ascq;
    request_sense(&r, SEC, SEC_C, &key, &asc, &ascq);
    ck_assert_uint_eq(key, 5);
    ck_assert_uint_eq(asc, 0x21);
    request_sense(&r, SEC, SEC_C, &key, &asc, &ascq);
    ck_assert_uint_eq(key, 0); /* reported once */

    /* an unknown operation code */
    uint8_t unk[12] = {0xFF};
    res = atapi(&r, SEC, SEC_C, unk, 2048, b, sizeof b);
    ck_assert_uint_eq(res.error >> 4, 5);
    request_sense(&r, SEC, SEC_C, &key, &asc, &ascq);
    ck_assert_uint_eq(asc, 0x20);
    rig_free(&r);
}
END_TEST

START_TEST(test_atapi_toc_and_pages)
{
    struct rig r;
    rig_init(&r);
    attach_cd(&r, r.sec, 1, make_image(&r, 1000, 2048));
    select_dev(&r, SEC, 1, 0);
    uint8_t b[4096];

    /* READ TOC format 0, LBA: track 1 at 0, lead-out at 1000 */
    uint8_t toc[12] = {0x43, 0, 0, 0, 0, 0, 0, 0x10, 0};
    struct atapi_result res = atapi(&r, SEC, SEC_C, toc, 0x1000, b, sizeof b);
    ck_assert_uint_eq(res.len, 20);
    ck_assert_uint_eq(b[0] << 8 | b[1], 18);
    ck_assert_uint_eq(b[2], 1);
    ck_assert_uint_eq(b[3], 1);
    ck_assert_uint_eq(b[5], 0x14);
    ck_assert_uint_eq(b[6], 1);
    ck_assert_uint_eq(b[8] << 24 | b[9] << 16 | b[10] << 8 | b[11], 0);
    ck_assert_uint_eq(b[14], 0xAA);
    ck_assert_uint_eq(b[16] << 24 | b[17] << 16 | b[18] << 8 | b[19], 1000);
    /* MSF: track 1 at 00:02:00, lead-out at 1150 frames = 00:15:25 */
    toc[1] = 2;
    res = atapi(&r, SEC, SEC_C, toc, 0x1000, b, sizeof b);
    ck_assert_uint_eq(res.len, 20);
    ck_assert_uint_eq(b[9], 0);
    ck_assert_uint_eq(b[10], 2);
    ck_assert_uint_eq(b[11], 0);
    ck_assert_uint_eq(b[17], 0);
    ck_assert_uint_eq(b[18], 15);
    ck_assert_uint_eq(b[19], 25);
    /* the allocation length truncates */
    toc[8] = 12;
    toc[7] = 0;
    res = atapi(&r, SEC, SEC_C, toc, 0x1000, b, sizeof b);
    ck_assert_uint_eq(res.len, 12);
    /* format 1: session info */
    uint8_t ses[12] = {0x43, 0, 1, 0, 0, 0, 0, 0, 12};
    res = atapi(&r, SEC, SEC_C, ses, 0x1000, b, sizeof b);
    ck_assert_uint_eq(res.len, 12);
    ck_assert_uint_eq(b[1], 10);
    ck_assert_uint_eq(b[6], 1);
    /* format 2: raw TOC, points A0, A1, A2 and 1 */
    uint8_t raw[12] = {0x43, 2, 2, 0, 0, 0, 0, 0x10, 0};
    res = atapi(&r, SEC, SEC_C, raw, 0x1000, b, sizeof b);
    ck_assert_uint_eq(res.len, 4 + 4 * 11);
    ck_assert_uint_eq(b[4 + 3], 0xA0);
    ck_assert_uint_eq(b[4 + 8], 1);
    ck_assert_uint_eq(b[15 + 3], 0xA1);
    ck_assert_uint_eq(b[26 + 3], 0xA2);
    ck_assert_uint_eq(b[26 + 9], 15);
    ck_assert_uint_eq(b[26 + 10], 25);
    ck_assert_uint_eq(b[37 + 3], 0x01);
    ck_assert_uint_eq(b[37 + 9], 2);
    /* old-style format in the control byte (SFF-8020i) */
    uint8_t old[12] = {0x43, 0, 0, 0, 0, 0, 0, 0, 12, 0x40};
    res = atapi(&r, SEC, SEC_C, old, 0x1000, b, sizeof b);
    ck_assert_uint_eq(res.len, 12);
    ck_assert_uint_eq(b[1], 10);

    /* MODE SENSE(10), page 2Ah */
    uint8_t ms[12] = {0x5A, 0, 0x2A, 0, 0, 0, 0, 0, 0x80};
    res = atapi(&r, SEC, SEC_C, ms, 0x1000, b, sizeof b);
    ck_assert_uint_eq(res.len, 28);
    ck_assert_uint_eq(b[0] << 8 | b[1], 26);
    ck_assert_uint_eq(b[2], 0x01); /* 120 mm data disc */
    ck_assert_uint_eq(b[8], 0x2A);
    ck_assert_uint_eq(b[9], 18);
    ck_assert_uint_eq(b[14] & 0x09, 0x09); /* lock and eject supported */
    ck_assert_uint_eq(b[14] & 0x02, 0);    /* not locked */
    /* all pages; saved values are not supported */
    ms[2] = 0x3F;
    res = atapi(&r, SEC, SEC_C, ms, 0x1000, b, sizeof b);
    ck_assert_uint_eq(res.len, 8 + 8 + 16 + 20);
    ms[2] = 0xEA;
    res = atapi(&r, SEC, SEC_C, ms, 0x1000, b, sizeof b);
    ck_assert_uint_eq(res.error >> 4, 5);

    /* GET CONFIGURATION: current profile CD-ROM; the profile list */
    uint8_t gc[12] = {0x46, 0, 0, 0, 0, 0, 0, 0x04, 0};
    res = atapi(&r, SEC, SEC_C, gc, 0x1000, b, sizeof b);
    ck_assert_int_eq(res.status & ST_ERR, 0);
    ck_assert_uint_eq(b[6] << 8 | b[7], 0x0008);
    ck_assert_uint_eq(res.len, (b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]) + 4u);
    ck_assert_uint_eq(b[8] << 8 | b[9], 0x0000);
    ck_assert_uint_eq(b[12] << 8 | b[13], 0x0008);
    ck_assert_uint_eq(b[14] & 1, 1);
    gc[1] = 2; /* only feature 0003h */
    gc[3] = 3;
    res = atapi(&r, SEC, SEC_C, gc, 0x1000, b, sizeof b);
    ck_assert_uint_eq(res.len, 16);
    ck_assert_uint_eq(b[9], 0x03);

    /* PREVENT, then eject is refused; ALLOW, eject, TEST UNIT READY says no disc */
    uint8_t prevent[12] = {0x1E, 0, 0, 0, 1};
    res = atapi(&r, SEC, SEC_C, prevent, 0, b, sizeof b);
    ck_assert_int_eq(res.status & ST_ERR, 0);
    ms[2] = 0x2A;
    res = atapi(&r, SEC, SEC_C, ms, 0x1000, b, sizeof b);
    ck_assert_uint_eq(b[14] & 0x02, 0x02);
    uint8_t eject[12] = {0x1B, 0, 0, 0, 0x02};
    res = atapi(&r, SEC, SEC_C, eject, 0, b, sizeof b);
    ck_assert_uint_eq(res.error >> 4, 5);
    uint8_t key, asc, ascq;
    request_sense(&r, SEC, SEC_C, &key, &asc, &ascq);
    ck_assert_uint_eq(asc, 0x53);
    prevent[4] = 0;
    atapi(&r, SEC, SEC_C, prevent, 0, b, sizeof b);
    res = atapi(&r, SEC, SEC_C, eject, 0, b, sizeof b);
    ck_assert_int_eq(res.status & ST_ERR, 0);
    uint8_t tur[12] = {0};
    res = atapi(&r, SEC, SEC_C, tur, 0, b, sizeof b);
    ck_assert_uint_eq(res.error >> 4, 2);
    request_sense(&r, SEC, SEC_C, &key, &asc, &ascq);
    ck_assert_uint_eq(asc, 0x3A);
    ck_assert_uint_eq(ascq, 0x02); /* tray open */
    /* load: the disc is back, with a unit attention */
    eject[4] = 0x03;
    atapi(&r, SEC, SEC_C, eject, 0, b, sizeof b);
    res = atapi(&r, SEC, SEC_C, tur, 0, b, sizeof b);
    ck_assert_uint_eq(res.error >> 4, 6);
    res = atapi(&r, SEC, SEC_C, tur, 0, b, sizeof b);
    ck_assert_int_eq(res.status & ST_ERR, 0);
    rig_free(&r);
}
END_TEST

START_TEST(test_atapi_media_change)
{
    struct rig r;
    rig_init(&r);
    const char *a = make_image(&r, 100, 2048);
    const char *bimg = make_image(&r, 300, 2048);
    attach_cd(&r, r.sec, 0, NULL); /* empty drive */
    uint8_t b[512];
    uint8_t tur[12] = {0}, cap[12] = {0x25};
    uint8_t gesn[12] = {0x4A, 1, 0, 0, 0x10, 0, 0, 0, 8};
    struct atapi_result res = atapi(&r, SEC, SEC_C, tur, 0, b, sizeof b);
    ck_assert_uint_eq(res.error >> 4, 2);
    uint8_t key, asc, ascq;
    request_sense(&r, SEC, SEC_C, &key, &asc, &ascq);
    ck_assert_uint_eq(key, 2);
    ck_assert_uint_eq(asc, 0x3A);
    ck_assert_uint_eq(ascq, 0x01);
    res = atapi(&r, SEC, SEC_C, gesn, 0x100, b, sizeof b);
    ck_assert_uint_eq(res.len, 8);
    ck_assert_uint_eq(b[2], 4);
    ck_assert_uint_eq(b[4], 0);
    ck_assert_uint_eq(b[5] & 2, 0);

    char err[256];
    ck_assert_int_eq(ide_cd_change_media(r.sec, 0, "/nonexistent/disc.iso", err, sizeof err), -1);
    ck_assert_str_eq(err, "/nonexistent/disc.iso: No such file or directory");
    ck_assert_int_eq(ide_cd_change_media(r.sec, 0, a, err, sizeof err), 0);
    /* GET EVENT STATUS NOTIFICATION is not blocked by the unit attention */
    res = atapi(&r, SEC, SEC_C, gesn, 0x100, b, sizeof b);
    ck_assert_uint_eq(b[4], 2); /* new media */
    ck_assert_uint_eq(b[5] & 2, 2);
    res = atapi(&r, SEC, SEC_C, gesn, 0x100, b, sizeof b);
    ck_assert_uint_eq(b[4], 0); /* reported once */
    /* the first other command fails with UNIT ATTENTION 28h, once */
    res = atapi(&r, SEC, SEC_C, tur, 0, b, sizeof b);
    ck_assert_int_eq(res.status, ST_DRDY | ST_DSC | ST_ERR);
    ck_assert_uint_eq(res.error, 0x60);
    request_sense(&r, SEC, SEC_C, &key, &asc, &ascq);
    ck_assert_uint_eq(key, 6);
    ck_assert_uint_eq(asc, 0x28);
    ck_assert_uint_eq(ascq, 0);
    res = atapi(&r, SEC, SEC_C, tur, 0, b, sizeof b);
    ck_assert_int_eq(res.status, ST_DRDY | ST_DSC);
    res = atapi(&r, SEC, SEC_C, cap, 0x100, b, sizeof b);
    ck_assert_uint_eq(b[3] | b[2] << 8, 99);

    /* swap discs: unit attention again, then the new capacity */
    ck_assert_int_eq(ide_cd_change_media(r.sec, 0, bimg, err, sizeof err), 0);
    res = atapi(&r, SEC, SEC_C, cap, 0x100, b, sizeof b);
    ck_assert_uint_eq(res.error >> 4, 6);
    ck_assert_uint_eq(res.len, 0);
    res = atapi(&r, SEC, SEC_C, cap, 0x100, b, sizeof b);
    ck_assert_int_eq(res.status & ST_ERR, 0);
    ck_assert_uint_eq(b[3] | b[2] << 8, 299);
    /* eject from the host side: media removal event, NOT READY */
    ck_assert_int_eq(ide_cd_change_media(r.sec, 0, NULL, err, sizeof err), 0);
    res = atapi(&r, SEC, SEC_C, gesn, 0x100, b, sizeof b);
    ck_assert_uint_eq(b[4], 3);
    res = atapi(&r, SEC, SEC_C, cap, 0x100, b, sizeof b);
    ck_assert_uint_eq(res.error >> 4, 2);
    rig_free(&r);
}
END_TEST

START_TEST(test_atapi_disc_removed_mid_read)
{
    struct rig r;
    rig_init(&r);
    attach_cd(&r, r.sec, 0, make_image(&r, 100, 2048));
    char err[256];
    uint8_t b[2048];
    uint8_t tur[12] = {0};
    atapi(&r, SEC, SEC_C, tur, 0, b, sizeof b);
    /* READ(10) of 4 blocks, one per DRQ; the host ejects after the first */
    out8(&r, SEC + R_ERR, 0);
    out8(&r, SEC + R_LBAM, 0x00);
    out8(&r, SEC + R_LBAH, 0x08);
    out8(&r, SEC + R_STATUS, 0xA0);
    wait_ready(&r, SEC_C);
    uint8_t cdb[12] = {0x28, 0, 0, 0, 0, 5, 0, 0, 4};
    write_words(&r, SEC, cdb, 12);
    ck_assert_int_eq(wait_ready(&r, SEC_C) & ST_DRQ, ST_DRQ);
    read_words(&r, SEC, b, 2048);
    ck_assert(sector_ok(b, 5, 2048));
    ck_assert_int_eq(ide_cd_change_media(r.sec, 0, NULL, err, sizeof err), 0);
    uint8_t st = wait_ready(&r, SEC_C);
    ck_assert_int_eq(st & (ST_ERR | ST_DRQ), ST_ERR);
    ck_assert_uint_eq(in8(&r, SEC + R_ERR) >> 4, 2);
    rig_free(&r);
}
END_TEST

/* random register traffic (with a bus master and a PRD table pointing
 * anywhere) must never crash or hang the device model */
START_TEST(test_random_traffic)
{
    struct rig r;
    rig_init(&r);
    attach_disk(&r, r.pri, 0, make_image(&r, 300, 512), BLOCKDEV_SNAPSHOT);
    attach_cd(&r, r.pri, 1, make_image(&r, 50, 2048));
    attach_cd(&r, r.sec, 0, make_image(&r, 50, 2048));
    rig_piix(&r);
    static const uint16_t ports[] = {PRI,     PRI + 1,   PRI + 2,   PRI + 3,   PRI + 4,    PRI + 5,   PRI + 6,
                                     PRI + 7, PRI_C,     SEC,       SEC + 2,   SEC + 6,    SEC + 7,   SEC_C,
                                     BMIDE,   BMIDE + 2, BMIDE + 4, BMIDE + 8, BMIDE + 10, BMIDE + 12};
    uint32_t x = 12345;
    for (int i = 0; i < 200000; i++) {
        x = x * 1103515245u + 12345u;
        uint32_t v = x >> 8;
        uint16_t port = ports[(x >> 24) % (sizeof ports / sizeof ports[0])];
        unsigned size = (v & 3) == 3 ? 4 : (v & 3) == 2 ? 2 : 1;
        if (v & 0x10000) {
            uint32_t val = v >> 4;
            if (port == PRI + 7 || port == SEC + 7) /* favour real commands */
                val = (uint32_t[]){0x20, 0x30, 0xC8, 0xCA, 0xA0, 0xA1, 0xEC, 0x90, 0x08, 0xC4}[(v >> 5) % 10];
            if (port == BMIDE + 4 || port == BMIDE + 12)
                val &= 0x000FFFFC;
            bus_out(r.bus, port, val, size);
        } else {
            bus_in(r.bus, port, size);
        }
        if ((v & 0xF) == 0)
            run(&r, (v >> 4) % (200 * US));
    }
    rig_free(&r);
}
END_TEST

/* ---- bus master DMA ---- */

static void prd(struct rig *r, uint32_t at, uint32_t addr, uint32_t count, bool eot)
{
    physmem_write(&r->mem, at, addr, 4);
    physmem_write(&r->mem, at + 4, (count & 0xFFFF) | (eot ? 0x80000000u : 0), 4);
}

static bool mem_sector_ok(struct rig *r, uint32_t addr, uint64_t lba, unsigned bs)
{
    uint8_t b[2048];
    for (unsigned i = 0; i < bs; i++)
        b[i] = (uint8_t)physmem_read(&r->mem, addr + i, 1);
    return sector_ok(b, lba, bs);
}

START_TEST(test_dma_read_write)
{
    struct rig r;
    rig_init(&r);
    const char *img = make_image(&r, 2016, 512);
    attach_disk(&r, r.pri, 0, img, 0);
    rig_piix(&r);
    ck_assert_uint_eq(pci_config_read(r.pci, 0, 0x09, 0, 4), 0x70108086u);
    ck_assert_uint_eq(pci_config_read(r.pci, 0, 0x09, 0x08, 4) >> 8, 0x010180u);
    ck_assert_uint_eq(pci_config_read(r.pci, 0, 0x09, 0x20, 4), BMIDE | 1u);
    ck_assert_uint_eq(pci_config_read(r.pci, 0, 0x09, 0x10, 4), 0); /* BARs 0-3 unused */

    /* READ DMA of 3 sectors into two regions; command first, then start (Linux order) */
    prd(&r, 0x1000, 0x2000, 1024, false);
    prd(&r, 0x1008, 0x8000, 512, true);
    bus_out(r.bus, BMIDE + 4, 0x1000, 4);
    bus_out(r.bus, BMIDE, 0x08, 1); /* direction: to memory */
    bus_out(r.bus, BMIDE + 2, 0x06, 1);
    ata_cmd28(&r, PRI, 0xC8, 20, 3);
    run(&r, 100 * US);
    ck_assert_int_eq(in8(&r, PRI_C), ST_DRDY | ST_DSC | ST_DRQ); /* waits for the bus master */
    ck_assert_int_eq(r.p14.level, 0);
    bus_out(r.bus, BMIDE, 0x09, 1); /* start */
    ck_assert_uint_eq(bus_in(r.bus, BMIDE + 2, 1) & 1, 1);
    ck_assert_int_eq(r.p14.level, 0); /* nothing inside the OUT */
    run(&r, 100 * US);
    ck_assert_int_eq(r.p14.level, 1);
    ck_assert_uint_eq(bus_in(r.bus, BMIDE + 2, 1) & 7, 4); /* interrupt, not active */
    ck_assert(mem_sector_ok(&r, 0x2000, 20, 512));
    ck_assert(mem_sector_ok(&r, 0x2200, 21, 512));
    ck_assert(mem_sector_ok(&r, 0x8000, 22, 512));
    bus_out(r.bus, BMIDE, 0x08, 1); /* stop */
    ck_assert_int_eq(in8(&r, PRI + R_STATUS), ST_DRDY | ST_DSC);
    bus_out(r.bus, BMIDE + 2, 0x04, 1); /* clear the interrupt bit */
    ck_assert_uint_eq(bus_in(r.bus, BMIDE + 2, 1), 0);

    /* WRITE DMA EXT: engine started first (the other order) */
    for (unsigned i = 0; i < 1024; i++)
        physmem_write(&r.mem, 0x3000 + i, (uint8_t)(i * 5 + 1), 1);
    prd(&r, 0x1000, 0x3000, 1024, true);
    bus_out(r.bus, BMIDE, 0x00, 1);
    bus_out(r.bus, BMIDE, 0x01, 1);
    ata_cmd48(&r, PRI, 0x35, 500, 2);
    run(&r, 100 * US);
    ck_assert_int_eq(in8(&r, PRI + R_STATUS), ST_DRDY | ST_DSC);
    ck_assert_uint_eq(bus_in(r.bus, BMIDE + 2, 1) & 7, 4);
    bus_out(r.bus, BMIDE, 0x00, 1);
    uint8_t f[1024];
    file_read(img, 500 * 512, f, sizeof f);
    for (unsigned i = 0; i < 1024; i++)
        ck_assert_uint_eq(f[i], (uint8_t)(i * 5 + 1));

    /* a PRD table larger than the transfer: interrupt with active still set */
    bus_out(r.bus, BMIDE + 2, 0x04, 1);
    prd(&r, 0x1000, 0x4000, 4096, true);
    bus_out(r.bus, BMIDE, 0x08, 1);
    ata_cmd28(&r, PRI, 0xC8, 40, 1);
    bus_out(r.bus, BMIDE, 0x09, 1);
    run(&r, 100 * US);
    ck_assert_uint_eq(bus_in(r.bus, BMIDE + 2, 1) & 7, 5);
    ck_assert(mem_sector_ok(&r, 0x4000, 40, 512));
    bus_out(r.bus, BMIDE, 0x08, 1);
    ck_assert_uint_eq(bus_in(r.bus, BMIDE + 2, 1) & 7, 4);
    in8(&r, PRI + R_STATUS);

    /* a PRD table too small: active clears without an interrupt and the
     * device keeps DRQ; restarting with the rest completes */
    bus_out(r.bus, BMIDE + 2, 0x04, 1);
    prd(&r, 0x1000, 0x5000, 512, true);
    ata_cmd28(&r, PRI, 0xC8, 60, 2);
    bus_out(r.bus, BMIDE, 0x09, 1);
    run(&r, 100 * US);
    ck_assert_uint_eq(bus_in(r.bus, BMIDE + 2, 1) & 7, 0);
    ck_assert_int_eq(r.p14.level, 0);
    ck_assert_int_eq(in8(&r, PRI_C), ST_DRDY | ST_DSC | ST_DRQ);
    bus_out(r.bus, BMIDE, 0x08, 1);
    prd(&r, 0x1000, 0x6000, 512, true);
    bus_out(r.bus, BMIDE, 0x09, 1);
    run(&r, 100 * US);
    ck_assert_uint_eq(bus_in(r.bus, BMIDE + 2, 1) & 7, 4);
    ck_assert(mem_sector_ok(&r, 0x5000, 60, 512));
    ck_assert(mem_sector_ok(&r, 0x6000, 61, 512));
    ck_assert_int_eq(in8(&r, PRI + R_STATUS), ST_DRDY | ST_DSC);
    bus_out(r.bus, BMIDE, 0x08, 1);

    /* without PCI bus mastering enabled nothing moves */
    pci_config_write(r.pci, 0, 0x09, PCI_COMMAND, PCI_CMD_IO, 2);
    bus_out(r.bus, BMIDE + 2, 0x04, 1);
    prd(&r, 0x1000, 0x7000, 512, true);
    physmem_write(&r.mem, 0x7000, 0xDEADBEEF, 4);
    ata_cmd28(&r, PRI, 0xC8, 70, 1);
    bus_out(r.bus, BMIDE, 0x09, 1);
    run(&r, 100 * US);
    ck_assert_uint_eq(physmem_read(&r.mem, 0x7000, 4), 0xDEADBEEF);
    ck_assert_int_eq(in8(&r, PRI_C), ST_DRDY | ST_DSC | ST_DRQ);
    pci_config_write(r.pci, 0, 0x09, PCI_COMMAND, PCI_CMD_IO | PCI_CMD_MASTER, 2);
    bus_out(r.bus, BMIDE, 0x08, 1);
    bus_out(r.bus, BMIDE, 0x09, 1);
    run(&r, 100 * US);
    ck_assert(mem_sector_ok(&r, 0x7000, 70, 512));
    ck_assert_int_eq(in8(&r, PRI + R_STATUS), ST_DRDY | ST_DSC);
    rig_free(&r);
}
END_TEST

START_TEST(test_dma_atapi_and_secondary)
{
    struct rig r;
    rig_init(&r);
    attach_cd(&r, r.sec, 0, make_image(&r, 100, 2048));
    rig_piix(&r);
    /* secondary bus master at BAR4 + 8: READ(10) of 2 blocks by DMA */
    prd(&r, 0x1000, 0x10000, 4096, true);
    bus_out(r.bus, BMIDE + 8 + 4, 0x1000, 4);
    bus_out(r.bus, BMIDE + 8, 0x08, 1);
    out8(&r, SEC + R_ERR, 0x01); /* DMA */
    out8(&r, SEC + R_STATUS, 0xA0);
    wait_ready(&r, SEC_C);
    uint8_t cdb[12] = {0x28, 0, 0, 0, 0, 42, 0, 0, 2};
    write_words(&r, SEC, cdb, 12);
    bus_out(r.bus, BMIDE + 8, 0x09, 1);
    run(&r, 200 * US);
    ck_assert_int_eq(r.p15.level, 1);
    ck_assert_int_eq(r.p14.rises, 0);
    ck_assert_uint_eq(bus_in(r.bus, BMIDE + 10, 1) & 7, 4);
    ck_assert_uint_eq(bus_in(r.bus, BMIDE + 2, 1) & 7, 0); /* the primary's is untouched */
    ck_assert_int_eq(in8(&r, SEC + R_NSECT) & 3, 3);
    ck_assert_int_eq(in8(&r, SEC + R_STATUS), ST_DRDY | ST_DSC);
    ck_assert(mem_sector_ok(&r, 0x10000, 42, 2048));
    ck_assert(mem_sector_ok(&r, 0x10800, 43, 2048));
    rig_free(&r);
}
END_TEST

/* ---- CMOS, blockdev, save state ---- */

struct cmos {
    uint8_t b[128];
    bool set[128];
};

static void cmos_write(void *opaque, int index, uint8_t v)
{
    struct cmos *c = opaque;
    c->b[index] = v;
    c->set[index] = true;
}

START_TEST(test_cmos)
{
    struct rig r;
    rig_init(&r);
    attach_disk(&r, r.pri, 0, make_image(&r, 20 * 16 * 63 + 5, 512), 0);
    attach_disk(&r, r.pri, 1, make_sparse(&r, 2000ull * 16 * 63), 0);
    attach_cd(&r, r.sec, 0, NULL);
    struct ide_chs chs;
    ck_assert_int_eq(ide_cmos_info(r.pri, 0, &chs), 0);
    ck_assert_uint_eq(chs.cylinders, 20);
    ck_assert_uint_eq(chs.heads, 16);
    ck_assert_uint_eq(chs.sectors, 63);
    ck_assert_int_eq(ide_cmos_info(r.sec, 0, &chs), -1);
    ck_assert_int_eq(ide_cmos_info(r.sec, 1, &chs), -1);
    struct cmos c;
    memset(&c, 0, sizeof c);
    ide_cmos_fill(r.pri, r.sec, cmos_write, &c);
    ck_assert_uint_eq(c.b[0x12], 0xFF);
    ck_assert_uint_eq(c.b[0x19], 47);
    ck_assert_uint_eq(c.b[0x1A], 47);
    ck_assert_uint_eq(c.b[0x1B] | c.b[0x1C] << 8, 20);
    ck_assert_uint_eq(c.b[0x1D], 16);
    ck_assert_uint_eq(c.b[0x1E] | c.b[0x1F] << 8, 0xFFFF);
    ck_assert_uint_eq(c.b[0x20], 0xC8);
    ck_assert_uint_eq(c.b[0x21] | c.b[0x22] << 8, 20);
    ck_assert_uint_eq(c.b[0x23], 63);
    ck_assert_uint_eq(c.b[0x24] | c.b[0x25] << 8, 2000);
    ck_assert_uint_eq(c.b[0x2C], 63);
    ck_assert_uint_eq(c.b[0x39], 0x04); /* slave > 1024 cylinders: LBA translation */
    rig_free(&r);

    /* an MBR partitioned with 8 heads x 32 sectors gives that geometry */
    rig_init(&r);
    const char *img = make_sparse(&r, 100 * 8 * 32);
    uint8_t mbr[512] = {0};
    mbr[446 + 4] = 0x06;
    mbr[446 + 5] = 7;         /* end head */
    mbr[446 + 6] = 32 | 0xC0; /* end sector, cylinder bits */
    mbr[446 + 7] = 99;
    mbr[510] = 0x55;
    mbr[511] = 0xAA;
    int fd = open(img, O_WRONLY);
    ck_assert_int_eq(pwrite(fd, mbr, 512, 0), 512);
    close(fd);
    attach_disk(&r, r.pri, 0, img, 0);
    ck_assert_int_eq(ide_cmos_info(r.pri, 0, &chs), 0);
    ck_assert_uint_eq(chs.heads, 8);
    ck_assert_uint_eq(chs.sectors, 32);
    ck_assert_uint_eq(chs.cylinders, 100);
    memset(&c, 0, sizeof c);
    ide_cmos_fill(r.pri, NULL, cmos_write, &c);
    ck_assert_uint_eq(c.b[0x12], 0xF0);
    ck_assert(!c.set[0x1A]);
    ck_assert_uint_eq(c.b[0x20], 0xC0);
    ck_assert_uint_eq(c.b[0x39], 0);
    rig_free(&r);
}
END_TEST

START_TEST(test_blockdev)
{
    char err[256];
    ck_assert_ptr_null(blockdev_open("/nonexistent/disk.img", 0, err, sizeof err));
    ck_assert_str_eq(err, "/nonexistent/disk.img: No such file or directory");
    struct rig r;
    rig_init(&r);
    const char *img = make_image(&r, 16, 512);
    struct blockdev *bd = blockdev_open(img, 0, err, sizeof err);
    ck_assert_ptr_nonnull(bd);
    ck_assert_uint_eq(blockdev_size(bd), 16 * 512);
    ck_assert_uint_eq(blockdev_sectors(bd, 2048), 4);
    /* a second writer is refused */
    ck_assert_ptr_null(blockdev_open(img, 0, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "in use"));
    uint8_t b[1024];
    ck_assert_int_eq(blockdev_read(bd, 15 * 512, b, 1024), -EINVAL);
    memset(b, 0x11, 300);
    ck_assert_int_eq(blockdev_write(bd, 1000, b, 300), 0);
    ck_assert_int_eq(blockdev_flush(bd), 0);
    blockdev_close(bd);
    uint8_t f[300];
    file_read(img, 1000, f, 300);
    ck_assert_mem_eq(f, b, 300);

    /* snapshot: unaligned writes across sectors are read back, never written */
    bd = blockdev_open(img, BLOCKDEV_SNAPSHOT, err, sizeof err);
    ck_assert_ptr_nonnull(bd);
    struct blockdev *ro = blockdev_open(img, BLOCKDEV_READ_ONLY, err, sizeof err); /* shared */
    ck_assert_ptr_nonnull(ro);
    ck_assert_int_eq(blockdev_write(ro, 0, b, 1), -EROFS);
    memset(b, 0x77, 700);
    ck_assert_int_eq(blockdev_write(bd, 2000, b, 700), 0);
    uint8_t rb[1024], orig[1024];
    ck_assert_int_eq(blockdev_read(bd, 1900, rb, 1024), 0);
    file_read(img, 1900, orig, 1024);
    ck_assert_mem_eq(rb, orig, 100);
    for (int i = 100; i < 800; i++)
        ck_assert_uint_eq(rb[i], 0x77);
    ck_assert_mem_eq(rb + 800, orig + 800, 224);
    for (int i = 0; i < 2000; i++) /* grow the overlay */
        ck_assert_int_eq(blockdev_write(bd, (uint64_t)(i % 16) * 512 + (unsigned)i % 300, b, 2), 0);
    blockdev_close(bd);
    blockdev_close(ro);
    file_read(img, 1900, rb, 1024);
    ck_assert_mem_eq(rb, orig, 1024);
    rig_free(&r);
}
END_TEST

/* copy the fields a vmstate description names from one object to another */
static void vmstate_copy(const struct vmstate_desc *desc, void *dst, const void *src)
{
    for (const struct vmstate_field *f = desc->fields; f->name; f++)
        memcpy((uint8_t *)dst + f->offset, (const uint8_t *)src + f->offset, f->size * f->count);
}

START_TEST(test_save_restore_mid_transfer)
{
    struct rig a, b;
    rig_init(&a);
    rig_init(&b);
    const char *img = make_image(&a, 100, 512);
    attach_disk(&a, a.pri, 0, img, BLOCKDEV_SNAPSHOT);
    attach_disk(&b, b.pri, 0, img, BLOCKDEV_SNAPSHOT);
    /* names are unique */
    for (const struct vmstate_field *f = ide_channel_vmstate.fields; f->name; f++)
        for (const struct vmstate_field *g = f + 1; g->name; g++)
            ck_assert_str_ne(f->name, g->name);
    ata_cmd28(&a, PRI, 0x20, 50, 3);
    wait_ready(&a, PRI_C);
    uint8_t buf[512];
    read_words(&a, PRI, buf, 200); /* part of the first sector */
    vmstate_copy(&ide_channel_vmstate, b.pri, a.pri);
    ide_channel_post_load(b.pri);
    ck_assert_int_eq(b.p14.level, a.p14.level);
    read_words(&b, PRI, buf + 200, 312);
    ck_assert(sector_ok(buf, 50, 512));
    for (int s = 1; s < 3; s++) {
        wait_ready(&b, PRI_C);
        read_words(&b, PRI, buf, 512);
        ck_assert(sector_ok(buf, 50 + s, 512));
    }
    ck_assert_int_eq(in8(&b, PRI_C), ST_DRDY | ST_DSC);
    rig_free(&b);
    rig_free(&a);
}
END_TEST

static Suite *ide_suite(void)
{
    Suite *s = suite_create("ide");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_identify_disk);
    tcase_add_test(tc, test_identify_large_disk);
    tcase_add_test(tc, test_pio_read_write);
    tcase_add_test(tc, test_snapshot_and_read_only);
    tcase_add_test(tc, test_read_write_multiple);
    tcase_add_test(tc, test_lba48);
    tcase_add_test(tc, test_read_past_end);
    tcase_add_test(tc, test_interrupts_and_nien);
    tcase_add_test(tc, test_soft_reset);
    tcase_add_test(tc, test_atapi_basic);
    tcase_add_test(tc, test_atapi_toc_and_pages);
    tcase_add_test(tc, test_atapi_media_change);
    tcase_add_test(tc, test_atapi_disc_removed_mid_read);
    tcase_add_test(tc, test_dma_read_write);
    tcase_add_test(tc, test_dma_atapi_and_secondary);
    tcase_add_test(tc, test_cmos);
    tcase_add_test(tc, test_blockdev);
    tcase_add_test(tc, test_save_restore_mid_transfer);
    tcase_add_test(tc, test_random_traffic);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(ide_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
