/* test_tb_cache.c - the translation-block cache and self-modifying code:
 * a store into translated code invalidates exactly the blocks that hold the
 * stored bytes, chained blocks are unchained, a block that rewrites its own
 * later instructions runs the new bytes, DMA (physmem_write) invalidates,
 * a flush keeps results, and a block that crosses a page is invalidated
 * through its second page.  The guest code was assembled with nasm (bits 32,
 * org as noted); the source is beside each byte row. */
#include <check.h>
#include <stdlib.h>

#include "cpu_harness.h"

static struct harness h;

static void setup(void)
{
    ck_assert_int_eq(harness_init(&h), 0);
    harness_set_flat32(&h, HARNESS_CODE);
}

static void teardown(void)
{
    harness_free(&h);
}

static struct cpu_stats stats(void)
{
    return *cpu_stats(h.cpu);
}

/* runs from eip (keeping the registers) until HLT */
static struct cpu_regs run_at(uint32_t eip)
{
    struct cpu_regs r;
    harness_jump(&h, eip);
    ck_assert_int_eq(harness_run(&h), CPU_EXIT_HALT);
    cpu_get_regs(h.cpu, &r);
    return r;
}

/* ---- (a) a store invalidates exactly the blocks it hits ------------------- */

/* org 0x10000: block A, ends at the jump */
static const uint8_t two_blocks_a[] = {
    0xB8, 0x01, 0x00, 0x00, 0x00, /* block_a: mov eax, 1 */
    0xE9, 0x36, 0x00, 0x00, 0x00, /* jmp 0x10040 */
};
static const uint8_t two_blocks_b[] = {
    0xBB, 0x02, 0x00, 0x00, 0x00, /* block_b: mov ebx, 2 */
    0x01, 0xC3,                   /* add ebx, eax */
    0xF4,                         /* hlt */
};
static const uint8_t own_page_data_writer[] = {
    0xC7, 0x05, 0x04, 0x08, 0x01, 0x00, 0x04, 0x03, 0x02, 0x01, /* mov dword [0x10804], 0x01020304 */
    0xF4,                                                       /* hlt */
};
static const uint8_t data_writer[] = {
    0xC7, 0x05, 0x00, 0x08, 0x01, 0x00, 0xEF, 0xBE, 0xAD, 0xDE, /* mov dword [0x10800], 0xDEADBEEF */
    0xC6, 0x05, 0x48, 0x00, 0x01, 0x00, 0x90,                   /* mov byte [0x10048], 0x90 */
    0xF4,                                                       /* hlt */
};
static const uint8_t patch_block_b[] = {
    0xC6, 0x05, 0x41, 0x00, 0x01, 0x00, 0x05, /* mov byte [0x10041], 5 */
    0xF4,                                     /* hlt */
};

static void load_two_blocks(void)
{
    harness_load(&h, 0x10000, two_blocks_a, sizeof two_blocks_a);
    harness_load(&h, 0x10040, two_blocks_b, sizeof two_blocks_b);
    harness_load(&h, 0x10100, own_page_data_writer, sizeof own_page_data_writer);
    harness_load(&h, 0x12000, patch_block_b, sizeof patch_block_b);
    harness_load(&h, 0x12100, data_writer, sizeof data_writer);
}

