#!/usr/bin/env python3
"""png_same.py SHOT REF... - is SHOT pixel for pixel the same image as one
of the REFs?  Decodes the PNGs with zlib alone (pngio.py: 8-bit greyscale,
RGB or RGBA, no interlacing, filters 0-4), so that any encoder's output
can be compared with any other's.  Prints which REF matched (exit 0), or
how SHOT differs from the closest REF (exit 1).

png_same.py --xwd FILE X Y K REF... - the same, for the rectangle at X,Y of
an X window dump (XWD, as Xvfb -fbdir keeps its screen: ZPixmap, 32 bits
per pixel) K times as wide and high as the first REF, each REF pixel a KxK
block there."""
import struct
import sys

from pngio import read_png


def xwd_region(path, x0, y0, w, h):
    with open(path, "rb") as f:
        data = f.read()
    hdr = struct.unpack(">25I", data[:100])
    size, fmt, width, height, order, bpp, stride = hdr[0], hdr[2], hdr[4], hdr[5], hdr[7], hdr[11], hdr[12]
    masks, ncolors = hdr[14:17], hdr[19]
    if fmt != 2 or bpp != 32 or masks != (0xFF0000, 0xFF00, 0xFF):
        raise ValueError(f"{path}: unsupported XWD (format {fmt}, {bpp} bits per pixel, masks {masks})")
    if x0 < 0 or y0 < 0 or x0 + w > width or y0 + h > height:
        raise ValueError(f"{path}: {w}x{h} at {x0},{y0} is outside the {width}x{height} screen")
    base = size + 12 * ncolors
    rows = []
    for y in range(y0, y0 + h):
        line = data[base + y * stride + 4 * x0 : base + y * stride + 4 * (x0 + w)]
        px = struct.unpack(("<" if order == 0 else ">") + f"{w}I", line)
        rows.append(bytes(v for p in px for v in ((p >> 16) & 255, (p >> 8) & 255, p & 255)))
    return w, h, rows


def main():
    args = sys.argv[1:]
    scale = 1
    if args[:1] == ["--xwd"] and len(args) >= 6:
        scale = int(args[4])
        rw, rh, _ = read_png(args[5])
        sw, sh, srows = xwd_region(args[1], int(args[2]), int(args[3]), rw * scale, rh * scale)
        shot, refs = f"{args[1]} at {args[2]},{args[3]}", args[5:]
    elif len(args) >= 2 and args[0] != "--xwd":
        sw, sh, srows = read_png(args[0])
        shot, refs = args[0], args[1:]
    else:
        print("usage: png_same.py SHOT REF... | png_same.py --xwd FILE X Y K REF...", file=sys.stderr)
        return 2
    best = None
    for ref in refs:
        rw, rh, rrows = read_png(ref)
        if scale > 1:  # each pixel a scale x scale block
            rrows = [bytes(v for x in range(rw) for _ in range(scale) for v in r[3 * x : 3 * x + 3]) for r in rrows]
            rrows = [r for r in rrows for _ in range(scale)]
            rw, rh = rw * scale, rh * scale
        if (rw, rh) != (sw, sh):
            diff = f"{ref}: {rw}x{rh}, the shot is {sw}x{sh}"
            best = best or (sw * sh + 1, diff)
            continue
        bad = sum(1 for y in range(sh) for x in range(sw) if srows[y][3 * x : 3 * x + 3] != rrows[y][3 * x : 3 * x + 3])
        if bad == 0:
            print(f"{shot} ({sw}x{sh}) is pixel for pixel {ref}")
            return 0
        if best is None or bad < best[0]:
            best = (bad, f"{ref}: {bad} of {sw * sh} pixels differ")
    print(f"{shot} matches none of {len(refs)} reference(s); closest {best[1]}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
