/* vmstate.h - named, versioned descriptions of device state.
 *
 * Every device publishes one `struct vmstate_desc` listing its saved fields
 * by name (offset and size inside the device struct).  Save/restore walks the
 * description, so the format is keyed by names and versions, never by
 * position.  Pointers (bus, timers' links, back ends) are never listed. */
#ifndef DYNAPC_VMSTATE_H
#define DYNAPC_VMSTATE_H

#include <stddef.h>
#include <stdint.h>

struct vmstate_field {
    const char *name;
    size_t offset;
    size_t size;  /* bytes of one element */
    size_t count; /* elements (1 for scalars) */
};

struct vmstate_desc {
    const char *name;
    int version;
    const struct vmstate_field *fields; /* terminated by a field with name NULL */
};

#define VMSTATE_FIELD(type, member)                                                                          \
    {                                                                                                        \
#member, offsetof(type, member), sizeof(((type *)0)->member), 1                                      \
    }
#define VMSTATE_ARRAY(type, member)                                                                          \
    {                                                                                                        \
#member, offsetof(type, member), sizeof(((type *)0)->member[0]),                                     \
            sizeof(((type *)0)->member) / sizeof(((type *)0)->member[0])                                     \
    }
#define VMSTATE_END                                                                                          \
    {                                                                                                        \
        NULL, 0, 0, 0                                                                                        \
    }

#endif
