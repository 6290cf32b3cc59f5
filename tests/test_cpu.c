/* test_cpu.c - instruction semantics against values worked out by hand
 * from the Intel SDM (Vol. 1 3.4.3 for the flags, Vol. 2 for each
 * instruction), with the 64-bit integer arithmetic that gcc -m32 emits for
 * u64 division, comparison and printing in particular.
 *
 * Single instructions run through harness_insn(): EFLAGS and EAX..EDI are
 * loaded (PUSH imm32 / POPFD, MOV r32, imm32), the bytes under test run,
 * then HLT.  Longer programs were assembled with nasm (bits 32, org 0x10000)
 * or taken from gcc -O2 -m32 output; the source is beside each byte row. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "cpu_harness.h"

#define CF      FL_CF
#define PF      FL_PF
#define AF      FL_AF
#define ZF      FL_ZF
#define SF      FL_SF
#define OF      FL_OF
#define NO_AF   (FL_ARITH & ~FL_AF) /* logic ops, SHL/SHR by 1: AF undefined */
#define SHIFT_N (CF | PF | ZF | SF) /* shifts by more than 1: OF, AF undefined */

/* bytes of the instruction(s) under test and their count */
#define CODE(...) .code = {__VA_ARGS__}, .len = sizeof((const uint8_t[]){__VA_ARGS__})

struct insn_case {
    const char *name;
    uint8_t code[24];
    size_t len;
    struct insn_in in;   /* registers and EFLAGS before */
    struct insn_in out;  /* registers and arithmetic flags after */
    uint32_t flags_mask; /* the flags the SDM defines afterwards; 0: none */
    unsigned skip_regs;  /* 1 << R_xxx: registers the SDM leaves undefined */
};

/* The tables below are laid out by hand, one case per entry. */
/* clang-format off */

/* ---- ADD ADC ----------------------------------------------------------------- */
static const struct insn_case add_cases[] = {
    /* 0xF + 0x1 carries out of bit 3 (AF); the low byte 0x00 has even parity (PF) */
    {"add eax, ebx: 0xFFFFFFFF + 1", CODE(0x01, 0xD8), {.eax = 0xFFFFFFFF, .ebx = 1},
     {.eax = 0, .ebx = 1, .eflags = CF | PF | AF | ZF}, FL_ARITH, 0},
    /* positive + positive = negative: OF */
    {"add eax, ebx: 0x7FFFFFFF + 1", CODE(0x01, 0xD8), {.eax = 0x7FFFFFFF, .ebx = 1},
     {.eax = 0x80000000, .ebx = 1, .eflags = PF | AF | SF | OF}, FL_ARITH, 0},
    {"add eax, ebx: 0x80000000 + 0x80000000", CODE(0x01, 0xD8), {.eax = 0x80000000, .ebx = 0x80000000},
     {.eax = 0, .ebx = 0x80000000, .eflags = CF | PF | ZF | OF}, FL_ARITH, 0},
    {"add eax, ebx: 1 + 2", CODE(0x01, 0xD8), {.eax = 1, .ebx = 2}, {.eax = 3, .ebx = 2, .eflags = PF},
     FL_ARITH, 0},
    /* 0x10: one bit set, odd parity */
    {"add eax, ebx: 0x0F + 0x01", CODE(0x01, 0xD8), {.eax = 0x0F, .ebx = 1},
     {.eax = 0x10, .ebx = 1, .eflags = AF}, FL_ARITH, 0},
    /* 0x87 = 1000 0111b: four bits, even parity */
    {"add eax, ebx: 0x12345678 + 0x0F0F0F0F", CODE(0x01, 0xD8), {.eax = 0x12345678, .ebx = 0x0F0F0F0F},
     {.eax = 0x21436587, .ebx = 0x0F0F0F0F, .eflags = PF | AF}, FL_ARITH, 0},
    {"add al, bl: 0xFF + 0x01", CODE(0x00, 0xD8), {.eax = 0x123456FF, .ebx = 1},
     {.eax = 0x12345600, .ebx = 1, .eflags = CF | PF | AF | ZF}, FL_ARITH, 0},
    {"add ax, bx: 0x7FFF + 1", CODE(0x66, 0x01, 0xD8), {.eax = 0xABCD7FFF, .ebx = 1},
     {.eax = 0xABCD8000, .ebx = 1, .eflags = PF | AF | SF | OF}, FL_ARITH, 0},
    {"adc eax, ebx: CF=1, 0xFFFFFFFF + 0 + 1", CODE(0x11, 0xD8), {.eax = 0xFFFFFFFF, .ebx = 0, .eflags = CF},
     {.eax = 0, .eflags = CF | PF | AF | ZF}, FL_ARITH, 0},
    {"adc eax, ebx: CF=1, 0xFFFFFFFF + 0xFFFFFFFF + 1", CODE(0x11, 0xD8),
     {.eax = 0xFFFFFFFF, .ebx = 0xFFFFFFFF, .eflags = CF},
     {.eax = 0xFFFFFFFF, .ebx = 0xFFFFFFFF, .eflags = CF | PF | AF | SF}, FL_ARITH, 0},
    {"adc eax, ebx: CF=1, 0x7FFFFFFF + 0 + 1", CODE(0x11, 0xD8), {.eax = 0x7FFFFFFF, .eflags = CF},
     {.eax = 0x80000000, .eflags = PF | AF | SF | OF}, FL_ARITH, 0},
    {"adc eax, ebx: CF=0, 0xFFFFFFFF + 1", CODE(0x11, 0xD8), {.eax = 0xFFFFFFFF, .ebx = 1},
     {.eax = 0, .ebx = 1, .eflags = CF | PF | AF | ZF}, FL_ARITH, 0},
    /* 13 = 1101b: three bits, odd parity; 5 + 7 + 1 < 16: no AF */
    {"adc eax, ebx: CF=1, 5 + 7 + 1", CODE(0x11, 0xD8), {.eax = 5, .ebx = 7, .eflags = CF},
     {.eax = 13, .ebx = 7, .eflags = 0}, FL_ARITH, 0},
    /* negative + positive never overflows */
    {"adc eax, ebx: CF=1, 0x80000000 + 0x7FFFFFFF + 1", CODE(0x11, 0xD8),
     {.eax = 0x80000000, .ebx = 0x7FFFFFFF, .eflags = CF},
     {.eax = 0, .ebx = 0x7FFFFFFF, .eflags = CF | PF | AF | ZF}, FL_ARITH, 0},
    {"adc al, bl: CF=1, 0xFF + 0 + 1", CODE(0x10, 0xD8), {.eax = 0x000000FF, .eflags = CF},
     {.eax = 0, .eflags = CF | PF | AF | ZF}, FL_ARITH, 0},
    /* mov [0x20000], eax ; adc [0x20000], ebx ; mov eax, [0x20000] */
    {"adc [mem], ebx: CF=1, 0xFFFFFFFF + 0 + 1",
     CODE(0x89, 0x05, 0x00, 0x00, 0x02, 0x00, 0x11, 0x1D, 0x00, 0x00, 0x02, 0x00, 0x8B, 0x05, 0x00, 0x00,
          0x02, 0x00), {.eax = 0xFFFFFFFF, .eflags = CF}, {.eax = 0, .eflags = CF | PF | AF | ZF}, FL_ARITH,
     0},
};

/* ---- SUB SBB CMP ----------------------------------------------------------------- *
 * SBB computes DEST - (SRC + CF); CF is the borrow out of that whole
 * subtraction: DEST < SRC + CF, so SRC == DEST with CF = 1 borrows. */
static const struct insn_case sub_cases[] = {
    {"sub eax, ebx: 0 - 1", CODE(0x29, 0xD8), {.eax = 0, .ebx = 1},
     {.eax = 0xFFFFFFFF, .ebx = 1, .eflags = CF | PF | AF | SF}, FL_ARITH, 0},
    /* negative - positive = positive: OF */
    {"sub eax, ebx: 0x80000000 - 1", CODE(0x29, 0xD8), {.eax = 0x80000000, .ebx = 1},
     {.eax = 0x7FFFFFFF, .ebx = 1, .eflags = PF | AF | OF}, FL_ARITH, 0},
    {"sub eax, ebx: 5 - 5", CODE(0x29, 0xD8), {.eax = 5, .ebx = 5}, {.eax = 0, .ebx = 5, .eflags = PF | ZF},
     FL_ARITH, 0},
    {"sub eax, ebx: 0x7FFFFFFF - 0xFFFFFFFF", CODE(0x29, 0xD8), {.eax = 0x7FFFFFFF, .ebx = 0xFFFFFFFF},
     {.eax = 0x80000000, .ebx = 0xFFFFFFFF, .eflags = CF | PF | SF | OF}, FL_ARITH, 0},
    {"sub eax, ebx: 0x10 - 1", CODE(0x29, 0xD8), {.eax = 0x10, .ebx = 1},
     {.eax = 0x0F, .ebx = 1, .eflags = PF | AF}, FL_ARITH, 0},
    {"sbb eax, ebx: CF=1, 0 - 0 - 1", CODE(0x19, 0xD8), {.eax = 0, .ebx = 0, .eflags = CF},
     {.eax = 0xFFFFFFFF, .eflags = CF | PF | AF | SF}, FL_ARITH, 0},
    {"sbb eax, ebx: CF=1, 5 - 5 - 1", CODE(0x19, 0xD8), {.eax = 5, .ebx = 5, .eflags = CF},
     {.eax = 0xFFFFFFFF, .ebx = 5, .eflags = CF | PF | AF | SF}, FL_ARITH, 0},
    {"sbb eax, ebx: CF=1, 0xFFFFFFFF - 0xFFFFFFFF - 1", CODE(0x19, 0xD8),
     {.eax = 0xFFFFFFFF, .ebx = 0xFFFFFFFF, .eflags = CF},
     {.eax = 0xFFFFFFFF, .ebx = 0xFFFFFFFF, .eflags = CF | PF | AF | SF}, FL_ARITH, 0},
    {"sbb eax, ebx: CF=1, 6 - 5 - 1", CODE(0x19, 0xD8), {.eax = 6, .ebx = 5, .eflags = CF},
     {.eax = 0, .ebx = 5, .eflags = PF | ZF}, FL_ARITH, 0},
    {"sbb eax, ebx: CF=0, 0 - 1", CODE(0x19, 0xD8), {.eax = 0, .ebx = 1},
     {.eax = 0xFFFFFFFF, .ebx = 1, .eflags = CF | PF | AF | SF}, FL_ARITH, 0},
    {"sbb eax, ebx: CF=1, 0x80000000 - 0 - 1", CODE(0x19, 0xD8), {.eax = 0x80000000, .eflags = CF},
     {.eax = 0x7FFFFFFF, .eflags = PF | AF | OF}, FL_ARITH, 0},
    /* -2^31 - (2^31 - 1) - 1 = -2^32: overflow; unsigned: exactly 0, no borrow */
    {"sbb eax, ebx: CF=1, 0x80000000 - 0x7FFFFFFF - 1", CODE(0x19, 0xD8),
     {.eax = 0x80000000, .ebx = 0x7FFFFFFF, .eflags = CF},
     {.eax = 0, .ebx = 0x7FFFFFFF, .eflags = PF | AF | ZF | OF}, FL_ARITH, 0},
    {"sbb al, bl: CF=1, 0x80 - 0x80 - 1", CODE(0x18, 0xD8), {.eax = 0x12345680, .ebx = 0x80, .eflags = CF},
     {.eax = 0x123456FF, .ebx = 0x80, .eflags = CF | PF | AF | SF}, FL_ARITH, 0},
    {"sbb ax, bx: CF=1, 0x1234 - 0x1234 - 1", CODE(0x66, 0x19, 0xD8),
     {.eax = 0xAAAA1234, .ebx = 0x1234, .eflags = CF},
     {.eax = 0xAAAAFFFF, .ebx = 0x1234, .eflags = CF | PF | AF | SF}, FL_ARITH, 0},
    {"sbb ebx, 0: CF=1, 0 - 0 - 1", CODE(0x83, 0xDB, 0x00), {.ebx = 0, .eflags = CF},
     {.ebx = 0xFFFFFFFF, .eflags = CF | PF | AF | SF}, FL_ARITH, 0},
    /* the CF -> mask idiom: SBB r, r with CF = 1 gives -1 and keeps CF = 1; 11 = 1011b */
    {"sbb eax, eax ; adc ecx, 0: CF=1", CODE(0x19, 0xC0, 0x83, 0xD1, 0x00),
     {.eax = 5, .ecx = 10, .eflags = CF}, {.eax = 0xFFFFFFFF, .ecx = 11, .eflags = 0}, FL_ARITH, 0},
    /* mov [0x20000], ebx ; sbb eax, [0x20000] */
    {"sbb eax, [mem]: CF=1, 7 - 7 - 1",
     CODE(0x89, 0x1D, 0x00, 0x00, 0x02, 0x00, 0x1B, 0x05, 0x00, 0x00, 0x02, 0x00),
     {.eax = 7, .ebx = 7, .eflags = CF}, {.eax = 0xFFFFFFFF, .ebx = 7, .eflags = CF | PF | AF | SF}, FL_ARITH,
     0},
    /* mov [0x20000], ebx ; sbb [0x20000], eax ; mov ecx, [0x20000] */
    {"sbb [mem], eax: CF=1, 9 - 9 - 1",
     CODE(0x89, 0x1D, 0x00, 0x00, 0x02, 0x00, 0x19, 0x05, 0x00, 0x00, 0x02, 0x00, 0x8B, 0x0D, 0x00, 0x00,
          0x02, 0x00), {.eax = 9, .ebx = 9, .eflags = CF},
     {.eax = 9, .ebx = 9, .ecx = 0xFFFFFFFF, .eflags = CF | PF | AF | SF}, FL_ARITH, 0},
    {"cmp eax, ebx: 0, 1", CODE(0x39, 0xD8), {.eax = 0, .ebx = 1},
     {.eax = 0, .ebx = 1, .eflags = CF | PF | AF | SF}, FL_ARITH, 0},
    {"cmp eax, ebx: 0x80000000, 1", CODE(0x39, 0xD8), {.eax = 0x80000000, .ebx = 1},
     {.eax = 0x80000000, .ebx = 1, .eflags = PF | AF | OF}, FL_ARITH, 0},
    /* 1 - 0x80000000 = 0x80000001: low byte 0x01, odd parity */
    {"cmp eax, ebx: 1, 0x80000000", CODE(0x39, 0xD8), {.eax = 1, .ebx = 0x80000000},
     {.eax = 1, .ebx = 0x80000000, .eflags = CF | SF | OF}, FL_ARITH, 0},
    {"cmp eax, 0x80000000: 0x7FFFFFFF", CODE(0x3D, 0x00, 0x00, 0x00, 0x80), {.eax = 0x7FFFFFFF},
     {.eax = 0x7FFFFFFF, .eflags = CF | PF | SF | OF}, FL_ARITH, 0},
    {"cmp bl, 0x80: 0x7F", CODE(0x80, 0xFB, 0x80), {.ebx = 0x7F}, {.ebx = 0x7F, .eflags = CF | PF | SF | OF},
     FL_ARITH, 0},
};

