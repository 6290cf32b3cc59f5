/* png.c - the PNG writer (see png.h).  A file is the 8-byte signature and
 * three chunks: IHDR, IDAT, IEND.  Each chunk is a big-endian length, a
 * 4-letter type, the data, and the CRC-32 of type and data (PNG spec 5.3).
 * Rows are stored with filter type 0 (None): screens are mostly runs of
 * equal pixels, which deflate handles well without filtering. */
#include "ui/png.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const uint8_t png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* writes one chunk at p; returns the bytes written (12 + len) */
static size_t put_chunk(uint8_t *p, const char type[4], const uint8_t *data, uint32_t len)
{
    put_be32(p, len);
    memcpy(p + 4, type, 4);
    if (len)
        memmove(p + 8, data, len);
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, p + 4, 4 + len);
    put_be32(p + 8 + len, (uint32_t)crc);
    return 12 + (size_t)len;
}

uint8_t *png_encode_xrgb(const uint32_t *pixels, int width, int height, size_t *len)
{
    /* PNG allows up to 2^31-1 per side; a screen is far smaller, and the
     * raw image must fit in zlib's uLong */
    if (width <= 0 || height <= 0 || width > 65535 || height > 65535)
        return NULL;
    size_t row = 1 + (size_t)width * 3;
    size_t raw_len = row * (size_t)height;
    uint8_t *raw = malloc(raw_len);
    if (!raw)
        return NULL;
    for (int y = 0; y < height; y++) {
        uint8_t *o = raw + (size_t)y * row;
        const uint32_t *in = pixels + (size_t)y * (size_t)width;
        *o++ = 0; /* filter type None */
        for (int x = 0; x < width; x++) {
            *o++ = (uint8_t)(in[x] >> 16);
            *o++ = (uint8_t)(in[x] >> 8);
            *o++ = (uint8_t)in[x];
        }
    }
    uLongf zlen = compressBound((uLong)raw_len);
    /* signature, IHDR (13 bytes of data), IDAT, IEND */
    size_t cap = sizeof png_signature + (12 + 13) + (12 + (size_t)zlen) + 12;
    uint8_t *png = malloc(cap);
    if (!png) {
        free(raw);
        return NULL;
    }
    uint8_t *idat = png + sizeof png_signature + 12 + 13 + 8; /* compress straight into the chunk */
    if (compress2(idat, &zlen, raw, (uLong)raw_len, Z_DEFAULT_COMPRESSION) != Z_OK) {
        free(raw);
        free(png);
        return NULL;
    }
    free(raw);
    size_t n = 0;
    memcpy(png, png_signature, sizeof png_signature);
    n += sizeof png_signature;
    uint8_t ihdr[13];
    put_be32(ihdr, (uint32_t)width);
    put_be32(ihdr + 4, (uint32_t)height);
    ihdr[8] = 8;  /* bit depth */
    ihdr[9] = 2;  /* colour type: truecolour (RGB) */
    ihdr[10] = 0; /* compression: deflate */
    ihdr[11] = 0; /* filter method 0 */
    ihdr[12] = 0; /* no interlace */
    n += put_chunk(png + n, "IHDR", ihdr, sizeof ihdr);
    n += put_chunk(png + n, "IDAT", idat, (uint32_t)zlen); /* data already in place */
    n += put_chunk(png + n, "IEND", NULL, 0);
    *len = n;
    return png;
}

int png_write_xrgb(const char *path, const uint32_t *pixels, int width, int height, char *err, size_t errlen)
{
    size_t len;
    uint8_t *png = png_encode_xrgb(pixels, width, height, &len);
    if (!png) {
        snprintf(err, errlen, "%s: cannot encode a %dx%d PNG image (out of memory)", path, width, height);
        return -1;
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        free(png);
        return -1;
    }
    size_t w = fwrite(png, 1, len, f);
    int bad = w != len;
    if (fclose(f) != 0)
        bad = 1;
    free(png);
    if (bad) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : EIO));
        return -1;
    }
    return 0;
}
