/* desc.h - segment descriptors and system memory (GDT, LDT, IDT, TSS). */
#ifndef DYNAPC_DESC_H
#define DYNAPC_DESC_H

#include "cpu/cpu_internal.h"

struct desc {
    uint32_t lo, hi;
    uint32_t addr; /* linear address of the descriptor */
};

/* linear reads/writes with supervisor rights (faults through cpu_raise) */
uint32_t sys_read(struct cpu *cpu, uint32_t lin, unsigned size);
void sys_write(struct cpu *cpu, uint32_t lin, uint32_t v, unsigned size);

uint32_t desc_base(const struct desc *d);
uint32_t desc_limit(const struct desc *d);
uint16_t desc_attr(const struct desc *d);
static inline unsigned desc_type(const struct desc *d)
{
    return (d->hi >> 8) & 0x1F; /* S bit + type */
}
static inline unsigned desc_dpl(const struct desc *d)
{
    return (d->hi >> 13) & 3;
}
static inline int desc_present(const struct desc *d)
{
    return (d->hi & 0x8000) != 0;
}
/* 0, or -1 if the selector lies outside its table */
int read_desc(struct cpu *cpu, uint16_t sel, struct desc *d);
void set_accessed(struct cpu *cpu, struct desc *d);
void seg_from_desc(struct seg *s, uint16_t sel, const struct desc *d);

/* task.c: hardware task switch (SDM Vol. 3A 7.3) */
enum task_source { TASK_JMP, TASK_CALL, TASK_IRET, TASK_INT };
void cpu_task_switch(struct cpu *cpu, const struct op *op, uint16_t tss_sel, struct desc *tss_desc,
                     enum task_source src, uint32_t ret_eip, int has_err, uint32_t err);

#endif
