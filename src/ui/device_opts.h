/* device_opts.h - -device values for the devices the board has anyway: they
 * configure that device instead of adding another one. */
#ifndef DYNAPC_DEVICE_OPTS_H
#define DYNAPC_DEVICE_OPTS_H

#include <stdbool.h>
#include <stddef.h>

#include "devices/machine.h"

/* True if spec names a device this file parses (VGA). */
bool device_opts_handles(const char *spec);

/* "VGA[,romfile=FILE]" (QEMU's spelling): the board's VGA, with FILE as its
 * VGA BIOS instead of the default.  FILE is looked up as -bios names are
 * (as given, then in -L's directory, then the Debian firmware directories)
 * when the machine is built.  Returns 0, or -1 with one line in err. */
int device_opts_parse(struct machine_config *c, const char *spec, char *err, size_t errlen);

#endif
