/* ops_alu.c - integer arithmetic and logic: ADD..CMP, TEST, INC/DEC, NOT,
 * NEG, MUL/IMUL/DIV/IDIV, shifts and rotates, SHLD/SHRD, BT*, BSF/BSR,
 * SETcc, CMOVcc, XADD, CMPXCHG(8B), BCD adjust, CBW/CWD, flag ops, BSWAP. */
#include "cpu/ops.h"

enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

/* ---- 32-bit fast forms of the common ALU ops ------------------------------ *
 * ADD_r32_r32 etc.: the destination register is op->reg, the source
 * register op->rm (see decode.c). */
#define ALU32_FAMILY(NAME, KIND, EXPR, WRITES)                                                               \
    static const struct op *NAME##_RR32(struct cpu *cpu, const struct op *op)                                \
    {                                                                                                        \
        uint32_t a = cpu->r[op->reg], b = cpu->r[op->rm], r = EXPR;                                          \
        lf_set(cpu, KIND, 4, r, a, b);                                                                       \
        if (WRITES)                                                                                          \
            cpu->r[op->reg] = r;                                                                             \
        return op + 1;                                                                                       \
    }                                                                                                        \
    static const struct op *NAME##_RI32(struct cpu *cpu, const struct op *op)                                \
    {                                                                                                        \
        uint32_t a = cpu->r[op->reg], b = op->imm, r = EXPR;                                                 \
        lf_set(cpu, KIND, 4, r, a, b);                                                                       \
        if (WRITES)                                                                                          \
            cpu->r[op->reg] = r;                                                                             \
        return op + 1;                                                                                       \
    }                                                                                                        \
    static const struct op *NAME##_RM32(struct cpu *cpu, const struct op *op)                                \
    {                                                                                                        \
        uint32_t a = cpu->r[op->reg], b = mem_read(cpu, op, op_lin(cpu, op, 4), 4), r = EXPR;                \
        lf_set(cpu, KIND, 4, r, a, b);                                                                       \
        if (WRITES)                                                                                          \
            cpu->r[op->reg] = r;                                                                             \
        return op + 1;                                                                                       \
    }                                                                                                        \
    static const struct op *NAME##_MR32(struct cpu *cpu, const struct op *op)                                \
    {                                                                                                        \
        uint32_t lin = (WRITES) ? op_lin_w(cpu, op, 4) : op_lin(cpu, op, 4);                                 \
        uint32_t a = mem_read(cpu, op, lin, 4), b = cpu->r[op->reg], r = EXPR;                               \
        if (WRITES)                                                                                          \
            mem_write(cpu, op, lin, r, 4);                                                                   \
        lf_set(cpu, KIND, 4, r, a, b);                                                                       \
        return op + 1;                                                                                       \
    }                                                                                                        \
    static const struct op *NAME##_MI32(struct cpu *cpu, const struct op *op)                                \
    {                                                                                                        \
        uint32_t lin = (WRITES) ? op_lin_w(cpu, op, 4) : op_lin(cpu, op, 4);                                 \
        uint32_t a = mem_read(cpu, op, lin, 4), b = op->imm, r = EXPR;                                       \
        if (WRITES)                                                                                          \
            mem_write(cpu, op, lin, r, 4);                                                                   \
        lf_set(cpu, KIND, 4, r, a, b);                                                                       \
        return op + 1;                                                                                       \
    }

ALU32_FAMILY(ADD, LF_ADD, a + b, 1)
ALU32_FAMILY(OR, LF_LOGIC, a | b, 1)
ALU32_FAMILY(AND, LF_LOGIC, a &b, 1)
ALU32_FAMILY(SUB, LF_SUB, a - b, 1)
ALU32_FAMILY(XOR, LF_LOGIC, a ^ b, 1)
ALU32_FAMILY(CMP, LF_SUB, a - b, 0)

/* ---- general forms (any size, any ALU op) ----------------------------------- */
static const struct op *alu_RR(struct cpu *cpu, const struct op *op)
{
    uint32_t r =
        alu_op(cpu, op->sub, op->size, reg_get(cpu, op->reg, op->size), reg_get(cpu, op->rm, op->size));
    if (op->sub != ALU_CMP)
        reg_set(cpu, op->reg, op->size, r);
    return op + 1;
}

static const struct op *alu_RI(struct cpu *cpu, const struct op *op)
{
    uint32_t r = alu_op(cpu, op->sub, op->size, reg_get(cpu, op->reg, op->size), op->imm);
    if (op->sub != ALU_CMP)
        reg_set(cpu, op->reg, op->size, r);
    return op + 1;
}

static const struct op *alu_RM(struct cpu *cpu, const struct op *op)
{
    uint32_t b = mem_read(cpu, op, op_lin(cpu, op, op->size), op->size);
    uint32_t r = alu_op(cpu, op->sub, op->size, reg_get(cpu, op->reg, op->size), b);
    if (op->sub != ALU_CMP)
        reg_set(cpu, op->reg, op->size, r);
    return op + 1;
}

/* E op= src with E in memory: the store may fault, so the flags are
 * committed only after it (a restarted instruction sees the old flags) */
static const struct op *alu_mem(struct cpu *cpu, const struct op *op, uint32_t b)
{
    uint32_t lin = op->sub == ALU_CMP ? op_lin(cpu, op, op->size) : op_lin_w(cpu, op, op->size);
    uint32_t a = mem_read(cpu, op, lin, op->size);
    if (op->sub == ALU_CMP) {
        alu_op(cpu, ALU_CMP, op->size, a, b);
        return op + 1;
    }
    struct lf_state before = lf_save(cpu);
    uint32_t r = alu_op(cpu, op->sub, op->size, a, b);
    struct lf_state after = lf_save(cpu);
    lf_restore(cpu, &before);
    mem_write(cpu, op, lin, r, op->size);
    lf_restore(cpu, &after);
    return op + 1;
}

