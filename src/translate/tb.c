/* tb.c - the translation-block cache.
 *
 * TBs live in one bump-allocated arena; when it fills, every TB is dropped
 * at once (from the dispatcher, never while a TB runs).  Lookup: a per-CPU
 * jump cache indexed by linear eip, then a hash table keyed by (physical
 * pc, eip, CS base, mode bits).  Each RAM page holding code has a list of
 * its TBs and a bitmap of which 32-byte chunks they cover, so a store only
 * invalidates the TBs it really touches.  An invalidated TB's handlers are
 * redirected to an exit stub, which is how a TB that overwrites its own
 * later instructions stops right after the store and retranslates. */
#include "translate/tb.h"

#include <stdio.h>
#include <stdlib.h>

#include "cpu/ops.h"
#include "devices/physmem.h"

#define JC_BITS     12
#define JC_SIZE     (1u << JC_BITS)
#define HASH_BITS   15
#define HASH_SIZE   (1u << HASH_BITS)
#define CHUNK_SHIFT 5 /* 32-byte granules in the code bitmap */

struct code_page {
    uintptr_t tbs;      /* tagged list: tb pointer | which of its pages (0/1) */
    uint32_t bitmap[4]; /* 128 chunks of 32 bytes */
};

struct tb_cache {
    uint8_t *arena;
    size_t arena_size, used;
    struct tb *hash[HASH_SIZE];
    struct tb *jc[JC_SIZE];
    struct code_page **pages;
    uint32_t npages;
};

struct tb_cache *tb_cache_new(uint32_t ram_size, size_t arena_bytes)
{
    struct tb_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->arena = malloc(arena_bytes);
    c->npages = (ram_size + 0xFFF) >> 12;
    c->pages = calloc(c->npages ? c->npages : 1, sizeof *c->pages);
    if (!c->arena || !c->pages) {
        free(c->arena);
        free(c->pages);
        free(c);
        return NULL;
    }
    c->arena_size = arena_bytes;
    return c;
}

static void free_pages(struct tb_cache *c)
{
    for (uint32_t i = 0; i < c->npages; i++) {
        free(c->pages[i]);
        c->pages[i] = NULL;
    }
}

void tb_cache_free(struct tb_cache *c)
{
    if (!c)
        return;
    free_pages(c);
    free(c->pages);
    free(c->arena);
    free(c);
}

size_t tb_cache_bytes(const struct tb_cache *c)
{
    return c->used;
}

static unsigned jc_index(uint32_t lin)
{
    return (lin ^ (lin >> JC_BITS)) & (JC_SIZE - 1);
}

static unsigned hash_of(uint32_t phys, uint32_t eip, uint32_t cs_base, uint32_t flags)
{
    uint32_t h = phys * 0x9E3779B1u ^ (eip + cs_base) * 0x85EBCA77u ^ flags * 0xC2B2AE3Du;
    return (h ^ (h >> 15)) & (HASH_SIZE - 1);
}

void tb_jmp_cache_clear(struct cpu *cpu)
{
    memset(cpu->tbc->jc, 0, sizeof cpu->tbc->jc);
}

void tb_flush_all(struct cpu *cpu)
{
    struct tb_cache *c = cpu->tbc;
    memset(c->hash, 0, sizeof c->hash);
    memset(c->jc, 0, sizeof c->jc);
    free_pages(c);
    c->used = 0;
    cpu->last_tb = NULL;
    cpu->cur_tb = NULL;
    cpu->stats.tb_flushes++;
    /* pages lost their code marks: let writes use the fast path again */
    tlb_flush(cpu);
}

void tb_flush_deferred(struct cpu *cpu)
{
    if (cpu->cur_tb)
        tb_invalidate(cpu, cpu->cur_tb);
    cpu->flush_pending = 1;
}

void cpu_flush_translations(struct cpu *cpu)
{
    tb_flush_all(cpu);
}

