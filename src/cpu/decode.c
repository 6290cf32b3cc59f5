/* decode.c - the x86 instruction decoder: prefixes, opcode maps, ModRM/SIB
 * (16- and 32-bit addressing), displacements and immediates, all driven by
 * insn_table.c.  SDM Vol. 2, chapter 2 ("Instruction format"). */
#include "cpu/decode.h"

#include <string.h>

#include "cpu/x87.h"

struct dstate {
    int max_len; /* 15 bytes; 10 on the 286 (80286 manual, "Instruction length limit") */
    const struct fetch *f;
    uint32_t eip0;
    int len;
    int failed;
    struct decoded *d;
};

static uint8_t next(struct dstate *s)
{
    if (s->len >= s->max_len) {
        s->failed = DEC_TOO_LONG;
        return 0;
    }
    int b = s->failed ? 0 : s->f->byte(s->f->ctx, s->eip0 + (uint32_t)s->len);
    if (b < 0) {
        s->failed = DEC_FETCH_FAIL;
        b = 0;
    }
    s->d->bytes[s->len++] = (uint8_t)b;
    return (uint8_t)b;
}

static uint32_t next16(struct dstate *s)
{
    uint32_t lo = next(s);
    return lo | ((uint32_t)next(s) << 8);
}

static uint32_t next32(struct dstate *s)
{
    uint32_t lo = next16(s);
    return lo | (next16(s) << 16);
}

/* 16-bit ModRM addressing (SDM table 2-1): base, index, default segment */
static const uint8_t ea16_base[8] = {R_EBX, R_EBX, R_EBP, R_EBP, R_ESI, R_EDI, R_EBP, R_EBX};
static const uint8_t ea16_index[8] = {R_ESI, R_EDI, R_ESI, R_EDI, 8, 8, 8, 8};

static void decode_modrm(struct dstate *s, struct op *op, uint8_t modrm, int seg_override)
{
    unsigned mod = modrm >> 6, rm = modrm & 7;
    op->reg = (modrm >> 3) & 7;
    op->rm = (uint8_t)rm;
    op->base = 8;
    op->index = 8;
    op->scale = 0;
    op->disp = 0;
    if (mod == 3) {
        op->is_mem = 0;
        return;
    }
    op->is_mem = 1;
    int seg = SEG_DS;
    if (op->asize == 2) {
        if (mod == 0 && rm == 6) {
            op->disp = next16(s);
        } else {
            op->base = ea16_base[rm];
            op->index = ea16_index[rm];
            if (rm == 2 || rm == 3 || rm == 6)
                seg = SEG_SS;
            if (mod == 1)
                op->disp = (uint32_t)(int32_t)(int8_t)next(s);
            else if (mod == 2)
                op->disp = next16(s);
        }
    } else {
        if (rm == 4) {
            uint8_t sib = next(s);
            unsigned base = sib & 7, index = (sib >> 3) & 7;
            op->scale = sib >> 6;
            op->index = index == 4 ? 8 : (uint8_t)index;
            if (base == 5 && mod == 0) {
                op->disp = next32(s);
            } else {
                op->base = (uint8_t)base;
                if (base == R_ESP || base == R_EBP)
                    seg = SEG_SS;
            }
        } else if (rm == 5 && mod == 0) {
            op->disp = next32(s);
        } else {
            op->base = (uint8_t)rm;
            if (rm == R_EBP)
                seg = SEG_SS;
        }
        if (mod == 1)
            op->disp = (uint32_t)(int32_t)(int8_t)next(s);
        else if (mod == 2)
            op->disp = next32(s);
    }
    op->seg = (uint8_t)(seg_override >= 0 ? seg_override : seg);
}

static int has_modrm(const struct insn_def *def)
{
    for (int i = 0; i < 3; i++) {
        uint8_t o = def->opnd[i];
        if ((o >= OPN_Eb && o <= OPN_Nq))
            return 1;
    }
    return 0;
}

static int is_group_modrm(const struct insn_def *def)
{
    return (def->flags & IF_GROUP) != 0;
}

