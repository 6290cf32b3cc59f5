/* physmem.c - guest-physical address space (see physmem.h). */
#include "devices/physmem.h"

#include <stdlib.h>
#include <string.h>

#include "devices/bus.h"

int physmem_init(struct physmem *pm, struct bus *bus, uint64_t ram_size)
{
    memset(pm, 0, sizeof *pm);
    /* one spare page so a 4 KB-aligned host read past the end never faults */
    pm->ram = calloc(1, ram_size + 4096);
    if (!pm->ram)
        return -1;
    pm->ram_size = ram_size;
    pm->ram_hole_lo = 0xA0000;
    pm->ram_hole_hi = 0x100000;
    pm->bus = bus;
    pm->a20_mask = 0xFFFFFFFFu;
    return 0;
}

void physmem_destroy(struct physmem *pm)
{
    for (int i = 0; i < pm->nroms; i++)
        free(pm->roms[i].data);
    free(pm->ram);
    memset(pm, 0, sizeof *pm);
}

int physmem_add_rom(struct physmem *pm, uint64_t base, const uint8_t *data, uint64_t size, const char *name)
{
    if (pm->nroms == PHYSMEM_MAX_ROMS || (base | size) & 0xFFF)
        return -1;
    uint8_t *copy = malloc(size);
    if (!copy)
        return -1;
    memcpy(copy, data, size);
    pm->roms[pm->nroms++] = (struct physmem_rom){base, size, copy, name};
    return 0;
}

struct physmem_page physmem_lookup(const struct physmem *pm, uint32_t paddr)
{
    struct physmem_page pg = {NULL, false, false};
    paddr &= pm->a20_mask & ~0xFFFu;
    for (int i = 0; i < pm->nroms; i++) {
        const struct physmem_rom *r = &pm->roms[i];
        if (paddr >= r->base && paddr - r->base < r->size) {
            pg.host = r->data + (paddr - r->base);
            return pg;
        }
    }
    if (paddr < pm->ram_size && !(paddr >= pm->ram_hole_lo && paddr < pm->ram_hole_hi)) {
        pg.host = pm->ram + paddr;
        pg.writable = true;
        pg.is_ram = true;
    }
    return pg;
}

uint64_t physmem_read(struct physmem *pm, uint32_t paddr, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size;) {
        uint32_t a = (paddr + i) & pm->a20_mask;
        struct physmem_page pg = physmem_lookup(pm, a);
        if (pg.host) {
            v |= (uint64_t)pg.host[a & 0xFFF] << (i * 8);
            i++;
        } else {
            unsigned left = size - i;
            unsigned in_page = 0x1000 - (a & 0xFFF);
            unsigned s = left < in_page ? left : in_page;
            s = s >= 8 ? 8 : s >= 4 ? 4 : s >= 2 ? 2 : 1;
            v |= bus_read(pm->bus, BUS_MEM, a, s) << (i * 8);
            i += s;
        }
    }
    return v;
}

void physmem_write(struct physmem *pm, uint32_t paddr, uint64_t value, unsigned size)
{
    for (unsigned i = 0; i < size;) {
        uint32_t a = (paddr + i) & pm->a20_mask;
        struct physmem_page pg = physmem_lookup(pm, a);
        if (pg.host) {
            if (pg.writable) {
                pg.host[a & 0xFFF] = (uint8_t)(value >> (i * 8));
                if (pm->ram_written)
                    pm->ram_written(pm->ram_written_opaque, a, 1);
            }
            i++;
        } else {
            unsigned left = size - i;
            unsigned in_page = 0x1000 - (a & 0xFFF);
            unsigned s = left < in_page ? left : in_page;
            s = s >= 8 ? 8 : s >= 4 ? 4 : s >= 2 ? 2 : 1;
            bus_write(pm->bus, BUS_MEM, a, value >> (i * 8), s);
            i += s;
        }
    }
}
