/* test_chardev.c - chardev back ends: spec parsing, errors, buffer, file,
 * stdio (with stdin at EOF, a pipe, and a terminal). */
#include "devices/chardev.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static char tmpdir[64];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/dynapc-chardev-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
}

static size_t read_file(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = 0;
    fclose(f);
    return n;
}

START_TEST(test_none_and_null_discard)
{
    const char *specs[] = {"none", "null"};
    for (int i = 0; i < 2; i++) {
        char err[256] = "";
        struct chardev *cd = chardev_open(specs[i], err, sizeof err);
        ck_assert_ptr_nonnull(cd);
        ck_assert_str_eq(err, "");
        chardev_write(cd, (const uint8_t *)"xyz", 3);
        uint8_t b;
        ck_assert_uint_eq(chardev_read(cd, &b, 1), 0);
        ck_assert_int_eq(chardev_input_fd(cd), -1);
        ck_assert(!chardev_has_input_source(cd));
        chardev_flush(cd);
        chardev_close(cd);
    }
}
END_TEST

START_TEST(test_unknown_spec)
{
    char err[256];
    ck_assert_ptr_null(chardev_open("telnet:1234", err, sizeof err));
    ck_assert_str_eq(err, "telnet:1234: unknown character device (use stdio, file:PATH or none)");
    ck_assert_ptr_null(chardev_open("", err, sizeof err));
    ck_assert_str_eq(err, ": unknown character device (use stdio, file:PATH or none)");
    /* close but not equal */
    ck_assert_ptr_null(chardev_open("stdio2", err, sizeof err));
    ck_assert_ptr_null(chardev_open("nonesuch", err, sizeof err));
}
END_TEST

