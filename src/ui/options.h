/* options.h - the command line (QEMU's flags where QEMU has one). */
#ifndef DYNAPC_OPTIONS_H
#define DYNAPC_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "devices/machine.h"

enum options_result { OPT_RUN, OPT_EXIT_OK, OPT_ERROR };

struct options {
    struct machine_config cfg;
    const char *log_file; /* -D */
    const char *script;   /* --script FILE */
    bool monitor_stdio;   /* -monitor stdio */
    char *owned[8];       /* strings the config points into (-drive file names) */
    int nowned;
};

void options_free(struct options *o);

/* On OPT_ERROR, err holds one line naming the flag and the reason. */
enum options_result options_parse(int argc, char **argv, struct options *o, char *err, size_t errlen);

#endif
