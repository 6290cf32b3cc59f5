#!/usr/bin/env bash
# script.sh DYNAPC PNG_CHECK IMAGES_DIR - headless automation against a real
# guest: the FreeDOS 1.44 MB floppy booted through SeaBIOS and driven by
# --script (wait screen/serial, type, key, screendump, quit), a wait that
# times out (exit 3, the screen printed), bad scripts (exit 2, FILE:LINE,
# before the guest starts), and the monitor on stdin beside a script.
set -uo pipefail
trap '' PIPE # a guest that ended early fails a check below, not the shell
dyn=$1
png_check=$2
images=$3
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
# shellcheck source=tests/guest_lib.sh
. "$(dirname "$0")/guest_lib.sh"

img=$tmp/freedos.img
unpack_freedos "$images" "$img"
boot=(-fda "$img" -boot a -snapshot -display none)

# run NAME SCRIPT_TEXT: writes $tmp/NAME.txt, runs it, leaves rc/out/err
run() {
    printf '%s' "$2" >"$tmp/$1.txt"
    timeout 240 "$dyn" "${boot[@]}" --script "$tmp/$1.txt" </dev/null >"$tmp/$1.out" 2>"$tmp/$1.err"
    rc=$?
}

# 1. boot to the prompt, type a command, dump the screen as text and PNG
run dir 'wait screen A:\> 60
type dir\n
wait screen COMMAND 30
screendump '"$tmp"'/x.png
screendump '"$tmp"'/x.txt
quit 0
'
if [ "$rc" = 0 ]; then ok "dir script exits 0"; else bad "dir script: rc=$rc, stderr: $(cat "$tmp/dir.err")"; fi
if grep -q 'COMMAND' "$tmp/x.txt" 2>/dev/null && grep -qF 'A:\>' "$tmp/x.txt"; then
    ok "x.txt holds the dir listing and the A:\\> prompt"
else
    bad "x.txt: $(cat "$tmp/x.txt" 2>&1)"
fi
if out=$("$png_check" "$tmp/x.png" 720 400); then ok "$out"; else bad "x.png: $out"; fi

# 2. COM1 output, symbols typed with Shift, Ctrl-Alt-Delete, quit with a status
# (the first A:\> may be AUTOEXEC.BAT's, before its last commands: give it a
# moment, since a line longer than the BIOS's 15-key buffer must not be typed
# while DOS is not reading the keyboard)
run keys 'wait screen A:\> 60
sleep 1
type echo Hi (1+1=2) "q" ~_{}>com1\n
wait serial Hi (1+1=2) "q" ~_{} 30
key ctrl-alt-delete
wait screen Booting from Floppy 30
wait screen A:\> 60
quit 5
'
if [ "$rc" = 5 ]; then ok "wait serial, key ctrl-alt-delete, quit 5"; else
    bad "keys script: rc=$rc (want 5), stderr: $(cat "$tmp/keys.err")"
fi
if grep -qF 'Hi (1+1=2) "q" ~_{}' "$tmp/keys.out"; then ok "COM1 output still reaches -serial stdio"; else
    bad "COM1 output missing from stdout: $(cat "$tmp/keys.out")"
fi

# 3. a wait that times out: exit 3, FILE:LINE and the screen on stderr
run timeout 'wait screen A:\> 60
wait screen NO-SUCH-TEXT 1
quit 0
'
if [ "$rc" = 3 ] && grep -qF "$tmp/timeout.txt:2: wait screen: 'NO-SUCH-TEXT' did not appear in 1 s" "$tmp/timeout.err" &&
    grep -qF 'A:\>' "$tmp/timeout.err"; then
    ok "timed-out wait exits 3 and prints the screen"
else
    bad "timeout script: rc=$rc (want 3), stderr: $(cat "$tmp/timeout.err")"
fi

# 4. bad scripts: one line naming FILE:LINE, exit 2, nothing run
run badline 'wait screen A:\> 60

type dir\n
wiat screen X
quit 0
'
lines=$(wc -l <"$tmp/badline.err")
if [ "$rc" = 2 ] && [ "$lines" = 1 ] && grep -qF "$tmp/badline.txt:4: unknown command 'wiat'" "$tmp/badline.err" &&
    [ ! -s "$tmp/badline.out" ]; then
    ok "bad line: $(cat "$tmp/badline.err")"
else
    bad "bad line: rc=$rc lines=$lines stderr: $(cat "$tmp/badline.err") stdout: $(head -c 200 "$tmp/badline.out")"
