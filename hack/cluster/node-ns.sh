#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The real node's mount namespace (run by node-up.sh through
# `nsenter --net=<node netns> unshare --mount --propagation private`).
#
# Bind-mounts, in this private mount namespace only, the state directories over
# the fixed paths that containerd, the kubelet and the CNI plugins use, and
# regular files over the /proc/sys entries the kubelet writes, so the node
# leaves the machine's files and kernel settings alone. Then it stays alive
# (as "bots-node-ns") holding the namespace: node-up.sh starts containerd,
# kubelet, kube-proxy and CoreDNS inside it with nsenter. When it and every
# process in the namespace have exited, the kernel drops all these mounts.
set -euo pipefail

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# target path -> directory under $NODE_DIR/fs
for spec in /var/lib/kubelet:kubelet /var/lib/cni:cni /var/log/pods:log/pods \
            /var/log/containers:log/containers /run/containerd:run/containerd /run/netns:run/netns; do
  target=${spec%%:*}
  src="$NODE_DIR/fs/${spec#*:}"
  mkdir -p "$src"
  mount --bind "$src" "$target"
done

# The kubelet sets these kernel tunables (vm.overcommit_memory=1, kernel.panic=10,
# kernel.panic_on_oops=1, ...). Here it writes into files that start with the
# machine's values.
mkdir -p "$NODE_DIR/sysctl"
for key in vm/overcommit_memory vm/panic_on_oom kernel/panic kernel/panic_on_oops \
           kernel/keys/root_maxkeys kernel/keys/root_maxbytes; do
  f="$NODE_DIR/sysctl/${key//\//.}"
  cat "/proc/sys/$key" > "$f"
  mount --bind "$f" "/proc/sys/$key"
done

echo ready > "$NODE_DIR/ns-ready"
exec -a bots-node-ns sleep infinity
