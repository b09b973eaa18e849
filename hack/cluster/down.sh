#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Stop the local cluster started by up.sh (npm run cluster:down): the real
# node (node-down.sh removes its namespaces, link and cgroups too) or kwok,
# then the control plane.
#   bash hack/cluster/down.sh          # stop; keep etcd data, certificates, kubeconfig
#   bash hack/cluster/down.sh --wipe   # stop and delete all cluster state
# Only the processes recorded in the cluster's pid files are signalled.
set -euo pipefail

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

wipe=0
for a in "$@"; do
  case "$a" in
    --wipe) wipe=1 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "unknown argument: $a" >&2; exit 2 ;;
  esac
done

# The real node first (its pods, containerd, namespaces, link, cgroups).
bash "$CLUSTER_SCRIPTS/node-down.sh"
if [ -d "$RUN" ]; then
  for c in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
    stop "$c"
  done
fi

if [ "$wipe" = 1 ] && [ -d "$CLUSTER_DIR" ]; then
  clog "deleting $CLUSTER_DIR"
  rm -rf "${CLUSTER_DIR:?}"
fi
clog "stopped"
