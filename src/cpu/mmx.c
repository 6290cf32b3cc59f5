/* mmx.c - the MMX instructions (SDM Vol. 1 chapter 9, Vol. 2 instruction
 * pages; Pentium with MMX technology and Pentium II).
 *
 * MMi is the significand of the physical x87 register Ri: a write also sets
 * that register's sign and exponent bits to all ones.  Every MMX
 * instruction sets TOP to 0 and marks all eight registers valid, except
 * EMMS, which marks them all empty (SDM Vol. 1 9.5).  The checks come first
 * and in this order: CR0.EM (#UD), CR0.TS (#NM), a pending x87 exception
 * (#MF, or FERR# with CR0.NE = 0); then the memory operand; nothing changes
 * before the last access that can fault. */
#include "cpu/mmx.h"

#include "cpu/x87.h"

static inline uint64_t mm_get(const struct cpu *cpu, unsigned i)
{
    return cpu->fpu.st[i].mant;
}

static inline void mm_set(struct cpu *cpu, unsigned i, uint64_t v)
{
    cpu->fpu.st[i].mant = v;
    cpu->fpu.st[i].se = 0xFFFF;
}

/* after every MMX instruction but EMMS */
static inline void mmx_state(struct cpu *cpu)
{
    cpu->fpu.top = 0;
    cpu->fpu.valid = 0xFF;
}

static uint32_t mmx_lin(struct cpu *cpu, const struct op *op, unsigned size, bool write)
{
    return seg_lin_wide(cpu, op, op_ea(cpu, op), size, write);
}

/* the Qq operand (64 bits; 32 for PUNPCKL*, which read only the low half) */
static uint64_t get_q(struct cpu *cpu, const struct op *op, unsigned size)
{
    if (!op->is_mem)
        return mm_get(cpu, op->rm);
    uint32_t lin = mmx_lin(cpu, op, size, false);
    if (size == 4)
        return mem_read(cpu, op, lin, 4);
    return mem_read_slow(cpu, op, lin, 8);
}

/* ---- lane helpers --------------------------------------------------------------- */

static inline int64_t lane_s(uint64_t v, unsigned bits, unsigned i)
{
    uint64_t x = (v >> (i * bits)) & ((bits == 64 ? 0 : 1ull << bits) - 1);
    uint64_t sign = 1ull << (bits - 1);
    return (int64_t)((x ^ sign) - sign);
}
static inline uint64_t lane_u(uint64_t v, unsigned bits, unsigned i)
{
    return (v >> (i * bits)) & ((1ull << bits) - 1);
}
static inline uint64_t put_lane(uint64_t acc, unsigned bits, unsigned i, uint64_t x)
{
    return acc | ((x & ((1ull << bits) - 1)) << (i * bits));
}
static inline int64_t sat_s(int64_t x, unsigned bits)
{
    int64_t hi = (1ll << (bits - 1)) - 1, lo = -(1ll << (bits - 1));
    return x > hi ? hi : x < lo ? lo : x;
}
static inline int64_t sat_u(int64_t x, unsigned bits)
{
    int64_t hi = (1ll << bits) - 1;
    return x > hi ? hi : x < 0 ? 0 : x;
}

enum { ADD, SUB, ADDS, SUBS, ADDUS, SUBUS, CMPEQ, CMPGT };

static uint64_t lanes(uint64_t a, uint64_t b, unsigned bits, int kind)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < 64 / bits; i++) {
        int64_t x, y, v;
        switch (kind) {
        case ADD:
            v = (int64_t)(lane_u(a, bits, i) + lane_u(b, bits, i));
            break;
        case SUB:
            v = (int64_t)(lane_u(a, bits, i) - lane_u(b, bits, i));
            break;
        case ADDS:
            v = sat_s(lane_s(a, bits, i) + lane_s(b, bits, i), bits);
            break;
        case SUBS:
            v = sat_s(lane_s(a, bits, i) - lane_s(b, bits, i), bits);
            break;
        case ADDUS:
            v = sat_u((int64_t)lane_u(a, bits, i) + (int64_t)lane_u(b, bits, i), bits);
            break;
        case SUBUS:
            v = sat_u((int64_t)lane_u(a, bits, i) - (int64_t)lane_u(b, bits, i), bits);
            break;
        case CMPEQ:
            v = lane_u(a, bits, i) == lane_u(b, bits, i) ? -1 : 0;
            break;
        default:
            x = lane_s(a, bits, i);
            y = lane_s(b, bits, i);
            v = x > y ? -1 : 0;
            break;
        }
        r = put_lane(r, bits, i, (uint64_t)v);
    }
    return r;
}

