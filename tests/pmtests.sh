#!/bin/sh
# pmtests.sh DYNAPC ROM.bin|DIR - run the protected-mode test ROMs
# (firmware/pmtests) in dynapc and print each check's line.
#
# A ROM passes when it exits through isa-debug-exit with 0 (status 1).
# A ROM named in firmware/pmtests/KNOWN_GAPS is a known gap: when every check
# that fails is one listed under it there, the ROM is reported as skipped
# (exit 77, meson's "skip") with the reason and the failing checks; any
# other failing check, a timeout or a crash is a failure (exit 1).
#
# KNOWN_GAPS format: "name: reason" on one line per ROM, followed by the
# checks known to fail, one per line, as "  - <check text as printed>".
# Lines starting with # are comments.
#
# With DIR, every ROM built from firmware/pmtests/*.asm found in DIR runs;
# the exit status is 1 if any failed, else 77 if any was skipped, else 0.
#
# The reference run: with qemu-system-i386 in place of DYNAPC the ROMs get
# "-append qemu-ref" (checks of SDM behaviour that QEMU 7.2's TCG lacks
# print SKIP) and KNOWN_GAPS is not consulted: every ROM must pass.

set -u

if [ $# -ne 2 ]; then
    echo "usage: $0 DYNAPC ROM.bin|DIR" >&2
    exit 2
fi
dynapc=$1
target=$2
here=$(cd "$(dirname "$0")" && pwd)
srcdir=$here/../firmware/pmtests
gaps=${PMTESTS_KNOWN_GAPS:-$srcdir/KNOWN_GAPS}
timeout_s=${PMTESTS_TIMEOUT:-60}
extra=
case $(basename "$dynapc") in
qemu-system-*)
    extra="-append qemu-ref"
    gaps=/dev/null ;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# gap_reason NAME: the reason given for NAME in KNOWN_GAPS, or nothing
gap_reason() {
    [ -s "$gaps" ] || return 0
    sed -n "s/^$1: //p" "$gaps" | head -n 1
}

# gap_checks NAME: the checks listed under NAME, one per line
gap_checks() {
    [ -s "$gaps" ] || return 0
    awk -v name="$1" '
        /^#/ { next }
        /^[^ \t]/ { cur = $0; sub(/:.*/, "", cur); next }
        cur == name && /^[ \t]+- / { sub(/^[ \t]+- /, ""); print }
    ' "$gaps"
}

# run_rom ROM: 0 pass, 77 known gap, 1 failure
run_rom() {
    rom=$1
    name=$(basename "$rom" .bin)
    out=$tmp/$name.out
    timeout "$timeout_s" "$dynapc" -m 32 -display none -serial stdio \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -no-reboot \
        -kernel "$rom" $extra >"$out" 2>&1 </dev/null
    status=$?
    tr -d '\r' <"$out"
    reason=$(gap_reason "$name")
    sed -n 's/^FAIL [^:]*: //p' "$out" | tr -d '\r' >"$tmp/$name.failed"
    case $status in
    1)
        if [ -n "$reason" ]; then
            echo "NOTE $name: every check passes; remove it from KNOWN_GAPS"
        fi
        echo "$name: PASS"
        return 0 ;;
    3) ;;
    124)
        echo "$name: FAIL (no exit after ${timeout_s}s; the check after the last line above hangs)"
        return 1 ;;
    *)
        echo "$name: FAIL (exit status $status: the ROM did not finish; triple fault or crash?)"
        return 1 ;;
    esac
    if [ -z "$reason" ]; then
        echo "$name: FAIL ($(wc -l <"$tmp/$name.failed") checks failed)"
        return 1
    fi
    gap_checks "$name" >"$tmp/$name.known"
    unexpected=0
    if [ -s "$tmp/$name.known" ]; then
        while IFS= read -r check; do
            if ! grep -Fxq -- "$check" "$tmp/$name.known"; then
                echo "$name: check failing but not listed in KNOWN_GAPS: $check"
                unexpected=1
            fi
        done <"$tmp/$name.failed"
        while IFS= read -r check; do
            if ! grep -Fxq -- "$check" "$tmp/$name.failed"; then
                echo "NOTE $name: listed in KNOWN_GAPS but passes now: $check"
            fi
        done <"$tmp/$name.known"
    fi
    if [ $unexpected -ne 0 ]; then
        echo "$name: FAIL (failures beyond the known gaps)"
        return 1
    fi
    echo "SKIP $name: known gap: $reason"
    sed 's/^/    failing: /' "$tmp/$name.failed"
    return 77
}

if [ -d "$target" ]; then
    rc=0
    found=0
    for src in "$srcdir"/*.asm; do
        rom=$target/$(basename "$src" .asm).bin
        [ -f "$rom" ] || continue
        found=1
        run_rom "$rom"
        r=$?
        if [ $r -eq 1 ]; then
            rc=1
        elif [ $r -eq 77 ] && [ $rc -eq 0 ]; then
            rc=77
        fi
    done
    if [ $found -eq 0 ]; then
        echo "no test ROMs in $target" >&2
        exit 1
    fi
    exit $rc
fi
run_rom "$target"
