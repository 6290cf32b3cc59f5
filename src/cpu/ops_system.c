/* ops_system.c - system instructions: HLT, CLI/STI, IN/OUT, MOV CRn/DRn,
 * descriptor-table and task-register loads and stores, CPUID, RDTSC,
 * RDMSR/WRMSR, CLTS, INVD/WBINVD, LAR/LSL.  (x87 control is in x87.c.) */
#include "cpu/ops.h"

#include <time.h>

static int privileged_ok(const struct cpu *cpu)
{
    return !(cpu->cr0 & CR0_PE) || (!(cpu->eflags & F_VM) && cpu->cpl == 0);
}

static void need_cpl0(struct cpu *cpu, const struct op *op)
{
    if (!privileged_ok(cpu))
        cpu_fault(cpu, op, EXC_GP, 0, 1);
}

static const struct op *hlt(struct cpu *cpu, const struct op *op)
{
    need_cpl0(cpu, op);
    cpu->halted = 1;
    return exit_to(cpu, next_eip(op));
}

op_fn sel_hlt(const struct op *op)
{
    (void)op;
    return hlt;
}

/* CLI/STI: IOPL-sensitive (SDM CLI; VME/PVI come with the CPU issue) */
static const struct op *cli_sti(struct cpu *cpu, const struct op *op)
{
    unsigned iopl = (cpu->eflags & F_IOPL) >> 12;
    if ((cpu->cr0 & CR0_PE) && ((cpu->eflags & F_VM) ? iopl != 3 : (unsigned)cpu->cpl > iopl)) {
        /* VME in V86 mode, PVI at CPL 3: the virtual interrupt flag instead (SDM 20.3.3, 20.4) */
        int virt =
            (cpu->eflags & F_VM) ? (cpu->cr4 & CR4_VME) != 0 : cpu->cpl == 3 && (cpu->cr4 & CR4_PVI) != 0;
        if (!virt || (op->sub == 1 && (cpu->eflags & F_VIP)))
            cpu_fault(cpu, op, EXC_GP, 0, 1);
        if (op->sub == 0)
            cpu->eflags &= ~F_VIF;
        else
            cpu->eflags |= F_VIF;
        return op + 1;
    }
    if (op->sub == 0) {
        cpu->eflags &= ~F_IF;
        return op + 1;
    }
    if (!(cpu->eflags & F_IF)) {
        cpu->eflags |= F_IF;
        cpu->inhibit_irq = 1; /* interrupts are recognised after the next instruction */
    }
    return exit_to(cpu, next_eip(op));
}

op_fn sel_cli_sti(const struct op *op)
{
    (void)op;
    return cli_sti;
}

static const struct op *in_out(struct cpu *cpu, const struct op *op)
{
    uint16_t port = (op->sub & 1) ? (uint16_t)cpu->r[R_EDX] : (uint16_t)op->imm;
    if (op->sub < 2)
        reg_set(cpu, R_EAX, op->size, cpu_io_in(cpu, op, port, op->size));
    else
        cpu_io_out(cpu, op, port, reg_get(cpu, R_EAX, op->size), op->size);
    if (unlikely(cpu->exit_request))
        return exit_to(cpu, next_eip(op));
    return op + 1;
}

op_fn sel_in_out(const struct op *op)
{
    (void)op;
    return in_out;
}

/* MOV r32, CRn (sub 0) / MOV CRn, r32 (sub 1): CR number in op->reg, GPR in op->rm */
static const struct op *mov_cr(struct cpu *cpu, const struct op *op)
{
    need_cpl0(cpu, op);
    unsigned n = op->reg;
    if (n == 1 || n > 4)
        cpu_fault(cpu, op, EXC_UD, 0, 0);
    if (op->sub == 0) {
        uint32_t v = n == 0 ? cpu->cr0 : n == 2 ? cpu->cr2 : n == 3 ? cpu->cr3 : cpu->cr4;
        cpu->r[op->rm] = v;
        return op + 1;
    }
    uint32_t v = cpu->r[op->rm];
    switch (n) {
    case 0:
        if ((v & CR0_PG) && !(v & CR0_PE))
            cpu_fault(cpu, op, EXC_GP, 0, 1);
        mmu_set_cr0(cpu, v);
        break;
    case 2:
        cpu->cr2 = v;
        break;
    case 3:
        mmu_set_cr3(cpu, v);
        break;
    default:
        if (v & ~0x2FFu)
            cpu_fault(cpu, op, EXC_GP, 0, 1);
        mmu_set_cr4(cpu, v);
        break;
    }
    return exit_to(cpu, next_eip(op));
}

