#!/usr/bin/env bash
# The static tier's configuration scan: Trivy's misconfiguration checks (the
# ones built into Trivy; nothing is downloaded) over what a cluster gets from
# NetTune: the chart rendered with its defaults and with every value changed,
# the agent DaemonSet and the webhook configuration the operator renders (its
# golden files), the CRDs, and the Dockerfile. Every finding fails the run
# unless .trivyignore.yaml accepts it with the reason.
set -euo pipefail
cd "$(dirname "$0")/.."
scanner="$(bash scripts/ensure-trivy.sh | tail -1)/nettune-config-scan"
helm="$(bash scripts/ensure-helm.sh | tail -1)/helm"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/k8s/chart-default" "$work/k8s/chart-custom" "$work/k8s/operator" "$work/k8s/crds" "$work/image"
export HELM_CACHE_HOME="$work/helm" HELM_CONFIG_HOME="$work/helm" HELM_DATA_HOME="$work/helm"
"$helm" template nettune charts/nettune --namespace nettune-system \
  --output-dir "$work/k8s/chart-default" >/dev/null
"$helm" template nettune charts/nettune --namespace nettune-system \
  --values test/chart/custom-values.yaml --output-dir "$work/k8s/chart-custom" >/dev/null
cp operator/test/golden/*.yaml "$work/k8s/operator/"
cp crds/*.yaml "$work/k8s/crds/"
cp Dockerfile "$work/image/Dockerfile"
"$scanner" -ignore .trivyignore.yaml -kubernetes "$work/k8s" -dockerfile "$work/image"
