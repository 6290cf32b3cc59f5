/* sdl_display.h - the SDL2 window (-display sdl): shows the frames the
 * emulator thread leaves in a display_link and sends it the keyboard and
 * mouse.  Runs on the main thread, the only one that calls SDL; waits in
 * SDL_WaitEventTimeout and looks at the link every few milliseconds, so an
 * idle screen costs next to nothing.
 *
 * Hotkeys (the letter is not passed to the guest; Ctrl and Alt are):
 *   Ctrl+Alt+F  fullscreen on/off
 *   Ctrl+Alt+G  release the mouse (a click in the window grabs it)
 *   Ctrl+Alt+S  screenshot (the emulator thread writes the PNG) */
#ifndef DYNAPC_SDL_DISPLAY_H
#define DYNAPC_SDL_DISPLAY_H

#include <stdbool.h>
#include <stddef.h>

#include "ui/display.h"

struct sdl_display_config {
    const char *name; /* the machine's name, for the title */
    bool full_screen;
    bool aspect_4_3; /* the first window size (the frames say the rest) */
};

struct sdl_display;

/* true if the environment names a display server ($DISPLAY or
 * $WAYLAND_DISPLAY) or an SDL video driver ($SDL_VIDEODRIVER): the window
 * is the default only then */
bool sdl_display_available(void);
/* Initialises SDL's video and opens the window.  On failure returns NULL
 * with the reason in err (SDL's own words). */
struct sdl_display *sdl_display_open(const struct sdl_display_config *c, char *err, size_t errlen);
/* the link the emulator thread talks to */
struct display_link *sdl_display_link(struct sdl_display *d);
/* Shows frames and forwards input until the emulator thread reports
 * status.ended through the link (returns true), or until the connection
 * to the display server is lost (returns false; the emulator thread has
 * been told to end, as when the window is closed). */
bool sdl_display_run(struct sdl_display *d);
void sdl_display_close(struct sdl_display *d);

#endif
