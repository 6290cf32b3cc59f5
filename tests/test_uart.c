/* test_uart.c - 16550A through the bus: TX/RX, FIFOs and trigger levels,
 * interrupt priorities and THRE rules, loopback, OUT2 gating, DLAB,
 * character timeout, save-state round trip. */
#include "devices/uart.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define BASE 0x3F8
#define RBR  (BASE + 0)
#define THR  (BASE + 0)
#define DLL  (BASE + 0)
#define IER  (BASE + 1)
#define DLM  (BASE + 1)
#define IIR  (BASE + 2)
#define FCR  (BASE + 2)
#define LCR  (BASE + 3)
#define MCR  (BASE + 4)
#define LSR  (BASE + 5)
#define MSR  (BASE + 6)
#define SCR  (BASE + 7)

#define US 1000ull

struct probe {
    int level, rises, falls;
};

static void probe_set(void *opaque, int n, int level)
{
    struct probe *p = opaque;
    (void)n;
    if (level && !p->level)
        p->rises++;
    if (!level && p->level)
        p->falls++;
    p->level = level;
}

static struct bus *bus;
static struct timerq *tq;
static struct chardev *cd;
static struct probe irq_probe;
static struct irq_line irq;
static struct uart *u;

static void setup(void)
{
    bus = bus_new();
    tq = timerq_new(CLOCK_MANUAL);
    cd = chardev_new_buffer();
    memset(&irq_probe, 0, sizeof irq_probe);
    irq = irq_line_make(probe_set, &irq_probe, 4);
    u = uart_new(bus, BASE, tq, &irq, cd, "COM1");
    ck_assert_ptr_nonnull(u);
    bus_out(bus, LCR, 0x03, 1); /* 8N1; the divisor stays 0, timed as 1 */
}

static void teardown(void)
{
    uart_free(u);
    chardev_close(cd);
    timerq_free(tq);
    bus_free(bus);
}

static uint8_t in8(uint16_t port)
{
    return (uint8_t)bus_in(bus, port, 1);
}

static void out8(uint16_t port, uint8_t v)
{
    bus_out(bus, port, v, 1);
}

static void push(const char *s)
{
    chardev_buffer_push_input(cd, (const uint8_t *)s, strlen(s));
}

/* at divisor 1 (or 0), 8N1: one character = 86.8 us, so input is polled every
 * 100 us (the floor) and the character timeout is 347 us */
static void advance_us(uint64_t us)
{
    timerq_advance(tq, us * US);
}

START_TEST(test_reset_values)
{
    uart_reset(u);
    ck_assert_uint_eq(in8(IER), 0x00);
    ck_assert_uint_eq(in8(IIR), 0x01);
    ck_assert_uint_eq(in8(LCR), 0x00);
    ck_assert_uint_eq(in8(MCR), 0x00);
    ck_assert_uint_eq(in8(LSR), 0x60);
    ck_assert_uint_eq(in8(MSR), 0xB0); /* CTS, DSR, DCD from the "terminal" */
    ck_assert_uint_eq(in8(SCR), 0x00);
    ck_assert_int_eq(irq_probe.level, 0);
    ck_assert_str_eq(bus_owner(bus, BUS_IO, BASE + 7), "COM1");
    ck_assert_ptr_null(bus_owner(bus, BUS_IO, BASE + 8));
}
END_TEST

START_TEST(test_port_conflict)
{
    struct uart *u2 = uart_new(bus, BASE + 4, tq, &irq, cd, "COM9");
    ck_assert_ptr_null(u2);
    ck_assert_ptr_nonnull(strstr(bus_error(bus), "COM1"));
}
END_TEST

START_TEST(test_tx_to_chardev)
{
    const char *msg = "Hello, serial\r\n";
    for (const char *p = msg; *p; p++) {
        ck_assert(in8(LSR) & 0x20);
        out8(THR, (uint8_t)*p);
        /* THRE and TEMT stay set: a polling guest never waits */
        ck_assert_uint_eq(in8(LSR) & 0x60, 0x60);
    }
    ck_assert_str_eq(chardev_buffer_output(cd, NULL), msg);
    /* the byte is sent whole even with a 5-bit word length */
    out8(LCR, 0x00);
    out8(THR, 0xFF);
    size_t len;
    const char *out = chardev_buffer_output(cd, &len);
    ck_assert_uint_eq((uint8_t)out[len - 1], 0xFF);
}
END_TEST

