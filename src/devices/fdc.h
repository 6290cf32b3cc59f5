/* fdc.h - Intel 82077AA floppy disk controller in PC AT mode, with two
 * drives (A: and B:) backed by raw image files.
 *
 * Ports (base = 0x3F0 on a PC): base+2 DOR, base+3 TDR, base+4 MSR (read) /
 * DSR (write), base+5 FIFO, base+7 DIR (read) / CCR (write).  base+6 is not
 * claimed (it is the IDE alternate status port); base+0/1 (SRA/SRB, PS/2
 * modes only) read 0xFF.  INT goes to irq6 and data moves through one DMA
 * channel (2 on a PC) or, after SPECIFY with ND=1, through the FIFO (PIO).
 * In PC AT mode DOR bit 3 gates both the INT and the DRQ outputs.
 *
 * Seeks, data commands and READ ID finish after short virtual-time delays on
 * the timer queue; register-only commands (VERSION, DUMPREG, SENSE ...)
 * answer at once, as the chip does within microseconds.
 *
 * Media: the geometry comes from the image size - 160K, 180K, 320K, 360K
 * (40 cylinders), 720K, 1.2M, 1.44M, 1.6M, 1.68M (DMF), 1.72M, 2.88M - all
 * with 512-byte sectors.  A drive gets its type (the CMOS nibble) from the
 * first image inserted unless the board set one with fdc_set_drive_type(). */
#ifndef DYNAPC_FDC_H
#define DYNAPC_FDC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/bus.h"
#include "devices/dma8237.h"
#include "devices/irq.h"
#include "devices/timer.h"
#include "devices/vmstate.h"

#define FDC_DRIVES 2 /* drives 2 and 3 of the chip are not connected */

/* drive types as CMOS byte 0x10 encodes them (one nibble per drive) */
enum fdc_drive_type {
    FDC_DRIVE_NONE = 0,
    FDC_DRIVE_360K = 1,  /* 5.25" double density */
    FDC_DRIVE_1_2M = 2,  /* 5.25" high density */
    FDC_DRIVE_720K = 3,  /* 3.5" double density */
    FDC_DRIVE_1_44M = 4, /* 3.5" high density */
    FDC_DRIVE_2_88M = 5, /* 3.5" extra density */
};

struct fdc;

/* irq6 may be NULL; dma may be NULL (then only PIO transfers work). */
struct fdc *fdc_new(struct bus *bus, uint16_t base, const struct irq_line *irq6, struct dma8237 *dma,
                    int dma_channel, struct timerq *tq);
void fdc_free(struct fdc *fdc);
/* Board reset: the controller comes up as a PC BIOS leaves it after POST
 * (DOR = 0x0C: running, DMA and INT enabled, no interrupt pending - SeaBIOS
 * relies on this), data rate 250 kb/s, SPECIFY/CONFIGURE/LOCK/PERPENDICULAR
 * at their power-on values.  Media stay inserted. */
void fdc_reset(struct fdc *fdc);

/* Opens path as the medium of drive 0 or 1 (replacing any).  Returns 0, or
 * -1 with one line in err naming the file and the reason (cannot open,
 * unknown image size). */
int fdc_insert(struct fdc *fdc, int drive, const char *path, bool read_only, char *err, size_t errlen);
/* the same with BLOCKDEV_* flags (BLOCKDEV_SNAPSHOT: writes go to memory, the image is untouched) */
int fdc_insert_flags(struct fdc *fdc, int drive, const char *path, unsigned flags, char *err, size_t errlen);
void fdc_eject(struct fdc *fdc, int drive);
bool fdc_has_media(const struct fdc *fdc, int drive);

/* Declares a drive before (or without) media; insert then keeps this type. */
void fdc_set_drive_type(struct fdc *fdc, int drive, enum fdc_drive_type type);
/* The drive's CMOS type nibble (enum fdc_drive_type); 0 = no drive. */
int fdc_cmos_type(const struct fdc *fdc, int drive);

/* Bochs' FDC semantics, which the Bochs BIOS (rombios) depends on: it reads
 * without programming the data rate and without seeking first.  When on,
 * every rate reads every medium, and data commands seek to their cylinder
 * as if CONFIGURE had set EIS (QEMU has the first half as the isa-fdc
 * property check_media_rate=off).  A wiring choice, not saved state. */
void fdc_set_lenient(struct fdc *fdc, bool on);

/* After the fields of fdc_vmstate were restored (and the media re-inserted
 * by the board): re-arm the pending events, re-drive INT and DRQ. */
void fdc_post_load(struct fdc *fdc);

extern const struct vmstate_desc fdc_vmstate;

#endif
