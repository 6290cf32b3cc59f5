/* test_firmware_boot.c - the PC with each BIOS pair it supports: SeaBIOS +
 * SeaVGABIOS (the default) and the Bochs BIOS + LGPL VGABIOS (Debian's
 * bochsbios and vgabios).  Each shows its banner and a boot menu that lists
 * the floppy, the hard disk and the CD-ROM; the FreeDOS floppies boot to
 * A:\> and `dir` lists COMMAND.COM; a hard disk built here (MBR, FAT16,
 * SYSLINUX with a MEMDISK entry that loads the 1.44 MB FreeDOS image) boots
 * to A:\>; an ISOLINUX CD built here reaches its boot: prompt.  The screen
 * is read the way the guest wrote it, at B8000h; keys go in as PS/2 key
 * presses.  A missing package is one line naming it (scripts/deps.sh
 * installs them). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "devices/bus.h"
#include "devices/machine.h"
#include "devices/ps2kbd.h"
#include "ui/device_opts.h"

#define BOCHS_BIOS   "/usr/share/bochs/BIOS-bochs-latest"
#define LGPL_VGABIOS "/usr/share/vgabios/vgabios.bin"
#define MBR_BIN      "/usr/lib/syslinux/mbr/mbr.bin"
#define MEMDISK      "/usr/lib/syslinux/memdisk"
#define ISOLINUX_BIN "/usr/lib/ISOLINUX/isolinux.bin"
#define LDLINUX_C32  "/usr/lib/syslinux/modules/bios/ldlinux.c32"

enum firmware { SEABIOS, BOCHS };

/* ---- what the tests need from the host ---- */

static void need_file(const char *path, const char *package)
{
    ck_assert_msg(access(path, R_OK) == 0, "missing %s (Debian package %s; scripts/deps.sh installs it)",
                  path, package);
}

static void need_tool(const char *tool, const char *package)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "PATH=$PATH:/usr/sbin:/sbin command -v %s >/dev/null 2>&1", tool);
    ck_assert_msg(system(cmd) == 0, "missing the %s command (Debian package %s; scripts/deps.sh installs it)",
                  tool, package);
}

static void need_firmware(enum firmware fw)
{
    if (fw == BOCHS) {
        need_file(BOCHS_BIOS, "bochsbios");
        need_file(LGPL_VGABIOS, "vgabios");
    } else {
        need_file("/usr/share/seabios/bios.bin", "seabios");
    }
}

/* a scratch directory per test, removed at the end */
static void scratch_dir(char *dir, size_t len)
{
    snprintf(dir, len, "/tmp/dynapc-fwboot-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(const char *dir)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* ../shared/tests/images/freedos/NAME.gz gunzipped to out */
static void freedos_image(const char *name, const char *out)
{
    const char *d = getenv("DYNAPC_IMAGES");
    char src[512];
    snprintf(src, sizeof src, "%s/%s", d ? d : "../shared/tests/images/freedos", name);
    ck_assert_msg(access(src, R_OK) == 0, "missing %s (the shared test images)", src);
    gzFile in = gzopen(src, "rb");
    FILE *f = fopen(out, "wb");
    ck_assert_ptr_nonnull(in);
    ck_assert_ptr_nonnull(f);
    char buf[65536];
    int n;
    while ((n = gzread(in, buf, sizeof buf)) > 0)
        ck_assert_uint_eq(fwrite(buf, 1, (size_t)n, f), (size_t)n);
    gzclose(in);
    ck_assert_int_eq(fclose(f), 0);
}

static void run_script(const char *script)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "PATH=$PATH:/usr/sbin:/sbin; set -e; %s", script);
    ck_assert_msg(system(cmd) == 0, "building the image failed: %s", script);
}

/* ---- the machine, its screen and its keyboard ---- */

static struct machine *machine_with(enum firmware fw, struct machine_config *cfg)
{
    cfg->ram_bytes = 32u << 20;
    cfg->cpu_model = CPU_MODEL_PENTIUM2;
    cfg->snapshot = true;
    cfg->log = stderr;
    if (fw == BOCHS) {
        cfg->bios = BOCHS_BIOS;
        cfg->vga_romfile = LGPL_VGABIOS;
    }
    struct machine *m = calloc(1, sizeof *m);
    ck_assert_ptr_nonnull(m);
    char err[512];
    int r = machine_init(m, cfg, err, sizeof err);
    ck_assert_msg(r == 0, "machine_init: %s", err);
    return m;
}

static void screen_text(struct machine *m, char *out)
{
    for (int i = 0; i < 80 * 25; i++) {
        uint8_t c = (uint8_t)bus_read(m->bus, BUS_MEM, 0xB8000 + 2u * (unsigned)i, 1);
        out[i] = c >= 32 && c < 127 ? (char)c : ' ';
    }
    out[80 * 25] = 0;
}