/* ---- AND OR XOR TEST NOT: CF = OF = 0, AF undefined; NOT changes no flag ------------ */
static const struct insn_case logic_cases[] = {
    {"and eax, ebx: 0xF0F0F0F0 & 0x0F0F0F0F", CODE(0x21, 0xD8),
     {.eax = 0xF0F0F0F0, .ebx = 0x0F0F0F0F, .eflags = CF | OF},
     {.eax = 0, .ebx = 0x0F0F0F0F, .eflags = PF | ZF}, NO_AF, 0},
    {"and eax, ebx: 0x80000001 & 0xFFFFFFFF", CODE(0x21, 0xD8), {.eax = 0x80000001, .ebx = 0xFFFFFFFF},
     {.eax = 0x80000001, .ebx = 0xFFFFFFFF, .eflags = SF}, NO_AF, 0},
    {"or eax, ebx: 0x80000000 | 3", CODE(0x09, 0xD8), {.eax = 0x80000000, .ebx = 3, .eflags = CF | OF},
     {.eax = 0x80000003, .ebx = 3, .eflags = PF | SF}, NO_AF, 0},
    {"xor eax, ebx: x ^ x", CODE(0x31, 0xD8), {.eax = 0xFFFFFFFF, .ebx = 0xFFFFFFFF, .eflags = CF | OF | SF},
     {.eax = 0, .ebx = 0xFFFFFFFF, .eflags = PF | ZF}, NO_AF, 0},
    {"test eax, ebx: 0x100 & 0x300", CODE(0x85, 0xD8), {.eax = 0x100, .ebx = 0x300, .eflags = CF | OF},
     {.eax = 0x100, .ebx = 0x300, .eflags = PF}, NO_AF, 0},
    {"test al, 0x80: 0x80", CODE(0xA8, 0x80), {.eax = 0x80}, {.eax = 0x80, .eflags = SF}, NO_AF, 0},
    {"and ax, 0x00FF: 0x8001", CODE(0x66, 0x25, 0xFF, 0x00), {.eax = 0x12348001, .eflags = SF | ZF},
     {.eax = 0x12340001, .eflags = 0}, NO_AF, 0},
    {"not eax", CODE(0xF7, 0xD0), {.eax = 0x0F0F0F0F, .eflags = FL_ARITH},
     {.eax = 0xF0F0F0F0, .eflags = FL_ARITH}, FL_ARITH, 0},
};

/* ---- INC DEC (CF kept) NEG (CF = source != 0) ----------------------------------------- */
static const struct insn_case incdec_cases[] = {
    {"inc eax: CF=1, 0xFFFFFFFF", CODE(0x40), {.eax = 0xFFFFFFFF, .eflags = CF},
     {.eax = 0, .eflags = CF | PF | AF | ZF}, FL_ARITH, 0},
    {"inc eax: CF=0, 0x7FFFFFFF", CODE(0x40), {.eax = 0x7FFFFFFF},
     {.eax = 0x80000000, .eflags = PF | AF | SF | OF}, FL_ARITH, 0},
    {"dec eax: CF=1, 0", CODE(0x48), {.eax = 0, .eflags = CF},
     {.eax = 0xFFFFFFFF, .eflags = CF | PF | AF | SF}, FL_ARITH, 0},
    {"dec eax: CF=0, 0x80000000", CODE(0x48), {.eax = 0x80000000},
     {.eax = 0x7FFFFFFF, .eflags = PF | AF | OF}, FL_ARITH, 0},
    {"inc bl: CF=1, 0xFF", CODE(0xFE, 0xC3), {.ebx = 0x123456FF, .eflags = CF},
     {.ebx = 0x12345600, .eflags = CF | PF | AF | ZF}, FL_ARITH, 0},
    {"dec ecx: CF=0, 1", CODE(0xFF, 0xC9), {.ecx = 1, .eflags = SF}, {.ecx = 0, .eflags = PF | ZF}, FL_ARITH,
     0},
    /* mov [0x20000], eax ; inc dword [0x20000] ; mov ebx, [0x20000] */
    {"inc dword [mem]: CF=1, 0x7FFFFFFF",
     CODE(0x89, 0x05, 0x00, 0x00, 0x02, 0x00, 0xFF, 0x05, 0x00, 0x00, 0x02, 0x00, 0x8B, 0x1D, 0x00, 0x00,
          0x02, 0x00), {.eax = 0x7FFFFFFF, .eflags = CF},
     {.eax = 0x7FFFFFFF, .ebx = 0x80000000, .eflags = CF | PF | AF | SF | OF}, FL_ARITH, 0},
    {"neg eax: 0", CODE(0xF7, 0xD8), {.eax = 0, .eflags = CF}, {.eax = 0, .eflags = PF | ZF}, FL_ARITH, 0},
    {"neg eax: 1", CODE(0xF7, 0xD8), {.eax = 1}, {.eax = 0xFFFFFFFF, .eflags = CF | PF | AF | SF}, FL_ARITH,
     0},
    {"neg eax: 0x80000000", CODE(0xF7, 0xD8), {.eax = 0x80000000},
     {.eax = 0x80000000, .eflags = CF | PF | SF | OF}, FL_ARITH, 0},
    /* 0xF0 = 1111 0000b: even parity; the low nibble 0 - 0 does not borrow */
    {"neg eax: 0x10", CODE(0xF7, 0xD8), {.eax = 0x10}, {.eax = 0xFFFFFFF0, .eflags = CF | PF | SF}, FL_ARITH,
     0},
    {"neg al: 1", CODE(0xF6, 0xD8), {.eax = 0x12345601}, {.eax = 0x123456FF, .eflags = CF | PF | AF | SF},
     FL_ARITH, 0},
};

/* ---- MUL IMUL DIV IDIV: CF = OF = "high half significant"; SF ZF AF PF undefined ---- */
static const struct insn_case muldiv_cases[] = {
    {"mul ebx: 0xFFFFFFFF * 0xFFFFFFFF", CODE(0xF7, 0xE3), {.eax = 0xFFFFFFFF, .ebx = 0xFFFFFFFF},
     {.eax = 1, .edx = 0xFFFFFFFE, .ebx = 0xFFFFFFFF, .eflags = CF | OF}, CF | OF, 0},
    {"mul ebx: 0x10000 * 0x10000", CODE(0xF7, 0xE3), {.eax = 0x10000, .ebx = 0x10000},
     {.eax = 0, .edx = 1, .ebx = 0x10000, .eflags = CF | OF}, CF | OF, 0},
    /* the reciprocal gcc uses for / 10: 0xCCCCCCCD * 10 = 0x8_00000002 */
    {"mul ebx: 0xCCCCCCCD * 10", CODE(0xF7, 0xE3), {.eax = 0xCCCCCCCD, .ebx = 10},
     {.eax = 2, .edx = 8, .ebx = 10, .eflags = CF | OF}, CF | OF, 0},
    {"mul ebx: 3 * 7", CODE(0xF7, 0xE3), {.eax = 3, .edx = 0x12345678, .ebx = 7, .eflags = CF | OF},
     {.eax = 21, .edx = 0, .ebx = 7, .eflags = 0}, CF | OF, 0},
    {"mul bl: 0x80 * 2", CODE(0xF6, 0xE3), {.eax = 0x12345680, .ebx = 2},
     {.eax = 0x12340100, .ebx = 2, .eflags = CF | OF}, CF | OF, 0},
    {"mul bx: 0xFFFF * 0xFFFF", CODE(0x66, 0xF7, 0xE3), {.eax = 0xAAAAFFFF, .edx = 0xBBBB0000, .ebx = 0xFFFF},
     {.eax = 0xAAAA0001, .edx = 0xBBBBFFFE, .ebx = 0xFFFF, .eflags = CF | OF}, CF | OF, 0},
    {"imul ebx: -1 * -1", CODE(0xF7, 0xEB), {.eax = 0xFFFFFFFF, .ebx = 0xFFFFFFFF},
     {.eax = 1, .edx = 0, .ebx = 0xFFFFFFFF, .eflags = 0}, CF | OF, 0},
    /* +2^31 does not fit in 32 signed bits */
    {"imul ebx: 0x80000000 * -1", CODE(0xF7, 0xEB), {.eax = 0x80000000, .ebx = 0xFFFFFFFF},
     {.eax = 0x80000000, .edx = 0, .ebx = 0xFFFFFFFF, .eflags = CF | OF}, CF | OF, 0},
    {"imul ebx: -2 * 3", CODE(0xF7, 0xEB), {.eax = 0xFFFFFFFE, .ebx = 3},
     {.eax = 0xFFFFFFFA, .edx = 0xFFFFFFFF, .ebx = 3, .eflags = 0}, CF | OF, 0},
    {"imul eax, ebx: -3 * 7", CODE(0x0F, 0xAF, 0xC3), {.eax = 0xFFFFFFFD, .edx = 0x5555, .ebx = 7},
     {.eax = 0xFFFFFFEB, .edx = 0x5555, .ebx = 7, .eflags = 0}, CF | OF, 0},
    {"imul eax, ebx: 0x10000 * 0x10000", CODE(0x0F, 0xAF, 0xC3), {.eax = 0x10000, .ebx = 0x10000},
     {.eax = 0, .ebx = 0x10000, .eflags = CF | OF}, CF | OF, 0},
    {"imul eax, ebx, 0x10000: 0x10000", CODE(0x69, 0xC3, 0x00, 0x00, 0x01, 0x00), {.ebx = 0x10000},
     {.eax = 0, .ebx = 0x10000, .eflags = CF | OF}, CF | OF, 0},
    {"imul eax, ebx, -10: 5", CODE(0x6B, 0xC3, 0xF6), {.ebx = 5}, {.eax = 0xFFFFFFCE, .ebx = 5, .eflags = 0},
     CF | OF, 0},
    /* 3 * 0xCCCCCCCD = 0x2_66666667; as signed, 3 * -858993459 does not fit */
    {"imul ecx, ecx, 0xCCCCCCCD: 3", CODE(0x69, 0xC9, 0xCD, 0xCC, 0xCC, 0xCC), {.ecx = 3},
     {.ecx = 0x66666667, .eflags = CF | OF}, CF | OF, 0},
    {"imul ax, bx: 0x100 * 0x100", CODE(0x66, 0x0F, 0xAF, 0xC3), {.eax = 0x12340100, .ebx = 0x100},
     {.eax = 0x12340000, .ebx = 0x100, .eflags = CF | OF}, CF | OF, 0},
    {"div ebx: 2^32 / 10", CODE(0xF7, 0xF3), {.eax = 0, .edx = 1, .ebx = 10},
     {.eax = 0x19999999, .edx = 6, .ebx = 10}, 0, 0},
    /* 10 * 2^32 - 1 = 10 * (2^32 - 1) + 9: the largest quotient that fits */
    {"div ebx: (10 * 2^32 - 1) / 10", CODE(0xF7, 0xF3), {.eax = 0xFFFFFFFF, .edx = 9, .ebx = 10},
     {.eax = 0xFFFFFFFF, .edx = 9, .ebx = 10}, 0, 0},
    {"div ebx: 100 / 7", CODE(0xF7, 0xF3), {.eax = 100, .ebx = 7}, {.eax = 14, .edx = 2, .ebx = 7}, 0, 0},
    /* IDIV truncates towards zero; the remainder has the dividend's sign */
    {"idiv ebx: -7 / 2", CODE(0xF7, 0xFB), {.eax = 0xFFFFFFF9, .edx = 0xFFFFFFFF, .ebx = 2},
     {.eax = 0xFFFFFFFD, .edx = 0xFFFFFFFF, .ebx = 2}, 0, 0},
    {"idiv ebx: 7 / -2", CODE(0xF7, 0xFB), {.eax = 7, .edx = 0, .ebx = 0xFFFFFFFE},
     {.eax = 0xFFFFFFFD, .edx = 1, .ebx = 0xFFFFFFFE}, 0, 0},
    {"div bl: 255 / 16", CODE(0xF6, 0xF3), {.eax = 0x123400FF, .ebx = 0x10}, {.eax = 0x12340F0F, .ebx = 0x10},
     0, 0},
    {"div bx: 65536 / 3", CODE(0x66, 0xF7, 0xF3), {.eax = 0xAAAA0000, .edx = 0xBBBB0001, .ebx = 3},
     {.eax = 0xAAAA5555, .edx = 0xBBBB0001, .ebx = 3}, 0, 0},
    {"idiv bl: -128 / 2", CODE(0xF6, 0xFB), {.eax = 0x1234FF80, .ebx = 2}, {.eax = 0x123400C0, .ebx = 2}, 0,
     0},
};

/* ---- shifts, rotates, SHLD SHRD ------------------------------------------------------ *
 * SDM SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR, SHLD, SHRD: the count is masked to
 * 5 bits; a masked count of 0 changes no flag; OF is defined for 1 only;
 * rotates change only CF and OF. */
