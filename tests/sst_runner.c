/* sst_runner.c - runs the SingleStepTests CPU vectors (../shared/tests/sst)
 * through dynapc's decoder and translator, using only the CPU's public
 * interface: a bare bus whose ports read all-ones, RAM with no holes, one CPU
 * per suite.
 *
 * Each test loads its initial RAM bytes with physmem_write() (which drops any
 * translation of code at those addresses) and its registers in real mode,
 * runs, and compares the final state: every register of the initial state
 * (the vectors list only the changed ones in "final") and every RAM byte
 * listed in either state.  Flags are masked with the suite's metadata.json
 * mask for the opcode (and ModRM.reg for groups), also in the FLAGS word an
 * exception pushed.
 *
 *   8086   one instruction in single-step mode (the bytes after it are NOPs)
 *   80286  run to the HLT that ends every test; flag bits 12-15 are cleared
 *          before loading; revoked hashes are skipped
 *   80386  as the 286, with 32-bit registers and the vector's CR0; ports
 *          22h-23h read 427Fh (the 386EX's configuration registers)
 *
 * The test is a ratchet: it fails when a suite passes fewer tests than
 * tests/sst_baseline.txt records, and says so when a suite does better. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu/cpu.h"
#include "devices/bus.h"
#include "devices/physmem.h"
#include "sst_json.h"

#ifndef SST_DATA_DIR
#define SST_DATA_DIR "../shared/tests/sst"
#endif
#ifndef SST_BASELINE
#define SST_BASELINE "tests/sst_baseline.txt"
#endif

#define RAM_BYTES         (16u << 20)
#define HALT_INSN_LIMIT   2000
#define RUN_SLICE         16
#define FAILS_SHOWN       3 /* failure lines per file in the report */
#define MAX_TEST_BYTES    64
#define MAX_OPCODES       0x200 /* one-byte opcodes, then 0F xx */
#define TOP_FILES_LISTED  20
#define EXIT_SKIPPED_TEST 77 /* meson: the test was skipped */
#define SUITE_MAX_FILES   512

/* ---- registers as the vectors name them ------------------------------------ */

/* slots: GPRs in encoding order (cpu.h R_*), then these */
enum {
    RS_EIP = 8,
    RS_EFLAGS,
    RS_SEG0, /* + SEG_ES..SEG_GS */
    RS_CR0 = RS_SEG0 + 6,
    RS_CR3,
    RS_DR6,
    RS_DR7,
    RS_COUNT
};

struct reg_name {
    const char *name;
    int slot;
    int bits;
};

static const struct reg_name reg_names[] = {
    {"ax", R_EAX, 16},
    {"cx", R_ECX, 16},
    {"dx", R_EDX, 16},
    {"bx", R_EBX, 16},
    {"sp", R_ESP, 16},
    {"bp", R_EBP, 16},
    {"si", R_ESI, 16},
    {"di", R_EDI, 16},
    {"ip", RS_EIP, 16},
    {"flags", RS_EFLAGS, 16},
    {"eax", R_EAX, 32},
    {"ecx", R_ECX, 32},
    {"edx", R_EDX, 32},
    {"ebx", R_EBX, 32},
    {"esp", R_ESP, 32},
    {"ebp", R_EBP, 32},
    {"esi", R_ESI, 32},
    {"edi", R_EDI, 32},
    {"eip", RS_EIP, 32},
    {"eflags", RS_EFLAGS, 32},
    {"es", RS_SEG0 + SEG_ES, 16},
    {"cs", RS_SEG0 + SEG_CS, 16},
    {"ss", RS_SEG0 + SEG_SS, 16},
    {"ds", RS_SEG0 + SEG_DS, 16},
    {"fs", RS_SEG0 + SEG_FS, 16},
    {"gs", RS_SEG0 + SEG_GS, 16},
    {"cr0", RS_CR0, 32},
    {"cr3", RS_CR3, 32},
    {"dr6", RS_DR6, 32},
    {"dr7", RS_DR7, 32},
};

struct regs {
    uint32_t v[RS_COUNT];
    uint32_t present;       /* bit per slot */
    int name_idx[RS_COUNT]; /* reg_names[] entry, for widths and printing */
};

struct ram_byte {
    uint32_t addr;
    uint8_t val;
};

struct ram_list {
    struct ram_byte *b;
    size_t n, cap;
};

struct state {
    struct regs regs;
    struct ram_list ram;
};

struct test {
    char name[128];
    uint8_t bytes[MAX_TEST_BYTES];
    int nbytes;
    char hash[80];
    long idx;
    struct state initial, final;
    bool has_exception;
    int exc_number;
    uint32_t flag_address;
};

/* ---- suites ------------------------------------------------------------------ */

struct suite_def {
    const char *name; /* folder and baseline key */
    enum cpu_model model;
    uint32_t a20_mask;
    bool single_step; /* 8086: one instruction; else run to HLT */
    bool clear_flags_12_15;
    /* EFLAGS bits the chip has: the 386 vectors carry FFFCh in bits 18-31,
     * which a 386 does not implement; they are neither loaded nor compared */
    uint32_t eflags_bits;
    bool port22_427f;
    const char *revocation; /* file in the data folder, or NULL */
    const uint8_t *prefixes;
    size_t nprefixes;
};

static const uint8_t prefixes_86[] = {0x26, 0x2E, 0x36, 0x3E, 0xF0, 0xF1, 0xF2, 0xF3};
static const uint8_t prefixes_386[] = {0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x66, 0x67, 0xF0, 0xF2, 0xF3};

static const struct suite_def suites[] = {
    {"8086", CPU_MODEL_8086, 0xFFFFF, true, false, 0xFFFF, false, NULL, prefixes_86, sizeof prefixes_86},
    {"80286", CPU_MODEL_286, 0xFFFFFF, false, true, 0xFFFF, false, "revocation_list-80286.txt", prefixes_86,
     sizeof prefixes_86},
    {"80386", CPU_MODEL_386, 0xFFFFFFFF, false, false, 0x3FFFF, true, NULL, prefixes_386,
     sizeof prefixes_386},
};
#define NSUITES (sizeof suites / sizeof suites[0])