START_TEST(test_store_invalidates_only_its_block)
{
    load_two_blocks();
    struct cpu_stats s0 = stats();
    struct cpu_regs r = run_at(0x10000);
    ck_assert_uint_eq(r.gpr[R_EBX], 3);
    struct cpu_stats s1 = stats();
    ck_assert_uint_eq(s1.tb_translated - s0.tb_translated, 2); /* A and B */
    ck_assert_uint_eq(s1.tb_invalidated, s0.tb_invalidated);

    /* both stay cached */
    run_at(0x10000);
    ck_assert_uint_eq(stats().tb_translated, s1.tb_translated);

    /* guest store from another page into B's immediate */
    struct cpu_stats s2 = stats();
    run_at(0x12000);
    struct cpu_stats s3 = stats();
    ck_assert_uint_eq(s3.tb_translated - s2.tb_translated, 1); /* the writer */
    ck_assert_uint_eq(s3.tb_invalidated - s2.tb_invalidated, 1);
    ck_assert_uint_eq(h.pm.ram[0x10041], 5);

    /* A is still cached, B is translated again and runs the new bytes */
    r = run_at(0x10000);
    ck_assert_uint_eq(r.gpr[R_EBX], 6); /* mov ebx, 5 ; add ebx, 1 */
    struct cpu_stats s4 = stats();
    ck_assert_uint_eq(s4.tb_translated - s3.tb_translated, 1);
    run_at(0x10000);
    ck_assert_uint_eq(stats().tb_translated, s4.tb_translated);
    ck_assert_uint_eq(stats().tb_invalidated, s3.tb_invalidated);
}
END_TEST

START_TEST(test_data_store_in_code_page_invalidates_nothing)
{
    load_two_blocks();
    run_at(0x10000);
    struct cpu_stats s0 = stats();
    /* data at 0x10800, and the byte right after B's HLT (same 32-byte chunk) */
    run_at(0x12100);
    struct cpu_stats s1 = stats();
    ck_assert_uint_eq(s1.tb_invalidated, s0.tb_invalidated);
    ck_assert_uint_eq(h.pm.ram[0x10800], 0xEF);
    ck_assert_uint_eq(h.pm.ram[0x10048], 0x90);
    struct cpu_regs r = run_at(0x10000);
    ck_assert_uint_eq(r.gpr[R_EBX], 3);
    ck_assert_uint_eq(stats().tb_translated, s1.tb_translated);
}
END_TEST

START_TEST(test_block_storing_into_its_own_page_data)
{
    load_two_blocks();
    run_at(0x10000);
    struct cpu_stats s0 = stats();
    run_at(0x10100); /* stores to 0x10804: same page as A, B and itself */
    struct cpu_stats s1 = stats();
    ck_assert_uint_eq(s1.tb_translated - s0.tb_translated, 1);
    ck_assert_uint_eq(s1.tb_invalidated, s0.tb_invalidated);
    ck_assert_uint_eq(h.pm.ram[0x10804], 0x04);
    run_at(0x10100);
    run_at(0x10000);
    ck_assert_uint_eq(stats().tb_translated, s1.tb_translated);
    ck_assert_uint_eq(stats().tb_invalidated, s0.tb_invalidated);
}
END_TEST

/* ---- (b) chained blocks are unchained when their target changes ------------ */

/* org 0x10000: la and lb chain to each other; when ECX reaches 50 the loop
 * patches la's immediate (add eax, 1 -> add eax, 2); org 0x12000 and 0x12100:
 * patchers run between two loops */
static const uint8_t chain_loop[] = {
    0xB9, 0x64, 0x00, 0x00, 0x00,             /* start: mov ecx, 100 */
    0x31, 0xC0,                               /* xor eax, eax */
    0xEB, 0x00,                               /* jmp la */
    0x83, 0xC0, 0x01,                         /* la: add eax, 1 */
    0xEB, 0x00,                               /* jmp lb */
    0x83, 0xF9, 0x32,                         /* lb: cmp ecx, 50 */
    0x75, 0x07,                               /* jne nopatch */
    0xC6, 0x05, 0x0B, 0x00, 0x01, 0x00, 0x02, /* mov byte [la+2], 2 */
    0x49,                                     /* nopatch: dec ecx */
    0x75, 0xEC,                               /* jnz la */
    0xF4,                                     /* hlt */
};
static const uint8_t chain_patch_la[] = {
    0xC6, 0x05, 0x0B, 0x00, 0x01, 0x00, 0x03, /* mov byte [0x1000B], 3 */
    0xF4,                                     /* hlt */
};
static const uint8_t chain_patch_lb[] = {
    0xC6, 0x05, 0x10, 0x00, 0x01, 0x00, 0xC8, /* mov byte [0x10010], 200 */
    0xF4,                                     /* hlt */
};