struct tb *tb_alloc(struct cpu *cpu, int max_ops)
{
    struct tb_cache *c = cpu->tbc;
    size_t need = sizeof(struct tb) + (size_t)max_ops * sizeof(struct op);
    need = (need + 15) & ~(size_t)15;
    if (c->used + need > c->arena_size)
        tb_flush_all(cpu);
    struct tb *tb = (struct tb *)(void *)(c->arena + c->used);
    memset(tb, 0, sizeof *tb);
    tb->phys_page2 = ~0u;
    c->used += need;
    return tb;
}

void tb_abandon(struct cpu *cpu, struct tb *tb)
{
    struct tb_cache *c = cpu->tbc;
    /* only the newest allocation can be given back */
    c->used = (size_t)((uint8_t *)tb - c->arena);
}

bool tb_page_has_code(const struct tb_cache *c, uint32_t paddr)
{
    uint32_t p = paddr >> 12;
    return p < c->npages && c->pages[p] != NULL;
}

/* the bytes [*start, *end) that t covers in its page `which` (0: the page
 * of its first byte, 1: the next one) */
static void tb_span(const struct tb *t, int which, uint32_t *start, uint32_t *end)
{
    uint32_t off = t->phys_pc & 0xFFF;
    uint32_t first_len = off + t->size > 0x1000 ? 0x1000 - off : t->size;
    *start = which ? 0 : off;
    *end = which ? t->size - first_len : off + first_len;
}

static void mark_chunks(struct code_page *cp, const struct tb *t, int which)
{
    uint32_t start, end;
    tb_span(t, which, &start, &end);
    for (uint32_t ch = start >> CHUNK_SHIFT; ch <= (end - 1) >> CHUNK_SHIFT; ch++)
        cp->bitmap[ch >> 5] |= 1u << (ch & 31);
}

static void page_add(struct cpu *cpu, struct tb *tb, int which, uint32_t page_addr)
{
    struct tb_cache *c = cpu->tbc;
    uint32_t p = page_addr >> 12;
    if (p >= c->npages)
        return; /* ROM: cannot be written */
    struct code_page *cp = c->pages[p];
    if (!cp) {
        cp = calloc(1, sizeof *cp);
        if (!cp) {
            fprintf(stderr, "dynapc: out of memory tracking code pages\n");
            abort();
        }
        c->pages[p] = cp;
        /* writes to this page must now leave the TLB fast path */
        for (int s = 0; s < 2; s++)
            for (unsigned i = 0; i < TLB_SIZE; i++)
                if (cpu->tlb_sets[s][i].phys_page == page_addr)
                    cpu->tlb_sets[s][i].tag_w = TLB_INVALID;
    }
    mark_chunks(cp, tb, which);
    tb->page_next[which] = (struct tb *)cp->tbs;
    cp->tbs = (uintptr_t)tb | (uintptr_t)which;
}

void tb_commit(struct cpu *cpu, struct tb *tb)
{
    struct tb_cache *c = cpu->tbc;
    /* give back the unused op slots */
    size_t real = sizeof(struct tb) + (size_t)tb->nops * sizeof(struct op);
    real = (real + 15) & ~(size_t)15;
    c->used = (size_t)((uint8_t *)tb - c->arena) + real;
    unsigned h = hash_of(tb->phys_pc, tb->eip, tb->cs_base, tb->flags);
    tb->hash_next = c->hash[h];
    c->hash[h] = tb;
    page_add(cpu, tb, 0, tb->phys_pc & ~0xFFFu);
    if (tb->phys_page2 != ~0u)
        page_add(cpu, tb, 1, tb->phys_page2);
    cpu->stats.tb_translated++;
    cpu->stats.code_bytes = c->used;
    if (c->used > cpu->stats.code_bytes_peak)
        cpu->stats.code_bytes_peak = c->used;
}

static const struct op *op_invalidated(struct cpu *cpu, const struct op *op)
{
    return exit_to(cpu, op->eip);
}

