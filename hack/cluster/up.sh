#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Start a local Kubernetes cluster on this machine (npm run cluster:up): etcd,
# kube-apiserver (Pod Security admission on), kube-controller-manager and
# kube-scheduler on 127.0.0.1, plus one node:
#   BOTS_NODE=real (default)  a real node: containerd, kubelet, kube-proxy and
#                             CoreDNS in a network and mount namespace of their
#                             own (node-up.sh); pods really run.
#   BOTS_NODE=kwok            kwok fakes a node: pods are scheduled and marked
#                             Running without containers (fast, scheduling only).
#
# Idempotent: components already running are left alone. Waits until /readyz
# answers and the node is Ready. Builds the tools first if needed
# (hack/tools/build-all.sh), unless BOTS_NO_BUILD=1.
#
# State, logs and pid files: ${BOTS_CLUSTER_DIR:-~/.cache/bots-edi-deploy/cluster}
# Kubeconfig: $BOTS_CLUSTER_DIR/kubeconfig, context "bots-local".
# Stop with hack/cluster/down.sh (--wipe also deletes the state).
set -euo pipefail

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [ "$NODE_MODE" = real ]; then
  bash "$CLUSTER_SCRIPTS/node-packages.sh"
  node_tools=(kubernetes-node coredns pause)
else
  node_tools=(kwok)
fi
if [ "${BOTS_NO_BUILD:-}" != 1 ]; then
  bash "$CLUSTER_SCRIPTS/../tools/build-all.sh" etcd kubernetes "${node_tools[@]}"
fi
needed=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl openssl curl)
if [ "$NODE_MODE" = kwok ]; then needed+=(kwok); fi
for b in "${needed[@]}"; do
  command -v "$b" >/dev/null || { clog "missing $b (run hack/tools/build-all.sh)"; exit 1; }
done

mkdir -p "$LOGS" "$RUN"
exec 8>"$RUN/up.lock"
flock 8

# One node kind at a time: switching needs a cluster:down first.
other=kwok
[ "$NODE_MODE" = kwok ] && other=node-ns
if running_pid "$other" >/dev/null; then
  clog "the cluster runs with the other node kind ($other); run npm run cluster:down first, then BOTS_NODE=$NODE_MODE npm run cluster:up"
  exit 1
fi

# State made by an older layout of this script (other address ranges, other
# certificates) cannot be reused: etcd keeps the Service range it was created with.
if [ -d "$CLUSTER_DIR/etcd" ] && [ "$(cat "$CLUSTER_DIR/layout" 2>/dev/null)" != "$CLUSTER_LAYOUT" ]; then
  if running_pid kube-apiserver >/dev/null || running_pid etcd >/dev/null; then
    clog "the running cluster was made by an older version of up.sh; run npm run cluster:down, then cluster:up"
    exit 1
  fi
  clog "state in $CLUSTER_DIR is from an older layout: starting afresh"
  rm -rf "${CLUSTER_DIR:?}/etcd" "${CLUSTER_DIR:?}/pki" "${CLUSTER_DIR:?}/volumes" "${CLUSTER_DIR:?}/node"
fi
mkdir -p "$PKI" "$CLUSTER_DIR/etcd" "$CLUSTER_DIR/volumes"
chmod 700 "$CLUSTER_DIR" "$PKI"
echo "$CLUSTER_LAYOUT" > "$CLUSTER_DIR/layout"

