/* script.c - parsing and running automation scripts, and the screen as
 * text or as an image file (see script.h). */
#include "ui/script.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "devices/chardev.h"
#include "devices/machine.h"
#include "devices/vga.h"
#include "ui/png.h"

/* COM1 output kept for `wait serial` beyond the last match */
#define SERIAL_KEEP (1u << 20)

/* ---- parsing ---- */

static void line_error(char *err, size_t errlen, const char *name, int line, const char *fmt, ...)
{
    char why[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "%s:%d: %s", name, line, why);
}

/* \n -> newline, \\ -> backslash; every other backslash stays */
static char *unescape(const char *in, size_t n)
{
    char *out = malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (in[i] == '\\' && i + 1 < n && (in[i + 1] == 'n' || in[i + 1] == '\\')) {
            *o++ = in[i + 1] == 'n' ? '\n' : '\\';
            i++;
        } else {
            *o++ = in[i];
        }
    }
    *o = 0;
    return out;
}

/* a positive decimal number of seconds: digits with an optional fraction */
static bool parse_seconds(const char *s, size_t n, double *out)
{
    size_t i = 0, digits = 0;
    while (i < n && isdigit((unsigned char)s[i]))
        i++, digits++;
    if (i < n && s[i] == '.' && digits) {
        size_t frac = ++i;
        while (i < n && isdigit((unsigned char)s[i]))
            i++;
        if (i == frac)
            return false; /* "5." is not a number here */
    }
    if (i != n || digits == 0 || n > 20)
        return false;
    char buf[24];
    memcpy(buf, s, n);
    buf[n] = 0;
    *out = strtod(buf, NULL);
    return true;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool word_is(const char *p, size_t n, const char *word)
{
    return n == strlen(word) && !strncmp(p, word, n);
}

/* Parses one line (already stripped of blanks at both ends, not empty).
 * Returns 0 and fills c, or -1 with the reason in why. */
static int parse_command(const char *p, size_t n, struct script_cmd *c, char *why, size_t whylen)
{
    size_t wlen = 0;
    while (wlen < n && !is_blank(p[wlen]))
        wlen++;
    const char *arg = p + wlen;
    size_t alen = n - wlen;
    if (alen) { /* exactly one blank separates the command from its argument */
        arg++;
        alen--;
    }
    if (word_is(p, wlen, "wait")) {
        size_t k = 0;
        while (k < alen && !is_blank(arg[k]))
            k++;
        if (k == 6 && !strncmp(arg, "screen", 6))
            c->op = SCRIPT_WAIT_SCREEN;
        else if (k == 6 && !strncmp(arg, "serial", 6))
            c->op = SCRIPT_WAIT_SERIAL;
        else {
            snprintf(why, whylen, "wait needs 'screen' or 'serial', then TEXT [SECONDS]");
            return -1;
        }
        const char *t = arg + k + (k < alen ? 1 : 0);
        size_t tlen = alen - (size_t)(t - arg);
        c->seconds = SCRIPT_DEFAULT_TIMEOUT;
        /* a final number after a blank is the timeout */
        size_t sp = tlen;
        while (sp > 0 && !is_blank(t[sp - 1]))
            sp--;
        double secs;
        if (sp > 1 && parse_seconds(t + sp, tlen - sp, &secs)) {
            if (secs <= 0 || secs > 1e7) {
                snprintf(why, whylen, "timeout %.*s: must be more than 0 seconds", (int)(tlen - sp), t + sp);
                return -1;
            }
            c->seconds = secs;
            tlen = sp - 1;
            while (tlen > 0 && is_blank(t[tlen - 1]))
                tlen--;
        }
        if (tlen == 0) {
            snprintf(why, whylen, "wait %s needs the TEXT to wait for",
                     c->op == SCRIPT_WAIT_SCREEN ? "screen" : "serial");
            return -1;
        }
        c->text = unescape(t, tlen);
    } else if (word_is(p, wlen, "type")) {
        c->op = SCRIPT_TYPE;
        if (alen == 0) {
            snprintf(why, whylen, "type needs the TEXT to type");
            return -1;
        }
        c->text = unescape(arg, alen);
        for (const char *q = c->text; q && *q; q++) {
            bool shift;
            if (keymap_ascii((unsigned char)*q, &shift) < 0) {
                unsigned char ch = (unsigned char)*q;
                if (ch >= 0x20 && ch < 0x7F)
                    snprintf(why, whylen, "type: '%c' cannot be typed on a US keyboard", ch);
                else
                    snprintf(why, whylen, "type: byte 0x%02X cannot be typed (ASCII only; \\n is Enter)", ch);
                return -1;
            }
        }
    } else if (word_is(p, wlen, "key")) {
        c->op = SCRIPT_KEY;
        char buf[256];
        if (alen == 0 || alen >= sizeof buf) {
            snprintf(why, whylen, "key needs one COMBO (e.g. ctrl-alt-delete, f12, enter)");
            return -1;
        }
        memcpy(buf, arg, alen);
        buf[alen] = 0;
        char e[300];
        c->nkeys = keymap_parse_combo(buf, c->keys, e, sizeof e);
        if (c->nkeys < 0) {
            snprintf(why, whylen, "key %s", e);
            return -1;
        }
        c->text = strdup(buf);
    } else if (word_is(p, wlen, "screendump")) {
        c->op = SCRIPT_SCREENDUMP;
        if (alen == 0) {
            snprintf(why, whylen, "screendump needs a FILE (.png, .txt or .ppm)");
            return -1;
        }
        c->text = strndup(arg, alen);
        if (c->text && !screen_dump_format_ok(c->text)) {
            snprintf(why, whylen, "screendump %s: the name must end in .png, .txt or .ppm", c->text);
            return -1;
        }
    } else if (word_is(p, wlen, "sleep")) {
        c->op = SCRIPT_SLEEP;
        if (!parse_seconds(arg, alen, &c->seconds) || c->seconds > 1e7) {
            snprintf(why, whylen, "sleep needs a number of SECONDS");
            return -1;
        }
    } else if (word_is(p, wlen, "quit")) {
        c->op = SCRIPT_QUIT;
        c->status = 0;
        size_t digits = 0;
        while (digits < alen && isdigit((unsigned char)arg[digits]))
            digits++;
        int status = 0;
        for (size_t k = 0; k < digits && k < 4; k++)
            status = status * 10 + (arg[k] - '0');
        if (digits != alen || digits > 3 || status > 255) {
            snprintf(why, whylen, "quit %.*s: STATUS must be a number from 0 to 255", (int)alen, arg);
            return -1;
        }
        c->status = status;
    } else {
        snprintf(why, whylen, "unknown command '%.*s' (wait, type, key, screendump, sleep, quit)", (int)wlen,
                 p);
        return -1;
    }
    if ((c->op == SCRIPT_WAIT_SCREEN || c->op == SCRIPT_WAIT_SERIAL || c->op == SCRIPT_TYPE ||
         c->op == SCRIPT_KEY || c->op == SCRIPT_SCREENDUMP) &&
        !c->text) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    return 0;
}

void script_free(struct script *s)
{
    for (int i = 0; i < s->ncmd; i++)
        free(s->cmd[i].text);
    free(s->cmd);
    free(s->name);
    memset(s, 0, sizeof *s);
}

int script_parse(struct script *s, const char *name, const char *text, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->name = strdup(name);
    if (!s->name) {
        snprintf(err, errlen, "%s: out of memory", name);
        return -1;
    }
    int cap = 0, line = 0;
    const char *p = text;
    while (*p) {
        line++;
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        const char *next = eol ? eol + 1 : p + n;
        while (n > 0 && (is_blank(p[n - 1]) || p[n - 1] == '\r'))
            n--;
        while (n > 0 && is_blank(*p))
            p++, n--;
        if (n == 0 || *p == '#') {
            p = next;
            continue;
        }
        if (memchr(p, 0, n)) {
            line_error(err, errlen, name, line, "NUL byte in the line");
            script_free(s);
            return -1;
        }
        if (s->ncmd == cap) {
            cap = cap ? cap * 2 : 16;
            struct script_cmd *c = realloc(s->cmd, (size_t)cap * sizeof *c);
            if (!c) {
                line_error(err, errlen, name, line, "out of memory");
                script_free(s);
                return -1;
            }
            s->cmd = c;
        }
        struct script_cmd *c = &s->cmd[s->ncmd];
        memset(c, 0, sizeof *c);
        c->line = line;
        char why[400];
        if (parse_command(p, n, c, why, sizeof why)) {
            free(c->text);
            line_error(err, errlen, name, line, "%s", why);
            script_free(s);
            return -1;
        }
        s->ncmd++;
        p = next;
    }
    return 0;
}

int script_load(struct script *s, const char *path, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            fclose(f);
            snprintf(err, errlen, "%s: out of memory", path);
            return -1;
        }
        len += fread(buf + len, 1, cap - len - 1, f);
        if (len < cap - 1)
            break;
        cap *= 2;
        char *nb = realloc(buf, cap);
        if (!nb)
            free(buf);
        buf = nb;
    }
    int bad = ferror(f);
    int e = errno;
    fclose(f);
    if (bad) {
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        free(buf);
        return -1;
    }
    buf[len] = 0;
    if (strlen(buf) != len) {
        /* find the line with the NUL byte for the message */
        int line = 1;
        for (size_t i = 0; buf[i]; i++)
            line += buf[i] == '\n';
        line_error(err, errlen, path, line, "NUL byte in the line (not a text file?)");
        free(buf);
        return -1;
    }
    int r = script_parse(s, path, buf, err, errlen);
    free(buf);
    return r;
}