static const struct op *alu_MR(struct cpu *cpu, const struct op *op)
{
    return alu_mem(cpu, op, reg_get(cpu, op->reg, op->size));
}

static const struct op *alu_MI(struct cpu *cpu, const struct op *op)
{
    return alu_mem(cpu, op, op->imm);
}

static const struct op *CMP_MI8(struct cpu *cpu, const struct op *op)
{
    uint32_t a = mem_read(cpu, op, op_lin(cpu, op, 1), 1);
    lf_set(cpu, LF_SUB, 1, (a - op->imm) & 0xFF, a, op->imm & 0xFF);
    return op + 1;
}

static const struct op *CMP_RI8(struct cpu *cpu, const struct op *op)
{
    uint32_t a = reg_get(cpu, op->reg, 1);
    lf_set(cpu, LF_SUB, 1, (a - op->imm) & 0xFF, a, op->imm & 0xFF);
    return op + 1;
}

#define PICK32(sub, FORM)                                                                                    \
    switch (sub) {                                                                                           \
    case ALU_ADD:                                                                                            \
        return ADD_##FORM##32;                                                                               \
    case ALU_OR:                                                                                             \
        return OR_##FORM##32;                                                                                \
    case ALU_AND:                                                                                            \
        return AND_##FORM##32;                                                                               \
    case ALU_SUB:                                                                                            \
        return SUB_##FORM##32;                                                                               \
    case ALU_XOR:                                                                                            \
        return XOR_##FORM##32;                                                                               \
    case ALU_CMP:                                                                                            \
        return CMP_##FORM##32;                                                                               \
    default:                                                                                                 \
        break;                                                                                               \
    }

op_fn sel_alu_EG(const struct op *op)
{
    if (op->size == 4) {
        if (op->is_mem) {
            PICK32(op->sub, MR)
        } else {
            PICK32(op->sub, RR)
        }
    }
    return op->is_mem ? alu_MR : alu_RR;
}

op_fn sel_alu_GE(const struct op *op)
{
    if (op->size == 4) {
        if (op->is_mem) {
            PICK32(op->sub, RM)
        } else {
            PICK32(op->sub, RR)
        }
    }
    return op->is_mem ? alu_RM : alu_RR;
}

op_fn sel_alu_EI(const struct op *op)
{
    if (op->size == 1 && op->sub == ALU_CMP)
        return op->is_mem ? CMP_MI8 : CMP_RI8;
    if (op->size == 4) {
        if (op->is_mem) {
            PICK32(op->sub, MI)
        } else {
            PICK32(op->sub, RI)
        }
    }
    return op->is_mem ? alu_MI : alu_RI;
}

/* ---- TEST --------------------------------------------------------------------- */
static const struct op *test_EG(struct cpu *cpu, const struct op *op)
{
    uint32_t lin = 0;
    uint32_t a = op_get_E(cpu, op, op->size, &lin);
    alu_op(cpu, ALU_AND, op->size, a, reg_get(cpu, op->reg, op->size));
    return op + 1;
}

static const struct op *test_RR32(struct cpu *cpu, const struct op *op)
{
    uint32_t r = cpu->r[op->rm] & cpu->r[op->reg];
    lf_set(cpu, LF_LOGIC, 4, r, r, 0);
    return op + 1;
}

static const struct op *test_EI(struct cpu *cpu, const struct op *op)
{
    uint32_t lin = 0;
    uint32_t a = op_get_E(cpu, op, op->size, &lin);
    alu_op(cpu, ALU_AND, op->size, a, op->imm);
    return op + 1;
}

op_fn sel_test_EG(const struct op *op)
{
    return (!op->is_mem && op->size == 4) ? test_RR32 : test_EG;
}

op_fn sel_test_EI(const struct op *op)
{
    (void)op;
    return test_EI;
}

/* ---- INC/DEC NOT NEG --------------------------------------------------------------- */
static const struct op *incdec_E(struct cpu *cpu, const struct op *op)
{
    uint32_t lin = 0, m = size_mask(op->size);
    uint32_t a = op_get_E(cpu, op, op->size, &lin);
    uint32_t r = (op->sub ? a - 1 : a + 1) & m;
    uint32_t cf = lf_carry(cpu);
    op_set_E(cpu, op, op->size, lin, r);
    lf_set(cpu, op->sub ? LF_DEC : LF_INC, op->size, r, a, cf);
    return op + 1;
}

static const struct op *inc_R32(struct cpu *cpu, const struct op *op)
{
    uint32_t cf = lf_carry(cpu);
    uint32_t r = cpu->r[op->rm] + 1;
    cpu->r[op->rm] = r;
    lf_set(cpu, LF_INC, 4, r, r - 1, cf);
    return op + 1;
}

static const struct op *dec_R32(struct cpu *cpu, const struct op *op)
{
    uint32_t cf = lf_carry(cpu);
    uint32_t r = cpu->r[op->rm] - 1;
    cpu->r[op->rm] = r;
    lf_set(cpu, LF_DEC, 4, r, r + 1, cf);
    return op + 1;
}

op_fn sel_incdec_E(const struct op *op)
{
    if (!op->is_mem && op->size == 4)
        return op->sub ? dec_R32 : inc_R32;
    return incdec_E;
}

/* ---- flag-setter + Jcc pairs -------------------------------------------------- *
 * A block that ends in "CMP/TEST/DEC ...; Jcc" runs both instructions in
 * one dispatch.  The flag-setter runs first and alone can fault (with its
 * own op, so EIP and flags are as before it); the Jcc cannot fault.  Only
 * handlers that store nothing pair up: a store can invalidate the TB that
 * holds the Jcc (self-modifying code), which must then not run. */