static void page_remove(struct tb_cache *c, uint32_t page_addr, struct tb *tb, int which)
{
    uint32_t p = page_addr >> 12;
    if (p >= c->npages || !c->pages[p])
        return;
    struct code_page *cp = c->pages[p];
    uintptr_t *pp = &cp->tbs;
    while (*pp) {
        struct tb *t = (struct tb *)(*pp & ~(uintptr_t)1);
        int w = (int)(*pp & 1);
        if (t == tb && w == which) {
            *pp = (uintptr_t)t->page_next[w];
            break;
        }
        pp = (uintptr_t *)&t->page_next[w];
    }
    /* rebuild the bitmap from the TBs left */
    memset(cp->bitmap, 0, sizeof cp->bitmap);
    for (uintptr_t e = cp->tbs; e;) {
        struct tb *t = (struct tb *)(e & ~(uintptr_t)1);
        int w = (int)(e & 1);
        mark_chunks(cp, t, w);
        e = (uintptr_t)t->page_next[w];
    }
    /* An empty record is kept: stores to the page stay on the slow path
     * (finding nothing to invalidate), and new code on it does not need the
     * TLB scan in page_add() again; a full flush frees the records.  Code
     * that patches itself in a loop retranslates without that scan. */
}

static void unlink_incoming(struct tb *tb)
{
    struct tb_link_src l = tb->jmp_first;
    while (l.tb) {
        struct tb_link_src nx = l.tb->jmp_next[l.slot];
        l.tb->jmp_dest[l.slot] = NULL;
        l.tb->jmp_next[l.slot].tb = NULL;
        l = nx;
    }
    tb->jmp_first.tb = NULL;
}

static void unlink_outgoing(struct tb *tb)
{
    for (int s = 0; s < 2; s++) {
        struct tb *d = tb->jmp_dest[s];
        if (!d)
            continue;
        struct tb_link_src *pl = &d->jmp_first;
        while (pl->tb) {
            if (pl->tb == tb && pl->slot == s) {
                *pl = tb->jmp_next[s];
                break;
            }
            pl = &pl->tb->jmp_next[pl->slot];
        }
        tb->jmp_dest[s] = NULL;
        tb->jmp_next[s].tb = NULL;
    }
}

void tb_invalidate(struct cpu *cpu, struct tb *tb)
{
    struct tb_cache *c = cpu->tbc;
    if (tb->invalid)
        return;
    tb->invalid = 1;
    unsigned h = hash_of(tb->phys_pc, tb->eip, tb->cs_base, tb->flags);
    for (struct tb **pp = &c->hash[h]; *pp; pp = &(*pp)->hash_next) {
        if (*pp == tb) {
            *pp = tb->hash_next;
            break;
        }
    }
    unsigned j = jc_index(tb->cs_base + tb->eip);
    if (c->jc[j] == tb)
        c->jc[j] = NULL;
    page_remove(c, tb->phys_pc & ~0xFFFu, tb, 0);
    if (tb->phys_page2 != ~0u)
        page_remove(c, tb->phys_page2, tb, 1);
    unlink_incoming(tb);
    unlink_outgoing(tb);
    for (uint32_t i = 0; i < tb->nops; i++)
        tb->ops[i].fn = op_invalidated;
    if (cpu->last_tb == tb)
        cpu->last_tb = NULL;
    cpu->stats.tb_invalidated++;
}

void tb_invalidate_phys(struct cpu *cpu, uint32_t paddr, unsigned size)
{
    struct tb_cache *c = cpu->tbc;
    uint32_t p = paddr >> 12;
    if (p >= c->npages || !c->pages[p])
        return;
    if (((paddr & 0xFFF) + size) > 0x1000) {
        unsigned first = 0x1000 - (paddr & 0xFFF);
        tb_invalidate_phys(cpu, paddr, first);
        tb_invalidate_phys(cpu, paddr + first, size - first);
        return;
    }
    struct code_page *cp = c->pages[p];
    uint32_t off = paddr & 0xFFF;
    int hit = 0;
    for (uint32_t ch = off >> CHUNK_SHIFT; ch <= (off + size - 1) >> CHUNK_SHIFT; ch++)
        if (cp->bitmap[ch >> 5] & (1u << (ch & 31)))
            hit = 1;
    if (!hit)
        return;
    /* collect first: invalidation edits the list */
    struct tb *victims[64];
    int nv;
    do {
        nv = 0;
        cp = c->pages[p];
        if (!cp)
            return;
        for (uintptr_t e = cp->tbs; e && nv < 64;) {
            struct tb *t = (struct tb *)(e & ~(uintptr_t)1);
            int w = (int)(e & 1);
            uint32_t s0, e0;
            tb_span(t, w, &s0, &e0);
            if (off < e0 && s0 < off + size)
                victims[nv++] = t;
            e = (uintptr_t)t->page_next[w];
        }
        for (int i = 0; i < nv; i++)
            tb_invalidate(cpu, victims[i]);
    } while (nv == 64);
}

