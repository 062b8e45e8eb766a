#!/usr/bin/env bash
# Runs test tiers under Node 24 on a machine that may have only an older Node:
#   static       type check, lint, formatting, generated files current, Trivy's
#                configuration checks over the chart, the operator's objects,
#                the Dockerfile and the CRDs
#   unit         pure code
#   host         the node agent on the real kernel (root, network namespaces)
#   integration  a real kube-apiserver + etcd on loopback
#   node         a real single-node cluster (kubelet, containerd, runc, the image
#                built from the Dockerfile) inside a network namespace of its own
#   nic          real NIC drivers (virtio_net, e1000e, vmxnet3) with real IRQs in a
#                QEMU guest booted inside a network namespace of its own
# Everything the tiers need is installed or built first, once.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/lib/toolchain.sh

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
# Each vitest tier also writes a JSON report; the totals close the run.
report() { echo --reporter=default --reporter=json "--outputFile=$results/$1.json"; }

run_tier() {
  echo "==> $1 tier"
  case "$1" in
    static)
      npm run -s verify:generated
      npm run -s lint
      bash scripts/scan-config.sh
      ;;
    unit) npm run -s test:unit -- $(report unit) ;;
    host) npm run -s test:host -- $(report host) ;;
    integration)
      bash scripts/ensure-k8s.sh >/dev/null
      bash scripts/ensure-helm.sh >/dev/null
      bash scripts/ensure-promtool.sh >/dev/null
      bash scripts/ensure-kube-proxy.sh >/dev/null
      npm run -s test:integration -- $(report integration)
      ;;
    node)
      bash scripts/ensure-k8s.sh >/dev/null
      bash scripts/ensure-k8s-node.sh >/dev/null
      bash scripts/ensure-helm.sh >/dev/null
      bash scripts/ensure-node-packages.sh
      npx vitest run --project node --bail=1 $(report node)
      ;;
    nic)
      bash scripts/guest/prepare.sh >/dev/null
      # The agent daemon in the guest watches its object on a real kube-apiserver.
      bash scripts/ensure-k8s.sh >/dev/null
      # The guest runs the compiled agent: its Node runs without a JIT, so without WebAssembly.
      npm run -s build
      npx vitest run --project nic $(report nic)
      ;;
    *) echo "unknown tier $1" >&2; return 2 ;;
  esac
}

status=0
for tier in "$@"; do run_tier "$tier" || { status=$?; echo "==> $tier tier failed" >&2; break; }; done
node -e '
  const fs = require("node:fs");
  let passed = 0, failed = 0;
  for (const f of fs.readdirSync(process.argv[1])) {
    const r = JSON.parse(fs.readFileSync(`${process.argv[1]}/${f}`, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests;
  }
  console.log(`tests: ${passed} passed, ${failed} failed`);
' "$results"
exit "$status"
