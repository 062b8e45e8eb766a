#!/usr/bin/env bash
# Runs test tiers under Node 24 on a machine that may have only an older Node:
#   static       type check, lint, formatting, generated files current
#   unit         pure code
#   host         the node agent on the real kernel (root, network namespaces)
#   integration  a real kube-apiserver + etcd on loopback
# Everything the tiers need is installed or built first, once.
set -euo pipefail
cd "$(dirname "$0")/.."

PATH="$(scripts/ensure-node.sh):$PATH"
export PATH
bash scripts/ensure-host-packages.sh
if ! cmp -s package-lock.json node_modules/.package-lock.json 2>/dev/null; then
  npm ci --no-audit --no-fund
fi

run_tier() {
  echo "==> $1 tier"
  case "$1" in
    static)
      npm run -s verify:generated
      npm run -s lint
      ;;
    unit) npm run -s test:unit ;;
    host) npm run -s test:host ;;
    integration)
      bash scripts/ensure-k8s.sh >/dev/null
      npm run -s test:integration
      ;;
    *) echo "unknown tier $1" >&2; return 2 ;;
  esac
}

for tier in "$@"; do run_tier "$tier"; done
