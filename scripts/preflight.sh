#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Checks the tools an operator runs this program with, before anything is changed:
#   bash scripts/preflight.sh               Node.js, the Pulumi CLI and kubectl (npm run preflight)
#   bash scripts/preflight.sh node [...]    only the tools named (node, pulumi, kubectl)
# Minimums: Node.js from package.json's "engines"; the Pulumi CLI at least the @pulumi/pulumi
# version package.json pins (the SDK and the engine are released together); kubectl 1.27, the
# oldest Kubernetes the program supports (README, Prerequisites). Exit 1 names each tool that is
# missing or too old and where to get it.
set -euo pipefail
cd "$(dirname "$0")/.."

KUBECTL_MIN=1.27.0
json_field() { sed -n "s#.*\"$1\": *\"[^0-9]*\([0-9][0-9.]*\)\".*#\1#p" package.json | head -n 1; }
NODE_MIN="$(json_field node)"
PULUMI_MIN="$(json_field @pulumi/pulumi)"

# at_least HAVE WANT: HAVE >= WANT in version order.
at_least() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]; }

problems=0
check() {
  local tool=$1 have=$2 want=$3 how=$4
  if [ -z "$have" ]; then
    echo "preflight: $tool not found on PATH; $how" >&2
    problems=$((problems + 1))
  elif ! at_least "$have" "$want"; then
    echo "preflight: $tool $have is older than $want, the oldest this program supports; $how" >&2
    problems=$((problems + 1))
  else
    echo "preflight: $tool $have (>= $want)"
  fi
}

version_of() {
  case "$1" in
    node) command -v node >/dev/null && node -p 'process.versions.node' ;;
    pulumi) command -v pulumi >/dev/null && pulumi version 2>/dev/null | sed -n 's/^v\{0,1\}\([0-9][0-9.]*\).*/\1/p' | head -n 1 ;;
    kubectl) command -v kubectl >/dev/null && kubectl version --client -o json 2>/dev/null |
      sed -n 's/.*"gitVersion": *"v\([0-9][0-9.]*\).*/\1/p' | head -n 1 ;;
  esac
}

tools=("$@")
[ ${#tools[@]} -gt 0 ] || tools=(node pulumi kubectl)
for tool in "${tools[@]}"; do
  have="$(version_of "$tool" || true)"
  case "$tool" in
    node) check "Node.js" "$have" "$NODE_MIN" "install Node.js $NODE_MIN or newer with npm (https://nodejs.org/en/download or your package manager)" ;;
    pulumi) check "pulumi" "$have" "$PULUMI_MIN" "install the Pulumi CLI $PULUMI_MIN or newer (https://www.pulumi.com/docs/iac/download-install/)" ;;
    kubectl) check "kubectl" "$have" "$KUBECTL_MIN" "install kubectl $KUBECTL_MIN or newer (https://kubernetes.io/docs/tasks/tools/)" ;;
    *) echo "preflight: unknown tool $tool (node, pulumi, kubectl)" >&2; exit 2 ;;
  esac
done
[ "$problems" -eq 0 ] || exit 1
