#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Run Bots on this machine, without a cluster of your own (npm run up:local):
#   1. builds the Pulumi CLI, its Node.js language host, the provider plugins,
#      a Kubernetes control plane and node from Go modules (first run only;
#      cached in ~/.cache/bots-edi-deploy, see hack/tools/build-all.sh);
#   2. starts the local cluster with one real node (hack/cluster/up.sh; stop it
#      with npm run cluster:down);
#   3. installs and starts the Docker engine (Debian's docker.io, hack/docker/setup-engine.sh),
#      builds the local Debian base image once (debootstrap: no registry to pull one from,
#      hack/docker/build-base-image.sh), builds the Bots image on it (npm run image:build: your
#      Bots source tree and plugins with --bots-source/--plugin, else the end-of-life PyPI
#      Bots 3.3.1) and loads it into the node, deployed by digest (hack/cluster/load-image.sh);
#   4. creates or selects the stack "local" on a self-managed file backend in
#      ~/.cache/bots-edi-deploy/state, with passphrase-encrypted secrets, points
#      it at the local cluster (SQLite on the data volume) and runs `pulumi up`;
#   5. waits until the web and worker pods are Ready, drops a sample X12 850
#      order into the running system and shows the CSV Bots translated it to;
#   6. prints how to open the web UI from this machine and log in.
#
#   npm run up:local -- [--bots-source DIR] [--plugin DIR ...] [--activate ROUTE ...] [pulumi up args]
#   --bots-source DIR   a Bots 4 source tree (the operators' fork), built into the image
#   --plugin DIR        a plugin folder (botsindex.json, usersys/, botssys/) baked in; repeatable
#   --activate ROUTE    a route id the init Job activates (botsActivateRoutes); repeatable;
#                       default: every route of the --plugin folders
# Other arguments go to `pulumi up` (e.g. --diff). Environment:
#   PULUMI_CONFIG_PASSPHRASE[_FILE]  passphrase of the local stack; default: a
#                                    random one kept in <state>/passphrase
#   BOTS_STATE_DIR                   backend directory (default ~/.cache/bots-edi-deploy/state)
#   BOTS_LOCAL_STACK                 stack name (default local)
#   BOTS_LOCAL_IMAGE                 Docker image tag to build and deploy (default bots-edi:local)
#   BOTS_LOCAL_SAMPLE=0              skip the sample translation
# The stack's settings file lives in <state>/Pulumi.<stack>.yaml, not in the
# work tree; inspect it with
#   pulumi config --config-file ~/.cache/bots-edi-deploy/state/Pulumi.local.yaml
# Needs: Debian 12, root (it installs Debian packages and starts daemons), Go 1.26 (the tools) and
# any npm (Node.js 24): everything else it installs and starts itself.
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
IMAGE="${BOTS_LOCAL_IMAGE:-bots-edi:local}"
BASE_IMAGE="${BOTS_TEST_BASE_IMAGE:-bots-local/debian:bookworm-slim-$(dpkg --print-architecture)}"

say() { printf '\n==> %s\n' "$*"; }
die() { printf 'up:local: %s\n' "$*" >&2; exit 2; }

build_args=()
bots_source=pypi
plugins=()
routes=()
up_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --bots-source|--plugin|--activate)
      [ $# -ge 2 ] || die "$1 needs a value"
      case "$1" in
        --bots-source) build_args+=(--bots-source "$2"); bots_source=context ;;
        --plugin) build_args+=(--plugin "$2"); plugins+=("$2") ;;
        --activate) routes+=("$2") ;;
      esac
      shift 2 ;;
    *) up_args+=("$1"); shift ;;
  esac
done
kc() { kubectl --kubeconfig "$BOTS_KUBECONFIG" --context "$BOTS_KUBE_CONTEXT" "$@"; }

