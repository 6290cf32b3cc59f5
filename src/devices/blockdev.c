/* blockdev.c - raw disk images with a copy-on-write overlay (see blockdev.h). */
#include "devices/blockdev.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* snapshot overlay: open-addressing hash of sector number -> 512 bytes */
struct overlay_slot {
    uint64_t key; /* sector + 1; 0 = empty */
    uint8_t *data;
};

struct blockdev {
    int fd;
    char *path;
    uint64_t size;
    bool read_only;
    bool snapshot;
    struct overlay_slot *slots;
    size_t nslots, nused; /* nslots is 0 or a power of two */
    char error[320];
};

static uint64_t hash_sector(uint64_t s)
{
    s ^= s >> 33;
    s *= 0xff51afd7ed558ccdull;
    s ^= s >> 33;
    return s;
}

static struct overlay_slot *overlay_find(const struct blockdev *bd, uint64_t sector)
{
    if (!bd->nslots)
        return NULL;
    size_t mask = bd->nslots - 1;
    for (size_t i = hash_sector(sector) & mask;; i = (i + 1) & mask) {
        struct overlay_slot *s = &bd->slots[i];
        if (s->key == sector + 1)
            return s;
        if (!s->key)
            return NULL;
    }
}

static int overlay_grow(struct blockdev *bd)
{
    size_t n = bd->nslots ? bd->nslots * 2 : 1024;
    struct overlay_slot *ns = calloc(n, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t i = 0; i < bd->nslots; i++) {
        struct overlay_slot *o = &bd->slots[i];
        if (!o->key)
            continue;
        size_t j = hash_sector(o->key - 1) & (n - 1);
        while (ns[j].key)
            j = (j + 1) & (n - 1);
        ns[j] = *o;
    }
    free(bd->slots);
    bd->slots = ns;
    bd->nslots = n;
    return 0;
}

/* the overlay copy of a sector, created from the file's contents if new */
static uint8_t *overlay_get(struct blockdev *bd, uint64_t sector)
{
    struct overlay_slot *s = overlay_find(bd, sector);
    if (s)
        return s->data;
    if ((bd->nused + 1) * 2 > bd->nslots && overlay_grow(bd))
        return NULL;
    uint8_t *data = calloc(1, BLOCKDEV_SECTOR);
    if (!data)
        return NULL;
    uint64_t off = sector * BLOCKDEV_SECTOR;
    size_t want = off + BLOCKDEV_SECTOR <= bd->size ? BLOCKDEV_SECTOR : (size_t)(bd->size - off);
    if (pread(bd->fd, data, want, (off_t)off) != (ssize_t)want) {
        free(data);
        return NULL;
    }
    size_t mask = bd->nslots - 1;
    size_t i = hash_sector(sector) & mask;
    while (bd->slots[i].key)
        i = (i + 1) & mask;
    bd->slots[i].key = sector + 1;
    bd->slots[i].data = data;
    bd->nused++;
    return data;
}

struct blockdev *blockdev_open(const char *path, unsigned flags, char *err, size_t errlen)
{
    bool writable = !(flags & (BLOCKDEV_READ_ONLY | BLOCKDEV_SNAPSHOT));
    int fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st)) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: %s", path, strerror(EISDIR));
        close(fd);
        return NULL;
    }
    /* only a conflicting lock refuses the image; a file system without
     * locks (ENOLCK, EOPNOTSUPP) does not */
    if (flock(fd, (writable ? LOCK_EX : LOCK_SH) | LOCK_NB) && errno == EWOULDBLOCK) {
        snprintf(err, errlen, "%s: image is in use by another process (%s)", path, strerror(errno));
        close(fd);
        return NULL;
    }
    off_t end = lseek(fd, 0, SEEK_END);
    if (end < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    uint8_t magic[4] = {0};
    if (pread(fd, magic, sizeof magic, 0) == (ssize_t)sizeof magic && !memcmp(magic, "QFI\xfb", 4)) {
        snprintf(err, errlen, "%s: is a qcow2 image; only raw images are supported", path);
        close(fd);
        return NULL;
    }
    struct blockdev *bd = calloc(1, sizeof *bd);
    char *p = strdup(path);
    if (!bd || !p) {
        snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
        free(bd);
        free(p);
        close(fd);
        return NULL;
    }
    bd->fd = fd;
    bd->path = p;
    bd->size = (uint64_t)end;
    bd->read_only = (flags & BLOCKDEV_READ_ONLY) != 0;
    bd->snapshot = (flags & BLOCKDEV_SNAPSHOT) != 0;
    return bd;
}

void blockdev_close(struct blockdev *bd)
{
    if (!bd)
        return;
    if (!bd->read_only && !bd->snapshot)
        fsync(bd->fd);
    close(bd->fd);
    for (size_t i = 0; i < bd->nslots; i++)
        free(bd->slots[i].data);
    free(bd->slots);
    free(bd->path);
    free(bd);
}

const char *blockdev_path(const struct blockdev *bd)
{
    return bd->path;
}

uint64_t blockdev_size(const struct blockdev *bd)
{
    return bd->size;
}

uint64_t blockdev_sectors(const struct blockdev *bd, unsigned sector_size)
{
    return bd->size / sector_size;
}

bool blockdev_read_only(const struct blockdev *bd)
{
    return bd->read_only;
}

bool blockdev_snapshot(const struct blockdev *bd)
{
    return bd->snapshot;
}

const char *blockdev_error(const struct blockdev *bd)
{
    return bd->error;
}

static int fail(struct blockdev *bd, int e, const char *what, uint64_t offset, size_t len)
{
    snprintf(bd->error, sizeof bd->error, "%s: %s of %zu bytes at %llu: %s", bd->path, what, len,
             (unsigned long long)offset, strerror(e));
    return -e;
}

static bool in_range(const struct blockdev *bd, uint64_t offset, size_t len)
{
    return offset <= bd->size && len <= bd->size - offset;
}

/* pread/pwrite until done: they may transfer less than asked */
static int full_io(struct blockdev *bd, bool write, uint64_t offset, uint8_t *buf, size_t len)
{
    for (size_t done = 0; done < len;) {
        ssize_t n = write ? pwrite(bd->fd, buf + done, len - done, (off_t)(offset + done))
                          : pread(bd->fd, buf + done, len - done, (off_t)(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return fail(bd, n < 0 ? errno : EIO, write ? "write" : "read", offset, len);
        done += (size_t)n;
    }
    return 0;
}

int blockdev_read(struct blockdev *bd, uint64_t offset, void *buf, size_t len)
{
    if (!in_range(bd, offset, len))
        return fail(bd, EINVAL, "read", offset, len);
    int r = full_io(bd, false, offset, buf, len);
    if (r || !bd->nused || !len)
        return r;
    /* patch in the sectors the overlay holds */
    uint8_t *out = buf;
    for (uint64_t s = offset / BLOCKDEV_SECTOR; s <= (offset + len - 1) / BLOCKDEV_SECTOR; s++) {
        struct overlay_slot *o = overlay_find(bd, s);
        if (!o)
            continue;
        uint64_t lo = s * BLOCKDEV_SECTOR > offset ? s * BLOCKDEV_SECTOR : offset;
        uint64_t hi = (s + 1) * BLOCKDEV_SECTOR < offset + len ? (s + 1) * BLOCKDEV_SECTOR : offset + len;
        memcpy(out + (lo - offset), o->data + (lo - s * BLOCKDEV_SECTOR), (size_t)(hi - lo));
    }
    return 0;
}

int blockdev_write(struct blockdev *bd, uint64_t offset, const void *buf, size_t len)
{
    if (bd->read_only)
        return fail(bd, EROFS, "write", offset, len);
    if (!in_range(bd, offset, len))
        return fail(bd, EINVAL, "write", offset, len);
    if (!bd->snapshot)
        return full_io(bd, true, offset, (uint8_t *)buf, len);
    const uint8_t *in = buf;
    for (uint64_t pos = offset; pos < offset + len;) {
        uint64_t s = pos / BLOCKDEV_SECTOR;
        uint64_t end = (s + 1) * BLOCKDEV_SECTOR < offset + len ? (s + 1) * BLOCKDEV_SECTOR : offset + len;
        uint8_t *data = overlay_get(bd, s);
        if (!data)
            return fail(bd, ENOMEM, "snapshot write", offset, len);
        memcpy(data + (pos - s * BLOCKDEV_SECTOR), in + (pos - offset), (size_t)(end - pos));
        pos = end;
    }
    return 0;
}

int blockdev_flush(struct blockdev *bd)
{
    if (bd->read_only || bd->snapshot)
        return 0;
    if (fsync(bd->fd))
        return fail(bd, errno, "flush", 0, 0);
    return 0;
}
