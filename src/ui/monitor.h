/* monitor.h - the human monitor (-monitor stdio), after QEMU's: a line
 * prompt "(dynapc) " read without blocking the guest.  Commands: help,
 * info status, info registers, stop, cont, system_reset, screendump FILE,
 * key COMBO (also sendkey), type TEXT, quit. */
#ifndef DYNAPC_MONITOR_H
#define DYNAPC_MONITOR_H

#include <stdbool.h>
#include <stdio.h>

#include "ui/keymap.h"

struct machine;
struct monitor;

/* Reads commands from in_fd (never blocking on it) and answers on out;
 * keys types through the shared queue. */
struct monitor *monitor_new(int in_fd, FILE *out, struct key_queue *keys);
void monitor_free(struct monitor *mon);
/* prints the banner and the first prompt */
void monitor_start(struct monitor *mon);
/* prints the prompt again (the terminal came back to the monitor) */
void monitor_prompt(struct monitor *mon);
/* Reads what input is pending, waiting up to wait_ms for some (0: just
 * look), and runs every complete line. */
void monitor_poll(struct monitor *mon, struct machine *m, int wait_ms);
/* Runs one command line (without its newline); for tests and scripts. */
void monitor_command(struct monitor *mon, struct machine *m, const char *line);
/* the guest is stopped (stop); cont resumes it */
bool monitor_stopped(const struct monitor *mon);
/* quit was given */
bool monitor_quit_requested(const struct monitor *mon);
/* the input has ended (EOF) */
bool monitor_input_closed(const struct monitor *mon);

#endif
