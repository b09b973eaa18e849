#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Runs the operator procedures of README.md ("Adding a stack", "Promotion", "Rollback") and of
# docs/operations.md (policy preview, secret rotation, destroy, "Destroy everything but the
# data") as written, against the local cluster's real node (hack/cluster), with a file:// backend
# and a scratch copy of the project, then checks what they left in the cluster. Only what names a
# real environment differs from the documents: the local cluster's kubeconfig, context and storage
# class, SQLite instead of a database server, a file backend instead of S3, and the two image
# digests: the Docker image BOTS_OPS_IMAGE (default: built with `npm run image:build`) and a
# second digest of it (one label more), loaded into the node as registry.example.com/edi/bots.
# Every command is printed before its output ("$ pulumi ..."), the kubeconfig's path as
# <kubeconfig> and the home directory as ~; docs/operations.md quotes this output. The e2e tier
# runs it (test/e2e/operations.spec.ts).
#
#   bash hack/docs/operations.sh      (BOTS_KEEP_CLUSTER=1 keeps a cluster this script started)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
# shellcheck source=../tools/env.sh
. hack/tools/env.sh
bots_node_ensure
bash scripts/bootstrap.sh
bash hack/tools/build-all.sh

k() { kubectl --kubeconfig "$BOTS_KUBECONFIG" --context "$BOTS_KUBE_CONTEXT" "$@"; }
started_cluster=0
k get --raw /readyz >/dev/null 2>&1 || started_cluster=1
BOTS_NODE=real BOTS_NO_BUILD=1 bash hack/cluster/up.sh
bash hack/cluster/storage.sh >/dev/null

STACK=staging
NS=bots-edi-staging
# Two releases: the image and a second digest of it, named as the documents name them.
image="${BOTS_OPS_IMAGE:-}"
if [ -z "$image" ]; then
  # shellcheck source=../docker/buildkit.sh
  . hack/docker/buildkit.sh
  use_local_base
  image="$(bash scripts/image-build.sh --tag bots-edi:ops --base-image "$BOTS_BASE_IMAGE" | tail -n 1)"
fi
printf 'FROM %s\nLABEL io.bots-edi.release=b\n' "$image" | DOCKER_BUILDKIT=0 docker build -q -t "$image-b" - >/dev/null
IMAGE_A="$(bash hack/cluster/load-image.sh "$image" registry.example.com/edi/bots)"
IMAGE_B="$(bash hack/cluster/load-image.sh "$image-b" registry.example.com/edi/bots)"

# A scratch project: Pulumi.<stack>.yaml is written there, never into the work tree.
work="$(mktemp -d "${TMPDIR:-/tmp}/bots-ops-project.XXXXXX")"
state="$(mktemp -d "${TMPDIR:-/tmp}/bots-ops-state.XXXXXX")"
for f in Pulumi.yaml package.json tsconfig.json tsconfig.pulumi.json index.ts components node_modules policy docker scripts; do
  ln -s "$ROOT/$f" "$work/$f"
done
cleanup() {
  k delete namespace "$NS" --wait=false >/dev/null 2>&1 || true
  rm -rf "$work" "$state"
  if [ "$started_cluster" = 1 ] && [ "${BOTS_KEEP_CLUSTER:-}" != 1 ]; then
    bash "$ROOT/hack/cluster/down.sh" || true
  fi
}
trap cleanup EXIT
if k get namespace "$NS" >/dev/null 2>&1; then
  k delete namespace "$NS" --wait=true --timeout=180s
fi

cd "$work"
# `pulumi login` records the backend in $PULUMI_HOME: a home of this run's own leaves the
# operator's login (and any other run on this machine) alone.
export PULUMI_HOME="$work/.pulumi-home"
# What the documents quote carries no path of this machine.
exec > >(sed -u -e "s|$BOTS_KUBECONFIG|<kubeconfig>|g" -e "s|$work|<project>|g" -e "s|$state|<state>|g" -e "s|$HOME|~|g") 2>&1
# The documents' `pulumi up` and `destroy` ask for confirmation (docs/operations.md says so); this
# script answers yes. Every other command runs with the flags the documents show.
export PULUMI_SKIP_CONFIRMATIONS=true
# The stack's passphrase, in a file as README's "Adding a stack" keeps it; its value is never printed.
(umask 077 && head -c 24 /dev/urandom | base64 >"$state/passphrase")

