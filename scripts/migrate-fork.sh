#!/usr/bin/env bash
# Move a running installation of the fork's Kustomize deployment onto a stack of this program
# (docs/migration.md):
#   npm run migrate:fork -- plan|run|undo|finish --kubeconfig FILE --context CTX --namespace NS [--stack S]
# (scripts/migrate-fork/main.ts has the options.) Needs node (npm ci for ts-node), kubectl and, for
# run and undo, the Pulumi CLI; run it in the project directory.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ ! -x "$root/node_modules/.bin/ts-node" ]]; then
    (cd "$root" && npm ci --no-audit --no-fund --ignore-scripts >&2)
fi
TS_NODE_TRANSPILE_ONLY=true TS_NODE_PROJECT="$root/tsconfig.json" exec "$root/node_modules/.bin/ts-node" "$root/scripts/migrate-fork/main.ts" "$@"
