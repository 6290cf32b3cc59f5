/* ops_string.c - MOVS CMPS STOS LODS SCAS INS OUTS with REP/REPE/REPNE.
 *
 * Registers are updated after every element, so a fault part-way through a
 * REP leaves ECX/ESI/EDI as the hardware does and the instruction restarts
 * from there.  Forward REP MOVS/STOS on RAM run page-sized chunks with
 * memmove/memset through the soft TLB. */
#include "cpu/ops.h"

enum { S_MOVS, S_CMPS, S_STOS, S_LODS, S_SCAS, S_INS, S_OUTS };

static uint32_t amask(const struct op *op)
{
    return op->asize == 2 ? 0xFFFFu : 0xFFFFFFFFu;
}

static void adv(struct cpu *cpu, int r, const struct op *op, int32_t delta)
{
    uint32_t m = amask(op);
    cpu->r[r] = (cpu->r[r] & ~m) | ((cpu->r[r] + (uint32_t)delta) & m);
}

/* one element; returns 0 when a REPE/REPNE condition ends the loop */
/* A word string access that overruns its segment on the 286 raises #GP
 * with SI/DI (and CX under REP) already stepped, as the SingleStepTests
 * vectors captured from a real 80286 show. */
static void overrun_286(struct cpu *cpu, const struct op *op, int32_t d, uint32_t si, uint32_t di)
{
    int uses_si = op->sub == S_MOVS || op->sub == S_CMPS || op->sub == S_LODS || op->sub == S_OUTS;
    int uses_di = op->sub != S_LODS && op->sub != S_OUTS;
    int bad = (uses_si && si >= cpu->seg[op->seg].limit) || (uses_di && di >= cpu->seg[SEG_ES].limit);
    if (!bad)
        return;
    if (uses_si)
        adv(cpu, R_ESI, op, d);
    if (uses_di)
        adv(cpu, R_EDI, op, d);
    if (op->pfx & (PFX_REP | PFX_REPNE))
        adv(cpu, R_ECX, op, -1);
    cpu_fault(cpu, op, EXC_GP, 0, 1);
}

static int string_step(struct cpu *cpu, const struct op *op, int32_t d)
{
    unsigned s = op->size;
    uint32_t m = amask(op);
    uint32_t si = cpu->r[R_ESI] & m, di = cpu->r[R_EDI] & m;
    if (cpu->model == CPU_MODEL_286 && s == 2 && !(cpu->cr0 & CR0_PE))
        overrun_286(cpu, op, d, si, di);
    if (op->sub == S_MOVS || op->sub == S_STOS || op->sub == S_INS)
        seg_check_write(cpu, op, SEG_ES);
    switch (op->sub) {
    case S_MOVS: {
        uint32_t v = mem_read(cpu, op, seg_lin(cpu, op, op->seg, si, s), s);
        mem_write(cpu, op, seg_lin(cpu, op, SEG_ES, di, s), v, s);
        adv(cpu, R_ESI, op, d);
        adv(cpu, R_EDI, op, d);
        return 1;
    }
    case S_CMPS: {
        uint32_t a = mem_read(cpu, op, seg_lin(cpu, op, op->seg, si, s), s);
        uint32_t b = mem_read(cpu, op, seg_lin(cpu, op, SEG_ES, di, s), s);
        alu_op(cpu, 7, s, a, b);
        adv(cpu, R_ESI, op, d);
        adv(cpu, R_EDI, op, d);
        break;
    }
    case S_STOS:
        mem_write(cpu, op, seg_lin(cpu, op, SEG_ES, di, s), reg_get(cpu, R_EAX, s), s);
        adv(cpu, R_EDI, op, d);
        return 1;
    case S_LODS:
        reg_set(cpu, R_EAX, s, mem_read(cpu, op, seg_lin(cpu, op, op->seg, si, s), s));
        adv(cpu, R_ESI, op, d);
        return 1;
    case S_SCAS: {
        uint32_t b = mem_read(cpu, op, seg_lin(cpu, op, SEG_ES, di, s), s);
        alu_op(cpu, 7, s, reg_get(cpu, R_EAX, s), b);
        adv(cpu, R_EDI, op, d);
        break;
    }
    case S_INS: {
        uint32_t lin = seg_lin(cpu, op, SEG_ES, di, s);
        /* probe the destination first: the port read must not happen twice */
        mem_write(cpu, op, lin, mem_read(cpu, op, lin, s), s);
        uint32_t v = cpu_io_in(cpu, op, (uint16_t)cpu->r[R_EDX], s);
        mem_write(cpu, op, lin, v, s);
        adv(cpu, R_EDI, op, d);
        return 1;
    }
    default: {
        uint32_t v = mem_read(cpu, op, seg_lin(cpu, op, op->seg, si, s), s);
        cpu_io_out(cpu, op, (uint16_t)cpu->r[R_EDX], v, s);
        adv(cpu, R_ESI, op, d);
        return 1;
    }
    }
    if (op->pfx & PFX_REP)
        return (flags_arith(cpu) & F_ZF) != 0;
    if (op->pfx & PFX_REPNE)
        return (flags_arith(cpu) & F_ZF) == 0;
    return 1;
}