static void set_invalid(struct op *op)
{
    op->fn = sel_exit_fault(op);
    op->imm = EXC_UD;
    op->imm2 = 0;
    op->sub = 0;
}

/* POP CS exists only on the 8086 (0F was made the two-byte escape on the 286) */
static const struct insn_def pop_cs_8086 = {"pop", {OPN_SEG, OPN_NONE, OPN_NONE}, SZ_V, 3, IF_STOP, sel_pop,
                                            NULL};
/* ESC without a coprocessor: the 8086/286 decode the ModRM byte and do
 * nothing else, except that the 286 traps it with MSW.EM or TS (x87.c) */
static const struct insn_def esc_nop = {"esc", {OPN_NONE, OPN_NONE, OPN_NONE}, SZ_NONE, 0, 0, sel_esc_nop,
                                        NULL};

enum decode_status decode_insn(const struct fetch *f, uint32_t eip, int cs32, struct op *op,
                               struct decoded *d)
{
    return decode_insn_model(f, eip, cs32, CPU_MODEL_PENTIUM2, op, d);
}

/* 8086 opcode aliases (undocumented, from the 8086's partial decoding):
 * 60-6F act as 70-7F, C0/C1 as C2/C3, C8/C9 as CA/CB; F1 is a LOCK prefix */
static uint8_t alias_8086(uint8_t b)
{
    if (b >= 0x60 && b <= 0x6F)
        return (uint8_t)(b + 0x10);
    if (b == 0xC0 || b == 0xC1 || b == 0xC8 || b == 0xC9)
        return (uint8_t)(b + 2);
    return b;
}

