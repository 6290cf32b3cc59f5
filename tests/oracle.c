/* oracle.c - the host-CPU oracle test (meson test 'host_oracle', suite
 * 'conformance'): random user-mode snippets (tests/oracle_gen.c) run on the
 * host CPU through the 32-bit helper tests/oracle_native32.c and in dynapc,
 * in flat 32-bit protected mode; every GPR, the defined arithmetic flags,
 * DF and the 256 scratch bytes must agree.  Any mismatch fails the test.
 *
 *   oracle HELPER [--seed N|random] [--count N] [--category NAME]
 *                 [--index I] [--show N] [--repeat N] [--list]
 *
 * --index runs the one snippet I of the seed's sequence and prints it in
 * full; --show sets how many mismatches are printed in detail (10);
 * --repeat runs each snippet N times in dynapc (hot translations, e.g. a
 * second tier); --list prints every form generated with its count.  On a
 * host that is not x86, or without the helper, the test is skipped (77). */
#include "oracle_gen.h"

#include <capstone/capstone.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cpu/cpu.h"
#include "devices/bus.h"
#include "devices/physmem.h"
#include "host_helper.h"

#define SKIP            77
#define DEFAULT_COUNT   100000u
#define DEFAULT_SEED    0x0DC0FFEEu
#define BATCH           128u
#define RAM_SIZE        (512u << 20)
#define SYS_IDT         ORACLE_DYNAPC_SYS
#define SYS_GDT         (ORACLE_DYNAPC_SYS + 0x800)
#define SYS_STUBS       (ORACLE_DYNAPC_SYS + 0x1000) /* vector v: HLT at SYS_STUBS + 4 v */
#define NVEC            32u
#define RUN_BUDGET      10000
#define RUN_ROUNDS      100
#define FAULT_NOHALT    0x1000u /* dynapc results that are not an exception vector */
#define FAULT_SHUTDOWN  0x1001u
#define FAULT_STRAY_HLT 0x1002u
#define FAULT_UNSTABLE  0x1003u

/* the answers must fit in the pipe while the parent is still writing */
_Static_assert(BATCH * sizeof(struct oracle_res) < 65536, "batch too large for a pipe");

static const char *const reg_name[8] = {"EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"};

/* ==== dynapc without a board ============================================= */
struct dyn {
    struct bus *bus;
    struct physmem pm;
    struct cpu *cpu;
};

static void dyn_write(struct dyn *d, uint32_t addr, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        physmem_write(&d->pm, addr + (uint32_t)i, b[i], 1);
}

static uint32_t dyn_read32(struct dyn *d, uint32_t addr)
{
    return (uint32_t)physmem_read(&d->pm, addr, 4);
}

static int dyn_init(struct dyn *d)
{
    memset(d, 0, sizeof *d);
    d->bus = bus_new();
    if (!d->bus || physmem_init(&d->pm, d->bus, RAM_SIZE) != 0)
        return -1;
    d->pm.ram_hole_lo = d->pm.ram_hole_hi = 0; /* all RAM */
    struct cpu_host host = {.mem = &d->pm, .bus = d->bus};
    d->cpu = cpu_new(&host, CPU_MODEL_PENTIUM2);
    if (!d->cpu)
        return -1;
    /* GDT: null, flat code 08, flat data 10 (SDM Vol. 3A 3.4.5) */
    static const uint64_t gdt[3] = {0, 0x00CF9B000000FFFFull, 0x00CF93000000FFFFull};
    dyn_write(d, SYS_GDT, gdt, sizeof gdt);
    /* IDT: a 32-bit interrupt gate per exception vector, each to its own HLT */
    for (uint32_t v = 0; v < NVEC; v++) {
        uint32_t off = SYS_STUBS + 4 * v;
        uint32_t gate[2] = {0x00080000u | (off & 0xFFFF), (off & 0xFFFF0000u) | 0x8E00};
        static const uint8_t stub[4] = {0xF4, 0x90, 0x90, 0x90};
        dyn_write(d, SYS_IDT + 8 * v, gate, sizeof gate);
        dyn_write(d, off, stub, sizeof stub);
    }
    return 0;
}

