/* fptrans.c - FSIN, FCOS, FSINCOS, FPTAN, FPATAN, F2XM1, FYL2X, FYL2XP1 in
 * integer arithmetic (see fptrans.h).
 *
 * Every result is computed in a small multi-precision float (256-bit
 * significand in 32-bit words, so the same code runs on 32-bit hosts) and
 * rounded once to the 64-bit x87 format.  The functions are evaluated by
 * series after argument reduction:
 *  - sin/cos/tan: the x87 reduces by a 66-bit approximation of pi (SDM Vol. 1
 *    8.3.10: "an internal value of pi with 66 significant bits"), exactly:
 *    x - k * P/2 is formed without error, and the series then run on that
 *    exact remainder, so for large arguments the results follow the
 *    hardware's pi and not the true one;
 *  - atan: three argument halvings, then the Taylor series;
 *  - log2: the atanh series on the significand in [sqrt(1/2), sqrt(2));
 *  - 2^x - 1: the expm1 Taylor series of x * ln 2.
 * Only the special cases can have exact results; they are handled
 * explicitly, through f80.c where the x87's rules are the IEEE ones
 * (multiplication by zero or infinity, NaN propagation). */
#include "cpu/fptrans.h"

#include <stddef.h>

#define BIAS  16383
#define J_BIT 0x8000000000000000ull
#define NW    8 /* 32-bit words of significand */

/* value = (-1)^sign * 0.w[0]w[1]... * 2^exp; w[0] has its top bit set, or
 * every word is zero */
struct mp {
    bool sign;
    int32_t exp;
    uint32_t w[NW];
};

static const struct mp mp_zero_v = {false, 0, {0}};

static bool mp_is_zero(const struct mp *a)
{
    return a->w[0] == 0;
}

static void mp_norm(struct mp *a)
{
    int words = 0;
    while (words < NW && a->w[words] == 0)
        words++;
    if (words == NW) {
        *a = mp_zero_v;
        return;
    }
    if (words) {
        for (int i = 0; i < NW; i++)
            a->w[i] = i + words < NW ? a->w[i + words] : 0;
        a->exp -= 32 * words;
    }
    int s = 0;
    while (!(a->w[0] & (0x80000000u >> s)))
        s++;
    if (s) {
        for (int i = 0; i < NW; i++)
            a->w[i] = (a->w[i] << s) | (i + 1 < NW ? a->w[i + 1] >> (32 - s) : 0);
        a->exp -= s;
    }
}

/* m * 2^exp */
static struct mp mp_from_u64(bool sign, uint64_t m, int32_t exp)
{
    struct mp r = mp_zero_v;
    r.sign = sign;
    r.w[0] = (uint32_t)(m >> 32);
    r.w[1] = (uint32_t)m;
    r.exp = exp + 64;
    mp_norm(&r);
    return r;
}

static struct mp mp_from_f80(f80 a)
{
    int32_t e = f80_exp(a) ? f80_exp(a) : 1;
    return mp_from_u64(f80_sign(a), a.mant, e - BIAS - 63);
}

/* a constant given as words of its significand in [1/2, 1) */
static struct mp mp_const(const uint32_t *w, int32_t exp)
{
    struct mp r;
    r.sign = false;
    r.exp = exp;
    for (int i = 0; i < NW; i++)
        r.w[i] = w[i];
    return r;
}

/* pi/4 and ln 2, 288 bits each */
static const uint32_t pi4_w[NW + 1] = {0xC90FDAA2, 0x2168C234, 0xC4C6628B, 0x80DC1CD1, 0x29024E08,
                                       0x8A67CC74, 0x020BBEA6, 0x3B139B22, 0x514A0879};
static const uint32_t ln2_w[NW + 1] = {0xB17217F7, 0xD1CF79AB, 0xC9E3B398, 0x03F2F6AF, 0x40F34326,
                                       0x7298B62D, 0x8A0D175B, 0x8BAAFA2B, 0xE7B87620};
/* the host's 68-bit 1/ln 2 (B8AA3B295C17F0BBC h * 2^-67), FYL2X's and
 * FYL2XP1's C */
static const uint32_t inv_ln2_w[NW] = {0xB8AA3B29, 0x5C17F0BB, 0xC0000000};

static struct mp mp_pi_scaled(int32_t exp_of_pi4)
{
    return mp_const(pi4_w, exp_of_pi4);
}
#define MP_PI4 mp_pi_scaled(0)
#define MP_PI2 mp_pi_scaled(1)
#define MP_PI  mp_pi_scaled(2)

/* The x87's own pi: 66 significant bits, C90FDAA22168C234C h * 2^-66 (SDM
 * Vol. 1 8.3.10; bits 67 and 68 of pi are zero, so the 68-bit truncation is
 * the same number).  The hardware uses it not only to reduce the argument
 * of FSIN & co. but also in FPATAN (the host's FPATAN results for
 * |y| > |x| or x < 0 follow pi/2 - atan and pi - atan with this pi, not the
 * true one), times 2^exp_of_pi4 / 4 */
static struct mp mp_hw_pi_scaled(int32_t exp_of_pi4)
{
    static const uint32_t w[NW] = {0xC90FDAA2, 0x2168C234, 0xC0000000};
    return mp_const(w, exp_of_pi4);
}

static struct mp mp_neg(struct mp a)
{
    a.sign = !a.sign;
    return a;
}

