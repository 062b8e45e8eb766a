#!/usr/bin/env bash
# Prints a directory holding kube-proxy built from the pinned Kubernetes
# release in test/harness/kube-proxy (cached; see scripts/lib/go-tools.sh), for
# the tests of NetTune beside a real kube-proxy.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/scripts/lib/go-tools.sh"
module="$here/test/harness/kube-proxy"
version=$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ {print $2; exit}' "$module/go.mod")
GO_TOOLS_LDFLAGS=$(k8s_version_ldflags "$version") \
  go_tools kubernetes-proxy "$module" "$version" "about a minute after the node's build" \
  k8s.io/kubernetes/cmd/kube-proxy
