/* decoder_deviations.h - where dynapc's decoder and capstone are expected to
 * disagree, each with the manual's reason.  This is the one place that lists
 * them; tests/decoder_xcheck.c reads it.
 *
 * The reference machine is a Pentium II, the most capable CPU model dynapc
 * has.  capstone decodes for a current CPU, so most entries are instructions
 * that came later (SSE and after) and that a Pentium II answers with #UD.
 * The rest are spellings (section 1), a few capstone bugs, and the things a
 * Pentium II has that dynapc does not have yet (DEV_NOT_YET): delete those
 * entries when the named issue lands, and the test then compares the
 * opcodes like any other.  The test prints how often each entry was needed;
 * an entry that stays at 0 is stale.
 *
 * "SDM" is the Intel 64 and IA-32 Architectures Software Developer's Manual:
 * Vol. 2A/2B instruction pages, Vol. 2 appendix A (opcode maps). */
#ifndef DYNAPC_DECODER_DEVIATIONS_H
#define DYNAPC_DECODER_DEVIATIONS_H

#include <stdint.h>

/* ---------------------------------------------------------------------------
 * 1. Names.  dynapc's table uses the SDM's notation; capstone prints its own
 * spellings.  Both sides are mapped to one canonical name: the SDM mnemonic
 * for the operand (or address) size in force.
 * ------------------------------------------------------------------------- */

/* dynapc table names whose SDM mnemonic depends on the operand size (or, for
 * JECXZ, the address size) */
struct sized_name {
    const char *dynapc;
    const char *name16, *name32;
    int by_address_size;
};

static const struct sized_name sized_names[] = {
    {"movs", "movsw", "movsd", 0},   {"cmps", "cmpsw", "cmpsd", 0}, {"stos", "stosw", "stosd", 0},
    {"lods", "lodsw", "lodsd", 0},   {"scas", "scasw", "scasd", 0}, {"ins", "insw", "insd", 0},
    {"outs", "outsw", "outsd", 0},   {"cbw", "cbw", "cwde", 0},     {"cwd", "cwd", "cdq", 0},
    {"pusha", "pusha", "pushad", 0}, {"popa", "popa", "popad", 0},  {"pushf", "pushf", "pushfd", 0},
    {"popf", "popf", "popfd", 0},    {"iret", "iret", "iretd", 0},  {"jecxz", "jcxz", "jecxz", 1},
};

/* capstone spellings -> the canonical name */
struct name_alias {
    const char *capstone, *canonical;
};

static const struct name_alias capstone_names[] = {
    {"ljmp", "jmpf"},     {"lcall", "callf"}, /* far JMP/CALL; dynapc's table says jmpf/callf */
    {"pushal", "pushad"}, {"pushaw", "pusha"}, {"popal", "popad"},
    {"popaw", "popa"},    {"xlatb", "xlat"},   {"wait", "fwait"},
};

/* prefix words capstone prints before the mnemonic.  The prefixes are checked
 * through validity and length, not through the name.  xacquire/xrelease (F2/F3
 * with LOCK) and bnd (F2 before a branch) are later CPUs' readings of
 * prefixes that a Pentium II ignores there (SDM Vol. 2A 2.1.1: F2/F3 on other
 * instructions are reserved and ignored). */
static const char *const capstone_prefix_words[] = {
    "lock", "rep", "repe", "repne", "repz", "repnz", "xacquire", "xrelease", "bnd", "notrack",
};

/* dynapc's table has one entry, "esc", for each x87 escape (D8-DF); the
 * forms are decoded by x87_select() in src/cpu/x87.c.  capstone's names for
 * D8-DF all compare as "esc" (validity and length are still compared). */
#define X87_ESCAPE_NAME "esc"

/* ---------------------------------------------------------------------------
 * 2. LOCK (SDM Vol. 2A, LOCK): allowed only on these forms with a memory
 * destination (ModRM.mod != 3); anything else raises #UD.  capstone accepts
 * LOCK on other instructions when an F2/F3 prefix follows it (it keeps one
 * prefix of SDM group 1 only), so the rule is applied here.
 * ------------------------------------------------------------------------- */

enum dev_map { MAP_1, MAP_0F, MAP_0F38, MAP_0F3A, MAP_ANY = 0xFF };
#define ALL_REGS    0xFF
#define REG(n)      (1u << (n))
#define REGS_0_TO_6 0x7F

