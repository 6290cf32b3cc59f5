/* test_i8042.c - 8042 keyboard controller through ports 0x60/0x64: status,
 * controller commands, command byte, output port (A20, reset), IRQ1/IRQ12,
 * the set 2 -> set 1 translation, empty ports, and the device interface
 * (fake devices here; the real keyboard and mouse are in test_ps2.c). */
#include "devices/i8042.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

struct probe {
    int level, rises, falls, sets;
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
    p->sets++;
}

static struct bus *bus;
static struct probe a20_p, reset_p, irq1_p, irq12_p;
static struct irq_line a20, reset, irq1, irq12;
static struct i8042 *kbc;

static void setup(void)
{
    bus = bus_new();
    memset(&a20_p, 0, sizeof a20_p);
    memset(&reset_p, 0, sizeof reset_p);
    memset(&irq1_p, 0, sizeof irq1_p);
    memset(&irq12_p, 0, sizeof irq12_p);
    a20 = irq_line_make(probe_set, &a20_p, 0);
    reset = irq_line_make(probe_set, &reset_p, 0);
    irq1 = irq_line_make(probe_set, &irq1_p, 1);
    irq12 = irq_line_make(probe_set, &irq12_p, 12);
    kbc = i8042_new(bus, &a20, &reset, &irq1, &irq12);
    ck_assert_ptr_nonnull(kbc);
}

static void teardown(void)
{
    i8042_free(kbc);
    bus_free(bus);
}

static uint8_t status(void)
{
    return (uint8_t)bus_in(bus, 0x64, 1);
}

static void cmd(uint8_t c)
{
    bus_out(bus, 0x64, c, 1);
}

static void data_out(uint8_t v)
{
    bus_out(bus, 0x60, v, 1);
}

/* read one byte, which must be there */
static uint8_t data_in(void)
{
    ck_assert_msg(status() & I8042_STR_OBF, "output buffer empty");
    return (uint8_t)bus_in(bus, 0x60, 1);
}

static void expect_bytes(const uint8_t *want, int n)
{
    for (int i = 0; i < n; i++) {
        uint8_t got = data_in();
        ck_assert_msg(got == want[i], "byte %d: got 0x%02x, want 0x%02x", i, got, want[i]);
    }
    ck_assert_uint_eq(status() & I8042_STR_OBF, 0);
}

static uint8_t read_command_byte(void)
{
    cmd(0x20);
    return data_in();
}

static void write_command_byte(uint8_t v)
{
    cmd(0x60);
    data_out(v);
}

START_TEST(test_initial_status)
{
    uint8_t s = status();
    ck_assert_uint_eq(s, I8042_STR_UNLOCK); /* not inhibited, nothing else */
    ck_assert_str_eq(bus_owner(bus, BUS_IO, 0x60), "i8042 data");
    ck_assert_str_eq(bus_owner(bus, BUS_IO, 0x64), "i8042 command");
    ck_assert_int_eq(a20_p.sets, 0);
    ck_assert_int_eq(reset_p.sets, 0);
    ck_assert_int_eq(irq1_p.level, 0);
}
END_TEST

START_TEST(test_self_test)
{
    cmd(0xAA);
    uint8_t s = status();
    ck_assert(s & I8042_STR_OBF);
    ck_assert(s & I8042_STR_SYSFLAG);
    ck_assert(s & I8042_STR_CMD); /* last write went to 0x64 */
    ck_assert(!(s & I8042_STR_AUXOBF));
    ck_assert_int_eq(irq1_p.level, 1); /* command byte 0x03 after reset */
    ck_assert_uint_eq(bus_in(bus, 0x60, 1), 0x55);
    ck_assert_uint_eq(status() & I8042_STR_OBF, 0);
    ck_assert_int_eq(irq1_p.level, 0);
    ck_assert_int_eq(irq12_p.rises, 0);
    /* the self test leaves both interfaces disabled */
    ck_assert_uint_eq(read_command_byte() & 0x30, 0x30);
}
END_TEST

