#!/usr/bin/env bash
# arm64 tier: `npm run test:arm64` (or TIERS=arm64 npm run test:all). Not in the default tiers:
# its arm64 build runs under qemu (minutes cold; numbers in docker/README.md).
# Builds the image operators run (Bots 4 from ../shared/upstream/bots + demo/my_first_plugin) for
# linux/amd64 and linux/arm64 into one manifest list on the local registry
# (hack/docker/multiarch-build.sh, which installs qemu-user-static, binfmt-support, the registry,
# buildx and buildkitd), then runs test/arm64/*.spec.ts against the arm64 image under emulation.
# Args: passed to multiarch-build.sh (--no-cache: a cold build).
# Env: TEST_COUNTS_FILE (passed through to the counting reporter).
set -euo pipefail
# shellcheck source=test/support/container-tier.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/container-tier.sh"
bash hack/docker/multiarch-build.sh "$@"

tier_mocha_env arm64
node_modules/.bin/mocha --config test/arm64/.mocharc.json
echo "arm64 tier: wall time $(tier_elapsed)s"
