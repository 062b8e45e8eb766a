#!/usr/bin/env bash
# The NetTune demo: the node agent tunes a 4-queue veth pair in a sandbox
# network namespace, shows the kernel's values before and after, and reverts
# them exactly. Needs root (network namespaces). Touches nothing outside the
# sandbox: the resolver file is a copy in a temp directory.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/toolchain.sh

ns="nettune-demo-$$"
work=$(mktemp -d)
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

ip netns add "$ns"
ip -n "$ns" link add vA numrxqueues 4 numtxqueues 4 type veth peer name vB numrxqueues 4 numtxqueues 4
ip -n "$ns" link set vA up && ip -n "$ns" link set vB up
printf 'nameserver 10.96.0.10\nsearch default.svc.cluster.local svc.cluster.local\noptions ndots:5\n' > "$work/resolv.conf"

in_ns() { ip netns exec "$ns" "$@"; }
agent() { in_ns node node-agent/src/cli.ts "$@" --run-dir "$work/run" --resolv-conf "$work/resolv.conf"; }
show() {
  echo "--- kernel values ($1)"
  in_ns sh -c 'ethtool -l vA | sed -n "/Current/,\$p" | tr -s "\t" " " | paste -sd" "'
  in_ns sh -c 'q=/sys/class/net/vA/queues; for f in $q/rx-*/rps_cpus $q/tx-*/xps_cpus /sys/class/net/vA/tx_queue_len; do printf "%s=%s\n" "${f#/sys/class/net/}" "$(cat "$f")"; done' | paste -sd" "
  in_ns sh -c 'ethtool -k vA | grep -E "^(generic-receive-offload|tcp-segmentation-offload):"' | paste -sd" "
  in_ns sh -c 'for k in nf_conntrack_tcp_timeout_established nf_conntrack_udp_timeout; do printf "%s=%s " $k "$(cat /proc/sys/net/netfilter/$k)"; done; echo "somaxconn=$(cat /proc/sys/net/core/somaxconn)"'
  grep '^options' "$work/resolv.conf" || echo "(no options line)"
}

echo "== NetTune demo: sandbox namespace $ns with a 4-queue veth pair"
show before
echo; echo "== node-agent plan (Audit: what would change; writes nothing)"
agent plan --file examples/sandbox/veth-profile.yaml
echo; echo "== node-agent apply"
agent apply --file examples/sandbox/veth-profile.yaml
show "after apply"
echo; echo "== node-agent revert (restores the recorded originals, newest first)"
agent revert
show "after revert"
echo
echo "The cluster demo (API server, operator, agent, kubectl): npm run demo"
