/* machine.c - machine core: RAM, the bus, virtual time, the CPU, kernel
 * loading, and the main loop that runs the CPU between timer events and
 * sleeps while the guest halts. */
#include "devices/machine.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "devices/bus.h"
#include "devices/multiboot.h"
#include "devices/pic.h"
#include "devices/timer.h"

/* instructions per cpu_run() call between looks at the timer queue */
#define RUN_SLICE 20000

void machine_request_exit(struct machine *m, int status)
{
    m->exit_requested = true;
    m->exit_status = status;
    if (m->cpu)
        cpu_request_exit(m->cpu);
}

void machine_request_reset(struct machine *m)
{
    m->reset_requested = true;
    if (m->cpu)
        cpu_request_exit(m->cpu);
}

void machine_set_a20(struct machine *m, bool enabled)
{
    uint32_t mask = enabled ? 0xFFFFFFFFu : 0xFFEFFFFFu;
    if (m->mem.a20_mask == mask)
        return;
    m->mem.a20_mask = mask;
    if (m->cpu)
        cpu_a20_changed(m->cpu);
}

static int cpu_intr_ack(void *opaque)
{
    struct machine *m = opaque;
    return pic_acknowledge(m->pic_master);
}

static void cpu_shutdown(void *opaque)
{
    struct machine *m = opaque;
    /* a triple fault resets the PC (the chipset turns shutdown into INIT/reset) */
    machine_request_reset(m);
}

/* FERR# from the FPU (CR0.NE = 0) is IRQ 13 on a PC; writing port F0h
 * clears the interrupt and asserts IGNNE# so the FPU instruction can
 * complete (IBM PC/AT technical reference, coprocessor interface) */
static void cpu_ferr(void *opaque, int level)
{
    struct machine *m = opaque;
    irq_set(&m->isa_irq[13], level);
}

static void set_cpu_intr(void *opaque, int n, int level)
{
    (void)n;
    struct machine *m = opaque;
    cpu_set_intr(m->cpu, level);
}

/* Multiboot entry state (Multiboot spec 3.2): flat 32-bit protected mode,
 * paging off, EAX = magic, EBX = info.  We also leave a valid flat GDT at
 * 0x7F00 so that a kernel which reloads segments before its own LGDT works. */
static int boot_multiboot(struct machine *m, char *err, size_t errlen)
{
    struct multiboot_boot b;
    if (multiboot_load(m->mem.ram, m->mem.ram_size, m->cfg.kernel, m->cfg.append, m->cfg.initrd, &b, err,
                       errlen))
        return -1;
    static const uint8_t gdt[24] = {0, 0,    0,    0, 0,    0,    0, 0, 0xFF, 0xFF, 0,    0,
                                    0, 0x9B, 0xCF, 0, 0xFF, 0xFF, 0, 0, 0,    0x93, 0xCF, 0};
    memcpy(m->mem.ram + 0x7F00, gdt, sizeof gdt);
    struct cpu_regs r;
    cpu_get_regs(m->cpu, &r);
    memset(r.gpr, 0, sizeof r.gpr);
    r.gpr[R_EAX] = b.eax;
    r.gpr[R_EBX] = b.ebx;
    r.eip = b.entry;
    r.eflags = 2;
    for (int s = 0; s < 6; s++) {
        r.seg[s].sel = s == SEG_CS ? 0x08 : 0x10;
        r.seg[s].base = 0;
        r.seg[s].limit = 0xFFFFFFFFu;
        r.seg[s].attr = s == SEG_CS ? 0xC09B : 0xC093;
    }
    r.cr0 = 0x11; /* PE | ET */
    r.gdt_base = 0x7F00;
    r.gdt_limit = sizeof gdt - 1;
    r.idt_base = 0;
    r.idt_limit = 0x3FF;
    cpu_set_regs(m->cpu, &r);
    machine_set_a20(m, true);
    return 0;
}

/* where Debian's seabios, vgabios and bochsbios packages put their images */
static const char *const firmware_dirs[] = {"/usr/share/seabios", "/usr/share/vgabios", "/usr/share/bochs"};

int machine_find_firmware(const struct machine_config *cfg, const char *name, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s", name);
    if (strchr(name, '/') || access(name, R_OK) == 0)
        return 0;
    if (cfg->bios_dir) {
        snprintf(out, outlen, "%s/%s", cfg->bios_dir, name);
        if (access(out, R_OK) == 0)
            return 0;
    }
    for (size_t i = 0; i < sizeof firmware_dirs / sizeof firmware_dirs[0]; i++) {
        snprintf(out, outlen, "%s/%s", firmware_dirs[i], name);
        if (access(out, R_OK) == 0)
            return 0;
    }
    snprintf(out, outlen, "%s", name);
    return -1;
}

void machine_firmware_missing(const struct machine_config *cfg, const char *what, const char *name, char *err,
                              size_t errlen)
{
    snprintf(err, errlen, "%s%s: not found in %s%s%s, %s or %s (Debian packages seabios, vgabios, bochsbios)",
             what, name, cfg->bios_dir ? cfg->bios_dir : "", cfg->bios_dir ? ", " : "", firmware_dirs[0],
             firmware_dirs[1], firmware_dirs[2]);
}

/* The BIOS image sits at the top of the 4 GB space; its last 128 KB also
 * appear below 1 MB at E0000-FFFFF (through PAM, until shadowed). */
