#!/usr/bin/env bash
# sdl_window.sh DYNAPC IMAGES_DIR DEMO_IMG - the SDL window on a real X server (Xvfb),
# driven through the X server with xdotool so that SDL's own event path is
# what the guest hears (the FreeDOS 1.44 MB floppy, booted through SeaBIOS):
#  1. the window, read back from the X server's screen (Xvfb -fbdir), is
#     720x400 for 80x25 text and shows exactly what a headless screendump
#     of the same run holds; Ctrl+Alt+S writes dynapc-*.png into the working
#     directory, named in the title, never overwriting, and each is pixel
#     for pixel a headless screendump of the same guest state (the text
#     cursor blinks, so the --script takes several over more than a blink
#     period and one must match exactly);
#  2. keys typed into the window reach the guest: letters, Shift symbols,
#     keypad + * and the E0-prefixed keypad / and Enter, the cursor keys and
#     Delete (E0) editing a command line; the guest's output is the check;
#  3. -display sdl with no display is one line and exit 2; with no -display
#     and no display the run goes on headless after a one-line note;
#  4. -nographic: COM1 and the monitor share stdio (Ctrl-A c, Ctrl-A x):
#     the guest's console (CTTY AUX) answers a command sent on stdin, and the
#     monitor answers after Ctrl-A c;
#  5. mode 13h (the demo floppy): idle in HLT with the window open costs
#     less than 5% of a core; the window is 640x400 and shows each
#     pixel of a headless screendump as a 2x2 block; a click grabs the mouse
#     and Ctrl+Alt+G releases it (the title says so); a typed key comes back;
#  6. the host survives: DISPLAY naming no server (one line, exit 2), VBE
#     modes up to 2560x1600x32 switched in a loop while the window is
#     resized to 1x1 and minimised (tests/vbe_switch.asm), the X server
#     killed under a running window (one line, exit 1, no hang), keys
#     typed while the emulator process is stopped (all of them arrive).
# Needs Xvfb and xdotool (scripts/deps.sh installs them); without them it is
# a skip (exit 77) that says so.
set -uo pipefail
trap '' PIPE
dyn=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") # absolute: test 1 runs in another directory
images=$2
demo=${3:-}
[ -n "$demo" ] && [ -f "$demo" ] && demo=$(cd "$(dirname "$demo")" && pwd)/$(basename "$demo") # absolute: test 5 runs in its own directory
for tool in Xvfb xdotool python3; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIP: $tool is not installed (scripts/deps.sh installs xvfb, xdotool, python3)"
        exit 77
    fi
done
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
xpid=
x2pid=
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    [ -n "$xpid" ] && kill "$xpid" 2>/dev/null
    [ -n "$x2pid" ] && kill "$x2pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
# shellcheck source=tests/guest_lib.sh
. "$here/guest_lib.sh"

img=$tmp/freedos.img
unpack_freedos "$images" "$img"
boot=(-fda "$img" -boot a -snapshot)

# start_xvfb DIR: a private X server on the first free display number, its
# screen kept in DIR/Xvfb_screen0 (an XWD file); sets xvfb_pid, xvfb_display
start_xvfb() {
    mkdir -p "$1"
    exec 5>"$1/display"
    Xvfb -displayfd 5 -screen 0 1280x1024x24 -fbdir "$1" -nolisten tcp >"$1/xvfb.log" 2>&1 &
    xvfb_pid=$!
    exec 5>&-
    for _ in $(seq 1 100); do
        [ -s "$1/display" ] && break
        sleep 0.1
    done
    if [ ! -s "$1/display" ]; then
        echo "FAIL Xvfb did not start: $(cat "$1/xvfb.log")"
        exit 1
    fi
    xvfb_display=":$(cat "$1/display")"
}
start_xvfb "$tmp/fb"
xpid=$xvfb_pid
export DISPLAY=$xvfb_display
unset WAYLAND_DISPLAY
echo "Xvfb on $DISPLAY"