say "node packages"
bash scripts/bootstrap.sh
if [ ${#routes[@]} -eq 0 ] && [ ${#plugins[@]} -gt 0 ]; then
  # The plugins' routes as the program reads them (build-spec.ts), with its errors for a bad folder.
  listed="$(BOTS_PLUGIN_DIRS="$(printf '%s\n' "${plugins[@]}")" TS_NODE_TRANSPILE_ONLY=true node_modules/.bin/ts-node -e '
    import { pluginRoutes } from "./components/image/build-spec";
    for (const dir of process.env.BOTS_PLUGIN_DIRS!.split("\n")) console.log(pluginRoutes(dir).join("\n"));
  ')" || die "--plugin: see the error above"
  mapfile -t routes < <(printf '%s\n' "$listed" | sed '/^$/d' | sort -u)
fi

# Before the tools' long first build, so a machine that cannot run the engine says so at once.
say "Docker engine and the base image $BASE_IMAGE"
bash hack/docker/setup-engine.sh --engine-only
# Does nothing when the image is there already.
BOTS_BASE_IMAGE_TAG="$BASE_IMAGE" bash hack/docker/build-base-image.sh

say "tools"
bash hack/tools/build-all.sh
say "cluster"
BOTS_NODE=real BOTS_NO_BUILD=1 bash hack/cluster/up.sh

say "image $IMAGE (npm run image:build, base $BASE_IMAGE)"
# shellcheck source=../hack/docker/buildkit.sh
. hack/docker/buildkit.sh
prepare_local_base "$BASE_IMAGE"
IMAGE="$(bash scripts/image-build.sh --tag "$IMAGE" --base-image "$BOTS_BASE_IMAGE" "${build_args[@]}" | tail -n 1)"
IMAGE_REF="$(bash hack/cluster/load-image.sh "$IMAGE")"

mkdir -p "$STATE"
chmod 700 "$STATE"
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  if [ ! -s "$STATE/passphrase" ]; then
    (umask 077 && head -c 24 /dev/urandom | base64 > "$STATE/passphrase")
  fi
  export PULUMI_CONFIG_PASSPHRASE_FILE="$STATE/passphrase"
fi
# metadata=skip: see docs/operations.md, "Backend and secrets provider".
export PULUMI_BACKEND_URL="file://$STATE?metadata=skip"

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
# Machine-specific: always reset to the local cluster and the image just loaded.
cfg kubeContext "$BOTS_KUBE_CONTEXT"
cfg kubeconfig "$BOTS_KUBECONFIG"
cfg storageClass local-rwx
cfg imageMode existing
cfg imageRef "$IMAGE_REF"
# Which Bots that image holds (a digest does not say): the end-of-life warning follows it.
cfg botsSource "$bots_source"
# A list key (type array in Pulumi.yaml): replaced as a whole, one element per route.
pulumi config rm --config-file "$CONFIG_FILE" --stack "$STACK" botsActivateRoutes >/dev/null 2>&1 || true
for i in "${!routes[@]}"; do
  cfg --path "botsActivateRoutes[$i]" "${routes[$i]}"
done
# Defaults for trying it out; `pulumi config set --config-file ...` overrides them.
cfg_default namespace bots-edi-local
cfg_default storageSize 1Gi
cfg_default databaseEngine sqlite
cfg_default webReplicas 1
cfg_default podSecurityVersion latest

say "pulumi up"
# --refresh: after `cluster:down --wipe` the stack's objects are gone; refresh lets up recreate them.
# A refresh reads with the provider settings of the last update: when that cluster is gone (another
# BOTS_CLUSTER_DIR, a wiped one), its objects are dropped from this throw-away stack's state
# instead of failing the refresh as unreachable.
PULUMI_K8S_DELETE_UNREACHABLE=true \
  pulumi up --yes --refresh --stack "$STACK" --config-file "$CONFIG_FILE" "${up_args[@]}"
out() { pulumi stack output "$1" --stack "$STACK"; }
NS="$(out namespace)"

say "waiting for the pods to be Ready"
for d in $(kc -n "$NS" get deployments -o name); do
  kc -n "$NS" rollout status "$d" --timeout=300s
done

if [ "${BOTS_LOCAL_SAMPLE:-1}" != 0 ]; then
  say "a sample X12 850 order through the deployed Bots"
  bash hack/cluster/sample-translation.sh "$NS"
fi

SU="$(pulumi config get superuserName --config-file "$CONFIG_FILE" --stack "$STACK" 2>/dev/null || echo admin)"
KC="kubectl --kubeconfig $BOTS_KUBECONFIG --context $BOTS_KUBE_CONTEXT -n $NS"
cat <<EOF

Bots runs in the namespace $NS of the local cluster. Open its web UI from this machine:
  $KC port-forward --address 127.0.0.1 service/$(out webServiceName) 8080:8080
then browse to http://localhost:8080/ and log in as "$SU"; its password:
  $KC get secrets -o go-template='{{range .items}}{{with index .data "SUPERUSER_PASSWORD"}}{{base64decode .}}{{"\\n"}}{{end}}{{end}}'
Look at the objects:  $KC get all,pvc
Tear down:            PULUMI_BACKEND_URL="$PULUMI_BACKEND_URL" pulumi destroy --stack $STACK --config-file $CONFIG_FILE; npm run cluster:down
EOF
