/* test_freedos.c - the whole PC with SeaBIOS boots the FreeDOS floppies from
 * ../shared/tests/images/freedos to the A:\> prompt.  The screen is read
 * the way the guest wrote it: text-mode characters through the VGA's
 * memory window at B8000h. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "devices/bus.h"
#include "devices/machine.h"

static const char *images_dir(void)
{
    const char *d = getenv("DYNAPC_IMAGES");
    return d ? d : "../shared/tests/images/freedos";
}

/* gunzip src into a temporary file; returns its path (static buffer per call site) */
static int gunzip_to(const char *src, char *out, size_t outlen)
{
    snprintf(out, outlen, "/tmp/dynapc-fd-XXXXXX");
    int fd = mkstemp(out);
    if (fd < 0)
        return -1;
    gzFile in = gzopen(src, "rb");
    if (!in) {
        close(fd);
        unlink(out);
        return -1;
    }
    char buf[65536];
    int n;
    while ((n = gzread(in, buf, sizeof buf)) > 0)
        if (write(fd, buf, (size_t)n) != n)
            n = -1;
    gzclose(in);
    close(fd);
    return n < 0 ? -1 : 0;
}

/* the 80x25 text screen as the guest sees it */
static void screen_text(struct machine *m, char *out)
{
    for (int i = 0; i < 80 * 25; i++) {
        uint8_t c = (uint8_t)bus_read(m->bus, BUS_MEM, 0xB8000 + 2u * (unsigned)i, 1);
        out[i] = c >= 32 && c < 127 ? (char)c : ' ';
    }
    out[80 * 25] = 0;
}

/* as_cd: wrap the floppy into an El Torito ISO (floppy emulation) with
 * genisoimage and boot that from the ATAPI CD-ROM instead */
static void boot_to_prompt(const char *image, bool as_cd)
{
    char src[512], path[64];
    snprintf(src, sizeof src, "%s/%s", images_dir(), image);
    ck_assert_msg(access(src, R_OK) == 0, "missing %s", src);
    ck_assert_int_eq(gunzip_to(src, path, sizeof path), 0);
    char iso[80] = "", dir[80] = "";
    if (as_cd) {
        snprintf(dir, sizeof dir, "/tmp/dynapc-iso-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(dir));
        snprintf(iso, sizeof iso, "%s.iso", dir);
        char cmd[512];
        snprintf(cmd, sizeof cmd, "cp %s %s/boot.img && genisoimage -quiet -o %s -b boot.img -c boot.cat %s",
                 path, dir, iso, dir);
        ck_assert_msg(system(cmd) == 0,
                      "genisoimage failed (Debian package genisoimage, installed by deps.sh)");
    }

    struct machine_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.ram_bytes = 32u << 20;
    cfg.cpu_model = CPU_MODEL_PENTIUM2;
    if (as_cd) {
        cfg.hd[2] = iso;
        cfg.hd_is_cdrom[2] = true;
        memcpy(cfg.boot_order, "d", 2);
    } else {
        cfg.fd[0] = path;
        memcpy(cfg.boot_order, "a", 2);
    }
    cfg.snapshot = true;
    cfg.log = stderr;
    struct machine *m = calloc(1, sizeof *m);
    char err[512];
    int r = machine_init(m, &cfg, err, sizeof err);
    ck_assert_msg(r == 0, "machine_init: %s", err);
    char text[80 * 25 + 1];
    int found = 0;
    for (int t = 0; t < 120 && !found; t++) { /* up to 60 s of host time */
        machine_run_for(m, 0.5);
        screen_text(m, text);
        found = strstr(text, "A:\\>") != NULL;
    }
    if (!found) {
        for (int row = 0; row < 25; row++)
            fprintf(stderr, "|%.80s|\n", text + 80 * row);
    }
    machine_destroy(m);
    free(m);
    unlink(path);
    if (as_cd) {
        char cmd[256];
        snprintf(cmd, sizeof cmd, "rm -rf %s %s", dir, iso);
        ck_assert_int_eq(system(cmd), 0);
    }
    ck_assert_msg(found, "%s: no A:\\> prompt on the screen", image);
}

START_TEST(freedos_144)
{
    boot_to_prompt("freedos-boot-1.4MB.img.gz", false);
}
END_TEST
START_TEST(freedos_720)
{
    boot_to_prompt("freedos-boot-720K.img.gz", false);
}
END_TEST
START_TEST(freedos_360)
{
    boot_to_prompt("freedos-boot-360K.img.gz", false);
}
END_TEST
START_TEST(freedos_cdrom)
{
    boot_to_prompt("freedos-boot-1.4MB.img.gz", true);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("freedos");
    TCase *tc = tcase_create("boot");
    tcase_set_timeout(tc, 200);
    tcase_add_test(tc, freedos_144);
    tcase_add_test(tc, freedos_720);
    tcase_add_test(tc, freedos_360);
    tcase_add_test(tc, freedos_cdrom);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