# wait_file PATH: until the script has written PATH (or the emulator ended)
wait_file() {
    for _ in $(seq 1 1200); do
        [ -s "$1" ] && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
# the window of the emulator started last
find_window() {
    win=$(timeout 30 xdotool search --sync --name '^dynapc' 2>/dev/null | head -1)
    [ -n "$win" ] && xdotool windowfocus --sync "$win"
}

# 1. the screenshot hotkey against headless screendumps
work=$tmp/shots
mkdir "$work"
{
    printf '%s\n' 'wait screen A:\> 60' 'sleep 2' "screendump $tmp/ready1.txt" 'sleep 6'
} >"$tmp/shot.txt"
# the refs: 24 dumps over ~1.2 s, more than a cursor blink period (32 frames)
for i in $(seq -w 1 24); do
    printf 'screendump %s/ref%s.png\nsleep 0.05\n' "$tmp" "$i" >>"$tmp/shot.txt"
done
printf 'quit 0\n' >>"$tmp/shot.txt"
(cd "$work" && exec timeout 120 "$dyn" "${boot[@]}" -display sdl --script "$tmp/shot.txt" \
    </dev/null >"$tmp/shot.out" 2>"$tmp/shot.err") &
pid=$!
geometry=
X=0
Y=0
if find_window && wait_file "$tmp/ready1.txt"; then
    # names the hotkey would take in the next seconds are taken already:
    # it must pick others and leave these alone
    t0=$(date +%s)
    for dt in 0 1 2 3 4 5; do
        echo keep >"$work/dynapc-$(date -d "@$((t0 + dt))" +%Y%m%d-%H%M%S).png"
    done
    xdotool key --delay 100 ctrl+alt+s
    sleep 0.3
    xdotool key --delay 100 ctrl+alt+s
    sleep 1
    title=$(xdotool getwindowname "$win")
    # what the X server shows (Xvfb keeps its screen in an XWD file)
    eval "$(xdotool getwindowgeometry --shell "$win")"
    cp "$tmp/fb/Xvfb_screen0" "$tmp/screen.xwd"
    geometry="${WIDTH}x${HEIGHT} at $X,$Y"
else
    title="(no window)"
fi
wait "$pid"
rc=$?
pid=
shots=()
kept=0
for f in "$work"/dynapc-*.png; do
    if printf 'keep\n' | cmp -s - "$f"; then kept=$((kept + 1)); else shots+=("$f"); fi
done
if [ "$rc" = 0 ]; then ok "window run with --script exits 0"; else bad "window run: rc=$rc $(cat "$tmp/shot.err")"; fi
if [ "${#shots[@]}" = 2 ] && [ "$kept" = 6 ]; then
    ok "Ctrl+Alt+S twice: two new files beside the 6 taken names, none overwritten: ${shots[*]##*/}"
else
    bad "Ctrl+Alt+S: want two new dynapc-*.png files and 6 untouched, have: $(ls "$work") ($kept untouched)"
fi
case $title in
*"saved $work/dynapc-"*.png*) ok "the title says where: $title" ;;
*) bad "the title does not name the screenshot: $title" ;;
esac
# 80x25 text is 720x400: the window is that size, and shows exactly the image
out=
if [ "${geometry%% *}" = 720x400 ] && out=$(python3 "$here/png_same.py" --xwd "$tmp/screen.xwd" "$X" "$Y" 1 "$tmp"/ref*.png 2>&1); then
    ok "the window ($geometry) on the X server: $out"
else
    bad "the window on the X server (${geometry:-no window}, want 720x400): ${out:-}"
fi
for s in "${shots[@]}"; do
    [ -f "$s" ] || continue
    if out=$(python3 "$here/png_same.py" "$s" "$tmp"/ref*.png 2>&1); then ok "$out"; else bad "$out"; fi
done

# 2. typing through the X server
printf '%s\n' 'wait screen A:\> 60' 'sleep 1' "screendump $tmp/ready2.txt" 'wait screen \nhello+/*done 60' \
    'wait screen \nabc\n 60' "screendump $tmp/typed.txt" 'quit 0' >"$tmp/type.txt"
timeout 180 "$dyn" "${boot[@]}" -display sdl --script "$tmp/type.txt" </dev/null >"$tmp/type.out" 2>"$tmp/type.err" &
pid=$!
if find_window && wait_file "$tmp/ready2.txt"; then
    xdotool type --delay 60 'set X=hello'
    xdotool key Return
    xdotool type --delay 60 'echo %X%'
    xdotool key --delay 60 KP_Add KP_Divide KP_Multiply
    xdotool type --delay 60 'done'
    xdotool key KP_Enter
    xdotool type --delay 60 'echo abQc'
    xdotool key --delay 60 Left Left Delete Return
fi
wait "$pid"
rc=$?
pid=
if [ "$rc" = 0 ] && grep -qx 'hello+/\*done' "$tmp/typed.txt" && grep -qx 'abc' "$tmp/typed.txt"; then
    ok "typed into the window: the guest echoed hello+/*done (Shift, keypad, KP Enter) and abc (Left, Delete)"
else
    bad "typing: rc=$rc screen: $(cat "$tmp/typed.txt" 2>&1) stderr: $(cat "$tmp/type.err")"
fi