/* forward REP STOS/MOVS over RAM in chunks; returns elements done */
static uint32_t rep_chunk(struct cpu *cpu, const struct op *op, uint32_t count)
{
    unsigned s = op->size;
    uint32_t di = cpu->r[R_EDI];
    const struct seg *es = &cpu->seg[SEG_ES];
    if (cpu->dbg_data)
        return 0; /* watched accesses go element by element */
    seg_check_write(cpu, op, SEG_ES);
    if ((es->attr & 0x84) != 0x80 || di > es->limit || es->limit - di < count * s - 1 + 0 ||
        count * s / s != count)
        return 0;
    uint32_t dlin = es->base + di;
    uint32_t room = (0x1000 - (dlin & 0xFFF)) / s;
    if (room == 0)
        return 0;
    uint32_t n = count < room ? count : room;
    uint8_t *dst = mmu_host_ptr(cpu, op, dlin, 1);
    if (!dst)
        return 0;
    if (op->sub == S_STOS) {
        uint32_t v = cpu->r[R_EAX];
        if (s == 1) {
            memset(dst, (int)(v & 0xFF), n);
        } else {
            for (uint32_t i = 0; i < n; i++) {
                if (s == 4)
                    st_le32(dst + 4 * i, v);
                else
                    st_le16(dst + 2 * i, (uint16_t)v);
            }
        }
    } else {
        uint32_t si = cpu->r[R_ESI];
        const struct seg *ds = &cpu->seg[op->seg];
        if ((ds->attr & 0x84) != 0x80 || si > ds->limit || ds->limit - si < n * s - 1)
            return 0;
        uint32_t slin = ds->base + si;
        uint32_t sroom = (0x1000 - (slin & 0xFFF)) / s;
        if (sroom == 0)
            return 0;
        if (n > sroom)
            n = sroom;
        const uint8_t *src = mmu_host_ptr(cpu, op, slin, 0);
        if (!src)
            return 0;
        uint32_t bytes = n * s;
        /* overlapping forward copies replicate bytes; only the disjoint case is a memmove */
        if (dst < src + bytes && src < dst + bytes && dst != src)
            return 0;
        memmove(dst, src, bytes);
        cpu->r[R_ESI] = si + bytes;
    }
    cpu->r[R_EDI] = di + n * s;
    return n;
}

static const struct op *string_op(struct cpu *cpu, const struct op *op)
{
    int32_t d = (cpu->eflags & F_DF) ? -(int32_t)op->size : (int32_t)op->size;
    if (!(op->pfx & (PFX_REP | PFX_REPNE))) {
        string_step(cpu, op, d);
        return op + 1;
    }
    uint32_t m = amask(op);
    int fast = (op->sub == S_STOS || op->sub == S_MOVS) && d > 0 && op->asize == 4;
    while (cpu->r[R_ECX] & m) {
        if (fast) {
            uint32_t n = rep_chunk(cpu, op, cpu->r[R_ECX]);
            if (n) {
                cpu->r[R_ECX] -= n;
                continue;
            }
        }
        int go = string_step(cpu, op, d);
        cpu->r[R_ECX] = (cpu->r[R_ECX] & ~m) | ((cpu->r[R_ECX] - 1) & m);
        if (!go)
            break;
    }
    return op + 1;
}

op_fn sel_string(const struct op *op)
{
    (void)op;
    return string_op;
}
