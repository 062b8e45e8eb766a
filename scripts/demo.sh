#!/usr/bin/env bash
# The NetTune demo on this machine: an embedded control plane (kube-apiserver
# + etcd on loopback), the operator, and one node agent in a sandbox network
# namespace whose 4-queue veth stands in for the NIC. Needs root. Touches
# nothing outside the sandbox: the resolver file is a copy in a temp directory.
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$(scripts/ensure-node.sh):$PATH"
export PATH
bash scripts/ensure-host-packages.sh
if ! cmp -s package-lock.json node_modules/.package-lock.json 2>/dev/null; then npm ci --no-audit --no-fund; fi
exec node scripts/demo.ts "$@"
