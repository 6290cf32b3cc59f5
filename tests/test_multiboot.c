/* test_multiboot.c - Multiboot v1 loader: ELF and a.out-kludge images built
 * here byte by byte, loaded into a calloc'd RAM buffer and read back. */
#include "devices/multiboot.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MB       (1024u * 1024u)
#define RAM_SIZE (64u * MB)
#define GUARD    4096u /* bytes after RAM that must stay untouched */

/* ---- byte buffers and temp files ---- */

struct image {
    uint8_t *b;
    size_t len;
};

static void img_reserve(struct image *im, size_t len)
{
    if (len > im->len) {
        im->b = realloc(im->b, len);
        ck_assert_ptr_nonnull(im->b);
        memset(im->b + im->len, 0, len - im->len);
        im->len = len;
    }
}

static void img_put32(struct image *im, size_t off, uint32_t v)
{
    img_reserve(im, off + 4);
    for (int i = 0; i < 4; i++)
        im->b[off + i] = (uint8_t)(v >> (8 * i));
}

static void img_put16(struct image *im, size_t off, uint16_t v)
{
    img_reserve(im, off + 2);
    im->b[off] = (uint8_t)v;
    im->b[off + 1] = (uint8_t)(v >> 8);
}

static void img_fill(struct image *im, size_t off, size_t len, uint8_t seed)
{
    img_reserve(im, off + len);
    for (size_t i = 0; i < len; i++)
        im->b[off + i] = (uint8_t)(seed + i * 7);
}

static void img_mb_header(struct image *im, size_t off, uint32_t flags)
{
    img_put32(im, off, MULTIBOOT_HEADER_MAGIC);
    img_put32(im, off + 4, flags);
    img_put32(im, off + 8, (uint32_t) - (MULTIBOOT_HEADER_MAGIC + flags));
}

static char *write_temp(const char *tag, const void *data, size_t len)
{
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char *path = malloc(strlen(dir) + strlen(tag) + 16);
    ck_assert_ptr_nonnull(path);
    sprintf(path, "%s/mb-%sXXXXXX", dir, tag);
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
    close(fd);
    return path;
}

static char *write_image(const struct image *im)
{
    return write_temp("k", im->b, im->len);
}

static void drop(char *path)
{
    unlink(path);
    free(path);
}

/* ---- ELF32 builder ---- */

struct seg {
    uint32_t type, vaddr, paddr, filesz, memsz;
};

/* ELF header, program headers at 52, segment i's bytes at file offset
 * 0x1000 * (i + 1) (pattern seeded with i); a Multiboot header with mb_flags
 * at the start of segment 0's bytes. */
static struct image build_elf(const struct seg *segs, int nseg, uint32_t entry, uint32_t mb_flags)
{
    struct image im = {0};
    img_reserve(&im, 52);
    memcpy(im.b, "\177ELF", 4);
    im.b[4] = 1;           /* ELFCLASS32 */
    im.b[5] = 1;           /* little-endian */
    im.b[6] = 1;           /* EV_CURRENT */
    img_put16(&im, 16, 2); /* ET_EXEC */
    img_put16(&im, 18, 3); /* EM_386 */
    img_put32(&im, 20, 1);
    img_put32(&im, 24, entry);
    img_put32(&im, 28, 52); /* e_phoff */
    img_put16(&im, 40, 52);
    img_put16(&im, 42, 32); /* e_phentsize */
    img_put16(&im, 44, (uint16_t)nseg);
    for (int i = 0; i < nseg; i++) {
        size_t ph = 52 + 32 * (size_t)i, off = 0x1000 * (size_t)(i + 1);
        img_put32(&im, ph, segs[i].type);
        img_put32(&im, ph + 4, (uint32_t)off);
        img_put32(&im, ph + 8, segs[i].vaddr);
        img_put32(&im, ph + 12, segs[i].paddr);
        img_put32(&im, ph + 16, segs[i].filesz);
        img_put32(&im, ph + 20, segs[i].memsz);
        img_put32(&im, ph + 24, 7);
        img_put32(&im, ph + 28, 0x1000);
        img_fill(&im, off, segs[i].filesz, (uint8_t)(0x40 + i));
    }
    img_mb_header(&im, 0x1000, mb_flags);
    return im;
}

/* the standard test kernel: text at 1 MB (0x1800 bytes), data+bss at
 * 0x103000 (0x100 in the file, 0x2000 in memory) */
static const struct seg std_segs[] = {
    {1, 0x100000, 0x100000, 0x1800, 0x1800},
    {1, 0x103000, 0x103000, 0x100, 0x2000},
};
#define STD_ENTRY 0x10000C

/* a.out kludge image: header at file offset hdr_off, load_addr = the file's
 * first byte, the rest of the file a pattern. */
