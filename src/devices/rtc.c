/* rtc.c - MC146818A real-time clock and CMOS RAM (see rtc.h).
 *
 * Reference: Motorola MC146818A data sheet, "Registers", "Update Cycle",
 * "Interrupts" and "Divider Stages".
 *
 * Model.  The divider chain runs from `div_origin` (virtual ns): the 1 Hz
 * update comes at div_origin + k s, periodic-interrupt edges at multiples of
 * the selected period of the 32.768 kHz time base.  While the clock is live
 * (divider running, SET clear), the time is secs_base + (number of updates
 * since div_origin), in seconds since 1970-01-01 UTC, and bytes 0-9 and 0x32
 * are encoded from it when read.  When the clock stops (SET, or divider
 * stopped) the bytes are written out to cmos[] and the guest edits them
 * there; when it starts again they are parsed back (out-of-range fields are
 * normalised like mktime does).
 *
 * Register C's flags are brought up to date lazily from the time elapsed
 * since `flags_until` (rtc_sync), before every access and every change of
 * the settings they depend on.  Timer events are only scheduled to raise
 * irq8: at the next periodic edge, update or alarm whose interrupt is
 * enabled, and only while IRQF is clear (with IRQF set the line is already
 * high and nothing can change until register C is read).
 *
 * Not modelled: the daylight-saving switch (DSE) and the SQW output pin. */
#include "devices/rtc.h"

#include <stddef.h>
#include <stdlib.h>

#define RTC_XTAL_HZ      32768u
#define RTC_UIP_NS       244000u   /* UIP rises 244 us before each update */
#define RTC_FIRST_UPDATE 500000000 /* ns from divider reset release to the first update */
#define SECS_PER_DAY     86400
#define RTC_NEVER        INT64_MAX

struct rtc {
    uint8_t cmos[RTC_NVRAM_SIZE];
    uint8_t index;
    uint8_t nmi_masked;
    uint8_t live;       /* the clock bytes follow virtual time */
    uint8_t wday_delta; /* guest-set day of week minus the computed one, mod 7 */
    uint8_t irq_level;
    int64_t secs_base;    /* live: the time at div_origin */
    int64_t div_origin;   /* virtual ns at which the divider chain was at 0 */
    uint64_t flags_until; /* register C accounts for events up to this virtual ns */

    struct bus *bus;
    uint16_t iobase;
    struct timerq *tq;
    struct irq_line irq8;
    bool has_irq;
    struct timer timer;
};

/* ---- calendar ---- */

struct rtc_tm {
    int64_t year;
    int mon, mday, hour, min, sec, wday; /* mon 1-12, mday 1-31, wday 0 = Sunday */
};

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* leap years in [1, y) of the proleptic Gregorian calendar */
static int64_t leaps_before(int64_t y)
{
    y--;
    return floor_div(y, 4) - floor_div(y, 100) + floor_div(y, 400);
}

static const uint16_t days_before_month[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};

static int64_t days_from_date(int64_t y, int mon, int mday)
{
    int64_t days = (y - 1970) * 365 + leaps_before(y) - leaps_before(1970);
    return days + days_before_month[mon - 1] + (mon > 2 && is_leap(y)) + mday - 1;
}

