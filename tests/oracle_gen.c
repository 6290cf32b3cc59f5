/* oracle_gen.c - random snippets for the host-CPU oracle (see oracle_gen.h).
 *
 * A snippet is one to a few instructions.  The last one is the instruction
 * under test; the ones before it set flags (lazy-flag interplay) or build a
 * stack.  The generator chooses every initial register and memory value, so
 * it knows where memory operands point: base and index registers are given
 * values (or displacements are chosen) that land every access inside the
 * 256 compared scratch bytes.  It follows which flags are undefined after
 * each instruction (the table below) and never lets an instruction read one;
 * what is still undefined at the end is masked out of the comparison. */
#include "oracle_gen.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const oracle_category_name[OC_COUNT] = {
    [OC_ALU] = "alu",         [OC_SHIFT] = "shift",     [OC_MULDIV] = "mul_div",
    [OC_DIVFAULT] = "div_de", [OC_BCD] = "bcd",         [OC_BITOPS] = "bit_ops",
    [OC_STRING] = "string",   [OC_COND] = "cmov_setcc", [OC_ATOMIC] = "xadd_cmpxchg",
    [OC_MOVX] = "movx_lea",   [OC_SHXD] = "shld_shrd",  [OC_LAHF] = "lahf_sahf",
    [OC_STACK] = "push_pop",
};

enum { EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI };

#define CF  ORACLE_CF
#define PF  ORACLE_PF
#define AF  ORACLE_AF
#define ZF  ORACLE_ZF
#define SF  ORACLE_SF
#define OF  ORACLE_OF
#define ALL ORACLE_ARITH

/* ==== Undefined flags: the one place ======================================
 * reads:  flags the instruction consumes (they must be defined before it)
 * writes: flags it changes, defined or not (the rest keep their value)
 * undef:  flags it leaves undefined
 * Each reason quotes the "Flags Affected" section of the instruction's page
 * in the Intel SDM Vol. 2. */
struct flag_rule {
    uint32_t reads, writes, undef;
};

enum flag_family {
    FR_NONE,
    FR_ADD_SUB,
    FR_ADC_SBB,
    FR_LOGIC,
    FR_INC_DEC,
    FR_MUL,
    FR_DIV,
    FR_DAA_DAS,
    FR_AAA_AAS,
    FR_AAM_AAD,
    FR_BT,
    FR_BSF_BSR,
    FR_CMPXCHG8B,
    FR_SAHF,
    FR_LAHF,
    FR_CMC,
    FR_CLC_STC,
    FR_COUNT
};

static const struct {
    struct flag_rule rule;
    const char *sdm;
} flag_table[FR_COUNT] = {
    [FR_NONE] = {{0, 0, 0},
                 "NOT, MOV*, LEA, BSWAP, CBW/CWDE/CWD/CDQ, PUSH, POP, CMOVcc, SETcc, MOVS/STOS/LODS: "
                 "\"None\" / \"flags are not affected\""},
    [FR_ADD_SUB] = {{0, ALL, 0},
                    "ADD, SUB, CMP, NEG, XADD, CMPXCHG, CMPS, SCAS: \"The OF, SF, ZF, AF, CF, and PF flags "
                    "are set according to the result\" (NEG: CF = 0 if the source is 0)"},
    [FR_ADC_SBB] = {{CF, ALL, 0}, "ADC, SBB: as ADD/SUB; CF is an input"},
    [FR_LOGIC] = {{0, ALL, AF},
                  "AND, OR, XOR, TEST: \"The OF and CF flags are cleared; the SF, ZF, and PF flags are set "
                  "according to the result. The state of the AF flag is undefined.\""},
    [FR_INC_DEC] = {{0, ALL & ~CF, 0},
                    "INC, DEC: \"The CF flag is not affected. The OF, SF, ZF, AF, and PF flags are set "
                    "according to the result.\""},
    [FR_MUL] = {{0, ALL, SF | ZF | AF | PF},
                "MUL, IMUL (all forms): OF and CF tell whether the upper half is significant; \"The SF, "
                "ZF, AF, and PF flags are undefined.\""},
    [FR_DIV] = {{0, ALL, ALL}, "DIV, IDIV: \"The CF, OF, SF, ZF, AF, and PF flags are undefined.\""},
    [FR_DAA_DAS] = {{AF | CF, ALL, OF},
                    "DAA, DAS: \"The CF and AF flags are set if the adjustment ... results in a decimal "
                    "carry/borrow ... The SF, ZF, and PF flags are set according to the result. The OF flag "
                    "is undefined.\""},
    [FR_AAA_AAS] = {{AF, ALL, OF | SF | ZF | PF},
                    "AAA, AAS: \"The AF and CF flags are set to 1 if the adjustment results in a decimal "
                    "carry [borrow]; otherwise they are set to 0. The OF, SF, ZF, and PF flags are "
                    "undefined.\""},
    [FR_AAM_AAD] = {{0, ALL, OF | AF | CF},
                    "AAM, AAD: \"The SF, ZF, and PF flags are set according to the resulting binary value "
                    "in the AL register. The OF, AF, and CF flags are undefined.\""},
    [FR_BT] = {{0, ALL & ~ZF, OF | SF | AF | PF},
               "BT, BTS, BTR, BTC: \"The CF flag contains the value of the selected bit before it is "
               "changed. The ZF flag is unaffected. The OF, SF, AF, and PF flags are undefined.\""},
    [FR_BSF_BSR] = {{0, ALL, CF | OF | SF | AF | PF},
                    "BSF, BSR: \"The ZF flag is set to 1 if the source operand is 0; otherwise, the ZF "
                    "flag is cleared. The CF, OF, SF, AF, and PF flags are undefined.\" (and the "
                    "destination is undefined when the source is 0: see gen_bitops)"},
    [FR_CMPXCHG8B] = {{0, ZF, 0},
                      "CMPXCHG8B: \"The ZF flag is set if the destination operand and EDX:EAX are equal; "
                      "otherwise it is cleared. The CF, PF, AF, SF, and OF flags are unaffected.\""},
    [FR_SAHF] = {{0, SF | ZF | AF | PF | CF, 0},
                 "SAHF: \"The SF, ZF, AF, PF, and CF flags are loaded with values from the AH register\" "
                 "(OF is unaffected)"},
    [FR_LAHF] = {{SF | ZF | AF | PF | CF, 0, 0},
                 "LAHF: AH = SF:ZF:0:AF:0:PF:1:CF, so all five must be defined; \"the state of the flags "
                 "in the EFLAGS register is not affected\""},
    [FR_CMC] = {{CF, CF, 0}, "CMC: \"The CF flag contains the complement of its original value.\""},
    [FR_CLC_STC] = {{0, CF, 0}, "CLC, STC: \"The CF flag is set to 0 [1].\""},
};

/* SHL/SAL/SHR/SAR and ROL/ROR/RCL/RCR (op = ModRM.reg of group 2).  The count
 * is masked to 5 bits in every mode we run ("The count is masked to 5 bits").
 *  - "If the count is 0, the flags are not affected." (all eight)
 *  - rotates touch only CF and OF: "The OF flag is defined only for the
 *    1-bit rotates; it is undefined in all other cases (except RCL and RCR
 *    instructions only: a zero-bit rotate does nothing ...)"; the pseudo
 *    code sets CF whenever the masked count is non-zero, even when the
 *    rotate count taken modulo the width is 0 (ROL AL,8: CF = LSB)
 *  - shifts: "The CF flag contains the value of the last bit shifted out
 *    ...; it is undefined for SHL and SHR instructions where the count is
 *    greater than or equal to the size (in bits) of the destination
 *    operand. The OF flag is affected only for 1-bit shifts ...; otherwise,
 *    it is undefined. The SF, ZF, and PF flags are set according to the
 *    result. If the count is 0, the flags are not affected. For a non-zero
 *    count, the AF flag is undefined."  (SAR: CF = last bit out, defined for
 *    any count; /6 is the SAL alias of /4.) */
static struct flag_rule shift_rule(unsigned op, unsigned bits, unsigned count)
{
    struct flag_rule r = {0, 0, 0};
    unsigned c = count & 31;
    if (op == 2 || op == 3)
        r.reads = CF;
    if (c == 0)
        return r;
    if (op < 4) {
        r.writes = CF | OF;
        r.undef = c == 1 ? 0 : OF;
        return r;
    }
    r.writes = ALL;
    r.undef = AF | (c == 1 ? 0 : OF);
    if (op != 7 && c >= bits)
        r.undef |= CF;
    return r;
}

