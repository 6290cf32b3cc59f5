/* uart.c - 16550A UART (see uart.h).
 *
 * Reference: National Semiconductor PC16550D "Universal Asynchronous
 * Receiver/Transmitter with FIFOs" datasheet (June 1995), tables I-IV
 * (register summary, reset states, interrupt control functions).
 *
 * The transmit FIFO exists in the model only as FCR bits: a byte written to
 * THR reaches the back end (or, in loopback, the receiver) at once, so THR,
 * the TX FIFO and the shift register are always empty between accesses. */
#include "devices/uart.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

/* register offsets */
enum {
    REG_RBR_THR = 0, /* DLL when LCR.DLAB */
    REG_IER = 1,     /* DLM when LCR.DLAB */
    REG_IIR_FCR = 2,
    REG_LCR = 3,
    REG_MCR = 4,
    REG_LSR = 5,
    REG_MSR = 6,
    REG_SCR = 7,
};

#define IER_ERBFI 0x01 /* received data available (and character timeout) */
#define IER_ETBEI 0x02 /* transmitter holding register empty */
#define IER_ELSI  0x04 /* receiver line status */
#define IER_EDSSI 0x08 /* modem status */

#define IIR_NONE    0x01
#define IIR_MSI     0x00
#define IIR_THRE    0x02
#define IIR_RDA     0x04
#define IIR_RLS     0x06
#define IIR_CTI     0x0C
#define IIR_FIFO_ON 0xC0

#define FCR_ENABLE   0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04
#define FCR_DMA_MODE 0x08
#define FCR_TRIGGER  0xC0

#define LCR_WLS   0x03
#define LCR_STB   0x04
#define LCR_PEN   0x08
#define LCR_BREAK 0x40
#define LCR_DLAB  0x80

#define MCR_DTR  0x01
#define MCR_RTS  0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define MCR_MASK 0x1F

#define LSR_DR     0x01
#define LSR_OE     0x02
#define LSR_PE     0x04
#define LSR_FE     0x08
#define LSR_BI     0x10
#define LSR_THRE   0x20
#define LSR_TEMT   0x40
#define LSR_RXFE   0x80
#define LSR_ERRORS (LSR_OE | LSR_PE | LSR_FE | LSR_BI)

#define MSR_DCTS   0x01
#define MSR_DDSR   0x02
#define MSR_TERI   0x04
#define MSR_DDCD   0x08
#define MSR_CTS    0x10
#define MSR_DSR    0x20
#define MSR_RI     0x40
#define MSR_DCD    0x80
#define MSR_DELTAS 0x0F

struct uart {
    struct bus *bus;
    uint16_t iobase;
    struct timerq *tq;
    const struct irq_line *irq;
    struct chardev *cd;
    struct timer rx_poll;      /* takes input from the back end */
    struct timer char_timeout; /* FIFO character timeout */

    /* saved state (uart_vmstate) */
    uint16_t divisor;
    uint8_t ier, lcr, mcr, lsr, msr, scr, fcr;
    uint8_t rbr; /* what RBR reads when the receiver is empty: the last byte */
    uint8_t rx_fifo[UART_FIFO_SIZE];
    uint8_t rx_head, rx_count; /* non-FIFO mode uses one slot: RBR */
    uint8_t thr_ipending;      /* THRE interrupt latched, see iir_read() */
    uint8_t timeout_ipending;  /* character timeout indication */
    uint8_t irq_level;         /* level last driven on irq */
    uint64_t timeout_deadline; /* virtual ns of the pending char timeout, 0 = none */
};

static const uint8_t rx_trigger_levels[4] = {1, 4, 8, 14};

static bool fifo_enabled(const struct uart *u)
{
    return u->fcr & FCR_ENABLE;
}

/* Duration of one character frame (start + data + parity + stop bits) at
 * the programmed rate.  A divisor of 0 is not a valid setting; it is timed
 * as 1 so that an unprogrammed port still receives. */
