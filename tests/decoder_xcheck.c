/* decoder_xcheck.c - cross-check dynapc's instruction decoder against
 * capstone on random byte strings, in 16- and 32-bit code.
 *
 * For each string both decoders decode the first instruction.  Where both
 * decode it, the lengths and the (normalised) mnemonics must agree.  Where
 * only one decodes it, the disagreement must be listed in
 * decoder_deviations.h.  Anything else is a failure; the first few of each
 * kind are printed with bytes, mode and both decodings, and the opcodes
 * involved are summarised.
 *
 * usage: decoder_xcheck [-n COUNT_PER_MODE] [-s SEED] [-q] [-x HEXBYTES]
 * The seed is printed; DECODER_XCHECK_SEED in the environment also sets it.
 * -x decodes one byte string (e.g. -x 66e80000) in both modes and prints
 * what each decoder and the deviation list say about it. */
#include "cpu/decode.h"

#include <capstone/capstone.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "decoder_deviations.h"

#define BUF_LEN      16
#define SAMPLES      5
#define NAME_LEN     48
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define DEV_COUNT    ARRAY_LEN(deviations)

/* ---------------------------------------------------------------- random */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
    /* splitmix64 */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static unsigned rng_below(unsigned n)
{
    return (unsigned)((rng_next() >> 32) % n);
}

static const uint8_t legacy_prefixes[] = {0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x66, 0x67, 0xF0, 0xF2, 0xF3};

/* a random instruction-shaped byte string: prefixes, an optional 0F (0F 38,
 * 0F 3A) escape, an opcode, then ModRM/SIB bytes biased towards the forms
 * that change the length (SIB, disp8/16/32, register form) and random
 * immediates.  Every byte is also sometimes plain random. */
static void gen_bytes(uint8_t *b)
{
    uint64_t r = rng_next(), r2 = rng_next();
    memcpy(b, &r, 8);
    memcpy(b + 8, &r2, 8);
    int p = 0;
    unsigned npfx_roll = rng_below(100), npfx;
    if (npfx_roll < 45)
        npfx = 0;
    else if (npfx_roll < 75)
        npfx = 1;
    else if (npfx_roll < 90)
        npfx = 2;
    else if (npfx_roll < 99)
        npfx = 3 + rng_below(3);
    else
        npfx = 6 + rng_below(10); /* reaches the 15-byte limit */
    for (unsigned i = 0; i < npfx && p < BUF_LEN - 1; i++)
        b[p++] = legacy_prefixes[rng_below(ARRAY_LEN(legacy_prefixes))];
    if (p >= BUF_LEN - 2)
        return;
    unsigned esc = rng_below(100);
    if (esc < 30) {
        b[p++] = 0x0F;
        if (esc < 3)
            b[p++] = rng_below(2) ? 0x38 : 0x3A;
    }
    p++; /* opcode: random */
    if (p >= BUF_LEN)
        return;
    /* ModRM (if the opcode has one) */
    unsigned mod = rng_below(4), rm = rng_below(8), roll = rng_below(100);
    if (roll < 30)
        rm = 4; /* SIB in 32-bit addressing */
    else if (roll < 45)
        rm = rng_below(2) ? 5 : 6; /* disp-only forms with mod 0 */
    b[p] = (uint8_t)((mod << 6) | (b[p] & 0x38) | rm);
    if (++p >= BUF_LEN)
        return;
    if (rng_below(4) == 0)
        b[p] = (uint8_t)((b[p] & 0xF8) | 5); /* SIB base 5: disp32 with mod 0 */
}

/* ------------------------------------------------------ instruction shape */

/* the decoder-independent layout facts the deviation list is written in */
struct shape {
    int map, opcode, modrm; /* modrm: the byte after the opcode, -1 past the buffer */
    int npfx;               /* length of the prefix run */
    int lock;               /* an F0 prefix */
    int size_pfx_not_last;  /* a 66 or 67 prefix followed by a different prefix */
};

static int is_prefix(uint8_t b)
{
    return memchr(legacy_prefixes, b, sizeof legacy_prefixes) != NULL;
}

