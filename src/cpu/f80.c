/* f80.c - x87 extended-precision arithmetic in integer arithmetic only.
 *
 * Every finite operand is unpacked to a sign, a biased exponent that may go
 * below 1 and a normalised 64-bit significand.  Operations produce an exact
 * result, or one with 64 extra bits and a sticky bit, in a 128-bit
 * significand; round_pack() then rounds it once, to the precision of the
 * destination, and applies the x87's overflow and underflow responses.
 *
 * References: Intel SDM Vol. 1 4.8 (encodings), 4.9 (exceptions, their
 * priorities, masked responses), 8.1.5 (precision and rounding control),
 * Table 4-7 (NaN results), and the instruction pages of Vol. 2 for the
 * special cases of FSCALE, FXTRACT, FPREM, FPREM1, FIST, FBSTP. */
#include "cpu/f80.h"

#include "cpu/f80_fast.h"

#define BIAS       16383
#define INT_BIT    0x8000000000000000ull
#define QUIET_BIT  0x4000000000000000ull
#define WRAP_F80   24576 /* SDM 4.9.1.4/4.9.1.5: exponent bias adjust on unmasked OE/UE */
#define SCALE_STEP 65536 /* beyond this FSCALE can only overflow or underflow */

enum kind { K_ZERO, K_NORMAL, K_DENORMAL, K_INF, K_QNAN, K_SNAN, K_UNSUPPORTED };

static enum kind kind_of(f80 a)
{
    uint16_t exp = f80_exp(a);
    bool j = (a.mant & INT_BIT) != 0;
    if (exp == 0)
        return a.mant == 0 ? K_ZERO : K_DENORMAL; /* J = 1: pseudo-denormal */
    if (exp == 0x7FFF) {
        if (!j)
            return K_UNSUPPORTED; /* pseudo-infinity, pseudo-NaN */
        if ((a.mant << 1) == 0)
            return K_INF;
        return (a.mant & QUIET_BIT) ? K_QNAN : K_SNAN;
    }
    return j ? K_NORMAL : K_UNSUPPORTED; /* unnormal */
}

static bool is_nan(enum kind k)
{
    return k == K_QNAN || k == K_SNAN;
}

static int clz64(uint64_t v)
{
    int n = 0;
    if (v == 0)
        return 64;
    if (!(v >> 32)) {
        n += 32;
        v <<= 32;
    }
    if (!(v >> 48)) {
        n += 16;
        v <<= 16;
    }
    if (!(v >> 56)) {
        n += 8;
        v <<= 8;
    }
    if (!(v >> 60)) {
        n += 4;
        v <<= 4;
    }
    if (!(v >> 62)) {
        n += 2;
        v <<= 2;
    }
    if (!(v >> 63))
        n += 1;
    return n;
}

/* 64 x 64 -> 128 from 32-bit halves */
static void mul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
    uint64_t a0 = a & 0xFFFFFFFF, a1 = a >> 32, b0 = b & 0xFFFFFFFF, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xFFFFFFFF) + (p10 & 0xFFFFFFFF);
    *lo = (mid << 32) | (p00 & 0xFFFFFFFF);
    *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

/* hi:lo >>= n, the bits shifted out ORed into bit 0 */
static void shr128_sticky(uint64_t *hi, uint64_t *lo, int32_t n)
{
    if (n <= 0)
        return;
    if (n >= 128) {
        *lo = (*hi | *lo) != 0;
        *hi = 0;
    } else if (n > 64) {
        bool sticky = *lo != 0 || (*hi << (128 - n)) != 0;
        *lo = (*hi >> (n - 64)) | sticky;
        *hi = 0;
    } else if (n == 64) {
        *lo = *hi | (*lo != 0);
        *hi = 0;
    } else {
        bool sticky = (*lo << (64 - n)) != 0;
        *lo = (*lo >> n) | (*hi << (64 - n)) | sticky;
        *hi >>= n;
    }
}

/* ---- unpacked finite values ---- */

/* value = (-1)^sign * mant * 2^(exp - BIAS - 63); mant has bit 63 set */
struct unp {
    bool sign;
    int32_t exp;
    uint64_t mant;
};

/* a finite non-zero operand; denormals and pseudo-denormals are normalised
 * (their exponent field 0 means 2^-16382, as for exponent 1) */
static struct unp unpack(f80 a)
{
    struct unp u = {f80_sign(a), f80_exp(a), a.mant};
    if (u.exp == 0) {
        int s = clz64(u.mant);
        u.exp = 1 - s;
        u.mant <<= s;
    }
    return u;
}

/* ---- rounding ---- */

/* A destination format, with exponents biased as in f80. */
struct fmt {
    int prec;     /* significand bits */
    int32_t emin; /* smallest normal exponent */
    int32_t emax; /* largest finite exponent */
    int32_t wrap; /* bias adjust for unmasked overflow/underflow */
    bool memory;  /* a memory destination: unmasked OE/UE store nothing */
};

static const struct fmt fmt_f32 = {24, BIAS - 126, BIAS + 127, 192, true};
static const struct fmt fmt_f64 = {53, BIAS - 1022, BIAS + 1023, 1536, true};