static const struct insn_case shift_cases[] = {
    /* OF = MSB(result) ^ CF */
    {"shl eax, 1: 0x80000000", CODE(0xD1, 0xE0), {.eax = 0x80000000}, {.eax = 0, .eflags = CF | PF | ZF | OF},
     NO_AF, 0},
    /* CF = the last bit out, bit 28 */
    {"shl eax, cl: 0xF0000001 << 4", CODE(0xD3, 0xE0), {.eax = 0xF0000001, .ecx = 4},
     {.eax = 0x10, .ecx = 4, .eflags = CF}, SHIFT_N, 0},
    /* OF = MSB of the operand */
    {"shr eax, 1: 0x80000001", CODE(0xD1, 0xE8), {.eax = 0x80000001},
     {.eax = 0x40000000, .eflags = CF | PF | OF}, NO_AF, 0},
    {"shr eax, cl: 0x80000000 >> 31", CODE(0xD3, 0xE8), {.eax = 0x80000000, .ecx = 31},
     {.eax = 1, .ecx = 31, .eflags = 0}, SHIFT_N, 0},
    {"sar eax, cl: 0x80000000 >> 31", CODE(0xD3, 0xF8), {.eax = 0x80000000, .ecx = 31},
     {.eax = 0xFFFFFFFF, .ecx = 31, .eflags = PF | SF}, SHIFT_N, 0},
    {"sar eax, 1: 0xFFFFFFFF", CODE(0xD1, 0xF8), {.eax = 0xFFFFFFFF, .eflags = OF},
     {.eax = 0xFFFFFFFF, .eflags = CF | PF | SF}, NO_AF, 0},
    {"shl eax, cl: count 32 masks to 0", CODE(0xD3, 0xE0),
     {.eax = 0x12345678, .ecx = 32, .eflags = CF | ZF | OF},
     {.eax = 0x12345678, .ecx = 32, .eflags = CF | ZF | OF}, FL_ARITH, 0},
    /* an immediate count of 255 is 31 after masking, whatever CL holds */
    {"shl eax, 0xFF: 1 << 31", CODE(0xC1, 0xE0, 0xFF), {.eax = 1, .ecx = 1},
     {.eax = 0x80000000, .ecx = 1, .eflags = PF | SF}, SHIFT_N, 0},
    /* 0xF0 >> 3 = 0x1E = 0001 1110b; CF = bit 2 */
    {"shr al, cl: 0xF0 >> 3", CODE(0xD2, 0xE8), {.eax = 0x123456F0, .ecx = 3},
     {.eax = 0x1234561E, .ecx = 3, .eflags = PF}, SHIFT_N, 0},
    {"rol eax, 1: 0x80000000, other flags kept", CODE(0xD1, 0xC0),
     {.eax = 0x80000000, .eflags = PF | AF | ZF | SF}, {.eax = 1, .eflags = CF | PF | AF | ZF | SF | OF},
     FL_ARITH, 0},
    {"ror eax, 1: 1", CODE(0xD1, 0xC8), {.eax = 1}, {.eax = 0x80000000, .eflags = CF | OF}, FL_ARITH, 0},
    {"rcl eax, 1: CF=1, 0x80000000", CODE(0xD1, 0xD0), {.eax = 0x80000000, .eflags = CF},
     {.eax = 1, .eflags = CF | OF}, FL_ARITH, 0},
    {"rcr eax, 1: CF=0, 1", CODE(0xD1, 0xD8), {.eax = 1}, {.eax = 0, .eflags = CF}, FL_ARITH, 0},
    {"rcr eax, 1: CF=1, 0", CODE(0xD1, 0xD8), {.eax = 0, .eflags = CF}, {.eax = 0x80000000, .eflags = OF},
     FL_ARITH, 0},
    /* SHLD: CF = bit 32 - count of the destination; 0x89 has odd parity */
    {"shld eax, ebx, 4", CODE(0x0F, 0xA4, 0xD8, 0x04), {.eax = 0x12345678, .ebx = 0x9ABCDEF0},
     {.eax = 0x23456789, .ebx = 0x9ABCDEF0, .eflags = CF}, SHIFT_N, 0},
    /* SHRD: CF = bit count - 1 of the destination; 0x67 has odd parity */
    {"shrd eax, ebx, 4", CODE(0x0F, 0xAC, 0xD8, 0x04), {.eax = 0x12345678, .ebx = 0x9ABCDEF0},
     {.eax = 0x01234567, .ebx = 0x9ABCDEF0, .eflags = CF}, SHIFT_N, 0},
    /* count 1: OF = the sign changed */
    {"shrd eax, ebx, 1", CODE(0x0F, 0xAC, 0xD8, 0x01), {.eax = 1, .ebx = 1},
     {.eax = 0x80000000, .ebx = 1, .eflags = CF | PF | SF | OF}, NO_AF, 0},
    {"shld eax, ebx, 1", CODE(0x0F, 0xA4, 0xD8, 0x01), {.eax = 0x40000000, .ebx = 0},
     {.eax = 0x80000000, .eflags = PF | SF | OF}, NO_AF, 0},
    {"shld eax, ebx, cl: 31", CODE(0x0F, 0xA5, 0xD8), {.eax = 1, .ecx = 31, .ebx = 0xFFFFFFFE},
     {.eax = 0xFFFFFFFF, .ecx = 31, .ebx = 0xFFFFFFFE, .eflags = PF | SF}, SHIFT_N, 0},
    {"shrd eax, ebx, cl: 31", CODE(0x0F, 0xAD, 0xD8), {.eax = 0x80000000, .ecx = 31, .ebx = 1},
     {.eax = 3, .ecx = 31, .ebx = 1, .eflags = PF}, SHIFT_N, 0},
    {"shld eax, ebx, cl: count 32 masks to 0", CODE(0x0F, 0xA5, 0xD8),
     {.eax = 0x12345678, .ecx = 32, .ebx = 0xFFFFFFFF, .eflags = CF | ZF},
     {.eax = 0x12345678, .ecx = 32, .ebx = 0xFFFFFFFF, .eflags = CF | ZF}, FL_ARITH, 0},
    {"shrd eax, ebx, 0xFF: count 31", CODE(0x0F, 0xAC, 0xD8, 0xFF), {.eax = 0x80000000, .ecx = 4, .ebx = 1},
     {.eax = 3, .ecx = 4, .ebx = 1, .eflags = PF}, SHIFT_N, 0},
    /* 0x5678:0x1234 >> 4 = 0x8123; 0x23 has odd parity */
    {"shrd ax, bx, 4", CODE(0x66, 0x0F, 0xAC, 0xD8, 0x04), {.eax = 0xAAAA1234, .ebx = 0x5678},
     {.eax = 0xAAAA8123, .ebx = 0x5678, .eflags = SF}, SHIFT_N, 0},
};

/* ---- BSF BSR BT*: ZF resp. CF defined, the other flags undefined ------------------------ */
static const struct insn_case bit_cases[] = {
    {"bsr eax, ebx: 0x00010000", CODE(0x0F, 0xBD, 0xC3), {.eax = 0xFFFFFFFF, .ebx = 0x00010000, .eflags = ZF},
     {.eax = 16, .ebx = 0x00010000}, ZF, 0},
    {"bsr eax, ebx: 1", CODE(0x0F, 0xBD, 0xC3), {.eax = 0xFFFFFFFF, .ebx = 1}, {.eax = 0, .ebx = 1}, ZF, 0},
    {"bsr eax, ebx: 0x80000000", CODE(0x0F, 0xBD, 0xC3), {.ebx = 0x80000000}, {.eax = 31, .ebx = 0x80000000},
     ZF, 0},
    {"bsr eax, ebx: 0xFFFFFFFF", CODE(0x0F, 0xBD, 0xC3), {.ebx = 0xFFFFFFFF}, {.eax = 31, .ebx = 0xFFFFFFFF},
     ZF, 0},
    {"bsf eax, ebx: 0x00F00000", CODE(0x0F, 0xBC, 0xC3), {.ebx = 0x00F00000}, {.eax = 20, .ebx = 0x00F00000},
     ZF, 0},
    {"bsf eax, ebx: 0x80000000", CODE(0x0F, 0xBC, 0xC3), {.ebx = 0x80000000}, {.eax = 31, .ebx = 0x80000000},
     ZF, 0},
    {"bsf eax, ebx: 0xFFFFFFFF", CODE(0x0F, 0xBC, 0xC3), {.eax = 0xFFFFFFFF, .ebx = 0xFFFFFFFF},
     {.eax = 0, .ebx = 0xFFFFFFFF}, ZF, 0},
    {"bsr eax, ebx: 0", CODE(0x0F, 0xBD, 0xC3), {.eax = 0x1234, .ebx = 0}, {.eflags = ZF}, ZF, 1u << R_EAX},
    {"bsf eax, ebx: 0", CODE(0x0F, 0xBC, 0xC3), {.eax = 0x1234, .ebx = 0}, {.eflags = ZF}, ZF, 1u << R_EAX},
    /* count leading zeros as libgcc does: bsr ; xor 31 (21 = 1 0101b) */
    {"bsr eax, ebx ; xor eax, 31: 0x400", CODE(0x0F, 0xBD, 0xC3, 0x83, 0xF0, 0x1F), {.ebx = 0x400},
     {.eax = 21, .ebx = 0x400, .eflags = 0}, NO_AF, 0},
    {"bsr ax, bx: 0x0100", CODE(0x66, 0x0F, 0xBD, 0xC3), {.eax = 0x12345678, .ebx = 0x0100},
     {.eax = 0x12340008, .ebx = 0x0100}, ZF, 0},
    {"bt eax, ebx: bit 4 of 0x10", CODE(0x0F, 0xA3, 0xD8), {.eax = 0x10, .ebx = 4},
     {.eax = 0x10, .ebx = 4, .eflags = CF}, CF, 0},
    {"bt eax, 36: masked to bit 4", CODE(0x0F, 0xBA, 0xE0, 0x24), {.eax = 0x10}, {.eax = 0x10, .eflags = CF},
     CF, 0},
    {"bts eax, ebx: 31", CODE(0x0F, 0xAB, 0xD8), {.eax = 0, .ebx = 31, .eflags = CF},
     {.eax = 0x80000000, .ebx = 31, .eflags = 0}, CF, 0},
    {"btr eax, 0: 1", CODE(0x0F, 0xBA, 0xF0, 0x00), {.eax = 1}, {.eax = 0, .eflags = CF}, CF, 0},
    {"btc eax, ebx: 7", CODE(0x0F, 0xBB, 0xD8), {.eax = 0xFF, .ebx = 7},
     {.eax = 0x7F, .ebx = 7, .eflags = CF}, CF, 0},
};

/* ---- sign extension, LEA (flags untouched), XADD, CMPXCHG, XCHG, BSWAP, hint NOPs ----------- */
static const struct insn_case misc_cases[] = {
    {"cdq: 0x80000000", CODE(0x99), {.eax = 0x80000000}, {.eax = 0x80000000, .edx = 0xFFFFFFFF}, 0, 0},
    {"cdq: 0x7FFFFFFF", CODE(0x99), {.eax = 0x7FFFFFFF, .edx = 0x12345678}, {.eax = 0x7FFFFFFF, .edx = 0}, 0,
     0},
    {"cwde: 0xFF80", CODE(0x98), {.eax = 0x1234FF80}, {.eax = 0xFFFFFF80}, 0, 0},
    {"cwd: 0x8000", CODE(0x66, 0x99), {.eax = 0x8000, .edx = 0x12345678}, {.eax = 0x8000, .edx = 0x1234FFFF},
     0, 0},
    {"cbw: 0x80", CODE(0x66, 0x98), {.eax = 0x12345680}, {.eax = 0x1234FF80}, 0, 0},
    {"movsx eax, bl: 0x80", CODE(0x0F, 0xBE, 0xC3), {.ebx = 0x80}, {.eax = 0xFFFFFF80, .ebx = 0x80}, 0, 0},
    {"movzx eax, bx: 0x8001", CODE(0x0F, 0xB7, 0xC3), {.eax = 0xFFFFFFFF, .ebx = 0xFFFF8001},
     {.eax = 0x8001, .ebx = 0xFFFF8001}, 0, 0},
    {"lea eax, [ebx+ecx*4+0x10]", CODE(0x8D, 0x44, 0x8B, 0x10), {.ecx = 3, .ebx = 0x1000, .eflags = CF | ZF},
     {.eax = 0x101C, .ecx = 3, .ebx = 0x1000, .eflags = CF | ZF}, FL_ARITH, 0},
    {"lea eax, [ecx*8+0x12345678]", CODE(0x8D, 0x04, 0xCD, 0x78, 0x56, 0x34, 0x12), {.ecx = 2},
     {.eax = 0x12345688, .ecx = 2}, FL_ARITH, 0},
    {"lea eax, [ebx+ebx*2]", CODE(0x8D, 0x04, 0x5B), {.ebx = 5}, {.eax = 15, .ebx = 5}, FL_ARITH, 0},
    {"lea eax, [esi*2+0x10]", CODE(0x8D, 0x04, 0x75, 0x10, 0x00, 0x00, 0x00), {.esi = 0x100},
     {.eax = 0x210, .esi = 0x100}, FL_ARITH, 0},
    {"lea eax, [esp+4]", CODE(0x8D, 0x44, 0x24, 0x04), {.eax = 0}, {.eax = HARNESS_STACK + 4}, FL_ARITH, 0},
    {"lea eax, [eax+ecx-1]: wraps", CODE(0x8D, 0x44, 0x08, 0xFF), {.eax = 0, .ecx = 0}, {.eax = 0xFFFFFFFF},
     FL_ARITH, 0},
    /* 16-bit addressing: the offset wraps at 64 KB, the 32-bit destination is zero-extended */
    {"lea eax, [bx+si+0x10]", CODE(0x67, 0x8D, 0x40, 0x10), {.ebx = 0x1234FFF0, .esi = 0x10},
     {.eax = 0x10, .ebx = 0x1234FFF0, .esi = 0x10}, FL_ARITH, 0},
    {"lea ax, [ebx+edi*8+1]", CODE(0x66, 0x8D, 0x44, 0xFB, 0x01),
     {.eax = 0xAAAA0000, .ebx = 0x12345, .edi = 0x10}, {.eax = 0xAAAA23C6, .ebx = 0x12345, .edi = 0x10},
     FL_ARITH, 0},
    {"xadd eax, ebx: 5, 7", CODE(0x0F, 0xC1, 0xD8), {.eax = 5, .ebx = 7}, {.eax = 12, .ebx = 5, .eflags = PF},
     FL_ARITH, 0},
    {"cmpxchg ebx, ecx: equal", CODE(0x0F, 0xB1, 0xCB), {.eax = 5, .ecx = 9, .ebx = 5},
     {.eax = 5, .ecx = 9, .ebx = 9, .eflags = PF | ZF}, FL_ARITH, 0},
    {"cmpxchg ebx, ecx: not equal", CODE(0x0F, 0xB1, 0xCB), {.eax = 5, .ecx = 9, .ebx = 6},
     {.eax = 6, .ecx = 9, .ebx = 6, .eflags = CF | PF | AF | SF}, FL_ARITH, 0},
    {"xchg eax, ebx", CODE(0x93), {.eax = 1, .ebx = 2}, {.eax = 2, .ebx = 1}, 0, 0},
    {"bswap eax", CODE(0x0F, 0xC8), {.eax = 0x12345678}, {.eax = 0x78563412}, 0, 0},
    {"nop dword [eax] (0F 1F /0)", CODE(0x0F, 0x1F, 0x00), {.eax = 1, .eflags = CF}, {.eax = 1, .eflags = CF},
     FL_ARITH, 0},
    /* ENDBR32 (F3 0F 1E FB) sits in the 0F 19..0F 1F hint-NOP space and runs
     * as a NOP on processors without CET; libgcc's i386 routines start with it */
    {"endbr32 is a NOP", CODE(0xF3, 0x0F, 0x1E, 0xFB), {.eax = 1, .eflags = CF}, {.eax = 1, .eflags = CF},
     FL_ARITH, 0},
};

