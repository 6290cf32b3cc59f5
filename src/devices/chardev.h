/* chardev.h - byte-stream back ends for serial ports and debug consoles:
 * "stdio", "file:PATH", "none"/"null", and an in-memory buffer for tests. */
#ifndef DYNAPC_CHARDEV_H
#define DYNAPC_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct chardev;

/* Parses a QEMU-style spec.  On error returns NULL and writes one line
 * (naming the spec and the reason) into err. */
struct chardev *chardev_open(const char *spec, char *err, size_t errlen);
/* a buffer back end: output is kept, input is what tests push */
struct chardev *chardev_new_buffer(void);
/* output-only, onto an open file descriptor the caller keeps (the -D log) */
struct chardev *chardev_from_fd(int fd);
void chardev_close(struct chardev *cd);

void chardev_write(struct chardev *cd, const uint8_t *buf, size_t len);
/* fn sees every byte written to cd (whatever the back end), before the back
 * end does; NULL removes the tap.  Scripts watch COM1's output through it. */
void chardev_set_tap(struct chardev *cd, void (*fn)(void *opaque, const uint8_t *buf, size_t len),
                     void *opaque);
/* non-blocking; returns the number of bytes read (0 if none pending) */
size_t chardev_read(struct chardev *cd, uint8_t *buf, size_t len);
/* file descriptor to poll for input, or -1 */
int chardev_input_fd(const struct chardev *cd);
/* true while the back end can still produce input (stdin before EOF, the
 * buffer back end); devices stop polling one that returns false */
bool chardev_has_input_source(const struct chardev *cd);
void chardev_flush(struct chardev *cd);

/* buffer back end only */
void chardev_buffer_push_input(struct chardev *cd, const uint8_t *buf, size_t len);
/* everything written since the last clear, NUL-terminated; the pointer
 * stays valid until the next write or clear */
const char *chardev_buffer_output(struct chardev *cd, size_t *len);
/* forget the output kept so far (pending input stays) */
void chardev_buffer_clear(struct chardev *cd);

#endif