/* SHLD/SHRD: "If the count is 1 or greater, the CF flag is filled with the
 * last bit shifted out of the destination operand and the SF, ZF, and PF
 * flags are set according to the value of the result. For a 1-bit shift,
 * the OF flag is set if a sign change occurred; otherwise, it is cleared.
 * For shifts greater than 1 bit, the OF flag is undefined. If a shift
 * occurs, the AF flag is undefined. If the count operand is 0, the flags
 * are not affected. If the count is greater than the operand size, the
 * flags are undefined."  And the operation: "If the count is greater than
 * the operand size, the result is undefined" (16-bit operands only: the
 * count is masked to 5 bits). */
static struct flag_rule shxd_rule(unsigned bits, unsigned count, bool *result_undefined)
{
    struct flag_rule r = {0, 0, 0};
    unsigned c = count & 31;
    *result_undefined = false;
    if (c == 0)
        return r;
    r.writes = ALL;
    if (c > bits) {
        *result_undefined = true;
        r.undef = ALL;
        return r;
    }
    r.undef = AF | (c == 1 ? 0 : OF);
    return r;
}

/* the flags a condition code reads (SDM Vol. 1 appendix B, table B-1) */
static uint32_t cond_reads(unsigned cc)
{
    static const uint32_t reads[8] = {OF, CF, ZF, CF | ZF, SF, PF, SF | OF, ZF | SF | OF};
    return reads[(cc >> 1) & 7];
}

/* ==== generator state ==================================================== */
struct gen {
    struct oracle_snippet *s;
    uint64_t *rng;
    uint8_t code[ORACLE_CODE_MAX + 32];
    unsigned n;
    uint32_t undef;                  /* flags undefined at this point */
    uint8_t written;                 /* registers written by an instruction so far */
    uint8_t pinned;                  /* registers whose initial value a later instruction needs */
    uint8_t addr;                    /* registers an address was computed from */
    uint8_t nomem;                   /* registers that must not take part in addresses */
    bool last;                       /* generating the last instruction */
    uint32_t esp_ea;                 /* ESP as an address base at this point */
    unsigned ninsn;                  /* instructions emitted */
    unsigned insn_at;                /* offset of the current instruction */
    bool split;                      /* a JMP $+2 splits the snippet into translation blocks */
    char lab[ORACLE_LABEL_MAX - 10]; /* + " +pre+jmp" */
};

uint64_t oracle_rand(uint64_t *rng)
{
    /* xorshift64* (Vigna) */
    uint64_t x = *rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *rng = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static unsigned rnd(struct gen *g, unsigned n)
{
    return (unsigned)((oracle_rand(g->rng) >> 32) % n);
}

static bool chance(struct gen *g, unsigned percent)
{
    return rnd(g, 100) < percent;
}

static const uint32_t edge32[] = {
    0,          1,          2,          0x7F,       0x80,       0xFF,       0x100,
    0x7FFF,     0x8000,     0xFFFF,     0x10000,    0x7FFFFFFF, 0x80000000, 0x80000001,
    0xFFFFFFFF, 0xFFFFFFFE, 0xFFFF8000, 0xFFFFFF80, 0x00FF00FF, 0x55555555, 0xAAAAAAAA,
};
static const uint8_t edge8[] = {0,    1,    2,    0x7F, 0x80, 0x81, 0xFF, 0xFE,
                                0x0F, 0x10, 0x09, 0x99, 0x9A, 0x0A, 0xF0, 0x40};

static uint8_t val8(struct gen *g)
{
    return chance(g, 60) ? edge8[rnd(g, sizeof edge8)] : (uint8_t)rnd(g, 256);
}

/* a register or memory value: edge values whole or per byte, small, random */
static uint32_t val32(struct gen *g)
{
    switch (rnd(g, 8)) {
    case 0:
    case 1:
        return edge32[rnd(g, sizeof edge32 / sizeof edge32[0])];
    case 2:
    case 3: {
        uint32_t v = 0;
        for (int i = 0; i < 4; i++)
            v |= (uint32_t)val8(g) << (8 * i);
        return v;
    }
    case 4:
        return rnd(g, 40);
    case 5:
        return (uint32_t) - (int32_t)rnd(g, 40);
    default:
        return (uint32_t)oracle_rand(g->rng);
    }
}

static uint32_t imm_val(struct gen *g, unsigned bytes)
{
    uint32_t v = val32(g);
    if (bytes == 1 && chance(g, 30))
        v = edge8[rnd(g, sizeof edge8)];
    return bytes == 4 ? v : bytes == 2 ? v & 0xFFFF : v & 0xFF;
}

/* ---- emitting code ---- */
static void emit8(struct gen *g, unsigned b)
{
    if (g->n < sizeof g->code)
        g->code[g->n] = (uint8_t)b;
    g->n++;
}

static void emit_imm(struct gen *g, uint32_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        emit8(g, (v >> (8 * i)) & 0xFF);
}

/* LOCK and the operand-size prefix as needed, in either order; now and then
 * a segment override that changes nothing (ES, SS, DS: flat on both sides) */
static void emit_prefixes(struct gen *g, unsigned bytes, bool lock)
{
    static const uint8_t flat_seg[3] = {0x26, 0x36, 0x3E};
    if (chance(g, 5))
        emit8(g, flat_seg[rnd(g, 3)]);
    bool osz = bytes == 2;
    if (lock && osz && chance(g, 50)) {
        emit8(g, 0x66);
        emit8(g, 0xF0);
        return;
    }
    if (lock)
        emit8(g, 0xF0);
    if (osz)
        emit8(g, 0x66);
}

static void set_label(struct gen *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->lab, sizeof g->lab, fmt, ap);
    va_end(ap);
}

/* starts an instruction; the last one started is the one under test.  Now
 * and then a JMP $+2 goes in front of a later instruction: it ends the
 * translation block, so lazy flags and registers must survive the chained
 * jump into the next one (it changes no flags on the CPU). */
static void insn_begin(struct gen *g, bool last)
{
    if (g->ninsn > 0 && chance(g, 15)) {
        emit8(g, 0xEB);
        emit8(g, 0x00);
        g->split = true;
    }
    g->last = last;
    g->insn_at = g->n;
    g->lab[0] = 0;
}

static void insn_end(struct gen *g, struct flag_rule fr)
{
    if (fr.reads & g->undef) {
        fprintf(stderr, "oracle_gen: %s reads undefined flags %03x (generator bug)\n", g->lab,
                (unsigned)(fr.reads & g->undef));
        abort();
    }
    g->undef = (g->undef & ~fr.writes) | fr.undef;
    g->s->main_off = (uint8_t)g->insn_at;
    g->s->main_len = (uint8_t)(g->n - g->insn_at);
    snprintf(g->s->label, sizeof g->s->label, "%s%s", g->lab,
             !g->ninsn  ? ""
             : g->split ? " +pre+jmp"
                        : " +pre");
    g->ninsn++;
}

static struct flag_rule rule(enum flag_family f)
{
    return flag_table[f].rule;
}

/* ---- registers ---- */
static uint32_t *regs(struct gen *g)
{
    return g->s->req.regs;
}

/* value of register r (a byte register number when bytes == 1) as set up */
static uint32_t reg_get(struct gen *g, unsigned r, unsigned bytes)
{
    if (bytes == 1)
        return r < 4 ? regs(g)[r] & 0xFF : (regs(g)[r - 4] >> 8) & 0xFF;
    return bytes == 2 ? regs(g)[r] & 0xFFFF : regs(g)[r];
}

static void reg_set(struct gen *g, unsigned r, unsigned bytes, uint32_t v)
{
    if (bytes == 1 && r >= 4)
        regs(g)[r - 4] = (regs(g)[r - 4] & ~0xFF00u) | (v & 0xFF) << 8;
    else if (bytes == 1)
        regs(g)[r] = (regs(g)[r] & ~0xFFu) | (v & 0xFF);
    else if (bytes == 2)
        regs(g)[r] = (regs(g)[r] & ~0xFFFFu) | (v & 0xFFFF);
    else
        regs(g)[r] = v;
}

static unsigned full_reg(unsigned r, unsigned bytes)
{
    return bytes == 1 ? r & 3 : r;
}

static void mark_written(struct gen *g, unsigned r, unsigned bytes)
{
    g->written |= (uint8_t)(1u << full_reg(r, bytes));
}

static int pick_from(struct gen *g, unsigned mask)
{
    mask &= 0xFF;
    if (!mask)
        return -1;
    unsigned k = rnd(g, (unsigned)__builtin_popcount(mask));
    for (int r = 0; r < 8; r++)
        if ((mask >> r & 1) && k-- == 0)
            return r;
    return -1;
}

/* a register to write: anything for the last instruction (ESP rarely), else
 * one that no later instruction depends on */
