/* ops.h - instruction handlers for the tier-1 (threaded code) backend.
 *
 * Each handler executes one pre-decoded instruction (struct op) and returns
 * the next op to run: op + 1 for straight-line code, the first op of the
 * next TB for a chained exit, or NULL to return to the dispatcher.
 * The decoder picks handlers through the select functions declared here,
 * one per instruction family; the family's form (register/memory, operand
 * size) decides which handler. */
#ifndef DYNAPC_OPS_H
#define DYNAPC_OPS_H

#include "cpu/cpu_internal.h"

/* operand E: register or memory */
static inline uint32_t op_get_E(struct cpu *cpu, const struct op *op, unsigned size, uint32_t *lin)
{
    if (!op->is_mem)
        return reg_get(cpu, op->rm, size);
    *lin = op_lin(cpu, op, size);
    return mem_read(cpu, op, *lin, size);
}

static inline void op_set_E(struct cpu *cpu, const struct op *op, unsigned size, uint32_t lin, uint32_t v)
{
    if (!op->is_mem) {
        reg_set(cpu, op->rm, size, v);
    } else {
        seg_check_write(cpu, op, op->seg);
        mem_write(cpu, op, lin, v, size);
    }
}

/* tb that owns an exit op (exit ops keep their index in imm2) */
static inline struct tb *op_tb(const struct op *op)
{
    return (struct tb *)(void *)((char *)(op - op->imm2) - offsetof(struct tb, ops));
}

/* leave the TB towards eip through exit slot `slot`, chaining when linked */
static inline const struct op *exit_direct(struct cpu *cpu, const struct op *op, int slot, uint32_t eip)
{
    struct tb *tb = op_tb(op);
    struct tb *next = tb->jmp_dest[slot];
    cpu->eip = eip;
    if (likely(next != NULL) && likely(!cpu->check_irq) && likely(cpu->budget > 0)) {
        cpu->budget -= next->ninsn;
        cpu->stats.tb_chained++;
        cpu->cur_tb = next;
        return next->ops;
    }
    cpu->last_tb = tb;
    cpu->last_slot = slot;
    return NULL;
}

/* leave towards a computed eip: jump-cache lookup without the dispatcher */
const struct op *exit_indirect(struct cpu *cpu, uint32_t eip);

/* leave to the dispatcher, no chaining (mode changes, HLT, ...) */
static inline const struct op *exit_to(struct cpu *cpu, uint32_t eip)
{
    cpu->eip = eip;
    cpu->last_tb = NULL;
    return NULL;
}

static inline uint32_t next_eip(const struct op *op)
{
    uint32_t e = op->eip + op->len;
    return (op->pfx & 0x80) ? e & 0xFFFF : e; /* 0x80: 16-bit code segment */
}
#define PFX_CS16 0x80

/* the Jcc half of a fused flag-setter + Jcc pair (sel_jcc_pair): the
 * flag-setter has just recorded its lazy flags, so lf_kind is not LF_NONE
 * and ZF is (result == 0) */
static inline const struct op *jcc_tail(struct cpu *cpu, const struct op *jop)
{
    int taken;
    if ((jop->sub >> 1) == 2)
        taken = ((cpu->lf_res & size_mask(cpu->lf_size)) == 0) ^ (jop->sub & 1);
    else
        taken = cond_fast(cpu, jop->sub);
    return taken ? exit_direct(cpu, jop, 0, jop->imm) : exit_direct(cpu, jop, 1, next_eip(jop));
}

/* Threaded dispatch: a straight-line handler that runs the next op itself
 * gives every handler its own indirect branch (which the host predicts far
 * better than the dispatcher's one shared call) and saves the return to
 * the dispatcher.  Only ops that continue with op + 1 do this, and block
 * exits return to the dispatcher, so the host stack grows by at most one
 * frame per op of one TB even where the compiler makes no tail call. */
static inline const struct op *op_dispatch(struct cpu *cpu, const struct op *next)
{
    return next->fn(cpu, next);
}

/* select functions: choose the handler for a decoded instruction */
typedef op_fn (*select_fn)(const struct op *op);

/* ops_alu.c */
op_fn sel_alu_EG(const struct op *op); /* E op= G */
op_fn sel_alu_GE(const struct op *op); /* G op= E */
op_fn sel_alu_EI(const struct op *op); /* E op= imm (also accumulator forms) */
/* a TB's last two ops are a flag-setter and a Jcc: the handler that runs
 * both in one dispatch, or NULL if `op` has no fused form */
