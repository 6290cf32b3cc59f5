/* vga.h - IBM VGA with the Bochs VBE "DISPI" extension, as a PCI function
 * (1234:1111, class 030000h: QEMU's "stdvga", which SeaBIOS's
 * vgabios-stdvga.bin drives).
 *
 * Legacy side: the VGA registers at 3B4h/3B5h/3BAh (monochrome), 3C0h-3CFh
 * and 3D4h/3D5h/3DAh (colour; misc output bit 0 picks which of the two CRTC
 * sets answers), video memory at A0000h-BFFFFh (256 KB in four planes, with
 * every write mode, read mode, latch and addressing mode of the graphics
 * controller).  Extension: the DISPI index/data ports 1CEh/1CFh (1D0h is an
 * alias of the data port), 64 KB banks at A0000h, and 16 MB of video memory
 * behind BAR0 as a linear framebuffer.  The VGA BIOS is served through the
 * function's expansion ROM BAR (config offset 30h).
 *
 * Video memory layout (shared by every path): byte n of plane p is vram[4n + p],
 * so chain-4 and VBE packed-pixel memory are plain linear bytes.
 *
 * Input status 1 (3BAh/3DAh) reports display enable and vertical retrace as
 * functions of virtual time (timerq_now), with the frame and line rates the
 * CRTC registers and the dot clock select describe (70 Hz text, 60 Hz 480-line
 * modes).
 *
 * vga_render() turns the current screen into a 32-bit XRGB image at the mode's
 * logical resolution (320x200 for mode 13h, 720x400 for 80x25 text, the VBE
 * XRES x YRES); it does no work when nothing it depends on has changed. */
#ifndef DYNAPC_VGA_H
#define DYNAPC_VGA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/bus.h"
#include "devices/pci.h"
#include "devices/timer.h"
#include "devices/vmstate.h"

#define VGA_VRAM_SIZE    (16u << 20) /* BAR0 and VBE memory */
#define VGA_PCI_VENDOR   0x1234
#define VGA_PCI_DEVICE   0x1111
#define VGA_VBE_MAX_XRES 2560
#define VGA_VBE_MAX_YRES 1600
#define VGA_VBE_MAX_BPP  32

struct vga;

/* One rendered screen.  pixels holds width*height 0x00RRGGBB values, row by
 * row (stride = width); it belongs to the VGA and stays valid until the next
 * vga_render() or vga_free().  dirty: the image differs (or may differ) from
 * the one the previous call returned, in rows [dirty_y0, dirty_y1) only (the
 * rows outside are unchanged; the whole frame, 0 and height, when the mode
 * or size changed).  Not dirty: dirty_y0 == dirty_y1 == 0.
 * serial counts the images: it grows by one each time a call returns a
 * changed image.  With more than one caller (a window and a screendump), a
 * caller that last saw serial - 1 may use the dirty rows; one that saw less
 * missed a change and must take the whole frame. */
struct vga_frame {
    const uint32_t *pixels;
    int width, height;
    bool dirty;
    int dirty_y0, dirty_y1;
    uint64_t serial;
};

/* Claims the VGA ports, A0000h-BFFFFh and the DISPI ports on bus.  With pci,
 * also registers the PCI function at devfn (BAR0 = LFB, ROM BAR = the file at
 * vgabios_path, which may be NULL for none); pci may be NULL for an ISA-only
 * VGA without LFB.  tq gives virtual time for retrace and blinking.  On error
 * returns NULL with one line in err (a port clash, or the ROM file and why). */
struct vga *vga_new(struct bus *bus, struct pci_bus *pci, int devfn, struct timerq *tq,
                    const char *vgabios_path, char *err, size_t errlen);
void vga_free(struct vga *v);
/* power-on register state (video memory is kept) */
void vga_reset(struct vga *v);
/* after the fields in vga_vmstate were restored */
void vga_post_load(struct vga *v);

void vga_render(struct vga *v, struct vga_frame *out);

/* The current mode's frame period (the guest's vertical refresh: about
 * 14.3 ms for 70 Hz text and 400-line modes, 16.7 ms for 480-line and VBE
 * modes), from the CRTC timing and dot clock.  A front end calls
 * vga_render() once per period. */
uint64_t vga_frame_period_ns(struct vga *v);

/* The size to show the current image at on a square-pixel screen: each
 * rendered pixel an integer number of screen pixels wide and high, the way
 * the monitor shows it (320x200 -> 640x400, 640x200 -> 640x400, 360x400 text
 * -> 720x400, 640x480 and VBE modes as they are).  With aspect_4_3 a VGA mode
 * (not VBE: its pixels are square) fills a 4:3 screen: the height becomes
 * width * 3/4 (640x400 and 640x350 -> 640x480, 720x400 -> 720x540), which is
 * no longer an integer multiple. */
void vga_display_size(struct vga *v, bool aspect_4_3, int *w, int *h);

/* The characters of the current text screen, for automation and text
 * screendumps: rows lines of cols character codes each (the bytes the
 * guest wrote, in the font's code page, usually CP437), read the way the
 * CRTC scans them (start address, word/odd-even addressing, offset
 * register; the split screen is not followed).  Stores *cols and *rows and
 * writes min(outlen, cols*rows) bytes (out may be NULL when outlen is 0);
 * returns cols*rows, or -1 in a graphics or VBE mode. */
int vga_text_screen(struct vga *v, char *out, size_t outlen, int *cols, int *rows);

/* Video memory, for a board that maps the LFB straight into guest memory;
 * whoever writes it that way must call vga_mark_dirty(). */
uint8_t *vga_vram(struct vga *v);
void vga_mark_dirty(struct vga *v);

extern const struct vmstate_desc vga_vmstate;

#endif