struct opcode_meta {
    bool has_reg;
    uint16_t mask, reg_mask[8];
};

/* what differed, counted over a suite (any mismatch, not only the first) */
struct diff_stats {
    unsigned reg[RS_COUNT];
    unsigned flag_bit[32];
    unsigned ram, no_halt, shutdown;
};

struct file_result {
    char stem[16];
    unsigned tests, passed, failed, skipped;
};

struct suite_result {
    unsigned tests, passed, failed, skipped, revoked;
    unsigned files;
    long baseline; /* -1: none recorded */
    double seconds;
    struct diff_stats diffs;
    struct file_result *file;
    unsigned nfile_fail;
};

/* a growable text, for the report */
struct text {
    char *s;
    size_t len, cap;
};

static void text_printf(struct text *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = t->cap - t->len;
        int n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if (t->s && (size_t)n < room) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = t->cap ? t->cap : 4096;
        while (cap - t->len <= (size_t)n)
            cap *= 2;
        char *s = realloc(t->s, cap);
        if (!s) {
            fprintf(stderr, "sst: out of memory\n");
            exit(2);
        }
        t->s = s;
        t->cap = cap;
    }
}

struct runner {
    const char *data_dir;
    const char *only_opcode; /* --opcode, or NULL */
    bool verbose;
    const struct suite_def *suite;

    struct bus *bus;
    struct physmem pm;
    struct cpu *cpu;

    struct opcode_meta meta[MAX_OPCODES];
    bool have_meta;
    char **revoked;
    size_t nrevoked;

    struct test t;
    struct text fails; /* the failure lines of the current suite */
};

/* ---- the bare board ------------------------------------------------------------ */

static uint64_t open_bus_read(void *opaque, uint64_t offset, unsigned size)
{
    const struct runner *rn = opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        uint64_t port = (offset + i) & 0xFFFF;
        uint64_t b = 0xFF;
        if (rn->suite->port22_427f && port == 0x22)
            b = 0x7F;
        else if (rn->suite->port22_427f && port == 0x23)
            b = 0x42;
        v |= b << (8 * i);
    }
    return v;
}

static void open_bus_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    (void)opaque;
    (void)offset;
    (void)value;
    (void)size;
}

static const struct bus_ops open_bus_ops = {open_bus_read, open_bus_write, BUS_WALL};

static int board_new(struct runner *rn)
{
    rn->bus = bus_new();
    if (!rn->bus || bus_map(rn->bus, BUS_IO, 0, 0x10000, &open_bus_ops, rn, "sst-ports") < 0)
        return -1;
    if (physmem_init(&rn->pm, rn->bus, RAM_BYTES) < 0)
        return -1;
    rn->pm.ram_hole_lo = rn->pm.ram_hole_hi = 0;
    rn->pm.a20_mask = rn->suite->a20_mask;
    struct cpu_host host = {.mem = &rn->pm, .bus = rn->bus};
    rn->cpu = cpu_new(&host, rn->suite->model);
    if (!rn->cpu)
        return -1;
    cpu_set_single_step(rn->cpu, rn->suite->single_step);
    return 0;
}

static void board_free(struct runner *rn)
{
    cpu_free(rn->cpu);
    rn->cpu = NULL;
    if (rn->pm.ram)
        physmem_destroy(&rn->pm);
    bus_free(rn->bus);
    rn->bus = NULL;
}

/* ---- reading the vectors ------------------------------------------------------ */

static bool expect(struct json_reader *jr, enum json_tok got, enum json_tok want, const char *what)
{
    if (got == want)
        return true;
    if (got == JSON_ERROR)
        fprintf(stderr, "sst: %s\n", json_error(jr));
    else
        fprintf(stderr, "sst: unexpected JSON token %d where %s belongs\n", got, what);
    return false;
}

static bool read_uint(struct json_reader *jr, uint32_t *v)
{
    enum json_tok t = json_next(jr);
    if (!expect(jr, t, JSON_NUMBER, "a number"))
        return false;
    *v = (uint32_t)json_int(jr);
    return true;
}

static bool read_regs(struct json_reader *jr, struct regs *regs)
{
    if (!expect(jr, json_next(jr), JSON_OBJ_BEGIN, "a register object"))
        return false;
    for (;;) {
        enum json_tok t = json_next(jr);
        if (t == JSON_OBJ_END)
            return true;
        if (!expect(jr, t, JSON_KEY, "a register name"))
            return false;
        int k = -1;
        for (size_t i = 0; i < sizeof reg_names / sizeof reg_names[0]; i++) {
            if (!strcmp(json_str(jr), reg_names[i].name)) {
                k = (int)i;
                break;
            }
        }
        if (k < 0) {
            fprintf(stderr, "sst: unknown register '%s'\n", json_str(jr));
            return false;
        }
        uint32_t v;
        if (!read_uint(jr, &v))
            return false;
        int slot = reg_names[k].slot;
        regs->v[slot] = v;
        regs->present |= 1u << slot;
        regs->name_idx[slot] = k;
    }
}

static bool ram_push(struct ram_list *l, uint32_t addr, uint8_t val)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        struct ram_byte *b = realloc(l->b, cap * sizeof *b);
        if (!b)
            return false;
        l->b = b;
        l->cap = cap;
    }
    l->b[l->n++] = (struct ram_byte){addr, val};
    return true;
}