static unsigned pick_dest(struct gen *g, unsigned bytes)
{
    for (;;) {
        unsigned r = rnd(g, 8);
        unsigned full = full_reg(r, bytes);
        if (g->last) {
            if (full != ESP || bytes == 1 || chance(g, 5))
                return r;
        } else if (full != ESP && !(g->pinned >> full & 1)) {
            return r;
        }
    }
}

static unsigned pick_src(struct gen *g, unsigned bytes)
{
    (void)bytes;
    return rnd(g, 8);
}

/* ---- memory ---- */
static uint8_t *mem_at(struct gen *g, uint32_t addr)
{
    return &g->s->req.mem[addr - ORACLE_SCRATCH];
}

static uint32_t mem_get(struct gen *g, uint32_t addr, unsigned bytes)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < bytes; i++)
        v |= (uint32_t)mem_at(g, addr)[i] << (8 * i);
    return v;
}

static void mem_set(struct gen *g, uint32_t addr, unsigned bytes, uint32_t v)
{
    for (unsigned i = 0; i < bytes; i++)
        mem_at(g, addr)[i] = (uint8_t)(v >> (8 * i));
}

/* an operand address in the scratch bytes; now and then one that crosses
 * or touches the page boundary in the middle */
static uint32_t random_target(struct gen *g, unsigned bytes)
{
    if (chance(g, 15))
        return ORACLE_PAGE_EDGE - bytes - 1 + rnd(g, bytes + 3);
    return ORACLE_SCRATCH + rnd(g, ORACLE_SCRATCH_SIZE - bytes + 1);
}

static int pick_fresh_addr_reg(struct gen *g, int avoid)
{
    unsigned bad = g->written | g->pinned | g->addr | g->nomem | 1u << ESP;
    if (avoid >= 0)
        bad |= 1u << avoid;
    return pick_from(g, ~bad);
}

/* a register whose value is known and stays so: initial, not written */
static int pick_known_addr_reg(struct gen *g, bool allow_esp, int avoid)
{
    unsigned bad = g->written | g->nomem;
    if (!allow_esp)
        bad |= 1u << ESP;
    if (avoid >= 0)
        bad |= 1u << avoid;
    return pick_from(g, ~bad);
}

static uint32_t addr_reg_value(struct gen *g, int r)
{
    return r == ESP ? g->esp_ea : regs(g)[r];
}

/* ModRM (+ SIB + displacement) for a memory operand at linear address
 * `target`, with `regf` in ModRM.reg: absolute, [base], [base+disp8/32] and
 * SIB forms with or without base and index; fresh registers get values that
 * make the sum come out right, registers already in use are compensated by
 * the displacement (wrapping around 4 GB when that is what it takes). */
static void emit_mem_at(struct gen *g, unsigned regf, uint32_t target)
{
    unsigned mode = rnd(g, 10);
    if (mode == 0) {
        emit8(g, regf << 3 | 5);
        emit_imm(g, target, 4);
        return;
    }
    bool sib = mode >= 6;
    int base = -1, index = -1;
    bool base_fresh = false, index_fresh = false;
    unsigned scale = sib ? rnd(g, 4) : 0;
    if (!sib || rnd(g, 6) != 0) {
        base = chance(g, 60) ? pick_fresh_addr_reg(g, -1) : -1;
        base_fresh = base >= 0;
        if (!base_fresh)
            base = pick_known_addr_reg(g, sib, -1);
        if (base < 0 && !sib) {
            emit8(g, regf << 3 | 5);
            emit_imm(g, target, 4);
            return;
        }
    }
    if (sib && rnd(g, 5) != 0) {
        index = chance(g, 50) ? pick_fresh_addr_reg(g, base) : -1;
        index_fresh = index >= 0;
        if (!index_fresh)
            index = pick_known_addr_reg(g, false, base);
    }
    uint32_t iv = 0;
    if (index >= 0) {
        if (index_fresh) {
            iv = chance(g, 50) ? (uint32_t)((int32_t)rnd(g, 64) - 32) : val32(g);
            regs(g)[index] = iv;
        } else {
            iv = addr_reg_value(g, index);
        }
    }
    unsigned dk = base < 0 ? 2 : rnd(g, 3); /* 0 none, 1 disp8, 2 disp32 */
    uint32_t disp;
    if (base_fresh) {
        disp = dk == 0 ? 0 : dk == 1 ? (uint32_t)(int32_t)(int8_t)rnd(g, 256) : val32(g);
        regs(g)[base] = target - (iv << scale) - disp;
    } else if (base >= 0) {
        uint32_t bv = addr_reg_value(g, base);
        if (index_fresh && dk != 2) {
            disp = dk == 0 ? 0 : (uint32_t)(int32_t)(int8_t)rnd(g, 256);
            scale = 0;
            iv = target - bv - disp;
            regs(g)[index] = iv;
        } else {
            disp = target - bv - (iv << scale);
            if (dk != 2)
                dk = disp == 0 ? 0 : (int32_t)disp == (int8_t)disp ? 1 : 2;
        }
    } else {
        disp = target - (iv << scale);
    }
    if (base == EBP && dk == 0)
        dk = 1; /* mod 00 with base 101 means "no base, disp32" */
    if (base >= 0)
        g->addr |= (uint8_t)(1u << base);
    if (index >= 0)
        g->addr |= (uint8_t)(1u << index);
    unsigned mod = base < 0 ? 0 : dk;
    if (!sib) {
        emit8(g, mod << 6 | regf << 3 | (unsigned)base);
    } else {
        emit8(g, mod << 6 | regf << 3 | 4);
        emit8(g, scale << 6 | (unsigned)(index < 0 ? 4 : index) << 3 | (unsigned)(base < 0 ? 5 : base));
    }
    if (base < 0 || mod == 2)
        emit_imm(g, disp, 4);
    else if (mod == 1)
        emit8(g, disp & 0xFF);
}

/* ---- E operands (ModRM.rm: register or memory) ---- */
struct eop {
    bool mem;
    unsigned reg;  /* register number (a byte register number for bytes == 1) */
    uint32_t addr; /* linear address when mem */
};

static void pick_E(struct gen *g, struct eop *e, unsigned bytes, bool dest, unsigned mem_pct)
{
    e->mem = chance(g, mem_pct);
    e->reg = 0;
    e->addr = 0;
    if (e->mem)
        e->addr = random_target(g, bytes);
    else
        e->reg = dest ? pick_dest(g, bytes) : pick_src(g, bytes);
}

static void emit_E(struct gen *g, const struct eop *e, unsigned regf)
{
    if (e->mem)
        emit_mem_at(g, regf, e->addr);
    else
        emit8(g, 0xC0 | regf << 3 | e->reg);
}

static uint32_t E_get(struct gen *g, const struct eop *e, unsigned bytes)
{
    return e->mem ? mem_get(g, e->addr, bytes) : reg_get(g, e->reg, bytes);
}

static void E_set(struct gen *g, const struct eop *e, unsigned bytes, uint32_t v)
{
    if (e->mem)
        mem_set(g, e->addr, bytes, v);
    else
        reg_set(g, e->reg, bytes, v);
}

static void E_written(struct gen *g, const struct eop *e, unsigned bytes)
{
    if (!e->mem)
        mark_written(g, e->reg, bytes);
}

static const char *E_tag(const struct eop *e, unsigned bytes)
{
    static const char *const tags[2][5] = {{"", "r8", "r16", "", "r32"}, {"", "m8", "m16", "", "m32"}};
    return tags[e->mem][bytes];
}

static unsigned pick_bytes(struct gen *g)
{
    static const unsigned sizes[3] = {1, 2, 4};
    return sizes[rnd(g, 3)];
}

static unsigned pick_bytes_v(struct gen *g)
{
    return chance(g, 50) ? 2 : 4;
}

/* LOCK now and then, on memory destinations only (#UD otherwise) */
static bool want_lock(struct gen *g, const struct eop *e)
{
    return e->mem && chance(g, 15);
}

/* ==== ALU ================================================================ */
enum { A_ADD, A_OR, A_ADC, A_SBB, A_AND, A_SUB, A_XOR, A_CMP, A_TEST, A_INC, A_DEC, A_NOT, A_NEG, A_NOPS };
static const char *const alu_name[A_NOPS] = {"add", "or",   "adc", "sbb", "and", "sub", "xor",
                                             "cmp", "test", "inc", "dec", "not", "neg"};
#define ALU_ANY 0x1FFFu
/* every flag they write is defined */
#define ALU_FULLY_DEFINED                                                                                    \
    (1u << A_ADD | 1u << A_ADC | 1u << A_SBB | 1u << A_SUB | 1u << A_CMP | 1u << A_INC | 1u << A_DEC |       \
     1u << A_NEG | 1u << A_NOT)