static void shape_of(const uint8_t *b, struct shape *s)
{
    int p = 0;
    memset(s, 0, sizeof *s);
    while (p < BUF_LEN && is_prefix(b[p])) {
        for (int i = 0; i < p; i++)
            if ((b[i] == 0x66 || b[i] == 0x67) && b[i] != b[p])
                s->size_pfx_not_last = 1;
        if (b[p] == 0xF0)
            s->lock = 1;
        p++;
    }
    s->npfx = p;
    s->map = MAP_1;
    if (p < BUF_LEN - 1 && b[p] == 0x0F) {
        p++;
        s->map = MAP_0F;
        if (p < BUF_LEN - 1 && (b[p] == 0x38 || b[p] == 0x3A)) {
            s->map = b[p] == 0x38 ? MAP_0F38 : MAP_0F3A;
            p++;
        }
    }
    s->opcode = p < BUF_LEN ? b[p] : -1;
    s->modrm = p + 1 < BUF_LEN ? b[p + 1] : -1;
}

static int modrm_reg_in(const struct shape *s, unsigned regs)
{
    return regs == ALL_REGS || (s->modrm >= 0 && (regs & (1u << ((s->modrm >> 3) & 7))));
}

static int lock_allowed(const struct shape *s)
{
    if (s->modrm < 0 || (s->modrm >> 6) == 3)
        return 0;
    for (size_t i = 0; i < ARRAY_LEN(lockable_forms); i++) {
        const struct lock_form *f = &lockable_forms[i];
        if (f->map == s->map && f->opcode == s->opcode && modrm_reg_in(s, f->regs))
            return 1;
    }
    return 0;
}

static const struct deviation *find_deviation(const struct shape *s, int cs32, unsigned kind_mask)
{
    for (size_t i = 0; i < DEV_COUNT; i++) {
        const struct deviation *d = &deviations[i];
        if (!(kind_mask & (1u << d->kind)) || (d->mode && d->mode != (cs32 ? 32 : 16)))
            continue;
        if ((d->map != MAP_ANY && d->map != s->map) || s->opcode < d->lo || s->opcode > d->hi)
            continue;
        if (!modrm_reg_in(s, d->regs))
            continue;
        if (d->mod == MOD_MEM && (s->modrm < 0 || (s->modrm >> 6) == 3))
            continue;
        if (d->mod == MOD_REG && (s->modrm < 0 || (s->modrm >> 6) != 3))
            continue;
        if (d->pfx == PFX_LOCK_NOT_LOCKABLE && (!s->lock || lock_allowed(s)))
            continue;
        if (d->pfx == PFX_SIZE_NOT_LAST && !s->size_pfx_not_last)
            continue;
        return d;
    }
    return NULL;
}

/* ----------------------------------------------------------------- names */

/* dynapc's table name as the SDM mnemonic for the given sizes (2 or 4) */
static void canon_dynapc(const char *mnem, int osize, int asize, char *out)
{
    const char *m = mnem;
    for (size_t i = 0; i < ARRAY_LEN(sized_names); i++) {
        const struct sized_name *n = &sized_names[i];
        if (strcmp(m, n->dynapc) == 0) {
            int wide = n->by_address_size ? asize == 4 : osize == 4;
            m = wide ? n->name32 : n->name16;
            break;
        }
    }
    snprintf(out, NAME_LEN, "%s", m);
}

static void canon_capstone(const cs_insn *insn, const struct shape *s, char *out)
{
    const char *m = insn->mnemonic;
    for (;;) {
        size_t i, n = strcspn(m, " ");
        if (m[n] != ' ')
            break;
        for (i = 0; i < ARRAY_LEN(capstone_prefix_words); i++)
            if (strlen(capstone_prefix_words[i]) == n && strncmp(m, capstone_prefix_words[i], n) == 0)
                break;
        if (i == ARRAY_LEN(capstone_prefix_words))
            break;
        m += n + 1;
    }
    if (s->map == MAP_1 && s->opcode >= 0xD8 && s->opcode <= 0xDF) {
        snprintf(out, NAME_LEN, "%s", X87_ESCAPE_NAME);
        return;
    }
    for (size_t i = 0; i < ARRAY_LEN(capstone_names); i++) {
        if (strcmp(m, capstone_names[i].capstone) == 0) {
            m = capstone_names[i].canonical;
            break;
        }
    }
    snprintf(out, NAME_LEN, "%s", m);
}