op_fn sel_mov_cr(const struct op *op)
{
    (void)op;
    return mov_cr;
}

static const struct op *mov_dr(struct cpu *cpu, const struct op *op)
{
    need_cpl0(cpu, op);
    unsigned n = op->reg;
    if ((n == 4 || n == 5) && (cpu->cr4 & CR4_DE))
        cpu_fault(cpu, op, EXC_UD, 0, 0);
    if (n == 4 || n == 5)
        n += 2; /* DR4/DR5 alias DR6/DR7 without CR4.DE */
    if (op->sub == 0) {
        cpu->r[op->rm] = cpu->dr[n];
        return op + 1;
    }
    cpu->dr[n] = n == 6   ? (cpu->r[op->rm] | 0xFFFF0FF0u) & ~0x1000u
                 : n == 7 ? (cpu->r[op->rm] | 0x400) & ~0xD800u
                          : cpu->r[op->rm];
    if (n != 6)
        debug_update(cpu);
    return exit_to(cpu, next_eip(op));
}

op_fn sel_mov_dr(const struct op *op)
{
    (void)op;
    return mov_dr;
}

/* 0F 01: SGDT SIDT LGDT LIDT SMSW - LMSW INVLPG by ModRM.reg (kept in op->sub) */
static const struct op *grp7(struct cpu *cpu, const struct op *op)
{
    unsigned r = op->sub;
    if ((r < 4 || r == 7) && !op->is_mem)
        cpu_fault(cpu, op, EXC_UD, 0, 0);
    switch (r) {
    case 0:
    case 1: {
        uint32_t base = r == 0 ? cpu->gdtr.base : cpu->idtr.base;
        uint32_t limit = r == 0 ? cpu->gdtr.limit : cpu->idtr.limit;
        uint32_t ea = op_ea(cpu, op);
        seg_check_write(cpu, op, op->seg);
        uint32_t l0 = seg_lin(cpu, op, op->seg, ea, 6);
        mem_write(cpu, op, l0, limit, 2);
        /* 16-bit operand size stores 24 bits of base and a zero byte on the 386+ */
        mem_write(cpu, op, l0 + 2, op->size == 2 ? base & 0xFFFFFF : base, 4);
        return op + 1;
    }
    case 2:
    case 3: {
        need_cpl0(cpu, op);
        uint32_t ea = op_ea(cpu, op);
        uint32_t l0 = seg_lin(cpu, op, op->seg, ea, 6);
        uint32_t limit = mem_read(cpu, op, l0, 2);
        uint32_t base = mem_read(cpu, op, l0 + 2, 4);
        if (op->size == 2)
            base &= 0xFFFFFF;
        if (r == 2) {
            cpu->gdtr.base = base;
            cpu->gdtr.limit = limit;
        } else {
            cpu->idtr.base = base;
            cpu->idtr.limit = limit;
        }
        return op + 1;
    }
    case 4: {
        uint32_t v = cpu->cr0;
        if (op->is_mem)
            mem_write(cpu, op, op_lin_w(cpu, op, 2), v, 2);
        else
            reg_set(cpu, op->rm, op->size, op->size == 4 ? v : v & 0xFFFF);
        return op + 1;
    }
    case 6: {
        need_cpl0(cpu, op);
        uint32_t v = op->is_mem ? mem_read(cpu, op, op_lin(cpu, op, 2), 2) : reg_get(cpu, op->rm, 2);
        /* LMSW can set PE but never clear it (SDM LMSW) */
        uint32_t ncr0 = (cpu->cr0 & ~0xEu) | (v & 0xF) | (cpu->cr0 & CR0_PE);
        mmu_set_cr0(cpu, ncr0);
        return exit_to(cpu, next_eip(op));
    }
    case 7:
        need_cpl0(cpu, op);
        tlb_flush_page(cpu, op_lin(cpu, op, 1));
        return exit_to(cpu, next_eip(op));
    default:
        cpu_fault(cpu, op, EXC_UD, 0, 0);
    }
}

