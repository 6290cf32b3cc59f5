#!/usr/bin/env bash
# deps.sh - install the Debian 12 packages dynapc needs, only those missing.
# Runs apt-get (update first, then install) only when something is missing.
# Not root and something missing: prints one line and exits 1.
set -euo pipefail

PACKAGES=(meson ninja-build gcc pkg-config nasm gcc-multilib libcapstone-dev check
          zlib1g-dev libsdl2-dev libslirp-dev seabios clang-format qemu-system-x86
          make python3 genisoimage bochsbios vgabios syslinux isolinux syslinux-common mtools dosfstools fdisk
          clang lld libc6-dev-arm64-cross libgcc-12-dev-arm64-cross qemu-user-static
          xvfb xauth xdotool)

if ! command -v dpkg-query >/dev/null; then
    echo "deps.sh: no dpkg-query (not Debian?); install by hand: ${PACKAGES[*]}" >&2
    exit 0
fi

# gcc-multilib (for the -m32 benchmark kernels) and syslinux (the installer
# the boot tests run) exist only on x86 Debian
case $(dpkg --print-architecture) in
amd64 | i386) ;;
*) PACKAGES=("${PACKAGES[@]/gcc-multilib/}") && PACKAGES=("${PACKAGES[@]/%syslinux/}") ;;
esac

missing=()
for p in "${PACKAGES[@]}"; do
    [ -n "$p" ] || continue
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
    [[ $status == ii* ]] || missing+=("$p")
done

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "deps.sh: missing packages, run as root: apt-get install ${missing[*]}" >&2
    exit 1
fi

echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
