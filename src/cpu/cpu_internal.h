/* cpu_internal.h - CPU state and the pieces shared by the CPU core and the
 * translator (src/translate).  Not for devices or the board. */
#ifndef DYNAPC_CPU_INTERNAL_H
#define DYNAPC_CPU_INTERNAL_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/f80.h"

#if defined(__GNUC__)
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define NORETURN    __attribute__((noreturn))
#else
#define likely(x)   (x)
#define unlikely(x) (x)
#define NORETURN
#endif

/* EFLAGS bits */
enum {
    F_CF = 1u << 0,
    F_PF = 1u << 2,
    F_AF = 1u << 4,
    F_ZF = 1u << 6,
    F_SF = 1u << 7,
    F_TF = 1u << 8,
    F_IF = 1u << 9,
    F_DF = 1u << 10,
    F_OF = 1u << 11,
    F_IOPL = 3u << 12,
    F_NT = 1u << 14,
    F_RF = 1u << 16,
    F_VM = 1u << 17,
    F_AC = 1u << 18,
    F_VIF = 1u << 19,
    F_VIP = 1u << 20,
    F_ID = 1u << 21,
};
#define F_ARITH (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

enum {
    CR0_PE = 1u << 0,
    CR0_MP = 1u << 1,
    CR0_EM = 1u << 2,
    CR0_TS = 1u << 3,
    CR0_ET = 1u << 4,
    CR0_NE = 1u << 5,
    CR0_WP = 1u << 16,
    CR0_AM = 1u << 18,
    CR0_NW = 1u << 29,
    CR0_CD = 1u << 30,
    CR0_PG = 1u << 31
};
enum {
    CR4_VME = 1u << 0,
    CR4_PVI = 1u << 1,
    CR4_TSD = 1u << 2,
    CR4_DE = 1u << 3,
    CR4_PSE = 1u << 4,
    CR4_PGE = 1u << 7,
    CR4_PCE = 1u << 8
};

/* exception vectors */
enum {
    EXC_DE = 0,
    EXC_DB = 1,
    EXC_NMI = 2,
    EXC_BP = 3,
    EXC_OF = 4,
    EXC_BR = 5,
    EXC_UD = 6,
    EXC_NM = 7,
    EXC_DF = 8,
    EXC_TS = 10,
    EXC_NP = 11,
    EXC_SS = 12,
    EXC_GP = 13,
    EXC_PF = 14,
    EXC_MF = 16,
    EXC_AC = 17
};

/* Lazy flags: the last flag-setting operation, evaluated on demand.
 * LF_NONE means the six arithmetic flags are in cpu->lf_flags. */
enum lf_kind {
    LF_NONE,
    LF_ADD,
    LF_ADC,
    LF_SUB,
    LF_SBB,
    LF_LOGIC,
    LF_INC,
    LF_DEC,
    LF_NEG,
    LF_SHL,
    LF_SHR,
    LF_SAR,
    LF_MUL,
};

/* ---- translation blocks -------------------------------------------------- */
struct cpu;
struct op;
typedef const struct op *(*op_fn)(struct cpu *cpu, const struct op *op);

/* One pre-decoded guest instruction (or a block exit).  Fields are
 * interpreted by the handler; see decode.c for how they are filled. */
struct op {
    op_fn fn;
    uint32_t eip;    /* offset in CS of the instruction */
    uint32_t disp;   /* EA displacement, moffs */
    uint32_t imm;    /* immediate; branch target for jumps */
    uint32_t imm2;   /* second immediate; for block exits the op's index in the TB */
    uint8_t len;     /* instruction length */
    uint8_t reg;     /* ModRM.reg / register operand */
    uint8_t rm;      /* ModRM.rm register when mod == 3 */
    uint8_t base;    /* EA base register, 8 = none */
    uint8_t index;   /* EA index register, 8 = none */
    uint8_t scale;   /* EA index shift */
    uint8_t seg;     /* segment of the memory operand */
    uint8_t size;    /* operand size in bytes: 1, 2, 4 */
    uint8_t asize;   /* address size: 2 or 4 */
    uint8_t sub;     /* sub-operation: ALU op, condition, shift kind, exit slot */
    uint8_t pfx;     /* PFX_* */
    uint8_t is_mem;  /* operand E is memory */
    uint16_t opcode; /* 0x0F00 | second byte for two-byte opcodes */
};