bool script_uses_serial(const struct script *s)
{
    for (int i = 0; i < s->ncmd; i++)
        if (s->cmd[i].op == SCRIPT_WAIT_SERIAL)
            return true;
    return false;
}

/* ---- the screen ---- */

/* code page 437 as Unicode: 00h shows as a blank, 01h-1Fh and 7Fh are the
 * glyphs the VGA font draws there, FFh (a no-break space) as a blank */
static const uint16_t cp437_low[32] = {
    0x0020, 0x263A, 0x263B, 0x2665, 0x2666, 0x2663, 0x2660, 0x2022, 0x25D8, 0x25CB, 0x25D9,
    0x2642, 0x2640, 0x266A, 0x266B, 0x263C, 0x25BA, 0x25C4, 0x2195, 0x203C, 0x00B6, 0x00A7,
    0x25AC, 0x21A8, 0x2191, 0x2193, 0x2192, 0x2190, 0x221F, 0x2194, 0x25B2, 0x25BC,
};
static const uint16_t cp437_high[128] = {
    0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7, 0x00EA, 0x00EB, 0x00E8, 0x00EF, 0x00EE,
    0x00EC, 0x00C4, 0x00C5, 0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9, 0x00FF, 0x00D6,
    0x00DC, 0x00A2, 0x00A3, 0x00A5, 0x20A7, 0x0192, 0x00E1, 0x00ED, 0x00F3, 0x00FA, 0x00F1, 0x00D1, 0x00AA,
    0x00BA, 0x00BF, 0x2310, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB, 0x2591, 0x2592, 0x2593, 0x2502,
    0x2524, 0x2561, 0x2562, 0x2556, 0x2555, 0x2563, 0x2551, 0x2557, 0x255D, 0x255C, 0x255B, 0x2510, 0x2514,
    0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F, 0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550,
    0x256C, 0x2567, 0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256B, 0x256A, 0x2518, 0x250C,
    0x2588, 0x2584, 0x258C, 0x2590, 0x2580, 0x03B1, 0x00DF, 0x0393, 0x03C0, 0x03A3, 0x03C3, 0x00B5, 0x03C4,
    0x03A6, 0x0398, 0x03A9, 0x03B4, 0x221E, 0x03C6, 0x03B5, 0x2229, 0x2261, 0x00B1, 0x2265, 0x2264, 0x2320,
    0x2321, 0x00F7, 0x2248, 0x00B0, 0x2219, 0x00B7, 0x221A, 0x207F, 0x00B2, 0x25A0, 0x0020,
};

