#!/usr/bin/env bash
# The NetTune demo on this machine: an embedded control plane (kube-apiserver
# + etcd on loopback), the operator, and one node agent in a sandbox network
# namespace whose 4-queue veth stands in for the NIC. Needs root. Touches
# nothing outside the sandbox: the resolver file is a copy in a temp directory.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/toolchain.sh
exec node scripts/demo.ts "$@"
