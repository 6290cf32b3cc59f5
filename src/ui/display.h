/* display.h - what the window front end (sdl_display.c, main thread) and
 * the emulator thread (main.c) share, and the parts of the front end that
 * need no window system: where the picture goes in the window, the title,
 * which host keys reach the guest.
 *
 * struct display_link is the only thing both threads touch, always under
 * its mutex: a one-frame mailbox (emulator -> window: the latest frame
 * vga_render() produced, copied only when it changed), the status the
 * title shows, and a small queue of input events (window -> emulator),
 * which the emulator thread drains between run slices.  Neither side ever
 * waits for the other longer than a copy. */
#ifndef DYNAPC_DISPLAY_H
#define DYNAPC_DISPLAY_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- geometry ---- */

struct display_rect {
    int x, y, w, h;
};

/* Where the picture goes in an out_w x out_h drawable (pixels, so HiDPI
 * screens are handled by the caller passing the drawable's size), for a
 * picture whose size at scale 1 is nat_w x nat_h (vga_display_size(): 320x200
 * shown as 640x400, or 4:3): the largest whole multiple that fits, centred,
 * with black bars; if not even one fits, the largest size with the same
 * aspect. */
struct display_rect display_fit(int nat_w, int nat_h, int out_w, int out_h);

/* ---- keys ---- */

/* The HID usage ID (enum hid_key in devices/ps2kbd.h) for an SDL_Scancode,
 * or -1 for keys a PC keyboard does not have.  SDL's scancodes 4-231 are
 * the USB HID Keyboard/Keypad page's usage IDs (SDL_scancode.h; HID Usage
 * Tables 1.12 section 10); SDL's higher values (media keys) are its own. */
int display_hid_key(int sdl_scancode);

/* ---- the title ---- */

struct display_status {
    bool paused;
    bool ended;
    double mips;  /* guest instructions per host second, in millions */
    double busy;  /* share of host time the emulator thread ran, 0-1 */
    bool grabbed; /* the window has the mouse */
    char message[256];
};

/* "dynapc - NAME - running, 12.3 MIPS, 45% busy - Ctrl+Alt+G releases the
 * mouse - MESSAGE" (the parts that apply). */
void display_title(char *out, size_t outlen, const char *name, const struct display_status *s);

/* ---- the link between the threads ---- */

enum display_event_kind {
    DISPLAY_EV_KEY,        /* a: HID usage ID, b: 1 down, 0 up */
    DISPLAY_EV_MOUSE,      /* a, b: relative motion; c: wheel; buttons */
    DISPLAY_EV_SCREENSHOT, /* Ctrl+Alt+S */
    DISPLAY_EV_QUIT,       /* the window was closed */
};

struct display_event {
    enum display_event_kind kind;
    int a, b, c;
    unsigned buttons;
};

#define DISPLAY_QUEUE_SIZE 512

struct display_link {
    pthread_mutex_t lock;
    /* emulator -> window */
    uint32_t *pixels; /* the latest frame, width * height 0x00RRGGBB */
    size_t cap;       /* pixels allocated */
    int width, height;
    int y0, y1;         /* rows changed since the window last took the frame */
    int disp_w, disp_h; /* the size to show it at */
    bool frame_new;     /* set by display_link_put_frame, cleared by _take_frame */
    struct display_status status;
    bool status_new;
    bool wake_pending; /* a wake-up has been sent and not yet seen */
    void (*wake)(void *opaque);
    void *wake_opaque;
    /* window -> emulator */
    struct display_event q[DISPLAY_QUEUE_SIZE];
    unsigned head, tail; /* head: next to read; tail: next to write */
};

/* wake (may be NULL) is called, without the lock, when the window has
 * something new to show; it must be safe from any thread (SDL_PushEvent). */
int display_link_init(struct display_link *l, void (*wake)(void *opaque), void *opaque);
void display_link_destroy(struct display_link *l);

/* A frame: the image, the rows [y0, y1) that differ from the previous
 * frame handed over (0 and height: all of it), and the size to show it at
 * scale 1 (vga_display_size()). */
struct display_frame {
    const uint32_t *pixels;
    int width, height;
    int y0, y1;
    int disp_w, disp_h;
};

/* emulator thread: a new frame; its changed rows are copied in (all of it
 * when the size changed).  Returns -1 if out of memory. */
int display_link_put_frame(struct display_link *l, const struct display_frame *f);
/* emulator thread: the status changed (the title follows) */
void display_link_put_status(struct display_link *l, const struct display_status *s);

/* window thread: if a new frame is waiting, calls fn(opaque, frame) under
 * the lock, with y0/y1 the rows changed since the window last took one (fn
 * copies them, e.g. SDL_UpdateTexture), and returns true */
bool display_link_take_frame(struct display_link *l, void (*fn)(void *opaque, const struct display_frame *f),
                             void *opaque);
/* window thread: copies the status out if it changed since the last call */
bool display_link_take_status(struct display_link *l, struct display_status *s);
/* window thread: the next wake-up may be sent again */
void display_link_woken(struct display_link *l);

/* window thread: queues an event; motion with the same buttons merges
 * into a queued one.  False if the queue is full (the event is dropped). */
bool display_link_push(struct display_link *l, const struct display_event *ev);
/* emulator thread: takes the oldest event; false if none */
bool display_link_pop(struct display_link *l, struct display_event *ev);

#endif
