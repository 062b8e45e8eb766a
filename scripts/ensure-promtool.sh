#!/usr/bin/env bash
# Prints the path of promtool from Debian's prometheus package, unpacked once
# into the cache (never installed: the package would also bring a server).
set -euo pipefail
cache=${NETTUNE_CACHE:-$HOME/.cache/nettune}
version=$(apt-cache show prometheus 2>/dev/null | awk '$1 == "Version:" { print $2; exit }')
if [ -z "$version" ]; then
  apt-get update -qq >/dev/null
  version=$(apt-cache show prometheus | awk '$1 == "Version:" { print $2; exit }')
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
