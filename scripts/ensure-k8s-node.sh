#!/usr/bin/env bash
# Prints a directory holding kubelet, kube-scheduler and kube-controller-manager
# built from the pinned Kubernetes release in test/harness/k8s-node (cached; see
# scripts/lib/go-tools.sh). The version ldflags make them report v1.36.3 instead
# of v0.0.0-master, which the kubelet would otherwise register with.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/scripts/lib/go-tools.sh"
module="$here/test/harness/k8s-node"
version=$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ {print $2; exit}' "$module/go.mod")
GO_TOOLS_LDFLAGS=$(k8s_version_ldflags "$version") \
  go_tools kubernetes-node "$module" "$version" "about 2 minutes after the API server's build" \
  k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-scheduler \
  k8s.io/kubernetes/cmd/kube-controller-manager
