#!/usr/bin/env bash
# Prints a directory holding nettune-config-scan: Trivy's built-in Kubernetes
# and Dockerfile misconfiguration checks, built from Trivy's own scanning
# packages at the version pinned in test/harness/trivy (cached; see
# scripts/lib/go-tools.sh). The full trivy binary takes about 12 minutes to
# build on two cores, this one under 2 (docs/adr/0015).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/scripts/lib/go-tools.sh"
module="$here/test/harness/trivy"
version=$(awk '$1 == "github.com/aquasecurity/trivy" && $2 ~ /^v/ {print $2; exit}' "$module/go.mod")
# Trivy 0.74 needs encoding/json/v2, which Go ships behind this experiment.
export GOEXPERIMENT=jsonv2
go_tools trivy-config-scan "$module" "$version" "about 2 minutes" ./nettune-config-scan
