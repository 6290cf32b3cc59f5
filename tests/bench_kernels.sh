#!/usr/bin/env bash
# bench_kernels.sh DYNAPC_EXE SHARED_DIR WORKDIR - boot the shared benchmark
# kernels (SHARED_DIR/bench, built into WORKDIR/bench) in dynapc and check that
# each workload's checksum equals the one the native Linux build of the same
# object code computes.  paging and irq need ring 0: for them `native` prints
# only a reference checksum (REF line), as run-anchors.sh uses it.
# env: BENCH_TIMEOUT (seconds per guest run, default 300)
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 DYNAPC_EXE SHARED_DIR WORKDIR" >&2
    exit 2
fi
exe=$1 shared=$2 work=$3
WORKLOADS="int_alu branchy calls memcpy x87 smc paging irq"
TIMEOUT=${BENCH_TIMEOUT:-300}

fail() { echo "bench_kernels: FAIL: $*"; exit 1; }

[ -d "$shared/bench" ] || fail "$shared/bench not found (the shared benchmark must sit beside the repo as ../shared/bench)"
[[ $exe == */* ]] || exe=$(command -v -- "$exe" || echo "$exe")
if [ ! -f "$exe" ] || [ ! -x "$exe" ]; then fail "$exe is not an executable file"; fi
[[ $exe == /* ]] || exe=$PWD/$exe
mkdir -p "$work"
work=$(cd "$work" && pwd)
b=$work/bench

targets=("$b/native")
for w in $WORKLOADS; do targets+=("$b/$w.elf"); done
make -s -C "$shared/bench" -j"$(nproc)" B="$b" "${targets[@]}" || fail "could not build the benchmark kernels (make -C $shared/bench B=$b)"

# ---- native reference checksums ------------------------------------------------
declare -A want
for w in $WORKLOADS; do
    "$b/native" "$w" > "$work/native-$w.txt" || fail "$b/native $w exited with status $?"
    # WL lines for the workloads native can run, REF lines for paging and irq
    want[$w]=$(sed -n "s/^\(WL\|REF\) $w checksum=\(0x[0-9a-f]*\).*/\2/p" "$work/native-$w.txt" | head -n 1)
    [ -n "${want[$w]}" ] || fail "no checksum for $w in the output of $b/native $w"
done

# ---- guest runs --------------------------------------------------------------------
echo "dynapc: $exe"
printf '%-8s %-6s %-10s %-10s %8s\n' workload status got want wall_s
nfail=0
for w in $WORKLOADS; do
    log=$work/$w.serial.log out=$work/$w.out
    rm -f "$log" "$out"
    rc=0
    t0=$EPOCHREALTIME
    timeout -k 10 "$TIMEOUT" "$exe" -m 64 -display none -serial "file:$log" \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -no-reboot -kernel "$b/$w.elf" \
        </dev/null >"$out" 2>&1 || rc=$?
    t1=$EPOCHREALTIME
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
    got=$(sed -n "s/^WL $w checksum=\(0x[0-9a-f]*\).*/\1/p" "$log" 2>/dev/null | head -n 1 || true)
    note=""
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        note="timed out after ${TIMEOUT} s"
    elif [ "$rc" -ne 1 ]; then
        note="exit status $rc, want 1 (debug-exit with 0)"
    elif ! grep -q '^BENCH done' "$log" 2>/dev/null; then
        note="no 'BENCH done' in the serial log"
    elif [ "$got" != "${want[$w]}" ]; then
        note="checksum mismatch"
    fi
    status=ok
    [ -z "$note" ] || { status=FAIL; nfail=$((nfail + 1)); }
    printf '%-8s %-6s %-10s %-10s %8s%s\n' "$w" "$status" "${got:--}" "${want[$w]}" "$secs" "${note:+  $note}"
    if [ "$status" = FAIL ]; then
        echo "  --- last lines of dynapc's output ($out):"
        tail -n 10 "$out" | sed 's/^/  | /'
        echo "  --- last lines of the serial log ($log):"
        { tail -n 10 "$log" 2>/dev/null || echo "(no serial log)"; } | sed 's/^/  | /'
    fi
done

n=$(wc -w <<<"$WORKLOADS")
if [ "$nfail" -ne 0 ]; then
    echo "bench_kernels: FAIL: $nfail of $n workloads failed"
    exit 1
fi
echo "bench_kernels: all $n workloads ok"