static struct image build_aout(size_t file_len, size_t hdr_off, uint32_t load_addr, uint32_t load_end,
                               uint32_t bss_end, uint32_t entry)
{
    struct image im = {0};
    img_fill(&im, 0, file_len, 0x90);
    img_mb_header(&im, hdr_off, 1u << 16);
    img_put32(&im, hdr_off + 12, load_addr + (uint32_t)hdr_off);
    img_put32(&im, hdr_off + 16, load_addr);
    img_put32(&im, hdr_off + 20, load_end);
    img_put32(&im, hdr_off + 24, bss_end);
    img_put32(&im, hdr_off + 28, entry);
    return im;
}

/* ---- RAM and guest reads ---- */

static uint8_t *new_ram(uint64_t size, uint8_t fill)
{
    uint8_t *ram = malloc(size + GUARD);
    ck_assert_ptr_nonnull(ram);
    memset(ram, fill, size + GUARD);
    return ram;
}

/* index of the first byte in ram[from, to) that is not value, or -1 (one
 * ck_assert per range: check logs every assertion, so none in byte loops) */
static long first_other(const uint8_t *ram, uint64_t from, uint64_t to, uint8_t value)
{
    for (uint64_t a = from; a < to; a++)
        if (ram[a] != value)
            return (long)a;
    return -1;
}

#define ck_assert_all(ram, from, to, value) ck_assert_int_eq(first_other(ram, from, to, value), -1)

static void check_guard(const uint8_t *ram, uint64_t size, uint8_t fill)
{
    ck_assert_all(ram, size, size + GUARD, fill);
}

static uint32_t rd32(const uint8_t *ram, uint32_t a)
{
    return ram[a] | (uint32_t)ram[a + 1] << 8 | (uint32_t)ram[a + 2] << 16 | (uint32_t)ram[a + 3] << 24;
}

static uint64_t rd64(const uint8_t *ram, uint32_t a)
{
    return rd32(ram, a) | (uint64_t)rd32(ram, a + 4) << 32;
}

static const char *rdstr(const uint8_t *ram, uint32_t a)
{
    return (const char *)ram + a;
}

static void check_mmap_entry(const uint8_t *ram, uint32_t at, uint64_t base, uint64_t len, uint32_t type)
{
    ck_assert_uint_eq(rd32(ram, at), 20);
    ck_assert_uint_eq(rd64(ram, at + 4), base);
    ck_assert_uint_eq(rd64(ram, at + 12), len);
    ck_assert_uint_eq(rd32(ram, at + 20), type);
}

/* Loads and expects success; fails the test with the error message. */
static struct multiboot_boot load_ok(uint8_t *ram, uint64_t size, const char *k, const char *cmdline,
                                     const char *initrd)
{
    struct multiboot_boot boot = {0};
    char err[512] = "";
    int rc = multiboot_load(ram, size, k, cmdline, initrd, &boot, err, sizeof err);
    ck_assert_msg(rc == 0, "load failed: %s", err);
    ck_assert_str_eq(err, "");
    return boot;
}

/* Loads and expects -1 with a one-line message starting with prefix and
 * containing needle. */
static void load_fails(const char *k, const char *initrd, const char *prefix, const char *needle)
{
    uint8_t *ram = calloc(1, RAM_SIZE + GUARD); /* lazily zeroed: cheap at 64 MB */
    ck_assert_ptr_nonnull(ram);
    memset(ram + RAM_SIZE, 0xA5, GUARD);
    struct multiboot_boot boot = {0};
    char err[512] = "";
    int rc = multiboot_load(ram, RAM_SIZE, k, NULL, initrd, &boot, err, sizeof err);
    ck_assert_int_eq(rc, -1);
    ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0, "message '%s' does not start with '%s'", err,
                  prefix);
    ck_assert_msg(strstr(err, needle) != NULL, "message '%s' lacks '%s'", err, needle);
    ck_assert_ptr_null(strchr(err, '\n'));
    check_guard(ram, RAM_SIZE, 0xA5);
    free(ram);
}

static char *prefixed(const char *flag, const char *path)
{
    char *s = malloc(strlen(flag) + strlen(path) + 4);
    ck_assert_ptr_nonnull(s);
    sprintf(s, "%s %s: ", flag, path);
    return s;
}

/* ---- tests ---- */

START_TEST(elf_segments_bss_entry)
{
    struct image im = build_elf(std_segs, 2, STD_ENTRY, 0);
    char *k = write_image(&im);
    uint8_t *ram = new_ram(RAM_SIZE, 0xCC);
    struct multiboot_boot boot = load_ok(ram, RAM_SIZE, k, "console=ttyS0 debug", NULL);

    ck_assert_uint_eq(boot.entry, STD_ENTRY);
    ck_assert_uint_eq(boot.eax, 0x2BADB002);
    ck_assert_uint_eq(boot.ebx, 0x9500);
    ck_assert_mem_eq(ram + 0x100000, im.b + 0x1000, 0x1800);
    ck_assert_mem_eq(ram + 0x103000, im.b + 0x2000, 0x100);
    ck_assert_all(ram, 0x103100, 0x105000, 0);
    ck_assert_uint_eq(ram[0x101800], 0xCC); /* between the segments: untouched */
    ck_assert_uint_eq(ram[0x105000], 0xCC);
    check_guard(ram, RAM_SIZE, 0xCC);
    free(ram);
    drop(k);
    free(im.b);
}
END_TEST

