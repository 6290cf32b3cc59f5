/* f80_fast.h - the hot cases of f80.c as inline functions: FADD, FSUB,
 * FMUL and the compares of normal operands, rounding to nearest at 64-bit
 * precision (what FNINIT sets and what compilers use with -mfpmath=387).
 *
 * f80.c's entry points try these first, and the instruction layer (x87.c)
 * calls them directly so that the common case costs no call.  Each one
 * returns false, touching nothing, when its case does not apply; the
 * caller then takes the general path, which handles every operand and
 * mode and gives the same bits and flags where both apply (test_f80 and
 * x87_oracle compare both against the host x87).
 *
 * The code has no data-dependent branches in the common case: guest
 * floating-point data (a Mandelbrot orbit, a physics step) decides which
 * operand is larger, whether the signs differ and how far a result
 * cancels at random, and a mispredicted branch costs more than the
 * arithmetic.  Selection is done with masks instead.
 *
 * Portable: 64-bit integers only.  With __int128 (GCC, Clang on 64-bit
 * hosts) the 64 x 64-bit product and the leading-zero count use the
 * compiler's; F80_PORTABLE forces the plain C versions, and test_f80 and
 * x87_golden are also built that way (test_f80_portable,
 * x87_golden_portable) so that both stay tested. */
#ifndef DYNAPC_CPU_F80_FAST_H
#define DYNAPC_CPU_F80_FAST_H

#include "cpu/f80.h"

#if defined(__SIZEOF_INT128__) && !defined(F80_PORTABLE)
#define F80_FAST_INT128 1
#endif
#if (defined(__GNUC__) || defined(__clang__)) && !defined(F80_PORTABLE)
#define F80_FAST_BUILTINS 1
#endif

/* exponent field neither 0 (zero, denormal) nor 7FFF (infinity, NaN) and
 * the integer bit set: no unnormal */
static inline bool f80_fast_normal(f80 v)
{
    return ((unsigned)(v.se + 1) & 0x7FFE) != 0 && (v.mant >> 63) != 0;
}

/* a normal value or a zero of either sign (compared, added or multiplied
 * as they are, with no flag to raise) */
static inline bool f80_fast_comparable(f80 v)
{
    return f80_fast_normal(v) || ((v.se & 0x7FFF) == 0 && v.mant == 0);
}

/* the fast paths apply: round to nearest, 64-bit precision */
static inline bool f80_fast_env(const struct f80_env *e)
{
    return e->rc == F80_RC_NEAREST && e->pc == F80_PC_64;
}

/* leading zeros of v != 0 */
static inline unsigned f80_fast_clz(uint64_t v)
{
#ifdef F80_FAST_BUILTINS
    return (unsigned)__builtin_clzll(v);
#else
    unsigned n = 0;
    for (unsigned k = 32; k > 0; k >>= 1) { /* is the top k bits' half empty? */
        unsigned s = (unsigned)((v >> (64 - k)) == 0) * k;
        n += s;
        v <<= s;
    }
    return n;
#endif
}

/* a * b as hi:lo */
static inline uint64_t f80_fast_mul64(uint64_t a, uint64_t b, uint64_t *lo)
{
#ifdef F80_FAST_INT128
    unsigned __int128 p = (unsigned __int128)a * b;
    *lo = (uint64_t)p;
    return (uint64_t)(p >> 64);
#else
    uint64_t a0 = a & 0xFFFFFFFF, a1 = a >> 32, b0 = b & 0xFFFFFFFF, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xFFFFFFFF) + (p10 & 0xFFFFFFFF);
    *lo = (mid << 32) | (p00 & 0xFFFFFFFF);
    return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
#endif
}

/* Round hi:lo (hi bit 63 set) to 64 bits, to nearest-even, with exponent
 * exp and sign bit sign (0x8000 or 0); false when the result is not a
 * normal f80 (overflow or a tiny result: the general path's business), and
 * for the rare significand of all ones that rounds up to 2^64. */
static inline bool f80_fast_round(uint32_t sign, int32_t exp, uint64_t hi, uint64_t lo, f80 *r,
                                  uint16_t *flags)
{
    /* lo + 2^63 - 1 + (hi & 1) carries exactly when lo is above one half,
     * or one half with hi odd */
    uint64_t t = lo + (0x7FFFFFFFFFFFFFFFull + (hi & 1));
    uint64_t up = t < lo;
    hi += up;
    if (hi == 0 || (uint32_t)(exp - 1) >= 0x7FFE)
        return false;
    r->mant = hi;
    r->se = (uint16_t)(sign | (uint32_t)exp);
    *flags = (uint16_t)(((lo != 0) * F80_PE) | (up * F80_C1));
    return true;
}

