#!/usr/bin/env python3
"""demo_guest.py MODE DYNAPC DEMO_IMG ANIM13_IMG - the demo floppies.

MODE dynapc: the demo (firmware/demo) boots headless under SeaBIOS and under
the Bochs BIOS with the LGPL VGABIOS, driven by --script: the text screen,
a key to mode 13h, typed keys echoed on COM1 and on the screen, Esc back to
the text screen and the timeout to mode 13h again.  The mode 13h screendump
(.png, decoded by pngio.py) is checked pixel by pixel against this file's own model
of the drawing (the DAC palette, the fixed-point Mandelbrot, the bar), and
the text area glyph cell by glyph cell.  anim13 runs to its "done"; its last
frame, left on the screen, is checked against the model of the plasma.

MODE qemu: the same guests on qemu-system-i386 as the oracle: the demo's
COM1 output, and its mode 13h screen pixel for pixel against dynapc's (QEMU
draws mode 13h at 640x400: every 2x2 block is one pixel, checked); anim13's
COM1 and port E9h output, its exit status and its last frame.  Colours are
compared as the DAC's 6-bit values: QEMU widens 6 bits to 8 as
c << 2 | (c & 1) * 3, dynapc as c << 2 | c >> 4 (both are common choices).
Without qemu-system-i386 this mode is a skip (exit 77)."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

from pngio import read_png, read_ppm

SKIP = 77
checks = {"pass": 0, "fail": 0}


def ok(msg):
    print("ok   " + msg, flush=True)
    checks["pass"] += 1


def bad(msg):
    print("FAIL " + msg, flush=True)
    checks["fail"] += 1


def check(cond, msg, why=""):
    if cond:
        ok(msg)
    else:
        bad(msg + (": " + why if why else ""))
    return cond


# ---- images ----

def six_bit(rows):
    """rows of R, G, B bytes (pngio) as rows of 6-bit (r, g, b)"""
    return [[(row[i] >> 2, row[i + 1] >> 2, row[i + 2] >> 2) for i in range(0, len(row), 3)] for row in rows]


def halve(w, h, rows):
    """a 2x-scaled image back to its mode's size; None if a 2x2 block is not one colour"""
    out = []
    for y in range(0, h, 2):
        line = bytearray()
        for x in range(0, 3 * w, 6):
            p = rows[y][x:x + 3]
            if rows[y][x + 3:x + 6] != p or rows[y + 1][x:x + 3] != p or rows[y + 1][x + 3:x + 6] != p:
                return None
            line += p
        out.append(bytes(line))
    return out


# ---- the demo's drawing (firmware/demo/gfx.inc), computed here ----

CGA = [(0, 0, 0), (0, 0, 42), (0, 42, 0), (0, 42, 42), (42, 0, 0), (42, 0, 42), (42, 21, 0), (42, 42, 42),
       (21, 21, 21), (21, 21, 63), (21, 63, 21), (21, 63, 63), (63, 21, 21), (63, 21, 63), (63, 63, 21),
       (63, 63, 63)]


