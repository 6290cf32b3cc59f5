/* mux.h - -nographic's terminal multiplexer, after QEMU's "mon:stdio": the
 * serial console (COM1) and the monitor share the terminal, and Ctrl-A
 * starts a command:
 *   Ctrl-A c    switch between the serial console and the monitor
 *   Ctrl-A x    quit
 *   Ctrl-A h    this help
 *   Ctrl-A Ctrl-A  a Ctrl-A for whoever has the terminal
 *
 * The terminal is read here and the bytes are passed on through two pipes:
 * one becomes the process's standard input, which the "stdio" chardev of
 * COM1 reads as it always does, and the monitor reads the other.  Output
 * from both still goes straight to standard output.  A terminal is put in
 * raw mode (Ctrl-C still ends the emulator), so the monitor's line is
 * echoed and edited (Backspace) here. */
#ifndef DYNAPC_MUX_H
#define DYNAPC_MUX_H

#include <stdbool.h>
#include <stddef.h>

enum mux_event { MUX_NONE, MUX_TO_MONITOR, MUX_TO_SERIAL, MUX_QUIT };

struct mux;

/* Takes the terminal over; call before the machine (its chardev) is built.
 * On failure returns NULL with the reason in err. */
struct mux *mux_new(char *err, size_t errlen);
/* gives the terminal and standard input back */
void mux_free(struct mux *x);
/* the descriptor the monitor reads its lines from */
int mux_monitor_fd(const struct mux *x);
/* Reads what the terminal has (waiting up to wait_ms for some) and passes
 * it on; returns what a Ctrl-A command asked for. */
enum mux_event mux_poll(struct mux *x, int wait_ms);
/* the monitor has the terminal */
bool mux_monitor_focus(const struct mux *x);

#endif
