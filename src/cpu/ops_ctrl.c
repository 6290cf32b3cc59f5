/* ops_ctrl.c - control transfer: JMP/Jcc/CALL/RET (near and far), LOOP,
 * JCXZ, INT/INTO/INT3, IRET, and the block exits the translator appends.
 *
 * Direct targets are absolute eips computed at decode time (op->imm).  Exits
 * that may be chained go through exit_direct() with a slot number: slot 0
 * is the jump target, slot 1 the fall-through. */
#include "cpu/ops.h"

static const struct op *jmp_rel(struct cpu *cpu, const struct op *op)
{
    return exit_direct(cpu, op, 0, op->imm);
}

op_fn sel_jmp_rel(const struct op *op)
{
    (void)op;
    return jmp_rel;
}

static const struct op *jcc(struct cpu *cpu, const struct op *op)
{
    if (cond_fast(cpu, op->sub))
        return exit_direct(cpu, op, 0, op->imm);
    return exit_direct(cpu, op, 1, next_eip(op));
}

/* the commonest compare-and-branch pairs, evaluated without cond_eval */
static const struct op *jne(struct cpu *cpu, const struct op *op)
{
    uint32_t res = cpu->lf_kind == LF_NONE ? !(cpu->lf_flags & F_ZF) : 0;
    if (cpu->lf_kind != LF_NONE)
        res = (cpu->lf_res & size_mask(cpu->lf_size)) != 0;
    return res ? exit_direct(cpu, op, 0, op->imm) : exit_direct(cpu, op, 1, next_eip(op));
}

static const struct op *je(struct cpu *cpu, const struct op *op)
{
    uint32_t res = cpu->lf_kind == LF_NONE ? (cpu->lf_flags & F_ZF) != 0 : 0;
    if (cpu->lf_kind != LF_NONE)
        res = (cpu->lf_res & size_mask(cpu->lf_size)) == 0;
    return res ? exit_direct(cpu, op, 0, op->imm) : exit_direct(cpu, op, 1, next_eip(op));
}

op_fn sel_jcc(const struct op *op)
{
    /* ZF is (result == 0) for every lazy kind, so JE/JNE need no flags */
    if (op->sub == 4)
        return je;
    if (op->sub == 5)
        return jne;
    return jcc;
}

static const struct op *call_rel(struct cpu *cpu, const struct op *op)
{
    cpu_push(cpu, op, next_eip(op), op->size);
    return exit_direct(cpu, op, 0, op->imm);
}

static const struct op *call_rel32(struct cpu *cpu, const struct op *op)
{
    uint32_t esp = cpu->r[R_ESP] - 4;
    if (likely(cpu->seg[SEG_SS].attr & 0x4000)) {
        mem_write(cpu, op, seg_lin(cpu, op, SEG_SS, esp, 4), op->eip + op->len, 4);
        cpu->r[R_ESP] = esp;
    } else {
        cpu_push(cpu, op, op->eip + op->len, 4);
    }
    return exit_direct(cpu, op, 0, op->imm);
}

op_fn sel_call_rel(const struct op *op)
{
    return op->size == 4 && !(op->pfx & PFX_CS16) ? call_rel32 : call_rel;
}

static void check_cs_limit(struct cpu *cpu, const struct op *op, uint32_t eip)
{
    if (eip > cpu->seg[SEG_CS].limit)
        cpu_fault(cpu, op, EXC_GP, 0, 1);
}

static const struct op *ret_near(struct cpu *cpu, const struct op *op)
{
    uint32_t eip = cpu_peek(cpu, op, op->size, 0);
    if (op->size == 2)
        eip &= 0xFFFF;
    check_cs_limit(cpu, op, eip);
    uint32_t m = sp_mask(cpu);
    cpu->r[R_ESP] = (cpu->r[R_ESP] & ~m) | ((cpu->r[R_ESP] + op->size + op->imm) & m);
    return exit_indirect(cpu, eip);
}

static const struct op *ret_near32(struct cpu *cpu, const struct op *op)
{
    uint32_t esp = cpu->r[R_ESP];
    if (unlikely(!(cpu->seg[SEG_SS].attr & 0x4000)))
        return ret_near(cpu, op);
    uint32_t eip = mem_read(cpu, op, seg_lin(cpu, op, SEG_SS, esp, 4), 4);
    check_cs_limit(cpu, op, eip);
    cpu->r[R_ESP] = esp + 4 + op->imm;
    return exit_indirect(cpu, eip);
}

