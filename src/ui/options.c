/* options.c - command-line parsing.  Every error names the flag (and the
 * file, where there is one) and the reason, in one line. */
#include "ui/options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/debug_exit.h"
#include "ui/log.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: dynapc [options]\n"
               "A full-system x86 PC emulator with dynamic binary translation.\n\n"
               "  -m SIZE              guest RAM in MB (suffixes M, G; default 128)\n"
               "  -cpu MODEL           386, 486, pentium, pentium2 (default); -cpu help lists them\n"
               "  -bios FILE           BIOS image (default: bios.bin from -L, else SeaBIOS from Debian)\n"
               "  -L DIR               directory to look up BIOS images in\n"
               "  -kernel FILE         boot a Multiboot kernel (ELF or a.out kludge) without a BIOS\n"
               "  -append STRING       kernel command line\n"
               "  -initrd A[,B...]     Multiboot modules\n"
               "  -serial DEV          next COM port: stdio, file:PATH, none (up to 4)\n"
               "  -debugcon DEV        port 0xE9 console: stdio, file:PATH, none\n"
               "  -display none        no window (the only display so far)\n"
               "  -nographic           no window; COM1 on stdio\n"
               "  -device isa-debug-exit[,iobase=N][,iosize=N]\n"
               "                       writing V to the port exits with status (V<<1)|1\n"
               "  -no-reboot           exit instead of rebooting on reset or triple fault\n"
               "  -d LIST              log categories (-d help lists them)\n"
               "  -D FILE              write the log to FILE instead of stderr\n"
               "  -h, --help           this help\n"
               "  --version            version\n");
}

static int parse_size_mb(const char *s, uint64_t *bytes)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return -1;
    uint64_t mul = 1u << 20;
    if (*end == 'M' || *end == 'm')
        end++;
    else if (*end == 'G' || *end == 'g') {
        mul = 1u << 30;
        end++;
    }
    if (*end)
        return -1;
    *bytes = v * mul;
    return 0;
}

static int check_readable(const char *flag, const char *path, char *err, size_t errlen)
{
    if (access(path, R_OK) != 0) {
        snprintf(err, errlen, "%s %s: %s", flag, path, strerror(errno));
        return -1;
    }
    return 0;
}