START_TEST(test_interface_tests_and_input_port)
{
    cmd(0xAB);
    expect_bytes((const uint8_t[]){0x00}, 1);
    cmd(0xA9);
    expect_bytes((const uint8_t[]){0x00}, 1);
    cmd(0xC0);
    expect_bytes((const uint8_t[]){0xB0}, 1);
    cmd(0xA4); /* no password installed */
    expect_bytes((const uint8_t[]){0xF1}, 1);
}
END_TEST

START_TEST(test_command_byte)
{
    ck_assert_uint_eq(read_command_byte(), 0x03);
    write_command_byte(0x65);
    ck_assert_uint_eq(status() & I8042_STR_CMD, 0); /* data write clears A2 */
    ck_assert_uint_eq(read_command_byte(), 0x65);
    ck_assert(status() & I8042_STR_SYSFLAG); /* bit 2 sets the system flag */
    ck_assert(i8042_kbd_translation(kbc));
    write_command_byte(0x20);
    ck_assert_uint_eq(status() & I8042_STR_SYSFLAG, 0);
    ck_assert(!i8042_kbd_translation(kbc));
    /* AD/AE and A7/A8 flip bits 4 and 5 */
    write_command_byte(0x00);
    cmd(0xAD);
    ck_assert_uint_eq(read_command_byte(), 0x10);
    cmd(0xA7);
    ck_assert_uint_eq(read_command_byte(), 0x30);
    cmd(0xAE);
    ck_assert_uint_eq(read_command_byte(), 0x20);
    cmd(0xA8);
    ck_assert_uint_eq(read_command_byte(), 0x00);
    /* the command byte is RAM byte 0; the others are plain RAM */
    cmd(0x61);
    data_out(0x5A);
    cmd(0x21);
    expect_bytes((const uint8_t[]){0x5A}, 1);
    cmd(0x3F);
    expect_bytes((const uint8_t[]){0x00}, 1);
}
END_TEST

START_TEST(test_irq_enable_bits)
{
    write_command_byte(0x00); /* no IRQs */
    cmd(0xAA);
    ck_assert(status() & I8042_STR_OBF);
    ck_assert_int_eq(irq1_p.rises, 0);
    /* enabling IRQ1 with the buffer full raises it */
    cmd(0x60);
    ck_assert_int_eq(irq1_p.rises, 0);
    data_out(0x01); /* the 0x55 is still waiting */
    ck_assert_int_eq(irq1_p.level, 1);
    ck_assert_uint_eq(bus_in(bus, 0x60, 1), 0x55);
    ck_assert_int_eq(irq1_p.level, 0);
}
END_TEST

START_TEST(test_output_port_a20_and_reset)
{
    cmd(0xD0);
    expect_bytes((const uint8_t[]){0xCF}, 1);
    cmd(0xD1);
    data_out(0xCD); /* A20 off, CPU running */
    ck_assert_int_eq(a20_p.level, 0);
    ck_assert_int_eq(a20_p.sets, 1);
    ck_assert_int_eq(reset_p.rises, 0);
    cmd(0xD0);
    expect_bytes((const uint8_t[]){0xCD}, 1);
    cmd(0xD1);
    data_out(0xCF);
    ck_assert_int_eq(a20_p.level, 1);
    ck_assert_int_eq(reset_p.rises, 0);
    /* bit 0 written as 0 resets the CPU */
    cmd(0xD1);
    data_out(0xCE);
    ck_assert_int_eq(reset_p.rises, 1);
    ck_assert_int_eq(reset_p.falls, 1);
    ck_assert_int_eq(a20_p.level, 1);
    cmd(0xD0);
    expect_bytes((const uint8_t[]){0xCF}, 1); /* CPU running again */
    /* output port bit 4 shows the keyboard output buffer: with a byte
     * waiting, the D0 answer is queued behind it and has bit 4 set */
    i8042_push_kbd_byte(kbc, 0x1C);
    cmd(0xD0);
    expect_bytes((const uint8_t[]){0x1C, 0xDF}, 2);
}
END_TEST

START_TEST(test_a20_commands)
{
    cmd(0xDD);
    ck_assert_int_eq(a20_p.level, 0);
    ck_assert_int_eq(a20_p.sets, 1);
    cmd(0xD0);
    expect_bytes((const uint8_t[]){0xCD}, 1);
    cmd(0xDF);
    ck_assert_int_eq(a20_p.level, 1);
    cmd(0xD0);
    expect_bytes((const uint8_t[]){0xCF}, 1);
    ck_assert_int_eq(reset_p.rises, 0);
}
END_TEST