START_TEST(test_dlab_divisor_latch)
{
    out8(IER, 0x05);
    out8(LCR, 0x83);
    ck_assert_uint_eq(in8(LCR), 0x83);
    out8(DLL, 0x0C);
    out8(DLM, 0x12);
    ck_assert_uint_eq(in8(DLL), 0x0C);
    ck_assert_uint_eq(in8(DLM), 0x12);
    /* DLAB=1 hides THR: nothing was transmitted */
    ck_assert_str_eq(chardev_buffer_output(cd, NULL), "");
    out8(LCR, 0x03);
    ck_assert_uint_eq(in8(IER), 0x05); /* IER kept its value */
    out8(THR, 'x');
    ck_assert_str_eq(chardev_buffer_output(cd, NULL), "x");
    out8(LCR, 0x83);
    ck_assert_uint_eq(in8(DLL), 0x0C); /* latch unchanged by THR write */
    ck_assert_uint_eq(in8(DLM), 0x12);
    /* IER only keeps its 4 bits */
    out8(LCR, 0x03);
    out8(IER, 0xFF);
    ck_assert_uint_eq(in8(IER), 0x0F);
}
END_TEST

START_TEST(test_rx_polled)
{
    ck_assert_uint_eq(in8(LSR) & 0x01, 0);
    push("AB");
    advance_us(100);
    ck_assert_uint_eq(in8(LSR) & 0x01, 1);
    ck_assert_uint_eq(in8(RBR), 'A');
    /* 16450 mode holds one character: B arrives one character time later */
    ck_assert_uint_eq(in8(LSR) & 0x01, 0);
    advance_us(100);
    ck_assert_uint_eq(in8(LSR) & 0x01, 1);
    ck_assert_uint_eq(in8(RBR), 'B');
    ck_assert_uint_eq(in8(LSR) & 0x01, 0);
    /* reading an empty RBR returns the last byte again */
    ck_assert_uint_eq(in8(RBR), 'B');
    ck_assert_uint_eq(in8(LSR) & 0x02, 0); /* no overrun: the back end waited */
}
END_TEST

START_TEST(test_rx_interrupt)
{
    out8(MCR, 0x08); /* OUT2 */
    out8(IER, 0x01);
    ck_assert_int_eq(irq_probe.level, 0);
    push("z");
    advance_us(100);
    ck_assert_int_eq(irq_probe.level, 1);
    ck_assert_uint_eq(in8(IIR), 0x04);
    ck_assert_int_eq(irq_probe.level, 1); /* reading IIR does not clear RDA */
    ck_assert_uint_eq(in8(RBR), 'z');
    ck_assert_int_eq(irq_probe.level, 0);
    ck_assert_uint_eq(in8(IIR), 0x01);
    ck_assert_int_eq(irq_probe.rises, 1);
}
END_TEST

START_TEST(test_out2_gates_irq)
{
    out8(IER, 0x01);
    push("q");
    advance_us(100);
    /* interrupt pending inside the UART ... */
    ck_assert_uint_eq(in8(IIR), 0x04);
    /* ... but the PC's OUT2 gate keeps it off the bus */
    ck_assert_int_eq(irq_probe.level, 0);
    out8(MCR, 0x08);
    ck_assert_int_eq(irq_probe.level, 1);
    out8(MCR, 0x03); /* DTR|RTS, no OUT2 */
    ck_assert_int_eq(irq_probe.level, 0);
    out8(MCR, 0x0B);
    ck_assert_int_eq(irq_probe.level, 1);
    in8(RBR);
    ck_assert_int_eq(irq_probe.level, 0);
}
END_TEST

static void fill_rx(int n)
{
    char buf[32];
    memset(buf, 'a', sizeof buf);
    buf[n] = 0;
    push(buf);
    advance_us(100 * (uint64_t)n);
}