enum { PFX_REP = 1, PFX_REPNE = 2, PFX_LOCK = 4, PFX_SEG = 8 };

#define TB_MAX_INSNS 128

struct tb;
struct tb_link_src {
    struct tb *tb;
    int slot;
};

struct tb {
    uint32_t phys_pc;      /* physical address of the first byte */
    uint32_t phys_page2;   /* second physical page if the TB crosses one, else ~0 */
    uint32_t eip, cs_base; /* virtual entry point */
    uint32_t flags;        /* mode bits (TBF_*) */
    uint32_t size;         /* guest bytes covered */
    uint32_t ninsn;
    uint32_t nops;
    int invalid;
    struct tb *hash_next;
    struct tb *page_next[2]; /* per-page lists (index: which of our pages) */
    /* chaining: where each exit leads, and who leads to us */
    struct tb *jmp_dest[2];
    struct tb_link_src jmp_next[2]; /* next entry in jmp_dest[slot]'s incoming list */
    struct tb_link_src jmp_first;   /* first incoming link */
    struct op ops[];
};

/* mode bits that change how code decodes */
enum {
    TBF_CS32 = 1u << 0,
    TBF_SS32 = 1u << 1,
    TBF_PE = 1u << 2,
    TBF_VM = 1u << 3,
    TBF_PG = 1u << 4,
    TBF_CPL_SHIFT = 5, /* two bits */
    TBF_TF = 1u << 7,
    TBF_STEP = 1u << 8,  /* cpu_set_single_step() */
    TBF_DEBUG = 1u << 9, /* data/I/O breakpoints armed: one instruction per TB */
};

struct tb_cache; /* src/translate/tb.c */

/* ---- soft TLB --------------------------------------------------------------- */
#define TLB_BITS    10
#define TLB_SIZE    (1u << TLB_BITS)
#define TLB_INVALID 0xFFFFFFFFu

struct tlb_entry {
    uint32_t tag_r;     /* linear page if readable via the fast path */
    uint32_t tag_w;     /* linear page if writable via the fast path */
    uintptr_t addend;   /* host pointer = addend + linear address */
    uint32_t phys_page; /* physical page (for code lookup) */
    uint32_t global;    /* from a PTE/PDE with G set while CR4.PGE: kept across CR3 loads */
};

struct seg {
    uint32_t base, limit;
    uint16_t sel, attr;
    /* offsets below fast_end need no further check for any access of up
     * to 4 bytes; 0 forces every access through seg_limit_fault() */
    uint32_t fast_end;
};

static inline void seg_cache(struct seg *s)
{
    s->fast_end = ((s->attr & 0x84) == 0x80 && s->limit >= 3) ? s->limit - 2 : 0;
}

/* x87 FPU state (x87.c).  MMX registers are the significands of the
 * physical registers (MMi = st[i].mant). */
struct fpu {
    f80 st[8];          /* physical registers R0..R7 */
    uint16_t cw;        /* control word */
    uint16_t sw;        /* status word; TOP (bits 11-13) lives in top */
    uint8_t top;        /* stack top: ST(i) is st[(top + i) & 7] */
    uint8_t valid;      /* bit i: Ri is not empty (the tag word's 11) */
    uint16_t fop;       /* last non-control opcode (11 bits) */
    uint16_t fcs, fds;  /* selectors of the last instruction and memory operand */
    uint32_t fip, fdp;  /* their offsets */
    struct f80_env env; /* rounding, precision and unmasked exceptions from cw */
    uint8_t ferr;       /* FERR# asserted (MS-DOS compatibility mode, CR0.NE = 0) */
    uint8_t ignne;      /* IGNNE# asserted by the board (port F0 written) */
};

