/* ops_mem.c - data movement: MOV (all forms), MOVZX/MOVSX, LEA, XCHG, PUSH
 * and POP (incl. PUSHA/POPA, PUSHF/POPF), segment register loads, LxS,
 * LEAVE/ENTER, XLAT, BOUND. */
#include "cpu/ops.h"

/* register-destination forms: destination op->reg, source op->rm */
static const struct op *mov_RR32(struct cpu *cpu, const struct op *op)
{
    cpu->r[op->reg] = cpu->r[op->rm];
    return op + 1;
}

static const struct op *mov_RR(struct cpu *cpu, const struct op *op)
{
    reg_set(cpu, op->reg, op->size, reg_get(cpu, op->rm, op->size));
    return op + 1;
}

static const struct op *mov_RM32(struct cpu *cpu, const struct op *op)
{
    cpu->r[op->reg] = mem_read(cpu, op, op_lin(cpu, op, 4), 4);
    return op + 1;
}

static const struct op *mov_RM(struct cpu *cpu, const struct op *op)
{
    reg_set(cpu, op->reg, op->size, mem_read(cpu, op, op_lin(cpu, op, op->size), op->size));
    return op + 1;
}

static const struct op *mov_MR32(struct cpu *cpu, const struct op *op)
{
    mem_write(cpu, op, op_lin_w(cpu, op, 4), cpu->r[op->reg], 4);
    return op + 1;
}

static const struct op *mov_MR(struct cpu *cpu, const struct op *op)
{
    mem_write(cpu, op, op_lin_w(cpu, op, op->size), reg_get(cpu, op->reg, op->size), op->size);
    return op + 1;
}

op_fn sel_mov_EG(const struct op *op)
{
    if (op->is_mem)
        return op->size == 4 ? mov_MR32 : mov_MR;
    return op->size == 4 ? mov_RR32 : mov_RR;
}

op_fn sel_mov_GE(const struct op *op)
{
    if (op->is_mem)
        return op->size == 4 ? mov_RM32 : mov_RM;
    return op->size == 4 ? mov_RR32 : mov_RR;
}

/* immediate: register in op->rm */
static const struct op *mov_RI32(struct cpu *cpu, const struct op *op)
{
    cpu->r[op->rm] = op->imm;
    return op + 1;
}

static const struct op *mov_RI(struct cpu *cpu, const struct op *op)
{
    reg_set(cpu, op->rm, op->size, op->imm);
    return op + 1;
}

static const struct op *mov_MI(struct cpu *cpu, const struct op *op)
{
    mem_write(cpu, op, op_lin_w(cpu, op, op->size), op->imm, op->size);
    return op + 1;
}

static const struct op *mov_MI8(struct cpu *cpu, const struct op *op)
{
    mem_write(cpu, op, op_lin_w(cpu, op, 1), op->imm, 1);
    return op + 1;
}

static const struct op *mov_MI32(struct cpu *cpu, const struct op *op)
{
    mem_write(cpu, op, op_lin_w(cpu, op, 4), op->imm, 4);
    return op + 1;
}

op_fn sel_mov_EI(const struct op *op)
{
    if (op->is_mem)
        return op->size == 1 ? mov_MI8 : op->size == 4 ? mov_MI32 : mov_MI;
    return op->size == 4 ? mov_RI32 : mov_RI;
}

static const struct op *mov_moffs(struct cpu *cpu, const struct op *op)
{
    uint32_t lin = seg_lin(cpu, op, op->seg, op->disp, op->size);
    if (op->sub == 0) {
        reg_set(cpu, R_EAX, op->size, mem_read(cpu, op, lin, op->size));
    } else {
        seg_check_write(cpu, op, op->seg);
        mem_write(cpu, op, lin, reg_get(cpu, R_EAX, op->size), op->size);
    }
    return op + 1;
}

op_fn sel_mov_moffs(const struct op *op)
{
    (void)op;
    return mov_moffs;
}

/* MOVZX/MOVSX Gv, Eb/Ew: op->imm = source size, sub bit 0 = sign-extend */
static const struct op *movx(struct cpu *cpu, const struct op *op)
{
    unsigned ss = op->imm;
    uint32_t v = op->is_mem ? mem_read(cpu, op, op_lin(cpu, op, ss), ss) : reg_get(cpu, op->rm, ss);
    if (op->sub & 1)
        v = sext(v, ss);
    reg_set(cpu, op->reg, op->size, v);
    return op + 1;
}

