/* test_fdc.c - the 82077AA floppy controller driven through its ports as a
 * BIOS or driver would: commands through the FIFO with the MSR handshake,
 * interrupts on a probe line, data through the 8237 (channel 2) into guest
 * RAM or through the FIFO, on a manual clock, with generated images. */
#include "devices/fdc.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/bus.h"
#include "devices/dma8237.h"
#include "devices/physmem.h"
#include "devices/timer.h"

#define FDC_DOR  0x3F2
#define FDC_MSR  0x3F4
#define FDC_DSR  0x3F4
#define FDC_FIFO 0x3F5
#define FDC_DIR  0x3F7
#define FDC_CCR  0x3F7

#define SIZE_1440K 1474560u
#define BUF_ADDR   0x10000u /* DMA buffer: page 1, offset 0 */

struct probe {
    int level, rises;
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
    struct dma8237 *dma;
    struct fdc *fdc;
    struct probe irq;
    char dir[64];
    char path[4][128];
};

/* ---- images ---- */

static uint8_t pattern(uint32_t seed, uint32_t lba, unsigned i)
{
    return (uint8_t)((lba * 131u + i * 7u + seed * 29u) ^ (i >> 8));
}

static void make_image(const char *path, uint32_t size, uint32_t seed)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    uint8_t s[512];
    for (uint32_t lba = 0; lba < size / 512; lba++) {
        for (unsigned i = 0; i < 512; i++)
            s[i] = pattern(seed, lba, i);
        ck_assert_uint_eq(fwrite(s, 1, 512, f), 512);
    }
    ck_assert_int_eq(fclose(f), 0);
}

static void read_image_sector(const char *path, uint32_t lba, uint8_t *out)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fseek(f, (long)lba * 512, SEEK_SET), 0);
    ck_assert_uint_eq(fread(out, 1, 512, f), 512);
    fclose(f);
}

static bool sector_is(const uint8_t *p, uint32_t seed, uint32_t lba)
{
    for (unsigned i = 0; i < 512; i++)
        if (p[i] != pattern(seed, lba, i))
            return false;
    return true;
}

/* 1.44M: 2 heads, 18 sectors */
static uint32_t lba144(int c, int h, int r)
{
    return (uint32_t)((c * 2 + h) * 18 + r - 1);
}

/* ---- rig ---- */

