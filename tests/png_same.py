#!/usr/bin/env python3
"""png_same.py SHOT REF... - is SHOT pixel for pixel the same image as one
of the REFs?  Decodes the PNGs with zlib alone (PNG specification, 2nd
edition: 8-bit greyscale, RGB or RGBA, no interlacing, filters 0-4), so that
any encoder's output can be compared with any other's.  Prints which REF
matched (exit 0), or how SHOT differs from the closest REF (exit 1).

png_same.py --xwd FILE X Y K REF... - the same, for the rectangle at X,Y of
an X window dump (XWD, as Xvfb -fbdir keeps its screen: ZPixmap, 32 bits
per pixel) K times as wide and high as the first REF, each REF pixel a KxK
block there."""
import struct
import sys
import zlib


def decode(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG file")
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if zlib.crc32(kind + body) != struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])[0]:
            raise ValueError(f"{path}: bad CRC in {kind!r}")
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + length
    w, h, depth, ctype, _, _, interlace = hdr
    channels = {0: 1, 2: 3, 6: 4}.get(ctype)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f"{path}: unsupported PNG (depth {depth}, colour type {ctype}, interlace {interlace})")
    raw = zlib.decompress(idat)
    stride = w * channels
    rows, prev = [], bytearray(stride)
    for y in range(h):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 255
            elif ftype != 0:
                raise ValueError(f"{path}: bad filter type {ftype} in row {y}")
        rows.append(bytes(line))
        prev = line
    # compare as RGB whatever the colour type
    if channels == 1:
        rows = [bytes(v for g in r for v in (g, g, g)) for r in rows]
    elif channels == 4:
        rows = [bytes(v for i, v in enumerate(r) if i % 4 != 3) for r in rows]
    return w, h, rows


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
        rw, rh, _ = decode(args[5])
        sw, sh, srows = xwd_region(args[1], int(args[2]), int(args[3]), rw * scale, rh * scale)
        shot, refs = f"{args[1]} at {args[2]},{args[3]}", args[5:]
    elif len(args) >= 2 and args[0] != "--xwd":
        sw, sh, srows = decode(args[0])
        shot, refs = args[0], args[1:]
    else:
        print("usage: png_same.py SHOT REF... | png_same.py --xwd FILE X Y K REF...", file=sys.stderr)
        return 2
    best = None
    for ref in refs:
        rw, rh, rrows = decode(ref)
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
