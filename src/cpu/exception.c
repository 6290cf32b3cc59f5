/* exception.c - exceptions and interrupts, segment loading, far control
 * transfers and the stack.  SDM Vol. 3A chapters 3 (segmentation), 5
 * (protection) and 6 (interrupt and exception handling). */
#include "cpu/cpu_internal.h"

#include <inttypes.h>

#include "devices/bus.h"
#include "cpu/desc.h"
#include "devices/physmem.h"

static const char *const exc_names[32] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS",
    "#NP", "#SS", "#GP", "#PF", "?15", "#MF", "#AC", "#MC", "#XM", "?20", "?21",
    "?22", "?23", "?24", "?25", "?26", "?27", "?28", "?29", "?30", "?31",
};

/* SDM Vol. 3A 6.15, table 6-5: which exception pairs become a double fault */
static int exc_class(int v)
{
    if (v == EXC_PF)
        return 2;
    if (v == EXC_DE || (v >= EXC_TS && v <= EXC_GP))
        return 1; /* contributory */
    return 0;     /* benign */
}

NORETURN void cpu_raise(struct cpu *cpu, int vector, uint32_t error, int has_error)
{
    if (cpu->exc_depth > 0) {
        /* a fault while delivering an exception */
        int first = cpu->exc_vector;
        if (first == EXC_DF) {
            cpu->shutdown = 1;
            longjmp(cpu->jmp_env, 1);
        }
        int c1 = exc_class(first), c2 = exc_class(vector);
        if ((c1 == 1 && c2 == 1) || (c1 == 2 && c2 != 0)) {
            vector = EXC_DF;
            error = 0;
            has_error = 1;
        }
    }
    cpu->exc_vector = vector;
    cpu->exc_error = error;
    cpu->exc_has_error = has_error;
    longjmp(cpu->jmp_env, 1);
}

NORETURN void cpu_fault(struct cpu *cpu, const struct op *op, int vector, uint32_t error, int has_error)
{
    if (op)
        cpu->eip = op->eip;
    cpu_raise(cpu, vector, error, has_error);
}

uint32_t cpu_tb_flags(const struct cpu *cpu)
{
    uint32_t f = 0;
    if (cpu->seg[SEG_CS].attr & 0x4000)
        f |= TBF_CS32;
    if (cpu->seg[SEG_SS].attr & 0x4000)
        f |= TBF_SS32;
    if (cpu->cr0 & CR0_PE)
        f |= TBF_PE;
    if (cpu->eflags & F_VM)
        f |= TBF_VM;
    if (cpu->cr0 & CR0_PG)
        f |= TBF_PG;
    if (cpu->eflags & F_TF)
        f |= TBF_TF;
    if (cpu->single_step || cpu->shadow_tb)
        f |= TBF_STEP;
    if (cpu->dbg_data | cpu->dbg_io)
        f |= TBF_DEBUG;
    return f | ((uint32_t)cpu->cpl << TBF_CPL_SHIFT);
}

void cpu_update_mode(struct cpu *cpu)
{
    if (!(cpu->cr0 & CR0_PE))
        cpu->cpl = 0;
    else if (cpu->eflags & F_VM)
        cpu->cpl = 3;
    else
        cpu->cpl = cpu->seg[SEG_CS].sel & 3; /* CS.RPL: conforming code keeps the caller's CPL */
    cpu->tlb = cpu->tlb_sets[cpu->cpl == 3];
}

void cpu_set_seg_real(struct cpu *cpu, int seg, uint16_t sel)
{
    struct seg *s = &cpu->seg[seg];
    s->sel = sel;
    s->base = (uint32_t)sel << 4;
    if (cpu->eflags & F_VM) {
        s->limit = 0xFFFF;
        s->attr = seg == SEG_CS ? 0xFB : 0xF3;
    } else if (seg == SEG_CS) {
        /* real mode: CS is always a 16-bit code segment; the limit stays
         * (unreal mode keeps other limits, SDM 20.1.1) */
        s->attr = (uint16_t)((s->attr & ~0x4000u & 0xFF00u) | 0x9B);
    } else {
        s->attr = (uint16_t)((s->attr & 0xFF00u) | 0x93);
    }
    seg_cache(s);
}