static void load_chain_loop(void)
{
    harness_load(&h, 0x10000, chain_loop, sizeof chain_loop);
    harness_load(&h, 0x12000, chain_patch_la, sizeof chain_patch_la);
    harness_load(&h, 0x12100, chain_patch_lb, sizeof chain_patch_lb);
}

START_TEST(test_chained_target_invalidated_from_inside_loop)
{
    load_chain_loop();
    struct cpu_stats s0 = stats();
    struct cpu_regs r = run_at(0x10000);
    struct cpu_stats s1 = stats();
    /* ECX = 100..50 add 1 (51), then ECX = 49..1 add 2 (98) */
    ck_assert_uint_eq(r.gpr[R_EAX], 149);
    ck_assert_uint_eq(r.gpr[R_ECX], 0);
    ck_assert_uint_gt(s1.tb_links, s0.tb_links);
    ck_assert_uint_gt(s1.tb_chained, s0.tb_chained + 50);
    ck_assert_uint_eq(s1.tb_invalidated - s0.tb_invalidated, 1); /* la only */
    /* the links to the old la were cut and the new la linked in: the 49
     * iterations after the patch stay in chained code as well */
    ck_assert_uint_lt(s1.tb_executed - s0.tb_executed, 20);
}
END_TEST

START_TEST(test_chained_blocks_patched_between_runs)
{
    load_chain_loop();
    struct cpu_regs r = run_at(0x10000);
    ck_assert_uint_eq(r.gpr[R_EAX], 149);

    /* la now adds 2; make it add 3: the loop then adds 3 until it patches 2 back */
    struct cpu_stats s0 = stats();
    run_at(0x12000);
    ck_assert_uint_eq(stats().tb_invalidated - s0.tb_invalidated, 1);
    struct cpu_stats s1 = stats();
    r = run_at(0x10000);
    ck_assert_uint_eq(r.gpr[R_EAX], 51 * 3 + 49 * 2);
    ck_assert_uint_gt(stats().tb_chained, s1.tb_chained + 50);
    ck_assert_uint_lt(stats().tb_executed - s1.tb_executed, 20); /* relinked, not through the dispatcher */

    /* change the chain source: lb compares with 200, so it never patches */
    s0 = stats();
    run_at(0x12100);
    ck_assert_uint_eq(stats().tb_invalidated - s0.tb_invalidated, 1); /* lb */
    r = run_at(0x10000);
    ck_assert_uint_eq(r.gpr[R_EAX], 100 * 2);
    ck_assert_uint_eq(h.pm.ram[0x1000B], 2);
}
END_TEST

/* ---- (c) a block that rewrites its own later instructions ------------------ */

