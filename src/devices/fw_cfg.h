/* fw_cfg.h - the firmware configuration interface SeaBIOS reads (QEMU's
 * fw_cfg, I/O-port variant): a selector port and a data port giving RAM
 * size, CPU count, and named files (the e820 table, the boot order, ...). */
#ifndef DYNAPC_FW_CFG_H
#define DYNAPC_FW_CFG_H

#include <stdint.h>

#include "devices/bus.h"

enum {
    FW_CFG_SIGNATURE = 0x00,
    FW_CFG_ID = 0x01,
    FW_CFG_UUID = 0x02,
    FW_CFG_RAM_SIZE = 0x03,
    FW_CFG_NOGRAPHIC = 0x04,
    FW_CFG_NB_CPUS = 0x05,
    FW_CFG_BOOT_MENU = 0x0E, /* SeaBIOS's etc/show-boot-menu */
    FW_CFG_MAX_CPUS = 0x0F,
    FW_CFG_FILE_DIR = 0x19,
    FW_CFG_FILE_FIRST = 0x20,
};

struct fw_cfg;

/* selector at base (16-bit writes), data at base+1 (8-bit reads) */
struct fw_cfg *fw_cfg_new(struct bus *bus, uint16_t base);
void fw_cfg_free(struct fw_cfg *f);
/* items are copied; adding a key again replaces it */
int fw_cfg_add_bytes(struct fw_cfg *f, uint16_t key, const void *data, uint32_t len);
int fw_cfg_add_i16(struct fw_cfg *f, uint16_t key, uint16_t v);
int fw_cfg_add_i32(struct fw_cfg *f, uint16_t key, uint32_t v);
int fw_cfg_add_i64(struct fw_cfg *f, uint16_t key, uint64_t v);
/* a named file in the directory (names up to 55 characters) */
int fw_cfg_add_file(struct fw_cfg *f, const char *name, const void *data, uint32_t len);

#endif
