/* x87.c - the x87 FPU instructions (ESC D8-DF, FWAIT, FXSAVE/FXRSTOR).
 *
 * The arithmetic is f80.c's and fptrans.c's; this file is the instruction
 * layer: the register stack with its tags, the status word (TOP, C0-C3,
 * the sticky exception flags, SF, ES, B), the masked responses to stack
 * faults, the rules f80.h states for unmasked exceptions (what must not be
 * stored), the FPU instruction/data pointers and opcode, the FSTENV/FSAVE
 * and FXSAVE images, and exception delivery: #NM from CR0.EM/TS, #MF before
 * the next waiting instruction with CR0.NE = 1, FERR# (and the freeze until
 * its interrupt) with CR0.NE = 0.
 *
 * Every handler reads its memory operand and finishes every check that can
 * fault before it changes any FPU state (SDM Vol. 1 8.1.8 and chapter 8.5;
 * Vol. 2 instruction pages).  The tag word is kept as one bit per register
 * (empty or not), as the P6 does; the two-bit tags of FSTENV/FSAVE are
 * computed from the register contents when stored.
 *
 * Every instruction's general path is here; x87_fast.c handles the common
 * case of the hot ones inline (normal numbers, FNINIT's control word) and
 * calls these for everything else. */
#include "cpu/x87.h"

#include "cpu/f80_fast.h"
#include "cpu/fptrans.h"
#include "cpu/x87_internal.h"

static const uint8_t type_size[] = {4, 8, 4, 2, 8, 10, 10};

static uint16_t fpu_sw(const struct fpu *f)
{
    return (uint16_t)((f->sw & ~SW_TOP) | (f->top << 11));
}

/* two-bit tag of a non-empty register: valid, zero or special (SDM 8.1.7) */
static unsigned tag_of(f80 v)
{
    unsigned e = f80_exp(v);
    if (e == 0)
        return v.mant == 0 ? 1 : 2;
    if (e == 0x7FFF || !(v.mant & J_BIT))
        return 2;
    return 0;
}

static uint16_t tag_word(const struct fpu *f)
{
    uint16_t tw = 0;
    for (unsigned i = 0; i < 8; i++)
        tw |= (uint16_t)(((f->valid >> i) & 1 ? tag_of(f->st[i]) : 3) << (2 * i));
    return tw;
}

static void ferr_set(struct cpu *cpu, int level)
{
    struct fpu *f = &cpu->fpu;
    if (f->ferr == level)
        return;
    f->ferr = (uint8_t)level;
    if (!level)
        f->ignne = 0; /* IGNNE# follows FERR# on the PC (port F0 latch) */
    if (cpu->host.ferr)
        cpu->host.ferr(cpu->host.opaque, level);
}

/* ES and B follow the unmasked exception flags (387 and later) */
static void sw_update_es(struct cpu *cpu)
{
    struct fpu *f = &cpu->fpu;
    if ((f->sw & ~f->cw) & 0x3F)
        f->sw |= SW_ES | SW_B;
    else
        f->sw &= (uint16_t) ~(SW_ES | SW_B);
    if (!(f->sw & SW_ES))
        ferr_set(cpu, 0);
}

static void cw_set(struct cpu *cpu, uint16_t cw)
{
    struct fpu *f = &cpu->fpu;
    f->cw = (uint16_t)((cw & 0x1F3F) | 0x0040); /* bit 6 reads as 1; 7, 13-15 reserved */
    f->env = f80_env_from_cw(f->cw);
    sw_update_es(cpu);
}

static void fpu_init(struct cpu *cpu)
{
    struct fpu *f = &cpu->fpu;
    f->sw = 0;
    f->top = 0;
    f->valid = 0;
    f->fop = 0;
    f->fip = f->fdp = 0;
    f->fcs = f->fds = 0;
    cw_set(cpu, FINIT_CW);
}

void x87_reset(struct cpu *cpu)
{
    struct fpu *f = &cpu->fpu;
    for (unsigned i = 0; i < 8; i++)
        f->st[i] = f80_make(false, 0, 0);
    f->ferr = 0;
    f->ignne = 0;
    fpu_init(cpu);
    cw_set(cpu, 0x0040);
    f->valid = 0xFF; /* tag word 5555h: all zero */
}

void cpu_set_ignne(struct cpu *cpu, int level)
{
    cpu->fpu.ignne = level != 0;
}

/* ---- entry checks ------------------------------------------------------------ */

/* an unmasked exception is pending before a waiting instruction: #MF, or
 * FERR# and the freeze (returns true: leave and retry at op->eip) */
static bool pending_slow(struct cpu *cpu, const struct op *op)
{
    if (cpu->cr0 & CR0_NE)
        cpu_fault(cpu, op, EXC_MF, 0, 0);
    if (cpu->fpu.ignne || !cpu->host.ferr)
        return false;
    ferr_set(cpu, 1);
    return true;
}

/* CR0.EM/TS (#NM) and pending exceptions, in that order (SDM Vol. 3A 6.15
 * and 2.5); true when the instruction must wait (FERR#) */
bool x87_wait_check_slow(struct cpu *cpu, const struct op *op)
{
    if (cpu->cr0 & (CR0_EM | CR0_TS))
        cpu_fault(cpu, op, EXC_NM, 0, 0);
    if (cpu->fpu.sw & SW_ES)
        return pending_slow(cpu, op);
    return false;
}

/* the non-waiting control instructions check only #NM */
static inline void nowait_check(struct cpu *cpu, const struct op *op)
{
    if (unlikely(cpu->cr0 & (CR0_EM | CR0_TS)))
        cpu_fault(cpu, op, EXC_NM, 0, 0);
}

bool x87_mmx_check(struct cpu *cpu, const struct op *op)
{
    if (cpu->cr0 & CR0_EM)
        cpu_fault(cpu, op, EXC_UD, 0, 0);
    if (cpu->cr0 & CR0_TS)
        cpu_fault(cpu, op, EXC_NM, 0, 0);
    if (cpu->fpu.sw & SW_ES)
        return !pending_slow(cpu, op);
    return true;
}

/* ---- exception responses -------------------------------------------------- */

/* ---- memory ------------------------------------------------------------------ */

static void read_bytes(struct cpu *cpu, const struct op *op, uint32_t lin, uint8_t *b, unsigned n)
{
    unsigned i = 0;
    for (; i + 4 <= n; i += 4)
        st_le32(b + i, mem_read(cpu, op, lin + i, 4));
    for (; i < n; i += 2)
        st_le16(b + i, (uint16_t)mem_read(cpu, op, lin + i, 2));
}

