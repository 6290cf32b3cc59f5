/* i8042.c - 8042 keyboard controller (see i8042.h).
 *
 * References: IBM Personal Computer AT Technical Reference, "Keyboard
 * Controller" (status register, command byte, input and output ports,
 * commands 20h-FFh); IBM PS/2 Keyboard and Auxiliary Device Controller
 * reference (auxiliary port commands A7h-A9h, D2h-D4h); the DDh/DFh A20
 * commands and the AAh side effects as in HP/Compaq desktop technical
 * reference guides ("CPU commands to the 8042"); the translation table as
 * published by A. Brouwer, "Keyboard scancodes" section 9.3 (after G. J.
 * Konzak, "PC 8042 Controller"). */
#include "devices/i8042.h"

#include <stddef.h>
#include <stdlib.h>

/* queue entries: the byte, plus where it came from */
#define ENTRY_TIMEOUT 0x100 /* no device answered: set STR_TIMEOUT with it */
#define ENTRY_AUX     0x200 /* auxiliary-device data */

/* AT input port (command C0h): bit 7 keyboard not inhibited, bit 6 = 0
 * colour display, bit 5 = 1 manufacturing jumper not installed (0 would
 * send an IBM BIOS into its burn-in loop), bit 4 = 1 second 256K enabled */
#define INPUT_PORT 0xB0

/* output port after the controller's reset: CPU running, A20 enabled,
 * clock and data lines idle (high) */
#define OUTPORT_RESET 0xCF

struct byte_queue {
    uint16_t data[I8042_QUEUE_SIZE];
    uint8_t head, count;
};

struct i8042 {
    struct bus *bus;
    const struct irq_line *a20, *reset, *irq1, *irq12;
    void (*kbd_write)(void *opaque, uint8_t byte);
    int (*kbd_read)(void *opaque);
    void *kbd_opaque;
    void (*aux_write)(void *opaque, uint8_t byte);
    int (*aux_read)(void *opaque);
    void *aux_opaque;

    /* saved state (i8042_vmstate) */
    uint8_t ram[32];     /* controller RAM; byte 0 is the command byte */
    uint8_t outport;     /* output port, bits 4/5 computed on read */
    uint8_t pending_cmd; /* command waiting for its data byte, 0 if none */
    uint8_t sys_flag;
    uint8_t last_was_cmd; /* status bit 3 */
    uint8_t obf;
    uint16_t obuf; /* entry in the output buffer */
    struct byte_queue ctrl_q, kbd_q, aux_q;
    uint8_t irq1_level, irq12_level;
    uint8_t xlate_break; /* translation saw F0h: set bit 7 of the next byte */
};

/* ---- queues ---- */

static bool queue_push(struct byte_queue *q, uint16_t entry)
{
    if (q->count >= I8042_QUEUE_SIZE)
        return false;
    q->data[(q->head + q->count) % I8042_QUEUE_SIZE] = entry;
    q->count++;
    return true;
}

static uint16_t queue_pop(struct byte_queue *q)
{
    uint16_t e = q->data[q->head];
    q->head = (q->head + 1) % I8042_QUEUE_SIZE;
    q->count--;
    return e;
}

static void queue_clear(struct byte_queue *q)
{
    q->head = q->count = 0;
}

/* ---- output buffer and interrupts ---- */

/* Output port bits 4 and 5 are the IRQ1/IRQ12 pins: output buffer full
 * with data of that kind, gated by the command byte's enable bits. */
static void update_irq(struct i8042 *c)
{
    bool aux = c->obuf & ENTRY_AUX;
    uint8_t l1 = c->obf && !aux && (c->ram[0] & I8042_CTR_KBDINT);
    uint8_t l12 = c->obf && aux && (c->ram[0] & I8042_CTR_AUXINT);
    if (l1 != c->irq1_level) {
        c->irq1_level = l1;
        irq_set(c->irq1, l1);
    }
    if (l12 != c->irq12_level) {
        c->irq12_level = l12;
        irq_set(c->irq12, l12);
    }
}

/* Set 2 -> set 1, indexed by the keyboard's byte.  00h (set 2 overrun)
 * becomes FFh (set 1 overrun); the first half is one-to-one. */
