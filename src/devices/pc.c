/* pc.c - the PC board: which devices exist, at which ports, on which IRQ.
 * This is the only file that knows the machine's wiring. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/bus.h"
#include "devices/chardev.h"
#include "devices/debug_exit.h"
#include "devices/debugcon.h"
#include "devices/dma8237.h"
#include "devices/fdc.h"
#include "devices/fw_cfg.h"
#include "devices/i440fx.h"
#include "devices/pci.h"
#include "devices/piix3.h"
#include "devices/piix4_pm.h"
#include "devices/blockdev.h"
#include "devices/i8042.h"
#include "devices/ide.h"
#include "devices/piix_ide.h"
#include "devices/machine.h"
#include "devices/pic.h"
#include "devices/pit.h"
#include "devices/port92.h"
#include "devices/ps2kbd.h"
#include "devices/ps2mouse.h"
#include "devices/rtc.h"
#include "devices/speaker_port.h"
#include "devices/uart.h"
#include "devices/vga.h"

#include <time.h>

static const uint16_t uart_base[MACHINE_MAX_SERIAL] = {0x3F8, 0x2F8, 0x3E8, 0x2E8};
static const int uart_irq[MACHINE_MAX_SERIAL] = {4, 3, 4, 3};

static void isa_irq_set(void *opaque, int n, int level)
{
    struct machine *m = opaque;
    pic_set_irq(n < 8 ? (void *)m->pic_master : (void *)m->pic_slave, n & 7, level);
}

static void a20_set(void *opaque, int n, int level)
{
    (void)n;
    machine_set_a20(opaque, level != 0);
}

static void reset_set(void *opaque, int n, int level)
{
    (void)n;
    if (level)
        machine_request_reset(opaque);
}

static void debug_exit_cb(void *opaque, int status)
{
    machine_request_exit(opaque, status);
}

static void fpu_clear_busy(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    (void)off, (void)v, (void)size;
    struct machine *m = opaque;
    irq_lower(&m->isa_irq[13]);
    cpu_set_ignne(m->cpu, 1);
}

static uint64_t fpu_port_read(void *opaque, uint64_t off, unsigned size)
{
    (void)opaque, (void)off, (void)size;
    return 0xFF;
}

/* port F0h: clear the coprocessor's busy latch (IRQ 13) and let the FPU go on */
static const struct bus_ops fpu_port_ops = {fpu_port_read, fpu_clear_busy, BUS_W8};

static void power_off(void *opaque)
{
    machine_request_exit(opaque, 0); /* ACPI S5: the guest shut the machine down */
}

/* what SeaBIOS reads through fw_cfg: RAM size, CPU count, the e820 map
 * (RAM only; the BIOS reserves its own areas) */
static int fw_cfg_setup(struct machine *m)
{
    struct fw_cfg *f = m->fw_cfg;
    uint8_t e820[20];
    uint64_t len = m->mem.ram_size;
    for (int i = 0; i < 8; i++) {
        e820[i] = 0;                             /* address 0 */
        e820[8 + i] = (uint8_t)(len >> (8 * i)); /* length */
    }
    e820[16] = 1; /* E820_RAM */
    e820[17] = e820[18] = e820[19] = 0;
    return fw_cfg_add_i64(f, FW_CFG_RAM_SIZE, m->mem.ram_size) | fw_cfg_add_i16(f, FW_CFG_NB_CPUS, 1) |
           fw_cfg_add_i16(f, FW_CFG_MAX_CPUS, 1) | fw_cfg_add_i16(f, FW_CFG_NOGRAPHIC, 0) |
           fw_cfg_add_i16(f, FW_CFG_BOOT_MENU, m->cfg.boot_menu) |
           fw_cfg_add_file(f, "etc/e820", e820, sizeof e820);
}