static struct fmt fmt_f80(int pc)
{
    static const int prec[4] = {24, 64, 53, 64};
    struct fmt f = {prec[pc & 3], 1, 0x7FFE, WRAP_F80, false};
    return f;
}

/* Keep the top `keep` bits of hi, rounding away the rest of hi and all of
 * lo per rc.  *carry: the kept bits were all ones and rounded up to 2^64
 * (hi is then INT_BIT and the exponent must go up by one). */
static uint64_t round_sig(bool sign, uint64_t hi, uint64_t lo, int keep, int rc, bool *inexact, bool *up,
                          bool *carry)
{
    int drop = 64 - keep;
    uint64_t mask = drop ? ~0ull >> keep : 0;
    uint64_t rest = hi & mask;
    uint64_t lsb = 1ull << drop;
    bool inc = false;
    hi &= ~mask;
    *inexact = rest != 0 || lo != 0;
    *carry = false;
    if (*inexact) {
        switch (rc & 3) {
        case F80_RC_NEAREST: {
            bool half, below;
            if (drop) {
                uint64_t h = 1ull << (drop - 1);
                half = (rest & h) != 0;
                below = (rest & (h - 1)) != 0 || lo != 0;
            } else {
                half = (lo >> 63) != 0;
                below = (lo << 1) != 0;
            }
            inc = half && (below || (hi & lsb));
            break;
        }
        case F80_RC_DOWN:
            inc = sign;
            break;
        case F80_RC_UP:
            inc = !sign;
            break;
        default:
            break;
        }
    }
    *up = inc;
    if (inc) {
        hi += lsb;
        if (hi == 0) {
            hi = INT_BIT;
            *carry = true;
        }
    }
    return hi;
}

/* A rounded result.  exp 0x7FFF = infinity; a significand without its
 * integer bit is a denormal (or zero) of the format, exp = emin. */
struct res {
    bool sign;
    int32_t exp;
    uint64_t mant;
};

static void note_rounding(struct f80_env *e, bool inexact, bool up)
{
    if (inexact)
        e->flags |= F80_PE;
    if (up)
        e->flags |= F80_C1;
}

/* Round sign * hi:lo * 2^(exp - BIAS - 127) (hi bit 63 set) into format f. */
static struct res round_pack(bool sign, int32_t exp, uint64_t hi, uint64_t lo, const struct fmt *f,
                             struct f80_env *e)
{
    bool inexact, up, carry;
    uint64_t m = round_sig(sign, hi, lo, f->prec, e->rc, &inexact, &up, &carry);
    int32_t x = exp + carry;
    struct res r = {sign, x, m};

    if (x > f->emax) {
        e->flags |= F80_OE;
        if (f->memory && (e->unmasked & F80_OE))
            return r; /* no store, and no PE */
        /* the wrapped exponent is delivered only when it fits; beyond that
         * (FSCALE) the x87 gives the masked response */
        if (e->unmasked & F80_OE) {
            if (x - f->wrap <= f->emax) {
                r.exp = x - f->wrap;
                note_rounding(e, inexact, up);
                return r;
            }
            /* too large even wrapped (only FSCALE gets here): the x87 gives
             * infinity, whatever the rounding mode */
            e->flags |= F80_PE | F80_C1;
            r.exp = 0x7FFF;
            r.mant = INT_BIT;
            return r;
        }
        /* SDM 4.9.1.4: masked response per rounding mode */
        e->flags |= F80_PE;
        int rc = e->rc & 3;
        if (rc == F80_RC_NEAREST || (rc == F80_RC_UP && !sign) || (rc == F80_RC_DOWN && sign)) {
            e->flags |= F80_C1;
            r.exp = 0x7FFF;
            r.mant = INT_BIT;
        } else {
            r.exp = f->emax;
            r.mant = ~0ull << (64 - f->prec);
        }
        return r;
    }
    if (x < f->emin) {
        /* tiny after rounding with an unbounded exponent (SDM 4.9.1.5) */
        if ((e->unmasked & F80_UE) && f->memory) {
            e->flags |= F80_UE;
            return r; /* no store, and no PE */
        }
        if (e->unmasked & F80_UE) {
            e->flags |= F80_UE;
            if (x + f->wrap >= f->emin) {
                r.exp = x + f->wrap;
                note_rounding(e, inexact, up);
                return r;
            }
            /* too small even wrapped (FSCALE): zero, whatever the rounding */
            e->flags |= F80_PE;
            r.exp = f->emin;
            r.mant = 0;
            return r;
        }
        shr128_sticky(&hi, &lo, f->emin - exp);
        r.mant = round_sig(sign, hi, lo, f->prec, e->rc, &inexact, &up, &carry);
        r.exp = f->emin;
        if (inexact)
            e->flags |= F80_UE;
        note_rounding(e, inexact, up);
        return r;
    }
    note_rounding(e, inexact, up);
    return r;
}