static const struct op *CMP_RR32_jcc(struct cpu *cpu, const struct op *op)
{
    return jcc_tail(cpu, CMP_RR32(cpu, op));
}

static const struct op *CMP_RI32_jcc(struct cpu *cpu, const struct op *op)
{
    return jcc_tail(cpu, CMP_RI32(cpu, op));
}

static const struct op *CMP_RM32_jcc(struct cpu *cpu, const struct op *op)
{
    return jcc_tail(cpu, CMP_RM32(cpu, op));
}

static const struct op *CMP_MI8_jcc(struct cpu *cpu, const struct op *op)
{
    return jcc_tail(cpu, CMP_MI8(cpu, op));
}

static const struct op *CMP_RI8_jcc(struct cpu *cpu, const struct op *op)
{
    return jcc_tail(cpu, CMP_RI8(cpu, op));
}

static const struct op *SUB_RR32_jcc(struct cpu *cpu, const struct op *op)
{
    return jcc_tail(cpu, SUB_RR32(cpu, op));
}

static const struct op *SUB_RI32_jcc(struct cpu *cpu, const struct op *op)
{
    return jcc_tail(cpu, SUB_RI32(cpu, op));
}

static const struct op *ADD_RI32_jcc(struct cpu *cpu, const struct op *op)
{
    return jcc_tail(cpu, ADD_RI32(cpu, op));
}

static const struct op *AND_RI32_jcc(struct cpu *cpu, const struct op *op)
{
    return jcc_tail(cpu, AND_RI32(cpu, op));
}

static const struct op *test_RR32_jcc(struct cpu *cpu, const struct op *op)
{
    return jcc_tail(cpu, test_RR32(cpu, op));
}

static const struct op *inc_R32_jcc(struct cpu *cpu, const struct op *op)
{
    return jcc_tail(cpu, inc_R32(cpu, op));
}

static const struct op *dec_R32_jcc(struct cpu *cpu, const struct op *op)
{
    return jcc_tail(cpu, dec_R32(cpu, op));
}