static struct flag_rule alu_rule(unsigned op)
{
    switch (op) {
    case A_ADD:
    case A_SUB:
    case A_CMP:
    case A_NEG:
        return rule(FR_ADD_SUB);
    case A_ADC:
    case A_SBB:
        return rule(FR_ADC_SBB);
    case A_INC:
    case A_DEC:
        return rule(FR_INC_DEC);
    case A_NOT:
        return rule(FR_NONE);
    default:
        return rule(FR_LOGIC);
    }
}

static void gen_alu_insn(struct gen *g, unsigned ops, bool last)
{
    insn_begin(g, last);
    unsigned op;
    do
        op = rnd(g, A_NOPS);
    while (!(ops >> op & 1));
    unsigned bytes = pick_bytes(g);
    const char *v = bytes == 1 ? "b" : "v";
    struct eop e;
    if (op <= A_CMP) {
        bool writes = op != A_CMP;
        unsigned form = rnd(g, 5);
        if (form == 2 && writes && !last && (g->pinned & 1))
            form = 3; /* EAX must keep its value */
        if (form == 4 && bytes == 1 && !chance(g, 10))
            form = 3; /* 82 /r, the 32-bit-mode alias of 80 /r: now and then */
        switch (form) {
        case 0: { /* op Eb,Gb / Ev,Gv */
            pick_E(g, &e, bytes, writes, 50);
            unsigned r = pick_src(g, bytes);
            emit_prefixes(g, bytes, writes && want_lock(g, &e));
            emit8(g, op * 8 + (bytes == 1 ? 0 : 1));
            emit_E(g, &e, r);
            if (writes)
                E_written(g, &e, bytes);
            set_label(g, "%s E%s,G%s %s", alu_name[op], v, v, E_tag(&e, bytes));
            break;
        }
        case 1: { /* op Gb,Eb / Gv,Ev */
            pick_E(g, &e, bytes, false, 50);
            unsigned r = writes ? pick_dest(g, bytes) : pick_src(g, bytes);
            emit_prefixes(g, bytes, false);
            emit8(g, op * 8 + (bytes == 1 ? 2 : 3));
            emit_E(g, &e, r);
            if (writes)
                mark_written(g, r, bytes);
            set_label(g, "%s G%s,E%s %s", alu_name[op], v, v, E_tag(&e, bytes));
            break;
        }
        case 2: /* op AL,Ib / eAX,Iz */
            emit_prefixes(g, bytes, false);
            emit8(g, op * 8 + (bytes == 1 ? 4 : 5));
            emit_imm(g, imm_val(g, bytes), bytes == 1 ? 1 : bytes);
            if (writes)
                mark_written(g, EAX, 4);
            set_label(g, "%s %s,I%s %d", alu_name[op], bytes == 1 ? "AL" : "eAX", bytes == 1 ? "b" : "z",
                      bytes * 8);
            break;
        case 3: /* 80 /op Eb,Ib; 81 /op Ev,Iz */
            pick_E(g, &e, bytes, writes, 50);
            emit_prefixes(g, bytes, writes && want_lock(g, &e));
            emit8(g, bytes == 1 ? 0x80 : 0x81);
            emit_E(g, &e, op);
            emit_imm(g, imm_val(g, bytes), bytes);
            if (writes)
                E_written(g, &e, bytes);
            set_label(g, "%s E%s,I%s %s", alu_name[op], v, bytes == 1 ? "b" : "z", E_tag(&e, bytes));
            break;
        default: /* 83 /op Ev,Ibs; 82 /op Eb,Ib */
            pick_E(g, &e, bytes, writes, 50);
            emit_prefixes(g, bytes, writes && want_lock(g, &e));
            emit8(g, bytes == 1 ? 0x82 : 0x83);
            emit_E(g, &e, op);
            emit_imm(g, imm_val(g, 1), 1);
            if (writes)
                E_written(g, &e, bytes);
            set_label(g, "%s E%s,Ib%s(%02x) %s", alu_name[op], v, bytes == 1 ? "" : "s",
                      bytes == 1 ? 0x82 : 0x83, E_tag(&e, bytes));
            break;
        }
    } else if (op == A_TEST) {
        unsigned form = rnd(g, 3);
        if (form == 0) {
            pick_E(g, &e, bytes, false, 50);
            emit_prefixes(g, bytes, false);
            emit8(g, bytes == 1 ? 0x84 : 0x85);
            emit_E(g, &e, pick_src(g, bytes));
            set_label(g, "test E%s,G%s %s", v, v, E_tag(&e, bytes));
        } else if (form == 1) {
            emit_prefixes(g, bytes, false);
            emit8(g, bytes == 1 ? 0xA8 : 0xA9);
            emit_imm(g, imm_val(g, bytes), bytes);
            set_label(g, "test %s,I%s %d", bytes == 1 ? "AL" : "eAX", bytes == 1 ? "b" : "z", bytes * 8);
        } else {
            pick_E(g, &e, bytes, false, 50);
            emit_prefixes(g, bytes, false);
            emit8(g, bytes == 1 ? 0xF6 : 0xF7);
            emit_E(g, &e, 0);
            emit_imm(g, imm_val(g, bytes), bytes);
            set_label(g, "test E%s,I%s %s", v, bytes == 1 ? "b" : "z", E_tag(&e, bytes));
        }
    } else if (op == A_INC || op == A_DEC) {
        if (bytes != 1 && chance(g, 40)) { /* 40+r / 48+r */
            unsigned r = pick_dest(g, bytes);
            emit_prefixes(g, bytes, false);
            emit8(g, (op == A_INC ? 0x40 : 0x48) + r);
            mark_written(g, r, bytes);
            set_label(g, "%s Zv r%d", alu_name[op], bytes * 8);
        } else {
            pick_E(g, &e, bytes, true, 50);
            emit_prefixes(g, bytes, want_lock(g, &e));
            emit8(g, bytes == 1 ? 0xFE : 0xFF);
            emit_E(g, &e, op == A_INC ? 0 : 1);
            E_written(g, &e, bytes);
            set_label(g, "%s E%s %s", alu_name[op], v, E_tag(&e, bytes));
        }
    } else { /* NOT, NEG: F6/F7 /2 /3 */
        pick_E(g, &e, bytes, true, 50);
        emit_prefixes(g, bytes, want_lock(g, &e));
        emit8(g, bytes == 1 ? 0xF6 : 0xF7);
        emit_E(g, &e, op == A_NOT ? 2 : 3);
        E_written(g, &e, bytes);
        set_label(g, "%s E%s %s", alu_name[op], v, E_tag(&e, bytes));
    }
    insn_end(g, alu_rule(op));
}

static bool gen_alu(struct gen *g)
{
    unsigned n = chance(g, 60) ? 1 : 2 + rnd(g, 2);
    for (unsigned i = 0; i < n; i++)
        gen_alu_insn(g, ALU_ANY, i == n - 1);
    return true;
}

/* 0..31 mostly, sometimes up to 255 (the CPU masks to 5 bits) */
static unsigned pick_count(struct gen *g)
{
    return chance(g, 85) ? rnd(g, 32) : 32 + rnd(g, 224);
}

/* optional flag-setting instructions before the one under test, so that a
 * zero count (flags unchanged) and flag inputs see a computed state */
static void gen_prefix(struct gen *g, unsigned pct, unsigned ops)
{
    unsigned n = chance(g, pct) ? 1 + (chance(g, 25) ? 1 : 0) : 0;
    for (unsigned i = 0; i < n; i++)
        gen_alu_insn(g, ops, false);
}

/* ==== shifts and rotates ================================================= */
static const char *const shift_name[8] = {"rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"};

static bool gen_shift(struct gen *g)
{
    unsigned op = rnd(g, 8);
    if (op == 6 && !chance(g, 15))
        op = 4; /* /6 (SAL) is the alias of /4: test it now and then */
    unsigned bytes = pick_bytes(g);
    unsigned form = rnd(g, 3); /* 0: by 1, 1: by CL, 2: by imm8 */
    unsigned count = form == 0 ? 1 : pick_count(g);
    if (form == 1) {
        reg_set(g, ECX, 1, count);
        g->pinned |= 1u << ECX;
        g->nomem |= 1u << ECX;
    }
    gen_prefix(g, 40, ALU_ANY);
    insn_begin(g, true);
    struct eop e;
    pick_E(g, &e, bytes, true, 40);
    emit_prefixes(g, bytes, false);
    static const uint8_t opc[3][2] = {{0xD0, 0xD1}, {0xD2, 0xD3}, {0xC0, 0xC1}};
    emit8(g, opc[form][bytes != 1]);
    emit_E(g, &e, op);
    if (form == 2)
        emit8(g, count);
    E_written(g, &e, bytes);
    const char *v = bytes == 1 ? "b" : "v";
    static const char *const cnt[3] = {"1", "CL", "Ib"};
    set_label(g, "%s E%s,%s %s", shift_name[op], v, cnt[form], E_tag(&e, bytes));
    insn_end(g, shift_rule(op, bytes * 8, count));
    return true;
}

