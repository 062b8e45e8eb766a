#!/usr/bin/env bash
# Prepares what the nic tier's guest boots, once, in the cache: the Debian
# kernel package unpacked (never installed) with its modules indexed, and an
# initramfs of busybox plus the drivers the guest needs. QEMU itself comes
# from Debian. Prints the cache directory.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${NETTUNE_CACHE:-$HOME/.cache/nettune}/guest
# nf_tables, nft_compat and xt_conntrack: an iptables rule that makes the kernel track flows;
# xt_CT: flows kept out of the table (raw, --notrack); nft_chain_nat, xt_nat and xt_statistic:
# a Service's DNAT to backends picked at random, as kube-proxy writes it; veth: namespaces.
modules=(virtio_pci virtio_console 9pnet_virtio 9p overlay virtio_net e1000e vmxnet3 nf_conntrack
  nf_tables nft_compat xt_conntrack xt_CT nft_chain_nat xt_nat xt_statistic veth)
key=$(cat "$here/initramfs-init.sh" "$0" | sha256sum | cut -c1-12)
for prepared in "$cache"/linux-image-*-"$key"; do
  if [ -f "$prepared/initramfs.cpio.gz" ]; then echo "$prepared"; exit 0; fi
done

export DEBIAN_FRONTEND=noninteractive
refresh_lists() { apt-get update -qq >/dev/null; }
# A fresh machine may have no package lists yet, and old ones may name removed versions.
compgen -G "/var/lib/apt/lists/*_Packages" >/dev/null || refresh_lists
if ! command -v qemu-system-x86_64 >/dev/null; then
  apt-get install -y -qq --no-install-recommends qemu-system-x86 >/dev/null ||
    { refresh_lists && apt-get install -y -qq --no-install-recommends qemu-system-x86 >/dev/null; }
fi
# The kernel Debian ships now: the package linux-image-amd64 depends on.
kernel_package=$(apt-cache depends linux-image-amd64 | awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ && p == "" { p = $2 } END { print p }')
out=$cache/$kernel_package-$key
rm -rf "$out.tmp" && mkdir -p "$out.tmp/debs"
download() { (cd "$out.tmp/debs" && apt-get download -qq "$kernel_package" busybox-static kmod irqbalance 2>/dev/null); }
download || { refresh_lists && download; }
for deb in "$out.tmp"/debs/*.deb; do dpkg -x "$deb" "$out.tmp/unpacked"; done
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
# Guests prepared by an earlier version of this script are of no more use.
find "$cache" -mindepth 1 -maxdepth 1 -name 'linux-image-*' ! -name "$(basename "$out")" -exec rm -rf {} +
echo "$out"
