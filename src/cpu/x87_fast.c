/* x87_fast.c - the common cases of the x87 instruction layer, inline.
 *
 * Ordinary x87 code runs with every exception masked, round to nearest and
 * 64-bit precision (FNINIT's control word), on normal numbers, with no
 * stack faults.  The handlers here check exactly that with a few loads and
 * do the work with f80_fast.h's inline arithmetic; anything else goes to
 * x87.c's general handler for the instruction, which does the same thing
 * the long way (and is the one the x87 oracle and golden vectors pin down
 * first).  x87_fuse() pairs instructions that compilers emit together. */
#include "cpu/x87_internal.h"

#include "cpu/f80_fast.h"

/* FADD/FMUL/FSUB/FSUBR of kind on two loaded operands */
static ALWAYS_INLINE bool fast_arith(unsigned kind, f80 a, f80 b, f80 *r, uint16_t *fl)
{
    if (kind == K_MUL)
        return f80_fast_mul(a, b, r, fl);
    bool reverse = kind == K_SUBR;
    return f80_fast_add(reverse ? b : a, reverse ? a : b, kind != K_ADD, r, fl);
}

/* ---- register-form arithmetic ------------------------------------------------
 * One handler per operation and form: kind and form are constants in each,
 * so the fast path is inlined with no switch. */

static ALWAYS_INLINE const struct op *farith_r_form(struct cpu *cpu, const struct op *op, unsigned kind,
                                                    unsigned form)
{
    struct fpu *f = &cpu->fpu;
    unsigned p0 = f->top, pi = (p0 + op->rm) & 7;
    unsigned pd = (form & 1) ? pi : p0, ps = (form & 1) ? p0 : pi;
    unsigned need = 1u | 1u << op->rm;
    if (likely(x87_ready(cpu) && (st_valid_bits(f) & need) == need && f80_fast_env(&f->env))) {
        f80 r;
        uint16_t fl;
        if (likely(fast_arith(kind, f->st[pd], f->st[ps], &r, &fl))) {
            note_insn(cpu, op);
            commit_fast(f, fl);
            f80_put(&f->st[pd], r);
            if (form & 2)
                fpu_pop(f);
            return op + 1;
        }
    }
    return x87_farith_r(cpu, op);
}

static const struct op *fadd_st0_sti(struct cpu *cpu, const struct op *op)
{
    return farith_r_form(cpu, op, K_ADD, FORM_ST0);
}
static const struct op *fadd_sti_st0(struct cpu *cpu, const struct op *op)
{
    return farith_r_form(cpu, op, K_ADD, FORM_STI);
}
static const struct op *faddp_sti_st0(struct cpu *cpu, const struct op *op)
{
    return farith_r_form(cpu, op, K_ADD, FORM_STI_POP);
}
static const struct op *fmul_st0_sti(struct cpu *cpu, const struct op *op)
{
    return farith_r_form(cpu, op, K_MUL, FORM_ST0);
}
static const struct op *fmul_sti_st0(struct cpu *cpu, const struct op *op)
{
    return farith_r_form(cpu, op, K_MUL, FORM_STI);
}
static const struct op *fmulp_sti_st0(struct cpu *cpu, const struct op *op)
{
    return farith_r_form(cpu, op, K_MUL, FORM_STI_POP);
}
static const struct op *fsub_st0_sti(struct cpu *cpu, const struct op *op)
{
    return farith_r_form(cpu, op, K_SUB, FORM_ST0);
}
static const struct op *fsub_sti_st0(struct cpu *cpu, const struct op *op)
{
    return farith_r_form(cpu, op, K_SUB, FORM_STI);
}
static const struct op *fsubp_sti_st0(struct cpu *cpu, const struct op *op)
{
    return farith_r_form(cpu, op, K_SUB, FORM_STI_POP);
}
static const struct op *fsubr_st0_sti(struct cpu *cpu, const struct op *op)
{
    return farith_r_form(cpu, op, K_SUBR, FORM_ST0);
}
static const struct op *fsubr_sti_st0(struct cpu *cpu, const struct op *op)
{
    return farith_r_form(cpu, op, K_SUBR, FORM_STI);
}
static const struct op *fsubrp_sti_st0(struct cpu *cpu, const struct op *op)
{
    return farith_r_form(cpu, op, K_SUBR, FORM_STI_POP);
}