static const struct op *movzx_RM8_32(struct cpu *cpu, const struct op *op)
{
    cpu->r[op->reg] = mem_read(cpu, op, op_lin(cpu, op, 1), 1);
    return op + 1;
}

op_fn sel_movx(const struct op *op)
{
    if (op->is_mem && op->size == 4 && op->imm == 1 && !(op->sub & 1))
        return movzx_RM8_32;
    return movx;
}

static const struct op *lea(struct cpu *cpu, const struct op *op)
{
    reg_set(cpu, op->reg, op->size, op_ea(cpu, op));
    return op + 1;
}

static const struct op *lea32(struct cpu *cpu, const struct op *op)
{
    cpu->r[op->reg] = cpu->r[op->base] + (cpu->r[op->index] << op->scale) + op->disp;
    return op + 1;
}

static const struct op *ud(struct cpu *cpu, const struct op *op)
{
    cpu_fault(cpu, op, EXC_UD, 0, 0);
}

op_fn sel_lea(const struct op *op)
{
    if (!op->is_mem)
        return ud;
    return (op->size == 4 && op->asize == 4) ? lea32 : lea;
}

static const struct op *xchg(struct cpu *cpu, const struct op *op)
{
    uint32_t lin = 0;
    uint32_t a = op_get_E(cpu, op, op->size, &lin);
    uint32_t b = reg_get(cpu, op->reg, op->size);
    op_set_E(cpu, op, op->size, lin, b);
    reg_set(cpu, op->reg, op->size, a);
    return op + 1;
}

op_fn sel_xchg(const struct op *op)
{
    (void)op;
    return xchg;
}

/* ---- stack ------------------------------------------------------------------- */
static const struct op *push_R32(struct cpu *cpu, const struct op *op)
{
    uint32_t esp = cpu->r[R_ESP] - 4;
    if (likely(cpu->seg[SEG_SS].attr & 0x4000)) {
        mem_write(cpu, op, seg_lin(cpu, op, SEG_SS, esp, 4), cpu->r[op->rm], 4);
        cpu->r[R_ESP] = esp;
    } else {
        cpu_push(cpu, op, cpu->r[op->rm], 4);
    }
    return op + 1;
}

static const struct op *push_op(struct cpu *cpu, const struct op *op)
{
    uint32_t v, lin = 0;
    switch (op->sub) {
    case 0:
        v = reg_get(cpu, op->rm, op->size);
        if (op->rm == R_ESP && cpu->model == CPU_MODEL_8086)
            v = (v - 2) & 0xFFFF; /* the 8086 pushes SP as decremented (80286 manual, "PUSH SP") */
        break;
    case 1:
        v = op->imm;
        break;
    case 2:
        v = op_get_E(cpu, op, op->size, &lin);
        if (!op->is_mem && op->rm == R_ESP && cpu->model == CPU_MODEL_8086)
            v = (v - 2) & 0xFFFF;
        break;
    default:
        v = cpu->seg[op->reg].sel;
        break;
    }
    if (op->sub == 3 && op->size == 4) {
        /* a 32-bit segment push writes only the low 16 bits on P6 (SDM PUSH) */
        uint32_t m = sp_mask(cpu);
        uint32_t sp = (cpu->r[R_ESP] - 4) & m;
        mem_write(cpu, op, seg_lin(cpu, op, SEG_SS, sp, 2), v, 2);
        cpu->r[R_ESP] = (cpu->r[R_ESP] & ~m) | sp;
        return op + 1;
    }
    cpu_push(cpu, op, v, op->size);
    return op + 1;
}

op_fn sel_push(const struct op *op)
{
    if (op->sub == 0 && op->size == 4)
        return push_R32;
    return push_op;
}

static const struct op *pop_R32(struct cpu *cpu, const struct op *op)
{
    uint32_t esp = cpu->r[R_ESP];
    if (likely(cpu->seg[SEG_SS].attr & 0x4000)) {
        uint32_t v = mem_read(cpu, op, seg_lin(cpu, op, SEG_SS, esp, 4), 4);
        cpu->r[R_ESP] = esp + 4;
        cpu->r[op->rm] = v;
    } else {
        uint32_t v = cpu_pop(cpu, op, 4);
        cpu->r[op->rm] = v;
    }
    return op + 1;
}

