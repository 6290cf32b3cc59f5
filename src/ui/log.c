/* log.c - -d log categories. */
#include "ui/log.h"

#include <string.h>

#include "cpu/cpu.h"

static const struct {
    const char *name;
    unsigned bit;
    const char *help;
} categories[] = {
    {"in_asm", LOG_IN_ASM, "show the guest code of each new translation block (capstone disassembly)"},
    {"int", LOG_INT, "show interrupts and exceptions as they are delivered"},
    {"exec", LOG_EXEC, "show each translation block as it runs (turns block chaining off)"},
    {"cpu_reset", LOG_CPU_RESET, "show CPU resets"},
    {"guest_errors", LOG_GUEST_ERRORS,
     "show guest actions the emulator does not support or that are invalid"},
    {"stats", LOG_STATS, "print translator statistics at exit"},
    {"firmware", LOG_FIRMWARE, "show the BIOS's debug output (SeaBIOS writes it to port 0x402)"},
};

int log_parse_mask(const char *list, unsigned *mask, int *help, char *err, size_t errlen)
{
    *mask = 0;
    *help = 0;
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        int found = 0;
        if (n == 4 && !strncmp(p, "help", 4)) {
            *help = 1;
            found = 1;
        }
        for (size_t i = 0; !found && i < sizeof categories / sizeof categories[0]; i++) {
            if (strlen(categories[i].name) == n && !strncmp(p, categories[i].name, n)) {
                *mask |= categories[i].bit;
                found = 1;
            }
        }
        if (!found) {
            snprintf(err, errlen, "-d %s: unknown log category '%.*s' (-d help lists them)", list, (int)n, p);
            return -1;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

void log_print_categories(FILE *f)
{
    fprintf(f, "Log categories for -d (comma-separated):\n");
    for (size_t i = 0; i < sizeof categories / sizeof categories[0]; i++)
        fprintf(f, "  %-13s %s\n", categories[i].name, categories[i].help);
}