/* org 0x10000 each */
static const uint8_t smc_next[] = {
    0xC6, 0x05, 0x08, 0x00, 0x01, 0x00, 0x42, /* mov byte [next+1], 0x42 */
    0xB0, 0x00,                               /* next: mov al, 0x00 */
    0xF4,                                     /* hlt */
};
static const uint8_t smc_later[] = {
    0xB8, 0x00, 0x00, 0x00, 0x00,                               /* mov eax, 0 */
    0xC7, 0x05, 0x16, 0x00, 0x01, 0x00, 0x78, 0x56, 0x34, 0x12, /* mov dword [target+1], 0x12345678 */
    0x83, 0xC0, 0x01,                                           /* add eax, 1 */
    0x83, 0xC0, 0x02,                                           /* add eax, 2 */
    0xBB, 0x11, 0x11, 0x11, 0x11,                               /* target: mov ebx, 0x11111111 */
    0xF4,                                                       /* hlt */
};
static const uint8_t smc_rep_stosb[] = {
    0xB8, 0x33, 0x00, 0x00, 0x00, /* mov eax, 0x33 */
    0xBF, 0x13, 0x00, 0x01, 0x00, /* mov edi, target+1 */
    0xB9, 0x04, 0x00, 0x00, 0x00, /* mov ecx, 4 */
    0xFC,                         /* cld */
    0xF3, 0xAA,                   /* rep stosb */
    0xBB, 0x11, 0x11, 0x11, 0x11, /* target: mov ebx, 0x11111111 */
    0xF4,                         /* hlt */
};
static const uint8_t smc_rep_stosb_down[] = {
    0xB8, 0x44, 0x00, 0x00, 0x00, /* mov eax, 0x44 */
    0xBF, 0x17, 0x00, 0x01, 0x00, /* mov edi, target+4 */
    0xB9, 0x04, 0x00, 0x00, 0x00, /* mov ecx, 4 */
    0xFD,                         /* std */
    0xF3, 0xAA,                   /* rep stosb */
    0xFC,                         /* cld */
    0xBB, 0x11, 0x11, 0x11, 0x11, /* target: mov ebx, 0x11111111 */
    0xF4,                         /* hlt */
};
static const uint8_t smc_rep_movsb[] = {
    0xBE, 0x18, 0x00, 0x01, 0x00, /* mov esi, new_code */
    0xBF, 0x12, 0x00, 0x01, 0x00, /* mov edi, target */
    0xB9, 0x05, 0x00, 0x00, 0x00, /* mov ecx, 5 */
    0xFC,                         /* cld */
    0xF3, 0xA4,                   /* rep movsb */
    0xBB, 0x11, 0x11, 0x11, 0x11, /* target: mov ebx, 0x11111111 */
    0xF4,                         /* hlt */
    0xBB, 0x22, 0x22, 0x22, 0x22, /* new_code: mov ebx, 0x22222222 */
};
static const uint8_t smc_loop[] = {
    0x31, 0xDB,                         /* xor ebx, ebx */
    0xB9, 0xE8, 0x03, 0x00, 0x00,       /* mov ecx, 1000 */
    0x89, 0x0D, 0x0E, 0x00, 0x01, 0x00, /* again: mov [imm_site+1], ecx */
    0xB8, 0x00, 0x00, 0x00, 0x00,       /* imm_site: mov eax, 0 */
    0x01, 0xC3,                         /* add ebx, eax */
    0x49,                               /* dec ecx */
    0x75, 0xF0,                         /* jnz again */
    0xF4,                               /* hlt */
};

/* SDM Vol. 3A 11.6: a store to code that is already prefetched or decoded
 * is seen by the instructions that follow it (P6 and later); the block ends
 * after the store and the rest is translated again. */
START_TEST(test_store_to_next_instruction)
{
    struct cpu_regs r;
    ck_assert_int_eq(harness_exec(&h, smc_next, sizeof smc_next, &r), CPU_EXIT_HALT);
    ck_assert_uint_eq(r.gpr[R_EAX] & 0xFF, 0x42);
    ck_assert_uint_eq(stats().tb_invalidated, 1);
}
END_TEST

START_TEST(test_store_to_later_instruction_runs_the_rest_once)
{
    struct cpu_regs r;
    ck_assert_int_eq(harness_exec(&h, smc_later, sizeof smc_later, &r), CPU_EXIT_HALT);
    ck_assert_uint_eq(r.gpr[R_EBX], 0x12345678);
    ck_assert_uint_eq(r.gpr[R_EAX], 3); /* neither ADD ran twice */
}
END_TEST

START_TEST(test_rep_stosb_over_later_code)
{
    struct cpu_regs r;
    ck_assert_int_eq(harness_exec(&h, smc_rep_stosb, sizeof smc_rep_stosb, &r), CPU_EXIT_HALT);
    ck_assert_uint_eq(r.gpr[R_EBX], 0x33333333);
    ck_assert_uint_eq(r.gpr[R_ECX], 0);
    ck_assert_uint_eq(r.gpr[R_EDI], 0x10017);
}
END_TEST

