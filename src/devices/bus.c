/* bus.c - port I/O and MMIO dispatch (see bus.h). */
#include "devices/bus.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bus_region {
    uint64_t base, size;
    const struct bus_ops *ops;
    void *opaque;
    char name[48];
};

struct bus_space_map {
    struct bus_region *regions; /* sorted by base, non-overlapping */
    int n, cap;
};

struct bus {
    struct bus_space_map space[2];
    /* port -> region index + 1 (0 = unclaimed), rebuilt on every map */
    uint16_t io_index[65536];
    char error[256];
};

struct bus *bus_new(void)
{
    return calloc(1, sizeof(struct bus));
}

void bus_free(struct bus *bus)
{
    if (!bus)
        return;
    free(bus->space[BUS_IO].regions);
    free(bus->space[BUS_MEM].regions);
    free(bus);
}

const char *bus_error(const struct bus *bus)
{
    return bus->error;
}

static void rebuild_io_index(struct bus *bus)
{
    const struct bus_space_map *m = &bus->space[BUS_IO];
    memset(bus->io_index, 0, sizeof bus->io_index);
    for (int i = 0; i < m->n; i++)
        for (uint64_t p = m->regions[i].base; p < m->regions[i].base + m->regions[i].size; p++)
            bus->io_index[p] = (uint16_t)(i + 1);
}

static const char *space_name(enum bus_space s)
{
    return s == BUS_IO ? "port" : "MMIO";
}

int bus_map(struct bus *bus, enum bus_space space, uint64_t base, uint64_t size, const struct bus_ops *ops,
            void *opaque, const char *name)
{
    struct bus_space_map *m = &bus->space[space];
    uint64_t limit = space == BUS_IO ? 0x10000 : UINT64_MAX;
    if (size == 0 || base > limit || size > limit - base) {
        snprintf(bus->error, sizeof bus->error, "bus: '%s' has a bad %s range 0x%" PRIx64 "+0x%" PRIx64, name,
                 space_name(space), base, size);
        return -1;
    }
    int pos = 0;
    for (int i = 0; i < m->n; i++) {
        const struct bus_region *r = &m->regions[i];
        if (base < r->base + r->size && r->base < base + size) {
            snprintf(bus->error, sizeof bus->error,
                     "bus: '%s' at %s 0x%" PRIx64 "-0x%" PRIx64 " overlaps '%s' at 0x%" PRIx64 "-0x%" PRIx64,
                     name, space_name(space), base, base + size - 1, r->name, r->base, r->base + r->size - 1);
            return -1;
        }
        if (r->base < base)
            pos = i + 1;
    }
    if (m->n == m->cap) {
        int cap = m->cap ? m->cap * 2 : 16;
        struct bus_region *nr = realloc(m->regions, (size_t)cap * sizeof *nr);
        if (!nr) {
            snprintf(bus->error, sizeof bus->error, "bus: out of memory mapping '%s'", name);
            return -1;
        }
        m->regions = nr;
        m->cap = cap;
    }
    memmove(&m->regions[pos + 1], &m->regions[pos], (size_t)(m->n - pos) * sizeof m->regions[0]);
    struct bus_region *r = &m->regions[pos];
    r->base = base;
    r->size = size;
    r->ops = ops;
    r->opaque = opaque;
    snprintf(r->name, sizeof r->name, "%s", name);
    m->n++;
    if (space == BUS_IO)
        rebuild_io_index(bus);
    return 0;
}

void bus_unmap(struct bus *bus, enum bus_space space, uint64_t base)
{
    struct bus_space_map *m = &bus->space[space];
    for (int i = 0; i < m->n; i++) {
        if (m->regions[i].base == base) {
            memmove(&m->regions[i], &m->regions[i + 1], (size_t)(m->n - i - 1) * sizeof m->regions[0]);
            m->n--;
            break;
        }
    }
    if (space == BUS_IO)
        rebuild_io_index(bus);
}

static struct bus_region *find(const struct bus *bus, enum bus_space space, uint64_t addr)
{
    if (space == BUS_IO) {
        if (addr > 0xFFFF)
            return NULL;
        unsigned i = bus->io_index[addr];
        return i ? &bus->space[BUS_IO].regions[i - 1] : NULL;
    }
    const struct bus_space_map *m = &bus->space[space];
    int lo = 0, hi = m->n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        struct bus_region *r = &m->regions[mid];
        if (addr < r->base)
            hi = mid - 1;
        else if (addr - r->base >= r->size)
            lo = mid + 1;
        else
            return r;
    }
    return NULL;
}

const char *bus_owner(const struct bus *bus, enum bus_space space, uint64_t addr)
{
    const struct bus_region *r = find(bus, space, addr);
    return r ? r->name : NULL;
}

static unsigned widths_of(const struct bus_region *r)
{
    return r->ops->widths ? r->ops->widths : BUS_W8;
}

/* Does region r take an access of `size` at addr in one call?  Only
 * power-of-two sizes can match a declared width (BUS_W8 | BUS_W16 would
 * otherwise "accept" 3 bytes). */
static int whole(const struct bus_region *r, uint64_t addr, unsigned size)
{
    return size && !(size & (size - 1)) && (widths_of(r) & size) && addr - r->base + size <= r->size;
}

/* Largest power-of-two piece <= size that the region takes whole at addr,
 * else 1.  The search starts at the remaining size itself: after the first
 * piece of a split, the rest may well fit the next region in one access.
 * A lone byte that the region does not accept (it declares no byte width)
 * is open bus: the bus never widens an access, because a wider read or a
 * read-modify-write could have side effects the guest did not ask for. */
static unsigned piece_size(const struct bus_region *r, uint64_t addr, unsigned size)
{
    unsigned s = 8;
    while (s > size)
        s /= 2;
    for (; s > 1; s /= 2)
        if (whole(r, addr, s))
            return s;
    return 1;
}

uint64_t bus_read(struct bus *bus, enum bus_space space, uint64_t addr, unsigned size)
{
    struct bus_region *r = find(bus, space, addr);
    if (r && whole(r, addr, size)) {
        uint64_t v = r->ops->read ? r->ops->read(r->opaque, addr - r->base, size) : ~0ull;
        return size == 8 ? v : v & ((1ull << (size * 8)) - 1);
    }
    if (size == 1)
        return 0xFF; /* open bus; or a byte the region does not accept */
    /* split: little-endian pieces, each routed on its own */
    uint64_t v = 0;
    for (unsigned done = 0; done < size;) {
        struct bus_region *pr = find(bus, space, addr + done);
        unsigned s = pr ? piece_size(pr, addr + done, size - done) : 1;
        v |= bus_read(bus, space, addr + done, s) << (done * 8);
        done += s;
    }
    return v;
}

void bus_write(struct bus *bus, enum bus_space space, uint64_t addr, uint64_t value, unsigned size)
{
    struct bus_region *r = find(bus, space, addr);
    if (r && whole(r, addr, size)) {
        if (r->ops->write)
            r->ops->write(r->opaque, addr - r->base, size == 8 ? value : value & ((1ull << (size * 8)) - 1),
                          size);
        return;
    }
    if (size == 1)
        return; /* open bus, or a byte the region does not accept: dropped */
    for (unsigned done = 0; done < size;) {
        struct bus_region *pr = find(bus, space, addr + done);
        unsigned s = pr ? piece_size(pr, addr + done, size - done) : 1;
        bus_write(bus, space, addr + done, (value >> (done * 8)) & ((1ull << (s * 8)) - 1), s);
        done += s;
    }
}
