/* cpu.c - creating, resetting and inspecting the CPU (see cpu.h). */
#include "cpu/cpu_internal.h"

#include <inttypes.h>
#include <stdlib.h>

#include "devices/physmem.h"
#include "cpu/ops.h"
#include "cpu/x87.h"
#include "translate/tb.h"

#define CODE_ARENA_BYTES (64u << 20)

static void ram_written(void *opaque, uint32_t paddr, unsigned size)
{
    struct cpu *cpu = opaque;
    if (tb_page_has_code(cpu->tbc, paddr))
        tb_invalidate_phys(cpu, paddr, size);
}

/* PAM changed what some physical addresses read: translations made from
 * the old bytes and TLB entries pointing at them must go.  This comes from
 * an OUT inside a running TB, so the flush is deferred to the dispatcher
 * and the running TB stops after the current instruction. */
static void map_changed(void *opaque)
{
    struct cpu *cpu = opaque;
    tb_flush_deferred(cpu);
    tlb_flush(cpu);
}

struct cpu *cpu_new(const struct cpu_host *host, enum cpu_model model)
{
    struct cpu *cpu = calloc(1, sizeof *cpu);
    if (!cpu)
        return NULL;
    cpu->host = *host;
    cpu->model = model;
    cpu->tbc = tb_cache_new((uint32_t)host->mem->ram_size, CODE_ARENA_BYTES);
    if (!cpu->tbc) {
        free(cpu);
        return NULL;
    }
    host->mem->ram_written = ram_written;
    host->mem->ram_written_opaque = cpu;
    host->mem->map_changed = map_changed;
    host->mem->map_changed_opaque = cpu;
    cpu->no_chain = (host->log_mask & LOG_EXEC) != 0;
    cpu_reset(cpu);
    return cpu;
}

void cpu_free(struct cpu *cpu)
{
    if (!cpu)
        return;
    if (cpu->host.mem->ram_written_opaque == cpu)
        cpu->host.mem->ram_written = NULL;
    tb_cache_free(cpu->tbc);
    free(cpu);
}

/* EDX after reset: the processor signature (family, model, stepping) */
static uint32_t reset_signature(enum cpu_model m)
{
    switch (m) {
    case CPU_MODEL_386:
        return 0x0308; /* 386DX */
    case CPU_MODEL_486:
        return 0x0480; /* 486DX4 */
    case CPU_MODEL_PENTIUM:
        return 0x0543; /* P54C */
    case CPU_MODEL_PENTIUM_MMX:
        return 0x0544; /* P55C */
    case CPU_MODEL_PENTIUM2:
        return 0x0634; /* Klamath */
    default:
        return 0;
    }
}

/* power-on state, SDM Vol. 3A 9.1.1 table 9-1; the 8086 starts at
 * FFFF:0000 and the 286 at F000:FFF0 with CS base FF0000 (24-bit bus) */
void cpu_reset(struct cpu *cpu)
{
    memset(cpu->r, 0, sizeof cpu->r);
    cpu->r[R_EDX] = reset_signature(cpu->model);
    cpu->eip = cpu->model == CPU_MODEL_8086 ? 0 : 0xFFF0;
    cpu->eflags = 2;
    cpu->lf_kind = LF_NONE;
    cpu->lf_flags = 0;
    for (int s = 0; s < 6; s++) {
        cpu->seg[s].sel = 0;
        cpu->seg[s].base = 0;
        cpu->seg[s].limit = 0xFFFF;
        cpu->seg[s].attr = 0x93;
    }
    cpu->seg[SEG_CS].sel = cpu->model == CPU_MODEL_8086 ? 0xFFFF : 0xF000;
    cpu->seg[SEG_CS].base = cpu->model == CPU_MODEL_8086  ? 0xFFFF0
                            : cpu->model == CPU_MODEL_286 ? 0xFF0000
                                                          : 0xFFFF0000u;
    cpu->seg[SEG_CS].attr = 0x9B;
    for (int s = 0; s < 6; s++)
        seg_cache(&cpu->seg[s]);
    /* CR0: the 286's MSW reads FFF0; the 386 has ET set; the 486 and later
     * also come up with CD and NW set */
    cpu->cr0 = cpu->model == CPU_MODEL_286 ? 0xFFF0 : cpu->model <= CPU_MODEL_386 ? 0x10 : 0x60000010u;
    if (cpu->model == CPU_MODEL_8086)
        cpu->cr0 = 0;
    cpu->cr2 = cpu->cr3 = cpu->cr4 = 0;
    memset(cpu->dr, 0, sizeof cpu->dr);
    cpu->dr[6] = 0xFFFF0FF0u;
    cpu->dr[7] = 0x400;
    cpu->gdtr.base = 0;
    cpu->gdtr.limit = 0xFFFF;
    cpu->idtr.base = 0;
    cpu->idtr.limit = 0xFFFF;
    cpu->ldtr = (struct seg){.limit = 0xFFFF, .attr = 0x82};
    cpu->tr = (struct seg){.limit = 0xFFFF, .attr = 0x8B};
    x87_reset(cpu);
    cpu->halted = 0;
    cpu->inhibit_irq = 0;
    cpu->shutdown = 0;
    cpu->exc_depth = 0;
    cpu->tsc_offset = 0;
    cpu->tsc_offset = cpu_tsc(cpu);
    cpu->nmi_pending = cpu->nmi_blocked = 0;
    cpu->msr_sysenter_cs = cpu->msr_sysenter_esp = cpu->msr_sysenter_eip = 0;
    memset(cpu->msr_perfctr, 0, sizeof cpu->msr_perfctr);
    memset(cpu->msr_evntsel, 0, sizeof cpu->msr_evntsel);
    cpu->dbg_exec = cpu->dbg_data = cpu->dbg_io = cpu->dbg_pending = 0;
    cpu_update_mode(cpu);
    tlb_flush(cpu);
    tb_flush_all(cpu);
    if ((cpu->host.log_mask & LOG_CPU_RESET) && cpu->host.log)
        fprintf(cpu->host.log, "CPU reset: CS:EIP=f000:0000fff0 CR0=%08" PRIx32 "\n", cpu->cr0);
}

