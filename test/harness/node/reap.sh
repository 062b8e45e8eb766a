#!/usr/bin/env bash
# Removes what a node-tier run left behind, even one that was killed: every
# process in a nettune-node-* network namespace or cgroup, the cgroups, the
# namespaces, the state directories, and the kernel settings the kubelet
# changed (restored from the copy saved before the run).
#   reap.sh           everything of every run
#   reap.sh NAME      one run's (nettune-node-...)
set -uo pipefail
pattern=${1:-nettune-node-*}
saved=/tmp/nettune-sysctl-node-tier.saved

kill_cgroup_tree() {
  local dir=$1 pid
  [ -d "$dir" ] || return 0
  for _ in 1 2 3 4 5; do
    local any=0
    while read -r pid; do
      [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null && any=1
    done < <(find "$dir" -name cgroup.procs -exec cat {} + 2>/dev/null)
    [ "$any" = 0 ] && break
    sleep 0.2
  done
  # Children first: a cgroup with children cannot be removed.
  find "$dir" -depth -type d -exec rmdir {} \; 2>/dev/null
}

for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
  # shellcheck disable=SC2053
  [[ $ns == $pattern ]] || continue
  for _ in 1 2 3; do
    pids=$(ip netns pids "$ns" 2>/dev/null)
    [ -z "$pids" ] && break
    kill -9 $pids 2>/dev/null
    sleep 0.3
  done
done
for hierarchy in /sys/fs/cgroup/*/; do
  for dir in "$hierarchy"$pattern; do kill_cgroup_tree "$dir"; done
done
for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
  # shellcheck disable=SC2053
  [[ $ns == $pattern ]] && ip netns del "$ns" 2>/dev/null
done
for dir in /tmp/$pattern; do
  [ -d "$dir" ] && rm -rf "$dir" 2>/dev/null
done
# Only when no run is left: the saved values are the machine's own.
if [ -f "$saved" ] && ! ls -d /tmp/nettune-node-* >/dev/null 2>&1; then
  while read -r key value; do
    [ -n "$key" ] && sysctl -qw "$key=$value" >/dev/null
  done <"$saved"
  rm -f "$saved"
fi
exit 0