void cpu_load_seg(struct cpu *cpu, const struct op *op, int seg, uint16_t sel)
{
    if (!(cpu->cr0 & CR0_PE) || (cpu->eflags & F_VM)) {
        cpu_set_seg_real(cpu, seg, sel);
        return;
    }
    uint16_t idx = sel & 0xFFFC;
    if (idx == 0) {
        if (seg == SEG_SS)
            cpu_fault(cpu, op, EXC_GP, 0, 1);
        cpu->seg[seg].sel = sel;
        cpu->seg[seg].base = 0;
        cpu->seg[seg].limit = 0;
        cpu->seg[seg].attr = 0; /* unusable: any access faults */
        cpu->seg[seg].fast_end = 0;
        return;
    }
    struct desc d;
    if (read_desc(cpu, sel, &d))
        cpu_fault(cpu, op, EXC_GP, idx, 1);
    unsigned type = (d.hi >> 8) & 0x1F, dpl = (d.hi >> 13) & 3, rpl = sel & 3;
    if (seg == SEG_SS) {
        /* writable data segment with RPL == DPL == CPL (SDM 5.7) */
        if ((type & 0x1A) != 0x12 || rpl != (unsigned)cpu->cpl || dpl != (unsigned)cpu->cpl)
            cpu_fault(cpu, op, EXC_GP, idx, 1);
        if (!(d.hi & 0x8000))
            cpu_fault(cpu, op, EXC_SS, idx, 1);
    } else {
        /* data or readable code; non-conforming needs max(CPL,RPL) <= DPL */
        if (!(type & 0x10) || (type & 0x1A) == 0x18)
            cpu_fault(cpu, op, EXC_GP, idx, 1);
        if ((type & 0x1C) != 0x1C && (rpl > dpl || (unsigned)cpu->cpl > dpl))
            cpu_fault(cpu, op, EXC_GP, idx, 1);
        if (!(d.hi & 0x8000))
            cpu_fault(cpu, op, EXC_NP, idx, 1);
    }
    set_accessed(cpu, &d);
    seg_from_desc(&cpu->seg[seg], sel, &d);
}

/* ---- stack --------------------------------------------------------------- */
void cpu_push(struct cpu *cpu, const struct op *op, uint32_t v, unsigned size)
{
    uint32_t m = sp_mask(cpu);
    uint32_t sp = (cpu->r[R_ESP] - size) & m;
    mem_write(cpu, op, seg_lin(cpu, op, SEG_SS, sp, size), v, size);
    cpu->r[R_ESP] = (cpu->r[R_ESP] & ~m) | sp;
}

uint32_t cpu_peek(struct cpu *cpu, const struct op *op, unsigned size, uint32_t offset)
{
    uint32_t sp = (cpu->r[R_ESP] + offset) & sp_mask(cpu);
    return mem_read(cpu, op, seg_lin(cpu, op, SEG_SS, sp, size), size);
}

uint32_t cpu_pop(struct cpu *cpu, const struct op *op, unsigned size)
{
    uint32_t v = cpu_peek(cpu, op, size, 0);
    uint32_t m = sp_mask(cpu);
    cpu->r[R_ESP] = (cpu->r[R_ESP] & ~m) | ((cpu->r[R_ESP] + size) & m);
    return v;
}

/* ---- interrupts ------------------------------------------------------------ */
static void log_int(struct cpu *cpu, int vector, int kind, uint32_t err, int has_err)
{
    if (!(cpu->host.log_mask & LOG_INT) || !cpu->host.log)
        return;
    const char *what = kind == INT_SOFTWARE   ? "(INT n)"
                       : kind == INT_EXTERNAL ? "(IRQ)"
                       : vector < 32          ? exc_names[vector]
                                              : "";
    fprintf(cpu->host.log, "int: v=%02x %s cpl=%d eip=%04x:%08" PRIx32 " err=%" PRIx32 "%s\n", vector, what,
            cpu->cpl, cpu->seg[SEG_CS].sel, cpu->eip, err, has_err ? "" : "(none)");
}

/* pushes on the stack described by (ss_base, esp, mask) with supervisor or
 * current privilege, returning the new esp */
static uint32_t push_raw(struct cpu *cpu, uint32_t ss_base, uint32_t esp, uint32_t mask, uint32_t v,
                         unsigned size)
{
    esp = (esp - size) & mask;
    mem_write(cpu, NULL, ss_base + esp, v, size);
    return esp;
}

