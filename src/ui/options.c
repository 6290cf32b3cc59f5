/* options.c - command-line parsing.  Every error names the flag (and the
 * file, where there is one) and the reason, in one line. */
#include "ui/options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/debug_exit.h"
#include "ui/device_opts.h"
#include "ui/log.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: dynapc [options]\n"
               "A full-system x86 PC emulator with dynamic binary translation.\n\n"
               "  -m SIZE              guest RAM in MB (suffixes M, G; default 128)\n"
               "  -cpu MODEL           386, 486, pentium, pentium2 (default); -cpu help lists them\n"
               "  -bios FILE           BIOS image (default: bios.bin from -L, else SeaBIOS from Debian)\n"
               "  -L DIR               directory to look up BIOS images in\n"
               "  -fda/-fdb FILE       floppy images; -hda..-hdd FILE disk images; -cdrom FILE ISO image\n"
               "  -drive file=F,if=ide|floppy,index=N,media=disk|cdrom,readonly=on\n"
               "  -boot ORDER[,menu=on] boot order: letters a (floppy), c (disk), d (CD-ROM); default cad\n"
               "  -device VGA,romfile=FILE  the VGA BIOS (looked up like -bios: -L, then the firmware dirs)\n"
               "  -snapshot            writes go to memory, never to the images\n"
               "  -kernel FILE         boot a Multiboot kernel (ELF or a.out kludge) without a BIOS\n"
               "  -append STRING       kernel command line\n"
               "  -initrd A[,B...]     Multiboot modules\n"
               "  -serial DEV          next COM port: stdio, file:PATH, none (up to 4)\n"
               "  -debugcon DEV        port 0xE9 console: stdio, file:PATH, none\n"
               "  -display sdl[,aspect=4:3]|none  the window (the default when $DISPLAY or\n"
               "                       $WAYLAND_DISPLAY is set), or none\n"
               "  -full-screen         start the window fullscreen (Ctrl+Alt+F toggles)\n"
               "  -nographic           no window; COM1 and the monitor share stdio:\n"
               "                       Ctrl-A c switches, Ctrl-A x quits, Ctrl-A h helps\n"
               "  -device isa-debug-exit[,iobase=N][,iosize=N]\n"
               "                       writing V to the port exits with status (V<<1)|1\n"
               "  -no-reboot           exit instead of rebooting on reset or triple fault\n"
               "  -monitor stdio|none  the monitor prompt on the terminal (help lists its commands)\n"
               "  --script FILE        run an automation script (wait screen/serial, type, key,\n"
               "                       screendump, sleep, quit); a wait that times out exits with 3\n"
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

/* -boot [order=]DRIVES[,menu=on|off] (QEMU's keys; DRIVES: up to three of
 * a (floppy), c (first hard disk), d (CD-ROM)) */
static int parse_boot(struct machine_config *c, const char *v, char *err, size_t errlen)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", v);
    for (char *save = NULL, *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        if (!strncmp(kv, "menu=", 5)) {
            if (strcmp(kv + 5, "on") && strcmp(kv + 5, "off")) {
                snprintf(err, errlen, "-boot %s: menu= takes on or off", v);
                return -1;
            }
            c->boot_menu = !strcmp(kv + 5, "on");
            continue;
        }
        const char *order = !strncmp(kv, "order=", 6) ? kv + 6 : kv;
        size_t n = strlen(order);
        if (n == 0 || n > 3 || strspn(order, "acd") < n) {
            snprintf(err, errlen, "-boot %s: bad boot order (up to three of the letters a, c, d)", v);
            return -1;
        }
        memcpy(c->boot_order, order, n + 1);
    }
    return 0;
}

