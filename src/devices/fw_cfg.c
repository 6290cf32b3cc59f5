/* fw_cfg.c - firmware configuration interface (the layout of QEMU's
 * docs/specs/fw_cfg.txt: little-endian scalar items, a big-endian file
 * directory at key 0x19).  Only the port interface (no DMA) is offered,
 * which FW_CFG_ID says, and SeaBIOS then reads byte by byte. */
#include "devices/fw_cfg.h"

#include <stdlib.h>
#include <string.h>

#define MAX_ITEMS 64
#define MAX_FILES 32

struct fw_item {
    uint16_t key;
    uint8_t *data;
    uint32_t len;
};

struct fw_cfg {
    struct bus *bus;
    uint16_t base;
    struct fw_item items[MAX_ITEMS];
    int nitems;
    char names[MAX_FILES][56];
    int nfiles;
    uint16_t selected;
    uint32_t offset;
};

static struct fw_item *find(struct fw_cfg *f, uint16_t key)
{
    for (int i = 0; i < f->nitems; i++)
        if (f->items[i].key == key)
            return &f->items[i];
    return NULL;
}

int fw_cfg_add_bytes(struct fw_cfg *f, uint16_t key, const void *data, uint32_t len)
{
    struct fw_item *it = find(f, key);
    if (!it) {
        if (f->nitems == MAX_ITEMS)
            return -1;
        it = &f->items[f->nitems++];
        it->key = key;
    } else {
        free(it->data);
    }
    it->data = malloc(len ? len : 1);
    if (!it->data)
        return -1;
    memcpy(it->data, data, len);
    it->len = len;
    return 0;
}

int fw_cfg_add_i16(struct fw_cfg *f, uint16_t key, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    return fw_cfg_add_bytes(f, key, b, 2);
}

int fw_cfg_add_i32(struct fw_cfg *f, uint16_t key, uint32_t v)
{
    uint8_t b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    return fw_cfg_add_bytes(f, key, b, 4);
}

int fw_cfg_add_i64(struct fw_cfg *f, uint16_t key, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    return fw_cfg_add_bytes(f, key, b, 8);
}

static void put_be(uint8_t *p, uint32_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* the directory: be32 count, then per file be32 size, be16 key, be16 0, name[56] */
static int rebuild_dir(struct fw_cfg *f)
{
    uint32_t len = 4 + 64u * (uint32_t)f->nfiles;
    uint8_t *d = calloc(1, len);
    if (!d)
        return -1;
    put_be(d, (uint32_t)f->nfiles, 4);
    for (int i = 0; i < f->nfiles; i++) {
        uint8_t *e = d + 4 + 64 * i;
        uint16_t key = (uint16_t)(FW_CFG_FILE_FIRST + i);
        put_be(e, find(f, key)->len, 4);
        put_be(e + 4, key, 2);
        memcpy(e + 8, f->names[i], 56);
    }
    int r = fw_cfg_add_bytes(f, FW_CFG_FILE_DIR, d, len);
    free(d);
    return r;
}

int fw_cfg_add_file(struct fw_cfg *f, const char *name, const void *data, uint32_t len)
{
    if (strlen(name) > 55)
        return -1;
    int i;
    for (i = 0; i < f->nfiles; i++)
        if (!strcmp(f->names[i], name))
            break;
    if (i == f->nfiles) {
        if (f->nfiles == MAX_FILES)
            return -1;
        f->nfiles++;
        memset(f->names[i], 0, 56);
        memcpy(f->names[i], name, strlen(name));
    }
    if (fw_cfg_add_bytes(f, (uint16_t)(FW_CFG_FILE_FIRST + i), data, len))
        return -1;
    return rebuild_dir(f);
}

static uint64_t port_read(void *opaque, uint64_t off, unsigned size)
{
    struct fw_cfg *f = opaque;
    if (off == 0)
        return size == 1 ? (f->selected & 0xFF) : f->selected;
    uint64_t v = 0;
    struct fw_item *it = find(f, f->selected);
    for (unsigned i = 0; i < size; i++) {
        uint8_t b = it && f->offset < it->len ? it->data[f->offset] : 0;
        if (it && f->offset < it->len)
            f->offset++;
        v |= (uint64_t)b << (8 * i);
    }
    return v;
}

static void port_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    (void)size;
    struct fw_cfg *f = opaque;
    if (off == 0) {
        f->selected = (uint16_t)v;
        f->offset = 0;
    }
}

static const struct bus_ops fw_cfg_ops = {port_read, port_write, BUS_W8 | BUS_W16};

struct fw_cfg *fw_cfg_new(struct bus *bus, uint16_t base)
{
    struct fw_cfg *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->bus = bus;
    f->base = base;
    if (bus_map(bus, BUS_IO, base, 2, &fw_cfg_ops, f, "fw_cfg")) {
        free(f);
        return NULL;
    }
    fw_cfg_add_bytes(f, FW_CFG_SIGNATURE, "QEMU", 4);
    fw_cfg_add_i32(f, FW_CFG_ID, 1); /* traditional interface only, no DMA */
    rebuild_dir(f);
    return f;
}

void fw_cfg_free(struct fw_cfg *f)
{
    if (!f)
        return;
    bus_unmap(f->bus, BUS_IO, f->base);
    for (int i = 0; i < f->nitems; i++)
        free(f->items[i].data);
    free(f);
}
