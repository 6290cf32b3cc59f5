/* x87_oracle.h - the x87 host oracle: random x87 snippets run on the host
 * CPU (tests/x87_native32.c, a 32-bit helper) and in dynapc
 * (tests/x87_oracle.c), both starting from the same FPU image (loaded by an
 * FRSTOR that is part of the snippet) and ending with FNSAVE; the FPU image,
 * EAX, the flags FCOMI sets and the scratch bytes are compared.
 *
 * Shared by both sides: the memory layout (the same linear addresses on
 * both sides) and the binary protocol.  Fixed-width fields only. */
#ifndef DYNAPC_TESTS_X87_ORACLE_H
#define DYNAPC_TESTS_X87_ORACLE_H

#include <stdint.h>

#define X87O_DATA      0x1000F000u /* two data pages, up to 0x10011000 */
#define X87O_IMG_IN    0x1000F000u /* the FSAVE image the snippet's FRSTOR loads */
#define X87O_IMG_OUT   0x1000F100u /* where FNSAVE leaves the final state */
#define X87O_SCRATCH   0x1000FF80u /* memory operands: [SCRATCH, +SCRATCH_SIZE), compared */
#define X87O_SCR_SIZE  256u
#define X87O_ESP       0x10010800u
#define X87O_CODE      0x10020000u
#define X87O_CODE_MAX  96u
#define X87O_CTL       0x10030000u /* helper only */
#define X87O_SYS       0x10040000u /* dynapc only: IDT, GDT, exception stubs */
#define X87O_IMG_SIZE  108u        /* FNSAVE, 32-bit protected mode */
#define X87O_CMD_RUN   0x58383752u
#define X87O_CMD_FLUSH 0x58383753u

struct x87o_req {
    uint32_t cmd;
    uint32_t eax, ebx, eflags; /* eflags: CF PF ZF (for FCMOVcc) */
    uint32_t code_len;
    uint8_t code[X87O_CODE_MAX];
    uint8_t img[X87O_IMG_SIZE];
    uint8_t mem[X87O_SCR_SIZE];
};

struct x87o_res {
    uint32_t eax, eflags;
    uint32_t fault; /* 0, or vector + 1 */
    uint32_t fault_eip;
    uint8_t img[X87O_IMG_SIZE];
    uint8_t mem[X87O_SCR_SIZE];
};

_Static_assert(sizeof(struct x87o_req) == 480, "x87o_req layout");
_Static_assert(sizeof(struct x87o_res) == 380, "x87o_res layout");

#endif
