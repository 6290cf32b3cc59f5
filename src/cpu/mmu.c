/* mmu.c - linear -> physical translation (IA-32 two-level paging, 4 KB
 * and 4 MB PSE pages, A/D bits, #PF error codes) and the soft TLB's slow
 * paths.  SDM Vol. 3A, chapter 4 ("Paging"). */
#include "cpu/cpu_internal.h"

#include "devices/bus.h"
#include "devices/physmem.h"
#include "translate/tb.h"

void tlb_flush(struct cpu *cpu)
{
    for (int s = 0; s < 2; s++)
        for (unsigned i = 0; i < TLB_SIZE; i++) {
            cpu->tlb_sets[s][i].tag_r = TLB_INVALID;
            cpu->tlb_sets[s][i].tag_w = TLB_INVALID;
        }
}

void tlb_flush_page(struct cpu *cpu, uint32_t lin)
{
    uint32_t page = lin & ~0xFFFu;
    for (int s = 0; s < 2; s++) {
        struct tlb_entry *e = &cpu->tlb_sets[s][(lin >> 12) & (TLB_SIZE - 1)];
        if (e->tag_r == page || e->tag_w == page) {
            e->tag_r = TLB_INVALID;
            e->tag_w = TLB_INVALID;
        }
    }
}

/* page-table entries are 4-byte aligned: one lookup per access */
static uint32_t phys_ld32(struct cpu *cpu, uint32_t pa)
{
    struct physmem_page pg = physmem_lookup(cpu->host.mem, pa);
    if (pg.host)
        return ld_le32(pg.host + (pa & 0xFFC));
    return (uint32_t)physmem_read(cpu->host.mem, pa, 4);
}

static void phys_st32(struct cpu *cpu, uint32_t pa, uint32_t v)
{
    struct physmem_page pg = physmem_lookup(cpu->host.mem, pa);
    if (pg.host && pg.writable && !tb_page_has_code(cpu->tbc, pa)) {
        st_le32(pg.host + (pa & 0xFFC), v);
        return;
    }
    physmem_write(cpu->host.mem, pa, v, 4);
}

/* Walks the page tables.  Returns 0 and the physical address, or the #PF
 * error code | 0x100 when the access is not allowed.  A and D bits are
 * set as the hardware sets them: A on every successful walk, D on a write
 * (SDM 4.8). */
static int page_walk(struct cpu *cpu, uint32_t lin, int write, int user, uint32_t *pa, int set_bits)
{
    cpu->walk_global = 0;
    uint32_t pde_addr = (cpu->cr3 & ~0xFFFu) + ((lin >> 22) << 2);
    uint32_t pde = phys_ld32(cpu, pde_addr);
    int err_base = (write ? 2 : 0) | (user ? 4 : 0);
    if (!(pde & 1))
        return 0x100 | err_base;
    int wp = (cpu->cr0 & CR0_WP) != 0;
    if ((pde & 0x80) && (cpu->cr4 & CR4_PSE)) {
        if ((user && !(pde & 4)) || (write && !(pde & 2) && (user || wp)))
            return 0x100 | err_base | 1;
        if (set_bits) {
            uint32_t npde = pde | 0x20 | (write ? 0x40 : 0);
            if (npde != pde)
                phys_st32(cpu, pde_addr, npde);
        }
        cpu->walk_global = (pde & 0x100) && (cpu->cr4 & CR4_PGE);
        *pa = (pde & 0xFFC00000u) | (lin & 0x3FFFFF);
        return 0;
    }
    uint32_t pte_addr = (pde & ~0xFFFu) + (((lin >> 12) & 0x3FF) << 2);
    uint32_t pte = phys_ld32(cpu, pte_addr);
    if (!(pte & 1))
        return 0x100 | err_base;
    uint32_t both = pde & pte;
    if ((user && !(both & 4)) || (write && !(both & 2) && (user || wp)))
        return 0x100 | err_base | 1;
    if (set_bits) {
        if (!(pde & 0x20))
            phys_st32(cpu, pde_addr, pde | 0x20);
        uint32_t npte = pte | 0x20 | (write ? 0x40 : 0);
        if (npte != pte)
            phys_st32(cpu, pte_addr, npte);
    }
    cpu->walk_global = (pte & 0x100) && (cpu->cr4 & CR4_PGE);
    *pa = (pte & ~0xFFFu) | (lin & 0xFFF);
    return 0;
}

uint32_t mmu_translate(struct cpu *cpu, const struct op *op, uint32_t lin, int write, int user)
{
    if (!(cpu->cr0 & CR0_PG))
        return lin;
    uint32_t pa;
    int r = page_walk(cpu, lin, write, user, &pa, 1);
    if (r) {
        cpu->cr2 = lin;
        if (op)
            cpu_fault(cpu, op, EXC_PF, (uint32_t)(r & 0xFF), 1);
        cpu_raise(cpu, EXC_PF, (uint32_t)(r & 0xFF), 1);
    }
    return pa;
}