static uint64_t char_time_ns(const struct uart *u)
{
    unsigned data_bits = 5 + (u->lcr & LCR_WLS);
    unsigned half_bits = 2 * (1 + data_bits + ((u->lcr & LCR_PEN) ? 1 : 0));
    if (u->lcr & LCR_STB)
        half_bits += data_bits == 5 ? 3 : 4; /* 1.5 or 2 stop bits */
    else
        half_bits += 2;
    uint64_t div = u->divisor ? u->divisor : 1;
    /* bit time = 16 * divisor / clock */
    return (uint64_t)half_bits * div * 16 * NS_PER_SEC / (2ull * UART_CLOCK_HZ);
}

static bool rx_data_interrupt(const struct uart *u)
{
    if (fifo_enabled(u))
        return u->rx_count >= rx_trigger_levels[u->fcr >> 6];
    return u->lsr & LSR_DR;
}

/* The highest-priority pending, enabled interrupt (datasheet table IV):
 * line status > received data > character timeout > THRE > modem status. */
static uint8_t pending_iir(const struct uart *u)
{
    if ((u->ier & IER_ELSI) && (u->lsr & LSR_ERRORS))
        return IIR_RLS;
    if ((u->ier & IER_ERBFI) && rx_data_interrupt(u))
        return IIR_RDA;
    if ((u->ier & IER_ERBFI) && u->timeout_ipending)
        return IIR_CTI;
    if ((u->ier & IER_ETBEI) && u->thr_ipending)
        return IIR_THRE;
    if ((u->ier & IER_EDSSI) && (u->msr & MSR_DELTAS))
        return IIR_MSI;
    return IIR_NONE;
}

/* On a PC the UART's INTRPT pin reaches the bus only through a buffer that
 * the -OUT2 modem output enables (IBM PC AT Technical Reference, Serial/
 * Parallel Adapter; every compatible card copies it), so software must set
 * MCR.OUT2 to get interrupts.  In loopback the datasheet forces the modem
 * outputs, -OUT2 included, to their inactive state: the gate closes and no
 * interrupt leaves the card, although IIR still reports it. */
static void update_irq(struct uart *u)
{
    bool gate = (u->mcr & MCR_OUT2) && !(u->mcr & MCR_LOOP);
    uint8_t level = gate && pending_iir(u) != IIR_NONE;
    if (level != u->irq_level) {
        u->irq_level = level;
        irq_set(u->irq, level);
    }
}

/* ---- receiver ---- */

static void cancel_char_timeout(struct uart *u)
{
    u->timeout_deadline = 0;
    timer_del(&u->char_timeout);
}

/* The timeout indication fires when the FIFO holds data and nothing was put
 * in or taken out for four character times; each of those events restarts
 * the count. */
static void restart_char_timeout(struct uart *u)
{
    if (!fifo_enabled(u) || u->rx_count == 0) {
        cancel_char_timeout(u);
        return;
    }
    u->timeout_deadline = timerq_now(u->tq) + 4 * char_time_ns(u);
    timer_mod(&u->char_timeout, u->timeout_deadline);
}

static void char_timeout_cb(void *opaque)
{
    struct uart *u = opaque;
    u->timeout_deadline = 0;
    if (fifo_enabled(u) && u->rx_count > 0) {
        u->timeout_ipending = 1;
        update_irq(u);
    }
}

static void rx_clear(struct uart *u)
{
    u->rx_head = u->rx_count = 0;
    u->lsr &= ~(LSR_DR | LSR_RXFE);
    u->timeout_ipending = 0;
    cancel_char_timeout(u);
}

static bool rx_has_room(const struct uart *u)
{
    return fifo_enabled(u) ? u->rx_count < UART_FIFO_SIZE : !(u->lsr & LSR_DR);
}

