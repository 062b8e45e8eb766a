#!/usr/bin/env bash
# Installs the Debian packages the host and integration tiers use, when missing.
set -euo pipefail

declare -A wanted=(
  [etcd]=etcd-server
  [ethtool]=ethtool
  [ip]=iproute2
  [conntrack]=conntrack
  [iptables]=iptables
  # A replica whose clock is off by a minute, for the leader election fault test.
  [faketime]=faketime
)
missing=()
for command in "${!wanted[@]}"; do
  command -v "$command" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin" command -v "$command" >/dev/null 2>&1 || missing+=("${wanted[$command]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-host-packages: missing ${missing[*]}; install them as root" >&2
  exit 1
fi
echo "ensure-host-packages: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
