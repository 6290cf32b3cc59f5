/* flags.c - lazy arithmetic flags, the ALU and shifts.
 *
 * Flag-setting instructions record (kind, size, result, operands) and the
 * six arithmetic flags are computed only when something reads them
 * (Jcc/SETcc/CMOVcc evaluate conditions directly from the record). */
#include "cpu/cpu_internal.h"

static uint32_t parity(uint32_t v)
{
    v &= 0xFF;
    v ^= v >> 4;
    v ^= v >> 2;
    v ^= v >> 1;
    return (v & 1) ? 0 : F_PF;
}

uint32_t flags_arith(struct cpu *cpu)
{
    if (cpu->lf_kind == LF_NONE)
        return cpu->lf_flags;
    unsigned size = cpu->lf_size;
    uint32_t m = size_mask(size), sb = sign_bit(size);
    uint32_t res = cpu->lf_res & m, a = cpu->lf_src1 & m, b = cpu->lf_src2 & m;
    uint32_t cf = 0, of = 0, af = 0;
    switch (cpu->lf_kind) {
    case LF_NONE:
        return cpu->lf_flags;
    case LF_ADD:
        cf = res < a;
        of = ((a ^ res) & (b ^ res) & sb) != 0;
        af = (a ^ b ^ res) & 0x10;
        break;
    case LF_ADC:
        cf = res < a || (cpu->lf_cin && res == a);
        of = ((a ^ res) & (b ^ res) & sb) != 0;
        af = (a ^ b ^ res) & 0x10;
        break;
    case LF_SUB:
        cf = a < b;
        of = ((a ^ b) & (a ^ res) & sb) != 0;
        af = (a ^ b ^ res) & 0x10;
        break;
    case LF_SBB:
        cf = a < b || (cpu->lf_cin && a == b); /* borrow out of a - b - cin */
        of = ((a ^ b) & (a ^ res) & sb) != 0;
        af = (a ^ b ^ res) & 0x10;
        break;
    case LF_LOGIC:
        break;
    case LF_INC: /* src2 holds the carry flag to keep */
        cf = cpu->lf_src2 & 1;
        of = res == sb;
        af = (res & 0xF) == 0;
        break;
    case LF_DEC:
        cf = cpu->lf_src2 & 1;
        of = res == sb - 1;
        af = (res & 0xF) == 0xF;
        break;
    case LF_NEG:
        cf = res != 0;
        of = res == sb;
        af = (res & 0xF) != 0;
        break;
    case LF_SHL: /* src1 = value before, src2 = count (1..31) */
        cf = b <= size * 8 ? (a >> (size * 8 - b)) & 1 : 0;
        of = ((res & sb) != 0) ^ cf;
        break;
    case LF_SHR:
        cf = b - 1 < 32 ? (a >> (b - 1)) & 1 : 0; /* 8086 counts reach 255 */
        of = b == 1 ? (a & sb) != 0 : 0;
        break;
    case LF_SAR:
        cf = (uint32_t)((int32_t)sext(a, size) >> (b - 1 > 31 ? 31 : b - 1)) & 1;
        of = 0;
        break;
    case LF_MUL: /* src1 = 1 when the high half is significant */
        cf = of = cpu->lf_src1 & 1;
        break;
    }
    return (cf ? F_CF : 0) | parity(res) | (af ? F_AF : 0) | (res == 0 ? F_ZF : 0) | ((res & sb) ? F_SF : 0) |
           (of ? F_OF : 0);
}

uint32_t cpu_get_eflags(struct cpu *cpu)
{
    uint32_t f = (cpu->eflags & ~F_ARITH) | flags_arith(cpu) | 2;
    /* FLAGS bits 12-15 read as 1 on the 8086, and as 0 on the 286 in real
     * mode, where IOPL and NT cannot be set (80286 manual, "FLAGS") */
    if (cpu->model == CPU_MODEL_8086)
        f |= 0xF000;
    else if (cpu->model == CPU_MODEL_286 && !(cpu->cr0 & CR0_PE))
        f &= ~0xF000u;
    return f;
}

