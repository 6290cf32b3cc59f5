# guest_lib.sh - sourced by the shell tests that boot the FreeDOS floppy
# (script.sh, sdl_window.sh): pass/fail counting and the unpacked image.
# shellcheck shell=bash
pass=0
fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

# unpack_freedos IMAGES_DIR DEST: the 1.44 MB boot floppy at DEST, or the
# test fails here saying why
unpack_freedos() {
    if ! gzip -dc "$1/freedos-boot-1.4MB.img.gz" >"$2"; then
        echo "FAIL cannot unpack $1/freedos-boot-1.4MB.img.gz"
        exit 1
    fi
}
