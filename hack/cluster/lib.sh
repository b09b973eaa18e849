# shellcheck shell=bash
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2034  # sourced: the settings are used by up.sh, down.sh and storage.sh
# Settings shared by up.sh, down.sh and storage.sh. Source, don't run.

CLUSTER_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../tools/env.sh
. "$CLUSTER_SCRIPTS/../tools/env.sh"

CLUSTER_DIR="$BOTS_CLUSTER_DIR"
KUBECONFIG_FILE="$BOTS_KUBECONFIG"
CONTEXT="$BOTS_KUBE_CONTEXT"
PKI="$CLUSTER_DIR/pki"
LOGS="$CLUSTER_DIR/logs"
RUN="$CLUSTER_DIR/run"

# Everything listens on 127.0.0.1 only; ports away from the usual defaults so a
# real cluster on the same laptop is not disturbed. Override with the env vars.
APISERVER_PORT="${BOTS_APISERVER_PORT:-16443}"
ETCD_CLIENT_PORT="${BOTS_ETCD_CLIENT_PORT:-12379}"
ETCD_PEER_PORT="${BOTS_ETCD_PEER_PORT:-12380}"
KCM_PORT="${BOTS_KCM_PORT:-10357}"
SCHEDULER_PORT="${BOTS_SCHEDULER_PORT:-10359}"
KWOK_PORT="${BOTS_KWOK_PORT:-10347}"
# Addresses come from blocks reserved for testing (RFC 5737, RFC 2544), so the
# local cluster can neither collide with nor reach a real network:
#   node link   198.51.100.0/24  host side HOST_IP, node side NODE_IP
#   pods        198.18.0.0/16    the real node's pods use POD_SUBNET, kwok's KWOK_POD_CIDR
#   Services    198.19.0.0/16    the "kubernetes" Service is KUBERNETES_SVC_IP
# The node link is not 192.0.2.0/24: test VMs use that block for their own
# network (this one's eth0 is 192.0.2.2/24, gateway 192.0.2.1). node-up.sh
# refuses to start when the link's block is routed elsewhere on the machine.
SERVICE_CIDR="198.19.0.0/16"
KUBERNETES_SVC_IP="198.19.0.1"
CLUSTER_CIDR="198.18.0.0/16"
POD_SUBNET="198.18.0.0/24"
POD_GATEWAY="198.18.0.1"
KWOK_POD_CIDR="198.18.128.1/17"
NODE_LINK="198.51.100.0/24"
HOST_IP="198.51.100.1"
NODE_IP="198.51.100.2"
NODE_PREFIX=24
# Bumped when the address plan or certificates change: up.sh then starts
# from fresh state (etcd keeps the Service range it was created with).
CLUSTER_LAYOUT=3

# BOTS_NODE=real (default): one real node, kubelet + containerd + kube-proxy +
# CoreDNS in a network and mount namespace of its own (node-up.sh).
# BOTS_NODE=kwok: a fake kwok node that schedules pods but runs nothing.
NODE_MODE="${BOTS_NODE:-real}"
case "$NODE_MODE" in
  real) NODE_NAME="bots-node-0" ;;
  kwok) NODE_NAME="kwok-node-0" ;;
  *) echo "BOTS_NODE=$NODE_MODE: allowed values are real and kwok" >&2; exit 2 ;;
esac

# The real node's state: containerd root/state/socket, kubelet root, CNI, logs.
NODE_DIR="$CLUSTER_DIR/node"
NODE_NETNS="bots-node"
VETH_HOST="bots-h0"
VETH_NODE="bots-n0"
CONTAINERD_SOCK="$NODE_DIR/containerd/containerd.sock"
KUBELET_CGROUP_ROOT="/bots-node"
# StorageClass for ReadWriteMany PVCs (see storage.sh).
STORAGE_CLASS="local-rwx"

clog() { printf '[cluster %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

kc() { kubectl --kubeconfig "$KUBECONFIG_FILE" --context "$CONTEXT" "$@"; }

# pid of a component we started, if it is still running; $2: what its command
# line must contain (default: its name).
running_pid() {
  local f="$RUN/$1.pid" pid
  [ -f "$f" ] || return 1
  pid="$(cat "$f")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  # Guard against pid reuse: the process must still be our binary.
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "${2:-$1}" || return 1
  echo "$pid"
}

# stop <name> [cmdline match]: TERM, wait up to 15 s, then KILL.
stop() {
  local name=$1 pid i
  pid="$(running_pid "$name" "${2:-$1}")" || { rm -f "$RUN/$name.pid"; return 0; }
  clog "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    clog "$name did not stop in 15s; killing"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$RUN/$name.pid"
}

# ctr against the node's containerd, in its mount namespace (pod images live
# in containerd's "k8s.io" namespace).
node_ctr() {
  local holder
  holder="$(running_pid node-ns)" || { clog "the real node is not running (npm run cluster:up)"; return 1; }
  nsenter --target "$holder" --mount --net -- ctr --address "$CONTAINERD_SOCK" --namespace k8s.io "$@"
}

# start <name> <binary> args...: background, own session, log + pid in the cluster dir.
start() {
  local name=$1; shift
  if running_pid "$name" >/dev/null; then
    return 0
  fi
  clog "starting $name (log: $LOGS/$name.log)"
  # 8>&-: the daemons must not inherit (and so keep holding) the lock of this script.
  setsid nohup "$@" >>"$LOGS/$name.log" 2>&1 < /dev/null 8>&- &
  echo $! > "$RUN/$name.pid"
}

# wait_for <what> <seconds> command...: polls the command 5 times a second.
wait_for() {
  local what=$1 tries=$(( $2 * 5 )); shift 2
  local i
  for ((i = 0; i < tries; i++)); do
    if "$@"; then return 0; fi
    sleep 0.2
  done
  clog "timed out waiting for $what"
  return 1
}

# write_kubeconfig <file> <server URL> <certificate name in $PKI>: context $CONTEXT.
write_kubeconfig() {
  local file=$1 server=$2 cert=$3 b64="base64 -w0"
  cat > "$file.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: $CONTEXT
  cluster:
    server: $server
    certificate-authority-data: $($b64 < "$PKI/ca.crt")
users:
- name: $CONTEXT-$cert
  user:
    client-certificate-data: $($b64 < "$PKI/$cert.crt")
    client-key-data: $($b64 < "$PKI/$cert.key")
contexts:
- name: $CONTEXT
  context:
    cluster: $CONTEXT
    user: $CONTEXT-$cert
current-context: $CONTEXT
EOF
  chmod 600 "$file.tmp"
  mv "$file.tmp" "$file"
}

apiserver_ready() {
  curl -sf --max-time 3 --cacert "$PKI/ca.crt" "https://127.0.0.1:$APISERVER_PORT/readyz" >/dev/null 2>&1
}
