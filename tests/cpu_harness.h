/* cpu_harness.h - a CPU without a board, for unit tests: 16 MB of RAM, a
 * port bus with a byte recorder, flat 32-bit protected mode, machine code
 * copied into RAM and run until HLT.  Shared by test_cpu.c and
 * test_tb_cache.c; static inline functions only. */
#ifndef DYNAPC_TESTS_CPU_HARNESS_H
#define DYNAPC_TESTS_CPU_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cpu/cpu.h"
#include "devices/bus.h"
#include "devices/physmem.h"

#define HARNESS_RAM_SIZE (16u << 20)
#define HARNESS_CODE     0x10000u /* where harness_exec loads a snippet */
#define HARNESS_DATA     0x20000u /* a scratch data area snippets may use */
#define HARNESS_STACK    0x80000u /* initial ESP */
#define HARNESS_LOG_BASE 0xE0u    /* OUTs to ports [0xE0, 0xF0) are recorded */
#define HARNESS_LOG_MAX  256

/* EFLAGS bits, SDM Vol. 1 3.4.3 */
enum {
    FL_CF = 1u << 0,
    FL_PF = 1u << 2,
    FL_AF = 1u << 4,
    FL_ZF = 1u << 6,
    FL_SF = 1u << 7,
    FL_DF = 1u << 10,
    FL_OF = 1u << 11,
    FL_ARITH = FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF,
};

struct harness {
    struct bus *bus;
    struct physmem pm;
    struct cpu *cpu;
    struct bus_ops port_ops;
    uint8_t out[HARNESS_LOG_MAX]; /* bytes written to the recorded ports, in order */
    unsigned nout;
    /* called on each recorded OUT (after it is logged), e.g. to model DMA */
    void (*on_out)(struct harness *h, uint16_t port, uint32_t value);
};

static inline uint64_t harness_port_read(void *opaque, uint64_t offset, unsigned size)
{
    (void)opaque;
    (void)offset;
    (void)size;
    return 0;
}

static inline void harness_port_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    struct harness *h = opaque;
    for (unsigned i = 0; i < size && h->nout < HARNESS_LOG_MAX; i++)
        h->out[h->nout++] = (uint8_t)(value >> (8 * i));
    if (h->on_out)
        h->on_out(h, (uint16_t)(HARNESS_LOG_BASE + offset), (uint32_t)value);
}

/* 0 on success */
static inline int harness_init(struct harness *h)
{
    memset(h, 0, sizeof *h);
    h->bus = bus_new();
    if (!h->bus)
        return -1;
    if (physmem_init(&h->pm, h->bus, HARNESS_RAM_SIZE) != 0)
        return -1;
    h->port_ops.read = harness_port_read;
    h->port_ops.write = harness_port_write;
    h->port_ops.widths = BUS_W8 | BUS_W16 | BUS_W32;
    if (bus_map(h->bus, BUS_IO, HARNESS_LOG_BASE, 0x10, &h->port_ops, h, "harness-log") != 0)
        return -1;
    struct cpu_host host = {.mem = &h->pm, .bus = h->bus};
    h->cpu = cpu_new(&host, CPU_MODEL_PENTIUM2);
    return h->cpu ? 0 : -1;
}

static inline void harness_free(struct harness *h)
{
    cpu_free(h->cpu);
    physmem_destroy(&h->pm);
    bus_free(h->bus);
}

/* flat 4 GB code and data segments, CPL 0, GPRs zero, EFLAGS = 2 */
static inline void harness_flat32_regs(struct cpu_regs *r, uint32_t eip)
{
    memset(r, 0, sizeof *r);
    r->eip = eip;
    r->eflags = 2;
    r->gpr[4] = HARNESS_STACK;
    r->cr0 = 0x11; /* PE | ET */
    for (int s = 0; s < 6; s++)
        r->seg[s] = (struct cpu_segment){.sel = 0x10, .base = 0, .limit = 0xFFFFFFFFu, .attr = 0xC093};
    r->seg[SEG_CS] = (struct cpu_segment){.sel = 0x08, .base = 0, .limit = 0xFFFFFFFFu, .attr = 0xC09B};
    r->gdt_limit = 0xFFFF;
    r->idt_limit = 0xFFFF;
}