/* every page of [lin, lin + n) must be writable before the first byte is
 * written, so that a fault leaves memory as it was */
static void write_bytes(struct cpu *cpu, const struct op *op, uint32_t lin, const uint8_t *b, unsigned n)
{
    if ((lin & 0xFFF) + n > 0x1000 && (cpu->cr0 & CR0_PG)) {
        mmu_translate(cpu, op, lin, 1, cpu->cpl == 3);
        mmu_translate(cpu, op, lin + n - 1, 1, cpu->cpl == 3);
    }
    unsigned i = 0;
    for (; i + 4 <= n; i += 4)
        mem_write(cpu, op, lin + i, ld_le32(b + i), 4);
    for (; i < n; i += 2)
        mem_write(cpu, op, lin + i, ld_le16(b + i), 2);
}

/* an operand of type t as an f80 (conversions raise what f80.h says) */
static f80 load_operand(struct cpu *cpu, const struct op *op, unsigned t, uint32_t ea, struct f80_env *e)
{
    uint32_t lin = fpu_lin(cpu, op, ea, type_size[t], false);
    /* converted with DE masked: the instruction decides what an unmasked DE does */
    struct f80_env ce = *e;
    ce.unmasked &= (uint8_t)~F80_DE;
    f80 v;
    switch (t) {
    case T_F32:
        v = f80_from_f32(mem_read(cpu, op, lin, 4), &ce);
        e->flags |= ce.flags;
        return v;
    case T_F64:
        v = f80_from_f64(read64(cpu, op, lin), &ce);
        e->flags |= ce.flags;
        return v;
    case T_I32:
        return f80_from_i32((int32_t)mem_read(cpu, op, lin, 4));
    case T_I16:
        return f80_from_i16((int16_t)mem_read(cpu, op, lin, 2));
    case T_I64:
        return f80_from_i64((int64_t)read64(cpu, op, lin));
    default: {
        uint8_t b[10];
        read_bytes(cpu, op, lin, b, 10);
        return t == T_F80 ? f80_load_bytes(b) : f80_from_bcd(b);
    }
    }
}

/* ---- arithmetic ------------------------------------------------------------- */

/* the general path of the two-operand arithmetic */
static f80 arith_slow(unsigned kind, f80 a, f80 b, struct f80_env *e)
{
    switch (kind) {
    case K_ADD:
        return f80_add(a, b, e);
    case K_MUL:
        return f80_mul(a, b, e);
    case K_SUB:
        return f80_sub(a, b, e);
    case K_SUBR:
        return f80_sub(b, a, e);
    case K_DIV:
        return f80_div(a, b, e);
    default:
        return f80_div(b, a, e);
    }
}

/* FADD/FSUB/FSUBR/FMUL with a memory operand: the fast path first */
static f80 arith(unsigned kind, f80 a, f80 b, struct f80_env *e)
{
    f80 r;
    uint16_t fl;
    bool done = false;
    if (f80_fast_env(e)) {
        if (kind == K_MUL)
            done = f80_fast_mul(a, b, &r, &fl);
        else if (kind == K_ADD || kind == K_SUB)
            done = f80_fast_add(a, b, kind == K_SUB, &r, &fl);
        else if (kind == K_SUBR)
            done = f80_fast_add(b, a, true, &r, &fl);
    }
    if (done) {
        e->flags |= fl;
        return r;
    }
    return arith_slow(kind, a, b, e);
}

static bool nan_or_unsupported(f80 v)
{
    unsigned e = f80_exp(v);
    bool j = (v.mant & J_BIT) != 0;
    return (e == 0x7FFF && (!j || (v.mant << 1) != 0)) || (e != 0 && !j);
}

/* condition codes of a compare: > 000, < C0, = C3, unordered C3 C2 C0 */
static const uint16_t rel_cc[4] = {SW_C0, SW_C3, 0, SW_C3 | SW_C2 | SW_C0};

/* FCOM/FUCOM/FICOM/FTST with a and b known to be loaded values */
static void compare_cc(struct fpu *f, f80 a, f80 b, bool quiet, struct f80_env *e)
{
    enum f80_relation r = f80_compare(a, b, quiet, e);
    uint16_t fl = e->flags;
    f->sw &= (uint16_t)~SW_C1;
    f->sw |= fl & F80_EXC;
    uint16_t unm = fl & f->env.unmasked;
    if (unm)
        f->sw |= SW_ES | SW_B;
    if (!(unm & F80_IE))
        f->sw = (uint16_t)((f->sw & ~(SW_C0 | SW_C2 | SW_C3)) | rel_cc[r]);
}

/* the stack-fault result of a compare: unordered when masked */
static bool compare_underflow(struct fpu *f)
{
    f->sw |= SW_C0 | SW_C2 | SW_C3; /* unordered, masked or not */
    return stack_underflow(f);
}

/* D8/DC/DA/DE memory forms: ST0 = ST0 op m (sub = ModRM.reg, imm = type) */
static const struct op *farith_m(struct cpu *cpu, const struct op *op)
{
    if (must_wait(cpu, op))
        return exit_to(cpu, op->eip);
    struct f80_env e = cpu->fpu.env;
    uint32_t ea = op_ea(cpu, op);
    f80 b = load_operand(cpu, op, op->imm, ea, &e);
    return x87_farith_m_loaded(cpu, op, ea, b, e.flags);
}

/* the rest of farith_m once the operand is loaded and converted (load_fl:
 * what the conversion raised, with DE masked) */
const struct op *x87_farith_m_loaded(struct cpu *cpu, const struct op *op, uint32_t ea, f80 b,
                                     uint16_t load_flags)
{
    struct fpu *f = &cpu->fpu;
    struct f80_env e = f->env;
    e.flags = load_flags;
    note_insn(cpu, op);
    note_data(cpu, op, ea);
    unsigned kind = op->sub;
    bool compare = kind == K_COM || kind == K_COMP;
    if (unlikely(st_empty(f, 0))) {
        if (compare) {
            if (compare_underflow(f) && kind == K_COMP)
                fpu_pop(f);
        } else if (stack_underflow(f)) {
            st_set(f, 0, f80_indefinite());
        }
        return op + 1;
    }
    /* the conversion is part of the operation: where the operation stops
     * before looking at operand classes (a NaN, an invalid operation, a
     * zero divide) a denormal m32/m64 operand raises no DE */
    if (unlikely(e.flags & F80_DE) && nan_or_unsupported(*st(f, 0)))
        e.flags &= (uint16_t)~F80_DE;
    if (compare) {
        compare_cc(f, *st(f, 0), b, false, &e);
        if (kind == K_COMP && !(e.flags & f->env.unmasked & (F80_IE | F80_DE)))
            fpu_pop(f);
        return op + 1;
    }
    uint16_t load_fl = e.flags;
    e.flags = 0;
    /* an SNaN operand takes part as the SNaN it was (which NaN wins is
     * decided on the significands as they were) */
    if ((load_fl & F80_IE) && nan_or_unsupported(b) && op->imm <= T_F64)
        b.mant &= ~0x4000000000000000ull;
    f80 r = arith(kind, *st(f, 0), b, &e);
    if (unlikely(load_fl & F80_DE)) {
        if ((e.flags & (F80_IE | F80_ZE)) || nan_or_unsupported(r))
            load_fl &= (uint16_t)~F80_DE;
        else if (e.unmasked & F80_DE) {
            commit_reg(f, load_fl);
            return op + 1;
        }
    }
    if (commit_reg(f, e.flags | load_fl))
        st_write(f, 0, r);
    return op + 1;
}