say() { printf '\n### %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
# A command whose failure the documents show, with the exit code they give.
run_fails_with() {
  local want="$1" rc=0
  shift
  run "$@" || rc=$?
  [ "$rc" = "$want" ] || fail "$* exited $rc; docs/operations.md says it exits $want"
}
# The documents' command that reads the superuser's password: run as shown, its value not printed.
superuser_password() {
  kubectl --kubeconfig "$BOTS_KUBECONFIG" --context "$BOTS_KUBE_CONTEXT" -n "$NS" get secrets \
    -o go-template='{{range .items}}{{with index .data "SUPERUSER_PASSWORD"}}{{base64decode .}}{{"\n"}}{{end}}{{end}}'
}
fail() { echo "FAIL: $*" >&2; exit 1; }
web_image() { k -n "$NS" get deployment bots-web -o jsonpath='{.spec.template.spec.containers[0].image}'; }

say "README.md, Adding a stack"
run npm run --silent preflight
run pulumi login "file://$state?metadata=skip"
run export PULUMI_CONFIG_PASSPHRASE_FILE="$state/passphrase"
run pulumi stack init "$STACK" --secrets-provider passphrase
run pulumi config set kubeconfig "$BOTS_KUBECONFIG"
run pulumi config set kubeContext "$BOTS_KUBE_CONTEXT"
run kubectl --kubeconfig "$BOTS_KUBECONFIG" --context "$BOTS_KUBE_CONTEXT" auth can-i create namespaces
run pulumi config set namespace "$NS"
run pulumi config set imageMode existing
run pulumi config set imageRef "$IMAGE_A"
run pulumi config set botsSource context
run pulumi config set storageClass local-rwx
run pulumi config set databaseEngine sqlite
run pulumi config set protectData true
preview_out="$(mktemp)"
run pulumi preview --diff --policy-pack policy | tee "$preview_out"
run pulumi up --policy-pack policy
[ "$(web_image)" = "$IMAGE_A" ] || fail "bots-web runs $(web_image), not $IMAGE_A"
run pulumi stack output --json
# The names the preview showed are the ones up created (no autonamed object).
for name in configSecretName initJobName; do
  shown="$(sed -n "s/^ *$name *: *\"\([^\"]*\)\".*/\1/p" "$preview_out" | head -n 1)"
  if [ -z "$shown" ] || [ "$shown" != "$(pulumi stack output "$name")" ]; then
    fail "the preview showed $name '$shown', up created '$(pulumi stack output "$name")'"
  fi
done
rm -f "$preview_out"
# README, "The web UI and the superuser's password": one generated password of 24 characters.
pw="$(superuser_password)"
if [ "$(printf '%s\n' "$pw" | wc -l)" != 1 ] || [ "${#pw}" != 24 ]; then
  fail "the password command did not print one generated password"
fi

say "docs/operations.md, Preview: the policy pack refuses unprotected data where it must be protected"
printf '{ "data-volume-protected": { "productionStacks": ["prod", "%s"] } }\n' "$STACK" >policy-config.json
run cat policy-config.json
# The one run in which the program unprotects the claim: an acknowledged data volume change.
run pulumi config set storageClass fast-rwx
run pulumi config set dataVolumeChangeAcknowledged 'storageClass:local-rwx->fast-rwx'
run_fails_with 1 pulumi preview --policy-pack policy --policy-pack-config policy-config.json
run pulumi config set storageClass local-rwx
run pulumi config rm dataVolumeChangeAcknowledged

say "README.md, Promotion (a newer digest)"
run pulumi config set imageRef "$IMAGE_B"
run pulumi up
[ "$(web_image)" = "$IMAGE_B" ] || fail "bots-web runs $(web_image), not $IMAGE_B"

say "README.md, Rollback"
history_cmd=(pulumi stack history --json -s "$STACK")
filter='.[] | "\(.startTime) \(.result) \(.config["bots-edi-deploy:imageRef"].value // "-")"'
printf "\$ %s | jq -r '%s'\n" "${history_cmd[*]}" "$filter"
listing="$("${history_cmd[@]}" | jq -r "$filter")"
printf '%s\n' "$listing"
earlier="$(printf '%s\n' "$listing" | awk -v now="$IMAGE_B" '$2 == "succeeded" && $3 != now && $3 != "-" { print $3; exit }')"
[ "$earlier" = "$IMAGE_A" ] || fail "the update history does not list $IMAGE_A as the earlier digest (got '$earlier')"
run pulumi config set imageRef "$earlier" -s "$STACK"
run pulumi preview --diff -s "$STACK"
run pulumi up -s "$STACK"
[ "$(web_image)" = "$IMAGE_A" ] || fail "after the rollback bots-web runs $(web_image), not $IMAGE_A"