/* one character as UTF-8; returns the bytes written (1-3) */
static size_t cp437_utf8(uint8_t c, char *o)
{
    unsigned u = c < 0x20 ? cp437_low[c] : c == 0x7F ? 0x2302u : c >= 0x80 ? cp437_high[c - 0x80] : c;
    if (u < 0x80) {
        o[0] = (char)u;
        return 1;
    }
    if (u < 0x800) {
        o[0] = (char)(0xC0 | u >> 6);
        o[1] = (char)(0x80 | (u & 0x3F));
        return 2;
    }
    o[0] = (char)(0xE0 | u >> 12);
    o[1] = (char)(0x80 | (u >> 6 & 0x3F));
    o[2] = (char)(0x80 | (u & 0x3F));
    return 3;
}

char *screen_text(struct vga *v)
{
    int cols, rows;
    int n = vga_text_screen(v, NULL, 0, &cols, &rows);
    if (n < 0)
        return NULL;
    char *raw = malloc((size_t)n + 1);
    char *out = malloc((size_t)n * 3 + (size_t)rows + 1);
    if (!raw || !out) {
        free(raw);
        free(out);
        return NULL;
    }
    vga_text_screen(v, raw, (size_t)n, &cols, &rows);
    size_t o = 0;
    for (int r = 0; r < rows; r++) {
        const uint8_t *row = (const uint8_t *)raw + (size_t)r * (size_t)cols;
        int len = cols;
        while (len > 0 && (row[len - 1] == ' ' || row[len - 1] == 0 || row[len - 1] == 0xFF))
            len--;
        for (int k = 0; k < len; k++)
            o += cp437_utf8(row[k], out + o);
        out[o++] = '\n';
    }
    out[o] = 0;
    free(raw);
    return out;
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && !strcasecmp(s + n - k, suffix);
}

