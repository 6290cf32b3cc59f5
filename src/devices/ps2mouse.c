/* ps2mouse.c - PS/2 mouse with the IntelliMouse wheel (see ps2mouse.h).
 *
 * References: IBM Personal System/2 Hardware Interface Technical Reference,
 * "Pointing Device" (commands E6h-FFh, status bytes, packet format, 2:1
 * scaling); A. Chapweske, "The PS/2 Mouse Interface" (movement counters,
 * wrap mode, FEh/FCh for invalid bytes); Microsoft IntelliMouse PS/2
 * protocol (sample-rate knock 200/100/80, ID 03h, fourth packet byte). */
#include "devices/ps2mouse.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "devices/i8042.h"
#include "devices/timer.h"

#define ACK    0xFA
#define RESEND 0xFE
#define ERROR  0xFC

#define REPLY_SIZE 16

/* packet byte 0 */
#define PKT_ALWAYS1 0x08
#define PKT_XSIGN   0x10
#define PKT_YSIGN   0x20
#define PKT_XOVFL   0x40
#define PKT_YOVFL   0x80

/* status byte 0 (E9h) */
#define STAT_RIGHT   0x01
#define STAT_MIDDLE  0x02
#define STAT_LEFT    0x04
#define STAT_SCALING 0x10
#define STAT_ENABLED 0x20
#define STAT_REMOTE  0x40

/* accumulated counts are kept within this range so that no amount of host
 * motion overflows an int; the packet's range is far smaller anyway */
#define COUNT_LIMIT 0x10000

struct ps2mouse {
    struct i8042 *kbc;
    struct timerq *tq;
    struct timer sample_timer;
    struct timer reset_timer;

    /* saved state (ps2mouse_vmstate) */
    uint8_t reply[REPLY_SIZE]; /* answers to commands */
    uint8_t reply_head, reply_count;
    uint8_t pkt[4];      /* stream packet going out */
    uint8_t pkt_len;     /* 0: none */
    uint8_t pkt_pos;     /* bytes the host has taken */
    uint8_t pkt_due;     /* a stream packet is due: built when the host takes it */
    uint8_t last_pkt[4]; /* for Resend */
    uint8_t last_pkt_len;
    uint8_t pending_cmd; /* F3h or E8h waiting for its argument */
    uint8_t invalid;     /* the previous byte was invalid */
    uint8_t wrap, remote, reporting, scaling21;
    uint8_t resolution;   /* 0-3: 1, 2, 4, 8 counts/mm */
    uint8_t rate;         /* samples per second */
    uint8_t id;           /* 00h, or 03h (IntelliMouse) */
    uint8_t rate_hist[3]; /* last sample rates set, oldest first */
    int32_t dx, dy, dz;   /* movement counters, PS/2 orientation (y up) */
    uint8_t buttons;      /* PS2MOUSE_BUTTON_* */
    uint8_t reported_buttons;
    uint64_t next_sample;     /* earliest time of the next stream packet */
    uint64_t sample_deadline; /* 0 unless the sample timer is armed */
    uint64_t reset_deadline;  /* 0 unless a reset's AAh 00h is due */
};

static const uint8_t valid_rates[] = {10, 20, 40, 60, 80, 100, 200};

static void send_reply(struct ps2mouse *m, uint8_t byte)
{
    if (m->reply_count < REPLY_SIZE) {
        m->reply[(m->reply_head + m->reply_count) % REPLY_SIZE] = byte;
        m->reply_count++;
    }
}

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* 2:1 scaling, stream mode only: 1->1, 2->1, 3->3, 4->6, 5->9, n->2n */
static int scale21(int v)
{
    static const int small[6] = {0, 1, 1, 3, 6, 9};
    int a = abs(v);
    int r = a <= 5 ? small[a] : 2 * a;
    return v < 0 ? -r : r;
}

static void reset_counters(struct ps2mouse *m)
{
    m->dx = m->dy = m->dz = 0;
}

/* Movement data from the counters, which start again from zero.  Counts
 * beyond the 9-bit range are sent as the extreme value with the overflow
 * bit set; the excess is lost, as on a real mouse. */
static int build_packet(struct ps2mouse *m, uint8_t out[4], bool stream)
{
    int dx = m->dx, dy = m->dy;
    if (stream && m->scaling21) {
        dx = scale21(dx);
        dy = scale21(dy);
    }
    uint8_t b0 = PKT_ALWAYS1 | (m->buttons & 7);
    if (dx > 255 || dx < -256) {
        b0 |= PKT_XOVFL;
        dx = clamp(dx, -256, 255);
    }
    if (dy > 255 || dy < -256) {
        b0 |= PKT_YOVFL;
        dy = clamp(dy, -256, 255);
    }
    if (dx < 0)
        b0 |= PKT_XSIGN;
    if (dy < 0)
        b0 |= PKT_YSIGN;
    out[0] = b0;
    out[1] = (uint8_t)dx;
    out[2] = (uint8_t)dy;
    int n = 3;
    if (m->id == 3) {
        /* the wheel byte holds -8..7; further detents follow in the next
         * packets */
        int dz = clamp(m->dz, -8, 7);
        out[3] = (uint8_t)dz;
        m->dz -= dz;
        n = 4;
    }
    m->dx = m->dy = 0;
    m->reported_buttons = m->buttons;
    memcpy(m->last_pkt, out, (size_t)n);
    m->last_pkt_len = (uint8_t)n;
    return n;
}

static bool has_news(const struct ps2mouse *m)
{
    return m->dx || m->dy || m->dz || m->buttons != m->reported_buttons;
}

static void arm_sample(struct ps2mouse *m, uint64_t when)
{
    m->sample_deadline = when ? when : 1;
    timer_mod(&m->sample_timer, m->sample_deadline);
}

/* Stream mode: a packet is due when something changed, the previous one
 * has gone out and a sample period has passed since it was due. */
static void try_report(struct ps2mouse *m)
{
    if (m->wrap || m->remote || !m->reporting || m->pkt_due || m->pkt_len || !has_news(m))
        return;
    uint64_t now = timerq_now(m->tq);
    if (now < m->next_sample) {
        arm_sample(m, m->next_sample);
        return;
    }
    m->pkt_due = 1;
    m->next_sample = now + NS_PER_SEC / m->rate;
    i8042_aux_ready(m->kbc);
}

static void sample_cb(void *opaque)
{
    struct ps2mouse *m = opaque;
    m->sample_deadline = 0;
    try_report(m);
}

/* The controller takes the next byte.  A packet is filled in when its first
 * byte goes, so motion keeps accumulating while the host is busy; answers
 * to commands come first but never inside a packet. */
static int mouse_read(void *opaque)
{
    struct ps2mouse *m = opaque;
    if (m->pkt_len == 0 && m->reply_count) {
        uint8_t b = m->reply[m->reply_head];
        m->reply_head = (uint8_t)((m->reply_head + 1) % REPLY_SIZE);
        m->reply_count--;
        return b;
    }
    if (m->pkt_len == 0 && m->pkt_due) {
        m->pkt_due = 0;
        m->pkt_len = (uint8_t)build_packet(m, m->pkt, true);
        m->pkt_pos = 0;
    }
    if (m->pkt_len == 0)
        return -1;
    uint8_t b = m->pkt[m->pkt_pos++];
    if (m->pkt_pos == m->pkt_len) {
        m->pkt_len = m->pkt_pos = 0;
        if (has_news(m))
            arm_sample(m, m->next_sample); /* no controller calls from here */
    }
    return b;
}

/* ---- commands ---- */

static void set_defaults(struct ps2mouse *m)
{
    m->rate = 100;
    m->resolution = 2;
    m->scaling21 = 0;
    m->remote = 0;
    m->reporting = 0;
    m->pkt_due = 0;
    reset_counters(m);
}

static void reset_done(void *opaque)
{
    struct ps2mouse *m = opaque;
    m->reset_deadline = 0;
    send_reply(m, 0xAA);
    send_reply(m, m->id);
    i8042_aux_ready(m->kbc);
}

static void power_on_state(struct ps2mouse *m)
{
    set_defaults(m);
    m->reply_head = m->reply_count = 0;
    m->pkt_len = m->pkt_pos = 0;
    m->last_pkt_len = 0;
    m->pending_cmd = 0;
    m->invalid = 0;
    m->wrap = 0;
    m->id = 0;
    memset(m->rate_hist, 0, sizeof m->rate_hist);
    m->next_sample = 0;
    m->sample_deadline = 0;
    timer_del(&m->sample_timer);
    m->reset_deadline = 0;
    timer_del(&m->reset_timer);
}

/* FEh for an invalid byte, FCh if the one before was invalid too */
static void invalid_byte(struct ps2mouse *m)
{
    send_reply(m, m->invalid ? ERROR : RESEND);
    m->invalid = !m->invalid;
}

static void argument(struct ps2mouse *m, uint8_t cmd, uint8_t arg)
{
    bool ok;
    if (cmd == 0xF3)
        ok = memchr(valid_rates, arg, sizeof valid_rates) != NULL;
    else
        ok = arg <= 3;
    if (!ok) {
        invalid_byte(m);
        if (m->invalid)
            m->pending_cmd = cmd; /* the host may send the argument again */
        return;
    }
    m->invalid = 0;
    send_reply(m, ACK);
    if (cmd == 0xE8) {
        m->resolution = arg;
        reset_counters(m);
        return;
    }
    m->rate = arg;
    m->rate_hist[0] = m->rate_hist[1];
    m->rate_hist[1] = m->rate_hist[2];
    m->rate_hist[2] = arg;
    if (m->rate_hist[0] == 200 && m->rate_hist[1] == 100 && m->rate_hist[2] == 80)
        m->id = 3;
}

static void command(struct ps2mouse *m, uint8_t byte)
{
    switch (byte) {
    case 0xFF: /* reset: ACK now, AAh 00h when the self test is done */
        power_on_state(m);
        send_reply(m, ACK);
        m->reset_deadline = timerq_now(m->tq) + PS2MOUSE_RESET_DELAY_NS;
        timer_mod(&m->reset_timer, m->reset_deadline);
        break;
    case 0xFE: /* resend the last packet */
        if (!m->last_pkt_len)
            build_packet(m, m->last_pkt, false);
        for (int i = 0; i < m->last_pkt_len; i++)
            send_reply(m, m->last_pkt[i]);
        break;
    case 0xF6: /* set defaults */
        set_defaults(m);
        send_reply(m, ACK);
        break;
    case 0xF5: /* disable data reporting */
        m->reporting = 0;
        reset_counters(m);
        send_reply(m, ACK);
        break;
    case 0xF4: /* enable data reporting */
        m->reporting = 1;
        reset_counters(m);
        send_reply(m, ACK);
        break;
    case 0xF3: /* sample rate */
    case 0xE8: /* resolution */
        send_reply(m, ACK);
        m->pending_cmd = byte;
        break;
    case 0xF2: /* get device ID */
        send_reply(m, ACK);
        send_reply(m, m->id);
        break;
    case 0xF0: /* remote mode */
        m->remote = 1;
        reset_counters(m);
        send_reply(m, ACK);
        break;
    case 0xEE: /* wrap mode */
        m->wrap = 1;
        reset_counters(m);
        send_reply(m, ACK);
        break;
    case 0xEC: /* leave wrap mode */
        m->wrap = 0;
        reset_counters(m);
        send_reply(m, ACK);
        break;
    case 0xEB: { /* read data: a packet, also in stream mode, without scaling */
        uint8_t p[4];
        int n = build_packet(m, p, false);
        send_reply(m, ACK);
        for (int i = 0; i < n; i++)
            send_reply(m, p[i]);
        break;
    }
    case 0xEA: /* stream mode */
        m->remote = 0;
        reset_counters(m);
        send_reply(m, ACK);
        break;
    case 0xE9: { /* status request */
        uint8_t s = 0;
        if (m->remote)
            s |= STAT_REMOTE;
        if (m->reporting)
            s |= STAT_ENABLED;
        if (m->scaling21)
            s |= STAT_SCALING;
        if (m->buttons & PS2MOUSE_BUTTON_LEFT)
            s |= STAT_LEFT;
        if (m->buttons & PS2MOUSE_BUTTON_MIDDLE)
            s |= STAT_MIDDLE;
        if (m->buttons & PS2MOUSE_BUTTON_RIGHT)
            s |= STAT_RIGHT;
        send_reply(m, ACK);
        send_reply(m, s);
        send_reply(m, m->resolution);
        send_reply(m, m->rate);
        break;
    }
    case 0xE7: /* scaling 2:1 */
    case 0xE6: /* scaling 1:1 */
        m->scaling21 = byte == 0xE7;
        send_reply(m, ACK);
        break;
    default:
        invalid_byte(m);
        return;
    }
    m->invalid = 0;
}

static void mouse_write(void *opaque, uint8_t byte)
{
    struct ps2mouse *m = opaque;
    uint8_t cmd = m->pending_cmd;
    m->pending_cmd = 0;
    /* a packet the host has not started on is dropped; its motion stays in
     * the counters */
    m->pkt_due = 0;
    if (cmd) {
        argument(m, cmd, byte);
    } else if (m->wrap && byte != 0xFF && byte != 0xEC) {
        send_reply(m, byte); /* wrap mode echoes all but reset and EC */
    } else {
        command(m, byte);
    }
    i8042_aux_ready(m->kbc);
    try_report(m);
}

/* ---- host side ---- */

