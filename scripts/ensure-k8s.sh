#!/usr/bin/env bash
# Prints a directory holding kube-apiserver and kubectl built from the pinned
# Kubernetes release in test/harness/k8s (cached; see scripts/lib/go-tools.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/scripts/lib/go-tools.sh"
module="$here/test/harness/k8s"
version=$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ {print $2; exit}' "$module/go.mod")
# Release builds stamp the version; helm checks a chart's kubeVersion against it.
GO_TOOLS_LDFLAGS=$(k8s_version_ldflags "$version") \
  go_tools kubernetes "$module" "$version" "about 8 minutes and 2.2 GB of memory on 2 cores" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl
