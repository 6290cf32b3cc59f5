/* f80.h - the arithmetic core of the x87 FPU: 80-bit extended floats in
 * integer arithmetic only.
 *
 * No host floating point, no host long double, no FPU mode changes: every
 * result and every flag is computed with 64-bit integers, so the core gives
 * the same bits on x86-64, AArch64 and big-endian PowerPC.  The x87
 * instruction layer (register stack, tags, FSAVE images, #MF/FERR) sits on
 * top of it; this file knows nothing of the stack.
 *
 * What the x87 does, and so what this core does (Intel SDM Vol. 1 ch. 4.8,
 * 4.9 and ch. 8; differences between vendors are noted in f80.c):
 *  - precision control rounds the significand of FADD/FSUB/FMUL/FDIV/FSQRT
 *    once, to 24, 53 or 64 bits, and keeps the 15-bit exponent range;
 *  - operands: denormals and pseudo-denormals (exponent 0, integer bit 1)
 *    are used with their value and raise DE; unnormals, pseudo-infinities
 *    and pseudo-NaNs are unsupported formats: IE and the real indefinite;
 *  - NaNs: an SNaN operand raises IE and is quieted; of two NaNs the one
 *    with the larger significand is the result;
 *  - tininess is detected after rounding; a masked underflow denormalises
 *    and then rounds, and raises UE only when the result is also inexact.
 *
 * For the instruction layer:
 *  - C1 comes from F80_C1; the x87 leaves C0, C2 and C3 unchanged in every
 *    arithmetic and store instruction; FPREM/FPREM1, the compares and FXAM
 *    set them as their functions here say.
 *  - FLD/FST m80 and FLD ST(i) convert nothing and raise nothing (an SNaN
 *    is loaded as it is); FCHS/FABS touch only the sign.
 *  - FIADD & co., FICOM: convert with f80_from_i16/i32 (exact) and use the
 *    f80 operation; FTST is f80_compare(a, +0, false).
 *  - FST m32/m64, FIST(P)/FISTTP and FBSTP do not raise DE for a denormal
 *    source; FLD m32/m64 does.
 *
 * All of the above was checked against a host x87 (an AMD EPYC) by
 * tests/test_f80.c; where Intel's manuals leave a choice to the
 * implementation (FPREM's reduction step, the reserved PC value) the core
 * does what that host does.
 */
#ifndef DYNAPC_CPU_F80_H
#define DYNAPC_CPU_F80_H

#include <stdbool.h>
#include <stdint.h>

/* se = sign << 15 | biased exponent; mant holds the explicit integer bit
 * (bit 63).  Value = (-1)^sign * mant * 2^(exponent - 16383 - 63). */
typedef struct {
    uint64_t mant;
    uint16_t se;
} f80;

/* Exception flags at their x87 status word positions, and C1. */
#define F80_IE  0x0001 /* invalid operation */
#define F80_DE  0x0002 /* denormal operand */
#define F80_ZE  0x0004 /* divide by zero */
#define F80_OE  0x0008 /* overflow */
#define F80_UE  0x0010 /* underflow */
#define F80_PE  0x0020 /* precision (inexact) */
#define F80_C1  0x0200 /* with PE: the result was rounded up (away from zero) */
#define F80_EXC 0x003F

/* Rounding control (x87 control word bits 10-11). */
enum { F80_RC_NEAREST = 0, F80_RC_DOWN = 1, F80_RC_UP = 2, F80_RC_ZERO = 3 };
/* Precision control (control word bits 8-9).  The reserved value 1 acts as
 * 64 bits here. */
enum { F80_PC_24 = 0, F80_PC_53 = 2, F80_PC_64 = 3 };

