#!/usr/bin/env bash
# Installs whatever building, running and testing Kestrel needs and this machine lacks:
# Debian packages (with sudo only when not root) and the Rust bare-metal target.
# Usage: tools/install-deps.sh [bochs] [bochs-x]
#   bochs    also Bochs with its BIOS images (make test boots the ISO in it, headless)
#   bochs-x  also Bochs' X11 window (make bochs on a desktop)
#   musl     also musl-gcc (make user builds the C programs of user/c/ with it) and the Rust
#            target x86_64-unknown-linux-musl (for user/std-demo, a Rust std program)
#   busybox  also Debian's static busybox (make initramfs puts it in /bin with its applets)
set -euo pipefail

packages=()
rust_targets=(x86_64-unknown-none)
want() {   # want TEST PACKAGE: queue PACKAGE when TEST fails
    if ! eval "$1" >/dev/null 2>&1; then packages+=("$2"); fi
}
want "command -v nasm" nasm
want "command -v grub-mkrescue" grub-common
want "test -d /usr/lib/grub/i386-pc" grub-pc-bin
want "test -d /usr/lib/grub/x86_64-efi" grub-efi-amd64-bin
want "command -v xorriso" xorriso
want "command -v mformat" mtools
want "command -v qemu-system-x86_64" qemu-system-x86
want "test -f /usr/share/OVMF/OVMF_CODE_4M.fd || test -f /usr/share/ovmf/OVMF.fd" ovmf
want "command -v python3" python3
want "command -v strip" binutils
want "command -v cpio" cpio   # tools/mkinitramfs.sh
for extra in "$@"; do
    case $extra in
        bochs)
            want "command -v bochs" bochs
            want "test -f /usr/share/bochs/BIOS-bochs-latest" bochsbios
            want "test -f /usr/share/vgabios/vgabios.bin" vgabios
            ;;
        bochs-x)
            want "ls /usr/lib/x86_64-linux-gnu/bochs/plugins/libbx_x.so*" bochs-x
            ;;
        musl)
            want "command -v musl-gcc" musl-tools
            rust_targets+=(x86_64-unknown-linux-musl)
            ;;
        busybox)
            # busybox-static, not busybox: the dynamic one cannot run on Kestrel. Installing
            # it replaces the dynamic package, which provides the same /bin/busybox.
            want "dpkg-query -W -f='\${Status}' busybox-static | grep -q 'ok installed'" busybox-static
            ;;
        *) echo "install-deps: unknown extra '$extra'" >&2; exit 2 ;;
    esac
done

if [ ${#packages[@]} -gt 0 ]; then
    sudo=()
    [ "$(id -u)" -ne 0 ] && sudo=(sudo)
    echo "install-deps: installing ${packages[*]}"
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${packages[@]}" >/dev/null
fi

# rust-toolchain.toml pins the toolchain; make sure the pieces we use are present.
for target in "${rust_targets[@]}"; do
    if ! rustup target list --installed | grep -qx "$target"; then
        rustup target add "$target"
    fi
done
for component in rustfmt clippy; do
    if ! rustup component list --installed | grep -q "^$component"; then
        rustup component add "$component"
    fi
done
