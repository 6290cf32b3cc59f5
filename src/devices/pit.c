/* pit.c - Intel 8254 programmable interval timer (see pit.h).
 *
 * Reference: Intel 8254 Programmable Interval Timer datasheet (order number
 * 231164), sections "Mode Definitions", "Operations Common to All Modes",
 * "Read Operations" and "Read-Back Command".
 *
 * Model.  CLK edges are numbered from virtual time 0: edge k comes at
 * k/1193182 s, and pit_tick(t) counts the edges up to time t.  An access
 * between edges c and c+1 acts "on the next CLK pulse", edge c+1.  A counter
 * that counts remembers the edge `base` at which its counting element (CE)
 * was loaded with `start`; its value and OUT at any later edge follow in
 * closed form from (edge - base).  While it does not count, `hold` and
 * `out_hold` are its value and OUT.  Values are kept as numbers of clocks
 * (0 stands for 65536, or 10000 in BCD) and only encoded to BCD when read.
 *
 * Events: only counter 0 drives an interrupt line, so only its OUT
 * transitions are scheduled on the timer queue, one event per transition,
 * each handled at the exact edge it belongs to (`irq_next`) even if the
 * queue runs it late.  Nothing is scheduled when OUT cannot change. */
#include "devices/pit.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define TICK_NEVER UINT64_MAX

struct pit_channel {
    /* programming */
    uint8_t control;   /* bits 5-0 of the last control word: RW1 RW0 M2 M1 M0 BCD */
    uint8_t mode;      /* 0-5 */
    uint8_t rw;        /* 1 = lsb only, 2 = msb only, 3 = lsb then msb */
    uint8_t bcd;       /* counts in four BCD decades */
    uint16_t cr;       /* count register, as written */
    uint8_t cr_lsb;    /* first byte of a two-byte count */
    uint8_t write_msb; /* write flip-flop: the next count byte is the msb */
    uint8_t read_msb;  /* read flip-flop: the next read returns the msb */
    uint8_t has_count; /* a count was written since the control word */
    /* output latches */
    uint8_t count_latched;
    uint8_t status_latched;
    uint16_t latch;
    uint8_t status;
    /* counting element */
    uint8_t gate;
    uint8_t counting;   /* CE counts from `base` */
    uint8_t fired;      /* modes 0, 4: terminal count was reached before `base` */
    uint8_t phase_high; /* mode 3: OUT during the half-cycle that starts at `base` */
    uint8_t out_hold;   /* OUT when not counting, or before `base` */
    uint8_t pending;    /* modes 2, 3: the count register loads at `pending_at` */
    uint32_t hold;      /* CE when not counting, or before `base` */
    uint32_t start;     /* CE loaded at `base`, 1..65536 (1..10000 in BCD) */
    uint64_t base;
    uint64_t pending_at;
    uint64_t null_until; /* status bit NULL COUNT reads 1 before this edge */
};

struct pit {
    struct pit_channel ch[3];
    uint8_t irq_level; /* level last driven on irq0 */
    uint64_t irq_next; /* edge of counter 0's next OUT transition, or TICK_NEVER */

    struct bus *bus;
    uint16_t iobase;
    struct timerq *tq;
    struct irq_line irq0;
    bool has_irq;
    struct timer timer;
};

/* ---- virtual time <-> CLK edges (exact, no 128-bit arithmetic needed) ---- */

static uint64_t pit_tick(uint64_t ns)
{
    return ns / NS_PER_SEC * PIT_FREQ_HZ + ns % NS_PER_SEC * PIT_FREQ_HZ / NS_PER_SEC;
}

/* earliest virtual time at which pit_tick() reaches edge k */
static uint64_t pit_tick_time(uint64_t k)
{
    return k / PIT_FREQ_HZ * NS_PER_SEC + (k % PIT_FREQ_HZ * NS_PER_SEC + PIT_FREQ_HZ - 1) / PIT_FREQ_HZ;
}

/* ---- one counter ---- */

static uint32_t ce_modulus(const struct pit_channel *ch)
{
    return ch->bcd ? 10000 : 65536;
}

/* the count register as a number of clocks: 0 means the maximum count */
static uint32_t cr_clocks(const struct pit_channel *ch)
{
    uint32_t n = ch->cr;
    if (ch->bcd)
        n = (n >> 12 & 15) * 1000 + (n >> 8 & 15) * 100 + (n >> 4 & 15) * 10 + (n & 15);
    n %= ce_modulus(ch);
    return n ? n : ce_modulus(ch);
}

static uint16_t ce_encode(const struct pit_channel *ch, uint32_t v)
{
    v %= ce_modulus(ch);
    if (!ch->bcd)
        return (uint16_t)v;
    return (uint16_t)((v / 1000) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10);
}

static uint32_t mode3_half(uint32_t period, int high)
{
    return high ? (period + 1) / 2 : period / 2;
}

/* Mode 3: position inside the current half-cycle at e clocks after `base`;
 * *high receives OUT during that half-cycle. */
static uint32_t mode3_position(const struct pit_channel *ch, uint64_t e, int *high)
{
    uint32_t pos = (uint32_t)(e % ch->start);
    uint32_t first = mode3_half(ch->start, ch->phase_high);
    if (pos < first) {
        *high = ch->phase_high;
        return pos;
    }
    *high = !ch->phase_high;
    return pos - first;
}

static uint32_t ce_value(const struct pit_channel *ch, uint64_t c)
{
    if (!ch->counting || c < ch->base)
        return ch->hold;
    uint64_t e = c - ch->base;
    uint32_t p = ch->start, m = ce_modulus(ch);
    int high;
    switch (ch->mode) {
    case 2:
        return p - (uint32_t)(e % p);
    case 3:
        /* 8254 datasheet, mode 3: an odd count N is loaded as N-1; either
         * way the CE then steps down by two each clock. */
        return (p & ~1u) - 2 * mode3_position(ch, e, &high);
    default:
        return (uint32_t)((p + m - e % m) % m);
    }
}

static int ce_out(const struct pit_channel *ch, uint64_t c)
{
    if (!ch->counting || c < ch->base)
        return ch->out_hold;
    uint64_t e = c - ch->base;
    uint32_t p = ch->start;
    int high;
    switch (ch->mode) {
    case 0:
    case 1:
        return ch->fired || e >= p;
    case 2:
        /* a count of 1 is illegal in mode 2; we keep OUT high */
        return p == 1 || e % p != p - 1;
    case 3:
        if (p == 1)
            return 1;
        mode3_position(ch, e, &high);
        return high;
    default: /* 4, 5: one clock low when the count expires */
        return ch->fired || e != p;
    }
}

/* first edge after c at which OUT may change, or TICK_NEVER */
static uint64_t ce_next_edge(const struct pit_channel *ch, uint64_t c)
{
    if (!ch->counting)
        return TICK_NEVER;
    if (c < ch->base) {
        if (ce_out(ch, ch->base) != ch->out_hold)
            return ch->base;
        c = ch->base;
    }
    uint64_t e = c - ch->base, next = TICK_NEVER;
    uint32_t p = ch->start;
    int high;
    switch (ch->mode) {
    case 0:
    case 1:
        if (!ch->fired && e < p)
            next = ch->base + p;
        break;
    case 2:
        if (p > 1) {
            uint32_t pos = (uint32_t)(e % p);
            next = c + (pos < p - 1 ? p - 1 - pos : 1);
        }
        break;
    case 3:
        if (p > 1) {
            uint32_t j = mode3_position(ch, e, &high);
            next = c + (mode3_half(p, high) - j);
        }
        break;
    default:
        if (!ch->fired && e <= p)
            next = e < p ? ch->base + p : c + 1;
        break;
    }
    if (ch->pending && ch->pending_at > c && ch->pending_at < next)
        next = ch->pending_at;
    return next;
}

/* Modes 2 and 3: the edge after c at which the CE reloads (end of the
 * period in mode 2, end of the half-cycle in mode 3). */
static uint64_t ce_next_reload(const struct pit_channel *ch, uint64_t c)
{
    uint64_t e = c - ch->base;
    uint32_t p = ch->start;
    int high;
    if (ch->mode == 2 || p == 1)
        return ch->base + (e / p + 1) * p;
    uint32_t j = mode3_position(ch, e, &high);
    return c + (mode3_half(p, high) - j);
}

/* Apply a reload with a new count that came due at or before c. */
static void channel_sync(struct pit_channel *ch, uint64_t c)
{
    if (ch->pending && c >= ch->pending_at) {
        ch->phase_high = (uint8_t)ce_out(ch, ch->pending_at);
        ch->base = ch->pending_at;
        ch->start = cr_clocks(ch);
        ch->pending = 0;
    }
}

/* stop counting at edge c, keeping value and OUT */
static void channel_stop(struct pit_channel *ch, uint64_t c)
{
    ch->out_hold = (uint8_t)ce_out(ch, c);
    if (ch->counting && c >= ch->base && (ch->mode == 0 || ch->mode == 4))
        ch->fired = ch->fired || c - ch->base >= ch->start;
    ch->hold = ch->counting && c < ch->base ? ch->start : ce_value(ch, c);
    ch->counting = 0;
    if (ch->pending) {
        ch->pending = 0;
        ch->null_until = TICK_NEVER;
    }
}

/* load the CE from the count register on edge c+1 */
static void channel_load_next_edge(struct pit_channel *ch, uint64_t c)
{
    ch->out_hold = (uint8_t)ce_out(ch, c);
    ch->hold = ce_value(ch, c);
    ch->counting = 1;
    ch->base = c + 1;
    ch->start = cr_clocks(ch);
    ch->fired = 0;
    ch->phase_high = 1;
    ch->pending = 0;
    if (ch->null_until > c + 1)
        ch->null_until = c + 1;
}

static void channel_control(struct pit_channel *ch, uint8_t cw, uint64_t c)
{
    uint32_t value = ce_value(ch, c);
    int mode = cw >> 1 & 7;
    ch->control = cw & 0x3F;
    ch->mode = (uint8_t)(mode > 5 ? mode - 4 : mode); /* x10 = mode 2, x11 = mode 3 */
    ch->rw = cw >> 4 & 3;
    ch->bcd = cw & 1;
    ch->hold = value % ce_modulus(ch);
    /* "When a Control Word is written to a Counter, all Control Logic is
     * immediately reset and OUT goes to a known initial state": low in
     * mode 0, high in all others. */
    ch->out_hold = ch->mode != 0;
    ch->counting = 0;
    ch->pending = 0;
    ch->fired = 0;
    ch->has_count = 0;
    ch->write_msb = 0;
    ch->read_msb = 0;
    ch->count_latched = 0;
    ch->status_latched = 0;
    ch->null_until = TICK_NEVER;
}

static void channel_count_written(struct pit_channel *ch, uint64_t c)
{
    ch->has_count = 1;
    switch (ch->mode) {
    case 0:
    case 4:
        /* loaded on the next CLK pulse even while GATE is low; counting
         * waits for GATE.  A new count restarts the counter. */
        channel_load_next_edge(ch, c);
        if (ch->mode == 0)
            ch->out_hold = 0;
        if (!ch->gate) {
            ch->hold = ch->start;
            ch->counting = 0;
            ch->out_hold = ch->mode != 0;
        }
        break;
    case 1:
    case 5:
        /* waits for a trigger; a running one-shot/strobe is not affected */
        ch->null_until = TICK_NEVER;
        break;
    default: /* 2, 3 */
        if (ch->counting && c >= ch->base) {
            /* the current period (mode 3: half-cycle) runs to its end */
            if (!ch->pending) {
                ch->pending = 1;
                ch->pending_at = ce_next_reload(ch, c);
            }
            ch->null_until = ch->pending_at;
        } else if (ch->counting) {
            ch->start = cr_clocks(ch);
        } else if (ch->gate) {
            channel_load_next_edge(ch, c);
        } else {
            ch->null_until = TICK_NEVER;
        }
        break;
    }
}

static void channel_write_count(struct pit_channel *ch, uint8_t v, uint64_t c)
{
    switch (ch->rw) {
    case 1:
        ch->cr = v;
        break;
    case 2:
        ch->cr = (uint16_t)(v << 8);
        break;
    default:
        if (!ch->write_msb) {
            ch->cr_lsb = v;
            ch->write_msb = 1;
            /* Mode 0: "Writing the first byte disables counting.  OUT is
             * set low immediately (no clock pulse required)." */
            if (ch->mode == 0) {
                channel_stop(ch, c);
                ch->out_hold = 0;
            }
            return;
        }
        ch->cr = (uint16_t)(ch->cr_lsb | v << 8);
        ch->write_msb = 0;
        break;
    }
    channel_count_written(ch, c);
}

static void channel_gate(struct pit_channel *ch, int level, uint64_t c)
{
    level = level != 0;
    if (level == ch->gate)
        return;
    ch->gate = (uint8_t)level;
    switch (ch->mode) {
    case 0:
    case 4:
        /* level sensitive: low suspends counting, OUT unaffected */
        if (!level && ch->counting) {
            channel_stop(ch, c);
            if (ch->mode == 4)
                ch->out_hold = 1;
        } else if (level && !ch->counting && ch->has_count && !(ch->mode == 0 && ch->write_msb)) {
            /* counting resumes with the next CLK pulse, but not before a
             * count written while GATE was low has been loaded */
            ch->counting = 1;
            ch->base = c > ch->base ? c : ch->base;
            ch->start = ch->hold;
        }
        break;
    case 1:
    case 5:
        /* a trigger (rising edge) loads the count on the next CLK pulse */
        if (level && ch->has_count)
            channel_load_next_edge(ch, c);
        break;
    default: /* 2, 3 */
        if (!level) {
            /* GATE low stops counting and sets OUT high immediately */
            if (ch->counting)
                channel_stop(ch, c);
            ch->out_hold = 1;
        } else if (ch->has_count) {
            channel_load_next_edge(ch, c);
        }
        break;
    }
}

static void channel_latch_count(struct pit_channel *ch, uint64_t c)
{
    /* a second latch before the first is read is ignored */
    if (!ch->count_latched) {
        ch->latch = ce_encode(ch, ce_value(ch, c));
        ch->count_latched = 1;
    }
}

static void channel_latch_status(struct pit_channel *ch, uint64_t c)
{
    if (!ch->status_latched) {
        ch->status = (uint8_t)(ce_out(ch, c) << 7 | (c < ch->null_until) << 6 | ch->control);
        ch->status_latched = 1;
    }
}

static uint8_t channel_read(struct pit_channel *ch, uint64_t c)
{
    /* with both latched, status comes first, then the count */
    if (ch->status_latched) {
        ch->status_latched = 0;
        return ch->status;
    }
    uint16_t v = ch->count_latched ? ch->latch : ce_encode(ch, ce_value(ch, c));
    switch (ch->rw) {
    case 1:
        ch->count_latched = 0;
        return (uint8_t)v;
    case 2:
        ch->count_latched = 0;
        return (uint8_t)(v >> 8);
    default:
        if (!ch->read_msb) {
            ch->read_msb = 1;
            return (uint8_t)v;
        }
        ch->read_msb = 0;
        ch->count_latched = 0;
        return (uint8_t)(v >> 8);
    }
}

/* ---- irq0 ---- */

/* Bring counter 0 to edge c: drive irq0 and arm the next transition. */
static void pit_irq_update(struct pit *pit, uint64_t c)
{
    if (!pit->has_irq)
        return;
    struct pit_channel *ch = &pit->ch[0];
    channel_sync(ch, c);
    int out = ce_out(ch, c);
    if (out != pit->irq_level) {
        pit->irq_level = (uint8_t)out;
        irq_set(&pit->irq0, out);
    }
    pit->irq_next = ce_next_edge(ch, c);
    if (pit->irq_next == TICK_NEVER)
        timer_del(&pit->timer);
    else
        timer_mod(&pit->timer, pit_tick_time(pit->irq_next));
}

static void pit_irq_event(void *opaque)
{
    struct pit *pit = opaque;
    pit_irq_update(pit, pit->irq_next);
}

/* The current edge, after delivering counter 0 transitions that are due
 * but whose event has not run yet, so that irq0 never skips an edge. */
static uint64_t pit_now(struct pit *pit)
{
    uint64_t c = pit_tick(timerq_now(pit->tq));
    while (pit->irq_next <= c)
        pit_irq_update(pit, pit->irq_next);
    return c;
}

/* ---- ports ---- */

static uint64_t pit_io_read(void *opaque, uint64_t offset, unsigned size)
{
    struct pit *pit = opaque;
    (void)size;
    if (offset > 2)
        return 0xFF; /* the control word register is write-only */
    uint64_t c = pit_now(pit);
    struct pit_channel *ch = &pit->ch[offset];
    channel_sync(ch, c);
    return channel_read(ch, c);
}

static void pit_read_back(struct pit *pit, uint8_t cmd, uint64_t c)
{
    /* D5 = 0: latch count, D4 = 0: latch status, D3..D1 select counters 2..0 */
    for (int i = 0; i < 3; i++) {
        if (!(cmd & 2 << i))
            continue;
        struct pit_channel *ch = &pit->ch[i];
        channel_sync(ch, c);
        if (!(cmd & 0x20))
            channel_latch_count(ch, c);
        if (!(cmd & 0x10))
            channel_latch_status(ch, c);
    }
}

static void pit_io_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    struct pit *pit = opaque;
    uint8_t v = (uint8_t)value;
    (void)size;
    uint64_t c = pit_now(pit);
    int n = (int)offset;
    if (offset == 3) {
        n = v >> 6;
        if (n == 3) {
            pit_read_back(pit, v, c);
            return;
        }
        struct pit_channel *ch = &pit->ch[n];
        channel_sync(ch, c);
        if ((v & 0x30) == 0) {
            channel_latch_count(ch, c);
            return;
        }
        channel_control(ch, v, c);
    } else {
        struct pit_channel *ch = &pit->ch[n];
        channel_sync(ch, c);
        channel_write_count(ch, v, c);
    }
    if (n == 0)
        pit_irq_update(pit, c);
}

static const struct bus_ops pit_ops = {
    .read = pit_io_read,
    .write = pit_io_write,
    .widths = BUS_W8,
};

/* ---- public ---- */

struct pit *pit_new(struct bus *bus, uint16_t iobase, struct timerq *tq, const struct irq_line *irq0)
{
    struct pit *pit = calloc(1, sizeof *pit);
    if (!pit)
        return NULL;
    pit->bus = bus;
    pit->iobase = iobase;
    pit->tq = tq;
    if (irq0 && irq0->set) {
        pit->irq0 = *irq0;
        pit->has_irq = true;
    }
    pit->irq_next = TICK_NEVER;
    timer_init(&pit->timer, tq, pit_irq_event, pit);
    /* GATE of counters 0 and 1 is tied high on the PC; counter 2's comes
     * from port 0x61 and starts low. */
    pit->ch[0].gate = 1;
    pit->ch[1].gate = 1;
    if (bus && bus_map(bus, BUS_IO, iobase, 4, &pit_ops, pit, "pit") < 0) {
        free(pit);
        return NULL;
    }
    pit_reset(pit);
    return pit;
}

void pit_free(struct pit *pit)
{
    if (!pit)
        return;
    timer_del(&pit->timer);
    if (pit->bus)
        bus_unmap(pit->bus, BUS_IO, pit->iobase);
    free(pit);
}

void pit_reset(struct pit *pit)
{
    uint64_t c = pit_tick(timerq_now(pit->tq));
    for (int i = 0; i < 3; i++) {
        struct pit_channel *ch = &pit->ch[i];
        uint8_t gate = ch->gate;
        memset(ch, 0, sizeof *ch);
        ch->gate = gate;
        channel_control(ch, 0x36, c);
    }
    pit->irq_next = TICK_NEVER;
    timer_del(&pit->timer);
    pit_irq_update(pit, c);
}

void pit_set_gate(struct pit *pit, int channel, int level)
{
    if (channel < 0 || channel > 2)
        return;
    uint64_t c = pit_now(pit);
    struct pit_channel *ch = &pit->ch[channel];
    channel_sync(ch, c);
    channel_gate(ch, level, c);
    if (channel == 0)
        pit_irq_update(pit, c);
}

int pit_get_out(struct pit *pit, int channel)
{
    if (channel < 0 || channel > 2)
        return 0;
    uint64_t c = pit_now(pit);
    struct pit_channel *ch = &pit->ch[channel];
    channel_sync(ch, c);
    return ce_out(ch, c);
}

void pit_post_load(struct pit *pit)
{
    timer_del(&pit->timer);
    if (pit->has_irq)
        irq_set(&pit->irq0, pit->irq_level);
    else
        pit->irq_next = TICK_NEVER;
    pit_irq_update(pit, pit_now(pit));
}

/* ---- save state ---- */

#define PIT_CH_FIELD(i, m)                                                                                   \
    {                                                                                                        \
        "ch" #i "." #m, offsetof(struct pit, ch[i].m), sizeof(((struct pit *)0)->ch[i].m), 1                 \
    }
#define PIT_CH_FIELDS(i)                                                                                     \
    PIT_CH_FIELD(i, control), PIT_CH_FIELD(i, mode), PIT_CH_FIELD(i, rw), PIT_CH_FIELD(i, bcd),              \
        PIT_CH_FIELD(i, cr), PIT_CH_FIELD(i, cr_lsb), PIT_CH_FIELD(i, write_msb), PIT_CH_FIELD(i, read_msb), \
        PIT_CH_FIELD(i, has_count), PIT_CH_FIELD(i, count_latched), PIT_CH_FIELD(i, status_latched),         \
        PIT_CH_FIELD(i, latch), PIT_CH_FIELD(i, status), PIT_CH_FIELD(i, gate), PIT_CH_FIELD(i, counting),   \
        PIT_CH_FIELD(i, fired), PIT_CH_FIELD(i, phase_high), PIT_CH_FIELD(i, out_hold),                      \
        PIT_CH_FIELD(i, pending), PIT_CH_FIELD(i, hold), PIT_CH_FIELD(i, start), PIT_CH_FIELD(i, base),      \
        PIT_CH_FIELD(i, pending_at), PIT_CH_FIELD(i, null_until)

static const struct vmstate_field pit_fields[] = {
    PIT_CH_FIELDS(0),
    PIT_CH_FIELDS(1),
    PIT_CH_FIELDS(2),
    VMSTATE_FIELD(struct pit, irq_level),
    VMSTATE_FIELD(struct pit, irq_next),
    VMSTATE_END,
};

const struct vmstate_desc pit_vmstate = {
    .name = "pit",
    .version = 1,
    .fields = pit_fields,
};
