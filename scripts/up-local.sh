#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Try the program on this machine, without a cluster of your own (npm run up:local):
#   1. builds the Pulumi CLI, its Node.js language host, the provider plugins
#      and a Kubernetes control plane from Go modules (first run only; cached in
#      ~/.cache/bots-edi-deploy, see hack/tools/build-all.sh);
#   2. starts that control plane on 127.0.0.1 with kwok fake nodes
#      (hack/cluster/up.sh; stop it with npm run cluster:down);
#   3. creates or selects the stack "local" on a self-managed file backend in
#      ~/.cache/bots-edi-deploy/state, with passphrase-encrypted secrets;
#   4. points it at the local cluster and runs `pulumi up --yes`.
#
# Extra arguments go to `pulumi up` (e.g. --diff). Environment:
#   PULUMI_CONFIG_PASSPHRASE[_FILE]  passphrase of the local stack; default: a
#                                    random one kept in <state>/passphrase
#   BOTS_STATE_DIR                   backend directory (default ~/.cache/bots-edi-deploy/state)
#   BOTS_LOCAL_STACK                 stack name (default local)
# The stack's settings file lives in <state>/Pulumi.<stack>.yaml, not in the
# work tree; inspect it with
#   pulumi config --config-file ~/.cache/bots-edi-deploy/state/Pulumi.local.yaml
# The local cluster runs no containers: pods are scheduled and admitted (Pod
# Security "restricted"), then kwok marks them Running/Ready (Job pods:
# Succeeded). Nothing serves HTTP.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=../hack/tools/env.sh
. hack/tools/env.sh
# Node.js 24 from the tools cache, first on PATH: the language host runs the program with it.
bots_node_ensure

STATE="${BOTS_STATE_DIR:-$BOTS_TOOLS_CACHE/state}"
STACK="${BOTS_LOCAL_STACK:-local}"
CONFIG_FILE="$STATE/Pulumi.$STACK.yaml"
# A placeholder image pinned by digest: kwok never pulls it.
LOCAL_IMAGE_REF="registry.local/edi/bots@sha256:$(printf 'bots-edi-deploy local image' | sha256sum | cut -c1-64)"

say() { printf '\n==> %s\n' "$*"; }

say "tools"
bash hack/tools/build-all.sh
say "cluster"
BOTS_NO_BUILD=1 bash hack/cluster/up.sh
say "node packages"
bash scripts/bootstrap.sh

mkdir -p "$STATE"
chmod 700 "$STATE"
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  if [ ! -s "$STATE/passphrase" ]; then
    (umask 077 && head -c 24 /dev/urandom | base64 > "$STATE/passphrase")
  fi
  export PULUMI_CONFIG_PASSPHRASE_FILE="$STATE/passphrase"
fi
export PULUMI_BACKEND_URL="file://$STATE"

say "stack $STACK (backend $PULUMI_BACKEND_URL)"
if ! pulumi stack select "$STACK" >/dev/null 2>&1; then
  # Creating the stack writes its secrets salt to the settings file, in the project directory: move it out.
  pulumi stack init "$STACK" --secrets-provider passphrase
  if [ -f "Pulumi.$STACK.yaml" ]; then
    mv "Pulumi.$STACK.yaml" "$CONFIG_FILE"
  fi
fi
touch "$CONFIG_FILE"

cfg() { pulumi config set --config-file "$CONFIG_FILE" --stack "$STACK" "$@"; }
# Set only when the stack file has no value of its own (`config get` would also see Pulumi.yaml's defaults).
cfg_default() {
  if ! grep -q "^  bots-edi-deploy:$1:" "$CONFIG_FILE"; then
    cfg "$1" "$2"
  fi
}
# Machine-specific: always reset to the local cluster.
cfg kubeContext "$BOTS_KUBE_CONTEXT"
cfg kubeconfig "$BOTS_KUBECONFIG"
cfg storageClass local-rwx
# Defaults for trying it out; `pulumi config set --config-file ...` overrides them.
cfg_default namespace bots-edi-local
cfg_default imageMode existing
cfg_default imageRef "$LOCAL_IMAGE_REF"
cfg_default storageSize 1Gi
cfg_default databaseEngine sqlite
cfg_default webReplicas 1
cfg_default podSecurityVersion latest

say "pulumi up"
pulumi up --yes --stack "$STACK" --config-file "$CONFIG_FILE" "$@"

cat <<EOF

Deployed the stack "$STACK" to the local cluster. Look at it with
  kubectl --kubeconfig $BOTS_KUBECONFIG -n \$(PULUMI_BACKEND_URL=$PULUMI_BACKEND_URL pulumi stack output namespace --stack $STACK) get all,pvc
Tear down: PULUMI_BACKEND_URL=$PULUMI_BACKEND_URL pulumi destroy --stack $STACK --config-file $CONFIG_FILE; npm run cluster:down
EOF