static void deliver_real(struct cpu *cpu, int vector, uint32_t ret_eip)
{
    uint32_t ent = cpu->idtr.base + (uint32_t)vector * 4;
    if ((uint32_t)vector * 4 + 3 > cpu->idtr.limit)
        cpu_raise(cpu, EXC_GP, 0, 1);
    uint32_t v = mem_read(cpu, NULL, ent, 4);
    cpu_push(cpu, NULL, cpu_get_eflags(cpu) & 0xFFFF, 2);
    cpu_push(cpu, NULL, cpu->seg[SEG_CS].sel, 2);
    cpu_push(cpu, NULL, ret_eip & 0xFFFF, 2);
    cpu->eflags &= ~(F_IF | F_TF | F_AC | F_RF);
    cpu_set_seg_real(cpu, SEG_CS, (uint16_t)(v >> 16));
    cpu->eip = v & 0xFFFF;
}

/* The stack for an inner privilege level `dpl`, from the current TSS,
 * checked as a CALL through a gate or an interrupt does (SDM 6.12.1 and
 * 5.8.5): #TS for a bad SS selector or descriptor, #SS if not present.
 * `ext` is the EXT bit of error codes raised while delivering events. */
static void inner_stack(struct cpu *cpu, const struct op *op, unsigned dpl, uint32_t ext, struct seg *nseg,
                        uint32_t *nesp)
{
    uint32_t tss = cpu->tr.base;
    uint16_t nss;
    if (cpu->tr.attr & 8) {
        *nesp = sys_read(cpu, tss + 4 + dpl * 8, 4);
        nss = (uint16_t)sys_read(cpu, tss + 8 + dpl * 8, 2);
    } else {
        *nesp = sys_read(cpu, tss + 2 + dpl * 4, 2);
        nss = (uint16_t)sys_read(cpu, tss + 4 + dpl * 4, 2);
    }
    uint32_t err = (nss & 0xFFFCu) + ext;
    struct desc sd;
    if ((nss & 0xFFFC) == 0 || read_desc(cpu, nss, &sd))
        cpu_fault(cpu, op, EXC_TS, err, 1);
    if ((desc_type(&sd) & 0x1A) != 0x12 || desc_dpl(&sd) != dpl || (nss & 3u) != dpl)
        cpu_fault(cpu, op, EXC_TS, err, 1);
    if (!desc_present(&sd))
        cpu_fault(cpu, op, EXC_SS, err, 1);
    set_accessed(cpu, &sd);
    seg_from_desc(nseg, nss, &sd);
}

