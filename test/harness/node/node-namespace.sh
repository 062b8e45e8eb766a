#!/usr/bin/env bash
# The node's mount namespace, run as
#   nsenter --net=/run/netns/NS unshare --mount --propagation slave bash node-namespace.sh STATE NODE
# Everything the node tier starts enters this namespace (nsenter -t PID -m -n),
# so what the kubelet, containerd and the agent see as the host is:
#  - /sys of the node's network namespace (its own veth "NIC"), cgroups kept;
#  - /etc, /var and /run as overlays whose writes land in STATE and vanish
#    with the namespace: the node's resolv.conf, /var/lib/kubelet, /var/lib/cni,
#    /var/log/containers and /run/containerd never touch the machine's own;
#  - /etc/hosts resolving NODE to 127.0.0.1 (the kubelet serves on loopback).
# Prints "ready" once set up, then holds the namespace until killed.
set -euo pipefail
state=$1 node=$2

# A fresh sysfs shows this network namespace's devices; the cgroup hierarchies
# mounted below the old one are carried over.
keep="$state/mnt/cgroup"
mkdir -p "$keep"
mount --rbind /sys/fs/cgroup "$keep"
umount -l /sys
mount -t sysfs sysfs /sys
mount --rbind "$keep" /sys/fs/cgroup
umount -l "$keep"

for dir in etc var run; do
  mkdir -p "$state/overlay/$dir/upper" "$state/overlay/$dir/work"
  mount -t overlay "node-$dir" \
    -o "lowerdir=/$dir,upperdir=$state/overlay/$dir/upper,workdir=$state/overlay/$dir/work" "/$dir"
done
# The node's resolv.conf is a plain file of its own (the machine's may be a link into /run).
resolv=$(cat /etc/resolv.conf 2>/dev/null || true)
rm -f /etc/resolv.conf
printf '%s\n' "${resolv:-nameserver 127.0.0.53}" >/etc/resolv.conf
printf '127.0.0.1 %s\n' "$node" >>/etc/hosts

echo ready
exec sleep infinity