/* register forms: D8 (ST0 = ST0 op ST(i)), DC (ST(i) = ST(i) op ST0), DE
 * (the same, then pop); sub = kind, imm = form: bit 0 = the destination is
 * ST(i), bit 1 = pop.  FADD, FMUL, FSUB and FSUBR have a handler per form
 * (fadd_st0_sti..., x87_fast.c) that does the common case inline and leaves
 * everything else to this one. */
const struct op *x87_farith_r(struct cpu *cpu, const struct op *op)
{
    if (must_wait(cpu, op))
        return exit_to(cpu, op->eip);
    struct fpu *f = &cpu->fpu;
    note_insn(cpu, op);
    unsigned i = op->rm, d = (op->imm & 1) ? i : 0;
    if (unlikely(st_empty(f, 0) || st_empty(f, i))) {
        if (stack_underflow(f)) {
            st_set(f, d, f80_indefinite());
            if (op->imm & 2)
                fpu_pop(f);
        }
        return op + 1;
    }
    struct f80_env e = f->env;
    f80 r = arith_slow(op->sub, *st(f, d), *st(f, d == 0 ? i : 0), &e);
    if (commit_reg(f, e.flags)) {
        st_write(f, d, r);
        if (op->imm & 2)
            fpu_pop(f);
    }
    return op + 1;
}

/* FCOM/FCOMP/FUCOM/FUCOMP ST(i), FCOMPP, FUCOMPP: sub = pops, imm = quiet */
static const struct op *fcom_r(struct cpu *cpu, const struct op *op)
{
    if (must_wait(cpu, op))
        return exit_to(cpu, op->eip);
    struct fpu *f = &cpu->fpu;
    note_insn(cpu, op);
    unsigned pops = op->sub;
    if (st_empty(f, 0) || st_empty(f, op->rm)) {
        if (compare_underflow(f))
            while (pops--)
                fpu_pop(f);
        return op + 1;
    }
    struct f80_env e = f->env;
    compare_cc(f, *st(f, 0), *st(f, op->rm), op->imm != 0, &e);
    if (!(e.flags & f->env.unmasked & (F80_IE | F80_DE)))
        while (pops--)
            fpu_pop(f);
    return op + 1;
}

/* FCOMI/FCOMIP/FUCOMI/FUCOMIP (P6): ZF PF CF; sub = pop, imm = quiet */
const struct op *x87_fcomi(struct cpu *cpu, const struct op *op)
{
    if (must_wait(cpu, op))
        return exit_to(cpu, op->eip);
    struct fpu *f = &cpu->fpu;
    note_insn(cpu, op);
    static const uint16_t rel_flags[4] = {F_CF, F_ZF, 0, F_ZF | F_PF | F_CF};
    enum f80_relation r = F80_UNORDERED;
    bool set = true, pop = op->sub != 0;
    f->sw &= (uint16_t)~SW_C1;
    if (st_empty(f, 0) || st_empty(f, op->rm)) {
        pop = stack_underflow(f) && pop; /* unordered, masked or not */
    } else {
        struct f80_env e = f->env;
        r = f80_compare(*st(f, 0), *st(f, op->rm), op->imm != 0, &e);
        f->sw |= e.flags & F80_EXC;
        uint16_t unm = e.flags & f->env.unmasked;
        if (unm)
            f->sw |= SW_ES | SW_B;
        if (unm & F80_IE)
            set = false;
        if (unm & (F80_IE | F80_DE))
            pop = false;
    }
    if (set) {
        cpu->lf_flags = rel_flags[r];
        cpu->lf_kind = LF_NONE;
    }
    if (pop)
        fpu_pop(f);
    return op + 1;
}

/* FLD m32/m64 (the hot loads) and every other FLD m; imm = type */
static const struct op *fld_m(struct cpu *cpu, const struct op *op)
{
    if (must_wait(cpu, op))
        return exit_to(cpu, op->eip);
    struct fpu *f = &cpu->fpu;
    struct f80_env e = f->env;
    uint32_t ea = op_ea(cpu, op);
    f80 v = load_operand(cpu, op, op->imm, ea, &e);
    note_insn(cpu, op);
    note_data(cpu, op, ea);
    if (unlikely(push_full(f))) {
        if (stack_overflow(f))
            fpu_push(f, f80_indefinite());
        return op + 1;
    }
    /* an unmasked DE still loads (the conversion loses nothing) */
    commit_reg(f, e.flags);
    if (!(e.flags & f->env.unmasked & F80_IE))
        fpu_push(f, v);
    return op + 1;
}