enum decode_status decode_insn_model(const struct fetch *f, uint32_t eip, int cs32, enum cpu_model model,
                                     struct op *op, struct decoded *d)
{
    int is386 = model >= CPU_MODEL_386;
    struct dstate s = {model == CPU_MODEL_286 ? 10 : 15, f, eip, 0, 0, d};
    memset(op, 0, sizeof *op);
    memset(d, 0, sizeof *d);
    op->eip = eip;
    int osize32 = cs32, asize32 = cs32, seg_override = -1;
    uint8_t pfx = 0, b;
    for (;;) {
        b = next(&s);
        if (s.failed)
            return (enum decode_status)s.failed;
        switch (b) {
        case 0x26:
            seg_override = SEG_ES;
            continue;
        case 0x2E:
            seg_override = SEG_CS;
            continue;
        case 0x36:
            seg_override = SEG_SS;
            continue;
        case 0x3E:
            seg_override = SEG_DS;
            continue;
        case 0x64:
        case 0x65:
        case 0x66:
        case 0x67:
            if (!is386)
                break; /* not prefixes before the 386 */
            if (b == 0x64)
                seg_override = SEG_FS;
            else if (b == 0x65)
                seg_override = SEG_GS;
            else if (b == 0x66)
                osize32 = !cs32;
            else
                asize32 = !cs32;
            continue;
        case 0xF1:
            if (model != CPU_MODEL_8086)
                break;
            pfx |= PFX_LOCK;
            continue;
        case 0xF0:
            pfx |= PFX_LOCK;
            continue;
        case 0xF2:
            pfx = (uint8_t)((pfx & ~PFX_REP) | PFX_REPNE);
            continue;
        case 0xF3:
            pfx = (uint8_t)((pfx & ~PFX_REPNE) | PFX_REP);
            continue;
        default:
            break;
        }
        break;
    }
    if (seg_override >= 0)
        pfx |= PFX_SEG;
    if (!cs32)
        pfx |= PFX_CS16;
    op->pfx = pfx;
    op->asize = asize32 ? 4 : 2;
    op->seg = (uint8_t)(seg_override >= 0 ? seg_override : SEG_DS);
    const struct insn_def *def;
    if (model == CPU_MODEL_8086)
        b = alias_8086(b);
    if (b == 0x0F && model == CPU_MODEL_8086) {
        op->opcode = b;
        def = &pop_cs_8086;
    } else if (b == 0x0F) {
        b = next(&s);
        op->opcode = (uint16_t)(0x0F00 | b);
        def = &insn_map2[b];
        /* the 286 has only the protected-mode system opcodes 0F 00-03 and 0F 06 */
        if (!is386 && b > 0x06)
            def = &insn_map2[0x0B]; /* UD2's entry: invalid */
    } else {
        op->opcode = b;
        def = &insn_map1[b];
        if (!is386 && (b >= 0x64 && b <= 0x67))
            def = &insn_map2[0x0B];
        if (!is386 && b >= 0xD8 && b <= 0xDF)
            def = &esc_nop;
    }
    uint8_t modrm = 0;
    int modrm_read = 0;
    if (is_group_modrm(def) || (def->flags & IF_X87) || def == &esc_nop || (def->mnem && has_modrm(def))) {
        modrm = next(&s);
        modrm_read = 1;
        if (is_group_modrm(def)) {
            unsigned r = (modrm >> 3) & 7;
            /* the 8086 ignores ModRM.reg for 8F, C6 and C7, and FF /7 is PUSH */
            if (model == CPU_MODEL_8086 && (b == 0x8F || b == 0xC6 || b == 0xC7))
                r = 0;
            else if (model == CPU_MODEL_8086 && b == 0xFF && r == 7)
                r = 6;
            def = &def->group[r];
        }
    }
    if (modrm_read) {
        /* MOV CRn/DRn ignore mod: the operand is always a register */
        if (def->opnd[0] == OPN_Rd || def->opnd[1] == OPN_Rd)
            modrm |= 0xC0;
        decode_modrm(&s, op, modrm, seg_override);
    }
    d->def = NULL;
    if (s.failed) {
        d->len = s.len;
        return (enum decode_status)s.failed;
    }
    int invalid = !def->mnem || (def->flags & IF_INVALID);
    if (((def->flags & IF_486) && model < CPU_MODEL_486) ||
        ((def->flags & IF_586) && model < CPU_MODEL_PENTIUM) ||
        ((def->flags & IF_686) && model < CPU_MODEL_PENTIUM2) ||
        ((def->flags & IF_MMX) && model < CPU_MODEL_PENTIUM_MMX))
        invalid = 1;
    if (!invalid && (def->flags & IF_NOMOD3) && !op->is_mem)
        invalid = 1;
    for (int i = 0; !invalid && i < 3; i++) {
        uint8_t o = def->opnd[i];
        if ((o == OPN_M || o == OPN_Mp) && !op->is_mem)
            invalid = 1;
        if (o == OPN_Nq && op->is_mem)
            invalid = 1;
    }
    /* LOCK only on the listed read-modify-write forms with a memory destination (SDM LOCK) */
    /* (the 8086 and 286 accept LOCK on anything; #UD for it came with the 386) */
    if (!invalid && is386 && (pfx & PFX_LOCK) && (!(def->flags & IF_LOCK) || !op->is_mem))
        invalid = 1;
    switch (def->sz) {
    case SZ_B:
        op->size = 1;
        break;
    case SZ_W:
        op->size = 2;
        break;
    case SZ_D:
        op->size = 4;
        break;
    default:
        op->size = osize32 ? 4 : 2;
        break;
    }
    /* immediates and other trailing operands */
    uint32_t next_ip_mask = cs32 ? 0xFFFFFFFFu : 0xFFFF;
    int imm_count = 0;
    for (int i = 0; i < 3; i++) {
        uint32_t v;
        int is_imm = 1;
        switch (def->opnd[i]) {
        case OPN_Ib:
            v = next(&s);
            break;
        case OPN_Ibs:
            v = sext(next(&s), 1) & size_mask(op->size);
            break;
        case OPN_Iw:
            v = next16(&s);
            break;
        case OPN_Iz:
            v = osize32 ? next32(&s) : next16(&s);
            break;
        case OPN_Jb: {
            int32_t rel = (int8_t)next(&s);
            v = (uint32_t)rel; /* made absolute below */
            break;
        }
        case OPN_Jz:
            v = osize32 ? next32(&s) : (uint32_t)(int32_t)(int16_t)next16(&s);
            break;
        case OPN_Ap:
            v = osize32 ? next32(&s) : next16(&s);
            op->disp = next16(&s); /* selector */
            break;
        case OPN_Ob:
        case OPN_Ov:
            op->disp = asize32 ? next32(&s) : next16(&s);
            is_imm = 0;
            v = 0;
            break;
        default:
            is_imm = 0;
            v = 0;
            break;
        }
        if (!is_imm)
            continue;
        if (imm_count++ == 0)
            op->imm = v;
        else
            op->imm2 = v;
    }
    if (s.failed) {
        d->len = s.len;
        return (enum decode_status)s.failed;
    }
    op->len = (uint8_t)s.len;
    d->len = s.len;
    d->def = invalid ? NULL : def;
    if (invalid) {
        set_invalid(op);
        return DEC_OK;
    }
    /* operand fix-ups the handler families expect */
    for (int i = 0; i < 3; i++) {
        switch (def->opnd[i]) {
        case OPN_Jb:
        case OPN_Jz:
            op->imm = (eip + (uint32_t)s.len + op->imm) & (osize32 ? next_ip_mask : 0xFFFF);
            break;
        case OPN_Zb:
        case OPN_Zv:
            op->rm = b & 7;
            op->reg = b & 7;
            op->is_mem = 0;
            break;
        case OPN_AL:
        case OPN_eAX:
            if (i == 0 && !(def->opnd[1] == OPN_Ob || def->opnd[1] == OPN_Ov)) {
                op->rm = R_EAX;
                op->reg = R_EAX;
                op->is_mem = 0;
            }
            break;
        case OPN_ONE:
            op->imm = 1;
            break;
        case OPN_CL:
            op->imm = COUNT_CL;
            break;
        case OPN_SEG:
            /* segment encoded in the opcode: 06/07 ES, 0E CS, 16/17 SS, 1E/1F DS, 0F A0/A1 FS, 0F A8/A9 GS */
            op->reg = op->opcode >= 0x0F00 ? ((b >> 3) & 1 ? SEG_GS : SEG_FS) : (uint8_t)((b >> 3) & 3);
            break;
        default:
            break;
        }
    }
    if ((def->opnd[0] == OPN_Zv || def->opnd[0] == OPN_Zb) && def->sel == sel_xchg)
        op->reg = R_EAX;
    if (def->sel == sel_movx)
        op->imm = def->opnd[1] == OPN_Eb ? 1 : 2;
    if (def->sel == sel_bt)
        op->imm2 = def->opnd[1] == OPN_Ib ? 1 : 0;
    if (def->sel == sel_shift_E || def->sel == sel_shd) {
        int cntop = def->sel == sel_shd ? 2 : 1;
        if (def->opnd[cntop] == OPN_Ib)
            op->imm &= 0xFF;
    }
    if (def->sel == sel_enter)
        op->imm2 &= 0xFF;
    if (def->sel == sel_in_out && (def->opnd[0] == OPN_Ib || def->opnd[1] == OPN_Ib))
        op->imm &= 0xFF;
    /* string ops: source segment overridable, default DS */
    if (def->sel == sel_string || def->sel == sel_xlat)
        op->seg = (uint8_t)(seg_override >= 0 ? seg_override : SEG_DS);

    op->sub = def->sub;
    if (def->flags & IF_SWAP && !op->is_mem) {
        uint8_t t = op->reg;
        op->reg = op->rm;
        op->rm = t;
    }
    if (def->flags & IF_RM2REG && !op->is_mem)
        op->reg = op->rm;
    if (def->flags & IF_X87) {
        op->fn = x87_select(op, b, modrm, model);
        if (!op->fn) {
            set_invalid(op);
            d->def = NULL;
        }
        return DEC_OK;
    }
    op->fn = def->sel(op);
    return DEC_OK;
}