START_TEST(test_pulse_output_port)
{
    cmd(0xFE);
    ck_assert_int_eq(reset_p.rises, 1);
    ck_assert_int_eq(reset_p.level, 0);
    cmd(0xFF); /* pulses nothing */
    ck_assert_int_eq(reset_p.rises, 1);
    cmd(0xFD); /* bit 0 not pulsed */
    ck_assert_int_eq(reset_p.rises, 1);
    cmd(0xF0); /* bits 0-3 all pulsed */
    ck_assert_int_eq(reset_p.rises, 2);
    cmd(0xFC);
    ck_assert_int_eq(reset_p.rises, 3);
    ck_assert_uint_eq(status() & I8042_STR_OBF, 0);
    ck_assert_int_eq(a20_p.sets, 0);
}
END_TEST

/* A device with its own buffer: the controller pulls bytes from it. */
struct pull_dev {
    struct i8042 *kbc;
    bool aux;
    uint8_t out[32];
    int head, count;
    uint8_t got[16];
    int ngot;
    int reads;
};

static int pull_read(void *opaque)
{
    struct pull_dev *d = opaque;
    d->reads++;
    if (!d->count)
        return -1;
    d->count--;
    return d->out[d->head++];
}

static void pull_send(struct pull_dev *d, uint8_t byte)
{
    d->out[d->head + d->count++] = byte;
    if (d->aux)
        i8042_aux_ready(d->kbc);
    else
        i8042_kbd_ready(d->kbc);
}

/* answers FF with FA AA, anything else with FA */
static void pull_write(void *opaque, uint8_t byte)
{
    struct pull_dev *d = opaque;
    d->got[d->ngot++] = byte;
    pull_send(d, 0xFA);
    if (byte == 0xFF)
        pull_send(d, 0xAA);
}

START_TEST(test_keyboard_reset_with_irq1)
{
    struct pull_dev kbd = {.kbc = kbc};
    i8042_attach_kbd(kbc, pull_write, pull_read, &kbd);
    data_out(0xFF);
    ck_assert_int_eq(kbd.ngot, 1);
    ck_assert_int_eq(irq1_p.level, 1);
    ck_assert_int_eq(irq1_p.rises, 1);
    ck_assert_uint_eq(status() & (I8042_STR_OBF | I8042_STR_AUXOBF), I8042_STR_OBF);
    ck_assert_int_eq(kbd.count, 1); /* the AA waits in the device */
    ck_assert_uint_eq(bus_in(bus, 0x60, 1), 0xFA);
    /* the next byte follows at once, with a fresh IRQ1 edge */
    ck_assert_int_eq(irq1_p.rises, 2);
    ck_assert_int_eq(irq1_p.level, 1);
    ck_assert_uint_eq(bus_in(bus, 0x60, 1), 0xAA);
    ck_assert_int_eq(irq1_p.level, 0);
    ck_assert_uint_eq(status() & I8042_STR_OBF, 0);
    ck_assert_int_eq(irq12_p.rises, 0);
}
END_TEST

/* Translation (command byte bit 6): set 2 -> set 1, F0 folded into bit 7
 * of the next byte, 00 (overrun) -> FF, 83 (F7) -> 41, 84 (SysRq) -> 54,
 * other bytes from 80h up unchanged. */
