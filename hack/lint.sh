#!/usr/bin/env bash
# Every linter the project uses: ESLint and tsc (TypeScript), shellcheck on every shell script,
# hadolint and ruff for docker/ (hack/docker/lint.sh installs them), actionlint for the workflows.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
echo "== eslint"
npx eslint .
echo "== tsc"
npx tsc -p . --noEmit
npx ts-node hack/docs/config-reference.ts --check  # the generated config reference (npm run docs) has not drifted
bash hack/docker/lint.sh
echo "== shellcheck (all scripts)"
mapfile -t scripts < <(git ls-files '*.sh' .ci/run policy/bin/pulumi-analyzer-policy)
shellcheck -x "${scripts[@]}"
bash hack/lint/actionlint.sh