START_TEST(test_fifo_trigger_levels)
{
    static const struct {
        uint8_t fcr;
        int level;
    } cases[] = {{0x01, 1}, {0x41, 4}, {0x81, 8}, {0xC1, 14}};
    out8(MCR, 0x08);
    out8(IER, 0x01);
    for (int i = 0; i < 4; i++) {
        out8(FCR, (uint8_t)(cases[i].fcr | 0x02)); /* enable, clear RX, trigger */
        ck_assert_uint_eq(in8(LSR) & 0x01, 0);
        if (cases[i].level > 1) {
            fill_rx(cases[i].level - 1);
            ck_assert_uint_eq(in8(LSR) & 0x01, 1);
            ck_assert_uint_eq(in8(IIR), 0xC1); /* below trigger: no RDA yet */
            ck_assert_int_eq(irq_probe.level, 0);
        }
        fill_rx(1);
        ck_assert_uint_eq(in8(IIR), 0xC4);
        ck_assert_int_eq(irq_probe.level, 1);
        /* one read takes it below the trigger: RDA gone */
        ck_assert_uint_eq(in8(RBR), 'a');
        ck_assert_uint_eq(in8(IIR), 0xC1);
        ck_assert_int_eq(irq_probe.level, 0);
    }
}
END_TEST

START_TEST(test_fifo_holds_16_and_flow_control)
{
    out8(FCR, 0x07);
    push("0123456789abcdefXYZW"); /* 20 bytes */
    advance_us(100 * 25);
    /* 16 in the FIFO, the rest wait in the back end: no overrun */
    ck_assert_uint_eq(in8(LSR) & 0x03, 0x01);
    char got[21] = {0};
    int n = 0;
    while ((in8(LSR) & 0x01) && n < 20)
        got[n++] = (char)in8(RBR);
    ck_assert_int_eq(n, 16);
    advance_us(100 * 5);
    while ((in8(LSR) & 0x01) && n < 20)
        got[n++] = (char)in8(RBR);
    ck_assert_int_eq(n, 20);
    ck_assert_str_eq(got, "0123456789abcdefXYZW");
}
END_TEST

START_TEST(test_fifo_clear_and_disable)
{
    out8(FCR, 0x01);
    ck_assert_uint_eq(in8(IIR) & 0xC0, 0xC0);
    fill_rx(5);
    ck_assert_uint_eq(in8(LSR) & 0x01, 1);
    out8(FCR, 0x03); /* clear RX */
    ck_assert_uint_eq(in8(LSR) & 0x01, 0);
    fill_rx(3);
    /* FCR bits other than 0 are ignored unless bit 0 is written as 1, and
     * leaving FIFO mode empties the FIFO */
    out8(FCR, 0x00);
    ck_assert_uint_eq(in8(IIR) & 0xC0, 0x00);
    ck_assert_uint_eq(in8(LSR) & 0x01, 0);
}
END_TEST

START_TEST(test_character_timeout)
{
    out8(MCR, 0x08);
    out8(IER, 0x01);
    out8(FCR, 0xC1); /* trigger 14 */
    fill_rx(3);
    ck_assert_uint_eq(in8(IIR), 0xC1);
    /* 4 character times (347 us) after the last byte arrived */
    advance_us(300);
    ck_assert_uint_eq(in8(IIR), 0xC1);
    ck_assert_int_eq(irq_probe.level, 0);
    advance_us(50);
    ck_assert_uint_eq(in8(IIR), 0xCC);
    ck_assert_int_eq(irq_probe.level, 1);
    /* reading the FIFO clears the timeout and restarts the count */
    ck_assert_uint_eq(in8(RBR), 'a');
    ck_assert_uint_eq(in8(IIR), 0xC1);
    ck_assert_int_eq(irq_probe.level, 0);
    advance_us(340);
    ck_assert_uint_eq(in8(IIR), 0xC1);
    advance_us(10);
    ck_assert_uint_eq(in8(IIR), 0xCC);
    in8(RBR);
    in8(RBR);
    /* empty FIFO: no timeout */
    advance_us(1000);
    ck_assert_uint_eq(in8(IIR), 0xC1);
    ck_assert_int_eq(irq_probe.level, 0);
}
END_TEST

