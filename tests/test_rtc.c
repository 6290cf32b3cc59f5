/* test_rtc.c - the MC146818A RTC/CMOS through ports 0x70/0x71, manual clock. */
#include "devices/rtc.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "devices/bus.h"
#include "devices/timer.h"

#define MS 1000000ull
#define US 1000ull

/* stands in for the slave 8259's IR0 (IRQ8) */
struct probe {
    struct timerq *tq;
    int level;
    int rises;
    uint64_t last_rise_ns;
};

static void probe_set(void *opaque, int n, int level)
{
    struct probe *p = opaque;
    (void)n;
    if (level && !p->level) {
        p->rises++;
        p->last_rise_ns = timerq_now(p->tq);
    }
    p->level = level;
}

struct rig {
    struct bus *bus;
    struct timerq *tq;
    struct rtc *rtc;
    struct probe irq8;
};

static int64_t utc(int y, int mon, int d, int h, int m, int s)
{
    struct tm tm = {
        .tm_year = y - 1900, .tm_mon = mon - 1, .tm_mday = d, .tm_hour = h, .tm_min = m, .tm_sec = s};
    return (int64_t)timegm(&tm);
}

static void rig_init(struct rig *r, int64_t base_time)
{
    memset(r, 0, sizeof *r);
    r->bus = bus_new();
    r->tq = timerq_new(CLOCK_MANUAL);
    r->irq8.tq = r->tq;
    struct irq_line line = irq_line_make(probe_set, &r->irq8, 8);
    r->rtc = rtc_new(r->bus, 0x70, r->tq, &line, base_time);
    ck_assert_ptr_nonnull(r->rtc);
}

static void rig_free(struct rig *r)
{
    rtc_free(r->rtc);
    timerq_free(r->tq);
    bus_free(r->bus);
}

static uint8_t rd(struct rig *r, uint8_t index)
{
    bus_out(r->bus, 0x70, index, 1);
    return (uint8_t)bus_in(r->bus, 0x71, 1);
}

static void wr(struct rig *r, uint8_t index, uint8_t v)
{
    bus_out(r->bus, 0x70, index, 1);
    bus_out(r->bus, 0x71, v, 1);
}

static void goto_ns(struct rig *r, uint64_t t)
{
    ck_assert_uint_ge(t, timerq_now(r->tq));
    timerq_advance(r->tq, t - timerq_now(r->tq));
}

static uint8_t bcd(int v)
{
    return (uint8_t)((v / 10) << 4 | v % 10);
}

/* set the clock the way a BIOS does: SET, write BCD bytes, clear SET */
static void set_time_bcd(struct rig *r, int y, int mon, int d, int h, int m, int s, int dow)
{
    wr(r, RTC_REG_B, RTC_B_SET | RTC_B_24H);
    wr(r, 0, bcd(s));
    wr(r, 2, bcd(m));
    wr(r, 4, bcd(h));
    wr(r, 6, bcd(dow));
    wr(r, 7, bcd(d));
    wr(r, 8, bcd(mon));
    wr(r, 9, bcd(y % 100));
    wr(r, RTC_CENTURY, bcd(y / 100));
    wr(r, RTC_REG_B, RTC_B_24H);
}

static void expect_time_bcd(struct rig *r, int y, int mon, int d, int h, int m, int s, int dow)
{
    ck_assert_uint_eq(rd(r, 0), bcd(s));
    ck_assert_uint_eq(rd(r, 2), bcd(m));
    ck_assert_uint_eq(rd(r, 4), bcd(h));
    ck_assert_uint_eq(rd(r, 6), bcd(dow));
    ck_assert_uint_eq(rd(r, 7), bcd(d));
    ck_assert_uint_eq(rd(r, 8), bcd(mon));
    ck_assert_uint_eq(rd(r, 9), bcd(y % 100));
    ck_assert_uint_eq(rd(r, RTC_CENTURY), bcd(y / 100));
}

/* the next whole second of virtual time (updates come there by default) */
static void goto_next_second(struct rig *r)
{
    goto_ns(r, (timerq_now(r->tq) / NS_PER_SEC + 1) * NS_PER_SEC);
}

