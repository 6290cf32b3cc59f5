/* irq.h - interrupt lines as objects.  A device holds a pointer to a line
 * and raises or lowers it; whoever built the board decided where the line
 * goes (an 8259 input, the CPU's INTR pin, a test probe).  The same type
 * carries other one-bit signals between devices: A20, CPU reset. */
#ifndef DYNAPC_IRQ_H
#define DYNAPC_IRQ_H

struct irq_line {
    void (*set)(void *opaque, int n, int level);
    void *opaque;
    int n;
};

static inline struct irq_line irq_line_make(void (*set)(void *, int, int), void *opaque, int n)
{
    struct irq_line l = {set, opaque, n};
    return l;
}

static inline void irq_set(const struct irq_line *line, int level)
{
    if (line && line->set)
        line->set(line->opaque, line->n, level);
}

static inline void irq_raise(const struct irq_line *line)
{
    irq_set(line, 1);
}
static inline void irq_lower(const struct irq_line *line)
{
    irq_set(line, 0);
}

/* an edge: raise then lower (used for reset pulses and edge-only sources) */
static inline void irq_pulse(const struct irq_line *line)
{
    irq_set(line, 1);
    irq_set(line, 0);
}

#endif
