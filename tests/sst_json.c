/* sst_json.c - a small pull reader for (gzipped) JSON (see sst_json.h). */
#include "sst_json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define JSON_BUF_BYTES  (256u << 10)
#define JSON_MAX_DEPTH  64
#define JSON_NUM_DIGITS 64

struct json_reader {
    gzFile gz;
    char *path;
    unsigned char *buf;
    size_t pos, len;
    uint64_t consumed; /* bytes before buf[0], for error offsets */
    bool eof;

    char *str;
    size_t str_len, str_cap;
    int64_t num_int;
    double num_double;

    char stack[JSON_MAX_DEPTH]; /* '{' or '[' per open container */
    int depth;
    char err[256];
};

struct json_reader *json_open(const char *path)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return NULL;
    struct json_reader *r = calloc(1, sizeof *r);
    if (!r) {
        gzclose(gz);
        errno = ENOMEM;
        return NULL;
    }
    r->gz = gz;
    gzbuffer(gz, 128u << 10);
    r->path = strdup(path);
    r->buf = malloc(JSON_BUF_BYTES);
    r->str_cap = 256;
    r->str = malloc(r->str_cap);
    if (!r->path || !r->buf || !r->str) {
        json_close(r);
        errno = ENOMEM;
        return NULL;
    }
    r->str[0] = 0;
    return r;
}

void json_close(struct json_reader *r)
{
    if (!r)
        return;
    if (r->gz)
        gzclose(r->gz);
    free(r->path);
    free(r->buf);
    free(r->str);
    free(r);
}

const char *json_str(const struct json_reader *r)
{
    return r->str;
}

size_t json_str_len(const struct json_reader *r)
{
    return r->str_len;
}

int64_t json_int(const struct json_reader *r)
{
    return r->num_int;
}

double json_double(const struct json_reader *r)
{
    return r->num_double;
}

const char *json_error(const struct json_reader *r)
{
    return r->err;
}

static enum json_tok fail(struct json_reader *r, const char *fmt, ...)
{
    if (r->err[0])
        return JSON_ERROR; /* keep the first message */
    int n = snprintf(r->err, sizeof r->err, "%s: byte %llu: ", r->path,
                     (unsigned long long)(r->consumed + r->pos));
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof r->err)
        vsnprintf(r->err + n, sizeof r->err - (size_t)n, fmt, ap);
    va_end(ap);
    return JSON_ERROR;
}

static bool refill(struct json_reader *r)
{
    if (r->eof)
        return false;
    r->consumed += r->len;
    r->pos = 0;
    int n = gzread(r->gz, r->buf, JSON_BUF_BYTES);
    if (n <= 0) {
        r->len = 0;
        r->eof = true;
        if (n < 0) {
            int zerr;
            const char *msg = gzerror(r->gz, &zerr);
            fail(r, "read error: %s", zerr == Z_ERRNO ? strerror(errno) : msg);
        }
        return false;
    }
    r->len = (size_t)n;
    return true;
}

/* next byte without consuming it, or -1 at the end */
static inline int peek(struct json_reader *r)
{
    if (r->pos == r->len && !refill(r))
        return -1;
    return r->buf[r->pos];
}

static inline int get(struct json_reader *r)
{
    if (r->pos == r->len && !refill(r))
        return -1;
    return r->buf[r->pos++];
}

/* skips white space and the separator ',' */
static int skip_space(struct json_reader *r)
{
    for (;;) {
        while (r->pos < r->len) {
            int c = r->buf[r->pos];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t' && c != ',')
                return c;
            r->pos++;
        }
        if (!refill(r))
            return -1;
    }
}

static bool str_put(struct json_reader *r, char c)
{
    if (r->str_len + 1 >= r->str_cap) {
        size_t cap = r->str_cap * 2;
        char *s = realloc(r->str, cap);
        if (!s)
            return false;
        r->str = s;
        r->str_cap = cap;
    }
    r->str[r->str_len++] = c;
    return true;
}

static bool str_put_utf8(struct json_reader *r, uint32_t cp)
{
    if (cp < 0x80)
        return str_put(r, (char)cp);
    if (cp < 0x800)
        return str_put(r, (char)(0xC0 | cp >> 6)) && str_put(r, (char)(0x80 | (cp & 0x3F)));
    if (cp < 0x10000)
        return str_put(r, (char)(0xE0 | cp >> 12)) && str_put(r, (char)(0x80 | ((cp >> 6) & 0x3F))) &&
               str_put(r, (char)(0x80 | (cp & 0x3F)));
    return str_put(r, (char)(0xF0 | cp >> 18)) && str_put(r, (char)(0x80 | ((cp >> 12) & 0x3F))) &&
           str_put(r, (char)(0x80 | ((cp >> 6) & 0x3F))) && str_put(r, (char)(0x80 | (cp & 0x3F)));
}

static int hex4(struct json_reader *r)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int c = get(r);
        if (c >= '0' && c <= '9')
            v = v * 16 + (c - '0');
        else if (c >= 'a' && c <= 'f')
            v = v * 16 + (c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v = v * 16 + (c - 'A' + 10);
        else
            return -1;
    }
    return v;
}