# 3. no display
env -u DISPLAY "$dyn" "${boot[@]}" -display sdl </dev/null >"$tmp/nod.out" 2>"$tmp/nod.err"
rc=$?
if [ "$rc" = 2 ] && [ "$(wc -l <"$tmp/nod.err")" = 1 ] && grep -q -- '-display sdl: cannot open a window' "$tmp/nod.err"; then
    ok "-display sdl without a display: $(cat "$tmp/nod.err")"
else
    bad "-display sdl without a display: rc=$rc stderr: $(cat "$tmp/nod.err")"
fi
# bad display flags: one line naming the flag, exit 2
for args in "-display gtk" "-display sdl,aspect=16:9" "-full-screen -display none" "-nographic -display sdl"; do
    # shellcheck disable=SC2086 # the flags split on purpose
    "$dyn" "${boot[@]}" $args </dev/null >/dev/null 2>"$tmp/flag.err"
    rc=$?
    flag=${args%% *}
    [ "$flag" = -full-screen ] || [ "$flag" = -nographic ] || flag="$args"
    if [ "$rc" = 2 ] && [ "$(wc -l <"$tmp/flag.err")" = 1 ] && grep -qF -- "$flag" "$tmp/flag.err"; then
        ok "$args: $(cat "$tmp/flag.err")"
    else
        bad "$args: rc=$rc stderr: $(cat "$tmp/flag.err") (want exit 2 and one line naming $flag)"
    fi
done
printf 'wait screen A:\\> 60\nquit 4\n' >"$tmp/nod.txt"
env -u DISPLAY timeout 120 "$dyn" "${boot[@]}" --script "$tmp/nod.txt" </dev/null >"$tmp/nod.out" 2>"$tmp/nod.err"
rc=$?
if [ "$rc" = 4 ] && [ "$(wc -l <"$tmp/nod.err")" = 1 ] && grep -q 'no display' "$tmp/nod.err"; then
    ok "no -display and no display: headless after one note: $(cat "$tmp/nod.err")"
else
    bad "default display without a display: rc=$rc stderr: $(cat "$tmp/nod.err")"
fi

# 4. -nographic: the serial console and the monitor on one stdin
mkfifo "$tmp/ng.fifo"
printf '%s\n' 'wait screen A:\> 60' 'sleep 1' 'type ctty aux\n' 'sleep 2' "screendump $tmp/ready4.txt" \
    'wait serial Serial-Typed 30' 'sleep 30' 'quit 9' >"$tmp/ng.txt"
timeout 120 "$dyn" "${boot[@]}" -nographic --script "$tmp/ng.txt" <"$tmp/ng.fifo" >"$tmp/ng.out" 2>"$tmp/ng.err" &
pid=$!
exec 3>"$tmp/ng.fifo"
if wait_file "$tmp/ready4.txt"; then
    printf 'echo Serial-Typed\r' >&3
    sleep 3
    printf '\001cinfo status\n' >&3
    sleep 1
    printf '\001x' >&3
fi
wait "$pid"
rc=$?
pid=
exec 3>&-
if [ "$rc" = 0 ] && grep -q '^Serial-Typed' "$tmp/ng.out" && grep -q 'VM status: running' "$tmp/ng.out" &&
    grep -q 'dynapc: terminated' "$tmp/ng.out"; then
    ok "-nographic: COM1 console answered on stdio, Ctrl-A c gave the monitor, Ctrl-A x quit"
else
    bad "-nographic: rc=$rc (want 0) stdout: $(tr -d '\r' <"$tmp/ng.out" | tail -12) stderr: $(cat "$tmp/ng.err")"
fi

# 5. mode 13h: the demo floppy's second screen (it waits for keys in HLT);
#    the window is 640x400 and shows each of the 320x200 pixels as a 2x2
#    block; a key typed into the window comes back on COM1
if [ -z "$demo" ] || [ ! -f "$demo" ]; then
    bad "the demo floppy is missing (${demo:-no path given}; firmware/meson.build builds it)"