/* FST/FSTP m (sub = pop, imm = type) */
const struct op *x87_fst_m(struct cpu *cpu, const struct op *op)
{
    if (must_wait(cpu, op))
        return exit_to(cpu, op->eip);
    struct fpu *f = &cpu->fpu;
    unsigned t = op->imm;
    uint32_t ea = op_ea(cpu, op);
    uint32_t lin = fpu_lin(cpu, op, ea, type_size[t], true);
    struct f80_env e = f->env;
    f80 v;
    bool empty = st_empty(f, 0);
    if (unlikely(empty)) {
        v = f80_indefinite(); /* the masked response stores the format's indefinite */
    } else {
        v = *st(f, 0);
    }
    uint8_t b[10];
    uint64_t bits = 0;
    switch (t) {
    case T_F32:
        bits = empty ? 0xFFC00000u : f80_to_f32(v, &e);
        break;
    case T_F64:
        bits = empty ? 0xFFF8000000000000ull : f80_to_f64(v, &e);
        break;
    case T_I32:
        bits = empty ? 0x80000000u : (uint32_t)f80_to_i32(v, false, &e);
        break;
    case T_I16:
        bits = empty ? 0x8000u : (uint16_t)f80_to_i16(v, false, &e);
        break;
    case T_I64:
        bits = empty ? 0x8000000000000000ull : (uint64_t)f80_to_i64(v, false, &e);
        break;
    case T_F80:
        f80_store_bytes(v, b);
        break;
    default:
        if (empty) {
            static const uint8_t bcd_indef[10] = {0, 0, 0, 0, 0, 0, 0, 0xC0, 0xFF, 0xFF};
            for (int k = 0; k < 10; k++)
                b[k] = bcd_indef[k];
        } else {
            f80_to_bcd(v, b, &e);
        }
        break;
    }
    /* decide before the store, which may still fault: no state changes yet */
    bool store = empty ? (f->cw & CW_IM) != 0
                       : !(e.flags & f->env.unmasked & (F80_IE | F80_DE | F80_ZE | F80_OE | F80_UE));
    if (store) {
        switch (type_size[t]) {
        case 2:
            mem_write(cpu, op, lin, (uint32_t)bits, 2);
            break;
        case 4:
            mem_write(cpu, op, lin, (uint32_t)bits, 4);
            break;
        case 8:
            write64(cpu, op, lin, bits);
            break;
        default:
            write_bytes(cpu, op, lin, b, 10);
            break;
        }
    }
    if (empty)
        stack_underflow(f);
    else
        commit_mem(f, e.flags);
    if (store && op->sub)
        fpu_pop(f);
    note_insn(cpu, op);
    note_data(cpu, op, ea);
    return op + 1;
}

/* FLD ST(i) */
const struct op *x87_fld_r(struct cpu *cpu, const struct op *op)
{
    if (must_wait(cpu, op))
        return exit_to(cpu, op->eip);
    struct fpu *f = &cpu->fpu;
    note_insn(cpu, op);
    f80 v = *st(f, op->rm);
    bool empty = st_empty(f, op->rm);
    if (empty) {
        if (stack_underflow(f))
            fpu_push(f, f80_indefinite());
        return op + 1;
    }
    if (push_full(f)) {
        if (stack_overflow(f))
            fpu_push(f, f80_indefinite());
        return op + 1;
    }
    f->sw &= (uint16_t)~SW_C1;
    fpu_push(f, v);
    return op + 1;
}

/* FST/FSTP ST(i); sub = pop */
const struct op *x87_fst_r(struct cpu *cpu, const struct op *op)
{
    if (must_wait(cpu, op))
        return exit_to(cpu, op->eip);
    struct fpu *f = &cpu->fpu;
    note_insn(cpu, op);
    if (st_empty(f, 0)) {
        if (!stack_underflow(f))
            return op + 1;
        st_set(f, op->rm, f80_indefinite());
    } else {
        f->sw &= (uint16_t)~SW_C1;
        st_set(f, op->rm, *st(f, 0));
    }
    if (op->sub)
        fpu_pop(f);
    return op + 1;
}

/* FXCH ST(i) */
const struct op *x87_fxch(struct cpu *cpu, const struct op *op)
{
    if (must_wait(cpu, op))
        return exit_to(cpu, op->eip);
    struct fpu *f = &cpu->fpu;
    note_insn(cpu, op);
    unsigned i = op->rm;
    if (st_empty(f, 0) || st_empty(f, i)) {
        if (!stack_underflow(f))
            return op + 1;
        if (st_empty(f, 0))
            st_set(f, 0, f80_indefinite());
        if (st_empty(f, i))
            st_set(f, i, f80_indefinite());
    } else {
        f->sw &= (uint16_t)~SW_C1;
    }
    f80 t = *st(f, 0);
    st_write(f, 0, *st(f, i));
    st_write(f, i, t);
    return op + 1;
}

/* FCMOVcc ST0, ST(i) (P6): sub = the Jcc condition */
static const struct op *fcmov(struct cpu *cpu, const struct op *op)
{
    if (must_wait(cpu, op))
        return exit_to(cpu, op->eip);
    struct fpu *f = &cpu->fpu;
    note_insn(cpu, op);
    if (st_empty(f, 0) || st_empty(f, op->rm)) {
        if (stack_underflow(f)) /* the masked response ignores the condition */
            st_set(f, 0, f80_indefinite());
        return op + 1;
    }
    if (cond_eval(cpu, op->sub))
        st_write(f, 0, *st(f, op->rm));
    return op + 1;
}

/* FFREE ST(i), FFREEP (sub = pop) */
static const struct op *ffree(struct cpu *cpu, const struct op *op)
{
    if (must_wait(cpu, op))
        return exit_to(cpu, op->eip);
    struct fpu *f = &cpu->fpu;
    note_insn(cpu, op);
    f->sw &= (uint16_t)~SW_C1;
    f->valid &= (uint8_t) ~(1u << phys(f, op->rm));
    if (op->sub)
        fpu_pop(f);
    return op + 1;
}

/* one-operand functions on ST0 (D9 E0-FF): sub = the low 5 bits of ModRM */
enum {
    U_CHS = 0x00,
    U_ABS = 0x01,
    U_TST = 0x04,
    U_XAM = 0x05,
    U_F2XM1 = 0x10,
    U_YL2X = 0x11,
    U_PTAN = 0x12,
    U_PATAN = 0x13,
    U_XTRACT = 0x14,
    U_PREM1 = 0x15,
    U_DECSTP = 0x16,
    U_INCSTP = 0x17,
    U_PREM = 0x18,
    U_YL2XP1 = 0x19,
    U_SQRT = 0x1A,
    U_SINCOS = 0x1B,
    U_RNDINT = 0x1C,
    U_SCALE = 0x1D,
    U_SIN = 0x1E,
    U_COS = 0x1F,
};

/* FLD1 FLDL2T FLDL2E FLDPI FLDLG2 FLDLN2 FLDZ (sub 0..6): the constants to
 * 66 bits, rounded to 64 per RC (SDM Vol. 1 8.3.8) */
static f80 constant(unsigned k, unsigned rc)
{
    static const struct {
        uint16_t exp;
        uint64_t mant;
        uint8_t next; /* the two bits after the 64th: 0..3 */
    } c[7] = {
        {0x3FFF, 0x8000000000000000ull, 0},
        {0x4000, 0xD49A784BCD1B8AFEull, 1},
        {0x3FFF, 0xB8AA3B295C17F0BBull, 3},
        {0x4000, 0xC90FDAA22168C234ull, 3},
        {0x3FFD, 0x9A209A84FBCFF798ull, 2},
        {0x3FFE, 0xB17217F7D1CF79ABull, 3},
        {0, 0, 0},
    };
    uint64_t m = c[k].mant;
    if ((rc == F80_RC_NEAREST && c[k].next >= 2) || (rc == F80_RC_UP && c[k].next))
        m++;
    return f80_make(false, c[k].exp, m);
}