static const struct op *pop_op(struct cpu *cpu, const struct op *op)
{
    uint32_t v = cpu_peek(cpu, op, op->size, 0);
    uint32_t m = sp_mask(cpu);
    uint32_t old = cpu->r[R_ESP];
    switch (op->sub) {
    case 0:
        cpu->r[R_ESP] = (old & ~m) | ((old + op->size) & m);
        reg_set(cpu, op->rm, op->size, v);
        break;
    case 2:
        /* POP Ev: ESP is incremented before the address is computed (SDM POP) */
        cpu->r[R_ESP] = (old & ~m) | ((old + op->size) & m);
        if (op->is_mem) {
            uint32_t lin;
            lin = op_lin_w(cpu, op, op->size);
            cpu->r[R_ESP] = old;
            mem_write(cpu, op, lin, v, op->size);
            cpu->r[R_ESP] = (old & ~m) | ((old + op->size) & m);
        } else {
            reg_set(cpu, op->rm, op->size, v);
        }
        break;
    default:
        cpu_load_seg(cpu, op, op->reg, (uint16_t)v);
        cpu->r[R_ESP] = (old & ~m) | ((old + op->size) & m);
        break;
    }
    return op + 1;
}

op_fn sel_pop(const struct op *op)
{
    if (op->sub == 0 && op->size == 4)
        return pop_R32;
    return pop_op;
}

static const struct op *pusha(struct cpu *cpu, const struct op *op)
{
    uint32_t m = sp_mask(cpu), sp = cpu->r[R_ESP];
    unsigned s = op->size;
    for (int i = 0; i < 8; i++) {
        uint32_t v = i == R_ESP ? sp : cpu->r[i];
        uint32_t a = (sp - (uint32_t)(i + 1) * s) & m;
        mem_write(cpu, op, seg_lin(cpu, op, SEG_SS, a, s), v, s);
    }
    cpu->r[R_ESP] = (sp & ~m) | ((sp - 8 * s) & m);
    return op + 1;
}

op_fn sel_pusha(const struct op *op)
{
    (void)op;
    return pusha;
}

static const struct op *popa(struct cpu *cpu, const struct op *op)
{
    unsigned s = op->size;
    uint32_t v[8];
    for (int i = 0; i < 8; i++)
        v[7 - i] = cpu_peek(cpu, op, s, (uint32_t)i * s);
    for (int i = 0; i < 8; i++)
        if (i != R_ESP)
            reg_set(cpu, (unsigned)i, s, v[i]);
    uint32_t m = sp_mask(cpu);
    cpu->r[R_ESP] = (cpu->r[R_ESP] & ~m) | ((cpu->r[R_ESP] + 8 * s) & m);
    return op + 1;
}

op_fn sel_popa(const struct op *op)
{
    (void)op;
    return popa;
}

static const struct op *pushf(struct cpu *cpu, const struct op *op)
{
    uint32_t f = cpu_get_eflags(cpu) & ~(F_VM | F_RF);
    if ((cpu->eflags & F_VM) && (cpu->eflags & F_IOPL) != F_IOPL) {
        if (!vme_active(cpu) || op->size != 2)
            cpu_fault(cpu, op, EXC_GP, 0, 1);
        /* VME: the image shows VIF as IF and IOPL as 3 (SDM 20.3.3) */
        f = (f & ~(uint32_t)F_IF) | ((cpu->eflags & F_VIF) ? F_IF : 0) | F_IOPL;
    }
    cpu_push(cpu, op, f, op->size);
    return op + 1;
}

op_fn sel_pushf(const struct op *op)
{
    (void)op;
    return pushf;
}