/* --------------------------------------------------------------- results */

enum verdict {
    V_AGREE,
    V_AGREE_LISTED,    /* both decode; they agree through a listed alias or capstone fix */
    V_LEN,             /* both decode, lengths differ */
    V_MNEM,            /* both decode, same length, names differ */
    V_DYN_UD_LISTED,   /* dynapc #UD, capstone decodes: listed */
    V_DYN_UD_UNEXPL,   /* dynapc #UD, capstone decodes: unexplained */
    V_CS_UD_LISTED,    /* capstone invalid, dynapc decodes: listed */
    V_CS_UD_UNEXPL,    /* capstone invalid, dynapc decodes: unexplained */
    V_DYN_VALID_P6_UD, /* both decode, but a Pentium II raises #UD (a DEV_P6_UD entry) */
    V_COUNT
};

static const char *const verdict_names[V_COUNT] = {
    "agree",
    "agree through a listed deviation",
    "length mismatch",
    "mnemonic mismatch",
    "dynapc #UD, capstone valid: listed deviation",
    "dynapc #UD, capstone valid: UNEXPLAINED",
    "capstone invalid, dynapc valid: listed deviation",
    "capstone invalid, dynapc valid: UNEXPLAINED",
    "both valid, but a Pentium II raises #UD",
};

static int verdict_fails(enum verdict v)
{
    return v == V_LEN || v == V_MNEM || v == V_DYN_UD_UNEXPL || v == V_CS_UD_UNEXPL || v == V_DYN_VALID_P6_UD;
}

struct sample {
    uint8_t bytes[BUF_LEN];
    int mode;
    char dyn[NAME_LEN + 16];
    char cs[NAME_LEN + 160];
    const char *why;
};

/* failing disagreements grouped by opcode, to see the classes at a glance */
struct bucket {
    unsigned count;
    uint8_t regs, modes;
    struct sample first;
};

struct results {
    uint64_t count[V_COUNT];
    uint64_t per_mode[2][V_COUNT];
    uint64_t dev_hits[DEV_COUNT];
    unsigned nsamples[V_COUNT];
    struct sample samples[V_COUNT][SAMPLES];
    struct bucket buckets[V_COUNT][4][256];
};

static void bytes_str(const uint8_t *b, int n, char *out)
{
    for (int i = 0; i < n; i++)
        sprintf(out + 3 * i, "%02x ", b[i]);
    out[n ? 3 * n - 1 : 0] = 0;
}

/* -------------------------------------------------------------- checking */

struct buf_ctx {
    const uint8_t *b;
};

static int buf_byte(void *ctx, uint32_t eip)
{
    const struct buf_ctx *c = ctx;
    return eip < BUF_LEN ? c->b[eip] : -1;
}

/* capstone on b with the 66 and 67 prefixes moved to the end of the prefix
 * run, the `last` ones (0x66 or 0x67) at the very end; canonical name to cn */
static int capstone_size_pfx_last(csh cs, cs_insn *insn, const uint8_t *b, const struct shape *s,
                                  uint8_t last, char *cn)
{
    uint8_t b2[BUF_LEN], other = last == 0x66 ? 0x67 : 0x66;
    int n = 0;
    for (int i = 0; i < s->npfx; i++)
        if (b[i] != 0x66 && b[i] != 0x67)
            b2[n++] = b[i];
    for (int i = 0; i < s->npfx; i++)
        if (b[i] == other)
            b2[n++] = other;
    for (int i = 0; i < s->npfx; i++)
        if (b[i] == last)
            b2[n++] = last;
    memcpy(b2 + s->npfx, b + s->npfx, (size_t)(BUF_LEN - s->npfx));
    const uint8_t *code = b2;
    size_t size = BUF_LEN;
    uint64_t addr = 0;
    if (!cs_disasm_iter(cs, &code, &size, &addr, insn))
        return 0;
    canon_capstone(insn, s, cn);
    return 1;
}

