/* device_opts.c - -device VGA (see device_opts.h). */
#include "ui/device_opts.h"

#include <stdio.h>
#include <string.h>

bool device_opts_handles(const char *spec)
{
    return !strncmp(spec, "VGA", 3) && (spec[3] == 0 || spec[3] == ',');
}

int device_opts_parse(struct machine_config *c, const char *spec, char *err, size_t errlen)
{
    if (c->vga_device) {
        snprintf(err, errlen, "-device %s: the board has one VGA, already given by -device VGA", spec);
        return -1;
    }
    c->vga_device = true;
    for (const char *p = spec + 3; *p == ',';) {
        const char *key = p + 1, *end = strchr(key, ',');
        size_t len = end ? (size_t)(end - key) : strlen(key);
        if (len > 8 && !strncmp(key, "romfile=", 8)) {
            /* the value runs to the end: file names may hold commas */
            c->vga_romfile = key + 8;
            break;
        }
        snprintf(err, errlen, "-device %s: unknown VGA property '%.*s' (supported: romfile=FILE)", spec,
                 (int)len, key);
        return -1;
    }
    return 0;
}
