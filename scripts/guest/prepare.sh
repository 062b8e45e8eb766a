#!/usr/bin/env bash
# Prepares what the nic tier's guest boots, once, in the cache: the Debian
# kernel package unpacked (never installed) with its modules indexed, and an
# initramfs of busybox plus the drivers the guest needs. QEMU itself comes
# from Debian. Prints the cache directory.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${NETTUNE_CACHE:-$HOME/.cache/nettune}/guest
kernel_package=linux-image-6.1.0-57-amd64
modules=(virtio_pci virtio_console 9pnet_virtio 9p overlay virtio_net e1000e vmxnet3 nf_conntrack)
key=$(cat "$here/initramfs-init.sh" "$0" | sha256sum | cut -c1-12)
out=$cache/$kernel_package-$key
if [ -f "$out/initramfs.cpio.gz" ]; then echo "$out"; exit 0; fi

if ! command -v qemu-system-x86_64 >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends qemu-system-x86 >/dev/null
fi
rm -rf "$out.tmp" && mkdir -p "$out.tmp/debs"
(cd "$out.tmp/debs" && apt-get download -qq "$kernel_package" busybox-static kmod irqbalance 2>/dev/null)
for deb in "$out.tmp"/debs/*.deb; do dpkg -x "$deb" "$out.tmp/unpacked"; done
kmod=$out.tmp/unpacked/bin/kmod
version=${kernel_package#linux-image-}
ln -sf kmod "$out.tmp/unpacked/bin/depmod"
ln -sf kmod "$out.tmp/unpacked/bin/modprobe"
"$out.tmp/unpacked/bin/depmod" -b "$out.tmp/unpacked" "$version"

root=$out.tmp/initramfs
mkdir -p "$root"/{bin,proc,sys,dev,modules}
cp "$out.tmp/unpacked/bin/busybox" "$root/bin/busybox"
install -m 0755 "$here/initramfs-init.sh" "$root/init"
: > "$root/modules.order"
for module in "${modules[@]}"; do
  "$out.tmp/unpacked/bin/modprobe" -d "$out.tmp/unpacked" -S "$version" --show-depends "$module" |
    awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r file; do
  cp "$file" "$root/modules/"
  echo "/modules/$(basename "$file")" >> "$root/modules.order"
done
busybox=$out.tmp/unpacked/bin/busybox
(cd "$root" && find . | "$busybox" cpio -o -H newc 2>/dev/null | gzip -1) >"$out.tmp/initramfs.cpio.gz"
cp "$out.tmp/unpacked/boot/vmlinuz-$version" "$out.tmp/vmlinuz"
cp "$out.tmp/unpacked/usr/sbin/irqbalance" "$out.tmp/irqbalance"
rm -rf "$out.tmp/initramfs" "$out.tmp/debs" "$out.tmp/unpacked"
rm -rf "$out" && mv "$out.tmp" "$out"
echo "$out"