static void dyn_free(struct dyn *d)
{
    if (d->cpu)
        cpu_free(d->cpu);
    physmem_destroy(&d->pm);
    if (d->bus)
        bus_free(d->bus);
}

static bool vector_has_error_code(uint32_t v)
{
    return v == 8 || (v >= 10 && v <= 14) || v == 17;
}

/* one run of the snippet already in RAM */
static void dyn_run_once(struct dyn *d, const struct oracle_snippet *s, struct oracle_res *out)
{
    const struct oracle_req *rq = &s->req;
    memcpy(d->pm.ram + ORACLE_SCRATCH, rq->mem, ORACLE_SCRATCH_SIZE);
    struct cpu_regs r;
    memset(&r, 0, sizeof r);
    memcpy(r.gpr, rq->regs, sizeof r.gpr);
    r.eip = ORACLE_CODE;
    r.eflags = (rq->eflags & (ORACLE_ARITH | ORACLE_DF)) | 2;
    r.cr0 = 0x11; /* PE | ET */
    for (int i = 0; i < 6; i++)
        r.seg[i] = (struct cpu_segment){.sel = 0x10, .base = 0, .limit = 0xFFFFFFFFu, .attr = 0xC093};
    r.seg[SEG_CS] = (struct cpu_segment){.sel = 0x08, .base = 0, .limit = 0xFFFFFFFFu, .attr = 0xC09B};
    r.gdt_base = SYS_GDT;
    r.gdt_limit = 3 * 8 - 1;
    r.idt_base = SYS_IDT;
    r.idt_limit = NVEC * 8 - 1;
    cpu_set_regs(d->cpu, &r);

    enum cpu_exit why = CPU_EXIT_BUDGET;
    for (int i = 0; i < RUN_ROUNDS && why == CPU_EXIT_BUDGET; i++)
        why = cpu_run(d->cpu, RUN_BUDGET);
    cpu_get_regs(d->cpu, &r);

    memset(out, 0, sizeof *out);
    memcpy(out->regs, r.gpr, sizeof out->regs);
    out->eflags = r.eflags;
    if (why == CPU_EXIT_SHUTDOWN) {
        out->fault = FAULT_SHUTDOWN;
        out->fault_eip = r.eip;
        cpu_reset(d->cpu); /* clears the shutdown state */
    } else if (why != CPU_EXIT_HALT) {
        out->fault = FAULT_NOHALT;
        out->fault_eip = r.eip;
    } else if (r.eip == ORACLE_CODE + rq->code_len + 1) {
        /* reached the final HLT */
    } else if (r.eip > SYS_STUBS && r.eip <= SYS_STUBS + 4 * NVEC && (r.eip - SYS_STUBS - 1) % 4 == 0) {
        /* an exception: undo the frame the CPU pushed (SDM Vol. 3A 6.12.1) */
        uint32_t v = (r.eip - SYS_STUBS - 1) / 4;
        uint32_t esp = r.gpr[R_ESP] + (vector_has_error_code(v) ? 4 : 0);
        out->fault = v + 1;
        out->fault_eip = dyn_read32(d, esp);
        out->eflags = dyn_read32(d, esp + 8);
        out->regs[R_ESP] = esp + 12;
    } else {
        out->fault = FAULT_STRAY_HLT;
        out->fault_eip = r.eip;
    }
    memcpy(out->mem, d->pm.ram + ORACLE_SCRATCH, ORACLE_SCRATCH_SIZE);
}

/* loads the snippet and runs it `repeat` times (the later runs reuse the
 * translation); a run that ends differently from the first is reported */