op_fn sel_jcc_pair(const struct op *op)
{
    static const struct {
        op_fn alone, with_jcc;
    } pairs[] = {
        {CMP_RR32, CMP_RR32_jcc},   {CMP_RI32, CMP_RI32_jcc}, {CMP_RM32, CMP_RM32_jcc},
        {CMP_MI8, CMP_MI8_jcc},     {CMP_RI8, CMP_RI8_jcc},   {SUB_RR32, SUB_RR32_jcc},
        {SUB_RI32, SUB_RI32_jcc},   {ADD_RI32, ADD_RI32_jcc}, {AND_RI32, AND_RI32_jcc},
        {test_RR32, test_RR32_jcc}, {inc_R32, inc_R32_jcc},   {dec_R32, dec_R32_jcc},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (op->fn == pairs[i].alone)
            return pairs[i].with_jcc;
    return NULL;
}

static const struct op *not_E(struct cpu *cpu, const struct op *op)
{
    uint32_t lin = 0;
    uint32_t a = op_get_E(cpu, op, op->size, &lin);
    op_set_E(cpu, op, op->size, lin, ~a);
    return op + 1;
}

op_fn sel_not_E(const struct op *op)
{
    (void)op;
    return not_E;
}

static const struct op *neg_E(struct cpu *cpu, const struct op *op)
{
    uint32_t lin = 0;
    uint32_t a = op_get_E(cpu, op, op->size, &lin);
    uint32_t r = (0 - a) & size_mask(op->size);
    op_set_E(cpu, op, op->size, lin, r);
    lf_set(cpu, LF_NEG, op->size, r, a, 0);
    return op + 1;
}

op_fn sel_neg_E(const struct op *op)
{
    (void)op;
    return neg_E;
}

/* ---- MUL/IMUL/DIV/IDIV --------------------------------------------------------------- */
static void set_mul_flags(struct cpu *cpu, unsigned size, uint32_t low, int high_significant)
{
    lf_set(cpu, LF_MUL, size, low, high_significant ? 1 : 0, 0);
}

/* #DE: the 8086 pushes the address of the next instruction, the 286 and
 * later that of the faulting one (80286 manual, "Divide error") */
static NORETURN void divide_error(struct cpu *cpu, const struct op *op)
{
    if (cpu->model == CPU_MODEL_8086) {
        cpu->eip = next_eip(op);
        cpu_raise(cpu, EXC_DE, 0, 0);
    }
    cpu_fault(cpu, op, EXC_DE, 0, 0);
}

/* 8086 microcode quirk: a REP prefix on IDIV negates the quotient */
static int rep_negates(const struct cpu *cpu, const struct op *op)
{
    return cpu->model == CPU_MODEL_8086 && (op->pfx & (PFX_REP | PFX_REPNE));
}

static const struct op *muldiv_E(struct cpu *cpu, const struct op *op)
{
    uint32_t lin = 0;
    unsigned size = op->size;
    uint32_t src = op_get_E(cpu, op, size, &lin);
    switch (op->sub) {
    case 4: /* MUL */
        if (size == 1) {
            uint32_t r = (cpu->r[R_EAX] & 0xFF) * src;
            reg_set(cpu, R_EAX, 2, r);
            set_mul_flags(cpu, 1, r, (r >> 8) != 0);
        } else if (size == 2) {
            uint32_t r = (cpu->r[R_EAX] & 0xFFFF) * src;
            reg_set(cpu, R_EAX, 2, r);
            reg_set(cpu, R_EDX, 2, r >> 16);
            set_mul_flags(cpu, 2, r, (r >> 16) != 0);
        } else {
            uint64_t r = (uint64_t)cpu->r[R_EAX] * src;
            cpu->r[R_EAX] = (uint32_t)r;
            cpu->r[R_EDX] = (uint32_t)(r >> 32);
            set_mul_flags(cpu, 4, (uint32_t)r, (r >> 32) != 0);
        }
        break;
    case 5: /* IMUL */
        if (size == 1) {
            int32_t r = (int8_t)cpu->r[R_EAX] * (int8_t)src;
            reg_set(cpu, R_EAX, 2, (uint32_t)r);
            set_mul_flags(cpu, 1, (uint32_t)r, r != (int8_t)r);
        } else if (size == 2) {
            int32_t r = (int16_t)cpu->r[R_EAX] * (int16_t)src;
            reg_set(cpu, R_EAX, 2, (uint32_t)r);
            reg_set(cpu, R_EDX, 2, (uint32_t)r >> 16);
            set_mul_flags(cpu, 2, (uint32_t)r, r != (int16_t)r);
        } else {
            int64_t r = (int64_t)(int32_t)cpu->r[R_EAX] * (int32_t)src;
            cpu->r[R_EAX] = (uint32_t)r;
            cpu->r[R_EDX] = (uint32_t)((uint64_t)r >> 32);
            set_mul_flags(cpu, 4, (uint32_t)r, r != (int32_t)r);
        }
        break;
    case 6: /* DIV */
        if (src == 0)
            divide_error(cpu, op);
        if (size == 1) {
            uint32_t n = cpu->r[R_EAX] & 0xFFFF, q = n / src;
            if (q > 0xFF)
                divide_error(cpu, op);
            reg_set(cpu, R_EAX, 2, ((n % src) << 8) | q);
        } else if (size == 2) {
            uint32_t n = ((cpu->r[R_EDX] & 0xFFFF) << 16) | (cpu->r[R_EAX] & 0xFFFF), q = n / src;
            if (q > 0xFFFF)
                divide_error(cpu, op);
            reg_set(cpu, R_EAX, 2, q);
            reg_set(cpu, R_EDX, 2, n % src);
        } else {
            uint64_t n = ((uint64_t)cpu->r[R_EDX] << 32) | cpu->r[R_EAX], q = n / src;
            if (q > 0xFFFFFFFFu)
                divide_error(cpu, op);
            cpu->r[R_EAX] = (uint32_t)q;
            cpu->r[R_EDX] = (uint32_t)(n % src);
        }
        break;
    default: /* IDIV */
        if (src == 0)
            divide_error(cpu, op);
        if (size == 1) {
            int32_t n = (int16_t)cpu->r[R_EAX], d = (int8_t)src;
            int32_t q = n / d;
            if (q != (int8_t)q || (q == -128 && cpu->model == CPU_MODEL_8086))
                divide_error(cpu, op);
            if (rep_negates(cpu, op))
                q = -q;
            reg_set(cpu, R_EAX, 2, (((uint32_t)(n % d) & 0xFF) << 8) | ((uint32_t)q & 0xFF));
        } else if (size == 2) {
            int32_t n = (int32_t)(((cpu->r[R_EDX] & 0xFFFF) << 16) | (cpu->r[R_EAX] & 0xFFFF));
            int32_t d = (int16_t)src;
            if (n == INT32_MIN && d == -1)
                divide_error(cpu, op);
            int32_t q = n / d;
            if (q != (int16_t)q || (q == -32768 && cpu->model == CPU_MODEL_8086))
                divide_error(cpu, op);
            if (rep_negates(cpu, op))
                q = -q;
            reg_set(cpu, R_EAX, 2, (uint32_t)q);
            reg_set(cpu, R_EDX, 2, (uint32_t)(n % d));
        } else {
            int64_t n = (int64_t)(((uint64_t)cpu->r[R_EDX] << 32) | cpu->r[R_EAX]);
            int64_t d = (int32_t)src;
            if (n == INT64_MIN && d == -1)
                divide_error(cpu, op);
            int64_t q = n / d;
            if (q != (int32_t)q)
                divide_error(cpu, op);
            cpu->r[R_EAX] = (uint32_t)q;
            cpu->r[R_EDX] = (uint32_t)(n % d);
        }
        break;
    }
    return op + 1;
}

op_fn sel_mul_E(const struct op *op)
{
    (void)op;
    return muldiv_E;
}

/* IMUL Gv, Ev [, imm]: sub = 1 when the immediate is the second factor */
static const struct op *imul_GE(struct cpu *cpu, const struct op *op)
{
    uint32_t lin = 0;
    uint32_t b = op_get_E(cpu, op, op->size, &lin);
    uint32_t a = op->sub ? op->imm : reg_get(cpu, op->reg, op->size);
    if (op->size == 2) {
        int32_t r = (int16_t)a * (int16_t)b;
        reg_set(cpu, op->reg, 2, (uint32_t)r);
        set_mul_flags(cpu, 2, (uint32_t)r, r != (int16_t)r);
    } else {
        int64_t r = (int64_t)(int32_t)a * (int32_t)b;
        cpu->r[op->reg] = (uint32_t)r;
        set_mul_flags(cpu, 4, (uint32_t)r, r != (int32_t)r);
    }
    return op + 1;
}

static const struct op *imul_RR32(struct cpu *cpu, const struct op *op)
{
    uint32_t a = op->sub ? op->imm : cpu->r[op->reg];
    int64_t r = (int64_t)(int32_t)a * (int32_t)cpu->r[op->rm];
    cpu->r[op->reg] = (uint32_t)r;
    set_mul_flags(cpu, 4, (uint32_t)r, r != (int32_t)r);
    return op + 1;
}

op_fn sel_imul_GE(const struct op *op)
{
    return (!op->is_mem && op->size == 4) ? imul_RR32 : imul_GE;
}

/* ---- shifts and rotates ------------------------------------------------------------ */
static const struct op *shift_E(struct cpu *cpu, const struct op *op)
{
    uint32_t lin = 0;
    unsigned count = op->imm == COUNT_CL ? cpu->r[R_ECX] & 0xFF : op->imm;
    /* the 8086 uses the whole count; the 286 and later mask it to 5 bits */
    if (cpu->model != CPU_MODEL_8086)
        count &= 31;
    uint32_t a = op_get_E(cpu, op, op->size, &lin);
    if (count == 0)
        return op + 1;
    if (op->sub == 6 && cpu->model == CPU_MODEL_8086) {
        /* D0-D3 /6 on the 8086: SETMO, the operand becomes all ones */
        uint32_t r = size_mask(op->size);
        op_set_E(cpu, op, op->size, lin, r);
        lf_set(cpu, LF_LOGIC, op->size, r, r, 0);
        return op + 1;
    }
    struct lf_state before = lf_save(cpu);
    uint32_t r = shift_op(cpu, op->sub, op->size, a, count);
    if (op->is_mem) {
        /* keep flags intact if the store faults */
        struct lf_state after = lf_save(cpu);
        lf_restore(cpu, &before);
        seg_check_write(cpu, op, op->seg);
        mem_write(cpu, op, lin, r, op->size);
        lf_restore(cpu, &after);
    } else {
        reg_set(cpu, op->rm, op->size, r);
    }
    return op + 1;
}

static const struct op *shl_RI32(struct cpu *cpu, const struct op *op)
{
    uint32_t a = cpu->r[op->rm], r = a << op->imm;
    cpu->r[op->rm] = r;
    lf_set(cpu, LF_SHL, 4, r, a, op->imm);
    return op + 1;
}

static const struct op *shr_RI32(struct cpu *cpu, const struct op *op)
{
    uint32_t a = cpu->r[op->rm], r = a >> op->imm;
    cpu->r[op->rm] = r;
    lf_set(cpu, LF_SHR, 4, r, a, op->imm);
    return op + 1;
}

static const struct op *sar_RI32(struct cpu *cpu, const struct op *op)
{
    uint32_t a = cpu->r[op->rm], r = (uint32_t)((int32_t)a >> op->imm);
    cpu->r[op->rm] = r;
    lf_set(cpu, LF_SAR, 4, r, a, op->imm);
    return op + 1;
}

op_fn sel_shift_E(const struct op *op)
{
    if (!op->is_mem && op->size == 4 && op->imm != COUNT_CL && (op->imm & 31) != 0 && op->imm < 32) {
        if (op->sub == 4 || op->sub == 6)
            return shl_RI32;
        if (op->sub == 5)
            return shr_RI32;
        if (op->sub == 7)
            return sar_RI32;
    }
    return shift_E;
}

/* SHLD/SHRD Ev, Gv, count (SDM: count masked to 5 bits; 16-bit counts > 16 undefined) */
static const struct op *shd_E(struct cpu *cpu, const struct op *op)
{
    uint32_t lin = 0;
    unsigned count = (op->imm == COUNT_CL ? cpu->r[R_ECX] : op->imm) & 31;
    unsigned bits = op->size * 8;
    uint32_t a = op_get_E(cpu, op, op->size, &lin);
    if (count == 0)
        return op + 1;
    uint32_t b = reg_get(cpu, op->reg, op->size);
    uint64_t r;
    uint32_t cf, res;
    if (op->sub == 0) {
        uint64_t x = ((uint64_t)a << bits) | b;
        if (bits == 16)
            x = (x << 16) | b; /* 16-bit forms shift a 48-bit a:b:b (Intel behaviour for counts > 16) */
        unsigned tot = bits == 16 ? 48 : 64;
        r = x << count;
        res = (uint32_t)(r >> (tot - bits)) & size_mask(op->size);
        cf = (uint32_t)(x >> (tot - count)) & 1;
    } else {
        uint64_t x = ((uint64_t)b << bits) | a;
        if (bits == 16)
            x |= (uint64_t)a << 32;
        r = x >> count;
        res = (uint32_t)r & size_mask(op->size);
        cf = (uint32_t)(x >> (count - 1)) & 1;
    }
    op_set_E(cpu, op, op->size, lin, res);
    uint32_t f = flags_arith(cpu) & F_AF;
    uint32_t sb = sign_bit(op->size);
    lf_set(cpu, LF_LOGIC, op->size, res, 0, 0);
    f |= flags_arith(cpu) & (F_ZF | F_SF | F_PF);
    if (cf)
        f |= F_CF;
    if (((a ^ res) & sb) != 0)
        f |= F_OF;
    cpu->lf_kind = LF_NONE;
    cpu->lf_flags = (uint16_t)f;
    return op + 1;
}

op_fn sel_shd(const struct op *op)
{
    (void)op;
    return shd_E;
}

/* ---- bit tests ------------------------------------------------------------------------- */
static const struct op *bt_E(struct cpu *cpu, const struct op *op)
{
    unsigned bits = op->size * 8;
    uint32_t off, lin = 0, v;
    if (op->imm2 == 1) {
        off = op->imm & (bits - 1);
        v = op_get_E(cpu, op, op->size, &lin);
    } else if (!op->is_mem) {
        off = reg_get(cpu, op->reg, op->size) & (bits - 1);
        v = reg_get(cpu, op->rm, op->size);
    } else {
        /* register bit offset addresses memory beyond the operand (SDM BT) */
        int32_t boff = (int32_t)sext(reg_get(cpu, op->reg, op->size), op->size);
        int32_t disp = (boff >> (op->size == 4 ? 5 : 4)) * (int32_t)op->size;
        off = (uint32_t)boff & (bits - 1);
        uint32_t ea = op_ea(cpu, op) + (uint32_t)disp;
        if (op->asize == 2)
            ea &= 0xFFFF;
        lin = seg_lin(cpu, op, op->seg, ea, op->size);
        v = mem_read(cpu, op, lin, op->size);
    }
    uint32_t bit = (v >> off) & 1, nv = v;
    switch (op->sub) {
    case 5:
        nv = v | (1u << off);
        break;
    case 6:
        nv = v & ~(1u << off);
        break;
    case 7:
        nv = v ^ (1u << off);
        break;
    default:
        break;
    }
    if (op->sub != 4) {
        if (op->is_mem) {
            seg_check_write(cpu, op, op->seg);
            mem_write(cpu, op, lin, nv, op->size);
        } else {
            reg_set(cpu, op->rm, op->size, nv);
        }
    }
    uint32_t f = flags_arith(cpu) & ~F_CF;
    cpu->lf_kind = LF_NONE;
    cpu->lf_flags = (uint16_t)(f | bit);
    return op + 1;
}

op_fn sel_bt(const struct op *op)
{
    (void)op;
    return bt_E;
}

static const struct op *bsf_bsr(struct cpu *cpu, const struct op *op)
{
    uint32_t lin = 0;
    uint32_t v = op_get_E(cpu, op, op->size, &lin);
    uint32_t f = flags_arith(cpu) & ~F_ZF;
    if (v == 0) {
        f |= F_ZF; /* destination unchanged (documented as undefined; hardware keeps it) */
    } else {
        unsigned i = op->sub ? 31u - (unsigned)__builtin_clz(v) : (unsigned)__builtin_ctz(v);
        reg_set(cpu, op->reg, op->size, i);
    }
    cpu->lf_kind = LF_NONE;
    cpu->lf_flags = (uint16_t)f;
    return op + 1;
}

op_fn sel_bsf_bsr(const struct op *op)
{
    (void)op;
    return bsf_bsr;
}

/* ---- SETcc CMOVcc -------------------------------------------------------------------- */
static const struct op *setcc(struct cpu *cpu, const struct op *op)
{
    uint32_t v = (uint32_t)cond_eval(cpu, op->sub);
    if (op->is_mem)
        mem_write(cpu, op, op_lin_w(cpu, op, 1), v, 1);
    else
        reg_set(cpu, op->rm, 1, v);
    return op + 1;
}

op_fn sel_setcc(const struct op *op)
{
    (void)op;
    return setcc;
}

static const struct op *cmovcc(struct cpu *cpu, const struct op *op)
{
    uint32_t lin = 0;
    uint32_t v = op_get_E(cpu, op, op->size, &lin); /* the load happens (and may fault) either way */
    if (cond_eval(cpu, op->sub))
        reg_set(cpu, op->reg, op->size, v);
    else if (op->size == 4)
        cpu->r[op->reg] = cpu->r[op->reg]; /* 32-bit CMOV writes the register either way */
    return op + 1;
}

op_fn sel_cmovcc(const struct op *op)
{
    (void)op;
    return cmovcc;
}

/* ---- XADD CMPXCHG CMPXCHG8B -------------------------------------------------------------- */
static const struct op *xadd(struct cpu *cpu, const struct op *op)
{
    uint32_t lin = 0;
    uint32_t a = op_get_E(cpu, op, op->size, &lin);
    uint32_t b = reg_get(cpu, op->reg, op->size);
    uint32_t r = (a + b) & size_mask(op->size);
    if (op->is_mem) {
        op_set_E(cpu, op, op->size, lin, r); /* the store may fault: before the register */
        reg_set(cpu, op->reg, op->size, a);
    } else {
        reg_set(cpu, op->reg, op->size, a); /* DEST is written last: XADD r, r keeps the sum (SDM XADD) */
        reg_set(cpu, op->rm, op->size, r);
    }
    lf_set(cpu, LF_ADD, op->size, r, a, b);
    return op + 1;
}

op_fn sel_xadd(const struct op *op)
{
    (void)op;
    return xadd;
}

static const struct op *cmpxchg(struct cpu *cpu, const struct op *op)
{
    uint32_t lin = 0;
    uint32_t dst = op_get_E(cpu, op, op->size, &lin);
    uint32_t acc = reg_get(cpu, R_EAX, op->size);
    if (dst == acc) {
        op_set_E(cpu, op, op->size, lin, reg_get(cpu, op->reg, op->size));
    } else {
        if (op->is_mem) {
            seg_check_write(cpu, op, op->seg);
            mem_write(cpu, op, lin, dst, op->size); /* the processor always writes (SDM CMPXCHG) */
        }
        reg_set(cpu, R_EAX, op->size, dst);
    }
    alu_op(cpu, ALU_CMP, op->size, acc, dst);
    return op + 1;
}

op_fn sel_cmpxchg(const struct op *op)
{
    (void)op;
    return cmpxchg;
}

static const struct op *cmpxchg8b(struct cpu *cpu, const struct op *op)
{
    if (!op->is_mem)
        cpu_fault(cpu, op, EXC_UD, 0, 0);
    uint32_t lin = op_lin_w(cpu, op, 8);
    uint32_t lo = mem_read(cpu, op, lin, 4), hi = mem_read(cpu, op, lin + 4, 4);
    uint32_t f = flags_arith(cpu) & ~F_ZF;
    if (lo == cpu->r[R_EAX] && hi == cpu->r[R_EDX]) {
        mem_write_slow(cpu, op, lin, ((uint64_t)cpu->r[R_ECX] << 32) | cpu->r[R_EBX], 8);
        f |= F_ZF;
    } else {
        mem_write_slow(cpu, op, lin, ((uint64_t)hi << 32) | lo, 8);
        cpu->r[R_EAX] = lo;
        cpu->r[R_EDX] = hi;
    }
    cpu->lf_kind = LF_NONE;
    cpu->lf_flags = (uint16_t)f;
    return op + 1;
}

op_fn sel_cmpxchg8b(const struct op *op)
{
    (void)op;
    return cmpxchg8b;
}

/* ---- BCD ------------------------------------------------------------------------------- */
static const struct op *bcd(struct cpu *cpu, const struct op *op)
{
    uint32_t f = flags_arith(cpu);
    uint32_t al = cpu->r[R_EAX] & 0xFF, ah = (cpu->r[R_EAX] >> 8) & 0xFF;
    int cf = (f & F_CF) != 0, af = (f & F_AF) != 0;
    switch (op->sub) {
    case 0:   /* DAA (SDM pseudo-code) */
    case 1: { /* DAS */
        uint32_t old = al;
        int ocf = cf;
        cf = 0;
        if ((al & 0xF) > 9 || af) {
            if (op->sub == 0) {
                cf = ocf || al + 6 > 0xFF;
                al = (al + 6) & 0xFF;
            } else {
                cf = ocf || al < 6;
                al = (al - 6) & 0xFF;
            }
            af = 1;
        } else {
            af = 0;
        }
        if (old > 0x99 || ocf) {
            al = op->sub == 0 ? (al + 0x60) & 0xFF : (al - 0x60) & 0xFF;
            cf = 1;
        }
        reg_set(cpu, R_EAX, 1, al);
        lf_set(cpu, LF_LOGIC, 1, al, 0, 0);
        f = (flags_arith(cpu) & (F_ZF | F_SF | F_PF)) | (cf ? F_CF : 0) | (af ? F_AF : 0);
        break;
    }
    case 2: /* AAA */
    case 3: /* AAS */
        if ((al & 0xF) > 9 || af) {
            if (cpu->model == CPU_MODEL_8086) {
                /* the 8086 adjusts AL and AH separately: no carry from AL into AH */
                reg_set(cpu, R_EAX, 1, al + (op->sub == 2 ? 6u : (uint32_t)-6));
                reg_set(cpu, 4, 1, ah + (op->sub == 2 ? 1u : (uint32_t)-1));
            } else if (op->sub == 2) {
                reg_set(cpu, R_EAX, 2, (cpu->r[R_EAX] + 0x106) & 0xFFFF);
            } else {
                reg_set(cpu, R_EAX, 2, (cpu->r[R_EAX] - 6) & 0xFFFF);
                reg_set(cpu, 4, 1, (((cpu->r[R_EAX] >> 8) & 0xFF) - 1) & 0xFF);
            }
            af = cf = 1;
        } else {
            af = cf = 0;
        }
        reg_set(cpu, R_EAX, 1, cpu->r[R_EAX] & 0x0F);
        f = (f & ~(F_CF | F_AF)) | (cf ? F_CF : 0) | (af ? F_AF : 0);
        break;
    case 4: { /* AAM imm8 */
        uint32_t base = op->imm & 0xFF;
        if (base == 0)
            divide_error(cpu, op);
        ah = al / base;
        al = al % base;
        reg_set(cpu, R_EAX, 2, (ah << 8) | al);
        lf_set(cpu, LF_LOGIC, 1, al, 0, 0);
        f = flags_arith(cpu);
        break;
    }
    default: { /* AAD imm8 */
        al = (al + ah * (op->imm & 0xFF)) & 0xFF;
        reg_set(cpu, R_EAX, 2, al);
        lf_set(cpu, LF_LOGIC, 1, al, 0, 0);
        f = flags_arith(cpu);
        break;
    }
    }
    cpu->lf_kind = LF_NONE;
    cpu->lf_flags = (uint16_t)f;
    return op + 1;
}

op_fn sel_bcd(const struct op *op)
{
    (void)op;
    return bcd;
}

/* ---- CBW/CWDE CWD/CDQ ---------------------------------------------------------------------- */
static const struct op *cbw(struct cpu *cpu, const struct op *op)
{
    if (op->size == 2)
        reg_set(cpu, R_EAX, 2, sext(cpu->r[R_EAX], 1));
    else
        cpu->r[R_EAX] = sext(cpu->r[R_EAX], 2);
    return op + 1;
}

op_fn sel_cbw(const struct op *op)
{
    (void)op;
    return cbw;
}

static const struct op *cwd(struct cpu *cpu, const struct op *op)
{
    if (op->size == 2)
        reg_set(cpu, R_EDX, 2, (cpu->r[R_EAX] & 0x8000) ? 0xFFFF : 0);
    else
        cpu->r[R_EDX] = (cpu->r[R_EAX] & 0x80000000u) ? 0xFFFFFFFFu : 0;
    return op + 1;
}

op_fn sel_cwd(const struct op *op)
{
    (void)op;
    return cwd;
}

/* ---- flag instructions ----------------------------------------------------------------------- */
static const struct op *flagop(struct cpu *cpu, const struct op *op)
{
    uint32_t f = flags_arith(cpu);
    switch (op->sub) {
    case 0:
        f &= ~F_CF;
        break;
    case 1:
        f |= F_CF;
        break;
    case 2:
        f ^= F_CF;
        break;
    case 3:
        cpu->eflags &= ~F_DF;
        return op + 1;
    case 4:
        cpu->eflags |= F_DF;
        return op + 1;
    case 5: /* SAHF */
        f = (f & F_OF) | ((cpu->r[R_EAX] >> 8) & (F_CF | F_PF | F_AF | F_ZF | F_SF));
        break;
    case 6: /* LAHF */
        reg_set(cpu, 4, 1, (f & 0xFF) | 2);
        return op + 1;
    default: /* SALC (undocumented, 8086..P6) */
        reg_set(cpu, R_EAX, 1, (f & F_CF) ? 0xFF : 0);
        return op + 1;
    }
    cpu->lf_kind = LF_NONE;
    cpu->lf_flags = (uint16_t)f;
    return op + 1;
}

op_fn sel_flagop(const struct op *op)
{
    (void)op;
    return flagop;
}

static const struct op *bswap(struct cpu *cpu, const struct op *op)
{
    uint32_t v = cpu->r[op->rm];
    cpu->r[op->rm] = (v >> 24) | ((v >> 8) & 0xFF00) | ((v << 8) & 0xFF0000) | (v << 24);
    return op + 1;
}

op_fn sel_bswap(const struct op *op)
{
    (void)op;
    return bswap;
}

/* ---- threaded dispatch ---------------------------------------------------------- *
 * The same handlers, each running the next op itself (op_dispatch). */
static const struct op *ADD_RR32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, ADD_RR32(cpu, op));
}

