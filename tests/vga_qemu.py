#!/usr/bin/env python3
"""vga_qemu.py DYNAPC FLOPPY WORKDIR - dynapc's screen against QEMU's.

Boots firmware/vgamodes (a floppy that sets VGA and VBE modes through the
VGA BIOS and fills each with a deterministic pattern, see vgamodes.asm) in
dynapc (--script, headless) and in qemu-system-i386 (its stdvga is the
same device model; driven through its monitor on a unix socket), takes a
screendump of every mode in both and compares them pixel for pixel.

Both run SeaBIOS and SeaVGABIOS's vgabios-stdvga.bin.  QEMU's screendump is
the image its display shows, dynapc's is the mode's logical resolution
(320x200 for 13h, where QEMU gives 640x400): each dynapc pixel must equal
every QEMU pixel of the integer-scaled block it covers.

Systematic differences, compared modulo:
  * 6-bit DAC values: QEMU widens v to (v << 2) | (v & 1) * 3, dynapc to
    (v << 2) | (v >> 4) (the full-scale mapping: 3Fh -> FFh); the top 6
    bits of each channel are compared.
  * 15/16 bpp: QEMU leaves the low bits of each channel zero, dynapc
    replicates the top bits; the top 5 (green: 6 in 16 bpp) are compared.
  * 24/32 bpp and the 8-bit DAC: exact.
  * QEMU draws 40-column text with 16-pixel cells, the VGA with 18 (XMAP).
  * QEMU's line graphics (ninth dot = eighth) covers B0h-DFh, the VGA's
    C0h-DFh (IGNORE).
  * QEMU does not pan graphics modes (XMAP of mode A03h).
The text modes run with the cursor off, and their attributes have no blink
bit, so that the blink phase (which differs with the two clocks) does not
show.

Exit status: 0 all modes agree, 1 a mode differs or an emulator failed, 77
(meson's skip) when qemu-system-i386 is not installed.
"""
import os
import shutil
import socket
import subprocess
import sys
import time

from pngio import read_ppm

# mode, the name the guest prints, the channel masks to compare
DAC6 = (0xFC, 0xFC, 0xFC)
MODES = [
    ("03", "text 80x25", DAC6),
    ("01", "text 40x25", DAC6),
    ("13", "320x200x256 (chain-4)", DAC6),
    ("12", "640x480x16 (planar)", DAC6),
    ("10", "640x350x16 (planar)", DAC6),
    ("0E", "640x200x16 (planar)", DAC6),
    ("0D", "320x200x16 (planar)", DAC6),
    ("04", "320x200x4 (CGA)", DAC6),
    ("06", "640x200x2 (CGA)", DAC6),
    ("101", "VBE 640x480x8", DAC6),
    ("110", "VBE 640x480x15", (0xF8, 0xF8, 0xF8)),
    ("111", "VBE 640x480x16", (0xF8, 0xFC, 0xF8)),
    ("112", "VBE 640x480x24", (0xFF, 0xFF, 0xFF)),
    ("142", "VBE 640x480x32", (0xFF, 0xFF, 0xFF)),
    ("A01", "mode X 320x240 (unchained)", DAC6),
    ("A02", "text 80x50 (8x8 font)", DAC6),
    ("A03", "13h split screen, start address, pel panning", DAC6),
    ("102", "VBE 800x600x4 (planar)", DAC6),
    ("A04", "VBE 640x480x16, 1024-pixel lines shown from (8,5)", (0xF8, 0xFC, 0xF8)),
    ("A05", "VBE 640x480x8 with the 8-bit DAC", (0xFF, 0xFF, 0xFF)),
]
TIMEOUT = 120

