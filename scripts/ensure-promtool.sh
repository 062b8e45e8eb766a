#!/usr/bin/env bash
# Prints the path of promtool from Debian's prometheus package, unpacked once
# into the cache (never installed: the package would also bring a server).
set -euo pipefail
cache=${NETTUNE_CACHE:-$HOME/.cache/nettune}
# awk reads to the end: leaving early would end apt-cache with SIGPIPE when its
# answer (5.5 kB) takes more than one write, and pipefail would then stop the script.
first_version() { awk '$1 == "Version:" && v == "" { v = $2 } END { print v }'; }
version=$(apt-cache show prometheus 2>/dev/null | first_version)
if [ -z "$version" ]; then
  apt-get update -qq >/dev/null
  version=$(apt-cache show prometheus | first_version)
fi
out=$cache/promtool-${version//[^A-Za-z0-9.+-]/_}
if [ ! -x "$out/promtool" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && apt-get download -qq "prometheus=$version" 2>/dev/null) ||
    { apt-get update -qq >/dev/null && (cd "$work" && apt-get download -qq "prometheus=$version"); }
  dpkg -x "$work"/prometheus_*.deb "$work/unpacked"
  mkdir -p "$out.tmp"
  cp "$work/unpacked/usr/bin/promtool" "$out.tmp/promtool"
  rm -rf "$out" && mv "$out.tmp" "$out"
fi
echo "$out/promtool"
