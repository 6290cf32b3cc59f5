/* multiboot.h - Multiboot v1 kernel loader (-kernel/-append/-initrd for
 * Multiboot kernels), per "Multiboot Specification version 0.6.96".
 *
 * The loader writes the kernel, its modules and the boot information straight
 * into guest RAM; it knows nothing else about the machine.  The board then
 * starts the CPU in the state of spec section 3.2 (flat 32-bit protected mode,
 * paging off, IF=0, A20 on) at boot.entry with EAX and EBX from boot.
 *
 * What the guest receives (matching QEMU's loader unless noted):
 *   flags       MEM | BOOTDEV | CMDLINE | MODS | MMAP | LOADER_NAME (0x24F)
 *   mem_lower   639 KB, mem_upper (min(RAM, 4 GB) - 1 MB) / 1 KB
 *   boot_device 0x8000FFFF (first hard disk, no partition), as QEMU
 *   cmdline     "<kernel path> <cmdline>" (QEMU's format, so "<path> " when
 *               cmdline is NULL)
 *   modules     page aligned from the first page after the kernel's highest
 *               byte; mod_end is exclusive; string = the whole -initrd entry
 *               ("file args": the file name ends at the first space, ",,"
 *               is a literal comma), as QEMU
 *   mmap        [0, 0x9FC00) RAM, [0x9FC00, 0xA0000) reserved (EBDA),
 *               [0xF0000, 0x100000) reserved (BIOS), [1 MB, RAM end) RAM
 *   loader name "dynapc"
 * The memory map sits at 0x9000 and the info structure at 0x9500 (QEMU's
 * addresses), followed by the module list and strings, unless the kernel or
 * a module covers that area; then all of it goes to the first page after
 * the last module. */
#ifndef DYNAPC_MULTIBOOT_H
#define DYNAPC_MULTIBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MULTIBOOT_HEADER_MAGIC     0x1BADB002u
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u
#define MULTIBOOT_SEARCH_LIMIT     8192 /* the header lies in the file's first 8 KB */

/* multiboot_info.flags bits (spec 3.3) */
#define MULTIBOOT_INFO_MEMORY      (1u << 0)
#define MULTIBOOT_INFO_BOOTDEV     (1u << 1)
#define MULTIBOOT_INFO_CMDLINE     (1u << 2)
#define MULTIBOOT_INFO_MODS        (1u << 3)
#define MULTIBOOT_INFO_MEM_MAP     (1u << 6)
#define MULTIBOOT_INFO_LOADER_NAME (1u << 9)

/* byte offsets inside the multiboot_info structure (spec 3.3) */
#define MBI_FLAGS            0
#define MBI_MEM_LOWER        4
#define MBI_MEM_UPPER        8
#define MBI_BOOT_DEVICE      12
#define MBI_CMDLINE          16
#define MBI_MODS_COUNT       20
#define MBI_MODS_ADDR        24
#define MBI_MMAP_LENGTH      44
#define MBI_MMAP_ADDR        48
#define MBI_BOOT_LOADER_NAME 64
#define MBI_SIZE             116 /* up to the end of the 0.6.96 framebuffer fields */

/* one module list entry: mod_start, mod_end, string, reserved */
#define MB_MOD_START  0
#define MB_MOD_END    4
#define MB_MOD_STRING 8
#define MB_MOD_SIZE   16

/* one memory map entry: size (20, excludes itself), base_addr, length, type */
#define MB_MMAP_SIZE       0
#define MB_MMAP_BASE       4
#define MB_MMAP_LENGTH     12
#define MB_MMAP_TYPE       20
#define MB_MMAP_ENTRY_SIZE 24
#define MB_MMAP_AVAILABLE  1
#define MB_MMAP_RESERVED   2

struct multiboot_boot {
    uint32_t entry; /* EIP to start at */
    uint32_t eax;   /* MULTIBOOT_BOOTLOADER_MAGIC */
    uint32_t ebx;   /* physical address of the multiboot_info structure */
};

/* Loads kernel_path (plus the comma-separated module list initrd, may be
 * NULL) into ram = guest RAM [0, ram_size) and builds the boot information.
 * cmdline may be NULL.  Returns 0, or -1 with one line naming the file and
 * the reason in err (RAM may then be partly written). */
int multiboot_load(uint8_t *ram, uint64_t ram_size, const char *kernel_path, const char *cmdline,
                   const char *initrd, struct multiboot_boot *out, char *err, size_t errlen);

/* true if the file has a valid Multiboot v1 header in its first 8 KB */
bool multiboot_probe(const char *kernel_path);

#endif