static f80 res_to_f80(struct res r)
{
    if (!(r.mant & INT_BIT))
        return f80_make(r.sign, 0, r.mant);
    return f80_make(r.sign, (uint16_t)r.exp, r.mant);
}

/* round hi:lo (hi bit 63 set) to the f80 destination of an arithmetic op */
static f80 round_f80(bool sign, int32_t exp, uint64_t hi, uint64_t lo, int prec_ctl, struct f80_env *e)
{
    struct fmt f = fmt_f80(prec_ctl);
    return res_to_f80(round_pack(sign, exp, hi, lo, &f, e));
}

/* normalise hi:lo (not zero) and round it */
static f80 norm_round_f80(bool sign, int32_t exp, uint64_t hi, uint64_t lo, int prec_ctl, struct f80_env *e)
{
    if (hi == 0) {
        hi = lo;
        lo = 0;
        exp -= 64;
    }
    int s = clz64(hi);
    if (s) {
        hi = (hi << s) | (lo >> (64 - s));
        lo <<= s;
        exp -= s;
    }
    return round_f80(sign, exp, hi, lo, prec_ctl, e);
}

/* ---- special operands ---- */

static f80 make_inf(bool sign)
{
    return f80_make(sign, 0x7FFF, INT_BIT);
}

static f80 make_zero(bool sign)
{
    return f80_make(sign, 0, 0);
}

static f80 invalid(struct f80_env *e)
{
    e->flags |= F80_IE;
    return f80_indefinite();
}

static f80 quieten(f80 a)
{
    a.mant |= QUIET_BIT;
    return a;
}

static f80 nan1(f80 a, enum kind k, struct f80_env *e)
{
    if (k == K_SNAN)
        e->flags |= F80_IE;
    return quieten(a);
}

/* SDM Table 4-7, x87 column: an SNaN and a QNaN give the QNaN; two NaNs
 * of the same kind, the larger significand; with equal significands the
 * x87 takes the positive one (not in the table; found on the hardware). */
static f80 nan2(f80 a, enum kind ka, f80 b, enum kind kb, struct f80_env *e)
{
    if (ka == K_SNAN || kb == K_SNAN)
        e->flags |= F80_IE;
    if (!is_nan(kb))
        return quieten(a);
    if (!is_nan(ka))
        return quieten(b);
    if (ka != kb) /* an SNaN and a QNaN: the QNaN */
        return ka == K_QNAN ? a : b;
    if (a.mant > b.mant)
        return quieten(a);
    if (b.mant > a.mant)
        return quieten(b);
    return quieten(f80_sign(a) ? b : a); /* equal significands: the positive one */
}

/* Raise DE for denormal operands; true when DE is unmasked and the
 * instruction must stop without a result. */
static bool denormal_stops(struct f80_env *e, bool denormal)
{
    if (!denormal)
        return false;
    e->flags |= F80_DE;
    return (e->unmasked & F80_DE) != 0;
}

/* The checks every two-operand arithmetic instruction starts with:
 * unsupported formats, then NaNs.  Returns true with *r set when done. */
static bool binary_specials(f80 a, enum kind ka, f80 b, enum kind kb, struct f80_env *e, f80 *r)
{
    if (ka == K_UNSUPPORTED || kb == K_UNSUPPORTED) {
        *r = invalid(e);
        return true;
    }
    if (is_nan(ka) || is_nan(kb)) {
        *r = nan2(a, ka, b, kb, e);
        return true;
    }
    return false;
}

/* a finite non-zero operand delivered as the result: re-encoded (a
 * pseudo-denormal becomes the normal with exponent 1) and, when tiny with
 * UE unmasked, wrapped */
static f80 pass_through(f80 a, struct f80_env *e)
{
    struct unp x = unpack(a);
    return round_f80(x.sign, x.exp, x.mant, 0, F80_PC_64, e);
}

/* ---- memory image ---- */

f80 f80_load_bytes(const uint8_t bytes[10])
{
    f80 r = {0, 0};
    for (int i = 7; i >= 0; i--)
        r.mant = (r.mant << 8) | bytes[i];
    r.se = (uint16_t)(bytes[8] | bytes[9] << 8);
    return r;
}

void f80_store_bytes(f80 a, uint8_t bytes[10])
{
    for (int i = 0; i < 8; i++)
        bytes[i] = (uint8_t)(a.mant >> (8 * i));
    bytes[8] = (uint8_t)a.se;
    bytes[9] = (uint8_t)(a.se >> 8);
}

/* ---- add, subtract ---- */