START_TEST(test_time_bcd_and_registers)
{
    struct rig r;
    rig_init(&r, utc(2024, 2, 29, 13, 45, 30));
    ck_assert_str_eq(bus_owner(r.bus, BUS_IO, 0x71), "rtc");
    ck_assert_uint_eq(rd(&r, RTC_REG_A), 0x26);
    ck_assert_uint_eq(rd(&r, RTC_REG_B), 0x02);
    ck_assert_uint_eq(rd(&r, RTC_REG_D), 0x80);
    expect_time_bcd(&r, 2024, 2, 29, 13, 45, 30, 5); /* a Thursday */
    goto_ns(&r, NS_PER_SEC - 1);
    ck_assert_uint_eq(rd(&r, 0), 0x30);
    goto_ns(&r, NS_PER_SEC);
    ck_assert_uint_eq(rd(&r, 0), 0x31);
    /* 10h 14m 29s later: midnight, March 1st */
    goto_ns(&r, (1 + 10 * 3600 + 14 * 60 + 29) * NS_PER_SEC);
    expect_time_bcd(&r, 2024, 3, 1, 0, 0, 0, 6);
    /* registers C and D are read-only */
    wr(&r, RTC_REG_D, 0);
    ck_assert_uint_eq(rd(&r, RTC_REG_D), 0x80);
    rig_free(&r);
}
END_TEST

START_TEST(test_calendar_matches_gmtime)
{
    /* many instants from 1970 to 2199 against the C library */
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < 300; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int64_t base = (int64_t)(x % 7258118400ull); /* up to 2200-01-01 */
        struct rig r;
        rig_init(&r, base);
        uint64_t adv = (x >> 40) % (400 * 86400ull);
        goto_ns(&r, adv * NS_PER_SEC + 5);
        time_t t = (time_t)(base + (int64_t)adv);
        struct tm tm;
        gmtime_r(&t, &tm);
        wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_BINARY);
        ck_assert_uint_eq(rd(&r, 0), tm.tm_sec);
        ck_assert_uint_eq(rd(&r, 2), tm.tm_min);
        ck_assert_uint_eq(rd(&r, 4), tm.tm_hour);
        ck_assert_uint_eq(rd(&r, 6), tm.tm_wday + 1);
        ck_assert_uint_eq(rd(&r, 7), tm.tm_mday);
        ck_assert_uint_eq(rd(&r, 8), tm.tm_mon + 1);
        ck_assert_uint_eq(rd(&r, 9), (tm.tm_year + 1900) % 100);
        ck_assert_uint_eq(rd(&r, RTC_CENTURY), (tm.tm_year + 1900) / 100);
        rig_free(&r);
    }
}
END_TEST

START_TEST(test_binary_and_12_hour)
{
    struct rig r;
    rig_init(&r, utc(2023, 7, 4, 13, 5, 9));
    wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_BINARY);
    ck_assert_uint_eq(rd(&r, 0), 9);
    ck_assert_uint_eq(rd(&r, 2), 5);
    ck_assert_uint_eq(rd(&r, 4), 13);
    ck_assert_uint_eq(rd(&r, 7), 4);
    ck_assert_uint_eq(rd(&r, 8), 7);
    ck_assert_uint_eq(rd(&r, 9), 23);
    ck_assert_uint_eq(rd(&r, RTC_CENTURY), 20);
    wr(&r, RTC_REG_B, RTC_B_BINARY); /* 12 h, binary: PM flag in bit 7 */
    ck_assert_uint_eq(rd(&r, 4), 0x80 | 1);
    wr(&r, RTC_REG_B, 0); /* 12 h, BCD */
    ck_assert_uint_eq(rd(&r, 4), 0x81);
    rig_free(&r);

    rig_init(&r, utc(2023, 7, 4, 0, 30, 0));
    wr(&r, RTC_REG_B, 0);
    ck_assert_uint_eq(rd(&r, 4), 0x12); /* 12 AM */
    goto_ns(&r, 11 * 3600 * NS_PER_SEC);
    ck_assert_uint_eq(rd(&r, 4), 0x11); /* 11 AM */
    goto_ns(&r, 12 * 3600 * NS_PER_SEC);
    ck_assert_uint_eq(rd(&r, 4), 0x92); /* 12 PM */
    /* setting the time in 12 h mode: 11 PM plus an hour is midnight */
    wr(&r, RTC_REG_B, RTC_B_SET);
    wr(&r, 0, 0x59);
    wr(&r, 2, 0x59);
    wr(&r, 4, 0x91); /* 11 PM */
    wr(&r, RTC_REG_B, 0);
    goto_next_second(&r);
    ck_assert_uint_eq(rd(&r, 4), 0x12);
    ck_assert_uint_eq(rd(&r, 7), 0x05);
    wr(&r, RTC_REG_B, RTC_B_24H);
    ck_assert_uint_eq(rd(&r, 4), 0x00);
    rig_free(&r);
}
END_TEST