# ------------------------------------------------------------------ PKI
gen_pki() {
  [ -f "$PKI/admin.crt" ] && [ -f "$PKI/sa.pub" ] && return
  clog "generating certificates in $PKI"
  local tmp
  tmp="$(mktemp -d)"
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "/CN=bots-local-ca" \
    -keyout "$PKI/ca.key" -out "$PKI/ca.crt" 2>/dev/null
  cat > "$tmp/server.ext" <<EOF
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:$HOST_IP,IP:$KUBERNETES_SVC_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
EOF
  cat > "$tmp/kubelet.ext" <<EOF
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:$NODE_IP,DNS:bots-node-0
EOF
  cat > "$tmp/client.ext" <<EOF
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth
EOF
  # name, subject, extension file
  local spec name subj ext
  for spec in "apiserver|/CN=kube-apiserver|server" \
              "admin|/O=system:masters/CN=bots-local-admin|client" \
              "apiserver-kubelet-client|/O=system:masters/CN=kube-apiserver-kubelet-client|client" \
              "kubelet-client|/O=system:nodes/CN=system:node:bots-node-0|client" \
              "kubelet-server|/CN=bots-node-0|kubelet" \
              "kube-proxy|/CN=system:kube-proxy|client" \
              "coredns|/CN=bots-local:coredns|client"; do
    IFS='|' read -r name subj ext <<<"$spec"
    openssl req -newkey rsa:2048 -nodes -sha256 -subj "$subj" \
      -keyout "$PKI/$name.key" -out "$tmp/$name.csr" 2>/dev/null
    openssl x509 -req -sha256 -days 3650 -in "$tmp/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" \
      -CAcreateserial -extfile "$tmp/$ext.ext" -out "$PKI/$name.crt" 2>/dev/null
  done
  openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
  openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  chmod 600 "$PKI"/*.key
  rm -rf "$tmp"
}

# Pod Security admission: the cluster-wide default (for namespaces without
# labels) enforces "baseline" and warns/audits "restricted"; namespaces raise it
# with pod-security.kubernetes.io/* labels, as the program's namespace does.
write_admission_config() {
  cat > "$CLUSTER_DIR/admission.yaml" <<'EOF'
apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: PodSecurity
  configuration:
    apiVersion: pod-security.admission.config.k8s.io/v1
    kind: PodSecurityConfiguration
    defaults:
      enforce: baseline
      enforce-version: latest
      audit: restricted
      audit-version: latest
      warn: restricted
      warn-version: latest
    exemptions:
      namespaces: [kube-system]
EOF
}

write_kwok_config() {
  local stages
  stages="$(bots_tool_dir kwok)/stages"
  {
    cat <<EOF
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokConfiguration
options:
  cidr: $KWOK_POD_CIDR
  nodeIP: 127.0.0.1
  serverAddress: 127.0.0.1:$KWOK_PORT
  manageAllNodes: false
  manageNodesWithAnnotationSelector: kwok.x-k8s.io/node=fake
  nodeLeaseDurationSeconds: 40
  # Set explicitly: kwok 0.8.0 leaves them 0 (and refuses to start) when a config file is given.
  nodeLeaseParallelism: 4
  podPlayStageParallelism: 4
  nodePlayStageParallelism: 4
  podsOnNodeSyncParallelism: 1
EOF
    local f
    for f in "$stages"/*.yaml "$CLUSTER_SCRIPTS/kwok-stages-extra.yaml"; do
      printf -- '---\n'
      cat "$f"
    done
  } > "$CLUSTER_DIR/kwok.yaml"
}

# kwok and its fake node: no taint, so ordinary workloads schedule on it.
start_kwok_node() {
  write_kwok_config
  start kwok "$(command -v kwok)" \
    --config "$CLUSTER_DIR/kwok.yaml" \
    --kubeconfig "$KUBECONFIG_FILE" \
    --manage-all-nodes=false \
    --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --server-address "127.0.0.1:$KWOK_PORT" \
    --node-ip 127.0.0.1 \
    --cidr "$KWOK_POD_CIDR"

  # The fake node: no taint, so ordinary workloads schedule on it.
  kc apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $NODE_NAME
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/hostname: $NODE_NAME
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    kubernetes.io/role: agent
    node-role.kubernetes.io/agent: ""
    type: kwok
status:
  allocatable:
    cpu: "32"
    memory: 128Gi
    pods: "110"
    ephemeral-storage: 200Gi
  capacity:
    cpu: "32"
    memory: 128Gi
    pods: "110"
    ephemeral-storage: 200Gi
  nodeInfo:
    architecture: amd64
    kubeletVersion: fake
    kubeProxyVersion: fake
    operatingSystem: linux
EOF
}

etcd_ready() { curl -sf --max-time 2 "http://127.0.0.1:$ETCD_CLIENT_PORT/health" | grep -q '"health":"true"'; }

gen_pki
write_kubeconfig "$KUBECONFIG_FILE" "https://127.0.0.1:$APISERVER_PORT" admin
write_admission_config

start etcd "$(command -v etcd)" \
  --name bots-local \
  --data-dir "$CLUSTER_DIR/etcd" \
  --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
  --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "bots-local=http://127.0.0.1:$ETCD_PEER_PORT" \
  --quota-backend-bytes 2147483648 \
  --unsafe-no-fsync \
  --log-level warn
wait_for etcd 60 etcd_ready || { tail -n 30 "$LOGS/etcd.log" >&2; exit 1; }

start kube-apiserver "$(command -v kube-apiserver)" \
  --bind-address 127.0.0.1 \
  --advertise-address 127.0.0.1 \
  --secure-port "$APISERVER_PORT" \
  --etcd-servers "http://127.0.0.1:$ETCD_CLIENT_PORT" \
  --tls-cert-file "$PKI/apiserver.crt" \
  --tls-private-key-file "$PKI/apiserver.key" \
  --client-ca-file "$PKI/ca.crt" \
  --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" \
  --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
  --kubelet-certificate-authority "$PKI/ca.crt" \
  --kubelet-preferred-address-types InternalIP,Hostname \
  --service-account-key-file "$PKI/sa.pub" \
  --service-account-signing-key-file "$PKI/sa.key" \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-cluster-ip-range "$SERVICE_CIDR" \
  --authorization-mode Node,RBAC \
  --allow-privileged=true \
  --admission-control-config-file "$CLUSTER_DIR/admission.yaml" \
  --endpoint-reconciler-type none \
  --profiling=false \
  --v 1
wait_for kube-apiserver 120 apiserver_ready || { tail -n 40 "$LOGS/kube-apiserver.log" >&2; exit 1; }

start kube-controller-manager "$(command -v kube-controller-manager)" \
  --kubeconfig "$KUBECONFIG_FILE" \
  --authentication-kubeconfig "$KUBECONFIG_FILE" \
  --authorization-kubeconfig "$KUBECONFIG_FILE" \
  --bind-address 127.0.0.1 \
  --secure-port "$KCM_PORT" \
  --cert-dir "$CLUSTER_DIR/kcm-certs" \
  --service-account-private-key-file "$PKI/sa.key" \
  --root-ca-file "$PKI/ca.crt" \
  --cluster-signing-cert-file "$PKI/ca.crt" \
  --cluster-signing-key-file "$PKI/ca.key" \
  --use-service-account-credentials=true \
  --service-cluster-ip-range "$SERVICE_CIDR" \
  --leader-elect=false \
  --profiling=false \
  --v 1

start kube-scheduler "$(command -v kube-scheduler)" \
  --kubeconfig "$KUBECONFIG_FILE" \
  --authentication-kubeconfig "$KUBECONFIG_FILE" \
  --authorization-kubeconfig "$KUBECONFIG_FILE" \
  --bind-address 127.0.0.1 \
  --secure-port "$SCHEDULER_PORT" \
  --leader-elect=false \
  --profiling=false \
  --v 1

# The node of the other kind, left by an earlier run, must not take pods.
kc delete node "$([ "$NODE_MODE" = kwok ] && echo bots-node-0 || echo kwok-node-0)" --ignore-not-found --wait=false >/dev/null
if [ "$NODE_MODE" = kwok ]; then
  start_kwok_node
else
  bash "$CLUSTER_SCRIPTS/node-up.sh"
fi

bash "$CLUSTER_SCRIPTS/storage.sh"

node_ready() {
  [ "$(kc get node "$NODE_NAME" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}
wait_for "node $NODE_NAME Ready" 90 node_ready || { tail -n 30 "$LOGS/$([ "$NODE_MODE" = kwok ] && echo kwok || echo kubelet).log" >&2; exit 1; }
sa_ready() { kc -n default get serviceaccount default >/dev/null 2>&1; }
wait_for "controller-manager (default ServiceAccount)" 90 sa_ready || { tail -n 30 "$LOGS/kube-controller-manager.log" >&2; exit 1; }

clog "ready: kubeconfig $KUBECONFIG_FILE, context $CONTEXT, storage class $STORAGE_CLASS"