struct cpu {
    /* hot state first */
    uint32_t r[9]; /* EAX..EDI; r[8] is always 0 (EA "no register") */
    uint32_t eip;
    uint32_t eflags; /* non-arithmetic bits; arithmetic ones are lazy */
    uint32_t lf_res, lf_src1, lf_src2, lf_cin;
    uint8_t lf_kind, lf_size;
    uint16_t lf_flags; /* materialized arithmetic flags when lf_kind == LF_NONE */
    struct seg seg[6];
    struct tlb_entry *tlb; /* tlb_sets[cpl == 3] */
    int64_t budget;
    volatile int check_irq; /* INTR/NMI asserted or an exit requested: leave chained code */
    int cpl;
    uint32_t cr0, cr2, cr3, cr4;
    uint32_t dr[8];
    struct {
        uint32_t base, limit;
    } gdtr, idtr;
    struct seg ldtr, tr;
    uint64_t tsc_offset;
    uint64_t msr_sysenter_cs, msr_sysenter_esp, msr_sysenter_eip;
    uint64_t msr_perfctr[2], msr_evntsel[2];
    int walk_global; /* G bit of the last successful page walk */
    int nmi_pending, nmi_blocked;
    struct fpu fpu;

    int intr_line;
    volatile int exit_request;
    int halted;
    int inhibit_irq; /* STI / MOV SS shadow: one instruction */
    int shutdown;

    /* exception delivery */
    jmp_buf jmp_env;
    int exc_vector;
    uint32_t exc_error;
    int exc_has_error;
    int exc_depth; /* nested faults during delivery: 1 -> #DF, 2 -> shutdown */

    /* translation */
    struct tb_cache *tbc;
    int no_chain;      /* -d exec: every TB through the dispatcher */
    int flush_pending; /* tb_flush_deferred(): flush before the next lookup */
    int single_step;
    int shadow_tb;                       /* the next TB is the one instruction under an STI / MOV SS shadow */
    unsigned dbg_exec, dbg_data, dbg_io; /* armed breakpoints by kind (bit i = DRi) */
    unsigned dbg_pending;                /* data/I/O hits of the current instruction */
    struct tb *cur_tb;
    struct tb *last_tb;
    int last_slot;

    struct tlb_entry tlb_sets[2][TLB_SIZE];

    enum cpu_model model;
    struct cpu_host host;
    struct cpu_stats stats;
};

/* ---- helpers shared across the core ---------------------------------------- */
static inline uint32_t size_mask(unsigned size)
{
    return size == 4 ? 0xFFFFFFFFu : (1u << (size * 8)) - 1;
}

static inline uint32_t sign_bit(unsigned size)
{
    return 1u << (size * 8 - 1);
}

static inline uint32_t sext(uint32_t v, unsigned size)
{
    return size == 1 ? (uint32_t)(int32_t)(int8_t)v : size == 2 ? (uint32_t)(int32_t)(int16_t)v : v;
}

/* register access by operand size (8-bit regs 4..7 are AH,CH,DH,BH) */
static inline uint32_t reg_get(const struct cpu *cpu, unsigned r, unsigned size)
{
    if (size == 4)
        return cpu->r[r];
    if (size == 2)
        return cpu->r[r] & 0xFFFF;
    return r < 4 ? cpu->r[r] & 0xFF : (cpu->r[r - 4] >> 8) & 0xFF;
}

static inline void reg_set(struct cpu *cpu, unsigned r, unsigned size, uint32_t v)
{
    if (size == 4)
        cpu->r[r] = v;
    else if (size == 2)
        cpu->r[r] = (cpu->r[r] & 0xFFFF0000u) | (v & 0xFFFF);
    else if (r < 4)
        cpu->r[r] = (cpu->r[r] & 0xFFFFFF00u) | (v & 0xFF);
    else
        cpu->r[r - 4] = (cpu->r[r - 4] & 0xFFFF00FFu) | ((v & 0xFF) << 8);
}

