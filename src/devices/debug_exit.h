/* debug_exit.h - QEMU's isa-debug-exit: a write of v to the device's ports
 * asks the emulator to exit with status (v << 1) | 1, so a test guest can
 * report PASS/FAIL through its exit status (0 is never produced: a clean
 * exit cannot be faked by a guest).  Reads return 0, as in QEMU. */
#ifndef DYNAPC_DEBUG_EXIT_H
#define DYNAPC_DEBUG_EXIT_H

#include <stddef.h>
#include <stdint.h>

#include "devices/bus.h"

/* QEMU's defaults for -device isa-debug-exit */
#define DEBUG_EXIT_DEFAULT_IOBASE 0x501
#define DEBUG_EXIT_DEFAULT_IOSIZE 2

struct debug_exit;

/* Claims iobase..iobase+iosize-1 (accesses of 1, 2 or 4 bytes).  NULL if
 * the range is taken or bad (bus_error() says why).  request_exit is called
 * with the status for every write; the board decides when to stop. */
struct debug_exit *debug_exit_new(struct bus *bus, uint16_t iobase, uint16_t iosize,
                                  void (*request_exit)(void *opaque, int status), void *opaque);
void debug_exit_free(struct debug_exit *de);

/* Parses "isa-debug-exit[,iobase=N][,iosize=N]" (the leading driver name is
 * optional; N decimal, 0x-hex or 0-octal).  Missing keys keep QEMU's
 * defaults.  Returns 0, or -1 with one line naming the problem in err. */
int debug_exit_parse(const char *spec, uint16_t *iobase, uint16_t *iosize, char *err, size_t errlen);

#endif