struct f80_env {
    uint8_t rc; /* in: rounding control, F80_RC_* */
    uint8_t pc; /* in: precision control, F80_PC_*; used by add/sub/mul/div/sqrt only */
    /* out: F80_IE..F80_PE and F80_C1, ORed in (never cleared: zero it before
     * an instruction).  C1 is set only when the rounded result is larger in
     * magnitude than the exact one, as the x87 reports it. */
    uint16_t flags;
    bool daz_unused; /* reserved: the x87 has no denormals-are-zero mode */
    /* in: the exceptions that are unmasked in the control word, i.e.
     * ~cw & F80_EXC.  Zero (all masked, as after FINIT) is the default.
     * What the core does differently when a bit is set:
     *  - DE: on a denormal operand it stops with only DE raised; the
     *    instruction must not write its destination (compares are the
     *    exception: the x87 still sets the condition codes).
     *  - OE/UE, register destinations: the result comes back with its
     *    exponent wrapped by -/+24576, rounded to the PC precision but not
     *    denormalised, with OE/UE and PE/C1 as rounding says; UE is raised
     *    for every tiny result, exact or not.  Where even the wrapped
     *    exponent does not fit (only FSCALE gets there) the x87 delivers
     *    infinity with OE PE C1, or zero with UE PE, whatever RC says.
     *  - OE/UE, memory destinations (f80_to_f32/f64): only OE/UE is raised
     *    (no PE, no C1) and the returned bits must not be stored.
     *  - IE/ZE: nothing changes in the core (it returns the masked
     *    response); the instruction must not write its destination. */
    uint8_t unmasked;
};

static inline struct f80_env f80_env_from_cw(uint16_t cw)
{
    struct f80_env e = {.rc = (cw >> 10) & 3, .pc = (cw >> 8) & 3, .unmasked = ~cw & F80_EXC};
    return e;
}

#define F80_EXP_BIAS 16383
#define F80_EXP_MAX  0x7FFF

static inline f80 f80_make(bool sign, uint16_t exp, uint64_t mant)
{
    f80 r = {mant, (uint16_t)((sign ? 0x8000 : 0) | (exp & 0x7FFF))};
    return r;
}
static inline bool f80_sign(f80 a)
{
    return (a.se >> 15) != 0;
}
static inline uint16_t f80_exp(f80 a)
{
    return a.se & 0x7FFF;
}
static inline bool f80_same_bits(f80 a, f80 b)
{
    return a.mant == b.mant && a.se == b.se;
}
/* FCHS, FABS: sign only, no flags, NaNs untouched */
static inline f80 f80_neg(f80 a)
{
    a.se ^= 0x8000;
    return a;
}
static inline f80 f80_abs(f80 a)
{
    a.se &= 0x7FFF;
    return a;
}

/* The real indefinite (QNaN 0xFFFF C000000000000000), the response to a
 * masked invalid operation. */
static inline f80 f80_indefinite(void)
{
    return f80_make(true, 0x7FFF, 0xC000000000000000ull);
}

/* 80-bit memory image (10 bytes, little-endian as the x87 stores it). */
f80 f80_load_bytes(const uint8_t bytes[10]);
void f80_store_bytes(f80 a, uint8_t bytes[10]);

/* Arithmetic.  Rounded to e->pc bits (except where noted), per e->rc. */
f80 f80_add(f80 a, f80 b, struct f80_env *e);
f80 f80_sub(f80 a, f80 b, struct f80_env *e); /* a - b; FSUBR is f80_sub(b, a) */
f80 f80_mul(f80 a, f80 b, struct f80_env *e);
f80 f80_div(f80 a, f80 b, struct f80_env *e); /* a / b; FDIVR is f80_div(b, a) */
f80 f80_sqrt(f80 a, struct f80_env *e);
/* FRNDINT: round to an integer per RC (precision control does not apply). */
f80 f80_round_int(f80 a, struct f80_env *e);
/* FSCALE: a * 2^trunc(b), rounded to 64 bits. */
f80 f80_scale(f80 a, f80 b, struct f80_env *e);
/* FXTRACT: returns the significand (new ST0, exponent 16383, sign of a) and
 * stores the unbiased exponent as a value in *exponent (new ST1).  Zero
 * gives ZE, *exponent = -inf and a significand of the same zero. */
