/* timer.h - virtual time and the one event queue every device schedules on.
 *
 * Time is in nanoseconds of virtual time.  In CLOCK_HOST mode virtual time
 * follows the host's monotonic clock (from when the queue was made, minus
 * time spent paused); in CLOCK_MANUAL mode it only moves when the owner calls
 * timerq_advance() (unit tests, deterministic runs). */
#ifndef DYNAPC_TIMER_H
#define DYNAPC_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#define NS_PER_SEC  1000000000ull
#define TIMER_NEVER UINT64_MAX

enum clock_mode { CLOCK_HOST, CLOCK_MANUAL };

struct timerq;

struct timer {
    uint64_t expire; /* virtual ns; valid while pending */
    void (*cb)(void *opaque);
    void *opaque;
    struct timerq *q;
    struct timer *next;
    bool pending;
};

struct timerq *timerq_new(enum clock_mode mode);
void timerq_free(struct timerq *q);
uint64_t timerq_now(struct timerq *q);
/* CLOCK_MANUAL: move time forward by ns, firing every event that falls due,
 * in order, each with now == its expiry time. */
void timerq_advance(struct timerq *q, uint64_t ns);
/* fire every pending event whose time has come; returns how many fired */
int timerq_run(struct timerq *q);
/* earliest pending expiry, or TIMER_NEVER */
uint64_t timerq_next(const struct timerq *q);

void timer_init(struct timer *t, struct timerq *q, void (*cb)(void *opaque), void *opaque);
/* (re)arm at absolute virtual time expire */
void timer_mod(struct timer *t, uint64_t expire);
void timer_del(struct timer *t);
static inline bool timer_pending(const struct timer *t)
{
    return t->pending;
}

#endif
