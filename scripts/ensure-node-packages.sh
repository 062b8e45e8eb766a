#!/usr/bin/env bash
# Installs the Debian packages the node tier uses, when missing: containerd and
# runc (the container runtime), the CNI plugins, buildah and mmdebstrap (the
# image), gcc (the pause image). Installing them starts nothing.
set -euo pipefail
declare -A wanted=(
  [containerd]=containerd
  [runc]=runc
  [/usr/lib/cni/bridge]=containernetworking-plugins
  [buildah]=buildah
  [mmdebstrap]=mmdebstrap
  [gcc]=gcc
  [nsenter]=util-linux
)
missing=()
for command in "${!wanted[@]}"; do
  if [[ $command == /* ]]; then [ -x "$command" ] || missing+=("${wanted[$command]}"); continue; fi
  command -v "$command" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin" command -v "$command" >/dev/null 2>&1 || missing+=("${wanted[$command]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "ensure-node-packages: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
