/* test_x87.c - the x87 and MMX instruction layer where the host oracle
 * cannot look: #NM (CR0.EM/TS/MP), #MF before the next waiting instruction
 * (CR0.NE = 1), FERR# and the freeze until IGNNE# (CR0.NE = 0), precise
 * faults of memory operands, the real-mode FSTENV layout, FXSAVE alignment,
 * MMX aliasing and #UD by model, ESC as a no-op on the 8086/286, CPUID.
 * Expected values from the SDM (Vol. 1 ch. 8-9, Vol. 3A 2.5 and 6.15). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "devices/bus.h"
#include "devices/physmem.h"

#define RAM      (4u << 20)
#define CODE     0x10000u
#define DATA     0x20000u
#define GDT      0x30000u
#define IDT      0x31000u
#define STUBS    0x32000u /* vector v: MOV AL, v; OUT E0h, AL; HLT */
#define STACK    0x80000u
#define NO_FAULT 0xFF

struct rig {
    struct bus *bus;
    struct physmem pm;
    struct cpu *cpu;
    struct bus_ops ops;
    int vector; /* last vector reported by a stub */
    int ferr, ferr_calls;
};

static uint64_t port_read(void *o, uint64_t off, unsigned size)
{
    (void)o, (void)off, (void)size;
    return 0;
}
static void port_write(void *o, uint64_t off, uint64_t v, unsigned size)
{
    (void)off, (void)size;
    ((struct rig *)o)->vector = (int)(v & 0xFF);
}
static void on_ferr(void *o, int level)
{
    struct rig *r = o;
    r->ferr = level;
    r->ferr_calls++;
}

static void put(struct rig *r, uint32_t addr, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        physmem_write(&r->pm, addr + (uint32_t)i, ((const uint8_t *)p)[i], 1);
}
static uint32_t get(struct rig *r, uint32_t addr, unsigned n)
{
    return (uint32_t)physmem_read(&r->pm, addr, n);
}

static void rig_init(struct rig *r, enum cpu_model model, bool with_ferr)
{
    memset(r, 0, sizeof *r);
    r->bus = bus_new();
    ck_assert(r->bus && physmem_init(&r->pm, r->bus, RAM) == 0);
    r->ops.read = port_read;
    r->ops.write = port_write;
    r->ops.widths = BUS_W8 | BUS_W16 | BUS_W32;
    ck_assert(bus_map(r->bus, BUS_IO, 0xE0, 1, &r->ops, r, "x87-test") == 0);
    struct cpu_host host = {.opaque = r, .mem = &r->pm, .bus = r->bus, .ferr = with_ferr ? on_ferr : NULL};
    r->cpu = cpu_new(&host, model);
    ck_assert(r->cpu);
    static const uint64_t gdt[3] = {0, 0x00CF9B000000FFFFull, 0x00CF93000000FFFFull};
    put(r, GDT, gdt, sizeof gdt);
    for (uint32_t v = 0; v < 32; v++) {
        uint32_t off = STUBS + 8 * v;
        uint32_t gate[2] = {0x00080000u | (off & 0xFFFF), (off & 0xFFFF0000u) | 0x8E00};
        uint8_t stub[5] = {0xB0, (uint8_t)v, 0xE6, 0xE0, 0xF4};
        put(r, IDT + 8 * v, gate, sizeof gate);
        put(r, off, stub, sizeof stub);
    }
    r->vector = NO_FAULT;
}

static void rig_free(struct rig *r)
{
    cpu_free(r->cpu);
    physmem_destroy(&r->pm);
    bus_free(r->bus);
}

/* flat 32-bit protected mode with the given CR0 bits added to PE|ET */
static void flat32(struct rig *r, uint32_t cr0_extra)
{
    struct cpu_regs g;
    memset(&g, 0, sizeof g);
    g.eip = CODE;
    g.eflags = 2;
    g.gpr[R_ESP] = STACK;
    g.cr0 = 0x11 | cr0_extra;
    for (int s = 0; s < 6; s++)
        g.seg[s] = (struct cpu_segment){.sel = 0x10, .base = 0, .limit = 0xFFFFFFFFu, .attr = 0xC093};
    g.seg[SEG_CS] = (struct cpu_segment){.sel = 0x08, .base = 0, .limit = 0xFFFFFFFFu, .attr = 0xC09B};
    g.gdt_base = GDT;
    g.gdt_limit = 23;
    g.idt_base = IDT;
    g.idt_limit = 32 * 8 - 1;
    cpu_set_regs(r->cpu, &g);
}

