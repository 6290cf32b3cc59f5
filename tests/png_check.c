/* png_check.c - png_check FILE WIDTH HEIGHT: checks that FILE is a PNG as
 * dynapc writes it (signature; IHDR with the given size, 8-bit RGB; every
 * chunk's CRC; the IDAT data inflating to exactly WIDTH*HEIGHT*3+HEIGHT
 * bytes, each row starting with a valid filter type; IEND last).  Prints
 * one line and exits 0 if so, 1 if not. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int fail(const char *file, const char *why)
{
    printf("png_check: %s: %s\n", file, why);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: png_check FILE WIDTH HEIGHT\n");
        return 2;
    }
    const char *file = argv[1];
    unsigned long w = strtoul(argv[2], NULL, 10), h = strtoul(argv[3], NULL, 10);
    FILE *f = fopen(file, "rb");
    if (!f)
        return fail(file, "cannot open");
    static unsigned char buf[16 << 20];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    if (len < 8 || memcmp(buf, sig, 8))
        return fail(file, "no PNG signature");
    /* IDAT chunks may be split; gather them */
    unsigned char *z = malloc(len);
    size_t zlen = 0, pos = 8;
    int n = 0, seen_iend = 0;
    while (pos + 12 <= len && !seen_iend) {
        uint32_t clen = be32(buf + pos);
        if (pos + 12 + clen > len)
            return fail(file, "chunk runs past the end of the file");
        const unsigned char *type = buf + pos + 4, *data = buf + pos + 8;
        uLong crc = crc32(crc32(0, Z_NULL, 0), type, 4 + clen);
        if (be32(data + clen) != (uint32_t)crc)
            return fail(file, "bad chunk CRC");
        if (n == 0) {
            if (memcmp(type, "IHDR", 4) || clen != 13)
                return fail(file, "first chunk is not a 13-byte IHDR");
            if (be32(data) != w || be32(data + 4) != h) {
                printf("png_check: %s: IHDR says %ux%u, want %lux%lu\n", file, be32(data), be32(data + 4), w,
                       h);
                return 1;
            }
            if (data[8] != 8 || data[9] != 2 || data[10] || data[11] || data[12])
                return fail(file, "not 8-bit RGB, deflate, no interlace");
        } else if (!memcmp(type, "IDAT", 4)) {
            memcpy(z + zlen, data, clen);
            zlen += clen;
        } else if (!memcmp(type, "IEND", 4)) {
            seen_iend = 1;
        }
        n++;
        pos += 12 + clen;
    }
    if (!seen_iend || pos != len)
        return fail(file, "no IEND chunk at the end");
    size_t want = w * h * 3 + h;
    unsigned char *raw = malloc(want + 1);
    uLongf got = (uLongf)want + 1;
    if (uncompress(raw, &got, z, (uLong)zlen) != Z_OK)
        return fail(file, "IDAT does not inflate (or inflates to more than width*height*3+height bytes)");
    if (got != want) {
        printf("png_check: %s: IDAT inflates to %lu bytes, want %zu\n", file, (unsigned long)got, want);
        return 1;
    }
    for (unsigned long y = 0; y < h; y++)
        if (raw[y * (w * 3 + 1)] > 4)
            return fail(file, "bad filter type");
    printf("png_check: %s: %lux%lu RGB, %d chunks, IDAT inflates to %zu bytes\n", file, w, h, n, want);
    free(raw);
    free(z);
    return 0;
}