static int load_bios(struct machine *m, char *err, size_t errlen)
{
    char path[1024];
    const char *flag = m->cfg.bios ? "-bios" : "BIOS";
    if (machine_find_firmware(&m->cfg, m->cfg.bios ? m->cfg.bios : "bios.bin", path, sizeof path)) {
        machine_firmware_missing(&m->cfg, m->cfg.bios ? "-bios " : "BIOS ", path, err, errlen);
        return -1;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s %s: %s", flag, path, strerror(errno));
        return -1;
    }
    uint8_t *data = malloc(2u << 20);
    size_t size = data ? fread(data, 1, 2u << 20, f) : 0;
    int bad = ferror(f) || !feof(f);
    fclose(f);
    if (!data || bad || size < 0x10000 || (size & 0xFFFF)) {
        snprintf(err, errlen, "%s %s: not a BIOS image (size must be a multiple of 64 KB, at most 2 MB)",
                 flag, path);
        free(data);
        return -1;
    }
    /* rombios, the Bochs BIOS (every build of it holds this string), needs
     * Bochs' device semantics in places (pc.c) */
    m->bochs_bios = memmem(data, size, "The Bochs Project", 17) != NULL;
    size_t low = size < 0x20000 ? size : 0x20000;
    int r = physmem_add_rom(&m->mem, 0x100000000ull - size, data, size, "bios") |
            physmem_add_rom(&m->mem, 0x100000 - low, data + size - low, low, "bios (below 1 MB)");
    free(data);
    if (r) {
        snprintf(err, errlen, "%s %s: cannot map the image", flag, path);
        return -1;
    }
    return 0;
}

int machine_init(struct machine *m, const struct machine_config *cfg, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    m->bus = bus_new();
    m->tq = timerq_new(CLOCK_HOST);
    if (!m->bus || !m->tq || physmem_init(&m->mem, m->bus, cfg->ram_bytes)) {
        snprintf(err, errlen, "-m %llu MB: cannot allocate guest RAM: %s",
                 (unsigned long long)(cfg->ram_bytes >> 20), strerror(errno));
        return -1;
    }
    m->cpu_intr = irq_line_make(set_cpu_intr, m, 0);
    struct cpu_host host = {
        .opaque = m,
        .mem = &m->mem,
        .bus = m->bus,
        .intr_ack = cpu_intr_ack,
        .shutdown = cpu_shutdown,
        .ferr = cpu_ferr,
        .log = cfg->log,
        .log_mask = cfg->log_mask,
    };
    m->cpu = cpu_new(&host, cfg->cpu_model);
    if (!m->cpu) {
        snprintf(err, errlen, "cannot allocate the CPU and its code cache");
        return -1;
    }
    /* the BIOS first: the board adapts to it (bochs_bios) */
    if (!cfg->kernel && load_bios(m, err, errlen)) /* the CPU starts at the reset vector, in the BIOS */
        return -1;
    if (pc_board_init(m, err, errlen))
        return -1;
    if (cfg->kernel)
        return boot_multiboot(m, err, errlen);
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* HLT: sleep the host until the next timer event (at most 10 ms, so that
 * input polling and exit requests are seen promptly) */
static void idle_until_next_event(struct machine *m)
{
    uint64_t now = timerq_now(m->tq), next = timerq_next(m->tq);
    uint64_t wait = next == TIMER_NEVER || next <= now ? (next <= now ? 0 : 10000000ull) : next - now;
    if (wait > 10000000ull)
        wait = 10000000ull;
    if (wait == 0)
        return;
    struct timespec ts = {(time_t)(wait / 1000000000ull), (long)(wait % 1000000000ull)};
    nanosleep(&ts, NULL);
}

/* Runs until the guest exits, `*m->stop` is set (a signal), or host time
 * reaches `until` (seconds on the now_s() clock; 0 = no limit).  Returns 1
 * if the run ended for a reason other than the time limit. */
static int run_until(struct machine *m, double until)
{
    for (;;) {
        timerq_run(m->tq);
        if (m->exit_requested)
            return 1;
        if (m->stop && *m->stop) {
            m->exit_status = 0;
            return 1;
        }
        if (until > 0 && now_s() >= until)
            return 0;
        if (m->reset_requested) {
            m->reset_requested = false;
            if (m->cfg.no_reboot) {
                m->exit_status = 0;
                m->exit_requested = true;
                return 1;
            }
            pc_board_reset(m);
            cpu_reset(m->cpu);
            char err[256];
            if (m->cfg.kernel && boot_multiboot(m, err, sizeof err)) {
                fprintf(stderr, "dynapc: %s\n", err);
                m->exit_status = 1;
                m->exit_requested = true;
                return 1;
            }
            continue;
        }
        enum cpu_exit r = cpu_run(m->cpu, RUN_SLICE);
        if (r == CPU_EXIT_HALT)
            idle_until_next_event(m);
    }
}

int machine_run(struct machine *m)
{
    double t0 = now_s();
    run_until(m, 0);
    m->run_seconds = now_s() - t0;
    return m->exit_status;
}

bool machine_run_for(struct machine *m, double seconds)
{
    double t0 = now_s();
    int ended = run_until(m, t0 + seconds);
    m->run_seconds += now_s() - t0;
    return ended;
}

void machine_destroy(struct machine *m)
{
    pc_board_destroy(m);
    cpu_free(m->cpu);
    physmem_destroy(&m->mem);
    timerq_free(m->tq);
    bus_free(m->bus);
    memset(m, 0, sizeof *m);
}
