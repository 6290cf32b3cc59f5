/* options.h - the command line (QEMU's flags where QEMU has one). */
#ifndef DYNAPC_OPTIONS_H
#define DYNAPC_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "devices/machine.h"

enum options_result { OPT_RUN, OPT_EXIT_OK, OPT_ERROR };

enum display_choice {
    DISPLAY_CHOICE_DEFAULT, /* the window if a display server is there, else none */
    DISPLAY_CHOICE_NONE,
    DISPLAY_CHOICE_SDL,
};

struct options {
    struct machine_config cfg;
    const char *log_file; /* -D */
    const char *script;   /* --script FILE */
    bool monitor_stdio;   /* -monitor stdio */
    enum display_choice display;
    bool full_screen; /* -full-screen */
    bool aspect_4_3;  /* -display sdl,aspect=4:3 */
    bool mux_stdio;   /* -nographic: COM1 and the monitor share stdio (Ctrl-A c) */
    char *owned[8];   /* strings the config points into (-drive file names) */
    int nowned;
};

void options_free(struct options *o);

/* On OPT_ERROR, err holds one line naming the flag and the reason. */
enum options_result options_parse(int argc, char **argv, struct options *o, char *err, size_t errlen);

#endif