static void deliver_protected(struct cpu *cpu, int vector, int sw, uint32_t ret_eip, int has_err,
                              uint32_t err)
{
    uint32_t ext = sw ? 0 : 1;
    uint32_t gate_err = (uint32_t)vector * 8 + 2 + ext;
    if ((uint32_t)vector * 8 + 7 > cpu->idtr.limit)
        cpu_raise(cpu, EXC_GP, gate_err, 1);
    uint32_t lo = sys_read(cpu, cpu->idtr.base + (uint32_t)vector * 8, 4);
    uint32_t hi = sys_read(cpu, cpu->idtr.base + (uint32_t)vector * 8 + 4, 4);
    unsigned type = (hi >> 8) & 0x1F, gdpl = (hi >> 13) & 3;
    if (type != 0x0E && type != 0x0F && type != 0x06 && type != 0x07 && type != 0x05)
        cpu_raise(cpu, EXC_GP, gate_err, 1);
    if (sw && gdpl < (unsigned)cpu->cpl)
        cpu_raise(cpu, EXC_GP, gate_err, 1);
    if (!(hi & 0x8000))
        cpu_raise(cpu, EXC_NP, gate_err, 1);
    if (type == 0x05) {
        /* task gate: the handler is a whole task (SDM 6.12.2) */
        uint16_t tss = (uint16_t)(lo >> 16);
        struct desc td;
        if ((tss & 4) || read_desc(cpu, tss, &td))
            cpu_raise(cpu, EXC_GP, (tss & 0xFFFC) + ext, 1);
        cpu_task_switch(cpu, NULL, tss, &td, TASK_INT, ret_eip, has_err, err);
        return;
    }
    uint16_t sel = (uint16_t)(lo >> 16);
    uint32_t off = (lo & 0xFFFF) | (hi & 0xFFFF0000u);
    int gate32 = (type & 8) != 0;
    if (!gate32)
        off &= 0xFFFF;
    if ((sel & 0xFFFC) == 0)
        cpu_raise(cpu, EXC_GP, ext, 1);
    struct desc cd;
    if (read_desc(cpu, sel, &cd))
        cpu_raise(cpu, EXC_GP, (sel & 0xFFFC) + ext, 1);
    unsigned ctype = (cd.hi >> 8) & 0x1F, dpl = (cd.hi >> 13) & 3;
    if ((ctype & 0x18) != 0x18 || dpl > (unsigned)cpu->cpl)
        cpu_raise(cpu, EXC_GP, (sel & 0xFFFC) + ext, 1);
    if (!(cd.hi & 0x8000))
        cpu_raise(cpu, EXC_NP, (sel & 0xFFFC) + ext, 1);
    uint32_t old_flags = cpu_get_eflags(cpu);
    uint16_t old_cs = cpu->seg[SEG_CS].sel, old_ss = cpu->seg[SEG_SS].sel;
    uint32_t old_esp = cpu->r[R_ESP];
    unsigned psize = gate32 ? 4 : 2;
    int conforming = (ctype & 4) != 0;
    int v86 = (cpu->eflags & F_VM) != 0;
    if (!conforming && dpl < (unsigned)cpu->cpl) {
        /* inner privilege: new stack from the TSS (SDM 6.12.1) */
        unsigned newcpl = dpl;
        uint32_t nesp;
        struct seg nseg;
        inner_stack(cpu, NULL, newcpl, ext, &nseg, &nesp);
        uint32_t mask = (nseg.attr & 0x4000) ? 0xFFFFFFFFu : 0xFFFF;
        uint32_t esp = nesp;
        cpu->cpl = (int)newcpl;
        cpu->tlb = cpu->tlb_sets[0];
        if (v86) {
            esp = push_raw(cpu, nseg.base, esp, mask, cpu->seg[SEG_GS].sel, psize);
            esp = push_raw(cpu, nseg.base, esp, mask, cpu->seg[SEG_FS].sel, psize);
            esp = push_raw(cpu, nseg.base, esp, mask, cpu->seg[SEG_DS].sel, psize);
            esp = push_raw(cpu, nseg.base, esp, mask, cpu->seg[SEG_ES].sel, psize);
        }
        esp = push_raw(cpu, nseg.base, esp, mask, old_ss, psize);
        esp = push_raw(cpu, nseg.base, esp, mask, old_esp, psize);
        esp = push_raw(cpu, nseg.base, esp, mask, old_flags, psize);
        esp = push_raw(cpu, nseg.base, esp, mask, old_cs, psize);
        esp = push_raw(cpu, nseg.base, esp, mask, ret_eip, psize);
        if (has_err)
            esp = push_raw(cpu, nseg.base, esp, mask, err, psize);
        cpu->seg[SEG_SS] = nseg;
        cpu->r[R_ESP] = (mask == 0xFFFF) ? (cpu->r[R_ESP] & 0xFFFF0000u) | esp : esp;
        if (v86) {
            for (int s = 0; s < 6; s++)
                if (s != SEG_CS && s != SEG_SS) {
                    cpu->seg[s].sel = 0;
                    cpu->seg[s].base = 0;
                    cpu->seg[s].limit = 0;
                    cpu->seg[s].attr = 0;
                    cpu->seg[s].fast_end = 0;
                }
        }
    } else {
        if (v86)
            cpu_raise(cpu, EXC_GP, (sel & 0xFFFC) + ext, 1);
        cpu_push(cpu, NULL, old_flags, psize);
        cpu_push(cpu, NULL, old_cs, psize);
        cpu_push(cpu, NULL, ret_eip, psize);
        if (has_err)
            cpu_push(cpu, NULL, err, psize);
        dpl = (unsigned)cpu->cpl;
    }
    set_accessed(cpu, &cd);
    seg_from_desc(&cpu->seg[SEG_CS], (uint16_t)((sel & ~3u) | (conforming ? (unsigned)cpu->cpl : dpl)), &cd);
    cpu->eflags &= ~(F_TF | F_NT | F_VM | F_RF);
    if (!(type & 1))
        cpu->eflags &= ~F_IF;
    cpu->eip = off;
    cpu_update_mode(cpu);
}

void cpu_deliver_interrupt(struct cpu *cpu, int vector, int is_software, uint32_t next_eip, int has_error,
                           uint32_t error)
{
    log_int(cpu, vector, is_software, error, has_error);
    int sw = is_software == INT_SOFTWARE;
    uint32_t ret = sw ? next_eip : cpu->eip;
    if (!(cpu->cr0 & CR0_PE))
        deliver_real(cpu, vector, ret);
    else
        deliver_protected(cpu, vector, sw, ret, has_error, error);
}

/* ---- far transfers -------------------------------------------------------- */