else
    printf '%s\n' 'wait serial Type something: 60' 'sleep 1' "screendump $tmp/ref13.png" \
        "screendump $tmp/ready5.png" 'wait serial key: q 30' 'quit 0' >"$tmp/demo.txt"
    mkdir -p "$tmp/shots13"
    (cd "$tmp/shots13" && exec timeout 120 "$dyn" -fda "$demo" -boot a -snapshot -display sdl \
        --script "$tmp/demo.txt" </dev/null >"$tmp/demo.out" 2>"$tmp/demo.err") &
    pid=$!
    geometry=
    out=
    if find_window && wait_file "$tmp/ready5.png"; then
        sleep 0.5
        # the screenshot hotkey on the demo's (static) mode 13h screen
        xdotool key --delay 100 ctrl+alt+s
        eval "$(xdotool getwindowgeometry --shell "$win")"
        cp "$tmp/fb/Xvfb_screen0" "$tmp/screen13.xwd"
        geometry="${WIDTH}x${HEIGHT} at $X,$Y"
        # the demo waits in HLT: with the window open the emulator must stay
        # under 5% of a core (utime + stime from /proc, in clock ticks)
        emu=$(ps -o pid= --ppid "$pid" | head -1 | tr -d ' ')
        t0=$(awk '{print $14 + $15}' "/proc/$emu/stat" 2>/dev/null)
        sleep 5
        t1=$(awk '{print $14 + $15}' "/proc/$emu/stat" 2>/dev/null)
        idle_pct=$(awk -v a="${t0:-0}" -v b="${t1:-0}" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", (b - a) / hz / 5 * 100 }')
        # a click grabs the mouse, Ctrl+Alt+G lets it go; the title says which
        xdotool mousemove $((X + 100)) $((Y + 100)) click 1
        sleep 0.5
        grabbed_title=$(xdotool getwindowname "$win")
        xdotool key ctrl+alt+g
        sleep 0.5
        released_title=$(xdotool getwindowname "$win")
        xdotool type q
    fi
    wait "$pid"
    rc=$?
    pid=
    shot13=$(ls "$tmp/shots13"/dynapc-*.png 2>/dev/null | head -1)
    if [ -n "$shot13" ] && out=$(python3 "$here/png_same.py" "$shot13" "$tmp/ref13.png" 2>&1); then
        ok "Ctrl+Alt+S on the demo's mode 13h screen equals its headless screendump: $out"
    else
        bad "Ctrl+Alt+S on the demo: ${shot13:-no dynapc-*.png written} ${out:-}"
    fi
    out=
    if [ "${geometry%% *}" = 640x400 ] &&
        out=$(python3 "$here/png_same.py" --xwd "$tmp/screen13.xwd" "$X" "$Y" 2 "$tmp/ref13.png" 2>&1); then
        ok "mode 13h in the window ($geometry), doubled: $out"
    else
        bad "mode 13h in the window (${geometry:-no window}, want 640x400): ${out:-}"
    fi
    if [ -n "${t1:-}" ] && awk -v p="$idle_pct" 'BEGIN { exit !(p < 5) }'; then
        ok "the demo idling in HLT with the window open: ${idle_pct}% of a core over 5 s"
    else
        bad "idle with the window: ${idle_pct:-?}% of a core over 5 s (want < 5%)"
    fi
    case "${grabbed_title:-}|${released_title:-}" in
    *"Ctrl+Alt+G releases the mouse"*"|"*"Ctrl+Alt+G"*) bad "Ctrl+Alt+G did not release the mouse: $released_title" ;;
    *"Ctrl+Alt+G releases the mouse"*"|dynapc"*) ok "a click grabs the mouse, Ctrl+Alt+G releases it: $grabbed_title" ;;
    *) bad "a click did not grab the mouse: ${grabbed_title:-no window}" ;;
    esac
    if [ "$rc" = 0 ]; then ok "a key typed into the window reached the demo (key: q on COM1)"; else
        bad "demo: rc=$rc stderr: $(cat "$tmp/demo.err")"
    fi
fi

# 6. neither the guest nor the X server can crash the host
#  a) DISPLAY naming no server: one line, exit 2
n=150
while [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ]; do n=$((n + 1)); done
DISPLAY=":$n" "$dyn" "${boot[@]}" -display sdl </dev/null >/dev/null 2>"$tmp/nox.err"
rc=$?
if [ "$rc" = 2 ] && [ "$(wc -l <"$tmp/nox.err")" = 1 ] &&
    grep -qF -- "-display sdl: cannot open a window: cannot connect to the X server DISPLAY=:$n" "$tmp/nox.err"; then
    ok "DISPLAY=:$n (no server): $(cat "$tmp/nox.err")"
else
    bad "DISPLAY=:$n (no server): rc=$rc stderr: $(cat "$tmp/nox.err") (want exit 2 and one line)"