START_TEST(test_set_halts_and_guest_time_continues)
{
    struct rig r;
    rig_init(&r, utc(2010, 5, 6, 7, 8, 9));
    goto_ns(&r, 300 * MS);
    wr(&r, RTC_REG_B, RTC_B_SET | RTC_B_24H | RTC_B_UIE);
    /* SET clears UIE (and UIP) */
    ck_assert_uint_eq(rd(&r, RTC_REG_B), RTC_B_SET | RTC_B_24H);
    goto_ns(&r, 5 * NS_PER_SEC + 999 * MS);
    ck_assert_uint_eq(rd(&r, RTC_REG_A) & RTC_A_UIP, 0);
    ck_assert_uint_eq(rd(&r, 0), 0x09); /* halted */
    ck_assert_uint_eq(rd(&r, RTC_REG_C) & RTC_C_UF, 0);
    goto_ns(&r, 6 * NS_PER_SEC + 300 * MS);
    set_time_bcd(&r, 1999, 12, 31, 23, 59, 58, 6);
    expect_time_bcd(&r, 1999, 12, 31, 23, 59, 58, 6);
    /* the divider kept running: the next update is at 7 s, not 7.3 s */
    goto_ns(&r, 7 * NS_PER_SEC - 1);
    ck_assert_uint_eq(rd(&r, 0), 0x58);
    goto_ns(&r, 7 * NS_PER_SEC);
    ck_assert_uint_eq(rd(&r, 0), 0x59);
    goto_ns(&r, 8 * NS_PER_SEC);
    expect_time_bcd(&r, 2000, 1, 1, 0, 0, 0, 7); /* Saturday */
    rig_free(&r);
}
END_TEST

static void check_rollover(int y, int mon, int d, int dow, int ny, int nmon, int nd)
{
    struct rig r;
    rig_init(&r, utc(2020, 1, 1, 0, 0, 0));
    goto_ns(&r, 10 * MS);
    set_time_bcd(&r, y, mon, d, 23, 59, 59, dow);
    goto_next_second(&r);
    expect_time_bcd(&r, ny, nmon, nd, 0, 0, 0, dow % 7 + 1);
    rig_free(&r);
}

START_TEST(test_rollovers)
{
    check_rollover(2023, 2, 28, 3, 2023, 3, 1);  /* not a leap year */
    check_rollover(2024, 2, 28, 4, 2024, 2, 29); /* leap year */
    check_rollover(2024, 2, 29, 5, 2024, 3, 1);
    check_rollover(2000, 2, 28, 2, 2000, 2, 29); /* divisible by 400 */
    check_rollover(2100, 2, 28, 1, 2100, 3, 1);  /* divisible by 100 */
    check_rollover(2023, 12, 31, 1, 2024, 1, 1); /* year */
    check_rollover(2099, 12, 31, 5, 2100, 1, 1); /* century */
    check_rollover(2023, 4, 30, 1, 2023, 5, 1);  /* 30-day month */
    check_rollover(2023, 1, 31, 3, 2023, 2, 1);  /* 31-day month */
}
END_TEST

START_TEST(test_uip_window)
{
    struct rig r;
    rig_init(&r, utc(2022, 1, 1, 0, 0, 0));
    goto_ns(&r, 500 * MS);
    ck_assert_uint_eq(rd(&r, RTC_REG_A), 0x26);
    goto_ns(&r, NS_PER_SEC - 244 * US - 1);
    ck_assert_uint_eq(rd(&r, RTC_REG_A) & RTC_A_UIP, 0);
    goto_ns(&r, NS_PER_SEC - 244 * US);
    ck_assert_uint_eq(rd(&r, RTC_REG_A), 0x80 | 0x26);
    ck_assert_uint_eq(rd(&r, 0), 0x00); /* not updated yet */
    goto_ns(&r, NS_PER_SEC - 1);
    ck_assert_uint_eq(rd(&r, RTC_REG_A) & RTC_A_UIP, RTC_A_UIP);
    goto_ns(&r, NS_PER_SEC);
    ck_assert_uint_eq(rd(&r, RTC_REG_A) & RTC_A_UIP, 0);
    ck_assert_uint_eq(rd(&r, 0), 0x01);
    /* a guest polling UIP sees it once a second */
    int seen = 0, prev = 0;
    for (uint64_t t = NS_PER_SEC; t < 11 * NS_PER_SEC; t += 100 * US) {
        goto_ns(&r, t);
        int uip = (rd(&r, RTC_REG_A) & RTC_A_UIP) != 0;
        seen += uip && !prev;
        prev = uip;
    }
    ck_assert_int_eq(seen, 10);
    rig_free(&r);
}
END_TEST