START_TEST(test_character_timeout_follows_baud_rate)
{
    out8(LCR, 0x83);
    out8(DLL, 12); /* 9600 baud: 1.0417 ms per 8N1 character */
    out8(DLM, 0);
    out8(LCR, 0x03);
    out8(IER, 0x01);
    out8(FCR, 0xC1);
    advance_us(100); /* the poll armed at reset; the next one is 1 char later */
    push("x");
    /* polling follows the character time too */
    advance_us(1000);
    ck_assert_uint_eq(in8(LSR) & 0x01, 0);
    advance_us(50);
    ck_assert_uint_eq(in8(LSR) & 0x01, 1);
    advance_us(4100); /* 4 chars = 4166.7 us after arrival at ~1141.7 */
    ck_assert_uint_eq(in8(IIR), 0xC1);
    advance_us(100);
    ck_assert_uint_eq(in8(IIR), 0xCC);
}
END_TEST

START_TEST(test_thre_interrupt_rules)
{
    out8(MCR, 0x08);
    /* enabling ETBEI with THR empty raises THRE at once */
    out8(IER, 0x02);
    ck_assert_int_eq(irq_probe.level, 1);
    ck_assert_uint_eq(in8(IIR), 0x02);
    /* reading IIR with THRE as the source clears it */
    ck_assert_int_eq(irq_probe.level, 0);
    ck_assert_uint_eq(in8(IIR), 0x01);
    /* rewriting IER with ETBEI already set does not raise it again */
    out8(IER, 0x02);
    ck_assert_int_eq(irq_probe.level, 0);
    ck_assert_uint_eq(in8(IIR), 0x01);
    /* each transmitted byte empties THR again: a new edge */
    int rises = irq_probe.rises;
    out8(THR, 'a');
    ck_assert_int_eq(irq_probe.level, 1);
    ck_assert_int_eq(irq_probe.rises, rises + 1);
    /* writing THR while THRE is pending: the line drops and rises again */
    out8(THR, 'b');
    ck_assert_int_eq(irq_probe.rises, rises + 2);
    ck_assert_int_eq(irq_probe.level, 1);
    ck_assert_uint_eq(in8(IIR), 0x02);
    ck_assert_int_eq(irq_probe.level, 0);
    /* disabling and re-enabling raises it again */
    out8(IER, 0x00);
    out8(IER, 0x02);
    ck_assert_int_eq(irq_probe.level, 1);
    /* with THRE masked the pending THRE is not reported */
    out8(IER, 0x00);
    ck_assert_uint_eq(in8(IIR), 0x01);
    ck_assert_int_eq(irq_probe.level, 0);
}
END_TEST

START_TEST(test_iir_read_clears_thre_only_when_reported)
{
    out8(MCR, 0x08);
    out8(IER, 0x03);
    ck_assert_uint_eq(in8(IIR), 0x02); /* clears THRE */
    out8(THR, 'x');                    /* THRE pending again */
    push("r");
    advance_us(100);
    ck_assert_uint_eq(in8(IIR), 0x04); /* RDA outranks THRE ... */
    ck_assert_uint_eq(in8(IIR), 0x04); /* ... and THRE stays pending */
    in8(RBR);
    ck_assert_uint_eq(in8(IIR), 0x02);
    ck_assert_uint_eq(in8(IIR), 0x01);
}
END_TEST