static enum cpu_exit run(struct rig *r, const uint8_t *code, size_t n, uint32_t cr0_extra)
{
    uint8_t buf[256];
    memcpy(buf, code, n);
    buf[n] = 0xF4; /* HLT */
    put(r, CODE, buf, n + 1);
    flat32(r, cr0_extra);
    r->vector = NO_FAULT;
    enum cpu_exit why = CPU_EXIT_BUDGET;
    for (int i = 0; i < 100 && why == CPU_EXIT_BUDGET; i++)
        why = cpu_run(r->cpu, 10000);
    return why;
}

static uint32_t reg(struct rig *r, int i)
{
    struct cpu_regs g;
    cpu_get_regs(r->cpu, &g);
    return g.gpr[i];
}

/* the EIP of the faulting instruction, from the exception frame */
static uint32_t fault_eip(struct rig *r)
{
    return get(r, reg(r, R_ESP) + (r->vector == 13 ? 4 : 0), 4);
}

#define FNINIT     0xDB, 0xE3
#define FLD1       0xD9, 0xE8
#define FLDZ       0xD9, 0xEE
#define FNSTSW_AX  0xDF, 0xE0
#define FWAIT      0x9B
#define FLDCW(a)   0xD9, 0x2D, (a)&0xFF, ((a) >> 8) & 0xFF, ((a) >> 16) & 0xFF, (a) >> 24
#define FNSTENV(a) 0xD9, 0x35, (a)&0xFF, ((a) >> 8) & 0xFF, ((a) >> 16) & 0xFF, (a) >> 24
#define FDIVP_ST1  0xDE, 0xF9 /* FDIVP ST(1), ST0: ST1 / ST0 */
#define CR0_MP     0x02
#define CR0_EM     0x04
#define CR0_TS     0x08
#define CR0_NE     0x20

START_TEST(test_nm)
{
    struct rig r;
    rig_init(&r, CPU_MODEL_PENTIUM2, false);
    static const uint8_t fld1[] = {FLD1};
    ck_assert_int_eq(run(&r, fld1, sizeof fld1, CR0_EM), CPU_EXIT_HALT);
    ck_assert_int_eq(r.vector, 7);
    ck_assert_int_eq(run(&r, fld1, sizeof fld1, CR0_TS), CPU_EXIT_HALT);
    ck_assert_int_eq(r.vector, 7);
    /* FNINIT too: every ESC instruction (SDM Vol. 3A table 2-2) */
    static const uint8_t fninit[] = {FNINIT};
    ck_assert_int_eq(run(&r, fninit, sizeof fninit, CR0_TS), CPU_EXIT_HALT);
    ck_assert_int_eq(r.vector, 7);
    /* WAIT: #NM only with TS and MP */
    static const uint8_t wait[] = {FWAIT};
    ck_assert_int_eq(run(&r, wait, sizeof wait, CR0_TS), CPU_EXIT_HALT);
    ck_assert_int_eq(r.vector, NO_FAULT);
    ck_assert_int_eq(run(&r, wait, sizeof wait, CR0_TS | CR0_MP), CPU_EXIT_HALT);
    ck_assert_int_eq(r.vector, 7);
    ck_assert_int_eq(run(&r, wait, sizeof wait, CR0_EM), CPU_EXIT_HALT);
    ck_assert_int_eq(r.vector, NO_FAULT);
    /* MMX: #UD with EM, #NM with TS */
    static const uint8_t emms[] = {0x0F, 0x77};
    ck_assert_int_eq(run(&r, emms, sizeof emms, CR0_EM), CPU_EXIT_HALT);
    ck_assert_int_eq(r.vector, 6);
    ck_assert_int_eq(run(&r, emms, sizeof emms, CR0_TS), CPU_EXIT_HALT);
    ck_assert_int_eq(r.vector, 7);
    /* FXSAVE: #UD with EM, #NM with TS */
    static const uint8_t fxsave[] = {0x0F, 0xAE, 0x05, 0x00, 0x00, 0x02, 0x00};
    ck_assert_int_eq(run(&r, fxsave, sizeof fxsave, CR0_EM), CPU_EXIT_HALT);
    ck_assert_int_eq(r.vector, 6);
    ck_assert_int_eq(run(&r, fxsave, sizeof fxsave, CR0_TS), CPU_EXIT_HALT);
    ck_assert_int_eq(r.vector, 7);
    rig_free(&r);
}
END_TEST