static f80 add_signed(f80 a, f80 b, bool negate_b, struct f80_env *e)
{
    enum kind ka = kind_of(a), kb = kind_of(b);
    f80 r;
    if (binary_specials(a, ka, b, kb, e, &r))
        return r;
    bool sa = f80_sign(a), sb = f80_sign(b) ^ negate_b;
    if (ka == K_INF && kb == K_INF && sa != sb)
        return invalid(e);
    if (denormal_stops(e, ka == K_DENORMAL || kb == K_DENORMAL))
        return a;
    if (ka == K_INF || kb == K_INF)
        return make_inf(ka == K_INF ? sa : sb);
    if (ka == K_ZERO && kb == K_ZERO)
        return make_zero(sa == sb ? sa : (e->rc & 3) == F80_RC_DOWN);
    if (kb == K_ZERO) {
        struct unp x = unpack(a);
        return round_f80(x.sign, x.exp, x.mant, 0, e->pc, e);
    }
    if (ka == K_ZERO) {
        struct unp y = unpack(b);
        return round_f80(sb, y.exp, y.mant, 0, e->pc, e);
    }

    struct unp x = unpack(a), y = unpack(b);
    y.sign = sb;
    if (x.exp < y.exp || (x.exp == y.exp && x.mant < y.mant)) {
        struct unp t = x;
        x = y;
        y = t;
    }
    uint64_t hi = x.mant, lo = 0, yhi = y.mant, ylo = 0;
    int32_t exp = x.exp;
    shr128_sticky(&yhi, &ylo, x.exp - y.exp);
    if (x.sign == y.sign) {
        lo += ylo;
        uint64_t c = lo < ylo;
        uint64_t h = hi + yhi;
        bool out = h < hi;
        h += c;
        out |= h < c;
        hi = h;
        if (out) {
            shr128_sticky(&hi, &lo, 1);
            hi |= INT_BIT;
            exp++;
        }
        return round_f80(x.sign, exp, hi, lo, e->pc, e);
    }
    uint64_t borrow = lo < ylo;
    lo -= ylo;
    hi = hi - yhi - borrow;
    if (hi == 0 && lo == 0)
        return make_zero((e->rc & 3) == F80_RC_DOWN);
    return norm_round_f80(x.sign, exp, hi, lo, e->pc, e);
}

f80 f80_add(f80 a, f80 b, struct f80_env *e)
{
    f80 r;
    uint16_t fl;
    if (f80_fast_env(e) && f80_fast_add(a, b, false, &r, &fl)) {
        e->flags |= fl;
        return r;
    }
    return add_signed(a, b, false, e);
}

f80 f80_sub(f80 a, f80 b, struct f80_env *e)
{
    f80 r;
    uint16_t fl;
    if (f80_fast_env(e) && f80_fast_add(a, b, true, &r, &fl)) {
        e->flags |= fl;
        return r;
    }
    return add_signed(a, b, true, e);
}

/* ---- multiply, divide, square root ---- */

f80 f80_mul(f80 a, f80 b, struct f80_env *e)
{
    f80 r;
    uint16_t fl;
    if (f80_fast_env(e) && f80_fast_mul(a, b, &r, &fl)) {
        e->flags |= fl;
        return r;
    }
    enum kind ka = kind_of(a), kb = kind_of(b);
    if (binary_specials(a, ka, b, kb, e, &r))
        return r;
    bool sign = f80_sign(a) ^ f80_sign(b);
    if ((ka == K_INF && kb == K_ZERO) || (ka == K_ZERO && kb == K_INF))
        return invalid(e);
    if (denormal_stops(e, ka == K_DENORMAL || kb == K_DENORMAL))
        return a;
    if (ka == K_INF || kb == K_INF)
        return make_inf(sign);
    if (ka == K_ZERO || kb == K_ZERO)
        return make_zero(sign);
    struct unp x = unpack(a), y = unpack(b);
    uint64_t hi, lo;
    mul64(x.mant, y.mant, &hi, &lo);
    int32_t exp = x.exp + y.exp - BIAS + 1;
    if (!(hi & INT_BIT)) {
        hi = (hi << 1) | (lo >> 63);
        lo <<= 1;
        exp--;
    }
    return round_f80(sign, exp, hi, lo, e->pc, e);
}

/* floor(a * 2^127 / b) as hi:lo for a, b normalised; *sticky: remainder != 0 */
static void div128(uint64_t a, uint64_t b, uint64_t *qhi, uint64_t *qlo, bool *sticky)
{
    uint64_t r = a, hi = 0, lo = 0;
    bool top = false; /* bit 64 of the partial remainder */
    for (int i = 0; i < 128; i++) {
        bool bit = top || r >= b;
        if (bit)
            r -= b;
        hi = (hi << 1) | (lo >> 63);
        lo = (lo << 1) | bit;
        top = (r >> 63) != 0;
        r <<= 1;
    }
    *qhi = hi;
    *qlo = lo;
    *sticky = r != 0 || top;
}

f80 f80_div(f80 a, f80 b, struct f80_env *e)
{
    f80 q;
    uint16_t fl;
    if (f80_fast_env(e) && f80_fast_div(a, b, &q, &fl)) {
        e->flags |= fl;
        return q;
    }
    enum kind ka = kind_of(a), kb = kind_of(b);
    f80 r;
    if (binary_specials(a, ka, b, kb, e, &r))
        return r;
    bool sign = f80_sign(a) ^ f80_sign(b);
    if ((ka == K_INF && kb == K_INF) || (ka == K_ZERO && kb == K_ZERO))
        return invalid(e);
    if (kb == K_ZERO && ka != K_INF) {
        e->flags |= F80_ZE;
        return make_inf(sign);
    }
    if (denormal_stops(e, ka == K_DENORMAL || kb == K_DENORMAL))
        return a;
    if (ka == K_INF)
        return make_inf(sign);
    if (kb == K_INF || ka == K_ZERO)
        return make_zero(sign);
    struct unp x = unpack(a), y = unpack(b);
    uint64_t hi, lo;
    bool sticky;
    div128(x.mant, y.mant, &hi, &lo, &sticky);
    int32_t exp = x.exp - y.exp + BIAS;
    if (!(hi & INT_BIT)) {
        hi = (hi << 1) | (lo >> 63);
        lo <<= 1;
        exp--;
    }
    return round_f80(sign, exp, hi, lo | sticky, e->pc, e);
}

