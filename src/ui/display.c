/* display.c - the window-system-free half of the front end (see display.h). */
#include "ui/display.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct display_rect display_fit(int nat_w, int nat_h, int out_w, int out_h)
{
    int nw = nat_w > 0 ? nat_w : 1, nh = nat_h > 0 ? nat_h : 1;
    struct display_rect r = {0, 0, 0, 0};
    if (out_w <= 0 || out_h <= 0)
        return r;
    int k = out_w / nw < out_h / nh ? out_w / nw : out_h / nh;
    if (k >= 1) {
        r.w = nw * k;
        r.h = nh * k;
    } else if ((long long)out_w * nh <= (long long)out_h * nw) {
        r.w = out_w;
        r.h = (int)((long long)out_w * nh / nw);
    } else {
        r.h = out_h;
        r.w = (int)((long long)out_h * nw / nh);
    }
    if (r.w < 1)
        r.w = 1;
    if (r.h < 1)
        r.h = 1;
    r.x = (out_w - r.w) / 2;
    r.y = (out_h - r.h) / 2;
    return r;
}

int display_hid_key(int sdl_scancode)
{
    /* 4 (A) to 231 (right GUI): the HID usage IDs themselves; the keyboard
     * ignores the few in that range a PC keyboard lacks */
    if (sdl_scancode >= 0x04 && sdl_scancode <= 0xE7)
        return sdl_scancode;
    return -1;
}

void display_title(char *out, size_t outlen, const char *name, const struct display_status *s)
{
    char state[64];
    if (s->ended)
        snprintf(state, sizeof state, "stopped");
    else if (s->paused)
        snprintf(state, sizeof state, "paused");
    else
        snprintf(state, sizeof state, "running, %.1f MIPS, %.0f%% busy", s->mips, s->busy * 100.0);
    snprintf(out, outlen, "dynapc - %s - %s%s%s%s", name, state,
             s->grabbed ? " - Ctrl+Alt+G releases the mouse" : "", s->message[0] ? " - " : "", s->message);
}

int display_link_init(struct display_link *l, void (*wake)(void *opaque), void *opaque)
{
    memset(l, 0, sizeof *l);
    if (pthread_mutex_init(&l->lock, NULL))
        return -1;
    l->wake = wake;
    l->wake_opaque = opaque;
    return 0;
}

void display_link_destroy(struct display_link *l)
{
    pthread_mutex_destroy(&l->lock);
    free(l->pixels);
    l->pixels = NULL;
}

/* called with the lock held; returns true if the caller must wake the window */
static bool wake_locked(struct display_link *l)
{
    if (l->wake_pending || !l->wake)
        return false;
    l->wake_pending = true;
    return true;
}

int display_link_put_frame(struct display_link *l, const struct display_frame *f)
{
    size_t n = (size_t)f->width * (size_t)f->height;
    int y0 = f->y0, y1 = f->y1;
    pthread_mutex_lock(&l->lock);
    if (!l->pixels || f->width != l->width || f->height != l->height) {
        if (n > l->cap) {
            uint32_t *p = realloc(l->pixels, n * sizeof *p);
            if (!p) {
                pthread_mutex_unlock(&l->lock);
                return -1;
            }
            l->pixels = p;
            l->cap = n;
        }
        l->width = f->width;
        l->height = f->height;
        y0 = 0;
        y1 = f->height;
    }
    if (y0 < 0)
        y0 = 0;
    if (y1 > f->height)
        y1 = f->height;
    if (y1 > y0)
        memcpy(l->pixels + (size_t)y0 * (size_t)f->width, f->pixels + (size_t)y0 * (size_t)f->width,
               (size_t)(y1 - y0) * (size_t)f->width * sizeof *f->pixels);
    /* the window has not taken the previous frame: it needs both changes */
    if (l->frame_new) {
        l->y0 = y0 < l->y0 ? y0 : l->y0;
        l->y1 = y1 > l->y1 ? y1 : l->y1;
    } else {
        l->y0 = y0;
        l->y1 = y1;
    }
    l->disp_w = f->disp_w;
    l->disp_h = f->disp_h;
    l->frame_new = true;
    bool wake = wake_locked(l);
    pthread_mutex_unlock(&l->lock);
    if (wake)
        l->wake(l->wake_opaque);
    return 0;
}

void display_link_put_status(struct display_link *l, const struct display_status *s)
{
    pthread_mutex_lock(&l->lock);
    bool grabbed = l->status.grabbed; /* the window's to say */
    l->status = *s;
    l->status.grabbed = grabbed;
    l->status_new = true;
    bool wake = wake_locked(l);
    pthread_mutex_unlock(&l->lock);
    if (wake)
        l->wake(l->wake_opaque);
}

bool display_link_take_frame(struct display_link *l, void (*fn)(void *opaque, const struct display_frame *f),
                             void *opaque)
{
    pthread_mutex_lock(&l->lock);
    bool got = l->frame_new;
    if (got) {
        struct display_frame f = {l->pixels, l->width, l->height, l->y0, l->y1, l->disp_w, l->disp_h};
        fn(opaque, &f);
        l->frame_new = false;
        l->y0 = l->y1 = 0;
    }
    pthread_mutex_unlock(&l->lock);
    return got;
}

bool display_link_take_status(struct display_link *l, struct display_status *s)
{
    pthread_mutex_lock(&l->lock);
    bool got = l->status_new;
    if (got) {
        bool grabbed = s->grabbed;
        *s = l->status;
        s->grabbed = grabbed;
        l->status_new = false;
    }
    pthread_mutex_unlock(&l->lock);
    return got;
}

void display_link_woken(struct display_link *l)
{
    pthread_mutex_lock(&l->lock);
    l->wake_pending = false;
    pthread_mutex_unlock(&l->lock);
}

bool display_link_push(struct display_link *l, const struct display_event *ev)
{
    pthread_mutex_lock(&l->lock);
    bool ok = true;
    unsigned used = l->tail - l->head;
    struct display_event *last = used ? &l->q[(l->tail - 1) % DISPLAY_QUEUE_SIZE] : NULL;
    if (ev->kind == DISPLAY_EV_MOUSE && last && last->kind == DISPLAY_EV_MOUSE &&
        last->buttons == ev->buttons) {
        last->a += ev->a;
        last->b += ev->b;
        last->c += ev->c;
    } else if (used < DISPLAY_QUEUE_SIZE) {
        l->q[l->tail++ % DISPLAY_QUEUE_SIZE] = *ev;
    } else {
        ok = false;
    }
    pthread_mutex_unlock(&l->lock);
    return ok;
}

bool display_link_pop(struct display_link *l, struct display_event *ev)
{
    pthread_mutex_lock(&l->lock);
    bool got = l->head != l->tail;
    if (got)
        *ev = l->q[l->head++ % DISPLAY_QUEUE_SIZE];
    pthread_mutex_unlock(&l->lock);
    return got;
}
