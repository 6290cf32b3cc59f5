/* monitor.c - the human monitor (see monitor.h).  Input is taken with
 * poll(2) and read(2) as it arrives and split into lines here, so the guest
 * keeps running while a command is half typed; a terminal stays in its
 * normal (canonical) mode and edits the line itself. */
#include "ui/monitor.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu/cpu.h"
#include "devices/machine.h"
#include "ui/script.h"

#define MONITOR_LINE_MAX 1024

struct monitor {
    int in_fd;
    FILE *out;
    struct key_queue *keys;
    char line[MONITOR_LINE_MAX];
    size_t len;
    bool overlong; /* the current line did not fit; it is dropped */
    bool stopped, quit, closed;
};

struct monitor *monitor_new(int in_fd, FILE *out, struct key_queue *keys)
{
    struct monitor *mon = calloc(1, sizeof *mon);
    if (!mon)
        return NULL;
    mon->in_fd = in_fd;
    mon->out = out;
    mon->keys = keys;
    return mon;
}

void monitor_free(struct monitor *mon)
{
    free(mon);
}

bool monitor_stopped(const struct monitor *mon)
{
    return mon->stopped;
}

bool monitor_quit_requested(const struct monitor *mon)
{
    return mon->quit;
}

bool monitor_input_closed(const struct monitor *mon)
{
    return mon->closed;
}

static void prompt(struct monitor *mon)
{
    fputs("(dynapc) ", mon->out);
    fflush(mon->out);
}

void monitor_prompt(struct monitor *mon)
{
    prompt(mon);
}

void monitor_start(struct monitor *mon)
{
    fprintf(mon->out, "dynapc %s monitor - type 'help' for more information\n", DYNAPC_VERSION);
    prompt(mon);
}

static void help(struct monitor *mon)
{
    fputs("cont|c                    resume the guest\n"
          "help|?                    this list\n"
          "info registers            the CPU's registers\n"
          "info status               running or paused\n"
          "key|sendkey COMBO         press keys together, e.g. ctrl-alt-delete, f12\n"
          "quit|q                    end the emulator\n"
          "screendump FILE           the screen as .png, .ppm or .txt (text modes)\n"
          "stop                      pause the guest\n"
          "system_reset              reset the machine\n"
          "type TEXT                 type TEXT on the keyboard (\\n is Enter)\n",
          mon->out);
}

/* EFLAGS as letters, QEMU's order: D O I T S Z A P C (a dash where clear) */
static void flags_string(uint32_t f, char out[10])
{
    static const struct {
        char c;
        uint32_t bit;
    } bits[] = {{'D', 1u << 10}, {'O', 1u << 11}, {'I', 1u << 9}, {'T', 1u << 8}, {'S', 1u << 7},
                {'Z', 1u << 6},  {'A', 1u << 4},  {'P', 1u << 2}, {'C', 1u << 0}};
    for (int i = 0; i < 9; i++)
        out[i] = (f & bits[i].bit) ? bits[i].c : '-';
    out[9] = 0;
}

static void info_registers(struct monitor *mon, struct machine *m)
{
    struct cpu_regs r;
    cpu_get_regs(m->cpu, &r);
    FILE *o = mon->out;
    char fl[10];
    flags_string(r.eflags, fl);
    fprintf(o, "EAX=%08x EBX=%08x ECX=%08x EDX=%08x\n", r.gpr[R_EAX], r.gpr[R_EBX], r.gpr[R_ECX],
            r.gpr[R_EDX]);
    fprintf(o, "ESI=%08x EDI=%08x EBP=%08x ESP=%08x\n", r.gpr[R_ESI], r.gpr[R_EDI], r.gpr[R_EBP],
            r.gpr[R_ESP]);
    bool vm = r.eflags & (1u << 17), pe = r.cr0 & 1;
    /* the CPL is the DPL of SS in protected mode (SDM Vol. 3A 5.5), 3 in V86 mode */
    unsigned cpl = vm ? 3 : pe ? (r.seg[SEG_SS].attr >> 5 & 3) : 0;
    fprintf(o, "EIP=%08x EFL=%08x [%s] CPL=%u %s\n", r.eip, r.eflags, fl, cpl,
            vm   ? "V86"
            : pe ? "protected"
                 : "real");
    static const char *const names[6] = {"ES", "CS", "SS", "DS", "FS", "GS"};
    for (int s = 0; s < 6; s++)
        fprintf(o, "%s =%04x %08x %08x %04x\n", names[s], r.seg[s].sel, r.seg[s].base, r.seg[s].limit,
                r.seg[s].attr);
    fprintf(o, "GDT=     %08x %08x\n", r.gdt_base, r.gdt_limit);
    fprintf(o, "IDT=     %08x %08x\n", r.idt_base, r.idt_limit);
    fprintf(o, "CR0=%08x CR2=%08x CR3=%08x CR4=%08x\n", r.cr0, r.cr2, r.cr3, r.cr4);
}