/* ==== MUL, IMUL, DIV, IDIV =============================================== */
static int64_t sext(uint64_t v, unsigned bits)
{
    return (int64_t)(v << (64 - bits)) >> (64 - bits);
}

/* would DIV/IDIV with these values raise #DE? (SDM: divisor 0, or a
 * quotient too large for the destination) */
static bool div_faults(bool is_signed, unsigned bits, uint64_t dividend, uint32_t divisor)
{
    uint64_t dmask = bits == 32 ? 0xFFFFFFFFu : (1u << bits) - 1;
    divisor &= (uint32_t)dmask;
    if (divisor == 0)
        return true;
    if (!is_signed) {
        uint64_t q = dividend / divisor;
        return q > dmask;
    }
    int64_t n = sext(dividend, 2 * bits), d = sext(divisor, bits);
    if (bits == 32 && n == INT64_MIN && d == -1)
        return true;
    int64_t q = n / d;
    int64_t lim = (int64_t)1 << (bits - 1);
    return q >= lim || q < -lim;
}

static uint64_t dividend_get(struct gen *g, unsigned bytes)
{
    if (bytes == 1)
        return regs(g)[EAX] & 0xFFFF;
    if (bytes == 2)
        return (uint64_t)(regs(g)[EDX] & 0xFFFF) << 16 | (regs(g)[EAX] & 0xFFFF);
    return (uint64_t)regs(g)[EDX] << 32 | regs(g)[EAX];
}

/* the upper half of the dividend: AH, DX or EDX */
static void dividend_high_set(struct gen *g, unsigned bytes, uint32_t v)
{
    if (bytes == 1)
        reg_set(g, 4 /* AH */, 1, v);
    else
        reg_set(g, EDX, bytes, v);
}

static uint32_t dividend_low(struct gen *g, unsigned bytes)
{
    return reg_get(g, EAX, bytes);
}

/* DIV/IDIV (/6, /7) whose operands give #DE exactly when want_fault */
static bool gen_div(struct gen *g, bool want_fault)
{
    unsigned bytes = pick_bytes(g);
    bool is_signed = chance(g, 50);
    g->nomem |= 1u << EAX | 1u << EDX;
    g->pinned |= 1u << EAX | 1u << EDX;
    insn_begin(g, true);
    struct eop e;
    do /* not ESP: a #DE frame goes where ESP points */
        pick_E(g, &e, bytes, false, 40);
    while (!e.mem && bytes != 1 && e.reg == ESP);
    if (e.mem)
        E_set(g, &e, bytes, val32(g));
    unsigned bits = bytes * 8;
    bool ok = false;
    for (int tries = 0; tries < 64 && !ok; tries++) {
        uint32_t d = E_get(g, &e, bytes);
        ok = div_faults(is_signed, bits, dividend_get(g, bytes), d) == want_fault;
        if (ok)
            break;
        unsigned how = rnd(g, 4);
        if (how == 0) { /* new divisor */
            E_set(g, &e, bytes, want_fault && chance(g, 50) ? 0 : val32(g));
        } else if (how == 1) { /* new dividend */
            regs(g)[EAX] = val32(g);
            regs(g)[EDX] = val32(g);
        } else if (!want_fault) { /* a dividend whose upper half fits */
            uint32_t mask = bits == 32 ? 0xFFFFFFFFu : (1u << bits) - 1;
            d &= mask;
            if (is_signed)
                dividend_high_set(g, bytes, (dividend_low(g, bytes) >> (bits - 1) & 1) ? mask : 0);
            else
                dividend_high_set(g, bytes, d ? (uint32_t)oracle_rand(g->rng) % d : 0);
        } else { /* an upper half that overflows */
            uint32_t mask = bits == 32 ? 0xFFFFFFFFu : (1u << bits) - 1;
            dividend_high_set(g, bytes, ((d & mask) + rnd(g, 8)) & mask);
        }
    }
    if (!ok)
        return false;
    emit_prefixes(g, bytes, false);
    emit8(g, bytes == 1 ? 0xF6 : 0xF7);
    emit_E(g, &e, is_signed ? 7 : 6);
    set_label(g, "%s E%s %s", is_signed ? "idiv" : "div", bytes == 1 ? "b" : "v", E_tag(&e, bytes));
    if (want_fault) {
        g->s->expect_fault = 1; /* #DE */
        insn_end(g, rule(FR_NONE));
    } else {
        insn_end(g, rule(FR_DIV));
    }
    return true;
}

static bool gen_muldiv(struct gen *g)
{
    unsigned kind = rnd(g, 5);
    if (kind == 4)
        return gen_div(g, false);
    insn_begin(g, true);
    struct eop e;
    if (kind == 0) { /* MUL/IMUL Eb/Ev: F6/F7 /4 /5 */
        unsigned bytes = pick_bytes(g);
        bool is_signed = chance(g, 50);
        pick_E(g, &e, bytes, false, 40);
        emit_prefixes(g, bytes, false);
        emit8(g, bytes == 1 ? 0xF6 : 0xF7);
        emit_E(g, &e, is_signed ? 5 : 4);
        set_label(g, "%s E%s %s", is_signed ? "imul" : "mul", bytes == 1 ? "b" : "v", E_tag(&e, bytes));
    } else {
        unsigned bytes = pick_bytes_v(g);
        pick_E(g, &e, bytes, false, 40);
        unsigned r = pick_dest(g, bytes);
        emit_prefixes(g, bytes, false);
        if (kind == 1) {
            emit8(g, 0x0F);
            emit8(g, 0xAF);
            emit_E(g, &e, r);
            set_label(g, "imul Gv,Ev %s", E_tag(&e, bytes));
        } else if (kind == 2) {
            emit8(g, 0x69);
            emit_E(g, &e, r);
            emit_imm(g, imm_val(g, bytes), bytes);
            set_label(g, "imul Gv,Ev,Iz %s", E_tag(&e, bytes));
        } else {
            emit8(g, 0x6B);
            emit_E(g, &e, r);
            emit_imm(g, imm_val(g, 1), 1);
            set_label(g, "imul Gv,Ev,Ibs %s", E_tag(&e, bytes));
        }
    }
    insn_end(g, rule(FR_MUL));
    return true;
}

static bool gen_divfault(struct gen *g)
{
    if (chance(g, 15)) { /* AAM 0: "If the immediate value is 0, a #DE is raised" */
        insn_begin(g, true);
        emit8(g, 0xD4);
        emit8(g, 0x00);
        set_label(g, "aam 0");
        g->s->expect_fault = 1;
        insn_end(g, rule(FR_NONE));
        return true;
    }
    return gen_div(g, true);
}

/* ==== BCD ================================================================ */
static uint8_t bcd_byte(struct gen *g)
{
    if (chance(g, 70))
        return (uint8_t)(rnd(g, 10) << 4 | rnd(g, 10));
    return val8(g);
}

static bool gen_bcd(struct gen *g)
{
    g->pinned |= 1u << EAX;
    g->nomem |= 1u << EAX;
    reg_set(g, EAX, 1, bcd_byte(g));
    if (chance(g, 50))
        reg_set(g, 4, 1, bcd_byte(g)); /* AH */
    if (chance(g, 60)) {               /* ADD/ADC/SUB/SBB AL, x: the way the adjustments are used */
        static const unsigned ops[4] = {A_ADD, A_ADC, A_SUB, A_SBB};
        unsigned op = ops[rnd(g, 4)];
        insn_begin(g, false);
        if (chance(g, 40)) {
            emit8(g, op * 8 + 4);
            emit8(g, bcd_byte(g));
            set_label(g, "%s AL,Ib 8", alu_name[op]);
        } else {
            struct eop e;
            pick_E(g, &e, 1, false, 40);
            if (!(e.mem == false && full_reg(e.reg, 1) == EAX))
                E_set(g, &e, 1, bcd_byte(g));
            emit8(g, op * 8 + 2);
            emit_E(g, &e, 0); /* Gb = AL */
            set_label(g, "%s Gb,Eb %s", alu_name[op], E_tag(&e, 1));
        }
        insn_end(g, alu_rule(op));
    }
    insn_begin(g, true);
    static const struct {
        const char *name;
        uint8_t opc;
        enum flag_family fr;
    } adj[6] = {
        {"daa", 0x27, FR_DAA_DAS}, {"das", 0x2F, FR_DAA_DAS}, {"aaa", 0x37, FR_AAA_AAS},
        {"aas", 0x3F, FR_AAA_AAS}, {"aam", 0xD4, FR_AAM_AAD}, {"aad", 0xD5, FR_AAM_AAD},
    };
    unsigned k = rnd(g, 6);
    emit8(g, adj[k].opc);
    if (adj[k].opc >= 0xD4) {
        unsigned imm = chance(g, 75) ? 10 : adj[k].opc == 0xD4 ? 1 + rnd(g, 255) : rnd(g, 256);
        emit8(g, imm);
        set_label(g, "%s %s", adj[k].name, imm == 10 ? "10" : "Ib");
    } else {
        set_label(g, "%s", adj[k].name);
    }
    insn_end(g, rule(adj[k].fr));
    return true;
}