static void dyn_run(struct dyn *d, const struct oracle_snippet *s, unsigned repeat, struct oracle_res *out)
{
    const struct oracle_req *rq = &s->req;
    /* through physmem_write, so that the last snippet's translation goes */
    dyn_write(d, ORACLE_CODE, rq->code, rq->code_len);
    static const uint8_t hlt = 0xF4;
    dyn_write(d, ORACLE_CODE + rq->code_len, &hlt, 1);
    dyn_run_once(d, s, out);
    for (unsigned i = 1; i < repeat; i++) {
        struct oracle_res again;
        dyn_run_once(d, s, &again);
        if (memcmp(&again, out, sizeof again) != 0) {
            out->fault = FAULT_UNSTABLE;
            out->fault_eip = i;
            return;
        }
    }
}

/* ==== statistics per form ================================================ */
struct form_stat {
    char label[ORACLE_LABEL_MAX];
    enum oracle_category category;
    uint32_t total, bad;
};

#define FORM_SLOTS 65536u
static struct form_stat forms[FORM_SLOTS];
static unsigned nforms;

static struct form_stat *form_get(const struct oracle_snippet *s)
{
    uint32_t h = 2166136261u;
    for (const char *p = s->label; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    h ^= (uint32_t)s->category * 0x9E3779B9u;
    for (uint32_t i = 0; i < FORM_SLOTS; i++) {
        struct form_stat *f = &forms[(h + i) % FORM_SLOTS];
        if (!f->label[0]) {
            if (nforms + 1 >= FORM_SLOTS)
                return NULL;
            memcpy(f->label, s->label, sizeof f->label);
            f->category = s->category;
            nforms++;
            return f;
        }
        if (f->category == s->category && strcmp(f->label, s->label) == 0)
            return f;
    }
    return NULL;
}

static int form_cmp(const void *a, const void *b)
{
    const struct form_stat *x = a, *y = b;
    if (x->bad != y->bad)
        return x->bad < y->bad ? 1 : -1;
    if (x->category != y->category)
        return (int)x->category - (int)y->category;
    return strcmp(x->label, y->label);
}

/* ==== comparing and reporting ============================================ */
enum {
    DIFF_FLAGS = 1u << 8,
    DIFF_MEM = 1u << 9,
    DIFF_FAULT = 1u << 10,
    DIFF_EXPECT = 1u << 11, /* the host did not do what the generator meant */
};

static uint32_t compare(const struct oracle_snippet *s, const struct oracle_res *nat,
                        const struct oracle_res *dyn)
{
    uint32_t diff = 0;
    if (nat->fault != s->expect_fault)
        diff |= DIFF_EXPECT;
    if (nat->fault != dyn->fault || (nat->fault && nat->fault_eip != dyn->fault_eip))
        diff |= DIFF_FAULT;
    for (int r = 0; r < 8; r++)
        if (!(s->reg_undef >> r & 1) && nat->regs[r] != dyn->regs[r])
            diff |= 1u << r;
    uint32_t fm = s->flag_mask | ORACLE_DF;
    if ((nat->eflags ^ dyn->eflags) & fm)
        diff |= DIFF_FLAGS;
    if (memcmp(nat->mem, dyn->mem, ORACLE_SCRATCH_SIZE) != 0)
        diff |= DIFF_MEM;
    return diff;
}

#define FLAG_NAMES_ONLY 0xFFFFFFFFu

/* "OF=1 SF=0 ..." for the flags in mask, or just their names */
static void flags_str(uint32_t fl, uint32_t mask, char *buf, size_t n)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } names[] = {{ORACLE_OF, "OF"}, {ORACLE_DF, "DF"}, {ORACLE_SF, "SF"}, {ORACLE_ZF, "ZF"},
                 {ORACLE_AF, "AF"}, {ORACLE_PF, "PF"}, {ORACLE_CF, "CF"}};
    size_t len = 0;
    buf[0] = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(mask & names[i].bit))
            continue;
        if (fl == FLAG_NAMES_ONLY)
            len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%s%s", len ? " " : "", names[i].name);
        else
            len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%s%s=%d", len ? " " : "",
                                    names[i].name, (fl & names[i].bit) != 0);
    }
}