/* run for `ns`, acknowledging every IRQ8 by reading register C as an ISR does */
static int run_isr(struct rig *r, uint64_t ns, uint8_t expect_c)
{
    uint64_t end = timerq_now(r->tq) + ns;
    int irqs = 0;
    for (;;) {
        uint64_t next = timerq_next(r->tq);
        if (next == TIMER_NEVER || next > end)
            break;
        goto_ns(r, next);
        if (r->irq8.level) {
            irqs++;
            ck_assert_uint_eq(rd(r, RTC_REG_C) & expect_c, expect_c);
            ck_assert_int_eq(r->irq8.level, 0);
        }
    }
    goto_ns(r, end);
    return irqs;
}

START_TEST(test_periodic_rates)
{
    struct rig r;
    rig_init(&r, utc(2022, 1, 1, 0, 0, 0));
    wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_PIE); /* rate 6 from reset: 1024 Hz */
    ck_assert_int_eq(run_isr(&r, NS_PER_SEC, RTC_C_IRQF | RTC_C_PF), 1024);
    ck_assert_int_eq(r.irq8.rises, 1024);
    /* edges on the 32.768 kHz grid: the last one at exactly 1 s */
    ck_assert_uint_eq(r.irq8.last_rise_ns, NS_PER_SEC);
    static const struct {
        uint8_t rs;
        int hz;
    } rates[] = {{1, 256}, {2, 128}, {3, 8192}, {7, 512}, {13, 8}, {15, 2}};
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
        wr(&r, RTC_REG_A, (uint8_t)(0x20 | rates[i].rs));
        rd(&r, RTC_REG_C);
        ck_assert_int_eq(run_isr(&r, 2 * NS_PER_SEC, RTC_C_IRQF | RTC_C_PF), 2 * rates[i].hz);
    }
    /* rate 0: none */
    wr(&r, RTC_REG_A, 0x20);
    rd(&r, RTC_REG_C);
    ck_assert_int_eq(run_isr(&r, NS_PER_SEC, 0), 0);
    ck_assert_uint_eq(rd(&r, RTC_REG_C) & RTC_C_PF, 0);
    rig_free(&r);
}
END_TEST

START_TEST(test_periodic_unacknowledged_and_polled)
{
    struct rig r;
    rig_init(&r, utc(2022, 1, 1, 0, 0, 0));
    wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_PIE);
    goto_ns(&r, 100 * MS);
    /* never acknowledged: one edge, the line stays high, nothing scheduled */
    ck_assert_int_eq(r.irq8.rises, 1);
    ck_assert_int_eq(r.irq8.level, 1);
    ck_assert_uint_eq(timerq_next(r.tq), TIMER_NEVER);
    ck_assert_uint_eq(rd(&r, RTC_REG_C), RTC_C_IRQF | RTC_C_PF);
    ck_assert_int_eq(r.irq8.level, 0);
    ck_assert_uint_eq(rd(&r, RTC_REG_C), 0);
    ck_assert_uint_ne(timerq_next(r.tq), TIMER_NEVER);
    /* polled, PIE clear: PF still sets, IRQF does not */
    wr(&r, RTC_REG_B, RTC_B_24H);
    ck_assert_uint_eq(timerq_next(r.tq), TIMER_NEVER);
    goto_ns(&r, 100 * MS + 2 * MS);
    ck_assert_uint_eq(rd(&r, RTC_REG_C), RTC_C_PF);
    ck_assert_uint_eq(rd(&r, RTC_REG_C), 0);
    ck_assert_int_eq(r.irq8.rises, 1);
    /* enabling PIE with PF pending raises IRQF at once */
    goto_ns(&r, 100 * MS + 4 * MS);
    wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_PIE);
    ck_assert_int_eq(r.irq8.level, 1);
    ck_assert_uint_eq(rd(&r, RTC_REG_C), RTC_C_IRQF | RTC_C_PF);
    rig_free(&r);
}
END_TEST