static const uint8_t xlate_table[256] = {
    0xff, 0x43, 0x41, 0x3f, 0x3d, 0x3b, 0x3c, 0x58, 0x64, 0x44, 0x42, 0x40, 0x3e, 0x0f, 0x29, 0x59, /* 00 */
    0x65, 0x38, 0x2a, 0x70, 0x1d, 0x10, 0x02, 0x5a, 0x66, 0x71, 0x2c, 0x1f, 0x1e, 0x11, 0x03, 0x5b, /* 10 */
    0x67, 0x2e, 0x2d, 0x20, 0x12, 0x05, 0x04, 0x5c, 0x68, 0x39, 0x2f, 0x21, 0x14, 0x13, 0x06, 0x5d, /* 20 */
    0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5e, 0x6a, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5f, /* 30 */
    0x6b, 0x33, 0x25, 0x17, 0x18, 0x0b, 0x0a, 0x60, 0x6c, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0c, 0x61, /* 40 */
    0x6d, 0x73, 0x28, 0x74, 0x1a, 0x0d, 0x62, 0x6e, 0x3a, 0x36, 0x1c, 0x1b, 0x75, 0x2b, 0x63, 0x76, /* 50 */
    0x55, 0x56, 0x77, 0x78, 0x79, 0x7a, 0x0e, 0x7b, 0x7c, 0x4f, 0x7d, 0x4b, 0x47, 0x7e, 0x7f, 0x6f, /* 60 */
    0x52, 0x53, 0x50, 0x4c, 0x4d, 0x48, 0x01, 0x45, 0x57, 0x4e, 0x51, 0x4a, 0x37, 0x49, 0x46, 0x54, /* 70 */
    0x80, 0x81, 0x82, 0x41, 0x54, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f, /* 80 */
    0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, /* 90 */
    0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf, /* a0 */
    0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf, /* b0 */
    0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, /* c0 */
    0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, /* d0 */
    0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef, /* e0 */
    0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff, /* f0 */
};

uint8_t i8042_translate(uint8_t byte)
{
    return xlate_table[byte];
}

/* the keyboard port's next entry: bytes pushed for it first, then the
 * device's own buffer; -1 if neither has one */
static int take_kbd(struct i8042 *c)
{
    if (c->kbd_q.count)
        return queue_pop(&c->kbd_q);
    return c->kbd_read ? c->kbd_read(c->kbd_opaque) : -1;
}

static int take_aux(struct i8042 *c)
{
    if (c->aux_q.count)
        return queue_pop(&c->aux_q);
    return c->aux_read ? c->aux_read(c->aux_opaque) : -1;
}

/* Fill an empty output buffer: controller replies first, then the keyboard
 * and the auxiliary device unless their interface is disabled (clock held
 * low: the device keeps its bytes).  A translated F0h produces no byte of
 * its own; the 8042 receives the next one at once. */
static void service(struct i8042 *c)
{
    while (!c->obf) {
        if (c->ctrl_q.count) {
            c->obuf = queue_pop(&c->ctrl_q);
            c->obf = 1;
            break;
        }
        int e = (c->ram[0] & I8042_CTR_KBDDIS) ? -1 : take_kbd(c);
        if (e >= 0) {
            if (!(e & ENTRY_TIMEOUT) && (c->ram[0] & I8042_CTR_XLATE)) {
                if (e == 0xF0) {
                    c->xlate_break = 1;
                    continue;
                }
                e = xlate_table[e] | (c->xlate_break ? 0x80 : 0);
                c->xlate_break = 0;
            }
            c->obuf = (uint16_t)e;
            c->obf = 1;
            break;
        }
        e = (c->ram[0] & I8042_CTR_AUXDIS) ? -1 : take_aux(c);
        if (e >= 0) {
            c->obuf = (uint16_t)e | ENTRY_AUX;
            c->obf = 1;
        }
        break;
    }
    update_irq(c);
}

static void ctrl_reply(struct i8042 *c, uint8_t byte)
{
    queue_push(&c->ctrl_q, byte);
}