op_fn x87_farith_r_op(struct op *op, unsigned kind, unsigned form)
{
    static const op_fn by_kind_form[8][4] = {
        [K_ADD] = {fadd_st0_sti, fadd_sti_st0, NULL, faddp_sti_st0},
        [K_MUL] = {fmul_st0_sti, fmul_sti_st0, NULL, fmulp_sti_st0},
        [K_SUB] = {fsub_st0_sti, fsub_sti_st0, NULL, fsubp_sti_st0},
        [K_SUBR] = {fsubr_st0_sti, fsubr_sti_st0, NULL, fsubrp_sti_st0},
    };
    op->sub = (uint8_t)kind;
    op->imm = form;
    op_fn fn = by_kind_form[kind][form];
    return fn ? fn : x87_farith_r;
}

/* the common case of FCOMI & co.: normal operands or zeros, which raise
 * nothing, quiet or not.  The form says how many registers are popped:
 * FCOMIP one, and the pair FCOMIP ST(i); FSTP ST(0) (see x87_fuse) two,
 * with the FSTP's FIP and FOP. */
enum { FCOMI = 0, FCOMIP = 1, FCOMIP_FSTP = 2 };
static ALWAYS_INLINE const struct op *fcomi_form(struct cpu *cpu, const struct op *op, unsigned form)
{
    static const uint16_t rel_flags[3] = {F_CF, F_ZF, 0};
    struct fpu *f = &cpu->fpu;
    unsigned p0 = f->top, pi = (p0 + op->rm) & 7;
    const struct op *last = form == FCOMIP_FSTP ? op + 1 : op;
    enum f80_relation r;
    unsigned need = 1u | 1u << op->rm | (form == FCOMIP_FSTP ? 2u : 0u);
    if (likely(x87_ready(cpu) && (st_valid_bits(f) & need) == need &&
               f80_fast_compare(f->st[p0], f->st[pi], &r))) {
        note_insn(cpu, last);
        f->sw &= (uint16_t)~SW_C1;
        cpu->lf_flags = rel_flags[r];
        cpu->lf_kind = LF_NONE;
        for (unsigned k = 0; k < form; k++)
            fpu_pop(f);
        return last + 1;
    }
    return x87_fcomi(cpu, op);
}
const struct op *x87_fcomi_st0_sti(struct cpu *cpu, const struct op *op)
{
    return fcomi_form(cpu, op, FCOMI);
}
const struct op *x87_fcomip_st0_sti(struct cpu *cpu, const struct op *op)
{
    return fcomi_form(cpu, op, FCOMIP);
}

/* FADD/FMUL/FSUB/FSUBR m32/m64: the operand converts inline when it is a
 * normal number, and the general path continues from the loaded value
 * otherwise (the memory is read once) */
static ALWAYS_INLINE const struct op *farith_m_ieee(struct cpu *cpu, const struct op *op, unsigned kind,
                                                    bool dbl)
{
    if (must_wait(cpu, op))
        return exit_to(cpu, op->eip);
    struct fpu *f = &cpu->fpu;
    uint32_t ea = op_ea(cpu, op);
    uint32_t lin = fpu_lin(cpu, op, ea, dbl ? 8 : 4, false);
    uint64_t bits = dbl ? read64(cpu, op, lin) : mem_read(cpu, op, lin, 4);
    f80 b;
    if (likely(dbl ? f80_fast_from_f64(bits, &b) : f80_fast_from_f32((uint32_t)bits, &b))) {
        unsigned p0 = f->top;
        f80 r;
        uint16_t fl;
        if (likely(((f->valid >> p0) & 1) && f80_fast_env(&f->env) &&
                   fast_arith(kind, f->st[p0], b, &r, &fl))) {
            note_insn(cpu, op);
            note_data(cpu, op, ea);
            commit_fast(f, fl);
            f80_put(&f->st[p0], r);
            return op + 1;
        }
        return x87_farith_m_loaded(cpu, op, ea, b, 0);
    }
    struct f80_env ce = f->env;
    ce.unmasked &= (uint8_t)~F80_DE;
    b = dbl ? f80_from_f64(bits, &ce) : f80_from_f32((uint32_t)bits, &ce);
    return x87_farith_m_loaded(cpu, op, ea, b, ce.flags);
}
static const struct op *fadd_m32(struct cpu *cpu, const struct op *op)
{
    return farith_m_ieee(cpu, op, K_ADD, false);
}
static const struct op *fmul_m32(struct cpu *cpu, const struct op *op)
{
    return farith_m_ieee(cpu, op, K_MUL, false);
}
static const struct op *fsub_m32(struct cpu *cpu, const struct op *op)
{
    return farith_m_ieee(cpu, op, K_SUB, false);
}
static const struct op *fsubr_m32(struct cpu *cpu, const struct op *op)
{
    return farith_m_ieee(cpu, op, K_SUBR, false);
}
static const struct op *fadd_m64(struct cpu *cpu, const struct op *op)
{
    return farith_m_ieee(cpu, op, K_ADD, true);
}
static const struct op *fmul_m64(struct cpu *cpu, const struct op *op)
{
    return farith_m_ieee(cpu, op, K_MUL, true);
}
static const struct op *fsub_m64(struct cpu *cpu, const struct op *op)
{
    return farith_m_ieee(cpu, op, K_SUB, true);
}
static const struct op *fsubr_m64(struct cpu *cpu, const struct op *op)
{
    return farith_m_ieee(cpu, op, K_SUBR, true);
}