static const struct op *fconst(struct cpu *cpu, const struct op *op)
{
    if (must_wait(cpu, op))
        return exit_to(cpu, op->eip);
    struct fpu *f = &cpu->fpu;
    note_insn(cpu, op);
    if (push_full(f)) {
        if (stack_overflow(f))
            fpu_push(f, f80_indefinite());
        return op + 1;
    }
    f->sw &= (uint16_t)~SW_C1;
    fpu_push(f, constant(op->sub, f->env.rc));
    return op + 1;
}

/* the register operands of a D9 function: ST0, and ST1 for the two-operand ones */
static bool two_operands(unsigned u)
{
    return u == U_YL2X || u == U_PATAN || u == U_PREM1 || u == U_PREM || u == U_YL2XP1 || u == U_SCALE;
}

static const struct op *funary(struct cpu *cpu, const struct op *op)
{
    if (must_wait(cpu, op))
        return exit_to(cpu, op->eip);
    struct fpu *f = &cpu->fpu;
    note_insn(cpu, op);
    unsigned u = op->sub;
    if (u == U_DECSTP || u == U_INCSTP) {
        f->top = (f->top + (u == U_INCSTP ? 1 : 7)) & 7;
        f->sw &= (uint16_t)~SW_C1;
        return op + 1;
    }
    if (u == U_XAM) {
        f80 v = *st(f, 0);
        uint16_t cc = f80_class_to_sw(st_empty(f, 0) ? F80_CLASS_EMPTY : f80_classify(v), f80_sign(v));
        f->sw = (uint16_t)((f->sw & ~SW_CC) | cc);
        return op + 1;
    }
    bool pushes = u == U_PTAN || u == U_XTRACT || u == U_SINCOS;
    if (st_empty(f, 0) || (two_operands(u) && st_empty(f, 1))) {
        if (u == U_TST) {
            compare_underflow(f);
            return op + 1;
        }
        if (u == U_PREM || u == U_PREM1 || u == U_PTAN || u == U_SIN || u == U_COS || u == U_SINCOS)
            f->sw &= (uint16_t)~SW_C2;
        if (!stack_underflow(f))
            return op + 1;
        if (u == U_PTAN || u == U_SINCOS) {
            st_set(f, 0, f80_indefinite());
            fpu_push(f, f80_indefinite());
        } else if (u == U_XTRACT) {
            st_set(f, 0, f80_indefinite());
            fpu_push(f, f80_indefinite());
        } else if (u == U_YL2X || u == U_YL2XP1 || u == U_PATAN) {
            st_set(f, 1, f80_indefinite());
            fpu_pop(f);
        } else {
            st_set(f, 0, f80_indefinite());
        }
        return op + 1;
    }
    if (pushes && push_full(f)) {
        if (u != U_XTRACT)
            f->sw &= (uint16_t)~SW_C2;
        if (stack_overflow(f)) {
            st_set(f, 0, f80_indefinite());
            fpu_push(f, f80_indefinite());
        }
        return op + 1;
    }
    struct f80_env e = f->env;
    f80 a = *st(f, 0), b = *st(f, 1), r, r2;
    bool range = false;
    switch (u) {
    case U_CHS:
        f->sw &= (uint16_t)~SW_C1;
        st_write(f, 0, f80_neg(a));
        return op + 1;
    case U_ABS:
        f->sw &= (uint16_t)~SW_C1;
        st_write(f, 0, f80_abs(a));
        return op + 1;
    case U_TST:
        compare_cc(f, a, f80_make(false, 0, 0), false, &e);
        return op + 1;
    case U_SQRT:
        r = f80_sqrt(a, &e);
        break;
    case U_RNDINT:
        r = f80_round_int(a, &e);
        break;
    case U_SCALE:
        r = f80_scale(a, b, &e);
        break;
    case U_F2XM1:
        r = f80_2xm1(a, &e);
        break;
    case U_SIN:
    case U_COS:
        r = u == U_SIN ? f80_sin(a, &e, &range) : f80_cos(a, &e, &range);
        if (range) {
            /* out of range (|x| >= 2^63): C2 set, ST0 unchanged, and C1
             * cleared as for any result not rounded up (SDM Vol. 2 FSIN,
             * "FPU Flags Affected"); the AMD host does the same */
            f->sw = (uint16_t)((f->sw | SW_C2) & ~SW_C1);
            return op + 1;
        }
        if (commit_reg(f, e.flags))
            st_write(f, 0, r);
        f->sw &= (uint16_t)~SW_C2;
        return op + 1;
    case U_PTAN:
    case U_SINCOS:
        r = u == U_PTAN ? f80_tan(a, &e, &range) : f80_sincos(a, &r2, &e, &range);
        if (range) {
            /* out of range (|x| >= 2^63): C2 set, ST0 unchanged, and C1
             * cleared as for any result not rounded up (SDM Vol. 2 FSIN,
             * "FPU Flags Affected"); the AMD host does the same */
            f->sw = (uint16_t)((f->sw | SW_C2) & ~SW_C1);
            return op + 1;
        }
        f->sw &= (uint16_t)~SW_C2;
        if (commit_reg(f, e.flags)) {
            if (u == U_PTAN) {
                /* a NaN result is pushed again instead of 1.0 */
                st_write(f, 0, r);
                fpu_push(f, nan_or_unsupported(r) ? r : f80_make(false, 0x3FFF, J_BIT));
            } else {
                st_write(f, 0, r2);
                fpu_push(f, r);
            }
        }
        return op + 1;
    case U_XTRACT:
        r = f80_xtract(a, &r2, &e);
        if (commit_reg(f, e.flags)) {
            st_write(f, 0, r2);
            fpu_push(f, r);
        }
        return op + 1;
    case U_PREM:
    case U_PREM1: {
        unsigned q = 0;
        bool complete = true;
        r = f80_prem(a, b, &e, &q, &complete, u == U_PREM1);
        bool stored = commit_reg(f, e.flags);
        if (stored)
            st_write(f, 0, r);
        if (!stored || (e.flags & F80_IE) || nan_or_unsupported(r)) {
            /* no quotient: C2 = 0, C0 and C3 stay */
            f->sw &= (uint16_t)~SW_C2;
        } else {
            f->sw &= (uint16_t)~SW_CC;
            if (!complete)
                f->sw |= SW_C2;
            else
                f->sw |= (uint16_t)((q & 4 ? SW_C0 : 0) | (q & 2 ? SW_C3 : 0) | (q & 1 ? SW_C1 : 0));
        }
        return op + 1;
    }
    case U_YL2X:
    case U_YL2XP1:
    case U_PATAN:
        r = u == U_YL2X ? f80_yl2x(b, a, &e) : u == U_YL2XP1 ? f80_yl2xp1(b, a, &e) : f80_atan2(b, a, &e);
        if (commit_reg(f, e.flags)) {
            st_write(f, 1, r);
            fpu_pop(f);
        }
        return op + 1;
    default:
        return op + 1;
    }
    if (commit_reg(f, e.flags))
        st_write(f, 0, r);
    return op + 1;
}