static bool read_ram(struct json_reader *jr, struct ram_list *l)
{
    if (!expect(jr, json_next(jr), JSON_ARR_BEGIN, "a RAM list"))
        return false;
    for (;;) {
        enum json_tok t = json_next(jr);
        if (t == JSON_ARR_END)
            return true;
        if (!expect(jr, t, JSON_ARR_BEGIN, "an [address, byte] pair"))
            return false;
        uint32_t addr, val;
        if (!read_uint(jr, &addr) || !read_uint(jr, &val))
            return false;
        if (!expect(jr, json_next(jr), JSON_ARR_END, "the end of an [address, byte] pair"))
            return false;
        if (!ram_push(l, addr, (uint8_t)val)) {
            fprintf(stderr, "sst: out of memory\n");
            return false;
        }
    }
}

static bool read_state(struct json_reader *jr, struct state *s)
{
    if (!expect(jr, json_next(jr), JSON_OBJ_BEGIN, "a state object"))
        return false;
    for (;;) {
        enum json_tok t = json_next(jr);
        if (t == JSON_OBJ_END)
            return true;
        if (!expect(jr, t, JSON_KEY, "a member name"))
            return false;
        bool ok;
        if (!strcmp(json_str(jr), "regs"))
            ok = read_regs(jr, &s->regs);
        else if (!strcmp(json_str(jr), "ram"))
            ok = read_ram(jr, &s->ram);
        else /* queue (the 8086 prefetch queue is not modelled), ea */
            ok = json_skip(jr, json_next(jr)) != JSON_ERROR;
        if (!ok)
            return false;
    }
}

static bool read_exception(struct json_reader *jr, struct test *t)
{
    if (!expect(jr, json_next(jr), JSON_OBJ_BEGIN, "an exception object"))
        return false;
    t->has_exception = true;
    for (;;) {
        enum json_tok tok = json_next(jr);
        if (tok == JSON_OBJ_END)
            return true;
        if (!expect(jr, tok, JSON_KEY, "a member name"))
            return false;
        uint32_t v;
        if (!strcmp(json_str(jr), "number")) {
            if (!read_uint(jr, &v))
                return false;
            t->exc_number = (int)v;
        } else if (!strcmp(json_str(jr), "flag_address")) {
            if (!read_uint(jr, &t->flag_address))
                return false;
        } else if (json_skip(jr, json_next(jr)) == JSON_ERROR) {
            return false;
        }
    }
}

static void copy_str(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src);
}