bool i8042_push_kbd_byte(struct i8042 *c, uint8_t byte)
{
    bool ok = queue_push(&c->kbd_q, byte);
    service(c);
    return ok;
}

bool i8042_push_aux_byte(struct i8042 *c, uint8_t byte)
{
    bool ok = queue_push(&c->aux_q, byte);
    service(c);
    return ok;
}

void i8042_kbd_ready(struct i8042 *c)
{
    service(c);
}

void i8042_aux_ready(struct i8042 *c)
{
    service(c);
}

bool i8042_kbd_translation(const struct i8042 *c)
{
    return c->ram[0] & I8042_CTR_XLATE;
}

/* ---- sending to the devices ---- */

static void send_to_kbd(struct i8042 *c, uint8_t byte)
{
    /* sending to the keyboard enables its interface again (clears the
     * disable bit), as QEMU's model does: BIOS code often disables the
     * interface, then sends a command and waits for the answer, which would
     * otherwise sit behind the held clock line forever */
    c->ram[0] &= (uint8_t)~I8042_CTR_KBDDIS;
    if (c->kbd_write)
        c->kbd_write(c->kbd_opaque, byte);
    else
        queue_push(&c->kbd_q, 0xFE | ENTRY_TIMEOUT);
}

static void send_to_aux(struct i8042 *c, uint8_t byte)
{
    c->ram[0] &= (uint8_t)~I8042_CTR_AUXDIS; /* D4h enables the aux interface */
    if (c->aux_write)
        c->aux_write(c->aux_opaque, byte);
    else
        queue_push(&c->aux_q, 0xFE | ENTRY_TIMEOUT);
}

void i8042_attach_kbd(struct i8042 *c, void (*write)(void *opaque, uint8_t byte), int (*read)(void *opaque),
                      void *opaque)
{
    c->kbd_write = write;
    c->kbd_read = write ? read : NULL;
    c->kbd_opaque = opaque;
    service(c);
}

void i8042_attach_aux(struct i8042 *c, void (*write)(void *opaque, uint8_t byte), int (*read)(void *opaque),
                      void *opaque)
{
    c->aux_write = write;
    c->aux_read = write ? read : NULL;
    c->aux_opaque = opaque;
    service(c);
}

/* ---- output port ---- */

static void set_a20(struct i8042 *c, bool on)
{
    if (on)
        c->outport |= I8042_OUT_A20;
    else
        c->outport &= (uint8_t)~I8042_OUT_A20;
    irq_set(c->a20, on);
}

static uint8_t outport_read(const struct i8042 *c)
{
    uint8_t v = c->outport & (uint8_t) ~(I8042_OUT_KBDOBF | I8042_OUT_AUXOBF);
    if (c->obf)
        v |= (c->obuf & ENTRY_AUX) ? I8042_OUT_AUXOBF : I8042_OUT_KBDOBF;
    return v;
}

/* AT Technical Reference, output port: bit 0 is the system reset line
 * (writing 0 resets the CPU), bit 1 the A20 gate. */
static void outport_write(struct i8042 *c, uint8_t v)
{
    c->outport = v;
    set_a20(c, v & I8042_OUT_A20);
    if (!(v & I8042_OUT_RESET)) {
        irq_pulse(c->reset);
        c->outport |= I8042_OUT_RESET; /* the CPU comes out of reset again */
    }
}

/* ---- host interface ---- */

static uint8_t status_read(const struct i8042 *c)
{
    uint8_t s = I8042_STR_UNLOCK;
    if (c->obf) {
        s |= I8042_STR_OBF;
        if (c->obuf & ENTRY_AUX)
            s |= I8042_STR_AUXOBF;
        if (c->obuf & ENTRY_TIMEOUT)
            s |= I8042_STR_TIMEOUT;
    }
    if (c->sys_flag)
        s |= I8042_STR_SYSFLAG;
    if (c->last_was_cmd)
        s |= I8042_STR_CMD;
    return s;
}

static uint8_t data_read(struct i8042 *c)
{
    uint8_t v = (uint8_t)c->obuf; /* an empty buffer reads its last byte */
    if (c->obf) {
        c->obf = 0;
        /* drop the IRQ before the next byte raises it again, so that an
         * edge-triggered 8259 sees a new edge */
        update_irq(c);
        c->obuf &= 0xFF;
    }
    service(c);
    return v;
}