/* CMOS bytes the BIOS and DOS read for memory sizes (IBM AT tech ref, CMOS map) */
static void cmos_memory_sizes(struct machine *m)
{
    uint64_t ext_kb = m->mem.ram_size > (1u << 20) ? (m->mem.ram_size - (1u << 20)) / 1024 : 0;
    if (ext_kb > 0xFFFF)
        ext_kb = 0xFFFF;
    rtc_cmos_write(m->rtc, 0x15, 640 & 0xFF);
    rtc_cmos_write(m->rtc, 0x16, 640 >> 8);
    rtc_cmos_write(m->rtc, 0x17, (uint8_t)ext_kb);
    rtc_cmos_write(m->rtc, 0x18, (uint8_t)(ext_kb >> 8));
    rtc_cmos_write(m->rtc, 0x30, (uint8_t)ext_kb);
    rtc_cmos_write(m->rtc, 0x31, (uint8_t)(ext_kb >> 8));
    uint64_t above16 = m->mem.ram_size > (16u << 20) ? (m->mem.ram_size - (16u << 20)) >> 16 : 0;
    if (above16 > 0xFFFF)
        above16 = 0xFFFF;
    rtc_cmos_write(m->rtc, 0x34, (uint8_t)above16);
    rtc_cmos_write(m->rtc, 0x35, (uint8_t)(above16 >> 8));
}

/* Boot order for the BIOS: CMOS 3Dh holds the first two devices (low
 * nibble first), 38h bits 7:4 the third, with 1 = floppy, 2 = hard disk,
 * 3 = CD-ROM.  SeaBIOS and the Bochs BIOS read these; bit 0 of 38h clear
 * keeps the floppy boot-signature check.  Bit 0 of 3Fh set is the Bochs
 * BIOS's "fast boot": no F12 boot menu prompt (SeaBIOS's comes from fw_cfg). */
static void cmos_boot_order(struct machine *m)
{
    const char *order = m->cfg.boot_order[0] ? m->cfg.boot_order : "cad";
    uint8_t code[3] = {0, 0, 0};
    for (int i = 0; i < 3 && order[i]; i++)
        code[i] = order[i] == 'a' ? 1 : order[i] == 'c' ? 2 : order[i] == 'd' ? 3 : 0;
    rtc_cmos_write(m->rtc, 0x3D, (uint8_t)(code[0] | (code[1] << 4)));
    rtc_cmos_write(m->rtc, 0x38, (uint8_t)(code[2] << 4));
    rtc_cmos_write(m->rtc, 0x3F, m->cfg.boot_menu ? 0x00 : 0x01);
}

/* An ISA option ROM: the file read-only at base, in whole 4 KB pages */
static int map_option_rom(struct machine *m, const char *path, uint32_t base, char *err, size_t errlen)
{
    enum { MAX_ROM = 0x20000 };
    uint8_t *data = calloc(1, MAX_ROM);
    FILE *f = data ? fopen(path, "rb") : NULL;
    size_t n = f ? fread(data, 1, MAX_ROM, f) : 0;
    bool too_big = f && !feof(f);
    if (f)
        fclose(f);
    const char *why = !data                                         ? "out of memory"
                      : !f                                          ? strerror(errno)
                      : too_big                                     ? "larger than 128 KB"
                      : n < 3 || data[0] != 0x55 || data[1] != 0xAA ? "not an option ROM (no 55 AA signature)"
                                                                    : NULL;
    if (!why && physmem_add_rom(&m->mem, base, data, (n + 0xFFF) & ~(size_t)0xFFF, "option ROM"))
        why = "no room for another ROM";
    free(data);
    if (why)
        snprintf(err, errlen, "VGA BIOS %s: %s", path, why);
    return why ? -1 : 0;
}

static void cmos_write_cb(void *opaque, int index, uint8_t value)
{
    rtc_cmos_write(opaque, index, value);
}

/* IDE: two legacy channels (1F0h/3F6h on IRQ 14, 170h/376h on IRQ 15) with
 * master and slave each, behind the PIIX3 IDE function at 01.1 (bus master) */