/* ==== BT, BTS, BTR, BTC, BSF, BSR ======================================== */
static const char *const bt_name[4] = {"bt", "bts", "btr", "btc"};

static bool gen_bitops(struct gen *g)
{
    unsigned kind = rnd(g, 4);
    unsigned bytes = pick_bytes_v(g), bits = bytes * 8;
    unsigned op = rnd(g, 4);
    struct eop e;
    insn_begin(g, true);
    if (kind == 0) { /* BTx Ev,Gv, register destination: offset taken modulo the width */
        pick_E(g, &e, bytes, op != 0, 0);
        unsigned r = pick_src(g, bytes);
        emit_prefixes(g, bytes, false);
        emit8(g, 0x0F);
        emit8(g, 0xA3 + op * 8);
        emit_E(g, &e, r);
        if (op)
            E_written(g, &e, bytes);
        set_label(g, "%s Ev,Gv %s", bt_name[op], E_tag(&e, bytes));
        insn_end(g, rule(FR_BT));
    } else if (kind == 1) {
        /* BTx Ev,Gv, memory: the register is a signed bit offset from the
         * operand's address (SDM "bit string"); keep the word it selects
         * inside the scratch bytes */
        unsigned r = rnd(g, 8);
        while (r == ESP)
            r = rnd(g, 8);
        g->pinned |= (uint8_t)(1u << r);
        g->nomem |= (uint8_t)(1u << r);
        uint32_t ea = ORACLE_SCRATCH + rnd(g, ORACLE_SCRATCH_SIZE - bytes + 1);
        int lo = -(int)((ea - ORACLE_SCRATCH) / bytes);
        int hi = (int)((ORACLE_SCRATCH + ORACLE_SCRATCH_SIZE - bytes - ea) / bytes);
        int k = lo + (int)rnd(g, (unsigned)(hi - lo + 1));
        int32_t off = k * (int)bits + (int)rnd(g, bits);
        reg_set(g, r, bytes, (uint32_t)off);
        e.mem = true;
        e.addr = ea;
        bool lock = op != 0 && chance(g, 15);
        emit_prefixes(g, bytes, lock);
        emit8(g, 0x0F);
        emit8(g, 0xA3 + op * 8);
        emit_E(g, &e, r);
        set_label(g, "%s%s Ev,Gv m%u (bit string)", lock ? "lock " : "", bt_name[op], bits);
        insn_end(g, rule(FR_BT));
    } else if (kind == 2) { /* 0F BA /4../7 Ev,Ib: imm taken modulo the width */
        pick_E(g, &e, bytes, op != 0, 50);
        bool lock = op != 0 && want_lock(g, &e);
        emit_prefixes(g, bytes, lock);
        emit8(g, 0x0F);
        emit8(g, 0xBA);
        emit_E(g, &e, 4 + op);
        emit8(g, chance(g, 80) ? rnd(g, bits) : rnd(g, 256));
        if (op)
            E_written(g, &e, bytes);
        set_label(g, "%s Ev,Ib %s", bt_name[op], E_tag(&e, bytes));
        insn_end(g, rule(FR_BT));
    } else { /* BSF/BSR Gv,Ev */
        bool rev = chance(g, 50);
        pick_E(g, &e, bytes, false, 40);
        unsigned r = pick_dest(g, bytes);
        emit_prefixes(g, bytes, false);
        emit8(g, 0x0F);
        emit8(g, rev ? 0xBD : 0xBC);
        emit_E(g, &e, r);
        if (rnd(g, 4) == 0)
            E_set(g, &e, bytes, 0);
        else if (rnd(g, 3) == 0)
            E_set(g, &e, bytes, 1u << rnd(g, bits));
        /* "If the content of the source operand is 0, the content of the
         * destination operand is undefined." (both forms) */
        if (E_get(g, &e, bytes) == 0)
            g->s->reg_undef |= (uint8_t)(1u << r);
        set_label(g, "%s Gv,Ev %s", rev ? "bsr" : "bsf", E_tag(&e, bytes));
        insn_end(g, rule(FR_BSF_BSR));
    }
    return true;
}

/* ==== string instructions ================================================ */
/* where ESI or EDI starts: anywhere the run of `span` bytes fits (offsets
 * [lo, hi] into the scratch bytes), often so that it crosses the page edge */
static uint32_t string_start(struct gen *g, uint32_t lo, uint32_t hi, unsigned span, unsigned bytes, bool df)
{
    uint32_t off = lo + rnd(g, hi - lo + 1);
    if (chance(g, 40)) {
        uint32_t edge = ORACLE_PAGE_EDGE - ORACLE_SCRATCH;
        uint32_t into = rnd(g, span + bytes);
        off = df ? edge + into - bytes : edge - into;
        off = off < lo ? lo : off > hi ? hi : off;
    }
    return ORACLE_SCRATCH + off;
}

static bool gen_string(struct gen *g)
{
    static const char *const names[5] = {"movs", "cmps", "stos", "lods", "scas"};
    static const uint8_t opc[5] = {0xA4, 0xA6, 0xAA, 0xAC, 0xAE};
    unsigned op = rnd(g, 5), bytes = pick_bytes(g);
    bool cmp = op == 1 || op == 4;
    unsigned rep = rnd(g, 10) < 3 ? 0 : (cmp && chance(g, 50)) ? 2 : 1; /* none, F3, F2 */
    unsigned count = rep ? (chance(g, 85) ? rnd(g, 9) : rnd(g, 25)) : 1;
    bool df = chance(g, 50);
    g->s->req.eflags = (g->s->req.eflags & ~ORACLE_DF) | (df ? ORACLE_DF : 0);
    g->pinned |= 1u << EAX | 1u << ECX | 1u << ESI | 1u << EDI;
    g->nomem |= 1u << EAX | 1u << ECX | 1u << ESI | 1u << EDI;
    unsigned span = (count ? count : 1) * bytes;
    uint32_t base_lo = df ? span - bytes : 0,
             base_hi = df ? ORACLE_SCRATCH_SIZE - bytes : ORACLE_SCRATCH_SIZE - span;
    uint32_t si = string_start(g, base_lo, base_hi, span, bytes, df);
    uint32_t di = string_start(g, base_lo, base_hi, span, bytes, df);
    if (rep)
        regs(g)[ECX] = count;
    regs(g)[ESI] = si;
    regs(g)[EDI] = di;
    int step = df ? -(int)bytes : (int)bytes;
    unsigned n = count ? count : 1;
    /* CMPS/SCAS: equal runs with at most one difference, so that REPE and
     * REPNE stop somewhere inside */
    if (op == 1 && chance(g, 60)) {
        for (unsigned i = 0; i < n; i++)
            mem_set(g, di + (uint32_t)(step * (int)i), bytes,
                    mem_get(g, si + (uint32_t)(step * (int)i), bytes));
    } else if (op == 4 && chance(g, 60)) {
        for (unsigned i = 0; i < n; i++)
            mem_set(g, di + (uint32_t)(step * (int)i), bytes, reg_get(g, EAX, bytes));
    }
    if (cmp && chance(g, 60)) {
        uint32_t a = di + (uint32_t)(step * (int)rnd(g, n));
        mem_set(g, a, bytes, val32(g));
    }
    insn_begin(g, true);
    if (rep)
        emit8(g, rep == 1 ? 0xF3 : 0xF2);
    emit_prefixes(g, bytes, false);
    emit8(g, opc[op] + (bytes != 1));
    static const char *const rep_name[3][2] = {{"", ""}, {"rep ", "repe "}, {"", "repne "}};
    set_label(g, "%s%s%c df=%d", rep_name[rep][cmp], names[op], "?bw?d"[bytes], df);
    struct flag_rule fr = rule(FR_NONE);
    if (cmp && (!rep || count))
        fr = rule(FR_ADD_SUB);
    insn_end(g, fr);
    return true;
}

/* ==== CMOVcc, SETcc ====================================================== */
static const char *const cc_name[16] = {"o", "no", "b", "ae", "e", "ne", "be", "a",
                                        "s", "ns", "p", "np", "l", "ge", "le", "g"};