static void command_write(struct i8042 *c, uint8_t cmd)
{
    c->last_was_cmd = 1;
    c->pending_cmd = 0;
    if (cmd >= 0x20 && cmd <= 0x3F) { /* read controller RAM (20h: command byte) */
        ctrl_reply(c, c->ram[cmd & 0x1F]);
    } else if (cmd >= 0x60 && cmd <= 0x7F) { /* write controller RAM */
        c->pending_cmd = cmd;
    } else if (cmd >= 0xF0) {
        /* pulse output port bits 0-3 low where the command has a 0; only
         * bit 0 (reset) has an effect worth modelling: FEh resets the CPU */
        if (!(cmd & 0x01))
            irq_pulse(c->reset);
    } else {
        switch (cmd) {
        case 0xA4: /* password installed? F1h = no */
            ctrl_reply(c, 0xF1);
            break;
        case 0xA7: /* disable auxiliary interface */
            c->ram[0] |= I8042_CTR_AUXDIS;
            break;
        case 0xA8: /* enable auxiliary interface */
            c->ram[0] &= (uint8_t)~I8042_CTR_AUXDIS;
            break;
        case 0xA9: /* auxiliary interface test: 00h = no error */
        case 0xAB: /* keyboard interface test */
            ctrl_reply(c, 0x00);
            break;
        case 0xAA: /* self test: inhibits both interfaces, 55h = passed, and
                      sets the system flag */
            c->ram[0] |= I8042_CTR_KBDDIS | I8042_CTR_AUXDIS;
            c->sys_flag = 1;
            ctrl_reply(c, 0x55);
            break;
        case 0xAD: /* disable keyboard interface */
            c->ram[0] |= I8042_CTR_KBDDIS;
            break;
        case 0xAE: /* enable keyboard interface */
            c->ram[0] &= (uint8_t)~I8042_CTR_KBDDIS;
            break;
        case 0xC0: /* read input port */
            ctrl_reply(c, INPUT_PORT);
            break;
        case 0xD0: /* read output port */
            ctrl_reply(c, outport_read(c));
            break;
        case 0xD1: /* write output port */
        case 0xD2: /* write keyboard output buffer */
        case 0xD3: /* write auxiliary output buffer */
        case 0xD4: /* write to auxiliary device */
            c->pending_cmd = cmd;
            break;
        case 0xDD: /* A20 off */
            set_a20(c, false);
            break;
        case 0xDF: /* A20 on */
            set_a20(c, true);
            break;
        default:
            break; /* unknown commands are ignored, as the AT 8042 does */
        }
    }
    service(c);
}

static void data_write(struct i8042 *c, uint8_t v)
{
    uint8_t cmd = c->pending_cmd;
    c->last_was_cmd = 0;
    c->pending_cmd = 0;
    if (cmd >= 0x60 && cmd <= 0x7F) {
        c->ram[cmd & 0x1F] = v;
        if (cmd == 0x60) /* command byte bit 2 is the system flag */
            c->sys_flag = (v & I8042_CTR_SYS) ? 1 : 0;
    } else if (cmd == 0xD1) {
        outport_write(c, v);
    } else if (cmd == 0xD2) {
        ctrl_reply(c, v); /* as if from the keyboard, untranslated */
    } else if (cmd == 0xD3) {
        queue_push(&c->ctrl_q, v | ENTRY_AUX);
    } else if (cmd == 0xD4) {
        send_to_aux(c, v);
    } else {
        send_to_kbd(c, v);
    }
    service(c);
}

static uint64_t i8042_read(void *opaque, uint64_t offset, unsigned size)
{
    struct i8042 *c = opaque;
    (void)size;
    (void)offset;
    return data_read(c);
}

static void i8042_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    struct i8042 *c = opaque;
    (void)size;
    (void)offset;
    data_write(c, (uint8_t)value);
}

static uint64_t i8042_status_read(void *opaque, uint64_t offset, unsigned size)
{
    (void)size;
    (void)offset;
    return status_read(opaque);
}