/* floor(sqrt(hi:lo)) and whether the root is inexact / above half */
static uint64_t isqrt128(uint64_t hi, uint64_t lo, uint64_t *extra)
{
    uint64_t rh = 0, rl = 0;          /* root, built two bits at a time as in the classic loop */
    uint64_t bh = 1ull << 62, bl = 0; /* bit = 4^63 */
    while (bh | bl) {
        /* t = res + bit */
        uint64_t tl = rl + bl, th = rh + bh + (tl < rl);
        bool ge = hi > th || (hi == th && lo >= tl);
        /* res >>= 1 */
        rl = (rl >> 1) | (rh << 63);
        rh >>= 1;
        if (ge) {
            uint64_t borrow = lo < tl;
            lo -= tl;
            hi = hi - th - borrow;
            rl += bl;
            rh += bh + (rl < bl);
        }
        /* bit >>= 2 */
        bl = (bl >> 2) | (bh << 62);
        bh >>= 2;
    }
    /* root = rl (< 2^64), remainder = hi:lo <= 2 * root */
    bool above_half = hi != 0 || lo > rl; /* rem > root <=> sqrt > root + 1/2 */
    *extra = (above_half ? INT_BIT : 0) | ((hi | lo) != 0);
    return rl;
}

f80 f80_sqrt(f80 a, struct f80_env *e)
{
    enum kind k = kind_of(a);
    if (k == K_UNSUPPORTED)
        return invalid(e);
    if (is_nan(k))
        return nan1(a, k, e);
    if (k == K_ZERO)
        return a;
    if (f80_sign(a))
        return invalid(e);
    if (denormal_stops(e, k == K_DENORMAL))
        return a;
    if (k == K_INF)
        return a;
    struct unp x = unpack(a);
    int32_t ue = x.exp - BIAS; /* value = mant/2^63 * 2^ue */
    uint64_t hi, lo, extra;
    if (ue & 1) {
        hi = x.mant;
        lo = 0;
        ue -= 1;
    } else {
        hi = x.mant >> 1;
        lo = x.mant << 63;
    }
    uint64_t root = isqrt128(hi, lo, &extra);
    return round_f80(false, ue / 2 + BIAS, root, extra, e->pc, e);
}

/* ---- integers ---- */

/* |x| rounded to an integer per rc, for exp < BIAS + 64 (the value is then
 * below 2^64; the result fits in 64 bits, except for 2^64 itself from
 * values just below it, which *big reports). */
static uint64_t round_to_integer(struct unp x, int rc, bool *inexact, bool *up, bool *big)
{
    int32_t frac = BIAS + 63 - x.exp;
    uint64_t hi = x.mant, lo = 0;
    bool carry;
    *big = false;
    *inexact = *up = false;
    if (frac <= 0)
        return hi;
    shr128_sticky(&hi, &lo, frac);
    hi = round_sig(x.sign, hi, lo, 64, rc, inexact, up, &carry);
    *big = carry;
    return hi;
}

static f80 from_u64(bool sign, uint64_t n)
{
    if (n == 0)
        return make_zero(sign);
    int s = clz64(n);
    return f80_make(sign, (uint16_t)(BIAS + 63 - s), n << s);
}

f80 f80_round_int(f80 a, struct f80_env *e)
{
    enum kind k = kind_of(a);
    if (k == K_UNSUPPORTED)
        return invalid(e);
    if (is_nan(k))
        return nan1(a, k, e);
    if (k == K_ZERO || k == K_INF)
        return a;
    if (denormal_stops(e, k == K_DENORMAL))
        return a;
    struct unp x = unpack(a);
    if (x.exp >= BIAS + 63)
        return a;
    bool inexact, up, big;
    uint64_t n = round_to_integer(x, e->rc, &inexact, &up, &big);
    note_rounding(e, inexact, up);
    return from_u64(x.sign, n);
}

f80 f80_from_i64(int64_t v)
{
    bool sign = v < 0;
    return from_u64(sign, sign ? 0 - (uint64_t)v : (uint64_t)v);
}

f80 f80_from_i32(int32_t v)
{
    return f80_from_i64(v);
}

f80 f80_from_i16(int16_t v)
{
    return f80_from_i64(v);
}

/* FIST/FISTP/FISTTP and FBSTP: |result| <= limit_pos (positive) or
 * limit_neg (negative); false = invalid (IE raised) */