/* 1/0 with ZE unmasked: nothing at the FDIVP, #MF at the next waiting
 * instruction; the non-waiting FNSTSW before it runs */
START_TEST(test_mf_native)
{
    struct rig r;
    rig_init(&r, CPU_MODEL_PENTIUM2, true);
    uint16_t cw = 0x037B; /* ZM clear */
    put(&r, DATA, &cw, 2);
    static const uint8_t code[] = {FNINIT, FLDCW(DATA), FLD1, FLDZ, FDIVP_ST1, FNSTSW_AX, FLD1, 0x90};
    ck_assert_int_eq(run(&r, code, sizeof code, CR0_NE), CPU_EXIT_HALT);
    ck_assert_int_eq(r.vector, 16);
    ck_assert_uint_eq(fault_eip(&r), CODE + 16); /* the FLD1 after FNSTSW */
    /* B set, TOP = 6: an unmasked ZE stores nothing and does not pop (AL
     * is the stub's) */
    ck_assert_uint_eq(reg(&r, R_EAX) & 0xFF00, 0x8000 | 0x3000);
    ck_assert_int_eq(r.ferr_calls, 0);
    rig_free(&r);
}
END_TEST

/* CR0.NE = 0: FERR# at the next waiting instruction, which waits (the CPU
 * does not get past it) until IGNNE# or the exception is cleared */
START_TEST(test_ferr_dos)
{
    struct rig r;
    rig_init(&r, CPU_MODEL_PENTIUM2, true);
    uint16_t cw = 0x037B;
    put(&r, DATA, &cw, 2);
    static const uint8_t code[] = {FNINIT, FLDCW(DATA), FLD1, FLDZ, FDIVP_ST1, FWAIT, 0xB0, 0x55};
    ck_assert_int_eq(run(&r, code, sizeof code, 0), CPU_EXIT_BUDGET);
    ck_assert_int_eq(r.ferr, 1);
    ck_assert_int_eq(r.ferr_calls, 1);
    struct cpu_regs g;
    cpu_get_regs(r.cpu, &g);
    ck_assert_uint_eq(g.eip, CODE + 14); /* frozen at FWAIT */
    ck_assert_int_eq(r.vector, NO_FAULT);
    /* the board asserts IGNNE# (port F0h): the FWAIT proceeds */
    cpu_set_ignne(r.cpu, 1);
    enum cpu_exit why = CPU_EXIT_BUDGET;
    for (int i = 0; i < 10 && why == CPU_EXIT_BUDGET; i++)
        why = cpu_run(r.cpu, 10000);
    ck_assert_int_eq(why, CPU_EXIT_HALT);
    ck_assert_uint_eq(reg(&r, R_EAX) & 0xFF, 0x55);
    /* FNCLEX clears ES: FERR# goes away */
    static const uint8_t clex[] = {0xDB, 0xE2};
    ck_assert_int_eq(run(&r, clex, sizeof clex, 0), CPU_EXIT_HALT);
    ck_assert_int_eq(r.ferr, 0);
    rig_free(&r);
}
END_TEST