static void i8042_command_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    (void)size;
    (void)offset;
    command_write(opaque, (uint8_t)value);
}

static const struct bus_ops i8042_data_ops = {
    .read = i8042_read,
    .write = i8042_write,
    .widths = BUS_W8,
};

static const struct bus_ops i8042_cmd_ops = {
    .read = i8042_status_read,
    .write = i8042_command_write,
    .widths = BUS_W8,
};

struct i8042 *i8042_new(struct bus *bus, const struct irq_line *a20, const struct irq_line *reset,
                        const struct irq_line *irq1, const struct irq_line *irq12)
{
    struct i8042 *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->bus = bus;
    c->a20 = a20;
    c->reset = reset;
    c->irq1 = irq1;
    c->irq12 = irq12;
    if (bus_map(bus, BUS_IO, I8042_DATA_PORT, 1, &i8042_data_ops, c, "i8042 data") != 0) {
        free(c);
        return NULL;
    }
    if (bus_map(bus, BUS_IO, I8042_CMD_PORT, 1, &i8042_cmd_ops, c, "i8042 command") != 0) {
        bus_unmap(bus, BUS_IO, I8042_DATA_PORT);
        free(c);
        return NULL;
    }
    i8042_reset(c);
    return c;
}

void i8042_free(struct i8042 *c)
{
    if (!c)
        return;
    bus_unmap(c->bus, BUS_IO, I8042_DATA_PORT);
    bus_unmap(c->bus, BUS_IO, I8042_CMD_PORT);
    free(c);
}

void i8042_reset(struct i8042 *c)
{
    for (size_t i = 0; i < sizeof c->ram; i++)
        c->ram[i] = 0;
    c->ram[0] = I8042_CTR_KBDINT | I8042_CTR_AUXINT;
    c->outport = OUTPORT_RESET;
    c->pending_cmd = 0;
    c->sys_flag = 0;
    c->last_was_cmd = 0;
    c->obf = 0;
    c->obuf = 0;
    queue_clear(&c->ctrl_q);
    queue_clear(&c->kbd_q);
    queue_clear(&c->aux_q);
    c->xlate_break = 0;
    update_irq(c);
}

static void queue_sanitize(struct byte_queue *q)
{
    q->head %= I8042_QUEUE_SIZE;
    if (q->count > I8042_QUEUE_SIZE)
        q->count = I8042_QUEUE_SIZE;
}

void i8042_post_load(struct i8042 *c)
{
    queue_sanitize(&c->ctrl_q);
    queue_sanitize(&c->kbd_q);
    queue_sanitize(&c->aux_q);
    c->xlate_break = c->xlate_break ? 1 : 0;
    update_irq(c);
}

static const struct vmstate_field i8042_fields[] = {
    VMSTATE_ARRAY(struct i8042, ram),          VMSTATE_FIELD(struct i8042, outport),
    VMSTATE_FIELD(struct i8042, pending_cmd),  VMSTATE_FIELD(struct i8042, sys_flag),
    VMSTATE_FIELD(struct i8042, last_was_cmd), VMSTATE_FIELD(struct i8042, obf),
    VMSTATE_FIELD(struct i8042, obuf),         VMSTATE_ARRAY(struct i8042, ctrl_q.data),
    VMSTATE_FIELD(struct i8042, ctrl_q.head),  VMSTATE_FIELD(struct i8042, ctrl_q.count),
    VMSTATE_ARRAY(struct i8042, kbd_q.data),   VMSTATE_FIELD(struct i8042, kbd_q.head),
    VMSTATE_FIELD(struct i8042, kbd_q.count),  VMSTATE_ARRAY(struct i8042, aux_q.data),
    VMSTATE_FIELD(struct i8042, aux_q.head),   VMSTATE_FIELD(struct i8042, aux_q.count),
    VMSTATE_FIELD(struct i8042, irq1_level),   VMSTATE_FIELD(struct i8042, irq12_level),
    VMSTATE_FIELD(struct i8042, xlate_break),  VMSTATE_END,
};

const struct vmstate_desc i8042_vmstate = {
    .name = "i8042",
    .version = 2, /* 2: built-in keyboard gone, translation state */
    .fields = i8042_fields,
};
