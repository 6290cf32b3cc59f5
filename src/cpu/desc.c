/* desc.c - descriptor tables (GDT/LDT) and other system memory, accessed
 * with supervisor privilege whatever the CPL (SDM Vol. 3A 5.1). */
#include "cpu/desc.h"

#include "devices/physmem.h"

uint32_t sys_read(struct cpu *cpu, uint32_t lin, unsigned size)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        uint32_t pa = mmu_translate(cpu, NULL, lin + i, 0, 0);
        v |= (uint32_t)physmem_read(cpu->host.mem, pa, 1) << (8 * i);
    }
    return v;
}

void sys_write(struct cpu *cpu, uint32_t lin, uint32_t v, unsigned size)
{
    for (unsigned i = 0; i < size; i++) {
        uint32_t pa = mmu_translate(cpu, NULL, lin + i, 1, 0);
        physmem_write(cpu->host.mem, pa, (v >> (8 * i)) & 0xFF, 1);
    }
}

uint32_t desc_base(const struct desc *d)
{
    return (d->lo >> 16) | ((d->hi & 0xFF) << 16) | (d->hi & 0xFF000000u);
}

uint32_t desc_limit(const struct desc *d)
{
    uint32_t l = (d->lo & 0xFFFF) | (d->hi & 0xF0000);
    return (d->hi & 0x800000) ? (l << 12) | 0xFFF : l;
}

uint16_t desc_attr(const struct desc *d)
{
    return (uint16_t)((d->hi >> 8) & 0xF0FF);
}

/* reads the descriptor for sel; returns 0, or -1 if the selector is outside its table */
int read_desc(struct cpu *cpu, uint16_t sel, struct desc *d)
{
    uint32_t base, limit;
    if (sel & 4) {
        base = cpu->ldtr.base;
        limit = cpu->ldtr.limit;
        if (!(cpu->ldtr.attr & 0x80))
            return -1;
    } else {
        base = cpu->gdtr.base;
        limit = cpu->gdtr.limit;
    }
    if ((uint32_t)(sel & ~7u) + 7 > limit)
        return -1;
    d->addr = base + (sel & ~7u);
    d->lo = sys_read(cpu, d->addr, 4);
    d->hi = sys_read(cpu, d->addr + 4, 4);
    return 0;
}

void set_accessed(struct cpu *cpu, struct desc *d)
{
    if (!(d->hi & 0x100)) {
        d->hi |= 0x100;
        sys_write(cpu, d->addr + 5, (d->hi >> 8) & 0xFF, 1);
    }
}

void seg_from_desc(struct seg *s, uint16_t sel, const struct desc *d)
{
    s->sel = sel;
    s->base = desc_base(d);
    s->limit = desc_limit(d);
    s->attr = desc_attr(d);
    seg_cache(s);
}
