/* blockdev.h - disk images: the back end under the IDE drives.
 *
 * A raw image file, addressed in bytes.  Three modes:
 *   read-write  every write goes straight to the file (pwrite: write
 *               through to the host's page cache), fsync on flush and close;
 *   read-only   the file is opened O_RDONLY and writes fail with EROFS;
 *   snapshot    the file is opened O_RDONLY; writes land in an in-memory
 *               overlay of modified 512-byte sectors that reads see and that
 *               is dropped on close.  The file is never written.
 * The file is locked (flock: exclusive for read-write, shared otherwise) so
 * that two emulators cannot write one image at the same time. */
#ifndef DYNAPC_BLOCKDEV_H
#define DYNAPC_BLOCKDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BLOCKDEV_SECTOR 512u

enum {
    BLOCKDEV_READ_ONLY = 1,
    BLOCKDEV_SNAPSHOT = 2,
};

struct blockdev;

/* flags: BLOCKDEV_* bits.  NULL on failure, with one line in err naming the
 * file and the reason ("disk.img: No such file or directory"). */
struct blockdev *blockdev_open(const char *path, unsigned flags, char *err, size_t errlen);
/* flushes (read-write) and closes; the snapshot overlay is discarded */
void blockdev_close(struct blockdev *bd);

const char *blockdev_path(const struct blockdev *bd);
uint64_t blockdev_size(const struct blockdev *bd); /* bytes */
uint64_t blockdev_sectors(const struct blockdev *bd, unsigned sector_size);
bool blockdev_read_only(const struct blockdev *bd); /* writes refused (not snapshot) */
bool blockdev_snapshot(const struct blockdev *bd);

/* 0, or -errno (EINVAL past the end, EROFS for a read-only image, EIO...);
 * blockdev_error() then says what failed */
int blockdev_read(struct blockdev *bd, uint64_t offset, void *buf, size_t len);
int blockdev_write(struct blockdev *bd, uint64_t offset, const void *buf, size_t len);
int blockdev_flush(struct blockdev *bd);
const char *blockdev_error(const struct blockdev *bd);

#endif
