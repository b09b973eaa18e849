#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Stop the real node started by node-up.sh and remove what it added to the
# machine (run by down.sh). Processes are found by the pid files of node-up.sh,
# the cgroups under $KUBELET_CGROUP_ROOT (pod containers) and the node's mount
# namespace (containerd's shims); nothing is signalled by name.
set -euo pipefail

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Every process in the pod cgroups (containers and their sandboxes).
pod_pids() {
  local h
  for h in /sys/fs/cgroup/*/; do
    [ -d "$h${KUBELET_CGROUP_ROOT#/}" ] || continue
    find "$h${KUBELET_CGROUP_ROOT#/}" -name cgroup.procs -exec cat {} + 2>/dev/null
  done | sort -u
}

# Processes other than the holder itself in the node's mount namespace.
ns_pids() {
  local holder=$1 ns p
  ns="$(readlink "/proc/$holder/ns/mnt")"
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ "$p" = "$holder" ] && continue
    [ "$(readlink "/proc/$p/ns/mnt" 2>/dev/null)" = "$ns" ] && echo "$p"
  done
  return 0
}

kill_all() {
  local sig=$1; shift
  [ $# -gt 0 ] && kill "-$sig" "$@" 2>/dev/null
  return 0
}

stop kubelet
stop kube-proxy
stop coredns
# The pods: the kubelet no longer restarts them.
mapfile -t pods < <(pod_pids)
if [ "${#pods[@]}" -gt 0 ]; then
  clog "stopping ${#pods[@]} container processes"
  kill_all KILL "${pods[@]}"
fi
stop containerd
if holder="$(running_pid node-ns)"; then
  mapfile -t shims < <(ns_pids "$holder")
  if [ "${#shims[@]}" -gt 0 ]; then
    clog "stopping ${#shims[@]} containerd shims"
    kill_all TERM "${shims[@]}"
    sleep 1
    mapfile -t shims < <(ns_pids "$holder")
    kill_all KILL "${shims[@]}"
  fi
fi
stop node-ns
stop socat-apiserver

# Cgroups, deepest first (rmdir only removes empty ones).
for h in /sys/fs/cgroup/*/; do
  d="$h${KUBELET_CGROUP_ROOT#/}"
  [ -d "$d" ] || continue
  for _ in 1 2 3 4 5; do
    find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
    [ -d "$d" ] || break
    sleep 0.2
  done
  [ -d "$d" ] && clog "could not remove cgroup $d (processes left in it?)"
done

# The network namespace takes cni0, the pods' links and its iptables rules with it;
# deleting the node's end of the veth pair deletes the machine's end.
if [ -e "/run/netns/$NODE_NETNS" ]; then
  clog "removing network namespace $NODE_NETNS and link $VETH_HOST"
  ip netns delete "$NODE_NETNS"
fi
ip link show "$VETH_HOST" >/dev/null 2>&1 && ip link delete "$VETH_HOST"

if [ -f "$RUN/node-made-dirs" ]; then
  tac "$RUN/node-made-dirs" | while read -r d; do rmdir "$d" 2>/dev/null || clog "left $d (not empty)"; done
  rm -f "$RUN/node-made-dirs"
fi
rm -f "$NODE_DIR/ns-ready"