static void fault_str(uint32_t fault, uint32_t eip, char *buf, size_t n)
{
    static const char *const vec_name[20] = {"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD",
                                             "#NM", "#DF", "?9",  "#TS", "#NP", "#SS", "#GP",
                                             "#PF", "?15", "#MF", "#AC", "#MC", "#XM"};
    if (fault == 0)
        snprintf(buf, n, "none");
    else if (fault == FAULT_NOHALT)
        snprintf(buf, n, "did not reach HLT (EIP %08" PRIx32 ")", eip);
    else if (fault == FAULT_SHUTDOWN)
        snprintf(buf, n, "triple fault / shutdown (EIP %08" PRIx32 ")", eip);
    else if (fault == FAULT_STRAY_HLT)
        snprintf(buf, n, "stopped at an unexpected HLT (EIP %08" PRIx32 ")", eip);
    else if (fault == FAULT_UNSTABLE)
        snprintf(buf, n, "run %" PRIu32 " (reusing the translation) ended unlike the first", eip + 1);
    else
        snprintf(buf, n, "%s (vector %" PRIu32 ") at %08" PRIx32, fault - 1 < 20 ? vec_name[fault - 1] : "?",
                 fault - 1, eip);
}

static void print_regs(const char *who, const uint32_t *regs, uint32_t eflags, uint32_t diff, uint8_t undef)
{
    printf("    %-8s", who);
    for (int r = 0; r < 8; r++)
        printf(" %s=%08" PRIx32 "%s", reg_name[r], regs[r],
               (diff >> r & 1)    ? "*"
               : (undef >> r & 1) ? "?"
                                  : "");
    char fl[64];
    flags_str(eflags, ORACLE_ARITH | ORACLE_DF, fl, sizeof fl);
    printf("\n    %-8s EFLAGS=%08" PRIx32 " [%s]\n", "", eflags, fl);
}

static void print_snippet(csh cs, const struct oracle_snippet *s)
{
    const struct oracle_req *rq = &s->req;
    printf("    code   ");
    for (uint32_t i = 0; i < rq->code_len; i++)
        printf(" %02x", rq->code[i]);
    printf("\n");
    cs_insn *insn = NULL;
    size_t n = cs ? cs_disasm(cs, rq->code, rq->code_len, ORACLE_CODE, 0, &insn) : 0;
    size_t done = 0;
    for (size_t i = 0; i < n; i++) {
        char bytes[64] = "";
        size_t len = 0;
        for (uint16_t k = 0; k < insn[i].size && len + 4 < sizeof bytes; k++)
            len += (size_t)snprintf(bytes + len, sizeof bytes - len, "%02x ", insn[i].bytes[k]);
        bool under_test = insn[i].address - ORACLE_CODE == s->main_off;
        printf("    %s %08" PRIx64 "  %-30s %s %s\n", under_test ? "=>" : "  ", insn[i].address, bytes,
               insn[i].mnemonic, insn[i].op_str);
        done += insn[i].size;
    }
    if (done < rq->code_len)
        printf("       (capstone could not decode the last %u bytes)\n", (unsigned)(rq->code_len - done));
    if (insn)
        cs_free(insn, n);
}