/* a memory operand that faults leaves the FPU as it was */
START_TEST(test_precise_store_fault)
{
    struct rig r;
    rig_init(&r, CPU_MODEL_PENTIUM2, false);
    /* FSTP qword [0xFFFFFFFC]: beyond the 4 MB of RAM is fine for the
     * segment; use a small DS limit instead: DS = limit 0x20003 */
    static const uint8_t code[] = {FNINIT, FLD1, FLD1, 0x3E, 0xDD,
                                   0x1D,   0x00, 0x00, 0x02, 0x00, /* FSTP qword [DS:0x20000] */
                                   0x90};
    put(&r, CODE, code, sizeof code);
    uint8_t hlt = 0xF4;
    put(&r, CODE + sizeof code, &hlt, 1);
    flat32(&r, 0);
    struct cpu_regs g;
    cpu_get_regs(r.cpu, &g);
    g.seg[SEG_DS].limit = 0x20003; /* 4 bytes of the 8 are inside */
    g.seg[SEG_DS].attr = 0x4093;
    cpu_set_regs(r.cpu, &g);
    enum cpu_exit why = CPU_EXIT_BUDGET;
    for (int i = 0; i < 10 && why == CPU_EXIT_BUDGET; i++)
        why = cpu_run(r.cpu, 10000);
    ck_assert_int_eq(why, CPU_EXIT_HALT);
    ck_assert_int_eq(r.vector, 13);
    ck_assert_uint_eq(fault_eip(&r), CODE + 6);
    ck_assert_uint_eq(get(&r, 0x20000, 4), 0);
    /* still two values on the stack: TOP = 6 */
    static const uint8_t sw[] = {FNSTSW_AX};
    put(&r, CODE, sw, sizeof sw);
    put(&r, CODE + sizeof sw, &hlt, 1);
    g.eip = CODE;
    g.gpr[R_ESP] = STACK;
    g.seg[SEG_DS].limit = 0xFFFFFFFFu;
    g.seg[SEG_DS].attr = 0xC093;
    cpu_set_regs(r.cpu, &g);
    why = CPU_EXIT_BUDGET;
    for (int i = 0; i < 10 && why == CPU_EXIT_BUDGET; i++)
        why = cpu_run(r.cpu, 10000);
    ck_assert_uint_eq((reg(&r, R_EAX) >> 11) & 7, 6);
    rig_free(&r);
}
END_TEST

/* FSTENV in real mode (SDM Vol. 1 figures 8-10, 8-12): linear FIP in two
 * parts, FOP in the low 11 bits of the fifth dword */
START_TEST(test_fstenv_real_mode)
{
    struct rig r;
    rig_init(&r, CPU_MODEL_PENTIUM2, false);
    /* real mode at 1000:0000: FNINIT; FLD1; 66 FNSTENV [0x100]; FNSTENV [0x200]; HLT */
    static const uint8_t code[] = {0xDB, 0xE3, 0xD9, 0xE8, 0x66, 0xD9, 0x36,
                                   0x00, 0x01, 0xD9, 0x36, 0x00, 0x02, 0xF4};
    put(&r, 0x10000, code, sizeof code);
    struct cpu_regs g;
    cpu_get_regs(r.cpu, &g);
    for (int s = 0; s < 6; s++) {
        g.seg[s].sel = 0x1000;
        g.seg[s].base = 0x10000;
        g.seg[s].limit = 0xFFFF;
        g.seg[s].attr = 0x93;
    }
    g.seg[SEG_CS].attr = 0x9B;
    g.eip = 0;
    g.cr0 = 0x10;
    cpu_set_regs(r.cpu, &g);
    enum cpu_exit why = CPU_EXIT_BUDGET;
    for (int i = 0; i < 10 && why == CPU_EXIT_BUDGET; i++)
        why = cpu_run(r.cpu, 10000);
    ck_assert_int_eq(why, CPU_EXIT_HALT);
    uint32_t e = 0x10100; /* the 32-bit image */
    ck_assert_uint_eq(get(&r, e + 0, 2), 0x037F);
    ck_assert_uint_eq(get(&r, e + 4, 2), 0x3800);
    ck_assert_uint_eq(get(&r, e + 8, 2), 0x3FFF);   /* R7 valid */
    ck_assert_uint_eq(get(&r, e + 12, 2), 0x0002);  /* FIP 15..0 of linear 0x10002 */
    ck_assert_uint_eq(get(&r, e + 16, 4), 0x11E8);  /* FIP 31..16 = 1 in bits 12-27, FOP 1E8 */
    uint32_t e16 = 0x10200;                         /* the 16-bit image, after FNSTENV masked everything */
    ck_assert_uint_eq(get(&r, e16 + 0, 2), 0x037F); /* the masks were already set */
    ck_assert_uint_eq(get(&r, e16 + 6, 2), 0x0002);
    ck_assert_uint_eq(get(&r, e16 + 8, 2), 0x11E8);
    rig_free(&r);
}
END_TEST

