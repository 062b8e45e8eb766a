#!/usr/bin/env bash
# Prints a directory holding kube-apiserver and kubectl built from the pinned
# Kubernetes release in test/harness/k8s. The build is cached outside the
# repository, keyed by the module files, so only the first run pays for it.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
module="$here/test/harness/k8s"
CACHE="${NETTUNE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nettune}"
version=$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ {print $2; exit}' "$module/go.mod")
key=$(cat "$module/go.mod" "$module/go.sum" | sha256sum | cut -c1-12)
dir="$CACHE/kubernetes-$version-$key"

if [ -x "$dir/kube-apiserver" ] && [ -x "$dir/kubectl" ]; then
  echo "$dir"
  exit 0
fi

PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null 2>&1 || { echo "ensure-k8s: Go is needed to build kube-apiserver $version" >&2; exit 1; }
echo "ensure-k8s: building kube-apiserver and kubectl $version (first run only, about 8 minutes and 2.2 GB of memory on 2 cores)" >&2
tmp="$dir.partial.$$"
rm -rf "$tmp" && mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
started=$(date +%s)
(
  cd "$module"
  # -v lists each package as it finishes: that is the progress shown while building.
  go build -v -trimpath -ldflags "-s -w" -o "$tmp/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl 2>&1 |
    awk '{ n++; if (n % 100 == 0) { printf "ensure-k8s: %d packages compiled\n", n > "/dev/stderr" } }'
)
rm -rf "$dir" && mv "$tmp" "$dir"
echo "ensure-k8s: built in $(( $(date +%s) - started ))s into $dir" >&2
echo "$dir"