/* flags.c */
uint32_t flags_arith(struct cpu *cpu); /* the six arithmetic flags */
uint32_t cpu_get_eflags(struct cpu *cpu);
void cpu_set_eflags(struct cpu *cpu, uint32_t v, uint32_t mask);
int cond_eval(struct cpu *cpu, unsigned cc); /* Jcc condition 0..15 */
static inline void lf_set(struct cpu *cpu, enum lf_kind k, unsigned size, uint32_t res, uint32_t a,
                          uint32_t b)
{
    cpu->lf_kind = (uint8_t)k;
    cpu->lf_size = (uint8_t)size;
    cpu->lf_res = res;
    cpu->lf_src1 = a;
    cpu->lf_src2 = b;
}
/* the lazy-flags record, saved around a store that may fault so that a
 * restarted instruction sees the flags from before it */
struct lf_state {
    uint32_t res, src1, src2, cin;
    uint8_t kind, size;
    uint16_t flags;
};

static inline struct lf_state lf_save(const struct cpu *cpu)
{
    struct lf_state s = {cpu->lf_res,  cpu->lf_src1, cpu->lf_src2, cpu->lf_cin,
                         cpu->lf_kind, cpu->lf_size, cpu->lf_flags};
    return s;
}

static inline void lf_restore(struct cpu *cpu, const struct lf_state *s)
{
    cpu->lf_res = s->res;
    cpu->lf_src1 = s->src1;
    cpu->lf_src2 = s->src2;
    cpu->lf_cin = s->cin;
    cpu->lf_kind = s->kind;
    cpu->lf_size = s->size;
    cpu->lf_flags = s->flags;
}

/* CF without computing the other flags (INC/DEC keep it) */
static inline uint32_t lf_carry(struct cpu *cpu)
{
    uint32_t m = size_mask(cpu->lf_size);
    switch (cpu->lf_kind) {
    case LF_NONE:
        return cpu->lf_flags & F_CF;
    case LF_LOGIC:
        return 0;
    case LF_INC:
    case LF_DEC:
        return cpu->lf_src2 & 1;
    case LF_SUB:
        return (cpu->lf_src1 & m) < (cpu->lf_src2 & m);
    case LF_ADD:
        return (cpu->lf_res & m) < (cpu->lf_src1 & m);
    default:
        return flags_arith(cpu) & F_CF;
    }
}

/* Jcc condition with the common lazy kinds inline: after CMP/SUB and after
 * logic ops every condition is a compare of the recorded operands */
static inline int cond_fast(struct cpu *cpu, unsigned cc)
{
    if (likely(cpu->lf_kind == LF_SUB && cpu->lf_size == 4)) {
        uint32_t a = cpu->lf_src1, b = cpu->lf_src2;
        int r;
        switch (cc >> 1) {
        case 1:
            r = a < b;
            break;
        case 2:
            r = a == b;
            break;
        case 3:
            r = a <= b;
            break;
        case 4:
            r = (int32_t)(a - b) < 0;
            break;
        case 6:
            r = (int32_t)a < (int32_t)b;
            break;
        case 7:
            r = (int32_t)a <= (int32_t)b;
            break;
        default:
            return cond_eval(cpu, cc);
        }
        return r ^ (int)(cc & 1);
    }
    return cond_eval(cpu, cc);
}

/* ALU: op 0..7 = ADD OR ADC SBB AND SUB XOR CMP; returns the result */
uint32_t alu_op(struct cpu *cpu, unsigned aluop, unsigned size, uint32_t a, uint32_t b);
uint32_t shift_op(struct cpu *cpu, unsigned kind, unsigned size, uint32_t v, unsigned count);

/* exception.c */
NORETURN void cpu_raise(struct cpu *cpu, int vector, uint32_t error, int has_error);
NORETURN void cpu_fault(struct cpu *cpu, const struct op *op, int vector, uint32_t error, int has_error);
/* what is being delivered (the is_software argument): exceptions and
 * external interrupts return to cpu->eip and skip the gate DPL check;
 * INT n returns to next_eip */
enum { INT_EXCEPTION = 0, INT_SOFTWARE = 1, INT_EXTERNAL = 2 };
void cpu_deliver_interrupt(struct cpu *cpu, int vector, int is_software, uint32_t next_eip, int has_error,
                           uint32_t error);