START_TEST(info_fields_and_mmap)
{
    struct image im = build_elf(std_segs, 2, STD_ENTRY, 0);
    char *k = write_image(&im);
    uint8_t *ram = new_ram(RAM_SIZE, 0xCC);
    struct multiboot_boot boot = load_ok(ram, RAM_SIZE, k, "console=ttyS0 debug", NULL);
    uint32_t mbi = boot.ebx;

    /* MEM | BOOTDEV | CMDLINE | MODS | MMAP | BOOT_LOADER_NAME, as QEMU */
    ck_assert_uint_eq(rd32(ram, mbi + 0), 0x24F);
    ck_assert_uint_eq(rd32(ram, mbi + 4), 639);
    ck_assert_uint_eq(rd32(ram, mbi + 8), (RAM_SIZE - MB) / 1024);
    ck_assert_uint_eq(rd32(ram, mbi + 12), 0x8000FFFF);
    char *want = malloc(strlen(k) + 32);
    sprintf(want, "%s console=ttyS0 debug", k);
    ck_assert_str_eq(rdstr(ram, rd32(ram, mbi + 16)), want);
    free(want);
    ck_assert_uint_eq(rd32(ram, mbi + 20), 0); /* mods_count */
    ck_assert_all(ram, mbi + 28, mbi + 44, 0); /* syms: not passed */
    ck_assert_str_eq(rdstr(ram, rd32(ram, mbi + 64)), "dynapc");
    ck_assert_all(ram, mbi + 68, mbi + MBI_SIZE, 0); /* apm, vbe, framebuffer: not passed */

    ck_assert_uint_eq(rd32(ram, mbi + 44), 4 * 24);
    uint32_t mm = rd32(ram, mbi + 48);
    ck_assert_uint_eq(mm, 0x9000);
    check_mmap_entry(ram, mm + 0, 0, 0x9FC00, 1);
    check_mmap_entry(ram, mm + 24, 0x9FC00, 0x400, 2);
    check_mmap_entry(ram, mm + 48, 0xF0000, 0x10000, 2);
    check_mmap_entry(ram, mm + 72, 0x100000, RAM_SIZE - MB, 1);
    free(ram);
    drop(k);
    free(im.b);
}
END_TEST

/* QEMU passes "<kernel> <append>" even when -append is absent */
START_TEST(cmdline_null_is_path_and_space)
{
    struct image im = build_elf(std_segs, 2, STD_ENTRY, 0);
    char *k = write_image(&im);
    uint8_t *ram = new_ram(RAM_SIZE, 0);
    struct multiboot_boot boot = load_ok(ram, RAM_SIZE, k, NULL, NULL);
    char *want = malloc(strlen(k) + 2);
    sprintf(want, "%s ", k);
    ck_assert_str_eq(rdstr(ram, rd32(ram, boot.ebx + 16)), want);
    free(want);
    free(ram);
    drop(k);
    free(im.b);
}
END_TEST

START_TEST(small_ram_mem_upper_and_mmap)
{
    struct image im = build_elf(std_segs, 2, STD_ENTRY, 0x3); /* asks for page-aligned modules + mem info */
    char *k = write_image(&im);
    uint64_t size = 2 * MB + 0x3000;
    uint8_t *ram = new_ram(size, 0);
    struct multiboot_boot boot = load_ok(ram, size, k, "", NULL);
    ck_assert_uint_eq(rd32(ram, boot.ebx + 0) & 1, 1);
    ck_assert_uint_eq(rd32(ram, boot.ebx + 8), (size - MB) / 1024);
    check_mmap_entry(ram, rd32(ram, boot.ebx + 48) + 72, 0x100000, size - MB, 1);
    check_guard(ram, size, 0);
    free(ram);
    drop(k);
    free(im.b);
}
END_TEST

/* e_entry is virtual; it is translated through its segment, as GRUB does */
START_TEST(elf_higher_half_entry)
{
    const struct seg segs[] = {{1, 0xC0100000, 0x100000, 0x800, 0x1000}};
    struct image im = build_elf(segs, 1, 0xC0100010, 0);
    char *k = write_image(&im);
    uint8_t *ram = new_ram(RAM_SIZE, 0);
    struct multiboot_boot boot = load_ok(ram, RAM_SIZE, k, NULL, NULL);
    ck_assert_uint_eq(boot.entry, 0x100010);
    ck_assert_mem_eq(ram + 0x100000, im.b + 0x1000, 0x800);
    free(ram);
    drop(k);
    free(im.b);
}
END_TEST

