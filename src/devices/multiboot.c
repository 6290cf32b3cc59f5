/* multiboot.c - Multiboot v1 loader (see multiboot.h).
 *
 * Everything is validated before RAM is touched: the header, every segment
 * against the file size and RAM, every module's size and place, the boot
 * information area.  Only an I/O error while copying can leave RAM partly
 * written.  All guest memory is written little-endian byte by byte, so big-
 * endian hosts get the same guest image. */
#include "devices/multiboot.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MB_HEADER_MIN_LEN   12 /* magic, flags, checksum */
#define MB_HEADER_ADDR_LEN  32 /* + the a.out kludge address fields (flag 16) */
#define MB_FLAG_PAGE_ALIGN  (1u << 0)
#define MB_FLAG_MEMORY_INFO (1u << 1)
#define MB_FLAG_VIDEO_MODE  (1u << 2)
#define MB_FLAG_AOUT_KLUDGE (1u << 16)
/* required-feature bits (0-15) this loader can honour; 0 and 1 always are,
 * 2 (video mode) is allowed and ignored: no vbe_* fields are passed */
#define MB_FLAGS_SUPPORTED (MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO | MB_FLAG_VIDEO_MODE)

#define PAGE_SIZE   0x1000u
#define LOW_MEM_KB  639      /* conventional memory below the 1 KB EBDA, as SeaBIOS reports */
#define EBDA_START  0x9FC00u /* from here to 1 MB: EBDA, VGA window, option ROMs, BIOS */
#define BIOS_START  0xF0000u
#define HIGH_START  0x100000u
#define GUEST_LIMIT 0x100000000ull /* 32-bit physical addresses */

/* Boot information area: memory map at +0 and info structure at +0x500, as
 * QEMU lays them out at 0x9000, then the module list, then the strings. */
#define INFO_LOW_BASE    0x9000u
#define INFO_MMAP_OFF    0x000u
#define INFO_MBI_OFF     0x500u
#define INFO_MODS_OFF    (INFO_MBI_OFF + 128u)
#define INFO_MMAP_MAX    4
#define BOOT_LOADER_NAME "dynapc"

struct mb_header {
    uint32_t offset; /* in the file */
    uint32_t flags;
    uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr; /* flag 16 only */
};

#define PHDR_TABLE_MAX (1u << 20) /* real kernels have a handful of program headers */

struct elf_info {
    uint32_t entry, phoff;
    unsigned phentsize, phnum;
    uint8_t *phdrs; /* the program header table, read once (malloc'd) */
};

struct mb_module {
    char *string; /* the whole -initrd entry, passed to the guest */
    char *path;   /* the file: the entry up to its first space */
    int fd;
    uint64_t size, addr;
};

struct mb_loader {
    uint8_t *ram;
    uint64_t ram_size;
    const char *kernel_path;
    char *err;
    size_t errlen;
    int fd;
    uint64_t file_size;
    struct mb_header hdr;
    struct elf_info elf;
    uint64_t kernel_end; /* one past the highest byte of any segment (bss included) */
    uint64_t info_base;  /* boot information area [info_base, info_base + info_size) */
    uint64_t info_size;
    bool info_low_free; /* the area at INFO_LOW_BASE overlaps nothing loaded */
    struct mb_module *mods;
    unsigned nmods;
    char *kernel_cmdline; /* "<kernel path> <cmdline>" */
};

