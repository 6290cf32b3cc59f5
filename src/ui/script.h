/* script.h - headless automation (--script FILE): wait for text on the
 * screen or on COM1, type, press keys, take screendumps, quit.
 *
 * One command per line; blank lines and lines starting with '#' are
 * skipped, as are blanks at either end of a line:
 *   wait screen TEXT [SECONDS]   until TEXT is on the text screen
 *   wait serial TEXT [SECONDS]   until the guest has written TEXT to COM1
 *   type TEXT                    through the emulated keyboard (US layout)
 *   key COMBO                    e.g. ctrl-alt-delete, f12, shift-tab
 *   screendump FILE              .png (pixels), .txt (text screen), .ppm
 *   sleep SECONDS                let the guest run
 *   quit [STATUS]                exit with STATUS (default 0)
 * TEXT runs to the end of the line, except that in a wait a final number
 * after a space is the timeout (default 30 s): `wait screen A:\> 60` waits
 * 60 s for the DOS prompt.  A backslash escapes only \n (a line break;
 * Enter for `type`) and \\; any other backslash is itself.
 *
 * The screen is matched as UTF-8 text (code page 437 glyphs), its rows with
 * trailing blanks removed and joined by '\n'.  COM1 output is matched
 * without carriage returns; each `wait serial` looks only after the end of
 * the previous match, so waiting twice for the same prompt waits for two.
 * Timeouts count the time the machine runs (not while the monitor has it
 * stopped).  A wait that times out prints the screen on stderr and the
 * script exits with status 3. */
#ifndef DYNAPC_SCRIPT_H
#define DYNAPC_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>

#include "ui/keymap.h"

struct machine;
struct vga;

#define SCRIPT_DEFAULT_TIMEOUT 30.0
/* exit status of a script whose wait timed out */
#define SCRIPT_EXIT_TIMEOUT 3

enum script_op {
    SCRIPT_WAIT_SCREEN,
    SCRIPT_WAIT_SERIAL,
    SCRIPT_TYPE,
    SCRIPT_KEY,
    SCRIPT_SCREENDUMP,
    SCRIPT_SLEEP,
    SCRIPT_QUIT,
};

struct script_cmd {
    enum script_op op;
    int line;
    char *text;                        /* wait, type: the text with escapes resolved; screendump: the file */
    double seconds;                    /* wait: timeout; sleep: duration */
    int status;                        /* quit */
    int keys[KEYMAP_MAX_COMBO], nkeys; /* key */
};

struct script {
    char *name; /* the file, for messages */
    struct script_cmd *cmd;
    int ncmd;
};

/* Parses a whole script.  On error returns -1 with "NAME:LINE: reason" in
 * err and leaves s empty. */
int script_parse(struct script *s, const char *name, const char *text, char *err, size_t errlen);
/* reads and parses the file path; errors as script_parse ("PATH: reason"
 * when the file cannot be read) */
int script_load(struct script *s, const char *path, char *err, size_t errlen);
void script_free(struct script *s);
/* true if some command waits for COM1 output */
bool script_uses_serial(const struct script *s);

/* ---- running ---- */

enum script_state { SCRIPT_RUNNING, SCRIPT_DONE, SCRIPT_EXIT };

struct script_run {
    const struct script *s;
    int pc;            /* next command */
    bool started;      /* cmd[pc] has begun (start_time is set) */
    double start_time; /* m->run_seconds when it began */
    struct key_queue *keys;
    /* what the guest wrote to COM1; matched from serial_pos on */
    char *serial;
    size_t serial_len, serial_cap, serial_pos;
    bool serial_dropped; /* old output was discarded to bound memory */
};

/* Starts a script on m, typing through keys (shared with the monitor).
 * Taps COM1's output.  Returns -1 with "NAME:LINE: reason" in err if the
 * script needs something the machine lacks (a wait serial without COM1). */
int script_run_init(struct script_run *r, const struct script *s, struct machine *m, struct key_queue *keys,
                    char *err, size_t errlen);
void script_run_destroy(struct script_run *r, struct machine *m);
/* Runs the commands that can run now; call between short run slices.
 * SCRIPT_EXIT: stop the machine and exit with *status (quit, a timed-out
 * wait, a failed screendump).  SCRIPT_DONE: the script has ended without
 * quit; the machine runs on. */
enum script_state script_poll(struct script_run *r, struct machine *m, int *status);
/* line of the command in progress, 0 if none */
int script_current_line(const struct script_run *r);

/* ---- the screen, shared with the monitor ---- */

/* The text screen as UTF-8 (see above), each row ending in '\n'; a
 * malloc()ed string, or NULL in a graphics mode. */
char *screen_text(struct vga *v);
/* Writes the screen to path: .png or .ppm (pixels as vga_render() draws
 * them) or .txt (the text screen).  -1 with one line in err on failure. */
int screen_dump(struct vga *v, const char *path, char *err, size_t errlen);
/* true if path ends in a screendump extension screen_dump() knows */
bool screen_dump_format_ok(const char *path);

#endif
