/* x87_internal.h - what the two halves of the x87 instruction layer share:
 * x87.c (every instruction, the general paths) and x87_fast.c (the common
 * cases inline, and the pairs of instructions that run as one).  Stack,
 * status word and exception helpers; see x87.c for the rules they follow. */
#ifndef DYNAPC_CPU_X87_INTERNAL_H
#define DYNAPC_CPU_X87_INTERNAL_H

#include "cpu/x87.h"

#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#define NOINLINE      __attribute__((noinline))
#else
#define ALWAYS_INLINE inline
#define NOINLINE
#endif

#define CW_IM    0x0001
#define J_BIT    0x8000000000000000ull
#define FINIT_CW 0x037F

enum { K_ADD = 0, K_MUL = 1, K_COM = 2, K_COMP = 3, K_SUB = 4, K_SUBR = 5, K_DIV = 6, K_DIVR = 7 };
/* memory operand types (op->imm) */
enum { T_F32, T_F64, T_I32, T_I16, T_I64, T_F80, T_BCD };

/* ---- state helpers -------------------------------------------------------- */

static inline unsigned phys(const struct fpu *f, unsigned i)
{
    return (f->top + i) & 7;
}
static inline bool st_empty(const struct fpu *f, unsigned i)
{
    return !((f->valid >> phys(f, i)) & 1);
}
static inline f80 *st(struct fpu *f, unsigned i)
{
    return &f->st[phys(f, i)];
}
/* a register write as two stores of the sizes the next read loads (a
 * merged 16-byte store would not forward to them as cheaply) */
static inline void f80_put(f80 *dst, f80 v)
{
    dst->mant = v.mant;
    dst->se = v.se;
}
_Static_assert(sizeof(f80) == 16, "f80 is two 64-bit words");

static inline void st_write(struct fpu *f, unsigned i, f80 v)
{
    f80_put(&f->st[phys(f, i)], v);
}

static inline void st_set(struct fpu *f, unsigned i, f80 v)
{
    unsigned p = phys(f, i);
    f80_put(&f->st[p], v);
    f->valid |= (uint8_t)(1u << p);
}
static inline void fpu_pop(struct fpu *f)
{
    f->valid &= (uint8_t) ~(1u << f->top);
    f->top = (f->top + 1) & 7;
}
static inline void fpu_push(struct fpu *f, f80 v)
{
    f->top = (f->top - 1) & 7;
    f80_put(&f->st[f->top], v);
    f->valid |= (uint8_t)(1u << f->top);
}
/* the valid bits in stack order: bit i says ST(i) is in use */
static inline unsigned st_valid_bits(const struct fpu *f)
{
    unsigned v = f->valid, t = f->top;
    return ((v >> t) | (v << (8 - t))) & 0xFF;
}
/* the register a push would fill is in use: stack overflow */
static inline bool push_full(const struct fpu *f)
{
    return (f->valid >> ((f->top - 1) & 7)) & 1;
}

/* ---- entry checks and exception responses ------------------------------------ */

/* CR0.EM/TS (#NM) and a pending exception (#MF or FERR#): true when the
 * instruction must wait (x87.c) */
bool x87_wait_check_slow(struct cpu *cpu, const struct op *op);

static inline bool must_wait(struct cpu *cpu, const struct op *op)
{
    if (likely(!((cpu->cr0 & (CR0_EM | CR0_TS)) | (cpu->fpu.sw & SW_ES))))
        return false;
    return x87_wait_check_slow(cpu, op);
}

/* the last non-control instruction (FIP, FCS, FOP; op->imm2 holds FOP) */
static inline void note_insn(struct cpu *cpu, const struct op *op)
{
    cpu->fpu.fip = op->eip;
    cpu->fpu.fcs = cpu->seg[SEG_CS].sel;
    cpu->fpu.fop = (uint16_t)op->imm2;
}
static inline void note_data(struct cpu *cpu, const struct op *op, uint32_t ea)
{
    cpu->fpu.fdp = ea;
    cpu->fpu.fds = cpu->seg[op->seg].sel;
}

/* folds one instruction's exception flags (F80_*) into SW and sets C1 from
 * F80_C1; returns false when one of the unmasked exceptions in forbid
 * forbids the store */
static inline bool commit_flags(struct fpu *f, uint16_t fl, uint16_t forbid)
{
    f->sw = (uint16_t)((f->sw & ~SW_C1) | (fl & (F80_EXC | F80_C1)));
    uint16_t unm = fl & f->env.unmasked;
    if (likely(!unm))
        return true;
    f->sw |= SW_ES | SW_B;
    return !(unm & forbid);
}

/* to a register: an unmasked IE, DE or ZE forbids the store (an unmasked
 * OE/UE still stores the wrapped result, f80.h) */