/* the opening quote is consumed */
static enum json_tok read_string(struct json_reader *r)
{
    r->str_len = 0;
    for (;;) {
        /* fast path: copy plain bytes straight from the buffer */
        size_t start = r->pos, end = start;
        while (end < r->len && r->buf[end] != '"' && r->buf[end] != '\\' && r->buf[end] >= 0x20)
            end++;
        for (size_t i = start; i < end; i++)
            if (!str_put(r, (char)r->buf[i]))
                return fail(r, "out of memory");
        r->pos = end;
        int c = get(r);
        if (c < 0)
            return fail(r, "end of file inside a string");
        if (c == '"')
            break;
        if (c < 0x20)
            return fail(r, "control character 0x%02x inside a string", c);
        /* c == '\\' */
        c = get(r);
        uint32_t cp;
        switch (c) {
        case '"':
        case '\\':
        case '/':
            cp = (uint32_t)c;
            break;
        case 'b':
            cp = '\b';
            break;
        case 'f':
            cp = '\f';
            break;
        case 'n':
            cp = '\n';
            break;
        case 'r':
            cp = '\r';
            break;
        case 't':
            cp = '\t';
            break;
        case 'u': {
            int u = hex4(r);
            if (u < 0)
                return fail(r, "bad \\u escape");
            cp = (uint32_t)u;
            if (cp >= 0xD800 && cp < 0xDC00 && peek(r) == '\\') {
                get(r);
                if (get(r) != 'u')
                    return fail(r, "bad surrogate pair");
                int lo = hex4(r);
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return fail(r, "bad surrogate pair");
                cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
            }
            break;
        }
        default:
            return fail(r, "bad escape \\%c", c < 0 ? '?' : c);
        }
        if (!str_put_utf8(r, cp))
            return fail(r, "out of memory");
    }
    r->str[r->str_len] = 0;
    return JSON_STRING;
}

static enum json_tok read_number(struct json_reader *r)
{
    char text[JSON_NUM_DIGITS];
    size_t n = 0;
    bool integer = true, neg = false;
    uint64_t v = 0;
    for (;;) {
        int c = peek(r);
        if (c >= '0' && c <= '9') {
            if (v > (UINT64_MAX - 9) / 10)
                integer = false;
            v = v * 10 + (uint64_t)(c - '0');
        } else if (c == '-' && n == 0) {
            neg = true;
        } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
            integer = false;
        } else {
            break;
        }
        if (n + 1 >= sizeof text)
            return fail(r, "number too long");
        text[n++] = (char)c;
        r->pos++;
    }
    text[n] = 0;
    if (n == (size_t)neg)
        return fail(r, "bad number");
    if (integer && v <= (uint64_t)INT64_MAX) {
        r->num_int = neg ? -(int64_t)v : (int64_t)v;
        r->num_double = (double)r->num_int;
    } else {
        char *end;
        r->num_double = strtod(text, &end);
        if (*end)
            return fail(r, "bad number '%s'", text);
        r->num_int = (int64_t)r->num_double;
    }
    return JSON_NUMBER;
}

static enum json_tok read_word(struct json_reader *r, const char *word, enum json_tok tok)
{
    for (const char *w = word; *w; w++)
        if (get(r) != *w)
            return fail(r, "expected '%s'", word);
    return tok;
}

static enum json_tok open_container(struct json_reader *r, char c, enum json_tok tok)
{
    if (r->depth == JSON_MAX_DEPTH)
        return fail(r, "nesting deeper than %d", JSON_MAX_DEPTH);
    r->stack[r->depth++] = c;
    r->pos++;
    return tok;
}

static enum json_tok close_container(struct json_reader *r, char open, enum json_tok tok)
{
    if (r->depth == 0 || r->stack[r->depth - 1] != open)
        return fail(r, "unbalanced '%c'", open == '{' ? '}' : ']');
    r->depth--;
    r->pos++;
    return tok;
}

enum json_tok json_next(struct json_reader *r)
{
    if (r->err[0])
        return JSON_ERROR;
    int c = skip_space(r);
    switch (c) {
    case -1:
        if (r->err[0])
            return JSON_ERROR;
        if (r->depth)
            return fail(r, "end of file inside %s", r->stack[r->depth - 1] == '{' ? "an object" : "an array");
        return JSON_EOF;
    case '{':
        return open_container(r, '{', JSON_OBJ_BEGIN);
    case '}':
        return close_container(r, '{', JSON_OBJ_END);
    case '[':
        return open_container(r, '[', JSON_ARR_BEGIN);
    case ']':
        return close_container(r, '[', JSON_ARR_END);
    case '"': {
        r->pos++;
        if (read_string(r) == JSON_ERROR)
            return JSON_ERROR;
        /* a string directly inside an object followed by ':' is a name */
        if (r->depth && r->stack[r->depth - 1] == '{') {
            int d = skip_space(r);
            if (d == ':') {
                r->pos++;
                return JSON_KEY;
            }
        }
        return JSON_STRING;
    }
    case 't':
        return read_word(r, "true", JSON_TRUE);
    case 'f':
        return read_word(r, "false", JSON_FALSE);
    case 'n':
        return read_word(r, "null", JSON_NULL);
    default:
        if (c == '-' || (c >= '0' && c <= '9'))
            return read_number(r);
        return fail(r, "unexpected character '%c'", c);
    }
}

enum json_tok json_skip(struct json_reader *r, enum json_tok first)
{
    if (first == JSON_ERROR || first == JSON_EOF)
        return first;
    if (first != JSON_OBJ_BEGIN && first != JSON_ARR_BEGIN && first != JSON_KEY)
        return first;
    if (first == JSON_KEY)
        return json_skip(r, json_next(r));
    int level = 1;
    while (level) {
        enum json_tok t = json_next(r);
        if (t == JSON_ERROR)
            return t;
        if (t == JSON_EOF)
            return fail(r, "end of file inside a value");
        if (t == JSON_OBJ_BEGIN || t == JSON_ARR_BEGIN)
            level++;
        else if (t == JSON_OBJ_END || t == JSON_ARR_END)
            level--;
    }
    return first;
}