void cpu_get_regs(const struct cpu *cpu, struct cpu_regs *r)
{
    memcpy(r->gpr, cpu->r, sizeof r->gpr);
    r->eip = cpu->eip;
    r->eflags = cpu_get_eflags((struct cpu *)cpu);
    for (int s = 0; s < 6; s++) {
        r->seg[s].sel = cpu->seg[s].sel;
        r->seg[s].base = cpu->seg[s].base;
        r->seg[s].limit = cpu->seg[s].limit;
        r->seg[s].attr = cpu->seg[s].attr;
    }
    r->cr0 = cpu->cr0;
    r->cr2 = cpu->cr2;
    r->cr3 = cpu->cr3;
    r->cr4 = cpu->cr4;
    r->gdt_base = cpu->gdtr.base;
    r->gdt_limit = cpu->gdtr.limit;
    r->idt_base = cpu->idtr.base;
    r->idt_limit = cpu->idtr.limit;
}

void cpu_set_regs(struct cpu *cpu, const struct cpu_regs *r)
{
    memcpy(cpu->r, r->gpr, sizeof r->gpr);
    cpu->r[8] = 0;
    cpu->eip = r->eip;
    for (int s = 0; s < 6; s++) {
        cpu->seg[s].sel = r->seg[s].sel;
        cpu->seg[s].base = r->seg[s].base;
        cpu->seg[s].limit = r->seg[s].limit;
        cpu->seg[s].attr = r->seg[s].attr;
        seg_cache(&cpu->seg[s]);
    }
    cpu->cr0 = r->cr0;
    cpu->cr2 = r->cr2;
    cpu->cr3 = r->cr3;
    cpu->cr4 = r->cr4;
    cpu->gdtr.base = r->gdt_base;
    cpu->gdtr.limit = r->gdt_limit;
    cpu->idtr.base = r->idt_base;
    cpu->idtr.limit = r->idt_limit;
    cpu_set_eflags(cpu, r->eflags, 0xFFFFFFFFu);
    cpu->halted = 0;
    cpu_update_mode(cpu);
    tlb_flush(cpu);
}

void cpu_set_single_step(struct cpu *cpu, bool on)
{
    cpu->single_step = on;
    cpu->last_tb = NULL;
}

bool cpu_halted(const struct cpu *cpu)
{
    return cpu->halted != 0;
}

void cpu_a20_changed(struct cpu *cpu)
{
    /* TBs are keyed by (masked) physical address and stay valid; the
     * linear->physical mappings do not */
    tlb_flush(cpu);
    tb_jmp_cache_clear(cpu);
}

const struct cpu_stats *cpu_stats(const struct cpu *cpu)
{
    return &cpu->stats;
}

void cpu_print_stats(const struct cpu *cpu, FILE *f, double seconds)
{
    const struct cpu_stats *s = &cpu->stats;
    fprintf(f, "dynapc translator statistics\n");
    fprintf(f, "  blocks translated   %" PRIu64 "\n", s->tb_translated);
    fprintf(f,
            "  blocks executed     %" PRIu64 " (%" PRIu64 " from the dispatcher, %" PRIu64
            " through chained or indirect jumps)\n",
            s->tb_executed + s->tb_chained, s->tb_executed, s->tb_chained);
    fprintf(f, "  chain links made    %" PRIu64 "\n", s->tb_links);
    fprintf(f, "  invalidations       %" PRIu64 " (code-cache flushes %" PRIu64 ")\n", s->tb_invalidated,
            s->tb_flushes);
    fprintf(f, "  code cache          %" PRIu64 " bytes in use, %" PRIu64 " peak, of %u\n", s->code_bytes,
            s->code_bytes_peak, CODE_ARENA_BYTES);
    fprintf(f, "  guest instructions  %" PRIu64 "\n", s->insns);
    fprintf(f, "  run time            %.3f s, %.1f MIPS\n", seconds,
            seconds > 0 ? s->insns / seconds / 1e6 : 0.0);
}