/* reads the members of one test; its '{' is consumed */
static bool read_test(struct json_reader *jr, struct test *t)
{
    t->name[0] = t->hash[0] = 0;
    t->nbytes = 0;
    t->idx = -1;
    t->has_exception = false;
    memset(&t->initial.regs, 0, sizeof t->initial.regs);
    memset(&t->final.regs, 0, sizeof t->final.regs);
    t->initial.ram.n = t->final.ram.n = 0;
    for (;;) {
        enum json_tok tok = json_next(jr);
        if (tok == JSON_OBJ_END)
            return true;
        if (!expect(jr, tok, JSON_KEY, "a member name"))
            return false;
        const char *key = json_str(jr);
        bool ok = true;
        if (!strcmp(key, "name")) {
            ok = expect(jr, json_next(jr), JSON_STRING, "a string");
            if (ok)
                copy_str(t->name, sizeof t->name, json_str(jr));
        } else if (!strcmp(key, "hash") || !strcmp(key, "test_hash")) {
            ok = expect(jr, json_next(jr), JSON_STRING, "a string");
            if (ok)
                copy_str(t->hash, sizeof t->hash, json_str(jr));
        } else if (!strcmp(key, "idx") || !strcmp(key, "test_num")) {
            uint32_t v = 0;
            ok = read_uint(jr, &v);
            t->idx = (long)v;
        } else if (!strcmp(key, "bytes")) {
            ok = expect(jr, json_next(jr), JSON_ARR_BEGIN, "a byte list");
            while (ok) {
                tok = json_next(jr);
                if (tok == JSON_ARR_END)
                    break;
                ok = expect(jr, tok, JSON_NUMBER, "a byte");
                if (ok && t->nbytes < MAX_TEST_BYTES)
                    t->bytes[t->nbytes++] = (uint8_t)json_int(jr);
            }
        } else if (!strcmp(key, "initial")) {
            ok = read_state(jr, &t->initial);
        } else if (!strcmp(key, "final")) {
            ok = read_state(jr, &t->final);
        } else if (!strcmp(key, "exception")) {
            ok = read_exception(jr, t);
        } else {
            ok = json_skip(jr, json_next(jr)) != JSON_ERROR;
        }
        if (!ok)
            return false;
    }
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* "XX" or "0FXX" -> index into meta[], or -1 */
static int opcode_index(const char *s)
{
    size_t n = strlen(s);
    if (n != 2 && n != 4)
        return -1;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        int h = hexval(s[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    if (n == 2)
        return v;
    return (v >> 8) == 0x0F ? 0x100 | (v & 0xFF) : -1;
}

/* one entry of "opcodes" or of its "reg": the flags mask, other members skipped */
static bool read_meta_entry(struct json_reader *jr, struct opcode_meta *m, int reg)
{
    if (!expect(jr, json_next(jr), JSON_OBJ_BEGIN, "an opcode object"))
        return false;
    for (;;) {
        enum json_tok t = json_next(jr);
        if (t == JSON_OBJ_END)
            return true;
        if (!expect(jr, t, JSON_KEY, "a member name"))
            return false;
        if (!strcmp(json_str(jr), "flags-mask")) {
            uint32_t v;
            if (!read_uint(jr, &v))
                return false;
            if (reg < 0)
                m->mask = (uint16_t)v;
            else
                m->reg_mask[reg] = (uint16_t)v;
        } else if (!strcmp(json_str(jr), "reg") && reg < 0) {
            m->has_reg = true;
            if (!expect(jr, json_next(jr), JSON_OBJ_BEGIN, "a reg object"))
                return false;
            for (;;) {
                t = json_next(jr);
                if (t == JSON_OBJ_END)
                    break;
                if (!expect(jr, t, JSON_KEY, "a ModRM.reg value"))
                    return false;
                int r = atoi(json_str(jr));
                if (r < 0 || r > 7) {
                    fprintf(stderr, "sst: metadata: bad reg '%s'\n", json_str(jr));
                    return false;
                }
                if (!read_meta_entry(jr, m, r))
                    return false;
            }
        } else if (json_skip(jr, json_next(jr)) == JSON_ERROR) {
            return false;
        }
    }
}

/* <suite>/metadata.json: the undefined-flag masks; a suite without one
 * (80386) compares every flag */
static bool load_metadata(struct runner *rn, const char *dir)
{
    for (int i = 0; i < MAX_OPCODES; i++) {
        rn->meta[i].has_reg = false;
        rn->meta[i].mask = 0xFFFF;
        for (int r = 0; r < 8; r++)
            rn->meta[i].reg_mask[r] = 0xFFFF;
    }
    rn->have_meta = false;
    char path[4200];
    snprintf(path, sizeof path, "%s/metadata.json", dir);
    struct json_reader *jr = json_open(path);
    if (!jr)
        return errno == ENOENT;
    bool ok = expect(jr, json_next(jr), JSON_OBJ_BEGIN, "the metadata object");
    while (ok) {
        enum json_tok t = json_next(jr);
        if (t == JSON_OBJ_END)
            break;
        ok = expect(jr, t, JSON_KEY, "a member name");
        if (!ok)
            break;
        if (strcmp(json_str(jr), "opcodes")) {
            ok = json_skip(jr, json_next(jr)) != JSON_ERROR;
            continue;
        }
        ok = expect(jr, json_next(jr), JSON_OBJ_BEGIN, "the opcodes object");
        while (ok) {
            t = json_next(jr);
            if (t == JSON_OBJ_END)
                break;
            ok = expect(jr, t, JSON_KEY, "an opcode");
            if (!ok)
                break;
            int op = opcode_index(json_str(jr));
            if (op < 0) {
                fprintf(stderr, "sst: %s: bad opcode '%s'\n", path, json_str(jr));
                ok = false;
                break;
            }
            ok = read_meta_entry(jr, &rn->meta[op], -1);
        }
    }
    json_close(jr);
    rn->have_meta = ok;
    return ok;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_revoked(struct runner *rn)
{
    for (size_t i = 0; i < rn->nrevoked; i++)
        free(rn->revoked[i]);
    free(rn->revoked);
    rn->revoked = NULL;
    rn->nrevoked = 0;
}

/* one hash a line; '#' starts a comment */
static bool load_revoked(struct runner *rn, const char *file)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", rn->data_dir, file);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "sst: %s: %s\n", path, strerror(errno));
        return false;
    }
    char line[512];
    size_t cap = 0;
    while (fgets(line, sizeof line, f)) {
        char *s = line + strspn(line, " \t");
        s[strcspn(s, " \t\r\n#")] = 0;
        if (!*s)
            continue;
        if (rn->nrevoked == cap) {
            cap = cap ? cap * 2 : 16;
            char **v = realloc(rn->revoked, cap * sizeof *v);
            if (!v)
                break;
            rn->revoked = v;
        }
        rn->revoked[rn->nrevoked] = strdup(s);
        if (rn->revoked[rn->nrevoked])
            rn->nrevoked++;
    }
    fclose(f);
    if (rn->nrevoked)
        qsort(rn->revoked, rn->nrevoked, sizeof *rn->revoked, cmp_str);
    return true;
}

static bool is_revoked(const struct runner *rn, const char *hash)
{
    return rn->nrevoked && bsearch(&hash, rn->revoked, rn->nrevoked, sizeof *rn->revoked, cmp_str);
}

/* ---- running and comparing one test ---------------------------------------------- */

/* the flags that the chip defines for this test's instruction */
static uint16_t flags_mask_for(const struct runner *rn, const struct test *t)
{
    int i = 0;
    while (i < t->nbytes && memchr(rn->suite->prefixes, t->bytes[i], rn->suite->nprefixes))
        i++;
    if (i >= t->nbytes)
        return 0xFFFF;
    int op = t->bytes[i++];
    if (op == 0x0F) {
        if (i >= t->nbytes)
            return 0xFFFF;
        op = 0x100 | t->bytes[i++];
    }
    const struct opcode_meta *m = &rn->meta[op];
    if (m->has_reg && i < t->nbytes)
        return m->reg_mask[(t->bytes[i] >> 3) & 7];
    return m->mask;
}

static const char *flag_names[32] = {
    "CF", "1",  "PF", "3",   "AF",  "5",  "ZF", "SF", "TF", "IF", "DF", "OF", "IOPL0", "IOPL1", "NT", "15",
    "RF", "VM", "AC", "VIF", "VIP", "ID", "22", "23", "24", "25", "26", "27", "28",    "29",    "30", "31",
};

struct outcome {
    bool pass;
    char first[160]; /* the first difference, for the report */
    struct text all; /* every difference, for -v */
};

static void note_diff(struct outcome *o, bool verbose, const char *fmt, ...)
{
    char line[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (o->pass)
        copy_str(o->first, sizeof o->first, line);
    o->pass = false;
    if (verbose)
        text_printf(&o->all, "      %s\n", line);
}

static void describe_flags(char *buf, size_t size, uint32_t diff)
{
    size_t n = 0;
    buf[0] = 0;
    for (int b = 0; b < 32 && n < size; b++)
        if (diff & (1u << b))
            n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? " " : "", flag_names[b]);
}

static void load_test(struct runner *rn, const struct test *t)
{
    for (size_t i = 0; i < t->initial.ram.n; i++)
        physmem_write(&rn->pm, t->initial.ram.b[i].addr, t->initial.ram.b[i].val, 1);

    const struct regs *in = &t->initial.regs;
    struct cpu_regs r;
    memset(&r, 0, sizeof r);
    for (int i = 0; i < 8; i++)
        r.gpr[i] = in->v[i];
    r.eip = in->v[RS_EIP];
    r.eflags = in->v[RS_EFLAGS] & rn->suite->eflags_bits;
    if (rn->suite->clear_flags_12_15)
        r.eflags &= ~0xF000u; /* the 286 vectors' LOADALL artefact (README) */
    for (int s = 0; s < 6; s++) {
        uint16_t sel = (uint16_t)in->v[RS_SEG0 + s];
        r.seg[s] = (struct cpu_segment){sel, (uint32_t)sel << 4, 0xFFFF, s == SEG_CS ? 0x9B : 0x93};
    }
    r.cr0 = (in->present & (1u << RS_CR0)) ? in->v[RS_CR0] : 0x10;
    r.cr3 = in->v[RS_CR3];
    r.gdt_base = 0;
    r.gdt_limit = 0xFFFF;
    r.idt_base = 0;
    r.idt_limit = 0x3FF;
    cpu_set_regs(rn->cpu, &r);
}

/* runs the loaded test; false with a reason when it did not end properly */
static bool execute(struct runner *rn, struct diff_stats *ds, struct outcome *o)
{
    if (rn->suite->single_step) {
        enum cpu_exit e = cpu_run(rn->cpu, 1);
        if (e == CPU_EXIT_SHUTDOWN) {
            ds->shutdown++;
            note_diff(o, rn->verbose, "shutdown (triple fault)");
            cpu_reset(rn->cpu);
            return false;
        }
        return true;
    }
    for (int done = 0; done < HALT_INSN_LIMIT; done += RUN_SLICE) {
        enum cpu_exit e = cpu_run(rn->cpu, RUN_SLICE);
        if (e == CPU_EXIT_HALT)
            return true;
        if (e == CPU_EXIT_SHUTDOWN) {
            ds->shutdown++;
            note_diff(o, rn->verbose, "shutdown (triple fault)");
            cpu_reset(rn->cpu);
            return false;
        }
    }
    ds->no_halt++;
    note_diff(o, rn->verbose, "did not halt within %d instructions", HALT_INSN_LIMIT);
    return false;
}

static uint32_t cpu_slot(const struct cpu_regs *r, int slot)
{
    if (slot < 8)
        return r->gpr[slot];
    if (slot == RS_EIP)
        return r->eip;
    if (slot == RS_EFLAGS)
        return r->eflags;
    if (slot >= RS_SEG0 && slot < RS_SEG0 + 6)
        return r->seg[slot - RS_SEG0].sel;
    if (slot == RS_CR0)
        return r->cr0;
    if (slot == RS_CR3)
        return r->cr3;
    return 0;
}

static void compare_regs(struct runner *rn, const struct test *t, uint16_t fmask, struct diff_stats *ds,
                         struct outcome *o)
{
    struct cpu_regs r;
    cpu_get_regs(rn->cpu, &r);
    const struct regs *in = &t->initial.regs, *fin = &t->final.regs;
    uint32_t slots = in->present | fin->present;
    for (int slot = 0; slot < RS_COUNT; slot++) {
        if (!(slots & (1u << slot)) || slot == RS_DR6 || slot == RS_DR7)
            continue; /* debug registers are not in the CPU interface */
        bool listed = fin->present & (1u << slot);
        uint32_t want = listed ? fin->v[slot] : in->v[slot];
        const struct reg_name *rn_ = &reg_names[listed ? fin->name_idx[slot] : in->name_idx[slot]];
        uint32_t width = rn_->bits == 32 ? 0xFFFFFFFFu : 0xFFFFu;
        uint32_t mask = width;
        if (slot == RS_EFLAGS)
            mask &= rn->suite->eflags_bits & (0xFFFF0000u | fmask);
        uint32_t got = cpu_slot(&r, slot);
        if (((want ^ got) & mask) == 0)
            continue;
        ds->reg[slot]++;
        int digits = rn_->bits / 4;
        if (slot == RS_EFLAGS) {
            uint32_t d = (want ^ got) & mask;
            char names[96];
            describe_flags(names, sizeof names, d);
            for (int b = 0; b < 32; b++)
                if (d & (1u << b))
                    ds->flag_bit[b]++;
            note_diff(o, rn->verbose, "%s want %0*X got %0*X (differ: %s)", rn_->name, digits, want & width,
                      digits, got & width, names);
        } else {
            note_diff(o, rn->verbose, "%s want %0*X got %0*X%s", rn_->name, digits, want & width, digits,
                      got & width, listed ? "" : " (unchanged in the vector)");
        }
    }
}

static int find_ram(const struct ram_list *l, uint32_t addr)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->b[i].addr == addr)
            return (int)i;
    return -1;
}

