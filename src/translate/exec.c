/* exec.c - the dispatcher: run translation blocks until the budget is used,
 * the CPU halts or an exit is requested; deliver interrupts and exceptions
 * between blocks; link blocks as they are found. */
#include <inttypes.h>

#include "cpu/ops.h"
#include "translate/tb.h"

const struct op *exit_indirect(struct cpu *cpu, uint32_t eip)
{
    cpu->eip = eip;
    cpu->last_tb = NULL;
    if (unlikely(cpu->check_irq) || cpu->budget <= 0 || cpu->no_chain || cpu->dbg_exec ||
        (cpu->cur_tb->flags & (TBF_TF | TBF_DEBUG)))
        return NULL;
    struct tb *tb = tb_find_fast(cpu, eip);
    if (!tb)
        return NULL;
    cpu->budget -= tb->ninsn;
    cpu->cur_tb = tb;
    cpu->stats.tb_chained++;
    return tb->ops;
}

static void recompute_check(struct cpu *cpu)
{
    cpu->check_irq = cpu->intr_line || cpu->exit_request || cpu->nmi_pending;
}

void cpu_nmi(struct cpu *cpu)
{
    cpu->nmi_pending = 1;
    cpu->check_irq = 1;
}

void cpu_set_intr(struct cpu *cpu, int level)
{
    cpu->intr_line = level;
    recompute_check(cpu);
}

void cpu_request_exit(struct cpu *cpu)
{
    cpu->exit_request = 1;
    cpu->check_irq = 1;
}

static void log_exec(struct cpu *cpu, const struct tb *tb)
{
    fprintf(cpu->host.log, "Trace: %p [%04x:%08" PRIx32 "] phys %08" PRIx32 " insns %" PRIu32 "\n",
            (const void *)tb, cpu->seg[SEG_CS].sel, tb->eip, tb->phys_pc, tb->ninsn);
}

enum cpu_exit cpu_run(struct cpu *cpu, int64_t budget)
{
    volatile int64_t start_budget = budget;
    enum cpu_exit why;
    cpu->budget = budget;
    if (cpu->shutdown)
        return CPU_EXIT_SHUTDOWN;
    if (setjmp(cpu->jmp_env)) {
        /* an exception was raised in translated code, in the translator or
         * while delivering another exception */
        cpu->last_tb = NULL;
        cpu->halted = 0;
        cpu->dbg_pending = 0;
        if (cpu->shutdown) {
            if (cpu->host.log && (cpu->host.log_mask & (LOG_INT | LOG_GUEST_ERRORS)))
                fprintf(cpu->host.log, "triple fault at %04x:%08" PRIx32 ": shutdown\n", cpu->seg[SEG_CS].sel,
                        cpu->eip);
            if (cpu->host.shutdown)
                cpu->host.shutdown(cpu->host.opaque);
            why = CPU_EXIT_SHUTDOWN;
            goto out;
        }
        cpu->exc_depth = 1;
        cpu_deliver_interrupt(cpu, cpu->exc_vector, 0, 0, cpu->exc_has_error, cpu->exc_error);
        cpu->exc_depth = 0;
    }
    for (;;) {
        if (unlikely(cpu->check_irq)) {
            if (cpu->exit_request) {
                cpu->exit_request = 0;
                recompute_check(cpu);
                why = CPU_EXIT_REQUEST;
                goto out;
            }
            if (cpu->nmi_pending && !cpu->nmi_blocked && !cpu->inhibit_irq) {
                cpu->nmi_pending = 0;
                cpu->nmi_blocked = 1;
                recompute_check(cpu);
                cpu->halted = 0;
                cpu->last_tb = NULL;
                cpu->exc_vector = EXC_NMI;
                cpu->exc_depth = 1;
                cpu_deliver_interrupt(cpu, EXC_NMI, 0, 0, 0, 0);
                cpu->exc_depth = 0;
            }
            if (cpu->intr_line && (cpu->eflags & F_IF) && !cpu->inhibit_irq) {
                int vec = cpu->host.intr_ack ? cpu->host.intr_ack(cpu->host.opaque) : 0xFF;
                cpu->halted = 0;
                cpu->last_tb = NULL;
                cpu->exc_vector = 0x20; /* an external interrupt counts as benign for #DF */
                cpu->exc_depth = 1;
                cpu_deliver_interrupt(cpu, vec & 0xFF, INT_EXTERNAL, 0, 0, 0);
                cpu->exc_depth = 0;
            }
        }
        /* The instruction after STI or MOV SS runs alone, so that an
         * interrupt pending when the shadow ends is taken right after it,
         * before whatever follows (SeaBIOS opens windows of exactly that
         * size: STI; NOP; PAUSE; CLI) */
        cpu->shadow_tb = cpu->inhibit_irq;
        cpu->inhibit_irq = 0;
        if (cpu->halted) {
            why = CPU_EXIT_HALT;
            goto out;
        }
        if (cpu->budget <= 0) {
            why = CPU_EXIT_BUDGET;
            goto out;
        }
        if (unlikely(cpu->dbg_exec) && !(cpu->eflags & F_RF)) {
            /* instruction breakpoints are faults, checked before the fetch (SDM 6.9 priorities) */
            unsigned hits = debug_exec_hits(cpu, cpu->seg[SEG_CS].base + cpu->eip);
            if (hits) {
                cpu->dr[6] = (cpu->dr[6] & ~0xFu) | hits;
                cpu_raise(cpu, EXC_DB, 0, 0);
            }
        }
        if (unlikely(cpu->flush_pending)) {
            cpu->flush_pending = 0;
            tb_flush_all(cpu);
        }
        struct tb *tb = tb_find(cpu);
        if (cpu->last_tb)
            tb_link(cpu, cpu->last_tb, cpu->last_slot, tb);
        cpu->last_tb = NULL;
        cpu->shadow_tb = 0;
        cpu->budget -= tb->ninsn;
        cpu->cur_tb = tb;
        cpu->stats.tb_executed++;
        if (unlikely(cpu->host.log_mask & LOG_EXEC) && cpu->host.log)
            log_exec(cpu, tb);
        /* RF suppresses instruction breakpoints for the one instruction that
         * starts with it set (SDM 17.3.1.1); an IRET that sets it keeps it */
        uint32_t rf_at_entry = cpu->eflags & F_RF;
        const struct op *op = tb->ops;
        do
            op = op->fn(cpu, op);
        while (op);
        if (unlikely(rf_at_entry))
            cpu->eflags &= ~(uint32_t)F_RF;
        if (unlikely((tb->flags & TBF_TF) || cpu->dbg_pending)) {
            /* single-step and data/I/O breakpoints: a trap after the instruction */
            cpu->dr[6] = (cpu->dr[6] & ~0xFu) | cpu->dbg_pending | ((tb->flags & TBF_TF) ? 0x4000u : 0);
            cpu->dbg_pending = 0;
            cpu->halted = 0;
            cpu->exc_vector = EXC_DB;
            cpu->exc_depth = 1;
            cpu_deliver_interrupt(cpu, EXC_DB, 0, 0, 0, 0);
            cpu->exc_depth = 0;
        }
    }
out:
    cpu->stats.insns += (uint64_t)(start_budget - cpu->budget);

    return why;
}
