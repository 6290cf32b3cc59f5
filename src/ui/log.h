/* log.h - the -d categories (QEMU's names) and the -D log file. */
#ifndef DYNAPC_LOG_H
#define DYNAPC_LOG_H

#include <stddef.h>
#include <stdio.h>

/* Parses a comma-separated -d list into LOG_* bits.  "help" sets *help.
 * On error returns -1 with one line in err naming the bad item. */
int log_parse_mask(const char *list, unsigned *mask, int *help, char *err, size_t errlen);
void log_print_categories(FILE *f);

#endif
