/* physmem.h - the guest-physical address space as the CPU sees it: RAM, ROM
 * regions (read-only host buffers), and everything else through the bus as
 * MMIO.  The A20 gate masks bit 20 of every physical address. */
#ifndef DYNAPC_PHYSMEM_H
#define DYNAPC_PHYSMEM_H

#include <stdbool.h>
#include <stdint.h>

struct bus;

#define PHYSMEM_MAX_ROMS 8

/* PAM (i440FX "Programmable Attribute Map"): each 16 KB block of
 * C0000h-FFFFFh reads from RAM or from ROM/PCI, and writes to RAM or to
 * ROM/PCI (Intel 82441FX datasheet, PAM0-PAM6 registers) */
enum { PAM_READ_RAM = 1, PAM_WRITE_RAM = 2 };
#define PHYSMEM_PAM_BASE   0xC0000u
#define PHYSMEM_PAM_BLOCKS 16

struct physmem_rom {
    uint64_t base, size;
    uint8_t *data;
    const char *name;
};

struct physmem {
    uint8_t *ram;
    uint64_t ram_size; /* RAM is [0, ram_size) minus the holes the board maps over */
    /* [lo,hi) is not RAM (the legacy VGA/ROM window, 640 KB - 1 MB, by
     * default); setting both to 0 makes all of [0, ram_size) RAM, as the
     * conformance tests want */
    uint64_t ram_hole_lo, ram_hole_hi;
    struct physmem_rom roms[PHYSMEM_MAX_ROMS];
    int nroms;
    struct bus *bus;
    uint32_t a20_mask; /* 0xFFFFFFFF or 0xFFEFFFFF */
                       /* called after physmem_write() changes RAM, so the CPU can drop
                        * translations of code that was overwritten (DMA, loaders, A/D bits) */
    void (*ram_written)(void *opaque, uint32_t paddr, unsigned size);
    void *ram_written_opaque;
    /* called when what a physical address means changes (PAM), so the CPU
     * can drop its translations and TLB */
    void (*map_changed)(void *opaque);
    void *map_changed_opaque;
    uint8_t pam[PHYSMEM_PAM_BLOCKS]; /* PAM_* per 16 KB block; 0 = ROM/PCI for both */
};

/* set the attributes of one 16 KB block (index 0 = C0000h) */
void physmem_set_pam(struct physmem *pm, int block, uint8_t mode);

/* What a physical page is, for the CPU's TLB: a host pointer to the start of
 * the 4 KB page (RAM or ROM), or NULL for MMIO/open bus. */
struct physmem_page {
    uint8_t *host;   /* where reads go (RAM or ROM), or NULL: MMIO / open bus */
    uint8_t *host_w; /* where writes go, or NULL: dropped (ROM) or MMIO (host == NULL too) */
    bool writable;   /* reads and writes hit the same RAM: a TLB may map it for writes */
    bool is_ram;
};

int physmem_init(struct physmem *pm, struct bus *bus, uint64_t ram_size);
void physmem_destroy(struct physmem *pm);
/* registers a ROM copy at base (size a multiple of 4 KB); -1 if no room */
int physmem_add_rom(struct physmem *pm, uint64_t base, const uint8_t *data, uint64_t size, const char *name);
struct physmem_page physmem_lookup(const struct physmem *pm, uint32_t paddr);

/* slow, general access used by loaders, DMA and the CPU's MMIO path */
uint64_t physmem_read(struct physmem *pm, uint32_t paddr, unsigned size);
void physmem_write(struct physmem *pm, uint32_t paddr, uint64_t value, unsigned size);

#endif