START_TEST(test_rep_stosb_down_over_later_code)
{
    struct cpu_regs r;
    ck_assert_int_eq(harness_exec(&h, smc_rep_stosb_down, sizeof smc_rep_stosb_down, &r), CPU_EXIT_HALT);
    ck_assert_uint_eq(r.gpr[R_EBX], 0x44444444);
    ck_assert_uint_eq(r.gpr[R_EDI], 0x10013);
    ck_assert_uint_eq(r.eflags & FL_DF, 0);
}
END_TEST

START_TEST(test_rep_movsb_copies_new_code_over_later_code)
{
    struct cpu_regs r;
    ck_assert_int_eq(harness_exec(&h, smc_rep_movsb, sizeof smc_rep_movsb, &r), CPU_EXIT_HALT);
    ck_assert_uint_eq(r.gpr[R_EBX], 0x22222222);
    ck_assert_uint_eq(r.gpr[R_ESI], 0x1001D);
}
END_TEST

START_TEST(test_loop_patching_its_own_immediate)
{
    struct cpu_regs r;
    ck_assert_int_eq(harness_exec(&h, smc_loop, sizeof smc_loop, &r), CPU_EXIT_HALT);
    ck_assert_uint_eq(r.gpr[R_EBX], 500500); /* 1 + 2 + ... + 1000 */
    ck_assert_uint_ge(stats().tb_invalidated, 1000);
}
END_TEST

/* ---- (d) DMA: physmem_write into translated code --------------------------- */

START_TEST(test_physmem_write_invalidates)
{
    load_two_blocks();
    run_at(0x10000);
    struct cpu_stats s0 = stats();
    physmem_write(&h.pm, 0x10800, 0x12345678, 4); /* data only */
    ck_assert_uint_eq(stats().tb_invalidated, s0.tb_invalidated);
    physmem_write(&h.pm, 0x10041, 7, 1); /* B's immediate */
    ck_assert_uint_eq(stats().tb_invalidated - s0.tb_invalidated, 1);
    struct cpu_regs r = run_at(0x10000);
    ck_assert_uint_eq(r.gpr[R_EBX], 8);
    ck_assert_uint_eq(stats().tb_translated - s0.tb_translated, 1);
}
END_TEST

/* a device that writes guest memory when the guest writes its port */
static void dma_on_out(struct harness *hh, uint16_t port, uint32_t value)
{
    (void)value;
    if (port == 0xE0)
        physmem_write(&hh->pm, 0x10005, 0x5A5A5A5A, 4);
}

/* org 0x10000: the OUT makes the "device" rewrite the next instruction */
static const uint8_t dma_out[] = {
    0xB0, 0x01,                   /* mov al, 1 */
    0xE6, 0xE0,                   /* out 0xE0, al */
    0xBB, 0x11, 0x11, 0x11, 0x11, /* target: mov ebx, 0x11111111 */
    0xF4,                         /* hlt */
};

START_TEST(test_dma_from_port_write_into_running_block)
{
    h.on_out = dma_on_out;
    struct cpu_regs r;
    ck_assert_int_eq(harness_exec(&h, dma_out, sizeof dma_out, &r), CPU_EXIT_HALT);
    ck_assert_uint_eq(h.nout, 1);
    ck_assert_uint_eq(stats().tb_invalidated, 1);
    ck_assert_uint_eq(r.gpr[R_EBX], 0x5A5A5A5A);
}
END_TEST

/* ---- (e) flushing the code cache ---------------------------------------------- */

