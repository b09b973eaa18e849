#!/usr/bin/env bash
# Backups of a deployed stack (docs/backups.md):
#   npm run backup -- list    --stack S
#   npm run backup -- run     --stack S
#   npm run backup -- restore --stack S --id latest|ID [--from-stack OTHER]
# (scripts/backup/main.ts has the options.) Needs node (npm ci for ts-node), kubectl and the
# Pulumi CLI on PATH (it reads the stack's kubeconfig, context and outputs); run it in the project
# directory.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ ! -x "$root/node_modules/.bin/ts-node" ]]; then
    (cd "$root" && npm ci --no-audit --no-fund --ignore-scripts >&2)
fi
TS_NODE_TRANSPILE_ONLY=true TS_NODE_PROJECT="$root/tsconfig.json" exec "$root/node_modules/.bin/ts-node" "$root/scripts/backup/main.ts" "$@"
