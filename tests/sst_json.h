/* sst_json.h - a small pull reader for JSON files, plain or gzip-compressed
 * (test-only: the SingleStepTests vectors and their metadata).
 *
 * json_next() returns one token at a time; an object member's name comes as
 * JSON_KEY (its ':' already consumed), then the tokens of its value.  Commas
 * are separators and not checked; brackets must match.  Numbers are read as
 * integers when they are integers, else through strtod. */
#ifndef DYNAPC_SST_JSON_H
#define DYNAPC_SST_JSON_H

#include <stddef.h>
#include <stdint.h>

enum json_tok {
    JSON_ERROR = -1,
    JSON_EOF = 0,
    JSON_OBJ_BEGIN,
    JSON_OBJ_END,
    JSON_ARR_BEGIN,
    JSON_ARR_END,
    JSON_KEY,
    JSON_STRING,
    JSON_NUMBER,
    JSON_TRUE,
    JSON_FALSE,
    JSON_NULL,
};

struct json_reader;

/* NULL if the file cannot be opened (errno says why) */
struct json_reader *json_open(const char *path);
void json_close(struct json_reader *r);

enum json_tok json_next(struct json_reader *r);

/* the text of the last JSON_KEY or JSON_STRING (NUL-terminated) */
const char *json_str(const struct json_reader *r);
size_t json_str_len(const struct json_reader *r);
/* the value of the last JSON_NUMBER */
int64_t json_int(const struct json_reader *r);
double json_double(const struct json_reader *r);

/* skip the rest of a value whose first token was first (for a scalar there
 * is nothing left); returns JSON_ERROR on a malformed or truncated file */
enum json_tok json_skip(struct json_reader *r, enum json_tok first);

/* after JSON_ERROR: one line naming the file, the byte offset and the problem */
const char *json_error(const struct json_reader *r);

#endif