/* JMP/CALL FAR to a system descriptor: a TSS, a task gate or a call gate
 * (SDM Vol. 3A 5.8 "Privilege level checking when transferring program
 * control between code segments" and 7.3) */
static void far_system(struct cpu *cpu, const struct op *op, uint16_t sel, struct desc *d, int is_call,
                       uint32_t next)
{
    uint16_t idx = sel & 0xFFFC;
    unsigned type = desc_type(d), dpl = desc_dpl(d), rpl = sel & 3;
    unsigned cpl = (unsigned)cpu->cpl;
    if (type == 0x01 || type == 0x09 || type == 0x05) {
        if (dpl < cpl || dpl < rpl)
            cpu_fault(cpu, op, EXC_GP, idx, 1);
        if (!desc_present(d))
            cpu_fault(cpu, op, EXC_NP, idx, 1);
        uint16_t tsel = sel;
        struct desc td = *d;
        if (type == 0x05) {
            tsel = (uint16_t)(d->lo >> 16);
            if ((tsel & 4) || read_desc(cpu, tsel, &td))
                cpu_fault(cpu, op, EXC_GP, tsel & 0xFFFC, 1);
        }
        cpu->eip = op->eip;
        cpu_task_switch(cpu, op, tsel, &td, is_call ? TASK_CALL : TASK_JMP, next, 0, 0);
        return;
    }
    if (type != 0x04 && type != 0x0C)
        cpu_fault(cpu, op, EXC_GP, idx, 1);
    /* call gate */
    if (dpl < cpl || dpl < rpl)
        cpu_fault(cpu, op, EXC_GP, idx, 1);
    if (!desc_present(d))
        cpu_fault(cpu, op, EXC_NP, idx, 1);
    int gate32 = type == 0x0C;
    uint16_t csel = (uint16_t)(d->lo >> 16);
    uint32_t off = gate32 ? (d->lo & 0xFFFF) | (d->hi & 0xFFFF0000u) : d->lo & 0xFFFF;
    unsigned nparams = d->hi & 0x1F;
    if ((csel & 0xFFFC) == 0)
        cpu_fault(cpu, op, EXC_GP, 0, 1);
    struct desc cd;
    if (read_desc(cpu, csel, &cd))
        cpu_fault(cpu, op, EXC_GP, csel & 0xFFFC, 1);
    unsigned ctype = desc_type(&cd), cdpl = desc_dpl(&cd);
    int conforming = (ctype & 4) != 0;
    if ((ctype & 0x18) != 0x18 || cdpl > cpl || (!is_call && !conforming && cdpl != cpl))
        cpu_fault(cpu, op, EXC_GP, csel & 0xFFFC, 1);
    if (!desc_present(&cd))
        cpu_fault(cpu, op, EXC_NP, csel & 0xFFFC, 1);
    struct seg ncs;
    unsigned psize = gate32 ? 4 : 2;
    if (is_call && !conforming && cdpl < cpl) {
        /* more privileged: new stack from the TSS, parameters copied over */
        uint32_t nesp;
        struct seg nseg;
        inner_stack(cpu, op, cdpl, 0, &nseg, &nesp);
        uint32_t params[31];
        for (unsigned i = 0; i < nparams; i++)
            params[i] = cpu_peek(cpu, op, psize, i * psize);
        uint16_t old_ss = cpu->seg[SEG_SS].sel;
        uint32_t old_esp = cpu->r[R_ESP];
        uint32_t mask = (nseg.attr & 0x4000) ? 0xFFFFFFFFu : 0xFFFF;
        cpu->cpl = (int)cdpl;
        cpu->tlb = cpu->tlb_sets[cpu->cpl == 3];
        uint32_t esp = nesp;
        esp = push_raw(cpu, nseg.base, esp, mask, old_ss, psize);
        esp = push_raw(cpu, nseg.base, esp, mask, old_esp, psize);
        for (unsigned i = nparams; i-- > 0;)
            esp = push_raw(cpu, nseg.base, esp, mask, params[i], psize);
        esp = push_raw(cpu, nseg.base, esp, mask, cpu->seg[SEG_CS].sel, psize);
        esp = push_raw(cpu, nseg.base, esp, mask, next, psize);
        cpu->seg[SEG_SS] = nseg;
        cpu->r[R_ESP] = mask == 0xFFFF ? (cpu->r[R_ESP] & 0xFFFF0000u) | esp : esp;
        seg_from_desc(&ncs, (uint16_t)((csel & ~3u) | cdpl), &cd);
    } else {
        if (is_call) {
            cpu_push(cpu, op, cpu->seg[SEG_CS].sel, psize);
            cpu_push(cpu, op, next, psize);
        }
        seg_from_desc(&ncs, (uint16_t)((csel & ~3u) | cpl), &cd);
    }
    if (off > ncs.limit)
        cpu_fault(cpu, op, EXC_GP, 0, 1);
    set_accessed(cpu, &cd);
    cpu->seg[SEG_CS] = ncs;
    cpu->eip = off;
    cpu_update_mode(cpu);
}
void cpu_far_jump(struct cpu *cpu, const struct op *op, uint16_t sel, uint32_t eip, int is_call,
                  uint32_t next_eip)
{
    unsigned osize = op->size;
    if (!(cpu->cr0 & CR0_PE) || (cpu->eflags & F_VM)) {
        if (is_call) {
            cpu_push(cpu, op, cpu->seg[SEG_CS].sel, osize);
            cpu_push(cpu, op, next_eip, osize);
        }
        cpu_set_seg_real(cpu, SEG_CS, sel);
        cpu->eip = osize == 2 ? eip & 0xFFFF : eip;
        return;
    }
    uint16_t idx = sel & 0xFFFC;
    if (!idx)
        cpu_fault(cpu, op, EXC_GP, 0, 1);
    struct desc d;
    if (read_desc(cpu, sel, &d))
        cpu_fault(cpu, op, EXC_GP, idx, 1);
    unsigned type = (d.hi >> 8) & 0x1F, dpl = (d.hi >> 13) & 3, rpl = sel & 3;
    if (!(type & 0x10)) {
        far_system(cpu, op, sel, &d, is_call, next_eip);
        return;
    }
    if ((type & 0x18) != 0x18)
        cpu_fault(cpu, op, EXC_GP, idx, 1);
    if (type & 4) { /* conforming: DPL <= CPL */
        if (dpl > (unsigned)cpu->cpl)
            cpu_fault(cpu, op, EXC_GP, idx, 1);
    } else if (rpl > (unsigned)cpu->cpl || dpl != (unsigned)cpu->cpl) {
        cpu_fault(cpu, op, EXC_GP, idx, 1);
    }
    if (!(d.hi & 0x8000))
        cpu_fault(cpu, op, EXC_NP, idx, 1);
    struct seg ns;
    seg_from_desc(&ns, (uint16_t)((sel & ~3u) | (unsigned)cpu->cpl), &d);
    if (osize == 2)
        eip &= 0xFFFF;
    if (eip > ns.limit)
        cpu_fault(cpu, op, EXC_GP, 0, 1);
    if (is_call) {
        cpu_push(cpu, op, cpu->seg[SEG_CS].sel, osize);
        cpu_push(cpu, op, next_eip, osize);
    }
    set_accessed(cpu, &d);
    cpu->seg[SEG_CS] = ns;
    cpu->eip = eip;
    cpu_update_mode(cpu);
}