/* does capstone agree with dynapc (name dn, length len) once its prefix-order
 * bug is taken out? */
static int capstone_agrees_reordered(csh cs, cs_insn *insn, const uint8_t *b, const struct shape *s,
                                     const char *dn, int len)
{
    char cn[NAME_LEN];
    for (int i = 0; i < 2; i++) {
        if (capstone_size_pfx_last(cs, insn, b, s, i ? 0x67 : 0x66, cn) && insn->size == len &&
            strcmp(cn, dn) == 0)
            return 1;
    }
    return 0;
}

/* decode b with both decoders and judge; sm gets both decodings */
static enum verdict check_one(csh cs, cs_insn *insn, int cs32, const uint8_t *b, struct sample *sm,
                              const struct deviation **devp)
{
    struct buf_ctx ctx = {b};
    struct fetch f = {buf_byte, &ctx};
    struct op op;
    struct decoded d;
    enum decode_status st = decode_insn_model(&f, 0, cs32, CPU_MODEL_PENTIUM2, &op, &d);
    int dyn_ok = st == DEC_OK && d.def != NULL;

    const uint8_t *code = b;
    size_t size = BUF_LEN;
    uint64_t addr = 0;
    int cs_ok = cs_disasm_iter(cs, &code, &size, &addr, insn);

    struct shape s;
    shape_of(b, &s);
    char dn[NAME_LEN] = "", cn[NAME_LEN] = "";
    if (dyn_ok)
        canon_dynapc(d.def->mnem, op.size, op.asize, dn);
    if (cs_ok)
        canon_capstone(insn, &s, cn);

    memcpy(sm->bytes, b, BUF_LEN);
    sm->mode = cs32 ? 32 : 16;
    if (dyn_ok)
        snprintf(sm->dyn, sizeof sm->dyn, "%s (table: %s) len %d", dn, d.def->mnem, d.len);
    else
        snprintf(sm->dyn, sizeof sm->dyn, "%s", st == DEC_TOO_LONG ? "longer than 15 bytes" : "#UD");
    if (cs_ok)
        snprintf(sm->cs, sizeof sm->cs, "%s %s len %d", insn->mnemonic, insn->op_str, insn->size);
    else
        snprintf(sm->cs, sizeof sm->cs, "invalid");

    enum verdict v;
    const struct deviation *dev = NULL;
    if (!dyn_ok && !cs_ok) {
        v = V_AGREE;
    } else if (dyn_ok && cs_ok) {
        dev = find_deviation(&s, cs32, 1u << DEV_P6_UD);
        if (dev) {
            v = V_DYN_VALID_P6_UD;
        } else if ((int)d.len == insn->size && strcmp(dn, cn) == 0) {
            v = V_AGREE;
        } else {
            v = (int)d.len != insn->size ? V_LEN : V_MNEM;
            char flipped[NAME_LEN];
            canon_dynapc(d.def->mnem, op.size == 4 ? 2 : 4, op.asize, flipped);
            if ((dev = find_deviation(&s, cs32, 1u << DEV_ALIAS)) && (int)d.len == insn->size &&
                strcmp(dn, dev->alias) == 0)
                v = V_AGREE_LISTED;
            else if ((dev = find_deviation(&s, cs32, 1u << DEV_CS_OPSIZE)) && (int)d.len == insn->size &&
                     strcmp(flipped, cn) == 0)
                v = V_AGREE_LISTED;
            else if ((dev = find_deviation(&s, cs32, 1u << DEV_CS_PFX_ORDER)) &&
                     capstone_agrees_reordered(cs, insn, b, &s, dn, d.len))
                v = V_AGREE_LISTED;
            else
                dev = NULL;
        }
    } else if (!dyn_ok) {
        dev = find_deviation(&s, cs32, 1u << DEV_P6_UD | 1u << DEV_NOT_YET);
        v = dev ? V_DYN_UD_LISTED : V_DYN_UD_UNEXPL;
    } else {
        dev = find_deviation(&s, cs32, 1u << DEV_CS_INVALID | 1u << DEV_RUNTIME);
        if (!dev && (dev = find_deviation(&s, cs32, 1u << DEV_CS_PFX_ORDER)) != NULL &&
            !capstone_agrees_reordered(cs, insn, b, &s, dn, d.len))
            dev = NULL;
        v = dev ? V_CS_UD_LISTED : V_CS_UD_UNEXPL;
    }
    *devp = dev;
    sm->why = dev ? dev->why : NULL;
    return v;
}

