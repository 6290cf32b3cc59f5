/* task.c - hardware task switching (SDM Vol. 3A chapter 7, "Task
 * Management", 7.3 "Task Switching"): JMP/CALL to a TSS or a task gate,
 * interrupts and exceptions through task gates, IRET with NT set. */
#include "cpu/desc.h"

/* 32-bit TSS offsets (SDM figure 7-2); the 16-bit TSS is figure 7-11 */
enum {
    T32_LINK = 0x00,
    T32_CR3 = 0x1C,
    T32_EIP = 0x20,
    T32_EFLAGS = 0x24,
    T32_EAX = 0x28,
    T32_ES = 0x48,
    T32_LDT = 0x60,
    T32_TRAP = 0x64
};
enum { T16_LINK = 0x00, T16_IP = 0x0E, T16_FLAGS = 0x10, T16_AX = 0x12, T16_ES = 0x22, T16_LDT = 0x2A };

static void set_busy(struct cpu *cpu, uint16_t sel, int busy)
{
    struct desc d;
    if (read_desc(cpu, sel, &d))
        return;
    uint32_t hi = busy ? d.hi | 0x200 : d.hi & ~0x200u;
    sys_write(cpu, d.addr + 4, hi, 4);
}

/* segment loads during a task switch fault with #TS (SDM 7.3 step 12) */
static void task_load_seg(struct cpu *cpu, int seg, uint16_t sel)
{
    struct seg *s = &cpu->seg[seg];
    uint16_t idx = sel & 0xFFFC;
    if (idx == 0) {
        if (seg == SEG_CS || seg == SEG_SS)
            cpu_raise(cpu, EXC_TS, idx, 1);
        s->sel = sel;
        s->base = 0;
        s->limit = 0;
        s->attr = 0;
        s->fast_end = 0;
        return;
    }
    struct desc d;
    if (read_desc(cpu, sel, &d))
        cpu_raise(cpu, EXC_TS, idx, 1);
    unsigned type = desc_type(&d), dpl = desc_dpl(&d), rpl = sel & 3;
    if (seg == SEG_CS) {
        if ((type & 0x18) != 0x18)
            cpu_raise(cpu, EXC_TS, idx, 1);
        if ((type & 4) ? dpl > rpl : dpl != rpl)
            cpu_raise(cpu, EXC_TS, idx, 1);
    } else if (seg == SEG_SS) {
        if ((type & 0x1A) != 0x12 || dpl != (unsigned)cpu->cpl || rpl != (unsigned)cpu->cpl)
            cpu_raise(cpu, EXC_TS, idx, 1);
    } else {
        if (!(type & 0x10) || (type & 0x1A) == 0x18)
            cpu_raise(cpu, EXC_TS, idx, 1);
        if ((type & 0x1C) != 0x1C && (rpl > dpl || (unsigned)cpu->cpl > dpl))
            cpu_raise(cpu, EXC_TS, idx, 1);
    }
    if (!desc_present(&d))
        cpu_raise(cpu, seg == SEG_SS ? EXC_SS : EXC_NP, idx, 1);
    set_accessed(cpu, &d);
    seg_from_desc(s, sel, &d);
}

void cpu_task_switch(struct cpu *cpu, const struct op *op, uint16_t tss_sel, struct desc *nd,
                     enum task_source src, uint32_t ret_eip, int has_err, uint32_t err)
{
    (void)op;
    uint16_t idx = tss_sel & 0xFFFC;
    unsigned type = desc_type(nd);
    int busy = (type & 2) != 0;
    if ((type & 0x15) != 0x01) /* 16- or 32-bit TSS, S = 0 */
        cpu_raise(cpu, EXC_GP, idx, 1);
    if (src == TASK_IRET ? !busy : busy)
        cpu_raise(cpu, src == TASK_IRET ? EXC_TS : EXC_GP, idx, 1);
    if (!desc_present(nd))
        cpu_raise(cpu, EXC_NP, idx, 1);
    int new32 = (type & 8) != 0;
    uint32_t nbase = desc_base(nd), nlimit = desc_limit(nd);
    if (nlimit < (new32 ? 0x67u : 0x2Bu))
        cpu_raise(cpu, EXC_TS, idx, 1);

