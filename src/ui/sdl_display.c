/* sdl_display.c - the SDL2 window (see sdl_display.h).
 *
 * Keys are taken by scancode (the key's position, whatever the host
 * layout), and SDL's scancodes are HID usage IDs, which the emulated PS/2
 * keyboard takes as they are.  SDL's auto-repeat events are dropped: the
 * emulated keyboard repeats a held key itself, at the rate the guest set. */
#include "ui/sdl_display.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL.h>
#include <SDL_syswm.h>

#include "devices/ps2mouse.h"

/* How often the loop looks at the link when no event comes (ms).  The
 * emulator thread does not wake the window with SDL_PushEvent: on X11 that
 * writes to a second connection of SDL's (its wake-up of SDL_WaitEvent),
 * and when the X server goes away the thread that notices runs Xlib's
 * exit(1) - from the emulator thread, with the main thread inside SDL, the
 * process hung in exit.  So only this thread calls SDL, and a frame waits
 * at most this long (a quarter of a 60 Hz frame; the wake-ups cost about
 * 0.1% of a core). */
#define POLL_MS 4

struct sdl_display {
    struct sdl_display_config cfg;
    struct display_link link;
    SDL_Window *win;
    SDL_Renderer *ren;
    SDL_Texture *tex;
    int tex_w, tex_h;           /* texture size = the guest image's */
    int disp_w, disp_h;         /* the image's size at scale 1 */
    struct display_frame frame; /* the last frame taken (pixels = copy) */
    uint32_t *copy;
    size_t copy_cap;
    struct display_status status;
    bool fullscreen;
    int windowed_scale; /* the picture's scale before going fullscreen */
    bool grabbed;
    bool redraw;
    unsigned buttons;      /* PS2MOUSE_BUTTON_* held */
    bool key_down[256];    /* HID keys the guest has seen go down */
    bool hotkey_held[256]; /* scancodes whose press was a hotkey (their release is eaten too) */
    bool grab_click_held;  /* the click that grabbed the mouse is not the guest's */
    bool lost;             /* the X server closed the connection */
};

bool sdl_display_available(void)
{
    const char *x = getenv("DISPLAY"), *w = getenv("WAYLAND_DISPLAY"), *drv = getenv("SDL_VIDEODRIVER");
    return (x && *x) || (w && *w) || (drv && *drv);
}

struct display_link *sdl_display_link(struct sdl_display *d)
{
    return &d->link;
}

static void set_title(struct sdl_display *d)
{
    char title[512];
    d->status.grabbed = d->grabbed;
    display_title(title, sizeof title, d->cfg.name, &d->status);
    SDL_SetWindowTitle(d->win, title);
}

/* Xlib's answer to a lost server connection (the X server ended, the
 * window was xkill'ed) is exit(1) from inside whichever SDL call noticed,
 * with the emulator thread still running.  libX11 1.7 added a per-display
 * exit handler that may return instead (XSetIOErrorExitHandler(3)); the
 * window then ends like a closed one and main() says why.  Looked up at
 * run time in the libX11 SDL has loaded, so dynapc does not link X11 and
 * an older libX11 keeps Xlib's default. */
typedef int (*x_io_error_fn)(void *display);
typedef void (*x_io_exit_fn)(void *display, void *opaque);

static int x_io_error_quiet(void *display)
{
    (void)display; /* main() prints the one line */
    return 0;
}

static void x_connection_lost(void *display, void *opaque)
{
    (void)display;
    struct sdl_display *d = opaque;
    d->lost = true;
}

static void watch_x_connection(struct sdl_display *d)
{
    SDL_SysWMinfo info;
    SDL_VERSION(&info.version);
    if (!SDL_GetWindowWMInfo(d->win, &info) || info.subsystem != SDL_SYSWM_X11)
        return;
    void *x11 = dlopen("libX11.so.6", RTLD_LAZY | RTLD_NOLOAD);
    if (!x11)
        return;
    x_io_error_fn (*set_io_error)(x_io_error_fn);
    void (*set_exit)(void *, x_io_exit_fn, void *);
    /* POSIX's way to take a function from dlsym() (XSH dlsym, RATIONALE) */
    *(void **)&set_io_error = dlsym(x11, "XSetIOErrorHandler");
    *(void **)&set_exit = dlsym(x11, "XSetIOErrorExitHandler");
    if (set_io_error && set_exit) {
        set_io_error(x_io_error_quiet);
        set_exit(info.info.x11.display, x_connection_lost, d);
    }
    dlclose(x11); /* SDL's own reference keeps it loaded */
}