START_TEST(elf_skips_non_load_segments)
{
    const struct seg segs[] = {
        {1, 0x100000, 0x100000, 0x200, 0x200},
        {4, 0x200000, 0x200000, 0x100, 0x100}, /* PT_NOTE: not loaded */
    };
    struct image im = build_elf(segs, 2, 0x100000, 0);
    char *k = write_image(&im);
    uint8_t *ram = new_ram(RAM_SIZE, 0xEE);
    load_ok(ram, RAM_SIZE, k, NULL, NULL);
    ck_assert_uint_eq(ram[0x200000], 0xEE);
    free(ram);
    drop(k);
    free(im.b);
}
END_TEST

START_TEST(aout_whole_file_with_bss)
{
    /* load_end_addr 0 = to the end of the file */
    struct image im = build_aout(0x1234, 0x40, 0x200000, 0, 0x203000, 0x200080);
    char *k = write_image(&im);
    uint8_t *ram = new_ram(RAM_SIZE, 0xCC);
    struct multiboot_boot boot = load_ok(ram, RAM_SIZE, k, "x", NULL);
    ck_assert_uint_eq(boot.entry, 0x200080);
    ck_assert_uint_eq(boot.eax, 0x2BADB002);
    ck_assert_mem_eq(ram + 0x200000, im.b, 0x1234);
    ck_assert_all(ram, 0x201234, 0x203000, 0);
    ck_assert_uint_eq(ram[0x203000], 0xCC);
    ck_assert_uint_eq(ram[0x1FFFFF], 0xCC);
    free(ram);
    drop(k);
    free(im.b);
}
END_TEST

START_TEST(aout_load_end_and_no_bss)
{
    /* header at 0x100; only [0, 0x800) of the file is the image; no bss */
    struct image im = build_aout(0x1000, 0x100, 0x300000, 0x300800, 0, 0x300000);
    char *k = write_image(&im);
    uint8_t *ram = new_ram(RAM_SIZE, 0xCC);
    struct multiboot_boot boot = load_ok(ram, RAM_SIZE, k, NULL, NULL);
    ck_assert_uint_eq(boot.entry, 0x300000);
    ck_assert_mem_eq(ram + 0x300000, im.b, 0x800);
    ck_assert_uint_eq(ram[0x300800], 0xCC);
    free(ram);
    drop(k);
    free(im.b);
}
END_TEST

/* header_addr - load_addr says the image starts before the header's file
 * offset: load_addr maps to file offset hdr_off - (header_addr - load_addr) */
START_TEST(aout_text_offset)
{
    struct image im = {0};
    img_fill(&im, 0, 0x2000, 0x11);
    img_mb_header(&im, 0x1010, 1u << 16);
    img_put32(&im, 0x1010 + 12, 0x400010); /* header_addr */
    img_put32(&im, 0x1010 + 16, 0x400000); /* load_addr = file offset 0x1000 */
    img_put32(&im, 0x1010 + 20, 0x400800);
    img_put32(&im, 0x1010 + 24, 0x401000);
    img_put32(&im, 0x1010 + 28, 0x400020);
    char *k = write_image(&im);
    uint8_t *ram = new_ram(RAM_SIZE, 0xCC);
    struct multiboot_boot boot = load_ok(ram, RAM_SIZE, k, NULL, NULL);
    ck_assert_uint_eq(boot.entry, 0x400020);
    ck_assert_mem_eq(ram + 0x400000, im.b + 0x1000, 0x800);
    ck_assert_uint_eq(rd32(ram, 0x400010), MULTIBOOT_HEADER_MAGIC);
    ck_assert_all(ram, 0x400800, 0x401000, 0);
    free(ram);
    drop(k);
    free(im.b);
}
END_TEST

