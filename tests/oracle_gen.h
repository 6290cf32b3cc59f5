/* oracle_gen.h - the host-CPU oracle: randomized user-mode snippets run on the
 * host CPU (tests/oracle_native32.c, a 32-bit helper) and in dynapc
 * (tests/oracle.c), then compared register by register, flag by flag and
 * byte by byte.
 *
 * This header is shared by both sides.  It holds the memory layout (the
 * same linear addresses on both sides, so that pointers in registers agree),
 * the binary protocol on the helper's stdin/stdout, and the interface of the
 * snippet generator (tests/oracle_gen.c, used by the 64-bit side only).
 * Only fixed-width fields: the structures have the same layout under -m32
 * and on x86-64. */
#ifndef DYNAPC_TESTS_ORACLE_GEN_H
#define DYNAPC_TESTS_ORACLE_GEN_H

#include <stdbool.h>
#include <stdint.h>

/* ---- layout: linear = physical in dynapc (no paging), fixed mmap natively.
 * The scratch bytes straddle a page boundary (ORACLE_PAGE_EDGE) so that
 * accesses and string runs that cross pages are part of the test. */
#define ORACLE_SCRATCH      0x1000FF80u /* snippets address [SCRATCH, +SCRATCH_SIZE) */
#define ORACLE_SCRATCH_SIZE 256u        /* compared after every snippet */
#define ORACLE_PAGE_EDGE    0x10010000u /* the page boundary inside the scratch bytes */
#define ORACLE_DATA_PAGES   0x1000F000u /* two pages mapped for data, up to 0x10011000 */
#define ORACLE_SPARE_ESP    0x10010800u /* ESP outside the compared bytes (room for a fault frame) */
#define ORACLE_CODE         0x10020000u /* the snippet's first byte */
#define ORACLE_CODE_MAX     64u         /* snippet bytes, without the terminator */
#define ORACLE_NATIVE_CTL   0x10030000u /* helper only: trampoline control block */
#define ORACLE_DYNAPC_SYS   0x10040000u /* dynapc only: IDT, GDT, exception stubs */

/* EFLAGS bits, SDM Vol. 1 3.4.3 */
#define ORACLE_CF    0x001u
#define ORACLE_PF    0x004u
#define ORACLE_AF    0x010u
#define ORACLE_ZF    0x040u
#define ORACLE_SF    0x080u
#define ORACLE_DF    0x400u
#define ORACLE_OF    0x800u
#define ORACLE_ARITH (ORACLE_CF | ORACLE_PF | ORACLE_AF | ORACLE_ZF | ORACLE_SF | ORACLE_OF)

/* ---- protocol: the parent writes requests, the helper answers each one */
enum {
    ORACLE_CMD_RUN = 0x4F52554Eu, /* run the snippet, answer with an oracle_res */
    ORACLE_CMD_RUN_FLUSH,         /* the same, then flush the answers (end of a batch) */
};

struct oracle_req {
    uint32_t cmd;
    uint32_t regs[8]; /* EAX ECX EDX EBX ESP EBP ESI EDI */
    uint32_t eflags;  /* only ORACLE_ARITH | ORACLE_DF are taken */
    uint32_t code_len;
    uint8_t code[ORACLE_CODE_MAX];
    uint8_t mem[ORACLE_SCRATCH_SIZE]; /* image of [ORACLE_SCRATCH, +256) */
};

struct oracle_res {
    uint32_t regs[8];
    uint32_t eflags;
    uint32_t fault;     /* 0, or the exception vector + 1 */
    uint32_t fault_eip; /* linear address of the faulting instruction */
    uint32_t reserved;
    uint8_t mem[ORACLE_SCRATCH_SIZE];
};

_Static_assert(sizeof(struct oracle_req) == 364, "oracle_req layout");
_Static_assert(sizeof(struct oracle_res) == 304, "oracle_res layout");

/* ---- the generator (64-bit side) ---------------------------------------- */
enum oracle_category {
    OC_ALU,      /* ADD..CMP, TEST, INC, DEC, NEG, NOT; 8/16/32; reg and memory; short chains */
    OC_SHIFT,    /* ROL ROR RCL RCR SHL SHR SAL SAR by 1, CL and imm8, every count */
    OC_MULDIV,   /* MUL, IMUL (1, 2, 3 operands), DIV, IDIV without #DE */
    OC_DIVFAULT, /* DIV, IDIV, AAM 0 that raise #DE: both sides must fault alike */
    OC_BCD,      /* DAA DAS AAA AAS AAM AAD, after an 8-bit ADD/ADC/SUB/SBB or alone */
    OC_BITOPS,   /* BT BTS BTR BTC (reg and imm offset), BSF BSR */
    OC_STRING,   /* MOVS CMPS STOS LODS SCAS, REP/REPE/REPNE, DF 0 and 1 */
    OC_COND,     /* CMOVcc and SETcc after flag-setting instructions */
    OC_ATOMIC,   /* XADD, CMPXCHG, CMPXCHG8B (with and without LOCK) */
    OC_MOVX,     /* MOVZX MOVSX, CBW CWDE CWD CDQ, LEA (32- and 16-bit addressing), BSWAP */
    OC_SHXD,     /* SHLD SHRD by CL and imm8, every count */
    OC_LAHF,     /* LAHF SAHF CMC CLC STC after flag-setting instructions */
    OC_STACK,    /* PUSH POP sequences: registers, immediates, memory, PUSHA POPA */
    OC_COUNT
};

extern const char *const oracle_category_name[OC_COUNT];

#define ORACLE_LABEL_MAX 96

struct oracle_snippet {
    struct oracle_req req;
    enum oracle_category category;
    uint32_t flag_mask;   /* ORACLE_ARITH bits whose final value is defined */
    uint8_t reg_undef;    /* GPRs (bit per register) whose final value is undefined */
    uint8_t expect_fault; /* 0, or the vector + 1 the last instruction must raise */
    uint8_t main_off;     /* the instruction under test: code[main_off .. + main_len) */
    uint8_t main_len;
    char label[ORACLE_LABEL_MAX]; /* e.g. "rcl Eb,CL m8" (the form under test) */
};

/* Fills *s with a random snippet of `category` drawn from *rng (state of a
 * 64-bit generator; any value but 0). */
void oracle_generate(struct oracle_snippet *s, enum oracle_category category, uint64_t *rng);

/* a random category, weighted (ALU and shifts get the most snippets) */
enum oracle_category oracle_pick_category(uint64_t *rng);

uint64_t oracle_rand(uint64_t *rng);

#endif