/* A character arrives at the receiver (from the line or from loopback). */
static void rx_receive(struct uart *u, uint8_t byte)
{
    if (fifo_enabled(u)) {
        if (u->rx_count == UART_FIFO_SIZE) {
            /* the FIFO keeps its data; the new character is lost */
            u->lsr |= LSR_OE;
        } else {
            u->rx_fifo[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = byte;
            u->rx_count++;
        }
    } else {
        /* 16450 mode: an unread RBR is overwritten */
        if (u->lsr & LSR_DR)
            u->lsr |= LSR_OE;
        u->rx_head = 0;
        u->rx_count = 1;
        u->rx_fifo[0] = byte;
    }
    u->lsr |= LSR_DR;
    restart_char_timeout(u);
    update_irq(u);
}

static uint8_t rbr_read(struct uart *u)
{
    if (u->rx_count) {
        u->rbr = u->rx_fifo[u->rx_head];
        u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
        u->rx_count--;
    }
    if (u->rx_count == 0)
        u->lsr &= ~LSR_DR;
    u->timeout_ipending = 0;
    restart_char_timeout(u);
    update_irq(u);
    return u->rbr;
}

static void schedule_rx_poll(struct uart *u)
{
    if (!chardev_has_input_source(u->cd)) {
        timer_del(&u->rx_poll);
        return;
    }
    uint64_t period = char_time_ns(u);
    if (period < UART_RX_POLL_MIN_NS)
        period = UART_RX_POLL_MIN_NS;
    timer_mod(&u->rx_poll, timerq_now(u->tq) + period);
}

/* One character time has passed on the line: take one byte from the back
 * end if the receiver has room (the back end holds the rest, so pasted
 * input is not lost to overruns).  In loopback the serial input is
 * disconnected. */
static void rx_poll_cb(void *opaque)
{
    struct uart *u = opaque;
    if (!(u->mcr & MCR_LOOP) && rx_has_room(u)) {
        uint8_t byte;
        if (chardev_read(u->cd, &byte, 1) == 1)
            rx_receive(u, byte);
    }
    schedule_rx_poll(u);
}

/* ---- transmitter ---- */

static void thr_write(struct uart *u, uint8_t byte)
{
    /* writing THR clears a THRE interrupt ... */
    u->thr_ipending = 0;
    update_irq(u);
    if (u->mcr & MCR_LOOP) {
        uint8_t mask = (uint8_t)(0xFFu >> (3 - (u->lcr & LCR_WLS)));
        rx_receive(u, byte & mask);
    } else {
        chardev_write(u->cd, &byte, 1);
    }
    /* ... and the byte is gone at once: THR and the shift register are
     * empty again, which raises it anew (an edge per byte, as on the chip) */
    u->lsr |= LSR_THRE | LSR_TEMT;
    u->thr_ipending = 1;
    update_irq(u);
}

static uint8_t iir_read(struct uart *u)
{
    uint8_t iir = pending_iir(u);
    /* reading IIR clears THRE only when THRE is what it reports */
    if (iir == IIR_THRE) {
        u->thr_ipending = 0;
        update_irq(u);
    }
    return iir | (fifo_enabled(u) ? IIR_FIFO_ON : 0);
}

static void fcr_write(struct uart *u, uint8_t v)
{
    bool was_on = fifo_enabled(u);
    if (!(v & FCR_ENABLE)) {
        /* "FCR0 must be a 1 when other FCR bits are written to or they will
         * not be programmed"; leaving FIFO mode empties both FIFOs */
        if (was_on)
            rx_clear(u);
        u->fcr = 0;
    } else {
        if (!was_on) {
            rx_clear(u);
            /* the first transmitter interrupt after enabling FIFO mode is
             * immediate when it is enabled */
            if (u->ier & IER_ETBEI)
                u->thr_ipending = 1;
        }
        if (v & FCR_CLEAR_RX)
            rx_clear(u);
        /* FCR_CLEAR_TX: the transmit FIFO is always empty here */
        u->fcr = v & (FCR_ENABLE | FCR_DMA_MODE | FCR_TRIGGER);
        restart_char_timeout(u);
    }
    update_irq(u);
}

/* ---- modem control ---- */

/* Modem status inputs: in loopback the outputs are wired back (DTR->DSR,
 * RTS->CTS, OUT1->RI, OUT2->DCD); otherwise the back end behaves like a
 * terminal that is switched on and ready (DSR, CTS and DCD asserted). */
static uint8_t modem_inputs(const struct uart *u)
{
    if (!(u->mcr & MCR_LOOP))
        return MSR_CTS | MSR_DSR | MSR_DCD;
    uint8_t in = 0;
    if (u->mcr & MCR_DTR)
        in |= MSR_DSR;
    if (u->mcr & MCR_RTS)
        in |= MSR_CTS;
    if (u->mcr & MCR_OUT1)
        in |= MSR_RI;
    if (u->mcr & MCR_OUT2)
        in |= MSR_DCD;
    return in;
}

static void set_modem_inputs(struct uart *u, uint8_t in)
{
    uint8_t old = u->msr & 0xF0;
    uint8_t changed = old ^ in;
    uint8_t deltas = u->msr & MSR_DELTAS;
    if (changed & MSR_CTS)
        deltas |= MSR_DCTS;
    if (changed & MSR_DSR)
        deltas |= MSR_DDSR;
    if (changed & MSR_DCD)
        deltas |= MSR_DDCD;
    if ((old & MSR_RI) && !(in & MSR_RI)) /* trailing edge only */
        deltas |= MSR_TERI;
    u->msr = (uint8_t)(in | deltas);
}

static void mcr_write(struct uart *u, uint8_t v)
{
    u->mcr = v & MCR_MASK;
    set_modem_inputs(u, modem_inputs(u));
    update_irq(u);
}

static void ier_write(struct uart *u, uint8_t v)
{
    uint8_t old = u->ier;
    u->ier = v & 0x0F;
    /* enabling ETBEI while THR is empty raises THRE at once (drivers such
     * as Linux's 8250 rely on this to start transmission) */
    if (!(old & IER_ETBEI) && (u->ier & IER_ETBEI) && (u->lsr & LSR_THRE))
        u->thr_ipending = 1;
    update_irq(u);
}

/* ---- bus glue ---- */

static uint64_t uart_read(void *opaque, uint64_t offset, unsigned size)
{
    struct uart *u = opaque;
    (void)size;
    uint8_t v;
    switch (offset) {
    case REG_RBR_THR:
        return (u->lcr & LCR_DLAB) ? (uint8_t)u->divisor : rbr_read(u);
    case REG_IER:
        return (u->lcr & LCR_DLAB) ? (uint8_t)(u->divisor >> 8) : u->ier;
    case REG_IIR_FCR:
        return iir_read(u);
    case REG_LCR:
        return u->lcr;
    case REG_MCR:
        return u->mcr;
    case REG_LSR:
        /* reading LSR clears the error bits and with them the line status
         * interrupt */
        v = u->lsr;
        u->lsr &= ~(LSR_ERRORS | LSR_RXFE);
        update_irq(u);
        return v;
    case REG_MSR:
        v = u->msr;
        u->msr &= (uint8_t)~MSR_DELTAS;
        update_irq(u);
        return v;
    case REG_SCR:
        return u->scr;
    }
    return 0xFF;
}

static void uart_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    struct uart *u = opaque;
    uint8_t v = (uint8_t)value;
    (void)size;
    switch (offset) {
    case REG_RBR_THR:
        if (u->lcr & LCR_DLAB)
            u->divisor = (uint16_t)((u->divisor & 0xFF00) | v);
        else
            thr_write(u, v);
        break;
    case REG_IER:
        if (u->lcr & LCR_DLAB)
            u->divisor = (uint16_t)((u->divisor & 0x00FF) | (v << 8));
        else
            ier_write(u, v);
        break;
    case REG_IIR_FCR:
        fcr_write(u, v);
        break;
    case REG_LCR:
        u->lcr = v;
        break;
    case REG_MCR:
        mcr_write(u, v);
        break;
    case REG_LSR:
    case REG_MSR:
        break; /* factory test use only; writes ignored */
    case REG_SCR:
        u->scr = v;
        break;
    }
}

