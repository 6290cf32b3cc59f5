/* decode.h - decode one guest instruction into a struct op, driven by the
 * instruction table. */
#ifndef DYNAPC_DECODE_H
#define DYNAPC_DECODE_H

#include <stdint.h>

#include "cpu/insn_table.h"

/* byte source: returns the byte at CS offset eip, or -1 if it cannot be
 * fetched (page not present); the decoder then gives up */
struct fetch {
    int (*byte)(void *ctx, uint32_t eip);
    void *ctx;
};

enum decode_status { DEC_OK, DEC_FETCH_FAIL, DEC_TOO_LONG };

struct decoded {
    const struct insn_def *def; /* NULL: invalid opcode (op is set up to raise #UD) */
    uint8_t bytes[16];
    int len;
};

/* cs32: default operand/address size 32; ss32 decides nothing here (stack
 * width is read at run time).  Fills op (handler, fields, eip, len). */
enum decode_status decode_insn(const struct fetch *f, uint32_t eip, int cs32, struct op *op,
                               struct decoded *d);
/* the same for a given CPU model: the 8086 and 286 lack the 386's
 * prefixes and 0F opcodes, and the 8086 has its own aliases (see decode.c) */
enum decode_status decode_insn_model(const struct fetch *f, uint32_t eip, int cs32, enum cpu_model model,
                                     struct op *op, struct decoded *d);

#endif