static void dump_screen(const char *text)
{
    for (int row = 0; row < 25; row++)
        fprintf(stderr, "|%.80s|\n", text + 80 * row);
}

/* runs until needle is on the screen (true) or `seconds` of host time pass */
static bool wait_for(struct machine *m, const char *needle, double seconds, char *text)
{
    for (double t = 0; t < seconds; t += 0.05) {
        machine_run_for(m, 0.05);
        screen_text(m, text);
        if (strstr(text, needle))
            return true;
    }
    dump_screen(text);
    return false;
}

static void press(struct machine *m, int hid)
{
    ps2kbd_key(m->ps2kbd, hid, true);
    machine_run_for(m, 0.03);
    ps2kbd_key(m->ps2kbd, hid, false);
    machine_run_for(m, 0.03);
}

/* lower-case letters, space and newline */
static void type(struct machine *m, const char *s)
{
    for (; *s; s++)
        press(m, *s == '\n' ? HID_KEY_ENTER : *s == ' ' ? HID_KEY_SPACE : HID_KEY_A + (*s - 'a'));
}

static void finish(struct machine *m)
{
    machine_destroy(m);
    free(m);
}

/* ---- (a), (e): banner and boot menu ---- */

static void banner_and_menu(enum firmware fw)
{
    need_firmware(fw);
    need_tool("genisoimage", "genisoimage");
    char dir[64], fd[96], hd[96], cd[96], iso_dir[96];
    scratch_dir(dir, sizeof dir);
    snprintf(fd, sizeof fd, "%s/fd.img", dir);
    snprintf(hd, sizeof hd, "%s/hd.img", dir);
    snprintf(cd, sizeof cd, "%s/cd.iso", dir);
    snprintf(iso_dir, sizeof iso_dir, "%s/iso", dir);
    freedos_image("freedos-boot-1.4MB.img.gz", fd);
    char script[1024];
    snprintf(script, sizeof script,
             "truncate -s 16M %s; mkdir %s; cp %s %s/boot.img; genisoimage -quiet -o %s -b boot.img -c "
             "boot.cat %s",
             hd, iso_dir, fd, iso_dir, cd, iso_dir);
    run_script(script);

    struct machine_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.fd[0] = fd;
    cfg.hd[0] = hd;
    cfg.hd[2] = cd;
    cfg.hd_is_cdrom[2] = true;
    cfg.boot_menu = true;
    struct machine *m = machine_with(fw, &cfg);
    char text[80 * 25 + 1];
    if (fw == SEABIOS) {
        /* SeaBIOS 1.16 offers its menu on ESC (F12 in older releases) */
        ck_assert_msg(wait_for(m, "Press ESC for boot menu", 20, text), "SeaBIOS: no boot menu prompt");
        ck_assert_msg(strstr(text, "SeaBIOS (version"), "no SeaBIOS banner");
        press(m, HID_KEY_ESCAPE);
        ck_assert_msg(wait_for(m, "DVD/CD", 10, text), "SeaBIOS: no boot menu");
        ck_assert_ptr_nonnull(strstr(text, "Select boot device"));
        ck_assert_ptr_nonnull(strstr(text, "Floppy"));
        ck_assert_ptr_nonnull(strstr(text, "ata0-0:"));
        ck_assert_ptr_nonnull(strstr(text, "Hard-Disk"));
        ck_assert_ptr_nonnull(strstr(text, "DVD/CD [ata1-0:"));
    } else {
        ck_assert_msg(wait_for(m, "Press F12 for boot menu", 20, text), "Bochs BIOS: no boot menu prompt");
        ck_assert_msg(strstr(text, "Bochs VGABios"), "no LGPL VGABIOS banner");
        ck_assert_msg(strstr(text, "Bochs 2.7 BIOS"), "no Bochs BIOS banner");
        ck_assert_ptr_nonnull(strstr(text, "ata0 master: DYNAPC HARDDISK"));
        ck_assert_ptr_nonnull(strstr(text, "ata1 master: DYNAPC CD-ROM"));
        press(m, HID_KEY_F12);
        ck_assert_msg(wait_for(m, "3. CD-Rom", 10, text), "Bochs BIOS: no boot menu");
        ck_assert_ptr_nonnull(strstr(text, "Select boot device"));
        ck_assert_ptr_nonnull(strstr(text, "1. Floppy"));
        ck_assert_ptr_nonnull(strstr(text, "2. Hard Disk"));
    }
    finish(m);
    remove_dir(dir);
}

START_TEST(seabios_banner_and_menu)
{
    banner_and_menu(SEABIOS);
}
END_TEST