/* ---- 64-bit integer arithmetic as gcc -m32 emits it -------------------------------- *
 * Operands: a = EDX:EAX, b = EBX:ECX (and EDI/ESI as the third word). */
static const struct insn_case wide_cases[] = {
    /* add eax, ecx ; adc edx, ebx */
    {"add64: 0x1_FFFFFFFF + 1", CODE(0x01, 0xC8, 0x11, 0xDA), {.eax = 0xFFFFFFFF, .edx = 1, .ecx = 1},
     {.eax = 0, .edx = 2, .ecx = 1, .eflags = 0}, FL_ARITH, 0},
    {"add64: 0xFFFFFFFF_FFFFFFFF + 1", CODE(0x01, 0xC8, 0x11, 0xDA),
     {.eax = 0xFFFFFFFF, .edx = 0xFFFFFFFF, .ecx = 1},
     {.eax = 0, .edx = 0, .ecx = 1, .eflags = CF | PF | AF | ZF}, FL_ARITH, 0},
    /* sub eax, ecx ; sbb edx, ebx */
    {"sub64: 0x1_00000000 - 1", CODE(0x29, 0xC8, 0x19, 0xDA), {.eax = 0, .edx = 1, .ecx = 1},
     {.eax = 0xFFFFFFFF, .edx = 0, .ecx = 1, .eflags = PF | ZF}, FL_ARITH, 0},
    {"sub64: 0x5_00000000 - 0x5_00000001", CODE(0x29, 0xC8, 0x19, 0xDA),
     {.eax = 0, .edx = 5, .ecx = 1, .ebx = 5},
     {.eax = 0xFFFFFFFF, .edx = 0xFFFFFFFF, .ecx = 1, .ebx = 5, .eflags = CF | PF | AF | SF}, FL_ARITH, 0},
    {"sub64: 9 - 10", CODE(0x29, 0xC8, 0x19, 0xDA), {.eax = 9, .ecx = 10},
     {.eax = 0xFFFFFFFF, .edx = 0xFFFFFFFF, .ecx = 10, .eflags = CF | PF | AF | SF}, FL_ARITH, 0},
    /* sub eax, ecx ; sbb edx, ebx ; sbb edi, esi: 0x2_00000000_00000000 - 0x1_00000000_00000001 */
    {"sub96: borrow through the middle word", CODE(0x29, 0xC8, 0x19, 0xDA, 0x19, 0xF7),
     {.eax = 0, .edx = 0, .edi = 2, .ecx = 1, .ebx = 0, .esi = 1},
     {.eax = 0xFFFFFFFF, .edx = 0xFFFFFFFF, .edi = 0, .ecx = 1, .esi = 1, .eflags = PF | ZF}, FL_ARITH, 0},
    /* u64 a < b: cmp eax, ecx ; sbb edx, ebx ; setb cl */
    {"cmp64 setb: 9 < 10", CODE(0x39, 0xC8, 0x19, 0xDA, 0x0F, 0x92, 0xC1), {.eax = 9, .ecx = 10},
     {.eax = 9, .edx = 0xFFFFFFFF, .ecx = 1, .eflags = CF | PF | AF | SF}, FL_ARITH, 0},
    {"cmp64 setb: 10 < 9", CODE(0x39, 0xC8, 0x19, 0xDA, 0x0F, 0x92, 0xC1), {.eax = 10, .ecx = 9},
     {.eax = 10, .edx = 0, .ecx = 0, .eflags = PF | ZF}, FL_ARITH, 0},
    {"cmp64 setb: 9 < 9", CODE(0x39, 0xC8, 0x19, 0xDA, 0x0F, 0x92, 0xC1), {.eax = 9, .ecx = 9},
     {.eax = 9, .edx = 0, .ecx = 0, .eflags = PF | ZF}, FL_ARITH, 0},
    {"cmp64 setb: 0x1_00000000 < 0xFFFFFFFF", CODE(0x39, 0xC8, 0x19, 0xDA, 0x0F, 0x92, 0xC1),
     {.eax = 0, .edx = 1, .ecx = 0xFFFFFFFF}, {.eax = 0, .edx = 0, .ecx = 0xFFFFFF00, .eflags = PF | ZF},
     FL_ARITH, 0},
    {"cmp64 setb: 0xFFFFFFFF < 0x1_00000000", CODE(0x39, 0xC8, 0x19, 0xDA, 0x0F, 0x92, 0xC1),
     {.eax = 0xFFFFFFFF, .edx = 0, .ecx = 0, .ebx = 1},
     {.eax = 0xFFFFFFFF, .edx = 0xFFFFFFFF, .ecx = 1, .ebx = 1, .eflags = CF | PF | AF | SF}, FL_ARITH, 0},
    {"cmp64 setb: 0x7_00000005 < 0x7_00000006", CODE(0x39, 0xC8, 0x19, 0xDA, 0x0F, 0x92, 0xC1),
     {.eax = 5, .edx = 7, .ecx = 6, .ebx = 7},
     {.eax = 5, .edx = 0xFFFFFFFF, .ecx = 1, .ebx = 7, .eflags = CF | PF | AF | SF}, FL_ARITH, 0},
    {"cmp64 setb: 2^64 - 2 < 2^64 - 1", CODE(0x39, 0xC8, 0x19, 0xDA, 0x0F, 0x92, 0xC1),
     {.eax = 0xFFFFFFFE, .edx = 0xFFFFFFFF, .ecx = 0xFFFFFFFF, .ebx = 0xFFFFFFFF},
     {.eax = 0xFFFFFFFE, .edx = 0xFFFFFFFF, .ecx = 0xFFFFFF01, .ebx = 0xFFFFFFFF,
          .eflags = CF | PF | AF | SF}, FL_ARITH, 0},
    /* kput_dec's loop test "9 < n" for n = EAX:ECX = 10:
     * mov ebx, 9 ; cmp ebx, ecx ; mov ebx, 0 ; sbb ebx, eax ; setb dl */
    {"kput_dec loop test: 9 < 10",
     CODE(0xBB, 0x09, 0x00, 0x00, 0x00, 0x39, 0xCB, 0xBB, 0x00, 0x00, 0x00, 0x00, 0x19, 0xC3, 0x0F, 0x92,
          0xC2), {.eax = 0, .ecx = 10},
     {.eax = 0, .ecx = 10, .edx = 1, .ebx = 0xFFFFFFFF, .eflags = CF | PF | AF | SF}, FL_ARITH, 0},
    {"kput_dec loop test: 9 < 9",
     CODE(0xBB, 0x09, 0x00, 0x00, 0x00, 0x39, 0xCB, 0xBB, 0x00, 0x00, 0x00, 0x00, 0x19, 0xC3, 0x0F, 0x92,
          0xC2), {.eax = 0, .ecx = 9}, {.eax = 0, .ecx = 9, .edx = 0, .ebx = 0, .eflags = PF | ZF}, FL_ARITH,
     0},
    /* neg eax ; adc edx, 0 ; neg edx */
    {"neg64: 1", CODE(0xF7, 0xD8, 0x83, 0xD2, 0x00, 0xF7, 0xDA), {.eax = 1, .edx = 0},
     {.eax = 0xFFFFFFFF, .edx = 0xFFFFFFFF, .eflags = CF | PF | AF | SF}, FL_ARITH, 0},
    {"neg64: 2^32", CODE(0xF7, 0xD8, 0x83, 0xD2, 0x00, 0xF7, 0xDA), {.eax = 0, .edx = 1},
     {.eax = 0, .edx = 0xFFFFFFFF, .eflags = CF | PF | AF | SF}, FL_ARITH, 0},
    /* u64 >> cl: shrd eax, edx, cl ; shr edx, cl ; test cl, 32 ; je +4 ; mov eax, edx ; xor edx, edx */
    {"u64 0x123456789ABCDEF0 >> 1",
     CODE(0x0F, 0xAD, 0xD0, 0xD3, 0xEA, 0xF6, 0xC1, 0x20, 0x74, 0x04, 0x89, 0xD0, 0x31, 0xD2),
     {.eax = 0x9ABCDEF0, .edx = 0x12345678, .ecx = 1}, {.eax = 0x4D5E6F78, .edx = 0x091A2B3C, .ecx = 1}, 0,
     0},
    {"u64 0x123456789ABCDEF0 >> 4",
     CODE(0x0F, 0xAD, 0xD0, 0xD3, 0xEA, 0xF6, 0xC1, 0x20, 0x74, 0x04, 0x89, 0xD0, 0x31, 0xD2),
     {.eax = 0x9ABCDEF0, .edx = 0x12345678, .ecx = 4}, {.eax = 0x89ABCDEF, .edx = 0x01234567, .ecx = 4}, 0,
     0},
    {"u64 0x123456789ABCDEF0 >> 31",
     CODE(0x0F, 0xAD, 0xD0, 0xD3, 0xEA, 0xF6, 0xC1, 0x20, 0x74, 0x04, 0x89, 0xD0, 0x31, 0xD2),
     {.eax = 0x9ABCDEF0, .edx = 0x12345678, .ecx = 31}, {.eax = 0x2468ACF1, .edx = 0x00000000, .ecx = 31}, 0,
     0},
    {"u64 0x123456789ABCDEF0 >> 32",
     CODE(0x0F, 0xAD, 0xD0, 0xD3, 0xEA, 0xF6, 0xC1, 0x20, 0x74, 0x04, 0x89, 0xD0, 0x31, 0xD2),
     {.eax = 0x9ABCDEF0, .edx = 0x12345678, .ecx = 32}, {.eax = 0x12345678, .edx = 0x00000000, .ecx = 32}, 0,
     0},
    {"u64 0x123456789ABCDEF0 >> 36",
     CODE(0x0F, 0xAD, 0xD0, 0xD3, 0xEA, 0xF6, 0xC1, 0x20, 0x74, 0x04, 0x89, 0xD0, 0x31, 0xD2),
     {.eax = 0x9ABCDEF0, .edx = 0x12345678, .ecx = 36}, {.eax = 0x01234567, .edx = 0x00000000, .ecx = 36}, 0,
     0},
    {"u64 0x123456789ABCDEF0 >> 63",
     CODE(0x0F, 0xAD, 0xD0, 0xD3, 0xEA, 0xF6, 0xC1, 0x20, 0x74, 0x04, 0x89, 0xD0, 0x31, 0xD2),
     {.eax = 0x9ABCDEF0, .edx = 0x12345678, .ecx = 63}, {.eax = 0x00000000, .edx = 0x00000000, .ecx = 63}, 0,
     0},
    /* u64 << cl: shld edx, eax, cl ; shl eax, cl ; test cl, 32 ; je +4 ; mov edx, eax ; xor eax, eax */
    {"u64 0x123456789ABCDEF0 << 1",
     CODE(0x0F, 0xA5, 0xC2, 0xD3, 0xE0, 0xF6, 0xC1, 0x20, 0x74, 0x04, 0x89, 0xC2, 0x31, 0xC0),
     {.eax = 0x9ABCDEF0, .edx = 0x12345678, .ecx = 1}, {.eax = 0x3579BDE0, .edx = 0x2468ACF1, .ecx = 1}, 0,
     0},
    {"u64 0x123456789ABCDEF0 << 4",
     CODE(0x0F, 0xA5, 0xC2, 0xD3, 0xE0, 0xF6, 0xC1, 0x20, 0x74, 0x04, 0x89, 0xC2, 0x31, 0xC0),
     {.eax = 0x9ABCDEF0, .edx = 0x12345678, .ecx = 4}, {.eax = 0xABCDEF00, .edx = 0x23456789, .ecx = 4}, 0,
     0},
    {"u64 0x123456789ABCDEF0 << 31",
     CODE(0x0F, 0xA5, 0xC2, 0xD3, 0xE0, 0xF6, 0xC1, 0x20, 0x74, 0x04, 0x89, 0xC2, 0x31, 0xC0),
     {.eax = 0x9ABCDEF0, .edx = 0x12345678, .ecx = 31}, {.eax = 0x00000000, .edx = 0x4D5E6F78, .ecx = 31}, 0,
     0},
    {"u64 0x123456789ABCDEF0 << 32",
     CODE(0x0F, 0xA5, 0xC2, 0xD3, 0xE0, 0xF6, 0xC1, 0x20, 0x74, 0x04, 0x89, 0xC2, 0x31, 0xC0),
     {.eax = 0x9ABCDEF0, .edx = 0x12345678, .ecx = 32}, {.eax = 0x00000000, .edx = 0x9ABCDEF0, .ecx = 32}, 0,
     0},
    {"u64 0x123456789ABCDEF0 << 40",
     CODE(0x0F, 0xA5, 0xC2, 0xD3, 0xE0, 0xF6, 0xC1, 0x20, 0x74, 0x04, 0x89, 0xC2, 0x31, 0xC0),
     {.eax = 0x9ABCDEF0, .edx = 0x12345678, .ecx = 40}, {.eax = 0x00000000, .edx = 0xBCDEF000, .ecx = 40}, 0,
     0},
    /* s64 >> cl: shrd eax, edx, cl ; sar edx, cl ; test cl, 32 ; je +5 ; mov eax, edx ; sar edx, 31 */
    {"s64 0x8000000000000010 >> 4",
     CODE(0x0F, 0xAD, 0xD0, 0xD3, 0xFA, 0xF6, 0xC1, 0x20, 0x74, 0x05, 0x89, 0xD0, 0xC1, 0xFA, 0x1F),
     {.eax = 0x00000010, .edx = 0x80000000, .ecx = 4}, {.eax = 0x00000001, .edx = 0xF8000000, .ecx = 4}, 0,
     0},
    {"s64 0x8000000000000010 >> 35",
     CODE(0x0F, 0xAD, 0xD0, 0xD3, 0xFA, 0xF6, 0xC1, 0x20, 0x74, 0x05, 0x89, 0xD0, 0xC1, 0xFA, 0x1F),
     {.eax = 0x00000010, .edx = 0x80000000, .ecx = 35}, {.eax = 0xF0000000, .edx = 0xFFFFFFFF, .ecx = 35}, 0,
     0},
};