struct sdl_display *sdl_display_open(const struct sdl_display_config *c, char *err, size_t errlen)
{
    /* dynapc's own SIGINT/SIGTERM handlers stay (they end the run cleanly) */
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    /* the host's compositor must not be told to stop compositing */
    SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0");
    SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "nearest");
    /* while the guest has the mouse it has the keyboard too (Alt+Tab and
     * the Windows key reach it), as in QEMU */
    SDL_SetHint(SDL_HINT_GRAB_KEYBOARD, "1");
    /* without a display server SDL would settle for its invisible
     * "offscreen" driver (and Wayland's probe complains on stderr); only
     * an explicit SDL_VIDEODRIVER gets that */
    if (!sdl_display_available()) {
        snprintf(err, errlen, "no display ($DISPLAY and $WAYLAND_DISPLAY are unset)");
        return NULL;
    }
    const char *wl = getenv("WAYLAND_DISPLAY"), *asked = getenv("SDL_VIDEODRIVER");
    if (!(wl && *wl) && !(asked && *asked))
        SDL_SetHint(SDL_HINT_VIDEODRIVER, "x11"); /* $DISPLAY alone: X11, no other probes */
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
        /* SDL says only "x11 not available" when XOpenDisplay fails */
        if (!(wl && *wl) && !(asked && *asked))
            snprintf(err, errlen, "cannot connect to the X server DISPLAY=%.100s (SDL: %.200s)",
                     getenv("DISPLAY"), SDL_GetError());
        else
            snprintf(err, errlen, "%s", SDL_GetError());
        return NULL;
    }
    const char *drv = SDL_GetCurrentVideoDriver();
    if (drv && (!strcmp(drv, "offscreen") || !strcmp(drv, "dummy")) && !(asked && *asked)) {
        snprintf(err, errlen, "no display (SDL found only its '%s' video driver)", drv);
        SDL_QuitSubSystem(SDL_INIT_VIDEO);
        return NULL;
    }
    struct sdl_display *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        SDL_QuitSubSystem(SDL_INIT_VIDEO);
        return NULL;
    }
    d->cfg = *c;
    if (display_link_init(&d->link, NULL, NULL)) {
        snprintf(err, errlen, "cannot set up the window's event channel");
        free(d);
        SDL_QuitSubSystem(SDL_INIT_VIDEO);
        return NULL;
    }
    int w = 720, h = c->aspect_4_3 ? 540 : 400; /* 80x25 text, until the first frame */
    Uint32 flags = SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI;
    if (c->full_screen)
        flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
    d->win = SDL_CreateWindow("dynapc", SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, w, h, flags);
    /* no vsync: presenting never waits for the monitor */
    d->ren = d->win ? SDL_CreateRenderer(d->win, -1, 0) : NULL;
    if (!d->ren) {
        snprintf(err, errlen, "%s", SDL_GetError());
        sdl_display_close(d);
        return NULL;
    }
    d->fullscreen = c->full_screen;
    watch_x_connection(d);
    SDL_SetWindowMinimumSize(d->win, 160, 100);
    /* keys, not text: no input method may swallow dead keys or compose */
    SDL_StopTextInput();
    set_title(d);
    d->redraw = true;
    return d;
}

void sdl_display_close(struct sdl_display *d)
{
    if (!d)
        return;
    if (d->lost) {
        /* SDL and the GL driver would talk to a server that is gone: the
         * process ends soon, only our own memory is freed */
        display_link_destroy(&d->link);
        free(d->copy);
        free(d);
        return;
    }
    if (d->tex)
        SDL_DestroyTexture(d->tex);
    if (d->ren)
        SDL_DestroyRenderer(d->ren);
    if (d->win)
        SDL_DestroyWindow(d->win);
    display_link_destroy(&d->link);
    free(d->copy);
    free(d);
    SDL_QuitSubSystem(SDL_INIT_VIDEO);
}