/* |a| >= |b| assumed by the caller for subtraction of magnitudes */
static int mag_cmp(const uint32_t *a, const uint32_t *b)
{
    for (int i = 0; i < NW; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

static struct mp mp_add(struct mp a, struct mp b)
{
    if (mp_is_zero(&a))
        return b;
    if (mp_is_zero(&b))
        return a;
    if (a.exp < b.exp || (a.exp == b.exp && mag_cmp(a.w, b.w) < 0)) {
        struct mp t = a;
        a = b;
        b = t;
    }
    int32_t d = a.exp - b.exp;
    if (d >= 32 * NW)
        return a;
    uint32_t bw[NW];
    int ws = d / 32, bs = d % 32;
    for (int i = 0; i < NW; i++) {
        int k = i - ws;
        uint32_t hi = k >= 0 ? b.w[k] : 0, lo = k - 1 >= 0 ? b.w[k - 1] : 0;
        bw[i] = bs ? (hi >> bs) | (lo << (32 - bs)) : hi;
    }
    struct mp r = a;
    if (a.sign == b.sign) {
        uint64_t c = 0;
        for (int i = NW - 1; i >= 0; i--) {
            c += (uint64_t)a.w[i] + bw[i];
            r.w[i] = (uint32_t)c;
            c >>= 32;
        }
        if (c) {
            for (int i = NW - 1; i > 0; i--)
                r.w[i] = (r.w[i] >> 1) | (r.w[i - 1] << 31);
            r.w[0] = (r.w[0] >> 1) | 0x80000000u;
            r.exp++;
        }
        return r;
    }
    int64_t br = 0;
    for (int i = NW - 1; i >= 0; i--) {
        int64_t v = (int64_t)a.w[i] - bw[i] - br;
        br = v < 0;
        r.w[i] = (uint32_t)v;
    }
    mp_norm(&r);
    return r;
}

static struct mp mp_sub(struct mp a, struct mp b)
{
    return mp_add(a, mp_neg(b));
}

static struct mp mp_mul(struct mp a, struct mp b)
{
    if (mp_is_zero(&a) || mp_is_zero(&b))
        return mp_zero_v;
    uint32_t p[2 * NW] = {0};
    for (int i = NW - 1; i >= 0; i--) {
        uint64_t c = 0;
        for (int j = NW - 1; j >= 0; j--) {
            c += (uint64_t)a.w[i] * b.w[j] + p[i + j + 1];
            p[i + j + 1] = (uint32_t)c;
            c >>= 32;
        }
        p[i] = (uint32_t)c;
    }
    struct mp r;
    r.sign = a.sign != b.sign;
    r.exp = a.exp + b.exp;
    int s = (p[0] & 0x80000000u) ? 0 : 1;
    for (int i = 0; i < NW; i++)
        r.w[i] = s ? (p[i] << 1) | (p[i + 1] >> 31) : p[i];
    r.exp -= s;
    return r;
}

static struct mp mp_mul_u32(struct mp a, uint32_t k)
{
    return mp_mul(a, mp_from_u64(false, k, 0));
}

static struct mp mp_div_u32(struct mp a, uint32_t k)
{
    /* long division of the words by k, then renormalise */
    struct mp r = a;
    uint64_t rem = 0;
    for (int i = 0; i < NW; i++) {
        rem = (rem << 32) | a.w[i];
        r.w[i] = (uint32_t)(rem / k);
        rem %= k;
    }
    mp_norm(&r);
    return r;
}

static struct mp mp_div(struct mp a, struct mp b)
{
    if (mp_is_zero(&a))
        return mp_zero_v;
    /* restoring division, one quotient bit per step: rem < 2 * b */
    uint32_t rem[NW + 1], q[NW + 1] = {0};
    rem[0] = 0;
    for (int i = 0; i < NW; i++)
        rem[i + 1] = a.w[i];
    uint32_t div[NW + 1];
    div[0] = 0;
    for (int i = 0; i < NW; i++)
        div[i + 1] = b.w[i];
    for (int bit = 0; bit < 32 * (NW + 1) - 1; bit++) {
        int ge = 1;
        for (int i = 0; i <= NW; i++)
            if (rem[i] != div[i]) {
                ge = rem[i] > div[i];
                break;
            }
        if (ge) {
            int64_t br = 0;
            for (int i = NW; i >= 0; i--) {
                int64_t v = (int64_t)rem[i] - div[i] - br;
                br = v < 0;
                rem[i] = (uint32_t)v;
            }
        }
        for (int i = 0; i < NW; i++)
            q[i] = (q[i] << 1) | (q[i + 1] >> 31);
        q[NW] = (q[NW] << 1) | (uint32_t)ge;
        for (int i = 0; i < NW; i++)
            rem[i] = (rem[i] << 1) | (rem[i + 1] >> 31);
        rem[NW] <<= 1;
    }
    /* q holds 32*(NW+1)-1 bits; its first bit has weight 2^0 */
    struct mp r;
    r.sign = a.sign != b.sign;
    r.exp = a.exp - b.exp + 2;
    for (int i = 0; i < NW; i++)
        r.w[i] = q[i];
    mp_norm(&r);
    return r;
}

/* square root of a > 0 by Newton's iteration x = (x + a/x) / 2 */
static struct mp mp_sqrt(struct mp a)
{
    if (mp_is_zero(&a))
        return a;
    /* first guess: the square root of the top 32 bits, 16 bits exact */
    int32_t e = a.exp;
    uint64_t top = a.w[0];
    if (e & 1) {
        top >>= 1;
        e++;
    }
    top <<= 32; /* 0.top * 2^e, top as a 64-bit fraction */
    uint64_t x = 0;
    for (int bit = 31; bit >= 0; bit--) {
        uint64_t t = x | (1ull << bit);
        if (t * t <= top)
            x = t;
    }
    struct mp g = mp_from_u64(false, x ? x : 1, e / 2 - 32);
    for (int i = 0; i < 5; i++) {
        g = mp_add(g, mp_div(a, g));
        g.exp--;
    }
    return g;
}

/* v rounded to nearest-even at `bits` significant bits (0 < bits < 32 * NW):
 * the precision of the hardware's internal intermediate results.  The
 * host's FYL2X, for one, is RC(y * L) for one value L per x that is a
 * 68-bit float (probing with many y reads L off): for large |log2 x| it is
 * log2 x rounded to nearest at 68 bits, exactly. */
static struct mp mp_round_bits(struct mp v, int bits)
{
    if (mp_is_zero(&v))
        return v;
    int wi = bits / 32, bi = bits % 32; /* the first dropped bit: word wi, bit 31 - bi */
    uint32_t keep = bi ? ~(0xFFFFFFFFu >> bi) : 0;
    uint32_t half = 0x80000000u >> bi, low = v.w[wi] & ~keep;
    /* the last kept bit: word lw, mask lsb */
    int lw = bi ? wi : wi - 1;
    uint32_t lsb = bi ? 0x80000000u >> (bi - 1) : 1;
    bool rest = false;
    for (int i = wi + 1; i < NW; i++)
        rest |= v.w[i] != 0;
    bool up = low > half || (low == half && (rest || (v.w[lw] & lsb)));
    v.w[wi] &= keep;
    for (int i = wi + 1; i < NW; i++)
        v.w[i] = 0;
    if (up) {
        uint64_t c = lsb;
        for (int i = lw; i >= 0 && c; i--) {
            c += v.w[i];
            v.w[i] = (uint32_t)c;
            c >>= 32;
        }
        if (c) {
            v.w[0] = 0x80000000u;
            v.exp++;
        }
    }
    return v;
}

/* ---- rounding to the x87 format ----------------------------------------------- */

/* tail: the sign of what the series left out, relative to |v| (-1: the
 * true value is a little smaller in magnitude, +1: larger, 0: v is all of
 * it).  It matters only when v itself fits in the bits kept, e.g. sin(x)
 * of a tiny x, which is x less a little. */
static f80 round_mp_tail(struct mp v, int tail, struct f80_env *e)
{
    bool sign = v.sign;
    if (mp_is_zero(&v))
        return f80_make(sign, 0, 0);
    int32_t exp = v.exp - 1 + BIAS; /* biased exponent of 1.xxx */
    uint64_t m = (uint64_t)v.w[0] << 32 | v.w[1];
    uint64_t rest = (uint64_t)v.w[2] << 32 | v.w[3];
    bool sticky = false;
    for (int i = 4; i < NW; i++)
        sticky |= v.w[i] != 0;
    if (tail && rest == 0 && !sticky) {
        sticky = true;
        if (tail < 0) {
            /* just below m.000: m - 1 . 111... */
            rest = ~0ull;
            if (m == J_BIT) {
                m = ~0ull; /* 0.1111... * 2: one binade down */
                exp--;
            } else {
                m--;
            }
        }
    }
    if (exp < 1 && !(e->unmasked & F80_UE)) {
        /* tiny: tininess after rounding (with an unbounded exponent) decides UE */
        int32_t sh = 1 - exp;
        bool tiny = true;
        if (sh == 1 && m == ~0ull) {
            bool rup = e->rc == F80_RC_NEAREST                     ? (rest >> 63) != 0
                       : e->rc == (sign ? F80_RC_DOWN : F80_RC_UP) ? (rest | sticky) != 0
                                                                   : false;
            tiny = !rup;
        }
        /* denormalise m:rest by sh bits */
        if (sh >= 128) {
            sticky |= m != 0 || rest != 0;
            m = 0;
            rest = 0;
        } else if (sh >= 64) {
            sticky |= rest != 0 || (sh > 64 && (m << (128 - sh)) != 0);
            rest = sh == 64 ? m : m >> (sh - 64);
            m = 0;
        } else {
            sticky |= (rest << (64 - sh)) != 0;
            rest = (rest >> sh) | (m << (64 - sh));
            m >>= sh;
        }
        exp = 0;
        bool inexact = rest != 0 || sticky;
        bool up = false;
        if (inexact) {
            if (e->rc == F80_RC_NEAREST)
                up = (rest >> 63) && ((rest << 1) != 0 || sticky || (m & 1));
            else if (e->rc == (sign ? F80_RC_DOWN : F80_RC_UP))
                up = true;
        }
        if (up) {
            m++;
            if (m == J_BIT)
                exp = 1;
        }
        if (inexact) {
            e->flags |= F80_PE | (up ? F80_C1 : 0);
            if (tiny)
                e->flags |= F80_UE;
        }
        return f80_make(sign, (uint16_t)exp, m);
    }
    bool inexact = rest != 0 || sticky;
    bool up = false;
    if (inexact) {
        if (e->rc == F80_RC_NEAREST)
            up = (rest >> 63) && ((rest << 1) != 0 || sticky || (m & 1));
        else if (e->rc == (sign ? F80_RC_DOWN : F80_RC_UP))
            up = true;
    }
    if (up) {
        m++;
        if (m == 0) {
            m = J_BIT;
            exp++;
        }
    }
    if (inexact)
        e->flags |= F80_PE | (up ? F80_C1 : 0);
    if (exp < 1) {
        /* unmasked underflow: the exponent wrapped (SDM 4.9.1.5) */
        e->flags |= F80_UE;
        exp += 24576;
    } else if (exp >= 0x7FFF) {
        e->flags |= F80_OE | F80_PE;
        if (e->unmasked & F80_OE) {
            exp -= 24576;
        } else {
            bool to_inf = e->rc == F80_RC_NEAREST || e->rc == (sign ? F80_RC_DOWN : F80_RC_UP);
            e->flags &= (uint16_t)~F80_C1;
            if (to_inf) {
                e->flags |= F80_C1;
                return f80_make(sign, 0x7FFF, J_BIT);
            }
            return f80_make(sign, 0x7FFE, ~0ull);
        }
    }
    return f80_make(sign, (uint16_t)exp, m);
}

static f80 round_mp(struct mp v, struct f80_env *e)
{
    return round_mp_tail(v, 0, e);
}

/* v rounded as it is, but reported inexact even when it is exact (C1
 * clear): the host's FPTAN of an argument with few significant bits,
 * where t / K below is the argument itself, returns it with PE set (and
 * UE for a denormal) */
static f80 round_mp_always_pe(struct mp v, struct f80_env *e)
{
    uint16_t before = e->flags;
    f80 r = round_mp(v, e);
    if (!((e->flags & ~before) & F80_PE)) {
        e->flags |= F80_PE;
        if (f80_exp(r) == 0 && r.mant != 0)
            e->flags |= F80_UE;
    }
    return r;
}

/* ---- operand classes ----------------------------------------------------------- */

enum cls { C_ZERO, C_FINITE, C_INF, C_NAN, C_BAD };

static enum cls cls_of(f80 a)
{
    unsigned ex = f80_exp(a);
    bool j = (a.mant & J_BIT) != 0;
    if (ex == 0)
        return a.mant == 0 ? C_ZERO : C_FINITE;
    if (ex == 0x7FFF) {
        if (!j)
            return C_BAD;
        return (a.mant << 1) == 0 ? C_INF : C_NAN;
    }
    return j ? C_FINITE : C_BAD;
}

static bool is_denormal(f80 a)
{
    return f80_exp(a) == 0 && a.mant != 0;
}

/* NaN operands and unsupported formats: the core's NaN rules (f80_add on
 * such operands does exactly that); true when *r is the result */
static bool nan_operands(f80 a, f80 b, bool two, struct f80_env *e, f80 *r)
{
    enum cls ca = cls_of(a), cb = two ? cls_of(b) : C_ZERO;
    if (ca != C_NAN && ca != C_BAD && cb != C_NAN && cb != C_BAD)
        return false;
    *r = f80_add(a, two ? b : a, e);
    e->flags &= (uint16_t)~F80_DE;
    return true;
}

/* DE for denormal operands; true when it is unmasked (nothing more happens) */
static bool denormal_stop(f80 a, f80 b, bool two, struct f80_env *e)
{
    if (is_denormal(a) || (two && is_denormal(b))) {
        e->flags |= F80_DE;
        return (e->unmasked & F80_DE) != 0;
    }
    return false;
}

static f80 invalid(struct f80_env *e)
{
    e->flags |= F80_IE;
    return f80_indefinite();
}

static f80 exact_one(bool sign)
{
    return f80_make(sign, 0x3FFF, J_BIT);
}

/* ---- series -------------------------------------------------------------------- */

/* sin(r) and cos(r) for |r| <= pi/4 (each may be NULL) */
static void mp_sincos(struct mp r, struct mp *s, struct mp *c)
{
    struct mp r2 = mp_mul(r, r);
    if (s) {
        struct mp term = r, sum = r;
        for (uint32_t n = 2; n < 80; n += 2) {
            term = mp_div_u32(mp_mul(term, r2), n * (n + 1));
            term.sign = !term.sign;
            if (mp_is_zero(&term) || term.exp < sum.exp - 32 * NW - 8)
                break;
            sum = mp_add(sum, term);
        }
        *s = sum;
    }
    if (c) {
        struct mp term = mp_from_u64(false, 1, 0), sum = term;
        for (uint32_t n = 1; n < 80; n += 2) {
            term = mp_div_u32(mp_mul(term, r2), n * (n + 1));
            term.sign = !term.sign;
            if (mp_is_zero(&term) || term.exp < sum.exp - 32 * NW - 8)
                break;
            sum = mp_add(sum, term);
        }
        *c = sum;
    }
}

/* atan(t) for 0 <= t <= 1 */
static struct mp mp_atan_small(struct mp t)
{
    const struct mp one = mp_from_u64(false, 1, 0);
    int halvings = 0;
    while (!mp_is_zero(&t) && t.exp > -3 && halvings < 4) {
        struct mp s = mp_sqrt(mp_add(one, mp_mul(t, t)));
        t = mp_div(t, mp_add(one, s));
        halvings++;
    }
    struct mp t2 = mp_mul(t, t), pow = t, sum = t;
    for (uint32_t n = 3; n < 400; n += 2) {
        pow = mp_mul(pow, t2);
        pow.sign = !pow.sign;
        struct mp term = mp_div_u32(pow, n);
        if (mp_is_zero(&term) || term.exp < sum.exp - 32 * NW - 8)
            break;
        sum = mp_add(sum, term);
    }
    sum.exp += halvings;
    return sum;
}

/* 2 atanh(s) = ln((1 + s) / (1 - s)) for small |s| */
static struct mp mp_2atanh(struct mp s)
{
    struct mp s2 = mp_mul(s, s), pow = s, sum = s;
    for (uint32_t n = 3; n < 400; n += 2) {
        pow = mp_mul(pow, s2);
        struct mp term = mp_div_u32(pow, n);
        if (mp_is_zero(&term) || term.exp < sum.exp - 32 * NW - 8)
            break;
        sum = mp_add(sum, term);
    }
    sum.exp++;
    return sum;
}

/* x = m * 2^k with m in [sqrt(1/2), sqrt(2)): s = (m - 1) / (m + 1)
 * rounded to 68 bits, as the host's logarithms start (66, 67, 69 or 70
 * bits do worse) */
static struct mp log_s(struct mp x, int32_t *k)
{
    *k = x.exp - 1; /* x = 1.f * 2^k */
    x.exp = 1;
    /* sqrt(2) = 1.0110101000001... : above it, use m/2 and k + 1 */
    if (x.w[0] > 0xB504F333u) {
        x.exp = 0;
        ++*k;
    }
    const struct mp one = mp_from_u64(false, 1, 0);
    return mp_round_bits(mp_div(mp_sub(x, one), mp_add(x, one)), 68);
}

/* log2 of a finite positive value from the exact series in s (FYL2XP1
 * outside its domain) */
static struct mp mp_log2_mp(struct mp m)
{
    int32_t k;
    struct mp s = log_s(m, &k);
    struct mp ln = mp_2atanh(s);
    struct mp l2 = mp_div(ln, mp_const(ln2_w, 0));
    return mp_add(mp_from_u64(k < 0, (uint64_t)(k < 0 ? -(int64_t)k : k), 0), l2);
}

/* ---- the instructions ---------------------------------------------------------- */

/* reduction by the x87's 66-bit pi: x = k * P/2 + r exactly, P/2 =
 * C90FDAA22168C234C * 2^-67 (that value truncated to 68 bits is the one
 * the hardware uses; its bits 66-68 are zero) */
static void reduce(f80 a, struct mp *r, unsigned *quadrant)
{
    static const uint64_t p_hi = 0xC90FDAA22168C234ull;
    static const uint32_t p_lo = 0xC; /* 4 more bits: P/2 = (p_hi << 4 | p_lo) * 2^-67 */
    int32_t ex = (int32_t)(f80_exp(a) ? f80_exp(a) : 1) - BIAS - 63; /* |a| = mant * 2^ex */
    *quadrant = 0;
    /* |a| < P/4 needs no reduction */
    if (f80_exp(a) < BIAS - 1 || (f80_exp(a) == BIAS - 1 && a.mant <= p_hi)) {
        *r = mp_from_f80(a);
        return;
    }
    /* X = |a| * 2^67 as a 192-bit integer (ex + 67 >= 0 here); Pint = P/2 * 2^67 */
    unsigned sh = (unsigned)(ex + 67);
    uint64_t x[3] = {0, 0, 0}; /* little-endian 64-bit limbs */
    x[sh / 64] = a.mant << (sh % 64);
    if (sh % 64)
        x[sh / 64 + 1] = a.mant >> (64 - sh % 64);
    uint64_t pint_hi = p_hi >> 60, pint_lo = p_hi << 4 | p_lo; /* Pint, 68 bits */
    /* k = X / Pint by restoring division (k < 2^64) */
    uint64_t rem_hi = 0, rem_lo = 0, k = 0;
    for (int bit = 191; bit >= 0; bit--) {
        rem_hi = rem_hi << 1 | rem_lo >> 63;
        rem_lo = rem_lo << 1 | ((x[bit / 64] >> (bit % 64)) & 1);
        k <<= 1;
        if (rem_hi > pint_hi || (rem_hi == pint_hi && rem_lo >= pint_lo)) {
            uint64_t lo = rem_lo - pint_lo;
            rem_hi = rem_hi - pint_hi - (rem_lo < pint_lo);
            rem_lo = lo;
            k |= 1;
        }
    }
    /* round k to nearest: if rem > Pint / 2, take k + 1 and rem - Pint */
    uint64_t half_hi = pint_hi >> 1, half_lo = pint_lo >> 1 | pint_hi << 63;
    bool neg = false;
    if (rem_hi > half_hi || (rem_hi == half_hi && rem_lo > half_lo)) {
        k++;
        uint64_t lo = pint_lo - rem_lo;
        rem_hi = pint_hi - rem_hi - (pint_lo < rem_lo);
        rem_lo = lo;
        neg = true;
    }
    /* r = +-rem * 2^-67 (rem < 2^67) */
    struct mp hi = mp_from_u64(neg, rem_hi, -3), lo = mp_from_u64(neg, rem_lo, -67);
    *r = mp_add(hi, lo);
    if (f80_sign(a)) {
        r->sign = !r->sign;
        k = (uint64_t) - (int64_t)k;
    }
    *quadrant = (unsigned)(k & 3);
}

/* the common start of FSIN/FCOS/FSINCOS/FPTAN: true when *res is final */
static bool trig_special(f80 a, struct f80_env *e, bool *out_of_range, f80 *res)
{
    *out_of_range = false;
    if (nan_operands(a, a, false, e, res))
        return true;
    enum cls c = cls_of(a);
    if (c == C_INF) {
        *res = invalid(e);
        return true;
    }
    if (c == C_FINITE && f80_exp(a) >= BIAS + 63) {
        *out_of_range = true;
        return true;
    }
    if (denormal_stop(a, a, false, e)) {
        *res = a;
        return true;
    }
    return false;
}

/* The host's FSIN/FCOS on the reduced argument r (|r| <= pi/4) evaluate
 * fixed polynomials, sin r = r + r^3 * P(r^2) and cos r = 1 + r^2 * Q(r^2),
 * on its 68-bit datapath: r^2, every product and every sum of Horner's
 * rule for P and Q, r^3 = r * r^2 and the tail T (r^3 * P or r^2 * Q) are
 * each rounded to nearest at 68 bits; r + T or 1 + T is then rounded once
 * per RC, and when it is exact the host still reports PE (C1 clear).
 * Found by correlating the sign of the host's error at rounding
 * boundaries with the rounding error of each candidate intermediate
 * (r^2 first, then r^3, T, the last sum of P), each of which took the
 * unexplained cases down by a factor.  Q's linear coefficient is exactly
 * -1/2 (a fitted one off by 2^-69 left ties of Q's last sum on the wrong
 * side: 4x the mismatches).  The other coefficients are least-squares
 * fits to the host's error curve, corrected (three passes) by polynomials
 * fitted to the shift of P(r^2) and Q(r^2) that the host's results near
 * rounding boundaries require under this evaluation (14 000-64 000
 * intervals over 0.05 <= r <= pi/4).  Measured: 0 to 9 arguments of
 * 40 000 (all four RC) differ in each exponent band, none below 2^-4 for
 * FSIN; for |x| in [1/2, 4) 4 (FSIN) and 0 (FCOS), against 13 and 8 with
 * the products of Horner's rule left exact, 14 and 14 with that and the
 * coefficients fitted for it. */
struct poly_coef {
    bool sign;
    int32_t exp;   /* value = 0.w * 2^exp */
    uint32_t w[3]; /* 96 bits */
};
/* sin_poly[0] = 1 is not used: sin r = r + r^3 * (sin_poly[1] + ...) */
static const struct poly_coef sin_poly[] = {
    {false, 1, {0x80000000, 0x00000000, 0x00000000}},   /* 1 */
    {true, -2, {0xAAAAAAAA, 0xAAAAAA97, 0x303ED10E}},   /* -0.1666666666666666574148 */
    {false, -6, {0x88888888, 0x8888569A, 0x41BACCE6}},  /* 0.008333333333333322809344 */
    {true, -12, {0xD00D00D0, 0x0C536691, 0x7555A9C2}},  /* -0.0001984126984125480065799 */
    {false, -18, {0xB8EF1D29, 0x9847C096, 0x53017F41}}, /* 2.755731921406518852282e-06 */
    {true, -25, {0xD7322946, 0xC1CD845D, 0x24FCE142}},  /* -2.505210488194133394694e-08 */
    {false, -32, {0xB0904625, 0x8FF072F2, 0xFAB7BBF0}}, /* 1.605836317631835212199e-10 */
    {true, -40, {0xD5512459, 0x94B54CA9, 0x29FFEFFC}},  /* -7.578540849303418022084e-13 */
};
/* cos_poly[0] = 1 is not used: cos r = 1 + r^2 * (cos_poly[1] + ...) */
static const struct poly_coef cos_poly[] = {
    {false, 1, {0x80000000, 0x00000000, 0x00000000}},   /* 1 */
    {true, 0, {0x80000000, 0x00000000, 0x00000000}},    /* -1/2 exactly */
    {false, -4, {0xAAAAAAAA, 0xAAAAAAA4, 0xC579F466}},  /* 0.0416666666666666643537 */
    {true, -9, {0xB60B60B6, 0x0B609C70, 0x49B3A3A2}},   /* -0.001388888888888888291373 */
    {false, -15, {0xD00D00D0, 0x0CAD58D9, 0xEFFE646A}}, /* 2.480158730157825186578e-05 */
    {true, -21, {0x93F27DBB, 0x3FBEF049, 0x272814E6}},  /* -2.755731921820777891071e-07 */
    {false, -28, {0x8F76C699, 0x01FB4C72, 0xABA92A93}}, /* 2.087675498626870447561e-09 */
    {true, -36, {0xC9C9EA87, 0x548F9BA9, 0x2BF66A4E}},  /* -1.147036157777597745164e-11 */
    {false, -44, {0xD585268E, 0x57DD90C0, 0x138B4569}}, /* 4.741099059308899943926e-14 */
};

static struct mp sc_coef(const struct poly_coef *c)
{
    struct mp ck = mp_zero_v;
    ck.sign = c->sign;
    ck.exp = c->exp;
    for (int i = 0; i < 3; i++)
        ck.w[i] = c->w[i];
    return ck;
}

/* sum of c[k] * t^k by Horner's rule, exactly (in mp precision) */
static struct mp mp_poly(const struct poly_coef *c, int n, struct mp t)
{
    struct mp p = mp_zero_v;
    for (int k = n - 1; k >= 0; k--)
        p = mp_add(mp_mul(p, t), sc_coef(&c[k]));
    return p;
}

/* c[n-1] t^(n-1-lo) + ... + c[lo] by Horner's rule in t, as the host's
 * 68-bit datapath evaluates it: the top coefficient unrounded, each
 * product and each sum rounded to 68 bits */
static struct mp horner68(const struct poly_coef *c, int lo, int n, struct mp t)
{
    struct mp q = sc_coef(&c[n - 1]);
    for (int k = n - 2; k >= lo; k--)
        q = mp_round_bits(mp_add(mp_round_bits(mp_mul(q, t), 68), sc_coef(&c[k])), 68);
    return q;
}

/* a + b exactly; a b too small to show in the sum (tiny r) still leaves
 * its sign in the sticky bits, as the host's result does */
static struct mp sc_sum(struct mp a, struct mp b)
{
    if (b.exp < a.exp - 32 * NW + 16)
        b = mp_from_u64(b.sign, 1, a.exp - 32 * NW + 8);
    return mp_add(a, b);
}

/* the host's sin r and cos r (each may be NULL) */
static void hw_sincos(struct mp r, struct mp *s, struct mp *c)
{
    bool neg = r.sign;
    r.sign = false;
    struct mp t = mp_round_bits(mp_mul(r, r), 68);
    if (s) {
        struct mp q = horner68(sin_poly, 1, (int)(sizeof sin_poly / sizeof sin_poly[0]), t);
        struct mp r3 = mp_round_bits(mp_mul(r, t), 68);
        *s = sc_sum(r, mp_round_bits(mp_mul(r3, q), 68));
        if (neg)
            *s = mp_neg(*s);
    }
    if (c) {
        struct mp q = horner68(cos_poly, 1, (int)(sizeof cos_poly / sizeof cos_poly[0]), t);
        *c = sc_sum(mp_from_u64(false, 1, 0), mp_round_bits(mp_mul(t, q), 68));
    }
}

/* sin a and cos a as the host's FSIN, FCOS and FSINCOS compute them */
static void trig(f80 a, struct mp *s, struct mp *c)
{
    struct mp r, sr, cr;
    unsigned q;
    reduce(a, &r, &q);
    hw_sincos(r, &sr, &cr);
    /* sin(x) = sin(r), cos(r), -sin(r), -cos(r) for k = 0..3; cos(x) is a quarter turn ahead */
    struct mp sv = (q & 1) ? cr : sr, cv = (q & 1) ? sr : cr;
    if (q == 1 || q == 2)
        cv = mp_neg(cv);
    if (q >= 2)
        sv = mp_neg(sv);
    if (s)
        *s = sv;
    if (c)
        *c = cv;
}

f80 f80_sin(f80 a, struct f80_env *e, bool *out_of_range)
{
    f80 r;
    if (trig_special(a, e, out_of_range, &r))
        return r;
    if (cls_of(a) == C_ZERO)
        return a;
    struct mp s;
    trig(a, &s, NULL);
    return round_mp_always_pe(s, e); /* the host's sum, exact (see hw_sincos) */
}

f80 f80_cos(f80 a, struct f80_env *e, bool *out_of_range)
{
    f80 r;
    if (trig_special(a, e, out_of_range, &r))
        return r;
    if (cls_of(a) == C_ZERO)
        return exact_one(false);
    struct mp c;
    trig(a, NULL, &c);
    return round_mp_always_pe(c, e);
}

f80 f80_sincos(f80 a, f80 *sin_out, struct f80_env *e, bool *out_of_range)
{
    f80 r;
    if (trig_special(a, e, out_of_range, &r)) {
        *sin_out = r;
        return r;
    }
    if (cls_of(a) == C_ZERO) {
        *sin_out = a;
        return exact_one(false);
    }
    struct mp s, c;
    trig(a, &s, &c);
    /* one instruction: the flags of both roundings together */
    struct f80_env es = *e, ec = *e;
    *sin_out = round_mp_always_pe(s, &es);
    r = round_mp_always_pe(c, &ec);
    e->flags = es.flags | (ec.flags & (uint16_t)~F80_C1);
    return r;
}

/* The host's FPTAN on the reduced r (|a| >= 2^-32, or any reduced r) for
 * |r| < 0.7: the rational form tan r = r P(u) / Q(u), u = r^2, with
 * P(0) = Q(0) = K (the constant of f80_tan's tiny block), near-Pade
 * (p1 / K = -7/51 - 3.4e-5), evaluated as
 *   w = RN68(P(u)), n = RN68(|r| w), d = RN68(Q(u)),
 * tan r = n / d (cot r = d / n in odd quadrants) rounded once per RC.
 * The tiny block's t / K is this form where P and Q still round to K,
 * and its edge at 9ACE08D63DCFDACA h * 2^-97 is where u q1 first reaches
 * half a 68-bit step of K: q1 = -2^-68 / edge^2 (the other sign, p1 = that,
 * gives 3-5% mismatches from 2^-32 up), and p1 = q1 + K / 3.  The host's
 * P / Q is tan r / r to far below a 68-bit step, so Q is taken as
 * r P(u) / tan r exactly: what the host's results show is how tan r is
 * split between w and d, i.e. P.  The same form, with the same roundings and
 * Q = r P / tan r, holds up to pi/4: regressing the host's error on the
 * predicted rounding errors of w, n and d in narrow windows of r gives
 * coefficients 0.9-1.1 from 2^-5 to 0.7 once P is right there.  P was
 * then tracked window by window (1500 arguments in r0 +- 5e-7, r0 from
 * 0.004 to 0.615 in steps of 0.005-0.01): the constant shift of P that
 * leaves the fewest arguments outside the host's bracket is sharp to
 * 0.01 of a 68-bit step, and p1..p7 are the least-squares polynomial of
 * those shifts (rms 0.015 step; 4-term P's were off by 0.1 step at
 * r = 0.07 and 6000 steps at 0.73).  Measured (5000 random arguments,
 * four RC and C1/PE): 0 from 2^-32 to 2^-4, 1.0% of arguments from 2^-4
 * to pi/4 (4.5% with the true tangent), 1.5% for (pi/4, 4), 1.4% for
 * [4, 2^20).  The misses left (1-3% of arguments from r = 0.45 up) are
 * one-step differences of w or d that no shift of P or Q removes.  With
 * tan_p_shift the form holds to pi/4 (3000 arguments per band, four RC:
 * r in [0.7, 0.74) 3.8% of arguments differ, [0.74, pi/4) 4.2%, against
 * 7.1% and 9.0% with the true tangent), so it is used for every reduced r
 * (|r| <= pi/4). */
static const struct poly_coef tan_p[] = {
    {false, 1, {0xB9F25A5E, 0xEF7C79A2, 0xC0000000}},   /* 1.45270852695009349375 */
    {true, -2, {0xCC3A370A, 0xA4A78926, 0xFA162BA1}},   /* -0.199440822624786605167 */
    {false, -7, {0xBAE23C0C, 0x0DF90A85, 0x0FD48878}},  /* 0.005703238792292870703939 */
    {true, -14, {0xAFA1F16E, 0x6FAD806E, 0x6230ECF2}},  /* -0.00004187407259957241728334 */
    {false, -24, {0xB6A503AF, 0x6997B227, 0x5F849781}}, /* 4.25252568632748926539e-8 */
    {false, -54, {0xE5711BA2, 0x4D47FEC3, 0xF35BB5EB}}, /* 4.975226565608462535384e-17 */
    {true, -53, {0xD650D42B, 0x8FBFB632, 0x0A88F469}},  /* -9.294463526067763260054e-17 */
    {false, -53, {0x99F02B8F, 0xDE98B712, 0x33BD0B5B}}, /* 6.676003703986552308912e-17 */
};

/* From |r| = 0.6 (u > 0.36) up to pi/4 the host's P leaves tan_p's:
 * tracked window by window as below (1500 arguments in r0 +- 5e-7, r0
 * from 0.59 to 0.785 in steps of 0.005, each window locks with 1.5-4.7%
 * of arguments left outside the host's bracket), the shift of P in
 * 68-bit steps is c2 t^2 + c3 t^3 + c4 t^4 + c5 t^5, t = u - 0.36
 * (least squares, rms 0.036 step, max 0.11; the shift is +0.1 step at
 * r = 0.67, -0.8 at 0.72, -11.5 at 0.785).  Entries are |c_k| * 2^32. */
static const struct {
    bool sign;
    uint64_t m;
} tan_shift_c[] = {
    {false, 0x3d8197537eull},
    {true, 0x31800b7f820ull},
    {false, 0x10499f80396full},
    {true, 0x4762ee4fc1a3ull},
};

static struct mp tan_p_shift(struct mp u, int32_t pexp)
{
    struct mp t = mp_sub(u, mp_from_u64(false, 0x5C28F5C28F5C2800ull, -64));
    if (t.sign || mp_is_zero(&t))
        return mp_zero_v;
    struct mp s = mp_zero_v;
    for (int k = 3; k >= 0; k--)
        s = mp_mul(mp_add(s, mp_from_u64(tan_shift_c[k].sign, tan_shift_c[k].m, pexp - 68 - 32)), t);
    return mp_mul(s, t);
}

/* From |r| = 0.62 (u >= 0x626809D495182C00 h * 2^-64) up the host's Q
 * is also a little below r P / tan r: a 2D scan (shift of P, relative
 * offset of Q; 1500 arguments per window) gives the fewest misses at a
 * Q offset of -0.1 to -0.4 * 2^-68 from 0.55 to 0.78 (0 up to 0.5).
 * Q * (1 - 2^-70) lowers the share of arguments that differ in every band
 * of r from 0.62 to pi/4 (8000 random arguments per band, four RC, even
 * and odd quadrants): by 0.1-0.3% up to 0.74, 0.4-1.0% above. */
static struct mp tan_q_low(struct mp d, struct mp u)
{
    if (mp_sub(u, mp_from_u64(false, 0x626809D495182C00ull, -64)).sign)
        return d;
    return mp_sub(d, mp_mul(d, mp_from_u64(false, 1, -70)));
}

static f80 tan_rational(struct mp r, unsigned q, struct f80_env *e)
{
    struct mp s, c;
    mp_sincos(r, &s, &c);
    bool neg = r.sign;
    r.sign = false;
    if (neg)
        s = mp_neg(s);
    struct mp u = mp_round_bits(mp_mul(r, r), 68);
    struct mp p = mp_poly(tan_p, (int)(sizeof tan_p / sizeof tan_p[0]), u);
    p = mp_add(p, tan_p_shift(u, p.exp));
    struct mp n = mp_round_bits(mp_mul(r, mp_round_bits(p, 68)), 68);
    struct mp d = mp_round_bits(tan_q_low(mp_div(mp_mul(mp_mul(r, p), c), s), u), 68);
    struct mp v = (q & 1) ? mp_neg(mp_div(d, n)) : mp_div(n, d);
    if (neg)
        v = mp_neg(v);
    return round_mp_always_pe(v, e);
}

f80 f80_tan(f80 a, struct f80_env *e, bool *out_of_range)
{
    f80 r;
    if (trig_special(a, e, out_of_range, &r))
        return r;
    if (cls_of(a) == C_ZERO)
        return a;
    struct mp s, c;
    unsigned q;
    struct mp r0;
    reduce(a, &r0, &q);
    if (f80_exp(a) < BIAS - 32) {
        /* |a| < 2^-32: the host's FPTAN scales the argument by a 68-bit
         * constant K = 1.45270852695... (B9F25A5EEF7C79A2C h * 2^-67) and
         * rounds t = a * K to 68 bits before anything else (whether the
         * host's tan a lies below or above a for tiny a follows the
         * rounding direction of a * K for every one of 4000 random
         * significands, and it fixed K).  It then works in that scaled
         * domain: below |a| = 9ACE08D63DCFDACA h * 2^-97 (a sharp edge,
         * bisected to the last bit) the cubic term is left out and the
         * result is t / K; above, it is K tan(t / K) rounded to 69 bits,
         * divided by K.  Measured: 0 mismatches in 40,000 random
         * arguments (all four RC) at each exponent from -40 to -33. */
        static const uint32_t k_w[NW] = {0xB9F25A5E, 0xEF7C79A2, 0xC0000000};
        struct mp k = mp_const(k_w, 1);
        struct mp t = mp_div(mp_round_bits(mp_mul(r0, k), 68), k);
        if (f80_exp(a) < BIAS - 34 || (f80_exp(a) == BIAS - 34 && a.mant <= 0x9ACE08D63DCFDACAull))
            return round_mp_always_pe(t, e);
        mp_sincos(t, &s, &c);
        return round_mp_always_pe(mp_div(mp_round_bits(mp_mul(mp_div(s, c), k), 69), k), e);
    }
    return tan_rational(r0, q, e);
}

static f80 round_pi_multiple(bool sign, int quarter_turns, struct f80_env *e)
{
    /* pi/4 * n for n = 1 (pi/4), 2 (pi/2), 3 (3pi/4), 4 (pi) */
    struct mp v = MP_PI4;
    if (quarter_turns == 3)
        v = mp_mul_u32(v, 3);
    else if (quarter_turns == 2)
        v.exp++;
    else if (quarter_turns == 4)
        v.exp += 2;
    v.sign = sign;
    return round_mp(v, e);
}

/* The host's arctangent below 1/2 differs from the true one by a smooth
 * curve that oscillates with growing amplitude (its own polynomial): about
 * +0.07 * 2^-70 at t = 0.075, -0.11 at 0.17, +0.15 at 0.245, -0.28 at 0.33,
 * +0.28 at 0.41, -0.4 at 0.48.  Read off 270 windows of 2^16 consecutive t
 * (x = 1, 200 arguments each, all RC: one constant offset per window
 * explains every result) and fitted by least squares: the difference is
 * t^3 * sum fpatan_dc[j] t^2j * 2^-90. */
static const int64_t fpatan_dc[] = {296849540ll,          -42084088129ll,       2039819091134ll,
                                    -48674718906302ll,    662454917959275ll,    -5501022626110945ll,
                                    28446491870645112ll,  -89568797499244320ll, 157352306303791136ll,
                                    -118345304858963232ll};

/* From 1/2 to 1 the windows scatter by about 0.3 * 2^-70 around a curve
 * of about +-1 * 2^-70 (the host rounds something inside there, see
 * f80_atan2); the curve, fitted in x = 4t - 3 to 200 windows, is
 * sum fpatan_dc_hi[j] x^j * 2^-90. */
static const int64_t fpatan_dc_hi[] = {-307251ll,    -159271ll,    8094887ll,   31957524ll,
                                       -60194058ll,  -198497480ll, 183172589ll, 462365695ll,
                                       -230781119ll, -469880070ll, 100563931ll, 175263462ll};

/* sum of c[j] * x^j * 2^-90 by Horner's rule, exactly */
static struct mp fpatan_poly90(const int64_t *c, int n, struct mp x)
{
    struct mp s = mp_zero_v;
    for (int j = n - 1; j >= 0; j--)
        s = mp_add(mp_mul(s, x), mp_from_u64(c[j] < 0, (uint64_t)(c[j] < 0 ? -c[j] : c[j]), -90));
    return s;
}

static struct mp fpatan_host_atan(struct mp t)
{
    struct mp a = mp_atan_small(t);
    if (t.exp == 0) {
        struct mp x = mp_sub(mp_mul_u32(t, 4), mp_from_u64(false, 3, 0));
        return mp_add(a, fpatan_poly90(fpatan_dc_hi, (int)(sizeof fpatan_dc_hi / sizeof fpatan_dc_hi[0]), x));
    }
    if (t.exp > -1 || mp_is_zero(&t))
        return a;
    struct mp u = mp_mul(t, t);
    struct mp s = fpatan_poly90(fpatan_dc, (int)(sizeof fpatan_dc / sizeof fpatan_dc[0]), u);
    return mp_add(a, mp_mul(s, mp_mul(u, t)));
}

f80 f80_atan2(f80 y, f80 x, struct f80_env *e)
{
    f80 r;
    if (nan_operands(y, x, true, e, &r))
        return r;
    if (denormal_stop(y, x, true, e))
        return y;
    enum cls cy = cls_of(y), cx = cls_of(x);
    bool sy = f80_sign(y), sx = f80_sign(x);
    if (cy == C_ZERO)
        return sx ? round_pi_multiple(sy, 4, e) : f80_make(sy, 0, 0);
    if (cy == C_INF) {
        if (cx == C_INF)
            return round_pi_multiple(sy, sx ? 3 : 1, e);
        return round_pi_multiple(sy, 2, e);
    }
    if (cx == C_INF)
        return sx ? round_pi_multiple(sy, 4, e) : f80_make(sy, 0, 0);
    if (cx == C_ZERO)
        return round_pi_multiple(sy, 2, e);
    struct mp my = mp_from_f80(y), mx = mp_from_f80(x);
    my.sign = mx.sign = false;
    bool swap = my.exp > mx.exp || (my.exp == mx.exp && mag_cmp(my.w, mx.w) > 0);
    /* the host's FPATAN: the ratio rounded to 68 bits first, then its
     * arctangent, folded into the quadrant with the hardware's pi */
    struct mp t = mp_round_bits(swap ? mp_div(mx, my) : mp_div(my, mx), 68);
    struct mp a = fpatan_host_atan(t);
    if (swap)
        a = mp_sub(mp_hw_pi_scaled(1), a);
    if (sx)
        a = mp_sub(mp_hw_pi_scaled(2), a);
    if (swap || sx) {
        /* pi/2 - atan t, pi - atan t and pi/2 + atan t are rounded to a
         * multiple of the last of t's 68 bits (as if added in fixed point
         * aligned to t), and the host reports PE with C1 clear when that
         * is exact (7% of |y/x| in (1, 1.56]).  Random y, x with |y/x| in
         * [1/4, 4], 40 000 results each (all RC): 1.36% -> 0.66% differ
         * for x > 0, 0.81% -> 0.24% for x < 0.  What remains there is
         * the host's value one step of that grid away from this one. */
        int bits = a.exp - (t.exp - 68);
        if (bits > 0 && bits < 32 * NW)
            a = mp_round_bits(a, bits);
        a.sign = sy;
        return round_mp_always_pe(a, e);
    }
    /* atan t = t + P with P rounded to 68 bits (and PE with C1 clear when
     * t + P is exact, 3% of t in [1/2, 1)): at random t in [1/8, 1)
     * (x = 1, 24 000 t, all RC) 0.49% -> 0.42% of results differ. */
    struct mp p = mp_sub(a, t);
    if (mp_is_zero(&p)) {
        /* t^3 / 3 below the series' precision: atan t is still below t
         * when t is a midpoint of the result */
        p = mp_from_u64(true, 1, t.exp - 200);
    } else {
        p = mp_round_bits(p, 68);
    }
    a = mp_add(t, p);
    a.sign = sy;
    return round_mp_always_pe(a, e);
}

/* 2^a - 1 by its series in a ln 2 */
static struct mp f2xm1_series(struct mp a)
{
    struct mp y = mp_mul(a, mp_const(ln2_w, 0));
    struct mp term = y, sum = y;
    for (uint32_t n = 2; n < 200; n++) {
        term = mp_div_u32(mp_mul(term, y), n);
        if (mp_is_zero(&term) || term.exp < sum.exp - 32 * NW - 8)
            break;
        sum = mp_add(sum, term);
    }
    return sum;
}

/* the host's F2XM1 polynomials in u = a^2: W = K + c3 u + c5 u^2 + c7 u^3
 * and Q = q0 + q1 u + q2 u^2 + 2^-19 u^3, 68-bit coefficients */
static const struct poly_coef f2xm1_wc[] = {
    {false, 1, {0xEBED907F, 0xCBB85B9D, 0x80000000}},   /* K = 1.84318739166286859097 */
    {false, -5, {0xE87D6BDA, 0x437AFE24, 0x20000000}},  /* 0.02838011803588302769827 */
    {false, -13, {0x9BE60D47, 0xA553A7C9, 0x20000000}}, /* 0.00007433826452955280871879 */
    {false, -25, {0xCA971A0E, 0xC1C25D08, 0x10000000}}, /* 2.358460814669888217084e-8 */
};
static const struct poly_coef f2xm1_qc[] = {
    {false, 3, {0xAA2FA223, 0xAD82D2D2, 0xD0000000}},   /* 5.318314618762168024922 */
    {false, -1, {0x96F2C97D, 0xDDF7901A, 0xF0000000}},  /* 0.2948210683962165797408 */
    {false, -9, {0xEA5C0005, 0xE3C9B599, 0x40000000}},  /* 0.001788020136650537365642 */
    {false, -18, {0x80000000, 0x00000000, 0x00000000}}, /* 2^-19 exactly */
};

/* The host's F2XM1 for |a| < 1: the rational form
 *   2^a - 1 = 2 a W(u) / (Q(u) - a W(u)),  u = a^2,
 * a [3/3] rational in u (Q/W approximates a coth(a ln2 / 2) to 2^-70.8;
 * Q(0)/K - 2/ln 2 is that error), evaluated with every intermediate rounded
 * to nearest at 68 bits: u = RN68(a^2), w = W(u) and q = Q(u) by Horner's
 * rule with each product and each sum rounded, n = RN68(a w), d = RN68(q -
 * n), and 2 n / d rounded once per RC.  For tiny a, W = K and n = RN68(a
 * K).  K and q0 are the host's exactly; c3 to c7 and q1, q2 were read off
 * the host per window of 1/128 binade (400 arguments each, 41 windows from
 * 2^-4 to 1): for each argument the pairs of 68-bit grid values (w, q) that
 * reproduce all four RC results and C1, then the shifts of W and of Q (in
 * 1/32 ulp) that fit most arguments of the window, and polynomials in u
 * fitted to those shifts (twice), then c3 moved by 4 of its ulps and c5,
 * c7, q2 by a random search over mismatches at 2^-3 to 1 (on 80 000 other
 * arguments x 4 RC at -4..-1: 0.037% -> 0.016%; c3 or q1 one ulp off either
 * way is worse).  Q's leading coefficient is 2^-19 exactly (a joint fit of
 * the rational to the true function gives it to 3e-9).  Random arguments of
 * either sign, all RC: 0 mismatches at every exponent from -40 to -5 (8000
 * each) and at 2^-16382, 2^-5000, -70 to -60; of 40 000 at each of -4..-1:
 * 0, 0, 0.008%, 0.03%.  What remains is mostly w = RN68(W) where the host's
 * W is just above a midpoint and this W just below it, or exactly on it
 * (1/128 ulp steps of the rounded product); ties away from zero in the
 * sums, a fused last step, u rounded up or at 66-70 bits, or the quotient
 * as n * RN(1/d) all give more mismatches. */
static struct mp f2xm1_rational(struct mp x)
{
    struct mp u = mp_round_bits(mp_mul(x, x), 68);
    struct mp w = horner68(f2xm1_wc, 0, (int)(sizeof f2xm1_wc / sizeof *f2xm1_wc), u);
    struct mp q = horner68(f2xm1_qc, 0, (int)(sizeof f2xm1_qc / sizeof *f2xm1_qc), u);
    struct mp n = mp_round_bits(mp_mul(x, w), 68);
    struct mp d = mp_round_bits(mp_sub(q, n), 68);
    n.exp++;
    return mp_div(n, d);
}

f80 f80_2xm1(f80 a, struct f80_env *e)
{
    f80 r;
    if (nan_operands(a, a, false, e, &r))
        return r;
    enum cls c = cls_of(a);
    if (c == C_ZERO)
        return a;
    if (c == C_INF)
        return f80_sign(a) ? exact_one(true) : a;
    if (denormal_stop(a, a, false, e))
        return a;
    if (f80_exp(a) < BIAS - 31) /* PE even when 2 n / d is exact */
        return round_mp_always_pe(f2xm1_rational(mp_from_f80(a)), e);
    if (f80_exp(a) < BIAS)
        return round_mp(f2xm1_rational(mp_from_f80(a)), e);
    /* 2^1 - 1 and 2^-1 - 1 are exact, but the x87 reports PE for both, and
     * they differ: for +1 the host's value lies just below 1 (RN returns 1
     * with C1 set, RZ and RD 1 - 2^-64), for -1 it is -1/2 itself (-1/2 in
     * every RC, C1 clear); measured in all four RC */
    if (f80_exp(a) == BIAS && a.mant == J_BIT) {
        if (f80_sign(a))
            return round_mp_always_pe(mp_from_u64(true, 1, -1), e);
        return round_mp_tail(mp_from_u64(false, 1, 0), -1, e);
    }
    return round_mp(f2xm1_series(mp_from_f80(a)), e);
}

/* y * L for the special values of L = log2(...): the x87's table is the
 * IEEE product's (0 * inf invalid, signs multiplied) */
static f80 times_special(f80 y, f80 l, struct f80_env *e)
{
    struct f80_env e2 = *e;
    e2.pc = F80_PC_64;
    f80 r = f80_mul(y, l, &e2);
    e->flags = e2.flags;
    return r;
}

/* FYL2X, FYL2XP1: y * L with L rounded to 68 bits, then rounded per RC.
 * y * L can be exact (y a power of two); the hardware still reports PE,
 * with C1 = 0 */
static f80 round_log_product(struct mp y, struct mp l, struct f80_env *e)
{
    f80 r = round_mp(mp_mul(y, mp_round_bits(l, 68)), e);
    e->flags |= F80_PE;
    return r;
}

/* FYL2X's cubic and higher terms of log2 m are the host's own polynomial in
 * s, not the series: against the series they differ by an odd error curve
 * in s that equioscillates between about +-450 * 2^-80 over |s| <= 0.1716
 * (read off the host's L at k = 0, 160,000 random m).  dynapc adds it as
 * s^3 * R(s^2), R of degree 6 fitted by least squares to those brackets;
 * the host's L then agrees for 99.6% of m at k = 0 (85% without R), the
 * others lie within 0.01 ulp of their brackets (the host's own roundings
 * inside its polynomial; degree 8, or even powers, do no better). */
static const struct poly_coef yl2x_corr[] = {
    {true, -57, {0x9C276A8D, 0x17000000, 0x00000000}}, {false, -48, {0x963F35E3, 0x9CDF0000, 0x00000000}},
    {true, -41, {0xC20592F8, 0x79890000, 0x00000000}}, {false, -35, {0xE982668D, 0x61D10000, 0x00000000}},
    {true, -29, {0x90CFA7A0, 0x60290000, 0x00000000}}, {false, -25, {0xB4CC2ACC, 0x49A40000, 0x00000000}},
    {true, -22, {0xB504AAF0, 0xB49D0000, 0x00000000}},
};

/* log2 x as the host's FYL2X forms it: x = m * 2^k with m in [sqrt(1/2),
 * sqrt(2)), s = (m - 1) / (m + 1) rounded to 68 bits, C the 68-bit 1/ln 2
 * (B8AA3B295C17F0BBC h * 2^-67, as in FYL2XP1), P the higher terms (above):
 *   L = RN68(RN68(k + RN68(2s * C)) + P).
 * L is read exactly by varying y.  Each step shows: P is rounded to the
 * grid of L separately from k + 2sC, so L is off by up to 1 ulp from log2 x
 * rounded once, by the same amount for every k whose k + log2 m shares a
 * binade, and near m = 1 the host drops P entirely while P < 1/2 ulp of L;
 * 2sC is rounded to 68 bits before k is added (without it, 0.6% of L differ
 * at k = 20, 5.5% at k = 3, 10% at k = 1); C is the 68-bit one (with the
 * exact 1/ln 2, 11% of L differ at k = 0, 1 < m < 1.01, instead of 0.4%).
 * Against the host's L, 4000 random x at each k: 99.6 to 100% for
 * |k| <= 3, 100% at k = 4, 8, 20, 100, -150, 3000 (log2 x rounded once to
 * 68 bits: about 75%). */
static struct mp yl2x_log2(f80 x)
{
    int32_t k;
    struct mp s = log_s(mp_from_f80(x), &k);
    const struct mp c = mp_const(inv_ln2_w, 1);
    struct mp lin = mp_mul(s, c);
    lin.exp++;
    lin = mp_round_bits(lin, 68);
    /* 2 (atanh s - s) * C plus the host's correction */
    struct mp hi = mp_2atanh(s);
    hi.exp--;
    hi = mp_mul(mp_sub(hi, s), c);
    hi.exp++;
    struct mp z = mp_mul(s, s);
    struct mp r = mp_poly(yl2x_corr, (int)(sizeof yl2x_corr / sizeof *yl2x_corr), z);
    struct mp poly = mp_add(hi, mp_mul(mp_mul(r, z), s));
    struct mp kk = mp_from_u64(k < 0, (uint64_t)(k < 0 ? -(int64_t)k : k), 0);
    struct mp a = mp_round_bits(mp_add(kk, lin), 68);
    return mp_round_bits(mp_add(a, poly), 68);
}

f80 f80_yl2x(f80 y, f80 x, struct f80_env *e)
{
    f80 r;
    if (nan_operands(x, y, true, e, &r))
        return r;
    enum cls cy = cls_of(y), cx = cls_of(x);
    bool sx = f80_sign(x);
    if (sx && cx != C_ZERO)
        return invalid(e);
    /* x = +-0 is found before a denormal y: the host reports ZE alone */
    if (cx == C_ZERO) {
        if (cy == C_ZERO)
            return invalid(e);
        if (cy == C_FINITE)
            e->flags |= F80_ZE;
        return f80_make(!f80_sign(y), 0x7FFF, J_BIT);
    }
    if (denormal_stop(y, x, true, e))
        return y;
    if (cx == C_INF)
        return times_special(y, x, e);
    /* a power of two: log2 is an integer and the product rounds once */
    if ((x.mant << 1) == 0 || (f80_exp(x) == 0 && (x.mant & (x.mant - 1)) == 0)) {
        struct mp m = mp_from_f80(x);
        int32_t k = m.exp - 1;
        f80 l = f80_from_i32(k);
        struct f80_env e2 = *e;
        e2.pc = F80_PC_64; /* precision control does not apply */
        r = f80_mul(y, l, &e2);
        e->flags |= e2.flags & (uint16_t)~F80_DE;
        /* the hardware reports PE here even when y * k is exact */
        if (k != 0 && cy == C_FINITE)
            e->flags |= F80_PE;
        return r;
    }
    if (cy == C_ZERO || cy == C_INF) {
        /* the sign of log2(x) decides: x < 1 is negative */
        bool neg = f80_exp(x) < BIAS;
        return times_special(y, f80_make(neg, 0x3FFF, J_BIT), e);
    }
    /* y times log2 x rounded to the hardware's 68 bits, then rounded once */
    return round_log_product(mp_from_f80(y), yl2x_log2(x), e);
}

/* The host's higher terms of log2(1 + x) = 2 atanh(s) / ln 2 (FYL2XP1,
 * |x| <= 1 - sqrt(2)/2): s^3 * P(s^2), P of degree 9, 1/ln 2 folded in.
 * Not the Taylor coefficients (2/(2k+3)) / ln 2: with them 1-10% of L
 * differ for 2^-8 <= |x| < 1/4 (an error curve that oscillates in s,
 * about 0.18 ulp at |s| ~ 2^-5); these are the Taylor ones plus a least
 * squares fit to L read off the host at 56,600 random x from 2^-9 to
 * 0.29 (residual 0.289 ulp rms, the final rounding's; the 79 L that
 * still differ all lie within 0.03 ulp of a rounding midpoint). */
static const struct poly_coef yl2xp1_poly[] = {
    {false, 0, {0xF6384EE1, 0xD01FEB54, 0x887D713D}},  /* 0.961796693925975554329 */
    {false, 0, {0x93BB6287, 0x7CE09463, 0x4D883A2C}},  /* 0.5770780163555876418613 */
    {false, -1, {0xD30BB153, 0xD612B650, 0x74BF66F5}}, /* 0.4121985831107272679752 */
    {false, -1, {0xA42589EC, 0x37F86370, 0x93290955}}, /* 0.3205988980152916223432 */
    {false, -1, {0x864D4234, 0x43C03EF9, 0x4DC38BA3}}, /* 0.262308186416590150003 */
    {false, -2, {0xE347B6B6, 0xB328D029, 0x28313B14}}, /* 0.2219532536517270782106 */
    {false, -2, {0xC4F7B576, 0x222DD8DA, 0x53333333}}, /* 0.1923511842110608716094 */
    {false, -2, {0xAE13188E, 0xD7F871A6, 0x1E1E1E1E}}, /* 0.1699947201905093741026 */
    {false, -2, {0x963DF7C8, 0xE20E95A4, 0xD79435E5}}, /* 0.1467207638129496005686 */
    {false, -2, {0xBE88D85F, 0x196152A7, 0x6DB6DB6E}}, /* 0.1860688980144414306217 */
};

f80 f80_yl2xp1(f80 y, f80 x, struct f80_env *e)
{
    f80 r;
    if (nan_operands(x, y, true, e, &r))
        return r;
    enum cls cy = cls_of(y), cx = cls_of(x);
    if (cx == C_INF && f80_sign(x))
        return invalid(e); /* before any DE */
    if (denormal_stop(y, x, true, e))
        return y;
    if (cx == C_ZERO)
        return times_special(y, x, e);
    if (cx == C_INF)
        return times_special(y, x, e);
    struct mp mx = mp_from_f80(x);
    /* 1 + x <= 0: the logarithm of a non-positive number */
    struct mp t = mp_add(mx, mp_from_u64(false, 1, 0));
    if (mp_is_zero(&t)) {
        if (cy == C_ZERO)
            return invalid(e);
        if (cy == C_FINITE)
            e->flags |= F80_ZE;
        return f80_make(!f80_sign(y), 0x7FFF, J_BIT);
    }
    if (t.sign)
        return invalid(e);
    if (cy == C_ZERO || cy == C_INF)
        return times_special(y, f80_make(f80_sign(x), 0x3FFF, J_BIT), e);
    if (f80_exp(x) < BIAS - 68) {
        /* |x| < 2^-68: the host's L is x times 1/ln 2 rounded to 68 bits
         * (B8AA3B295C17F0BBC h * 2^-67), with no quadratic term: 0
         * mismatches in 10,000 random x and y (all RC) at each exponent
         * from -80 to -69, where log2(1 + x) rounded to 68 bits differs in
         * 0.7 to 2.4% */
        return round_log_product(mp_from_f80(y), mp_mul(mx, mp_const(inv_ln2_w, 1)), e);
    }
    if (f80_exp(x) > BIAS - 2 || (f80_exp(x) == BIAS - 2 && x.mant > 0x95F619980C4336F7ull)) {
        /* |x| > 1 - sqrt(2)/2, outside the documented domain (the
         * oracle does not compare): FYL2X's way with 1 + x (the split at
         * sqrt 2, s rounded to 68 bits), 12% (-1 < x <= -1/2) and 100%
         * (x ~ 32) -> below 2% of random x and y differing from the host
         * (the series in x / (2 + x) below does not converge there). */
        return round_log_product(mp_from_f80(y), mp_log2_mp(t), e);
    }
    /* 2^-68 <= |x| <= 1 - sqrt(2)/2: the host divides x by 2 + x rounded
     * to 68 bits, s = x / RN68(2 + x) rounded to 68 bits, and adds the
     * higher terms (yl2xp1_poly) to s * 2/ln 2 rounded to 68 bits, with
     * the 68-bit 1/ln 2 above: L = RN68(RN68(2 s / ln 2) + s^3 P(s^2)).
     * Found by reading L (varying y) over runs of consecutive x: its
     * error jumps where 2 + x and where s cross a 68-bit rounding point,
     * and the higher terms are added on the leading product's grid.
     * Against the host, 10,000 random x (random y) at each exponent and
     * sign, all RC: 0 differ from 2^-71 to 2^-6, 0.003% at 2^-5 and 2^-4,
     * 0.01-0.02% at 2^-3, 0.03-0.06% at 2^-2..0.29 (within 0.03 ulp of
     * L's rounding midpoint: the host's own rounding in the polynomial).
     * The previous model (r = 1 / (2 + x) at 67/69 bits below 2^-34, the
     * exact series above, FYL2X's way from 1/16): 0.1% at 2^-37, 0.5% at
     * 2^-36, 1.5% at 2^-35, 2-5% from 2^-34 up (1.6% of the range). */
    struct mp c = mp_const(inv_ln2_w, 1);
    struct mp d = mp_round_bits(mp_add(mp_from_u64(false, 2, 0), mx), 68);
    struct mp s = mp_round_bits(mp_div(mx, d), 68);
    struct mp lead = s;
    lead.exp++;
    lead = mp_round_bits(mp_mul(lead, c), 68);
    struct mp z = mp_mul(s, s);
    struct mp hi =
        mp_mul(mp_mul(s, z), mp_poly(yl2xp1_poly, (int)(sizeof yl2xp1_poly / sizeof yl2xp1_poly[0]), z));
    struct mp l = mp_add(lead, hi);
    return round_log_product(mp_from_f80(y), l, e);
}