START_TEST(test_update_ended_interrupt)
{
    struct rig r;
    rig_init(&r, utc(2022, 1, 1, 0, 0, 0));
    wr(&r, RTC_REG_A, 0x20); /* no periodic flag in the way */
    goto_ns(&r, 250 * MS);
    wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_UIE);
    ck_assert_int_eq(run_isr(&r, 5 * NS_PER_SEC, RTC_C_IRQF | RTC_C_UF), 5);
    ck_assert_uint_eq(r.irq8.last_rise_ns, 5 * NS_PER_SEC);
    ck_assert_uint_eq(rd(&r, 0), 0x05);
    /* polled: UF without UIE */
    wr(&r, RTC_REG_B, RTC_B_24H);
    rd(&r, RTC_REG_C);
    goto_ns(&r, 6 * NS_PER_SEC - 1);
    ck_assert_uint_eq(rd(&r, RTC_REG_C), 0);
    goto_ns(&r, 6 * NS_PER_SEC);
    ck_assert_uint_eq(rd(&r, RTC_REG_C), RTC_C_UF);
    rig_free(&r);
}
END_TEST

START_TEST(test_alarm)
{
    struct rig r;
    rig_init(&r, utc(2022, 3, 4, 13, 45, 30));
    wr(&r, RTC_REG_A, 0x20); /* no periodic flag in the way */
    wr(&r, 1, 0x33);
    wr(&r, 3, 0x45);
    wr(&r, 5, 0x13);
    wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_AIE);
    goto_ns(&r, 3 * NS_PER_SEC - 1);
    ck_assert_int_eq(r.irq8.rises, 0);
    goto_ns(&r, 3 * NS_PER_SEC);
    ck_assert_int_eq(r.irq8.rises, 1);
    ck_assert_uint_eq(r.irq8.last_rise_ns, 3 * NS_PER_SEC);
    ck_assert_uint_eq(rd(&r, RTC_REG_C), RTC_C_IRQF | RTC_C_AF | RTC_C_UF);
    /* once a day only: nothing within the next hour */
    ck_assert_int_eq(run_isr(&r, 3600 * NS_PER_SEC, RTC_C_AF), 0);

    /* don't-care bytes: second 0 of every minute */
    wr(&r, 1, 0x00);
    wr(&r, 3, 0xC0);
    wr(&r, 5, 0xFF);
    ck_assert_int_eq(run_isr(&r, 180 * NS_PER_SEC, RTC_C_IRQF | RTC_C_AF), 3);
    /* all three don't-care: every second */
    wr(&r, 1, 0xC0);
    ck_assert_int_eq(run_isr(&r, 10 * NS_PER_SEC, RTC_C_IRQF | RTC_C_AF), 10);

    /* polled, AIE clear: AF set when the time passes the alarm */
    wr(&r, RTC_REG_B, RTC_B_24H);
    rd(&r, RTC_REG_C);
    wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_BINARY);
    uint8_t min = rd(&r, 2), hour = rd(&r, 4);
    wr(&r, 1, (uint8_t)((rd(&r, 0) + 2) % 60));
    wr(&r, 3, min);
    wr(&r, 5, hour);
    rd(&r, RTC_REG_C);
    goto_next_second(&r);
    ck_assert_uint_eq(rd(&r, RTC_REG_C), RTC_C_UF);
    goto_next_second(&r);
    ck_assert_uint_eq(rd(&r, RTC_REG_C), RTC_C_UF | RTC_C_AF);
    rig_free(&r);
}
END_TEST