START_TEST(test_translation)
{
    static const uint8_t set2[] = {0x1C, 0xF0, 0x1C, 0xE0, 0x75, 0xE0, 0xF0, 0x75, 0x83, 0xF0,
                                   0x83, 0x84, 0x00, 0xAA, 0xFA, 0xAB, 0x83, 0x01, 0x02, 0x03,
                                   0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77, 0xF0, 0xAB};
    static const uint8_t set1[] = {0x1E, 0x9E, 0xE0, 0x48, 0xE0, 0xC8, 0x41, 0xC1, 0x54, 0xFF, 0xAA, 0xFA,
                                   0xAB, 0x41, 0x43, 0x41, 0x3F, 0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5, 0xAB};
    write_command_byte(0x41); /* translate, IRQ1 */
    uint8_t got[sizeof set2];
    size_t n = 0;
    for (size_t i = 0; i < sizeof set2; i++) {
        i8042_push_kbd_byte(kbc, set2[i]);
        while (status() & I8042_STR_OBF)
            got[n++] = (uint8_t)bus_in(bus, 0x60, 1);
    }
    ck_assert_uint_eq(n, sizeof set1);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(got[i] == set1[i], "byte %zu: got %02x, want %02x", i, got[i], set1[i]);
    /* without translation the bytes pass unchanged */
    write_command_byte(0x01);
    for (size_t i = 0; i < 8; i++)
        i8042_push_kbd_byte(kbc, set2[i]);
    expect_bytes(set2, 8);
    /* an F0 alone gives the host nothing; the next byte carries the break */
    write_command_byte(0x41);
    i8042_push_kbd_byte(kbc, 0xF0);
    ck_assert_uint_eq(status() & I8042_STR_OBF, 0);
    ck_assert_int_eq(irq1_p.level, 0);
    i8042_push_kbd_byte(kbc, 0x5A);
    expect_bytes((const uint8_t[]){0x9C}, 1);
    /* the table itself: a permutation of 01-7F, identity above except 83/84 */
    bool seen[256] = {false};
    for (int b = 1; b < 0x80; b++) {
        uint8_t t = i8042_translate((uint8_t)b);
        ck_assert_msg(t < 0x80 && !seen[t], "translate(%02x) = %02x", b, t);
        seen[t] = true;
    }
    for (int b = 0x80; b < 0x100; b++)
        if (b != 0x83 && b != 0x84)
            ck_assert_uint_eq(i8042_translate((uint8_t)b), b);
    /* aux data is never translated */
    i8042_push_aux_byte(kbc, 0x1C);
    expect_bytes((const uint8_t[]){0x1C}, 1);
}
END_TEST

START_TEST(test_keyboard_port_empty_times_out)
{
    data_out(0xF2);
    uint8_t s = status();
    ck_assert(s & I8042_STR_OBF);
    ck_assert(s & I8042_STR_TIMEOUT);
    ck_assert(!(s & I8042_STR_AUXOBF));
    ck_assert_int_eq(irq1_p.level, 1);
    /* the controller's FE is not translated */
    ck_assert_uint_eq(bus_in(bus, 0x60, 1), 0xFE);
    write_command_byte(0x41);
    data_out(0xFF);
    expect_bytes((const uint8_t[]){0xFE}, 1);
    ck_assert_uint_eq(status() & I8042_STR_TIMEOUT, 0);
}
END_TEST

/* The controller takes a device's bytes one at a time, only while its
 * output buffer is empty and the port's clock is not held. */