/* FNOP, and the 8087/287 leftovers FNENI, FNDISI, FNSETPM (no-ops since the
 * 387); sub 0: FNOP (waiting), 1: the no-wait no-ops */
static const struct op *fnop(struct cpu *cpu, const struct op *op)
{
    if (op->sub) {
        nowait_check(cpu, op);
        return op + 1;
    }
    if (must_wait(cpu, op))
        return exit_to(cpu, op->eip);
    note_insn(cpu, op);
    return op + 1;
}

/* ---- control instructions ------------------------------------------------------ */

/* FSTENV/FLDENV image (SDM Vol. 1 figures 8-9 to 8-12): 14 bytes with a
 * 16-bit operand size, 28 with 32; the real-mode layout (also in V86 mode)
 * holds 20-bit (or 32-bit) linear pointers */
static unsigned env_image(struct cpu *cpu, const struct op *op, uint8_t *b)
{
    struct fpu *f = &cpu->fpu;
    bool pm = (cpu->cr0 & CR0_PE) && !(cpu->eflags & F_VM);
    uint16_t sw = fpu_sw(f), tw = tag_word(f), fop = f->fop & 0x7FF;
    uint32_t ip = pm ? f->fip : ((uint32_t)f->fcs << 4) + f->fip;
    uint32_t dp = pm ? f->fdp : ((uint32_t)f->fds << 4) + f->fdp;
    if (op->size == 4) {
        st_le32(b + 0, 0xFFFF0000u | f->cw);
        st_le32(b + 4, 0xFFFF0000u | sw);
        st_le32(b + 8, 0xFFFF0000u | tw);
        if (pm) {
            st_le32(b + 12, ip);
            st_le32(b + 16, f->fcs | (uint32_t)fop << 16);
            st_le32(b + 20, dp);
            st_le32(b + 24, 0xFFFF0000u | f->fds);
        } else {
            st_le32(b + 12, 0xFFFF0000u | (ip & 0xFFFF));
            st_le32(b + 16, ((ip >> 16) << 12) | fop);
            st_le32(b + 20, 0xFFFF0000u | (dp & 0xFFFF));
            st_le32(b + 24, (dp >> 16) << 12);
        }
        return 28;
    }
    st_le16(b + 0, f->cw);
    st_le16(b + 2, sw);
    st_le16(b + 4, tw);
    if (pm) {
        st_le16(b + 6, (uint16_t)ip);
        st_le16(b + 8, f->fcs);
        st_le16(b + 10, (uint16_t)dp);
        st_le16(b + 12, f->fds);
    } else {
        st_le16(b + 6, (uint16_t)ip);
        st_le16(b + 8, (uint16_t)(((ip >> 16) << 12) | fop));
        st_le16(b + 10, (uint16_t)dp);
        st_le16(b + 12, (uint16_t)((dp >> 16) << 12));
    }
    return 14;
}

static void env_load(struct cpu *cpu, const struct op *op, const uint8_t *b)
{
    struct fpu *f = &cpu->fpu;
    bool pm = (cpu->cr0 & CR0_PE) && !(cpu->eflags & F_VM);
    uint16_t cw, sw, tw;
    if (op->size == 4) {
        cw = ld_le16(b);
        sw = ld_le16(b + 4);
        tw = ld_le16(b + 8);
        if (pm) {
            f->fip = ld_le32(b + 12);
            f->fcs = ld_le16(b + 16);
            f->fop = ld_le16(b + 18) & 0x7FF;
            f->fdp = ld_le32(b + 20);
            f->fds = ld_le16(b + 24);
        } else {
            f->fip = ld_le16(b + 12) | ((ld_le32(b + 16) >> 12 & 0xFFFF) << 16);
            f->fop = ld_le16(b + 16) & 0x7FF;
            f->fdp = ld_le16(b + 20) | ((ld_le32(b + 24) >> 12 & 0xFFFF) << 16);
            f->fcs = f->fds = 0;
        }
    } else {
        cw = ld_le16(b);
        sw = ld_le16(b + 2);
        tw = ld_le16(b + 4);
        if (pm) {
            f->fip = ld_le16(b + 6);
            f->fcs = ld_le16(b + 8);
            f->fop = 0;
            f->fdp = ld_le16(b + 10);
            f->fds = ld_le16(b + 12);
        } else {
            f->fip = ld_le16(b + 6) | (uint32_t)(ld_le16(b + 8) >> 12) << 16;
            f->fop = ld_le16(b + 8) & 0x7FF;
            f->fdp = ld_le16(b + 10) | (uint32_t)(ld_le16(b + 12) >> 12) << 16;
            f->fcs = f->fds = 0;
        }
    }
    f->sw = sw;
    f->top = (sw >> 11) & 7;
    f->valid = 0;
    for (unsigned i = 0; i < 8; i++)
        if (((tw >> (2 * i)) & 3) != 3)
            f->valid |= (uint8_t)(1u << i);
    cw_set(cpu, cw);
}