/* a + b, or a - b with negate_b: both normal.  Exact before rounding when
 * the exponents differ by less than 64 (the others go to the general
 * path): the larger magnitude x sits at bit 126 of a 128-bit sum, y below
 * it shifted by at most 64 with nothing lost, so the sum needs no sticky
 * bit. */
static inline bool f80_fast_add(f80 a, f80 b, bool negate_b, f80 *r, uint16_t *flags)
{
    uint32_t sea = a.se, seb = b.se ^ ((uint32_t)negate_b << 15);
    if (!f80_fast_normal(a) || !f80_fast_normal(b)) {
        if (!f80_fast_comparable(a) || !f80_fast_comparable(b))
            return false;
        /* a zero operand: the other one exactly; two zeros: +0 unless both
         * are negative (round to nearest) */
        *flags = 0;
        r->mant = a.mant | b.mant;
        r->se = (uint16_t)(b.mant == 0 ? (a.mant == 0 ? sea & seb : sea) : seb);
        return true;
    }
    uint32_t ea = sea & 0x7FFF, eb = seb & 0x7FFF;
    /* swap so that x is the larger magnitude */
#ifdef F80_FAST_INT128
    unsigned __int128 ka = (unsigned __int128)ea << 64 | a.mant, kb = (unsigned __int128)eb << 64 | b.mant;
    uint64_t swap = (uint64_t)0 - (uint64_t)(kb > ka);
#else
    uint64_t swap = (uint64_t)0 - (uint64_t)((eb > ea) | ((eb == ea) & (b.mant > a.mant)));
#endif
    uint64_t mx = a.mant ^ ((a.mant ^ b.mant) & swap), my = a.mant ^ b.mant ^ mx;
    uint32_t sex = sea ^ ((sea ^ seb) & (uint32_t)swap), sey = sea ^ seb ^ sex;
    uint32_t d = (sex & 0x7FFF) - (sey & 0x7FFF);
    if (d > 63)
        return false;
    uint64_t xhi = mx >> 1, xlo = mx << 63;
    uint64_t yhi = (my >> 1) >> d, ylo = my << (63 - d);
    /* an effective subtraction adds the two's complement of y */
    uint64_t sub = (uint64_t)((sex ^ sey) >> 15);
    uint64_t neg = (uint64_t)0 - sub;
    yhi ^= neg;
    ylo ^= neg;
    uint64_t lo = xlo + ylo;
    uint64_t hi = xhi + yhi + (lo < xlo);
    uint64_t lo2 = lo + sub;
    hi += lo2 < lo;
    lo = lo2;
    if (hi == 0)
        return false;              /* cancelled to 64 bits or fewer, or to zero */
    unsigned z = f80_fast_clz(hi); /* 0 or 1 for an addition */
    hi = (hi << z) | ((lo >> 1) >> (63 - z));
    lo <<= z;
    return f80_fast_round(sex & 0x8000, (int32_t)(sex & 0x7FFF) + 1 - (int32_t)z, hi, lo, r, flags);
}

/* a * b, both normal: the product of the significands is in [2^126, 2^128) */
static inline bool f80_fast_mul(f80 a, f80 b, f80 *r, uint16_t *flags)
{
    if (!f80_fast_normal(a) || !f80_fast_normal(b)) {
        if (!f80_fast_comparable(a) || !f80_fast_comparable(b))
            return false;
        *flags = 0; /* a zero operand: a zero of the product's sign */
        r->mant = 0;
        r->se = (uint16_t)((a.se ^ b.se) & 0x8000);
        return true;
    }
    uint64_t lo, hi = f80_fast_mul64(a.mant, b.mant, &lo);
    uint64_t top = hi >> 63, z = top ^ 1;
    hi = (hi << z) | ((lo >> 63) & z);
    lo <<= z;
    int32_t exp = (int32_t)(a.se & 0x7FFF) + (int32_t)(b.se & 0x7FFF) - F80_EXP_BIAS + (int32_t)top;
    return f80_fast_round((uint32_t)(a.se ^ b.se) & 0x8000, exp, hi, lo, r, flags);
}

/* a / b, both normal, with __int128 only (the portable build takes the
 * general path, a bit-serial division): the quotient of the significands
 * is in (2^63, 2^65) */