/* -drive file=PATH[,if=ide|floppy][,index=N][,media=disk|cdrom][,format=raw][,readonly=on|off] */
static int parse_drive(struct options *o, const char *v, char *err, size_t errlen)
{
    struct machine_config *c = &o->cfg;
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", v);
    const char *file = NULL, *iface = "ide";
    int index = -1, cdrom = 0, ro = 0;
    for (char *save = NULL, *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq) {
            snprintf(err, errlen, "-drive %s: '%s' is not key=value", v, kv);
            return -1;
        }
        *eq = 0;
        const char *val = eq + 1;
        if (!strcmp(kv, "file"))
            file = val;
        else if (!strcmp(kv, "if"))
            iface = val;
        else if (!strcmp(kv, "index"))
            index = atoi(val);
        else if (!strcmp(kv, "media"))
            cdrom = !strcmp(val, "cdrom");
        else if (!strcmp(kv, "readonly"))
            ro = !strcmp(val, "on");
        else if (!strcmp(kv, "format") && !strcmp(val, "raw"))
            ;
        else {
            snprintf(err, errlen,
                     "-drive %s: unsupported '%s=%s' (file, if, index, media, format=raw, readonly)", v, kv,
                     val);
            return -1;
        }
    }
    if (!file) {
        snprintf(err, errlen, "-drive %s: needs file=PATH", v);
        return -1;
    }
    if (check_readable("-drive", file, err, errlen))
        return -1;
    if (o->nowned == (int)(sizeof o->owned / sizeof o->owned[0])) {
        snprintf(err, errlen, "-drive %s: too many drives", v);
        return -1;
    }
    char *path = strdup(file);
    if (!path) {
        snprintf(err, errlen, "-drive %s: out of memory", v);
        return -1;
    }
    o->owned[o->nowned++] = path;
    if (!strcmp(iface, "floppy")) {
        int i = index < 0 ? (c->fd[0] ? 1 : 0) : index;
        if (i > 1) {
            snprintf(err, errlen, "-drive %s: floppy index must be 0 or 1", v);
            return -1;
        }
        c->fd[i] = path;
        c->fd_readonly[i] = ro;
    } else if (!strcmp(iface, "ide")) {
        int i = index;
        for (int k = 0; i < 0 && k < 4; k++)
            if (!c->hd[k])
                i = k;
        if (i < 0 || i > 3) {
            snprintf(err, errlen, "-drive %s: IDE index must be 0 to 3", v);
            return -1;
        }
        c->hd[i] = path;
        c->hd_is_cdrom[i] = cdrom;
        c->hd_readonly[i] = ro || cdrom;
    } else {
        snprintf(err, errlen, "-drive %s: unsupported interface '%s' (ide, floppy)", v, iface);
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
    int nserial = 0, serial_given = 0, nographic = 0, monitor_given = 0;
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
        if (!strcmp(a, "-snapshot")) {
            c->snapshot = true;
            continue;
        }
        if (!strcmp(a, "-no-reboot")) {
            c->no_reboot = true;
            continue;
        }
        if (!strcmp(a, "-nographic")) {
            nographic = 1;
            continue;
        }
        if (!strcmp(a, "-full-screen")) {
            o->full_screen = true;
            continue;
        }
        if (a[0] != '-' || !a[1]) {
            snprintf(err, errlen, "%s: unexpected argument (options start with -; see -h)", argv[i]);
            return OPT_ERROR;
        }
        static const char *const with_value[] = {
            "-m",      "-cpu", "-kernel", "-append", "-initrd", "-serial", "-debugcon", "-display",
            "-device", "-d",   "-D",      "-bios",   "-L",      "-fda",    "-fdb",      "-hda",
            "-hdb",    "-hdc", "-hdd",    "-cdrom",  "-boot",   "-drive",  "-monitor",  "-script"};
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
        } else if (!strcmp(a, "-fda") || !strcmp(a, "-fdb")) {
            if (check_readable(a, v, err, errlen))
                return OPT_ERROR;
            c->fd[a[3] - 'a'] = v;
        } else if (!strcmp(a, "-hda") || !strcmp(a, "-hdb") || !strcmp(a, "-hdc") || !strcmp(a, "-hdd")) {
            if (check_readable(a, v, err, errlen))
                return OPT_ERROR;
            c->hd[a[3] - 'a'] = v;
            c->hd_is_cdrom[a[3] - 'a'] = false;
        } else if (!strcmp(a, "-cdrom")) {
            if (check_readable("-cdrom", v, err, errlen))
                return OPT_ERROR;
            c->hd[2] = v; /* secondary master, as QEMU does */
            c->hd_is_cdrom[2] = true;
        } else if (!strcmp(a, "-drive")) {
            if (parse_drive(o, v, err, errlen))
                return OPT_ERROR;
        } else if (!strcmp(a, "-boot")) {
            if (parse_boot(c, v, err, errlen))
                return OPT_ERROR;
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
            if (!strcmp(v, "none")) {
                o->display = DISPLAY_CHOICE_NONE;
            } else if (!strcmp(v, "sdl") || !strcmp(v, "sdl,aspect=4:3") || !strcmp(v, "sdl,aspect=square")) {
                o->display = DISPLAY_CHOICE_SDL;
                o->aspect_4_3 = !strcmp(v, "sdl,aspect=4:3");
            } else {
                snprintf(err, errlen, "-display %s: unsupported (sdl, sdl,aspect=4:3 or none)", v);
                return OPT_ERROR;
            }
        } else if (!strcmp(a, "-device") && device_opts_handles(v)) {
            if (device_opts_parse(c, v, err, errlen))
                return OPT_ERROR;
        } else if (!strcmp(a, "-device")) {
            if (strncmp(v, "isa-debug-exit", 14) || (v[14] && v[14] != ',')) {
                snprintf(err, errlen, "-device %s: unknown device (supported: isa-debug-exit, VGA)", v);
                return OPT_ERROR;
            }
            char why[256];
            if (debug_exit_parse(v, &c->debug_exit_iobase, &c->debug_exit_iosize, why, sizeof why)) {
                snprintf(err, errlen, "-device %s", why);
                return OPT_ERROR;
            }
            c->debug_exit = true;
        } else if (!strcmp(a, "-monitor")) {
            if (strcmp(v, "stdio") && strcmp(v, "none")) {
                snprintf(err, errlen, "-monitor %s: unsupported (stdio or none)", v);
                return OPT_ERROR;
            }
            o->monitor_stdio = !strcmp(v, "stdio");
            monitor_given = 1;
        } else if (!strcmp(a, "-script")) {
            o->script = v; /* read and checked by main before the machine is built */
        } else if (!strcmp(a, "-d")) {
            dlist = v;
        } else if (!strcmp(a, "-D")) {
            o->log_file = v;
        }
    }
    if (nographic) {
        if (o->display == DISPLAY_CHOICE_SDL) {
            snprintf(err, errlen, "-nographic: cannot be used with -display sdl");
            return OPT_ERROR;
        }
        o->display = DISPLAY_CHOICE_NONE;
        /* QEMU's -nographic: COM1 and the monitor multiplexed on stdio, or
         * the monitor alone there when COM1 was sent elsewhere */
        if (!serial_given) {
            c->serial[0] = "stdio";
            serial_given = 1;
            o->mux_stdio = !monitor_given;
        } else if (!monitor_given && !(c->debugcon && !strcmp(c->debugcon, "stdio"))) {
            int on_stdio = 0;
            for (int k = 0; k < MACHINE_MAX_SERIAL; k++)
                on_stdio |= c->serial[k] && !strcmp(c->serial[k], "stdio");
            o->monitor_stdio = !on_stdio;
        }
    }
    if (o->full_screen && o->display == DISPLAY_CHOICE_NONE) {
        snprintf(err, errlen, "-full-screen: there is no window (-display none or -nographic)");
        return OPT_ERROR;
    }
    if (o->monitor_stdio) {
        /* the monitor owns the terminal's input; the serial port cannot share it
         * (-nographic multiplexes COM1 and the monitor there) */
        for (int k = 0; k < MACHINE_MAX_SERIAL; k++) {
            if (c->serial[k] && !strcmp(c->serial[k], "stdio")) {
                snprintf(err, errlen,
                         "-monitor stdio: stdio is already used by -serial stdio or -nographic "
                         "(use -serial file:PATH)");
                return OPT_ERROR;
            }
        }
        if (c->debugcon && !strcmp(c->debugcon, "stdio")) {
            snprintf(err, errlen, "-monitor stdio: stdio is already used by -debugcon stdio");
            return OPT_ERROR;
        }
        /* COM1 still exists (scripts can wait for its output) but goes nowhere */
        if (!serial_given)
            c->serial[0] = "none";
    }
    if (!serial_given && !o->monitor_stdio)
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

void options_free(struct options *o)
{
    for (int i = 0; i < o->nowned; i++)
        free(o->owned[i]);
    o->nowned = 0;
}