static inline bool commit_reg(struct fpu *f, uint16_t fl)
{
    return commit_flags(f, fl, F80_IE | F80_DE | F80_ZE);
}

/* to memory: unmasked OE/UE store nothing either */
static inline bool commit_mem(struct fpu *f, uint16_t fl)
{
    return commit_flags(f, fl, F80_IE | F80_DE | F80_ZE | F80_OE | F80_UE);
}

/* stack underflow (an empty operand): IE, SF, C1 = 0; true when masked
 * (the destination gets the indefinite) */
static inline bool stack_underflow(struct fpu *f)
{
    f->sw = (uint16_t)((f->sw & ~SW_C1) | SW_IE | SW_SF);
    if (f->cw & CW_IM)
        return true;
    f->sw |= SW_ES | SW_B;
    return false;
}

/* stack overflow (a push onto a full register): IE, SF, C1 = 1 */
static inline bool stack_overflow(struct fpu *f)
{
    f->sw |= SW_IE | SW_SF | SW_C1;
    if (f->cw & CW_IM)
        return true;
    f->sw |= SW_ES | SW_B;
    return false;
}

static inline uint32_t fpu_lin(struct cpu *cpu, const struct op *op, uint32_t ea, unsigned size, bool write)
{
    return seg_lin_wide(cpu, op, ea, size, write);
}

static inline uint64_t read64(struct cpu *cpu, const struct op *op, uint32_t lin)
{
    struct tlb_entry *e = tlb_entry_for(cpu, lin);
    if (likely(e->tag_r == (lin & ~0xFF8u))) {
        const uint8_t *p = (const uint8_t *)(e->addend + lin);
        return (uint64_t)ld_le32(p) | (uint64_t)ld_le32(p + 4) << 32;
    }
    return mem_read_slow(cpu, op, lin, 8);
}

static inline void write64(struct cpu *cpu, const struct op *op, uint32_t lin, uint64_t v)
{
    struct tlb_entry *e = tlb_entry_for(cpu, lin);
    if (likely(e->tag_w == (lin & ~0xFF8u))) {
        uint8_t *p = (uint8_t *)(e->addend + lin);
        st_le32(p, (uint32_t)v);
        st_le32(p + 4, (uint32_t)(v >> 32));
        return;
    }
    mem_write_slow(cpu, op, lin, v, 8);
}

/* nothing to wait for or fault on: no CR0.EM/TS, no pending exception */
static inline bool x87_ready(const struct cpu *cpu)
{
    return !((cpu->cr0 & (CR0_EM | CR0_TS)) | (cpu->fpu.sw & SW_ES));
}

/* the fast path's result: PE and C1 at most, stored whatever the masks */
static inline void commit_fast(struct fpu *f, uint16_t fl)
{
    f->sw = (uint16_t)((f->sw & ~SW_C1) | fl);
    if (unlikely(fl & f->env.unmasked))
        f->sw |= SW_ES | SW_B;
}

/* ---- between x87.c and x87_fast.c --------------------------------------------- */

/* register-form arithmetic: op->imm is the form */
enum { FORM_ST0 = 0, FORM_STI = 1, FORM_STI_POP = 3 };

/* the general handlers (x87.c) the fast ones fall back to */
const struct op *x87_farith_m_loaded(struct cpu *cpu, const struct op *op, uint32_t ea, f80 b,
                                     uint16_t load_flags);
const struct op *x87_farith_r(struct cpu *cpu, const struct op *op);
const struct op *x87_fcomi(struct cpu *cpu, const struct op *op);
const struct op *x87_fld_r(struct cpu *cpu, const struct op *op);
const struct op *x87_fst_m(struct cpu *cpu, const struct op *op);
const struct op *x87_fst_r(struct cpu *cpu, const struct op *op);
const struct op *x87_fxch(struct cpu *cpu, const struct op *op);

/* the fast handlers (x87_fast.c) x87_select() picks */
op_fn x87_farith_r_op(struct op *op, unsigned kind, unsigned form); /* kind after the DC/DE FSUB/FSUBR swap */
const struct op *x87_fcomi_st0_sti(struct cpu *cpu, const struct op *op);
const struct op *x87_fcomip_st0_sti(struct cpu *cpu, const struct op *op);
op_fn x87_farith_m_op(unsigned kind, bool dbl); /* FADD/FMUL/FSUB/FSUBR m32/m64, else NULL */
op_fn x87_fst_m_op(bool dbl, bool pop);         /* FST/FSTP m32/m64 */
const struct op *x87_fld_m32(struct cpu *cpu, const struct op *op);
const struct op *x87_fld_m64(struct cpu *cpu, const struct op *op);

#endif
