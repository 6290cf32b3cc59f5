/* x87_golden.c - the x87 golden vectors (tests/x87_golden.txt), checked on
 * every host: register-stack operations captured from a host x87 by
 * `x87_oracle HELPER --golden FILE`, recomputed here with the portable core
 * alone (src/cpu/f80.c, src/cpu/fptrans.c), so that the same test runs on
 * AArch64 (tests/x87_golden_cross.sh builds it with a cross compiler and
 * runs it under qemu-aarch64) and big-endian hosts.
 *
 *   x87_golden FILE [--update-digest]
 *
 * Every case has all exceptions masked, ST0 and ST1 valid and the rest of
 * the stack empty.  The result registers and the status word (exception
 * flags, C0-C3) must equal the host's, except for the transcendentals,
 * where the documented class (docs/internals.md, "x87": within 1 ulp, C1)
 * is allowed.  On top of that a digest of every result computed here must
 * equal the one recorded in the file, so that all hosts give the same bits;
 * --update-digest rewrites it (after a deliberate change). */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/f80.h"
#include "cpu/fptrans.h"

#define SW_C0 0x0100
#define SW_C1 0x0200
#define SW_C2 0x0400
#define SW_C3 0x4000

struct outcome {
    f80 r0, r1;
    uint16_t sw;
};

static bool is_nan(f80 v)
{
    unsigned e = f80_exp(v);
    bool j = (v.mant >> 63) != 0;
    return (e == 0x7FFF && (!j || (v.mant << 1) != 0)) || (e != 0 && !j);
}

/* the instruction layer's rules for these cases (src/cpu/x87.c), with
 * every exception masked and no stack fault possible */
static bool run(const char *op, uint16_t cw, f80 a, f80 b, struct outcome *o)
{
    struct f80_env e = f80_env_from_cw(cw);
    static const uint16_t rel_cc[4] = {SW_C0, SW_C3, 0, SW_C3 | SW_C2 | SW_C0};
    bool range = false;
    memset(o, 0, sizeof *o);
    o->r0 = a;
    if (!strcmp(op, "add") || !strcmp(op, "sub") || !strcmp(op, "subr") || !strcmp(op, "mul") ||
        !strcmp(op, "div") || !strcmp(op, "divr")) {
        /* D8 C1 etc.: ST0 = ST0 op ST1 */
        if (!strcmp(op, "add"))
            o->r0 = f80_add(a, b, &e);
        else if (!strcmp(op, "sub"))
            o->r0 = f80_sub(a, b, &e);
        else if (!strcmp(op, "subr"))
            o->r0 = f80_sub(b, a, &e);
        else if (!strcmp(op, "mul"))
            o->r0 = f80_mul(a, b, &e);
        else if (!strcmp(op, "div"))
            o->r0 = f80_div(a, b, &e);
        else
            o->r0 = f80_div(b, a, &e);
        o->sw = e.flags & (F80_EXC | F80_C1);
    } else if (!strcmp(op, "com") || !strcmp(op, "ucom") || !strcmp(op, "tst")) {
        enum f80_relation r = !strcmp(op, "tst") ? f80_compare(a, f80_make(false, 0, 0), false, &e)
                                                 : f80_compare(a, b, !strcmp(op, "ucom"), &e);
        o->sw = (uint16_t)((e.flags & F80_EXC) | rel_cc[r]);
    } else if (!strcmp(op, "xam")) {
        o->sw = f80_class_to_sw(f80_classify(a), f80_sign(a));
    } else if (!strcmp(op, "sqrt") || !strcmp(op, "rndint") || !strcmp(op, "scale") || !strcmp(op, "f2xm1")) {
        if (!strcmp(op, "sqrt"))
            o->r0 = f80_sqrt(a, &e);
        else if (!strcmp(op, "rndint"))
            o->r0 = f80_round_int(a, &e);
        else if (!strcmp(op, "scale"))
            o->r0 = f80_scale(a, b, &e);
        else
            o->r0 = f80_2xm1(a, &e);
        o->sw = e.flags & (F80_EXC | F80_C1);
    } else if (!strcmp(op, "xtract")) {
        f80 ex;
        o->r0 = f80_xtract(a, &ex, &e);
        o->r1 = ex;
        o->sw = e.flags & (F80_EXC | F80_C1);
    } else if (!strcmp(op, "prem") || !strcmp(op, "prem1")) {
        unsigned q = 0;
        bool complete = true;
        o->r0 = f80_prem(a, b, &e, &q, &complete, !strcmp(op, "prem1"));
        o->sw = e.flags & (F80_EXC | F80_C1);
        if (!(e.flags & F80_IE) && !is_nan(o->r0)) {
            o->sw &= (uint16_t)~SW_C1;
            if (!complete)
                o->sw |= SW_C2;
            else
                o->sw |= (uint16_t)((q & 4 ? SW_C0 : 0) | (q & 2 ? SW_C3 : 0) | (q & 1 ? SW_C1 : 0));
        }
    } else if (!strcmp(op, "yl2x") || !strcmp(op, "yl2xp1") || !strcmp(op, "patan")) {
        if (!strcmp(op, "yl2x"))
            o->r0 = f80_yl2x(b, a, &e);
        else if (!strcmp(op, "yl2xp1"))
            o->r0 = f80_yl2xp1(b, a, &e);
        else
            o->r0 = f80_atan2(b, a, &e);
        o->sw = e.flags & (F80_EXC | F80_C1);
    } else if (!strcmp(op, "sin") || !strcmp(op, "cos")) {
        f80 r = !strcmp(op, "sin") ? f80_sin(a, &e, &range) : f80_cos(a, &e, &range);
        if (range)
            o->sw = SW_C2;
        else
            o->r0 = r, o->sw = e.flags & (F80_EXC | F80_C1);
    } else if (!strcmp(op, "ptan") || !strcmp(op, "sincos")) {
        f80 s = a, r = !strcmp(op, "ptan") ? f80_tan(a, &e, &range) : f80_sincos(a, &s, &e, &range);
        if (range) {
            o->sw = SW_C2;
            o->r1 = b;
        } else if (!strcmp(op, "ptan")) {
            o->r1 = r;
            o->r0 = is_nan(r) ? r : f80_make(false, 0x3FFF, 1ull << 63);
            o->sw = e.flags & (F80_EXC | F80_C1);
        } else {
            o->r1 = s;
            o->r0 = r;
            o->sw = e.flags & (F80_EXC | F80_C1);
        }
    } else {
        return false;
    }
    return true;
}

