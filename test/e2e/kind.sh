#!/usr/bin/env bash
# The user-path test (test/e2e/user-path.node.test.ts) on a kind cluster: the
# same test file the node tier runs on this machine's real node, with the same
# image (npm run image: the Dockerfile built with buildah, as an OCI archive).
# Needs Docker, kind and kubectl on PATH, and buildah for the image; helm is
# built by the project (scripts/ensure-helm.sh). `npm test` does not call it.
#   test/e2e/kind.sh                 create a cluster, run the test, delete it
#   KEEP_CLUSTER=1 test/e2e/kind.sh  leave the cluster up afterwards
set -euo pipefail
cd "$(dirname "$0")/../.."

cluster=${CLUSTER_NAME:-nettune-e2e}
for tool in docker kind kubectl; do
  command -v "$tool" >/dev/null || { echo "kind e2e: $tool is needed" >&2; exit 2; }
done
docker info >/dev/null 2>&1 || { echo "kind e2e: no Docker engine answers" >&2; exit 2; }
source scripts/lib/toolchain.sh

cleanup() {
  [ "${KEEP_CLUSTER:-0}" = 1 ] || kind delete cluster --name "$cluster" >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "== kind cluster $cluster"
kind get clusters | grep -qx "$cluster" || kind create cluster --name "$cluster" --wait 120s
kubeconfig=$(mktemp)
kind get kubeconfig --name "$cluster" >"$kubeconfig"

echo "== image (npm run image)"
archive=$(bash scripts/image.sh)
kind load image-archive "$archive" --name "$cluster"
bash scripts/ensure-helm.sh >/dev/null

echo "== the user-path test"
NETTUNE_E2E_PROVIDER=kind KIND_CLUSTER="$cluster" KUBECONFIG="$kubeconfig" KUBECTL="$(command -v kubectl)" \
  npx vitest run --project e2e-kind