START_TEST(test_iir_priorities)
{
    out8(FCR, 0x01); /* FIFO, trigger 1 */
    out8(MCR, 0x18); /* loopback + OUT2 (loops to DCD) */
    /* entering loopback changed CTS/DSR: modem status deltas pending */
    out8(IER, 0x0F);
    for (int i = 0; i < 17; i++)
        out8(THR, (uint8_t)('A' + i));
    /* 17th byte overran the FIFO */
    ck_assert_uint_eq(in8(IIR), 0xC6); /* line status first */
    uint8_t lsr = in8(LSR);
    ck_assert_uint_eq(lsr & 0x03, 0x03);   /* OE | DR */
    ck_assert_uint_eq(in8(LSR) & 0x02, 0); /* OE cleared by the read */
    ck_assert_uint_eq(in8(IIR), 0xC4);     /* then received data */
    for (int i = 0; i < 16; i++)
        ck_assert_uint_eq(in8(RBR), 'A' + i); /* the FIFO kept the first 16 */
    ck_assert_uint_eq(in8(IIR), 0xC2);        /* then THRE (cleared by this read) */
    ck_assert_uint_eq(in8(IIR), 0xC0);        /* then modem status */
    uint8_t msr = in8(MSR);
    ck_assert_uint_eq(msr & 0x0F, 0x03); /* DCTS, DDSR */
    ck_assert_uint_eq(msr & 0xF0, 0x80); /* only DCD (OUT2) */
    ck_assert_uint_eq(in8(IIR), 0xC1);
}
END_TEST

START_TEST(test_timeout_ranks_below_rda_above_thre)
{
    out8(FCR, 0x41); /* trigger 4 */
    out8(IER, 0x03);
    in8(IIR);       /* clear the THRE raised by enabling */
    out8(THR, 'x'); /* THRE pending */
    fill_rx(2);
    advance_us(400); /* timeout */
    ck_assert_uint_eq(in8(IIR), 0xCC);
    fill_rx(2); /* 4 = trigger: RDA outranks the timeout */
    ck_assert_uint_eq(in8(IIR), 0xC4);
    in8(RBR);
    in8(RBR);
    in8(RBR);
    in8(RBR);
    ck_assert_uint_eq(in8(IIR), 0xC2);
}
END_TEST

START_TEST(test_loopback)
{
    out8(MCR, 0x10);
    out8(THR, 'L');
    ck_assert_str_eq(chardev_buffer_output(cd, NULL), ""); /* not on the line */
    ck_assert_uint_eq(in8(LSR) & 0x01, 1);
    ck_assert_uint_eq(in8(RBR), 'L');
    /* the serial input is disconnected in loopback */
    push("E");
    advance_us(500);
    ck_assert_uint_eq(in8(LSR) & 0x01, 0);
    /* word length applies to what the receiver sees */
    out8(LCR, 0x02); /* 7 bits */
    out8(THR, 0xFF);
    ck_assert_uint_eq(in8(RBR), 0x7F);
    /* back to normal: the waiting input arrives */
    out8(MCR, 0x00);
    advance_us(100);
    ck_assert_uint_eq(in8(RBR), 'E');
}
END_TEST

START_TEST(test_loopback_modem_lines_and_deltas)
{
    in8(MSR);
    out8(MCR, 0x10); /* loopback, all outputs off */
    uint8_t msr = in8(MSR);
    ck_assert_uint_eq(msr & 0xF0, 0x00);
    ck_assert_uint_eq(msr & 0x0F, 0x0B);   /* DCTS, DDSR, DDCD: they all dropped */
    ck_assert_uint_eq(in8(MSR) & 0x0F, 0); /* read clears deltas */
    out8(MCR, 0x11);                       /* DTR -> DSR */
    ck_assert_uint_eq(in8(MSR), 0x22);
    out8(MCR, 0x12); /* RTS -> CTS (DSR drops) */
    ck_assert_uint_eq(in8(MSR), 0x13);
    out8(MCR, 0x14); /* OUT1 -> RI; rising RI sets no delta */
    ck_assert_uint_eq(in8(MSR), 0x41);
    out8(MCR, 0x18); /* OUT2 -> DCD; RI falls: TERI */
    ck_assert_uint_eq(in8(MSR), 0x8C);
    out8(MCR, 0x1F);
    ck_assert_uint_eq(in8(MSR) & 0xF0, 0xF0);
    ck_assert_uint_eq(in8(MCR), 0x1F);
    out8(MCR, 0xFF); /* bits 5-7 read 0 */
    ck_assert_uint_eq(in8(MCR), 0x1F);
}
END_TEST

