/* translate.c - building a translation block: decode guest instructions
 * from the block's entry until a control transfer, a mode change, the end
 * of the page or TB_MAX_INSNS, into an array of pre-decoded ops.  With
 * -d in_asm, the block's guest code is shown as capstone disassembles it. */
#include <capstone/capstone.h>
#include <inttypes.h>

#include "cpu/decode.h"
#include "cpu/x87.h"
#include "devices/physmem.h"
#include "translate/tb.h"

struct fetch_ctx {
    struct cpu *cpu;
    uint32_t cs_base, cs_limit;
    uint32_t page_lin[2];
    const uint8_t *host[2];
    uint32_t phys[2];
    int npages;
    uint32_t fail_lin;
    int fail_gp;
};

static int fetch_byte(void *vctx, uint32_t eip)
{
    struct fetch_ctx *f = vctx;
    if (eip > f->cs_limit) {
        f->fail_gp = 1;
        return -1;
    }
    uint32_t lin = f->cs_base + eip;
    uint32_t page = lin & ~0xFFFu;
    for (int i = 0; i < f->npages; i++) {
        if (f->page_lin[i] == page) {
            if (f->host[i])
                return f->host[i][lin & 0xFFF];
            return (int)physmem_read(f->cpu->host.mem, f->phys[i] | (lin & 0xFFF), 1);
        }
    }
    if (f->npages == 2)
        return -1;
    uint32_t pa;
    if (mmu_probe(f->cpu, lin, &pa)) {
        f->fail_lin = lin;
        return -1;
    }
    struct physmem_page pg = physmem_lookup(f->cpu->host.mem, pa);
    f->page_lin[1] = page;
    f->host[1] = pg.host;
    f->phys[1] = pa & ~0xFFFu;
    f->npages = 2;
    return pg.host ? pg.host[lin & 0xFFF] : (int)physmem_read(f->cpu->host.mem, pa, 1);
}

static void log_block(struct cpu *cpu, const struct tb *tb, const uint8_t *code, size_t len)
{
    FILE *out = cpu->host.log;
    csh h;
    int cs32 = (tb->flags & TBF_CS32) != 0;
    fprintf(out, "IN: [phys %08" PRIx32 " flags %02" PRIx32 "]\n", tb->phys_pc, tb->flags);
    if (cs_open(CS_ARCH_X86, cs32 ? CS_MODE_32 : CS_MODE_16, &h) != CS_ERR_OK) {
        fprintf(out, "  (capstone unavailable)\n");
        return;
    }
    cs_insn *insn;
    size_t n = cs_disasm(h, code, len, tb->cs_base + tb->eip, 0, &insn);
    size_t done = 0;
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "0x%08" PRIx64 ":  %-8s %s\n", insn[i].address, insn[i].mnemonic, insn[i].op_str);
        done += insn[i].size;
    }
    if (done < len)
        fprintf(out, "0x%08" PRIx32 ":  (%zu bytes capstone does not decode)\n",
                (uint32_t)(tb->cs_base + tb->eip + done), len - done);
    if (n)
        cs_free(insn, n);
    cs_close(&h);
    fprintf(out, "\n");
}