static int ide_setup(struct machine *m, char *err, size_t errlen)
{
    m->ide[0] = ide_channel_new(m->bus, 0x1F0, 0x3F6, &m->isa_irq[14], m->tq);
    m->ide[1] = ide_channel_new(m->bus, 0x170, 0x376, &m->isa_irq[15], m->tq);
    if (!m->ide[0] || !m->ide[1]) {
        snprintf(err, errlen, "cannot create the IDE channels: %s", bus_error(m->bus));
        return -1;
    }
    static const char *const flag[4] = {"-hda", "-hdb", "-hdc", "-hdd"};
    for (int i = 0; i < 4; i++) {
        if (!m->cfg.hd[i])
            continue;
        char why[256];
        bool cd = m->cfg.hd_is_cdrom[i];
        unsigned fl = cd || m->cfg.hd_readonly[i] ? BLOCKDEV_READ_ONLY : 0;
        if (m->cfg.snapshot && !cd)
            fl |= BLOCKDEV_SNAPSHOT;
        struct blockdev *bd = blockdev_open(m->cfg.hd[i], fl, why, sizeof why);
        int r = bd ? (cd ? ide_attach_cdrom(m->ide[i / 2], i & 1, bd, why, sizeof why)
                         : ide_attach_disk(m->ide[i / 2], i & 1, bd, why, sizeof why))
                   : -1;
        if (r) {
            if (bd)
                blockdev_close(bd);
            snprintf(err, errlen, "%s %s", cd ? "-cdrom" : flag[i], why);
            return -1;
        }
    }
    m->piix_ide = piix_ide_new(m->pci, 0x09, m->ide[0], m->ide[1], &m->mem);
    if (!m->piix_ide) {
        snprintf(err, errlen, "cannot create the PIIX3 IDE function: %s", pci_bus_error(m->pci));
        return -1;
    }
    ide_cmos_fill(m->ide[0], m->ide[1], cmos_write_cb, m->rtc);
    return 0;
}

