/* x87.h - the x87 FPU instruction layer (x87.c) and what MMX (mmx.c) and
 * the decoder share with it.  The arithmetic is in f80.c and fptrans.c;
 * this layer owns the register stack, the tag and status words, the
 * instruction and data pointers, and exception delivery (#NM, #MF, FERR#). */
#ifndef DYNAPC_CPU_X87_H
#define DYNAPC_CPU_X87_H

#include "cpu/ops.h"

/* status word */
enum {
    SW_IE = 0x0001,
    SW_DE = 0x0002,
    SW_ZE = 0x0004,
    SW_OE = 0x0008,
    SW_UE = 0x0010,
    SW_PE = 0x0020,
    SW_SF = 0x0040,
    SW_ES = 0x0080,
    SW_C0 = 0x0100,
    SW_C1 = 0x0200,
    SW_C2 = 0x0400,
    SW_TOP = 0x3800,
    SW_C3 = 0x4000,
    SW_B = 0x8000,
};
#define SW_CC (SW_C0 | SW_C1 | SW_C2 | SW_C3)

/* The decoder's entry for ESC opcodes D8-DF: picks the handler for the
 * opcode byte and ModRM (op is already decoded: is_mem, rm, EA fields) and
 * fills op->sub/imm/imm2; NULL for an encoding that raises #UD. */
op_fn x87_select(struct op *op, unsigned opcode, unsigned modrm, enum cpu_model model);
/* ESC on the 8086/286, which have no coprocessor here: a no-op, but #NM
 * (interrupt 7) with MSW.EM or MSW.TS on the 286 (80286 manual, "ESC") */
op_fn sel_esc_nop(const struct op *op);
/* FWAIT (9B) */
op_fn sel_fwait(const struct op *op);
/* FXSAVE/FXRSTOR (0F AE /0 /1): sub 0 FXSAVE, 1 FXRSTOR */
op_fn sel_fxsave(const struct op *op);

/* After a block is decoded: gives the first of each common pair of x87
 * instructions (FLD ST(i) or FXCH ST(i) then FADD/FSUB/FSUBR/FMUL ST0,
 * ST(j); FCOMIP then FSTP ST(0)) a handler that runs both at once when it
 * can.  ops[0..n) are one block's ops, in order. */
void x87_fuse(struct op *ops, unsigned n);

/* power-on state (SDM Vol. 3A table 9-1) */
void x87_reset(struct cpu *cpu);

/* For MMX: the checks every MMX instruction makes first (#UD with CR0.EM,
 * #NM with CR0.TS, a pending x87 exception); returns false when the CPU
 * must wait for FERR#'s interrupt (MS-DOS compatibility mode): the caller
 * then leaves with exit_to(cpu, op->eip). */
bool x87_mmx_check(struct cpu *cpu, const struct op *op);

#endif
