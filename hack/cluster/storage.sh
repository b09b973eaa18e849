#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# ReadWriteMany storage for the local cluster: StorageClass "local-rwx" plus a
# pool of pre-provisioned PersistentVolumes.
#
# There is no CSI driver here, so nothing can provision volumes, and the Pulumi
# Kubernetes provider waits for a PVC to be Bound (unless its class is
# WaitForFirstConsumer) and for a Deployment's PVCs to be Bound. The class
# therefore binds Immediately (like NFS-style RWX classes do) to PVs kept in a
# pool: every run deletes Released ones (their claims are gone) and tops the
# pool up to BOTS_PV_POOL (4) Available volumes. The class is also the
# cluster's default StorageClass.
#
# The PVs are "local" volumes (a directory under $BOTS_CLUSTER_DIR/volumes,
# pinned to the cluster's node): unlike hostPath, the kubelet applies a pod's
# fsGroup to them, as it does to the RWX volumes of real clusters, so pods
# running as uid 10001 can write to them.
#
# Run by up.sh; run it again before deploying more stacks than the pool holds.
set -euo pipefail

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

POOL="${BOTS_PV_POOL:-4}"

kc apply -f - >/dev/null <<EOF
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: $STORAGE_CLASS
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
  labels:
    app.kubernetes.io/managed-by: bots-local-cluster
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
reclaimPolicy: Retain
allowVolumeExpansion: false
EOF

# Released/Failed volumes of the pool: their claims were deleted; recycle them.
kc get pv -l app.kubernetes.io/managed-by=bots-local-cluster \
  -o jsonpath='{range .items[*]}{.metadata.name} {.status.phase}{"\n"}{end}' |
  while read -r name phase; do
    case "$phase" in
      Released|Failed)
        kc delete pv "$name" --wait=false >/dev/null
        rm -rf "${CLUSTER_DIR:?}/volumes/$name"
        ;;
    esac
  done

available="$(kc get pv -l app.kubernetes.io/managed-by=bots-local-cluster \
  -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' | grep -c '^Available$' || true)"
# A PV just created has no phase yet; count those as available too.
pending="$(kc get pv -l app.kubernetes.io/managed-by=bots-local-cluster \
  -o jsonpath='{range .items[*]}{.status.phase}{"|"}{"\n"}{end}' | grep -c '^|$' || true)"
need=$(( POOL - available - pending ))
for ((i = 0; i < need; i++)); do
  name="$STORAGE_CLASS-$(date +%s%N | sha256sum | cut -c1-8)"
  mkdir -p "$CLUSTER_DIR/volumes/$name"
  kc apply -f - >/dev/null <<EOF
apiVersion: v1
kind: PersistentVolume
metadata:
  name: $name
  labels:
    app.kubernetes.io/managed-by: bots-local-cluster
spec:
  storageClassName: $STORAGE_CLASS
  capacity:
    storage: 100Gi
  accessModes: [ReadWriteMany, ReadWriteOnce, ReadOnlyMany]
  persistentVolumeReclaimPolicy: Retain
  volumeMode: Filesystem
  local:
    path: $CLUSTER_DIR/volumes/$name
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions:
        - {key: kubernetes.io/hostname, operator: In, values: [bots-node-0, kwok-node-0]}
EOF
done