struct lock_form {
    uint8_t map, opcode, regs;
};

static const struct lock_form lockable_forms[] = {
    {MAP_1, 0x00, ALL_REGS},                  /* ADD Eb,Gb */
    {MAP_1, 0x01, ALL_REGS},                  /* ADD Ev,Gv */
    {MAP_1, 0x08, ALL_REGS},                  /* OR */
    {MAP_1, 0x09, ALL_REGS},                  /* OR */
    {MAP_1, 0x10, ALL_REGS},                  /* ADC */
    {MAP_1, 0x11, ALL_REGS},                  /* ADC */
    {MAP_1, 0x18, ALL_REGS},                  /* SBB */
    {MAP_1, 0x19, ALL_REGS},                  /* SBB */
    {MAP_1, 0x20, ALL_REGS},                  /* AND */
    {MAP_1, 0x21, ALL_REGS},                  /* AND */
    {MAP_1, 0x28, ALL_REGS},                  /* SUB */
    {MAP_1, 0x29, ALL_REGS},                  /* SUB */
    {MAP_1, 0x30, ALL_REGS},                  /* XOR (CMP 38/39 is not lockable) */
    {MAP_1, 0x31, ALL_REGS},                  /* XOR */
    {MAP_1, 0x80, REGS_0_TO_6},               /* group 1 Eb,Ib except /7 CMP */
    {MAP_1, 0x81, REGS_0_TO_6},               /* group 1 Ev,Iz */
    {MAP_1, 0x82, REGS_0_TO_6},               /* group 1 Eb,Ib (alias of 80) */
    {MAP_1, 0x83, REGS_0_TO_6},               /* group 1 Ev,Ib */
    {MAP_1, 0x86, ALL_REGS},                  /* XCHG Eb,Gb */
    {MAP_1, 0x87, ALL_REGS},                  /* XCHG Ev,Gv */
    {MAP_1, 0xF6, REG(2) | REG(3)},           /* NOT, NEG Eb */
    {MAP_1, 0xF7, REG(2) | REG(3)},           /* NOT, NEG Ev */
    {MAP_1, 0xFE, REG(0) | REG(1)},           /* INC, DEC Eb */
    {MAP_1, 0xFF, REG(0) | REG(1)},           /* INC, DEC Ev */
    {MAP_0F, 0xAB, ALL_REGS},                 /* BTS Ev,Gv */
    {MAP_0F, 0xB3, ALL_REGS},                 /* BTR Ev,Gv */
    {MAP_0F, 0xBB, ALL_REGS},                 /* BTC Ev,Gv */
    {MAP_0F, 0xBA, REG(5) | REG(6) | REG(7)}, /* BTS, BTR, BTC Ev,Ib */
    {MAP_0F, 0xB0, ALL_REGS},                 /* CMPXCHG Eb,Gb */
    {MAP_0F, 0xB1, ALL_REGS},                 /* CMPXCHG Ev,Gv */
    {MAP_0F, 0xC0, ALL_REGS},                 /* XADD Eb,Gb */
    {MAP_0F, 0xC1, ALL_REGS},                 /* XADD Ev,Gv */
    {MAP_0F, 0xC7, REG(1)},                   /* CMPXCHG8B Mq */
};

/* ---------------------------------------------------------------------------
 * 3. Deviations.  An entry matches an opcode (map and range), optionally only
 * some ModRM.reg values, the memory or the register form, a prefix condition
 * and one mode.
 * ------------------------------------------------------------------------- */

enum dev_kind {
    DEV_P6_UD,        /* capstone decodes it; a Pentium II raises #UD (dynapc must too) */
    DEV_NOT_YET,      /* a Pentium II has it; dynapc raises #UD until the named issue lands */
    DEV_ALIAS,        /* capstone names a later CPU's instruction; a Pentium II executes `alias` */
    DEV_CS_INVALID,   /* capstone rejects it; a Pentium II executes it (dynapc decodes it) */
    DEV_RUNTIME,      /* capstone rejects it, rightly; dynapc decodes it and the handler raises #UD */
    DEV_CS_OPSIZE,    /* capstone names it for the other operand size */
    DEV_CS_PFX_ORDER, /* capstone misreads 66/67 prefixes that are not last: it is asked
                         again with them moved to the end of the prefix run */
};
enum dev_mod { MOD_ANY, MOD_MEM, MOD_REG };
enum dev_pfx {
    PFX_ANY,
    PFX_LOCK_NOT_LOCKABLE, /* LOCK on a form outside section 2 */
    PFX_SIZE_NOT_LAST,     /* a 66 or 67 prefix followed by a different prefix */
};