op_fn sel_jcc_pair(const struct op *op);
/* the threaded form of a straight-line handler (op_dispatch), or NULL */
op_fn sel_threaded_alu(const struct op *op);
op_fn sel_threaded_mem(const struct op *op);
op_fn sel_test_EG(const struct op *op);
op_fn sel_test_EI(const struct op *op);
op_fn sel_incdec_E(const struct op *op);
op_fn sel_not_E(const struct op *op);
op_fn sel_neg_E(const struct op *op);
op_fn sel_mul_E(const struct op *op);   /* sub: 4 MUL 5 IMUL 6 DIV 7 IDIV */
op_fn sel_imul_GE(const struct op *op); /* 0F AF, 69, 6B (imm in op->imm, sub=1 when 3-operand) */
/* shift counts: op->imm is the immediate count, or COUNT_CL for a count in CL */
#define COUNT_CL 0x100u
op_fn sel_shift_E(const struct op *op); /* sub = kind; imm = count or COUNT_CL */
op_fn sel_shd(const struct op *op);     /* SHLD/SHRD: sub 0 = left; imm = count or COUNT_CL */
op_fn sel_bt(const struct op *op);      /* sub: 4 BT 5 BTS 6 BTR 7 BTC; imm form when op->imm2 == 1 */
op_fn sel_bsf_bsr(const struct op *op); /* sub 0 BSF 1 BSR */
op_fn sel_setcc(const struct op *op);
op_fn sel_cmovcc(const struct op *op);
op_fn sel_xadd(const struct op *op);
op_fn sel_cmpxchg(const struct op *op);
op_fn sel_cmpxchg8b(const struct op *op);
op_fn sel_bcd(const struct op *op); /* sub: 0 DAA 1 DAS 2 AAA 3 AAS 4 AAM 5 AAD */
op_fn sel_cbw(const struct op *op);
op_fn sel_cwd(const struct op *op);
op_fn sel_flagop(const struct op *op); /* sub: 0 CLC 1 STC 2 CMC 3 CLD 4 STD 5 SAHF 6 LAHF 7 SALC */
op_fn sel_bswap(const struct op *op);

/* ops_mem.c */
op_fn sel_mov_EG(const struct op *op);
op_fn sel_mov_GE(const struct op *op);
op_fn sel_mov_EI(const struct op *op);
op_fn sel_mov_moffs(const struct op *op); /* sub 0: load acc, 1: store acc */
op_fn sel_movx(const struct op *op);      /* MOVZX/MOVSX: sub bit0 = signed, imm = source size */
op_fn sel_lea(const struct op *op);
op_fn sel_xchg(const struct op *op);
op_fn sel_push(const struct op *op); /* sub: 0 reg(op->reg), 1 imm, 2 E, 3 seg(op->reg) */
op_fn sel_pop(const struct op *op);  /* sub: 0 reg, 2 E, 3 seg */
op_fn sel_pusha(const struct op *op);
op_fn sel_popa(const struct op *op);
op_fn sel_pushf(const struct op *op);
op_fn sel_popf(const struct op *op);
op_fn sel_mov_sreg(const struct op *op); /* sub 0: E <- Sreg, 1: Sreg <- E */
op_fn sel_lxs(const struct op *op);      /* LES/LDS/LSS/LFS/LGS: sub = segment */
op_fn sel_leave(const struct op *op);
op_fn sel_enter(const struct op *op);
op_fn sel_xlat(const struct op *op);
op_fn sel_bound(const struct op *op);
op_fn sel_nop(const struct op *op);

/* ops_string.c: sub = 0 MOVS 1 CMPS 2 STOS 3 LODS 4 SCAS 5 INS 6 OUTS */
op_fn sel_string(const struct op *op);

/* ops_ctrl.c */
op_fn sel_jmp_rel(const struct op *op);
op_fn sel_jcc(const struct op *op);
op_fn sel_call_rel(const struct op *op);
op_fn sel_ret(const struct op *op); /* imm = bytes to pop */
op_fn sel_jmp_E(const struct op *op);
op_fn sel_call_E(const struct op *op);
op_fn sel_jmp_far(const struct op *op); /* imm = offset, imm2 unused: selector in op->disp */
op_fn sel_call_far(const struct op *op);
op_fn sel_jmp_far_E(const struct op *op);
op_fn sel_call_far_E(const struct op *op);
op_fn sel_retf(const struct op *op);
op_fn sel_iret(const struct op *op);
op_fn sel_loop(const struct op *op); /* sub: 0 LOOPNE 1 LOOPE 2 LOOP 3 JCXZ */
op_fn sel_int(const struct op *op);  /* sub: 0 INT imm, 1 INT3, 2 INTO, 3 INT1 */
op_fn sel_exit_fallthrough(const struct op *op);
op_fn sel_exit_nochain(const struct op *op);
op_fn sel_exit_fault(const struct op *op); /* raise exception imm (error imm2) at op->eip */

/* ops_system.c */
op_fn sel_hlt(const struct op *op);
op_fn sel_cli_sti(const struct op *op); /* sub 0 CLI 1 STI */
op_fn sel_in_out(const struct op *op);  /* sub: 0 IN imm, 1 IN DX, 2 OUT imm, 3 OUT DX */
op_fn sel_mov_cr(const struct op *op);  /* sub 0: read CRn into rm, 1: write */
op_fn sel_mov_dr(const struct op *op);
op_fn sel_grp7(const struct op *op); /* 0F 01 /reg */
op_fn sel_grp6(const struct op *op); /* 0F 00 /reg */
op_fn sel_cpuid(const struct op *op);
op_fn sel_rdtsc(const struct op *op);
op_fn sel_msr(const struct op *op); /* sub 0 RDMSR 1 WRMSR */
op_fn sel_clts(const struct op *op);
op_fn sel_cache(const struct op *op);   /* INVD/WBINVD: no cache to model */
op_fn sel_lar_lsl(const struct op *op); /* sub 0 LAR 1 LSL */
op_fn sel_arpl(const struct op *op);
op_fn sel_rdpmc(const struct op *op);
op_fn sel_sysenter(const struct op *op); /* sub 0 SYSENTER, 1 SYSEXIT */

/* ops_system.c: time stamp counter source shared with RDTSC */
uint64_t cpu_tsc(struct cpu *cpu);

#endif