static void tlb_fill(struct cpu *cpu, uint32_t lin, uint32_t pa, const struct physmem_page *pg, int write)
{
    if (unlikely(cpu->dbg_data))
        return; /* watched accesses must reach the slow path */
    struct tlb_entry *e = tlb_entry_for(cpu, lin);
    uint32_t page = lin & ~0xFFFu;
    uintptr_t addend = (uintptr_t)pg->host - page;
    if (e->tag_r != page || e->addend != addend)
        e->tag_w = TLB_INVALID;
    e->tag_r = page;
    e->addend = addend;
    e->phys_page = pa & ~0xFFFu;
    e->global = (cpu->cr0 & CR0_PG) && cpu->walk_global;
    if (write && pg->writable && !tb_page_has_code(cpu->tbc, pa))
        e->tag_w = page;
}

static int is_user(const struct cpu *cpu)
{
    return cpu->cpl == 3;
}

/* #AC: misaligned data access at CPL 3 with CR0.AM and EFLAGS.AC (SDM
 * 6.15 "Alignment Check Exception"); misaligned accesses always reach the
 * slow path, so this is the only place that checks */
static void check_alignment(struct cpu *cpu, const struct op *op, uint32_t lin, unsigned size)
{
    if ((lin & (size - 1)) && cpu->cpl == 3 && (cpu->cr0 & CR0_AM) && (cpu->eflags & F_AC))
        cpu_fault(cpu, op, EXC_AC, 0, 1);
}

uint64_t mem_read_slow(struct cpu *cpu, const struct op *op, uint32_t lin, unsigned size)
{
    if (op)
        check_alignment(cpu, op, lin, size);
    if (unlikely(cpu->dbg_data))
        debug_check_data(cpu, lin, size, 0);
    struct tlb_entry *e = tlb_entry_for(cpu, lin);
    if (e->tag_r == (lin & ~0xFFFu) && (lin & 0xFFF) + size <= 0x1000) {
        const uint8_t *p = (const uint8_t *)(e->addend + lin);
        return size == 8   ? (uint64_t)ld_le32(p) | (uint64_t)ld_le32(p + 4) << 32
               : size == 4 ? ld_le32(p)
               : size == 2 ? ld_le16(p)
                           : p[0];
    }
    if ((lin & 0xFFF) + size > 0x1000) {
        uint64_t v = 0;
        for (unsigned i = 0; i < size; i++)
            v |= mem_read_slow(cpu, op, lin + i, 1) << (8 * i);
        return v;
    }
    uint32_t pa = mmu_translate(cpu, op, lin, 0, is_user(cpu));
    struct physmem_page pg = physmem_lookup(cpu->host.mem, pa);
    if (pg.host) {
        tlb_fill(cpu, lin, pa, &pg, 0);
        const uint8_t *p = pg.host + (pa & 0xFFF);
        return size == 8   ? (uint64_t)ld_le32(p) | (uint64_t)ld_le32(p + 4) << 32
               : size == 4 ? ld_le32(p)
               : size == 2 ? ld_le16(p)
                           : p[0];
    }
    return bus_read(cpu->host.bus, BUS_MEM, pa & cpu->host.mem->a20_mask, size);
}

static void write_phys(struct cpu *cpu, uint32_t lin, uint32_t pa, uint64_t v, unsigned size, int fill)
{
    struct physmem_page pg = physmem_lookup(cpu->host.mem, pa);
    if (!pg.host && !pg.host_w) {
        bus_write(cpu->host.bus, BUS_MEM, pa & cpu->host.mem->a20_mask, v, size);
        return;
    }
    if (!pg.host_w)
        return; /* ROM: writes are dropped */
    uint8_t *p = pg.host_w + (pa & 0xFFF);
    for (unsigned i = 0; i < size; i++)
        p[i] = (uint8_t)(v >> (8 * i));
    if (tb_page_has_code(cpu->tbc, pa))
        tb_invalidate_phys(cpu, pa & cpu->host.mem->a20_mask, size);
    else if (fill)
        tlb_fill(cpu, lin, pa, &pg, 1);
}

void mem_write_slow(struct cpu *cpu, const struct op *op, uint32_t lin, uint64_t v, unsigned size)
{
    if (op)
        check_alignment(cpu, op, lin, size);
    if (unlikely(cpu->dbg_data))
        debug_check_data(cpu, lin, size, 1);
    struct tlb_entry *e = tlb_entry_for(cpu, lin);
    if (e->tag_w == (lin & ~0xFFFu) && (lin & 0xFFF) + size <= 0x1000) {
        uint8_t *p = (uint8_t *)(e->addend + lin);
        for (unsigned i = 0; i < size; i++)
            p[i] = (uint8_t)(v >> (8 * i));
        return;
    }
    int user = is_user(cpu);
    if ((lin & 0xFFF) + size > 0x1000) {
        /* both pages must be writable before either is written */
        unsigned first = 0x1000 - (lin & 0xFFF);
        uint32_t pa1 = mmu_translate(cpu, op, lin, 1, user);
        uint32_t pa2 = mmu_translate(cpu, op, lin + first, 1, user);
        write_phys(cpu, lin, pa1, v, first, 0);
        write_phys(cpu, lin + first, pa2, v >> (8 * first), size - first, 0);
        return;
    }
    uint32_t pa = mmu_translate(cpu, op, lin, 1, user);
    write_phys(cpu, lin, pa, v, size, 1);
}

