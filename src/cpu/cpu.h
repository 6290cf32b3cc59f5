/* cpu.h - the guest CPU as a library: the narrow interface between the CPU
 * (with its translator) and the board.  Create it with a host description
 * (physical memory, the port bus, interrupt acknowledge and shutdown
 * callbacks), run it for a budget of instructions, raise or lower INTR/NMI,
 * read and write registers. */
#ifndef DYNAPC_CPU_H
#define DYNAPC_CPU_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct physmem;
struct bus;
struct cpu;

/* in order of age: later models compare greater */
enum cpu_model {
    CPU_MODEL_8086,
    CPU_MODEL_286,
    CPU_MODEL_386,
    CPU_MODEL_486,
    CPU_MODEL_PENTIUM,
    CPU_MODEL_PENTIUM_MMX,
    CPU_MODEL_PENTIUM2,
};

/* -d log categories */
enum {
    LOG_IN_ASM = 1u << 0,
    LOG_INT = 1u << 1,
    LOG_EXEC = 1u << 2,
    LOG_CPU_RESET = 1u << 3,
    LOG_GUEST_ERRORS = 1u << 4,
    LOG_STATS = 1u << 5,
    LOG_FIRMWARE = 1u << 6, /* the BIOS's debug port (0x402) */
};

struct cpu_host {
    void *opaque;
    struct physmem *mem;
    struct bus *bus;
    int (*intr_ack)(void *opaque);  /* INTA: returns the vector */
    void (*shutdown)(void *opaque); /* triple fault */
    /* FERR# (x87 error in MS-DOS compatibility mode, CR0.NE = 0): the board
     * routes it to IRQ13.  May be NULL (then FERR# goes nowhere and the CPU
     * does not wait for the interrupt). */
    void (*ferr)(void *opaque, int level);
    FILE *log;         /* -D file or stderr */
    unsigned log_mask; /* LOG_* */
};

enum cpu_exit { CPU_EXIT_BUDGET, CPU_EXIT_HALT, CPU_EXIT_REQUEST, CPU_EXIT_SHUTDOWN };

enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS };
enum { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI };

struct cpu_segment {
    uint16_t sel;
    uint32_t base, limit; /* limit in bytes (already scaled by G) */
    uint16_t attr;        /* descriptor access byte | (flags nibble << 8): bit 14 = D/B, bit 15 = G */
};

struct cpu_regs {
    uint32_t gpr[8];
    uint32_t eip, eflags;
    struct cpu_segment seg[6];
    uint32_t cr0, cr2, cr3, cr4;
    uint32_t gdt_base, gdt_limit, idt_base, idt_limit;
};

struct cpu_stats {
    uint64_t tb_translated, tb_executed, tb_chained, tb_links, tb_invalidated, tb_flushes;
    uint64_t insns, code_bytes, code_bytes_peak;
};

struct cpu *cpu_new(const struct cpu_host *host, enum cpu_model model);
void cpu_free(struct cpu *cpu);
void cpu_reset(struct cpu *cpu);
enum cpu_exit cpu_run(struct cpu *cpu, int64_t budget);
void cpu_set_intr(struct cpu *cpu, int level);
/* an NMI edge: delivered at the next instruction boundary, then NMIs are
 * blocked until the next IRET (SDM 6.7.1) */
void cpu_nmi(struct cpu *cpu);
/* single-step: every translation block holds one instruction, so
 * cpu_run(cpu, 1) executes exactly one (for debuggers and conformance tests) */
void cpu_set_single_step(struct cpu *cpu, bool on);
void cpu_request_exit(struct cpu *cpu); /* safe from device callbacks */
void cpu_get_regs(const struct cpu *cpu, struct cpu_regs *r);
void cpu_set_regs(struct cpu *cpu, const struct cpu_regs *r);
bool cpu_halted(const struct cpu *cpu);
/* IGNNE#: the board asserts it when port F0h is written (and lowers IRQ13
 * itself); the CPU drops it again when FERR# goes away (FNCLEX, FNINIT...) */
void cpu_set_ignne(struct cpu *cpu, int level);
/* the board calls this when the A20 gate changes */
void cpu_a20_changed(struct cpu *cpu);
const struct cpu_stats *cpu_stats(const struct cpu *cpu);
void cpu_print_stats(const struct cpu *cpu, FILE *f, double seconds);
/* for tests: drop every translation */
void cpu_flush_translations(struct cpu *cpu);

#endif
