/* machine.h - a whole emulated PC: configuration, the objects it owns, and
 * the main loop.  Everything lives in struct machine (no globals), so two
 * machines can exist in one process. */
#ifndef DYNAPC_MACHINE_H
#define DYNAPC_MACHINE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cpu/cpu.h"
#include "devices/irq.h"
#include "devices/physmem.h"

#define MACHINE_MAX_SERIAL 4

struct machine_config {
    uint64_t ram_bytes;
    enum cpu_model cpu_model;
    const char *kernel, *append, *initrd;
    const char *bios;                       /* BIOS image; NULL = the default, bios.bin */
    const char *bios_dir;                   /* -L: where BIOS images are looked up first */
    const char *vga_romfile;                /* -device VGA,romfile=: VGA BIOS; NULL = vgabios-stdvga.bin */
    bool vga_device;                        /* -device VGA was given */
    const char *serial[MACHINE_MAX_SERIAL]; /* chardev specs; NULL = not connected */
    const char *debugcon;                   /* chardev spec or NULL */
    bool debug_exit;
    uint16_t debug_exit_iobase, debug_exit_iosize;
    bool no_reboot;
    unsigned log_mask;
    FILE *log;
    bool print_stats;
    /* drives: image paths, NULL = none */
    const char *fd[2];   /* A:, B: */
    const char *hd[4];   /* primary master/slave, secondary master/slave */
    bool hd_is_cdrom[4]; /* -cdrom / media=cdrom */
    bool hd_readonly[4], fd_readonly[2];
    bool snapshot;      /* writes go to memory, never to the images */
    char boot_order[4]; /* QEMU letters: a floppy, c disk, d CD-ROM; "" = "cad" */
    bool boot_menu;     /* -boot menu=on: the BIOS offers its boot menu (ESC or F12) */
};

struct bus;
struct timerq;
struct chardev;
struct pic;
struct pit;
struct speaker_port;
struct rtc;
struct uart;
struct debugcon;
struct debug_exit;
struct port92;
struct i8042;
struct pci_bus;
struct i440fx;
struct piix3;
struct piix4_pm;
struct fw_cfg;
struct vga;
struct dma8237;
struct fdc;
struct ps2kbd;
struct ide_channel;
struct piix_ide;
struct ps2mouse;

struct machine {
    struct machine_config cfg;
    struct bus *bus;
    struct timerq *tq;
    struct physmem mem;
    struct cpu *cpu;

    /* devices (pc.c wires them) */
    struct pic *pic_master, *pic_slave;
    struct pit *pit;
    struct speaker_port *speaker;
    struct rtc *rtc;
    struct uart *uart[MACHINE_MAX_SERIAL];
    struct chardev *serial_cd[MACHINE_MAX_SERIAL];
    struct debugcon *debugcon;
    struct chardev *debugcon_cd;
    struct debug_exit *debug_exit;
    struct port92 *port92;
    struct i8042 *kbc;
    struct pci_bus *pci;
    struct i440fx *i440fx;
    struct piix3 *piix3;
    struct piix4_pm *pm;
    struct fw_cfg *fw_cfg;
    struct vga *vga;
    struct dma8237 *dma;
    struct fdc *fdc;
    struct ide_channel *ide[2];
    struct piix_ide *piix_ide;
    struct ps2kbd *ps2kbd;
    struct ps2mouse *ps2mouse;
    struct debugcon *fw_debug;       /* the BIOS debug port 0x402 (-d firmware) */
    struct debugcon *fw_debug_bochs; /* the Bochs BIOS's second one, 0x403 */
    struct chardev *fw_debug_cd;

    /* signal lines the board routes */
    struct irq_line isa_irq[16];
    struct irq_line cpu_intr, pic_cascade, a20, reset;

    volatile sig_atomic_t *stop; /* set by a signal handler (main.c): end the run cleanly */
    bool exit_requested;
    int exit_status;
    bool reset_requested;
    double run_seconds;
    bool bochs_bios; /* the BIOS image is the Bochs BIOS (rombios) */
};

/* Builds the machine; on error returns -1 with one line in err. */
int machine_init(struct machine *m, const struct machine_config *cfg, char *err, size_t errlen);
/* Runs until the guest exits (debug-exit, shutdown with -no-reboot); returns the exit status. */
int machine_run(struct machine *m);
/* run for at most `seconds` of host time; true if the guest exited (or a
 * stop was requested) before that, with the status in m->exit_status */
bool machine_run_for(struct machine *m, double seconds);
void machine_destroy(struct machine *m);
void machine_request_exit(struct machine *m, int status);
void machine_request_reset(struct machine *m);
void machine_set_a20(struct machine *m, bool enabled);

/* Looks a firmware image up as QEMU does: a name that holds a '/' or exists
 * as given is used as it is; otherwise the first of -L's directory and the
 * directories of Debian's seabios, vgabios and bochsbios packages that has
 * it.  Returns 0 with the path in out, or -1 (out = name). */
int machine_find_firmware(const struct machine_config *cfg, const char *name, char *out, size_t outlen);
/* the one-line error for a name machine_find_firmware() did not find;
 * what prefixes it ("BIOS ", "-device VGA,romfile=") */
void machine_firmware_missing(const struct machine_config *cfg, const char *what, const char *name, char *err,
                              size_t errlen);

/* pc.c: the board */
int pc_board_init(struct machine *m, char *err, size_t errlen);
void pc_board_reset(struct machine *m);
void pc_board_destroy(struct machine *m);

#endif