static void report(csh cs, uint64_t index, const struct oracle_snippet *s, const struct oracle_res *nat,
                   const struct oracle_res *dyn, uint32_t diff)
{
    const struct oracle_req *rq = &s->req;
    printf("\nMISMATCH snippet %" PRIu64 " [%s] %s\n", index, oracle_category_name[s->category], s->label);
    print_snippet(cs, s);
    char fl[64], undef[64];
    flags_str(FLAG_NAMES_ONLY, ORACLE_ARITH & s->flag_mask, fl, sizeof fl);
    flags_str(FLAG_NAMES_ONLY, ORACLE_ARITH & ~s->flag_mask, undef, sizeof undef);
    print_regs("initial", rq->regs, rq->eflags, 0, 0);
    print_regs("native", nat->regs, nat->eflags, diff, s->reg_undef);
    print_regs("dynapc", dyn->regs, dyn->eflags, diff, s->reg_undef);
    printf("    compared flags: DF%s%s; undefined (masked):%s%s\n", fl[0] ? " " : "", fl,
           undef[0] ? " " : " none", undef);
    for (int i = 0; i < 8; i++) {
        if (diff >> i & 1)
            printf("    %s: native %08" PRIx32 ", dynapc %08" PRIx32 " (initial %08" PRIx32 ")\n",
                   reg_name[i], nat->regs[i], dyn->regs[i], rq->regs[i]);
    }
    if (diff & DIFF_FLAGS) {
        uint32_t m = (nat->eflags ^ dyn->eflags) & (s->flag_mask | ORACLE_DF);
        char a[64], b[64];
        flags_str(nat->eflags, m, a, sizeof a);
        flags_str(dyn->eflags, m, b, sizeof b);
        printf("    flags: native %s, dynapc %s\n", a, b);
    }
    if (diff & (DIFF_FAULT | DIFF_EXPECT) || nat->fault || dyn->fault) {
        char a[96], b[96];
        fault_str(nat->fault, nat->fault_eip, a, sizeof a);
        fault_str(dyn->fault, dyn->fault_eip, b, sizeof b);
        printf("    exception: native %s, dynapc %s%s\n", a, b,
               (diff & DIFF_EXPECT) ? (s->expect_fault ? "  (expected #DE)" : "  (expected none)") : "");
    }
    if (diff & DIFF_MEM) {
        printf("    memory differs (address: initial native dynapc):\n");
        int shown = 0;
        for (uint32_t i = 0; i < ORACLE_SCRATCH_SIZE; i++) {
            if (nat->mem[i] == dyn->mem[i])
                continue;
            if (shown++ < 16)
                printf("      %08" PRIx32 ": %02x %02x %02x\n", ORACLE_SCRATCH + i, rq->mem[i], nat->mem[i],
                       dyn->mem[i]);
        }
        if (shown > 16)
            printf("      ... %d bytes in all\n", shown);
    }
    printf("    initial memory %08" PRIx32 ":\n", ORACLE_SCRATCH);
    for (uint32_t i = 0; i < ORACLE_SCRATCH_SIZE; i += 32) {
        printf("      +%02" PRIx32 ":", i);
        for (uint32_t k = 0; k < 32; k++)
            printf("%s%02x", k % 4 ? "" : " ", rq->mem[i + k]);
        printf("\n");
    }
    printf("    reproduce: --index %" PRIu64 "\n", index);
}