static const struct op *ADD_RI32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, ADD_RI32(cpu, op));
}

static const struct op *ADD_RM32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, ADD_RM32(cpu, op));
}

static const struct op *ADD_MR32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, ADD_MR32(cpu, op));
}

static const struct op *ADD_MI32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, ADD_MI32(cpu, op));
}

static const struct op *OR_RR32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, OR_RR32(cpu, op));
}

static const struct op *OR_RI32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, OR_RI32(cpu, op));
}

static const struct op *OR_RM32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, OR_RM32(cpu, op));
}

static const struct op *OR_MR32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, OR_MR32(cpu, op));
}

static const struct op *OR_MI32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, OR_MI32(cpu, op));
}

static const struct op *AND_RR32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, AND_RR32(cpu, op));
}

static const struct op *AND_RI32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, AND_RI32(cpu, op));
}

static const struct op *AND_RM32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, AND_RM32(cpu, op));
}

static const struct op *AND_MR32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, AND_MR32(cpu, op));
}

static const struct op *AND_MI32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, AND_MI32(cpu, op));
}

static const struct op *SUB_RR32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, SUB_RR32(cpu, op));
}

static const struct op *SUB_RI32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, SUB_RI32(cpu, op));
}

static const struct op *SUB_RM32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, SUB_RM32(cpu, op));
}