op_fn sel_grp7(const struct op *op)
{
    (void)op;
    return grp7;
}

static uint32_t read_sys32(struct cpu *cpu, const struct op *op, uint32_t lin)
{
    return (uint32_t)mem_read_slow(cpu, op, lin, 4);
}

/* 0F 00: SLDT STR LLDT LTR VERR VERW */
static const struct op *grp6(struct cpu *cpu, const struct op *op)
{
    unsigned r = op->sub;
    if (!(cpu->cr0 & CR0_PE) || (cpu->eflags & F_VM))
        cpu_fault(cpu, op, EXC_UD, 0, 0);
    if (r == 0 || r == 1) {
        uint16_t v = r == 0 ? cpu->ldtr.sel : cpu->tr.sel;
        if (op->is_mem)
            mem_write(cpu, op, op_lin_w(cpu, op, 2), v, 2);
        else
            reg_set(cpu, op->rm, op->size, v);
        return op + 1;
    }
    uint16_t sel =
        (uint16_t)(op->is_mem ? mem_read(cpu, op, op_lin(cpu, op, 2), 2) : reg_get(cpu, op->rm, 2));
    if (r == 2 || r == 3) {
        need_cpl0(cpu, op);
        struct seg *s = r == 2 ? &cpu->ldtr : &cpu->tr;
        if ((sel & 0xFFFC) == 0) {
            if (r == 3)
                cpu_fault(cpu, op, EXC_GP, 0, 1);
            s->sel = sel;
            s->attr = 0;
            return op + 1;
        }
        if ((sel & 4) || (uint32_t)(sel & ~7u) + 7 > cpu->gdtr.limit)
            cpu_fault(cpu, op, EXC_GP, sel & 0xFFFC, 1);
        uint32_t addr = cpu->gdtr.base + (sel & ~7u);
        uint32_t lo = read_sys32(cpu, op, addr), hi = read_sys32(cpu, op, addr + 4);
        unsigned type = (hi >> 8) & 0x1F;
        if (r == 2 ? type != 0x02 : (type != 0x01 && type != 0x09))
            cpu_fault(cpu, op, EXC_GP, sel & 0xFFFC, 1);
        if (!(hi & 0x8000))
            cpu_fault(cpu, op, EXC_NP, sel & 0xFFFC, 1);
        s->sel = sel;
        s->base = (lo >> 16) | ((hi & 0xFF) << 16) | (hi & 0xFF000000u);
        uint32_t lim = (lo & 0xFFFF) | (hi & 0xF0000);
        s->limit = (hi & 0x800000) ? (lim << 12) | 0xFFF : lim;
        if (r == 3) {
            hi |= 0x200; /* busy */
            mem_write_slow(cpu, op, addr + 4, hi, 4);
        }
        s->attr = (uint16_t)((hi >> 8) & 0xF0FF);
        return op + 1;
    }
    if (r == 4 || r == 5) {
        /* VERR/VERW: ZF = 1 when the segment is readable/writable from here */
        int ok = 0;
        if ((sel & 0xFFFC) != 0) {
            uint32_t tbase = (sel & 4) ? cpu->ldtr.base : cpu->gdtr.base;
            uint32_t tlim = (sel & 4) ? cpu->ldtr.limit : cpu->gdtr.limit;
            if ((uint32_t)(sel & ~7u) + 7 <= tlim) {
                uint32_t hi = read_sys32(cpu, op, tbase + (sel & ~7u) + 4);
                unsigned type = (hi >> 8) & 0x1F, dpl = (hi >> 13) & 3;
                int conforming = (type & 0x1C) == 0x1C;
                int priv = conforming || (dpl >= (unsigned)cpu->cpl && dpl >= (sel & 3u));
                if ((type & 0x10) && priv)
                    ok = r == 4 ? (!(type & 8) || (type & 2)) : (!(type & 8) && (type & 2));
            }
        }
        uint32_t f = flags_arith(cpu) & ~F_ZF;
        cpu->lf_kind = LF_NONE;
        cpu->lf_flags = (uint16_t)(f | (ok ? F_ZF : 0));
        return op + 1;
    }
    cpu_fault(cpu, op, EXC_UD, 0, 0);
}