static void record(struct results *res, enum verdict v, const struct deviation *dev, const struct sample *sm)
{
    int cs32 = sm->mode == 32;
    res->count[v]++;
    res->per_mode[cs32][v]++;
    if (dev)
        res->dev_hits[dev - deviations]++;
    if (v == V_AGREE || v == V_AGREE_LISTED)
        return;
    if (res->nsamples[v] < SAMPLES)
        res->samples[v][res->nsamples[v]++] = *sm;
    struct shape s;
    shape_of(sm->bytes, &s);
    if (s.opcode >= 0) {
        struct bucket *bk = &res->buckets[v][s.map][s.opcode];
        if (bk->count++ == 0)
            bk->first = *sm;
        if (s.modrm >= 0)
            bk->regs |= (uint8_t)(1u << ((s.modrm >> 3) & 7));
        bk->modes |= (uint8_t)(cs32 ? 2 : 1);
    }
}

static void print_sample(const struct sample *sm)
{
    char hex[3 * BUF_LEN + 1];
    bytes_str(sm->bytes, BUF_LEN, hex);
    printf("    [%d-bit] %s\n      dynapc:   %s\n      capstone: %s\n", sm->mode, hex, sm->dyn, sm->cs);
    if (sm->why)
        printf("      listed:   %s\n", sm->why);
}

static void print_buckets(const struct results *res, enum verdict v)
{
    static const char *const map_names[4] = {"", "0F ", "0F 38 ", "0F 3A "};
    printf("  by opcode (count, ModRM.reg values seen, modes):\n");
    for (int m = 0; m < 4; m++) {
        for (int o = 0; o < 256; o++) {
            const struct bucket *bk = &res->buckets[v][m][o];
            if (!bk->count)
                continue;
            printf("    %s%02X: %u, reg", map_names[m], o, bk->count);
            for (int r = 0; r < 8; r++)
                if (bk->regs & (1u << r))
                    printf(" /%d", r);
            char hex[3 * BUF_LEN + 1];
            bytes_str(bk->first.bytes, BUF_LEN, hex);
            printf(", %s%s-bit; e.g. %s: dynapc %s | capstone %s\n", bk->modes & 1 ? "16" : "",
                   bk->modes == 3 ? "+32" : (bk->modes & 2 ? "32" : ""), hex, bk->first.dyn, bk->first.cs);
        }
    }
}