/* D9 /4 FLDENV, D9 /6 FNSTENV, DD /4 FRSTOR, DD /6 FNSAVE: sub 0..3 */
static const struct op *fenv(struct cpu *cpu, const struct op *op)
{
    struct fpu *f = &cpu->fpu;
    bool load = op->sub == 0 || op->sub == 2, full = op->sub >= 2;
    if (load) {
        if (must_wait(cpu, op))
            return exit_to(cpu, op->eip);
    } else {
        nowait_check(cpu, op);
    }
    uint32_t ea = op_ea(cpu, op);
    unsigned n = (op->size == 4 ? 28 : 14) + (full ? 80 : 0);
    uint32_t lin = fpu_lin(cpu, op, ea, n, !load);
    uint8_t b[108];
    if (load) {
        read_bytes(cpu, op, lin, b, n);
        env_load(cpu, op, b);
        if (full) {
            unsigned off = op->size == 4 ? 28 : 14;
            for (unsigned i = 0; i < 8; i++)
                f->st[phys(f, i)] = f80_load_bytes(b + off + 10 * i);
        }
        return op + 1;
    }
    unsigned off = env_image(cpu, op, b);
    if (full)
        for (unsigned i = 0; i < 8; i++)
            f80_store_bytes(*st(f, i), b + off + 10 * i);
    write_bytes(cpu, op, lin, b, n);
    if (full)
        fpu_init(cpu);
    else
        cw_set(cpu, f->cw | 0x3F); /* FNSTENV masks every exception */
    return op + 1;
}

/* FLDCW (sub 0), FNSTCW (1), FNSTSW m16 (2), FNSTSW AX (3), FNCLEX (4), FNINIT (5) */
static const struct op *fctl(struct cpu *cpu, const struct op *op)
{
    struct fpu *f = &cpu->fpu;
    if (op->sub == 0) {
        if (must_wait(cpu, op))
            return exit_to(cpu, op->eip);
    } else {
        nowait_check(cpu, op);
    }
    switch (op->sub) {
    case 0:
        cw_set(cpu, (uint16_t)mem_read(cpu, op, fpu_lin(cpu, op, op_ea(cpu, op), 2, false), 2));
        break;
    case 1:
        mem_write(cpu, op, fpu_lin(cpu, op, op_ea(cpu, op), 2, true), f->cw, 2);
        break;
    case 2:
        mem_write(cpu, op, fpu_lin(cpu, op, op_ea(cpu, op), 2, true), fpu_sw(f), 2);
        break;
    case 3:
        reg_set(cpu, R_EAX, 2, fpu_sw(f));
        break;
    case 4:
        f->sw &= (uint16_t) ~(0x00FF | SW_B);
        ferr_set(cpu, 0);
        break;
    default:
        fpu_init(cpu);
        break;
    }
    return op + 1;
}

/* FWAIT: #NM only when both TS and MP are set (SDM Vol. 3A 2.5, table 2-2) */
static const struct op *fwait(struct cpu *cpu, const struct op *op)
{
    if ((cpu->cr0 & (CR0_TS | CR0_MP)) == (CR0_TS | CR0_MP))
        cpu_fault(cpu, op, EXC_NM, 0, 0);
    if (unlikely(cpu->fpu.sw & SW_ES) && pending_slow(cpu, op))
        return exit_to(cpu, op->eip);
    return op + 1;
}

/* the size of an ESC instruction's memory operand (SDM Vol. 2 x87 pages) */
static unsigned esc_operand_size(unsigned esc, unsigned reg)
{
    static const uint8_t sz[8][8] = {
        {4, 4, 4, 4, 4, 4, 4, 4},     {4, 4, 4, 4, 14, 2, 14, 2}, {4, 4, 4, 4, 4, 4, 4, 4},
        {4, 4, 4, 4, 10, 10, 10, 10}, {8, 8, 8, 8, 8, 8, 8, 8},   {8, 8, 8, 8, 94, 94, 94, 2},
        {2, 2, 2, 2, 2, 2, 2, 2},     {2, 2, 2, 2, 10, 8, 10, 8},
    };
    return sz[esc & 7][reg & 7];
}

/* The 286 moves a coprocessor's memory operand itself, so it checks the
 * operand against the segment limit (interrupt 13 on an overrun, as the
 * SingleStepTests 286 captures show) even with no 287 to hand it to. */
static const struct op *esc_nop(struct cpu *cpu, const struct op *op)
{
    if (cpu->cr0 & (CR0_EM | CR0_TS))
        cpu_fault(cpu, op, EXC_NM, 0, 0);
    if (cpu->model == CPU_MODEL_286 && op->is_mem)
        fpu_lin(cpu, op, op_ea(cpu, op), esc_operand_size(op->opcode, op->reg), false);
    return op + 1;
}

op_fn sel_esc_nop(const struct op *op)
{
    (void)op;
    return esc_nop;
}

op_fn sel_fwait(const struct op *op)
{
    (void)op;
    return fwait;
}

/* FXSAVE/FXRSTOR (SDM Vol. 2 FXSAVE, table 3-53): the 32-bit layout; no
 * SSE state.  Neither checks for pending x87 exceptions. */
static const struct op *fxsave(struct cpu *cpu, const struct op *op)
{
    struct fpu *f = &cpu->fpu;
    if (cpu->cr0 & (CR0_EM | CR0_TS))
        cpu_fault(cpu, op, cpu->cr0 & CR0_EM ? EXC_UD : EXC_NM, 0, 0);
    uint32_t ea = op_ea(cpu, op);
    uint32_t lin = fpu_lin(cpu, op, ea, 512, op->sub == 0);
    if (lin & 15)
        cpu_fault(cpu, op, EXC_GP, 0, 1);
    uint8_t b[160];
    if (op->sub == 0) {
        read_bytes(cpu, op, lin, b, 160); /* keeps the reserved bytes as they are */
        st_le16(b + 0, f->cw);
        st_le16(b + 2, fpu_sw(f));
        b[4] = f->valid;
        b[5] = 0;
        st_le16(b + 6, f->fop & 0x7FF);
        st_le32(b + 8, f->fip);
        st_le16(b + 12, f->fcs);
        st_le16(b + 14, 0);
        st_le32(b + 16, f->fdp);
        st_le16(b + 20, f->fds);
        st_le16(b + 22, 0);
        for (unsigned i = 0; i < 8; i++) {
            f80_store_bytes(*st(f, i), b + 32 + 16 * i);
            for (unsigned k = 10; k < 16; k++)
                b[32 + 16 * i + k] = 0;
        }
        write_bytes(cpu, op, lin, b, 160);
        return op + 1;
    }
    read_bytes(cpu, op, lin, b, 160);
    f->sw = ld_le16(b + 2);
    f->top = (f->sw >> 11) & 7;
    f->valid = b[4];
    f->fop = ld_le16(b + 6) & 0x7FF;
    f->fip = ld_le32(b + 8);
    f->fcs = ld_le16(b + 12);
    f->fdp = ld_le32(b + 16);
    f->fds = ld_le16(b + 20);
    for (unsigned i = 0; i < 8; i++)
        st_write(f, i, f80_load_bytes(b + 32 + 16 * i));
    cw_set(cpu, ld_le16(b));
    return op + 1;
}