op_fn sel_grp6(const struct op *op)
{
    (void)op;
    return grp6;
}

/* LAR/LSL */
static const struct op *lar_lsl(struct cpu *cpu, const struct op *op)
{
    if (!(cpu->cr0 & CR0_PE) || (cpu->eflags & F_VM))
        cpu_fault(cpu, op, EXC_UD, 0, 0);
    uint16_t sel =
        (uint16_t)(op->is_mem ? mem_read(cpu, op, op_lin(cpu, op, 2), 2) : reg_get(cpu, op->rm, 2));
    int ok = 0;
    uint32_t lo = 0, hi = 0;
    if ((sel & 0xFFFC) != 0) {
        uint32_t tbase = (sel & 4) ? cpu->ldtr.base : cpu->gdtr.base;
        uint32_t tlim = (sel & 4) ? cpu->ldtr.limit : cpu->gdtr.limit;
        if ((uint32_t)(sel & ~7u) + 7 <= tlim) {
            lo = read_sys32(cpu, op, tbase + (sel & ~7u));
            hi = read_sys32(cpu, op, tbase + (sel & ~7u) + 4);
            unsigned type = (hi >> 8) & 0x1F, dpl = (hi >> 13) & 3;
            int conforming = (type & 0x1C) == 0x1C;
            static const uint8_t sys_ok_lar[16] = {0, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 0};
            static const uint8_t sys_ok_lsl[16] = {0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0};
            int type_ok = (type & 0x10) ? 1 : (op->sub ? sys_ok_lsl : sys_ok_lar)[type & 0xF];
            int priv = conforming || (dpl >= (unsigned)cpu->cpl && dpl >= (sel & 3u));
            ok = type_ok && priv;
        }
    }
    if (ok) {
        if (op->sub == 0) {
            reg_set(cpu, op->reg, op->size, hi & 0x00F0FF00u);
        } else {
            uint32_t lim = (lo & 0xFFFF) | (hi & 0xF0000);
            if (hi & 0x800000)
                lim = (lim << 12) | 0xFFF;
            reg_set(cpu, op->reg, op->size, lim);
        }
    }
    uint32_t f = flags_arith(cpu) & ~F_ZF;
    cpu->lf_kind = LF_NONE;
    cpu->lf_flags = (uint16_t)(f | (ok ? F_ZF : 0));
    return op + 1;
}

op_fn sel_lar_lsl(const struct op *op)
{
    (void)op;
    return lar_lsl;
}

/* CPUID: only the features this CPU really implements are advertised.
 * VME and DE are added as they land. */
enum {
    CPUID_FPU = 1u << 0,
    CPUID_PSE = 1u << 3,
    CPUID_TSC = 1u << 4,
    CPUID_MSR = 1u << 5,
    CPUID_CX8 = 1u << 8,
    CPUID_SEP = 1u << 11,
    CPUID_PGE = 1u << 13,
    CPUID_CMOV = 1u << 15,
    CPUID_MMX = 1u << 23,
    CPUID_FXSR = 1u << 24,
};