START_TEST(test_fxsave_alignment_and_layout)
{
    struct rig r;
    rig_init(&r, CPU_MODEL_PENTIUM2, false);
    static const uint8_t bad[] = {FNINIT, 0x0F, 0xAE, 0x05, 0x08, 0x00, 0x02, 0x00};
    ck_assert_int_eq(run(&r, bad, sizeof bad, 0), CPU_EXIT_HALT);
    ck_assert_int_eq(r.vector, 13);
    static const uint8_t good[] = {FNINIT, FLD1, 0x0F, 0xAE, 0x05, 0x00, 0x00, 0x02, 0x00};
    ck_assert_int_eq(run(&r, good, sizeof good, 0), CPU_EXIT_HALT);
    ck_assert_int_eq(r.vector, NO_FAULT);
    ck_assert_uint_eq(get(&r, DATA + 0, 2), 0x037F);
    ck_assert_uint_eq(get(&r, DATA + 2, 2), 0x3800);
    ck_assert_uint_eq(get(&r, DATA + 4, 1), 0x80); /* abridged tags: R7 valid */
    ck_assert_uint_eq(get(&r, DATA + 6, 2), 0x1E8);
    ck_assert_uint_eq(get(&r, DATA + 8, 4), CODE + 2);
    ck_assert_uint_eq(get(&r, DATA + 32 + 8, 2), 0x3FFF); /* ST0 = 1.0 */
    /* not on the Pentium (no FXSR) */
    rig_free(&r);
    rig_init(&r, CPU_MODEL_PENTIUM_MMX, false);
    ck_assert_int_eq(run(&r, good, sizeof good, 0), CPU_EXIT_HALT);
    ck_assert_int_eq(r.vector, 6);
    rig_free(&r);
}
END_TEST

START_TEST(test_mmx_alias)
{
    struct rig r;
    rig_init(&r, CPU_MODEL_PENTIUM_MMX, false);
    uint64_t v = 0x0123456789ABCDEFull;
    put(&r, DATA + 0x100, &v, 8);
    /* FNINIT; FLD1 (TOP = 7); MOVQ MM2, [DATA+0x100]; FNSAVE [DATA] */
    static const uint8_t code[] = {FNINIT, FLD1, 0x0F, 0x6F, 0x15, 0x00, 0x01, 0x02,
                                   0x00,   0xDD, 0x35, 0x00, 0x00, 0x02, 0x00};
    ck_assert_int_eq(run(&r, code, sizeof code, 0), CPU_EXIT_HALT);
    ck_assert_int_eq(r.vector, NO_FAULT);
    ck_assert_uint_eq(get(&r, DATA + 4, 2) & 0x3800, 0); /* TOP = 0 */
    /* tags from the contents: R7 = 1.0 valid, R2 special (exponent all ones), the rest +0 */
    ck_assert_uint_eq(get(&r, DATA + 8, 2), 0x1565);
    ck_assert_uint_eq(get(&r, DATA + 28 + 20, 4), 0x89ABCDEF); /* ST2 = R2 (TOP = 0) */
    ck_assert_uint_eq(get(&r, DATA + 28 + 24, 4), 0x01234567);
    ck_assert_uint_eq(get(&r, DATA + 28 + 28, 2), 0xFFFF);
    /* EMMS: every tag empty */
    static const uint8_t emms[] = {0x0F, 0x77, 0xDD, 0x35, 0x00, 0x00, 0x02, 0x00};
    ck_assert_int_eq(run(&r, emms, sizeof emms, 0), CPU_EXIT_HALT);
    ck_assert_uint_eq(get(&r, DATA + 8, 2), 0xFFFF);
    rig_free(&r);
    /* no MMX on the Pentium: #UD */
    rig_init(&r, CPU_MODEL_PENTIUM, false);
    ck_assert_int_eq(run(&r, emms, sizeof emms, 0), CPU_EXIT_HALT);
    ck_assert_int_eq(r.vector, 6);
    /* and no FCMOVcc/FCOMI before the P6 */
    static const uint8_t fcmov[] = {FNINIT, FLD1, FLD1, 0xDA, 0xC1};
    ck_assert_int_eq(run(&r, fcmov, sizeof fcmov, 0), CPU_EXIT_HALT);
    ck_assert_int_eq(r.vector, 6);
    rig_free(&r);
}
END_TEST