void cpu_set_eflags(struct cpu *cpu, uint32_t v, uint32_t mask)
{
    /* the 386 has neither AC (bit 18, new in the 486) nor ID (bit 21):
     * both stay clear, which is how software tells a 386 from a 486 and a
     * CPU without CPUID from one with it (SDM Vol. 1 19.1 "Using EFLAGS
     * flags to distinguish between 32-bit IA-32 processors") */
    if (cpu->model <= CPU_MODEL_386)
        mask &= ~(uint32_t)(F_AC | F_ID);
    uint32_t cur = cpu_get_eflags(cpu);
    v = (cur & ~mask) | (v & mask);
    cpu->lf_flags = (uint16_t)(v & F_ARITH);
    cpu->lf_kind = LF_NONE;
    cpu->eflags = (v & ~F_ARITH) | 2;
}

int cond_eval(struct cpu *cpu, unsigned cc)
{
    int r;
    if (cpu->lf_kind == LF_SUB) {
        unsigned size = cpu->lf_size;
        uint32_t m = size_mask(size);
        uint32_t a = cpu->lf_src1 & m, b = cpu->lf_src2 & m;
        int32_t sa = (int32_t)sext(a, size), sbv = (int32_t)sext(b, size);
        switch (cc >> 1) {
        case 1:
            r = a < b;
            break; /* B */
        case 2:
            r = a == b;
            break; /* E */
        case 3:
            r = a <= b;
            break; /* BE */
        case 6:
            r = sa < sbv;
            break; /* L */
        case 7:
            r = sa <= sbv;
            break; /* LE */
        default:
            goto general;
        }
        return r ^ (cc & 1);
    }
    if (cpu->lf_kind == LF_LOGIC) {
        unsigned size = cpu->lf_size;
        uint32_t res = cpu->lf_res & size_mask(size);
        int sf = (res & sign_bit(size)) != 0;
        switch (cc >> 1) {
        case 0:
            r = 0;
            break; /* O */
        case 1:
            r = 0;
            break; /* B */
        case 2:
            r = res == 0;
            break; /* E */
        case 3:
            r = res == 0;
            break; /* BE */
        case 4:
            r = sf;
            break; /* S */
        case 6:
            r = sf;
            break; /* L: SF != OF, OF = 0 */
        case 7:
            r = res == 0 || sf;
            break;
        default:
            goto general;
        }
        return r ^ (cc & 1);
    }
general:;
    uint32_t f = flags_arith(cpu);
    switch (cc >> 1) {
    case 0:
        r = (f & F_OF) != 0;
        break;
    case 1:
        r = (f & F_CF) != 0;
        break;
    case 2:
        r = (f & F_ZF) != 0;
        break;
    case 3:
        r = (f & (F_CF | F_ZF)) != 0;
        break;
    case 4:
        r = (f & F_SF) != 0;
        break;
    case 5:
        r = (f & F_PF) != 0;
        break;
    case 6:
        r = ((f & F_SF) != 0) != ((f & F_OF) != 0);
        break;
    default:
        r = (f & F_ZF) || (((f & F_SF) != 0) != ((f & F_OF) != 0));
        break;
    }
    return r ^ (cc & 1);
}

static uint32_t carry_in(struct cpu *cpu)
{
    if (cpu->lf_kind == LF_NONE)
        return cpu->lf_flags & F_CF;
    return flags_arith(cpu) & F_CF;
}

uint32_t alu_op(struct cpu *cpu, unsigned aluop, unsigned size, uint32_t a, uint32_t b)
{
    uint32_t m = size_mask(size), r, c;
    a &= m;
    b &= m;
    switch (aluop) {
    case 0:
        r = (a + b) & m;
        lf_set(cpu, LF_ADD, size, r, a, b);
        return r;
    case 1:
        r = a | b;
        lf_set(cpu, LF_LOGIC, size, r, a, b);
        return r;
    case 2:
        c = carry_in(cpu);
        r = (a + b + c) & m;
        lf_set(cpu, LF_ADC, size, r, a, b);
        cpu->lf_cin = c;
        return r;
    case 3:
        c = carry_in(cpu);
        r = (a - b - c) & m;
        lf_set(cpu, LF_SBB, size, r, a, b);
        cpu->lf_cin = c;
        return r;
    case 4:
        r = a & b;
        lf_set(cpu, LF_LOGIC, size, r, a, b);
        return r;
    case 5:
    case 7:
        r = (a - b) & m;
        lf_set(cpu, LF_SUB, size, r, a, b);
        return r;
    default:
        r = a ^ b;
        lf_set(cpu, LF_LOGIC, size, r, a, b);
        return r;
    }
}

