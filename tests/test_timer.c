/* test_timer.c - the virtual clock and event queue, in CLOCK_MANUAL mode. */
#include "devices/timer.h"

#include <check.h>
#include <stdlib.h>

/* what fired, and when the queue said it was */
struct log {
    struct timerq *q;
    int id[64];
    uint64_t now[64];
    int n;
};

struct event {
    struct timer t;
    struct log *log;
    int id;
    uint64_t period;      /* re-arm this far after the expiry, if non-zero */
    int remaining;        /* re-arms left (-1: forever) */
    struct timer *victim; /* deleted from inside the callback */
    struct timer *other;  /* armed from inside the callback ... */
    uint64_t other_at;    /* ... at this time */
};

static void event_fire(void *opaque)
{
    struct event *e = opaque;
    struct log *l = e->log;
    ck_assert(!timer_pending(&e->t));
    if (l->n < 64) {
        l->id[l->n] = e->id;
        l->now[l->n] = timerq_now(l->q);
        l->n++;
    }
    if (e->victim)
        timer_del(e->victim);
    if (e->other)
        timer_mod(e->other, e->other_at);
    if (e->period && e->remaining != 0) {
        if (e->remaining > 0)
            e->remaining--;
        timer_mod(&e->t, e->t.expire + e->period);
    }
}

static void event_init(struct event *e, struct log *l, int id)
{
    *e = (struct event){.log = l, .id = id};
    timer_init(&e->t, l->q, event_fire, e);
}

static struct log *log_new(void)
{
    struct log *l = calloc(1, sizeof *l);
    ck_assert_ptr_nonnull(l);
    l->q = timerq_new(CLOCK_MANUAL);
    ck_assert_ptr_nonnull(l->q);
    return l;
}

static void log_free(struct log *l)
{
    timerq_free(l->q);
    free(l);
}

START_TEST(test_starts_at_zero)
{
    struct log *l = log_new();
    ck_assert_uint_eq(timerq_now(l->q), 0);
    ck_assert_uint_eq(timerq_next(l->q), TIMER_NEVER);
    ck_assert_int_eq(timerq_run(l->q), 0);
    timerq_advance(l->q, 12345);
    ck_assert_uint_eq(timerq_now(l->q), 12345);
    timerq_advance(l->q, 0);
    ck_assert_uint_eq(timerq_now(l->q), 12345);
    log_free(l);
}
END_TEST

START_TEST(test_ordering)
{
    struct log *l = log_new();
    struct event e[5];
    static const uint64_t at[5] = {300, 100, 500, 200, 400};
    for (int i = 0; i < 5; i++) {
        event_init(&e[i], l, i);
        timer_mod(&e[i].t, at[i]);
        ck_assert(timer_pending(&e[i].t));
    }
    ck_assert_uint_eq(timerq_next(l->q), 100);
    timerq_advance(l->q, 1000);
    ck_assert_int_eq(l->n, 5);
    static const int order[5] = {1, 3, 0, 4, 2};
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(l->id[i], order[i]);
        ck_assert_uint_eq(l->now[i], at[order[i]]); /* now == expiry inside the callback */
        ck_assert(!timer_pending(&e[i].t));
    }
    ck_assert_uint_eq(timerq_now(l->q), 1000);
    ck_assert_uint_eq(timerq_next(l->q), TIMER_NEVER);
    log_free(l);
}
END_TEST

START_TEST(test_same_expiry_in_arming_order)
{
    struct log *l = log_new();
    struct event e[4];
    for (int i = 0; i < 4; i++) {
        event_init(&e[i], l, i);
        timer_mod(&e[i].t, 50);
    }
    timerq_advance(l->q, 50); /* exactly at the expiry: fires */
    ck_assert_int_eq(l->n, 4);
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(l->id[i], i);
        ck_assert_uint_eq(l->now[i], 50);
    }
    log_free(l);
}
END_TEST

START_TEST(test_advance_stops_at_target)
{
    struct log *l = log_new();
    struct event a, b;
    event_init(&a, l, 1);
    event_init(&b, l, 2);
    timer_mod(&a.t, 100);
    timer_mod(&b.t, 101);
    timerq_advance(l->q, 99);
    ck_assert_int_eq(l->n, 0);
    ck_assert_uint_eq(timerq_now(l->q), 99);
    timerq_advance(l->q, 1);
    ck_assert_int_eq(l->n, 1);
    ck_assert_int_eq(l->id[0], 1);
    ck_assert_uint_eq(timerq_now(l->q), 100);
    ck_assert(timer_pending(&b.t));
    ck_assert_uint_eq(timerq_next(l->q), 101);
    timerq_advance(l->q, 1);
    ck_assert_int_eq(l->n, 2);
    log_free(l);
}
END_TEST

