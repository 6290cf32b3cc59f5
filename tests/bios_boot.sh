#!/usr/bin/env bash
# bios_boot.sh DYNAPC - SeaBIOS (Debian's bios.bin) runs on the i440FX/PIIX
# board: it finds fw_cfg and the e820 map, enumerates the PCI functions,
# uses the PIIX4 PM timer, shadows itself, builds its tables and reaches the
# boot menu.  Checked from its debug port (-d firmware).
set -uo pipefail
dyn=$1
bios=${2:-/usr/share/seabios/bios.bin}
if [ ! -r "$bios" ]; then
    echo "bios_boot: $bios is missing (Debian package seabios): cannot run"
    exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# no boot device yet: SeaBIOS ends in "Boot failed" or "No bootable device" and waits
timeout 6 "$dyn" -m 64 -display none -serial none -bios "$bios" -d firmware -D "$tmp/log" </dev/null
pass=0
fail=0
check() {
    if grep -qE "$2" "$tmp/log"; then
        echo "ok   $1"
        pass=$((pass + 1))
    else
        echo "FAIL $1 (no line matching '$2')"
        fail=$((fail + 1))
    fi
}
check "SeaBIOS starts" "^SeaBIOS \(version"
check "fw_cfg found" "Found QEMU fw_cfg"
check "e820 RAM from fw_cfg" "qemu/e820: addr 0x0000000000000000 len 0x0000000004000000 \[RAM\]"
check "PCI host bridge and PIIX3 enumerated" "init bdf=00:01.0 id=8086:7000"
check "PIIX4 PM timer used" "Using pmtimer, ioport"
check "ACPI tables built" "ACPI DSDT="
check "PS/2 keyboard found" "PS2 keyboard initialized"
check "reaches the boot order" "Booting from|No bootable device"
echo "bios_boot: $pass passed, $fail failed"
[ "$fail" = 0 ]