static inline void harness_set_flat32(struct harness *h, uint32_t eip)
{
    struct cpu_regs r;
    harness_flat32_regs(&r, eip);
    cpu_set_regs(h->cpu, &r);
}

/* keep every register, start again at eip (also leaves the HLT state) */
static inline void harness_jump(struct harness *h, uint32_t eip)
{
    struct cpu_regs r;
    cpu_get_regs(h->cpu, &r);
    r.eip = eip;
    cpu_set_regs(h->cpu, &r);
}

/* copy bytes into RAM the way a loader or DMA does (physmem_write), so
 * that translations of whatever was there before are dropped */
static inline void harness_load(struct harness *h, uint32_t addr, const uint8_t *code, size_t len)
{
    for (size_t i = 0; i < len; i++)
        physmem_write(&h->pm, addr + (uint32_t)i, code[i], 1);
}

/* runs until HLT; anything else (a triple fault: there is no IDT, or a
 * runaway loop) is returned as is */
static inline enum cpu_exit harness_run(struct harness *h)
{
    enum cpu_exit why = CPU_EXIT_BUDGET;
    for (int i = 0; i < 1000 && why == CPU_EXIT_BUDGET; i++)
        why = cpu_run(h->cpu, 100000);
    return why;
}

/* load `code` at HARNESS_CODE, run it from there in flat 32-bit mode until
 * HLT, return the registers; CPU_EXIT_HALT when it got there */
static inline enum cpu_exit harness_exec(struct harness *h, const uint8_t *code, size_t len,
                                         struct cpu_regs *out)
{
    harness_load(h, HARNESS_CODE, code, len);
    harness_set_flat32(h, HARNESS_CODE);
    enum cpu_exit why = harness_run(h);
    cpu_get_regs(h->cpu, out);
    return why;
}

/* ---- building code at run time ------------------------------------------ */
struct code_buf {
    uint8_t b[512];
    size_t n;
};

static inline void cb_bytes(struct code_buf *c, const uint8_t *p, size_t n)
{
    if (c->n + n <= sizeof c->b) {
        memcpy(c->b + c->n, p, n);
        c->n += n;
    }
}

static inline void cb_u8(struct code_buf *c, uint8_t v)
{
    cb_bytes(c, &v, 1);
}

static inline void cb_u32(struct code_buf *c, uint32_t v)
{
    uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    cb_bytes(c, le, 4);
}

/* MOV r32, imm32 (B8+rd id) */
static inline void cb_mov_r32(struct code_buf *c, unsigned reg, uint32_t v)
{
    cb_u8(c, (uint8_t)(0xB8 + reg));
    cb_u32(c, v);
}

/* PUSH imm32 ; POPFD: EFLAGS = v (MOV does not touch the flags afterwards) */
static inline void cb_set_eflags(struct code_buf *c, uint32_t v)
{
    cb_u8(c, 0x68);
    cb_u32(c, v);
    cb_u8(c, 0x9D);
}

/* Inputs of one instruction under test: EAX, ECX, EDX, EBX, ESI, EDI (in
 * encoding order, ESP/EBP left out) and EFLAGS before it. */
struct insn_in {
    uint32_t eax, ecx, edx, ebx, esi, edi;
    uint32_t eflags;
};

/* runs `mov`s for the inputs, the instruction bytes, HLT */
static inline enum cpu_exit harness_insn(struct harness *h, const uint8_t *insn, size_t len,
                                         const struct insn_in *in, struct cpu_regs *out)
{
    struct code_buf c = {.n = 0};
    cb_set_eflags(&c, in->eflags | 2);
    cb_mov_r32(&c, R_EAX, in->eax);
    cb_mov_r32(&c, R_ECX, in->ecx);
    cb_mov_r32(&c, R_EDX, in->edx);
    cb_mov_r32(&c, R_EBX, in->ebx);
    cb_mov_r32(&c, R_ESI, in->esi);
    cb_mov_r32(&c, R_EDI, in->edi);
    cb_bytes(&c, insn, len);
    cb_u8(&c, 0xF4);
    return harness_exec(h, c.b, c.n, out);
}

#endif