/* -x: one byte string (zero-padded), both modes */
static int probe_one(const char *hex)
{
    uint8_t b[BUF_LEN] = {0};
    size_t n = 0;
    for (const char *p = hex; p[0] && p[1] && n < BUF_LEN; p += 2) {
        unsigned v;
        if (sscanf(p, "%2x", &v) != 1) {
            fprintf(stderr, "decoder_xcheck: bad hex byte string '%s'\n", hex);
            return 2;
        }
        b[n++] = (uint8_t)v;
    }
    for (int cs32 = 0; cs32 <= 1; cs32++) {
        csh cs;
        if (cs_open(CS_ARCH_X86, cs32 ? CS_MODE_32 : CS_MODE_16, &cs) != CS_ERR_OK)
            return 1;
        cs_insn *insn = cs_malloc(cs);
        struct sample sm;
        const struct deviation *dev;
        enum verdict v = check_one(cs, insn, cs32, b, &sm, &dev);
        printf("%s\n", verdict_names[v]);
        print_sample(&sm);
        cs_free(insn, 1);
        cs_close(&cs);
    }
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t n = 1000000, seed;
    int quiet = 0, have_seed = 0;
    const char *probe = NULL;
    const char *env = getenv("DECODER_XCHECK_SEED");
    if (env && *env) {
        seed = strtoull(env, NULL, 0);
        have_seed = 1;
    }
    int c;
    while ((c = getopt(argc, argv, "n:s:qx:")) != -1) {
        switch (c) {
        case 'n':
            n = strtoull(optarg, NULL, 0);
            break;
        case 's':
            seed = strtoull(optarg, NULL, 0);
            have_seed = 1;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'x':
            probe = optarg;
            break;
        default:
            fprintf(stderr, "usage: %s [-n COUNT_PER_MODE] [-s SEED] [-q] [-x HEXBYTES]\n", argv[0]);
            return 2;
        }
    }
    if (probe)
        return probe_one(probe);
    if (!have_seed) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        seed = (uint64_t)ts.tv_sec * 1000000007ull ^ (uint64_t)ts.tv_nsec ^ (uint64_t)getpid() << 32;
    }
    printf("decoder_xcheck: seed %" PRIu64 " (rerun with -s %" PRIu64 "), %" PRIu64 " strings per mode\n",
           seed, seed, n);

    static struct results res;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int cs32 = 0; cs32 <= 1; cs32++) {
        csh cs;
        if (cs_open(CS_ARCH_X86, cs32 ? CS_MODE_32 : CS_MODE_16, &cs) != CS_ERR_OK) {
            fprintf(stderr, "decoder_xcheck: cs_open failed\n");
            return 1;
        }
        cs_insn *insn = cs_malloc(cs);
        rng_state = seed ^ (cs32 ? 0x3232323232323232ull : 0x1616161616161616ull);
        uint8_t b[BUF_LEN];
        for (uint64_t i = 0; i < n; i++) {
            struct sample sm;
            const struct deviation *dev;
            gen_bytes(b);
            enum verdict v = check_one(cs, insn, cs32, b, &sm, &dev);
            record(&res, v, dev, &sm);
        }
        cs_free(insn, 1);
        cs_close(&cs);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;

    printf("%-52s %10s %10s\n", "", "16-bit", "32-bit");
    for (int v = 0; v < V_COUNT; v++)
        printf("%-52s %10" PRIu64 " %10" PRIu64 "\n", verdict_names[v], res.per_mode[0][v],
               res.per_mode[1][v]);
    printf("(%.1f s)\n", secs);

    uint64_t failures = 0;
    for (int v = 0; v < V_COUNT; v++) {
        if (!verdict_fails((enum verdict)v) || !res.count[v])
            continue;
        failures += res.count[v];
        printf("\n%s: %" PRIu64 "\n", verdict_names[v], res.count[v]);
        for (unsigned i = 0; i < res.nsamples[v]; i++)
            print_sample(&res.samples[v][i]);
        print_buckets(&res, (enum verdict)v);
    }
    if (!quiet) {
        static const char *const map_names[4] = {"", "0F ", "0F 38 ", "0F 3A "};
        printf("\nlisted deviations hit (opcodes, count, reason):\n");
        for (size_t i = 0; i < DEV_COUNT; i++) {
            const struct deviation *d = &deviations[i];
            char ops[32];
            if (d->map == MAP_ANY)
                snprintf(ops, sizeof ops, "any");
            else
                snprintf(ops, sizeof ops, d->lo == d->hi ? "%s%02X" : "%s%02X-%02X", map_names[d->map], d->lo,
                         d->hi);
            printf("  %-12s %9" PRIu64 "  %.90s%s\n", ops, res.dev_hits[i], d->why,
                   strlen(d->why) > 90 ? "..." : "");
        }
    }
    if (failures) {
        printf("\ndecoder_xcheck: FAIL, %" PRIu64 " unexplained disagreements (seed %" PRIu64 ")\n", failures,
               seed);
        return 1;
    }
    printf("\ndecoder_xcheck: ok\n");
    return 0;
}