/* ---- conditions: Jcc, SETcc, CMOVcc after each kind of flag-setting instruction ---- *
 * holds: bit cc set when condition cc (0 O, 1 NO, 2 B, 3 AE, 4 E, 5 NE, 6 BE,
 * 7 A, 8 S, 9 NS, 10 P, 11 NP, 12 L, 13 GE, 14 LE, 15 G) is true afterwards;
 * worked out from the flags (SDM Vol. 1 B.1). */
struct cc_case {
    const char *name;
    uint8_t code[8];
    size_t len;
    struct insn_in in;
    uint16_t holds;
};

static const struct cc_case cc_cases[] = {
    /* CF=1 ZF=0 SF=1 OF=0 PF=1 */
    {"cmp eax, ebx: 0, 1", CODE(0x39, 0xD8), {.eax = 0, .ebx = 1}, 0x5566},
    /* CF=0 ZF=0 SF=0 OF=1 PF=1: signed less, unsigned above */
    {"cmp eax, ebx: 0x80000000, 1", CODE(0x39, 0xD8), {.eax = 0x80000000, .ebx = 1}, 0x56A9},
    /* CF=1 ZF=0 SF=1 OF=1 PF=0: signed greater, unsigned below */
    {"cmp eax, ebx: 1, 0x80000000", CODE(0x39, 0xD8), {.eax = 1, .ebx = 0x80000000}, 0xA965},
    /* CF=0 ZF=1 SF=0 OF=0 PF=1 */
    {"cmp eax, ebx: -1, -1", CODE(0x39, 0xD8), {.eax = 0xFFFFFFFF, .ebx = 0xFFFFFFFF}, 0x665A},
    /* CF=1 ZF=0 SF=1 OF=1 PF=1 */
    {"cmp eax, ebx: 0x7FFFFFFF, -1", CODE(0x39, 0xD8), {.eax = 0x7FFFFFFF, .ebx = 0xFFFFFFFF}, 0xA565},
    /* CF=0 ZF=0 SF=1 OF=0 PF=1 */
    {"test eax, eax: 0x80000000", CODE(0x85, 0xC0), {.eax = 0x80000000, .eflags = CF | OF}, 0x55AA},
    /* CF=0 ZF=1 SF=0 OF=0 PF=1 */
    {"test eax, eax: 0", CODE(0x85, 0xC0), {.eax = 0, .eflags = CF | OF | SF}, 0x665A},
    /* as cmp 0, 1 */
    {"sbb eax, ebx: CF=1, 0 - 0 - 1", CODE(0x19, 0xD8), {.eax = 0, .ebx = 0, .eflags = CF}, 0x5566},
    /* CF=0 ZF=1 SF=0 OF=1 PF=1 */
    {"sbb eax, ebx: CF=1, 0x80000000 - 0x7FFFFFFF - 1", CODE(0x19, 0xD8),
     {.eax = 0x80000000, .ebx = 0x7FFFFFFF, .eflags = CF}, 0x5659},
    /* CF=0 ZF=0 SF=0 OF=1 PF=1 */
    {"sub eax, ebx: 0x80000000 - 1", CODE(0x29, 0xD8), {.eax = 0x80000000, .ebx = 1}, 0x56A9},
    /* CF=1 ZF=1 SF=0 OF=0 PF=1 */
    {"add eax, ebx: 0xFFFFFFFF + 1", CODE(0x01, 0xD8), {.eax = 0xFFFFFFFF, .ebx = 1}, 0x6656},
    /* CF=0 ZF=0 SF=1 OF=1 PF=1 */
    {"adc eax, ebx: CF=1, 0x7FFFFFFF + 0 + 1", CODE(0x11, 0xD8), {.eax = 0x7FFFFFFF, .eflags = CF}, 0xA5A9},
    /* CF=1 (kept) ZF=0 SF=1 OF=1 PF=1 */
    {"inc eax: CF=1, 0x7FFFFFFF", CODE(0x40), {.eax = 0x7FFFFFFF, .eflags = CF}, 0xA565},
    /* CF=0 (kept) ZF=0 SF=1 OF=0 PF=1 */
    {"dec eax: CF=0, 0", CODE(0x48), {.eax = 0}, 0x55AA},
    /* CF=1 ZF=0 SF=1 OF=1 PF=1 */
    {"neg eax: 0x80000000", CODE(0xF7, 0xD8), {.eax = 0x80000000}, 0xA565},
    /* CF=1 ZF=1 SF=0 OF=0 (MSB of 1) PF=1 */
    {"shr eax, 1: 1", CODE(0xD1, 0xE8), {.eax = 1}, 0x6656},
    /* every arithmetic flag set */
    {"push 0x8D5 ; popfd", CODE(0x68, 0xD5, 0x08, 0x00, 0x00, 0x9D), {.eax = 0}, 0x6555},
};

/* clang-format on */

/* ---- running the tables ---------------------------------------------------------- */
/* One CPU for the whole suite (an unchecked fixture: check forks every test
 * from it, and each run loads its code and registers afresh anyway); this
 * keeps the 64 MB code cache from being allocated once per case. */
static struct harness h;

static void setup(void)
{
    ck_assert_int_eq(harness_init(&h), 0);
}

static void teardown(void)
{
    harness_free(&h);
}

static uint32_t in_reg(const struct insn_in *v, int r)
{
    switch (r) {
    case R_EAX:
        return v->eax;
    case R_ECX:
        return v->ecx;
    case R_EDX:
        return v->edx;
    case R_EBX:
        return v->ebx;
    case R_ESI:
        return v->esi;
    default:
        return v->edi;
    }
}

static void check_case(const struct insn_case *c)
{
    static const int regs[] = {R_EAX, R_ECX, R_EDX, R_EBX, R_ESI, R_EDI};
    static const char *const names[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
    struct cpu_regs r;
    enum cpu_exit why = harness_insn(&h, c->code, c->len, &c->in, &r);
    ck_assert_msg(why == CPU_EXIT_HALT, "%s: did not reach HLT (exit %d, eip %08x)", c->name, (int)why,
                  r.eip);
    for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++) {
        int n = regs[i];
        if (c->skip_regs & (1u << n))
            continue;
        ck_assert_msg(r.gpr[n] == in_reg(&c->out, n), "%s: %s = %08x, expected %08x", c->name, names[n],
                      r.gpr[n], in_reg(&c->out, n));
    }
    uint32_t got = r.eflags & c->flags_mask, want = c->out.eflags & c->flags_mask;
    ck_assert_msg(got == want, "%s: flags %03x, expected %03x (of %03x)", c->name, got, want, c->flags_mask);
}

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

#define TABLE_TEST(NAME, TABLE)                                                                              \
    START_TEST(NAME)                                                                                         \
    {                                                                                                        \
        check_case(&TABLE[_i]);                                                                              \
    }                                                                                                        \
    END_TEST

TABLE_TEST(test_add_adc, add_cases)
TABLE_TEST(test_sub_sbb_cmp, sub_cases)
TABLE_TEST(test_logic, logic_cases)
TABLE_TEST(test_inc_dec_neg, incdec_cases)
TABLE_TEST(test_mul_div, muldiv_cases)
TABLE_TEST(test_shifts, shift_cases)
TABLE_TEST(test_bits, bit_cases)
TABLE_TEST(test_misc, misc_cases)
TABLE_TEST(test_wide_arith, wide_cases)

/* every condition after each case, through SETcc, CMOVcc and both Jcc forms */
START_TEST(test_conditions)
{
    const struct cc_case *c = &cc_cases[_i];
    for (unsigned cc = 0; cc < 16; cc++) {
        int want = (c->holds >> cc) & 1;
        struct insn_in in = c->in;
        struct cpu_regs r;
        uint8_t code[32];
        memcpy(code, c->code, c->len);

        /* setcc cl */
        const uint8_t setcc[] = {0x0F, (uint8_t)(0x90 + cc), 0xC1};
        memcpy(code + c->len, setcc, sizeof setcc);
        in.ecx = 0x12345678;
        ck_assert_int_eq(harness_insn(&h, code, c->len + sizeof setcc, &in, &r), CPU_EXIT_HALT);
        ck_assert_msg(r.gpr[R_ECX] == (0x12345600u | (uint32_t)want), "%s: setcc %u gave ecx %08x", c->name,
                      cc, r.gpr[R_ECX]);

        /* cmovcc ecx, edx */
        const uint8_t cmov[] = {0x0F, (uint8_t)(0x40 + cc), 0xCA};
        memcpy(code + c->len, cmov, sizeof cmov);
        in.ecx = 0x11111111;
        in.edx = 0x22222222;
        ck_assert_int_eq(harness_insn(&h, code, c->len + sizeof cmov, &in, &r), CPU_EXIT_HALT);
        ck_assert_msg(r.gpr[R_ECX] == (want ? 0x22222222u : 0x11111111u), "%s: cmov %u gave ecx %08x",
                      c->name, cc, r.gpr[R_ECX]);

        /* jcc +3 ; mov cl, 0 ; hlt ; mov cl, 1 (harness_insn adds the last HLT) */
        const uint8_t jshort[] = {(uint8_t)(0x70 + cc), 0x03, 0xB1, 0x00, 0xF4, 0xB1, 0x01};
        memcpy(code + c->len, jshort, sizeof jshort);
        in.ecx = 0xFFFFFFFF;
        ck_assert_int_eq(harness_insn(&h, code, c->len + sizeof jshort, &in, &r), CPU_EXIT_HALT);
        ck_assert_msg((r.gpr[R_ECX] & 0xFF) == (uint32_t)want, "%s: jcc rel8 %u", c->name, cc);

        const uint8_t jnear[] = {0x0F, (uint8_t)(0x80 + cc), 0x03, 0x00, 0x00, 0x00, 0xB1, 0x00, 0xF4, 0xB1,
                                 0x01};
        memcpy(code + c->len, jnear, sizeof jnear);
        ck_assert_int_eq(harness_insn(&h, code, c->len + sizeof jnear, &in, &r), CPU_EXIT_HALT);
        ck_assert_msg((r.gpr[R_ECX] & 0xFF) == (uint32_t)want, "%s: jcc rel32 %u", c->name, cc);
    }
}
END_TEST

/* SHLD/SHRD r32, r32, imm8 and CL for every count 1..31 against the SDM's
 * definition: the destination shifted as the high (SHLD) or low (SHRD) half
 * of DEST:SRC resp. SRC:DEST, CF = the last bit shifted out of DEST */
START_TEST(test_shld_shrd_all_counts)
{
    const uint32_t dst = 0x89ABCDEF, src = 0x01234567;
    for (unsigned n = 1; n < 32; n++) {
        uint64_t left = ((uint64_t)dst << 32 | src) << n, right = ((uint64_t)src << 32 | dst) >> n;
        const uint32_t want[2] = {(uint32_t)(left >> 32), (uint32_t)right};
        const uint32_t want_cf[2] = {(dst >> (32 - n)) & 1, (dst >> (n - 1)) & 1};
        for (int dir = 0; dir < 2; dir++) {
            for (int by_cl = 0; by_cl < 2; by_cl++) {
                /* shld/shrd eax, ebx, imm8 (0F A4/AC D8 ib) or cl (0F A5/AD D8) */
                uint8_t code[4] = {0x0F, (uint8_t)((dir ? 0xAC : 0xA4) + by_cl), 0xD8, (uint8_t)n};
                struct insn_in in = {.eax = dst, .ebx = src, .ecx = by_cl ? n : 0};
                struct cpu_regs r;
                ck_assert_int_eq(harness_insn(&h, code, by_cl ? 3 : 4, &in, &r), CPU_EXIT_HALT);
                ck_assert_msg(r.gpr[R_EAX] == want[dir], "%s by %u (%s): %08x, expected %08x",
                              dir ? "shrd" : "shld", n, by_cl ? "cl" : "imm", r.gpr[R_EAX], want[dir]);
                ck_assert_msg((r.eflags & FL_CF) == want_cf[dir], "%s by %u: CF", dir ? "shrd" : "shld", n);
                ck_assert_msg(!(r.eflags & FL_ZF) == (want[dir] != 0), "%s by %u: ZF", dir ? "shrd" : "shld",
                              n);
                ck_assert_msg(!!(r.eflags & FL_SF) == (want[dir] >> 31), "%s by %u: SF",
                              dir ? "shrd" : "shld", n);
            }
        }
    }
}
END_TEST

