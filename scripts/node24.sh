#!/usr/bin/env bash
# Runs node with Node.js 24 whatever the machine's node is (scripts/ensure-node.sh).
set -euo pipefail
bin="$(bash "$(dirname "$0")/ensure-node.sh")"
exec "$bin/node" "$@"
