"""pngio.py - the image files the tests read back: PNG screendumps (of
dynapc, of its window) and binary PPM ones (QEMU's).  Both readers return
(width, height, rows), each row the bytes R, G, B of every pixel, so that
images from any encoder compare with any other's.

PNG is decoded with zlib alone (PNG specification, 2nd edition): 8-bit
greyscale, RGB or RGBA, no interlacing, every filter type (section 9),
chunk CRCs checked.  Greyscale comes back as R = G = B, alpha is dropped.
PPM is the binary P6 form with a maxval of 255, comments allowed in the
header (netpbm's ppm(5))."""
import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_CHANNELS = {0: 1, 2: 3, 6: 4}  # colour type: greyscale, RGB, RGBA


def unfilter(path, raw, w, h, channels):
    """the rows of raw (filter type byte + row, h times) without their
    filters; a, b, c are the left, upper and upper left bytes"""
    stride = w * channels
    rows, prev = [], bytearray(stride)
    for y in range(h):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        if ftype > 4:
            raise ValueError(f"{path}: bad filter type {ftype} in row {y}")
        for i in range(stride if ftype else 0):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            else:
                c = prev[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 255
        rows.append(line)
        prev = line
    return rows


def read_png(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != PNG_SIGNATURE:
        raise ValueError(f"{path}: not a PNG file")
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        if zlib.crc32(kind + body) != crc:
            raise ValueError(f"{path}: bad CRC in {kind!r}")
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + length
    if hdr is None:
        raise ValueError(f"{path}: no IHDR chunk")
    w, h, depth, ctype, _, _, interlace = hdr
    channels = PNG_CHANNELS.get(ctype)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f"{path}: unsupported PNG (depth {depth}, colour type {ctype}, interlace {interlace})")
    try:
        raw = zlib.decompress(idat)
    except zlib.error as e:
        raise ValueError(f"{path}: {e}") from None
    if len(raw) < h * (w * channels + 1):
        raise ValueError(f"{path}: {len(raw)} bytes of image data, {w}x{h} needs {h * (w * channels + 1)}")
    rows = unfilter(path, raw, w, h, channels)
    if channels == 1:
        rows = [bytes(v for g in r for v in (g, g, g)) for r in rows]
    elif channels == 4:
        for r in rows:
            del r[3::4]
    return w, h, [bytes(r) for r in rows]


def read_ppm(path):
    with open(path, "rb") as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4 and pos < len(data):
        while data[pos : pos + 1].isspace():
            pos += 1
        if data[pos : pos + 1] == b"#":
            while pos < len(data) and data[pos : pos + 1] != b"\n":
                pos += 1
            continue
        start = pos
        while pos < len(data) and not data[pos : pos + 1].isspace():
            pos += 1
        fields.append(data[start:pos])
    if len(fields) < 4 or fields[0] != b"P6" or fields[3] != b"255":
        raise ValueError(f"{path}: not a binary 8-bit PPM")
    w, h = int(fields[1]), int(fields[2])
    pix = data[pos + 1 : pos + 1 + w * h * 3]
    if len(pix) != w * h * 3:
        raise ValueError(f"{path}: short pixel data")
    return w, h, [pix[y * w * 3 : (y + 1) * w * 3] for y in range(h)]
