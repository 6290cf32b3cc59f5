#!/usr/bin/env bash
# x87_golden_cross.sh SOURCE_ROOT WORKDIR - the x87 golden-vector test on
# AArch64: builds tests/x87_golden.c with the portable core it needs
# (src/cpu/f80.c, src/cpu/fptrans.c) for aarch64-linux-gnu, statically, and
# runs it under qemu-aarch64 on tests/x87_golden.txt.  The compiler is clang
# --target=aarch64-linux-gnu with lld and Debian's arm64 cross libc: on
# Debian 12 gcc-aarch64-linux-gnu conflicts with gcc-multilib, which the
# -m32 tests need.  AARCH64_CC overrides it (e.g. aarch64-linux-gnu-gcc).
# A missing compiler or emulator is a failure that names the packages.
set -euo pipefail
root=$1 work=$2
if [ -n "${AARCH64_CC:-}" ]; then
    cc=("$AARCH64_CC")
else
    cc=(clang --target=aarch64-linux-gnu -fuse-ld=lld)
fi
command -v "${cc[0]}" >/dev/null ||
    { echo "x87_golden_cross: FAIL: ${cc[0]} not found (apt-get install clang lld libc6-dev-arm64-cross libgcc-12-dev-arm64-cross)"; exit 1; }
qemu=""
for q in qemu-aarch64-static qemu-aarch64; do
    if command -v "$q" >/dev/null; then qemu=$q; break; fi
done
[ -n "$qemu" ] || { echo "x87_golden_cross: FAIL: qemu-aarch64 not found (apt-get install qemu-user-static)"; exit 1; }
mkdir -p "$work"
exe=$work/x87_golden_aarch64
"${cc[@]}" -std=c11 -O2 -static -Wall -Wextra -I"$root/src" -o "$exe" \
    "$root/tests/x87_golden.c" "$root/src/cpu/f80.c" "$root/src/cpu/fptrans.c" ||
    { echo "x87_golden_cross: FAIL: the aarch64 build failed"; exit 1; }
if command -v file >/dev/null; then
    file "$exe" | grep -q aarch64 || { echo "x87_golden_cross: FAIL: $exe is not an AArch64 program"; exit 1; }
fi
echo "x87_golden_cross: running $exe under $qemu"
exec "$qemu" "$exe" "$root/tests/x87_golden.txt"
