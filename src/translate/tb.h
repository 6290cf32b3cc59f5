/* tb.h - the translation-block cache: lookup by (physical pc, eip, cs base,
 * mode bits), a per-CPU jump cache by virtual eip, chaining of direct exits,
 * per-page TB lists with a sub-page code bitmap for self-modifying code. */
#ifndef DYNAPC_TB_H
#define DYNAPC_TB_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu_internal.h"

struct tb_cache *tb_cache_new(uint32_t ram_size, size_t arena_bytes);
void tb_cache_free(struct tb_cache *tbc);

/* find or translate the TB for the CPU's current CS:EIP; faults (page
 * faults on fetch) are raised through the CPU */
struct tb *tb_find(struct cpu *cpu);
/* jump-cache lookup used by indirect jumps inside translated code; NULL if
 * the TB must be looked up (or translated) by the dispatcher */
struct tb *tb_find_fast(struct cpu *cpu, uint32_t eip);
void tb_link(struct cpu *cpu, struct tb *from, int slot, struct tb *to);

/* allocation for translate.c */
struct tb *tb_alloc(struct cpu *cpu, int max_ops);
void tb_commit(struct cpu *cpu, struct tb *tb); /* shrink to tb->nops, hash it, mark its pages */
void tb_abandon(struct cpu *cpu, struct tb *tb);

/* self-modifying code */
bool tb_page_has_code(const struct tb_cache *tbc, uint32_t paddr);
/* a store of `size` bytes at paddr happened: invalidate every TB that holds one of them */
void tb_invalidate_phys(struct cpu *cpu, uint32_t paddr, unsigned size);
void tb_invalidate(struct cpu *cpu, struct tb *tb);
void tb_flush_all(struct cpu *cpu);
/* the same, safe while a TB runs: the current TB stops after the current
 * instruction and the dispatcher flushes before the next lookup */
void tb_flush_deferred(struct cpu *cpu);
void tb_jmp_cache_clear(struct cpu *cpu);
/* free TBs invalidated while running: call only outside translated code */
void tb_reap(struct cpu *cpu);

size_t tb_cache_bytes(const struct tb_cache *tbc);

#endif
