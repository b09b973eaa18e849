#!/usr/bin/env bash
# Every linter the project uses: ESLint (TypeScript), then shellcheck, hadolint and ruff for docker/
# and the scripts (scripts/docker/lint.sh installs them), then actionlint for the workflows.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
npx eslint .
npx tsc -p . --noEmit
bash scripts/docker/lint.sh
bash scripts/lint/actionlint.sh