bool screen_dump_format_ok(const char *path)
{
    return has_suffix(path, ".png") || has_suffix(path, ".txt") || has_suffix(path, ".ppm");
}

static int write_file(const char *path, const void *data, size_t len, const void *data2, size_t len2,
                      char *err, size_t errlen)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    int bad = fwrite(data, 1, len, f) != len || (len2 && fwrite(data2, 1, len2, f) != len2);
    if (fclose(f) != 0)
        bad = 1;
    if (bad) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : EIO));
        return -1;
    }
    return 0;
}

int screen_dump(struct vga *v, const char *path, char *err, size_t errlen)
{
    if (has_suffix(path, ".txt")) {
        char *t = screen_text(v);
        if (!t) {
            snprintf(err, errlen, "%s: the screen is in a graphics mode (use .png)", path);
            return -1;
        }
        int r = write_file(path, t, strlen(t), NULL, 0, err, errlen);
        free(t);
        return r;
    }
    struct vga_frame fr;
    vga_render(v, &fr);
    if (has_suffix(path, ".png"))
        return png_write_xrgb(path, fr.pixels, fr.width, fr.height, err, errlen);
    if (!has_suffix(path, ".ppm")) {
        snprintf(err, errlen, "%s: unknown format (the name must end in .png, .txt or .ppm)", path);
        return -1;
    }
    /* PPM (netpbm P6): a text header, then 8-bit RGB */
    char hdr[64];
    int h = snprintf(hdr, sizeof hdr, "P6\n%d %d\n255\n", fr.width, fr.height);
    size_t n = (size_t)fr.width * (size_t)fr.height;
    uint8_t *rgb = malloc(n * 3);
    if (!rgb) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        rgb[3 * i] = (uint8_t)(fr.pixels[i] >> 16);
        rgb[3 * i + 1] = (uint8_t)(fr.pixels[i] >> 8);
        rgb[3 * i + 2] = (uint8_t)fr.pixels[i];
    }
    int r = write_file(path, hdr, (size_t)h, rgb, n * 3, err, errlen);
    free(rgb);
    return r;
}

/* ---- running ---- */

static void serial_tap(void *opaque, const uint8_t *buf, size_t len)
{
    struct script_run *r = opaque;
    if (r->serial_len + len + 1 > r->serial_cap) {
        /* drop what was matched already, then output older than SERIAL_KEEP */
        size_t drop = r->serial_pos;
        if (r->serial_len - drop + len > SERIAL_KEEP) {
            drop = r->serial_len + len > SERIAL_KEEP ? r->serial_len + len - SERIAL_KEEP : 0;
            if (drop > r->serial_len)
                drop = r->serial_len;
            r->serial_dropped = true;
        }
        if (r->serial_len > drop) /* the first call has no buffer yet: NULL is no memmove argument */
            memmove(r->serial, r->serial + drop, r->serial_len - drop);
        r->serial_len -= drop;
        r->serial_pos = r->serial_pos > drop ? r->serial_pos - drop : 0;
        if (r->serial_len + len + 1 > r->serial_cap) {
            size_t cap = r->serial_cap ? r->serial_cap : 4096;
            while (cap < r->serial_len + len + 1)
                cap *= 2;
            char *n = realloc(r->serial, cap);
            if (!n)
                return;
            r->serial = n;
            r->serial_cap = cap;
        }
    }
    for (size_t i = 0; i < len; i++)
        if (buf[i] != '\r' && buf[i] != 0) /* CR LF -> LF; NUL would end the text */
            r->serial[r->serial_len++] = (char)buf[i];
    r->serial[r->serial_len] = 0;
}