static bool gen_cond(struct gen *g)
{
    gen_prefix(g, 75, ALU_ANY);
    unsigned cc = rnd(g, 16);
    struct eop e;
    insn_begin(g, true);
    if (chance(g, 50)) {
        unsigned bytes = pick_bytes_v(g);
        pick_E(g, &e, bytes, false, 40);
        unsigned r = pick_dest(g, bytes);
        emit_prefixes(g, bytes, false);
        emit8(g, 0x0F);
        emit8(g, 0x40 + cc);
        emit_E(g, &e, r);
        set_label(g, "cmov%s Gv,Ev %s", cc_name[cc], E_tag(&e, bytes));
    } else {
        pick_E(g, &e, 1, true, 40);
        emit8(g, 0x0F);
        emit8(g, 0x90 + cc);
        emit_E(g, &e, 0);
        set_label(g, "set%s Eb %s", cc_name[cc], E_tag(&e, 1));
    }
    struct flag_rule fr = rule(FR_NONE);
    fr.reads = cond_reads(cc);
    insn_end(g, fr);
    return true;
}

/* ==== XADD, CMPXCHG, CMPXCHG8B =========================================== */
static bool gen_atomic(struct gen *g)
{
    unsigned kind = rnd(g, 5);
    struct eop e;
    g->nomem |= 1u << EAX | 1u << EDX;
    insn_begin(g, true);
    if (kind <= 1) { /* XADD Eb,Gb / Ev,Gv */
        unsigned bytes = pick_bytes(g);
        pick_E(g, &e, bytes, true, 50);
        unsigned r = pick_dest(g, bytes);
        bool lock = want_lock(g, &e);
        emit_prefixes(g, bytes, lock);
        emit8(g, 0x0F);
        emit8(g, bytes == 1 ? 0xC0 : 0xC1);
        emit_E(g, &e, r);
        set_label(g, "%sxadd E%s,G%s %s", lock ? "lock " : "", bytes == 1 ? "b" : "v", bytes == 1 ? "b" : "v",
                  E_tag(&e, bytes));
        insn_end(g, rule(FR_ADD_SUB));
    } else if (kind <= 3) { /* CMPXCHG Eb,Gb / Ev,Gv: compares with AL/AX/EAX */
        unsigned bytes = pick_bytes(g);
        pick_E(g, &e, bytes, true, 50);
        unsigned r = pick_src(g, bytes);
        bool lock = want_lock(g, &e);
        emit_prefixes(g, bytes, lock);
        emit8(g, 0x0F);
        emit8(g, bytes == 1 ? 0xB0 : 0xB1);
        emit_E(g, &e, r);
        if (chance(g, 50)) /* equal: the exchange happens */
            reg_set(g, EAX, bytes, E_get(g, &e, bytes));
        set_label(g, "%scmpxchg E%s,G%s %s", lock ? "lock " : "", bytes == 1 ? "b" : "v",
                  bytes == 1 ? "b" : "v", E_tag(&e, bytes));
        insn_end(g, rule(FR_ADD_SUB));
    } else { /* CMPXCHG8B m64: 0F C7 /1 */
        e.mem = true;
        e.addr = random_target(g, 8);
        bool lock = chance(g, 30);
        if (lock)
            emit8(g, 0xF0);
        emit8(g, 0x0F);
        emit8(g, 0xC7);
        emit_E(g, &e, 1);
        if (chance(g, 50)) {
            regs(g)[EAX] = mem_get(g, e.addr, 4);
            regs(g)[EDX] = mem_get(g, e.addr + 4, 4);
        }
        set_label(g, "%scmpxchg8b Mq", lock ? "lock " : "");
        insn_end(g, rule(FR_CMPXCHG8B));
    }
    return true;
}

/* ==== MOVZX, MOVSX, CBW.., LEA, BSWAP ===================================== */
static void gen_lea(struct gen *g)
{
    /* no memory access: any registers, any ModRM/SIB/displacement */
    bool osz = chance(g, 25), asz = chance(g, 30);
    unsigned r = pick_dest(g, osz ? 2 : 4);
    unsigned mod = rnd(g, 3), rm = rnd(g, 8);
    if (osz)
        emit8(g, 0x66);
    if (asz)
        emit8(g, 0x67);
    emit8(g, 0x8D);
    emit8(g, mod << 6 | r << 3 | rm);
    if (asz) { /* 16-bit addressing: BX+SI .. BX, disp16 with mod 10 or rm 110 */
        if (mod == 1)
            emit8(g, rnd(g, 256));
        else if (mod == 2 || rm == 6)
            emit_imm(g, val32(g), 2);
    } else {
        unsigned base = rm;
        if (rm == 4) {
            unsigned sib = rnd(g, 256);
            emit8(g, sib);
            base = sib & 7;
        }
        if (mod == 1)
            emit8(g, rnd(g, 256));
        else if (mod == 2 || (mod == 0 && (rm == 5 || (rm == 4 && base == 5))))
            emit_imm(g, val32(g), 4);
    }
    set_label(g, "lea Gv,M o%d a%d", osz ? 16 : 32, asz ? 16 : 32);
}

static bool gen_movx(struct gen *g)
{
    unsigned kind = rnd(g, 8);
    insn_begin(g, true);
    if (kind <= 3) { /* MOVZX/MOVSX Gv,Eb / Gv,Ew */
        bool sx = chance(g, 50), word = chance(g, 50);
        unsigned dbytes = chance(g, 25) ? 2 : 4, sbytes = word ? 2 : 1;
        struct eop e;
        pick_E(g, &e, sbytes, false, 40);
        unsigned r = pick_dest(g, dbytes);
        emit_prefixes(g, dbytes, false);
        emit8(g, 0x0F);
        emit8(g, (sx ? 0xBE : 0xB6) + word);
        emit_E(g, &e, r);
        set_label(g, "%s G%s,E%s %s", sx ? "movsx" : "movzx", dbytes == 2 ? "w" : "d", word ? "w" : "b",
                  E_tag(&e, sbytes));
    } else if (kind == 4) { /* CBW CWDE CWD CDQ */
        bool osz = chance(g, 50), cwd = chance(g, 50);
        if (osz)
            emit8(g, 0x66);
        emit8(g, cwd ? 0x99 : 0x98);
        set_label(g, "%s", cwd ? (osz ? "cwd" : "cdq") : (osz ? "cbw" : "cwde"));
    } else if (kind == 5) { /* BSWAP r32: 0F C8+rd */
        unsigned r = pick_dest(g, 4);
        emit8(g, 0x0F);
        emit8(g, 0xC8 + r);
        set_label(g, "bswap Zd");
    } else {
        gen_lea(g);
    }
    insn_end(g, rule(FR_NONE));
    return true;
}

/* ==== SHLD, SHRD ========================================================= */
static bool gen_shxd(struct gen *g)
{
    bool right = chance(g, 50), by_cl = chance(g, 50);
    unsigned bytes = pick_bytes_v(g), bits = bytes * 8;
    unsigned count = pick_count(g);
    if (bits == 16 && (count & 31) > 16 && chance(g, 70))
        count = rnd(g, 17); /* mostly counts whose result is defined */
    if (by_cl) {
        reg_set(g, ECX, 1, count);
        g->pinned |= 1u << ECX;
        g->nomem |= 1u << ECX;
    }
    gen_prefix(g, 40, ALU_ANY);
    insn_begin(g, true);
    struct eop e;
    pick_E(g, &e, bytes, true, 40);
    bool undefined;
    struct flag_rule fr = shxd_rule(bits, count, &undefined);
    if (undefined && e.mem) {
        /* a memory result we could not mask: keep the count within the width */
        count = (count & ~31u) | (count & 31) % (bits + 1);
        fr = shxd_rule(bits, count, &undefined);
        if (by_cl)
            reg_set(g, ECX, 1, count);
    }
    unsigned r = pick_src(g, bytes);
    emit_prefixes(g, bytes, false);
    emit8(g, 0x0F);
    emit8(g, (right ? 0xAC : 0xA4) + by_cl);
    emit_E(g, &e, r);
    if (!by_cl)
        emit8(g, count);
    E_written(g, &e, bytes);
    if (undefined)
        g->s->reg_undef |= (uint8_t)(1u << e.reg);
    set_label(g, "%s Ev,Gv,%s %s", right ? "shrd" : "shld", by_cl ? "CL" : "Ib", E_tag(&e, bytes));
    insn_end(g, fr);
    return true;
}