/* the 8086 and 286 have no coprocessor here: ESC decodes its ModRM and does nothing */
START_TEST(test_esc_without_coprocessor)
{
    static const enum cpu_model models[2] = {CPU_MODEL_8086, CPU_MODEL_286};
    for (int m = 0; m < 2; m++) {
        struct rig r;
        rig_init(&r, models[m], false);
        /* at 0000:1000 in real mode: FLD qword [0x100]; FNINIT; MOV AL, 7; HLT */
        static const uint8_t code[] = {0xDD, 0x06, 0x00, 0x01, 0xDB, 0xE3, 0xB0, 0x07, 0xF4};
        put(&r, 0x1000, code, sizeof code);
        struct cpu_regs g;
        cpu_get_regs(r.cpu, &g);
        for (int s = 0; s < 6; s++) {
            g.seg[s].sel = 0;
            g.seg[s].base = 0;
            g.seg[s].limit = 0xFFFF;
            g.seg[s].attr = s == SEG_CS ? 0x9B : 0x93;
        }
        g.eip = 0x1000;
        cpu_set_regs(r.cpu, &g);
        enum cpu_exit why = CPU_EXIT_BUDGET;
        for (int i = 0; i < 10 && why == CPU_EXIT_BUDGET; i++)
            why = cpu_run(r.cpu, 10000);
        ck_assert_int_eq(why, CPU_EXIT_HALT);
        ck_assert_uint_eq(reg(&r, R_EAX) & 0xFF, 7);
        rig_free(&r);
    }
}
END_TEST

START_TEST(test_cpuid_features)
{
    static const struct {
        enum cpu_model model;
        uint32_t edx_bits; /* FPU, MMX, FXSR */
    } want[] = {
        {CPU_MODEL_486, 1u << 0},
        {CPU_MODEL_PENTIUM, 1u << 0},
        {CPU_MODEL_PENTIUM_MMX, 1u << 0 | 1u << 23},
        {CPU_MODEL_PENTIUM2, 1u << 0 | 1u << 23 | 1u << 24},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        struct rig r;
        rig_init(&r, want[i].model, false);
        static const uint8_t code[] = {0xB8, 1, 0, 0, 0, 0x0F, 0xA2};
        ck_assert_int_eq(run(&r, code, sizeof code, 0), CPU_EXIT_HALT);
        ck_assert_uint_eq(reg(&r, R_EDX) & (1u << 0 | 1u << 23 | 1u << 24), want[i].edx_bits);
        rig_free(&r);
    }
}
END_TEST

static Suite *x87_suite(void)
{
    Suite *s = suite_create("x87");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_nm);
    tcase_add_test(tc, test_mf_native);
    tcase_add_test(tc, test_ferr_dos);
    tcase_add_test(tc, test_precise_store_fault);
    tcase_add_test(tc, test_fstenv_real_mode);
    tcase_add_test(tc, test_fxsave_alignment_and_layout);
    tcase_add_test(tc, test_mmx_alias);
    tcase_add_test(tc, test_esc_without_coprocessor);
    tcase_add_test(tc, test_cpuid_features);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(x87_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
