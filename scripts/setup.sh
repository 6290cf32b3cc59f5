#!/usr/bin/env bash
# setup.sh - command 1: install what is missing, build dynapc into build/,
# then boot the demo guest, a floppy written in this project
# (firmware/demo, built as build/firmware/demo.img): a text screen, then
# mode 13h graphics that echo the keys typed.
#   With a display ($DISPLAY or $WAYLAND_DISPLAY, not CI): in the window,
#     build/dynapc -display sdl -fda build/firmware/demo.img -boot a -snapshot
#     (close the window to quit).
#   Without one (CI, ssh), or when no window opens: headless, driven by a
#   short --script that waits for the text screen, presses a key, types a
#   line, checks its echo on COM1 (on this terminal), saves both screens
#   (build/demo-text.txt, build/demo-mode13h.png), prints the text screen
#   and quits with status 0.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
if [ -f build/meson-private/coredata.dat ]; then
    meson setup --reconfigure build || meson setup --wipe build
else
    meson setup build
fi
ninja -C build

demo=build/firmware/demo.img
if [ ! -x build/dynapc ] || [ ! -f "$demo" ]; then
    echo "setup.sh: built, but build/dynapc or $demo is missing" >&2
    exit 1
fi

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ "${CI:-}" != true ]; then
    echo "setup.sh: booting the demo guest in a window (close it to quit):"
    echo "    build/dynapc -display sdl -fda $demo -boot a -snapshot"
    rc=0
    build/dynapc -display sdl -fda "$demo" -boot a -snapshot || rc=$?
    # 2: the window did not open (the reason is on stderr): show it headless
    [ "$rc" -ne 2 ] && exit "$rc"
    echo "setup.sh: no window; booting the demo headless instead"
fi

script=$(mktemp)
trap 'rm -f "$script"' EXIT
cat >"$script" <<EOF
wait screen Press any key 60
screendump build/demo-text.txt
key space
wait serial Type something: 60
type hello, dynapc\n
wait serial key: Enter 30
screendump build/demo-mode13h.png
quit 0
EOF
echo "setup.sh: booting the demo guest headless (no display): build/dynapc -display none" \
    "-fda $demo -boot a -snapshot --script ...; COM1 follows"
rc=0
timeout -k 5 120 build/dynapc -display none -serial stdio -fda "$demo" -boot a -snapshot \
    --script "$script" </dev/null || rc=$?
if [ "$rc" -ne 0 ]; then
    echo "setup.sh: the demo guest did not run as expected (exit status $rc)" >&2
    exit 1
fi
echo "setup.sh: the demo's text screen (build/demo-text.txt):"
cat build/demo-text.txt
echo "setup.sh: its mode 13h screen after typing: build/demo-mode13h.png"
echo "setup.sh: done. Run the test suite with ./scripts/test.sh"