START_TEST(test_pull_devices)
{
    struct pull_dev kbd = {.kbc = kbc}, mouse = {.kbc = kbc, .aux = true};
    i8042_attach_kbd(kbc, pull_write, pull_read, &kbd);
    i8042_attach_aux(kbc, pull_write, pull_read, &mouse);
    write_command_byte(0x30); /* both clocks held, no IRQs */
    pull_send(&kbd, 0x1C);
    pull_send(&mouse, 0x08);
    pull_send(&mouse, 0x01);
    ck_assert_uint_eq(status() & I8042_STR_OBF, 0);
    ck_assert_int_eq(kbd.count, 1);
    ck_assert_int_eq(mouse.count, 2);
    cmd(0xA8); /* aux clock released: the mouse byte, AUXB, no IRQ12 (disabled) */
    ck_assert_uint_eq(status() & (I8042_STR_OBF | I8042_STR_AUXOBF), I8042_STR_OBF | I8042_STR_AUXOBF);
    ck_assert_int_eq(mouse.count, 1);
    ck_assert_int_eq(irq12_p.rises, 0);
    /* enabling IRQ12 with the byte waiting raises it */
    write_command_byte(0x12);
    ck_assert_int_eq(irq12_p.level, 1);
    ck_assert_int_eq(irq1_p.level, 0);
    ck_assert_uint_eq(bus_in(bus, 0x60, 1), 0x08);
    ck_assert_int_eq(irq12_p.rises, 2); /* the second byte, a new edge */
    ck_assert_uint_eq(bus_in(bus, 0x60, 1), 0x01);
    ck_assert_int_eq(irq12_p.level, 0);
    /* keyboard still held; releasing it delivers with IRQ1 once enabled */
    ck_assert_uint_eq(status() & I8042_STR_OBF, 0);
    write_command_byte(0x03);
    ck_assert_uint_eq(status() & (I8042_STR_OBF | I8042_STR_AUXOBF), I8042_STR_OBF);
    ck_assert_int_eq(irq1_p.level, 1);
    expect_bytes((const uint8_t[]){0x1C}, 1);
    /* the keyboard comes before the mouse when both have data */
    pull_send(&mouse, 0x09);
    ck_assert_uint_eq(bus_in(bus, 0x60, 1), 0x09);
    write_command_byte(0x33);
    pull_send(&mouse, 0x0A);
    pull_send(&kbd, 0x1D);
    write_command_byte(0x03);
    ck_assert_uint_eq(bus_in(bus, 0x60, 1), 0x1D);
    ck_assert(status() & I8042_STR_AUXOBF);
    ck_assert_uint_eq(bus_in(bus, 0x60, 1), 0x0A);
    /* D4 reaches the mouse; its answer comes back as aux data */
    cmd(0xD4);
    data_out(0xF4);
    ck_assert_int_eq(mouse.ngot, 1);
    ck_assert_uint_eq(mouse.got[0], 0xF4);
    ck_assert(status() & I8042_STR_AUXOBF);
    expect_bytes((const uint8_t[]){0xFA}, 1);
    ck_assert_int_eq(kbd.ngot, 0);
    /* with translation on, keyboard bytes pulled are translated too */
    write_command_byte(0x43);
    pull_send(&kbd, 0xF0);
    pull_send(&kbd, 0x1C);
    expect_bytes((const uint8_t[]){0x9E}, 1);
}
END_TEST

START_TEST(test_keyboard_disabled_holds_bytes)
{
    cmd(0xAD);
    i8042_push_kbd_byte(kbc, 0x1C);
    ck_assert_uint_eq(status() & I8042_STR_OBF, 0);
    ck_assert_int_eq(irq1_p.rises, 0);
    cmd(0xAE);
    ck_assert_int_eq(irq1_p.level, 1);
    expect_bytes((const uint8_t[]){0x1C}, 1);
    /* sending to a disabled keyboard enables it so the answer comes back */
    struct pull_dev kbd = {.kbc = kbc};
    i8042_attach_kbd(kbc, pull_write, pull_read, &kbd);
    cmd(0xAD);
    data_out(0xF4);
    expect_bytes((const uint8_t[]){0xFA}, 1);
    ck_assert_uint_eq(read_command_byte() & I8042_CTR_KBDDIS, 0);
}
END_TEST

START_TEST(test_controller_replies_come_first)
{
    cmd(0xAD);
    i8042_push_kbd_byte(kbc, 0x11);
    cmd(0x20); /* reply goes out although the keyboard bytes wait */
    expect_bytes((const uint8_t[]){0x13}, 1);
    cmd(0xAE);
    expect_bytes((const uint8_t[]){0x11}, 1);
}
END_TEST

START_TEST(test_aux_port_empty_times_out)
{
    cmd(0xD4);
    data_out(0xFF);
    uint8_t s = status();
    ck_assert(s & I8042_STR_OBF);
    ck_assert(s & I8042_STR_AUXOBF);
    ck_assert(s & I8042_STR_TIMEOUT);
    ck_assert_int_eq(irq12_p.level, 1);
    ck_assert_int_eq(irq1_p.rises, 0);
    ck_assert_uint_eq(bus_in(bus, 0x60, 1), 0xFE);
    ck_assert_int_eq(irq12_p.level, 0);
    ck_assert_uint_eq(status() & (I8042_STR_TIMEOUT | I8042_STR_AUXOBF), 0);
}
END_TEST