def demo_palette():
    pal = list(CGA)
    for i in range(240):
        run, k = divmod(i, 60)
        pal.append([(0, k // 2, 3 + k), (k, 30 + k // 2, 62 - k), (63, 59 - k, k // 3),
                    (63 - k, 0, 19 - k // 4)][run])
    return pal


def s16(v):
    v &= 0xFFFF
    return v - 0x10000 if v & 0x8000 else v


def mandel_index(px, py):
    """the colour index at (px, py): c in 4.12 fixed point, 48 steps at most"""
    cx, cy = -10240 + 48 * px, -4864 + 64 * py
    x = y = 0
    for n in range(48):
        p, q = x * x, y * y
        if p >= 4 << 24 or q >= 4 << 24:
            return 16 + 5 * n
        xx, yy = p >> 12, q >> 12
        if xx + yy >= 4 << 12:
            return 16 + 5 * n
        x, y = s16(xx - yy + cx), s16(((x * y) >> 11) + cy)
    return 0


def demo_indices():
    """colour index per pixel of rows 0-159 (the Mandelbrot and the bar)"""
    rows = [[mandel_index(px, py) for px in range(320)] for py in range(152)]
    rows += [[16 + 3 * x // 4 for x in range(320)] for _ in range(8)]
    return rows


def check_demo_screen(label, rows, echo):
    """rows: 320x200 of 6-bit (r, g, b); echo: the lines of typed text"""
    pal = demo_palette()
    want = demo_indices()
    wrong = [(x, y) for y in range(160) for x in range(320) if rows[y][x] != pal[want[y][x]]]
    check(not wrong, "%s: the Mandelbrot and the palette bar (51200 pixels) match the model" % label,
          "%d pixels differ, first at %s: got %s, want index %d = %s" %
          (len(wrong), wrong[:1], rows[wrong[0][1]][wrong[0][0]] if wrong else "", want[wrong[0][1]][wrong[0][0]]
           if wrong else 0, pal[want[wrong[0][1]][wrong[0][0]]] if wrong else ""))
    # the text area: 40x5 cells of 8x8; a cell holding a printable glyph
    # other than a space has pixels of its colour, every other pixel is 0
    lines = {20: ("Type something:", 15)}
    for i, t in enumerate(echo):
        lines[21 + i] = (t, 14)
    errors = []
    for row in range(20, 25):
        text, colour = lines.get(row, ("", 0))
        for col in range(40):
            ch = text[col] if col < len(text) else " "
            cell = [rows[row * 8 + dy][col * 8 + dx] for dy in range(8) for dx in range(8)]
            lit = [p for p in cell if p != pal[0]]
            if any(p != pal[colour] for p in lit):
                errors.append("cell (%d,%d) has a colour other than %d" % (row, col, colour))
            elif ch != " " and not lit:
                errors.append("cell (%d,%d) should show %r" % (row, col, ch))
            elif ch == " " and lit:
                errors.append("cell (%d,%d) should be blank" % (row, col))
    check(not errors, "%s: text area holds %r" % (label, ["Type something:"] + echo), "; ".join(errors[:4]))


# ---- anim13's plasma (firmware/anim13.asm), computed here ----

def anim_sine():
    out = []
    for i in range(256):
        p = i & 127
        v = p * (128 - p) >> 5
        out.append(min(128 + v, 255) if i < 128 else max(128 - v, 0))
    return out


def anim_frame(t):
    s = anim_sine()
    pal = [(s[i] >> 2, s[(i + 85) & 255] >> 2, s[(i + 170) & 255] >> 2) for i in range(256)]
    col = [(s[(x + 2 * t) & 255] >> 1) + (s[(2 * x - t) & 255] >> 1) for x in range(320)]
    rows = []
    for y in range(200):
        r = (s[(y + t) & 255] >> 1) + (s[(3 * y - 2 * t) & 255] >> 1)
        rows.append([pal[(s[(x + y + 3 * t) & 255] + r + col[x]) & 255] for x in range(320)])
    return rows


def expected_anim_output(frames=2000):
    lines = ["anim13: mode 13h plasma, %d frames" % frames]
    lines += ["frame %d" % n for n in range(100, frames + 1, 100)]
    return lines + ["done"]


# ---- running dynapc ----

SEABIOS = []
BOCHS = ["-bios", "/usr/share/bochs/BIOS-bochs-latest", "-device", "VGA,romfile=/usr/share/vgabios/vgabios.bin"]

DEMO_SERIAL = ["dynapc demo: booted", "dynapc demo: text screen", "dynapc demo: mode 13h (key)",
               "dynapc demo: Type something:", "key: H", "key: i", "key:  ", "key: d", "key: Backspace",
               "key: 4", "key: Enter", "key: x", "key: Esc", "dynapc demo: text screen",
               "dynapc demo: mode 13h (timeout)", "dynapc demo: Type something:"]
DEMO_ECHO = ["Hi 4", "x"]


def serial_lines(text):
    return [l.rstrip("\r") for l in text.split("\n") if l.strip("\r")]


def run_timed(cmd, timeout, marks=()):
    """runs cmd, stdout read as it comes; returns (status, output, {mark: seconds
    after the start when the mark first appeared on stdout})"""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, seen = b"", {}
    try:
        os.set_blocking(p.stdout.fileno(), False)
        while True:
            chunk = p.stdout.read()
            if chunk:
                out += chunk
                for m in marks:
                    if m not in seen and m.encode() in out:
                        seen[m] = time.monotonic() - t0
            elif p.poll() is not None:
                break
            elif time.monotonic() - t0 > timeout:
                p.kill()
                p.wait()
                return None, out.decode("latin-1"), seen, p.stderr.read().decode("latin-1")
            else:
                time.sleep(0.01)
        return p.returncode, out.decode("latin-1"), seen, p.stderr.read().decode("latin-1")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def dynapc_demo(dyn, img, tmp, name, bios):
    script = os.path.join(tmp, name + ".txt")
    files = {k: os.path.join(tmp, "%s-%s" % (name, k)) for k in ("text.txt", "gfx.png", "gfx2.png")}
    with open(script, "w") as f:
        f.write("wait screen Press any key 30\n"
                "screendump %s\n"
                "key space\n"
                "wait serial Type something: 30\n"
                "type Hi d\n"
                "key backspace\n"
                "type 4\\nx\n"
                "wait serial key: x 10\n"
                "screendump %s\n"
                "key esc\n"
                "wait serial (timeout) 10\n"
                "wait serial Type something: 30\n"
                "screendump %s\n"
                "quit 0\n" % (files["text.txt"], files["gfx.png"], files["gfx2.png"]))
    cmd = [dyn] + bios + ["-m", "64", "-display", "none", "-serial", "stdio", "-fda", img, "-boot", "a",
                          "-snapshot", "--script", script]
    rc, out, seen, err = run_timed(cmd, 120, ("text screen", "Type something:"))
    if not check(rc == 0, "%s: the demo script runs to quit 0" % name, "status %s, stderr: %s" % (rc, err.strip())):
        return None
    print("     %s: text screen after %.2f s, mode 13h drawn after %.2f s (headless, key sent at once)" %
          (name, seen.get("text screen", -1), seen.get("Type something:", -1)))
    got = serial_lines(out)
    check(got == DEMO_SERIAL, "%s: COM1 shows the screens and echoes each key" % name,
          "got %r" % got)
    text = open(files["text.txt"], encoding="utf-8").read() if os.path.exists(files["text.txt"]) else ""
    check("dynapc demo" in text and "d y n a p c   d e m o" in text and
          "Processor    GenuineIntel, family" in text and "Press any key for graphics" in text and "╔" in text,
          "%s: text screen: title, CPUID vendor and family, box drawing" % name, "\n" + text)
    check("Memory       639 KB base memory, 64 MB in all" in text,
          "%s: text screen: INT 12h and INT 15h E801h report the 64 MB given with -m" % name, "\n" + text)
    shots = {}
    for k in ("gfx.png", "gfx2.png"):
        try:
            w, h, rows = read_png(files[k])
        except (OSError, ValueError) as e:
            bad("%s: %s: %s" % (name, k, e))
            continue
        if check((w, h) == (320, 200), "%s: %s is 320x200 (mode 13h)" % (name, k), "%dx%d" % (w, h)):
            shots[k] = six_bit(rows)
    if "gfx.png" in shots:
        check_demo_screen(name + " after typing", shots["gfx.png"], DEMO_ECHO)
    if "gfx2.png" in shots:
        check_demo_screen(name + " after Esc and the timeout", shots["gfx2.png"], [])
    return out, shots.get("gfx.png")


def run_anim(who, emulator, img, e9):
    """anim13 with the debug-exit device on dynapc or QEMU (the same flags):
    checks its exit status, its COM1 and its port E9h output (file e9);
    returns (COM1 output, seconds)"""
    cmd = [emulator, "-display", "none", "-serial", "stdio", "-debugcon", "file:" + e9,
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-fda", img, "-boot", "a", "-snapshot"]
    t0 = time.monotonic()
    rc, out, _, err = run_timed(cmd, 240)
    secs = time.monotonic() - t0
    check(rc == 1, "anim13 on %s exits through isa-debug-exit (status 1) after %.2f s" % (who, secs),
          "status %s, stderr: %s" % (rc, err.strip()))
    want = expected_anim_output()
    check(serial_lines(out) == want, "anim13 on %s: COM1 has the 20 frame lines and done" % who,
          "got %r" % serial_lines(out)[-5:])
    e9text = open(e9, encoding="latin-1").read() if os.path.exists(e9) else ""
    check(serial_lines(e9text) == want, "anim13 on %s: port E9h has the same lines" % who, "got %r" % e9text[-80:])
    return out, secs


def dynapc_anim(dyn, img, tmp):
    out, secs = run_anim("dynapc", dyn, img, os.path.join(tmp, "e9.txt"))
    # the last frame stays on the screen when there is no debug-exit device
    script = os.path.join(tmp, "anim.txt")
    shot = os.path.join(tmp, "anim-last.png")
    with open(script, "w") as f:
        f.write("wait serial done 240\nscreendump %s\nquit 0\n" % shot)
    rc, out, _, err = run_timed([dyn, "-display", "none", "-serial", "stdio", "-fda", img, "-boot", "a",
                                 "-snapshot", "--script", script], 300)
    if check(rc == 0, "anim13 on dynapc without debug-exit: halts after done", "status %s, %s" % (rc, err)):
        w, h, rows = read_png(shot)
        want = anim_frame(1999)
        got = six_bit(rows) if (w, h) == (320, 200) else None
        wrong = sum(1 for y in range(200) for x in range(320) if got and got[y][x] != want[y][x])
        check(got is not None and wrong == 0, "anim13 on dynapc: the last frame (t = 1999) matches the model",
              "%dx%d, %d pixels differ" % (w, h, wrong))
    return out, secs


# ---- running QEMU ----

class Qemu:
    def __init__(self, qemu, img, tmp, name, extra=()):
        self.serial = os.path.join(tmp, name + "-com1.txt")
        self.p = subprocess.Popen([qemu, "-display", "none", "-monitor", "stdio", "-serial", "file:" + self.serial,
                                   "-fda", img, "-boot", "a", "-snapshot"] + list(extra),
                                  stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def output(self):
        try:
            return open(self.serial, encoding="latin-1").read()
        except OSError:
            return ""

    def wait_serial(self, text, seconds, count=1):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if self.output().count(text) >= count:
                return True
            if self.p.poll() is not None:
                return False
            time.sleep(0.02)
        return False

    def monitor(self, line):
        self.p.stdin.write((line + "\n").encode())
        self.p.stdin.flush()

    def finish(self, seconds):
        try:
            self.p.stdin.close()
        except BrokenPipeError:
            pass
        try:
            return self.p.wait(seconds)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            return None


def wait_file(path, seconds):
    end = time.monotonic() + seconds
    last = -1
    while time.monotonic() < end:
        n = os.path.getsize(path) if os.path.exists(path) else -1
        if n > 0 and n == last:
            return True
        last = n
        time.sleep(0.1)
    return False


def qemu_demo(qemu, img, tmp, dyn_serial, dyn_shot):
    q = Qemu(qemu, img, tmp, "qdemo")
    shot = os.path.join(tmp, "qemu-gfx.ppm")
    steps_ok = q.wait_serial("text screen", 30)
    if steps_ok:
        q.monitor("sendkey spc")
        steps_ok = q.wait_serial("Type something:", 30)
    if steps_ok:
        for k in ("shift-h", "i", "spc", "d", "backspace", "4", "ret", "x"):
            q.monitor("sendkey " + k)
            time.sleep(0.15)
        steps_ok = q.wait_serial("key: x", 10)
    if steps_ok:
        q.monitor("screendump " + shot)
        steps_ok = wait_file(shot, 10)
    if steps_ok:
        q.monitor("sendkey esc")
        steps_ok = q.wait_serial("Type something:", 30, count=2)
    q.monitor("quit")
    q.finish(10)
    got = serial_lines(q.output())
    check(got == DEMO_SERIAL, "QEMU: the demo's COM1 output is the expected one", "got %r" % got)
    if dyn_serial is not None:
        check(got == serial_lines(dyn_serial), "QEMU and dynapc: the same COM1 output from the demo")
    if not check(os.path.exists(shot), "QEMU: screendump of mode 13h taken"):
        return
    w, h, rows = read_ppm(shot)
    if (w, h) == (640, 400):
        rows = halve(w, h, rows)
        check(rows is not None, "QEMU's 640x400 dump of mode 13h is 2x2 blocks of one colour")
    elif not check((w, h) == (320, 200), "QEMU's dump of mode 13h is 320x200 or 640x400", "%dx%d" % (w, h)):
        return
    if rows is None:
        return
    rows = six_bit(rows)
    check_demo_screen("QEMU", rows, DEMO_ECHO)
    if dyn_shot is not None:
        diff = [(x, y) for y in range(200) for x in range(320) if rows[y][x] != dyn_shot[y][x]]
        check(not diff, "QEMU and dynapc: screen 2 after typing is the same, pixel for pixel (6-bit DAC values)",
              "%d pixels differ, first at %s" % (len(diff), diff[:3]))


def qemu_anim(qemu, img, tmp, dyn_out):
    out, _ = run_anim("QEMU", qemu, img, os.path.join(tmp, "qemu-e9.txt"))
    if dyn_out is not None:
        check(serial_lines(out) == serial_lines(dyn_out), "QEMU and dynapc: the same anim13 COM1 output")
    # the last frame, left on the screen without a debug-exit device
    q = Qemu(qemu, img, tmp, "qanim")
    shot = os.path.join(tmp, "qemu-anim.ppm")
    if q.wait_serial("done", 120):
        time.sleep(0.2)
        q.monitor("screendump " + shot)
        wait_file(shot, 10)
    q.monitor("quit")
    q.finish(10)
    if not check(os.path.exists(shot), "QEMU: anim13 reached done and its screen was dumped"):
        return
    w, h, rows = read_ppm(shot)
    rows = halve(w, h, rows) if (w, h) == (640, 400) else rows if (w, h) == (320, 200) else None
    want = anim_frame(1999)
    got = six_bit(rows) if rows else None
    wrong = sum(1 for y in range(200) for x in range(320) if got[y][x] != want[y][x]) if got else -1
    check(wrong == 0, "QEMU: anim13's last frame (t = 1999) matches the model", "%d pixels differ" % wrong)


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in ("dynapc", "qemu"):
        print("usage: demo_guest.py dynapc|qemu DYNAPC DEMO_IMG ANIM13_IMG", file=sys.stderr)
        return 2
    mode, dyn, demo, anim = sys.argv[1:]
    tmp = tempfile.mkdtemp(prefix="demo_guest.")
    try:
        if mode == "dynapc":
            dynapc_demo(dyn, demo, tmp, "SeaBIOS", SEABIOS)
            if all(os.path.exists(f) for f in ("/usr/share/bochs/BIOS-bochs-latest",
                                                "/usr/share/vgabios/vgabios.bin")):
                dynapc_demo(dyn, demo, tmp, "Bochs BIOS", BOCHS)
            else:
                bad("Bochs BIOS: /usr/share/bochs/BIOS-bochs-latest or /usr/share/vgabios/vgabios.bin missing "
                    "(Debian packages bochsbios, vgabios; scripts/deps.sh installs them)")
            dynapc_anim(dyn, anim, tmp)
        else:
            qemu = shutil.which("qemu-system-i386")
            if not qemu:
                print("SKIP: qemu-system-i386 not found (Debian package qemu-system-x86): no oracle to run")
                return SKIP
            res = dynapc_demo(dyn, demo, tmp, "SeaBIOS", SEABIOS)
            dyn_serial, dyn_shot = res if res else (None, None)
            qemu_demo(qemu, demo, tmp, dyn_serial, dyn_shot)
            cmd = [dyn, "-display", "none", "-serial", "stdio", "-device",
                   "isa-debug-exit,iobase=0xf4,iosize=0x04", "-fda", anim, "-boot", "a", "-snapshot"]
            rc, out, _, _ = run_timed(cmd, 240)
            qemu_anim(qemu, anim, tmp, out if rc == 1 else None)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (checks["pass"], checks["fail"]))
    return 1 if checks["fail"] or not checks["pass"] else 0


if __name__ == "__main__":
    sys.exit(main())