int pc_board_init(struct machine *m, char *err, size_t errlen)
{
    struct bus *bus = m->bus;
    for (int i = 0; i < 16; i++)
        m->isa_irq[i] = irq_line_make(isa_irq_set, m, i);
    m->a20 = irq_line_make(a20_set, m, 0);
    m->reset = irq_line_make(reset_set, m, 0);

    /* 8259A pair: slave INT on master IR2, ELCR at 0x4D0/0x4D1 */
    m->pic_master = pic_new(bus, 0x20, 0x4D0, &m->cpu_intr, "pic-master");
    m->pic_cascade = irq_line_make(pic_set_irq, m->pic_master, 2);
    m->pic_slave = pic_new(bus, 0xA0, 0x4D1, &m->pic_cascade, "pic-slave");
    pic_set_cascade(m->pic_master, 2, m->pic_slave);

    m->pit = pit_new(bus, 0x40, m->tq, &m->isa_irq[0]);
    m->speaker = speaker_port_new(bus, m->pit, m->tq);
    m->rtc = rtc_new(bus, 0x70, m->tq, &m->isa_irq[8], (int64_t)time(NULL));
    m->kbc = i8042_new(bus, &m->a20, &m->reset, &m->isa_irq[1], &m->isa_irq[12]);
    m->port92 = port92_new(bus, &m->a20, &m->reset);
    if (bus_map(bus, BUS_IO, 0xF0, 1, &fpu_port_ops, m, "fpu-busy")) {
        snprintf(err, errlen, "cannot map port F0h: %s", bus_error(bus));
        return -1;
    }
    m->ps2kbd = m->kbc ? ps2kbd_new(m->kbc, m->tq) : NULL;
    m->ps2mouse = m->kbc ? ps2mouse_new(m->kbc, m->tq) : NULL;
    if (!m->pic_master || !m->pic_slave || !m->pit || !m->speaker || !m->rtc || !m->kbc || !m->port92 ||
        !m->ps2kbd || !m->ps2mouse) {
        snprintf(err, errlen, "cannot create the PC devices: %s", bus_error(bus));
        return -1;
    }
    cmos_memory_sizes(m);
    cmos_boot_order(m);

    /* the PCI side: i440FX host bridge at 00.0, PIIX3 at 01.0, PIIX4 PM at 01.3 (SCI on IRQ 9) */
    m->pci = pci_bus_new(bus);
    m->i440fx = m->pci ? i440fx_new(bus, m->pci, &m->mem, &m->reset) : NULL;
    m->piix3 = m->i440fx ? piix3_new(m->pci, 0x08, m->isa_irq) : NULL;
    m->pm = m->piix3 ? piix4_pm_new(bus, m->pci, 0x0B, m->tq, &m->isa_irq[9], power_off, m) : NULL;
    m->fw_cfg = m->pm ? fw_cfg_new(bus, 0x510) : NULL;
    if (!m->fw_cfg || fw_cfg_setup(m)) {
        snprintf(err, errlen, "cannot create the PCI chipset: %s%s", bus_error(bus),
                 m->pci ? pci_bus_error(m->pci) : "");
        return -1;
    }
    /* VGA with the Bochs VBE interface at 00:02.0, its BIOS (SeaVGABIOS unless
     * -device VGA,romfile= says otherwise) in the ROM BAR.  The Bochs BIOS
     * gets the VGA BIOS as an ISA option ROM at C0000h instead, as Bochs
     * loads it: it copies PCI ROMs to C0000h only with memory decoding off,
     * when a ROM BAR does not answer (PCI 3.0 6.2.5.2), and then finds no
     * VGA BIOS; its scan of C0000h-DFFFFh finds an ISA one. */
    char vgabios[1024];
    const char *rom = m->cfg.vga_romfile ? m->cfg.vga_romfile : "vgabios-stdvga.bin";
    if (!m->cfg.kernel && machine_find_firmware(&m->cfg, rom, vgabios, sizeof vgabios)) {
        machine_firmware_missing(&m->cfg, m->cfg.vga_romfile ? "-device VGA,romfile=" : "VGA BIOS ", rom, err,
                                 errlen);
        return -1;
    }
    bool isa_rom = m->bochs_bios && !m->cfg.kernel;
    m->vga = vga_new(bus, m->pci, 0x10, m->tq, m->cfg.kernel || isa_rom ? NULL : vgabios, err, errlen);
    if (!m->vga || (isa_rom && map_option_rom(m, vgabios, 0xC0000, err, errlen)))
        return -1;
    /* 8237 pair and the 82077AA floppy controller (IRQ 6, DMA channel 2) */
    m->dma = dma8237_new(bus, &m->mem);
    m->fdc = m->dma ? fdc_new(bus, 0x3F0, &m->isa_irq[6], m->dma, 2, m->tq) : NULL;
    if (!m->fdc) {
        snprintf(err, errlen, "cannot create the DMA and floppy controllers: %s", bus_error(bus));
        return -1;
    }
    /* the Bochs BIOS reads floppies without setting the data rate or seeking */
    fdc_set_lenient(m->fdc, m->bochs_bios);
    int nfloppies = 0;
    for (int i = 0; i < 2; i++) {
        if (!m->cfg.fd[i])
            continue;
        char why[256];
        unsigned fl =
            (m->cfg.fd_readonly[i] ? BLOCKDEV_READ_ONLY : 0) | (m->cfg.snapshot ? BLOCKDEV_SNAPSHOT : 0);
        if (fdc_insert_flags(m->fdc, i, m->cfg.fd[i], fl, why, sizeof why) < 0) {
            snprintf(err, errlen, "-fd%c %s", 'a' + i, why);
            return -1;
        }
        nfloppies++;
    }
    /* CMOS 10h: drive types (A: high nibble); 14h: equipment, bit 0 = floppies present,
     * bits 7-6 = number of floppy drives - 1 (IBM AT technical reference, CMOS map) */
    rtc_cmos_write(m->rtc, 0x10, (uint8_t)(fdc_cmos_type(m->fdc, 0) << 4 | fdc_cmos_type(m->fdc, 1)));
    uint8_t equip = rtc_cmos_read(m->rtc, 0x14) & 0x3E;
    if (nfloppies)
        equip |= (uint8_t)(1 | ((nfloppies - 1) << 6));
    rtc_cmos_write(m->rtc, 0x14, equip | 0x06); /* 06h: display and keyboard present, as QEMU sets */
    if (ide_setup(m, err, errlen))
        return -1;
    if (m->cfg.log_mask & LOG_FIRMWARE) {
        m->fw_debug_cd = chardev_from_fd(fileno(m->cfg.log));
        m->fw_debug = m->fw_debug_cd ? debugcon_new(bus, 0x402, m->fw_debug_cd) : NULL;
        if (m->bochs_bios && m->fw_debug_cd) /* its BX_DEBUG port */
            m->fw_debug_bochs = debugcon_new(bus, 0x403, m->fw_debug_cd);
    }

    for (int i = 0; i < MACHINE_MAX_SERIAL; i++) {
        if (!m->cfg.serial[i])
            continue;
        char why[256];
        m->serial_cd[i] = chardev_open(m->cfg.serial[i], why, sizeof why);
        if (!m->serial_cd[i]) {
            snprintf(err, errlen, "-serial %s", why);
            return -1;
        }
        char name[8];
        snprintf(name, sizeof name, "com%d", i + 1);
        m->uart[i] = uart_new(bus, uart_base[i], m->tq, &m->isa_irq[uart_irq[i]], m->serial_cd[i], name);
        if (!m->uart[i]) {
            snprintf(err, errlen, "-serial: cannot map %s: %s", name, bus_error(bus));
            return -1;
        }
    }
    if (m->cfg.debugcon) {
        char why[256];
        m->debugcon_cd = chardev_open(m->cfg.debugcon, why, sizeof why);
        if (!m->debugcon_cd) {
            snprintf(err, errlen, "-debugcon %s", why);
            return -1;
        }
        m->debugcon = debugcon_new(bus, 0xE9, m->debugcon_cd);
        if (!m->debugcon) {
            snprintf(err, errlen, "-debugcon: %s", bus_error(bus));
            return -1;
        }
    }
    if (m->cfg.debug_exit) {
        m->debug_exit =
            debug_exit_new(bus, m->cfg.debug_exit_iobase, m->cfg.debug_exit_iosize, debug_exit_cb, m);
        if (!m->debug_exit) {
            snprintf(err, errlen, "-device isa-debug-exit: %s", bus_error(bus));
            return -1;
        }
    }
    return 0;
}