/* the window's drawable in pixels (more than its size in points on HiDPI) */
static void output_size(struct sdl_display *d, int *w, int *h)
{
    if (SDL_GetRendererOutputSize(d->ren, w, h) != 0)
        SDL_GetWindowSize(d->win, w, h);
}

/* the whole-number scale the window shows the picture at now (at least 1) */
static int current_scale(struct sdl_display *d)
{
    int out_w, out_h;
    output_size(d, &out_w, &out_h);
    struct display_rect r = display_fit(d->disp_w, d->disp_h, out_w, out_h);
    return r.w / d->disp_w >= 1 ? r.w / d->disp_w : 1;
}

/* sizes the window for the picture at scale k */
static void size_window(struct sdl_display *d, int k)
{
    int out_w, out_h, win_w, win_h;
    output_size(d, &out_w, &out_h);
    SDL_GetWindowSize(d->win, &win_w, &win_h);
    /* drawable pixels per window point (2 on a typical HiDPI screen) */
    double dpi = win_w > 0 ? (double)out_w / win_w : 1.0;
    if (dpi < 1.0)
        dpi = 1.0;
    int w = (int)(d->disp_w * k / dpi), h = (int)(d->disp_h * k / dpi);
    /* a mode larger than the screen (VBE up to 2560x1600): the window
     * stays on the screen and draw() shrinks the picture, aspect kept */
    SDL_Rect usable;
    if (SDL_GetDisplayUsableBounds(SDL_GetWindowDisplayIndex(d->win), &usable) == 0 && usable.w > 0 &&
        usable.h > 0 && (w > usable.w || h > usable.h)) {
        struct display_rect r = display_fit(w, h, usable.w, usable.h);
        w = r.w;
        h = r.h;
    }
    SDL_SetWindowSize(d->win, w, h);
}

/* A new guest resolution: the window follows it, at the whole-number
 * scale it has now, unless it is fullscreen or maximised. */
static void fit_window_to_mode(struct sdl_display *d)
{
    if (d->fullscreen || (SDL_GetWindowFlags(d->win) & SDL_WINDOW_MAXIMIZED))
        return;
    size_window(d, current_scale(d));
}

/* display_link_take_frame's callback, with the link's lock held: only
 * copies (the emulator thread may be waiting for the lock); upload() does
 * the rest */
static void take_frame(void *opaque, const struct display_frame *f)
{
    struct sdl_display *d = opaque;
    size_t n = (size_t)f->width * (size_t)f->height;
    int y0 = f->y0, y1 = f->y1;
    if (f->width != d->frame.width || f->height != d->frame.height) {
        if (n > d->copy_cap) {
            uint32_t *p = realloc(d->copy, n * sizeof *p);
            if (!p)
                return;
            d->copy = p;
            d->copy_cap = n;
        }
        y0 = 0;
        y1 = f->height;
    }
    if (y1 > y0)
        memcpy(d->copy + (size_t)y0 * (size_t)f->width, f->pixels + (size_t)y0 * (size_t)f->width,
               (size_t)(y1 - y0) * (size_t)f->width * sizeof *f->pixels);
    /* rows not yet uploaded from an earlier take stay pending */
    bool pending = d->frame.y1 > d->frame.y0 && f->width == d->frame.width && f->height == d->frame.height;
    d->frame = *f;
    d->frame.pixels = d->copy;
    d->frame.y0 = pending && d->frame.y0 < y0 ? d->frame.y0 : y0;
    d->frame.y1 = pending && d->frame.y1 > y1 ? d->frame.y1 : y1;
}