/* PSLL/PSRL/PSRA by a count (anything above the lane width empties it) */
static uint64_t shift(uint64_t a, unsigned bits, int kind, uint64_t count)
{
    if (bits == 64) {
        if (count > 63)
            return 0;
        return kind == 0 ? a << count : a >> count;
    }
    uint64_t r = 0;
    for (unsigned i = 0; i < 64 / bits; i++) {
        uint64_t v;
        if (kind == 2) {
            int64_t x = lane_s(a, bits, i);
            v = (uint64_t)(x >> (count > bits - 1 ? bits - 1 : count));
        } else if (count > bits - 1) {
            v = 0;
        } else {
            v = kind == 0 ? lane_u(a, bits, i) << count : lane_u(a, bits, i) >> count;
        }
        r = put_lane(r, bits, i, v);
    }
    return r;
}

static uint64_t pack(uint64_t a, uint64_t b, unsigned from, bool is_signed)
{
    unsigned to = from / 2, n = 64 / from;
    uint64_t r = 0;
    for (unsigned i = 0; i < 2 * n; i++) {
        int64_t x = lane_s(i < n ? a : b, from, i % n);
        r = put_lane(r, to, i, (uint64_t)(is_signed ? sat_s(x, to) : sat_u(x, to)));
    }
    return r;
}

/* PUNPCKL* (high = false) and PUNPCKH*: interleave the lanes of one half */
static uint64_t unpack(uint64_t a, uint64_t b, unsigned bits, bool high)
{
    unsigned n = 32 / bits;
    uint64_t r = 0;
    for (unsigned i = 0; i < n; i++) {
        unsigned k = high ? i + n : i;
        r = put_lane(r, bits, 2 * i, lane_u(a, bits, k));
        r = put_lane(r, bits, 2 * i + 1, lane_u(b, bits, k));
    }
    return r;
}

/* ---- the handler ------------------------------------------------------------------ */