static void rig_init_bare(struct rig *r)
{
    memset(r, 0, sizeof *r);
    r->bus = bus_new();
    r->tq = timerq_new(CLOCK_MANUAL);
    ck_assert_ptr_nonnull(r->bus);
    ck_assert_ptr_nonnull(r->tq);
    ck_assert_int_eq(physmem_init(&r->mem, r->bus, 2u << 20), 0);
    r->dma = dma8237_new(r->bus, &r->mem);
    ck_assert_ptr_nonnull(r->dma);
    /* the BIOS sets DMA2 channel 4 to cascade and unmasks it */
    bus_out(r->bus, 0xD6, 0xC0, 1);
    bus_out(r->bus, 0xD4, 0x00, 1);
    struct irq_line line = irq_line_make(probe_set, &r->irq, 6);
    r->fdc = fdc_new(r->bus, 0x3F0, &line, r->dma, 2, r->tq);
    ck_assert_ptr_nonnull(r->fdc);
    strcpy(r->dir, "/tmp/dynapc-fdc-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(r->dir));
    for (int i = 0; i < 4; i++)
        snprintf(r->path[i], sizeof r->path[i], "%s/img%d", r->dir, i);
}

static void rig_free(struct rig *r)
{
    fdc_free(r->fdc);
    dma8237_free(r->dma);
    physmem_destroy(&r->mem);
    timerq_free(r->tq);
    bus_free(r->bus);
    for (int i = 0; i < 4; i++)
        unlink(r->path[i]);
    rmdir(r->dir);
}

static void out(struct rig *r, uint16_t port, uint8_t v)
{
    bus_out(r->bus, port, v, 1);
}

static uint8_t in(struct rig *r, uint16_t port)
{
    return (uint8_t)bus_in(r->bus, port, 1);
}

static void advance_us(struct rig *r, unsigned us)
{
    timerq_advance(r->tq, (uint64_t)us * 1000);
}

static void wait_irq(struct rig *r)
{
    for (int i = 0; i < 200000 && !r->irq.level; i++)
        advance_us(r, 1);
    ck_assert_msg(r->irq.level, "no interrupt from the FDC");
}

/* one command byte: the controller must be asking for it */
static void put(struct rig *r, uint8_t v)
{
    ck_assert_uint_eq(in(r, FDC_MSR) & 0xC0, 0x80);
    out(r, FDC_FIFO, v);
}

static void command(struct rig *r, int n, const uint8_t *bytes)
{
    for (int i = 0; i < n; i++)
        put(r, bytes[i]);
}

#define CMD(r, ...)                                                                                          \
    do {                                                                                                     \
        const uint8_t cmd_[] = {__VA_ARGS__};                                                                \
        command((r), (int)sizeof cmd_, cmd_);                                                                \
    } while (0)

/* reads result bytes while the MSR offers them */
static int result(struct rig *r, uint8_t *res, int max)
{
    int n = 0;
    while ((in(r, FDC_MSR) & 0xC0) == 0xC0 && n < max)
        res[n++] = in(r, FDC_FIFO);
    return n;
}

static void sense_interrupt(struct rig *r, uint8_t *st0, uint8_t *pcn)
{
    uint8_t res[2] = {0, 0};
    CMD(r, 0x08);
    ck_assert_int_eq(result(r, res, 2), 2);
    *st0 = res[0];
    *pcn = res[1];
}

/* DOR reset and the four SENSE INTERRUPT STATUS polls, 500 kb/s */
static void controller_up(struct rig *r)
{
    out(r, FDC_DOR, 0x00);
    out(r, FDC_DOR, 0x1C); /* motor A, DMA+INT enabled, out of reset, drive 0 */
    out(r, FDC_CCR, 0x00);
    wait_irq(r);
    for (int d = 0; d < 4; d++) {
        uint8_t st0, pcn;
        sense_interrupt(r, &st0, &pcn);
        ck_assert_uint_eq(st0, 0xC0 | d);
    }
    CMD(r, 0x03, 0xDF, 0x02); /* SPECIFY: DMA mode */
}

static void seek(struct rig *r, int drive, int cyl)
{
    CMD(r, 0x0F, (uint8_t)drive, (uint8_t)cyl);
    wait_irq(r);
    uint8_t st0, pcn;
    sense_interrupt(r, &st0, &pcn);
    ck_assert_uint_eq(st0, 0x20 | drive);
    ck_assert_uint_eq(pcn, cyl);
}

/* channel 2 as a BIOS programs it: mode, address, page, count - 1 */
static void dma_setup(struct rig *r, uint8_t mode, uint32_t addr, unsigned bytes)
{
    out(r, 0x0A, 0x06);
    out(r, 0x0C, 0);
    out(r, 0x0B, mode);
    out(r, 0x04, addr & 0xFF);
    out(r, 0x04, (addr >> 8) & 0xFF);
    out(r, 0x81, (uint8_t)(addr >> 16));
    out(r, 0x05, (bytes - 1) & 0xFF);
    out(r, 0x05, ((bytes - 1) >> 8) & 0xFF);
    out(r, 0x0A, 0x02);
}

#define DMA_TO_MEM   0x46 /* single, write (device -> memory), channel 2 */
#define DMA_FROM_MEM 0x4A /* single, read (memory -> device), channel 2 */

/* a 9-byte data command, then its interrupt and 7 result bytes */
static void data_command(struct rig *r, uint8_t op, int drive, int head, int c, int h, int sec, int eot,
                         uint8_t dtl, uint8_t *res)
{
    CMD(r, op, (uint8_t)(head << 2 | drive), (uint8_t)c, (uint8_t)h, (uint8_t)sec, 2, (uint8_t)eot, 0x1B,
        dtl);
    wait_irq(r);
    ck_assert_int_eq(result(r, res, 7), 7);
    ck_assert_uint_eq(in(r, FDC_MSR), 0x80);
    ck_assert_int_eq(r->irq.level, 0);
}

static void rig_init_144(struct rig *r)
{
    char err[256];
    rig_init_bare(r);
    make_image(r->path[0], SIZE_1440K, 1);
    ck_assert_int_eq(fdc_insert(r->fdc, 0, r->path[0], false, err, sizeof err), 0);
    controller_up(r);
}

#define ASSERT_RES(res, s0, s1, s2, c, h, rr, n)                                                             \
    do {                                                                                                     \
        ck_assert_uint_eq((res)[0], (s0));                                                                   \
        ck_assert_uint_eq((res)[1], (s1));                                                                   \
        ck_assert_uint_eq((res)[2], (s2));                                                                   \
        ck_assert_uint_eq((res)[3], (c));                                                                    \
        ck_assert_uint_eq((res)[4], (h));                                                                    \
        ck_assert_uint_eq((res)[5], (rr));                                                                   \
        ck_assert_uint_eq((res)[6], (n));                                                                    \
    } while (0)

/* ---- tests ---- */

START_TEST(test_reset_and_sense_interrupt)
{
    struct rig r;
    rig_init_bare(&r);
    /* after a board reset: running, DMA and INT enabled, nothing pending */
    ck_assert_uint_eq(in(&r, FDC_DOR), 0x0C);
    ck_assert_uint_eq(in(&r, FDC_MSR), 0x80);
    advance_us(&r, 1000);
    ck_assert_int_eq(r.irq.level, 0);
    out(&r, FDC_DOR, 0x08);
    ck_assert_uint_eq(in(&r, FDC_MSR), 0x00); /* held in reset */
    out(&r, FDC_DOR, 0x0C);
    ck_assert_uint_eq(in(&r, FDC_MSR), 0x80);
    ck_assert_int_eq(r.irq.level, 0); /* the interrupt comes later, not inside the OUT */
    wait_irq(&r);
    uint8_t st0, pcn;
    sense_interrupt(&r, &st0, &pcn);
    ck_assert_uint_eq(st0, 0xC0);
    ck_assert_uint_eq(pcn, 0);
    ck_assert_int_eq(r.irq.level, 0);
    for (int d = 1; d < 4; d++) {
        sense_interrupt(&r, &st0, &pcn);
        ck_assert_uint_eq(st0, 0xC0 | d);
    }
    uint8_t res[2];
    CMD(&r, 0x08); /* nothing pending: invalid */
    ck_assert_int_eq(result(&r, res, 2), 1);
    ck_assert_uint_eq(res[0], 0x80);

    /* DSR software reset: the same sequence */
    out(&r, FDC_DSR, 0x80);
    wait_irq(&r);
    sense_interrupt(&r, &st0, &pcn);
    ck_assert_uint_eq(st0, 0xC0);

    /* DOR bit 3 gates INT in PC AT mode */
    out(&r, FDC_DOR, 0x00);
    out(&r, FDC_DOR, 0x04);
    advance_us(&r, 1000);
    ck_assert_int_eq(r.irq.level, 0);
    out(&r, FDC_DOR, 0x0C);
    ck_assert_int_eq(r.irq.level, 1);
    sense_interrupt(&r, &st0, &pcn);
    ck_assert_uint_eq(st0, 0xC0);
    ck_assert_int_eq(r.irq.level, 0);
    /* SRA/SRB do not exist in PC AT mode; 0x3F6 belongs to IDE */
    ck_assert_uint_eq(in(&r, 0x3F0), 0xFF);
    ck_assert_ptr_null(bus_owner(r.bus, BUS_IO, 0x3F6));
    rig_free(&r);
}
END_TEST

START_TEST(test_version_invalid_and_registers)
{
    struct rig r;
    rig_init_bare(&r);
    controller_up(&r);
    uint8_t res[10];
    CMD(&r, 0x10);
    ck_assert_uint_eq(in(&r, FDC_MSR), 0xD0); /* result phase at once */
    ck_assert_int_eq(result(&r, res, 10), 1);
    ck_assert_uint_eq(res[0], 0x90);
    ck_assert_int_eq(r.irq.level, 0);
    CMD(&r, 0x00);
    ck_assert_int_eq(result(&r, res, 10), 1);
    ck_assert_uint_eq(res[0], 0x80);

    /* SPECIFY, CONFIGURE, PERPENDICULAR MODE as DUMPREG shows them */
    CMD(&r, 0x03, 0xAF, 0x02);
    ck_assert_uint_eq(in(&r, FDC_MSR), 0x80); /* no result phase */
    CMD(&r, 0x13, 0x00, 0x57, 0x20);
    CMD(&r, 0x12, 0xBF);
    CMD(&r, 0x0E);
    ck_assert_int_eq(result(&r, res, 10), 10);
    const uint8_t want[10] = {0, 0, 0, 0, 0xAF, 0x02, 0, 0x3F, 0x57, 0x20};
    ck_assert_int_eq(memcmp(res, want, 10), 0);
    /* PERPENDICULAR without OW keeps D3-D0 */
    CMD(&r, 0x12, 0x00);
    CMD(&r, 0x0E);
    result(&r, res, 10);
    ck_assert_uint_eq(res[7], 0x3C);

    /* LOCK keeps EFIFO, FIFOTHR and PRETRK over a software reset */
    CMD(&r, 0x94);
    ck_assert_int_eq(result(&r, res, 10), 1);
    ck_assert_uint_eq(res[0], 0x10);
    out(&r, FDC_DSR, 0x80);
    wait_irq(&r);
    CMD(&r, 0x0E);
    result(&r, res, 10);
    ck_assert_uint_eq(res[4], 0xAF); /* SPECIFY survives resets */
    ck_assert_uint_eq(res[7], 0x80 | 0x3C);
    ck_assert_uint_eq(res[8], 0x07); /* EIS and POLL back to defaults, the FIFO settings kept */
    ck_assert_uint_eq(res[9], 0x20);
    CMD(&r, 0x14);
    ck_assert_int_eq(result(&r, res, 10), 1);
    ck_assert_uint_eq(res[0], 0x00);
    out(&r, FDC_DSR, 0x80);
    wait_irq(&r);
    CMD(&r, 0x0E);
    result(&r, res, 10);
    ck_assert_uint_eq(res[8], 0x20); /* default: FIFO disabled */
    ck_assert_uint_eq(res[9], 0x00);
    rig_free(&r);
}
END_TEST

START_TEST(test_seek_and_recalibrate)
{
    struct rig r;
    char err[256];
    rig_init_144(&r);
    make_image(r.path[1], SIZE_1440K, 2);
    ck_assert_int_eq(fdc_insert(r.fdc, 1, r.path[1], false, err, sizeof err), 0);
    uint8_t st0, pcn, res[2];

    CMD(&r, 0x0F, 0x00, 10);
    ck_assert_uint_eq(in(&r, FDC_MSR), 0x81); /* drive 0 busy, controller free */
    ck_assert_int_eq(r.irq.level, 0);
    wait_irq(&r);
    sense_interrupt(&r, &st0, &pcn);
    ck_assert_uint_eq(st0, 0x20);
    ck_assert_uint_eq(pcn, 10);
    ck_assert_uint_eq(in(&r, FDC_MSR), 0x80);

    CMD(&r, 0x04, 0x00); /* SENSE DRIVE STATUS off track 0 */
    ck_assert_int_eq(result(&r, res, 2), 1);
    ck_assert_uint_eq(res[0], 0x28);

    CMD(&r, 0x0F, 0x04, 40); /* head 1: ST0's H bit still reads 0 */
    wait_irq(&r);
    sense_interrupt(&r, &st0, &pcn);
    ck_assert_uint_eq(st0, 0x20);
    ck_assert_uint_eq(pcn, 40);

    CMD(&r, 0x07, 0x00);
    wait_irq(&r);
    sense_interrupt(&r, &st0, &pcn);
    ck_assert_uint_eq(st0, 0x20);
    ck_assert_uint_eq(pcn, 0);
    CMD(&r, 0x04, 0x04);
    result(&r, res, 2);
    ck_assert_uint_eq(res[0], 0x3C); /* T0, head 1 */

    CMD(&r, 0xCF, 0x00, 5); /* RELATIVE SEEK in by 5, then out by 2 */
    wait_irq(&r);
    sense_interrupt(&r, &st0, &pcn);
    ck_assert_uint_eq(pcn, 5);
    CMD(&r, 0x8F, 0x00, 2);
    wait_irq(&r);
    sense_interrupt(&r, &st0, &pcn);
    ck_assert_uint_eq(pcn, 3);

    /* no drive 2: RECALIBRATE never sees TRK0 */
    CMD(&r, 0x07, 0x02);
    wait_irq(&r);
    sense_interrupt(&r, &st0, &pcn);
    ck_assert_uint_eq(st0, 0x72);

    /* overlapped seeks on A: and B:, one SENSE INTERRUPT each */
    CMD(&r, 0x0F, 0x00, 20);
    CMD(&r, 0x0F, 0x01, 30);
    ck_assert_uint_eq(in(&r, FDC_MSR), 0x83);
    advance_us(&r, 2000);
    sense_interrupt(&r, &st0, &pcn);
    ck_assert_uint_eq(st0, 0x20);
    ck_assert_uint_eq(pcn, 20);
    ck_assert_uint_eq(in(&r, FDC_MSR), 0x82);
    sense_interrupt(&r, &st0, &pcn);
    ck_assert_uint_eq(st0, 0x21);
    ck_assert_uint_eq(pcn, 30);
    CMD(&r, 0x08);
    ck_assert_int_eq(result(&r, res, 2), 1);
    ck_assert_uint_eq(res[0], 0x80);
    rig_free(&r);
}
END_TEST

START_TEST(test_read_dma)
{
    struct rig r;
    rig_init_144(&r);
    seek(&r, 0, 1);
    uint8_t res[7];
    dma_setup(&r, DMA_TO_MEM, BUF_ADDR, 2 * 512);
    CMD(&r, 0xE6, 0x04, 1, 1, 3, 2, 18, 0x1B, 0xFF);
    ck_assert_uint_eq(in(&r, FDC_MSR), 0x10); /* execution, DMA mode */
    wait_irq(&r);
    ck_assert_int_eq(result(&r, res, 7), 7);
    ASSERT_RES(res, 0x04, 0, 0, 1, 1, 5, 2);
    ck_assert(sector_is(r.mem.ram + BUF_ADDR, 1, lba144(1, 1, 3)));
    ck_assert(sector_is(r.mem.ram + BUF_ADDR + 512, 1, lba144(1, 1, 4)));
    ck_assert_uint_eq(in(&r, 0x08) & 0x04, 0x04); /* DMA TC on channel 2 */

    /* TC exactly at EOT: C+1, R=1 (MT=0) */
    dma_setup(&r, DMA_TO_MEM, BUF_ADDR, 512);
    data_command(&r, 0x46, 0, 0, 1, 0, 18, 18, 0xFF, res);
    ASSERT_RES(res, 0x00, 0, 0, 2, 0, 1, 2);
    ck_assert(sector_is(r.mem.ram + BUF_ADDR, 1, lba144(1, 0, 18)));
    rig_free(&r);
}
END_TEST

START_TEST(test_read_errors)
{
    struct rig r;
    rig_init_144(&r);
    seek(&r, 0, 1);
    uint8_t res[7];
    /* end of cylinder before TC: abnormal termination, EN */
    dma_setup(&r, DMA_TO_MEM, BUF_ADDR, 4 * 512);
    data_command(&r, 0x46, 0, 0, 1, 0, 17, 18, 0xFF, res);
    ASSERT_RES(res, 0x40, 0x80, 0, 2, 0, 1, 2);
    ck_assert(sector_is(r.mem.ram + BUF_ADDR + 512, 1, lba144(1, 0, 18)));
    ck_assert_uint_eq(dma8237_current_count(r.dma, 2), 2 * 512 - 1);
    /* no such sector */
    data_command(&r, 0x46, 0, 0, 1, 0, 19, 19, 0xFF, res);
    ASSERT_RES(res, 0x40, 0x04, 0, 1, 0, 19, 2);
    /* head is on cylinder 1, the command says 5 (no implied seek): ND + wrong cylinder */
    data_command(&r, 0x46, 0, 0, 5, 0, 1, 18, 0xFF, res);
    ASSERT_RES(res, 0x40, 0x04, 0x10, 5, 0, 1, 2);
    /* wrong data rate (250 kb/s for an HD disk): no address marks */
    out(&r, FDC_CCR, 0x02);
    data_command(&r, 0x46, 0, 0, 1, 0, 1, 18, 0xFF, res);
    ASSERT_RES(res, 0x40, 0x01, 0, 1, 0, 1, 2);
    out(&r, FDC_CCR, 0x00);
    /* drive B: has no disk */
    data_command(&r, 0x46, 1, 0, 0, 0, 1, 18, 0xFF, res);
    ck_assert_uint_eq(res[0], 0x41);
    ck_assert_uint_eq(res[1], 0x01);
    rig_free(&r);
}
END_TEST

START_TEST(test_multitrack)
{
    struct rig r;
    rig_init_144(&r);
    seek(&r, 0, 1);
    uint8_t res[7];
    dma_setup(&r, DMA_TO_MEM, BUF_ADDR, 4 * 512);
    data_command(&r, 0xC6, 0, 0, 1, 0, 17, 18, 0xFF, res);
    ASSERT_RES(res, 0x04, 0, 0, 1, 1, 3, 2); /* ended on head 1 */
    ck_assert(sector_is(r.mem.ram + BUF_ADDR + 0 * 512, 1, lba144(1, 0, 17)));
    ck_assert(sector_is(r.mem.ram + BUF_ADDR + 1 * 512, 1, lba144(1, 0, 18)));
    ck_assert(sector_is(r.mem.ram + BUF_ADDR + 2 * 512, 1, lba144(1, 1, 1)));
    ck_assert(sector_is(r.mem.ram + BUF_ADDR + 3 * 512, 1, lba144(1, 1, 2)));
    /* table 5-6: MT, TC at EOT on head 0 -> C, H^1, R=1; on head 1 -> C+1, H^1, R=1 */
    dma_setup(&r, DMA_TO_MEM, BUF_ADDR, 512);
    data_command(&r, 0xC6, 0, 0, 1, 0, 18, 18, 0xFF, res);
    ASSERT_RES(res, 0x00, 0, 0, 1, 1, 1, 2);
    dma_setup(&r, DMA_TO_MEM, BUF_ADDR, 512);
    data_command(&r, 0xC6, 0, 1, 1, 1, 18, 18, 0xFF, res);
    ASSERT_RES(res, 0x04, 0, 0, 2, 0, 1, 2);
    /* MT on head 1 past EOT: end of cylinder */
    dma_setup(&r, DMA_TO_MEM, BUF_ADDR, 4 * 512);
    data_command(&r, 0xC6, 0, 1, 1, 1, 18, 18, 0xFF, res);
    ASSERT_RES(res, 0x44, 0x80, 0, 2, 0, 1, 2);
    rig_free(&r);
}
END_TEST

START_TEST(test_pio_read_and_write)
{
    struct rig r;
    rig_init_144(&r);
    CMD(&r, 0x03, 0xDF, 0x03); /* SPECIFY: non-DMA */
    uint8_t res[7], data[512];
    CMD(&r, 0x46, 0x00, 0, 0, 1, 2, 1, 0x1B, 0xFF);
    wait_irq(&r); /* INT asks for the data */
    for (int i = 0; i < 512; i++) {
        ck_assert_uint_eq(in(&r, FDC_MSR), 0xF0); /* RQM DIO NDMA CB */
        data[i] = in(&r, FDC_FIFO);
    }
    ck_assert_int_eq(r.irq.level, 0);
    ck_assert(sector_is(data, 1, 0));
    ck_assert_uint_eq(in(&r, FDC_MSR) & 0x80, 0); /* no more data */
    wait_irq(&r);
    ck_assert_int_eq(result(&r, res, 7), 7);
    ASSERT_RES(res, 0x40, 0x80, 0, 1, 0, 1, 2); /* no TC in PIO mode: EN at EOT */

    /* two sectors: an interrupt per sector */
    CMD(&r, 0x46, 0x00, 0, 0, 5, 2, 6, 0x1B, 0xFF);
    for (int s = 0; s < 2; s++) {
        wait_irq(&r);
        for (int i = 0; i < 512; i++)
            data[i] = in(&r, FDC_FIFO);
        ck_assert(sector_is(data, 1, (uint32_t)(4 + s)));
    }
    wait_irq(&r);
    ck_assert_int_eq(result(&r, res, 7), 7);
    ASSERT_RES(res, 0x40, 0x80, 0, 1, 0, 1, 2);

    CMD(&r, 0x45, 0x00, 0, 0, 2, 2, 2, 0x1B, 0xFF);
    wait_irq(&r);
    for (int i = 0; i < 512; i++) {
        ck_assert_uint_eq(in(&r, FDC_MSR), 0xB0); /* RQM NDMA CB, host -> FDC */
        out(&r, FDC_FIFO, (uint8_t)(i * 3 + 1));
    }
    wait_irq(&r);
    ck_assert_int_eq(result(&r, res, 7), 7);
    ASSERT_RES(res, 0x40, 0x80, 0, 1, 0, 1, 2);
    read_image_sector(r.path[0], 1, data);
    for (int i = 0; i < 512; i++)
        ck_assert_uint_eq(data[i], (uint8_t)(i * 3 + 1));
    read_image_sector(r.path[0], 2, data);
    ck_assert(sector_is(data, 1, 2));
    rig_free(&r);
}
END_TEST

START_TEST(test_write_dma_and_write_protect)
{
    struct rig r;
    char err[256];
    rig_init_144(&r);
    seek(&r, 0, 2);
    for (int i = 0; i < 1024; i++)
        r.mem.ram[BUF_ADDR + i] = (uint8_t)(i ^ 0x5A);
    uint8_t res[7], s[512];
    dma_setup(&r, DMA_FROM_MEM, BUF_ADDR, 1024);
    data_command(&r, 0xC5, 0, 1, 2, 1, 5, 18, 0xFF, res);
    ASSERT_RES(res, 0x04, 0, 0, 2, 1, 7, 2);
    read_image_sector(r.path[0], lba144(2, 1, 5), s);
    ck_assert_int_eq(memcmp(s, r.mem.ram + BUF_ADDR, 512), 0);
    read_image_sector(r.path[0], lba144(2, 1, 6), s);
    ck_assert_int_eq(memcmp(s, r.mem.ram + BUF_ADDR + 512, 512), 0);
    read_image_sector(r.path[0], lba144(2, 1, 7), s);
    ck_assert(sector_is(s, 1, lba144(2, 1, 7)));
    /* read back through the controller */
    memset(r.mem.ram + 0x20000, 0, 512);
    dma_setup(&r, DMA_TO_MEM, 0x20000, 512);
    data_command(&r, 0x46, 0, 1, 2, 1, 6, 18, 0xFF, res);
    ck_assert_uint_eq(res[0], 0x04);
    ck_assert_int_eq(memcmp(r.mem.ram + 0x20000, r.mem.ram + BUF_ADDR + 512, 512), 0);

    /* TC inside a sector: the rest of the sector is written as zeros */
    dma_setup(&r, DMA_FROM_MEM, BUF_ADDR, 100);
    data_command(&r, 0x45, 0, 0, 2, 0, 1, 18, 0xFF, res);
    ASSERT_RES(res, 0x00, 0, 0, 2, 0, 2, 2);
    read_image_sector(r.path[0], lba144(2, 0, 1), s);
    ck_assert_int_eq(memcmp(s, r.mem.ram + BUF_ADDR, 100), 0);
    ck_assert_uint_eq(s[100], 0);
    ck_assert_uint_eq(s[511], 0);

    /* read-only medium in B: */
    make_image(r.path[1], SIZE_1440K, 2);
    ck_assert_int_eq(fdc_insert(r.fdc, 1, r.path[1], true, err, sizeof err), 0);
    seek(&r, 1, 0);
    dma_setup(&r, DMA_FROM_MEM, BUF_ADDR, 512);
    data_command(&r, 0x45, 1, 0, 0, 0, 1, 18, 0xFF, res);
    ASSERT_RES(res, 0x41, 0x02, 0, 0, 0, 1, 2);
    read_image_sector(r.path[1], 0, s);
    ck_assert(sector_is(s, 2, 0));
    CMD(&r, 0x04, 0x01);
    ck_assert_int_eq(result(&r, res, 7), 1);
    ck_assert_uint_eq(res[0], 0x79); /* WP, T0, drive 1 */
    CMD(&r, 0x04, 0x00);
    result(&r, res, 7);
    ck_assert_uint_eq(res[0] & 0x40, 0);
    rig_free(&r);
}
END_TEST

START_TEST(test_read_id)
{
    struct rig r;
    rig_init_144(&r);
    seek(&r, 0, 5);
    uint8_t res[7];
    CMD(&r, 0x4A, 0x04);
    ck_assert_uint_eq(in(&r, FDC_MSR), 0x10);
    wait_irq(&r);
    ck_assert_int_eq(result(&r, res, 7), 7);
    ck_assert_uint_eq(res[0], 0x04);
    ck_assert_uint_eq(res[1], 0);
    ck_assert_uint_eq(res[3], 5);
    ck_assert_uint_eq(res[4], 1);
    ck_assert_uint_eq(res[6], 2);
    ck_assert(res[5] >= 1 && res[5] <= 18);
    uint8_t first = res[5];
    CMD(&r, 0xEA, 0x04); /* as Linux sends it */
    wait_irq(&r);
    result(&r, res, 7);
    ck_assert_uint_eq(res[5], first % 18 + 1); /* the next sector came round */
    /* after reading sector 9 the next ID is 10 */
    dma_setup(&r, DMA_TO_MEM, BUF_ADDR, 512);
    data_command(&r, 0x46, 0, 0, 5, 0, 9, 18, 0xFF, res);
    CMD(&r, 0x4A, 0x00);
    wait_irq(&r);
    result(&r, res, 7);
    ck_assert_uint_eq(res[5], 10);
    /* wrong rate: missing address mark */
    out(&r, FDC_CCR, 0x01);
    CMD(&r, 0x4A, 0x00);
    wait_irq(&r);
    result(&r, res, 7);
    ck_assert_uint_eq(res[0], 0x40);
    ck_assert_uint_eq(res[1], 0x01);
    rig_free(&r);
}
END_TEST

START_TEST(test_geometry_detection)
{
    static const struct {
        uint32_t size;
        int cmos, cyls, heads, spt, rate;
    } g[] = {
        {163840, 1, 40, 1, 8, 2},   {184320, 1, 40, 1, 9, 2},   {327680, 1, 40, 2, 8, 1},
        {368640, 1, 40, 2, 9, 2},   {737280, 3, 80, 2, 9, 2},   {1228800, 2, 80, 2, 15, 0},
        {1474560, 4, 80, 2, 18, 0}, {1720320, 4, 80, 2, 21, 0}, {2949120, 5, 80, 2, 36, 3},
    };
    for (size_t i = 0; i < sizeof g / sizeof g[0]; i++) {
        struct rig r;
        char err[256];
        uint8_t res[7];
        rig_init_bare(&r);
        make_image(r.path[0], g[i].size, 3);
        ck_assert_int_eq(fdc_cmos_type(r.fdc, 0), 0);
        ck_assert_int_eq(fdc_insert(r.fdc, 0, r.path[0], false, err, sizeof err), 0);
        ck_assert_int_eq(fdc_cmos_type(r.fdc, 0), g[i].cmos);
        controller_up(&r);
        out(&r, FDC_CCR, (uint8_t)g[i].rate);
        int c = g[i].cyls - 1, h = g[i].heads - 1;
        seek(&r, 0, c);
        /* the very last sector of the disk */
        dma_setup(&r, DMA_TO_MEM, BUF_ADDR, 512);
        data_command(&r, 0x46, 0, h, c, h, g[i].spt, g[i].spt, 0xFF, res);
        ck_assert_msg(res[0] == (h << 2), "size %u: ST0 %02x", g[i].size, res[0]);
        uint32_t lba = (uint32_t)((c * g[i].heads + h) * g[i].spt + g[i].spt - 1);
        ck_assert(sector_is(r.mem.ram + BUF_ADDR, 3, lba));
        ck_assert_uint_eq((uint32_t)(lba + 1) * 512, g[i].size);
        /* one sector further on the track does not exist */
        data_command(&r, 0x46, 0, h, c, h, g[i].spt + 1, g[i].spt + 1, 0xFF, res);
        ck_assert_uint_eq(res[1], 0x04);
        /* single-sided media have no side 1 */
        if (g[i].heads == 1) {
            data_command(&r, 0x46, 0, 1, c, 1, 1, g[i].spt, 0xFF, res);
            ck_assert_uint_eq(res[1], 0x01);
        }
        /* no cylinder beyond the last */
        seek(&r, 0, g[i].cyls);
        CMD(&r, 0x4A, 0x00);
        wait_irq(&r);
        result(&r, res, 7);
        ck_assert_uint_eq(res[1], 0x01);
        rig_free(&r);
    }

    struct rig r;
    char err[256];
    rig_init_bare(&r);
    FILE *f = fopen(r.path[0], "wb");
    ck_assert_ptr_nonnull(f);
    fputs("not a floppy", f);
    fclose(f);
    ck_assert_int_eq(fdc_insert(r.fdc, 0, r.path[0], false, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, r.path[0]));
    ck_assert_ptr_nonnull(strstr(err, "unknown floppy image size 12 bytes"));
    ck_assert_ptr_null(strchr(err, '\n'));
    ck_assert_int_eq(fdc_insert(r.fdc, 0, r.path[3], false, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, r.path[3]));
    ck_assert_ptr_nonnull(strstr(err, "No such file"));
    ck_assert_int_eq(fdc_cmos_type(r.fdc, 0), 0);
    ck_assert(!fdc_has_media(r.fdc, 0));
    /* a drive declared by the board keeps its type */
    fdc_set_drive_type(r.fdc, 1, FDC_DRIVE_1_44M);
    make_image(r.path[1], 737280, 1);
    ck_assert_int_eq(fdc_insert(r.fdc, 1, r.path[1], false, err, sizeof err), 0);
    ck_assert_int_eq(fdc_cmos_type(r.fdc, 1), FDC_DRIVE_1_44M);
    rig_free(&r);
}
END_TEST

START_TEST(test_media_change)
{
    struct rig r;
    char err[256];
    rig_init_bare(&r);
    make_image(r.path[0], SIZE_1440K, 1);
    make_image(r.path[1], 737280, 2);
    controller_up(&r);
    ck_assert_uint_eq(in(&r, FDC_DIR), 0x80); /* no disk at power-on */
    ck_assert_int_eq(fdc_insert(r.fdc, 0, r.path[0], false, err, sizeof err), 0);
    ck_assert_uint_eq(in(&r, FDC_DIR), 0x80);
    seek(&r, 0, 0);
    ck_assert_uint_eq(in(&r, FDC_DIR), 0x00); /* a seek with the disk in clears it */
    fdc_eject(r.fdc, 0);
    ck_assert_uint_eq(in(&r, FDC_DIR), 0x80);
    seek(&r, 0, 1);
    ck_assert_uint_eq(in(&r, FDC_DIR), 0x80); /* no disk: stays */
    ck_assert_int_eq(fdc_insert(r.fdc, 0, r.path[1], false, err, sizeof err), 0);
    ck_assert_uint_eq(in(&r, FDC_DIR), 0x80);
    seek(&r, 0, 2);
    ck_assert_uint_eq(in(&r, FDC_DIR), 0x00);
    /* DIR follows the drive the DOR selects */
    out(&r, FDC_DOR, 0x2D); /* drive 1, motor B */
    ck_assert_uint_eq(in(&r, FDC_DIR), 0x80);
    out(&r, FDC_DOR, 0x1C);
    ck_assert_uint_eq(in(&r, FDC_DIR), 0x00);
    rig_free(&r);
}
END_TEST

START_TEST(test_two_drives)
{
    struct rig r;
    char err[256];
    rig_init_144(&r);
    make_image(r.path[1], 737280, 7);
    ck_assert_int_eq(fdc_insert(r.fdc, 1, r.path[1], false, err, sizeof err), 0);
    ck_assert_int_eq(fdc_cmos_type(r.fdc, 0), FDC_DRIVE_1_44M);
    ck_assert_int_eq(fdc_cmos_type(r.fdc, 1), FDC_DRIVE_720K);
    uint8_t res[7];
    seek(&r, 0, 3);
    seek(&r, 1, 4);
    out(&r, FDC_DOR, 0x3D); /* both motors, drive 1 selected */
    out(&r, FDC_CCR, 0x02); /* 250 kb/s for the 720K disk */
    dma_setup(&r, DMA_TO_MEM, BUF_ADDR, 512);
    data_command(&r, 0x46, 1, 1, 4, 1, 9, 9, 0xFF, res);
    ASSERT_RES(res, 0x05, 0, 0, 5, 1, 1, 2);
    ck_assert(sector_is(r.mem.ram + BUF_ADDR, 7, (4 * 2 + 1) * 9 + 8));
    /* at 250 kb/s the HD disk in A: cannot be read */
    data_command(&r, 0x46, 0, 0, 3, 0, 1, 18, 0xFF, res);
    ck_assert_uint_eq(res[1], 0x01);
    out(&r, FDC_DOR, 0x3C);
    out(&r, FDC_CCR, 0x00);
    dma_setup(&r, DMA_TO_MEM, BUF_ADDR, 512);
    data_command(&r, 0x46, 0, 0, 3, 0, 1, 18, 0xFF, res);
    ASSERT_RES(res, 0x00, 0, 0, 3, 0, 2, 2);
    ck_assert(sector_is(r.mem.ram + BUF_ADDR, 1, lba144(3, 0, 1)));
    /* each drive keeps its own cylinder */
    CMD(&r, 0x0E);
    uint8_t d[10];
    ck_assert_int_eq(result(&r, d, 10), 10);
    ck_assert_uint_eq(d[0], 3);
    ck_assert_uint_eq(d[1], 4);
    rig_free(&r);
}
END_TEST

START_TEST(test_implied_seek)
{
    struct rig r;
    rig_init_144(&r);
    CMD(&r, 0x13, 0x00, 0x40 | 0x20, 0x00); /* CONFIGURE: EIS */
    uint8_t res[7], d[10];
    dma_setup(&r, DMA_TO_MEM, BUF_ADDR, 512);
    data_command(&r, 0x46, 0, 0, 7, 0, 1, 18, 0xFF, res);
    ASSERT_RES(res, 0x20, 0, 0, 7, 0, 2, 2); /* SE: the head moved */
    ck_assert(sector_is(r.mem.ram + BUF_ADDR, 1, lba144(7, 0, 1)));
    CMD(&r, 0x0E);
    result(&r, d, 10);
    ck_assert_uint_eq(d[0], 7);
    ck_assert_uint_eq(d[6], 18); /* EOT of the last read */
    /* no interrupt status was left behind by the implied seek */
    CMD(&r, 0x08);
    ck_assert_int_eq(result(&r, d, 2), 1);
    ck_assert_uint_eq(d[0], 0x80);
    rig_free(&r);
}
END_TEST

START_TEST(test_dma_unmasked_late)
{
    struct rig r;
    rig_init_144(&r);
    uint8_t res[7];
    dma_setup(&r, DMA_TO_MEM, BUF_ADDR, 512);
    out(&r, 0x0A, 0x06); /* mask channel 2 again */
    CMD(&r, 0x46, 0x00, 0, 0, 3, 2, 18, 0x1B, 0xFF);
    advance_us(&r, 5000);
    ck_assert_int_eq(r.irq.level, 0);
    ck_assert_uint_eq(in(&r, FDC_MSR), 0x10);
    ck_assert_uint_eq(in(&r, 0x08) & 0x40, 0x40); /* DREQ 2 shows in the DMA status */
    out(&r, 0x0A, 0x02);
    wait_irq(&r);
    ck_assert_int_eq(result(&r, res, 7), 7);
    ASSERT_RES(res, 0x00, 0, 0, 0, 0, 4, 2);
    ck_assert(sector_is(r.mem.ram + BUF_ADDR, 1, lba144(0, 0, 3)));
    ck_assert_uint_eq(in(&r, 0x08) & 0x40, 0x00);
    rig_free(&r);
}
END_TEST

START_TEST(test_format_track)
{
    struct rig r;
    rig_init_144(&r);
    seek(&r, 0, 3);
    for (int s = 0; s < 18; s++) {
        r.mem.ram[BUF_ADDR + 4 * s + 0] = 3;
        r.mem.ram[BUF_ADDR + 4 * s + 1] = 0;
        r.mem.ram[BUF_ADDR + 4 * s + 2] = (uint8_t)(s + 1);
        r.mem.ram[BUF_ADDR + 4 * s + 3] = 2;
    }
    dma_setup(&r, DMA_FROM_MEM, BUF_ADDR, 18 * 4);
    CMD(&r, 0x4D, 0x00, 2, 18, 0x54, 0xF6);
    wait_irq(&r);
    uint8_t res[7], s[512];
    ck_assert_int_eq(result(&r, res, 7), 7);
    ck_assert_uint_eq(res[0], 0x00);
    ck_assert_uint_eq(res[1], 0x00);
    for (int sec = 1; sec <= 18; sec++) {
        read_image_sector(r.path[0], lba144(3, 0, sec), s);
        for (int i = 0; i < 512; i++)
            ck_assert_uint_eq(s[i], 0xF6);
    }
    read_image_sector(r.path[0], lba144(3, 1, 1), s);
    ck_assert(sector_is(s, 1, lba144(3, 1, 1)));
    CMD(&r, 0x0E);
    uint8_t d[10];
    result(&r, d, 10);
    ck_assert_uint_eq(d[6], 18); /* SC of the last FORMAT */
    rig_free(&r);
}
END_TEST

START_TEST(test_verify_and_read_track)
{
    struct rig r;
    rig_init_144(&r);
    uint8_t res[7];
    int writes_before = 0;
    memset(r.mem.ram + BUF_ADDR, 0xEE, 4 * 512);
    /* VERIFY with EC: SC sectors, no data moved */
    CMD(&r, 0x56, 0x80, 0, 0, 1, 2, 18, 0x1B, 5);
    wait_irq(&r);
    ck_assert_int_eq(result(&r, res, 7), 7);
    ASSERT_RES(res, 0x00, 0, 0, 0, 0, 6, 2);
    ck_assert_uint_eq(r.mem.ram[BUF_ADDR], 0xEE);
    /* VERIFY without EC ends normally at EOT */
    CMD(&r, 0x56, 0x00, 0, 0, 17, 2, 18, 0x1B, 0xFF);
    wait_irq(&r);
    result(&r, res, 7);
    ASSERT_RES(res, 0x00, 0, 0, 1, 0, 1, 2);
    /* VERIFY with EC running past EOT: end of cylinder */
    CMD(&r, 0x56, 0x80, 0, 0, 17, 2, 18, 0x1B, 5);
    wait_irq(&r);
    result(&r, res, 7);
    ck_assert_uint_eq(res[0], 0x40);
    ck_assert_uint_eq(res[1], 0x80);
    (void)writes_before;

    /* READ TRACK: sectors from the index on, 3 of them */
    dma_setup(&r, DMA_TO_MEM, BUF_ADDR, 3 * 512);
    data_command(&r, 0x42, 0, 0, 0, 0, 1, 3, 0xFF, res);
    ck_assert_uint_eq(res[0], 0x00);
    ck_assert_uint_eq(res[1], 0x00);
    for (int s = 0; s < 3; s++)
        ck_assert(sector_is(r.mem.ram + BUF_ADDR + 512 * s, 1, (uint32_t)s));

    /* SCAN EQUAL: the third sector scanned matches the host's third block */
    memset(r.mem.ram + BUF_ADDR, 0x00, 2 * 512);
    for (int i = 0; i < 512; i++)
        r.mem.ram[BUF_ADDR + 1024 + i] = pattern(1, lba144(0, 0, 3), (unsigned)i);
    r.mem.ram[BUF_ADDR + 1024 + 9] = 0xFF; /* a don't-care byte */
    dma_setup(&r, DMA_FROM_MEM, BUF_ADDR, 8 * 512);
    data_command(&r, 0x51, 0, 0, 0, 0, 1, 8, 1, res);
    ck_assert_uint_eq(res[0], 0x00);
    ck_assert_uint_eq(res[2], 0x08); /* SH */
    ck_assert_uint_eq(res[5], 3);
    rig_free(&r);
}
END_TEST

START_TEST(test_freedos_boot_sector)
{
    const char *gz = "../shared/tests/images/freedos/freedos-boot-1.4MB.img.gz";
    const char *gz_abs = "/work/shared/tests/images/freedos/freedos-boot-1.4MB.img.gz";
    if (access(gz, R_OK) != 0)
        gz = gz_abs;
    if (access(gz, R_OK) != 0) {
        fprintf(stderr, "test_freedos_boot_sector: %s not found, skipped\n", gz_abs);
        return;
    }
    struct rig r;
    char err[256], cmd[512];
    rig_init_bare(&r);
    snprintf(cmd, sizeof cmd, "gzip -dc '%s' > '%s'", gz, r.path[0]);
    if (system(cmd) != 0) {
        fprintf(stderr, "test_freedos_boot_sector: gzip failed, skipped\n");
        rig_free(&r);
        return;
    }
    ck_assert_int_eq(fdc_insert(r.fdc, 0, r.path[0], true, err, sizeof err), 0);
    ck_assert_int_eq(fdc_cmos_type(r.fdc, 0), FDC_DRIVE_1_44M);
    controller_up(&r);
    seek(&r, 0, 0);
    uint8_t res[7];
    dma_setup(&r, DMA_TO_MEM, 0x7C00, 512);
    data_command(&r, 0x46, 0, 0, 0, 0, 1, 18, 0xFF, res);
    ASSERT_RES(res, 0x00, 0, 0, 0, 0, 2, 2);
    ck_assert_uint_eq(r.mem.ram[0x7C00 + 510], 0x55);
    ck_assert_uint_eq(r.mem.ram[0x7C00 + 511], 0xAA);
    ck_assert_uint_eq(r.mem.ram[0x7C00 + 11] | r.mem.ram[0x7C00 + 12] << 8, 512); /* BPB bytes/sector */
    ck_assert_uint_eq(r.mem.ram[0x7C00 + 24], 18);                                /* BPB sectors/track */
    rig_free(&r);
}
END_TEST

START_TEST(test_vmstate_round_trip)
{
    struct rig r;
    char err[256];
    rig_init_144(&r);
    CMD(&r, 0x03, 0xC1, 0x02);
    seek(&r, 0, 12);
    CMD(&r, 0x0F, 0x00, 30); /* a seek still under way when the state is taken */
    ck_assert_str_eq(fdc_vmstate.name, "fdc");

    struct bus *bus2 = bus_new();
    struct probe p2 = {0, 0};
    struct irq_line l2 = irq_line_make(probe_set, &p2, 6);
    struct fdc *f2 = fdc_new(bus2, 0x3F0, &l2, NULL, 2, r.tq);
    ck_assert_ptr_nonnull(f2);
    /* a copy of the image: the original is locked by the first controller,
     * as images are against a second writer */
    char copy[160], cmd[400];
    snprintf(copy, sizeof copy, "%s.copy", r.path[0]);
    snprintf(cmd, sizeof cmd, "cp %s %s", r.path[0], copy);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_int_eq(fdc_insert(f2, 0, copy, false, err, sizeof err), 0);
    unlink(copy);
    for (const struct vmstate_field *f = fdc_vmstate.fields; f->name; f++)
        memcpy((char *)f2 + f->offset, (char *)r.fdc + f->offset, f->size * f->count);
    fdc_free(r.fdc);
    r.fdc = NULL;
    fdc_post_load(f2);
    ck_assert_uint_eq(bus_in(bus2, FDC_MSR, 1), 0x81);
    for (int i = 0; i < 10000 && !p2.level; i++)
        advance_us(&r, 1);
    ck_assert_int_eq(p2.level, 1);
    bus_out(bus2, FDC_FIFO, 0x08, 1);
    ck_assert_uint_eq(bus_in(bus2, FDC_FIFO, 1), 0x20);
    ck_assert_uint_eq(bus_in(bus2, FDC_FIFO, 1), 30);
    bus_out(bus2, FDC_FIFO, 0x0E, 1);
    uint8_t d[10];
    for (int i = 0; i < 10; i++)
        d[i] = (uint8_t)bus_in(bus2, FDC_FIFO, 1);
    ck_assert_uint_eq(d[0], 30);
    ck_assert_uint_eq(d[4], 0xC1);
    ck_assert_uint_eq(bus_in(bus2, FDC_DIR, 1), 0x00); /* change line state came along */
    fdc_free(f2);
    bus_free(bus2);
    rig_free(&r);
}
END_TEST

/* SeaBIOS's floppy driver, step by step: it finds DOR bit 2 set after the
 * board reset, and on INT 13h AH=00 it toggles bit 2 and reads only ONE
 * interrupt status before RECALIBRATE - whose SENSE INTERRUPT must then
 * report the recalibration, not drive 1's leftover polling status. */
START_TEST(test_seabios_sequence)
{
    struct rig r;
    char err[256];
    uint8_t st0, pcn, res[7];
    rig_init_bare(&r);
    make_image(r.path[0], SIZE_1440K, 1);
    ck_assert_int_eq(fdc_insert(r.fdc, 0, r.path[0], false, err, sizeof err), 0);
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) { /* AH=00: disable, then enable and wait for IRQ6 */
            out(&r, FDC_DOR, in(&r, FDC_DOR) & ~0x04);
            out(&r, FDC_DOR, in(&r, FDC_DOR) | 0x04);
            wait_irq(&r);
            sense_interrupt(&r, &st0, &pcn);
            ck_assert_uint_eq(st0, 0xC0);
        }
        ck_assert_uint_eq(in(&r, FDC_DOR) & 0x04, 0x04);
        out(&r, FDC_DOR, 0x1C);
        CMD(&r, 0x07, 0x00);
        wait_irq(&r);
        sense_interrupt(&r, &st0, &pcn);
        ck_assert_uint_eq(st0, 0x20);
        ck_assert_uint_eq(pcn, 0);
        out(&r, FDC_CCR, 0x00); /* media sense: READ ID at the 1.44M rate */
        CMD(&r, 0x4A, 0x00);
        wait_irq(&r);
        ck_assert_int_eq(result(&r, res, 7), 7);
        ck_assert_uint_eq(res[0] & 0xC0, 0);
        /* read 2 sectors at C0 H1 S17 (EOT = last sector wanted, MT set) */
        dma_setup(&r, DMA_TO_MEM, 0x7C00, 1024);
        data_command(&r, 0xE6, 0, 1, 0, 1, 17, 18, 0xFF, res);
        ASSERT_RES(res, 0x04, 0, 0, 1, 0, 1, 2); /* MT, side 1, TC at EOT: C+1 */
        ck_assert(sector_is(r.mem.ram + 0x7C00, 1, lba144(0, 1, 17)));
        ck_assert(sector_is(r.mem.ram + 0x7C00 + 512, 1, lba144(0, 1, 18)));
    }
    rig_free(&r);
}
END_TEST

static Suite *fdc_suite(void)
{
    Suite *s = suite_create("fdc");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_reset_and_sense_interrupt);
    tcase_add_test(tc, test_version_invalid_and_registers);
    tcase_add_test(tc, test_seek_and_recalibrate);
    tcase_add_test(tc, test_read_dma);
    tcase_add_test(tc, test_read_errors);
    tcase_add_test(tc, test_multitrack);
    tcase_add_test(tc, test_pio_read_and_write);
    tcase_add_test(tc, test_write_dma_and_write_protect);
    tcase_add_test(tc, test_read_id);
    tcase_add_test(tc, test_geometry_detection);
    tcase_add_test(tc, test_media_change);
    tcase_add_test(tc, test_two_drives);
    tcase_add_test(tc, test_implied_seek);
    tcase_add_test(tc, test_dma_unmasked_late);
    tcase_add_test(tc, test_format_track);
    tcase_add_test(tc, test_verify_and_read_track);
    tcase_add_test(tc, test_freedos_boot_sector);
    tcase_add_test(tc, test_vmstate_round_trip);
    tcase_add_test(tc, test_seabios_sequence);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(fdc_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
