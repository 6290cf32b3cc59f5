/* png.h - PNG images of the screen: 8-bit RGB, no interlacing, one IDAT
 * chunk, compressed with zlib's deflate (PNG specification, 2nd edition,
 * ISO/IEC 15948). */
#ifndef DYNAPC_PNG_H
#define DYNAPC_PNG_H

#include <stddef.h>
#include <stdint.h>

/* Encodes width x height pixels of 0x00RRGGBB (row by row, stride = width)
 * into a PNG file image.  Returns a malloc()ed buffer and its size in *len,
 * or NULL (out of memory, or a size PNG cannot hold). */
uint8_t *png_encode_xrgb(const uint32_t *pixels, int width, int height, size_t *len);

/* png_encode_xrgb() into the file path; on error returns -1 with one line
 * (the file and the reason) in err. */
int png_write_xrgb(const char *path, const uint32_t *pixels, int width, int height, char *err, size_t errlen);

#endif