op_fn sel_ret(const struct op *op)
{
    return op->size == 4 ? ret_near32 : ret_near;
}

static const struct op *jmp_E(struct cpu *cpu, const struct op *op)
{
    uint32_t lin = 0;
    uint32_t eip = op_get_E(cpu, op, op->size, &lin);
    check_cs_limit(cpu, op, eip);
    return exit_indirect(cpu, eip);
}

op_fn sel_jmp_E(const struct op *op)
{
    (void)op;
    return jmp_E;
}

static const struct op *call_E(struct cpu *cpu, const struct op *op)
{
    uint32_t lin = 0;
    uint32_t eip = op_get_E(cpu, op, op->size, &lin);
    check_cs_limit(cpu, op, eip);
    cpu_push(cpu, op, next_eip(op), op->size);
    return exit_indirect(cpu, eip);
}

op_fn sel_call_E(const struct op *op)
{
    (void)op;
    return call_E;
}

/* far pointer operand: offset in op->imm, selector in op->disp */
static const struct op *jmp_far(struct cpu *cpu, const struct op *op)
{
    cpu_far_jump(cpu, op, (uint16_t)op->disp, op->imm, 0, next_eip(op));
    return exit_to(cpu, cpu->eip);
}

op_fn sel_jmp_far(const struct op *op)
{
    (void)op;
    return jmp_far;
}

static const struct op *call_far(struct cpu *cpu, const struct op *op)
{
    cpu_far_jump(cpu, op, (uint16_t)op->disp, op->imm, 1, next_eip(op));
    return exit_to(cpu, cpu->eip);
}

op_fn sel_call_far(const struct op *op)
{
    (void)op;
    return call_far;
}

static const struct op *far_E(struct cpu *cpu, const struct op *op, int is_call)
{
    if (!op->is_mem)
        cpu_fault(cpu, op, EXC_UD, 0, 0);
    uint32_t ea = op_ea(cpu, op);
    uint32_t off = mem_read(cpu, op, seg_lin(cpu, op, op->seg, ea, op->size), op->size);
    uint32_t ea2 = (ea + op->size) & (op->asize == 2 ? 0xFFFFu : 0xFFFFFFFFu);
    uint16_t sel = (uint16_t)mem_read(cpu, op, seg_lin(cpu, op, op->seg, ea2, 2), 2);
    cpu_far_jump(cpu, op, sel, off, is_call, next_eip(op));
    return exit_to(cpu, cpu->eip);
}

static const struct op *jmp_far_E(struct cpu *cpu, const struct op *op)
{
    return far_E(cpu, op, 0);
}

static const struct op *call_far_E(struct cpu *cpu, const struct op *op)
{
    return far_E(cpu, op, 1);
}

op_fn sel_jmp_far_E(const struct op *op)
{
    (void)op;
    return jmp_far_E;
}

op_fn sel_call_far_E(const struct op *op)
{
    (void)op;
    return call_far_E;
}

static const struct op *retf(struct cpu *cpu, const struct op *op)
{
    cpu_far_return(cpu, op, 0, op->imm);
    return exit_to(cpu, cpu->eip);
}

op_fn sel_retf(const struct op *op)
{
    (void)op;
    return retf;
}

static const struct op *iret(struct cpu *cpu, const struct op *op)
{
    cpu->nmi_blocked = 0; /* IRET ends NMI blocking (SDM 6.7.1) */
    cpu_far_return(cpu, op, 1, 0);
    return exit_to(cpu, cpu->eip);
}

op_fn sel_iret(const struct op *op)
{
    (void)op;
    return iret;
}

/* LOOPNE LOOPE LOOP JCXZ: the counter is CX or ECX by address size */
static const struct op *loop_op(struct cpu *cpu, const struct op *op)
{
    uint32_t m = op->asize == 2 ? 0xFFFFu : 0xFFFFFFFFu;
    int taken;
    if (op->sub == 3) {
        taken = (cpu->r[R_ECX] & m) == 0;
    } else {
        uint32_t c = (cpu->r[R_ECX] - 1) & m;
        cpu->r[R_ECX] = (cpu->r[R_ECX] & ~m) | c;
        taken = c != 0;
        if (op->sub == 0)
            taken = taken && !(flags_arith(cpu) & F_ZF);
        else if (op->sub == 1)
            taken = taken && (flags_arith(cpu) & F_ZF);
    }
    if (taken)
        return exit_direct(cpu, op, 0, op->imm);
    return exit_direct(cpu, op, 1, next_eip(op));
}

