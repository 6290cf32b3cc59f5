/* debug.c - debug registers and single-step (SDM Vol. 3A chapter 17,
 * "Debug, Branch Profile, TSC, and Intel Resource Director Technology
 * Features", 17.2-17.3).
 *
 * Instruction breakpoints: while one is armed, blocks end before every
 * breakpoint address and chaining is off, so the dispatcher sees every
 * block start and checks it (a fault, before the instruction; EFLAGS.RF
 * suppresses it once).  Data and I/O breakpoints: while armed, blocks hold
 * one instruction and every memory access takes the slow path, which
 * records hits; the #DB trap is raised after the instruction. */
#include "cpu/cpu_internal.h"

#include "translate/tb.h"

static unsigned bp_len(uint32_t dr7, int i)
{
    static const uint8_t len[4] = {1, 2, 8, 4};
    return len[(dr7 >> (18 + 4 * i)) & 3];
}

static unsigned bp_rw(uint32_t dr7, int i)
{
    return (dr7 >> (16 + 4 * i)) & 3;
}

static int bp_enabled(uint32_t dr7, int i)
{
    return (dr7 >> (2 * i)) & 3;
}

void debug_update(struct cpu *cpu)
{
    unsigned exec = 0, data = 0, io = 0;
    for (int i = 0; i < 4; i++) {
        if (!bp_enabled(cpu->dr[7], i))
            continue;
        switch (bp_rw(cpu->dr[7], i)) {
        case 0:
            exec |= 1u << i;
            break;
        case 2:
            if (cpu->cr4 & CR4_DE)
                io |= 1u << i;
            break;
        default:
            data |= 1u << i;
            break;
        }
    }
    int changed = exec != cpu->dbg_exec || data != cpu->dbg_data || io != cpu->dbg_io;
    cpu->dbg_exec = exec;
    cpu->dbg_data = data;
    cpu->dbg_io = io;
    if (changed) {
        /* blocks may hold a new breakpoint in their middle, and the TLB may
         * let watched accesses bypass the slow path */
        tb_flush_deferred(cpu);
        tlb_flush(cpu);
    }
}

static unsigned match(const struct cpu *cpu, unsigned mask, uint32_t addr, unsigned size)
{
    unsigned hits = 0;
    for (int i = 0; i < 4; i++) {
        if (!(mask & (1u << i)))
            continue;
        unsigned len = bp_len(cpu->dr[7], i);
        uint32_t lo = cpu->dr[i] & ~(len - 1);
        if (addr <= lo + len - 1 && lo <= addr + size - 1)
            hits |= 1u << i;
    }
    return hits;
}

unsigned debug_exec_hits(const struct cpu *cpu, uint32_t lin)
{
    unsigned hits = 0;
    for (int i = 0; i < 4; i++)
        if ((cpu->dbg_exec & (1u << i)) && cpu->dr[i] == lin)
            hits |= 1u << i;
    return hits;
}

void debug_check_data(struct cpu *cpu, uint32_t lin, unsigned size, int write)
{
    unsigned m = 0;
    for (int i = 0; i < 4; i++)
        if ((cpu->dbg_data & (1u << i)) && (write || bp_rw(cpu->dr[7], i) == 3))
            m |= 1u << i;
    cpu->dbg_pending |= match(cpu, m, lin, size);
}

void debug_check_io(struct cpu *cpu, uint16_t port, unsigned size)
{
    cpu->dbg_pending |= match(cpu, cpu->dbg_io, port, size);
}