static const struct op *mmx_op(struct cpu *cpu, const struct op *op)
{
    if (unlikely((cpu->cr0 & (CR0_EM | CR0_TS)) | (cpu->fpu.sw & SW_ES)) && !x87_mmx_check(cpu, op))
        return exit_to(cpu, op->eip);
    unsigned opc = op->opcode & 0xFF, d = op->reg;
    uint64_t a = mm_get(cpu, d), b, r;
    switch (opc) {
    case 0x77: /* EMMS: all empty, and TOP = 0 as after any MMX instruction */
        cpu->fpu.top = 0;
        cpu->fpu.valid = 0;
        return op + 1;
    case 0x6E: /* MOVD Pq, Ed */
        b = op->is_mem ? mem_read(cpu, op, mmx_lin(cpu, op, 4, false), 4) : cpu->r[op->rm];
        mm_set(cpu, d, b);
        mmx_state(cpu);
        return op + 1;
    case 0x7E: /* MOVD Ed, Pq */
        if (op->is_mem)
            mem_write(cpu, op, mmx_lin(cpu, op, 4, true), (uint32_t)a, 4);
        else
            cpu->r[op->rm] = (uint32_t)a;
        mmx_state(cpu);
        return op + 1;
    case 0x7F: /* MOVQ Qq, Pq */
        if (op->is_mem)
            mem_write_slow(cpu, op, mmx_lin(cpu, op, 8, true), a, 8);
        else
            mm_set(cpu, op->rm, a);
        mmx_state(cpu);
        return op + 1;
    case 0x71:
    case 0x72:
    case 0x73: { /* shifts by an immediate: sub 2 PSRL, 4 PSRA, 6 PSLL */
        unsigned bits = opc == 0x71 ? 16 : opc == 0x72 ? 32 : 64;
        int kind = op->sub == 6 ? 0 : op->sub == 2 ? 1 : 2;
        mm_set(cpu, op->rm, shift(mm_get(cpu, op->rm), bits, kind, op->imm & 0xFF));
        mmx_state(cpu);
        return op + 1;
    }
    default:
        break;
    }
    b = get_q(cpu, op, (opc >= 0x60 && opc <= 0x62) ? 4 : 8);
    switch (opc) {
    case 0x60:
        r = unpack(a, b, 8, false);
        break;
    case 0x61:
        r = unpack(a, b, 16, false);
        break;
    case 0x62:
        r = unpack(a, b, 32, false);
        break;
    case 0x63:
        r = pack(a, b, 16, true);
        break;
    case 0x64:
        r = lanes(a, b, 8, CMPGT);
        break;
    case 0x65:
        r = lanes(a, b, 16, CMPGT);
        break;
    case 0x66:
        r = lanes(a, b, 32, CMPGT);
        break;
    case 0x67:
        r = pack(a, b, 16, false);
        break;
    case 0x68:
        r = unpack(a, b, 8, true);
        break;
    case 0x69:
        r = unpack(a, b, 16, true);
        break;
    case 0x6A:
        r = unpack(a, b, 32, true);
        break;
    case 0x6B:
        r = pack(a, b, 32, true);
        break;
    case 0x6F:
        r = b;
        break;
    case 0x74:
        r = lanes(a, b, 8, CMPEQ);
        break;
    case 0x75:
        r = lanes(a, b, 16, CMPEQ);
        break;
    case 0x76:
        r = lanes(a, b, 32, CMPEQ);
        break;
    case 0xD1:
    case 0xD2:
    case 0xD3:
        r = shift(a, opc == 0xD1 ? 16 : opc == 0xD2 ? 32 : 64, 1, b);
        break;
    case 0xE1:
    case 0xE2:
        r = shift(a, opc == 0xE1 ? 16 : 32, 2, b);
        break;
    case 0xF1:
    case 0xF2:
    case 0xF3:
        r = shift(a, opc == 0xF1 ? 16 : opc == 0xF2 ? 32 : 64, 0, b);
        break;
    case 0xD5: /* PMULLW */
    case 0xE5: /* PMULHW */
        r = 0;
        for (unsigned i = 0; i < 4; i++) {
            int32_t p = (int32_t)lane_s(a, 16, i) * (int32_t)lane_s(b, 16, i);
            r = put_lane(r, 16, i, opc == 0xD5 ? (uint32_t)p : (uint32_t)p >> 16);
        }
        break;
    case 0xF5: /* PMADDWD */
        r = 0;
        for (unsigned i = 0; i < 2; i++) {
            uint32_t s = (uint32_t)((int32_t)lane_s(a, 16, 2 * i) * (int32_t)lane_s(b, 16, 2 * i)) +
                         (uint32_t)((int32_t)lane_s(a, 16, 2 * i + 1) * (int32_t)lane_s(b, 16, 2 * i + 1));
            r = put_lane(r, 32, i, s);
        }
        break;
    case 0xD8:
        r = lanes(a, b, 8, SUBUS);
        break;
    case 0xD9:
        r = lanes(a, b, 16, SUBUS);
        break;
    case 0xDB:
        r = a & b;
        break;
    case 0xDC:
        r = lanes(a, b, 8, ADDUS);
        break;
    case 0xDD:
        r = lanes(a, b, 16, ADDUS);
        break;
    case 0xDF:
        r = ~a & b;
        break;
    case 0xE8:
        r = lanes(a, b, 8, SUBS);
        break;
    case 0xE9:
        r = lanes(a, b, 16, SUBS);
        break;
    case 0xEB:
        r = a | b;
        break;
    case 0xEC:
        r = lanes(a, b, 8, ADDS);
        break;
    case 0xED:
        r = lanes(a, b, 16, ADDS);
        break;
    case 0xEF:
        r = a ^ b;
        break;
    case 0xF8:
        r = lanes(a, b, 8, SUB);
        break;
    case 0xF9:
        r = lanes(a, b, 16, SUB);
        break;
    case 0xFA:
        r = lanes(a, b, 32, SUB);
        break;
    case 0xFC:
        r = lanes(a, b, 8, ADD);
        break;
    case 0xFD:
        r = lanes(a, b, 16, ADD);
        break;
    default: /* 0xFE */
        r = lanes(a, b, 32, ADD);
        break;
    }
    mm_set(cpu, d, r);
    mmx_state(cpu);
    return op + 1;
}

op_fn sel_mmx(const struct op *op)
{
    (void)op;
    return mmx_op;
}