START_TEST(test_modem_status_interrupt)
{
    out8(IER, 0x08);
    out8(MCR, 0x08);
    ck_assert_int_eq(irq_probe.level, 0);
    in8(MSR);
    /* enter loopback: interrupt pending in IIR, but the external OUT2 is
     * forced inactive in loopback, which closes the PC's IRQ gate */
    out8(MCR, 0x18);
    ck_assert_uint_eq(in8(IIR), 0x00);
    ck_assert_int_eq(irq_probe.level, 0);
    in8(MSR);
    ck_assert_uint_eq(in8(IIR), 0x01);
}
END_TEST

START_TEST(test_loopback_rx_interrupt_not_on_bus)
{
    out8(IER, 0x01);
    out8(MCR, 0x18);
    out8(THR, 'i');
    ck_assert_uint_eq(in8(IIR), 0x04);
    ck_assert_int_eq(irq_probe.level, 0);
    /* leaving loopback with the byte still unread: the IRQ reaches the bus */
    out8(MCR, 0x08);
    ck_assert_int_eq(irq_probe.level, 1);
    in8(RBR);
    ck_assert_int_eq(irq_probe.level, 0);
}
END_TEST

START_TEST(test_overrun_16450_mode)
{
    out8(MCR, 0x10);
    out8(IER, 0x04);
    out8(THR, '1');
    out8(THR, '2');
    ck_assert_uint_eq(in8(IIR), 0x06);
    ck_assert_uint_eq(in8(LSR) & 0x03, 0x03);
    ck_assert_uint_eq(in8(IIR), 0x01);
    ck_assert_uint_eq(in8(RBR), '2'); /* the new byte replaced the old */
}
END_TEST

START_TEST(test_scratch_register)
{
    out8(SCR, 0xA5);
    ck_assert_uint_eq(in8(SCR), 0xA5);
    out8(SCR, 0x5A);
    ck_assert_uint_eq(in8(SCR), 0x5A);
    /* LSR and MSR ignore writes */
    out8(LSR, 0x00);
    ck_assert_uint_eq(in8(LSR), 0x60);
}
END_TEST

START_TEST(test_reset)
{
    out8(MCR, 0x1B);
    out8(IER, 0x0F);
    out8(FCR, 0xC1);
    out8(SCR, 0x77);
    out8(THR, 'a');
    out8(LCR, 0x9B);
    uart_reset(u);
    ck_assert_uint_eq(in8(LCR), 0x00);
    ck_assert_uint_eq(in8(IER), 0x00);
    ck_assert_uint_eq(in8(IIR), 0x01);
    ck_assert_uint_eq(in8(MCR), 0x00);
    ck_assert_uint_eq(in8(LSR), 0x60);
    ck_assert_uint_eq(in8(SCR), 0x00);
    ck_assert_int_eq(irq_probe.level, 0);
    /* and it still receives */
    out8(LCR, 0x03);
    push("k");
    advance_us(100);
    ck_assert_uint_eq(in8(RBR), 'k');
}
END_TEST

START_TEST(test_no_polling_without_input_source)
{
    char err[128];
    struct bus *b2 = bus_new();
    struct timerq *q2 = timerq_new(CLOCK_MANUAL);
    struct chardev *none = chardev_open("none", err, sizeof err);
    struct uart *u2 = uart_new(b2, 0x2F8, q2, NULL, none, "COM2");
    ck_assert_ptr_nonnull(u2);
    ck_assert_uint_eq(timerq_next(q2), TIMER_NEVER);
    /* a NULL back end is accepted: output discarded, no input */
    struct uart *u3 = uart_new(b2, 0x3E8, q2, NULL, NULL, "COM3");
    ck_assert_ptr_nonnull(u3);
    bus_out(b2, 0x3E8, 'x', 1);
    ck_assert_uint_eq(timerq_next(q2), TIMER_NEVER);
    uart_free(u3);
    uart_free(u2);
    chardev_close(none);
    timerq_free(q2);
    bus_free(b2);
    /* the buffer back end is polled */
    ck_assert_uint_ne(timerq_next(tq), TIMER_NEVER);
}
END_TEST

