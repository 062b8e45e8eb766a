#!/usr/bin/env bash
# Prints a directory holding helm built from the version pinned in
# test/harness/helm (cached; see scripts/lib/go-tools.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/scripts/lib/go-tools.sh"
module="$here/test/harness/helm"
version=$(awk '$1 == "helm.sh/helm/v4" && $2 ~ /^v/ {print $2; exit}' "$module/go.mod")
go_tools helm "$module" "$version" "a few minutes" helm.sh/helm/v4/cmd/helm