void ps2mouse_event(struct ps2mouse *m, int dx, int dy, int dz, unsigned buttons)
{
    m->dx = clamp(m->dx + clamp(dx, -COUNT_LIMIT, COUNT_LIMIT), -COUNT_LIMIT, COUNT_LIMIT);
    m->dy = clamp(m->dy - clamp(dy, -COUNT_LIMIT, COUNT_LIMIT), -COUNT_LIMIT, COUNT_LIMIT);
    if (m->id == 3)
        m->dz = clamp(m->dz + clamp(dz, -COUNT_LIMIT, COUNT_LIMIT), -COUNT_LIMIT, COUNT_LIMIT);
    m->buttons = buttons & 7;
    try_report(m);
}

int ps2mouse_id(const struct ps2mouse *m)
{
    return m->id;
}

/* ---- life cycle ---- */

struct ps2mouse *ps2mouse_new(struct i8042 *kbc, struct timerq *tq)
{
    struct ps2mouse *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->kbc = kbc;
    m->tq = tq;
    timer_init(&m->sample_timer, tq, sample_cb, m);
    timer_init(&m->reset_timer, tq, reset_done, m);
    power_on_state(m);
    i8042_attach_aux(kbc, mouse_write, mouse_read, m);
    return m;
}

void ps2mouse_free(struct ps2mouse *m)
{
    if (!m)
        return;
    timer_del(&m->sample_timer);
    timer_del(&m->reset_timer);
    i8042_attach_aux(m->kbc, NULL, NULL, NULL);
    free(m);
}

void ps2mouse_reset(struct ps2mouse *m)
{
    power_on_state(m);
    m->buttons = m->reported_buttons = 0;
}

void ps2mouse_post_load(struct ps2mouse *m)
{
    m->reply_head %= REPLY_SIZE;
    if (m->reply_count > REPLY_SIZE)
        m->reply_count = REPLY_SIZE;
    if (m->pkt_len > 4)
        m->pkt_len = 4;
    if (m->pkt_pos >= m->pkt_len)
        m->pkt_len = m->pkt_pos = 0;
    if (m->last_pkt_len > 4)
        m->last_pkt_len = 4;
    if (!memchr(valid_rates, m->rate, sizeof valid_rates))
        m->rate = 100;
    m->resolution &= 3;
    if (m->id != 3)
        m->id = 0;
    if (m->sample_deadline)
        timer_mod(&m->sample_timer, m->sample_deadline);
    else
        timer_del(&m->sample_timer);
    if (m->reset_deadline)
        timer_mod(&m->reset_timer, m->reset_deadline);
    else
        timer_del(&m->reset_timer);
    i8042_aux_ready(m->kbc);
}

static const struct vmstate_field ps2mouse_fields[] = {
    VMSTATE_ARRAY(struct ps2mouse, reply),
    VMSTATE_FIELD(struct ps2mouse, reply_head),
    VMSTATE_FIELD(struct ps2mouse, reply_count),
    VMSTATE_ARRAY(struct ps2mouse, pkt),
    VMSTATE_FIELD(struct ps2mouse, pkt_len),
    VMSTATE_FIELD(struct ps2mouse, pkt_pos),
    VMSTATE_FIELD(struct ps2mouse, pkt_due),
    VMSTATE_ARRAY(struct ps2mouse, last_pkt),
    VMSTATE_FIELD(struct ps2mouse, last_pkt_len),
    VMSTATE_FIELD(struct ps2mouse, pending_cmd),
    VMSTATE_FIELD(struct ps2mouse, invalid),
    VMSTATE_FIELD(struct ps2mouse, wrap),
    VMSTATE_FIELD(struct ps2mouse, remote),
    VMSTATE_FIELD(struct ps2mouse, reporting),
    VMSTATE_FIELD(struct ps2mouse, scaling21),
    VMSTATE_FIELD(struct ps2mouse, resolution),
    VMSTATE_FIELD(struct ps2mouse, rate),
    VMSTATE_FIELD(struct ps2mouse, id),
    VMSTATE_ARRAY(struct ps2mouse, rate_hist),
    VMSTATE_FIELD(struct ps2mouse, dx),
    VMSTATE_FIELD(struct ps2mouse, dy),
    VMSTATE_FIELD(struct ps2mouse, dz),
    VMSTATE_FIELD(struct ps2mouse, buttons),
    VMSTATE_FIELD(struct ps2mouse, reported_buttons),
    VMSTATE_FIELD(struct ps2mouse, next_sample),
    VMSTATE_FIELD(struct ps2mouse, sample_deadline),
    VMSTATE_FIELD(struct ps2mouse, reset_deadline),
    VMSTATE_END,
};

const struct vmstate_desc ps2mouse_vmstate = {
    .name = "ps2mouse",
    .version = 1,
    .fields = ps2mouse_fields,
};