static const struct op *cpuid(struct cpu *cpu, const struct op *op)
{
    uint32_t leaf = cpu->r[R_EAX];
    uint32_t a = 0, b = 0, c = 0, d = 0;
    uint32_t sig;
    uint32_t feat = CPUID_FPU | CPUID_PSE | CPUID_TSC | CPUID_MSR | CPUID_CX8;
    switch (cpu->model) {
    case CPU_MODEL_486:
        sig = 0x0480;
        feat = CPUID_FPU;
        break;
    case CPU_MODEL_PENTIUM_MMX:
        sig = 0x0544;
        feat |= CPUID_MMX;
        break; /* P55C */
    case CPU_MODEL_PENTIUM:
        sig = 0x0543;
        feat |= 0;
        break;
    default:
        sig = 0x0634;
        feat |= CPUID_PGE | CPUID_CMOV | CPUID_SEP | CPUID_MMX | CPUID_FXSR;
        break; /* Pentium II Klamath */
    }
    if (leaf == 0) {
        a = cpu->model == CPU_MODEL_PENTIUM2 ? 2 : 1;
        b = 0x756E6547; /* "GenuineIntel" */
        d = 0x49656E69;
        c = 0x6C65746E;
    } else if (leaf == 1) {
        a = sig;
        d = feat;
    } else if (leaf == 2 && cpu->model == CPU_MODEL_PENTIUM2) {
        a = 0x03020101; /* cache descriptors of a Pentium II */
        d = 0x0C040843;
    }
    cpu->r[R_EAX] = a;
    cpu->r[R_EBX] = b;
    cpu->r[R_ECX] = c;
    cpu->r[R_EDX] = d;
    return op + 1;
}

op_fn sel_cpuid(const struct op *op)
{
    (void)op;
    return cpuid;
}

uint64_t cpu_tsc(struct cpu *cpu)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    /* a nominal 1 GHz clock following host time */
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec - cpu->tsc_offset;
}

static const struct op *rdtsc(struct cpu *cpu, const struct op *op)
{
    if ((cpu->cr4 & CR4_TSD) && !privileged_ok(cpu))
        cpu_fault(cpu, op, EXC_GP, 0, 1);
    uint64_t t = cpu_tsc(cpu);
    cpu->r[R_EAX] = (uint32_t)t;
    cpu->r[R_EDX] = (uint32_t)(t >> 32);
    return op + 1;
}

op_fn sel_rdtsc(const struct op *op)
{
    (void)op;
    return rdtsc;
}

static const struct op *msr(struct cpu *cpu, const struct op *op)
{
    need_cpl0(cpu, op);
    uint32_t n = cpu->r[R_ECX];
    uint64_t *p = NULL, tsc;
    switch (n) {
    case 0x10: /* IA32_TIME_STAMP_COUNTER */
        if (op->sub == 0) {
            tsc = cpu_tsc(cpu);
            cpu->r[R_EAX] = (uint32_t)tsc;
            cpu->r[R_EDX] = (uint32_t)(tsc >> 32);
        } else {
            uint64_t want = ((uint64_t)cpu->r[R_EDX] << 32) | cpu->r[R_EAX];
            cpu->tsc_offset += cpu_tsc(cpu) - want;
        }
        return op + 1;
    case 0x174:
        p = &cpu->msr_sysenter_cs;
        break;
    case 0x175:
        p = &cpu->msr_sysenter_esp;
        break;
    case 0xC1:
        p = &cpu->msr_perfctr[0];
        break; /* P6 PerfCtr0/1, PerfEvtSel0/1 */
    case 0xC2:
        p = &cpu->msr_perfctr[1];
        break;
    case 0x186:
        p = &cpu->msr_evntsel[0];
        break;
    case 0x187:
        p = &cpu->msr_evntsel[1];
        break;
    case 0x176:
        p = &cpu->msr_sysenter_eip;
        break;
    default:
        if (cpu->host.log_mask & LOG_GUEST_ERRORS && cpu->host.log)
            fprintf(cpu->host.log, "guest error: %s of unknown MSR 0x%x\n", op->sub ? "WRMSR" : "RDMSR", n);
        cpu_fault(cpu, op, EXC_GP, 0, 1);
    }
    if (op->sub == 0) {
        cpu->r[R_EAX] = (uint32_t)*p;
        cpu->r[R_EDX] = (uint32_t)(*p >> 32);
    } else {
        *p = ((uint64_t)cpu->r[R_EDX] << 32) | cpu->r[R_EAX];
    }
    return op + 1;
}

op_fn sel_msr(const struct op *op)
{
    (void)op;
    return msr;
}

static const struct op *clts(struct cpu *cpu, const struct op *op)
{
    need_cpl0(cpu, op);
    cpu->cr0 &= ~CR0_TS;
    return op + 1;
}