START_TEST(modules_page_aligned_with_strings)
{
    struct image im = build_elf(std_segs, 2, STD_ENTRY, 1); /* flag 0: page-align modules */
    char *k = write_image(&im);
    uint8_t m0[5000], m1[300];
    for (size_t i = 0; i < sizeof m0; i++)
        m0[i] = (uint8_t)(i * 13 + 1);
    for (size_t i = 0; i < sizeof m1; i++)
        m1[i] = (uint8_t)(i * 3 + 2);
    char *p0 = write_temp("m0", m0, sizeof m0);
    char *p1 = write_temp("m1", m1, sizeof m1);
    char *list = malloc(strlen(p0) + strlen(p1) + 32);
    sprintf(list, "%s,%s root=/dev/x y", p0, p1);

    uint8_t *ram = new_ram(RAM_SIZE, 0xCC);
    struct multiboot_boot boot = load_ok(ram, RAM_SIZE, k, "a b", list);
    uint32_t mbi = boot.ebx;
    ck_assert_uint_eq(rd32(ram, mbi) & (1u << 3), 1u << 3);
    ck_assert_uint_eq(rd32(ram, mbi + 20), 2);
    uint32_t mods = rd32(ram, mbi + 24);

    uint32_t s0 = rd32(ram, mods), e0 = rd32(ram, mods + 4);
    uint32_t s1 = rd32(ram, mods + 16), e1 = rd32(ram, mods + 20);
    ck_assert_uint_eq(s0, 0x105000); /* first page after the kernel's bss */
    ck_assert_uint_eq(e0, s0 + sizeof m0);
    ck_assert_uint_eq(s1 % 4096, 0);
    ck_assert_uint_eq(s1, 0x107000);
    ck_assert_uint_eq(e1, s1 + sizeof m1);
    ck_assert_mem_eq(ram + s0, m0, sizeof m0);
    ck_assert_mem_eq(ram + s1, m1, sizeof m1);
    ck_assert_str_eq(rdstr(ram, rd32(ram, mods + 8)), p0);
    char *want = malloc(strlen(p1) + 32);
    sprintf(want, "%s root=/dev/x y", p1);
    ck_assert_str_eq(rdstr(ram, rd32(ram, mods + 24)), want);
    ck_assert_uint_eq(rd32(ram, mods + 12), 0);
    ck_assert_uint_eq(rd32(ram, mods + 28), 0);
    /* the kernel and its bss are intact */
    ck_assert_mem_eq(ram + 0x100000, im.b + 0x1000, 0x1800);
    ck_assert_uint_eq(ram[0x104FFF], 0);

    free(want);
    free(list);
    free(ram);
    drop(p0);
    drop(p1);
    drop(k);
    free(im.b);
}
END_TEST

/* ",," in -initrd is a literal comma (QEMU's option syntax) */
START_TEST(module_name_with_comma)
{
    struct image im = build_elf(std_segs, 2, STD_ENTRY, 0);
    char *k = write_image(&im);
    const uint8_t data[] = {1, 2, 3, 4, 5};
    char *p = write_temp("a,b", data, sizeof data);
    char *list = malloc(2 * strlen(p) + 8), *o = list;
    for (const char *c = p; *c; c++) {
        *o++ = *c;
        if (*c == ',')
            *o++ = ',';
    }
    *o = '\0';
    uint8_t *ram = new_ram(RAM_SIZE, 0);
    struct multiboot_boot boot = load_ok(ram, RAM_SIZE, k, NULL, list);
    ck_assert_uint_eq(rd32(ram, boot.ebx + 20), 1);
    uint32_t mods = rd32(ram, boot.ebx + 24);
    ck_assert_str_eq(rdstr(ram, rd32(ram, mods + 8)), p);
    ck_assert_mem_eq(ram + rd32(ram, mods), data, sizeof data);
    free(list);
    free(ram);
    drop(p);
    drop(k);
    free(im.b);
}
END_TEST

/* a kernel loaded over 0x9000 pushes the boot information above itself */
START_TEST(low_kernel_moves_boot_info)
{
    struct image im = build_aout(0x4000, 0x20, 0x8000, 0, 0, 0x8040);
    char *k = write_image(&im);
    const uint8_t data[100] = {9, 8, 7};
    char *p = write_temp("m", data, sizeof data);
    uint8_t *ram = new_ram(RAM_SIZE, 0xCC);
    struct multiboot_boot boot = load_ok(ram, RAM_SIZE, k, "low", p);
    ck_assert_mem_eq(ram + 0x8000, im.b, 0x4000); /* not overwritten by the info */
    uint32_t mods = rd32(ram, boot.ebx + 24);
    ck_assert_uint_eq(rd32(ram, mods), 0xC000);
    ck_assert_mem_eq(ram + 0xC000, data, sizeof data);
    ck_assert_uint_ge(boot.ebx, 0xD000);
    ck_assert_uint_lt(boot.ebx, 0x9FC00);
    ck_assert_uint_ge(rd32(ram, boot.ebx + 48), 0xD000);
    ck_assert_str_eq(rdstr(ram, rd32(ram, boot.ebx + 64)), "dynapc");
    ck_assert_uint_eq(rd32(ram, boot.ebx + 8), (RAM_SIZE - MB) / 1024);
    free(ram);
    drop(p);
    drop(k);
    free(im.b);
}
END_TEST

/* a module that would cross the EBDA/ROM hole starts at 1 MB instead */
START_TEST(module_skips_rom_hole)
{
    struct image im = build_aout(0x1000, 0, 0x90000, 0, 0, 0x90000);
    char *k = write_image(&im);
    uint8_t data[0x20000];
    memset(data, 0x5A, sizeof data);
    char *p = write_temp("m", data, sizeof data);
    uint8_t *ram = new_ram(RAM_SIZE, 0);
    struct multiboot_boot boot = load_ok(ram, RAM_SIZE, k, NULL, p);
    uint32_t mods = rd32(ram, boot.ebx + 24);
    ck_assert_uint_eq(rd32(ram, mods), 0x100000);
    ck_assert_mem_eq(ram + 0x100000, data, sizeof data);
    ck_assert_uint_eq(boot.ebx, 0x9500);
    free(ram);
    drop(p);
    drop(k);
    free(im.b);
}
END_TEST

