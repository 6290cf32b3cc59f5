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

static uint8_t *rom_at(const struct physmem *pm, uint32_t paddr)
{
    for (int i = 0; i < pm->nroms; i++) {
        const struct physmem_rom *r = &pm->roms[i];
        if (paddr >= r->base && paddr - r->base < r->size)
            return r->data + (paddr - r->base);
    }
    return NULL;
}

struct physmem_page physmem_lookup(const struct physmem *pm, uint32_t paddr)
{
    struct physmem_page pg = {NULL, NULL, false, false};
    paddr &= pm->a20_mask & ~0xFFFu;
    uint8_t *ram = paddr < pm->ram_size ? pm->ram + paddr : NULL;
    if (paddr >= PHYSMEM_PAM_BASE && paddr < 0x100000 && pm->ram_hole_hi > PHYSMEM_PAM_BASE) {
        uint8_t mode = pm->pam[(paddr - PHYSMEM_PAM_BASE) >> 14];
        uint8_t *rom = rom_at(pm, paddr);
        pg.host = (mode & PAM_READ_RAM) ? ram : rom;
        pg.host_w = (mode & PAM_WRITE_RAM) ? ram : NULL;
        pg.writable = pg.host && pg.host == pg.host_w;
        pg.is_ram = pg.writable;
        return pg;
    }
    uint8_t *rom = rom_at(pm, paddr);
    if (rom) {
        pg.host = rom;
        return pg;
    }
    if (ram && !(paddr >= pm->ram_hole_lo && paddr < pm->ram_hole_hi)) {
        pg.host = pg.host_w = ram;
        pg.writable = true;
        pg.is_ram = true;
    }
    return pg;
}

void physmem_set_pam(struct physmem *pm, int block, uint8_t mode)
{
    if (block < 0 || block >= PHYSMEM_PAM_BLOCKS || pm->pam[block] == mode)
        return;
    pm->pam[block] = mode;
    if (pm->map_changed)
        pm->map_changed(pm->map_changed_opaque);
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
        if (pg.host || pg.host_w) {
            if (pg.host_w) {
                pg.host_w[a & 0xFFF] = (uint8_t)(value >> (i * 8));
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