void cpu_load_seg(struct cpu *cpu, const struct op *op, int seg, uint16_t sel);
void cpu_set_seg_real(struct cpu *cpu, int seg, uint16_t sel);
void cpu_update_mode(struct cpu *cpu); /* after CR0/CS/EFLAGS.VM changes */
void cpu_far_jump(struct cpu *cpu, const struct op *op, uint16_t sel, uint32_t eip, int is_call,
                  uint32_t next_eip);
void cpu_far_return(struct cpu *cpu, const struct op *op, int is_iret, uint32_t pop_extra);
uint32_t cpu_tb_flags(const struct cpu *cpu);

/* debug.c */
void debug_update(struct cpu *cpu); /* after DR7, DR0-3 or CR4.DE change */
unsigned debug_exec_hits(const struct cpu *cpu, uint32_t lin);
void debug_check_data(struct cpu *cpu, uint32_t lin, unsigned size, int write);
void debug_check_io(struct cpu *cpu, uint16_t port, unsigned size);

/* mmu.c */
void tlb_flush(struct cpu *cpu);
void tlb_flush_page(struct cpu *cpu, uint32_t lin);
uint64_t mem_read_slow(struct cpu *cpu, const struct op *op, uint32_t lin, unsigned size);
void mem_write_slow(struct cpu *cpu, const struct op *op, uint32_t lin, uint64_t v, unsigned size);
/* linear -> physical for a code fetch or debugger; faults through op (may be NULL) */
uint32_t mmu_translate(struct cpu *cpu, const struct op *op, uint32_t lin, int write, int user);
/* host pointer for a RAM access at lin (translating and faulting as an
 * access would), or NULL if the page is MMIO, ROM on write, or holds code
 * on write; used by REP string fast paths */
uint8_t *mmu_host_ptr(struct cpu *cpu, const struct op *op, uint32_t lin, int write);
/* non-faulting walk for instruction fetch (A bits set on success); 0 or -1 */
int mmu_probe(struct cpu *cpu, uint32_t lin, uint32_t *pa);
/* physical address of code at lin (through the TLB); faults with cpu->eip as is */
uint32_t mmu_code_phys(struct cpu *cpu, uint32_t lin);
void mmu_set_cr0(struct cpu *cpu, uint32_t v);
void mmu_set_cr3(struct cpu *cpu, uint32_t v);
void mmu_set_cr4(struct cpu *cpu, uint32_t v);

static inline uint32_t ld_le32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    return v;
}
static inline uint16_t ld_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}
static inline void st_le32(uint8_t *p, uint32_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    memcpy(p, &v, 4);
}
static inline void st_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline struct tlb_entry *tlb_entry_for(struct cpu *cpu, uint32_t lin)
{
    return &cpu->tlb[(lin >> 12) & (TLB_SIZE - 1)];
}

/* The tag compare includes the low address bits of the access size, so
 * one compare checks the page and natural alignment (as QEMU's softmmu
 * does); unaligned accesses take the slow path, which still uses the TLB. */
static inline uint32_t mem_read(struct cpu *cpu, const struct op *op, uint32_t lin, unsigned size)
{
    struct tlb_entry *e = tlb_entry_for(cpu, lin);
    if (likely(e->tag_r == (lin & (~0xFFFu | (size - 1))))) {
        const uint8_t *p = (const uint8_t *)(e->addend + lin);
        return size == 4 ? ld_le32(p) : size == 2 ? ld_le16(p) : p[0];
    }
    return (uint32_t)mem_read_slow(cpu, op, lin, size);
}

static inline void mem_write(struct cpu *cpu, const struct op *op, uint32_t lin, uint32_t v, unsigned size)
{
    struct tlb_entry *e = tlb_entry_for(cpu, lin);
    if (likely(e->tag_w == (lin & (~0xFFFu | (size - 1))))) {
        uint8_t *p = (uint8_t *)(e->addend + lin);
        if (size == 4)
            st_le32(p, v);
        else if (size == 2)
            st_le16(p, (uint16_t)v);
        else
            p[0] = (uint8_t)v;
        return;
    }
    mem_write_slow(cpu, op, lin, v, size);
}