/* POPF: which bits change depends on CPL and IOPL (SDM POPF) */
static const struct op *popf(struct cpu *cpu, const struct op *op)
{
    if ((cpu->eflags & F_VM) && (cpu->eflags & F_IOPL) != F_IOPL) {
        if (!vme_active(cpu) || op->size != 2)
            cpu_fault(cpu, op, EXC_GP, 0, 1);
        uint32_t v = cpu_peek(cpu, op, 2, 0);
        if ((v & F_TF) || ((v & F_IF) && (cpu->eflags & F_VIP)))
            cpu_fault(cpu, op, EXC_GP, 0, 1);
        cpu_pop(cpu, op, 2);
        cpu_set_eflags(cpu, v, F_ARITH | F_DF | F_NT);
        cpu->eflags = (cpu->eflags & ~(uint32_t)F_VIF) | ((v & F_IF) ? F_VIF : 0);
        return exit_to(cpu, next_eip(op));
    }
    uint32_t v = cpu_pop(cpu, op, op->size);
    uint32_t mask = F_ARITH | F_TF | F_DF | F_NT | F_AC | F_ID;
    unsigned iopl = (cpu->eflags & F_IOPL) >> 12;
    if (cpu->cpl == 0 && !(cpu->eflags & F_VM))
        mask |= F_IOPL;
    if ((unsigned)cpu->cpl <= iopl)
        mask |= F_IF;
    if (op->size == 2)
        mask &= 0xFFFF;
    cpu_set_eflags(cpu, v, mask);
    return exit_to(cpu, next_eip(op)); /* IF/TF may have changed */
}

op_fn sel_popf(const struct op *op)
{
    (void)op;
    return popf;
}

/* MOV Ew, Sreg (sub 0) / MOV Sreg, Ew (sub 1); segment number in op->reg */
static const struct op *mov_sreg(struct cpu *cpu, const struct op *op)
{
    /* the 8086 decodes two bits of the segment field and can MOV CS */
    unsigned sr = cpu->model == CPU_MODEL_8086 ? op->reg & 3u : op->reg;
    if (sr > SEG_GS || (op->sub == 1 && sr == SEG_CS && cpu->model != CPU_MODEL_8086))
        cpu_fault(cpu, op, EXC_UD, 0, 0);
    if (op->sub == 0) {
        uint16_t v = cpu->seg[sr].sel;
        if (op->is_mem)
            mem_write(cpu, op, op_lin_w(cpu, op, 2), v, 2);
        else
            reg_set(cpu, op->rm, op->size == 4 ? 4 : 2, v);
        return op + 1;
    }
    uint32_t v = op->is_mem ? mem_read(cpu, op, op_lin(cpu, op, 2), 2) : reg_get(cpu, op->rm, 2);
    cpu_load_seg(cpu, op, (int)sr, (uint16_t)v);
    if (sr == SEG_SS || sr == SEG_CS) {
        cpu->inhibit_irq = sr == SEG_SS;
        return exit_to(cpu, next_eip(op));
    }
    return op + 1;
}

op_fn sel_mov_sreg(const struct op *op)
{
    (void)op;
    return mov_sreg;
}

static const struct op *lxs(struct cpu *cpu, const struct op *op)
{
    if (!op->is_mem)
        cpu_fault(cpu, op, EXC_UD, 0, 0);
    uint32_t ea = op_ea(cpu, op);
    uint32_t off = mem_read(cpu, op, seg_lin(cpu, op, op->seg, ea, op->size), op->size);
    uint32_t ea2 = ea + op->size;
    if (op->asize == 2)
        ea2 &= 0xFFFF;
    uint16_t sel = (uint16_t)mem_read(cpu, op, seg_lin(cpu, op, op->seg, ea2, 2), 2);
    cpu_load_seg(cpu, op, op->sub, sel);
    reg_set(cpu, op->reg, op->size, off);
    if (op->sub == SEG_SS)
        return exit_to(cpu, next_eip(op));
    return op + 1;
}

op_fn sel_lxs(const struct op *op)
{
    (void)op;
    return lxs;
}

static const struct op *leave(struct cpu *cpu, const struct op *op)
{
    uint32_t m = sp_mask(cpu);
    uint32_t sp = cpu->r[R_EBP] & m;
    /* read before committing ESP, so a fault leaves it as it was */
    uint32_t v = mem_read(cpu, op, seg_lin(cpu, op, SEG_SS, sp, op->size), op->size);
    cpu->r[R_ESP] = (cpu->r[R_ESP] & ~m) | ((sp + op->size) & m);
    reg_set(cpu, R_EBP, op->size, v);
    return op + 1;
}

op_fn sel_leave(const struct op *op)
{
    (void)op;
    return leave;
}