START_TEST(test_rearm_pending)
{
    struct log *l = log_new();
    struct event a, b, c;
    event_init(&a, l, 1);
    event_init(&b, l, 2);
    event_init(&c, l, 3);
    timer_mod(&a.t, 100);
    timer_mod(&b.t, 200);
    timer_mod(&c.t, 300);
    /* later: a moves behind c */
    timer_mod(&a.t, 400);
    ck_assert_uint_eq(timerq_next(l->q), 200);
    /* earlier: c moves in front of b */
    timer_mod(&c.t, 150);
    ck_assert_uint_eq(timerq_next(l->q), 150);
    /* the same time again: still pending once */
    timer_mod(&b.t, 200);
    timerq_advance(l->q, 1000);
    ck_assert_int_eq(l->n, 3); /* each fired exactly once */
    ck_assert_int_eq(l->id[0], 3);
    ck_assert_uint_eq(l->now[0], 150);
    ck_assert_int_eq(l->id[1], 2);
    ck_assert_uint_eq(l->now[1], 200);
    ck_assert_int_eq(l->id[2], 1);
    ck_assert_uint_eq(l->now[2], 400);
    log_free(l);
}
END_TEST

START_TEST(test_del)
{
    struct log *l = log_new();
    struct event e[4];
    for (int i = 0; i < 4; i++) {
        event_init(&e[i], l, i);
        timer_mod(&e[i].t, 100 * (uint64_t)(i + 1));
    }
    timer_del(&e[0].t); /* head */
    ck_assert(!timer_pending(&e[0].t));
    ck_assert_uint_eq(timerq_next(l->q), 200);
    timer_del(&e[2].t); /* middle */
    timer_del(&e[3].t); /* tail */
    timer_del(&e[3].t); /* twice: harmless */
    struct event idle;
    event_init(&idle, l, 9);
    timer_del(&idle.t); /* never armed: harmless */
    timerq_advance(l->q, 1000);
    ck_assert_int_eq(l->n, 1);
    ck_assert_int_eq(l->id[0], 1);
    ck_assert_uint_eq(timerq_next(l->q), TIMER_NEVER);
    /* a deleted timer can be armed again */
    timer_mod(&e[0].t, 1500);
    timerq_advance(l->q, 1000);
    ck_assert_int_eq(l->n, 2);
    ck_assert_int_eq(l->id[1], 0);
    ck_assert_uint_eq(l->now[1], 1500);
    log_free(l);
}
END_TEST

START_TEST(test_periodic)
{
    struct log *l = log_new();
    struct event tick, slow;
    event_init(&tick, l, 1);
    tick.period = 100;
    tick.remaining = -1;
    event_init(&slow, l, 2);
    slow.period = 250;
    slow.remaining = -1;
    timer_mod(&tick.t, 100);
    timer_mod(&slow.t, 250);
    /* one advance covers many periods: all fire, in time order, each with
     * now == its own expiry */
    timerq_advance(l->q, 1000);
    /* at 500 and 1000 both are due: slow re-armed first (at 250 and 750,
     * tick only at 400 and 900), so slow fires first: equal times keep
     * arming order, which keeps runs deterministic */
    static const int ids[] = {1, 1, 2, 1, 1, 2, 1, 1, 1, 2, 1, 1, 2, 1};
    static const uint64_t when[] = {100, 200, 250, 300, 400, 500, 500, 600, 700, 750, 800, 900, 1000, 1000};
    ck_assert_int_eq(l->n, 14);
    for (int i = 0; i < 14; i++) {
        ck_assert_int_eq(l->id[i], ids[i]);
        ck_assert_uint_eq(l->now[i], when[i]);
    }
    ck_assert(timer_pending(&tick.t));
    ck_assert_uint_eq(timerq_next(l->q), 1100);
    ck_assert_uint_eq(timerq_now(l->q), 1000);
    /* small steps */
    l->n = 0;
    timerq_advance(l->q, 50);
    ck_assert_int_eq(l->n, 0);
    timerq_advance(l->q, 50);
    ck_assert_int_eq(l->n, 1);
    ck_assert_uint_eq(l->now[0], 1100);
    /* stopping a periodic timer */
    timer_del(&tick.t);
    timer_del(&slow.t);
    timerq_advance(l->q, 10000);
    ck_assert_int_eq(l->n, 1);
    log_free(l);
}
END_TEST

START_TEST(test_periodic_limited)
{
    struct log *l = log_new();
    struct event e;
    event_init(&e, l, 7);
    e.period = 10;
    e.remaining = 3;
    timer_mod(&e.t, 5);
    timerq_advance(l->q, 1000);
    ck_assert_int_eq(l->n, 4);
    ck_assert_uint_eq(l->now[3], 35);
    ck_assert(!timer_pending(&e.t));
    log_free(l);
}
END_TEST