START_TEST(test_file_missing_dir_names_path)
{
    char err[256];
    ck_assert_ptr_null(chardev_open("file:/nonexistent/dir/x", err, sizeof err));
    ck_assert_str_eq(err, "file:/nonexistent/dir/x: No such file or directory");
    ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

START_TEST(test_file_empty_path)
{
    char err[256];
    ck_assert_ptr_null(chardev_open("file:", err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "file:: "));
}
END_TEST

START_TEST(test_file_error_truncated_err_buffer)
{
    char err[8];
    ck_assert_ptr_null(chardev_open("file:/nonexistent/dir/x", err, sizeof err));
    ck_assert_uint_eq(strlen(err), sizeof err - 1);
    ck_assert_ptr_null(chardev_open("bogus", NULL, 0)); /* no buffer: no crash */
}
END_TEST

START_TEST(test_file_creates_truncates_and_writes)
{
    make_tmpdir();
    char path[128], spec[160], buf[64], err[256];
    snprintf(path, sizeof path, "%s/out.txt", tmpdir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("old contents that must go", f);
    fclose(f);

    snprintf(spec, sizeof spec, "file:%s", path);
    struct chardev *cd = chardev_open(spec, err, sizeof err);
    ck_assert_ptr_nonnull(cd);
    ck_assert_int_eq(chardev_input_fd(cd), -1);
    ck_assert(!chardev_has_input_source(cd));
    chardev_write(cd, (const uint8_t *)"hello ", 6);
    /* written through at once: visible before close */
    ck_assert_uint_eq(read_file(path, buf, sizeof buf), 6);
    chardev_write(cd, (const uint8_t *)"world", 5);
    uint8_t b;
    ck_assert_uint_eq(chardev_read(cd, &b, 1), 0);
    chardev_close(cd);
    ck_assert_uint_eq(read_file(path, buf, sizeof buf), 11);
    ck_assert_str_eq(buf, "hello world");

    /* a new file is created */
    snprintf(spec, sizeof spec, "file:%s/new.log", tmpdir);
    cd = chardev_open(spec, err, sizeof err);
    ck_assert_ptr_nonnull(cd);
    chardev_close(cd);
    snprintf(path, sizeof path, "%s/new.log", tmpdir);
    ck_assert_int_eq(access(path, F_OK), 0);
    remove_tmpdir();
}
END_TEST

START_TEST(test_file_on_directory_fails)
{
    char err[256];
    ck_assert_ptr_null(chardev_open("file:/", err, sizeof err));
    ck_assert_str_eq(err, "file:/: Is a directory");
}
END_TEST

START_TEST(test_buffer_output_and_input)
{
    struct chardev *cd = chardev_new_buffer();
    ck_assert_ptr_nonnull(cd);
    size_t len = 99;
    ck_assert_str_eq(chardev_buffer_output(cd, &len), "");
    ck_assert_uint_eq(len, 0);
    chardev_write(cd, (const uint8_t *)"abc", 3);
    chardev_write(cd, (const uint8_t *)"def", 3);
    ck_assert_str_eq(chardev_buffer_output(cd, &len), "abcdef");
    ck_assert_uint_eq(len, 6);
    /* output with NUL bytes keeps its length */
    chardev_write(cd, (const uint8_t *)"\0x", 2);
    chardev_buffer_output(cd, &len);
    ck_assert_uint_eq(len, 8);
    chardev_buffer_clear(cd);
    ck_assert_str_eq(chardev_buffer_output(cd, &len), "");
    ck_assert_uint_eq(len, 0);

    ck_assert(chardev_has_input_source(cd));
    uint8_t buf[8];
    ck_assert_uint_eq(chardev_read(cd, buf, sizeof buf), 0);
    chardev_buffer_push_input(cd, (const uint8_t *)"12345", 5);
    ck_assert_uint_eq(chardev_read(cd, buf, 2), 2);
    ck_assert_mem_eq(buf, "12", 2);
    chardev_buffer_push_input(cd, (const uint8_t *)"6", 1);
    ck_assert_uint_eq(chardev_read(cd, buf, sizeof buf), 4);
    ck_assert_mem_eq(buf, "3456", 4);
    ck_assert_uint_eq(chardev_read(cd, buf, sizeof buf), 0);
    /* large pushes grow the buffer */
    uint8_t big[1000];
    for (int i = 0; i < 1000; i++)
        big[i] = (uint8_t)i;
    chardev_buffer_push_input(cd, big, sizeof big);
    uint8_t got[1000];
    ck_assert_uint_eq(chardev_read(cd, got, sizeof got), 1000);
    ck_assert_mem_eq(got, big, 1000);
    chardev_close(cd);
}
END_TEST

START_TEST(test_null_pointer_safety)
{
    uint8_t b = 0;
    chardev_write(NULL, &b, 1);
    ck_assert_uint_eq(chardev_read(NULL, &b, 1), 0);
    ck_assert_int_eq(chardev_input_fd(NULL), -1);
    ck_assert(!chardev_has_input_source(NULL));
    chardev_close(NULL);
}
END_TEST

/* stdout captured in a file: every write is there at once (no stdio buffer) */
START_TEST(test_stdio_output_unbuffered)
{
    make_tmpdir();
    char path[128], buf[64], err[256];
    snprintf(path, sizeof path, "%s/stdout", tmpdir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    dup2(fd, STDOUT_FILENO);
    close(fd);
    int nul = open("/dev/null", O_RDONLY);
    dup2(nul, STDIN_FILENO);
    close(nul);

    struct chardev *cd = chardev_open("stdio", err, sizeof err);
    ck_assert_ptr_nonnull(cd);
    chardev_write(cd, (const uint8_t *)"guest says hi", 13);
    size_t n = read_file(path, buf, sizeof buf); /* before close or flush */
    chardev_close(cd);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    ck_assert_uint_eq(n, 13);
    ck_assert_str_eq(buf, "guest says hi");
    remove_tmpdir();
}
END_TEST

START_TEST(test_stdio_stdin_dev_null_gives_no_input)
{
    char err[256];
    int nul = open("/dev/null", O_RDONLY);
    ck_assert_int_ge(nul, 0);
    dup2(nul, STDIN_FILENO);
    close(nul);
    struct chardev *cd = chardev_open("stdio", err, sizeof err);
    ck_assert_ptr_nonnull(cd);
    ck_assert_int_eq(chardev_input_fd(cd), STDIN_FILENO);
    uint8_t b;
    ck_assert_uint_eq(chardev_read(cd, &b, 1), 0);
    /* EOF seen: no more polling */
    ck_assert_int_eq(chardev_input_fd(cd), -1);
    ck_assert(!chardev_has_input_source(cd));
    ck_assert_uint_eq(chardev_read(cd, &b, 1), 0);
    chardev_close(cd);
}
END_TEST

START_TEST(test_stdio_stdin_pipe)
{
    char err[256];
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    dup2(p[0], STDIN_FILENO);
    close(p[0]);
    struct chardev *cd = chardev_open("stdio", err, sizeof err);
    ck_assert_ptr_nonnull(cd);
    uint8_t buf[8];
    /* nothing written yet: returns at once with nothing */
    ck_assert_uint_eq(chardev_read(cd, buf, sizeof buf), 0);
    ck_assert(chardev_has_input_source(cd));
    ck_assert_int_eq(write(p[1], "ab", 2), 2);
    ck_assert_uint_eq(chardev_read(cd, buf, 1), 1);
    ck_assert_uint_eq(buf[0], 'a');
    ck_assert_uint_eq(chardev_read(cd, buf, sizeof buf), 1);
    ck_assert_uint_eq(buf[0], 'b');
    ck_assert_uint_eq(chardev_read(cd, buf, sizeof buf), 0);
    ck_assert(chardev_has_input_source(cd));
    close(p[1]);
    ck_assert_uint_eq(chardev_read(cd, buf, sizeof buf), 0);
    ck_assert(!chardev_has_input_source(cd));
    chardev_close(cd);
}
END_TEST

/* a terminal on stdin goes raw while open and is restored at close */
START_TEST(test_stdio_tty_raw_and_restored)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
        fprintf(stderr, "no pseudo-terminals here; tty test skipped\n");
        return;
    }
    int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    ck_assert_int_ge(slave, 0);
    dup2(slave, STDIN_FILENO);
    close(slave);
    struct termios before, during, after;
    ck_assert_int_eq(tcgetattr(STDIN_FILENO, &before), 0);
    ck_assert(before.c_lflag & ICANON);

    char err[256];
    struct chardev *cd = chardev_open("stdio", err, sizeof err);
    ck_assert_ptr_nonnull(cd);
    ck_assert_int_eq(tcgetattr(STDIN_FILENO, &during), 0);
    ck_assert(!(during.c_lflag & ICANON));
    ck_assert(!(during.c_lflag & ECHO));
    ck_assert(during.c_lflag & ISIG); /* Ctrl-C still reaches the emulator */

    uint8_t buf[8];
    ck_assert_uint_eq(chardev_read(cd, buf, sizeof buf), 0); /* nothing typed */
    ck_assert(chardev_has_input_source(cd));
    ck_assert_int_eq(write(master, "k", 1), 1);
    size_t n = 0;
    for (int i = 0; i < 100 && n == 0; i++) {
        n = chardev_read(cd, buf, sizeof buf);
        if (!n)
            usleep(1000);
    }
    ck_assert_uint_eq(n, 1); /* no line discipline: one key, at once */
    ck_assert_uint_eq(buf[0], 'k');

    chardev_close(cd);
    ck_assert_int_eq(tcgetattr(STDIN_FILENO, &after), 0);
    ck_assert(after.c_lflag & ICANON);
    ck_assert(after.c_lflag & ECHO);
    ck_assert_uint_eq(after.c_lflag, before.c_lflag);
    ck_assert_uint_eq(after.c_iflag, before.c_iflag);
    close(master);
}
END_TEST

static Suite *chardev_suite(void)
{
    Suite *s = suite_create("chardev");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_none_and_null_discard);
    tcase_add_test(tc, test_unknown_spec);
    tcase_add_test(tc, test_file_missing_dir_names_path);
    tcase_add_test(tc, test_file_empty_path);
    tcase_add_test(tc, test_file_error_truncated_err_buffer);
    tcase_add_test(tc, test_file_creates_truncates_and_writes);
    tcase_add_test(tc, test_file_on_directory_fails);
    tcase_add_test(tc, test_buffer_output_and_input);
    tcase_add_test(tc, test_null_pointer_safety);
    tcase_add_test(tc, test_stdio_output_unbuffered);
    tcase_add_test(tc, test_stdio_stdin_dev_null_gives_no_input);
    tcase_add_test(tc, test_stdio_stdin_pipe);
    tcase_add_test(tc, test_stdio_tty_raw_and_restored);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(chardev_suite());
    /* the stdio tests rewire fds 0 and 1: keep each test in its own process */
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
