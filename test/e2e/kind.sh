#!/usr/bin/env bash
# End to end on a kind cluster: needs Docker, kind, kubectl and helm on PATH.
# (It cannot run on machines without a Docker engine; `npm test` does not call it.)
#   test/e2e/kind.sh            create a cluster, install, tune, describe, delete
#   KEEP_CLUSTER=1 test/e2e/kind.sh   leave the cluster up afterwards
set -euo pipefail
cd "$(dirname "$0")/../.."

cluster=${CLUSTER_NAME:-nettune-e2e}
namespace=nettune-system
image=ghcr.io/nettune/nettune:e2e
for tool in docker kind kubectl helm; do
  command -v "$tool" >/dev/null || { echo "kind e2e: $tool is needed" >&2; exit 2; }
done
docker info >/dev/null 2>&1 || { echo "kind e2e: no Docker engine answers" >&2; exit 2; }

cleanup() {
  [ "${KEEP_CLUSTER:-0}" = 1 ] || kind delete cluster --name "$cluster" >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "== kind cluster $cluster"
kind get clusters | grep -qx "$cluster" || kind create cluster --name "$cluster" --wait 120s
kubectl config use-context "kind-$cluster"

echo "== image $image"
docker build -t "$image" .
kind load docker-image "$image" --name "$cluster"

echo "== CRDs and chart"
kubectl apply -f crds/
kubectl create namespace "$namespace" --dry-run=client -o yaml | kubectl apply -f -
kubectl label namespace "$namespace" pod-security.kubernetes.io/enforce=privileged --overwrite
helm upgrade --install nettune charts/nettune -n "$namespace" \
  --set image.repository="${image%:*}" --set image.tag="${image##*:}" --set image.pullPolicy=Never \
  --wait --timeout 180s

echo "== a tuning"
kubectl apply -f examples/dns-5s-fix.yaml
name=$(kubectl get -f examples/dns-5s-fix.yaml -o jsonpath='{.metadata.name}')
kubectl -n "$namespace" rollout status daemonset/nettune-agent --timeout=180s
kubectl wait --for=condition=Ready "networktuning/$name" --timeout=180s
kubectl get networktunings,nodenetworktunings
kubectl describe networktuning "$name"
kubectl describe nodenetworktunings

echo "== delete: the finalizer waits for every node's revert"
kubectl delete networktuning "$name" --timeout=180s
kubectl get nodenetworktunings
echo "kind e2e: passed"