/* ==== main =============================================================== */
static uint64_t splitmix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/* snippet i of a seed, independent of the others (so --index reproduces it) */
static void make_snippet(uint64_t seed, uint64_t i, int only_category, struct oracle_snippet *s)
{
    uint64_t rng = splitmix64(seed ^ splitmix64(i));
    if (!rng)
        rng = 1;
    enum oracle_category c =
        only_category >= 0 ? (enum oracle_category)only_category : oracle_pick_category(&rng);
    oracle_generate(s, c, &rng);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(void)
{
    fprintf(stderr, "usage: oracle HELPER [--seed N|random] [--count N] [--category NAME] [--index I] "
                    "[--show N] [--repeat N] [--list]\n");
}

int main(int argc, char **argv)
{
    const char *helper_path = NULL;
    uint64_t seed = DEFAULT_SEED, count = DEFAULT_COUNT, only_index = UINT64_MAX;
    int only_category = -1;
    unsigned show = 10, repeat = 1;
    bool list = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--seed") == 0 && v) {
            seed = strcmp(v, "random") == 0 ? splitmix64((uint64_t)time(NULL) ^ (uint64_t)getpid() << 32)
                                            : strtoull(v, NULL, 0);
            i++;
        } else if (strcmp(a, "--count") == 0 && v) {
            count = strtoull(v, NULL, 0);
            i++;
        } else if (strcmp(a, "--index") == 0 && v) {
            only_index = strtoull(v, NULL, 0);
            i++;
        } else if (strcmp(a, "--show") == 0 && v) {
            show = (unsigned)strtoul(v, NULL, 0);
            i++;
        } else if (strcmp(a, "--repeat") == 0 && v) {
            repeat = (unsigned)strtoul(v, NULL, 0);
            repeat = repeat ? repeat : 1;
            i++;
        } else if (strcmp(a, "--category") == 0 && v) {
            for (int c = 0; c < OC_COUNT; c++)
                if (strcmp(v, oracle_category_name[c]) == 0)
                    only_category = c;
            if (only_category < 0) {
                fprintf(stderr, "oracle: unknown category '%s'\n", v);
                return 2;
            }
            i++;
        } else if (strcmp(a, "--list") == 0) {
            list = true;
        } else if (a[0] != '-' && !helper_path) {
            helper_path = a;
        } else {
            usage();
            return 2;
        }
    }

#if !(defined(__x86_64__) || defined(__i386__))
    (void)helper_path;
    printf("SKIP: host_oracle compares dynapc with the host CPU; this host is not x86\n");
    return SKIP;
