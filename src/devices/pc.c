/* pc.c - the PC board: which devices exist, at which ports, on which IRQ.
 * This is the only file that knows the machine's wiring. */
#include <stdio.h>
#include <string.h>

#include "devices/bus.h"
#include "devices/chardev.h"
#include "devices/debug_exit.h"
#include "devices/debugcon.h"
#include "devices/i8042.h"
#include "devices/machine.h"
#include "devices/pic.h"
#include "devices/pit.h"
#include "devices/port92.h"
#include "devices/rtc.h"
#include "devices/speaker_port.h"
#include "devices/uart.h"

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
    if (!m->pic_master || !m->pic_slave || !m->pit || !m->speaker || !m->rtc || !m->kbc || !m->port92) {
        snprintf(err, errlen, "cannot create the PC devices: %s", bus_error(bus));
        return -1;
    }
    cmos_memory_sizes(m);

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
    pic_reset(m->pic_master);
    pic_reset(m->pic_slave);
    pit_reset(m->pit);
    i8042_reset(m->kbc);
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
    if (m->port92)
        port92_free(m->port92);
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