struct tb *translate_block(struct cpu *cpu, uint32_t phys_pc, uint32_t flags)
{
    struct tb *tb = tb_alloc(cpu, TB_MAX_INSNS + 1);
    tb->phys_pc = phys_pc;
    tb->eip = cpu->eip;
    tb->cs_base = cpu->seg[SEG_CS].base;
    tb->flags = flags;
    int cs32 = (flags & TBF_CS32) != 0;
    struct fetch_ctx fc = {.cpu = cpu, .cs_base = tb->cs_base, .cs_limit = cpu->seg[SEG_CS].limit};
    fc.page_lin[0] = (tb->cs_base + tb->eip) & ~0xFFFu;
    struct physmem_page pg = physmem_lookup(cpu->host.mem, phys_pc);
    fc.host[0] = pg.host;
    fc.phys[0] = phys_pc & ~0xFFFu;
    fc.npages = 1;
    struct fetch f = {fetch_byte, &fc};
    uint8_t code[TB_MAX_INSNS * 15];
    size_t code_len = 0;
    uint32_t eip = tb->eip;
    uint32_t n = 0;
    int need_exit = 0, exit_chain = 1;
    uint32_t exit_eip = eip;
    /* single-stepping (TF) translates one instruction per block */
    uint32_t max = (flags & (TBF_TF | TBF_STEP | TBF_DEBUG)) ? 1 : TB_MAX_INSNS;
    for (;;) {
        struct op *op = &tb->ops[n];
        if (n > 0 && cpu->dbg_exec && debug_exec_hits(cpu, tb->cs_base + eip)) {
            need_exit = 1; /* a breakpoint starts its own block */
            exit_eip = eip;
            break;
        }
        struct decoded d;
        enum decode_status st = decode_insn_model(&f, eip, cs32, cpu->model, op, &d);
        if (st != DEC_OK) {
            if (n > 0) {
                /* the fault belongs to this instruction: end the block before it */
                need_exit = 1;
                exit_eip = eip;
                break;
            }
            tb_abandon(cpu, tb);
            if (st == DEC_TOO_LONG || fc.fail_gp)
                cpu_raise(cpu, EXC_GP, 0, 1);
            mmu_translate(cpu, NULL, fc.fail_lin, 0, cpu->cpl == 3);
            cpu_raise(cpu, EXC_PF, 0, 1); /* not reached: the walk faults */
        }
        memcpy(code + code_len, d.bytes, (size_t)d.len);
        code_len += (size_t)d.len;
        n++;
        uint32_t next = eip + op->len;
        if (!cs32)
            next &= 0xFFFF;
        unsigned fl = d.def ? d.def->flags : IF_END;
        if (fl & IF_BRANCH) {
            op->imm2 = n - 1;
            if (n >= 2 && op->fn == sel_jcc(op)) {
                op_fn pair = sel_jcc_pair(&tb->ops[n - 2]);
                if (pair)
                    tb->ops[n - 2].fn = pair;
            }
            break;
        }
        if (fl & IF_END)
            break;
        if ((fl & IF_STOP) || (op->fn == sel_mov_sreg(op) && op->sub == 1 && op->reg == SEG_SS)) {
            need_exit = 1;
            exit_chain = 0;
            exit_eip = next;
            break;
        }
        if (n >= max || ((tb->cs_base + next) & ~0xFFFu) != fc.page_lin[0] || fc.npages == 2) {
            need_exit = 1;
            exit_eip = next;
            break;
        }
        eip = next;
    }
    if (need_exit) {
        struct op *x = &tb->ops[n];
        memset(x, 0, sizeof *x);
        x->eip = exit_eip;
        x->imm = exit_eip;
        x->imm2 = n;
        x->fn = exit_chain ? sel_exit_fallthrough(x) : sel_exit_nochain(x);
        n++;
    }
    x87_fuse(tb->ops, n);
    for (uint32_t i = 0; i + 1 < n; i++) {
        op_fn thr = sel_threaded_alu(&tb->ops[i]);
        if (!thr)
            thr = sel_threaded_mem(&tb->ops[i]);
        if (thr)
            tb->ops[i].fn = thr;
    }
    tb->nops = n;
    tb->ninsn = need_exit ? n - 1 : n;
    if (tb->ninsn == 0)
        tb->ninsn = 1;
    tb->size = (uint32_t)code_len;
    if (fc.npages == 2)
        tb->phys_page2 = fc.phys[1];
    tb_commit(cpu, tb);
    if ((cpu->host.log_mask & LOG_IN_ASM) && cpu->host.log)
        log_block(cpu, tb, code, code_len);
    return tb;
}