/* org 0x10000 */
static const uint8_t sum_loop[] = {
    0x31, 0xC0,                   /* xor eax, eax */
    0xB9, 0xE8, 0x03, 0x00, 0x00, /* mov ecx, 1000 */
    0x01, 0xC8,                   /* again: add eax, ecx */
    0x49,                         /* dec ecx */
    0x75, 0xFB,                   /* jnz again */
    0x89, 0xC2,                   /* mov edx, eax */
    0xD1, 0xEA,                   /* shr edx, 1 */
    0xF4,                         /* hlt */
};

START_TEST(test_flush_then_rerun_gives_same_results)
{
    harness_load(&h, 0x10000, sum_loop, sizeof sum_loop);
    struct cpu_stats s0 = stats();
    struct cpu_regs r1 = run_at(0x10000);
    uint64_t built = stats().tb_translated - s0.tb_translated;
    ck_assert_uint_eq(r1.gpr[R_EAX], 500500);
    ck_assert_uint_eq(r1.gpr[R_EDX], 250250);

    cpu_flush_translations(h.cpu);
    struct cpu_stats s1 = stats();
    ck_assert_uint_eq(s1.tb_flushes - s0.tb_flushes, 1);
    struct cpu_regs r2 = run_at(0x10000);
    ck_assert_uint_eq(stats().tb_translated - s1.tb_translated, built);
    ck_assert_uint_eq(r2.gpr[R_EAX], r1.gpr[R_EAX]);
    ck_assert_uint_eq(r2.gpr[R_ECX], r1.gpr[R_ECX]);
    ck_assert_uint_eq(r2.gpr[R_EDX], r1.gpr[R_EDX]);
    ck_assert_uint_eq(r2.eflags, r1.eflags);
    ck_assert_uint_eq(r2.eip, r1.eip);

    struct cpu_stats s2 = stats();
    run_at(0x10000);
    ck_assert_uint_eq(stats().tb_translated, s2.tb_translated);
}
END_TEST

START_TEST(test_smc_still_detected_after_flush)
{
    load_two_blocks();
    run_at(0x10000);
    cpu_flush_translations(h.cpu);
    struct cpu_regs r = run_at(0x10000);
    ck_assert_uint_eq(r.gpr[R_EBX], 3);
    struct cpu_stats s0 = stats();
    run_at(0x12000);
    ck_assert_uint_eq(stats().tb_invalidated - s0.tb_invalidated, 1);
    r = run_at(0x10000);
    ck_assert_uint_eq(r.gpr[R_EBX], 6);
}
END_TEST

/* ---- (f) a block that crosses a page -------------------------------------------- */

/* org 0x10FF8: MOV EAX's immediate straddles 0x11000, so the first block
 * covers 0x10FF8..0x11001; writers at 0x13000, 0x13040, 0x13080 */
static const uint8_t cross_page[] = {
    0x90,                         /* nop */
    0x90,                         /* nop */
    0x90,                         /* nop */
    0x90,                         /* nop */
    0x90,                         /* nop */
    0xB8, 0x44, 0x33, 0x22, 0x11, /* mov eax, 0x11223344 */
    0xF4,                         /* hlt */
};
static const uint8_t cross_patch_imm[] = {
    0xC6, 0x05, 0x01, 0x10, 0x01, 0x00, 0x99, /* mov byte [0x11001], 0x99 */
    0xF4,                                     /* hlt */
};
static const uint8_t cross_data_writer[] = {
    0xC6, 0x05, 0x00, 0x18, 0x01, 0x00, 0x01, /* mov byte [0x11800], 0x01 */
    0xF4,                                     /* hlt */
};
static const uint8_t cross_straddle_writer[] = {
    0x66, 0xC7, 0x05, 0xFF, 0x0F, 0x01, 0x00, 0x88, 0x77, /* mov word [0x10FFF], 0x7788 */
    0xF4,                                                 /* hlt */
};