START_TEST(flag_bits_0_1_2_accepted)
{
    struct image im = build_elf(std_segs, 2, STD_ENTRY, 0x7);
    char *k = write_image(&im);
    uint8_t *ram = new_ram(RAM_SIZE, 0);
    struct multiboot_boot boot = load_ok(ram, RAM_SIZE, k, NULL, NULL);
    ck_assert_uint_eq(rd32(ram, boot.ebx) & (1u << 11), 0); /* no VBE info */
    free(ram);
    drop(k);
    free(im.b);
}
END_TEST

START_TEST(probe)
{
    struct image im = build_elf(std_segs, 2, STD_ENTRY, 0);
    char *k = write_image(&im);
    ck_assert(multiboot_probe(k));
    im.b[0x1008] ^= 1; /* checksum */
    char *bad = write_image(&im);
    ck_assert(!multiboot_probe(bad));
    ck_assert(!multiboot_probe("/nonexistent/dynapc-mb"));
    drop(k);
    drop(bad);
    free(im.b);
}
END_TEST

/* ---- errors: -1, one line, names the file, RAM guard intact ---- */

START_TEST(error_no_header)
{
    struct image im = {0};
    img_fill(&im, 0, 20000, 1);
    img_mb_header(&im, 8192, 0);               /* a header just past the first 8 KB does not count */
    img_put32(&im, 2, MULTIBOOT_HEADER_MAGIC); /* unaligned magic does not count */
    char *k = write_image(&im);
    char *pre = prefixed("-kernel", k);
    load_fails(k, NULL, pre, "no Multiboot header in the first 8192 bytes");
    ck_assert(!multiboot_probe(k));
    free(pre);
    drop(k);
    free(im.b);
}
END_TEST

START_TEST(error_bad_checksum)
{
    struct image im = build_elf(std_segs, 2, STD_ENTRY, 0);
    img_put32(&im, 0x1008, 0x12345678);
    char *k = write_image(&im);
    char *pre = prefixed("-kernel", k);
    load_fails(k, NULL, pre, "no Multiboot header");
    free(pre);
    drop(k);
    free(im.b);
}
END_TEST

START_TEST(error_unsupported_flag)
{
    struct image im = build_elf(std_segs, 2, STD_ENTRY, 0x3 | (1u << 3));
    char *k = write_image(&im);
    char *pre = prefixed("-kernel", k);
    load_fails(k, NULL, pre, "unsupported features (flags 0x0000000b, unknown required bits 0x0008)");
    free(pre);
    drop(k);
    free(im.b);
}
END_TEST

START_TEST(error_segment_outside_ram)
{
    const struct seg segs[] = {{1, 0x3F00000, 0x3F00000, 0x100, 0x200000}};
    struct image im = build_elf(segs, 1, 0x3F00000, 0);
    char *k = write_image(&im);
    char *pre = prefixed("-kernel", k);
    load_fails(k, NULL, pre, "segment at 0x3f00000 (+0x200000 bytes) does not fit in 64 MB of RAM");
    free(pre);
    drop(k);
    free(im.b);
}
END_TEST

START_TEST(error_segment_wraps_4g)
{
    const struct seg segs[] = {{1, 0xFFFFF000, 0xFFFFF000, 0x100, 0x2000}};
    struct image im = build_elf(segs, 1, 0xFFFFF000, 0);
    char *k = write_image(&im);
    char *pre = prefixed("-kernel", k);
    load_fails(k, NULL, pre, "does not fit in 64 MB of RAM");
    free(pre);
    drop(k);
    free(im.b);
}
END_TEST

START_TEST(error_segment_in_rom_hole)
{
    const struct seg segs[] = {{1, 0x9F000, 0x9F000, 0x100, 0x2000}};
    struct image im = build_elf(segs, 1, 0x9F000, 0);
    char *k = write_image(&im);
    char *pre = prefixed("-kernel", k);
    load_fails(k, NULL, pre, "overlaps the EBDA/VGA/BIOS area");
    free(pre);
    drop(k);
    free(im.b);
}
END_TEST

START_TEST(error_elf_truncated)
{
    struct image im = build_elf(std_segs, 2, STD_ENTRY, 0);
    char *k = write_temp("k", im.b, 0x2080); /* segment 1 needs up to 0x2100 */
    char *pre = prefixed("-kernel", k);
    load_fails(k, NULL, pre, "runs past the end of the file");
    free(pre);
    drop(k);
    free(im.b);
}
END_TEST

START_TEST(error_elf_phdrs_truncated)
{
    struct image im = build_elf(std_segs, 2, STD_ENTRY, 0);
    img_put16(&im, 44, 0x4000); /* e_phnum far past the end of the file */
    char *k = write_image(&im);
    char *pre = prefixed("-kernel", k);
    load_fails(k, NULL, pre, "program headers");
    free(pre);
    drop(k);
    free(im.b);
}
END_TEST