void pc_board_reset(struct machine *m)
{
    i440fx_reset(m->i440fx);
    piix3_reset(m->piix3);
    piix4_pm_reset(m->pm);
    vga_reset(m->vga);
    dma8237_reset(m->dma);
    fdc_reset(m->fdc);
    ide_channel_reset(m->ide[0]);
    ide_channel_reset(m->ide[1]);
    piix_ide_reset(m->piix_ide);
    pic_reset(m->pic_master);
    pic_reset(m->pic_slave);
    pit_reset(m->pit);
    i8042_reset(m->kbc);
    ps2kbd_reset(m->ps2kbd);
    ps2mouse_reset(m->ps2mouse);
    port92_reset(m->port92);
    for (int i = 0; i < MACHINE_MAX_SERIAL; i++)
        if (m->uart[i])
            uart_reset(m->uart[i]);
    machine_set_a20(m, true);
}

void pc_board_destroy(struct machine *m)
{
    for (int i = 0; i < MACHINE_MAX_SERIAL; i++) {
        if (m->uart[i])
            uart_free(m->uart[i]);
        if (m->serial_cd[i])
            chardev_close(m->serial_cd[i]);
    }
    if (m->debugcon)
        debugcon_free(m->debugcon);
    if (m->debugcon_cd)
        chardev_close(m->debugcon_cd);
    if (m->debug_exit)
        debug_exit_free(m->debug_exit);
    if (m->fw_debug)
        debugcon_free(m->fw_debug);
    if (m->fw_debug_bochs)
        debugcon_free(m->fw_debug_bochs);
    if (m->fw_debug_cd)
        chardev_close(m->fw_debug_cd);
    fw_cfg_free(m->fw_cfg);
    if (m->vga)
        vga_free(m->vga);
    if (m->piix_ide)
        piix_ide_free(m->piix_ide);
    for (int i = 0; i < 2; i++)
        if (m->ide[i])
            ide_channel_free(m->ide[i]);
    if (m->fdc)
        fdc_free(m->fdc);
    if (m->dma)
        dma8237_free(m->dma);
    piix4_pm_free(m->pm);
    piix3_free(m->piix3);
    i440fx_free(m->i440fx);
    pci_bus_free(m->pci);
    if (m->port92)
        port92_free(m->port92);
    if (m->ps2mouse)
        ps2mouse_free(m->ps2mouse);
    if (m->ps2kbd)
        ps2kbd_free(m->ps2kbd);
    if (m->kbc)
        i8042_free(m->kbc);
    if (m->rtc)
        rtc_free(m->rtc);
    if (m->speaker)
        speaker_port_free(m->speaker);
    if (m->pit)
        pit_free(m->pit);
    if (m->pic_slave)
        pic_free(m->pic_slave);
    if (m->pic_master)
        pic_free(m->pic_master);
}