static const struct op *SUB_MR32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, SUB_MR32(cpu, op));
}

static const struct op *SUB_MI32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, SUB_MI32(cpu, op));
}

static const struct op *XOR_RR32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, XOR_RR32(cpu, op));
}

static const struct op *XOR_RI32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, XOR_RI32(cpu, op));
}

static const struct op *XOR_RM32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, XOR_RM32(cpu, op));
}

static const struct op *XOR_MR32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, XOR_MR32(cpu, op));
}

static const struct op *XOR_MI32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, XOR_MI32(cpu, op));
}

static const struct op *CMP_RR32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, CMP_RR32(cpu, op));
}

static const struct op *CMP_RI32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, CMP_RI32(cpu, op));
}

static const struct op *CMP_RM32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, CMP_RM32(cpu, op));
}

static const struct op *CMP_MR32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, CMP_MR32(cpu, op));
}

static const struct op *CMP_MI32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, CMP_MI32(cpu, op));
}

static const struct op *CMP_MI8_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, CMP_MI8(cpu, op));
}

static const struct op *test_RR32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, test_RR32(cpu, op));
}

static const struct op *inc_R32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, inc_R32(cpu, op));
}

static const struct op *dec_R32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, dec_R32(cpu, op));
}

static const struct op *shl_RI32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, shl_RI32(cpu, op));
}