/* Where the FLAGS word of an interrupt frame is (its two bytes), if the test
 * ends in one.  A real-mode frame is FLAGS, CS, IP pushed on SS:SP, so FLAGS
 * sits at SS:SP+4 of the final state.  The 286/386 vectors name the place as
 * exception.flag_address, but rounded down to an even address when SP is
 * odd, so the final SS:SP decides; the 8086 vectors do not name it, and a
 * frame is recognised there by SP dropping by six. */
static bool flags_word_address(const struct runner *rn, const struct test *t, uint16_t fmask, uint32_t a[2])
{
    const struct regs *in = &t->initial.regs, *fin = &t->final.regs;
    uint32_t sp_bit = 1u << R_ESP, ss_bit = 1u << (RS_SEG0 + SEG_SS);
    if (!t->has_exception) {
        if (!rn->suite->single_step || fmask == 0xFFFF)
            return false;
        if (!(fin->present & sp_bit) || ((in->v[R_ESP] - fin->v[R_ESP]) & 0xFFFF) != 6)
            return false;
    }
    uint32_t ss = (fin->present & ss_bit) ? fin->v[RS_SEG0 + SEG_SS] : in->v[RS_SEG0 + SEG_SS];
    uint32_t sp = (fin->present & sp_bit) ? fin->v[R_ESP] : in->v[R_ESP];
    for (uint32_t i = 0; i < 2; i++)
        a[i] = ((ss << 4) + ((sp + 4 + i) & 0xFFFF)) & rn->suite->a20_mask;
    if (t->has_exception && a[0] != t->flag_address && a[0] != t->flag_address + 1) {
        a[0] = t->flag_address;
        a[1] = t->flag_address + 1;
    }
    return true;
}

