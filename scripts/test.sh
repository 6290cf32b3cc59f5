#!/usr/bin/env bash
# test.sh - command 2: install what is missing, build dynapc into build/, run
# the whole meson test suite, then print the number of libcheck cases and,
# as the last line, "N passed, N failed, N skipped".  Exit status 1 if any
# test failed.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
if [ -f build/meson-private/coredata.dat ]; then
    meson setup --reconfigure build || meson setup --wipe build
else
    meson setup build
fi
ninja -C build

log=build/meson-logs/testlog.json
rm -f "$log"
rc=0
meson test -C build --print-errorlogs || rc=$?
echo
src=0
python3 scripts/summary.py "$log" || src=$?
# meson may fail without a failed test in the log (e.g. it could not start)
[ "$src" -ne 0 ] && exit "$src"
[ "$rc" -ne 0 ] && exit 1
exit 0