say "docs/operations.md, Rotate a generated secret"
key_urn="$(pulumi stack export | jq -r '.deployment.resources[] | select(.type == "random:index/randomPassword:RandomPassword" and (.urn | endswith("::bots-config-django-secret-key"))) | .urn')"
[ -n "$key_urn" ] || fail "no RandomPassword bots-config-django-secret-key in the stack"
run pulumi up --replace "$key_urn" -s "$STACK"

say "docs/operations.md, Destroy: a protected stack"
run_fails_with 1 pulumi destroy -s "$STACK"
k -n "$NS" get pvc bots-data >/dev/null || fail "the refused destroy deleted the claim"

say "docs/operations.md, Destroy everything but the data"
# What the document says to do first: read the superuser's password, which the kept database keeps.
old_pw="$(superuser_password)"
pvc_uid="$(k -n "$NS" get pvc bots-data -o jsonpath='{.metadata.uid}')"
ns_uid="$(k get namespace "$NS" -o jsonpath='{.metadata.uid}')"
urns="$(pulumi stack export -s "$STACK" | jq -r '.deployment.resources[] | select(.protect) | .urn')"
printf "\$ pulumi stack export -s %s | jq -r '%s'\n%s\n" "$STACK" '.deployment.resources[] | select(.protect) | .urn' "$urns"
while read -r urn; do
  run pulumi state unprotect --yes "$urn" -s "$STACK"
done <<<"$urns"
run pulumi destroy -s "$STACK"
run pulumi stack rm "$STACK" --yes
[ "$(k -n "$NS" get pvc bots-data -o jsonpath='{.metadata.uid}')" = "$pvc_uid" ] || fail "the claim bots-data is gone"
[ "$(k get namespace "$NS" -o jsonpath='{.metadata.uid}')" = "$ns_uid" ] || fail "the namespace $NS is gone"
left="$(k -n "$NS" get deployments,cronjobs,jobs,services,secrets,serviceaccounts -o name | grep -v '^serviceaccount/default$' || true)"
[ -z "$left" ] || fail "destroy left: $left"
run kubectl --kubeconfig "$BOTS_KUBECONFIG" --context "$BOTS_KUBE_CONTEXT" -n "$NS" get pvc

say "docs/operations.md, A new stack on the kept data"
# The namespace and claim stay, so the new stack adopts them (docs/configuration.md).
run pulumi stack init "$STACK" --secrets-provider passphrase
run pulumi config set kubeconfig "$BOTS_KUBECONFIG"
run pulumi config set kubeContext "$BOTS_KUBE_CONTEXT"
run pulumi config set namespace "$NS"
run pulumi config set adoptNamespace true
run pulumi config set existingClaim bots-data
run pulumi config set imageMode existing
run pulumi config set imageRef "$IMAGE_A"
run pulumi config set botsSource context
run pulumi config set storageClass local-rwx
run pulumi config set databaseEngine sqlite
run pulumi up -s "$STACK"
# The init Job's log, printed, and whether it has the line.
init_log_says() {
  local log
  log="$(run kubectl --kubeconfig "$BOTS_KUBECONFIG" --context "$BOTS_KUBE_CONTEXT" -n "$NS" logs "job/$(pulumi stack output initJobName -s "$STACK")")"
  printf '%s\n' "$log"
  grep -qF "$1" <<<"$log"
}
init_log_says "the stack's superuser password does NOT log it in" ||
  fail "the init Job of a new stack on the kept database did not say that its generated password does not log in"
[ "$(superuser_password)" != "$old_pw" ] || fail "the new stack's password command printed the kept database's password"
# The document's remedy: give the new stack the old password (prompted for; here from stdin, unprinted).
printf '$ %s\n' "pulumi config set --secret superuserPassword -s $STACK"
printf '%s' "$old_pw" | pulumi config set --secret superuserPassword -s "$STACK"
run pulumi up -s "$STACK"
init_log_says "the stack's superuser password logs it in" ||
  fail "after superuserPassword was set to the kept one, the init Job did not say that it logs in"
[ "$(superuser_password)" = "$old_pw" ] || fail "the password command does not print the kept database's password"
say "done"
echo "operations.sh: adding a stack, promotion, rollback, destroy-all-but-the-data and a new stack on the kept data ran as written"