static const struct bus_ops uart_ops = {
    .read = uart_read,
    .write = uart_write,
    .widths = BUS_W8,
};

struct uart *uart_new(struct bus *bus, uint16_t iobase, struct timerq *tq, const struct irq_line *irq,
                      struct chardev *cd, const char *name)
{
    struct uart *u = calloc(1, sizeof *u);
    if (!u)
        return NULL;
    u->bus = bus;
    u->iobase = iobase;
    u->tq = tq;
    u->irq = irq;
    u->cd = cd;
    timer_init(&u->rx_poll, tq, rx_poll_cb, u);
    timer_init(&u->char_timeout, tq, char_timeout_cb, u);
    if (bus_map(bus, BUS_IO, iobase, 8, &uart_ops, u, name ? name : "uart") != 0) {
        free(u);
        return NULL;
    }
    uart_reset(u);
    return u;
}

void uart_free(struct uart *u)
{
    if (!u)
        return;
    timer_del(&u->rx_poll);
    timer_del(&u->char_timeout);
    bus_unmap(u->bus, BUS_IO, u->iobase);
    free(u);
}

/* Master-reset states (datasheet table III); the divisor latch is not reset
 * by MR. */
void uart_reset(struct uart *u)
{
    u->ier = 0;
    u->lcr = 0;
    u->mcr = 0;
    u->fcr = 0;
    u->scr = 0;
    u->rbr = 0;
    u->lsr = LSR_THRE | LSR_TEMT;
    u->msr = modem_inputs(u);
    u->thr_ipending = 0;
    rx_clear(u);
    update_irq(u);
    schedule_rx_poll(u);
}