fi
run badtimeout 'wait serial login: 0
'
if [ "$rc" = 2 ] && grep -qF "$tmp/badtimeout.txt:1: timeout 0" "$tmp/badtimeout.err"; then
    ok "bad timeout: $(cat "$tmp/badtimeout.err")"
else
    bad "bad timeout: rc=$rc stderr: $(cat "$tmp/badtimeout.err")"
fi
"$dyn" "${boot[@]}" --script "$tmp/missing.txt" </dev/null >/dev/null 2>"$tmp/missing.err"
rc=$?
if [ "$rc" = 2 ] && grep -qF "$tmp/missing.txt: No such file or directory" "$tmp/missing.err"; then
    ok "missing script: $(cat "$tmp/missing.err")"
else
    bad "missing script: rc=$rc stderr: $(cat "$tmp/missing.err")"
fi
printf 'wait serial x\n' >"$tmp/noserial.txt"
"$dyn" "${boot[@]}" -serial none --script "$tmp/noserial.txt" </dev/null >/dev/null 2>"$tmp/noserial.err"
rc=$?
if [ "$rc" = 2 ] && grep -qF "$tmp/noserial.txt:1: wait serial: COM1 is not connected" "$tmp/noserial.err"; then
    ok "wait serial without COM1: $(cat "$tmp/noserial.err")"
else
    bad "wait serial without COM1: rc=$rc stderr: $(cat "$tmp/noserial.err")"
fi
"$dyn" "${boot[@]}" -nographic -monitor stdio </dev/null >/dev/null 2>"$tmp/mon2.err"
rc=$?
if [ "$rc" = 2 ] && grep -qF -- "-monitor stdio: stdio is already used" "$tmp/mon2.err"; then
    ok "-monitor stdio with -nographic: $(cat "$tmp/mon2.err")"
else
    bad "-monitor stdio with -nographic: rc=$rc stderr: $(cat "$tmp/mon2.err")"
fi

# 5. the monitor on stdin beside a script: the script says when the prompt
#    is there (a screendump), the monitor types, the script sees the output
#    line (\n: at the start of a row, so not the command line itself)
mkfifo "$tmp/mon.fifo"
printf '%s\n' 'wait screen A:\> 60' 'sleep 1' "screendump $tmp/ready.txt" 'wait screen \nTyped-By-Monitor\n 30' \
    'quit 0' >"$tmp/mon.txt"
timeout 240 "$dyn" "${boot[@]}" -monitor stdio --script "$tmp/mon.txt" <"$tmp/mon.fifo" >"$tmp/mon.out" 2>"$tmp/mon.err" &
pid=$!
exec 3>"$tmp/mon.fifo"
printf 'info status\nstop\ninfo status\ninfo registers\ncont\n' >&3
for _ in $(seq 1 1200); do
    [ -s "$tmp/ready.txt" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
printf 'type echo Typed-By-Monitor\\n\nscreendump %s/m.png\n' "$tmp" >&3
wait "$pid"
rc=$?
pid=
exec 3>&-
if [ "$rc" = 0 ] && grep -q '^(dynapc) VM status: running' "$tmp/mon.out" &&
    grep -q 'VM status: paused' "$tmp/mon.out" && grep -q '^EIP=' "$tmp/mon.out" &&
    grep -q '^CR0=' "$tmp/mon.out"; then
    ok "monitor: info status, stop/cont, info registers; its typed line reached the guest"
else
    bad "monitor: rc=$rc stdout: $(cat "$tmp/mon.out") stderr: $(cat "$tmp/mon.err")"
fi

# -snapshot: the guest writes a file on the floppy, the image file stays
# byte for byte the same; without -snapshot the same write reaches it
sum_before=$(md5sum <"$img")
write_file='wait screen A:\> 60
sleep 1
type echo hi > a:\\snap.txt\n
sleep 1
quit 0
'
run snapshot "$write_file"
if [ "$rc" = 0 ] && [ "$(md5sum <"$img")" = "$sum_before" ]; then
    ok "-snapshot: guest writes leave the floppy image untouched"
else
    bad "-snapshot: rc=$rc, image changed: $([ "$(md5sum <"$img")" = "$sum_before" ] && echo no || echo yes)"
fi
boot=(-fda "$img" -boot a -display none)
run writeback "$write_file"
if [ "$rc" = 0 ] && [ "$(md5sum <"$img")" != "$sum_before" ]; then
    ok "without -snapshot the guest's write reaches the floppy image"
else
    bad "without -snapshot: rc=$rc, the image did not change"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