#endif
    if (!helper_path) {
        printf("SKIP: no native 32-bit helper given (the build could not make -m32 executables)\n");
        return SKIP;
    }
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);

    struct dyn d;
    if (dyn_init(&d) != 0) {
        fprintf(stderr, "oracle: cannot create the dynapc CPU\n");
        return 1;
    }
    struct helper h;
    if (helper_start(&h, helper_path) != 0) {
        fprintf(stderr, "oracle: cannot start %s: %s\n", helper_path, strerror(errno));
        return 1;
    }
    csh cs = 0;
    if (cs_open(CS_ARCH_X86, CS_MODE_32, &cs) != CS_ERR_OK)
        cs = 0;

    /* a NOP first: a host that cannot run the helper is a skip, not a failure */
    {
        struct oracle_req nop;
        struct oracle_res res;
        memset(&nop, 0, sizeof nop);
        nop.cmd = ORACLE_CMD_RUN_FLUSH;
        nop.regs[R_ESP] = ORACLE_SPARE_ESP;
        nop.code[0] = 0x90;
        nop.code_len = 1;
        if (!helper_write(h.to, &nop, sizeof nop) || !helper_read(h.from, &res, sizeof res)) {
            char st[64];
            helper_stop(&h, st, sizeof st);
            printf("SKIP: the native 32-bit helper %s does not run on this host (%s)\n", helper_path, st);
            return SKIP;
        }
    }

    uint64_t first = 0, n = count;
    if (only_index != UINT64_MAX) {
        first = only_index;
        n = 1;
        show = 1;
    }
    printf("host_oracle: seed %#" PRIx64 ", %" PRIu64 " snippets%s%s (reproduce: --seed %#" PRIx64 ")\n",
           seed, n, only_category >= 0 ? ", category " : "",
           only_category >= 0 ? oracle_category_name[only_category] : "", seed);

    static struct oracle_snippet sn[BATCH];
    static struct oracle_req rq[BATCH];
    static struct oracle_res nat[BATCH], dyn[BATCH];
    uint64_t cat_total[OC_COUNT] = {0}, cat_bad[OC_COUNT] = {0}, bad = 0;
    double t0 = now(), t_dyn = 0;
    for (uint64_t done = 0; done < n;) {
        unsigned b = (unsigned)(n - done < BATCH ? n - done : BATCH);
        for (unsigned k = 0; k < b; k++) {
            make_snippet(seed, first + done + k, only_category, &sn[k]);
            rq[k] = sn[k].req;
            rq[k].cmd = k == b - 1 ? ORACLE_CMD_RUN_FLUSH : ORACLE_CMD_RUN;
        }
        if (!helper_write(h.to, rq, b * sizeof rq[0])) {
            char st[64];
            helper_stop(&h, st, sizeof st);
            fprintf(stderr, "oracle: the native helper stopped (%s)\n", st);
            return 1;
        }
        double t1 = now();
        for (unsigned k = 0; k < b; k++)
            dyn_run(&d, &sn[k], repeat, &dyn[k]);
        t_dyn += now() - t1;
        if (!helper_read(h.from, nat, b * sizeof nat[0])) {
            char st[64];
            helper_stop(&h, st, sizeof st);
            fprintf(stderr, "oracle: the native helper stopped (%s) in snippets %" PRIu64 "..%" PRIu64 "\n",
                    st, first + done, first + done + b - 1);
            return 1;
        }
        for (unsigned k = 0; k < b; k++) {
            const struct oracle_snippet *s = &sn[k];
            uint32_t diff = compare(s, &nat[k], &dyn[k]);
            struct form_stat *f = form_get(s);
            cat_total[s->category]++;
            if (f)
                f->total++;
            if (only_index != UINT64_MAX && !diff) {
                printf("\nsnippet %" PRIu64 " [%s] %s: match\n", first, oracle_category_name[s->category],
                       s->label);
                print_snippet(cs, s);
                print_regs("initial", s->req.regs, s->req.eflags, 0, 0);
                print_regs("native", nat[k].regs, nat[k].eflags, 0, s->reg_undef);
                print_regs("dynapc", dyn[k].regs, dyn[k].eflags, 0, s->reg_undef);
            }
            if (!diff)
                continue;
            cat_bad[s->category]++;
            if (f)
                f->bad++;
            if (bad++ < show)
                report(cs, first + done + k, s, &nat[k], &dyn[k], diff);
        }
        done += b;
    }
    double t_all = now() - t0;

    printf("\n%-14s %10s %10s\n", "category", "snippets", "mismatches");
    for (int c = 0; c < OC_COUNT; c++)
        if (cat_total[c])
            printf("%-14s %10" PRIu64 " %10" PRIu64 "%s\n", oracle_category_name[c], cat_total[c], cat_bad[c],
                   cat_bad[c] ? "  FAIL" : "");
    qsort(forms, FORM_SLOTS, sizeof forms[0], form_cmp);
    if (bad) {
        printf("\nforms with mismatches (mismatches / snippets):\n");
        unsigned i;
        for (i = 0; i < FORM_SLOTS && forms[i].bad && i < 60; i++)
            printf("  %-13s %-48s %6" PRIu32 " / %" PRIu32 "\n", oracle_category_name[forms[i].category],
                   forms[i].label, forms[i].bad, forms[i].total);
        unsigned more = 0;
        for (; i < FORM_SLOTS && forms[i].bad; i++)
            more++;
        if (more)
            printf("  ... and %u more forms\n", more);
    }
    if (list) {
        printf("\nall forms (snippets):\n");
        for (unsigned i = 0; i < FORM_SLOTS; i++)
            if (forms[i].label[0])
                printf("  %-13s %-48s %6" PRIu32 "\n", oracle_category_name[forms[i].category],
                       forms[i].label, forms[i].total);
    }
    printf("\n%u distinct forms; %.2f s (dynapc %.2f s); %" PRIu64 " of %" PRIu64 " snippets mismatch: %s\n",
           nforms, t_all, t_dyn, bad, n, bad ? "FAIL" : "PASS");

    char st[64];
    helper_stop(&h, st, sizeof st);
    if (cs)
        cs_close(&cs);
    dyn_free(&d);
    return bad ? 1 : 0;
}