static void tm_from_secs(int64_t secs, struct rtc_tm *tm)
{
    int64_t days = floor_div(secs, SECS_PER_DAY);
    int64_t sod = secs - days * SECS_PER_DAY;
    tm->hour = (int)(sod / 3600);
    tm->min = (int)(sod / 60 % 60);
    tm->sec = (int)(sod % 60);
    tm->wday = (int)((days % 7 + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
    int64_t y = 1970 + floor_div(days * 400, 146097);
    while (days_from_date(y, 1, 1) > days)
        y--;
    while (days_from_date(y + 1, 1, 1) <= days)
        y++;
    int doy = (int)(days - days_from_date(y, 1, 1));
    int mon = 12;
    while (days_before_month[mon - 1] + (mon > 2 && is_leap(y)) > doy)
        mon--;
    tm->year = y;
    tm->mon = mon;
    tm->mday = doy - days_before_month[mon - 1] - (mon > 2 && is_leap(y)) + 1;
}

/* ---- register encoding (B: DM and 24/12) ---- */

static bool rtc_binary(const struct rtc *rtc)
{
    return rtc->cmos[RTC_REG_B] & RTC_B_BINARY;
}

static uint8_t rtc_encode(const struct rtc *rtc, int v)
{
    return rtc_binary(rtc) ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

static int rtc_decode(const struct rtc *rtc, uint8_t b)
{
    return rtc_binary(rtc) ? b : (b >> 4) * 10 + (b & 15);
}

static uint8_t rtc_encode_hour(const struct rtc *rtc, int hour)
{
    if (rtc->cmos[RTC_REG_B] & RTC_B_24H)
        return rtc_encode(rtc, hour);
    /* 12-hour mode: 12, 1 .. 11, with bit 7 set for PM */
    int h12 = hour % 12 ? hour % 12 : 12;
    return (uint8_t)(rtc_encode(rtc, h12) | (hour >= 12 ? 0x80 : 0));
}

static int rtc_decode_hour(const struct rtc *rtc, uint8_t b)
{
    if (rtc->cmos[RTC_REG_B] & RTC_B_24H)
        return rtc_decode(rtc, b);
    return rtc_decode(rtc, b & 0x7F) % 12 + (b & 0x80 ? 12 : 0);
}

/* ---- divider chain ---- */

static bool rtc_running(const struct rtc *rtc)
{
    /* DV2-0 = 010 selects the 32.768 kHz time base of the PC.  11x holds
     * the divider chain in reset; the other (test, other crystal) settings
     * would not keep time with this crystal, so they stop the clock too. */
    return (rtc->cmos[RTC_REG_A] & 0x70) == 0x20;
}

/* periodic interrupt period in 32.768 kHz clocks, 0 if none */
static uint32_t rtc_period_clocks(const struct rtc *rtc)
{
    unsigned rs = rtc->cmos[RTC_REG_A] & 15;
    if (rs == 0)
        return 0;
    /* with a 32.768 kHz time base, rates 1 and 2 give 256 and 128 Hz
     * (data sheet table 5), the same taps as rates 8 and 9 */
    return rs <= 2 ? 1u << (rs + 6) : 1u << (rs - 1);
}

static uint64_t since_origin(const struct rtc *rtc, uint64_t t)
{
    int64_t d = (int64_t)t - rtc->div_origin;
    return d > 0 ? (uint64_t)d : 0;
}

/* updates (1 Hz edges) in (div_origin, t] */
static int64_t rtc_updates(const struct rtc *rtc, uint64_t t)
{
    return (int64_t)(since_origin(rtc, t) / NS_PER_SEC);
}

static uint64_t rtc_update_time(const struct rtc *rtc, int64_t k)
{
    return (uint64_t)(rtc->div_origin + k * (int64_t)NS_PER_SEC);
}

static uint64_t xtal_clocks(uint64_t ns)
{
    return ns / NS_PER_SEC * RTC_XTAL_HZ + ns % NS_PER_SEC * RTC_XTAL_HZ / NS_PER_SEC;
}

/* earliest ns (after div_origin) at which xtal_clocks reaches k */
static uint64_t xtal_time(uint64_t k)
{
    return k / RTC_XTAL_HZ * NS_PER_SEC + (k % RTC_XTAL_HZ * NS_PER_SEC + RTC_XTAL_HZ - 1) / RTC_XTAL_HZ;
}

/* periodic edges in (div_origin, t] */
static uint64_t rtc_periodic_edges(const struct rtc *rtc, uint64_t t, uint32_t period)
{
    return xtal_clocks(since_origin(rtc, t)) / period;
}

/* ---- the clock ---- */

static int64_t rtc_secs(const struct rtc *rtc, uint64_t t)
{
    return rtc->secs_base + rtc_updates(rtc, t);
}

/* the clock bytes (0-9 and 0x32) for a time, in the current format */
static uint8_t rtc_clock_byte(const struct rtc *rtc, int64_t secs, int index)
{
    struct rtc_tm tm;
    tm_from_secs(secs, &tm);
    switch (index) {
    case 0:
        return rtc_encode(rtc, tm.sec);
    case 2:
        return rtc_encode(rtc, tm.min);
    case 4:
        return rtc_encode_hour(rtc, tm.hour);
    case 6:
        return rtc_encode(rtc, (tm.wday + rtc->wday_delta) % 7 + 1);
    case 7:
        return rtc_encode(rtc, tm.mday);
    case 8:
        return rtc_encode(rtc, tm.mon);
    case 9:
        return rtc_encode(rtc, (int)(tm.year % 100));
    default: /* RTC_CENTURY */
        return rtc_encode(rtc, (int)(tm.year / 100 % 100));
    }
}

static bool is_clock_byte(int index)
{
    return (index <= 9 && index != 1 && index != 3 && index != 5) || index == RTC_CENTURY;
}

/* the live clock stops at t: write its bytes out to cmos[] */
static void rtc_clock_store(struct rtc *rtc, uint64_t t)
{
    static const uint8_t bytes[] = {0, 2, 4, 6, 7, 8, 9, RTC_CENTURY};
    int64_t secs = rtc_secs(rtc, t);
    for (size_t i = 0; i < sizeof bytes; i++)
        rtc->cmos[bytes[i]] = rtc_clock_byte(rtc, secs, bytes[i]);
    rtc->live = 0;
}

/* the clock starts at t from the bytes in cmos[] */
static void rtc_clock_load(struct rtc *rtc, uint64_t t)
{
    const uint8_t *c = rtc->cmos;
    int64_t year = rtc_decode(rtc, c[RTC_CENTURY]) * 100 + rtc_decode(rtc, c[9]);
    int mon = rtc_decode(rtc, c[8]);
    mon = mon < 1 ? 1 : mon > 12 ? 12 : mon;
    int64_t days = days_from_date(year, mon, 1) + rtc_decode(rtc, c[7]) - 1;
    int64_t secs = days * SECS_PER_DAY + rtc_decode_hour(rtc, c[4]) * 3600 + rtc_decode(rtc, c[2]) * 60 +
                   rtc_decode(rtc, c[0]);
    struct rtc_tm tm;
    tm_from_secs(secs, &tm);
    /* the chip just counts the day of week 1-7; keep whatever was set */
    rtc->wday_delta = (uint8_t)(((rtc_decode(rtc, c[6]) - 1 - tm.wday) % 7 + 7) % 7);
    rtc->secs_base = secs - rtc_updates(rtc, t);
    rtc->live = 1;
}

static bool rtc_should_run(const struct rtc *rtc)
{
    return rtc_running(rtc) && !(rtc->cmos[RTC_REG_B] & RTC_B_SET);
}

/* ---- alarm ---- */

static bool alarm_match(uint8_t alarm, uint8_t value)
{
    /* data sheet: an alarm byte of binary 11xxxxxx matches any value */
    return (alarm & 0xC0) == 0xC0 || alarm == value;
}

/* whether some value in [0, n) of a clock byte can match the alarm byte */
static bool alarm_reachable(const struct rtc *rtc, uint8_t alarm, int n, bool hour)
{
    for (int v = 0; v < n; v++)
        if (alarm_match(alarm, hour ? rtc_encode_hour(rtc, v) : rtc_encode(rtc, v)))
            return true;
    return false;
}

/* first second after `secs` at which the clock bytes match the alarm */
static int64_t rtc_next_alarm(const struct rtc *rtc, int64_t secs)
{
    const uint8_t *c = rtc->cmos;
    /* an alarm byte no clock value can take never matches: say so at once
     * rather than searching two days for it */
    if (!alarm_reachable(rtc, c[1], 60, false) || !alarm_reachable(rtc, c[3], 60, false) ||
        !alarm_reachable(rtc, c[5], 24, true))
        return RTC_NEVER;
    int64_t day = floor_div(secs, SECS_PER_DAY);
    for (int64_t d = day; d <= day + 1; d++) {
        for (int h = 0; h < 24; h++) {
            if (!alarm_match(c[5], rtc_encode_hour(rtc, h)))
                continue;
            int64_t hour_start = d * SECS_PER_DAY + h * 3600;
            if (hour_start + 3599 <= secs)
                continue;
            for (int m = 0; m < 60; m++) {
                if (!alarm_match(c[3], rtc_encode(rtc, m)) || hour_start + m * 60 + 59 <= secs)
                    continue;
                for (int s = 0; s < 60; s++) {
                    int64_t t = hour_start + m * 60 + s;
                    if (t > secs && alarm_match(c[1], rtc_encode(rtc, s)))
                        return t;
                }
            }
        }
    }
    return RTC_NEVER;
}

/* ---- flags and interrupt ---- */

static void rtc_update_irq(struct rtc *rtc)
{
    uint8_t b = rtc->cmos[RTC_REG_B], c = rtc->cmos[RTC_REG_C];
    /* IRQF = PF.PIE + AF.AIE + UF.UIE (data sheet, register C) */
    bool irqf = c & b & (RTC_C_PF | RTC_C_AF | RTC_C_UF);
    rtc->cmos[RTC_REG_C] = (uint8_t)((c & ~RTC_C_IRQF) | (irqf ? RTC_C_IRQF : 0));
    if (irqf != rtc->irq_level) {
        rtc->irq_level = irqf;
        irq_set(&rtc->irq8, irqf);
    }
}

/* account for what happened in (flags_until, t] with the current settings */
static void rtc_sync(struct rtc *rtc, uint64_t t)
{
    uint64_t s = rtc->flags_until;
    if (t <= s)
        return;
    uint8_t flags = 0;
    uint32_t period = rtc_period_clocks(rtc);
    if (rtc_running(rtc) && period && rtc_periodic_edges(rtc, t, period) > rtc_periodic_edges(rtc, s, period))
        flags |= RTC_C_PF;
    if (rtc->live && rtc_updates(rtc, t) > rtc_updates(rtc, s)) {
        flags |= RTC_C_UF;
        if (rtc_next_alarm(rtc, rtc_secs(rtc, s)) <= rtc_secs(rtc, t))
            flags |= RTC_C_AF;
    }
    rtc->flags_until = t;
    rtc->cmos[RTC_REG_C] |= flags;
    rtc_update_irq(rtc);
}

static void rtc_schedule(struct rtc *rtc, uint64_t now)
{
    if (!rtc->has_irq)
        return;
    uint8_t b = rtc->cmos[RTC_REG_B];
    uint64_t next = UINT64_MAX;
    if (!(rtc->cmos[RTC_REG_C] & RTC_C_IRQF)) {
        uint32_t period = rtc_period_clocks(rtc);
        if ((b & RTC_B_PIE) && period && rtc_running(rtc)) {
            uint64_t k = (rtc_periodic_edges(rtc, now, period) + 1) * period;
            uint64_t t = (uint64_t)rtc->div_origin + xtal_time(k);
            next = t < next ? t : next;
        }
        if ((b & RTC_B_UIE) && rtc->live) {
            uint64_t t = rtc_update_time(rtc, rtc_updates(rtc, now) + 1);
            next = t < next ? t : next;
        }
        if ((b & RTC_B_AIE) && rtc->live) {
            int64_t a = rtc_next_alarm(rtc, rtc_secs(rtc, now));
            if (a != RTC_NEVER) {
                uint64_t t = rtc_update_time(rtc, a - rtc->secs_base);
                next = t < next ? t : next;
            }
        }
    }
    if (next == UINT64_MAX)
        timer_del(&rtc->timer);
    else
        timer_mod(&rtc->timer, next);
}

static void rtc_event(void *opaque)
{
    struct rtc *rtc = opaque;
    uint64_t now = timerq_now(rtc->tq);
    rtc_sync(rtc, now);
    rtc_schedule(rtc, now);
}

/* ---- registers ---- */

static uint8_t rtc_reg_read(struct rtc *rtc, int index, uint64_t now)
{
    if (rtc->live && is_clock_byte(index))
        return rtc_clock_byte(rtc, rtc_secs(rtc, now), index);
    switch (index) {
    case RTC_REG_A: {
        uint8_t a = rtc->cmos[RTC_REG_A] & 0x7F;
        if (rtc->live && rtc_update_time(rtc, rtc_updates(rtc, now) + 1) - now <= RTC_UIP_NS)
            a |= RTC_A_UIP;
        return a;
    }
    case RTC_REG_D:
        return RTC_D_VRT; /* the battery is always good */
    default:
        return rtc->cmos[index];
    }
}

static void rtc_reg_write(struct rtc *rtc, int index, uint8_t v, uint64_t now)
{
    switch (index) {
    case RTC_REG_A: {
        bool was_running = rtc_running(rtc);
        v &= 0x7F; /* UIP is read-only */
        if (rtc->live && (v & 0x70) != 0x20)
            rtc_clock_store(rtc, now);
        rtc->cmos[RTC_REG_A] = v;
        /* "When the divider reset is removed, the first update cycle begins
         * one-half second later." */
        if (!was_running && rtc_running(rtc))
            rtc->div_origin = (int64_t)now - RTC_FIRST_UPDATE;
        break;
    }
    case RTC_REG_B:
        /* setting SET clears UIE (data sheet, register B) */
        if (v & RTC_B_SET) {
            v &= (uint8_t)~RTC_B_UIE;
            if (rtc->live)
                rtc_clock_store(rtc, now); /* in the format it had so far */
        }
        rtc->cmos[RTC_REG_B] = v;
        break;
    case RTC_REG_C:
    case RTC_REG_D:
        return; /* read-only */
    default:
        if (rtc->live && is_clock_byte(index))
            rtc_clock_store(rtc, now);
        rtc->cmos[index] = v;
        break;
    }
    if (!rtc->live && rtc_should_run(rtc))
        rtc_clock_load(rtc, now);
}

static uint64_t rtc_io_read(void *opaque, uint64_t offset, unsigned size)
{
    struct rtc *rtc = opaque;
    (void)size;
    if (offset == 0)
        return 0xFF; /* the index register is write-only */
    uint64_t now = timerq_now(rtc->tq);
    rtc_sync(rtc, now);
    uint8_t v = rtc_reg_read(rtc, rtc->index, now);
    if (rtc->index == RTC_REG_C) {
        /* reading register C clears all flags and releases IRQ */
        rtc->cmos[RTC_REG_C] = 0;
        rtc_update_irq(rtc);
        rtc_schedule(rtc, now);
    }
    return v;
}

static void rtc_data_write(struct rtc *rtc, int index, uint8_t v)
{
    uint64_t now = timerq_now(rtc->tq);
    rtc_sync(rtc, now);
    rtc_reg_write(rtc, index, v, now);
    rtc_update_irq(rtc);
    rtc_schedule(rtc, now);
}

static void rtc_io_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    struct rtc *rtc = opaque;
    (void)size;
    if (offset == 0) {
        rtc->index = value & 0x7F;
        rtc->nmi_masked = (value & 0x80) != 0;
        return;
    }
    rtc_data_write(rtc, rtc->index, (uint8_t)value);
}

static const struct bus_ops rtc_ops = {
    .read = rtc_io_read,
    .write = rtc_io_write,
    .widths = BUS_W8,
};

/* ---- public ---- */

struct rtc *rtc_new(struct bus *bus, uint16_t iobase, struct timerq *tq, const struct irq_line *irq8,
                    int64_t base_time)
{
    struct rtc *rtc = calloc(1, sizeof *rtc);
    if (!rtc)
        return NULL;
    rtc->bus = bus;
    rtc->iobase = iobase;
    rtc->tq = tq;
    if (irq8 && irq8->set) {
        rtc->irq8 = *irq8;
        rtc->has_irq = true;
    }
    timer_init(&rtc->timer, tq, rtc_event, rtc);
    /* what a PC BIOS programs: 32.768 kHz time base, 1024 Hz rate, 24 h, BCD */
    rtc->cmos[RTC_REG_A] = 0x26;
    rtc->cmos[RTC_REG_B] = RTC_B_24H;
    rtc->div_origin = 0;
    rtc->secs_base = base_time;
    rtc->live = 1;
    rtc->flags_until = timerq_now(tq);
    if (bus && bus_map(bus, BUS_IO, iobase, 2, &rtc_ops, rtc, "rtc") < 0) {
        free(rtc);
        return NULL;
    }
    return rtc;
}

void rtc_free(struct rtc *rtc)
{
    if (!rtc)
        return;
    timer_del(&rtc->timer);
    if (rtc->bus)
        bus_unmap(rtc->bus, BUS_IO, rtc->iobase);
    free(rtc);
}

void rtc_reset(struct rtc *rtc)
{
    uint64_t now = timerq_now(rtc->tq);
    rtc_sync(rtc, now);
    rtc->cmos[RTC_REG_B] &= (uint8_t) ~(RTC_B_PIE | RTC_B_AIE | RTC_B_UIE | RTC_B_SQWE);
    rtc->cmos[RTC_REG_C] = 0;
    rtc_update_irq(rtc);
    rtc_schedule(rtc, now);
}

bool rtc_nmi_masked(const struct rtc *rtc)
{
    return rtc->nmi_masked;
}

uint8_t rtc_cmos_read(struct rtc *rtc, int index)
{
    if (index < 0 || index >= RTC_NVRAM_SIZE)
        return 0xFF;
    uint64_t now = timerq_now(rtc->tq);
    rtc_sync(rtc, now);
    return rtc_reg_read(rtc, index, now);
}

void rtc_cmos_write(struct rtc *rtc, int index, uint8_t value)
{
    if (index >= 0 && index < RTC_NVRAM_SIZE)
        rtc_data_write(rtc, index, value);
}

void rtc_post_load(struct rtc *rtc)
{
    uint64_t now = timerq_now(rtc->tq);
    timer_del(&rtc->timer);
    if (rtc->has_irq)
        irq_set(&rtc->irq8, rtc->irq_level);
    rtc_sync(rtc, now);
    rtc_schedule(rtc, now);
}

static const struct vmstate_field rtc_fields[] = {
    VMSTATE_ARRAY(struct rtc, cmos),        VMSTATE_FIELD(struct rtc, index),
    VMSTATE_FIELD(struct rtc, nmi_masked),  VMSTATE_FIELD(struct rtc, live),
    VMSTATE_FIELD(struct rtc, wday_delta),  VMSTATE_FIELD(struct rtc, irq_level),
    VMSTATE_FIELD(struct rtc, secs_base),   VMSTATE_FIELD(struct rtc, div_origin),
    VMSTATE_FIELD(struct rtc, flags_until), VMSTATE_END,
};

const struct vmstate_desc rtc_vmstate = {
    .name = "rtc",
    .version = 1,
    .fields = rtc_fields,
};