/* ==== LAHF, SAHF, CMC, CLC, STC ========================================== */
static bool gen_lahf(struct gen *g)
{
    g->pinned |= 1u << EAX;
    g->nomem |= 1u << EAX;
    gen_prefix(g, 60, ALU_FULLY_DEFINED);
    if (chance(g, 30)) {
        static const struct {
            const char *name;
            uint8_t opc;
            enum flag_family fr;
        } cf_ops[3] = {{"cmc", 0xF5, FR_CMC}, {"clc", 0xF8, FR_CLC_STC}, {"stc", 0xF9, FR_CLC_STC}};
        unsigned k = rnd(g, 3);
        bool last = chance(g, 20);
        insn_begin(g, last);
        emit8(g, cf_ops[k].opc);
        set_label(g, "%s", cf_ops[k].name);
        insn_end(g, rule(cf_ops[k].fr));
        if (last)
            return true;
    }
    bool sahf = chance(g, 50);
    bool then_lahf = sahf && chance(g, 30);
    insn_begin(g, !then_lahf);
    emit8(g, sahf ? 0x9E : 0x9F);
    set_label(g, "%s", sahf ? "sahf" : "lahf");
    insn_end(g, rule(sahf ? FR_SAHF : FR_LAHF));
    if (then_lahf) {
        insn_begin(g, true);
        emit8(g, 0x9F);
        set_label(g, "lahf (after sahf)");
        insn_end(g, rule(FR_LAHF));
    }
    return true;
}

/* ==== PUSH, POP ========================================================== */
static bool gen_stack(struct gen *g)
{
    uint32_t esp = ORACLE_SCRATCH + 0x40 + rnd(g, 0x80);
    if (chance(g, 80))
        esp &= ~3u;
    regs(g)[ESP] = esp;
    unsigned n = 2 + rnd(g, 5);
    for (unsigned i = 0; i < n; i++) {
        bool last = i == n - 1;
        insn_begin(g, last);
        unsigned kind = rnd(g, last ? 17 : 16);
        uint32_t lo = ORACLE_SCRATCH, hi = ORACLE_SCRATCH + ORACLE_SCRATCH_SIZE;
        /* what the instruction needs: bytes pushed (down) or popped (up) */
        static const int8_t delta[17] = {-4, -2, -4, -4, -2, -4, -2, 4, 2, 4, 2, -32, 32, -16, 16, -2, 4};
        int d = delta[kind];
        if ((d < 0 && esp - lo < (uint32_t)-d) || (d > 0 && hi - esp < (uint32_t)d)) {
            kind = d < 0 ? 7 : 0; /* turn a push into a pop and back */
            d = delta[kind];
        }
        struct eop e = {.mem = true};
        unsigned r;
        const char *what = "";
        switch (kind) {
        case 0: /* PUSH r32 (PUSH ESP pushes the value before the decrement) */
            r = rnd(g, 8);
            emit8(g, 0x50 + r);
            what = "push Zd";
            break;
        case 1:
            r = rnd(g, 8);
            emit8(g, 0x66);
            emit8(g, 0x50 + r);
            what = "push Zw";
            break;
        case 2: /* PUSH Ibs */
            emit8(g, 0x6A);
            emit8(g, val8(g));
            what = "push Ibs";
            break;
        case 3:
            emit8(g, 0x68);
            emit_imm(g, val32(g), 4);
            what = "push Id";
            break;
        case 4:
            emit8(g, 0x66);
            emit8(g, 0x68);
            emit_imm(g, val32(g), 2);
            what = "push Iw";
            break;
        case 5: /* PUSH Ev: an ESP base is read before the decrement */
        case 6:
            g->esp_ea = esp;
            e.addr = random_target(g, kind == 5 ? 4 : 2);
            if (kind == 6)
                emit8(g, 0x66);
            emit8(g, 0xFF);
            emit_E(g, &e, 6);
            what = kind == 5 ? "push Ed" : "push Ew";
            break;
        case 7: /* POP r32 (not ESP: see case 16) */
        case 8:
            r = rnd(g, 8);
            while (r == ESP)
                r = rnd(g, 8);
            if (kind == 8)
                emit8(g, 0x66);
            emit8(g, 0x58 + r);
            mark_written(g, r, 4);
            what = kind == 7 ? "pop Zd" : "pop Zw";
            break;
        case 9: /* POP Ev: "If the ESP register is used as a base register for
                 * addressing a destination operand in memory, the POP
                 * instruction computes the effective address of the operand
                 * after it increments the ESP register." */
        case 10:
            g->esp_ea = esp + (kind == 9 ? 4 : 2);
            e.addr = random_target(g, kind == 9 ? 4 : 2);
            if (kind == 10)
                emit8(g, 0x66);
            emit8(g, 0x8F);
            emit_E(g, &e, 0);
            what = kind == 9 ? "pop Ed" : "pop Ew";
            break;
        case 11:
            emit8(g, 0x60);
            what = "pushad";
            break;
        case 12: /* POPAD: ESP's slot is skipped */
            emit8(g, 0x61);
            g->written |= (uint8_t) ~(1u << ESP);
            what = "popad";
            break;
        case 13:
            emit8(g, 0x66);
            emit8(g, 0x60);
            what = "pushaw";
            break;
        case 14:
            emit8(g, 0x66);
            emit8(g, 0x61);
            g->written |= (uint8_t) ~(1u << ESP);
            what = "popaw";
            break;
        case 15: /* PUSH SP */
            emit8(g, 0x66);
            emit8(g, 0x54);
            what = "push sp";
            break;
        default: /* POP ESP, last only: "POP ESP increments the stack pointer
                  * (ESP) before data at the old top of stack is written into
                  * the destination" */
            emit8(g, 0x5C);
            what = "pop esp";
            break;
        }
        esp += (uint32_t)d;
        set_label(g, "%s", what);
        insn_end(g, rule(FR_NONE));
    }
    return true;
}

/* ==== driver ============================================================= */
enum oracle_category oracle_pick_category(uint64_t *rng)
{
    static const uint8_t weight[OC_COUNT] = {
        [OC_ALU] = 20,   [OC_SHIFT] = 16, [OC_MULDIV] = 8, [OC_DIVFAULT] = 1, [OC_BCD] = 5,
        [OC_BITOPS] = 8, [OC_STRING] = 8, [OC_COND] = 8,   [OC_ATOMIC] = 6,   [OC_MOVX] = 6,
        [OC_SHXD] = 6,   [OC_LAHF] = 4,   [OC_STACK] = 5,
    };
    unsigned total = 0;
    for (int c = 0; c < OC_COUNT; c++)
        total += weight[c];
    unsigned k = (unsigned)((oracle_rand(rng) >> 32) % total);
    for (int c = 0; c < OC_COUNT; c++) {
        if (k < weight[c])
            return (enum oracle_category)c;
        k -= weight[c];
    }
    return OC_ALU;
}

static void gen_init(struct gen *g, struct oracle_snippet *s, enum oracle_category category, uint64_t *rng)
{
    memset(g, 0, sizeof *g);
    memset(s, 0, sizeof *s);
    g->s = s;
    g->rng = rng;
    s->category = category;
    s->req.cmd = ORACLE_CMD_RUN;
    for (int r = 0; r < 8; r++)
        s->req.regs[r] = val32(g);
    s->req.regs[ESP] = ORACLE_SPARE_ESP + 4 * rnd(g, 256);
    g->esp_ea = s->req.regs[ESP];
    s->req.eflags = (uint32_t)oracle_rand(rng) & ORACLE_ARITH;
    if (chance(g, 20))
        s->req.eflags |= ORACLE_DF;
    for (unsigned i = 0; i < ORACLE_SCRATCH_SIZE; i++)
        s->req.mem[i] = chance(g, 50) ? val8(g) : (uint8_t)rnd(g, 256);
    for (int k = 0; k < 8; k++)
        mem_set(g, ORACLE_SCRATCH + 4 * rnd(g, ORACLE_SCRATCH_SIZE / 4), 4, val32(g));
}

void oracle_generate(struct oracle_snippet *s, enum oracle_category category, uint64_t *rng)
{
    static bool (*const gen_fn[OC_COUNT])(struct gen *) = {
        [OC_ALU] = gen_alu,           [OC_SHIFT] = gen_shift, [OC_MULDIV] = gen_muldiv,
        [OC_DIVFAULT] = gen_divfault, [OC_BCD] = gen_bcd,     [OC_BITOPS] = gen_bitops,
        [OC_STRING] = gen_string,     [OC_COND] = gen_cond,   [OC_ATOMIC] = gen_atomic,
        [OC_MOVX] = gen_movx,         [OC_SHXD] = gen_shxd,   [OC_LAHF] = gen_lahf,
        [OC_STACK] = gen_stack,
    };
    struct gen g;
    for (;;) {
        gen_init(&g, s, category, rng);
        if (gen_fn[category](&g) && g.n <= ORACLE_CODE_MAX)
            break;
    }
    memcpy(s->req.code, g.code, g.n);
    s->req.code_len = g.n;
    s->flag_mask = ORACLE_ARITH & ~g.undef;
}
