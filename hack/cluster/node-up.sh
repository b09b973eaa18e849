#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Start the local cluster's real node (run by up.sh when BOTS_NODE=real):
# containerd (Debian's, with runc and the bridge CNI plugin), kubelet,
# kube-proxy (iptables) and CoreDNS, all in
#   - a network namespace "bots-node" of their own, linked to the machine by a
#     veth pair: $HOST_IP on the machine's side, $NODE_IP (the node's
#     InternalIP) inside; pods get addresses from $POD_SUBNET on the bridge
#     cni0 inside the namespace and reach nothing beyond the node link. The
#     iptables rules of kube-proxy and the CNI plugins stay in that namespace.
#   - a mount namespace of their own (node-ns.sh), where state directories and
#     files are mounted over the fixed paths and /proc/sys entries they write.
# On the machine itself it adds: the network namespace and the veth pair, an
# address on bots-h0, a TCP relay from $HOST_IP:$APISERVER_PORT to the API
# server on 127.0.0.1 (socat), cgroups under $KUBELET_CGROUP_ROOT and empty
# mount-point directories where they are missing. down.sh removes all of it.
#
# Idempotent: what runs is left alone. Returns when the node is Ready and
# CoreDNS answers.
set -euo pipefail

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

for b in containerd runc ctr iptables ip nsenter unshare socat conntrack kubelet kube-proxy coredns; do
  command -v "$b" >/dev/null || {
    clog "missing $b: apt-get install containerd runc containernetworking-plugins iptables iproute2 socat conntrack util-linux; kubelet, kube-proxy and coredns come from hack/tools/build-all.sh"
    exit 1
  }
done
for p in bridge host-local loopback; do
  [ -x "/usr/lib/cni/$p" ] || { clog "missing /usr/lib/cni/$p: apt-get install containernetworking-plugins"; exit 1; }
done
PAUSE_TAR="$(bots_tool_dir pause)/pause-image.tar"
[ -f "$PAUSE_TAR" ] || { clog "missing $PAUSE_TAR (run hack/tools/build-all.sh pause)"; exit 1; }

mkdir -p "$NODE_DIR"/{containerd,cni/net.d,cni/ipam,kubelet,fs}

in_node() { nsenter --net="/run/netns/$NODE_NETNS" -- "$@"; }

# ------------------------------------------------------------------ network
setup_network() {
  local other
  # Never take addresses of a network the machine is on.
  other="$(ip -4 route show to match "$HOST_IP" | grep -v "dev $VETH_HOST" | grep -v '^default' || true)"
  if [ -n "$other" ]; then
    clog "the node link $NODE_LINK overlaps a network of this machine ($other); not starting the node"
    exit 1
  fi
  if [ ! -e "/run/netns/$NODE_NETNS" ]; then
    clog "creating network namespace $NODE_NETNS, link $VETH_HOST ($HOST_IP) <-> $VETH_NODE ($NODE_IP)"
    ip netns add "$NODE_NETNS"
  fi
  if ! ip link show "$VETH_HOST" >/dev/null 2>&1; then
    ip link add "$VETH_HOST" type veth peer name "$VETH_NODE" netns "$NODE_NETNS"
    ip addr add "$HOST_IP/$NODE_PREFIX" dev "$VETH_HOST"
    ip link set "$VETH_HOST" up
    in_node ip addr add "$NODE_IP/$NODE_PREFIX" dev "$VETH_NODE"
    in_node ip link set "$VETH_NODE" up
    in_node ip link set lo up
  fi
  # The node has no default route: without a route for the Service range, a connection from the
  # node itself to a ClusterIP fails (ENETUNREACH) before kube-proxy's DNAT in OUTPUT can rewrite it.
  in_node ip route replace "$SERVICE_CIDR" dev "$VETH_NODE"
  # Both are settings of the node's network namespace only.
  in_node sysctl -qw net.ipv4.ip_forward=1
  in_node sysctl -qw net.bridge.bridge-nf-call-iptables=1
}