static inline bool f80_fast_div(f80 a, f80 b, f80 *r, uint16_t *flags)
{
#ifdef F80_FAST_INT128
    if (!f80_fast_normal(a) || !f80_fast_normal(b))
        return false;
    unsigned __int128 num = (unsigned __int128)a.mant << 64;
    unsigned __int128 q = num / b.mant;
    uint64_t rem = (uint64_t)(num - q * b.mant);
    uint64_t top = (uint64_t)(q >> 64), hi, lo; /* top: a.mant >= b.mant */
    if (top) {
        hi = (uint64_t)(q >> 1);
        lo = (uint64_t)q << 63 | (rem != 0);
    } else {
        /* one more quotient bit from the remainder (rem < b.mant < 2^64) */
        unsigned __int128 r2 = (unsigned __int128)rem << 1;
        uint64_t guard = r2 >= b.mant;
        hi = (uint64_t)q;
        lo = guard << 63 | (r2 - guard * b.mant != 0);
    }
    int32_t exp = (int32_t)(a.se & 0x7FFF) - (int32_t)(b.se & 0x7FFF) + F80_EXP_BIAS - 1 + (int32_t)top;
    return f80_fast_round((uint32_t)(a.se ^ b.se) & 0x8000, exp, hi, lo, r, flags);
#else
    (void)a, (void)b, (void)r, (void)flags;
    return false;
#endif
}

/* FCOM & co. of two normal operands or zeros (no flags in that case);
 * false for anything else */
static inline bool f80_fast_compare(f80 a, f80 b, enum f80_relation *rel)
{
    if (!f80_fast_comparable(a) || !f80_fast_comparable(b))
        return false;
    /* the values as unsigned keys in the order of their values: -0 as +0,
     * positive values with the sign bit set, negative ones complemented */
    uint32_t ka = a.se & ~((uint32_t)(a.mant == 0) << 15), kb = b.se & ~((uint32_t)(b.mant == 0) << 15);
    uint64_t ma = a.mant ^ ((uint64_t)0 - (ka >> 15)), mb = b.mant ^ ((uint64_t)0 - (kb >> 15));
    ka ^= 0x8000 | (((uint32_t)0 - (ka >> 15)) & 0x7FFF);
    kb ^= 0x8000 | (((uint32_t)0 - (kb >> 15)) & 0x7FFF);
#ifdef F80_FAST_INT128
    unsigned __int128 wa = (unsigned __int128)ka << 64 | ma, wb = (unsigned __int128)kb << 64 | mb;
    unsigned gt = wa > wb, lt = wa < wb;
#else
    unsigned gt = (ka > kb) | ((ka == kb) & (ma > mb));
    unsigned lt = (ka < kb) | ((ka == kb) & (ma < mb));
#endif
    *rel = (enum f80_relation)(F80_EQUAL + gt - lt);
    return true;
}

/* FLD m32/m64 of a normal number: exact, no flags */
static inline bool f80_fast_from_f32(uint32_t bits, f80 *v)
{
    uint32_t e = (bits >> 23) & 0xFF;
    if (e - 1 >= 0xFE)
        return false; /* zero, denormal, infinity, NaN */
    v->mant = 0x8000000000000000ull | (uint64_t)(bits & 0x7FFFFF) << 40;
    v->se = (uint16_t)(((bits >> 16) & 0x8000) | (e - 127 + F80_EXP_BIAS));
    return true;
}
static inline bool f80_fast_from_f64(uint64_t bits, f80 *v)
{
    uint32_t e = (uint32_t)(bits >> 52) & 0x7FF;
    if (e - 1 >= 0x7FE)
        return false;
    v->mant = 0x8000000000000000ull | (bits & 0xFFFFFFFFFFFFFull) << 11;
    v->se = (uint16_t)(((uint32_t)(bits >> 48) & 0x8000) | (e - 1023 + F80_EXP_BIAS));
    return true;
}

/* FST m32/m64 (dbl) of a normal number at round to nearest (precision
 * control does not apply to stores), when the rounded value is a normal
 * number of the format: its encoding in *bits */
static inline bool f80_fast_to_ieee(f80 a, bool dbl, uint64_t *bits, uint16_t *flags)
{
    if (!f80_fast_normal(a))
        return false;
    unsigned fbits = dbl ? 52 : 23, drop = 63 - fbits;
    int32_t bias = dbl ? 1023 : 127, emax = dbl ? 2046 : 254;
    uint64_t rest = a.mant & ((1ull << drop) - 1), half = 1ull << (drop - 1);
    uint64_t q = a.mant >> drop; /* the integer bit and fbits of fraction */
    uint64_t up = (uint64_t)((rest > half) | ((rest == half) & (unsigned)(q & 1)));
    q += up;
    uint64_t carry = q >> (fbits + 1); /* rounded up to the next power of two */
    q >>= carry;
    int32_t e = (int32_t)(a.se & 0x7FFF) - F80_EXP_BIAS + bias + (int32_t)carry;
    if ((uint32_t)(e - 1) >= (uint32_t)emax)
        return false;
    *bits = (uint64_t)(a.se >> 15) << (fbits + (dbl ? 11 : 8)) | (uint64_t)e << fbits |
            (q & ((1ull << fbits) - 1));
    *flags = (uint16_t)(((rest != 0) * F80_PE) | (up * F80_C1));
    return true;
}

#endif