op_fn sel_clts(const struct op *op)
{
    (void)op;
    return clts;
}

static const struct op *cache(struct cpu *cpu, const struct op *op)
{
    need_cpl0(cpu, op);
    return op + 1;
}

op_fn sel_cache(const struct op *op)
{
    (void)op;
    return cache;
}

/* ARPL Ew, Gw: raise the RPL of a selector to that of another (protected mode only) */
static const struct op *arpl(struct cpu *cpu, const struct op *op)
{
    if (!(cpu->cr0 & CR0_PE) || (cpu->eflags & F_VM))
        cpu_fault(cpu, op, EXC_UD, 0, 0);
    uint32_t lin = 0;
    uint32_t dst = op_get_E(cpu, op, 2, &lin);
    uint32_t src = reg_get(cpu, op->reg, 2);
    uint32_t f = flags_arith(cpu) & ~(uint32_t)F_ZF;
    if ((dst & 3) < (src & 3)) {
        op_set_E(cpu, op, 2, lin, (dst & ~3u) | (src & 3));
        f |= F_ZF;
    }
    cpu->lf_kind = LF_NONE;
    cpu->lf_flags = (uint16_t)f;
    return op + 1;
}

op_fn sel_arpl(const struct op *op)
{
    (void)op;
    return arpl;
}

/* RDPMC: the P6 counters hold what WRMSR put there; no events are counted */
static const struct op *rdpmc(struct cpu *cpu, const struct op *op)
{
    if ((!(cpu->cr4 & CR4_PCE) && !privileged_ok(cpu)) || cpu->r[R_ECX] > 1)
        cpu_fault(cpu, op, EXC_GP, 0, 1);
    uint64_t v = cpu->msr_perfctr[cpu->r[R_ECX]] & 0xFFFFFFFFFFull; /* 40-bit counters */
    cpu->r[R_EAX] = (uint32_t)v;
    cpu->r[R_EDX] = (uint32_t)(v >> 32);
    return op + 1;
}

op_fn sel_rdpmc(const struct op *op)
{
    (void)op;
    return rdpmc;
}

static void flat_seg(struct seg *s, uint16_t sel, uint16_t attr)
{
    s->sel = sel;
    s->base = 0;
    s->limit = 0xFFFFFFFFu;
    s->attr = attr;
    seg_cache(s);
}

/* SYSENTER/SYSEXIT: fast system calls through the SYSENTER_CS/ESP/EIP
 * MSRs, with flat segments loaded without descriptor reads (SDM SYSENTER) */
static const struct op *sysenter(struct cpu *cpu, const struct op *op)
{
    uint16_t cs = (uint16_t)cpu->msr_sysenter_cs;
    if (!(cpu->cr0 & CR0_PE) || (cs & 0xFFFC) == 0)
        cpu_fault(cpu, op, EXC_GP, 0, 1);
    if (op->sub == 0) {
        cpu->eflags &= ~(uint32_t)(F_VM | F_IF | F_RF);
        flat_seg(&cpu->seg[SEG_CS], cs & 0xFFFC, 0xC09B);
        flat_seg(&cpu->seg[SEG_SS], (uint16_t)((cs & 0xFFFC) + 8), 0xC093);
        cpu->r[R_ESP] = (uint32_t)cpu->msr_sysenter_esp;
        cpu_update_mode(cpu);
        return exit_to(cpu, (uint32_t)cpu->msr_sysenter_eip);
    }
    if (cpu->cpl != 0 || (cpu->eflags & F_VM))
        cpu_fault(cpu, op, EXC_GP, 0, 1);
    flat_seg(&cpu->seg[SEG_CS], (uint16_t)((cs + 16) | 3), 0xC0FB);
    flat_seg(&cpu->seg[SEG_SS], (uint16_t)((cs + 24) | 3), 0xC0F3);
    cpu->r[R_ESP] = cpu->r[R_ECX];
    cpu_update_mode(cpu);
    return exit_to(cpu, cpu->r[R_EDX]);
}

op_fn sel_sysenter(const struct op *op)
{
    (void)op;
    return sysenter;
}