void cpu_far_return(struct cpu *cpu, const struct op *op, int is_iret, uint32_t pop_extra)
{
    unsigned osize = op->size;
    if (!(cpu->cr0 & CR0_PE) || (cpu->eflags & F_VM)) {
        if ((cpu->eflags & F_VM) && is_iret && ((cpu->eflags & F_IOPL) != F_IOPL)) {
            /* VME: a 16-bit IRET updates VIF instead of IF (SDM 20.3.3) */
            if (!vme_active(cpu) || osize != 2)
                cpu_fault(cpu, op, EXC_GP, 0, 1);
            uint32_t fl = cpu_peek(cpu, op, 2, 4);
            if ((fl & F_TF) || ((fl & F_IF) && (cpu->eflags & F_VIP)))
                cpu_fault(cpu, op, EXC_GP, 0, 1);
            uint32_t ip = cpu_peek(cpu, op, 2, 0);
            uint16_t cs = (uint16_t)cpu_peek(cpu, op, 2, 2);
            uint32_t m = sp_mask(cpu);
            cpu->r[R_ESP] = (cpu->r[R_ESP] & ~m) | ((cpu->r[R_ESP] + 6) & m);
            cpu_set_seg_real(cpu, SEG_CS, cs);
            cpu->eip = ip;
            cpu_set_eflags(cpu, fl, F_ARITH | F_DF | F_NT);
            cpu->eflags = (cpu->eflags & ~(uint32_t)F_VIF) | ((fl & F_IF) ? F_VIF : 0);
            return;
        }
        uint32_t neip = cpu_peek(cpu, op, osize, 0);
        uint16_t ncs = (uint16_t)cpu_peek(cpu, op, osize, osize);
        uint32_t nfl = is_iret ? cpu_peek(cpu, op, osize, 2 * osize) : 0;
        uint32_t m = sp_mask(cpu);
        cpu->r[R_ESP] = (cpu->r[R_ESP] & ~m) | ((cpu->r[R_ESP] + osize * (is_iret ? 3 : 2) + pop_extra) & m);
        cpu_set_seg_real(cpu, SEG_CS, ncs);
        cpu->eip = osize == 2 ? neip & 0xFFFF : neip;
        if (is_iret) {
            uint32_t mask = osize == 4 ? 0x257FD5u : 0x7FD5u;
            if (cpu->eflags & F_VM)
                mask &= ~(uint32_t)F_IOPL;
            cpu_set_eflags(cpu, nfl, mask);
        }
        return;
    }
    if (is_iret && (cpu->eflags & F_NT)) {
        /* return to the task that called this one (SDM IRET, "TASK-RETURN") */
        uint16_t link = (uint16_t)sys_read(cpu, cpu->tr.base, 2);
        struct desc td;
        if ((link & 4) || read_desc(cpu, link, &td))
            cpu_fault(cpu, op, EXC_TS, link & 0xFFFC, 1);
        cpu->eip = op->eip;
        cpu_task_switch(cpu, op, link, &td, TASK_IRET, op->eip + op->len, 0, 0);
        return;
    }
    uint32_t neip = cpu_peek(cpu, op, osize, 0);
    uint16_t ncs = (uint16_t)cpu_peek(cpu, op, osize, osize);
    uint32_t nfl = is_iret ? cpu_peek(cpu, op, osize, 2 * osize) : 0;
    unsigned frame = osize * (is_iret ? 3 : 2);
    if (is_iret && (nfl & F_VM) && cpu->cpl == 0) {
        /* return to virtual-8086 mode (SDM IRET pseudo-code) */
        uint32_t nesp = cpu_peek(cpu, op, 4, 12), nss = cpu_peek(cpu, op, 4, 16);
        uint32_t nes = cpu_peek(cpu, op, 4, 20), nds = cpu_peek(cpu, op, 4, 24);
        uint32_t nfs = cpu_peek(cpu, op, 4, 28), ngs = cpu_peek(cpu, op, 4, 32);
        cpu_set_eflags(cpu, nfl, 0x3F7FD5u);
        cpu_set_seg_real(cpu, SEG_CS, ncs);
        cpu_set_seg_real(cpu, SEG_SS, (uint16_t)nss);
        cpu_set_seg_real(cpu, SEG_ES, (uint16_t)nes);
        cpu_set_seg_real(cpu, SEG_DS, (uint16_t)nds);
        cpu_set_seg_real(cpu, SEG_FS, (uint16_t)nfs);
        cpu_set_seg_real(cpu, SEG_GS, (uint16_t)ngs);
        cpu->eip = neip & 0xFFFF;
        cpu->r[R_ESP] = nesp;
        cpu_update_mode(cpu);
        return;
    }
    uint16_t idx = ncs & 0xFFFC;
    unsigned rpl = ncs & 3;
    if (!idx)
        cpu_fault(cpu, op, EXC_GP, 0, 1);
    struct desc d;
    if (read_desc(cpu, ncs, &d))
        cpu_fault(cpu, op, EXC_GP, idx, 1);
    unsigned type = (d.hi >> 8) & 0x1F, dpl = (d.hi >> 13) & 3;
    if ((type & 0x18) != 0x18 || rpl < (unsigned)cpu->cpl)
        cpu_fault(cpu, op, EXC_GP, idx, 1);
    if ((type & 4) ? dpl > rpl : dpl != rpl)
        cpu_fault(cpu, op, EXC_GP, idx, 1);
    if (!(d.hi & 0x8000))
        cpu_fault(cpu, op, EXC_NP, idx, 1);
    int oldcpl = cpu->cpl;
    uint32_t nesp = 0;
    uint16_t nss = 0;
    struct seg nssseg;
    if (rpl > (unsigned)oldcpl) {
        nesp = cpu_peek(cpu, op, osize, frame + pop_extra);
        nss = (uint16_t)cpu_peek(cpu, op, osize, frame + pop_extra + osize);
        /* the outer stack is checked before CS, EIP or flags change (SDM IRET/RET) */
        struct desc sd;
        if ((nss & 0xFFFC) == 0)
            cpu_fault(cpu, op, EXC_GP, 0, 1);
        if (read_desc(cpu, nss, &sd) || (nss & 3u) != rpl || (desc_type(&sd) & 0x1A) != 0x12 ||
            desc_dpl(&sd) != rpl)
            cpu_fault(cpu, op, EXC_GP, nss & 0xFFFC, 1);
        if (!desc_present(&sd))
            cpu_fault(cpu, op, EXC_SS, nss & 0xFFFC, 1);
        set_accessed(cpu, &sd);
        seg_from_desc(&nssseg, nss, &sd);
    }
    struct seg ncseg;
    seg_from_desc(&ncseg, ncs, &d);
    set_accessed(cpu, &d);
    uint32_t m = sp_mask(cpu);
    cpu->r[R_ESP] = (cpu->r[R_ESP] & ~m) | ((cpu->r[R_ESP] + frame + pop_extra) & m);
    cpu->seg[SEG_CS] = ncseg;
    cpu->eip = osize == 2 ? neip & 0xFFFF : neip;
    if (is_iret) {
        uint32_t mask = F_ARITH | F_TF | F_DF | F_NT | F_RF | F_AC | F_ID | F_OF;
        if (oldcpl == 0)
            mask |= F_IOPL | F_VIP | F_VIF;
        if ((unsigned)oldcpl <= ((cpu->eflags & F_IOPL) >> 12))
            mask |= F_IF;
        if (osize == 2)
            mask &= 0xFFFF;
        cpu_set_eflags(cpu, nfl, mask);
    }
    cpu_update_mode(cpu);
    if (rpl > (unsigned)oldcpl) {
        cpu->seg[SEG_SS] = nssseg;
        nesp += pop_extra; /* RET imm16 releases the parameters on the outer stack too */
        cpu->r[R_ESP] =
            (cpu->seg[SEG_SS].attr & 0x4000) ? nesp : (cpu->r[R_ESP] & 0xFFFF0000u) | (nesp & 0xFFFF);
        /* data segments the new privilege may not use become null (SDM RET) */
        for (int s = 0; s < 6; s++) {
            if (s == SEG_CS || s == SEG_SS)
                continue;
            unsigned a = cpu->seg[s].attr, sdpl = (a >> 5) & 3;
            if ((a & 0x18) != 0x18 || !(a & 4))
                if (sdpl < (unsigned)cpu->cpl) {
                    cpu->seg[s].sel = 0;
                    cpu->seg[s].attr = 0;
                    cpu->seg[s].fast_end = 0;
                }
        }
    }
}

