/* display.c - the window-system-free half of the front end (see display.h). */
#include "ui/display.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void display_natural_size(int img_w, int img_h, enum display_aspect aspect, int *w, int *h)
{
    int nw = img_w > 0 ? img_w : 1, nh = img_h > 0 ? img_h : 1;
    /* 320- and 360-pixel modes double each dot; 200-line modes scan each
     * line twice (CRTC maximum scan line bit 7, or MSL = 1) on a 400-line
     * monitor */
    if (nw < 400)
        nw *= 2;
    if (nh < 300)
        nh *= 2;
    if (aspect == DISPLAY_ASPECT_4_3)
        nh = nw * 3 / 4;
    *w = nw;
    *h = nh;
}

struct display_rect display_fit(int img_w, int img_h, enum display_aspect aspect, int out_w, int out_h)
{
    int nw, nh;
    display_natural_size(img_w, img_h, aspect, &nw, &nh);
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

int display_link_put_frame(struct display_link *l, const uint32_t *pixels, int width, int height)
{
    size_t n = (size_t)width * (size_t)height;
    pthread_mutex_lock(&l->lock);
    if (n > l->cap) {
        uint32_t *p = realloc(l->pixels, n * sizeof *p);
        if (!p) {
            pthread_mutex_unlock(&l->lock);
            return -1;
        }
        l->pixels = p;
        l->cap = n;
    }
    memcpy(l->pixels, pixels, n * sizeof *pixels);
    l->width = width;
    l->height = height;
    l->frame_new = true;
    bool wake = wake_locked(l);
    pthread_mutex_unlock(&l->lock);
    if (wake)
        l->wake(l->wake_opaque);
    return 0;
}

bool display_link_frame_differs(struct display_link *l, const uint32_t *pixels, int width, int height)
{
    pthread_mutex_lock(&l->lock);
    bool differs = !l->pixels || l->width != width || l->height != height ||
                   memcmp(l->pixels, pixels, (size_t)width * (size_t)height * sizeof *pixels) != 0;
    pthread_mutex_unlock(&l->lock);
    return differs;
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

bool display_link_take_frame(struct display_link *l,
                             void (*fn)(void *opaque, const uint32_t *pixels, int w, int h), void *opaque)
{
    pthread_mutex_lock(&l->lock);
    bool got = l->frame_new;
    if (got) {
        fn(opaque, l->pixels, l->width, l->height);
        l->frame_new = false;
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