/* kind: 0 ROL 1 ROR 2 RCL 3 RCR 4 SHL 5 SHR 6 SAL(=SHL) 7 SAR.
 * count is already masked to 5 bits; a zero count changes nothing. */
uint32_t shift_op(struct cpu *cpu, unsigned kind, unsigned size, uint32_t v, unsigned count)
{
    unsigned bits = size * 8;
    uint32_t m = size_mask(size), sb = sign_bit(size);
    v &= m;
    if (count == 0)
        return v;
    uint32_t r, f;
    switch (kind) {
    case 0: { /* ROL: flags CF, OF only */
        unsigned c = count % bits;
        r = c ? ((v << c) | (v >> (bits - c))) & m : v;
        f = flags_arith(cpu) & ~(F_CF | F_OF);
        if (r & 1)
            f |= F_CF;
        if (((r & sb) != 0) ^ (r & 1))
            f |= F_OF;
        break;
    }
    case 1: {
        unsigned c = count % bits;
        r = c ? ((v >> c) | (v << (bits - c))) & m : v;
        f = flags_arith(cpu) & ~(F_CF | F_OF);
        if (r & sb)
            f |= F_CF;
        if (((r >> (bits - 1)) ^ (r >> (bits - 2))) & 1)
            f |= F_OF;
        break;
    }
    case 2: { /* RCL through CF: a (bits+1)-bit rotate */
        unsigned c = count % (bits + 1);
        uint64_t x = ((uint64_t)(carry_in(cpu) ? 1 : 0) << bits) | v;
        for (unsigned i = 0; i < c; i++)
            x = ((x << 1) | (x >> bits)) & ((2ull << (bits)) - 1);
        r = (uint32_t)x & m;
        f = flags_arith(cpu) & ~(F_CF | F_OF);
        if ((x >> bits) & 1)
            f |= F_CF;
        if (((r & sb) != 0) ^ ((f & F_CF) != 0))
            f |= F_OF;
        break;
    }
    case 3: {
        unsigned c = count % (bits + 1);
        uint64_t x = ((uint64_t)(carry_in(cpu) ? 1 : 0) << bits) | v;
        unsigned of = (((v & sb) != 0) ^ ((x >> bits) & 1));
        for (unsigned i = 0; i < c; i++)
            x = ((x >> 1) | ((x & 1) << bits)) & ((2ull << (bits)) - 1);
        r = (uint32_t)x & m;
        if (cpu->model == CPU_MODEL_286)
            of = ((r >> (bits - 1)) ^ (r >> (bits - 2))) &
                 1; /* the 286 takes OF from the result for any count */
        f = flags_arith(cpu) & ~(F_CF | F_OF);
        if ((x >> bits) & 1)
            f |= F_CF;
        if (of)
            f |= F_OF;
        break;
    }
    case 4:
    case 6:
        r = count < 32 ? (v << count) & m : 0;
        lf_set(cpu, LF_SHL, size, r, v, count);
        return r;
    case 5:
        r = count < 32 ? v >> count : 0;
        lf_set(cpu, LF_SHR, size, r, v, count);
        return r;
    default: {
        int32_t s = (int32_t)sext(v, size);
        r = (uint32_t)(s >> (count > 31 ? 31 : count)) & m;
        lf_set(cpu, LF_SAR, size, r, v, count);
        return r;
    }
    }
    cpu->lf_kind = LF_NONE;
    cpu->lf_flags = (uint16_t)f;
    return r;
}