/* ---- I/O ------------------------------------------------------------------ */
static void io_check(struct cpu *cpu, const struct op *op, uint16_t port, unsigned size)
{
    if (!(cpu->cr0 & CR0_PE))
        return;
    unsigned iopl = (cpu->eflags & F_IOPL) >> 12;
    if (!(cpu->eflags & F_VM) && (unsigned)cpu->cpl <= iopl)
        return;
    /* I/O permission bitmap in a 32-bit TSS (SDM Vol. 1, 19.5.2) */
    if ((cpu->tr.attr & 0xF) != 0x9 && (cpu->tr.attr & 0xF) != 0xB)
        cpu_fault(cpu, op, EXC_GP, 0, 1);
    if (cpu->tr.limit < 0x67)
        cpu_fault(cpu, op, EXC_GP, 0, 1);
    uint32_t bm = sys_read(cpu, cpu->tr.base + 0x66, 2);
    uint32_t byte = bm + port / 8;
    if (byte + 1 > cpu->tr.limit)
        cpu_fault(cpu, op, EXC_GP, 0, 1);
    uint32_t bits = sys_read(cpu, cpu->tr.base + byte, 2);
    if ((bits >> (port & 7)) & ((1u << size) - 1))
        cpu_fault(cpu, op, EXC_GP, 0, 1);
}

uint32_t cpu_io_in(struct cpu *cpu, const struct op *op, uint16_t port, unsigned size)
{
    io_check(cpu, op, port, size);
    if (unlikely(cpu->dbg_io))
        debug_check_io(cpu, port, size);
    return bus_in(cpu->host.bus, port, size);
}

void cpu_io_out(struct cpu *cpu, const struct op *op, uint16_t port, uint32_t v, unsigned size)
{
    io_check(cpu, op, port, size);
    if (unlikely(cpu->dbg_io))
        debug_check_io(cpu, port, size);
    bus_out(cpu->host.bus, port, v, size);
}
