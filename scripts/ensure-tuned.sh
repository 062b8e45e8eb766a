#!/usr/bin/env bash
# Installs Debian's TuneD for bench/vs-tuned.ts, when missing. Installing it starts nothing:
# services are held back while the package installs (policy-rc.d), and the bench runs TuneD
# itself, once per run, in a network and mount namespace of its own.
set -euo pipefail

command -v tuned >/dev/null 2>&1 && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-tuned: TuneD is missing; install the Debian package tuned as root" >&2
  exit 1
fi
echo "ensure-tuned: installing Debian's tuned" >&2
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  own_policy=1
fi
trap '[ "$own_policy" = 1 ] && rm -f "$policy"' EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends tuned >/dev/null