fi
#  b) VBE modes switched as fast as the guest can (2560x1600x32 down to 1x1,
#     0x0 and out-of-range values) while the window is resized to 1x1,
#     minimised and restored: the run ends when the script says, and the
#     window always fits the 1280x1024 screen
if nasm -f bin -o "$tmp/vbe.bin" "$here/vbe_switch.asm" 2>"$tmp/vbe.err" && truncate -s 1474560 "$tmp/vbe.img" &&
    dd if="$tmp/vbe.bin" of="$tmp/vbe.img" conv=notrunc status=none; then
    printf 'sleep 8\nquit 0\n' >"$tmp/vbe.txt"
    timeout 120 "$dyn" -fda "$tmp/vbe.img" -boot a -snapshot -display sdl --script "$tmp/vbe.txt" </dev/null \
        >"$tmp/vbe.out" 2>"$tmp/vbe.err" &
    pid=$!
    sizes=()
    if find_window; then
        xdotool windowsize "$win" 1 1
        sleep 0.5
        xdotool windowminimize "$win"
        sleep 0.5
        xdotool windowmap "$win"
        for _ in $(seq 1 20); do
            sizes+=("$(xdotool getwindowgeometry "$win" 2>/dev/null | awk '/Geometry/ { print $2 }')")
            sleep 0.2
        done
    fi
    wait "$pid"
    rc=$?
    pid=
    big=$(printf '%s\n' "${sizes[@]}" | awk -F x '$1 > 1280 || $2 > 1024' | head -1)
    distinct=$(printf '%s\n' "${sizes[@]}" | sort -u | tr '\n' ' ')
    if [ "$rc" = 0 ] && [ ! -s "$tmp/vbe.err" ] && [ -n "$distinct" ] && [ -z "$big" ]; then
        ok "VBE modes switched in a loop with the window resized to 1x1 and minimised: exit 0; window sizes seen: $distinct"
    else
        bad "VBE mode switching: rc=$rc (want 0) stderr: $(head -5 "$tmp/vbe.err") window sizes: ${distinct:-none} ${big:+(larger than the screen: $big)}"
    fi
else
    bad "cannot assemble $here/vbe_switch.asm: $(cat "$tmp/vbe.err")"
fi
#  c) the X server going away under a running window: one line, exit 1,
#     within a few seconds (Xlib's own answer is exit(1) from whichever
#     thread noticed; from the emulator thread the process hung in exit)
start_xvfb "$tmp/fb2"
x2pid=$xvfb_pid
DISPLAY=$xvfb_display timeout 120 "$dyn" "${boot[@]}" -display sdl </dev/null >/dev/null 2>"$tmp/xgone.err" &
pid=$!
hung=
if DISPLAY=$xvfb_display timeout 30 xdotool search --sync --name '^dynapc' >/dev/null 2>&1; then
    sleep 1
    kill "$x2pid"
    x2pid=
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        hung=yes
        kill "$pid"
    fi
fi
wait "$pid"
rc=$?
pid=
if [ -z "$hung" ] && [ "$rc" = 1 ] && [ "$(wc -l <"$tmp/xgone.err")" = 1 ] &&
    grep -qF "the display server (DISPLAY=$xvfb_display) closed the connection" "$tmp/xgone.err"; then
    ok "the X server killed under the window: $(cat "$tmp/xgone.err")"
else
    bad "the X server killed under the window: ${hung:+still running 10 s later; }rc=$rc (want 1) stderr: $(cat "$tmp/xgone.err")"
fi
#  d) keys that pile up while the emulator cannot run (the process stopped,
#     as a loaded host would): 82 press/release events reach the guest
#     intact, not one buffer's worth (the keyboard holds 16 codes; handed
#     over at once, FreeDOS saw "echo a")
printf '%s\n' 'wait screen A:\> 60' 'sleep 1' "screendump $tmp/ready6.txt" \
    'wait screen \nabcdefghijklmnopqrstuvwxyz0123456789\n 30' 'quit 0' >"$tmp/stop.txt"
timeout 120 "$dyn" "${boot[@]}" -display sdl --script "$tmp/stop.txt" </dev/null >"$tmp/stop.out" 2>"$tmp/stop.err" &
pid=$!
if find_window && wait_file "$tmp/ready6.txt"; then
    emu=$(ps -o pid= --ppid "$pid" | head -1 | tr -d ' ')
    kill -STOP "$emu"
    xdotool type --delay 5 'echo abcdefghijklmnopqrstuvwxyz0123456789'
    sleep 0.5
    kill -CONT "$emu"
    sleep 1
    xdotool key Return
fi
wait "$pid"
rc=$?
pid=
if [ "$rc" = 0 ]; then
    ok "41 keys typed while the emulator was stopped all reached the guest (echoed)"
else
    bad "keys typed while the emulator was stopped: rc=$rc (want 0): $(grep -a 'A:.>' "$tmp/stop.err" | tail -1)"
fi

echo "sdl_window: $pass passed, $fail failed"
[ "$fail" = 0 ]