START_TEST(error_filesz_above_memsz)
{
    const struct seg segs[] = {{1, 0x100000, 0x100000, 0x200, 0x100}};
    struct image im = build_elf(segs, 1, 0x100000, 0);
    char *k = write_image(&im);
    char *pre = prefixed("-kernel", k);
    load_fails(k, NULL, pre, "p_filesz 0x200 exceeds p_memsz 0x100");
    free(pre);
    drop(k);
    free(im.b);
}
END_TEST

START_TEST(error_aout_truncated)
{
    struct image im = build_aout(0x1000, 0x40, 0x200000, 0x202000, 0, 0x200000);
    char *k = write_image(&im);
    char *pre = prefixed("-kernel", k);
    load_fails(k, NULL, pre, "truncated?");
    free(pre);
    drop(k);
    free(im.b);
}
END_TEST

START_TEST(error_aout_bad_addresses)
{
    struct image im = build_aout(0x1000, 0x40, 0x200000, 0, 0, 0x200000);
    img_put32(&im, 0x40 + 12, 0x1FF000); /* header_addr below load_addr */
    char *k = write_image(&im);
    char *pre = prefixed("-kernel", k);
    load_fails(k, NULL, pre, "header_addr 0x1ff000 is below load_addr 0x200000");
    drop(k);

    img_put32(&im, 0x40 + 12, 0x201000); /* image would start before the file */
    k = write_image(&im);
    free(pre);
    pre = prefixed("-kernel", k);
    load_fails(k, NULL, pre, "before the header");
    drop(k);

    img_put32(&im, 0x40 + 12, 0x200040);
    img_put32(&im, 0x40 + 24, 0x200800); /* bss_end inside the loaded image */
    k = write_image(&im);
    free(pre);
    pre = prefixed("-kernel", k);
    load_fails(k, NULL, pre, "bss_end_addr 0x200800");
    free(pre);
    drop(k);
    free(im.b);
}
END_TEST

START_TEST(error_not_elf_without_aout_flag)
{
    struct image im = {0};
    img_fill(&im, 0, 0x400, 3);
    img_mb_header(&im, 0x10, 0);
    char *k = write_image(&im);
    char *pre = prefixed("-kernel", k);
    load_fails(k, NULL, pre, "not an ELF file");
    free(pre);
    drop(k);
    free(im.b);
}
END_TEST

START_TEST(error_elf64_and_machine)
{
    struct image im = build_elf(std_segs, 2, STD_ENTRY, 0);
    im.b[4] = 2;
    char *k = write_image(&im);
    char *pre = prefixed("-kernel", k);
    load_fails(k, NULL, pre, "64-bit ELF");
    free(pre);
    drop(k);
    im.b[4] = 1;
    img_put16(&im, 18, 62); /* EM_X86_64 in an ELF32 */
    k = write_image(&im);
    pre = prefixed("-kernel", k);
    load_fails(k, NULL, pre, "not i386");
    free(pre);
    drop(k);
    free(im.b);
}
END_TEST

START_TEST(error_missing_kernel)
{
    load_fails("/nonexistent/dynapc-kernel.elf", NULL,
               "-kernel /nonexistent/dynapc-kernel.elf: ", "No such file or directory");
}
END_TEST

START_TEST(error_missing_initrd)
{
    struct image im = build_elf(std_segs, 2, STD_ENTRY, 0);
    char *k = write_image(&im);
    const uint8_t data[4] = {0};
    char *p = write_temp("m", data, sizeof data);
    char *list = malloc(strlen(p) + 64);
    sprintf(list, "%s,/nonexistent/dynapc-mod args", p);
    load_fails(k, list, "-initrd /nonexistent/dynapc-mod: ", "No such file or directory");
    free(list);
    drop(p);
    drop(k);
    free(im.b);
}
END_TEST

START_TEST(error_module_too_big)
{
    struct image im = build_elf(std_segs, 2, STD_ENTRY, 0);
    char *k = write_image(&im);
    char *p = write_temp("m", "x", 1);
    ck_assert_int_eq(truncate(p, RAM_SIZE), 0);
    char *pre = prefixed("-initrd", p);
    load_fails(k, p, pre, "does not fit in 64 MB of RAM");
    free(pre);
    drop(p);
    drop(k);
    free(im.b);
}
END_TEST

/* Random corruption of a valid image's headers must never write outside
 * RAM: every load either fails with a message or succeeds inside [0, size). */