op_fn x87_farith_m_op(unsigned kind, bool dbl)
{
    static const op_fn m32[8] = {
        [K_ADD] = fadd_m32, [K_MUL] = fmul_m32, [K_SUB] = fsub_m32, [K_SUBR] = fsubr_m32};
    static const op_fn m64[8] = {
        [K_ADD] = fadd_m64, [K_MUL] = fmul_m64, [K_SUB] = fsub_m64, [K_SUBR] = fsubr_m64};
    return (dbl ? m64 : m32)[kind & 7];
}

/* FST/FSTP m32/m64 of a normal number that stays normal in the format */
static ALWAYS_INLINE const struct op *fst_m_ieee(struct cpu *cpu, const struct op *op, bool dbl, bool pop)
{
    struct fpu *f = &cpu->fpu;
    unsigned p0 = f->top;
    uint64_t bits;
    uint16_t fl;
    if (likely(x87_ready(cpu) && ((f->valid >> p0) & 1) && f->env.rc == F80_RC_NEAREST &&
               f80_fast_to_ieee(f->st[p0], dbl, &bits, &fl))) {
        uint32_t ea = op_ea(cpu, op);
        uint32_t lin = fpu_lin(cpu, op, ea, dbl ? 8 : 4, true);
        if (dbl)
            write64(cpu, op, lin, bits);
        else
            mem_write(cpu, op, lin, (uint32_t)bits, 4);
        commit_fast(f, fl);
        if (pop)
            fpu_pop(f);
        note_insn(cpu, op);
        note_data(cpu, op, ea);
        return op + 1;
    }
    return x87_fst_m(cpu, op);
}
static const struct op *fst_m32(struct cpu *cpu, const struct op *op)
{
    return fst_m_ieee(cpu, op, false, false);
}
static const struct op *fstp_m32(struct cpu *cpu, const struct op *op)
{
    return fst_m_ieee(cpu, op, false, true);
}
static const struct op *fst_m64(struct cpu *cpu, const struct op *op)
{
    return fst_m_ieee(cpu, op, true, false);
}
static const struct op *fstp_m64(struct cpu *cpu, const struct op *op)
{
    return fst_m_ieee(cpu, op, true, true);
}

op_fn x87_fst_m_op(bool dbl, bool pop)
{
    return dbl ? (pop ? fstp_m64 : fst_m64) : (pop ? fstp_m32 : fst_m32);
}

/* FLD m32/m64: a normal number converts inline */
static ALWAYS_INLINE const struct op *fld_m_ieee(struct cpu *cpu, const struct op *op, bool dbl)
{
    if (must_wait(cpu, op))
        return exit_to(cpu, op->eip);
    struct fpu *f = &cpu->fpu;
    uint32_t ea = op_ea(cpu, op);
    uint32_t lin = fpu_lin(cpu, op, ea, dbl ? 8 : 4, false);
    uint64_t bits = dbl ? read64(cpu, op, lin) : mem_read(cpu, op, lin, 4);
    f80 v;
    note_insn(cpu, op);
    note_data(cpu, op, ea);
    if (likely(!push_full(f) &&
               (dbl ? f80_fast_from_f64(bits, &v) : f80_fast_from_f32((uint32_t)bits, &v)))) {
        f->sw &= (uint16_t)~SW_C1;
        fpu_push(f, v);
        return op + 1;
    }
    /* converted with DE masked: an unmasked DE still loads */
    struct f80_env ce = f->env;
    ce.unmasked &= (uint8_t)~F80_DE;
    v = dbl ? f80_from_f64(bits, &ce) : f80_from_f32((uint32_t)bits, &ce);
    uint16_t fl = ce.flags;
    if (unlikely(push_full(f))) {
        if (stack_overflow(f))
            fpu_push(f, f80_indefinite());
        return op + 1;
    }
    commit_reg(f, fl);
    if (!(fl & f->env.unmasked & F80_IE))
        fpu_push(f, v);
    return op + 1;
}
const struct op *x87_fld_m32(struct cpu *cpu, const struct op *op)
{
    return fld_m_ieee(cpu, op, false);
}
const struct op *x87_fld_m64(struct cpu *cpu, const struct op *op)
{
    return fld_m_ieee(cpu, op, true);
}