# QEMU draws 40-column text with 16-pixel cells: the 9-dot character
# doubled, without its ninth column (vga.c: "NOTE: no 18 pixel wide").
# The VGA doubles all nine dots (720 pixels a line); QEMU's column qx is
# dot (qx % 16) / 2 of cell qx / 16.
#
# QEMU does not pan graphics modes (vga_draw_graphic never reads AR13); the
# VGA does.  Mode A03h pans by one pixel above the split (image lines
# 0-99): there dynapc's column x shows what QEMU's x + 1 does, and QEMU's
# first column has no counterpart.
XMAP = {
    "01": lambda qx, y: (qx // 16) * 9 + (qx % 16) // 2,
    "A03": lambda qx, y: qx // 2 if y >= 100 else (qx // 2 - 1 if qx >= 2 else None),
}


# QEMU repeats the eighth column into the ninth for characters B0h-DFh;
# the VGA's line graphics enable (AR10 bit 2) covers C0h-DFh only (IBM VGA
# Technical Reference, attribute mode control register; FreeVGA, "Line
# Graphics Enable").  In the 80-column text modes the pattern puts character
# (80 * row + column) & FFh in each cell; the ninth column of B0h-BFh is
# the one place the two may differ.
def ninth_column_b0_bf(cell_height):
    def ignore(x, y):
        ch = ((y // cell_height) * 80 + x // 9) & 0xFF
        return x % 9 == 8 and 0xB0 <= ch <= 0xBF
    return ignore


IGNORE = {"03": ninth_column_b0_bf(16), "A02": ninth_column_b0_bf(8)}

# The IBM default palette of the 16-colour modes (attribute palette 00h-05h,
# 14h, 07h, 38h-3Fh into the default DAC), as 6-bit R, G, B
EGA16 = [(0x00, 0x00, 0x00), (0x00, 0x00, 0x2A), (0x00, 0x2A, 0x00), (0x00, 0x2A, 0x2A),
         (0x2A, 0x00, 0x00), (0x2A, 0x00, 0x2A), (0x2A, 0x15, 0x00), (0x2A, 0x2A, 0x2A),
         (0x15, 0x15, 0x15), (0x15, 0x15, 0x3F), (0x15, 0x3F, 0x15), (0x15, 0x3F, 0x3F),
         (0x3F, 0x15, 0x15), (0x3F, 0x15, 0x3F), (0x3F, 0x3F, 0x15), (0x3F, 0x3F, 0x3F)]


def planar_pattern(width, height):
    """The image vgamodes.asm's fill_planes draws: plane p byte i =
    (i * 13 + p * 37) ^ (i >> 7); pixel x of line y is bit 7 - x % 8 of
    byte y * width / 8 + x / 8 in each plane, plane p giving colour bit p."""
    out = bytearray()
    for y in range(height):
        for xb in range(width // 8):
            i = y * (width // 8) + xb
            planes = [((i * 13 + p * 37) ^ (i >> 7)) & 0xFF for p in range(4)]
            for bit in range(7, -1, -1):
                c = sum(((planes[p] >> bit) & 1) << p for p in range(4))
                out += bytes(v << 2 for v in EGA16[c])
    return out


# QEMU 7.2 draws VBE's 4-bit planar modes wrongly (its lines step 4 times
# too far through video memory: from line 150 of 800x600 it shows memory
# past what was drawn, and line 0 is not the planes' first 100 bytes
# either), so mode 102h is checked against the pattern itself.
PATTERN = {"102": (800, 600, planar_pattern)}


def mask_table(m):
    return bytes(b & m for b in range(256))


def masked(row, tables):
    out = bytearray(row)
    for c in range(3):
        out[c::3] = row[c::3].translate(tables[c])
    return bytes(out)


def compare(dyn_path, qemu_path, masks, xmap=None, ignore=None):
    """(True, note) when the images agree modulo masks, else (False, why).
    xmap(qx, y) gives the dynapc column QEMU's column qx of dynapc line y
    shows, or None for no counterpart (default: integer scaling); ignore(x,
    y) names dynapc pixels a known QEMU deviation may change."""
    dw, dh, drows = read_ppm(dyn_path)
    qw, qh, qrows = read_ppm(qemu_path)
    if (xmap is None and qw % dw) or qh % dh:
        return False, "sizes %dx%d (dynapc) and %dx%d (QEMU) are not integer multiples" % (dw, dh, qw, qh)
    sy = qh // dh
    if xmap is None:
        sx = qw // dw
        xmap = lambda qx, y: qx // sx
    tables = [mask_table(m) for m in masks]
    bad = ignored = 0
    first = None
    col_maps = {}
    for y in range(qh):
        dy = y // sy
        cols = [xmap(x, dy) for x in range(qw)]
        key = tuple(cols)
        if key not in col_maps:
            if max(c for c in cols if c is not None) >= dw:
                return False, "QEMU's %d columns map past dynapc's %d" % (qw, dw)
            col_maps[key] = True
        src, qrow = drows[dy], qrows[y]
        # columns without a counterpart compare QEMU with itself
        drow = b"".join(src[3 * i : 3 * i + 3] if i is not None else qrow[3 * x : 3 * x + 3]
                        for x, i in enumerate(cols))
        a, b = masked(drow, tables), masked(qrow, tables)
        if a == b:
            continue
        for x in range(qw):
            if a[3 * x : 3 * x + 3] != b[3 * x : 3 * x + 3]:
                if ignore and ignore(cols[x], dy):
                    ignored += 1
                    continue
                bad += 1
                if first is None:
                    first = (cols[x], dy, drow[3 * x : 3 * x + 3].hex(), qrow[3 * x : 3 * x + 3].hex())
    if bad:
        return False, "%d of %d QEMU pixels differ; first at dynapc (%d,%d): dynapc %s, QEMU %s" % (
            bad, qw * qh, first[0], first[1], first[2], first[3])
    note = "%dx%d, QEMU %dx%d" % (dw, dh, qw, qh)
    if ignored:
        note += "; %d pixels differ only where QEMU deviates from the VGA" % ignored
    return True, note


def run_dynapc(dynapc, floppy, work):
    script = os.path.join(work, "dynapc.script")
    with open(script, "w") as f:
        for mode, _, _ in MODES:
            f.write("wait serial READY %s\\n %d\n" % (mode, TIMEOUT))
            f.write("screendump %s\n" % os.path.join(work, "dynapc-%s.ppm" % mode))
            f.write("key space\n")
        f.write("wait serial DONE %d\nquit 0\n" % TIMEOUT)
    p = subprocess.run([dynapc, "-fda", floppy, "-snapshot", "-display", "none", "--script", script],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=TIMEOUT * 4)
    if p.returncode != 0:
        return "dynapc exited %d: %s" % (p.returncode, p.stderr.decode(errors="replace")[-2000:])
    return None


class Monitor:
    def __init__(self, path):
        deadline = time.time() + 30
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
        self.sock.settimeout(60)
        self.read_prompt()

    def read_prompt(self):
        buf = b""
        while not buf.endswith(b"(qemu) "):
            chunk = self.sock.recv(4096)
            if not chunk:
                raise EOFError("QEMU monitor closed")
            buf += chunk
        return buf

    def cmd(self, line):
        self.sock.sendall(line.encode() + b"\n")
        return self.read_prompt()


def wait_serial(path, text, after, proc):
    """Waits until text appears in the file at or after offset; returns the end of the match."""
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            data = b""
        i = data.find(text, after)
        if i >= 0:
            return i + len(text)
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    raise TimeoutError("QEMU: no %r on COM1 (got %r)" % (text, data[after:][-200:]))


def run_qemu(qemu, floppy, work):
    sock = os.path.join(work, "qemu.sock")
    serial = os.path.join(work, "qemu-serial.txt")
    proc = subprocess.Popen([qemu, "-fda", floppy, "-snapshot", "-display", "none", "-nic", "none",
                             "-no-reboot", "-serial", "file:" + serial,
                             "-monitor", "unix:%s,server=on,wait=off" % sock],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        mon = Monitor(sock)
        pos = 0
        for mode, _, _ in MODES:
            pos = wait_serial(serial, b"READY %s\n" % mode.encode(), pos, proc)
            out = os.path.join(work, "qemu-%s.ppm" % mode)
            mon.cmd("screendump " + out)
            if not os.path.exists(out):
                return "QEMU: screendump %s did not write the file" % out
            mon.cmd("sendkey spc")
        wait_serial(serial, b"DONE\n", pos, proc)
        mon.sock.sendall(b"quit\n")  # no prompt follows: QEMU exits
    except (OSError, EOFError, TimeoutError) as e:
        return str(e)
    finally:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return None


def main():
    if len(sys.argv) != 4:
        print("usage: vga_qemu.py DYNAPC FLOPPY WORKDIR", file=sys.stderr)
        return 2
    dynapc, floppy, work = sys.argv[1:]
    qemu = shutil.which("qemu-system-i386")
    if not qemu:
        print("SKIP: qemu-system-i386 is not installed (Debian package qemu-system-x86), no oracle")
        return 77
    os.makedirs(work, exist_ok=True)
    for f in os.listdir(work):
        if f.endswith(".ppm") or f in ("qemu.sock", "qemu-serial.txt"):
            os.unlink(os.path.join(work, f))
    err = run_qemu(qemu, floppy, work)
    if err:
        print("FAIL QEMU run: " + err)
        return 1
    err = run_dynapc(dynapc, floppy, work)
    if err:
        print("FAIL dynapc run: " + err)
        return 1
    # the comparison itself must see a single wrong pixel
    w, h, rows = read_ppm(os.path.join(work, "dynapc-13.ppm"))
    wrong = bytearray(b"".join(rows))
    wrong[3 * (w * 123 + 45)] ^= 0x80
    with open(os.path.join(work, "selfcheck.ppm"), "wb") as f:
        f.write(b"P6\n%d %d\n255\n" % (w, h) + bytes(wrong))
    if compare(os.path.join(work, "selfcheck.ppm"), os.path.join(work, "qemu-13.ppm"), DAC6)[0]:
        print("FAIL the comparison does not see a changed pixel")
        return 1
    fails = 0
    for mode, name, masks in MODES:
        if mode in PATTERN:
            w, h, make = PATTERN[mode]
            dw, dh, drows = read_ppm(os.path.join(work, "dynapc-%s.ppm" % mode))
            want = make(w, h)
            tables = [mask_table(m) for m in masks]
            if (dw, dh) != (w, h) or masked(b"".join(drows), tables) != masked(bytes(want), tables):
                fails += 1
                print("FAIL mode %s %s: not the pattern in its planes (%dx%d)" % (mode, name, dw, dh))
            else:
                print("ok   mode %s %s: the pattern in its planes (QEMU: not an oracle here)" % (mode, name))
            continue
        args = (os.path.join(work, "dynapc-%s.ppm" % mode), os.path.join(work, "qemu-%s.ppm" % mode), masks,
                XMAP.get(mode), IGNORE.get(mode))
        ok, why = compare(*args)
        if ok:
            print("ok   mode %s %s: same as QEMU (%s)" % (mode, name, why))
        else:
            fails += 1
            print("FAIL mode %s %s: %s" % (mode, name, why))
    print("%d of %d modes right (%d compared with QEMU, %d with their pattern)" % (
        len(MODES) - fails, len(MODES), len(MODES) - len(PATTERN), len(PATTERN)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