int script_run_init(struct script_run *r, const struct script *s, struct machine *m, struct key_queue *keys,
                    char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->s = s;
    r->keys = keys;
    if (m->serial_cd[0]) {
        chardev_set_tap(m->serial_cd[0], serial_tap, r);
    } else {
        for (int i = 0; i < s->ncmd; i++) {
            if (s->cmd[i].op == SCRIPT_WAIT_SERIAL) {
                line_error(err, errlen, s->name, s->cmd[i].line,
                           "wait serial: COM1 is not connected (-serial none)");
                return -1;
            }
        }
    }
    return 0;
}

void script_run_destroy(struct script_run *r, struct machine *m)
{
    if (m && m->serial_cd[0])
        chardev_set_tap(m->serial_cd[0], NULL, NULL);
    free(r->serial);
    memset(r, 0, sizeof *r);
}

int script_current_line(const struct script_run *r)
{
    return r->s && r->pc < r->s->ncmd ? r->s->cmd[r->pc].line : 0;
}

static void print_screen(struct vga *v, FILE *f)
{
    char *t = screen_text(v);
    if (!t) {
        fprintf(f, "(the screen is in a graphics mode)\n");
        return;
    }
    /* without the empty rows at the bottom */
    size_t n = strlen(t);
    while (n > 1 && t[n - 1] == '\n' && t[n - 2] == '\n')
        n--;
    fwrite(t, 1, n, f);
    free(t);
}

static bool screen_has(struct vga *v, const char *text)
{
    char *t = screen_text(v);
    bool found = t && strstr(t, text);
    free(t);
    return found;
}

enum script_state script_poll(struct script_run *r, struct machine *m, int *status)
{
    const struct script *s = r->s;
    while (r->pc < s->ncmd) {
        const struct script_cmd *c = &s->cmd[r->pc];
        if (!r->started) {
            r->started = true;
            r->start_time = m->run_seconds;
            char err[600];
            switch (c->op) {
            case SCRIPT_TYPE:
                if (key_queue_type(r->keys, c->text, err, sizeof err)) {
                    fprintf(stderr, "dynapc: %s:%d: type: %s\n", s->name, c->line, err);
                    *status = 1;
                    return SCRIPT_EXIT;
                }
                break;
            case SCRIPT_KEY:
                key_queue_combo(r->keys, c->keys, c->nkeys);
                break;
            case SCRIPT_SCREENDUMP:
                if (screen_dump(m->vga, c->text, err, sizeof err)) {
                    fprintf(stderr, "dynapc: %s:%d: screendump %s\n", s->name, c->line, err);
                    *status = 1;
                    return SCRIPT_EXIT;
                }
                break;
            case SCRIPT_QUIT:
                *status = c->status;
                r->pc++;
                return SCRIPT_EXIT;
            default:
                break;
            }
        }
        double elapsed = m->run_seconds - r->start_time;
        bool done = true;
        switch (c->op) {
        case SCRIPT_WAIT_SCREEN:
        case SCRIPT_WAIT_SERIAL: {
            if (c->op == SCRIPT_WAIT_SCREEN) {
                done = screen_has(m->vga, c->text);
            } else {
                const char *hit = r->serial ? strstr(r->serial + r->serial_pos, c->text) : NULL;
                if (hit)
                    r->serial_pos = (size_t)(hit - r->serial) + strlen(c->text);
                done = hit != NULL;
            }
            if (!done && elapsed >= c->seconds) {
                fflush(stdout);
                fprintf(stderr, "dynapc: %s:%d: wait %s: '%s' did not appear in %g s; the screen:\n", s->name,
                        c->line, c->op == SCRIPT_WAIT_SCREEN ? "screen" : "serial", c->text, c->seconds);
                print_screen(m->vga, stderr);
                if (c->op == SCRIPT_WAIT_SERIAL) {
                    const char *tail = r->serial ? r->serial + r->serial_pos : "";
                    size_t tl = strlen(tail);
                    if (tl > 2000)
                        tail += tl - 2000;
                    fprintf(stderr, "dynapc: COM1 output since the last match%s:\n%s\n",
                            tl > 2000 ? " (its end)" : "", tail);
                }
                *status = SCRIPT_EXIT_TIMEOUT;
                return SCRIPT_EXIT;
            }
            break;
        }
        case SCRIPT_TYPE:
        case SCRIPT_KEY:
            done = key_queue_idle(r->keys);
            break;
        case SCRIPT_SLEEP:
            done = elapsed >= c->seconds;
            break;
        default:
            break;
        }
        if (!done)
            return SCRIPT_RUNNING;
        r->pc++;
        r->started = false;
    }
    return SCRIPT_DONE;
}
