#!/usr/bin/env bash
# Lints .github/workflows with actionlint (and its shellcheck integration for `run:` blocks).
#
# actionlint is a Go module: it is built from the Go module proxy at a pinned version into
#   ${BOTS_TOOLS_CACHE:-$HOME/.cache/bots-edi-deploy}/actionlint-<version>/bin
# and the build is skipped when that binary exists. shellcheck comes from Debian
# (apt-get install shellcheck) when it is not on PATH; without it actionlint would silently
# skip the scripts inside `run:`.
#
# Usage: hack/lint/actionlint.sh [extra actionlint args]     (from anywhere)
set -euo pipefail

ACTIONLINT_VERSION="${ACTIONLINT_VERSION:-1.7.12}"
cache="${BOTS_TOOLS_CACHE:-$HOME/.cache/bots-edi-deploy}"
dir="$cache/actionlint-$ACTIONLINT_VERSION"
bin="$dir/bin/actionlint"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
    PATH="$PATH:/usr/local/go/bin"
fi

if [ ! -x "$bin" ]; then
    if ! command -v go >/dev/null 2>&1; then
        echo "actionlint.sh: Go is needed to build actionlint v$ACTIONLINT_VERSION (none on PATH or in /usr/local/go)" >&2
        exit 1
    fi
    echo "actionlint.sh: building github.com/rhysd/actionlint/cmd/actionlint@v$ACTIONLINT_VERSION into $dir/bin" >&2
    mkdir -p "$dir/bin"
    # GOFLAGS=-mod=mod: `go install pkg@version` ignores any go.work/go.mod around us.
    GOBIN="$dir/bin" CGO_ENABLED=0 GOFLAGS=-mod=mod \
        go install -trimpath -ldflags "-s -w -X github.com/rhysd/actionlint.version=v$ACTIONLINT_VERSION" \
        "github.com/rhysd/actionlint/cmd/actionlint@v$ACTIONLINT_VERSION"
fi

if ! command -v shellcheck >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "actionlint.sh: installing Debian's shellcheck" >&2
        apt-get install -y -qq shellcheck >/dev/null || { apt-get update -qq && apt-get install -y -qq shellcheck >/dev/null; }
    elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
        sudo apt-get install -y -qq shellcheck >/dev/null || { sudo apt-get update -qq && sudo apt-get install -y -qq shellcheck >/dev/null; }
    else
        echo "actionlint.sh: shellcheck is not installed and cannot be installed here (need apt-get as root)" >&2
        exit 1
    fi
fi

cd "$repo"
shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
if [ "${#workflows[@]}" -eq 0 ]; then
    echo "actionlint.sh: no workflows under .github/workflows" >&2
    exit 1
fi
"$bin" -version | head -n 1 >&2
"$bin" -shellcheck "$(command -v shellcheck)" "$@" "${workflows[@]}"
echo "actionlint: ${#workflows[@]} workflow file(s) clean" >&2