/* ENTER imm16, imm8 (SDM ENTER pseudo-code); level in op->imm2 */
static const struct op *enter(struct cpu *cpu, const struct op *op)
{
    unsigned s = op->size, level = op->imm2 & 31;
    uint32_t m = sp_mask(cpu);
    uint32_t sp = cpu->r[R_ESP], bp = cpu->r[R_EBP];
    uint32_t a = (sp - s) & m;
    mem_write(cpu, op, seg_lin(cpu, op, SEG_SS, a, s), bp, s);
    uint32_t frame = a;
    if (level > 0) {
        for (unsigned i = 1; i < level; i++) {
            bp = (bp - s) & m;
            uint32_t v = mem_read(cpu, op, seg_lin(cpu, op, SEG_SS, bp, s), s);
            a = (a - s) & m;
            mem_write(cpu, op, seg_lin(cpu, op, SEG_SS, a, s), v, s);
        }
        a = (a - s) & m;
        mem_write(cpu, op, seg_lin(cpu, op, SEG_SS, a, s), frame, s);
    }
    a = (a - op->imm) & m;
    seg_lin(cpu, op, SEG_SS, a, 1);
    reg_set(cpu, R_EBP, m == 0xFFFF ? 2 : s, frame);
    cpu->r[R_ESP] = (sp & ~m) | a;
    return op + 1;
}

op_fn sel_enter(const struct op *op)
{
    (void)op;
    return enter;
}

static const struct op *xlat(struct cpu *cpu, const struct op *op)
{
    uint32_t ea = cpu->r[R_EBX] + (cpu->r[R_EAX] & 0xFF);
    if (op->asize == 2)
        ea &= 0xFFFF;
    reg_set(cpu, R_EAX, 1, mem_read(cpu, op, seg_lin(cpu, op, op->seg, ea, 1), 1));
    return op + 1;
}

op_fn sel_xlat(const struct op *op)
{
    (void)op;
    return xlat;
}

static const struct op *bound(struct cpu *cpu, const struct op *op)
{
    if (!op->is_mem)
        cpu_fault(cpu, op, EXC_UD, 0, 0);
    uint32_t ea = op_ea(cpu, op);
    unsigned s = op->size;
    int32_t lo = (int32_t)sext(mem_read(cpu, op, seg_lin(cpu, op, op->seg, ea, s), s), s);
    int32_t hi = (int32_t)sext(
        mem_read(cpu, op, seg_lin(cpu, op, op->seg, (ea + s) & (op->asize == 2 ? 0xFFFF : ~0u), s), s), s);
    int32_t v = (int32_t)sext(reg_get(cpu, op->reg, s), s);
    if (v < lo || v > hi)
        cpu_fault(cpu, op, EXC_BR, 0, 0);
    return op + 1;
}

op_fn sel_bound(const struct op *op)
{
    (void)op;
    return bound;
}

static const struct op *nop(struct cpu *cpu, const struct op *op)
{
    (void)cpu;
    return op + 1;
}

op_fn sel_nop(const struct op *op)
{
    (void)op;
    return nop;
}

/* ---- threaded dispatch ---------------------------------------------------------- *
 * The same handlers, each running the next op itself (op_dispatch). */
static const struct op *mov_RR32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, mov_RR32(cpu, op));
}

static const struct op *mov_RM32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, mov_RM32(cpu, op));
}

static const struct op *mov_MR32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, mov_MR32(cpu, op));
}

static const struct op *mov_RI32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, mov_RI32(cpu, op));
}

static const struct op *mov_MI8_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, mov_MI8(cpu, op));
}

static const struct op *mov_MI32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, mov_MI32(cpu, op));
}

static const struct op *movzx_RM8_32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, movzx_RM8_32(cpu, op));
}

static const struct op *lea32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, lea32(cpu, op));
}

static const struct op *push_R32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, push_R32(cpu, op));
}

static const struct op *pop_R32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, pop_R32(cpu, op));
}

op_fn sel_threaded_mem(const struct op *op)
{
    static const struct {
        op_fn alone, threaded;
    } forms[] = {
        {mov_RR32, mov_RR32_thr},         {mov_RM32, mov_RM32_thr}, {mov_MR32, mov_MR32_thr},
        {mov_RI32, mov_RI32_thr},         {mov_MI8, mov_MI8_thr},   {mov_MI32, mov_MI32_thr},
        {movzx_RM8_32, movzx_RM8_32_thr}, {lea32, lea32_thr},       {push_R32, push_R32_thr},
        {pop_R32, pop_R32_thr},
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        if (op->fn == forms[i].alone)
            return forms[i].threaded;
    return NULL;
}