START_TEST(bochs_banner_and_menu)
{
    banner_and_menu(BOCHS);
}
END_TEST

/* ---- (b), (e): the FreeDOS floppies, dir ---- */

/* from the A:\> prompt: `dir` lists COMMAND.COM */
static void dir_lists_command_com(struct machine *m, const char *what)
{
    char text[80 * 25 + 1];
    ck_assert_msg(wait_for(m, "A:\\>", 60, text), "%s: no A:\\> prompt", what);
    type(m, "dir\n");
    ck_assert_msg(wait_for(m, "COMMAND  COM", 10, text), "%s: dir does not list COMMAND.COM", what);
}

static void floppy_dir(enum firmware fw, const char *image)
{
    need_firmware(fw);
    char dir[64], fd[96];
    scratch_dir(dir, sizeof dir);
    snprintf(fd, sizeof fd, "%s/fd.img", dir);
    freedos_image(image, fd);
    struct machine_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.fd[0] = fd;
    memcpy(cfg.boot_order, "a", 2);
    struct machine *m = machine_with(fw, &cfg);
    dir_lists_command_com(m, image);
    finish(m);
    remove_dir(dir);
}

START_TEST(seabios_floppy_144)
{
    floppy_dir(SEABIOS, "freedos-boot-1.4MB.img.gz");
}
END_TEST

START_TEST(seabios_floppy_720)
{
    floppy_dir(SEABIOS, "freedos-boot-720K.img.gz");
}
END_TEST

START_TEST(seabios_floppy_360)
{
    floppy_dir(SEABIOS, "freedos-boot-360K.img.gz");
}
END_TEST

START_TEST(bochs_floppy_144)
{
    floppy_dir(BOCHS, "freedos-boot-1.4MB.img.gz");
}
END_TEST

START_TEST(bochs_floppy_720)
{
    floppy_dir(BOCHS, "freedos-boot-720K.img.gz");
}
END_TEST

START_TEST(bochs_floppy_360)
{
    floppy_dir(BOCHS, "freedos-boot-360K.img.gz");
}
END_TEST

/* ---- (c): a SYSLINUX hard disk whose MEMDISK entry boots the floppy ---- */

static void memdisk_hard_disk(enum firmware fw)
{
    need_firmware(fw);
    need_tool("sfdisk", "fdisk");
    need_tool("mkfs.fat", "dosfstools");
    need_tool("mcopy", "mtools");
    need_tool("syslinux", "syslinux");
    need_file(MBR_BIN, "syslinux-common");
    need_file(MEMDISK, "syslinux-common");
    char dir[64], hd[96], script[2048];
    scratch_dir(dir, sizeof dir);
    snprintf(hd, sizeof hd, "%s/hd.img", dir);
    char fd[96];
    snprintf(fd, sizeof fd, "%s/fd.img", dir);
    freedos_image("freedos-boot-1.4MB.img.gz", fd);
    /* 32 MB: one FAT16 partition from sector 2048, marked active */
    snprintf(script, sizeof script,
             "cd %s; truncate -s 32M hd.img; "
             "echo 'start=2048, type=6, bootable' | sfdisk -q hd.img; "
             "dd if=%s of=hd.img bs=440 count=1 conv=notrunc status=none; "
             "mkfs.fat -F 16 -h 2048 --offset 2048 hd.img 31744 >/dev/null; "
             "syslinux --install --offset 1048576 hd.img; "
             "printf 'DEFAULT fd\\nLABEL fd\\n KERNEL memdisk\\n INITRD fd.img\\n' > syslinux.cfg; "
             "mcopy -i hd.img@@1048576 %s fd.img syslinux.cfg ::/",
             dir, MBR_BIN, MEMDISK);
    run_script(script);
    struct machine_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.hd[0] = hd;
    memcpy(cfg.boot_order, "c", 2);
    struct machine *m = machine_with(fw, &cfg);
    dir_lists_command_com(m, "SYSLINUX + MEMDISK hard disk");
    finish(m);
    remove_dir(dir);
}

START_TEST(seabios_memdisk_hard_disk)
{
    memdisk_hard_disk(SEABIOS);
}
END_TEST

START_TEST(bochs_memdisk_hard_disk)
{
    memdisk_hard_disk(BOCHS);
}
END_TEST

/* ---- (d): an ISOLINUX CD to its boot: prompt ---- */