/* the rows take_frame() copied, into the texture */
static void upload(struct sdl_display *d)
{
    const struct display_frame *f = &d->frame;
    int y0 = f->y0, y1 = f->y1;
    if (!f->pixels)
        return;
    if (!d->tex || f->width != d->tex_w || f->height != d->tex_h) {
        if (d->tex)
            SDL_DestroyTexture(d->tex);
        d->tex = SDL_CreateTexture(d->ren, SDL_PIXELFORMAT_RGB888, SDL_TEXTUREACCESS_STREAMING, f->width,
                                   f->height);
        if (!d->tex)
            return;
        d->tex_w = f->width;
        d->tex_h = f->height;
        y0 = 0;
        y1 = f->height;
    }
    if (f->disp_w > 0 && f->disp_h > 0 && (f->disp_w != d->disp_w || f->disp_h != d->disp_h)) {
        d->disp_w = f->disp_w;
        d->disp_h = f->disp_h;
        fit_window_to_mode(d);
    }
    if (y1 > y0) {
        SDL_Rect rows = {0, y0, f->width, y1 - y0};
        SDL_UpdateTexture(d->tex, &rows, f->pixels + (size_t)y0 * (size_t)f->width,
                          f->width * (int)sizeof *f->pixels);
    }
    d->frame.y0 = d->frame.y1 = 0;
    d->redraw = true;
}

static void draw(struct sdl_display *d)
{
    SDL_SetRenderDrawColor(d->ren, 0, 0, 0, 255);
    SDL_RenderClear(d->ren);
    if (d->tex) {
        int out_w, out_h;
        output_size(d, &out_w, &out_h);
        struct display_rect r = display_fit(d->disp_w, d->disp_h, out_w, out_h);
        SDL_Rect dst = {r.x, r.y, r.w, r.h};
        SDL_RenderCopy(d->ren, d->tex, NULL, &dst);
    }
    SDL_RenderPresent(d->ren);
    d->redraw = false;
}

static void push(struct sdl_display *d, enum display_event_kind kind, int a, int b, int c)
{
    struct display_event ev = {.kind = kind, .a = a, .b = b, .c = c, .buttons = d->buttons};
    display_link_push(&d->link, &ev);
}

static void set_grab(struct sdl_display *d, bool on)
{
    if (d->grabbed == on)
        return;
    if (SDL_SetRelativeMouseMode(on ? SDL_TRUE : SDL_FALSE) != 0 && on)
        return; /* no relative mode on this system: no grab */
    SDL_SetWindowGrab(d->win, on ? SDL_TRUE : SDL_FALSE);
    d->grabbed = on;
    set_title(d);
}

/* the guest must not keep keys down that the host let go while the window
 * was not looking (focus lost, Alt+Tab) */
static void release_all_keys(struct sdl_display *d)
{
    for (int k = 0; k < 256; k++) {
        if (d->key_down[k]) {
            d->key_down[k] = false;
            push(d, DISPLAY_EV_KEY, k, 0, 0);
        }
    }
    if (d->buttons) {
        d->buttons = 0;
        push(d, DISPLAY_EV_MOUSE, 0, 0, 0);
    }
}