struct deviation {
    uint8_t kind;
    uint8_t mode;        /* 16, 32, or 0 for both */
    uint8_t map, lo, hi; /* opcode range */
    uint8_t regs;        /* bit n: applies when ModRM.reg == n */
    uint8_t mod;
    uint8_t pfx;
    const char *alias; /* DEV_ALIAS: the canonical name of what a Pentium II executes */
    const char *why;   /* the manual's reason */
};

#define P6_UD(map, lo, hi, regs, mod, why)                                                                   \
    {                                                                                                        \
        DEV_P6_UD, 0, map, lo, hi, regs, mod, PFX_ANY, 0, why                                                \
    }
#define NOT_YET(map, lo, hi, regs, why)                                                                      \
    {                                                                                                        \
        DEV_NOT_YET, 0, map, lo, hi, regs, MOD_ANY, PFX_ANY, 0, why                                          \
    }
#define ALIAS(map, lo, hi, alias, why)                                                                       \
    {                                                                                                        \
        DEV_ALIAS, 0, map, lo, hi, ALL_REGS, MOD_ANY, PFX_ANY, alias, why                                    \
    }
#define MMX(lo, hi) NOT_YET(MAP_0F, lo, hi, ALL_REGS, WHY_MMX)
#define SSE(lo, hi) P6_UD(MAP_0F, lo, hi, ALL_REGS, MOD_ANY, WHY_SSE)

#define WHY_SSE                                                                                              \
    "SSE and later (SSE2/3, SSSE3, SSE4, SHA, AES): #UD without CPUID.01H:EDX.SSE[25] etc.; the Pentium II " \
    "has none (SDM Vol. 2 tables A-3, A-4, A-5 mark them by extension)"
#define WHY_MMX                                                                                              \
    "MMX (Pentium II has it, SDM Vol. 2 MMX instruction pages): not implemented yet (FPU/MMX issue); "       \
    "capstone names 66/F2/F3-prefixed forms as SSE2, a Pentium II ignores those prefixes"
#define WHY_MMX_PFX                                                                                          \
    "66/F3 before 0F 6F/7E/7F: later CPUs' SSE2 forms (MOVDQA, MOVDQU, MOVQ xmm); a Pentium II ignores the " \
    "prefix (SDM Vol. 2A 2.1.1: reserved) and executes the MMX MOVQ/MOVD"
#define WHY_HINT_NOP                                                                                         \
    "0F 18-0F 1F /r: NOP Ev (hint NOPs) on the P6 family (SDM Vol. 2B NOP: family 6); capstone names "       \
    "later meanings (PREFETCHh is SSE, BND* is MPX, ENDBR is CET)"