static bool to_integer(f80 a, bool truncate, uint64_t limit_pos, uint64_t limit_neg, struct f80_env *e,
                       bool *sign, uint64_t *mag)
{
    enum kind k = kind_of(a);
    *sign = f80_sign(a);
    *mag = 0;
    if (k == K_UNSUPPORTED || is_nan(k) || k == K_INF) {
        e->flags |= F80_IE;
        return false;
    }
    if (k == K_ZERO)
        return true;
    /* no DE here: FIST and FBSTP do not report denormal sources */
    struct unp x = unpack(a);
    if (x.exp > BIAS + 63) {
        e->flags |= F80_IE;
        return false;
    }
    bool inexact, up, big;
    uint64_t n = round_to_integer(x, truncate ? F80_RC_ZERO : e->rc, &inexact, &up, &big);
    if (big || n > (x.sign ? limit_neg : limit_pos)) {
        e->flags |= F80_IE;
        return false;
    }
    note_rounding(e, inexact, up);
    *mag = n;
    return true;
}

static int64_t to_signed(f80 a, bool truncate, int bits, struct f80_env *e)
{
    uint64_t lim = 1ull << (bits - 1), mag;
    bool sign;
    if (!to_integer(a, truncate, lim - 1, lim, e, &sign, &mag))
        return (int64_t)(0 - lim); /* integer indefinite */
    if (sign)
        return mag == lim ? (int64_t)(0 - lim) : -(int64_t)mag;
    return (int64_t)mag;
}

int16_t f80_to_i16(f80 a, bool truncate, struct f80_env *e)
{
    return (int16_t)to_signed(a, truncate, 16, e);
}

int32_t f80_to_i32(f80 a, bool truncate, struct f80_env *e)
{
    return (int32_t)to_signed(a, truncate, 32, e);
}

int64_t f80_to_i64(f80 a, bool truncate, struct f80_env *e)
{
    uint64_t mag;
    bool sign;
    if (!to_integer(a, truncate, 0x7FFFFFFFFFFFFFFFull, INT_BIT, e, &sign, &mag))
        return INT64_MIN;
    if (sign)
        return mag == INT_BIT ? INT64_MIN : -(int64_t)mag;
    return (int64_t)mag;
}

/* ---- packed BCD ---- */

f80 f80_from_bcd(const uint8_t bcd[10])
{
    uint64_t n = 0;
    for (int i = 8; i >= 0; i--)
        n = n * 100 + (bcd[i] >> 4) * 10 + (bcd[i] & 15);
    return from_u64((bcd[9] & 0x80) != 0, n);
}

void f80_to_bcd(f80 a, uint8_t bcd[10], struct f80_env *e)
{
    uint64_t mag;
    bool sign;
    for (int i = 0; i < 10; i++)
        bcd[i] = 0;
    if (!to_integer(a, false, 999999999999999999ull, 999999999999999999ull, e, &sign, &mag)) {
        bcd[7] = 0xC0; /* packed BCD indefinite */
        bcd[8] = 0xFF;
        bcd[9] = 0xFF;
        return;
    }
    for (int i = 0; i < 9; i++) {
        unsigned lo = mag % 10, hi = (mag / 10) % 10;
        bcd[i] = (uint8_t)(hi << 4 | lo);
        mag /= 100;
    }
    bcd[9] = sign ? 0x80 : 0;
}

/* ---- IEEE single and double ---- */

static f80 from_ieee(uint64_t bits, int ebits, int fbits, struct f80_env *e)
{
    bool sign = (bits >> (ebits + fbits)) & 1;
    uint32_t emask = (1u << ebits) - 1, bias = emask >> 1;
    uint32_t exp = (uint32_t)(bits >> fbits) & emask;
    uint64_t frac = bits & ((1ull << fbits) - 1);
    if (exp == emask) {
        f80 r = f80_make(sign, 0x7FFF, INT_BIT | frac << (63 - fbits));
        if (frac == 0)
            return r;
        return nan1(r, (frac >> (fbits - 1)) ? K_QNAN : K_SNAN, e);
    }
    if (exp == 0) {
        if (frac == 0)
            return make_zero(sign);
        if (denormal_stops(e, true))
            return make_zero(sign);
        int s = clz64(frac);
        /* value = frac * 2^(1 - bias - fbits) */
        return f80_make(sign, (uint16_t)(1 - (int32_t)bias - fbits + BIAS + 63 - s), frac << s);
    }
    return f80_make(sign, (uint16_t)(exp - bias + BIAS), INT_BIT | frac << (63 - fbits));
}

f80 f80_from_f32(uint32_t bits, struct f80_env *e)
{
    f80 v;
    if (f80_fast_from_f32(bits, &v))
        return v;
    return from_ieee(bits, 8, 23, e);
}

f80 f80_from_f64(uint64_t bits, struct f80_env *e)
{
    f80 v;
    if (f80_fast_from_f64(bits, &v))
        return v;
    return from_ieee(bits, 11, 52, e);
}