static void toggle_fullscreen(struct sdl_display *d)
{
    if (!d->fullscreen && d->disp_w > 0)
        d->windowed_scale = current_scale(d);
    d->fullscreen = !d->fullscreen;
    SDL_SetWindowFullscreen(d->win, d->fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
    if (!d->fullscreen) {
        set_grab(d, false);
        /* back at the scale it had (the mode may have changed meanwhile;
         * the drawable may still be the screen's size at this point) */
        if (d->disp_w > 0)
            size_window(d, d->windowed_scale > 0 ? d->windowed_scale : 1);
    }
    d->redraw = true;
}

/* Ctrl+Alt+letter; true if the key was one */
static bool hotkey(struct sdl_display *d, const SDL_KeyboardEvent *k)
{
    SDL_Scancode sc = k->keysym.scancode;
    if ((unsigned)sc >= 256)
        return false;
    if (k->type == SDL_KEYUP) {
        if (!d->hotkey_held[sc])
            return false;
        d->hotkey_held[sc] = false;
        return true;
    }
    Uint16 mod = k->keysym.mod;
    if (!(mod & KMOD_CTRL) || !(mod & KMOD_ALT))
        return false;
    switch (sc) {
    case SDL_SCANCODE_F:
        if (!k->repeat)
            toggle_fullscreen(d);
        break;
    case SDL_SCANCODE_G:
        set_grab(d, false);
        break;
    case SDL_SCANCODE_S:
        if (!k->repeat)
            push(d, DISPLAY_EV_SCREENSHOT, 0, 0, 0);
        break;
    default:
        return false;
    }
    d->hotkey_held[sc] = true;
    return true;
}

static void key_event(struct sdl_display *d, const SDL_KeyboardEvent *k)
{
    if (hotkey(d, k) || k->repeat)
        return;
    int hid = display_hid_key(k->keysym.scancode);
    if (hid < 0)
        return;
    bool down = k->type == SDL_KEYDOWN;
    if (!down && !d->key_down[hid])
        return;
    d->key_down[hid] = down;
    push(d, DISPLAY_EV_KEY, hid, down, 0);
}

static unsigned button_bit(Uint8 b)
{
    switch (b) {
    case SDL_BUTTON_LEFT:
        return PS2MOUSE_BUTTON_LEFT;
    case SDL_BUTTON_RIGHT:
        return PS2MOUSE_BUTTON_RIGHT;
    case SDL_BUTTON_MIDDLE:
        return PS2MOUSE_BUTTON_MIDDLE;
    default:
        return 0;
    }
}

static void handle(struct sdl_display *d, const SDL_Event *ev)
{
    switch (ev->type) {
    case SDL_QUIT:
        push(d, DISPLAY_EV_QUIT, 0, 0, 0);
        break;
    case SDL_KEYDOWN:
    case SDL_KEYUP:
        key_event(d, &ev->key);
        break;
    case SDL_MOUSEBUTTONDOWN:
        if (!d->grabbed) {
            set_grab(d, true);
            d->grab_click_held = d->grabbed;
            break;
        }
        d->buttons |= button_bit(ev->button.button);
        push(d, DISPLAY_EV_MOUSE, 0, 0, 0);
        break;
    case SDL_MOUSEBUTTONUP:
        if (d->grab_click_held) {
            d->grab_click_held = false;
            break;
        }
        if (d->grabbed) {
            d->buttons &= ~button_bit(ev->button.button);
            push(d, DISPLAY_EV_MOUSE, 0, 0, 0);
        }
        break;
    case SDL_MOUSEMOTION:
        if (d->grabbed)
            push(d, DISPLAY_EV_MOUSE, ev->motion.xrel, ev->motion.yrel, 0);
        break;
    case SDL_MOUSEWHEEL:
        if (d->grabbed) {
            /* the packet counts detents towards the user as positive */
            int dz = ev->wheel.direction == SDL_MOUSEWHEEL_FLIPPED ? ev->wheel.y : -ev->wheel.y;
            push(d, DISPLAY_EV_MOUSE, 0, 0, dz);
        }
        break;
    case SDL_WINDOWEVENT:
        switch (ev->window.event) {
        case SDL_WINDOWEVENT_FOCUS_LOST:
            set_grab(d, false);
            release_all_keys(d);
            break;
        case SDL_WINDOWEVENT_SIZE_CHANGED:
        case SDL_WINDOWEVENT_EXPOSED:
        case SDL_WINDOWEVENT_SHOWN:
        case SDL_WINDOWEVENT_RESTORED:
            d->redraw = true;
            break;
        }
        break;
    }
}

bool sdl_display_run(struct sdl_display *d)
{
    while (!d->status.ended && !d->lost) {
        SDL_Event ev;
        if (SDL_WaitEventTimeout(&ev, POLL_MS)) {
            handle(d, &ev);
            while (SDL_PollEvent(&ev))
                handle(d, &ev);
        }
        if (display_link_take_frame(&d->link, take_frame, d))
            upload(d);
        if (display_link_take_status(&d->link, &d->status))
            set_title(d);
        if (d->redraw && !d->lost)
            draw(d);
    }
    if (d->lost) {
        /* the emulator thread ends as if the window had been closed */
        struct display_event ev = {.kind = DISPLAY_EV_QUIT};
        while (!display_link_push(&d->link, &ev))
            SDL_Delay(10);
        return false;
    }
    set_grab(d, false);
    return true;
}