START_TEST(test_write_output_buffers)
{
    cmd(0xD2);
    data_out(0x42);
    ck_assert_uint_eq(status() & (I8042_STR_OBF | I8042_STR_AUXOBF), I8042_STR_OBF);
    ck_assert_int_eq(irq1_p.level, 1);
    ck_assert_uint_eq(bus_in(bus, 0x60, 1), 0x42);
    cmd(0xD3);
    data_out(0x43);
    ck_assert_uint_eq(status() & (I8042_STR_OBF | I8042_STR_AUXOBF), I8042_STR_OBF | I8042_STR_AUXOBF);
    ck_assert_int_eq(irq12_p.level, 1);
    ck_assert_int_eq(irq1_p.level, 0);
    cmd(0xD0); /* queued behind: output port shows bit 5 */
    ck_assert_uint_eq(bus_in(bus, 0x60, 1), 0x43);
    expect_bytes((const uint8_t[]){0xEF}, 1);
    /* D2 bypasses translation */
    write_command_byte(0x41);
    cmd(0xD2);
    data_out(0x83);
    expect_bytes((const uint8_t[]){0x83}, 1);
}
END_TEST

/* a device plugged into a port sees every byte sent to it */
struct fake_dev {
    struct i8042 *kbc;
    uint8_t got[16];
    int n;
    bool aux;
};

static void fake_write(void *opaque, uint8_t byte)
{
    struct fake_dev *d = opaque;
    d->got[d->n++] = byte;
    if (d->aux)
        i8042_push_aux_byte(d->kbc, 0xFA);
    else
        i8042_push_kbd_byte(d->kbc, 0xFA);
}

START_TEST(test_attached_devices)
{
    struct fake_dev kbd = {.kbc = kbc}, mouse = {.kbc = kbc, .aux = true};
    i8042_attach_kbd(kbc, fake_write, NULL, &kbd);
    i8042_attach_aux(kbc, fake_write, NULL, &mouse);
    data_out(0xF2);
    ck_assert_int_eq(kbd.n, 1);
    ck_assert_uint_eq(kbd.got[0], 0xF2);
    expect_bytes((const uint8_t[]){0xFA}, 1); /* the device's answer */
    cmd(0xA7);
    cmd(0xD4);
    data_out(0xF4);
    ck_assert_int_eq(mouse.n, 1);
    ck_assert_uint_eq(mouse.got[0], 0xF4);
    ck_assert(status() & I8042_STR_AUXOBF);
    ck_assert_int_eq(irq12_p.level, 1);
    expect_bytes((const uint8_t[]){0xFA}, 1);
    ck_assert_uint_eq(read_command_byte() & I8042_CTR_AUXDIS, 0); /* D4 enabled aux */
    /* a detached keyboard port times out */
    i8042_attach_kbd(kbc, NULL, NULL, NULL);
    data_out(0xFF);
    ck_assert(status() & I8042_STR_TIMEOUT);
    expect_bytes((const uint8_t[]){0xFE}, 1);
}
END_TEST

START_TEST(test_push_queue_and_irq_edges)
{
    for (int i = 0; i < I8042_QUEUE_SIZE; i++)
        ck_assert(i8042_push_kbd_byte(kbc, (uint8_t)i));
    /* one in the output buffer, the queue has room for one more */
    ck_assert(i8042_push_kbd_byte(kbc, 0x10));
    ck_assert(!i8042_push_kbd_byte(kbc, 0x11));
    for (int i = 0; i <= 0x10; i++) {
        ck_assert_int_eq(irq1_p.rises, i + 1);
        ck_assert_uint_eq(data_in(), i);
    }
    ck_assert_uint_eq(status() & I8042_STR_OBF, 0);
    ck_assert_int_eq(irq1_p.level, 0);
    /* aux data raises IRQ12, not IRQ1, and sets AUXOBF */
    i8042_push_aux_byte(kbc, 0x08);
    ck_assert_int_eq(irq12_p.level, 1);
    ck_assert_int_eq(irq1_p.level, 0);
    ck_assert(status() & I8042_STR_AUXOBF);
    ck_assert_uint_eq(data_in(), 0x08);
    /* reading an empty buffer returns the last byte */
    ck_assert_uint_eq(bus_in(bus, 0x60, 1), 0x08);
}
END_TEST

