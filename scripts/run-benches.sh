#!/usr/bin/env bash
# The quick bench suite (npm run bench): the agent's benches in a row, each short, so that a
# regression or a leak shows within about 15 minutes. Each prints ratios against a baseline
# measured in the same run; the suite ends non-zero when any bench missed its goal, and names it.
# Needs root. Never run it beside a test tier or another bench: they share the machine's CPU,
# and a tier's end fails on an agent's child it did not start.
#   bash scripts/run-benches.sh
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/toolchain.sh
npm run -s build || exit 1
bash scripts/ensure-k8s.sh >/dev/null || exit 1

missed=()
bench() {
  local name=$1
  shift
  echo "== $name: $*"
  if ! "$@"; then missed+=("$name"); fi
}

# Apply: plan + apply + verify of a full profile against a shell script (goal: at most 1.1x).
bench agent-apply node bench/agent-apply.ts 15
# A leak: the soak's short run, an agent at a high event rate for 5 minutes (no growth in fds,
# children or timers; its RSS slope is printed).
bench agent-soak node bench/agent-soak.ts 5 10
# Idle: one 2-minute window beside TuneD's daemon and a bare Node (the goals are judged on
# three 10-minute windows: node bench/agent-footprint.ts).
bench agent-footprint node bench/agent-footprint.ts 120 15 1
bench worst-spec node bench/worst-spec.ts
bench webhook-churn node --expose-gc bench/webhook-churn.ts
bench vs-tuned node bench/vs-tuned.ts 5

if [ ${#missed[@]} -gt 0 ]; then
  echo "run-benches: missed a goal or failed: ${missed[*]}" >&2
  exit 1
fi
echo "run-benches: every bench met its goal"
