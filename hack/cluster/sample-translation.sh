#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Show a deployed Bots translating an EDI file (run by scripts/up-local.sh):
#   bash hack/cluster/sample-translation.sh NAMESPACE
#   1. a one-shot pod, made from the web Deployment's pod template (same image,
#      config Secret, data volume, security context), installs the X12 850 ->
#      CSV route of test/image/fixtures into the Bots environment and drops
#      sample/po-850.x12 into the route's inbox on the shared volume;
#   2. a Job created from the engine CronJob runs bots-engine;
#   3. the web pod prints the CSV the engine wrote.
set -euo pipefail

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ $# -eq 1 ] || { sed -n '3,4p' "$0" >&2; exit 2; }
ns=$1
root="$CLUSTER_SCRIPTS/../.."
fixtures="$root/test/image/fixtures"
run_id="$(date +%s)"
pod="bots-sample-$run_id"
job="bots-sample-engine-$run_id"

# The route's files in one ConfigMap; each key is mapped back to its path under /sample.
files=(configure_route.py usersys/grammars/x12/x12.py usersys/grammars/x12/850004010.py
       usersys/grammars/x12/records004010.py usersys/grammars/csv/orderlines.py
       usersys/mappings/x12/x12_850_2_csv.py)
from_file=(--from-file=po-850.x12="$CLUSTER_SCRIPTS/sample/po-850.x12")
items='[{"key":"po-850.x12","path":"po-850.x12"}'
for f in "${files[@]}"; do
  key="${f//\//.}"
  from_file+=("--from-file=$key=$fixtures/$f")
  items+=",{\"key\":\"$key\",\"path\":\"$f\"}"
done
items+="]"
kc -n "$ns" delete configmap bots-sample --ignore-not-found >/dev/null
kc -n "$ns" create configmap bots-sample "${from_file[@]}" >/dev/null

# shellcheck disable=SC2016  # expanded by the shell in the pod
install='set -e
for d in grammars/x12 grammars/csv mappings/x12; do mkdir -p "usersys/$d"; touch "usersys/$d/__init__.py"; done
cp -R /sample/usersys/. usersys/
python3 /sample/configure_route.py
mkdir -p botssys/infile/x12_850
cp /sample/po-850.x12 botssys/infile/x12_850/sample-po.x12
echo "dropped botssys/infile/x12_850/sample-po.x12"'
kc -n "$ns" get deployment bots-web -o json |
  jq --arg name "$pod" --arg script "$install" --argjson items "$items" '
    .spec.template
    | .apiVersion = "v1" | .kind = "Pod"
    | .metadata = {name: $name, labels: {"app.kubernetes.io/name": "bots-sample"}}
    | .spec.restartPolicy = "Never"
    | .spec.affinity = null
    | .spec.containers = [.spec.containers[0]
        | del(.livenessProbe, .readinessProbe, .startupProbe, .ports)
        | .name = "install"
        | .args = ["shell", "bash", "-c", $script]
        | .volumeMounts += [{name: "sample", mountPath: "/sample", readOnly: true}]]
    | .spec.volumes += [{name: "sample", configMap: {name: "bots-sample", items: $items}}]' |
  kc -n "$ns" apply -f - >/dev/null

phase() { kc -n "$ns" get "$1" -o "jsonpath=$2" 2>/dev/null; }
pod_done() { case "$(phase "pod/$pod" '{.status.phase}')" in Succeeded|Failed) return 0 ;; *) return 1 ;; esac; }
wait_for "pod $pod" 180 pod_done || true
kc -n "$ns" logs "$pod"
[ "$(phase "pod/$pod" '{.status.phase}')" = Succeeded ] || { clog "installing the sample route failed"; exit 1; }
kc -n "$ns" delete pod "$pod" --wait=false >/dev/null
kc -n "$ns" delete configmap bots-sample >/dev/null

kc -n "$ns" create job "$job" --from=cronjob/bots-engine >/dev/null
job_done() { [ -n "$(phase "job/$job" '{.status.conditions[?(@.status=="True")].type}')" ]; }
wait_for "engine Job $job" 300 job_done || true
echo "--- bots-engine (Job $job):"
kc -n "$ns" logs "job/$job" | tail -n 15
# A finished Job has "Complete" (or "Failed") among its true conditions, next to "SuccessCriteriaMet".
case " $(phase "job/$job" '{.status.conditions[?(@.status=="True")].type}') " in
  *" Complete "*) ;;
  *) clog "the engine run failed"; exit 1 ;;
esac

echo "--- translated (botssys/outfile/csv_orderlines, read by the web pod):"
# shellcheck disable=SC2016  # expanded by the shell in the pod
kc -n "$ns" exec deployment/bots-web -c web -- sh -c \
  'cd "/home/bots/.bots/env/$BOTSENV/botssys/outfile/csv_orderlines" && for f in *; do echo "$f:"; cat "$f"; done'