START_TEST(test_alarm_12_hour_pm)
{
    struct rig r;
    rig_init(&r, utc(2022, 3, 4, 23, 59, 0));
    wr(&r, RTC_REG_B, 0); /* 12 h BCD: 0x91 is 11 PM */
    ck_assert_uint_eq(rd(&r, 4), 0x91);
    wr(&r, RTC_REG_B, RTC_B_AIE);
    wr(&r, 1, 0x30);
    wr(&r, 3, 0x59);
    wr(&r, 5, 0x91); /* 11 PM */
    goto_ns(&r, 30 * NS_PER_SEC);
    ck_assert_int_eq(r.irq8.rises, 1);
    ck_assert_uint_eq(rd(&r, RTC_REG_C) & RTC_C_AF, RTC_C_AF);
    /* an alarm no time can match (minute 0x61) schedules nothing */
    wr(&r, RTC_REG_A, 0x20);
    wr(&r, 3, 0x61);
    rd(&r, RTC_REG_C);
    ck_assert_uint_eq(timerq_next(r.tq), TIMER_NEVER);
    goto_ns(&r, 2 * 86400 * NS_PER_SEC);
    ck_assert_int_eq(r.irq8.rises, 1);
    ck_assert_uint_eq(rd(&r, RTC_REG_C) & RTC_C_AF, 0);
    rig_free(&r);
}
END_TEST

START_TEST(test_register_c_clears_and_lowers)
{
    struct rig r;
    rig_init(&r, utc(2022, 1, 1, 0, 0, 0));
    wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_UIE | RTC_B_PIE);
    goto_ns(&r, NS_PER_SEC);
    ck_assert_int_eq(r.irq8.level, 1);
    ck_assert_uint_eq(rd(&r, RTC_REG_C), RTC_C_IRQF | RTC_C_PF | RTC_C_UF);
    ck_assert_int_eq(r.irq8.level, 0);
    ck_assert_uint_eq(rd(&r, RTC_REG_C), 0);
    /* disabling the sources leaves no event behind */
    wr(&r, RTC_REG_B, RTC_B_24H);
    ck_assert_uint_eq(timerq_next(r.tq), TIMER_NEVER);
    /* reset (the RESET pin) clears enables and flags, keeps time */
    wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_UIE);
    goto_ns(&r, 2 * NS_PER_SEC);
    ck_assert_int_eq(r.irq8.level, 1);
    rtc_reset(r.rtc);
    ck_assert_int_eq(r.irq8.level, 0);
    ck_assert_uint_eq(rd(&r, RTC_REG_B), RTC_B_24H);
    ck_assert_uint_eq(rd(&r, RTC_REG_C), 0);
    ck_assert_uint_eq(rd(&r, 0), 0x02);
    rig_free(&r);
}
END_TEST

START_TEST(test_nvram_and_nmi_mask)
{
    struct rig r;
    rig_init(&r, utc(2022, 1, 1, 0, 0, 0));
    for (int i = 0x0E; i < 0x80; i++)
        if (i != RTC_CENTURY)
            wr(&r, (uint8_t)i, (uint8_t)(i * 7 + 3));
    goto_ns(&r, 3 * NS_PER_SEC);
    for (int i = 0x0E; i < 0x80; i++) {
        if (i == RTC_CENTURY)
            continue;
        ck_assert_uint_eq(rd(&r, (uint8_t)i), (uint8_t)(i * 7 + 3));
        ck_assert_uint_eq(rtc_cmos_read(r.rtc, i), (uint8_t)(i * 7 + 3));
    }
    /* the board's interface */
    rtc_cmos_write(r.rtc, 0x15, 0x80);
    ck_assert_uint_eq(rd(&r, 0x15), 0x80);
    ck_assert_uint_eq(rtc_cmos_read(r.rtc, RTC_REG_A), 0x26);
    ck_assert_uint_eq(rtc_cmos_read(r.rtc, 0), 0x03);
    /* the alarm bytes are plain storage too */
    wr(&r, 1, 0x42);
    ck_assert_uint_eq(rd(&r, 1), 0x42);
    /* bit 7 of the index is the NMI mask; the index is 7 bits */
    ck_assert(!rtc_nmi_masked(r.rtc));
    bus_out(r.bus, 0x70, 0x80 | 0x20, 1);
    ck_assert(rtc_nmi_masked(r.rtc));
    ck_assert_uint_eq(bus_in(r.bus, 0x71, 1), (uint8_t)(0x20 * 7 + 3));
    bus_out(r.bus, 0x70, 0x20, 1);
    ck_assert(!rtc_nmi_masked(r.rtc));
    rig_free(&r);
}
END_TEST