/* ---- programs (nasm, org 0x10000) ------------------------------------------------ */
static const uint8_t stack_ops[] = {
    0xB8, 0xDD, 0xCC, 0xBB, 0xAA,       /* mov eax, 0xAABBCCDD */
    0x68, 0x44, 0x33, 0x22, 0x11,       /* push 0x11223344 */
    0x50,                               /* push eax */
    0x5B,                               /* pop ebx */
    0x59,                               /* pop ecx */
    0x6A, 0x02,                         /* push 2 */
    0x6A, 0x01,                         /* push 1 */
    0xE8, 0x09, 0x00, 0x00, 0x00,       /* call callee */
    0x89, 0xE6,                         /* after_call: mov esi, esp */
    0xFF, 0x15, 0x29, 0x00, 0x01, 0x00, /* call dword [ind_target] */
    0xF4,                               /* hlt */
    0x8B, 0x14, 0x24,                   /* callee: mov edx, [esp] */
    0x8B, 0x7C, 0x24, 0x04,             /* mov edi, [esp+4] */
    0xC2, 0x08, 0x00,                   /* ret 8 */
    0x2D, 0x00, 0x01, 0x00,             /* ind_target: dd callee2 */
    0x8B, 0x2C, 0x24,                   /* callee2: mov ebp, [esp] */
    0xC3,                               /* ret */
};
static const uint8_t push_pop_mem[] = {
    0xC7, 0x05, 0x00, 0x00, 0x02, 0x00, 0xBE, 0xBA, 0xFE, 0xCA, /* mov dword [0x20000], 0xCAFEBABE */
    0xFF, 0x35, 0x00, 0x00, 0x02, 0x00,                         /* push dword [0x20000] */
    0x8F, 0x05, 0x04, 0x00, 0x02, 0x00,                         /* pop dword [0x20004] */
    0xA1, 0x04, 0x00, 0x02, 0x00,                               /* mov eax, [0x20004] */
    0xBB, 0x78, 0x56, 0x34, 0x12,                               /* mov ebx, 0x12345678 */
    0xB9, 0xF0, 0xDE, 0xBC, 0x9A,                               /* mov ecx, 0x9ABCDEF0 */
    0x60,                                                       /* pushad */
    0xBB, 0x00, 0x00, 0x00, 0x00,                               /* mov ebx, 0 */
    0xB9, 0x00, 0x00, 0x00, 0x00,                               /* mov ecx, 0 */
    0x61,                                                       /* popad */
    0x68, 0xD5, 0x08, 0x00, 0x00,                               /* push 0x8D5 */
    0x9D,                                                       /* popfd */
    0x9C,                                                       /* pushfd */
    0x5A,                                                       /* pop edx */
    0x55,                                                       /* push ebp */
    0x89, 0xE5,                                                 /* mov ebp, esp */
    0x83, 0xEC, 0x10,                                           /* sub esp, 16 */
    0xC7, 0x45, 0xFC, 0x07, 0x00, 0x00, 0x00,                   /* mov dword [ebp-4], 7 */
    0x8B, 0x75, 0xFC,                                           /* mov esi, [ebp-4] */
    0xC9,                                                       /* leave */
    0x89, 0xE7,                                                 /* mov edi, esp */
    0xF4,                                                       /* hlt */
};
static const uint8_t rep_movs[] = {
    0xC7, 0x05, 0x00, 0x00, 0x02, 0x00, 0x41, 0x42, 0x43, 0x44, /* mov dword [src], 0x44434241 */
    0xC7, 0x05, 0x04, 0x00, 0x02, 0x00, 0x45, 0x46, 0x47, 0x48, /* mov dword [src+4], 0x48474645 */
    0xC7, 0x05, 0x08, 0x00, 0x02, 0x00, 0x49, 0x4A, 0x4B, 0x4C, /* mov dword [src+8], 0x4C4B4A49 */
    0xC7, 0x05, 0x0C, 0x00, 0x02, 0x00, 0x4D, 0x4E, 0x4F, 0x50, /* mov dword [src+12], 0x504F4E4D */
    0xFC,                                                       /* cld */
    0xBE, 0x00, 0x00, 0x02, 0x00,                               /* mov esi, src */
    0xBF, 0x00, 0x01, 0x02, 0x00,                               /* mov edi, dst */
    0xB9, 0x07, 0x00, 0x00, 0x00,                               /* mov ecx, 7 */
    0xF3, 0xA4,                                                 /* rep movsb */
    0xA1, 0x00, 0x01, 0x02, 0x00,                               /* mov eax, [dst] */
    0x8B, 0x1D, 0x04, 0x01, 0x02, 0x00,                         /* mov ebx, [dst+4] */
    0xFD,                                                       /* std */
    0xBE, 0x0C, 0x00, 0x02, 0x00,                               /* mov esi, src+12 */
    0xBF, 0x2C, 0x01, 0x02, 0x00,                               /* mov edi, dst+0x2C */
    0xB9, 0x04, 0x00, 0x00, 0x00,                               /* mov ecx, 4 */
    0xF3, 0xA5,                                                 /* rep movsd */
    0xFC,                                                       /* cld */
    0x8B, 0x15, 0x20, 0x01, 0x02, 0x00,                         /* mov edx, [dst+0x20] */
    0x8B, 0x2D, 0x2C, 0x01, 0x02, 0x00,                         /* mov ebp, [dst+0x2C] */
    0xF4,                                                       /* hlt */
};
static const uint8_t rep_stos_down[] = {
    0xC7, 0x05, 0xFC, 0x01, 0x02, 0x00, 0x11, 0x11, 0x11, 0x11, /* mov dword [buf-4], 0x11111111 */
    0xC7, 0x05, 0x00, 0x02, 0x02, 0x00, 0x22, 0x22, 0x22, 0x22, /* mov dword [buf], 0x22222222 */
    0xC7, 0x05, 0x04, 0x02, 0x02, 0x00, 0x33, 0x33, 0x33, 0x33, /* mov dword [buf+4], 0x33333333 */
    0xC7, 0x05, 0x08, 0x02, 0x02, 0x00, 0x44, 0x44, 0x44, 0x44, /* mov dword [buf+8], 0x44444444 */
    0xFD,                                                       /* std */
    0xBF, 0x06, 0x02, 0x02, 0x00,                               /* mov edi, buf+6 */
    0xB9, 0x06, 0x00, 0x00, 0x00,                               /* mov ecx, 6 */
    0xB0, 0x78,                                                 /* mov al, 0x78 */
    0xF3, 0xAA,                                                 /* rep stosb */
    0x8B, 0x1D, 0x00, 0x02, 0x02, 0x00,                         /* mov ebx, [buf] */
    0x8B, 0x15, 0x04, 0x02, 0x02, 0x00,                         /* mov edx, [buf+4] */
    0x8B, 0x35, 0xFC, 0x01, 0x02, 0x00,                         /* mov esi, [buf-4] */
    0xFD,                                                       /* std */
    0xBF, 0x08, 0x02, 0x02, 0x00,                               /* mov edi, buf+8 */
    0xB9, 0x02, 0x00, 0x00, 0x00,                               /* mov ecx, 2 */
    0xB8, 0xA5, 0xA5, 0xA5, 0xA5,                               /* mov eax, 0xA5A5A5A5 */
    0xF3, 0x66, 0xAB,                                           /* rep stosw */
    0xFC,                                                       /* cld */
    0x8B, 0x2D, 0x04, 0x02, 0x02, 0x00,                         /* mov ebp, [buf+4] */
    0x8B, 0x0D, 0x08, 0x02, 0x02, 0x00,                         /* mov ecx, [buf+8] */
    0xF4,                                                       /* hlt */
};
static const uint8_t scas_cmps[] = {
    0xC7, 0x05, 0x00, 0x03, 0x02, 0x00, 0x68, 0x65, 0x6C, 0x6C, /* mov dword [str1], 0x6C6C6568 */
    0xC7, 0x05, 0x04, 0x03, 0x02, 0x00, 0x6F, 0x00, 0x00, 0x00, /* mov dword [str1+4], 0x0000006F */
    0xC7, 0x05, 0x10, 0x03, 0x02, 0x00, 0x61, 0x72, 0x58, 0x64, /* mov dword [str2], 0x64587261 */
    0xFC,                                                       /* cld */
    0xBF, 0x00, 0x03, 0x02, 0x00,                               /* mov edi, str1 */
    0xB9, 0xFF, 0xFF, 0xFF, 0xFF,                               /* mov ecx, 0xFFFFFFFF */
    0x31, 0xC0,                                                 /* xor eax, eax */
    0xF2, 0xAE,                                                 /* repne scasb */
    0x89, 0xCB,                                                 /* mov ebx, ecx */
    0xF7, 0xD3,                                                 /* not ebx */
    0x4B,                                                       /* dec ebx */
    0x89, 0xFA,                                                 /* mov edx, edi */
    0xC7, 0x05, 0x00, 0x03, 0x02, 0x00, 0x61, 0x72, 0x59, 0x64, /* mov dword [str1], 0x64597261 */
    0xBE, 0x10, 0x03, 0x02, 0x00,                               /* mov esi, str2 */
    0xBF, 0x00, 0x03, 0x02, 0x00,                               /* mov edi, str1 */
    0xB9, 0x04, 0x00, 0x00, 0x00,                               /* mov ecx, 4 */
    0xF3, 0xA6,                                                 /* repe cmpsb */
    0x9C,                                                       /* pushfd */
    0x58,                                                       /* pop eax */
    0x89, 0xCD,                                                 /* mov ebp, ecx */
    0xF4,                                                       /* hlt */
};
static const uint8_t lods_down[] = {
    0xC7, 0x05, 0x00, 0x04, 0x02, 0x00, 0x11, 0x11, 0x11, 0x11, /* mov dword [buf], 0x11111111 */
    0xC7, 0x05, 0x04, 0x04, 0x02, 0x00, 0x22, 0x22, 0x22, 0x22, /* mov dword [buf+4], 0x22222222 */
    0xC7, 0x05, 0x08, 0x04, 0x02, 0x00, 0x33, 0x33, 0x33, 0x33, /* mov dword [buf+8], 0x33333333 */
    0xFD,                                                       /* std */
    0xBE, 0x08, 0x04, 0x02, 0x00,                               /* mov esi, buf+8 */
    0xAD,                                                       /* lodsd */
    0x89, 0xC3,                                                 /* mov ebx, eax */
    0xAD,                                                       /* lodsd */
    0x89, 0xC1,                                                 /* mov ecx, eax */
    0xAC,                                                       /* lodsb */
    0x89, 0xF2,                                                 /* mov edx, esi */
    0xFC,                                                       /* cld */
    0xBF, 0x11, 0x04, 0x02, 0x00,                               /* mov edi, buf+0x11 */
    0xC6, 0x05, 0x10, 0x04, 0x02, 0x00, 0x51,                   /* mov byte [buf+0x10], 'Q' */
    0xBE, 0x10, 0x04, 0x02, 0x00,                               /* mov esi, buf+0x10 */
    0xB9, 0x07, 0x00, 0x00, 0x00,                               /* mov ecx, 7 */
    0xF3, 0xA4,                                                 /* rep movsb */
    0x8B, 0x2D, 0x14, 0x04, 0x02, 0x00,                         /* mov ebp, [buf+0x14] */
    0xF4,                                                       /* hlt */
};
static const uint8_t div_fault[] = {
    0x0F, 0x01, 0x15, 0x57, 0x00, 0x01, 0x00,             /* lgdt [gdt_desc] */
    0x0F, 0x01, 0x1D, 0x5D, 0x00, 0x01, 0x00,             /* lidt [idt_desc] */
    0xB8, 0x4F, 0x00, 0x01, 0x00,                         /* mov eax, de_handler */
    0x66, 0xA3, 0x00, 0x00, 0x03, 0x00,                   /* mov [idt], ax */
    0x66, 0xC7, 0x05, 0x02, 0x00, 0x03, 0x00, 0x08, 0x00, /* mov word [idt+2], 0x08 */
    0x66, 0xC7, 0x05, 0x04, 0x00, 0x03, 0x00, 0x00, 0x8E, /* mov word [idt+4], 0x8E00 */
    0xC1, 0xE8, 0x10,                                     /* shr eax, 16 */
    0x66, 0xA3, 0x06, 0x00, 0x03, 0x00,                   /* mov [idt+6], ax */
    0x8B, 0x1D, 0x00, 0x00, 0x02, 0x00,                   /* mov ebx, [0x20000] */
    0xB8, 0x11, 0x11, 0x11, 0x11,                         /* mov eax, 0x11111111 */
    0xBA, 0x22, 0x22, 0x22, 0x22,                         /* mov edx, 0x22222222 */
    0xB9, 0x33, 0x33, 0x33, 0x33,                         /* mov ecx, 0x33333333 */
    0x89, 0xE6,                                           /* mov esi, esp */
    0xF9,                                                 /* stc */
    0xF7, 0xF3,                                           /* fault: div ebx */
    0xF4,                                                 /* hlt */
    0x8B, 0x3C, 0x24,                                     /* de_handler: mov edi, [esp] */
    0x8B, 0x6C, 0x24, 0x04,                               /* mov ebp, [esp+4] */
    0xF4,                                                 /* hlt */
    0x17, 0x00,                                           /* gdt_desc: dw 23 */
    0x63, 0x00, 0x01, 0x00,                               /* dd gdt */
    0xFF, 0x07,                                           /* idt_desc: dw 0x7FF */
    0x00, 0x00, 0x03, 0x00,                               /* dd idt */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,       /* gdt: dq 0 */
    0xFF, 0xFF, 0x00, 0x00, 0x00, 0x9A, 0xCF, 0x00,       /* dq 0x00CF9A000000FFFF */
    0xFF, 0xFF, 0x00, 0x00, 0x00, 0x92, 0xCF, 0x00,       /* dq 0x00CF92000000FFFF */
};

START_TEST(test_push_pop_call_ret)
{
    struct cpu_regs r;
    ck_assert_int_eq(harness_exec(&h, stack_ops, sizeof stack_ops, &r), CPU_EXIT_HALT);
    ck_assert_uint_eq(r.gpr[R_EBX], 0xAABBCCDD);
    ck_assert_uint_eq(r.gpr[R_ECX], 0x11223344);
    ck_assert_uint_eq(r.gpr[R_EDX], 0x10016);       /* return address pushed by CALL rel32 */
    ck_assert_uint_eq(r.gpr[R_EDI], 1);             /* the last argument pushed */
    ck_assert_uint_eq(r.gpr[R_ESI], HARNESS_STACK); /* RET 8 popped the arguments */
    ck_assert_uint_eq(r.gpr[R_EBP], 0x1001E);       /* return address pushed by CALL [m32] */
    ck_assert_uint_eq(r.gpr[R_ESP], HARNESS_STACK);
    ck_assert_uint_eq(r.eip, 0x1001F);
}
END_TEST

START_TEST(test_push_pop_memory_pusha_pushf_leave)
{
    struct cpu_regs r;
    ck_assert_int_eq(harness_exec(&h, push_pop_mem, sizeof push_pop_mem, &r), CPU_EXIT_HALT);
    ck_assert_uint_eq(r.gpr[R_EAX], 0xCAFEBABE);
    ck_assert_uint_eq(r.gpr[R_EBX], 0x12345678); /* restored by POPAD */
    ck_assert_uint_eq(r.gpr[R_ECX], 0x9ABCDEF0);
    ck_assert_uint_eq(r.gpr[R_EDX], 0x8D7); /* EFLAGS bit 1 always reads 1 */
    ck_assert_uint_eq(r.gpr[R_ESI], 7);
    ck_assert_uint_eq(r.gpr[R_EDI], HARNESS_STACK); /* LEAVE */
    ck_assert_uint_eq(r.gpr[R_EBP], 0);
    ck_assert_uint_eq(r.gpr[R_ESP], HARNESS_STACK);
    /* sub esp, 16: 0x7FFFC - 0x10 = 0x7FFEC, 0xEC has odd parity */
    ck_assert_uint_eq(r.eflags & FL_ARITH, 0);
}
END_TEST

/* Which EFLAGS bits a model lets POPFD toggle: AC (bit 18) from the 486 on,
 * ID (bit 21) on CPUs with CPUID (SDM Vol. 1 19.1, the detection sequence
 * of Intel's CPUID application note AP-485).  The 486 model is a DX4,
 * which has CPUID. */
static const uint8_t toggle_ac_id[] = {
    0x9C,                         /* pushfd */
    0x58,                         /* pop eax */
    0x89, 0xC1,                   /* mov ecx, eax */
    0x35, 0x00, 0x00, 0x24, 0x00, /* xor eax, 0x240000 */
    0x50,                         /* push eax */
    0x9D,                         /* popfd */
    0x9C,                         /* pushfd */
    0x58,                         /* pop eax */
    0x31, 0xC8,                   /* xor eax, ecx: the bits that toggled */
    0xF4,                         /* hlt */
};