START_TEST(test_free_releases_ports)
{
    uart_free(u);
    ck_assert_ptr_null(bus_owner(bus, BUS_IO, BASE));
    ck_assert_uint_eq(timerq_next(tq), TIMER_NEVER);
    u = uart_new(bus, BASE, tq, &irq, cd, "COM1");
    ck_assert_ptr_nonnull(u);
}
END_TEST

START_TEST(test_vmstate_round_trip)
{
    ck_assert_str_eq(uart_vmstate.name, "uart16550a");
    ck_assert_int_ge(uart_vmstate.version, 1);
    out8(LCR, 0x83);
    out8(DLL, 0x30);
    out8(LCR, 0x1B);
    out8(SCR, 0x42);
    out8(FCR, 0x81);
    out8(MCR, 0x08);
    out8(IER, 0x05);
    fill_rx(3);

    struct bus *b2 = bus_new();
    struct chardev *cd2 = chardev_new_buffer();
    struct probe p2 = {0, 0, 0};
    struct irq_line l2 = irq_line_make(probe_set, &p2, 0);
    struct uart *u2 = uart_new(b2, BASE, tq, &l2, cd2, "COM1");
    ck_assert_ptr_nonnull(u2);
    for (const struct vmstate_field *f = uart_vmstate.fields; f->name; f++)
        memcpy((char *)u2 + f->offset, (const char *)u + f->offset, f->size * f->count);
    uart_post_load(u2);

    ck_assert_uint_eq(bus_in(b2, LCR, 1), 0x1B);
    ck_assert_uint_eq(bus_in(b2, SCR, 1), 0x42);
    ck_assert_uint_eq(bus_in(b2, IER, 1), 0x05);
    ck_assert_uint_eq(bus_in(b2, IIR, 1), 0xC1); /* 3 < 8 */
    for (int i = 0; i < 3; i++)
        ck_assert_uint_eq(bus_in(b2, RBR, 1), 'a');
    ck_assert_uint_eq(bus_in(b2, LSR, 1) & 1, 0);
    bus_out(b2, LCR, 0x9B, 1);
    ck_assert_uint_eq(bus_in(b2, DLL, 1), 0x30);
    uart_free(u2);
    chardev_close(cd2);
    bus_free(b2);
}
END_TEST

static Suite *uart_suite(void)
{
    Suite *s = suite_create("uart");
    TCase *tc = tcase_create("16550a");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_reset_values);
    tcase_add_test(tc, test_port_conflict);
    tcase_add_test(tc, test_tx_to_chardev);
    tcase_add_test(tc, test_dlab_divisor_latch);
    tcase_add_test(tc, test_rx_polled);
    tcase_add_test(tc, test_rx_interrupt);
    tcase_add_test(tc, test_out2_gates_irq);
    tcase_add_test(tc, test_fifo_trigger_levels);
    tcase_add_test(tc, test_fifo_holds_16_and_flow_control);
    tcase_add_test(tc, test_fifo_clear_and_disable);
    tcase_add_test(tc, test_character_timeout);
    tcase_add_test(tc, test_character_timeout_follows_baud_rate);
    tcase_add_test(tc, test_thre_interrupt_rules);
    tcase_add_test(tc, test_iir_read_clears_thre_only_when_reported);
    tcase_add_test(tc, test_iir_priorities);
    tcase_add_test(tc, test_timeout_ranks_below_rda_above_thre);
    tcase_add_test(tc, test_loopback);
    tcase_add_test(tc, test_loopback_modem_lines_and_deltas);
    tcase_add_test(tc, test_modem_status_interrupt);
    tcase_add_test(tc, test_loopback_rx_interrupt_not_on_bus);
    tcase_add_test(tc, test_overrun_16450_mode);
    tcase_add_test(tc, test_scratch_register);
    tcase_add_test(tc, test_reset);
    tcase_add_test(tc, test_no_polling_without_input_source);
    tcase_add_test(tc, test_free_releases_ports);
    tcase_add_test(tc, test_vmstate_round_trip);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(uart_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