op_fn sel_loop(const struct op *op)
{
    (void)op;
    return loop_op;
}

/* INT n in virtual-8086 mode.  With CR4.VME the interrupt redirection
 * bitmap (the 32 bytes below the I/O bitmap in the TSS) picks, per vector,
 * between the V86 task's own IVT and the protected-mode IDT (SDM 20.3.3,
 * table 20-2).  Returns 1 if the interrupt was handled here. */
static int v86_int(struct cpu *cpu, const struct op *op, int vec)
{
    int iopl3 = (cpu->eflags & F_IOPL) == F_IOPL;
    if (cpu->cr4 & CR4_VME) {
        uint32_t iomap = (uint32_t)mem_read_slow(cpu, op, cpu->tr.base + 0x66, 2);
        uint32_t byte = cpu->tr.base + iomap - 32 + (uint32_t)vec / 8;
        int redirect = !((mem_read_slow(cpu, op, byte, 1) >> (vec & 7)) & 1);
        if (redirect) {
            uint32_t fl = cpu_get_eflags(cpu) & 0xFFFF;
            if (!iopl3)
                fl = (fl & ~(uint32_t)F_IF) | ((cpu->eflags & F_VIF) ? F_IF : 0) | F_IOPL;
            uint32_t ent = mem_read(cpu, op, (uint32_t)vec * 4, 4);
            cpu_push(cpu, op, fl, 2);
            cpu_push(cpu, op, cpu->seg[SEG_CS].sel, 2);
            cpu_push(cpu, op, next_eip(op) & 0xFFFF, 2);
            if (iopl3)
                cpu->eflags &= ~(uint32_t)(F_IF | F_TF);
            else
                cpu->eflags &= ~(uint32_t)(F_VIF | F_TF);
            cpu_set_seg_real(cpu, SEG_CS, (uint16_t)(ent >> 16));
            cpu->eip = ent & 0xFFFF;
            return 1;
        }
    }
    if (!iopl3)
        cpu_fault(cpu, op, EXC_GP, 0, 1);
    return 0;
}

static const struct op *int_op(struct cpu *cpu, const struct op *op)
{
    int vec = op->sub == 0 ? (int)(op->imm & 0xFF) : op->sub == 1 ? EXC_BP : op->sub == 2 ? EXC_OF : EXC_DB;
    if (op->sub == 2 && !(flags_arith(cpu) & F_OF))
        return exit_to(cpu, next_eip(op));
    if (op->sub == 0 && (cpu->eflags & F_VM)) {
        if (v86_int(cpu, op, vec))
            return exit_to(cpu, cpu->eip);
    }
    /* INT1 (ICEBP) is a trap delivered like a hardware #DB: no gate DPL
     * check, the pushed EIP is the next instruction (SDM 17.3.1.2) */
    cpu->eip = op->sub == 3 ? next_eip(op) : op->eip;
    cpu_deliver_interrupt(cpu, vec, op->sub != 3, next_eip(op), 0, 0);
    return exit_to(cpu, cpu->eip);
}

op_fn sel_int(const struct op *op)
{
    (void)op;
    return int_op;
}

static const struct op *exit_fallthrough(struct cpu *cpu, const struct op *op)
{
    return exit_direct(cpu, op, 0, op->imm);
}

op_fn sel_exit_fallthrough(const struct op *op)
{
    (void)op;
    return exit_fallthrough;
}

static const struct op *exit_nochain(struct cpu *cpu, const struct op *op)
{
    return exit_to(cpu, op->imm);
}

op_fn sel_exit_nochain(const struct op *op)
{
    (void)op;
    return exit_nochain;
}

static const struct op *exit_fault(struct cpu *cpu, const struct op *op)
{
    cpu_fault(cpu, op, (int)op->imm, op->imm2, op->sub);
}

op_fn sel_exit_fault(const struct op *op)
{
    (void)op;
    return exit_fault;
}