static uint64_t to_ieee(f80 a, const struct fmt *f, int ebits, struct f80_env *e)
{
    int fbits = f->prec - 1;
    uint64_t sign = (uint64_t)f80_sign(a) << (ebits + fbits);
    uint64_t emask = (1ull << ebits) - 1, fmask = (1ull << fbits) - 1;
    uint64_t inf = emask << fbits;
    enum kind k = kind_of(a);
    switch (k) {
    case K_UNSUPPORTED:
        e->flags |= F80_IE;
        return (1ull << (ebits + fbits)) | inf | 1ull << (fbits - 1);
    case K_SNAN:
    case K_QNAN:
        a = nan1(a, k, e);
        return sign | inf | ((a.mant >> (63 - fbits)) & fmask);
    case K_INF:
        return sign | inf;
    case K_ZERO:
        return sign;
    default:
        break;
    }
    /* no DE: FST m32/m64 does not report a denormal source */
    struct unp x = unpack(a);
    struct res r = round_pack(x.sign, x.exp, x.mant, 0, f, e);
    if (r.exp == 0x7FFF)
        return sign | inf;
    uint64_t frac = (r.mant >> (64 - f->prec)) & fmask;
    if (!(r.mant & INT_BIT))
        return sign | frac;
    return sign | (uint64_t)(r.exp - BIAS + (int32_t)(emask >> 1)) << fbits | frac;
}

uint32_t f80_to_f32(f80 a, struct f80_env *e)
{
    uint64_t bits;
    uint16_t fl;
    if ((e->rc & 3) == F80_RC_NEAREST && f80_fast_to_ieee(a, false, &bits, &fl)) {
        e->flags |= fl;
        return (uint32_t)bits;
    }
    return (uint32_t)to_ieee(a, &fmt_f32, 8, e);
}

uint64_t f80_to_f64(f80 a, struct f80_env *e)
{
    uint64_t bits;
    uint16_t fl;
    if ((e->rc & 3) == F80_RC_NEAREST && f80_fast_to_ieee(a, true, &bits, &fl)) {
        e->flags |= fl;
        return bits;
    }
    return to_ieee(a, &fmt_f64, 11, e);
}

/* ---- FSCALE, FXTRACT, FPREM ---- */

f80 f80_scale(f80 a, f80 b, struct f80_env *e)
{
    enum kind ka = kind_of(a), kb = kind_of(b);
    f80 r;
    if (binary_specials(a, ka, b, kb, e, &r))
        return r;
    bool sa = f80_sign(a), sb = f80_sign(b);
    if (kb == K_INF) {
        /* SDM FSCALE table: 0 * 2^+inf and inf * 2^-inf are invalid */
        if ((!sb && ka == K_ZERO) || (sb && ka == K_INF))
            return invalid(e);
        if (denormal_stops(e, ka == K_DENORMAL))
            return a;
        if (ka == K_ZERO || ka == K_INF)
            return a;
        return sb ? make_zero(sa) : make_inf(sa);
    }
    if (denormal_stops(e, ka == K_DENORMAL || kb == K_DENORMAL))
        return a;
    if (ka == K_ZERO || ka == K_INF)
        return a;
    int32_t n = 0;
    if (kb != K_ZERO) {
        struct unp y = unpack(b);
        int32_t ue = y.exp - BIAS;
        if (ue >= 30)
            n = SCALE_STEP;
        else if (ue >= 0)
            n = (int32_t)(y.mant >> (63 - ue));
        if (sb)
            n = -n;
    }
    struct unp x = unpack(a);
    return round_f80(sa, x.exp + n, x.mant, 0, F80_PC_64, e);
}

f80 f80_xtract(f80 a, f80 *exponent, struct f80_env *e)
{
    enum kind k = kind_of(a);
    if (k == K_UNSUPPORTED) {
        *exponent = invalid(e);
        return *exponent;
    }
    if (is_nan(k)) {
        *exponent = nan1(a, k, e);
        return *exponent;
    }
    if (k == K_ZERO) {
        e->flags |= F80_ZE;
        *exponent = make_inf(true);
        return a;
    }
    if (k == K_INF) {
        *exponent = make_inf(false);
        return a;
    }
    if (denormal_stops(e, k == K_DENORMAL)) {
        *exponent = a;
        return a;
    }
    struct unp x = unpack(a);
    int32_t ue = x.exp - BIAS;
    *exponent = ue < 0 ? f80_neg(from_u64(false, (uint64_t) - (int64_t)ue)) : from_u64(false, (uint64_t)ue);
    return f80_make(x.sign, BIAS, x.mant);
}

/* FPREM/FPREM1 (SDM Vol. 2): when the exponents differ by D >= 64 one
 * execution computes only the quotient bits D .. D-N and leaves a partial
 * remainder.  N is implementation-dependent between 32 and 63; the x87
 * uses N = 32 + (D - 64) mod 32, and clears C0, C1, C3 (C2 = 1). */
#define PREM_MAX_DIFF 64