START_TEST(corrupted_images_stay_inside_ram)
{
    struct image good = build_elf(std_segs, 2, STD_ENTRY, 0);
    struct image aout = build_aout(0x3000, 0x40, 0x200000, 0, 0x204000, 0x200000);
    uint64_t size = 2 * MB;
    uint8_t *ram = new_ram(size, 0x77);
    uint32_t rng = 12345;
    for (int iter = 0; iter < 600; iter++) {
        const struct image *base = iter & 1 ? &aout : &good;
        struct image im = {malloc(base->len), base->len};
        memcpy(im.b, base->b, base->len);
        int nflip = 1 + iter % 6;
        for (int f = 0; f < nflip; f++) {
            rng = rng * 1103515245u + 12345u;
            /* aim at the ELF header + phdrs, or the Multiboot header */
            size_t off = (iter & 1)      ? 0x40 + (rng >> 8) % 32
                         : (rng & 0x100) ? (rng >> 9) % 116
                                         : 0x1000 + (rng >> 9) % 12;
            rng = rng * 1103515245u + 12345u;
            im.b[off] =
                (rng >> 16) & 0x80 ? (uint8_t)(rng >> 8) : im.b[off] ^ (uint8_t)(1u << ((rng >> 8) & 7));
        }
        char *k = write_image(&im);
        struct multiboot_boot boot;
        char err[256];
        int rc = multiboot_load(ram, size, k, NULL, NULL, &boot, err, sizeof err);
        ck_assert(rc == 0 || rc == -1);
        if (rc == 0)
            ck_assert_uint_lt(boot.ebx, size);
        else
            ck_assert_msg(strncmp(err, "-kernel ", 8) == 0, "bad message '%s'", err);
        check_guard(ram, size, 0x77);
        drop(k);
        free(im.b);
    }
    free(ram);
    free(good.b);
    free(aout.b);
}
END_TEST

/* the benchmark kernel (make -C shared/bench), when DYNAPC_BENCH_ELF names it */
START_TEST(bench_kernel)
{
    const char *k = getenv("DYNAPC_BENCH_ELF");
    ck_assert(multiboot_probe(k));
    uint8_t *ram = new_ram(RAM_SIZE, 0xCC);
    struct multiboot_boot boot = load_ok(ram, RAM_SIZE, k, "bench", NULL);
    ck_assert_uint_eq(boot.entry, 0x100000);
    ck_assert_uint_eq(boot.eax, 0x2BADB002);
    ck_assert_uint_eq(boot.ebx, 0x9500);
    bool found = false;
    for (uint32_t a = 0x100000; a < 0x100000 + 8192 && !found; a += 4)
        found = rd32(ram, a) == MULTIBOOT_HEADER_MAGIC;
    ck_assert(found);
    printf("multiboot: bench kernel %s: entry 0x%x, mods at 0x%x\n", k, boot.entry, rd32(ram, boot.ebx + 24));
    check_guard(ram, RAM_SIZE, 0xCC);
    free(ram);
}
END_TEST

static Suite *multiboot_suite(void)
{
    Suite *s = suite_create("multiboot");
    TCase *tc = tcase_create("load");
    tcase_add_test(tc, elf_segments_bss_entry);
    tcase_add_test(tc, info_fields_and_mmap);
    tcase_add_test(tc, cmdline_null_is_path_and_space);
    tcase_add_test(tc, small_ram_mem_upper_and_mmap);
    tcase_add_test(tc, elf_higher_half_entry);
    tcase_add_test(tc, elf_skips_non_load_segments);
    tcase_add_test(tc, aout_whole_file_with_bss);
    tcase_add_test(tc, aout_load_end_and_no_bss);
    tcase_add_test(tc, aout_text_offset);
    tcase_add_test(tc, modules_page_aligned_with_strings);
    tcase_add_test(tc, module_name_with_comma);
    tcase_add_test(tc, low_kernel_moves_boot_info);
    tcase_add_test(tc, module_skips_rom_hole);
    tcase_add_test(tc, flag_bits_0_1_2_accepted);
    tcase_add_test(tc, probe);
    suite_add_tcase(s, tc);

    TCase *te = tcase_create("errors");
    tcase_add_test(te, error_no_header);
    tcase_add_test(te, error_bad_checksum);
    tcase_add_test(te, error_unsupported_flag);
    tcase_add_test(te, error_segment_outside_ram);
    tcase_add_test(te, error_segment_wraps_4g);
    tcase_add_test(te, error_segment_in_rom_hole);
    tcase_add_test(te, error_elf_truncated);
    tcase_add_test(te, error_elf_phdrs_truncated);
    tcase_add_test(te, error_filesz_above_memsz);
    tcase_add_test(te, error_aout_truncated);
    tcase_add_test(te, error_aout_bad_addresses);
    tcase_add_test(te, error_not_elf_without_aout_flag);
    tcase_add_test(te, error_elf64_and_machine);
    tcase_add_test(te, error_missing_kernel);
    tcase_add_test(te, error_missing_initrd);
    tcase_add_test(te, error_module_too_big);
    tcase_add_test(te, corrupted_images_stay_inside_ram);
    suite_add_tcase(s, te);

    if (getenv("DYNAPC_BENCH_ELF")) {
        TCase *tb = tcase_create("bench");
        tcase_add_test(tb, bench_kernel);
        suite_add_tcase(s, tb);
    } else {
        printf("multiboot: bench_kernel not run (set DYNAPC_BENCH_ELF to a shared/bench .elf)\n");
    }
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(multiboot_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
