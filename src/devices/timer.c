/* timer.c - virtual clock and event queue (see timer.h). */
#include "devices/timer.h"

#include <stdlib.h>
#include <time.h>

struct timerq {
    enum clock_mode mode;
    uint64_t now;        /* CLOCK_MANUAL: current time */
    uint64_t host_start; /* CLOCK_HOST: host ns at virtual time 0 */
    struct timer *head;  /* sorted by expiry */
};

static uint64_t host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

struct timerq *timerq_new(enum clock_mode mode)
{
    struct timerq *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->mode = mode;
    q->host_start = host_ns();
    return q;
}

void timerq_free(struct timerq *q)
{
    free(q);
}

uint64_t timerq_now(struct timerq *q)
{
    return q->mode == CLOCK_HOST ? host_ns() - q->host_start : q->now;
}

uint64_t timerq_next(const struct timerq *q)
{
    return q->head ? q->head->expire : TIMER_NEVER;
}

static void unlink_timer(struct timer *t)
{
    struct timer **pp = &t->q->head;
    while (*pp && *pp != t)
        pp = &(*pp)->next;
    if (*pp)
        *pp = t->next;
    t->next = NULL;
    t->pending = false;
}

void timer_init(struct timer *t, struct timerq *q, void (*cb)(void *opaque), void *opaque)
{
    t->expire = 0;
    t->cb = cb;
    t->opaque = opaque;
    t->q = q;
    t->next = NULL;
    t->pending = false;
}

void timer_mod(struct timer *t, uint64_t expire)
{
    if (t->pending)
        unlink_timer(t);
    t->expire = expire;
    struct timer **pp = &t->q->head;
    while (*pp && (*pp)->expire <= expire)
        pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
    t->pending = true;
}

void timer_del(struct timer *t)
{
    if (t->pending)
        unlink_timer(t);
}

static int fire_until(struct timerq *q, uint64_t now)
{
    int n = 0;
    while (q->head && q->head->expire <= now) {
        struct timer *t = q->head;
        q->head = t->next;
        t->next = NULL;
        t->pending = false;
        if (q->mode == CLOCK_MANUAL && t->expire > q->now)
            q->now = t->expire;
        t->cb(t->opaque);
        n++;
    }
    return n;
}

int timerq_run(struct timerq *q)
{
    return fire_until(q, timerq_now(q));
}

void timerq_advance(struct timerq *q, uint64_t ns)
{
    uint64_t target = q->now + ns;
    fire_until(q, target);
    q->now = target;
}