# Empty directories for the mount points of node-ns.sh, made only where
# missing and recorded, so down.sh removes exactly those.
make_mount_points() {
  local d
  for d in /var/lib/kubelet /var/lib/cni /var/log/pods /var/log/containers /run/containerd /run/netns; do
    if [ ! -d "$d" ]; then
      mkdir -p "$d"
      echo "$d" >> "$RUN/node-made-dirs"
    fi
  done
}

# cgroup v1 here: the kubelet's cgroup root must exist in every hierarchy; a
# new cpuset cgroup starts with no CPUs or memory nodes, so copy the parent's.
make_cgroup_root() {
  local h
  for h in /sys/fs/cgroup/*/; do
    [ -d "$h$KUBELET_CGROUP_ROOT" ] && continue
    mkdir -p "$h$KUBELET_CGROUP_ROOT"
    if [ -f "${h}cpuset.cpus" ]; then
      cat "${h}cpuset.cpus" > "$h$KUBELET_CGROUP_ROOT/cpuset.cpus"
      cat "${h}cpuset.mems" > "$h$KUBELET_CGROUP_ROOT/cpuset.mems"
    fi
  done
}

# ------------------------------------------------------------------ config files
# put <file>: stdin becomes the file, replaced only when its content changes
# (kube-proxy exits when its configuration file changes under it).
put() {
  local tmp
  tmp="$(mktemp "$1.XXXXXX")"
  cat > "$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv "$tmp" "$1"; fi
}

write_configs() {
  write_kubeconfig "$NODE_DIR/kubelet.kubeconfig" "https://$HOST_IP:$APISERVER_PORT" kubelet-client
  write_kubeconfig "$NODE_DIR/kube-proxy.kubeconfig" "https://$HOST_IP:$APISERVER_PORT" kube-proxy
  write_kubeconfig "$NODE_DIR/coredns.kubeconfig" "https://$HOST_IP:$APISERVER_PORT" coredns

  put "$NODE_DIR/containerd.toml" <<EOF
version = 2
root = "$NODE_DIR/containerd/root"
state = "$NODE_DIR/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$CONTAINERD_SOCK"
[ttrpc]
  address = "$CONTAINERD_SOCK.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$NODE_DIR/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  # No registry: the pause image is imported from the archive build-all.sh makes.
  sandbox_image = "docker.io/$BOTS_PAUSE_IMAGE"
  # The VM withholds CAP_SYS_RESOURCE: without this, every sandbox fails with
  # "failed to update /proc/self/oom_score_adj: Permission denied".
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$(command -v runc)"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$NODE_DIR/cni/net.d"
EOF

  # ipMasq: pods reach the machine's side of the link as $NODE_IP.
  put "$NODE_DIR/cni/net.d/10-bots-node.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "bots-node",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni0",
      "isGateway": true,
      "ipMasq": true,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$NODE_DIR/cni/ipam",
        "ranges": [[{ "subnet": "$POD_SUBNET", "gateway": "$POD_GATEWAY" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    }
  ]
}
EOF

  # Pods resolve through CoreDNS on the node's address; no search domains of the machine.
  printf 'nameserver %s\n' "$NODE_IP" | put "$NODE_DIR/resolv.conf"

  put "$NODE_DIR/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: $PKI/kubelet-server.crt
tlsPrivateKeyFile: $PKI/kubelet-server.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
# This machine has cgroup v1 only.
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: $KUBELET_CGROUP_ROOT
failSwapOn: false
clusterDomain: cluster.local
clusterDNS: [$NODE_IP]
resolvConf: $NODE_DIR/resolv.conf
podCIDR: $POD_SUBNET
maxPods: 110
serializeImagePulls: false
# A shared test machine: no evictions or image garbage collection because of
# what other work does to the disk.
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
# Status and lease updates often enough that tests see changes quickly.
nodeStatusUpdateFrequency: 4s
syncFrequency: 10s
fileCheckFrequency: 10s
EOF

  put "$NODE_DIR/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: $NODE_DIR/kube-proxy.kubeconfig
hostnameOverride: $NODE_NAME
mode: iptables
clusterCIDR: $CLUSTER_CIDR
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: ["$NODE_IP/32"]
iptables:
  localhostNodePorts: false
# 0: leave the machine-wide conntrack table size and timeouts alone.
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
EOF

  put "$NODE_DIR/Corefile" <<EOF
.:53 {
    bind $NODE_IP
    ready 127.0.0.1:8181
    errors
    cache 5
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $NODE_DIR/coredns.kubeconfig $CONTEXT
        ttl 5
    }
}
EOF
}

# CoreDNS reads Services, EndpointSlices and Namespaces; nothing else.
apply_coredns_rbac() {
  kc apply -f - >/dev/null <<EOF
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: bots-local:coredns
  labels: {app.kubernetes.io/managed-by: bots-local-cluster}
rules:
- apiGroups: [""]
  resources: [services, namespaces, endpoints, pods]
  verbs: [list, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: bots-local:coredns
  labels: {app.kubernetes.io/managed-by: bots-local-cluster}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: bots-local:coredns}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: bots-local:coredns}
EOF
}

# ------------------------------------------------------------------ processes
containerd_ready() { [ -S "$CONTAINERD_SOCK" ] && node_ctr version >/dev/null 2>&1; }
coredns_ready() { in_node curl -sf --max-time 2 http://127.0.0.1:8181/ready >/dev/null 2>&1; }
ns_ready() { [ -f "$NODE_DIR/ns-ready" ] && running_pid node-ns >/dev/null; }

# start_in_node <name> binary args...: like start, inside the node's namespaces.
start_in_node() {
  local name=$1 holder; shift
  holder="$(running_pid node-ns)"
  start "$name" nsenter --target "$holder" --mount --net -- "$@"
}

setup_network
make_mount_points
make_cgroup_root
write_configs
apply_coredns_rbac

if ! running_pid node-ns >/dev/null; then
  rm -f "$NODE_DIR/ns-ready"
  start node-ns nsenter --net="/run/netns/$NODE_NETNS" -- \
    unshare --mount --propagation private -- bash "$CLUSTER_SCRIPTS/node-ns.sh"
  wait_for "the node's mount namespace" 20 ns_ready || { tail -n 20 "$LOGS/node-ns.log" >&2; exit 1; }
fi

# The node's components reach the API server through this relay on the link
# ($1, $2 are expanded by that inner bash).
# shellcheck disable=SC2016
start socat-apiserver bash -c 'exec -a socat-apiserver socat TCP-LISTEN:"$1",bind="$2",reuseaddr,fork TCP:127.0.0.1:"$1"' \
  relay "$APISERVER_PORT" "$HOST_IP"

start_in_node containerd "$(command -v containerd)" --config "$NODE_DIR/containerd.toml"
wait_for containerd 30 containerd_ready || { tail -n 30 "$LOGS/containerd.log" >&2; exit 1; }
# (The list is read whole: grep -q would end ctr early, which pipefail counts as a failure.)
images="$(node_ctr images ls -q)"
if ! grep -qx "docker.io/$BOTS_PAUSE_IMAGE" <<<"$images"; then
  clog "importing the pause image $BOTS_PAUSE_IMAGE"
  node_ctr images import - < "$PAUSE_TAR" >/dev/null
fi

start_in_node kubelet "$(command -v kubelet)" \
  --config "$NODE_DIR/kubelet.yaml" \
  --kubeconfig "$NODE_DIR/kubelet.kubeconfig" \
  --root-dir /var/lib/kubelet \
  --hostname-override "$NODE_NAME" \
  --node-ip "$NODE_IP" \
  --v 1
start_in_node kube-proxy "$(command -v kube-proxy)" --config "$NODE_DIR/kube-proxy.yaml" --v 1
start_in_node coredns "$(command -v coredns)" -conf "$NODE_DIR/Corefile"
wait_for CoreDNS 60 coredns_ready || { tail -n 30 "$LOGS/coredns.log" >&2; exit 1; }