void mmu_set_cr0(struct cpu *cpu, uint32_t v)
{
    uint32_t changed = cpu->cr0 ^ v;
    cpu->cr0 = v | CR0_ET;
    if (changed & (CR0_PG | CR0_WP | CR0_PE))
        tlb_flush(cpu);
    /* Only CS loads change the CPL in protected mode.  Setting PE keeps CPL
     * 0 until the far jump that reloads CS (SDM Vol. 3A 9.9.1), whatever the
     * RPL bits of the real-mode CS value (MEMDISK loads data selectors
     * before that jump); clearing PE makes it 0. */
    if (!(cpu->cr0 & CR0_PE))
        cpu->cpl = 0;
    cpu->tlb = cpu->tlb_sets[cpu->cpl == 3];
}

void mmu_set_cr3(struct cpu *cpu, uint32_t v)
{
    cpu->cr3 = v;
    if (!(cpu->cr4 & CR4_PGE)) {
        tlb_flush(cpu);
        return;
    }
    /* global pages survive a CR3 load (SDM 4.10.2.4) */
    for (int s = 0; s < 2; s++)
        for (unsigned i = 0; i < TLB_SIZE; i++) {
            struct tlb_entry *e = &cpu->tlb_sets[s][i];
            if (!e->global) {
                e->tag_r = TLB_INVALID;
                e->tag_w = TLB_INVALID;
            }
        }
}

void mmu_set_cr4(struct cpu *cpu, uint32_t v)
{
    uint32_t changed = cpu->cr4 ^ v;
    if (changed & (CR4_PSE | CR4_PGE))
        tlb_flush(cpu);
    cpu->cr4 = v;
    if (changed & CR4_DE)
        debug_update(cpu);
}

void seg_write_fault(struct cpu *cpu, const struct op *op, int seg)
{
    cpu_fault(cpu, op, seg == SEG_SS ? EXC_SS : EXC_GP, 0, 1);
}

void seg_limit_fault(struct cpu *cpu, const struct op *op, int seg, uint32_t ea, unsigned size)
{
    const struct seg *s = &cpu->seg[seg];
    /* in real mode the 286 reports every segment overrun as interrupt 13
     * (80286 manual, "Interrupt 13"); the 386 and later use #SS for SS */
    int vec = seg == SEG_SS && !(cpu->model == CPU_MODEL_286 && !(cpu->cr0 & CR0_PE)) ? EXC_SS : EXC_GP;
    if ((cpu->cr0 & CR0_PE) && !(cpu->eflags & F_VM) && !(s->attr & 0x80))
        cpu_fault(cpu, op, vec, 0, 1); /* null or unusable segment */
    uint32_t last = ea + size - 1;
    if ((s->attr & 0x18) == 0x10 && (s->attr & 0x04)) {
        /* expand-down data segment: valid offsets are (limit, top] (SDM 3.4.5.1) */
        uint32_t top = (s->attr & 0x4000) ? 0xFFFFFFFFu : 0xFFFFu;
        if (ea > s->limit && last >= ea && last <= top)
            return;
    } else if (last >= ea && last <= s->limit) {
        return;
    }
    cpu_fault(cpu, op, vec, 0, 1);
}

uint8_t *mmu_host_ptr(struct cpu *cpu, const struct op *op, uint32_t lin, int write)
{
    struct tlb_entry *e = tlb_entry_for(cpu, lin);
    if ((write ? e->tag_w : e->tag_r) == (lin & ~0xFFFu))
        return (uint8_t *)(e->addend + lin);
    uint32_t pa = mmu_translate(cpu, op, lin, write, is_user(cpu));
    struct physmem_page pg = physmem_lookup(cpu->host.mem, pa);
    if (!pg.host || (write && (!pg.writable || tb_page_has_code(cpu->tbc, pa))))
        return NULL;
    tlb_fill(cpu, lin, pa, &pg, write);
    return pg.host + (pa & 0xFFF);
}

int mmu_probe(struct cpu *cpu, uint32_t lin, uint32_t *pa)
{
    if (!(cpu->cr0 & CR0_PG)) {
        *pa = lin & cpu->host.mem->a20_mask;
        return 0;
    }
    uint32_t p;
    if (page_walk(cpu, lin, 0, is_user(cpu), &p, 1))
        return -1;
    *pa = p & cpu->host.mem->a20_mask;
    return 0;
}

uint32_t mmu_code_phys(struct cpu *cpu, uint32_t lin)
{
    struct tlb_entry *e = tlb_entry_for(cpu, lin);
    if (e->tag_r == (lin & ~0xFFFu))
        return e->phys_page | (lin & 0xFFF);
    uint32_t pa = mmu_translate(cpu, NULL, lin, 0, is_user(cpu)) & cpu->host.mem->a20_mask;
    struct physmem_page pg = physmem_lookup(cpu->host.mem, pa);
    if (pg.host)
        tlb_fill(cpu, lin, pa, &pg, 0);
    return pa;
}