static void compare_ram(struct runner *rn, const struct test *t, uint16_t fmask, struct diff_stats *ds,
                        struct outcome *o)
{
    uint32_t fa[2];
    if (!flags_word_address(rn, t, fmask, fa))
        fa[0] = fa[1] = ~0u;
    bool any = false;
    /* the final list first, then initial bytes it does not mention */
    for (int pass = 0; pass < 2; pass++) {
        const struct ram_list *l = pass ? &t->initial.ram : &t->final.ram;
        for (size_t i = 0; i < l->n; i++) {
            uint32_t addr = l->b[i].addr;
            if (pass && find_ram(&t->final.ram, addr) >= 0)
                continue;
            uint8_t want = l->b[i].val;
            uint8_t got = (uint8_t)physmem_read(&rn->pm, addr, 1);
            uint8_t m = 0xFF;
            if (addr == fa[0])
                m = (uint8_t)fmask;
            else if (addr == fa[1])
                m = (uint8_t)(fmask >> 8);
            if (((want ^ got) & m) == 0)
                continue;
            any = true;
            note_diff(o, rn->verbose, "ram[%06X] want %02X got %02X%s", addr, want, got,
                      addr == fa[0] || addr == fa[1] ? " (pushed flags)" : "");
        }
    }
    if (any)
        ds->ram++;
}

static void format_bytes(char *buf, size_t size, const struct test *t)
{
    size_t n = 0;
    buf[0] = 0;
    for (int i = 0; i < t->nbytes && n + 4 < size; i++)
        n += (size_t)snprintf(buf + n, size - n, "%s%02X", i ? " " : "", t->bytes[i]);
}

/* ---- files and suites ------------------------------------------------------------ */

static bool stem_selected(const char *stem, const char *only)
{
    if (!only)
        return true;
    size_t n = strlen(only);
    if (strncasecmp(stem, only, n))
        return false;
    return stem[n] == 0 || stem[n] == '.';
}

static bool run_file(struct runner *rn, const char *path, struct file_result *fr, struct suite_result *sr)
{
    struct json_reader *jr = json_open(path);
    if (!jr) {
        fprintf(stderr, "sst: %s: %s\n", path, strerror(errno));
        return false;
    }
    bool ok = expect(jr, json_next(jr), JSON_ARR_BEGIN, "the test array");
    unsigned shown = 0;
    struct outcome o = {0};
    while (ok) {
        enum json_tok tok = json_next(jr);
        if (tok == JSON_ARR_END)
            break;
        ok = expect(jr, tok, JSON_OBJ_BEGIN, "a test object") && read_test(jr, &rn->t);
        if (!ok)
            break;
        struct test *t = &rn->t;
        fr->tests++;
        if (is_revoked(rn, t->hash)) {
            fr->skipped++;
            sr->revoked++;
            continue;
        }
        o.pass = true;
        o.first[0] = 0;
        o.all.len = 0;
        uint16_t fmask = flags_mask_for(rn, t);
        load_test(rn, t);
        if (execute(rn, &sr->diffs, &o)) {
            compare_regs(rn, t, fmask, &sr->diffs, &o);
            compare_ram(rn, t, fmask, &sr->diffs, &o);
        }
        if (o.pass) {
            fr->passed++;
            continue;
        }
        fr->failed++;
        if (shown < FAILS_SHOWN || rn->verbose) {
            char bytes[3 * MAX_TEST_BYTES + 1];
            format_bytes(bytes, sizeof bytes, t);
            char line[512];
            snprintf(line, sizeof line, "- `%s` #%ld `%s` [%s]: %s\n", fr->stem, t->idx, t->name, bytes,
                     o.first);
            if (shown < FAILS_SHOWN)
                text_printf(&rn->fails, "%s", line);
            if (rn->verbose) {
                fputs(line, stdout);
                fputs(o.all.s ? o.all.s : "", stdout);
                if (o.all.s)
                    o.all.s[0] = 0;
            }
            shown++;
        }
    }
    if (!ok)
        fprintf(stderr, "sst: %s: not a test vector file\n", path);
    free(o.all.s);
    json_close(jr);
    return ok;
}

static int cmp_stem(const void *a, const void *b)
{
    return strcmp(((const struct file_result *)a)->stem, ((const struct file_result *)b)->stem);
}