static void isolinux_cd(enum firmware fw)
{
    need_firmware(fw);
    need_tool("genisoimage", "genisoimage");
    need_file(ISOLINUX_BIN, "isolinux");
    need_file(LDLINUX_C32, "syslinux-common");
    char dir[64], iso[96], script[2048];
    scratch_dir(dir, sizeof dir);
    snprintf(iso, sizeof iso, "%s/cd.iso", dir);
    snprintf(script, sizeof script,
             "cd %s; mkdir -p root/isolinux; cp %s %s root/isolinux/; "
             "printf 'PROMPT 1\\nTIMEOUT 0\\nSAY dynapc isolinux test\\n' > root/isolinux/isolinux.cfg; "
             "genisoimage -quiet -o cd.iso -b isolinux/isolinux.bin -c isolinux/boot.cat "
             "-no-emul-boot -boot-load-size 4 -boot-info-table root",
             dir, ISOLINUX_BIN, LDLINUX_C32);
    run_script(script);
    struct machine_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.hd[2] = iso;
    cfg.hd_is_cdrom[2] = true;
    memcpy(cfg.boot_order, "d", 2);
    struct machine *m = machine_with(fw, &cfg);
    char text[80 * 25 + 1];
    ck_assert_msg(wait_for(m, "boot:", 60, text), "ISOLINUX: no boot: prompt");
    ck_assert_ptr_nonnull(strstr(text, "ISOLINUX 6."));
    ck_assert_ptr_nonnull(strstr(text, "dynapc isolinux test")); /* it read its configuration */
    finish(m);
    remove_dir(dir);
}

START_TEST(seabios_isolinux_cd)
{
    isolinux_cd(SEABIOS);
}
END_TEST

START_TEST(bochs_isolinux_cd)
{
    isolinux_cd(BOCHS);
}
END_TEST

/* ---- -L: the VGA BIOS comes from there, the BIOS from the default place ---- */

START_TEST(bios_dir_holds_the_vga_bios)
{
    need_firmware(SEABIOS);
    need_file("/usr/share/vgabios/vgabios-stdvga.bin", "vgabios");
    struct machine_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.bios_dir = "/usr/share/vgabios"; /* vgabios-stdvga.bin there is the LGPL VGABIOS; no bios.bin */
    struct machine *m = machine_with(SEABIOS, &cfg);
    char text[80 * 25 + 1];
    ck_assert_msg(wait_for(m, "SeaBIOS (version", 20, text), "no SeaBIOS banner");
    /* SeaBIOS cleared the LGPL VGABIOS's banner; its ROM header, copied to
     * C0000h, still names it */
    char rom[257];
    for (int i = 0; i < 256; i++) {
        uint8_t c = (uint8_t)physmem_read(&m->mem, 0xC0000u + (unsigned)i, 1);
        rom[i] = c >= 32 && c < 127 ? (char)c : ' ';
    }
    rom[256] = 0;
    ck_assert_msg(strstr(rom, "Bochs VGABios"), "the VGA BIOS at C0000h is not the one from -L: %s", rom);
    finish(m);
}
END_TEST

/* -device VGA[,romfile=FILE] configures the board's one VGA */
START_TEST(device_vga_option)
{
    struct machine_config c;
    memset(&c, 0, sizeof c);
    char err[256];
    ck_assert(device_opts_handles("VGA"));
    ck_assert(device_opts_handles("VGA,romfile=x"));
    ck_assert(!device_opts_handles("VGAX"));
    ck_assert(!device_opts_handles("isa-debug-exit"));
    ck_assert_int_eq(device_opts_parse(&c, "VGA,romfile=" LGPL_VGABIOS, err, sizeof err), 0);
    ck_assert_str_eq(c.vga_romfile, LGPL_VGABIOS);
    ck_assert_int_eq(device_opts_parse(&c, "VGA", err, sizeof err), -1); /* a second VGA */
    ck_assert_ptr_nonnull(strstr(err, "one VGA"));
    memset(&c, 0, sizeof c);
    ck_assert_int_eq(device_opts_parse(&c, "VGA,rombar=0", err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "unknown VGA property 'rombar=0'"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("firmware_boot");
    TCase *tc = tcase_create("boot");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, seabios_banner_and_menu);
    tcase_add_test(tc, bochs_banner_and_menu);
    tcase_add_test(tc, seabios_floppy_144);
    tcase_add_test(tc, seabios_floppy_720);
    tcase_add_test(tc, seabios_floppy_360);
    tcase_add_test(tc, bochs_floppy_144);
    tcase_add_test(tc, bochs_floppy_720);
    tcase_add_test(tc, bochs_floppy_360);
    tcase_add_test(tc, seabios_memdisk_hard_disk);
    tcase_add_test(tc, bochs_memdisk_hard_disk);
    tcase_add_test(tc, seabios_isolinux_cd);
    tcase_add_test(tc, bochs_isolinux_cd);
    tcase_add_test(tc, bios_dir_holds_the_vga_bios);
    tcase_add_test(tc, device_vga_option);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
