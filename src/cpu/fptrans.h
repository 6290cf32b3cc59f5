/* fptrans.h - the x87 transcendental instructions in integer arithmetic:
 * FSIN, FCOS, FSINCOS, FPTAN, FPATAN, F2XM1, FYL2X, FYL2XP1.
 *
 * Like f80.c: no host floating point.  Each function computes the exact
 * result to well beyond 64 bits and rounds it once per RC (precision
 * control does not apply to these instructions, SDM Vol. 1 8.1.5.2), with
 * the x87's special cases (SDM Vol. 2 instruction pages) and exception
 * flags in e->flags.  Where the hardware's result is not the correctly
 * rounded one, docs/internals.md ("x87") lists the difference classes. */
#ifndef DYNAPC_CPU_FPTRANS_H
#define DYNAPC_CPU_FPTRANS_H

#include "cpu/f80.h"

/* FSIN, FCOS, FPTAN, FSINCOS: for |a| >= 2^63 the x87 sets C2 and leaves
 * its stack alone: *out_of_range = true and nothing else happens. */
f80 f80_sin(f80 a, struct f80_env *e, bool *out_of_range);
f80 f80_cos(f80 a, struct f80_env *e, bool *out_of_range);
/* FSINCOS: *s = sin(a), returns cos(a) (the new ST0) */
f80 f80_sincos(f80 a, f80 *s, struct f80_env *e, bool *out_of_range);
/* FPTAN: tan(a); the instruction then pushes 1.0 */
f80 f80_tan(f80 a, struct f80_env *e, bool *out_of_range);
/* FPATAN: the angle of (x, y), i.e. atan(y / x) in the quadrant of (x, y):
 * y is ST1, x is ST0 */
f80 f80_atan2(f80 y, f80 x, struct f80_env *e);
/* F2XM1: 2^a - 1 for -1 <= a <= 1 (outside, the hardware's result is
 * undefined; this gives the same formula's value) */
f80 f80_2xm1(f80 a, struct f80_env *e);
/* FYL2X: y * log2(x) (y is ST1, x is ST0) */
f80 f80_yl2x(f80 y, f80 x, struct f80_env *e);
/* FYL2XP1: y * log2(x + 1) */
f80 f80_yl2xp1(f80 y, f80 x, struct f80_env *e);

#endif
