/* bus.h - one bus for port I/O and MMIO.
 *
 * Regions are claimed with an ops table (read/write taking an opaque pointer,
 * an offset into the region and an access size) and the set of widths they
 * accept.  The bus splits an access that a region cannot take at once (or
 * that straddles two regions) into smaller little-endian pieces, returns
 * open-bus bytes (0xFF) where nothing is claimed, and refuses overlapping
 * claims with a message naming both claimants. */
#ifndef DYNAPC_BUS_H
#define DYNAPC_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum bus_space { BUS_IO, BUS_MEM };

/* widths a region accepts: bit set for each size in bytes */
#define BUS_W8   1u
#define BUS_W16  2u
#define BUS_W32  4u
#define BUS_W64  8u
#define BUS_WALL (BUS_W8 | BUS_W16 | BUS_W32 | BUS_W64)

struct bus_ops {
    uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
    void (*write)(void *opaque, uint64_t offset, uint64_t value, unsigned size);
    unsigned widths; /* BUS_W* mask; 0 means BUS_W8 only */
};

struct bus;

struct bus *bus_new(void);
void bus_free(struct bus *bus);

/* Claim [base, base+size) in a space.  Returns 0, or -1 on overlap or a bad
 * range; bus_error() then holds one line naming both claimants. */
int bus_map(struct bus *bus, enum bus_space space, uint64_t base, uint64_t size, const struct bus_ops *ops,
            void *opaque, const char *name);
void bus_unmap(struct bus *bus, enum bus_space space, uint64_t base);
const char *bus_error(const struct bus *bus);

/* Name of the region claiming addr, or NULL. */
const char *bus_owner(const struct bus *bus, enum bus_space space, uint64_t addr);

uint64_t bus_read(struct bus *bus, enum bus_space space, uint64_t addr, unsigned size);
void bus_write(struct bus *bus, enum bus_space space, uint64_t addr, uint64_t value, unsigned size);

static inline uint32_t bus_in(struct bus *bus, uint16_t port, unsigned size)
{
    return (uint32_t)bus_read(bus, BUS_IO, port, size);
}

static inline void bus_out(struct bus *bus, uint16_t port, uint32_t value, unsigned size)
{
    bus_write(bus, BUS_IO, port, value, size);
}

#endif