START_TEST(test_callback_arms_and_deletes_others)
{
    struct log *l = log_new();
    struct event a, b, c, d;
    event_init(&a, l, 1);
    event_init(&b, l, 2);
    event_init(&c, l, 3);
    event_init(&d, l, 4);
    timer_mod(&a.t, 100);
    timer_mod(&b.t, 300);
    timer_mod(&c.t, 400);
    a.other = &d.t; /* a arms d between itself and b */
    a.other_at = 200;
    d.victim = &c.t; /* d cancels c */
    timerq_advance(l->q, 1000);
    ck_assert_int_eq(l->n, 3);
    ck_assert_int_eq(l->id[0], 1);
    ck_assert_int_eq(l->id[1], 4);
    ck_assert_uint_eq(l->now[1], 200);
    ck_assert_int_eq(l->id[2], 2);
    ck_assert_uint_eq(l->now[2], 300);
    ck_assert(!timer_pending(&c.t));
    log_free(l);
}
END_TEST

START_TEST(test_callback_arms_beyond_target)
{
    struct log *l = log_new();
    struct event a, b;
    event_init(&a, l, 1);
    event_init(&b, l, 2);
    timer_mod(&a.t, 100);
    a.other = &b.t;
    a.other_at = 150; /* after the end of this advance */
    timerq_advance(l->q, 120);
    ck_assert_int_eq(l->n, 1);
    ck_assert_uint_eq(timerq_now(l->q), 120);
    ck_assert_uint_eq(timerq_next(l->q), 150);
    timerq_advance(l->q, 30);
    ck_assert_int_eq(l->n, 2);
    ck_assert_uint_eq(l->now[1], 150);
    log_free(l);
}
END_TEST

START_TEST(test_past_expiry)
{
    struct log *l = log_new();
    timerq_advance(l->q, 500);
    struct event e;
    event_init(&e, l, 1);
    timer_mod(&e.t, 100); /* already due */
    ck_assert_uint_eq(timerq_next(l->q), 100);
    ck_assert_int_eq(timerq_run(l->q), 1);
    ck_assert_int_eq(l->n, 1);
    ck_assert_uint_eq(l->now[0], 500); /* time does not run backwards */
    ck_assert_uint_eq(timerq_now(l->q), 500);
    log_free(l);
}
END_TEST

START_TEST(test_run_fires_only_due)
{
    struct log *l = log_new();
    struct event a, b;
    event_init(&a, l, 1);
    event_init(&b, l, 2);
    timer_mod(&a.t, 0);
    timer_mod(&b.t, 1);
    ck_assert_int_eq(timerq_run(l->q), 1);
    ck_assert_int_eq(timerq_run(l->q), 0);
    ck_assert(timer_pending(&b.t));
    timerq_advance(l->q, 1);
    ck_assert_int_eq(l->n, 2);
    log_free(l);
}
END_TEST

START_TEST(test_queues_independent)
{
    struct log *l1 = log_new(), *l2 = log_new();
    struct event a, b;
    event_init(&a, l1, 1);
    event_init(&b, l2, 2);
    timer_mod(&a.t, 10);
    timer_mod(&b.t, 10);
    timerq_advance(l1->q, 100);
    ck_assert_int_eq(l1->n, 1);
    ck_assert_int_eq(l2->n, 0);
    ck_assert_uint_eq(timerq_now(l2->q), 0);
    ck_assert_uint_eq(timerq_next(l2->q), 10);
    timerq_advance(l2->q, 10);
    ck_assert_int_eq(l2->n, 1);
    log_free(l1);
    log_free(l2);
}
END_TEST

START_TEST(test_host_clock)
{
    struct timerq *q = timerq_new(CLOCK_HOST);
    ck_assert_ptr_nonnull(q);
    uint64_t t0 = timerq_now(q);
    uint64_t t1 = timerq_now(q);
    ck_assert_uint_ge(t1, t0);
    struct log l = {.q = q};
    struct event e;
    event_init(&e, &l, 1);
    timer_mod(&e.t, t1);
    ck_assert_int_eq(timerq_run(q), 1);
    ck_assert_int_eq(l.n, 1);
    ck_assert_uint_ge(l.now[0], t1);
    timer_mod(&e.t, timerq_now(q) + 3600 * NS_PER_SEC);
    ck_assert_int_eq(timerq_run(q), 0);
    timer_del(&e.t);
    timerq_free(q);
}
END_TEST

static Suite *timer_suite(void)
{
    Suite *s = suite_create("timer");
    TCase *tc = tcase_create("manual clock");
    tcase_add_test(tc, test_starts_at_zero);
    tcase_add_test(tc, test_ordering);
    tcase_add_test(tc, test_same_expiry_in_arming_order);
    tcase_add_test(tc, test_advance_stops_at_target);
    tcase_add_test(tc, test_rearm_pending);
    tcase_add_test(tc, test_del);
    tcase_add_test(tc, test_periodic);
    tcase_add_test(tc, test_periodic_limited);
    tcase_add_test(tc, test_callback_arms_and_deletes_others);
    tcase_add_test(tc, test_callback_arms_beyond_target);
    tcase_add_test(tc, test_past_expiry);
    tcase_add_test(tc, test_run_fires_only_due);
    tcase_add_test(tc, test_queues_independent);
    suite_add_tcase(s, tc);
    TCase *host = tcase_create("host clock");
    tcase_add_test(host, test_host_clock);
    suite_add_tcase(s, host);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(timer_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