/* ---- pairs ------------------------------------------------------------------
 *
 * x87 code keeps its operands on the stack by copying them first: compilers
 * emit FLD ST(i) or FXCH ST(i) before an arithmetic instruction on ST0, and
 * FSTP ST(0) after FCOMIP to drop the other operand.  x87_fuse() gives the
 * first instruction of such a pair a handler that runs both when both take
 * their fast paths (returning op + 2), and otherwise runs the first one
 * alone, as its own handler would, and returns op + 1 so that the second
 * runs as usual.  The state after the pair is the same either way; FIP and
 * FOP are the second instruction's. */

/* FLD ST(i); FOP ST0, ST(j): one handler for the four operations (the
 * kind is the second op's, a test in the arithmetic) */
static const struct op *fld_farith(struct cpu *cpu, const struct op *op)
{
    struct fpu *f = &cpu->fpu;
    const struct op *next = op + 1;
    unsigned src = (f->top + op->rm) & 7, dst = (f->top - 1) & 7, pj = (dst + next->rm) & 7;
    /* ST(i) and the operand ST(j) (the old ST(j-1)) in use, ST7 free for
     * the push (FLD ST(7) always faults: need then has bit 7 and fails) */
    unsigned need = 1u << op->rm | ((1u << next->rm) >> 1);
    if (likely(x87_ready(cpu) && (st_valid_bits(f) & 0x80) == 0 && (st_valid_bits(f) & need) == need &&
               f80_fast_env(&f->env))) {
        f80 a = f->st[src], r;
        uint16_t fl;
        if (likely(fast_arith(next->sub, a, next->rm ? f->st[pj] : a, &r, &fl))) {
            note_insn(cpu, next);
            commit_fast(f, fl);
            fpu_push(f, r);
            return op + 2;
        }
    }
    return x87_fld_r(cpu, op);
}

/* FXCH ST(i); FOP ST0, ST(j) */
static const struct op *fxch_farith(struct cpu *cpu, const struct op *op)
{
    struct fpu *f = &cpu->fpu;
    const struct op *next = op + 1;
    unsigned p0 = f->top, pi = (p0 + op->rm) & 7, pj = (p0 + next->rm) & 7;
    unsigned need = 1u | 1u << op->rm | 1u << next->rm;
    if (likely(x87_ready(cpu) && (st_valid_bits(f) & need) == need && f80_fast_env(&f->env))) {
        /* after the exchange ST0 holds the old ST(i) and ST(i) the old ST0 */
        f80 old0 = f->st[p0], a = f->st[pi], r;
        f80 b = pj == p0 ? a : pj == pi ? old0 : f->st[pj];
        uint16_t fl;
        if (likely(fast_arith(next->sub, a, b, &r, &fl))) {
            note_insn(cpu, next);
            commit_fast(f, fl);
            f80_put(&f->st[pi], old0);
            f80_put(&f->st[p0], r);
            return op + 2;
        }
    }
    return x87_fxch(cpu, op);
}

/* FCOMIP/FUCOMIP ST(i); FSTP ST(0) */
static const struct op *fcomip_fpop(struct cpu *cpu, const struct op *op)
{
    return fcomi_form(cpu, op, FCOMIP_FSTP);
}

void x87_fuse(struct op *ops, unsigned n)
{
    for (unsigned k = 0; k + 1 < n; k++) {
        struct op *a = &ops[k];
        const struct op *b = &ops[k + 1];
        if (a->fn == x87_fcomip_st0_sti && b->fn == x87_fst_r && b->rm == 0 && b->sub == 1) {
            a->fn = fcomip_fpop;
            continue;
        }
        /* FADD/FMUL/FSUB/FSUBR ST0, ST(i) (op->sub is the kind) */
        if (b->fn != fadd_st0_sti && b->fn != fmul_st0_sti && b->fn != fsub_st0_sti && b->fn != fsubr_st0_sti)
            continue;
        if (a->fn == x87_fld_r)
            a->fn = fld_farith;
        else if (a->fn == x87_fxch)
            a->fn = fxch_farith;
    }
}