op_fn sel_fxsave(const struct op *op)
{
    (void)op;
    return fxsave;
}

/* ---- decoding ---------------------------------------------------------------- */

static op_fn fctl_op(struct op *op, unsigned sub)
{
    op->sub = (uint8_t)sub;
    return fctl;
}

op_fn x87_select(struct op *op, unsigned opcode, unsigned modrm, enum cpu_model model)
{
    unsigned esc = opcode & 7, r = (modrm >> 3) & 7, i = modrm & 7;
    bool p6 = model >= CPU_MODEL_PENTIUM2;
    op->imm2 = (esc << 8) | modrm; /* FOP: the ModRM byte whole, as FSTENV stores it */
    op->imm = 0;
    op->sub = 0;
    if (op->is_mem) {
        static const uint8_t arith_type[8] = {T_F32, 0, T_I32, 0, T_F64, 0, T_I16, 0};
        switch (esc) {
        case 0:
        case 2:
        case 4:
        case 6:
            op->sub = (uint8_t)r;
            op->imm = arith_type[esc];
            if (esc == 0 || esc == 4) {
                op_fn fast = x87_farith_m_op(r, esc == 4);
                if (fast)
                    return fast;
            }
            return farith_m;
        case 1:
            switch (r) {
            case 0:
                op->imm = T_F32;
                return x87_fld_m32;
            case 2:
            case 3:
                op->imm = T_F32;
                op->sub = r == 3;
                return x87_fst_m_op(false, r == 3);
            case 4:
                op->sub = 0;
                return fenv;
            case 5:
                return fctl_op(op, 0);
            case 6:
                op->sub = 1;
                return fenv;
            case 7:
                return fctl_op(op, 1);
            default:
                return NULL;
            }
        case 3:
            switch (r) {
            case 0:
                op->imm = T_I32;
                return fld_m;
            case 2:
            case 3:
                op->imm = T_I32;
                op->sub = r == 3;
                return x87_fst_m;
            case 5:
                op->imm = T_F80;
                return fld_m;
            case 7:
                op->imm = T_F80;
                op->sub = 1;
                return x87_fst_m;
            default:
                return NULL;
            }
        case 5:
            switch (r) {
            case 0:
                op->imm = T_F64;
                return x87_fld_m64;
            case 2:
            case 3:
                op->imm = T_F64;
                op->sub = r == 3;
                return x87_fst_m_op(true, r == 3);
            case 4:
                op->sub = 2;
                return fenv;
            case 6:
                op->sub = 3;
                return fenv;
            case 7:
                return fctl_op(op, 2);
            default:
                return NULL;
            }
        default:
            switch (r) {
            case 0:
                op->imm = T_I16;
                return fld_m;
            case 2:
            case 3:
                op->imm = T_I16;
                op->sub = r == 3;
                return x87_fst_m;
            case 4:
                op->imm = T_BCD;
                return fld_m;
            case 5:
                op->imm = T_I64;
                return fld_m;
            case 6:
                op->imm = T_BCD;
                op->sub = 1;
                return x87_fst_m;
            case 7:
                op->imm = T_I64;
                op->sub = 1;
                return x87_fst_m;
            default:
                return NULL;
            }
        }
    }
    static const uint8_t fcmov_cc[4] = {2, 4, 6, 10}; /* B E BE U */
    switch (esc) {
    case 0:
        if (r == K_COM || r == K_COMP) {
            op->sub = r == K_COMP;
            return fcom_r;
        }
        return x87_farith_r_op(op, r, FORM_ST0);
    case 1:
        switch (r) {
        case 0:
            return x87_fld_r;
        case 1:
            return x87_fxch;
        case 2:
            return i == 0 ? fnop : NULL;
        case 3:
            op->sub = 1; /* FSTP1: an alias of FSTP ST(i) */
            return x87_fst_r;
        case 4:
            if (i == 2 || i == 3 || i >= 6)
                return NULL;
            op->sub = (uint8_t)(modrm & 0x1F);
            return funary;
        case 5:
            if (i == 7)
                return NULL;
            op->sub = (uint8_t)i;
            return fconst;
        default:
            op->sub = (uint8_t)(modrm & 0x1F);
            return funary;
        }
    case 2:
        if (r < 4) {
            if (!p6)
                return NULL;
            op->sub = fcmov_cc[r];
            return fcmov;
        }
        if (modrm == 0xE9) {
            op->rm = 1;
            op->sub = 2;
            op->imm = 1;
            return fcom_r;
        }
        return NULL;
    case 3:
        if (r < 4) {
            if (!p6)
                return NULL;
            op->sub = fcmov_cc[r] + 1;
            return fcmov;
        }
        if (r == 4) {
            switch (i) {
            case 0:
            case 1:
            case 4:
                op->sub = 1;
                return fnop;
            case 2:
                return fctl_op(op, 4);
            case 3:
                return fctl_op(op, 5);
            default:
                return NULL;
            }
        }
        if ((r == 5 || r == 6) && p6) {
            op->sub = 0;
            op->imm = r == 5;
            return x87_fcomi_st0_sti;
        }
        return NULL;
    case 4:
        if (r == K_COM || r == K_COMP) {
            op->sub = r == K_COMP;
            return fcom_r;
        }
        return x87_farith_r_op(op, r >= 4 ? r ^ 1 : r,
                               FORM_STI); /* DC E0+i is FSUBR ST(i), ST0 (SDM FSUBR) */
    case 5:
        switch (r) {
        case 0:
            return ffree;
        case 1:
            return x87_fxch;
        case 2:
        case 3:
            op->sub = r == 3;
            return x87_fst_r;
        case 4:
        case 5:
            op->sub = r == 5;
            op->imm = 1;
            return fcom_r;
        default:
            return NULL;
        }
    case 6:
        if (r == K_COM) {
            op->sub = 1;
            return fcom_r;
        }
        if (r == K_COMP) {
            if (i != 1)
                return NULL;
            op->sub = 2;
            return fcom_r;
        }
        return x87_farith_r_op(op, r >= 4 ? r ^ 1 : r, FORM_STI_POP);
    default:
        switch (r) {
        case 0:
            op->sub = 1;
            return ffree;
        case 1:
            return x87_fxch;
        case 2:
        case 3:
            op->sub = 1;
            return x87_fst_r;
        case 4:
            return i == 0 ? fctl_op(op, 3) : NULL;
        case 5:
        case 6:
            if (!p6)
                return NULL;
            op->sub = 1;
            op->imm = r == 5;
            return x87_fcomip_st0_sti;
        default:
            return NULL;
        }
    }
}