static uint32_t toggled_flags(enum cpu_model model)
{
    struct cpu_host host = {.mem = &h.pm, .bus = h.bus};
    struct cpu *orig = h.cpu;
    h.cpu = cpu_new(&host, model);
    ck_assert_ptr_nonnull(h.cpu);
    struct cpu_regs r;
    ck_assert_int_eq(harness_exec(&h, toggle_ac_id, sizeof toggle_ac_id, &r), CPU_EXIT_HALT);
    cpu_free(h.cpu);
    h.cpu = orig;
    return r.gpr[R_EAX];
}

START_TEST(test_eflags_ac_id_by_model)
{
    ck_assert_uint_eq(toggled_flags(CPU_MODEL_386), 0);
    ck_assert_uint_eq(toggled_flags(CPU_MODEL_486), 0x240000);
    ck_assert_uint_eq(toggled_flags(CPU_MODEL_PENTIUM), 0x240000);
    ck_assert_uint_eq(toggled_flags(CPU_MODEL_PENTIUM2), 0x240000);
}
END_TEST

START_TEST(test_rep_movs_forward_and_down)
{
    struct cpu_regs r;
    ck_assert_int_eq(harness_exec(&h, rep_movs, sizeof rep_movs, &r), CPU_EXIT_HALT);
    ck_assert_uint_eq(r.gpr[R_EAX], 0x44434241); /* "ABCD" */
    ck_assert_uint_eq(r.gpr[R_EBX], 0x00474645); /* "EFG", the 8th byte untouched */
    ck_assert_uint_eq(r.gpr[R_EDX], 0x44434241); /* dwords copied from the top down */
    ck_assert_uint_eq(r.gpr[R_EBP], 0x504F4E4D);
    ck_assert_uint_eq(r.gpr[R_ECX], 0);
    ck_assert_uint_eq(r.gpr[R_ESI], 0x1FFFC);
    ck_assert_uint_eq(r.gpr[R_EDI], 0x2011C);
    ck_assert_uint_eq(r.eflags & FL_DF, 0);
}
END_TEST

START_TEST(test_rep_stos_down)
{
    struct cpu_regs r;
    ck_assert_int_eq(harness_exec(&h, rep_stos_down, sizeof rep_stos_down, &r), CPU_EXIT_HALT);
    ck_assert_uint_eq(r.gpr[R_EBX], 0x78787822); /* bytes buf+1..buf+6 */
    ck_assert_uint_eq(r.gpr[R_EDX], 0x33787878);
    ck_assert_uint_eq(r.gpr[R_ESI], 0x11111111); /* nothing below buf+1 */
    ck_assert_uint_eq(r.gpr[R_EBP], 0xA5A57878); /* words at buf+8 and buf+6 */
    ck_assert_uint_eq(r.gpr[R_ECX], 0x4444A5A5);
    ck_assert_uint_eq(r.gpr[R_EDI], 0x20204);
}
END_TEST

START_TEST(test_repne_scasb_repe_cmpsb)
{
    struct cpu_regs r;
    ck_assert_int_eq(harness_exec(&h, scas_cmps, sizeof scas_cmps, &r), CPU_EXIT_HALT);
    ck_assert_uint_eq(r.gpr[R_EBX], 5);       /* strlen("hello") */
    ck_assert_uint_eq(r.gpr[R_EDX], 0x20306); /* one past the NUL */
    /* "arXd" vs "arYd": stops after the third byte; 'X' - 'Y' = 0xFF */
    ck_assert_uint_eq(r.gpr[R_EBP], 1);
    ck_assert_uint_eq(r.gpr[R_ESI], 0x20313);
    ck_assert_uint_eq(r.gpr[R_EDI], 0x20303);
    ck_assert_uint_eq(r.gpr[R_EAX], 0x97); /* CF PF AF SF, bit 1 */
}
END_TEST

START_TEST(test_lods_down_and_overlapping_movsb)
{
    struct cpu_regs r;
    ck_assert_int_eq(harness_exec(&h, lods_down, sizeof lods_down, &r), CPU_EXIT_HALT);
    ck_assert_uint_eq(r.gpr[R_EBX], 0x33333333);
    ck_assert_uint_eq(r.gpr[R_EAX], 0x22222211); /* LODSB replaces AL only */
    ck_assert_uint_eq(r.gpr[R_EDX], 0x203FF);
    /* a forward copy one byte up replicates the first byte */
    ck_assert_uint_eq(r.gpr[R_EBP], 0x51515151);
    ck_assert_uint_eq(r.gpr[R_ESI], 0x20417);
    ck_assert_uint_eq(r.gpr[R_EDI], 0x20418);
}
END_TEST

/* #DE is a fault (SDM Vol. 3A 6.15): the handler sees the DIV's own EIP and
 * every register as it was before the DIV */
static void check_divide_error(uint32_t divisor)
{
    struct cpu_regs r;
    physmem_write(&h.pm, 0x20000, divisor, 4);
    ck_assert_int_eq(harness_exec(&h, div_fault, sizeof div_fault, &r), CPU_EXIT_HALT);
    ck_assert_uint_eq(r.gpr[R_EDI], 0x1004C); /* saved EIP: the DIV */
    ck_assert_uint_eq(r.gpr[R_EBP], 0x08);    /* saved CS */
    ck_assert_uint_eq(r.gpr[R_EAX], 0x11111111);
    ck_assert_uint_eq(r.gpr[R_EDX], 0x22222222);
    ck_assert_uint_eq(r.gpr[R_ECX], 0x33333333);
    ck_assert_uint_eq(r.gpr[R_EBX], divisor);
    ck_assert_uint_eq(r.gpr[R_ESP], r.gpr[R_ESI] - 12); /* EFLAGS CS EIP, no error code */
    uint32_t saved_flags;
    memcpy(&saved_flags, h.pm.ram + r.gpr[R_ESP] + 8, 4);
    ck_assert_uint_eq(saved_flags & FL_CF, FL_CF); /* from the STC before the DIV */
}

START_TEST(test_div_quotient_overflow_faults_precisely)
{
    check_divide_error(0x10); /* 0x22222222_11111111 / 0x10 needs 33 bits */
}
END_TEST

START_TEST(test_div_by_zero_faults_precisely)
{
    check_divide_error(0);
}
END_TEST

/* ---- gcc's own code: printing and dividing 64-bit values --------------------------- */

/* kput_dec(u64 value in EDX:EAX) from the shared benchmark kernel
 * (/work/shared/bench, gcc -O2 -m32 -mregparm=3), bytes 0x1001d0..0x1002d5
 * of int_alu.elf: divides by 10 with a multiply by 0xCCCCCCCD, loops while
 * 9 < n as a 64-bit CMP/SBB/JB, then writes the digits to ports 0x3F8 and
 * 0xE9 (the line status port reads as open bus 0xFF: always ready).
 * Offsets are from the start of the function. */
static const uint8_t kput_dec_code[] = {
    /* 000 */ 0x55,                                     /* push ebp */
    /* 001 */ 0x31, 0xED,                               /* xor ebp,ebp */
    /* 003 */ 0x57,                                     /* push edi */
    /* 004 */ 0x89, 0xD7,                               /* mov edi,edx */
    /* 006 */ 0x56,                                     /* push esi */
    /* 007 */ 0x89, 0xC6,                               /* mov esi,eax */
    /* 009 */ 0x53,                                     /* push ebx */
    /* 00a */ 0x83, 0xEC, 0x34,                         /* sub esp,0x34 */
    /* 00d */ 0x8D, 0x76, 0x00,                         /* lea esi,[esi+0x0] */
    /* 010 */ 0x89, 0xF1,                               /* mov ecx,esi */
    /* 012 */ 0x31, 0xC0,                               /* xor eax,eax */
    /* 014 */ 0x01, 0xF9,                               /* add ecx,edi */
    /* 016 */ 0x0F, 0x82, 0xDF, 0x00, 0x00, 0x00,       /* jb +0x0fb */
    /* 01c */ 0x01, 0xC1,                               /* add ecx,eax */
    /* 01e */ 0xB8, 0xCD, 0xCC, 0xCC, 0xCC,             /* mov eax,0xcccccccd */
    /* 023 */ 0xF7, 0xE1,                               /* mul ecx */
    /* 025 */ 0x31, 0xDB,                               /* xor ebx,ebx */
    /* 027 */ 0x89, 0x5C, 0x24, 0x0C,                   /* mov dword [esp+0xc],ebx */
    /* 02b */ 0x89, 0xD0,                               /* mov eax,edx */
    /* 02d */ 0x83, 0xE2, 0xFC,                         /* and edx,0xfffffffc */
    /* 030 */ 0xC1, 0xE8, 0x02,                         /* shr eax,0x2 */
    /* 033 */ 0x01, 0xC2,                               /* add edx,eax */
    /* 035 */ 0x89, 0xF0,                               /* mov eax,esi */
    /* 037 */ 0x29, 0xD1,                               /* sub ecx,edx */
    /* 039 */ 0x89, 0xFA,                               /* mov edx,edi */
    /* 03b */ 0x89, 0x4C, 0x24, 0x08,                   /* mov dword [esp+0x8],ecx */
    /* 03f */ 0x29, 0xC8,                               /* sub eax,ecx */
    /* 041 */ 0x19, 0xDA,                               /* sbb edx,ebx */
    /* 043 */ 0xBB, 0xCD, 0xCC, 0xCC, 0xCC,             /* mov ebx,0xcccccccd */
    /* 048 */ 0x89, 0xD1,                               /* mov ecx,edx */
    /* 04a */ 0x89, 0xC2,                               /* mov edx,eax */
    /* 04c */ 0x89, 0x14, 0x24,                         /* mov dword [esp],edx */
    /* 04f */ 0x69, 0xC1, 0xCD, 0xCC, 0xCC, 0xCC,       /* imul eax,ecx,0xcccccccd */
    /* 055 */ 0x69, 0x14, 0x24, 0xCC, 0xCC, 0xCC, 0xCC, /* imul edx,dword [esp],0xcccccccc */
    /* 05c */ 0x8D, 0x0C, 0x10,                         /* lea ecx,[eax+edx*1] */
    /* 05f */ 0x8B, 0x04, 0x24,                         /* mov eax,dword [esp] */
    /* 062 */ 0xF7, 0xE3,                               /* mul ebx */
    /* 064 */ 0xBB, 0x09, 0x00, 0x00, 0x00,             /* mov ebx,0x9 */
    /* 069 */ 0x89, 0x04, 0x24,                         /* mov dword [esp],eax */
    /* 06c */ 0x89, 0x54, 0x24, 0x04,                   /* mov dword [esp+0x4],edx */
    /* 070 */ 0x8B, 0x04, 0x24,                         /* mov eax,dword [esp] */
    /* 073 */ 0xBA, 0x05, 0x00, 0x00, 0x00,             /* mov edx,0x5 */
    /* 078 */ 0x01, 0x4C, 0x24, 0x04,                   /* add dword [esp+0x4],ecx */
    /* 07c */ 0x8B, 0x4C, 0x24, 0x08,                   /* mov ecx,dword [esp+0x8] */
    /* 080 */ 0x83, 0xE0, 0x01,                         /* and eax,0x1 */
    /* 083 */ 0xF7, 0xE2,                               /* mul edx */
    /* 085 */ 0x89, 0xEA,                               /* mov edx,ebp */
    /* 087 */ 0x01, 0xC1,                               /* add ecx,eax */
    /* 089 */ 0x45,                                     /* inc ebp */
    /* 08a */ 0x88, 0xC8,                               /* mov al,cl */
    /* 08c */ 0x89, 0xF1,                               /* mov ecx,esi */
    /* 08e */ 0x8B, 0x34, 0x24,                         /* mov esi,dword [esp] */
    /* 091 */ 0x04, 0x30,                               /* add al,0x30 */
    /* 093 */ 0x88, 0x44, 0x2C, 0x17,                   /* mov byte [esp+ebp*1+0x17],al */
    /* 097 */ 0x89, 0xF8,                               /* mov eax,edi */
    /* 099 */ 0x8B, 0x7C, 0x24, 0x04,                   /* mov edi,dword [esp+0x4] */
    /* 09d */ 0x0F, 0xAC, 0xFE, 0x01,                   /* shrd esi,edi,0x1 */
    /* 0a1 */ 0xD1, 0xEF,                               /* shr edi,1 */
    /* 0a3 */ 0x39, 0xCB,                               /* cmp ebx,ecx */
    /* 0a5 */ 0xBB, 0x00, 0x00, 0x00, 0x00,             /* mov ebx,0x0 */
    /* 0aa */ 0x19, 0xC3,                               /* sbb ebx,eax */
    /* 0ac */ 0x0F, 0x82, 0x5E, 0xFF, 0xFF, 0xFF,       /* jb +0x010 */
    /* 0b2 */ 0x8D, 0x44, 0x24, 0x18,                   /* lea eax,[esp+0x18] */
    /* 0b6 */ 0xBE, 0xFD, 0x03, 0x00, 0x00,             /* mov esi,0x3fd */
    /* 0bb */ 0x8D, 0x3C, 0x10,                         /* lea edi,[eax+edx*1] */
    /* 0be */ 0x66, 0x90,                               /* xchg ax,ax */
    /* 0c0 */ 0x0F, 0xB6, 0x0F,                         /* movzx ecx,byte [edi] */
    /* 0c3 */ 0x89, 0xF2,                               /* mov edx,esi */
    /* 0c5 */ 0xEC,                                     /* in al,dx */
    /* 0c6 */ 0x24, 0x20,                               /* and al,0x20 */
    /* 0c8 */ 0x75, 0x10,                               /* jne +0x0da */
    /* 0ca */ 0xBB, 0x40, 0x42, 0x0F, 0x00,             /* mov ebx,0xf4240 */
    /* 0cf */ 0x90,                                     /* nop */
    /* 0d0 */ 0x4B,                                     /* dec ebx */
    /* 0d1 */ 0x74, 0x07,                               /* je +0x0da */
    /* 0d3 */ 0x89, 0xF2,                               /* mov edx,esi */
    /* 0d5 */ 0xEC,                                     /* in al,dx */
    /* 0d6 */ 0x24, 0x20,                               /* and al,0x20 */
    /* 0d8 */ 0x74, 0xF6,                               /* je +0x0d0 */
    /* 0da */ 0xBA, 0xF8, 0x03, 0x00, 0x00,             /* mov edx,0x3f8 */
    /* 0df */ 0x88, 0xC8,                               /* mov al,cl */
    /* 0e1 */ 0xEE,                                     /* out dx,al */
    /* 0e2 */ 0xE6, 0xE9,                               /* out 0xe9,al */
    /* 0e4 */ 0x8D, 0x4C, 0x24, 0x18,                   /* lea ecx,[esp+0x18] */
    /* 0e8 */ 0x8D, 0x47, 0xFF,                         /* lea eax,[edi-0x1] */
    /* 0eb */ 0x39, 0xCF,                               /* cmp edi,ecx */
    /* 0ed */ 0x74, 0x04,                               /* je +0x0f3 */
    /* 0ef */ 0x89, 0xC7,                               /* mov edi,eax */
    /* 0f1 */ 0xEB, 0xCD,                               /* jmp +0x0c0 */
    /* 0f3 */ 0x83, 0xC4, 0x34,                         /* add esp,0x34 */
    /* 0f6 */ 0x5B,                                     /* pop ebx */
    /* 0f7 */ 0x5E,                                     /* pop esi */
    /* 0f8 */ 0x5F,                                     /* pop edi */
    /* 0f9 */ 0x5D,                                     /* pop ebp */
    /* 0fa */ 0xC3,                                     /* ret */
    /* 0fb */ 0xB8, 0x01, 0x00, 0x00, 0x00,             /* mov eax,0x1 */
    /* 100 */ 0xE9, 0x17, 0xFF, 0xFF, 0xFF,             /* jmp +0x01c */
};