f80 f80_xtract(f80 a, f80 *exponent, struct f80_env *e);
/* FPREM (ieee = false: quotient truncated) and FPREM1 (ieee = true: quotient
 * rounded to nearest-even).  One call is one execution of the instruction:
 * when the exponents differ by 64 or more it reduces a only partly and sets
 * *complete = false (C2 = 1; the program loops).  *quotient_bits gets
 * Q2 Q1 Q0 of the quotient as bits 2..0 (C0 = Q2, C3 = Q1, C1 = Q0); it is 0
 * when incomplete or when the result is a NaN.  Exact: no PE, no PC. */
f80 f80_prem(f80 a, f80 b, struct f80_env *e, unsigned *quotient_bits, bool *complete, bool ieee);

/* FCOM/FUCOM/FCOMI/FUCOMI/FTST/FICOM.  quiet = true for the unordered
 * compares (FUCOM*): only SNaNs (and unsupported formats) raise IE; FCOM
 * raises IE for every NaN.  Denormal operands raise DE. */
enum f80_relation { F80_LESS, F80_EQUAL, F80_GREATER, F80_UNORDERED };
enum f80_relation f80_compare(f80 a, f80 b, bool quiet, struct f80_env *e);

/* FXAM classes, valued as the condition codes C3 C2 C0 (bit 2..0: C3, C2,
 * C0); C1 is the sign.  F80_CLASS_EMPTY comes from the tag word, never
 * from f80_classify. */
enum f80_class {
    F80_CLASS_UNSUPPORTED = 0, /* C3 C2 C0 = 0 0 0 */
    F80_CLASS_NAN = 1,         /* 0 0 1 */
    F80_CLASS_NORMAL = 2,      /* 0 1 0 */
    F80_CLASS_INFINITY = 3,    /* 0 1 1 */
    F80_CLASS_ZERO = 4,        /* 1 0 0 */
    F80_CLASS_EMPTY = 5,       /* 1 0 1 */
    F80_CLASS_DENORMAL = 6,    /* 1 1 0 (also pseudo-denormals) */
};
enum f80_class f80_classify(f80 a);
/* The x87 status word condition bits for a class: C0 (bit 8), C2 (bit 10),
 * C3 (bit 14), C1 (bit 9) = sign. */
uint16_t f80_class_to_sw(enum f80_class c, bool sign);

/* Integer conversions.  Loading is exact.  Storing rounds per RC
 * (truncate = true: FISTTP, toward zero); NaN, infinity, unsupported or out
 * of range give IE and the integer indefinite (0x8000, 0x80000000,
 * 0x8000000000000000). */
f80 f80_from_i16(int16_t v);
f80 f80_from_i32(int32_t v);
f80 f80_from_i64(int64_t v);
int16_t f80_to_i16(f80 a, bool truncate, struct f80_env *e);
int32_t f80_to_i32(f80 a, bool truncate, struct f80_env *e);
int64_t f80_to_i64(f80 a, bool truncate, struct f80_env *e);

/* IEEE single/double as bit patterns (FLD/FST m32/m64).  Loading raises DE
 * for a denormal and IE for an SNaN (quieted); storing rounds per RC to the
 * target format with its own exponent range. */
f80 f80_from_f32(uint32_t bits, struct f80_env *e);
f80 f80_from_f64(uint64_t bits, struct f80_env *e);
uint32_t f80_to_f32(f80 a, struct f80_env *e);
uint64_t f80_to_f64(f80 a, struct f80_env *e);

/* 80-bit packed BCD (FBLD/FBSTP): 18 digits, two per byte, least
 * significant byte first; byte 9 bit 7 is the sign.  Loading raises
 * nothing (invalid digits are taken at their nibble value).  Storing rounds
 * per RC; out of range, NaN, infinity or unsupported give IE and the BCD
 * indefinite (bytes 7..9 = C0 FF FF, the rest 0). */
f80 f80_from_bcd(const uint8_t bcd[10]);
void f80_to_bcd(f80 a, uint8_t bcd[10], struct f80_env *e);

#endif
