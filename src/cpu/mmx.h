/* mmx.h - MMX instructions (Pentium MMX, Pentium II): the 0F 60-7F and
 * 0F D1-FE opcodes on the MMX registers, which are the significands of the
 * x87 registers (mmx.c). */
#ifndef DYNAPC_CPU_MMX_H
#define DYNAPC_CPU_MMX_H

#include "cpu/ops.h"

/* every MMX opcode: the handler works from op->opcode (0F xx), and for the
 * shift-by-immediate groups 0F 71-73 from op->sub (ModRM.reg) and op->imm */
op_fn sel_mmx(const struct op *op);

#endif