    /* read the whole new state first: faults here leave the old task intact */
    uint32_t regs[8], neip, nflags, ncr3 = 0;
    uint16_t sels[6], nldt;
    if (new32) {
        ncr3 = sys_read(cpu, nbase + T32_CR3, 4);
        neip = sys_read(cpu, nbase + T32_EIP, 4);
        nflags = sys_read(cpu, nbase + T32_EFLAGS, 4);
        for (int i = 0; i < 8; i++)
            regs[i] = sys_read(cpu, nbase + T32_EAX + 4u * (unsigned)i, 4);
        for (int i = 0; i < 6; i++)
            sels[i] = (uint16_t)sys_read(cpu, nbase + T32_ES + 4u * (unsigned)i, 2);
        nldt = (uint16_t)sys_read(cpu, nbase + T32_LDT, 2);
    } else {
        neip = sys_read(cpu, nbase + T16_IP, 2);
        nflags = sys_read(cpu, nbase + T16_FLAGS, 2);
        for (int i = 0; i < 8; i++)
            regs[i] = (cpu->r[i] & 0xFFFF0000u) | sys_read(cpu, nbase + T16_AX + 2u * (unsigned)i, 2);
        for (int i = 0; i < 4; i++)
            sels[i] = (uint16_t)sys_read(cpu, nbase + T16_ES + 2u * (unsigned)i, 2);
        sels[SEG_FS] = sels[SEG_GS] = 0;
        nldt = (uint16_t)sys_read(cpu, nbase + T16_LDT, 2);
    }

    /* save the outgoing task */
    uint32_t obase = cpu->tr.base;
    int old32 = (cpu->tr.attr & 8) != 0;
    uint32_t oflags = cpu_get_eflags(cpu);
    if (src == TASK_IRET)
        oflags &= ~(uint32_t)F_NT;
    if (old32) {
        sys_write(cpu, obase + T32_EIP, ret_eip, 4);
        sys_write(cpu, obase + T32_EFLAGS, oflags, 4);
        for (int i = 0; i < 8; i++)
            sys_write(cpu, obase + T32_EAX + 4u * (unsigned)i, cpu->r[i], 4);
        for (int i = 0; i < 6; i++)
            sys_write(cpu, obase + T32_ES + 4u * (unsigned)i, cpu->seg[i].sel, 2);
    } else {
        sys_write(cpu, obase + T16_IP, ret_eip, 2);
        sys_write(cpu, obase + T16_FLAGS, oflags, 2);
        for (int i = 0; i < 8; i++)
            sys_write(cpu, obase + T16_AX + 2u * (unsigned)i, cpu->r[i], 2);
        for (int i = 0; i < 4; i++)
            sys_write(cpu, obase + T16_ES + 2u * (unsigned)i, cpu->seg[i].sel, 2);
    }
    if (src == TASK_JMP || src == TASK_IRET)
        set_busy(cpu, cpu->tr.sel, 0);
    if (src == TASK_CALL || src == TASK_INT) {
        sys_write(cpu, nbase + (new32 ? T32_LINK : T16_LINK), cpu->tr.sel, 2);
        nflags |= F_NT;
    }
    if (src != TASK_IRET)
        set_busy(cpu, tss_sel, 1);

    /* commit: from here on faults belong to the new task */
    cpu->tr.sel = tss_sel;
    cpu->tr.base = nbase;
    cpu->tr.limit = nlimit;
    cpu->tr.attr = (uint16_t)(desc_attr(nd) | 0x02);
    cpu->cr0 |= CR0_TS;
    if (new32 && (cpu->cr0 & CR0_PG))
        mmu_set_cr3(cpu, ncr3);
    for (int i = 0; i < 8; i++)
        cpu->r[i] = regs[i];
    cpu->eip = neip;
    cpu_set_eflags(cpu, new32 ? nflags : (cpu_get_eflags(cpu) & 0xFFFF0000u) | (nflags & 0xFFFF),
                   0xFFFFFFFFu);
    for (int i = 0; i < 6; i++)
        cpu->seg[i].sel = sels[i];
    /* LDT first: the segment selectors may refer to it */
    if ((nldt & 0xFFFC) == 0) {
        cpu->ldtr.sel = nldt;
        cpu->ldtr.attr = 0;
    } else {
        struct desc ld;
        if ((nldt & 4) || read_desc(cpu, nldt, &ld) || desc_type(&ld) != 0x02)
            cpu_raise(cpu, EXC_TS, nldt & 0xFFFC, 1);
        if (!desc_present(&ld))
            cpu_raise(cpu, EXC_TS, nldt & 0xFFFC, 1);
        seg_from_desc(&cpu->ldtr, nldt, &ld);
    }
    if (cpu->eflags & F_VM) {
        for (int i = 0; i < 6; i++)
            cpu_set_seg_real(cpu, i, sels[i]);
    } else {
        cpu->cpl = sels[SEG_CS] & 3;
        task_load_seg(cpu, SEG_CS, sels[SEG_CS]);
        task_load_seg(cpu, SEG_SS, sels[SEG_SS]);
        for (int i = 0; i < 6; i++)
            if (i != SEG_CS && i != SEG_SS)
                task_load_seg(cpu, i, sels[i]);
    }
    cpu_update_mode(cpu);
    if (cpu->eip > cpu->seg[SEG_CS].limit)
        cpu_raise(cpu, EXC_GP, 0, 1);
    if (has_err)
        cpu_push(cpu, NULL, err, new32 ? 4 : 2);
}