void uart_post_load(struct uart *u)
{
    if (u->rx_count > UART_FIFO_SIZE)
        u->rx_count = UART_FIFO_SIZE;
    u->rx_head %= UART_FIFO_SIZE;
    u->mcr &= MCR_MASK;
    u->ier &= 0x0F;
    if (u->timeout_deadline)
        timer_mod(&u->char_timeout, u->timeout_deadline);
    else
        timer_del(&u->char_timeout);
    schedule_rx_poll(u);
    update_irq(u);
}

static const struct vmstate_field uart_fields[] = {
    VMSTATE_FIELD(struct uart, divisor),
    VMSTATE_FIELD(struct uart, ier),
    VMSTATE_FIELD(struct uart, lcr),
    VMSTATE_FIELD(struct uart, mcr),
    VMSTATE_FIELD(struct uart, lsr),
    VMSTATE_FIELD(struct uart, msr),
    VMSTATE_FIELD(struct uart, scr),
    VMSTATE_FIELD(struct uart, fcr),
    VMSTATE_FIELD(struct uart, rbr),
    VMSTATE_ARRAY(struct uart, rx_fifo),
    VMSTATE_FIELD(struct uart, rx_head),
    VMSTATE_FIELD(struct uart, rx_count),
    VMSTATE_FIELD(struct uart, thr_ipending),
    VMSTATE_FIELD(struct uart, timeout_ipending),
    VMSTATE_FIELD(struct uart, irq_level),
    VMSTATE_FIELD(struct uart, timeout_deadline),
    VMSTATE_END,
};

const struct vmstate_desc uart_vmstate = {
    .name = "uart16550a",
    .version = 1,
    .fields = uart_fields,
};