START_TEST(test_reset_and_free)
{
    write_command_byte(0x45);
    cmd(0xAA);
    i8042_reset(kbc);
    ck_assert_uint_eq(status(), I8042_STR_UNLOCK);
    ck_assert_int_eq(irq1_p.level, 0);
    ck_assert_uint_eq(read_command_byte(), 0x03);
    ck_assert_ptr_null(i8042_new(bus, NULL, NULL, NULL, NULL)); /* ports taken */
    i8042_free(kbc);
    ck_assert_ptr_null(bus_owner(bus, BUS_IO, 0x60));
    ck_assert_ptr_null(bus_owner(bus, BUS_IO, 0x64));
    kbc = i8042_new(bus, NULL, NULL, NULL, NULL); /* lines are optional */
    ck_assert_ptr_nonnull(kbc);
    data_out(0xFF);
    cmd(0xFE);
    ck_assert_uint_eq(data_in(), 0xFE);
}
END_TEST

START_TEST(test_vmstate_round_trip)
{
    write_command_byte(0x47);
    cmd(0xD1);
    data_out(0xCD);
    static const uint8_t bytes[] = {0xFA, 0xAB, 0x83, 0xF0, 0x1C};
    for (size_t i = 0; i < sizeof bytes; i++)
        i8042_push_kbd_byte(kbc, bytes[i]);
    ck_assert_uint_eq(data_in(), 0xFA);

    struct bus *b2 = bus_new();
    struct i8042 *k2 = i8042_new(b2, NULL, NULL, NULL, NULL);
    ck_assert_ptr_nonnull(k2);
    for (const struct vmstate_field *f = i8042_vmstate.fields; f->name; f++)
        memcpy((char *)k2 + f->offset, (const char *)kbc + f->offset, f->size * f->count);
    i8042_post_load(k2);
    ck_assert_uint_eq(bus_in(b2, 0x60, 1), 0xAB);
    ck_assert_uint_eq(bus_in(b2, 0x60, 1), 0x41);
    ck_assert_uint_eq(bus_in(b2, 0x60, 1), 0x9E);
    bus_out(b2, 0x64, 0x20, 1);
    ck_assert_uint_eq(bus_in(b2, 0x60, 1), 0x47);
    bus_out(b2, 0x64, 0xD0, 1);
    ck_assert_uint_eq(bus_in(b2, 0x60, 1), 0xCD);

    /* a translated F0 waiting for its byte is part of the state */
    expect_bytes((const uint8_t[]){0xAB, 0x41, 0x9E}, 3);
    i8042_push_kbd_byte(kbc, 0xAB);
    i8042_push_kbd_byte(kbc, 0xF0);
    ck_assert_uint_eq(data_in(), 0xAB);
    for (const struct vmstate_field *f = i8042_vmstate.fields; f->name; f++)
        memcpy((char *)k2 + f->offset, (const char *)kbc + f->offset, f->size * f->count);
    i8042_post_load(k2);
    i8042_push_kbd_byte(k2, 0x5A);
    ck_assert_uint_eq(bus_in(b2, 0x60, 1), 0x9C);
    i8042_free(k2);
    bus_free(b2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("i8042");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_initial_status);
    tcase_add_test(tc, test_self_test);
    tcase_add_test(tc, test_interface_tests_and_input_port);
    tcase_add_test(tc, test_command_byte);
    tcase_add_test(tc, test_irq_enable_bits);
    tcase_add_test(tc, test_output_port_a20_and_reset);
    tcase_add_test(tc, test_a20_commands);
    tcase_add_test(tc, test_pulse_output_port);
    tcase_add_test(tc, test_keyboard_reset_with_irq1);
    tcase_add_test(tc, test_translation);
    tcase_add_test(tc, test_keyboard_port_empty_times_out);
    tcase_add_test(tc, test_pull_devices);
    tcase_add_test(tc, test_keyboard_disabled_holds_bytes);
    tcase_add_test(tc, test_controller_replies_come_first);
    tcase_add_test(tc, test_aux_port_empty_times_out);
    tcase_add_test(tc, test_write_output_buffers);
    tcase_add_test(tc, test_attached_devices);
    tcase_add_test(tc, test_push_queue_and_irq_edges);
    tcase_add_test(tc, test_reset_and_free);
    tcase_add_test(tc, test_vmstate_round_trip);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