static bool transcendental(const char *op)
{
    static const char *const t[] = {"f2xm1", "yl2x", "yl2xp1", "patan", "sin", "cos", "ptan", "sincos"};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(op, t[i]))
            return true;
    return false;
}

/* adjacent values of the same sign (the 1-ulp class) */
static bool ulp_apart(f80 x, f80 y)
{
    if ((x.se ^ y.se) & 0x8000)
        return false;
    uint64_t kx = ((uint64_t)(x.se & 0x7FFF) << 63) | (x.mant & ~(1ull << 63));
    uint64_t ky = ((uint64_t)(y.se & 0x7FFF) << 63) | (y.mant & ~(1ull << 63));
    return kx + 1 == ky || ky + 1 == kx;
}

static uint64_t digest_add(uint64_t h, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        h ^= (uint8_t)(v >> (8 * i));
        h *= 0x100000001B3ull;
    }
    return h;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: x87_golden FILE [--update-digest]\n");
        return 2;
    }
    bool update = argc > 2 && !strcmp(argv[2], "--update-digest");
    FILE *f = fopen(argv[1], "r");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    char line[512];
    uint64_t digest = 0xCBF29CE484222325ull, want_digest = 0;
    bool have_digest = false;
    unsigned long n = 0, bad = 0, tn = 0, texact = 0, tclass = 0;
    char *lines = NULL;
    size_t lines_len = 0;
    while (fgets(line, sizeof line, f)) {
        if (update && strncmp(line, "# digest ", 9) != 0) {
            size_t k = strlen(line);
            lines = realloc(lines, lines_len + k + 1);
            memcpy(lines + lines_len, line, k + 1);
            lines_len += k;
        }
        if (line[0] == '#') {
            if (!strncmp(line, "# digest ", 9)) {
                want_digest = strtoull(line + 9, NULL, 16);
                have_digest = true;
            }
            continue;
        }
        char op[16];
        unsigned cw, ase, bse, r0se, r1se, sw;
        uint64_t am, bm, r0m, r1m;
        if (sscanf(line, "%15s %x %x %" SCNx64 " %x %" SCNx64 " %x %" SCNx64 " %x %" SCNx64 " %x", op, &cw,
                   &ase, &am, &bse, &bm, &r0se, &r0m, &r1se, &r1m, &sw) != 11) {
            fprintf(stderr, "x87_golden: bad line: %s", line);
            return 1;
        }
        f80 a = f80_make(ase >> 15, (uint16_t)ase, am), b = f80_make(bse >> 15, (uint16_t)bse, bm);
        struct outcome o;
        if (!run(op, (uint16_t)cw, a, b, &o)) {
            fprintf(stderr, "x87_golden: unknown operation %s\n", op);
            return 1;
        }
        n++;
        digest = digest_add(digest, o.r0.mant ^ ((uint64_t)o.r0.se << 48));
        digest = digest_add(digest, o.r1.mant ^ ((uint64_t)o.r1.se << 48) ^ ((uint64_t)o.sw << 32));
        f80 w0 = f80_make(r0se >> 15, (uint16_t)r0se, r0m), w1 = f80_make(r1se >> 15, (uint16_t)r1se, r1m);
        bool two = r1se != 0 || r1m != 0;
        uint16_t wsw = (uint16_t)(sw & 0x473F);
        bool same = f80_same_bits(o.r0, w0) && (!two || f80_same_bits(o.r1, w1)) && o.sw == wsw;
        bool trans = transcendental(op);
        if (trans) {
            tn++;
            if (same) {
                texact++;
                continue;
            }
            bool r0ok = f80_same_bits(o.r0, w0) || ulp_apart(o.r0, w0);
            bool r1ok = !two || f80_same_bits(o.r1, w1) || ulp_apart(o.r1, w1);
            if (r0ok && r1ok && ((o.sw ^ wsw) & ~SW_C1) == 0) {
                tclass++;
                continue;
            }
        } else if (same) {
            continue;
        }
        if (bad++ < 10)
            printf("MISMATCH %s cw %04x a %04x:%016" PRIx64 " b %04x:%016" PRIx64 ": host %04x:%016" PRIx64
                   " %04x:%016" PRIx64 " sw %04x, here %04x:%016" PRIx64 " %04x:%016" PRIx64 " sw %04x\n",
                   op, cw, ase, am, bse, bm, r0se, r0m, r1se, r1m, wsw, o.r0.se, o.r0.mant, o.r1.se,
                   o.r1.mant, o.sw);
    }
    fclose(f);
    if (update) {
        f = fopen(argv[1], "w");
        if (!f) {
            perror(argv[1]);
            return 1;
        }
        /* the digest line goes after the header comments */
        char *p = lines;
        while (*p == '#') {
            char *nl = strchr(p, '\n');
            if (!nl)
                break;
            fwrite(p, 1, (size_t)(nl + 1 - p), f);
            p = nl + 1;
        }
        fprintf(f, "# digest %016" PRIx64 "\n", digest);
        fputs(p, f);
        fclose(f);
        free(lines);
        printf("x87_golden: digest %016" PRIx64 " written to %s\n", digest, argv[1]);
        return 0;
    }
    printf("x87_golden: %lu cases; %lu transcendental, %lu bit-exact (%.2f%%), %lu within 1 ulp; "
           "digest %016" PRIx64 "%s\n",
           n, tn, texact, tn ? 100.0 * (double)texact / (double)tn : 0.0, tclass, digest,
           !have_digest            ? " (none recorded)"
           : digest == want_digest ? " (as recorded)"
                                   : " (RECORDED DIFFERS)");
    bool ok = bad == 0 && n > 0 && have_digest && digest == want_digest;
    printf("%lu passed, %lu failed\n", n - bad, bad);
    if (have_digest && digest != want_digest)
        printf("x87_golden: FAIL: the results differ from the recorded digest %016" PRIx64 "\n", want_digest);
    return ok ? 0 : 1;
}