static const struct deviation deviations[] = {
    /* --- later CPUs' instructions: a Pentium II raises #UD --- */
    {DEV_P6_UD, 0, MAP_ANY, 0x00, 0xFF, ALL_REGS, MOD_ANY, PFX_LOCK_NOT_LOCKABLE, 0,
     "LOCK outside ADD/ADC/AND/BTC/BTR/BTS/CMPXCHG/CMPXCHG8B/DEC/INC/NEG/NOT/OR/SBB/SUB/XOR/XADD/XCHG "
     "with a memory destination: #UD (SDM Vol. 2A, LOCK); capstone drops LOCK when F2/F3 follows it"},
    P6_UD(MAP_0F, 0x0B, 0x0B, ALL_REGS, MOD_ANY,
          "UD2: 'raises an invalid opcode exception in all modes' (SDM UD)"),
    P6_UD(MAP_0F, 0xB9, 0xB9, ALL_REGS, MOD_ANY, "UD1: raises #UD by definition (SDM Vol. 2B, UD)"),
    P6_UD(MAP_0F, 0xFF, 0xFF, ALL_REGS, MOD_ANY, "UD0: raises #UD by definition (SDM Vol. 2B, UD)"),
    P6_UD(MAP_0F, 0x05, 0x05, ALL_REGS, MOD_ANY,
          "SYSCALL: #UD outside 64-bit mode on Intel CPUs (SDM SYSCALL)"),
    P6_UD(MAP_0F, 0x07, 0x07, ALL_REGS, MOD_ANY,
          "SYSRET: #UD outside 64-bit mode on Intel CPUs (SDM SYSRET)"),
    P6_UD(MAP_0F, 0x0D, 0x0D, ALL_REGS, MOD_ANY,
          "PREFETCHW (0F 0D): AMD 3DNow!/PRFCHW, absent from the P6 opcode map (SDM table A-3)"),
    P6_UD(MAP_0F, 0x0E, 0x0F, ALL_REGS, MOD_ANY,
          "FEMMS, 3DNow! (0F 0E/0F): AMD only, not in Intel's map (table A-3)"),
    P6_UD(MAP_0F, 0x37, 0x37, ALL_REGS, MOD_ANY, "GETSEC: SMX, #UD without CPUID.01H:ECX.SMX (SDM Vol. 2B)"),
    P6_UD(MAP_0F, 0xAA, 0xAA, ALL_REGS, MOD_ANY,
          "RSM: #UD when not in SMM (SDM Vol. 2B, RSM); dynapc has no SMM"),
    P6_UD(MAP_0F, 0xB8, 0xB8, ALL_REGS, MOD_ANY, "POPCNT (F3 0F B8) is SSE4.2, JMPE (0F B8) is IA-64: #UD"),
    P6_UD(MAP_0F, 0x78, 0x79, ALL_REGS, MOD_ANY, "VMREAD/VMWRITE: VMX, #UD without CPUID.01H:ECX.VMX"),
    P6_UD(MAP_0F, 0x01, 0x01, REG(0) | REG(1) | REG(2) | REG(3) | REG(5) | REG(7), MOD_REG,
          "0F 01 register forms other than SMSW/LMSW (VMX, MONITOR/MWAIT, XGETBV, SWAPGS, RDTSCP, ...): "
          "later CPUs; #UD on a Pentium II (SDM table A-6, group 7)"),
    P6_UD(MAP_0F, 0xC7, 0xC7, ALL_REGS & ~REG(1), MOD_ANY,
          "0F C7 other than /1 CMPXCHG8B (XRSTORS, XSAVEC, VMPTRLD, RDRAND, RDSEED...): later CPUs (table "
          "A-6)"),
    P6_UD(MAP_0F, 0xAE, 0xAE, ALL_REGS & ~(REG(0) | REG(1)), MOD_ANY,
          "0F AE /2-/7 (LDMXCSR, STMXCSR, XSAVE, CLFLUSH, fences): SSE and later (table A-6, group 15)"),
    P6_UD(MAP_1, 0xC6, 0xC7, REG(7), MOD_REG,
          "XABORT/XBEGIN (C6 F8, C7 F8): RTM, #UD without CPUID.07H:EBX.RTM"),
    P6_UD(MAP_1, 0x8F, 0x8F, ALL_REGS & ~REG(0), MOD_ANY,
          "8F /1-/7: the XOP prefix (AMD) to capstone; group 1A has only /0 POP: #UD (SDM table A-6)"),
    P6_UD(MAP_1, 0x62, 0x62, ALL_REGS, MOD_REG,
          "62 with mod 3 is the EVEX prefix (AVX-512) on later CPUs; BOUND needs memory: #UD (SDM BOUND)"),
    P6_UD(MAP_0F, 0xA6, 0xA7, ALL_REGS, MOD_REG,
          "0F A6/A7 register forms: VIA PadLock (XSHA1, XCRYPT*), not in Intel's map (table A-3): #UD"),
    P6_UD(MAP_1, 0xC4, 0xC5, ALL_REGS, MOD_REG,
          "C4/C5 with mod 3 are VEX prefixes (AVX) on later CPUs; LES/LDS need memory: #UD (SDM LES)"),
    P6_UD(MAP_0F38, 0x00, 0xFF, ALL_REGS, MOD_ANY, "0F 38: three-byte map, SSSE3 and later (SDM table A-4)"),
    P6_UD(MAP_0F3A, 0x00, 0xFF, ALL_REGS, MOD_ANY, "0F 3A: three-byte map, SSSE3 and later (SDM table A-5)"),
    SSE(0x10, 0x17),
    SSE(0x28, 0x2F),
    SSE(0x50, 0x5F),
    SSE(0x6C, 0x6D),
    SSE(0x70, 0x70),
    P6_UD(MAP_0F, 0x73, 0x73, REG(3) | REG(7), MOD_ANY, WHY_SSE),
    SSE(0x7C, 0x7D),
    SSE(0xC2, 0xC6),
    SSE(0xD0, 0xD0),
    SSE(0xD4, 0xD4),
    SSE(0xD6, 0xD7),
    SSE(0xDA, 0xDA),
    SSE(0xDE, 0xDE),
    SSE(0xE0, 0xE0),
    SSE(0xE3, 0xE4),
    SSE(0xE6, 0xE7),
    SSE(0xEA, 0xEA),
    SSE(0xEE, 0xEE),
    SSE(0xF0, 0xF0),
    SSE(0xF4, 0xF4),
    SSE(0xF6, 0xF7),
    SSE(0xFB, 0xFB),
    P6_UD(MAP_1, 0xDB, 0xDB, REG(1), MOD_MEM, "FISTTP m32int (DB /1): SSE3 (SDM FISTTP); a Pentium II: #UD"),
    P6_UD(MAP_1, 0xDD, 0xDD, REG(1), MOD_MEM, "FISTTP m64int (DD /1): SSE3 (SDM FISTTP); a Pentium II: #UD"),
    P6_UD(MAP_1, 0xDF, 0xDF, REG(1), MOD_MEM, "FISTTP m16int (DF /1): SSE3 (SDM FISTTP); a Pentium II: #UD"),

    /* --- capstone's name for a later CPU; a Pentium II executes the older instruction --- */
    ALIAS(MAP_1, 0x90, 0x90, "nop", "PAUSE (F3 90) 'executes as a NOP' on earlier CPUs (SDM Vol. 2B, PAUSE)"),
    ALIAS(MAP_0F, 0xBC, 0xBC, "bsf", "TZCNT (F3 0F BC) is BMI1; without it F3 is ignored: BSF (SDM TZCNT)"),
    ALIAS(MAP_0F, 0xBD, 0xBD, "bsr", "LZCNT (F3 0F BD) is ABM; without it F3 is ignored: BSR (SDM LZCNT)"),
    ALIAS(MAP_0F, 0x18, 0x1F, "nop", WHY_HINT_NOP),
    ALIAS(MAP_0F, 0x6F, 0x6F, "movq", WHY_MMX_PFX),
    ALIAS(MAP_0F, 0x7F, 0x7F, "movq", WHY_MMX_PFX),
    ALIAS(MAP_0F, 0x7E, 0x7E, "movd", WHY_MMX_PFX),

    /* --- capstone rejects what a Pentium II executes --- */
    {DEV_CS_INVALID, 0, MAP_0F, 0x18, 0x1F, ALL_REGS, MOD_REG, PFX_ANY, 0,
     "hint NOP with a register operand (NOP r/m, SDM Vol. 2B NOP); capstone 4 rejects mod 3"},

    /* --- capstone rejects it too; dynapc's handler raises the #UD --- */
    {DEV_RUNTIME, 0, MAP_1, 0x8C, 0x8C, REG(6) | REG(7), MOD_ANY, PFX_ANY, 0,
     "MOV Ev,Sreg with reg 6/7: #UD (SDM MOV); dynapc's mov_sreg handler raises it"},
    {DEV_RUNTIME, 0, MAP_1, 0x8E, 0x8E, REG(6) | REG(7), MOD_ANY, PFX_ANY, 0,
     "MOV Sreg,Ew with reg 6/7: #UD (SDM MOV); dynapc's mov_sreg handler raises it"},

    /* --- capstone bugs in operand size --- */
    {DEV_CS_OPSIZE, 16, MAP_1, 0x98, 0x99, ALL_REGS, MOD_ANY, PFX_ANY, 0,
     "capstone 4 names 98/99 in 16-bit code by the 32-bit operand size (CWDE/CDQ); the SDM: CBW/CWD"},
    {DEV_CS_PFX_ORDER, 0, MAP_ANY, 0x00, 0xFF, ALL_REGS, MOD_ANY, PFX_SIZE_NOT_LAST, 0,
     "capstone 4 drops a 66 that comes before F2/F3 (as if it were an SSE mandatory prefix), and reads "
     "66/67 for CBW/CWD/JCXZ only as the last prefix; a Pentium II takes prefixes in any order "
     "(SDM Vol. 2A 2.1.1)"},

};

#endif