f80 f80_prem(f80 a, f80 b, struct f80_env *e, unsigned *quotient_bits, bool *complete, bool ieee)
{
    enum kind ka = kind_of(a), kb = kind_of(b);
    f80 r;
    *quotient_bits = 0;
    *complete = true;
    if (binary_specials(a, ka, b, kb, e, &r))
        return r;
    if (ka == K_INF || kb == K_ZERO)
        return invalid(e);
    if (denormal_stops(e, ka == K_DENORMAL || kb == K_DENORMAL))
        return a;
    if (ka == K_ZERO)
        return a;
    if (kb == K_INF)
        return pass_through(a, e);

    struct unp x = unpack(a), y = unpack(b);
    int32_t d = x.exp - y.exp;
    bool sign = x.sign;
    uint64_t q = 0, rem = x.mant;
    int32_t rexp = x.exp; /* exponent of rem's bit 63 position */
    if (d >= 0) {
        int32_t steps = d + 1, low = 0;
        if (d >= PREM_MAX_DIFF) {
            /* partial: quotient bits d .. d-N only */
            int32_t nn = 32 + (d - PREM_MAX_DIFF) % 32;
            low = d - nn;
            steps = nn + 1;
            *complete = false;
        }
        bool top = false;
        for (int32_t i = 0; i < steps; i++) {
            bool bit = top || rem >= y.mant;
            if (bit)
                rem -= y.mant;
            q = (q << 1) | bit;
            if (i + 1 < steps) {
                top = (rem >> 63) != 0;
                rem <<= 1;
            }
        }
        rexp = y.exp + low;
        if (ieee && *complete) {
            /* round the quotient to nearest-even: compare 2 * rem with b */
            bool gt = (rem >> 63) || (rem << 1) > y.mant;
            bool eq = !(rem >> 63) && (rem << 1) == y.mant;
            if (gt || (eq && (q & 1))) {
                rem = y.mant - rem;
                sign = !sign;
                q++;
            }
        }
        if (*complete)
            *quotient_bits = q & 7;
    } else if (ieee && d == -1 && x.mant > y.mant) {
        /* |a| > |b| / 2: quotient 1, remainder |a| - |b| = (2 mb - ma) at a's scale */
        rem = y.mant - (x.mant - y.mant);
        rexp = x.exp;
        sign = !sign;
        *quotient_bits = 1;
    } else {
        return pass_through(a, e);
    }
    if (rem == 0)
        return make_zero(x.sign);
    int s = clz64(rem);
    return round_f80(sign, rexp - s, rem << s, 0, F80_PC_64, e);
}

/* ---- compare, classify ---- */

enum f80_relation f80_compare(f80 a, f80 b, bool quiet, struct f80_env *e)
{
    enum f80_relation rel;
    if (f80_fast_compare(a, b, &rel))
        return rel;
    enum kind ka = kind_of(a), kb = kind_of(b);
    if (ka == K_UNSUPPORTED || kb == K_UNSUPPORTED || ka == K_SNAN || kb == K_SNAN) {
        e->flags |= F80_IE;
        return F80_UNORDERED;
    }
    if (is_nan(ka) || is_nan(kb)) {
        if (!quiet)
            e->flags |= F80_IE;
        return F80_UNORDERED;
    }
    if (ka == K_DENORMAL || kb == K_DENORMAL)
        e->flags |= F80_DE;
    if (ka == K_ZERO && kb == K_ZERO)
        return F80_EQUAL;
    bool sa = f80_sign(a), sb = f80_sign(b);
    if (ka == K_ZERO)
        return sb ? F80_GREATER : F80_LESS;
    if (kb == K_ZERO)
        return sa ? F80_LESS : F80_GREATER;
    if (sa != sb)
        return sa ? F80_LESS : F80_GREATER;
    /* same sign: compare magnitudes */
    int32_t xa = ka == K_INF ? 0x10000 : unpack(a).exp, xb = kb == K_INF ? 0x10000 : unpack(b).exp;
    uint64_t ma = ka == K_INF ? 0 : unpack(a).mant, mb = kb == K_INF ? 0 : unpack(b).mant;
    int mag = xa != xb ? (xa > xb ? 1 : -1) : (ma != mb ? (ma > mb ? 1 : -1) : 0);
    if (mag == 0)
        return F80_EQUAL;
    return (mag > 0) != sa ? F80_GREATER : F80_LESS;
}

enum f80_class f80_classify(f80 a)
{
    switch (kind_of(a)) {
    case K_ZERO:
        return F80_CLASS_ZERO;
    case K_NORMAL:
        return F80_CLASS_NORMAL;
    case K_DENORMAL:
        return F80_CLASS_DENORMAL;
    case K_INF:
        return F80_CLASS_INFINITY;
    case K_QNAN:
    case K_SNAN:
        return F80_CLASS_NAN;
    default:
        return F80_CLASS_UNSUPPORTED;
    }
}

uint16_t f80_class_to_sw(enum f80_class c, bool sign)
{
    uint16_t sw = 0;
    if (c & 1)
        sw |= 0x0100; /* C0 */
    if (c & 2)
        sw |= 0x0400; /* C2 */
    if (c & 4)
        sw |= 0x4000; /* C3 */
    if (sign)
        sw |= 0x0200; /* C1 */
    return sw;
}