/* runs one suite; false if its data could not be read */
static bool run_suite(struct runner *rn, const struct suite_def *sd, struct suite_result *sr)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", rn->data_dir, sd->name);
    rn->suite = sd;
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "sst: %s: %s\n", dir, strerror(errno));
        return false;
    }
    sr->file = calloc(SUITE_MAX_FILES, sizeof *sr->file);
    if (!sr->file) {
        closedir(d);
        return false;
    }
    struct dirent *de;
    while ((de = readdir(d)) && sr->files < SUITE_MAX_FILES) {
        size_t n = strlen(de->d_name);
        const char *ext = ".json.gz";
        size_t elen = strlen(ext);
        if (n <= elen || n - elen >= sizeof sr->file[0].stem || strcmp(de->d_name + n - elen, ext))
            continue;
        struct file_result *fr = &sr->file[sr->files];
        memcpy(fr->stem, de->d_name, n - elen);
        fr->stem[n - elen] = 0;
        if (stem_selected(fr->stem, rn->only_opcode))
            sr->files++;
    }
    closedir(d);
    qsort(sr->file, sr->files, sizeof *sr->file, cmp_stem);

    if (!load_metadata(rn, dir)) {
        fprintf(stderr, "sst: %s/metadata.json: cannot be read\n", dir);
        return false;
    }
    free_revoked(rn);
    if (sd->revocation && !load_revoked(rn, sd->revocation))
        return false;
    if (board_new(rn) < 0) {
        fprintf(stderr, "sst: cannot create the CPU and its bus\n");
        board_free(rn);
        return false;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    bool ok = true;
    for (unsigned i = 0; i < sr->files && ok; i++) {
        struct file_result *fr = &sr->file[i];
        char path[4200];
        snprintf(path, sizeof path, "%s/%s.json.gz", dir, fr->stem);
        ok = run_file(rn, path, fr, sr);
        sr->tests += fr->tests;
        sr->passed += fr->passed;
        sr->failed += fr->failed;
        sr->skipped += fr->skipped;
        if (fr->failed)
            sr->nfile_fail++;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    sr->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    board_free(rn);
    return ok;
}

/* ---- baseline and report ------------------------------------------------------- */

static long baseline_for(const char *path, const char *suite)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[256], name[64];
    long v, found = -1;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        if (sscanf(line, "%63s %ld", name, &v) == 2 && !strcmp(name, suite))
            found = v;
    }
    fclose(f);
    return found;
}

static bool write_baseline(const char *path, const struct suite_result *res)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "sst: %s: %s\n", path, strerror(errno));
        return false;
    }
    fprintf(f, "# SingleStepTests: tests each suite must keep passing (sst_runner --update-baseline)\n");
    for (size_t i = 0; i < NSUITES; i++)
        fprintf(f, "%s %u\n", suites[i].name, res[i].passed);
    return fclose(f) == 0;
}

static double rate(unsigned passed, unsigned tests, unsigned skipped)
{
    unsigned run = tests - skipped;
    return run ? 100.0 * passed / run : 0.0;
}

static void report_diffs(struct text *out, const struct suite_result *sr)
{
    const struct diff_stats *ds = &sr->diffs;
    text_printf(out, "What differs (tests with a mismatch in each):");
    bool any = false;
    for (int slot = 0; slot < RS_COUNT; slot++) {
        if (!ds->reg[slot] || slot == RS_EFLAGS)
            continue;
        const char *name = "?";
        for (size_t i = 0; i < sizeof reg_names / sizeof reg_names[0]; i++) {
            if (reg_names[i].slot == slot) {
                name = reg_names[i].name;
                break;
            }
        }
        text_printf(out, " %s %u,", name, ds->reg[slot]);
        any = true;
    }
    if (ds->reg[RS_EFLAGS]) {
        text_printf(out, " flags %u (", ds->reg[RS_EFLAGS]);
        bool first = true;
        for (int b = 0; b < 32; b++) {
            if (ds->flag_bit[b]) {
                text_printf(out, "%s%s %u", first ? "" : ", ", flag_names[b], ds->flag_bit[b]);
                first = false;
            }
        }
        text_printf(out, "),");
        any = true;
    }
    if (ds->ram) {
        text_printf(out, " RAM %u,", ds->ram);
        any = true;
    }
    if (ds->no_halt) {
        text_printf(out, " no HLT reached %u,", ds->no_halt);
        any = true;
    }
    if (ds->shutdown) {
        text_printf(out, " shutdown %u,", ds->shutdown);
        any = true;
    }
    if (any)
        out->s[--out->len] = 0; /* the last comma */
    else
        text_printf(out, " nothing");
    text_printf(out, ".\n\n");
}

static int cmp_failed_desc(const void *a, const void *b)
{
    const struct file_result *x = *(const struct file_result *const *)a,
                             *y = *(const struct file_result *const *)b;
    if (x->failed != y->failed)
        return x->failed < y->failed ? 1 : -1;
    return strcmp(x->stem, y->stem);
}

static void report_suite(struct text *out, const struct suite_def *sd, const struct suite_result *sr,
                         const struct text *fails)
{
    text_printf(out, "## %s\n\n", sd->name);
    text_printf(out, "%u tests in %u files: %u passed, %u failed, %u skipped", sr->tests, sr->files,
                sr->passed, sr->failed, sr->skipped);
    if (sr->revoked)
        text_printf(out, " (%u on the revocation list)", sr->revoked);
    text_printf(out, "; pass rate %.2f%%.\n\n", rate(sr->passed, sr->tests, sr->skipped));
    report_diffs(out, sr);
    if (!sr->nfile_fail)
        return;

    struct file_result **worst = malloc(sr->nfile_fail * sizeof *worst);
    if (worst) {
        unsigned n = 0;
        for (unsigned i = 0; i < sr->files; i++)
            if (sr->file[i].failed)
                worst[n++] = &sr->file[i];
        qsort(worst, n, sizeof *worst, cmp_failed_desc);
        text_printf(out, "Most failures:");
        for (unsigned i = 0; i < n && i < TOP_FILES_LISTED; i++)
            text_printf(out, "%s %s (%u)", i ? "," : "", worst[i]->stem, worst[i]->failed);
        text_printf(out, "%s.\n\n", n > TOP_FILES_LISTED ? ", ..." : "");
        free(worst);
    }

    text_printf(out, "Files with failures (%u of %u):\n\n", sr->nfile_fail, sr->files);
    text_printf(out, "| file | tests | passed | failed | skipped |\n|---|---:|---:|---:|---:|\n");
    for (unsigned i = 0; i < sr->files; i++) {
        const struct file_result *fr = &sr->file[i];
        if (fr->failed)
            text_printf(out, "| %s | %u | %u | %u | %u |\n", fr->stem, fr->tests, fr->passed, fr->failed,
                        fr->skipped);
    }
    text_printf(
        out, "\nFirst failures of each file (file, test index, instruction, bytes: first difference):\n\n");
    text_printf(out, "%s\n", fails->s ? fails->s : "");
}

