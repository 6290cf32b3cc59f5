#!/usr/bin/env bash
# cli.sh DYNAPC DEMO_KERNEL - the command line as a user meets it: bad input
# gives one line naming the flag/file and exit status 2; -h/--version work;
# the demo kernel boots and exits through isa-debug-exit; -d in_asm shows
# capstone's disassembly; -d stats prints the translator counters;
# -debugcon file: and -serial file: capture output.
set -uo pipefail
dyn=$1
demo=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

# expect_error NAME NEEDLE ARGS...: exit 2, exactly one stderr line, containing NEEDLE
expect_error() {
    local name=$1 needle=$2
    shift 2
    "$dyn" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    local rc=$?
    local lines
    lines=$(wc -l <"$tmp/err")
    if [ "$rc" = 2 ] && [ "$lines" = 1 ] && grep -qF -- "$needle" "$tmp/err"; then
        ok "$name: $(cat "$tmp/err")"
    else
        bad "$name: rc=$rc lines=$lines stderr='$(cat "$tmp/err")' (want rc 2, one line with '$needle')"
    fi
}

printf 'not a kernel\n' >"$tmp/notmb.bin"
expect_error "unknown flag" "-frobnicate" -frobnicate
expect_error "missing kernel file" "/nonexistent/k.elf" -kernel /nonexistent/k.elf
expect_error "bad -m" "-m lots" -m lots -kernel "$demo"
expect_error "-m too small" "-m 1" -m 1 -kernel "$demo"
expect_error "flag without value" "-kernel" -kernel
expect_error "bad -serial" "/nonexistent/dir/s.log" -serial file:/nonexistent/dir/s.log -kernel "$demo"
expect_error "unknown -serial backend" "tcp:1234" -serial tcp:1234 -kernel "$demo"
expect_error "unknown device" "-device ne2k_isa" -device ne2k_isa -kernel "$demo"
expect_error "bad debug-exit key" "iobase" -device isa-debug-exit,iobase=zz -kernel "$demo"
expect_error "unknown -d category" "nosuch" -d in_asm,nosuch -kernel "$demo"
expect_error "unknown -cpu" "-cpu z80" -cpu z80 -kernel "$demo"
expect_error "not a Multiboot kernel" "$tmp/notmb.bin" -kernel "$tmp/notmb.bin"
expect_error "missing -bios file" "/nonexistent/bios.bin" -bios /nonexistent/bios.bin
printf 'too small\n' >"$tmp/tiny.bin"
expect_error "-bios not a BIOS image" "not a BIOS image" -bios "$tmp/tiny.bin"
expect_error "unwritable -D" "/nonexistent/dir/log" -D /nonexistent/dir/log -kernel "$demo"

if "$dyn" --version | grep -q '^dynapc [0-9]'; then ok "--version"; else bad "--version"; fi
if "$dyn" -h | grep -q -- '-kernel FILE'; then ok "-h"; else bad "-h"; fi
if "$dyn" -d help | grep -q in_asm; then ok "-d help"; else bad "-d help"; fi
if "$dyn" -cpu help | grep -q pentium2; then ok "-cpu help"; else bad "-cpu help"; fi

run_demo() {
    timeout 60 "$dyn" -m 32 -display none -device isa-debug-exit,iobase=0xf4,iosize=0x04 -no-reboot \
        -kernel "$demo" "$@" </dev/null
}
run_demo -serial file:"$tmp/com1" -debugcon file:"$tmp/e9" -d in_asm,stats -D "$tmp/log" >"$tmp/out" 2>&1
rc=$?
[ "$rc" = 1 ] && ok "demo exits through debug-exit with status 1" || bad "demo exit status $rc (want 1)"
grep -q "prime count   : 9592" "$tmp/com1" && ok "demo output on -serial file:" || bad "demo output missing in COM1 file"
grep -q "dynapc demo guest" "$tmp/e9" && ok "demo output on -debugcon file:" || bad "demo output missing in debugcon file"
grep -q "^IN: " "$tmp/log" && grep -Eq "^0x[0-9a-f]+: +cpuid" "$tmp/log" && ok "-d in_asm shows capstone disassembly" ||
    bad "-d in_asm: no disassembly with cpuid in the log"
for k in "blocks translated" "blocks executed" "chain links made" "invalidations" "code cache" \
    "guest instructions" "MIPS"; do
    grep -q "$k" "$tmp/log" && ok "-d stats: $k" || bad "-d stats: '$k' missing"
done
# -nographic puts COM1 on stdio
run_demo -nographic >"$tmp/ng" 2>&1
grep -q "dynapc demo guest" "$tmp/ng" && ok "-nographic: COM1 on stdout" || bad "-nographic: no demo output on stdout"

echo "cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