START_TEST(test_divider_reset)
{
    struct rig r;
    rig_init(&r, utc(2022, 1, 1, 0, 0, 0));
    goto_ns(&r, 2 * NS_PER_SEC + 100 * MS);
    wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_PIE);
    rd(&r, RTC_REG_C);
    wr(&r, RTC_REG_A, 0x76); /* DV = 111: divider chain held in reset */
    goto_ns(&r, 10 * NS_PER_SEC);
    ck_assert_uint_eq(rd(&r, 0), 0x02); /* stopped */
    ck_assert_int_eq(r.irq8.rises, 1);  /* the PF pending when PIE was set; none since */
    ck_assert_uint_eq(rd(&r, RTC_REG_A) & RTC_A_UIP, 0);
    goto_ns(&r, 10 * NS_PER_SEC + 300 * MS);
    wr(&r, RTC_REG_B, RTC_B_24H);
    wr(&r, RTC_REG_A, 0x26); /* released: first update half a second later */
    goto_ns(&r, 10 * NS_PER_SEC + 800 * MS - 1);
    ck_assert_uint_eq(rd(&r, 0), 0x02);
    goto_ns(&r, 10 * NS_PER_SEC + 800 * MS);
    ck_assert_uint_eq(rd(&r, 0), 0x03);
    goto_ns(&r, 11 * NS_PER_SEC + 800 * MS);
    ck_assert_uint_eq(rd(&r, 0), 0x04);
    rig_free(&r);
}
END_TEST

START_TEST(test_write_clock_byte_while_running)
{
    struct rig r;
    rig_init(&r, utc(2022, 1, 1, 10, 20, 30));
    goto_ns(&r, 400 * MS);
    wr(&r, 2, 0x55); /* minutes, without SET */
    ck_assert_uint_eq(rd(&r, 2), 0x55);
    ck_assert_uint_eq(rd(&r, 0), 0x30);
    goto_ns(&r, NS_PER_SEC); /* the divider's phase is kept */
    ck_assert_uint_eq(rd(&r, 0), 0x31);
    ck_assert_uint_eq(rd(&r, 4), 0x10);
    rig_free(&r);
}
END_TEST

START_TEST(test_save_restore)
{
    struct rig r;
    rig_init(&r, utc(2022, 1, 1, 0, 0, 0));
    wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_PIE);
    wr(&r, 0x40, 0xAB);
    goto_ns(&r, 1500 * MS);
    rd(&r, RTC_REG_C);
    struct bus *bus2 = bus_new();
    struct probe p2 = {.tq = r.tq};
    struct irq_line l2 = irq_line_make(probe_set, &p2, 8);
    struct rtc *rtc2 = rtc_new(bus2, 0x70, r.tq, &l2, 0);
    for (const struct vmstate_field *f = rtc_vmstate.fields; f->name; f++)
        memcpy((char *)rtc2 + f->offset, (char *)r.rtc + f->offset, f->size * f->count);
    rtc_free(r.rtc);
    rtc_post_load(rtc2);
    ck_assert_uint_eq(rtc_cmos_read(rtc2, 0x40), 0xAB);
    ck_assert_uint_eq(rtc_cmos_read(rtc2, 0), 0x01);
    goto_ns(&r, 1501 * MS);
    ck_assert_int_eq(p2.rises, 1);
    ck_assert_uint_eq(rtc_cmos_read(rtc2, RTC_REG_C), RTC_C_IRQF | RTC_C_PF);
    rtc_free(rtc2);
    bus_free(bus2);
    timerq_free(r.tq);
    bus_free(r.bus);
}
END_TEST

static Suite *rtc_suite(void)
{
    Suite *s = suite_create("rtc");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_time_bcd_and_registers);
    tcase_add_test(tc, test_calendar_matches_gmtime);
    tcase_add_test(tc, test_binary_and_12_hour);
    tcase_add_test(tc, test_set_halts_and_guest_time_continues);
    tcase_add_test(tc, test_rollovers);
    tcase_add_test(tc, test_uip_window);
    tcase_add_test(tc, test_periodic_rates);
    tcase_add_test(tc, test_periodic_unacknowledged_and_polled);
    tcase_add_test(tc, test_update_ended_interrupt);
    tcase_add_test(tc, test_alarm);
    tcase_add_test(tc, test_alarm_12_hour_pm);
    tcase_add_test(tc, test_register_c_clears_and_lowers);
    tcase_add_test(tc, test_nvram_and_nmi_mask);
    tcase_add_test(tc, test_divider_reset);
    tcase_add_test(tc, test_write_clock_byte_while_running);
    tcase_add_test(tc, test_save_restore);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rtc_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