static const struct op *shr_RI32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, shr_RI32(cpu, op));
}

static const struct op *sar_RI32_thr(struct cpu *cpu, const struct op *op)
{
    return op_dispatch(cpu, sar_RI32(cpu, op));
}

op_fn sel_threaded_alu(const struct op *op)
{
    static const struct {
        op_fn alone, threaded;
    } forms[] = {
        {ADD_RR32, ADD_RR32_thr}, {ADD_RI32, ADD_RI32_thr},   {ADD_RM32, ADD_RM32_thr},
        {ADD_MR32, ADD_MR32_thr}, {ADD_MI32, ADD_MI32_thr},   {OR_RR32, OR_RR32_thr},
        {OR_RI32, OR_RI32_thr},   {OR_RM32, OR_RM32_thr},     {OR_MR32, OR_MR32_thr},
        {OR_MI32, OR_MI32_thr},   {AND_RR32, AND_RR32_thr},   {AND_RI32, AND_RI32_thr},
        {AND_RM32, AND_RM32_thr}, {AND_MR32, AND_MR32_thr},   {AND_MI32, AND_MI32_thr},
        {SUB_RR32, SUB_RR32_thr}, {SUB_RI32, SUB_RI32_thr},   {SUB_RM32, SUB_RM32_thr},
        {SUB_MR32, SUB_MR32_thr}, {SUB_MI32, SUB_MI32_thr},   {XOR_RR32, XOR_RR32_thr},
        {XOR_RI32, XOR_RI32_thr}, {XOR_RM32, XOR_RM32_thr},   {XOR_MR32, XOR_MR32_thr},
        {XOR_MI32, XOR_MI32_thr}, {CMP_RR32, CMP_RR32_thr},   {CMP_RI32, CMP_RI32_thr},
        {CMP_RM32, CMP_RM32_thr}, {CMP_MR32, CMP_MR32_thr},   {CMP_MI32, CMP_MI32_thr},
        {CMP_MI8, CMP_MI8_thr},   {test_RR32, test_RR32_thr}, {inc_R32, inc_R32_thr},
        {dec_R32, dec_R32_thr},   {shl_RI32, shl_RI32_thr},   {shr_RI32, shr_RI32_thr},
        {sar_RI32, sar_RI32_thr},
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        if (op->fn == forms[i].alone)
            return forms[i].threaded;
    return NULL;
}