enum options_result options_parse(int argc, char **argv, struct options *o, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    struct machine_config *c = &o->cfg;
    c->ram_bytes = 128u << 20;
    c->cpu_model = CPU_MODEL_PENTIUM2;
    int nserial = 0, serial_given = 0;
    const char *dlist = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] == '-' && a[1] == '-')
            a++; /* --flag is the same as -flag, as in QEMU */
        if (!strcmp(a, "-h") || !strcmp(a, "-help")) {
            usage(stdout);
            return OPT_EXIT_OK;
        }
        if (!strcmp(a, "-version")) {
            printf("dynapc %s\n", DYNAPC_VERSION);
            return OPT_EXIT_OK;
        }
        if (!strcmp(a, "-no-reboot")) {
            c->no_reboot = true;
            continue;
        }
        if (!strcmp(a, "-nographic")) {
            if (nserial == 0) {
                c->serial[nserial++] = "stdio";
                serial_given = 1;
            }
            continue;
        }
        if (a[0] != '-' || !a[1]) {
            snprintf(err, errlen, "%s: unexpected argument (options start with -; see -h)", argv[i]);
            return OPT_ERROR;
        }
        static const char *const with_value[] = {"-m",      "-cpu",      "-kernel",  "-append", "-initrd",
                                                 "-serial", "-debugcon", "-display", "-device", "-d",
                                                 "-D",      "-bios",     "-L"};
        int known = 0;
        for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++)
            if (!strcmp(a, with_value[k]))
                known = 1;
        if (!known) {
            snprintf(err, errlen, "%s: unknown option (see -h)", argv[i]);
            return OPT_ERROR;
        }
        if (i + 1 >= argc) {
            snprintf(err, errlen, "%s: needs a value (see -h)", argv[i]);
            return OPT_ERROR;
        }
        const char *v = argv[++i];
        if (!strcmp(a, "-m")) {
            if (parse_size_mb(v, &c->ram_bytes) || c->ram_bytes < (2u << 20) ||
                c->ram_bytes > (3584ull << 20)) {
                snprintf(err, errlen, "-m %s: bad memory size (a number of MB from 2 to 3584, e.g. 64 or 1G)",
                         v);
                return OPT_ERROR;
            }
        } else if (!strcmp(a, "-cpu")) {
            if (!strcmp(v, "help")) {
                printf("Available CPUs (-cpu):\n  8086\n  286\n  386\n  486\n  pentium\n  pentium-mmx\n"
                       "  pentium2 (default)\n");
                return OPT_EXIT_OK;
            }
            if (!strcmp(v, "8086"))
                c->cpu_model = CPU_MODEL_8086;
            else if (!strcmp(v, "286"))
                c->cpu_model = CPU_MODEL_286;
            else if (!strcmp(v, "386"))
                c->cpu_model = CPU_MODEL_386;
            else if (!strcmp(v, "486"))
                c->cpu_model = CPU_MODEL_486;
            else if (!strcmp(v, "pentium"))
                c->cpu_model = CPU_MODEL_PENTIUM;
            else if (!strcmp(v, "pentium-mmx"))
                c->cpu_model = CPU_MODEL_PENTIUM_MMX;
            else if (!strcmp(v, "pentium2"))
                c->cpu_model = CPU_MODEL_PENTIUM2;
            else {
                snprintf(err, errlen, "-cpu %s: unknown CPU model (-cpu help lists them)", v);
                return OPT_ERROR;
            }
        } else if (!strcmp(a, "-kernel")) {
            if (check_readable("-kernel", v, err, errlen))
                return OPT_ERROR;
            c->kernel = v;
        } else if (!strcmp(a, "-bios")) {
            if (check_readable("-bios", v, err, errlen))
                return OPT_ERROR;
            c->bios = v;
        } else if (!strcmp(a, "-L")) {
            c->bios_dir = v;
        } else if (!strcmp(a, "-append")) {
            c->append = v;
        } else if (!strcmp(a, "-initrd")) {
            c->initrd = v;
        } else if (!strcmp(a, "-serial")) {
            if (!serial_given)
                nserial = 0;
            serial_given = 1;
            if (nserial >= MACHINE_MAX_SERIAL) {
                snprintf(err, errlen, "-serial %s: at most %d serial ports", v, MACHINE_MAX_SERIAL);
                return OPT_ERROR;
            }
            c->serial[nserial++] = strcmp(v, "none") && strcmp(v, "null") ? v : NULL;
        } else if (!strcmp(a, "-debugcon")) {
            c->debugcon = v;
        } else if (!strcmp(a, "-display")) {
            if (strcmp(v, "none")) {
                snprintf(err, errlen, "-display %s: not available yet (the SDL window is coming; use none)",
                         v);
                return OPT_ERROR;
            }
        } else if (!strcmp(a, "-device")) {
            if (strncmp(v, "isa-debug-exit", 14) || (v[14] && v[14] != ',')) {
                snprintf(err, errlen, "-device %s: unknown device (supported: isa-debug-exit)", v);
                return OPT_ERROR;
            }
            char why[256];
            if (debug_exit_parse(v, &c->debug_exit_iobase, &c->debug_exit_iosize, why, sizeof why)) {
                snprintf(err, errlen, "-device %s", why);
                return OPT_ERROR;
            }
            c->debug_exit = true;
        } else if (!strcmp(a, "-d")) {
            dlist = v;
        } else if (!strcmp(a, "-D")) {
            o->log_file = v;
        }
    }
    if (!serial_given)
        c->serial[0] = "stdio"; /* QEMU's default with -display none: COM1 on the terminal */
    if (dlist) {
        int help;
        if (log_parse_mask(dlist, &c->log_mask, &help, err, errlen))
            return OPT_ERROR;
        if (help) {
            log_print_categories(stdout);
            return OPT_EXIT_OK;
        }
        c->print_stats = (c->log_mask & LOG_STATS) != 0;
    }
    return OPT_RUN;
}