static uint32_t get16(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8;
}
static uint32_t get32(const uint8_t *p)
{
    return get16(p) | get16(p + 2) << 16;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = v;
    p[1] = v >> 8;
    p[2] = v >> 16;
    p[3] = v >> 24;
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t page_align(uint64_t x)
{
    return (x + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return alen && blen && a < b + blen && b < a + alen;
}

static int fail(struct mb_loader *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct mb_loader *ld, const char *fmt, ...)
{
    if (ld->err && ld->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ld->err, ld->errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* "64 MB" or "1500 KB" */
static void describe_ram(uint64_t ram_size, char *buf, size_t len)
{
    if (ram_size % (1024 * 1024) == 0)
        snprintf(buf, len, "%" PRIu64 " MB", ram_size >> 20);
    else
        snprintf(buf, len, "%" PRIu64 " KB", ram_size >> 10);
}

/* Reads exactly len bytes at off.  0, or -1 with errno set (0 = end of file). */
static int read_at(int fd, uint64_t off, void *dst, uint64_t len)
{
    uint8_t *p = dst;
    while (len) {
        size_t chunk = len > (1u << 30) ? (1u << 30) : (size_t)len;
        ssize_t n = pread(fd, p, chunk, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = 0;
            return -1;
        }
        p += n;
        off += (uint64_t)n;
        len -= (uint64_t)n;
    }
    return 0;
}

static const char *read_error(void)
{
    return errno ? strerror(errno) : "unexpected end of file";
}

/* Offset of the first valid header (magic, 4-byte aligned, checksum) in
 * buf[0, len), or -1. */
static long find_header(const uint8_t *buf, size_t len)
{
    for (size_t off = 0; off + MB_HEADER_MIN_LEN <= len; off += 4) {
        uint32_t magic = get32(buf + off);
        if (magic == MULTIBOOT_HEADER_MAGIC &&
            (uint32_t)(magic + get32(buf + off + 4) + get32(buf + off + 8)) == 0)
            return (long)off;
    }
    return -1;
}

/* Opens path and reads up to the first 8 KB; -1 with errno on failure. */
static int open_and_read_head(const char *path, uint8_t *head, size_t *head_len, uint64_t *file_size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) < 0)
        goto fail;
    if (S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        goto fail;
    }
    *file_size = (uint64_t)st.st_size;
    *head_len = *file_size < MULTIBOOT_SEARCH_LIMIT ? (size_t)*file_size : MULTIBOOT_SEARCH_LIMIT;
    if (read_at(fd, 0, head, *head_len) < 0) {
        if (!errno)
            errno = EIO;
        goto fail;
    }
    return fd;
fail:;
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

bool multiboot_probe(const char *kernel_path)
{
    uint8_t head[MULTIBOOT_SEARCH_LIMIT];
    size_t head_len;
    uint64_t file_size;
    int fd = open_and_read_head(kernel_path, head, &head_len, &file_size);
    if (fd < 0)
        return false;
    close(fd);
    return find_header(head, head_len) >= 0;
}

static int parse_header(struct mb_loader *ld)
{
    uint8_t head[MULTIBOOT_SEARCH_LIMIT];
    size_t head_len;
    ld->fd = open_and_read_head(ld->kernel_path, head, &head_len, &ld->file_size);
    if (ld->fd < 0)
        return fail(ld, "-kernel %s: %s", ld->kernel_path, strerror(errno));
    long off = find_header(head, head_len);
    if (off < 0)
        return fail(ld, "-kernel %s: no Multiboot header in the first %d bytes", ld->kernel_path,
                    MULTIBOOT_SEARCH_LIMIT);
    struct mb_header *h = &ld->hdr;
    h->offset = (uint32_t)off;
    h->flags = get32(head + off + 4);
    uint32_t unsupported = h->flags & 0xFFFFu & ~MB_FLAGS_SUPPORTED;
    if (unsupported)
        return fail(ld,
                    "-kernel %s: Multiboot header requires unsupported features "
                    "(flags 0x%08" PRIx32 ", unknown required bits 0x%04" PRIx32 ")",
                    ld->kernel_path, h->flags, unsupported);
    if (h->flags & MB_FLAG_AOUT_KLUDGE) {
        if ((size_t)off + MB_HEADER_ADDR_LEN > head_len)
            return fail(
                ld, "-kernel %s: Multiboot header at 0x%lx sets flag 16 but its address fields end past %s",
                ld->kernel_path, off, head_len < MULTIBOOT_SEARCH_LIMIT ? "the end of the file" : "8 KB");
        h->header_addr = get32(head + off + 12);
        h->load_addr = get32(head + off + 16);
        h->load_end_addr = get32(head + off + 20);
        h->bss_end_addr = get32(head + off + 24);
        h->entry_addr = get32(head + off + 28);
    }
    return 0;
}

/* [addr, addr + size) must be guest RAM outside the EBDA/ROM hole. */
static int check_placement(struct mb_loader *ld, const char *flag, const char *path, const char *what,
                           uint64_t addr, uint64_t size)
{
    uint64_t limit = ld->ram_size < GUEST_LIMIT ? ld->ram_size : GUEST_LIMIT;
    if (addr > limit || size > limit - addr) {
        char ram[32];
        describe_ram(ld->ram_size, ram, sizeof ram);
        if (ld->ram_size > GUEST_LIMIT)
            snprintf(ram, sizeof ram, "the 4 GB address space");
        else
            strncat(ram, " of RAM", sizeof ram - strlen(ram) - 1);
        return fail(ld, "%s %s: %s at 0x%" PRIx64 " (+0x%" PRIx64 " bytes) does not fit in %s", flag, path,
                    what, addr, size, ram);
    }
    if (ranges_overlap(addr, size, EBDA_START, HIGH_START - EBDA_START))
        return fail(ld,
                    "%s %s: %s at 0x%" PRIx64 " (+0x%" PRIx64 " bytes) overlaps the EBDA/VGA/BIOS area "
                    "[0x9fc00, 0x100000)",
                    flag, path, what, addr, size);
    return 0;
}

/* Accounts for one piece of the kernel image in RAM. */
static void note_kernel_range(struct mb_loader *ld, uint64_t addr, uint64_t size)
{
    if (addr + size > ld->kernel_end)
        ld->kernel_end = addr + size;
    if (ranges_overlap(addr, size, INFO_LOW_BASE, ld->info_size))
        ld->info_low_free = false;
}

/* ---- a.out kludge (header flag 16, spec 3.1.3) ---- */

struct aout_plan {
    uint64_t file_offset, load_size, mem_size;
};

static int plan_aout(struct mb_loader *ld, struct aout_plan *p)
{
    const struct mb_header *h = &ld->hdr;
    const char *k = ld->kernel_path;
    if (h->header_addr < h->load_addr)
        return fail(ld, "-kernel %s: a.out kludge: header_addr 0x%" PRIx32 " is below load_addr 0x%" PRIx32,
                    k, h->header_addr, h->load_addr);
    if (h->header_addr - h->load_addr > h->offset)
        return fail(ld,
                    "-kernel %s: a.out kludge: load_addr 0x%" PRIx32 " is 0x%" PRIx32
                    " bytes before the header but the header is at file offset 0x%" PRIx32,
                    k, h->load_addr, h->header_addr - h->load_addr, h->offset);
    p->file_offset = h->offset - (h->header_addr - h->load_addr);
    if (h->load_end_addr) {
        if (h->load_end_addr < h->load_addr)
            return fail(ld,
                        "-kernel %s: a.out kludge: load_end_addr 0x%" PRIx32 " is below load_addr 0x%" PRIx32,
                        k, h->load_end_addr, h->load_addr);
        p->load_size = h->load_end_addr - h->load_addr;
        if (p->file_offset + p->load_size > ld->file_size)
            return fail(ld,
                        "-kernel %s: a.out kludge: image needs 0x%" PRIx64
                        " bytes from file offset 0x%" PRIx64 " but the file has 0x%" PRIx64
                        " bytes (truncated?)",
                        k, p->load_size, p->file_offset, ld->file_size);
    } else {
        p->load_size = ld->file_size - p->file_offset;
    }
    p->mem_size = p->load_size;
    if (h->bss_end_addr) {
        if (h->bss_end_addr < h->load_addr + p->load_size)
            return fail(ld,
                        "-kernel %s: a.out kludge: bss_end_addr 0x%" PRIx32
                        " is below the end of the loaded image "
                        "0x%" PRIx64,
                        k, h->bss_end_addr, h->load_addr + p->load_size);
        p->mem_size = h->bss_end_addr - h->load_addr;
    }
    if (p->mem_size == 0)
        return fail(ld, "-kernel %s: a.out kludge: the image is empty", k);
    if (check_placement(ld, "-kernel", k, "segment", h->load_addr, p->mem_size) < 0)
        return -1;
    note_kernel_range(ld, h->load_addr, p->mem_size);
    return 0;
}

static int load_aout(struct mb_loader *ld, const struct aout_plan *p)
{
    uint8_t *dst = ld->ram + ld->hdr.load_addr;
    if (read_at(ld->fd, p->file_offset, dst, p->load_size) < 0)
        return fail(ld, "-kernel %s: %s", ld->kernel_path, read_error());
    memset(dst + p->load_size, 0, p->mem_size - p->load_size);
    return 0;
}

/* ---- ELF32 (spec 3.1: the default when flag 16 is clear) ---- */

#define EHDR_SIZE 52
#define PHDR_SIZE 32
#define PT_LOAD   1
#define ET_EXEC   2
#define EM_386    3

struct elf_phdr {
    uint32_t type, offset, vaddr, paddr, filesz, memsz;
};

static void get_phdr(const struct elf_info *e, unsigned i, struct elf_phdr *ph)
{
    const uint8_t *b = e->phdrs + (size_t)i * e->phentsize;
    ph->type = get32(b);
    ph->offset = get32(b + 4);
    ph->vaddr = get32(b + 8);
    ph->paddr = get32(b + 12);
    ph->filesz = get32(b + 16);
    ph->memsz = get32(b + 20);
}

static int plan_elf(struct mb_loader *ld, struct elf_info *e, uint32_t *entry)
{
    const char *k = ld->kernel_path;
    uint8_t eh[EHDR_SIZE];
    if (ld->file_size < EHDR_SIZE || read_at(ld->fd, 0, eh, sizeof eh) < 0 || memcmp(eh, "\177ELF", 4) != 0)
        return fail(
            ld, "-kernel %s: not an ELF file, and the Multiboot header does not set flag 16 (a.out kludge)",
            k);
    if (eh[4] == 2)
        return fail(ld, "-kernel %s: 64-bit ELF; Multiboot v1 loads 32-bit (i386) kernels", k);
    if (eh[4] != 1 || eh[5] != 1)
        return fail(ld, "-kernel %s: ELF class %u, data encoding %u: not a little-endian ELF32 file", k,
                    eh[4], eh[5]);
    if (get16(eh + 18) != EM_386)
        return fail(ld, "-kernel %s: ELF machine %" PRIu32 " is not i386 (3)", k, get16(eh + 18));
    if (get16(eh + 16) != ET_EXEC)
        return fail(ld, "-kernel %s: ELF type %" PRIu32 " is not an executable (ET_EXEC)", k, get16(eh + 16));
    e->entry = get32(eh + 24);
    e->phoff = get32(eh + 28);
    e->phentsize = get16(eh + 42);
    e->phnum = get16(eh + 44);
    if (e->phnum == 0)
        return fail(ld, "-kernel %s: ELF file has no program headers", k);
    if (e->phentsize < PHDR_SIZE)
        return fail(ld, "-kernel %s: ELF program header size %u is below %d", k, e->phentsize, PHDR_SIZE);
    if ((uint64_t)e->phoff + (uint64_t)e->phnum * e->phentsize > ld->file_size)
        return fail(ld,
                    "-kernel %s: ELF program headers (%u at offset 0x%" PRIx32
                    ") run past the end of the file "
                    "(0x%" PRIx64 " bytes; truncated?)",
                    k, e->phnum, e->phoff, ld->file_size);
    size_t table_len = (size_t)e->phnum * e->phentsize;
    if (table_len > PHDR_TABLE_MAX)
        return fail(ld, "-kernel %s: ELF program header table (%u entries of %u bytes) is implausibly large",
                    k, e->phnum, e->phentsize);
    e->phdrs = malloc(table_len);
    if (!e->phdrs)
        return fail(ld, "-kernel %s: out of memory", k);
    if (read_at(ld->fd, e->phoff, e->phdrs, table_len) < 0)
        return fail(ld, "-kernel %s: %s", k, read_error());

    unsigned nload = 0;
    bool entry_mapped = false;
    *entry = e->entry;
    for (unsigned i = 0; i < e->phnum; i++) {
        struct elf_phdr ph;
        get_phdr(e, i, &ph);
        if (ph.type != PT_LOAD || ph.memsz == 0)
            continue;
        if (ph.filesz > ph.memsz)
            return fail(ld, "-kernel %s: ELF segment %u: p_filesz 0x%" PRIx32 " exceeds p_memsz 0x%" PRIx32,
                        k, i, ph.filesz, ph.memsz);
        if ((uint64_t)ph.offset + ph.filesz > ld->file_size)
            return fail(ld,
                        "-kernel %s: ELF segment %u (0x%" PRIx32 " bytes at file offset 0x%" PRIx32
                        ") runs past the end of the file (0x%" PRIx64 " bytes; truncated?)",
                        k, i, ph.filesz, ph.offset, ld->file_size);
        if (check_placement(ld, "-kernel", k, "segment", ph.paddr, ph.memsz) < 0)
            return -1;
        note_kernel_range(ld, ph.paddr, ph.memsz);
        nload++;
        /* e_entry is a virtual address; like GRUB, turn it into a physical
         * one through the segment that holds it (a no-op for kernels linked
         * at their load address, the only kind QEMU starts correctly). */
        if (!entry_mapped && e->entry >= ph.vaddr && e->entry - ph.vaddr < ph.memsz) {
            *entry = e->entry - ph.vaddr + ph.paddr;
            entry_mapped = true;
        }
    }
    if (nload == 0)
        return fail(ld, "-kernel %s: ELF file has no loadable (PT_LOAD) segments", k);
    return 0;
}

static int load_elf(struct mb_loader *ld, const struct elf_info *e)
{
    for (unsigned i = 0; i < e->phnum; i++) {
        struct elf_phdr ph;
        get_phdr(e, i, &ph);
        if (ph.type != PT_LOAD || ph.memsz == 0)
            continue;
        uint8_t *dst = ld->ram + ph.paddr;
        if (read_at(ld->fd, ph.offset, dst, ph.filesz) < 0)
            return fail(ld, "-kernel %s: %s", ld->kernel_path, read_error());
        memset(dst + ph.filesz, 0, ph.memsz - ph.filesz);
    }
    return 0;
}

/* ---- modules and the boot information ---- */

/* Splits "a,b c,d" into entries as QEMU's option parser does: ',' separates,
 * ",," is a literal comma.  The file name ends at the first space. */
static int parse_modules(struct mb_loader *ld, const char *list)
{
    size_t max = 1;
    for (const char *c = list; *c; c++)
        max += *c == ',';
    ld->mods = calloc(max, sizeof *ld->mods);
    if (!ld->mods)
        return fail(ld, "-initrd %s: out of memory", list);
    const char *r = list;
    while (*r) {
        struct mb_module *m = &ld->mods[ld->nmods++];
        m->fd = -1;
        m->string = malloc(strlen(r) + 1);
        if (!m->string)
            return fail(ld, "-initrd %s: out of memory", list);
        size_t n = 0;
        for (; *r; r++) {
            if (*r == ',') {
                if (r[1] != ',')
                    break;
                r++;
            }
            m->string[n++] = *r;
        }
        m->string[n] = '\0';
        if (*r)
            r++;
        m->path = strndup(m->string, strcspn(m->string, " "));
        if (!m->path)
            return fail(ld, "-initrd %s: out of memory", list);
    }
    return 0;
}

/* First address >= start where [addr, addr + size) avoids the EBDA/ROM hole. */
static uint64_t skip_hole(uint64_t start, uint64_t size)
{
    if (ranges_overlap(start, size ? size : 1, EBDA_START, HIGH_START - EBDA_START))
        return HIGH_START;
    return start;
}

static int plan_modules(struct mb_loader *ld)
{
    uint64_t next = page_align(ld->kernel_end);
    for (unsigned i = 0; i < ld->nmods; i++) {
        struct mb_module *m = &ld->mods[i];
        m->fd = open(m->path, O_RDONLY);
        struct stat st;
        if (m->fd < 0 || fstat(m->fd, &st) < 0)
            return fail(ld, "-initrd %s: %s", m->path, strerror(errno));
        if (S_ISDIR(st.st_mode))
            return fail(ld, "-initrd %s: %s", m->path, strerror(EISDIR));
        m->size = (uint64_t)st.st_size;
        /* spec 3.1.2 flag 0 asks for page-aligned modules; they always are */
        m->addr = skip_hole(next, m->size);
        if (check_placement(ld, "-initrd", m->path, "module", m->addr, m->size) < 0)
            return -1;
        if (ranges_overlap(m->addr, m->size, INFO_LOW_BASE, ld->info_size))
            ld->info_low_free = false;
        next = page_align(m->addr + m->size);
    }
    if (ld->info_low_free) {
        ld->info_base = INFO_LOW_BASE;
        return 0;
    }
    ld->info_base = skip_hole(next, ld->info_size);
    return check_placement(ld, "-kernel", ld->kernel_path, "boot information", ld->info_base, ld->info_size);
}

static int load_modules(struct mb_loader *ld)
{
    for (unsigned i = 0; i < ld->nmods; i++) {
        struct mb_module *m = &ld->mods[i];
        if (read_at(m->fd, 0, ld->ram + m->addr, m->size) < 0)
            return fail(ld, "-initrd %s: %s", m->path, read_error());
    }
    return 0;
}

/* Copies s to the string area; returns its guest address. */
static uint32_t put_string(struct mb_loader *ld, uint64_t *at, const char *s)
{
    size_t len = strlen(s) + 1;
    uint32_t addr = (uint32_t)*at;
    memcpy(ld->ram + *at, s, len);
    *at += len;
    return addr;
}

static void write_boot_info(struct mb_loader *ld, struct multiboot_boot *out)
{
    uint64_t base = ld->info_base;
    uint8_t *area = ld->ram + base;
    memset(area, 0, ld->info_size);

    struct {
        uint64_t base, length;
        uint32_t type;
    } map[INFO_MMAP_MAX] = {
        {0, EBDA_START, MB_MMAP_AVAILABLE},
        {EBDA_START, 0xA0000 - EBDA_START, MB_MMAP_RESERVED},
        {BIOS_START, HIGH_START - BIOS_START, MB_MMAP_RESERVED},
        {HIGH_START, ld->ram_size - HIGH_START, MB_MMAP_AVAILABLE},
    };
    uint32_t mmap_length = 0;
    for (int i = 0; i < INFO_MMAP_MAX; i++) {
        if (!map[i].length)
            continue;
        uint8_t *ent = area + INFO_MMAP_OFF + mmap_length;
        put32(ent + MB_MMAP_SIZE, MB_MMAP_ENTRY_SIZE - 4); /* the size field excludes itself */
        put64(ent + MB_MMAP_BASE, map[i].base);
        put64(ent + MB_MMAP_LENGTH, map[i].length);
        put32(ent + MB_MMAP_TYPE, map[i].type);
        mmap_length += MB_MMAP_ENTRY_SIZE;
    }

    uint64_t strings = base + INFO_MODS_OFF + (uint64_t)ld->nmods * MB_MOD_SIZE;
    for (unsigned i = 0; i < ld->nmods; i++) {
        uint8_t *mod = area + INFO_MODS_OFF + i * MB_MOD_SIZE;
        put32(mod + MB_MOD_START, (uint32_t)ld->mods[i].addr);
        put32(mod + MB_MOD_END, (uint32_t)(ld->mods[i].addr + ld->mods[i].size));
        put32(mod + MB_MOD_STRING, put_string(ld, &strings, ld->mods[i].string));
    }

    uint64_t top = ld->ram_size < GUEST_LIMIT ? ld->ram_size : GUEST_LIMIT;
    uint8_t *mbi = area + INFO_MBI_OFF;
    put32(mbi + MBI_FLAGS, MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_BOOTDEV | MULTIBOOT_INFO_CMDLINE |
                               MULTIBOOT_INFO_MODS | MULTIBOOT_INFO_MEM_MAP | MULTIBOOT_INFO_LOADER_NAME);
    put32(mbi + MBI_MEM_LOWER, LOW_MEM_KB);
    put32(mbi + MBI_MEM_UPPER, (uint32_t)((top - HIGH_START) / 1024));
    put32(mbi + MBI_BOOT_DEVICE, 0x8000FFFFu); /* BIOS disk 0x80, no partition: QEMU's value */
    put32(mbi + MBI_CMDLINE, put_string(ld, &strings, ld->kernel_cmdline));
    put32(mbi + MBI_MODS_COUNT, ld->nmods);
    put32(mbi + MBI_MODS_ADDR, (uint32_t)(base + INFO_MODS_OFF));
    put32(mbi + MBI_MMAP_LENGTH, mmap_length);
    put32(mbi + MBI_MMAP_ADDR, (uint32_t)(base + INFO_MMAP_OFF));
    put32(mbi + MBI_BOOT_LOADER_NAME, put_string(ld, &strings, BOOT_LOADER_NAME));

    out->eax = MULTIBOOT_BOOTLOADER_MAGIC;
    out->ebx = (uint32_t)(base + INFO_MBI_OFF);
}

static void free_loader(struct mb_loader *ld)
{
    if (ld->fd >= 0)
        close(ld->fd);
    for (unsigned i = 0; i < ld->nmods; i++) {
        if (ld->mods[i].fd >= 0)
            close(ld->mods[i].fd);
        free(ld->mods[i].string);
        free(ld->mods[i].path);
    }
    free(ld->mods);
    free(ld->kernel_cmdline);
    free(ld->elf.phdrs);
}

static int load(struct mb_loader *ld, const char *cmdline, const char *initrd, struct multiboot_boot *out)
{
    if (ld->ram_size < HIGH_START)
        return fail(ld, "-kernel %s: Multiboot needs at least 1 MB of RAM", ld->kernel_path);
    if (parse_header(ld) < 0)
        return -1;
    if (initrd && parse_modules(ld, initrd) < 0)
        return -1;

    /* QEMU passes "<kernel path> <append>", with -append defaulting to "" */
    size_t cmdline_len = strlen(ld->kernel_path) + 1 + strlen(cmdline) + 1;
    ld->kernel_cmdline = malloc(cmdline_len);
    if (!ld->kernel_cmdline)
        return fail(ld, "-kernel %s: out of memory", ld->kernel_path);
    snprintf(ld->kernel_cmdline, cmdline_len, "%s %s", ld->kernel_path, cmdline);

    ld->info_size = INFO_MODS_OFF + (uint64_t)ld->nmods * MB_MOD_SIZE + cmdline_len + sizeof BOOT_LOADER_NAME;
    for (unsigned i = 0; i < ld->nmods; i++)
        ld->info_size += strlen(ld->mods[i].string) + 1;
    ld->info_low_free = INFO_LOW_BASE + ld->info_size <= EBDA_START;

    bool aout = ld->hdr.flags & MB_FLAG_AOUT_KLUDGE;
    struct aout_plan aout_plan = {0};
    uint32_t entry = ld->hdr.entry_addr;
    if (aout ? plan_aout(ld, &aout_plan) : plan_elf(ld, &ld->elf, &entry))
        return -1;
    if (entry >= ld->ram_size)
        return fail(ld, "-kernel %s: entry point 0x%" PRIx32 " is outside RAM", ld->kernel_path, entry);
    if (plan_modules(ld) < 0)
        return -1;

    if (aout ? load_aout(ld, &aout_plan) : load_elf(ld, &ld->elf))
        return -1;
    if (load_modules(ld) < 0)
        return -1;
    write_boot_info(ld, out);
    out->entry = entry;
    return 0;
}

int multiboot_load(uint8_t *ram, uint64_t ram_size, const char *kernel_path, const char *cmdline,
                   const char *initrd, struct multiboot_boot *out, char *err, size_t errlen)
{
    struct mb_loader ld = {
        .ram = ram,
        .ram_size = ram_size,
        .kernel_path = kernel_path,
        .err = err,
        .errlen = errlen,
        .fd = -1,
    };
    if (err && errlen)
        err[0] = '\0';
    int rc = load(&ld, cmdline ? cmdline : "", initrd, out);
    free_loader(&ld);
    return rc;
}