/* effective address of the memory operand and its linear address */
static inline uint32_t op_ea(const struct cpu *cpu, const struct op *op)
{
    uint32_t ea = cpu->r[op->base] + (cpu->r[op->index] << op->scale) + op->disp;
    return op->asize == 2 ? ea & 0xFFFF : ea;
}

void seg_limit_fault(struct cpu *cpu, const struct op *op, int seg, uint32_t ea, unsigned size);

static inline uint32_t seg_lin(struct cpu *cpu, const struct op *op, int seg, uint32_t ea, unsigned size)
{
    const struct seg *s = &cpu->seg[seg];
    if (unlikely(ea >= s->fast_end))
        seg_limit_fault(cpu, op, seg, ea, size);
    return s->base + ea;
}

static inline uint32_t op_lin(struct cpu *cpu, const struct op *op, unsigned size)
{
    return seg_lin(cpu, op, op->seg, op_ea(cpu, op), size);
}

/* In protected mode only writable data segments can be written (SDM
 * 3.4.5.1 table 3-1); real and V86 mode have no such check. */
void seg_write_fault(struct cpu *cpu, const struct op *op, int seg);
static inline void seg_check_write(struct cpu *cpu, const struct op *op, int seg)
{
    if (unlikely((cpu->seg[seg].attr & 0x1A) != 0x12) && (cpu->cr0 & CR0_PE) && !(cpu->eflags & F_VM))
        seg_write_fault(cpu, op, seg);
}

/* linear address of an operand wider than 4 bytes (x87 m64/m80, MMX,
 * descriptor images): fast_end covers accesses of up to 4 bytes, so the
 * end of the operand is checked against it explicitly */
static inline uint32_t seg_lin_wide(struct cpu *cpu, const struct op *op, uint32_t ea, unsigned size,
                                    bool write)
{
    const struct seg *s = &cpu->seg[op->seg];
    if (write)
        seg_check_write(cpu, op, op->seg);
    if (unlikely(!s->fast_end || (uint64_t)ea + size > (uint64_t)s->fast_end + 3))
        seg_limit_fault(cpu, op, op->seg, ea, size);
    return s->base + ea;
}

/* the linear address of a memory operand that will be written */
static inline uint32_t op_lin_w(struct cpu *cpu, const struct op *op, unsigned size)
{
    seg_check_write(cpu, op, op->seg);
    return seg_lin(cpu, op, op->seg, op_ea(cpu, op), size);
}

/* virtual-8086 mode extensions (SDM Vol. 3A 20.3-20.4): VME in V86 with
 * IOPL < 3 turns IF-sensitive instructions into VIF updates */
static inline int vme_active(const struct cpu *cpu)
{
    return (cpu->eflags & F_VM) && (cpu->cr4 & CR4_VME) && (cpu->eflags & F_IOPL) != F_IOPL;
}

/* stack */
static inline uint32_t sp_mask(const struct cpu *cpu)
{
    return (cpu->seg[SEG_SS].attr & 0x4000) ? 0xFFFFFFFFu : 0xFFFFu;
}
void cpu_push(struct cpu *cpu, const struct op *op, uint32_t v, unsigned size);
uint32_t cpu_pop(struct cpu *cpu, const struct op *op, unsigned size);
uint32_t cpu_peek(struct cpu *cpu, const struct op *op, unsigned size, uint32_t offset);

/* decode.c: translate one block starting at cpu->eip into tb ops */
struct decode_result {
    int ninsn;
};
/* translate.c */
struct tb *translate_block(struct cpu *cpu, uint32_t phys_pc, uint32_t flags);

/* ports */
uint32_t cpu_io_in(struct cpu *cpu, const struct op *op, uint16_t port, unsigned size);
void cpu_io_out(struct cpu *cpu, const struct op *op, uint16_t port, uint32_t v, unsigned size);

#endif