#define KPUT_DEC_AT 0x10100u

static void check_kput_dec(uint64_t value, const char *want)
{
    struct code_buf c = {.n = 0};
    cb_mov_r32(&c, R_EAX, (uint32_t)value);
    cb_mov_r32(&c, R_EDX, (uint32_t)(value >> 32));
    cb_u8(&c, 0xE8); /* call kput_dec */
    cb_u32(&c, KPUT_DEC_AT - (HARNESS_CODE + (uint32_t)c.n + 4));
    cb_u8(&c, 0xF4);
    harness_load(&h, KPUT_DEC_AT, kput_dec_code, sizeof kput_dec_code);
    struct cpu_regs r;
    h.nout = 0;
    ck_assert_int_eq(harness_exec(&h, c.b, c.n, &r), CPU_EXIT_HALT);
    ck_assert_msg(h.nout == strlen(want) && memcmp(h.out, want, h.nout) == 0,
                  "kput_dec(%llu) printed \"%.*s\", expected \"%s\"", (unsigned long long)value, (int)h.nout,
                  h.out, want);
    ck_assert_uint_eq(r.gpr[R_ESP], HARNESS_STACK);
}

START_TEST(test_kput_dec_small)
{
    check_kput_dec(0, "0");
    check_kput_dec(7, "7");
    check_kput_dec(9, "9");
}
END_TEST

START_TEST(test_kput_dec_two_digits)
{
    check_kput_dec(10, "10");
    check_kput_dec(42, "42");
}
END_TEST

START_TEST(test_kput_dec_large)
{
    check_kput_dec(4294967295u, "4294967295");
    check_kput_dec(4294967296u, "4294967296");
    check_kput_dec(1000000000000ull, "1000000000000");
    check_kput_dec(12345678901234567890ull, "12345678901234567890");
    check_kput_dec(18446744073709551615ull, "18446744073709551615");
}
END_TEST

/* u64 udivmod64(u64 n, u64 d, u64 *rem): restoring binary long division,
 *     for (i = 63; i >= 0; i--) { r = r << 1 | (n >> i & 1);
 *                                 if (r >= d) { r -= d; q |= 1ull << i; } }
 * compiled by gcc 12 -O2 -m32 -fno-pic: SHLD/SHRD/CMOVNE for the shifts,
 * CMP/SBB/JB for r >= d, SUB/SBB for r -= d.  cdecl, result in EDX:EAX. */
static const uint8_t udivmod64_code[] = {
    /* 000 */ 0x57,                                           /* push edi */
    /* 001 */ 0xB9, 0x3F, 0x00, 0x00, 0x00,                   /* mov ecx,0x3f */
    /* 006 */ 0x56,                                           /* push esi */
    /* 007 */ 0x53,                                           /* push ebx */
    /* 008 */ 0x83, 0xEC, 0x20,                               /* sub esp,0x20 */
    /* 00b */ 0x8B, 0x44, 0x24, 0x30,                         /* mov eax,dword [esp+0x30] */
    /* 00f */ 0x8B, 0x54, 0x24, 0x34,                         /* mov edx,dword [esp+0x34] */
    /* 013 */ 0xC7, 0x44, 0x24, 0x18, 0x00, 0x00, 0x00, 0x00, /* mov dword [esp+0x18],0x0 */
    /* 01b */ 0xC7, 0x44, 0x24, 0x1C, 0x00, 0x00, 0x00, 0x00, /* mov dword [esp+0x1c],0x0 */
    /* 023 */ 0x89, 0x44, 0x24, 0x08,                         /* mov dword [esp+0x8],eax */
    /* 027 */ 0x8B, 0x44, 0x24, 0x38,                         /* mov eax,dword [esp+0x38] */
    /* 02b */ 0x89, 0x54, 0x24, 0x0C,                         /* mov dword [esp+0xc],edx */
    /* 02f */ 0x8B, 0x54, 0x24, 0x3C,                         /* mov edx,dword [esp+0x3c] */
    /* 033 */ 0x89, 0x44, 0x24, 0x10,                         /* mov dword [esp+0x10],eax */
    /* 037 */ 0x31, 0xC0,                                     /* xor eax,eax */
    /* 039 */ 0x89, 0x54, 0x24, 0x14,                         /* mov dword [esp+0x14],edx */
    /* 03d */ 0x31, 0xD2,                                     /* xor edx,edx */
    /* 03f */ 0x90,                                           /* nop */
    /* 040 */ 0x0F, 0xA4, 0xC2, 0x01,                         /* shld edx,eax,0x1 */
    /* 044 */ 0x01, 0xC0,                                     /* add eax,eax */
    /* 046 */ 0xC7, 0x44, 0x24, 0x04, 0x00, 0x00, 0x00, 0x00, /* mov dword [esp+0x4],0x0 */
    /* 04e */ 0x89, 0xC6,                                     /* mov esi,eax */
    /* 050 */ 0x89, 0xD7,                                     /* mov edi,edx */
    /* 052 */ 0x8B, 0x44, 0x24, 0x08,                         /* mov eax,dword [esp+0x8] */
    /* 056 */ 0x8B, 0x54, 0x24, 0x0C,                         /* mov edx,dword [esp+0xc] */
    /* 05a */ 0x0F, 0xAD, 0xD0,                               /* shrd eax,edx,cl */
    /* 05d */ 0xD3, 0xEA,                                     /* shr edx,cl */
    /* 05f */ 0xF6, 0xC1, 0x20,                               /* test cl,0x20 */
    /* 062 */ 0x0F, 0x45, 0xC2,                               /* cmovne eax,edx */
    /* 065 */ 0x8B, 0x54, 0x24, 0x04,                         /* mov edx,dword [esp+0x4] */
    /* 069 */ 0x83, 0xE0, 0x01,                               /* and eax,0x1 */
    /* 06c */ 0x09, 0xFA,                                     /* or edx,edi */
    /* 06e */ 0x8B, 0x7C, 0x24, 0x14,                         /* mov edi,dword [esp+0x14] */
    /* 072 */ 0x89, 0x04, 0x24,                               /* mov dword [esp],eax */
    /* 075 */ 0x8B, 0x04, 0x24,                               /* mov eax,dword [esp] */
    /* 078 */ 0x89, 0xD3,                                     /* mov ebx,edx */
    /* 07a */ 0x09, 0xF0,                                     /* or eax,esi */
    /* 07c */ 0x8B, 0x74, 0x24, 0x10,                         /* mov esi,dword [esp+0x10] */
    /* 080 */ 0x39, 0xF0,                                     /* cmp eax,esi */
    /* 082 */ 0x19, 0xFB,                                     /* sbb ebx,edi */
    /* 084 */ 0x72, 0x1D,                                     /* jb +0x0a3 */
    /* 086 */ 0x29, 0xF0,                                     /* sub eax,esi */
    /* 088 */ 0x19, 0xFA,                                     /* sbb edx,edi */
    /* 08a */ 0x89, 0xCF,                                     /* mov edi,ecx */
    /* 08c */ 0xC1, 0xEF, 0x05,                               /* shr edi,0x5 */
    /* 08f */ 0x83, 0xE7, 0x01,                               /* and edi,0x1 */
    /* 092 */ 0x89, 0xFE,                                     /* mov esi,edi */
    /* 094 */ 0xD3, 0xE7,                                     /* shl edi,cl */
    /* 096 */ 0x09, 0x7C, 0x24, 0x1C,                         /* or dword [esp+0x1c],edi */
    /* 09a */ 0x83, 0xF6, 0x01,                               /* xor esi,0x1 */
    /* 09d */ 0xD3, 0xE6,                                     /* shl esi,cl */
    /* 09f */ 0x09, 0x74, 0x24, 0x18,                         /* or dword [esp+0x18],esi */
    /* 0a3 */ 0x83, 0xE9, 0x01,                               /* sub ecx,0x1 */
    /* 0a6 */ 0x73, 0x98,                                     /* jae +0x040 */
    /* 0a8 */ 0x8B, 0x4C, 0x24, 0x40,                         /* mov ecx,dword [esp+0x40] */
    /* 0ac */ 0x89, 0x01,                                     /* mov dword [ecx],eax */
    /* 0ae */ 0x8B, 0x44, 0x24, 0x18,                         /* mov eax,dword [esp+0x18] */
    /* 0b2 */ 0x89, 0x51, 0x04,                               /* mov dword [ecx+0x4],edx */
    /* 0b5 */ 0x8B, 0x54, 0x24, 0x1C,                         /* mov edx,dword [esp+0x1c] */
    /* 0b9 */ 0x83, 0xC4, 0x20,                               /* add esp,0x20 */
    /* 0bc */ 0x5B,                                           /* pop ebx */
    /* 0bd */ 0x5E,                                           /* pop esi */
    /* 0be */ 0x5F,                                           /* pop edi */
    /* 0bf */ 0xC3,                                           /* ret */
};

#define UDIV_AT  0x10200u
#define UDIV_REM 0x20000u

static void check_udiv(uint64_t n, uint64_t d, uint64_t q, uint64_t rem)
{
    struct code_buf c = {.n = 0};
    const uint32_t args[5] = {(uint32_t)n, (uint32_t)(n >> 32), (uint32_t)d, (uint32_t)(d >> 32), UDIV_REM};
    for (int i = 4; i >= 0; i--) {
        cb_u8(&c, 0x68); /* push imm32 */
        cb_u32(&c, args[i]);
    }
    cb_u8(&c, 0xE8); /* call udivmod64 */
    cb_u32(&c, UDIV_AT - (HARNESS_CODE + (uint32_t)c.n + 4));
    const uint8_t tail[] = {0x83, 0xC4, 0x14, 0xF4}; /* add esp, 20 ; hlt */
    cb_bytes(&c, tail, sizeof tail);
    harness_load(&h, UDIV_AT, udivmod64_code, sizeof udivmod64_code);
    struct cpu_regs r;
    ck_assert_int_eq(harness_exec(&h, c.b, c.n, &r), CPU_EXIT_HALT);
    uint64_t got_q = (uint64_t)r.gpr[R_EDX] << 32 | r.gpr[R_EAX], got_r;
    memcpy(&got_r, h.pm.ram + UDIV_REM, 8);
    ck_assert_msg(got_q == q && got_r == rem, "%llu / %llu gave %llu rem %llu, expected %llu rem %llu",
                  (unsigned long long)n, (unsigned long long)d, (unsigned long long)got_q,
                  (unsigned long long)got_r, (unsigned long long)q, (unsigned long long)rem);
}

START_TEST(test_udivmod64)
{
    check_udiv(100, 7, 14, 2);
    check_udiv(5, 9, 0, 5);
    check_udiv(4294967296ull, 3, 1431655765, 1); /* 3 * 1431655765 = 2^32 - 1 */
    check_udiv(12345678901234567890ull, 10, 1234567890123456789ull, 0);
    check_udiv(18446744073709551615ull, 10, 1844674407370955161ull, 5);
    check_udiv(1000000000007ull, 1000000, 1000000, 7);
    check_udiv(0xFFFFFFFFFFFFFFFFull, 0xFFFFFFFF, 0x100000001ull, 0); /* (2^32 - 1)(2^32 + 1) */
    check_udiv(0x8000000000000000ull, 0x8000000000000000ull, 1, 0);
}
END_TEST

static Suite *cpu_suite(void)
{
    Suite *s = suite_create("cpu");
    TCase *tc = tcase_create("alu");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_add_adc, 0, COUNT(add_cases));
    tcase_add_loop_test(tc, test_sub_sbb_cmp, 0, COUNT(sub_cases));
    tcase_add_loop_test(tc, test_logic, 0, COUNT(logic_cases));
    tcase_add_loop_test(tc, test_inc_dec_neg, 0, COUNT(incdec_cases));
    tcase_add_loop_test(tc, test_mul_div, 0, COUNT(muldiv_cases));
    tcase_add_loop_test(tc, test_shifts, 0, COUNT(shift_cases));
    tcase_add_loop_test(tc, test_bits, 0, COUNT(bit_cases));
    tcase_add_loop_test(tc, test_misc, 0, COUNT(misc_cases));
    tcase_add_loop_test(tc, test_wide_arith, 0, COUNT(wide_cases));
    tcase_add_loop_test(tc, test_conditions, 0, COUNT(cc_cases));
    tcase_add_test(tc, test_shld_shrd_all_counts);
    suite_add_tcase(s, tc);

    tc = tcase_create("programs");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_push_pop_call_ret);
    tcase_add_test(tc, test_push_pop_memory_pusha_pushf_leave);
    tcase_add_test(tc, test_eflags_ac_id_by_model);
    tcase_add_test(tc, test_rep_movs_forward_and_down);
    tcase_add_test(tc, test_rep_stos_down);
    tcase_add_test(tc, test_repne_scasb_repe_cmpsb);
    tcase_add_test(tc, test_lods_down_and_overlapping_movsb);
    tcase_add_test(tc, test_div_quotient_overflow_faults_precisely);
    tcase_add_test(tc, test_div_by_zero_faults_precisely);
    tcase_add_test(tc, test_kput_dec_small);
    tcase_add_test(tc, test_kput_dec_two_digits);
    tcase_add_test(tc, test_kput_dec_large);
    tcase_add_test(tc, test_udivmod64);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(cpu_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
