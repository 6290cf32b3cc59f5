#!/usr/bin/env bash
# setup.sh - command 1: install what is missing, build dynapc into build/,
# then boot the demo guest (firmware/demo.asm) headless, its serial port on
# this terminal.  The demo exits through the debug-exit port: status 1 = ok.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
if [ -f build/meson-private/coredata.dat ]; then
    meson setup --reconfigure build || meson setup --wipe build
else
    meson setup build
fi
ninja -C build

demo=build/firmware/demo.bin
if [ ! -x build/dynapc ]; then
    echo "setup.sh: built, but build/dynapc does not exist yet (no src/ui/main.c); demo kernel: $demo" >&2
    exit 1
fi

echo "setup.sh: booting the demo guest: build/dynapc ... -kernel $demo"
rc=0
timeout -k 5 60 build/dynapc -m 64 -display none -serial stdio \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 -no-reboot -kernel "$demo" || rc=$?
# the guest writes 0 to port 0xF4: exit status (0 << 1) | 1
if [ "$rc" -ne 1 ]; then
    echo "setup.sh: the demo guest did not exit cleanly (exit status $rc, want 1)" >&2
    exit 1
fi
echo "setup.sh: done. Run the test suite with ./scripts/test.sh"