static void load_cross_page(void)
{
    harness_load(&h, 0x10FF8, cross_page, sizeof cross_page);
    harness_load(&h, 0x13000, cross_patch_imm, sizeof cross_patch_imm);
    harness_load(&h, 0x13040, cross_data_writer, sizeof cross_data_writer);
    harness_load(&h, 0x13080, cross_straddle_writer, sizeof cross_straddle_writer);
}

START_TEST(test_cross_page_block_invalidated_through_second_page)
{
    load_cross_page();
    struct cpu_stats s0 = stats();
    struct cpu_regs r = run_at(0x10FF8);
    ck_assert_uint_eq(r.gpr[R_EAX], 0x11223344);
    ck_assert_uint_eq(stats().tb_translated - s0.tb_translated, 2); /* nops+mov, hlt */

    /* data on the second page: nothing */
    struct cpu_stats s1 = stats();
    run_at(0x13040);
    ck_assert_uint_eq(stats().tb_invalidated, s1.tb_invalidated);

    /* the immediate's top byte, on the second page */
    run_at(0x13000);
    ck_assert_uint_eq(stats().tb_invalidated - s1.tb_invalidated, 1);
    struct cpu_stats s2 = stats();
    r = run_at(0x10FF8);
    ck_assert_uint_eq(r.gpr[R_EAX], 0x99223344);
    ck_assert_uint_eq(stats().tb_translated - s2.tb_translated, 1);
}
END_TEST

START_TEST(test_cross_page_block_invalidated_by_straddling_store)
{
    load_cross_page();
    run_at(0x10FF8);
    struct cpu_stats s0 = stats();
    /* a word at 0x10FFF: one byte on each page of the block, one block hit */
    run_at(0x13080);
    ck_assert_uint_eq(stats().tb_invalidated - s0.tb_invalidated, 1);
    struct cpu_regs r = run_at(0x10FF8);
    ck_assert_uint_eq(r.gpr[R_EAX], 0x11778844);
}
END_TEST

START_TEST(test_cross_page_block_invalidated_by_dma_to_second_page)
{
    load_cross_page();
    run_at(0x10FF8);
    struct cpu_stats s0 = stats();
    physmem_write(&h.pm, 0x11000, 0xAB, 1);
    ck_assert_uint_eq(stats().tb_invalidated - s0.tb_invalidated, 1);
    struct cpu_regs r = run_at(0x10FF8);
    ck_assert_uint_eq(r.gpr[R_EAX], 0x11AB3344);
}
END_TEST

static Suite *tb_cache_suite(void)
{
    Suite *s = suite_create("tb_cache");
    TCase *tc = tcase_create("invalidate");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_store_invalidates_only_its_block);
    tcase_add_test(tc, test_data_store_in_code_page_invalidates_nothing);
    tcase_add_test(tc, test_block_storing_into_its_own_page_data);
    tcase_add_test(tc, test_chained_target_invalidated_from_inside_loop);
    tcase_add_test(tc, test_chained_blocks_patched_between_runs);
    tcase_add_test(tc, test_store_to_next_instruction);
    tcase_add_test(tc, test_store_to_later_instruction_runs_the_rest_once);
    tcase_add_test(tc, test_rep_stosb_over_later_code);
    tcase_add_test(tc, test_rep_stosb_down_over_later_code);
    tcase_add_test(tc, test_rep_movsb_copies_new_code_over_later_code);
    tcase_add_test(tc, test_loop_patching_its_own_immediate);
    tcase_add_test(tc, test_physmem_write_invalidates);
    tcase_add_test(tc, test_dma_from_port_write_into_running_block);
    tcase_add_test(tc, test_flush_then_rerun_gives_same_results);
    tcase_add_test(tc, test_smc_still_detected_after_flush);
    tcase_add_test(tc, test_cross_page_block_invalidated_through_second_page);
    tcase_add_test(tc, test_cross_page_block_invalidated_by_straddling_store);
    tcase_add_test(tc, test_cross_page_block_invalidated_by_dma_to_second_page);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(tb_cache_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