void monitor_command(struct monitor *mon, struct machine *m, const char *line)
{
    while (*line == ' ' || *line == '\t')
        line++;
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
        n--;
    char buf[MONITOR_LINE_MAX];
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    memcpy(buf, line, n);
    buf[n] = 0;
    if (!n)
        return;
    char *arg = buf + strcspn(buf, " \t");
    if (*arg) {
        *arg++ = 0;
        while (*arg == ' ' || *arg == '\t')
            arg++;
    }
    const char *cmd = buf;
    FILE *o = mon->out;
    char err[600];
    if (!strcmp(cmd, "help") || !strcmp(cmd, "?")) {
        help(mon);
    } else if (!strcmp(cmd, "info")) {
        if (!strcmp(arg, "status"))
            fprintf(o, "VM status: %s\n", mon->stopped ? "paused" : "running");
        else if (!strcmp(arg, "registers"))
            info_registers(mon, m);
        else
            fprintf(o, "info: unknown item '%s' (status, registers)\n", arg);
    } else if (!strcmp(cmd, "stop")) {
        mon->stopped = true;
    } else if (!strcmp(cmd, "cont") || !strcmp(cmd, "c")) {
        mon->stopped = false;
    } else if (!strcmp(cmd, "system_reset")) {
        machine_request_reset(m);
    } else if (!strcmp(cmd, "quit") || !strcmp(cmd, "q")) {
        mon->quit = true;
    } else if (!strcmp(cmd, "screendump")) {
        if (!*arg)
            fprintf(o, "screendump: needs a FILE (.png, .ppm or .txt)\n");
        else if (!screen_dump_format_ok(arg))
            fprintf(o, "screendump: %s: unknown format (the name must end in .png, .txt or .ppm)\n", arg);
        else if (screen_dump(m->vga, arg, err, sizeof err))
            fprintf(o, "screendump: %s\n", err);
    } else if (!strcmp(cmd, "key") || !strcmp(cmd, "sendkey")) {
        int keys[KEYMAP_MAX_COMBO];
        int nk = keymap_parse_combo(arg, keys, err, sizeof err);
        if (nk < 0)
            fprintf(o, "%s: %s\n", cmd, err);
        else if (key_queue_combo(mon->keys, keys, nk))
            fprintf(o, "%s: out of memory\n", cmd);
    } else if (!strcmp(cmd, "type")) {
        /* the same escapes as scripts: \n is Enter, \\ a backslash */
        char text[MONITOR_LINE_MAX], *t = text;
        for (const char *p = arg; *p; p++) {
            if (p[0] == '\\' && (p[1] == 'n' || p[1] == '\\')) {
                *t++ = p[1] == 'n' ? '\n' : '\\';
                p++;
            } else {
                *t++ = *p;
            }
        }
        *t = 0;
        if (!*text)
            fprintf(o, "type: needs the TEXT to type\n");
        else if (key_queue_type(mon->keys, text, err, sizeof err))
            fprintf(o, "type: %s\n", err);
    } else {
        fprintf(o, "unknown command: '%s' (help lists them)\n", cmd);
    }
    fflush(o);
}

void monitor_poll(struct monitor *mon, struct machine *m, int wait_ms)
{
    if (mon->closed || mon->quit) {
        if (wait_ms > 0)
            poll(NULL, 0, wait_ms);
        return;
    }
    struct pollfd p = {.fd = mon->in_fd, .events = POLLIN};
    int r = poll(&p, 1, wait_ms);
    if (r <= 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR)))
        return;
    char buf[512];
    ssize_t got = read(mon->in_fd, buf, sizeof buf);
    if (got < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (got <= 0) {
        mon->closed = true; /* end of input: the guest runs on */
        if (mon->len && !mon->overlong) {
            mon->line[mon->len] = 0;
            monitor_command(mon, m, mon->line);
        }
        mon->len = 0;
        return;
    }
    for (ssize_t i = 0; i < got && !mon->quit; i++) {
        if (buf[i] == '\n') {
            mon->line[mon->len] = 0;
            if (mon->overlong)
                fprintf(mon->out, "line too long (at most %d characters)\n", MONITOR_LINE_MAX - 1);
            else
                monitor_command(mon, m, mon->line);
            mon->len = 0;
            mon->overlong = false;
            if (!mon->quit)
                prompt(mon);
        } else if (mon->len + 1 < sizeof mon->line) {
            mon->line[mon->len++] = buf[i];
        } else {
            mon->overlong = true;
        }
    }
}
