/* insn_table.h - the instruction table: one entry per opcode (and per
 * ModRM.reg for group opcodes), in the SDM's operand notation.  It is the
 * single source of truth for instruction layout (ModRM, immediates), the
 * operand size, the mnemonic and the handler family. */
#ifndef DYNAPC_INSN_TABLE_H
#define DYNAPC_INSN_TABLE_H

#include <stdint.h>

#include "cpu/ops.h"

/* operand kinds (SDM Vol. 2, appendix A.2) */
enum opnd {
    OPN_NONE,
    OPN_Eb,
    OPN_Ev,
    OPN_Ew,
    OPN_Ed,
    OPN_M,
    OPN_Mp,
    OPN_Rd, /* ModRM.rm */
    OPN_Gb,
    OPN_Gv,
    OPN_Gw,
    OPN_Sw,
    OPN_Cd,
    OPN_Dd, /* ModRM.reg */
    OPN_Pq, /* MMX register in ModRM.reg */
    OPN_Qq, /* MMX register or memory in ModRM.rm */
    OPN_Nq, /* MMX register in ModRM.rm (mod = 3 only) */
    OPN_Ib,
    OPN_Ibs,
    OPN_Iw,
    OPN_Iz, /* immediates */
    OPN_Jb,
    OPN_Jz,
    OPN_Ap,
    OPN_Ob,
    OPN_Ov, /* branch, far pointer, moffs */
    OPN_Zb,
    OPN_Zv, /* register in opcode bits 2..0 */
    OPN_AL,
    OPN_eAX,
    OPN_CL,
    OPN_DX,
    OPN_ONE,
    OPN_SEG, /* fixed operands */
    OPN_Xb,
    OPN_Xv,
    OPN_Yb,
    OPN_Yv, /* string operands */
};

/* operand size class -> op->size */
enum { SZ_NONE, SZ_B, SZ_V, SZ_W, SZ_D };

/* flags */
enum {
    IF_GROUP = 1u << 0,   /* sub-table by ModRM.reg */
    IF_BRANCH = 1u << 1,  /* direct control transfer: the op is a chained TB exit */
    IF_END = 1u << 2,     /* ends the TB; the handler leaves by itself */
    IF_STOP = 1u << 3,    /* ends the TB after it (mode may have changed) */
    IF_SWAP = 1u << 4,    /* E op= G, register form: handler wants dst in reg, src in rm */
    IF_RM2REG = 1u << 5,  /* E op= imm, register form: handler wants dst in reg */
    IF_LOCK = 1u << 6,    /* LOCK allowed (with a memory destination) */
    IF_INVALID = 1u << 7, /* #UD */
    IF_X87 = 1u << 8,     /* ESC opcode */
    IF_NOMOD3 = 1u << 9,  /* memory form only (#UD with mod == 3) */
    IF_486 = 1u << 10,    /* first on the 486 (#UD before) */
    IF_586 = 1u << 11,    /* first on the Pentium */
    IF_686 = 1u << 12,    /* first on the Pentium Pro/II */
    IF_MMX = 1u << 13,    /* MMX: Pentium MMX and Pentium II */
};

struct insn_def {
    const char *mnem;
    uint8_t opnd[3];
    uint8_t sz;
    uint8_t sub;
    uint16_t flags;
    select_fn sel;
    const struct insn_def *group; /* IF_GROUP: 8 entries */
};

extern const struct insn_def insn_map1[256]; /* one-byte opcodes */
extern const struct insn_def insn_map2[256]; /* 0F xx */

#endif