static struct tb *hash_lookup(struct tb_cache *c, uint32_t phys, uint32_t eip, uint32_t cs_base,
                              uint32_t flags)
{
    for (struct tb *t = c->hash[hash_of(phys, eip, cs_base, flags)]; t; t = t->hash_next)
        if (t->phys_pc == phys && t->eip == eip && t->cs_base == cs_base && t->flags == flags)
            return t;
    return NULL;
}

/* a TB that spans two pages is valid only while its second page still maps where it did */
static int page2_ok(struct cpu *cpu, const struct tb *tb)
{
    if (tb->phys_page2 == ~0u)
        return 1;
    uint32_t lin2 = ((tb->cs_base + tb->eip) & ~0xFFFu) + 0x1000;
    uint32_t pa;
    return mmu_probe(cpu, lin2, &pa) == 0 && (pa & ~0xFFFu) == tb->phys_page2;
}

struct tb *tb_find(struct cpu *cpu)
{
    struct tb_cache *c = cpu->tbc;
    uint32_t eip = cpu->eip, cs_base = cpu->seg[SEG_CS].base;
    uint32_t flags = cpu_tb_flags(cpu);
    if (eip > cpu->seg[SEG_CS].limit)
        cpu_raise(cpu, EXC_GP, 0, 1);
    uint32_t lin = cs_base + eip;
    uint32_t phys = mmu_code_phys(cpu, lin);
    unsigned j = jc_index(lin);
    struct tb *tb = c->jc[j];
    if (tb && tb->eip == eip && tb->cs_base == cs_base && tb->flags == flags && tb->phys_pc == phys &&
        page2_ok(cpu, tb))
        return tb;
    tb = hash_lookup(c, phys, eip, cs_base, flags);
    if (!tb || !page2_ok(cpu, tb))
        tb = translate_block(cpu, phys, flags);
    c->jc[j] = tb;
    return tb;
}

struct tb *tb_find_fast(struct cpu *cpu, uint32_t eip)
{
    struct tb_cache *c = cpu->tbc;
    uint32_t cs_base = cpu->seg[SEG_CS].base;
    uint32_t lin = cs_base + eip;
    struct tb *tb = c->jc[jc_index(lin)];
    if (!tb || tb->eip != eip || tb->cs_base != cs_base || !cpu->cur_tb || tb->flags != cpu->cur_tb->flags ||
        tb->phys_page2 != ~0u)
        return NULL;
    struct tlb_entry *e = tlb_entry_for(cpu, lin);
    if (e->tag_r != (lin & ~0xFFFu) || (e->phys_page | (lin & 0xFFF)) != tb->phys_pc)
        return NULL;
    return tb;
}

void tb_link(struct cpu *cpu, struct tb *from, int slot, struct tb *to)
{
    if (from->invalid || to->invalid || from->jmp_dest[slot] || cpu->no_chain || cpu->dbg_exec)
        return;
    if ((from->flags | to->flags) & (TBF_TF | TBF_DEBUG))
        return; /* the dispatcher raises the #DB trap after each of these */
    /* chain only inside one virtual page: the mapping checked when `from`
     * was entered then also covers `to` (as QEMU does in system mode) */
    if (((from->cs_base + from->eip) ^ (to->cs_base + to->eip)) & ~0xFFFu)
        return;
    if (to->phys_page2 != ~0u || from->flags != to->flags)
        return;
    from->jmp_dest[slot] = to;
    from->jmp_next[slot] = to->jmp_first;
    to->jmp_first.tb = from;
    to->jmp_first.slot = slot;
    cpu->stats.tb_links++;
}