static void usage(FILE *f)
{
    fprintf(f, "usage: sst_runner [--data DIR] [--baseline FILE] [--suite 8086|80286|80386] [--opcode XX]\n"
               "                  [--report FILE] [--update-baseline] [-v]\n");
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"data", required_argument, NULL, 'd'},
        {"baseline", required_argument, NULL, 'b'},
        {"suite", required_argument, NULL, 's'},
        {"opcode", required_argument, NULL, 'o'},
        {"report", required_argument, NULL, 'r'},
        {"update-baseline", no_argument, NULL, 'u'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static struct runner rn;
    rn.data_dir = SST_DATA_DIR;
    const char *baseline = SST_BASELINE, *report = NULL, *only_suite = NULL;
    bool update = false;
    int c;
    while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            rn.data_dir = optarg;
            break;
        case 'b':
            baseline = optarg;
            break;
        case 's':
            only_suite = optarg;
            break;
        case 'o':
            rn.only_opcode = optarg;
            break;
        case 'r':
            report = optarg;
            break;
        case 'u':
            update = true;
            break;
        case 'v':
            rn.verbose = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "sst: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (only_suite) {
        bool known = false;
        for (size_t i = 0; i < NSUITES; i++)
            known |= !strcmp(only_suite, suites[i].name);
        if (!known) {
            fprintf(stderr, "sst: unknown suite '%s' (8086, 80286 or 80386)\n", only_suite);
            return 2;
        }
    }
    bool partial = only_suite || rn.only_opcode;
    if (update && partial) {
        fprintf(stderr, "sst: --update-baseline needs a full run (no --suite or --opcode)\n");
        return 2;
    }
    DIR *probe = opendir(rn.data_dir);
    if (!probe) {
        printf("sst: test vectors not found at %s (%s): skipped\n", rn.data_dir, strerror(errno));
        return EXIT_SKIPPED_TEST;
    }
    closedir(probe);

    struct suite_result res[NSUITES];
    memset(res, 0, sizeof res);
    struct text out = {0};
    text_printf(&out,
                "# SingleStepTests conformance\n\n"
                "Generated by tests/sst_runner.c from the vectors in ../shared/tests/sst (see its README):\n"
                "every register of the initial state and every RAM byte either state lists is compared,\n"
                "with undefined flags masked as metadata.json says.  Not checked: the 8086 prefetch queue,\n"
                "the 386 debug registers DR6/DR7, EFLAGS bits 18-31 on the 386.  Regenerate with\n"
                "`sst_runner --report tests/sst_failures.md` (meson test: `sst`, suite conformance).\n\n");
    int status = 0;
    for (size_t i = 0; i < NSUITES; i++) {
        const struct suite_def *sd = &suites[i];
        if (only_suite && strcmp(only_suite, sd->name))
            continue;
        rn.fails.len = 0;
        if (rn.fails.s)
            rn.fails.s[0] = 0;
        if (!run_suite(&rn, sd, &res[i])) {
            status = 1;
            continue;
        }
        res[i].baseline = baseline_for(baseline, sd->name);
        report_suite(&out, sd, &res[i], &rn.fails);
    }

    text_printf(&out, "## Summary\n\n| suite | tests | passed | failed | skipped | pass rate | baseline |\n"
                      "|---|---:|---:|---:|---:|---:|---:|\n");
    for (size_t i = 0; i < NSUITES; i++) {
        const struct suite_result *sr = &res[i];
        if (only_suite && strcmp(only_suite, suites[i].name))
            continue;
        char base[24] = "none";
        if (sr->baseline >= 0)
            snprintf(base, sizeof base, "%ld", sr->baseline);
        text_printf(&out, "| %s | %u | %u | %u | %u | %.2f%% | %s |\n", suites[i].name, sr->tests, sr->passed,
                    sr->failed, sr->skipped, rate(sr->passed, sr->tests, sr->skipped), base);
    }
    fputs(out.s, stdout);
    if (report) {
        FILE *f = fopen(report, "w");
        if (!f || fputs(out.s, f) < 0 || fclose(f)) {
            fprintf(stderr, "sst: %s: %s\n", report, strerror(errno));
            status = 1;
        }
    }

    printf("\n");
    for (size_t i = 0; i < NSUITES; i++) {
        const struct suite_result *sr = &res[i];
        if (only_suite && strcmp(only_suite, suites[i].name))
            continue;
        printf("%s: %u/%u passed in %.2f s", suites[i].name, sr->passed, sr->tests - sr->skipped,
               sr->seconds);
        if (partial) {
            printf(" (partial run: baseline not checked)\n");
        } else if (sr->baseline < 0) {
            printf(" -- no baseline in %s: add the line \"%s %u\" (or run with --update-baseline)\n",
                   baseline, suites[i].name, sr->passed);
        } else if ((long)sr->passed < sr->baseline) {
            printf(" -- BELOW the baseline of %ld: a regression\n", sr->baseline);
            status = 1;
        } else if ((long)sr->passed > sr->baseline) {
            printf(" -- better than the baseline of %ld: raise it to \"%s %u\" in %s (or run with "
                   "--update-baseline)\n",
                   sr->baseline, suites[i].name, sr->passed, baseline);
        } else {
            printf(" (baseline %ld)\n", sr->baseline);
        }
    }
    if (update && !status && !write_baseline(baseline, res))
        status = 1;
    for (size_t i = 0; i < NSUITES; i++)
        free(res[i].file);
    free(out.s);
    free(rn.fails.s);
    free_revoked(&rn);
    free(rn.t.initial.ram.b);
    free(rn.t.final.ram.b);
    return status;
}
