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
SERVICE_CIDR="10.96.0.0/16"
POD_CIDR="10.244.0.1/16"
NODE_NAME="kwok-node-0"
# StorageClass for ReadWriteMany PVCs (see storage.sh).
STORAGE_CLASS="local-rwx"

clog() { printf '[cluster %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

kc() { kubectl --kubeconfig "$KUBECONFIG_FILE" --context "$CONTEXT" "$@"; }

# pid of a component we started, if it is still running.
running_pid() {
  local f="$RUN/$1.pid" pid
  [ -f "$f" ] || return 1
  pid="$(cat "$f")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  # Guard against pid reuse: the process must still be our binary.
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$1" || return 1
  echo "$pid"
}

apiserver_ready() {
  curl -sf --max-time 3 --cacert "$PKI/ca.crt" "https://127.0.0.1:$APISERVER_PORT/readyz" >/dev/null 2>&1
}
